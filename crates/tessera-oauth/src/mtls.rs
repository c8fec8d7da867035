//! Mutual TLS (RFC 8705): certificate-bound access tokens, checked at a resource server.
//!
//! Client authentication with a TLS certificate is
//! [`ClientAuth::tls_client_auth`](crate::ClientAuth::tls_client_auth); the HTTP client presents
//! the certificate (with `tessera-reqwest`: `Builder::client_certificate_pem`). A client's
//! requests go to the server's `mtls_endpoint_aliases`
//! ([`Client::endpoint`](crate::Client::endpoint)).
//!
//! ```
//! use tessera_oauth::mtls::{certificate_thumbprint, is_bound_to};
//!
//! let cert_der = b"\x30\x82..."; // the client certificate the TLS layer saw, DER
//! let cnf_x5t_s256 = certificate_thumbprint(cert_der);
//! assert!(is_bound_to(&cnf_x5t_s256, cert_der));
//! assert!(!is_bound_to(&cnf_x5t_s256, b"another certificate"));
//! ```

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `x5t#S256` of a certificate: base64url of the SHA-256 of its DER (RFC 8705 §3.1).
pub fn certificate_thumbprint(cert_der: &[u8]) -> String {
    tessera_core::b64::encode(Sha256::digest(cert_der))
}

/// Whether an access token whose `cnf` has `x5t#S256` = `thumbprint` is bound to the client
/// certificate `cert_der` presented on this connection (compared in constant time).
pub fn is_bound_to(thumbprint: &str, cert_der: &[u8]) -> bool {
    bool::from(
        certificate_thumbprint(cert_der)
            .as_bytes()
            .ct_eq(thumbprint.as_bytes()),
    )
}
