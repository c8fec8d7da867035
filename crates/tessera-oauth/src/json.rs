//! One strict serde pass over a protocol document: the members a type knows are read into their
//! types as they are met, every other member is kept as JSON, a repeated member name (at any
//! depth) is refused, and a wrong-typed member is recorded as which member and what it must be
//! (no error is recovered from serde's message text).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use tessera_core::json::{MemberName, Recorder, Repeated, SeenNames, StrictSeed};

use crate::Error;
use crate::error::ResponseProblem;

/// What a pass refused.
#[derive(Debug)]
pub(crate) enum Fault {
    Repeated(String),
    Invalid {
        member: &'static str,
        expected: &'static str,
    },
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
            Fault::Invalid { member, expected } => write!(f, "{member:?} must be {expected}"),
        }
    }
}

/// A document type read member by member.
pub(crate) trait Members<'de> {
    /// Reads `name`'s value from `map` if it is one of this type's members (returning `true`);
    /// `false` leaves the value to be kept as an extra member.
    fn member<A: MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
        rec: &mut Recorder<Fault>,
    ) -> Result<bool, A::Error>;
}

/// Reads one JSON object from `bytes` into `members`, returning the other members.
pub(crate) fn read_object<'de, M: Members<'de>>(
    bytes: &'de [u8],
    what: &'static str,
    members: &mut M,
) -> Result<Map<String, Value>, Error> {
    let mut rec = Recorder::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let res = ObjectSeed {
        members,
        rec: &mut rec,
    }
    .deserialize(&mut de)
    .and_then(|extra| de.end().map(|()| extra));
    res.map_err(|source| match rec.take() {
        Some(Fault::Repeated(member)) => {
            Error::Core(tessera_core::Error::DuplicateMember { what, member })
        }
        Some(Fault::Invalid { member, expected }) => Error::InvalidResponse {
            what,
            problem: ResponseProblem::Invalid { member, expected },
        },
        None => Error::Core(tessera_core::Error::Json { what, source }),
    })
}

/// The seed that reads the object: names checked for repeats, known members typed, the rest
/// kept (themselves checked strictly).
pub(crate) struct ObjectSeed<'m, 'r, M> {
    pub(crate) members: &'m mut M,
    pub(crate) rec: &'r mut Recorder<Fault>,
}

impl<'de, M: Members<'de>> DeserializeSeed<'de> for ObjectSeed<'_, '_, M> {
    type Value = Map<String, Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Members<'de>> Visitor<'de> for ObjectSeed<'_, '_, M> {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = SeenNames::default();
        let mut extra = Map::new();
        while let Some(name) = map.next_key_seed(MemberName)? {
            if !seen.insert(name.clone()) {
                return Err(self.rec.fail(Fault::Repeated(name.into_owned())));
            }
            if !self.members.member(&name, &mut map, self.rec)? {
                let v = map.next_value_seed(StrictSeed::new(self.rec))?;
                extra.insert(name.into_owned(), v);
            }
        }
        Ok(extra)
    }
}

/// A string member (`null` is absent).
pub(crate) struct Str<'r> {
    pub(crate) member: &'static str,
    pub(crate) rec: &'r mut Recorder<Fault>,
}

impl<'de> DeserializeSeed<'de> for Str<'_> {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Str<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<Self::Value, S::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}

impl Str<'_> {
    fn wrong<E: de::Error>(self) -> E {
        self.rec.fail(Fault::Invalid {
            member: self.member,
            expected: "a string",
        })
    }
}

/// A non-negative integer member; with `strings`, also a string of 1 to 19 decimal digits
/// (`null` is absent).
pub(crate) struct Uint<'r> {
    pub(crate) member: &'static str,
    pub(crate) strings: bool,
    pub(crate) rec: &'r mut Recorder<Fault>,
}

impl<'de> DeserializeSeed<'de> for Uint<'_> {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Uint<'_> {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.strings && (1..=19).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
            v.parse().map(Some).map_err(|_| self.wrong())
        } else {
            Err(self.wrong())
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.wrong())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<Self::Value, S::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}

impl Uint<'_> {
    fn wrong<E: de::Error>(self) -> E {
        self.rec.fail(Fault::Invalid {
            member: self.member,
            expected: "a non-negative integer",
        })
    }
}

/// Refuses every JSON type but the ones a visitor overrides, recording `member` and
/// `expected`.
macro_rules! refuse_others {
    ($($visit:ident($($ty:ty),*)),* $(,)?) => {
        $(
            fn $visit<E: de::Error>(self, $(_: $ty),*) -> Result<Self::Value, E> {
                Err(self.wrong())
            }
        )*
    };
}

/// A boolean member (`null` is absent).
pub(crate) struct Bool<'r> {
    pub(crate) member: &'static str,
    pub(crate) rec: &'r mut Recorder<Fault>,
}

impl Bool<'_> {
    fn wrong<E: de::Error>(self) -> E {
        self.rec.fail(Fault::Invalid {
            member: self.member,
            expected: "a boolean",
        })
    }
}

impl<'de> DeserializeSeed<'de> for Bool<'_> {
    type Value = Option<bool>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bool<'_> {
    type Value = Option<bool>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    refuse_others!(
        visit_u64(u64),
        visit_i64(i64),
        visit_f64(f64),
        visit_str(&str)
    );
    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<Self::Value, S::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}

/// An array of strings (`null` is absent).
pub(crate) struct Strings<'r> {
    pub(crate) member: &'static str,
    pub(crate) rec: &'r mut Recorder<Fault>,
}

impl Strings<'_> {
    fn wrong<E: de::Error>(self) -> E {
        self.rec.fail(Fault::Invalid {
            member: self.member,
            expected: "an array of strings",
        })
    }
}

impl<'de> DeserializeSeed<'de> for Strings<'_> {
    type Value = Option<Vec<String>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_> {
    type Value = Option<Vec<String>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(s) = seq.next_element_seed(Element {
            member: self.member,
            rec: &mut *self.rec,
        })? {
            out.push(s);
        }
        Ok(Some(out))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    refuse_others!(
        visit_bool(bool),
        visit_u64(u64),
        visit_i64(i64),
        visit_f64(f64),
        visit_str(&str)
    );
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}

/// One element of an array of strings.
struct Element<'r> {
    member: &'static str,
    rec: &'r mut Recorder<Fault>,
}

impl Element<'_> {
    fn wrong<E: de::Error>(self) -> E {
        self.rec.fail(Fault::Invalid {
            member: self.member,
            expected: "an array of strings",
        })
    }
}

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(v)
    }
    refuse_others!(
        visit_bool(bool),
        visit_u64(u64),
        visit_i64(i64),
        visit_f64(f64),
        visit_unit()
    );
    fn visit_seq<S: SeqAccess<'de>>(self, _: S) -> Result<Self::Value, S::Error> {
        Err(self.wrong())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong())
    }
}
