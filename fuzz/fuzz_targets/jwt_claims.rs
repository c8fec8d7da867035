//! JWT claims with validation (tessera-jwt): the input is the claims set; it is signed with a
//! fixed HS256 key so that it reaches claims parsing and the policy (iss, aud, exp, nbf, iat,
//! required claims, max age). An accepted token must really satisfy the policy, and what
//! tessera reads must agree with an independent parse of the same bytes (plain serde_json).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use tessera_core::UnixTime;
use tessera_jose::jws::{self, JwsHeader};
use tessera_jose::{JwsAlgorithm, SigningKey};
use tessera_jwt::{KeyStore, Policy};

const SECRET: &[u8] = b"a fixed fuzzing secret of at least 32 bytes";
const NOW: u64 = 1_700_000_000;

struct Fixture {
    signer: SigningKey,
    keys: KeyStore,
    strict: Policy,
    lax: Policy,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let signer = SigningKey::from_hmac_secret(SECRET, JwsAlgorithm::HS256).expect("key");
        let keys = KeyStore::single(signer.verifying_key().clone());
        let strict = Policy::builder()
            .algorithm(JwsAlgorithm::HS256)
            .issuer("https://issuer.example")
            .audience("api")
            .require("sub")
            .max_age(3600)
            .leeway(30)
            .build()
            .expect("policy");
        let lax = Policy::builder()
            .algorithm(JwsAlgorithm::HS256)
            .insecure_skip_issuer_check()
            .insecure_skip_audience_check()
            .insecure_allow_missing_exp()
            .build()
            .expect("policy");
        Fixture {
            signer,
            keys,
            strict,
            lax,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.typ = Some("JWT".into());
    let Ok(token) = jws::sign_compact(&h, data, &f.signer) else {
        return;
    };
    let now = UnixTime(NOW);
    let _ = tessera_jwt::insecure_decode_unverified::<Map<String, Value>>(&token);
    let _ = f.lax.verify_at::<Map<String, Value>>(&token, &f.keys, now);
    let mut buf = Vec::new();
    let _ = f.lax.verify_borrowed::<()>(&token, &f.keys, now, &mut buf);
    if let Ok(v) = f
        .strict
        .verify_at::<Map<String, Value>>(&token, &f.keys, now)
    {
        let c = v.claims();
        assert_eq!(c.iss(), Some("https://issuer.example"), "issuer checked");
        assert!(
            c.aud().is_some_and(|a| a.contains("api")),
            "audience checked"
        );
        assert!(c.sub().is_some(), "required sub checked");
        let exp = c.exp().expect("exp required by default");
        assert!(exp.0.saturating_add(30) >= NOW, "expired token accepted");
        if let Some(nbf) = c.nbf() {
            assert!(nbf.0 <= NOW + 30, "not-yet-valid token accepted");
        }
    }
    // The independent parse: serde_json (which takes the last of repeated members).
    let plain = serde_json::from_slice::<Value>(data);
    match tessera_jwt::Claims::<Map<String, Value>>::from_json(data) {
        Ok(ours) => {
            let Ok(Value::Object(plain)) = plain else {
                panic!("tessera accepted a claims set serde_json refuses");
            };
            assert_eq!(&ours.custom, &plain, "the caller's type sees every member");
            assert_eq!(ours.iss(), plain.get("iss").and_then(Value::as_str));
            assert_eq!(ours.sub(), plain.get("sub").and_then(Value::as_str));
            assert_eq!(ours.jti(), plain.get("jti").and_then(Value::as_str));
            for (name, t) in [
                ("exp", ours.exp()),
                ("nbf", ours.nbf()),
                ("iat", ours.iat()),
            ] {
                let want = plain
                    .get(name)
                    .and_then(|n| n.as_u64().or_else(|| n.as_f64().map(|f| f.floor() as u64)));
                assert_eq!(t.map(|t| t.0), want, "{name}");
            }
            let aud: Option<Vec<&str>> = ours.aud().map(|a| a.iter().collect());
            let want: Option<Vec<&str>> = plain.get("aud").map(|a| match a {
                Value::String(s) => vec![s.as_str()],
                Value::Array(v) => v.iter().filter_map(Value::as_str).collect(),
                _ => panic!("aud of another type accepted"),
            });
            assert_eq!(aud, want);
        }
        Err(e) => {
            // Refusing an object serde_json accepts needs a reason serde_json does not check:
            // a repeated member or a registered claim of the wrong type or range.
            if let Ok(Value::Object(_)) = plain {
                assert!(
                    matches!(
                        e,
                        tessera_jwt::Error::DuplicateClaim { .. }
                            | tessera_jwt::Error::InvalidClaimType { .. }
                            | tessera_jwt::Error::InvalidClaim { .. }
                    ),
                    "refused an object serde_json accepts: {e:?}"
                );
            }
        }
    }
});
