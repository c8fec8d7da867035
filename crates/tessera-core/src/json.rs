//! Strict JSON: parsing that refuses repeated member names at any depth.
//!
//! RFC 7515 §5.2 and RFC 7519 §4 let a parser either reject duplicate member names or take the
//! last one; taking the last one is how "which `alg` did you check?" attacks start, so tessera
//! rejects them. `serde_json` already bounds nesting depth (128), so hostile input cannot
//! exhaust the stack.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Error;

pub mod flat;

const DUP_MARK: &str = "tessera-duplicate-member:";

/// The length of the longest prefix of `b` that may appear in a JSON string as it is: no `"`,
/// no `\` and no control character (scanned a word at a time). A string whose body is such a
/// prefix followed by `"` needs no unescaping.
///
/// ```
/// use tessera_core::json::unescaped_len;
///
/// assert_eq!(unescaped_len(br#"kid-2026","typ":"JWT"}"#), 8);
/// assert_eq!(unescaped_len(br#"a\u0062""#), 1);
/// assert_eq!(unescaped_len(b"plain to the end"), 16);
/// ```
#[inline]
pub fn unescaped_len(b: &[u8]) -> usize {
    flat::plain_run(b)
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
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = StrictSeed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| map_error(e, what))?;
    Ok(v)
}

/// Checks that a JSON document is well formed and repeats no member name at any depth,
/// without building it.
pub fn check_duplicates(bytes: &[u8], what: &'static str) -> Result<(), Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    DupCheck
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| map_error(e, what))
}

/// Deserializes `T` from JSON, mapping serde's "duplicate field" to [`Error::DuplicateMember`].
///
/// Members `T` does not name are not checked for repetition; call [`check_duplicates`] as well
/// where that matters.
pub fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &'static str) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| map_error(e, what))
}

/// Converts a `serde_json` error into the crate's error, recognising repeated members.
pub fn map_error(e: serde_json::Error, what: &'static str) -> Error {
    if e.is_data() || e.is_syntax() {
        let msg = e.to_string();
        let member = if let Some(rest) = msg.strip_prefix(DUP_MARK) {
            Some(rest.rsplit_once(" at line ").map_or(rest, |(m, _)| m))
        } else if let Some(rest) = msg.strip_prefix("duplicate field `") {
            rest.split_once('`').map(|(m, _)| m)
        } else {
            None
        };
        if let Some(member) = member {
            return Error::DuplicateMember {
                what,
                member: member.to_owned(),
            };
        }
    }
    Error::Json { what, source: e }
}

/// The error a custom deserializer should raise for a repeated member, so that [`map_error`]
/// turns it into [`Error::DuplicateMember`].
pub fn duplicate_member<E: de::Error>(member: &str) -> E {
    E::custom(format_args!("{DUP_MARK}{member}"))
}

/// A `serde` seed that deserializes any JSON value, rejecting repeated member names at every
/// depth. Use it inside custom deserializers with `next_value_seed(StrictSeed)`.
#[derive(Clone, Copy, Debug)]
pub struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed {
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
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(duplicate_member(&k));
            }
            let v = map.next_value_seed(StrictSeed)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// Above this many members, repeat detection switches from a linear scan to a hash set.
const LINEAR_MEMBERS: usize = 32;

struct DupCheck;

impl<'de> DeserializeSeed<'de> for DupCheck {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DupCheck {
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
        while seq.next_element_seed(DupCheck)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // A linear scan for the usual handful of members; a hash set once there are many, so
        // a hostile object with thousands of members costs O(n), not O(n²).
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        let mut index: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            let repeated = match &mut index {
                Some(index) => !index.insert(k.clone()),
                None => seen.contains(&k),
            };
            if repeated {
                return Err(duplicate_member(&k));
            }
            map.next_value_seed(DupCheck)?;
            if index.is_none() {
                seen.push(k);
                if seen.len() > LINEAR_MEMBERS {
                    index = Some(seen.drain(..).collect());
                }
            }
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
            assert!(matches!(
                check_duplicates(doc.as_bytes(), "doc"),
                Err(Error::DuplicateMember { .. })
            ));
        }
        assert!(parse_object(br#"{"a":1,"b":[1,{"a":2}]}"#, "doc").is_ok());
        assert!(check_duplicates(br#"{"a":1,"b":[1,{"a":2}]}"#, "doc").is_ok());
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
    fn many_members_are_checked_without_quadratic_cost() {
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
        // A document-sized one (512 KiB, ~50 000 members): a quadratic scan would make over a
        // billion comparisons (tens of seconds); hashed, it takes milliseconds.
        let big = many_members(512 * 1024, false);
        let big_dup = many_members(512 * 1024, true);
        let t = std::time::Instant::now();
        assert!(check_duplicates(big.as_bytes(), "doc").is_ok());
        assert!(matches!(
            check_duplicates(big_dup.as_bytes(), "doc"),
            Err(Error::DuplicateMember { .. })
        ));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn derived_duplicate_field_is_mapped() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        match from_slice::<S>(br#"{"a":1,"a":2}"#, "s") {
            Err(Error::DuplicateMember { member, .. }) => assert_eq!(member, "a"),
            other => panic!("{other:?}"),
        }
    }
}
