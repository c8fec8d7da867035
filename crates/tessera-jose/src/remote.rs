//! A remote JWK Set: the provider's published keys, fetched and cached.
//!
//! Two layers, as everywhere in tessera:
//!
//! - [`JwksCache`] is the sans-I/O state machine. It never performs I/O and never reads the
//!   clock: each step takes `now` and answers "use these keys", "send this request" or "wait for
//!   the fetch in flight"; [`JwksCache::on_response`] takes what came back.
//! - [`RemoteJwkSet`] is the async driver over an [`HttpClient`]. It depends on no runtime:
//!   concurrent callers share one in-flight fetch through a shared future, so any executor
//!   drives it.
//!
//! The rules ([`RemoteJwkSetConfig`] holds the numbers):
//!
//! - the set is fetched on first use;
//! - a token whose `kid` (or, without a `kid`, whose algorithm) the set does not know triggers a
//!   refetch, at most once per cooldown (default 30 s) — a flood of tokens with invented `kid`s
//!   costs the provider at most one request per cooldown;
//! - after the maximum age (default 10 minutes; `Cache-Control: max-age` is honoured, clamped to
//!   [`RemoteJwkSetConfig::min_max_age`]..=[`RemoteJwkSetConfig::max_max_age`]) the next caller
//!   refreshes the set while concurrent callers keep using the current keys;
//! - if a refetch fails, the keys already held are served (stale) and the next attempt waits a
//!   cooldown — but not forever: once the set is more than
//!   [`RemoteJwkSetConfig::max_stale`] (default 1 day) past its freshness, it is no longer
//!   served and verification fails with [`RemoteError::Stale`] (the last refresh failure as its
//!   `source()`) until a refresh succeeds;
//! - symmetric (`oct`) keys in the fetched set are dropped: a secret published at a URL is a
//!   forging key for everyone who can read it
//!   ([`RemoteJwkSetConfig::insecure_allow_symmetric_keys`] keeps them);
//! - the response must be `200`, at most [`RemoteJwkSetConfig::max_bytes`] long (default
//!   512 KiB) with at most [`RemoteJwkSetConfig::max_keys`] keys;
//! - the URL is configured by the application. A token's `jku` or `x5u` is never followed.
//!
//! ```
//! use tessera_core::{http, HttpResponse, UnixTime};
//! use tessera_jose::remote::{JwksCache, RemoteJwkSetConfig, Step};
//! use tessera_jose::JwsAlgorithm;
//!
//! let config = RemoteJwkSetConfig::new("https://op.example/jwks").unwrap();
//! let mut cache = JwksCache::new(config);
//! let now = UnixTime(1_700_000_000);
//!
//! // First use: fetch.
//! let Step::Fetch(fetch) = cache.step(now, Some("k1"), JwsAlgorithm::ES256) else { panic!() };
//! assert_eq!(fetch.request().uri(), "https://op.example/jwks");
//!
//! let body = br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
//!   "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
//!   "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
//! let res = http::Response::builder().status(200).body(body.to_vec()).unwrap();
//! let keys = cache.on_response(fetch.ticket(), now, Ok(res)).unwrap();
//! assert!(keys.set().get("k1").is_some());
//!
//! // Known kid: no I/O.
//! assert!(matches!(cache.step(now, Some("k1"), JwsAlgorithm::ES256), Step::Use(_)));
//! // Unknown kid right after a fetch: no refetch within the cooldown (30 s)...
//! assert!(matches!(cache.step(now, Some("k2"), JwsAlgorithm::ES256), Step::Use(_)));
//! // ...one refetch after it...
//! let later = now.saturating_add(30);
//! let Step::Fetch(f2) = cache.step(later, Some("k2"), JwsAlgorithm::ES256) else { panic!() };
//! let res = http::Response::builder().status(200).body(body.to_vec()).unwrap();
//! cache.on_response(f2.ticket(), later, Ok(res)).unwrap();
//! // ...and none again within the next cooldown.
//! assert!(matches!(cache.step(later, Some("k3"), JwsAlgorithm::ES256), Step::Use(_)));
//! assert_eq!(cache.fetch_count(), 2);
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tessera_core::http::{self, StatusCode, header};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, TransportError, UnixTime, limits};

use crate::alg::JwsAlgorithm;
use crate::jwk::JwkSet;

/// Default cooldown between refetches triggered by unknown `kid`s, and between retries after a
/// failed fetch: 30 s.
pub const DEFAULT_COOLDOWN_SECS: u64 = 30;
/// Default maximum age of a fetched set when the response has no usable `Cache-Control`: 10 min.
pub const DEFAULT_MAX_AGE_SECS: u64 = 600;
/// Default lower bound applied to `Cache-Control: max-age`: 1 min.
pub const DEFAULT_MIN_MAX_AGE_SECS: u64 = 60;
/// Default upper bound applied to `Cache-Control: max-age`: 1 day.
pub const DEFAULT_MAX_MAX_AGE_SECS: u64 = 86_400;
/// Default bound on serving keys past their freshness while refreshes fail: 1 day.
///
/// Long enough to ride out a provider's outage of a working day or a weekend night (the keys
/// are refreshed as soon as the provider answers again), short enough that a key the provider
/// has withdrawn (rotated out after a compromise) stops being trusted within a day even if this
/// cache can no longer reach the provider to learn of it. It matches the largest `max-age`
/// honoured by default, so a set is never trusted for more than about two days after it was
/// fetched.
pub const DEFAULT_MAX_STALE_SECS: u64 = 86_400;

