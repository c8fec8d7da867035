use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::Error;
use crate::alg::JwsAlgorithm;
use crate::header::{JWS_REGISTERED, check_crit};

/// A JWS header: the protected header of a compact JWS, or the union of the protected and
/// unprotected headers of one signature in the JSON serialization.
///
/// `jku`, `x5u`, `jwk` and `x5c` are kept for inspection but never used to find or trust a key.
#[derive(Clone, Debug, PartialEq)]
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

    /// Parses a header from JSON bytes, strictly: repeated members, wrong member types and
    /// unknown algorithms are errors. `crit` is not checked here; see [`JwsHeader::check_crit`].
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        if let Some(h) = fast::parse(json) {
            return Ok(h);
        }
        tessera_core::json::from_slice::<JwsHeader>(json, "JWS header")
            .map_err(|e| header_error(e.into()))
    }

    /// Builds a header from a parsed JSON object.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, Error> {
        JwsHeader::deserialize_from(Value::Object(map))
            .map_err(|e| header_error(tessera_core::json::map_error(e, "JWS header").into()))
    }

    fn deserialize_from(v: Value) -> Result<Self, serde_json::Error> {
        serde::Deserialize::deserialize(v)
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
            return Err(Error::Crit {
                reason: "\"b64\" must be listed in \"crit\"".into(),
            });
        }
        Ok(())
    }

    /// The header as compact JSON (`alg` first).
    pub fn to_json(&self) -> String {
        // Serialising plain strings, booleans and JSON values cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The fast path for the usual header: a compact, flat object of plain strings.
///
/// It accepts a strict subset of what the full parser accepts and yields the same header for
/// it: `{"name":"value",…}` with no whitespace, only the string-valued registered parameters
/// (`alg`, `typ`, `kid`, `cty`, `jku`, `x5u`, `x5t`, `x5t#S256`), each at most once, no escape
/// sequences or control characters, and a supported `alg`. Anything else — including every
/// error — returns `None` and goes to the full parser, which has the last word.
pub(super) mod fast {
    use super::JwsHeader;
    use crate::alg::JwsAlgorithm;

    /// The plain string whose opening quote is at `s[i]`: its text and the index after the
    /// closing quote. Quotes are ASCII, so the slice is on character boundaries.
    fn string(s: &str, i: usize) -> Option<(&str, usize)> {
        let b = s.as_bytes();
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let body = b.get(i + 1..)?;
        let len = tessera_core::json::unescaped_len(body);
        if body.get(len) != Some(&b'"') {
            return None;
        }
        Some((s.get(i + 1..i + 1 + len)?, i + len + 2))
    }

    /// The header's parameters, borrowed from its JSON.
    #[derive(Clone, Copy, Debug, Default)]
    pub(crate) struct View<'h> {
        alg: Option<JwsAlgorithm>,
        pub(crate) kid: Option<&'h str>,
        pub(crate) typ: Option<&'h str>,
        cty: Option<&'h str>,
        jku: Option<&'h str>,
        x5u: Option<&'h str>,
        x5t: Option<&'h str>,
        x5t_s256: Option<&'h str>,
    }

    impl View<'_> {
        fn to_header(self, alg: JwsAlgorithm) -> JwsHeader {
            let own = |v: Option<&str>| v.map(str::to_owned);
            JwsHeader {
                kid: own(self.kid),
                typ: own(self.typ),
                cty: own(self.cty),
                jku: own(self.jku),
                x5u: own(self.x5u),
                x5t: own(self.x5t),
                x5t_s256: own(self.x5t_s256),
                ..JwsHeader::new(alg)
            }
        }
    }

    /// The header's parameters and its algorithm, borrowed, when `json` is in the fast subset.
    pub(crate) fn view(json: &[u8]) -> Option<(JwsAlgorithm, View<'_>)> {
        let s = std::str::from_utf8(json).ok()?;
        if json.first() != Some(&b'{') {
            return None;
        }
        let mut v = View::default();
        let mut i = 1;
        loop {
            // Every name of the subset is `"abc":` (six bytes) but `"x5t#S256":`.
            let (name, next): (&[u8], usize) = match json.get(i..i + 6) {
                Some([b'"', name @ .., b'"', b':']) => (name, i + 6),
                _ if json.get(i..i + 11) == Some(b"\"x5t#S256\":") => (b"x5t#S256", i + 11),
                _ => return None,
            };
            let (value, next) = string(s, next)?;
            if name == b"alg" {
                if v.alg.is_some() {
                    return None;
                }
                v.alg = Some(value.parse::<JwsAlgorithm>().ok()?);
            } else {
                let slot = match name {
                    b"typ" => &mut v.typ,
                    b"kid" => &mut v.kid,
                    b"cty" => &mut v.cty,
                    b"jku" => &mut v.jku,
                    b"x5u" => &mut v.x5u,
                    b"x5t" => &mut v.x5t,
                    b"x5t#S256" => &mut v.x5t_s256,
                    _ => return None,
                };
                if slot.replace(value).is_some() {
                    return None;
                }
            }
            match json.get(next) {
                Some(b',') => i = next + 1,
                Some(b'}') if next + 1 == json.len() => break,
                _ => return None,
            }
        }
        Some((v.alg?, v))
    }

    pub(super) fn parse(json: &[u8]) -> Option<JwsHeader> {
        view(json).map(|(alg, v)| v.to_header(alg))
    }
}

