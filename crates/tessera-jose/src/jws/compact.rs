use tessera_core::{b64, limits};

use super::{JwsHeader, JwsOptions};
use crate::Error;
use crate::alg::JwsAlgorithm;
use crate::error::{HeaderProblem, MismatchProblem};
use crate::keys::{SigningKey, VerifyingKey};

/// A parsed, not yet verified, compact JWS (RFC 7515 §7.1).
///
/// The token is split once; the header is decoded and checked (strict JSON, `crit`, `b64`); the
/// payload is only handed out by [`CompactJws::verify`].
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    parts: Parts<'a>,
    header: JwsHeader,
    signature: SigBuf,
}

/// A compact JWS split at its two dots.
#[derive(Clone, Copy, Debug)]
struct Parts<'t> {
    token: &'t str,
    /// Index of the first `.`.
    dot1: usize,
    /// Index of the second `.`.
    dot2: usize,
}

impl<'t> Parts<'t> {
    /// Checks the size and splits the token into exactly three segments.
    fn split(token: &'t str, options: &JwsOptions) -> Result<Self, Error> {
        limits::check("JWS", token.len(), options.max_len)?;
        let bytes = token.as_bytes();
        // `let … else` rather than `ok_or`: no error value is built (and dropped) per token.
        let Some(dot1) = memchr(bytes, 0) else {
            return Err(Error::MalformedCompact {
                expected: 3,
                found: 1,
            });
        };
        let Some(dot2) = memchr(bytes, dot1 + 1) else {
            return Err(Error::MalformedCompact {
                expected: 3,
                found: 2,
            });
        };
        if let Some(extra) = memchr(bytes, dot2 + 1) {
            let found = 4 + memchr::memchr_iter(b'.', &bytes[extra + 1..]).count();
            return Err(Error::MalformedCompact { expected: 3, found });
        }
        Ok(Parts { token, dot1, dot2 })
    }

    fn header_b64(&self) -> &'t str {
        &self.token[..self.dot1]
    }

    fn payload_segment(&self) -> &'t str {
        &self.token[self.dot1 + 1..self.dot2]
    }

    fn signature_b64(&self) -> &'t [u8] {
        &self.token.as_bytes()[self.dot2 + 1..]
    }

    fn is_detached(&self) -> bool {
        self.dot1 + 1 == self.dot2
    }

    fn signing_input(&self) -> &'t [u8] {
        &self.token.as_bytes()[..self.dot2]
    }

    /// Checks `alg` against the key, verifies `signature` over the signing input, and decodes
    /// the attached payload into `out` (base64url unless `encoded` is false).
    fn verify_into(
        &self,
        alg: JwsAlgorithm,
        encoded: bool,
        key: &VerifyingKey,
        signature: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        check_key(alg, key)?;
        // An empty payload segment is an empty payload here (a detached payload is verified
        // with `verify_detached`, which is given the payload).
        key.verify(self.signing_input(), signature)?;
        if encoded {
            b64::decode_into(self.payload_segment(), out, "JWS payload")?;
        } else {
            out.clear();
            out.extend_from_slice(self.payload_segment().as_bytes());
        }
        Ok(())
    }
}

/// Refuses a key bound to another algorithm than the token's.
fn check_key(alg: JwsAlgorithm, key: &VerifyingKey) -> Result<(), Error> {
    if alg != key.alg() {
        return Err(Error::AlgorithmNotAllowed {
            alg: alg.as_str().to_owned(),
        });
    }
    Ok(())
}

/// Room for every HMAC, ECDSA (P-521: 132 bytes) and EdDSA signature without a heap allocation;
/// RSA signatures go to the heap (their verification costs a hundred times more). Kept small:
/// the parsed token is moved by value.
const INLINE_SIG: usize = 132;
/// Room for a typical protected header on the stack while it is parsed (`alg`, `typ`, a `kid`
/// and an `x5t` take about 100 bytes; larger ones, e.g. with `x5c`, go to the heap).
const STACK_HEADER: usize = 256;

/// A decoded signature: inline when it fits, on the heap otherwise.
#[derive(Clone)]
enum SigBuf {
    Inline { len: usize, bytes: [u8; INLINE_SIG] },
    Heap(Vec<u8>),
}

impl SigBuf {
    fn decode(b64: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "JWS signature";
        if b64::decoded_len(b64.len()) <= INLINE_SIG {
            let mut bytes = [0u8; INLINE_SIG];
            let len = b64::decode_slice(b64, &mut bytes, WHAT)?;
            Ok(SigBuf::Inline { len, bytes })
        } else {
            Ok(SigBuf::Heap(b64::decode_named(b64, WHAT)?))
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            SigBuf::Inline { len, bytes } => bytes
                .get(..*len)
                .expect("decode_slice returns a length within the buffer it wrote"),
            SigBuf::Heap(v) => v,
        }
    }
}

