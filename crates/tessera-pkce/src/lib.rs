//! Proof Key for Code Exchange (PKCE, RFC 7636): code verifiers and `S256` challenges for
//! clients, and constant-time verification for authorization servers.
//!
//! ```
//! use tessera_pkce::{CodeVerifier, Method, ServerVerifier};
//!
//! // Client: a fresh verifier per authorization request; send the challenge, keep the verifier.
//! let verifier = CodeVerifier::generate().unwrap();
//! let challenge = verifier.challenge();
//! assert_eq!(challenge.method(), Method::S256);
//! assert_eq!(challenge.as_str().len(), 43);
//!
//! // Server: check the verifier sent to the token endpoint against the stored challenge.
//! let server = ServerVerifier::new();
//! server.verify(Some("S256"), challenge.as_str(), verifier.secret()).unwrap();
//! assert!(server.verify(Some("S256"), challenge.as_str(), &"x".repeat(43)).is_err());
//!
//! // `plain` is refused unless the server opts in explicitly.
//! assert!(server.verify(Some("plain"), verifier.secret(), verifier.secret()).is_err());
//! ServerVerifier::new()
//!     .insecure_allow_plain()
//!     .verify(Some("plain"), verifier.secret(), verifier.secret())
//!     .unwrap();
//! ```
//!
//! Clients only ever produce `S256` challenges: this crate has no way to make a `plain` one.
//! RFC 7636 §4.2 allows `plain` only when a client cannot compute SHA-256, which no client built
//! on this crate is.

use std::fmt;
use std::str::FromStr;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use tessera_core::{SecretString, b64};
use zeroize::Zeroize;

/// The shortest code verifier RFC 7636 §4.1 allows, in characters.
pub const MIN_VERIFIER_LEN: usize = 43;
/// The longest code verifier RFC 7636 §4.1 allows, in characters.
pub const MAX_VERIFIER_LEN: usize = 128;

/// What went wrong with a PKCE value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A code verifier is shorter than 43 or longer than 128 characters (RFC 7636 §4.1).
    VerifierLength {
        /// The length seen, in bytes.
        len: usize,
    },
    /// A code verifier contains a character outside `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    VerifierCharset,
    /// A code challenge is malformed: wrong length or character set (RFC 7636 §4.2; an `S256`
    /// challenge is exactly 43 base64url characters).
    InvalidChallenge {
        /// What is wrong.
        reason: &'static str,
    },
    /// `code_challenge_method` names a method RFC 7636 does not define.
    UnsupportedMethod {
        /// The method as given.
        method: String,
    },
    /// The method is defined but this server does not allow it (`plain` without
    /// [`ServerVerifier::insecure_allow_plain`], or a missing method, which RFC 7636 §4.3 says
    /// means `plain`).
    MethodNotAllowed {
        /// The method, `plain` when absent.
        method: String,
    },
    /// The verifier does not match the challenge. Deliberately says nothing more.
    Mismatch,
    /// The operating system's random number generator failed.
    Rng,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::VerifierLength { len } => write!(
                f,
                "code verifier is {len} characters; RFC 7636 requires {MIN_VERIFIER_LEN} to {MAX_VERIFIER_LEN}"
            ),
            Error::VerifierCharset => f.write_str(
                "code verifier contains a character outside [A-Za-z0-9-._~] (RFC 7636 §4.1)",
            ),
            Error::InvalidChallenge { reason } => write!(f, "invalid code challenge: {reason}"),
            Error::UnsupportedMethod { method } => {
                write!(f, "unsupported code_challenge_method {method:?}")
            }
            Error::MethodNotAllowed { method } => {
                write!(f, "code_challenge_method {method:?} is not allowed")
            }
            Error::Mismatch => f.write_str("code verifier does not match the code challenge"),
            Error::Rng => f.write_str("the random number generator failed"),
        }
    }
}

impl std::error::Error for Error {}

/// A `code_challenge_method` (RFC 7636 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `S256`: `BASE64URL(SHA256(ASCII(code_verifier)))`.
    S256,
    /// `plain`: the challenge is the verifier. Servers accept it only through
    /// [`ServerVerifier::insecure_allow_plain`]; clients never produce it.
    Plain,
}

impl Method {
    /// The registered name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::S256 => "S256",
            Method::Plain => "plain",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Parses a method name; names are case-sensitive (RFC 7636 §6.2.2).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "S256" => Ok(Method::S256),
            "plain" => Ok(Method::Plain),
            other => Err(Error::UnsupportedMethod {
                method: other.to_owned(),
            }),
        }
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn check_verifier(s: &str) -> Result<(), Error> {
    if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&s.len()) {
        return Err(Error::VerifierLength { len: s.len() });
    }
    if !s.bytes().all(is_unreserved) {
        return Err(Error::VerifierCharset);
    }
    Ok(())
}

