use std::fmt;

use http::StatusCode;
use tessera_core::{TransportError, UnixTime};

use crate::challenge::Challenge;

/// Everything that can go wrong talking OAuth.
///
/// A refusal by the server is [`Error::OAuth`], with the error code, description and status it
/// sent; a response that is not what the protocol promises is one of the typed response
/// variants; moving bytes is [`Error::Transport`], whose adapter error is the `source()`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an OAuth error response (RFC 6749 §5.2, RFC 7009 §2.2.1,
    /// RFC 8628 §3.5, RFC 8693 §2.2.2), or a resource server with a `WWW-Authenticate` error.
    OAuth(OAuthError),
    /// Moving bytes failed; the adapter's error is the `source()`. Display says only which
    /// endpoint.
    Transport {
        /// The endpoint being talked to, e.g. `"token endpoint"`.
        endpoint: &'static str,
        /// The adapter's error.
        source: TransportError,
    },
    /// The server answered with a status the protocol does not allow here, and the body is not
    /// an OAuth error response.
    UnexpectedStatus {
        /// What was being read, e.g. `"token response"`.
        what: &'static str,
        /// The status received.
        status: StatusCode,
    },
    /// The response's `Content-Type` is not the one the protocol requires.
    ContentType {
        /// What was being read.
        what: &'static str,
        /// The media type required, e.g. `"application/json"`.
        expected: &'static str,
        /// The `Content-Type` received, if any.
        found: Option<String>,
    },
    /// A response or document is malformed: size cap, invalid JSON, duplicate member, a member
    /// of the wrong type. Display prints the inner error; `source()` is the inner error's source.
    Core(tessera_core::Error),
    /// A response parsed as JSON but breaks a rule of the protocol.
    InvalidResponse {
        /// What was being read, e.g. `"token response"`.
        what: &'static str,
        /// What is wrong.
        problem: ResponseProblem,
    },
    /// The metadata's `issuer` is not exactly the issuer asked for (RFC 8414 §3.3), or a
    /// callback's `iss` is not the client's issuer (RFC 9207 §2.4).
    IssuerMismatch {
        /// The issuer the client expected.
        expected: String,
        /// The issuer found.
        found: String,
    },
    /// The server's metadata names no endpoint for this step.
    MissingEndpoint {
        /// The metadata member, e.g. `"token_endpoint"`.
        endpoint: &'static str,
    },
    /// A URL is not usable here: not absolute, not `https` (loopback `http` aside), or with a
    /// fragment.
    InvalidUrl {
        /// Which URL, e.g. `"issuer"` or `"token_endpoint"`.
        what: &'static str,
        /// The URL as given.
        url: String,
        /// Why it was refused.
        problem: UrlProblem,
    },
    /// Building a client assertion failed (`client_secret_jwt`, `private_key_jwt`, the JWT
    /// bearer grant). Display prints the inner error.
    Jwt(tessera_jwt::Error),
    /// A key operation failed. Display prints the inner error.
    Jose(tessera_jose::Error),
    /// A value the caller gave cannot go into a request: a parameter that the grant sets
    /// itself, a scope with a character RFC 6749 §3.3 forbids, an empty token.
    InvalidParameter {
        /// The parameter name.
        name: String,
        /// What is wrong with it.
        problem: ParameterProblem,
    },
    /// An authorization response (the redirect back to the client) failed a check; no code
    /// was taken from it.
    Callback(CallbackProblem),
    /// A token request shared by concurrent callers failed; every caller gets this, with the
    /// failure. Display prints the inner error.
    Shared(std::sync::Arc<Error>),
    /// No token could be had: the requests in flight that this caller waited for were given up
    /// without an answer.
    TokenUnavailable,
    /// A protected resource's metadata names another resource (RFC 9728 §3.3).
    ResourceMismatch {
        /// The resource asked about.
        expected: String,
        /// The `resource` its metadata names.
        found: String,
    },
    /// The server requires pushed authorization requests
    /// (`require_pushed_authorization_requests`, RFC 9126 §5): use PAR.
    PushedRequestRequired,
    /// DPoP (RFC 9449): a proof was refused, or the DPoP exchange went wrong.
    Dpop(crate::dpop::DpopProblem),
    /// The random number generator failed.
    Rng,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth(e) => e.fmt(f),
            Error::Transport { endpoint, .. } => write!(f, "could not reach the {endpoint}"),
            Error::UnexpectedStatus { what, status } => {
                write!(f, "{what}: unexpected HTTP status {status}")
            }
            Error::ContentType {
                what,
                expected,
                found: Some(found),
            } => write!(f, "{what}: Content-Type is {found:?}, expected {expected}"),
            Error::ContentType {
                what,
                expected,
                found: None,
            } => write!(f, "{what}: no Content-Type, expected {expected}"),
            Error::Core(e) => e.fmt(f),
            Error::InvalidResponse { what, problem } => write!(f, "{what}: {problem}"),
            Error::IssuerMismatch { expected, found } => {
                write!(f, "issuer mismatch: expected {expected:?}, found {found:?}")
            }
            Error::MissingEndpoint { endpoint } => {
                write!(f, "the server's metadata has no {endpoint}")
            }
            Error::InvalidUrl { what, url, problem } => write!(f, "{what} {url:?}: {problem}"),
            Error::Jwt(e) => e.fmt(f),
            Error::Jose(e) => e.fmt(f),
            Error::InvalidParameter { name, problem } => {
                write!(f, "parameter {name:?}: {problem}")
            }
            Error::Callback(p) => write!(f, "authorization response refused: {p}"),
            Error::Shared(e) => e.fmt(f),
            Error::TokenUnavailable => {
                f.write_str("no token: the shared token requests were given up")
            }
            Error::Dpop(p) => write!(f, "DPoP: {p}"),
            Error::ResourceMismatch { expected, found } => write!(
                f,
                "resource mismatch: asked about {expected:?}, the metadata is for {found:?}"
            ),
            Error::PushedRequestRequired => f.write_str(
                "the server requires pushed authorization requests (PAR); push the request first",
            ),
            Error::Rng => f.write_str("the random number generator failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // Wrappers that print their inner error hand on its source, so a reporter walking the
        // chain prints each message once.
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Core(e) => e.source(),
            Error::Jwt(e) => e.source(),
            Error::Jose(e) => e.source(),
            Error::Shared(e) => e.source(),
            Error::InvalidUrl {
                problem: UrlProblem::Unparsable(e),
                ..
            } => Some(e),
            _ => None,
        }
    }
}

