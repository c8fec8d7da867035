use std::fmt;

use tessera_core::UnixTime;

/// Everything that can go wrong verifying or signing a JWT. Each variant says exactly what
/// failed; a bad signature stays opaque (`Error::Jose(tessera_jose::Error::InvalidSignature)`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// JOSE processing failed: token structure, header, algorithm not allowed, no matching key,
    /// invalid signature (opaque), key problems.
    Jose(tessera_jose::Error),
    /// The remote JWK Set could not be fetched and no keys are held.
    Remote(tessera_jose::remote::RemoteError),
    /// The key resolver needs I/O (a remote JWK Set not yet fetched, or due a refetch); use
    /// [`Policy::verify_async`](crate::Policy::verify_async).
    KeysUnavailable,
    /// The claims set is not a JSON object, or not valid JSON. Display is the source's.
    MalformedClaims {
        /// The parser's error.
        source: tessera_core::Error,
    },
    /// A claim appears more than once (RFC 7519 §4: tessera refuses rather than taking the last).
    DuplicateClaim {
        /// The repeated claim.
        claim: String,
    },
    /// A claim has the wrong JSON type, e.g. `"exp": "1300819380"`.
    InvalidClaimType {
        /// The claim.
        claim: String,
        /// The JSON type required.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A claim has the right type but an unacceptable value (a `NumericDate` before 1970, a value
    /// the application's claims type refuses).
    InvalidClaim {
        /// The claim.
        claim: String,
        /// The value found, as JSON.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// The application's claims type does not accept a member (`#[serde(deny_unknown_fields)]`).
    UnexpectedClaim {
        /// The member.
        claim: String,
    },
    /// The application's claims type refused the claims set: a member of another type than it
    /// declares, or a value its own validation refused. The parser's error is the `source()`.
    CustomClaims {
        /// The member being read, when the refusal concerns one.
        claim: Option<String>,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A required claim is absent (required by the policy, or by the application's claims
    /// type).
    MissingClaim {
        /// The claim.
        claim: String,
    },
    /// The token has expired: `now >= exp + leeway`.
    Expired {
        /// `exp`.
        exp: UnixTime,
        /// The time of verification.
        now: UnixTime,
        /// Seconds since `exp`.
        by: u64,
        /// The leeway that was allowed.
        leeway: u64,
    },
    /// The token is not valid yet: `now + leeway < nbf`.
    NotYetValid {
        /// `nbf`.
        nbf: UnixTime,
        /// The time of verification.
        now: UnixTime,
        /// Seconds until `nbf`.
        in_secs: u64,
        /// The leeway that was allowed.
        leeway: u64,
    },
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture {
        /// `iat`.
        iat: UnixTime,
        /// The time of verification.
        now: UnixTime,
    },
    /// The token is older than the policy's maximum age, counted from `iat`.
    TooOld {
        /// `iat`.
        iat: UnixTime,
        /// Seconds since `iat`.
        age: u64,
        /// The maximum age allowed, in seconds.
        max_age: u64,
    },
    /// `iss` is not one of the accepted issuers (exact comparison).
    WrongIssuer {
        /// The accepted issuers.
        expected: Vec<String>,
        /// The token's `iss`.
        found: String,
    },
    /// No `aud` value is one of the accepted audiences.
    WrongAudience {
        /// The accepted audiences.
        expected: Vec<String>,
        /// The token's `aud` values.
        found: Vec<String>,
    },
    /// The header's `typ` is not one of the accepted types (RFC 8725 §3.11).
    WrongType {
        /// The accepted types.
        expected: Vec<String>,
        /// The token's `typ`, if any.
        found: Option<String>,
    },
    /// The header says `b64: false`: a JWT's payload is always base64url encoded (RFC 7519
    /// §7.2), so this is not a JWT.
    UnencodedPayload,
    /// The token's own `jwk` header cannot serve to verify it ([`EmbeddedKey`](crate::EmbeddedKey)).
    UnusableEmbeddedKey {
        /// Why.
        reason: &'static str,
    },
    /// The application's own check refused the token.
    Rejected {
        /// The application's reason.
        reason: String,
    },
    /// The policy was configured inconsistently.
    InvalidPolicy {
        /// What is wrong.
        problem: PolicyProblem,
    },
    /// A [`JwtBuilder`](crate::JwtBuilder) was given a claim it cannot sign (a registered claim
    /// of the wrong type, a claim set twice, a claims type that is not an object).
    Build {
        /// What is wrong.
        problem: BuildProblem,
    },
}

/// What is wrong with a policy's configuration ([`Error::InvalidPolicy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyProblem {
    /// No algorithm is allowed.
    NoAlgorithm,
    /// No issuer is configured and the check is not waived.
    NoIssuer,
    /// No audience is configured and the check is not waived.
    NoAudience,
    /// An empty `typ` is accepted, which can never match.
    EmptyType,
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyProblem::NoAlgorithm => "no algorithm is allowed; name at least one",
            PolicyProblem::NoIssuer => {
                "no issuer is configured; set one or call insecure_skip_issuer_check"
            }
            PolicyProblem::NoAudience => {
                "no audience is configured; set one or call insecure_skip_audience_check"
            }
            PolicyProblem::EmptyType => "an empty typ can never match",
        })
    }
}

