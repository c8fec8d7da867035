//! Interoperability with an independent JOSE implementation: Python `jwcrypto` (pinned in
//! `tests/interop/jwcrypto/requirements.txt` at the workspace root).
//!
//! These tests need that peer installed from PyPI, so a plain `cargo test` does not run them
//! (they are `#[ignore]`d and never touch the network). `cargo xtask interop` (part of
//! `cargo xtask ci`) installs jwcrypto into a venv under `target/interop/jwcrypto` and runs
//! them with `--ignored`, naming the interpreter in `TESSERA_JWCRYPTO_PYTHON` (and, when it
//! had to install with `pip --target`, the directory in `TESSERA_JWCRYPTO_PYTHONPATH`).
//! Run without that variable, they fail and say how to run them. Then, for every JWS
//! algorithm and a representative set of JWE `alg`/`enc` pairs, in both directions:
//!
//! - jwcrypto generates a key and signs or encrypts; `tessera` verifies or decrypts;
//! - `tessera` generates a key and signs or encrypts; jwcrypto verifies or decrypts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

const PAYLOAD: &str = "Interop: héllo from ✓ tessera";

const JWS_ALGS: &[&str] = &[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

fn tessera_bin() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("tessera")
}

struct Peer {
    python: PathBuf,
    pythonpath: Option<PathBuf>,
    script: PathBuf,
}

/// The peer `cargo xtask interop` installed; fails the test when it is missing.
fn peer() -> &'static Peer {
    static PEER: OnceLock<Peer> = OnceLock::new();
    PEER.get_or_init(|| {
        let python = std::env::var_os("TESSERA_JWCRYPTO_PYTHON").unwrap_or_else(|| {
            panic!(
                "TESSERA_JWCRYPTO_PYTHON is not set: these tests need jwcrypto installed; \
                 run them with `cargo xtask interop`"
            )
        });
        Peer {
            python: python.into(),
            pythonpath: std::env::var_os("TESSERA_JWCRYPTO_PYTHONPATH").map(PathBuf::from),
            script: workspace_root().join("tests/interop/jwcrypto/peer.py"),
        }
    })
}

/// Runs `peer.py <mode>` with `input` on stdin and returns its JSON output.
fn call_peer(peer: &Peer, mode: &str, input: &Value) -> Value {
    let mut cmd = Command::new(&peer.python);
    cmd.arg(&peer.script).arg(mode);
    if let Some(p) = &peer.pythonpath {
        cmd.env("PYTHONPATH", p);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(input).unwrap().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "peer.py {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs tessera with `args` and optional stdin; returns stdout, asserting success.
fn tessera(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut cmd = assert_cmd::Command::new(tessera_bin());
    cmd.args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_vec());
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "tessera {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The public half of a JWK, computed here (not by tessera): drop the private members.
fn public_half(jwk: &Value) -> Value {
    let mut k = jwk.clone();
    if k["kty"] != "oct" {
        for m in ["d", "p", "q", "dp", "dq", "qi", "oth", "priv"] {
            k.as_object_mut().unwrap().remove(m);
        }
    }
    k
}

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p.to_str().unwrap().to_owned()
}

/// jwcrypto signs with its own keys; tessera verifies with the public half.
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn jws_from_jwcrypto_verified_by_tessera() {
    let peer = peer();
    let mut jws: Vec<Value> = JWS_ALGS.iter().map(|a| json!({"alg": a})).collect();
    jws.push(json!({"alg": "HS256", "b64": false}));
    jws.push(json!({"alg": "ES256", "b64": false}));
    let spec = json!({ "payload": PAYLOAD, "jws": jws });
    let cases = call_peer(peer, "produce", &spec);
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), JWS_ALGS.len() + 2);
    let dir = tempfile::tempdir().unwrap();
    for case in cases {
        let alg = case["alg"].as_str().unwrap();
        let key = write_json(dir.path(), "key.json", &public_half(&case["jwk"]));
        let token = case["token"].as_str().unwrap();
        let payload = tessera(&["jws", "verify", "--key", &key, "--alg", alg, token], None);
        assert_eq!(String::from_utf8(payload).unwrap(), PAYLOAD, "{alg}");
        let form = if case["b64"] == false {
            "b64:false compact"
        } else {
            "compact"
        };
        eprintln!("interop: jwcrypto -> tessera  JWS {alg:<6} {form} ok");
    }
}

