//! Claims: the registered claims of RFC 7519 §4.1 plus the application's own serde type, read in
//! one pass.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tessera_core::UnixTime;
use tessera_core::json::flat::FlatObject;

use crate::Error;

/// The `aud` claim: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
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
/// `T` receives every member except the seven registered claims (`iss`, `sub`, `aud`, `exp`,
/// `nbf`, `iat`, `jti`), which are type-checked and kept in [`Claims::registered`]. Use `()` when
/// the registered claims are all you need, or `serde_json::Map<String, Value>` to keep the rest
/// as JSON. `T` may borrow (`&'a str`, `Cow<'a, str>`) from the decoded payload when verified with
/// [`Policy::verify_borrowed`](crate::Policy::verify_borrowed).
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// nested), with the same strictness as verification: one pass, registered claims
    /// type-checked, repeated members refused. Nothing is validated — no times, issuer or
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
// One-pass parsing.

/// The names of the registered claims, in bit order.
pub(crate) const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// A three-letter name as one integer, for matching in a few comparisons.
const fn name3(n: &[u8; 3]) -> u32 {
    u32::from_le_bytes([n[0], n[1], n[2], 0])
}

#[inline]
fn registered_index(name: &str) -> Option<u8> {
    const ISS: u32 = name3(b"iss");
    const SUB: u32 = name3(b"sub");
    const AUD: u32 = name3(b"aud");
    const EXP: u32 = name3(b"exp");
    const NBF: u32 = name3(b"nbf");
    const IAT: u32 = name3(b"iat");
    const JTI: u32 = name3(b"jti");
    let n = name
        .as_bytes()
        .first_chunk::<3>()
        .filter(|_| name.len() == 3)?;
    Some(match name3(n) {
        ISS => 0,
        SUB => 1,
        AUD => 2,
        EXP => 3,
        NBF => 4,
        IAT => 5,
        JTI => 6,
        _ => return None,
    })
}

/// What one parse learnt besides the values.
pub(crate) struct State<'de> {
    pub(crate) reg: RegisteredClaims<'de>,
    reg_seen: u8,
    /// Names of the non-registered members, for duplicate detection and required claims.
    pub(crate) names: Names<'de>,
    /// What a usual parse never needs, kept out of line so the state stays small.
    rare: Option<Box<Rare<'de>>>,
}

/// The parts of [`State`] a flat, valid claims set of a few dozen members never uses.
#[derive(Default)]
struct Rare<'de> {
    /// The names hashed, once there are too many for a linear scan.
    index: Option<HashSet<Cow<'de, str>>>,
    /// The member whose value `T` is reading (to name it in `T`'s errors; full path only).
    current: Option<Cow<'de, str>>,
    /// A structured error raised inside the parse.
    error: Option<Error>,
}

impl<'de> State<'de> {
    #[inline(always)]
    fn new() -> Self {
        State {
            reg: RegisteredClaims::default(),
            reg_seen: 0,
            names: Names::default(),
            rare: None,
        }
    }

    fn rare(&mut self) -> &mut Rare<'de> {
        self.rare.get_or_insert_with(Box::default)
    }

    #[inline(always)]
    fn take_parsed<T>(&mut self, custom: T) -> Parsed<'de, T> {
        // Taken field by field rather than moving the whole state: fewer bytes copied.
        Parsed {
            claims: Claims {
                registered: std::mem::take(&mut self.reg),
                custom,
            },
            names: std::mem::take(&mut self.names),
            reg_seen: self.reg_seen,
        }
    }

    fn fail<E: de::Error>(&mut self, e: Error) -> E {
        let msg = e.to_string();
        self.rare().error = Some(e);
        E::custom(msg)
    }
}

#[derive(Debug)]
pub(crate) struct Parsed<'de, T> {
    pub(crate) claims: Claims<'de, T>,
    pub(crate) names: Names<'de>,
    reg_seen: u8,
}

