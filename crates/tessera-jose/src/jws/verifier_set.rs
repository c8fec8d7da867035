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
/// - the one exception, the *sole key* rule: when the set was built from exactly one key and
///   that key has no `kid` of its own (a key from PEM or DER, a JWK without `kid`, a JWK Set of
///   that one key, a single prepared [`VerifyingKey`]), the token's `kid` does not exclude it —
///   the caller said "this key", and the signature decides. As soon as a key carries a `kid`, or
///   there are several keys, a token `kid` that matches none is refused as below;
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
    /// Built from exactly one key, which has no `kid`: a token's `kid` does not exclude it.
    sole_unnamed: bool,
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
        out.sole_unnamed = matches!(set.keys(), [only] if only.kid.is_none());
        out
    }

    /// A set of already prepared keys; the allow-list is the keys' algorithms.
    ///
    /// One key without a `kid` is the sole key (see the type's documentation): a token's `kid`
    /// does not exclude it.
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut out = VerifierSet::default();
        for k in keys {
            if !out.allowed.contains(&k.alg()) {
                out.allowed.push(k.alg());
            }
            out.insert(k);
        }
        out.sole_unnamed = matches!(&out.keys[..], [only] if only.kid().is_none());
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

    /// Whether the set holds exactly one key, without a `kid`, that a token's `kid` does not
    /// exclude (the sole key rule in the type's documentation).
    pub fn is_sole_unnamed_key(&self) -> bool {
        self.sole_unnamed
    }

    /// The prepared keys to try for a token with this `kid` (if it names one) and `alg`: the
    /// keys bearing that `kid`, or with no `kid` every key for `alg`. A token's `kid` does not
    /// exclude the sole key of a set built from one key without a `kid`.
    pub fn candidates<'a, 'k>(
        &'a self,
        kid: Option<&'k str>,
        alg: JwsAlgorithm,
    ) -> impl Iterator<Item = &'a VerifyingKey> + use<'a, 'k> {
        // The sole key has no `kid`: every prepared entry is that key, for one algorithm each.
        let kid = if self.sole_unnamed { None } else { kid };
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;
    use crate::jwk::Jwk;
    use crate::jws::{self, JwsHeader};
    use crate::keys::SigningKey;

    const HS256: JwsAlgorithm = JwsAlgorithm::HS256;

    fn token(jwk: &Jwk, kid: Option<&str>) -> String {
        let signer = SigningKey::from_jwk(jwk, HS256).unwrap();
        let mut header = JwsHeader::new(HS256);
        header.kid = kid.map(str::to_owned);
        jws::sign_compact(&header, b"payload", &signer).unwrap()
    }

    fn verify(set: &VerifierSet, token: &str) -> Result<Vec<u8>, Error> {
        set.verify_compact(token, &JwsOptions::default())
    }

    #[test]
    fn a_token_kid_does_not_exclude_the_sole_key_without_kid() {
        let key = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let set = VerifierSet::new(&JwkSet::from_keys([key.clone()]), &[HS256]);
        assert!(set.is_sole_unnamed_key());
        assert_eq!(
            verify(&set, &token(&key, Some("any-kid"))).unwrap(),
            b"payload"
        );
        assert_eq!(verify(&set, &token(&key, None)).unwrap(), b"payload");
        assert_eq!(set.candidates(Some("any-kid"), HS256).count(), 1);
        // The key is still tried under its own algorithms only.
        assert_eq!(
            set.candidates(Some("any-kid"), JwsAlgorithm::HS384).count(),
            0
        );
    }

    #[test]
    fn a_single_prepared_key_without_kid_is_the_sole_key() {
        let key = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let prepared = VerifyingKey::from_jwk(&key, HS256).unwrap();
        let set = VerifierSet::from_keys([prepared]);
        assert!(set.is_sole_unnamed_key());
        assert_eq!(verify(&set, &token(&key, Some("k"))).unwrap(), b"payload");
    }

    #[test]
    fn the_sole_key_still_needs_the_right_signature() {
        let key = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let other = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let set = VerifierSet::new(&JwkSet::from_keys([key]), &[HS256]);
        assert!(matches!(
            verify(&set, &token(&other, Some("k"))),
            Err(Error::InvalidSignature)
        ));
    }

    #[test]
    fn a_key_with_its_own_kid_is_excluded_by_another_kid() {
        let key = Jwk::generate(JwsAlgorithm::HS256).unwrap().with_kid("a");
        let set = VerifierSet::new(&JwkSet::from_keys([key.clone()]), &[HS256]);
        assert!(!set.is_sole_unnamed_key());
        assert_eq!(verify(&set, &token(&key, Some("a"))).unwrap(), b"payload");
        assert_eq!(verify(&set, &token(&key, None)).unwrap(), b"payload");
        let Err(Error::NoMatchingKey { kid, alg }) = verify(&set, &token(&key, Some("b"))) else {
            panic!("a kid that names no key must be refused");
        };
        assert_eq!((kid.as_deref(), alg.as_str()), (Some("b"), "HS256"));

        let prepared = VerifyingKey::from_jwk(&key, HS256).unwrap();
        let set = VerifierSet::from_keys([prepared]);
        assert!(!set.is_sole_unnamed_key());
        assert!(matches!(
            verify(&set, &token(&key, Some("b"))),
            Err(Error::NoMatchingKey { .. })
        ));
    }

    #[test]
    fn several_keys_without_kid_are_excluded_by_a_token_kid() {
        let a = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let b = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let set = VerifierSet::new(&JwkSet::from_keys([a.clone(), b]), &[HS256]);
        assert!(!set.is_sole_unnamed_key());
        assert_eq!(verify(&set, &token(&a, None)).unwrap(), b"payload");
        assert!(matches!(
            verify(&set, &token(&a, Some("x"))),
            Err(Error::NoMatchingKey { .. })
        ));
    }

    #[test]
    fn a_named_key_and_an_unnamed_key_refuse_an_unknown_kid() {
        let named = Jwk::generate(JwsAlgorithm::HS256).unwrap().with_kid("a");
        let unnamed = Jwk::generate(JwsAlgorithm::HS256).unwrap();
        let set = VerifierSet::new(&JwkSet::from_keys([named, unnamed.clone()]), &[HS256]);
        assert!(matches!(
            verify(&set, &token(&unnamed, Some("zzz"))),
            Err(Error::NoMatchingKey { .. })
        ));
    }
}
