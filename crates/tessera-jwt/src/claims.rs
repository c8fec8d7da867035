//! Claims: the registered claims of RFC 7519 §4.1, checked and kept by tessera, plus the
//! application's own serde type, which sees the whole claims set.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tessera_core::UnixTime;
use tessera_core::json::{MemberName, Recorder, SeenNames, StrictCheck};

use crate::Error;

/// The `aud` claim: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums)] // RFC 7519 §4.1.3: one string or an array, nothing else
pub enum Audience<'a> {
    /// `"aud": "x"`.
    One(Cow<'a, str>),
    /// `"aud": ["x", "y"]`.
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Audience<'a> {
    /// Every audience value.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let (one, many): (Option<&str>, &[Cow<'a, str>]) = match self {
            Audience::One(a) => (Some(a), &[]),
            Audience::Many(v) => (None, v),
        };
        one.into_iter().chain(many.iter().map(|c| c.as_ref()))
    }

    /// Whether `aud` is one of the values.
    pub fn contains(&self, aud: &str) -> bool {
        self.iter().any(|a| a == aud)
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Audience<'static> {
        match self {
            Audience::One(a) => Audience::One(Cow::Owned(a.into_owned())),
            Audience::Many(v) => {
                Audience::Many(v.into_iter().map(|a| Cow::Owned(a.into_owned())).collect())
            }
        }
    }
}

/// The registered claims (RFC 7519 §4.1). Strings borrow from the decoded payload when they
/// contain no escapes.
///
/// Each is `None` when absent; a present claim of the wrong JSON type fails parsing with
/// [`Error::InvalidClaimType`]. `NumericDate` values may be fractional (RFC 7519 §2); they are
/// rounded down to whole seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(clippy::exhaustive_structs)] // the seven claims of RFC 7519 §4.1, a closed set
pub struct RegisteredClaims<'a> {
    /// `iss`: the issuer.
    pub iss: Option<Cow<'a, str>>,
    /// `sub`: the subject.
    pub sub: Option<Cow<'a, str>>,
    /// `aud`: the audience.
    pub aud: Option<Audience<'a>>,
    /// `exp`: the expiration time.
    pub exp: Option<UnixTime>,
    /// `nbf`: the time before which the token must not be accepted.
    pub nbf: Option<UnixTime>,
    /// `iat`: the time the token was issued.
    pub iat: Option<UnixTime>,
    /// `jti`: the token's unique identifier.
    pub jti: Option<Cow<'a, str>>,
}

impl RegisteredClaims<'_> {
    /// A copy that borrows nothing.
    pub fn into_owned(self) -> RegisteredClaims<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        RegisteredClaims {
            iss: own(self.iss),
            sub: own(self.sub),
            aud: self.aud.map(Audience::into_owned),
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            jti: own(self.jti),
        }
    }

    /// Whether the registered claim `name` is present. `false` for names that are not
    /// registered claims.
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "iss" => self.iss.is_some(),
            "sub" => self.sub.is_some(),
            "aud" => self.aud.is_some(),
            "exp" => self.exp.is_some(),
            "nbf" => self.nbf.is_some(),
            "iat" => self.iat.is_some(),
            "jti" => self.jti.is_some(),
            _ => false,
        }
    }
}

/// The claims of a JWT: the registered claims and the application's own type `T`.
///
/// The seven registered claims (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`) are
/// type-checked and kept in [`Claims::registered`]; `T` is deserialized from the whole claims
/// set, registered claims included, so the usual `struct Claims { sub: String, exp: u64, … }`
/// works as written, as does `#[serde(deny_unknown_fields)]`. Use `()` when the registered
/// claims are all you need, or `serde_json::Map<String, Value>` to keep every member as JSON.
/// `T` may borrow (`&'a str`, `Cow<'a, str>`) from the decoded payload when verified with
/// [`Policy::verify_borrowed`](crate::Policy::verify_borrowed).
///
/// Whatever `T` reads, the whole claims set must be a strict I-JSON object: no member name
/// repeated at any depth, every string valid Unicode, every number in range.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims<'a, T> {
    /// The registered claims.
    pub registered: RegisteredClaims<'a>,
    /// The other claims.
    pub custom: T,
}

