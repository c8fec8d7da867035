//! Attacks on JWE that naive implementations fall for. Each hostile token here is one that a
//! naive implementation would accept or act on: the invalid-curve and small-order tokens
//! *decrypt* under textbook arithmetic (checked below with an independent AES-GCM and Concat
//! KDF), the PBES2 and zip tokens are genuine, and the truncated tags pass a prefix compare.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use aes_gcm::aead::Aead;
use aes_gcm::{Aes128Gcm, KeyInit};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tessera::core::b64;
use tessera::jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera::jose::error::{Curve, HeaderProblem, KeyProblem};
use tessera::jose::jwe::{
    self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweJson, JweOptions,
};
use tessera::jose::jwk::{EcCurve, OkpCurve};
use tessera::jose::{Error, Jwk};

fn load(path: &str) -> Value {
    let full = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
}

fn p256_key() -> Jwk {
    let v =
        load("rfc7520-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json");
    Jwk::from_json(v["input"]["key"].to_string().as_bytes()).unwrap()
}

fn x25519_key() -> Jwk {
    let v = load("rfc-appendix/rfc8037_appendix_A6.json");
    Jwk::from_json(v["bob_private"].to_string().as_bytes()).unwrap()
}

/// Concat KDF (RFC 7518 §4.6.2) written out independently, for one SHA-256 block.
fn concat_kdf_16(z: &[u8], alg_id: &str) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(1u32.to_be_bytes());
    h.update(z);
    h.update((alg_id.len() as u32).to_be_bytes());
    h.update(alg_id.as_bytes());
    h.update(0u32.to_be_bytes()); // apu
    h.update(0u32.to_be_bytes()); // apv
    h.update(128u32.to_be_bytes());
    let out = h.finalize();
    out[..16].try_into().unwrap()
}

/// An ECDH-ES + A128GCM token whose shared secret the attacker knows to be `z` under naive
/// arithmetic on the given `epk`.
fn ecdh_token_with_known_z(epk: Value, z: &[u8], plaintext: &[u8]) -> String {
    let protected = json!({"alg": "ECDH-ES", "enc": "A128GCM", "epk": epk}).to_string();
    let protected_b64 = b64::encode(protected);
    let cek = concat_kdf_16(z, "A128GCM");
    let iv = [7u8; 12];
    let sealed = Aes128Gcm::new_from_slice(&cek)
        .unwrap()
        .encrypt(
            (&iv).into(),
            aes_gcm::aead::Payload {
                msg: plaintext,
                aad: protected_b64.as_bytes(),
            },
        )
        .unwrap();
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    format!(
        "{protected_b64}..{}.{}.{}",
        b64::encode(iv),
        b64::encode(ct),
        b64::encode(tag)
    )
}

/// Decrypts `token` the naive way: trusting that `z` is what the recipient computes.
fn naive_decrypt(token: &str, z: &[u8]) -> Vec<u8> {
    let parts: Vec<&str> = token.split('.').collect();
    let cek = concat_kdf_16(z, "A128GCM");
    let iv = b64::decode(parts[2]).unwrap();
    let mut sealed = b64::decode(parts[3]).unwrap();
    sealed.extend(b64::decode(parts[4]).unwrap());
    Aes128Gcm::new_from_slice(&cek)
        .unwrap()
        .decrypt(
            iv.as_slice().try_into().unwrap(),
            aes_gcm::aead::Payload {
                msg: &sealed,
                aad: parts[0].as_bytes(),
            },
        )
        .unwrap()
}

