//! Prepared keys: parsed and precomputed once, bound to one algorithm, reused for every call.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::{Sha256, Sha384, Sha512};

use crate::Error;
use crate::alg::{JwsAlgorithm, KeyFamily};
use crate::ec_table::EcdsaKey;
use crate::ed25519_fast::{Ed25519Signer, Ed25519Verifier};
use crate::error::{CryptoOp, Curve, KeyKind, KeyPart, KeyProblem, MismatchProblem, key_err};
use crate::jwk::{
    AkpParams, EcCurve, EcParams, Jwk, KeyParams, KeyUse, OkpCurve, OkpParams, RsaParams,
};
use crate::mldsa::{MlDsaSigner, MlDsaVerifier};

/// Rules for which keys are acceptable. The defaults are safe; each relaxation is named as
/// insecure.
#[derive(Clone, Debug)]
pub struct KeyPolicy {
    min_rsa_bits: usize,
    allow_short_hmac: bool,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            min_rsa_bits: 2048,
            allow_short_hmac: false,
        }
    }
}

impl KeyPolicy {
    /// The default policy: RSA moduli of at least 2048 bits, HMAC keys at least as long as the
    /// hash output (RFC 7518 §3.2).
    pub fn new() -> Self {
        KeyPolicy::default()
    }

    /// Accepts RSA moduli down to `bits` (no lower than 1024). Only for legacy peers.
    pub fn insecure_min_rsa_bits(mut self, bits: usize) -> Self {
        self.min_rsa_bits = bits.max(1024);
        self
    }

    /// Accepts HMAC keys shorter than the hash output, which RFC 7518 §3.2 forbids.
    pub fn insecure_allow_short_hmac_keys(mut self) -> Self {
        self.allow_short_hmac = true;
        self
    }

    /// The smallest RSA modulus accepted, in bits.
    pub fn min_rsa_bits(&self) -> usize {
        self.min_rsa_bits
    }
}

pub(crate) const MAX_RSA_BITS: usize = 8192;

/// The RSA moduli, in bits, a crypto provider verifies (ring's and aws-lc-rs's
/// `RSA_*_2048_8192_*` parameters); other RSA keys stay on the `rsa` crate.
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
pub(crate) const PROVIDER_RSA_BITS: std::ops::RangeInclusive<u32> = 2048..=8192;

/// Checks that `jwk` may verify signatures made with `alg`: key type and curve, the key's own
/// `alg`, `use` and `key_ops`.
pub(crate) fn fits_for_verify(jwk: &Jwk, alg: JwsAlgorithm) -> Result<(), Error> {
    fits(jwk, alg, &["verify"])
}

