//! Token introspection (RFC 7662) and revocation (RFC 7009).
//!
//! ```
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::introspection::{Introspect, Revoke, TokenTypeHint};
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret};
//!
//! let metadata = AuthorizationServerMetadata::new("https://as.example")
//!     .with_introspection_endpoint("https://as.example/introspect")
//!     .with_revocation_endpoint("https://as.example/revoke");
//! let rs = Client::new("api", ClientAuth::client_secret_basic(ClientSecret::new("s")), metadata);
//! let http = |req: HttpRequest| async move {
//!     let body: &[u8] = match req.uri().path() {
//!         "/introspect" => br#"{"active":true,"sub":"alice","scope":"read","exp":1700000600}"#,
//!         _ => b"",
//!     };
//!     Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!         .status(200)
//!         .header("content-type", "application/json")
//!         .body(body.to_vec())
//!         .unwrap())
//! };
//! let now = UnixTime(1_700_000_000);
//! futures_executor::block_on(async {
//!     let info = Introspect::new("at-1").hint(TokenTypeHint::AccessToken).send(&rs, &http, now).await?;
//!     assert!(info.active());
//!     assert_eq!(info.get_str("sub"), Some("alice"));
//!     Revoke::new("rt-1").hint(TokenTypeHint::RefreshToken).send(&rs, &http, now).await
//! })?;
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use serde_json::{Map, Value};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};

use crate::error::{ParameterProblem, ResponseProblem};
use crate::http_util::{self, problem};
use crate::{Client, Error};

/// Which kind of token is being introspected or revoked (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl TokenTypeHint {
    /// The hint as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

/// The request both endpoints share: `token`, the optional hint, the client's authentication.
fn token_request(
    client: &Client,
    endpoint_member: &'static str,
    token: &str,
    hint: Option<TokenTypeHint>,
    now: UnixTime,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<HttpRequest, Error> {
    if token.is_empty() {
        return Err(Error::InvalidParameter {
            name: "token".into(),
            problem: ParameterProblem::Empty,
        });
    }
    let endpoint = client.endpoint(endpoint_member)?;
    crate::metadata::check_endpoint(endpoint_member, endpoint)?;
    let mut params = vec![("token", token.to_owned())];
    if let Some(h) = hint {
        params.push(("token_type_hint", h.as_str().to_owned()));
    }
    let authorization = client.authenticate(&mut params, now, rng)?;
    let all: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    http_util::post_form(endpoint, &all, authorization)
}

/// The methods introspection and revocation share: the token, its hint, and the request to
/// `$endpoint` with the client's authentication.
macro_rules! token_call {
    ($name:ident, $endpoint:literal, $verb:literal) => {
        impl $name {
            #[doc = concat!($verb, " `token`.")]
            pub fn new(token: impl Into<String>) -> Self {
                $name {
                    token: crate::token::AccessToken::new(token),
                    hint: None,
                }
            }

            /// Adds `token_type_hint`.
            pub fn hint(mut self, hint: TokenTypeHint) -> Self {
                self.hint = Some(hint);
                self
            }

            /// The request, drawing what JWT client authentication needs from the operating
            /// system.
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
                token_request(
                    client,
                    $endpoint,
                    self.token.secret(),
                    self.hint,
                    now,
                    &mut rng,
                )
            }
        }
    };
}

token_call!(Introspect, "introspection_endpoint", "Introspects");
token_call!(Revoke, "revocation_endpoint", "Revokes");

/// An introspection request (RFC 7662 §2.1).
///
/// An inactive token is not an error: [`Introspection::active`] is `false` and nothing else
/// about the token may be trusted.
#[derive(Debug, Clone)]
pub struct Introspect {
    token: crate::token::AccessToken,
    hint: Option<TokenTypeHint>,
}

impl Introspect {
    /// Reads the introspection response (RFC 7662 §2.2): `200` with a JSON object whose
    /// `active` is a boolean; the other registered members, when present, must have their
    /// types.
    pub fn parse_response(&self, response: &HttpResponse) -> Result<Introspection, Error> {
        Introspection::parse(response)
    }

