//! A token cache for service-to-service callers using the client credentials grant.
//!
//! [`TokenCache`] is the sans-I/O state machine: per scope-and-resources key it hands out the
//! cached access token until shortly before it expires, asks for a refresh ahead of expiry
//! (while the current token is still handed out), and lets only one token request be in
//! flight per key. [`CachedTokens`] drives it over an [`HttpClient`]: concurrent callers share
//! one request (single flight).
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use tessera_core::{HttpRequest, TransportError, UnixTime};
//! use tessera_oauth::cache::CachedTokens;
//! use tessera_oauth::grants::ClientCredentials;
//! use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, ClientSecret};
//!
//! let metadata = AuthorizationServerMetadata::new("https://as.example")
//!     .with_token_endpoint("https://as.example/token");
//! let client = Client::new("svc", ClientAuth::client_secret_basic(ClientSecret::new("s")), metadata);
//! let calls = Arc::new(AtomicU32::new(0));
//! let counted = Arc::clone(&calls);
//! let http = move |_req: HttpRequest| {
//!     counted.fetch_add(1, Ordering::SeqCst);
//!     async move {
//!         Ok::<_, TransportError>(tessera_core::http::Response::builder()
//!             .status(200)
//!             .header("content-type", "application/json")
//!             .body(br#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#.to_vec())
//!             .unwrap())
//!     }
//! };
//! let tokens = CachedTokens::new(client, Arc::new(http));
//! let grant = ClientCredentials::new().scope("orders.read");
//! futures_executor::block_on(async {
//!     let a = tokens.token(&grant, UnixTime(1_000)).await?;
//!     let b = tokens.token(&grant, UnixTime(2_000)).await?; // cached
//!     assert_eq!(a.access_token().secret(), b.access_token().secret());
//!     Ok::<(), tessera_oauth::Error>(())
//! })?;
//! assert_eq!(calls.load(Ordering::SeqCst), 1);
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tessera_core::{HttpClient, HttpRequest, HttpResponse, UnixTime};

use crate::grants::ClientCredentials;
use crate::token::TokenResponse;
use crate::{Client, Error};

/// The rules of a [`TokenCache`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCacheConfig {
    /// Refresh this many seconds before expiry (at most half the token's lifetime), while still
    /// handing out the current token. Default 60.
    pub refresh_before: u64,
    /// A token is not handed out in its last this-many seconds (it might expire in transit).
    /// Default 5.
    pub expiry_margin: u64,
    /// How long to keep a token whose response had no `expires_in`. Default 60.
    pub assumed_lifetime: u64,
    /// A fetch in flight for longer than this is taken as lost (its caller vanished) and
    /// another may start. Default 60.
    pub fetch_timeout: u64,
    /// At most this many keys (scope and resources) are cached; the one that expires first
    /// makes room. Default 64.
    pub max_entries: usize,
}

impl Default for TokenCacheConfig {
    fn default() -> Self {
        TokenCacheConfig {
            refresh_before: 60,
            expiry_margin: 5,
            assumed_lifetime: 60,
            fetch_timeout: 60,
            max_entries: 64,
        }
    }
}

/// What a grant's cached token is keyed by: its scope, its resources and its extra parameters
/// (the last two in any order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    scope: Option<String>,
    resources: Vec<String>,
    extra: Vec<(String, String)>,
}

impl Key {
    fn of(grant: &ClientCredentials) -> Self {
        let (scope, resources, extra) = grant.cache_key();
        let mut resources = resources.to_vec();
        resources.sort();
        let mut extra = extra.to_vec();
        extra.sort();
        Key {
            scope: scope.map(str::to_owned),
            resources,
            extra,
        }
    }
}

#[derive(Debug)]
struct Entry {
    token: Option<Cached>,
    /// Ticket and start time of the fetch in flight.
    in_flight: Option<(u64, UnixTime)>,
}

#[derive(Debug, Clone)]
struct Cached {
    token: Arc<TokenResponse>,
    /// Handed out until then.
    usable_until: UnixTime,
    /// Refreshed from then on.
    refresh_at: UnixTime,
}

