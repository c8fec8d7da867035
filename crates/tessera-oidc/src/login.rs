//! The login flow as one guided API: a login request → the authorization URL and a
//! serializable pending login → the callback → the code exchange → a verified login (ID token
//! claims, tokens, UserInfo on request).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tessera_core::{HttpClient, UnixTime};
use tessera_oauth::authorization::{
    AuthorizationCode, AuthorizationRequest, PendingAuthorization, ValidatedCallback,
};
use tessera_oauth::{Client, TokenResponse};
use url::Url;

use crate::Error;
use crate::error::IdTokenProblem;
use crate::id_token::{Expected, IdToken, IdTokenVerifier};
use crate::provider::Provider;

/// A login request: `openid` always in the scope, a fresh `nonce`, PKCE and `state` (from
/// tessera-oauth), and the OpenID parameters.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    redirect_uri: String,
    scope: String,
    prompt: Option<String>,
    max_age: Option<u64>,
    acr_values: Vec<String>,
    require_acr: bool,
    login_hint: Option<String>,
    claims: Option<Value>,
    resources: Vec<String>,
}

impl LoginRequest {
    /// A login that sends the browser back to `redirect_uri`, with scope `openid`.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        LoginRequest {
            redirect_uri: redirect_uri.into(),
            scope: "openid".into(),
            prompt: None,
            max_age: None,
            acr_values: Vec::new(),
            require_acr: false,
            login_hint: None,
            claims: None,
            resources: Vec::new(),
        }
    }

    /// The scope; `openid` is added when missing.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        let s = scope.into();
        self.scope = if s.split(' ').any(|t| t == "openid") {
            s
        } else if s.is_empty() {
            "openid".into()
        } else {
            format!("openid {s}")
        };
        self
    }

    /// `prompt` (`none`, `login`, `consent`, `select_account`).
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// `max_age`: the ID token's `auth_time` must then be at most this old.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// `acr_values`, as a voluntary request (the `acr` returned is not checked).
    pub fn acr_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.acr_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// `acr_values` that the ID token's `acr` must be one of (an essential request).
    pub fn require_acr<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Self {
        let mut s = self.acr_values(values);
        s.require_acr = true;
        s
    }

    /// `login_hint`.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// The `claims` request parameter (Core §5.5), as JSON.
    pub fn claims(mut self, claims: Value) -> Self {
        self.claims = Some(claims);
        self
    }

    /// A resource indicator (RFC 8707).
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resources.push(uri.into());
        self
    }

    fn authorization_request(&self) -> AuthorizationRequest {
        let mut r = AuthorizationRequest::new(self.redirect_uri.clone())
            .scope(self.scope.clone())
            .with_nonce();
        if let Some(p) = &self.prompt {
            r = r.prompt(p.clone());
        }
        if let Some(h) = &self.login_hint {
            r = r.login_hint(h.clone());
        }
        if let Some(m) = self.max_age {
            r = r.param("max_age", m.to_string());
        }
        if !self.acr_values.is_empty() {
            r = r.param("acr_values", self.acr_values.join(" "));
        }
        if let Some(c) = &self.claims {
            r = r.param("claims", c.to_string());
        }
        for res in &self.resources {
            r = r.resource(res.clone());
        }
        r
    }

    /// The URL to send the browser to and the pending login to keep (it serializes).
    pub fn build(&self, client: &Client, now: UnixTime) -> Result<(Url, PendingLogin), Error> {
        let (url, pending) = self.authorization_request().build(client, now)?;
        Ok((url, self.pending(pending)))
    }

    /// [`build`](Self::build) drawing randomness from `rng`.
    pub fn build_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(Url, PendingLogin), Error> {
        let (url, pending) = self
            .authorization_request()
            .build_with_rng(client, now, rng)?;
        Ok((url, self.pending(pending)))
    }

    /// Pushes the request first (PAR, RFC 9126) through `http`; the URL then carries only
    /// `client_id` and `request_uri`.
    pub async fn build_pushed(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<(Url, PendingLogin), Error> {
        let (url, pending) = self
            .authorization_request()
            .build_pushed(client, http, now)
            .await?;
        Ok((url, self.pending(pending)))
    }

    fn pending(&self, authorization: PendingAuthorization) -> PendingLogin {
        PendingLogin {
            authorization,
            max_age: self.max_age,
            required_acr: if self.require_acr {
                self.acr_values.clone()
            } else {
                Vec::new()
            },
        }
    }
}

/// A login in progress, kept across the browser round trip (serde; store it where the browser
/// cannot read it unencrypted: it holds the PKCE verifier and the nonce).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    authorization: PendingAuthorization,
    max_age: Option<u64>,
    required_acr: Vec<String>,
}

impl PendingLogin {
    /// The `state` sent (a key to find this login again).
    pub fn state(&self) -> &str {
        self.authorization.state()
    }

    /// Checks the authorization response (query string or form post): `state`, RFC 9207 `iss`,
    /// `error` ([`PendingAuthorization::check_callback`]).
    pub fn check_callback(self, params: &[u8], now: UnixTime) -> Result<LoginCallback, Error> {
        let callback = self.authorization.check_callback(params, now)?;
        Ok(LoginCallback {
            callback,
            max_age: self.max_age,
            required_acr: self.required_acr,
        })
    }
}

/// A checked authorization response, ready to exchange.
#[derive(Debug, Clone)]
pub struct LoginCallback {
    callback: ValidatedCallback,
    max_age: Option<u64>,
    required_acr: Vec<String>,
}

/// A completed login: the validated ID token, the tokens, and UserInfo when asked for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// The validated ID token.
    pub id_token: IdToken,
    /// The token response.
    pub tokens: TokenResponse,
    /// The UserInfo claims, when fetched (their `sub` is the ID token's).
    pub userinfo: Option<Map<String, Value>>,
}

impl LoginCallback {
    /// Exchanges the code, validates the ID token (with the `nonce`, `max_age`, required `acr`
    /// and `at_hash`) and, with `userinfo`, fetches UserInfo when the provider has an
    /// endpoint.
    pub async fn finish(
        self,
        client: &Client,
        provider: &Provider,
        verifier: &IdTokenVerifier,
        http: &(impl HttpClient + ?Sized),
        userinfo: bool,
        now: UnixTime,
    ) -> Result<Login, Error> {
        let nonce = self.callback.nonce().map(str::to_owned);
        let exchange = AuthorizationCode::new(self.callback);
        let tokens = exchange.send(client, http, now).await?;
        let raw = tokens
            .id_token()
            .ok_or(Error::IdToken(IdTokenProblem::NoIdToken))?
            .to_owned();
        let mut expected = Expected::none().access_token(tokens.access_token().secret());
        expected.nonce = nonce.as_deref();
        expected.max_age = self.max_age;
        expected.acr_values = &self.required_acr;
        let id_token = verifier.verify(provider, &raw, &expected, now).await?;
        let userinfo = if userinfo && provider.metadata().userinfo_endpoint.is_some() {
            let at = tokens.access_token().secret();
            Some(if *tokens.token_type() == tessera_oauth::TokenType::DPoP {
                crate::userinfo::fetch_with_dpop(
                    provider, verifier, http, client, at, &id_token, now,
                )
                .await?
            } else {
                crate::userinfo::fetch(provider, verifier, http, at, &id_token, now).await?
            })
        } else {
            None
        };
        Ok(Login {
            id_token,
            tokens,
            userinfo,
        })
    }
}
