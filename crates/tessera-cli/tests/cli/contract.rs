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

/// Deterministic mutations (byte changes, truncations, insertions) of valid JWS, JWE and JWT
/// inputs, compact and JSON: every run ends in 0, 1 or 2 — and in 0 only with the original
/// payload.
#[test]
fn mutated_tokens_never_panic_or_verify_wrongly() {
    let dir = Dir::new();
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256"])),
    );
    let aes = dir.file(
        "a.json",
        ok(tessera().args(["jwk", "generate", "--alg", "A128KW"])),
    );
    let payload = r#"{"aud":"api","exp":4000000000}"#;
    let jws = ok(tessera()
        .args(["jws", "sign", "--key", &key])
        .write_stdin(payload));
    let jws_json = ok(tessera()
        .args(["jws", "sign", "--key", &key, "--json"])
        .write_stdin(payload));
    let jwe = ok(tessera()
        .args([
            "jwe", "encrypt", "--key", &aes, "--alg", "A128KW", "--enc", "A128GCM",
        ])
        .write_stdin(payload));
    let jwe_json = ok(tessera()
        .args([
            "jwe",
            "encrypt",
            "--key",
            &aes,
            "--alg",
            "A128KW",
            "--enc",
            "A128CBC-HS256",
            "--flattened",
        ])
        .write_stdin(payload));
    let verify_jws: &[&str] = &["jws", "verify", "--key", &key, "--alg", "ES256", "-"];
    let verify_jwt: &[&str] = &[
        "jwt", "verify", "--key", &key, "--alg", "ES256", "--aud", "api", "-",
    ];
    let decrypt: &[&str] = &["jwe", "decrypt", "--key", &aes, "-"];
    let decode: &[&str] = &["jwt", "decode", "-"];
    let cases: [(&str, &[&[&str]]); 4] = [
        (&jws, &[verify_jws, verify_jwt, decode]),
        (&jws_json, &[verify_jws]),
        (&jwe, &[decrypt, decode]),
        (&jwe_json, &[decrypt]),
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const INSERTS: &[u8] = b".{}\"[]\\0 AZaz_-=+/\x00\xff";
    for (original, commands) in cases {
        for _ in 0..12 {
            let mut m = original.as_bytes().to_vec();
            let pos = (next() as usize) % m.len();
            match next() % 4 {
                0 => m[pos] ^= 1 << (next() % 8),
                1 => m.truncate(pos),
                2 => m.insert(pos, INSERTS[(next() as usize) % INSERTS.len()]),
                _ => {
                    m.remove(pos);
                }
            }
            for args in commands {
                let (code, out, err) = run(tessera().args(*args).write_stdin(m.clone()));
                assert!((0..=2).contains(&code), "{args:?} status {code}: {err}");
                if code == 0 && args[0] != "jwt" {
                    assert_eq!(
                        out,
                        payload.as_bytes(),
                        "{args:?} accepted a mutation with another payload"
                    );
                }
            }
        }
    }
}
