//! ID token validation by the letter of OpenID Connect Core §3.1.3.7 (and §3.2.2.9, §3.3.2.11
//! for `at_hash` and `c_hash`, §12.2 for refreshed ID tokens).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;
use tessera_core::{UnixTime, b64};
use tessera_jose::JwsAlgorithm;
use tessera_jose::jwe::{CompactJwe, DecryptionKey, JweOptions};
use tessera_jose::jws::JwsHeader;
use tessera_jwt::{AsyncKeyResolver, KeyStore, Policy};

use crate::Error;
use crate::error::IdTokenProblem;
use crate::provider::{Provider, iss_fits_template};

/// What the ID token must match besides the provider and the client: the values of the
/// request that led to it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Expected<'a> {
    /// The `nonce` sent with the authorization request: the ID token must carry it.
    pub nonce: Option<&'a str>,
    /// The `max_age` asked for: `auth_time` must be present and recent enough.
    pub max_age: Option<u64>,
    /// `acr` values of which the token's `acr` must be one (when the request made `acr`
    /// essential).
    pub acr_values: &'a [String],
    /// The access token issued with the ID token, for `at_hash`.
    pub access_token: Option<&'a str>,
    /// The authorization code, for `c_hash` (hybrid flows).
    pub code: Option<&'a str>,
}

impl<'a> Expected<'a> {
    /// Nothing beyond the provider and the client.
    pub fn none() -> Self {
        Expected::default()
    }

    /// The `nonce` sent.
    pub fn nonce(mut self, nonce: &'a str) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// The `max_age` asked for.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// The `acr` values required.
    pub fn acr_values(mut self, values: &'a [String]) -> Self {
        self.acr_values = values;
        self
    }

    /// The access token issued with the ID token.
    pub fn access_token(mut self, token: &'a str) -> Self {
        self.access_token = Some(token);
        self
    }

    /// The authorization code.
    pub fn code(mut self, code: &'a str) -> Self {
        self.code = Some(code);
        self
    }
}

/// A validated ID token: its header, and its claims (every member, the OpenID ones typed).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IdToken {
    header: JwsHeader,
    claims: Map<String, Value>,
    token: String,
}

impl IdToken {
    /// The JWS header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// Every claim, as sent.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims read into the caller's type (standard claims, custom ones).
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(Value::Object(self.claims.clone()))
    }

    /// The token as received (for `id_token_hint` at logout).
    pub fn as_str(&self) -> &str {
        &self.token
    }

    fn str(&self, claim: &str) -> Option<&str> {
        self.claims.get(claim).and_then(Value::as_str)
    }

    /// `iss`.
    pub fn issuer(&self) -> &str {
        self.str("iss").unwrap_or_default()
    }

    /// `sub`: who the user is, unique within the issuer.
    pub fn subject(&self) -> &str {
        self.str("sub").unwrap_or_default()
    }

    /// `nonce`, if present.
    pub fn nonce(&self) -> Option<&str> {
        self.str("nonce")
    }

    /// `sid` (the session, for logout), if present.
    pub fn sid(&self) -> Option<&str> {
        self.str("sid")
    }

    /// `auth_time`, if present.
    pub fn auth_time(&self) -> Option<UnixTime> {
        self.claims
            .get("auth_time")
            .and_then(Value::as_u64)
            .map(UnixTime)
    }

    /// `exp`.
    pub fn expires_at(&self) -> Option<UnixTime> {
        self.claims.get("exp").and_then(Value::as_u64).map(UnixTime)
    }
}

/// Validates a client's ID tokens from one provider.
#[derive(Debug, Clone)]
pub struct IdTokenVerifier {
    client_id: String,
    issuer: String,
    template: bool,
    policy: Policy,
    hmac: Option<KeyStore>,
    decryption: Option<DecryptionKey>,
    leeway: u64,
}

impl IdTokenVerifier {
    /// A verifier for `client_id`'s ID tokens from `provider`: signed with one of the
    /// algorithms the provider advertises (`id_token_signing_alg_values_supported`, RS256
    /// when silent; never `none`, never HMAC unless [`with_client_secret`](Self::with_client_secret)).
    pub fn new(provider: &Provider, client_id: impl Into<String>) -> Result<Self, Error> {
        let algs: Vec<JwsAlgorithm> = provider
            .id_token_algorithms()
            .into_iter()
            .filter(|a| !a.is_symmetric())
            .collect();
        Self::build(provider, client_id.into(), algs, None)
    }

