//! Shared fixtures: the binary, the RFC vectors, key files in a temporary directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A command for the built `tessera` binary.
pub(crate) fn tessera() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("tessera")
}

/// A vector file from `tests/vectors/rfc-appendix/`.
pub(crate) fn vector(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/rfc-appendix")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A cookbook file from `tests/vectors/rfc7520-cookbook/`.
pub(crate) fn cookbook(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/rfc7520-cookbook")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A file from the workspace's `tests/vectors/` (OpenSSL-made PEM keys).
pub(crate) fn workspace_vector(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name)
}

/// The RFC 7515 Appendix A entry for `section` (e.g. "A.2").
pub(crate) fn rfc7515(section: &str) -> Value {
    vector("rfc7515_appendix_A.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["section"] == format!("RFC 7515 {section}"))
        .cloned()
        .unwrap()
}

/// A temporary directory holding files.
pub(crate) struct Dir(pub tempfile::TempDir);

impl Dir {
    pub(crate) fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    /// Writes `contents` to `name` and returns the path as a string.
    pub(crate) fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let p: PathBuf = self.0.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p.to_str().unwrap().to_owned()
    }

    /// Writes a JSON value to `name`.
    pub(crate) fn json(&self, name: &str, v: &Value) -> String {
        self.file(name, serde_json::to_vec(v).unwrap())
    }
}

/// Runs the command and returns (status, stdout, stderr).
pub(crate) fn run(cmd: &mut Command) -> (i32, Vec<u8>, String) {
    let out = cmd.output().unwrap();
    let code = out.status.code().expect("terminated by a signal");
    assert_ne!(
        code,
        101,
        "tessera panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the command, asserts success, returns stdout as a trimmed string.
pub(crate) fn ok(cmd: &mut Command) -> String {
    let (code, out, err) = run(cmd);
    assert_eq!(code, 0, "expected success; stderr: {err}");
    String::from_utf8(out).unwrap().trim_end().to_owned()
}

/// Runs the command, asserts the exit status, returns stderr; stdout must be empty.
pub(crate) fn fails(cmd: &mut Command, status: i32) -> String {
    let (code, out, err) = run(cmd);
    assert_eq!(
        code,
        status,
        "stderr: {err}; stdout: {}",
        String::from_utf8_lossy(&out)
    );
    assert!(
        out.is_empty(),
        "a failing command printed data: {}",
        String::from_utf8_lossy(&out)
    );
    assert!(err.starts_with("tessera: "), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on failure: {err}"
    );
    err
}

/// Base64url decoding for assertions (independent of tessera's own decoder).
pub(crate) fn b64d(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = A.iter().position(|&x| x == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
