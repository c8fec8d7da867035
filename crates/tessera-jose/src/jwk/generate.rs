//! Key generation, from the operating system's random number generator or one passed in.

use std::fmt;
use std::str::FromStr;

use p256::elliptic_curve::Generate;
use rand_core::CryptoRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use tessera_core::SecretBytes;
use zeroize::Zeroizing;

use super::{AkpAlgorithm, AkpParams};
use super::{EcCurve, EcParams, Jwk, KeyParams, OkpCurve, OkpParams, RsaCrt, RsaParams};
use super::{RsaPrivate, strip_leading_zeros};
use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm, JwsAlgorithm, KeyManagementAlgorithm};
use crate::error::{CryptoOp, Curve, KeyProblem, crypto_err};
use crate::keys::{KeyPolicy, MAX_RSA_BITS};

/// The algorithm a key is generated for: a JWS algorithm or a JWE key management algorithm.
/// Both convert into it, and it parses from a registered name (JWS names first; no name is
/// registered for both).
///
/// ```
/// use tessera_jose::jwk::KeyAlgorithm;
/// use tessera_jose::{JwsAlgorithm, KeyManagementAlgorithm};
///
/// assert_eq!("ES256".parse::<KeyAlgorithm>().unwrap(), KeyAlgorithm::from(JwsAlgorithm::ES256));
/// assert_eq!(
///     "ECDH-ES+A128KW".parse::<KeyAlgorithm>().unwrap(),
///     KeyAlgorithm::Jwe(KeyManagementAlgorithm::EcdhEsA128KW)
/// );
/// assert!("none".parse::<KeyAlgorithm>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// A JWS signature algorithm.
    Jws(JwsAlgorithm),
    /// A JWE key management algorithm.
    Jwe(KeyManagementAlgorithm),
}

impl KeyAlgorithm {
    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::Jws(a) => a.as_str(),
            KeyAlgorithm::Jwe(a) => a.as_str(),
        }
    }
}

impl From<JwsAlgorithm> for KeyAlgorithm {
    fn from(a: JwsAlgorithm) -> Self {
        KeyAlgorithm::Jws(a)
    }
}

impl From<KeyManagementAlgorithm> for KeyAlgorithm {
    fn from(a: KeyManagementAlgorithm) -> Self {
        KeyAlgorithm::Jwe(a)
    }
}

impl FromStr for KeyAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.parse::<JwsAlgorithm>() {
            Ok(a) => Ok(KeyAlgorithm::Jws(a)),
            Err(_) => s.parse::<KeyManagementAlgorithm>().map(KeyAlgorithm::Jwe),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`Jwk::generate`] makes for an algorithm.
enum Plan {
    Oct(usize),
    Rsa,
    Ec(EcCurve),
    Okp(OkpCurve),
    Akp(AkpAlgorithm),
}

fn plan(alg: KeyAlgorithm) -> Result<Plan, Error> {
    use JwsAlgorithm as S;
    use KeyManagementAlgorithm as E;
    Ok(match alg {
        KeyAlgorithm::Jws(a) => match a {
            S::HS256 => Plan::Oct(32),
            S::HS384 => Plan::Oct(48),
            S::HS512 => Plan::Oct(64),
            S::RS256 | S::RS384 | S::RS512 | S::PS256 | S::PS384 | S::PS512 => Plan::Rsa,
            S::ES256 => Plan::Ec(EcCurve::P256),
            S::ES384 => Plan::Ec(EcCurve::P384),
            S::ES512 => Plan::Ec(EcCurve::P521),
            S::EdDSA | S::Ed25519 => Plan::Okp(OkpCurve::Ed25519),
            S::MlDsa44 => Plan::Akp(AkpAlgorithm::MlDsa44),
            S::MlDsa65 => Plan::Akp(AkpAlgorithm::MlDsa65),
            S::MlDsa87 => Plan::Akp(AkpAlgorithm::MlDsa87),
        },
        KeyAlgorithm::Jwe(a) => match a {
            E::RsaOaep | E::RsaOaep256 | E::RsaOaep384 | E::RsaOaep512 => Plan::Rsa,
            E::EcdhEs | E::EcdhEsA128KW | E::EcdhEsA192KW | E::EcdhEsA256KW => {
                Plan::Ec(EcCurve::P256)
            }
            E::A128KW | E::A128GCMKW => Plan::Oct(16),
            E::A192KW | E::A192GCMKW => Plan::Oct(24),
            E::A256KW | E::A256GCMKW => Plan::Oct(32),
            E::Dir => {
                return Err(Error::UnsupportedAlgorithm {
                    alg: "dir (the key size depends on the content encryption; use Jwk::generate_for_enc)"
                        .into(),
                });
            }
            other => {
                return Err(Error::UnsupportedAlgorithm {
                    alg: other.as_str().to_owned(),
                });
            }
        },
    })
}

