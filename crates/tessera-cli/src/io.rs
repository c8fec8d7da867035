//! Reading inputs (files, `-` for stdin, inline JSON) with a size cap, and writing outputs.

use std::io::{Read, Write};

use crate::error::{CliError, Result};

/// The largest input read from a file or stdin: 16 MiB. Larger input is refused (status 2)
/// rather than read without bound.
pub const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// Hands out inputs, making sure stdin is read at most once.
#[derive(Debug, Default)]
pub struct Inputs {
    stdin_taken_by: Option<&'static str>,
}

impl Inputs {
    /// Reads `path`, or stdin when `path` is `-`. `what` names the argument in errors.
    pub fn read(&mut self, what: &'static str, path: &str) -> Result<Vec<u8>> {
        if path == "-" {
            return self.stdin(what);
        }
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::usage(format!("{what}: cannot open {path:?}: {e}")))?;
        read_capped(file, what)
    }

    /// Reads stdin in full, once.
    pub fn stdin(&mut self, what: &'static str) -> Result<Vec<u8>> {
        if let Some(first) = self.stdin_taken_by {
            return Err(CliError::usage(format!(
                "{what}: stdin is already used for {first}; only one input can come from `-`"
            )));
        }
        self.stdin_taken_by = Some(what);
        read_capped(std::io::stdin().lock(), what)
    }

    /// Reads a UTF-8 text input (a token), trimming surrounding whitespace.
    pub fn read_token(&mut self, what: &'static str, arg: &str) -> Result<String> {
        let raw = if arg == "-" {
            self.stdin(what)?
        } else {
            arg.as_bytes().to_vec()
        };
        let s = String::from_utf8(raw)
            .map_err(|_| CliError::usage(format!("{what}: not UTF-8 text")))?;
        let t = s.trim();
        if t.is_empty() {
            return Err(CliError::usage(format!("{what}: empty input")));
        }
        Ok(t.to_owned())
    }

    /// Reads an argument that is inline JSON (starts with `{`), `-` for stdin, or a file path.
    pub fn read_json_arg(&mut self, what: &'static str, arg: &str) -> Result<Vec<u8>> {
        if arg.trim_start().starts_with('{') {
            Ok(arg.as_bytes().to_vec())
        } else {
            self.read(what, arg)
        }
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
pub enum Output {
    /// A line of text (a token, a thumbprint); a newline is added.
    Line(String),
    /// A JSON value, pretty-printed, followed by a newline.
    Json(serde_json::Value),
    /// Raw bytes (a payload or plaintext), written exactly.
    Bytes(Vec<u8>),
}

impl Output {
    /// Writes the output to stdout.
    pub fn write(self) -> std::io::Result<()> {
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

/// Writes a diagnostic line to stderr, ignoring failures (a closed stderr must not panic).
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "tessera: {msg}");
}
