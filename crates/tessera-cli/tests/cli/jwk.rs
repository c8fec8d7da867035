//! `tessera jwk …`

use serde_json::Value;

use crate::common::*;

#[test]
fn rfc7638_3_1_thumbprint() {
    let dir = Dir::new();
    let v = &vector("rfc7638_thumbprint.json")[0];
    let key = dir.json("rsa.json", &v["jwk"]);
    let tp = v["thumbprint"].as_str().unwrap();
    assert_eq!(ok(tessera().args(["jwk", "thumbprint", &key])), tp);
    assert_eq!(
        ok(tessera()
            .args(["jwk", "thumbprint", "--uri", "-"])
            .pipe_stdin(&key)
            .unwrap()),
        format!("urn:ietf:params:oauth:jwk-thumbprint:sha-256:{tp}")
    );
    // Other hashes: the length says which one ran.
    assert_eq!(
        ok(tessera().args(["jwk", "thumbprint", "--hash", "sha-512", &key])).len(),
        86
    );
    // An unknown hash is a usage error from the argument parser.
    let (code, out, _) = run(tessera().args(["jwk", "thumbprint", "--hash", "md5", &key]));
    assert_eq!((code, out.len()), (2, 0));
}

#[test]
fn rfc8037_a_3_thumbprint() {
    let dir = Dir::new();
    let v = vector("rfc8037_appendix_A.json");
    // The private key's thumbprint equals the public key's (private members never count).
    let key = dir.json("ed.json", &v["A.1_private_key"]);
    assert_eq!(
        ok(tessera().args(["jwk", "thumbprint", &key])),
        v["A.3_thumbprint_sha256"].as_str().unwrap()
    );
}

#[test]
fn public_strips_private_members() {
    let dir = Dir::new();
    let v = vector("rfc7517_appendix.json");
    let set = dir.json("set.json", &v["A.2_private_keys"]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &set]))).unwrap();
    assert_eq!(out, v["A.1_public_keys"], "RFC 7517 A.2 made public is A.1");

    let rsa = dir.json("rsa.json", &v["A.2_private_keys"]["keys"][1]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &rsa]))).unwrap();
    assert_eq!(out, v["A.1_public_keys"]["keys"][1]);

    // A symmetric key has no public half; a set of symmetric keys becomes empty.
    let oct = dir.json("oct.json", &v["A.3_symmetric_keys"]["keys"][0]);
    fails(tessera().args(["jwk", "public", &oct]), 2);
    let octs = dir.json("octs.json", &v["A.3_symmetric_keys"]);
    let out: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &octs]))).unwrap();
    assert_eq!(out["keys"].as_array().unwrap().len(), 0);
}

