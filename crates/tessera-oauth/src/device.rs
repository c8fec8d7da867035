//! The device authorization grant (RFC 8628), for CLIs and devices without a browser: ask
//! for a user code, show it, then poll the token endpoint as a state machine whose steps say
//! "send this", "wait this long" or "done" — the caller owns sleeping and sending.
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::device::{DeviceAuthorizationRequest, DevicePoll, DeviceStep};
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth};
//!
//! let metadata = AuthorizationServerMetadata::new("https://as.example")
//!     .with_device_authorization_endpoint("https://as.example/device")
//!     .with_token_endpoint("https://as.example/token");
//! let client = Client::new("tv", ClientAuth::none(), metadata);
//! let polls = AtomicU32::new(0);
//! let http = |req: HttpRequest| {
//!     let body: &[u8] = if req.uri().path() == "/device" {
//!         br#"{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","expires_in":600,"interval":5}"#
//!     } else if polls.fetch_add(1, Ordering::SeqCst) == 0 {
//!         br#"{"error":"authorization_pending"}"#
//!     } else {
//!         br#"{"access_token":"at","token_type":"Bearer"}"#
//!     };
//!     let status = if body.starts_with(br#"{"error""#) { 400 } else { 200 };
//!     async move {
//!         Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!             .status(status)
//!             .header("content-type", "application/json")
//!             .body(body.to_vec())
//!             .unwrap())
//!     }
//! };
//! futures_executor::block_on(async {
//!     let mut now = UnixTime(1_000);
//!     let auth = DeviceAuthorizationRequest::new().send(&client, &http, now).await?;
//!     println!("visit {} and enter {}", auth.verification_uri(), auth.user_code());
//!     let mut poll = DevicePoll::new(auth, now);
//!     let tokens = loop {
//!         match poll.step(&client, now)? {
//!             DeviceStep::Wait(secs) => now = now.saturating_add(secs), // sleep here
//!             DeviceStep::Send(req) => {
//!                 let res = http(req).await.unwrap();
//!                 poll.on_response(&client, &res, now)?;
//!             }
//!             DeviceStep::Done(tokens) => break tokens,
//!         }
//!     };
//!     assert_eq!(tokens.access_token().secret(), "at");
//!     assert_eq!(now, UnixTime(1_010)); // two polls, five seconds apart
//!     Ok::<(), tessera_oauth::Error>(())
//! })?;
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use serde_json::{Map, Value};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};

use crate::error::{ErrorCode, ResponseProblem};
use crate::http_util::{self, problem};
use crate::token::{AccessToken, TokenResponse};
use crate::{Client, Error};

/// `grant_type` of the device grant (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The polling interval when the server names none (RFC 8628 §3.2).
pub const DEFAULT_INTERVAL_SECS: u64 = 5;

/// What `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_SECS: u64 = 5;

/// The device authorization request (RFC 8628 §3.1).
#[derive(Debug, Clone, Default)]
pub struct DeviceAuthorizationRequest {
    scope: Option<String>,
    resources: Vec<String>,
    extra: Vec<(String, String)>,
}

impl DeviceAuthorizationRequest {
    /// A request with no scope.
    pub fn new() -> Self {
        DeviceAuthorizationRequest::default()
    }