    /// A verifier for a client that registered `id_token_signed_response_alg` = `alg`: only
    /// that algorithm is accepted.
    pub fn with_algorithm(
        provider: &Provider,
        client_id: impl Into<String>,
        alg: JwsAlgorithm,
    ) -> Result<Self, Error> {
        Self::build(provider, client_id.into(), vec![alg], None)
    }

    /// Also accepts HS256/384/512 ID tokens keyed with the client secret — only for a client
    /// that registered an HMAC `id_token_signed_response_alg` (Core §10.1).
    pub fn with_client_secret(mut self, secret: &[u8], alg: JwsAlgorithm) -> Result<Self, Error> {
        let key = tessera_jose::VerifyingKey::from_hmac_secret(secret, alg)?;
        self.hmac = Some(KeyStore::single(key));
        let mut algs = self.policy.algorithms().to_vec();
        if !algs.contains(&alg) {
            algs.push(alg);
        }
        self.policy = Self::policy(
            &self.issuer,
            self.template,
            &self.client_id,
            algs,
            self.leeway,
        )?;
        Ok(self)
    }

    /// The client id the ID tokens are for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The key encrypted ID tokens and UserInfo responses are decrypted with, if any.
    pub fn decryption_key(&self) -> Option<&DecryptionKey> {
        self.decryption.as_ref()
    }

    /// Decrypts encrypted ID tokens (JWE) with `key` first (Core §10.2).
    pub fn with_decryption_key(mut self, key: DecryptionKey) -> Self {
        self.decryption = Some(key);
        self
    }

    /// Allows `secs` of clock skew on `exp`, `iat` and `auth_time` (default 60).
    pub fn with_leeway(mut self, secs: u64) -> Result<Self, Error> {
        self.leeway = secs;
        let algs = self.policy.algorithms().to_vec();
        self.policy = Self::policy(&self.issuer, self.template, &self.client_id, algs, secs)?;
        Ok(self)
    }

    fn build(
        provider: &Provider,
        client_id: String,
        algs: Vec<JwsAlgorithm>,
        hmac: Option<KeyStore>,
    ) -> Result<Self, Error> {
        let issuer = provider.metadata().issuer.clone();
        let template = issuer.contains("{tenantid}");
        let leeway = tessera_jwt::DEFAULT_LEEWAY_SECS;
        let policy = Self::policy(&issuer, template, &client_id, algs, leeway)?;
        Ok(IdTokenVerifier {
            client_id,
            issuer,
            template,
            policy,
            hmac,
            decryption: None,
            leeway,
        })
    }

    fn policy(
        issuer: &str,
        template: bool,
        client_id: &str,
        algs: Vec<JwsAlgorithm>,
        leeway: u64,
    ) -> Result<Policy, Error> {
        let b = Policy::builder()
            .algorithms(algs)
            .audience(client_id)
            .required_claims(["sub", "iat", "exp"])
            .leeway(leeway);
        // A template issuer is checked here against the token's `tid` instead.
        let b = if template {
            b.insecure_skip_issuer_check()
        } else {
            b.issuer(issuer)
        };
        Ok(b.build()?)
    }

    /// Validates `token` at `now` against the provider's keys (fetched as needed) and
    /// `expected`, in the order of Core §3.1.3.7.
    pub async fn verify(
        &self,
        provider: &Provider,
        token: &str,
        expected: &Expected<'_>,
        now: UnixTime,
    ) -> Result<IdToken, Error> {
        self.verify_with_keys(provider.keys(), token, expected, now)
            .await
    }

