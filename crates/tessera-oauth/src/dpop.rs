//! DPoP (RFC 9449): sender-constrained tokens.
//!
//! Client side: a [`DpopKey`] held for the session makes proofs (`typ: dpop+jwt`, the public
//! key in the header, `htm`, `htu` without query and fragment, `iat`, a fresh `jti`, `ath` for
//! resource requests, the server's `nonce`), and a [`NonceCache`] remembers each origin's
//! `DPoP-Nonce`. [`DpopKey::retry_nonce`] says whether a response is the `use_dpop_nonce`
//! challenge worth one retry (from a token endpoint's 400 or a resource server's 401).
//!
//! Server side: [`ProofVerifier`] checks a proof against the request's method and URL, the
//! access token's hash, the token's `cnf.jkt`, a freshness window, an optional server nonce and
//! a replay check ([`ReplayCache`], with an in-memory implementation of bounded size). A proof
//! brings its own key: it is prepared for this one proof, never with precomputed tables.
//!
//! ```
//! use tessera_core::UnixTime;
//! use tessera_jose::JwsAlgorithm;
//! use tessera_oauth::dpop::{DpopKey, MemoryReplayCache, ProofVerifier, Request};
//!
//! let key = DpopKey::generate(JwsAlgorithm::ES256)?;
//! let now = UnixTime(1_800_000_000);
//! // The client: a proof for a resource request with its access token.
//! let proof = key.proof("GET", "https://api.example/orders?page=2", now, Some("at-1"), None)?;
//!
//! // The resource server: the token's `cnf.jkt` must be the proof key's thumbprint.
//! let verifier = ProofVerifier::new(MemoryReplayCache::new(10_000));
//! let checked = verifier.verify(&proof, &Request {
//!     method: "GET",
//!     url: "https://api.example/orders?page=2",
//!     access_token: Some("at-1"),
//!     jkt: Some(key.thumbprint()),
//!     nonce: None,
//! }, now)?;
//! assert_eq!(checked.jkt, key.thumbprint());
//! // The same proof again is a replay.
//! assert!(verifier.verify(&proof, &Request {
//!     method: "GET", url: "https://api.example/orders", access_token: Some("at-1"),
//!     jkt: Some(key.thumbprint()), nonce: None,
//! }, now).is_err());
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tessera_core::{HttpRequest, HttpResponse, UnixTime, b64};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
use tessera_jwt::{EmbeddedKey, JwtBuilder, Policy, PolicyBuilder};
use url::Url;

use crate::Error;
use crate::challenge::Challenge;

/// The `DPoP` header.
pub const DPOP: &str = "dpop";
/// The `DPoP-Nonce` response header.
pub const DPOP_NONCE: &str = "dpop-nonce";

/// Why a DPoP proof was refused, or a DPoP exchange went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopProblem {
    /// The proof's signature, `typ`, key or registered claims failed; the JWT error says which.
    Proof(String),
    /// A claim the proof must carry is missing or of the wrong type (`htm`, `htu`, `ath`,
    /// `nonce`).
    Claim {
        /// The claim.
        claim: &'static str,
    },
    /// `htm` is not the request's method.
    Method,
    /// `htu` is not the request's URL (scheme, host, port and path; query and fragment aside).
    Url,
    /// `ath` is not the hash of the access token presented.
    AccessTokenHash,
    /// The proof key's thumbprint is not the token's `cnf.jkt`.
    KeyBinding,
    /// The server demands a nonce and the proof carries none, or another one.
    Nonce,
    /// The proof's `jti` was seen before.
    Replay,
    /// The server asked for a new nonce again after a retry with one: no more retries.
    NonceLoop,
    /// A proof was sent, but the token response's `token_type` is not `DPoP`.
    NotBound {
        /// The `token_type` received.
        token_type: String,
    },
}