    /// Asks for `scope`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Asks for a token for the resource `uri` (RFC 8707).
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resources.push(uri.into());
        self
    }

    /// Adds a parameter the server defines.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The request, with operating-system randomness for JWT client authentication.
    pub fn request(&self, client: &Client, now: UnixTime) -> Result<HttpRequest, Error> {
        self.request_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// The request, drawing randomness from `rng`.
    pub fn request_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<HttpRequest, Error> {
        let mut rng = rng;
        let endpoint = client.endpoint("device_authorization_endpoint")?;
        crate::metadata::check_endpoint("device_authorization_endpoint", endpoint)?;
        let mut params: Vec<(&'static str, String)> = Vec::new();
        if let Some(s) = &self.scope {
            http_util::check_scope(s)?;
            params.push(("scope", s.clone()));
        }
        for r in &self.resources {
            crate::grants::check_resource(r)?;
            params.push(("resource", r.clone()));
        }
        for (name, _) in &self.extra {
            http_util::check_extra(
                name,
                &[
                    "scope",
                    "resource",
                    "client_id",
                    "client_secret",
                    "client_assertion",
                    "client_assertion_type",
                ],
            )?;
        }
        let authorization = client.authenticate(&mut params, now, &mut rng)?;
        let mut all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        http_util::post_form(endpoint, &all, authorization)
    }

    /// Reads the device authorization response (RFC 8628 §3.2), received at `now`.
    pub fn parse_response(
        &self,
        client: &Client,
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<DeviceAuthorization, Error> {
        DeviceAuthorization::parse(response, now, client)
    }

    /// Sends the request through `http` and reads the answer.
    pub async fn send(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<DeviceAuthorization, Error> {
        let req = self.request(client, now)?;
        let res = http_util::send(http, req, "device authorization endpoint").await?;
        self.parse_response(client, &res, now)
    }
}

/// The server's answer to a device authorization request: what to show the user, and the
/// device code to poll with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    device_code: AccessToken,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_at: UnixTime,
    interval: u64,
    extra: Map<String, Value>,
}

const WHAT: &str = "device authorization response";

impl DeviceAuthorization {
    fn parse(response: &HttpResponse, now: UnixTime, client: &Client) -> Result<Self, Error> {
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        let mut m: Map<String, Value> = http_util::json_body(WHAT, response)?;
        let mut string = |member: &'static str| -> Result<Option<String>, Error> {
            match m.remove(member) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => {
                    Err(problem(WHAT, ResponseProblem::Empty { member }))
                }
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member,
                        expected: "a string",
                    },
                )),
            }
        };
        let required = |v: Option<String>, member| {
            v.ok_or_else(|| problem(WHAT, ResponseProblem::Missing { member }))
        };
        let device_code = required(string("device_code")?, "device_code")?;
        let user_code = required(string("user_code")?, "user_code")?;
        let mut verification_uri = string("verification_uri")?;
        if verification_uri.is_none() && client.leniency().verification_url {
            verification_uri = string("verification_url")?;
        }
        let verification_uri = required(verification_uri, "verification_uri")?;
        let verification_uri_complete = string("verification_uri_complete")?;
        let strings = client.leniency().expires_in_strings;
        let number = |v: Option<Value>, member: &'static str| -> Result<Option<u64>, Error> {
            let bad = || {
                problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member,
                        expected: "a non-negative integer",
                    },
                )
            };
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
                Some(Value::String(s))
                    if strings
                        && (1..=19).contains(&s.len())
                        && s.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    s.parse().map(Some).map_err(|_| bad())
                }
                Some(_) => Err(bad()),
            }
        };
        let expires_in = number(m.remove("expires_in"), "expires_in")?.ok_or_else(|| {
            problem(
                WHAT,
                ResponseProblem::Missing {
                    member: "expires_in",
                },
            )
        })?;
        // At least a second apart, whatever the server says: no busy loop.
        let interval = number(m.remove("interval"), "interval")?
            .unwrap_or(DEFAULT_INTERVAL_SECS)
            .max(1);
        Ok(DeviceAuthorization {
            device_code: AccessToken::new(device_code),
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_at: now.saturating_add(expires_in),
            interval,
            extra: m,
        })
    }

    /// The code the user types at the verification URI.
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// Where the user goes to enter the code.
    pub fn verification_uri(&self) -> &str {
        &self.verification_uri
    }

    /// The verification URI with the code in it (for a QR code), if the server sent one.
    pub fn verification_uri_complete(&self) -> Option<&str> {
        self.verification_uri_complete.as_deref()
    }

    /// When the device code expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The polling interval the server asked for, in seconds.
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// Every member this type does not read itself.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

