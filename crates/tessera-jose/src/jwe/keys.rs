//! JWE keys: prepared once, bound to one key management algorithm.

use std::fmt;

use rsa::{Oaep, Pkcs1v15Encrypt, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use serde_json::{Map, Value};
use subtle::{Choice, ConditionallySelectable};
use tessera_core::{SecretBytes, b64};
use zeroize::Zeroizing;

use super::crypto;
use super::header::JweHeader;
use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use crate::error::{
    CryptoOp, Curve, DisabledFeature, HeaderProblem, JsonType, KeyKind, KeyPart, KeyProblem,
    MismatchProblem, crypto_err,
};
use crate::jwk::{EcCurve, EcParams, Jwk, KeyParams, KeyUse, OkpCurve, OkpParams};
use crate::keys::{KeyPolicy, okp_bytes, rng, rsa_private, rsa_public};

/// The PBES2 iteration count used when encrypting, unless [`EncryptionKey::with_p2c`] says
/// otherwise. It is also the default cap a recipient accepts
/// ([`JweOptions::pbes2_max_p2c`](super::JweOptions::pbes2_max_p2c)).
pub const DEFAULT_PBES2_P2C: u32 = 10_000;

/// The PBES2 salt input length used when encrypting, in bytes.
const P2S_LEN: usize = 16;

#[derive(Clone)]
enum EcdhPublic {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
    X25519(x25519_dalek::PublicKey),
}

#[derive(Clone)]
enum EcdhSecret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    X25519(x25519_dalek::StaticSecret),
}

#[derive(Clone)]
enum EncInner {
    Rsa(RsaPublicKey),
    Symmetric(SecretBytes),
    Ecdh(EcdhPublic),
    Password { password: SecretBytes, p2c: u32 },
}

#[derive(Clone)]
enum DecInner {
    Rsa(Box<RsaPrivateKey>),
    Symmetric(SecretBytes),
    Ecdh(EcdhSecret),
    Password(SecretBytes),
}

/// A recipient's public (or shared) key, prepared to encrypt with exactly one key management
/// algorithm.
///
/// `RSA1_5` is never offered for encryption.
#[derive(Clone)]
pub struct EncryptionKey {
    alg: Alg,
    kid: Option<String>,
    inner: EncInner,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A recipient's private (or shared) key, prepared to decrypt with exactly one key management
/// algorithm and, optionally, only some content encryption algorithms.
///
/// A token whose `alg` differs from the key's is refused before any cryptography runs.
#[derive(Clone)]
pub struct DecryptionKey {
    alg: Alg,
    kid: Option<String>,
    encs: Option<Vec<Enc>>,
    inner: DecInner,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("encs", &self.encs)
            .finish_non_exhaustive()
    }
}

/// Checks the JWK's own `alg`, `use` and `key_ops` against a JWE use. A `dir` key may name the
/// content encryption algorithm it is for in its `alg` (as RFC 7520 §5.6 does); that
/// restriction is returned.
fn fits(jwk: &Jwk, alg: Alg, ops: &'static [&'static str]) -> Result<Option<Enc>, Error> {
    let mut only_enc = None;
    if let Some(a) = &jwk.alg
        && a != alg.as_str()
    {
        match a.parse::<Enc>() {
            Ok(enc) if alg == Alg::Dir => only_enc = Some(enc),
            _ => {
                return Err(MismatchProblem::KeyAlg {
                    key_alg: a.clone(),
                    alg: alg.as_str(),
                }
                .into());
            }
        }
    }
    if let Some(u) = &jwk.key_use
        && *u != KeyUse::Encryption
    {
        return Err(MismatchProblem::Use {
            key_use: u.clone(),
            expected: KeyUse::Encryption,
        }
        .into());
    }
    if let Some(key_ops) = &jwk.key_ops
        && !key_ops.iter().any(|o| ops.contains(&o.as_str()))
    {
        return Err(MismatchProblem::KeyOps { needed: ops }.into());
    }
    Ok(only_enc)
}

fn ops_for(alg: Alg, encrypt: bool) -> &'static [&'static str] {
    match (alg, encrypt) {
        (Alg::Dir, true) => &["encrypt"],
        (Alg::Dir, false) => &["decrypt"],
        (a, _) if a.is_ecdh() => &["deriveKey", "deriveBits"],
        (_, true) => &["wrapKey", "encrypt"],
        (_, false) => &["unwrapKey", "decrypt"],
    }
}

