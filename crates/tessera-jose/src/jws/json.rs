//! The JWS JSON Serialization (RFC 7515 §7.2): general (several signatures) and flattened.

use serde_json::{Map, Value};
use tessera_core::{b64, limits};

use super::compact::prepare_header;
use super::{JwsHeader, JwsOptions};
use crate::Error;
use crate::error::{CritProblem, HeaderProblem, JsonProblem, JsonType, MismatchProblem};
use crate::header::merge_disjoint;
use crate::keys::{SigningKey, VerifyingKey};

/// One signature of a JWS JSON Serialization, with its headers.
#[derive(Debug, Clone)]
pub struct JsonSignature {
    /// `protected` exactly as it appeared (empty when absent).
    protected_b64: String,
    /// The decoded protected header object, when present.
    protected: Option<Map<String, Value>>,
    /// The unprotected `header` object, when present.
    unprotected: Option<Map<String, Value>>,
    /// The union of both headers.
    header: JwsHeader,
    signature: Vec<u8>,
}

impl JsonSignature {
    /// The union of the protected and unprotected headers (they are disjoint). Its `alg`,
    /// `kid`, `typ` and `cty` are what a caller usually wants.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The integrity-protected header parameters, if there is a `protected` member.
    pub fn protected(&self) -> Option<&Map<String, Value>> {
        self.protected.as_ref()
    }

    /// The unprotected header parameters (`header` member), if any. Not covered by the
    /// signature: do not base security decisions on them.
    pub fn unprotected(&self) -> Option<&Map<String, Value>> {
        self.unprotected.as_ref()
    }

    /// The `protected` member exactly as it appeared, base64url (empty if absent).
    pub fn protected_b64(&self) -> &str {
        &self.protected_b64
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Whether this signature could belong to `key`: same algorithm, and the same `kid` when
    /// both name one.
    fn fits(&self, key: &VerifyingKey) -> bool {
        self.header.alg == key.alg()
            && match (key.kid(), self.header.kid.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

/// A parsed, not yet verified, JWS in the JSON Serialization (general or flattened).
///
/// Parsing is strict: repeated members at any depth, non-canonical base64url, a header
/// parameter in both the protected and the unprotected header, `crit` outside the protected
/// header, unknown or malformed `crit` entries, `b64` that is unprotected or differs between
/// signatures, and a signature without `alg` are all refused.
///
/// ```
/// use tessera_jose::jws::{JsonJws, JwsHeader, JwsJsonSigner, JwsOptions};
/// use tessera_jose::{JwsAlgorithm, SigningKey};
///
/// let hs = SigningKey::from_hmac_secret(&[7u8; 32], JwsAlgorithm::HS256).unwrap().with_kid("h");
/// let hs2 = SigningKey::from_hmac_secret(&[9u8; 64], JwsAlgorithm::HS512).unwrap().with_kid("h2");
/// let json = JwsJsonSigner::new(b"payload")
///     .signature(&hs, Some(JwsHeader::new(JwsAlgorithm::HS256)), None)
///     .signature(&hs2, Some(JwsHeader::new(JwsAlgorithm::HS512)), None)
///     .general()
///     .unwrap();
/// let jws = JsonJws::parse(&json, &JwsOptions::default()).unwrap();
/// assert_eq!(jws.signatures().len(), 2);
/// assert_eq!(jws.verify(hs2.verifying_key()).unwrap(), b"payload");
/// ```
#[derive(Debug, Clone)]
pub struct JsonJws {
    /// The `payload` member as it appeared (base64url, or raw with `b64: false`); `None` when
    /// the payload is detached.
    payload: Option<String>,
    signatures: Vec<JsonSignature>,
    flattened: bool,
    encoded: bool,
}

fn take_string(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JsonProblem::WrongType {
            member: name,
            expected: JsonType::String,
        }
        .into()),
    }
}

fn parse_signature(
    mut sig: Map<String, Value>,
    options: &JwsOptions,
) -> Result<JsonSignature, Error> {
    let protected_b64 = take_string(&mut sig, "protected")?;
    let unprotected = match sig.remove("header") {
        None => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            return Err(HeaderProblem::WrongType {
                member: "header",
                expected: JsonType::Object,
            }
            .into());
        }
    };
    let signature = take_string(&mut sig, "signature")?.ok_or(JsonProblem::Missing {
        member: "signature",
    })?;
    let signature = b64::decode_named(&signature, "JWS signature")?;
    let protected = match &protected_b64 {
        None => None,
        Some(p) => {
            let json = b64::decode_named(p, "JWS protected header")?;
            let map = tessera_core::json::parse_value(&json, "JWS protected header")?;
            match map {
                Value::Object(m) => Some(m),
                _ => {
                    return Err(HeaderProblem::WrongType {
                        member: "protected",
                        expected: JsonType::Object,
                    }
                    .into());
                }
            }
        }
    };
    if protected.is_none() && unprotected.is_none() {
        return Err(JsonProblem::NoHeader.into());
    }
    if unprotected.as_ref().is_some_and(|u| u.contains_key("crit")) {
        return Err(CritProblem::NotProtected.into());
    }
    if unprotected.as_ref().is_some_and(|u| u.contains_key("b64")) {
        return Err(CritProblem::B64NotProtected.into());
    }
    let empty = Map::new();
    let merged = merge_disjoint(&[
        protected.as_ref().unwrap_or(&empty),
        unprotected.as_ref().unwrap_or(&empty),
    ])?;
    let header = JwsHeader::from_map(merged)?;
    header.check_crit(&options.crit, true)?;
    // Critical extensions must be integrity protected too (as panva's jose requires).
    if let (Some(crit), Some(p)) = (&header.crit, &protected)
        && let Some(name) = crit.iter().find(|n| !p.contains_key(n.as_str()))
    {
        return Err(CritProblem::ParameterNotProtected { name: name.clone() }.into());
    }
    Ok(JsonSignature {
        protected_b64: protected_b64.unwrap_or_default(),
        protected,
        unprotected,
        header,
        signature,
    })
}

impl JsonJws {
    /// Parses a JWS in the general or flattened JSON Serialization. The size cap of `options`
    /// applies to the whole document; its `crit` list names the extensions the application
    /// understands.
    pub fn parse(json: &str, options: &JwsOptions) -> Result<Self, Error> {
        Self::parse_bytes(json.as_bytes(), options)
    }

