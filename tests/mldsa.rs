//! ML-DSA (FIPS 204) in JOSE, RFC 9964: the published examples of Appendix A.1, keys and JWTs
//! exported by independent WebCrypto implementations (Node.js on OpenSSL, Deno), round trips,
//! and the strictness of `AKP` key parsing. (Every serialization and the tamper tests run for
//! ML-DSA too in `jws_roundtrip.rs`, which covers every algorithm.)
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{jwk, s, vector};
use serde_json::{Value, json};
use tessera::core::b64;
use tessera::jose::error::{KeyKind, KeyPart, KeyProblem, MismatchProblem};
use tessera::jose::jws::{self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions};
use tessera::jose::{AkpAlgorithm, Error, Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

const ALGS: [(AkpAlgorithm, JwsAlgorithm); 3] = [
    (AkpAlgorithm::MlDsa44, JwsAlgorithm::MlDsa44),
    (AkpAlgorithm::MlDsa65, JwsAlgorithm::MlDsa65),
    (AkpAlgorithm::MlDsa87, JwsAlgorithm::MlDsa87),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn opts() -> JwsOptions {
    JwsOptions::default()
}

fn key_problem(r: Result<Jwk, Error>) -> KeyProblem {
    match r {
        Err(Error::InvalidKey { problem, .. }) => problem,
        other => panic!("expected an invalid key, got {other:?}"),
    }
}

fn parse(v: &Value) -> Result<Jwk, Error> {
    Jwk::from_json(v.to_string().as_bytes())
}

mod rfc9964 {
    use super::*;

    /// Checks one example of Appendix A.1: the seed derives the published public key, the
    /// thumbprint is the published `kid`, the published JWS verifies (signing input and
    /// signature as published in hex), and the key serialises back to the published members.
    fn example(i: usize, alg: AkpAlgorithm) {
        let v = vector("rfc-appendix/rfc9964_appendix_A1.json")["examples"][i].clone();
        let private = jwk(&v["jwk"]);
        assert_eq!(private.kty(), "AKP");
        assert!(private.is_private());
        assert_eq!(private.alg.as_deref(), Some(alg.as_str()));
        assert_eq!(private.thumbprint_sha256(), s(&v, "/jwk/kid"));

        let seed: Vec<u8> = (0..32).map(|_| 0).collect();
        assert_eq!(hex(&seed), s(&v, "/priv"));
        let derived = Jwk::from_akp_seed(alg, &seed).unwrap();
        let derived_json: Value = serde_json::from_str(&derived.to_json()).unwrap();
        assert_eq!(derived_json["pub"], v["jwk"]["pub"]);
        assert_eq!(derived_json["priv"], v["jwk"]["priv"]);
        assert_eq!(
            hex(&b64::decode(s(&v, "/jwk/pub")).unwrap()),
            s(&v, "/raw_public_key")
        );

        // Serialised back: the same members and values.
        let ours: Value = serde_json::from_str(&private.to_json()).unwrap();
        assert_eq!(ours, v["jwk"]);

        let public = private.to_public().unwrap();
        assert!(public.to_json().find("priv").is_none());
        assert_eq!(public.thumbprint_sha256(), s(&v, "/jwk/kid"));
        let verifier = VerifyingKey::from_jwk(&public, alg.jws_algorithm()).unwrap();

        let token = s(&v, "/jws");
        let parsed = CompactJws::parse(token, &opts()).unwrap();
        assert_eq!(parsed.header().alg, alg.jws_algorithm());
        assert_eq!(parsed.header().kid.as_deref(), Some(s(&v, "/jwk/kid")));
        assert_eq!(hex(parsed.signing_input()), s(&v, "/raw_to_be_signed"));
        assert_eq!(hex(parsed.signature()), s(&v, "/raw_signature"));
        assert_eq!(parsed.signature().len(), alg.signature_len());
        assert_eq!(
            parsed.verify(&verifier).unwrap(),
            "It\u{2019}s a dangerous business, Frodo, going out your door.".as_bytes()
        );
        // The private key's own verifier too, and one prepared from the JWK's own `alg`.
        let signer = SigningKey::from_jwk_alg(&private).unwrap();
        parsed.verify(signer.verifying_key()).unwrap();
        parsed
            .verify(&VerifyingKey::from_jwk_alg(&public).unwrap())
            .unwrap();

        // Signing the same input again verifies (ML-DSA is hedged: the bytes differ).
        let ours = signer.sign(parsed.signing_input()).unwrap();
        assert_eq!(ours.len(), alg.signature_len());
        verifier.verify(parsed.signing_input(), &ours).unwrap();
    }

    #[test]
    fn a_1_ml_dsa_44() {
        example(0, AkpAlgorithm::MlDsa44);
    }

    #[test]
    fn a_1_ml_dsa_65() {
        example(1, AkpAlgorithm::MlDsa65);
    }

    #[test]
    fn a_1_ml_dsa_87() {
        example(2, AkpAlgorithm::MlDsa87);
    }

    #[test]
    fn a_1_tokens_do_not_verify_under_another_parameter_set() {
        let v = vector("rfc-appendix/rfc9964_appendix_A1.json");
        let key44 = jwk(&v["examples"][0]["jwk"]).to_public().unwrap();
        let token65 = s(&v, "/examples/1/jws");
        let k44 = VerifyingKey::from_jwk(&key44, JwsAlgorithm::MlDsa44).unwrap();
        // The header says ML-DSA-65; the key is bound to ML-DSA-44.
        let err = CompactJws::parse(token65, &opts())
            .unwrap()
            .verify(&k44)
            .unwrap_err();
        assert!(matches!(err, Error::AlgorithmNotAllowed { .. }), "{err:?}");
        // The 44 key cannot be prepared for 65.
        assert!(matches!(
            VerifyingKey::from_jwk(&key44, JwsAlgorithm::MlDsa65),
            Err(Error::KeyMismatch {
                problem: MismatchProblem::WrongKeyType {
                    key: KeyKind::Akp(AkpAlgorithm::MlDsa44),
                    alg: "ML-DSA-65"
                }
            })
        ));
        // A 65 signature handed to a 44 key directly is malformed (wrong length).
        let sig = b64::decode(token65.rsplit_once('.').unwrap().1).unwrap();
        assert!(matches!(
            k44.verify(b"x", &sig),
            Err(Error::MalformedSignature)
        ));
    }
}

/// A JWK Set mixing AKP keys with others: an AKP key of an algorithm tessera does not have (a
/// future ML-KEM key, say) is skipped like any unsupported key, not an error for the set.
#[test]
fn jwk_set_with_akp_keys() {
    use tessera::jose::JwkSet;
    use tessera::jose::jws::VerifierSet;
    let v = vector("rfc-appendix/rfc9964_appendix_A1.json");
    let mut keys: Vec<Value> = (0..3)
        .map(|i| {
            let mut k = v["examples"][i]["jwk"].clone();
            k.as_object_mut().unwrap().remove("priv");
            k
        })
        .collect();
    keys.push(json!({"kty": "AKP", "alg": "ML-KEM-768", "pub": "AAAA", "kid": "kem"}));
    keys.push(vector("rfc-appendix/rfc8037_appendix_A.json")["A.2_public_key"].clone());
    let set = JwkSet::from_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap();
    assert_eq!((set.len(), set.skipped()), (4, 1));
    let verifiers = VerifierSet::new(&set, &[JwsAlgorithm::MlDsa65, JwsAlgorithm::MlDsa87]);
    for i in 0..3 {
        let token = s(&v, &format!("/examples/{i}/jws"));
        let parsed = CompactJws::parse(token, &opts()).unwrap();
        let kid = parsed.header().kid.clone();
        let found: Vec<_> = verifiers
            .candidates(kid.as_deref(), parsed.header().alg)
            .collect();
        if i == 0 {
            assert!(found.is_empty(), "ML-DSA-44 is not on the allow-list");
        } else {
            assert_eq!(found.len(), 1);
            parsed.verify(found[0]).unwrap();
        }
    }
}

/// Keys exported by WebCrypto in Node.js (OpenSSL's ML-DSA) and Deno, and the JWTs they signed.
mod webcrypto {
    use super::*;

    #[test]
    fn exported_keys_load_and_their_jwts_verify() {
        let v = vector("interop/webcrypto_mldsa.json");
        let mut tokens = 0;
        for runtime in v["runtimes"].as_array().unwrap() {
            for (name, entry) in runtime["keys"].as_object().unwrap() {
                let alg: JwsAlgorithm = name.parse().unwrap();
                let private = jwk(&entry["private"]);
                let public = jwk(&entry["public"]);
                assert!(private.is_private() && !public.is_private());
                assert_eq!(private.thumbprint_sha256(), public.thumbprint_sha256());
                // key_ops ["sign"] and ["verify"]: each key serves its own operation only.
                let signer = SigningKey::from_jwk(&private, alg).unwrap();
                let verifier = VerifyingKey::from_jwk(&public, alg).unwrap();
                assert!(VerifyingKey::from_jwk(&private, alg).is_err());
                let sig = signer.sign(b"tessera").unwrap();
                verifier.verify(b"tessera", &sig).unwrap();
                if let Some(token) = entry["jwt"].as_str() {
                    let payload = CompactJws::parse(token, &opts())
                        .unwrap()
                        .verify(&verifier)
                        .unwrap();
                    let claims: Value = serde_json::from_slice(&payload).unwrap();
                    assert_eq!(claims["sub"], *name, "{}", runtime["runtime"]);
                    tokens += 1;
                }
            }
        }
        assert_eq!(tokens, 2, "Node.js and Deno each signed an ML-DSA-44 JWT");
    }
}

mod round_trip {
    use super::*;
    use tessera::core::UnixTime;
    use tessera::jwt::{JwtBuilder, KeyStore, Policy};

    #[test]
    fn generate_serialise_parse_sign_verify() {
        for (akp, alg) in ALGS {
            let jwk = Jwk::generate(alg).unwrap().with_kid("pq-1");
            assert_eq!(jwk.kty(), "AKP");
            assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
            let json = jwk.to_json();
            let back = Jwk::from_json(json.as_bytes()).unwrap();
            assert_eq!(back.to_json(), json);
            assert_eq!(back.thumbprint_sha256(), jwk.thumbprint_sha256());
            let v: Value = serde_json::from_str(&json).unwrap();
            assert_eq!(
                b64::decode(v["pub"].as_str().unwrap()).unwrap().len(),
                akp.public_key_len()
            );
            assert_eq!(b64::decode(v["priv"].as_str().unwrap()).unwrap().len(), 32);
            // The seed alone gives the whole key back.
            let seed = b64::decode(v["priv"].as_str().unwrap()).unwrap();
            assert_eq!(
                Jwk::from_akp_seed(akp, &seed).unwrap().thumbprint_sha256(),
                jwk.thumbprint_sha256()
            );
            // Thumbprint input: alg, kty, pub (RFC 9964 §6).
            assert_eq!(
                jwk.thumbprint_input(),
                format!(
                    r#"{{"alg":"{alg}","kty":"AKP","pub":"{}"}}"#,
                    v["pub"].as_str().unwrap()
                )
            );

            let signer = SigningKey::from_jwk(&back, alg).unwrap();
            assert_eq!(signer.kid(), Some("pq-1"));
            assert_eq!(signer.signature_len(), akp.signature_len());
            let public = back.to_public().unwrap();
            let verifier = VerifyingKey::from_jwk(&public, alg).unwrap();
            let token = jws::sign_compact(&JwsHeader::new(alg), b"payload", &signer).unwrap();
            let parsed = CompactJws::parse(&token, &opts()).unwrap();
            assert_eq!(parsed.verify(&verifier).unwrap(), b"payload");
            // Flattened and general JSON.
            let signed =
                JwsJsonSigner::new(b"payload").signature(&signer, Some(JwsHeader::new(alg)), None);
            for text in [signed.flattened().unwrap(), signed.general().unwrap()] {
                let parsed = JsonJws::parse(&text, &opts()).unwrap();
                assert_eq!(parsed.verify(&verifier).unwrap(), b"payload");
            }
        }
    }

    #[test]
    fn jwt_sign_and_verify() {
        let now = UnixTime(1_800_000_000);
        for (_, alg) in ALGS {
            let jwk = Jwk::generate(alg).unwrap().with_kid("pq");
            let signer = SigningKey::from_jwk(&jwk, alg).unwrap();
            let token = JwtBuilder::new()
                .issuer("https://pq.example")
                .audience("api")
                .expires_in(now, 60)
                .sign(&signer)
                .unwrap();
            let keys = KeyStore::single(signer.verifying_key().clone());
            let policy = Policy::builder()
                .algorithm(alg)
                .issuer("https://pq.example")
                .audience("api")
                .build()
                .unwrap();
            let verified = policy.verify_at::<()>(&token, &keys, now).unwrap();
            assert_eq!(verified.claims().iss(), Some("https://pq.example"));
            // Another algorithm on the allow-list only: refused.
            let es = Policy::builder()
                .algorithm(JwsAlgorithm::ES256)
                .issuer("https://pq.example")
                .audience("api")
                .build()
                .unwrap();
            assert!(es.verify_at::<()>(&token, &keys, now).is_err());
        }
    }
}

mod bad_input {
    use super::*;

    fn base() -> Value {
        vector("rfc-appendix/rfc9964_appendix_A1.json")["examples"][0]["jwk"].clone()
    }

    fn with(mut v: Value, member: &str, value: Value) -> Value {
        v[member] = value;
        v
    }

    fn without(mut v: Value, member: &str) -> Value {
        v.as_object_mut().unwrap().remove(member);
        v
    }

    #[test]
    fn alg_is_required_and_must_be_an_akp_algorithm() {
        assert_eq!(
            key_problem(parse(&without(base(), "alg"))),
            KeyProblem::MissingMember { member: "alg" }
        );
        for alg in [
            "ML-DSA-99",
            "ml-dsa-44",
            "ML-DSA-44 ",
            "Ed25519",
            "HS256",
            "",
        ] {
            assert_eq!(
                key_problem(parse(&with(base(), "alg", json!(alg)))),
                KeyProblem::UnsupportedAkpAlgorithm { alg: alg.into() },
                "{alg}"
            );
        }
        assert!(matches!(
            key_problem(parse(&with(base(), "alg", json!(44)))),
            KeyProblem::WrongType { member: "alg", .. }
        ));
        // A public key of ML-DSA-44 relabelled ML-DSA-65: the length gives it away.
        assert_eq!(
            key_problem(parse(&with(
                without(base(), "priv"),
                "alg",
                json!("ML-DSA-65")
            ))),
            KeyProblem::WrongLength {
                part: KeyPart::Pub,
                expected: 1952,
                found: 1312
            }
        );
    }

    #[test]
    fn wrong_lengths_and_a_seed_that_is_not_the_keys() {
        for n in [0, 1311, 1313, 2560] {
            let v = with(
                without(base(), "priv"),
                "pub",
                json!(b64::encode(vec![7u8; n])),
            );
            assert_eq!(
                key_problem(parse(&v)),
                KeyProblem::WrongLength {
                    part: KeyPart::Pub,
                    expected: 1312,
                    found: n
                },
                "{n}"
            );
        }
        // The expanded private key (2560 bytes for ML-DSA-44) is not a JOSE private key.
        for n in [0, 31, 33, 64, 2560] {
            let v = with(base(), "priv", json!(b64::encode(vec![0u8; n])));
            assert_eq!(
                key_problem(parse(&v)),
                KeyProblem::WrongLength {
                    part: KeyPart::Priv,
                    expected: 32,
                    found: n
                },
                "{n}"
            );
        }
        let v = with(base(), "priv", json!(b64::encode([1u8; 32])));
        assert_eq!(
            key_problem(parse(&v)),
            KeyProblem::SeedDoesNotMatchPublic {
                alg: AkpAlgorithm::MlDsa44
            }
        );
        assert_eq!(
            key_problem(parse(&without(base(), "pub"))),
            KeyProblem::MissingMember { member: "pub" }
        );
        // Padded or non-canonical base64url is refused, as everywhere.
        let padded = format!("{}=", s(&base(), "/priv"));
        assert!(parse(&with(base(), "priv", json!(padded))).is_err());
        assert!(parse(&with(base(), "pub", json!(1))).is_err());
    }

    #[test]
    fn members_of_other_key_types_are_refused_both_ways() {
        for (member, value) in [
            ("x", "AAAA"),
            ("d", "AAAA"),
            ("crv", "Ed25519"),
            ("k", "AAAA"),
        ] {
            assert!(
                matches!(
                    key_problem(parse(&with(base(), member, json!(value)))),
                    KeyProblem::MemberNotForKty { kty: "AKP", .. }
                ),
                "{member}"
            );
        }
        let ed = vector("rfc-appendix/rfc8037_appendix_A.json")["A.2_public_key"].clone();
        for member in ["pub", "priv"] {
            assert_eq!(
                key_problem(parse(&with(ed.clone(), member, json!("AAAA")))),
                KeyProblem::MemberNotForKty { member, kty: "OKP" }
            );
        }
        // An OKP key may not claim an ML-DSA algorithm.
        assert!(matches!(
            key_problem(parse(&with(ed, "alg", json!("ML-DSA-44")))),
            KeyProblem::AlgDoesNotFit { .. }
        ));
        // A JWS algorithm that needs an AKP key refuses every other kind.
        let ec = Jwk::generate(JwsAlgorithm::ES256).unwrap();
        let ec = Jwk::from_json(ec.to_public().unwrap().to_json().as_bytes()).unwrap();
        let mut ec = ec;
        ec.alg = None;
        assert!(matches!(
            VerifyingKey::from_jwk(&ec, JwsAlgorithm::MlDsa44),
            Err(Error::KeyMismatch {
                problem: MismatchProblem::WrongKeyType { .. }
            })
        ));
    }

    #[test]
    fn a_key_is_bound_to_its_algorithm() {
        let private = jwk(&base());
        let public = private.to_public().unwrap();
        for other in [
            JwsAlgorithm::MlDsa65,
            JwsAlgorithm::MlDsa87,
            JwsAlgorithm::EdDSA,
            JwsAlgorithm::HS256,
            JwsAlgorithm::RS256,
        ] {
            assert!(
                matches!(
                    VerifyingKey::from_jwk(&public, other),
                    Err(Error::KeyMismatch { .. })
                ),
                "{other}"
            );
            assert!(SigningKey::from_jwk(&private, other).is_err(), "{other}");
        }
        // A public key cannot sign.
        assert!(matches!(
            SigningKey::from_jwk(&public, JwsAlgorithm::MlDsa44),
            Err(Error::MissingPrivateKey)
        ));
        // Changing the JWK's `alg` field after parsing does not rebind the key.
        let relabelled = public.clone().with_alg("ML-DSA-65");
        assert!(VerifyingKey::from_jwk(&relabelled, JwsAlgorithm::MlDsa44).is_err());
        assert!(VerifyingKey::from_jwk(&relabelled, JwsAlgorithm::MlDsa65).is_err());
        // ... and its JSON still says the key's own algorithm.
        let v: Value = serde_json::from_str(&relabelled.to_json()).unwrap();
        assert_eq!(v["alg"], "ML-DSA-44");
        // `use: enc` and `key_ops` without "verify" rule it out, as for any key.
        let enc = Jwk::from_json(
            with(without(base(), "priv"), "use", json!("enc"))
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(VerifyingKey::from_jwk(&enc, JwsAlgorithm::MlDsa44).is_err());
    }

    #[test]
    fn signatures_of_the_wrong_shape() {
        let v = vector("rfc-appendix/rfc9964_appendix_A1.json");
        let key = VerifyingKey::from_jwk(
            &jwk(&v["examples"][0]["jwk"]).to_public().unwrap(),
            JwsAlgorithm::MlDsa44,
        )
        .unwrap();
        let token = s(&v, "/examples/0/jws");
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = b64::decode(sig).unwrap();
        key.verify(input.as_bytes(), &sig).unwrap();
        for n in [0, 1, 2419, 2421] {
            let mut bad = sig.clone();
            bad.resize(n, 0);
            assert!(
                matches!(
                    key.verify(input.as_bytes(), &bad),
                    Err(Error::MalformedSignature)
                ),
                "{n}"
            );
        }
        // The hint bytes (the last 84) must decode: all 0xff is not an encoding.
        let mut bad = sig.clone();
        for b in &mut bad[2420 - 84..] {
            *b = 0xff;
        }
        assert!(matches!(
            key.verify(input.as_bytes(), &bad),
            Err(Error::MalformedSignature)
        ));
        // A changed challenge or response is just invalid.
        for i in [0, 100, 2000] {
            let mut bad = sig.clone();
            bad[i] ^= 1;
            assert!(
                matches!(
                    key.verify(input.as_bytes(), &bad),
                    Err(Error::InvalidSignature)
                ),
                "{i}"
            );
        }
        assert!(matches!(
            key.verify(b"another input", &sig),
            Err(Error::InvalidSignature)
        ));
    }

    #[test]
    fn no_pem_or_der_encoding_yet() {
        use tessera::jose::jwk::KeyFormat;
        let private = jwk(&base());
        for format in [KeyFormat::Spki, KeyFormat::Pkcs8] {
            assert!(matches!(
                private.to_der(format),
                Err(Error::InvalidKey {
                    problem: KeyProblem::NoEncoding { .. },
                    ..
                })
            ));
        }
    }
}
