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

/// A failure to move bytes: connection, TLS, timeout, body over its cap. Opaque; the cause is
/// reachable through [`std::error::Error::source`].
pub struct TransportError {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A transport error with a message and no underlying cause.
    pub fn new(message: impl Into<String>) -> Self {
        TransportError {
            message: message.into(),
            source: None,
        }
    }

    /// A transport error wrapping the adapter's own error.
    pub fn with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        TransportError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
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
    }
}