    /// Parses a JWS JSON Serialization from bytes.
    pub fn parse_bytes(json: &[u8], options: &JwsOptions) -> Result<Self, Error> {
        limits::check("JWS JSON", json.len(), options.max_len)?;
        let mut top = tessera_core::json::parse_object(json, "JWS JSON")?;
        let payload = take_string(&mut top, "payload")?;
        let (flattened, raw_sigs) = match top.remove("signatures") {
            Some(Value::Array(sigs)) => {
                for m in ["protected", "header", "signature"] {
                    if top.contains_key(m) {
                        return Err(JsonProblem::FlattenedMemberInGeneral { member: m }.into());
                    }
                }
                if sigs.is_empty() {
                    return Err(JsonProblem::Empty {
                        member: "signatures",
                    }
                    .into());
                }
                let mut out = Vec::with_capacity(sigs.len());
                for s in sigs {
                    match s {
                        Value::Object(m) => out.push(m),
                        _ => {
                            return Err(JsonProblem::WrongType {
                                member: "signatures",
                                expected: JsonType::ObjectArray,
                            }
                            .into());
                        }
                    }
                }
                (false, out)
            }
            Some(_) => {
                return Err(JsonProblem::WrongType {
                    member: "signatures",
                    expected: JsonType::ObjectArray,
                }
                .into());
            }
            None => {
                if !top.contains_key("signature") {
                    return Err(JsonProblem::NoSignatures.into());
                }
                let mut sig = Map::new();
                for m in ["protected", "header", "signature"] {
                    if let Some(v) = top.remove(m) {
                        sig.insert(m.to_owned(), v);
                    }
                }
                (true, vec![sig])
            }
        };
        let signatures = raw_sigs
            .into_iter()
            .map(|s| parse_signature(s, options))
            .collect::<Result<Vec<_>, _>>()?;
        let encoded = signatures
            .first()
            .is_none_or(|s| s.header.payload_is_encoded());
        if signatures
            .iter()
            .any(|s| s.header.payload_is_encoded() != encoded)
        {
            return Err(CritProblem::B64Inconsistent.into());
        }
        Ok(JsonJws {
            payload,
            signatures,
            flattened,
            encoded,
        })
    }

    /// The signatures, in document order (one for the flattened serialization).
    pub fn signatures(&self) -> &[JsonSignature] {
        &self.signatures
    }

