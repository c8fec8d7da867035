//! Building and signing JWTs.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};
use tessera_core::{UnixTime, b64};
use tessera_jose::SigningKey;
use tessera_jose::jws::{self, JwsHeader};

use crate::claims::REGISTERED;
use crate::{BuildProblem, Error};

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
    error: Option<BuildProblem>,
}

impl JwtBuilder {
    /// An empty builder; the header will carry `typ: JWT` unless [`typ`](JwtBuilder::typ) says
    /// otherwise.
    pub fn new() -> Self {
        JwtBuilder::default()
    }

    /// Adds the member `name`, type-checking registered claims and refusing a repeated name.
    fn add(&mut self, name: String, value: Value) -> Result<(), BuildProblem> {
        check_registered(&name, &value)?;
        if self.claims.contains_key(&name) {
            return Err(BuildProblem::SetTwice { claim: name });
        }
        self.claims.insert(name, value);
        Ok(())
    }

    fn set(mut self, name: &str, value: &(impl Serialize + ?Sized)) -> Self {
        if self.error.is_some() {
            return self;
        }
        let added = serde_json::to_value(value)
            .map_err(|e| BuildProblem::Serialize {
                claim: Some(name.to_owned()),
                source: Arc::new(e),
            })
            .and_then(|v| self.add(name.to_owned(), v));
        if let Err(e) = added {
            self.error = Some(e);
        }
        self
    }

    /// `iss`.
    pub fn issuer(self, iss: impl Into<String>) -> Self {
        self.set("iss", &iss.into())
    }
    /// `sub`.
    pub fn subject(self, sub: impl Into<String>) -> Self {
        self.set("sub", &sub.into())
    }
    /// `aud` as a single string.
    pub fn audience(self, aud: impl Into<String>) -> Self {
        self.set("aud", &aud.into())
    }
    /// `aud` as an array.
    pub fn audiences<S: Into<String>>(self, aud: impl IntoIterator<Item = S>) -> Self {
        let v: Vec<String> = aud.into_iter().map(Into::into).collect();
        self.set("aud", &v)
    }
    /// `exp`.
    pub fn expires_at(self, exp: UnixTime) -> Self {
        self.set("exp", &exp.as_secs())
    }
    /// `exp` = `now + secs`.
    pub fn expires_in(self, now: UnixTime, secs: u64) -> Self {
        self.expires_at(now.saturating_add(secs))
    }
    /// `nbf`.
    pub fn not_before(self, nbf: UnixTime) -> Self {
        self.set("nbf", &nbf.as_secs())
    }
    /// `iat`.
    pub fn issued_at(self, iat: UnixTime) -> Self {
        self.set("iat", &iat.as_secs())
    }
    /// `jti`.
    pub fn jwt_id(self, jti: impl Into<String>) -> Self {
        self.set("jti", &jti.into())
    }
    /// `jti` = 128 random bits from the OS generator, base64url. If the generator fails,
    /// [`sign`](JwtBuilder::sign) reports it.
    pub fn random_jwt_id(mut self) -> Self {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            self.error.get_or_insert(BuildProblem::Rng);
            return self;
        }
        self.jwt_id(b64::encode(bytes))
    }

    /// `jti` = 128 random bits from `rng`, base64url (for reproducible tokens in tests, or a
    /// generator of the application's).
    pub fn random_jwt_id_with_rng<R: rand_core::CryptoRng + ?Sized>(self, rng: &mut R) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        self.jwt_id(b64::encode(bytes))
    }

    /// Any claim. Registered claims are type-checked.
    pub fn claim(self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.set(&name.into(), &value)
    }

    /// Every member of `claims`, which must serialise to a JSON object (or to nothing, e.g.
    /// `None`), each checked like [`claim`](JwtBuilder::claim).
    pub fn claims(mut self, claims: &impl Serialize) -> Self {
        if self.error.is_some() {
            return self;
        }
        let added = match serde_json::to_value(claims) {
            Ok(Value::Object(m)) => m.into_iter().try_for_each(|(k, v)| self.add(k, v)),
            Ok(Value::Null) => Ok(()),
            Ok(_) => Err(BuildProblem::NotAnObject),
            Err(e) => Err(BuildProblem::Serialize {
                claim: None,
                source: Arc::new(e),
            }),
        };
        if let Err(e) = added {
            self.error = Some(e);
        }
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

    /// The claims set as built so far, as a JSON object.
    pub fn claims_map(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims set as JSON bytes, or the first error a setter recorded.
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        match &self.error {
            Some(problem) => Err(Error::Build {
                problem: problem.clone(),
            }),
            None => serde_json::to_vec(&self.claims).map_err(|e| Error::Build {
                problem: BuildProblem::Serialize {
                    claim: None,
                    source: Arc::new(e),
                },
            }),
        }
    }

    /// The protected header this builder would use with `key`.
    pub fn header_for(&self, key: &SigningKey) -> JwsHeader {
        let mut h = JwsHeader::new(key.alg());
        h.typ = Some(self.typ.clone().unwrap_or_else(|| "JWT".into()));
        h.cty = self.cty.clone();
        h.kid = self.kid.clone();
        h
    }

    /// Signs the claims into a compact JWS with `key` (whose algorithm becomes `alg`): the
    /// header is [`header_for`](JwtBuilder::header_for), with the key's `kid` when the builder
    /// names none ([`jws::sign_compact`]).
    pub fn sign(&self, key: &SigningKey) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(jws::sign_compact(&self.header_for(key), &payload, key)?)
    }

    /// [`sign`](JwtBuilder::sign) drawing the randomness RSA needs (the RSA-PSS salt, RSA
    /// blinding) from `rng` ([`jws::sign_compact_with_rng`]); other algorithms draw nothing.
    /// With [`random_jwt_id_with_rng`](JwtBuilder::random_jwt_id_with_rng) and a seeded
    /// generator, a PS256 token is reproducible.
    pub fn sign_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        key: &SigningKey,
        rng: &mut R,
    ) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(jws::sign_compact_with_rng(
            &self.header_for(key),
            &payload,
            key,
            rng,
        )?)
    }
}

