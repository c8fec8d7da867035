//! A fast path for flat JSON objects — JWT claims sets, JOSE headers, token responses — in
//! front of `serde_json`.
//!
//! [`FlatObject`] is a [`serde::Deserializer`] for one top-level JSON object. It reads the
//! common values itself: strings without escapes, non-negative integers that fit a `u64`,
//! `true`, `false` and `null`. Every other value (escaped strings, negative or fractional
//! numbers, arrays, nested objects, enums, bytes, raw values) is handed to `serde_json` on
//! exactly that value's text, so serde_json's grammar, number parsing and error rules apply to
//! it unchanged.
//!
//! The contract is one-sided: **when it succeeds, the visitor saw exactly the calls
//! `serde_json` would have made** (the same `visit_*` methods with the same borrowed values).
//! When it fails, the error may be a bare "unsupported" marker rather than a useful message:
//! the caller must then parse again with `serde_json` for the real result (which is usually
//! the same error, and is the right answer if the fast path merely declined). An object key
//! with an escape, a syntax error, or anything the visitor rejects makes it decline. The worst
//! case therefore costs two parses, never a different answer.
//!
//! A caller that knows some members' types can also walk the members itself —
//! [`open`](FlatObject::open), then [`next_name`](FlatObject::next_name) and, for each name,
//! either [`plain_str_value`](FlatObject::plain_str_value) /
//! [`plain_u64_value`](FlatObject::plain_u64_value) or [`value`](FlatObject::value) (a
//! deserializer with the same contract) — skipping the visitor layers for those members.
//!
//! ```
//! use serde::Deserialize;
//! use tessera_core::json::flat::FlatObject;
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Claims<'a> {
//!     iss: &'a str,
//!     exp: u64,
//!     aud: Vec<String>,
//! }
//!
//! let text = r#"{"iss":"https://issuer.example","exp":1700000000,"aud":["a","b"]}"#;
//! let mut de = FlatObject::new(text);
//! let fast = Claims::deserialize(&mut de).and_then(|c| de.end().map(|()| c));
//! let claims = match fast {
//!     Ok(c) => c,
//!     // Declined or invalid: serde_json gives the real answer.
//!     Err(_) => serde_json::from_str(text)?,
//! };
//! assert_eq!(claims.aud, ["a", "b"]);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Error;

/// The name `serde_json` gives its `RawValue` newtype; such a value is always handed over.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Nesting deeper than this inside a handed-over value makes the fast path decline, so that
/// serde_json's own depth limit (128, counting the top-level object) decides.
const MAX_HANDED_DEPTH: usize = 120;

fn decline() -> Error {
    de::Error::custom("tessera flat JSON fast path declined")
}

/// Where a [`FlatObject`] is in its top-level object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the opening `{`.
    Start,
    /// After the `{`, before any member.
    FirstMember,
    /// After a member name and its `:`, before the value.
    Value,
    /// After a member value.
    NextMember,
    /// After the closing `}`.
    End,
}

/// A [`Deserializer`] for one flat-ish top-level JSON object; see the [module docs](self).
#[derive(Debug)]
pub struct FlatObject<'de> {
    src: &'de str,
    pos: usize,
    /// Where in the top-level object `pos` is.
    at: At,
    /// Whether values handed to serde_json are first checked for repeated member names.
    check_nested: bool,
}

impl<'de> FlatObject<'de> {
    /// A deserializer over `src`, which must hold one JSON object.
    pub fn new(src: &'de str) -> Self {
        FlatObject {
            src,
            pos: 0,
            at: At::Start,
            check_nested: false,
        }
    }

    /// Like [`FlatObject::new`], but every object or array value is first checked for repeated
    /// member names at every depth ([`check_duplicates`](super::check_duplicates)), and the
    /// fast path declines if it finds one. Repeated names of the top-level object itself are
    /// the visitor's to catch: it sees every name.
    pub fn rejecting_duplicates(src: &'de str) -> Self {
        FlatObject {
            check_nested: true,
            ..FlatObject::new(src)
        }
    }

    /// Checks that only whitespace follows the object (call after deserializing).
    pub fn end(&mut self) -> Result<(), Error> {
        self.skip_ws();
        if self.at == At::End && self.pos == self.src.len() {
            Ok(())
        } else {
            Err(decline())
        }
    }

