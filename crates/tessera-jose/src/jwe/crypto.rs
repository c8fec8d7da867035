//! The JWE primitives: content encryption (RFC 7518 §5), AES key wrap (§4.4), AES-GCM key wrap
//! (§4.7), the Concat KDF of ECDH-ES (§4.6.2), PBES2 (§4.8) and DEFLATE (RFC 7516 §4.1.3).
//!
//! Every failure of an authenticated operation is [`Error::DecryptionFailed`], whatever the step.

use aes_gcm::aead::consts::U12;
use aes_gcm::{AeadInOut, AesGcm, KeyInit};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use tessera_core::SecretBytes;
use zeroize::Zeroizing;

use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use crate::error::{CryptoOp, JweProblem, Primitive as P, PrimitiveInput as I};

/// A primitive refused an input the caller should have checked: an internal error, never a
/// decryption failure.
fn crypto(primitive: P, input: I) -> Error {
    CryptoOp::Primitive { primitive, input }.into()
}

/// `n` bytes from `rng`.
pub(crate) fn random(rng: &mut dyn rand_core::CryptoRng, n: usize) -> SecretBytes {
    let mut v = vec![0u8; n];
    rng.fill_bytes(&mut v);
    SecretBytes::new(v)
}

// ---------------------------------------------------------------------------------------------
// Content encryption.

type Aes128Gcm = AesGcm<aes::Aes128, U12>;
type Aes192Gcm = AesGcm<aes::Aes192, U12>;
type Aes256Gcm = AesGcm<aes::Aes256, U12>;

fn gcm_seal<C: KeyInit + AeadInOut>(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<Vec<u8>, Error> {
    let cipher = C::new_from_slice(key).map_err(|_| crypto(P::AesGcm, I::KeyLength))?;
    let nonce =
        aes_gcm::aead::Nonce::<C>::try_from(iv).map_err(|_| crypto(P::AesGcm, I::IvLength))?;
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, buf.into())
        .map_err(|_| crypto(P::AesGcm, I::InputLength))?;
    Ok(tag.to_vec())
}

fn gcm_open<C: KeyInit + AeadInOut>(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    let cipher = C::new_from_slice(key).map_err(|_| Error::DecryptionFailed)?;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(iv).map_err(|_| Error::DecryptionFailed)?;
    let tag = aes_gcm::aead::Tag::<C>::try_from(tag).map_err(|_| Error::DecryptionFailed)?;
    cipher
        .decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
        .map_err(|_| Error::DecryptionFailed)
}

/// AES-GCM with a key of 16, 24 or 32 bytes: returns the tag, encrypting `buf` in place.
fn gcm_seal_any(key: &[u8], iv: &[u8], aad: &[u8], buf: &mut [u8]) -> Result<Vec<u8>, Error> {
    match key.len() {
        16 => gcm_seal::<Aes128Gcm>(key, iv, aad, buf),
        24 => gcm_seal::<Aes192Gcm>(key, iv, aad, buf),
        32 => gcm_seal::<Aes256Gcm>(key, iv, aad, buf),
        _ => Err(crypto(P::AesGcm, I::KeyLength)),
    }
}

fn gcm_open_any(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    match key.len() {
        16 => gcm_open::<Aes128Gcm>(key, iv, aad, buf, tag),
        24 => gcm_open::<Aes192Gcm>(key, iv, aad, buf, tag),
        32 => gcm_open::<Aes256Gcm>(key, iv, aad, buf, tag),
        _ => Err(Error::DecryptionFailed),
    }
}

