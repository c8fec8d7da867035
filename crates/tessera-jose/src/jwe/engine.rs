//! The serialization-independent core: building a JWE for one or more recipients, checking a
//! recipient's header before any work, and decrypting.

use serde_json::{Map, Value};
use tessera_core::{SecretBytes, b64, limits};

use super::header::{JweHeader, check_jwe_crit};
use super::keys::{DecryptionKey, EncryptionKey};
use super::{FixedRandomnessForTesting, JweOptions, crypto};
use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use crate::error::{DisabledFeature, HeaderProblem, JweProblem, JweSegment};
use crate::header::merge_disjoint;

/// The largest encrypted key accepted: an RSA-8192 ciphertext.
pub(crate) const MAX_ENCRYPTED_KEY: usize = 1024;
/// The largest PBES2 salt input accepted.
const MAX_P2S: usize = 1024;
/// The smallest PBES2 salt input accepted (RFC 7518 §4.8.1.1: 8 octets or more).
const MIN_P2S: usize = 8;

/// One recipient of a built JWE: its unprotected header, if any, and its encrypted key.
pub(crate) type BuiltRecipient = (Option<Map<String, Value>>, Vec<u8>);

/// A JWE as produced by encryption, before serialization.
#[derive(Clone, Debug)]
pub(crate) struct Built {
    pub protected_b64: String,
    pub unprotected: Option<Map<String, Value>>,
    pub recipients: Vec<BuiltRecipient>,
    pub aad_b64: Option<String>,
    pub iv: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub tag: Vec<u8>,
}

/// Parameters the encryption computes per recipient.
const GENERATED: &[&str] = &["epk", "iv", "tag", "p2s", "p2c"];

fn location(
    name: &str,
    protected: &Map<String, Value>,
    unprotected: &Map<String, Value>,
    recipient: &Map<String, Value>,
) -> Option<u8> {
    if protected.contains_key(name) {
        Some(0)
    } else if unprotected.contains_key(name) {
        Some(1)
    } else if recipient.contains_key(name) {
        Some(2)
    } else {
        None
    }
}

