//! tessera's JWT signing fast paths checked by independent implementations: `jsonwebtoken` and
//! `jwt-simple` verify tessera's tokens (hostile claim strings included) and read back the same
//! claims. These tests live in the bench package because it owns those peers as dependencies;
//! the root package's tests build a single crypto stack.

#![allow(missing_docs, clippy::unwrap_used)] // test code

use serde::{Deserialize, Serialize};
use tessera_jose::{JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;

const SECRET: &[u8] = b"a shared secret of sixty-four bytes for HS512, long enough for all";
const EXP: u64 = 4_102_444_800; // 2100-01-01

fn hs_keys() -> Vec<SigningKey> {
    [
        JwsAlgorithm::HS256,
        JwsAlgorithm::HS384,
        JwsAlgorithm::HS512,
    ]
    .into_iter()
    .map(|alg| SigningKey::from_hmac_secret(SECRET, alg).unwrap())
    .collect()
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct PeerClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    nonce: String,
    email: String,
    n: i64,
    ok: bool,
    roles: Vec<String>,
}

fn peer_claims(s: &str) -> PeerClaims {
    PeerClaims {
        iss: "https://issuer.example".into(),
        sub: s.to_owned(),
        aud: "api".into(),
        exp: EXP,
        nonce: format!("n-{s}"),
        email: "jane@example.com".into(),
        n: -7,
        ok: false,
        roles: vec![s.to_owned()],
    }
}

/// jsonwebtoken verifies tessera's tokens and reads back the same claims; its own payload
/// segment for the claims is the same bytes as tessera's.
#[test]
fn jsonwebtoken_verifies_and_agrees_on_the_payload() {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    // This package enables both of jsonwebtoken's backends (the benches compare them), so a
    // provider must be installed: the RustCrypto one, jsonwebtoken's peer of tessera here.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    for s in [
        "plain",
        "",
        "q\"b\\c\u{0}\u{1f}\u{7f}é\u{2028}😀",
        "a\tb\nc",
    ] {
        let c = peer_claims(s);
        for key in hs_keys() {
            let alg = match key.alg() {
                JwsAlgorithm::HS256 => Algorithm::HS256,
                JwsAlgorithm::HS384 => Algorithm::HS384,
                _ => Algorithm::HS512,
            };
            for key in [key.clone(), key.with_kid("kid-1")] {
                let token = JwtBuilder::new().claims(&c).sign(&key).unwrap();
                let mut v = Validation::new(alg);
                v.set_audience(&["api"]);
                v.set_issuer(&["https://issuer.example"]);
                let got = jsonwebtoken::decode::<PeerClaims>(
                    &token,
                    &DecodingKey::from_secret(SECRET),
                    &v,
                )
                .unwrap();
                assert_eq!(got.claims, c);
                assert_eq!(got.header.kid.as_deref(), key.kid());
                assert_eq!(got.header.typ.as_deref(), Some("JWT"));
                let theirs =
                    jsonwebtoken::encode(&Header::new(alg), &c, &EncodingKey::from_secret(SECRET))
                        .unwrap();
                // The same claims set (tessera writes members in name order, jsonwebtoken in
                // field order, so the JSON values are compared, not the bytes).
                let payload = |t: &str| -> serde_json::Value {
                    let seg = t.split('.').nth(1).unwrap();
                    serde_json::from_slice(&tessera::core::b64::decode(seg).unwrap()).unwrap()
                };
                assert_eq!(payload(&token), payload(&theirs), "{s:?}");
            }
        }
    }
}

/// jwt-simple (another independent implementation) verifies them too.
#[test]
fn jwt_simple_verifies() {
    use jwt_simple::prelude::*;
    #[derive(Serialize, Deserialize)]
    struct Extra {
        email: String,
        n: i64,
    }
    let key = SigningKey::from_hmac_secret(SECRET, JwsAlgorithm::HS256)
        .unwrap()
        .with_kid("kid-1");
    let theirs = HS256Key::from_bytes(SECRET);
    for s in ["plain", "q\"b\\c\u{0}\u{1f}\u{7f}é\u{2028}😀"] {
        let token = JwtBuilder::new()
            .claims(&peer_claims(s))
            .sign(&key)
            .unwrap();
        let got = theirs
            .verify_token::<Extra>(&token, Some(VerificationOptions::default()))
            .unwrap();
        assert_eq!(got.subject.as_deref(), Some(s));
        assert_eq!(got.custom.email, "jane@example.com");
        assert_eq!(got.custom.n, -7);
    }
}
