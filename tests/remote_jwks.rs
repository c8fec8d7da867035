//! The remote JWK Set: fetch on first use, refetch on unknown kid at most once per cooldown,
//! maximum age and Cache-Control, stale keys on failure, one shared in-flight fetch, caps,
//! rotation, jku never followed. Time is passed in; nothing sleeps.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_executor::block_on;
use serde_json::json;
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime, http};
use tessera_jose::jws::{self, JwsHeader};
use tessera_jose::remote::{RemoteError, RemoteJwkSet, RemoteJwkSetConfig};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
use tessera_jwt::{AsyncKeyResolver, Error, JwtBuilder, KeyRequest, Keys, Policy, RemoteKeys};

const T0: UnixTime = UnixTime(1_700_000_000);
const JWKS_URI: &str = "https://op.example/jwks";

fn k1() -> Jwk {
    Jwk::from_json(
        br#"{"kty":"EC","crv":"P-256","kid":"k1",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
    )
    .unwrap()
}

/// The key the provider rotates to (the P-256 key of RFC 7520 §5.5, without its `use`).
fn k2() -> Jwk {
    Jwk::from_json(
        br#"{"kty":"EC","crv":"P-256","kid":"k2",
        "x":"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0",
        "y":"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw",
        "d":"r_kHyZ-a06rmxM3yESK84r1otSg-aQcVStkRhA-iCM8"}"#,
    )
    .unwrap()
}

/// A published HMAC key: a forging key for anyone who can read the set.
fn k3_oct() -> Jwk {
    Jwk::from_oct(b"published-secret-published-secr!")
        .unwrap()
        .with_kid("k3")
}

fn signer(jwk: &Jwk) -> SigningKey {
    let alg = if jwk.kty() == "oct" {
        JwsAlgorithm::HS256
    } else {
        JwsAlgorithm::ES256
    };
    SigningKey::from_jwk(jwk, alg).unwrap()
}

fn token(jwk: &Jwk, now: UnixTime) -> String {
    JwtBuilder::new()
        .issuer("https://op.example")
        .audience("api")
        .issued_at(now)
        .expires_in(now, 3600)
        .sign(&signer(jwk))
        .unwrap()
}

fn token_with_kid(kid: &str, now: UnixTime) -> String {
    JwtBuilder::new()
        .issuer("https://op.example")
        .audience("api")
        .expires_in(now, 3600)
        .kid(kid)
        .sign(&signer(&k2()))
        .unwrap()
}

fn policy() -> Policy {
    Policy::builder()
        .issuer("https://op.example")
        .audience("api")
        .algorithms([JwsAlgorithm::ES256, JwsAlgorithm::HS256])
        .build()
        .unwrap()
}

/// A scripted identity provider.
#[derive(Clone)]
struct Provider {
    state: Arc<Mutex<ProviderState>>,
    gate: Arc<AtomicBool>,
}

struct ProviderState {
    /// Keys published, as private JWKs (served as public, `oct` as is).
    keys: Vec<Jwk>,
    status: u16,
    cache_control: Option<String>,
    body_override: Option<Vec<u8>>,
    requests: Vec<String>,
}

impl Provider {
    fn new(keys: Vec<Jwk>) -> Self {
        Provider {
            state: Arc::new(Mutex::new(ProviderState {
                keys,
                status: 200,
                cache_control: None,
                body_override: None,
                requests: Vec::new(),
            })),
            gate: Arc::new(AtomicBool::new(true)),
        }
    }

    fn fetches(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }

    fn set(&self, f: impl FnOnce(&mut ProviderState)) {
        f(&mut self.state.lock().unwrap())
    }

    fn client(&self) -> Arc<dyn HttpClient> {
        let p = self.clone();
        Arc::new(move |req: HttpRequest| {
            let p = p.clone();
            async move {
                while !p.gate.load(Ordering::SeqCst) {
                    YieldNow(false).await;
                }
                let mut st = p.state.lock().unwrap();
                st.requests.push(req.uri().to_string());
                let body = match &st.body_override {
                    Some(b) => b.clone(),
                    None => {
                        let keys: Vec<_> = st
                            .keys
                            .iter()
                            .map(|k| {
                                if k.kty() == "oct" {
                                    serde_json::from_str::<serde_json::Value>(&k.to_json()).unwrap()
                                } else {
                                    serde_json::from_str(&k.to_public().unwrap().to_json()).unwrap()
                                }
                            })
                            .collect();
                        json!({ "keys": keys }).to_string().into_bytes()
                    }
                };
                let mut res = http::Response::builder().status(st.status);
                if let Some(cc) = &st.cache_control {
                    res = res.header("cache-control", cc);
                }
                Ok::<HttpResponse, tessera_core::TransportError>(res.body(body).unwrap())
            }
        })
    }

