//! Key generation from the operating system's random number generator.

use p256::elliptic_curve::Generate;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use tessera_core::SecretBytes;
use zeroize::Zeroizing;

use super::{EcCurve, EcParams, Jwk, KeyParams, OkpCurve, OkpParams, RsaCrt, RsaParams};
use super::{RsaPrivate, strip_leading_zeros};
use crate::Error;
use crate::error::invalid_key;
use crate::keys::{KeyPolicy, MAX_RSA_BITS};

/// What [`Jwk::generate`] makes for an algorithm name.
enum Plan {
    Oct(usize),
    Rsa,
    Ec(EcCurve),
    Okp(OkpCurve),
}

fn plan(alg: &str) -> Result<Plan, Error> {
    Ok(match alg {
        "HS256" => Plan::Oct(32),
        "HS384" => Plan::Oct(48),
        "HS512" => Plan::Oct(64),
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => Plan::Rsa,
        "ES256" => Plan::Ec(EcCurve::P256),
        "ES384" => Plan::Ec(EcCurve::P384),
        "ES512" => Plan::Ec(EcCurve::P521),
        "EdDSA" | "Ed25519" => Plan::Okp(OkpCurve::Ed25519),
        "RSA-OAEP" | "RSA-OAEP-256" | "RSA-OAEP-384" | "RSA-OAEP-512" => Plan::Rsa,
        "ECDH-ES" | "ECDH-ES+A128KW" | "ECDH-ES+A192KW" | "ECDH-ES+A256KW" => {
            Plan::Ec(EcCurve::P256)
        }
        "A128KW" | "A128GCMKW" => Plan::Oct(16),
        "A192KW" | "A192GCMKW" => Plan::Oct(24),
        "A256KW" | "A256GCMKW" => Plan::Oct(32),
        "dir" => {
            return Err(Error::UnsupportedAlgorithm {
                alg: "dir (the key size depends on the content encryption; use Jwk::generate_for_enc)"
                    .into(),
            });
        }
        other => {
            return Err(Error::UnsupportedAlgorithm {
                alg: other.to_owned(),
            });
        }
    })
}

/// The key length in bytes for a JWE content encryption algorithm (RFC 7518 §5.1).
fn enc_key_len(enc: &str) -> Result<usize, Error> {
    Ok(match enc {
        "A128GCM" => 16,
        "A192GCM" => 24,
        "A256GCM" => 32,
        "A128CBC-HS256" => 32,
        "A192CBC-HS384" => 48,
        "A256CBC-HS512" => 64,
        other => {
            return Err(Error::UnsupportedAlgorithm {
                alg: other.to_owned(),
            });
        }
    })
}

impl Jwk {
    /// Generates a fresh key for a JWS or JWE algorithm, with `alg` set to that name:
    ///
    /// - `HS256`/`HS384`/`HS512`: a random `oct` key as long as the hash (32/48/64 bytes);
    /// - `RS*`, `PS*`, `RSA-OAEP*`: RSA 2048 (see [`Jwk::generate_rsa`] for other sizes);
    /// - `ES256`/`ES384`/`ES512`: P-256/P-384/P-521; `ECDH-ES*`: P-256;
    /// - `EdDSA` and `Ed25519`: Ed25519;
    /// - `A128KW`/`A192KW`/`A256KW` and `A*GCMKW`: a random `oct` key of 16/24/32 bytes.
    ///
    /// `dir` needs the content encryption algorithm: use [`Jwk::generate_for_enc`].
    ///
    /// ```
    /// use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
    ///
    /// let jwk = Jwk::generate("ES256").unwrap().with_kid("k1");
    /// assert_eq!(jwk.alg.as_deref(), Some("ES256"));
    /// let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
    /// # let _ = signer;
    /// ```
    pub fn generate(alg: &str) -> Result<Jwk, Error> {
        let jwk = match plan(alg)? {
            Plan::Oct(n) => Jwk::generate_oct(n)?,
            Plan::Rsa => Jwk::generate_rsa(2048)?,
            Plan::Ec(crv) => Jwk::generate_ec(crv)?,
            Plan::Okp(crv) => Jwk::generate_okp(crv)?,
        };
        Ok(jwk.with_alg(alg))
    }

