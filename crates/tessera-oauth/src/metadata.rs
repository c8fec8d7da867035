//! Authorization-server metadata (RFC 8414), found at `/.well-known/oauth-authorization-server`
//! (or, for an OpenID Provider, `/.well-known/openid-configuration`).

use serde::de::{Deserializer, MapAccess};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tessera_core::json::Recorder;
use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpRequest, HttpResponse};
use url::Url;

use crate::Error;
use crate::error::UrlProblem;
use crate::http_util;
use crate::json::{self, Fault};

/// Which well-known document to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WellKnown {
    /// `/.well-known/oauth-authorization-server`, inserted before the issuer's path
    /// (RFC 8414 §3.1).
    OAuthAuthorizationServer,
    /// `/.well-known/openid-configuration`, appended to the issuer (OpenID Connect Discovery
    /// §4.1).
    OpenIdConfiguration,
}

/// An authorization server's metadata: the members RFC 8414 and its extensions register, typed,
/// and every other member kept in [`AuthorizationServerMetadata::extra`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuthorizationServerMetadata {
    /// The issuer identifier: an `https` URL without query or fragment.
    pub issuer: String,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_types_supported: Option<Vec<String>>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_modes_supported: Option<Vec<String>>,
    /// RFC 8414 §2 (absent means `authorization_code` and `implicit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types_supported: Option<Vec<String>>,
    /// RFC 8414 §2 (absent means `client_secret_basic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// RFC 8414 §2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 8414 §2 (RFC 7009).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// RFC 8414 §2 (RFC 7662).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// RFC 8414 §2 (RFC 7636).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 8628 §4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// RFC 9126 §5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126 §5.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_pushed_authorization_requests: bool,
    /// RFC 9207 §3: the server sends `iss` in every authorization response.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub authorization_response_iss_parameter_supported: bool,
    /// RFC 9449 §5.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// OpenID Connect Discovery §3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// OpenID Connect RP-Initiated Logout §2.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AuthorizationServerMetadata {
    /// Metadata for `issuer` with no endpoints yet, for a server whose metadata is configured
    /// rather than fetched (add endpoints with the `with_*` methods).
    pub fn new(issuer: impl Into<String>) -> Self {
        AuthorizationServerMetadata {
            issuer: issuer.into(),
            authorization_endpoint: None,
            token_endpoint: None,
            jwks_uri: None,
            registration_endpoint: None,
            scopes_supported: None,
            response_types_supported: None,
            response_modes_supported: None,
            grant_types_supported: None,
            token_endpoint_auth_methods_supported: None,
            token_endpoint_auth_signing_alg_values_supported: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            code_challenge_methods_supported: None,
            device_authorization_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            authorization_response_iss_parameter_supported: false,
            dpop_signing_alg_values_supported: None,
            userinfo_endpoint: None,
            end_session_endpoint: None,
            extra: Map::new(),
        }
    }

    /// Sets `token_endpoint`.
    pub fn with_token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Sets `authorization_endpoint`.
    pub fn with_authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorization_endpoint = Some(url.into());
        self
    }

    /// Sets `device_authorization_endpoint`.
    pub fn with_device_authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.device_authorization_endpoint = Some(url.into());
        self
    }

    /// Sets `introspection_endpoint`.
    pub fn with_introspection_endpoint(mut self, url: impl Into<String>) -> Self {
        self.introspection_endpoint = Some(url.into());
        self
    }

    /// Sets `revocation_endpoint`.
    pub fn with_revocation_endpoint(mut self, url: impl Into<String>) -> Self {
        self.revocation_endpoint = Some(url.into());
        self
    }

    /// Sets `jwks_uri`.
    pub fn with_jwks_uri(mut self, url: impl Into<String>) -> Self {
        self.jwks_uri = Some(url.into());
        self
    }

    /// The request for the metadata of `issuer` (a `GET` of the well-known URL).
    pub fn request(issuer: &str, which: WellKnown) -> Result<HttpRequest, Error> {
        let url = well_known_url(issuer, which)?;
        http_util::get(url.as_str(), "application/json")
    }

    /// Parses the response to [`request`](Self::request): `200` with a JSON object (strictly:
    /// no repeated member, capped at 512 KiB), whose `issuer` is exactly `issuer`
    /// (RFC 8414 §3.3; OpenID Connect Discovery §4.3). Endpoints are checked (`https`, or
    /// `http` on a loopback host) when a request is built for them.
    pub fn parse_response(issuer: &str, response: &HttpResponse) -> Result<Self, Error> {
        const WHAT: &str = "authorization server metadata";
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        http_util::expect_json(WHAT, response)?;
        Self::from_json(issuer, response.body())
    }

    /// Parses a metadata document and checks it against `issuer` as
    /// [`parse_response`](Self::parse_response) does.
    pub fn from_json(issuer: &str, json: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "authorization server metadata";
        tessera_core::limits::check(WHAT, json.len(), DEFAULT_MAX_DOCUMENT_BYTES)?;
        let mut m = AuthorizationServerMetadata::new(String::new());
        let mut has_issuer = false;
        m.extra = json::read_object(
            json,
            WHAT,
            &mut Reader {
                m: &mut m,
                has_issuer: &mut has_issuer,
            },
        )?;
        if !has_issuer {
            return Err(Error::InvalidResponse {
                what: WHAT,
                problem: crate::ResponseProblem::Missing { member: "issuer" },
            });
        }
        if m.issuer != issuer {
            return Err(Error::IssuerMismatch {
                expected: issuer.to_owned(),
                found: m.issuer,
            });
        }
        check_issuer(&m.issuer)?;
        // Each endpoint is checked (absolute, https or loopback http, no fragment) when a
        // request is built for it, not here: an endpoint this client never uses cannot fail
        // discovery.
        Ok(m)
    }

    /// Fetches and checks the metadata of `issuer` ([`request`](Self::request) then
    /// [`parse_response`](Self::parse_response)).
    pub async fn discover(
        http: &(impl HttpClient + ?Sized),
        issuer: &str,
        which: WellKnown,
    ) -> Result<Self, Error> {
        let req = Self::request(issuer, which)?;
        let res = http_util::send(http, req, "metadata endpoint").await?;
        Self::parse_response(issuer, &res)
    }

    /// The endpoints this metadata names, with their member names.
    fn endpoints(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("jwks_uri", &self.jwks_uri),
            ("registration_endpoint", &self.registration_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &self.pushed_authorization_request_endpoint,
            ),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("end_session_endpoint", &self.end_session_endpoint),
        ]
        .into_iter()
        .filter_map(|(n, u)| u.as_deref().map(|u| (n, u)))
    }

    /// The endpoint `member`, or [`Error::MissingEndpoint`].
    pub(crate) fn endpoint(&self, member: &'static str) -> Result<&str, Error> {
        self.endpoints()
            .find(|(n, _)| *n == member)
            .map(|(_, u)| u)
            .or_else(|| self.extra.get(member).and_then(Value::as_str))
            .ok_or(Error::MissingEndpoint { endpoint: member })
    }

    /// The token endpoint authentication methods the server supports (RFC 8414 §2: absent
    /// means `client_secret_basic` only).
    pub fn token_auth_methods(&self) -> Vec<&str> {
        match &self.token_endpoint_auth_methods_supported {
            Some(v) => v.iter().map(String::as_str).collect(),
            None => vec!["client_secret_basic"],
        }
    }
}

