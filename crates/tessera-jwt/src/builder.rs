//! Building and signing JWTs.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};
use tessera_core::{UnixTime, b64};
use tessera_jose::SigningKey;
use tessera_jose::jws::JwsHeader;

use crate::Error;

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
#[derive(Clone, Debug)]
pub struct JwtBuilder {
    typ: Option<String>,
    cty: Option<String>,
    kid: Option<String>,
    /// The claims set as compact JSON, always a complete object (`{}` when empty), members in
    /// the order they were set. Serialised once, as the claims are added.
    json: Vec<u8>,
    /// Where each member name (its JSON string, quotes included) sits in `json`, for repeat
    /// detection: `serde_json` escapes a given name one way only, so equal names have equal
    /// encodings.
    names: Vec<(usize, usize, u64)>,
    /// The same names hashed, once there are too many for a linear scan.
    index: Option<HashSet<Box<[u8]>>>,
    /// One bit per name in `names` (by [`bloom_bit`]): a name whose bit is clear is new, so
    /// the scan is skipped.
    seen: [u64; 2],
    error: Option<String>,
}

impl Default for JwtBuilder {
    fn default() -> Self {
        let mut json = Vec::with_capacity(INITIAL_JSON);
        json.extend_from_slice(b"{}");
        JwtBuilder {
            typ: None,
            cty: None,
            kid: None,
            json,
            names: Vec::with_capacity(16),
            index: None,
            seen: [0; 2],
            error: None,
        }
    }
}

/// Room for an ID-token-sized claims set without growing.
const INITIAL_JSON: usize = 512;
/// Above this many claims, repeat detection switches from a linear scan to a hash set.
const LINEAR_NAMES: usize = 32;

impl JwtBuilder {
    /// An empty builder; the header will carry `typ: JWT` unless [`typ`](JwtBuilder::typ) says
    /// otherwise.
    pub fn new() -> Self {
        JwtBuilder::default()
    }

