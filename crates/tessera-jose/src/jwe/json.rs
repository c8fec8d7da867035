use serde_json::{Map, Value};
use tessera_core::{b64, limits};

use super::engine::{self, Built, MAX_ENCRYPTED_KEY};
use super::header::JweHeader;
use super::keys::{DecryptionKey, EncryptionKey};
use super::{FixedRandomnessForTesting, JweOptions};
use crate::Error;
use crate::alg::ContentEncryptionAlgorithm;
use crate::error::{JsonProblem, JsonType, JweProblem, JweSegment};
use crate::header::merge_disjoint;

fn wrong_type(member: &'static str, expected: JsonType) -> Error {
    JsonProblem::WrongType { member, expected }.into()
}

fn missing(member: &'static str) -> JsonProblem {
    JsonProblem::Missing { member }
}

#[derive(Clone, Debug)]
struct Recipient {
    header: Option<Map<String, Value>>,
    encrypted_key: Vec<u8>,
}

/// A JWE in the JSON serialization (RFC 7516 §7.2), general or flattened: parsed and not yet
/// decrypted, or freshly built by [`JweJsonBuilder`].
#[derive(Clone, Debug)]
pub struct JweJson {
    protected_b64: String,
    protected: Map<String, Value>,
    unprotected: Option<Map<String, Value>>,
    recipients: Vec<Recipient>,
    aad_b64: Option<String>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
    opts: JweOptions,
}

/// The result of decrypting a JSON-serialized JWE.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Decrypted {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// The merged header of the recipient that was decrypted.
    pub header: JweHeader,
    /// The index of that recipient.
    pub recipient: usize,
    /// The decoded JWE AAD, if the JWE had one.
    pub aad: Option<Vec<u8>>,
}

fn take_b64(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<Vec<u8>>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(b64::decode_named(&s, name)?)),
        Some(_) => Err(wrong_type(name, JsonType::Base64url)),
    }
}

fn take_object(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<Map<String, Value>>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(wrong_type(name, JsonType::Object)),
    }
}

fn take_recipient(mut m: Map<String, Value>) -> Result<Recipient, Error> {
    let header = take_object(&mut m, "header")?;
    if let Some(Value::String(s)) = m.get("encrypted_key")
        && s.len() > b64::encoded_len(MAX_ENCRYPTED_KEY)
    {
        return Err(JweProblem::TooLong {
            part: JweSegment::EncryptedKey,
            max: MAX_ENCRYPTED_KEY,
        }
        .into());
    }
    let encrypted_key = take_b64(&mut m, "encrypted_key")?.unwrap_or_default();
    Ok(Recipient {
        header,
        encrypted_key,
    })
}

impl JweJson {
    /// Parses a JWE in the general or flattened JSON serialization, strictly (repeated members
    /// are an error at any depth). The size cap, the number of recipients
    /// ([`JweOptions::max_recipients`]), the disjointness of the headers and the place of `crit`
    /// and `zip` are checked here; each recipient's algorithms, `p2c`, `epk` and lengths are
    /// checked before its key is used.
    pub fn parse(json: &[u8], opts: &JweOptions) -> Result<Self, Error> {
        limits::check("JWE JSON", json.len(), opts.max_len)?;
        let mut map = tessera_core::json::parse_object(json, "JWE JSON serialization")?;
        let recipients = match map.remove("recipients") {
            Some(Value::Array(a)) => {
                for member in ["header", "encrypted_key"] {
                    if map.contains_key(member) {
                        return Err(JsonProblem::FlattenedMemberInGeneral { member }.into());
                    }
                }
                if a.is_empty() {
                    return Err(JsonProblem::Empty {
                        member: "recipients",
                    }
                    .into());
                }
                limits::check("JWE recipients", a.len(), opts.max_recipients)?;
                let mut out = Vec::with_capacity(a.len());
                for r in a {
                    let Value::Object(m) = r else {
                        return Err(wrong_type("recipients", JsonType::ObjectArray));
                    };
                    out.push(take_recipient(m)?);
                }
                out
            }
            Some(_) => return Err(wrong_type("recipients", JsonType::ObjectArray)),
            None => {
                let mut m = Map::new();
                for name in ["header", "encrypted_key"] {
                    if let Some(v) = map.remove(name) {
                        m.insert(name.into(), v);
                    }
                }
                vec![take_recipient(m)?]
            }
        };
        let (protected_b64, protected) = match map.remove("protected") {
            None => (String::new(), Map::new()),
            Some(Value::String(s)) => {
                let bytes = b64::decode_named(&s, "JWE protected header")?;
                let p = tessera_core::json::parse_object(&bytes, "JWE protected header")?;
                (s, p)
            }
            Some(_) => return Err(wrong_type("protected", JsonType::Base64url)),
        };
        let unprotected = take_object(&mut map, "unprotected")?;
        let aad_b64 = match map.remove("aad") {
            None => None,
            Some(Value::String(s)) => {
                b64::decode_named(&s, "JWE AAD")?;
                Some(s)
            }
            Some(_) => return Err(wrong_type("aad", JsonType::Base64url)),
        };
        let iv = take_b64(&mut map, "iv")?.ok_or(missing("iv"))?;
        let tag = take_b64(&mut map, "tag")?.ok_or(missing("tag"))?;
        let ciphertext = take_b64(&mut map, "ciphertext")?.ok_or(missing("ciphertext"))?;
        let empty = Map::new();
        for r in &recipients {
            merge_disjoint(&[
                &protected,
                unprotected.as_ref().unwrap_or(&empty),
                r.header.as_ref().unwrap_or(&empty),
            ])?;
        }
        Ok(JweJson {
            protected_b64,
            protected,
            unprotected,
            recipients,
            aad_b64,
            iv,
            ciphertext,
            tag,
            opts: opts.clone(),
        })
    }