impl<T> Parsed<'_, T> {
    pub(crate) fn has(&self, name: &str) -> bool {
        match registered_index(name) {
            Some(i) => self.reg_seen & (1 << i) != 0,
            None => self.names.contains(name),
        }
    }
}

/// How many member names [`Names`] keeps without allocating.
const INLINE_NAMES: usize = 8;

/// The non-registered member names of a claims set: the first few borrowed names inline (a
/// typical token allocates nothing), the others on the heap.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Names<'de> {
    inline: [&'de str; INLINE_NAMES],
    inline_len: usize,
    heap: Vec<Cow<'de, str>>,
}

impl<'de> Names<'de> {
    #[inline(always)]
    fn push(&mut self, name: Cow<'de, str>) {
        if let Cow::Borrowed(s) = name
            && let Some(slot) = self.inline.get_mut(self.inline_len)
        {
            *slot = s;
            self.inline_len += 1;
        } else {
            self.push_heap(name);
        }
    }

    #[cold]
    fn push_heap(&mut self, name: Cow<'de, str>) {
        if self.heap.capacity() == 0 {
            self.heap.reserve(16);
        }
        self.heap.push(name);
    }

    pub(crate) fn len(&self) -> usize {
        self.inline_len + self.heap.len()
    }

    fn inline(&self) -> &[&'de str] {
        self.inline.get(..self.inline_len).unwrap_or_default()
    }

    #[inline]
    // `[&str]::contains` is an out-of-line call; this loop inlines.
    #[allow(clippy::manual_contains)]
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.inline().iter().any(|n| *n == name) || self.heap.iter().any(|n| n == name)
    }

    /// Every name.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.inline()
            .iter()
            .copied()
            .chain(self.heap.iter().map(|n| n.as_ref()))
    }

    /// Every name, as it was read.
    fn to_cows(&self) -> impl Iterator<Item = Cow<'de, str>> + '_ {
        self.inline()
            .iter()
            .map(|n| Cow::Borrowed(*n))
            .chain(self.heap.iter().cloned())
    }
}