impl fmt::Display for DpopProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DpopProblem::Proof(e) => write!(f, "the proof does not verify: {e}"),
            DpopProblem::Claim { claim } => {
                write!(f, "the proof's {claim:?} is missing or malformed")
            }
            DpopProblem::Method => f.write_str("htm is not the request's method"),
            DpopProblem::Url => f.write_str("htu is not the request's URL"),
            DpopProblem::AccessTokenHash => f.write_str("ath is not the access token's hash"),
            DpopProblem::KeyBinding => f.write_str("the proof key is not the token's cnf.jkt"),
            DpopProblem::Nonce => f.write_str("the proof lacks the server's current nonce"),
            DpopProblem::Replay => f.write_str("the proof's jti was used before"),
            DpopProblem::NonceLoop => {
                f.write_str("the server demanded a new nonce again after a retry")
            }
            DpopProblem::NotBound { token_type } => write!(
                f,
                "a proof was sent but the token_type is {token_type:?}, not DPoP"
            ),
        }
    }
}

/// The client's DPoP key, held for the session: the private key signs proofs, its public JWK
/// goes in every proof's header, its RFC 7638 thumbprint is what tokens get bound to.
#[derive(Clone)]
pub struct DpopKey {
    signer: Arc<SigningKey>,
    public: Value,
    thumbprint: String,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.signer.alg())
            .field("jkt", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh key for `alg` (ES256 is the common choice), from the operating system's
    /// generator.
    pub fn generate(alg: JwsAlgorithm) -> Result<Self, Error> {
        Self::from_jwk(&Jwk::generate(alg)?, alg)
    }

    /// A fresh key for `alg` from `rng`.
    pub fn generate_with_rng<R: rand_core::CryptoRng + ?Sized>(
        alg: JwsAlgorithm,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Self::from_jwk(&Jwk::generate_with_rng(alg, rng)?, alg)
    }

    /// The key of a private JWK, signing with `alg` (an asymmetric algorithm).
    pub fn from_jwk(private: &Jwk, alg: JwsAlgorithm) -> Result<Self, Error> {
        let public = private
            .to_public()
            .filter(|_| !alg.is_symmetric())
            .ok_or(Error::Jose(tessera_jose::Error::UnsupportedAlgorithm {
                alg: alg.as_str().to_owned(),
            }))?;
        let signer = SigningKey::from_jwk(private, alg)?;
        let mut public = public;
        // The header carries the bare key: no kid, use or alg to disagree with the proof.
        public.kid = None;
        let thumbprint = public.thumbprint_sha256();
        let v: Value = serde_json::from_str(&public.to_json()).map_err(|_| Error::Rng)?;
        Ok(DpopKey {
            signer: Arc::new(signer),
            public: v,
            thumbprint,
        })
    }

    /// The RFC 7638 SHA-256 thumbprint (`jkt`), for `dpop_jkt` and `cnf.jkt`.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for `method` at `url` (its query and fragment are dropped from `htu`) at `now`,
    /// with `ath` when `access_token` is given and the server's `nonce` when it has sent one.
    /// The `jti` comes from the operating system's generator.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        now: UnixTime,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        self.proof_with_rng(
            method,
            url,
            now,
            access_token,
            nonce,
            &mut crate::grants::os_rng()?,
        )
    }

    /// [`proof`](Self::proof) drawing the `jti` (and any signature randomness) from `rng`.
    pub fn proof_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        method: &str,
        url: &str,
        now: UnixTime,
        access_token: Option<&str>,
        nonce: Option<&str>,
        rng: &mut R,
    ) -> Result<String, Error> {
        let htu = htu(url).ok_or_else(|| Error::InvalidUrl {
            what: "DPoP htu",
            url: url.to_owned(),
            problem: crate::UrlProblem::NotARequestTarget,
        })?;
        let mut b = JwtBuilder::new()
            .typ(tessera_jwt::DPOP_PROOF_TYP)
            .claim("htm", method)
            .claim("htu", htu)
            .issued_at(now)
            .random_jwt_id_with_rng(&mut *rng);
        if let Some(at) = access_token {
            b = b.claim("ath", ath(at));
        }
        if let Some(n) = nonce {
            b = b.claim("nonce", n);
        }
        let mut header = b.header_for(&self.signer);
        header.jwk = Some(self.public.clone());
        header.kid = None;
        let payload = b.payload()?;
        Ok(tessera_jose::jws::sign_compact_with_rng(
            &header,
            &payload,
            &self.signer,
            rng,
        )?)
    }

    /// Adds a proof for `request` (its method and URL) to it, as the `DPoP` header.
    pub fn attach(
        &self,
        request: &mut HttpRequest,
        now: UnixTime,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<(), Error> {
        let url = request.uri().to_string();
        let proof = self.proof(request.method().as_str(), &url, now, access_token, nonce)?;
        let v = HeaderValue::from_str(&proof).map_err(|_| Error::Rng)?;
        request.headers_mut().insert(DPOP, v);
        Ok(())
    }

    /// Authorizes a resource request with a DPoP-bound access token (RFC 9449 §7.1):
    /// `Authorization: DPoP <token>` and a proof for the request's method and URL with `ath`
    /// and the origin's latest nonce from `nonces`.
    pub fn authorize(
        &self,
        request: &mut HttpRequest,
        access_token: &str,
        nonces: &NonceCache,
        now: UnixTime,
    ) -> Result<(), Error> {
        let url = request.uri().to_string();
        let nonce = nonces.get(&url);
        let proof = self.proof(
            request.method().as_str(),
            &url,
            now,
            Some(access_token),
            nonce.as_deref(),
        )?;
        let mut auth = HeaderValue::from_str(&format!("DPoP {access_token}")).map_err(|_| {
            Error::InvalidParameter {
                name: "access_token".into(),
                problem: crate::ParameterProblem::Syntax,
            }
        })?;
        auth.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, auth);
        request
            .headers_mut()
            .insert(DPOP, HeaderValue::from_str(&proof).map_err(|_| Error::Rng)?);
        Ok(())
    }

    /// Sends a resource request built by `make`, authorized with `access_token`
    /// ([`authorize`](Self::authorize)), and retries once with the resource server's nonce
    /// when it answers `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` (RFC 9449
    /// §9); a second demand is [`DpopProblem::NonceLoop`].
    pub async fn send_resource_request(
        &self,
        http: &(impl tessera_core::HttpClient + ?Sized),
        access_token: &str,
        nonces: &NonceCache,
        now: UnixTime,
        make: impl Fn() -> Result<HttpRequest, Error>,
    ) -> Result<HttpResponse, Error> {
        let send = |mut req: HttpRequest| {
            let r = self
                .authorize(&mut req, access_token, nonces, now)
                .map(|()| req);
            async move {
                let req = r?;
                let url = req.uri().to_string();
                let res = crate::http_util::send(http, req, "protected resource").await?;
                nonces.update(&url, &res);
                Ok::<_, Error>(res)
            }
        };
        let res = send(make()?).await?;
        if Self::retry_nonce(&res).is_none() {
            return Ok(res);
        }
        let res = send(make()?).await?;
        if Self::retry_nonce(&res).is_some() {
            return Err(Error::Dpop(DpopProblem::NonceLoop));
        }
        Ok(res)
    }

    /// The nonce to retry with when `response` is the `use_dpop_nonce` challenge (RFC 9449
    /// §8, §9): a token endpoint's 400 with `error: use_dpop_nonce`, or a resource server's
    /// 401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"`, carrying `DPoP-Nonce`.
    pub fn retry_nonce(response: &HttpResponse) -> Option<String> {
        let nonce = response
            .headers()
            .get(DPOP_NONCE)
            .and_then(|v| v.to_str().ok())
            .filter(|n| !n.is_empty())?
            .to_owned();
        let challenged = Challenge::from_headers(response.headers())
            .unwrap_or_default()
            .iter()
            .any(|c| c.is_scheme("DPoP") && c.param("error") == Some("use_dpop_nonce"));
        let body = response.status() == http::StatusCode::BAD_REQUEST
            && serde_json::from_slice::<Map<String, Value>>(response.body())
                .ok()
                .is_some_and(|m| m.get("error").and_then(Value::as_str) == Some("use_dpop_nonce"));
        (challenged || body).then_some(nonce)
    }
}

