//! The verification policy: each rule, and each failure with its own error.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tessera_core::UnixTime;
use tessera_jose::jws::{self, JwsHeader};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};
use tessera_jwt::{
    AccessTokenClaims, Error, JwtBuilder, KeyStore, Policy, PolicyBuilder,
    insecure_decode_unverified,
};

const NOW: UnixTime = UnixTime(1_700_000_000);
const ISS: &str = "https://issuer.example";
const AUD: &str = "https://api.example";

fn hs_key() -> SigningKey {
    SigningKey::from_hmac_secret(b"0123456789abcdef0123456789abcdef", JwsAlgorithm::HS256)
        .unwrap()
        .with_kid("hs")
}

// RFC 7515 A.3's P-256 key.
fn es_key() -> SigningKey {
    let jwk = Jwk::from_json(
        br#"{"kty":"EC","crv":"P-256","kid":"es",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#,
    )
    .unwrap();
    SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap()
}

fn keys() -> KeyStore {
    [
        hs_key().verifying_key().clone(),
        es_key().verifying_key().clone(),
    ]
    .into_iter()
    .collect()
}

fn policy() -> PolicyBuilder {
    Policy::builder()
        .algorithms([JwsAlgorithm::HS256, JwsAlgorithm::ES256])
        .issuer(ISS)
        .audience(AUD)
}

fn good() -> JwtBuilder {
    JwtBuilder::new()
        .issuer(ISS)
        .subject("user-1")
        .audience(AUD)
        .issued_at(NOW)
        .expires_in(NOW, 300)
}

/// Signs a raw claims JSON text (for claims the builder would refuse).
fn raw(claims: &str, typ: Option<&str>) -> String {
    let key = hs_key();
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.typ = typ.map(str::to_owned);
    jws::sign_compact(&h, claims.as_bytes(), &key).unwrap()
}

fn verify(
    p: &Policy,
    token: &str,
) -> Result<tessera_jwt::Verified<'static, Map<String, Value>>, Error> {
    p.verify_at::<Map<String, Value>>(token, &keys(), NOW)
}

#[test]
fn a_good_token_verifies_with_either_family() {
    let p = policy().build().unwrap();
    for key in [hs_key(), es_key()] {
        let t = good().claim("name", "Ann").sign(&key).unwrap();
        let v = verify(&p, &t).unwrap();
        assert_eq!(v.header().alg, key.alg());
        assert_eq!(v.claims().sub(), Some("user-1"));
        assert_eq!(v.custom()["name"], "Ann");
        assert_eq!(
            v.custom()["iss"],
            "https://issuer.example",
            "the caller's type sees the registered claims too"
        );
    }
}

#[test]
fn expired_by_how_much() {
    let p = policy().build().unwrap();
    let t = good().sign(&hs_key()).unwrap();
    match p.verify_at::<()>(&t, &keys(), NOW.saturating_add(300 + 45)) {
        Err(Error::Expired {
            by,
            leeway,
            exp,
            now,
        }) => {
            assert_eq!((by, leeway), (45, 30));
            assert_eq!(exp, NOW.saturating_add(300));
            assert_eq!(now, NOW.saturating_add(345));
        }
        other => panic!("{other:?}"),
    }
    // Leeway is configurable; zero leeway rejects at exp exactly.
    let strict = policy().leeway(0).build().unwrap();
    assert!(matches!(
        strict.verify_at::<()>(&t, &keys(), NOW.saturating_add(300)),
        Err(Error::Expired { by: 0, .. })
    ));
    assert!(
        strict
            .verify_at::<()>(&t, &keys(), NOW.saturating_add(299))
            .is_ok()
    );
}

#[test]
fn not_yet_valid() {
    let p = policy().build().unwrap();
    let t = good()
        .not_before(NOW.saturating_add(100))
        .sign(&hs_key())
        .unwrap();
    match verify(&p, &t) {
        Err(Error::NotYetValid { in_secs, nbf, .. }) => {
            assert_eq!((in_secs, nbf), (100, NOW.saturating_add(100)))
        }
        other => panic!("{other:?}"),
    }
    // Within the leeway: accepted.
    let t = good()
        .not_before(NOW.saturating_add(20))
        .sign(&hs_key())
        .unwrap();
    assert!(verify(&p, &t).is_ok());
}

