//! Strict JSON: one serde_json pass that refuses repeated member names at any depth.
//!
//! RFC 7515 §5.2 and RFC 7519 §4 let a parser either reject duplicate member names or take the
//! last one; taking the last one is how "which `alg` did you check?" attacks start, so tessera
//! rejects them. Every value is read through `deserialize_any`, so every string is decoded (no
//! lone surrogates) and every number parsed (none out of range) even where nobody keeps it: a
//! document is valid I-JSON (RFC 7493) as a whole, not only in the members a caller reads.
//! `serde_json` bounds nesting depth (128), so hostile input cannot exhaust the stack.
//!
//! Visitors record what they refused in a recorder, and the caller turns that record into a
//! typed error: no error is ever recovered by reading serde's message text. (The visitors are
//! public for tessera's other crates, hidden from the documentation, and not a stable API.)
//!
//! ```
//! use tessera_core::{Error, json};
//!
//! let v = json::parse_object(br#"{"a":1,"b":{"c":[true]}}"#, "example")?;
//! assert_eq!(v["b"]["c"][0], true);
//! match json::parse_value(br#"{"a":1,"b":{"c":1,"c":2}}"#, "example") {
//!     Err(Error::DuplicateMember { member, .. }) => assert_eq!(member, "c"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), tessera_core::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Error;

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// Records the first fault a strict visitor found, so the caller can return a typed error; the
/// visitor hands serde an error of its own that stops the parse.
#[derive(Debug)]
pub struct Recorder<F> {
    first: Option<F>,
}

impl<F> Default for Recorder<F> {
    fn default() -> Self {
        Recorder { first: None }
    }
}

impl<F> Recorder<F> {
    /// An empty recorder.
    pub fn new() -> Self {
        Recorder::default()
    }

    /// Records `fault` (unless one is recorded already) and returns the serde error that stops
    /// the parse.
    pub fn fail<E: de::Error>(&mut self, fault: F) -> E
    where
        F: fmt::Display,
    {
        let e = E::custom(&fault);
        if self.first.is_none() {
            self.first = Some(fault);
        }
        e
    }

    /// Records `fault` (unless one is recorded already) for an error the caller returns itself.
    pub fn record(&mut self, fault: F) {
        if self.first.is_none() {
            self.first = Some(fault);
        }
    }

    /// The fault recorded, if any.
    pub fn take(&mut self) -> Option<F> {
        self.first.take()
    }
}

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// A member name repeated within one JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repeated(pub String);

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the member {:?} appears more than once", self.0)
    }
}

/// Parses a JSON object, rejecting repeated member names at every depth.
pub fn parse_object(bytes: &[u8], what: &'static str) -> Result<Map<String, Value>, Error> {
    match parse_value(bytes, what)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::Json {
            what,
            source: de::Error::custom("expected a JSON object"),
        }),
    }
}

/// Parses any JSON value, rejecting repeated member names at every depth.
pub fn parse_value(bytes: &[u8], what: &'static str) -> Result<Value, Error> {
    let mut rec = Recorder::<Repeated>::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = StrictSeed::new(&mut rec)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    res.map_err(|e| error(e, &mut rec, what))
}

/// Checks that a JSON document is well formed I-JSON and repeats no member name at any depth,
/// without building it.
pub fn check_duplicates(bytes: &[u8], what: &'static str) -> Result<(), Error> {
    let mut rec = Recorder::<Repeated>::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = StrictCheck::new(&mut rec)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    res.map_err(|e| error(e, &mut rec, what))
}

/// Deserializes `T` from a JSON document that [`check_duplicates`] accepts: the document is
/// checked strictly first (repeated names at any depth, I-JSON), then `T` reads it.
pub fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &'static str) -> Result<T, Error> {
    check_duplicates(bytes, what)?;
    serde_json::from_slice(bytes).map_err(|source| Error::Json { what, source })
}

/// The crate's error for a failed strict parse: the recorded repeat, or serde_json's error.
fn error(e: serde_json::Error, rec: &mut Recorder<Repeated>, what: &'static str) -> Error {
    match rec.take() {
        Some(Repeated(member)) => Error::DuplicateMember { what, member },
        None => Error::Json { what, source: e },
    }
}

