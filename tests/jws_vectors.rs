#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions
//! JWS against published vectors: RFC 7515 Appendix A, the RFC 7520 cookbook, RFC 7797 and
//! RFC 8037. Vectors are in `tests/vectors/` (copied from the shared set; the cookbook keeps
//! its LICENSE and SOURCE.txt).

mod common;

use common::{jwk, s, vector};
use serde_json::Value;
use tessera::core::b64;
use tessera::jose::jws::{
    self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions, VerifierSet,
};
use tessera::jose::{Error, Jwk, JwkSet, JwsAlgorithm, SigningKey, VerifyingKey};

fn opts() -> JwsOptions {
    JwsOptions::default()
}

fn verifier(key: &Jwk, alg: JwsAlgorithm) -> VerifyingKey {
    let public = key.to_public().unwrap_or_else(|| key.clone());
    VerifyingKey::from_jwk(&public, alg).unwrap()
}

/// Verifies a compact JWS and returns the payload.
fn verify_compact(token: &str, key: &VerifyingKey) -> Vec<u8> {
    CompactJws::parse(token, &opts())
        .unwrap()
        .verify(key)
        .unwrap()
}

/// Signs the signing input of a published compact JWS and checks the signature is the
/// published one, byte for byte.
fn reproduce_signature(token: &str, key: &SigningKey) {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let ours = key.sign(input.as_bytes()).unwrap();
    assert_eq!(b64::encode(ours), sig);
}

fn parse_json(v: &Value) -> JsonJws {
    JsonJws::parse(&v.to_string(), &opts()).unwrap()
}

fn json_eq(ours: &str, expected: &Value) {
    let ours: Value = serde_json::from_str(ours).unwrap();
    assert_eq!(&ours, expected);
}

mod rfc7515 {
    use super::*;

    fn example(i: usize) -> Value {
        vector("rfc-appendix/rfc7515_appendix_A.json")[i].clone()
    }

    /// Checks an Appendix A.1–A.4 example: the header segment is the published protected
    /// header, the published token verifies and its payload is the published one, and, where
    /// deterministic, signing the same input gives the same signature.
    fn check(i: usize, alg: JwsAlgorithm) {
        let v = example(i);
        let key = jwk(&v["jwk"]);
        let token = s(&v, "/compact");
        let parsed = CompactJws::parse(token, &opts()).unwrap();
        assert_eq!(parsed.header_b64(), b64::encode(s(&v, "/protected_utf8")));
        assert_eq!(parsed.header().alg, alg);
        let payload = verify_compact(token, &verifier(&key, alg));
        assert_eq!(b64::encode(&payload), s(&v, "/payload_b64u"));
        let signer = SigningKey::from_jwk(&key, alg).unwrap();
        if v["deterministic"] == Value::Bool(true) {
            reproduce_signature(token, &signer);
        }
        // Our own signature over the same input verifies under the published key.
        let (input, _) = token.rsplit_once('.').unwrap();
        let sig = signer.sign(input.as_bytes()).unwrap();
        let ours = format!("{input}.{}", b64::encode(sig));
        assert_eq!(verify_compact(&ours, &verifier(&key, alg)), payload);
    }

    #[test]
    fn a_1_hs256() {
        check(0, JwsAlgorithm::HS256);
    }

    #[test]
    fn a_2_rs256() {
        check(1, JwsAlgorithm::RS256);
    }

    #[test]
    fn a_3_es256() {
        check(2, JwsAlgorithm::ES256);
    }

    #[test]
    fn a_4_es512() {
        check(3, JwsAlgorithm::ES512);
    }