/// What to do next, as [`TokenCache::step`] decides.
#[derive(Debug)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // short-lived, returned by value once per step
pub enum CacheStep {
    /// Use this token; no I/O is needed.
    Use(Arc<TokenResponse>),
    /// Send this token request and hand the response to [`TokenCache::on_response`] with the
    /// ticket (or [`TokenCache::abandon`] it). `current` is a token still usable meanwhile.
    Fetch {
        /// Identifies this fetch.
        ticket: u64,
        /// The token request.
        request: HttpRequest,
        /// A token that may still be used while the fetch runs (a refresh ahead of expiry).
        current: Option<Arc<TokenResponse>>,
    },
    /// Another caller's fetch is in flight and there is no usable token: wait for it.
    Wait,
}

/// The sans-I/O token cache. See the [module documentation](self).
#[derive(Debug)]
pub struct TokenCache {
    config: TokenCacheConfig,
    entries: HashMap<Key, Entry>,
    next_ticket: u64,
    fetches: u64,
}

impl TokenCache {
    /// An empty cache with `config`.
    pub fn new(config: TokenCacheConfig) -> Self {
        TokenCache {
            config,
            entries: HashMap::new(),
            next_ticket: 1,
            fetches: 0,
        }
    }

    /// How many fetches have been started.
    pub fn fetch_count(&self) -> u64 {
        self.fetches
    }

    /// The cached token for `grant` if it can be handed out at `now` without a fetch: the fast
    /// path, which changes nothing.
    pub fn peek(&self, grant: &ClientCredentials, now: UnixTime) -> Option<Arc<TokenResponse>> {
        let e = self.entries.get(&Key::of(grant))?;
        let c = e.token.as_ref()?;
        (now < c.refresh_at || (e.in_flight.is_some() && now < c.usable_until))
            .then(|| Arc::clone(&c.token))
    }

    /// Decides what to do for `grant` at `now`.
    pub fn step(
        &mut self,
        client: &Client,
        grant: &ClientCredentials,
        now: UnixTime,
    ) -> Result<CacheStep, Error> {
        let key = Key::of(grant);
        let timeout = self.config.fetch_timeout;
        let (usable, fresh, in_flight) = match self.entries.get_mut(&key) {
            Some(e) => {
                if let Some((_, started)) = e.in_flight
                    && now.since(started).is_some_and(|d| d >= timeout)
                {
                    e.in_flight = None;
                }
                let usable = e
                    .token
                    .as_ref()
                    .filter(|c| now < c.usable_until)
                    .map(|c| Arc::clone(&c.token));
                let fresh = e.token.as_ref().is_some_and(|c| now < c.refresh_at);
                (usable, fresh, e.in_flight.is_some())
            }
            None => (None, false, false),
        };
        match (usable, fresh, in_flight) {
            (Some(t), true, _) | (Some(t), false, true) => Ok(CacheStep::Use(t)),
            (None, _, true) => Ok(CacheStep::Wait),
            (current, _, false) => {
                let request = grant.request(client, now)?;
                let ticket = self.next_ticket;
                self.next_ticket += 1;
                self.fetches += 1;
                self.make_room(&key, now);
                self.entries
                    .entry(key)
                    .or_insert(Entry {
                        token: None,
                        in_flight: None,
                    })
                    .in_flight = Some((ticket, now));
                Ok(CacheStep::Fetch {
                    ticket,
                    request,
                    current,
                })
            }
        }
    }

    /// Evicts the entry that expires first when the cache is full and `key` is new.
    fn make_room(&mut self, key: &Key, now: UnixTime) {
        if self.entries.contains_key(key) || self.entries.len() < self.config.max_entries {
            return;
        }
        let victim = self
            .entries
            .iter()
            .filter(|(_, e)| e.in_flight.is_none())
            .min_by_key(|(_, e)| e.token.as_ref().map_or(now, |c| c.usable_until))
            .map(|(k, _)| k.clone());
        if let Some(k) = victim {
            self.entries.remove(&k);
        }
    }