    /// Reads the opening `{` of the object, for a caller that walks the members itself with
    /// [`next_name`](Self::next_name) and [`value`](Self::value) (or the `plain_*_value`
    /// shortcuts) instead of deserializing the whole object.
    pub fn open(&mut self) -> Result<(), Error> {
        if self.at != At::Start || self.next_byte() != Some(b'{') {
            return Err(decline());
        }
        self.pos += 1;
        self.at = At::FirstMember;
        Ok(())
    }

    /// The next member's name, then positioned at its value; `None` once the closing `}` is
    /// read (and on every later call). Each name must be followed by reading its value,
    /// exactly once, before the next name.
    #[inline(always)]
    pub fn next_name(&mut self) -> Result<Option<&'de str>, Error> {
        match self.at {
            At::NextMember => match self.next_byte() {
                Some(b',') => {
                    self.pos += 1;
                    if self.next_byte() != Some(b'"') {
                        return Err(decline());
                    }
                }
                Some(b'}') => return Ok(self.close()),
                _ => return Err(decline()),
            },
            At::FirstMember => match self.next_byte() {
                Some(b'"') => {}
                Some(b'}') => return Ok(self.close()),
                _ => return Err(decline()),
            },
            // Asked again after the end, as serde_json allows.
            At::End => return Ok(None),
            At::Start | At::Value => return Err(decline()),
        }
        let key = self.plain_str().ok_or_else(decline)?;
        if self.next_byte() != Some(b':') {
            return Err(decline());
        }
        self.pos += 1;
        self.skip_ws();
        self.at = At::Value;
        Ok(Some(key))
    }

    /// Consumes the closing `}`.
    fn close(&mut self) -> Option<&'de str> {
        self.pos += 1;
        self.at = At::End;
        None
    }

    /// The value of the member just named, as a deserializer: what a [`MapAccess`] gives
    /// for it.
    #[inline]
    pub fn value(&mut self) -> Result<MemberValue<'_, 'de>, Error> {
        if self.at != At::Value {
            return Err(decline());
        }
        Ok(MemberValue { de: self })
    }

    /// The value of the member just named if it is a string without escapes (consumed and
    /// returned, borrowed, as serde_json would offer it); `None` leaves it unread.
    #[inline]
    pub fn plain_str_value(&mut self) -> Option<&'de str> {
        if self.at != At::Value || self.peek() != Some(b'"') {
            return None;
        }
        self.plain_str()
    }

    /// The value of the member just named if it is an integer serde_json reads as a `u64`
    /// (consumed and returned); `None` leaves it unread.
    #[inline]
    pub fn plain_u64_value(&mut self) -> Option<u64> {
        if self.at != At::Value || !matches!(self.peek(), Some(b'0'..=b'9')) {
            return None;
        }
        self.plain_u64()
    }

    fn bytes(&self) -> &'de [u8] {
        self.src.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips whitespace and returns the byte after it (not consumed).
    #[inline(always)]
    fn next_byte(&mut self) -> Option<u8> {
        let c = self.peek();
        if let Some(b' ' | b'\t' | b'\n' | b'\r') = c {
            self.skip_ws();
            return self.peek();
        }
        c
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `lit` (`true`, `false`, `null`) if it is next.
    fn literal(&mut self, lit: &str) -> Result<(), Error> {
        if self.bytes().get(self.pos..self.pos + lit.len()) == Some(lit.as_bytes()) {
            self.pos += lit.len();
            self.at = At::NextMember;
            Ok(())
        } else {
            Err(decline())
        }
    }

    /// The string at `pos` (an opening quote) if it has no escape and no control character;
    /// `None` otherwise (nothing consumed).
    #[inline(always)]
    fn plain_str(&mut self) -> Option<&'de str> {
        let start = self.pos + 1;
        let body = self.bytes().get(start..)?;
        // The first eight bytes here (member names end within them), the rest in a loop.
        let len = match body.first_chunk::<8>() {
            Some(chunk) => match special_lanes(u64::from_le_bytes(*chunk)) {
                0 => 8 + plain_run(body.get(8..)?),
                m => (m.trailing_zeros() / 8) as usize,
            },
            None => plain_run(body),
        };
        if body.get(len) != Some(&b'"') {
            return None;
        }
        // (`split_at_checked` inlines where `get` with a range did not.)
        let (_, rest) = self.src.split_at_checked(start)?;
        let (s, _) = rest.split_at_checked(len)?;
        self.pos = start + len + 1;
        self.at = At::NextMember;
        Some(s)
    }

    /// A non-negative integer at `pos` that serde_json would also read as a `u64`: no leading
    /// zero, not followed by a fraction or exponent, no overflow. `None` otherwise (nothing
    /// consumed).
    #[inline]
    fn plain_u64(&mut self) -> Option<u64> {
        let b = self.bytes();
        let start = self.pos;
        let mut i = start;
        let mut n: u64 = 0;
        // Eight bytes at a time: the leading run of digits in each word is added in one step.
        loop {
            let t = load8(b, i) ^ (LO * u64::from(b'0'));
            let k = digit_run(t);
            if k == 0 {
                break;
            }
            n = n
                .checked_mul(*POW10.get(k)?)?
                .checked_add(eight_digits(t << (8 * (8 - k))))?;
            i += k;
            if k < 8 {
                break;
            }
        }
        let digits = i - start;
        if digits == 0 || (digits > 1 && b.get(start) == Some(&b'0')) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = b.get(i) {
            return None;
        }
        self.pos = i;
        self.at = At::NextMember;
        Some(n)
    }

    /// The end of the value starting at `pos`, found without validating it (serde_json
    /// validates it afterwards). `None` for a value nested too deeply or not starting a value.
    fn value_end(&self) -> Option<usize> {
        let b = self.bytes();
        let start = self.pos;
        match b.get(start)? {
            b'"' => string_end(b, start),
            b'-' | b'0'..=b'9' => {
                let len = b
                    .get(start..)?
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(b.len() - start);
                Some(start + len)
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = start;
                while let Some(&c) = b.get(i) {
                    match c {
                        b'"' => {
                            i = string_end(b, i)?;
                            continue;
                        }
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > MAX_HANDED_DEPTH {
                                return None;
                            }
                        }
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                None
            }
            b't' => Some(start + 4),
            b'f' => Some(start + 5),
            b'n' => Some(start + 4),
            _ => None,
        }
    }

    /// Hands the value at `pos` to serde_json, then moves past it.
    #[cold]
    #[inline(never)]
    fn hand_over<T>(
        &mut self,
        f: impl FnOnce(&mut JsonDe<'de>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let end = self.value_end().ok_or_else(decline)?;
        let text = self.src.get(self.pos..end).ok_or_else(decline)?;
        if self.check_nested
            && matches!(text.as_bytes().first(), Some(b'{' | b'['))
            && super::check_duplicates(text.as_bytes(), "JSON").is_err()
        {
            return Err(decline());
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let v = f(&mut de)?;
        de.end()?;
        self.pos = end;
        self.at = At::NextMember;
        Ok(v)
    }
}

/// The length of the run of bytes that may appear unescaped in a JSON string (no `"`, `\`, or
/// control character).
pub(super) fn plain_run(b: &[u8]) -> usize {
    // Sixteen bytes a step (two words, one branch), then one word, then bytes.
    let mut chunks = b.chunks_exact(16);
    let mut i = 0;
    for chunk in chunks.by_ref() {
        let mut lanes = [0u8; 16];
        lanes.copy_from_slice(chunk);
        let v = u128::from_le_bytes(lanes);
        #[allow(clippy::cast_possible_truncation)]
        let (lo, hi) = (special_lanes(v as u64), special_lanes((v >> 64) as u64));
        if lo | hi != 0 {
            // The lowest flagged lane is always a real hit (borrows only run upwards).
            return i + if lo != 0 {
                (lo.trailing_zeros() / 8) as usize
            } else {
                8 + (hi.trailing_zeros() / 8) as usize
            };
        }
        i += 16;
    }
    let mut tail = chunks.remainder();
    if let Some((word, rest)) = tail.split_first_chunk::<8>() {
        let m = special_lanes(u64::from_le_bytes(*word));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
        tail = rest;
    }
    tail.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map_or(b.len(), |p| i + p)
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// `10^k` for `k` in `0..=8`.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The eight bytes at `i` as a little-endian word, zero-padded past the end of `b`.
#[inline(always)]
fn load8(b: &[u8], i: usize) -> u64 {
    let rest = b.get(i..).unwrap_or_default();
    match rest.first_chunk::<8>() {
        Some(chunk) => u64::from_le_bytes(*chunk),
        None => load_tail(rest),
    }
}

/// Fewer than eight bytes, zero-padded.
#[cold]
fn load_tail(rest: &[u8]) -> u64 {
    let mut lanes = [0u8; 8];
    if let Some(dst) = lanes.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    u64::from_le_bytes(lanes)
}

/// How many of the low lanes of `t` (bytes XOR `'0'`) are decimal digits (values 0 to 9),
/// counted from lane 0 up to the first that is not.
fn digit_run(t: u64) -> usize {
    // A lane is not a digit when it is 10 or more: adding 0x76 to its low seven bits carries
    // into bit 7, or bit 7 is already set. No lane carries into the next.
    let not_digit = (((t & (LO * 0x7F)) + LO * 0x76) | t) & HI;
    (not_digit.trailing_zeros() / 8) as usize
}

/// The number whose eight decimal digits are the lanes of `v`, most significant in lane 0.
fn eight_digits(v: u64) -> u64 {
    // Pairs, then quadruples, then the whole (each step's products stay within their lanes).
    let v = v.wrapping_mul(10).wrapping_add(v >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul((100 << 16) + 1) >> 16) & 0x0000_FFFF_0000_FFFF;
    v.wrapping_mul((10_000 << 32) + 1) >> 32
}

/// The high bit of each lane of `v` that is `"`, `\` or below 0x20 (lanes above the first such
/// lane may also be flagged).
fn special_lanes(v: u64) -> u64 {
    // Flipping bit 1 maps `"` (0x22) to 0x20 and keeps every byte below 0x20 below it (and
    // every other byte at or above 0x21): one "less than 0x21" test finds both. Each test
    // flags the lanes below the bound (the high bit is clear in `x` exactly when it is in `v`).
    let x = v ^ (LO * 0x02);
    let y = v ^ (LO * 0x5C);
    let quote_or_control = x.wrapping_sub(LO * 0x21);
    let backslash = y.wrapping_sub(LO);
    (quote_or_control | backslash) & !v & HI
}

/// The index after the closing quote of the string whose opening quote is at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += plain_run(b.get(i..)?);
        match b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            // A control character: invalid, let serde_json say so.
            _ => i += 1,
        }
    }
}

