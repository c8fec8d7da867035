//! The command's contract: help, usage errors, stdin handling, and no input ends in a panic.

use crate::common::*;

const SUBCOMMANDS: &[&[&str]] = &[
    &[],
    &["jwk"],
    &["jwk", "public"],
    &["jwk", "thumbprint"],
    &["jws"],
    &["jws", "sign"],
    &["jws", "verify"],
    &["jwt"],
    &["jwt", "decode"],
    &["jwt", "sign"],
    &["jwt", "verify"],
    &["jwe"],
    &["jwe", "encrypt"],
    &["jwe", "decrypt"],
    &["jwk", "generate"],
    &["jwk", "import"],
    &["jwk", "export"],
    &["pkce"],
];

#[test]
fn help_for_every_command() {
    for sub in SUBCOMMANDS {
        let out = ok(tessera().args(*sub).arg("--help"));
        assert!(out.contains("Usage: tessera"), "{sub:?}: {out}");
        assert!(
            out.lines().all(|l| l.len() <= 100),
            "{sub:?} wraps badly: {out}"
        );
    }
    let top = ok(tessera().arg("--help"));
    assert!(top.contains("Exit status"));
    assert!(ok(tessera().arg("--version")).starts_with("tessera "));
}

#[test]
fn usage_errors_are_status_2() {
    for args in [
        &["bogus"][..],
        &[],
        &["jws", "verify", "--key", "k.json"], // --alg is required
        &["jws", "sign"],                      // --key is required
        &["jwk", "thumbprint"],                // FILE is required
        &["jwk", "public", "a", "b"],
    ] {
        let (code, out, err) = run(tessera().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(!err.is_empty(), "{args:?}");
    }
}

#[test]
fn stdin_is_used_once() {
    let err = fails(
        tessera()
            .args(["jws", "verify", "--key", "-", "--alg", "HS256", "-"])
            .write_stdin(r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#),
        2,
    );
    assert!(err.contains("stdin"), "{err}");
}

/// Hostile inputs to every command that reads input: the status is always 0, 1 or 2.
#[test]
fn no_input_panics() {
    let dir = Dir::new();
    let hs = dir.json("hs.json", &rfc7515("A.1")["jwk"]);
    let mut garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\xff\xfe\x00".to_vec(),
        b"{}".to_vec(),
        b"{\"keys\":[{}]}".to_vec(),
        b"{\"kty\":\"RSA\",\"n\":\"\",\"e\":\"\"}".to_vec(),
        b"{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"\",\"y\":\"\",\"d\":\"\"}".to_vec(),
        b"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AA\"}".to_vec(),
        b"{\"kty\":\"oct\",\"k\":\"\"}".to_vec(),
        b"..".to_vec(),
        b"....".to_vec(),
        b"eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.e30.AA".to_vec(),
        b"eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2V9.e30.AA".to_vec(),
        "[".repeat(10_000).into_bytes(),
        "e".repeat(100_000).into_bytes(),
    ];
    garbage.push([b"a.".to_vec(), vec![b'.'; 50_000]].concat());
    for input in &garbage {
        let file = dir.file("in", input);
        let runs: Vec<Vec<&str>> = vec![
            vec!["jwk", "public", "-"],
            vec!["jwk", "thumbprint", "-"],
            vec!["jws", "verify", "--key", &hs, "--alg", "HS256", "-"],
            vec![
                "jws",
                "verify",
                "--key",
                "-",
                "--alg",
                "HS256,RS256,ES256,EdDSA",
                "e30.e30.AA",
            ],
            vec![
                "jws", "sign", "--key", &hs, "--alg", "HS256", "--header", &file,
            ],
            vec!["jws", "sign", "--key", &file],
            vec!["jwt", "decode", "-"],
            vec![
                "jwt", "verify", "--key", &hs, "--alg", "HS256", "--aud", "a", "-",
            ],
            vec![
                "jwt",
                "verify",
                "--key",
                &file,
                "--alg",
                "HS256",
                "--aud",
                "a",
                "e30.e30.AA",
            ],
            vec![
                "jwt", "sign", "--key", &hs, "--alg", "HS256", "--claims", "-",
            ],
            vec!["jwe", "decrypt", "--key", &hs, "-"],
            vec![
                "jwe",
                "decrypt",
                "--key",
                "-",
                "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA",
            ],
            vec![
                "jwe", "encrypt", "--key", &file, "--alg", "dir", "--enc", "A128GCM",
            ],
            vec!["jwk", "import", "--pem", "-"],
            vec!["jwk", "export", "--pem", "-"],
        ];
        for args in runs {
            let (code, _, err) = run(tessera().args(&args).write_stdin(input.clone()));
            assert!((0..=2).contains(&code), "{args:?}: status {code}: {err}");
        }
    }
}

#[test]
fn oversized_input_is_refused() {
    let big = vec![b'a'; 16 * 1024 * 1024 + 1];
    let err = fails(tessera().args(["jwt", "decode", "-"]).write_stdin(big), 2);
    assert!(err.contains("limit"), "{err}");
}
