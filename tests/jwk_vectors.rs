//! JWK against published vectors: RFC 7517 Appendix A and B, RFC 7638, RFC 9278, RFC 8037
//! and the RFC 7520 cookbook JWKs (3.1–3.6).
//!
//! RFC 7517 Appendix C (a PBES2-encrypted JWK) is a JWE and is tested with JWE.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{jwk, s, vector};
use serde_json::Value;
use tessera::jose::error::{Curve, KeyProblem, MismatchProblem};
use tessera::jose::jwk::{EcCurve, KeyAlgorithm, KeyParams, KeyUse, OkpCurve, ThumbprintHash};
use tessera::jose::{Error, Jwk, JwkSet, JwsAlgorithm, SigningKey, VerifyingKey};

/// Parsing then serialising gives back the same JSON object.
fn round_trips(v: &Value) -> Jwk {
    let key = jwk(v);
    let back: Value = serde_json::from_str(&key.to_json()).unwrap();
    assert_eq!(&back, v);
    key
}

mod rfc7517 {
    use super::*;

    fn appendix() -> Value {
        vector("rfc-appendix/rfc7517_appendix.json")
    }

    #[test]
    fn a_1_public_keys() {
        let v = appendix();
        let doc = &v["A.1_public_keys"];
        let set = JwkSet::from_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.skipped(), 0);
        let ec = set.get("1").unwrap();
        assert_eq!(ec.kty(), "EC");
        assert_eq!(ec.key_use, Some(KeyUse::Encryption));
        assert!(!ec.is_private());
        let rsa = set.get("2011-04-29").unwrap();
        assert_eq!(rsa.alg.as_deref(), Some("RS256"));
        assert_eq!(rsa.rsa_bits(), Some(2048));
        for k in doc["keys"].as_array().unwrap() {
            round_trips(k);
        }
        let back: Value = serde_json::from_str(&set.to_json()).unwrap();
        assert_eq!(&back, doc);
        // The EC key is for encryption, so it cannot verify signatures.
        assert_eq!(set.candidates(Some("1"), JwsAlgorithm::ES256).count(), 0);
        assert_eq!(
            set.candidates(Some("2011-04-29"), JwsAlgorithm::RS256)
                .count(),
            1
        );
        assert_eq!(set.candidates(None, JwsAlgorithm::RS256).count(), 1);
        assert_eq!(set.candidates(None, JwsAlgorithm::PS256).count(), 0);
    }

    #[test]
    fn a_2_private_keys() {
        let v = appendix();
        let doc = &v["A.2_private_keys"];
        let set = JwkSet::from_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        for (k, public) in doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .zip(v["A.1_public_keys"]["keys"].as_array().unwrap())
        {
            let key = round_trips(k);
            assert!(key.is_private());
            // The public half is exactly the A.1 public key.
            let back: Value = serde_json::from_str(&key.to_public().unwrap().to_json()).unwrap();
            assert_eq!(&back, public);
        }
        let public_set: Value = serde_json::from_str(&set.to_public().to_json()).unwrap();
        assert_eq!(public_set, v["A.1_public_keys"]);
        // The RSA private key signs and its public half verifies.
        let rsa = set.get("2011-04-29").unwrap();
        let signer = SigningKey::from_jwk(rsa, JwsAlgorithm::RS256).unwrap();
        let vk = VerifyingKey::from_jwk(&rsa.to_public().unwrap(), JwsAlgorithm::RS256).unwrap();
        vk.verify(b"x", &signer.sign(b"x").unwrap()).unwrap();
    }

    #[test]
    fn a_3_symmetric_keys() {
        let v = appendix();
        let doc = &v["A.3_symmetric_keys"];
        let set = JwkSet::from_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        for k in doc["keys"].as_array().unwrap() {
            let key = round_trips(k);
            assert!(key.is_symmetric());
            assert!(key.to_public().is_none());
        }
        let aes = &set.keys()[0];
        assert_eq!(aes.alg.as_deref(), Some("A128KW"));
        assert!(matches!(aes.params(), KeyParams::Oct(k) if k.len() == 16));
        // An A128KW key cannot be made into an HMAC key.
        assert!(SigningKey::from_jwk(aes, JwsAlgorithm::HS256).is_err());
        assert!(set.to_public().is_empty());
    }

    #[test]
    fn b_x5c() {
        let v = appendix();
        let key = round_trips(&v["B_x5c"]);
        assert_eq!(key.kid.as_deref(), Some("1b94c"));
        assert_eq!(key.key_use, Some(KeyUse::Signature));
        let x5c = key.x5c.as_ref().unwrap();
        assert_eq!(x5c.len(), 1);
        assert!(x5c[0].starts_with("MIIDQjCCAiqgAwIBAgIGATz"));
        // The certificate's public key is the JWK's: its SPKI (as we encode it) appears
        // verbatim inside the DER certificate.
        let cert = base64_std_decode(&x5c[0]);
        let spki = key.to_der_public().unwrap();
        assert!(cert.windows(spki.len()).any(|w| w == spki.as_slice()));
    }

    /// Standard (padded) base64, as `x5c` uses; written here to stay independent of tessera.
    fn base64_std_decode(s: &str) -> Vec<u8> {
        let val = |c: u8| -> u32 {
            match c {
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'a'..=b'z' => u32::from(c - b'a') + 26,
                b'0'..=b'9' => u32::from(c - b'0') + 52,
                b'+' => 62,
                b'/' => 63,
                _ => panic!("bad base64"),
            }
        };
        let clean: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
        let mut out = Vec::new();
        for chunk in clean.chunks(4) {
            let mut acc = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                acc |= val(*c) << (18 - 6 * i);
            }
            let bytes = acc.to_be_bytes();
            out.extend_from_slice(&bytes[1..chunk.len()]);
        }
        out
    }
}

