//! The tessera [`HttpClient`] for [`reqwest`](https://docs.rs/reqwest/0.13): redirects are
//! never followed, every request has a connect timeout and an overall timeout, and a response
//! body is capped while it streams (it is never buffered past the cap).
//!
//! TLS is rustls with the `ring` provider and the platform's certificate verifier; the process
//! default rustls provider is neither read nor installed.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tessera_core::HttpClient;
//! use tessera_reqwest::ReqwestClient;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let http: Arc<dyn HttpClient> = Arc::new(ReqwestClient::new()?);
//! let req = tessera_core::http::Request::get("https://login.example.com/jwks").body(Vec::new())?;
//! let res = http.execute(req).await?;
//! println!("{}", res.status());
//! # Ok(()) }
//! ```
//!
//! Only this crate depends on reqwest and (through it) on tokio; the protocol crates stay
//! runtime-agnostic.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls_platform_verifier::BuilderVerifierExt as _;
use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpRequest, HttpResponse, TransportError, TransportErrorKind};

/// Default connect timeout: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default overall timeout for one request, body included: 15 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// An [`HttpClient`] over a `reqwest::Client` that does not follow redirects.
#[derive(Clone)]
pub struct ReqwestClient {
    client: reqwest::Client,
    max_body: usize,
}

impl fmt::Debug for ReqwestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestClient")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ReqwestClient`].
#[derive(Clone, Debug)]
pub struct Builder {
    connect_timeout: Duration,
    timeout: Duration,
    max_body: usize,
    user_agent: String,
    no_proxy: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    identity: Option<Arc<Identity>>,
}

/// A client certificate chain and its private key, for mutual TLS.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_DOCUMENT_BYTES,
            user_agent: concat!("tessera/", env!("CARGO_PKG_VERSION")).to_owned(),
            no_proxy: false,
            extra_roots: Vec::new(),
            identity: None,
        }
    }
}

impl Builder {
    /// The connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// The overall timeout of one request, body included (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The largest response body accepted, in bytes (default 512 KiB,
    /// [`tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES`]).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Ignore proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) and
    /// connect directly — e.g. for a server on 127.0.0.1 that a proxy cannot reach.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Trusts the certificates of `pem` as roots too, beside the platform's (a private PKI, a
    /// test server).
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, TransportError> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_config(Box::new(e)))?;
        if certs.is_empty() {
            return Err(tls_config("no certificate in the PEM".into()));
        }
        self.extra_roots.extend(certs);
        Ok(self)
    }

    /// Presents a client certificate (mutual TLS, RFC 8705): `chain_pem` is the certificate and
    /// any intermediates, `key_pem` its private key (PKCS#8, PKCS#1 or SEC1).
    pub fn client_certificate_pem(
        mut self,
        chain_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<Self, TransportError> {
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_config(Box::new(e)))?;
        if chain.is_empty() {
            return Err(tls_config(
                "no certificate in the client certificate PEM".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| tls_config(Box::new(e)))?;
        self.identity = Some(Arc::new(Identity { chain, key }));
        Ok(self)
    }

    /// Builds the client. Fails only if the TLS configuration cannot be built (for example, no
    /// usable platform certificate store, or a client key that does not fit its certificate).
    pub fn build(self) -> Result<ReqwestClient, TransportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_config(Box::new(e)))?;
        let verified = if self.extra_roots.is_empty() {
            versions
                .with_platform_verifier()
                .map_err(|e| tls_config(Box::new(e)))?
        } else {
            // The platform's roots and these: still the platform verifier, not a custom one.
            let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
                self.extra_roots.iter().cloned(),
                provider,
            )
            .map_err(|e| tls_config(Box::new(e)))?;
            versions
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        };
        let tls = match &self.identity {
            Some(id) => verified
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .map_err(|e| tls_config(Box::new(e)))?,
            None => verified.with_no_client_auth(),
        };
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .tls_backend_preconfigured(tls);
        if self.no_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::with_source("building the HTTP client failed", e))?;
        Ok(ReqwestClient {
            client,
            max_body: self.max_body,
        })
    }
}

fn tls_config(e: Box<dyn std::error::Error + Send + Sync>) -> TransportError {
    TransportError::from_kind(TransportErrorKind::Tls, "TLS configuration failed", Some(e))
}

impl ReqwestClient {
    /// A client with the defaults: no redirects, 5 s connect timeout, 15 s overall timeout,
    /// 512 KiB body cap.
    pub fn new() -> Result<Self, TransportError> {
        Builder::default().build()
    }

    /// A builder to change the timeouts or the body cap.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Wraps an existing `reqwest::Client`. The caller is responsible for its redirect policy
    /// (use `reqwest::redirect::Policy::none()`) and timeouts; the body cap still applies.
    pub fn from_reqwest_client(client: reqwest::Client, max_body: usize) -> Self {
        ReqwestClient { client, max_body }
    }