/// `ath`: base64url of the SHA-256 of the access token (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    b64::encode(Sha256::digest(access_token.as_bytes()))
}

/// `htu`: the URL without query and fragment, scheme and host lowercased, the default port
/// dropped (RFC 9449 §4.3 compares with RFC 3986 §6 normalization).
fn htu(url: &str) -> Option<String> {
    let mut u = Url::parse(url).ok()?;
    if !matches!(u.scheme(), "https" | "http") || u.host().is_none() {
        return None;
    }
    u.set_query(None);
    u.set_fragment(None);
    Some(u.to_string())
}

/// The last `DPoP-Nonce` each origin sent, for the next proof to that origin. Bounded: beyond
/// `max_origins`, the oldest entry makes room.
#[derive(Debug, Default)]
pub struct NonceCache {
    map: Mutex<(HashMap<String, String>, VecDeque<String>)>,
    max_origins: usize,
}

impl NonceCache {
    /// A cache for at most `max_origins` origins.
    pub fn new(max_origins: usize) -> Self {
        NonceCache {
            map: Mutex::default(),
            max_origins: max_origins.max(1),
        }
    }

    fn origin(url: &str) -> Option<String> {
        Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    }

    /// Remembers the `DPoP-Nonce` of a response to a request for `url`, if it has one.
    pub fn update(&self, url: &str, response: &HttpResponse) {
        let (Some(origin), Some(nonce)) = (
            Self::origin(url),
            response
                .headers()
                .get(DPOP_NONCE)
                .and_then(|v| v.to_str().ok()),
        ) else {
            return;
        };
        let mut g = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let (map, order) = &mut *g;
        if !map.contains_key(&origin) {
            if map.len() >= self.max_origins
                && let Some(old) = order.pop_front()
            {
                map.remove(&old);
            }
            order.push_back(origin.clone());
        }
        map.insert(origin, nonce.to_owned());
    }

