//! Key resolution: which prepared keys may verify a token, by `kid` and algorithm.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use serde_json::Value;
use tessera_core::UnixTime;
use tessera_jose::jws::{JwsHeader, VerifierSet};
use tessera_jose::remote::{KeySetSnapshot, RemoteJwkSet};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, KeyPolicy, VerifyingKey};

use crate::Error;

/// Prepared verifying keys with O(1) lookup by `kid`: a [`VerifierSet`] prepared for every
/// algorithm tessera implements (the [`Policy`](crate::Policy) applies the allow-list).
///
/// Each JWK is prepared once for every algorithm it may verify (its own `alg` if it names one,
/// otherwise each algorithm of its key family, within its `use` and `key_ops`), so verifying a
/// token never parses a key.
///
/// ```
/// use tessera_jose::{JwkSet, JwsAlgorithm};
/// use tessera_jwt::KeyStore;
///
/// let set = JwkSet::from_json(br#"{"keys":[{"kty":"oct","kid":"a","alg":"HS256",
///   "k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}]}"#).unwrap();
/// let store = KeyStore::from_jwk_set(&set);
/// assert_eq!(store.candidates(Some("a"), JwsAlgorithm::HS256).count(), 1);
/// assert_eq!(store.candidates(Some("a"), JwsAlgorithm::HS384).count(), 0);
/// assert_eq!(store.candidates(None, JwsAlgorithm::HS256).count(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeyStore {
    set: VerifierSet,
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        KeyStore::default()
    }

    /// Prepares every usable key of `set` with the default [`KeyPolicy`]. Keys that fit no
    /// algorithm (encryption keys, RSA keys under 2048 bits, …) are left out.
    pub fn from_jwk_set(set: &JwkSet) -> Self {
        Self::from_jwk_set_with_policy(set, &KeyPolicy::default())
    }

    /// Prepares every usable key of `set` under `policy`.
    pub fn from_jwk_set_with_policy(set: &JwkSet, policy: &KeyPolicy) -> Self {
        KeyStore {
            set: VerifierSet::with_policy(set, JwsAlgorithm::ALL, policy),
        }
    }

    /// A store holding one key.
    pub fn single(key: VerifyingKey) -> Self {
        Self::from_iter([key])
    }

    /// The number of prepared (key, algorithm) pairs.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The underlying prepared set.
    pub fn verifier_set(&self) -> &VerifierSet {
        &self.set
    }

    /// The keys that may verify a token with this `kid` and `alg`: with a `kid`, the keys
    /// bearing it; without one, every key for `alg` (a scan for a few keys, else hash lookups).
    ///
    /// A store of one key without a `kid` of its own ([`KeyStore::single`] of such a key, or a
    /// JWK Set of that one key) is the exception: a token's `kid` does not exclude that key,
    /// since the caller named the key itself (the sole key rule of [`VerifierSet`]). Once keys
    /// carry kids, or there are several, a `kid` that matches none finds no key.
    ///
    /// ```
    /// use tessera_jose::{Jwk, JwsAlgorithm, VerifyingKey};
    /// use tessera_jwt::KeyStore;
    ///
    /// let public = Jwk::generate(JwsAlgorithm::ES256)?.to_public().ok_or("EC keys have a public half")?;
    /// let sole = KeyStore::single(VerifyingKey::from_jwk(&public, JwsAlgorithm::ES256)?);
    /// assert_eq!(sole.candidates(Some("any-kid"), JwsAlgorithm::ES256).count(), 1);
    ///
    /// let named = public.with_kid("k1");
    /// let store = KeyStore::single(VerifyingKey::from_jwk(&named, JwsAlgorithm::ES256)?);
    /// assert_eq!(store.candidates(Some("k1"), JwsAlgorithm::ES256).count(), 1);
    /// assert_eq!(store.candidates(Some("k2"), JwsAlgorithm::ES256).count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn candidates<'a, 'k>(
        &'a self,
        kid: Option<&'k str>,
        alg: JwsAlgorithm,
    ) -> impl Iterator<Item = &'a VerifyingKey> + use<'a, 'k> {
        self.set.candidates(kid, alg)
    }
}

impl From<VerifyingKey> for KeyStore {
    fn from(key: VerifyingKey) -> Self {
        KeyStore::single(key)
    }
}

