//! JWS interop with an independent implementation, panva's `jose` (npm) on Node's WebCrypto.
//! See `tests/interop/node/jose-jws/README.md`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{interop_private_key as private, s, vector};
use serde_json::{Value, json};
use tessera::core::b64;
use tessera::jose::alg::KeyFamily;
use tessera::jose::jws::{self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions};
use tessera::jose::{JwsAlgorithm, SigningKey, VerifyingKey};

fn signer(alg: JwsAlgorithm, label: &str) -> SigningKey {
    SigningKey::from_jwk(&private(label), alg).unwrap()
}

fn verifier(alg: JwsAlgorithm, label: &str) -> VerifyingKey {
    let k = private(label);
    VerifyingKey::from_jwk(&k.to_public().unwrap_or(k), alg).unwrap()
}

fn tokens() -> Value {
    vector("interop/jose-node-jws-tokens.json")
}

fn json_verify(doc: &Value, key: &VerifyingKey) -> Vec<u8> {
    JsonJws::parse(&doc.to_string(), &JwsOptions::default())
        .unwrap()
        .verify(key)
        .unwrap()
}

fn deterministic(alg: JwsAlgorithm) -> bool {
    !matches!(
        alg,
        JwsAlgorithm::PS256
            | JwsAlgorithm::PS384
            | JwsAlgorithm::PS512
            | JwsAlgorithm::ES256
            | JwsAlgorithm::ES384
            | JwsAlgorithm::ES512
    )
}

// Every algorithm but ML-DSA: the jose tokens were made on Node.js 20, whose WebCrypto has no
// ML-DSA (ML-DSA interop is in mldsa.rs, the jwt-simple peer tests and the jwcrypto CLI tests).
#[test]
fn jose_tokens_verify_with_tessera() {
    let v = tokens();
    let payload = s(&v, "/payload_utf8").as_bytes();
    let list = v["tokens"].as_array().unwrap();
    assert_eq!(
        list.len(),
        JwsAlgorithm::ALL
            .iter()
            .filter(|a| !matches!(a.key_family(), KeyFamily::Akp(_)))
            .count(),
        "every algorithm is covered"
    );
    let opts = JwsOptions::default();
    for t in list {
        let alg: JwsAlgorithm = s(t, "/alg").parse().unwrap();
        let label = s(t, "/key");
        let vk = verifier(alg, label);
        // Compact, with kid and typ in the protected header.
        let compact = CompactJws::parse(s(t, "/compact"), &opts).unwrap();
        assert_eq!(compact.header().typ.as_deref(), Some("example+jws"));
        assert_eq!(compact.header().kid.as_deref(), Some(label));
        assert_eq!(compact.verify(&vk).unwrap(), payload, "{alg} compact");
        // Flattened with an unprotected kid; unencoded payload.
        assert_eq!(
            json_verify(&t["flattened"], &vk),
            payload,
            "{alg} flattened"
        );
        // jose writes a b64:false flattened JWS with an empty "payload" (the payload travels
        // separately): with the empty payload it must not verify; with the payload put back (as
        // RFC 7797 §5.2 writes it) or treated as detached, it does.
        let mut unencoded = t["unencoded"].clone();
        assert_eq!(unencoded["payload"], "");
        assert!(
            JsonJws::parse(&unencoded.to_string(), &opts)
                .unwrap()
                .verify(&vk)
                .is_err()
        );
        unencoded["payload"] = Value::String(s(&v, "/payload_utf8").to_owned());
        assert_eq!(json_verify(&unencoded, &vk), payload, "{alg} b64:false");
        unencoded.as_object_mut().unwrap().remove("payload");
        JsonJws::parse(&unencoded.to_string(), &opts)
            .unwrap()
            .verify_detached(&vk, payload)
            .unwrap();
        // Detached forms.
        CompactJws::parse(s(t, "/compact_detached"), &opts)
            .unwrap()
            .verify_detached(&vk, payload)
            .unwrap();
        JsonJws::parse(&t["flattened_detached"].to_string(), &opts)
            .unwrap()
            .verify_detached(&vk, payload)
            .unwrap();
        CompactJws::parse(s(t, "/unencoded_compact_detached"), &opts)
            .unwrap()
            .verify_detached(&vk, payload)
            .unwrap();
        // Deterministic algorithms: tessera's signature over jose's signing input is jose's.
        if deterministic(alg) {
            let sk = signer(alg, label);
            let token = s(t, "/compact");
            let (input, sig) = token.rsplit_once('.').unwrap();
            assert_eq!(
                b64::encode(sk.sign(input.as_bytes()).unwrap()),
                sig,
                "{alg}"
            );
        }
    }
}