/// Where the set lives and the cache's timing and size rules.
#[derive(Clone, Debug)]
pub struct RemoteJwkSetConfig {
    uri: http::Uri,
    /// Minimum seconds between two fetches triggered by unknown `kid`s or after a failure.
    pub cooldown: u64,
    /// Seconds a fetched set is fresh when the response carries no usable `max-age`.
    pub max_age: u64,
    /// Lower bound on a `Cache-Control: max-age` from the provider.
    pub min_max_age: u64,
    /// Upper bound on a `Cache-Control: max-age` from the provider.
    pub max_max_age: u64,
    /// The largest response body accepted, in bytes (default 512 KiB).
    pub max_bytes: usize,
    /// The largest number of keys accepted in the set (default 256).
    pub max_keys: usize,
    /// Seconds past a set's freshness ([`KeySetSnapshot::fresh_until`]) during which the set is
    /// still served while refreshes fail (default [`DEFAULT_MAX_STALE_SECS`], 1 day). After
    /// that, verification fails with [`RemoteError::Stale`] until a refresh succeeds.
    pub max_stale: u64,
    allow_symmetric: bool,
}

impl RemoteJwkSetConfig {
    /// A configuration for the JWK Set at `uri`, which must be `https`, or `http` on a loopback
    /// host (`localhost`, `127.0.0.1`, `[::1]`) for tests.
    pub fn new(uri: &str) -> Result<Self, RemoteError> {
        let uri: http::Uri = uri.parse().map_err(|_| RemoteError::InvalidUri {
            uri: uri.to_owned(),
            reason: "not a valid absolute URI",
        })?;
        let host = uri.host().unwrap_or("");
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") => {}
            Some("http") => {
                return Err(RemoteError::InvalidUri {
                    uri: uri.to_string(),
                    reason: "a JWK Set must be fetched over https",
                });
            }
            _ => {
                return Err(RemoteError::InvalidUri {
                    uri: uri.to_string(),
                    reason: "not an absolute https URI",
                });
            }
        }
        if host.is_empty() {
            return Err(RemoteError::InvalidUri {
                uri: uri.to_string(),
                reason: "the URI has no host",
            });
        }
        Ok(RemoteJwkSetConfig {
            uri,
            cooldown: DEFAULT_COOLDOWN_SECS,
            max_age: DEFAULT_MAX_AGE_SECS,
            min_max_age: DEFAULT_MIN_MAX_AGE_SECS,
            max_max_age: DEFAULT_MAX_MAX_AGE_SECS,
            max_bytes: limits::DEFAULT_MAX_DOCUMENT_BYTES,
            max_keys: limits::DEFAULT_MAX_KEYS,
            max_stale: DEFAULT_MAX_STALE_SECS,
            allow_symmetric: false,
        })
    }

    /// The JWK Set URI.
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }

    /// Sets the cooldown (builder style).
    pub fn with_cooldown(mut self, secs: u64) -> Self {
        self.cooldown = secs;
        self
    }

    /// Sets the default maximum age (builder style).
    pub fn with_max_age(mut self, secs: u64) -> Self {
        self.max_age = secs;
        self
    }

    /// Sets the bounds applied to the provider's `Cache-Control: max-age` (builder style).
    pub fn with_max_age_bounds(mut self, min: u64, max: u64) -> Self {
        self.min_max_age = min.min(max);
        self.max_max_age = max.max(min);
        self
    }

    /// Sets the response size cap (builder style).
    pub fn with_max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Sets the key count cap (builder style).
    pub fn with_max_keys(mut self, keys: usize) -> Self {
        self.max_keys = keys;
        self
    }

    /// Sets how long past its freshness a set is still served while refreshes fail (builder
    /// style); see [`RemoteJwkSetConfig::max_stale`].
    pub fn with_max_stale(mut self, secs: u64) -> Self {
        self.max_stale = secs;
        self
    }

    /// Keeps symmetric (`"kty": "oct"`) keys of the fetched set. **Insecure**: a secret key
    /// published at a URL is known to everyone who can fetch it, and lets them forge tokens.
    /// By default such keys are dropped from the set when it is fetched (and counted in
    /// [`KeySetSnapshot::symmetric_keys_dropped`]), so a remote set yields asymmetric
    /// verifiers only. Only for a URL that is itself secret and trusted, such as a test fixture.
    pub fn insecure_allow_symmetric_keys(mut self) -> Self {
        self.allow_symmetric = true;
        self
    }

    /// Whether symmetric keys of the fetched set are kept
    /// ([`insecure_allow_symmetric_keys`](RemoteJwkSetConfig::insecure_allow_symmetric_keys)).
    pub fn allows_symmetric_keys(&self) -> bool {
        self.allow_symmetric
    }

    fn request(&self) -> HttpRequest {
        let mut req = HttpRequest::new(Vec::new());
        *req.uri_mut() = self.uri.clone();
        req.headers_mut().insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/jwk-set+json, application/json"),
        );
        req
    }
}

/// A fetched JWK Set and when it was fetched. Each successful fetch has a new
/// [`version`](KeySetSnapshot::version), so a consumer can prepare keys once per version.
#[derive(Clone, Debug)]
pub struct KeySetSnapshot {
    set: Arc<JwkSet>,
    version: u64,
    fetched_at: UnixTime,
    fresh_until: UnixTime,
    symmetric_dropped: usize,
}

