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

/// ML-DSA (RFC 9964) both ways with jwt-simple: keys it generates load into tessera with the
/// same thumbprint and its JWTs verify; tessera's keys load into jwt-simple and tessera's JWTs
/// verify there. (jwt-simple's JOSE layer is its own; its ML-DSA primitive is RustCrypto's
/// `ml-dsa` through `superboring`, as tessera's is, so the primitive is checked against
/// independent code by the RFC 9964 vectors, the WebCrypto vectors and the jwcrypto tests.)
#[test]
fn jwt_simple_ml_dsa_both_ways() {
    use jwt_simple::prelude::*;
    use tessera_jose::jws::{CompactJws, JwsOptions};
    use tessera_jose::{Jwk, VerifyingKey};

    macro_rules! both_ways {
        ($alg:expr, $pair:ident, $public:ident) => {{
            let alg: JwsAlgorithm = $alg;
            // jwt-simple → tessera.
            let theirs = $pair::generate().with_key_id("simple-1");
            let jwk = Jwk::from_json(theirs.to_jwk().as_bytes()).unwrap();
            assert_eq!(jwk.kty(), "AKP");
            assert_eq!(jwk.thumbprint_sha256(), theirs.jwk_thumbprint(), "{alg}");
            let public = Jwk::from_json(theirs.public_key().to_jwk().as_bytes()).unwrap();
            let verifier = VerifyingKey::from_jwk(&public, alg).unwrap();
            let token = theirs
                .sign(Claims::create(Duration::from_hours(1)).with_subject("from-jwt-simple"))
                .unwrap();
            let payload = CompactJws::parse(&token, &JwsOptions::default())
                .unwrap()
                .verify(&verifier)
                .unwrap();
            let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            assert_eq!(claims["sub"], "from-jwt-simple");
            // Their private key signs for tessera too, and they verify that.
            let signer = SigningKey::from_jwk(&jwk, alg).unwrap();
            let token = JwtBuilder::new()
                .claims(&peer_claims("via-their-key"))
                .sign(&signer)
                .unwrap();
            let got = theirs
                .public_key()
                .verify_token::<NoCustomClaims>(&token, None)
                .unwrap();
            assert_eq!(got.subject.as_deref(), Some("via-their-key"));

            // tessera → jwt-simple.
            let ours = Jwk::generate(alg).unwrap().with_kid("tessera-1");
            let signer = SigningKey::from_jwk(&ours, alg).unwrap();
            let their_public = $public::from_jwk(&ours.to_public().unwrap().to_json()).unwrap();
            assert_eq!(their_public.jwk_thumbprint(), ours.thumbprint_sha256());
            let their_pair = $pair::from_jwk(&ours.to_json()).unwrap();
            assert_eq!(their_pair.jwk_thumbprint(), ours.thumbprint_sha256());
            for s in ["plain", "q\"b\\c\u{0}\u{1f}\u{7f}é\u{2028}😀"] {
                let token = JwtBuilder::new()
                    .claims(&peer_claims(s))
                    .sign(&signer)
                    .unwrap();
                let got = their_public
                    .verify_token::<NoCustomClaims>(&token, None)
                    .unwrap();
                assert_eq!(got.subject.as_deref(), Some(s), "{alg}");
                // A flipped signature byte: refused by them as by us.
                let mut bad = token.into_bytes();
                let n = bad.len();
                bad[n - 5] = if bad[n - 5] == b'A' { b'B' } else { b'A' };
                let bad = String::from_utf8(bad).unwrap();
                assert!(
                    their_public
                        .verify_token::<NoCustomClaims>(&bad, None)
                        .is_err()
                );
            }
            // A tessera key of another parameter set does not load as this one there.
            let other = if alg == JwsAlgorithm::MlDsa44 {
                JwsAlgorithm::MlDsa65
            } else {
                JwsAlgorithm::MlDsa44
            };
            let other = Jwk::generate(other).unwrap();
            assert!($public::from_jwk(&other.to_public().unwrap().to_json()).is_err());
        }};
    }
    both_ways!(JwsAlgorithm::MlDsa44, MLDSA44KeyPair, MLDSA44PublicKey);
    both_ways!(JwsAlgorithm::MlDsa65, MLDSA65KeyPair, MLDSA65PublicKey);
    both_ways!(JwsAlgorithm::MlDsa87, MLDSA87KeyPair, MLDSA87PublicKey);
}