/// The random number generator: the operating system's, probed once per use so that a generator
/// that is unavailable (no entropy source yet, a sandbox that forbids the call) is
/// `Error::Rng`, not a panic. After the probe has answered, a failure of a later draw panics
/// (`UnwrapErr`): the operating-system sources `getrandom` uses do not fail once they have
/// answered, and no operation here could continue safely without its random bytes. The
/// `*_with_rng` functions take the caller's generator instead.
fn os_rng() -> Result<rand_core::UnwrapErr<getrandom::SysRng>, Error> {
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|_| Error::Rng)?;
    Ok(rand_core::UnwrapErr(getrandom::SysRng))
}

fn s256(verifier: &str) -> String {
    b64::encode_secret(&Sha256::digest(verifier.as_bytes()))
}

/// A PKCE code verifier: a high-entropy secret the client keeps until the token request.
///
/// Zeroed on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct CodeVerifier(SecretString);

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

impl CodeVerifier {
    /// A fresh verifier of 43 characters: 32 random bytes from the operating system, base64url
    /// encoded, as RFC 7636 §4.1 recommends (256 bits of entropy).
    pub fn generate() -> Result<Self, Error> {
        Self::generate_with_len(MIN_VERIFIER_LEN)
    }

    /// A fresh verifier of `len` characters (43 to 128), each carrying 6 random bits.
    pub fn generate_with_len(len: usize) -> Result<Self, Error> {
        Self::generate_with_len_and_rng(len, &mut os_rng()?)
    }

    /// [`CodeVerifier::generate`] with the random bytes drawn from `rng` instead of the
    /// operating system — for a deterministic test or in-memory authorization server. `rng`
    /// must be a cryptographically secure generator.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, Error> {
        Self::generate_with_len_and_rng(MIN_VERIFIER_LEN, rng)
    }

    /// [`CodeVerifier::generate_with_len`] with the random bytes drawn from `rng`.
    pub fn generate_with_len_and_rng<R: CryptoRng + ?Sized>(
        len: usize,
        rng: &mut R,
    ) -> Result<Self, Error> {
        if !(MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&len) {
            return Err(Error::VerifierLength { len });
        }
        // 96 random bytes encode to 128 characters, the maximum.
        let mut bytes = [0u8; 96];
        let n = len.div_ceil(4) * 3;
        let buf = bytes.get_mut(..n).ok_or(Error::VerifierLength { len })?;
        rng.fill_bytes(buf);
        let mut s = b64::encode_secret(buf);
        bytes.zeroize();
        s.truncate(len);
        Ok(CodeVerifier(SecretString::new(s)))
    }

    /// Wraps an existing verifier (for example one restored from a session), checking its
    /// length and character set (RFC 7636 §4.1).
    pub fn new(verifier: impl Into<String>) -> Result<Self, Error> {
        let s = SecretString::new(verifier.into());
        check_verifier(s.expose())?;
        Ok(CodeVerifier(s))
    }

    /// The verifier, to send as `code_verifier` in the token request.
    pub fn secret(&self) -> &str {
        self.0.expose()
    }

    /// The `S256` challenge for this verifier, to send as `code_challenge` with
    /// `code_challenge_method=S256` in the authorization request.
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(s256(self.0.expose()))
    }
}

/// An `S256` code challenge (RFC 7636 §4.2). Public: it travels in the authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// The challenge, base64url, 43 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Always [`Method::S256`].
    pub fn method(&self) -> Method {
        Method::S256
    }
}

impl fmt::Display for CodeChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Server-side PKCE checks: validate the challenge at the authorization endpoint, then verify
/// the verifier at the token endpoint, in constant time.
///
/// Only `S256` is accepted unless [`ServerVerifier::insecure_allow_plain`] is called.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerVerifier {
    allow_plain: bool,
}

impl ServerVerifier {
    /// A verifier that accepts only `S256`.
    pub fn new() -> Self {
        ServerVerifier::default()
    }

    /// Also accept `plain`, and a missing `code_challenge_method` (which RFC 7636 §4.3 says
    /// means `plain`). `plain` offers no protection if the authorization request leaks; allow it
    /// only for legacy clients that cannot compute SHA-256.
    pub fn insecure_allow_plain(mut self) -> Self {
        self.allow_plain = true;
        self
    }

    /// The method an authorization request asked for, if this server allows it. A missing
    /// method means `plain` (RFC 7636 §4.3).
    pub fn method(&self, method: Option<&str>) -> Result<Method, Error> {
        let m = match method {
            Some(s) => s.parse()?,
            None => Method::Plain,
        };
        if m == Method::Plain && !self.allow_plain {
            return Err(Error::MethodNotAllowed {
                method: m.as_str().to_owned(),
            });
        }
        Ok(m)
    }

    /// Checks a `code_challenge` and `code_challenge_method` received at the authorization
    /// endpoint, returning the method to store alongside the challenge.
    pub fn check_challenge(&self, method: Option<&str>, challenge: &str) -> Result<Method, Error> {
        let m = self.method(method)?;
        match m {
            Method::S256 => {
                if challenge.len() != 43 {
                    return Err(Error::InvalidChallenge {
                        reason: "an S256 challenge is 43 base64url characters",
                    });
                }
                if b64::decode(challenge).is_err() {
                    return Err(Error::InvalidChallenge {
                        reason: "an S256 challenge is unpadded base64url",
                    });
                }
            }
            Method::Plain => {
                if check_verifier(challenge).is_err() {
                    return Err(Error::InvalidChallenge {
                        reason: "a plain challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
                    });
                }
            }
        }
        Ok(m)
    }

