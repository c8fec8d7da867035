use serde_json::{Map, Value};
use tessera_core::{b64, limits};

use super::engine::{self, MAX_ENCRYPTED_KEY};
use super::header::JweHeader;
use super::keys::{DecryptionKey, EncryptionKey};
use super::{FixedRandomnessForTesting, JweOptions};
use crate::Error;
use crate::error::{JweProblem, JweSegment, MismatchProblem};

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
            return Err(JweProblem::TooLong {
                part: JweSegment::EncryptedKey,
                max: MAX_ENCRYPTED_KEY,
            }
            .into());
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
    encrypt_compact_with_rng(header, plaintext, key, &mut crate::keys::rng()?)
}

/// [`encrypt_compact`] drawing the CEK, IV, ephemeral key, key-wrap IV, PBES2 salt and RSA-OAEP
/// padding from `rng` instead of the operating system's generator — for a deterministic test
/// or an application that brings its own generator. `rng` must be a cryptographically secure
/// generator: the same seed gives the same token, and a repeated CEK and IV break AES-GCM.
pub fn encrypt_compact_with_rng<R: rand_core::CryptoRng + ?Sized>(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
    rng: &mut R,
) -> Result<String, Error> {
    let mut rng = rng;
    encrypt_compact_inner(header, plaintext, key, None, &mut rng)
}

/// **Hazard: never use it to protect data.** [`encrypt_compact`] with the CEK, IV, ephemeral
/// key, salt and protected-header encoding given instead of drawn, to reproduce published test
/// vectors. Reusing a key and IV breaks AES-GCM (the keystream repeats and the authentication
/// key is exposed). Only with the off-by-default cargo feature `hazmat-fixed-jwe-randomness`.
#[cfg(feature = "hazmat-fixed-jwe-randomness")]
pub fn encrypt_compact_with_fixed_randomness_for_testing(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
    fixed: &FixedRandomnessForTesting,
) -> Result<String, Error> {
    encrypt_compact_inner(
        header,
        plaintext,
        key,
        Some(fixed),
        &mut crate::keys::rng()?,
    )
}