/// tessera generates keys and signs (compact, JSON, flattened, unencoded); jwcrypto verifies.
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn jws_from_tessera_verified_by_jwcrypto() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    let mut label = Vec::new();
    for alg in JWS_ALGS {
        let jwk: Value =
            serde_json::from_slice(&tessera(&["jwk", "generate", "--alg", alg], None)).unwrap();
        let key = write_json(dir.path(), "key.json", &jwk);
        let mut variants: Vec<(&str, Vec<&str>)> = vec![("compact", vec![])];
        if *alg == "ES256" || *alg == "HS512" || *alg == "ML-DSA-87" {
            variants.push(("general JSON", vec!["--json"]));
            variants.push(("flattened JSON", vec!["--flattened"]));
        }
        if *alg == "HS256" || *alg == "EdDSA" {
            // jwcrypto reads RFC 7797 payloads in the JSON serialization only.
            variants.push(("b64:false flattened", vec!["--unencoded", "--flattened"]));
            variants.push(("b64:false general", vec!["--unencoded", "--json"]));
        }
        for (name, extra) in variants {
            let mut args = vec!["jws", "sign", "--key", &key, "--alg", alg];
            args.extend(extra);
            let out = tessera(&args, Some(PAYLOAD.as_bytes()));
            let out = String::from_utf8(out).unwrap();
            // JSON serializations are sent as compact JSON text.
            let token = if out.starts_with('{') {
                serde_json::from_str::<Value>(&out).unwrap().to_string()
            } else {
                out.trim_end().to_owned()
            };
            cases.push(json!({
                "kind": "jws", "alg": alg, "jwk": public_half(&jwk),
                "token": token, "payload": PAYLOAD,
            }));
            label.push(format!("JWS {alg:<6} {name}"));
        }
    }
    let results = call_peer(peer, "consume", &json!({ "cases": cases }));
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    let mut failed = Vec::new();
    for (r, l) in results.iter().zip(&label) {
        if r["ok"] == true {
            eprintln!("interop: tessera -> jwcrypto  {l} ok");
        } else {
            failed.push(format!("{l}: {r}"));
        }
    }
    assert!(failed.is_empty(), "jwcrypto rejected: {failed:#?}");
}

/// A representative set of JWE `alg`/`enc` pairs (with the curve for ECDH-ES).
const JWE_PAIRS: &[(&str, &str, Option<&str>)] = &[
    ("RSA-OAEP-256", "A256GCM", None),
    ("RSA-OAEP", "A128CBC-HS256", None),
    ("A128KW", "A128CBC-HS256", None),
    ("A256KW", "A256CBC-HS512", None),
    ("A256GCMKW", "A192GCM", None),
    ("A128GCMKW", "A128GCM", None),
    ("dir", "A256GCM", None),
    ("dir", "A192CBC-HS384", None),
    ("ECDH-ES+A256KW", "A256GCM", Some("P-256")),
    ("ECDH-ES+A256KW", "A256GCM", Some("X25519")),
    ("ECDH-ES", "A128GCM", Some("P-256")),
    ("ECDH-ES", "A256CBC-HS512", Some("X25519")),
    ("ECDH-ES+A192KW", "A192GCM", Some("P-384")),
    ("ECDH-ES+A128KW", "A192CBC-HS384", Some("P-521")),
];

fn pair_label(alg: &str, enc: &str, crv: Option<&str>) -> String {
    match crv {
        Some(c) => format!("JWE {alg}/{enc} ({c})"),
        None => format!("JWE {alg}/{enc}"),
    }
}

/// jwcrypto generates keys and encrypts; tessera decrypts with the private key, allowing only
/// the case's algorithms.
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn jwe_from_jwcrypto_decrypted_by_tessera() {
    let peer = peer();
    let spec = json!({
        "payload": PAYLOAD,
        "jwe": JWE_PAIRS.iter().map(|(a, e, c)| json!({"alg": a, "enc": e, "crv": c})).collect::<Vec<_>>(),
    });
    let cases = call_peer(peer, "produce", &spec);
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), JWE_PAIRS.len());
    let dir = tempfile::tempdir().unwrap();
    for (case, (alg, enc, crv)) in cases.iter().zip(JWE_PAIRS) {
        assert_eq!(case["alg"], *alg);
        let key = write_json(dir.path(), "key.json", &case["jwk"]);
        let token = case["token"].as_str().unwrap();
        let plaintext = tessera(
            &[
                "jwe", "decrypt", "--key", &key, "--alg", alg, "--enc", enc, token,
            ],
            None,
        );
        assert_eq!(
            String::from_utf8(plaintext).unwrap(),
            PAYLOAD,
            "{alg} {enc}"
        );
        eprintln!(
            "interop: jwcrypto -> tessera  {} ok",
            pair_label(alg, enc, *crv)
        );
    }
}

