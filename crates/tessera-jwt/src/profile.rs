//! Profiles: RFC 9068 JWT access tokens and RFC 7523 assertions.

use serde::{Deserialize, Serialize};
use tessera_core::UnixTime;

use crate::{JwtBuilder, PolicyBuilder};

/// The `typ` of an RFC 9068 access token.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The `typ` of a DPoP proof (RFC 9449 §4.2).
pub const DPOP_PROOF_TYP: &str = "dpop+jwt";

/// The claims RFC 9068 §2.2 requires in every JWT access token.
pub const ACCESS_TOKEN_REQUIRED: [&str; 7] =
    ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];

/// The non-registered claims of an RFC 9068 access token (§2.2, §2.2.2, §2.2.3). Use it as the
/// `T` of [`Claims`](crate::Claims) with a policy from [`PolicyBuilder::access_token`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// `client_id`: the client the token was issued to (RFC 8693 §4.3).
    pub client_id: String,
    /// `scope`: space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `auth_time`: when the user authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// `acr`: the authentication context class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// `amr`: the authentication methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// `groups` (RFC 7643 attributes, §2.2.3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// `roles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// `entitlements`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<String>>,
    /// `cnf`: the key the token is bound to (RFC 7800), for sender-constrained tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// The `cnf` (confirmation) claim of a sender-constrained token (RFC 7800 §3.1): the key whose
/// holder may present it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Confirmation {
    /// `jkt`: the RFC 7638 SHA-256 thumbprint of a DPoP key (RFC 9449 §6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jkt: Option<String>,
    /// `x5t#S256`: the SHA-256 thumbprint of a client certificate (RFC 8705 §3.1).
    #[serde(default, rename = "x5t#S256", skip_serializing_if = "Option::is_none")]
    pub x5t_s256: Option<String>,
    /// `jwk`: the key itself (RFC 7800 §3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<serde_json::Value>,
    /// `kid`: the key's identifier (RFC 7800 §3.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

impl Confirmation {
    /// A confirmation by DPoP key thumbprint.
    pub fn jkt(thumbprint: impl Into<String>) -> Self {
        Confirmation {
            jkt: Some(thumbprint.into()),
            ..Confirmation::default()
        }
    }
}

impl AccessTokenClaims {
    /// The scopes, split on spaces.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }
}

impl PolicyBuilder {
    /// A policy for RFC 9068 JWT access tokens at a resource server: `typ` must be `at+jwt`
    /// (or `application/at+jwt`), `iss` must be `issuer`, `aud` must include `audience`, and
    /// `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` are required. Name the
    /// algorithms the authorization server uses before building.
    pub fn access_token(issuer: impl Into<String>, audience: impl Into<String>) -> PolicyBuilder {
        PolicyBuilder::default()
            .typ(ACCESS_TOKEN_TYP)
            .issuer(issuer)
            .audience(audience)
            .required_claims(ACCESS_TOKEN_REQUIRED)
    }

    /// A policy for DPoP proofs (RFC 9449 §4.3) at a resource or authorization server: `typ`
    /// must be `dpop+jwt`, `iat` and `jti` are required and `iat` must be at most
    /// `max_age_secs` old (nor in the future beyond the leeway). A proof has no `iss`, `aud` or
    /// `exp` — the profile expects none, which is not a waiver: the proof is bound instead to
    /// the request (`htm`, `htu`), the access token (`ath`) and a key (`cnf.jkt`), which the
    /// caller checks. Verify with [`EmbeddedKey`](crate::EmbeddedKey) and name the asymmetric
    /// algorithms accepted before building.
    pub fn dpop_proof(max_age_secs: u64) -> PolicyBuilder {
        let mut b = PolicyBuilder::default()
            .typ(DPOP_PROOF_TYP)
            .required_claims(["iat", "jti"])
            .max_age(max_age_secs);
        b.p.required.retain(|c| c != "exp");
        b.audience_waived = true;
        b.issuer_waived = true;
        b
    }

    /// A policy for RFC 7523 JWT assertions (client authentication §2.2 and authorization grants
    /// §2.1) received by an authorization server: `aud` must include `audience` (its token
    /// endpoint or issuer identifier), and `iss`, `sub`, `aud` and `exp` are required (§3).
    /// Set the expected issuer (for client authentication, the `client_id`) with
    /// [`issuer`](PolicyBuilder::issuer) and the algorithms before building; add
    /// [`max_age`](PolicyBuilder::max_age) to bound how long an assertion lives.
    pub fn assertion(audience: impl Into<String>) -> PolicyBuilder {
        PolicyBuilder::default()
            .audience(audience)
            .required_claims(["iss", "sub", "aud", "exp"])
    }
}

impl JwtBuilder {
    /// An RFC 9068 access token: `typ: at+jwt` and every required claim.
    pub fn access_token(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<String>,
        client_id: impl Into<String>,
        now: UnixTime,
        lifetime_secs: u64,
    ) -> JwtBuilder {
        JwtBuilder::new()
            .typ(ACCESS_TOKEN_TYP)
            .issuer(issuer)
            .subject(subject)
            .audience(audience)
            .claim("client_id", client_id.into())
            .issued_at(now)
            .expires_in(now, lifetime_secs)
            .random_jwt_id()
    }

    /// An RFC 7523 assertion: `iss`, `sub`, `aud`, `exp` (`now + lifetime_secs`), `iat` and a
    /// random `jti`. For client authentication (§2.2) `issuer` and `subject` are both the
    /// `client_id` and `audience` is the token endpoint or the issuer identifier.
    pub fn assertion(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<String>,
        now: UnixTime,
        lifetime_secs: u64,
    ) -> JwtBuilder {
        JwtBuilder::new()
            .issuer(issuer)
            .subject(subject)
            .audience(audience)
            .issued_at(now)
            .expires_in(now, lifetime_secs)
            .random_jwt_id()
    }
}
