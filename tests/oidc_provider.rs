//! tessera's OAuth and OpenID Connect crates against a provider nobody here wrote: panva's
//! `oidc-provider` 8.8.1 (OpenID Certified), driven through `tessera-reqwest`.
//!
//! `cargo xtask interop` installs it (`npm ci` in `tests/interop/node`), starts
//! `tests/interop/node/op/server.mjs` on 127.0.0.1 and runs these tests with `--ignored` and the
//! servers' URLs in `TESSERA_OP_ISSUER` (the provider), `TESSERA_OP_NONCE_ISSUER` (the same,
//! demanding DPoP nonces), `TESSERA_OP_ROTATING_ISSUER` (the same, whose signing keys the
//! rotation test rotates) and `TESSERA_OP_EXCHANGE_ISSUER` (the small RFC 8693 / RFC 7523 server
//! of `tests/interop/node/exchange/server.mjs`, for the two grants oidc-provider lacks). Where
//! the provider departs from what the RFCs led us to expect, the test says so and
//! `tests/interop/node/README.md` lists it with what tessera does about it.
#![allow(clippy::unwrap_used)]

#[path = "common/browser.rs"]
mod browser;

use std::sync::Arc;

use browser::{ALICE, API, Browser, env, issuer, secret_of};
use rand_core::SeedableRng;
use serde_json::{Value, json};
use tessera_core::{Clock, HttpClient, SystemClock, UnixTime};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
use tessera_jwt::{AccessTokenClaims, JwtBuilder, Policy, RemoteKeys};
use tessera_oauth::authorization::{AuthorizationCode, AuthorizationRequest};
use tessera_oauth::device::{DeviceAuthorizationRequest, DevicePoll, DeviceStep};
use tessera_oauth::dpop::{DpopKey, NonceCache};
use tessera_oauth::grants::{ClientCredentials, JwtBearer, Refresh, TokenExchange, token_types};
use tessera_oauth::introspection::{Introspect, Revoke, TokenTypeHint};
use tessera_oauth::registration::Registration;
use tessera_oauth::{
    AuthorizationServerMetadata, Client, ClientAuth, ClientSecret, TokenType, WellKnown,
};
use tessera_oidc::{Discovery, Expected, IdTokenVerifier, LoginRequest, Provider};
use tessera_reqwest::ReqwestClient;

/// The static clients' redirect URI; native clients may use any loopback port.
const REDIRECT: &str = "http://127.0.0.1:7/callback";

fn now() -> UnixTime {
    SystemClock.now()
}

fn http() -> Arc<dyn HttpClient> {
    Arc::new(ReqwestClient::builder().no_proxy().build().unwrap())
}

fn secret(client: &str) -> ClientSecret {
    ClientSecret::new(secret_of(client))
}

/// The committed test key of the `private-key-jwt` client (its public half is registered).
fn client_key() -> SigningKey {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/node/op/client-key.json"
    );
    let jwk = Jwk::from_json(&std::fs::read(path).unwrap()).unwrap();
    SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap()
}

/// The five static clients, one per token endpoint authentication method.
const METHODS: [(&str, &str); 5] = [
    ("basic", "client_secret_basic"),
    ("post", "client_secret_post"),
    ("secret-jwt", "client_secret_jwt"),
    ("private-key-jwt", "private_key_jwt"),
    ("public", "none"),
];

fn auth_for(method: &str) -> ClientAuth {
    match method {
        "client_secret_basic" => ClientAuth::client_secret_basic(secret("basic")),
        "client_secret_post" => ClientAuth::client_secret_post(secret("post")),
        "client_secret_jwt" => ClientAuth::client_secret_jwt(secret("secret-jwt")),
        "private_key_jwt" => ClientAuth::private_key_jwt(client_key()),
        "none" => ClientAuth::none(),
        other => unreachable!("{other}"),
    }
}

/// The provider at `issuer`, discovered, with its JWK Set behind the remote cache.
async fn provider_at(http: &Arc<dyn HttpClient>, issuer: &str) -> Provider {
    Provider::discover(Arc::clone(http), issuer, &Discovery::new())
        .await
        .unwrap()
}

fn client(provider: &Provider, id: &str, method: &str) -> Client {
    Client::new(id, auth_for(method), provider.metadata().clone())
}

/// The OAuth error code of a refusal.
fn code(e: &tessera_oauth::Error) -> &str {
    match e {
        tessera_oauth::Error::OAuth(o) => o.code.as_str(),
        other => panic!("not an OAuth error response: {other:?}"),
    }
}