    /// Takes the response to fetch `ticket` for `grant`, received at `now`; caches the token
    /// when it is a success.
    pub fn on_response(
        &mut self,
        ticket: u64,
        client: &Client,
        grant: &ClientCredentials,
        response: &HttpResponse,
        now: UnixTime,
    ) -> Result<Arc<TokenResponse>, Error> {
        let key = Key::of(grant);
        let result = grant.parse_response(client, response, now);
        let entry = self.entries.get_mut(&key);
        let ours = entry
            .as_ref()
            .is_some_and(|e| e.in_flight.is_some_and(|(t, _)| t == ticket));
        let token = Arc::new(result?);
        if let Some(e) = entry {
            if ours {
                e.in_flight = None;
            }
            let lifetime = token.expires_in().unwrap_or(self.config.assumed_lifetime);
            let usable_until =
                now.saturating_add(lifetime.saturating_sub(self.config.expiry_margin));
            let ahead = self.config.refresh_before.min(lifetime / 2);
            let refresh_at = now.saturating_add(lifetime.saturating_sub(ahead));
            // A late response to an abandoned fetch still refreshes the cache if it is newer.
            if ours
                || e.token
                    .as_ref()
                    .is_none_or(|c| c.usable_until <= usable_until)
            {
                e.token = Some(Cached {
                    token: Arc::clone(&token),
                    usable_until,
                    refresh_at,
                });
            }
        }
        Ok(token)
    }

    /// Gives up fetch `ticket` for `grant` (the request failed or its caller went away): the
    /// next step may start another.
    pub fn abandon(&mut self, ticket: u64, grant: &ClientCredentials) {
        if let Some(e) = self.entries.get_mut(&Key::of(grant))
            && e.in_flight.is_some_and(|(t, _)| t == ticket)
        {
            e.in_flight = None;
        }
    }
}

type SharedFetch = Shared<BoxFuture<'static, Result<Arc<TokenResponse>, Arc<Error>>>>;

struct Inner {
    client: Client,
    http: Arc<dyn HttpClient>,
    cache: Mutex<TokenCache>,
    /// The shared future of each key's fetch in flight.
    in_flight: Mutex<HashMap<Key, SharedFetch>>,
}

/// Client credentials tokens for one client, cached per scope and resources, with concurrent
/// callers sharing one token request. The fetch is a shared future that whichever caller polls
/// drives, so a caller that goes away does not strand the others.
#[derive(Clone)]
pub struct CachedTokens {
    inner: Arc<Inner>,
}

impl fmt::Debug for CachedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedTokens")
            .field("client", &self.inner.client.id())
            .finish_non_exhaustive()
    }
}

impl CachedTokens {
    /// A cache for `client`'s tokens, fetched through `http`, with the default rules.
    pub fn new(client: Client, http: Arc<dyn HttpClient>) -> Self {
        Self::with_config(client, http, TokenCacheConfig::default())
    }