    /// The nonce to put in a proof for `url`, if its origin has sent one.
    pub fn get(&self, url: &str) -> Option<String> {
        let origin = Self::origin(url)?;
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .get(&origin)
            .cloned()
    }
}

/// Remembers proof `jti`s to refuse replays. Implement it over a shared store for a cluster.
pub trait ReplayCache: Send + Sync {
    /// Records `jti` (of a proof issued at `iat`, seen at `now`); `false` when it was seen
    /// before.
    fn first_use(&self, jti: &str, iat: UnixTime, now: UnixTime) -> bool;
}

/// The `jti`s seen, and the order to forget them in.
type Seen = (HashMap<String, u64>, VecDeque<(u64, String)>);

/// An in-memory [`ReplayCache`] of bounded size: `jti`s are kept for the freshness window, and
/// when more than `capacity` are held the oldest are dropped (a proof that old is refused by its
/// `iat` anyway as long as the capacity covers the window's traffic).
#[derive(Debug)]
pub struct MemoryReplayCache {
    inner: Mutex<Seen>,
    capacity: usize,
}

impl MemoryReplayCache {
    /// A cache holding at most `capacity` `jti`s.
    pub fn new(capacity: usize) -> Self {
        MemoryReplayCache {
            inner: Mutex::default(),
            capacity: capacity.max(1),
        }
    }
}

impl ReplayCache for MemoryReplayCache {
    fn first_use(&self, jti: &str, iat: UnixTime, now: UnixTime) -> bool {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (seen, order) = &mut *g;
        // Forget what is older than ten minutes before now: such proofs fail the window.
        let horizon = now.0.saturating_sub(600);
        while order.front().is_some_and(|(t, _)| *t < horizon) || order.len() >= self.capacity {
            if let Some((_, j)) = order.pop_front() {
                seen.remove(&j);
            }
        }
        if seen.contains_key(jti) {
            return false;
        }
        let t = iat.0.max(horizon);
        seen.insert(jti.to_owned(), t);
        order.push_back((t, jti.to_owned()));
        true
    }
}

/// The request a proof came with, and what it must be bound to.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::exhaustive_structs)] // the inputs of RFC 9449 §4.3, a closed set
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request URL (its query and fragment are ignored).
    pub url: &'a str,
    /// The access token presented with the proof, if any: `ath` must be its hash.
    pub access_token: Option<&'a str>,
    /// The access token's `cnf.jkt`, if bound: the proof key's thumbprint must be it.
    pub jkt: Option<&'a str>,
    /// The nonce the server currently demands, if any.
    pub nonce: Option<&'a str>,
}