#[test]
fn jose_general_jws_verifies_with_tessera() {
    let v = tokens();
    let payload = s(&v, "/payload_utf8").as_bytes();
    let general = JsonJws::parse(&v["general"].to_string(), &JwsOptions::default()).unwrap();
    assert_eq!(general.signatures().len(), 3);
    for (alg, label) in [
        (JwsAlgorithm::RS256, "RSA"),
        (JwsAlgorithm::ES512, "P-521"),
        (JwsAlgorithm::HS256, "oct32"),
    ] {
        assert_eq!(
            general.verify(&verifier(alg, label)).unwrap(),
            payload,
            "{alg}"
        );
    }
    assert_eq!(
        general.signatures()[2].header().typ.as_deref(),
        Some("example+jws")
    );
}

/// Signs the matrix with tessera and has jose verify it. Needs Node and `npm ci` in
/// `tests/interop/node` (the script is `jose-jws/verify.mjs`).
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn tessera_tokens_verify_with_jose() {
    let payload = "{\"iss\":\"tessera\",\"note\":\"signed by tessera; a.b.c\"}";
    let labels = [
        ("HS256", "oct32"),
        ("HS384", "oct48"),
        ("HS512", "oct64"),
        ("RS256", "RSA"),
        ("RS384", "RSA"),
        ("RS512", "RSA"),
        ("PS256", "RSA"),
        ("PS384", "RSA"),
        ("PS512", "RSA"),
        ("ES256", "P-256"),
        ("ES384", "P-384"),
        ("ES512", "P-521"),
        ("EdDSA", "Ed25519"),
        ("Ed25519", "Ed25519"),
    ];
    let mut list = Vec::new();
    for (alg, label) in labels {
        let alg: JwsAlgorithm = alg.parse().unwrap();
        let sk = signer(alg, label).with_kid(label);
        let mut unencoded = JwsHeader::new(alg);
        unencoded.b64 = Some(false);
        let flattened = JwsJsonSigner::new(payload.as_bytes())
            .signature(&sk, Some(JwsHeader::new(alg)), None)
            .flattened()
            .unwrap();
        let unencoded = JwsJsonSigner::new(payload.as_bytes())
            .signature(&sk, Some(unencoded), None)
            .flattened()
            .unwrap();
        let detached = JwsJsonSigner::new(payload.as_bytes())
            .detached()
            .signature(&sk, Some(JwsHeader::new(alg)), None)
            .flattened()
            .unwrap();
        list.push(json!({
            "alg": alg.as_str(),
            "key": label,
            "compact": jws::sign_compact(&JwsHeader::new(alg), payload.as_bytes(), &sk).unwrap(),
            "flattened": serde_json::from_str::<Value>(&flattened).unwrap(),
            "unencoded": serde_json::from_str::<Value>(&unencoded).unwrap(),
            "flattened_detached": serde_json::from_str::<Value>(&detached).unwrap(),
        }));
    }
    let rs = signer(JwsAlgorithm::RS256, "RSA");
    let es = signer(JwsAlgorithm::ES512, "P-521");
    let hs = signer(JwsAlgorithm::HS256, "oct32");
    let general = JwsJsonSigner::new(payload.as_bytes())
        .signature(&rs, Some(JwsHeader::new(JwsAlgorithm::RS256)), None)
        .signature(&es, Some(JwsHeader::new(JwsAlgorithm::ES512)), None)
        .signature(&hs, None, None)
        .general()
        .unwrap();
    let doc = json!({
        "payload_utf8": payload,
        "tokens": list,
        "general": serde_json::from_str::<Value>(&general).unwrap(),
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/node/jose-jws");
    let file = std::env::temp_dir().join(format!("tessera-jws-{}.json", std::process::id()));
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg("verify.mjs")
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "jose refused tessera's JWS:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("jose verified 59 tessera JWS"), "{stdout}");
}
