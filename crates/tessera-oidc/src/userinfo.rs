//! UserInfo (Core §5.3): JSON, signed JWT and encrypted JWT responses; the `sub` must be the ID
//! token's.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value};
use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};
use tessera_jose::jwe::{CompactJwe, JweOptions};
use tessera_jwt::Policy;

use crate::Error;
use crate::error::UserInfoProblem;
use crate::id_token::{IdToken, IdTokenVerifier};
use crate::provider::Provider;

const WHAT: &str = "UserInfo response";

/// The UserInfo request: a `GET` of the provider's `userinfo_endpoint` with the access token as
/// a bearer token (RFC 6750 §2.1).
pub fn request(provider: &Provider, access_token: &str) -> Result<HttpRequest, Error> {
    let endpoint = provider
        .metadata()
        .userinfo_endpoint
        .as_deref()
        .ok_or(Error::UserInfo(UserInfoProblem::NoEndpoint))?;
    let mut auth =
        http::HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| {
            Error::OAuth(tessera_oauth::Error::InvalidParameter {
                name: "access_token".into(),
                problem: tessera_oauth::ParameterProblem::Syntax,
            })
        })?;
    auth.set_sensitive(true);
    http::Request::builder()
        .method(http::Method::GET)
        .uri(endpoint)
        .header(AUTHORIZATION, auth)
        .header(ACCEPT, "application/json, application/jwt")
        .body(Vec::new())
        .map_err(|_| {
            Error::OAuth(tessera_oauth::Error::InvalidUrl {
                what: "userinfo_endpoint",
                url: endpoint.to_owned(),
                problem: tessera_oauth::UrlProblem::NotARequestTarget,
            })
        })
}

/// Reads a UserInfo response for the user of `id_token`, received at `now`: JSON, or a JWT
/// signed by the provider (checked like an ID token's signature, with `iss` and `aud` when
/// present), or encrypted to the client (decrypted with the verifier's key). Its `sub` must be
/// the ID token's (Core §5.3.2), else the response must not be used.
pub async fn parse_response(
    provider: &Provider,
    verifier: &IdTokenVerifier,
    response: &HttpResponse,
    id_token: &IdToken,
    now: UnixTime,
) -> Result<Map<String, Value>, Error> {
    if response.status() != http::StatusCode::OK {
        return Err(Error::OAuth(oauth_failure(response)));
    }
    let body = response.body();
    tessera_core::limits::check(WHAT, body.len(), DEFAULT_MAX_DOCUMENT_BYTES)
        .map_err(tessera_oauth::Error::from)?;
    let media = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let claims = match media.as_deref() {
        Some("application/json") => {
            tessera_core::json::parse_object(body, WHAT).map_err(tessera_oauth::Error::from)?
        }
        Some("application/jwt") => {
            let text = std::str::from_utf8(body)
                .map_err(|_| {
                    Error::UserInfo(UserInfoProblem::ContentType {
                        found: media.clone(),
                    })
                })?
                .trim();
            signed(provider, verifier, text, now).await?
        }
        _ => {
            return Err(Error::UserInfo(UserInfoProblem::ContentType {
                found: media,
            }));
        }
    };
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if sub == id_token.subject() => Ok(claims),
        other => Err(Error::UserInfo(UserInfoProblem::SubMismatch {
            expected: id_token.subject().to_owned(),
            found: other.map(str::to_owned),
        })),
    }
}