impl From<tessera_core::Error> for Error {
    fn from(e: tessera_core::Error) -> Self {
        Error::Core(e)
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

impl From<OAuthError> for Error {
    fn from(e: OAuthError) -> Self {
        Error::OAuth(e)
    }
}

/// What is wrong with a response that parsed as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseProblem {
    /// A required member is absent.
    Missing {
        /// The member name.
        member: &'static str,
    },
    /// A member has the wrong JSON type or an impossible value.
    Invalid {
        /// The member name.
        member: &'static str,
        /// What it must be, e.g. `"a non-negative integer"`.
        expected: &'static str,
    },
    /// A member that must not be empty is empty.
    Empty {
        /// The member name.
        member: &'static str,
    },
    /// `token_type` is not one this client can use (and no leniency allows it).
    UnsupportedTokenType {
        /// The `token_type` received.
        found: String,
    },
    /// The server asked the client to use a token type other than the one it asked for.
    TokenTypeMismatch {
        /// The token type the client asked for (e.g. `DPoP`).
        expected: &'static str,
        /// The `token_type` received.
        found: String,
    },
}

impl fmt::Display for ResponseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseProblem::Missing { member } => write!(f, "{member:?} is missing"),
            ResponseProblem::Invalid { member, expected } => {
                write!(f, "{member:?} must be {expected}")
            }
            ResponseProblem::Empty { member } => write!(f, "{member:?} is empty"),
            ResponseProblem::UnsupportedTokenType { found } => {
                write!(f, "unsupported token_type {found:?}")
            }
            ResponseProblem::TokenTypeMismatch { expected, found } => {
                write!(f, "token_type is {found:?}, expected {expected}")
            }
        }
    }
}

