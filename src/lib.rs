//! tessera: the protocol layer for tokens — JOSE (JWS, JWE, JWK), JWT validation, OAuth 2.x and PKCE,
//! sans-I/O, on RustCrypto.
//!
//! This facade re-exports the tessera crates behind features, so an application can depend on
//! one crate; libraries should depend on the individual crates they use.
//!
//! The common task — sign a JWT, and verify one with a key, an algorithm allow-list, the
//! expected issuer and audience (features `jwt`, which brings `jose`):
//!
//! ```
//! # #[cfg(feature = "jwt")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tessera::core::{Clock, SystemClock};
//! use tessera::jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};
//! use tessera::jwt::{Error, JwtBuilder, KeyStore, Policy};
//!
//! // The issuer's key (in practice loaded once, e.g. `Jwk::from_json` or `Jwk::from_pem`).
//! let private = Jwk::generate(JwsAlgorithm::ES256)?;
//! let signer = SigningKey::from_jwk(&private, JwsAlgorithm::ES256)?;
//! let now = SystemClock.now();
//!
//! // Sign.
//! let token = JwtBuilder::new()
//!     .issuer("https://issuer.example")
//!     .subject("alice")
//!     .audience("api")
//!     .issued_at(now)
//!     .expires_in(now, 600)
//!     .sign(&signer)?;
//!
//! // Verify with the public key: prepared once, bound to one algorithm.
//! let public = private.to_public().ok_or("an EC key has a public half")?;
//! let keys = KeyStore::single(VerifyingKey::from_jwk(&public, JwsAlgorithm::ES256)?);
//! let policy = Policy::builder()
//!     .algorithm(JwsAlgorithm::ES256)
//!     .issuer("https://issuer.example")
//!     .audience("api")
//!     .build()?;
//! let verified = policy.verify::<()>(&token, &keys)?; // at the policy's clock: the system's
//! assert_eq!(verified.claims().sub(), Some("alice"));
//!
//! // Every failure says what failed: here, a relying party expecting another audience.
//! let web = Policy::builder()
//!     .algorithm(JwsAlgorithm::ES256)
//!     .issuer("https://issuer.example")
//!     .audience("web")
//!     .build()?;
//! assert!(matches!(
//!     web.verify::<()>(&token, &keys),
//!     Err(Error::WrongAudience { .. })
//! ));
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "jwt"))]
//! # fn main() {}
//! ```
//!
//! # Features
//!
//! | feature | default | re-exports |
//! |---|---|---|
//! | (none) | always | [`core`]: `tessera-core`, the shared sans-I/O vocabulary (`HttpClient`, `UnixTime` and `Clock`, secret types, strict base64url and JSON) |
//! | `jose` | yes | `jose`: `tessera-jose` — JWA algorithms, JWK and JWK Sets, JWS, JWE, the remote JWK Set cache |
//! | `jwt` | no (enables `jose`) | `jwt`: `tessera-jwt` — claims, the verification `Policy`, key resolution, the signing builder, nested JWTs |
//! | `pkce` | no | `pkce`: `tessera-pkce` — RFC 7636 code verifiers and S256 challenges |
//! | `oidc` | no (enables `oauth`) | `oidc`: `tessera-oidc` — OpenID Connect discovery, the login flow, ID token validation, UserInfo, logout |
//! | `oauth` | no (enables `jwt`) | `oauth`: `tessera-oauth` — authorization-server metadata, client authentication, the grants (code + PKCE, refresh, client credentials with a token cache, device, token exchange, JWT bearer), introspection, revocation |
//! | `reqwest` | no | `reqwest`: `tessera-reqwest` — an `HttpClient` for `reqwest` (redirects off, timeouts, body cap) |
//!
//! A feature only adds a module; it never changes behaviour. In `Cargo.toml`:
//! `tessera = { version = "0.1", features = ["jwt", "reqwest"] }`.

/// `tessera-core`: the shared sans-I/O vocabulary (always present).
pub use tessera_core as core;
/// `tessera-jose`: JWA, JWK, JWS, JWE and the remote JWK Set cache (feature `jose`, default).
#[cfg(feature = "jose")]
pub use tessera_jose as jose;
/// `tessera-jwt`: JWT claims, verification policy, key resolution and signing (feature `jwt`).
#[cfg(feature = "jwt")]
pub use tessera_jwt as jwt;
/// `tessera-oauth`: the OAuth 2.x client side, sans-I/O (feature `oauth`).
#[cfg(feature = "oauth")]
pub use tessera_oauth as oauth;
/// `tessera-oidc`: OpenID Connect for relying parties (feature `oidc`).
#[cfg(feature = "oidc")]
pub use tessera_oidc as oidc;
/// `tessera-pkce`: RFC 7636 PKCE (feature `pkce`).
#[cfg(feature = "pkce")]
pub use tessera_pkce as pkce;
/// `tessera-reqwest`: an `HttpClient` for `reqwest` (feature `reqwest`).
#[cfg(feature = "reqwest")]
pub use tessera_reqwest as reqwest;

/// The README's examples, compiled as doctests.
#[cfg(all(doctest, feature = "jwt", feature = "reqwest"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