    /// Verifies the `code_verifier` from a token request against the stored challenge and
    /// method. The comparison runs in constant time; a mismatch is [`Error::Mismatch`].
    pub fn verify(
        &self,
        method: Option<&str>,
        challenge: &str,
        verifier: &str,
    ) -> Result<(), Error> {
        let m = self.method(method)?;
        check_verifier(verifier)?;
        let ok = match m {
            Method::S256 => SecretString::new(s256(verifier)).ct_eq(challenge),
            Method::Plain => SecretString::new(verifier).ct_eq(challenge),
        };
        if ok { Ok(()) } else { Err(Error::Mismatch) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        for len in MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN {
            let v = CodeVerifier::generate_with_len(len).unwrap();
            assert_eq!(v.secret().len(), len);
            check_verifier(v.secret()).unwrap();
            ServerVerifier::new()
                .verify(Some("S256"), v.challenge().as_str(), v.secret())
                .unwrap();
        }
        let a = CodeVerifier::generate().unwrap();
        let b = CodeVerifier::generate().unwrap();
        assert_ne!(a.secret(), b.secret());
        assert_eq!(format!("{a:?}"), "CodeVerifier(<redacted>)");
        assert!(CodeVerifier::generate_with_len(42).is_err());
        assert!(CodeVerifier::generate_with_len(129).is_err());
    }

    #[test]
    fn verifier_rules() {
        assert_eq!(
            CodeVerifier::new("a".repeat(42)).unwrap_err(),
            Error::VerifierLength { len: 42 }
        );
        assert!(CodeVerifier::new("a".repeat(128)).is_ok());
        assert!(CodeVerifier::new("a".repeat(129)).is_err());
        assert_eq!(
            CodeVerifier::new(format!("{}+", "a".repeat(42))).unwrap_err(),
            Error::VerifierCharset
        );
        assert!(CodeVerifier::new(format!("{}-._~", "a".repeat(40))).is_ok());
        assert!(CodeVerifier::new(format!("{}é", "a".repeat(42))).is_err());
    }

    #[test]
    fn server_policy() {
        let v = CodeVerifier::generate().unwrap();
        let c = v.challenge();
        let s = ServerVerifier::new();
        assert_eq!(
            s.check_challenge(Some("S256"), c.as_str()),
            Ok(Method::S256)
        );
        assert!(s.check_challenge(Some("S256"), "short").is_err());
        assert!(s.check_challenge(Some("S256"), &"+".repeat(43)).is_err());
        assert!(matches!(
            s.check_challenge(None, c.as_str()),
            Err(Error::MethodNotAllowed { .. })
        ));
        assert!(matches!(
            s.check_challenge(Some("s256"), c.as_str()),
            Err(Error::UnsupportedMethod { .. })
        ));
        assert_eq!(
            s.verify(Some("S256"), c.as_str(), &"a".repeat(43)),
            Err(Error::Mismatch)
        );
        // A plain challenge never matches as S256 and vice versa.
        assert_eq!(
            s.verify(Some("S256"), v.secret(), v.secret()),
            Err(Error::Mismatch)
        );
        let p = ServerVerifier::new().insecure_allow_plain();
        p.verify(None, v.secret(), v.secret()).unwrap();
        p.verify(Some("plain"), v.secret(), v.secret()).unwrap();
        assert_eq!(
            p.verify(Some("plain"), c.as_str(), v.secret()),
            Err(Error::Mismatch)
        );
        assert_eq!(p.check_challenge(None, v.secret()), Ok(Method::Plain));
        assert!(p.check_challenge(None, "short").is_err());
    }

    #[test]
    fn a_seeded_generator_gives_the_same_verifier() {
        use chacha20::ChaCha20Rng;
        use rand_core::SeedableRng;
        let seeded = |n: u8| ChaCha20Rng::from_seed([n; 32]);
        let a = CodeVerifier::generate_with_rng(&mut seeded(1)).unwrap();
        let b = CodeVerifier::generate_with_rng(&mut seeded(1)).unwrap();
        let c = CodeVerifier::generate_with_rng(&mut seeded(2)).unwrap();
        assert_eq!(a.secret(), b.secret());
        assert_ne!(a.secret(), c.secret());
        assert_eq!(a.secret().len(), 43);
        // It is a valid verifier, and its challenge verifies on the server side.
        let restored = CodeVerifier::new(a.secret()).unwrap();
        assert_eq!(restored.challenge(), a.challenge());
        let long = CodeVerifier::generate_with_len_and_rng(128, &mut seeded(3)).unwrap();
        assert_eq!(long.secret().len(), 128);
        assert_eq!(
            long.secret(),
            CodeVerifier::generate_with_len_and_rng(128, &mut seeded(3))
                .unwrap()
                .secret()
        );
        assert!(CodeVerifier::generate_with_len_and_rng(42, &mut seeded(3)).is_err());
    }
}
