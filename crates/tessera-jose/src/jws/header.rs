use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};
use tessera_core::json::{MemberName, Recorder, Repeated, StrictSeed};

use crate::Error;
use crate::alg::JwsAlgorithm;
use crate::error::{CritProblem, HeaderProblem, JsonType};
use crate::header::{JWS_REGISTERED, check_crit};

/// A JWS header: the protected header of a compact JWS, or the union of the protected and
/// unprotected headers of one signature in the JSON serialization.
///
/// `jku`, `x5u`, `jwk` and `x5c` are kept for inspection but never used to find or trust a key.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JwsHeader {
    /// `alg`. Parsing fails for an algorithm tessera does not implement, and for `none`.
    pub alg: JwsAlgorithm,
    /// `kid`.
    pub kid: Option<String>,
    /// `typ`, e.g. `JWT`, `at+jwt`, `dpop+jwt`.
    pub typ: Option<String>,
    /// `cty`, e.g. `JWT` for a nested token.
    pub cty: Option<String>,
    /// `b64` (RFC 7797). `Some(false)` means the payload is not base64url encoded.
    pub b64: Option<bool>,
    /// `crit`: extensions the recipient must understand.
    pub crit: Option<Vec<String>>,
    /// `jku` (never fetched).
    pub jku: Option<String>,
    /// `x5u` (never fetched).
    pub x5u: Option<String>,
    /// `jwk` (never trusted as a verification key).
    pub jwk: Option<Value>,
    /// `x5c` (never trusted as a verification key).
    pub x5c: Option<Vec<String>>,
    /// `x5t`.
    pub x5t: Option<String>,
    /// `x5t#S256`.
    pub x5t_s256: Option<String>,
    /// Every other parameter.
    pub other: Map<String, Value>,
}

impl JwsHeader {
    /// A header with only `alg`.
    pub fn new(alg: JwsAlgorithm) -> Self {
        JwsHeader {
            alg,
            kid: None,
            typ: None,
            cty: None,
            b64: None,
            crit: None,
            jku: None,
            x5u: None,
            jwk: None,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            other: Map::new(),
        }
    }

    /// Whether the payload is base64url encoded (`b64` absent or `true`).
    pub fn payload_is_encoded(&self) -> bool {
        self.b64 != Some(false)
    }

    /// Whether a parameter of this name is present.
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "alg" => true,
            "kid" => self.kid.is_some(),
            "typ" => self.typ.is_some(),
            "cty" => self.cty.is_some(),
            "b64" => self.b64.is_some(),
            "crit" => self.crit.is_some(),
            "jku" => self.jku.is_some(),
            "x5u" => self.x5u.is_some(),
            "jwk" => self.jwk.is_some(),
            "x5c" => self.x5c.is_some(),
            "x5t" => self.x5t.is_some(),
            "x5t#S256" => self.x5t_s256.is_some(),
            other => self.other.contains_key(other),
        }
    }

    /// Parses a header from JSON bytes, strictly: repeated members (at any depth), wrong member
    /// types and unknown algorithms are errors. `crit` is not checked here; see
    /// [`JwsHeader::check_crit`].
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let mut rec = Recorder::new();
        let mut de = serde_json::Deserializer::from_slice(json);
        let res = de
            .deserialize_map(HeaderVisitor { rec: &mut rec })
            .and_then(|h| de.end().map(|()| h));
        res.map_err(|e| match rec.take() {
            Some(fault) => fault.into_error(),
            None => Error::Core(tessera_core::Error::Json {
                what: WHAT,
                source: e,
            }),
        })
    }

    /// Builds a header from a parsed JSON object (by the same rules as
    /// [`from_json`](JwsHeader::from_json)).
    pub fn from_map(map: Map<String, Value>) -> Result<Self, Error> {
        let mut b = Builder::default();
        for (name, value) in map {
            b.member(name.into(), value).map_err(Fault::into_error)?;
        }
        b.finish().map_err(Fault::into_error)
    }

    /// Checks `crit` against the extensions the application understands (`b64` is understood by
    /// tessera itself). `in_protected` says whether `crit` came from the protected header.
    pub fn check_crit(&self, understood: &[String], in_protected: bool) -> Result<(), Error> {
        if let Some(crit) = &self.crit {
            let mut all = understood.to_vec();
            all.push("b64".to_owned());
            let v = Value::Array(crit.iter().cloned().map(Value::String).collect());
            check_crit(&v, in_protected, JWS_REGISTERED, &all, |n| self.contains(n))?;
        }
        if self.b64.is_some()
            && !self
                .crit
                .as_ref()
                .is_some_and(|c| c.iter().any(|n| n == "b64"))
        {
            // RFC 7797 §6: a b64 header must be listed in crit.
            return Err(CritProblem::B64NotListed.into());
        }
        Ok(())
    }

    /// The header as compact JSON (`alg` first).
    pub fn to_json(&self) -> String {
        // Not `unwrap_or_default`: an empty header would be signed without a word.
        serde_json::to_string(self)
            .expect("serialising strings, booleans and JSON values into a String cannot fail")
    }
}