/// Builds a JWE.
///
/// `alg` (and `kid`, if the key has one) are added where the caller did not put them: to the
/// protected header when there is one recipient, else to each recipient's header; `enc` to the
/// protected header. Computed parameters (`epk`, `iv`, `tag`, `p2s`, `p2c`) go where `alg` is,
/// or to the recipient's header when several recipients share a header holding `alg`.
#[allow(clippy::too_many_arguments)] // one internal entry point for both serializations
pub(crate) fn build(
    enc: Enc,
    mut protected: Map<String, Value>,
    unprotected: Option<Map<String, Value>>,
    recipients: &[(&EncryptionKey, Map<String, Value>)],
    aad: Option<&[u8]>,
    plaintext: &[u8],
    fixed: Option<&FixedRandomnessForTesting>,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<Built, Error> {
    if recipients.is_empty() {
        return Err(JweProblem::NoRecipients.into());
    }
    let mut unprotected = unprotected.unwrap_or_default();
    let single = recipients.len() == 1;
    if !single && recipients.iter().any(|(k, _)| k.alg().is_direct()) {
        return Err(JweProblem::DirectWithOthers.into());
    }
    for name in ["zip", "crit"] {
        if unprotected.contains_key(name) || recipients.iter().any(|(_, h)| h.contains_key(name)) {
            return Err(HeaderProblem::NotProtected { member: name }.into());
        }
    }
    let zip = match protected.get("zip") {
        None => false,
        Some(Value::String(s)) if s == "DEF" => true,
        Some(other) => {
            return Err(Error::UnsupportedAlgorithm {
                alg: format!("zip {other}"),
            });
        }
    };
    for name in GENERATED {
        protected.remove(*name);
        unprotected.remove(*name);
    }
    let empty = Map::new();
    match location("enc", &protected, &unprotected, &empty) {
        None => {
            protected.insert("enc".into(), enc.as_str().into());
        }
        Some(_) => {
            let v = protected.get("enc").or_else(|| unprotected.get("enc"));
            if v.and_then(Value::as_str) != Some(enc.as_str()) {
                return Err(HeaderProblem::ValueMismatch {
                    member: "enc",
                    expected: enc.as_str(),
                }
                .into());
            }
        }
    }

    // Place alg/kid, then decide where each recipient's computed parameters go.
    let mut headers: Vec<Map<String, Value>> = Vec::with_capacity(recipients.len());
    let mut targets: Vec<u8> = Vec::with_capacity(recipients.len());
    for (key, h) in recipients {
        let mut h = h.clone();
        for name in GENERATED {
            h.remove(*name);
        }
        if h.contains_key("enc") {
            return Err(HeaderProblem::NotShared { member: "enc" }.into());
        }
        let alg_at = match location("alg", &protected, &unprotected, &h) {
            None => {
                let at = if single { 0 } else { 2 };
                let m = if single { &mut protected } else { &mut h };
                m.insert("alg".into(), key.alg().as_str().into());
                at
            }
            Some(at) => {
                let v = [&protected, &unprotected, &h]
                    .into_iter()
                    .find_map(|m| m.get("alg"));
                if v.and_then(Value::as_str) != Some(key.alg().as_str()) {
                    return Err(HeaderProblem::ValueMismatch {
                        member: "alg",
                        expected: key.alg().as_str(),
                    }
                    .into());
                }
                at
            }
        };
        if let Some(kid) = key.kid()
            && location("kid", &protected, &unprotected, &h).is_none()
        {
            let m = match (alg_at, single) {
                (0, true) => &mut protected,
                (1, true) => &mut unprotected,
                _ => &mut h,
            };
            m.insert("kid".into(), kid.into());
        }
        targets.push(if single { alg_at } else { 2 });
        headers.push(h);
    }

    // The CEK, and each recipient's encrypted key.
    let mut params_per: Vec<Map<String, Value>> = Vec::with_capacity(recipients.len());
    let mut encrypted_keys: Vec<Vec<u8>> = Vec::with_capacity(recipients.len());
    let cek: SecretBytes;
    if let [(key, _)] = recipients
        && key.alg().is_direct()
    {
        let first = headers.first().ok_or(JweProblem::NoRecipients)?;
        let merged = merge_disjoint(&[&protected, &unprotected, first])?;
        let mut params = Map::new();
        cek = key.direct_cek(enc, &merged, fixed, &mut params, rng)?;
        params_per.push(params);
        encrypted_keys.push(Vec::new());
    } else {
        cek = match fixed.and_then(|f| f.cek.as_ref()) {
            Some(c) => SecretBytes::from_slice(c),
            None => crypto::random(rng, enc.key_len()),
        };
        for ((key, _), h) in recipients.iter().zip(&headers) {
            let merged = merge_disjoint(&[&protected, &unprotected, h])?;
            let mut params = Map::new();
            encrypted_keys.push(key.wrap_cek(cek.expose(), &merged, fixed, &mut params, rng)?);
            params_per.push(params);
        }
    }
    for ((params, target), h) in params_per.into_iter().zip(&targets).zip(headers.iter_mut()) {
        let m = match target {
            0 => &mut protected,
            1 => &mut unprotected,
            _ => h,
        };
        m.extend(params);
    }
    for h in &headers {
        merge_disjoint(&[&protected, &unprotected, h])?;
    }

    let protected_b64 = match fixed.and_then(|f| f.protected_b64.as_ref()) {
        Some(given) => {
            let bytes = b64::decode_named(given, "JWE protected header")?;
            let parsed = tessera_core::json::parse_object(&bytes, "JWE protected header")?;
            if parsed != protected {
                return Err(HeaderProblem::FixedProtectedHeader.into());
            }
            given.clone()
        }
        None if protected.is_empty() => String::new(),
        None => b64::encode(Value::Object(protected.clone()).to_string()),
    };
    let aad_b64 = aad.map(b64::encode);
    let full_aad = aad_bytes(&protected_b64, aad_b64.as_deref());
    let iv = match fixed.and_then(|f| f.iv.as_ref()) {
        Some(iv) => iv.clone(),
        None => crypto::random(rng, enc.iv_len()).expose().to_vec(),
    };
    let compressed;
    let data = if zip {
        compressed = crypto::deflate(plaintext);
        &compressed[..]
    } else {
        plaintext
    };
    let (ciphertext, tag) = crypto::encrypt_content(enc, cek.expose(), &iv, &full_aad, data)?;
    let recipients = headers
        .into_iter()
        .zip(encrypted_keys)
        .map(|(h, k)| (if h.is_empty() { None } else { Some(h) }, k))
        .collect();
    Ok(Built {
        protected_b64,
        unprotected: if unprotected.is_empty() {
            None
        } else {
            Some(unprotected)
        },
        recipients,
        aad_b64,
        iv,
        ciphertext,
        tag,
    })
}

/// The additional authenticated data: `ASCII(BASE64URL(protected))`, then `'.'` and
/// `BASE64URL(aad)` when the JSON serialization carries an `aad` (RFC 7516 §5.1 step 14).
pub(crate) fn aad_bytes(protected_b64: &str, aad_b64: Option<&str>) -> Vec<u8> {
    let mut v = Vec::with_capacity(protected_b64.len() + 1 + aad_b64.map_or(0, str::len));
    v.extend_from_slice(protected_b64.as_bytes());
    if let Some(a) = aad_b64 {
        v.push(b'.');
        v.extend_from_slice(a.as_bytes());
    }
    v
}

/// Checks one recipient's merged header against the options and the JWE's parts, before any
/// cryptography runs.
pub(crate) fn check_recipient(
    merged_map: &Map<String, Value>,
    protected: &Map<String, Value>,
    crit_outside_protected: bool,
    encrypted_key: &[u8],
    iv: &[u8],
    tag: &[u8],
    opts: &JweOptions,
) -> Result<JweHeader, Error> {
    let h = JweHeader::from_map(merged_map)?;
    check_alg(h.alg, opts)?;
    if let Some(encs) = &opts.encs
        && !encs.contains(&h.enc)
    {
        return Err(Error::AlgorithmNotAllowed {
            alg: h.enc.as_str().to_owned(),
        });
    }
    check_jwe_crit(&h, protected, crit_outside_protected, &opts.crit)?;
    if let Some(zip) = &h.zip {
        if zip != "DEF" {
            return Err(Error::UnsupportedAlgorithm {
                alg: format!("zip {zip}"),
            });
        }
        if !protected.contains_key("zip") {
            return Err(HeaderProblem::NotProtected { member: "zip" }.into());
        }
        if !opts.allow_zip {
            return Err(DisabledFeature::Zip.into());
        }
    }
    let enc = h.enc;
    let wrong_length = |part, expected, found: usize| {
        if found == expected {
            Ok(())
        } else {
            Err(JweProblem::WrongLength {
                part,
                expected,
                found,
            })
        }
    };
    wrong_length(JweSegment::Iv, enc.iv_len(), iv.len())?;
    wrong_length(JweSegment::Tag, enc.tag_len(), tag.len())?;
    let alg = h.alg;
    let want_key_len = match alg {
        Alg::Dir | Alg::EcdhEs => Some(0),
        Alg::A128GCMKW | Alg::A192GCMKW | Alg::A256GCMKW => Some(enc.key_len()),
        a if a.wrap_key_len().is_some() => Some(enc.key_len() + 8),
        _ => None,
    };
    match want_key_len {
        Some(n) => wrong_length(JweSegment::EncryptedKey, n, encrypted_key.len())?,
        None if encrypted_key.is_empty() || encrypted_key.len() > MAX_ENCRYPTED_KEY => {
            return Err(JweProblem::LengthOutOfRange {
                part: JweSegment::EncryptedKey,
                min: 1,
                max: MAX_ENCRYPTED_KEY,
                found: encrypted_key.len(),
            }
            .into());
        }
        _ => {}
    }
    let missing = |member| HeaderProblem::Missing {
        member,
        alg: Some(alg.as_str()),
    };
    if alg.is_ecdh() && h.epk.is_none() {
        return Err(missing("epk").into());
    }
    if matches!(alg, Alg::A128GCMKW | Alg::A192GCMKW | Alg::A256GCMKW) {
        let iv = h.iv.as_ref().ok_or(missing("iv"))?;
        let tag = h.tag.as_ref().ok_or(missing("tag"))?;
        for (member, expected, found) in [("iv", 12, iv.len()), ("tag", 16, tag.len())] {
            if found != expected {
                return Err(HeaderProblem::WrongLength {
                    member,
                    expected,
                    found,
                }
                .into());
            }
        }
    }
    if alg.is_pbes2() {
        let p2c = h.p2c.ok_or(missing("p2c"))?;
        limits::check(
            "PBES2 iteration count (p2c)",
            p2c as usize,
            opts.pbes2_max_p2c as usize,
        )?;
        let p2s = h.p2s.as_ref().ok_or(missing("p2s"))?;
        if p2s.len() < MIN_P2S || p2s.len() > MAX_P2S {
            return Err(HeaderProblem::LengthOutOfRange {
                member: "p2s",
                min: MIN_P2S,
                max: MAX_P2S,
                found: p2s.len(),
            }
            .into());
        }
    }
    Ok(h)
}

fn check_alg(alg: Alg, opts: &JweOptions) -> Result<(), Error> {
    if alg == Alg::Rsa1_5 && !opts.insecure_allow_rsa1_5 {
        return Err(DisabledFeature::Rsa1_5.into());
    }
    if alg.is_pbes2() && !opts.allow_pbes2 {
        return Err(DisabledFeature::Pbes2 { alg }.into());
    }
    if let Some(algs) = &opts.algs
        && !algs.contains(&alg)
    {
        return Err(Error::AlgorithmNotAllowed {
            alg: alg.as_str().to_owned(),
        });
    }
    Ok(())
}

/// Decrypts for one recipient whose header has been checked.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decrypt(
    key: &DecryptionKey,
    h: &JweHeader,
    encrypted_key: &[u8],
    full_aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    opts: &JweOptions,
) -> Result<Vec<u8>, Error> {
    if h.alg != key.alg() {
        return Err(Error::AlgorithmNotAllowed {
            alg: h.alg.as_str().to_owned(),
        });
    }
    if !key.allows_enc(h.enc) {
        return Err(Error::AlgorithmNotAllowed {
            alg: h.enc.as_str().to_owned(),
        });
    }
    let cek = key.unwrap_cek(h, encrypted_key)?;
    let plaintext = crypto::decrypt_content(h.enc, cek.expose(), iv, full_aad, ciphertext, tag)?;
    if h.zip.is_some() {
        return crypto::inflate(&plaintext, opts.max_inflated);
    }
    Ok(plaintext)
}