fn header_error(e: Error) -> Error {
    match e {
        Error::Core(tessera_core::Error::Json { source, .. }) => {
            let msg = source.to_string();
            if let Some(alg) = msg
                .strip_prefix(UNSUPPORTED_MARK)
                .map(|r| r.rsplit_once(" at line ").map_or(r, |(a, _)| a))
            {
                Error::UnsupportedAlgorithm {
                    alg: alg.to_owned(),
                }
            } else {
                Error::InvalidHeader { reason: msg }
            }
        }
        other => other,
    }
}

const UNSUPPORTED_MARK: &str = "tessera-unsupported-alg:";

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

impl<'de> serde::Deserialize<'de> for JwsHeader {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = JwsHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWS header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JwsHeader, A::Error> {
        let mut alg: Option<JwsAlgorithm> = None;
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        let mut seen_b64 = false;
        while let Some(key) = map.next_key::<Key>()? {
            macro_rules! set {
                ($field:expr, $ty:ty, $name:literal) => {{
                    if $field.is_some() {
                        return Err(tessera_core::json::duplicate_member($name));
                    }
                    $field =
                        Some(map.next_value::<$ty>().map_err(|e| {
                            de::Error::custom(format_args!("member {:?}: {e}", $name))
                        })?);
                }};
            }
            match key {
                Key::Alg => {
                    if alg.is_some() {
                        return Err(tessera_core::json::duplicate_member("alg"));
                    }
                    let s: Cow<'de, str> = map
                        .next_value()
                        .map_err(|e| de::Error::custom(format_args!("member \"alg\": {e}")))?;
                    alg =
                        Some(s.parse().map_err(|_| {
                            de::Error::custom(format_args!("{UNSUPPORTED_MARK}{s}"))
                        })?);
                }
                Key::Kid => set!(h.kid, String, "kid"),
                Key::Typ => set!(h.typ, String, "typ"),
                Key::Cty => set!(h.cty, String, "cty"),
                Key::B64 => {
                    if seen_b64 {
                        return Err(tessera_core::json::duplicate_member("b64"));
                    }
                    seen_b64 = true;
                    h.b64 = Some(
                        map.next_value::<bool>()
                            .map_err(|e| de::Error::custom(format_args!("member \"b64\": {e}")))?,
                    );
                }
                Key::Crit => set!(h.crit, Vec<String>, "crit"),
                Key::Jku => set!(h.jku, String, "jku"),
                Key::X5u => set!(h.x5u, String, "x5u"),
                Key::Jwk => {
                    if h.jwk.is_some() {
                        return Err(tessera_core::json::duplicate_member("jwk"));
                    }
                    h.jwk = Some(map.next_value_seed(tessera_core::json::StrictSeed)?);
                }
                Key::X5c => set!(h.x5c, Vec<String>, "x5c"),
                Key::X5t => set!(h.x5t, String, "x5t"),
                Key::X5tS256 => set!(h.x5t_s256, String, "x5t#S256"),
                Key::Other(other) => {
                    if h.other.contains_key(&other) {
                        return Err(tessera_core::json::duplicate_member(&other));
                    }
                    let v: Value = map.next_value_seed(tessera_core::json::StrictSeed)?;
                    h.other.insert(other, v);
                }
            }
        }
        h.alg = alg.ok_or_else(|| de::Error::custom("missing member \"alg\""))?;
        Ok(h)
    }
}

