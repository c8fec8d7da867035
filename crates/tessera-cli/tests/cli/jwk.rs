//! `tessera jwk …`

use serde_json::Value;

use crate::common::*;

#[test]
fn rfc7638_3_1_thumbprint() {
    let dir = Dir::new();
    let v = &vector("rfc7638_thumbprint.json")[0];
    let key = dir.json("rsa.json", &v["jwk"]);
    let tp = v["thumbprint"].as_str().unwrap();
    assert_eq!(ok(tessera().args(["jwk", "thumbprint", &key])), tp);
    assert_eq!(
        ok(tessera()
            .args(["jwk", "thumbprint", "--uri", "-"])
            .pipe_stdin(&key)
            .unwrap()),
        format!("urn:ietf:params:oauth:jwk-thumbprint:sha-256:{tp}")
    );
    // Other hashes: the length says which one ran.
    assert_eq!(
        ok(tessera().args(["jwk", "thumbprint", "--hash", "sha-512", &key])).len(),
        86
    );
    // An unknown hash is a usage error from the argument parser.
    let (code, out, _) = run(tessera().args(["jwk", "thumbprint", "--hash", "md5", &key]));
    assert_eq!((code, out.len()), (2, 0));
}

#[test]
fn rfc8037_a_3_thumbprint() {
    let dir = Dir::new();
    let v = vector("rfc8037_appendix_A.json");
    // The private key's thumbprint equals the public key's (private members never count).
    let key = dir.json("ed.json", &v["A.1_private_key"]);
    assert_eq!(
        ok(tessera().args(["jwk", "thumbprint", &key])),
        v["A.3_thumbprint_sha256"].as_str().unwrap()
    );
}

#[test]
fn public_strips_private_members() {
    let dir = Dir::new();
    let v = vector("rfc7517_appendix.json");
    let set = dir.json("set.json", &v["A.2_private_keys"]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &set]))).unwrap();
    assert_eq!(out, v["A.1_public_keys"], "RFC 7517 A.2 made public is A.1");

    let rsa = dir.json("rsa.json", &v["A.2_private_keys"]["keys"][1]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &rsa]))).unwrap();
    assert_eq!(out, v["A.1_public_keys"]["keys"][1]);

    // A symmetric key has no public half; a set of symmetric keys becomes empty.
    let oct = dir.json("oct.json", &v["A.3_symmetric_keys"]["keys"][0]);
    fails(tessera().args(["jwk", "public", &oct]), 2);
    let octs = dir.json("octs.json", &v["A.3_symmetric_keys"]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &octs]))).unwrap();
    assert_eq!(out["keys"].as_array().unwrap().len(), 0);
}

#[test]
fn thumbprint_needs_one_key() {
    let dir = Dir::new();
    let v = vector("rfc7517_appendix.json");
    let set = dir.json("set.json", &v["A.1_public_keys"]);
    let err = fails(tessera().args(["jwk", "thumbprint", &set]), 2);
    assert!(err.contains("exactly one"), "{err}");
    fails(
        tessera().args(["jwk", "thumbprint", "-"]).write_stdin("{"),
        2,
    );
    fails(
        tessera()
            .args(["jwk", "thumbprint", "-"])
            .write_stdin(r#"{"kty":"RSA","n":"AQAB"}"#),
        2,
    );
}
