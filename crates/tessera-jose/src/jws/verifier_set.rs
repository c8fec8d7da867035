use std::collections::HashMap;

use super::{CompactJws, JsonJws, JwsOptions};
use crate::Error;
use crate::alg::JwsAlgorithm;
use crate::jwk::JwkSet;
use crate::keys::{KeyPolicy, VerifyingKey, fits_for_verify};

/// Verifying keys prepared once from a JWK Set for an algorithm allow-list, with fast lookup
/// by `kid`.
///
/// Every (key, algorithm) pair that fits — key type and curve, the key's own `alg`, `use` and
/// `key_ops`, the [`KeyPolicy`] — is prepared once when the set is built. A token is then
/// verified like this:
///
/// - its `alg` must be on the allow-list, or [`Error::AlgorithmNotAllowed`];
/// - with a `kid`, only the keys with that `kid` and that algorithm are tried (a scan of a few keys, a hash lookup beyond);
/// - without a `kid`, every key prepared for that algorithm is tried, in set order;
/// - no key to try: [`Error::NoMatchingKey`] (for a remote set, the cue to refetch once);
///   keys tried but none verifies: [`Error::InvalidSignature`].
///
/// ```
/// use tessera_jose::jws::{self, JwsHeader, JwsOptions, VerifierSet};
/// use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
///
/// let private = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("k1");
/// let signer = SigningKey::from_jwk(&private, JwsAlgorithm::ES256).unwrap();
/// let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"hi", &signer).unwrap();
///
/// let published = JwkSet::from_keys([private.to_public().unwrap()]);
/// let verifiers = VerifierSet::new(&published, &[JwsAlgorithm::ES256, JwsAlgorithm::RS256]);
/// assert_eq!(verifiers.verify_compact(&token, &JwsOptions::default()).unwrap(), b"hi");
/// ```
#[derive(Debug, Clone, Default)]
pub struct VerifierSet {
    keys: Vec<VerifyingKey>,
    by_kid: HashMap<String, Vec<usize>>,
    by_alg: HashMap<JwsAlgorithm, Vec<usize>>,
    allowed: Vec<JwsAlgorithm>,
    skipped: usize,
}

impl VerifierSet {
    /// Prepares every key of `set` for every algorithm of `allowed` that it fits, under the
    /// default [`KeyPolicy`]. Keys that fit no allowed algorithm, or that the policy refuses
    /// (e.g. RSA under 2048 bits), are left out and counted in [`VerifierSet::skipped`].
    pub fn new(set: &JwkSet, allowed: &[JwsAlgorithm]) -> Self {
        Self::with_policy(set, allowed, &KeyPolicy::default())
    }

    /// Like [`VerifierSet::new`], under `policy`.
    pub fn with_policy(set: &JwkSet, allowed: &[JwsAlgorithm], policy: &KeyPolicy) -> Self {
        let allowed = dedup(allowed);
        let mut out = VerifierSet::default();
        for jwk in set.keys() {
            let mut any = false;
            for &alg in &allowed {
                if fits_for_verify(jwk, alg).is_err() {
                    continue;
                }
                if let Ok(key) = VerifyingKey::from_jwk_with_policy(jwk, alg, policy) {
                    out.insert(key);
                    any = true;
                }
            }
            if !any {
                out.skipped += 1;
            }
        }
        out.allowed = allowed;
        out
    }