    /// Whether the document used the flattened serialization.
    pub fn is_flattened(&self) -> bool {
        self.flattened
    }

    /// Whether the payload is detached (no `payload` member).
    pub fn is_detached(&self) -> bool {
        self.payload.is_none()
    }

    /// Whether the payload is base64url encoded (`b64` absent or true).
    pub fn payload_is_encoded(&self) -> bool {
        self.encoded
    }

    /// Verifies with `key` and returns the payload.
    ///
    /// The signatures tried are those whose `alg` is the key's algorithm (and whose `kid`, if
    /// both the key and the signature name one, is the key's); the first that verifies wins.
    /// None with the key's algorithm: [`Error::AlgorithmNotAllowed`].
    pub fn verify(&self, key: &VerifyingKey) -> Result<Vec<u8>, Error> {
        let payload = self
            .payload
            .as_deref()
            .ok_or(Error::DetachedPayload { detached: true })?;
        self.verify_index(key, payload.as_bytes())?;
        if self.encoded {
            Ok(b64::decode_named(payload, "JWS payload")?)
        } else {
            Ok(payload.as_bytes().to_vec())
        }
    }

    /// Verifies a detached-payload JWS against `payload` (the raw payload bytes). Returns the
    /// index of the signature that verified.
    pub fn verify_detached(&self, key: &VerifyingKey, payload: &[u8]) -> Result<usize, Error> {
        if self.payload.is_some() {
            return Err(Error::DetachedPayload { detached: false });
        }
        if self.encoded {
            let segment = b64::encode(payload);
            self.verify_index(key, segment.as_bytes())
        } else {
            self.verify_index(key, payload)
        }
    }

    /// Verifies with `key` and returns the index of the signature that verified; `segment` is
    /// the payload as it goes into the signing input.
    fn verify_index(&self, key: &VerifyingKey, segment: &[u8]) -> Result<usize, Error> {
        let mut tried = false;
        let mut input = Vec::new();
        for (i, sig) in self.signatures.iter().enumerate() {
            if !sig.fits(key) {
                continue;
            }
            tried = true;
            input.clear();
            input.reserve(sig.protected_b64.len() + 1 + segment.len());
            input.extend_from_slice(sig.protected_b64.as_bytes());
            input.push(b'.');
            input.extend_from_slice(segment);
            if key.verify(&input, &sig.signature).is_ok() {
                return Ok(i);
            }
        }
        if tried {
            Err(Error::InvalidSignature)
        } else {
            let algs: Vec<&str> = self
                .signatures
                .iter()
                .map(|s| s.header.alg.as_str())
                .collect();
            Err(Error::AlgorithmNotAllowed {
                alg: algs.join(","),
            })
        }
    }

    /// The payload member as it appeared, if attached.
    pub fn payload_segment(&self) -> Option<&str> {
        self.payload.as_deref()
    }
}

/// The payload member (absent when detached) and the signature objects.
type Signed = (Option<Value>, Vec<Map<String, Value>>);

struct Entry<'a> {
    key: &'a SigningKey,
    protected: Option<JwsHeader>,
    unprotected: Map<String, Value>,
}

/// Builds a JWS in the JSON Serialization, with one or several signatures.
///
/// Each signature has its own key, protected header and unprotected header. `alg` goes in the
/// protected header when one is given (it must equal the key's algorithm), otherwise in the
/// unprotected header; the key's `kid` is added the same way unless either header has one.
/// `b64: false` in the protected headers (all or none) makes an unencoded payload (RFC 7797),
/// and `b64` is added to `crit`.
pub struct JwsJsonSigner<'a> {
    payload: &'a [u8],
    detached: bool,
    entries: Vec<Entry<'a>>,
}

impl std::fmt::Debug for JwsJsonSigner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwsJsonSigner")
            .field("payload_len", &self.payload.len())
            .field("detached", &self.detached)
            .field("signatures", &self.entries.len())
            .finish()
    }
}

impl<'a> JwsJsonSigner<'a> {
    /// A signer for `payload`, with no signatures yet.
    pub fn new(payload: &'a [u8]) -> Self {
        JwsJsonSigner {
            payload,
            detached: false,
            entries: Vec::new(),
        }
    }

    /// Leaves the payload out of the output (RFC 7515 Appendix F).
    pub fn detached(mut self) -> Self {
        self.detached = true;
        self
    }