    /// [`verify`](Self::verify) with keys from elsewhere.
    pub async fn verify_with_keys(
        &self,
        keys: &(impl AsyncKeyResolver + ?Sized),
        token: &str,
        expected: &Expected<'_>,
        now: UnixTime,
    ) -> Result<IdToken, Error> {
        let decrypted;
        let token = if token.bytes().filter(|b| *b == b'.').count() == 4 {
            let key = self
                .decryption
                .as_ref()
                .ok_or(Error::IdToken(IdTokenProblem::Encrypted))?;
            let jwe = CompactJwe::parse(token, &JweOptions::default())?;
            let plain = jwe.decrypt(key)?;
            decrypted = String::from_utf8(plain).map_err(|_| {
                Error::IdToken(IdTokenProblem::WrongType {
                    claim: "(nested token)",
                    expected: "UTF-8 text",
                })
            })?;
            decrypted.as_str()
        } else {
            token
        };
        // Parsed here to choose the keys; the policy parses it again to verify. Its errors are
        // the policy's (a JWT error), whichever parse finds them.
        let jws =
            tessera_jose::jws::CompactJws::parse(token, &tessera_jose::jws::JwsOptions::default())
                .map_err(|e| Error::Jwt(tessera_jwt::Error::Jose(e)))?;
        let header = jws.header();
        let hmac = header.alg.is_symmetric();
        // A token that names no key, from a provider that publishes several for its algorithm,
        // is refused rather than tried against each (OpenID RP conformance,
        // rp-id_token-kid-absent-multiple-jwks).
        if header.kid.is_none() && !hmac {
            let request = tessera_jwt::KeyRequest::new(header, jws.payload_segment(), now);
            let store = keys.resolve_async(&request).await?;
            if store.candidates(None, header.alg).nth(1).is_some() {
                return Err(Error::IdToken(IdTokenProblem::AmbiguousKey));
            }
        }
        let verified = match (&self.hmac, hmac) {
            (Some(store), true) => {
                self.policy
                    .verify_async_at::<Map<String, Value>>(token, store, now)
                    .await?
            }
            _ => {
                self.policy
                    .verify_async_at::<Map<String, Value>>(token, keys, now)
                    .await?
            }
        };
        let (header, claims) = verified.into_parts();
        let id = IdToken {
            header,
            claims: claims.custom,
            token: token.to_owned(),
        };
        self.check(&id, expected, now)?;
        Ok(id)
    }

