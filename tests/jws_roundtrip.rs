//! Sign → verify round trips for every JWS algorithm in every serialization (compact,
//! flattened JSON, general JSON, detached, unencoded), and tampering: flipping any single byte
//! of the protected header, the payload or the signature makes verification fail.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::sync::OnceLock;

use serde_json::Value;
use tessera::core::b64;
use tessera::jose::jws::{
    self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions, VerifierSet,
};
use tessera::jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey, VerifyingKey};

const PAYLOAD: &[u8] = br#"{"iss":"tessera","n":42}"#;

struct Case {
    alg: JwsAlgorithm,
    jwk: Jwk,
    signer: SigningKey,
    verifier: VerifyingKey,
}

/// One generated key per algorithm (one RSA key shared by the six RSA algorithms).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let rsa = Jwk::generate_rsa(2048).unwrap();
        JwsAlgorithm::ALL
            .iter()
            .map(|&alg| {
                let jwk = match alg.key_family() {
                    tessera::jose::alg::KeyFamily::Rsa => rsa.clone(),
                    _ => Jwk::generate(alg).unwrap(),
                }
                .with_kid(format!("kid-{alg}"));
                let signer = SigningKey::from_jwk(&jwk, alg).unwrap();
                let public = jwk.to_public().unwrap_or_else(|| jwk.clone());
                let verifier = VerifyingKey::from_jwk(&public, alg).unwrap();
                Case {
                    alg,
                    jwk,
                    signer,
                    verifier,
                }
            })
            .collect()
    })
}

fn opts() -> JwsOptions {
    JwsOptions::default()
}

fn unencoded_header(alg: JwsAlgorithm) -> JwsHeader {
    let mut h = JwsHeader::new(alg);
    h.b64 = Some(false);
    h.crit = Some(vec!["b64".into()]);
    h
}

/// Every single-character change of a compact token (xor 1 keeps it ASCII).
fn each_flip(token: &str) -> impl Iterator<Item = String> + '_ {
    (0..token.len()).map(move |i| {
        let mut b = token.as_bytes().to_vec();
        b[i] ^= 1;
        String::from_utf8(b).unwrap()
    })
}

/// Every single-byte change of `data`.
fn each_byte_flip(data: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..data.len()).map(move |i| {
        let mut b = data.to_vec();
        b[i] ^= 1;
        b
    })
}

fn compact_fails(token: &str, key: &VerifyingKey) {
    for bad in each_flip(token) {
        let res = CompactJws::parse(&bad, &opts()).and_then(|j| j.verify(key));
        assert!(res.is_err(), "{} accepted a flipped token {bad}", key.alg());
    }
}

#[test]
fn compact_every_algorithm() {
    for c in cases() {
        let token = jws::sign_compact(&JwsHeader::new(c.alg), PAYLOAD, &c.signer).unwrap();
        let parsed = CompactJws::parse(&token, &opts()).unwrap();
        assert_eq!(
            parsed.header().kid.as_deref(),
            Some(format!("kid-{}", c.alg).as_str())
        );
        assert_eq!(parsed.verify(&c.verifier).unwrap(), PAYLOAD);
        let mut out = Vec::new();
        parsed.verify_into(&c.verifier, &mut out).unwrap();
        assert_eq!(out, PAYLOAD);
        if matches!(
            c.alg,
            JwsAlgorithm::ES256 | JwsAlgorithm::ES384 | JwsAlgorithm::ES512
        ) {
            let n = match c.alg {
                JwsAlgorithm::ES256 => 64,
                JwsAlgorithm::ES384 => 96,
                _ => 132,
            };
            assert_eq!(parsed.signature().len(), n, "fixed-length R||S");
        }
        compact_fails(&token, &c.verifier);
        // Another key of the same algorithm does not verify it.
        let other = Jwk::generate(c.alg).unwrap();
        let other =
            VerifyingKey::from_jwk(&other.to_public().unwrap_or(other.clone()), c.alg).unwrap();
        assert!(parsed.verify(&other).is_err());
    }
}