impl KeySetSnapshot {
    /// The keys.
    pub fn set(&self) -> &Arc<JwkSet> {
        &self.set
    }
    /// Increases by one with each successful fetch, starting at 1.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// When the set was fetched.
    pub fn fetched_at(&self) -> UnixTime {
        self.fetched_at
    }
    /// Until when the set is fresh; after that the next caller refreshes it.
    pub fn fresh_until(&self) -> UnixTime {
        self.fresh_until
    }
    /// How many symmetric (`oct`) keys the fetched document had that were dropped (see
    /// [`RemoteJwkSetConfig::insecure_allow_symmetric_keys`]).
    pub fn symmetric_keys_dropped(&self) -> usize {
        self.symmetric_dropped
    }
}

/// A fetch the caller must perform: send [`Fetch::request`], then hand the outcome to
/// [`JwksCache::on_response`] with [`Fetch::ticket`].
#[derive(Debug)]
pub struct Fetch {
    ticket: u64,
    request: HttpRequest,
    fallback: Option<KeySetSnapshot>,
}

impl Fetch {
    /// Identifies this fetch; a response for an older ticket is ignored.
    pub fn ticket(&self) -> u64 {
        self.ticket
    }
    /// The request to send.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }
    /// Takes the request out.
    pub fn into_request(self) -> HttpRequest {
        self.request
    }
    /// The keys held now, which stay usable if this fetch fails (a refresh of a stale or
    /// unknown-`kid` set); `None` on the first fetch.
    pub fn fallback(&self) -> Option<&KeySetSnapshot> {
        self.fallback.as_ref()
    }
}

/// What to do next, as decided by [`JwksCache::step`].
#[derive(Debug)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // short-lived, returned by value once per step
pub enum Step {
    /// Use these keys; no I/O is needed. (The token's `kid` may still be absent from them, if a
    /// refetch was refused by the cooldown.)
    Use(KeySetSnapshot),
    /// Send this request, then call [`JwksCache::on_response`].
    Fetch(Fetch),
    /// Another caller's fetch is in flight and there are no keys to use meanwhile; wait for it
    /// and step again.
    Wait,
    /// No usable keys: none are held and the last fetch failed less than a cooldown ago
    /// ([`RemoteError::CoolingDown`]), or those held are past
    /// [`max_stale`](RemoteJwkSetConfig::max_stale) and the refresh failed less than a cooldown
    /// ago ([`RemoteError::Stale`]).
    Unavailable(RemoteError),
}

/// Why the remote set could not be fetched or used.
///
/// Display names what failed in one line; the underlying error (the HTTP client's
/// [`TransportError`], the JWK Set parser's [`Error`](crate::Error), or the failure behind
/// [`RemoteError::CoolingDown`] and [`RemoteError::Stale`]) is reachable through
/// [`source()`](std::error::Error::source) and is not repeated in the text.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RemoteError {
    /// The configured URI is not acceptable.
    InvalidUri {
        /// The URI.
        uri: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The HTTP client failed; the client's error (with its
    /// [`kind`](TransportError::kind): timeout, connect, TLS, body too large) is the `source()`.
    Transport {
        /// The client's error, shared so that concurrent callers of one fetch each get it.
        source: Arc<TransportError>,
    },
    /// The provider answered with a status other than 200.
    Status {
        /// The status.
        status: u16,
    },
    /// The response body is larger than the cap.
    TooLarge {
        /// The cap.
        limit: usize,
        /// The body size.
        actual: usize,
    },
    /// The body is not a valid JWK Set; the parser's error is the `source()`.
    InvalidSet {
        /// The parser's error.
        source: Arc<crate::Error>,
    },
    /// The fetch was superseded or abandoned before it settled (its answer was not used).
    NotSettled,
    /// No keys are held, and the previous fetch failed less than a cooldown ago; that failure
    /// is the `source()`.
    CoolingDown {
        /// Seconds until the next fetch will be attempted.
        retry_in: u64,
        /// The previous failure.
        last: Box<RemoteError>,
    },
    /// The keys held are too stale to use: the set stopped being fresh at `fresh_until`, more
    /// than [`RemoteJwkSetConfig::max_stale`] seconds ago, and no refresh has succeeded since.
    /// The last refresh failure, if one is known, is the `source()`.
    Stale {
        /// When the keys held stopped being fresh.
        fresh_until: UnixTime,
        /// Seconds past `fresh_until`.
        stale_for: u64,
        /// The configured bound.
        max_stale: u64,
        /// Why the last refresh failed (`None` if it was abandoned).
        last: Option<Box<RemoteError>>,
    },
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteError::InvalidUri { uri, reason } => write!(f, "JWK Set URI {uri:?}: {reason}"),
            RemoteError::Transport { source } => {
                write!(f, "fetching the JWK Set failed ({})", source.kind())
            }
            RemoteError::Status { status } => {
                write!(f, "the JWK Set endpoint answered HTTP {status}")
            }
            RemoteError::TooLarge { limit, actual } => write!(
                f,
                "the JWK Set is {actual} bytes, over the limit of {limit} bytes"
            ),
            RemoteError::InvalidSet { .. } => f.write_str("the response is not a valid JWK Set"),
            RemoteError::NotSettled => f.write_str("the JWK Set fetch did not settle"),
            RemoteError::CoolingDown { retry_in, .. } => write!(
                f,
                "no JWK Set is available after a failed fetch; next attempt in {retry_in} s"
            ),
            RemoteError::Stale {
                stale_for,
                max_stale,
                ..
            } => write!(
                f,
                "the JWK Set held is {stale_for} s past its freshness, over the limit of \
                 {max_stale} s, and could not be refreshed"
            ),
        }
    }
}

