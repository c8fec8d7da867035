//! End to end over real sockets: the remote JWK Set cache and JWT verification through
//! `ReqwestClient`, against a small provider on 127.0.0.1.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tessera_core::{HttpClient, UnixTime};
use tessera_jose::remote::{RemoteError, RemoteJwkSet};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
use tessera_jwt::{Error, JwtBuilder, Policy, RemoteKeys};
use tessera_reqwest::ReqwestClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const KEY: &str = r#"{"kty":"EC","crv":"P-256","kid":"k1",
  "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;

/// A provider on 127.0.0.1: a JWK Set, and a JWK Set URL that redirects.
async fn provider(jwks_hits: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let public = Jwk::from_json(KEY.as_bytes()).unwrap().to_public().unwrap();
    let jwks = format!(r#"{{"keys":[{}]}}"#, public.to_json());
    let issuer = base.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (jwks, issuer, hits) = (jwks.clone(), issuer.clone(), jwks_hits.clone());
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
                let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                let (status, extra, body) = match path.as_str() {
                    "/jwks" => {
                        hits.fetch_add(1, Ordering::SeqCst);
                        ("200 OK", "Cache-Control: max-age=300\r\n".to_owned(), jwks)
                    }
                    "/moved" => (
                        "302 Found",
                        format!("Location: {issuer}/jwks\r\n"),
                        String::new(),
                    ),
                    _ => ("404 Not Found", String::new(), String::new()),
                };
                let res = format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(res.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    base
}

#[tokio::test]
async fn verifies_a_token_with_keys_from_the_jwks_uri() {
    let hits = Arc::new(AtomicUsize::new(0));
    let issuer = provider(hits.clone()).await;
    let http: Arc<dyn HttpClient> = Arc::new(ReqwestClient::new().unwrap());
    let jwks_uri = format!("{issuer}/jwks");
    let keys = RemoteKeys::new(RemoteJwkSet::from_uri(&jwks_uri, http).unwrap());
    let policy = Policy::builder()
        .issuer(issuer.clone())
        .audience("api")
        .algorithm(JwsAlgorithm::ES256)
        .build()
        .unwrap();
    let now = UnixTime(1_700_000_000);
    let signer = SigningKey::from_jwk(
        &Jwk::from_json(KEY.as_bytes()).unwrap(),
        JwsAlgorithm::ES256,
    )
    .unwrap();
    let token = JwtBuilder::new()
        .issuer(issuer.clone())
        .audience("api")
        .subject("u1")
        .expires_in(now, 3600)
        .sign(&signer)
        .unwrap();
    for _ in 0..5 {
        let v = policy
            .verify_async_at::<()>(&token, &keys, now)
            .await
            .unwrap();
        assert_eq!(v.claims().sub(), Some("u1"));
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "one fetch serves every verification"
    );
    // The provider's Cache-Control (300 s) decides the next refresh.
    let later = |s| UnixTime(now.0 + s);
    policy
        .verify_async_at::<()>(&token, &keys, later(299))
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    policy
        .verify_async_at::<()>(&token, &keys, later(300))
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_redirecting_jwks_uri_is_not_followed() {
    let hits = Arc::new(AtomicUsize::new(0));
    let issuer = provider(hits.clone()).await;
    let http: Arc<dyn HttpClient> = Arc::new(ReqwestClient::new().unwrap());
    let keys = RemoteKeys::new(RemoteJwkSet::from_uri(&format!("{issuer}/moved"), http).unwrap());
    let policy = Policy::builder()
        .issuer(&issuer)
        .audience("api")
        .algorithm(JwsAlgorithm::ES256)
        .build()
        .unwrap();
    let now = UnixTime(1_700_000_000);
    let signer = SigningKey::from_jwk(
        &Jwk::from_json(KEY.as_bytes()).unwrap(),
        JwsAlgorithm::ES256,
    )
    .unwrap();
    let token = JwtBuilder::new()
        .audience("api")
        .expires_in(now, 60)
        .sign(&signer)
        .unwrap();
    match policy.verify_async_at::<()>(&token, &keys, now).await {
        Err(Error::Remote(RemoteError::Status { status: 302 })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the redirect target was never fetched"
    );
}