    #[test]
    fn a_5_unsecured_jws_is_rejected() {
        let v = example(4);
        let token = s(&v, "/compact");
        match CompactJws::parse(token, &opts()) {
            Err(Error::UnsupportedAlgorithm { alg }) => assert_eq!(alg, "none"),
            other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
        }
        // There is no way to name it either.
        assert!("none".parse::<JwsAlgorithm>().is_err());
        // The example's empty `oct` key is refused.
        assert!(matches!(
            Jwk::from_json(v["jwk"].to_string().as_bytes()),
            Err(Error::InvalidKey { .. })
        ));
        // A verifier set refuses it too.
        let hs = SigningKey::from_hmac_secret(&[1; 32], JwsAlgorithm::HS256).unwrap();
        let set = VerifierSet::from_keys([hs.verifying_key().clone()]);
        assert!(matches!(
            set.verify_compact(token, &opts()),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }

    #[test]
    fn a_6_general_json() {
        let v = example(5);
        let jws = parse_json(&v["json"]);
        assert!(!jws.is_flattened());
        assert_eq!(jws.signatures().len(), 2);
        assert_eq!(jws.signatures()[0].header().alg, JwsAlgorithm::RS256);
        assert_eq!(
            jws.signatures()[0].header().kid.as_deref(),
            Some("2010-12-29")
        );
        assert_eq!(
            jws.signatures()[1].header().kid.as_deref(),
            Some("e9bc097a-ce51-4036-9562-d2ade882db0d")
        );
        let keys = v["jwks"].as_array().unwrap();
        let mut verified = 0;
        for k in keys {
            let key = jwk(k);
            let alg = if key.kty() == "RSA" {
                JwsAlgorithm::RS256
            } else {
                JwsAlgorithm::ES256
            };
            let payload = jws.verify(&verifier(&key, alg)).unwrap();
            assert_eq!(b64::encode(payload), s(&v, "/json/payload"));
            verified += 1;
        }
        assert_eq!(verified, 2);
        // A verifier set over both keys picks by alg and kid.
        // The appendix keys carry no kid; publish them under the kids the signatures name.
        let set = JwkSet::from_keys(keys.iter().map(jwk).map(|k| {
            let kid = if k.kty() == "RSA" {
                "2010-12-29"
            } else {
                "e9bc097a-ce51-4036-9562-d2ade882db0d"
            };
            k.to_public().unwrap().with_kid(kid)
        }));
        let vs = VerifierSet::new(&set, &[JwsAlgorithm::ES256]);
        assert!(vs.verify_json(&jws).is_ok());
        // The RS256 signature is the A.2 one, reproduced byte for byte.
        let rsa = keys.iter().map(jwk).find(|k| k.kty() == "RSA").unwrap();
        let signer = SigningKey::from_jwk(&rsa, JwsAlgorithm::RS256).unwrap();
        let input = format!("eyJhbGciOiJSUzI1NiJ9.{}", s(&v, "/json/payload"));
        assert_eq!(
            b64::encode(signer.sign(input.as_bytes()).unwrap()),
            s(&v, "/json/signatures/0/signature")
        );
    }

    #[test]
    fn a_7_flattened_json() {
        let v = example(6);
        let jws = parse_json(&v["json"]);
        assert!(jws.is_flattened());
        assert_eq!(
            jws.signatures()[0].unprotected().unwrap()["kid"],
            "e9bc097a-ce51-4036-9562-d2ade882db0d"
        );
        let key = jwk(&v["jwk"]);
        let payload = jws.verify(&verifier(&key, JwsAlgorithm::ES256)).unwrap();
        assert_eq!(b64::encode(payload), s(&v, "/json/payload"));
        // A wrong-algorithm key is refused before any cryptography.
        let hs = SigningKey::from_hmac_secret(&[1; 32], JwsAlgorithm::HS256).unwrap();
        assert!(matches!(
            jws.verify(hs.verifying_key()),
            Err(Error::AlgorithmNotAllowed { .. })
        ));
    }
}

mod rfc7520 {
    use super::*;

    fn case(file: &str) -> Value {
        vector(&format!("rfc7520-cookbook/jws/{file}"))
    }

    fn payload(v: &Value) -> Vec<u8> {
        s(v, "/input/payload").as_bytes().to_vec()
    }

    /// Verifies the compact, general and flattened outputs of a single-signature example.
    fn verify_all(v: &Value, key: &VerifyingKey) {
        let expected = payload(v);
        if let Some(token) = v.pointer("/output/compact").and_then(Value::as_str) {
            assert_eq!(verify_compact(token, key), expected);
        }
        for form in ["json", "json_flat"] {
            if let Some(j) = v.pointer(&format!("/output/{form}")) {
                assert_eq!(parse_json(j).verify(key).unwrap(), expected, "{form}");
            }
        }
    }

    fn header_from(v: &Value) -> JwsHeader {
        JwsHeader::from_json(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn jws_4_1_rs256() {
        let v = case("4_1.rsa_v15_signature.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::RS256));
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::RS256).unwrap();
        // Deterministic: the whole token is reproduced from the header and payload.
        let header = header_from(&v["signing"]["protected"]);
        let token = jws::sign_compact(&header, &payload(&v), &signer).unwrap();
        assert_eq!(token, s(&v, "/output/compact"));
        let json = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header.clone()), None)
            .general()
            .unwrap();
        json_eq(&json, &v["output"]["json"]);
        let flat = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header), None)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }

