//! Diagnostics a new user meets: each is one line that says what is wrong once, with the
//! contract's exit status.

use std::net::TcpListener;

use crate::common::*;
use crate::jwt_verify::serve;

const NOW: &str = "1700000000";

/// An ES256 key file and a JWT it signed (aud "api", valid 10 minutes from NOW).
fn key_and_jwt(dir: &Dir) -> (String, String) {
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256"])),
    );
    let jwt = ok(tessera().args([
        "jwt",
        "sign",
        "--key",
        &key,
        "--claims",
        r#"{"aud":"api"}"#,
        "--expires-in",
        "600",
        "--now",
        NOW,
    ]));
    (key, jwt)
}

fn jwt_verify(key: &str) -> assert_cmd::Command {
    let mut cmd = tessera();
    cmd.args([
        "jwt", "verify", "--key", key, "--alg", "ES256", "--aud", "api", "--now", NOW,
    ]);
    cmd
}

fn jws_verify(key: &str) -> assert_cmd::Command {
    let mut cmd = tessera();
    cmd.args(["jws", "verify", "--key", key, "--alg", "ES256"]);
    cmd
}

#[test]
fn a_token_argument_that_is_neither_a_file_nor_a_token() {
    let dir = Dir::new();
    let (key, _) = key_and_jwt(&dir);
    let missing = dir.0.path().join("token").to_str().unwrap().to_owned();
    let expected =
        format!("tessera: token {missing:?} is neither a readable file nor a compact token\n");
    assert_eq!(fails(jwt_verify(&key).arg(&missing), 2), expected);
    assert_eq!(fails(jws_verify(&key).arg(&missing), 2), expected);
    assert_eq!(
        fails(tessera().args(["jwt", "decode", &missing]), 2),
        expected
    );
    assert_eq!(
        fails(
            tessera().args(["jwe", "decrypt", "--key", &key, &missing]),
            2
        ),
        expected
    );
}

