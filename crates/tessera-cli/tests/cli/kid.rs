//! The sole key rule, shared with `VerifierSet`: one key without a `kid` of its own (a PEM key,
//! a JWK without `kid`) is not excluded by a token's `kid`; once keys carry kids, a `kid` that
//! names none is refused.

use crate::common::*;

const NOW: &str = "1700000000";

fn jwt_verify(key: &str, token: &str) -> assert_cmd::Command {
    let mut cmd = tessera();
    cmd.args([
        "jwt", "verify", "--key", key, "--alg", "ES256", "--aud", "api", "--now", NOW, token,
    ]);
    cmd
}

fn jws_verify(key: &str, token: &str) -> assert_cmd::Command {
    let mut cmd = tessera();
    cmd.args(["jws", "verify", "--key", key, "--alg", "ES256", token]);
    cmd
}

/// A private ES256 JWK without `kid`, and a JWT and a JWS it signed with `kid`.
fn key_and_tokens(dir: &Dir, kid: &str) -> (String, String, String) {
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256"])),
    );
    let jwt = ok(tessera().args([
        "jwt",
        "sign",
        "--key",
        &key,
        "--kid",
        kid,
        "--claims",
        r#"{"aud":"api"}"#,
        "--expires-in",
        "600",
        "--now",
        NOW,
    ]));
    let jws = ok(tessera()
        .args(["jws", "sign", "--key", &key, "--header"])
        .arg(format!(r#"{{"kid":"{kid}"}}"#))
        .write_stdin("hello"));
    (key, jwt, jws)
}

#[test]
fn a_pem_key_verifies_tokens_whatever_their_kid() {
    let dir = Dir::new();
    let (key, jwt, jws) = key_and_tokens(&dir, "some-kid");
    let pem = dir.file(
        "k.pub.pem",
        ok(tessera().args(["jwk", "export", "--pem", "--public", &key])),
    );
    let claims = ok(&mut jwt_verify(&pem, &jwt));
    assert!(claims.contains(r#""aud": "api""#), "{claims}");
    assert_eq!(ok(&mut jws_verify(&pem, &jws)), "hello");
}

#[test]
fn a_jwk_without_kid_verifies_tokens_whatever_their_kid() {
    let dir = Dir::new();
    let (key, jwt, jws) = key_and_tokens(&dir, "some-kid");
    let public = dir.file("k.pub.json", ok(tessera().args(["jwk", "public", &key])));
    ok(&mut jwt_verify(&public, &jwt));
    assert_eq!(ok(&mut jws_verify(&public, &jws)), "hello");
    // The private JWK itself, and a JWK Set of that one key, are the same one key.
    ok(&mut jwt_verify(&key, &jwt));
    let set = dir.file(
        "set.json",
        format!(
            r#"{{"keys":[{}]}}"#,
            ok(tessera().args(["jwk", "public", &key]))
        ),
    );
    ok(&mut jwt_verify(&set, &jwt));
    assert_eq!(ok(&mut jws_verify(&set, &jws)), "hello");
}

#[test]
fn the_sole_key_still_checks_the_signature() {
    let dir = Dir::new();
    let (_, jwt, jws) = key_and_tokens(&dir, "some-kid");
    let other = dir.file(
        "other.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256"])),
    );
    let pem = dir.file(
        "other.pub.pem",
        ok(tessera().args(["jwk", "export", "--pem", "--public", &other])),
    );
    assert_eq!(
        fails(&mut jwt_verify(&pem, &jwt), 1),
        "tessera: invalid signature\n"
    );
    assert_eq!(
        fails(&mut jws_verify(&pem, &jws), 1),
        "tessera: invalid signature\n"
    );
}

#[test]
fn keys_with_kids_refuse_a_kid_that_names_none() {
    let dir = Dir::new();
    let (key, jwt, jws) = key_and_tokens(&dir, "zzz");
    let public = ok(tessera().args(["jwk", "public", &key]));
    let mut named: serde_json::Value = serde_json::from_str(&public).unwrap();
    named["kid"] = "a".into();
    let one = dir.json("one.json", &named);
    let mut second = named.clone();
    second["kid"] = "b".into();
    let set = dir.json("set.json", &serde_json::json!({ "keys": [named, second] }));
    for key in [&one, &set] {
        assert_eq!(
            fails(&mut jwt_verify(key, &jwt), 1),
            "tessera: no key with kid \"zzz\" fits algorithm ES256\n",
            "{key}"
        );
        assert_eq!(
            fails(&mut jws_verify(key, &jws), 1),
            "tessera: no key with kid \"zzz\" fits algorithm ES256\n",
            "{key}"
        );
    }
}

#[test]
fn several_keys_without_kid_refuse_a_token_kid() {
    let dir = Dir::new();
    let (key, jwt, jws) = key_and_tokens(&dir, "zzz");
    let other = dir.file(
        "other.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256"])),
    );
    let set = dir.file(
        "set.json",
        format!(
            r#"{{"keys":[{},{}]}}"#,
            ok(tessera().args(["jwk", "public", &key])),
            ok(tessera().args(["jwk", "public", &other]))
        ),
    );
    assert_eq!(
        fails(&mut jwt_verify(&set, &jwt), 1),
        "tessera: no key with kid \"zzz\" fits algorithm ES256\n"
    );
    assert_eq!(
        fails(&mut jws_verify(&set, &jws), 1),
        "tessera: no key with kid \"zzz\" fits algorithm ES256\n"
    );
}