type JsonDe<'de> = serde_json::Deserializer<serde_json::de::StrRead<'de>>;

macro_rules! decline {
    ($($method:ident ( $($arg:ident : $ty:ty),* );)*) => {$(
        fn $method<V: Visitor<'de>>(self, $(_: $ty,)* _: V) -> Result<V::Value, Error> {
            Err(decline())
        }
    )*};
}

macro_rules! hand_over {
    ($($method:ident ( $($arg:ident : $ty:ty),* );)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
            self.de.hand_over(|d| d.$method($($arg,)* visitor))
        }
    )*};
}

impl<'de> Deserializer<'de> for &mut FlatObject<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.open()?;
        let v = visitor.visit_map(Members { de: &mut *self })?;
        if self.at != At::End {
            return Err(decline());
        }
        Ok(v)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == RAW_VALUE_TOKEN {
            return Err(decline());
        }
        visitor.visit_newtype_struct(self)
    }

    decline! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_unit(); deserialize_seq();
        deserialize_identifier();
        deserialize_unit_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// The members of the top-level object.
struct Members<'a, 'de> {
    de: &'a mut FlatObject<'de>,
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.de.next_name()? {
            Some(key) => seed.deserialize(Key(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self.de.value()?)
    }
}

/// A member name: offered as a borrowed string, as serde_json offers it; any request for
/// another type (numeric or boolean map keys, which serde_json parses out of the name) is
/// declined.
struct Key<'de>(&'de str);

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    decline! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit(); deserialize_seq(); deserialize_map();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// The value of one member of the top-level object, from [`FlatObject::value`]: plain
/// strings, `u64` integers and literals are read directly, everything else is handed to
/// serde_json.
#[derive(Debug)]
pub struct MemberValue<'a, 'de> {
    de: &'a mut FlatObject<'de>,
}