/// A whole login through the browser: authorization URL (PAR when `par`), login and consent,
/// the callback checked (`state`, RFC 9207 `iss`), the code exchanged, the ID token validated
/// with its nonce, UserInfo fetched.
async fn login(
    http: &Arc<dyn HttpClient>,
    provider: &Provider,
    client: &Client,
    par: bool,
) -> tessera_oidc::Login {
    let browser = Browser::new(Arc::clone(http), &provider.metadata().issuer);
    let verifier = IdTokenVerifier::new(provider, client.id()).unwrap();
    let request = LoginRequest::new(REDIRECT).scope("email");
    let (url, pending) = if par {
        request
            .build_pushed(client, http.as_ref(), now())
            .await
            .unwrap()
    } else {
        request.build(client, now()).unwrap()
    };
    if par {
        let names: Vec<_> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["client_id", "request_uri"], "{url}");
    }
    let callback = browser.authorize(url.as_str(), ALICE, REDIRECT).await;
    let query = callback.split_once('?').unwrap().1;
    assert!(query.contains("iss="), "RFC 9207 iss is sent: {query}");
    // The provider's real answer, tampered with, is refused: another state, another issuer.
    let state = pending.state().to_owned();
    let issuer = url::form_urlencoded::byte_serialize(provider.metadata().issuer.as_bytes())
        .collect::<String>();
    for (from, to) in [
        (format!("state={state}"), "state=forged".to_owned()),
        (
            format!("iss={issuer}"),
            "iss=http%3A%2F%2F127.0.0.1%3A1".to_owned(),
        ),
    ] {
        assert!(query.contains(&from), "{query}");
        let tampered = query.replace(&from, &to);
        let refused = pending.clone().check_callback(tampered.as_bytes(), now());
        assert!(refused.is_err(), "{tampered}");
    }
    pending
        .check_callback(query.as_bytes(), now())
        .unwrap()
        .finish(client, provider, &verifier, http.as_ref(), true, now())
        .await
        .unwrap()
}

/// Sends `browser` to `url`, checks the callback with `pending` (`state`, `iss`), exchanges
/// the code, and validates the ID token with its nonce and `at_hash` at `at`.
async fn finish_code_flow(
    http: &Arc<dyn HttpClient>,
    provider: &Provider,
    client: &Client,
    browser: &Browser,
    url: &url::Url,
    pending: tessera_oauth::authorization::PendingAuthorization,
    at: UnixTime,
) -> tessera_oidc::IdToken {
    let callback = browser.authorize(url.as_str(), ALICE, REDIRECT).await;
    let validated = pending
        .check_callback(callback.split_once('?').unwrap().1.as_bytes(), now())
        .unwrap();
    let nonce = validated.nonce().unwrap().to_owned();
    let tokens = AuthorizationCode::new(validated)
        .send(client, http.as_ref(), now())
        .await
        .unwrap();
    let expected = Expected::none()
        .nonce(&nonce)
        .access_token(tokens.access_token().secret());
    IdTokenVerifier::new(provider, client.id())
        .unwrap()
        .verify(provider, tokens.id_token().unwrap(), &expected, at)
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn discovery_and_metadata() {
    let http = http();
    let issuer = issuer();
    let provider = provider_at(&http, &issuer).await;
    let m = provider.metadata();
    assert_eq!(m.issuer, issuer);
    for (name, value) in [
        ("authorization_endpoint", &m.authorization_endpoint),
        ("token_endpoint", &m.token_endpoint),
        ("jwks_uri", &m.jwks_uri),
        ("userinfo_endpoint", &m.userinfo_endpoint),
        (
            "device_authorization_endpoint",
            &m.device_authorization_endpoint,
        ),
        ("introspection_endpoint", &m.introspection_endpoint),
        ("revocation_endpoint", &m.revocation_endpoint),
        (
            "pushed_authorization_request_endpoint",
            &m.pushed_authorization_request_endpoint,
        ),
        ("registration_endpoint", &m.registration_endpoint),
        ("end_session_endpoint", &m.end_session_endpoint),
    ] {
        let v = value.as_deref().unwrap_or_else(|| panic!("{name} missing"));
        assert!(v.starts_with(&issuer), "{name}: {v}");
    }
    let mut methods = m.token_auth_methods();
    methods.sort_unstable();
    assert_eq!(
        methods,
        [
            "client_secret_basic",
            "client_secret_jwt",
            "client_secret_post",
            "none",
            "private_key_jwt"
        ]
    );
    assert_eq!(
        m.code_challenge_methods_supported.as_deref(),
        Some(&["S256".to_owned()][..])
    );
    assert!(m.authorization_response_iss_parameter_supported);
    assert!(
        m.dpop_signing_alg_values_supported
            .as_ref()
            .unwrap()
            .contains(&"ES256".into())
    );
    assert!(
        provider
            .id_token_algorithms()
            .contains(&JwsAlgorithm::RS256)
    );

    // The same document read as RFC 8414 metadata through OpenID discovery; the RFC 8414
    // well-known URL is not served by this provider (it is an OpenID Provider), and tessera's
    // RFC 8414 discovery says so rather than guessing.
    let oidc = AuthorizationServerMetadata::discover(
        http.as_ref(),
        &issuer,
        WellKnown::OpenIdConfiguration,
    )
    .await
    .unwrap();
    assert_eq!(oidc.token_endpoint, m.token_endpoint);
    let rfc8414 = AuthorizationServerMetadata::discover(
        http.as_ref(),
        &issuer,
        WellKnown::OAuthAuthorizationServer,
    )
    .await;
    assert!(
        rfc8414.is_err(),
        "oidc-provider 8.8.1 does not serve RFC 8414 metadata"
    );

    // A discovery document must name the issuer asked for, exactly.
    let other = format!("{issuer}/");
    assert!(
        Provider::discover(Arc::clone(&http), &other, &Discovery::new())
            .await
            .is_err()
    );
}

/// Authorization code + PKCE for every client authentication method, the ID token with its
/// nonce, UserInfo; then refresh with rotation (the old refresh token is then refused), and
/// the refreshed ID token; then introspection and revocation of the access token.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn code_flow_refresh_introspect_revoke_for_every_auth_method() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    for (id, method) in METHODS {
        let client = client(&provider, id, method);
        let login = login(&http, &provider, &client, false).await;
        assert_eq!(login.id_token.subject(), "alice", "{method}");
        assert!(login.id_token.nonce().is_some(), "{method}");
        let userinfo = login.userinfo.as_ref().unwrap();
        assert_eq!(userinfo["sub"], "alice", "{method}");
        assert_eq!(userinfo["email"], "alice@example.com", "{method}");
        assert_eq!(*login.tokens.token_type(), TokenType::Bearer);

        // Refresh, rotated: a new refresh token, and the old one no longer works.
        let rt = login.tokens.refresh_token().unwrap().clone();
        let refreshed = Refresh::new(rt.clone())
            .send(&client, http.as_ref(), now())
            .await
            .unwrap_or_else(|e| panic!("{method}: refresh: {e}"));
        let rt2 = refreshed.refresh_token().unwrap();
        assert_ne!(rt2.secret(), rt.secret(), "{method}: rotated");
        assert_ne!(
            refreshed.access_token().secret(),
            login.tokens.access_token().secret()
        );
        if let Some(id_token) = refreshed.id_token() {
            let verifier = IdTokenVerifier::new(&provider, id).unwrap();
            let again = verifier
                .verify_refreshed(
                    &provider,
                    &login.id_token,
                    id_token,
                    Some(refreshed.access_token().secret()),
                    now(),
                )
                .await
                .unwrap();
            assert_eq!(again.subject(), "alice");
        }
        // Introspection, revocation, introspection again.
        let at = refreshed.access_token().secret();
        let i = Introspect::new(at)
            .hint(TokenTypeHint::AccessToken)
            .send(&client, http.as_ref(), now())
            .await
            .unwrap_or_else(|e| panic!("{method}: introspection: {e}"));
        assert!(i.active(), "{method}");
        assert_eq!(i.get_str("client_id"), Some(id));
        assert_eq!(i.get_str("sub"), Some("alice"));
        Revoke::new(at)
            .hint(TokenTypeHint::AccessToken)
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        let i = Introspect::new(at)
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        assert!(!i.active(), "{method}: revoked");

        // The rotated-out refresh token is refused, and its reuse revokes the grant: the
        // current refresh token goes too (RFC 9700 §4.14.2).
        let i = Introspect::new(rt2.secret())
            .hint(TokenTypeHint::RefreshToken)
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        assert!(i.active(), "{method}");
        let reused = Refresh::new(rt).send(&client, http.as_ref(), now()).await;
        assert_eq!(code(&reused.unwrap_err()), "invalid_grant", "{method}");
        let i = Introspect::new(rt2.secret())
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        assert!(!i.active(), "{method}: the grant was revoked on reuse");
    }
}

