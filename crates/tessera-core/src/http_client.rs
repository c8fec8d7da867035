use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

use async_trait::async_trait;

/// An HTTP request as protocol code builds it: `http::Request` with the body as bytes.
pub type HttpRequest = http::Request<Vec<u8>>;
/// An HTTP response as protocol code parses it: `http::Response` with the body as bytes.
pub type HttpResponse = http::Response<Vec<u8>>;

/// Moves one request to the server and brings back its response.
///
/// Implementations must not follow redirects (a token endpoint that redirects is a protocol
/// error, and a JWK Set fetch must not be steered elsewhere), should apply timeouts, and should
/// cap the response body. `Arc<dyn HttpClient>` works: the trait is object safe.
///
/// Any `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>>` that is
/// `Send + Sync` is a client, so a test can mock the network in one line.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and returns the response, whatever its status.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

#[async_trait]
impl<F, Fut> HttpClient for F
where
    F: Fn(HttpRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HttpResponse, TransportError>> + Send,
{
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self(request).await
    }
}

/// What kind of transport failure a [`TransportError`] is, for a retry policy to act on: a
/// timeout or a failed connection may be retried, an oversized body or a TLS failure will
/// usually fail again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The request (connecting, sending or reading the response) took too long.
    Timeout,
    /// No connection could be made (DNS, refused, unreachable).
    Connect,
    /// The TLS handshake or certificate verification failed.
    Tls,
    /// The response body is larger than the client's cap.
    BodyTooLarge,
    /// Anything else (an invalid request, a broken response, a client that cannot be built).
    Other,
}

impl TransportErrorKind {
    /// A short lowercase description, as in `"timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Tls => "TLS failure",
            TransportErrorKind::BodyTooLarge => "response body too large",
            TransportErrorKind::Other => "transport failure",
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure to move bytes: connection, TLS, timeout, body over its cap. It has a
/// [`kind`](TransportError::kind), a message saying what failed, and the adapter's own error
/// as its [`source`](std::error::Error::source) (not repeated in the message).
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A transport error of kind [`TransportErrorKind::Other`] with a message and no underlying
    /// cause.
    pub fn new(message: impl Into<String>) -> Self {
        TransportError {
            kind: TransportErrorKind::Other,
            message: message.into(),
            source: None,
        }
    }

    /// A transport error of kind [`TransportErrorKind::Other`] wrapping the adapter's own error.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        TransportError {
            kind: TransportErrorKind::Other,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// A transport error of `kind`, with a message saying what failed and, if there is one, the
    /// adapter's own error as the `source()`.
    pub fn from_kind(
        kind: TransportErrorKind,
        message: impl Into<String>,
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source,
        }
    }

    /// Sets the kind (builder style).
    pub fn with_kind(mut self, kind: TransportErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn closures_are_clients_and_arc_dyn_works() {
        let client: Arc<dyn HttpClient> = Arc::new(|req: HttpRequest| async move {
            let mut res = HttpResponse::new(req.uri().to_string().into_bytes());
            *res.status_mut() = http::StatusCode::OK;
            Ok(res)
        });
        let req = http::Request::get("https://op.example/jwks")
            .body(Vec::new())
            .unwrap();
        let res = futures_executor::block_on(client.execute(req)).unwrap();
        assert_eq!(res.body(), b"https://op.example/jwks");
    }

    #[test]
    fn transport_error_chains_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        let e = TransportError::with_source("request timed out", io);
        assert_eq!(e.to_string(), "request timed out");
        assert_eq!(e.source().unwrap().to_string(), "slow");
        assert_eq!(e.kind(), TransportErrorKind::Other);
    }

    #[test]
    fn transport_error_kinds() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        let e = TransportError::from_kind(
            TransportErrorKind::Timeout,
            "the request timed out",
            Some(Box::new(io)),
        );
        assert_eq!(e.kind(), TransportErrorKind::Timeout);
        assert_eq!(e.to_string(), "the request timed out");
        assert_eq!(e.source().unwrap().to_string(), "slow");
        let e = TransportError::new("too big").with_kind(TransportErrorKind::BodyTooLarge);
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
        assert!(e.source().is_none());
        assert_eq!(TransportErrorKind::Tls.to_string(), "TLS failure");
    }
}