/// What the caller does next while polling. Exhaustive on purpose: "wait", "send" and "done"
/// are the whole contract of a polling state machine, and a caller's `match` should not need a
/// wildcard arm it cannot act on.
#[derive(Debug)]
#[allow(clippy::exhaustive_enums, clippy::large_enum_variant)]
pub enum DeviceStep {
    /// Wait this many seconds, then call [`DevicePoll::step`] again.
    Wait(u64),
    /// Send this token request, then hand the response to [`DevicePoll::on_response`].
    Send(HttpRequest),
    /// The user approved: the tokens.
    Done(TokenResponse),
}

/// Polling the token endpoint for a device code (RFC 8628 §3.4, §3.5): `authorization_pending`
/// waits the interval, `slow_down` adds five seconds to it for good, `access_denied`,
/// `expired_token` and any other error end the poll, and so does the device code's own
/// expiry.
#[derive(Debug)]
pub struct DevicePoll {
    /// The device authorization, for the device grant (none for CIBA).
    auth: Option<DeviceAuthorization>,
    /// `grant_type` and the parameter that carries the code.
    grant: (&'static str, &'static str),
    code: AccessToken,
    expires_at: UnixTime,
    interval: u64,
    next_at: UnixTime,
    done: Option<TokenResponse>,
}

impl DevicePoll {
    /// Starts polling for `auth`, received at `now`; the first poll is one interval later.
    pub fn new(auth: DeviceAuthorization, now: UnixTime) -> Self {
        let interval = auth.interval;
        DevicePoll {
            grant: (DEVICE_CODE_GRANT, "device_code"),
            code: auth.device_code.clone(),
            expires_at: auth.expires_at,
            auth: Some(auth),
            interval,
            next_at: now.saturating_add(interval),
            done: None,
        }
    }

    /// Polls for a CIBA authentication request (OpenID CIBA Core §7.3, poll mode) on the same
    /// rules: `grant_type=urn:openid:params:grant-type:ciba` with its `auth_req_id`.
    pub fn ciba(auth: &crate::ciba::CibaAuthorization, now: UnixTime) -> Self {
        let interval = auth.interval();
        DevicePoll {
            auth: None,
            grant: (crate::ciba::CIBA_GRANT, "auth_req_id"),
            code: AccessToken::new(auth.auth_req_id().to_owned()),
            expires_at: auth.expires_at(),
            interval,
            next_at: now.saturating_add(interval),
            done: None,
        }
    }

    /// The current interval (it grows with `slow_down`).
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// The device authorization being polled for (none for CIBA).
    pub fn authorization(&self) -> Option<&DeviceAuthorization> {
        self.auth.as_ref()
    }

    /// What to do at `now`: wait, send a token request, or take the tokens. Past the device
    /// code's expiry it is [`Error::OAuth`] with `expired_token`, as the server would say.
    pub fn step(&mut self, client: &Client, now: UnixTime) -> Result<DeviceStep, Error> {
        self.step_with_rng(client, now, &mut crate::grants::os_rng()?)
    }

    /// [`step`](Self::step), drawing the randomness JWT client authentication needs from
    /// `rng`.
    pub fn step_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        client: &Client,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<DeviceStep, Error> {
        let mut rng = rng;
        if let Some(t) = self.done.take() {
            return Ok(DeviceStep::Done(t));
        }
        if now >= self.expires_at {
            let mut e =
                crate::OAuthError::new(ErrorCode::ExpiredToken, http::StatusCode::BAD_REQUEST);
            e.description = Some("the device code expired before the user approved".into());
            return Err(Error::OAuth(e));
        }
        if now < self.next_at {
            return Ok(DeviceStep::Wait(self.next_at.0 - now.0));
        }
        let params = vec![
            ("grant_type", self.grant.0.to_owned()),
            (self.grant.1, self.code.secret().to_owned()),
        ];
        let req = crate::grants::token_request(client, params, &[], now, &mut rng)?;
        // Until a response says otherwise, the next poll is one interval away.
        self.next_at = now.saturating_add(self.interval);
        Ok(DeviceStep::Send(req))
    }

