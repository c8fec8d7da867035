//! Fixed randomness for JWE encryption, for published test vectors only; public only with the
//! `hazmat-fixed-jwe-randomness` feature (without it, nothing outside the crate can build one
//! and encryption always draws its randomness).
#![cfg_attr(
    not(feature = "hazmat-fixed-jwe-randomness"),
    allow(dead_code, unreachable_pub)
)]

/// **Hazard: never use it to protect data.** Fixed values for the random parts of an
/// encryption, to reproduce published test vectors.
///
/// Reusing a CEK and IV destroys the security of AES-GCM (the keystream repeats and the
/// authentication key can be recovered), and a fixed ephemeral key or salt is no better. Public
/// only with the off-by-default cargo feature `hazmat-fixed-jwe-randomness`, for vector tests;
/// for reproducible output with a seeded generator, use
/// [`encrypt_compact_with_rng`](crate::jwe::encrypt_compact_with_rng) instead.
#[derive(Clone, Debug, Default)]
#[allow(clippy::exhaustive_structs)] // a hazmat test fixture, filled in by its users
pub struct FixedRandomnessForTesting {
    /// The content encryption key.
    pub cek: Option<Vec<u8>>,
    /// The content encryption IV.
    pub iv: Option<Vec<u8>>,
    /// The ephemeral ECDH private key.
    pub epk: Option<crate::Jwk>,
    /// The AES-GCM key wrap IV.
    pub kw_iv: Option<Vec<u8>>,
    /// The PBES2 salt input.
    pub p2s: Option<Vec<u8>>,
    /// The PBES2 iteration count.
    pub p2c: Option<u32>,
    /// The exact protected header encoding; it must decode to the header tessera computed.
    pub protected_b64: Option<String>,
}