impl<'a, T> Claims<'a, T> {
    /// `iss`.
    pub fn iss(&self) -> Option<&str> {
        self.registered.iss.as_deref()
    }
    /// `sub`.
    pub fn sub(&self) -> Option<&str> {
        self.registered.sub.as_deref()
    }
    /// `aud`.
    pub fn aud(&self) -> Option<&Audience<'a>> {
        self.registered.aud.as_ref()
    }
    /// `exp`.
    pub fn exp(&self) -> Option<UnixTime> {
        self.registered.exp
    }
    /// `nbf`.
    pub fn nbf(&self) -> Option<UnixTime> {
        self.registered.nbf
    }
    /// `iat`.
    pub fn iat(&self) -> Option<UnixTime> {
        self.registered.iat
    }
    /// `jti`.
    pub fn jti(&self) -> Option<&str> {
        self.registered.jti.as_deref()
    }

    /// Parses a claims set obtained some other way (e.g. decrypted from a JWE that is not
    /// nested), with the same strictness as verification: registered claims type-checked,
    /// repeated members refused, the whole set I-JSON. Nothing is validated — no times, issuer or
    /// audience; see [`Policy`](crate::Policy) for that.
    pub fn from_json(json: &'a [u8]) -> Result<Self, Error>
    where
        T: Deserialize<'a>,
    {
        parse::<T>(json).map(|p| p.claims)
    }

    /// A copy whose registered claims borrow nothing (`T` is moved as is).
    pub fn into_owned(self) -> Claims<'static, T> {
        Claims {
            registered: self.registered.into_owned(),
            custom: self.custom,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing: two passes of serde_json over the same text.
//
// 1. tessera's pass reads every member: the registered claims into `RegisteredClaims` (their
//    JSON types checked), every other value checked strictly (no repeated member names at any
//    depth, strings and numbers valid), and the top-level names kept for required-claim checks.
// 2. `T`'s pass reads the same object through a thin proxy that remembers which member `T` is
//    reading and catches `missing_field`, so `T`'s errors are typed without reading serde's
//    messages. For `T = ()` the pass only skips the object.

/// The names of the registered claims.
pub(crate) const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

const WHAT: &str = "JWT claims";

/// What a pass refused, recorded by the visitors so that the error is typed.
#[derive(Debug)]
enum Fault {
    /// A member name repeated (at the top level or nested).
    Repeated(String),
    /// A registered claim of the wrong JSON type.
    WrongType {
        claim: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    /// A registered NumericDate out of range.
    Invalid {
        claim: &'static str,
        value: String,
        expected: &'static str,
    },
    /// `T` requires a member that is absent.
    Missing(&'static str),
    /// `T` refuses a member it does not know (`deny_unknown_fields`).
    Unknown(String),
    /// `T` refused the value of this member (the parser's error says how).
    InMember(String),
    /// `T` refused the claims set with a message of its own.
    Custom {
        member: Option<String>,
        message: String,
    },
}

impl From<tessera_core::json::Repeated> for Fault {
    fn from(r: tessera_core::json::Repeated) -> Self {
        Fault::Repeated(r.0)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Repeated(m) => write!(f, "the member {m:?} appears more than once"),
            Fault::WrongType {
                claim, expected, ..
            } => write!(f, "{claim:?} must be {expected}"),
            Fault::Invalid { claim, value, .. } => write!(f, "{claim:?} is {value}"),
            Fault::Missing(m) => write!(f, "missing member {m:?}"),
            Fault::Unknown(m) => write!(f, "unknown member {m:?}"),
            Fault::InMember(m) => write!(f, "member {m:?} does not fit"),
            Fault::Custom { message, .. } => f.write_str(message),
        }
    }
}

impl Fault {
    /// The crate's error for this fault; `source` is the parser's error that stopped the pass.
    fn into_error(self, source: serde_json::Error) -> Error {
        match self {
            Fault::Repeated(claim) => Error::DuplicateClaim { claim },
            Fault::WrongType {
                claim,
                expected,
                found,
            } => Error::InvalidClaimType {
                claim: claim.to_owned(),
                expected,
                found,
            },
            Fault::Invalid {
                claim,
                value,
                expected,
            } => Error::InvalidClaim {
                claim: claim.to_owned(),
                value,
                expected,
            },
            Fault::Missing(claim) => Error::MissingClaim {
                claim: claim.to_owned(),
            },
            Fault::Unknown(claim) => Error::UnexpectedClaim { claim },
            Fault::InMember(claim) => Error::CustomClaims {
                claim: Some(claim),
                source,
            },
            Fault::Custom { member, .. } => Error::CustomClaims {
                claim: member,
                source,
            },
        }
    }
}

/// A parsed claims set and the top-level member names it had.
#[derive(Debug)]
pub(crate) struct Parsed<'de, T> {
    pub(crate) claims: Claims<'de, T>,
    names: SeenNames<'de>,
}

impl<T> Parsed<'_, T> {
    /// Whether the claims set has a member `name` (registered or not).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.names.contains(name)
    }
}