fn fits(jwk: &Jwk, alg: JwsAlgorithm, op: &'static [&'static str]) -> Result<(), Error> {
    let family_ok = match (alg.key_family(), jwk.params()) {
        (KeyFamily::Oct, KeyParams::Oct(_)) | (KeyFamily::Rsa, KeyParams::Rsa(_)) => true,
        (KeyFamily::Ec(c), KeyParams::Ec(p)) => c == p.crv,
        (KeyFamily::Okp(c), KeyParams::Okp(p)) => c == p.crv,
        (KeyFamily::Akp(a), KeyParams::Akp(p)) => a == p.alg,
        _ => false,
    };
    if !family_ok {
        return Err(MismatchProblem::WrongKeyType {
            key: KeyKind::of(jwk.params()),
            alg: alg.as_str(),
        }
        .into());
    }
    if let Some(a) = &jwk.alg
        && a != alg.as_str()
    {
        return Err(MismatchProblem::KeyAlg {
            key_alg: a.clone(),
            alg: alg.as_str(),
        }
        .into());
    }
    if let Some(u) = &jwk.key_use
        && *u != KeyUse::Signature
    {
        return Err(MismatchProblem::Use {
            key_use: u.clone(),
            expected: KeyUse::Signature,
        }
        .into());
    }
    if let Some(ops) = &jwk.key_ops
        && !ops.iter().any(|o| op.contains(&o.as_str()))
    {
        return Err(MismatchProblem::KeyOps { needed: op }.into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Validation of EC and OKP key material (called when a JWK is built).

macro_rules! ec_check {
    ($curve:ident, $p:expr) => {{
        let p: &EcParams = $p;
        let mut sec1 = Vec::with_capacity(1 + 2 * p.x.len());
        sec1.push(4u8);
        sec1.extend_from_slice(&p.x);
        sec1.extend_from_slice(&p.y);
        let public = $curve::PublicKey::from_sec1_bytes(&sec1)
            .map_err(|_| KeyProblem::NotOnCurve { crv: p.crv.into() })?;
        if let Some(d) = &p.d {
            let secret = $curve::SecretKey::from_slice(d.expose())
                .map_err(|_| KeyProblem::OutOfRange { part: KeyPart::D })?;
            if secret.public_key() != public {
                return Err(KeyProblem::PrivateDoesNotMatchPublic { crv: p.crv.into() }.into());
            }
        }
        Ok(())
    }};
}

pub(crate) fn validate_ec(p: &EcParams) -> Result<(), Error> {
    let n = p.crv.field_len();
    let check = |part, found| {
        if found == n {
            Ok(())
        } else {
            Err(KeyProblem::WrongLength {
                part,
                expected: n,
                found,
            })
        }
    };
    check(KeyPart::X, p.x.len())?;
    check(KeyPart::Y, p.y.len())?;
    if let Some(d) = &p.d {
        check(KeyPart::D, d.len())?;
    }
    match p.crv {
        EcCurve::P256 => ec_check!(p256, p),
        EcCurve::P384 => ec_check!(p384, p),
        EcCurve::P521 => ec_check!(p521, p),
    }
}

pub(crate) fn validate_okp(p: &OkpParams) -> Result<(), Error> {
    let x: [u8; 32] = okp_bytes(KeyPart::X, &p.x)?;
    let d: Option<[u8; 32]> = match &p.d {
        None => None,
        Some(d) => Some(okp_bytes(KeyPart::D, d.expose())?),
    };
    let crv = Curve::from(p.crv);
    match p.crv {
        OkpCurve::Ed25519 => {
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|_| KeyProblem::NotOnCurve { crv })?;
            if vk.is_weak() {
                return Err(KeyProblem::SmallOrder { crv }.into());
            }
            if let Some(d) = d {
                let sk = ed25519_dalek::SigningKey::from_bytes(&d);
                if sk.verifying_key() != vk {
                    return Err(KeyProblem::PrivateDoesNotMatchPublic { crv }.into());
                }
            }
        }
        OkpCurve::X25519 => {
            if let Some(d) = d {
                let sk = x25519_dalek::StaticSecret::from(d);
                if x25519_dalek::PublicKey::from(&sk).as_bytes() != &x {
                    return Err(KeyProblem::PrivateDoesNotMatchPublic { crv }.into());
                }
            }
        }
    }
    Ok(())
}

/// Checks `AKP` key material (RFC 9964): lengths, and that the seed derives the public key.
pub(crate) fn validate_akp(p: &AkpParams) -> Result<(), Error> {
    crate::mldsa::validate(p)
}

/// The 32 bytes of an OKP key part.
pub(crate) fn okp_bytes(part: KeyPart, b: &[u8]) -> Result<[u8; 32], KeyProblem> {
    b.try_into().map_err(|_| KeyProblem::WrongLength {
        part,
        expected: 32,
        found: b.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// RSA building.

pub(crate) fn rsa_public(p: &RsaParams, policy: &KeyPolicy) -> Result<RsaPublicKey, Error> {
    let n = BoxedUint::from_be_slice_vartime(&p.n);
    // The size policy is checked here, before the `rsa` crate's own limits, so that a small
    // modulus is reported as such rather than as the crate's error.
    let bits = n.bit_width_vartime() as usize;
    if bits < policy.min_rsa_bits {
        return Err(KeyProblem::RsaModulusTooSmall {
            bits,
            min: policy.min_rsa_bits,
        }
        .into());
    }
    if bits > MAX_RSA_BITS {
        return Err(KeyProblem::RsaModulusTooLarge {
            bits,
            max: MAX_RSA_BITS,
        }
        .into());
    }
    let e = BoxedUint::from_be_slice_vartime(&p.e);
    RsaPublicKey::new_with_size_limits(n, e, 1024..=MAX_RSA_BITS)
        .map_err(key_err(KeyProblem::RsaPublicKey))
}

pub(crate) fn rsa_private(p: &RsaParams, policy: &KeyPolicy) -> Result<RsaPrivateKey, Error> {
    let private = p.private.as_ref().ok_or(Error::MissingPrivateKey)?;
    let public = rsa_public(p, policy)?;
    let precision = public.n().bits_precision();
    let secret = |part: KeyPart, b: &[u8]| {
        BoxedUint::from_be_slice(b, precision).map_err(|_| KeyProblem::OutOfRange { part })
    };
    let d = secret(KeyPart::D, private.d.expose())?;
    let primes = match &private.crt {
        Some(c) => vec![
            secret(KeyPart::P, c.p.expose())?,
            secret(KeyPart::Q, c.q.expose())?,
        ],
        None => Vec::new(),
    };
    let key =
        RsaPrivateKey::from_components(public.n().as_ref().clone(), public.e().clone(), d, primes)
            .map_err(key_err(KeyProblem::RsaPrivateKey))?;
    if let Some(c) = &private.crt {
        check_rsa_crt(&key, c)?;
    }
    Ok(key)
}

/// The CRT values a JWK gives must be the key's own: the `rsa` crate recomputes them, so a
/// wrong `dp`, `dq` or `qi` would otherwise go unnoticed here and break other implementations.
fn check_rsa_crt(key: &RsaPrivateKey, c: &crate::jwk::RsaCrt) -> Result<(), Error> {
    use rsa::traits::PrivateKeyParts;
    let same = |given: &tessera_core::SecretBytes, ours: &BoxedUint| {
        let ours = zeroize::Zeroizing::new(ours.to_be_bytes_trimmed_vartime().to_vec());
        let z = given.expose().iter().take_while(|b| **b == 0).count();
        given.expose().get(z..).is_some_and(|g| {
            g.len() == ours.len() && bool::from(subtle::ConstantTimeEq::ct_eq(g, ours.as_slice()))
        })
    };
    let ok = match (key.dp(), key.dq(), key.crt_coefficient()) {
        (Some(dp), Some(dq), Some(qi)) => same(&c.dp, dp) && same(&c.dq, dq) && same(&c.qi, &qi),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(KeyProblem::RsaCrtMismatch.into())
    }
}

/// The random number generator: the operating system's, probed once per use so that a generator
/// that is unavailable (no entropy source yet, a sandbox that forbids the call) is
/// [`Error::Rng`], not a panic. After the probe has answered, a failure of a later draw panics
/// (`UnwrapErr`): the operating-system sources `getrandom` uses do not fail once they have
/// answered, and no operation here could continue safely without its random bytes. The
/// `*_with_rng` functions take the caller's generator instead.
pub(crate) fn rng() -> Result<rand_core::UnwrapErr<getrandom::SysRng>, Error> {
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|_| Error::Rng)?;
    Ok(rand_core::UnwrapErr(getrandom::SysRng))
}

// ---------------------------------------------------------------------------------------------
// Verifying keys.

#[derive(Clone)]
enum Verifier_ {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
    Rs256(rsa::pkcs1v15::VerifyingKey<Sha256>),
    Rs384(rsa::pkcs1v15::VerifyingKey<Sha384>),
    Rs512(rsa::pkcs1v15::VerifyingKey<Sha512>),
    Ps256(rsa::pss::VerifyingKey<Sha256>),
    Ps384(rsa::pss::VerifyingKey<Sha384>),
    Ps512(rsa::pss::VerifyingKey<Sha512>),
    Es256(Arc<EcdsaKey<p256::NistP256>>),
    Es384(Arc<EcdsaKey<p384::NistP384>>),
    Es512(Arc<EcdsaKey<p521::NistP521>>),
    Ed25519(Ed25519Verifier),
    MlDsa(MlDsaVerifier),
    /// RS* or PS* on ring (feature `ring`, keys of 2048 to 8192 bits; see `ring_rsa`).
    #[cfg(feature = "ring")]
    RingRsa(Arc<crate::ring_rsa::RingRsa>),
    /// RS* or PS* on AWS-LC (feature `aws-lc-rs`, keys of 2048 to 8192 bits; see `aws_lc_rsa`).
    #[cfg(feature = "aws-lc-rs")]
    AwsLcRsa(Arc<crate::aws_lc_rsa::AwsLcRsa>),
}

/// A key prepared to verify signatures of exactly one algorithm.
///
/// Build it once and reuse it: the public key is parsed and precomputed here, not per call.
///
/// # Ed25519 keys: precomputation
///
/// An Ed25519 key verifies with ed25519-dalek's double-scalar multiplication until it has
/// verified two signatures successfully; its next verification builds multiplication tables
/// (about 20 KiB, once, shared by clones), which make every later verification about a sixth
/// cheaper than ed25519-dalek's own `verify_strict`, with the same verdicts. Failed
/// verifications never count: a key an attacker supplies (a DPoP proof carries its own) or the
/// wrong keys of a set tried for a token without `kid` cost no table.
///
/// # ML-DSA keys
///
/// An ML-DSA-44/65/87 key (`kty: AKP`, RFC 9964) expands its public matrix once, here, as
/// every verification needs it (about 20, 30 and 55 KiB; shared by clones). There is no further
/// precomputation.
///
/// # ECDSA keys: precomputation and memory
///
/// An ES256/ES384/ES512 key verifies like the curve crates do until it has verified one
/// signature; its next verification builds a table of multiples of its public point (once;
/// about the cost of two or three verifications), with which every later verification is
/// about 3 times faster (ES256, ES384) or 2.4 times faster (ES512) than the curve crates'.
/// With the `ring` crypto provider, an ES256 key verifies on ring until it has its table (about
/// 2.9 times faster than `p256` for that first verification; the same verdicts). The table is
/// shared by clones of the key and takes about 30 KiB of heap for P-256, 40 KiB for
/// P-384 and 80 KiB for P-521. The generator's table (86, 107 and 128 KiB) is built once per
/// process and curve, on first need. A key that never verifies a signature, or verifies just
/// one (say most keys of a large JWK Set, even when tokens without `kid` make every key be
/// tried), costs nothing more than its point.
///
/// # RSA keys: the crypto provider
///
/// RS256/384/512 and PS256/384/512 verify on the `rsa` crate by default. With the crate
/// feature `aws-lc-rs`, a key of 2048 to 8192 bits verifies on AWS-LC instead, its public key
/// parsed once here (about 3 times faster); with `ring` (and not `aws-lc-rs`), on ring (about
/// 2.3 times faster). The verdicts are the same; smaller keys, which only
/// [`KeyPolicy::insecure_min_rsa_bits`] admits, stay on the `rsa` crate. Keys are accepted or
/// refused by the same checks either way. See the crate documentation.
///
/// ```
/// use tessera_jose::{JwsAlgorithm, VerifyingKey, SigningKey};
///
/// let key = b"a shared secret of at least thirty-two bytes!";
/// let signer = SigningKey::from_hmac_secret(key, JwsAlgorithm::HS256).unwrap();
/// let verifier = VerifyingKey::from_hmac_secret(key, JwsAlgorithm::HS256).unwrap();
/// let sig = signer.sign(b"input").unwrap();
/// assert!(verifier.verify(b"input", &sig).is_ok());
/// assert!(verifier.verify(b"inpuT", &sig).is_err());
/// ```
#[derive(Clone)]
pub struct VerifyingKey {
    alg: JwsAlgorithm,
    kid: Option<String>,
    inner: Verifier_,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn hmac_key<M: KeyInit>(
    secret: &[u8],
    alg: JwsAlgorithm,
    min: usize,
    policy: &KeyPolicy,
) -> Result<M, Error> {
    if secret.is_empty() || (!policy.allow_short_hmac && secret.len() < min) {
        return Err(KeyProblem::HmacKeyTooShort {
            alg,
            min,
            found: secret.len(),
        }
        .into());
    }
    M::new_from_slice(secret).map_err(key_err(KeyProblem::Rejected { part: KeyPart::K }))
}

fn ec_verifier_check(p: &EcParams) -> Vec<u8> {
    let mut sec1 = Vec::with_capacity(1 + 2 * p.x.len());
    sec1.push(4u8);
    sec1.extend_from_slice(&p.x);
    sec1.extend_from_slice(&p.y);
    sec1
}

/// The JWS algorithm `jwk` names in its `alg`.
fn jwk_jws_alg(jwk: &Jwk) -> Result<JwsAlgorithm, Error> {
    match &jwk.alg {
        Some(a) => a.parse(),
        None => Err(Error::MissingKeyAlgorithm {
            kid: jwk.kid.clone(),
        }),
    }
}

impl VerifyingKey {
    /// Whether the key has built its precomputed tables (ECDSA and Ed25519 keys).
    #[cfg(test)]
    pub(crate) fn has_tables(&self) -> bool {
        match &self.inner {
            Verifier_::Es256(k) => k.has_table(),
            Verifier_::Es384(k) => k.has_table(),
            Verifier_::Es512(k) => k.has_table(),
            Verifier_::Ed25519(k) => k.has_tables(),
            _ => false,
        }
    }

    /// Prepares `jwk` to verify `alg` signatures, with the default [`KeyPolicy`].
    ///
    /// Fails if the key type or curve does not fit `alg`, or if the key's own `alg`, `use` or
    /// `key_ops` rule it out. An `oct` key is the only way to get an HMAC verifier.
    pub fn from_jwk(jwk: &Jwk, alg: JwsAlgorithm) -> Result<Self, Error> {
        Self::from_jwk_with_policy(jwk, alg, &KeyPolicy::default())
    }

    /// Prepares `jwk` to verify signatures of the algorithm its own `alg` names, with the
    /// default [`KeyPolicy`]. Fails with [`Error::MissingKeyAlgorithm`] if the JWK has no
    /// `alg`, and [`Error::UnsupportedAlgorithm`] if it names no JWS algorithm tessera has.
    ///
    /// Use it only for keys whose `alg` you trust (your own configuration); a key from a peer
    /// may name any algorithm it likes, so pin the algorithm with [`VerifyingKey::from_jwk`].
    pub fn from_jwk_alg(jwk: &Jwk) -> Result<Self, Error> {
        Self::from_jwk(jwk, jwk_jws_alg(jwk)?)
    }

    /// Prepares `jwk` to verify `alg` signatures under `policy`.
    pub fn from_jwk_with_policy(
        jwk: &Jwk,
        alg: JwsAlgorithm,
        policy: &KeyPolicy,
    ) -> Result<Self, Error> {
        fits(jwk, alg, &["verify"])?;
        let inner = match jwk.params() {
            KeyParams::Oct(k) => return Self::hmac(k.expose(), alg, policy, jwk.kid.clone()),
            KeyParams::Rsa(p) => {
                let key = rsa_public(p, policy)?;
                match provider_rsa_verifier(&key, alg) {
                    Some(inner) => inner,
                    None => rsa_verifier(key, alg)?,
                }
            }
            KeyParams::Ec(p) => {
                let sec1 = ec_verifier_check(p);
                let bad = |_| KeyProblem::NotOnCurve { crv: p.crv.into() };
                match p.crv {
                    EcCurve::P256 => Verifier_::Es256(Arc::new(EcdsaKey::new(
                        *p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                            .map_err(bad)?
                            .as_affine(),
                    ))),
                    EcCurve::P384 => Verifier_::Es384(Arc::new(EcdsaKey::new(
                        *p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                            .map_err(bad)?
                            .as_affine(),
                    ))),
                    EcCurve::P521 => Verifier_::Es512(Arc::new(EcdsaKey::new(
                        *p521::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                            .map_err(bad)?
                            .as_affine(),
                    ))),
                }
            }
            KeyParams::Okp(p) => {
                let x = okp_bytes(KeyPart::X, &p.x)?;
                Verifier_::Ed25519(Ed25519Verifier::new(
                    ed25519_dalek::VerifyingKey::from_bytes(&x)
                        .map_err(|_| KeyProblem::NotOnCurve { crv: p.crv.into() })?,
                ))
            }
            KeyParams::Akp(p) => Verifier_::MlDsa(MlDsaVerifier::new(p.alg, &p.public)?),
        };
        Ok(VerifyingKey {
            alg,
            kid: jwk.kid.clone(),
            inner,
        })
    }

    /// Prepares a raw shared secret to verify `alg` (an HMAC algorithm) signatures.
    pub fn from_hmac_secret(secret: &[u8], alg: JwsAlgorithm) -> Result<Self, Error> {
        Self::hmac(secret, alg, &KeyPolicy::default(), None)
    }

    /// Prepares a raw shared secret under `policy`.
    pub fn from_hmac_secret_with_policy(
        secret: &[u8],
        alg: JwsAlgorithm,
        policy: &KeyPolicy,
    ) -> Result<Self, Error> {
        Self::hmac(secret, alg, policy, None)
    }

    fn hmac(
        secret: &[u8],
        alg: JwsAlgorithm,
        policy: &KeyPolicy,
        kid: Option<String>,
    ) -> Result<Self, Error> {
        let inner = match alg {
            JwsAlgorithm::HS256 => Verifier_::Hs256(hmac_key(secret, alg, 32, policy)?),
            JwsAlgorithm::HS384 => Verifier_::Hs384(hmac_key(secret, alg, 48, policy)?),
            JwsAlgorithm::HS512 => Verifier_::Hs512(hmac_key(secret, alg, 64, policy)?),
            other => {
                return Err(MismatchProblem::WrongKeyType {
                    key: KeyKind::Oct { len: secret.len() },
                    alg: other.as_str(),
                }
                .into());
            }
        };
        Ok(VerifyingKey { alg, kid, inner })
    }

    /// The one algorithm this key verifies.
    pub fn alg(&self) -> JwsAlgorithm {
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

    /// Verifies `signature` over `signing_input`. A failure is always [`Error::InvalidSignature`]
    /// or, for a structurally impossible ECDSA/EdDSA/ML-DSA signature (wrong length, a scalar
    /// out of range, an ML-DSA hint that does not decode), [`Error::MalformedSignature`].
    pub fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
        macro_rules! hmac_verify {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(signing_input);
                m.verify_slice(signature)
                    .map_err(|_| Error::InvalidSignature)
            }};
        }
        macro_rules! rsa_verify {
            ($k:expr, $sig:ty) => {{
                let sig = <$sig>::try_from(signature).map_err(|_| Error::InvalidSignature)?;
                $k.verify(signing_input, &sig)
                    .map_err(|_| Error::InvalidSignature)
            }};
        }
        match &self.inner {
            Verifier_::Hs256(m) => hmac_verify!(m),
            Verifier_::Hs384(m) => hmac_verify!(m),
            Verifier_::Hs512(m) => hmac_verify!(m),
            Verifier_::Rs256(k) => rsa_verify!(k, rsa::pkcs1v15::Signature),
            Verifier_::Rs384(k) => rsa_verify!(k, rsa::pkcs1v15::Signature),
            Verifier_::Rs512(k) => rsa_verify!(k, rsa::pkcs1v15::Signature),
            Verifier_::Ps256(k) => rsa_verify!(k, rsa::pss::Signature),
            Verifier_::Ps384(k) => rsa_verify!(k, rsa::pss::Signature),
            Verifier_::Ps512(k) => rsa_verify!(k, rsa::pss::Signature),
            Verifier_::Es256(k) => k.verify::<Sha256>(signing_input, signature),
            Verifier_::Es384(k) => k.verify::<Sha384>(signing_input, signature),
            Verifier_::Es512(k) => k.verify::<Sha512>(signing_input, signature),
            Verifier_::Ed25519(k) => {
                let sig: &[u8; 64] = signature
                    .try_into()
                    .map_err(|_| Error::MalformedSignature)?;
                if k.verify(signing_input, sig) {
                    Ok(())
                } else {
                    Err(Error::InvalidSignature)
                }
            }
            Verifier_::MlDsa(k) => k.verify(signing_input, signature),
            #[cfg(feature = "ring")]
            Verifier_::RingRsa(k) => k.verify(signing_input, signature),
            #[cfg(feature = "aws-lc-rs")]
            Verifier_::AwsLcRsa(k) => k.verify(signing_input, signature),
        }
    }

    /// HAZMAT, for differential tests and benchmarks only: this key verifying RSA signatures on
    /// the `rsa` crate, whatever crypto provider the crate features chose. Every other key is
    /// returned as it is. See [`VerifyingKey::hazmat_rsa_on`].
    #[doc(hidden)]
    pub fn hazmat_rustcrypto_rsa(self) -> Self {
        self.clone().hazmat_rsa_on("RustCrypto").unwrap_or(self)
    }

    /// HAZMAT, for differential tests and benchmarks only: this RSA key verifying on the named
    /// implementation, `"RustCrypto"`, `"ring"` or `"aws-lc-rs"`, whatever the crate features
    /// chose; `None` if the key is not an RSA key, that provider is not built in, or it does
    /// not take the key (outside 2048..=8192 bits). All of them give the same verdicts; this
    /// exists so that a build with several providers can compare each with the default path.
    #[doc(hidden)]
    pub fn hazmat_rsa_on(self, provider: &str) -> Option<Self> {
        let key = self.rsa_public_key()?;
        let inner = match provider {
            "RustCrypto" => rsa_verifier(key, self.alg).ok()?,
            #[cfg(feature = "ring")]
            "ring" => Verifier_::RingRsa(Arc::new(crate::ring_rsa::RingRsa::new(&key, self.alg)?)),
            #[cfg(feature = "aws-lc-rs")]
            "aws-lc-rs" => {
                Verifier_::AwsLcRsa(Arc::new(crate::aws_lc_rsa::AwsLcRsa::new(&key, self.alg)?))
            }
            _ => return None,
        };
        Some(VerifyingKey { inner, ..self })
    }

    /// The RSA public key behind an RSA verifier on any provider.
    fn rsa_public_key(&self) -> Option<RsaPublicKey> {
        match &self.inner {
            Verifier_::Rs256(k) => Some(k.as_ref().clone()),
            Verifier_::Rs384(k) => Some(k.as_ref().clone()),
            Verifier_::Rs512(k) => Some(k.as_ref().clone()),
            Verifier_::Ps256(k) => Some(k.as_ref().clone()),
            Verifier_::Ps384(k) => Some(k.as_ref().clone()),
            Verifier_::Ps512(k) => Some(k.as_ref().clone()),
            #[cfg(feature = "ring")]
            Verifier_::RingRsa(k) => rsa_from_components(k.components()),
            #[cfg(feature = "aws-lc-rs")]
            Verifier_::AwsLcRsa(k) => rsa_from_components(k.components()),
            _ => None,
        }
    }

    /// HAZMAT, for tests and benchmarks: which implementation verifies this key's signatures,
    /// `"aws-lc-rs"`, `"ring"` or `"RustCrypto"` (every non-RSA key, and RSA keys without a
    /// provider feature or outside its 2048..=8192 bits).
    #[doc(hidden)]
    pub fn hazmat_provider(&self) -> &'static str {
        match &self.inner {
            #[cfg(feature = "ring")]
            Verifier_::RingRsa(_) => "ring",
            #[cfg(feature = "aws-lc-rs")]
            Verifier_::AwsLcRsa(_) => "aws-lc-rs",
            _ => "RustCrypto",
        }
    }
}

/// The `rsa` crate's key from a provider's minimal big-endian `(n, e)`. The key passed exactly
/// these checks when it was prepared, so this never fails.
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
fn rsa_from_components((n, e): (&[u8], &[u8])) -> Option<RsaPublicKey> {
    RsaPublicKey::new_with_size_limits(
        BoxedUint::from_be_slice_vartime(n),
        BoxedUint::from_be_slice_vartime(e),
        1024..=MAX_RSA_BITS,
    )
    .ok()
}

/// The RSA verifier of the provider the crate features chose (aws-lc-rs before ring, where
/// both are on), or `None` when the key stays on the `rsa` crate.
#[allow(unused_variables)] // without a provider feature
fn provider_rsa_verifier(key: &RsaPublicKey, alg: JwsAlgorithm) -> Option<Verifier_> {
    #[cfg(feature = "aws-lc-rs")]
    if let Some(k) = crate::aws_lc_rsa::AwsLcRsa::new(key, alg) {
        return Some(Verifier_::AwsLcRsa(Arc::new(k)));
    }
    #[cfg(feature = "ring")]
    if let Some(k) = crate::ring_rsa::RingRsa::new(key, alg) {
        return Some(Verifier_::RingRsa(Arc::new(k)));
    }
    None
}

fn rsa_verifier(key: RsaPublicKey, alg: JwsAlgorithm) -> Result<Verifier_, Error> {
    use rsa::{pkcs1v15, pss};
    Ok(match alg {
        JwsAlgorithm::RS256 => Verifier_::Rs256(pkcs1v15::VerifyingKey::new(key)),
        JwsAlgorithm::RS384 => Verifier_::Rs384(pkcs1v15::VerifyingKey::new(key)),
        JwsAlgorithm::RS512 => Verifier_::Rs512(pkcs1v15::VerifyingKey::new(key)),
        JwsAlgorithm::PS256 => Verifier_::Ps256(pss::VerifyingKey::new_with_salt_len(key, 32)),
        JwsAlgorithm::PS384 => Verifier_::Ps384(pss::VerifyingKey::new_with_salt_len(key, 48)),
        JwsAlgorithm::PS512 => Verifier_::Ps512(pss::VerifyingKey::new_with_salt_len(key, 64)),
        other => {
            return Err(MismatchProblem::WrongKeyType {
                key: KeyKind::Rsa,
                alg: other.as_str(),
            }
            .into());
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Signing keys.

#[derive(Clone)]
enum Signer_ {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
    Rs256(rsa::pkcs1v15::SigningKey<Sha256>),
    Rs384(rsa::pkcs1v15::SigningKey<Sha384>),
    Rs512(rsa::pkcs1v15::SigningKey<Sha512>),
    Ps256(rsa::pss::SigningKey<Sha256>),
    Ps384(rsa::pss::SigningKey<Sha384>),
    Ps512(rsa::pss::SigningKey<Sha512>),
    Es256(p256::ecdsa::SigningKey),
    Es384(p384::ecdsa::SigningKey),
    Es512(p521::ecdsa::SigningKey),
    Ed25519(Box<Ed25519Signer>),
    MlDsa(MlDsaSigner),
}

/// A private or symmetric key prepared to sign with exactly one algorithm.
#[derive(Clone)]
pub struct SigningKey {
    alg: JwsAlgorithm,
    kid: Option<String>,
    inner: Signer_,
    verifier: VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Prepares the private `jwk` to sign with `alg`, with the default [`KeyPolicy`].
    pub fn from_jwk(jwk: &Jwk, alg: JwsAlgorithm) -> Result<Self, Error> {
        Self::from_jwk_with_policy(jwk, alg, &KeyPolicy::default())
    }

    /// Prepares the private `jwk` to sign with the algorithm its own `alg` names, with the
    /// default [`KeyPolicy`]. Fails with [`Error::MissingKeyAlgorithm`] if the JWK has no
    /// `alg`, and [`Error::UnsupportedAlgorithm`] if it names no JWS algorithm tessera has.
    ///
    /// ```
    /// use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
    ///
    /// let jwk = Jwk::generate(JwsAlgorithm::EdDSA).unwrap();
    /// assert_eq!(SigningKey::from_jwk_alg(&jwk).unwrap().alg(), JwsAlgorithm::EdDSA);
    /// ```
    pub fn from_jwk_alg(jwk: &Jwk) -> Result<Self, Error> {
        Self::from_jwk(jwk, jwk_jws_alg(jwk)?)
    }

    /// Prepares the private `jwk` to sign with `alg` under `policy`.
    pub fn from_jwk_with_policy(
        jwk: &Jwk,
        alg: JwsAlgorithm,
        policy: &KeyPolicy,
    ) -> Result<Self, Error> {
        fits(jwk, alg, &["sign"])?;
        if !jwk.is_private() {
            return Err(Error::MissingPrivateKey);
        }
        if let KeyParams::Oct(k) = jwk.params() {
            let s = Self::hmac(k.expose(), alg, policy)?;
            return Ok(match &jwk.kid {
                Some(kid) => s.with_kid(kid.clone()),
                None => s,
            });
        }
        let mut public = jwk.to_public().ok_or(Error::MissingPrivateKey)?;
        // The signer's own verifier: a private key's `key_ops` of ["sign"] (as WebCrypto
        // exports it) allows it, though its public half lists no "verify".
        public.key_ops = None;
        let mut verifier = VerifyingKey::from_jwk_with_policy(&public, alg, policy)?;
        verifier.kid.clone_from(&jwk.kid);
        let inner = match jwk.params() {
            KeyParams::Rsa(p) => {
                use rsa::{pkcs1v15, pss};
                let key = rsa_private(p, policy)?;
                match alg {
                    JwsAlgorithm::RS256 => Signer_::Rs256(pkcs1v15::SigningKey::new(key)),
                    JwsAlgorithm::RS384 => Signer_::Rs384(pkcs1v15::SigningKey::new(key)),
                    JwsAlgorithm::RS512 => Signer_::Rs512(pkcs1v15::SigningKey::new(key)),
                    JwsAlgorithm::PS256 => {
                        Signer_::Ps256(pss::SigningKey::new_with_salt_len(key, 32))
                    }
                    JwsAlgorithm::PS384 => {
                        Signer_::Ps384(pss::SigningKey::new_with_salt_len(key, 48))
                    }
                    JwsAlgorithm::PS512 => {
                        Signer_::Ps512(pss::SigningKey::new_with_salt_len(key, 64))
                    }
                    other => {
                        return Err(MismatchProblem::WrongKeyType {
                            key: KeyKind::Rsa,
                            alg: other.as_str(),
                        }
                        .into());
                    }
                }
            }
            KeyParams::Ec(p) => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                let bad = |_| KeyProblem::OutOfRange { part: KeyPart::D };
                match p.crv {
                    EcCurve::P256 => Signer_::Es256(
                        p256::ecdsa::SigningKey::from_slice(d.expose()).map_err(bad)?,
                    ),
                    EcCurve::P384 => Signer_::Es384(
                        p384::ecdsa::SigningKey::from_slice(d.expose()).map_err(bad)?,
                    ),
                    EcCurve::P521 => Signer_::Es512(
                        p521::ecdsa::SigningKey::from_slice(d.expose()).map_err(bad)?,
                    ),
                }
            }
            KeyParams::Okp(p) => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                let d = zeroize::Zeroizing::new(okp_bytes(KeyPart::D, d.expose())?);
                Signer_::Ed25519(Box::new(Ed25519Signer::new(&d)))
            }
            KeyParams::Akp(p) => {
                let seed = p.seed.as_ref().ok_or(Error::MissingPrivateKey)?;
                Signer_::MlDsa(MlDsaSigner::from_seed(p.alg, seed.expose())?)
            }
            // Returned above; an oct key signs only through `hmac`.
            KeyParams::Oct(k) => {
                return Err(MismatchProblem::WrongKeyType {
                    key: KeyKind::Oct { len: k.len() },
                    alg: alg.as_str(),
                }
                .into());
            }
        };
        Ok(SigningKey::new(alg, jwk.kid.clone(), inner, verifier))
    }

    fn new(alg: JwsAlgorithm, kid: Option<String>, inner: Signer_, verifier: VerifyingKey) -> Self {
        SigningKey {
            alg,
            kid,
            inner,
            verifier,
        }
    }

    /// Prepares a raw shared secret to sign with `alg` (an HMAC algorithm).
    pub fn from_hmac_secret(secret: &[u8], alg: JwsAlgorithm) -> Result<Self, Error> {
        Self::hmac(secret, alg, &KeyPolicy::default())
    }

    /// Prepares a raw shared secret to sign with `alg` under `policy`.
    pub fn from_hmac_secret_with_policy(
        secret: &[u8],
        alg: JwsAlgorithm,
        policy: &KeyPolicy,
    ) -> Result<Self, Error> {
        Self::hmac(secret, alg, policy)
    }

    fn hmac(secret: &[u8], alg: JwsAlgorithm, policy: &KeyPolicy) -> Result<Self, Error> {
        let verifier = VerifyingKey::hmac(secret, alg, policy, None)?;
        let inner = match &verifier.inner {
            Verifier_::Hs256(m) => Signer_::Hs256(m.clone()),
            Verifier_::Hs384(m) => Signer_::Hs384(m.clone()),
            Verifier_::Hs512(m) => Signer_::Hs512(m.clone()),
            _ => {
                return Err(MismatchProblem::WrongKeyType {
                    key: KeyKind::Oct { len: secret.len() },
                    alg: alg.as_str(),
                }
                .into());
            }
        };
        Ok(SigningKey::new(alg, None, inner, verifier))
    }

    /// The one algorithm this key signs with.
    pub fn alg(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The key ID, if the key had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Sets the key ID (builder style).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        let kid = kid.into();
        self.verifier.kid = Some(kid.clone());
        self.kid = Some(kid);
        self
    }

    /// The length in bytes of every signature this key makes: the hash output for HMAC,
    /// `R‖S` for ECDSA (RFC 7518 §3.4), 64 for EdDSA, the modulus length for RSA, 2420, 3309
    /// and 4627 for ML-DSA-44, -65 and -87.
    pub fn signature_len(&self) -> usize {
        use rsa::traits::PublicKeyParts as _;
        match &self.inner {
            Signer_::Hs256(_) => 32,
            Signer_::Hs384(_) => 48,
            Signer_::Hs512(_) | Signer_::Ed25519(_) => 64,
            Signer_::Es256(_) => 64,
            Signer_::Es384(_) => 96,
            Signer_::Es512(_) => 132,
            Signer_::Rs256(k) => k.as_ref().size(),
            Signer_::Rs384(k) => k.as_ref().size(),
            Signer_::Rs512(k) => k.as_ref().size(),
            Signer_::Ps256(k) => k.as_ref().size(),
            Signer_::Ps384(k) => k.as_ref().size(),
            Signer_::Ps512(k) => k.as_ref().size(),
            Signer_::MlDsa(k) => k.alg().signature_len(),
        }
    }

    /// Signs `signing_input` into the start of `out` and returns the signature's length, which
    /// is [`signature_len`](SigningKey::signature_len); the same signature as
    /// [`sign`](SigningKey::sign), without allocating it (HMAC, ECDSA and EdDSA). Fails with
    /// [`Error::Crypto`] when `out` is shorter than that.
    pub fn sign_to_slice(&self, signing_input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        fn put(sig: &[u8], out: &mut [u8]) -> Result<usize, Error> {
            let room = out.len();
            let dst = out.get_mut(..sig.len()).ok_or(CryptoOp::SignatureBuffer {
                needed: sig.len(),
                available: room,
            })?;
            dst.copy_from_slice(sig);
            Ok(sig.len())
        }
        macro_rules! hmac_sign {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(signing_input);
                put(&m.finalize().into_bytes(), out)
            }};
        }
        match &self.inner {
            Signer_::Hs256(m) => hmac_sign!(m),
            Signer_::Hs384(m) => hmac_sign!(m),
            Signer_::Hs512(m) => hmac_sign!(m),
            Signer_::Es256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.try_sign(signing_input).map_err(self.sign_err())?;
                put(&sig.to_bytes(), out)
            }
            Signer_::Es384(k) => {
                let sig: p384::ecdsa::Signature =
                    k.try_sign(signing_input).map_err(self.sign_err())?;
                put(&sig.to_bytes(), out)
            }
            Signer_::Es512(k) => {
                let sig: p521::ecdsa::Signature =
                    k.try_sign(signing_input).map_err(self.sign_err())?;
                put(&sig.to_bytes(), out)
            }
            Signer_::Ed25519(k) => put(&k.sign(signing_input), out),
            Signer_::Rs256(_)
            | Signer_::Rs384(_)
            | Signer_::Rs512(_)
            | Signer_::Ps256(_)
            | Signer_::Ps384(_)
            | Signer_::Ps512(_)
            | Signer_::MlDsa(_) => put(&self.sign(signing_input)?, out),
        }
    }

    /// The error of a failed signature: the signer's error is the `source()`.
    fn sign_err<E: std::error::Error + Send + Sync + 'static>(&self) -> impl FnOnce(E) -> Error {
        crate::error::crypto_err(CryptoOp::Sign { alg: self.alg })
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifier
    }

    /// Signs `signing_input`. ECDSA signatures are fixed-length `R‖S` (RFC 7518 §3.4); ECDSA
    /// and RSA PKCS#1 v1.5 are deterministic, RSA-PSS and ML-DSA use fresh randomness (the PSS
    /// salt; ML-DSA's 32-byte `rnd`, the hedged ML-DSA.Sign of FIPS 204 Algorithm 2), drawn
    /// from the operating system's generator; see [`SigningKey::sign_with_rng`].
    pub fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign_inner(None, signing_input)
    }

    /// [`SigningKey::sign`] drawing the randomness RSA and ML-DSA need from `rng`: the RSA-PSS
    /// salt, the blinding of every RSA private-key operation (which does not change a PKCS#1
    /// v1.5 signature), and ML-DSA's `rnd`. HMAC, ECDSA (RFC 6979) and EdDSA signatures are
    /// deterministic and draw nothing. With a seeded generator, RSA-PSS and ML-DSA signatures
    /// are reproducible.
    pub fn sign_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        signing_input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mut rng = rng;
        self.sign_inner(Some(&mut rng), signing_input)
    }

    /// Signs with `given`, or for RSA and ML-DSA without one, the operating system's generator.
    pub(crate) fn sign_inner(
        &self,
        given: Option<&mut dyn rand_core::CryptoRng>,
        signing_input: &[u8],
    ) -> Result<Vec<u8>, Error> {
        macro_rules! hmac_sign {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(signing_input);
                Ok(m.finalize().into_bytes().to_vec())
            }};
        }
        // The caller's generator, or the operating system's (kept in `$os`).
        macro_rules! given_or_os {
            ($os:ident) => {
                match given {
                    Some(r) => r,
                    None => {
                        $os = rng()?;
                        &mut $os
                    }
                }
            };
        }
        macro_rules! rsa_sign {
            ($k:expr) => {{
                let mut os;
                let rng: &mut dyn rand_core::CryptoRng = given_or_os!(os);
                let sig = $k
                    .try_sign_with_rng(rng, signing_input)
                    .map_err(self.sign_err())?;
                Ok(sig.to_vec())
            }};
        }
        macro_rules! ec_sign {
            ($k:expr, $curve:ident) => {{
                let sig: $curve::ecdsa::Signature =
                    $k.try_sign(signing_input).map_err(self.sign_err())?;
                Ok(sig.to_bytes().to_vec())
            }};
        }
        match &self.inner {
            Signer_::Hs256(m) => hmac_sign!(m),
            Signer_::Hs384(m) => hmac_sign!(m),
            Signer_::Hs512(m) => hmac_sign!(m),
            Signer_::Rs256(k) => rsa_sign!(k),
            Signer_::Rs384(k) => rsa_sign!(k),
            Signer_::Rs512(k) => rsa_sign!(k),
            Signer_::Ps256(k) => rsa_sign!(k),
            Signer_::Ps384(k) => rsa_sign!(k),
            Signer_::Ps512(k) => rsa_sign!(k),
            Signer_::Es256(k) => ec_sign!(k, p256),
            Signer_::Es384(k) => ec_sign!(k, p384),
            Signer_::Es512(k) => ec_sign!(k, p521),
            Signer_::Ed25519(k) => Ok(k.sign(signing_input).to_vec()),
            Signer_::MlDsa(k) => {
                let mut os;
                let rng: &mut dyn rand_core::CryptoRng = given_or_os!(os);
                k.sign(rng, signing_input).map_err(self.sign_err())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_tables_come_after_two_successes_and_verdicts_do_not_change() {
        // RFC 8037 Appendix A.1.
        let jwk = Jwk::from_json(
            br#"{"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::EdDSA).unwrap();
        let key = VerifyingKey::from_jwk(&jwk.to_public().unwrap(), JwsAlgorithm::EdDSA).unwrap();
        let sig = signer.sign(b"payload").unwrap();
        let mut forged = sig.clone();
        forged[10] ^= 1;
        for _ in 0..20 {
            assert!(matches!(
                key.verify(b"payload", &forged),
                Err(Error::InvalidSignature)
            ));
            assert!(matches!(
                key.verify(b"payload", &sig[..63]),
                Err(Error::MalformedSignature)
            ));
        }
        assert!(!key.has_tables(), "failures build nothing");
        key.verify(b"payload", &sig).unwrap();
        assert!(!key.has_tables(), "verified once");
        let clone = key.clone();
        clone.verify(b"payload", &sig).unwrap();
        assert!(!key.has_tables(), "verified twice (clones share the count)");
        assert!(matches!(
            key.verify(b"payload", &forged),
            Err(Error::InvalidSignature)
        ));
        assert!(key.has_tables() && clone.has_tables());
        key.verify(b"payload", &sig).unwrap();
        assert!(matches!(
            key.verify(b"other", &sig),
            Err(Error::InvalidSignature)
        ));
    }

    #[test]
    fn rsa_pss_with_a_seeded_generator_is_reproducible_and_verifies() {
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let seeded = |n: u8| ChaCha20Rng::from_seed([n; 32]);
        let jwk = Jwk::generate_rsa_with_rng(2048, &KeyPolicy::default(), &mut seeded(4)).unwrap();
        let ps = SigningKey::from_jwk(&jwk, JwsAlgorithm::PS256).unwrap();
        let a = ps.sign_with_rng(&mut seeded(1), b"msg").unwrap();
        let b = ps.sign_with_rng(&mut seeded(1), b"msg").unwrap();
        let c = ps.sign_with_rng(&mut seeded(2), b"msg").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c, "the PSS salt comes from the generator");
        for sig in [&a, &c] {
            ps.verifying_key().verify(b"msg", sig).unwrap();
        }
        // PKCS#1 v1.5 is deterministic whatever the generator (it only blinds).
        let rs = SigningKey::from_jwk(&jwk, JwsAlgorithm::RS256).unwrap();
        let x = rs.sign_with_rng(&mut seeded(1), b"msg").unwrap();
        assert_eq!(x, rs.sign_with_rng(&mut seeded(2), b"msg").unwrap());
        assert_eq!(x, rs.sign(b"msg").unwrap());
        // ECDSA (RFC 6979) draws nothing.
        let ec = Jwk::generate_ec_with_rng(crate::jwk::EcCurve::P256, &mut seeded(5)).unwrap();
        let es = SigningKey::from_jwk(&ec, JwsAlgorithm::ES256).unwrap();
        assert_eq!(
            es.sign_with_rng(&mut seeded(1), b"m").unwrap(),
            es.sign(b"m").unwrap()
        );
    }

    #[test]
    fn from_jwk_alg_uses_the_jwks_own_alg() {
        let jwk = Jwk::from_oct(&[7u8; 48]).unwrap();
        assert!(matches!(
            SigningKey::from_jwk_alg(&jwk),
            Err(Error::MissingKeyAlgorithm { kid: None })
        ));
        let with_kid = jwk.clone().with_kid("k");
        assert!(matches!(
            VerifyingKey::from_jwk_alg(&with_kid),
            Err(Error::MissingKeyAlgorithm { kid: Some(ref k) }) if k == "k"
        ));
        let hs384 = jwk.clone().with_alg("HS384");
        let signer = SigningKey::from_jwk_alg(&hs384).unwrap();
        assert_eq!(signer.alg(), JwsAlgorithm::HS384);
        let verifier = VerifyingKey::from_jwk_alg(&hs384).unwrap();
        assert_eq!(verifier.alg(), JwsAlgorithm::HS384);
        verifier.verify(b"x", &signer.sign(b"x").unwrap()).unwrap();
        // A JWE algorithm is not a JWS algorithm.
        assert!(matches!(
            SigningKey::from_jwk_alg(&jwk.with_alg("A128KW")),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
    }
    #[test]
    fn ml_dsa_with_a_seeded_generator_is_reproducible_and_verifies() {
        use crate::jwk::AkpAlgorithm;
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let seeded = |n: u8| ChaCha20Rng::from_seed([n; 32]);
        for &akp in AkpAlgorithm::ALL {
            let alg = akp.jws_algorithm();
            let a = Jwk::generate_akp_with_rng(akp, &mut seeded(7)).unwrap();
            let b = Jwk::generate_with_rng(alg, &mut seeded(7)).unwrap();
            assert_eq!(a.to_json(), b.to_json());
            let signer = SigningKey::from_jwk(&a, alg).unwrap();
            let x = signer.sign_with_rng(&mut seeded(1), b"m").unwrap();
            let y = signer.sign_with_rng(&mut seeded(1), b"m").unwrap();
            let z = signer.sign_with_rng(&mut seeded(2), b"m").unwrap();
            assert_eq!(x, y);
            assert_ne!(x, z, "the hedged rnd comes from the generator");
            assert_ne!(x, signer.sign(b"m").unwrap());
            let mut out = vec![0u8; akp.signature_len()];
            let n = signer.sign_to_slice(b"m", &mut out).unwrap();
            assert_eq!(n, akp.signature_len());
            assert!(signer.sign_to_slice(b"m", &mut out[..n - 1]).is_err());
            for sig in [&x, &z, &out] {
                signer.verifying_key().verify(b"m", sig).unwrap();
            }
        }
    }
}