fn encrypt_compact_inner(
    header: &JweHeader,
    plaintext: &[u8],
    key: &EncryptionKey,
    fixed: Option<&FixedRandomnessForTesting>,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<String, Error> {
    if header.alg != key.alg() {
        return Err(MismatchProblem::HeaderAlg {
            header_alg: header.alg.as_str().to_owned(),
            key_alg: key.alg().as_str(),
        }
        .into());
    }
    let built = engine::build(
        header.enc,
        header.to_map(),
        None,
        &[(key, Map::<String, Value>::new())],
        None,
        plaintext,
        fixed,
        rng,
    )?;
    let [(None, encrypted_key)] = built.recipients.as_slice() else {
        return Err(JweProblem::CompactWithUnprotected.into());
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

#[cfg(test)]
mod tests {
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::Jwk;
    use crate::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
    use crate::jwe::JweJsonBuilder;
    use crate::jwk::{EcCurve, OkpCurve};

    fn seeded(seed: u8) -> ChaCha20Rng {
        ChaCha20Rng::from_seed([seed; 32])
    }

    /// Every key management family: the same seed gives the same token, another seed another
    /// token, and the token decrypts.
    #[test]
    fn a_seeded_generator_gives_the_same_jwe() {
        let mut keys = seeded(99);
        let rsa =
            Jwk::generate_rsa_with_rng(2048, &crate::KeyPolicy::default(), &mut keys).unwrap();
        let p256 = Jwk::generate_ec_with_rng(EcCurve::P256, &mut keys).unwrap();
        let x25519 = Jwk::generate_okp_with_rng(OkpCurve::X25519, &mut keys).unwrap();
        let k16 = Jwk::generate_oct_with_rng(16, &mut keys).unwrap();
        let k32 = Jwk::generate_oct_with_rng(32, &mut keys).unwrap();
        let cases: Vec<(Alg, Enc, Jwk)> = vec![
            (Alg::Dir, Enc::A128CbcHs256, k32.clone()),
            (Alg::A128KW, Enc::A256Gcm, k16.clone()),
            (Alg::A128GCMKW, Enc::A128Gcm, k16),
            (Alg::EcdhEs, Enc::A256Gcm, p256.clone()),
            (Alg::EcdhEsA128KW, Enc::A128CbcHs256, p256),
            (Alg::EcdhEsA256KW, Enc::A256Gcm, x25519),
            (Alg::RsaOaep256, Enc::A256Gcm, rsa),
        ];
        for (alg, enc, jwk) in cases {
            let public = jwk.to_public().unwrap_or_else(|| jwk.clone());
            let to = EncryptionKey::from_jwk(&public, alg).unwrap();
            let header = JweHeader::new(alg, enc);
            let a = encrypt_compact_with_rng(&header, b"same", &to, &mut seeded(1)).unwrap();
            let b = encrypt_compact_with_rng(&header, b"same", &to, &mut seeded(1)).unwrap();
            let c = encrypt_compact_with_rng(&header, b"same", &to, &mut seeded(2)).unwrap();
            assert_eq!(a, b, "{alg}");
            assert_ne!(a, c, "{alg}");
            let key = DecryptionKey::from_jwk(&jwk, alg).unwrap();
            let opts = JweOptions::default();
            for t in [&a, &c] {
                let plain = CompactJwe::parse(t, &opts).unwrap().decrypt(&key).unwrap();
                assert_eq!(plain, b"same", "{alg}");
            }
        }
        // PBES2: the salt comes from the generator too.
        let alg = Alg::Pbes2Hs256A128KW;
        let to = EncryptionKey::from_password(b"correct horse", alg)
            .unwrap()
            .with_p2c(1000)
            .unwrap();
        let header = JweHeader::new(alg, Enc::A128Gcm);
        let a = encrypt_compact_with_rng(&header, b"pw", &to, &mut seeded(3)).unwrap();
        let b = encrypt_compact_with_rng(&header, b"pw", &to, &mut seeded(3)).unwrap();
        assert_eq!(a, b);
        let key = DecryptionKey::from_password(b"correct horse", alg).unwrap();
        let opts = JweOptions {
            allow_pbes2: true,
            ..JweOptions::default()
        };
        let plain = CompactJwe::parse(&a, &opts).unwrap().decrypt(&key).unwrap();
        assert_eq!(plain, b"pw");
    }

    /// Signing draws randomness too (the RSA-PSS salt): with a seeded generator a PS256 JWS, in
    /// either serialization, and a nested PS256-in-RSA-OAEP token are reproducible, and still
    /// verify.
    #[test]
    fn a_seeded_generator_gives_the_same_signed_and_nested_tokens() {
        use crate::jws::{self, CompactJws, JwsHeader, JwsJsonSigner, JwsOptions};
        use crate::{JwsAlgorithm, SigningKey};
        let rsa = Jwk::generate_rsa_with_rng(2048, &crate::KeyPolicy::default(), &mut seeded(42))
            .unwrap();
        let signer = SigningKey::from_jwk(&rsa, JwsAlgorithm::PS256).unwrap();
        let header = JwsHeader::new(JwsAlgorithm::PS256);

        let jws = |seed| jws::sign_compact_with_rng(&header, b"m", &signer, &mut seeded(seed));
        let (a, b, c) = (jws(1).unwrap(), jws(1).unwrap(), jws(2).unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c, "the PSS salt comes from the generator");
        let opts = JwsOptions::default();
        for t in [&a, &c] {
            let parsed = CompactJws::parse(t, &opts).unwrap();
            parsed.verify(signer.verifying_key()).unwrap();
        }
        let detached =
            |seed| jws::sign_compact_detached_with_rng(&header, b"m", &signer, &mut seeded(seed));
        assert_eq!(detached(1).unwrap(), detached(1).unwrap());
        assert_ne!(detached(1).unwrap(), detached(2).unwrap());

        let json = JwsJsonSigner::new(b"m").signature(&signer, Some(header.clone()), None);
        assert_eq!(
            json.flattened_with_rng(&mut seeded(1)).unwrap(),
            json.flattened_with_rng(&mut seeded(1)).unwrap()
        );
        assert_eq!(
            json.general_with_rng(&mut seeded(1)).unwrap(),
            json.general_with_rng(&mut seeded(1)).unwrap()
        );
        assert_ne!(
            json.general_with_rng(&mut seeded(1)).unwrap(),
            json.general_with_rng(&mut seeded(2)).unwrap()
        );

        let public = rsa.to_public().unwrap();
        let to = EncryptionKey::from_jwk(&public, Alg::RsaOaep256).unwrap();
        let jwe_header = JweHeader::new(Alg::RsaOaep256, Enc::A256Gcm);
        let nested = |seed| {
            crate::jwe::sign_then_encrypt_with_rng(
                b"m",
                &header,
                &signer,
                &jwe_header,
                &to,
                &mut seeded(seed),
            )
            .unwrap()
        };
        let (a, b, c) = (nested(1), nested(1), nested(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let key = DecryptionKey::from_jwk(&rsa, Alg::RsaOaep256).unwrap();
        for t in [&a, &c] {
            let n = crate::jwe::decrypt_then_verify(
                t,
                &JweOptions::default(),
                &key,
                &opts,
                signer.verifying_key(),
            )
            .unwrap();
            assert_eq!(n.payload, b"m");
        }
    }

    #[test]
    fn a_seeded_generator_gives_the_same_json_jwe() {
        let k = Jwk::generate_oct_with_rng(32, &mut seeded(5)).unwrap();
        let to = EncryptionKey::from_jwk(&k, Alg::A256KW).unwrap();
        let builder = JweJsonBuilder::new(Enc::A256Gcm).recipient(&to);
        let a = builder.encrypt_with_rng(b"json", &mut seeded(6)).unwrap();
        let b = builder.encrypt_with_rng(b"json", &mut seeded(6)).unwrap();
        assert_eq!(a.to_general_json(), b.to_general_json());
        let key = DecryptionKey::from_jwk(&k, Alg::A256KW).unwrap();
        let parsed =
            crate::jwe::JweJson::parse(a.to_general_json().as_bytes(), &JweOptions::default())
                .unwrap();
        assert_eq!(parsed.decrypt(&key).unwrap().plaintext, b"json");
    }
}