    /// Sends the request through `http` and reads the answer.
    pub async fn send(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<Introspection, Error> {
        let req = self.request(client, now)?;
        let res = http_util::send(http, req, "introspection endpoint").await?;
        self.parse_response(&res)
    }

    /// The request for a signed response (JWT introspection, RFC 9701 §4):
    /// `Accept: application/token-introspection+jwt`.
    pub fn jwt_request(&self, client: &Client, now: UnixTime) -> Result<HttpRequest, Error> {
        let mut req = self.request(client, now)?;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static(JWT_MEDIA_TYPE),
        );
        Ok(req)
    }

    /// Reads a signed introspection response (RFC 9701 §5): `200` with
    /// `application/token-introspection+jwt`, a JWT with `typ: token-introspection+jwt` signed by
    /// the authorization server (one of `algorithms`, its keys from `keys`), `iss` the server,
    /// `aud` this client, `iat` present, and the introspection result in its
    /// `token_introspection` member, checked as a plain response is.
    pub async fn parse_jwt_response(
        &self,
        client: &Client,
        keys: &(impl tessera_jwt::AsyncKeyResolver + ?Sized),
        algorithms: &[tessera_jose::JwsAlgorithm],
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<Introspection, Error> {
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        if http_util::media_type(response).as_deref() != Some(JWT_MEDIA_TYPE) {
            return Err(Error::ContentType {
                what: WHAT,
                expected: JWT_MEDIA_TYPE,
                found: response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            });
        }
        let token = std::str::from_utf8(response.body())
            .map_err(|_| {
                problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member: "(body)",
                        expected: "a JWT",
                    },
                )
            })?
            .trim();
        // RFC 9701 §5 requires `iat`, not `exp`: the response is bound to this request's time.
        let policy = tessera_jwt::Policy::builder()
            .algorithms(algorithms.iter().copied())
            .typ("token-introspection+jwt")
            .issuer(client.metadata().issuer.clone())
            .audience(client.id())
            .require("iat")
            .insecure_allow_missing_exp()
            .build()?;
        let verified = policy
            .verify_async_at::<Map<String, Value>>(token, keys, now)
            .await?;
        let mut claims = verified.into_claims().custom;
        match claims.remove("token_introspection") {
            Some(Value::Object(m)) => Introspection::from_map(m),
            Some(_) => Err(problem(
                WHAT,
                ResponseProblem::Invalid {
                    member: "token_introspection",
                    expected: "an object",
                },
            )),
            None => Err(problem(
                WHAT,
                ResponseProblem::Missing {
                    member: "token_introspection",
                },
            )),
        }
    }
}

/// The media type of a signed introspection response (RFC 9701 §4).
pub const JWT_MEDIA_TYPE: &str = "application/token-introspection+jwt";

/// An introspection response: `active` and the registered members typed, the whole object
/// kept.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Introspection {
    active: bool,
    json: Map<String, Value>,
}

const WHAT: &str = "introspection response";

impl Introspection {
    fn parse(response: &HttpResponse) -> Result<Self, Error> {
        http_util::expect_status(WHAT, response, &[http::StatusCode::OK])?;
        let json: Map<String, Value> = http_util::json_body(WHAT, response)?;
        Self::from_map(json)
    }