fn wrong_family(jwk: &Jwk, alg: Alg) -> Error {
    wrong_kind(KeyKind::of(jwk.params()), alg)
}

fn wrong_kind(key: KeyKind, alg: Alg) -> Error {
    MismatchProblem::WrongKeyType {
        key,
        alg: alg.as_str(),
    }
    .into()
}

/// The key lengths of `dir`: those of the content encryption algorithms.
const DIR_KEY_LENS: &[usize] = &[16, 24, 32, 48, 64];

fn check_symmetric_len(secret: &[u8], alg: Alg) -> Result<(), Error> {
    if secret.is_empty() {
        return Err(KeyProblem::Empty { part: KeyPart::K }.into());
    }
    if alg.is_pbes2() {
        return Ok(());
    }
    let expected: &'static [usize] = match alg.wrap_key_len() {
        Some(16) => &[16],
        Some(24) => &[24],
        Some(32) => &[32],
        Some(_) => &[],
        None if alg == Alg::Dir => DIR_KEY_LENS,
        None => return Ok(()),
    };
    if !expected.contains(&secret.len()) {
        return Err(KeyProblem::SymmetricKeyLength {
            alg,
            expected,
            found: secret.len(),
        }
        .into());
    }
    Ok(())
}

fn symmetric_alg(alg: Alg) -> bool {
    alg == Alg::Dir || (alg.wrap_key_len().is_some() && !alg.is_ecdh())
}

fn sec1(p: &EcParams) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + 2 * p.x.len());
    v.push(4);
    v.extend_from_slice(&p.x);
    v.extend_from_slice(&p.y);
    v
}

fn ecdh_public(jwk: &Jwk, alg: Alg) -> Result<EcdhPublic, Error> {
    Ok(match jwk.params() {
        KeyParams::Ec(p) => {
            let bad = |_| KeyProblem::NotOnCurve { crv: p.crv.into() };
            let s = sec1(p);
            match p.crv {
                EcCurve::P256 => {
                    EcdhPublic::P256(p256::PublicKey::from_sec1_bytes(&s).map_err(bad)?)
                }
                EcCurve::P384 => {
                    EcdhPublic::P384(p384::PublicKey::from_sec1_bytes(&s).map_err(bad)?)
                }
                EcCurve::P521 => {
                    EcdhPublic::P521(p521::PublicKey::from_sec1_bytes(&s).map_err(bad)?)
                }
            }
        }
        KeyParams::Okp(p) if p.crv == OkpCurve::X25519 => {
            let x = okp_bytes(KeyPart::X, &p.x)?;
            EcdhPublic::X25519(x25519_dalek::PublicKey::from(x))
        }
        _ => return Err(wrong_family(jwk, alg)),
    })
}

impl EncryptionKey {
    /// Prepares `jwk` to encrypt with `alg`, with the default [`KeyPolicy`].
    ///
    /// RSA algorithms need an RSA key, ECDH-ES an EC (P-256, P-384, P-521) or X25519 key, AES
    /// key wrap, AES-GCM key wrap and `dir` an `oct` key of the right length, PBES2 an `oct`
    /// key holding the password. The key's own `alg`, `use` and `key_ops` must allow it.
    pub fn from_jwk(jwk: &Jwk, alg: Alg) -> Result<Self, Error> {
        Self::from_jwk_with_policy(jwk, alg, &KeyPolicy::default())
    }

    /// Prepares `jwk` to encrypt with `alg` under `policy` (RSA modulus size).
    pub fn from_jwk_with_policy(jwk: &Jwk, alg: Alg, policy: &KeyPolicy) -> Result<Self, Error> {
        if alg == Alg::Rsa1_5 {
            return Err(rsa1_5_refused());
        }
        fits(jwk, alg, ops_for(alg, true))?;
        let inner = match jwk.params() {
            KeyParams::Rsa(p) if alg.is_rsa() => EncInner::Rsa(rsa_public(p, policy)?),
            KeyParams::Oct(k) if alg.is_pbes2() => EncInner::Password {
                password: k.clone(),
                p2c: DEFAULT_PBES2_P2C,
            },
            KeyParams::Oct(k) if symmetric_alg(alg) => {
                check_symmetric_len(k.expose(), alg)?;
                EncInner::Symmetric(k.clone())
            }
            _ if alg.is_ecdh() => EncInner::Ecdh(ecdh_public(jwk, alg)?),
            _ => return Err(wrong_family(jwk, alg)),
        };
        Ok(EncryptionKey {
            alg,
            kid: jwk.kid.clone(),
            inner,
        })
    }

