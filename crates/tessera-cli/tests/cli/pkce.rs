//! `tessera pkce`

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

#[test]
fn fresh_verifier_and_s256_challenge() {
    let a: Value = serde_json::from_str(&ok(tessera().arg("pkce"))).unwrap();
    let b: Value = serde_json::from_str(&ok(tessera().arg("pkce"))).unwrap();
    let verifier = a["code_verifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 43);
    assert!(
        verifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
    );
    assert_ne!(a["code_verifier"], b["code_verifier"]);
    assert_eq!(a["code_challenge_method"], "S256");
    let challenge = b64d(a["code_challenge"].as_str().unwrap());
    assert_eq!(challenge, Sha256::digest(verifier.as_bytes()).to_vec());

    let long: Value =
        serde_json::from_str(&ok(tessera().args(["pkce", "--length", "128"]))).unwrap();
    assert_eq!(long["code_verifier"].as_str().unwrap().len(), 128);
    for bad in ["42", "129", "-1", "x"] {
        let (code, out, _) = run(tessera().args(["pkce", "--length", bad]));
        assert_eq!((code, out.len()), (2, 0), "--length {bad}");
    }
}