impl<'de> MemberValue<'_, 'de> {
    /// A number the way serde_json's `deserialize_number` reads it: plain `u64`s here,
    /// everything else (including a non-number, for serde_json's error) handed over.
    fn number<V: Visitor<'de>>(
        self,
        visitor: V,
        hand: impl FnOnce(&mut JsonDe<'de>, V) -> Result<V::Value, Error>,
    ) -> Result<V::Value, Error> {
        let de = self.de;
        if let Some(b'0'..=b'9') = de.peek()
            && let Some(n) = de.plain_u64()
        {
            return visitor.visit_u64(n);
        }
        de.hand_over(|d| hand(d, visitor))
    }

    fn string<V: Visitor<'de>>(
        self,
        visitor: V,
        hand: impl FnOnce(&mut JsonDe<'de>, V) -> Result<V::Value, Error>,
    ) -> Result<V::Value, Error> {
        let de = self.de;
        if de.peek() == Some(b'"')
            && let Some(s) = de.plain_str()
        {
            return visitor.visit_borrowed_str(s);
        }
        de.hand_over(|d| hand(d, visitor))
    }
}

macro_rules! number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.number(visitor, |d, v| d.$method(v))
        }
    )*};
}

macro_rules! string {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.string(visitor, |d, v| d.$method(v))
        }
    )*};
}