mod rfc7638 {
    use super::*;

    #[test]
    fn section_3_1_rsa_thumbprint() {
        let v = vector("rfc-appendix/rfc7638_thumbprint.json");
        let case = &v[0];
        let key = jwk(&case["jwk"]);
        assert_eq!(key.thumbprint_input(), s(case, "/canonical_json"));
        assert_eq!(key.thumbprint_sha256(), s(case, "/thumbprint"));
        // RFC 9278 §3 uses this key for its example URI.
        assert_eq!(
            key.thumbprint_uri(ThumbprintHash::Sha256),
            "urn:ietf:params:oauth:jwk-thumbprint:sha-256:NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        // Other hashes (expected values computed with Python's hashlib over the canonical JSON).
        assert_eq!(
            tessera::core::b64::encode(key.thumbprint(ThumbprintHash::Sha384)),
            "R9_OfJjSjaw8Fuum86UzK5ixTdN9bo9BaqPSiseq89DWfmqCdpSgUHus-cxDUNc8"
        );
        assert_eq!(
            key.thumbprint_uri(ThumbprintHash::Sha512),
            "urn:ietf:params:oauth:jwk-thumbprint:sha-512:DpvEwocfn3FjeWWQjcJHzWrpKTIymKwgoL1xVgQcud48-qZDSRCr1zfWZQdHAJn_ciqXqPTSARyg-L-NyNGpVA"
        );
    }

    #[test]
    fn optional_members_do_not_change_the_thumbprint() {
        let v = vector("rfc-appendix/rfc7638_thumbprint.json");
        let mut j = v[0]["jwk"].clone();
        j["use"] = "sig".into();
        j["key_ops"] = serde_json::json!(["verify"]);
        j["x-other"] = "ignored".into();
        assert_eq!(jwk(&j).thumbprint_sha256(), s(&v[0], "/thumbprint"));
    }

    #[test]
    fn every_key_type() {
        // Expected values computed independently with Python's hashlib over the RFC 7638
        // canonical JSON of each key.
        let cases = [
            (
                "rfc7520-cookbook/jwk/3_1.ec_public_key.json",
                "dHri3SADZkrush5HU_50AoRhcKFryN-PI6jPBtPL55M",
            ),
            (
                "rfc7520-cookbook/jwk/3_2.ec_private_key.json",
                "dHri3SADZkrush5HU_50AoRhcKFryN-PI6jPBtPL55M",
            ),
            (
                "rfc7520-cookbook/jwk/3_3.rsa_public_key.json",
                "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI",
            ),
            (
                "rfc7520-cookbook/jwk/3_4.rsa_private_key.json",
                "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI",
            ),
            (
                "rfc7520-cookbook/jwk/3_5.symmetric_key_mac_computation.json",
                "RtoRur_1Dir5M4wuOfqNkDYOf9O_4RJ-aHkTA75RLA8",
            ),
            (
                "rfc7520-cookbook/jwk/3_6.symmetric_key_encryption.json",
                "VDMp1ZgGGv1OKgOeDc1EUKHXNQzMdLkCnxPETHdA4v0",
            ),
        ];
        for (file, expected) in cases {
            assert_eq!(jwk(&vector(file)).thumbprint_sha256(), expected, "{file}");
        }
        let x25519 = Jwk::from_json(
            br#"{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}"#,
        )
        .unwrap();
        assert_eq!(
            x25519.thumbprint_sha256(),
            "u809Vppx5ixWMOohxWr2aM3m5bD0LQ67g_GPmubQus4"
        );
        let p256 = Jwk::from_json(br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#).unwrap();
        assert_eq!(
            p256.thumbprint_sha256(),
            "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
        );
        // A private key's thumbprint never includes private members.
        let private = jwk(&vector("rfc7520-cookbook/jwk/3_4.rsa_private_key.json"));
        assert!(!private.thumbprint_input().contains("\"d\""));
    }
}

mod rfc8037 {
    use super::*;

    #[test]
    fn a_1_a_2_keys() {
        let v = vector("rfc-appendix/rfc8037_appendix_A.json");
        let private = round_trips(&v["A.1_private_key"]);
        let public = round_trips(&v["A.2_public_key"]);
        assert!(private.is_private());
        assert_eq!(private.to_public().unwrap().to_json(), public.to_json());
        assert!(matches!(private.params(), KeyParams::Okp(p) if p.crv == OkpCurve::Ed25519));
    }

    #[test]
    fn a_3_thumbprint() {
        let v = vector("rfc-appendix/rfc8037_appendix_A.json");
        let public = jwk(&v["A.2_public_key"]);
        assert_eq!(public.thumbprint_sha256(), s(&v, "/A.3_thumbprint_sha256"));
        assert_eq!(
            jwk(&v["A.1_private_key"]).thumbprint_sha256(),
            s(&v, "/A.3_thumbprint_sha256")
        );
    }

    #[test]
    fn mismatched_private_key_is_refused() {
        let v = vector("rfc-appendix/rfc8037_appendix_A.json");
        let refused = |x: &str| {
            let mut k = v["A.1_private_key"].clone();
            k["x"] = x.into();
            match Jwk::from_json(k.to_string().as_bytes()) {
                Err(Error::InvalidKey {
                    problem,
                    source: None,
                }) => problem,
                other => panic!("{x}: {other:?}"),
            }
        };
        let ed25519 = Curve::Okp(OkpCurve::Ed25519);
        // Another key's public key.
        let other = Jwk::generate_okp(OkpCurve::Ed25519).unwrap();
        let other_x = other.to_json_value()["x"].as_str().unwrap().to_owned();
        assert_eq!(
            refused(&other_x),
            KeyProblem::PrivateDoesNotMatchPublic { crv: ed25519 }
        );
        // The X25519 public key of A.6, which is no Ed25519 point at all.
        assert_eq!(
            refused("hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"),
            KeyProblem::NotOnCurve { crv: ed25519 }
        );
    }
}

mod rfc7520 {
    use super::*;

    fn cookbook(name: &str) -> Value {
        vector(&format!("rfc7520-cookbook/jwk/{name}.json"))
    }

    #[test]
    fn jwk_3_1_ec_public_key() {
        let key = round_trips(&cookbook("3_1.ec_public_key"));
        assert!(!key.is_private());
        assert!(
            matches!(key.params(), KeyParams::Ec(p) if p.crv == EcCurve::P521 && p.x.len() == 66)
        );
        assert!(VerifyingKey::from_jwk(&key, JwsAlgorithm::ES512).is_ok());
        assert!(VerifyingKey::from_jwk(&key, JwsAlgorithm::ES256).is_err());
    }

    #[test]
    fn jwk_3_2_ec_private_key() {
        let key = round_trips(&cookbook("3_2.ec_private_key"));
        assert!(key.is_private());
        let public: Value = serde_json::from_str(&key.to_public().unwrap().to_json()).unwrap();
        assert_eq!(public, cookbook("3_1.ec_public_key"));
        assert!(SigningKey::from_jwk(&key, JwsAlgorithm::ES512).is_ok());
    }

    #[test]
    fn jwk_3_3_rsa_public_key() {
        let key = round_trips(&cookbook("3_3.rsa_public_key"));
        assert_eq!(key.rsa_bits(), Some(2048));
        assert!(VerifyingKey::from_jwk(&key, JwsAlgorithm::PS256).is_ok());
        assert!(matches!(
            SigningKey::from_jwk(&key, JwsAlgorithm::RS256),
            Err(Error::MissingPrivateKey)
        ));
    }

    #[test]
    fn jwk_3_4_rsa_private_key() {
        let key = round_trips(&cookbook("3_4.rsa_private_key"));
        let public: Value = serde_json::from_str(&key.to_public().unwrap().to_json()).unwrap();
        assert_eq!(public, cookbook("3_3.rsa_public_key"));
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::RS256).unwrap();
        signer
            .verifying_key()
            .verify(b"m", &signer.sign(b"m").unwrap())
            .unwrap();
    }

    #[test]
    fn jwk_3_5_symmetric_key_mac() {
        let key = round_trips(&cookbook("3_5.symmetric_key_mac_computation"));
        assert!(SigningKey::from_jwk(&key, JwsAlgorithm::HS256).is_ok());
        // The key is bound to HS256 by its "alg".
        assert!(matches!(
            SigningKey::from_jwk(&key, JwsAlgorithm::HS384),
            Err(Error::KeyMismatch {
                problem: MismatchProblem::KeyAlg { ref key_alg, alg: "HS384" }
            }) if key_alg == "HS256"
        ));
    }

    #[test]
    fn jwk_3_6_symmetric_key_encryption() {
        let key = round_trips(&cookbook("3_6.symmetric_key_encryption"));
        assert!(matches!(key.params(), KeyParams::Oct(k) if k.len() == 32));
        // "use":"enc" keeps it away from signatures.
        assert!(matches!(
            VerifyingKey::from_jwk(&key.clone().with_alg("HS256"), JwsAlgorithm::HS256),
            Err(Error::KeyMismatch {
                problem: MismatchProblem::Use {
                    key_use: KeyUse::Encryption,
                    expected: KeyUse::Signature,
                }
            })
        ));
    }
}

mod malformed {
    use super::*;

