//! Helpers shared by the root integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::Value;

/// The path of a file under `tests/vectors/`.
pub(crate) fn vector_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(rel)
}

/// A JSON vector file under `tests/vectors/`.
pub(crate) fn vector(rel: &str) -> Value {
    let text = std::fs::read_to_string(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The raw bytes of a file under `tests/vectors/`.
pub(crate) fn vector_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text of a file under `tests/vectors/`.
pub(crate) fn vector_text(rel: &str) -> String {
    std::fs::read_to_string(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JWK from a JSON value.
pub(crate) fn jwk(v: &Value) -> tessera::jose::Jwk {
    tessera::jose::Jwk::from_json(v.to_string().as_bytes()).unwrap()
}

/// The string at a JSON pointer.
pub(crate) fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}"))
}

/// The private key for a label of the jose interop `keys.mjs` (`RSA`, `P-256`, `P-384`, `P-521`,
/// `Ed25519`, `oct<N>`), taken from the vectors, without their `use`, `alg` and `kid`.
pub(crate) fn interop_private_key(label: &str) -> tessera::jose::Jwk {
    let v = match label {
        "RSA" => vector("rfc7520-cookbook/jwk/3_4.rsa_private_key.json"),
        "P-256" => vector("rfc-appendix/rfc7515_appendix_A.json")[2]["jwk"].clone(),
        "P-384" => vector(
            "rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json",
        )["input"]["key"]
            .clone(),
        "P-521" => vector("rfc7520-cookbook/jwk/3_2.ec_private_key.json"),
        "Ed25519" => vector("rfc-appendix/rfc8037_appendix_A.json")["A.1_private_key"].clone(),
        oct => {
            let len: usize = oct.strip_prefix("oct").unwrap().parse().unwrap();
            let k: Vec<u8> = (0..len).map(|i| ((i * 29) as u8) ^ 0x5a).collect();
            return tessera::jose::Jwk::from_oct(&k).unwrap();
        }
    };
    let mut k = tessera::jose::Jwk::from_json(v.to_string().as_bytes()).unwrap();
    k.key_use = None;
    k.alg = None;
    k.kid = None;
    k
}
