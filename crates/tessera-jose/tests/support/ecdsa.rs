//! Helpers shared by `tests/ecdsa_verify.rs` and the `ecdsa_verify` fuzz target: tessera's
//! verdict on a signature, and a public JWK from an uncompressed SEC1 point.

use tessera_core::b64;
use tessera_jose::{Error, Jwk, VerifyingKey};

/// The outcome of a verification, with the error kind tessera reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Valid,
    /// `r` or `s` out of `[1, n-1]` or the wrong length: `Error::MalformedSignature`.
    Malformed,
    /// Well-formed but wrong: `Error::InvalidSignature`.
    Invalid,
}

/// tessera's verdict; any other error is a bug.
pub(crate) fn ours(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> Verdict {
    match key.verify(msg, sig) {
        Ok(()) => Verdict::Valid,
        Err(Error::MalformedSignature) => Verdict::Malformed,
        Err(Error::InvalidSignature) => Verdict::Invalid,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// The public JWK of an uncompressed SEC1 point on `crv`.
pub(crate) fn jwk(crv: &str, sec1: &[u8]) -> Jwk {
    assert_eq!(sec1.first(), Some(&4), "uncompressed SEC1 point");
    let coords = &sec1[1..];
    let (x, y) = coords.split_at(coords.len() / 2);
    let json = format!(
        r#"{{"kty":"EC","crv":"{crv}","x":"{}","y":"{}"}}"#,
        b64::encode(x),
        b64::encode(y)
    );
    Jwk::from_json(json.as_bytes()).expect("a valid public point")
}
