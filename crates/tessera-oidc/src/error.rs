use std::fmt;

/// Everything that can go wrong in OpenID Connect.
///
/// Each check of ID token validation (Core §3.1.3.7) has its own [`IdTokenProblem`], so a
/// program can tell a wrong `nonce` from a wrong `azp`; wrappers print their inner error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An OAuth step failed: discovery's transport, the callback, the code exchange, a refusal
    /// by the server. Display prints the inner error.
    OAuth(tessera_oauth::Error),
    /// The ID token's signature or its registered claims failed (`iss`, `aud`, `exp`, `iat`,
    /// `alg`, an unknown `kid`, a bad signature). Display prints the inner error.
    Jwt(tessera_jwt::Error),
    /// Decrypting an encrypted ID token or UserInfo response failed. Display prints the inner
    /// error.
    Jose(tessera_jose::Error),
    /// The ID token failed an OpenID Connect check.
    IdToken(IdTokenProblem),
    /// The UserInfo response failed a check.
    UserInfo(UserInfoProblem),
    /// A logout token (back-channel logout) failed a check.
    LogoutToken(LogoutProblem),
    /// The provider's discovery document is not usable: its `issuer` is not the one asked for
    /// (nor, with the opt-in, a template of it), or it lacks a member OpenID Connect requires.
    Discovery(DiscoveryProblem),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => e.fmt(f),
            Error::Jwt(e) => write!(f, "ID token: {e}"),
            Error::Jose(e) => e.fmt(f),
            Error::IdToken(p) => write!(f, "ID token: {p}"),
            Error::UserInfo(p) => write!(f, "UserInfo: {p}"),
            Error::LogoutToken(p) => write!(f, "logout token: {p}"),
            Error::Discovery(p) => write!(f, "discovery: {p}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::OAuth(e) => e.source(),
            Error::Jwt(e) => e.source(),
            Error::Jose(e) => e.source(),
            _ => None,
        }
    }
}

impl From<tessera_oauth::Error> for Error {
    fn from(e: tessera_oauth::Error) -> Self {
        Error::OAuth(e)
    }
}

impl From<tessera_jwt::Error> for Error {
    fn from(e: tessera_jwt::Error) -> Self {
        Error::Jwt(e)
    }
}

impl From<tessera_jose::Error> for Error {
    fn from(e: tessera_jose::Error) -> Self {
        Error::Jose(e)
    }
}

/// Which OpenID Connect check an ID token failed (Core §3.1.3.7, §3.3.2.11, §12.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdTokenProblem {
    /// A claim the ID token must carry is absent (`sub`, `iat`, `exp`, `nonce` when one was
    /// sent, `auth_time` when `max_age` was asked, `acr` when required).
    Missing {
        /// The claim.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type.
    WrongType {
        /// The claim.
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// `azp` is present and not the client id, or absent while there are several audiences.
    Azp {
        /// The `azp` received, if any.
        found: Option<String>,
    },
    /// `nonce` is not the one sent with the authorization request.
    NonceMismatch,
    /// The ID token carries a `nonce` although none was sent.
    UnexpectedNonce,
    /// The user authenticated longer ago than `max_age` allows.
    AuthTooOld {
        /// `auth_time`.
        auth_time: u64,
        /// The `max_age` asked for, in seconds.
        max_age: u64,
    },
    /// `acr` is not one of the values required.
    Acr {
        /// The `acr` received.
        found: String,
    },
    /// `at_hash` does not match the access token (§3.2.2.9, §3.3.2.11).
    AtHash,
    /// `c_hash` does not match the authorization code (§3.3.2.11).
    CHash,
    /// An ID token from a refresh changed `iss`, `sub` or `aud` (§12.2).
    RefreshChanged {
        /// The claim that changed.
        claim: &'static str,
    },
    /// The token response carried no `id_token` although `openid` was asked.
    NoIdToken,
    /// The ID token's `iss` does not fit the provider's issuer template (Entra ID `{tenantid}`).
    IssuerTemplate {
        /// The `iss` received.
        found: String,
    },
    /// A JSON Web Encryption ID token came, but the client has no decryption key.
    Encrypted,
    /// The token names no key (`kid`) and the provider publishes several for its algorithm.
    AmbiguousKey,
}

impl fmt::Display for IdTokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdTokenProblem::Missing { claim } => write!(f, "the claim {claim:?} is missing"),
            IdTokenProblem::WrongType { claim, expected } => {
                write!(f, "the claim {claim:?} must be {expected}")
            }
            IdTokenProblem::Azp { found: Some(a) } => {
                write!(f, "azp {a:?} is not this client")
            }
            IdTokenProblem::Azp { found: None } => {
                f.write_str("azp is missing, and the token has several audiences")
            }
            IdTokenProblem::NonceMismatch => {
                f.write_str("nonce does not match the one sent with the request")
            }
            IdTokenProblem::UnexpectedNonce => {
                f.write_str("the token carries a nonce, but none was sent")
            }
            IdTokenProblem::AuthTooOld { auth_time, max_age } => write!(
                f,
                "the user authenticated at {auth_time}, longer ago than max_age {max_age} s"
            ),
            IdTokenProblem::Acr { found } => {
                write!(f, "acr {found:?} is not one of the values required")
            }
            IdTokenProblem::AtHash => f.write_str("at_hash does not match the access token"),
            IdTokenProblem::CHash => f.write_str("c_hash does not match the authorization code"),
            IdTokenProblem::RefreshChanged { claim } => {
                write!(f, "the refreshed ID token changed {claim:?}")
            }
            IdTokenProblem::NoIdToken => f.write_str("the token response has no id_token"),
            IdTokenProblem::IssuerTemplate { found } => {
                write!(
                    f,
                    "iss {found:?} does not fit the provider's issuer template"
                )
            }
            IdTokenProblem::AmbiguousKey => f.write_str(
                "the token has no kid and the provider publishes several keys for its algorithm",
            ),
            IdTokenProblem::Encrypted => {
                f.write_str("the ID token is encrypted and the client has no decryption key")
            }
        }
    }
}