    fn from_map(json: Map<String, Value>) -> Result<Self, Error> {
        let active = match json.get("active") {
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member: "active",
                        expected: "a boolean",
                    },
                ));
            }
            None => return Err(problem(WHAT, ResponseProblem::Missing { member: "active" })),
        };
        for member in [
            "scope",
            "client_id",
            "username",
            "token_type",
            "sub",
            "iss",
            "jti",
        ] {
            if json.get(member).is_some_and(|v| !v.is_string()) {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member,
                        expected: "a string",
                    },
                ));
            }
        }
        for member in ["exp", "iat", "nbf"] {
            if json.get(member).is_some_and(|v| v.as_u64().is_none()) {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member,
                        expected: "a non-negative integer",
                    },
                ));
            }
        }
        if let Some(aud) = json.get("aud") {
            let ok = match aud {
                Value::String(_) => true,
                Value::Array(a) => a.iter().all(Value::is_string),
                _ => false,
            };
            if !ok {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member: "aud",
                        expected: "a string or an array of strings",
                    },
                ));
            }
        }
        Ok(Introspection { active, json })
    }

    /// Whether the token is active. When `false`, nothing else in the response may be trusted.
    pub fn active(&self) -> bool {
        self.active
    }

    /// A string member (`scope`, `client_id`, `sub`, …), only for an active token.
    pub fn get_str(&self, member: &str) -> Option<&str> {
        self.active
            .then(|| self.json.get(member).and_then(Value::as_str))
            .flatten()
    }

    /// `exp`, only for an active token.
    pub fn exp(&self) -> Option<UnixTime> {
        self.time("exp")
    }

    /// `iat`, only for an active token.
    pub fn iat(&self) -> Option<UnixTime> {
        self.time("iat")
    }

    fn time(&self, member: &str) -> Option<UnixTime> {
        self.active
            .then(|| self.json.get(member).and_then(Value::as_u64).map(UnixTime))
            .flatten()
    }

    /// The response object as sent.
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }
}

/// A revocation request (RFC 7009 §2.1). The server answers `200` whether or not the token
/// was valid; only an error response is an error.
#[derive(Debug, Clone)]
pub struct Revoke {
    token: crate::token::AccessToken,
    hint: Option<TokenTypeHint>,
}

impl Revoke {
    /// Reads the revocation response: `200` (any body) is success; an error response is
    /// [`Error::OAuth`] (`unsupported_token_type`, …), `503` included (RFC 7009 §2.2.1).
    pub fn parse_response(&self, response: &HttpResponse) -> Result<(), Error> {
        http_util::expect_status("revocation response", response, &[http::StatusCode::OK])
    }

    /// Sends the request through `http` and reads the answer.
    pub async fn send(
        &self,
        client: &Client,
        http: &(impl HttpClient + ?Sized),
        now: UnixTime,
    ) -> Result<(), Error> {
        let req = self.request(client, now)?;
        let res = http_util::send(http, req, "revocation endpoint").await?;
        self.parse_response(&res)
    }
}

#[cfg(test)]
mod tests {
    use http::header::CONTENT_TYPE;

    use super::*;
    use crate::{AuthorizationServerMetadata, ClientAuth, ClientSecret};