/// A proof that passed: its key's thumbprint, `jti` and `iat`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckedProof {
    /// The proof key's RFC 7638 thumbprint.
    pub jkt: String,
    /// `jti`.
    pub jti: String,
    /// `iat`.
    pub iat: UnixTime,
}

/// Verifies DPoP proofs at a resource server or an authorization server (RFC 9449 §4.3).
pub struct ProofVerifier {
    policy: Policy,
    replay: Box<dyn ReplayCache>,
}

impl fmt::Debug for ProofVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProofVerifier")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The freshness window by default: a proof at most five minutes old, at most five seconds in
/// the future.
pub const DEFAULT_PROOF_MAX_AGE: u64 = 300;

impl ProofVerifier {
    /// A verifier accepting ES256, ES384, ES512, EdDSA, PS256 and RS256 proofs at most five
    /// minutes old, refusing replays with `replay`.
    pub fn new(replay: impl ReplayCache + 'static) -> Self {
        Self::with_window(replay, DEFAULT_PROOF_MAX_AGE, 5)
    }

    /// A verifier with a freshness window of `max_age` seconds past and `leeway` seconds of
    /// clock skew.
    pub fn with_window(replay: impl ReplayCache + 'static, max_age: u64, leeway: u64) -> Self {
        let policy = PolicyBuilder::dpop_proof(max_age)
            .algorithms([
                JwsAlgorithm::ES256,
                JwsAlgorithm::ES384,
                JwsAlgorithm::ES512,
                JwsAlgorithm::EdDSA,
                JwsAlgorithm::Ed25519,
                JwsAlgorithm::PS256,
                JwsAlgorithm::RS256,
            ])
            .leeway(leeway)
            .build()
            .expect("the DPoP profile names its algorithms and needs no issuer or audience");
        ProofVerifier {
            policy,
            replay: Box::new(replay),
        }
    }

    /// Verifies `proof` for `request` at `now`: signature under its own header key (public,
    /// asymmetric), `typ`, `iat` within the window, `jti` unseen, `htm`, `htu`, `ath`, the key
    /// binding and the nonce.
    pub fn verify(
        &self,
        proof: &str,
        request: &Request<'_>,
        now: UnixTime,
    ) -> Result<CheckedProof, Error> {
        let fail = |p| Err(Error::Dpop(p));
        let verified = self
            .policy
            .verify_at::<Map<String, Value>>(proof, &EmbeddedKey, now)
            .map_err(|e| Error::Dpop(DpopProblem::Proof(e.to_string())))?;
        let header = verified.header().clone();
        let claims = verified.into_claims();
        let c = &claims.custom;
        let text = |claim: &'static str| -> Result<&str, Error> {
            c.get(claim)
                .and_then(Value::as_str)
                .ok_or(Error::Dpop(DpopProblem::Claim { claim }))
        };
        if text("htm")? != request.method {
            return fail(DpopProblem::Method);
        }
        // The request's query and fragment are ignored (§4.3); a proof whose `htu` carries
        // either did not come from a conforming client (§4.2: `htu` has none) and is refused.
        let claimed = text("htu")?;
        if claimed.contains(['?', '#']) {
            return fail(DpopProblem::Url);
        }
        match (htu(claimed), htu(request.url)) {
            (Some(a), Some(b)) if a == b => {}
            _ => return fail(DpopProblem::Url),
        }
        if let Some(at) = request.access_token {
            let want = ath(at);
            if !bool::from(text("ath")?.as_bytes().ct_eq(want.as_bytes())) {
                return fail(DpopProblem::AccessTokenHash);
            }
        }
        let jwk = header
            .jwk
            .as_ref()
            .and_then(Value::as_object)
            .ok_or(Error::Dpop(DpopProblem::Claim { claim: "jwk" }))?;
        let jkt = Jwk::from_map(jwk.clone())?.thumbprint_sha256();
        if let Some(bound) = request.jkt
            && !bool::from(bound.as_bytes().ct_eq(jkt.as_bytes()))
        {
            return fail(DpopProblem::KeyBinding);
        }
        if let Some(n) = request.nonce {
            match c.get("nonce").and_then(Value::as_str) {
                Some(got) if bool::from(got.as_bytes().ct_eq(n.as_bytes())) => {}
                _ => return fail(DpopProblem::Nonce),
            }
        }
        let jti = claims
            .registered
            .jti
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        let iat = claims.registered.iat.unwrap_or(now);
        if !self.replay.first_use(&jti, iat, now) {
            return fail(DpopProblem::Replay);
        }
        Ok(CheckedProof { jkt, jti, iat })
    }
}

