//! `tessera demo`: the narrated walk-through is also a smoke test of the whole stack.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

/// The value after a narration label (`   label   value`).
fn value_of<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{out}"))
        .trim()
}

#[test]
fn every_step_behaves_and_says_so() {
    // Run in an empty directory: the demo must leave nothing behind without --out.
    let cwd = Dir::new();
    // A proxy in the environment must not be used for the loopback fetches.
    let dead = "http://127.0.0.1:9";
    let (code, out, err) = run(tessera()
        .arg("demo")
        .current_dir(cwd.0.path())
        .env("HTTP_PROXY", dead)
        .env("http_proxy", dead)
        .env("ALL_PROXY", dead)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy"));
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "stderr: {err}\nstdout:\n{out}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
    assert_eq!(
        std::fs::read_dir(cwd.0.path()).unwrap().count(),
        0,
        "no files left behind"
    );
    let lines = out.lines().count();
    assert!((40..=70).contains(&lines), "{lines} lines:\n{out}");

    // 1-3: the key, the ID token, its verification through the served JWK Set.
    let jwks_url = value_of(&out, "JWK Set served at");
    assert!(jwks_url.starts_with("http://127.0.0.1:") && jwks_url.ends_with("/jwks"));
    let issuer = jwks_url.trim_end_matches("/jwks");
    let token = value_of(&out, "token ");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let header: Value = serde_json::from_slice(&b64d(parts[0])).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], "key-1");
    let claims: Value = serde_json::from_slice(&b64d(parts[1])).unwrap();
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["aud"], "demo-app");
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["iat"], 1_800_000_000);
    assert_eq!(claims["exp"], 1_800_000_600);
    assert!(
        value_of(&out, "verified").starts_with(r#"sub "alice", email "alice@example.com""#),
        "{out}"
    );
    assert!(out.contains("JWK Set fetches    1 (the server's count) for 4 verifications"));

    // 4: precise refusals.
    for expected in [
        "refused: invalid signature",
        r#"refused: audience ["demo-app"] is not accepted (expected one of ["other-app"])"#,
        "refused: the token expired 90 s ago (exp 1799999910, leeway 30 s)",
        r#"refused: unsupported algorithm "none""#,
        r#"refused: algorithm "HS256" is not on the allow-list"#,
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }

    // 5: rotation costs exactly one refetch; an invented kid costs none.
    assert!(
        out.contains("the unknown kid cost 1 refetch (server count 1 → 2)"),
        "{out}"
    );
    assert!(
        out.contains(r#"refused: no key with kid "key-99""#),
        "{out}"
    );
    assert!(out.contains("no refetch: at most one per 30 s cooldown (server count still 2)"));

    // 6: the nested JWT.
    let jwe_header: Value = serde_json::from_str(value_of(&out, "JWE header")).unwrap();
    assert_eq!(jwe_header["alg"], "ECDH-ES+A256KW");
    assert_eq!(jwe_header["enc"], "A256GCM");
    assert_eq!(jwe_header["cty"], "JWT");
    assert_eq!(jwe_header["epk"]["crv"], "X25519");
    assert!(out.contains(r#"inner JWS ES256, signed by key-2, sub "alice""#));
    assert!(out.contains("another X25519 key refused: decryption failed"));

    // 7: PKCE, checked independently: challenge = BASE64URL(SHA-256(verifier)).
    let verifier = value_of(&out, "code_verifier");
    let challenge = value_of(&out, "code_challenge")
        .strip_suffix(" (method S256)")
        .unwrap();
    assert_eq!(
        b64d(challenge),
        Sha256::digest(verifier.as_bytes()).to_vec()
    );
    assert!(out.contains("another verifier: refused: code verifier does not match"));
    assert!(out.contains(r#"method plain: refused: code_challenge_method "plain" is not allowed"#));

    assert!(
        out.contains("All 7 steps behaved as expected.") && out.contains("served 2 fetches"),
        "{out}"
    );
}

#[test]
fn out_dir_holds_files_the_other_commands_replay() {
    let dir = Dir::new();
    let files = dir.0.path().join("files");
    let files_s = files.to_str().unwrap();
    let out = ok(tessera().args(["demo", "--out", files_s]));
    assert!(out.contains(&format!("Files are in {files_s}/")), "{out}");
    let mut names: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "id-token.jwt",
            "jwks.json",
            "nested-id-token.jwe",
            "pkce.json",
            "provider-key-1.json",
            "provider-key-2.json",
            "rp-enc-key.json"
        ]
    );
    let path = |n: &str| files.join(n).to_str().unwrap().to_owned();

    // The ID token verifies against the saved JWK Set (a key file, not the server, now gone).
    let claims: Value = serde_json::from_str(&ok(tessera().args([
        "jwt",
        "verify",
        "--key",
        &path("jwks.json"),
        "--alg",
        "ES256",
        "--aud",
        "demo-app",
        "--now",
        "1800000000",
        &std::fs::read_to_string(path("id-token.jwt")).unwrap(),
    ])))
    .unwrap();
    assert_eq!(claims["sub"], "alice");
    // The JWK Set holds public keys only.
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(path("jwks.json")).unwrap()).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            assert!(k.get("d").is_none(), "private member in {k}");
            k["kid"].as_str().unwrap()
        })
        .collect();
    assert_eq!(kids, ["key-2", "key-1"]);

    // The nested token decrypts with the RP's key to a JWS signed with key-2.
    let inner = ok(tessera().args([
        "jwe",
        "decrypt",
        "--key",
        &path("rp-enc-key.json"),
        &std::fs::read_to_string(path("nested-id-token.jwe")).unwrap(),
    ]));
    let header: Value = serde_json::from_slice(&b64d(inner.split('.').next().unwrap())).unwrap();
    assert_eq!(header["kid"], "key-2");

    // The PKCE pair is consistent.
    let pkce: Value =
        serde_json::from_str(&std::fs::read_to_string(path("pkce.json")).unwrap()).unwrap();
    assert_eq!(
        b64d(pkce["code_challenge"].as_str().unwrap()),
        Sha256::digest(pkce["code_verifier"].as_str().unwrap().as_bytes()).to_vec()
    );
}

#[test]
fn unwritable_out_dir_is_a_usage_error() {
    let dir = Dir::new();
    let file = dir.file("not-a-dir", "x");
    let err = fails(tessera().args(["demo", "--out", &format!("{file}/sub")]), 2);
    assert!(err.contains("--out: cannot create"), "{err}");
}

#[test]
fn help_explains_the_steps_and_the_exit_status() {
    let help = ok(tessera().args(["demo", "--help"]));
    for expected in [
        "127.0.0.1",
        "ID token",
        "exactly one refetch",
        "ECDH-ES+A256KW",
        "PKCE",
        "exit status 0",
        "--out <DIR>",
    ] {
        assert!(help.contains(expected), "missing {expected:?} in:\n{help}");
    }
    assert!(ok(tessera().arg("--help")).contains("demo"));
}
