//! JSON Web Tokens (RFC 7519) on tessera-jose: verify any provider's tokens in one call.
//!
//! A [`Policy`] says what is acceptable (algorithms, issuer, audience, `typ`, required claims,
//! leeway, maximum age, `crit`, size); a [`KeyResolver`] says which keys may verify (a static
//! [`KeyStore`], or [`RemoteKeys`] over the provider's published JWK Set, fetched and cached);
//! [`Policy::verify`] / [`Policy::verify_async`] return a [`Verified`] token with typed
//! [`Claims`] — or an [`Error`] that says exactly what failed.
//!
//! Verify a provider's token against its published JWK Set (here the network is a closure, so
//! the example runs anywhere; in an application pass `tessera_reqwest::ReqwestClient`; the
//! `jwks_uri` comes from the provider's discovery document):
//!
//! ```
//! use std::sync::Arc;
//! use serde::Deserialize;
//! use tessera_core::{FixedClock, HttpRequest, HttpResponse, UnixTime};
//! use tessera_jose::remote::RemoteJwkSet;
//! use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
//! use tessera_jwt::{JwtBuilder, Policy, RemoteKeys};
//!
//! # let provider_key = Jwk::from_json(br#"{"kty":"EC","crv":"P-256","kid":"k1",
//! #   "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
//! #   "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
//! #   "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#).unwrap();
//! # let signer = SigningKey::from_jwk(&provider_key, JwsAlgorithm::ES256).unwrap();
//! // The provider's JWK Set, served by an `HttpClient`: any async closure is one (an
//! // application passes `tessera_reqwest::ReqwestClient::new()?`).
//! let jwks = format!(r#"{{"keys":[{}]}}"#, provider_key.to_public().unwrap().to_json());
//! let http = Arc::new(move |_req: HttpRequest| {
//!     let body = jwks.clone().into_bytes();
//!     async move { Ok(HttpResponse::new(body)) }
//! });
//! let now = UnixTime(1_700_000_000);
//! # let token = JwtBuilder::new().issuer("https://op.example").subject("u1").audience("my-api")
//! #     .issued_at(now).expires_in(now, 300).claim("email", "ann@example.com").sign(&signer).unwrap();
//!
//! #[derive(Deserialize)]
//! struct MyClaims {
//!     sub: String,
//!     email: String,
//! }
//!
//! // Once, at start-up:
//! let keys = RemoteKeys::new(RemoteJwkSet::from_uri("https://op.example/jwks", http)?);
//! let policy = Policy::builder()
//!     .issuer("https://op.example")
//!     .audience("my-api")
//!     .algorithms([JwsAlgorithm::RS256, JwsAlgorithm::ES256])
//!     .clock(FixedClock(now)) // for this example; by default the system clock
//!     .build()?;
//!
//! // Per request:
//! async fn email(policy: &Policy, keys: &RemoteKeys, token: &str) -> Result<String, tessera_jwt::Error> {
//!     let verified = policy.verify_async::<MyClaims>(token, keys).await?;
//!     assert_eq!(verified.custom().sub, "u1");
//!     Ok(verified.custom().email.clone())
//! }
//! let email = futures_executor::block_on(email(&policy, &keys, &token))?;
//! assert_eq!(email, "ann@example.com");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With keys at hand (a [`KeyStore`]) the call is synchronous; `verify_at` takes the time
//! explicitly:
//!
//! ```
//! use tessera_core::UnixTime;
//! use tessera_jose::{JwsAlgorithm, SigningKey};
//! use tessera_jwt::{Error, JwtBuilder, KeyStore, Policy};
//!
//! let secret = b"a shared secret of at least thirty-two bytes!";
//! let signer = SigningKey::from_hmac_secret(secret, JwsAlgorithm::HS256).unwrap();
//! let keys = KeyStore::single(signer.verifying_key().clone());
//! let now = UnixTime(1_700_000_000);
//! let token = JwtBuilder::new()
//!     .issuer("me")
//!     .audience("app")
//!     .expires_in(now, 60)
//!     .sign(&signer)
//!     .unwrap();
//!
//! let policy = Policy::builder()
//!     .algorithm(JwsAlgorithm::HS256)
//!     .issuer("me")
//!     .audience("app")
//!     .build()
//!     .unwrap();
//! assert!(policy.verify_at::<()>(&token, &keys, now).is_ok());
//! match policy.verify_at::<()>(&token, &keys, now.saturating_add(600)) {
//!     Err(Error::Expired { by, .. }) => assert_eq!(by, 540),
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! Nested JWTs (signed, then encrypted; RFC 7519 §5.2) are built with
//! [`JwtBuilder::sign_then_encrypt`] and verified with [`Policy::verify_nested`].

mod builder;
mod claims;
mod error;
mod keys;
mod nested;
mod policy;
mod profile;

pub use builder::JwtBuilder;
pub use claims::{Audience, Claims, RegisteredClaims};
pub use error::{BuildProblem, Error, PolicyProblem};
pub use keys::{
    AsyncKeyResolver, EmbeddedKey, KeyRequest, KeyResolver, KeyStore, Keys, RemoteKeys,
};
pub use nested::VerifiedNested;
pub use policy::{DEFAULT_LEEWAY_SECS, Policy, PolicyBuilder, Verified, typ_matches};
pub use profile::{
    ACCESS_TOKEN_REQUIRED, ACCESS_TOKEN_TYP, AccessTokenClaims, Confirmation, DPOP_PROOF_TYP,
};

use serde::de::DeserializeOwned;
use tessera_jose::jws::{CompactJws, JwsHeader, JwsOptions};

/// A token decoded WITHOUT checking its signature or any claim. Nothing in it can be trusted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Unverified<T> {
    /// The header, as the token claims it.
    pub header: JwsHeader,
    /// The claims, as the token claims them.
    pub claims: Claims<'static, T>,
}

/// Decodes a JWT WITHOUT verifying its signature or validating any claim — for logging,
/// debugging, or choosing a key or tenant before verification. Never base a decision on the
/// result. The structure, header and claims are still parsed strictly (sizes, base64url,
/// duplicate members, claim types).
pub fn insecure_decode_unverified<T: DeserializeOwned>(
    token: &str,
) -> Result<Unverified<T>, Error> {
    let jws = CompactJws::parse(token, &JwsOptions::default())?;
    let payload = if jws.header().payload_is_encoded() {
        tessera_core::b64::decode_named(jws.payload_segment(), "JWS payload")?
    } else {
        jws.payload_segment().as_bytes().to_vec()
    };
    let parsed = claims::parse::<T>(&payload)?;
    let claims = parsed.claims.into_owned();
    Ok(Unverified {
        header: jws.into_header(),
        claims,
    })
}