/// A signed (and possibly encrypted) UserInfo response.
async fn signed(
    provider: &Provider,
    verifier: &IdTokenVerifier,
    token: &str,
    now: UnixTime,
) -> Result<Map<String, Value>, Error> {
    let decrypted;
    let token = if token.bytes().filter(|b| *b == b'.').count() == 4 {
        let key = verifier
            .decryption_key()
            .ok_or(Error::IdToken(crate::IdTokenProblem::Encrypted))?;
        let plain = CompactJwe::parse(token, &JweOptions::default())?.decrypt(key)?;
        decrypted = String::from_utf8(plain)
            .map_err(|_| Error::UserInfo(UserInfoProblem::ContentType { found: None }))?;
        decrypted.as_str()
    } else {
        token
    };
    // Signed UserInfo responses SHOULD carry `iss` and `aud` (Core §5.3.2); when they do they
    // must be the provider and this client. They need not carry `exp`.
    let policy = Policy::builder()
        .algorithms(provider.id_token_algorithms())
        .insecure_skip_issuer_check()
        .insecure_skip_audience_check()
        .insecure_allow_missing_exp()
        .build()?;
    let verified = policy
        .verify_async_at::<Map<String, Value>>(token, provider.keys(), now)
        .await?;
    let claims = verified.into_claims().custom;
    if let Some(iss) = claims.get("iss")
        && iss.as_str() != Some(provider.metadata().issuer.as_str())
    {
        return Err(Error::UserInfo(UserInfoProblem::Claim { claim: "iss" }));
    }
    if let Some(aud) = claims.get("aud") {
        let ok = match aud {
            Value::String(a) => a == verifier.client_id(),
            Value::Array(a) => a.iter().any(|v| v.as_str() == Some(verifier.client_id())),
            _ => false,
        };
        if !ok {
            return Err(Error::UserInfo(UserInfoProblem::Claim { claim: "aud" }));
        }
    }
    Ok(claims)
}

/// The error a failed UserInfo response stands for: the bearer error of its
/// `WWW-Authenticate` challenge (RFC 6750 §3) or the status.
fn oauth_failure(response: &HttpResponse) -> tessera_oauth::Error {
    let challenges =
        tessera_oauth::challenge::Challenge::from_headers(response.headers()).unwrap_or_default();
    match challenges.iter().find_map(|c| c.param("error")) {
        Some(code) => {
            let mut e = tessera_oauth::OAuthError::new(
                tessera_oauth::ErrorCode::parse(code),
                response.status(),
            );
            e.description = challenges
                .iter()
                .find_map(|c| c.param("error_description"))
                .map(str::to_owned);
            e.challenges = challenges;
            tessera_oauth::Error::OAuth(e)
        }
        None => tessera_oauth::Error::UnexpectedStatus {
            what: WHAT,
            status: response.status(),
        },
    }
}

/// Fetches UserInfo for `id_token`'s user with `access_token`.
pub async fn fetch(
    provider: &Provider,
    verifier: &IdTokenVerifier,
    http: &(impl HttpClient + ?Sized),
    access_token: &str,
    id_token: &IdToken,
    now: UnixTime,
) -> Result<Map<String, Value>, Error> {
    let req = request(provider, access_token)?;
    let res = http.execute(req).await.map_err(|source| {
        Error::OAuth(tessera_oauth::Error::Transport {
            endpoint: "userinfo endpoint",
            source,
        })
    })?;
    parse_response(provider, verifier, &res, id_token, now).await
}

/// Fetches UserInfo with a DPoP-bound access token (RFC 9449 §7): `Authorization: DPoP`, a
/// proof with `ath` from `client`'s DPoP key, and one retry with the endpoint's nonce. Without
/// a DPoP key, this is [`fetch`].
pub async fn fetch_with_dpop(
    provider: &Provider,
    verifier: &IdTokenVerifier,
    http: &(impl HttpClient + ?Sized),
    client: &tessera_oauth::Client,
    access_token: &str,
    id_token: &IdToken,
    now: UnixTime,
) -> Result<Map<String, Value>, Error> {
    let Some(key) = client.dpop() else {
        return fetch(provider, verifier, http, access_token, id_token, now).await;
    };
    let make = || {
        let mut req = request(provider, access_token).map_err(|e| match e {
            Error::OAuth(e) => e,
            _ => tessera_oauth::Error::MissingEndpoint {
                endpoint: "userinfo_endpoint",
            },
        })?;
        req.headers_mut().remove(AUTHORIZATION);
        Ok(req)
    };
    let res = key
        .send_resource_request(http, access_token, client.dpop_nonces(), now, make)
        .await?;
    parse_response(provider, verifier, &res, id_token, now).await
}
