#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions
//! Ed25519 (`EdDSA`) against published vectors: RFC 8032 §7.1 and Project Wycheproof, through
//! the public API (`VerifyingKey`/`SigningKey` from JWKs), with ed25519-dalek's `verify_strict`
//! as the independent second opinion on every verdict. The vectors are in `tests/vectors/`.

mod common;

use common::{s, vector};
use serde_json::json;
use tessera::core::b64;
use tessera::jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn dalek_strict(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(pk) = <[u8; 32]>::try_from(pk) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
        return false;
    };
    key.verify_strict(msg, &sig).is_ok()
}

mod rfc8032 {
    use super::*;

    /// RFC 8032 §7.1 TEST 1, TEST 2 and TEST 3 (the longer TEST 1024 is Wycheproof tcId 83):
    /// the public key from the seed, the signature byte for byte, and verification.
    #[test]
    fn section_7_1_tests_1_to_3() {
        for (seed, pk, msg, sig) in [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
            (
                "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
                "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
            ),
        ] {
            let jwk = json!({
                "kty": "OKP", "crv": "Ed25519",
                "d": b64::encode(hex(seed)), "x": b64::encode(hex(pk)),
            });
            let jwk = Jwk::from_json(jwk.to_string().as_bytes()).unwrap();
            let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::EdDSA).unwrap();
            let (msg, sig) = (hex(msg), hex(sig));
            assert_eq!(signer.sign(&msg).unwrap(), sig);
            let verifier =
                VerifyingKey::from_jwk(&jwk.to_public().unwrap(), JwsAlgorithm::EdDSA).unwrap();
            verifier.verify(&msg, &sig).unwrap();
            assert!(dalek_strict(&hex(pk), &msg, &sig));
            let mut bad = sig.clone();
            bad[63] ^= 0x10;
            assert!(verifier.verify(&msg, &bad).is_err());
        }
    }
}

mod wycheproof {
    use super::*;

    /// Every vector of Wycheproof's `ed25519_test.json` (151): our verdict is the published
    /// one, and ed25519-dalek's `verify_strict` agrees.
    #[test]
    fn ed25519_test() {
        let v = vector("wycheproof/ed25519_test.json");
        let mut counts = [0usize; 2];
        for group in v["testGroups"].as_array().unwrap() {
            let pk = hex(s(group, "/publicKey/pk"));
            let jwk = Jwk::from_json(group["publicKeyJwk"].to_string().as_bytes());
            let key = jwk.and_then(|k| VerifyingKey::from_jwk(&k, JwsAlgorithm::EdDSA));
            for t in group["tests"].as_array().unwrap() {
                let id = &t["tcId"];
                let (msg, sig) = (hex(s(t, "/msg")), hex(s(t, "/sig")));
                let ours = key.as_ref().is_ok_and(|k| k.verify(&msg, &sig).is_ok());
                let valid = match s(t, "/result") {
                    "valid" => true,
                    "invalid" => false,
                    other => panic!("tcId {id}: unexpected result {other}"),
                };
                assert_eq!(ours, valid, "tcId {id} ({})", t["comment"]);
                assert_eq!(dalek_strict(&pk, &msg, &sig), valid, "dalek, tcId {id}");
                counts[usize::from(valid)] += 1;
            }
        }
        assert_eq!(counts, [63, 88], "[invalid, valid]");
        assert_eq!(
            counts[0] + counts[1],
            v["numberOfTests"].as_u64().unwrap() as usize
        );
    }
}
