//! Token responses (RFC 6749 §5.1, RFC 8693 §2.2.1) and the secrets they carry.

use std::fmt;

use serde_json::{Map, Value};
use tessera_core::{HttpResponse, SecretString, UnixTime, b64};

use crate::error::ResponseProblem;
use serde::de::MapAccess;
use tessera_core::json::Recorder;

use crate::http_util::{self, problem};
use crate::json;
use crate::{Error, Leniency};

macro_rules! secret_token {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Zeroized on drop; `Debug` prints no part of it; there is no `PartialEq` (compare
        /// secrets in constant time with [`SecretString::ct_eq`] on [`Self::secret`]).
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps `token`.
            pub fn new(token: impl Into<String>) -> Self {
                $name(SecretString::new(token.into()))
            }

            /// The token itself, to put on the wire.
            pub fn secret(&self) -> &str {
                self.0.expose()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_token!(
    /// An access token, as the server issued it.
    AccessToken
);
secret_token!(
    /// A refresh token, as the server issued it.
    RefreshToken
);

/// The `token_type` of a token response, compared case-insensitively (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449): the token is bound to the client's DPoP key.
    DPoP,
    /// `N_A` (RFC 8693 §2.2.1): the issued token is not an access token.
    NotApplicable,
    /// Any other type, as sent.
    Other(String),
}

impl TokenType {
    /// The type for `s`, ignoring ASCII case.
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else if s.eq_ignore_ascii_case("dpop") {
            TokenType::DPoP
        } else if s.eq_ignore_ascii_case("n_a") {
            TokenType::NotApplicable
        } else {
            TokenType::Other(s.to_owned())
        }
    }

    /// The type as the RFCs spell it.
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::DPoP => "DPoP",
            TokenType::NotApplicable => "N_A",
            TokenType::Other(s) => s,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A successful token response: the registered members typed, every other member kept.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenResponse {
    access_token: AccessToken,
    token_type: TokenType,
    expires_in: Option<u64>,
    expires_at: Option<UnixTime>,
    refresh_token: Option<RefreshToken>,
    scope: Option<String>,
    id_token: Option<String>,
    issued_token_type: Option<String>,
    extra: Map<String, Value>,
}

const WHAT: &str = "token response";

/// The members [`TokenResponse`] reads itself.
const REGISTERED: [&str; 7] = [
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "issued_token_type",
];

impl TokenResponse {
    /// Parses a token endpoint response received at `now`: `200` with a JSON object (strict:
    /// capped, no repeated member), `access_token` a non-empty string, `token_type` present,
    /// `expires_in` a non-negative integer (or, unless [`Leniency::refuse_expires_in_strings`],
    /// a string of decimal digits, as Entra ID sends), the other registered members strings.
    /// A non-200 response is the [`Error::OAuth`] it carries.
    pub fn parse(
        response: &HttpResponse,
        now: UnixTime,
        leniency: &Leniency,
    ) -> Result<Self, Error> {
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        let body = response.body();
        tessera_core::limits::check(
            WHAT,
            body.len(),
            tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES,
        )?;
        if leniency.form_encoded_responses
            && http_util::media_type(response).as_deref() == Some(http_util::FORM)
        {
            let mut fields = Fields::default();
            let mut extra = Map::new();
            for (k, v) in tessera_core::form::parse_unique(body)? {
                match k.as_str() {
                    "access_token" => fields.access_token = Some(v),
                    "token_type" => fields.token_type = Some(v),
                    "expires_in" => fields.expires_in = Some(form_expires_in(&v)?),
                    "refresh_token" => fields.refresh_token = Some(v),
                    "scope" => fields.scope = Some(v),
                    "id_token" => fields.id_token = Some(v),
                    "issued_token_type" => fields.issued_token_type = Some(v),
                    _ => {
                        extra.insert(k, Value::String(v));
                    }
                }
            }
            return Self::from_fields(fields, extra, now, leniency);
        }
        http_util::expect_json(WHAT, response)?;
        let mut fields = Fields {
            strings: leniency.expires_in_strings,
            ..Fields::default()
        };
        let extra = json::read_object(body, WHAT, &mut fields)?;
        Self::from_fields(fields, extra, now, leniency)
    }

    fn from_fields(
        f: Fields,
        extra: Map<String, Value>,
        now: UnixTime,
        leniency: &Leniency,
    ) -> Result<Self, Error> {
        let access_token = match f.access_token {
            Some(s) if !s.is_empty() => AccessToken::new(s),
            Some(_) => {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Empty {
                        member: "access_token",
                    },
                ));
            }
            None => return Err(missing("access_token")),
        };
        let token_type = match f.token_type {
            Some(s) if !s.is_empty() => TokenType::parse(&s),
            Some(_) => {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Empty {
                        member: "token_type",
                    },
                ));
            }
            None if leniency.missing_token_type => TokenType::Bearer,
            None => return Err(missing("token_type")),
        };
        Ok(TokenResponse {
            access_token,
            token_type,
            expires_in: f.expires_in,
            expires_at: f.expires_in.map(|s| now.saturating_add(s)),
            refresh_token: f
                .refresh_token
                .filter(|s| !s.is_empty())
                .map(RefreshToken::new),
            scope: f.scope,
            id_token: f.id_token,
            issued_token_type: f.issued_token_type,
            extra,
        })
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// `token_type`.
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// `expires_in`, in seconds, as sent.
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// When the access token expires: `expires_in` after the `now` the response was parsed
    /// at.
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.expires_at
    }

    /// The refresh token, if the server issued one (an empty one counts as none).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// `scope`: the granted scope when the server sent it (RFC 6749 §5.1 lets it omit the scope
    /// when it is the one requested).
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// `id_token` (OpenID Connect), unverified: tessera-oidc validates it.
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_deref()
    }

    /// `issued_token_type` (RFC 8693 §2.2.1).
    pub fn issued_token_type(&self) -> Option<&str> {
        self.issued_token_type.as_deref()
    }

    /// Whether the access token, when it is a JWT, names `resource` in its `aud` (RFC 8707 §2:
    /// a token asked for one resource should be audience-restricted to it). `None` when the
    /// token is not a JWT or has no `aud`. The token is not verified here — the client is not
    /// its audience — so this catches a server's mistake, not an attacker's token.
    pub fn audience_includes(&self, resource: &str) -> Option<bool> {
        let payload = self.access_token.secret().split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&b64::decode(payload).ok()?).ok()?;
        match claims.get("aud")? {
            Value::String(a) => Some(a == resource),
            Value::Array(v) => Some(v.iter().any(|a| a.as_str() == Some(resource))),
            _ => Some(false),
        }
    }

    /// `authorization_details` (RAR, RFC 9396 §7), if the server sent them.
    pub fn authorization_details(
        &self,
    ) -> Option<Result<Vec<crate::rar::AuthorizationDetail>, Error>> {
        self.extra
            .get("authorization_details")
            .map(crate::rar::AuthorizationDetail::from_value)
    }

    /// Every member this type does not read itself, as sent.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Whether the access token has expired at `now`, `skew` seconds early (a token with no
    /// `expires_in` never expires by this test).
    pub fn is_expired(&self, now: UnixTime, skew: u64) -> bool {
        self.expires_at
            .is_some_and(|at| now.saturating_add(skew) >= at)
    }

    /// Keeps `old` as the refresh token when the server did not issue a new one (RFC 6749 §6: a
    /// server may rotate refresh tokens, or keep the old one valid).
    pub(crate) fn keep_refresh_token(&mut self, old: &RefreshToken) {
        if self.refresh_token.is_none() {
            self.refresh_token = Some(old.clone());
        }
    }

    /// The response as a JSON object: every member, tokens included (for a program that hands
    /// the response on, as the `tessera token` commands print it).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = self.extra.clone();
        m.insert(
            "access_token".into(),
            self.access_token.secret().to_owned().into(),
        );
        m.insert("token_type".into(), self.token_type.as_str().into());
        if let Some(e) = self.expires_in {
            m.insert("expires_in".into(), e.into());
        }
        if let Some(r) = &self.refresh_token {
            m.insert("refresh_token".into(), r.secret().to_owned().into());
        }
        for (k, v) in [
            ("scope", &self.scope),
            ("id_token", &self.id_token),
            ("issued_token_type", &self.issued_token_type),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        debug_assert!(REGISTERED.iter().all(|r| !self.extra.contains_key(*r)));
        m
    }
}

