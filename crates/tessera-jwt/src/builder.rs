//! Building and signing JWTs.

use serde::Serialize;
use serde_json::{Map, Value};
use tessera_core::{UnixTime, b64};
use tessera_jose::SigningKey;
use tessera_jose::jws::{self, JwsHeader};

use crate::Error;

/// Builds a claims set and signs it with any JOSE signing key.
///
/// Registered claims have typed setters; [`claim`](JwtBuilder::claim) and
/// [`claims`](JwtBuilder::claims) add the application's own. Setting a registered claim through
/// them with the wrong JSON type (`"exp": "soon"`), or setting any claim twice, is an error
/// reported by [`sign`](JwtBuilder::sign).
///
/// ```
/// use tessera_core::UnixTime;
/// use tessera_jose::{JwsAlgorithm, SigningKey};
/// use tessera_jwt::JwtBuilder;
///
/// let key = SigningKey::from_hmac_secret(b"a shared secret of at least thirty-two bytes!", JwsAlgorithm::HS256).unwrap();
/// let now = UnixTime(1_700_000_000);
/// let token = JwtBuilder::new()
///     .issuer("https://issuer.example")
///     .subject("user-1")
///     .audience("api")
///     .issued_at(now)
///     .expires_in(now, 300)
///     .random_jwt_id()
///     .claim("scope", "read write")
///     .sign(&key)
///     .unwrap();
/// assert_eq!(token.split('.').count(), 3);
/// ```
#[derive(Clone, Debug, Default)]
pub struct JwtBuilder {
    typ: Option<String>,
    cty: Option<String>,
    kid: Option<String>,
    claims: Map<String, Value>,
    error: Option<String>,
}

impl JwtBuilder {
    /// An empty builder; the header will carry `typ: JWT` unless [`typ`](JwtBuilder::typ) says
    /// otherwise.
    pub fn new() -> Self {
        JwtBuilder::default()
    }

    fn set(mut self, name: &str, value: Value) -> Self {
        if self.error.is_some() {
            return self;
        }
        if let Err(e) = check_registered(name, &value) {
            self.error = Some(e);
            return self;
        }
        if self.claims.contains_key(name) {
            self.error = Some(format!("the claim {name:?} is set twice"));
            return self;
        }
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// `iss`.
    pub fn issuer(self, iss: impl Into<String>) -> Self {
        self.set("iss", Value::String(iss.into()))
    }
    /// `sub`.
    pub fn subject(self, sub: impl Into<String>) -> Self {
        self.set("sub", Value::String(sub.into()))
    }
    /// `aud` as a single string.
    pub fn audience(self, aud: impl Into<String>) -> Self {
        self.set("aud", Value::String(aud.into()))
    }
    /// `aud` as an array.
    pub fn audiences<S: Into<String>>(self, aud: impl IntoIterator<Item = S>) -> Self {
        let v = aud.into_iter().map(|a| Value::String(a.into())).collect();
        self.set("aud", Value::Array(v))
    }
    /// `exp`.
    pub fn expires_at(self, exp: UnixTime) -> Self {
        self.set("exp", Value::from(exp.as_secs()))
    }
    /// `exp` = `now + secs`.
    pub fn expires_in(self, now: UnixTime, secs: u64) -> Self {
        self.expires_at(now.saturating_add(secs))
    }
    /// `nbf`.
    pub fn not_before(self, nbf: UnixTime) -> Self {
        self.set("nbf", Value::from(nbf.as_secs()))
    }
    /// `iat`.
    pub fn issued_at(self, iat: UnixTime) -> Self {
        self.set("iat", Value::from(iat.as_secs()))
    }
    /// `jti`.
    pub fn jwt_id(self, jti: impl Into<String>) -> Self {
        self.set("jti", Value::String(jti.into()))
    }
    /// `jti` = 128 random bits from the OS generator, base64url. If the generator fails,
    /// [`sign`](JwtBuilder::sign) reports it.
    pub fn random_jwt_id(mut self) -> Self {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            self.error
                .get_or_insert_with(|| "the random number generator failed".into());
            return self;
        }
        self.jwt_id(b64::encode(bytes))
    }

