//! `tessera jwe encrypt` and `tessera jwe decrypt`.

use serde_json::{Value, json};

use crate::common::*;

fn rfc7516(prefix: &str) -> Value {
    vector("rfc7516_appendix_A.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["section"].as_str().unwrap().starts_with(prefix))
        .cloned()
        .unwrap()
}

#[test]
fn rfc7516_appendix_a_decrypt() {
    let dir = Dir::new();
    for section in ["RFC 7516 A.1", "RFC 7516 A.3"] {
        let v = rfc7516(section);
        let key = dir.json("k.json", &v["jwk"]);
        let out = ok(tessera()
            .args(["jwe", "decrypt", "--key", &key])
            .arg(v["compact"].as_str().unwrap()));
        assert_eq!(out, v["plaintext_utf8"].as_str().unwrap(), "{section}");
    }
    // A.5: flattened JSON.
    let v = rfc7516("RFC 7516 A.5");
    let key = dir.json("k.json", &v["jwk"]);
    let doc = dir.json("doc.json", &v["json"]);
    let out = ok(tessera()
        .args(["jwe", "decrypt", "--key", &key, "-"])
        .pipe_stdin(&doc)
        .unwrap());
    assert_eq!(out, v["plaintext_utf8"].as_str().unwrap());
    // A.4: general JSON with an RSA1_5 and an A128KW recipient; the JWK Set holds both keys,
    // and the A128KW recipient decrypts.
    let v = rfc7516("RFC 7516 A.4");
    let set = dir.json("set.json", &json!({ "keys": v["jwks"] }));
    let doc = serde_json::to_string(&v["json"]).unwrap();
    let out = ok(tessera().args(["jwe", "decrypt", "--key", &set, &doc]));
    assert_eq!(out, v["plaintext_utf8"].as_str().unwrap());
}

#[test]
fn rfc7516_a_2_rsa1_5_is_refused() {
    let dir = Dir::new();
    let v = rfc7516("RFC 7516 A.2");
    let key = dir.json("k.json", &v["jwk"]);
    let err = fails(
        tessera()
            .args(["jwe", "decrypt", "--key", &key])
            .arg(v["compact"].as_str().unwrap()),
        1,
    );
    assert!(err.contains("RSA1_5"), "{err}");
}

#[test]
fn rfc7520_5_6_dir_a128gcm() {
    let dir = Dir::new();
    let v = cookbook("jwe/5_6.direct_encryption_using_aes-gcm.json");
    let key = dir.json("k.json", &v["input"]["key"]);
    for form in ["compact", "json", "json_flat"] {
        let token = match &v["output"][form] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let out = ok(tessera().args(["jwe", "decrypt", "--key", &key, "--alg", "dir", &token]));
        assert_eq!(out, v["input"]["plaintext"].as_str().unwrap(), "{form}");
    }
}

#[test]
fn rfc7520_pbes2_and_zip_are_refused_by_default() {
    let dir = Dir::new();
    let v = cookbook("jwe/5_9.compressed_content.json");
    let key = dir.json("k.json", &v["input"]["key"]);
    let err = fails(
        tessera()
            .args(["jwe", "decrypt", "--key", &key])
            .arg(v["output"]["compact"].as_str().unwrap()),
        1,
    );
    assert!(err.contains("zip") || err.contains("compress"), "{err}");
    let v = cookbook("jwe/5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json");
    let pwd = tessera_b64(v["input"]["pwd"].as_str().unwrap().as_bytes());
    let key = dir.json("p.json", &json!({"kty": "oct", "k": pwd}));
    let err = fails(
        tessera()
            .args(["jwe", "decrypt", "--key", &key])
            .arg(v["output"]["compact"].as_str().unwrap()),
        1,
    );
    assert!(err.contains("PBES2"), "{err}");
}

fn tessera_b64(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | (u32::from(c) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    s
}

#[test]
fn encrypt_then_decrypt_round_trips() {
    let dir = Dir::new();
    let pairs: &[(&str, &str, &[&str])] = &[
        ("RSA-OAEP-256", "A256GCM", &[]),
        ("A128KW", "A128CBC-HS256", &[]),
        ("A256GCMKW", "A192GCM", &[]),
        ("dir", "A256CBC-HS512", &["--enc", "A256CBC-HS512"]),
        ("ECDH-ES", "A128GCM", &[]),
        ("ECDH-ES+A256KW", "A256GCM", &["--crv", "X25519"]),
        ("ECDH-ES+A192KW", "A128GCM", &["--crv", "P-521"]),
    ];
    let plaintext = b"binary \x00\xff plaintext".to_vec();
    for (alg, enc, gen_extra) in pairs {
        let key = dir.file(
            "key.json",
            ok(tessera()
                .args(["jwk", "generate", "--alg", alg, "--kid", "r1"])
                .args(*gen_extra)),
        );
        for form in [None, Some("--json"), Some("--flattened")] {
            let mut cmd = tessera();
            cmd.args(["jwe", "encrypt", "--key", &key, "--alg", alg, "--enc", enc]);
            if let Some(f) = form {
                cmd.arg(f);
            }
            let token = ok(cmd.write_stdin(plaintext.clone()));
            let (code, out, err) = run(tessera()
                .args([
                    "jwe", "decrypt", "--key", &key, "--alg", alg, "--enc", enc, "-",
                ])
                .write_stdin(token.clone()));
            assert_eq!(
                (code, out.as_slice()),
                (0, plaintext.as_slice()),
                "{alg} {enc} {form:?}: {err}"
            );
            if form.is_none() {
                let header: Value =
                    serde_json::from_slice(&b64d(token.split('.').next().unwrap())).unwrap();
                assert_eq!(
                    (
                        header["alg"].as_str(),
                        header["enc"].as_str(),
                        header["kid"].as_str()
                    ),
                    (Some(*alg), Some(*enc), Some("r1"))
                );
                // Not on the allow-lists: rejected before any cryptography.
                fails(
                    tessera().args(["jwe", "decrypt", "--key", &key, "--alg", "RSA-OAEP", &token]),
                    1,
                );
                fails(
                    tessera().args([
                        "jwe",
                        "decrypt",
                        "--key",
                        &key,
                        "--enc",
                        "A192CBC-HS384",
                        &token,
                    ]),
                    1,
                );
                // A tampered tag fails decryption (status 1).
                let mut bad = token.into_bytes();
                let last = bad.len() - 2;
                bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
                let err = fails(
                    tessera()
                        .args(["jwe", "decrypt", "--key", &key, "-"])
                        .write_stdin(bad),
                    1,
                );
                assert!(err.contains("decryption failed"), "{err}");
            }
        }
    }
}

#[test]
fn wrong_key_and_usage_errors() {
    let dir = Dir::new();
    let a = dir.file(
        "a.json",
        ok(tessera().args(["jwk", "generate", "--alg", "A128KW"])),
    );
    let b = dir.file(
        "b.json",
        ok(tessera().args(["jwk", "generate", "--alg", "A128KW"])),
    );
    let rsa = dir.file(
        "rsa.json",
        ok(tessera().args(["jwk", "generate", "--alg", "RSA-OAEP"])),
    );
    let token = ok(tessera()
        .args([
            "jwe", "encrypt", "--key", &a, "--alg", "A128KW", "--enc", "A128GCM",
        ])
        .write_stdin("x"));
    fails(tessera().args(["jwe", "decrypt", "--key", &b, &token]), 1);
    // Key/algorithm mismatches and unknown names on the command line are usage errors.
    fails(
        tessera()
            .args([
                "jwe", "encrypt", "--key", &rsa, "--alg", "A128KW", "--enc", "A128GCM",
            ])
            .write_stdin("x"),
        2,
    );
    fails(
        tessera()
            .args([
                "jwe", "encrypt", "--key", &a, "--alg", "A128KW", "--enc", "A999GCM",
            ])
            .write_stdin("x"),
        2,
    );
    fails(
        tessera()
            .args([
                "jwe", "encrypt", "--key", &a, "--alg", "RSA1_5", "--enc", "A128GCM",
            ])
            .write_stdin("x"),
        2,
    );
    fails(
        tessera().args(["jwe", "decrypt", "--key", &a, "--alg", "nope", &token]),
        2,
    );
    // The header option adds protected members and must agree with --alg/--enc.
    let t = ok(tessera()
        .args([
            "jwe",
            "encrypt",
            "--key",
            &a,
            "--alg",
            "A128KW",
            "--enc",
            "A128GCM",
            "--header",
            r#"{"cty":"JWT","typ":"x"}"#,
        ])
        .write_stdin("x"));
    let header: Value = serde_json::from_slice(&b64d(t.split('.').next().unwrap())).unwrap();
    assert_eq!(header["cty"], "JWT");
    fails(
        tessera()
            .args([
                "jwe",
                "encrypt",
                "--key",
                &a,
                "--alg",
                "A128KW",
                "--enc",
                "A128GCM",
                "--header",
                r#"{"enc":"A256GCM"}"#,
            ])
            .write_stdin("x"),
        2,
    );
    // Malformed tokens are status 2.
    for bad in ["a.b.c.d.e", "a.b.c", "{", "{}", "e30.AA.AA.AA.AA"] {
        fails(
            tessera()
                .args(["jwe", "decrypt", "--key", &a, "-"])
                .write_stdin(bad),
            2,
        );
    }
}