    /// The number of recipients.
    pub fn recipient_count(&self) -> usize {
        self.recipients.len()
    }

    /// The protected header (empty when there is none).
    pub fn protected_header(&self) -> &Map<String, Value> {
        &self.protected
    }

    /// The shared unprotected header.
    pub fn unprotected_header(&self) -> Option<&Map<String, Value>> {
        self.unprotected.as_ref()
    }

    /// The per-recipient unprotected header of recipient `i`.
    pub fn recipient_header(&self, i: usize) -> Option<&Map<String, Value>> {
        self.recipients.get(i).and_then(|r| r.header.as_ref())
    }

    fn merged(&self, r: &Recipient) -> Result<Map<String, Value>, Error> {
        let empty = Map::new();
        merge_disjoint(&[
            &self.protected,
            self.unprotected.as_ref().unwrap_or(&empty),
            r.header.as_ref().unwrap_or(&empty),
        ])
    }

    /// Decrypts with `key`: tries each recipient whose `alg` is the key's (and whose `kid`, if
    /// both have one, matches), and returns the first that decrypts.
    ///
    /// [`Error::NoMatchingKey`] if no recipient fits the key; the error of the last candidate
    /// (usually [`Error::DecryptionFailed`]) if none decrypts.
    pub fn decrypt(&self, key: &DecryptionKey) -> Result<Decrypted, Error> {
        let crit_outside = self
            .unprotected
            .as_ref()
            .is_some_and(|u| u.contains_key("crit"))
            || self
                .recipients
                .iter()
                .any(|r| r.header.as_ref().is_some_and(|h| h.contains_key("crit")));
        let full_aad = engine::aad_bytes(&self.protected_b64, self.aad_b64.as_deref());
        let mut last: Option<Error> = None;
        let mut any_kid: Option<String> = None;
        for (i, r) in self.recipients.iter().enumerate() {
            let merged = self.merged(r)?;
            if merged.get("alg").and_then(Value::as_str) != Some(key.alg().as_str()) {
                continue;
            }
            let kid = merged.get("kid").and_then(Value::as_str);
            if any_kid.is_none() {
                any_kid = kid.map(str::to_owned);
            }
            if let (Some(want), Some(have)) = (key.kid(), kid)
                && want != have
            {
                continue;
            }
            let attempt = engine::check_recipient(
                &merged,
                &self.protected,
                crit_outside,
                &r.encrypted_key,
                &self.iv,
                &self.tag,
                &self.opts,
            )
            .and_then(|h| {
                engine::decrypt(
                    key,
                    &h,
                    &r.encrypted_key,
                    &full_aad,
                    &self.iv,
                    &self.ciphertext,
                    &self.tag,
                    &self.opts,
                )
                .map(|p| (h, p))
            });
            match attempt {
                Ok((header, plaintext)) => {
                    let aad = match &self.aad_b64 {
                        Some(a) => Some(b64::decode_named(a, "JWE AAD")?),
                        None => None,
                    };
                    return Ok(Decrypted {
                        plaintext,
                        header,
                        recipient: i,
                        aad,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(Error::NoMatchingKey {
            kid: key.kid().map(str::to_owned).or(any_kid),
            alg: key.alg().as_str().to_owned(),
        }))
    }

    fn from_built(b: Built) -> Result<Self, Error> {
        let protected = if b.protected_b64.is_empty() {
            Map::new()
        } else {
            let bytes = b64::decode_named(&b.protected_b64, "JWE protected header")?;
            tessera_core::json::parse_object(&bytes, "JWE protected header")?
        };
        Ok(JweJson {
            protected_b64: b.protected_b64,
            protected,
            unprotected: b.unprotected,
            recipients: b
                .recipients
                .into_iter()
                .map(|(header, encrypted_key)| Recipient {
                    header,
                    encrypted_key,
                })
                .collect(),
            aad_b64: b.aad_b64,
            iv: b.iv,
            ciphertext: b.ciphertext,
            tag: b.tag,
            opts: JweOptions::default(),
        })
    }

    fn shared_members(&self, m: &mut Map<String, Value>) {
        if !self.protected_b64.is_empty() {
            m.insert("protected".into(), self.protected_b64.clone().into());
        }
        if let Some(u) = &self.unprotected {
            m.insert("unprotected".into(), Value::Object(u.clone()));
        }
        if let Some(a) = &self.aad_b64 {
            m.insert("aad".into(), a.clone().into());
        }
        m.insert("iv".into(), b64::encode(&self.iv).into());
        m.insert("ciphertext".into(), b64::encode(&self.ciphertext).into());
        m.insert("tag".into(), b64::encode(&self.tag).into());
    }

    fn recipient_members(r: &Recipient, m: &mut Map<String, Value>) {
        if let Some(h) = &r.header {
            m.insert("header".into(), Value::Object(h.clone()));
        }
        if !r.encrypted_key.is_empty() {
            m.insert("encrypted_key".into(), b64::encode(&r.encrypted_key).into());
        }
    }

    /// The general JSON serialization (`recipients` array).
    pub fn to_general_json(&self) -> String {
        let mut m = Map::new();
        self.shared_members(&mut m);
        let recipients = self
            .recipients
            .iter()
            .map(|r| {
                let mut rm = Map::new();
                Self::recipient_members(r, &mut rm);
                Value::Object(rm)
            })
            .collect();
        m.insert("recipients".into(), Value::Array(recipients));
        Value::Object(m).to_string()
    }

    /// The flattened JSON serialization. Fails if there is more than one recipient.
    pub fn to_flattened_json(&self) -> Result<String, Error> {
        let [r] = self.recipients.as_slice() else {
            return Err(JweProblem::FlattenedNeedsOne {
                found: self.recipients.len(),
            }
            .into());
        };
        let mut m = Map::new();
        self.shared_members(&mut m);
        Self::recipient_members(r, &mut m);
        Ok(Value::Object(m).to_string())
    }

    /// The compact serialization, when the JWE fits it: one recipient, no unprotected header,
    /// no AAD.
    pub fn to_compact(&self) -> Result<String, Error> {
        let [r] = self.recipients.as_slice() else {
            return Err(JweProblem::CompactNeedsOne {
                found: self.recipients.len(),
            }
            .into());
        };
        if r.header.is_some() || self.unprotected.is_some() || self.aad_b64.is_some() {
            return Err(JweProblem::CompactWithUnprotected.into());
        }
        let mut out = self.protected_b64.clone();
        for part in [&r.encrypted_key, &self.iv, &self.ciphertext, &self.tag] {
            out.push('.');
            b64::encode_to(part, &mut out);
        }
        Ok(out)
    }
}

/// Builds a JWE in the JSON serialization: shared protected and unprotected headers, AAD, and
/// one or more recipients, each with its own key and optional unprotected header.
///
/// `enc` goes to the protected header, and `alg` (with the key's `kid`) to the protected header
/// when there is one recipient or to each recipient's header when there are several — unless
/// you placed them yourself.
///
/// ```
/// use tessera_jose::jwe::{DecryptionKey, EncryptionKey, JweJson, JweJsonBuilder, JweOptions};
/// use tessera_jose::alg::{ContentEncryptionAlgorithm, KeyManagementAlgorithm};
///
/// let k1 = [7u8; 16];
/// let k2 = [9u8; 32];
/// let e1 = EncryptionKey::from_secret(&k1, KeyManagementAlgorithm::A128KW).unwrap().with_kid("one");
/// let e2 = EncryptionKey::from_secret(&k2, KeyManagementAlgorithm::A256GCMKW).unwrap().with_kid("two");
/// let jwe = JweJsonBuilder::new(ContentEncryptionAlgorithm::A256Gcm)
///     .unprotected("cty", "text/plain")
///     .aad(b"context")
///     .recipient(&e1)
///     .recipient(&e2)
///     .encrypt(b"to both")
///     .unwrap()
///     .to_general_json();
///
/// let d2 = DecryptionKey::from_secret(&k2, KeyManagementAlgorithm::A256GCMKW).unwrap();
/// let out = JweJson::parse(jwe.as_bytes(), &JweOptions::default()).unwrap().decrypt(&d2).unwrap();
/// assert_eq!(out.plaintext, b"to both");
/// assert_eq!(out.recipient, 1);
/// assert_eq!(out.aad.as_deref(), Some(&b"context"[..]));
/// ```
#[derive(Debug, Clone)]
pub struct JweJsonBuilder<'k> {
    enc: ContentEncryptionAlgorithm,
    protected: Map<String, Value>,
    unprotected: Map<String, Value>,
    aad: Option<Vec<u8>>,
    recipients: Vec<(&'k EncryptionKey, Map<String, Value>)>,
}

impl<'k> JweJsonBuilder<'k> {
    /// A builder for content encrypted with `enc`.
    pub fn new(enc: ContentEncryptionAlgorithm) -> Self {
        JweJsonBuilder {
            enc,
            protected: Map::new(),
            unprotected: Map::new(),
            aad: None,
            recipients: Vec::new(),
        }
    }

    /// Adds a parameter to the protected header.
    pub fn protected(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.protected.insert(name.into(), value.into());
        self
    }

    /// Adds a parameter to the shared unprotected header.
    pub fn unprotected(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.unprotected.insert(name.into(), value.into());
        self
    }

    /// Compresses the plaintext with DEFLATE (`zip: DEF` in the protected header).
    pub fn deflate(self) -> Self {
        self.protected("zip", "DEF")
    }

    /// Sets the JWE AAD, integrity protected alongside the protected header.
    pub fn aad(mut self, aad: &[u8]) -> Self {
        self.aad = Some(aad.to_vec());
        self
    }

    /// Adds a recipient.
    pub fn recipient(mut self, key: &'k EncryptionKey) -> Self {
        self.recipients.push((key, Map::new()));
        self
    }

    /// Adds a recipient with its own unprotected header.
    pub fn recipient_with_header(
        mut self,
        key: &'k EncryptionKey,
        header: Map<String, Value>,
    ) -> Self {
        self.recipients.push((key, header));
        self
    }

    /// Encrypts `plaintext` for every recipient.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<JweJson, Error> {
        self.encrypt_with_rng(plaintext, &mut crate::keys::rng()?)
    }

    /// [`JweJsonBuilder::encrypt`] drawing the CEK, IV, ephemeral keys, key-wrap IVs, PBES2
    /// salts and RSA-OAEP padding from `rng` instead of the operating system's generator. `rng`
    /// must be a cryptographically secure generator: the same seed gives the same JWE.
    pub fn encrypt_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<JweJson, Error> {
        let mut rng = rng;
        self.encrypt_inner(plaintext, None, &mut rng)
    }

    /// **Hazard: never use it to protect data.** [`JweJsonBuilder::encrypt`] with the CEK,
    /// IVs, ephemeral key, salt and protected-header encoding given instead of drawn, to
    /// reproduce published test vectors. Reusing a key and IV breaks AES-GCM. Only with the
    /// off-by-default cargo feature `hazmat-fixed-jwe-randomness`.
    #[cfg(feature = "hazmat-fixed-jwe-randomness")]
    pub fn encrypt_with_fixed_randomness_for_testing(
        &self,
        plaintext: &[u8],
        fixed: &FixedRandomnessForTesting,
    ) -> Result<JweJson, Error> {
        self.encrypt_inner(plaintext, Some(fixed), &mut crate::keys::rng()?)
    }

    fn encrypt_inner(
        &self,
        plaintext: &[u8],
        fixed: Option<&FixedRandomnessForTesting>,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<JweJson, Error> {
        let built = engine::build(
            self.enc,
            self.protected.clone(),
            Some(self.unprotected.clone()),
            &self.recipients,
            self.aad.as_deref(),
            plaintext,
            fixed,
            rng,
        )?;
        JweJson::from_built(built)
    }
}