/// Client credentials with a resource indicator: an RFC 9068 `at+jwt` access token that
/// tessera-jwt verifies against the provider's JWK Set, for each confidential client.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn client_credentials_at_jwt_for_every_confidential_method() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    let policy = at_jwt_policy(&provider);
    for (id, method) in METHODS.into_iter().filter(|(_, m)| *m != "none") {
        let client = client(&provider, id, method);
        let tokens = ClientCredentials::new()
            .scope("api:read")
            .resource(API)
            .require_audience_match()
            .send(&client, http.as_ref(), now())
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        assert_eq!(tokens.audience_includes(API), Some(true));
        let verified = policy
            .verify_async_at::<AccessTokenClaims>(
                tokens.access_token().secret(),
                provider.keys(),
                now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"));
        let (header, claims) = verified.into_parts();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(claims.custom.client_id, id);
        assert!(claims.custom.has_scope("api:read"));

        // Deviation: a JWT access token is not introspectable at this provider (it
        // introspects as inactive although it is valid); see the README.
        let i = Introspect::new(tokens.access_token().secret())
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        assert!(
            !i.active(),
            "oidc-provider introspects its JWT access tokens as inactive"
        );
    }

    // A resource the provider does not know is refused with RFC 8707's invalid_target.
    let client = client(&provider, "basic", "client_secret_basic");
    let e = ClientCredentials::new()
        .resource("https://unknown.interop.example/")
        .send(&client, http.as_ref(), now())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "invalid_target");
}

/// The RFC 9068 policy for the provider's access tokens for [`API`]: `typ: at+jwt`, its
/// issuer, the audience, the required claims, ES256 (as server.mjs configures).
fn at_jwt_policy(provider: &Provider) -> Policy {
    tessera_jwt::PolicyBuilder::access_token(&provider.metadata().issuer, API)
        .algorithms([JwsAlgorithm::ES256])
        .build()
        .unwrap()
}

