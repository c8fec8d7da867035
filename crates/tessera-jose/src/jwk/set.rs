use std::collections::HashMap;

use serde_json::{Map, Value};
use tessera_core::limits;

use super::Jwk;
use crate::Error;
use crate::alg::JwsAlgorithm;
use crate::error::{JsonType, KeyProblem};

/// A JWK Set (RFC 7517 §5) with O(1) lookup by `kid`.
///
/// Keys whose type, curve or parameters tessera does not support are skipped, as RFC 7517 §5
/// recommends, and counted in [`JwkSet::skipped`].
///
/// ```
/// use tessera_jose::{jwk::JwkSet, JwsAlgorithm};
///
/// let set = JwkSet::from_json(br#"{"keys":[
///   {"kty":"oct","kid":"a","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"},
///   {"kty":"unknown","kid":"b"}]}"#).unwrap();
/// assert_eq!(set.len(), 1);
/// assert_eq!(set.skipped(), 1);
/// assert!(set.get("a").is_some());
/// assert_eq!(set.candidates(Some("a"), JwsAlgorithm::HS256).count(), 1);
/// assert_eq!(set.candidates(Some("a"), JwsAlgorithm::RS256).count(), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    by_kid: HashMap<String, Vec<usize>>,
    skipped: usize,
    other: Map<String, Value>,
}

impl JwkSet {
    /// An empty set.
    pub fn new() -> Self {
        JwkSet::default()
    }

    /// Builds a set from keys.
    pub fn from_keys(keys: impl IntoIterator<Item = Jwk>) -> Self {
        let mut set = JwkSet::new();
        for k in keys {
            set.push(k);
        }
        set
    }

    /// Parses a JWK Set strictly, keeping at most [`limits::DEFAULT_MAX_KEYS`] keys.
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        Self::from_json_with_limit(json, limits::DEFAULT_MAX_KEYS)
    }

    /// Parses a JWK Set strictly, refusing one with more than `max_keys` entries.
    pub fn from_json_with_limit(json: &[u8], max_keys: usize) -> Result<Self, Error> {
        let map = tessera_core::json::parse_object(json, "JWK Set")?;
        Self::from_map_with_limit(map, max_keys)
    }

    /// Builds a set from an already parsed JSON object, refusing more than `max_keys` entries.
    pub fn from_map_with_limit(
        mut map: Map<String, Value>,
        max_keys: usize,
    ) -> Result<Self, Error> {
        let keys = match map.remove("keys") {
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(KeyProblem::WrongType {
                    member: "keys",
                    expected: JsonType::Array,
                }
                .into());
            }
            None => return Err(KeyProblem::MissingMember { member: "keys" }.into()),
        };
        limits::check("JWK Set key count", keys.len(), max_keys)?;
        let mut set = JwkSet {
            other: map,
            ..JwkSet::default()
        };
        for k in keys {
            match k {
                Value::Object(m) => match Jwk::from_map(m) {
                    Ok(jwk) => set.push(jwk),
                    Err(_) => set.skipped += 1,
                },
                _ => set.skipped += 1,
            }
        }
        Ok(set)
    }

    /// Adds a key.
    pub fn push(&mut self, key: Jwk) {
        if let Some(kid) = &key.kid {
            self.by_kid
                .entry(kid.clone())
                .or_default()
                .push(self.keys.len());
        }
        self.keys.push(key);
    }

    /// The keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many entries were skipped as unsupported or malformed.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The first key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.by_kid
            .get(kid)
            .and_then(|v| v.first())
            .map(|&i| &self.keys[i])
    }

    /// Every key with this `kid` (a set may hold several, e.g. of different types).
    pub fn by_kid<'a>(&'a self, kid: &str) -> impl Iterator<Item = &'a Jwk> + 'a {
        self.by_kid
            .get(kid)
            .into_iter()
            .flatten()
            .map(|&i| &self.keys[i])
    }

    /// The keys that could verify a JWS with this `kid` (if the token names one) and algorithm:
    /// right key type and curve, `alg` absent or equal, `use` absent or `sig`, `key_ops` absent
    /// or containing `verify`.
    pub fn candidates<'a>(
        &'a self,
        kid: Option<&str>,
        alg: JwsAlgorithm,
    ) -> Box<dyn Iterator<Item = &'a Jwk> + 'a> {
        match kid {
            Some(kid) => Box::new(
                self.by_kid(kid)
                    .filter(move |k| crate::keys::fits_for_verify(k, alg).is_ok()),
            ),
            None => Box::new(
                self.keys
                    .iter()
                    .filter(move |k| crate::keys::fits_for_verify(k, alg).is_ok()),
            ),
        }
    }

    /// The public set: private keys reduced to their public half, symmetric keys dropped.
    pub fn to_public(&self) -> JwkSet {
        JwkSet::from_keys(self.keys.iter().filter_map(Jwk::to_public))
    }

    /// The set as a JSON object.
    pub fn to_json_value(&self) -> Map<String, Value> {
        let mut m = self.other.clone();
        m.insert(
            "keys".into(),
            Value::Array(
                self.keys
                    .iter()
                    .map(|k| Value::Object(k.to_json_value()))
                    .collect(),
            ),
        );
        m
    }

    /// The set as compact JSON text.
    pub fn to_json(&self) -> String {
        Value::Object(self.to_json_value()).to_string()
    }
}

impl FromIterator<Jwk> for JwkSet {
    fn from_iter<T: IntoIterator<Item = Jwk>>(iter: T) -> Self {
        JwkSet::from_keys(iter)
    }
}

impl serde::Serialize for JwkSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_value().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for JwkSet {
    /// Strict (repeated members are an error) and capped at [`limits::DEFAULT_MAX_KEYS`] keys.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde::de::DeserializeSeed::deserialize(
            tessera_core::json::StrictSeed::new(&mut tessera_core::json::Recorder::<
                tessera_core::json::Repeated,
            >::new()),
            d,
        )? {
            Value::Object(map) => JwkSet::from_map_with_limit(map, limits::DEFAULT_MAX_KEYS)
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom("a JWK Set must be a JSON object")),
        }
    }
}