/// Parses a claims set: the registered claims type-checked into [`RegisteredClaims`], `T` from
/// the whole object, repeated member names refused at any depth, the whole set strict I-JSON.
pub(crate) fn parse<'de, T: Deserialize<'de>>(payload: &'de [u8]) -> Result<Parsed<'de, T>, Error> {
    let text = std::str::from_utf8(payload).map_err(|_| Error::MalformedClaims {
        source: tessera_core::Error::Json {
            what: WHAT,
            source: de::Error::custom("the claims set is not UTF-8"),
        },
    })?;
    let mut rec = Recorder::new();

    // Pass 1: tessera's.
    let mut registered = RegisteredClaims::default();
    let mut names = SeenNames::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let pass = de
        .deserialize_map(ClaimsVisitor {
            reg: &mut registered,
            names: &mut names,
            rec: &mut rec,
        })
        .and_then(|()| de.end());
    if let Err(e) = pass {
        return Err(match rec.take() {
            Some(fault) => fault.into_error(e),
            None => Error::MalformedClaims {
                source: tessera_core::Error::Json {
                    what: WHAT,
                    source: e,
                },
            },
        });
    }

    // Pass 2: the application's.
    let mut de = serde_json::Deserializer::from_str(text);
    let custom = T::deserialize(Whole {
        de: &mut de,
        rec: &mut rec,
    })
    .and_then(|t| de.end().map(|()| t))
    .map_err(|e| match rec.take() {
        Some(fault) => fault.into_error(e),
        None => Error::CustomClaims {
            claim: None,
            source: e,
        },
    })?;
    Ok(Parsed {
        claims: Claims { registered, custom },
        names,
    })
}

/// Pass 1 over the top-level object.
struct ClaimsVisitor<'r, 'de> {
    reg: &'r mut RegisteredClaims<'de>,
    names: &'r mut SeenNames<'de>,
    rec: &'r mut Recorder<Fault>,
}

impl<'de> Visitor<'de> for ClaimsVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims set (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key_seed(MemberName)? {
            if !self.names.insert(name.clone()) {
                return Err(self.rec.fail(Fault::Repeated(name.into_owned())));
            }
            match REGISTERED.iter().position(|r| *r == name) {
                Some(index) => map.next_value_seed(RegisteredSeed {
                    index,
                    reg: &mut *self.reg,
                    rec: &mut *self.rec,
                })?,
                None => map.next_value_seed(StrictCheck::new(&mut *self.rec))?,
            }
        }
        Ok(())
    }
}