/// The operating system's generator, checked once so that its failure is an error.
fn os_rng() -> Result<rand_core::UnwrapErr<getrandom::SysRng>, Error> {
    crate::keys::rng()
}

impl Jwk {
    /// Generates a fresh key for a JWS or JWE algorithm, with `alg` set to its name:
    ///
    /// - `HS256`/`HS384`/`HS512`: a random `oct` key as long as the hash (32/48/64 bytes);
    /// - `RS*`, `PS*`, `RSA-OAEP*`: RSA 2048 (see [`Jwk::generate_rsa`] for other sizes);
    /// - `ES256`/`ES384`/`ES512`: P-256/P-384/P-521; `ECDH-ES*`: P-256;
    /// - `EdDSA` and `Ed25519`: Ed25519;
    /// - `ML-DSA-44`/`ML-DSA-65`/`ML-DSA-87`: an `AKP` key from a random 32-byte seed;
    /// - `A128KW`/`A192KW`/`A256KW` and `A*GCMKW`: a random `oct` key of 16/24/32 bytes.
    ///
    /// `dir` needs the content encryption algorithm: use [`Jwk::generate_for_enc`]. PBES2 takes
    /// a password and `RSA1_5` is never used to encrypt: both are refused. A name parses into
    /// the algorithm with [`FromStr`] (`"ES256".parse()?`).
    ///
    /// ```
    /// use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
    ///
    /// let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("k1");
    /// assert_eq!(jwk.alg.as_deref(), Some("ES256"));
    /// let signer = SigningKey::from_jwk_alg(&jwk).unwrap();
    /// # let _ = signer;
    /// ```
    pub fn generate(alg: impl Into<KeyAlgorithm>) -> Result<Jwk, Error> {
        Jwk::generate_with_rng(alg, &mut os_rng()?)
    }