impl std::fmt::Debug for SigBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a> CompactJws<'a> {
    /// Parses a compact JWS.
    pub fn parse(token: &'a str, options: &JwsOptions) -> Result<Self, Error> {
        let parts = Parts::split(token, options)?;
        let header = checked_header(
            HeaderBuf::new().decode(parts.header_b64().as_bytes())?,
            options,
        )?;
        let signature = SigBuf::decode(parts.signature_b64())?;
        Ok(CompactJws {
            parts,
            header,
            signature,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The protected header, giving up the token.
    pub fn into_header(self) -> JwsHeader {
        self.header
    }

    /// The protected header exactly as it appeared, base64url encoded.
    pub fn header_b64(&self) -> &'a str {
        self.parts.header_b64()
    }

    /// The payload segment exactly as it appeared (base64url, or raw when `b64` is false).
    pub fn payload_segment(&self) -> &'a str {
        self.parts.payload_segment()
    }

    /// Whether the payload segment is empty: an empty payload, or a detached one (RFC 7515
    /// Appendix F) to be checked with [`verify_detached`](CompactJws::verify_detached).
    pub fn is_detached(&self) -> bool {
        self.parts.is_detached()
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        self.signature.as_slice()
    }

    /// The JWS signing input when the payload is attached.
    pub fn signing_input(&self) -> &'a [u8] {
        self.parts.signing_input()
    }

    /// Verifies the signature with `key` and returns the payload. Fails if the token's `alg`
    /// is not the key's algorithm. An empty payload segment is an empty payload; a detached
    /// payload is verified with [`verify_detached`](CompactJws::verify_detached).
    pub fn verify(&self, key: &VerifyingKey) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.verify_into(key, &mut out)?;
        Ok(out)
    }

    /// Verifies the signature with `key` and decodes the payload into `out` (cleared first),
    /// reusing its allocation. The fast path for callers that verify many tokens.
    pub fn verify_into(&self, key: &VerifyingKey, out: &mut Vec<u8>) -> Result<(), Error> {
        let encoded = self.header.payload_is_encoded();
        self.parts
            .verify_into(self.header.alg, encoded, key, self.signature(), out)
    }

    /// Verifies a detached-payload JWS against `payload` (the raw payload bytes).
    pub fn verify_detached(&self, key: &VerifyingKey, payload: &[u8]) -> Result<(), Error> {
        check_key(self.header.alg, key)?;
        if !self.is_detached() {
            return Err(Error::DetachedPayload { detached: false });
        }
        let input = signing_input(self.header_b64(), &self.header, payload);
        key.verify(&input, self.signature())
    }
}

/// Parses a decoded protected header in full and checks its `crit` against `options`.
fn checked_header(json: &[u8], options: &JwsOptions) -> Result<JwsHeader, Error> {
    let header = JwsHeader::from_json(json)?;
    header.check_crit(&options.crit, true)?;
    Ok(header)
}

/// Room for a decoded protected header while it is parsed: on the stack for a typical header,
/// on the heap otherwise.
struct HeaderBuf {
    stack: [u8; STACK_HEADER],
    heap: Vec<u8>,
}

impl HeaderBuf {
    /// An empty buffer (no allocation).
    fn new() -> Self {
        HeaderBuf {
            stack: [0; STACK_HEADER],
            heap: Vec::new(),
        }
    }

    /// Decodes the base64url header into this buffer.
    fn decode(&mut self, b64: &[u8]) -> Result<&[u8], Error> {
        const WHAT: &str = "JWS protected header";
        if b64::decoded_len(b64.len()) <= STACK_HEADER {
            let len = b64::decode_slice(b64, &mut self.stack, WHAT)?;
            Ok(self
                .stack
                .get(..len)
                .expect("decode_slice returns a length within the buffer it wrote"))
        } else {
            b64::decode_into(b64, &mut self.heap, WHAT)?;
            Ok(&self.heap)
        }
    }
}

/// The index of the first `.` at or after `from`.
fn memchr(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'.', b.get(from..)?).map(|i| i + from)
}

/// The JWS signing input: `BASE64URL(header) '.' payload`, with the payload encoded unless the
/// header says `b64: false`.
pub(crate) fn signing_input(header_b64: &str, header: &JwsHeader, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + b64::encoded_len(payload.len()));
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    if header.payload_is_encoded() {
        let start = input.len();
        input.resize(start + b64::encoded_len(payload.len()), 0);
        if let Some(tail) = input.get_mut(start..) {
            b64::encode_slice(payload, tail);
        }
    } else {
        input.extend_from_slice(payload);
    }
    input
}