impl serde::Serialize for JwsHeader {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("alg", self.alg.as_str())?;
        macro_rules! opt {
            ($name:literal, $f:expr) => {
                if let Some(v) = &$f {
                    m.serialize_entry($name, v)?;
                }
            };
        }
        opt!("typ", self.typ);
        opt!("kid", self.kid);
        opt!("cty", self.cty);
        opt!("b64", self.b64);
        opt!("crit", self.crit);
        opt!("jku", self.jku);
        opt!("x5u", self.x5u);
        opt!("jwk", self.jwk);
        opt!("x5c", self.x5c);
        opt!("x5t", self.x5t);
        opt!("x5t#S256", self.x5t_s256);
        for (k, v) in &self.other {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

const WHAT: &str = "JWS header";

impl<'de> serde::Deserialize<'de> for JwsHeader {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeaderVisitor {
            rec: &mut Recorder::new(),
        })
    }
}

/// What a header parse refused, recorded by the visitor so that the error is typed.
#[derive(Debug)]
enum Fault {
    Repeated(String),
    UnsupportedAlg(String),
    WrongType {
        member: &'static str,
        expected: JsonType,
    },
    MissingAlg,
}

impl From<Repeated> for Fault {
    fn from(r: Repeated) -> Self {
        Fault::Repeated(r.0)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Repeated(m) => write!(f, "the member {m:?} appears more than once"),
            Fault::UnsupportedAlg(a) => write!(f, "unsupported algorithm {a:?}"),
            Fault::WrongType { member, expected } => {
                write!(f, "member {member:?} must be {expected}")
            }
            Fault::MissingAlg => f.write_str("missing member \"alg\""),
        }
    }
}

impl Fault {
    fn into_error(self) -> Error {
        match self {
            Fault::Repeated(member) => {
                Error::Core(tessera_core::Error::DuplicateMember { what: WHAT, member })
            }
            Fault::UnsupportedAlg(alg) => Error::UnsupportedAlgorithm { alg },
            Fault::WrongType { member, expected } => {
                HeaderProblem::WrongType { member, expected }.into()
            }
            Fault::MissingAlg => HeaderProblem::Missing {
                member: "alg",
                alg: None,
            }
            .into(),
        }
    }
}

/// The header being read, member by member: one set of rules for [`JwsHeader::from_json`] and
/// [`JwsHeader::from_map`].
struct Builder {
    alg: Option<JwsAlgorithm>,
    /// Every member but `alg`, whose placeholder `finish` replaces.
    h: JwsHeader,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            alg: None,
            h: JwsHeader::new(JwsAlgorithm::HS256),
        }
    }
}

fn string(member: &'static str, v: Value) -> Result<String, Fault> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(wrong(member, JsonType::String)),
    }
}

fn strings(member: &'static str, v: Value) -> Result<Vec<String>, Fault> {
    let Value::Array(items) = v else {
        return Err(wrong(member, JsonType::StringArray));
    };
    items
        .into_iter()
        .map(|i| string(member, i))
        .collect::<Result<_, _>>()
        .map_err(|_| wrong(member, JsonType::StringArray))
}

fn wrong(member: &'static str, expected: JsonType) -> Fault {
    Fault::WrongType { member, expected }
}

/// Stores `value` in `slot` (which `Builder::member` has found empty).
fn put<T>(slot: &mut Option<T>, _name: &str, value: T) -> Result<(), Fault> {
    *slot = Some(value);
    Ok(())
}

