//! Negative tests modelled on the OpenID Foundation's Basic RP, Config RP and FAPI 2.0 RP
//! conformance plans: each bad ID token, discovery document, callback or UserInfo response is
//! refused with its own error. The provider is a closure serving a JWK Set; ID tokens are
//! signed by the test with tessera-jwt's builder.

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tessera_core::{HttpClient, HttpRequest, TransportError, UnixTime};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;
use tessera_oauth::{AuthorizationServerMetadata, CallbackProblem, Client, ClientAuth};
use tessera_oidc::{
    Discovery, Error, Expected, IdTokenProblem, IdTokenVerifier, LoginRequest, Provider,
    UserInfoProblem,
};

const ISS: &str = "https://op.example";
const CLIENT: &str = "client-1";
const NOW: UnixTime = UnixTime(1_800_000_000);

struct Op {
    keys: Vec<(Jwk, SigningKey)>,
    published: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
    provider: Provider,
}

fn key(kid: &str) -> (Jwk, SigningKey) {
    let jwk = Jwk::generate(JwsAlgorithm::RS256).unwrap().with_kid(kid);
    let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::RS256).unwrap();
    (jwk, signer)
}

fn publish(keys: &[&Jwk]) -> String {
    JwkSet::from_keys(keys.iter().map(|k| k.to_public().unwrap())).to_json()
}

fn metadata() -> AuthorizationServerMetadata {
    let doc = json!({
        "issuer": ISS,
        "authorization_endpoint": format!("{ISS}/auth"),
        "token_endpoint": format!("{ISS}/token"),
        "jwks_uri": format!("{ISS}/jwks"),
        "userinfo_endpoint": format!("{ISS}/userinfo"),
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "none"],
        "authorization_response_iss_parameter_supported": true,
    });
    Discovery::new()
        .parse(ISS, doc.to_string().as_bytes())
        .unwrap()
}

impl Op {
    fn new(kids: &[&str]) -> Op {
        let keys: Vec<(Jwk, SigningKey)> = kids.iter().map(|k| key(k)).collect();
        let published = Arc::new(Mutex::new(publish(
            &keys.iter().map(|(j, _)| j).collect::<Vec<_>>(),
        )));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (p, f) = (Arc::clone(&published), Arc::clone(&fetches));
        let http: Arc<dyn HttpClient> = Arc::new(move |_req: HttpRequest| {
            f.fetch_add(1, Ordering::SeqCst);
            let body = p.lock().unwrap().clone();
            async move {
                Ok::<_, TransportError>(
                    tessera_core::http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(body.into_bytes())
                        .unwrap(),
                )
            }
        });
        let provider = Provider::new(metadata(), http).unwrap();
        Op {
            keys,
            published,
            fetches,
            provider,
        }
    }

    fn claims() -> Value {
        json!({
            "iss": ISS, "sub": "alice", "aud": CLIENT, "iat": NOW.0, "exp": NOW.0 + 300,
            "nonce": "n-0S6_WzA2Mj", "auth_time": NOW.0 - 10,
        })
    }

    fn sign_with(&self, k: usize, claims: &Value) -> String {
        JwtBuilder::new()
            .claims(claims)
            .sign(&self.keys[k].1)
            .unwrap()
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_with(0, claims)
    }

    fn verify(&self, token: &str, expected: &Expected<'_>) -> Result<tessera_oidc::IdToken, Error> {
        self.verify_at(token, expected, NOW)
    }

    fn verify_at(
        &self,
        token: &str,
        expected: &Expected<'_>,
        now: UnixTime,
    ) -> Result<tessera_oidc::IdToken, Error> {
        let v = IdTokenVerifier::new(&self.provider, CLIENT).unwrap();
        futures_executor::block_on(v.verify(&self.provider, token, expected, now))
    }
}

fn with(mut base: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    f(base.as_object_mut().unwrap());
    base
}

fn nonce() -> Expected<'static> {
    Expected::none().nonce("n-0S6_WzA2Mj")
}

fn id_problem(r: Result<tessera_oidc::IdToken, Error>) -> IdTokenProblem {
    match r {
        Err(Error::IdToken(p)) => p,
        other => panic!("expected an ID token problem, got {other:?}"),
    }
}

fn jwt_error(r: Result<tessera_oidc::IdToken, Error>) -> tessera_jwt::Error {
    match r {
        Err(Error::Jwt(e)) => e,
        other => panic!("expected a JWT error, got {other:?}"),
    }
}

#[test]
fn a_good_id_token_is_accepted() {
    let op = Op::new(&["k1"]);
    let t = op
        .verify(&op.sign(&Op::claims()), &nonce().max_age(60))
        .unwrap();
    assert_eq!(t.subject(), "alice");
    assert_eq!(t.issuer(), ISS);
}