/// Parses a claims set in one pass: the registered claims type-checked into
/// [`RegisteredClaims`], every other member handed to `T`, repeated member names refused.
///
/// Repeated names are caught at the top level during the pass; every object or array value is
/// checked at every depth before serde_json reads it. A flat payload, the usual case, is read
/// once, by the flat fast path ([`FlatObject`]); anything it declines is parsed again in full.
pub(crate) fn parse<'de, T: Deserialize<'de>>(payload: &'de [u8]) -> Result<Parsed<'de, T>, Error> {
    // The fast path reads plain strings and integers itself and hands every other value to
    // serde_json (after a duplicate check at every depth, when it is an object or array); if it
    // declines or fails, the full path below parses again and has the last word.
    if let Ok(text) = std::str::from_utf8(payload) {
        let mut state = State::new();
        let mut flat = FlatObject::rejecting_duplicates(text);
        if let Ok(custom) = T::deserialize(ClaimsDe {
            de: &mut flat,
            state: &mut state,
        })
        .and_then(|t| flat.end().map(|()| t))
        {
            return Ok(state.take_parsed(custom));
        }
    }
    parse_full(payload)
}

/// The full path of [`parse`]: serde_json over the whole payload, with the real errors.
fn parse_full<'de, T: Deserialize<'de>>(payload: &'de [u8]) -> Result<Parsed<'de, T>, Error> {
    if has_nested_object(payload) {
        tessera_core::json::check_duplicates(payload, "JWT claims").map_err(core_error)?;
    }
    // Validating UTF-8 once for the whole payload (ASCII fast path) is cheaper than serde_json's
    // per-string check on a byte slice.
    let text = std::str::from_utf8(payload).map_err(|_| Error::MalformedClaims {
        source: tessera_core::json::map_error(
            serde::de::Error::custom("the claims set is not UTF-8"),
            "JWT claims",
        ),
    })?;
    let mut state = State::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let res = T::deserialize(ClaimsDe {
        de: SerdeEntry(&mut de),
        state: &mut state,
    })
    .and_then(|t| de.end().map(|()| t));
    match res {
        Ok(custom) => Ok(state.take_parsed(custom)),
        Err(e) => Err(map_error(e, state)),
    }
}

fn core_error(e: tessera_core::Error) -> Error {
    match e {
        tessera_core::Error::DuplicateMember { member, .. } => {
            Error::DuplicateClaim { claim: member }
        }
        other => Error::MalformedClaims { source: other },
    }
}

fn strip_position(msg: &str) -> &str {
    msg.rsplit_once(" at line ").map_or(msg, |(m, _)| m)
}

fn map_error(e: serde_json::Error, state: State<'_>) -> Error {
    let rare = state.rare.map(|r| *r).unwrap_or_default();
    if let Some(err) = rare.error {
        return err;
    }
    if e.is_data() {
        let msg = e.to_string();
        let msg = strip_position(&msg);
        if let Some(rest) = msg.strip_prefix("missing field `")
            && let Some((name, _)) = rest.split_once('`')
        {
            return Error::MissingClaim {
                claim: name.to_owned(),
            };
        }
        if let Some(rest) = msg.strip_prefix("duplicate field `")
            && let Some((name, _)) = rest.split_once('`')
        {
            return Error::DuplicateClaim {
                claim: name.to_owned(),
            };
        }
        if let Some(claim) = rare.current {
            return Error::InvalidClaim {
                claim: claim.into_owned(),
                reason: msg.to_owned(),
            };
        }
    }
    Error::MalformedClaims {
        source: tessera_core::json::map_error(e, "JWT claims"),
    }
}

/// Whether the JSON text has an object nested inside the top-level one (a `{` outside strings
/// after the first).
fn has_nested_object(json: &[u8]) -> bool {
    // Fast path (SIMD search): a single `{` is the top-level object itself.
    let second = memchr::memchr(b'{', json)
        .and_then(|first| json.get(first + 1..))
        .is_some_and(|rest| memchr::memchr(b'{', rest).is_some());
    if !second {
        return false;
    }
    let mut in_str = false;
    let mut escaped = false;
    let mut opened = false;
    for &b in json {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
        } else if b == b'{' {
            if opened {
                return true;
            }
            opened = true;
        }
    }
    false
}

/// A key name that borrows when it can.
struct KeyName;

impl<'de> DeserializeSeed<'de> for KeyName {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyName {
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

/// Where the top-level object comes from: a serde [`Deserializer`] (serde_json), or the flat
/// fast path walked directly.
trait Entry<'de> {
    type Error: de::Error;
    /// Reads the object, giving `inner` its members minus the registered claims (or, with
    /// `unit`, checking them all and visiting a unit).
    fn object<V: Visitor<'de>>(
        self,
        inner: V,
        state: &mut State<'de>,
        unit: bool,
    ) -> Result<V::Value, Self::Error>;
}

/// Any serde deserializer.
struct SerdeEntry<D>(D);

impl<'de, D: Deserializer<'de>> Entry<'de> for SerdeEntry<D> {
    type Error = D::Error;
    fn object<V: Visitor<'de>>(
        self,
        inner: V,
        state: &mut State<'de>,
        unit: bool,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(ObjectVisitor { inner, state, unit })
    }
}

impl<'de> Entry<'de> for &mut FlatObject<'de> {
    type Error = serde_json::Error;
    fn object<V: Visitor<'de>>(
        self,
        inner: V,
        state: &mut State<'de>,
        unit: bool,
    ) -> Result<V::Value, serde_json::Error> {
        // What `deserialize_map` would do, minus one layer of visitors.
        self.open()?;
        drive(
            inner,
            Proxy {
                src: Flat(self),
                state,
            },
            unit,
        )
    }
}

/// The deserializer `T` sees: the top-level object minus the registered claims.
struct ClaimsDe<'s, 'de, E> {
    de: E,
    state: &'s mut State<'de>,
}