#[test]
fn compact_detached_every_algorithm() {
    for c in cases() {
        let token = jws::sign_compact_detached(&JwsHeader::new(c.alg), PAYLOAD, &c.signer).unwrap();
        let parsed = CompactJws::parse(&token, &opts()).unwrap();
        assert!(parsed.is_detached());
        parsed.verify_detached(&c.verifier, PAYLOAD).unwrap();
        for bad in each_byte_flip(PAYLOAD) {
            assert!(parsed.verify_detached(&c.verifier, &bad).is_err());
        }
        for bad in each_flip(&token) {
            let res = CompactJws::parse(&bad, &opts())
                .and_then(|j| j.verify_detached(&c.verifier, PAYLOAD));
            assert!(res.is_err(), "{bad}");
        }
    }
}

#[test]
fn compact_unencoded_every_algorithm() {
    for c in cases() {
        let token = jws::sign_compact(&unencoded_header(c.alg), PAYLOAD, &c.signer).unwrap();
        // The payload appears as is.
        assert!(token.contains(std::str::from_utf8(PAYLOAD).unwrap()));
        let parsed = CompactJws::parse(&token, &opts()).unwrap();
        assert!(!parsed.header().payload_is_encoded());
        assert_eq!(parsed.verify(&c.verifier).unwrap(), PAYLOAD);
        compact_fails(&token, &c.verifier);
        // Unencoded and detached.
        let token =
            jws::sign_compact_detached(&unencoded_header(c.alg), b"a.b", &c.signer).unwrap();
        let parsed = CompactJws::parse(&token, &opts()).unwrap();
        parsed.verify_detached(&c.verifier, b"a.b").unwrap();
        assert!(parsed.verify_detached(&c.verifier, b"a.c").is_err());
    }
}

/// Rebuilds a flattened or general JWS with one component of signature `sig` replaced.
fn with_component(json: &str, sig: Option<usize>, member: &str, value: String) -> String {
    let mut v: Value = serde_json::from_str(json).unwrap();
    let target = match sig {
        Some(i) => &mut v["signatures"][i],
        None => &mut v,
    };
    target[member] = Value::String(value);
    v.to_string()
}

/// Flips every byte of the protected header, the payload and the signature (decoded, then
/// re-encoded so that only the content changes) and checks that verification fails.
fn json_tamper_fails(json: &str, sig: Option<usize>, key: &VerifyingKey, encoded: bool) {
    let v: Value = serde_json::from_str(json).unwrap();
    let s = match sig {
        Some(i) => &v["signatures"][i],
        None => &v,
    };
    let verify = |doc: &str| JsonJws::parse(doc, &opts()).and_then(|j| j.verify(key));
    assert!(verify(json).is_ok());
    let protected = b64::decode(s["protected"].as_str().unwrap()).unwrap();
    for bad in each_byte_flip(&protected) {
        let doc = with_component(json, sig, "protected", b64::encode(bad));
        assert!(verify(&doc).is_err(), "protected flip accepted");
    }
    let signature = b64::decode(s["signature"].as_str().unwrap()).unwrap();
    for bad in each_byte_flip(&signature) {
        let doc = with_component(json, sig, "signature", b64::encode(bad));
        assert!(verify(&doc).is_err(), "signature flip accepted");
    }
    let payload = v["payload"].as_str().unwrap();
    let payload = if encoded {
        b64::decode(payload).unwrap()
    } else {
        payload.as_bytes().to_vec()
    };
    for bad in each_byte_flip(&payload) {
        let text = if encoded {
            b64::encode(&bad)
        } else {
            String::from_utf8(bad).unwrap()
        };
        let doc = with_component(json, None, "payload", text);
        assert!(verify(&doc).is_err(), "payload flip accepted");
    }
}

#[test]
fn flattened_every_algorithm() {
    for c in cases() {
        for encoded in [true, false] {
            let header = if encoded {
                JwsHeader::new(c.alg)
            } else {
                unencoded_header(c.alg)
            };
            let mut unprotected = serde_json::Map::new();
            unprotected.insert("x-note".into(), "not protected".into());
            let json = JwsJsonSigner::new(PAYLOAD)
                .signature(&c.signer, Some(header), Some(unprotected))
                .flattened()
                .unwrap();
            let parsed = JsonJws::parse(&json, &opts()).unwrap();
            assert!(parsed.is_flattened());
            assert_eq!(parsed.payload_is_encoded(), encoded);
            assert_eq!(parsed.verify(&c.verifier).unwrap(), PAYLOAD);
            assert_eq!(
                parsed.signatures()[0].unprotected().unwrap()["x-note"],
                "not protected"
            );
            json_tamper_fails(&json, None, &c.verifier, encoded);
        }
    }
}