    fn client() -> Client {
        Client::new(
            "rs",
            ClientAuth::client_secret_basic(ClientSecret::new("s")),
            AuthorizationServerMetadata::new("https://as.example")
                .with_introspection_endpoint("https://as.example/introspect")
                .with_revocation_endpoint("https://as.example/revoke"),
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
    fn introspection_request_and_responses() {
        let g = Introspect::new("mF_9.B5f-4.1JqM").hint(TokenTypeHint::AccessToken);
        let req = g.request(&client(), UnixTime(0)).unwrap();
        assert_eq!(req.uri(), "https://as.example/introspect");
        assert_eq!(
            req.body(),
            b"token=mF_9.B5f-4.1JqM&token_type_hint=access_token"
        );
        assert!(req.headers().contains_key(http::header::AUTHORIZATION));

        // RFC 7662 §2.2 example.
        let r = g
            .parse_response(&json(
                200,
                r#"{"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe","scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource","iss":"https://server.example.com/","exp":1419356238,"iat":1419350238,"extension_field":"twenty-seven"}"#,
            ))
            .unwrap();
        assert!(r.active());
        assert_eq!(r.get_str("scope"), Some("read write dolphin"));
        assert_eq!(r.exp(), Some(UnixTime(1_419_356_238)));
        assert_eq!(r.json()["extension_field"], "twenty-seven");

        let inactive = g
            .parse_response(&json(200, r#"{"active":false,"sub":"ignored"}"#))
            .unwrap();
        assert!(!inactive.active());
        assert_eq!(inactive.get_str("sub"), None);

        for (body, member) in [
            (r#"{"scope":"a"}"#, "active"),
            (r#"{"active":"true"}"#, "active"),
            (r#"{"active":true,"exp":"1"}"#, "exp"),
            (r#"{"active":true,"aud":[1]}"#, "aud"),
            (r#"{"active":true,"scope":["a"]}"#, "scope"),
        ] {
            match g.parse_response(&json(200, body)) {
                Err(Error::InvalidResponse { problem, .. }) => {
                    let m = match problem {
                        ResponseProblem::Missing { member } => member,
                        ResponseProblem::Invalid { member, .. } => member,
                        other => panic!("{other:?}"),
                    };
                    assert_eq!(m, member, "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            g.parse_response(&json(401, r#"{"error":"invalid_client"}"#)),
            Err(Error::OAuth(_))
        ));
    }

    #[test]
    fn jwt_introspection_rfc9701() {
        use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
        let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap();
        let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
        let keys = tessera_jwt::KeyStore::single(signer.verifying_key().clone());
        let c = client();
        let g = Introspect::new("t");
        let req = g.jwt_request(&c, UnixTime(0)).unwrap();
        assert_eq!(req.headers()[http::header::ACCEPT], JWT_MEDIA_TYPE);
        let now = UnixTime(1_800_000_000);
        let res = |b: tessera_jwt::JwtBuilder| {
            http::Response::builder()
                .status(200)
                .header(CONTENT_TYPE, JWT_MEDIA_TYPE)
                .body(b.sign(&signer).unwrap().into_bytes())
                .unwrap()
        };
        let good = tessera_jwt::JwtBuilder::new()
            .typ("token-introspection+jwt")
            .issuer("https://as.example")
            .audience("rs")
            .issued_at(now)
            .claim(
                "token_introspection",
                serde_json::json!({"active": true, "sub": "alice"}),
            );
        let r = futures_executor::block_on(g.parse_jwt_response(
            &c,
            &keys,
            &[JwsAlgorithm::ES256],
            &res(good.clone()),
            now,
        ))
        .unwrap();
        assert!(r.active());
        assert_eq!(r.get_str("sub"), Some("alice"));
        let wrong_aud = tessera_jwt::JwtBuilder::new()
            .typ("token-introspection+jwt")
            .issuer("https://as.example")
            .audience("someone-else")
            .issued_at(now)
            .claim("token_introspection", serde_json::json!({"active": true}));
        assert!(
            futures_executor::block_on(g.parse_jwt_response(
                &c,
                &keys,
                &[JwsAlgorithm::ES256],
                &res(wrong_aud),
                now
            ))
            .is_err()
        );
        let plain_typ = tessera_jwt::JwtBuilder::new()
            .issuer("https://as.example")
            .audience("rs")
            .issued_at(now)
            .claim("token_introspection", serde_json::json!({"active": true}));
        assert!(
            futures_executor::block_on(g.parse_jwt_response(
                &c,
                &keys,
                &[JwsAlgorithm::ES256],
                &res(plain_typ),
                now
            ))
            .is_err()
        );
    }

    #[test]
    fn revocation_request_and_responses() {
        let g = Revoke::new("45ghiukldjahdnhzdauz").hint(TokenTypeHint::RefreshToken);
        let req = g.request(&client(), UnixTime(0)).unwrap();
        assert_eq!(req.uri(), "https://as.example/revoke");
        assert_eq!(
            req.body(),
            b"token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"
        );
        g.parse_response(
            &http::Response::builder()
                .status(200)
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap();
        match g.parse_response(&json(400, r#"{"error":"unsupported_token_type"}"#)) {
            Err(Error::OAuth(e)) => assert_eq!(e.code, crate::ErrorCode::UnsupportedTokenType),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Revoke::new("").request(&client(), UnixTime(0)),
            Err(Error::InvalidParameter { .. })
        ));
    }
}