/// Drives a device poll to its end without sleeping: `now` advances by the waits asked for.
async fn poll(
    client: &Client,
    http: &Arc<dyn HttpClient>,
    poll: &mut DevicePoll,
    at: &mut UnixTime,
    max_polls: usize,
) -> Result<Option<tessera_oauth::TokenResponse>, tessera_oauth::Error> {
    let mut sent = 0;
    loop {
        match poll.step(client, *at)? {
            DeviceStep::Wait(secs) => *at = at.saturating_add(secs),
            DeviceStep::Send(req) => {
                if sent == max_polls {
                    return Ok(None);
                }
                sent += 1;
                let res = http.execute(req).await.unwrap();
                poll.on_response(client, &res, *at)?;
            }
            DeviceStep::Done(tokens) => return Ok(Some(tokens)),
        }
    }
}

/// The device grant for every client authentication method: pending until the user approves
/// in the browser, then tokens (the refresh token then revoked); and a user who denies, which
/// the poll reports as `access_denied`.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn device_grant_approved_and_denied() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    for (id, method) in METHODS {
        let client = client(&provider, id, method);
        for approve in [true, false] {
            let mut at = now();
            let auth = DeviceAuthorizationRequest::new()
                .scope("openid email")
                .send(&client, http.as_ref(), at)
                .await
                .unwrap();
            // Deviation: no `interval` (optional, RFC 8628 §3.2): tessera waits the default 5 s.
            assert_eq!(
                auth.interval(),
                tessera_oauth::device::DEFAULT_INTERVAL_SECS
            );
            let (uri, user_code) = (
                auth.verification_uri().to_owned(),
                auth.user_code().to_owned(),
            );
            let mut device = DevicePoll::new(auth, at);
            // Two polls before the user acts: both authorization_pending (the provider sends no
            // slow_down even when polled at once).
            assert!(
                poll(&client, &http, &mut device, &mut at, 2)
                    .await
                    .unwrap()
                    .is_none()
            );
            let browser = Browser::new(Arc::clone(&http), &provider.metadata().issuer);
            browser.device(&uri, &user_code, ALICE, approve).await;
            let result = poll(&client, &http, &mut device, &mut at, 3).await;
            if approve {
                let tokens = result.unwrap().unwrap();
                let verifier = IdTokenVerifier::new(&provider, id).unwrap();
                let id_token = verifier
                    .verify(
                        &provider,
                        tokens.id_token().unwrap(),
                        &Expected::none().access_token(tokens.access_token().secret()),
                        now(),
                    )
                    .await
                    .unwrap();
                assert_eq!(id_token.subject(), "alice");
                // Revoking the refresh token (RFC 7009) ends it.
                let rt = tokens.refresh_token().unwrap().clone();
                Revoke::new(rt.secret())
                    .hint(TokenTypeHint::RefreshToken)
                    .send(&client, http.as_ref(), now())
                    .await
                    .unwrap();
                let gone = Refresh::new(rt).send(&client, http.as_ref(), now()).await;
                assert_eq!(code(&gone.unwrap_err()), "invalid_grant", "{method}");
            } else {
                assert_eq!(code(&result.unwrap_err()), "access_denied", "{method}");
            }
        }
    }
}