    /// Adds a signature by `key` with an optional protected header and unprotected header
    /// parameters.
    pub fn signature(
        mut self,
        key: &'a SigningKey,
        protected: Option<JwsHeader>,
        unprotected: Option<Map<String, Value>>,
    ) -> Self {
        self.entries.push(Entry {
            key,
            protected,
            unprotected: unprotected.unwrap_or_default(),
        });
        self
    }

    fn sign_all(&self, mut rng: Option<&mut dyn rand_core::CryptoRng>) -> Result<Signed, Error> {
        if self.entries.is_empty() {
            return Err(JsonProblem::NothingToSign.into());
        }
        let mut encoded: Option<bool> = None;
        let mut prepared = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let key_alg = e.key.alg();
            if e.unprotected.contains_key("crit") {
                return Err(CritProblem::NotProtected.into());
            }
            if e.unprotected.contains_key("b64") {
                return Err(CritProblem::B64NotProtected.into());
            }
            let mut unprotected = e.unprotected.clone();
            let protected = match &e.protected {
                Some(h) => {
                    let mut p = prepare_header(h, e.key)?;
                    if h.kid.is_none() && unprotected.contains_key("kid") {
                        // The caller put the kid in the unprotected header: keep it only there.
                        p.kid = None;
                    }
                    Some(p)
                }
                None => {
                    match unprotected.get("alg") {
                        None => {
                            unprotected.insert("alg".into(), key_alg.as_str().into());
                        }
                        Some(Value::String(a)) if a == key_alg.as_str() => {}
                        Some(other) => {
                            return Err(MismatchProblem::HeaderAlg {
                                header_alg: match other {
                                    Value::String(s) => s.clone(),
                                    v => v.to_string(),
                                },
                                key_alg: key_alg.as_str(),
                            }
                            .into());
                        }
                    }
                    if !unprotected.contains_key("kid")
                        && let Some(kid) = e.key.kid()
                    {
                        unprotected.insert("kid".into(), kid.into());
                    }
                    None
                }
            };
            let this_encoded = protected.as_ref().is_none_or(JwsHeader::payload_is_encoded);
            if *encoded.get_or_insert(this_encoded) != this_encoded {
                return Err(CritProblem::B64Inconsistent.into());
            }
            let protected_b64 = protected.as_ref().map(|h| b64::encode(h.to_json()));
            // Refuse overlapping headers now, as a verifier would.
            if let Some(h) = &protected
                && let Some(name) = unprotected.keys().find(|k| h.contains(k))
            {
                return Err(HeaderProblem::InMoreThanOneHeader {
                    member: name.clone(),
                }
                .into());
            }
            prepared.push((protected_b64, unprotected, e.key));
        }
        let encoded = encoded.unwrap_or(true);
        let payload_segment: Vec<u8> = if encoded {
            b64::encode(self.payload).into_bytes()
        } else {
            self.payload.to_vec()
        };
        let payload_value = if self.detached {
            None
        } else if encoded {
            Some(Value::String(b64::encode(self.payload)))
        } else {
            let s = std::str::from_utf8(self.payload)
                .map_err(|_| Error::from(HeaderProblem::UnencodedJsonPayload))?;
            Some(Value::String(s.to_owned()))
        };
        let mut sigs = Vec::with_capacity(prepared.len());
        let mut input = Vec::new();
        for (protected_b64, unprotected, key) in prepared {
            input.clear();
            input.extend_from_slice(protected_b64.as_deref().unwrap_or("").as_bytes());
            input.push(b'.');
            input.extend_from_slice(&payload_segment);
            let rng = rng
                .as_mut()
                .map(|r| &mut **r as &mut dyn rand_core::CryptoRng);
            let sig = key.sign_inner(rng, &input)?;
            let mut m = Map::new();
            if let Some(p) = protected_b64 {
                m.insert("protected".into(), p.into());
            }
            if !unprotected.is_empty() {
                m.insert("header".into(), Value::Object(unprotected));
            }
            m.insert("signature".into(), b64::encode(sig).into());
            sigs.push(m);
        }
        Ok((payload_value, sigs))
    }

    /// Signs and writes the general JSON Serialization (`{"payload":…,"signatures":[…]}`).
    /// RSA-PSS draws its salt from the operating system's generator; see
    /// [`general_with_rng`](JwsJsonSigner::general_with_rng).
    pub fn general(&self) -> Result<String, Error> {
        self.general_inner(None)
    }

    /// [`general`](JwsJsonSigner::general) drawing the randomness RSA needs from `rng`.
    pub fn general_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<String, Error> {
        let mut rng = rng;
        self.general_inner(Some(&mut rng))
    }

    fn general_inner(&self, rng: Option<&mut dyn rand_core::CryptoRng>) -> Result<String, Error> {
        let (payload, sigs) = self.sign_all(rng)?;
        let mut top = Map::new();
        if let Some(p) = payload {
            top.insert("payload".into(), p);
        }
        top.insert(
            "signatures".into(),
            Value::Array(sigs.into_iter().map(Value::Object).collect()),
        );
        Ok(Value::Object(top).to_string())
    }

    /// Signs and writes the flattened JSON Serialization. Needs exactly one signature.
    /// RSA-PSS draws its salt from the operating system's generator; see
    /// [`flattened_with_rng`](JwsJsonSigner::flattened_with_rng).
    pub fn flattened(&self) -> Result<String, Error> {
        self.flattened_inner(None)
    }

    /// [`flattened`](JwsJsonSigner::flattened) drawing the randomness RSA needs from `rng`.
    pub fn flattened_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<String, Error> {
        let mut rng = rng;
        self.flattened_inner(Some(&mut rng))
    }

    fn flattened_inner(&self, rng: Option<&mut dyn rand_core::CryptoRng>) -> Result<String, Error> {
        if self.entries.len() != 1 {
            return Err(JsonProblem::FlattenedNeedsOne {
                found: self.entries.len(),
            }
            .into());
        }
        let (payload, sigs) = self.sign_all(rng)?;
        let [mut top] = <[Map<String, Value>; 1]>::try_from(sigs)
            .map_err(|v| Error::from(JsonProblem::FlattenedNeedsOne { found: v.len() }))?;
        if let Some(p) = payload {
            top.insert("payload".into(), p);
        }
        Ok(Value::Object(top).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JwsAlgorithm;

    fn key() -> SigningKey {
        SigningKey::from_hmac_secret(&[5; 32], JwsAlgorithm::HS256)
            .unwrap()
            .with_kid("k")
    }

    fn value(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn kid_goes_where_the_caller_put_headers() {
        let k = key();
        // With a protected header: kid is added there.
        let v = value(
            &JwsJsonSigner::new(b"x")
                .signature(&k, Some(JwsHeader::new(JwsAlgorithm::HS256)), None)
                .flattened()
                .unwrap(),
        );
        let p = b64::decode(v["protected"].as_str().unwrap()).unwrap();
        assert_eq!(p, br#"{"alg":"HS256","kid":"k"}"#);
        assert!(v.get("header").is_none());
        // With the kid in the unprotected header: it stays only there.
        let mut u = Map::new();
        u.insert("kid".into(), "k".into());
        let v = value(
            &JwsJsonSigner::new(b"x")
                .signature(&k, Some(JwsHeader::new(JwsAlgorithm::HS256)), Some(u))
                .flattened()
                .unwrap(),
        );
        let p = b64::decode(v["protected"].as_str().unwrap()).unwrap();
        assert_eq!(p, br#"{"alg":"HS256"}"#);
        assert_eq!(v["header"]["kid"], "k");
        // Without a protected header: alg and kid go in the unprotected header.
        let v = value(
            &JwsJsonSigner::new(b"x")
                .signature(&k, None, None)
                .flattened()
                .unwrap(),
        );
        assert!(v.get("protected").is_none());
        assert_eq!(v["header"]["alg"], "HS256");
        assert_eq!(v["header"]["kid"], "k");
    }

    #[test]
    fn signer_refuses_conflicts() {
        let k = key();
        let mut u = Map::new();
        u.insert("alg".into(), "HS512".into());
        assert!(
            JwsJsonSigner::new(b"x")
                .signature(&k, None, Some(u.clone()))
                .general()
                .is_err()
        );
        assert!(
            JwsJsonSigner::new(b"x")
                .signature(&k, Some(JwsHeader::new(JwsAlgorithm::HS256)), Some(u))
                .general()
                .is_err()
        );
        let mut u = Map::new();
        u.insert("crit".into(), Value::Array(vec![]));
        assert!(
            JwsJsonSigner::new(b"x")
                .signature(&k, Some(JwsHeader::new(JwsAlgorithm::HS256)), Some(u))
                .general()
                .is_err()
        );
    }
}