fn missing(member: &'static str) -> Error {
    problem(WHAT, ResponseProblem::Missing { member })
}

fn invalid(member: &'static str, expected: &'static str) -> Error {
    problem(WHAT, ResponseProblem::Invalid { member, expected })
}

/// `expires_in` in a form-encoded body: 1 to 19 decimal digits.
fn form_expires_in(v: &str) -> Result<u64, Error> {
    if (1..=19).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse()
            .map_err(|_| invalid("expires_in", "a non-negative integer"))
    } else {
        Err(invalid("expires_in", "a non-negative integer"))
    }
}

/// The registered members, read in the one strict pass.
#[derive(Default)]
struct Fields {
    /// Whether `expires_in` may be a string of digits.
    strings: bool,
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    scope: Option<String>,
    id_token: Option<String>,
    issued_token_type: Option<String>,
}

impl<'de> json::Members<'de> for Fields {
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
        rec: &mut Recorder<json::Fault>,
    ) -> Result<bool, A::Error> {
        let (member, slot) = match name {
            "access_token" => ("access_token", &mut self.access_token),
            "token_type" => ("token_type", &mut self.token_type),
            "refresh_token" => ("refresh_token", &mut self.refresh_token),
            "scope" => ("scope", &mut self.scope),
            "id_token" => ("id_token", &mut self.id_token),
            "issued_token_type" => ("issued_token_type", &mut self.issued_token_type),
            "expires_in" => {
                self.expires_in = map.next_value_seed(json::Uint {
                    member: "expires_in",
                    strings: self.strings,
                    rec,
                })?;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        *slot = map.next_value_seed(json::Str { member, rec })?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(status: u16, ct: &str, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .header("content-type", ct)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn parse(body: &str) -> Result<TokenResponse, Error> {
        TokenResponse::parse(
            &res(200, "application/json", body),
            UnixTime(1000),
            &Leniency::default(),
        )
    }

    #[test]
    fn rfc6749_5_1_example() {
        let t = parse(
            r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","example_parameter":"example_value"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token().secret(), "2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(t.token_type(), &TokenType::Other("example".into()));
        assert_eq!(t.expires_at(), Some(UnixTime(4600)));
        assert_eq!(
            t.refresh_token().unwrap().secret(),
            "tGzv3JOkF0XG5Qx2TlKWIA"
        );
        assert_eq!(t.extra()["example_parameter"], "example_value");
        assert!(!format!("{t:?}").contains("2YotnFZFEjr1zCsicMWpAA"));
        let j = t.to_json();
        assert_eq!(j["access_token"], "2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(j["expires_in"], 3600);
        assert_eq!(j.len(), 5);
    }

    #[test]
    fn token_type_ignores_case_and_expires_in_may_be_a_string() {
        let t = parse(r#"{"access_token":"a","token_type":"bEaReR","expires_in":"3599"}"#).unwrap();
        assert_eq!(t.token_type(), &TokenType::Bearer);
        assert_eq!(t.expires_in(), Some(3599));
        let strict = Leniency::default().refuse_expires_in_strings();
        let e = TokenResponse::parse(
            &res(
                200,
                "application/json",
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"3599"}"#,
            ),
            UnixTime(0),
            &strict,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidResponse {
                problem: ResponseProblem::Invalid {
                    member: "expires_in",
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn hostile_and_malformed_responses_are_typed_errors() {
        type Check = fn(&Error) -> bool;
        let cases: &[(&str, Check)] = &[
            (r#"{"token_type":"Bearer"}"#, |e| {
                matches!(
                    e,
                    Error::InvalidResponse {
                        problem: ResponseProblem::Missing {
                            member: "access_token"
                        },
                        ..
                    }
                )
            }),
            (r#"{"access_token":"","token_type":"Bearer"}"#, |e| {
                matches!(
                    e,
                    Error::InvalidResponse {
                        problem: ResponseProblem::Empty { .. },
                        ..
                    }
                )
            }),
            (r#"{"access_token":5,"token_type":"Bearer"}"#, |e| {
                matches!(
                    e,
                    Error::InvalidResponse {
                        problem: ResponseProblem::Invalid {
                            member: "access_token",
                            ..
                        },
                        ..
                    }
                )
            }),
            (r#"{"access_token":"a"}"#, |e| {
                matches!(
                    e,
                    Error::InvalidResponse {
                        problem: ResponseProblem::Missing {
                            member: "token_type"
                        },
                        ..
                    }
                )
            }),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":-1}"#,
                |e| {
                    matches!(
                        e,
                        Error::InvalidResponse {
                            problem: ResponseProblem::Invalid {
                                member: "expires_in",
                                ..
                            },
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":1.5}"#,
                |e| {
                    matches!(
                        e,
                        Error::InvalidResponse {
                            problem: ResponseProblem::Invalid {
                                member: "expires_in",
                                ..
                            },
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"1e3"}"#,
                |e| {
                    matches!(
                        e,
                        Error::InvalidResponse {
                            problem: ResponseProblem::Invalid {
                                member: "expires_in",
                                ..
                            },
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"access_token":"a","token_type":"Bearer","scope":["a"]}"#,
                |e| {
                    matches!(
                        e,
                        Error::InvalidResponse {
                            problem: ResponseProblem::Invalid {
                                member: "scope",
                                ..
                            },
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"access_token":"a","access_token":"b","token_type":"Bearer"}"#,
                |e| matches!(e, Error::Core(tessera_core::Error::DuplicateMember { .. })),
            ),
            (r#"["access_token"]"#, |e| {
                matches!(e, Error::Core(tessera_core::Error::Json { .. }))
            }),
            (r#"{"access_token":"a","token_type":"Bearer""#, |e| {
                matches!(e, Error::Core(tessera_core::Error::Json { .. }))
            }),
        ];
        for (body, ok) in cases {
            let e = parse(body).unwrap_err();
            assert!(ok(&e), "{body}: {e:?}");
        }
        let huge = format!(
            r#"{{"access_token":"{}","token_type":"Bearer"}}"#,
            "a".repeat(tessera_core::limits::DEFAULT_MAX_DOCUMENT_BYTES)
        );
        assert!(matches!(
            parse(&huge),
            Err(Error::Core(tessera_core::Error::TooLarge { .. }))
        ));
        let html = TokenResponse::parse(
            &res(200, "text/html", "<html/>"),
            UnixTime(0),
            &Leniency::default(),
        );
        assert!(matches!(html, Err(Error::ContentType { .. })));
    }

    #[test]
    fn named_leniencies() {
        let l = Leniency::default()
            .allow_missing_token_type()
            .allow_form_encoded_responses();
        let t = TokenResponse::parse(
            &res(
                200,
                "application/x-www-form-urlencoded",
                "access_token=gh%2Ba&scope=repo&expires_in=60",
            ),
            UnixTime(0),
            &l,
        )
        .unwrap();
        assert_eq!(t.access_token().secret(), "gh+a");
        assert_eq!(t.token_type(), &TokenType::Bearer);
        assert_eq!(t.expires_in(), Some(60));
        // Without the switch, the form body is a content-type error.
        assert!(matches!(
            TokenResponse::parse(
                &res(
                    200,
                    "application/x-www-form-urlencoded",
                    "access_token=a&token_type=bearer"
                ),
                UnixTime(0),
                &Leniency::default(),
            ),
            Err(Error::ContentType { .. })
        ));
    }

    #[test]
    fn error_responses_are_oauth_errors() {
        let e = TokenResponse::parse(
            &res(
                400,
                "application/json",
                r#"{"error":"invalid_grant","error_description":"bad code"}"#,
            ),
            UnixTime(0),
            &Leniency::default(),
        )
        .unwrap_err();
        match e {
            Error::OAuth(o) => assert_eq!(o.code, crate::ErrorCode::InvalidGrant),
            other => panic!("{other:?}"),
        }
    }
}