    /// Appends the member `name` with `value` (written as `serde_json` writes it), type-checking
    /// registered claims and refusing a repeated name. On failure the JSON is left as it was.
    fn add<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), String> {
        let json = &mut self.json;
        let before = json.len();
        // `json` always ends with the closing brace of the object.
        json.pop();
        if json.len() > 1 {
            json.push(b',');
        }
        let name_start = json.len();
        write_json_str(json, name);
        let name_end = json.len();
        json.push(b':');
        let res = match plain::write_value(json, value) {
            Err(e) => Err(format!("the claim {name:?} does not serialise: {e}")),
            Ok(kind) => {
                let value = json.get(name_end + 1..).unwrap_or_default();
                check_registered(name, kind, value)
                    .and_then(|()| self.remember(name, name_start, name_end))
            }
        };
        if res.is_err() {
            self.json.truncate(before.saturating_sub(1));
        }
        self.json.push(b'}');
        res
    }

    /// Records `name`, written at `json[start..end]`, or reports it as set twice.
    #[inline]
    fn remember(&mut self, name: &str, start: usize, end: usize) -> Result<(), String> {
        let fp = fingerprint(name.as_bytes());
        let (word, bit) = bloom_bit(fp);
        let Some(seen) = self.seen.get_mut(word) else {
            return self.remember_slow(start, end, fp);
        };
        if *seen & bit == 0 && self.index.is_none() && self.names.len() < LINEAR_NAMES {
            // A new name: no other has its bit.
            *seen |= bit;
            self.names.push((start, end, fp));
            return Ok(());
        }
        *seen |= bit;
        self.remember_slow(start, end, fp)
    }

    /// [`remember`](Self::remember) when the name may be a repeat, or there are many names.
    #[cold]
    #[inline(never)]
    fn remember_slow(&mut self, start: usize, end: usize, fp: u64) -> Result<(), String> {
        let name = self.json.get(start..end).unwrap_or_default();
        let twice = || {
            let shown: String = serde_json::from_slice(name).unwrap_or_default();
            Err(format!("the claim {shown:?} is set twice"))
        };
        if let Some(index) = &mut self.index {
            if !index.insert(name.into()) {
                return twice();
            }
        } else {
            let json = &self.json;
            if self
                .names
                .iter()
                .any(|&(s, e, f)| f == fp && json.get(s..e) == Some(name))
            {
                return twice();
            }
            if self.names.len() >= LINEAR_NAMES {
                let mut index: HashSet<Box<[u8]>> = self
                    .names
                    .iter()
                    .filter_map(|&(s, e, _)| json.get(s..e))
                    .map(Into::into)
                    .collect();
                index.insert(name.into());
                self.index = Some(index);
            }
        }
        self.names.push((start, end, fp));
        Ok(())
    }

    fn set(mut self, name: &str, value: &(impl Serialize + ?Sized)) -> Self {
        if self.error.is_none()
            && let Err(e) = self.add(name, value)
        {
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
            self.error
                .get_or_insert_with(|| "the random number generator failed".into());
            return self;
        }
        self.jwt_id(b64::encode(bytes))
    }

    /// Any claim. Registered claims are type-checked.
    pub fn claim(self, name: impl Into<String>, value: impl Serialize) -> Self {
        self.set(&name.into(), &value)
    }

    /// Every member of `claims`, which must serialise to a JSON object. The members are
    /// serialised straight into the claims set, each checked like [`claim`](JwtBuilder::claim).
    pub fn claims(mut self, claims: &impl Serialize) -> Self {
        if self.error.is_some() {
            return self;
        }
        match claims.serialize(members::Members { b: &mut self }) {
            Ok(()) => self,
            Err(members::Stop::Failed) => self,
            Err(members::Stop::Other) => {
                // An exotic shape (an enum variant, say): take the general route.
                match serde_json::to_value(claims) {
                    Ok(Value::Object(m)) => {
                        for (k, v) in m {
                            self = self.set(&k, &v);
                        }
                        self
                    }
                    Ok(Value::Null) => self,
                    Ok(_) => self.fail("the claims type must serialise to a JSON object".into()),
                    Err(e) => self.fail(format!("the claims do not serialise: {e}")),
                }
            }
            Err(members::Stop::Custom(e)) => self.fail(format!("the claims do not serialise: {e}")),
        }
    }

    fn fail(mut self, e: String) -> Self {
        self.error.get_or_insert(e);
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
    pub fn claims_map(&self) -> Map<String, Value> {
        serde_json::from_slice(&self.json).unwrap_or_default()
    }

    /// The claims set as JSON bytes, or the first error a setter recorded.
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        self.payload_json().map(<[u8]>::to_vec)
    }

    /// The claims set as JSON bytes (borrowed), or the first error a setter recorded.
    pub fn payload_json(&self) -> Result<&[u8], Error> {
        match &self.error {
            Some(e) => Err(Error::Build { reason: e.clone() }),
            None => Ok(&self.json),
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

    /// Signs the claims into a compact JWS with `key` (whose algorithm becomes `alg`).
    ///
    /// The header is [`header_for`](JwtBuilder::header_for) with the key's `kid` when the
    /// builder names none, exactly as [`sign_compact`](tessera_jose::jws::sign_compact) would
    /// write it (the usual `{"alg","typ":"JWT","kid"}` header is the key's own
    /// [`jwt_header_b64`](SigningKey::jwt_header_b64), encoded once). The token is assembled in
    /// one pre-sized buffer and an HMAC, ECDSA or EdDSA signature never touches the heap.
    pub fn sign(&self, key: &SigningKey) -> Result<String, Error> {
        let payload = self.payload_json()?;
        let kid = self.kid.as_deref().or(key.kid());
        let typ = self.typ.as_deref().unwrap_or("JWT");
        let sig_len = key.signature_len();
        let token_len = |header_b64: usize| {
            header_b64 + b64::encoded_len(payload.len()) + b64::encoded_len(sig_len) + 2
        };
        // The token is assembled as bytes in one pre-sized buffer: header, payload, signature.
        let mut out;
        if typ == "JWT" && self.cty.is_none() && kid == key.kid() {
            // The usual header, encoded once by the key.
            let header_b64 = key.jwt_header_b64();
            out = Vec::with_capacity(token_len(header_b64.len()));
            out.extend_from_slice(header_b64.as_bytes());
        } else {
            // `{"alg":"…","typ":…,"kid":…,"cty":…}`, in `JwsHeader`'s member order.
            let mut header = Vec::with_capacity(64 + typ.len() + kid.map_or(0, str::len));
            header.extend_from_slice(b"{\"alg\":\"");
            header.extend_from_slice(key.alg().as_str().as_bytes());
            header.extend_from_slice(b"\",\"typ\":");
            write_json_str(&mut header, typ);
            if let Some(kid) = kid {
                header.extend_from_slice(b",\"kid\":");
                write_json_str(&mut header, kid);
            }
            if let Some(cty) = self.cty.as_deref() {
                header.extend_from_slice(b",\"cty\":");
                write_json_str(&mut header, cty);
            }
            header.push(b'}');
            out = Vec::with_capacity(token_len(b64::encoded_len(header.len())));
            b64::encode_append(&header, &mut out);
        }
        out.push(b'.');
        b64::encode_append(payload, &mut out);
        // HMAC, ECDSA and EdDSA signatures go through the stack; RSA ones (a hundred times
        // slower to make) through the heap.
        let mut stack = [0u8; 132];
        let heap;
        let sig = if sig_len <= stack.len() {
            let n = key.sign_to_slice(&out, &mut stack)?;
            stack.get(..n).unwrap_or_default()
        } else {
            heap = key.sign(&out)?;
            heap.as_slice()
        };
        out.push(b'.');
        b64::encode_append(sig, &mut out);
        // base64url is ASCII.
        String::from_utf8(out).map_err(|_| Error::Build {
            reason: "the token is not ASCII".into(),
        })
    }
}

/// Appends `s` as a JSON string, exactly as `serde_json` writes it: copied as is when nothing
/// needs escaping (the usual claim name or value), else through `serde_json`.
#[inline(always)]
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        write_escaped(out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// [`write_json_str`] for a string with something to escape.
#[cold]
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Whether `s` holds a byte that `serde_json` escapes in a string: a control character
/// (U+0000 to U+001F), `"` or `\\`. Eight bytes per step (SWAR); a short string or the tail
/// is read as overlapping words, so no byte-by-byte loop runs.
#[inline(always)]
fn needs_escape(s: &[u8]) -> bool {
    const WORD: fn(&[u8; 8]) -> u64 = |w| u64::from_ne_bytes(*w);
    const HALF: fn(&[u8; 4]) -> u64 = |w| u64::from(u32::from_ne_bytes(*w));
    let mut words = s.chunks_exact(8);
    let mut hit = 0u64;
    for w in &mut words {
        hit |= escape_bits(w.first_chunk().map_or(0, WORD));
    }
    let len = s.len();
    let last = match (s.last_chunk(), s.first_chunk(), s.last_chunk()) {
        // Whole words, or the last eight bytes (which overlap the words checked).
        (Some(w), _, _) => WORD(w),
        // Four to seven bytes: the first four and the last four.
        (None, Some(a), Some(b)) => HALF(a) | HALF(b) << 32,
        // Three bytes or fewer: the first, middle and last cover them all; `A` pads.
        _ => match (s.first(), s.get(len / 2), s.last()) {
            (Some(&a), Some(&b), Some(&c)) => {
                u64::from_le_bytes([a, b, c, b'A', b'A', b'A', b'A', b'A'])
            }
            _ => return false,
        },
    };
    (hit | escape_bits(last)) != 0
}

/// The high bit of each byte of `x` that is a control character, `"` or `\\` (the lowest such
/// byte is marked exactly; bytes above it may be marked too, which an "any" test tolerates).
fn escape_bits(x: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    // `(v - ONES) & !v` marks the zero bytes of `v`, `(x - 0x20 * ONES) & !x` the bytes of `x`
    // below 0x20; `!x` stands in for `!v` because XOR with an ASCII byte keeps the high bit.
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    (x.wrapping_sub(ONES * 0x20) | quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES))
        & !x
        & (ONES << 7)
}

/// A cheap fingerprint of a name: its length and first, middle and last bytes. Equal names
/// have equal fingerprints; their encodings are compared only when the fingerprints match.
#[inline]
fn fingerprint(name: &[u8]) -> u64 {
    let at = |b: Option<&u8>| u64::from(b.copied().unwrap_or(0));
    let len = name.len();
    (len as u64) | at(name.first()) << 32 | at(name.get(len / 2)) << 40 | at(name.last()) << 48
}

/// The word and bit of `JwtBuilder::seen` for a name with fingerprint `fp`.
#[inline]
fn bloom_bit(fp: u64) -> (usize, u64) {
    let h = fp.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57;
    ((h >> 6) as usize & 1, 1 << (h & 63))
}

/// Checks the serialised value of a registered claim: strings for `iss`/`sub`/`jti`, a string
/// or an array of strings for `aud`, a non-negative number for `exp`/`nbf`/`iat`.
#[inline(always)]
fn check_registered(name: &str, kind: plain::Kind, v: &[u8]) -> Result<(), String> {
    // Every registered name has three letters.
    match <[u8; 3]>::try_from(name.as_bytes()) {
        Ok(name3) if !registered_ok(&name3, kind, v) => Err(wrong_type(name, v)),
        _ => Ok(()),
    }
}

#[cold]
fn wrong_type(name: &str, v: &[u8]) -> String {
    format!(
        "the registered claim {name:?} has the wrong type: {}",
        String::from_utf8_lossy(v)
    )
}

fn registered_ok(name3: &[u8; 3], kind: plain::Kind, v: &[u8]) -> bool {
    match name3 {
        b"iss" | b"sub" | b"jti" => v.first() == Some(&b'"'),
        b"aud" => match v.first() {
            Some(b'"') => true,
            Some(b'[') => serde_json::from_slice::<Vec<String>>(v).is_ok(),
            _ => false,
        },
        // The usual case, an integer, without a float parse.
        b"exp" | b"nbf" | b"iat" => kind == plain::Kind::Unsigned || non_negative_number(v),
        _ => true,
    }
}

/// Whether `v` is a JSON number that is not negative.
fn non_negative_number(v: &[u8]) -> bool {
    if !v.is_empty() && v.iter().all(u8::is_ascii_digit) {
        return true;
    }
    v.first().is_some_and(|b| b.is_ascii_digit() || *b == b'-')
        && std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(|f| f >= 0.0)
}

/// The claim values serialised directly: strings, integers, booleans and nulls, written
/// exactly as `serde_json` writes them; any other shape is left to `serde_json`.
mod plain {
    use std::fmt;

    use serde::Serialize;
    use serde::ser::{self, Impossible};

    use super::write_json_str;

    /// What a value was, as far as the registered-claim checks care.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) enum Kind {
        /// A non-negative integer.
        Unsigned,
        /// Anything else.
        Other,
    }

    /// Appends the JSON for `value` to `out`, as `serde_json::to_writer` would.
    pub(super) fn write_value<T: Serialize + ?Sized>(
        out: &mut Vec<u8>,
        value: &T,
    ) -> Result<Kind, serde_json::Error> {
        let before = out.len();
        match value.serialize(Plain { out: &mut *out }) {
            Ok(kind) => Ok(kind),
            Err(NotPlain) => {
                out.truncate(before);
                serde_json::to_writer(&mut *out, value).map(|()| Kind::Other)
            }
        }
    }

    /// The value is not one `Plain` writes (or its `Serialize` failed): `serde_json` takes it.
    #[derive(Debug)]
    struct NotPlain;

    impl fmt::Display for NotPlain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("not a plain value")
        }
    }

    impl std::error::Error for NotPlain {}

    impl ser::Error for NotPlain {
        fn custom<T: fmt::Display>(_: T) -> Self {
            NotPlain
        }
    }

    struct Plain<'o> {
        out: &'o mut Vec<u8>,
    }

    impl Plain<'_> {
        fn int(self, v: impl itoa::Integer, kind: Kind) -> Result<Kind, NotPlain> {
            self.out
                .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(kind)
        }
        fn raw(self, s: &[u8]) -> Result<Kind, NotPlain> {
            self.out.extend_from_slice(s);
            Ok(Kind::Other)
        }
    }

    fn signed(v: i64) -> Kind {
        if v >= 0 { Kind::Unsigned } else { Kind::Other }
    }

    macro_rules! not_plain {
        ($($f:ident($($t:ty),*) -> $r:ty;)*) => {$(
            fn $f(self, $(_: $t),*) -> Result<$r, NotPlain> {
                Err(NotPlain)
            }
        )*};
    }

    impl ser::Serializer for Plain<'_> {
        type Ok = Kind;
        type Error = NotPlain;
        type SerializeSeq = Impossible<Kind, NotPlain>;
        type SerializeTuple = Impossible<Kind, NotPlain>;
        type SerializeTupleStruct = Impossible<Kind, NotPlain>;
        type SerializeTupleVariant = Impossible<Kind, NotPlain>;
        type SerializeMap = Impossible<Kind, NotPlain>;
        type SerializeStruct = Impossible<Kind, NotPlain>;
        type SerializeStructVariant = Impossible<Kind, NotPlain>;

        fn serialize_bool(self, v: bool) -> Result<Kind, NotPlain> {
            self.raw(if v { b"true" } else { b"false" })
        }
        fn serialize_i8(self, v: i8) -> Result<Kind, NotPlain> {
            self.int(v, signed(v.into()))
        }
        fn serialize_i16(self, v: i16) -> Result<Kind, NotPlain> {
            self.int(v, signed(v.into()))
        }
        fn serialize_i32(self, v: i32) -> Result<Kind, NotPlain> {
            self.int(v, signed(v.into()))
        }
        fn serialize_i64(self, v: i64) -> Result<Kind, NotPlain> {
            self.int(v, signed(v))
        }
        fn serialize_u8(self, v: u8) -> Result<Kind, NotPlain> {
            self.int(v, Kind::Unsigned)
        }
        fn serialize_u16(self, v: u16) -> Result<Kind, NotPlain> {
            self.int(v, Kind::Unsigned)
        }
        fn serialize_u32(self, v: u32) -> Result<Kind, NotPlain> {
            self.int(v, Kind::Unsigned)
        }
        fn serialize_u64(self, v: u64) -> Result<Kind, NotPlain> {
            self.int(v, Kind::Unsigned)
        }
        fn serialize_char(self, v: char) -> Result<Kind, NotPlain> {
            write_json_str(self.out, v.encode_utf8(&mut [0u8; 4]));
            Ok(Kind::Other)
        }
        fn serialize_str(self, v: &str) -> Result<Kind, NotPlain> {
            write_json_str(self.out, v);
            Ok(Kind::Other)
        }
        fn serialize_none(self) -> Result<Kind, NotPlain> {
            self.raw(b"null")
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Kind, NotPlain> {
            v.serialize(self)
        }
        fn serialize_unit(self) -> Result<Kind, NotPlain> {
            self.raw(b"null")
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<Kind, NotPlain> {
            self.raw(b"null")
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
        ) -> Result<Kind, NotPlain> {
            write_json_str(self.out, variant);
            Ok(Kind::Other)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<Kind, NotPlain> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<Kind, NotPlain> {
            Err(NotPlain)
        }
        // Floats (`serde_json` has its own formatting and writes non-finite ones as `null`),
        // 128-bit integers, bytes and every compound value.
        not_plain! {
            serialize_f32(f32) -> Kind; serialize_f64(f64) -> Kind;
            serialize_i128(i128) -> Kind; serialize_u128(u128) -> Kind;
            serialize_bytes(&[u8]) -> Kind;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
            serialize_map(Option<usize>) -> Self::SerializeMap;
            serialize_struct(&'static str, usize) -> Self::SerializeStruct;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
        }
    }
}

/// A serializer that takes a struct or map apart into the builder's members.
mod members {
    use std::fmt;

    use serde::Serialize;
    use serde::ser::{self, Impossible};

    use super::JwtBuilder;

    /// Why serialising stopped.
    #[derive(Debug)]
    pub(super) enum Stop {
        /// A member failed; the builder recorded the error.
        Failed,
        /// Not a plain struct or map: the caller takes another route.
        Other,
        /// The type's own `Serialize` failed.
        Custom(String),
    }

    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Stop::Failed => f.write_str("a claim was refused"),
                Stop::Other => f.write_str("not a struct or map"),
                Stop::Custom(e) => f.write_str(e),
            }
        }
    }

    impl std::error::Error for Stop {}

    impl ser::Error for Stop {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            Stop::Custom(msg.to_string())
        }
    }

    pub(super) struct Members<'b> {
        pub(super) b: &'b mut JwtBuilder,
    }

    impl Members<'_> {
        fn member<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Stop> {
            if self.b.error.is_some() {
                return Err(Stop::Failed);
            }
            match self.b.add(name, value) {
                Ok(()) => Ok(()),
                Err(e) => {
                    self.b.error = Some(e);
                    Err(Stop::Failed)
                }
            }
        }
    }

    macro_rules! other {
        ($($f:ident($($t:ty),*);)*) => {$(
            fn $f(self, $(_: $t),*) -> Result<(), Stop> {
                Err(Stop::Other)
            }
        )*};
    }

    impl<'b> ser::Serializer for Members<'b> {
        type Ok = ();
        type Error = Stop;
        type SerializeSeq = Impossible<(), Stop>;
        type SerializeTuple = Impossible<(), Stop>;
        type SerializeTupleStruct = Impossible<(), Stop>;
        type SerializeTupleVariant = Impossible<(), Stop>;
        type SerializeMap = MapMembers<'b>;
        type SerializeStruct = Self;
        type SerializeStructVariant = Impossible<(), Stop>;

        other! {
            serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
            serialize_i64(i64); serialize_i128(i128); serialize_u8(u8); serialize_u16(u16);
            serialize_u32(u32); serialize_u64(u64); serialize_u128(u128); serialize_f32(f32);
            serialize_f64(f64); serialize_char(char); serialize_str(&str);
            serialize_bytes(&[u8]); serialize_unit_variant(&'static str, u32, &'static str);
        }

        fn serialize_none(self) -> Result<(), Stop> {
            Ok(())
        }
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Stop> {
            v.serialize(self)
        }
        fn serialize_unit(self) -> Result<(), Stop> {
            Ok(())
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
            Ok(())
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<(), Stop> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Stop> {
            Err(Stop::Other)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Stop> {
            Err(Stop::Other)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<MapMembers<'b>, Stop> {
            Ok(MapMembers { m: self, key: None })
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
            Ok(self)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Stop> {
            Err(Stop::Other)
        }
    }

    impl ser::SerializeStruct for Members<'_> {
        type Ok = ();
        type Error = Stop;
        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Stop> {
            self.member(key, value)
        }
        fn end(self) -> Result<(), Stop> {
            Ok(())
        }
    }

    pub(super) struct MapMembers<'b> {
        m: Members<'b>,
        key: Option<String>,
    }

    impl ser::SerializeMap for MapMembers<'_> {
        type Ok = ();
        type Error = Stop;
        fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
            // JSON member names: strings, or numbers and booleans written as strings (as
            // `serde_json` itself does).
            self.key = Some(match serde_json::to_value(key) {
                Ok(serde_json::Value::String(s)) => s,
                Ok(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    v.to_string()
                }
                Ok(_) => return Err(Stop::Custom("a claim name must be a string".into())),
                Err(e) => return Err(Stop::Custom(e.to_string())),
            });
            Ok(())
        }
        fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
            let key = self
                .key
                .take()
                .ok_or_else(|| Stop::Custom("a map value without a key".into()))?;
            self.m.member(&key, value)
        }
        fn end(self) -> Result<(), Stop> {
            Ok(())
        }
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
    fn sign_matches_the_jws_layer_byte_for_byte() {
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
            // Members in the order set, and the JSON is what serde_json writes for the values.
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

    /// The word-at-a-time escape scan against the byte-by-byte rule, for every byte value at
    /// every position of strings of every length up to 40 (words, overlapping tails, short
    /// strings), over a background of plain, non-ASCII and boundary bytes; and the strings it
    /// writes against `serde_json`.
    #[test]
    fn escape_scan_agrees_with_the_bytewise_rule() {
        let naive = |s: &[u8]| s.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        for fill in [b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff] {
            for len in 0..=40usize {
                let base = vec![fill; len];
                assert_eq!(needs_escape(&base), naive(&base), "{fill} {len}");
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut s = base.clone();
                        s[at] = b;
                        assert_eq!(needs_escape(&s), naive(&s), "{fill} {len} {at} {b}");
                    }
                }
            }
        }
        for s in [
            "",
            "a",
            "é\u{2028}",
            "a\"b",
            "\u{0}\u{1f}\u{7f}",
            "tab\there",
            "😀\\",
        ] {
            let mut out = b"x".to_vec();
            write_json_str(&mut out, s);
            assert_eq!(&out[1..], serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    /// Every repeat is refused, whichever name repeats, below and above the switch to the
    /// hash set, and however the names' filter bits collide.
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
    fn random_jti_is_fresh() {
        let a = JwtBuilder::new().random_jwt_id();
        let b = JwtBuilder::new().random_jwt_id();
        assert_ne!(a.claims_map()["jti"], b.claims_map()["jti"]);
        assert_eq!(a.claims_map()["jti"].as_str().unwrap().len(), 22);
    }
}
