//! The client: its identifier, how it authenticates, the server's metadata, and the leniencies
//! it grants that server.

use std::fmt;
use std::sync::Arc;

use base64ct::{Base64, Encoding};
use http::HeaderValue;
use tessera_core::{SecretString, UnixTime};
use tessera_jose::{JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;

use crate::Error;
use crate::metadata::AuthorizationServerMetadata;

/// `client_assertion_type` for JWT client authentication (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid: long enough for one request, short enough that a
/// captured one is soon useless.
pub const ASSERTION_LIFETIME_SECS: u64 = 60;

/// A client secret: zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        ClientSecret(SecretString::new(secret.into()))
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// How the client authenticates to the token, introspection and revocation endpoints
/// (RFC 6749 §2.3, RFC 7523 §2.2, OpenID Connect Core §9).
#[derive(Clone, Debug)]
pub struct ClientAuth(Method);

#[derive(Clone)]
enum Method {
    None,
    Basic {
        secret: ClientSecret,
        form_encode: bool,
    },
    Post(ClientSecret),
    SecretJwt(ClientSecret),
    PrivateKeyJwt(Arc<SigningKey>),
    Tls {
        self_signed: bool,
    },
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Method {
    fn name(&self) -> &'static str {
        match self {
            Method::None => "none",
            Method::Basic { .. } => "client_secret_basic",
            Method::Post(_) => "client_secret_post",
            Method::SecretJwt(_) => "client_secret_jwt",
            Method::PrivateKeyJwt(_) => "private_key_jwt",
            Method::Tls { self_signed: false } => "tls_client_auth",
            Method::Tls { self_signed: true } => "self_signed_tls_client_auth",
        }
    }
}

impl ClientAuth {
    /// `none`: a public client (a native or browser app, a CLI); it sends only `client_id`.
    pub fn none() -> Self {
        ClientAuth(Method::None)
    }

    /// `client_secret_basic`: HTTP Basic with the client id and secret each
    /// form-urlencoded first, as RFC 6749 §2.3.1 requires (a secret with `:`, `+` or `%` in
    /// it is sent right; many clients get this wrong).
    pub fn client_secret_basic(secret: ClientSecret) -> Self {
        ClientAuth(Method::Basic {
            secret,
            form_encode: true,
        })
    }

    /// `client_secret_basic` without the form-urlencoding of RFC 6749 §2.3.1, for servers that
    /// decode Basic credentials without it. Identical for ids and secrets of letters, digits
    /// and `-._~`; differs (and fails against a conforming server) for others.
    pub fn client_secret_basic_unencoded(secret: ClientSecret) -> Self {
        ClientAuth(Method::Basic {
            secret,
            form_encode: false,
        })
    }

    /// `client_secret_post`: the id and secret in the request body.
    pub fn client_secret_post(secret: ClientSecret) -> Self {
        ClientAuth(Method::Post(secret))
    }

    /// `client_secret_jwt`: an HS256 assertion keyed with the secret (which must then be at
    /// least 32 bytes, RFC 7518 §3.2).
    pub fn client_secret_jwt(secret: ClientSecret) -> Self {
        ClientAuth(Method::SecretJwt(secret))
    }

    /// `private_key_jwt`: an assertion signed with the client's private key (its `kid` goes in
    /// the header when it has one).
    pub fn private_key_jwt(key: SigningKey) -> Self {
        ClientAuth(Method::PrivateKeyJwt(Arc::new(key)))
    }

    /// `tls_client_auth` (RFC 8705 §2.1): the client authenticates with its TLS client
    /// certificate (a PKI-issued one), which the HTTP client presents; requests carry only
    /// `client_id` and go to the server's `mtls_endpoint_aliases` when it names them.
    pub fn tls_client_auth() -> Self {
        ClientAuth(Method::Tls { self_signed: false })
    }

    /// `self_signed_tls_client_auth` (RFC 8705 §2.2): as [`tls_client_auth`](Self::tls_client_auth)
    /// with a self-signed certificate registered with the server.
    pub fn self_signed_tls_client_auth() -> Self {
        ClientAuth(Method::Tls { self_signed: true })
    }

    /// Whether the method authenticates with a TLS client certificate.
    pub fn uses_mtls(&self) -> bool {
        matches!(self.0, Method::Tls { .. })
    }

    /// The method for a client with `secret` (or none), following the server's metadata:
    /// `client_secret_basic` if the server supports it (RFC 8414: the default when the
    /// metadata is silent), else `client_secret_post`, else `client_secret_jwt`; `none`
    /// without a secret.
    pub fn for_secret(
        secret: Option<ClientSecret>,
        metadata: &AuthorizationServerMetadata,
    ) -> Self {
        let Some(secret) = secret else {
            return ClientAuth::none();
        };
        let methods = metadata.token_auth_methods();
        if methods.contains(&"client_secret_basic") {
            ClientAuth::client_secret_basic(secret)
        } else if methods.contains(&"client_secret_post") {
            ClientAuth::client_secret_post(secret)
        } else if methods.contains(&"client_secret_jwt") {
            ClientAuth::client_secret_jwt(secret)
        } else {
            ClientAuth::client_secret_basic(secret)
        }
    }

    /// The method's registered name (`"client_secret_basic"`, …).
    pub fn method_name(&self) -> &'static str {
        self.0.name()
    }
}

