//! JSON Web Encryption (RFC 7516) with the algorithms of RFC 7518 and RFC 8037, on RustCrypto.
//!
//! - Key management: RSA-OAEP (SHA-1, -256, -384, -512), AES key wrap, AES-GCM key wrap, `dir`,
//!   ECDH-ES (with and without AES key wrap) on P-256, P-384, P-521 and X25519, and PBES2 (off
//!   unless [`JweOptions::allow_pbes2`], with `p2c` capped). `RSA1_5` only decrypts, only behind
//!   [`JweOptions::insecure_allow_rsa1_5`].
//! - Content encryption: AES-GCM and AES-CBC with HMAC-SHA2 (tag compared in constant time,
//!   before any padding is looked at).
//! - Compact and JSON (general and flattened) serializations, AAD, shared and per-recipient
//!   unprotected headers, `crit`, and `zip: DEF` (refused unless enabled; inflated under a hard
//!   cap).
//!
//! A decryption key is bound to one `alg` (and optionally a set of `enc`), so the key is the
//! allow-list: a token asking for another algorithm is refused before any cryptography runs.
//!
//! ```
//! use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
//! use tessera_jose::jwe::{self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweOptions};
//! use tessera_jose::Jwk;
//!
//! // The recipient's X25519 key (RFC 8037 Appendix A.6, "Bob").
//! let bob = Jwk::from_json(br#"{"kty":"OKP","crv":"X25519","kid":"Bob",
//!     "x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08",
//!     "d":"XasIfmJKikt54X-Lg4AO5m87sSkmGLb9HC-LJ_-I4Os"}"#).unwrap();
//!
//! // The sender needs only the public key.
//! let to_bob = EncryptionKey::from_jwk(&bob.to_public().unwrap(), Alg::EcdhEsA256KW).unwrap();
//! let token = jwe::encrypt_compact(&JweHeader::new(Alg::EcdhEsA256KW, Enc::A256Gcm), b"for Bob", &to_bob).unwrap();
//!
//! let key = DecryptionKey::from_jwk(&bob, Alg::EcdhEsA256KW).unwrap();
//! let plaintext = CompactJwe::parse(&token, &JweOptions::default()).unwrap().decrypt(&key).unwrap();
//! assert_eq!(plaintext, b"for Bob");
//! ```
//!
//! # Randomness
//!
//! Encryption draws the CEK, the IVs, ephemeral keys, PBES2 salts and RSA-OAEP padding from the
//! operating system's generator; [`encrypt_compact_with_rng`] and
//! [`JweJsonBuilder::encrypt_with_rng`] take a generator instead (a seeded one gives
//! reproducible tokens for tests). Encrypting with *given* values, to reproduce published
//! vectors, exists only behind the off-by-default cargo feature `hazmat-fixed-jwe-randomness`:
//! a reused key and IV break AES-GCM.
//!
//! # Sender authentication
//!
//! Asymmetric JWE (RSA, ECDH-ES) does **not** authenticate the sender: anyone holding the
//! recipient's public key can produce a valid token. To know who sent it, sign and then
//! encrypt — [`sign_then_encrypt`] and [`decrypt_then_verify`] (a nested JWT, RFC 7519 §5.2,
//! `cty: "JWT"`).

mod compact;
mod crypto;
mod engine;
mod fixed;
mod header;
mod json;
mod keys;

#[cfg(feature = "hazmat-fixed-jwe-randomness")]
pub use compact::encrypt_compact_with_fixed_randomness_for_testing;
pub use compact::{CompactJwe, encrypt_compact, encrypt_compact_with_rng};
#[cfg(feature = "hazmat-fixed-jwe-randomness")]
pub use fixed::FixedRandomnessForTesting;
#[cfg(not(feature = "hazmat-fixed-jwe-randomness"))]
pub(crate) use fixed::FixedRandomnessForTesting;
pub use header::JweHeader;
pub use json::{Decrypted, JweJson, JweJsonBuilder};
pub use keys::{DEFAULT_PBES2_P2C, DecryptionKey, EncryptionKey};

use tessera_core::limits::{DEFAULT_MAX_INFLATED_BYTES, DEFAULT_MAX_TOKEN_BYTES};

