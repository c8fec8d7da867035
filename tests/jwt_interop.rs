//! JWT interop with an independent implementation, panva's `jose` (npm) on Node's WebCrypto.
//! See `tests/interop/node/jose-jwt/README.md`.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{interop_private_key as private, vector};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_core::UnixTime;
use tessera_jose::alg::KeyFamily;
use tessera_jose::{JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::{
    AccessTokenClaims, Audience, Error, JwtBuilder, KeyStore, Policy, PolicyBuilder,
};

#[derive(Deserialize, Debug)]
struct RealmAccess {
    roles: Vec<String>,
}

#[derive(Deserialize, Debug)]
struct Custom {
    email: String,
    realm_access: RealmAccess,
    #[serde(rename = "https://example.com/tenant")]
    tenant: String,
}

fn fixtures() -> Value {
    vector("interop/jose-node-jwt-tokens.json")
}

fn setup(doc: &Value) -> (KeyStore, UnixTime) {
    let set = JwkSet::from_json(doc["jwks"].to_string().as_bytes()).unwrap();
    (
        KeyStore::from_jwk_set(&set),
        UnixTime(doc["now"].as_u64().unwrap()),
    )
}

fn policy() -> PolicyBuilder {
    Policy::builder()
        .algorithms(JwsAlgorithm::ALL.iter().copied())
        .issuer("https://op.example")
        .audience("api")
}

// Every algorithm but ML-DSA: the jose tokens were made on Node.js 20, whose WebCrypto has no
// ML-DSA (ML-DSA interop is in mldsa.rs, the jwt-simple peer tests and the jwcrypto CLI tests).
#[test]
fn jose_jwts_verify_with_tessera() {
    let doc = fixtures();
    let (keys, now) = setup(&doc);
    let p = policy()
        .required_claims(["sub", "iat", "nbf", "jti"])
        .build()
        .unwrap();
    let tokens = doc["tokens"].as_array().unwrap();
    assert_eq!(
        tokens.len(),
        JwsAlgorithm::ALL
            .iter()
            .filter(|a| !matches!(a.key_family(), KeyFamily::Akp(_)))
            .count()
    );
    for t in tokens {
        let alg = t["alg"].as_str().unwrap();
        let v = p
            .verify_at::<Custom>(t["token"].as_str().unwrap(), &keys, now)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.header().alg.as_str(), alg);
        assert_eq!(v.header().kid.as_deref(), t["kid"].as_str());
        let c = v.claims();
        assert_eq!(c.sub(), Some("user-1"));
        assert_eq!(
            c.aud(),
            Some(&Audience::Many(vec!["api".into(), "other".into()]))
        );
        assert_eq!(c.exp(), Some(now.saturating_add(3600)));
        assert_eq!(c.nbf(), Some(now.saturating_sub(5)));
        assert_eq!(c.jti(), Some(format!("jti-{alg}").as_str()));
        assert_eq!(v.custom().email, "ann@example.com");
        assert_eq!(v.custom().realm_access.roles, ["user", "auditor"]);
        assert_eq!(v.custom().tenant, "t-42");
    }
}

#[test]
fn jose_access_token_and_failures() {
    let doc = fixtures();
    let (keys, now) = setup(&doc);
    let case = |name: &str| doc["cases"][name].as_str().unwrap().to_owned();

    let at = PolicyBuilder::access_token("https://op.example", "api")
        .algorithm(JwsAlgorithm::ES256)
        .build()
        .unwrap();
    let v = at
        .verify_at::<AccessTokenClaims>(&case("access_token"), &keys, now)
        .unwrap();
    assert_eq!(v.custom().client_id, "client-7");
    assert!(v.custom().has_scope("read"));

    let p = policy().build().unwrap();
    let check = |name: &str| p.verify_at::<()>(&case(name), &keys, now).map(|_| ());
    assert!(matches!(
        check("expired"),
        Err(Error::Expired { by: 120, .. })
    ));
    assert!(matches!(
        check("not_yet_valid"),
        Err(Error::NotYetValid { in_secs: 300, .. })
    ));
    assert!(matches!(
        check("wrong_issuer"),
        Err(Error::WrongIssuer { found, .. }) if found == "https://evil.example"
    ));
    assert!(matches!(
        check("wrong_audience"),
        Err(Error::WrongAudience { found, .. }) if found == ["web", "mobile"]
    ));
    assert!(matches!(check("no_exp"), Err(Error::MissingClaim { claim }) if claim == "exp"));
    assert!(matches!(
        check("exp_as_string"),
        Err(Error::InvalidClaimType { claim, found: "a string", .. }) if claim == "exp"
    ));
    // And an ID-token-shaped JWT is no access token.
    let t = &doc["tokens"][9]["token"];
    assert!(matches!(
        at.verify_at::<AccessTokenClaims>(t.as_str().unwrap(), &keys, now),
        Err(Error::WrongType { .. })
    ));
}

/// Issues the matrix with tessera and has jose verify it. Needs Node and `npm ci` in
/// `tests/interop/node` (the script is `jose-jwt/verify.mjs`).
#[test]
#[ignore = "interop: run by cargo xtask interop, which installs the peers"]
fn tessera_jwts_verify_with_jose() {
    let doc = fixtures();
    let now = UnixTime(doc["now"].as_u64().unwrap());
    let mut list = Vec::new();
    for t in doc["tokens"].as_array().unwrap() {
        let alg: JwsAlgorithm = t["alg"].as_str().unwrap().parse().unwrap();
        let label = t["kid"].as_str().unwrap();
        let key = SigningKey::from_jwk(&private(label), alg)
            .unwrap()
            .with_kid(label);
        let token = JwtBuilder::new()
            .issuer("https://op.example")
            .subject("user-1")
            .audiences(["api", "other"])
            .issued_at(now)
            .not_before(now)
            .expires_in(now, 600)
            .random_jwt_id()
            .claim("email", "ann@example.com")
            .claim("realm_access", json!({"roles": ["user"]}))
            .sign(&key)
            .unwrap();
        list.push(json!({ "alg": alg.as_str(), "token": token }));
    }
    let es = SigningKey::from_jwk(&private("P-256"), JwsAlgorithm::ES256)
        .unwrap()
        .with_kid("P-256");
    let at = JwtBuilder::access_token("https://op.example", "user-1", "api", "client-7", now, 600)
        .claim("email", "ann@example.com")
        .sign(&es)
        .unwrap();
    list.push(json!({ "alg": "ES256", "token": at, "typ": "at+jwt" }));
    let input = json!({
        "now": now.as_secs(),
        "issuer": "https://op.example",
        "audience": "api",
        "jwks": doc["jwks"],
        "tokens": list,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/node/jose-jwt");
    let file = std::env::temp_dir().join(format!("tessera-jwt-{}.json", std::process::id()));
    std::fs::write(&file, input.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg("verify.mjs")
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "jose refused tessera's JWTs:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("jose verified 15 of 15 tessera JWTs"),
        "{stdout}"
    );
}