    /// The body cap in bytes.
    pub fn max_body(&self) -> usize {
        self.max_body
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = reqwest::Request::try_from(request.map(reqwest::Body::from))
            .map_err(|e| TransportError::with_source("invalid request", e))?;
        let mut res = self.client.execute(request).await.map_err(from_reqwest)?;
        if let Some(len) = res.content_length()
            && len > self.max_body as u64
        {
            return Err(TransportError::from_kind(
                TransportErrorKind::BodyTooLarge,
                format!(
                    "response body of {len} bytes is over the limit of {} bytes",
                    self.max_body
                ),
                None,
            ));
        }
        let mut out = http::Response::builder()
            .status(res.status())
            .version(res.version());
        if let Some(h) = out.headers_mut() {
            *h = std::mem::take(res.headers_mut());
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(from_reqwest)? {
            if chunk.len() > self.max_body.saturating_sub(body.len()) {
                return Err(TransportError::from_kind(
                    TransportErrorKind::BodyTooLarge,
                    format!("response body is over the limit of {} bytes", self.max_body),
                    None,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        out.body(body)
            .map_err(|e| TransportError::with_source("invalid response", e))
    }
}

use tessera_core::http;

/// A reqwest error as a [`TransportError`] of the right kind, the reqwest error as its source.
fn from_reqwest(e: reqwest::Error) -> TransportError {
    let (kind, message) = if e.is_timeout() {
        (TransportErrorKind::Timeout, "the request timed out")
    } else if is_tls(&e) {
        (TransportErrorKind::Tls, "the TLS handshake failed")
    } else if e.is_connect() {
        (TransportErrorKind::Connect, "connecting failed")
    } else if e.is_body() || e.is_decode() {
        (
            TransportErrorKind::Other,
            "reading the response body failed",
        )
    } else {
        (TransportErrorKind::Other, "the HTTP request failed")
    };
    TransportError::from_kind(kind, message, Some(Box::new(e)))
}

/// Whether a rustls error is in the error's chain (reqwest does not say "TLS" itself). An
/// `io::Error` hides the error it wraps from `source()` (it returns that error's own source),
/// so the walk steps into it with `get_ref()` instead. Types are compared, never message text.
fn is_tls(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    // Bounded: error chains are short, but a cyclic or very long one must not hang us.
    for _ in 0..32 {
        let Some(cur) = next else { return false };
        if cur.is::<rustls::Error>() {
            return true;
        }
        next = match cur
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => cur.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves each accepted connection with `respond(request_head)`, forever.
    async fn serve(respond: fn(&str) -> Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut n = 0;
                    while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut buf[n..]).await {
                            Ok(0) | Err(_) => return,
                            Ok(m) => n += m,
                        }
                    }
                    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                    if head.starts_with("GET /slow ") {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    let _ = sock.write_all(&respond(&head)).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        format!("http://{addr}")
    }

    fn get(url: &str) -> HttpRequest {
        http::Request::get(url).body(Vec::new()).unwrap()
    }

    fn router(head: &str) -> Vec<u8> {
        let path = head.split(' ').nth(1).unwrap_or("");
        match path {
            "/redirect" => b"HTTP/1.1 302 Found\r\nLocation: /jwks\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            "/jwks" => {
                let body = br#"{"keys":[]}"#;
                let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=300\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
                r.extend_from_slice(body);
                r
            }
            "/big-declared" => {
                let body = vec![b'x'; 2000];
                let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
                r.extend_from_slice(&body);
                r
            }
            "/big-chunked" => {
                // No Content-Length: the cap must be enforced while streaming.
                let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
                for _ in 0..8 {
                    r.extend_from_slice(b"100\r\n");
                    r.extend_from_slice(&[b'y'; 256]);
                    r.extend_from_slice(b"\r\n");
                }
                r.extend_from_slice(b"0\r\n\r\n");
                r
            }
            _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        }
    }

    #[tokio::test]
    async fn fetches_and_keeps_headers() {
        let base = serve(router).await;
        let client = ReqwestClient::builder().max_body(1024).build().unwrap();
        let res = client.execute(get(&format!("{base}/jwks"))).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.body(), br#"{"keys":[]}"#);
        assert_eq!(res.headers()["cache-control"], "max-age=300");
    }

    #[tokio::test]
    async fn does_not_follow_redirects() {
        let base = serve(router).await;
        let client = ReqwestClient::new().unwrap();
        let res = client
            .execute(get(&format!("{base}/redirect")))
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            302,
            "the redirect must be returned, not followed"
        );
        assert_eq!(res.headers()["location"], "/jwks");
        assert!(res.body().is_empty());
    }

    #[tokio::test]
    async fn caps_the_body_declared_or_streamed() {
        let base = serve(router).await;
        let client = ReqwestClient::builder().max_body(1024).build().unwrap();
        let e = client
            .execute(get(&format!("{base}/big-declared")))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("over the limit of 1024"), "{e}");
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
        let e = client
            .execute(get(&format!("{base}/big-chunked")))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("over the limit of 1024"), "{e}");
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
        // The same bodies pass under a larger cap.
        let roomy = ReqwestClient::builder().max_body(4096).build().unwrap();
        let res = roomy
            .execute(get(&format!("{base}/big-chunked")))
            .await
            .unwrap();
        assert_eq!(res.body().len(), 2048);
    }

    #[tokio::test]
    async fn times_out() {
        let base = serve(router).await;
        let client = ReqwestClient::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let e = client
            .execute(get(&format!("{base}/slow")))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "the request timed out");
        assert_eq!(e.kind(), TransportErrorKind::Timeout);
        assert!(std::error::Error::source(&e).is_some());
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        // A port that was just free: nothing listens there now.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = ReqwestClient::builder().no_proxy().build().unwrap();
        let e = client
            .execute(get(&format!("http://{addr}/jwks")))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Connect, "{e:?}");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[tokio::test]
    async fn a_failed_handshake_is_a_tls_error() {
        // An https request to a server that answers the ClientHello in plain HTTP: the
        // handshake fails on the first record.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 512];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            let _ = sock.shutdown().await;
        });
        let client = ReqwestClient::builder().no_proxy().build().unwrap();
        let e = client
            .execute(get(&format!("https://{addr}/jwks")))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::Tls, "{e:?}");
        assert_eq!(e.to_string(), "the TLS handshake failed");
    }
}
