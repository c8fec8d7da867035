//! Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).
//!
//! ```
//! use serde_json::json;
//! use tessera_oauth::AuthorizationServerMetadata;
//! use tessera_oauth::registration::Registration;
//!
//! let mut m = AuthorizationServerMetadata::new("https://as.example");
//! m.registration_endpoint = Some("https://as.example/register".into());
//! let req = Registration::new(json!({
//!     "client_name": "My CLI",
//!     "redirect_uris": ["http://127.0.0.1/callback"],
//!     "grant_types": ["authorization_code", "refresh_token"],
//!     "token_endpoint_auth_method": "none",
//! }))?
//! .request(&m)?;
//! assert_eq!(req.method(), "POST");
//! assert_eq!(req.headers()["content-type"], "application/json");
//!
//! let res = tessera_core::http::Response::builder()
//!     .status(201)
//!     .header("content-type", "application/json")
//!     .body(br#"{"client_id":"s6BhdRkqt3","client_name":"My CLI",
//!               "registration_access_token":"reg-23410913-abewfq.123483",
//!               "registration_client_uri":"https://as.example/register/s6BhdRkqt3"}"#.to_vec())
//!     .unwrap();
//! let client = Registration::parse_response(&res)?;
//! assert_eq!(client.client_id(), "s6BhdRkqt3");
//! assert!(client.client_secret().is_none());
//! let read = client.read_request()?; // RFC 7592 §2.1
//! assert_eq!(read.uri(), "https://as.example/register/s6BhdRkqt3");
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{Map, Value};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, SecretString};

use crate::error::{ParameterProblem, ResponseProblem};
use crate::http_util::{self, problem};
use crate::{AuthorizationServerMetadata, ClientSecret, Error};

const WHAT: &str = "client registration response";

/// A registration request: the client metadata (RFC 7591 §2) as JSON, and an initial access
/// token when the server requires one.
#[derive(Debug, Clone)]
pub struct Registration {
    metadata: Map<String, Value>,
    initial_access_token: Option<SecretString>,
}

impl Registration {
    /// A request to register a client with `metadata` (a JSON object).
    pub fn new(metadata: Value) -> Result<Self, Error> {
        match metadata {
            Value::Object(m) => Ok(Registration {
                metadata: m,
                initial_access_token: None,
            }),
            _ => Err(Error::InvalidParameter {
                name: "client metadata".into(),
                problem: ParameterProblem::Syntax,
            }),
        }
    }

    /// Sends `token` as the initial access token (RFC 7591 §3).
    pub fn initial_access_token(mut self, token: impl Into<String>) -> Self {
        self.initial_access_token = Some(SecretString::new(token.into()));
        self
    }

    /// The `POST` to the server's `registration_endpoint`.
    pub fn request(&self, server: &AuthorizationServerMetadata) -> Result<HttpRequest, Error> {
        let endpoint = server.endpoint("registration_endpoint")?;
        crate::metadata::check_endpoint("registration_endpoint", endpoint)?;
        json_request(
            Method::POST,
            endpoint,
            Some(&self.metadata),
            self.initial_access_token.as_ref().map(SecretString::expose),
        )
    }

    /// Reads the registration response (`201`, RFC 7591 §3.2.1) or its error (§3.2.2).
    pub fn parse_response(response: &HttpResponse) -> Result<RegisteredClient, Error> {
        RegisteredClient::parse(response, &[StatusCode::CREATED, StatusCode::OK])
    }

    /// Registers through `http`.
    pub async fn send(
        &self,
        server: &AuthorizationServerMetadata,
        http: &(impl HttpClient + ?Sized),
    ) -> Result<RegisteredClient, Error> {
        let res = http_util::send(http, self.request(server)?, "registration endpoint").await?;
        Self::parse_response(&res)
    }
}