/// PAR (RFC 9126) for every client authentication method, and signed request objects (JAR,
/// RFC 9101) from the `private_key_jwt` (ES256) and `client_secret_jwt` (HS256) clients, in the
/// URL and pushed.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn par_and_signed_request_objects() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    for (id, method) in METHODS {
        let client = client(&provider, id, method);
        let login = login(&http, &provider, &client, true).await;
        assert_eq!(login.id_token.subject(), "alice");
    }

    // Request objects signed with the private_key_jwt client's key (ES256) and with the
    // client_secret_jwt client's secret (HS256, OIDC Core §10.1).
    let hs256 = {
        let k = tessera_core::b64::encode(secret_of("secret-jwt").as_bytes());
        let jwk = Jwk::from_json(format!(r#"{{"kty":"oct","k":"{k}"}}"#).as_bytes()).unwrap();
        SigningKey::from_jwk(&jwk, JwsAlgorithm::HS256).unwrap()
    };
    let browser = Browser::new(Arc::clone(&http), &provider.metadata().issuer);
    for (pushed, (id, method, key)) in [false, true].into_iter().flat_map(|p| {
        [
            (p, ("private-key-jwt", "private_key_jwt", client_key())),
            (p, ("secret-jwt", "client_secret_jwt", hs256.clone())),
        ]
    }) {
        let client = client(&provider, id, method);
        let request = AuthorizationRequest::new(REDIRECT)
            .scope("openid email")
            .with_nonce()
            .signed_with(key);
        let (url, pending) = if pushed {
            request
                .build_pushed(&client, http.as_ref(), now())
                .await
                .unwrap()
        } else {
            request.build(&client, now()).unwrap()
        };
        let names: Vec<_> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert!(
            names.contains(&if pushed { "request_uri" } else { "request" }.to_owned()),
            "{url}"
        );
        let id_token =
            finish_code_flow(&http, &provider, &client, &browser, &url, pending, now()).await;
        assert_eq!(id_token.subject(), "alice");
    }
}

/// DPoP (RFC 9449), for every client authentication method (every other one with PAR): a
/// login whose tokens are bound (`token_type: DPoP`), UserInfo with a proof,
/// a bound refresh; a client credentials `at+jwt` whose `cnf.jkt` is our key's thumbprint; the
/// same against the provider that demands nonces, where every first proof is answered with
/// `use_dpop_nonce` and retried once.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn dpop_bound_tokens_with_and_without_nonces() {
    let http = http();
    for issuer in [issuer(), env("TESSERA_OP_NONCE_ISSUER")] {
        let provider = provider_at(&http, &issuer).await;
        for (n, (id, method)) in METHODS.into_iter().enumerate() {
            let par = n % 2 == 1;
            let key = DpopKey::generate(JwsAlgorithm::ES256).unwrap();
            let client = client(&provider, id, method).with_dpop(key.clone());
            let login = login(&http, &provider, &client, par).await;
            assert_eq!(
                *login.tokens.token_type(),
                TokenType::DPoP,
                "{issuer} {method}"
            );
            assert_eq!(login.userinfo.as_ref().unwrap()["sub"], "alice");

            let i = Introspect::new(login.tokens.access_token().secret())
                .send(&client, http.as_ref(), now())
                .await
                .unwrap();
            assert!(i.active());
            assert_eq!(
                i.json()["cnf"]["jkt"],
                key.thumbprint(),
                "{issuer} {method}"
            );

            let refreshed = Refresh::new(login.tokens.refresh_token().unwrap().clone())
                .send(&client, http.as_ref(), now())
                .await
                .unwrap();
            assert_eq!(*refreshed.token_type(), TokenType::DPoP);

            // A bearer presentation of a DPoP-bound token is refused by UserInfo.
            let verifier = IdTokenVerifier::new(&provider, id).unwrap();
            let bearer = tessera_oidc::userinfo::fetch(
                &provider,
                &verifier,
                http.as_ref(),
                refreshed.access_token().secret(),
                &login.id_token,
                now(),
            )
            .await;
            assert!(bearer.is_err(), "a DPoP-bound token used as a bearer token");

            // UserInfo with a proof from a client that has no nonce yet: where nonces are
            // demanded, UserInfo answers 401 `use_dpop_nonce` and tessera retries once.
            let fresh = self::client(&provider, id, method).with_dpop(key.clone());
            let userinfo = tessera_oidc::userinfo::fetch_with_dpop(
                &provider,
                &verifier,
                http.as_ref(),
                &fresh,
                refreshed.access_token().secret(),
                &login.id_token,
                now(),
            )
            .await
            .unwrap();
            assert_eq!(userinfo["sub"], "alice");
            let mut req = tessera_oidc::userinfo::request(&provider, "unused").unwrap();
            key.authorize(
                &mut req,
                refreshed.access_token().secret(),
                &NonceCache::new(1),
                now(),
            )
            .unwrap();
            let res = http.execute(req).await.unwrap();
            let demanded = DpopKey::retry_nonce(&res).is_some();
            assert_eq!(
                demanded,
                issuer == env("TESSERA_OP_NONCE_ISSUER"),
                "{}",
                res.status()
            );
        }

        let key = DpopKey::generate(JwsAlgorithm::ES256).unwrap();
        let client = client(&provider, "basic", "client_secret_basic").with_dpop(key.clone());
        let tokens = ClientCredentials::new()
            .resource(API)
            .scope("api:read")
            .send(&client, http.as_ref(), now())
            .await
            .unwrap();
        assert_eq!(*tokens.token_type(), TokenType::DPoP);
        let claims = at_jwt_policy(&provider)
            .verify_async_at::<AccessTokenClaims>(
                tokens.access_token().secret(),
                provider.keys(),
                now(),
            )
            .await
            .unwrap()
            .into_parts()
            .1;
        assert_eq!(
            claims.custom.cnf.unwrap().jkt.as_deref(),
            Some(key.thumbprint()),
            "{issuer}"
        );
        // Whether this provider demands nonces: a first proof without one, sent by hand.
        let fresh = self::client(&provider, "basic", "client_secret_basic")
            .with_dpop(DpopKey::generate(JwsAlgorithm::ES256).unwrap());
        let res = http
            .execute(ClientCredentials::new().request(&fresh, now()).unwrap())
            .await
            .unwrap();
        let demands = issuer == env("TESSERA_OP_NONCE_ISSUER");
        // Both send a DPoP-Nonce, demanded or not (RFC 9449 §8 lets a server provide one).
        assert!(res.headers().contains_key("dpop-nonce"), "{issuer}");
        assert_eq!(
            DpopKey::retry_nonce(&res).is_some(),
            demands,
            "{issuer}: {}",
            res.status()
        );
    }
}