enum Key {
    Alg,
    Kid,
    Typ,
    Cty,
    B64,
    Crit,
    Jku,
    X5u,
    Jwk,
    X5c,
    X5t,
    X5tS256,
    Other(String),
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header parameter name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "alg" => Key::Alg,
                    "kid" => Key::Kid,
                    "typ" => Key::Typ,
                    "cty" => Key::Cty,
                    "b64" => Key::B64,
                    "crit" => Key::Crit,
                    "jku" => Key::Jku,
                    "x5u" => Key::X5u,
                    "jwk" => Key::Jwk,
                    "x5c" => Key::X5c,
                    "x5t" => Key::X5t,
                    "x5t#S256" => Key::X5tS256,
                    other => Key::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(json: &str) -> Result<JwsHeader, Error> {
        tessera_core::json::from_slice::<JwsHeader>(json.as_bytes(), "JWS header")
            .map_err(|e| header_error(e.into()))
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        for json in [
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"ES256","typ":"JWT","kid":"2026-11-signing-key-01"}"#,
            r#"{"typ":"at+jwt","alg":"RS256","kid":"k","cty":"JWT"}"#,
            r#"{"alg":"EdDSA","jku":"https://x/jwks","x5u":"https://x/c","x5t":"a","x5t#S256":"b"}"#,
            r#"{"alg":"PS256","kid":"ünïcödé"}"#,
            r#"{"alg":"HS256","kid":""}"#,
        ] {
            let fast = fast::parse(json.as_bytes()).expect(json);
            assert_eq!(fast, full(json).unwrap(), "{json}");
            assert_eq!(JwsHeader::from_json(json.as_bytes()).unwrap(), fast);
        }
    }

    #[test]
    fn fast_path_leaves_everything_else_to_the_full_parser() {
        for (json, ok) in [
            // Valid, but outside the fast subset.
            (r#"{ "alg":"HS256"}"#, true),
            (r#"{"alg":"HS256","kid":"a\u0062"}"#, true),
            (r#"{"alg":"HS256","kid":"a\"b"}"#, true),
            (r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, true),
            (r#"{"alg":"HS256","ext":"x"}"#, true),
            (r#"{"alg":"HS256","x5#":"a"}"#, true),
            (r#"{"alg":"HS256","x5t#S25":"a"}"#, true),
            (r#"{"alg":"HS256","x5t#S2566":"a"}"#, true),
            (r#"{"a":":","alg":"HS256"}"#, true),
            (r#"{"alg":"HS256","ki":"a"}"#, true),
            (r#"{"alg":"HS256","kidd":"a"}"#, true),
            (r#"{"alg":"HS256","jwk":{"kty":"oct"}}"#, true),
            (r#"{"alg":"HS256"} "#, true),
            // Errors: the full parser reports them.
            (r#"{"alg":"HS256","alg":"none"}"#, false),
            (r#"{"alg":"HS256","kid":"a","kid":"b"}"#, false),
            (r#"{"alg":"none"}"#, false),
            (r#"{"alg":"HS256","kid":5}"#, false),
            (r#"{"kid":"a"}"#, false),
            (r#"{"alg":"HS256""#, false),
            (r#"{"alg":"HS256"}x"#, false),
            (r#"{"alg":"HS256",}"#, false),
            ("{\"alg\":\"HS256\",\"kid\":\"a\u{1}\"}", false),
            ("{}", false),
            ("", false),
        ] {
            assert!(fast::parse(json.as_bytes()).is_none(), "{json}");
            assert_eq!(JwsHeader::from_json(json.as_bytes()).is_ok(), ok, "{json}");
        }
        assert!(fast::parse(b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}").is_none());
        assert!(JwsHeader::from_json(b"{\"alg\":\"HS256\",\"kid\":\"\xff\"}").is_err());
        assert!(matches!(
            JwsHeader::from_json(br#"{"alg":"HS256","kid":"a","kid":"b"}"#),
            Err(Error::Core(tessera_core::Error::DuplicateMember { .. }))
        ));
        assert!(matches!(
            JwsHeader::from_json(br#"{"alg":"XS999"}"#),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }
}