    fn keys(&self) -> RemoteKeys {
        self.keys_with(RemoteJwkSetConfig::new(JWKS_URI).unwrap())
    }

    fn keys_with(&self, config: RemoteJwkSetConfig) -> RemoteKeys {
        RemoteKeys::new(RemoteJwkSet::new(config, self.client()))
    }
}

/// Returns Pending once (waking itself), then Ready: lets other futures run.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn verify(keys: &RemoteKeys, token: &str, now: UnixTime) -> Result<(), Error> {
    block_on(policy().verify_async_at::<()>(token, keys, now)).map(|_| ())
}

fn no_key(r: Result<(), Error>) -> bool {
    matches!(
        r,
        Err(Error::Jose(tessera_jose::Error::NoMatchingKey { .. }))
    )
}

#[test]
fn fetches_on_first_use_then_serves_from_cache() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    // (Synchronous verification cannot be handed remote keys at all: `RemoteKeys` is only an
    // `AsyncKeyResolver`, so `policy.verify(token, &keys)` does not compile.)
    assert_eq!(p.fetches(), 0);
    for i in 0..50 {
        verify(&keys, &token(&k1(), T0), T0.saturating_add(i)).unwrap();
    }
    assert_eq!(p.fetches(), 1);
    assert_eq!(p.state.lock().unwrap().requests[0], JWKS_URI);
    // The prepared keys are shared, not rebuilt.
    let mut header = JwsHeader::new(JwsAlgorithm::ES256);
    header.kid = Some("k1".into());
    let request = KeyRequest::new(&header, "", T0);
    let a = block_on(keys.resolve_async(&request)).unwrap();
    let b = block_on(keys.resolve_async(&request)).unwrap();
    assert_eq!(p.fetches(), 1);
    match (a, b) {
        (Keys::Shared(a), Keys::Shared(b)) => assert!(Arc::ptr_eq(&a, &b)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_flood_of_unknown_kids_costs_one_fetch_per_cooldown() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    assert_eq!(p.fetches(), 1);
    // Within the cooldown (30 s) of that fetch: no refetch at all.
    for i in 0..1000 {
        let t = token_with_kid(&format!("bogus-{i}"), T0);
        assert!(no_key(verify(&keys, &t, T0.saturating_add(i % 29))));
    }
    assert_eq!(p.fetches(), 1);
    // Past the cooldown: exactly one refetch for the whole flood, at each cooldown boundary.
    for window in 1..=3u64 {
        let start = T0.saturating_add(30 * window);
        for i in 0..500 {
            let t = token_with_kid(&format!("bogus-{window}-{i}"), T0);
            assert!(no_key(verify(&keys, &t, start.saturating_add(i % 30))));
        }
        assert_eq!(p.fetches(), 1 + window as usize, "window {window}");
    }
    // Known kids kept working throughout, without fetches.
    verify(&keys, &token(&k1(), T0), T0.saturating_add(100)).unwrap();
    assert_eq!(p.fetches(), 4);
}

#[test]
fn a_key_rotation_is_picked_up_on_the_next_unknown_kid() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    // The provider rotates: k2 added, k1 retired.
    p.set(|s| s.keys = vec![k2()]);
    let later = T0.saturating_add(45);
    verify(&keys, &token(&k2(), later), later).unwrap();
    assert_eq!(p.fetches(), 2);
    // The retired key is gone now (and no refetch happens within the cooldown).
    assert!(no_key(verify(&keys, &token(&k1(), later), later)));
    assert_eq!(p.fetches(), 2);
}

#[test]
fn a_rotation_within_the_cooldown_waits_for_the_cooldown() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    p.set(|s| s.keys = vec![k1(), k2()]);
    let soon = T0.saturating_add(10);
    assert!(no_key(verify(&keys, &token(&k2(), soon), soon)));
    let after = T0.saturating_add(30);
    verify(&keys, &token(&k2(), after), after).unwrap();
    assert_eq!(p.fetches(), 2);
}