/// Dynamic registration (RFC 7591) with the initial access token, then the registration
/// management endpoint (RFC 7592): read, update, delete.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn dynamic_registration_and_management() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    let metadata = json!({
        "client_name": "tessera interop",
        "application_type": "native",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    });
    // Without the initial access token the provider refuses.
    let refused = Registration::new(metadata.clone())
        .unwrap()
        .send(provider.metadata(), http.as_ref())
        .await
        .unwrap_err();
    assert!(
        matches!(refused, tessera_oauth::Error::OAuth(_)),
        "{refused:?}"
    );

    let registered = Registration::new(metadata)
        .unwrap()
        .initial_access_token("interop-initial-access-token")
        .send(provider.metadata(), http.as_ref())
        .await
        .unwrap();
    assert!(!registered.client_id().is_empty());
    let secret = registered.client_secret().unwrap().expose().to_owned();
    assert_eq!(registered.metadata()["client_name"], "tessera interop");

    // The new client works: a client credentials token.
    let client = Client::new(
        registered.client_id(),
        ClientAuth::client_secret_basic(ClientSecret::new(secret)),
        provider.metadata().clone(),
    );
    ClientCredentials::new()
        .send(&client, http.as_ref(), now())
        .await
        .unwrap();

    // Read.
    let res = http
        .execute(registered.read_request().unwrap())
        .await
        .unwrap();
    let read = tessera_oauth::registration::RegisteredClient::parse_read_response(&res).unwrap();
    assert_eq!(read.client_id(), registered.client_id());

    // Update (RFC 7592 §2.2: the full metadata, client_id included).
    let mut update = read.metadata().clone();
    update.insert("client_name".into(), json!("tessera interop, renamed"));
    for k in [
        "registration_access_token",
        "registration_client_uri",
        "client_secret_expires_at",
        "client_id_issued_at",
    ] {
        update.remove(k);
    }
    let res = http
        .execute(read.update_request(Value::Object(update)).unwrap())
        .await
        .unwrap();
    let updated = tessera_oauth::registration::RegisteredClient::parse_read_response(&res).unwrap();
    assert_eq!(
        updated.metadata()["client_name"],
        "tessera interop, renamed"
    );
    // The provider rotated the registration access token on update (RFC 7592 §3 allows it):
    // the previous one no longer reads; the one of the latest response does.
    let res = http.execute(read.read_request().unwrap()).await.unwrap();
    assert!(tessera_oauth::registration::RegisteredClient::parse_read_response(&res).is_err());

    // Delete; then reading is refused.
    let res = http
        .execute(updated.delete_request().unwrap())
        .await
        .unwrap();
    tessera_oauth::registration::RegisteredClient::parse_delete_response(&res).unwrap();
    let res = http.execute(updated.read_request().unwrap()).await.unwrap();
    assert!(tessera_oauth::registration::RegisteredClient::parse_read_response(&res).is_err());
}

/// The provider's signing keys rotate mid-run: the first ID token with the new `kid` costs
/// exactly one JWK Set refetch, and later ones none.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn signing_key_rotation_costs_exactly_one_refetch() {
    let http = http();
    let issuer = env("TESSERA_OP_ROTATING_ISSUER");
    let discovered = provider_at(&http, &issuer).await;
    let metadata = discovered.metadata().clone();
    let config =
        tessera_jose::remote::RemoteJwkSetConfig::new(metadata.jwks_uri.as_deref().unwrap())
            .unwrap();
    let keys = RemoteKeys::new(tessera_jose::remote::RemoteJwkSet::new(
        config,
        Arc::clone(&http),
    ));
    let provider = Provider::with_keys(metadata, keys);
    let fetches = || provider.keys().remote().fetch_count();
    let client = client(&provider, "basic", "client_secret_basic");

    let first = login(&http, &provider, &client, false).await;
    assert_eq!(fetches(), 1);
    let old_kid = first.id_token.header().kid.clone().unwrap();

    let res = http
        .execute(
            tessera_core::http::Request::post(format!("{issuer}/__test/rotate"))
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The relying party learns of the rotation from the token itself. The JWK Set cache
    // refetches on an unknown kid at most once per cooldown: a minute later, it may.
    let later = UnixTime(now().0 + 60);
    let browser = Browser::new(Arc::clone(&http), &issuer);
    for round in 0..3 {
        let (url, pending) = AuthorizationRequest::new(REDIRECT)
            .scope("openid")
            .with_nonce()
            .build(&client, now())
            .unwrap();
        let id_token =
            finish_code_flow(&http, &provider, &client, &browser, &url, pending, later).await;
        assert_ne!(id_token.header().kid.as_deref(), Some(old_kid.as_str()));
        assert_eq!(
            fetches(),
            2,
            "round {round}: exactly one refetch for the new kid"
        );
    }
}