#[test]
fn invalid_curve_epk_is_rejected() {
    // (1, 0) is not on P-256, but it is a point of order 2 on the curve y² = x³ - 3x + b' with
    // b' = 2: Weierstrass arithmetic never looks at b, so a recipient that skips the on-curve
    // check computes d·(1, 0) = (1, 0) for its odd d — Z = 1 — and leaks d mod 2. Smaller
    // subgroups on other invalid curves leak the rest of d (Biehl–Meyer–Müller).
    let mut z = [0u8; 32];
    z[31] = 1;
    let epk = json!({"kty": "EC", "crv": "P-256",
        "x": b64::encode(z), "y": b64::encode([0u8; 32])});
    let token = ecdh_token_with_known_z(epk, &z, b"d is odd");
    // The token really is an oracle against textbook arithmetic.
    assert_eq!(naive_decrypt(&token, &z), b"d is odd");

    let err = CompactJwe::parse(&token, &JweOptions::default()).unwrap_err();
    // The header names the member; the key parser's verdict is the source.
    let Error::InvalidHeader {
        problem: HeaderProblem::InvalidEpk,
        source: Some(inner),
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(
        matches!(
            **inner,
            Error::InvalidKey {
                problem: KeyProblem::NotOnCurve {
                    crv: Curve::Ec(EcCurve::P256)
                },
                ..
            }
        ),
        "{inner:?}"
    );
    // The same error is what `source()` hands to a reporter.
    let source = std::error::Error::source(&err).unwrap();
    assert!(std::ptr::addr_eq(source, &**inner));
    assert!(source.downcast_ref::<Error>().is_some());
}

#[test]
fn epk_on_another_curve_is_rejected() {
    // A valid P-384 point sent to a P-256 key.
    let v = load(
        "rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
    );
    let mut epk = v["encrypting_key"]["epk"].clone();
    epk.as_object_mut().unwrap().remove("d");
    let token = ecdh_token_with_known_z(epk, &[0u8; 48], b"x");
    let jwe = CompactJwe::parse(&token, &JweOptions::default()).unwrap();
    let key = DecryptionKey::from_jwk(&p256_key(), Alg::EcdhEs).unwrap();
    let err = jwe.decrypt(&key).unwrap_err();
    let off_curve = |e: &Error| {
        matches!(
            e,
            Error::InvalidHeader {
                problem: HeaderProblem::EpkNotOnCurve,
                source: None,
            }
        )
    };
    assert!(off_curve(&err), "{err}");

    // An X25519 epk sent to a P-256 key, and a P-256 epk to an X25519 key.
    let x = json!({"kty": "OKP", "crv": "X25519", "x": b64::encode([9u8; 32])});
    let token = ecdh_token_with_known_z(x, &[0u8; 32], b"x");
    let err = CompactJwe::parse(&token, &JweOptions::default())
        .unwrap()
        .decrypt(&key)
        .unwrap_err();
    assert!(off_curve(&err), "{err}");
}

#[test]
fn all_zero_x25519_shared_secret_is_rejected() {
    // u = 0 (and every other small-order point) makes X25519 output all zeros whatever the
    // private key: the attacker knows Z, so a naive recipient decrypts attacker-chosen content
    // as if it came from an honest ECDH exchange.
    let z = [0u8; 32];
    let bob = DecryptionKey::from_jwk(&x25519_key(), Alg::EcdhEs).unwrap();
    for u in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let epk = json!({"kty": "OKP", "crv": "X25519", "x": b64::encode(u)});
        let token = ecdh_token_with_known_z(epk, &z, b"forged");
        assert_eq!(naive_decrypt(&token, &z), b"forged");
        let jwe = CompactJwe::parse(&token, &JweOptions::default()).unwrap();
        let err = jwe.decrypt(&bob).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidHeader {
                    problem: HeaderProblem::EpkSmallOrder,
                    ..
                }
            ),
            "{err}"
        );
    }
    // Encrypting to a small-order X25519 public key is refused too.
    let weak = Jwk::from_json(
        json!({"kty": "OKP", "crv": "X25519", "x": b64::encode([0u8; 32])})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let ek = EncryptionKey::from_jwk(&weak, Alg::EcdhEs).unwrap();
    assert!(matches!(
        jwe::encrypt_compact(&JweHeader::new(Alg::EcdhEs, Enc::A128Gcm), b"x", &ek),
        Err(Error::InvalidKey {
            problem: KeyProblem::SmallOrder {
                crv: Curve::Okp(OkpCurve::X25519)
            },
            ..
        })
    ));
}