    #[test]
    fn jws_4_2_ps384() {
        let v = case("4_2.rsa-pss_signature.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::PS384));
        // PSS is randomised: our signature differs but verifies.
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::PS384).unwrap();
        let header = header_from(&v["signing"]["protected"]);
        let token = jws::sign_compact(&header, &payload(&v), &signer).unwrap();
        assert_ne!(token, s(&v, "/output/compact"));
        assert_eq!(
            verify_compact(&token, &verifier(&key, JwsAlgorithm::PS384)),
            payload(&v)
        );
    }

    #[test]
    fn jws_4_3_es512() {
        let v = case("4_3.ecdsa_signature.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::ES512));
        let sig = b64::decode(s(&v, "/signing/sig")).unwrap();
        assert_eq!(sig.len(), 132, "ES512 signatures are fixed-length R||S");
    }

    #[test]
    fn jws_4_4_hs256() {
        let v = case("4_4.hmac-sha2_integrity_protection.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::HS256));
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let header = header_from(&v["signing"]["protected"]);
        let token = jws::sign_compact(&header, &payload(&v), &signer).unwrap();
        assert_eq!(token, s(&v, "/output/compact"));
        let json = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header.clone()), None)
            .general()
            .unwrap();
        json_eq(&json, &v["output"]["json"]);
        let flat = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header), None)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }

    #[test]
    fn jws_4_5_detached() {
        let v = case("4_5.signature_with_detached_content.json");
        let key = jwk(&v["input"]["key"]);
        let vk = verifier(&key, JwsAlgorithm::HS256);
        let token = s(&v, "/output/compact");
        let parsed = CompactJws::parse(token, &opts()).unwrap();
        assert!(parsed.is_detached());
        parsed.verify_detached(&vk, &payload(&v)).unwrap();
        // Without the detached payload, the empty segment is an empty payload, which is not
        // what was signed.
        assert!(matches!(parsed.verify(&vk), Err(Error::InvalidSignature)));
        assert!(matches!(
            parsed.verify_detached(&vk, b"another payload"),
            Err(Error::InvalidSignature)
        ));
        for form in ["json", "json_flat"] {
            let j = parse_json(&v["output"][form]);
            assert!(j.is_detached());
            j.verify_detached(&vk, &payload(&v)).unwrap();
            assert!(j.verify_detached(&vk, b"x").is_err());
        }
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let header = header_from(&v["signing"]["protected"]);
        assert_eq!(
            jws::sign_compact_detached(&header, &payload(&v), &signer).unwrap(),
            token
        );
        let json = JwsJsonSigner::new(&payload(&v))
            .detached()
            .signature(&signer, Some(header.clone()), None)
            .general()
            .unwrap();
        json_eq(&json, &v["output"]["json"]);
        let flat = JwsJsonSigner::new(&payload(&v))
            .detached()
            .signature(&signer, Some(header), None)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }

    #[test]
    fn jws_4_6_protecting_specific_header_fields() {
        let v = case("4_6.protecting_specific_header_fields.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::HS256));
        let j = parse_json(&v["output"]["json"]);
        let sig = &j.signatures()[0];
        assert_eq!(sig.protected().unwrap().len(), 1);
        assert_eq!(
            sig.header().kid.as_deref(),
            Some("018c0ae5-4d9b-471b-bfd6-eef314bc7037")
        );
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let unprotected = v["signing"]["unprotected"].as_object().cloned();
        let header = header_from(&v["signing"]["protected"]);
        let json = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header.clone()), unprotected.clone())
            .general()
            .unwrap();
        json_eq(&json, &v["output"]["json"]);
        let flat = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, Some(header), unprotected)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }

    #[test]
    fn jws_4_7_protecting_content_only() {
        let v = case("4_7.protecting_content_only.json");
        let key = jwk(&v["input"]["key"]);
        verify_all(&v, &verifier(&key, JwsAlgorithm::HS256));
        let j = parse_json(&v["output"]["json"]);
        assert!(j.signatures()[0].protected().is_none());
        assert_eq!(j.signatures()[0].protected_b64(), "");
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let unprotected = v["signing"]["unprotected"].as_object().cloned();
        let json = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, None, unprotected.clone())
            .general()
            .unwrap();
        json_eq(&json, &v["output"]["json"]);
        let flat = JwsJsonSigner::new(&payload(&v))
            .signature(&signer, None, unprotected)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }

    #[test]
    fn jws_4_8_multiple_signatures() {
        let v = case("4_8.multiple_signatures.json");
        let keys: Vec<Jwk> = v["input"]["key"]
            .as_array()
            .unwrap()
            .iter()
            .map(jwk)
            .collect();
        let algs = [
            JwsAlgorithm::RS256,
            JwsAlgorithm::ES512,
            JwsAlgorithm::HS256,
        ];
        let j = parse_json(&v["output"]["json"]);
        assert_eq!(j.signatures().len(), 3);
        for (key, alg) in keys.iter().zip(algs) {
            assert_eq!(j.verify(&verifier(key, alg)).unwrap(), payload(&v), "{alg}");
        }
        // Reproduce: RS256 and HS256 are deterministic, ES512 is not but verifies.
        let signers: Vec<SigningKey> = keys
            .iter()
            .zip(algs)
            .map(|(k, a)| SigningKey::from_jwk(k, a).unwrap())
            .collect();
        let signing = v["signing"].as_array().unwrap();
        let mut builder = JwsJsonSigner::new(s(&v, "/input/payload").as_bytes());
        for (signer, step) in signers.iter().zip(signing) {
            let protected = step.get("protected").map(header_from);
            let unprotected = step.get("unprotected").and_then(Value::as_object).cloned();
            builder = builder.signature(signer, protected, unprotected);
        }
        let ours: Value = serde_json::from_str(&builder.general().unwrap()).unwrap();
        let expected = &v["output"]["json"];
        assert_eq!(ours["payload"], expected["payload"]);
        assert_eq!(ours["signatures"][0], expected["signatures"][0]);
        assert_eq!(ours["signatures"][2], expected["signatures"][2]);
        assert_eq!(
            ours["signatures"][1]["header"],
            expected["signatures"][1]["header"]
        );
        let reparsed = JsonJws::parse(&ours.to_string(), &opts()).unwrap();
        assert!(
            reparsed
                .verify(&verifier(&keys[1], JwsAlgorithm::ES512))
                .is_ok()
        );
        // A verifier set with the three public (or shared) keys verifies the document.
        let set: JwkSet = keys
            .iter()
            .map(|k| k.to_public().unwrap_or_else(|| k.clone()))
            .collect();
        for alg in algs {
            let vs = VerifierSet::new(&set, &[alg]);
            assert_eq!(vs.verify_json(&j).unwrap(), payload(&v));
        }
    }
}

