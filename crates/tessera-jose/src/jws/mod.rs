//! JSON Web Signature (RFC 7515), with unencoded payloads (RFC 7797).
//!
//! A verifying key is bound to one algorithm, so the key is the algorithm allow-list: a token
//! whose `alg` differs from the key's is refused before any cryptography runs.
//!
//! - [`CompactJws`] / [`sign_compact`]: the compact serialization, attached, detached or
//!   unencoded (`b64: false`).
//! - [`JsonJws`] / [`JwsJsonSigner`]: the general and flattened JSON serializations, with
//!   several signatures, per-signature protected and unprotected headers, detached and
//!   unencoded payloads.
//! - [`VerifierSet`]: keys prepared once from a JWK Set for an algorithm allow-list; picks the
//!   key by `kid` and `alg` (O(1)), or tries each fitting key when the token has no `kid`.
//!
//! ```
//! use tessera_jose::jws::{self, CompactJws, JwsHeader, JwsOptions};
//! use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
//!
//! let jwk = Jwk::from_json(br#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#).unwrap();
//! let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::HS256).unwrap();
//!
//! let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"hello", &signer).unwrap();
//! let parsed = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
//! let payload = parsed.verify(signer.verifying_key()).unwrap();
//! assert_eq!(payload, b"hello");
//! ```

mod compact;
mod header;
mod json;
mod verifier_set;

pub use compact::{
    CompactJws, sign_compact, sign_compact_detached, sign_compact_detached_with_rng,
    sign_compact_with_rng,
};
pub use header::JwsHeader;
pub use json::{JsonJws, JsonSignature, JwsJsonSigner};
pub use verifier_set::VerifierSet;

use tessera_core::limits::DEFAULT_MAX_TOKEN_BYTES;

/// Parsing options for JWS: size cap and the `crit` extensions the application understands.
///
/// ```
/// use tessera_jose::jws::JwsOptions;
///
/// let options = JwsOptions::default().with_max_len(8 * 1024).with_crit("exp");
/// assert_eq!((options.max_len, options.crit.len()), (8192, 1));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwsOptions {
    /// The largest token accepted, in bytes (default 16 KiB). Checked before any parsing.
    pub max_len: usize,
    /// `crit` extensions the application understands and enforces itself. `b64` is understood
    /// by tessera and need not be listed.
    pub crit: Vec<String>,
}

impl Default for JwsOptions {
    fn default() -> Self {
        JwsOptions {
            max_len: DEFAULT_MAX_TOKEN_BYTES,
            crit: Vec::new(),
        }
    }
}

impl JwsOptions {
    /// The largest token accepted, in bytes.
    pub fn with_max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// One more `crit` extension the application understands and enforces itself.
    pub fn with_crit(mut self, name: impl Into<String>) -> Self {
        self.crit.push(name.into());
        self
    }
}