    /// A cache with `config`.
    pub fn with_config(
        client: Client,
        http: Arc<dyn HttpClient>,
        config: TokenCacheConfig,
    ) -> Self {
        CachedTokens {
            inner: Arc::new(Inner {
                client,
                http,
                cache: Mutex::new(TokenCache::new(config)),
                in_flight: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// How many token requests have been started.
    pub fn fetch_count(&self) -> u64 {
        self.cache().fetch_count()
    }

    /// The token for `grant` at `now`: the cached one, or one fetched (by this caller or
    /// another in flight). A refresh ahead of expiry runs on the caller that notices it while
    /// concurrent callers keep the current token; if the refresh fails, the current token is
    /// returned while it is usable.
    pub async fn token(
        &self,
        grant: &ClientCredentials,
        now: UnixTime,
    ) -> Result<Arc<TokenResponse>, Error> {
        if let Some(t) = self.cache().peek(grant, now) {
            return Ok(t);
        }
        enum Next {
            Done(Result<Arc<TokenResponse>, Error>),
            Run(SharedFetch, Option<Arc<TokenResponse>>),
            Wait(Option<SharedFetch>),
        }
        // Each round returns, or waits for a fetch in flight that then settles the state.
        for _ in 0..4 {
            let next = {
                // Lock order: in_flight, then cache.
                let mut in_flight = self
                    .inner
                    .in_flight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let step = self.cache().step(&self.inner.client, grant, now);
                match step {
                    Err(e) => Next::Done(Err(e)),
                    Ok(CacheStep::Use(t)) => Next::Done(Ok(t)),
                    Ok(CacheStep::Fetch {
                        ticket,
                        request,
                        current,
                    }) => {
                        let shared = self.fetch(ticket, grant.clone(), request, now);
                        in_flight.insert(Key::of(grant), shared.clone());
                        Next::Run(shared, current)
                    }
                    Ok(CacheStep::Wait) => Next::Wait(in_flight.get(&Key::of(grant)).cloned()),
                }
            };
            match next {
                Next::Done(r) => return r,
                Next::Run(shared, current) => {
                    return match shared.await {
                        Ok(t) => Ok(t),
                        Err(e) => current.ok_or(Error::Shared(e)),
                    };
                }
                Next::Wait(Some(f)) => {
                    if let Err(e) = f.await {
                        return Err(Error::Shared(e));
                    }
                }
                Next::Wait(None) => {}
            }
        }
        self.cache().peek(grant, now).ok_or(Error::TokenUnavailable)
    }

    /// The shared fetch future for `ticket`; lazy, driven by whichever caller polls it.
    fn fetch(
        &self,
        ticket: u64,
        grant: ClientCredentials,
        request: HttpRequest,
        now: UnixTime,
    ) -> SharedFetch {
        let inner = Arc::clone(&self.inner);
        let fut: BoxFuture<'static, Result<Arc<TokenResponse>, Arc<Error>>> =
            Box::pin(async move {
                let mut guard = AbandonGuard {
                    inner: Arc::clone(&inner),
                    grant: grant.clone(),
                    ticket,
                    armed: true,
                };
                let response = inner.http.execute(request).await;
                guard.armed = false;
                let mut in_flight = inner
                    .in_flight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let mut cache = inner.cache.lock().unwrap_or_else(PoisonError::into_inner);
                let out = match response {
                    Ok(res) => cache.on_response(ticket, &inner.client, &grant, &res, now),
                    Err(source) => {
                        cache.abandon(ticket, &grant);
                        Err(Error::Transport {
                            endpoint: "token endpoint",
                            source,
                        })
                    }
                };
                if out.is_err() {
                    cache.abandon(ticket, &grant);
                }
                in_flight.remove(&Key::of(&grant));
                out.map_err(Arc::new)
            });
        fut.shared()
    }
}

/// Abandons the fetch if its future is dropped before the response arrives.
struct AbandonGuard {
    inner: Arc<Inner>,
    grant: ClientCredentials,
    ticket: u64,
    armed: bool,
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if self.armed {
            let mut in_flight = self
                .inner
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.inner
                .cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .abandon(self.ticket, &self.grant);
            in_flight.remove(&Key::of(&self.grant));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use http::header::CONTENT_TYPE;

    use super::*;
    use crate::{AuthorizationServerMetadata, ClientAuth};

    fn client() -> Client {
        Client::new(
            "svc",
            ClientAuth::none(),
            AuthorizationServerMetadata::new("https://as.example")
                .with_token_endpoint("https://as.example/token"),
        )
    }

    fn ok(token: &str, expires_in: u64) -> HttpResponse {
        http::Response::builder()
            .status(200)
            .header(CONTENT_TYPE, "application/json")
            .body(
                format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#)
                    .into_bytes(),
            )
            .unwrap()
    }

    fn fetch(step: CacheStep) -> (u64, Option<Arc<TokenResponse>>) {
        match step {
            CacheStep::Fetch {
                ticket, current, ..
            } => (ticket, current),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_state_machine_hands_out_refreshes_ahead_and_expires() {
        let c = client();
        let g = ClientCredentials::new().scope("a");
        let mut cache = TokenCache::new(TokenCacheConfig::default());
        let (t1, current) = fetch(cache.step(&c, &g, UnixTime(0)).unwrap());
        assert!(current.is_none());
        // A second caller while the first fetch is in flight waits.
        assert!(matches!(
            cache.step(&c, &g, UnixTime(0)).unwrap(),
            CacheStep::Wait
        ));
        cache
            .on_response(t1, &c, &g, &ok("one", 600), UnixTime(0))
            .unwrap();
        // Fresh until 600 - 60.
        for now in [1, 300, 539] {
            match cache.step(&c, &g, UnixTime(now)).unwrap() {
                CacheStep::Use(t) => assert_eq!(t.access_token().secret(), "one"),
                other => panic!("{now}: {other:?}"),
            }
        }
        // In the refresh window: one caller fetches, with the current token to use meanwhile;
        // the others keep the current token.
        let (t2, current) = fetch(cache.step(&c, &g, UnixTime(540)).unwrap());
        assert_eq!(current.unwrap().access_token().secret(), "one");
        assert!(matches!(
            cache.step(&c, &g, UnixTime(541)).unwrap(),
            CacheStep::Use(_)
        ));
        assert!(cache.peek(&g, UnixTime(541)).is_some());
        // Past usable (600 - 5) with the refresh still in flight: wait.
        assert!(matches!(
            cache.step(&c, &g, UnixTime(595)).unwrap(),
            CacheStep::Wait
        ));
        cache
            .on_response(t2, &c, &g, &ok("two", 600), UnixTime(596))
            .unwrap();
        match cache.step(&c, &g, UnixTime(600)).unwrap() {
            CacheStep::Use(t) => assert_eq!(t.access_token().secret(), "two"),
            other => panic!("{other:?}"),
        }
        assert_eq!(cache.fetch_count(), 2);
        // Another scope is another key; the order of resources does not matter.
        let (_, _) = fetch(
            cache
                .step(&c, &ClientCredentials::new().scope("b"), UnixTime(600))
                .unwrap(),
        );
        let r1 = ClientCredentials::new()
            .resource("https://x/")
            .resource("https://y/");
        let r2 = ClientCredentials::new()
            .resource("https://y/")
            .resource("https://x/");
        let (t, _) = fetch(cache.step(&c, &r1, UnixTime(600)).unwrap());
        cache
            .on_response(t, &c, &r1, &ok("r", 600), UnixTime(600))
            .unwrap();
        assert!(matches!(
            cache.step(&c, &r2, UnixTime(601)).unwrap(),
            CacheStep::Use(_)
        ));
    }

    #[test]
    fn failures_and_lost_fetches_free_the_key() {
        let c = client();
        let g = ClientCredentials::new();
        let mut cache = TokenCache::new(TokenCacheConfig::default());
        let (t, _) = fetch(cache.step(&c, &g, UnixTime(0)).unwrap());
        let bad = http::Response::builder()
            .status(400)
            .header(CONTENT_TYPE, "application/json")
            .body(br#"{"error":"invalid_client"}"#.to_vec())
            .unwrap();
        assert!(cache.on_response(t, &c, &g, &bad, UnixTime(0)).is_err());
        cache.abandon(t, &g);
        let (t, _) = fetch(cache.step(&c, &g, UnixTime(1)).unwrap());
        // Lost: after fetch_timeout another fetch may start.
        assert!(matches!(
            cache.step(&c, &g, UnixTime(30)).unwrap(),
            CacheStep::Wait
        ));
        let (t2, _) = fetch(cache.step(&c, &g, UnixTime(61)).unwrap());
        assert_ne!(t, t2);
        // Short-lived tokens refresh at half their lifetime.
        cache
            .on_response(t2, &c, &g, &ok("short", 20), UnixTime(61))
            .unwrap();
        assert!(matches!(
            cache.step(&c, &g, UnixTime(70)).unwrap(),
            CacheStep::Use(_)
        ));
        let _ = fetch(cache.step(&c, &g, UnixTime(71)).unwrap());
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = client();
        let mut cache = TokenCache::new(TokenCacheConfig {
            max_entries: 3,
            ..TokenCacheConfig::default()
        });
        for i in 0..10 {
            let g = ClientCredentials::new().scope(format!("s{i}"));
            let (t, _) = fetch(cache.step(&c, &g, UnixTime(0)).unwrap());
            cache
                .on_response(t, &c, &g, &ok("x", 600 + i), UnixTime(0))
                .unwrap();
            assert!(cache.entries.len() <= 3);
        }
    }

    /// 1,000 concurrent callers on a cold cache cause exactly one token request.
    #[test]
    fn a_thousand_concurrent_callers_share_one_request() {
        let calls = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&calls);
        let http = move |_req: HttpRequest| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                // Yield a few times so every caller reaches the cache while the request is in
                // flight.
                for _ in 0..10 {
                    YieldNow(false).await;
                }
                Ok::<_, tessera_core::TransportError>(ok("shared", 3600))
            }
        };
        let tokens = CachedTokens::new(client(), Arc::new(http));
        let grant = ClientCredentials::new().scope("s");
        let callers = (0..1000).map(|_| {
            let tokens = tokens.clone();
            let grant = grant.clone();
            async move { tokens.token(&grant, UnixTime(0)).await }
        });
        let results = futures_executor::block_on(futures_util::future::join_all(callers));
        assert_eq!(results.len(), 1000);
        for r in results {
            assert_eq!(r.unwrap().access_token().secret(), "shared");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(tokens.fetch_count(), 1);
    }

    /// A future that is pending once, waking itself.
    struct YieldNow(bool);

    impl std::future::Future for YieldNow {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                std::task::Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        }
    }
}