/// Checks the JSON type of a registered claim (RFC 7519 §4.1): strings for `iss`, `sub` and
/// `jti`, a string or an array of strings for `aud`, a non-negative number for `exp`, `nbf` and
/// `iat`.
fn check_registered(name: &str, v: &Value) -> Result<(), BuildProblem> {
    if !REGISTERED.contains(&name) {
        return Ok(());
    }
    let ok = match name {
        "aud" => match v {
            Value::String(_) => true,
            Value::Array(a) => a.iter().all(Value::is_string),
            _ => false,
        },
        "exp" | "nbf" | "iat" => match v {
            Value::Number(n) => n.as_u64().is_some() || n.as_f64().is_some_and(|f| f >= 0.0),
            _ => false,
        },
        _ => v.is_string(),
    };
    if ok {
        Ok(())
    } else {
        let expected = match name {
            "aud" => "a string or an array of strings",
            "exp" | "nbf" | "iat" => "a non-negative number (NumericDate)",
            _ => "a string",
        };
        Err(BuildProblem::WrongClaimType {
            claim: name.to_owned(),
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_jose::JwsAlgorithm;
    use tessera_jose::jws;

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
    fn signs_what_was_set() {
        #[derive(Serialize)]
        struct Custom<'a> {
            iss: &'a str,
            exp: u64,
            nonce: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            aud: [&'a str; 2],
        }
        let c = Custom {
            iss: "https://issuer.example",
            exp: 1_700_000_300,
            nonce: "n \"quoted\" \u{1} ü",
            skipped: None,
            aud: ["a", "b"],
        };
        for (key, b) in [
            (key(), JwtBuilder::new()),
            (key().with_kid("key-kid"), JwtBuilder::new()),
            (
                key().with_kid("key-kid"),
                JwtBuilder::new().kid("own \"kid\""),
            ),
            (key(), JwtBuilder::new().typ("at+jwt").cty("JWT")),
        ] {
            let b = b.claims(&c).claim("extra", [1, 2]).subject("s");
            let token = b.sign(&key).unwrap();
            let mut h = b.header_for(&key);
            if h.kid.is_none() {
                h.kid = key.kid().map(str::to_owned);
            }
            let expected = jws::sign_compact(&h, &b.payload().unwrap(), &key).unwrap();
            assert_eq!(token, expected);
            let v: Value = serde_json::from_slice(&b.payload().unwrap()).unwrap();
            assert_eq!(v["nonce"], c.nonce);
            assert_eq!(v["aud"], serde_json::json!(["a", "b"]));
            assert!(v.get("skipped").is_none());
            assert_eq!(b.claims_map().len(), 6);
        }
    }

    #[test]
    fn claims_of_every_shape() {
        use std::collections::BTreeMap;
        // A map, an Option, a newtype variant (the general route), and shapes that are not
        // objects.
        let m: BTreeMap<&str, u32> = [("exp", 5), ("n", 1)].into();
        assert_eq!(JwtBuilder::new().claims(&m).claims_map().len(), 2);
        assert!(JwtBuilder::new().claims(&Some(&m)).sign(&key()).is_ok());
        assert!(JwtBuilder::new().claims(&None::<u8>).sign(&key()).is_ok());
        #[derive(Serialize)]
        enum E {
            V { a: u8 },
        }
        let b = JwtBuilder::new().claims(&E::V { a: 1 });
        assert_eq!(b.claims_map()["V"]["a"], 1);
        assert!(JwtBuilder::new().claims(&[1, 2]).sign(&key()).is_err());
        assert!(JwtBuilder::new().claims(&"x").sign(&key()).is_err());
        let int_keys: BTreeMap<u8, u8> = [(1, 2)].into();
        assert_eq!(JwtBuilder::new().claims(&int_keys).claims_map()["1"], 2);
        // Registered claims through a map are type-checked; repeats across calls are refused.
        let bad: BTreeMap<&str, &str> = [("exp", "soon")].into();
        assert!(JwtBuilder::new().claims(&bad).sign(&key()).is_err());
        assert!(
            JwtBuilder::new()
                .claims(&m)
                .expires_at(UnixTime(9))
                .sign(&key())
                .is_err()
        );
        for (name, v) in [
            ("exp", serde_json::json!(1.5)),
            ("iat", serde_json::json!(0)),
            ("aud", serde_json::json!(["x"])),
        ] {
            assert!(
                JwtBuilder::new().claim(name, v).sign(&key()).is_ok(),
                "{name}"
            );
        }
        for (name, v) in [
            ("exp", serde_json::json!(-1)),
            ("exp", serde_json::json!(f64::NAN)),
            ("nbf", serde_json::json!(null)),
            ("aud", serde_json::json!(["x", 1])),
            ("jti", serde_json::json!(5)),
        ] {
            assert!(
                JwtBuilder::new().claim(name, v).sign(&key()).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn many_claims_and_repeats() {
        let mut b = JwtBuilder::new();
        for i in 0..500 {
            b = b.claim(format!("c{i}"), i);
        }
        assert!(b.clone().sign(&key()).is_ok());
        assert_eq!(b.claims_map().len(), 500);
        let err = b.claim("c7", 1).sign(&key()).unwrap_err().to_string();
        assert!(err.contains("\"c7\" is set twice"), "{err}");
        // Escaped names compare by their value.
        assert!(
            JwtBuilder::new()
                .claim("a\"b", 1)
                .claim("a\"b", 2)
                .sign(&key())
                .is_err()
        );
    }

    /// Every repeat is refused, whichever name repeats.
    #[test]
    fn every_repeat_is_refused() {
        let names: Vec<String> = (0..40)
            .map(|i| ["n", "nb", "exp", "a\"q", "é", "\u{1}"][i % 6].repeat(i / 6 + 1))
            .collect();
        for n in 1..names.len() {
            let mut b = JwtBuilder::new();
            for name in &names[..n] {
                b = b.claim(name.as_str(), 1);
            }
            assert!(b.clone().sign(&key()).is_ok(), "{n}");
            for name in &names[..n] {
                let err = b.clone().claim(name.as_str(), 2).sign(&key()).unwrap_err();
                assert!(err.to_string().contains("set twice"), "{n} {name:?}");
            }
        }
    }

    #[test]
    fn a_seeded_generator_gives_the_same_jti() {
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let jti = |seed: u8| {
            let b =
                JwtBuilder::new().random_jwt_id_with_rng(&mut ChaCha20Rng::from_seed([seed; 32]));
            b.claims_map()["jti"].as_str().unwrap().to_owned()
        };
        assert_eq!(jti(1), jti(1));
        assert_ne!(jti(1), jti(2));
        assert_eq!(jti(1).len(), 22);
    }

    #[test]
    fn a_seeded_generator_gives_the_same_pss_token() {
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let seeded = |seed: u8| ChaCha20Rng::from_seed([seed; 32]);
        let jwk = tessera_jose::Jwk::generate_rsa_with_rng(
            2048,
            &tessera_jose::KeyPolicy::default(),
            &mut seeded(9),
        )
        .unwrap();
        let key = SigningKey::from_jwk(&jwk, tessera_jose::JwsAlgorithm::PS256).unwrap();
        let token = |seed: u8| {
            let mut rng = seeded(seed);
            JwtBuilder::new()
                .subject("alice")
                .random_jwt_id_with_rng(&mut rng)
                .sign_with_rng(&key, &mut rng)
                .unwrap()
        };
        assert_eq!(token(1), token(1));
        assert_ne!(token(1), token(2));
    }

    #[test]
    fn random_jti_is_fresh() {
        let a = JwtBuilder::new().random_jwt_id();
        let b = JwtBuilder::new().random_jwt_id();
        assert_ne!(a.claims_map()["jti"], b.claims_map()["jti"]);
        assert_eq!(a.claims_map()["jti"].as_str().unwrap().len(), 22);
    }
}