impl std::error::Error for RemoteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RemoteError::Transport { source } => Some(&**source),
            RemoteError::InvalidSet { source } => Some(&**source),
            RemoteError::CoolingDown { last, .. } => Some(&**last),
            RemoteError::Stale { last, .. } => last
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

/// The sans-I/O JWK Set cache. See the [module documentation](self) for the rules.
#[derive(Debug)]
pub struct JwksCache {
    config: RemoteJwkSetConfig,
    keys: Option<KeySetSnapshot>,
    /// Ticket of the fetch in flight.
    in_flight: Option<u64>,
    next_ticket: u64,
    /// When the last fetch was started (for the cooldown).
    last_fetch: Option<UnixTime>,
    last_error: Option<RemoteError>,
    versions: u64,
    fetches: u64,
}

impl JwksCache {
    /// An empty cache; the first [`step`](JwksCache::step) asks for a fetch.
    pub fn new(config: RemoteJwkSetConfig) -> Self {
        JwksCache {
            config,
            keys: None,
            in_flight: None,
            next_ticket: 1,
            last_fetch: None,
            last_error: None,
            versions: 0,
            fetches: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RemoteJwkSetConfig {
        &self.config
    }

    /// The keys held, if any (fresh or stale).
    pub fn keys(&self) -> Option<&KeySetSnapshot> {
        self.keys.as_ref()
    }

    /// How many fetches have been started.
    pub fn fetch_count(&self) -> u64 {
        self.fetches
    }

    /// The last fetch error, cleared by a successful fetch.
    pub fn last_error(&self) -> Option<&RemoteError> {
        self.last_error.as_ref()
    }

    fn knows(set: &JwkSet, kid: Option<&str>, alg: JwsAlgorithm) -> bool {
        set.candidates(kid, alg).next().is_some()
    }

    fn cooled_down(&self, now: UnixTime) -> bool {
        match self.last_fetch {
            None => true,
            Some(t) => now.since(t).is_none_or(|d| d >= self.config.cooldown) && now >= t,
        }
    }

    /// The keys to use for a token with this `kid` and `alg` if no fetch is needed now; does
    /// not change the state. A driver's fast path.
    pub fn peek(
        &self,
        now: UnixTime,
        kid: Option<&str>,
        alg: JwsAlgorithm,
    ) -> Option<&KeySetSnapshot> {
        let keys = self.keys.as_ref()?;
        if self.stale_for(keys, now).is_some() {
            return None;
        }
        let stale = now >= keys.fresh_until;
        let known = Self::knows(&keys.set, kid, alg);
        let would_fetch = self.in_flight.is_none() && (stale || !known) && self.cooled_down(now);
        // An unknown kid while a fetch is in flight: the caller should wait for that fetch.
        let would_wait = self.in_flight.is_some() && !known;
        if would_fetch || would_wait {
            None
        } else {
            Some(keys)
        }
    }

    /// Decides what to do for a token with this `kid` (if it names one) and algorithm.
    pub fn step(&mut self, now: UnixTime, kid: Option<&str>, alg: JwsAlgorithm) -> Step {
        match &self.keys {
            None => {
                if self.in_flight.is_some() {
                    return Step::Wait;
                }
                if !self.cooled_down(now)
                    && let Some(last) = &self.last_error
                {
                    let since = self.last_fetch.and_then(|t| now.since(t)).unwrap_or(0);
                    return Step::Unavailable(RemoteError::CoolingDown {
                        retry_in: self.config.cooldown.saturating_sub(since),
                        last: Box::new(last.clone()),
                    });
                }
                Step::Fetch(self.start(now))
            }
            Some(keys) => {
                let stale = now >= keys.fresh_until;
                let known = Self::knows(&keys.set, kid, alg);
                let too_stale = self.stale_for(keys, now).map(|s| (keys.fresh_until, s));
                if (stale || !known) && self.in_flight.is_none() && self.cooled_down(now) {
                    return Step::Fetch(self.start(now));
                }
                if let Some((fresh_until, stale_for)) = too_stale {
                    if self.in_flight.is_some() {
                        return Step::Wait;
                    }
                    return Step::Unavailable(RemoteError::Stale {
                        fresh_until,
                        stale_for,
                        max_stale: self.config.max_stale,
                        last: self.last_error.clone().map(Box::new),
                    });
                }
                if !known && self.in_flight.is_some() {
                    // A fetch that may bring this kid is already under way: wait for it rather
                    // than fail the token.
                    return Step::Wait;
                }
                Step::Use(keys.clone())
            }
        }
    }

    /// Starts a fetch regardless of freshness, unless one is in flight or the cooldown since the
    /// last fetch has not passed (for an application's own background refresh).
    pub fn force_refresh(&mut self, now: UnixTime) -> Option<Fetch> {
        if self.in_flight.is_some() || !self.cooled_down(now) {
            return None;
        }
        Some(self.start(now))
    }

    /// Seconds `keys` are past their freshness, if that is more than `max_stale` (the keys must
    /// no longer be served).
    fn stale_for(&self, keys: &KeySetSnapshot, now: UnixTime) -> Option<u64> {
        now.since(keys.fresh_until)
            .filter(|s| *s > self.config.max_stale)
    }

    /// The keys held, unless they are past `max_stale`.
    fn usable(&self, now: UnixTime) -> Option<&KeySetSnapshot> {
        self.keys
            .as_ref()
            .filter(|k| self.stale_for(k, now).is_none())
    }

    fn start(&mut self, now: UnixTime) -> Fetch {
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.in_flight = Some(ticket);
        self.last_fetch = Some(now);
        self.fetches = self.fetches.saturating_add(1);
        Fetch {
            ticket,
            request: self.config.request(),
            fallback: self.usable(now).cloned(),
        }
    }

    /// Takes the outcome of the fetch `ticket`. On success the new keys replace the old ones and
    /// are returned; on failure the old keys (if any) are kept and served until a later fetch
    /// succeeds. The outcome of a fetch that is not the one in flight is ignored.
    pub fn on_response(
        &mut self,
        ticket: u64,
        now: UnixTime,
        response: Result<HttpResponse, TransportError>,
    ) -> Result<KeySetSnapshot, RemoteError> {
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
        } else {
            return match &self.keys {
                Some(k) => Ok(k.clone()),
                None => Err(RemoteError::NotSettled),
            };
        }
        match self.parse(now, response) {
            Ok(snapshot) => {
                self.keys = Some(snapshot.clone());
                self.last_error = None;
                Ok(snapshot)
            }
            Err(e) => {
                self.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Abandons the fetch `ticket` (e.g. its future was dropped), so that the next step may
    /// fetch again after the cooldown.
    pub fn abandon(&mut self, ticket: u64) {
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
        }
    }

    fn parse(
        &mut self,
        now: UnixTime,
        response: Result<HttpResponse, TransportError>,
    ) -> Result<KeySetSnapshot, RemoteError> {
        let res = response.map_err(|e| RemoteError::Transport {
            source: Arc::new(e),
        })?;
        if res.status() != StatusCode::OK {
            return Err(RemoteError::Status {
                status: res.status().as_u16(),
            });
        }
        if res.body().len() > self.config.max_bytes {
            return Err(RemoteError::TooLarge {
                limit: self.config.max_bytes,
                actual: res.body().len(),
            });
        }
        let invalid = |e: crate::Error| RemoteError::InvalidSet {
            source: Arc::new(e),
        };
        let mut doc = tessera_core::json::parse_object(res.body(), "JWK Set")
            .map_err(|e| invalid(e.into()))?;
        let symmetric_dropped = if self.config.allow_symmetric {
            0
        } else {
            drop_symmetric_keys(&mut doc, self.config.max_keys)
        };
        let set = JwkSet::from_map_with_limit(doc, self.config.max_keys).map_err(invalid)?;
        let max_age = cache_max_age(res.headers())
            .map(|s| s.clamp(self.config.min_max_age, self.config.max_max_age))
            .unwrap_or(self.config.max_age);
        self.versions = self.versions.saturating_add(1);
        Ok(KeySetSnapshot {
            set: Arc::new(set),
            version: self.versions,
            fetched_at: now,
            fresh_until: now.saturating_add(max_age),
            symmetric_dropped,
        })
    }
}

/// Removes the `"kty": "oct"` members of the set's `keys` array and returns how many there
/// were. A `keys` array over the key cap is left alone (the set is then refused as a whole).
fn drop_symmetric_keys(doc: &mut serde_json::Map<String, serde_json::Value>, max: usize) -> usize {
    let Some(serde_json::Value::Array(keys)) = doc.get_mut("keys") else {
        return 0;
    };
    if keys.len() > max {
        return 0;
    }
    let before = keys.len();
    keys.retain(|k| k.get("kty").and_then(serde_json::Value::as_str) != Some("oct"));
    before - keys.len()
}

/// `max-age` from `Cache-Control` (the smallest if repeated); `no-cache` / `no-store` read as 0
/// (and are then raised to the lower bound).
fn cache_max_age(headers: &http::HeaderMap) -> Option<u64> {
    let mut out: Option<u64> = None;
    for v in headers.get_all(header::CACHE_CONTROL) {
        let Ok(v) = v.to_str() else { continue };
        for directive in v.split(',') {
            let d = directive.trim();
            let secs = if d.eq_ignore_ascii_case("no-cache") || d.eq_ignore_ascii_case("no-store") {
                Some(0)
            } else if let Some((name, value)) = d.split_once('=') {
                if name.trim().eq_ignore_ascii_case("max-age") {
                    value.trim().trim_matches('"').parse::<u64>().ok()
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(s) = secs {
                out = Some(out.map_or(s, |o| o.min(s)));
            }
        }
    }
    out
}

type SharedFetch = Shared<BoxFuture<'static, Result<KeySetSnapshot, RemoteError>>>;

struct Inner {
    cache: Mutex<JwksCache>,
    in_flight: Mutex<Option<SharedFetch>>,
    client: Arc<dyn HttpClient>,
}

/// The async driver of a [`JwksCache`] over an [`HttpClient`]. Cheap to clone (shared state);
/// runtime-agnostic.
///
/// Concurrent callers share one in-flight fetch: the fetch is a shared future that whichever
/// caller polls drives, so dropping the caller that started it does not strand the others.
/// When the set has passed its maximum age, the caller that notices performs the refresh (and
/// falls back to the current keys if it fails) while concurrent callers keep using the current
/// keys; an application that wants the refresh off the request path can call
/// [`RemoteJwkSet::refresh`] from its own background task.
#[derive(Clone)]
pub struct RemoteJwkSet {
    inner: Arc<Inner>,
}

impl fmt::Debug for RemoteJwkSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("RemoteJwkSet")
            .field("uri", &cache.config.uri)
            .field("keys", &cache.keys.as_ref().map(|k| k.set.len()))
            .finish_non_exhaustive()
    }
}

impl RemoteJwkSet {
    /// A remote set with `config`, fetched through `client`.
    pub fn new(config: RemoteJwkSetConfig, client: Arc<dyn HttpClient>) -> Self {
        RemoteJwkSet {
            inner: Arc::new(Inner {
                cache: Mutex::new(JwksCache::new(config)),
                in_flight: Mutex::new(None),
                client,
            }),
        }
    }

    /// A remote set at `uri` with the default rules.
    pub fn from_uri(uri: &str, client: Arc<dyn HttpClient>) -> Result<Self, RemoteError> {
        Ok(Self::new(RemoteJwkSetConfig::new(uri)?, client))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, JwksCache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys for `kid`/`alg` if they can be used without I/O now (the fast path).
    pub fn peek(
        &self,
        now: UnixTime,
        kid: Option<&str>,
        alg: JwsAlgorithm,
    ) -> Option<KeySetSnapshot> {
        self.cache().peek(now, kid, alg).cloned()
    }

    /// How many fetches have been started.
    pub fn fetch_count(&self) -> u64 {
        self.cache().fetch_count()
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, Option<SharedFetch>> {
        self.inner
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys to verify a token with this `kid` and algorithm, fetching if the rules say so.
    ///
    /// The returned set may still lack the `kid` (an unknown `kid` within the cooldown); the
    /// caller's key lookup reports that.
    pub async fn keys_for(
        &self,
        now: UnixTime,
        kid: Option<&str>,
        alg: JwsAlgorithm,
    ) -> Result<KeySetSnapshot, RemoteError> {
        // Bounded: each round returns, or waits for a fetch in flight to complete (which
        // changes the state). A few rounds cover "wait for another's fetch, then fetch".
        enum Next {
            Done(Result<KeySetSnapshot, RemoteError>),
            Run(SharedFetch, Option<KeySetSnapshot>),
            Wait(Option<SharedFetch>),
        }
        for _ in 0..4 {
            // Lock order: in_flight, then cache — the step and the publication of its fetch are
            // one atomic change. No lock is held across an await.
            let next = {
                let mut in_flight = self.in_flight();
                let step = self.cache().step(now, kid, alg);
                match step {
                    Step::Use(k) => Next::Done(Ok(k)),
                    Step::Unavailable(e) => Next::Done(Err(e)),
                    Step::Fetch(fetch) => {
                        let fallback = fetch.fallback.clone();
                        let shared = self.spawn_fetch(now, fetch);
                        *in_flight = Some(shared.clone());
                        Next::Run(shared, fallback)
                    }
                    Step::Wait => Next::Wait(in_flight.clone()),
                }
            };
            match next {
                Next::Done(r) => return r,
                Next::Run(shared, fallback) => {
                    return match shared.await {
                        Ok(k) => Ok(k),
                        Err(e) => fallback.ok_or(e),
                    };
                }
                Next::Wait(Some(f)) => {
                    let _ = f.await;
                }
                Next::Wait(None) => {}
            }
        }
        self.cache()
            .usable(now)
            .cloned()
            .ok_or(RemoteError::NotSettled)
    }

    /// Refreshes the set now unless a fetch is in flight or the cooldown has not passed; for an
    /// application's own background task. Returns the keys held afterwards, if any.
    pub async fn refresh(&self, now: UnixTime) -> Result<Option<KeySetSnapshot>, RemoteError> {
        let shared = {
            let mut in_flight = self.in_flight();
            let fetch = self.cache().force_refresh(now);
            fetch.map(|f| {
                let shared = self.spawn_fetch(now, f);
                *in_flight = Some(shared.clone());
                shared
            })
        };
        match shared {
            Some(f) => f.await.map(Some),
            None => Ok(self.cache().keys().cloned()),
        }
    }

    /// Builds the shared fetch future. It is lazy: whichever caller polls it drives it.
    fn spawn_fetch(&self, now: UnixTime, fetch: Fetch) -> SharedFetch {
        let ticket = fetch.ticket;
        let inner = Arc::clone(&self.inner);
        let request = fetch.into_request();
        let fut: BoxFuture<'static, Result<KeySetSnapshot, RemoteError>> = Box::pin(async move {
            let mut guard = AbandonGuard {
                inner: Arc::clone(&inner),
                ticket,
                armed: true,
            };
            let response = inner.client.execute(request).await;
            guard.armed = false;
            let mut in_flight = inner
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let out = inner
                .cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .on_response(ticket, now, response);
            *in_flight = None;
            out
        });
        fut.shared()
    }
}

/// Releases the in-flight mark if the fetch future is dropped before it completes.
struct AbandonGuard {
    inner: Arc<Inner>,
    ticket: u64,
    armed: bool,
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if self.armed {
            self.inner
                .cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .abandon(self.ticket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_parsing() {
        let mut h = http::HeaderMap::new();
        assert_eq!(cache_max_age(&h), None);
        h.insert(
            header::CACHE_CONTROL,
            "public, max-age=300".parse().unwrap(),
        );
        assert_eq!(cache_max_age(&h), Some(300));
        h.append(header::CACHE_CONTROL, "MAX-AGE=\"100\"".parse().unwrap());
        assert_eq!(cache_max_age(&h), Some(100));
        h.insert(header::CACHE_CONTROL, "no-store".parse().unwrap());
        assert_eq!(cache_max_age(&h), Some(0));
        h.insert(
            header::CACHE_CONTROL,
            "max-age=abc, private".parse().unwrap(),
        );
        assert_eq!(cache_max_age(&h), None);
    }

    const SET: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    const OCT: &str = r#"{"kty":"oct","kid":"h","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;

    fn ok() -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse::new(SET.to_vec()))
    }

    fn cache() -> JwksCache {
        JwksCache::new(RemoteJwkSetConfig::new("https://op.example/jwks").unwrap())
    }

    const T: UnixTime = UnixTime(1_000_000);
    const HS: JwsAlgorithm = JwsAlgorithm::ES256;

    #[test]
    fn waits_while_the_first_fetch_is_in_flight() {
        let mut c = cache();
        let Step::Fetch(f) = c.step(T, Some("a"), HS) else {
            panic!()
        };
        assert!(f.fallback().is_none());
        assert!(matches!(c.step(T, Some("a"), HS), Step::Wait));
        assert!(c.peek(T, Some("a"), HS).is_none());
        let k = c.on_response(f.ticket(), T, ok()).unwrap();
        assert_eq!(k.version(), 1);
        assert_eq!(k.fresh_until(), T.saturating_add(DEFAULT_MAX_AGE_SECS));
        assert!(matches!(c.step(T, Some("a"), HS), Step::Use(_)));
        assert!(c.peek(T, Some("a"), HS).is_some());
    }

    #[test]
    fn a_superseded_or_abandoned_fetch_changes_nothing() {
        let mut c = cache();
        let Step::Fetch(f1) = c.step(T, None, HS) else {
            panic!()
        };
        c.abandon(f1.ticket());
        // Abandoned: the next fetch waits for the cooldown like any other.
        assert!(c.force_refresh(T).is_none());
        let f2 = c.force_refresh(T.saturating_add(30)).unwrap();
        // The late answer to the first fetch is ignored.
        assert!(c.on_response(f1.ticket(), T, ok()).is_err());
        assert!(c.keys().is_none());
        c.on_response(f2.ticket(), T.saturating_add(30), ok())
            .unwrap();
        assert_eq!(c.keys().unwrap().version(), 1);
        assert_eq!(c.fetch_count(), 2);
    }

    #[test]
    fn stale_keys_stay_after_a_failed_refresh() {
        let mut c = cache();
        let Step::Fetch(f) = c.step(T, Some("a"), HS) else {
            panic!()
        };
        c.on_response(f.ticket(), T, ok()).unwrap();
        let stale = T.saturating_add(DEFAULT_MAX_AGE_SECS);
        let Step::Fetch(f) = c.step(stale, Some("a"), HS) else {
            panic!()
        };
        assert!(f.fallback().is_some());
        // While the refresh is in flight, known kids keep using the current keys.
        assert!(matches!(c.step(stale, Some("a"), HS), Step::Use(_)));
        let e = c.on_response(f.ticket(), stale, Err(TransportError::new("down")));
        let Err(e) = e else { panic!() };
        assert!(matches!(e, RemoteError::Transport { .. }));
        // The transport error is the source, and Display does not repeat it.
        assert_eq!(std::error::Error::source(&e).unwrap().to_string(), "down");
        assert!(!e.to_string().contains("down"), "{e}");
        assert!(c.last_error().is_some());
        assert!(matches!(c.step(stale, Some("a"), HS), Step::Use(_)));
        assert_eq!(c.keys().unwrap().version(), 1);
    }

    #[test]
    fn uri_rules() {
        assert!(RemoteJwkSetConfig::new("https://op.example/jwks").is_ok());
        assert!(RemoteJwkSetConfig::new("http://127.0.0.1:8080/jwks").is_ok());
        assert!(RemoteJwkSetConfig::new("http://localhost/jwks").is_ok());
        for bad in [
            "http://op.example/jwks",
            "/jwks",
            "ftp://op.example/x",
            "https://",
        ] {
            assert!(
                matches!(
                    RemoteJwkSetConfig::new(bad),
                    Err(RemoteError::InvalidUri { .. })
                ),
                "{bad}"
            );
        }
    }

    fn down() -> Result<HttpResponse, TransportError> {
        Err(TransportError::new("connection refused")
            .with_kind(tessera_core::TransportErrorKind::Connect))
    }

    /// Drives the cache as a verifier would at `now`: steps, and answers any fetch with `res`.
    fn at(
        c: &mut JwksCache,
        now: UnixTime,
        res: fn() -> Result<HttpResponse, TransportError>,
    ) -> Result<KeySetSnapshot, RemoteError> {
        match c.step(now, Some("a"), HS) {
            Step::Use(k) => Ok(k),
            Step::Unavailable(e) => Err(e),
            Step::Wait => panic!("nothing else is in flight"),
            Step::Fetch(f) => {
                let fallback = f.fallback().cloned();
                c.on_response(f.ticket(), now, res())
                    .or_else(|e| fallback.ok_or(e))
            }
        }
    }

    #[test]
    fn stale_keys_are_served_only_up_to_max_stale() {
        let mut c = JwksCache::new(
            RemoteJwkSetConfig::new("https://op.example/jwks")
                .unwrap()
                .with_max_stale(3600),
        );
        assert_eq!(c.config().max_stale, 3600);
        let k = at(&mut c, T, ok).unwrap();
        let fresh_until = k.fresh_until();
        assert_eq!(fresh_until, T.saturating_add(DEFAULT_MAX_AGE_SECS));
        // The provider goes down. Past freshness, the old keys are still served, up to and
        // including max_stale seconds past fresh_until.
        for dt in [0, 30, 1800, 3600] {
            let now = fresh_until.saturating_add(dt);
            assert_eq!(at(&mut c, now, down).unwrap().version(), 1, "{dt}");
            assert!(c.last_error().is_some());
        }
        // One second more: the keys are no longer served, neither by step, nor by peek, nor as a
        // fetch's fallback.
        let late = fresh_until.saturating_add(3601);
        assert!(c.peek(late, Some("a"), HS).is_none());
        // (the last attempt was at +3600: within the cooldown, no fetch; the error says why)
        match c.step(late, Some("a"), HS) {
            Step::Unavailable(RemoteError::Stale {
                fresh_until: f,
                stale_for,
                max_stale,
                last: Some(last),
            }) => {
                assert_eq!(f, fresh_until);
                assert_eq!(stale_for, 3601);
                assert_eq!(max_stale, 3600);
                assert!(
                    matches!(*last, RemoteError::Transport { ref source } if source.kind() == tessera_core::TransportErrorKind::Connect)
                );
            }
            other => panic!("{other:?}"),
        }
        let after_cooldown = fresh_until.saturating_add(3600 + DEFAULT_COOLDOWN_SECS);
        let Step::Fetch(f) = c.step(after_cooldown, Some("a"), HS) else {
            panic!()
        };
        assert!(f.fallback().is_none(), "too stale to fall back to");
        let e = c
            .on_response(f.ticket(), after_cooldown, down())
            .unwrap_err();
        assert!(matches!(e, RemoteError::Transport { .. }));
        let e = at(&mut c, after_cooldown.saturating_add(1), down).unwrap_err();
        assert!(matches!(e, RemoteError::Stale { .. }));
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.to_string().contains("JWK Set"), "{source}");
        assert!(!e.to_string().contains("JWK Set failed"), "{e}");
        // The provider recovers: the next fetch after the cooldown brings fresh keys.
        let back = after_cooldown.saturating_add(DEFAULT_COOLDOWN_SECS);
        assert_eq!(at(&mut c, back, ok).unwrap().version(), 2);
        assert!(c.peek(back, Some("a"), HS).is_some());
    }

    #[test]
    fn the_default_max_stale_is_a_day() {
        let mut c = cache();
        assert_eq!(c.config().max_stale, DEFAULT_MAX_STALE_SECS);
        let fresh_until = at(&mut c, T, ok).unwrap().fresh_until();
        let edge = fresh_until.saturating_add(86_400);
        assert!(at(&mut c, edge, down).is_ok());
        let past = edge.saturating_add(DEFAULT_COOLDOWN_SECS);
        assert!(matches!(
            at(&mut c, past, down),
            Err(RemoteError::Transport { .. })
        ));
        assert!(matches!(
            at(&mut c, past.saturating_add(1), down),
            Err(RemoteError::Stale { .. })
        ));
    }

    fn with_oct() -> Result<HttpResponse, TransportError> {
        let set = std::str::from_utf8(SET).unwrap();
        let body = set.replacen("{\"keys\":[", &format!("{{\"keys\":[{OCT},"), 1);
        Ok(HttpResponse::new(body.into_bytes()))
    }

    #[test]
    fn symmetric_keys_of_a_remote_set_are_dropped_unless_allowed() {
        let mut c = cache();
        let k = at(&mut c, T, with_oct).unwrap();
        assert_eq!(k.set().len(), 1);
        assert!(k.set().get("h").is_none());
        assert!(k.set().get("a").is_some());
        assert_eq!(k.symmetric_keys_dropped(), 1);
        assert_eq!(
            k.set().candidates(Some("h"), JwsAlgorithm::HS256).count(),
            0
        );
        assert!(!c.config().allows_symmetric_keys());

        let mut c = JwksCache::new(
            RemoteJwkSetConfig::new("https://op.example/jwks")
                .unwrap()
                .insecure_allow_symmetric_keys(),
        );
        assert!(c.config().allows_symmetric_keys());
        let k = at(&mut c, T, with_oct).unwrap();
        assert_eq!(k.set().len(), 2);
        assert_eq!(k.symmetric_keys_dropped(), 0);
        assert_eq!(
            k.set().candidates(Some("h"), JwsAlgorithm::HS256).count(),
            1
        );
    }

    #[test]
    fn an_invalid_set_keeps_the_parse_error_as_source() {
        let mut c = cache();
        let e = at(&mut c, T, || {
            Ok(HttpResponse::new(b"{\"keys\":1}".to_vec()))
        })
        .unwrap_err();
        assert!(matches!(e, RemoteError::InvalidSet { .. }));
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.is::<crate::Error>());
        assert_eq!(e.to_string(), "the response is not a valid JWK Set");
        // CoolingDown wraps it once more; each layer prints only itself.
        let e = at(&mut c, T.saturating_add(1), ok).unwrap_err();
        let RemoteError::CoolingDown { retry_in, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*retry_in, DEFAULT_COOLDOWN_SECS - 1);
        let inner = std::error::Error::source(&e).unwrap();
        assert_eq!(inner.to_string(), "the response is not a valid JWK Set");
        assert!(!e.to_string().contains("not a valid JWK Set"), "{e}");
    }
}
