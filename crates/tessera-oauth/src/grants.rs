//! The grants that are one request to the token endpoint: client credentials (RFC 6749 §4.4),
//! refresh (§6), token exchange (RFC 8693) and JWT bearer (RFC 7523 §2.1).
//!
//! Each is a value with the same four methods: `request` builds the HTTP request (a pure
//! function of the client, `now` and, for JWT client authentication, randomness —
//! `request_with_rng` takes the generator), `parse_response` reads the server's answer,
//! and `send` does both over an [`HttpClient`].

use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};

use crate::error::{ParameterProblem, ResponseProblem};
use crate::http_util::{self, check_extra, check_scope, problem};
use crate::token::{RefreshToken, TokenResponse};
use crate::{Client, Error};

/// `grant_type` for token exchange (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `grant_type` for the JWT bearer grant (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Token type identifiers of RFC 8693 §3.
pub mod token_types {
    /// An OAuth 2.0 access token.
    pub const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
    /// An OAuth 2.0 refresh token.
    pub const REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
    /// An OpenID Connect ID token.
    pub const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
    /// A JWT.
    pub const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
    /// A base64url-encoded SAML 1.1 assertion.
    pub const SAML1: &str = "urn:ietf:params:oauth:token-type:saml1";
    /// A base64url-encoded SAML 2.0 assertion.
    pub const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
}

/// Parameters a caller's extra parameter may never override: the grant's own and the client
/// authentication's.
const ALWAYS_RESERVED: [&str; 5] = [
    "grant_type",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

/// A grant's own parameters, and the caller's extra ones.
type GrantParams<'a> = (Vec<(&'static str, String)>, &'a [(String, String)]);

/// The parts every token-endpoint grant shares: scope, resources and extra parameters.
#[derive(Debug, Clone, Default)]
struct Common {
    scope: Option<String>,
    resources: Vec<String>,
    extra: Vec<(String, String)>,
    check_audience: bool,
}