#[test]
fn maximum_age_and_cache_control() {
    // Default: 10 minutes.
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    verify(&keys, &token(&k1(), T0), T0.saturating_add(599)).unwrap();
    assert_eq!(p.fetches(), 1);
    verify(&keys, &token(&k1(), T0), T0.saturating_add(600)).unwrap();
    assert_eq!(p.fetches(), 2);

    // Cache-Control: max-age is honoured...
    let p = Provider::new(vec![k1()]);
    p.set(|s| s.cache_control = Some("public, max-age=120".into()));
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    verify(&keys, &token(&k1(), T0), T0.saturating_add(119)).unwrap();
    assert_eq!(p.fetches(), 1);
    verify(&keys, &token(&k1(), T0), T0.saturating_add(120)).unwrap();
    assert_eq!(p.fetches(), 2);

    // ...within bounds: a tiny max-age is raised to the 60 s floor, a huge one capped at a day.
    let p = Provider::new(vec![k1()]);
    p.set(|s| s.cache_control = Some("max-age=1".into()));
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    verify(&keys, &token(&k1(), T0), T0.saturating_add(59)).unwrap();
    assert_eq!(p.fetches(), 1);
    verify(&keys, &token(&k1(), T0), T0.saturating_add(60)).unwrap();
    assert_eq!(p.fetches(), 2);

    let p = Provider::new(vec![k1()]);
    p.set(|s| s.cache_control = Some("max-age=31536000".into()));
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    let t = T0.saturating_add(86_399);
    verify(&keys, &token(&k1(), t), t).unwrap();
    assert_eq!(p.fetches(), 1);
    let t = T0.saturating_add(86_400);
    verify(&keys, &token(&k1(), t), t).unwrap();
    assert_eq!(p.fetches(), 2);
}

#[test]
fn stale_keys_are_served_when_a_refetch_fails() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    p.set(|s| s.status = 503);
    let stale = T0.saturating_add(700);
    // The refresh fails; the token still verifies with the keys held.
    verify(&keys, &token(&k1(), stale), stale).unwrap();
    assert_eq!(p.fetches(), 2);
    // No hammering: within the cooldown the stale keys are used without a fetch.
    for i in 0..20 {
        verify(&keys, &token(&k1(), stale), stale.saturating_add(i)).unwrap();
    }
    assert_eq!(p.fetches(), 2);
    // A body that is not a JWK Set is a failure too, and also keeps the old keys.
    p.set(|s| {
        s.status = 200;
        s.body_override = Some(b"<html>oops</html>".to_vec());
    });
    verify(&keys, &token(&k1(), stale), stale.saturating_add(30)).unwrap();
    assert_eq!(p.fetches(), 3);
    // The provider recovers: the next attempt after the cooldown refreshes.
    p.set(|s| s.body_override = None);
    verify(&keys, &token(&k1(), stale), stale.saturating_add(60)).unwrap();
    assert_eq!(p.fetches(), 4);
    verify(&keys, &token(&k1(), stale), stale.saturating_add(61)).unwrap();
    assert_eq!(p.fetches(), 4);
}

#[test]
fn a_failed_first_fetch_is_retried_only_after_the_cooldown() {
    let p = Provider::new(vec![k1()]);
    p.set(|s| s.status = 500);
    let keys = p.keys();
    let t = token(&k1(), T0);
    assert!(matches!(
        verify(&keys, &t, T0),
        Err(Error::Remote(RemoteError::Status { status: 500 }))
    ));
    match verify(&keys, &t, T0.saturating_add(10)) {
        Err(Error::Remote(RemoteError::CoolingDown { retry_in, last })) => {
            assert_eq!(retry_in, 20);
            assert!(matches!(*last, RemoteError::Status { status: 500 }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.fetches(), 1);
    p.set(|s| s.status = 200);
    verify(&keys, &t, T0.saturating_add(30)).unwrap();
    assert_eq!(p.fetches(), 2);
}

#[test]
fn the_response_size_and_key_count_are_capped() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys_with(
        RemoteJwkSetConfig::new(JWKS_URI)
            .unwrap()
            .with_max_bytes(100),
    );
    match verify(&keys, &token(&k1(), T0), T0) {
        Err(Error::Remote(RemoteError::TooLarge { limit, actual })) => {
            assert_eq!(limit, 100);
            assert!(actual > 100);
        }
        other => panic!("{other:?}"),
    }
    let p = Provider::new(vec![k1(), k2()]);
    let keys = p.keys_with(RemoteJwkSetConfig::new(JWKS_URI).unwrap().with_max_keys(1));
    assert!(matches!(
        verify(&keys, &token(&k1(), T0), T0),
        Err(Error::Remote(RemoteError::InvalidSet { .. }))
    ));
}

#[test]
fn concurrent_verifications_share_one_fetch() {
    let p = Provider::new(vec![k1()]);
    p.gate.store(false, Ordering::SeqCst);
    let keys = p.keys();
    let policy = policy();
    let t = token(&k1(), T0);
    let verifications = (0..16).map(|_| policy.verify_async_at::<()>(&t, &keys, T0));
    let gate = p.gate.clone();
    let opener = async move {
        for _ in 0..10 {
            YieldNow(false).await;
        }
        gate.store(true, Ordering::SeqCst);
    };
    let (results, ()) = block_on(futures_util::future::join(
        futures_util::future::join_all(verifications),
        opener,
    ));
    assert_eq!(results.len(), 16);
    for r in results {
        r.unwrap();
    }
    assert_eq!(p.fetches(), 1);
}

#[test]
fn concurrent_unknown_kids_share_one_refetch() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    p.set(|s| s.keys = vec![k1(), k2()]);
    p.gate.store(false, Ordering::SeqCst);
    let later = T0.saturating_add(31);
    let policy = policy();
    let t = token(&k2(), later);
    let verifications = (0..8).map(|_| policy.verify_async_at::<()>(&t, &keys, later));
    let gate = p.gate.clone();
    let opener = async move {
        for _ in 0..10 {
            YieldNow(false).await;
        }
        gate.store(true, Ordering::SeqCst);
    };
    let (results, ()) = block_on(futures_util::future::join(
        futures_util::future::join_all(verifications),
        opener,
    ));
    // Every caller waited for the one refetch and then found k2.
    for r in results {
        r.unwrap();
    }
    assert_eq!(p.fetches(), 2);
}

#[test]
fn jku_and_x5u_in_a_token_are_never_fetched() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys();
    let mut h = JwsHeader::new(JwsAlgorithm::ES256);
    h.kid = Some("attacker".into());
    h.jku = Some("https://evil.example/jwks".into());
    h.x5u = Some("https://evil.example/cert.pem".into());
    let payload = JwtBuilder::new()
        .issuer("https://op.example")
        .audience("api")
        .expires_in(T0, 60)
        .payload()
        .unwrap();
    let t = jws::sign_compact(&h, &payload, &signer(&k1())).unwrap();
    assert!(no_key(verify(&keys, &t, T0)));
    assert!(no_key(verify(&keys, &t, T0.saturating_add(40))));
    let requests = p.state.lock().unwrap().requests.clone();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|u| u == JWKS_URI), "{requests:?}");
}

