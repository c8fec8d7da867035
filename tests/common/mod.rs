//! Helpers shared by the root integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::Value;

/// The path of a file under `tests/vectors/`.
pub fn vector_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(rel)
}

/// A JSON vector file under `tests/vectors/`.
pub fn vector(rel: &str) -> Value {
    let text = std::fs::read_to_string(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The raw bytes of a file under `tests/vectors/`.
pub fn vector_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text of a file under `tests/vectors/`.
pub fn vector_text(rel: &str) -> String {
    std::fs::read_to_string(vector_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A JWK from a JSON value.
pub fn jwk(v: &Value) -> tessera::jose::Jwk {
    tessera::jose::Jwk::from_json(v.to_string().as_bytes()).unwrap()
}

/// The string at a JSON pointer.
pub fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}"))
}
