//! Building requests and checking responses: what every endpoint shares.

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderValue, Method, StatusCode};
use serde::Deserialize;
use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpRequest, HttpResponse};

use crate::Error;
use crate::challenge::Challenge;
use crate::error::{ErrorCode, OAuthError, ParameterProblem, ResponseProblem};

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON: &str = "application/json";

/// A `GET` of `url` accepting `accept`.
pub(crate) fn get(url: &str, accept: &'static str) -> Result<HttpRequest, Error> {
    http::Request::builder()
        .method(Method::GET)
        .uri(url)
        .header(ACCEPT, HeaderValue::from_static(accept))
        .body(Vec::new())
        .map_err(|_| invalid_uri(url))
}

/// A form `POST` of `params` to `url`, accepting JSON.
pub(crate) fn post_form(
    url: &str,
    params: &[(&str, &str)],
    authorization: Option<HeaderValue>,
) -> Result<HttpRequest, Error> {
    let body = tessera_core::form::encode(params.iter().copied());
    let mut b = http::Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(CONTENT_TYPE, HeaderValue::from_static(FORM))
        .header(ACCEPT, HeaderValue::from_static(JSON));
    if let Some(a) = authorization {
        b = b.header(http::header::AUTHORIZATION, a);
    }
    b.body(body.into_bytes()).map_err(|_| invalid_uri(url))
}

fn invalid_uri(url: &str) -> Error {
    Error::InvalidUrl {
        what: "endpoint",
        url: url.to_owned(),
        problem: crate::error::UrlProblem::NotARequestTarget,
    }
}

/// Sends `req` through `http`, naming `endpoint` in a transport error.
pub(crate) async fn send(
    http: &(impl HttpClient + ?Sized),
    req: HttpRequest,
    endpoint: &'static str,
) -> Result<HttpResponse, Error> {
    http.execute(req)
        .await
        .map_err(|source| Error::Transport { endpoint, source })
}

/// The media type of `res` (lowercased, parameters dropped), if it has one.
pub(crate) fn media_type(res: &HttpResponse) -> Option<String> {
    let v = res.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

fn content_type(res: &HttpResponse) -> Option<String> {
    res.headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Checks that `res` is JSON (`application/json`, or a `+json` type).
pub(crate) fn expect_json(what: &'static str, res: &HttpResponse) -> Result<(), Error> {
    match media_type(res) {
        Some(t) if t == JSON || t.ends_with("+json") => Ok(()),
        _ => Err(Error::ContentType {
            what,
            expected: JSON,
            found: content_type(res),
        }),
    }
}

/// Checks the status of `res`: one of `ok`, or an OAuth error response, or
/// [`Error::UnexpectedStatus`].
pub(crate) fn expect_status(
    what: &'static str,
    res: &HttpResponse,
    ok: &[StatusCode],
) -> Result<(), Error> {
    if ok.contains(&res.status()) {
        return Ok(());
    }
    Err(oauth_error(what, res))
}

/// The error a non-success response stands for: the OAuth error it carries (RFC 6749 §5.2:
/// 400, or 401 for `invalid_client`; other statuses are accepted when the body is an OAuth
/// error, as servers send 403 and 5xx with one), or [`Error::UnexpectedStatus`].
pub(crate) fn oauth_error(what: &'static str, res: &HttpResponse) -> Error {
    let challenges = Challenge::from_headers(res.headers()).unwrap_or_default();
    let body = res.body();
    let is_json = expect_json(what, res).is_ok();
    if is_json
        && body.len() <= DEFAULT_MAX_DOCUMENT_BYTES
        && let Ok(e) = tessera_core::json::from_slice::<ErrorBody>(body, "OAuth error response")
        && !e.error.is_empty()
    {
        return Error::OAuth(OAuthError {
            code: ErrorCode::parse(&e.error),
            description: e.error_description,
            uri: e.error_uri,
            status: res.status(),
            challenges,
        });
    }
    // A resource server (RFC 6750 §3) or a token endpoint refusing client authentication may
    // put the error in the challenge alone.
    if let Some(code) = challenges.iter().find_map(|c| c.param("error")) {
        let description = challenges
            .iter()
            .find_map(|c| c.param("error_description"))
            .map(str::to_owned);
        let uri = challenges
            .iter()
            .find_map(|c| c.param("error_uri"))
            .map(str::to_owned);
        return Error::OAuth(OAuthError {
            code: ErrorCode::parse(code),
            description,
            uri,
            status: res.status(),
            challenges,
        });
    }
    Error::UnexpectedStatus {
        what,
        status: res.status(),
    }
}

/// An OAuth error body (RFC 6749 §5.2). Unknown members are ignored; the known ones must have
/// their types.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_uri: Option<String>,
}

/// Reads a JSON success body: size cap, strict parse.
pub(crate) fn json_body<'a, T: Deserialize<'a>>(
    what: &'static str,
    res: &'a HttpResponse,
) -> Result<T, Error> {
    expect_json(what, res)?;
    let body = res.body();
    tessera_core::limits::check(what, body.len(), DEFAULT_MAX_DOCUMENT_BYTES)?;
    Ok(tessera_core::json::from_slice(body, what)?)
}

/// Checks a caller-supplied extra parameter against the names the request sets itself.
pub(crate) fn check_extra(name: &str, reserved: &[&str]) -> Result<(), Error> {
    if reserved.contains(&name) {
        return Err(Error::InvalidParameter {
            name: name.to_owned(),
            problem: ParameterProblem::Reserved,
        });
    }
    if name.is_empty() {
        return Err(Error::InvalidParameter {
            name: name.to_owned(),
            problem: ParameterProblem::Empty,
        });
    }
    Ok(())
}

/// Checks a scope value: space-separated tokens of `%x21 / %x23-5B / %x5D-7E`
/// (RFC 6749 §3.3), no empty token.
pub(crate) fn check_scope(scope: &str) -> Result<(), Error> {
    let ok = !scope.is_empty()
        && scope.split(' ').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "scope".into(),
            problem: ParameterProblem::Syntax,
        })
    }
}