use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm, KeyManagementAlgorithm};
use crate::jws::{self, CompactJws, JwsHeader, JwsOptions};
use crate::keys::{SigningKey, VerifyingKey};

/// Parsing and decryption options for JWE. The defaults are safe; every relaxation is a named
/// switch.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JweOptions {
    /// The largest token (compact) or document (JSON) accepted, in bytes (default 16 KiB).
    /// Checked before any parsing.
    pub max_len: usize,
    /// Key management algorithms accepted, if narrower than "all that are enabled".
    pub algs: Option<Vec<KeyManagementAlgorithm>>,
    /// Content encryption algorithms accepted, if narrower than all.
    pub encs: Option<Vec<ContentEncryptionAlgorithm>>,
    /// `crit` extensions the application understands and enforces itself.
    pub crit: Vec<String>,
    /// Accept PBES2 (password-based) tokens. Off by default: each costs `p2c` HMAC rounds.
    pub allow_pbes2: bool,
    /// The largest PBES2 iteration count accepted (default 10,000), checked before any work.
    pub pbes2_max_p2c: u32,
    /// Accept compressed (`zip: DEF`) tokens. Off by default.
    pub allow_zip: bool,
    /// The largest inflated plaintext, in bytes (default 256 KiB); inflation stops there.
    pub max_inflated: usize,
    /// Accept `RSA1_5` (RSAES-PKCS1-v1_5) tokens. Insecure (Bleichenbacher's attack; RFC 8725
    /// §3.2); only for legacy peers. Decryption failures are masked as RFC 7516 §9 asks.
    pub insecure_allow_rsa1_5: bool,
    /// The most recipients a JSON JWE may list (default 16).
    pub max_recipients: usize,
}

impl Default for JweOptions {
    fn default() -> Self {
        JweOptions {
            max_len: DEFAULT_MAX_TOKEN_BYTES,
            algs: None,
            encs: None,
            crit: Vec::new(),
            allow_pbes2: false,
            pbes2_max_p2c: DEFAULT_PBES2_P2C,
            allow_zip: false,
            max_inflated: DEFAULT_MAX_INFLATED_BYTES,
            insecure_allow_rsa1_5: false,
            max_recipients: 16,
        }
    }
}

impl JweOptions {
    /// The largest token or document accepted, in bytes (builder style).
    pub fn with_max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Accepts only these key management algorithms (builder style).
    pub fn with_algs(mut self, algs: impl IntoIterator<Item = KeyManagementAlgorithm>) -> Self {
        self.algs = Some(algs.into_iter().collect());
        self
    }

    /// Accepts only these content encryption algorithms (builder style).
    pub fn with_encs(mut self, encs: impl IntoIterator<Item = ContentEncryptionAlgorithm>) -> Self {
        self.encs = Some(encs.into_iter().collect());
        self
    }

    /// One more `crit` extension the application understands and enforces itself.
    pub fn with_crit(mut self, name: impl Into<String>) -> Self {
        self.crit.push(name.into());
        self
    }

    /// Accepts PBES2 tokens with at most `max_p2c` iterations (builder style).
    pub fn with_pbes2(mut self, max_p2c: u32) -> Self {
        self.allow_pbes2 = true;
        self.pbes2_max_p2c = max_p2c;
        self
    }

    /// Accepts `zip: DEF` tokens, inflating at most `max_inflated` bytes (builder style).
    pub fn with_zip(mut self, max_inflated: usize) -> Self {
        self.allow_zip = true;
        self.max_inflated = max_inflated;
        self
    }

    /// Accepts `RSA1_5` tokens (builder style). Insecure; see
    /// [`JweOptions::insecure_allow_rsa1_5`].
    pub fn insecure_with_rsa1_5(mut self) -> Self {
        self.insecure_allow_rsa1_5 = true;
        self
    }
}

/// A verified nested JWT: the outer JWE header, the inner JWS header, and the payload.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NestedJwt {
    /// The JWE (outer) header.
    pub jwe_header: JweHeader,
    /// The JWS (inner) header.
    pub jws_header: JwsHeader,
    /// The verified payload (for a JWT, the claims JSON).
    pub payload: Vec<u8>,
}

