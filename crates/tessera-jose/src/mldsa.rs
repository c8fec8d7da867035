//! ML-DSA (FIPS 204) for `AKP` keys (RFC 9964), on RustCrypto's `ml-dsa`.
//!
//! A JWK carries the public key and the 32-byte seed; the expanded signing key is derived from
//! the seed when a [`SigningKey`](crate::SigningKey) is prepared, and the public key's matrix
//! `Â` is expanded when a [`VerifyingKey`](crate::VerifyingKey) is (verification needs it
//! anyway, so a key seen once, such as one a DPoP proof carries, costs no more than one
//! verification's own work). Signatures use the empty context string (RFC 9964 §5) and the
//! hedged variant of ML-DSA.Sign (FIPS 204 Algorithm 2): 32 fresh random bytes per signature.

use std::sync::Arc;

use ml_dsa::{
    EncodedVerifyingKey, ExpandedSigningKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams, Signature,
    VerifyingKey,
};
use zeroize::Zeroizing;

use crate::Error;
use crate::error::{KeyPart, KeyProblem};
use crate::jwk::{AkpAlgorithm, AkpParams};

/// The seed of an `AKP` key, checked to be 32 bytes.
pub(crate) fn seed_bytes(seed: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyProblem> {
    let s: [u8; 32] = seed.try_into().map_err(|_| KeyProblem::WrongLength {
        part: KeyPart::Priv,
        expected: AkpAlgorithm::SEED_LEN,
        found: seed.len(),
    })?;
    Ok(Zeroizing::new(s))
}

fn public_from_seed_as<P: MlDsaParams>(seed: &[u8; 32]) -> Vec<u8> {
    // The expanded key zeroizes itself on drop.
    let seed = Zeroizing::new(ml_dsa::B32::from(*seed));
    ExpandedSigningKey::<P>::from_seed(&seed)
        .verifying_key()
        .encode()
        .to_vec()
}

/// The public key (`pub`) that `seed` derives (ML-DSA.KeyGen_internal, FIPS 204 Algorithm 6).
pub(crate) fn public_from_seed(alg: AkpAlgorithm, seed: &[u8; 32]) -> Vec<u8> {
    match alg {
        AkpAlgorithm::MlDsa44 => public_from_seed_as::<MlDsa44>(seed),
        AkpAlgorithm::MlDsa65 => public_from_seed_as::<MlDsa65>(seed),
        AkpAlgorithm::MlDsa87 => public_from_seed_as::<MlDsa87>(seed),
    }
}

/// Checks `AKP` key material: the public key's length, the seed's length, and that the seed
/// derives the public key (RFC 9964 §7.3, §7.4).
pub(crate) fn validate(p: &AkpParams) -> Result<(), Error> {
    let expected = p.alg.public_key_len();
    if p.public.len() != expected {
        return Err(KeyProblem::WrongLength {
            part: KeyPart::Pub,
            expected,
            found: p.public.len(),
        }
        .into());
    }
    if let Some(seed) = &p.seed {
        let seed = seed_bytes(seed.expose())?;
        if public_from_seed(p.alg, &seed) != p.public {
            return Err(KeyProblem::SeedDoesNotMatchPublic { alg: p.alg }.into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Verifying.

/// A prepared ML-DSA public key; clones share it.
#[derive(Clone)]
pub(crate) enum MlDsaVerifier {
    P44(Arc<VerifyingKey<MlDsa44>>),
    P65(Arc<VerifyingKey<MlDsa65>>),
    P87(Arc<VerifyingKey<MlDsa87>>),
}

fn decode_public<P: MlDsaParams>(public: &[u8]) -> Result<Arc<VerifyingKey<P>>, KeyProblem> {
    let enc = EncodedVerifyingKey::<P>::try_from(public).map_err(|_| KeyProblem::WrongLength {
        part: KeyPart::Pub,
        expected: public_len::<P>(),
        found: public.len(),
    })?;
    // pkDecode (FIPS 204 Algorithm 23) accepts every encoding of the right length.
    Ok(Arc::new(VerifyingKey::decode(&enc)))
}

fn public_len<P: MlDsaParams>() -> usize {
    EncodedVerifyingKey::<P>::default().len()
}

fn verify_as<P: MlDsaParams>(
    key: &VerifyingKey<P>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    // The wrong length, or an encoding sigDecode refuses (a malformed hint, FIPS 204
    // Algorithm 27), is malformed; a well-formed signature that does not verify is invalid.
    let sig = Signature::<P>::try_from(signature).map_err(|_| Error::MalformedSignature)?;
    if key.verify_with_context(message, &[], &sig) {
        Ok(())
    } else {
        Err(Error::InvalidSignature)
    }
}

impl MlDsaVerifier {
    pub(crate) fn new(alg: AkpAlgorithm, public: &[u8]) -> Result<Self, KeyProblem> {
        Ok(match alg {
            AkpAlgorithm::MlDsa44 => MlDsaVerifier::P44(decode_public(public)?),
            AkpAlgorithm::MlDsa65 => MlDsaVerifier::P65(decode_public(public)?),
            AkpAlgorithm::MlDsa87 => MlDsaVerifier::P87(decode_public(public)?),
        })
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match self {
            MlDsaVerifier::P44(k) => verify_as(k, message, signature),
            MlDsaVerifier::P65(k) => verify_as(k, message, signature),
            MlDsaVerifier::P87(k) => verify_as(k, message, signature),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signing.

/// A prepared ML-DSA signing key (the expanded key, zeroized on drop).
#[derive(Clone)]
pub(crate) enum MlDsaSigner {
    P44(Box<ExpandedSigningKey<MlDsa44>>),
    P65(Box<ExpandedSigningKey<MlDsa65>>),
    P87(Box<ExpandedSigningKey<MlDsa87>>),
}

fn sign_as<P: MlDsaParams>(
    key: &ExpandedSigningKey<P>,
    rng: &mut dyn rand_core::CryptoRng,
    message: &[u8],
) -> Result<Vec<u8>, ml_dsa::Error> {
    Ok(key.sign_randomized(message, &[], rng)?.encode().to_vec())
}

impl MlDsaSigner {
    pub(crate) fn from_seed(alg: AkpAlgorithm, seed: &[u8]) -> Result<Self, KeyProblem> {
        let seed = seed_bytes(seed)?;
        let seed = Zeroizing::new(ml_dsa::B32::from(*seed));
        Ok(match alg {
            AkpAlgorithm::MlDsa44 => {
                MlDsaSigner::P44(Box::new(ExpandedSigningKey::from_seed(&seed)))
            }
            AkpAlgorithm::MlDsa65 => {
                MlDsaSigner::P65(Box::new(ExpandedSigningKey::from_seed(&seed)))
            }
            AkpAlgorithm::MlDsa87 => {
                MlDsaSigner::P87(Box::new(ExpandedSigningKey::from_seed(&seed)))
            }
        })
    }

    pub(crate) fn alg(&self) -> AkpAlgorithm {
        match self {
            MlDsaSigner::P44(_) => AkpAlgorithm::MlDsa44,
            MlDsaSigner::P65(_) => AkpAlgorithm::MlDsa65,
            MlDsaSigner::P87(_) => AkpAlgorithm::MlDsa87,
        }
    }

    /// Signs `message` with the empty context, drawing the 32-byte `rnd` from `rng`.
    pub(crate) fn sign(
        &self,
        rng: &mut dyn rand_core::CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, ml_dsa::Error> {
        match self {
            MlDsaSigner::P44(k) => sign_as(k, rng, message),
            MlDsaSigner::P65(k) => sign_as(k, rng, message),
            MlDsaSigner::P87(k) => sign_as(k, rng, message),
        }
    }
}
