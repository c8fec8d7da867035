//! JWT claims with validation (tessera-jwt): the input is the claims set; it is signed with a
//! fixed HS256 key so that it reaches claims parsing and the policy (iss, aud, exp, nbf, iat,
//! required claims, max age). An accepted token must really satisfy the policy.
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
    let _ = f.lax.verify::<Map<String, Value>>(&token, &f.keys, now);
    let mut buf = Vec::new();
    let _ = f.lax.verify_borrowed::<()>(&token, &f.keys, now, &mut buf);
    if let Ok(v) = f.strict.verify::<Map<String, Value>>(&token, &f.keys, now) {
        let c = v.claims();
        assert_eq!(c.iss(), Some("https://issuer.example"), "issuer checked");
        assert!(c.aud().is_some_and(|a| a.contains("api")), "audience checked");
        assert!(c.sub().is_some(), "required sub checked");
        let exp = c.exp().expect("exp required by default");
        assert!(exp.0.saturating_add(30) >= NOW, "expired token accepted");
        if let Some(nbf) = c.nbf() {
            assert!(nbf.0 <= NOW + 30, "not-yet-valid token accepted");
        }
        // The custom part never sees a registered claim.
        for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
            assert!(!v.custom().contains_key(name), "{name} leaked into custom claims");
        }
    }
});
