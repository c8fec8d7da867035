//! OpenID Connect, side by side with `openidconnect` 4 on the same bytes and the same token: the
//! discovery document, and full ID token validation (RS256: signature, `iss`, `aud`, `exp`,
//! `iat`, `nonce`). tessera-oidc's full validation is also set beside tessera-jwt's plain
//! verification of the same token (the aim: within 1.1×). Criterion ids are
//! `<what> / <library>`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::hint::black_box;
use std::str::FromStr;
use std::sync::Arc;

use common::clock::ThreadCpu;
use criterion::{Criterion, criterion_group, criterion_main};
use tessera_core::{HttpClient, HttpRequest, TransportError, UnixTime};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::{JwtBuilder, Policy};
use tessera_oidc::{Discovery, Expected, IdTokenVerifier, Provider};

const ISSUER: &str = "https://accounts.example.com";
const CLIENT: &str = "1234567890-app.apps.example.com";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: u64 = 1_800_000_000;

/// Google's discovery document shape.
const DISCOVERY: &str = r#"{"issuer":"https://accounts.example.com","authorization_endpoint":"https://accounts.example.com/o/oauth2/v2/auth","device_authorization_endpoint":"https://oauth2.example.com/device/code","token_endpoint":"https://oauth2.example.com/token","userinfo_endpoint":"https://openidconnect.example.com/v1/userinfo","revocation_endpoint":"https://oauth2.example.com/revoke","jwks_uri":"https://www.example.com/oauth2/v3/certs","response_types_supported":["code","token","id_token","code token","code id_token","token id_token","code token id_token","none"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],"scopes_supported":["openid","email","profile"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"claims_supported":["aud","email","email_verified","exp","family_name","given_name","iat","iss","name","picture","sub"],"code_challenge_methods_supported":["plain","S256"],"grant_types_supported":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code","urn:ietf:params:oauth:grant-type:jwt-bearer"]}"#;

fn discovery(c: &mut Criterion<ThreadCpu>) {
    let ours = Discovery::new()
        .parse(ISSUER, DISCOVERY.as_bytes())
        .unwrap();
    let theirs: openidconnect::core::CoreProviderMetadata =
        serde_json::from_str(DISCOVERY).unwrap();
    assert_eq!(ours.issuer, theirs.issuer().as_str());
    let mut g = c.benchmark_group("OIDC discovery parse");
    g.bench_function("tessera", |b| {
        b.iter(|| {
            Discovery::new()
                .parse(ISSUER, black_box(DISCOVERY.as_bytes()))
                .unwrap()
        })
    });
    g.bench_function("openidconnect", |b| {
        b.iter(|| {
            serde_json::from_slice::<openidconnect::core::CoreProviderMetadata>(black_box(
                DISCOVERY.as_bytes(),
            ))
            .unwrap()
        })
    });
    g.finish();
}

fn id_token(c: &mut Criterion<ThreadCpu>) {
    let jwk = Jwk::generate(JwsAlgorithm::RS256).unwrap().with_kid("k1");
    let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::RS256).unwrap();
    let jwks = JwkSet::from_keys([jwk.to_public().unwrap()]).to_json();
    let now = UnixTime(NOW);
    let token = JwtBuilder::new()
        .issuer(ISSUER)
        .subject("110169484474386276334")
        .audience(CLIENT)
        .issued_at(now)
        .expires_in(now, 3600)
        .claim("nonce", NONCE)
        .claim("email", "alice@example.com")
        .claim("email_verified", true)
        .claim("name", "Alice Example")
        .claim("azp", CLIENT)
        .sign(&signer)
        .unwrap();

    // tessera-oidc: the provider's keys through the remote JWK Set cache, warmed.
    let body = jwks.clone();
    let http: Arc<dyn HttpClient> = Arc::new(move |_req: HttpRequest| {
        let body = body.clone();
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
    let metadata = Discovery::new()
        .parse(ISSUER, DISCOVERY.as_bytes())
        .unwrap();
    let provider = Provider::new(metadata, http).unwrap();
    let verifier = IdTokenVerifier::new(&provider, CLIENT).unwrap();
    let expected = Expected::none().nonce(NONCE);
    let ours =
        || futures_executor::block_on(verifier.verify(&provider, &token, &expected, now)).unwrap();
    assert_eq!(ours().subject(), "110169484474386276334");

    // tessera-jwt's plain verification of the same token with the same keys.
    let policy = Policy::builder()
        .algorithm(JwsAlgorithm::RS256)
        .issuer(ISSUER)
        .audience(CLIENT)
        .build()
        .unwrap();
    let plain = || {
        futures_executor::block_on(policy.verify_async_at::<()>(&token, provider.keys(), now))
            .unwrap()
    };
    plain();

    // openidconnect 4.
    let set: openidconnect::core::CoreJsonWebKeySet = serde_json::from_str(&jwks).unwrap();
    let oidc_verifier = openidconnect::core::CoreIdTokenVerifier::new_public_client(
        openidconnect::ClientId::new(CLIENT.into()),
        openidconnect::IssuerUrl::new(ISSUER.into()).unwrap(),
        set,
    )
    .set_time_fn(|| chrono::DateTime::from_timestamp(NOW as i64, 0).unwrap());
    let nonce = openidconnect::Nonce::new(NONCE.into());
    let theirs = || {
        let t = openidconnect::core::CoreIdToken::from_str(&token).unwrap();
        let claims = t.claims(&oidc_verifier, &nonce).unwrap();
        claims.subject().len()
    };
    assert_eq!(theirs(), "110169484474386276334".len());

    let mut g = c.benchmark_group("ID token validation (RS256)");
    g.bench_function("tessera-oidc", |b| b.iter(|| black_box(ours())));
    g.bench_function("tessera-jwt plain", |b| b.iter(|| black_box(plain())));
    g.bench_function("openidconnect", |b| b.iter(|| black_box(theirs())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::clock::criterion();
    targets = discovery, id_token
}
criterion_main!(benches);