/// Reads the registered members into the metadata, the rest into `extra` (one strict pass).
struct Reader<'m> {
    m: &'m mut AuthorizationServerMetadata,
    has_issuer: &'m mut bool,
}

impl<'de> json::Members<'de> for Reader<'_> {
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
        rec: &mut Recorder<Fault>,
    ) -> Result<bool, A::Error> {
        let m = &mut *self.m;
        macro_rules! string {
            ($field:ident) => {{
                m.$field = map.next_value_seed(json::Str {
                    member: stringify!($field),
                    rec,
                })?;
            }};
        }
        macro_rules! strings {
            ($field:ident) => {{
                m.$field = map.next_value_seed(json::Strings {
                    member: stringify!($field),
                    rec,
                })?;
            }};
        }
        macro_rules! flag {
            ($field:ident) => {{
                m.$field = map
                    .next_value_seed(json::Bool {
                        member: stringify!($field),
                        rec,
                    })?
                    .unwrap_or(false);
            }};
        }
        match name {
            "issuer" => {
                let v = map.next_value_seed(json::Str {
                    member: "issuer",
                    rec,
                })?;
                *self.has_issuer = v.is_some();
                m.issuer = v.unwrap_or_default();
            }
            "authorization_endpoint" => string!(authorization_endpoint),
            "token_endpoint" => string!(token_endpoint),
            "jwks_uri" => string!(jwks_uri),
            "registration_endpoint" => string!(registration_endpoint),
            "scopes_supported" => strings!(scopes_supported),
            "response_types_supported" => strings!(response_types_supported),
            "response_modes_supported" => strings!(response_modes_supported),
            "grant_types_supported" => strings!(grant_types_supported),
            "token_endpoint_auth_methods_supported" => {
                strings!(token_endpoint_auth_methods_supported)
            }
            "token_endpoint_auth_signing_alg_values_supported" => {
                strings!(token_endpoint_auth_signing_alg_values_supported)
            }
            "revocation_endpoint" => string!(revocation_endpoint),
            "introspection_endpoint" => string!(introspection_endpoint),
            "code_challenge_methods_supported" => strings!(code_challenge_methods_supported),
            "device_authorization_endpoint" => string!(device_authorization_endpoint),
            "pushed_authorization_request_endpoint" => {
                string!(pushed_authorization_request_endpoint)
            }
            "require_pushed_authorization_requests" => {
                flag!(require_pushed_authorization_requests)
            }
            "authorization_response_iss_parameter_supported" => {
                flag!(authorization_response_iss_parameter_supported)
            }
            "dpop_signing_alg_values_supported" => strings!(dpop_signing_alg_values_supported),
            "userinfo_endpoint" => string!(userinfo_endpoint),
            "end_session_endpoint" => string!(end_session_endpoint),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Reads stored metadata (as [`Serialize`] wrote it) with the same strict pass as
/// [`AuthorizationServerMetadata::from_json`], without the issuer and URL checks of a fetched
/// document.
impl<'de> Deserialize<'de> for AuthorizationServerMetadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeSeed, Error as _};
        let mut m = AuthorizationServerMetadata::new(String::new());
        let mut has_issuer = false;
        let mut rec = Recorder::new();
        m.extra = json::ObjectSeed {
            members: &mut Reader {
                m: &mut m,
                has_issuer: &mut has_issuer,
            },
            rec: &mut rec,
        }
        .deserialize(d)?;
        if !has_issuer {
            return Err(D::Error::missing_field("issuer"));
        }
        Ok(m)
    }
}