#[test]
fn oversized_p2c_is_rejected_before_any_work() {
    // A genuine token, one iteration count over the default cap: a naive implementation
    // decrypts it; tessera refuses it at parse time.
    let pw = b"password";
    let ek = EncryptionKey::from_password(pw, Alg::Pbes2Hs256A128KW)
        .unwrap()
        .with_p2c(10_001)
        .unwrap();
    let token = jwe::encrypt_compact(
        &JweHeader::new(Alg::Pbes2Hs256A128KW, Enc::A128Gcm),
        b"x",
        &ek,
    )
    .unwrap();
    let opts = JweOptions::default().with_pbes2(10_000);
    let err = CompactJwe::parse(&token, &opts).unwrap_err();
    assert!(
        matches!(err, Error::Core(tessera::core::Error::TooLarge { .. })),
        "{err}"
    );
    // With a higher cap, it decrypts: the token itself is fine.
    let dk = DecryptionKey::from_password(pw, Alg::Pbes2Hs256A128KW).unwrap();
    let ok = CompactJwe::parse(&token, &JweOptions::default().with_pbes2(20_000)).unwrap();
    assert_eq!(ok.decrypt(&dk).unwrap(), b"x");

    // p2c = 2^32 - 1 would cost a naive recipient hours of HMAC; tessera refuses it at parse
    // time, which takes no key: no PBKDF2 iteration can run. The typed error carries the
    // iteration count seen and the cap, so it is this check (not a later one) that refused it.
    let parts: Vec<&str> = token.split('.').collect();
    let mut header: Value = serde_json::from_slice(&b64::decode(parts[0]).unwrap()).unwrap();
    header["p2c"] = Value::from(u32::MAX);
    let forged = format!(
        "{}.{}.{}.{}.{}",
        b64::encode(header.to_string()),
        parts[1],
        parts[2],
        parts[3],
        parts[4]
    );
    let err = CompactJwe::parse(&forged, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Core(tessera::core::Error::TooLarge {
                what: "PBES2 iteration count (p2c)",
                limit: 10_000,
                actual,
            }) if actual == u32::MAX as usize
        ),
        "{err}"
    );
    // And PBES2 as a whole is off unless enabled.
    assert!(matches!(
        CompactJwe::parse(&token, &JweOptions::default()),
        Err(Error::Disabled { .. })
    ));
}

#[test]
fn decompression_bomb_is_capped() {
    // 8 MiB of zeros deflate to a few KiB: the token fits the 16 KiB token cap, and a naive
    // recipient would allocate all 8 MiB (or 8 GiB, with a bigger bomb).
    let secret = [5u8; 16];
    let ek = EncryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    let dk = DecryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    let bomb = vec![0u8; 8 << 20];
    let token = jwe::encrypt_compact(
        &JweHeader::new(Alg::A128KW, Enc::A128Gcm).with_deflate(),
        &bomb,
        &ek,
    )
    .unwrap();
    assert!(token.len() < 16 * 1024, "{}", token.len());
    let opts = JweOptions::default().with_zip(256 * 1024);
    let err = CompactJwe::parse(&token, &opts)
        .unwrap()
        .decrypt(&dk)
        .unwrap_err();
    assert!(
        matches!(err, Error::Core(tessera::core::Error::TooLarge { limit, .. }) if limit == 256 * 1024),
        "{err}"
    );
    // Under the cap, the same mechanism works.
    let fine = jwe::encrypt_compact(
        &JweHeader::new(Alg::A128KW, Enc::A128Gcm).with_deflate(),
        &bomb[..256 * 1024],
        &ek,
    )
    .unwrap();
    let out = CompactJwe::parse(&fine, &opts)
        .unwrap()
        .decrypt(&dk)
        .unwrap();
    assert_eq!(out.len(), 256 * 1024);
}

#[test]
fn truncated_tag_is_rejected() {
    // AES-CBC-HMAC tags are a truncated HMAC; an implementation that compares only as many
    // bytes as the token supplies accepts a 1-byte tag with probability 1/256 and an empty one
    // always.
    let secret = [1u8; 32];
    let ek = EncryptionKey::from_secret(&secret, Alg::Dir).unwrap();
    let dk = DecryptionKey::from_secret(&secret, Alg::Dir).unwrap();
    let token =
        jwe::encrypt_compact(&JweHeader::new(Alg::Dir, Enc::A128CbcHs256), b"hi", &ek).unwrap();
    let (rest, tag) = token.rsplit_once('.').unwrap();
    let tag = b64::decode(tag).unwrap();
    for n in [0usize, 1, 8, 15] {
        let truncated = format!("{rest}.{}", b64::encode(&tag[..n]));
        let err = CompactJwe::parse(&truncated, &JweOptions::default()).unwrap_err();
        assert!(matches!(err, Error::InvalidJwe { .. }), "{n}: {err}");
    }
    // A too-long tag too.
    let mut long = tag.clone();
    long.push(0);
    let err = CompactJwe::parse(
        &format!("{rest}.{}", b64::encode(&long)),
        &JweOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidJwe { .. }), "{err}");
    // The intact token decrypts.
    assert_eq!(
        CompactJwe::parse(&token, &JweOptions::default())
            .unwrap()
            .decrypt(&dk)
            .unwrap(),
        b"hi"
    );
}