impl<'s, 'de, E: Entry<'de>> Deserializer<'de> for ClaimsDe<'s, 'de, E> {
    type Error = E::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E::Error> {
        self.de.object(visitor, self.state, false)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E::Error> {
        self.de.object(visitor, self.state, true)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E::Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct ObjectVisitor<'s, 'de, V> {
    inner: V,
    state: &'s mut State<'de>,
    unit: bool,
}

impl<'s, 'de, V: Visitor<'de>> Visitor<'de> for ObjectVisitor<'s, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims set (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let proxy = Proxy {
            src: SerdeMap(map),
            state: self.state,
        };
        drive(self.inner, proxy, self.unit)
    }
}

/// Gives `inner` the members through `proxy` (or, with `unit`, visits a unit), then checks
/// whatever `inner` left unread.
fn drive<'de, V: Visitor<'de>, S: Source<'de>>(
    inner: V,
    mut proxy: Proxy<'_, 'de, S>,
    unit: bool,
) -> Result<V::Value, S::Error> {
    if unit {
        while proxy.next_key::<IgnoredAny>()?.is_some() {
            proxy.next_value::<IgnoredAny>()?;
        }
        inner.visit_unit()
    } else {
        let v = inner.visit_map(&mut proxy)?;
        // Whatever `T` left unread still has to be checked.
        while proxy.next_key::<IgnoredAny>()?.is_some() {
            proxy.next_value::<IgnoredAny>()?;
        }
        Ok(v)
    }
}

/// Where the members come from.
trait Source<'de> {
    type Error: de::Error;
    /// Whether to remember which member `T` is reading, to name it in `T`'s errors (the fast
    /// path's errors are never shown: the full path parses again).
    const TRACK: bool;
    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, Self::Error>;
    fn registered(&mut self, seed: RegisteredSeed<'_, 'de>) -> Result<(), Self::Error>;
    fn value<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Self::Error>;
}

/// Any serde map.
struct SerdeMap<A>(A);

impl<'de, A: MapAccess<'de>> Source<'de> for SerdeMap<A> {
    type Error = A::Error;
    const TRACK: bool = true;
    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, A::Error> {
        self.0.next_key_seed(KeyName)
    }
    fn registered(&mut self, seed: RegisteredSeed<'_, 'de>) -> Result<(), A::Error> {
        self.0.next_value_seed(seed)
    }
    fn value<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}

/// The flat fast path's members, read directly.
struct Flat<'a, 'de>(&'a mut FlatObject<'de>);

impl<'de> Source<'de> for Flat<'_, 'de> {
    type Error = serde_json::Error;
    const TRACK: bool = false;
    #[inline(always)]
    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, serde_json::Error> {
        Ok(self.0.next_name()?.map(Cow::Borrowed))
    }
    #[inline(always)]
    fn registered(&mut self, seed: RegisteredSeed<'_, 'de>) -> Result<(), serde_json::Error> {
        // The usual shapes, stored as `RegisteredSeed` would store the same visit.
        if seed.is_date() {
            if let Some(n) = self.0.plain_u64_value() {
                return seed.set_date(UnixTime(n));
            }
        } else if let Some(s) = self.0.plain_str_value() {
            return seed.put_str(Cow::Borrowed(s));
        }
        seed.deserialize(self.0.value()?)
    }
    #[inline]
    fn value<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, serde_json::Error> {
        seed.deserialize(self.0.value()?)
    }
}

struct Proxy<'s, 'de, S> {
    src: S,
    state: &'s mut State<'de>,
}

/// Above this many names, duplicate detection switches from a linear scan to a hash set.
const LINEAR_NAMES: usize = 64;