    /// Prepares a raw shared key for AES key wrap, AES-GCM key wrap or `dir`.
    pub fn from_secret(secret: &[u8], alg: Alg) -> Result<Self, Error> {
        if !symmetric_alg(alg) {
            return Err(wrong_kind(KeyKind::Oct { len: secret.len() }, alg));
        }
        check_symmetric_len(secret, alg)?;
        Ok(EncryptionKey {
            alg,
            kid: None,
            inner: EncInner::Symmetric(SecretBytes::from_slice(secret)),
        })
    }

    /// Prepares a password for PBES2, with [`DEFAULT_PBES2_P2C`] iterations.
    pub fn from_password(password: &[u8], alg: Alg) -> Result<Self, Error> {
        check_password(password, alg)?;
        Ok(EncryptionKey {
            alg,
            kid: None,
            inner: EncInner::Password {
                password: SecretBytes::from_slice(password),
                p2c: DEFAULT_PBES2_P2C,
            },
        })
    }

    /// Sets the PBES2 iteration count (at least 1000, RFC 7518 §4.8.1.2). Recipients refuse
    /// counts above their cap (10,000 by default).
    pub fn with_p2c(mut self, p2c: u32) -> Result<Self, Error> {
        match &mut self.inner {
            EncInner::Password { p2c: c, .. } => {
                if p2c < 1000 {
                    return Err(KeyProblem::Pbes2TooFewIterations { p2c, min: 1000 }.into());
                }
                *c = p2c;
                Ok(self)
            }
            _ => Err(MismatchProblem::P2cWithoutPbes2.into()),
        }
    }