    /// A set of already prepared keys; the allow-list is the keys' algorithms.
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut out = VerifierSet::default();
        for k in keys {
            if !out.allowed.contains(&k.alg()) {
                out.allowed.push(k.alg());
            }
            out.insert(k);
        }
        out
    }

    fn insert(&mut self, key: VerifyingKey) {
        let i = self.keys.len();
        if let Some(kid) = key.kid() {
            self.by_kid.entry(kid.to_owned()).or_default().push(i);
        }
        self.by_alg.entry(key.alg()).or_default().push(i);
        self.keys.push(key);
    }

    /// The prepared (key, algorithm) pairs.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// The number of prepared (key, algorithm) pairs.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key was prepared.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How many keys of the JWK Set fit no allowed algorithm or were refused by the policy.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The algorithm allow-list.
    pub fn allowed(&self) -> &[JwsAlgorithm] {
        &self.allowed
    }

    /// The prepared keys to try for a token with this `kid` (if it names one) and `alg`.
    pub fn candidates<'a, 'k>(
        &'a self,
        kid: Option<&'k str>,
        alg: JwsAlgorithm,
    ) -> impl Iterator<Item = &'a VerifyingKey> + use<'a, 'k> {
        // A handful of keys: comparing is cheaper than hashing the `kid`. Same keys, same order,
        // and lazy, so the first fitting key is found without looking at the rest.
        let linear = self.keys.len() <= LINEAR_KEYS;
        let idx = match (linear, kid) {
            (true, _) => &[][..],
            (false, Some(kid)) => self.by_kid.get(kid).map_or(&[][..], Vec::as_slice),
            (false, None) => self.by_alg.get(&alg).map_or(&[][..], Vec::as_slice),
        };
        let small = if linear { &self.keys[..] } else { &[] };
        let small = small
            .iter()
            .filter(move |k| kid.is_none_or(|kid| k.kid() == Some(kid)));
        idx.iter()
            .filter_map(|&i| self.keys.get(i))
            .chain(small)
            .filter(move |k| k.alg() == alg)
    }

    fn check_alg(&self, alg: JwsAlgorithm) -> Result<(), Error> {
        if self.allowed.contains(&alg) {
            Ok(())
        } else {
            Err(Error::AlgorithmNotAllowed {
                alg: alg.as_str().to_owned(),
            })
        }
    }

    /// Parses and verifies a compact JWS, returning the payload.
    pub fn verify_compact(&self, token: &str, options: &JwsOptions) -> Result<Vec<u8>, Error> {
        let jws = CompactJws::parse(token, options)?;
        self.verify_parsed(&jws).map(|(payload, _)| payload)
    }

    /// Verifies an already parsed compact JWS; returns the payload and the key that verified
    /// it.
    pub fn verify_parsed(&self, jws: &CompactJws<'_>) -> Result<(Vec<u8>, &VerifyingKey), Error> {
        let h = jws.header();
        self.check_alg(h.alg)?;
        let mut tried = false;
        for key in self.candidates(h.kid.as_deref(), h.alg) {
            tried = true;
            match jws.verify(key) {
                Ok(payload) => return Ok((payload, key)),
                Err(Error::InvalidSignature) => {}
                Err(e) => return Err(e),
            }
        }
        if tried {
            Err(Error::InvalidSignature)
        } else {
            Err(Error::NoMatchingKey {
                kid: h.kid.clone(),
                alg: h.alg.as_str().to_owned(),
            })
        }
    }

    /// Verifies a JWS in the JSON Serialization: returns the payload once any signature with
    /// an allowed algorithm verifies under a key chosen as for a compact JWS.
    pub fn verify_json(&self, jws: &JsonJws) -> Result<Vec<u8>, Error> {
        let mut tried = false;
        let mut first_alg = None;
        for sig in jws.signatures() {
            let h = sig.header();
            first_alg.get_or_insert(h.alg);
            if self.check_alg(h.alg).is_err() {
                continue;
            }
            for key in self.candidates(h.kid.as_deref(), h.alg) {
                tried = true;
                match jws.verify(key) {
                    Ok(payload) => return Ok(payload),
                    Err(Error::InvalidSignature) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if tried {
            return Err(Error::InvalidSignature);
        }
        match jws
            .signatures()
            .iter()
            .find(|s| self.check_alg(s.header().alg).is_ok())
        {
            None => Err(Error::AlgorithmNotAllowed {
                alg: first_alg.map(JwsAlgorithm::as_str).unwrap_or("").to_owned(),
            }),
            Some(s) => Err(Error::NoMatchingKey {
                kid: s.header().kid.clone(),
                alg: s.header().alg.as_str().to_owned(),
            }),
        }
    }
}

/// Up to this many prepared keys, [`VerifierSet::candidates`] scans instead of hashing.
const LINEAR_KEYS: usize = 8;

fn dedup(algs: &[JwsAlgorithm]) -> Vec<JwsAlgorithm> {
    let mut out = Vec::with_capacity(algs.len());
    for &a in algs {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}
