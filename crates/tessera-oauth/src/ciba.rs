//! OpenID Connect Client-Initiated Backchannel Authentication (CIBA Core 1.0), poll mode: the
//! client asks the provider to authenticate a user on another device, then polls the token
//! endpoint with [`DevicePoll::ciba`](crate::device::DevicePoll::ciba), on the device grant's
//! rules (`authorization_pending`, `slow_down`, expiry).
//!
//! ```
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::ciba::CibaRequest;
//! use tessera_oauth::device::{DevicePoll, DeviceStep};
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret};
//!
//! let mut m = AuthorizationServerMetadata::new("https://op.example")
//!     .with_token_endpoint("https://op.example/token");
//! m.extra.insert("backchannel_authentication_endpoint".into(), "https://op.example/bc".into());
//! let client = Client::new("bank", ClientAuth::client_secret_basic(ClientSecret::new("s")), m);
//! let req = CibaRequest::new("openid payment")
//!     .login_hint("alice@example.com")
//!     .binding_message("W4SCT")
//!     .request(&client, UnixTime(0))?;
//! assert_eq!(req.uri(), "https://op.example/bc");
//!
//! let res = tessera_core::http::Response::builder()
//!     .status(200)
//!     .header("content-type", "application/json")
//!     .body(br#"{"auth_req_id":"1c266114-a1be-4252-8ad1-04986c5b9ac1","expires_in":120,"interval":2}"#.to_vec())
//!     .unwrap();
//! let auth = CibaRequest::parse_response(&res, UnixTime(0))?;
//! let mut poll = DevicePoll::ciba(&auth, UnixTime(0));
//! assert!(matches!(poll.step(&client, UnixTime(0))?, DeviceStep::Wait(2)));
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use serde_json::{Map, Value};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};

use crate::error::{ParameterProblem, ResponseProblem};
use crate::http_util::{self, check_scope, problem};
use crate::token::AccessToken;
use crate::{Client, Error};

/// `grant_type` for polling a CIBA request (CIBA Core §10.1).
pub const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

const WHAT: &str = "backchannel authentication response";

/// A backchannel authentication request (CIBA Core §7.1).
#[derive(Debug, Clone)]
pub struct CibaRequest {
    scope: String,
    hints: Vec<(&'static str, String)>,
    extra: Vec<(&'static str, String)>,
}

impl CibaRequest {
    /// A request for `scope`, which must include `openid`.
    pub fn new(scope: impl Into<String>) -> Self {
        CibaRequest {
            scope: scope.into(),
            hints: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// `login_hint`: who to authenticate.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(("login_hint", hint.into()));
        self
    }

    /// `id_token_hint`: an ID token naming the user.
    pub fn id_token_hint(mut self, token: impl Into<String>) -> Self {
        self.hints.push(("id_token_hint", token.into()));
        self
    }

    /// `login_hint_token`.
    pub fn login_hint_token(mut self, token: impl Into<String>) -> Self {
        self.hints.push(("login_hint_token", token.into()));
        self
    }

    /// `binding_message`: shown on both devices so the user can tell the requests apart.
    pub fn binding_message(mut self, message: impl Into<String>) -> Self {
        self.extra.push(("binding_message", message.into()));
        self
    }

    /// `requested_expiry`, in seconds.
    pub fn requested_expiry(mut self, secs: u64) -> Self {
        self.extra.push(("requested_expiry", secs.to_string()));
        self
    }

    /// The request (operating-system randomness for JWT client authentication).
    pub fn request(&self, client: &Client, now: UnixTime) -> Result<HttpRequest, Error> {
        self.request_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// The `POST` to the provider's `backchannel_authentication_endpoint`, with exactly one
    /// hint and the client's authentication (CIBA Core §7.1).
    pub fn request_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<HttpRequest, Error> {
        let mut rng = rng;
        check_scope(&self.scope)?;
        if !self.scope.split(' ').any(|s| s == "openid") {
            return Err(Error::InvalidParameter {
                name: "scope".into(),
                problem: ParameterProblem::Syntax,
            });
        }
        if self.hints.len() != 1 {
            return Err(Error::InvalidParameter {
                name: "login_hint".into(),
                problem: if self.hints.is_empty() {
                    ParameterProblem::Empty
                } else {
                    ParameterProblem::Reserved
                },
            });
        }
        let endpoint = client
            .endpoint("backchannel_authentication_endpoint")?
            .to_owned();
        crate::metadata::check_endpoint("backchannel_authentication_endpoint", &endpoint)?;
        let mut params: Vec<(&'static str, String)> = vec![("scope", self.scope.clone())];
        params.extend(self.hints.iter().cloned());
        params.extend(self.extra.iter().cloned());
        let authorization = client.authenticate(&mut params, now, &mut rng)?;
        let all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http_util::post_form(&endpoint, &all, authorization)
    }

    /// Reads the acknowledgement (CIBA Core §7.3): `auth_req_id`, `expires_in`, and `interval`
    /// (5 s when absent, at least 1).
    pub fn parse_response(
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<CibaAuthorization, Error> {
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        let m: Map<String, Value> = http_util::json_body(WHAT, response)?;
        let auth_req_id = match m.get("auth_req_id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member: "auth_req_id",
                        expected: "a non-empty string",
                    },
                ));
            }
            None => {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Missing {
                        member: "auth_req_id",
                    },
                ));
            }
        };
        let number = |member: &'static str| -> Result<Option<u64>, Error> {
            match m.get(member) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                    problem(
                        WHAT,
                        ResponseProblem::Invalid {
                            member,
                            expected: "a non-negative integer",
                        },
                    )
                }),
            }
        };
        let expires_in = number("expires_in")?.ok_or_else(|| {
            problem(
                WHAT,
                ResponseProblem::Missing {
                    member: "expires_in",
                },
            )
        })?;
        let interval = number("interval")?.unwrap_or(5).max(1);
        Ok(CibaAuthorization {
            auth_req_id: AccessToken::new(auth_req_id),
            expires_at: now.saturating_add(expires_in),
            interval,
        })
    }

    /// Sends the request through `http` and reads the acknowledgement.
    pub async fn send(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<CibaAuthorization, Error> {
        let res = http_util::send(
            http,
            self.request(client, now)?,
            "backchannel authentication endpoint",
        )
        .await?;
        Self::parse_response(&res, now)
    }
}