    /// The one algorithm this key encrypts with.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key ID, if the key had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Sets the key ID (builder style).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// For `dir` and `ECDH-ES`: derives the CEK. Adds header parameters (`epk`) to `params`.
    pub(crate) fn direct_cek(
        &self,
        enc: Enc,
        merged: &Map<String, Value>,
        fixed: Option<&super::FixedRandomnessForTesting>,
        params: &mut Map<String, Value>,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<SecretBytes, Error> {
        match (&self.inner, self.alg) {
            (EncInner::Symmetric(k), Alg::Dir) => {
                if k.len() != enc.key_len() {
                    return Err(MismatchProblem::DirKeyLength {
                        enc: enc.as_str(),
                        expected: enc.key_len(),
                        found: k.len(),
                    }
                    .into());
                }
                Ok(k.clone())
            }
            (EncInner::Ecdh(pk), Alg::EcdhEs) => {
                let z = ecdh_send(pk, fixed.and_then(|f| f.epk.as_ref()), params, rng)?;
                let (apu, apv) = party_info(merged)?;
                crypto::concat_kdf(&z, enc.as_str(), enc.key_len(), &apu, &apv)
            }
            _ => Err(MismatchProblem::NotDirectKey {
                alg: self.alg.as_str(),
            }
            .into()),
        }
    }

    /// Encrypts or wraps `cek` for this recipient. Adds header parameters (`epk`, `iv`, `tag`,
    /// `p2s`, `p2c`) to `params`.
    pub(crate) fn wrap_cek(
        &self,
        cek: &[u8],
        merged: &Map<String, Value>,
        fixed: Option<&super::FixedRandomnessForTesting>,
        params: &mut Map<String, Value>,
        rng: &mut dyn rand_core::CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        let alg = self.alg;
        match &self.inner {
            EncInner::Rsa(k) => {
                let res = match alg {
                    Alg::RsaOaep => k.encrypt(rng, Oaep::<sha1::Sha1>::new(), cek),
                    Alg::RsaOaep256 => k.encrypt(rng, Oaep::<sha2::Sha256>::new(), cek),
                    Alg::RsaOaep384 => k.encrypt(rng, Oaep::<sha2::Sha384>::new(), cek),
                    Alg::RsaOaep512 => k.encrypt(rng, Oaep::<sha2::Sha512>::new(), cek),
                    _ => return Err(rsa1_5_refused()),
                };
                res.map_err(crypto_err(CryptoOp::RsaEncrypt { alg }))
            }
            EncInner::Symmetric(kek) => {
                if matches!(alg, Alg::A128GCMKW | Alg::A192GCMKW | Alg::A256GCMKW) {
                    let iv = match fixed.and_then(|f| f.kw_iv.as_ref()) {
                        Some(iv) => SecretBytes::from_slice(iv),
                        None => crypto::random(rng, 12),
                    };
                    let (wrapped, tag) = crypto::gcm_wrap(kek.expose(), iv.expose(), cek)?;
                    params.insert("iv".into(), b64::encode(iv.expose()).into());
                    params.insert("tag".into(), b64::encode(&tag).into());
                    Ok(wrapped)
                } else {
                    crypto::aes_kw_wrap(kek.expose(), cek)
                }
            }
            EncInner::Ecdh(pk) => {
                let z = ecdh_send(pk, fixed.and_then(|f| f.epk.as_ref()), params, rng)?;
                let (apu, apv) = party_info(merged)?;
                let len = alg
                    .wrap_key_len()
                    .ok_or(MismatchProblem::DirectKey { alg: alg.as_str() })?;
                let kek = crypto::concat_kdf(&z, alg.as_str(), len, &apu, &apv)?;
                crypto::aes_kw_wrap(kek.expose(), cek)
            }
            EncInner::Password { password, p2c } => {
                let p2s = match fixed.and_then(|f| f.p2s.as_ref()) {
                    Some(s) => s.clone(),
                    None => crypto::random(rng, P2S_LEN).expose().to_vec(),
                };
                let p2c = fixed.and_then(|f| f.p2c).unwrap_or(*p2c);
                let kek = crypto::pbes2_kek(alg, password.expose(), &p2s, p2c)?;
                params.insert("p2s".into(), b64::encode(&p2s).into());
                params.insert("p2c".into(), p2c.into());
                crypto::aes_kw_wrap(kek.expose(), cek)
            }
        }
    }
}

fn missing(member: &'static str, alg: Alg) -> HeaderProblem {
    HeaderProblem::Missing {
        member,
        alg: Some(alg.as_str()),
    }
}

fn rsa1_5_refused() -> Error {
    DisabledFeature::Rsa1_5Encryption.into()
}

fn check_password(password: &[u8], alg: Alg) -> Result<(), Error> {
    if !alg.is_pbes2() {
        return Err(wrong_kind(KeyKind::Password, alg));
    }
    if password.is_empty() {
        return Err(KeyProblem::Empty {
            part: KeyPart::Password,
        }
        .into());
    }
    Ok(())
}

fn party_info(merged: &Map<String, Value>) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let get = |name: &'static str| -> Result<Vec<u8>, Error> {
        match merged.get(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(b64::decode_named(s, name)?),
            Some(_) => Err(HeaderProblem::WrongType {
                member: name,
                expected: JsonType::Base64url,
            }
            .into()),
        }
    };
    Ok((get("apu")?, get("apv")?))
}