impl Builder {
    fn member(&mut self, name: Cow<'_, str>, value: Value) -> Result<(), Fault> {
        let name = name.as_ref();
        let repeated = match name {
            "alg" => self.alg.is_some(),
            other => self.h.contains(other),
        };
        if repeated {
            return Err(Fault::Repeated(name.to_owned()));
        }
        let h = &mut self.h;
        match name {
            "alg" => {
                let s = string("alg", value)?;
                let alg = s.parse().map_err(|_| Fault::UnsupportedAlg(s))?;
                put(&mut self.alg, name, alg)
            }
            "kid" => put(&mut h.kid, name, string("kid", value)?),
            "typ" => put(&mut h.typ, name, string("typ", value)?),
            "cty" => put(&mut h.cty, name, string("cty", value)?),
            "b64" => match value {
                Value::Bool(b) => put(&mut h.b64, name, b),
                _ => Err(wrong("b64", JsonType::Bool)),
            },
            "crit" => put(&mut h.crit, name, strings("crit", value)?),
            "jku" => put(&mut h.jku, name, string("jku", value)?),
            "x5u" => put(&mut h.x5u, name, string("x5u", value)?),
            "jwk" => put(&mut h.jwk, name, value),
            "x5c" => put(&mut h.x5c, name, strings("x5c", value)?),
            "x5t" => put(&mut h.x5t, name, string("x5t", value)?),
            "x5t#S256" => put(&mut h.x5t_s256, name, string("x5t#S256", value)?),
            other => {
                h.other.insert(other.to_owned(), value);
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<JwsHeader, Fault> {
        let alg = self.alg.ok_or(Fault::MissingAlg)?;
        Ok(JwsHeader { alg, ..self.h })
    }
}

struct HeaderVisitor<'r> {
    rec: &'r mut Recorder<Fault>,
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = JwsHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWS header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JwsHeader, A::Error> {
        let mut b = Builder::default();
        while let Some(name) = map.next_key_seed(MemberName)? {
            let value = map.next_value_seed(StrictSeed::new(&mut *self.rec))?;
            if let Err(fault) = b.member(name, value) {
                return Err(self.rec.fail(fault));
            }
        }
        b.finish().map_err(|fault| self.rec.fail(fault))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_registered_member() {
        let h = JwsHeader::from_json(
            br#"{"alg":"ES256","typ":"JWT","kid":"k\u0031","cty":"JWT","b64":false,"crit":["b64"],
                "jku":"https://x/jwks","x5u":"https://x/c","jwk":{"kty":"EC"},"x5c":["MII"],
                "x5t":"a","x5t#S256":"b","ext":[1,{"n":null}]}"#,
        )
        .unwrap();
        assert_eq!(h.alg, JwsAlgorithm::ES256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.b64, Some(false));
        assert_eq!(h.crit, Some(vec!["b64".to_owned()]));
        assert_eq!(h.x5c, Some(vec!["MII".to_owned()]));
        assert_eq!(h.x5t_s256.as_deref(), Some("b"));
        assert_eq!(h.other["ext"][1]["n"], Value::Null);
        assert_eq!(JwsHeader::from_json(h.to_json().as_bytes()).unwrap(), h);
        let Value::Object(map) = serde_json::from_str(&h.to_json()).unwrap() else {
            panic!()
        };
        assert_eq!(JwsHeader::from_map(map).unwrap(), h);
    }

    #[test]
    fn refusals_are_typed() {
        for (json, member) in [
            (r#"{"alg":"HS256","alg":"none"}"#, "alg"),
            (r#"{"alg":"HS256","kid":"a","kid":"b"}"#, "kid"),
            (r#"{"alg":"HS256","x":1,"x":2}"#, "x"),
            (r#"{"alg":"HS256","jwk":{"k":1,"k":2}}"#, "k"),
            (r#"{"alg":"HS256","x":[{"y":1,"y":2}]}"#, "y"),
        ] {
            match JwsHeader::from_json(json.as_bytes()) {
                Err(Error::Core(tessera_core::Error::DuplicateMember { member: m, .. })) => {
                    assert_eq!(m, member, "{json}")
                }
                other => panic!("{json}: {other:?}"),
            }
        }
        for alg in ["none", "XS999", "hs256"] {
            let json = format!(r#"{{"alg":"{alg}"}}"#);
            match JwsHeader::from_json(json.as_bytes()) {
                Err(Error::UnsupportedAlgorithm { alg: a }) => assert_eq!(a, alg),
                other => panic!("{json}: {other:?}"),
            }
        }
        let wrong = |member, expected| HeaderProblem::WrongType { member, expected };
        let missing_alg = HeaderProblem::Missing {
            member: "alg",
            alg: None,
        };
        for (json, problem) in [
            (r#"{"alg":"HS256","kid":5}"#, wrong("kid", JsonType::String)),
            (r#"{"alg":5}"#, wrong("alg", JsonType::String)),
            (
                r#"{"alg":"HS256","b64":"no"}"#,
                wrong("b64", JsonType::Bool),
            ),
            (
                r#"{"alg":"HS256","crit":["a",1]}"#,
                wrong("crit", JsonType::StringArray),
            ),
            (r#"{"kid":"a"}"#, missing_alg.clone()),
            ("{}", missing_alg.clone()),
        ] {
            match JwsHeader::from_json(json.as_bytes()) {
                Err(Error::InvalidHeader {
                    problem: p,
                    source: None,
                }) => assert_eq!(p, problem, "{json}"),
                other => panic!("{json}: {other:?}"),
            }
        }
        assert_eq!(
            JwsHeader::from_json(br#"{"alg":"HS256","kid":5}"#)
                .unwrap_err()
                .to_string(),
            r#"invalid JOSE header: member "kid" must be a string"#
        );
        for json in [
            &br#"{"alg":"HS256""#[..],
            br#"{"alg":"HS256"}x"#,
            br#"{"alg":"HS256",}"#,
            b"{\"alg\":\"HS256\",\"kid\":\"a\x01\"}",
            b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}",
            br#"{"alg":"HS256","x":"\ud800"}"#,
            br#"{"alg":"HS256","x":1e999}"#,
            b"[]",
            b"",
        ] {
            assert!(
                matches!(
                    JwsHeader::from_json(json),
                    Err(Error::Core(tessera_core::Error::Json { .. }))
                ),
                "{}",
                String::from_utf8_lossy(json)
            );
        }
    }
}
