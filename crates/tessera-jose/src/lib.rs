//! JOSE on RustCrypto: JWA algorithms, JWK and JWK Sets, JWS and JWE.
//!
//! JWS algorithms: HMAC (`HS256/384/512`), RSA (`RS*`, `PS*`), ECDSA (`ES256/384/512`), EdDSA
//! (`EdDSA`, `Ed25519`), and post-quantum ML-DSA (`ML-DSA-44/65/87`, FIPS 204) with the `AKP`
//! keys of RFC 9964 (see [`AkpAlgorithm`], [`Jwk::from_akp_seed`]).
//!
//! ```
//! use tessera_jose::jws::{self, CompactJws, JwsHeader, JwsOptions};
//! use tessera_jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};
//!
//! // An Ed25519 key (RFC 8037 Appendix A.1).
//! let jwk = Jwk::from_json(br#"{"kty":"OKP","crv":"Ed25519",
//!     "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
//!     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#).unwrap();
//! let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::EdDSA).unwrap();
//! let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::EdDSA), b"Example of Ed25519 signing", &signer).unwrap();
//! assert_eq!(token, "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
//!
//! // The verifier is built from the public key, for exactly one algorithm.
//! let verifier = VerifyingKey::from_jwk(&jwk.to_public().unwrap(), JwsAlgorithm::EdDSA).unwrap();
//! let payload = CompactJws::parse(&token, &JwsOptions::default()).unwrap().verify(&verifier).unwrap();
//! assert_eq!(payload, b"Example of Ed25519 signing");
//! ```
//!
//! # Crypto providers
//!
//! Every primitive runs on RustCrypto by default. As in rustls, another provider can be
//! chosen, here by crate feature, for the whole build:
//!
//! | feature | what it routes | what stays on RustCrypto |
//! |---|---|---|
//! | (none, the default) | — | everything |
//! | `ring` | RSA signature verification (RS256/384/512, PS256/384/512) with moduli of 2048 to 8192 bits, on ring's assembly: about 2.3 times faster than the `rsa` crate; ES256 verification by a key that has not built its table yet (its first success; every DPoP proof brings a new key): about 2.9 times faster than `p256` | RSA keys below 2048 bits (only [`KeyPolicy::insecure_min_rsa_bits`] admits them); RSA signing and RSA-OAEP; HMAC, EdDSA, ES384, ES512, and ES256 keys with their table, where tessera's own path is faster than ring's |
//! | `aws-lc-rs` | RSA signature verification (RS256/384/512, PS256/384/512) with moduli of 2048 to 8192 bits, on AWS-LC with the public key parsed once when the key is prepared: about 3 times faster than the `rsa` crate, the fastest RSA verification measured here (with `ring` also on, RSA goes to AWS-LC and the rest of `ring`'s routing stays) | RSA keys below 2048 bits; RSA signing and RSA-OAEP; every other algorithm |
//!
//! A provider never changes behaviour: a key is accepted or refused by the same checks whatever
//! the provider (they run before the key is routed), and every signature gets the same verdict
//! and the same error. The crate's `tests/rsa_providers.rs` checks the three RSA paths (the
//! `rsa` crate, ring, AWS-LC) against each other on every Wycheproof RSASSA-PKCS1-v1_5 and
//! RSASSA-PSS vector for SHA-256/384/512 and on random keys (odd modulus sizes, the smallest and
//! largest public exponents), messages and mutated or hand-built signatures;
//! `tests/ecdsa_verify.rs` does the same for ES256 on ring against `p256` (Wycheproof, random
//! keys, every class of mutation). ring is the copy rustls (and so `tessera-reqwest`) already
//! builds; aws-lc-rs builds AWS-LC's C code (it needs a C compiler). `tessera-jwt`, the
//! `tessera` facade and the CLI forward both features.
//!
//! ```toml
//! tessera-jose = { path = "…", features = ["aws-lc-rs"] }
//! ```

pub mod alg;
#[cfg(feature = "aws-lc-rs")]
mod aws_lc_rsa;
mod ec_table;
mod ed25519_fast;
pub mod error;
mod header;
pub mod jwe;
pub mod jwk;
pub mod jws;
mod keys;
mod mldsa;
pub mod remote;
#[cfg(feature = "ring")]
mod ring_rsa;

pub use alg::{ContentEncryptionAlgorithm, JwsAlgorithm, KeyManagementAlgorithm};
pub use error::Error;
pub use jwk::{AkpAlgorithm, Jwk, JwkSet};
pub use keys::{KeyPolicy, SigningKey, VerifyingKey};
