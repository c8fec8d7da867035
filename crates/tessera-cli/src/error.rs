//! One error type for the whole command, carrying the exit status of the contract:
//! 1 when the input was understood but rejected, 2 for usage errors and unreadable input.

use std::fmt;

/// Exit status: the input was understood but rejected (bad signature, expired, wrong audience,
/// decryption failure, protocol error).
pub const REJECTED: u8 = 1;
/// Exit status: usage error or unreadable input (missing file, malformed JSON, JWK or token).
pub const USAGE: u8 = 2;

/// A failure, with the exit status it maps to and a one-line message for stderr.
#[derive(Debug)]
pub struct CliError {
    /// 1 ([`REJECTED`]) or 2 ([`USAGE`]).
    pub status: u8,
    /// What failed, on one line.
    pub message: String,
}

impl CliError {
    /// A usage error or unreadable input (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            status: USAGE,
            message: message.into(),
        }
    }

    /// Input that was understood but rejected (exit status 1).
    pub fn rejected(message: impl Into<String>) -> Self {
        CliError {
            status: REJECTED,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The command's result type.
pub type Result<T> = std::result::Result<T, CliError>;

/// Maps an error from reading a key, header or other input the user supplied: always status 2.
pub fn bad_input<E: fmt::Display>(what: &'static str) -> impl FnOnce(E) -> CliError {
    move |e| CliError::usage(format!("{what}: {e}"))
}

/// Maps an error from processing a token: a token that is not well-formed (bad base64url,
/// JSON, structure) is unreadable input (status 2); anything else — unsupported or
/// disallowed algorithm, `crit`, key mismatch, bad signature, failed decryption — is a
/// rejection (status 1).
pub fn token_error(e: tessera_jose::Error) -> CliError {
    use tessera_jose::Error as E;
    match e {
        E::Core(_)
        | E::MalformedCompact { .. }
        | E::InvalidHeader { .. }
        | E::InvalidJson { .. } => CliError::usage(format!("malformed token: {e}")),
        other => CliError::rejected(other.to_string()),
    }
}
