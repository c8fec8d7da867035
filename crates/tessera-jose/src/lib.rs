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

pub mod alg;
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

pub use alg::{ContentEncryptionAlgorithm, JwsAlgorithm, KeyManagementAlgorithm};
pub use error::Error;
pub use jwk::{AkpAlgorithm, Jwk, JwkSet};
pub use keys::{KeyPolicy, SigningKey, VerifyingKey};
