//! JWE round trips: every key management algorithm (ECDH-ES on every curve) with every content
//! encryption algorithm, in the compact and both JSON serializations; and a flipped bit in any
//! part of the token must make decryption fail.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use serde_json::Value;
use tessera::core::b64;
use tessera::jose::Jwk;
use tessera::jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera::jose::jwe::{
    self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweJson, JweJsonBuilder, JweOptions,
};

fn load(path: &str) -> Value {
    let full = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
}

fn jwk(v: &Value) -> Jwk {
    let mut j = Jwk::from_json(v.to_string().as_bytes()).unwrap();
    j.key_use = None;
    j
}

/// The recipient keys: RSA-2048 (RFC 7516 A.1), P-256 (RFC 7520 5.5), P-384 (RFC 7520 5.4),
/// P-521 (RFC 7520 3.2), X25519 (RFC 8037 A.6 "Bob").
fn private_keys() -> Vec<(&'static str, Jwk)> {
    vec![
        (
            "RSA",
            jwk(&load("rfc-appendix/rfc7516_appendix_A.json")[0]["jwk"]),
        ),
        (
            "P-256",
            jwk(&load(
                "rfc7520-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json",
            )["input"]["key"]),
        ),
        (
            "P-384",
            jwk(&load(
                "rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
            )["input"]["key"]),
        ),
        (
            "P-521",
            jwk(&load("rfc7520-cookbook/jwk/3_2.ec_private_key.json")),
        ),
        (
            "X25519",
            jwk(&load("rfc-appendix/rfc8037_appendix_A6.json")["bob_private"]),
        ),
    ]
}

/// Every (label, encryption key, decryption key) for `enc`.
fn key_pairs(enc: Enc) -> Vec<(String, EncryptionKey, DecryptionKey)> {
    let keys = private_keys();
    let mut out = Vec::new();
    for alg in Alg::ALL.iter().copied() {
        if alg == Alg::Rsa1_5 {
            continue;
        }
        if alg.is_rsa() || alg.is_ecdh() {
            for (label, k) in &keys {
                let fits = if alg.is_rsa() {
                    *label == "RSA"
                } else {
                    *label != "RSA"
                };
                if !fits {
                    continue;
                }
                let e = EncryptionKey::from_jwk(&k.to_public().unwrap(), alg).unwrap();
                let d = DecryptionKey::from_jwk(k, alg).unwrap();
                out.push((format!("{alg} {label}"), e, d));
            }
        } else if alg.is_pbes2() {
            let pw = b"correct horse battery staple";
            let e = EncryptionKey::from_password(pw, alg)
                .unwrap()
                .with_p2c(1000)
                .unwrap();
            let d = DecryptionKey::from_password(pw, alg).unwrap();
            out.push((alg.to_string(), e, d));
        } else {
            let len = if alg == Alg::Dir {
                enc.key_len()
            } else {
                alg.wrap_key_len().unwrap()
            };
            let secret: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(29) ^ 0x5a).collect();
            let e = EncryptionKey::from_secret(&secret, alg).unwrap();
            let d = DecryptionKey::from_secret(&secret, alg).unwrap();
            out.push((alg.to_string(), e, d));
        }
    }
    out
}

fn opts() -> JweOptions {
    JweOptions::default().with_pbes2(10_000).with_zip(1 << 16)
}

const PLAINTEXT: &[u8] = b"The true sign of intelligence is not knowledge but imagination.";

#[test]
fn every_alg_with_every_enc_compact_and_json() {
    let mut count = 0;
    for enc in Enc::ALL.iter().copied() {
        for (label, e, d) in key_pairs(enc) {
            let header = JweHeader::new(e.alg(), enc).with_kid("k1");
            let token = jwe::encrypt_compact(&header, PLAINTEXT, &e).unwrap();
            let parsed = CompactJwe::parse(&token, &opts()).unwrap();
            assert_eq!(parsed.header().enc, enc);
            assert_eq!(
                parsed.decrypt(&d).unwrap(),
                PLAINTEXT,
                "compact {label} {enc}"
            );

            let built = JweJsonBuilder::new(enc)
                .unprotected("x-shared", "u")
                .aad(b"additional data")
                .recipient(&e)
                .encrypt(PLAINTEXT)
                .unwrap();
            for json in [built.to_general_json(), built.to_flattened_json().unwrap()] {
                let out = JweJson::parse(json.as_bytes(), &opts())
                    .unwrap()
                    .decrypt(&d)
                    .unwrap();
                assert_eq!(out.plaintext, PLAINTEXT, "JSON {label} {enc}");
                assert_eq!(out.aad.as_deref(), Some(&b"additional data"[..]));
                assert_eq!(out.header.other["x-shared"], Value::from("u"));
            }
            count += 1;
        }
    }
    // 4 RSA-OAEP + 3 KW + dir + 4 ECDH-ES x 4 curves + 3 GCMKW + 3 PBES2, times 6 encs.
    assert_eq!(count, 30 * 6);
}

