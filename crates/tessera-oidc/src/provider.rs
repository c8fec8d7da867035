//! An OpenID Provider: its discovery document (OpenID Connect Discovery 1.0) and its signing
//! keys, fetched from `jwks_uri` through the remote JWK Set cache.

use std::sync::Arc;

use tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES;
use tessera_core::{HttpClient, HttpResponse};
use tessera_jose::JwsAlgorithm;
use tessera_jose::remote::{RemoteJwkSet, RemoteJwkSetConfig};
use tessera_jwt::RemoteKeys;
use tessera_oauth::{AuthorizationServerMetadata, WellKnown};

use crate::Error;
use crate::error::DiscoveryProblem;

/// How discovery treats the provider's `issuer`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Discovery {
    issuer_template: bool,
}

impl Discovery {
    /// Exact issuer matching (OpenID Connect Discovery §4.3), the default.
    pub fn new() -> Self {
        Discovery::default()
    }

    /// Accepts a discovery document whose `issuer` is a template with `{tenantid}` in place of
    /// a path segment of the issuer asked for (Entra ID's multi-tenant `common` and
    /// `organizations` endpoints). Each ID token's `iss` must then be the template with its own
    /// `tid` claim in place of `{tenantid}`.
    pub fn allow_issuer_template(mut self) -> Self {
        self.issuer_template = true;
        self
    }

    /// Reads a discovery document for `issuer`: strictly (no repeated member, capped),
    /// `issuer` exactly the one asked for — or, with the opt-in, a `{tenantid}` template —
    /// and the members OpenID Connect needs present (`authorization_endpoint`, `jwks_uri`).
    pub fn parse(&self, issuer: &str, json: &[u8]) -> Result<AuthorizationServerMetadata, Error> {
        const WHAT: &str = "OpenID discovery document";
        tessera_core::limits::check(WHAT, json.len(), DEFAULT_MAX_DOCUMENT_BYTES)
            .map_err(tessera_oauth::Error::from)?;
        let m = match AuthorizationServerMetadata::from_json(issuer, json) {
            Ok(m) => m,
            Err(tessera_oauth::Error::IssuerMismatch { found, .. })
                if found.contains("{tenantid}") =>
            {
                if !self.issuer_template {
                    return Err(Error::Discovery(DiscoveryProblem::IssuerTemplate { found }));
                }
                let m: AuthorizationServerMetadata = tessera_core::json::from_slice(json, WHAT)
                    .map_err(tessera_oauth::Error::from)?;
                if !template_fits(&m.issuer, issuer) {
                    return Err(Error::OAuth(tessera_oauth::Error::IssuerMismatch {
                        expected: issuer.to_owned(),
                        found: m.issuer,
                    }));
                }
                m
            }
            Err(e) => return Err(e.into()),
        };
        if m.authorization_endpoint.is_none() {
            return Err(Error::Discovery(DiscoveryProblem::Missing {
                member: "authorization_endpoint",
            }));
        }
        if m.jwks_uri.is_none() {
            return Err(Error::Discovery(DiscoveryProblem::Missing {
                member: "jwks_uri",
            }));
        }
        Ok(m)
    }

    /// Reads the response to a `GET` of the discovery URL ([`Provider::discovery_request`]).
    pub fn parse_response(
        &self,
        issuer: &str,
        response: &HttpResponse,
    ) -> Result<AuthorizationServerMetadata, Error> {
        if response.status() != http::StatusCode::OK {
            return Err(Error::OAuth(tessera_oauth::Error::UnexpectedStatus {
                what: "OpenID discovery document",
                status: response.status(),
            }));
        }
        let json = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let t = v.split(';').next().unwrap_or("").trim();
                t.eq_ignore_ascii_case("application/json")
            });
        if !json {
            return Err(Error::OAuth(tessera_oauth::Error::ContentType {
                what: "OpenID discovery document",
                expected: "application/json",
                found: response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            }));
        }
        self.parse(issuer, response.body())
    }
}

/// Whether `template` is `issuer` with one path segment replaced by `{tenantid}`, or `issuer`
/// itself with a `{tenantid}` segment where `issuer` has `common`, `organizations` or
/// `consumers` (Entra ID).
fn template_fits(template: &str, issuer: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let i: Vec<&str> = issuer.trim_end_matches('/').split('/').collect();
    t.len() == i.len()
        && t.iter().filter(|s| **s == "{tenantid}").count() == 1
        && t.iter().zip(&i).all(|(a, b)| a == b || *a == "{tenantid}")
}

/// Whether `iss` is `template` with `{tenantid}` replaced by `tid`.
pub(crate) fn iss_fits_template(template: &str, iss: &str, tid: Option<&str>) -> bool {
    match tid {
        Some(tid) if !tid.is_empty() && !tid.contains('/') => {
            template.replacen("{tenantid}", tid, 1) == iss
        }
        _ => false,
    }
}

/// An OpenID Provider: its metadata and its keys.
#[derive(Clone, Debug)]
pub struct Provider {
    metadata: AuthorizationServerMetadata,
    keys: RemoteKeys,
}