#[cfg(test)]
mod tests {
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    const NOW: UnixTime = UnixTime(1_800_000_000);

    fn key() -> DpopKey {
        DpopKey::generate_with_rng(JwsAlgorithm::ES256, &mut ChaCha20Rng::from_seed([4; 32]))
            .unwrap()
    }

    fn req<'a>(k: &'a DpopKey) -> Request<'a> {
        Request {
            method: "POST",
            url: "https://as.example/token",
            access_token: None,
            jkt: Some(k.thumbprint()),
            nonce: None,
        }
    }

    fn problem(r: Result<CheckedProof, Error>) -> DpopProblem {
        match r {
            Err(Error::Dpop(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_proof_has_the_rfc9449_shape() {
        let k = key();
        let p = k
            .proof(
                "GET",
                "https://API.example:443/r?q=1#f",
                NOW,
                Some("at"),
                Some("n1"),
            )
            .unwrap();
        let mut parts = p.split('.');
        let header: Value =
            serde_json::from_slice(&b64::decode(parts.next().unwrap()).unwrap()).unwrap();
        let claims: Value =
            serde_json::from_slice(&b64::decode(parts.next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert!(header["jwk"]["d"].is_null() && header["jwk"]["x"].is_string());
        assert!(header.get("kid").is_none());
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example/r");
        assert_eq!(claims["iat"], NOW.0);
        assert_eq!(claims["nonce"], "n1");
        assert_eq!(claims["ath"], ath("at"));
        assert_eq!(claims["jti"].as_str().unwrap().len(), 22);
    }

    #[test]
    fn the_negative_cases_of_rfc9449() {
        let k = key();
        let v = ProofVerifier::new(MemoryReplayCache::new(100));
        let fresh =
            |method: &str, url: &str, at: Option<&str>, nonce: Option<&str>, when: UnixTime| {
                k.proof(method, url, when, at, nonce).unwrap()
            };
        // Good.
        v.verify(
            &fresh("POST", "https://as.example/token", None, None, NOW),
            &req(&k),
            NOW,
        )
        .unwrap();
        // Another method, another URL; a query on the request is ignored, not on the path.
        assert_eq!(
            problem(v.verify(
                &fresh("GET", "https://as.example/token", None, None, NOW),
                &req(&k),
                NOW
            )),
            DpopProblem::Method
        );
        assert_eq!(
            problem(v.verify(
                &fresh("POST", "https://as.example/other", None, None, NOW),
                &req(&k),
                NOW
            )),
            DpopProblem::Url
        );
        let mut with_query = req(&k);
        with_query.url = "https://as.example/token?x=1";
        v.verify(
            &fresh("POST", "https://as.example/token", None, None, NOW),
            &with_query,
            NOW,
        )
        .unwrap();
        // A proof whose htu carries a query (built by hand: DpopKey never does).
        let b = JwtBuilder::new()
            .typ("dpop+jwt")
            .claim("htm", "POST")
            .claim("htu", "https://as.example/token?x=1")
            .issued_at(NOW)
            .jwt_id("q1");
        let mut h = b.header_for(&k.signer);
        h.jwk = Some(k.public.clone());
        let p = tessera_jose::jws::sign_compact(&h, &b.payload().unwrap(), &k.signer).unwrap();
        assert_eq!(problem(v.verify(&p, &with_query, NOW)), DpopProblem::Url);
        // Stale, from the future.
        assert!(matches!(
            problem(v.verify(
                &fresh(
                    "POST",
                    "https://as.example/token",
                    None,
                    None,
                    UnixTime(NOW.0 - 3600)
                ),
                &req(&k),
                NOW
            )),
            DpopProblem::Proof(_)
        ));
        assert!(matches!(
            problem(v.verify(
                &fresh(
                    "POST",
                    "https://as.example/token",
                    None,
                    None,
                    UnixTime(NOW.0 + 60)
                ),
                &req(&k),
                NOW
            )),
            DpopProblem::Proof(_)
        ));
        // Replayed.
        let once = fresh("POST", "https://as.example/token", None, None, NOW);
        v.verify(&once, &req(&k), NOW).unwrap();
        assert_eq!(problem(v.verify(&once, &req(&k), NOW)), DpopProblem::Replay);
        // Wrong ath; missing ath when a token is presented.
        let mut rs = req(&k);
        rs.method = "GET";
        rs.url = "https://api.example/r";
        rs.access_token = Some("the-token");
        assert_eq!(
            problem(v.verify(
                &fresh("GET", "https://api.example/r", Some("another"), None, NOW),
                &rs,
                NOW
            )),
            DpopProblem::AccessTokenHash
        );
        assert_eq!(
            problem(v.verify(
                &fresh("GET", "https://api.example/r", None, None, NOW),
                &rs,
                NOW
            )),
            DpopProblem::Claim { claim: "ath" }
        );
        v.verify(
            &fresh("GET", "https://api.example/r", Some("the-token"), None, NOW),
            &rs,
            NOW,
        )
        .unwrap();
        // A key that does not match cnf.jkt.
        let other = DpopKey::generate(JwsAlgorithm::ES256).unwrap();
        let p = other
            .proof("POST", "https://as.example/token", NOW, None, None)
            .unwrap();
        assert_eq!(
            problem(v.verify(&p, &req(&k), NOW)),
            DpopProblem::KeyBinding
        );
        // The server's nonce: missing or another.
        let mut with_nonce = req(&k);
        with_nonce.nonce = Some("server-n");
        assert_eq!(
            problem(v.verify(
                &fresh("POST", "https://as.example/token", None, None, NOW),
                &with_nonce,
                NOW
            )),
            DpopProblem::Nonce
        );
        v.verify(
            &fresh(
                "POST",
                "https://as.example/token",
                None,
                Some("server-n"),
                NOW,
            ),
            &with_nonce,
            NOW,
        )
        .unwrap();
    }

    #[test]
    fn symmetric_algorithms_and_private_keys_in_the_header_are_refused() {
        let k = key();
        let v = ProofVerifier::new(MemoryReplayCache::new(100));
        // An HS256 proof with an oct key in the header.
        let secret = [7u8; 32];
        let hs = SigningKey::from_hmac_secret(&secret, JwsAlgorithm::HS256).unwrap();
        let b = JwtBuilder::new()
            .typ("dpop+jwt")
            .claim("htm", "POST")
            .claim("htu", "https://as.example/token")
            .issued_at(NOW)
            .jwt_id("j1");
        let mut h = b.header_for(&hs);
        h.jwk = Some(serde_json::json!({"kty": "oct", "k": b64::encode(secret)}));
        let p = tessera_jose::jws::sign_compact(&h, &b.payload().unwrap(), &hs).unwrap();
        assert!(matches!(
            problem(v.verify(&p, &req(&k), NOW)),
            DpopProblem::Proof(_)
        ));
        // An ES256 proof whose header carries the private key.
        let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap();
        let es = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
        let mut h = b.header_for(&es);
        h.jwk = Some(serde_json::from_str(&jwk.to_json()).unwrap());
        let p = tessera_jose::jws::sign_compact(&h, &b.payload().unwrap(), &es).unwrap();
        let mut r = req(&k);
        r.jkt = None;
        assert!(matches!(
            problem(v.verify(&p, &r, NOW)),
            DpopProblem::Proof(_)
        ));
    }

    #[test]
    fn nonces_per_origin_and_the_retry_signal() {
        let cache = NonceCache::new(2);
        let res = |status: u16, body: &str, nonce: Option<&str>, www: Option<&str>| {
            let mut b = http::Response::builder().status(status);
            if let Some(n) = nonce {
                b = b.header(DPOP_NONCE, n);
            }
            if let Some(w) = www {
                b = b.header(http::header::WWW_AUTHENTICATE, w);
            }
            b.body(body.as_bytes().to_vec()).unwrap()
        };
        cache.update("https://as.example/token", &res(200, "", Some("n1"), None));
        assert_eq!(cache.get("https://as.example/par").as_deref(), Some("n1"));
        assert_eq!(cache.get("https://api.example/r"), None);
        cache.update("https://b.example/", &res(200, "", Some("b"), None));
        cache.update("https://c.example/", &res(200, "", Some("c"), None));
        assert_eq!(
            cache.get("https://as.example/token"),
            None,
            "bounded: the oldest went"
        );
        // The token endpoint's 400 and the resource server's 401.
        assert_eq!(
            DpopKey::retry_nonce(&res(400, r#"{"error":"use_dpop_nonce"}"#, Some("n2"), None))
                .as_deref(),
            Some("n2")
        );
        assert_eq!(
            DpopKey::retry_nonce(&res(401, "", Some("n3"), Some(r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#))).as_deref(),
            Some("n3")
        );
        assert_eq!(
            DpopKey::retry_nonce(&res(400, r#"{"error":"invalid_grant"}"#, Some("n"), None)),
            None
        );
        assert_eq!(
            DpopKey::retry_nonce(&res(400, r#"{"error":"use_dpop_nonce"}"#, None, None)),
            None
        );
    }

    /// A client at a resource server that demands nonces: `Authorization: DPoP`, a proof with
    /// `ath`, one retry with the nonce the server verifies; a server that keeps demanding is a
    /// loop. The server side is tessera's own ProofVerifier.
    #[test]
    fn resource_requests_with_the_nonce_retry() {
        use std::sync::Mutex;
        let k = key();
        let nonces = NonceCache::new(8);
        let verifier = ProofVerifier::new(MemoryReplayCache::new(100));
        let jkt = k.thumbprint().to_owned();
        let served = Mutex::new(0u32);
        let server = |always: bool| {
            let verifier = &verifier;
            let jkt = jkt.clone();
            let served = &served;
            move |req: HttpRequest| {
                *served.lock().unwrap() += 1;
                let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
                let token = auth.strip_prefix("DPoP ").unwrap().to_owned();
                let proof = req.headers()[DPOP].to_str().unwrap().to_owned();
                let res = if always {
                    Err("use a nonce")
                } else {
                    verifier
                        .verify(
                            &proof,
                            &Request {
                                method: "GET",
                                url: "https://api.example/r",
                                access_token: Some(&token),
                                jkt: Some(&jkt),
                                nonce: Some("rs-nonce"),
                            },
                            NOW,
                        )
                        .map(|_| ())
                        .map_err(|_| "use a nonce")
                };
                let out = match res {
                    Ok(()) => http::Response::builder().status(200).body(b"ok".to_vec()),
                    Err(_) => http::Response::builder()
                        .status(401)
                        .header("dpop-nonce", "rs-nonce")
                        .header(
                            "www-authenticate",
                            r#"DPoP error="use_dpop_nonce", error_description="nonce""#,
                        )
                        .body(Vec::new()),
                };
                async move { Ok::<_, tessera_core::TransportError>(out.unwrap()) }
            }
        };
        let make = || {
            Ok(http::Request::get("https://api.example/r")
                .body(Vec::new())
                .unwrap())
        };
        let res = futures_executor::block_on(k.send_resource_request(
            &server(false),
            "at-1",
            &nonces,
            NOW,
            make,
        ))
        .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(*served.lock().unwrap(), 2);
        assert_eq!(
            nonces.get("https://api.example/other").as_deref(),
            Some("rs-nonce")
        );
        *served.lock().unwrap() = 0;
        assert!(matches!(
            futures_executor::block_on(k.send_resource_request(
                &server(true),
                "at-1",
                &nonces,
                NOW,
                make
            )),
            Err(Error::Dpop(DpopProblem::NonceLoop))
        ));
        assert_eq!(*served.lock().unwrap(), 2);
    }

    #[test]
    fn the_replay_cache_is_bounded() {
        let c = MemoryReplayCache::new(3);
        for i in 0..10 {
            assert!(c.first_use(&format!("j{i}"), NOW, NOW));
        }
        assert!(c.inner.lock().unwrap().0.len() <= 3);
        assert!(!c.first_use("j9", NOW, NOW));
    }
}
