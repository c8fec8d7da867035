//! OpenID Connect for relying parties, sans-I/O, on tessera-oauth: discovery, the login flow,
//! ID token validation by the letter of Core §3.1.3.7, UserInfo and logout.
//!
//! The whole login of a web application — discovery, the authorization URL, the callback, the
//! code exchange, the ID token against the provider's keys, UserInfo — here against a closure
//! that plays the provider:
//!
//! ```
//! use std::sync::Arc;
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
//! use tessera_jwt::JwtBuilder;
//! use tessera_oauth::{Client, ClientAuth};
//! use tessera_oidc::{Discovery, IdTokenVerifier, LoginRequest, PendingLogin, Provider};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The provider's signing key, and what it serves.
//! let key = Jwk::generate(JwsAlgorithm::ES256)?.with_kid("k1");
//! let signer = SigningKey::from_jwk(&key, JwsAlgorithm::ES256)?;
//! let jwks = JwkSet::from_keys(vec![key.to_public().unwrap()]).to_json();
//! let now = UnixTime(1_800_000_000);
//! let nonce = Arc::new(std::sync::Mutex::new(String::new()));
//! let (seen, signer) = (Arc::clone(&nonce), Arc::new(signer));
//! let http: Arc<dyn tessera_core::HttpClient> = Arc::new(move |req: HttpRequest| {
//!     let body = match req.uri().path() {
//!         "/.well-known/openid-configuration" => r#"{"issuer":"https://op.example",
//!             "authorization_endpoint":"https://op.example/auth","token_endpoint":"https://op.example/token",
//!             "jwks_uri":"https://op.example/jwks","userinfo_endpoint":"https://op.example/me",
//!             "id_token_signing_alg_values_supported":["ES256"]}"#.to_owned(),
//!         "/jwks" => jwks.clone(),
//!         "/token" => {
//!             let id_token = JwtBuilder::new()
//!                 .issuer("https://op.example").subject("alice").audience("app")
//!                 .issued_at(now).expires_in(now, 300)
//!                 .claim("nonce", seen.lock().unwrap().clone())
//!                 .sign(&signer).unwrap();
//!             format!(r#"{{"access_token":"at","token_type":"Bearer","id_token":"{id_token}"}}"#)
//!         }
//!         _ => r#"{"sub":"alice","email":"alice@example.com"}"#.to_owned(),
//!     };
//!     async move {
//!         Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!             .status(200).header("content-type", "application/json")
//!             .body(body.into_bytes()).unwrap())
//!     }
//! });
//!
//! futures_executor::block_on(async {
//!     let provider = Provider::discover(Arc::clone(&http), "https://op.example", &Discovery::new()).await?;
//!     let client = Client::new("app", ClientAuth::none(), provider.metadata().clone());
//!     let verifier = IdTokenVerifier::new(&provider, "app")?;
//!
//!     // 1. Send the browser to `url`; keep `pending` (it serializes) until it comes back.
//!     let (url, pending) = LoginRequest::new("https://app.example/callback")
//!         .scope("email")
//!         .build(&client, now)?;
//!     assert!(url.as_str().contains("scope=openid+email"));
//!     let pending: PendingLogin = serde_json::from_str(&serde_json::to_string(&pending)?)?;
//!     *nonce.lock().unwrap() = url.query_pairs().find(|(k, _)| k == "nonce").unwrap().1.into_owned();
//!
//!     // 2. The browser comes back; 3. exchange, validate, UserInfo.
//!     let query = format!("code=c&state={}", pending.state());
//!     let login = pending
//!         .check_callback(query.as_bytes(), now)?
//!         .finish(&client, &provider, &verifier, http.as_ref(), true, now)
//!         .await?;
//!     assert_eq!(login.id_token.subject(), "alice");
//!     assert_eq!(login.userinfo.unwrap()["email"], "alice@example.com");
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })
//! # }
//! ```

mod claims;
mod error;
mod id_token;
mod login;
pub mod logout;
mod provider;
pub mod userinfo;

pub use claims::{Address, StandardClaims};
pub use error::{DiscoveryProblem, Error, IdTokenProblem, LogoutProblem, UserInfoProblem};
pub use id_token::{Expected, IdToken, IdTokenVerifier};
pub use login::{Login, LoginCallback, LoginRequest, PendingLogin};
pub use provider::{Discovery, Provider};
