//! The `aws-lc-rs` crypto provider (crate feature `aws-lc-rs`): RSA signature verification on
//! AWS-LC, with the public key parsed once.
//!
//! A [`VerifyingKey`](crate::VerifyingKey) for RS256/384/512 or PS256/384/512 whose modulus has
//! 2048 to 8192 bits verifies with aws-lc-rs's `ParsedPublicKey::verify_sig`; every other key
//! stays on the `rsa` crate. With both provider features on, RSA goes to aws-lc-rs (its public
//! operation is the faster one; see `benches/RESULTS.md`). As with ring (see `ring_rsa`), the
//! key is first built and checked by the `rsa` crate exactly as without the feature, and the
//! verdicts are the same:
//!
//! - *Key.* What the `rsa` crate accepted (`n` odd, `e` odd with `3 <= e < 2^33`, `e < n`) is
//!   what AWS-LC's public-key check takes (the BoringSSL rules: `e` odd, above 1, at most 33
//!   bits, below `n`); the parameters' range (2048 to 8192 bits) is checked again per call.
//! - *Signature length, PKCS#1 v1.5, PSS.* AWS-LC is BoringSSL's RSA code: exactly `k` bytes, a
//!   value below `n`, the single DER `DigestInfo` encoding with the NULL parameter, and
//!   EMSA-PSS-VERIFY with MGF1 over the same hash and a salt of exactly the hash length (the
//!   parameters' default, `RsaPssSaltLength::Digest`; RFC 7518 §3.5).
//!
//! `tests/rsa_providers.rs` holds it to the `rsa` crate's verdicts over every Wycheproof RSA
//! PKCS#1 and PSS signature vector for SHA-256/384/512 and over random keys, messages and
//! mutations, as it does ring.

use aws_lc_rs::signature::{self as a, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
use rsa::PublicKey as RsaPublicKey;
use rsa::traits::PublicKeyParts;

use crate::Error;
use crate::alg::JwsAlgorithm;

/// An RSA public key verifying one algorithm's signatures on AWS-LC.
#[derive(Clone)]
pub(crate) struct AwsLcRsa {
    key: ParsedPublicKey,
    /// The modulus and exponent, big-endian without leading zeros (to rebuild the key on
    /// another provider for the differential tests).
    n: Box<[u8]>,
    e: Box<[u8]>,
}

impl AwsLcRsa {
    /// aws-lc-rs's verifier of `alg` for `key` (already accepted by the `rsa` crate), or `None`
    /// if the key stays on RustCrypto: outside 2048..=8192 bits, not an RSA algorithm, or (never
    /// seen: the `rsa` crate's checks are the stricter) refused by AWS-LC.
    pub(crate) fn new(key: &RsaPublicKey, alg: JwsAlgorithm) -> Option<Self> {
        let bits = key.n().as_ref().bit_width_vartime();
        if !crate::keys::PROVIDER_RSA_BITS.contains(&bits) {
            return None;
        }
        let params: &'static RsaParameters = match alg {
            JwsAlgorithm::RS256 => &a::RSA_PKCS1_2048_8192_SHA256,
            JwsAlgorithm::RS384 => &a::RSA_PKCS1_2048_8192_SHA384,
            JwsAlgorithm::RS512 => &a::RSA_PKCS1_2048_8192_SHA512,
            JwsAlgorithm::PS256 => &a::RSA_PSS_2048_8192_SHA256,
            JwsAlgorithm::PS384 => &a::RSA_PSS_2048_8192_SHA384,
            JwsAlgorithm::PS512 => &a::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        };
        let (n, e) = (key.n_bytes(), key.e_bytes());
        let key = RsaPublicKeyComponents { n: &*n, e: &*e }
            .to_parsed_public_key(params)
            .ok()?;
        Some(AwsLcRsa { key, n, e })
    }

    /// Verifies `signature` over `signing_input`; any failure is [`Error::InvalidSignature`],
    /// as on the RustCrypto path.
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.key
            .verify_sig(signing_input, signature)
            .map_err(|_| Error::InvalidSignature)
    }

    /// The modulus and exponent, big-endian without leading zeros.
    pub(crate) fn components(&self) -> (&[u8], &[u8]) {
        (&self.n, &self.e)
    }
}