#[test]
fn issued_in_the_future_and_max_age() {
    let p = policy().build().unwrap();
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audience(AUD)
        .issued_at(NOW.saturating_add(3600))
        .expires_in(NOW, 7200)
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(verify(&p, &t), Err(Error::IssuedInFuture { .. })));

    let p = policy().max_age(60).build().unwrap();
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audience(AUD)
        .issued_at(NOW.saturating_sub(600))
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    match verify(&p, &t) {
        Err(Error::TooOld { age, max_age, .. }) => assert_eq!((age, max_age), (600, 60)),
        other => panic!("{other:?}"),
    }
    // max_age makes iat required.
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audience(AUD)
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(verify(&p, &t), Err(Error::MissingClaim { claim }) if claim == "iat"));
}

#[test]
fn wrong_issuer_exact_match() {
    let p = policy().build().unwrap();
    for iss in [
        "https://evil.example",
        "https://issuer.example/",
        "HTTPS://issuer.example",
    ] {
        let t = good_with_iss(iss);
        match verify(&p, &t) {
            Err(Error::WrongIssuer { expected, found }) => {
                assert_eq!(expected, vec![ISS.to_owned()]);
                assert_eq!(found, iss);
            }
            other => panic!("{iss}: {other:?}"),
        }
    }
    // Several issuers may be accepted.
    let p = policy().issuer("https://evil.example").build().unwrap();
    assert!(verify(&p, &good_with_iss("https://evil.example")).is_ok());
}

fn good_with_iss(iss: &str) -> String {
    JwtBuilder::new()
        .issuer(iss)
        .audience(AUD)
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap()
}

#[test]
fn wrong_audience_string_or_array() {
    let p = policy().build().unwrap();
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audiences(["a", "b"])
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    match verify(&p, &t) {
        Err(Error::WrongAudience { expected, found }) => {
            assert_eq!(expected, vec![AUD.to_owned()]);
            assert_eq!(found, vec!["a".to_owned(), "b".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audiences(["a", AUD])
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    assert!(verify(&p, &t).is_ok());
    // No aud at all: missing, since an audience is configured.
    let t = JwtBuilder::new()
        .issuer(ISS)
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(verify(&p, &t), Err(Error::MissingClaim { claim }) if claim == "aud"));
}

#[test]
fn audience_required_unless_waived() {
    let e = Policy::builder()
        .algorithm(JwsAlgorithm::HS256)
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidPolicy { .. }), "{e}");
    let e = Policy::builder().audience("x").build().unwrap_err();
    assert!(
        matches!(e, Error::InvalidPolicy { .. }),
        "no algorithm: {e}"
    );
    let p = Policy::builder()
        .algorithm(JwsAlgorithm::HS256)
        .insecure_skip_issuer_check()
        .insecure_skip_audience_check()
        .build()
        .unwrap();
    let t = JwtBuilder::new()
        .audience("anything")
        .expires_in(NOW, 60)
        .sign(&hs_key())
        .unwrap();
    assert!(p.verify_at::<()>(&t, &keys(), NOW).is_ok());
}

#[test]
fn wrong_typ() {
    let p = policy().typ("at+jwt").build().unwrap();
    let t = good().sign(&hs_key()).unwrap(); // typ JWT
    match verify(&p, &t) {
        Err(Error::WrongType { expected, found }) => {
            assert_eq!(expected, vec!["at+jwt".to_owned()]);
            assert_eq!(found.as_deref(), Some("JWT"));
        }
        other => panic!("{other:?}"),
    }
    // No typ at all.
    let t = raw(
        &format!(r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{}}}"#, NOW.0 + 60),
        None,
    );
    assert!(matches!(
        verify(&p, &t),
        Err(Error::WrongType { found: None, .. })
    ));
    // Case-insensitive, "application/" optional (RFC 7515 §4.1.9).
    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
    ] {
        let t = good().typ(typ).sign(&hs_key()).unwrap();
        assert!(verify(&p, &t).is_ok(), "{typ}");
    }
}

#[test]
fn missing_required_claim() {
    let p = policy().required_claims(["sub", "tenant"]).build().unwrap();
    let t = good().sign(&hs_key()).unwrap();
    assert!(matches!(verify(&p, &t), Err(Error::MissingClaim { claim }) if claim == "tenant"));
    let t = good().claim("tenant", "t1").sign(&hs_key()).unwrap();
    assert!(verify(&p, &t).is_ok());
    // exp is required by default.
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audience(AUD)
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(verify(&p, &t), Err(Error::MissingClaim { claim }) if claim == "exp"));
    let lax = policy().insecure_allow_missing_exp().build().unwrap();
    assert!(verify(&lax, &t).is_ok());
}

