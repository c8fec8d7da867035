//! Size caps applied before any parsing or cryptographic work.

use crate::Error;

/// Default cap on a compact token (JWS or JWE) in bytes: 16 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default cap on a JSON document fetched over HTTP (JWK Set, discovery, token response): 512 KiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// Default cap on a decompressed (`zip: DEF`) JWE plaintext: 256 KiB.
pub const DEFAULT_MAX_INFLATED_BYTES: usize = 256 * 1024;
/// Default cap on the number of keys taken from one JWK Set.
pub const DEFAULT_MAX_KEYS: usize = 256;

/// Returns [`Error::TooLarge`] when `actual > limit`.
pub fn check(what: &'static str, actual: usize, limit: usize) -> Result<(), Error> {
    if actual > limit {
        Err(Error::TooLarge {
            what,
            limit,
            actual,
        })
    } else {
        Ok(())
    }
}