impl<'de, S: Source<'de>> MapAccess<'de> for Proxy<'_, 'de, S> {
    type Error = S::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, S::Error> {
        loop {
            let Some(name) = self.src.next_name()? else {
                return Ok(None);
            };
            if let Some(i) = registered_index(&name) {
                if self.state.reg_seen & (1 << i) != 0 {
                    return Err(self.state.fail(Error::DuplicateClaim {
                        claim: name.into_owned(),
                    }));
                }
                self.state.reg_seen |= 1 << i;
                self.src.registered(RegisteredSeed {
                    index: i,
                    state: &mut *self.state,
                })?;
                continue;
            }
            let st = &mut *self.state;
            let dup = if st.names.len() < LINEAR_NAMES {
                st.names.contains(&name)
            } else {
                // Hostile payloads with thousands of members: switch to a hash set.
                let names = &st.names;
                let index = st
                    .rare
                    .get_or_insert_with(Box::default)
                    .index
                    .get_or_insert_with(|| names.to_cows().collect());
                !index.insert(name.clone())
            };
            if dup {
                return Err(self.state.fail(Error::DuplicateClaim {
                    claim: name.into_owned(),
                }));
            }
            if S::TRACK {
                self.state.rare().current = Some(name.clone());
            }
            let key = match &name {
                Cow::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
                Cow::Owned(s) => seed.deserialize(StringDeserializer::new(s.clone())),
            };
            self.state.names.push(name);
            return key.map(Some);
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, S::Error> {
        self.src.value(seed)
    }
}

struct RegisteredSeed<'s, 'de> {
    index: u8,
    state: &'s mut State<'de>,
}

impl RegisteredSeed<'_, '_> {
    fn name(&self) -> &'static str {
        REGISTERED
            .get(usize::from(self.index))
            .copied()
            .unwrap_or("?")
    }
    fn expected(&self) -> &'static str {
        match self.index {
            2 => "a string or an array of strings",
            3..=5 => "a number (NumericDate)",
            _ => "a string",
        }
    }
    fn wrong<E: de::Error>(self, found: &'static str) -> E {
        let e = Error::InvalidClaimType {
            claim: self.name().to_owned(),
            expected: self.expected(),
            found,
        };
        self.state.fail(e)
    }
    #[inline(always)]
    fn is_date(&self) -> bool {
        (3..=5).contains(&self.index)
    }
    #[inline(always)]
    fn set_date<E: de::Error>(self, t: UnixTime) -> Result<(), E> {
        match self.index {
            3 => self.state.reg.exp = Some(t),
            4 => self.state.reg.nbf = Some(t),
            _ => self.state.reg.iat = Some(t),
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
            let claim = self.name().to_owned();
            Err(self.state.fail(Error::InvalidClaim {
                claim,
                reason: format!("{v} is before 1970"),
            }))
        } else {
            Err(self.wrong("a number"))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if !self.is_date() {
            return Err(self.wrong("a number"));
        }
        // u64::MAX as f64 rounds up to 2^64, so `<` keeps the cast in range.
        if v.is_finite() && v >= 0.0 && v < u64::MAX as f64 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let secs = v.floor() as u64;
            self.set_date(UnixTime(secs))
        } else {
            let claim = self.name().to_owned();
            Err(self.state.fail(Error::InvalidClaim {
                claim,
                reason: format!("{v} is not a NumericDate in range"),
            }))
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
        loop {
            match seq.next_element_seed(AudElement)? {
                Some(Ok(s)) => out.push(s),
                Some(Err(found)) => return Err(self.wrong(found)),
                None => break,
            }
        }
        self.state.reg.aud = Some(Audience::Many(out));
        Ok(())
    }

    fn visit_map<M: MapAccess<'de>>(self, _: M) -> Result<(), M::Error> {
        Err(self.wrong("an object"))
    }
}