#[test]
fn several_recipients_with_different_algorithms() {
    let enc = Enc::A256CbcHs512;
    let pairs: Vec<_> = key_pairs(enc)
        .into_iter()
        .filter(|(_, e, _)| !e.alg().is_direct())
        .collect();
    let mut b = JweJsonBuilder::new(enc).protected("cty", "text/plain");
    for (_, e, _) in &pairs {
        b = b.recipient(e);
    }
    let built = b.encrypt(PLAINTEXT).unwrap();
    assert!(built.to_flattened_json().is_err());
    assert!(built.to_compact().is_err());
    let json = built.to_general_json();
    let mut o = opts();
    o.max_len = 1 << 20;
    o.max_recipients = 64;
    let parsed = JweJson::parse(json.as_bytes(), &o).unwrap();
    assert_eq!(parsed.recipient_count(), pairs.len());
    for (i, (label, _, d)) in pairs.iter().enumerate() {
        let out = parsed.decrypt(d).unwrap();
        assert_eq!(out.plaintext, PLAINTEXT, "{label}");
        // Keys of one algorithm on other curves are tried in turn (their epk is on another curve);
        // the right recipient wins.
        assert_eq!(out.recipient, i, "{label}");
    }
    // dir and ECDH-ES agree the CEK with one recipient only.
    let (_, e1, _) = key_pairs(enc)
        .into_iter()
        .find(|(_, e, _)| e.alg() == Alg::Dir)
        .unwrap();
    let (_, e2, _) = &pairs[0];
    assert!(
        JweJsonBuilder::new(enc)
            .recipient(&e1)
            .recipient(e2)
            .encrypt(b"x")
            .is_err()
    );
}

#[test]
fn deflate_round_trip() {
    let secret = [3u8; 16];
    let e = EncryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    let d = DecryptionKey::from_secret(&secret, Alg::A128KW).unwrap();
    let text = "compressible ".repeat(200);
    let header = JweHeader::new(Alg::A128KW, Enc::A128Gcm).with_deflate();
    let token = jwe::encrypt_compact(&header, text.as_bytes(), &e).unwrap();
    assert!(token.len() < text.len() / 2, "the plaintext was compressed");
    let out = CompactJwe::parse(&token, &opts())
        .unwrap()
        .decrypt(&d)
        .unwrap();
    assert_eq!(out, text.as_bytes());
    // Refused without the opt-in.
    assert!(matches!(
        CompactJwe::parse(&token, &JweOptions::default()),
        Err(tessera::jose::Error::Disabled {
            feature: tessera::jose::error::DisabledFeature::Zip
        })
    ));
}

fn flip(token: &str, part: usize, byte: usize, bit: u8) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut raw = b64::decode(&parts[part]).unwrap();
    raw[byte] ^= 1 << bit;
    parts[part] = b64::encode(&raw);
    parts.join(".")
}

/// Flips bits at the start, middle and end of every non-empty part and checks that each
/// altered token is refused (by the parser or by decryption), never decrypted.
fn assert_tamper_evident(token: &str, d: &DecryptionKey, label: &str) {
    let lens: Vec<usize> = token
        .split('.')
        .map(|p| b64::decode(p).unwrap().len())
        .collect();
    for (part, &len) in lens.iter().enumerate() {
        if len == 0 {
            continue; // dir and ECDH-ES have no encrypted key
        }
        for byte in [0, len / 2, len - 1] {
            for bit in [0u8, 3, 7] {
                let bad = flip(token, part, byte, bit);
                let res = CompactJwe::parse(&bad, &opts()).and_then(|j| j.decrypt(d));
                assert!(
                    res.is_err(),
                    "{label}: flipping bit {bit} of byte {byte} of part {part} went unnoticed"
                );
            }
        }
    }
}

#[test]
fn a_flipped_bit_anywhere_fails_symmetric_algorithms_every_enc() {
    for enc in Enc::ALL.iter().copied() {
        for (label, e, d) in key_pairs(enc) {
            if e.alg().is_rsa() || e.alg().is_ecdh() || e.alg().is_pbes2() {
                continue;
            }
            let token = jwe::encrypt_compact(&JweHeader::new(e.alg(), enc), PLAINTEXT, &e).unwrap();
            assert_tamper_evident(&token, &d, &format!("{label} {enc}"));
        }
    }
}