/// The well-known URL of `issuer`'s metadata: for RFC 8414 the well-known path goes between the
/// host and the issuer's path (`https://as.example/tenant` →
/// `https://as.example/.well-known/oauth-authorization-server/tenant`); for OpenID Connect it
/// is appended (`…/tenant/.well-known/openid-configuration`).
pub fn well_known_url(issuer: &str, which: WellKnown) -> Result<Url, Error> {
    let mut url = check_issuer(issuer)?;
    let path = url.path().trim_end_matches('/').to_owned();
    let new_path = match which {
        WellKnown::OAuthAuthorizationServer => {
            format!("/.well-known/oauth-authorization-server{path}")
        }
        WellKnown::OpenIdConfiguration => format!("{path}/.well-known/openid-configuration"),
    };
    url.set_path(&new_path);
    Ok(url)
}

/// Checks an issuer identifier: absolute, `https` (or `http` on a loopback host), no query, no
/// fragment (RFC 8414 §2).
pub(crate) fn check_issuer(issuer: &str) -> Result<Url, Error> {
    let url = parse_url("issuer", issuer)?;
    if url.query().is_some() {
        return Err(Error::InvalidUrl {
            what: "issuer",
            url: issuer.to_owned(),
            problem: UrlProblem::Query,
        });
    }
    Ok(url)
}

/// Checks an endpoint URL: absolute, `https` (or `http` on a loopback host), no fragment
/// (RFC 6749 §3.1, §3.2).
pub(crate) fn check_endpoint(what: &'static str, endpoint: &str) -> Result<Url, Error> {
    parse_url(what, endpoint)
}

