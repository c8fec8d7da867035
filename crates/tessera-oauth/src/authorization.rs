//! The authorization code grant (RFC 6749 §4.1) with PKCE S256 always (RFC 7636, RFC 9700
//! §2.1.1), `state`, optional `nonce`, resource indicators (RFC 8707) and the issuer
//! identification of RFC 9207.
//!
//! Three steps, each a value that only the step before can make:
//! 1. [`AuthorizationRequest::build`] gives the URL to send the browser to and a
//!    [`PendingAuthorization`] to keep (it serializes, for a cookie or a session store) until
//!    the browser comes back.
//! 2. [`PendingAuthorization::check_callback`] reads the redirect's query string (or form post)
//!    and returns a [`ValidatedCallback`] only when `state` matches, `iss` is right and no error
//!    came back.
//! 3. [`AuthorizationCode`] exchanges that validated value — and nothing else — for tokens.
//!
//! ```
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::authorization::{AuthorizationCode, AuthorizationRequest, PendingAuthorization};
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth};
//!
//! let metadata = AuthorizationServerMetadata::new("https://as.example")
//!     .with_authorization_endpoint("https://as.example/authorize")
//!     .with_token_endpoint("https://as.example/token");
//! let client = Client::new("app", ClientAuth::none(), metadata);
//! let now = UnixTime(1_700_000_000);
//!
//! let (url, pending) = AuthorizationRequest::new("http://127.0.0.1:8080/callback")
//!     .scope("openid profile")
//!     .build(&client, now)?;
//! assert!(url.as_str().starts_with("https://as.example/authorize?response_type=code&client_id=app"));
//! // Keep `pending` across the browser round trip (it is serde-serializable) ...
//! let saved = serde_json::to_string(&pending).unwrap();
//! let pending: PendingAuthorization = serde_json::from_str(&saved).unwrap();
//!
//! // ... the browser comes back with the code and the state.
//! let query = format!("code=abc&state={}&iss=https%3A%2F%2Fas.example", pending.state());
//! let callback = pending.check_callback(query.as_bytes(), now)?;
//!
//! let http = |req: HttpRequest| async move {
//!     let body = String::from_utf8(req.body().clone()).unwrap();
//!     assert!(body.starts_with("grant_type=authorization_code&code=abc&redirect_uri="));
//!     assert!(body.contains("&code_verifier="));
//!     Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!         .status(200)
//!         .header("content-type", "application/json")
//!         .body(br#"{"access_token":"at","token_type":"Bearer"}"#.to_vec())
//!         .unwrap())
//! };
//! let tokens = futures_executor::block_on(AuthorizationCode::new(callback).send(&client, &http, now))?;
//! assert_eq!(tokens.access_token().secret(), "at");
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime, b64};
use tessera_jose::SigningKey;
use tessera_pkce::CodeVerifier;
use url::Url;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{CallbackProblem, ErrorCode, OAuthError, UrlProblem};
use crate::http_util::{check_extra, check_scope};
use crate::token::TokenResponse;
use crate::{Client, Error};

/// How long an authorization in progress stays valid by default: ten minutes, the longest
/// code lifetime RFC 6749 §4.1.2 recommends.
pub const DEFAULT_PENDING_LIFETIME_SECS: u64 = 600;

/// Parameters the request sets itself; an extra parameter may not override them.
const RESERVED: [&str; 14] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "resource",
    "prompt",
    "login_hint",
    "client_secret",
    "request_uri",
    "dpop_jkt",
];

/// An authorization request being put together.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    redirect_uri: String,
    scope: Option<String>,
    nonce: bool,
    resources: Vec<String>,
    prompt: Option<String>,
    login_hint: Option<String>,
    extra: Vec<(String, String)>,
    lifetime: u64,
    signer: Option<std::sync::Arc<SigningKey>>,
}