#[test]
fn a_flipped_bit_anywhere_fails_asymmetric_and_pbes2() {
    for (enc, only) in [(Enc::A128CbcHs256, None), (Enc::A256Gcm, Some("P-256"))] {
        for (label, e, d) in key_pairs(enc) {
            let alg = e.alg();
            if !(alg.is_rsa() || alg.is_ecdh() || alg.is_pbes2()) {
                continue;
            }
            if let Some(curve) = only
                && alg.is_ecdh()
                && !label.ends_with(curve)
            {
                continue;
            }
            let token = jwe::encrypt_compact(&JweHeader::new(alg, enc), PLAINTEXT, &e).unwrap();
            assert_tamper_evident(&token, &d, &format!("{label} {enc}"));
        }
    }
}

#[test]
fn json_tampering_with_aad_or_unprotected_headers() {
    let secret = [9u8; 32];
    let e = EncryptionKey::from_secret(&secret, Alg::A256KW).unwrap();
    let d = DecryptionKey::from_secret(&secret, Alg::A256KW).unwrap();
    let json = JweJsonBuilder::new(Enc::A256Gcm)
        .protected("cty", "text/plain")
        .aad(b"bound to this")
        .recipient(&e)
        .encrypt(PLAINTEXT)
        .unwrap()
        .to_flattened_json()
        .unwrap();
    let mut v: Value = serde_json::from_str(&json).unwrap();
    v["aad"] = Value::from(b64::encode(b"bound to that"));
    let res = JweJson::parse(v.to_string().as_bytes(), &opts())
        .unwrap()
        .decrypt(&d);
    assert!(matches!(res, Err(tessera::jose::Error::DecryptionFailed)));

    // Removing the AAD also fails.
    let mut v: Value = serde_json::from_str(&json).unwrap();
    v.as_object_mut().unwrap().remove("aad");
    let res = JweJson::parse(v.to_string().as_bytes(), &opts())
        .unwrap()
        .decrypt(&d);
    assert!(matches!(res, Err(tessera::jose::Error::DecryptionFailed)));
}

#[test]
fn wrong_key_and_wrong_algorithm() {
    let e = EncryptionKey::from_secret(&[1u8; 16], Alg::A128KW).unwrap();
    let token = jwe::encrypt_compact(&JweHeader::new(Alg::A128KW, Enc::A128Gcm), b"x", &e).unwrap();
    let parsed = CompactJwe::parse(&token, &opts()).unwrap();
    // Another key of the same algorithm: opaque failure.
    let other = DecryptionKey::from_secret(&[2u8; 16], Alg::A128KW).unwrap();
    assert!(matches!(
        parsed.decrypt(&other),
        Err(tessera::jose::Error::DecryptionFailed)
    ));
    // A key bound to another algorithm is refused before any cryptography.
    let gcmkw = DecryptionKey::from_secret(&[1u8; 16], Alg::A128GCMKW).unwrap();
    assert!(matches!(
        parsed.decrypt(&gcmkw),
        Err(tessera::jose::Error::AlgorithmNotAllowed { .. })
    ));
    // The key's enc allow-list.
    let narrow = DecryptionKey::from_secret(&[1u8; 16], Alg::A128KW)
        .unwrap()
        .with_encs(&[Enc::A256Gcm]);
    assert!(matches!(
        parsed.decrypt(&narrow),
        Err(tessera::jose::Error::AlgorithmNotAllowed { .. })
    ));
    // The options' enc allow-list.
    let mut o = opts();
    o.encs = Some(vec![Enc::A256CbcHs512]);
    assert!(matches!(
        CompactJwe::parse(&token, &o),
        Err(tessera::jose::Error::AlgorithmNotAllowed { .. })
    ));
}

