//! The rest of the relying party: HMAC ID tokens only for a client that registered them,
//! encrypted ID tokens, refreshed ID tokens (Core §12.2), `acr` and `c_hash`, signed and
//! encrypted UserInfo, typed standard claims, and logout (RP-initiated URL, back-channel logout
//! tokens, front-channel parameters).

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use serde_json::{Value, json};
use tessera_core::{HttpClient, HttpRequest, TransportError, UnixTime};
use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera_jose::jwe::{self, DecryptionKey, EncryptionKey, JweHeader};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;
use tessera_oidc::logout::{
    BACKCHANNEL_LOGOUT_EVENT, end_session_url, front_channel_logout, verify_logout_token,
};
use tessera_oidc::{
    Discovery, Error, Expected, IdTokenProblem, IdTokenVerifier, LogoutProblem, Provider,
    StandardClaims,
};

const ISS: &str = "https://op.example";
const CLIENT: &str = "client-1";
const NOW: UnixTime = UnixTime(1_800_000_000);

fn op(algs: &[&str]) -> (Provider, SigningKey) {
    let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("k1");
    let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
    let jwks = JwkSet::from_keys([jwk.to_public().unwrap()]).to_json();
    let http: Arc<dyn HttpClient> = Arc::new(move |_req: HttpRequest| {
        let body = jwks.clone();
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
    let doc = json!({
        "issuer": ISS,
        "authorization_endpoint": format!("{ISS}/auth"),
        "jwks_uri": format!("{ISS}/jwks"),
        "userinfo_endpoint": format!("{ISS}/me"),
        "end_session_endpoint": format!("{ISS}/logout?ui=1"),
        "id_token_signing_alg_values_supported": algs,
    });
    let m = Discovery::new()
        .parse(ISS, doc.to_string().as_bytes())
        .unwrap();
    (Provider::new(m, http).unwrap(), signer)
}

fn claims() -> JwtBuilder {
    JwtBuilder::new()
        .issuer(ISS)
        .subject("alice")
        .audience(CLIENT)
        .issued_at(NOW)
        .expires_in(NOW, 300)
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    futures_executor::block_on(f)
}

#[test]
fn hmac_id_tokens_only_for_a_client_that_registered_them() {
    let (p, _) = op(&["ES256", "HS256"]);
    let secret = b"a-client-secret-of-32-bytes-long!!";
    let hs = SigningKey::from_hmac_secret(secret, JwsAlgorithm::HS256).unwrap();
    let token = claims().sign(&hs).unwrap();
    // Advertised, but the client did not register HMAC: refused.
    let plain = IdTokenVerifier::new(&p, CLIENT).unwrap();
    assert!(matches!(
        run(plain.verify(&p, &token, &Expected::none(), NOW)),
        Err(Error::Jwt(_))
    ));
    let registered = IdTokenVerifier::new(&p, CLIENT)
        .unwrap()
        .with_client_secret(secret, JwsAlgorithm::HS256)
        .unwrap();
    let id = run(registered.verify(&p, &token, &Expected::none(), NOW)).unwrap();
    assert_eq!(id.subject(), "alice");
}

#[test]
fn encrypted_id_tokens_are_decrypted_with_the_clients_key() {
    let (p, signer) = op(&["ES256"]);
    let client_key = Jwk::generate_for_enc(Enc::A256Gcm).unwrap();
    let secret = client_key.to_json();
    let v: Value = serde_json::from_str(&secret).unwrap();
    let k = tessera_core::b64::decode(v["k"].as_str().unwrap()).unwrap();
    let to = EncryptionKey::from_secret(&k, Alg::Dir).unwrap();
    let token = jwe::sign_then_encrypt(
        &claims().payload().unwrap(),
        &claims().header_for(&signer),
        &signer,
        &JweHeader::new(Alg::Dir, Enc::A256Gcm),
        &to,
    )
    .unwrap();
    let without = IdTokenVerifier::new(&p, CLIENT).unwrap();
    assert!(matches!(
        run(without.verify(&p, &token, &Expected::none(), NOW)),
        Err(Error::IdToken(IdTokenProblem::Encrypted))
    ));
    let with = IdTokenVerifier::new(&p, CLIENT)
        .unwrap()
        .with_decryption_key(DecryptionKey::from_secret(&k, Alg::Dir).unwrap());
    let id = run(with.verify(&p, &token, &Expected::none(), NOW)).unwrap();
    assert_eq!(id.subject(), "alice");
}

#[test]
fn refreshed_id_tokens_keep_iss_sub_and_aud() {
    let (p, signer) = op(&["ES256"]);
    let v = IdTokenVerifier::new(&p, CLIENT).unwrap();
    let first = run(v.verify(
        &p,
        &claims().claim("nonce", "n1").sign(&signer).unwrap(),
        &Expected::none().nonce("n1"),
        NOW,
    ))
    .unwrap();
    // Same iss/sub/aud, with or without the original nonce: accepted.
    let again = claims().sign(&signer).unwrap();
    run(v.verify_refreshed(&p, &first, &again, None, NOW)).unwrap();
    let with_nonce = claims().claim("nonce", "n1").sign(&signer).unwrap();
    run(v.verify_refreshed(&p, &first, &with_nonce, None, NOW)).unwrap();
    // Another subject: refused.
    let other = JwtBuilder::new()
        .issuer(ISS)
        .subject("mallory")
        .audience(CLIENT)
        .issued_at(NOW)
        .expires_in(NOW, 300)
        .sign(&signer)
        .unwrap();
    assert!(matches!(
        run(v.verify_refreshed(&p, &first, &other, None, NOW)),
        Err(Error::IdToken(IdTokenProblem::RefreshChanged {
            claim: "sub"
        }))
    ));
}

#[test]
fn acr_and_c_hash() {
    let (p, signer) = op(&["ES256"]);
    let v = IdTokenVerifier::new(&p, CLIENT).unwrap();
    let required = vec!["urn:mace:incommon:iap:silver".to_owned()];
    let bronze = claims()
        .claim("acr", "urn:mace:incommon:iap:bronze")
        .sign(&signer)
        .unwrap();
    assert!(matches!(
        run(v.verify(&p, &bronze, &Expected::none().acr_values(&required), NOW)),
        Err(Error::IdToken(IdTokenProblem::Acr { .. }))
    ));
    let none = claims().sign(&signer).unwrap();
    assert!(matches!(
        run(v.verify(&p, &none, &Expected::none().acr_values(&required), NOW)),
        Err(Error::IdToken(IdTokenProblem::Missing { claim: "acr" }))
    ));
    let silver = claims()
        .claim("acr", "urn:mace:incommon:iap:silver")
        .sign(&signer)
        .unwrap();
    run(v.verify(&p, &silver, &Expected::none().acr_values(&required), NOW)).unwrap();
    // c_hash of another code (ES256 uses SHA-256, as RS256 in Core §A.4).
    let t = claims()
        .claim("c_hash", "LDktKdoQak3Pk0cnXxCltA")
        .sign(&signer)
        .unwrap();
    assert!(matches!(
        run(v.verify(&p, &t, &Expected::none().code("another-code"), NOW)),
        Err(Error::IdToken(IdTokenProblem::CHash))
    ));
    run(v.verify(
        &p,
        &t,
        &Expected::none().code("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
        NOW,
    ))
    .unwrap();
}

#[test]
fn signed_userinfo_and_standard_claims() {
    let (p, signer) = op(&["ES256"]);
    let v = IdTokenVerifier::new(&p, CLIENT).unwrap();
    let id = run(v.verify(
        &p,
        &claims()
            .claim("email", "a@example.com")
            .claim("email_verified", true)
            .sign(&signer)
            .unwrap(),
        &Expected::none(),
        NOW,
    ))
    .unwrap();
    let std: StandardClaims = id.claims_as().unwrap();
    assert_eq!(std.email.as_deref(), Some("a@example.com"));
    assert_eq!(std.email_verified, Some(true));
    let jwt = |b: JwtBuilder| {
        tessera_core::http::Response::builder()
            .status(200)
            .header("content-type", "application/jwt")
            .body(b.sign(&signer).unwrap().into_bytes())
            .unwrap()
    };
    let ok = jwt(JwtBuilder::new()
        .issuer(ISS)
        .audience(CLIENT)
        .subject("alice")
        .claim("name", "Alice"));
    let claims = run(tessera_oidc::userinfo::parse_response(
        &p, &v, &ok, &id, NOW,
    ))
    .unwrap();
    assert_eq!(claims["name"], "Alice");
    let wrong_aud = jwt(JwtBuilder::new()
        .issuer(ISS)
        .audience("other")
        .subject("alice"));
    assert!(matches!(
        run(tessera_oidc::userinfo::parse_response(
            &p, &v, &wrong_aud, &id, NOW
        )),
        Err(Error::UserInfo(tessera_oidc::UserInfoProblem::Claim {
            claim: "aud"
        }))
    ));
    let (_, stranger) = op(&["ES256"]);
    let forged = tessera_core::http::Response::builder()
        .status(200)
        .header("content-type", "application/jwt")
        .body(
            JwtBuilder::new()
                .subject("alice")
                .sign(&stranger)
                .unwrap()
                .into_bytes(),
        )
        .unwrap();
    assert!(
        run(tessera_oidc::userinfo::parse_response(
            &p, &v, &forged, &id, NOW
        ))
        .is_err()
    );
    // A bearer error from the UserInfo endpoint is the OAuth error of its challenge.
    let denied = tessera_core::http::Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="expired""#,
        )
        .body(Vec::new())
        .unwrap();
    match run(tessera_oidc::userinfo::parse_response(
        &p, &v, &denied, &id, NOW,
    )) {
        Err(Error::OAuth(tessera_oauth::Error::OAuth(e))) => {
            assert_eq!(e.code, tessera_oauth::ErrorCode::InvalidToken)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn logout() {
    let (p, signer) = op(&["ES256"]);
    let url = end_session_url(
        &p,
        CLIENT,
        Some("id.tok.en"),
        Some("https://rp.example/bye"),
        Some("s1"),
    )
    .unwrap();
    assert_eq!(
        url.as_str(),
        "https://op.example/logout?ui=1&id_token_hint=id.tok.en&client_id=client-1&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye&state=s1"
    );
    let event = json!({ BACKCHANNEL_LOGOUT_EVENT: {} });
    let base = || {
        JwtBuilder::new()
            .issuer(ISS)
            .audience(CLIENT)
            .issued_at(NOW)
            .jwt_id("j1")
            .claim("events", event.clone())
            .typ("logout+jwt")
    };
    let ok = base().claim("sid", "08a5019c").sign(&signer).unwrap();
    let t = run(verify_logout_token(&p, CLIENT, p.keys(), &ok, NOW)).unwrap();
    assert_eq!(t.sid.as_deref(), Some("08a5019c"));
    assert_eq!(t.jti, "j1");
    for (token, problem) in [
        (
            base()
                .claim("sid", "s")
                .claim("nonce", "n")
                .sign(&signer)
                .unwrap(),
            LogoutProblem::Nonce,
        ),
        (base().sign(&signer).unwrap(), LogoutProblem::NoSubject),
        (
            JwtBuilder::new()
                .issuer(ISS)
                .audience(CLIENT)
                .issued_at(NOW)
                .jwt_id("j")
                .subject("alice")
                .claim("events", json!({"other": {}}))
                .typ("logout+jwt")
                .sign(&signer)
                .unwrap(),
            LogoutProblem::Events,
        ),
        (
            base().subject("alice").typ("JWT").sign(&signer).unwrap(),
            LogoutProblem::Typ {
                found: "JWT".into(),
            },
        ),
    ] {
        match run(verify_logout_token(&p, CLIENT, p.keys(), &token, NOW)) {
            Err(Error::LogoutToken(got)) => assert_eq!(got, problem),
            other => panic!("{problem:?}: {other:?}"),
        }
    }
    // Front-channel: the provider's `iss`, and the session.
    assert_eq!(
        front_channel_logout(&p, "iss=https%3A%2F%2Fop.example&sid=08a5019c").unwrap(),
        Some("08a5019c".into())
    );
    assert!(front_channel_logout(&p, "iss=https%3A%2F%2Fevil.example&sid=x").is_err());
}