/// Why a [`JwtBuilder`](crate::JwtBuilder) cannot sign its claims ([`Error::Build`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum BuildProblem {
    /// A registered claim of the wrong JSON type (RFC 7519 §4.1).
    WrongClaimType {
        /// The claim.
        claim: String,
        /// The JSON type it must have.
        expected: &'static str,
    },
    /// A claim set twice.
    SetTwice {
        /// The claim.
        claim: String,
    },
    /// The claims type does not serialise to a JSON object.
    NotAnObject,
    /// A value does not serialise to JSON (the serializer's error is the `source()`).
    Serialize {
        /// The claim, when one value failed.
        claim: Option<String>,
        /// The serializer's error.
        source: std::sync::Arc<serde_json::Error>,
    },
    /// The random number generator failed.
    Rng,
}

impl fmt::Display for BuildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildProblem::WrongClaimType { claim, expected } => {
                write!(f, "the claim {claim:?} must be {expected}")
            }
            BuildProblem::SetTwice { claim } => write!(f, "the claim {claim:?} is set twice"),
            BuildProblem::NotAnObject => {
                f.write_str("the claims type must serialise to a JSON object")
            }
            BuildProblem::Serialize { claim: Some(c), .. } => {
                write!(f, "the claim {c:?} does not serialise")
            }
            BuildProblem::Serialize { claim: None, .. } => {
                f.write_str("the claims do not serialise")
            }
            BuildProblem::Rng => f.write_str("the random number generator failed"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Jose(e) => e.fmt(f),
            Error::Remote(e) => e.fmt(f),
            Error::KeysUnavailable => f.write_str(
                "the keys are not available without I/O; use verify_async with this key resolver",
            ),
            Error::MalformedClaims { source } => source.fmt(f),
            Error::DuplicateClaim { claim } => {
                write!(f, "the claim {claim:?} appears more than once")
            }
            Error::InvalidClaimType {
                claim,
                expected,
                found,
            } => write!(f, "the claim {claim:?} must be {expected}, found {found}"),
            Error::InvalidClaim {
                claim,
                value,
                expected,
            } => write!(f, "the claim {claim:?} is {value}, but must be {expected}"),
            Error::UnexpectedClaim { claim } => {
                write!(f, "the claim {claim:?} is not accepted by the claims type")
            }
            Error::CustomClaims {
                claim: Some(claim), ..
            } => write!(f, "the claim {claim:?} does not fit the claims type"),
            Error::CustomClaims { claim: None, .. } => {
                f.write_str("the claims set does not fit the claims type")
            }
            Error::MissingClaim { claim } => write!(f, "the required claim {claim:?} is missing"),
            Error::Expired {
                exp, by, leeway, ..
            } => write!(
                f,
                "the token expired {by} s ago (exp {exp}, leeway {leeway} s)"
            ),
            Error::NotYetValid {
                nbf,
                in_secs,
                leeway,
                ..
            } => write!(
                f,
                "the token is not valid for another {in_secs} s (nbf {nbf}, leeway {leeway} s)"
            ),
            Error::IssuedInFuture { iat, now } => {
                write!(
                    f,
                    "the token was issued in the future (iat {iat}, now {now})"
                )
            }
            Error::TooOld { iat, age, max_age } => write!(
                f,
                "the token is {age} s old, over the maximum of {max_age} s (iat {iat})"
            ),
            Error::WrongIssuer { expected, found } => {
                write!(
                    f,
                    "issuer {found:?} is not accepted (expected one of {expected:?})"
                )
            }
            Error::WrongAudience { expected, found } => write!(
                f,
                "audience {found:?} is not accepted (expected one of {expected:?})"
            ),
            Error::WrongType {
                expected,
                found: Some(t),
            } => write!(
                f,
                "token type {t:?} is not accepted (expected one of {expected:?})"
            ),
            Error::WrongType {
                expected,
                found: None,
            } => write!(f, "the token has no typ (expected one of {expected:?})"),
            Error::UnencodedPayload => f.write_str(
                "the header says \"b64\": false, but a JWT's payload must be base64url encoded",
            ),
            Error::UnusableEmbeddedKey { reason } => {
                write!(f, "the token's own key cannot verify it: {reason}")
            }
            Error::Rejected { reason } => write!(f, "the token was rejected: {reason}"),
            Error::InvalidPolicy { problem } => write!(f, "invalid policy: {problem}"),
            Error::Build { problem } => write!(f, "cannot build the JWT: {problem}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // A wrapper that prints its inner error hands on the inner error's source, so that
        // no message is printed twice by a reporter walking the chain.
        match self {
            Error::Jose(e) => e.source(),
            Error::Remote(e) => e.source(),
            Error::MalformedClaims { source } => source.source(),
            Error::CustomClaims { source, .. } => Some(source),
            Error::Build {
                problem: BuildProblem::Serialize { source, .. },
            } => Some(&**source),
            _ => None,
        }
    }
}

impl From<tessera_jose::Error> for Error {
    fn from(e: tessera_jose::Error) -> Self {
        Error::Jose(e)
    }
}

impl From<tessera_core::Error> for Error {
    fn from(e: tessera_core::Error) -> Self {
        Error::Jose(tessera_jose::Error::Core(e))
    }
}

impl From<tessera_jose::remote::RemoteError> for Error {
    fn from(e: tessera_jose::remote::RemoteError) -> Self {
        Error::Remote(e)
    }
}