#[test]
fn wrong_claim_type_is_not_absent() {
    let p = policy().build().unwrap();
    let cases = [
        (
            format!(r#"{{"iss":"{ISS}","aud":"{AUD}","exp":"{}"}}"#, NOW.0 + 60),
            "exp",
            "a string",
        ),
        (
            format!(
                r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{},"nbf":null}}"#,
                NOW.0 + 60
            ),
            "nbf",
            "null",
        ),
        (
            format!(r#"{{"iss":["{ISS}"],"aud":"{AUD}","exp":{}}}"#, NOW.0 + 60),
            "iss",
            "an array",
        ),
        (
            format!(r#"{{"iss":"{ISS}","aud":7,"exp":{}}}"#, NOW.0 + 60),
            "aud",
            "a number",
        ),
        (
            format!(
                r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{},"sub":{{}}}}"#,
                NOW.0 + 60
            ),
            "sub",
            "an object",
        ),
    ];
    for (claims, claim, found) in cases {
        match verify(&p, &raw(&claims, Some("JWT"))) {
            Err(Error::InvalidClaimType {
                claim: c, found: f, ..
            }) => {
                assert_eq!((c.as_str(), f), (claim, found), "{claims}")
            }
            other => panic!("{claims}: {other:?}"),
        }
    }
}

#[test]
fn duplicate_claims_are_refused() {
    let p = policy().build().unwrap();
    let exp = NOW.0 + 60;
    for (claims, dup) in [
        (
            format!(r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{exp},"iss":"https://evil"}}"#),
            "iss",
        ),
        (
            format!(r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{exp},"role":"user","role":"admin"}}"#),
            "role",
        ),
        (
            format!(r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{exp},"x":{{"a":1,"a":2}}}}"#),
            "a",
        ),
    ] {
        match verify(&p, &raw(&claims, None)) {
            Err(Error::DuplicateClaim { claim }) => assert_eq!(claim, dup),
            other => panic!("{claims}: {other:?}"),
        }
    }
}

#[test]
fn algorithm_allow_list_and_key_selection() {
    let t = good().sign(&es_key()).unwrap();
    let only_hs = Policy::builder()
        .algorithm(JwsAlgorithm::HS256)
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    assert!(matches!(
        verify(&only_hs, &t),
        Err(Error::Jose(tessera_jose::Error::AlgorithmNotAllowed { alg })) if alg == "ES256"
    ));
    // Unknown kid: no key.
    let p = policy().build().unwrap();
    let t = good().kid("nope").sign(&hs_key()).unwrap();
    assert!(matches!(
        verify(&p, &t),
        Err(Error::Jose(tessera_jose::Error::NoMatchingKey { kid: Some(k), .. })) if k == "nope"
    ));
    // No kid: every key for the algorithm is tried.
    let anon =
        SigningKey::from_hmac_secret(b"0123456789abcdef0123456789abcdef", JwsAlgorithm::HS256)
            .unwrap();
    let t = good().sign(&anon).unwrap();
    assert!(verify(&p, &t).is_ok());
}

#[test]
fn bad_signature_stays_opaque() {
    let p = policy().build().unwrap();
    let t = good().sign(&hs_key()).unwrap();
    let (head, sig) = t.rsplit_once('.').unwrap();
    let mut bad = sig.as_bytes().to_vec();
    bad[3] = if bad[3] == b'A' { b'B' } else { b'A' };
    let forged = format!("{head}.{}", String::from_utf8(bad).unwrap());
    let e = verify(&p, &forged).unwrap_err();
    assert!(matches!(
        e,
        Error::Jose(tessera_jose::Error::InvalidSignature)
    ));
    assert_eq!(e.to_string(), "invalid signature");
    // A tampered payload with a valid old signature: also opaque, claims never looked at.
    let other = JwtBuilder::new()
        .issuer(ISS)
        .subject("admin")
        .audience(AUD)
        .expires_in(NOW, 300)
        .sign(&hs_key())
        .unwrap();
    let parts: Vec<&str> = t.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let spliced = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert!(matches!(
        verify(&p, &spliced),
        Err(Error::Jose(tessera_jose::Error::InvalidSignature))
    ));
}

#[test]
fn crit_and_size_caps() {
    let key = hs_key();
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.crit = Some(vec!["exp-ext".into()]);
    h.other.insert("exp-ext".into(), json!(1));
    let payload = good().payload().unwrap();
    let t = jws::sign_compact(&h, &payload, &key).unwrap();
    assert!(matches!(
        verify(&policy().build().unwrap(), &t),
        Err(Error::Jose(tessera_jose::Error::Crit {
            problem: tessera_jose::error::CritProblem::NotUnderstood { ref name }
        })) if name == "exp-ext"
    ));
    assert!(verify(&policy().crit("exp-ext").build().unwrap(), &t).is_ok());

    let big = good().claim("pad", "x".repeat(20_000)).sign(&key).unwrap();
    assert!(matches!(
        verify(&policy().build().unwrap(), &big),
        Err(Error::Jose(tessera_jose::Error::Core(
            tessera_core::Error::TooLarge { .. }
        )))
    ));
    assert!(verify(&policy().max_token_bytes(64 * 1024).build().unwrap(), &big).is_ok());
}