/// Deviations from the specifications that a server is allowed, each named. The default is
/// strict except for one: `expires_in` sent as a decimal string (`"3599"`, as Entra ID and
/// others do) is accepted; [`Leniency::refuse_expires_in_strings`] turns that off.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Leniency {
    pub(crate) missing_token_type: bool,
    pub(crate) form_encoded_responses: bool,
    pub(crate) expires_in_strings: bool,
    pub(crate) verification_url: bool,
}

impl Default for Leniency {
    fn default() -> Self {
        Leniency {
            missing_token_type: false,
            form_encoded_responses: false,
            expires_in_strings: true,
            verification_url: false,
        }
    }
}

impl Leniency {
    /// Strict in everything, `expires_in` strings included.
    pub fn strict() -> Self {
        Leniency {
            expires_in_strings: false,
            ..Leniency::default()
        }
    }

    /// A token response without `token_type` is taken as `Bearer`.
    pub fn allow_missing_token_type(mut self) -> Self {
        self.missing_token_type = true;
        self
    }

    /// A token response may be `application/x-www-form-urlencoded` (as GitHub sends unless
    /// asked for JSON).
    pub fn allow_form_encoded_responses(mut self) -> Self {
        self.form_encoded_responses = true;
        self
    }

    /// A device authorization response may name its verification URI `verification_url` (as
    /// Google's does) instead of RFC 8628's `verification_uri`.
    pub fn allow_verification_url(mut self) -> Self {
        self.verification_url = true;
        self
    }

    /// `expires_in` must be a JSON number.
    pub fn refuse_expires_in_strings(mut self) -> Self {
        self.expires_in_strings = false;
        self
    }
}

/// An OAuth client of one authorization server: its `client_id`, how it authenticates, the
/// server's metadata, and the leniencies it grants that server. Cheap to clone; no type
/// parameters.
#[derive(Clone, Debug)]
pub struct Client {
    id: String,
    auth: ClientAuth,
    metadata: Arc<AuthorizationServerMetadata>,
    leniency: Leniency,
    dpop: Option<crate::dpop::DpopKey>,
    nonces: Arc<crate::dpop::NonceCache>,
    mtls: bool,
}

impl Client {
    /// A client `id` of the server described by `metadata`, authenticating with `auth`.
    pub fn new(
        id: impl Into<String>,
        auth: ClientAuth,
        metadata: AuthorizationServerMetadata,
    ) -> Self {
        Client {
            id: id.into(),
            auth,
            metadata: Arc::new(metadata),
            leniency: Leniency::default(),
            dpop: None,
            nonces: Arc::new(crate::dpop::NonceCache::new(64)),
            mtls: false,
        }
    }

    /// The same client presenting a TLS client certificate for certificate-bound tokens
    /// (RFC 8705 §3) whatever its authentication method: its requests go to the server's
    /// `mtls_endpoint_aliases` when it names them.
    pub fn with_mtls(mut self) -> Self {
        self.mtls = true;
        self
    }

    /// The endpoint `member` this client talks to: the server's `mtls_endpoint_aliases` entry
    /// when the client uses mutual TLS and the server names one (RFC 8705 §5), else the
    /// metadata's.
    pub fn endpoint(&self, member: &'static str) -> Result<&str, Error> {
        if self.mtls || self.auth.uses_mtls() {
            let alias = self
                .metadata
                .extra
                .get("mtls_endpoint_aliases")
                .and_then(|a| a.get(member))
                .and_then(serde_json::Value::as_str);
            if let Some(a) = alias {
                return Ok(a);
            }
        }
        self.metadata.endpoint(member)
    }

    /// The same client proving possession of `key` (DPoP, RFC 9449): every token request
    /// carries a proof (with the server's latest `DPoP-Nonce`), the tokens issued must be
    /// `token_type: DPoP`, and authorization requests carry `dpop_jkt`.
    pub fn with_dpop(mut self, key: crate::dpop::DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// The DPoP key, if the client uses one.
    pub fn dpop(&self) -> Option<&crate::dpop::DpopKey> {
        self.dpop.as_ref()
    }

    /// The `DPoP-Nonce` values the client's servers have sent, per origin.
    pub fn dpop_nonces(&self) -> &crate::dpop::NonceCache {
        &self.nonces
    }

    /// The same client granting the server `leniency`.
    pub fn with_leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = leniency;
        self
    }

