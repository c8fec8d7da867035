//! `tessera jws sign` and `tessera jws verify`.

use serde_json::{Value, json};

use crate::common::*;

/// The keys of RFC 7515 Appendix A and RFC 8037, by algorithm.
fn keys(dir: &Dir) -> Vec<(&'static str, String)> {
    let hs = rfc7515("A.1")["jwk"].clone();
    let rsa = rfc7515("A.2")["jwk"].clone();
    let p256 = rfc7515("A.3")["jwk"].clone();
    let p521 = rfc7515("A.4")["jwk"].clone();
    let ed = vector("rfc8037_appendix_A.json")["A.1_private_key"].clone();
    let hs = dir.json("hs.json", &hs);
    let rsa = dir.json("rsa.json", &rsa);
    let p256 = dir.json("p256.json", &p256);
    let p521 = dir.json("p521.json", &p521);
    let ed = dir.json("ed.json", &ed);
    vec![
        ("HS256", hs.clone()),
        ("HS384", hs.clone()),
        ("HS512", hs),
        ("RS256", rsa.clone()),
        ("RS384", rsa.clone()),
        ("RS512", rsa.clone()),
        ("PS256", rsa.clone()),
        ("PS384", rsa.clone()),
        ("PS512", rsa),
        ("ES256", p256),
        ("ES512", p521),
        ("EdDSA", ed),
    ]
}

#[test]
fn rfc7515_appendix_a_verify() {
    let dir = Dir::new();
    for section in ["A.1", "A.2", "A.3", "A.4"] {
        let v = rfc7515(section);
        let key = dir.json("k.json", &v["jwk"]);
        let alg = v["alg"].as_str().unwrap();
        let payload = ok(tessera()
            .args(["jws", "verify", "--key", &key, "--alg", alg])
            .arg(v["compact"].as_str().unwrap()));
        assert_eq!(
            payload.as_bytes(),
            b64d(v["payload_b64u"].as_str().unwrap()),
            "{section}"
        );
    }
}

#[test]
fn rfc7515_a_5_unsecured_is_rejected() {
    let dir = Dir::new();
    let v = rfc7515("A.5");
    let key = dir.json("k.json", &rfc7515("A.1")["jwk"]);
    let err = fails(
        tessera()
            .args(["jws", "verify", "--key", &key, "--alg", "HS256"])
            .arg(v["compact"].as_str().unwrap()),
        1,
    );
    assert!(err.contains("none"), "{err}");
}

#[test]
fn rfc8037_a_4_ed25519_sign_is_deterministic() {
    let dir = Dir::new();
    let v = vector("rfc8037_appendix_A.json");
    let key = dir.json("ed.json", &v["A.1_private_key"]);
    let token = ok(tessera()
        .args(["jws", "sign", "--key", &key])
        .write_stdin(v["A.4_payload_utf8"].as_str().unwrap()));
    assert_eq!(token, v["A.4_compact"].as_str().unwrap());
}

#[test]
fn sign_then_verify_every_algorithm() {
    let dir = Dir::new();
    let payload = b"{\"hello\":\"world\"}\n\x00\xff binary too";
    for (alg, key) in keys(&dir) {
        let token = ok(tessera()
            .args(["jws", "sign", "--key", &key, "--alg", alg])
            .write_stdin(payload.to_vec()));
        let header: Value =
            serde_json::from_slice(&b64d(token.split('.').next().unwrap())).unwrap();
        assert_eq!(header["alg"], alg);
        let (code, out, err) = run(tessera()
            .args([
                "jws",
                "verify",
                "--key",
                &key,
                "--alg",
                &format!("ES384,{alg}"),
            ])
            .write_stdin(token.clone()));
        assert_eq!(code, 0, "{alg}: {err}");
        assert_eq!(out, payload, "{alg}");

        // One flipped signature bit is a rejection (status 1).
        let mut bad = token.into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        let err = fails(
            tessera()
                .args(["jws", "verify", "--key", &key, "--alg", alg, "-"])
                .write_stdin(bad),
            1,
        );
        assert!(err.contains("signature"), "{alg}: {err}");
    }
}