impl Provider {
    /// The `GET` of `issuer`'s discovery document (`/.well-known/openid-configuration`
    /// appended to the issuer).
    pub fn discovery_request(issuer: &str) -> Result<tessera_core::HttpRequest, Error> {
        Ok(AuthorizationServerMetadata::request(
            issuer,
            WellKnown::OpenIdConfiguration,
        )?)
    }

    /// A provider from its checked metadata; its keys are fetched from `jwks_uri` through
    /// `http` by the remote JWK Set cache (refetched on an unknown `kid` at most once per
    /// cooldown).
    pub fn new(
        metadata: AuthorizationServerMetadata,
        http: Arc<dyn HttpClient>,
    ) -> Result<Self, Error> {
        let jwks_uri =
            metadata
                .jwks_uri
                .clone()
                .ok_or(Error::Discovery(DiscoveryProblem::Missing {
                    member: "jwks_uri",
                }))?;
        let config = RemoteJwkSetConfig::new(&jwks_uri)
            .map_err(|e| Error::Jwt(tessera_jwt::Error::Remote(e)))?;
        Ok(Self::with_keys(
            metadata,
            RemoteKeys::new(RemoteJwkSet::new(config, http)),
        ))
    }

    /// A provider with keys from elsewhere (a configured JWK Set, a test).
    pub fn with_keys(metadata: AuthorizationServerMetadata, keys: RemoteKeys) -> Self {
        Provider { metadata, keys }
    }

    /// Discovers `issuer` through `http` with the rules of `discovery`.
    pub async fn discover(
        http: Arc<dyn HttpClient>,
        issuer: &str,
        discovery: &Discovery,
    ) -> Result<Self, Error> {
        let req = Self::discovery_request(issuer)?;
        let res = http.execute(req).await.map_err(|source| {
            Error::OAuth(tessera_oauth::Error::Transport {
                endpoint: "discovery endpoint",
                source,
            })
        })?;
        let metadata = discovery.parse_response(issuer, &res)?;
        Self::new(metadata, http)
    }

    /// The provider's metadata.
    pub fn metadata(&self) -> &AuthorizationServerMetadata {
        &self.metadata
    }

    /// The provider's signing keys.
    pub fn keys(&self) -> &RemoteKeys {
        &self.keys
    }

    /// The ID token signing algorithms the provider advertises that tessera implements
    /// (`id_token_signing_alg_values_supported`; `none` never). RS256 when it advertises none.
    pub fn id_token_algorithms(&self) -> Vec<JwsAlgorithm> {
        let advertised = self
            .metadata
            .extra
            .get("id_token_signing_alg_values_supported")
            .and_then(|v| v.as_array());
        match advertised {
            Some(list) => list
                .iter()
                .filter_map(|v| v.as_str())
                .filter_map(|s| s.parse::<JwsAlgorithm>().ok())
                .collect(),
            None => vec![JwsAlgorithm::RS256],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"issuer":"https://op.example","authorization_endpoint":"https://op.example/auth","token_endpoint":"https://op.example/token","jwks_uri":"https://op.example/jwks","id_token_signing_alg_values_supported":["RS256","ES256","none"],"x":1}"#;

    #[test]
    fn exact_issuer_and_required_members() {
        let m = Discovery::new()
            .parse("https://op.example", DOC.as_bytes())
            .unwrap();
        assert_eq!(m.extra["x"], 1);
        assert!(matches!(
            Discovery::new().parse("https://op.example/", DOC.as_bytes()),
            Err(Error::OAuth(tessera_oauth::Error::IssuerMismatch { .. }))
        ));
        let no_jwks =
            r#"{"issuer":"https://op.example","authorization_endpoint":"https://op.example/auth"}"#;
        assert!(matches!(
            Discovery::new().parse("https://op.example", no_jwks.as_bytes()),
            Err(Error::Discovery(DiscoveryProblem::Missing {
                member: "jwks_uri"
            }))
        ));
    }

    #[test]
    fn entra_issuer_templates_only_when_allowed() {
        let doc = r#"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","authorization_endpoint":"https://login.microsoftonline.com/common/oauth2/v2.0/authorize","jwks_uri":"https://login.microsoftonline.com/common/discovery/v2.0/keys"}"#;
        let asked = "https://login.microsoftonline.com/common/v2.0";
        assert!(matches!(
            Discovery::new().parse(asked, doc.as_bytes()),
            Err(Error::Discovery(DiscoveryProblem::IssuerTemplate { .. }))
        ));
        let m = Discovery::new()
            .allow_issuer_template()
            .parse(asked, doc.as_bytes())
            .unwrap();
        assert!(iss_fits_template(
            &m.issuer,
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        ));
        assert!(!iss_fits_template(
            &m.issuer,
            "https://login.microsoftonline.com/other/v2.0",
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        ));
        assert!(!iss_fits_template(
            &m.issuer,
            "https://login.microsoftonline.com//v2.0",
            Some("")
        ));
        // A template for another host is not a template of the issuer asked for.
        let elsewhere = doc.replace(
            "login.microsoftonline.com/{tenantid}",
            "evil.example/{tenantid}",
        );
        assert!(
            Discovery::new()
                .allow_issuer_template()
                .parse(asked, elsewhere.as_bytes())
                .is_err()
        );
    }
}