/// The AES_CBC_HMAC_SHA2 authentication tag (RFC 7518 §5.2.2.1): HMAC over
/// `AAD || IV || ciphertext || AL`, truncated to half the hash.
fn cbc_hmac_tag(
    enc: Enc,
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let al = u64::try_from(aad.len())
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or_else(|| crypto(P::CbcHmac, I::InputLength))?
        .to_be_bytes();
    macro_rules! mac {
        ($h:ty) => {{
            let mut m = <Hmac<$h> as hmac::KeyInit>::new_from_slice(mac_key)
                .map_err(|_| crypto(P::CbcHmac, I::KeyLength))?;
            m.update(aad);
            m.update(iv);
            m.update(ciphertext);
            m.update(&al);
            Zeroizing::new(m.finalize().into_bytes().to_vec())
        }};
    }
    let mut full = match enc {
        Enc::A128CbcHs256 => mac!(Sha256),
        Enc::A192CbcHs384 => mac!(Sha384),
        Enc::A256CbcHs512 => mac!(Sha512),
        _ => return Err(crypto(P::CbcHmac, I::Algorithm)),
    };
    full.truncate(enc.tag_len());
    Ok(full)
}

macro_rules! cbc_with {
    ($key:expr, $f:ident, $($args:tt)*) => {
        match $key.len() {
            16 => $f::<aes::Aes128>($key, $($args)*),
            24 => $f::<aes::Aes192>($key, $($args)*),
            32 => $f::<aes::Aes256>($key, $($args)*),
            _ => Err(Error::DecryptionFailed),
        }
    };
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error>
where
    C: cbc::cipher::BlockCipherEncrypt + cbc::cipher::KeyInit,
    cbc::Encryptor<C>: KeyIvInit + BlockModeEncrypt,
{
    let e = cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| crypto(P::AesCbc, I::KeyLength))?;
    Ok(e.encrypt_padded_vec::<Pkcs7>(plaintext))
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error>
where
    C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::KeyInit,
    cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
{
    let d = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| Error::DecryptionFailed)?;
    d.decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Error::DecryptionFailed)
}

/// Encrypts `plaintext`: returns `(ciphertext, tag)`.
pub(crate) fn encrypt_content(
    enc: Enc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let primitive = match enc {
        Enc::A128Gcm | Enc::A192Gcm | Enc::A256Gcm => P::AesGcm,
        Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512 => P::AesCbc,
    };
    if cek.len() != enc.key_len() {
        return Err(crypto(primitive, I::KeyLength));
    }
    if iv.len() != enc.iv_len() {
        return Err(crypto(primitive, I::IvLength));
    }
    match enc {
        Enc::A128Gcm | Enc::A192Gcm | Enc::A256Gcm => {
            let mut buf = plaintext.to_vec();
            let tag = gcm_seal_any(cek, iv, aad, &mut buf)?;
            Ok((buf, tag))
        }
        Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512 => {
            let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
            let ct = match enc_key.len() {
                16 => cbc_encrypt::<aes::Aes128>(enc_key, iv, plaintext)?,
                24 => cbc_encrypt::<aes::Aes192>(enc_key, iv, plaintext)?,
                32 => cbc_encrypt::<aes::Aes256>(enc_key, iv, plaintext)?,
                _ => return Err(crypto(P::AesCbc, I::KeyLength)),
            };
            let tag = cbc_hmac_tag(enc, mac_key, aad, iv, &ct)?;
            Ok((ct, tag.to_vec()))
        }
    }
}

