//! OAuth 2.0 Protected Resource Metadata (RFC 9728): from a resource server's `401` to the
//! authorization server that issues its tokens — resource → its metadata → authorization
//! server metadata — as MCP clients do.
//!
//! ```
//! use tessera_oauth::resource::{ResourceMetadata, resource_metadata_url_from_challenge};
//!
//! let res = tessera_core::http::Response::builder()
//!     .status(401)
//!     .header("www-authenticate",
//!             r#"Bearer resource_metadata="https://api.example/.well-known/oauth-protected-resource""#)
//!     .body(Vec::new())
//!     .unwrap();
//! assert_eq!(
//!     resource_metadata_url_from_challenge(&res).as_deref(),
//!     Some("https://api.example/.well-known/oauth-protected-resource")
//! );
//! let doc = br#"{"resource":"https://api.example","authorization_servers":["https://as.example"],
//!                "scopes_supported":["orders.read"],"bearer_methods_supported":["header"]}"#;
//! let m = ResourceMetadata::from_json("https://api.example", doc)?;
//! assert_eq!(m.authorization_servers, ["https://as.example"]);
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use serde::Serialize;
use serde::de::MapAccess;
use serde_json::{Map, Value};
use tessera_core::json::Recorder;
use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpRequest, HttpResponse};
use url::Url;

use crate::challenge::Challenge;
use crate::error::{ResponseProblem, UrlProblem};
use crate::json::{self, Fault};
use crate::{AuthorizationServerMetadata, Error, WellKnown, http_util};

/// A protected resource's metadata (RFC 9728 §2): the registered members typed, the rest kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ResourceMetadata {
    /// The resource identifier: must equal the one asked for (§3.3).
    pub resource: String,
    /// The issuers of the authorization servers that issue tokens for it.
    pub authorization_servers: Vec<String>,
    /// `jwks_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// `scopes_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    /// `bearer_methods_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_methods_supported: Option<Vec<String>>,
    /// `dpop_signing_alg_values_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// `dpop_bound_access_tokens_required`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dpop_bound_access_tokens_required: bool,
    /// Every other member.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

struct Reader<'m> {
    m: &'m mut ResourceMetadata,
    has_resource: bool,
}