#[test]
fn a_token_argument_may_name_the_file_that_holds_it() {
    let dir = Dir::new();
    let (key, jwt) = key_and_jwt(&dir);
    let file = dir.file("token", format!("{jwt}\n"));
    let claims = ok(jwt_verify(&key).arg(&file));
    assert!(claims.contains(r#""aud": "api""#), "{claims}");
    ok(tessera().args(["jwt", "decode", &file]));
}

#[test]
fn a_bearer_prefix_is_refused_with_a_hint() {
    let dir = Dir::new();
    let (key, jwt) = key_and_jwt(&dir);
    let expected = "tessera: token starts with \"Bearer \": remove the \"Bearer \" prefix and give the token alone\n";
    for pasted in [
        format!("Bearer {jwt}"),
        format!("bearer   {jwt}"),
        format!("BEARER\t{jwt}"),
    ] {
        assert_eq!(fails(jwt_verify(&key).arg(&pasted), 2), expected);
        assert_eq!(
            fails(jwt_verify(&key).arg("-").write_stdin(pasted.clone()), 2),
            expected
        );
        assert_eq!(fails(jws_verify(&key).arg(&pasted), 2), expected);
    }
}

#[test]
fn a_jwe_given_to_verify_points_at_jwe_decrypt() {
    let dir = Dir::new();
    let (key, _) = key_and_jwt(&dir);
    let enc = dir.file(
        "enc.json",
        ok(tessera().args(["jwk", "generate", "--alg", "A128KW"])),
    );
    let jwe = ok(tessera()
        .args([
            "jwe", "encrypt", "--key", &enc, "--alg", "A128KW", "--enc", "A128GCM",
        ])
        .write_stdin("secret"));
    let expected = "tessera: this is a JWE (5 segments); decrypt it with `tessera jwe decrypt`\n";
    assert_eq!(fails(jwt_verify(&key).arg(&jwe), 2), expected);
    assert_eq!(fails(jws_verify(&key).arg(&jwe), 2), expected);
    assert_eq!(
        fails(jws_verify(&key).arg("-").write_stdin(jwe.clone()), 2),
        expected
    );
    // A JSON serialization is no JWT either.
    assert_eq!(
        fails(
            jwt_verify(&key).arg(r#"{"payload":"e30","signatures":[]}"#),
            2
        ),
        "tessera: this is a JSON serialization, but a JWT is compact (three segments); \
         verify a JWS in JSON with `tessera jws verify`\n"
    );
}

#[test]
fn input_errors_name_the_input_once() {
    let dir = Dir::new();
    let (key, jwt) = key_and_jwt(&dir);
    let not_json = dir.file("key.json", "?");
    assert_eq!(
        fails(jwt_verify(&not_json).arg(&jwt), 2),
        format!(
            "tessera: key file {not_json}: not valid JSON: expected value at line 1 column 1\n"
        )
    );
    let array = dir.file("array.json", "[1]");
    assert_eq!(
        fails(jws_verify(&array).arg(&jwt), 2),
        format!("tessera: key file {array}: not valid JSON: expected a JSON object\n")
    );
    assert_eq!(
        fails(
            tessera().args(["jwt", "sign", "--key", &key, "--claims", r#"{"a":1,"a":2}"#]),
            2
        ),
        "tessera: --claims: repeats the member \"a\"\n"
    );
    assert_eq!(
        fails(
            tessera()
                .args(["jws", "sign", "--key", &key, "--header", "{nope"])
                .write_stdin("x"),
            2
        ),
        "tessera: --header: not valid JSON: key must be a string at line 1 column 2\n"
    );
    let pem = dir.file(
        "bad.pem",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    let err = fails(jwt_verify(&pem).arg(&jwt), 2);
    assert!(
        err.starts_with(&format!("tessera: key file {pem}: ")),
        "{err}"
    );
    assert!(!err.contains("key file: key file"), "{err}");
}

#[test]
fn rsa_key_sizes_out_of_range_say_the_range() {
    for (bits, expected) in [
        (
            "1024",
            "tessera: --bits 1024: RSA keys must be at least 2048 bits\n",
        ),
        (
            "16384",
            "tessera: --bits 16384: RSA keys must be at most 8192 bits\n",
        ),
        (
            "2049",
            "tessera: --bits 2049: RSA key sizes must be a multiple of 8\n",
        ),
    ] {
        assert_eq!(
            fails(
                tessera().args(["jwk", "generate", "--alg", "RS256", "--bits", bits]),
                2
            ),
            expected
        );
    }
}

#[test]
fn a_failed_fetch_names_the_url_and_the_causes() {
    let dir = Dir::new();
    let (_, jwt) = key_and_jwt(&dir);
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/jwks");
    let verify = |url: &str| {
        let mut cmd = tessera();
        cmd.args([
            "jwt",
            "verify",
            "--jwks-url",
            url,
            "--alg",
            "ES256",
            "--aud",
            "api",
            "--now",
            NOW,
            &jwt,
        ]);
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env_remove(var);
        }
        cmd
    };
    let err = fails(&mut verify(&url), 2);
    let prefix = format!("tessera: fetching {url} failed: connecting failed: ");
    assert!(err.starts_with(&prefix), "{err}");
    // The causes below the adapter's summary are there, down to the refused connection.
    assert!(err.to_lowercase().contains("refused"), "{err}");
    // A server that answers with an error status.
    let (url, _) = serve(500, "oops".into());
    assert_eq!(
        fails(&mut verify(&url), 2),
        format!(
            "tessera: fetching {url} failed: the server answered HTTP 500 Internal Server Error\n"
        )
    );
}

#[test]
fn jwt_sign_warns_when_the_token_never_expires() {
    let dir = Dir::new();
    let (key, _) = key_and_jwt(&dir);
    let (code, out, err) = run(tessera().args([
        "jwt",
        "sign",
        "--key",
        &key,
        "--claims",
        r#"{"aud":"api"}"#,
        "--now",
        NOW,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        "tessera: warning: this token never expires (no --expires-in and no \"exp\" in --claims); \
         `tessera jwt verify` requires \"exp\" unless --insecure-allow-missing-exp\n"
    );
    let token = String::from_utf8(out).unwrap();
    // And indeed: refused by default, accepted with the explicit opt-out.
    let refused = fails(jwt_verify(&key).arg(token.trim()), 1);
    assert!(refused.contains("exp"), "{refused}");
    ok(jwt_verify(&key)
        .arg("--insecure-allow-missing-exp")
        .arg(token.trim()));
    // With an expiry, from either place, nothing is said.
    for extra in [
        &["--claims", r#"{"aud":"api"}"#, "--expires-in", "60"][..],
        &["--claims", r#"{"aud":"api","exp":1700000600}"#],
    ] {
        let (code, _, err) = run(tessera()
            .args(["jwt", "sign", "--key", &key, "--now", NOW])
            .args(extra));
        assert_eq!((code, err.as_str()), (0, ""), "{extra:?}");
    }
}

/// No diagnostic repeats the command's own prefix ("key file: key file is not valid JSON").
#[test]
fn no_diagnostic_repeats_a_prefix() {
    let dir = Dir::new();
    let (key, jwt) = key_and_jwt(&dir);
    let files = [
        dir.file("empty.json", ""),
        dir.file("text.json", "?"),
        dir.file("dup.json", r#"{"kty":"oct","kty":"oct"}"#),
        dir.file("deep.json", "[".repeat(200)),
        dir.file("nokty.json", r#"{"k":"AAAA"}"#),
        dir.file("emptyset.json", r#"{"keys":[]}"#),
        dir.file(
            "bad.pem",
            "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n",
        ),
        dir.0
            .path()
            .join("missing.json")
            .to_str()
            .unwrap()
            .to_owned(),
    ];
    let mut messages = Vec::new();
    for file in &files {
        messages.push(fails(jwt_verify(file).arg(&jwt), 2));
        messages.push(fails(jws_verify(file).arg(&jwt), 2));
        messages.push(fails(
            tessera().args(["jwt", "sign", "--key", file, "--claims", "{}"]),
            2,
        ));
        messages.push(fails(tessera().args(["jwk", "thumbprint", file]), 2));
    }
    for (args, stdin) in [
        (&["jws", "sign", "--key", &key, "--header", "[]"][..], "x"),
        (
            &["jws", "sign", "--key", &key, "--header", r#"{"a":1,"a":1}"#],
            "x",
        ),
        (&["jwt", "sign", "--key", &key, "--claims", "{"], ""),
        (&["jwt", "decode", "-"], "e30.bm90IGpzb24.AA"),
        (&["jwt", "decode", "-"], "e30.eyJhIjoxLCJhIjoyfQ.AA"),
        (&["jwe", "decrypt", "--key", &key, "-"], "a.b.c.d.e"),
    ] {
        messages.push(fails(tessera().args(args).write_stdin(stdin), 2));
    }
    // The command's own label (what it was reading) is not said again by the cause after it.
    for msg in &messages {
        let parts: Vec<&str> = msg.trim_end().split(": ").collect();
        if let [_, label, cause, ..] = parts.as_slice() {
            assert!(
                !cause.starts_with(label),
                "{label:?} is repeated in {msg:?}"
            );
        }
    }
}