/// Decrypts and authenticates. Every failure — wrong key, tampered input, bad padding, a tag
/// of the wrong length — is [`Error::DecryptionFailed`]. The tag is checked (in constant time)
/// before any CBC decryption, so padding is never an oracle.
pub(crate) fn decrypt_content(
    enc: Enc,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Error> {
    if cek.len() != enc.key_len() || iv.len() != enc.iv_len() || tag.len() != enc.tag_len() {
        return Err(Error::DecryptionFailed);
    }
    match enc {
        Enc::A128Gcm | Enc::A192Gcm | Enc::A256Gcm => {
            let mut buf = ciphertext.to_vec();
            gcm_open_any(cek, iv, aad, &mut buf, tag)?;
            Ok(buf)
        }
        Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512 => {
            let (mac_key, enc_key) = cek.split_at(cek.len() / 2);
            let expected = cbc_hmac_tag(enc, mac_key, aad, iv, ciphertext)
                .map_err(|_| Error::DecryptionFailed)?;
            if !bool::from(expected.as_slice().ct_eq(tag)) {
                return Err(Error::DecryptionFailed);
            }
            cbc_with!(enc_key, cbc_decrypt, iv, ciphertext)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Key wrapping.

/// AES key wrap (RFC 3394) of `cek` under `kek` (16, 24 or 32 bytes).
pub(crate) fn aes_kw_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; cek.len() + 8];
    macro_rules! wrap {
        ($t:ty) => {{
            let kw = <$t>::new_from_slice(kek).map_err(|_| crypto(P::AesKw, I::KeyLength))?;
            kw.wrap_key(cek, &mut out)
                .map_err(|_| crypto(P::AesKw, I::InputLength))?;
        }};
    }
    match kek.len() {
        16 => wrap!(aes_kw::KwAes128),
        24 => wrap!(aes_kw::KwAes192),
        32 => wrap!(aes_kw::KwAes256),
        _ => return Err(crypto(P::AesKw, I::KeyLength)),
    }
    Ok(out)
}

/// AES key unwrap. Any failure is [`Error::DecryptionFailed`].
pub(crate) fn aes_kw_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes, Error> {
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(Error::DecryptionFailed);
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    macro_rules! unwrap {
        ($t:ty) => {{
            let kw = <$t>::new_from_slice(kek).map_err(|_| Error::DecryptionFailed)?;
            kw.unwrap_key(wrapped, &mut out)
                .map_err(|_| Error::DecryptionFailed)?;
        }};
    }
    match kek.len() {
        16 => unwrap!(aes_kw::KwAes128),
        24 => unwrap!(aes_kw::KwAes192),
        32 => unwrap!(aes_kw::KwAes256),
        _ => return Err(Error::DecryptionFailed),
    }
    Ok(SecretBytes::from_slice(&out))
}

/// AES-GCM key wrap (RFC 7518 §4.7): returns `(encrypted key, tag)`.
pub(crate) fn gcm_wrap(kek: &[u8], iv: &[u8], cek: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut buf = cek.to_vec();
    let tag = gcm_seal_any(kek, iv, &[], &mut buf)?;
    Ok((buf, tag))
}

/// AES-GCM key unwrap. Any failure is [`Error::DecryptionFailed`].
pub(crate) fn gcm_unwrap(
    kek: &[u8],
    iv: &[u8],
    tag: &[u8],
    wrapped: &[u8],
) -> Result<SecretBytes, Error> {
    let mut buf = Zeroizing::new(wrapped.to_vec());
    gcm_open_any(kek, iv, &[], &mut buf, tag)?;
    Ok(SecretBytes::from_slice(&buf))
}

// ---------------------------------------------------------------------------------------------
// Key derivation.

fn len_prefixed(h: &mut Sha256, data: &[u8]) -> Result<(), Error> {
    let n = u32::try_from(data.len()).map_err(|_| crypto(P::ConcatKdf, I::InputLength))?;
    h.update(n.to_be_bytes());
    h.update(data);
    Ok(())
}

/// The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as RFC 7518 §4.6.2 uses it:
/// `AlgorithmID`, `PartyUInfo`, `PartyVInfo` length-prefixed, `SuppPubInfo` the key length in
/// bits, `SuppPrivInfo` empty.
pub(crate) fn concat_kdf(
    z: &[u8],
    algorithm_id: &str,
    key_len: usize,
    apu: &[u8],
    apv: &[u8],
) -> Result<SecretBytes, Error> {
    let bits = key_len
        .checked_mul(8)
        .and_then(|b| u32::try_from(b).ok())
        .ok_or_else(|| crypto(P::ConcatKdf, I::KeyLength))?;
    let mut out = Zeroizing::new(Vec::with_capacity(key_len + 32));
    let mut counter: u32 = 1;
    while out.len() < key_len {
        let mut h = Sha256::new();
        h.update(counter.to_be_bytes());
        h.update(z);
        len_prefixed(&mut h, algorithm_id.as_bytes())?;
        len_prefixed(&mut h, apu)?;
        len_prefixed(&mut h, apv)?;
        h.update(bits.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        counter = counter
            .checked_add(1)
            .ok_or_else(|| crypto(P::ConcatKdf, I::InputLength))?;
    }
    out.truncate(key_len);
    Ok(SecretBytes::from_slice(&out))
}

/// The PBES2 key-encryption key (RFC 7518 §4.8.1.1): PBKDF2 with the algorithm's HMAC over the
/// salt `alg || 0x00 || p2s`.
pub(crate) fn pbes2_kek(
    alg: Alg,
    password: &[u8],
    p2s: &[u8],
    p2c: u32,
) -> Result<SecretBytes, Error> {
    let name = alg.as_str().as_bytes();
    let mut salt = Vec::with_capacity(name.len() + 1 + p2s.len());
    salt.extend_from_slice(name);
    salt.push(0);
    salt.extend_from_slice(p2s);
    let len = alg
        .wrap_key_len()
        .ok_or_else(|| crypto(P::Pbes2, I::Algorithm))?;
    let mut kek = Zeroizing::new(vec![0u8; len]);
    match alg {
        Alg::Pbes2Hs256A128KW => pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, p2c, &mut kek),
        Alg::Pbes2Hs384A192KW => pbkdf2::pbkdf2_hmac::<Sha384>(password, &salt, p2c, &mut kek),
        Alg::Pbes2Hs512A256KW => pbkdf2::pbkdf2_hmac::<Sha512>(password, &salt, p2c, &mut kek),
        _ => return Err(crypto(P::Pbes2, I::Algorithm)),
    }
    Ok(SecretBytes::from_slice(&kek))
}

// ---------------------------------------------------------------------------------------------
// Compression.

/// Raw DEFLATE (RFC 1951), as `zip: DEF` requires.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(data, 6)
}

/// Inflates raw DEFLATE, stopping as soon as the output would exceed `cap` bytes: a
/// decompression bomb costs at most `cap` bytes of memory and the time to produce them.
pub(crate) fn inflate(data: &[u8], cap: usize) -> Result<Vec<u8>, Error> {
    match miniz_oxide::inflate::decompress_to_vec_with_limit(data, cap) {
        Ok(v) => Ok(v),
        Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            Err(tessera_core::Error::TooLarge {
                what: "inflated JWE plaintext",
                limit: cap,
                actual: cap.saturating_add(1),
            }
            .into())
        }
        Err(_) => Err(JweProblem::InvalidDeflate.into()),
    }
}