mod rfc7797 {
    use super::*;

    // RFC 7797 §4.1 and §4.2 outputs, from the RFC text (the shared vector file carries the
    // key, payload and headers).
    const RFC7797_4_1: &str =
        "eyJhbGciOiJIUzI1NiJ9.JC4wMg.5mvfOroL-g7HyqJoozehmsaqmvTYGEq5jTI1gVvoEoQ";
    const RFC7797_4_2_DETACHED: &str = "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY";

    fn setup() -> (Value, SigningKey, VerifyingKey) {
        let v = vector("rfc-appendix/rfc7797_example.json");
        let mut key = jwk(&v["jwk"]);
        // The RFC's headers carry no kid, so the signer must not add one.
        key.kid = None;
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let vk = signer.verifying_key().clone();
        (v, signer, vk)
    }

    #[test]
    fn section_4_1_b64_true() {
        let (v, signer, vk) = setup();
        let header = JwsHeader::from_json(s(&v, "/b64_true_header").as_bytes()).unwrap();
        let token = jws::sign_compact(&header, s(&v, "/payload").as_bytes(), &signer).unwrap();
        let token = token.replace(&format!(".{}", b64::encode("$.02")), ".JC4wMg");
        assert_eq!(token, RFC7797_4_1);
        assert_eq!(verify_compact(RFC7797_4_1, &vk), b"$.02");
    }

    #[test]
    fn section_4_2_b64_false() {
        let (v, signer, vk) = setup();
        let header = JwsHeader::from_json(s(&v, "/b64_false_header").as_bytes()).unwrap();
        assert!(!header.payload_is_encoded());
        let payload = s(&v, "/payload").as_bytes();
        // The payload contains '.', so the compact form must be detached.
        assert!(jws::sign_compact(&header, payload, &signer).is_err());
        let token = jws::sign_compact_detached(&header, payload, &signer).unwrap();
        assert_eq!(token, RFC7797_4_2_DETACHED);
        let parsed = CompactJws::parse(RFC7797_4_2_DETACHED, &opts()).unwrap();
        parsed.verify_detached(&vk, payload).unwrap();
        // The flattened JSON form of §4.2 carries the raw payload.
        let flat = JwsJsonSigner::new(payload)
            .signature(&signer, Some(header), None)
            .flattened()
            .unwrap();
        let expected = serde_json::json!({
            "protected": "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19",
            "payload": "$.02",
            "signature": "A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY"
        });
        json_eq(&flat, &expected);
        let j = JsonJws::parse(&expected.to_string(), &opts()).unwrap();
        assert!(!j.payload_is_encoded());
        assert_eq!(j.verify(&vk).unwrap(), b"$.02");
    }

