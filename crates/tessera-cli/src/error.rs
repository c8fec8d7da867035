//! One error type for the whole command, carrying the exit status of the contract:
//! 1 when the input was understood but rejected, 2 for usage errors and unreadable input.
//!
//! Every diagnostic is one line. Foreign errors are written with [`chain`], which walks
//! `source()` once and never repeats text that a message already contains.

use std::error::Error as StdError;
use std::fmt;

/// Exit status: the input was understood but rejected (bad signature, expired, wrong audience,
/// decryption failure, protocol error).
pub(crate) const REJECTED: u8 = 1;
/// Exit status: usage error or unreadable input (missing file, malformed JSON, JWK or token).
pub(crate) const USAGE: u8 = 2;

/// A failure, with the exit status it maps to and a one-line message for stderr.
#[derive(Debug)]
pub(crate) struct CliError {
    /// 1 ([`REJECTED`]) or 2 ([`USAGE`]).
    pub status: u8,
    /// What failed, on one line.
    pub message: String,
}

impl CliError {
    /// A usage error or unreadable input (exit status 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError {
            status: USAGE,
            message: one_line(message.into()),
        }
    }

    /// Input that was understood but rejected (exit status 1).
    pub(crate) fn rejected(message: impl Into<String>) -> Self {
        CliError {
            status: REJECTED,
            message: one_line(message.into()),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The command's result type.
pub(crate) type Result<T> = std::result::Result<T, CliError>;

/// Keeps a diagnostic on one line: line breaks in foreign messages become spaces.
fn one_line(s: String) -> String {
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s
    }
}

/// An error and its causes on one line: its own message, then each `source()` in turn, joined
/// by ": ", skipping a cause whose message the text so far already contains (an error that
/// prints its source and also returns it is written once).
pub(crate) fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    // A cycle of sources is a bug elsewhere; never loop on it.
    let mut depth = 0;
    while let Some(cause) = next {
        depth += 1;
        if depth > 16 {
            break;
        }
        let msg = cause.to_string();
        if !msg.is_empty() && !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        next = cause.source();
    }
    out
}

/// What is wrong with an input, without the name of the input: `tessera_core` errors name
/// what they parsed ("--claims is not valid JSON: …"), so a caller that names the input
/// itself uses this to avoid saying it twice ("--claims: not valid JSON: …").
pub(crate) fn core_detail(e: &tessera_core::Error) -> String {
    use tessera_core::Error as C;
    match e {
        C::Json { source, .. } => format!("not valid JSON: {source}"),
        C::DuplicateMember { member, .. } => format!("repeats the member {member:?}"),
        C::TooDeep { limit, .. } => format!("nests deeper than {limit} levels"),
        C::TooLarge { limit, actual, .. } => {
            format!("{actual} bytes, over the limit of {limit} bytes")
        }
        C::Base64 { .. } => "not strict unpadded base64url".to_owned(),
        other => chain(other),
    }
}

/// [`core_detail`] for a `tessera_jose` error that wraps a `tessera_core` one, else [`chain`].
pub(crate) fn jose_detail(e: &tessera_jose::Error) -> String {
    match e {
        tessera_jose::Error::Core(c) => core_detail(c),
        other => chain(other),
    }
}

/// Maps an error from reading a key, header or other input the user supplied: always status 2,
/// the message `"{what}: {cause}"` where the cause does not repeat `what`.
pub(crate) fn bad_input(what: &str) -> impl FnOnce(tessera_jose::Error) -> CliError + '_ {
    move |e| CliError::usage(format!("{what}: {}", jose_detail(&e)))
}

/// Maps a `tessera_core` error about the input `what`: status 2, named once.
pub(crate) fn bad_core_input(what: &str) -> impl FnOnce(tessera_core::Error) -> CliError + '_ {
    move |e| CliError::usage(format!("{what}: {}", core_detail(&e)))
}

/// Maps an error from processing a token: a token that is not well-formed (bad base64url,
/// JSON, structure) is unreadable input (status 2); anything else — unsupported or
/// disallowed algorithm, `crit`, key mismatch, bad signature, failed decryption — is a
/// rejection (status 1).
pub(crate) fn token_error(e: tessera_jose::Error) -> CliError {
    use tessera_jose::Error as E;
    match e {
        E::Core(_)
        | E::MalformedCompact { .. }
        | E::InvalidHeader { .. }
        | E::InvalidJson { .. } => CliError::usage(format!("malformed token: {}", chain(&e))),
        other => CliError::rejected(chain(&other)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);

    impl fmt::Display for E {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for E {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn chain_walks_sources_once_without_repeating_text() {
        let e = E(
            "fetching failed",
            Some(Box::new(E(
                "connect error",
                Some(Box::new(E("refused", None))),
            ))),
        );
        assert_eq!(chain(&e), "fetching failed: connect error: refused");
        // A wrapper that prints its source and returns it too is written once.
        let e = E("invalid JWK: bad x", Some(Box::new(E("bad x", None))));
        assert_eq!(chain(&e), "invalid JWK: bad x");
        let e = E("alone", None);
        assert_eq!(chain(&e), "alone");
    }

    #[test]
    fn core_errors_are_named_once() {
        let e = tessera_core::json::parse_object(b"?", "key file").unwrap_err();
        assert_eq!(e.to_string().matches("key file").count(), 1);
        let msg = bad_core_input("key file k.json")(e).message;
        assert_eq!(
            msg,
            "key file k.json: not valid JSON: expected value at line 1 column 1"
        );
        let e = tessera_core::json::parse_object(br#"{"a":1,"a":2}"#, "--claims").unwrap_err();
        assert_eq!(
            bad_core_input("--claims")(e).message,
            r#"--claims: repeats the member "a""#
        );
    }

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(CliError::usage("a\nb\r\n c").message, "a b c");
    }
}