#[test]
fn application_hook() {
    let p = policy()
        .check(|_h, c| {
            if c.sub.as_deref() == Some("banned") {
                Err("subject is banned".into())
            } else {
                Ok(())
            }
        })
        .build()
        .unwrap();
    assert!(verify(&p, &good().sign(&hs_key()).unwrap()).is_ok());
    let t = JwtBuilder::new()
        .issuer(ISS)
        .subject("banned")
        .audience(AUD)
        .expires_in(NOW, 60)
        .sign(&hs_key())
        .unwrap();
    assert!(
        matches!(verify(&p, &t), Err(Error::Rejected { reason }) if reason == "subject is banned")
    );
}

#[test]
fn typed_claims_errors_name_the_member() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Mine {
        tenant: String,
        level: u8,
    }
    let p = policy().build().unwrap();
    let t = good()
        .claim("tenant", "t")
        .claim("level", "high")
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(
        p.verify_at::<Mine>(&t, &keys(), NOW),
        Err(Error::CustomClaims { claim: Some(claim), .. }) if claim == "level"
    ));
    let t = good().claim("level", 3).sign(&hs_key()).unwrap();
    assert!(matches!(
        p.verify_at::<Mine>(&t, &keys(), NOW),
        Err(Error::MissingClaim { claim }) if claim == "tenant"
    ));
}

#[test]
fn borrowed_verification_borrows() {
    #[derive(Deserialize)]
    struct Mine<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
    }
    let p = policy().build().unwrap();
    let t = good().claim("name", "Ann").sign(&hs_key()).unwrap();
    let mut buf = Vec::new();
    let v = p
        .verify_borrowed::<Mine<'_>>(&t, &keys(), NOW, &mut buf)
        .unwrap();
    assert!(matches!(v.custom().name, Cow::Borrowed("Ann")));
    assert!(matches!(v.claims().registered.iss, Some(Cow::Borrowed(_))));
}

/// A verified token (its lazily built header included) and a policy cross threads.
#[test]
fn verified_tokens_and_policies_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<tessera_jwt::Verified<'static, Map<String, Value>>>();
    send_sync::<tessera_jwt::Verified<'_, Cow<'_, str>>>();
    send_sync::<Policy>();
}

/// The verified header is the header the token carried, on every path: read in place (a flat
/// header of strings) or by the full parser (anything else), borrowed or owned, through
/// `header()`, `into_parts()`, the hook and `Debug`.
#[test]
fn the_verified_header_is_the_token_header() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let p = policy()
        .check(move |h, _| {
            log.lock().unwrap().push(h.clone());
            Ok(())
        })
        .build()
        .unwrap();
    let claims = format!(
        r#"{{"iss":"{ISS}","aud":"{AUD}","exp":{},"sub":"x"}}"#,
        NOW.0 + 60
    );
    let mut unusual = JwsHeader::new(JwsAlgorithm::HS256);
    unusual.kid = Some("hs".into());
    unusual.typ = Some("JWT".into());
    unusual.x5c = Some(vec!["AAAA".into()]);
    unusual
        .other
        .insert("ext".into(), json!({"nested": [1, "two"]}));
    let mut escaped = JwsHeader::new(JwsAlgorithm::HS256);
    escaped.kid = Some("hs".into());
    escaped.cty = Some("a \"quoted\" type".into());
    for header in [
        {
            let mut h = JwsHeader::new(JwsAlgorithm::HS256);
            h.typ = Some("JWT".into());
            h
        },
        unusual,
        escaped,
    ] {
        let token = jws::sign_compact(&header, claims.as_bytes(), &hs_key()).unwrap();
        let mut expected = header.clone();
        expected.kid = Some("hs".into());
        let mut buf = Vec::new();
        let v = p
            .verify_borrowed::<Map<String, Value>>(&token, &keys(), NOW, &mut buf)
            .unwrap();
        assert_eq!(v.header(), &expected);
        assert!(format!("{v:?}").contains("alg: HS256"));
        let owned = v.clone().into_owned();
        let (h, _) = v.into_parts();
        assert_eq!(h, expected);
        assert_eq!(owned.header(), &expected);
        assert_eq!(owned.into_parts().0, expected);
        // Kept through into_parts on a fresh verification too.
        let v = verify(&p, &token).unwrap();
        assert_eq!(v.into_parts().0, expected);
        assert_eq!(seen.lock().unwrap().pop().unwrap(), expected);
    }
}

