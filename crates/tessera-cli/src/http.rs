//! HTTP for the commands that fetch (`jwt verify --jwks-url`, the demo): the `tessera-reqwest`
//! client, wrapped so that a failed fetch can be reported with its URL and its whole cause
//! chain (the JWK Set cache keeps only a short summary of a transport error).

use std::sync::{Arc, Mutex, PoisonError};

use tessera_core::{HttpClient, HttpRequest};
use tessera_jwt::Error as JwtError;

use crate::error::chain;

/// The last failed fetch of a wrapped client, as one line: "fetching URL failed: causes".
#[derive(Clone, Debug, Default)]
pub(crate) struct FetchLog(Arc<Mutex<Option<String>>>);

impl FetchLog {
    /// Wraps `client` so that each failed request (no response, or a status other than 2xx)
    /// is recorded here.
    pub(crate) fn wrap<C: HttpClient + 'static>(&self, client: C) -> Arc<dyn HttpClient> {
        let client = Arc::new(client);
        let log = self.clone();
        Arc::new(move |request: HttpRequest| {
            let client = Arc::clone(&client);
            let log = log.clone();
            async move {
                let uri = request.uri().to_string();
                let result = client.execute(request).await;
                match &result {
                    Err(e) => log.record(format!("fetching {uri} failed: {}", chain(e))),
                    Ok(res) if !res.status().is_success() => log.record(format!(
                        "fetching {uri} failed: the server answered HTTP {}",
                        res.status()
                    )),
                    Ok(_) => {}
                }
                result
            }
        })
    }

    fn record(&self, failure: String) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure);
    }

    /// The last failure recorded, if any.
    pub(crate) fn last_failure(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The message for a verification error: when the keys could not be fetched and a fetch
    /// failed, the failed fetch with its URL and causes; otherwise the error's own message.
    pub(crate) fn describe(&self, e: &JwtError) -> String {
        match (e, self.last_failure()) {
            (JwtError::Remote(_) | JwtError::KeysUnavailable, Some(failure)) => failure,
            _ => chain(e),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;
    use tessera_core::{HttpResponse, TransportError};

    #[derive(Debug)]
    struct Refused;

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection refused")
        }
    }

    impl std::error::Error for Refused {}

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_failed_fetch_is_recorded_with_its_url_and_causes() {
        let log = FetchLog::default();
        let failing = log.wrap(|_req: HttpRequest| async {
            Err::<HttpResponse, _>(TransportError::with_source("connecting failed", Refused))
        });
        let req = http::Request::get("http://127.0.0.1:1/jwks")
            .body(Vec::new())
            .unwrap();
        assert!(run(failing.execute(req)).is_err());
        assert_eq!(
            log.last_failure().as_deref(),
            Some("fetching http://127.0.0.1:1/jwks failed: connecting failed: connection refused")
        );
        assert_eq!(
            log.describe(&JwtError::KeysUnavailable),
            "fetching http://127.0.0.1:1/jwks failed: connecting failed: connection refused"
        );
    }

    #[test]
    fn a_status_other_than_success_is_recorded_and_success_is_not() {
        let log = FetchLog::default();
        let not_found = log.wrap(|_req: HttpRequest| async {
            let mut res = HttpResponse::new(Vec::new());
            *res.status_mut() = http::StatusCode::NOT_FOUND;
            Ok::<_, TransportError>(res)
        });
        let req = http::Request::get("http://127.0.0.1:8/jwks")
            .body(Vec::new())
            .unwrap();
        assert!(run(not_found.execute(req)).is_ok());
        assert_eq!(
            log.last_failure().as_deref(),
            Some("fetching http://127.0.0.1:8/jwks failed: the server answered HTTP 404 Not Found")
        );
        let fine = FetchLog::default();
        let ok = fine.wrap(|_req: HttpRequest| async {
            Ok::<_, TransportError>(HttpResponse::new(Vec::new()))
        });
        let req = http::Request::get("http://x/").body(Vec::new()).unwrap();
        assert!(run(ok.execute(req)).is_ok());
        assert_eq!(fine.last_failure(), None);
        // Errors that are not about fetching keep their own message.
        assert_eq!(
            log.describe(&JwtError::Jose(tessera_jose::Error::InvalidSignature)),
            "invalid signature"
        );
    }
}