#[test]
fn a_shared_dyn_resolver_still_fetches() {
    let p = Provider::new(vec![k1()]);
    let shared: Arc<dyn AsyncKeyResolver> = Arc::new(p.keys());
    let t = token(&k1(), T0);
    block_on(policy().verify_async_at::<()>(&t, &*shared, T0)).unwrap();
    block_on(policy().verify_async_at::<()>(&t, shared.as_ref(), T0)).unwrap();
    assert_eq!(p.fetches(), 1);
}

#[test]
fn a_published_hmac_key_verifies_nothing_unless_explicitly_allowed() {
    let p = Provider::new(vec![k1(), k3_oct()]);
    let forged = token(&k3_oct(), T0);
    // By default the oct key is dropped when the set is fetched: a token MACed with the
    // published secret finds no key.
    let keys = p.keys();
    assert!(no_key(verify(&keys, &forged, T0)));
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    let snapshot = block_on(keys.remote().keys_for(T0, Some("k3"), JwsAlgorithm::HS256)).unwrap();
    assert_eq!(snapshot.symmetric_keys_dropped(), 1);
    assert!(snapshot.set().get("k3").is_none());
    // Only the named opt-out keeps it.
    let keys = p.keys_with(
        RemoteJwkSetConfig::new(JWKS_URI)
            .unwrap()
            .insecure_allow_symmetric_keys(),
    );
    verify(&keys, &forged, T0).unwrap();
}

#[test]
fn keys_past_max_stale_fail_with_the_refresh_error_as_source() {
    let p = Provider::new(vec![k1()]);
    let keys = p.keys_with(
        RemoteJwkSetConfig::new(JWKS_URI)
            .unwrap()
            .with_max_stale(3600),
    );
    verify(&keys, &token(&k1(), T0), T0).unwrap();
    p.set(|s| s.status = 503);
    // Fresh until T0 + 600; served stale up to an hour past that.
    let edge = T0.saturating_add(600 + 3600);
    verify(&keys, &token(&k1(), edge), edge).unwrap();
    let late = edge.saturating_add(1);
    match verify(&keys, &token(&k1(), late), late) {
        Err(Error::Remote(e @ RemoteError::Stale { .. })) => {
            let RemoteError::Stale {
                stale_for, last, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*stale_for, 3601);
            assert!(matches!(
                last.as_deref(),
                Some(RemoteError::Status { status: 503 })
            ));
            let source = std::error::Error::source(&e).unwrap();
            assert_eq!(source.to_string(), "the JWK Set endpoint answered HTTP 503");
        }
        other => panic!("{other:?}"),
    }
    // The provider recovers: after the cooldown the set is fetched and tokens verify again.
    p.set(|s| s.status = 200);
    let back = edge.saturating_add(30);
    verify(&keys, &token(&k1(), back), back).unwrap();
}