    fn refused(json: &str) {
        assert!(
            matches!(
                Jwk::from_json(json.as_bytes()),
                Err(Error::InvalidKey { .. }) | Err(Error::Core(_))
            ),
            "{json}"
        );
    }

    #[test]
    fn wrong_lengths_points_and_mismatches() {
        // EC coordinate one byte short.
        refused(
            r#"{"kty":"EC","crv":"P-256","x":"zs0J3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
        );
        // A point not on the curve (y changed).
        refused(
            r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"}"#,
        );
        // A P-256 key labelled P-384.
        refused(
            r#"{"kty":"EC","crv":"P-384","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
        );
        // alg that the key type cannot serve.
        refused(
            r#"{"kty":"EC","crv":"P-256","alg":"ES384","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
        );
        refused(r#"{"kty":"oct","alg":"RS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#);
        refused(
            r#"{"kty":"oct","alg":"A128KW","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#,
        );
        refused(
            r#"{"kty":"OKP","crv":"X25519","alg":"EdDSA","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}"#,
        );
        // A content encryption name on a key of the wrong length or type (RFC 7520 §3.6 style).
        refused(
            r#"{"kty":"oct","alg":"A128GCM","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#,
        );
        refused(
            r#"{"kty":"EC","crv":"P-256","alg":"A256GCM","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
        );
        // Ed25519 key of 31 bytes.
        refused(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"}"#,
        );
        // Members of another key type.
        refused(r#"{"kty":"oct","k":"AAAA","crv":"P-256"}"#);
        // Non-canonical base64url (padding, then trailing bits).
        refused(r#"{"kty":"oct","k":"AAA="}"#);
        refused(r#"{"kty":"oct","k":"AAB"}"#);
        // Repeated member.
        refused(r#"{"kty":"oct","k":"AAAA","k":"BBBB"}"#);
        // RSA: even modulus, exponent 1.
        refused(r#"{"kty":"RSA","n":"AAAC","e":"AQAB"}"#);
        refused(r#"{"kty":"RSA","n":"AAAD","e":"AQ"}"#);
        // Unknown algorithm names are kept, as RFC 7517 §4.4 allows.
        assert!(Jwk::from_json(br#"{"kty":"oct","alg":"X-custom","k":"AAAA"}"#).is_ok());
    }

    #[test]
    fn rsa_private_parts_must_match() {
        let good = vector("rfc7520-cookbook/jwk/3_4.rsa_private_key.json");
        assert!(SigningKey::from_jwk(&jwk(&good), JwsAlgorithm::RS256).is_ok());
        // Each private parameter swapped for another's value: refused when the key is prepared.
        for (member, from) in [
            ("d", "dp"),
            ("p", "q"),
            ("dp", "dq"),
            ("dq", "dp"),
            ("qi", "dp"),
        ] {
            let mut bad = good.clone();
            bad[member] = good[from].clone();
            let res = Jwk::from_json(bad.to_string().as_bytes())
                .and_then(|k| SigningKey::from_jwk(&k, JwsAlgorithm::RS256));
            assert!(
                matches!(res, Err(Error::InvalidKey { .. })),
                "{member}: {res:?}"
            );
        }
    }

    #[test]
    fn small_rsa_keys_need_the_policy() {
        let key = Jwk::generate_rsa_with_policy(
            1024,
            &tessera::jose::KeyPolicy::default().insecure_min_rsa_bits(1024),
        )
        .unwrap();
        assert!(matches!(
            VerifyingKey::from_jwk(&key.to_public().unwrap(), JwsAlgorithm::RS256),
            Err(Error::InvalidKey {
                problem: KeyProblem::RsaModulusTooSmall {
                    bits: 1024,
                    min: 2048
                },
                ..
            })
        ));
        assert!(Jwk::generate_rsa(1024).is_err());
    }
}

mod generate {
    use super::*;

    #[test]
    fn every_algorithm_name() {
        let cases: &[(&str, &str, Option<&str>, Option<usize>)] = &[
            ("HS256", "oct", None, Some(32)),
            ("HS384", "oct", None, Some(48)),
            ("HS512", "oct", None, Some(64)),
            ("RS256", "RSA", None, None),
            ("PS384", "RSA", None, None),
            ("ES256", "EC", Some("P-256"), None),
            ("ES384", "EC", Some("P-384"), None),
            ("ES512", "EC", Some("P-521"), None),
            ("EdDSA", "OKP", Some("Ed25519"), None),
            ("Ed25519", "OKP", Some("Ed25519"), None),
            ("A128KW", "oct", None, Some(16)),
            ("A192KW", "oct", None, Some(24)),
            ("A256KW", "oct", None, Some(32)),
            ("A128GCMKW", "oct", None, Some(16)),
            ("A256GCMKW", "oct", None, Some(32)),
            ("ECDH-ES", "EC", Some("P-256"), None),
            ("ECDH-ES+A256KW", "EC", Some("P-256"), None),
            ("RSA-OAEP-256", "RSA", None, None),
        ];
        for &(alg, kty, crv, len) in cases {
            let key = Jwk::generate(alg.parse::<KeyAlgorithm>().unwrap()).unwrap();
            assert_eq!(key.kty(), kty, "{alg}");
            assert_eq!(key.alg.as_deref(), Some(alg));
            assert!(key.is_private());
            let json: Value = serde_json::from_str(&key.to_json()).unwrap();
            assert_eq!(json.get("crv").and_then(Value::as_str), crv, "{alg}");
            if let Some(len) = len {
                assert!(
                    matches!(key.params(), KeyParams::Oct(k) if k.len() == len),
                    "{alg}"
                );
            }
            if kty == "RSA" {
                assert_eq!(key.rsa_bits(), Some(2048));
            }
            // It parses back from its own JSON (so it passed every validation).
            Jwk::from_json(key.to_json().as_bytes()).unwrap();
            // JWS keys sign with their algorithm.
            if let Ok(a) = alg.parse::<JwsAlgorithm>() {
                let signer = SigningKey::from_jwk(&key, a).unwrap();
                signer
                    .verifying_key()
                    .verify(b"m", &signer.sign(b"m").unwrap())
                    .unwrap();
            }
        }
        // Two generated keys differ.
        assert_ne!(
            Jwk::generate(JwsAlgorithm::HS256)
                .unwrap()
                .thumbprint_sha256(),
            Jwk::generate(JwsAlgorithm::HS256)
                .unwrap()
                .thumbprint_sha256()
        );
        assert!("none".parse::<KeyAlgorithm>().is_err());
        assert!(Jwk::generate(tessera::jose::KeyManagementAlgorithm::Dir).is_err());
    }

    #[test]
    fn dir_keys_for_each_enc() {
        for (enc, len) in [
            ("A128GCM", 16),
            ("A192GCM", 24),
            ("A256GCM", 32),
            ("A128CBC-HS256", 32),
            ("A192CBC-HS384", 48),
            ("A256CBC-HS512", 64),
        ] {
            let key = Jwk::generate_for_enc(enc.parse().unwrap()).unwrap();
            assert_eq!(key.alg.as_deref(), Some("dir"));
            assert!(
                matches!(key.params(), KeyParams::Oct(k) if k.len() == len),
                "{enc}"
            );
        }
        assert!(
            "A512GCM"
                .parse::<tessera::jose::ContentEncryptionAlgorithm>()
                .is_err()
        );
    }

    #[test]
    fn rsa_sizes() {
        let key = Jwk::generate_rsa(3072).unwrap();
        assert_eq!(key.rsa_bits(), Some(3072));
        assert!(Jwk::generate_rsa(2047).is_err());
        assert!(Jwk::generate_rsa(16384).is_err());
    }
}