/// Reads one registered claim into its slot, checking its JSON type.
struct RegisteredSeed<'r, 'de> {
    /// Its index in [`REGISTERED`].
    index: usize,
    reg: &'r mut RegisteredClaims<'de>,
    rec: &'r mut Recorder<Fault>,
}

impl<'de> RegisteredSeed<'_, 'de> {
    fn name(&self) -> &'static str {
        REGISTERED.get(self.index).copied().unwrap_or("?")
    }

    fn expected(&self) -> &'static str {
        match self.index {
            2 => "a string or an array of strings",
            3..=5 => "a number (NumericDate)",
            _ => "a string",
        }
    }

    fn is_date(&self) -> bool {
        (3..=5).contains(&self.index)
    }

    fn wrong<E: de::Error>(self, found: &'static str) -> E {
        let fault = Fault::WrongType {
            claim: self.name(),
            expected: self.expected(),
            found,
        };
        self.rec.fail(fault)
    }

    fn out_of_range<E: de::Error>(self, value: String) -> E {
        let claim = self.name();
        self.rec.fail(Fault::Invalid {
            claim,
            value,
            expected: "a NumericDate from 1970 on, in range",
        })
    }

    fn set_date<E: de::Error>(self, t: UnixTime) -> Result<(), E> {
        match self.index {
            3 => self.reg.exp = Some(t),
            4 => self.reg.nbf = Some(t),
            _ => self.reg.iat = Some(t),
        }
        Ok(())
    }

    fn put_str<E: de::Error>(self, v: Cow<'de, str>) -> Result<(), E> {
        let r = &mut *self.reg;
        match self.index {
            0 => r.iss = Some(v),
            1 => r.sub = Some(v),
            2 => r.aud = Some(Audience::One(v)),
            6 => r.jti = Some(v),
            _ => return Err(self.wrong("a string")),
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for RegisteredSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RegisteredSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(self.wrong("a boolean"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.wrong("null"))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        if self.is_date() {
            self.set_date(UnixTime(v))
        } else {
            Err(self.wrong("a number"))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        if let Ok(u) = u64::try_from(v) {
            return self.visit_u64(u);
        }
        if self.is_date() {
            Err(self.out_of_range(v.to_string()))
        } else {
            Err(self.wrong("a number"))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if !self.is_date() {
            return Err(self.wrong("a number"));
        }
        // NumericDate may be fractional (RFC 7519 §2); it is rounded down to whole seconds.
        // u64::MAX as f64 rounds up to 2^64, so `<` keeps the cast in range.
        if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let secs = v.floor() as u64;
            self.set_date(UnixTime(secs))
        } else {
            Err(self.out_of_range(v.to_string()))
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.put_str(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.put_str(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.put_str(Cow::Owned(v))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        if self.index != 2 {
            return Err(self.wrong("an array"));
        }
        let mut out = Vec::new();
        while let Some(element) = seq.next_element_seed(AudElement)? {
            match element {
                Ok(s) => out.push(s),
                Err(found) => return Err(self.wrong(found)),
            }
        }
        self.reg.aud = Some(Audience::Many(out));
        Ok(())
    }

    fn visit_map<M: MapAccess<'de>>(self, _: M) -> Result<(), M::Error> {
        Err(self.wrong("an object"))
    }
}

/// One element of an `aud` array: a string, or the JSON type found instead (the pass stops at
/// the first one, so nothing after it needs checking).
struct AudElement;

impl<'de> DeserializeSeed<'de> for AudElement {
    type Value = Result<Cow<'de, str>, &'static str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AudElement {
    type Value = Result<Cow<'de, str>, &'static str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err("an array holding a boolean"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err("an array holding a number"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err("an array holding a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err("an array holding a number"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err("an array holding null"))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array holding an array"))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("an array holding an object"))
    }
}

/// Pass 2: the claims set as `T` sees it. Object-shaped requests go through [`Members`]; `()`
/// skips the object (pass 1 has checked it).
struct Whole<'a, 'de> {
    de: &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    rec: &'a mut Recorder<Fault>,
}

impl<'de> Whole<'_, 'de> {
    fn object<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, serde_json::Error> {
        self.de.deserialize_map(ObjectVisitor {
            inner: visitor,
            rec: self.rec,
        })
    }
}

impl<'de> Deserializer<'de> for Whole<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.object(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_ignored_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct enum identifier
    }
}

/// Hands `inner` the members and turns what it refused into a recorded [`Fault`].
struct ObjectVisitor<'r, V> {
    inner: V,
    rec: &'r mut Recorder<Fault>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims set (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let mut members = Members { map, current: None };
        match self.inner.visit_map(&mut members) {
            Ok(v) => {
                // Whatever `T` left unread was checked by pass 1; skip it.
                while members.map.next_key::<IgnoredAny>()?.is_some() {
                    members.map.next_value::<IgnoredAny>()?;
                }
                Ok(v)
            }
            Err(MemberError::Parser(e)) => {
                if let Some(member) = members.current {
                    self.rec.record(Fault::InMember(member.into_owned()));
                }
                Err(e)
            }
            Err(MemberError::Missing(m)) => Err(self.rec.fail(Fault::Missing(m))),
            Err(MemberError::Unknown(m)) => Err(self.rec.fail(Fault::Unknown(m))),
            Err(MemberError::Custom(message)) => Err(self.rec.fail(Fault::Custom {
                member: members.current.map(Cow::into_owned),
                message,
            })),
        }
    }
}