#[test]
fn verify_with_public_key_and_jwk_set() {
    let dir = Dir::new();
    let ks = vector("rfc7517_appendix.json");
    // A.2's private keys: an EC P-256 key with kid "1" and an RSA key with kid "2011-04-29".
    let mut set = ks["A.2_private_keys"].clone();
    for k in set["keys"].as_array_mut().unwrap() {
        k.as_object_mut().unwrap().remove("use");
    }
    let rsa = set["keys"][1].clone();
    let set_path = dir.json("set.json", &set);
    let rsa_path = dir.json("rsa.json", &rsa);
    let token = ok(tessera()
        .args(["jws", "sign", "--key", &rsa_path]) // the key's "alg" is RS256
        .write_stdin("payload"));
    let header: Value = serde_json::from_slice(&b64d(token.split('.').next().unwrap())).unwrap();
    assert_eq!(
        header["kid"], "2011-04-29",
        "the key's kid goes into the header"
    );
    assert_eq!(header["alg"], "RS256");
    let public = ok(tessera().args(["jwk", "public", &set_path]));
    let public_path = dir.file("public.json", public);
    assert_eq!(
        ok(tessera().args([
            "jws",
            "verify",
            "--key",
            &public_path,
            "--alg",
            "RS256",
            &token
        ])),
        "payload"
    );
    // A set without the kid: no matching key (rejected).
    let mut other = set.clone();
    other["keys"].as_array_mut().unwrap().remove(1);
    let other = dir.json("other.json", &other);
    let err = fails(
        tessera().args(["jws", "verify", "--key", &other, "--alg", "RS256", &token]),
        1,
    );
    assert!(err.contains("2011-04-29"), "{err}");
}

#[test]
fn algorithm_allow_list_and_key_type() {
    let dir = Dir::new();
    let k = keys(&dir);
    let (_, hs) = &k[0];
    let (_, rsa) = &k[3];
    let token = ok(tessera()
        .args(["jws", "sign", "--key", hs, "--alg", "HS256"])
        .write_stdin("x"));
    // HS256 not on the list.
    let err = fails(
        tessera().args(["jws", "verify", "--key", hs, "--alg", "HS384,HS512", &token]),
        1,
    );
    assert!(err.contains("HS256"), "{err}");
    // Right list, wrong key type.
    fails(
        tessera().args(["jws", "verify", "--key", rsa, "--alg", "HS256", &token]),
        1,
    );
    // An unknown algorithm name on the command line is a usage error.
    fails(
        tessera().args(["jws", "verify", "--key", hs, "--alg", "HS999", &token]),
        2,
    );
    fails(
        tessera().args(["jws", "verify", "--key", hs, "--alg", ",", &token]),
        2,
    );
    // Signing with an algorithm the key does not fit is a usage error.
    fails(
        tessera()
            .args(["jws", "sign", "--key", rsa, "--alg", "ES256"])
            .write_stdin("x"),
        2,
    );
    // An RSA key without "alg" needs --alg.
    let err = fails(
        tessera()
            .args(["jws", "sign", "--key", rsa])
            .write_stdin("x"),
        2,
    );
    assert!(err.contains("--alg"), "{err}");
    // A public key cannot sign.
    let public = dir.file("pub.json", ok(tessera().args(["jwk", "public", rsa])));
    fails(
        tessera()
            .args(["jws", "sign", "--key", &public, "--alg", "RS256"])
            .write_stdin("x"),
        2,
    );
}