fn parse_url(what: &'static str, s: &str) -> Result<Url, Error> {
    let bad = |problem| Error::InvalidUrl {
        what,
        url: s.to_owned(),
        problem,
    };
    let url = Url::parse(s).map_err(|e| bad(UrlProblem::Unparsable(e)))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if loopback => {}
        _ => return Err(bad(UrlProblem::NotHttps)),
    }
    if url.fragment().is_some() {
        return Err(bad(UrlProblem::Fragment));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_path_insertion_and_oidc_appending() {
        let u = |i, w| well_known_url(i, w).unwrap().to_string();
        use WellKnown::*;
        assert_eq!(
            u("https://as.example", OAuthAuthorizationServer),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            u("https://as.example/", OAuthAuthorizationServer),
            "https://as.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            u("https://as.example/issuer1", OAuthAuthorizationServer),
            "https://as.example/.well-known/oauth-authorization-server/issuer1"
        );
        assert_eq!(
            u("https://as.example/tenant/v2.0", OpenIdConfiguration),
            "https://as.example/tenant/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(
            u("http://127.0.0.1:3000", OpenIdConfiguration),
            "http://127.0.0.1:3000/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuers_must_be_https_without_query_or_fragment() {
        for (i, p) in [
            ("http://as.example", UrlProblem::NotHttps),
            ("https://as.example?x=1", UrlProblem::Query),
            ("https://as.example#f", UrlProblem::Fragment),
            ("ftp://as.example", UrlProblem::NotHttps),
        ] {
            match well_known_url(i, WellKnown::OAuthAuthorizationServer) {
                Err(Error::InvalidUrl { problem, .. }) => assert_eq!(problem, p, "{i}"),
                other => panic!("{i}: {other:?}"),
            }
        }
        assert!(matches!(
            well_known_url("as.example", WellKnown::OAuthAuthorizationServer),
            Err(Error::InvalidUrl {
                problem: UrlProblem::Unparsable(_),
                ..
            })
        ));
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        let doc =
            br#"{"issuer":"https://as.example/","token_endpoint":"https://as.example/token"}"#;
        match AuthorizationServerMetadata::from_json("https://as.example", doc) {
            Err(Error::IssuerMismatch { expected, found }) => {
                assert_eq!(expected, "https://as.example");
                assert_eq!(found, "https://as.example/");
            }
            other => panic!("{other:?}"),
        }
        let m = AuthorizationServerMetadata::from_json("https://as.example/", doc).unwrap();
        assert_eq!(
            m.token_endpoint.as_deref(),
            Some("https://as.example/token")
        );
    }

    #[test]
    fn unknown_members_are_kept_and_wrong_types_refused() {
        let doc = br#"{"issuer":"https://as.example","x_vendor":{"a":[1]},"authorization_response_iss_parameter_supported":true}"#;
        let m = AuthorizationServerMetadata::from_json("https://as.example", doc).unwrap();
        assert_eq!(m.extra["x_vendor"]["a"][0], 1);
        assert!(m.authorization_response_iss_parameter_supported);
        assert_eq!(m.token_auth_methods(), ["client_secret_basic"]);

        let bad = br#"{"issuer":"https://as.example","token_endpoint":5}"#;
        assert!(matches!(
            AuthorizationServerMetadata::from_json("https://as.example", bad),
            Err(Error::InvalidResponse {
                problem: crate::ResponseProblem::Invalid {
                    member: "token_endpoint",
                    ..
                },
                ..
            })
        ));
        let flag =
            br#"{"issuer":"https://as.example","require_pushed_authorization_requests":"yes"}"#;
        assert!(matches!(
            AuthorizationServerMetadata::from_json("https://as.example", flag),
            Err(Error::InvalidResponse { .. })
        ));
        let list = br#"{"issuer":"https://as.example","scopes_supported":["a",1]}"#;
        assert!(matches!(
            AuthorizationServerMetadata::from_json("https://as.example", list),
            Err(Error::InvalidResponse { .. })
        ));
        let nested_dup = br#"{"issuer":"https://as.example","x":{"a":1,"a":2}}"#;
        assert!(matches!(
            AuthorizationServerMetadata::from_json("https://as.example", nested_dup),
            Err(Error::Core(tessera_core::Error::DuplicateMember { .. }))
        ));
        assert!(matches!(
            AuthorizationServerMetadata::from_json(
                "https://as.example",
                br#"{"jwks_uri":"https://as.example/k"}"#
            ),
            Err(Error::InvalidResponse {
                problem: crate::ResponseProblem::Missing { member: "issuer" },
                ..
            })
        ));
        // What Serialize writes, Deserialize reads back.
        let back: AuthorizationServerMetadata =
            serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let dup = br#"{"issuer":"https://as.example","issuer":"https://evil.example"}"#;
        assert!(matches!(
            AuthorizationServerMetadata::from_json("https://as.example", dup),
            Err(Error::Core(tessera_core::Error::DuplicateMember { .. }))
        ));
        // A plain-http endpoint is refused when a request is built for it.
        let plain_http =
            br#"{"issuer":"https://as.example","token_endpoint":"http://as.example/t"}"#;
        let m = AuthorizationServerMetadata::from_json("https://as.example", plain_http).unwrap();
        let client = crate::Client::new("c", crate::ClientAuth::none(), m);
        assert!(matches!(
            crate::grants::ClientCredentials::new().request(&client, tessera_core::UnixTime(0)),
            Err(Error::InvalidUrl {
                what: "token_endpoint",
                problem: UrlProblem::NotHttps,
                ..
            })
        ));
    }

    #[test]
    fn responses_need_200_and_json() {
        let ok = http::Response::builder()
            .status(200)
            .header("content-type", "application/json; charset=utf-8")
            .body(br#"{"issuer":"https://as.example"}"#.to_vec())
            .unwrap();
        AuthorizationServerMetadata::parse_response("https://as.example", &ok).unwrap();
        let html = http::Response::builder()
            .status(200)
            .header("content-type", "text/html")
            .body(b"<html>".to_vec())
            .unwrap();
        assert!(matches!(
            AuthorizationServerMetadata::parse_response("https://as.example", &html),
            Err(Error::ContentType { .. })
        ));
        let missing = http::Response::builder()
            .status(404)
            .body(Vec::new())
            .unwrap();
        assert!(matches!(
            AuthorizationServerMetadata::parse_response("https://as.example", &missing),
            Err(Error::UnexpectedStatus { .. })
        ));
    }
}
