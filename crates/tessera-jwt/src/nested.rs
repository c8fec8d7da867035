//! Nested JWTs (RFC 7519 §5.2): signed, then encrypted.

use serde::de::DeserializeOwned;
use tessera_core::UnixTime;
use tessera_jose::SigningKey;
use tessera_jose::error::{HeaderProblem, JweProblem};
use tessera_jose::jwe::{self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweOptions};

use crate::keys::{AsyncKeyResolver, KeyResolver};
use crate::{Error, JwtBuilder, Policy, Verified};

/// A nested JWT whose outer JWE was decrypted and whose inner JWS was verified by a [`Policy`].
#[derive(Clone, Debug)]
pub struct VerifiedNested<T> {
    jwe_header: JweHeader,
    jwt: Verified<'static, T>,
}

impl<T> VerifiedNested<T> {
    /// The outer (JWE) header.
    pub fn jwe_header(&self) -> &JweHeader {
        &self.jwe_header
    }
    /// The verified inner token.
    pub fn jwt(&self) -> &Verified<'static, T> {
        &self.jwt
    }
    /// The verified inner token, giving up the JWE header.
    pub fn into_jwt(self) -> Verified<'static, T> {
        self.jwt
    }
}

fn decrypt_inner(
    token: &str,
    key: &DecryptionKey,
    options: &JweOptions,
) -> Result<(JweHeader, String), Error> {
    let jwe = CompactJwe::parse(token, options)?;
    // RFC 7519 §5.2: a nested JWT says so with cty "JWT"; without it the plaintext is not
    // treated as a token.
    if !jwe
        .header()
        .cty
        .as_deref()
        .is_some_and(|c| crate::typ_matches(c, "JWT"))
    {
        return Err(Error::Jose(HeaderProblem::NestedWithoutCtyJwt.into()));
    }
    let inner = jwe.decrypt(key)?;
    let inner =
        String::from_utf8(inner).map_err(|_| Error::Jose(JweProblem::NestedNotUtf8.into()))?;
    Ok((jwe.header().clone(), inner))
}

impl Policy {
    /// Decrypts a nested JWT with `key` (under `options`: algorithms, size, PBES2, `zip`) and
    /// verifies the inner signed token with this policy and `keys`.
    ///
    /// The encryption hides the claims; the inner signature says who issued them. A JWE that
    /// is not nested (no `cty: JWT`) is refused.
    pub fn verify_nested<T: DeserializeOwned>(
        &self,
        token: &str,
        key: &DecryptionKey,
        options: &JweOptions,
        keys: &(impl KeyResolver + ?Sized),
        now: UnixTime,
    ) -> Result<VerifiedNested<T>, Error> {
        let (jwe_header, inner) = decrypt_inner(token, key, options)?;
        let jwt = self.verify_at::<T>(&inner, keys, now)?;
        Ok(VerifiedNested { jwe_header, jwt })
    }

    /// [`verify_nested`](Policy::verify_nested) with a resolver that may fetch keys.
    pub async fn verify_nested_async<T: DeserializeOwned>(
        &self,
        token: &str,
        key: &DecryptionKey,
        options: &JweOptions,
        keys: &(impl AsyncKeyResolver + ?Sized),
        now: UnixTime,
    ) -> Result<VerifiedNested<T>, Error> {
        let (jwe_header, inner) = decrypt_inner(token, key, options)?;
        let jwt = self.verify_async_at::<T>(&inner, keys, now).await?;
        Ok(VerifiedNested { jwe_header, jwt })
    }
}

impl JwtBuilder {
    /// Signs the claims with `signer`, then encrypts the token for `recipient` with
    /// `jwe_header` (`cty: JWT` is set): a nested JWT (RFC 7519 §5.2).
    pub fn sign_then_encrypt(
        &self,
        signer: &SigningKey,
        jwe_header: &JweHeader,
        recipient: &EncryptionKey,
    ) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(jwe::sign_then_encrypt(
            &payload,
            &self.header_for(signer),
            signer,
            jwe_header,
            recipient,
        )?)
    }

    /// [`sign_then_encrypt`](Self::sign_then_encrypt) drawing every random byte from `rng`
    /// ([`jwe::sign_then_encrypt_with_rng`]): with a seeded generator the token is reproducible.
    pub fn sign_then_encrypt_with_rng<R: rand_core::CryptoRng + ?Sized>(
        &self,
        signer: &SigningKey,
        jwe_header: &JweHeader,
        recipient: &EncryptionKey,
        rng: &mut R,
    ) -> Result<String, Error> {
        let payload = self.payload()?;
        Ok(jwe::sign_then_encrypt_with_rng(
            &payload,
            &self.header_for(signer),
            signer,
            jwe_header,
            recipient,
            rng,
        )?)
    }
}