#[test]
fn header_option() {
    let dir = Dir::new();
    let key = dir.json(
        "ed.json",
        &vector("rfc8037_appendix_A.json")["A.1_private_key"],
    );
    let token = ok(tessera()
        .args([
            "jws",
            "sign",
            "--key",
            &key,
            "--header",
            r#"{"kid":"k1","typ":"JOSE","x-custom":[1,2]}"#,
        ])
        .write_stdin("x"));
    let header: Value = serde_json::from_slice(&b64d(token.split('.').next().unwrap())).unwrap();
    assert_eq!(
        header,
        json!({"alg":"EdDSA","kid":"k1","typ":"JOSE","x-custom":[1,2]})
    );
    // Conflicting alg, malformed JSON, duplicate member, unknown crit: usage errors.
    for bad in [r#"{"alg":"HS256"}"#, "{", r#"{"kid":"a","kid":"b"}"#, "[1]"] {
        fails(
            tessera()
                .args(["jws", "sign", "--key", &key, "--header", bad])
                .write_stdin("x"),
            2,
        );
    }
}

#[test]
fn rfc7797_unencoded_detached() {
    let dir = Dir::new();
    let v = vector("rfc7797_example.json");
    let mut jwk = v["jwk"].clone();
    jwk.as_object_mut().unwrap().remove("kid");
    let key = dir.json("hs.json", &jwk);
    let payload = v["payload"].as_str().unwrap(); // "$.02"
    // RFC 7797 §4.2: the detached, unencoded JWS of "$.02".
    let token = ok(tessera()
        .args([
            "jws",
            "sign",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--unencoded",
            "--detached",
        ])
        .write_stdin(payload));
    assert_eq!(
        token,
        "eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY"
    );
    let p = dir.file("payload", payload);
    let tok = dir.file("token", &token);
    assert_eq!(
        ok(tessera()
            .args([
                "jws",
                "verify",
                "--key",
                &key,
                "--alg",
                "HS256",
                "--payload",
                &p,
                "-"
            ])
            .pipe_stdin(&tok)
            .unwrap()),
        payload
    );
    // Wrong detached payload: rejected. Missing payload: usage.
    let wrong = dir.file("wrong", "$.03");
    fails(
        tessera().args([
            "jws",
            "verify",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--payload",
            &wrong,
            &token,
        ]),
        1,
    );
    fails(
        tessera().args(["jws", "verify", "--key", &key, "--alg", "HS256", &token]),
        2,
    );
    // RFC 7797 §5.2: an unencoded compact payload cannot contain '.'.
    fails(
        tessera()
            .args([
                "jws",
                "sign",
                "--key",
                &key,
                "--alg",
                "HS256",
                "--unencoded",
            ])
            .write_stdin(payload),
        2,
    );
    // Attached unencoded payloads without '.' round-trip.
    let t = ok(tessera()
        .args([
            "jws",
            "sign",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--unencoded",
        ])
        .write_stdin("plain text"));
    assert!(t.contains(".plain text."));
    assert_eq!(
        ok(tessera().args(["jws", "verify", "--key", &key, "--alg", "HS256", &t])),
        "plain text"
    );
}

#[test]
fn malformed_tokens_are_status_2() {
    let dir = Dir::new();
    let key = dir.json("hs.json", &rfc7515("A.1")["jwk"]);
    for bad in [
        "abc",
        "a.b",
        "a.b.c.d",
        "!!.e30.AA",
        "e30.e30.AA=",
        "eyJhbGciOiJIUzI1NiIsImFsZyI6IkhTMjU2In0.e30.AA",
        "",
        "   ",
    ] {
        fails(
            tessera()
                .args(["jws", "verify", "--key", &key, "--alg", "HS256", "-"])
                .write_stdin(bad),
            2,
        );
    }
}