#[test]
fn thumbprint_needs_one_key() {
    let dir = Dir::new();
    let v = vector("rfc7517_appendix.json");
    let set = dir.json("set.json", &v["A.1_public_keys"]);
    let err = fails(tessera().args(["jwk", "thumbprint", &set]), 2);
    assert!(err.contains("exactly one"), "{err}");
    fails(
        tessera().args(["jwk", "thumbprint", "-"]).write_stdin("{"),
        2,
    );
    fails(
        tessera()
            .args(["jwk", "thumbprint", "-"])
            .write_stdin(r#"{"kty":"RSA","n":"AQAB"}"#),
        2,
    );
}

#[test]
fn generate_every_algorithm() {
    let cases: &[(&str, &[&str], &str, Option<&str>)] = &[
        ("HS256", &[], "oct", None),
        ("HS512", &[], "oct", None),
        ("RS256", &[], "RSA", None),
        ("PS384", &["--bits", "3072"], "RSA", None),
        ("ES256", &[], "EC", Some("P-256")),
        ("ES384", &[], "EC", Some("P-384")),
        ("ES512", &[], "EC", Some("P-521")),
        ("EdDSA", &[], "OKP", Some("Ed25519")),
        ("RSA-OAEP-256", &[], "RSA", None),
        ("ECDH-ES", &[], "EC", Some("P-256")),
        (
            "ECDH-ES+A128KW",
            &["--crv", "X25519"],
            "OKP",
            Some("X25519"),
        ),
        ("ECDH-ES+A256KW", &["--crv", "P-384"], "EC", Some("P-384")),
        ("A128KW", &[], "oct", None),
        ("A256GCMKW", &[], "oct", None),
        ("dir", &["--enc", "A192CBC-HS384"], "oct", None),
    ];
    for (alg, extra, kty, crv) in cases {
        let out = ok(tessera()
            .args(["jwk", "generate", "--alg", alg, "--kid", "k1"])
            .args(*extra));
        let jwk: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(jwk["alg"], *alg);
        assert_eq!(jwk["kid"], "k1");
        assert_eq!(jwk["kty"], *kty, "{alg}");
        if let Some(c) = crv {
            assert_eq!(jwk["crv"], *c, "{alg}");
        }
        let secret = if *kty == "oct" { "k" } else { "d" };
        let len = b64d(jwk[secret].as_str().unwrap()).len();
        match *alg {
            "HS256" | "A256GCMKW" => assert_eq!(len, 32),
            "HS512" => assert_eq!(len, 64),
            "A128KW" => assert_eq!(len, 16),
            "dir" => assert_eq!(len, 48),
            "PS384" => assert_eq!(b64d(jwk["n"].as_str().unwrap()).len(), 384),
            _ => {}
        }
    }
    let a = ok(tessera().args(["jwk", "generate", "--alg", "HS256"]));
    let b = ok(tessera().args(["jwk", "generate", "--alg", "HS256"]));
    assert_ne!(a, b);
    for bad in [
        &["--alg", "none"][..],
        &["--alg", "dir"],
        &["--alg", "dir", "--enc", "A1GCM"],
        &["--alg", "ES256", "--crv", "P-384"],
        &["--alg", "ECDH-ES", "--crv", "secp256k1"],
        &["--alg", "ES256", "--bits", "4096"],
        &["--alg", "RS256", "--bits", "1024"],
        &["--alg", "HS256", "--enc", "A128GCM"],
    ] {
        fails(tessera().args(["jwk", "generate"]).args(bad), 2);
    }
}

#[test]
fn import_openssl_pem() {
    // Keys made by OpenSSL (tests/vectors/pem/generate.sh): the JWK thumbprint of the imported
    // private key equals that of the imported public key, and a signature made with the JWK
    // verifies with the public PEM used directly as the key file.
    let dir = Dir::new();
    for (name, alg) in [
        ("p256", "ES256"),
        ("p384", "ES384"),
        ("p521", "ES512"),
        ("ed25519", "EdDSA"),
        ("rsa2048", "PS256"),
    ] {
        let private = workspace_vector(&format!("pem/{name}.pkcs8.pem"));
        let public = if name == "rsa2048" {
            workspace_vector("pem/rsa2048.pkcs1.pub.pem")
        } else {
            workspace_vector(&format!("pem/{name}.spki.pem"))
        };
        let jwk = ok(tessera()
            .args(["jwk", "import", "--pem"])
            .arg(&private)
            .args(["--alg", alg, "--kid", name]));
        let v: Value = serde_json::from_str(&jwk).unwrap();
        assert_eq!(
            (v["alg"].as_str(), v["kid"].as_str()),
            (Some(alg), Some(name))
        );
        let jwk_path = dir.file("k.json", &jwk);
        let pub_jwk = ok(tessera()
            .args(["jwk", "import", "--pem", "-"])
            .pipe_stdin(&public)
            .unwrap());
        let pub_path = dir.file("p.json", &pub_jwk);
        assert_eq!(
            ok(tessera().args(["jwk", "thumbprint", &jwk_path])),
            ok(tessera().args(["jwk", "thumbprint", &pub_path])),
            "{name}"
        );
        let token = ok(tessera()
            .args(["jws", "sign", "--key", &jwk_path])
            .write_stdin("pem"));
        assert_eq!(
            ok(tessera()
                .args(["jws", "verify", "--key"])
                .arg(&public)
                .args(["--alg", alg, &token])),
            "pem"
        );
    }
    // The P-256 private scalar is the one OpenSSL printed (p256.txt).
    let v: Value = serde_json::from_str(&ok(tessera()
        .args(["jwk", "import", "--pem"])
        .arg(workspace_vector("pem/p256.sec1.pem"))))
    .unwrap();
    let d: String = b64d(v["d"].as_str().unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let txt = std::fs::read_to_string(workspace_vector("pem/p256.txt")).unwrap();
    let priv_hex: String = txt
        .split("pub:")
        .next()
        .unwrap()
        .split("priv:")
        .nth(1)
        .unwrap()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(d, priv_hex);
    // Refused: encrypted PKCS#8, a 1024-bit RSA key, garbage.
    fails(
        tessera()
            .args(["jwk", "import", "--pem"])
            .arg(workspace_vector("pem/p256.encrypted.pem")),
        2,
    );
    fails(
        tessera()
            .args(["jwk", "import", "--pem"])
            .arg(workspace_vector("pem/rsa1024.pkcs8.pem")),
        2,
    );
    fails(
        tessera()
            .args(["jwk", "import", "--pem", "-"])
            .write_stdin("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        2,
    );
}

#[test]
fn export_then_import_round_trips() {
    let dir = Dir::new();
    for alg in ["ES256", "EdDSA", "RS256", "ECDH-ES"] {
        let jwk = dir.file(
            "k.json",
            ok(tessera().args(["jwk", "generate", "--alg", alg])),
        );
        let pem = ok(tessera().args(["jwk", "export", "--pem", &jwk]));
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        let public = ok(tessera().args(["jwk", "export", "--pem", "--public", &jwk]));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "{public}");
        let back = dir.file(
            "back.json",
            ok(tessera()
                .args(["jwk", "import", "--pem", "-"])
                .write_stdin(pem)),
        );
        let back_pub = dir.file(
            "back_pub.json",
            ok(tessera()
                .args(["jwk", "import", "--pem", "-"])
                .write_stdin(public)),
        );
        let tp = ok(tessera().args(["jwk", "thumbprint", &jwk]));
        assert_eq!(ok(tessera().args(["jwk", "thumbprint", &back])), tp);
        assert_eq!(ok(tessera().args(["jwk", "thumbprint", &back_pub])), tp);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&back).unwrap()).unwrap();
        assert!(v.get("d").is_some(), "{alg}: private key survived");
    }
    let oct = dir.file(
        "oct.json",
        ok(tessera().args(["jwk", "generate", "--alg", "HS256"])),
    );
    fails(tessera().args(["jwk", "export", "--pem", &oct]), 2);
    let (code, out, _) = run(tessera().args(["jwk", "export", &oct]));
    assert_eq!((code, out.len()), (2, 0), "--pem is required");
}
