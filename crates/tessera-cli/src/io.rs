//! Reading inputs (files, `-` for stdin, inline JSON) with a size cap, and writing outputs.

use std::io::{Read, Write};

use crate::error::{CliError, Result};

/// The largest input read from a file or stdin: 16 MiB. Larger input is refused (status 2)
/// rather than read without bound.
pub(crate) const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Hands out inputs, making sure stdin is read at most once.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    stdin_taken_by: Option<&'static str>,
}

impl Inputs {
    /// Reads `path`, or stdin when `path` is `-`. `what` names the argument in errors.
    pub(crate) fn read(&mut self, what: &'static str, path: &str) -> Result<Vec<u8>> {
        if path == "-" {
            return self.stdin(what);
        }
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::usage(format!("{what}: cannot open {path:?}: {e}")))?;
        read_capped(file, what)
    }

    /// Reads stdin in full, once.
    pub(crate) fn stdin(&mut self, what: &'static str) -> Result<Vec<u8>> {
        if let Some(first) = self.stdin_taken_by {
            return Err(CliError::usage(format!(
                "{what}: stdin is already used for {first}; only one input can come from `-`"
            )));
        }
        self.stdin_taken_by = Some(what);
        read_capped(std::io::stdin().lock(), what)
    }

    /// Reads a token argument: the token itself, `-` for stdin, or the name of a file that
    /// holds it. An argument shaped like a token (a JSON serialization, or three or five
    /// dot-separated base64url segments) is always the token; anything else must name a
    /// readable file. Surrounding whitespace is trimmed, and a `Bearer ` prefix is refused
    /// with a hint rather than silently stripped.
    pub(crate) fn read_token(&mut self, what: &'static str, arg: &str) -> Result<String> {
        let raw = if arg == "-" {
            self.stdin(what)?
        } else if looks_like_token(arg.trim()) || has_bearer_prefix(arg.trim()) {
            arg.as_bytes().to_vec()
        } else if std::path::Path::new(arg).is_file() {
            self.read(what, arg)?
        } else {
            return Err(CliError::usage(format!(
                "{what} {:?} is neither a readable file nor a compact token",
                shorten(arg)
            )));
        };
        let s = String::from_utf8(raw)
            .map_err(|_| CliError::usage(format!("{what}: not UTF-8 text")))?;
        let t = s.trim();
        if t.is_empty() {
            return Err(CliError::usage(format!("{what}: empty input")));
        }
        if has_bearer_prefix(t) {
            return Err(CliError::usage(format!(
                "{what} starts with \"Bearer \": remove the \"Bearer \" prefix and give the token alone"
            )));
        }
        Ok(t.to_owned())
    }

    /// Reads an argument that is inline JSON (starts with `{`), `-` for stdin, or a file path.
    pub(crate) fn read_json_arg(&mut self, what: &'static str, arg: &str) -> Result<Vec<u8>> {
        if arg.trim_start().starts_with('{') {
            Ok(arg.as_bytes().to_vec())
        } else {
            self.read(what, arg)
        }
    }
}

/// Whether `s` has the shape of a token: a JSON serialization (`{…`), five base64url
/// segments separated by dots (a JWE; segments may be empty, as with `dir`), or three
/// segments whose first is non-empty base64url and whose last is base64url (a JWS; the
/// middle one is free, for RFC 7797 unencoded payloads).
pub(crate) fn looks_like_token(s: &str) -> bool {
    fn b64url(seg: &str) -> bool {
        seg.bytes()
            .all(|b| b == b'-' || b == b'_' || b.is_ascii_alphanumeric())
    }
    if s.starts_with('{') {
        return true;
    }
    let segments: Vec<&str> = s.split('.').collect();
    match segments.as_slice() {
        [header, _, signature] => !header.is_empty() && b64url(header) && b64url(signature),
        [_, _, _, _, _] => segments.iter().all(|seg| b64url(seg)),
        _ => false,
    }
}

