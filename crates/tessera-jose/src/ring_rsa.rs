//! The `ring` crypto provider (crate feature `ring`): RSA signature verification on ring.
//!
//! A [`VerifyingKey`](crate::VerifyingKey) for RS256/384/512 or PS256/384/512 whose modulus has
//! 2048 to 8192 bits verifies with ring's `RsaPublicKeyComponents::verify`; every other key
//! (below 2048 bits, which only [`KeyPolicy::insecure_min_rsa_bits`](crate::KeyPolicy) lets
//! in) stays on the `rsa` crate. With the `aws-lc-rs` feature also on, these keys go to AWS-LC
//! instead (`aws_lc_rsa`), and ring serves them only in the differential tests. The key is
//! first built and checked by the `rsa` crate exactly as without the feature, so the feature
//! never changes which keys are accepted, and it never changes a verdict either. Why the two implementations agree on every key routed here:
//!
//! - *Key.* The `rsa` crate has accepted it: `n` odd, `e` odd with `3 <= e < 2^33`, `e < n`,
//!   `2048 <= bits(n) <= 8192`. ring takes exactly those (its bounds on `e` are the same, and it
//!   takes moduli of 2048 to 8192 bits, rounding the lower bound up to whole bytes), given
//!   minimal big-endian encodings, which is what we hand it (`n_bytes`, `e_bytes`).
//! - *Signature length.* Both require exactly `k = ceil(bits(n) / 8)` bytes, leading zero bytes
//!   included, and both refuse a value `>= n`. ring also refuses `s = 0`, whose RSAVP1 result
//!   (0) no padding accepts.
//! - *PKCS#1 v1.5.* Both rebuild `00 01 FF.. 00 DigestInfo(H)` for `k` bytes, with the NULL
//!   parameter, and compare all of it: the same single accepted encoding.
//! - *PSS.* Both run EMSA-PSS-VERIFY with MGF1 over the same hash, `emBits = bits(n) - 1` (so a
//!   modulus of `8j + 1` bits needs a zero top byte, and the top `8 emLen - emBits` bits of the
//!   masked DB must be zero), and a salt of exactly the hash length: ring only knows that salt
//!   length, and our RustCrypto verifier is built with it (RFC 7518 §3.5). A signature made with
//!   any other salt length fails on both.
//!
//! `tests/rsa_providers.rs` checks this over every Wycheproof RSA PKCS#1 and PSS signature vector
//! for SHA-256/384/512 and over random keys (odd sizes included), messages and mutations.

use rsa::PublicKey as RsaPublicKey;
use rsa::traits::PublicKeyParts;

use crate::Error;
use crate::alg::JwsAlgorithm;

/// An RSA public key verifying one algorithm's signatures on ring.
#[derive(Clone)]
pub(crate) struct RingRsa {
    params: &'static ring::signature::RsaParameters,
    /// The modulus and exponent, big-endian without leading zeros.
    n: Box<[u8]>,
    e: Box<[u8]>,
}

impl RingRsa {
    /// ring's verifier of `alg` for `key` (already accepted by the `rsa` crate), or `None` if the
    /// key stays on RustCrypto: outside 2048..=8192 bits, or not an RSA algorithm.
    pub(crate) fn new(key: &RsaPublicKey, alg: JwsAlgorithm) -> Option<Self> {
        use ring::signature as r;
        let bits = key.n().as_ref().bit_width_vartime();
        if !crate::keys::PROVIDER_RSA_BITS.contains(&bits) {
            return None;
        }
        let params: &'static r::RsaParameters = match alg {
            JwsAlgorithm::RS256 => &r::RSA_PKCS1_2048_8192_SHA256,
            JwsAlgorithm::RS384 => &r::RSA_PKCS1_2048_8192_SHA384,
            JwsAlgorithm::RS512 => &r::RSA_PKCS1_2048_8192_SHA512,
            JwsAlgorithm::PS256 => &r::RSA_PSS_2048_8192_SHA256,
            JwsAlgorithm::PS384 => &r::RSA_PSS_2048_8192_SHA384,
            JwsAlgorithm::PS512 => &r::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        };
        Some(RingRsa {
            params,
            n: key.n_bytes(),
            e: key.e_bytes(),
        })
    }

    /// Verifies `signature` over `signing_input`; any failure is [`Error::InvalidSignature`],
    /// as on the RustCrypto path.
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
        ring::signature::RsaPublicKeyComponents {
            n: &*self.n,
            e: &*self.e,
        }
        .verify(self.params, signing_input, signature)
        .map_err(|_| Error::InvalidSignature)
    }

    /// The modulus and exponent, big-endian without leading zeros.
    pub(crate) fn components(&self) -> (&[u8], &[u8]) {
        (&self.n, &self.e)
    }
}