/// RP-initiated logout: the URL tessera builds is accepted, the provider redirects back with
/// the `state`, and the back-channel logout token it POSTs to the client's
/// `backchannel_logout_uri` validates.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn rp_initiated_and_back_channel_logout() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bcl_uri = format!(
        "http://127.0.0.1:{}/backchannel",
        listener.local_addr().unwrap().port()
    );
    let received = tokio::spawn(async move { receive_logout_token(listener).await });

    let post_logout = "http://127.0.0.1:7/logged-out";
    let registered = Registration::new(json!({
        "application_type": "native",
        "redirect_uris": [REDIRECT],
        "post_logout_redirect_uris": [post_logout],
        "backchannel_logout_uri": bcl_uri,
        "backchannel_logout_session_required": true,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }))
    .unwrap()
    .initial_access_token("interop-initial-access-token")
    .send(provider.metadata(), http.as_ref())
    .await
    .unwrap();
    let client = Client::new(
        registered.client_id(),
        ClientAuth::client_secret_basic(registered.client_secret().unwrap().clone()),
        provider.metadata().clone(),
    );
    let browser = Browser::new(Arc::clone(&http), &provider.metadata().issuer);
    let verifier = IdTokenVerifier::new(&provider, client.id()).unwrap();
    let (url, pending) = LoginRequest::new(REDIRECT).build(&client, now()).unwrap();
    let callback = browser.authorize(url.as_str(), ALICE, REDIRECT).await;
    let login = pending
        .check_callback(callback.split_once('?').unwrap().1.as_bytes(), now())
        .unwrap()
        .finish(&client, &provider, &verifier, http.as_ref(), false, now())
        .await
        .unwrap();
    let sid = login.id_token.sid().unwrap().to_owned();

    let url = tessera_oidc::logout::end_session_url(
        &provider,
        client.id(),
        Some(login.id_token.as_str()),
        Some(post_logout),
        Some("bye-123"),
    )
    .unwrap();
    let back = browser.logout(url.as_str()).await;
    assert_eq!(back, format!("{post_logout}?state=bye-123"));

    let token = tokio::time::timeout(std::time::Duration::from_secs(10), received)
        .await
        .expect("no back-channel logout request within 10 s")
        .unwrap();
    let logout = tessera_oidc::logout::verify_logout_token(
        &provider,
        client.id(),
        provider.keys(),
        &token,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(logout.sub.as_deref(), Some("alice"));
    assert_eq!(logout.sid.as_deref(), Some(sid.as_str()));
    // The same token for another client is refused.
    assert!(
        tessera_oidc::logout::verify_logout_token(
            &provider,
            "basic",
            provider.keys(),
            &token,
            now()
        )
        .await
        .is_err()
    );
}

/// Accepts one HTTP request on `listener`, answers 200, and returns its `logout_token`.
async fn receive_logout_token(listener: tokio::net::TcpListener) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "the connection closed before the request was complete"
        );
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_ascii_lowercase();
            assert!(head.starts_with("post "), "{head}");
            assert!(
                head.contains("content-type: application/x-www-form-urlencoded"),
                "{head}"
            );
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap();
            if buf.len() >= end + 4 + len {
                let body = &buf[end + 4..end + 4 + len];
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await
                    .unwrap();
                return url::form_urlencoded::parse(body)
                    .find(|(k, _)| k == "logout_token")
                    .map(|(_, v)| v.into_owned())
                    .expect("a logout_token parameter");
            }
        }
    }
}

/// What the provider does at the edges: it accepts `client_secret_post` from a client
/// registered for `client_secret_basic` (a leniency of the server's; see the README); it
/// decodes Basic credentials as RFC 6749 §2.3.1 says; and a `private_key_jwt` assertion is
/// single use (RFC 7523 §3 lets a server refuse a replayed `jti`; this one does).
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn provider_leniencies_and_replay_checks() {
    let http = http();
    let provider = provider_at(&http, &issuer()).await;
    let basic_as_post = Client::new(
        "basic",
        ClientAuth::client_secret_post(secret("basic")),
        provider.metadata().clone(),
    );
    let accepted = ClientCredentials::new()
        .send(&basic_as_post, http.as_ref(), now())
        .await;
    assert!(
        accepted.is_ok(),
        "oidc-provider accepts client_secret_post from a client_secret_basic client"
    );

    // RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined with
    // ':' and base64-encoded. The provider decodes them so: tessera's default encoding
    // authenticates a client whose id and secret hold ':', '+', '%', '&', '=', '/' and a
    // space, and the raw (unencoded) variant, tessera's named leniency for servers that do
    // not decode, is refused here.
    let special = ClientSecret::new("a secret:with+special%25chars&=/");
    for (auth, ok) in [
        (ClientAuth::client_secret_basic(special.clone()), true),
        (ClientAuth::client_secret_basic_unencoded(special), false),
    ] {
        let c = Client::new("basic:special", auth, provider.metadata().clone());
        let r = ClientCredentials::new()
            .send(&c, http.as_ref(), now())
            .await;
        match ok {
            true => assert!(r.is_ok(), "{r:?}"),
            false => assert_eq!(code(&r.unwrap_err()), "invalid_client"),
        }
    }

    // The same private_key_jwt assertion twice: the second is refused (jti replay).
    let client = client(&provider, "private-key-jwt", "private_key_jwt");
    let grant = ClientCredentials::new();
    // A seed of its own per run: the provider remembers jtis for as long as it runs.
    let mut seed = [7u8; 32];
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    seed[..16].copy_from_slice(&nanos.to_le_bytes());
    let mut rng = chacha20::ChaCha20Rng::from_seed(seed);
    let first = grant.request_with_rng(&client, now(), &mut rng).unwrap();
    let mut rng = chacha20::ChaCha20Rng::from_seed(seed);
    let second = grant.request_with_rng(&client, now(), &mut rng).unwrap();
    assert_eq!(first.body(), second.body(), "the same assertion");
    let ok = http.execute(first).await.unwrap();
    grant.parse_response(&client, &ok, now()).unwrap();
    let replay = http.execute(second).await.unwrap();
    let e = grant.parse_response(&client, &replay, now()).unwrap_err();
    assert_eq!(code(&e), "invalid_client");
}