impl From<VerifierSet> for KeyStore {
    fn from(set: VerifierSet) -> Self {
        KeyStore { set }
    }
}

impl FromIterator<VerifyingKey> for KeyStore {
    fn from_iter<I: IntoIterator<Item = VerifyingKey>>(iter: I) -> Self {
        KeyStore {
            set: VerifierSet::from_keys(iter),
        }
    }
}

/// Keys handed out by a key resolver: borrowed from a static store, shared from a cache, or
/// built for this one token.
#[derive(Debug)]
#[non_exhaustive]
pub enum Keys<'a> {
    /// Borrowed from the resolver.
    Borrowed(&'a KeyStore),
    /// A shared, prepared snapshot.
    Shared(Arc<KeyStore>),
    /// Built for this token (e.g. from the key it carries, see [`EmbeddedKey`]).
    Owned(KeyStore),
}

impl Deref for Keys<'_> {
    type Target = KeyStore;
    fn deref(&self) -> &KeyStore {
        match self {
            Keys::Borrowed(k) => k,
            Keys::Shared(k) => k,
            Keys::Owned(k) => k,
        }
    }
}

/// What a key resolver is told about the token whose signature it must find keys for: the
/// protected header (`alg`, `kid`, `jwk`, `x5t#S256`, …), the time, and — read on request —
/// the token's unverified `iss`. Nothing here is verified yet: use it to choose keys, never to
/// trust anything.
#[derive(Clone, Copy, Debug)]
pub struct KeyRequest<'a> {
    header: &'a JwsHeader,
    payload_segment: &'a str,
    now: UnixTime,
}

impl<'a> KeyRequest<'a> {
    /// A request for a token with this protected header and payload segment (as it appears in
    /// the compact serialization), verified at `now`.
    pub fn new(header: &'a JwsHeader, payload_segment: &'a str, now: UnixTime) -> Self {
        KeyRequest {
            header,
            payload_segment,
            now,
        }
    }

    /// The protected header, as the token claims it.
    pub fn header(&self) -> &'a JwsHeader {
        self.header
    }

    /// `alg` (already on the policy's allow-list when a policy asks).
    pub fn alg(&self) -> JwsAlgorithm {
        self.header.alg
    }

    /// `kid`, if any.
    pub fn kid(&self) -> Option<&'a str> {
        self.header.kid.as_deref()
    }

    /// `x5t#S256`, if any.
    pub fn x5t_s256(&self) -> Option<&'a str> {
        self.header.x5t_s256.as_deref()
    }

    /// The time of verification.
    pub fn now(&self) -> UnixTime {
        self.now
    }

    /// The token's `iss`, read WITHOUT verifying anything, to choose among issuers' keys (e.g.
    /// an authorization server finding a client's keys for `private_key_jwt`). Decoded and
    /// parsed (strictly) on each call; `None` when absent or unreadable.
    pub fn unverified_issuer(&self) -> Option<String> {
        if !self.header.payload_is_encoded() {
            return None;
        }
        let payload = tessera_core::b64::decode_named(self.payload_segment, "JWT payload").ok()?;
        let claims = crate::Claims::<()>::from_json(&payload).ok()?;
        claims.iss().map(str::to_owned)
    }
}