impl<'de> Deserializer<'de> for MemberValue<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.de;
        match de.peek() {
            Some(b'"') => match de.plain_str() {
                Some(s) => visitor.visit_borrowed_str(s),
                None => de.hand_over(|d| d.deserialize_any(visitor)),
            },
            Some(b'0'..=b'9') => match de.plain_u64() {
                Some(n) => visitor.visit_u64(n),
                None => de.hand_over(|d| d.deserialize_any(visitor)),
            },
            Some(b't') => de.literal("true").and_then(|()| visitor.visit_bool(true)),
            Some(b'f') => de.literal("false").and_then(|()| visitor.visit_bool(false)),
            Some(b'n') => de.literal("null").and_then(|()| visitor.visit_unit()),
            _ => de.hand_over(|d| d.deserialize_any(visitor)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.de;
        match de.peek() {
            Some(b't') => de.literal("true").and_then(|()| visitor.visit_bool(true)),
            Some(b'f') => de.literal("false").and_then(|()| visitor.visit_bool(false)),
            _ => de.hand_over(|d| d.deserialize_bool(visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.de;
        match de.peek() {
            Some(b'n') => de.literal("null").and_then(|()| visitor.visit_unit()),
            _ => de.hand_over(|d| d.deserialize_unit(visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.de.peek() == Some(b'n') {
            self.de.literal("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == RAW_VALUE_TOKEN {
            self.de
                .hand_over(|d| d.deserialize_newtype_struct(name, visitor))
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.de;
        let skipped = match de.peek() {
            Some(b'"') => de.plain_str().is_some(),
            Some(b'0'..=b'9') => de.plain_u64().is_some(),
            Some(b't') => de.literal("true").is_ok(),
            Some(b'f') => de.literal("false").is_ok(),
            Some(b'n') => de.literal("null").is_ok(),
            _ => false,
        };
        if skipped {
            visitor.visit_unit()
        } else {
            de.hand_over(|d| d.deserialize_ignored_any(visitor))
        }
    }

    number! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f64
    }

    string! {
        deserialize_char deserialize_str deserialize_string deserialize_identifier
    }

    hand_over! {
        deserialize_i128();
        deserialize_u128();
        deserialize_f32();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_seq();
        deserialize_map();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_unit_struct(name: &'static str);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json as the oracle: the value it reads from a document holding `num` as a member
    /// value, when that is a `u64` it reads without falling back to a float.
    fn oracle(num: &str) -> Option<u64> {
        let doc = format!("{{\"a\":{num}}}");
        let v: serde_json::Value = serde_json::from_str(&doc).ok()?;
        match &v["a"] {
            serde_json::Value::Number(n) if n.is_u64() => n.as_u64(),
            _ => None,
        }
    }

    /// `plain_u64` on `text` from `start`: the value and where it stopped.
    fn fast(text: &str, start: usize) -> Option<(u64, usize)> {
        let mut de = FlatObject::new(text);
        de.pos = start;
        let n = de.plain_u64()?;
        Some((n, de.pos))
    }

    #[test]
    fn plain_u64_matches_serde_json() {
        let mut cases: Vec<String> = [
            "0",
            "00",
            "01",
            "007",
            "1",
            "9",
            "10",
            "1e5",
            "1E5",
            "1.0",
            "0.5",
            "-1",
            "-0",
            "1-",
            "12345678",
            "123456789",
            "1234567890",
            "1700000000",
            "9999999999999999",
            "12345678901234567",
            "9999999999999999999",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551625",
            "19999999999999999999",
            "99999999999999999999",
            "100000000000000000000",
            "1844674407370955161500",
            "",
            "a",
            "1a",
            "12345678a",
            "123456789012345678901234567890",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for len in 1..=24 {
            cases.push("9".repeat(len));
            cases.push(format!("1{}", "0".repeat(len - 1)));
            cases.push(
                (1..=len)
                    .map(|i| char::from(b'0' + (i % 10) as u8))
                    .collect(),
            );
        }
        for num in &cases {
            let expect = oracle(num);
            // Followed by more of the document, and at the very end of the input; at offsets
            // that put the digits at every alignment.
            for pad in 0..9 {
                let prefix = " ".repeat(pad);
                for text in [
                    format!("{prefix}{num},\"b\":1}}"),
                    format!("{prefix}{num}}}"),
                    format!("{prefix}{num}"),
                ] {
                    match fast(&text, pad) {
                        Some((n, pos)) => {
                            // What was read is a whole number serde_json reads as this u64...
                            assert_eq!(oracle(&text[pad..pos]), Some(n), "{text:?}");
                            // ...and nothing that would extend it follows.
                            let next = text.as_bytes().get(pos).copied().unwrap_or(b' ');
                            assert!(!b"0123456789.eE".contains(&next), "{text:?}");
                            if let Some(e) = expect {
                                assert_eq!((n, pos), (e, pad + num.len()), "{text:?}");
                            }
                        }
                        // Declining hands the number to serde_json; only the numbers it
                        // reads as u64 must not be declined.
                        None => assert_eq!(expect, None, "declined {text:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn plain_run_stops_at_the_first_special_byte() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        // Every byte value at every position of the first two words and the tail, behind
        // every other byte value in the lane below (borrows run upwards).
        for len in [1, 7, 8, 9, 15, 16, 17, 20, 24, 25, 31, 32, 33, 41] {
            for at in 0..len {
                for c in 0..=255u8 {
                    for below in [
                        b'a', 0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80,
                        0xFF,
                    ] {
                        let mut b = vec![b'a'; len];
                        if at > 0 {
                            b[at - 1] = below;
                        }
                        b[at] = c;
                        assert_eq!(plain_run(&b), naive(&b), "{b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn plain_str_borrows_whole_strings_only() {
        for (text, want) in [
            (r#""""#, Some("")),
            (r#""abc":1"#, Some("abc")),
            (r#""abcdefgh""#, Some("abcdefgh")),
            (r#""é😀 naïve — ok""#, Some("é😀 naïve — ok")),
            (r#""abcdefghi\"""#, None),
            ("\"ab\u{1f}\"", None),
            (r#""unterminated"#, None),
            (r#""#, None),
        ] {
            let mut de = FlatObject::new(text);
            assert_eq!(de.plain_str(), want, "{text:?}");
            if let Some(w) = want {
                assert_eq!(de.pos, w.len() + 2);
            } else {
                assert_eq!(de.pos, 0);
            }
        }
    }

    #[test]
    fn eight_digits_reads_every_lane() {
        for s in [
            "00000000", "12345678", "99999999", "10000000", "00000001", "98765432",
        ] {
            let t = load8(s.as_bytes(), 0) ^ (LO * u64::from(b'0'));
            assert_eq!(digit_run(t), 8);
            assert_eq!(eight_digits(t), s.parse::<u64>().unwrap(), "{s}");
        }
        for (s, run) in [
            ("1234567:", 7),
            ("/", 0),
            (":", 0),
            ("0", 1),
            ("", 0),
            ("12\u{7f}", 2),
        ] {
            let t = load8(s.as_bytes(), 0) ^ (LO * u64::from(b'0'));
            assert_eq!(digit_run(t), run, "{s:?}");
        }
    }
}