/// tessera generates keys and encrypts to the public half (compact, and JSON for some);
/// jwcrypto decrypts with the private key.
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn jwe_from_tessera_decrypted_by_jwcrypto() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    let mut labels = Vec::new();
    for (i, (alg, enc, crv)) in JWE_PAIRS.iter().enumerate() {
        let mut gen_args = vec!["jwk", "generate", "--alg", alg];
        if *alg == "dir" {
            gen_args.extend(["--enc", enc]);
        }
        if let Some(c) = crv {
            gen_args.extend(["--crv", c]);
        }
        let jwk: Value = serde_json::from_slice(&tessera(&gen_args, None)).unwrap();
        let key = write_json(dir.path(), "key.json", &public_half(&jwk));
        let mut variants: Vec<(&str, Vec<&str>)> = vec![("compact", vec![])];
        if i % 4 == 0 {
            variants.push(("general JSON", vec!["--json"]));
        }
        if i % 4 == 1 {
            variants.push(("flattened JSON", vec!["--flattened"]));
        }
        for (form, extra) in variants {
            let mut args = vec!["jwe", "encrypt", "--key", &key, "--alg", alg, "--enc", enc];
            args.extend(extra);
            let out = String::from_utf8(tessera(&args, Some(PAYLOAD.as_bytes()))).unwrap();
            let token = if out.starts_with('{') {
                serde_json::from_str::<Value>(&out).unwrap().to_string()
            } else {
                out.trim_end().to_owned()
            };
            cases.push(json!({
                "kind": "jwe", "alg": alg, "enc": enc, "jwk": jwk,
                "token": token, "payload": PAYLOAD,
            }));
            labels.push(format!("{} {form}", pair_label(alg, enc, *crv)));
        }
    }
    let results = call_peer(peer, "consume", &json!({ "cases": cases }));
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    let mut failed = Vec::new();
    for (r, l) in results.iter().zip(&labels) {
        if r["ok"] == true {
            eprintln!("interop: tessera -> jwcrypto  {l} ok");
        } else {
            failed.push(format!("{l}: {r}"));
        }
    }
    assert!(failed.is_empty(), "jwcrypto could not decrypt: {failed:#?}");
}

const JWT_ALGS: &[&str] = &[
    "HS256",
    "RS256",
    "PS384",
    "ES256",
    "ES512",
    "EdDSA",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
];

/// JWTs both ways: jwcrypto's verified by `tessera jwt verify` (issuer, audience, expiry against
/// the real clock), tessera's verified by jwcrypto's JWT validation.
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn jwt_both_ways() {
    let peer = peer();
    let claims =
        json!({"iss": "https://peer.example", "sub": "alice", "aud": "api", "scope": "read"});
    let spec = json!({
        "jwt": JWT_ALGS.iter().map(|a| json!({"alg": a, "claims": claims})).collect::<Vec<_>>(),
    });
    let produced = call_peer(peer, "produce", &spec);
    let dir = tempfile::tempdir().unwrap();
    for case in produced["cases"].as_array().unwrap() {
        let alg = case["alg"].as_str().unwrap();
        let key = write_json(dir.path(), "key.json", &public_half(&case["jwk"]));
        let out = tessera(
            &[
                "jwt",
                "verify",
                "--key",
                &key,
                "--alg",
                alg,
                "--iss",
                "https://peer.example",
                "--aud",
                "api",
                "--require",
                "sub",
                case["token"].as_str().unwrap(),
            ],
            None,
        );
        let got: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(got, case["claims"], "{alg}");
        eprintln!("interop: jwcrypto -> tessera  JWT {alg:<6} ok");
    }

    let mut cases = Vec::new();
    for alg in JWT_ALGS {
        let jwk: Value =
            serde_json::from_slice(&tessera(&["jwk", "generate", "--alg", alg], None)).unwrap();
        let key = write_json(dir.path(), "key.json", &jwk);
        let token = tessera(
            &[
                "jwt",
                "sign",
                "--key",
                &key,
                "--claims",
                &claims.to_string(),
                "--expires-in",
                "600",
            ],
            None,
        );
        let token = String::from_utf8(token).unwrap().trim_end().to_owned();
        let signed: Value =
            serde_json::from_slice(&tessera(&["jwt", "decode", &token], None)).unwrap();
        cases.push(json!({
            "kind": "jwt", "alg": alg, "jwk": public_half(&jwk), "token": token,
            "claims": signed["claims"],
        }));
    }
    let results = call_peer(peer, "consume", &json!({ "cases": cases }));
    let mut failed = Vec::new();
    for (r, alg) in results["results"].as_array().unwrap().iter().zip(JWT_ALGS) {
        if r["ok"] == true {
            eprintln!("interop: tessera -> jwcrypto  JWT {alg:<6} ok");
        } else {
            failed.push(format!("{alg}: {r}"));
        }
    }
    assert!(failed.is_empty(), "jwcrypto rejected: {failed:#?}");
}
