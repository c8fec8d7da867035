//! The client side of OAuth 2.x, sans-I/O, behaving as RFC 9700 (OAuth 2.0 Security Best
//! Current Practice) says a client should.
//!
//! Every protocol step is a pair — build the request (a pure function of its inputs, with `now`
//! and randomness passed in) and parse the response — plus a short async driver over any
//! [`HttpClient`](tessera_core::HttpClient). The crate never opens a socket, sleeps or reads
//! the clock.
//!
//! ```
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::grants::ClientCredentials;
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret, WellKnown};
//!
//! // A closure plays the authorization server: metadata, then the token endpoint.
//! let http = |req: HttpRequest| async move {
//!     let body: &[u8] = match req.uri().path() {
//!         "/.well-known/oauth-authorization-server" => {
//!             br#"{"issuer":"https://as.example","token_endpoint":"https://as.example/token"}"#
//!         }
//!         "/token" => br#"{"access_token":"at","token_type":"Bearer","expires_in":300}"#,
//!         _ => b"{}",
//!     };
//!     Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!         .status(200)
//!         .header("content-type", "application/json")
//!         .body(body.to_vec())
//!         .unwrap())
//! };
//!
//! futures_executor::block_on(async {
//!     let metadata = AuthorizationServerMetadata::discover(
//!         &http, "https://as.example", WellKnown::OAuthAuthorizationServer).await?;
//!     let auth = ClientAuth::for_secret(Some(ClientSecret::new("s3cr3t")), &metadata);
//!     let client = Client::new("my-service", auth, metadata);
//!     let now = UnixTime(1_700_000_000);
//!     let tokens = ClientCredentials::new().scope("read").send(&client, &http, now).await?;
//!     assert_eq!(tokens.access_token().secret(), "at");
//!     Ok::<(), tessera_oauth::Error>(())
//! })?;
//! # Ok::<(), tessera_oauth::Error>(())
//! ```
//!
//! # What is here
//!
//! - [`AuthorizationServerMetadata`] (RFC 8414, exact issuer) and [`resource`] metadata
//!   (RFC 9728: from a resource's `401` to its authorization server).
//! - [`Client`] and [`ClientAuth`]: `none`, `client_secret_basic` (form-encoded as RFC 6749
//!   §2.3.1 says), `client_secret_post`, `client_secret_jwt`, `private_key_jwt`,
//!   `tls_client_auth` and `self_signed_tls_client_auth` ([`mtls`], RFC 8705).
//! - [`authorization`]: the code grant with PKCE S256, `state`, `nonce`, RFC 9207 `iss`, PAR
//!   (RFC 9126), JAR (RFC 9101), JARM, RAR ([`rar`], RFC 9396).
//! - [`grants`]: client credentials, refresh, token exchange (RFC 8693), JWT bearer (RFC 7523);
//!   [`cache`]: a single-flight token cache; [`device`] (RFC 8628) and [`ciba`] as polling state
//!   machines.
//! - [`dpop`] (RFC 9449): proofs, nonces and the retry for clients; proof verification for
//!   servers.
//! - [`introspection`] (RFC 7662, RFC 9701 JWT responses) and revocation (RFC 7009);
//!   [`registration`] (RFC 7591, RFC 7592).
//! - [`TokenResponse`] with named [`Leniency`] switches; typed errors ([`Error`], [`ErrorCode`],
//!   [`OAuthError`] with parsed [`challenge`]s).

pub mod authorization;
pub mod cache;
pub mod challenge;
pub mod ciba;
mod client;
pub mod device;
pub mod dpop;
mod error;
pub mod grants;
mod http_util;
pub mod introspection;
mod json;
mod metadata;
pub mod mtls;
pub mod rar;
pub mod registration;
pub mod resource;
mod token;

pub use client::{
    ASSERTION_LIFETIME_SECS, Client, ClientAuth, ClientSecret, JWT_BEARER_ASSERTION_TYPE, Leniency,
};
pub use error::{
    CallbackProblem, Error, ErrorCode, OAuthError, ParameterProblem, ResponseProblem, UrlProblem,
};
pub use metadata::{AuthorizationServerMetadata, WellKnown, well_known_url};
pub use token::{AccessToken, RefreshToken, TokenResponse, TokenType};