    /// Generates a `dir` key for the JWE content encryption algorithm `enc`
    /// (`A128GCM` 16 bytes, `A192GCM` 24, `A256GCM` 32, `A128CBC-HS256` 32, `A192CBC-HS384` 48,
    /// `A256CBC-HS512` 64), with `alg` set to `dir`.
    pub fn generate_for_enc(enc: &str) -> Result<Jwk, Error> {
        Ok(Jwk::generate_oct(enc_key_len(enc)?)?.with_alg("dir"))
    }

    /// Generates a random symmetric key of `len` bytes (1 to 1024). No `alg` is set.
    pub fn generate_oct(len: usize) -> Result<Jwk, Error> {
        if len == 0 || len > 1024 {
            return Err(invalid_key("symmetric key length must be 1 to 1024 bytes"));
        }
        let mut k = Zeroizing::new(vec![0u8; len]);
        getrandom::fill(&mut k).map_err(|_| Error::Rng)?;
        Jwk::new(KeyParams::Oct(SecretBytes::from_slice(&k)))
    }

    /// Generates an RSA key of `bits` bits (public exponent 65537), refusing sizes under 2048.
    /// No `alg` is set.
    pub fn generate_rsa(bits: usize) -> Result<Jwk, Error> {
        Jwk::generate_rsa_with_policy(bits, &KeyPolicy::default())
    }

    /// Generates an RSA key of `bits` bits, allowing the sizes `policy` allows (up to 8192).
    pub fn generate_rsa_with_policy(bits: usize, policy: &KeyPolicy) -> Result<Jwk, Error> {
        if bits < policy.min_rsa_bits() || bits > MAX_RSA_BITS || !bits.is_multiple_of(8) {
            return Err(invalid_key(format!(
                "RSA key size {bits} is not a multiple of 8 between {} and {MAX_RSA_BITS}",
                policy.min_rsa_bits()
            )));
        }
        let mut rng = crate::keys::rng()?;
        let key = rsa::PrivateKey::new(&mut rng, bits).map_err(|e| Error::Crypto {
            reason: format!("RSA key generation: {e}"),
        })?;
        let secret = |b: &rsa::BoxedUint| {
            let bytes = Zeroizing::new(b.to_be_bytes_trimmed_vartime().to_vec());
            SecretBytes::from_slice(&bytes)
        };
        let (p, q) = match key.primes() {
            [p, q] => (secret(p.as_ref()), secret(q.as_ref())),
            _ => return Err(invalid_key("generated RSA key does not have two primes")),
        };
        let (dp, dq) = match (key.dp(), key.dq()) {
            (Some(dp), Some(dq)) => (secret(dp), secret(dq)),
            _ => return Err(invalid_key("generated RSA key has no CRT values")),
        };
        let qi = key
            .crt_coefficient()
            .ok_or_else(|| invalid_key("generated RSA key has no CRT coefficient"))?;
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
        macro_rules! gen_ec {
            ($curve:ident) => {{
                use $curve::elliptic_curve::sec1::ToSec1Point;
                let sk = $curve::SecretKey::try_generate_from_rng(&mut getrandom::SysRng)
                    .map_err(|_| Error::Rng)?;
                let point = sk.public_key().to_sec1_point(false);
                let n = crv.field_len();
                let coords = point.as_bytes().get(1..).unwrap_or_default();
                if coords.len() != 2 * n {
                    return Err(invalid_key("generated EC point has the wrong length"));
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
        let mut d = Zeroizing::new([0u8; 32]);
        getrandom::fill(d.as_mut()).map_err(|_| Error::Rng)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_jws_algorithm_has_a_plan() {
        for alg in crate::JwsAlgorithm::ALL {
            assert!(plan(alg.as_str()).is_ok(), "{alg}");
        }
        assert!(plan("none").is_err());
        assert!(plan("PBES2-HS256+A128KW").is_err());
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