/// Which check a UserInfo response failed (Core §5.3.2, §5.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserInfoProblem {
    /// Its `sub` is not the ID token's: the response must not be used.
    SubMismatch {
        /// The ID token's `sub`.
        expected: String,
        /// UserInfo's `sub`.
        found: Option<String>,
    },
    /// A signed UserInfo response whose `iss` or `aud` is wrong.
    Claim {
        /// The claim.
        claim: &'static str,
    },
    /// Neither JSON nor a JWT.
    ContentType {
        /// The `Content-Type` received.
        found: Option<String>,
    },
    /// The provider has no `userinfo_endpoint`.
    NoEndpoint,
}

impl fmt::Display for UserInfoProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserInfoProblem::SubMismatch { expected, found } => {
                write!(f, "sub {found:?} is not the ID token's {expected:?}")
            }
            UserInfoProblem::Claim { claim } => {
                write!(f, "the signed response's {claim:?} is wrong")
            }
            UserInfoProblem::ContentType { found } => write!(
                f,
                "Content-Type {found:?} is neither application/json nor application/jwt"
            ),
            UserInfoProblem::NoEndpoint => f.write_str("the provider has no userinfo_endpoint"),
        }
    }
}

/// Which check a logout token failed (Back-Channel Logout 1.0 §2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutProblem {
    /// The header's `typ` is not `logout+jwt`.
    Typ {
        /// The `typ` received.
        found: String,
    },
    /// `events` lacks `http://schemas.openid.net/event/backchannel-logout` (an object).
    Events,
    /// It carries a `nonce`, which logout tokens must not.
    Nonce,
    /// Neither `sid` nor `sub`.
    NoSubject,
    /// A claim it must carry is missing (`iat`, `jti`).
    Missing {
        /// The claim.
        claim: &'static str,
    },
}

impl fmt::Display for LogoutProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogoutProblem::Typ { found } => write!(f, "typ {found:?} is not logout+jwt"),
            LogoutProblem::Events => f.write_str("events has no back-channel logout event"),
            LogoutProblem::Nonce => f.write_str("a logout token must not carry a nonce"),
            LogoutProblem::NoSubject => f.write_str("neither sid nor sub"),
            LogoutProblem::Missing { claim } => write!(f, "the claim {claim:?} is missing"),
        }
    }
}

/// Why a discovery document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryProblem {
    /// The document's `issuer` is a template (`{tenantid}`) and templates were not allowed.
    IssuerTemplate {
        /// The `issuer` received.
        found: String,
    },
    /// A member OpenID Connect Discovery §3 requires is missing.
    Missing {
        /// The member.
        member: &'static str,
    },
}

impl fmt::Display for DiscoveryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryProblem::IssuerTemplate { found } => write!(
                f,
                "issuer {found:?} is a template; allow it with Discovery::allow_issuer_template"
            ),
            DiscoveryProblem::Missing { member } => write!(f, "{member:?} is missing"),
        }
    }
}