/// Sender side of ECDH-ES: a fresh ephemeral key (or the fixed one, in tests), its public half
/// added to `params` as `epk`; returns Z.
fn ecdh_send(
    pk: &EcdhPublic,
    fixed_epk: Option<&Jwk>,
    params: &mut Map<String, Value>,
    rng: &mut dyn rand_core::CryptoRng,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    macro_rules! nist {
        ($curve:ident, $crv:expr, $pk:expr) => {{
            let sk = match fixed_epk.map(Jwk::params) {
                Some(KeyParams::Ec(p)) if p.crv == $crv => {
                    let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                    $curve::SecretKey::from_slice(d.expose())
                        .map_err(|_| KeyProblem::OutOfRange { part: KeyPart::D })?
                }
                Some(_) => return Err(MismatchProblem::FixedEpkCurve.into()),
                None => {
                    use p256::elliptic_curve::Generate;
                    match $curve::SecretKey::try_generate_from_rng(rng) {
                        Ok(sk) => sk,
                    }
                }
            };
            let z = $curve::ecdh::diffie_hellman(sk.to_nonzero_scalar(), $pk.as_affine());
            let point = sk.public_key().to_sec1_point(false);
            let bytes = point.as_bytes();
            let n = $crv.field_len();
            let encoding = KeyProblem::PointEncoding {
                crv: Curve::Ec($crv),
            };
            let x = bytes.get(1..1 + n).ok_or(encoding.clone())?;
            let y = bytes.get(1 + n..).ok_or(encoding)?;
            let epk = Jwk::new(KeyParams::Ec(EcParams {
                crv: $crv,
                x: x.to_vec(),
                y: y.to_vec(),
                d: None,
            }))?;
            params.insert("epk".into(), Value::Object(epk.to_json_value()));
            Zeroizing::new(z.raw_secret_bytes().to_vec())
        }};
    }
    Ok(match pk {
        EcdhPublic::P256(pk) => nist!(p256, EcCurve::P256, pk),
        EcdhPublic::P384(pk) => nist!(p384, EcCurve::P384, pk),
        EcdhPublic::P521(pk) => nist!(p521, EcCurve::P521, pk),
        EcdhPublic::X25519(pk) => {
            let sk = match fixed_epk.map(Jwk::params) {
                Some(KeyParams::Okp(p)) if p.crv == OkpCurve::X25519 => {
                    let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                    x25519_dalek::StaticSecret::from(okp_bytes(KeyPart::D, d.expose())?)
                }
                Some(_) => return Err(MismatchProblem::FixedEpkCurve.into()),
                None => x25519_dalek::StaticSecret::random_from_rng(rng),
            };
            let shared = sk.diffie_hellman(pk);
            if !shared.was_contributory() {
                return Err(KeyProblem::SmallOrder {
                    crv: Curve::Okp(OkpCurve::X25519),
                }
                .into());
            }
            let epk = Jwk::new(KeyParams::Okp(OkpParams {
                crv: OkpCurve::X25519,
                x: x25519_dalek::PublicKey::from(&sk).as_bytes().to_vec(),
                d: None,
            }))?;
            params.insert("epk".into(), Value::Object(epk.to_json_value()));
            Zeroizing::new(shared.as_bytes().to_vec())
        }
    })
}

impl DecryptionKey {
    /// Prepares the private (or symmetric) `jwk` to decrypt `alg` tokens, with the default
    /// [`KeyPolicy`]. Every content encryption algorithm is accepted until
    /// [`DecryptionKey::with_encs`] narrows it.
    pub fn from_jwk(jwk: &Jwk, alg: Alg) -> Result<Self, Error> {
        Self::from_jwk_with_policy(jwk, alg, &KeyPolicy::default())
    }

