//! OAuth documents and the token cache, side by side: tessera-oauth, `oauth2` 5 and
//! `openidconnect` 4 parsing the same bytes (a token response; an OpenID Provider's metadata),
//! the warm token cache handing out a token, and DPoP proof verification beside its floor.
//!
//! These documents arrive once per network round trip: the point is that tessera's strict serde
//! path (repeated members refused, registered members type-checked, endpoints parsed as URLs)
//! costs no more than the peers' plain one. Criterion ids are `<what> / <library>`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::hint::black_box;
use std::sync::Arc;

use common::clock::ThreadCpu;
use criterion::{Criterion, criterion_group, criterion_main};
use tessera_core::{HttpRequest, HttpResponse, TransportError, UnixTime};
use tessera_oauth::cache::{CacheStep, CachedTokens, TokenCache, TokenCacheConfig};
use tessera_oauth::grants::ClientCredentials;
use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, Leniency, TokenResponse};

/// A typical token response (Entra ID / Okta shape, with a refresh token and a scope).
const TOKEN_RESPONSE: &str = r#"{"token_type":"Bearer","scope":"openid profile email offline_access api://orders/read","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9.eyJhdWQiOiJhcGk6Ly9vcmRlcnMiLCJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tL3RlbmFudC92Mi4wIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM1OTksInN1YiI6ImFsaWNlIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYnV0LW5vdC12ZXJpZmllZC1pbi10aGlzLWJlbmNo","refresh_token":"0.AXoA8m3kZfX0q2GZb0xJ3a9fW2c9k4J1y0C8rL9nQp3Xs7Vt5Uu6Ww1Yy2Zz3Aa4Bb5Cc6Dd7Ee8Ff9Gg0Hh1Ii2Jj3Kk4Ll5Mm6Nn7Oo8Pp9Qq0Rr1Ss2Tt3"}"#;

/// An OpenID Provider's discovery document (Google's shape).
const METADATA: &str = r#"{"issuer":"https://accounts.example.com","authorization_endpoint":"https://accounts.example.com/o/oauth2/v2/auth","device_authorization_endpoint":"https://oauth2.example.com/device/code","token_endpoint":"https://oauth2.example.com/token","userinfo_endpoint":"https://openidconnect.example.com/v1/userinfo","revocation_endpoint":"https://oauth2.example.com/revoke","jwks_uri":"https://www.example.com/oauth2/v3/certs","response_types_supported":["code","token","id_token","code token","code id_token","token id_token","code token id_token","none"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],"scopes_supported":["openid","email","profile"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"claims_supported":["aud","email","email_verified","exp","family_name","given_name","iat","iss","name","picture","sub"],"code_challenge_methods_supported":["plain","S256"],"grant_types_supported":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code","urn:ietf:params:oauth:grant-type:jwt-bearer"]}"#;

