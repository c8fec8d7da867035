use std::fmt;

/// Errors of the shared building blocks: decoding, size limits and parsing.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The input is not strict, unpadded base64url (RFC 4648 §5 without padding, canonical).
    Base64 {
        /// What was being decoded, e.g. `"JWS signature"`.
        what: &'static str,
    },
    /// The input is larger than the configured cap; nothing was parsed.
    TooLarge {
        /// What was being parsed.
        what: &'static str,
        /// The configured cap, in bytes.
        limit: usize,
        /// The size seen, in bytes.
        actual: usize,
    },
    /// The input is not well-formed JSON of the expected shape. Display says only what was
    /// being parsed; serde_json's own message is the `source()`.
    Json {
        /// What was being parsed.
        what: &'static str,
        /// The JSON parser's error.
        source: serde_json::Error,
    },
    /// A JSON object repeats a member name, which tessera refuses (RFC 7515 §5.2, RFC 7519 §4).
    DuplicateMember {
        /// What was being parsed.
        what: &'static str,
        /// The repeated member name.
        member: String,
    },
    /// A JSON document nests deeper than the limit allows.
    TooDeep {
        /// What was being parsed.
        what: &'static str,
        /// The nesting limit.
        limit: usize,
    },
    /// An `application/x-www-form-urlencoded` body repeats a parameter that must appear once.
    DuplicateParameter {
        /// The repeated parameter name.
        name: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Base64 { what } => write!(f, "{what} is not strict unpadded base64url"),
            Error::TooLarge {
                what,
                limit,
                actual,
            } => {
                write!(
                    f,
                    "{what} is {actual} bytes, over the limit of {limit} bytes"
                )
            }
            Error::Json { what, .. } => write!(f, "{what} is not valid JSON"),
            Error::DuplicateMember { what, member } => {
                write!(f, "{what} repeats the member {member:?}")
            }
            Error::TooDeep { what, limit } => {
                write!(f, "{what} nests deeper than {limit} levels")
            }
            Error::DuplicateParameter { name } => {
                write!(f, "form parameter {name:?} appears more than once")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json { source, .. } => Some(source),
            _ => None,
        }
    }
}