    /// Prepares `jwk` to decrypt `alg` tokens under `policy` (RSA modulus size).
    pub fn from_jwk_with_policy(jwk: &Jwk, alg: Alg, policy: &KeyPolicy) -> Result<Self, Error> {
        let only_enc = fits(jwk, alg, ops_for(alg, false))?;
        if !jwk.is_private() {
            return Err(Error::MissingPrivateKey);
        }
        let inner = match jwk.params() {
            KeyParams::Rsa(p) if alg.is_rsa() => DecInner::Rsa(Box::new(rsa_private(p, policy)?)),
            KeyParams::Oct(k) if alg.is_pbes2() => DecInner::Password(k.clone()),
            KeyParams::Oct(k) if symmetric_alg(alg) => {
                check_symmetric_len(k.expose(), alg)?;
                DecInner::Symmetric(k.clone())
            }
            KeyParams::Ec(p) if alg.is_ecdh() => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                let bad = |_| KeyProblem::OutOfRange { part: KeyPart::D };
                DecInner::Ecdh(match p.crv {
                    EcCurve::P256 => {
                        EcdhSecret::P256(p256::SecretKey::from_slice(d.expose()).map_err(bad)?)
                    }
                    EcCurve::P384 => {
                        EcdhSecret::P384(p384::SecretKey::from_slice(d.expose()).map_err(bad)?)
                    }
                    EcCurve::P521 => {
                        EcdhSecret::P521(p521::SecretKey::from_slice(d.expose()).map_err(bad)?)
                    }
                })
            }
            KeyParams::Okp(p) if alg.is_ecdh() && p.crv == OkpCurve::X25519 => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                let d = okp_bytes(KeyPart::D, d.expose())?;
                DecInner::Ecdh(EcdhSecret::X25519(x25519_dalek::StaticSecret::from(d)))
            }
            _ => return Err(wrong_family(jwk, alg)),
        };
        Ok(DecryptionKey {
            alg,
            kid: jwk.kid.clone(),
            encs: only_enc.map(|e| vec![e]),
            inner,
        })
    }

    /// Prepares a raw shared key for AES key wrap, AES-GCM key wrap or `dir`.
    pub fn from_secret(secret: &[u8], alg: Alg) -> Result<Self, Error> {
        if !symmetric_alg(alg) {
            return Err(wrong_kind(KeyKind::Oct { len: secret.len() }, alg));
        }
        check_symmetric_len(secret, alg)?;
        Ok(DecryptionKey {
            alg,
            kid: None,
            encs: None,
            inner: DecInner::Symmetric(SecretBytes::from_slice(secret)),
        })
    }

    /// Prepares a password for PBES2. PBES2 tokens are still refused unless
    /// [`JweOptions::allow_pbes2`](super::JweOptions::allow_pbes2) is set.
    pub fn from_password(password: &[u8], alg: Alg) -> Result<Self, Error> {
        check_password(password, alg)?;
        Ok(DecryptionKey {
            alg,
            kid: None,
            encs: None,
            inner: DecInner::Password(SecretBytes::from_slice(password)),
        })
    }

    /// Accepts only these content encryption algorithms (builder style).
    pub fn with_encs(mut self, encs: &[Enc]) -> Self {
        self.encs = Some(encs.to_vec());
        self
    }

    /// Sets the key ID (builder style). With a key ID, a recipient whose header names another
    /// `kid` is skipped.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The one algorithm this key decrypts.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The key ID, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether this key accepts `enc`.
    pub fn allows_enc(&self, enc: Enc) -> bool {
        self.encs.as_ref().is_none_or(|e| e.contains(&enc))
    }

    /// Recovers the CEK. Everything after the header checks fails as
    /// [`Error::DecryptionFailed`], except an epk of small order, which is a public fact.
    ///
    /// RSA (OAEP and the opt-in RSA1_5): a random CEK is drawn first; if RSA decryption fails or
    /// yields a key of the wrong length, the random CEK is used instead (selected in constant
    /// time) and content decryption then fails like any forgery — RFC 7516 §9, RFC 3218 §2.3.2.
    pub(crate) fn unwrap_cek(
        &self,
        h: &JweHeader,
        encrypted_key: &[u8],
    ) -> Result<SecretBytes, Error> {
        let enc = h.enc;
        let len = enc.key_len();
        match &self.inner {
            DecInner::Rsa(k) => {
                let mut r = rng()?;
                let fallback = crypto::random(&mut r, len);
                let res = match self.alg {
                    Alg::Rsa1_5 => k.decrypt_blinded(&mut r, Pkcs1v15Encrypt, encrypted_key),
                    Alg::RsaOaep => {
                        k.decrypt_blinded(&mut r, Oaep::<sha1::Sha1>::new(), encrypted_key)
                    }
                    Alg::RsaOaep256 => {
                        k.decrypt_blinded(&mut r, Oaep::<sha2::Sha256>::new(), encrypted_key)
                    }
                    Alg::RsaOaep384 => {
                        k.decrypt_blinded(&mut r, Oaep::<sha2::Sha384>::new(), encrypted_key)
                    }
                    Alg::RsaOaep512 => {
                        k.decrypt_blinded(&mut r, Oaep::<sha2::Sha512>::new(), encrypted_key)
                    }
                    _ => return Err(Error::DecryptionFailed),
                };
                let (ok, plain) = match res {
                    Ok(v) => (Choice::from(u8::from(v.len() == len)), Zeroizing::new(v)),
                    Err(_) => (Choice::from(0), Zeroizing::new(Vec::new())),
                };
                let mut out = Zeroizing::new(vec![0u8; len]);
                for (i, (o, f)) in out.iter_mut().zip(fallback.expose()).enumerate() {
                    let d = plain.get(i).copied().unwrap_or(0);
                    *o = u8::conditional_select(f, &d, ok);
                }
                Ok(SecretBytes::from_slice(&out))
            }
            DecInner::Symmetric(k) => match self.alg {
                Alg::Dir => {
                    if k.len() != len {
                        return Err(MismatchProblem::DirKeyLength {
                            enc: enc.as_str(),
                            expected: len,
                            found: k.len(),
                        }
                        .into());
                    }
                    Ok(k.clone())
                }
                Alg::A128GCMKW | Alg::A192GCMKW | Alg::A256GCMKW => {
                    // `check_recipient` has required both; say so again rather than decrypt
                    // with an empty IV.
                    let iv = h.iv.as_deref().ok_or(missing("iv", self.alg))?;
                    let tag = h.tag.as_deref().ok_or(missing("tag", self.alg))?;
                    crypto::gcm_unwrap(k.expose(), iv, tag, encrypted_key)
                }
                _ => crypto::aes_kw_unwrap(k.expose(), encrypted_key),
            },
            DecInner::Ecdh(sk) => {
                let epk = h.epk.as_ref().ok_or(HeaderProblem::Missing {
                    member: "epk",
                    alg: Some(self.alg.as_str()),
                })?;
                let z = ecdh_receive(sk, epk)?;
                let apu = h.apu.as_deref().unwrap_or_default();
                let apv = h.apv.as_deref().unwrap_or_default();
                if self.alg == Alg::EcdhEs {
                    crypto::concat_kdf(&z, enc.as_str(), len, apu, apv)
                } else {
                    let kl = self.alg.wrap_key_len().ok_or(Error::DecryptionFailed)?;
                    let kek = crypto::concat_kdf(&z, self.alg.as_str(), kl, apu, apv)?;
                    crypto::aes_kw_unwrap(kek.expose(), encrypted_key)
                }
            }
            DecInner::Password(pw) => {
                let p2s = h.p2s.as_deref().ok_or(missing("p2s", self.alg))?;
                let p2c = h.p2c.ok_or(missing("p2c", self.alg))?;
                let kek = crypto::pbes2_kek(self.alg, pw.expose(), p2s, p2c)?;
                crypto::aes_kw_unwrap(kek.expose(), encrypted_key)
            }
        }
    }
}