/// Signs `payload` with `signer`, then encrypts the resulting JWS for `recipient`, setting
/// `cty: "JWT"` in the JWE header: a nested JWT (RFC 7519 §5.2, §A.2).
///
/// This is how to get sender authentication with JWE: the signature says who wrote it, the
/// encryption says who may read it.
///
/// ```
/// use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
/// use tessera_jose::jwe::{self, DecryptionKey, EncryptionKey, JweHeader, JweOptions};
/// use tessera_jose::jws::{JwsHeader, JwsOptions};
/// use tessera_jose::{JwsAlgorithm, SigningKey};
///
/// let signer = SigningKey::from_hmac_secret(&[1u8; 32], JwsAlgorithm::HS256).unwrap();
/// let enc_key = EncryptionKey::from_secret(&[2u8; 32], Alg::Dir).unwrap();
/// let dec_key = DecryptionKey::from_secret(&[2u8; 32], Alg::Dir).unwrap();
///
/// let token = jwe::sign_then_encrypt(
///     br#"{"sub":"alice"}"#,
///     &JwsHeader::new(JwsAlgorithm::HS256),
///     &signer,
///     &JweHeader::new(Alg::Dir, Enc::A128CbcHs256),
///     &enc_key,
/// ).unwrap();
/// let nested = jwe::decrypt_then_verify(
///     &token, &JweOptions::default(), &dec_key, &JwsOptions::default(), signer.verifying_key(),
/// ).unwrap();
/// assert_eq!(nested.payload, br#"{"sub":"alice"}"#);
/// ```
pub fn sign_then_encrypt(
    payload: &[u8],
    jws_header: &JwsHeader,
    signer: &SigningKey,
    jwe_header: &JweHeader,
    recipient: &EncryptionKey,
) -> Result<String, Error> {
    let jws = jws::sign_compact(jws_header, payload, signer)?;
    let mut h = jwe_header.clone();
    h.cty = Some("JWT".into());
    encrypt_compact(&h, jws.as_bytes(), recipient)
}

/// [`sign_then_encrypt`] drawing every random byte from `rng`: the RSA-PSS salt and RSA blinding
/// of the signature, then the content key, IV and key-management randomness of the encryption
/// ([`encrypt_compact_with_rng`]). With a seeded generator the nested token is reproducible.
pub fn sign_then_encrypt_with_rng<R: rand_core::CryptoRng + ?Sized>(
    payload: &[u8],
    jws_header: &JwsHeader,
    signer: &SigningKey,
    jwe_header: &JweHeader,
    recipient: &EncryptionKey,
    rng: &mut R,
) -> Result<String, Error> {
    let jws = jws::sign_compact_with_rng(jws_header, payload, signer, rng)?;
    let mut h = jwe_header.clone();
    h.cty = Some("JWT".into());
    encrypt_compact_with_rng(&h, jws.as_bytes(), recipient, rng)
}

/// Decrypts a nested JWT with `key`, then verifies the inner JWS with `verifier`.
///
/// The JWE must say `cty: "JWT"` (compared case-insensitively, RFC 7519 §5.2); the inner token
/// must be a compact JWS whose `alg` is the verifier's. Both steps must succeed.
pub fn decrypt_then_verify(
    token: &str,
    jwe_options: &JweOptions,
    key: &DecryptionKey,
    jws_options: &JwsOptions,
    verifier: &VerifyingKey,
) -> Result<NestedJwt, Error> {
    let jwe = CompactJwe::parse(token, jwe_options)?;
    if !jwe
        .header()
        .cty
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("JWT"))
    {
        return Err(crate::error::HeaderProblem::NestedWithoutCtyJwt.into());
    }
    let inner = jwe.decrypt(key)?;
    let inner = std::str::from_utf8(&inner)
        .map_err(|_| Error::from(crate::error::JweProblem::NestedNotUtf8))?;
    let jws = CompactJws::parse(inner, jws_options)?;
    let payload = jws.verify(verifier)?;
    Ok(NestedJwt {
        jwe_header: jwe.header().clone(),
        jws_header: jws.header().clone(),
        payload,
    })
}