#[test]
fn wrong_iss_aud_and_azp() {
    let op = Op::new(&["k1"]);
    let e = jwt_error(op.verify(
        &op.sign(&with(Op::claims(), |c| {
            c.insert("iss".into(), json!("https://evil.example"));
        })),
        &nonce(),
    ));
    assert!(matches!(e, tessera_jwt::Error::WrongIssuer { .. }), "{e:?}");
    let e = jwt_error(op.verify(
        &op.sign(&with(Op::claims(), |c| {
            c.insert("aud".into(), json!("someone-else"));
        })),
        &nonce(),
    ));
    assert!(
        matches!(e, tessera_jwt::Error::WrongAudience { .. }),
        "{e:?}"
    );
    // Several audiences and no azp; azp of another client.
    let several = with(Op::claims(), |c| {
        c.insert("aud".into(), json!([CLIENT, "other"]));
    });
    assert_eq!(
        id_problem(op.verify(&op.sign(&several), &nonce())),
        IdTokenProblem::Azp { found: None }
    );
    let other_azp = with(several.clone(), |c| {
        c.insert("azp".into(), json!("other"));
    });
    assert_eq!(
        id_problem(op.verify(&op.sign(&other_azp), &nonce())),
        IdTokenProblem::Azp {
            found: Some("other".into())
        }
    );
    let good_azp = with(several, |c| {
        c.insert("azp".into(), json!(CLIENT));
    });
    op.verify(&op.sign(&good_azp), &nonce()).unwrap();
}

#[test]
fn missing_sub_iat_exp_and_nonce() {
    let op = Op::new(&["k1"]);
    for claim in ["sub", "iat", "exp"] {
        let t = op.sign(&with(Op::claims(), |c| {
            c.remove(claim);
        }));
        let e = jwt_error(op.verify(&t, &nonce()));
        assert!(
            matches!(e, tessera_jwt::Error::MissingClaim { .. }),
            "{claim}: {e:?}"
        );
    }
    let t = op.sign(&with(Op::claims(), |c| {
        c.remove("nonce");
    }));
    assert_eq!(
        id_problem(op.verify(&t, &nonce())),
        IdTokenProblem::Missing { claim: "nonce" }
    );
}

#[test]
fn wrong_nonce_and_unexpected_nonce() {
    let op = Op::new(&["k1"]);
    let t = op.sign(&Op::claims());
    assert_eq!(
        id_problem(op.verify(&t, &Expected::none().nonce("another"))),
        IdTokenProblem::NonceMismatch
    );
    assert_eq!(
        id_problem(op.verify(&t, &Expected::none())),
        IdTokenProblem::UnexpectedNonce
    );
}