/// Token exchange (RFC 8693) and the JWT bearer grant (RFC 7523 §2.1), which oidc-provider 8.8.1
/// does not offer, against `tests/interop/node/exchange/server.mjs`: a subject token from the
/// provider (its `at+jwt` and its ID token) exchanged for a token for another audience, with
/// an actor; and an assertion signed with the committed client key.
#[tokio::test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
async fn token_exchange_and_jwt_bearer_at_the_exchange_server() {
    let http = http();
    let op = provider_at(&http, &issuer()).await;
    let exchange_issuer = env("TESSERA_OP_EXCHANGE_ISSUER");
    let as_meta = AuthorizationServerMetadata::discover(
        http.as_ref(),
        &exchange_issuer,
        WellKnown::OAuthAuthorizationServer,
    )
    .await
    .unwrap();
    let agent = Client::new(
        "agent",
        ClientAuth::client_secret_basic(secret("agent")),
        as_meta.clone(),
    );

    // Subject: an at+jwt the provider issued to a service for the API; actor: a user's ID token.
    let service = client(&op, "basic", "client_secret_basic");
    let at = ClientCredentials::new()
        .resource(API)
        .scope("api:read")
        .send(&service, http.as_ref(), now())
        .await
        .unwrap();
    let user = login(&http, &op, &client(&op, "public", "none"), false).await;

    let exchanged = TokenExchange::new(at.access_token().secret(), token_types::ACCESS_TOKEN)
        .actor(user.id_token.as_str(), token_types::ID_TOKEN)
        .audience("calendar")
        .scope("calendar.read")
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap();
    assert_eq!(
        exchanged.issued_token_type(),
        Some(token_types::ACCESS_TOKEN)
    );
    let exchange_keys = RemoteKeys::new(
        tessera_jose::remote::RemoteJwkSet::from_uri(
            as_meta.jwks_uri.as_deref().unwrap(),
            Arc::clone(&http),
        )
        .unwrap(),
    );
    let claims = tessera_jwt::PolicyBuilder::access_token(&exchange_issuer, "calendar")
        .algorithms([JwsAlgorithm::ES256])
        .build()
        .unwrap()
        .verify_async_at::<serde_json::Map<String, Value>>(
            exchanged.access_token().secret(),
            &exchange_keys,
            now(),
        )
        .await
        .unwrap()
        .into_parts()
        .1;
    assert_eq!(claims.sub(), Some("basic"), "the subject token's sub");
    assert_eq!(claims.custom["act"]["sub"], "alice", "the actor");

    // The ID token as the subject, a JWT asked for.
    let as_jwt = TokenExchange::new(user.id_token.as_str(), token_types::ID_TOKEN)
        .requested_token_type(token_types::JWT)
        .resource("https://calendar.interop.example/")
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap();
    assert_eq!(as_jwt.issued_token_type(), Some(token_types::JWT));

    // Refusals: an unknown audience, a subject token that is not the provider's.
    let e = TokenExchange::new(at.access_token().secret(), token_types::ACCESS_TOKEN)
        .audience("elsewhere")
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "invalid_target");
    let forged = JwtBuilder::access_token(&op.metadata().issuer, "alice", API, "basic", now(), 60)
        .sign(&client_key())
        .unwrap();
    let e = TokenExchange::new(forged, token_types::ACCESS_TOKEN)
        .audience("calendar")
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "invalid_request");

    // JWT bearer: an assertion for alice signed with the key registered for issuer "agent".
    let assertion = JwtBuilder::assertion("agent", "alice", &exchange_issuer, now(), 120)
        .sign(&client_key())
        .unwrap();
    let tokens = JwtBearer::new(assertion.clone())
        .scope("calendar.read")
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap();
    assert_eq!(tokens.scope(), Some("calendar.read"));
    let replay = JwtBearer::new(assertion)
        .send(&agent, http.as_ref(), now())
        .await;
    assert_eq!(code(&replay.unwrap_err()), "invalid_grant");
    let wrong_aud =
        JwtBuilder::assertion("agent", "alice", "https://elsewhere.example", now(), 120)
            .sign(&client_key())
            .unwrap();
    let e = JwtBearer::new(wrong_aud)
        .send(&agent, http.as_ref(), now())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "invalid_grant");
}