impl Common {
    fn push(
        &self,
        params: &mut Vec<(&'static str, String)>,
        reserved: &[&str],
    ) -> Result<(), Error> {
        if let Some(s) = &self.scope {
            check_scope(s)?;
            params.push(("scope", s.clone()));
        }
        for r in &self.resources {
            check_resource(r)?;
            params.push(("resource", r.clone()));
        }
        for (name, _) in &self.extra {
            check_extra(name, &ALWAYS_RESERVED)?;
            check_extra(name, reserved)?;
            // Given with `scope()` and `resource()`, which check their syntax.
            check_extra(name, &["scope", "resource"])?;
        }
        Ok(())
    }
}

impl Common {
    /// With `require_audience_match`, a JWT access token must name one of the resources.
    fn check_audience(&self, t: TokenResponse) -> Result<TokenResponse, Error> {
        if !self.check_audience || self.resources.is_empty() {
            return Ok(t);
        }
        let ok = self
            .resources
            .iter()
            .map(|r| t.audience_includes(r))
            .all(|m| m.is_none()) // not a JWT, or no aud
            || self.resources.iter().any(|r| t.audience_includes(r) == Some(true));
        if ok {
            Ok(t)
        } else {
            Err(problem(
                "token response",
                ResponseProblem::Invalid {
                    member: "access_token",
                    expected: "a token for the resource asked for (its aud names none of them)",
                },
            ))
        }
    }
}

/// A resource indicator: an absolute URI without a fragment (RFC 8707 §2).
pub(crate) fn check_resource(r: &str) -> Result<(), Error> {
    match url::Url::parse(r) {
        Ok(u) if u.fragment().is_none() => Ok(()),
        _ => Err(Error::InvalidParameter {
            name: "resource".into(),
            problem: ParameterProblem::Syntax,
        }),
    }
}

/// Builds the token request: the grant's parameters, then the extras, then the client's
/// authentication.
pub(crate) fn token_request(
    client: &Client,
    mut params: Vec<(&'static str, String)>,
    extra: &[(String, String)],
    now: UnixTime,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<HttpRequest, Error> {
    let endpoint = client.endpoint("token_endpoint")?;
    crate::metadata::check_endpoint("token_endpoint", endpoint)?;
    let authorization = client.authenticate(&mut params, now, rng)?;
    let mut all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut req = http_util::post_form(endpoint, &all, authorization)?;
    attach_dpop(client, &mut req, endpoint, now, rng)?;
    Ok(req)
}

/// Adds a DPoP proof for a `POST` to `endpoint` (with the origin's latest nonce) when the client
/// uses DPoP.
pub(crate) fn attach_dpop(
    client: &Client,
    req: &mut HttpRequest,
    endpoint: &str,
    now: UnixTime,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<(), Error> {
    if let Some(key) = client.dpop() {
        let nonce = client.dpop_nonces().get(endpoint);
        let proof = key.proof_with_rng("POST", endpoint, now, None, nonce.as_deref(), rng)?;
        let v = http::HeaderValue::from_str(&proof).map_err(|_| Error::Rng)?;
        req.headers_mut().insert(crate::dpop::DPOP, v);
    }
    Ok(())
}

/// Sends a token request made by `make`, retrying once with the server's nonce when a DPoP
/// client gets `use_dpop_nonce` (RFC 9449 §8); a second demand is [`DpopProblem::NonceLoop`].
///
/// [`DpopProblem::NonceLoop`]: crate::dpop::DpopProblem::NonceLoop
pub(crate) async fn send_token_request(
    client: &Client,
    http: &(impl HttpClient + ?Sized),
    make: impl Fn() -> Result<HttpRequest, Error>,
) -> Result<HttpResponse, Error> {
    let (res, ()) =
        send_with_dpop_retry(client, http, "token endpoint", || Ok((make()?, ()))).await?;
    Ok(res)
}

/// Sends the request `make` builds (with whatever it builds beside it), and for a DPoP client
/// retries once with the server's nonce on `use_dpop_nonce`; a second demand is
/// [`DpopProblem::NonceLoop`](crate::dpop::DpopProblem::NonceLoop).
pub(crate) async fn send_with_dpop_retry<T>(
    client: &Client,
    http: &(impl HttpClient + ?Sized),
    endpoint: &'static str,
    make: impl Fn() -> Result<(HttpRequest, T), Error>,
) -> Result<(HttpResponse, T), Error> {
    let (req, extra) = make()?;
    let url = req.uri().to_string();
    let res = http_util::send(http, req, endpoint).await?;
    if client.dpop().is_none() {
        return Ok((res, extra));
    }
    client.dpop_nonces().update(&url, &res);
    if crate::dpop::DpopKey::retry_nonce(&res).is_none() {
        return Ok((res, extra));
    }
    let (req, extra) = make()?;
    let res = http_util::send(http, req, endpoint).await?;
    client.dpop_nonces().update(&url, &res);
    if crate::dpop::DpopKey::retry_nonce(&res).is_some() {
        return Err(Error::Dpop(crate::dpop::DpopProblem::NonceLoop));
    }
    Ok((res, extra))
}

/// Checks that a DPoP client got a DPoP-bound token (RFC 9449 §5).
pub(crate) fn check_bound(client: &Client, t: TokenResponse) -> Result<TokenResponse, Error> {
    if client.dpop().is_some() && *t.token_type() != crate::TokenType::DPoP {
        return Err(Error::Dpop(crate::dpop::DpopProblem::NotBound {
            token_type: t.token_type().as_str().to_owned(),
        }));
    }
    Ok(t)
}

/// The operating system's generator, probed so that its absence is an error.
pub(crate) fn os_rng() -> Result<rand_core::UnwrapErr<getrandom::SysRng>, Error> {
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|_| Error::Rng)?;
    Ok(rand_core::UnwrapErr(getrandom::SysRng))
}

/// The request/parse/send methods every token-endpoint grant has.
macro_rules! token_grant_methods {
    ($what:literal) => {
        /// The token request, drawing the randomness JWT client authentication needs from the
        /// operating system.
        pub fn request(&self, client: &Client, now: UnixTime) -> Result<HttpRequest, Error> {
            self.request_with_rng(client, now, &mut os_rng()?)
        }

        /// The token request, drawing randomness (a client assertion's `jti`, an RSA-PSS salt)
        /// from `rng`.
        pub fn request_with_rng<R: rand_core::CryptoRng + ?Sized>(
            &self,
            client: &Client,
            now: UnixTime,
            rng: &mut R,
        ) -> Result<HttpRequest, Error> {
            let mut rng = rng;
            let (params, extra) = self.params()?;
            token_request(client, params, extra, now, &mut rng)
        }

        /// Reads the token endpoint's response, received at `now` (the token's expiry is
        /// computed from it).
        pub fn parse_response(
            &self,
            client: &Client,
            response: &HttpResponse,
            now: UnixTime,
        ) -> Result<TokenResponse, Error> {
            let t = TokenResponse::parse(response, now, client.leniency())?;
            let t = self.common.check_audience(check_bound(client, t)?)?;
            self.finish(t)
        }

        #[doc = concat!("Sends the ", $what, " request through `http` and reads the answer.")]
        pub async fn send(
            &self,
            client: &Client,
            http: &(impl HttpClient + ?Sized),
            now: UnixTime,
        ) -> Result<TokenResponse, Error> {
            let res = send_token_request(client, http, || self.request(client, now)).await?;
            self.parse_response(client, &res, now)
        }
    };
}

/// Methods that set the parts every grant shares.
macro_rules! common_setters {
    () => {
        /// Asks for `scope` (space-separated scope tokens, RFC 6749 §3.3).
        pub fn scope(mut self, scope: impl Into<String>) -> Self {
            self.common.scope = Some(scope.into());
            self
        }

        /// Asks for a token for the resource `uri` (RFC 8707); may be given more than once.
        pub fn resource(mut self, uri: impl Into<String>) -> Self {
            self.common.resources.push(uri.into());
            self
        }

        /// Refuses a JWT access token whose `aud` names none of the resources asked for
        /// (RFC 8707 §2; see [`TokenResponse::audience_includes`]). Opaque tokens pass.
        pub fn require_audience_match(mut self) -> Self {
            self.common.check_audience = true;
            self
        }

        /// Asks for `details` (RAR, RFC 9396 §6) as `authorization_details`.
        pub fn authorization_details(
            mut self,
            details: &[crate::rar::AuthorizationDetail],
        ) -> Result<Self, Error> {
            self.common.extra.push((
                "authorization_details".to_owned(),
                crate::rar::AuthorizationDetail::to_param(details)?,
            ));
            Ok(self)
        }

        /// Adds a parameter the server defines. Names the grant or the client authentication
        /// set (`grant_type`, `client_id`, …) are refused when the request is built.
        pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.common.extra.push((name.into(), value.into()));
            self
        }
    };
}

/// The client credentials grant (RFC 6749 §4.4): a service asking for a token for itself.
///
/// ```
/// use tessera_core::{HttpRequest, TransportError, UnixTime};
/// use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret};
/// use tessera_oauth::grants::ClientCredentials;
///
/// let metadata = AuthorizationServerMetadata::new("https://as.example")
///     .with_token_endpoint("https://as.example/token");
/// let client = Client::new("svc", ClientAuth::client_secret_basic(ClientSecret::new("s3cr3t")), metadata);
///
/// // Any async closure is an HttpClient; this one plays the server.
/// let http = |req: HttpRequest| async move {
///     assert_eq!(req.body(), b"grant_type=client_credentials&scope=read");
///     Ok::<_, TransportError>(tessera_core::http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(br#"{"access_token":"at","token_type":"Bearer","expires_in":300}"#.to_vec())
///         .unwrap())
/// };
/// let now = UnixTime(1_700_000_000);
/// let grant = ClientCredentials::new().scope("read");
/// let tokens = futures_executor::block_on(grant.send(&client, &http, now))?;
/// assert_eq!(tokens.access_token().secret(), "at");
/// assert_eq!(tokens.expires_at(), Some(UnixTime(1_700_000_300)));
/// # Ok::<(), tessera_oauth::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientCredentials {
    common: Common,
}

impl ClientCredentials {
    /// A client credentials request with no scope and no resource.
    pub fn new() -> Self {
        ClientCredentials::default()
    }

