use serde_json::{Map, Value};
use tessera_core::{b64, limits};

use super::engine::{self, MAX_ENCRYPTED_KEY};
use super::header::JweHeader;
use super::keys::{DecryptionKey, EncryptionKey};
use super::{FixedRandomnessForTesting, JweOptions};
use crate::Error;
use crate::error::invalid_jwe;

/// A parsed, not yet decrypted, compact JWE (RFC 7516 §7.1).
///
/// Parsing checks everything that can be checked without a key, before any cryptography: the
/// size cap, the five parts, strict base64url and JSON, the algorithms against
/// [`JweOptions`], `crit`, `zip`, the `p2c` cap, the `epk` (a valid point on its curve), and
/// the lengths of the encrypted key, IV and tag.
#[derive(Debug, Clone)]
pub struct CompactJwe<'a> {
    token: &'a str,
    header: JweHeader,
    protected_len: usize,
    encrypted_key: Vec<u8>,
    iv: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: Vec<u8>,
    opts: JweOptions,
}

impl<'a> CompactJwe<'a> {
    /// Parses a compact JWE under `opts`.
    pub fn parse(token: &'a str, opts: &JweOptions) -> Result<Self, Error> {
        limits::check("JWE", token.len(), opts.max_len)?;
        let mut parts = [""; 5];
        let mut n = 0usize;
        for part in token.split('.') {
            if let Some(slot) = parts.get_mut(n) {
                *slot = part;
            }
            n += 1;
        }
        if n != 5 {
            return Err(Error::MalformedCompact {
                expected: 5,
                found: n,
            });
        }
        let [p_b64, ek_b64, iv_b64, ct_b64, tag_b64] = parts;
        if ek_b64.len() > b64::encoded_len(MAX_ENCRYPTED_KEY) {
            return Err(invalid_jwe(format!(
                "the encrypted key is over {MAX_ENCRYPTED_KEY} bytes"
            )));
        }
        let protected_json = b64::decode_named(p_b64, "JWE protected header")?;
        let protected = tessera_core::json::parse_object(&protected_json, "JWE protected header")?;
        let encrypted_key = b64::decode_named(ek_b64, "JWE encrypted key")?;
        let iv = b64::decode_named(iv_b64, "JWE initialization vector")?;
        let tag = b64::decode_named(tag_b64, "JWE authentication tag")?;
        let header = engine::check_recipient(
            &protected,
            &protected,
            false,
            &encrypted_key,
            &iv,
            &tag,
            opts,
        )?;
        let ciphertext = b64::decode_named(ct_b64, "JWE ciphertext")?;
        Ok(CompactJwe {
            token,
            header,
            protected_len: p_b64.len(),
            encrypted_key,
            iv,
            ciphertext,
            tag,
            opts: opts.clone(),
        })
    }

    /// The protected header.
    pub fn header(&self) -> &JweHeader {
        &self.header
    }

    /// The protected header exactly as it appeared, base64url encoded.
    pub fn header_b64(&self) -> &'a str {
        &self.token[..self.protected_len]
    }

    /// The decoded JWE Encrypted Key (empty for `dir` and `ECDH-ES`).
    pub fn encrypted_key(&self) -> &[u8] {
        &self.encrypted_key
    }

    /// Decrypts with `key` and returns the plaintext (inflated when `zip: DEF`).
    ///
    /// Fails with [`Error::AlgorithmNotAllowed`] if the token's `alg` is not the key's, or its
    /// `enc` is not one the key accepts; any cryptographic failure is
    /// [`Error::DecryptionFailed`].
    pub fn decrypt(&self, key: &DecryptionKey) -> Result<Vec<u8>, Error> {
        let aad = self.header_b64().as_bytes();
        engine::decrypt(
            key,
            &self.header,
            &self.encrypted_key,
            aad,
            &self.iv,
            &self.ciphertext,
            &self.tag,
            &self.opts,
        )
    }
}

/// Encrypts `plaintext` into a compact JWE for `key`.
///
/// `header.alg` must be the key's algorithm. The key's `kid` is added unless the header has
/// one; `epk`, `iv`, `tag`, `p2s` and `p2c` are computed. With `zip: DEF` (see
/// [`JweHeader::with_deflate`]) the plaintext is compressed first.
pub fn encrypt_compact(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
) -> Result<String, Error> {
    encrypt_compact_inner(header, plaintext, key, None)
}

/// [`encrypt_compact`] with the CEK, IV, ephemeral key, salt and protected-header encoding
/// given instead of drawn, to reproduce published vectors. Never use it to protect data.
#[doc(hidden)]
pub fn encrypt_compact_with_fixed_randomness_for_testing(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
    fixed: &FixedRandomnessForTesting,
) -> Result<String, Error> {
    encrypt_compact_inner(header, plaintext, key, Some(fixed))
}

fn encrypt_compact_inner(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
    fixed: Option<&FixedRandomnessForTesting>,
) -> Result<String, Error> {
    if header.alg != key.alg() {
        return Err(Error::KeyMismatch {
            reason: format!(
                "the header says {} but the key encrypts with {}",
                header.alg,
                key.alg()
            ),
        });
    }
    let built = engine::build(
        header.enc,
        header.to_map(),
        None,
        &[(key, Map::<String, Value>::new())],
        None,
        plaintext,
        fixed,
    )?;
    let [(None, encrypted_key)] = built.recipients.as_slice() else {
        return Err(invalid_jwe("a compact JWE has no per-recipient header"));
    };
    let mut out = built.protected_b64.clone();
    out.push('.');
    b64::encode_to(encrypted_key, &mut out);
    out.push('.');
    b64::encode_to(&built.iv, &mut out);
    out.push('.');
    b64::encode_to(&built.ciphertext, &mut out);
    out.push('.');
    b64::encode_to(&built.tag, &mut out);
    Ok(out)
}