    /// Any claim. Registered claims are type-checked.
    pub fn claim(self, name: impl Into<String>, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => self.set(&name.into(), v),
            Err(e) => self.fail(format!("a claim does not serialise: {e}")),
        }
    }

    /// Every member of `claims`, which must serialise to a JSON object.
    pub fn claims(mut self, claims: &impl Serialize) -> Self {
        match serde_json::to_value(claims) {
            Ok(Value::Object(m)) => {
                for (k, v) in m {
                    self = self.set(&k, v);
                }
                self
            }
            Ok(Value::Null) => self,
            Ok(_) => self.fail("the claims type must serialise to a JSON object".into()),
            Err(e) => self.fail(format!("the claims do not serialise: {e}")),
        }
    }

    fn fail(mut self, e: String) -> Self {
        self.error.get_or_insert(e);
        self
    }

    /// The header `typ` (default `JWT`), e.g. `at+jwt` for an RFC 9068 access token.
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// The header `cty`.
    pub fn cty(mut self, cty: impl Into<String>) -> Self {
        self.cty = Some(cty.into());
        self
    }

    /// The header `kid` (by default the signing key's own, if it has one).
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The claims set as built so far.
    pub fn claims_map(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims set as JSON bytes, or the first error a setter recorded.
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        if let Some(e) = &self.error {
            return Err(Error::Build { reason: e.clone() });
        }
        serde_json::to_vec(&self.claims).map_err(|e| Error::Build {
            reason: format!("the claims do not serialise: {e}"),
        })
    }

    /// The protected header this builder would use with `key`.
    pub fn header_for(&self, key: &SigningKey) -> JwsHeader {
        let mut h = JwsHeader::new(key.alg());
        h.typ = Some(self.typ.clone().unwrap_or_else(|| "JWT".into()));
        h.cty = self.cty.clone();
        h.kid = self.kid.clone();
        h
    }

    /// Signs the claims into a compact JWS with `key` (whose algorithm becomes `alg`).
    pub fn sign(&self, key: &SigningKey) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(jws::sign_compact(&self.header_for(key), &payload, key)?)
    }
}

fn check_registered(name: &str, v: &Value) -> Result<(), String> {
    let ok = match name {
        "iss" | "sub" | "jti" => v.is_string(),
        "aud" => v.is_string() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "exp" | "nbf" | "iat" => v.as_f64().is_some_and(|f| f >= 0.0),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the registered claim {name:?} has the wrong type: {v}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_jose::JwsAlgorithm;

    fn key() -> SigningKey {
        SigningKey::from_hmac_secret(&[7u8; 32], JwsAlgorithm::HS256).unwrap()
    }

    #[test]
    fn refuses_wrong_types_and_repeats() {
        assert!(JwtBuilder::new().claim("exp", "soon").sign(&key()).is_err());
        assert!(JwtBuilder::new().claim("aud", [1, 2]).sign(&key()).is_err());
        assert!(
            JwtBuilder::new()
                .subject("a")
                .claim("sub", "b")
                .sign(&key())
                .is_err()
        );
        assert!(JwtBuilder::new().claims(&5).sign(&key()).is_err());
        assert!(JwtBuilder::new().claim("exp", 5).sign(&key()).is_ok());
    }

    #[test]
    fn random_jti_is_fresh() {
        let a = JwtBuilder::new().random_jwt_id();
        let b = JwtBuilder::new().random_jwt_id();
        assert_ne!(a.claims_map()["jti"], b.claims_map()["jti"]);
        assert_eq!(a.claims_map()["jti"].as_str().unwrap().len(), 22);
    }
}