    common_setters!();

    /// What the token cache keys this grant's token by.
    pub(crate) fn cache_key(&self) -> (Option<&str>, &[String], &[(String, String)]) {
        (
            self.common.scope.as_deref(),
            &self.common.resources,
            &self.common.extra,
        )
    }

    fn params(&self) -> Result<GrantParams<'_>, Error> {
        let mut p = vec![("grant_type", "client_credentials".to_owned())];
        self.common.push(&mut p, &[])?;
        Ok((p, &self.common.extra))
    }

    fn finish(&self, t: TokenResponse) -> Result<TokenResponse, Error> {
        Ok(t)
    }

    token_grant_methods!("client credentials");
}

/// The refresh token grant (RFC 6749 §6). When the server does not send a new refresh token,
/// the response keeps the one used (a server may rotate refresh tokens or not); a narrower
/// `scope` asks for a down-scoped access token.
///
/// ```
/// # use tessera_core::{HttpRequest, TransportError, UnixTime};
/// # use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret};
/// # let metadata = AuthorizationServerMetadata::new("https://as.example")
/// #     .with_token_endpoint("https://as.example/token");
/// # let client = Client::new("app", ClientAuth::client_secret_post(ClientSecret::new("s")), metadata);
/// use tessera_oauth::RefreshToken;
/// use tessera_oauth::grants::Refresh;
///
/// let http = |req: HttpRequest| async move {
///     let body = String::from_utf8(req.body().clone()).unwrap();
///     assert!(body.starts_with("grant_type=refresh_token&refresh_token=rt-1&scope=read"));
///     Ok::<_, TransportError>(tessera_core::http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(br#"{"access_token":"at-2","token_type":"Bearer","expires_in":600}"#.to_vec())
///         .unwrap())
/// };
/// let grant = Refresh::new(RefreshToken::new("rt-1")).scope("read");
/// let tokens = futures_executor::block_on(grant.send(&client, &http, UnixTime(0)))?;
/// assert_eq!(tokens.access_token().secret(), "at-2");
/// // Not rotated: the refresh token used is kept.
/// assert_eq!(tokens.refresh_token().map(|t| t.secret()), Some("rt-1"));
/// # Ok::<(), tessera_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Refresh {
    refresh_token: RefreshToken,
    common: Common,
}