    /// The OpenID checks after the signature and the registered claims.
    fn check(&self, id: &IdToken, expected: &Expected<'_>, now: UnixTime) -> Result<(), Error> {
        let fail = |p| Err(Error::IdToken(p));
        let c = &id.claims;
        let string = |claim: &'static str| -> Result<Option<&str>, Error> {
            match c.get(claim) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(Error::IdToken(IdTokenProblem::WrongType {
                    claim,
                    expected: "a string",
                })),
            }
        };
        // Issuer template (Entra ID): `iss` is the template with the token's own `tid`.
        if self.template {
            let iss = string("iss")?.unwrap_or_default();
            if !iss_fits_template(&self.issuer, iss, string("tid")?) {
                return fail(IdTokenProblem::IssuerTemplate {
                    found: iss.to_owned(),
                });
            }
        }
        // `sub`: required and a string (the policy required it; its type is checked here).
        if string("sub")?.is_none_or(str::is_empty) {
            return fail(IdTokenProblem::Missing { claim: "sub" });
        }
        // `azp` (§3.1.3.7 items 4 and 5).
        let several = matches!(c.get("aud"), Some(Value::Array(a)) if a.len() > 1);
        match string("azp")? {
            Some(azp) if azp != self.client_id => {
                return fail(IdTokenProblem::Azp {
                    found: Some(azp.to_owned()),
                });
            }
            None if several => return fail(IdTokenProblem::Azp { found: None }),
            _ => {}
        }
        // `nonce` (item 11), in constant time.
        match (expected.nonce, string("nonce")?) {
            (Some(want), Some(got)) => {
                if !bool::from(want.as_bytes().ct_eq(got.as_bytes())) {
                    return fail(IdTokenProblem::NonceMismatch);
                }
            }
            (Some(_), None) => return fail(IdTokenProblem::Missing { claim: "nonce" }),
            (None, Some(_)) => return fail(IdTokenProblem::UnexpectedNonce),
            (None, None) => {}
        }
        // `auth_time` with `max_age` (item 13).
        let auth_time = match c.get("auth_time") {
            None => None,
            Some(v) => Some(v.as_u64().ok_or(Error::IdToken(IdTokenProblem::WrongType {
                claim: "auth_time",
                expected: "a non-negative integer",
            }))?),
        };
        if let Some(max_age) = expected.max_age {
            let Some(at) = auth_time else {
                return fail(IdTokenProblem::Missing { claim: "auth_time" });
            };
            if now.0 > at.saturating_add(max_age).saturating_add(self.leeway) {
                return fail(IdTokenProblem::AuthTooOld {
                    auth_time: at,
                    max_age,
                });
            }
        }
        // `acr` (item 12).
        if !expected.acr_values.is_empty() {
            match string("acr")? {
                None => return fail(IdTokenProblem::Missing { claim: "acr" }),
                Some(acr) if !expected.acr_values.iter().any(|v| v == acr) => {
                    return fail(IdTokenProblem::Acr {
                        found: acr.to_owned(),
                    });
                }
                Some(_) => {}
            }
        }
        // `at_hash` and `c_hash`, whenever present and the value is known.
        let alg = id.header.alg;
        if let (Some(h), Some(at)) = (string("at_hash")?, expected.access_token)
            && !half_hash_matches(alg, at, h)
        {
            return fail(IdTokenProblem::AtHash);
        }
        if let (Some(h), Some(code)) = (string("c_hash")?, expected.code)
            && !half_hash_matches(alg, code, h)
        {
            return fail(IdTokenProblem::CHash);
        }
        Ok(())
    }

    /// Validates an ID token from a refresh (Core §12.2): like any other, without a `nonce`,
    /// and with the same `iss`, `sub` and `aud` as `original`.
    pub async fn verify_refreshed(
        &self,
        provider: &Provider,
        original: &IdToken,
        token: &str,
        access_token: Option<&str>,
        now: UnixTime,
    ) -> Result<IdToken, Error> {
        let mut expected = Expected::none();
        expected.access_token = access_token;
        // A refreshed ID token may repeat the original nonce; it is not compared.
        let id = match self.verify(provider, token, &expected, now).await {
            Err(Error::IdToken(IdTokenProblem::UnexpectedNonce)) => {
                let mut e = Expected::none();
                e.access_token = access_token;
                e.nonce = original.nonce();
                self.verify(provider, token, &e, now).await?
            }
            other => other?,
        };
        for claim in ["iss", "sub", "aud"] {
            if id.claims.get(claim) != original.claims.get(claim) {
                return Err(Error::IdToken(IdTokenProblem::RefreshChanged { claim }));
            }
        }
        Ok(id)
    }
}

/// `at_hash`/`c_hash`: base64url of the left half of the hash of `value` with the hash of the
/// JWS algorithm (SHA-512 for EdDSA with Ed25519), compared in constant time.
fn half_hash_matches(alg: JwsAlgorithm, value: &str, claim: &str) -> bool {
    use JwsAlgorithm as A;
    let digest: Vec<u8> = match alg {
        A::HS256 | A::RS256 | A::PS256 | A::ES256 => Sha256::digest(value.as_bytes()).to_vec(),
        A::HS384 | A::RS384 | A::PS384 | A::ES384 => Sha384::digest(value.as_bytes()).to_vec(),
        A::HS512 | A::RS512 | A::PS512 | A::ES512 | A::EdDSA | A::Ed25519 => {
            Sha512::digest(value.as_bytes()).to_vec()
        }
        _ => return false,
    };
    let want = b64::encode(&digest[..digest.len() / 2]);
    bool::from(want.as_bytes().ct_eq(claim.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID Connect Core §A.3's example: `at_hash` of its access token.
    #[test]
    fn at_hash_of_the_core_example() {
        // Access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" with RS256:
        // at_hash "77QmUPtjPfzWtF2AnpK9RQ" (Core §A.3).
        assert!(half_hash_matches(
            JwsAlgorithm::RS256,
            "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
            "77QmUPtjPfzWtF2AnpK9RQ"
        ));
        // c_hash of Core §A.4's code "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
        // is "LDktKdoQak3Pk0cnXxCltA".
        assert!(half_hash_matches(
            JwsAlgorithm::RS256,
            "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk",
            "LDktKdoQak3Pk0cnXxCltA"
        ));
        assert!(!half_hash_matches(
            JwsAlgorithm::RS256,
            "another token",
            "77QmUPtjPfzWtF2AnpK9RQ"
        ));
    }
}