#[test]
fn rsa_failures_do_not_say_which_step_failed() {
    let v = load("rfc-appendix/rfc7516_appendix_A.json");
    let a1 = Jwk::from_json(v[0]["jwk"].to_string().as_bytes()).unwrap();
    let token = v[0]["compact"].as_str().unwrap();
    let key = DecryptionKey::from_jwk(&a1, Alg::RsaOaep).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut ek = b64::decode(parts[1]).unwrap();
    ek[10] ^= 1; // RSA-OAEP decoding fails
    let bad_key = format!(
        "{}.{}.{}.{}.{}",
        parts[0],
        b64::encode(&ek),
        parts[2],
        parts[3],
        parts[4]
    );
    let mut tag = b64::decode(parts[4]).unwrap();
    tag[0] ^= 1; // content authentication fails
    let bad_tag = format!(
        "{}.{}.{}.{}.{}",
        parts[0],
        parts[1],
        parts[2],
        parts[3],
        b64::encode(&tag)
    );
    for t in [bad_key, bad_tag] {
        let err = CompactJwe::parse(&t, &JweOptions::default())
            .unwrap()
            .decrypt(&key)
            .unwrap_err();
        assert!(matches!(err, Error::DecryptionFailed), "{err}");
    }

    // RSA1_5 (opt-in): bad padding and a CEK of the wrong length look like a bad tag.
    let a2 = Jwk::from_json(v[1]["jwk"].to_string().as_bytes()).unwrap();
    let key = DecryptionKey::from_jwk(&a2, Alg::Rsa1_5).unwrap();
    let token = v[1]["compact"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let opts = JweOptions::default().insecure_with_rsa1_5();
    let mut ek = b64::decode(parts[1]).unwrap();
    ek[0] ^= 0x80;
    let t = format!(
        "{}.{}.{}.{}.{}",
        parts[0],
        b64::encode(&ek),
        parts[2],
        parts[3],
        parts[4]
    );
    let err = CompactJwe::parse(&t, &opts)
        .unwrap()
        .decrypt(&key)
        .unwrap_err();
    assert!(matches!(err, Error::DecryptionFailed), "{err}");
    // The same RSA1_5 key under A256CBC-HS512 (a 64-byte CEK expected, 32 inside): same error.
    let header = b64::encode(r#"{"alg":"RSA1_5","enc":"A256CBC-HS512"}"#);
    let t = format!(
        "{header}.{}.{}.{}.{}",
        parts[1],
        parts[2],
        parts[3],
        b64::encode([0u8; 32])
    );
    let err = CompactJwe::parse(&t, &opts)
        .unwrap()
        .decrypt(&key)
        .unwrap_err();
    assert!(matches!(err, Error::DecryptionFailed), "{err}");
}

#[test]
fn sizes_are_capped_before_parsing() {
    let big = "a".repeat(16 * 1024 + 1);
    let err = CompactJwe::parse(&big, &JweOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::Core(tessera::core::Error::TooLarge { .. })),
        "{err}"
    );
    let err = JweJson::parse(big.as_bytes(), &JweOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::Core(tessera::core::Error::TooLarge { .. })),
        "{err}"
    );

    // An encrypted key longer than any RSA-8192 ciphertext is refused before decoding.
    let header = b64::encode(r#"{"alg":"RSA-OAEP","enc":"A128GCM"}"#);
    let t = format!(
        "{header}.{}.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
        "A".repeat(1400)
    );
    let err = CompactJwe::parse(&t, &JweOptions::default()).unwrap_err();
    assert!(matches!(err, Error::InvalidJwe { .. }), "{err}");

    // Too many recipients.
    let recipients: Vec<Value> = (0..17).map(|_| json!({"encrypted_key": "AAAA"})).collect();
    let doc = json!({"protected": b64::encode(r#"{"enc":"A128GCM"}"#), "recipients": recipients,
        "iv": "AAAAAAAAAAAAAAAA", "ciphertext": "", "tag": "AAAAAAAAAAAAAAAAAAAAAA"});
    let err = JweJson::parse(doc.to_string().as_bytes(), &JweOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::Core(tessera::core::Error::TooLarge { .. })),
        "{err}"
    );
}

#[test]
fn malformed_inputs_are_typed_errors() {
    let secret = [1u8; 16];
    let ek = EncryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    let good = jwe::encrypt_compact(&JweHeader::new(Alg::A128KW, Enc::A128Gcm), b"x", &ek).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let with_header = |h: &str| format!("{}.{}", b64::encode(h), parts[1..].join("."));
    let o = JweOptions::default();
    type Check = fn(&Error) -> bool;
    let cases: Vec<(String, Check)> = vec![
        ("a.b.c".into(), |e| {
            matches!(
                e,
                Error::MalformedCompact {
                    expected: 5,
                    found: 3
                }
            )
        }),
        (format!("{good}."), |e| {
            matches!(e, Error::MalformedCompact { found: 6, .. })
        }),
        (good.replacen('.', "=.", 1), |e| matches!(e, Error::Core(_))),
        (
            with_header(r#"{"alg":"A128KW","alg":"dir","enc":"A128GCM"}"#),
            |e| matches!(e, Error::Core(tessera::core::Error::DuplicateMember { .. })),
        ),
        (with_header(r#"{"alg":"none","enc":"A128GCM"}"#), |e| {
            matches!(e, Error::UnsupportedAlgorithm { .. })
        }),
        (
            with_header(r#"{"alg":"A128KW","enc":"A128GCM-ish"}"#),
            |e| matches!(e, Error::UnsupportedAlgorithm { .. }),
        ),
        (with_header(r#"{"alg":"A128KW"}"#), |e| {
            matches!(e, Error::InvalidHeader { .. })
        }),
        (
            with_header(r#"{"alg":"A128KW","enc":"A128GCM","zip":"GZIP"}"#),
            |e| matches!(e, Error::UnsupportedAlgorithm { .. }),
        ),
        (
            with_header(r#"{"alg":"A128KW","enc":"A128GCM","crit":["exp"],"exp":1}"#),
            |e| matches!(e, Error::Crit { .. }),
        ),
        (
            with_header(r#"{"alg":"A128KW","enc":"A128GCM","crit":["enc"]}"#),
            |e| matches!(e, Error::Crit { .. }),
        ),
        (
            with_header(r#"{"alg":"A128KW","enc":"A128GCM","kid":7}"#),
            |e| matches!(e, Error::InvalidHeader { .. }),
        ),
        (with_header(r#"{"alg":"dir","enc":"A128GCM"}"#), |e| {
            matches!(e, Error::InvalidJwe { .. })
        }),
        (with_header(r#"{"alg":"A128GCMKW","enc":"A128GCM"}"#), |e| {
            matches!(e, Error::InvalidJwe { .. } | Error::InvalidHeader { .. })
        }),
        (
            with_header(r#"{"alg":"ECDH-ES+A128KW","enc":"A128GCM"}"#),
            |e| matches!(e, Error::InvalidHeader { .. }),
        ),
        (
            with_header(r#"{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":1000,"p2s":"AAAA"}"#),
            |e| matches!(e, Error::Disabled { .. }),
        ),
    ];
    for (token, check) in cases {
        let err = CompactJwe::parse(&token, &o).unwrap_err();
        assert!(check(&err), "{token}: {err:?}");
    }
    // An understood critical extension is accepted.
    let o2 = JweOptions::default().with_crit("exp");
    let mut h = JweHeader::new(Alg::A128KW, Enc::A128Gcm);
    h.crit = Some(vec!["exp".into()]);
    h.other.insert("exp".into(), 1.into());
    let t = jwe::encrypt_compact(&h, b"x", &ek).unwrap();
    let dk = DecryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    assert_eq!(
        CompactJwe::parse(&t, &o2).unwrap().decrypt(&dk).unwrap(),
        b"x"
    );

    // JSON: crit outside the protected header, zip outside it, overlapping headers.
    let json = JweJson::parse(
        tessera::jose::jwe::JweJsonBuilder::new(Enc::A128Gcm)
            .recipient(&ek)
            .encrypt(b"x")
            .unwrap()
            .to_flattened_json()
            .unwrap()
            .as_bytes(),
        &o,
    )
    .unwrap()
    .to_flattened_json()
    .unwrap();
    for (member, value) in [
        ("unprotected", json!({"crit": ["exp"], "exp": 1})),
        ("unprotected", json!({"zip": "DEF"})),
        ("unprotected", json!({"alg": "A128KW"})),
        ("header", json!({"enc": "A128GCM"})),
    ] {
        let mut v: Value = serde_json::from_str(&json).unwrap();
        v[member] = value.clone();
        let res = JweJson::parse(v.to_string().as_bytes(), &o2.clone().with_zip(1024))
            .and_then(|j| j.decrypt(&dk));
        assert!(
            matches!(res, Err(Error::Crit { .. } | Error::InvalidHeader { .. })),
            "{member} {value}: {res:?}"
        );
    }
    // Encrypting with a header whose alg is not the key's.
    assert!(matches!(
        jwe::encrypt_compact(&JweHeader::new(Alg::A256KW, Enc::A128Gcm), b"x", &ek),
        Err(Error::KeyMismatch { .. })
    ));
}

#[test]
fn keys_are_bound_to_their_algorithm() {
    let p256 = p256_key();
    // An EC key cannot become an AES key or an RSA key, a signing-only key cannot decrypt,
    // and a key whose JWK names another alg is refused.
    assert!(DecryptionKey::from_jwk(&p256, Alg::A128KW).is_err());
    assert!(DecryptionKey::from_jwk(&p256, Alg::RsaOaep256).is_err());
    let mut sig = p256.clone();
    sig.key_use = Some(tessera::jose::jwk::KeyUse::Signature);
    assert!(matches!(
        DecryptionKey::from_jwk(&sig, Alg::EcdhEs),
        Err(Error::KeyMismatch { .. })
    ));
    let named = p256.clone().with_alg("ECDH-ES+A128KW");
    assert!(matches!(
        DecryptionKey::from_jwk(&named, Alg::EcdhEs),
        Err(Error::KeyMismatch { .. })
    ));
    assert!(DecryptionKey::from_jwk(&named, Alg::EcdhEsA128KW).is_ok());
    // A public key cannot decrypt.
    assert!(matches!(
        DecryptionKey::from_jwk(&p256.to_public().unwrap(), Alg::EcdhEs),
        Err(Error::MissingPrivateKey)
    ));
    // Key-wrap keys have exactly the right length.
    assert!(EncryptionKey::from_secret(&[0u8; 24], Alg::A128KW).is_err());
    assert!(EncryptionKey::from_secret(&[0u8; 16], Alg::A128GCMKW).is_ok());
    // A token for ECDH-ES+A128KW is refused by an ECDH-ES key before any cryptography.
    let ek = EncryptionKey::from_jwk(&p256.to_public().unwrap(), Alg::EcdhEsA128KW).unwrap();
    let t =
        jwe::encrypt_compact(&JweHeader::new(Alg::EcdhEsA128KW, Enc::A128Gcm), b"x", &ek).unwrap();
    let dk = DecryptionKey::from_jwk(&p256, Alg::EcdhEs).unwrap();
    assert!(matches!(
        CompactJwe::parse(&t, &JweOptions::default())
            .unwrap()
            .decrypt(&dk),
        Err(Error::AlgorithmNotAllowed { .. })
    ));
    // The key policy applies: the default (RSA of 2048 bits or more) accepts RFC 7516 A.1.s key.
    let v = load("rfc-appendix/rfc7516_appendix_A.json");
    let rsa = Jwk::from_json(v[0]["jwk"].to_string().as_bytes()).unwrap();
    let strict = tessera::jose::KeyPolicy::new();
    assert!(DecryptionKey::from_jwk_with_policy(&rsa, Alg::RsaOaep256, &strict).is_ok());
}