#[test]
fn unreadable_keys_are_status_2() {
    let dir = Dir::new();
    let token = rfc7515("A.1")["compact"].as_str().unwrap().to_owned();
    let missing = dir.0.path().join("nope.json");
    let missing = missing.to_str().unwrap();
    for (name, contents) in [
        ("notjson", "not json"),
        ("array", "[]"),
        (
            "bad-ec",
            r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
        ),
        ("dup", r#"{"kty":"oct","k":"AAAA","k":"BBBB"}"#),
        ("emptyset", r#"{"keys":[]}"#),
    ] {
        let p = dir.file(name, contents);
        fails(
            tessera().args(["jws", "verify", "--key", &p, "--alg", "HS256", &token]),
            2,
        );
    }
    let err = fails(
        tessera().args(["jws", "verify", "--key", missing, "--alg", "HS256", &token]),
        2,
    );
    assert!(err.contains("nope.json"), "{err}");
}

#[test]
fn json_serializations() {
    let dir = Dir::new();
    let key = dir.json(
        "ed.json",
        &vector("rfc8037_appendix_A.json")["A.1_private_key"],
    );
    let general: Value = serde_json::from_str(&ok(tessera()
        .args([
            "jws",
            "sign",
            "--key",
            &key,
            "--json",
            "--header",
            r#"{"kid":"ed"}"#,
        ])
        .write_stdin("json payload")))
    .unwrap();
    assert_eq!(general["signatures"].as_array().unwrap().len(), 1);
    let flat: Value = serde_json::from_str(&ok(tessera()
        .args(["jws", "sign", "--key", &key, "--flattened"])
        .write_stdin("json payload")))
    .unwrap();
    assert!(flat.get("signature").is_some() && flat.get("signatures").is_none());
    for doc in [&general, &flat] {
        let path = dir.json("doc.json", doc);
        assert_eq!(
            ok(tessera()
                .args(["jws", "verify", "--key", &key, "--alg", "EdDSA", "-"])
                .pipe_stdin(&path)
                .unwrap()),
            "json payload"
        );
        fails(
            tessera()
                .args(["jws", "verify", "--key", &key, "--alg", "ES256", "-"])
                .pipe_stdin(&path)
                .unwrap(),
            1,
        );
    }
    // Detached JSON.
    let det = ok(tessera()
        .args(["jws", "sign", "--key", &key, "--flattened", "--detached"])
        .write_stdin("d"));
    assert!(!det.contains("payload"));
    let p = dir.file("p", "d");
    assert_eq!(
        ok(tessera().args([
            "jws",
            "verify",
            "--key",
            &key,
            "--alg",
            "EdDSA",
            "--payload",
            &p,
            &det
        ])),
        "d"
    );
    fails(
        tessera().args(["jws", "verify", "--key", &key, "--alg", "EdDSA", &det]),
        2,
    );
    let (code, _, _) = run(tessera()
        .args(["jws", "sign", "--key", &key, "--json", "--flattened"])
        .write_stdin("x"));
    assert_eq!(code, 2, "--json and --flattened conflict");
}

#[test]
fn rfc7520_4_8_multiple_signatures() {
    // The cookbook's general JSON JWS with RS256, ES512 and HS256 signatures: each key alone,
    // as a one-key file or in a set, verifies its own signature.
    let dir = Dir::new();
    let v = cookbook("jws/4_8.multiple_signatures.json");
    let doc = v["output"]["json"].to_string();
    let payload = v["input"]["payload"].as_str().unwrap();
    let algs = v["input"]["alg"].as_array().unwrap();
    for (key, alg) in v["input"]["key"].as_array().unwrap().iter().zip(algs) {
        let path = dir.json("k.json", key);
        let alg = alg.as_str().unwrap();
        assert_eq!(
            ok(tessera().args(["jws", "verify", "--key", &path, "--alg", alg, &doc])),
            payload,
            "{alg}"
        );
    }
    let set = dir.json("set.json", &json!({ "keys": v["input"]["key"] }));
    assert_eq!(
        ok(tessera().args(["jws", "verify", "--key", &set, "--alg", "ES512", &doc])),
        payload
    );
    let err = fails(
        tessera().args(["jws", "verify", "--key", &set, "--alg", "PS256", &doc]),
        1,
    );
    assert!(err.contains("allowed"), "{err}");
}