impl AuthorizationRequest {
    /// A request that sends the browser back to `redirect_uri` (`https`, `http` on a loopback
    /// host, or a private-use scheme such as `com.example.app:/callback`, RFC 8252 §7).
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        AuthorizationRequest {
            redirect_uri: redirect_uri.into(),
            scope: None,
            nonce: false,
            resources: Vec::new(),
            prompt: None,
            login_hint: None,
            extra: Vec::new(),
            lifetime: DEFAULT_PENDING_LIFETIME_SECS,
            signer: None,
        }
    }

    /// Asks for `scope`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sends a fresh `nonce` (OpenID Connect), kept in the pending value for the ID token
    /// check.
    pub fn with_nonce(mut self) -> Self {
        self.nonce = true;
        self
    }

    /// Asks for a token for the resource `uri` (RFC 8707); may be given more than once.
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resources.push(uri.into());
        self
    }

    /// `prompt` (OpenID Connect Core §3.1.2.1), e.g. `"login"` or `"consent"`.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// `login_hint`.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Adds a parameter the server defines (names the request sets itself are refused).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Asks for `details` (RAR, RFC 9396) as the `authorization_details` parameter.
    pub fn authorization_details(
        self,
        details: &[crate::rar::AuthorizationDetail],
    ) -> Result<Self, Error> {
        Ok(self.param_unchecked(
            "authorization_details",
            crate::rar::AuthorizationDetail::to_param(details)?,
        ))
    }

    fn param_unchecked(mut self, name: &str, value: String) -> Self {
        self.extra.push((name.to_owned(), value));
        self
    }

    /// Sends the parameters as a request object signed with `key` (JAR, RFC 9101): in the
    /// authorization URL (`request`) or, with PAR, in the pushed request.
    pub fn signed_with(mut self, key: SigningKey) -> Self {
        self.signer = Some(std::sync::Arc::new(key));
        self
    }

    /// How long the authorization may stay in progress (default
    /// [`DEFAULT_PENDING_LIFETIME_SECS`]).
    pub fn expires_in(mut self, secs: u64) -> Self {
        self.lifetime = secs;
        self
    }

    /// The URL to send the browser to, and the value to keep until it comes back. Draws
    /// `state`, the PKCE verifier and the `nonce` from the operating system's generator.
    pub fn build(
        &self,
        client: &Client,
        now: UnixTime,
    ) -> Result<(Url, PendingAuthorization), Error> {
        self.build_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// [`build`](Self::build) drawing randomness from `rng`.
    pub fn build_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(Url, PendingAuthorization), Error> {
        if client.metadata().require_pushed_authorization_requests {
            return Err(Error::PushedRequestRequired);
        }
        let endpoint = client.endpoint("authorization_endpoint")?;
        let mut url = crate::metadata::check_endpoint("authorization_endpoint", endpoint)?;
        let (params, pending) = self.prepare(client, now, rng)?;
        {
            // RFC 6749 §3.1: the endpoint's own query is kept.
            let mut q = url.query_pairs_mut();
            for (k, v) in &params {
                q.append_pair(k, v);
            }
        }
        Ok((url, pending))
    }

    /// The parameters of the request — as a signed request object when
    /// [`signed_with`](Self::signed_with) was given (RFC 9101: then only `client_id` and
    /// `request` travel beside it) — and the pending value.
    fn prepare<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(Vec<(String, String)>, PendingAuthorization), Error> {
        check_redirect_uri(&self.redirect_uri)?;
        if let Some(s) = &self.scope {
            check_scope(s)?;
        }
        for r in &self.resources {
            crate::grants::check_resource(r)?;
        }
        for (name, _) in &self.extra {
            check_extra(name, &RESERVED)?;
        }
        let state = random_b64(rng);
        let nonce = self.nonce.then(|| random_b64(rng));
        let verifier = CodeVerifier::generate_with_rng(rng).map_err(|_| Error::Rng)?;
        let challenge = verifier.challenge();
        let mut p: Vec<(String, String)> = Vec::new();
        let mut add = |k: &str, v: &str| p.push((k.to_owned(), v.to_owned()));
        add("response_type", "code");
        add("client_id", client.id());
        add("redirect_uri", &self.redirect_uri);
        if let Some(s) = &self.scope {
            add("scope", s);
        }
        add("state", &state);
        add("code_challenge", challenge.as_str());
        add("code_challenge_method", "S256");
        if let Some(n) = &nonce {
            add("nonce", n);
        }
        for r in &self.resources {
            add("resource", r);
        }
        if let Some(v) = &self.prompt {
            add("prompt", v);
        }
        if let Some(h) = &self.login_hint {
            add("login_hint", h);
        }
        for (k, v) in &self.extra {
            add(k, v);
        }
        // RFC 9449 §10: bind the code to the client's DPoP key.
        if let Some(key) = client.dpop() {
            add("dpop_jkt", key.thumbprint());
        }
        if let Some(signer) = &self.signer {
            p = vec![
                ("client_id".to_owned(), client.id().to_owned()),
                (
                    "request".to_owned(),
                    request_object(client, &p, signer, now, rng)?,
                ),
            ];
        }
        let pending = PendingAuthorization {
            issuer: client.metadata().issuer.clone(),
            client_id: client.id().to_owned(),
            redirect_uri: self.redirect_uri.clone(),
            state,
            nonce,
            code_verifier: verifier.secret().to_owned(),
            expires_at: now.saturating_add(self.lifetime).0,
            iss_required: client
                .metadata()
                .authorization_response_iss_parameter_supported,
        };
        Ok((p, pending))
    }

    /// Sends the parameters to the server first (PAR, RFC 9126) instead of through the
    /// browser: the request to the `pushed_authorization_request_endpoint`, with the client's
    /// authentication (and a DPoP proof for a DPoP client), and the pending value. Hand the
    /// response to [`pushed_url`](Self::pushed_url).
    pub fn pushed_request(
        &self,
        client: &Client,
        now: UnixTime,
    ) -> Result<(HttpRequest, PendingAuthorization), Error> {
        self.pushed_request_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// [`pushed_request`](Self::pushed_request) drawing randomness from `rng`.
    pub fn pushed_request_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(HttpRequest, PendingAuthorization), Error> {
        let mut rng = rng;
        let (params, pending) = self.prepare(client, now, &mut rng)?;
        let endpoint = client.endpoint("pushed_authorization_request_endpoint")?;
        crate::metadata::check_endpoint("pushed_authorization_request_endpoint", endpoint)?;
        // The client authenticates itself; `client_id` goes in again only where its
        // authentication puts it.
        let mut auth_params: Vec<(&'static str, String)> = Vec::new();
        let authorization = client.authenticate(&mut auth_params, now, &mut rng)?;
        let mut all: Vec<(&str, &str)> = params
            .iter()
            .filter(|(k, _)| {
                k != "client_id" || !auth_params.iter().any(|(a, _)| *a == "client_id")
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.extend(auth_params.iter().map(|(k, v)| (*k, v.as_str())));
        let mut req = crate::http_util::post_form(endpoint, &all, authorization)?;
        crate::grants::attach_dpop(client, &mut req, endpoint, now, &mut rng)?;
        Ok((req, pending))
    }

    /// Reads the PAR response (RFC 9126 §2.2: `201` with `request_uri` and `expires_in`) and
    /// returns the authorization URL, which then carries only `client_id` and `request_uri`.
    pub fn pushed_url(client: &Client, response: &HttpResponse) -> Result<Url, Error> {
        const WHAT: &str = "pushed authorization response";
        crate::http_util::expect_status(
            WHAT,
            response,
            &[http::StatusCode::CREATED, http::StatusCode::OK],
        )?;
        let m: serde_json::Map<String, serde_json::Value> =
            crate::http_util::json_body(WHAT, response)?;
        let request_uri = match m.get("request_uri") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(crate::http_util::problem(
                    WHAT,
                    crate::ResponseProblem::Invalid {
                        member: "request_uri",
                        expected: "a non-empty string",
                    },
                ));
            }
            None => {
                return Err(crate::http_util::problem(
                    WHAT,
                    crate::ResponseProblem::Missing {
                        member: "request_uri",
                    },
                ));
            }
        };
        if m.get("expires_in").is_some_and(|v| v.as_u64().is_none()) {
            return Err(crate::http_util::problem(
                WHAT,
                crate::ResponseProblem::Invalid {
                    member: "expires_in",
                    expected: "a non-negative integer",
                },
            ));
        }
        let endpoint = client.endpoint("authorization_endpoint")?;
        let mut url = crate::metadata::check_endpoint("authorization_endpoint", endpoint)?;
        url.query_pairs_mut()
            .append_pair("client_id", client.id())
            .append_pair("request_uri", &request_uri);
        Ok(url)
    }

    /// PAR over `http`: [`pushed_request`](Self::pushed_request), then
    /// [`pushed_url`](Self::pushed_url), retrying once with the server's DPoP nonce when it
    /// asks for one.
    pub async fn build_pushed(
        &self,
        client: &Client,
        http: &(impl tessera_core::HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<(Url, PendingAuthorization), Error> {
        let (res, pending) = crate::grants::send_with_dpop_retry(
            client,
            http,
            "pushed authorization request endpoint",
            || self.pushed_request(client, now),
        )
        .await?;
        Ok((Self::pushed_url(client, &res)?, pending))
    }
}

/// A signed request object (RFC 9101 §4): the parameters as claims, `iss` the client, `aud`
/// the issuer, `iat`, `nbf`, `exp` five minutes on, a fresh `jti`, `typ: oauth-authz-req+jwt`.
fn request_object<R: rand_core::CryptoRng + ?Sized>(
    client: &Client,
    params: &[(String, String)],
    signer: &SigningKey,
    now: UnixTime,
    rng: &mut R,
) -> Result<String, Error> {
    let mut b = tessera_jwt::JwtBuilder::new()
        .typ("oauth-authz-req+jwt")
        .issuer(client.id())
        .audience(client.metadata().issuer.clone())
        .issued_at(now)
        .not_before(now)
        .expires_at(now.saturating_add(300))
        .random_jwt_id_with_rng(&mut *rng);
    // Repeated parameters (`resource`) become an array.
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in params {
        if seen.contains(&k.as_str()) {
            continue;
        }
        seen.push(k);
        let values: Vec<&str> = params
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect();
        b = if values.len() == 1 {
            b.claim(k.clone(), values[0])
        } else {
            b.claim(k.clone(), values)
        };
    }
    Ok(b.sign_with_rng(signer, rng)?)
}

/// 32 random bytes, base64url: a `state` or `nonce` no one can guess.
fn random_b64<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let s = b64::encode(bytes);
    bytes.zeroize();
    s
}

/// Checks a redirect URI: absolute, no fragment (RFC 6749 §3.1.2), `https`, `http` on a
/// loopback host (RFC 8252 §7.3), or a private-use scheme with a `.` in it (RFC 8252 §7.1).
fn check_redirect_uri(uri: &str) -> Result<(), Error> {
    let bad = |problem| Error::InvalidUrl {
        what: "redirect_uri",
        url: uri.to_owned(),
        problem,
    };
    let url = Url::parse(uri).map_err(|e| bad(UrlProblem::Unparsable(e)))?;
    if url.fragment().is_some() {
        return Err(bad(UrlProblem::Fragment));
    }
    match url.scheme() {
        "https" | "http" => crate::metadata::check_endpoint("redirect_uri", uri).map(|_| ()),
        s if s.contains('.') => Ok(()),
        _ => Err(bad(UrlProblem::NotHttps)),
    }
}

/// An authorization in progress: what the client must remember across the browser round trip.
///
/// Serializes with serde so it can live in an encrypted cookie or a session store; it holds
/// secrets (the PKCE verifier, `state`, `nonce`), so store it only where the user's browser
/// cannot read it unencrypted. Zeroized on drop; `Debug` redacts the secrets.
#[derive(Clone, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PendingAuthorization {
    issuer: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_verifier: String,
    expires_at: u64,
    iss_required: bool,
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl PendingAuthorization {
    /// The `state` sent: a key to find this value again when the browser comes back.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The `nonce` sent, if any (for the ID token check).
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The redirect URI sent.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// When this authorization stops being accepted.
    pub fn expires_at(&self) -> UnixTime {
        UnixTime(self.expires_at)
    }

    /// Checks the authorization response — the redirect's query string, or the body of a
    /// `form_post` — received at `now`, in this order: not expired; parameters unique;
    /// `state` present and equal (in constant time); `iss`, when sent, exactly the issuer, and
    /// sent when the server promised it (RFC 9207); no `error` (else the typed
    /// [`Error::OAuth`]); a `code`. Only then is there a [`ValidatedCallback`].
    pub fn check_callback(self, params: &[u8], now: UnixTime) -> Result<ValidatedCallback, Error> {
        if now.0 > self.expires_at {
            return Err(Error::Callback(CallbackProblem::Expired {
                at: UnixTime(self.expires_at),
            }));
        }
        tessera_core::limits::check(
            "authorization response",
            params.len(),
            tessera_core::limits::DEFAULT_MAX_TOKEN_BYTES,
        )?;
        let mut p = tessera_core::form::parse_unique(params)?;
        let state = p
            .remove("state")
            .ok_or(Error::Callback(CallbackProblem::MissingState))?;
        if !bool::from(state.as_bytes().ct_eq(self.state.as_bytes())) {
            return Err(Error::Callback(CallbackProblem::StateMismatch));
        }
        match p.remove("iss") {
            Some(iss) if iss != self.issuer => {
                return Err(Error::IssuerMismatch {
                    expected: self.issuer.clone(),
                    found: iss,
                });
            }
            Some(_) => {}
            None if self.iss_required => {
                return Err(Error::Callback(CallbackProblem::MissingIssuer));
            }
            None => {}
        }
        if let Some(code) = p.remove("error") {
            let mut e = OAuthError::new(ErrorCode::parse(&code), http::StatusCode::FOUND);
            e.description = p.remove("error_description");
            e.uri = p.remove("error_uri");
            return Err(Error::OAuth(e));
        }
        let code = p
            .remove("code")
            .filter(|c| !c.is_empty())
            .ok_or(Error::Callback(CallbackProblem::MissingCode))?;
        Ok(ValidatedCallback {
            code: crate::token::AccessToken::new(code),
            pending: self,
        })
    }
}

impl PendingAuthorization {
    /// Checks a JWT-secured authorization response (JARM, `response_mode=jwt` and its
    /// variants): the `response` parameter is a JWT signed by the authorization server (one of
    /// `algorithms`, its keys from `keys`), whose `iss` is the issuer, `aud` this client and
    /// `exp` in the future; only then are its claims checked as a plain response is
    /// ([`check_callback`](Self::check_callback)).
    pub async fn check_jarm_callback(
        self,
        params: &[u8],
        keys: &(impl tessera_jwt::AsyncKeyResolver + ?Sized),
        algorithms: &[tessera_jose::JwsAlgorithm],
        now: UnixTime,
    ) -> Result<ValidatedCallback, Error> {
        if now.0 > self.expires_at {
            return Err(Error::Callback(CallbackProblem::Expired {
                at: UnixTime(self.expires_at),
            }));
        }
        tessera_core::limits::check(
            "authorization response",
            params.len(),
            tessera_core::limits::DEFAULT_MAX_TOKEN_BYTES,
        )?;
        let p = tessera_core::form::parse_unique(params)?;
        let Some(jwt) = p.get("response") else {
            return Err(Error::Callback(CallbackProblem::MissingResponse));
        };
        let policy = tessera_jwt::Policy::builder()
            .algorithms(algorithms.iter().copied())
            .issuer(self.issuer.clone())
            .audience(self.client_id.clone())
            .build()?;
        let verified = policy
            .verify_async_at::<serde_json::Map<String, serde_json::Value>>(jwt, keys, now)
            .await?;
        // The response parameters are the JWT's claims (strings; `iss` included).
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &verified.claims().custom {
            match (k.as_str(), v) {
                ("aud" | "exp" | "iat" | "nbf" | "jti", _) => {}
                (_, serde_json::Value::String(s)) => {
                    form.append_pair(k, s);
                }
                _ => {}
            }
        }
        self.check_callback(form.finish().as_bytes(), now)
    }
}

/// An authorization response that passed [`PendingAuthorization::check_callback`]: the code,
/// with what the exchange needs (the PKCE verifier, the redirect URI) and the `nonce` for the
/// ID token.
#[derive(Debug, Clone)]
pub struct ValidatedCallback {
    code: crate::token::AccessToken,
    pending: PendingAuthorization,
}

impl ValidatedCallback {
    /// The `nonce` the request sent, for the ID token check.
    pub fn nonce(&self) -> Option<&str> {
        self.pending.nonce()
    }
}

/// The code exchange (RFC 6749 §4.1.3) of a [`ValidatedCallback`], with its PKCE verifier.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    callback: ValidatedCallback,
}

impl AuthorizationCode {
    /// The exchange of `callback`'s code.
    pub fn new(callback: ValidatedCallback) -> Self {
        AuthorizationCode { callback }
    }

    /// The `nonce` the authorization request sent, for the ID token check.
    pub fn nonce(&self) -> Option<&str> {
        self.callback.nonce()
    }

    fn params(&self, client: &Client) -> Result<Vec<(&'static str, String)>, Error> {
        let p = &self.callback.pending;
        if p.client_id != client.id() || p.issuer != client.metadata().issuer {
            return Err(Error::Callback(CallbackProblem::ClientMismatch));
        }
        Ok(vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", self.callback.code.secret().to_owned()),
            ("redirect_uri", p.redirect_uri.clone()),
            ("code_verifier", p.code_verifier.clone()),
        ])
    }

    /// The token request (operating-system randomness for JWT client authentication).
    pub fn request(&self, client: &Client, now: UnixTime) -> Result<HttpRequest, Error> {
        self.request_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// The token request, drawing randomness from `rng`.
    pub fn request_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<HttpRequest, Error> {
        let mut rng = rng;
        let params = self.params(client)?;
        crate::grants::token_request(client, params, &[], now, &mut rng)
    }

    /// Reads the token endpoint's response, received at `now`.
    pub fn parse_response(
        &self,
        client: &Client,
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<TokenResponse, Error> {
        crate::grants::check_bound(
            client,
            TokenResponse::parse(response, now, client.leniency())?,
        )
    }

    /// Sends the exchange through `http` and reads the answer.
    pub async fn send(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<TokenResponse, Error> {
        let res =
            crate::grants::send_token_request(client, http, || self.request(client, now)).await?;
        self.parse_response(client, &res, now)
    }
}

#[cfg(test)]
mod tests {
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::{AuthorizationServerMetadata, ClientAuth};

    fn client(iss_supported: bool) -> Client {
        let mut m = AuthorizationServerMetadata::new("https://as.example")
            .with_authorization_endpoint("https://as.example/authorize?tenant=t1")
            .with_token_endpoint("https://as.example/token");
        m.authorization_response_iss_parameter_supported = iss_supported;
        Client::new("app", ClientAuth::none(), m)
    }

    fn start(c: &Client) -> (Url, PendingAuthorization) {
        AuthorizationRequest::new("https://app.example/cb")
            .scope("openid email")
            .with_nonce()
            .resource("https://api.example/")
            .prompt("login")
            .param("ui_locales", "fr")
            .build_with_rng(c, UnixTime(1000), &mut ChaCha20Rng::from_seed([9; 32]))
            .unwrap()
    }

    #[test]
    fn the_authorization_url_has_pkce_s256_state_and_nonce() {
        let (url, pending) = start(&client(false));
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "tenant",
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce",
                "resource",
                "prompt",
                "ui_locales"
            ]
        );
        let get = |n: &str| q.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some(pending.state()));
        assert_eq!(get("nonce"), pending.nonce());
        assert_eq!(pending.state().len(), 43);
        // The challenge is S256 of the verifier the pending value keeps.
        let challenge = CodeVerifier::new(pending.code_verifier.clone())
            .unwrap()
            .challenge();
        assert_eq!(get("code_challenge"), Some(challenge.as_str()));
        assert!(!format!("{pending:?}").contains(pending.state()));
    }

    #[test]
    fn reserved_and_malformed_inputs_are_refused() {
        let c = client(false);
        for (r, name) in [
            (
                AuthorizationRequest::new("https://app.example/cb").param("state", "x"),
                "state",
            ),
            (
                AuthorizationRequest::new("https://app.example/cb")
                    .param("code_challenge_method", "plain"),
                "code_challenge_method",
            ),
        ] {
            match r.build(&c, UnixTime(0)) {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{other:?}"),
            }
        }
        for (uri, problem) in [
            ("http://app.example/cb", UrlProblem::NotHttps),
            ("https://app.example/cb#x", UrlProblem::Fragment),
            ("myapp:/cb", UrlProblem::NotHttps),
        ] {
            match AuthorizationRequest::new(uri).build(&c, UnixTime(0)) {
                Err(Error::InvalidUrl { problem: p, .. }) => assert_eq!(p, problem, "{uri}"),
                other => panic!("{uri}: {other:?}"),
            }
        }
        AuthorizationRequest::new("http://127.0.0.1:49152/cb")
            .build(&c, UnixTime(0))
            .unwrap();
        AuthorizationRequest::new("com.example.app:/oauth2redirect")
            .build(&c, UnixTime(0))
            .unwrap();
    }

    fn q(pending: &PendingAuthorization, rest: &str) -> Vec<u8> {
        format!("state={}&{rest}", pending.state()).into_bytes()
    }

    #[test]
    fn callback_checks() {
        let c = client(true);
        let (_, p) = start(&c);
        // Expired.
        assert!(matches!(
            p.clone().check_callback(
                &q(&p, "code=x&iss=https%3A%2F%2Fas.example"),
                UnixTime(1601)
            ),
            Err(Error::Callback(CallbackProblem::Expired { .. }))
        ));
        // State missing, wrong, repeated.
        assert!(matches!(
            p.clone().check_callback(b"code=x", UnixTime(1000)),
            Err(Error::Callback(CallbackProblem::MissingState))
        ));
        assert!(matches!(
            p.clone()
                .check_callback(b"code=x&state=forged", UnixTime(1000)),
            Err(Error::Callback(CallbackProblem::StateMismatch))
        ));
        assert!(matches!(
            p.clone()
                .check_callback(&q(&p, "state=again&code=x"), UnixTime(1000)),
            Err(Error::Core(tessera_core::Error::DuplicateParameter { .. }))
        ));
        // RFC 9207: promised and missing, or another issuer (a mix-up attack).
        assert!(matches!(
            p.clone().check_callback(&q(&p, "code=x"), UnixTime(1000)),
            Err(Error::Callback(CallbackProblem::MissingIssuer))
        ));
        assert!(matches!(
            p.clone().check_callback(
                &q(&p, "code=x&iss=https%3A%2F%2Fevil.example"),
                UnixTime(1000)
            ),
            Err(Error::IssuerMismatch { .. })
        ));
        // An error response, with its state.
        match p.clone().check_callback(
            &q(
                &p,
                "error=access_denied&error_description=user+said+no&iss=https%3A%2F%2Fas.example",
            ),
            UnixTime(1000),
        ) {
            Err(Error::OAuth(e)) => {
                assert_eq!(e.code, ErrorCode::AccessDenied);
                assert_eq!(e.description.as_deref(), Some("user said no"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p.clone()
                .check_callback(&q(&p, "iss=https%3A%2F%2Fas.example&code="), UnixTime(1000)),
            Err(Error::Callback(CallbackProblem::MissingCode))
        ));
        let ok = p
            .clone()
            .check_callback(
                &q(&p, "code=c0de&iss=https%3A%2F%2Fas.example"),
                UnixTime(1600),
            )
            .unwrap();
        assert_eq!(ok.nonce(), p.nonce());
    }

    #[test]
    fn the_exchange_sends_the_verifier_and_refuses_another_client() {
        let c = client(false);
        let (_, p) = start(&c);
        let verifier = p.code_verifier.clone();
        let cb = p
            .clone()
            .check_callback(&q(&p, "code=c0de"), UnixTime(1000))
            .unwrap();
        let x = AuthorizationCode::new(cb);
        let req = x.request(&c, UnixTime(1000)).unwrap();
        assert_eq!(
            tessera_core::form::parse(req.body()),
            [
                ("grant_type", "authorization_code"),
                ("code", "c0de"),
                ("redirect_uri", "https://app.example/cb"),
                ("code_verifier", verifier.as_str()),
                ("client_id", "app"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let other = Client::new("other-app", ClientAuth::none(), c.metadata().clone());
        assert!(matches!(
            x.request(&other, UnixTime(1000)),
            Err(Error::Callback(CallbackProblem::ClientMismatch))
        ));
    }

    fn par_client() -> Client {
        let mut m = AuthorizationServerMetadata::new("https://as.example")
            .with_authorization_endpoint("https://as.example/authorize")
            .with_token_endpoint("https://as.example/token");
        m.pushed_authorization_request_endpoint = Some("https://as.example/par".into());
        Client::new(
            "app",
            ClientAuth::client_secret_basic(crate::ClientSecret::new("s")),
            m,
        )
    }

    #[test]
    fn par_request_as_bytes_and_the_url_it_yields() {
        let c = par_client();
        let (req, pending) = AuthorizationRequest::new("https://app.example/cb")
            .scope("openid")
            .pushed_request_with_rng(&c, UnixTime(1000), &mut ChaCha20Rng::from_seed([9; 32]))
            .unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "https://as.example/par");
        assert_eq!(
            req.headers()[http::header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert!(req.headers().contains_key(http::header::AUTHORIZATION));
        let form = tessera_core::form::parse(req.body());
        let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method"
            ]
        );
        assert_eq!(form[4].1, pending.state());
        let res = http::Response::builder()
            .status(201)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(br#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#.to_vec())
            .unwrap();
        let url = AuthorizationRequest::pushed_url(&c, &res).unwrap();
        assert_eq!(
            url.as_str(),
            "https://as.example/authorize?client_id=app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
        );
        for (status, body) in [
            (201, r#"{"expires_in":60}"#),
            (201, r#"{"request_uri":5}"#),
            (400, r#"{"error":"invalid_request"}"#),
        ] {
            let res = http::Response::builder()
                .status(status)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap();
            assert!(
                AuthorizationRequest::pushed_url(&c, &res).is_err(),
                "{body}"
            );
        }
        // A server that requires PAR refuses the plain URL.
        let mut m = c.metadata().clone();
        m.require_pushed_authorization_requests = true;
        let strict = Client::new("app", ClientAuth::none(), m);
        assert!(matches!(
            AuthorizationRequest::new("https://app.example/cb").build(&strict, UnixTime(0)),
            Err(Error::PushedRequestRequired)
        ));
    }

    #[test]
    fn jar_request_objects_carry_every_parameter_signed() {
        let c = par_client();
        let jwk = tessera_jose::Jwk::generate(tessera_jose::JwsAlgorithm::ES256).unwrap();
        let key = SigningKey::from_jwk(&jwk, tessera_jose::JwsAlgorithm::ES256).unwrap();
        let (url, pending) = AuthorizationRequest::new("https://app.example/cb")
            .scope("openid")
            .resource("https://a.example/")
            .resource("https://b.example/")
            .signed_with(key.clone())
            .build(&c, UnixTime(1000))
            .unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0], ("client_id".to_owned(), "app".to_owned()));
        assert_eq!(q[1].0, "request");
        let policy = tessera_jwt::Policy::builder()
            .algorithm(tessera_jose::JwsAlgorithm::ES256)
            .issuer("app")
            .audience("https://as.example")
            .typ("oauth-authz-req+jwt")
            .build()
            .unwrap();
        let v = policy
            .verify_at::<serde_json::Map<String, serde_json::Value>>(
                &q[1].1,
                &tessera_jwt::KeyStore::single(key.verifying_key().clone()),
                UnixTime(1000),
            )
            .unwrap();
        let claims = &v.claims().custom;
        assert_eq!(claims["state"], pending.state());
        assert_eq!(claims["code_challenge_method"], "S256");
        assert_eq!(
            claims["resource"],
            serde_json::json!(["https://a.example/", "https://b.example/"])
        );
        // With PAR: the pushed body is client_id and request only.
        let (req, _) = AuthorizationRequest::new("https://app.example/cb")
            .signed_with(key)
            .pushed_request(&c, UnixTime(1000))
            .unwrap();
        let form = tessera_core::form::parse(req.body());
        let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["client_id", "request"]);
    }

    #[test]
    fn jarm_responses_are_verified_before_the_callback_check() {
        use tessera_jose::{Jwk, JwsAlgorithm};
        let c = client(true);
        let (_, p) = start(&c);
        let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap();
        let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
        let keys = tessera_jwt::KeyStore::single(signer.verifying_key().clone());
        let jarm = |aud: &str, key: &SigningKey| {
            let jwt = tessera_jwt::JwtBuilder::new()
                .issuer("https://as.example")
                .audience(aud)
                .expires_in(UnixTime(1000), 60)
                .claim("code", "c0de")
                .claim("state", p.state())
                .sign(key)
                .unwrap();
            format!("response={jwt}").into_bytes()
        };
        let run = |q: Vec<u8>| {
            futures_executor::block_on(p.clone().check_jarm_callback(
                &q,
                &keys,
                &[JwsAlgorithm::ES256],
                UnixTime(1000),
            ))
        };
        assert!(run(jarm("app", &signer)).is_ok());
        // The wrong audience; a bad signature; no response at all.
        assert!(matches!(
            run(jarm("other-app", &signer)),
            Err(Error::Jwt(_))
        ));
        let other = SigningKey::from_jwk(
            &Jwk::generate(JwsAlgorithm::ES256).unwrap(),
            JwsAlgorithm::ES256,
        )
        .unwrap();
        assert!(matches!(run(jarm("app", &other)), Err(Error::Jwt(_))));
        assert!(matches!(
            run(b"code=x".to_vec()),
            Err(Error::Callback(CallbackProblem::MissingResponse))
        ));
    }

    #[test]
    fn pending_values_survive_serde() {
        let (_, p) = start(&client(false));
        let s = serde_json::to_string(&p).unwrap();
        let back: PendingAuthorization = serde_json::from_str(&s).unwrap();
        assert_eq!(back.state(), p.state());
        assert_eq!(back.code_verifier, p.code_verifier);
        assert_eq!(back.expires_at(), UnixTime(1600));
    }
}
