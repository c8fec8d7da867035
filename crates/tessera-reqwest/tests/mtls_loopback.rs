//! Mutual TLS over a real loopback socket: a TLS server that requires a client certificate
//! issued by the test's CA; `tessera-reqwest` presents one with `client_certificate_pem` and
//! trusts the server with `add_root_certificates_pem`. The server answers with the RFC 8705
//! thumbprint of the certificate it saw, which must be the one tessera-oauth computes for a
//! `cnf.x5t#S256` check.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use rcgen::{CertificateParams, IsCa, KeyPair};
use tessera_core::{HttpClient, TransportErrorKind};
use tessera_reqwest::ReqwestClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

struct Pki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
    client_pem: String,
    client_key_pem: String,
    client_der: Vec<u8>,
    ca_der: rustls::pki_types::CertificateDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["client.example".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_chain: vec![server.der().clone()],
        server_key: rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der()).unwrap(),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
        client_der: client.der().to_vec(),
        ca_der: ca.der().clone(),
    }
}

/// A TLS server on 127.0.0.1 requiring a client certificate from the CA; it answers every
/// request with the thumbprint of the client certificate.
async fn server(pki: &Pki) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}/whoami",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let peer = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first().cloned());
                let body = peer
                    .map(|c| tessera_oauth::mtls::certificate_thumbprint(&c))
                    .unwrap_or_default();
                let _ = tls
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    url
}

fn get(url: &str) -> tessera_core::HttpRequest {
    tessera_core::http::Request::get(url)
        .body(Vec::new())
        .unwrap()
}

#[tokio::test]
async fn a_client_certificate_is_presented_and_bound() {
    let pki = pki();
    let url = server(&pki).await;
    let client = ReqwestClient::builder()
        .no_proxy()
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .client_certificate_pem(pki.client_pem.as_bytes(), pki.client_key_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let res = client.execute(get(&url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let seen = String::from_utf8(res.body().clone()).unwrap();
    assert_eq!(
        seen,
        tessera_oauth::mtls::certificate_thumbprint(&pki.client_der)
    );
    assert!(tessera_oauth::mtls::is_bound_to(&seen, &pki.client_der));

    // Without a client certificate the handshake is refused: a TLS (or connect) failure.
    let anonymous = ReqwestClient::builder()
        .no_proxy()
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let err = anonymous.execute(get(&url)).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            TransportErrorKind::Tls | TransportErrorKind::Connect | TransportErrorKind::Other
        ),
        "{err:?}"
    );
    // A server the client does not trust (no extra root): refused too.
    let strict = ReqwestClient::builder().no_proxy().build().unwrap();
    assert!(strict.execute(get(&url)).await.is_err());
}

#[test]
fn bad_pem_is_a_tls_configuration_error() {
    let e = ReqwestClient::builder()
        .client_certificate_pem(b"not pem", b"not pem")
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Tls);
    let e = ReqwestClient::builder()
        .add_root_certificates_pem(b"")
        .unwrap_err();
    assert_eq!(e.kind(), TransportErrorKind::Tls);
}