pub(crate) fn prepare_header(header: &JwsHeader, key: &SigningKey) -> Result<JwsHeader, Error> {
    if header.alg != key.alg() {
        return Err(MismatchProblem::HeaderAlg {
            header_alg: header.alg.as_str().to_owned(),
            key_alg: key.alg().as_str(),
        }
        .into());
    }
    let mut h = header.clone();
    if h.kid.is_none() {
        h.kid = key.kid().map(str::to_owned);
    }
    if h.b64.is_some()
        && !h
            .crit
            .as_ref()
            .is_some_and(|c| c.iter().any(|n| n == "b64"))
    {
        h.crit.get_or_insert_with(Vec::new).push("b64".into());
    }
    Ok(h)
}

/// Signs `payload` into a compact JWS. The key's `kid` is added to the header unless the header
/// already has one; `b64: false` is honoured (and added to `crit`), in which case the payload
/// must not contain `.`.
///
/// RSA-PSS draws its salt from the operating system's generator; [`sign_compact_with_rng`]
/// takes the generator instead.
pub fn sign_compact(header: &JwsHeader, payload: &[u8], key: &SigningKey) -> Result<String, Error> {
    sign_compact_inner(header, payload, key, None)
}

/// [`sign_compact`] drawing the randomness RSA needs (the RSA-PSS salt, RSA blinding) from
/// `rng`; with a seeded generator, PS256/PS384/PS512 tokens are reproducible. Other algorithms
/// draw nothing.
pub fn sign_compact_with_rng<R: rand_core::CryptoRng + ?Sized>(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
    rng: &mut R,
) -> Result<String, Error> {
    let mut rng = rng;
    sign_compact_inner(header, payload, key, Some(&mut rng))
}

fn sign_compact_inner(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
    rng: Option<&mut dyn rand_core::CryptoRng>,
) -> Result<String, Error> {
    let h = prepare_header(header, key)?;
    let header_b64 = b64::encode(h.to_json());
    if !h.payload_is_encoded() && (payload.contains(&b'.') || std::str::from_utf8(payload).is_err())
    {
        return Err(HeaderProblem::UnencodedCompactPayload.into());
    }
    // The token is assembled in place: the signing input, then `.` and the signature.
    let mut out = String::with_capacity(
        header_b64.len() + 2 + b64::encoded_len(payload.len()) + b64::encoded_len(512),
    );
    out.push_str(&header_b64);
    out.push('.');
    if h.payload_is_encoded() {
        b64::encode_to(payload, &mut out);
    } else {
        // Checked UTF-8 above.
        out.push_str(
            std::str::from_utf8(payload)
                .map_err(|_| Error::from(HeaderProblem::UnencodedCompactPayload))?,
        );
    }
    push_signature(key, &mut out, rng)?;
    Ok(out)
}

/// Signs `out` (the signing input) and appends `.` and the encoded signature: through the
/// stack for HMAC, ECDSA and EdDSA (which draw no randomness), the heap for RSA (with `rng`, or
/// the operating system's generator).
fn push_signature(
    key: &SigningKey,
    out: &mut String,
    rng: Option<&mut dyn rand_core::CryptoRng>,
) -> Result<(), Error> {
    let mut stack = [0u8; 132];
    let heap;
    let sig = if key.signature_len() <= stack.len() {
        let n = key.sign_to_slice(out.as_bytes(), &mut stack)?;
        // Not `unwrap_or_default`: an empty signature would be sent without a word.
        stack
            .get(..n)
            .expect("sign_to_slice returns a length within the buffer it wrote")
    } else {
        heap = key.sign_inner(rng, out.as_bytes())?;
        heap.as_slice()
    };
    out.push('.');
    b64::encode_to(sig, out);
    Ok(())
}

/// Signs `payload` into a compact JWS with a detached payload (`header..signature`).
pub fn sign_compact_detached(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
) -> Result<String, Error> {
    sign_compact_detached_inner(header, payload, key, None)
}

/// [`sign_compact_detached`] drawing the randomness RSA needs from `rng` (see
/// [`sign_compact_with_rng`]).
pub fn sign_compact_detached_with_rng<R: rand_core::CryptoRng + ?Sized>(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
    rng: &mut R,
) -> Result<String, Error> {
    let mut rng = rng;
    sign_compact_detached_inner(header, payload, key, Some(&mut rng))
}

fn sign_compact_detached_inner(
    header: &JwsHeader,
    payload: &[u8],
    key: &SigningKey,
    rng: Option<&mut dyn rand_core::CryptoRng>,
) -> Result<String, Error> {
    let h = prepare_header(header, key)?;
    let header_b64 = b64::encode(h.to_json());
    let input = signing_input(&header_b64, &h, payload);
    let sig = key.sign_inner(rng, &input)?;
    let mut out = header_b64;
    out.push_str("..");
    b64::encode_to(&sig, &mut out);
    Ok(out)
}