fn json_request(
    method: Method,
    url: &str,
    body: Option<&Map<String, Value>>,
    bearer: Option<&str>,
) -> Result<HttpRequest, Error> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(url)
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(t) = bearer {
        let mut v =
            HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| Error::InvalidParameter {
                name: "access token".into(),
                problem: ParameterProblem::Syntax,
            })?;
        v.set_sensitive(true);
        b = b.header(AUTHORIZATION, v);
    }
    let bytes = match body {
        Some(m) => {
            b = b.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            serde_json::to_vec(m).map_err(|_| Error::InvalidParameter {
                name: "client metadata".into(),
                problem: ParameterProblem::Syntax,
            })?
        }
        None => Vec::new(),
    };
    b.body(bytes).map_err(|_| Error::InvalidUrl {
        what: "registration endpoint",
        url: url.to_owned(),
        problem: crate::UrlProblem::NotARequestTarget,
    })
}

/// A registered client: its identifier and credentials, the metadata the server accepted (which
/// may differ from what was asked), and what RFC 7592 management needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RegisteredClient {
    client_id: String,
    client_secret: Option<ClientSecret>,
    registration_access_token: Option<SecretString>,
    registration_client_uri: Option<String>,
    metadata: Map<String, Value>,
}

impl RegisteredClient {
    fn parse(response: &HttpResponse, ok: &[StatusCode]) -> Result<Self, Error> {
        http_util::expect_status(WHAT, response, ok)?;
        let mut m: Map<String, Value> = http_util::json_body(WHAT, response)?;
        let mut text = |member: &'static str| -> Result<Option<String>, Error> {
            match m.remove(member) {
                None | Some(Value::Null) => Ok(None),
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
        let client_id = text("client_id")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                problem(
                    WHAT,
                    ResponseProblem::Missing {
                        member: "client_id",
                    },
                )
            })?;
        let client_secret = text("client_secret")?.map(ClientSecret::new);
        let registration_access_token = text("registration_access_token")?.map(SecretString::new);
        let registration_client_uri = text("registration_client_uri")?;
        if let Some(u) = &registration_client_uri {
            crate::metadata::check_endpoint("registration_client_uri", u)?;
        }
        for member in ["client_id_issued_at", "client_secret_expires_at"] {
            if m.get(member).is_some_and(|v| v.as_u64().is_none()) {
                return Err(problem(
                    WHAT,
                    ResponseProblem::Invalid {
                        member,
                        expected: "a non-negative integer",
                    },
                ));
            }
        }
        Ok(RegisteredClient {
            client_id,
            client_secret,
            registration_access_token,
            registration_client_uri,
            metadata: m,
        })
    }

    /// `client_id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `client_secret`, for a confidential client.
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// The client metadata the server registered (`client_secret_expires_at` and the rest).
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }

    fn management(&self) -> Result<(&str, &str), Error> {
        let uri = self
            .registration_client_uri
            .as_deref()
            .ok_or(Error::MissingEndpoint {
                endpoint: "registration_client_uri",
            })?;
        let token = self
            .registration_access_token
            .as_ref()
            .ok_or(Error::InvalidParameter {
                name: "registration_access_token".into(),
                problem: ParameterProblem::Empty,
            })?;
        Ok((uri, token.expose()))
    }

    /// Reads the client's current registration (RFC 7592 §2.1).
    pub fn read_request(&self) -> Result<HttpRequest, Error> {
        let (uri, token) = self.management()?;
        json_request(Method::GET, uri, None, Some(token))
    }

    /// Replaces the client's metadata (RFC 7592 §2.2): `metadata` must be the whole set, with
    /// `client_id` (added here) and no server-managed members.
    pub fn update_request(&self, metadata: Value) -> Result<HttpRequest, Error> {
        let (uri, token) = self.management()?;
        let Value::Object(mut m) = metadata else {
            return Err(Error::InvalidParameter {
                name: "client metadata".into(),
                problem: ParameterProblem::Syntax,
            });
        };
        for reserved in [
            "registration_access_token",
            "registration_client_uri",
            "client_secret_expires_at",
            "client_id_issued_at",
        ] {
            if m.contains_key(reserved) {
                return Err(Error::InvalidParameter {
                    name: reserved.into(),
                    problem: ParameterProblem::Reserved,
                });
            }
        }
        m.insert("client_id".into(), self.client_id.clone().into());
        json_request(Method::PUT, uri, Some(&m), Some(token))
    }

    /// Reads the response to a read or update request: the registration as it now stands.
    pub fn parse_read_response(response: &HttpResponse) -> Result<RegisteredClient, Error> {
        RegisteredClient::parse(response, &[StatusCode::OK])
    }

    /// Deletes the registration (RFC 7592 §2.3).
    pub fn delete_request(&self) -> Result<HttpRequest, Error> {
        let (uri, token) = self.management()?;
        json_request(Method::DELETE, uri, None, Some(token))
    }

    /// Reads the response to a delete request: `204 No Content`.
    pub fn parse_delete_response(response: &HttpResponse) -> Result<(), Error> {
        http_util::expect_status(
            "client deletion response",
            response,
            &[StatusCode::NO_CONTENT, StatusCode::OK],
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn res(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .header(CONTENT_TYPE, "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn the_rfc7591_example_and_management() {
        let c = Registration::parse_response(&res(
            201,
            r#"{"client_id":"s6BhdRkqt3","client_secret":"cf136dc3c1fc93f31185e5885805d","client_id_issued_at":2893256800,"client_secret_expires_at":2893276800,"redirect_uris":["https://client.example.org/callback"],"token_endpoint_auth_method":"client_secret_basic","registration_access_token":"this.is.an.access.token.value.ffx83","registration_client_uri":"https://server.example.com/connect/register?client_id=s6BhdRkqt3"}"#,
        ))
        .unwrap();
        assert_eq!(
            c.client_secret().unwrap().expose(),
            "cf136dc3c1fc93f31185e5885805d"
        );
        assert_eq!(c.metadata()["client_secret_expires_at"], 2_893_276_800u64);
        assert!(!format!("{c:?}").contains("cf136dc3c1fc93f31185e5885805d"));
        let read = c.read_request().unwrap();
        assert_eq!(read.method(), Method::GET);
        assert_eq!(
            read.headers()[AUTHORIZATION],
            "Bearer this.is.an.access.token.value.ffx83"
        );
        let upd = c
            .update_request(json!({"redirect_uris": ["https://client.example.org/cb2"]}))
            .unwrap();
        assert_eq!(upd.method(), Method::PUT);
        let body: Value = serde_json::from_slice(upd.body()).unwrap();
        assert_eq!(body["client_id"], "s6BhdRkqt3");
        assert!(c.update_request(json!({"client_id_issued_at": 1})).is_err());
        assert_eq!(c.delete_request().unwrap().method(), Method::DELETE);
        RegisteredClient::parse_delete_response(
            &http::Response::builder()
                .status(204)
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn errors_and_malformed_responses() {
        match Registration::parse_response(&res(
            400,
            r#"{"error":"invalid_redirect_uri","error_description":"The redirection URI http://sketchy.example.com is not allowed by this server."}"#,
        )) {
            Err(Error::OAuth(e)) => assert_eq!(e.code.as_str(), "invalid_redirect_uri"),
            other => panic!("{other:?}"),
        }
        for body in [
            r#"{"client_secret":"x"}"#,
            r#"{"client_id":5}"#,
            r#"{"client_id":"a","client_id_issued_at":"now"}"#,
            r#"{"client_id":"a","registration_client_uri":"http://evil.example/reg"}"#,
            r#"{"client_id":"a","client_id":"b"}"#,
        ] {
            assert!(
                Registration::parse_response(&res(201, body)).is_err(),
                "{body}"
            );
        }
        assert!(Registration::new(json!(["not", "an", "object"])).is_err());
    }
}