/// The members as `T` reads them, remembering the one being read.
struct Members<'de, A> {
    map: A,
    current: Option<Cow<'de, str>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for &mut Members<'de, A> {
    type Error = MemberError<A::Error>;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some(name) = self
            .map
            .next_key_seed(MemberName)
            .map_err(MemberError::Parser)?
        else {
            return Ok(None);
        };
        let key = match &name {
            Cow::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
            Cow::Owned(s) => seed.deserialize(StringDeserializer::new(s.clone())),
        };
        self.current = Some(name);
        key.map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        self.map.next_value_seed(seed).map_err(MemberError::Parser)
    }
}

/// An error raised while `T` reads the members: the parser's own (a value `T` refused), or one
/// `T` raised itself, kept apart so that it can be recorded as a typed [`Fault`].
#[derive(Debug)]
enum MemberError<E> {
    Parser(E),
    Missing(&'static str),
    Unknown(String),
    Custom(String),
}

impl<E: fmt::Display> fmt::Display for MemberError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberError::Parser(e) => e.fmt(f),
            MemberError::Missing(m) => write!(f, "missing member {m:?}"),
            MemberError::Unknown(m) => write!(f, "unknown member {m:?}"),
            MemberError::Custom(m) => f.write_str(m),
        }
    }
}

impl<E: std::error::Error> std::error::Error for MemberError<E> {}