    /// Takes the token endpoint's response to the request [`step`](Self::step) gave, received
    /// at `now`. `Ok(())` means: call `step` again (it will say wait, or done).
    pub fn on_response(
        &mut self,
        client: &Client,
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<(), Error> {
        match TokenResponse::parse(response, now, client.leniency()) {
            Ok(t) => {
                self.done = Some(t);
                Ok(())
            }
            Err(Error::OAuth(e)) if e.code == ErrorCode::AuthorizationPending => {
                self.next_at = now.saturating_add(self.interval);
                Ok(())
            }
            Err(Error::OAuth(e)) if e.code == ErrorCode::SlowDown => {
                self.interval = self.interval.saturating_add(SLOW_DOWN_SECS);
                self.next_at = now.saturating_add(self.interval);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Records that the request could not be sent or answered (RFC 8628 §3.5: back off): the
    /// interval doubles, up to a minute; the caller may keep polling.
    pub fn on_transport_failure(&mut self, now: UnixTime) {
        self.interval = self.interval.saturating_mul(2).min(60).max(self.interval);
        self.next_at = now.saturating_add(self.interval);
    }
}

#[cfg(test)]
mod tests {
    use http::header::CONTENT_TYPE;

    use super::*;
    use crate::{AuthorizationServerMetadata, ClientAuth, Leniency};

    fn client() -> Client {
        Client::new(
            "tv",
            ClientAuth::none(),
            AuthorizationServerMetadata::new("https://as.example")
                .with_device_authorization_endpoint("https://as.example/device")
                .with_token_endpoint("https://as.example/token"),
        )
    }

    fn json(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .header(CONTENT_TYPE, "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    const AUTH: &str = r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":1800,"interval":5}"#;

    fn auth(now: u64) -> DeviceAuthorization {
        DeviceAuthorizationRequest::new()
            .parse_response(&client(), &json(200, AUTH), UnixTime(now))
            .unwrap()
    }

    #[test]
    fn the_request_and_the_rfc8628_example_response() {
        let req = DeviceAuthorizationRequest::new()
            .scope("profile")
            .request(&client(), UnixTime(0))
            .unwrap();
        assert_eq!(req.uri(), "https://as.example/device");
        assert_eq!(req.body(), b"scope=profile&client_id=tv");
        let a = auth(100);
        assert_eq!(a.user_code(), "WDJB-MJHT");
        assert_eq!(
            a.verification_uri_complete(),
            Some("https://example.com/device?user_code=WDJB-MJHT")
        );
        assert_eq!(a.expires_at(), UnixTime(1900));
        assert!(!format!("{a:?}").contains("GmRhmhcxhwAzkoEqiMEg"));
    }

    #[test]
    fn malformed_device_responses_are_typed() {
        let c = client();
        for (body, member) in [
            (
                r#"{"user_code":"u","verification_uri":"https://x","expires_in":5}"#,
                "device_code",
            ),
            (
                r#"{"device_code":"d","verification_uri":"https://x","expires_in":5}"#,
                "user_code",
            ),
            (
                r#"{"device_code":"d","user_code":"u","expires_in":5}"#,
                "verification_uri",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://x"}"#,
                "expires_in",
            ),
            (
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://x","expires_in":5,"interval":-5}"#,
                "interval",
            ),
            (
                r#"{"device_code":7,"user_code":"u","verification_uri":"https://x","expires_in":5}"#,
                "device_code",
            ),
        ] {
            match DeviceAuthorizationRequest::new().parse_response(
                &c,
                &json(200, body),
                UnixTime(0),
            ) {
                Err(Error::InvalidResponse { problem, .. }) => {
                    let m = match problem {
                        ResponseProblem::Missing { member }
                        | ResponseProblem::Invalid { member, .. } => member,
                        other => panic!("{other:?}"),
                    };
                    assert_eq!(m, member, "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        // Google's `verification_url`, only when allowed.
        let google = r#"{"device_code":"d","user_code":"u","verification_url":"https://www.google.com/device","expires_in":1800}"#;
        assert!(
            DeviceAuthorizationRequest::new()
                .parse_response(&c, &json(200, google), UnixTime(0))
                .is_err()
        );
        let lenient = c
            .clone()
            .with_leniency(Leniency::default().allow_verification_url());
        let a = DeviceAuthorizationRequest::new()
            .parse_response(&lenient, &json(200, google), UnixTime(0))
            .unwrap();
        assert_eq!(a.verification_uri(), "https://www.google.com/device");
        assert_eq!(a.interval(), DEFAULT_INTERVAL_SECS);
    }

    fn pending() -> HttpResponse {
        json(400, r#"{"error":"authorization_pending"}"#)
    }

    fn slow_down() -> HttpResponse {
        json(400, r#"{"error":"slow_down"}"#)
    }

    /// Every transition, with a scripted server and a fake clock: wait, pending, slow_down
    /// twice (5 → 10 → 15 s), pending again, then the tokens.
    #[test]
    fn polling_through_every_transition() {
        let c = client();
        let mut now = UnixTime(0);
        let mut poll = DevicePoll::new(auth(0), now);
        let mut sent_at = Vec::new();
        let script = [pending(), slow_down(), slow_down(), pending()];
        let mut script = script.into_iter();
        let tokens = loop {
            match poll.step(&c, now).unwrap() {
                DeviceStep::Wait(s) => {
                    assert!(s > 0);
                    now = now.saturating_add(s);
                }
                DeviceStep::Send(req) => {
                    assert_eq!(
                        tessera_core::form::parse(req.body())[0].1,
                        DEVICE_CODE_GRANT
                    );
                    sent_at.push(now.0);
                    let res = script.next().unwrap_or_else(|| {
                        json(
                            200,
                            r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#,
                        )
                    });
                    poll.on_response(&c, &res, now).unwrap();
                }
                DeviceStep::Done(t) => break t,
            }
        };
        assert_eq!(sent_at, [5, 10, 20, 35, 50]);
        assert_eq!(poll.interval(), 15);
        assert_eq!(tokens.access_token().secret(), "at");
        assert_eq!(tokens.expires_at(), Some(UnixTime(110)));
    }

    #[test]
    fn denial_server_expiry_and_local_expiry_end_the_poll() {
        let c = client();
        for (body, code) in [
            (r#"{"error":"access_denied"}"#, ErrorCode::AccessDenied),
            (r#"{"error":"expired_token"}"#, ErrorCode::ExpiredToken),
            (r#"{"error":"invalid_client"}"#, ErrorCode::InvalidClient),
        ] {
            let mut poll = DevicePoll::new(auth(0), UnixTime(0));
            assert!(matches!(
                poll.step(&c, UnixTime(5)).unwrap(),
                DeviceStep::Send(_)
            ));
            match poll.on_response(&c, &json(400, body), UnixTime(5)) {
                Err(Error::OAuth(e)) => assert_eq!(e.code, code),
                other => panic!("{other:?}"),
            }
        }
        // Pending until the device code's own expiry (1800 s).
        let mut poll = DevicePoll::new(auth(0), UnixTime(0));
        let mut now = UnixTime(0);
        let err = loop {
            match poll.step(&c, now) {
                Ok(DeviceStep::Wait(s)) => now = now.saturating_add(s),
                Ok(DeviceStep::Send(_)) => poll.on_response(&c, &pending(), now).unwrap(),
                Ok(DeviceStep::Done(_)) => panic!("no tokens were sent"),
                Err(e) => break e,
            }
        };
        assert_eq!(now, UnixTime(1800));
        match err {
            Error::OAuth(e) => assert_eq!(e.code, ErrorCode::ExpiredToken),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transport_failures_back_off() {
        let mut poll = DevicePoll::new(auth(0), UnixTime(0));
        poll.on_transport_failure(UnixTime(5));
        assert_eq!(poll.interval(), 10);
        for _ in 0..10 {
            poll.on_transport_failure(UnixTime(5));
        }
        assert_eq!(poll.interval(), 60);
    }
}