/// Finds the keys that may verify a token without I/O: a [`KeyStore`], a token's own key
/// ([`EmbeddedKey`]), or a resolver of the application's. [`Policy::verify`](crate::Policy::verify)
/// takes one; a resolver that may need to fetch ([`RemoteKeys`]) implements only
/// [`AsyncKeyResolver`], so it cannot be handed to the synchronous call by mistake.
pub trait KeyResolver: Send + Sync {
    /// The keys to try for `request`. An error refuses the token (e.g. no key for its `kid`).
    fn resolve(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error>;
}

/// Finds the keys that may verify a token, fetching them if need be (a remote JWK Set on
/// first use, on an unknown `kid` once per cooldown, or when stale).
/// [`Policy::verify_async`](crate::Policy::verify_async) takes one; every [`KeyResolver`] is
/// one.
#[async_trait]
pub trait AsyncKeyResolver: Send + Sync {
    /// The keys to try for `request`.
    async fn resolve_async(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error>;
}

#[async_trait]
impl<R: KeyResolver + ?Sized> AsyncKeyResolver for R {
    async fn resolve_async(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
        self.resolve(request)
    }
}

impl KeyResolver for KeyStore {
    fn resolve(&self, _: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
        Ok(Keys::Borrowed(self))
    }
}

impl<R: KeyResolver + ?Sized> KeyResolver for Arc<R> {
    fn resolve(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
        (**self).resolve(request)
    }
}

/// The key a token carries in its own `jwk` header, as DPoP proofs do (RFC 9449 §4.2): only a
/// public, asymmetric key, prepared for the token's `alg` (and no more: a key that verifies one
/// token builds no precomputed tables). A signature under such a key proves possession of its
/// private half, nothing more: bind the key (e.g. to an access token's `cnf.jkt`) before
/// trusting what it signed.
#[derive(Clone, Copy, Debug, Default)]
#[allow(clippy::exhaustive_structs)] // a unit value
pub struct EmbeddedKey;

impl KeyResolver for EmbeddedKey {
    fn resolve(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
        let refuse = |reason| Err(Error::UnusableEmbeddedKey { reason });
        let Some(value) = &request.header().jwk else {
            return refuse("the header has no \"jwk\"");
        };
        let Value::Object(map) = value else {
            return refuse("\"jwk\" is not a JSON object");
        };
        let jwk = Jwk::from_map(map.clone())?;
        if jwk.is_symmetric() {
            return refuse("\"jwk\" is a symmetric key");
        }
        if jwk.is_private() {
            return refuse("\"jwk\" holds a private key");
        }
        let mut key = VerifyingKey::from_jwk(&jwk, request.alg())?;
        // The key is the token's own: whatever `kid` the token names is this key's.
        if let Some(kid) = request.kid() {
            key = key.with_kid(kid);
        }
        Ok(Keys::Owned(KeyStore::single(key)))
    }
}

/// A prepared key store and the version of the set it was prepared from.
type Prepared = (u64, Arc<KeyStore>);

/// A remote JWK Set (see [`tessera_jose::remote`]) as a key resolver: keys are prepared once
/// per fetched version of the set and shared by every verification.
///
/// Cheap to clone; clones share the cache. Use it with
/// [`Policy::verify_async`](crate::Policy::verify_async): the synchronous
/// [`Policy::verify`](crate::Policy::verify) only uses keys that need no fetch now and otherwise
/// fails with [`Error::KeysUnavailable`] (before the first fetch, on an unknown `kid` past the
/// cooldown, or once the set is due for refresh).
#[derive(Clone)]
pub struct RemoteKeys {
    remote: RemoteJwkSet,
    policy: KeyPolicy,
    prepared: Arc<Mutex<Option<Prepared>>>,
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl RemoteKeys {
    /// Wraps a remote JWK Set, with the default [`KeyPolicy`].
    pub fn new(remote: RemoteJwkSet) -> Self {
        Self::with_policy(remote, KeyPolicy::default())
    }

    /// Wraps a remote JWK Set, preparing keys under `policy`.
    pub fn with_policy(remote: RemoteJwkSet, policy: KeyPolicy) -> Self {
        RemoteKeys {
            remote,
            policy,
            prepared: Arc::new(Mutex::new(None)),
        }
    }

    /// The underlying remote set.
    pub fn remote(&self) -> &RemoteJwkSet {
        &self.remote
    }

    fn prepare(&self, snapshot: &KeySetSnapshot) -> Arc<KeyStore> {
        let mut slot = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((v, store)) = &*slot
            && *v == snapshot.version()
        {
            return Arc::clone(store);
        }
        let store = Arc::new(KeyStore::from_jwk_set_with_policy(
            snapshot.set(),
            &self.policy,
        ));
        // A slower caller may bring an older snapshot; never replace a newer preparation.
        if slot.as_ref().is_none_or(|(v, _)| *v < snapshot.version()) {
            *slot = Some((snapshot.version(), Arc::clone(&store)));
        }
        store
    }
}

#[async_trait]
impl AsyncKeyResolver for RemoteKeys {
    async fn resolve_async(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
        let (now, kid, alg) = (request.now(), request.kid(), request.alg());
        let snapshot = match self.remote.peek(now, kid, alg) {
            Some(snapshot) => snapshot,
            None => self.remote.keys_for(now, kid, alg).await?,
        };
        Ok(Keys::Shared(self.prepare(&snapshot)))
    }
}