#[test]
fn rfc9068_access_token_profile() {
    let p = PolicyBuilder::access_token(ISS, AUD)
        .algorithm(JwsAlgorithm::ES256)
        .build()
        .unwrap();
    let t = JwtBuilder::access_token(ISS, "user-1", AUD, "client-7", NOW, 300)
        .claim("scope", "read write")
        .sign(&es_key())
        .unwrap();
    let v = p.verify_at::<AccessTokenClaims>(&t, &keys(), NOW).unwrap();
    assert_eq!(v.header().typ.as_deref(), Some("at+jwt"));
    assert_eq!(v.custom().client_id, "client-7");
    assert!(v.custom().has_scope("write"));
    assert!(!v.custom().has_scope("admin"));
    assert_eq!(v.custom().scopes().count(), 2);
    assert_eq!(v.custom().cnf, None);

    // A DPoP-bound token carries its key's thumbprint in cnf.jkt (RFC 9449 §6.1).
    let bound = JwtBuilder::access_token(ISS, "user-1", AUD, "client-7", NOW, 300)
        .claim(
            "cnf",
            json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}),
        )
        .sign(&es_key())
        .unwrap();
    let v = p
        .verify_at::<AccessTokenClaims>(&bound, &keys(), NOW)
        .unwrap();
    assert_eq!(
        v.custom().cnf,
        Some(tessera_jwt::Confirmation::jkt(
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        ))
    );

    // An ID token (typ JWT) is not an access token.
    let id_token = good()
        .claim("client_id", "c")
        .random_jwt_id()
        .sign(&es_key())
        .unwrap();
    assert!(matches!(
        p.verify_at::<AccessTokenClaims>(&id_token, &keys(), NOW),
        Err(Error::WrongType { .. })
    ));
    // Every claim of §2.2 is required.
    for drop in ["sub", "client_id", "iat", "jti"] {
        let mut claims: Map<String, Value> = serde_json::from_slice(
            &JwtBuilder::access_token(ISS, "u", AUD, "c", NOW, 300)
                .payload()
                .unwrap(),
        )
        .unwrap();
        claims.remove(drop);
        let mut h = JwsHeader::new(JwsAlgorithm::ES256);
        h.typ = Some("application/at+jwt".into());
        let t = jws::sign_compact(&h, &serde_json::to_vec(&claims).unwrap(), &es_key()).unwrap();
        match p.verify_at::<Map<String, Value>>(&t, &keys(), NOW) {
            Err(Error::MissingClaim { claim }) => assert_eq!(claim, drop),
            other => panic!("{drop}: {other:?}"),
        }
    }
}

#[test]
fn rfc7523_assertion() {
    let token_endpoint = "https://as.example/token";
    let t = JwtBuilder::assertion("client-7", "client-7", token_endpoint, NOW, 60)
        .sign(&es_key())
        .unwrap();
    let p = PolicyBuilder::assertion(token_endpoint)
        .issuer("client-7")
        .algorithm(JwsAlgorithm::ES256)
        .max_age(300)
        .build()
        .unwrap();
    let v = p.verify_at::<()>(&t, &keys(), NOW).unwrap();
    assert_eq!(v.claims().sub(), Some("client-7"));
    assert!(v.claims().jti().is_some());
    let no_sub = JwtBuilder::new()
        .issuer("client-7")
        .audience(token_endpoint)
        .issued_at(NOW)
        .expires_in(NOW, 60)
        .sign(&es_key())
        .unwrap();
    assert!(
        matches!(p.verify_at::<()>(&no_sub, &keys(), NOW), Err(Error::MissingClaim { claim }) if claim == "sub")
    );
}