/// Refuses a compact JWE where a signed token is expected, pointing at `jwe decrypt`.
pub(crate) fn refuse_jwe(token: &str) -> Result<()> {
    if !token.starts_with('{') && token.split('.').count() == 5 {
        return Err(CliError::usage(
            "this is a JWE (5 segments); decrypt it with `tessera jwe decrypt`",
        ));
    }
    Ok(())
}

/// Refuses a JSON serialization where a JWT (always compact) is expected.
pub(crate) fn refuse_json_for_jwt(token: &str) -> Result<()> {
    if token.starts_with('{') {
        return Err(CliError::usage(
            "this is a JSON serialization, but a JWT is compact (three segments); \
             verify a JWS in JSON with `tessera jws verify`",
        ));
    }
    Ok(())
}

/// Whether a token was pasted with its `Authorization` scheme: `Bearer` (any case), then
/// whitespace.
pub(crate) fn has_bearer_prefix(s: &str) -> bool {
    s.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("bearer"))
        && s[6..].starts_with(|c: char| c.is_ascii_whitespace())
}

/// An argument as quoted in a message: at most 60 characters.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn read_capped(r: impl Read, what: &'static str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::usage(format!("{what}: cannot read: {e}")))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(CliError::usage(format!(
            "{what}: larger than the {MAX_INPUT}-byte input limit"
        )));
    }
    Ok(buf)
}

/// What a command prints on stdout.
#[derive(Debug)]
pub(crate) enum Output {
    /// A line of text (a token, a thumbprint); a newline is added.
    Line(String),
    /// A JSON value, pretty-printed, followed by a newline.
    Json(serde_json::Value),
    /// Raw bytes (a payload or plaintext), written exactly.
    Bytes(Vec<u8>),
}

impl Output {
    /// Writes the output to stdout.
    pub(crate) fn write(self) -> std::io::Result<()> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match self {
            Output::Line(s) => {
                out.write_all(s.as_bytes())?;
                out.write_all(b"\n")?;
            }
            Output::Json(v) => {
                let s = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
                out.write_all(s.as_bytes())?;
                out.write_all(b"\n")?;
            }
            Output::Bytes(b) => out.write_all(&b)?,
        }
        out.flush()
    }
}

/// Writes `output` to stdout. A reader that went away (`tessera … | head`) ends the output
/// normally: it returns `Ok`.
pub(crate) fn write_stdout(output: Output) -> std::io::Result<()> {
    match output.write() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes a diagnostic line to stderr, ignoring failures (a closed stderr must not panic).
pub(crate) fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "tessera: {msg}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes() {
        assert!(looks_like_token("eyJh.eyJz.c2ln"));
        assert!(looks_like_token("eyJh..c2ln"));
        assert!(!looks_like_token("eyJh.$.02.c2ln"));
        assert!(looks_like_token("eyJh.$02 x.c2ln"));
        assert!(looks_like_token("a.b.c.d.e"));
        assert!(looks_like_token("a..c.d.e"));
        assert!(looks_like_token("{\"payload\":\"\"}"));
        assert!(!looks_like_token("token"));
        assert!(!looks_like_token("token.jwt"));
        assert!(!looks_like_token("dir/id-token.jwt"));
        assert!(!looks_like_token("a.b.c.d"));
        assert!(!looks_like_token("Bearer a.b.c"));
    }

    #[test]
    fn bearer_prefixes() {
        assert!(has_bearer_prefix("Bearer a.b.c"));
        assert!(has_bearer_prefix("bearer   a.b.c"));
        assert!(has_bearer_prefix("BEARER\ta.b.c"));
        assert!(!has_bearer_prefix("Bearera.b.c"));
        assert!(!has_bearer_prefix("Bear"));
        assert!(!has_bearer_prefix("eyJhbGciOiJIUzI1NiJ9.e30.x"));
        // Not a char boundary at 6: no panic.
        assert!(!has_bearer_prefix("béarer x"));
    }
}
