//! JWE interop with an independent implementation, panva's `jose` (npm) on Node's WebCrypto.
//! See `tests/interop/node/jose-jwe/README.md`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use serde_json::{Value, json};
use tessera::jose::Jwk;
use tessera::jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera::jose::jwe::{
    self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweJson, JweJsonBuilder, JweOptions,
};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn load(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(path)).unwrap()).unwrap()
}

fn jwk(v: &Value) -> Jwk {
    let mut j = Jwk::from_json(v.to_string().as_bytes()).unwrap();
    j.key_use = None;
    j.kid = None; // the tokens name keys by label, not by the vectors' kids
    j
}

/// The private key for a label of `keys.mjs`.
fn private(label: &str) -> Jwk {
    match label {
        "RSA" => jwk(&load("rfc-appendix/rfc7516_appendix_A.json")[0]["jwk"]),
        "P-256" => jwk(&load(
            "rfc7520-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json",
        )["input"]["key"]),
        "P-384" => jwk(&load(
            "rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
        )["input"]["key"]),
        "P-521" => jwk(&load("rfc7520-cookbook/jwk/3_2.ec_private_key.json")),
        "X25519" => jwk(&load("rfc-appendix/rfc8037_appendix_A6.json")["bob_private"]),
        other => panic!("no key {other}"),
    }
}

fn secret(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 29) as u8) ^ 0x5a).collect()
}

const PASSWORD: &[u8] = b"correct horse battery staple";

fn symmetric_len(alg: Alg, enc: Enc) -> usize {
    if alg == Alg::Dir {
        enc.key_len()
    } else {
        alg.wrap_key_len().unwrap()
    }
}

fn decryption_key(alg: Alg, enc: Enc, label: &str) -> DecryptionKey {
    match label {
        "oct" => DecryptionKey::from_secret(&secret(symmetric_len(alg, enc)), alg).unwrap(),
        "pw" => DecryptionKey::from_password(PASSWORD, alg).unwrap(),
        l => DecryptionKey::from_jwk(&private(l), alg).unwrap(),
    }
}

fn encryption_key(alg: Alg, enc: Enc, label: &str) -> EncryptionKey {
    match label {
        "oct" => EncryptionKey::from_secret(&secret(symmetric_len(alg, enc)), alg).unwrap(),
        "pw" => EncryptionKey::from_password(PASSWORD, alg)
            .unwrap()
            .with_p2c(1000)
            .unwrap(),
        l => EncryptionKey::from_jwk(&private(l).to_public().unwrap(), alg).unwrap(),
    }
}

fn opts() -> JweOptions {
    JweOptions::default().with_pbes2(10_000)
}

#[test]
fn jose_to_tessera_every_alg_and_enc() {
    let v = load("interop/jose-node-tokens.json");
    let want = v["plaintext_utf8"].as_str().unwrap().as_bytes();
    let tokens = v["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 180, "30 alg/key combinations x 6 encs");
    for t in tokens {
        let alg: Alg = t["alg"].as_str().unwrap().parse().unwrap();
        let enc: Enc = t["enc"].as_str().unwrap().parse().unwrap();
        let label = t["key"].as_str().unwrap();
        let key = decryption_key(alg, enc, label);
        let c = CompactJwe::parse(t["compact"].as_str().unwrap(), &opts()).unwrap();
        assert_eq!(
            c.decrypt(&key).unwrap(),
            want,
            "compact {alg} {enc} {label}"
        );
        let f = t["flattened"].to_string();
        let d = JweJson::parse(f.as_bytes(), &opts())
            .unwrap()
            .decrypt(&key)
            .unwrap();
        assert_eq!(d.plaintext, want, "flattened {alg} {enc} {label}");
        assert_eq!(d.aad.as_deref(), Some(&b"aad from jose"[..]));
    }
}

#[test]
fn jose_to_tessera_general_three_recipients() {
    let v = load("interop/jose-node-tokens.json");
    let want = v["plaintext_utf8"].as_str().unwrap().as_bytes();
    let g = v["general"].to_string();
    let parsed = JweJson::parse(g.as_bytes(), &opts()).unwrap();
    assert_eq!(parsed.recipient_count(), 3);
    for (i, (alg, label)) in [
        (Alg::RsaOaep256, "RSA"),
        (Alg::EcdhEsA256KW, "P-521"),
        (Alg::A256GCMKW, "oct"),
    ]
    .into_iter()
    .enumerate()
    {
        let d = parsed
            .decrypt(&decryption_key(alg, Enc::A256Gcm, label))
            .unwrap();
        assert_eq!(d.plaintext, want, "{alg}");
        assert_eq!(d.recipient, i);
        assert_eq!(d.header.cty.as_deref(), Some("text/plain"));
        assert_eq!(d.aad.as_deref(), Some(&b"general aad"[..]));
    }
}

/// Every alg/key combination of `keys.mjs`.
fn combinations() -> Vec<(Alg, &'static str)> {
    let mut out = Vec::new();
    for alg in Alg::ALL.iter().copied() {
        let labels: &[&str] = if alg == Alg::Rsa1_5 {
            &[]
        } else if alg.is_rsa() {
            &["RSA"]
        } else if alg.is_ecdh() {
            &["P-256", "P-384", "P-521", "X25519"]
        } else if alg.is_pbes2() {
            &["pw"]
        } else {
            &["oct"]
        };
        out.extend(labels.iter().map(|l| (alg, *l)));
    }
    out
}

#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn tessera_to_jose() {
    let plaintext = "The true sign of intelligence is not knowledge but imagination.";
    let mut tokens = Vec::new();
    for (alg, label) in combinations() {
        for enc in Enc::ALL.iter().copied() {
            let key = encryption_key(alg, enc, label);
            let compact = jwe::encrypt_compact(
                &JweHeader::new(alg, enc).with_kid(label),
                plaintext.as_bytes(),
                &key,
            )
            .unwrap();
            let flattened = JweJsonBuilder::new(enc)
                .unprotected("x-from", "tessera")
                .aad(b"aad from tessera")
                .recipient(&key)
                .encrypt(plaintext.as_bytes())
                .unwrap()
                .to_flattened_json()
                .unwrap();
            tokens.push(
                json!({"alg": alg.as_str(), "enc": enc.as_str(), "key": label,
                "compact": compact, "flattened": flattened}),
            );
        }
    }
    assert_eq!(tokens.len(), 180);
    let out = std::env::temp_dir().join(format!("tessera-jwe-{}.json", std::process::id()));
    std::fs::write(
        &out,
        json!({"plaintext_utf8": plaintext, "tokens": tokens}).to_string(),
    )
    .unwrap();
    let status = std::process::Command::new("node")
        .arg("verify.mjs")
        .arg(&out)
        .current_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/node/jose-jwe"),
        )
        .status()
        .unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        status.success(),
        "jose could not decrypt every tessera token"
    );
}