#[test]
fn unverified_decoding_is_separate_and_still_strict() {
    let t = good().claim("name", "Ann").sign(&hs_key()).unwrap();
    let u = insecure_decode_unverified::<Map<String, Value>>(&t).unwrap();
    assert_eq!(u.claims.iss(), Some(ISS));
    assert_eq!(u.header.kid.as_deref(), Some("hs"));
    let dup = raw(r#"{"iss":"a","iss":"b"}"#, None);
    assert!(matches!(
        insecure_decode_unverified::<()>(&dup),
        Err(Error::DuplicateClaim { .. })
    ));
}

#[test]
fn jku_and_embedded_jwk_are_never_used() {
    // A token carrying its own key (jwk) and a key URL (jku): neither is consulted.
    let attacker =
        SigningKey::from_hmac_secret(b"attacker-secret-attacker-secret!", JwsAlgorithm::HS256)
            .unwrap();
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.kid = Some("hs".into());
    h.jku = Some("https://evil.example/jwks".into());
    h.jwk = Some(json!({"kty":"oct","k":"YXR0YWNrZXItc2VjcmV0LWF0dGFja2VyLXNlY3JldCE"}));
    let t = jws::sign_compact(&h, &good().payload().unwrap(), &attacker).unwrap();
    assert!(matches!(
        verify(&policy().build().unwrap(), &t),
        Err(Error::Jose(tessera_jose::Error::InvalidSignature))
    ));
}

#[test]
fn a_public_key_never_becomes_an_hmac_secret() {
    // The classic confusion: an HS256 token "signed" with the RSA/EC public key bytes.
    let es_pub = es_key().verifying_key().clone();
    let store = KeyStore::single(es_pub);
    let p = Policy::builder()
        .algorithms([JwsAlgorithm::HS256, JwsAlgorithm::ES256])
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    let forged = SigningKey::from_hmac_secret(
        b"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        JwsAlgorithm::HS256,
    )
    .unwrap()
    .with_kid("es");
    let t = good().sign(&forged).unwrap();
    assert!(matches!(
        p.verify_at::<()>(&t, &store, NOW),
        Err(Error::Jose(tessera_jose::Error::NoMatchingKey { .. }))
    ));
    let _ = VerifyingKey::from_hmac_secret; // HMAC verifiers only come from secrets or oct JWKs.
}

#[test]
fn nested_sign_then_encrypt() {
    use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
    use tessera_jose::jwe::{self, DecryptionKey, EncryptionKey, JweHeader, JweOptions};

    let cek = [9u8; 32];
    let to_rs = EncryptionKey::from_secret(&cek, Alg::Dir).unwrap();
    let rs_key = DecryptionKey::from_secret(&cek, Alg::Dir).unwrap();
    let header = JweHeader::new(Alg::Dir, Enc::A128CbcHs256);
    let token = good()
        .claim("secret", "s3")
        .sign_then_encrypt(&es_key(), &header, &to_rs)
        .unwrap();
    assert_eq!(token.split('.').count(), 5);
    let p = policy().build().unwrap();
    let opts = JweOptions::default();
    let v = p
        .verify_nested::<Map<String, Value>>(&token, &rs_key, &opts, &keys(), NOW)
        .unwrap();
    assert_eq!(v.jwe_header().cty.as_deref(), Some("JWT"));
    assert_eq!(v.jwt().header().alg, JwsAlgorithm::ES256);
    assert_eq!(v.jwt().custom()["secret"], "s3");

    // Wrong decryption key: opaque.
    let other = DecryptionKey::from_secret(&[8u8; 32], Alg::Dir).unwrap();
    assert!(matches!(
        p.verify_nested::<()>(&token, &other, &opts, &keys(), NOW),
        Err(Error::Jose(tessera_jose::Error::DecryptionFailed))
    ));
    // The inner token is held to the policy.
    let wrong_aud = JwtBuilder::new()
        .issuer(ISS)
        .audience("elsewhere")
        .expires_in(NOW, 60)
        .sign_then_encrypt(&es_key(), &header, &to_rs)
        .unwrap();
    assert!(matches!(
        p.verify_nested::<()>(&wrong_aud, &rs_key, &opts, &keys(), NOW),
        Err(Error::WrongAudience { .. })
    ));
    // A JWE without cty JWT is not a nested JWT, even if its plaintext is a JWS.
    let jws = good().sign(&es_key()).unwrap();
    let plain = jwe::encrypt_compact(&header, jws.as_bytes(), &to_rs).unwrap();
    assert!(matches!(
        p.verify_nested::<()>(&plain, &rs_key, &opts, &keys(), NOW),
        Err(Error::Jose(tessera_jose::Error::InvalidHeader {
            problem: tessera_jose::error::HeaderProblem::NestedWithoutCtyJwt,
            ..
        }))
    ));
    // An inner signature by an unknown signer fails as any JWS would.
    let stranger = SigningKey::from_hmac_secret(&[5u8; 32], JwsAlgorithm::HS256).unwrap();
    let forged = good()
        .sign_then_encrypt(&stranger, &header, &to_rs)
        .unwrap();
    assert!(matches!(
        p.verify_nested::<()>(&forged, &rs_key, &opts, &keys(), NOW),
        Err(Error::Jose(tessera_jose::Error::InvalidSignature))
    ));
}

#[test]
fn an_issuer_is_required_unless_waived() {
    let e = Policy::builder()
        .algorithm(JwsAlgorithm::HS256)
        .audience(AUD)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidPolicy {
                problem: tessera_jwt::PolicyProblem::NoIssuer
            }
        ),
        "{e}"
    );
    let p = Policy::builder()
        .algorithm(JwsAlgorithm::HS256)
        .audience(AUD)
        .insecure_skip_issuer_check()
        .build()
        .unwrap();
    let t = JwtBuilder::new()
        .issuer("https://anyone.example")
        .audience(AUD)
        .expires_in(NOW, 60)
        .sign(&hs_key())
        .unwrap();
    assert!(p.verify_at::<()>(&t, &keys(), NOW).is_ok());
}