/// [`ResponseProblem`] as an [`Error`] for `what`.
pub(crate) fn problem(what: &'static str, problem: ResponseProblem) -> Error {
    Error::InvalidResponse { what, problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(status: u16, ct: Option<&str>, body: &str) -> HttpResponse {
        let mut b = http::Response::builder().status(status);
        if let Some(ct) = ct {
            b = b.header(CONTENT_TYPE, ct);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn oauth_errors_from_the_body_or_the_challenge() {
        let e = oauth_error(
            "token response",
            &res(
                400,
                Some("application/json;charset=UTF-8"),
                r#"{"error":"invalid_grant","error_description":"expired","x":1}"#,
            ),
        );
        match e {
            Error::OAuth(o) => {
                assert_eq!(o.code, ErrorCode::InvalidGrant);
                assert_eq!(o.description.as_deref(), Some("expired"));
                assert_eq!(o.status, StatusCode::BAD_REQUEST);
            }
            other => panic!("{other:?}"),
        }
        let mut r = res(401, None, "");
        r.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="as", error="invalid_client""#),
        );
        match oauth_error("token response", &r) {
            Error::OAuth(o) => {
                assert_eq!(o.code, ErrorCode::InvalidClient);
                assert_eq!(o.challenges.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_oauth_failures_are_unexpected_statuses() {
        for r in [
            res(500, Some("text/html"), "<h1>oops</h1>"),
            res(400, Some("application/json"), r#"{"error":5}"#),
            res(
                400,
                Some("application/json"),
                r#"{"error":"a","error":"b"}"#,
            ),
            res(400, Some("application/json"), r#"{"error":""}"#),
            res(502, None, ""),
        ] {
            assert!(
                matches!(
                    oauth_error("token response", &r),
                    Error::UnexpectedStatus { .. }
                ),
                "{r:?}"
            );
        }
    }

    #[test]
    fn scope_syntax() {
        check_scope("openid profile read:all").unwrap();
        for bad in ["", " a", "a  b", "a\"b", "a\\b", "ü"] {
            assert!(check_scope(bad).is_err(), "{bad:?}");
        }
    }
}