impl<'de> RegisteredSeed<'_, 'de> {
    #[inline(always)]
    fn put_str<E: de::Error>(self, v: Cow<'de, str>) -> Result<(), E> {
        let r = &mut self.state.reg;
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

/// One element of an `aud` array: a string, or the JSON type found instead.
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
        assert!(parsed.names.iter().any(|n| n == "admin"));
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
            Err(Error::InvalidClaim { claim, .. }) => assert_eq!(claim, "name"),
            other => panic!("{other:?}"),
        }
        match parse::<Custom<'_>>(br#"{"admin":true}"#) {
            Err(Error::MissingClaim { claim }) => assert_eq!(claim, "name"),
            other => panic!("{other:?}"),
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
        assert_eq!(p.claims.custom.len(), 2);
        assert!(!p.claims.custom.contains_key("iss"));
        let p = parse::<Value>(br#"{"iss":"i","z":"w"}"#).unwrap();
        assert_eq!(p.claims.custom, serde_json::json!({"z":"w"}));
    }

    #[test]
    fn not_utf8() {
        assert!(matches!(
            parse::<()>(b"{\"a\":\"\xff\"}"),
            Err(Error::MalformedClaims { .. })
        ));
    }

    #[test]
    fn many_members_stay_cheap() {
        // 3000 distinct members (about what a 16 KiB token holds): linear, then hashed.
        let mut doc = String::from("{");
        for i in 0..3000 {
            doc.push_str(&format!("\"m{i}\":{i},"));
        }
        doc.push_str("\"end\":0}");
        let t = std::time::Instant::now();
        let p = parse::<()>(doc.as_bytes()).unwrap();
        assert_eq!(p.names.len(), 3001);
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    /// The fast path gives exactly what the full path gives, whenever it succeeds.
    #[test]
    fn fast_path_agrees_with_full_path() {
        let docs = [
            r#"{"iss":"https://op","sub":"u","aud":"a","exp":1700000000,"nbf":1699999940,"iat":1699999999,"jti":"j","name":"Ann","admin":true}"#,
            r#" { "aud" : [ "a" , "b" ] , "exp" : 1.5 , "iss" : "a\/b" , "x" : { "y" : [ 1 ] } } "#,
            r#"{"exp":12345678901234567890,"nbf":0,"iat":18446744073709551615,"name":"n"}"#,
            r#"{"exp":-5}"#,
            r#"{"exp":1e3,"name":"\u00e9"}"#,
            r#"{"iss":null}"#,
            r#"{"sub":["x"]}"#,
            r#"{"aud":[]}"#,
            r#"{"name":"a","name":"b"}"#,
            r#"{"exp":1,"exp":1}"#,
            r#"{"iss":"x",}"#,
            r#"{"iss":"x""#,
            r#"{"jti":"é","name":"Zoë","admin":false,"extra":null}"#,
            r#"{"name":"n","exp":01}"#,
            r#"{}"#,
        ];
        for doc in docs {
            let fast = parse::<Map<String, Value>>(doc.as_bytes());
            let full = parse_full::<Map<String, Value>>(doc.as_bytes());
            match (fast, full) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.claims, b.claims, "{doc}");
                    assert_eq!(a.names, b.names, "{doc}");
                    assert_eq!(a.reg_seen, b.reg_seen, "{doc}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{doc}"),
                (a, b) => panic!("{doc}: {a:?} vs {b:?}"),
            }
            let fast = parse::<Option<Custom<'_>>>(doc.as_bytes()).map(|p| p.claims);
            let full = parse_full::<Option<Custom<'_>>>(doc.as_bytes()).map(|p| p.claims);
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{doc}");
            let fast = parse::<()>(doc.as_bytes()).map(|p| p.claims);
            let full = parse_full::<()>(doc.as_bytes()).map(|p| p.claims);
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{doc}");
        }
    }

    #[test]
    fn registered_names_are_matched_exactly() {
        for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
            assert!(registered_index(name).is_some(), "{name}");
            for other in [
                &name[..2],
                &format!("{name}x"),
                &name.to_uppercase(),
                &format!("{}\0", &name[..2]),
            ] {
                assert_eq!(registered_index(other), None, "{other}");
            }
        }
        assert_eq!(registered_index(""), None);
        assert_eq!(registered_index("\0\0\0"), None);
        assert_eq!(registered_index("i\0\0"), None);
    }

    #[test]
    fn nested_scan() {
        assert!(!has_nested_object(br#"{"a":"{","b":"\"{"}"#));
        assert!(has_nested_object(br#"{"a":[{"b":1}]}"#));
    }
}