#[test]
fn nested_sign_then_encrypt_authenticates_the_sender() {
    use tessera::jose::jws::{JwsHeader, JwsOptions};
    use tessera::jose::{JwsAlgorithm, SigningKey};
    let keys = private_keys();
    let (_, bob) = keys.iter().find(|(l, _)| *l == "X25519").unwrap();
    let alice_sig = SigningKey::from_jwk(
        &jwk(&load("rfc7520-cookbook/jwk/3_2.ec_private_key.json")),
        JwsAlgorithm::ES512,
    )
    .unwrap();
    let to_bob = EncryptionKey::from_jwk(&bob.to_public().unwrap(), Alg::EcdhEs).unwrap();
    let bob_key = DecryptionKey::from_jwk(bob, Alg::EcdhEs).unwrap();
    let claims = br#"{"iss":"alice","sub":"bob"}"#;
    let token = jwe::sign_then_encrypt(
        claims,
        &JwsHeader::new(JwsAlgorithm::ES512),
        &alice_sig,
        &JweHeader::new(Alg::EcdhEs, Enc::A256Gcm),
        &to_bob,
    )
    .unwrap();
    let nested = jwe::decrypt_then_verify(
        &token,
        &JweOptions::default(),
        &bob_key,
        &JwsOptions::default(),
        alice_sig.verifying_key(),
    )
    .unwrap();
    assert_eq!(nested.payload, claims);
    assert_eq!(nested.jwe_header.cty.as_deref(), Some("JWT"));

    // Mallory can encrypt to Bob too (that is what a public key is for), but cannot sign as
    // Alice: the nested check refuses her token.
    let mallory = SigningKey::from_hmac_secret(&[7u8; 32], JwsAlgorithm::HS256).unwrap();
    let forged_inner =
        tessera::jose::jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), claims, &mallory)
            .unwrap();
    let forged = jwe::encrypt_compact(
        &JweHeader::new(Alg::EcdhEs, Enc::A256Gcm).with_cty("JWT"),
        forged_inner.as_bytes(),
        &to_bob,
    )
    .unwrap();
    assert!(
        jwe::decrypt_then_verify(
            &forged,
            &JweOptions::default(),
            &bob_key,
            &JwsOptions::default(),
            alice_sig.verifying_key(),
        )
        .is_err()
    );
    // A JWE without cty JWT is not taken for a nested token.
    let plain =
        jwe::encrypt_compact(&JweHeader::new(Alg::EcdhEs, Enc::A256Gcm), b"x", &to_bob).unwrap();
    assert!(
        jwe::decrypt_then_verify(
            &plain,
            &JweOptions::default(),
            &bob_key,
            &JwsOptions::default(),
            alice_sig.verifying_key(),
        )
        .is_err()
    );
}

#[test]
fn ecdh_party_info_apu_apv_is_bound_into_the_key() {
    let keys = private_keys();
    let (_, p384) = keys.iter().find(|(l, _)| *l == "P-384").unwrap();
    let e = EncryptionKey::from_jwk(&p384.to_public().unwrap(), Alg::EcdhEs).unwrap();
    let d = DecryptionKey::from_jwk(p384, Alg::EcdhEs).unwrap();
    let mut header = JweHeader::new(Alg::EcdhEs, Enc::A192Gcm);
    header.apu = Some(b"Alice".to_vec());
    header.apv = Some(b"Bob".to_vec());
    let token = jwe::encrypt_compact(&header, PLAINTEXT, &e).unwrap();
    let parsed = CompactJwe::parse(&token, &opts()).unwrap();
    assert_eq!(parsed.header().apu.as_deref(), Some(&b"Alice"[..]));
    assert_eq!(parsed.decrypt(&d).unwrap(), PLAINTEXT);
}

/// A small deterministic generator for the mutation test below.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_tokens_never_panic_and_never_decrypt() {
    let secret = [4u8; 32];
    let e = EncryptionKey::from_secret(&secret, Alg::A256KW).unwrap();
    let d = DecryptionKey::from_secret(&secret, Alg::A256KW).unwrap();
    let token = jwe::encrypt_compact(
        &JweHeader::new(Alg::A256KW, Enc::A256CbcHs512).with_deflate(),
        PLAINTEXT,
        &e,
    )
    .unwrap();
    let json = JweJsonBuilder::new(Enc::A256CbcHs512)
        .aad(b"a")
        .recipient(&e)
        .encrypt(PLAINTEXT)
        .unwrap()
        .to_general_json();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.{}[]\":,=+/ ";
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for original in [token.as_bytes(), json.as_bytes()] {
        for _ in 0..2000 {
            let mut m = original.to_vec();
            for _ in 0..1 + rng.next() % 3 {
                let i = (rng.next() as usize) % m.len();
                match rng.next() % 3 {
                    0 => m[i] = alphabet[(rng.next() as usize) % alphabet.len()],
                    1 => {
                        m.remove(i);
                    }
                    _ => m.truncate(i),
                }
                if m.is_empty() {
                    break;
                }
            }
            if m == original {
                continue;
            }
            let text = String::from_utf8_lossy(&m);
            let c = CompactJwe::parse(&text, &opts()).and_then(|j| j.decrypt(&d));
            let j = JweJson::parse(&m, &opts()).and_then(|j| j.decrypt(&d));
            // A mutation may only "succeed" if it left the meaning intact (e.g. JSON spacing).
            for plaintext in [c.ok(), j.ok().map(|x| x.plaintext)].into_iter().flatten() {
                assert_eq!(plaintext, PLAINTEXT);
            }
        }
    }
}