/// Above this many members, repeat detection switches from a linear scan to a hash set, so a
/// hostile object with thousands of members costs O(n), not O(n²).
const LINEAR_MEMBERS: usize = 32;

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// The member names of one object seen so far.
#[derive(Debug, Default)]
pub struct SeenNames<'de> {
    seen: Vec<Cow<'de, str>>,
    index: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> SeenNames<'de> {
    /// Adds `name`; `false` when it was there already.
    pub fn insert(&mut self, name: Cow<'de, str>) -> bool {
        if let Some(index) = &mut self.index {
            return index.insert(name);
        }
        if self.seen.contains(&name) {
            return false;
        }
        if self.seen.capacity() == 0 {
            // Room for a typical claims set or header at once, rather than growing 4, 8, 16.
            self.seen.reserve(16);
        }
        self.seen.push(name);
        if self.seen.len() > LINEAR_MEMBERS {
            self.index = Some(self.seen.drain(..).collect());
        }
        true
    }

    /// Whether `name` was added.
    pub fn contains(&self, name: &str) -> bool {
        match &self.index {
            Some(index) => index.contains(name),
            None => self.seen.iter().any(|n| n == name),
        }
    }
}

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// A member name, borrowed from the document when it has no escapes.
#[derive(Clone, Copy, Debug)]
#[allow(clippy::exhaustive_structs)] // a seed value, nothing to add
pub struct MemberName;

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for MemberName {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// A `serde` seed that deserializes any JSON value, rejecting repeated member names at every
/// depth and recording the repeat in a [`Recorder`]. Use it inside custom deserializers with
/// `next_value_seed`; `F` is the caller's fault type.
#[derive(Debug)]
pub struct StrictSeed<'r, F> {
    rec: &'r mut Recorder<F>,
}

impl<'r, F: From<Repeated> + fmt::Display> StrictSeed<'r, F> {
    /// A seed that records a repeated member name in `rec`.
    pub fn new(rec: &'r mut Recorder<F>) -> Self {
        StrictSeed { rec }
    }
}

impl<'de, F: From<Repeated> + fmt::Display> DeserializeSeed<'de> for StrictSeed<'_, F> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: From<Repeated> + fmt::Display> Visitor<'de> for StrictSeed<'_, F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed {
            rec: &mut *self.rec,
        })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(self.rec.fail(Repeated(k).into()));
            }
            let v = map.next_value_seed(StrictSeed {
                rec: &mut *self.rec,
            })?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[doc(hidden)] // For tessera's own visitors; not part of the stable API.
/// Like [`StrictSeed`], but keeps nothing: it only checks a value (strings decoded, numbers
/// parsed, no member name repeated at any depth).
#[derive(Debug)]
pub struct StrictCheck<'r, F> {
    rec: &'r mut Recorder<F>,
}

impl<'r, F: From<Repeated> + fmt::Display> StrictCheck<'r, F> {
    /// A check that records a repeated member name in `rec`.
    pub fn new(rec: &'r mut Recorder<F>) -> Self {
        StrictCheck { rec }
    }
}