#[cfg(test)]
mod tests {
    //! The primitives against their own specifications' vectors (copied into the workspace's
    //! `tests/vectors/rfc-appendix/`).

    use serde_json::Value;

    use super::*;

    fn vector(name: &str) -> Value {
        let path = format!(
            "{}/../../tests/vectors/rfc-appendix/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn hex(s: &Value) -> Vec<u8> {
        let s = s.as_str().unwrap();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc7518_appendix_b_aes_cbc_hmac_sha2() {
        let v = vector("rfc7518_appendix_B.json");
        let p = v["plaintext_utf8"].as_str().unwrap().as_bytes();
        let a = v["aad_utf8"].as_str().unwrap().as_bytes();
        let iv = hex(&v["iv"]);
        for c in v["cases"].as_array().unwrap() {
            let enc: Enc = c["enc"].as_str().unwrap().parse().unwrap();
            let k = hex(&c["k"]);
            let (e, t) = encrypt_content(enc, &k, &iv, a, p).unwrap();
            assert_eq!(e, hex(&c["e"]), "{enc} E");
            assert_eq!(t, hex(&c["t"]), "{enc} T");
            assert_eq!(decrypt_content(enc, &k, &iv, a, &e, &t).unwrap(), p);
            let mut bad = t.clone();
            bad[0] ^= 1;
            assert!(decrypt_content(enc, &k, &iv, a, &e, &bad).is_err());
            assert!(decrypt_content(enc, &k, &iv, a, &e, &t[..t.len() - 1]).is_err());
        }
    }

    #[test]
    fn rfc7518_appendix_c_concat_kdf() {
        let v = vector("rfc7518_appendix_C.json");
        let z: Vec<u8> = v["z"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        let key = concat_kdf(
            &z,
            v["algorithm_id"].as_str().unwrap(),
            16,
            v["apu_utf8"].as_str().unwrap().as_bytes(),
            v["apv_utf8"].as_str().unwrap().as_bytes(),
        )
        .unwrap();
        assert_eq!(
            tessera_core::b64::encode(key.expose()),
            v["derived_key_b64u"].as_str().unwrap()
        );
        // Longer outputs take more SHA-256 blocks; the first block is a prefix.
        let long = concat_kdf(&z, "A128GCM", 64, b"Alice", b"Bob").unwrap();
        assert_eq!(long.len(), 64);
    }

    /// RFC 7518 §4.6.2 `OtherInfo`, built here independently of `concat_kdf`: AlgorithmID,
    /// PartyUInfo and PartyVInfo each with a 32-bit big-endian length prefix, then SuppPubInfo
    /// (the key length in bits, 32-bit big-endian).
    fn other_info(alg: &str, apu: &[u8], apv: &[u8], key_len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for part in [alg.as_bytes(), apu, apv] {
            v.extend_from_slice(&(part.len() as u32).to_be_bytes());
            v.extend_from_slice(part);
        }
        v.extend_from_slice(&((key_len * 8) as u32).to_be_bytes());
        v
    }

    /// Our Concat KDF against RustCrypto's `concat-kdf` crate, for every output length JOSE
    /// uses — one SHA-256 block (16, 24, 32 bytes) and several: 48 (A192CBC-HS384) and 64
    /// (A256CBC-HS512, `dir` with ECDH-ES) — and lengths that cut a block, with and without
    /// party info.
    #[test]
    fn concat_kdf_agrees_with_an_independent_implementation() {
        let zs: [Vec<u8>; 3] = [
            vec![0x5a; 32],
            (0u8..48).collect(),
            (0u8..66).rev().collect(),
        ];
        let cases: [(&str, &[u8], &[u8]); 4] = [
            ("A128GCM", b"Alice", b"Bob"),
            ("A256CBC-HS512", b"", b""),
            ("ECDH-ES+A256KW", b"\x00\xff party u", b"party v \x80"),
            ("A192CBC-HS384", &[0xab; 300], b"v"),
        ];
        for z in &zs {
            for (alg, apu, apv) in cases {
                for key_len in [16, 24, 32, 33, 48, 63, 64, 65, 96, 128] {
                    let ours = concat_kdf(z, alg, key_len, apu, apv).unwrap();
                    let mut theirs = vec![0u8; key_len];
                    concat_kdf::derive_key_into::<sha2_010::Sha256>(
                        z,
                        &other_info(alg, apu, apv, key_len),
                        &mut theirs,
                    )
                    .unwrap();
                    assert_eq!(ours.expose(), &theirs[..], "{alg} {key_len}");
                }
            }
        }
    }

    #[test]
    fn rfc3394_aes_key_wrap() {
        let v = vector("rfc3394_section4.json");
        for c in v["cases"].as_array().unwrap() {
            let (kek, key, wrapped) = (hex(&c["kek"]), hex(&c["key"]), hex(&c["wrapped"]));
            assert_eq!(aes_kw_wrap(&kek, &key).unwrap(), wrapped);
            assert_eq!(aes_kw_unwrap(&kek, &wrapped).unwrap().expose(), &key[..]);
            let mut bad = wrapped.clone();
            bad[5] ^= 1;
            assert!(matches!(
                aes_kw_unwrap(&kek, &bad),
                Err(Error::DecryptionFailed)
            ));
        }
        assert!(aes_kw_unwrap(&[0u8; 16], &[0u8; 16]).is_err());
        assert!(aes_kw_unwrap(&[0u8; 16], &[0u8; 25]).is_err());
    }

    #[test]
    fn inflate_stops_at_the_cap() {
        let data = deflate(&[0u8; 100_000]);
        assert_eq!(inflate(&data, 100_000).unwrap().len(), 100_000);
        assert!(matches!(
            inflate(&data, 99_999),
            Err(Error::Core(tessera_core::Error::TooLarge { .. }))
        ));
        assert!(matches!(
            inflate(b"\xff\xff\xff", 1000),
            Err(Error::InvalidJwe {
                problem: JweProblem::InvalidDeflate
            })
        ));
    }
}