impl Refresh {
    /// A refresh with `refresh_token`.
    pub fn new(refresh_token: RefreshToken) -> Self {
        Refresh {
            refresh_token,
            common: Common::default(),
        }
    }

    common_setters!();

    fn params(&self) -> Result<GrantParams<'_>, Error> {
        let rt = self.refresh_token.secret();
        if rt.is_empty() {
            return Err(Error::InvalidParameter {
                name: "refresh_token".into(),
                problem: ParameterProblem::Empty,
            });
        }
        let mut p = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", rt.to_owned()),
        ];
        self.common.push(&mut p, &["refresh_token"])?;
        Ok((p, &self.common.extra))
    }

    fn finish(&self, mut t: TokenResponse) -> Result<TokenResponse, Error> {
        t.keep_refresh_token(&self.refresh_token);
        Ok(t)
    }

    token_grant_methods!("refresh");
}

/// Token exchange (RFC 8693): trading a subject token (and optionally an actor token) for a
/// new one, narrowed to an `audience`, `resource` and `scope` — how a service or an agent
/// acting for a user gets a short-lived credential for one downstream API.
///
/// ```
/// # use tessera_core::{HttpRequest, TransportError, UnixTime};
/// # use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth};
/// # let metadata = AuthorizationServerMetadata::new("https://as.example")
/// #     .with_token_endpoint("https://as.example/token");
/// # let client = Client::new("agent", ClientAuth::none(), metadata);
/// use tessera_oauth::grants::{TokenExchange, token_types};
///
/// // The server plays its part: a short-lived token for the calendar API only.
/// let http = |req: HttpRequest| async move {
///     let body = String::from_utf8(req.body().clone()).unwrap();
///     assert!(body.contains("subject_token=user-at&subject_token_type=urn%3Aietf"));
///     assert!(body.contains("&audience=calendar&"));
///     Ok::<_, TransportError>(tessera_core::http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(br#"{"access_token":"narrow","token_type":"Bearer","expires_in":300,
///                    "issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}"#.to_vec())
///         .unwrap())
/// };
/// let grant = TokenExchange::new("user-at", token_types::ACCESS_TOKEN)
///     .audience("calendar")
///     .scope("calendar.read");
/// let tokens = futures_executor::block_on(grant.send(&client, &http, UnixTime(0)))?;
/// assert_eq!(tokens.issued_token_type(), Some(token_types::ACCESS_TOKEN));
/// # Ok::<(), tessera_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenExchange {
    subject_token: crate::token::AccessToken,
    subject_token_type: String,
    actor: Option<(crate::token::AccessToken, String)>,
    audiences: Vec<String>,
    requested_token_type: Option<String>,
    common: Common,
}

