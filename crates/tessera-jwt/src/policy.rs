//! The verification policy and the verified token it produces.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tessera_core::{Clock, SystemClock, UnixTime};
use tessera_jose::JwsAlgorithm;
use tessera_jose::VerifyingKey;
use tessera_jose::jws::{CompactJws, JwsHeader, JwsOptions};

use crate::Error;
use crate::claims::{self, Claims, RegisteredClaims};
use crate::error::PolicyProblem;
use crate::keys::{AsyncKeyResolver, KeyRequest, KeyResolver, KeyStore};

/// Default leeway for `exp`, `nbf` and `iat`: 30 seconds of clock skew.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

type Hook = dyn Fn(&JwsHeader, &RegisteredClaims<'_>) -> Result<(), String> + Send + Sync;

/// An immutable, reusable verification policy: which algorithms, issuers, audiences, token
/// types and claims are acceptable, and how much clock skew is tolerated. Build one with
/// [`Policy::builder`] at start-up and share it (`Policy` is `Send + Sync` and cheap to clone).
///
/// What [`Policy::verify`] checks, in order:
///
/// 1. the token size (default cap 16 KiB), its compact structure, strict base64url, a strict
///    header (no repeated members) and `crit` (only the extensions listed with
///    [`PolicyBuilder::crit`]);
/// 2. `alg` is on the allow-list (which may span key families: `RS256` and `ES256` together is
///    fine — each key is bound to one algorithm);
/// 3. `typ`, when the policy names types (compared case-insensitively, `application/` optional,
///    RFC 7515 §4.1.9);
/// 4. the signature, with the resolver's keys for the token's `kid` and `alg`;
/// 5. the claims, in one pass: registered claims of the wrong JSON type and repeated claims are
///    errors;
/// 6. required claims (`exp` by default), then `exp`, `nbf`, `iat` (not in the future; the
///    maximum age, if set), each with the leeway; `iss` (exact match against the configured
///    issuers); `aud` (at least one configured audience); and finally the application's hook.
#[derive(Clone)]
pub struct Policy {
    algorithms: Vec<JwsAlgorithm>,
    issuers: Vec<String>,
    audiences: Option<Vec<String>>,
    pub(crate) required: Vec<String>,
    types: Option<Vec<String>>,
    leeway: u64,
    max_age: Option<u64>,
    jws: JwsOptions,
    hook: Option<Arc<Hook>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("algorithms", &self.algorithms)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("required", &self.required)
            .field("types", &self.types)
            .field("leeway", &self.leeway)
            .field("max_age", &self.max_age)
            .field("crit", &self.jws.crit)
            .field("max_token_bytes", &self.jws.max_len)
            .field("hook", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Policy`].
#[derive(Clone)]
pub struct PolicyBuilder {
    pub(crate) p: Policy,
    pub(crate) audience_waived: bool,
    pub(crate) issuer_waived: bool,
}

impl fmt::Debug for PolicyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyBuilder")
            .field("policy", &self.p)
            .field("audience_waived", &self.audience_waived)
            .field("issuer_waived", &self.issuer_waived)
            .finish()
    }
}

impl Default for PolicyBuilder {
    fn default() -> Self {
        PolicyBuilder {
            p: Policy {
                algorithms: Vec::new(),
                issuers: Vec::new(),
                audiences: Some(Vec::new()),
                required: vec!["exp".to_owned()],
                types: None,
                leeway: DEFAULT_LEEWAY_SECS,
                max_age: None,
                jws: JwsOptions::default(),
                hook: None,
                clock: Arc::new(SystemClock),
            },
            audience_waived: false,
            issuer_waived: false,
        }
    }
}

impl PolicyBuilder {
    /// Allows one more algorithm.
    pub fn algorithm(mut self, alg: JwsAlgorithm) -> Self {
        if !self.p.algorithms.contains(&alg) {
            self.p.algorithms.push(alg);
        }
        self
    }

    /// Allows these algorithms.
    pub fn algorithms(mut self, algs: impl IntoIterator<Item = JwsAlgorithm>) -> Self {
        for a in algs {
            self = self.algorithm(a);
        }
        self
    }

    /// Accepts tokens from this issuer (exact comparison; `iss` is then required). An issuer is
    /// required unless explicitly waived with
    /// [`insecure_skip_issuer_check`](PolicyBuilder::insecure_skip_issuer_check).
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.p.issuers.push(iss.into());
        self
    }

    /// Accepts tokens from any of these issuers.
    pub fn issuers<S: Into<String>>(mut self, iss: impl IntoIterator<Item = S>) -> Self {
        self.p.issuers.extend(iss.into_iter().map(Into::into));
        self
    }

    /// Accepts tokens for this audience. An audience is required unless explicitly waived with
    /// [`insecure_skip_audience_check`](PolicyBuilder::insecure_skip_audience_check).
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.p
            .audiences
            .get_or_insert_with(Vec::new)
            .push(aud.into());
        self
    }

    /// Accepts tokens for any of these audiences.
    pub fn audiences<S: Into<String>>(mut self, aud: impl IntoIterator<Item = S>) -> Self {
        for a in aud {
            self = self.audience(a);
        }
        self
    }

    /// Does not check `aud`. Only for tokens that are by construction meant for this
    /// application alone (e.g. a session token it issued itself with its own HMAC key).
    pub fn insecure_skip_audience_check(mut self) -> Self {
        self.audience_waived = true;
        self
    }

    /// Does not check `iss`. Only for tokens whose key alone says who issued them (e.g. a
    /// token this application signed with its own HMAC key).
    pub fn insecure_skip_issuer_check(mut self) -> Self {
        self.issuer_waived = true;
        self
    }

    /// The clock [`Policy::verify`] and [`Policy::verify_async`] read (default: the system
    /// clock). Tests pass a `FixedClock`; the `_at` variants take the time explicitly.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.p.clock = Arc::new(clock);
        self
    }

    /// Accepts tokens without `exp` that show their freshness instead, as proofs of
    /// possession do (a DPoP proof has `iat` and `jti`, no `exp`): `iat` and `jti` are then
    /// required and `iat` may be at most `secs` old (the leeway added). A token that has an
    /// `exp` must still not have expired. Replay protection by `jti` is the caller's.
    pub fn fresh_within(mut self, secs: u64) -> Self {
        self.p.required.retain(|c| c != "exp");
        self.max_age(secs).require("jti")
    }

    /// Requires a claim (registered or not) to be present.
    pub fn require(mut self, claim: impl Into<String>) -> Self {
        let c = claim.into();
        if !self.p.required.contains(&c) {
            self.p.required.push(c);
        }
        self
    }

    /// Requires each of these claims to be present.
    pub fn required_claims<S: Into<String>>(mut self, claims: impl IntoIterator<Item = S>) -> Self {
        for c in claims {
            self = self.require(c);
        }
        self
    }

    /// Accepts tokens without `exp` (by default `exp` is required). Tokens that never expire
    /// are rarely what anyone wants.
    pub fn insecure_allow_missing_exp(mut self) -> Self {
        self.p.required.retain(|c| c != "exp");
        self
    }

    /// Accepts this `typ` header value (e.g. `at+jwt`, `JWT`). Once any type is set, `typ` is
    /// required and must match one of them.
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.p.types.get_or_insert_with(Vec::new).push(typ.into());
        self
    }

    /// Clock-skew tolerance for `exp`, `nbf` and `iat`, in seconds (default
    /// [`DEFAULT_LEEWAY_SECS`] = 30).
    pub fn leeway(mut self, secs: u64) -> Self {
        self.p.leeway = secs;
        self
    }

    /// Refuses tokens issued more than `secs` seconds ago (requires `iat`).
    pub fn max_age(mut self, secs: u64) -> Self {
        self.p.max_age = Some(secs);
        self.require("iat")
    }

    /// Understands the `crit` header extension `name` (the application enforces it itself).
    pub fn crit(mut self, name: impl Into<String>) -> Self {
        self.p.jws.crit.push(name.into());
        self
    }

    /// The largest token accepted, in bytes (default 16 KiB); checked before any parsing.
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.p.jws.max_len = bytes;
        self
    }

    /// The application's own check, run last on a token that passed everything else. Return
    /// `Err(reason)` to refuse it ([`Error::Rejected`]).
    pub fn check(
        mut self,
        hook: impl Fn(&JwsHeader, &RegisteredClaims<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.p.hook = Some(Arc::new(hook));
        self
    }

    /// Checks the configuration and builds the policy: at least one algorithm; an issuer and
    /// an audience, or their checks explicitly waived.
    pub fn build(mut self) -> Result<Policy, Error> {
        if self.p.algorithms.is_empty() {
            return Err(Error::InvalidPolicy {
                problem: PolicyProblem::NoAlgorithm,
            });
        }
        if self.p.issuers.is_empty() && !self.issuer_waived {
            return Err(Error::InvalidPolicy {
                problem: PolicyProblem::NoIssuer,
            });
        }
        if self.audience_waived {
            self.p.audiences = None;
        } else if self.p.audiences.as_ref().is_none_or(Vec::is_empty) {
            return Err(Error::InvalidPolicy {
                problem: PolicyProblem::NoAudience,
            });
        }
        if let Some(types) = &self.p.types
            && types.iter().any(|t| t.is_empty())
        {
            return Err(Error::InvalidPolicy {
                problem: PolicyProblem::EmptyType,
            });
        }
        Ok(self.p)
    }
}

/// A token whose signature and claims were verified by a [`Policy`]. Only verification creates
/// one, so a function that takes `Verified<T>` cannot be handed an unchecked token.
#[derive(Clone, Debug)]
pub struct Verified<'a, T> {
    header: JwsHeader,
    claims: Claims<'a, T>,
}

impl<'a, T> Verified<'a, T> {
    /// The protected header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }
    /// The claims.
    pub fn claims(&self) -> &Claims<'a, T> {
        &self.claims
    }
    /// The application's own claims.
    pub fn custom(&self) -> &T {
        &self.claims.custom
    }
    /// The claims, giving up the header.
    pub fn into_claims(self) -> Claims<'a, T> {
        self.claims
    }
    /// The header and the claims.
    pub fn into_parts(self) -> (JwsHeader, Claims<'a, T>) {
        (self.header, self.claims)
    }
    /// A copy whose registered claims borrow nothing.
    pub fn into_owned(self) -> Verified<'static, T> {
        Verified {
            header: self.header,
            claims: self.claims.into_owned(),
        }
    }
}

fn normalize_typ(t: &str) -> &str {
    match t.get(..12) {
        Some(p) if p.eq_ignore_ascii_case("application/") => t.get(12..).unwrap_or(""),
        _ => t,
    }
}

/// Whether two `typ` values name the same media type (RFC 7515 §4.1.9).
pub fn typ_matches(a: &str, b: &str) -> bool {
    normalize_typ(a).eq_ignore_ascii_case(normalize_typ(b))
}

impl Policy {
    /// A builder with the defaults: no algorithm (name at least one), any issuer, an audience
    /// required, `exp` required, 30 s leeway, 16 KiB token cap, no `crit` extensions.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> &[JwsAlgorithm] {
        &self.algorithms
    }

    /// The leeway in seconds.
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// Applies the header rules that follow parsing: a JWT's payload is encoded (RFC 7519
    /// §7.2), the algorithm allow-list, and `typ`.
    fn check_header(&self, header: &JwsHeader) -> Result<(), Error> {
        let (alg, typ) = (header.alg, header.typ.as_deref());
        if !header.payload_is_encoded() {
            return Err(Error::UnencodedPayload);
        }
        if !self.algorithms.contains(&alg) {
            return Err(Error::Jose(tessera_jose::Error::AlgorithmNotAllowed {
                alg: alg.as_str().to_owned(),
            }));
        }
        if let Some(types) = &self.types
            && !typ.is_some_and(|t| types.iter().any(|e| typ_matches(e, t)))
        {
            return Err(Error::WrongType {
                expected: types.clone(),
                found: typ.map(str::to_owned),
            });
        }
        Ok(())
    }

    /// Tries the fitting keys in turn with `verify` until one verifies the signature.
    fn check_signature(
        &self,
        keys: &KeyStore,
        request: &KeyRequest<'_>,
        mut verify: impl FnMut(&VerifyingKey) -> Result<(), tessera_jose::Error>,
    ) -> Result<(), Error> {
        let (kid, alg) = (request.kid(), request.alg());
        let mut tried = false;
        for key in keys.candidates(kid, alg) {
            tried = true;
            if verify(key).is_ok() {
                return Ok(());
            }
        }
        if tried {
            Err(Error::Jose(tessera_jose::Error::InvalidSignature))
        } else {
            Err(Error::Jose(tessera_jose::Error::NoMatchingKey {
                kid: kid.map(str::to_owned),
                alg: alg.as_str().to_owned(),
            }))
        }
    }

    /// Parses and validates the claims of a verified token.
    fn finish<'b, T: Deserialize<'b>>(
        &self,
        header: JwsHeader,
        payload: &'b [u8],
        now: UnixTime,
    ) -> Result<Verified<'b, T>, Error> {
        let parsed = claims::parse::<T>(payload)?;
        for name in &self.required {
            if !parsed.has(name) {
                return Err(Error::MissingClaim {
                    claim: name.clone(),
                });
            }
        }
        self.validate(&header, &parsed.claims.registered, now)?;
        Ok(Verified {
            header,
            claims: parsed.claims,
        })
    }

    /// Applies the time, issuer, audience and hook rules to verified claims.
    fn validate(
        &self,
        header: &JwsHeader,
        c: &RegisteredClaims<'_>,
        now: UnixTime,
    ) -> Result<(), Error> {
        let leeway = self.leeway;
        if let Some(exp) = c.exp
            && now.saturating_sub(leeway) >= exp
        {
            return Err(Error::Expired {
                exp,
                now,
                by: now.since(exp).unwrap_or(0),
                leeway,
            });
        }
        if let Some(nbf) = c.nbf
            && now.saturating_add(leeway) < nbf
        {
            return Err(Error::NotYetValid {
                nbf,
                now,
                in_secs: nbf.since(now).unwrap_or(0),
                leeway,
            });
        }
        if let Some(iat) = c.iat {
            if now.saturating_add(leeway) < iat {
                return Err(Error::IssuedInFuture { iat, now });
            }
            if let Some(max_age) = self.max_age {
                let age = now.since(iat).unwrap_or(0);
                if age > max_age.saturating_add(leeway) {
                    return Err(Error::TooOld { iat, age, max_age });
                }
            }
        }
        if !self.issuers.is_empty() {
            let Some(iss) = c.iss.as_deref() else {
                return Err(Error::MissingClaim {
                    claim: "iss".into(),
                });
            };
            if !self.issuers.iter().any(|i| i == iss) {
                return Err(Error::WrongIssuer {
                    expected: self.issuers.clone(),
                    found: iss.to_owned(),
                });
            }
        }
        if let Some(audiences) = &self.audiences {
            let Some(aud) = &c.aud else {
                return Err(Error::MissingClaim {
                    claim: "aud".into(),
                });
            };
            if !aud.iter().any(|a| audiences.iter().any(|e| e == a)) {
                return Err(Error::WrongAudience {
                    expected: audiences.clone(),
                    found: aud.iter().map(str::to_owned).collect(),
                });
            }
        }
        if let Some(hook) = &self.hook {
            hook(header, c).map_err(|reason| Error::Rejected { reason })?;
        }
        Ok(())
    }

    /// Verifies `token` at the policy's clock's time (the system clock unless
    /// [`PolicyBuilder::clock`] says otherwise) with keys found without I/O (a [`KeyStore`],
    /// [`EmbeddedKey`](crate::EmbeddedKey), or a resolver of the application's), and returns
    /// owned claims. A resolver that may need to fetch (a remote JWK Set) goes to
    /// [`verify_async`](Policy::verify_async).
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        keys: &(impl KeyResolver + ?Sized),
    ) -> Result<Verified<'static, T>, Error> {
        self.verify_at(token, keys, self.clock.now())
    }

    /// [`verify`](Policy::verify) at the time `now`.
    pub fn verify_at<T: DeserializeOwned>(
        &self,
        token: &str,
        keys: &(impl KeyResolver + ?Sized),
        now: UnixTime,
    ) -> Result<Verified<'static, T>, Error> {
        let mut buf = Vec::new();
        self.verify_borrowed::<T>(token, keys, now, &mut buf)
            .map(Verified::into_owned)
    }

    /// [`verify_at`](Policy::verify_at), then the caller's `check` on the verified header and
    /// claims: for per-request values a policy built at start-up cannot know (an expected
    /// `nonce`, a DPoP proof's `htm`/`htu`/`ath`). `Err(reason)` refuses the token
    /// ([`Error::Rejected`]).
    pub fn verify_with<T: DeserializeOwned>(
        &self,
        token: &str,
        keys: &(impl KeyResolver + ?Sized),
        now: UnixTime,
        check: impl FnOnce(&JwsHeader, &Claims<'_, T>) -> Result<(), String>,
    ) -> Result<Verified<'static, T>, Error> {
        let verified = self.verify_at::<T>(token, keys, now)?;
        check(verified.header(), verified.claims()).map_err(|reason| Error::Rejected { reason })?;
        Ok(verified)
    }

    /// Like [`verify_at`](Policy::verify_at), but decodes the payload into `buf` (reusing its
    /// allocation) and lets the claims borrow from it: registered string claims and `T`'s
    /// `&str`/`Cow<str>` fields point into `buf` when they have no escapes.
    pub fn verify_borrowed<'b, T: Deserialize<'b>>(
        &self,
        token: &str,
        keys: &(impl KeyResolver + ?Sized),
        now: UnixTime,
        buf: &'b mut Vec<u8>,
    ) -> Result<Verified<'b, T>, Error> {
        let jws = CompactJws::parse(token, &self.jws)?;
        self.check_header(jws.header())?;
        let request = KeyRequest::new(jws.header(), jws.payload_segment(), now);
        let store = keys.resolve(&request)?;
        self.check_signature(&store, &request, |key| jws.verify_into(key, buf))?;
        drop(store);
        self.finish(jws.into_header(), buf, now)
    }

    /// Verifies `token` at the policy's clock's time, letting the resolver fetch keys if it
    /// needs to (a remote JWK Set on first use, on an unknown `kid` once per cooldown, or when
    /// stale).
    pub async fn verify_async<T: DeserializeOwned>(
        &self,
        token: &str,
        keys: &(impl AsyncKeyResolver + ?Sized),
    ) -> Result<Verified<'static, T>, Error> {
        self.verify_async_at(token, keys, self.clock.now()).await
    }

    /// [`verify_async`](Policy::verify_async) at the time `now`.
    pub async fn verify_async_at<T: DeserializeOwned>(
        &self,
        token: &str,
        keys: &(impl AsyncKeyResolver + ?Sized),
        now: UnixTime,
    ) -> Result<Verified<'static, T>, Error> {
        let jws = CompactJws::parse(token, &self.jws)?;
        self.check_header(jws.header())?;
        let request = KeyRequest::new(jws.header(), jws.payload_segment(), now);
        let mut buf = Vec::new();
        {
            let store = keys.resolve_async(&request).await?;
            self.check_signature(&store, &request, |key| jws.verify_into(key, &mut buf))?;
        }
        self.finish::<T>(jws.into_header(), &buf, now)
            .map(Verified::into_owned)
    }
}