    /// The `client_id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How the client authenticates.
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }

    /// The server's metadata.
    pub fn metadata(&self) -> &AuthorizationServerMetadata {
        &self.metadata
    }

    /// The leniencies granted.
    pub fn leniency(&self) -> &Leniency {
        &self.leniency
    }

    /// Adds the client's authentication to a request's parameters; returns the
    /// `Authorization` header value for `client_secret_basic`.
    pub(crate) fn authenticate(
        &self,
        params: &mut Vec<(&'static str, String)>,
        now: UnixTime,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<Option<HeaderValue>, Error> {
        match &self.auth.0 {
            Method::None | Method::Tls { .. } => {
                params.push(("client_id", self.id.clone()));
                Ok(None)
            }
            Method::Basic {
                secret,
                form_encode,
            } => {
                let (id, secret) = if *form_encode {
                    (
                        form_encode_component(&self.id),
                        form_encode_component(secret.expose()),
                    )
                } else {
                    (self.id.clone(), secret.expose().to_owned())
                };
                let creds = SecretString::new(format!("{id}:{secret}"));
                let value = SecretString::new(format!(
                    "Basic {}",
                    Base64::encode_string(creds.expose().as_bytes())
                ));
                let mut h =
                    HeaderValue::from_str(value.expose()).map_err(|_| Error::InvalidParameter {
                        name: "client_secret".into(),
                        problem: crate::error::ParameterProblem::Syntax,
                    })?;
                h.set_sensitive(true);
                Ok(Some(h))
            }
            Method::Post(secret) => {
                params.push(("client_id", self.id.clone()));
                params.push(("client_secret", secret.expose().to_owned()));
                Ok(None)
            }
            Method::SecretJwt(secret) => {
                let key =
                    SigningKey::from_hmac_secret(secret.expose().as_bytes(), JwsAlgorithm::HS256)?;
                self.push_assertion(params, &key, now, rng)?;
                Ok(None)
            }
            Method::PrivateKeyJwt(key) => {
                self.push_assertion(params, key, now, rng)?;
                Ok(None)
            }
        }
    }

    /// A client assertion (RFC 7523 §3): `iss` = `sub` = the client id, `aud` = the issuer
    /// identifier (as draft-ietf-oauth-rfc7523bis requires, closing the audience-confusion
    /// attack on assertions sent to another endpoint), a fresh `jti`, `iat` now and `exp` a
    /// minute later.
    fn push_assertion(
        &self,
        params: &mut Vec<(&'static str, String)>,
        key: &SigningKey,
        now: UnixTime,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<(), Error> {
        let jwt = JwtBuilder::new()
            .issuer(self.id.clone())
            .subject(self.id.clone())
            .audience(self.metadata.issuer.clone())
            .issued_at(now)
            .expires_at(now.saturating_add(ASSERTION_LIFETIME_SECS))
            .random_jwt_id_with_rng(&mut *rng)
            .sign_with_rng(key, &mut *rng)?;
        params.push(("client_id", self.id.clone()));
        params.push((
            "client_assertion_type",
            JWT_BEARER_ASSERTION_TYPE.to_owned(),
        ));
        params.push(("client_assertion", jwt));
        Ok(())
    }
}

/// `application/x-www-form-urlencoded` encoding of one component (RFC 6749 Appendix B).
fn form_encode_component(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(auth: ClientAuth) -> Client {
        Client::new(
            "my client:1",
            auth,
            AuthorizationServerMetadata::new("https://as.example"),
        )
    }

    use rand_core::SeedableRng;

    fn rng() -> chacha20::ChaCha20Rng {
        chacha20::ChaCha20Rng::from_seed([1; 32])
    }

    #[test]
    fn basic_form_encodes_id_and_secret() {
        let c = client(ClientAuth::client_secret_basic(ClientSecret::new(
            "p@ss:w+rd %",
        )));
        let mut params = Vec::new();
        let h = c
            .authenticate(&mut params, UnixTime(0), &mut rng())
            .unwrap()
            .unwrap();
        assert!(params.is_empty());
        let b64 = h.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let raw = Base64::decode_vec(b64).unwrap();
        // RFC 6749 Appendix B: space is `+`, reserved characters are percent-encoded.
        assert_eq!(raw, b"my+client%3A1:p%40ss%3Aw%2Brd+%25");
        assert!(h.is_sensitive());

        let c = client(ClientAuth::client_secret_basic_unencoded(
            ClientSecret::new("s3cr3t"),
        ));
        let h = c
            .authenticate(&mut Vec::new(), UnixTime(0), &mut rng())
            .unwrap()
            .unwrap();
        let raw = Base64::decode_vec(h.to_str().unwrap().strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(raw, b"my client:1:s3cr3t");
    }

    #[test]
    fn post_and_none_put_the_id_in_the_body() {
        let c = client(ClientAuth::client_secret_post(ClientSecret::new("s")));
        let mut params = Vec::new();
        assert!(
            c.authenticate(&mut params, UnixTime(0), &mut rng())
                .unwrap()
                .is_none()
        );
        assert_eq!(
            params,
            [
                ("client_id", "my client:1".to_owned()),
                ("client_secret", "s".to_owned())
            ]
        );
        let c = client(ClientAuth::none());
        let mut params = Vec::new();
        c.authenticate(&mut params, UnixTime(0), &mut rng())
            .unwrap();
        assert_eq!(params, [("client_id", "my client:1".to_owned())]);
    }

    #[test]
    fn jwt_assertions_carry_the_rfc7523_claims() {
        let secret = "a-client-secret-of-at-least-32-bytes!";
        let c = client(ClientAuth::client_secret_jwt(ClientSecret::new(secret)));
        let mut params = Vec::new();
        c.authenticate(&mut params, UnixTime(1_000), &mut rng())
            .unwrap();
        assert_eq!(
            params[1],
            (
                "client_assertion_type",
                JWT_BEARER_ASSERTION_TYPE.to_owned()
            )
        );
        let jwt = &params[2].1;
        let key =
            tessera_jose::VerifyingKey::from_hmac_secret(secret.as_bytes(), JwsAlgorithm::HS256)
                .unwrap();
        let policy = tessera_jwt::Policy::builder()
            .algorithm(JwsAlgorithm::HS256)
            .issuer("my client:1")
            .audience("https://as.example")
            .require("jti")
            .build()
            .unwrap();
        let v = policy
            .verify_at::<()>(jwt, &tessera_jwt::KeyStore::single(key), UnixTime(1_010))
            .unwrap();
        assert_eq!(v.claims().sub(), Some("my client:1"));
        assert_eq!(v.claims().exp(), Some(UnixTime(1_060)));
        // A fresh jti each time.
        let mut again = Vec::new();
        c.authenticate(&mut again, UnixTime(1_000), &mut rng())
            .unwrap();
        let mut other = Vec::new();
        c.authenticate(
            &mut other,
            UnixTime(1_000),
            &mut chacha20::ChaCha20Rng::from_seed([2; 32]),
        )
        .unwrap();
        assert_eq!(
            again[2], params[2],
            "the same seed gives the same assertion"
        );
        assert_ne!(other[2], params[2]);
    }

    #[test]
    fn mtls_clients_send_only_their_id_to_the_aliases() {
        let mut m = AuthorizationServerMetadata::new("https://as.example")
            .with_token_endpoint("https://as.example/token");
        m.extra.insert(
            "mtls_endpoint_aliases".into(),
            serde_json::json!({"token_endpoint": "https://mtls.as.example/token"}),
        );
        let c = Client::new("c1", ClientAuth::tls_client_auth(), m.clone());
        assert_eq!(
            c.endpoint("token_endpoint").unwrap(),
            "https://mtls.as.example/token"
        );
        let mut params = Vec::new();
        assert!(
            c.authenticate(&mut params, UnixTime(0), &mut rng())
                .unwrap()
                .is_none()
        );
        assert_eq!(params, [("client_id", "c1".to_owned())]);
        assert_eq!(c.auth().method_name(), "tls_client_auth");
        // Without mTLS, the plain endpoint; with certificate-bound tokens, the alias.
        let plain = Client::new("c1", ClientAuth::none(), m.clone());
        assert_eq!(
            plain.endpoint("token_endpoint").unwrap(),
            "https://as.example/token"
        );
        assert_eq!(
            plain.with_mtls().endpoint("token_endpoint").unwrap(),
            "https://mtls.as.example/token"
        );
    }

    #[test]
    fn the_method_follows_the_metadata() {
        let mut m = AuthorizationServerMetadata::new("https://as.example");
        let s = || Some(ClientSecret::new("s"));
        assert_eq!(
            ClientAuth::for_secret(s(), &m).method_name(),
            "client_secret_basic"
        );
        m.token_endpoint_auth_methods_supported =
            Some(vec!["client_secret_post".into(), "private_key_jwt".into()]);
        assert_eq!(
            ClientAuth::for_secret(s(), &m).method_name(),
            "client_secret_post"
        );
        assert_eq!(ClientAuth::for_secret(None, &m).method_name(), "none");
        assert_eq!(
            format!("{:?}", ClientSecret::new("hunter2")),
            "ClientSecret(<redacted>)"
        );
    }
}