impl<'de> json::Members<'de> for Reader<'_> {
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
        rec: &mut Recorder<Fault>,
    ) -> Result<bool, A::Error> {
        let m = &mut *self.m;
        match name {
            "resource" => {
                let v = map.next_value_seed(json::Str {
                    member: "resource",
                    rec,
                })?;
                self.has_resource = v.is_some();
                m.resource = v.unwrap_or_default();
            }
            "authorization_servers" => {
                m.authorization_servers = map
                    .next_value_seed(json::Strings {
                        member: "authorization_servers",
                        rec,
                    })?
                    .unwrap_or_default();
            }
            "jwks_uri" => {
                m.jwks_uri = map.next_value_seed(json::Str {
                    member: "jwks_uri",
                    rec,
                })?;
            }
            "scopes_supported" => {
                m.scopes_supported = map.next_value_seed(json::Strings {
                    member: "scopes_supported",
                    rec,
                })?;
            }
            "bearer_methods_supported" => {
                m.bearer_methods_supported = map.next_value_seed(json::Strings {
                    member: "bearer_methods_supported",
                    rec,
                })?;
            }
            "dpop_signing_alg_values_supported" => {
                m.dpop_signing_alg_values_supported = map.next_value_seed(json::Strings {
                    member: "dpop_signing_alg_values_supported",
                    rec,
                })?;
            }
            "dpop_bound_access_tokens_required" => {
                m.dpop_bound_access_tokens_required = map
                    .next_value_seed(json::Bool {
                        member: "dpop_bound_access_tokens_required",
                        rec,
                    })?
                    .unwrap_or(false);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl ResourceMetadata {
    /// The well-known URL of `resource`'s metadata: `/.well-known/oauth-protected-resource`
    /// inserted before the resource's path (RFC 9728 §3.1).
    pub fn url(resource: &str) -> Result<Url, Error> {
        let mut url = parse(resource)?;
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("/.well-known/oauth-protected-resource{path}"));
        url.set_query(None);
        Ok(url)
    }

    /// The `GET` of a metadata URL (the well-known one, or one from a challenge).
    pub fn request(metadata_url: &str) -> Result<HttpRequest, Error> {
        parse(metadata_url)?;
        http_util::get(metadata_url, "application/json")
    }

    /// Reads a metadata document for `resource`: strictly, `resource` exactly the one asked for
    /// (RFC 9728 §3.3: else an impersonation), every authorization server an `https` URL.
    pub fn from_json(resource: &str, json_bytes: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "protected resource metadata";
        tessera_core::limits::check(WHAT, json_bytes.len(), DEFAULT_MAX_DOCUMENT_BYTES)?;
        let mut m = ResourceMetadata {
            resource: String::new(),
            authorization_servers: Vec::new(),
            jwks_uri: None,
            scopes_supported: None,
            bearer_methods_supported: None,
            dpop_signing_alg_values_supported: None,
            dpop_bound_access_tokens_required: false,
            extra: Map::new(),
        };
        let mut r = Reader {
            m: &mut m,
            has_resource: false,
        };
        let extra = json::read_object(json_bytes, WHAT, &mut r)?;
        if !r.has_resource {
            return Err(http_util::problem(
                WHAT,
                ResponseProblem::Missing { member: "resource" },
            ));
        }
        m.extra = extra;
        if m.resource != resource {
            return Err(Error::ResourceMismatch {
                expected: resource.to_owned(),
                found: m.resource,
            });
        }
        for s in &m.authorization_servers {
            crate::metadata::check_issuer(s)?;
        }
        Ok(m)
    }

    /// Reads the response to [`request`](Self::request).
    pub fn parse_response(resource: &str, response: &HttpResponse) -> Result<Self, Error> {
        const WHAT: &str = "protected resource metadata";
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        http_util::expect_json(WHAT, response)?;
        Self::from_json(resource, response.body())
    }
}

fn parse(url: &str) -> Result<Url, Error> {
    crate::metadata::check_endpoint("resource", url).and_then(|u| {
        if u.fragment().is_some() {
            Err(Error::InvalidUrl {
                what: "resource",
                url: url.to_owned(),
                problem: UrlProblem::Fragment,
            })
        } else {
            Ok(u)
        }
    })
}

/// The `resource_metadata` URL of a resource server's `401` (RFC 9728 §5.1), if its
/// `WWW-Authenticate` names one.
pub fn resource_metadata_url_from_challenge(response: &HttpResponse) -> Option<String> {
    Challenge::from_headers(response.headers())
        .ok()?
        .into_iter()
        .find_map(|c| c.param("resource_metadata").map(str::to_owned))
}

/// The chain from a resource to its authorization server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Discovered {
    /// The resource's metadata.
    pub resource: ResourceMetadata,
    /// The metadata of its first authorization server.
    pub authorization_server: AuthorizationServerMetadata,
}

/// From a resource URL to its authorization server: `GET` the resource; on a `401` with
/// `resource_metadata`, read that document (else the well-known one), then the first
/// authorization server's metadata (RFC 8414, falling back to OpenID discovery).
pub async fn discover(
    http: &(impl HttpClient + ?Sized),
    resource_url: &str,
) -> Result<Discovered, Error> {
    let probe = http_util::get(resource_url, "application/json")?;
    let res = http_util::send(http, probe, "protected resource").await?;
    let mut resource_id = parse(resource_url)?;
    resource_id.set_query(None);
    let metadata_url = resource_metadata_url_from_challenge(&res).map_or_else(
        || ResourceMetadata::url(resource_url).map(|u| u.to_string()),
        Ok,
    )?;
    let req = ResourceMetadata::request(&metadata_url)?;
    let res = http_util::send(http, req, "protected resource metadata endpoint").await?;
    // The `resource` must be the identifier of the resource asked about: its URL without the
    // query, with or without a trailing slash for a bare origin (as servers publish it).
    let doc = ResourceMetadata::parse_response(resource_id.as_str(), &res).or_else(|e| {
        let trimmed = resource_id.as_str().trim_end_matches('/');
        match e {
            Error::ResourceMismatch { .. } if trimmed != resource_id.as_str() => {
                ResourceMetadata::parse_response(trimmed, &res)
            }
            other => Err(other),
        }
    })?;
    let issuer = doc
        .authorization_servers
        .first()
        .ok_or(Error::InvalidResponse {
            what: "protected resource metadata",
            problem: ResponseProblem::Missing {
                member: "authorization_servers",
            },
        })?
        .clone();
    let asm = match AuthorizationServerMetadata::discover(
        http,
        &issuer,
        WellKnown::OAuthAuthorizationServer,
    )
    .await
    {
        Ok(m) => m,
        Err(Error::UnexpectedStatus { .. }) => {
            AuthorizationServerMetadata::discover(http, &issuer, WellKnown::OpenIdConfiguration)
                .await?
        }
        Err(e) => return Err(e),
    };
    Ok(Discovered {
        resource: doc,
        authorization_server: asm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_url_and_strict_documents() {
        assert_eq!(
            ResourceMetadata::url("https://api.example/v1/mcp")
                .unwrap()
                .as_str(),
            "https://api.example/.well-known/oauth-protected-resource/v1/mcp"
        );
        let ok = br#"{"resource":"https://api.example","authorization_servers":["https://as.example"],"x":1}"#;
        let m = ResourceMetadata::from_json("https://api.example", ok).unwrap();
        assert_eq!(m.extra["x"], 1);
        assert!(matches!(
            ResourceMetadata::from_json("https://other.example", ok),
            Err(Error::ResourceMismatch { .. })
        ));
        for bad in [
            &br#"{"authorization_servers":["https://as.example"]}"#[..],
            br#"{"resource":"https://api.example","authorization_servers":"https://as.example"}"#,
            br#"{"resource":"https://api.example","authorization_servers":["http://as.example"]}"#,
            br#"{"resource":"https://api.example","resource":"https://api.example"}"#,
        ] {
            assert!(
                ResourceMetadata::from_json("https://api.example", bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn from_a_401_to_the_authorization_server() {
        let http = |req: HttpRequest| async move {
            let (status, www, body): (u16, Option<&str>, &str) = match req.uri().path() {
                "/orders" => (
                    401,
                    Some(
                        r#"Bearer error="invalid_token", resource_metadata="https://api.example/.well-known/oauth-protected-resource/orders""#,
                    ),
                    "",
                ),
                "/.well-known/oauth-protected-resource/orders" => (
                    200,
                    None,
                    r#"{"resource":"https://api.example/orders","authorization_servers":["https://as.example/tenant"]}"#,
                ),
                "/.well-known/oauth-authorization-server/tenant" => (
                    200,
                    None,
                    r#"{"issuer":"https://as.example/tenant","token_endpoint":"https://as.example/tenant/token"}"#,
                ),
                _ => (404, None, ""),
            };
            let mut b = tessera_core::http::Response::builder()
                .status(status)
                .header("content-type", "application/json");
            if let Some(w) = www {
                b = b.header("www-authenticate", w);
            }
            Ok::<_, tessera_core::TransportError>(b.body(body.as_bytes().to_vec()).unwrap())
        };
        let d = futures_executor::block_on(discover(&http, "https://api.example/orders")).unwrap();
        assert_eq!(d.resource.resource, "https://api.example/orders");
        assert_eq!(
            d.authorization_server.token_endpoint.as_deref(),
            Some("https://as.example/tenant/token")
        );
    }
}