/// Recipient side of ECDH-ES. The `epk` was parsed by the strict JWK parser, so an EC point is
/// already known to be on its curve; here it must also be on *our* curve.
fn ecdh_receive(sk: &EcdhSecret, epk: &Jwk) -> Result<Zeroizing<Vec<u8>>, Error> {
    let off_curve = || Error::from(HeaderProblem::EpkNotOnCurve);
    macro_rules! nist {
        ($curve:ident, $crv:expr, $sk:expr) => {{
            let KeyParams::Ec(p) = epk.params() else {
                return Err(off_curve());
            };
            if p.crv != $crv {
                return Err(off_curve());
            }
            let pk = $curve::PublicKey::from_sec1_bytes(&sec1(p)).map_err(|_| off_curve())?;
            let z = $curve::ecdh::diffie_hellman($sk.to_nonzero_scalar(), pk.as_affine());
            Ok(Zeroizing::new(z.raw_secret_bytes().to_vec()))
        }};
    }
    match sk {
        EcdhSecret::P256(sk) => nist!(p256, EcCurve::P256, sk),
        EcdhSecret::P384(sk) => nist!(p384, EcCurve::P384, sk),
        EcdhSecret::P521(sk) => nist!(p521, EcCurve::P521, sk),
        EcdhSecret::X25519(sk) => {
            let KeyParams::Okp(p) = epk.params() else {
                return Err(off_curve());
            };
            if p.crv != OkpCurve::X25519 {
                return Err(off_curve());
            }
            let x: [u8; 32] = p.x.as_slice().try_into().map_err(|_| off_curve())?;
            let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(x));
            if !shared.was_contributory() {
                return Err(HeaderProblem::EpkSmallOrder.into());
            }
            Ok(Zeroizing::new(shared.as_bytes().to_vec()))
        }
    }
}
