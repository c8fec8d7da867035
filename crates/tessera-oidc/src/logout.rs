//! Logout: the RP-initiated logout URL (RP-Initiated Logout 1.0), back-channel logout tokens
//! (Back-Channel Logout 1.0) and front-channel logout parameters (Front-Channel Logout 1.0).

use serde_json::{Map, Value};
use tessera_core::UnixTime;
use tessera_jwt::{AsyncKeyResolver, Policy};
use url::Url;

use crate::Error;
use crate::error::LogoutProblem;
use crate::provider::Provider;

/// The event a back-channel logout token announces.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The RP-initiated logout URL: the provider's `end_session_endpoint` with `id_token_hint`,
/// `client_id`, `post_logout_redirect_uri` and `state` when given.
pub fn end_session_url(
    provider: &Provider,
    client_id: &str,
    id_token_hint: Option<&str>,
    post_logout_redirect_uri: Option<&str>,
    state: Option<&str>,
) -> Result<Url, Error> {
    let endpoint = provider
        .metadata()
        .end_session_endpoint
        .as_deref()
        .ok_or(Error::OAuth(tessera_oauth::Error::MissingEndpoint {
            endpoint: "end_session_endpoint",
        }))?;
    let mut url = Url::parse(endpoint).map_err(|e| {
        Error::OAuth(tessera_oauth::Error::InvalidUrl {
            what: "end_session_endpoint",
            url: endpoint.to_owned(),
            problem: tessera_oauth::UrlProblem::Unparsable(e),
        })
    })?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(h) = id_token_hint {
            q.append_pair("id_token_hint", h);
        }
        q.append_pair("client_id", client_id);
        if let Some(p) = post_logout_redirect_uri {
            q.append_pair("post_logout_redirect_uri", p);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    Ok(url)
}

/// A validated back-channel logout token: who (`sub`) or which session (`sid`) to log out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutToken {
    /// `sub`, if present.
    pub sub: Option<String>,
    /// `sid`, if present.
    pub sid: Option<String>,
    /// `jti`: remember it to refuse a replay.
    pub jti: String,
    /// `iat`.
    pub iat: UnixTime,
}

/// Validates a back-channel logout token (§2.6): signed by the provider with one of its
/// algorithms, `iss` the provider, `aud` the client, `iat` and `jti` present, `typ`
/// `logout+jwt` when the header has one, an `events` member with the back-channel logout event
/// (an object), `sid` or `sub`, and no `nonce`.
pub async fn verify_logout_token(
    provider: &Provider,
    client_id: &str,
    keys: &(impl AsyncKeyResolver + ?Sized),
    token: &str,
    now: UnixTime,
) -> Result<LogoutToken, Error> {
    let policy = Policy::builder()
        .algorithms(provider.id_token_algorithms())
        .issuer(provider.metadata().issuer.clone())
        .audience(client_id)
        .required_claims(["iat", "jti"])
        .insecure_allow_missing_exp()
        .build()?;
    let verified = policy
        .verify_async_at::<Map<String, Value>>(token, keys, now)
        .await?;
    if let Some(typ) = &verified.header().typ
        && !tessera_jwt::typ_matches(typ, "logout+jwt")
    {
        return Err(Error::LogoutToken(LogoutProblem::Typ {
            found: typ.clone(),
        }));
    }
    let (_, claims) = verified.into_parts();
    let c = claims.custom;
    let event = c
        .get("events")
        .and_then(Value::as_object)
        .and_then(|e| e.get(BACKCHANNEL_LOGOUT_EVENT));
    if !matches!(event, Some(Value::Object(_))) {
        return Err(Error::LogoutToken(LogoutProblem::Events));
    }
    if c.contains_key("nonce") {
        return Err(Error::LogoutToken(LogoutProblem::Nonce));
    }
    let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
    let (sub, sid) = (text("sub"), text("sid"));
    if sub.is_none() && sid.is_none() {
        return Err(Error::LogoutToken(LogoutProblem::NoSubject));
    }
    let jti = text("jti").ok_or(Error::LogoutToken(LogoutProblem::Missing { claim: "jti" }))?;
    let iat = c
        .get("iat")
        .and_then(Value::as_u64)
        .map(UnixTime)
        .ok_or(Error::LogoutToken(LogoutProblem::Missing { claim: "iat" }))?;
    Ok(LogoutToken { sub, sid, jti, iat })
}

/// The parameters of a front-channel logout request (§2): `iss` and `sid`, which the provider
/// sends when `frontchannel_logout_session_required` is set. `iss` must be the provider's.
pub fn front_channel_logout(provider: &Provider, query: &str) -> Result<Option<String>, Error> {
    let params =
        tessera_core::form::parse_unique(query.as_bytes()).map_err(tessera_oauth::Error::from)?;
    match params.get("iss") {
        Some(iss) if iss != &provider.metadata().issuer => {
            Err(Error::OAuth(tessera_oauth::Error::IssuerMismatch {
                expected: provider.metadata().issuer.clone(),
                found: iss.clone(),
            }))
        }
        _ => Ok(params.get("sid").cloned()),
    }
}