/// An acknowledged CIBA request: what to poll with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CibaAuthorization {
    auth_req_id: AccessToken,
    expires_at: UnixTime,
    interval: u64,
}

impl CibaAuthorization {
    /// `auth_req_id`.
    pub fn auth_req_id(&self) -> &str {
        self.auth_req_id.secret()
    }

    /// When the request expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The polling interval, in seconds.
    pub fn interval(&self) -> u64 {
        self.interval
    }
}

#[cfg(test)]
mod tests {
    use http::header::CONTENT_TYPE;

    use super::*;
    use crate::device::{DevicePoll, DeviceStep};
    use crate::{AuthorizationServerMetadata, ClientAuth, ClientSecret};

    fn client() -> Client {
        let mut m = AuthorizationServerMetadata::new("https://op.example")
            .with_token_endpoint("https://op.example/token");
        m.extra.insert(
            "backchannel_authentication_endpoint".into(),
            "https://op.example/bc".into(),
        );
        Client::new(
            "c",
            ClientAuth::client_secret_post(ClientSecret::new("s")),
            m,
        )
    }

    fn json(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .header(CONTENT_TYPE, "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn request_rules_and_polling() {
        let c = client();
        let req = CibaRequest::new("openid")
            .login_hint("alice")
            .binding_message("W4SCT")
            .request(&c, UnixTime(0))
            .unwrap();
        assert_eq!(
            req.body(),
            b"scope=openid&login_hint=alice&binding_message=W4SCT&client_id=c&client_secret=s"
        );
        assert!(
            CibaRequest::new("profile")
                .login_hint("a")
                .request(&c, UnixTime(0))
                .is_err()
        );
        assert!(CibaRequest::new("openid").request(&c, UnixTime(0)).is_err());
        assert!(
            CibaRequest::new("openid")
                .login_hint("a")
                .id_token_hint("t")
                .request(&c, UnixTime(0))
                .is_err()
        );
        let auth = CibaRequest::parse_response(
            &json(200, r#"{"auth_req_id":"r1","expires_in":60}"#),
            UnixTime(0),
        )
        .unwrap();
        let mut poll = DevicePoll::ciba(&auth, UnixTime(0));
        let mut now = UnixTime(0);
        let mut polls = 0;
        let tokens = loop {
            match poll.step(&c, now).unwrap() {
                DeviceStep::Wait(s) => now = now.saturating_add(s),
                DeviceStep::Send(r) => {
                    polls += 1;
                    let form = tessera_core::form::parse(r.body());
                    assert_eq!(form[0].1, CIBA_GRANT);
                    assert_eq!(form[1], ("auth_req_id".to_owned(), "r1".to_owned()));
                    let res = if polls == 1 {
                        json(400, r#"{"error":"authorization_pending"}"#)
                    } else {
                        json(
                            200,
                            r#"{"access_token":"a","token_type":"Bearer","id_token":"x.y.z"}"#,
                        )
                    };
                    poll.on_response(&c, &res, now).unwrap();
                }
                DeviceStep::Done(t) => break t,
            }
        };
        assert_eq!(tokens.id_token(), Some("x.y.z"));
        for body in [
            r#"{"expires_in":60}"#,
            r#"{"auth_req_id":"r","expires_in":"60"}"#,
        ] {
            assert!(CibaRequest::parse_response(&json(200, body), UnixTime(0)).is_err());
        }
    }
}