impl<E: de::Error> de::Error for MemberError<E> {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        MemberError::Custom(msg.to_string())
    }
    fn missing_field(field: &'static str) -> Self {
        MemberError::Missing(field)
    }
    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        MemberError::Unknown(field.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    #[derive(Deserialize, Debug, PartialEq)]
    struct Custom<'a> {
        name: &'a str,
        #[serde(default)]
        admin: bool,
    }

    #[test]
    fn one_pass_splits_registered_and_custom_and_borrows() {
        let p = br#"{"iss":"https://op","sub":"u1","aud":["a","b"],"exp":1300819380,"nbf":1.5,"iat":7,"jti":"j","name":"Ann","admin":true}"#;
        let parsed = parse::<Custom<'_>>(p).unwrap();
        assert!(parsed.has("admin") && parsed.has("iss") && !parsed.has("other"));
        let c = parsed.claims;
        assert!(matches!(
            c.registered.iss,
            Some(Cow::Borrowed("https://op"))
        ));
        assert_eq!(c.sub(), Some("u1"));
        assert!(c.aud().unwrap().contains("b"));
        assert_eq!(c.exp(), Some(UnixTime(1300819380)));
        assert_eq!(c.nbf(), Some(UnixTime(1)));
        assert_eq!(c.iat(), Some(UnixTime(7)));
        assert_eq!(c.jti(), Some("j"));
        assert_eq!(
            c.custom,
            Custom {
                name: "Ann",
                admin: true
            }
        );
    }

    #[test]
    fn escaped_strings_are_owned() {
        let parsed = parse::<()>(br#"{"iss":"a\/b"}"#).unwrap();
        assert!(matches!(parsed.claims.registered.iss, Some(Cow::Owned(ref s)) if s == "a/b"));
    }

    #[test]
    fn wrong_types_name_the_claim() {
        for (doc, claim, found) in [
            (r#"{"exp":"1300819380"}"#, "exp", "a string"),
            (r#"{"iss":5}"#, "iss", "a number"),
            (r#"{"aud":[1]}"#, "aud", "an array holding a number"),
            (r#"{"aud":{}}"#, "aud", "an object"),
            (r#"{"sub":null}"#, "sub", "null"),
            (r#"{"nbf":true}"#, "nbf", "a boolean"),
            (r#"{"jti":["x"]}"#, "jti", "an array"),
        ] {
            match parse::<()>(doc.as_bytes()) {
                Err(Error::InvalidClaimType {
                    claim: c, found: f, ..
                }) => {
                    assert_eq!((c.as_str(), f), (claim, found), "{doc}")
                }
                other => panic!("{doc}: {other:?}"),
            }
        }
        assert!(matches!(
            parse::<()>(br#"{"exp":-1}"#),
            Err(Error::InvalidClaim { .. })
        ));
        assert!(matches!(
            parse::<()>(br#"{"exp":1e300}"#),
            Err(Error::InvalidClaim { .. })
        ));
    }

    #[test]
    fn every_custom_name_counts_for_repeats_and_presence() {
        // Twelve custom names (some escaped: owned, and the full parse), then a repeat of each.
        let names: Vec<String> = (0..12)
            .map(|i| {
                if i % 5 == 2 {
                    format!("n\\u0030{i}")
                } else {
                    format!("n{i}")
                }
            })
            .collect();
        let body: Vec<String> = names.iter().map(|n| format!(r#""{n}":1"#)).collect();
        let doc = format!("{{{}}}", body.join(","));
        let parsed = parse::<Map<String, Value>>(doc.as_bytes()).unwrap();
        for (i, name) in names.iter().enumerate() {
            let plain = if i % 5 == 2 {
                format!("n0{i}")
            } else {
                format!("n{i}")
            };
            assert!(parsed.has(&plain), "{plain}");
            let dup = format!("{{{},\"{}\":2}}", body.join(","), name);
            match parse::<Map<String, Value>>(dup.as_bytes()) {
                Err(Error::DuplicateClaim { claim }) => assert_eq!(claim, plain),
                other => panic!("{dup}: {other:?}"),
            }
        }
        assert!(!parsed.has("n12"));
    }

    #[test]
    fn duplicates_are_refused_registered_custom_and_nested() {
        for (doc, claim) in [
            (r#"{"exp":1,"exp":2}"#, "exp"),
            (r#"{"a":1,"b":2,"a":3}"#, "a"),
            (r#"{"a":1,"\u0061":3}"#, "a"),
            (r#"{"x":{"y":1,"y":2}}"#, "y"),
        ] {
            match parse::<Map<String, Value>>(doc.as_bytes()) {
                Err(Error::DuplicateClaim { claim: c }) => assert_eq!(c, claim, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
            assert!(parse::<()>(doc.as_bytes()).is_err(), "{doc}");
        }
        // Many members: the sorted path.
        let mut doc = String::from("{");
        for i in 0..200 {
            doc.push_str(&format!("\"m{i}\":1,"));
        }
        doc.push_str("\"m7\":2}");
        assert!(matches!(
            parse::<()>(doc.as_bytes()),
            Err(Error::DuplicateClaim { claim }) if claim == "m7"
        ));
    }

    #[test]
    fn custom_type_errors_name_the_member() {
        match parse::<Custom<'_>>(br#"{"name":5}"#) {
            Err(Error::CustomClaims {
                claim: Some(claim),
                source,
            }) => {
                assert_eq!(claim, "name");
                assert!(source.is_data(), "{source}");
            }
            other => panic!("{other:?}"),
        }
        match parse::<Custom<'_>>(br#"{"admin":true}"#) {
            Err(Error::MissingClaim { claim }) => assert_eq!(claim, "name"),
            other => panic!("{other:?}"),
        }
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            sub: String,
            exp: u64,
        }
        assert!(parse::<Strict>(br#"{"sub":"u","exp":5}"#).is_ok());
        match parse::<Strict>(br#"{"sub":"u","exp":5,"iss":"i"}"#) {
            Err(Error::UnexpectedClaim { claim }) => assert_eq!(claim, "iss"),
            other => panic!("{other:?}"),
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Checked {
            #[serde(deserialize_with = "positive")]
            n: i64,
        }
        fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
            let n = i64::deserialize(d)?;
            if n > 0 {
                Ok(n)
            } else {
                Err(de::Error::custom("must be positive"))
            }
        }
        match parse::<Checked>(br#"{"n":-1}"#) {
            Err(Error::CustomClaims {
                claim: Some(claim),
                source,
            }) => assert_eq!((claim.as_str(), source.is_data()), ("n", true)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_callers_type_sees_registered_claims() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Usual {
            sub: String,
            exp: u64,
            aud: Vec<String>,
            email: Option<String>,
        }
        let p =
            parse::<Usual>(br#"{"sub":"alice","exp":1700000000,"aud":["a"],"iss":"i"}"#).unwrap();
        assert_eq!(
            p.claims.custom,
            Usual {
                sub: "alice".into(),
                exp: 1_700_000_000,
                aud: vec!["a".into()],
                email: None,
            }
        );
        assert_eq!(p.claims.sub(), Some("alice"));
        assert_eq!(p.claims.exp(), Some(UnixTime(1_700_000_000)));
    }

    #[test]
    fn members_nobody_reads_must_still_be_i_json() {
        for doc in [
            &br#"{"sub":"u","x":"\ud800"}"#[..],
            br#"{"sub":"u","x":[1e400]}"#,
            br#"{"sub":"u","x":{"y":"\udfff"}}"#,
        ] {
            assert!(
                matches!(parse::<()>(doc), Err(Error::MalformedClaims { .. })),
                "{}",
                String::from_utf8_lossy(doc)
            );
            assert!(parse::<Custom<'_>>(doc).is_err());
        }
    }

    #[test]
    fn not_an_object_or_trailing_data() {
        for doc in [&b"[]"[..], b"5", b"{} x", b"{", b""] {
            assert!(
                matches!(parse::<()>(doc), Err(Error::MalformedClaims { .. })),
                "{:?}",
                String::from_utf8_lossy(doc)
            );
            assert!(parse::<Map<String, Value>>(doc).is_err());
        }
    }

    #[test]
    fn map_and_value_custom_types_get_the_rest() {
        let p = parse::<Map<String, Value>>(br#"{"iss":"i","x":{"y":[1]},"z":"w"}"#).unwrap();
        assert_eq!(p.claims.iss(), Some("i"));
        assert_eq!(p.claims.custom.len(), 3);
        assert_eq!(p.claims.custom["iss"], "i");
        let p = parse::<Value>(br#"{"iss":"i","z":"w"}"#).unwrap();
        assert_eq!(p.claims.custom, serde_json::json!({"iss":"i","z":"w"}));
    }

    #[test]
    fn not_utf8() {
        assert!(matches!(
            parse::<()>(b"{\"a\":\"\xff\"}"),
            Err(Error::MalformedClaims { .. })
        ));
    }
}