    /// [`Jwk::generate`] with the randomness drawn from `rng` (which must be a cryptographically
    /// secure generator): the same seed gives the same key.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(
        alg: impl Into<KeyAlgorithm>,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        let alg = alg.into();
        let jwk = match plan(alg)? {
            Plan::Oct(n) => Jwk::generate_oct_with_rng(n, rng)?,
            Plan::Rsa => Jwk::generate_rsa_with_rng(2048, &KeyPolicy::default(), rng)?,
            Plan::Ec(crv) => Jwk::generate_ec_with_rng(crv, rng)?,
            Plan::Okp(crv) => Jwk::generate_okp_with_rng(crv, rng)?,
            Plan::Akp(a) => Jwk::generate_akp_with_rng(a, rng)?,
        };
        Ok(jwk.with_alg(alg.as_str()))
    }

    /// Generates a `dir` key for the JWE content encryption algorithm `enc`
    /// (`A128GCM` 16 bytes, `A192GCM` 24, `A256GCM` 32, `A128CBC-HS256` 32, `A192CBC-HS384` 48,
    /// `A256CBC-HS512` 64), with `alg` set to `dir`.
    pub fn generate_for_enc(enc: ContentEncryptionAlgorithm) -> Result<Jwk, Error> {
        Jwk::generate_for_enc_with_rng(enc, &mut os_rng()?)
    }

    /// [`Jwk::generate_for_enc`] with the randomness drawn from `rng`.
    pub fn generate_for_enc_with_rng<R: CryptoRng + ?Sized>(
        enc: ContentEncryptionAlgorithm,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        Ok(Jwk::generate_oct_with_rng(enc.key_len(), rng)?.with_alg("dir"))
    }

    /// Generates a random symmetric key of `len` bytes (1 to 1024). No `alg` is set.
    pub fn generate_oct(len: usize) -> Result<Jwk, Error> {
        Jwk::generate_oct_with_rng(len, &mut os_rng()?)
    }

    /// [`Jwk::generate_oct`] with the randomness drawn from `rng`.
    pub fn generate_oct_with_rng<R: CryptoRng + ?Sized>(
        len: usize,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        if len == 0 || len > 1024 {
            return Err(KeyProblem::UnsupportedOctLength { len, max: 1024 }.into());
        }
        let mut k = Zeroizing::new(vec![0u8; len]);
        rng.fill_bytes(&mut k);
        Jwk::new(KeyParams::Oct(SecretBytes::from_slice(&k)))
    }

    /// Generates an RSA key of `bits` bits (public exponent 65537), refusing sizes under 2048.
    /// No `alg` is set.
    pub fn generate_rsa(bits: usize) -> Result<Jwk, Error> {
        Jwk::generate_rsa_with_policy(bits, &KeyPolicy::default())
    }

    /// Generates an RSA key of `bits` bits, allowing the sizes `policy` allows (up to 8192).
    pub fn generate_rsa_with_policy(bits: usize, policy: &KeyPolicy) -> Result<Jwk, Error> {
        Jwk::generate_rsa_with_rng(bits, policy, &mut os_rng()?)
    }

    /// [`Jwk::generate_rsa_with_policy`] with the randomness drawn from `rng`.
    pub fn generate_rsa_with_rng<R: CryptoRng + ?Sized>(
        bits: usize,
        policy: &KeyPolicy,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        if bits < policy.min_rsa_bits() || bits > MAX_RSA_BITS || !bits.is_multiple_of(8) {
            return Err(KeyProblem::UnsupportedRsaBits {
                bits,
                min: policy.min_rsa_bits(),
                max: MAX_RSA_BITS,
            }
            .into());
        }
        let key = rsa::PrivateKey::new(rng, bits)
            .map_err(crypto_err(CryptoOp::RsaKeyGeneration { bits }))?;
        let secret = |b: &rsa::BoxedUint| {
            let bytes = Zeroizing::new(b.to_be_bytes_trimmed_vartime().to_vec());
            SecretBytes::from_slice(&bytes)
        };
        let (p, q) = match key.primes() {
            [p, q] => (secret(p.as_ref()), secret(q.as_ref())),
            _ => return Err(KeyProblem::GeneratedKeyIncomplete.into()),
        };
        let (dp, dq) = match (key.dp(), key.dq()) {
            (Some(dp), Some(dq)) => (secret(dp), secret(dq)),
            _ => return Err(KeyProblem::GeneratedKeyIncomplete.into()),
        };
        let qi = key
            .crt_coefficient()
            .ok_or(KeyProblem::GeneratedKeyIncomplete)?;
        let params = RsaParams {
            n: strip_leading_zeros(key.n().to_be_bytes_trimmed_vartime().to_vec()),
            e: strip_leading_zeros(key.e().to_be_bytes_trimmed_vartime().to_vec()),
            private: Some(RsaPrivate {
                d: secret(key.d()),
                crt: Some(RsaCrt {
                    p,
                    q,
                    dp,
                    dq,
                    qi: secret(&qi),
                }),
            }),
        };
        Jwk::new(KeyParams::Rsa(params))
    }

    /// Generates an elliptic-curve key pair on `crv`. No `alg` is set.
    pub fn generate_ec(crv: EcCurve) -> Result<Jwk, Error> {
        Jwk::generate_ec_with_rng(crv, &mut os_rng()?)
    }

    /// [`Jwk::generate_ec`] with the randomness drawn from `rng`.
    pub fn generate_ec_with_rng<R: CryptoRng + ?Sized>(
        crv: EcCurve,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        let mut rng = rng;
        macro_rules! gen_ec {
            ($curve:ident) => {{
                use $curve::elliptic_curve::sec1::ToSec1Point;
                let Ok(sk) = $curve::SecretKey::try_generate_from_rng(&mut rng);
                let point = sk.public_key().to_sec1_point(false);
                let n = crv.field_len();
                let coords = point.as_bytes().get(1..).unwrap_or_default();
                if coords.len() != 2 * n {
                    return Err(KeyProblem::PointEncoding {
                        crv: Curve::Ec(crv),
                    }
                    .into());
                }
                let (x, y) = coords.split_at(n);
                let d = Zeroizing::new(sk.to_bytes().to_vec());
                Jwk::new(KeyParams::Ec(EcParams {
                    crv,
                    x: x.to_vec(),
                    y: y.to_vec(),
                    d: Some(SecretBytes::from_slice(&d)),
                }))
            }};
        }
        match crv {
            EcCurve::P256 => gen_ec!(p256),
            EcCurve::P384 => gen_ec!(p384),
            EcCurve::P521 => gen_ec!(p521),
        }
    }

    /// Generates an Ed25519 or X25519 key pair. No `alg` is set.
    pub fn generate_okp(crv: OkpCurve) -> Result<Jwk, Error> {
        Jwk::generate_okp_with_rng(crv, &mut os_rng()?)
    }

    /// [`Jwk::generate_okp`] with the randomness drawn from `rng`.
    pub fn generate_okp_with_rng<R: CryptoRng + ?Sized>(
        crv: OkpCurve,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        let mut d = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(d.as_mut());
        let x = match crv {
            OkpCurve::Ed25519 => ed25519_dalek::SigningKey::from_bytes(&d)
                .verifying_key()
                .to_bytes(),
            OkpCurve::X25519 => {
                x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*d)).to_bytes()
            }
        };
        Jwk::new(KeyParams::Okp(OkpParams {
            crv,
            x: x.to_vec(),
            d: Some(SecretBytes::from_slice(d.as_ref())),
        }))
    }

    /// Generates an `AKP` key pair (RFC 9964) for `alg` from a random 32-byte seed. Its `alg`
    /// is set: it is part of an `AKP` key.
    pub fn generate_akp(alg: AkpAlgorithm) -> Result<Jwk, Error> {
        Jwk::generate_akp_with_rng(alg, &mut os_rng()?)
    }

    /// [`Jwk::generate_akp`] with the seed drawn from `rng`.
    pub fn generate_akp_with_rng<R: CryptoRng + ?Sized>(
        alg: AkpAlgorithm,
        rng: &mut R,
    ) -> Result<Jwk, Error> {
        let mut seed = Zeroizing::new([0u8; AkpAlgorithm::SEED_LEN]);
        rng.fill_bytes(seed.as_mut());
        Jwk::from_akp_seed(alg, seed.as_ref())
    }

    /// The `AKP` key pair (RFC 9964) that the 32-byte `seed` derives for `alg`
    /// (ML-DSA.KeyGen_internal, FIPS 204 Algorithm 6), with its `alg` set.
    ///
    /// ```
    /// use tessera_jose::{AkpAlgorithm, Jwk};
    ///
    /// // RFC 9964 Appendix A.1: the all-zero seed; the `kid` there is this thumbprint.
    /// let jwk = Jwk::from_akp_seed(AkpAlgorithm::MlDsa44, &[0; 32]).unwrap();
    /// assert_eq!(jwk.thumbprint_sha256(), "T4xl70S7MT6Zeq6r9V9fPJGVn76wfnXJ21-gyo0Gu6o");
    /// ```
    pub fn from_akp_seed(alg: AkpAlgorithm, seed: &[u8]) -> Result<Jwk, Error> {
        let bytes = crate::mldsa::seed_bytes(seed)?;
        let public = crate::mldsa::public_from_seed(alg, &bytes);
        Jwk::new(KeyParams::Akp(AkpParams {
            alg,
            public,
            seed: Some(SecretBytes::from_slice(bytes.as_ref())),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_jws_algorithm_has_a_plan() {
        for &alg in JwsAlgorithm::ALL {
            assert!(plan(alg.into()).is_ok(), "{alg}");
            assert_eq!(alg.as_str().parse::<KeyAlgorithm>().unwrap(), alg.into());
        }
        assert!("none".parse::<KeyAlgorithm>().is_err());
        assert!(plan(KeyManagementAlgorithm::Pbes2Hs256A128KW.into()).is_err());
        assert!(plan(KeyManagementAlgorithm::Dir.into()).is_err());
        assert!(plan(KeyManagementAlgorithm::Rsa1_5.into()).is_err());
        for &alg in KeyManagementAlgorithm::ALL {
            assert_eq!(alg.as_str().parse::<KeyAlgorithm>().unwrap(), alg.into());
            assert_eq!(KeyAlgorithm::from(alg).to_string(), alg.as_str());
        }
    }

    #[test]
    fn a_seeded_generator_gives_the_same_keys() {
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let algs: [KeyAlgorithm; 5] = [
            JwsAlgorithm::HS256.into(),
            JwsAlgorithm::ES384.into(),
            JwsAlgorithm::EdDSA.into(),
            KeyManagementAlgorithm::EcdhEsA128KW.into(),
            KeyManagementAlgorithm::A256GCMKW.into(),
        ];
        for alg in algs {
            let a = Jwk::generate_with_rng(alg, &mut ChaCha20Rng::from_seed([7; 32])).unwrap();
            let b = Jwk::generate_with_rng(alg, &mut ChaCha20Rng::from_seed([7; 32])).unwrap();
            let c = Jwk::generate_with_rng(alg, &mut ChaCha20Rng::from_seed([8; 32])).unwrap();
            assert_eq!(a.to_json(), b.to_json(), "{alg}");
            assert_ne!(a.to_json(), c.to_json(), "{alg}");
            assert_eq!(a.alg.as_deref(), Some(alg.as_str()));
        }
        // The seeded keys work: sign with one, verify with its public half.
        let jwk = Jwk::generate_with_rng(JwsAlgorithm::ES256, &mut ChaCha20Rng::from_seed([1; 32]))
            .unwrap();
        let signer = crate::SigningKey::from_jwk_alg(&jwk).unwrap();
        let verifier = crate::VerifyingKey::from_jwk_alg(&jwk.to_public().unwrap()).unwrap();
        verifier.verify(b"m", &signer.sign(b"m").unwrap()).unwrap();
        let d = Jwk::generate_for_enc_with_rng(
            ContentEncryptionAlgorithm::A256CbcHs512,
            &mut ChaCha20Rng::from_seed([2; 32]),
        )
        .unwrap();
        assert!(matches!(d.params(), KeyParams::Oct(k) if k.len() == 64));
        assert_eq!(d.alg.as_deref(), Some("dir"));
    }

    #[test]
    fn oct_lengths() {
        assert!(Jwk::generate_oct(0).is_err());
        assert!(Jwk::generate_oct(1025).is_err());
        let k = Jwk::generate_oct(17).unwrap();
        assert!(matches!(k.params(), KeyParams::Oct(s) if s.len() == 17));
        assert!(k.alg.is_none());
    }
}