impl<'de, F: From<Repeated> + fmt::Display> DeserializeSeed<'de> for StrictCheck<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: From<Repeated> + fmt::Display> Visitor<'de> for StrictCheck<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(StrictCheck {
                rec: &mut *self.rec,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut names = SeenNames::default();
        while let Some(k) = map.next_key_seed(MemberName)? {
            if !names.insert(k.clone()) {
                return Err(self.rec.fail(Repeated(k.into_owned()).into()));
            }
            map.next_value_seed(StrictCheck {
                rec: &mut *self.rec,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_at_any_depth() {
        for (doc, member) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (r#"{"x":{"b":1,"b":1}}"#, "b"),
            (r#"[{"c":1,"c":1}]"#, "c"),
            (r#"{"\u0061":1,"a":2}"#, "a"),
        ] {
            match parse_value(doc.as_bytes(), "doc") {
                Err(Error::DuplicateMember { member: m, .. }) => assert_eq!(m, member),
                other => panic!("{doc}: {other:?}"),
            }
            match check_duplicates(doc.as_bytes(), "doc") {
                Err(Error::DuplicateMember { member: m, .. }) => assert_eq!(m, member),
                other => panic!("{doc}: {other:?}"),
            }
        }
        assert!(parse_object(br#"{"a":1,"b":[1,{"a":2}]}"#, "doc").is_ok());
        assert!(check_duplicates(br#"{"a":1,"b":[1,{"a":2}]}"#, "doc").is_ok());
    }

    #[test]
    fn the_whole_document_must_be_i_json() {
        // Nobody reads these members, and they are still refused.
        for doc in [
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00x"}"#,
            r#"{"a":[1e400]}"#,
            r#"{"a":-1e400}"#,
            "{\"a\":\"\u{1}\"}",
        ] {
            assert!(
                matches!(
                    check_duplicates(doc.as_bytes(), "doc"),
                    Err(Error::Json { .. })
                ),
                "{doc}"
            );
            assert!(parse_value(doc.as_bytes(), "doc").is_err(), "{doc}");
        }
        assert!(check_duplicates(br#"{"a":"\ud83d\ude00","b":1e300}"#, "doc").is_ok());
        assert!(check_duplicates(b"{\"a\":\"\xff\"}", "doc").is_err());
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_deep_nesting() {
        assert!(matches!(
            parse_object(b"[]", "doc"),
            Err(Error::Json { .. })
        ));
        assert!(matches!(
            parse_object(b"{} x", "doc"),
            Err(Error::Json { .. })
        ));
        let deep = "[".repeat(100_000);
        assert!(parse_value(deep.as_bytes(), "doc").is_err());
        assert!(check_duplicates(deep.as_bytes(), "doc").is_err());
    }

    /// An object of about `size` bytes with thousands of members: `{"m0":0,"m1":0,…}`,
    /// optionally ending with a repeat of the first name.
    fn many_members(size: usize, repeat: bool) -> String {
        let mut doc = String::from("{");
        let mut i = 0;
        while doc.len() < size {
            doc.push_str(&format!("\"m{i}\":0,"));
            i += 1;
        }
        doc.push_str(if repeat { "\"m0\":1}" } else { "\"end\":1}" });
        doc
    }

    #[test]
    fn many_members_are_checked_by_hash() {
        // A token-sized (16 KiB, ~1800 members) hostile object, at the top level and nested.
        let dup = many_members(16 * 1024, true);
        assert!(dup.matches(':').count() > 1500);
        let nested = format!("{{\"x\":[{dup}]}}");
        for doc in [&dup, &nested] {
            match check_duplicates(doc.as_bytes(), "doc") {
                Err(Error::DuplicateMember { member, .. }) => assert_eq!(member, "m0"),
                other => panic!("{other:?}"),
            }
            assert!(matches!(
                parse_value(doc.as_bytes(), "doc"),
                Err(Error::DuplicateMember { .. })
            ));
        }
        // Past the linear threshold the names live in a hash set (a quadratic scan of a
        // 512 KiB document would make over a billion comparisons).
        let mut names = SeenNames::default();
        for i in 0..=LINEAR_MEMBERS {
            assert!(names.insert(Cow::Owned(format!("m{i}"))));
        }
        assert!(names.index.is_some() && names.seen.is_empty());
        assert!(!names.insert(Cow::Borrowed("m0")));
        assert!(names.contains("m7") && !names.contains("m99"));
        let big = many_members(512 * 1024, false);
        assert!(check_duplicates(big.as_bytes(), "doc").is_ok());
    }

    #[test]
    fn derived_types_see_the_strict_check_first() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        match from_slice::<S>(br#"{"a":1,"a":2}"#, "s") {
            Err(Error::DuplicateMember { member, .. }) => assert_eq!(member, "a"),
            other => panic!("{other:?}"),
        }
        match from_slice::<S>(br#"{"a":1,"b":{"c":1,"c":1}}"#, "s") {
            Err(Error::DuplicateMember { member, .. }) => assert_eq!(member, "c"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            from_slice::<S>(br#"{"b":1}"#, "s"),
            Err(Error::Json { what: "s", .. })
        ));
    }
}
