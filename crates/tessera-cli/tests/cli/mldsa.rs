//! ML-DSA (RFC 9964) from the command line: `jwk generate --alg ML-DSA-65`, `jwk public`,
//! `jwk thumbprint`, `jws` and `jwt` sign and verify with `AKP` keys, RFC 9964's examples, and
//! the refusals (another algorithm, a tampered key).

use serde_json::{Value, json};

use crate::common::*;

const ALGS: [&str; 3] = ["ML-DSA-44", "ML-DSA-65", "ML-DSA-87"];

fn rfc9964() -> Vec<Value> {
    let path = workspace_vector("rfc-appendix/rfc9964_appendix_A1.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["examples"].as_array().unwrap().clone()
}

#[test]
fn rfc9964_a_1_examples_verify_and_thumbprint() {
    let dir = Dir::new();
    for (i, e) in rfc9964().iter().enumerate() {
        let alg = ALGS[i];
        let key = dir.json("k.json", &e["jwk"]);
        let payload = ok(tessera()
            .args(["jws", "verify", "--key", &key, "--alg", alg])
            .arg(e["jws"].as_str().unwrap()));
        assert_eq!(
            payload, "It\u{2019}s a dangerous business, Frodo, going out your door.",
            "{alg}"
        );
        let public = ok(tessera().args(["jwk", "public", &key]));
        let public: Value = serde_json::from_str(&public).unwrap();
        assert_eq!(public["pub"], e["jwk"]["pub"]);
        assert!(public.get("priv").is_none());
        let pubkey = dir.json("p.json", &public);
        assert_eq!(
            ok(tessera().args(["jwk", "thumbprint", &pubkey])),
            e["jwk"]["kid"].as_str().unwrap()
        );
        // Another ML-DSA parameter set on the allow-list only: refused, exit 1.
        let other = ALGS[(i + 1) % 3];
        let err = fails(
            tessera()
                .args(["jws", "verify", "--key", &pubkey, "--alg", other])
                .arg(e["jws"].as_str().unwrap()),
            1,
        );
        assert!(err.contains("not in the allowed list"), "{err}");
    }
}

#[test]
fn generate_then_jws_and_jwt_sign_and_verify() {
    let dir = Dir::new();
    for alg in ALGS {
        let key = ok(tessera().args(["jwk", "generate", "--alg", alg, "--kid", "pq"]));
        let jwk: Value = serde_json::from_str(&key).unwrap();
        assert_eq!(jwk["kty"], "AKP");
        assert_eq!(jwk["alg"], alg);
        assert_eq!(b64d(jwk["priv"].as_str().unwrap()).len(), 32);
        let key = dir.file("k.json", &key);
        let public = dir.file("p.json", ok(tessera().args(["jwk", "public", &key])));

        for extra in [&[][..], &["--flattened"][..], &["--json"][..]] {
            let token = ok(tessera()
                .args(["jws", "sign", "--key", &key])
                .args(extra)
                .write_stdin("hello"));
            let payload = ok(tessera()
                .args(["jws", "verify", "--key", &public, "--alg", alg])
                .write_stdin(token));
            assert_eq!(payload, "hello", "{alg} {extra:?}");
        }

        let claims = json!({"iss": "https://pq.example", "aud": "api", "sub": "alice"});
        let token = ok(tessera()
            .args([
                "jwt",
                "sign",
                "--key",
                &key,
                "--expires-in",
                "600",
                "--claims",
            ])
            .arg(claims.to_string()));
        let out = ok(tessera()
            .args(["jwt", "verify", "--key", &public, "--alg", alg])
            .args(["--iss", "https://pq.example", "--aud", "api"])
            .write_stdin(token.clone()));
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["sub"], "alice");
        // A flipped signature character: refused, exit 1.
        let mut bad = token.into_bytes();
        let n = bad.len();
        bad[n - 10] = if bad[n - 10] == b'A' { b'B' } else { b'A' };
        fails(
            tessera()
                .args(["jwt", "verify", "--key", &public, "--alg", alg])
                .args(["--iss", "https://pq.example", "--aud", "api"])
                .write_stdin(bad),
            1,
        );
    }
}

#[test]
fn bad_akp_keys_are_status_2() {
    let dir = Dir::new();
    let e = &rfc9964()[0];
    let mut wrong_seed = e["jwk"].clone();
    wrong_seed["priv"] = json!("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE");
    let mut no_alg = e["jwk"].clone();
    no_alg.as_object_mut().unwrap().remove("alg");
    let mut short_pub = e["jwk"].clone();
    short_pub["pub"] = json!("AAAA");
    short_pub.as_object_mut().unwrap().remove("priv");
    for (name, key, needle) in [
        ("seed", wrong_seed, "seed"),
        ("alg", no_alg, "alg"),
        ("pub", short_pub, "pub"),
    ] {
        let key = dir.json("bad.json", &key);
        let err = fails(
            tessera()
                .args(["jws", "sign", "--key", &key])
                .write_stdin("x"),
            2,
        );
        assert!(err.contains(needle), "{name}: {err}");
    }
    // No PEM form for AKP keys (yet).
    let key = dir.json("k.json", &e["jwk"]);
    fails(tessera().args(["jwk", "export", "--pem", &key]), 2);
}