impl TokenExchange {
    /// An exchange of `subject_token`, of type `subject_token_type` (one of [`token_types`] or
    /// another URI).
    pub fn new(subject_token: impl Into<String>, subject_token_type: impl Into<String>) -> Self {
        TokenExchange {
            subject_token: crate::token::AccessToken::new(subject_token),
            subject_token_type: subject_token_type.into(),
            actor: None,
            audiences: Vec::new(),
            requested_token_type: None,
            common: Common::default(),
        }
    }

    /// The party acting for the subject (delegation, RFC 8693 §1.1), and its token's type.
    pub fn actor(
        mut self,
        actor_token: impl Into<String>,
        actor_token_type: impl Into<String>,
    ) -> Self {
        self.actor = Some((
            crate::token::AccessToken::new(actor_token),
            actor_token_type.into(),
        ));
        self
    }

    /// A logical name of the target service (RFC 8693 §2.1); may be given more than once.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The type of token wanted (one of [`token_types`]).
    pub fn requested_token_type(mut self, uri: impl Into<String>) -> Self {
        self.requested_token_type = Some(uri.into());
        self
    }

    common_setters!();

    fn params(&self) -> Result<GrantParams<'_>, Error> {
        let nonempty = |name: &str, v: &str| {
            if v.is_empty() {
                Err(Error::InvalidParameter {
                    name: name.to_owned(),
                    problem: ParameterProblem::Empty,
                })
            } else {
                Ok(())
            }
        };
        nonempty("subject_token", self.subject_token.secret())?;
        nonempty("subject_token_type", &self.subject_token_type)?;
        let mut p = vec![
            ("grant_type", TOKEN_EXCHANGE_GRANT.to_owned()),
            ("subject_token", self.subject_token.secret().to_owned()),
            ("subject_token_type", self.subject_token_type.clone()),
        ];
        if let Some((token, ty)) = &self.actor {
            nonempty("actor_token", token.secret())?;
            nonempty("actor_token_type", ty)?;
            p.push(("actor_token", token.secret().to_owned()));
            p.push(("actor_token_type", ty.clone()));
        }
        for a in &self.audiences {
            nonempty("audience", a)?;
            p.push(("audience", a.clone()));
        }
        if let Some(t) = &self.requested_token_type {
            nonempty("requested_token_type", t)?;
            p.push(("requested_token_type", t.clone()));
        }
        self.common.push(
            &mut p,
            &[
                "subject_token",
                "subject_token_type",
                "actor_token",
                "actor_token_type",
                "audience",
                "requested_token_type",
            ],
        )?;
        Ok((p, &self.common.extra))
    }

    /// RFC 8693 §2.2.1: `issued_token_type` is required in a successful response.
    fn finish(&self, t: TokenResponse) -> Result<TokenResponse, Error> {
        if t.issued_token_type().is_none() {
            return Err(problem(
                "token exchange response",
                ResponseProblem::Missing {
                    member: "issued_token_type",
                },
            ));
        }
        Ok(t)
    }

    token_grant_methods!("token exchange");
}

/// The JWT bearer grant (RFC 7523 §2.1): an assertion, typically built and signed with
/// [`tessera_jwt::JwtBuilder`], traded for an access token.
///
/// ```
/// # use tessera_core::{HttpRequest, TransportError, UnixTime};
/// # use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth};
/// # let metadata = AuthorizationServerMetadata::new("https://as.example")
/// #     .with_token_endpoint("https://as.example/token");
/// # let client = Client::new("agent", ClientAuth::none(), metadata);
/// use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
/// use tessera_jwt::JwtBuilder;
/// use tessera_oauth::grants::JwtBearer;
///
/// // An assertion signed by a key the authorization server trusts (RFC 7523 §3).
/// let key = SigningKey::from_jwk(&Jwk::generate(JwsAlgorithm::ES256)?, JwsAlgorithm::ES256)?;
/// let now = UnixTime(1_700_000_000);
/// let assertion = JwtBuilder::new()
///     .issuer("agent")
///     .subject("alice")
///     .audience("https://as.example")
///     .issued_at(now)
///     .expires_in(now, 60)
///     .random_jwt_id()
///     .sign(&key)?;
/// let http = |req: HttpRequest| async move {
///     let body = String::from_utf8(req.body().clone()).unwrap();
///     assert!(body.starts_with("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"));
///     Ok::<_, TransportError>(tessera_core::http::Response::builder()
///         .status(200)
///         .header("content-type", "application/json")
///         .body(br#"{"access_token":"at","token_type":"Bearer"}"#.to_vec())
///         .unwrap())
/// };
/// let tokens = futures_executor::block_on(JwtBearer::new(assertion).send(&client, &http, now))?;
/// assert_eq!(tokens.access_token().secret(), "at");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwtBearer {
    assertion: crate::token::AccessToken,
    common: Common,
}

