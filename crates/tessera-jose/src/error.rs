use std::fmt;

/// Everything that can go wrong in JOSE processing.
///
/// Variants carry structured data about what was wrong with the input. A failed signature or
/// decryption stays deliberately opaque ([`Error::InvalidSignature`], [`Error::DecryptionFailed`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A shared building block failed: base64url, JSON, duplicate member, size cap.
    Core(tessera_core::Error),
    /// An algorithm name that tessera does not implement, or that is not allowed in this place.
    UnsupportedAlgorithm {
        /// The algorithm name as it appeared.
        alg: String,
    },
    /// The token's algorithm is not on the caller's allow-list.
    AlgorithmNotAllowed {
        /// The algorithm the token asked for.
        alg: String,
    },
    /// The key does not fit the algorithm (wrong `kty`, `crv`, size), or the key's own `alg`,
    /// `use` or `key_ops` rule it out.
    KeyMismatch {
        /// What is wrong.
        reason: String,
    },
    /// A JWK or PEM/DER key is malformed or unsafe (wrong lengths, point not on the curve,
    /// RSA modulus too small, private part that does not match the public part).
    InvalidKey {
        /// What is wrong.
        reason: String,
    },
    /// The key is a public key, but the operation needs the private key.
    MissingPrivateKey,
    /// A compact serialization does not have the right number of `.`-separated parts.
    MalformedCompact {
        /// The number of parts required.
        expected: usize,
        /// The number of parts found.
        found: usize,
    },
    /// A JOSE header is malformed: not an object, a member of the wrong type, a required member
    /// missing.
    InvalidHeader {
        /// What is wrong.
        reason: String,
    },
    /// A JSON serialization (JWS or JWE) is malformed.
    InvalidJson {
        /// What is wrong.
        reason: String,
    },
    /// A `crit` header problem: an extension that is not understood, an empty list, a repeated
    /// entry, a registered header name, a listed name absent from the header, or `crit` outside
    /// the protected header.
    Crit {
        /// What is wrong.
        reason: String,
    },
    /// No key in the key set fits the token (`kid`, `alg`, `use`).
    NoMatchingKey {
        /// The `kid` the token named, if any.
        kid: Option<String>,
        /// The token's algorithm.
        alg: String,
    },
    /// The signature does not verify. Deliberately says nothing more.
    InvalidSignature,
    /// Decryption failed. Deliberately says nothing more, whichever step failed.
    DecryptionFailed,
    /// An ECDSA signature has the wrong length or a zero or out-of-range scalar.
    MalformedSignature,
    /// A detached-payload JWS was verified without its payload, or an attached one was given
    /// one.
    DetachedPayload {
        /// What is wrong.
        reason: &'static str,
    },
    /// A random number generator failed.
    Rng,
    /// The key was to be used with the algorithm its JWK names, but the JWK has no `alg`.
    MissingKeyAlgorithm {
        /// The key's `kid`, if it has one.
        kid: Option<String>,
    },
    /// A cryptographic primitive refused its input (e.g. a message too long for RSA).
    Crypto {
        /// What failed.
        reason: String,
    },
    /// A feature is disabled by policy (PBES2, compression, …); the name says which opt-in
    /// enables it.
    Disabled {
        /// What was refused and how to enable it.
        reason: String,
    },
    /// A JWE is structurally wrong: a segment of the wrong length (IV, tag, encrypted key), an
    /// encrypted key where none belongs, too many recipients, or a compressed plaintext that is
    /// not valid DEFLATE.
    InvalidJwe {
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::UnsupportedAlgorithm { alg } => write!(f, "unsupported algorithm {alg:?}"),
            Error::AlgorithmNotAllowed { alg } => {
                write!(f, "algorithm {alg:?} is not on the allow-list")
            }
            Error::KeyMismatch { reason } => write!(f, "key does not fit: {reason}"),
            Error::InvalidKey { reason } => write!(f, "invalid key: {reason}"),
            Error::MissingPrivateKey => f.write_str("the operation needs a private key"),
            Error::MalformedCompact { expected, found } => write!(
                f,
                "compact serialization has {found} parts, expected {expected}"
            ),
            Error::InvalidHeader { reason } => write!(f, "invalid JOSE header: {reason}"),
            Error::InvalidJson { reason } => write!(f, "invalid JSON serialization: {reason}"),
            Error::Crit { reason } => write!(f, "crit: {reason}"),
            Error::NoMatchingKey {
                kid: Some(kid),
                alg,
            } => {
                write!(f, "no key with kid {kid:?} fits algorithm {alg}")
            }
            Error::NoMatchingKey { kid: None, alg } => {
                write!(f, "no key fits algorithm {alg} (the token has no kid)")
            }
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::DecryptionFailed => f.write_str("decryption failed"),
            Error::MalformedSignature => f.write_str("malformed signature"),
            Error::DetachedPayload { reason } => write!(f, "detached payload: {reason}"),
            Error::Rng => f.write_str("the random number generator failed"),
            Error::MissingKeyAlgorithm { kid: Some(kid) } => {
                write!(f, "the JWK {kid:?} has no \"alg\" to use it with")
            }
            Error::MissingKeyAlgorithm { kid: None } => {
                f.write_str("the JWK has no \"alg\" to use it with")
            }
            Error::Crypto { reason } => write!(f, "cryptographic operation failed: {reason}"),
            Error::Disabled { reason } => write!(f, "disabled: {reason}"),
            Error::InvalidJwe { reason } => write!(f, "invalid JWE: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // `Core` prints its inner error, so it hands on the inner error's source rather than
        // the inner error itself (a reporter walking the chain prints each message once).
        match self {
            Error::Core(e) => e.source(),
            _ => None,
        }
    }
}

impl From<tessera_core::Error> for Error {
    fn from(e: tessera_core::Error) -> Self {
        Error::Core(e)
    }
}

pub(crate) fn invalid_key(reason: impl Into<String>) -> Error {
    Error::InvalidKey {
        reason: reason.into(),
    }
}

pub(crate) fn mismatch(reason: impl Into<String>) -> Error {
    Error::KeyMismatch {
        reason: reason.into(),
    }
}

pub(crate) fn header(reason: impl Into<String>) -> Error {
    Error::InvalidHeader {
        reason: reason.into(),
    }
}

pub(crate) fn invalid_jwe(reason: impl Into<String>) -> Error {
    Error::InvalidJwe {
        reason: reason.into(),
    }
}