#[test]
fn general_with_several_signatures_every_algorithm() {
    let hs = SigningKey::from_jwk(
        &Jwk::generate(JwsAlgorithm::HS512).unwrap(),
        JwsAlgorithm::HS512,
    )
    .unwrap()
    .with_kid("second");
    for c in cases() {
        for encoded in [true, false] {
            let header = |alg| {
                if encoded {
                    JwsHeader::new(alg)
                } else {
                    unencoded_header(alg)
                }
            };
            let mut h = header(c.alg);
            h.typ = Some("example+jws".into());
            let json = JwsJsonSigner::new(PAYLOAD)
                .signature(&c.signer, Some(h), None)
                .signature(&hs, Some(header(JwsAlgorithm::HS512)), None)
                .general()
                .unwrap();
            let parsed = JsonJws::parse(&json, &opts()).unwrap();
            assert_eq!(parsed.signatures().len(), 2);
            assert_eq!(
                parsed.signatures()[0].header().typ.as_deref(),
                Some("example+jws")
            );
            assert_eq!(parsed.verify(&c.verifier).unwrap(), PAYLOAD);
            assert_eq!(parsed.verify(hs.verifying_key()).unwrap(), PAYLOAD);
            json_tamper_fails(&json, Some(0), &c.verifier, encoded);
            // Tampering with the first signature leaves the second one valid.
            let sig0 = b64::decode(
                serde_json::from_str::<Value>(&json).unwrap()["signatures"][0]["signature"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
            let mut bad = sig0.clone();
            bad[0] ^= 1;
            let doc = with_component(&json, Some(0), "signature", b64::encode(bad));
            let parsed = JsonJws::parse(&doc, &opts()).unwrap();
            assert!(parsed.verify(&c.verifier).is_err());
            assert!(parsed.verify(hs.verifying_key()).is_ok());
        }
    }
}

#[test]
fn json_detached_every_algorithm() {
    for c in cases() {
        for encoded in [true, false] {
            let header = if encoded {
                JwsHeader::new(c.alg)
            } else {
                unencoded_header(c.alg)
            };
            for flattened in [true, false] {
                let signer = JwsJsonSigner::new(b"detached \xff bytes")
                    .detached()
                    .signature(&c.signer, Some(header.clone()), None);
                let json = if flattened {
                    signer.flattened().unwrap()
                } else {
                    signer.general().unwrap()
                };
                let parsed = JsonJws::parse(&json, &opts()).unwrap();
                assert!(parsed.is_detached());
                parsed
                    .verify_detached(&c.verifier, b"detached \xff bytes")
                    .unwrap();
                for bad in each_byte_flip(b"detached \xff bytes") {
                    assert!(parsed.verify_detached(&c.verifier, &bad).is_err());
                }
                assert!(parsed.verify(&c.verifier).is_err());
            }
        }
    }
}

#[test]
fn verifier_set_picks_by_kid_and_alg() {
    let set: JwkSet = cases()
        .iter()
        .map(|c| c.jwk.to_public().unwrap_or_else(|| c.jwk.clone()))
        .collect();
    let verifiers = VerifierSet::new(&set, JwsAlgorithm::ALL);
    for c in cases() {
        // With a kid: one hash lookup.
        let token = jws::sign_compact(&JwsHeader::new(c.alg), PAYLOAD, &c.signer).unwrap();
        assert_eq!(verifiers.verify_compact(&token, &opts()).unwrap(), PAYLOAD);
        // Without a kid: each key prepared for the algorithm is tried.
        let anonymous = SigningKey::from_jwk(
            &{
                let mut k = c.jwk.clone();
                k.kid = None;
                k
            },
            c.alg,
        )
        .unwrap();
        let token = jws::sign_compact(&JwsHeader::new(c.alg), PAYLOAD, &anonymous).unwrap();
        assert!(
            CompactJws::parse(&token, &opts())
                .unwrap()
                .header()
                .kid
                .is_none()
        );
        assert_eq!(verifiers.verify_compact(&token, &opts()).unwrap(), PAYLOAD);
        // JSON too.
        let json = JwsJsonSigner::new(PAYLOAD)
            .signature(&c.signer, Some(JwsHeader::new(c.alg)), None)
            .general()
            .unwrap();
        assert_eq!(
            verifiers
                .verify_json(&JsonJws::parse(&json, &opts()).unwrap())
                .unwrap(),
            PAYLOAD
        );
    }
}