#[test]
fn the_policy_carries_its_clock() {
    let t = good().sign(&hs_key()).unwrap();
    let at_issue = policy()
        .clock(tessera_core::FixedClock(NOW))
        .build()
        .unwrap();
    assert!(at_issue.verify::<()>(&t, &keys()).is_ok());
    let later = policy()
        .clock(tessera_core::FixedClock(NOW.saturating_add(3600)))
        .build()
        .unwrap();
    assert!(matches!(
        later.verify::<()>(&t, &keys()),
        Err(Error::Expired { by: 3300, .. })
    ));
    // The default is the system clock: a token issued at NOW (2023) has long expired.
    assert!(matches!(
        policy().build().unwrap().verify::<()>(&t, &keys()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn fresh_within_accepts_no_exp_but_requires_iat_and_jti() {
    let p = policy().fresh_within(60).build().unwrap();
    let proof = |iat: UnixTime, jti: Option<&str>| {
        let b = JwtBuilder::new().issuer(ISS).audience(AUD).issued_at(iat);
        match jti {
            Some(j) => b.jwt_id(j),
            None => b,
        }
        .sign(&hs_key())
        .unwrap()
    };
    assert!(
        p.verify_at::<()>(&proof(NOW, Some("j1")), &keys(), NOW)
            .is_ok()
    );
    assert!(matches!(
        p.verify_at::<()>(&proof(NOW, None), &keys(), NOW),
        Err(Error::MissingClaim { claim }) if claim == "jti"
    ));
    let t = JwtBuilder::new()
        .issuer(ISS)
        .audience(AUD)
        .jwt_id("j")
        .sign(&hs_key())
        .unwrap();
    assert!(matches!(
        p.verify_at::<()>(&t, &keys(), NOW),
        Err(Error::MissingClaim { claim }) if claim == "iat"
    ));
    assert!(matches!(
        p.verify_at::<()>(&proof(NOW, Some("j1")), &keys(), NOW.saturating_add(120)),
        Err(Error::TooOld { .. })
    ));
    // An exp, when present, still counts.
    let expired = good().jwt_id("j").sign(&hs_key()).unwrap();
    assert!(matches!(
        p.verify_at::<()>(&expired, &keys(), NOW.saturating_add(86_400)),
        Err(Error::Expired { .. } | Error::TooOld { .. })
    ));
}

#[test]
fn verify_with_checks_per_request_values() {
    #[derive(Deserialize)]
    struct Proof {
        nonce: String,
    }
    let p = policy().build().unwrap();
    let t = good().claim("nonce", "n-1").sign(&hs_key()).unwrap();
    let expected = "n-1";
    let check = |_: &JwsHeader, c: &tessera_jwt::Claims<'_, Proof>| {
        if c.custom.nonce == expected {
            Ok(())
        } else {
            Err(format!("nonce {:?} is not the one issued", c.custom.nonce))
        }
    };
    assert!(p.verify_with::<Proof>(&t, &keys(), NOW, check).is_ok());
    let other = good().claim("nonce", "n-2").sign(&hs_key()).unwrap();
    assert!(matches!(
        p.verify_with::<Proof>(&other, &keys(), NOW, check),
        Err(Error::Rejected { reason }) if reason.contains("n-2")
    ));
}

#[test]
fn a_jwt_with_an_unencoded_payload_is_not_a_jwt() {
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.b64 = Some(false);
    // (An unencoded compact payload may not hold a '.'.)
    let claims = format!(r#"{{"sub":"u","exp":{}}}"#, NOW.as_secs() + 60);
    let t = jws::sign_compact(&h, claims.as_bytes(), &hs_key()).unwrap();
    let p = policy().crit("b64").build().unwrap();
    assert!(matches!(
        p.verify_at::<()>(&t, &keys(), NOW),
        Err(Error::UnencodedPayload)
    ));
}

#[test]
fn the_embedded_key_verifies_its_own_token_and_nothing_else() {
    use tessera_jwt::EmbeddedKey;
    let signer = es_key();
    let public = Jwk::from_json(
        br#"{"kty":"EC","crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#,
    )
    .unwrap();
    let with_jwk = |jwk: Value| {
        let mut h = JwsHeader::new(JwsAlgorithm::ES256);
        h.typ = Some("dpop+jwt".into());
        h.jwk = Some(jwk);
        let claims = format!(
            r#"{{"iss":"{ISS}","aud":"{AUD}","iat":{},"jti":"p1"}}"#,
            NOW.as_secs()
        );
        jws::sign_compact(&h, claims.as_bytes(), &signer).unwrap()
    };
    let p = policy().fresh_within(60).build().unwrap();
    let public_json: Value = serde_json::from_str(&public.to_json()).unwrap();
    p.verify_at::<()>(&with_jwk(public_json.clone()), &EmbeddedKey, NOW)
        .unwrap();
    // Another key in the header: the signature does not verify.
    let other = Jwk::generate(JwsAlgorithm::ES256)
        .unwrap()
        .to_public()
        .unwrap();
    let other_json: Value = serde_json::from_str(&other.to_json()).unwrap();
    assert!(matches!(
        p.verify_at::<()>(&with_jwk(other_json), &EmbeddedKey, NOW),
        Err(Error::Jose(tessera_jose::Error::InvalidSignature))
    ));
    // A private key or a symmetric key in the header is refused before any verification.
    let mut private = public_json.clone();
    private["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    assert!(matches!(
        p.verify_at::<()>(&with_jwk(private), &EmbeddedKey, NOW),
        Err(Error::UnusableEmbeddedKey { .. })
    ));
    let oct = json!({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"});
    assert!(matches!(
        p.verify_at::<()>(&with_jwk(oct), &EmbeddedKey, NOW),
        Err(Error::UnusableEmbeddedKey { .. })
    ));
    // No jwk at all.
    assert!(matches!(
        p.verify_at::<()>(&good().sign(&signer).unwrap(), &EmbeddedKey, NOW),
        Err(Error::UnusableEmbeddedKey { .. })
    ));
}

#[test]
fn a_resolver_sees_the_header_and_the_unverified_issuer() {
    use tessera_jwt::{KeyRequest, KeyResolver, Keys};
    /// Picks keys by the token's (unverified) issuer, as an authorization server picks a
    /// client's keys for private_key_jwt.
    struct ByIssuer {
        hs: KeyStore,
        es: KeyStore,
    }
    impl KeyResolver for ByIssuer {
        fn resolve(&self, request: &KeyRequest<'_>) -> Result<Keys<'_>, Error> {
            assert_eq!(request.now(), NOW);
            match request.unverified_issuer().as_deref() {
                Some("client-hs") => Ok(Keys::Borrowed(&self.hs)),
                Some("client-es") => Ok(Keys::Borrowed(&self.es)),
                _ => Err(Error::Rejected {
                    reason: "unknown client".into(),
                }),
            }
        }
    }
    let r = ByIssuer {
        hs: KeyStore::single(hs_key().verifying_key().clone()),
        es: KeyStore::single(es_key().verifying_key().clone()),
    };
    let p = Policy::builder()
        .algorithms([JwsAlgorithm::HS256, JwsAlgorithm::ES256])
        .issuers(["client-hs", "client-es"])
        .audience(AUD)
        .build()
        .unwrap();
    let t = |iss: &str, key: &SigningKey| {
        JwtBuilder::new()
            .issuer(iss)
            .audience(AUD)
            .expires_in(NOW, 60)
            .sign(key)
            .unwrap()
    };
    assert!(
        p.verify_at::<()>(&t("client-hs", &hs_key()), &r, NOW)
            .is_ok()
    );
    assert!(
        p.verify_at::<()>(&t("client-es", &es_key()), &r, NOW)
            .is_ok()
    );
    // client-hs's key does not verify a token claiming to be client-es signed with it.
    assert!(
        p.verify_at::<()>(&t("client-es", &hs_key()), &r, NOW)
            .is_err()
    );
    assert!(matches!(
        p.verify_at::<()>(&t("nobody", &hs_key()), &r, NOW),
        Err(Error::Rejected { .. })
    ));
}