    #[test]
    fn cookbook_b64_false_compact() {
        // rfc7520-cookbook/rfc7797/hmac-sha2_b64_false.json: the "signing" section of this
        // file is garbled upstream; its outputs are right and are what we check.
        let v = vector("rfc7520-cookbook/rfc7797/hmac-sha2_b64_false.json");
        let key = jwk(&v["input"]["key"]);
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::HS256).unwrap();
        let vk = signer.verifying_key().clone();
        let token = s(&v, "/output/compact");
        assert_eq!(
            verify_compact(token, &vk),
            s(&v, "/input/payload").as_bytes()
        );
        for form in ["json", "json_flat"] {
            let j = parse_json(&v["output"][form]);
            assert_eq!(j.verify(&vk).unwrap(), s(&v, "/input/payload").as_bytes());
        }
        let mut header = JwsHeader::new(JwsAlgorithm::HS256);
        header.b64 = Some(false);
        header.crit = Some(vec!["b64".into()]);
        let ours = jws::sign_compact(&header, s(&v, "/input/payload").as_bytes(), &signer).unwrap();
        assert_eq!(ours, token);
    }

    #[test]
    fn cookbook_4_2_without_crit_is_rejected() {
        // rfc7520-cookbook/rfc7797/4.2.hmac-sha2_b64_false.json predates the final RFC: its
        // protected header has "b64":false without "crit", which RFC 7797 §6 forbids.
        let v = vector("rfc7520-cookbook/rfc7797/4.2.hmac-sha2_b64_false.json");
        assert!(matches!(
            JsonJws::parse(&v["output"]["json_flat"].to_string(), &opts()),
            Err(Error::Crit { .. })
        ));
    }
}

mod rfc8037 {
    use super::*;

    #[test]
    fn a_4_ed25519_signing() {
        let v = vector("rfc-appendix/rfc8037_appendix_A.json");
        let key = jwk(&v["A.1_private_key"]);
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::EdDSA).unwrap();
        let token = jws::sign_compact(
            &JwsHeader::new(JwsAlgorithm::EdDSA),
            s(&v, "/A.4_payload_utf8").as_bytes(),
            &signer,
        )
        .unwrap();
        assert_eq!(token, s(&v, "/A.4_compact"));
        let public = jwk(&v["A.2_public_key"]);
        assert_eq!(
            verify_compact(
                &token,
                &VerifyingKey::from_jwk(&public, JwsAlgorithm::EdDSA).unwrap()
            ),
            s(&v, "/A.4_payload_utf8").as_bytes()
        );
    }

    #[test]
    fn a_5_ed25519_verification() {
        let v = vector("rfc-appendix/rfc8037_appendix_A.json");
        let public = jwk(&v["A.2_public_key"]);
        let vk = VerifyingKey::from_jwk(&public, JwsAlgorithm::EdDSA).unwrap();
        assert!(verify_compact(s(&v, "/A.4_compact"), &vk).starts_with(b"Example"));
        // Same key, the fully specified RFC 9864 name: a different header, same primitive.
        let vk9864 = VerifyingKey::from_jwk(&public, JwsAlgorithm::Ed25519).unwrap();
        let parsed = CompactJws::parse(s(&v, "/A.4_compact"), &opts()).unwrap();
        assert!(matches!(
            parsed.verify(&vk9864),
            Err(Error::AlgorithmNotAllowed { .. })
        ));
    }

    #[test]
    fn cookbook_curve25519_jws() {
        let v = vector("rfc7520-cookbook/curve25519/jws.json");
        let key = jwk(&v["input"]["key"]);
        let signer = SigningKey::from_jwk(&key, JwsAlgorithm::EdDSA).unwrap();
        let vk = signer.verifying_key();
        assert_eq!(
            verify_compact(s(&v, "/output/compact"), vk),
            s(&v, "/input/payload").as_bytes()
        );
        let token = jws::sign_compact(
            &JwsHeader::new(JwsAlgorithm::EdDSA),
            s(&v, "/input/payload").as_bytes(),
            &signer,
        )
        .unwrap();
        assert_eq!(token, s(&v, "/output/compact"));
        for form in ["json", "json_flat"] {
            let j = parse_json(&v["output"][form]);
            assert_eq!(j.verify(vk).unwrap(), s(&v, "/input/payload").as_bytes());
        }
        let flat = JwsJsonSigner::new(s(&v, "/input/payload").as_bytes())
            .signature(&signer, Some(JwsHeader::new(JwsAlgorithm::EdDSA)), None)
            .flattened()
            .unwrap();
        json_eq(&flat, &v["output"]["json_flat"]);
    }
}