/// Why an authorization response was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackProblem {
    /// No `state`: the response cannot be tied to a request this client made.
    MissingState,
    /// `state` is not the one this authorization sent (compared in constant time): a forged or
    /// replayed response, or one for another login in progress.
    StateMismatch,
    /// No `code` in a response that is not an error.
    MissingCode,
    /// A JARM response without its `response` parameter.
    MissingResponse,
    /// The server promises `iss` in authorization responses
    /// (`authorization_response_iss_parameter_supported`, RFC 9207 §3) and this one has none.
    MissingIssuer,
    /// The authorization in progress expired before the response came back.
    Expired {
        /// When it expired.
        at: UnixTime,
    },
    /// The code is being exchanged by a client (id or issuer) other than the one that started
    /// the authorization.
    ClientMismatch,
}

impl fmt::Display for CallbackProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackProblem::MissingState => f.write_str("no state"),
            CallbackProblem::StateMismatch => f.write_str("state does not match"),
            CallbackProblem::MissingCode => f.write_str("no code"),
            CallbackProblem::MissingResponse => f.write_str("no JARM response parameter"),
            CallbackProblem::MissingIssuer => {
                f.write_str("no iss, which the server promises (RFC 9207)")
            }
            CallbackProblem::Expired { at } => {
                write!(f, "the authorization in progress expired at {at}")
            }
            CallbackProblem::ClientMismatch => {
                f.write_str("the code belongs to another client or issuer")
            }
        }
    }
}

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// It does not parse as an absolute URL; the parser's error is the `source()`.
    Unparsable(url::ParseError),
    /// Its scheme is not `https`, and it is not `http` on a loopback host.
    NotHttps,
    /// It has a fragment, which RFC 6749 §3.1 / §3.1.2 forbid on endpoints and redirect URIs.
    Fragment,
    /// It has a query, which an issuer identifier must not have (RFC 8414 §2).
    Query,
    /// It has characters an HTTP request line cannot carry.
    NotARequestTarget,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Unparsable(_) => f.write_str("not an absolute URL"),
            UrlProblem::NotHttps => f.write_str("must be https (or http on a loopback host)"),
            UrlProblem::Fragment => f.write_str("must not have a fragment"),
            UrlProblem::Query => f.write_str("must not have a query"),
            UrlProblem::NotARequestTarget => {
                f.write_str("has characters an HTTP request cannot carry")
            }
        }
    }
}

/// Why a request parameter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterProblem {
    /// The grant sets this parameter itself; an extra parameter must not override it.
    Reserved,
    /// The value is empty.
    Empty,
    /// The value has a character its syntax forbids (RFC 6749 §3.3 scope tokens, Appendix A).
    Syntax,
}

impl fmt::Display for ParameterProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterProblem::Reserved => f.write_str("is set by the grant and cannot be given"),
            ParameterProblem::Empty => f.write_str("must not be empty"),
            ParameterProblem::Syntax => f.write_str("has a character its syntax forbids"),
        }
    }
}

/// An OAuth error response: the code, the optional description and URI, the HTTP status, and
/// the parsed `WWW-Authenticate` challenge when the server sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The `error` code.
    pub code: ErrorCode,
    /// `error_description`, if sent.
    pub description: Option<String>,
    /// `error_uri`, if sent.
    pub uri: Option<String>,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The `WWW-Authenticate` challenges, if the response had the header and it parsed.
    pub challenges: Vec<Challenge>,
}

impl OAuthError {
    /// An error with `code` and `status` and nothing else.
    pub fn new(code: ErrorCode, status: StatusCode) -> Self {
        OAuthError {
            code,
            description: None,
            uri: None,
            status,
            challenges: Vec::new(),
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server refused: {}", self.code)?;
        if let Some(d) = &self.description {
            // One line, whatever the server sent.
            write!(f, ": {}", d.escape_debug())?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $s:literal, )*) => {
        /// An OAuth `error` code: the ones the RFCs register (6749, 6750, 7009, 7591, 8628,
        /// 8693, 8707, 9126, 9449), and any other as [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code no RFC here registers, as sent.
            Other(String),
        }

        impl ErrorCode {
            /// The code as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $s, )*
                    ErrorCode::Other(s) => s,
                }
            }