impl JwtBearer {
    /// A grant of `assertion` (a signed JWT).
    pub fn new(assertion: impl Into<String>) -> Self {
        JwtBearer {
            assertion: crate::token::AccessToken::new(assertion),
            common: Common::default(),
        }
    }

    common_setters!();

    fn params(&self) -> Result<GrantParams<'_>, Error> {
        if self.assertion.secret().is_empty() {
            return Err(Error::InvalidParameter {
                name: "assertion".into(),
                problem: ParameterProblem::Empty,
            });
        }
        let mut p = vec![
            ("grant_type", JWT_BEARER_GRANT.to_owned()),
            ("assertion", self.assertion.secret().to_owned()),
        ];
        self.common.push(&mut p, &["assertion"])?;
        Ok((p, &self.common.extra))
    }

    fn finish(&self, t: TokenResponse) -> Result<TokenResponse, Error> {
        Ok(t)
    }

    token_grant_methods!("JWT bearer");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use http::header::{AUTHORIZATION, CONTENT_TYPE};
    use rand_core::SeedableRng;

    use super::*;
    use crate::{AuthorizationServerMetadata, ClientAuth, ClientSecret};

    fn client(auth: ClientAuth) -> Client {
        Client::new(
            "c1",
            auth,
            AuthorizationServerMetadata::new("https://as.example")
                .with_token_endpoint("https://as.example/oauth/token"),
        )
    }

    fn body(req: &HttpRequest) -> Vec<(String, String)> {
        tessera_core::form::parse(req.body())
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn json(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .header(CONTENT_TYPE, "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn client_credentials_request_is_exact() {
        let c = client(ClientAuth::client_secret_basic(ClientSecret::new("s")));
        let req = ClientCredentials::new()
            .scope("read write")
            .resource("https://api.example/")
            .param("tenant", "t1")
            .request(&c, UnixTime(0))
            .unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "https://as.example/oauth/token");
        assert_eq!(
            req.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(req.headers()[http::header::ACCEPT], "application/json");
        assert_eq!(req.headers()[AUTHORIZATION], "Basic YzE6cw==");
        assert_eq!(
            body(&req),
            pairs(&[
                ("grant_type", "client_credentials"),
                ("scope", "read write"),
                ("resource", "https://api.example/"),
                ("tenant", "t1"),
            ])
        );
    }

    #[test]
    fn bad_parameters_are_refused_before_sending() {
        let c = client(ClientAuth::none());
        for (g, name) in [
            (
                ClientCredentials::new().param("grant_type", "password"),
                "grant_type",
            ),
            (
                ClientCredentials::new().param("client_id", "other"),
                "client_id",
            ),
            (ClientCredentials::new().scope("a  b"), "scope"),
            (
                ClientCredentials::new().resource("https://api.example/#frag"),
                "resource",
            ),
            (ClientCredentials::new().resource("/relative"), "resource"),
        ] {
            match g.request(&c, UnixTime(0)) {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        let no_endpoint = Client::new(
            "c",
            ClientAuth::none(),
            AuthorizationServerMetadata::new("https://as.example"),
        );
        assert!(matches!(
            ClientCredentials::new().request(&no_endpoint, UnixTime(0)),
            Err(Error::MissingEndpoint {
                endpoint: "token_endpoint"
            })
        ));
    }

    #[test]
    fn refresh_keeps_the_old_token_unless_rotated() {
        let c = client(ClientAuth::client_secret_post(ClientSecret::new("s")));
        let g = Refresh::new(RefreshToken::new("rt1")).scope("read");
        let req = g.request(&c, UnixTime(0)).unwrap();
        assert_eq!(
            body(&req),
            pairs(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt1"),
                ("scope", "read"),
                ("client_id", "c1"),
                ("client_secret", "s"),
            ])
        );
        let kept = g
            .parse_response(
                &c,
                &json(200, r#"{"access_token":"a","token_type":"Bearer"}"#),
                UnixTime(0),
            )
            .unwrap();
        assert_eq!(kept.refresh_token().unwrap().secret(), "rt1");
        let rotated = g
            .parse_response(
                &c,
                &json(
                    200,
                    r#"{"access_token":"a","token_type":"Bearer","refresh_token":"rt2"}"#,
                ),
                UnixTime(0),
            )
            .unwrap();
        assert_eq!(rotated.refresh_token().unwrap().secret(), "rt2");
        match g.parse_response(&c, &json(400, r#"{"error":"invalid_grant"}"#), UnixTime(0)) {
            Err(Error::OAuth(e)) => assert_eq!(e.code, crate::ErrorCode::InvalidGrant),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn token_exchange_for_an_agent() {
        let c = client(ClientAuth::none());
        let g = TokenExchange::new("user-at", token_types::ACCESS_TOKEN)
            .actor("agent-jwt", token_types::JWT)
            .audience("calendar")
            .resource("https://calendar.example/api")
            .scope("calendar.read")
            .requested_token_type(token_types::ACCESS_TOKEN);
        let req = g.request(&c, UnixTime(0)).unwrap();
        assert_eq!(
            body(&req),
            pairs(&[
                ("grant_type", TOKEN_EXCHANGE_GRANT),
                ("subject_token", "user-at"),
                ("subject_token_type", token_types::ACCESS_TOKEN),
                ("actor_token", "agent-jwt"),
                ("actor_token_type", token_types::JWT),
                ("audience", "calendar"),
                ("requested_token_type", token_types::ACCESS_TOKEN),
                ("scope", "calendar.read"),
                ("resource", "https://calendar.example/api"),
                ("client_id", "c1"),
            ])
        );
        // RFC 8693 §2.2.1: issued_token_type is required; N_A is a token type.
        let ok = g
            .parse_response(
                &c,
                &json(
                    200,
                    &format!(
                        r#"{{"access_token":"x","token_type":"N_A","issued_token_type":"{}"}}"#,
                        token_types::ACCESS_TOKEN
                    ),
                ),
                UnixTime(0),
            )
            .unwrap();
        assert_eq!(ok.token_type(), &crate::TokenType::NotApplicable);
        assert!(matches!(
            g.parse_response(
                &c,
                &json(200, r#"{"access_token":"x","token_type":"Bearer"}"#),
                UnixTime(0)
            ),
            Err(Error::InvalidResponse {
                problem: ResponseProblem::Missing {
                    member: "issued_token_type"
                },
                ..
            })
        ));
        assert!(matches!(
            TokenExchange::new("", token_types::JWT).request(&c, UnixTime(0)),
            Err(Error::InvalidParameter { .. })
        ));
    }

    /// A DPoP client: a proof on every token request, one retry with the server's nonce, no
    /// second retry, and only DPoP-bound tokens accepted.
    #[test]
    fn dpop_token_requests_retry_once_with_the_nonce() {
        use std::sync::Mutex;
        let key = crate::dpop::DpopKey::generate(tessera_jose::JwsAlgorithm::ES256).unwrap();
        let c = client(ClientAuth::none()).with_dpop(key.clone());
        let seen: Arc<Mutex<Vec<HttpRequest>>> = Arc::default();
        let script = |answers: Vec<HttpResponse>| {
            let seen = Arc::clone(&seen);
            let answers = Arc::new(Mutex::new(answers));
            move |req: HttpRequest| {
                seen.lock().unwrap().push(req);
                let res = answers.lock().unwrap().remove(0);
                async move { Ok::<_, tessera_core::TransportError>(res) }
            }
        };
        let nonce = |status: u16, n: &str| {
            http::Response::builder()
                .status(status)
                .header(CONTENT_TYPE, "application/json")
                .header("dpop-nonce", n)
                .body(br#"{"error":"use_dpop_nonce"}"#.to_vec())
                .unwrap()
        };
        let bound = json(200, r#"{"access_token":"at","token_type":"DPoP"}"#);
        let http = script(vec![nonce(400, "n1"), bound]);
        let t = futures_executor::block_on(ClientCredentials::new().send(&c, &http, UnixTime(0)))
            .unwrap();
        assert_eq!(t.token_type(), &crate::TokenType::DPoP);
        let reqs = std::mem::take(&mut *seen.lock().unwrap());
        assert_eq!(reqs.len(), 2);
        let claims = |r: &HttpRequest| -> serde_json::Value {
            let proof = r.headers()["dpop"].to_str().unwrap();
            let payload = proof.split('.').nth(1).unwrap();
            serde_json::from_slice(&tessera_core::b64::decode(payload).unwrap()).unwrap()
        };
        assert!(claims(&reqs[0]).get("nonce").is_none());
        assert_eq!(claims(&reqs[1])["nonce"], "n1");
        assert_eq!(claims(&reqs[1])["htu"], "https://as.example/oauth/token");
        // A server that demands a new nonce every time: one retry, then NonceLoop.
        let http = script(vec![nonce(400, "n2"), nonce(400, "n3"), nonce(400, "n4")]);
        assert!(matches!(
            futures_executor::block_on(ClientCredentials::new().send(&c, &http, UnixTime(0))),
            Err(Error::Dpop(crate::dpop::DpopProblem::NonceLoop))
        ));
        assert_eq!(seen.lock().unwrap().len(), 2);
        // A Bearer token to a DPoP client: refused.
        let http = script(vec![json(
            200,
            r#"{"access_token":"at","token_type":"Bearer"}"#,
        )]);
        assert!(matches!(
            futures_executor::block_on(ClientCredentials::new().send(&c, &http, UnixTime(0))),
            Err(Error::Dpop(crate::dpop::DpopProblem::NotBound { .. }))
        ));
    }

    #[test]
    fn rfc8707_audience_check_is_opt_in_and_reads_jwt_access_tokens() {
        let c = client(ClientAuth::none());
        let jwt = |aud: serde_json::Value| {
            let payload = tessera_core::b64::encode(serde_json::json!({"aud": aud}).to_string());
            format!(
                r#"{{"access_token":"eyJhbGciOiJIUzI1NiJ9.{payload}.sig","token_type":"Bearer"}}"#
            )
        };
        let g = ClientCredentials::new()
            .resource("https://api.example/")
            .require_audience_match();
        let ok = g
            .parse_response(
                &c,
                &json(200, &jwt(serde_json::json!(["x", "https://api.example/"]))),
                UnixTime(0),
            )
            .unwrap();
        assert_eq!(ok.audience_includes("https://api.example/"), Some(true));
        assert!(matches!(
            g.parse_response(
                &c,
                &json(200, &jwt(serde_json::json!("https://other.example/"))),
                UnixTime(0)
            ),
            Err(Error::InvalidResponse { .. })
        ));
        // An opaque token passes; without the opt-in nothing is checked.
        g.parse_response(
            &c,
            &json(200, r#"{"access_token":"opaque","token_type":"Bearer"}"#),
            UnixTime(0),
        )
        .unwrap();
        ClientCredentials::new()
            .resource("https://api.example/")
            .parse_response(
                &c,
                &json(200, &jwt(serde_json::json!("https://other.example/"))),
                UnixTime(0),
            )
            .unwrap();
    }

    #[test]
    fn jwt_bearer_and_private_key_jwt_are_reproducible_with_a_seed() {
        let jwk = tessera_jose::Jwk::generate_with_rng(
            tessera_jose::JwsAlgorithm::ES256,
            &mut chacha20::ChaCha20Rng::from_seed([3; 32]),
        )
        .unwrap();
        let key =
            tessera_jose::SigningKey::from_jwk(&jwk, tessera_jose::JwsAlgorithm::ES256).unwrap();
        let c = client(ClientAuth::private_key_jwt(key));
        let g = JwtBearer::new("eyJ.assertion.sig").scope("s");
        let a = g
            .request_with_rng(
                &c,
                UnixTime(5),
                &mut chacha20::ChaCha20Rng::from_seed([1; 32]),
            )
            .unwrap();
        let b = g
            .request_with_rng(
                &c,
                UnixTime(5),
                &mut chacha20::ChaCha20Rng::from_seed([1; 32]),
            )
            .unwrap();
        assert_eq!(a.body(), b.body());
        let p = body(&a);
        assert_eq!(p[0], ("grant_type".into(), JWT_BEARER_GRANT.into()));
        assert_eq!(p[1], ("assertion".into(), "eyJ.assertion.sig".into()));
        assert_eq!(p[4].0, "client_assertion_type");
        assert!(a.headers().get(AUTHORIZATION).is_none());
    }
}
