//! The sans-I/O vocabulary shared by every tessera crate.
//!
//! Nothing here opens a socket, sleeps or reads the clock on its own: protocol crates build
//! [`HttpRequest`]s and parse [`HttpResponse`]s, and an [`HttpClient`] supplied by the
//! application (or the `tessera-reqwest` adapter) moves the bytes.
//!
//! ```
//! use tessera_core::{b64, Clock, FixedClock, HttpClient, HttpRequest, HttpResponse, SecretBytes, UnixTime};
//!
//! // Strict, unpadded base64url.
//! assert_eq!(b64::encode(b"hi"), "aGk");
//! assert!(b64::decode("aGk=").is_err()); // padding is refused
//!
//! // Time is passed in, so tests are deterministic.
//! let clock = FixedClock(UnixTime(1_700_000_000));
//! assert_eq!(clock.now().as_secs(), 1_700_000_000);
//!
//! // Secrets never print.
//! let s = SecretBytes::new(b"hunter2".to_vec());
//! assert_eq!(format!("{s:?}"), "SecretBytes(<redacted, 7 bytes>)");
//!
//! // Any async closure is an HTTP client, which makes mocking a one-liner.
//! let client = |_req: HttpRequest| async {
//!     Ok(HttpResponse::new(b"{}".to_vec()))
//! };
//! let res = futures_executor::block_on(
//!     client.execute(HttpRequest::new(Vec::new())),
//! ).unwrap();
//! assert_eq!(res.body(), b"{}");
//! ```

pub mod b64;
mod error;
pub mod form;
mod http_client;
pub mod json;
pub mod limits;
mod secret;
mod time;

pub use error::Error;
pub use http_client::{HttpClient, HttpRequest, HttpResponse, TransportError, TransportErrorKind};
pub use secret::{SecretBytes, SecretString};
pub use time::{Clock, FixedClock, SystemClock, UnixTime};

/// Re-export of the `http` crate, whose types make up [`HttpRequest`] and [`HttpResponse`].
pub use http;