            /// The code for `s`: a registered one, or [`ErrorCode::Other`].
            pub fn parse(s: &str) -> Self {
                match s {
                    $( $s => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// RFC 6749 §4.1.2.1, §5.2.
    InvalidRequest = "invalid_request",
    /// RFC 6749 §5.2.
    InvalidClient = "invalid_client",
    /// RFC 6749 §5.2.
    InvalidGrant = "invalid_grant",
    /// RFC 6749 §4.1.2.1, §5.2.
    UnauthorizedClient = "unauthorized_client",
    /// RFC 6749 §5.2.
    UnsupportedGrantType = "unsupported_grant_type",
    /// RFC 6749 §4.1.2.1, §5.2.
    InvalidScope = "invalid_scope",
    /// RFC 6749 §4.1.2.1; RFC 8628 §3.5 (the user denied the device).
    AccessDenied = "access_denied",
    /// RFC 6749 §4.1.2.1.
    UnsupportedResponseType = "unsupported_response_type",
    /// RFC 6749 §4.1.2.1.
    ServerError = "server_error",
    /// RFC 6749 §4.1.2.1.
    TemporarilyUnavailable = "temporarily_unavailable",
    /// RFC 6750 §3.1.
    InvalidToken = "invalid_token",
    /// RFC 6750 §3.1.
    InsufficientScope = "insufficient_scope",
    /// RFC 7009 §2.2.1.
    UnsupportedTokenType = "unsupported_token_type",
    /// RFC 8628 §3.5.
    AuthorizationPending = "authorization_pending",
    /// RFC 8628 §3.5.
    SlowDown = "slow_down",
    /// RFC 8628 §3.5.
    ExpiredToken = "expired_token",
    /// RFC 8693 §2.2.2, RFC 8707 §2.
    InvalidTarget = "invalid_target",
    /// RFC 9126 §2.3.
    InvalidRequestUri = "invalid_request_uri",
    /// RFC 7591 §3.2.2.
    InvalidRedirectUri = "invalid_redirect_uri",
    /// RFC 7591 §3.2.2.
    InvalidClientMetadata = "invalid_client_metadata",
    /// RFC 7591 §3.2.2.
    InvalidSoftwareStatement = "invalid_software_statement",
    /// RFC 7591 §3.2.2.
    UnapprovedSoftwareStatement = "unapproved_software_statement",
    /// RFC 9396 §5.
    InvalidAuthorizationDetails = "invalid_authorization_details",
    /// RFC 9126 §2.3 (and OIDC Core §6.1).
    InvalidRequestObject = "invalid_request_object",
    /// RFC 9449 §5.
    InvalidDpopProof = "invalid_dpop_proof",
    /// RFC 9449 §8.
    UseDpopNonce = "use_dpop_nonce",
    /// OpenID Connect Core §3.1.2.6.
    InteractionRequired = "interaction_required",
    /// OpenID Connect Core §3.1.2.6.
    LoginRequired = "login_required",
    /// OpenID Connect Core §3.1.2.6.
    AccountSelectionRequired = "account_selection_required",
    /// OpenID Connect Core §3.1.2.6.
    ConsentRequired = "consent_required",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for s in [
            "invalid_grant",
            "slow_down",
            "use_dpop_nonce",
            "invalid_target",
        ] {
            assert_eq!(ErrorCode::parse(s).as_str(), s);
            assert!(!matches!(ErrorCode::parse(s), ErrorCode::Other(_)));
        }
        assert_eq!(
            ErrorCode::parse("vendor_specific"),
            ErrorCode::Other("vendor_specific".into())
        );
    }

    #[test]
    fn an_oauth_error_prints_on_one_line() {
        let mut e = OAuthError::new(ErrorCode::InvalidGrant, StatusCode::BAD_REQUEST);
        e.description = Some("code\nexpired".into());
        assert_eq!(
            e.to_string(),
            "the server refused: invalid_grant: code\\nexpired"
        );
    }

    #[test]
    fn transport_errors_are_the_source_and_not_printed() {
        use std::error::Error as _;
        let e = Error::Transport {
            endpoint: "token endpoint",
            source: TransportError::new("connection refused"),
        };
        assert_eq!(e.to_string(), "could not reach the token endpoint");
        assert_eq!(
            e.source().map(ToString::to_string).as_deref(),
            Some("connection refused")
        );
    }
}