fn json_response(body: &str) -> HttpResponse {
    tessera_core::http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn documents(c: &mut Criterion<ThreadCpu>) {
    let res = json_response(TOKEN_RESPONSE);
    let lenient = Leniency::default();
    // The same answer from each before timing.
    let ours = TokenResponse::parse(&res, UnixTime(0), &lenient).unwrap();
    let theirs: oauth2::basic::BasicTokenResponse = serde_json::from_str(TOKEN_RESPONSE).unwrap();
    {
        use oauth2::TokenResponse as _;
        assert_eq!(ours.access_token().secret(), theirs.access_token().secret());
        assert_eq!(ours.expires_in(), theirs.expires_in().map(|d| d.as_secs()));
        let oidc: openidconnect::core::CoreTokenResponse =
            serde_json::from_str(TOKEN_RESPONSE).unwrap();
        assert_eq!(ours.access_token().secret(), oidc.access_token().secret());
    }
    let mut g = c.benchmark_group("token response parse");
    g.bench_function("tessera", |b| {
        b.iter(|| TokenResponse::parse(black_box(&res), UnixTime(0), &lenient).unwrap())
    });
    g.bench_function("oauth2", |b| {
        b.iter(|| {
            serde_json::from_slice::<oauth2::basic::BasicTokenResponse>(black_box(res.body()))
                .unwrap()
        })
    });
    g.bench_function("openidconnect", |b| {
        b.iter(|| {
            serde_json::from_slice::<openidconnect::core::CoreTokenResponse>(black_box(res.body()))
                .unwrap()
        })
    });
    g.finish();

    let issuer = "https://accounts.example.com";
    let ours = AuthorizationServerMetadata::from_json(issuer, METADATA.as_bytes()).unwrap();
    let theirs: openidconnect::core::CoreProviderMetadata = serde_json::from_str(METADATA).unwrap();
    assert_eq!(ours.issuer, theirs.issuer().as_str());
    assert_eq!(
        ours.token_endpoint.as_deref(),
        theirs.token_endpoint().map(|u| u.as_str())
    );
    let mut g = c.benchmark_group("metadata parse");
    g.bench_function("tessera", |b| {
        b.iter(|| {
            AuthorizationServerMetadata::from_json(issuer, black_box(METADATA.as_bytes())).unwrap()
        })
    });
    g.bench_function("openidconnect", |b| {
        b.iter(|| {
            serde_json::from_slice::<openidconnect::core::CoreProviderMetadata>(black_box(
                METADATA.as_bytes(),
            ))
            .unwrap()
        })
    });
    g.finish();
}

fn cache(c: &mut Criterion<ThreadCpu>) {
    let client = Client::new(
        "svc",
        ClientAuth::none(),
        AuthorizationServerMetadata::new("https://as.example")
            .with_token_endpoint("https://as.example/token"),
    );
    let grant = ClientCredentials::new()
        .scope("orders.read")
        .resource("https://orders.example/");
    // The state machine, warmed by one fetch.
    let mut machine = TokenCache::new(TokenCacheConfig::default());
    let CacheStep::Fetch { ticket, .. } = machine.step(&client, &grant, UnixTime(0)).unwrap()
    else {
        panic!("a cold cache fetches");
    };
    machine
        .on_response(
            ticket,
            &client,
            &grant,
            &json_response(TOKEN_RESPONSE),
            UnixTime(0),
        )
        .unwrap();
    assert!(machine.peek(&grant, UnixTime(10)).is_some());

    // The async driver, warmed by one call.
    let http = |_req: HttpRequest| async { Ok::<_, TransportError>(json_response(TOKEN_RESPONSE)) };
    let tokens = CachedTokens::new(client, Arc::new(http));
    futures_executor::block_on(tokens.token(&grant, UnixTime(0))).unwrap();

    let mut g = c.benchmark_group("token cache warm hit");
    g.bench_function("tessera TokenCache::peek", |b| {
        b.iter(|| machine.peek(black_box(&grant), UnixTime(10)).unwrap())
    });
    g.bench_function("tessera CachedTokens::token", |b| {
        b.iter(|| {
            futures_executor::block_on(tokens.token(black_box(&grant), UnixTime(10))).unwrap()
        })
    });
    g.finish();
}

/// A replay check that accepts everything, so the bench measures verification alone.
struct NoReplay;

impl tessera_oauth::dpop::ReplayCache for NoReplay {
    fn first_use(&self, _: &str, _: UnixTime, _: UnixTime) -> bool {
        true
    }
}

/// An ES256 DPoP proof with a fresh key every time, as at a busy resource server: tessera's
/// whole check (header key imported for this proof only, signature, typ, iat window, htm, htu,
/// ath, cnf.jkt) beside the floor — `p256` importing the header's key and verifying the
/// signature.
fn dpop(c: &mut Criterion<ThreadCpu>) {
    use p256::ecdsa::signature::Verifier;
    use tessera_jose::JwsAlgorithm;
    use tessera_oauth::dpop::{DpopKey, ProofVerifier, Request};

    const N: usize = 256;
    let now = UnixTime(1_800_000_000);
    let url = "https://api.example/orders";
    let proofs: Vec<(String, String)> = (0..N)
        .map(|_| {
            let k = DpopKey::generate(JwsAlgorithm::ES256).unwrap();
            let p = k
                .proof("GET", url, now, Some("access-token"), None)
                .unwrap();
            (p, k.thumbprint().to_owned())
        })
        .collect();
    let verifier = ProofVerifier::new(NoReplay);
    let ours = |i: usize| {
        let (proof, jkt) = &proofs[i % N];
        let req = Request {
            method: "GET",
            url,
            access_token: Some("access-token"),
            jkt: Some(jkt),
            nonce: None,
        };
        verifier.verify(proof, &req, now).unwrap()
    };
    let floor = |i: usize| {
        let (proof, _) = &proofs[i % N];
        let (input, sig) = proof.rsplit_once('.').unwrap();
        let header = input.split('.').next().unwrap();
        let h: serde_json::Value =
            serde_json::from_slice(&tessera_core::b64::decode(header).unwrap()).unwrap();
        let x = tessera_core::b64::decode(h["jwk"]["x"].as_str().unwrap()).unwrap();
        let y = tessera_core::b64::decode(h["jwk"]["y"].as_str().unwrap()).unwrap();
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let sig =
            p256::ecdsa::Signature::from_slice(&tessera_core::b64::decode(sig).unwrap()).unwrap();
        key.verify(input.as_bytes(), &sig).is_ok()
    };
    for i in 0..N {
        ours(i);
        assert!(floor(i));
    }
    let mut g = c.benchmark_group("DPoP proof verify (ES256, fresh key)");
    let mut i = 0usize;
    g.bench_function("tessera ProofVerifier", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            black_box(ours(i))
        })
    });
    let mut j = 0usize;
    g.bench_function("floor: p256 import + verify", |b| {
        b.iter(|| {
            j = j.wrapping_add(1);
            black_box(floor(j))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::clock::criterion();
    targets = documents, cache, dpop
}
criterion_main!(benches);