#[test]
fn alg_none_and_a_bad_signature() {
    let op = Op::new(&["k1"]);
    let good = op.sign(&Op::claims());
    let (h, rest) = good.split_once('.').unwrap();
    let _ = h;
    let none_header = tessera_core::b64::encode(br#"{"alg":"none"}"#);
    let payload = rest.split('.').next().unwrap();
    let none = format!("{none_header}.{payload}.");
    assert!(matches!(
        op.verify(&none, &nonce()),
        Err(Error::Jwt(tessera_jwt::Error::Jose(
            tessera_jose::Error::UnsupportedAlgorithm { .. }
        )))
    ));
    let mut bad = good.clone().into_bytes();
    let last = bad.len() - 5;
    bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
    let e = jwt_error(op.verify(std::str::from_utf8(&bad).unwrap(), &nonce()));
    assert!(
        matches!(
            e,
            tessera_jwt::Error::Jose(tessera_jose::Error::InvalidSignature)
        ),
        "{e:?}"
    );
}

#[test]
fn unknown_kid_and_kid_absent_with_one_key_or_several() {
    let op = Op::new(&["k1"]);
    // A token from a key the provider never published: refused after one refetch.
    let (_, stranger) = key("k9");
    let t = JwtBuilder::new()
        .claims(&Op::claims())
        .sign(&stranger)
        .unwrap();
    assert!(matches!(op.verify(&t, &nonce()), Err(Error::Jwt(_))));
    // No kid, one key published: accepted.
    let no_kid = JwtBuilder::new().claims(&Op::claims());
    let one = Op::new(&["only"]);
    let (jwk, _) = &one.keys[0];
    let mut unnamed = jwk.clone();
    unnamed.kid = None;
    *one.published.lock().unwrap() = publish(&[&unnamed]);
    let signer = SigningKey::from_jwk(&unnamed, JwsAlgorithm::RS256).unwrap();
    one.verify(&no_kid.sign(&signer).unwrap(), &nonce())
        .unwrap();
    // No kid, several keys published: ambiguous, refused.
    let two = Op::new(&["a", "b"]);
    let mut a = two.keys[0].0.clone();
    a.kid = None;
    let signer = SigningKey::from_jwk(&a, JwsAlgorithm::RS256).unwrap();
    let t = no_kid.sign(&signer).unwrap();
    assert_eq!(
        id_problem(two.verify(&t, &nonce())),
        IdTokenProblem::AmbiguousKey
    );
}

#[test]
fn a_rotated_key_costs_exactly_one_refetch() {
    let op = Op::new(&["k1"]);
    op.verify(&op.sign(&Op::claims()), &nonce()).unwrap();
    assert_eq!(op.fetches.load(Ordering::SeqCst), 1);
    let (new_jwk, new_signer) = key("k2");
    *op.published.lock().unwrap() = publish(&[&op.keys[0].0, &new_jwk]);
    let t = JwtBuilder::new()
        .claims(&Op::claims())
        .sign(&new_signer)
        .unwrap();
    // A minute later (past the refetch cooldown), the unknown kid triggers one refetch; the next
    // token with it needs none.
    let later = UnixTime(NOW.0 + 60);
    op.verify_at(&t, &nonce(), later).unwrap();
    op.verify_at(&t, &nonce(), later).unwrap();
    assert_eq!(op.fetches.load(Ordering::SeqCst), 2);
    // An invented kid right after costs no refetch (cooldown).
    let (_, stranger) = key("k3");
    let t = JwtBuilder::new()
        .claims(&Op::claims())
        .sign(&stranger)
        .unwrap();
    assert!(op.verify_at(&t, &nonce(), later).is_err());
    assert_eq!(op.fetches.load(Ordering::SeqCst), 2);
}

#[test]
fn wrong_at_hash_and_max_age() {
    let op = Op::new(&["k1"]);
    let t = op.sign(&with(Op::claims(), |c| {
        c.insert("at_hash".into(), json!("77QmUPtjPfzWtF2AnpK9RQ"));
    }));
    assert_eq!(
        id_problem(op.verify(&t, &nonce().access_token("not-the-token"))),
        IdTokenProblem::AtHash
    );
    let old = op.sign(&with(Op::claims(), |c| {
        c.insert("auth_time".into(), json!(NOW.0 - 3600));
    }));
    assert!(matches!(
        id_problem(op.verify(&old, &nonce().max_age(600))),
        IdTokenProblem::AuthTooOld { .. }
    ));
    let none = op.sign(&with(Op::claims(), |c| {
        c.remove("auth_time");
    }));
    assert_eq!(
        id_problem(op.verify(&none, &nonce().max_age(600))),
        IdTokenProblem::Missing { claim: "auth_time" }
    );
}

#[test]
fn discovery_issuer_mismatch() {
    let doc = json!({"issuer": "https://evil.example", "authorization_endpoint": "https://evil.example/a", "jwks_uri": "https://evil.example/k"});
    assert!(matches!(
        Discovery::new().parse(ISS, doc.to_string().as_bytes()),
        Err(Error::OAuth(tessera_oauth::Error::IssuerMismatch { .. }))
    ));
}

fn client(op: &Op) -> Client {
    Client::new(CLIENT, ClientAuth::none(), op.provider.metadata().clone())
}

#[test]
fn callback_iss_state_and_error() {
    let op = Op::new(&["k1"]);
    let c = client(&op);
    let start = || {
        LoginRequest::new("https://rp.example/cb")
            .build(&c, NOW)
            .unwrap()
            .1
    };
    // The server promises `iss`; missing, then wrong.
    let p = start();
    let q = format!("code=x&state={}", p.state());
    assert!(matches!(
        p.check_callback(q.as_bytes(), NOW),
        Err(Error::OAuth(tessera_oauth::Error::Callback(
            CallbackProblem::MissingIssuer
        )))
    ));
    let p = start();
    let q = format!("code=x&state={}&iss=https%3A%2F%2Fevil.example", p.state());
    assert!(matches!(
        p.check_callback(q.as_bytes(), NOW),
        Err(Error::OAuth(tessera_oauth::Error::IssuerMismatch { .. }))
    ));
    let p = start();
    assert!(matches!(
        p.check_callback(b"code=x&state=forged&iss=https%3A%2F%2Fop.example", NOW),
        Err(Error::OAuth(tessera_oauth::Error::Callback(
            CallbackProblem::StateMismatch
        )))
    ));
    let p = start();
    let q = format!(
        "error=access_denied&state={}&iss=https%3A%2F%2Fop.example",
        p.state()
    );
    match p.check_callback(q.as_bytes(), NOW) {
        Err(Error::OAuth(tessera_oauth::Error::OAuth(e))) => {
            assert_eq!(e.code, tessera_oauth::ErrorCode::AccessDenied)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn userinfo_with_another_sub() {
    let op = Op::new(&["k1"]);
    let id = op.verify(&op.sign(&Op::claims()), &nonce()).unwrap();
    let verifier = IdTokenVerifier::new(&op.provider, CLIENT).unwrap();
    let res = tessera_core::http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"sub":"mallory","email":"m@example.com"}"#.to_vec())
        .unwrap();
    let r = futures_executor::block_on(tessera_oidc::userinfo::parse_response(
        &op.provider,
        &verifier,
        &res,
        &id,
        NOW,
    ));
    assert!(matches!(
        r,
        Err(Error::UserInfo(UserInfoProblem::SubMismatch { .. }))
    ));
    let ok = tessera_core::http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(br#"{"sub":"alice","email":"a@example.com"}"#.to_vec())
        .unwrap();
    let claims = futures_executor::block_on(tessera_oidc::userinfo::parse_response(
        &op.provider,
        &verifier,
        &ok,
        &id,
        NOW,
    ))
    .unwrap();
    assert_eq!(claims["email"], "a@example.com");
}
