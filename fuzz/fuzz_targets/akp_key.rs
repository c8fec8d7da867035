//! `AKP` keys (RFC 9964, ML-DSA): the first byte picks a mode and an algorithm, the rest is
//! the input.
//!
//! - mode 0: the rest is a JWK (JSON). If it parses as an `AKP` key, its lengths are its
//!   algorithm's, it round-trips, its seed derives its public key, it is bound to its one
//!   algorithm, a private key signs and verifies its own signature, and the rest of the input
//!   as a signature never verifies for another message.
//! - mode 1: the rest is a raw public key put in a JWK: it parses exactly when its length is
//!   the algorithm's, and then verifies any signature without panicking.
//! - mode 2: the first 32 bytes are a seed (derive, serialise, parse back, sign, verify), the
//!   rest a signature to verify with the derived key.
//! - mode 3: the rest is a raw `priv` beside a fixed public key: refused unless it is the
//!   all-zero seed of RFC 9964 Appendix A.1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::b64;
use tessera_jose::jwk::KeyParams;
use tessera_jose::{AkpAlgorithm, Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

fn check_akp(jwk: &Jwk, sig: &[u8]) {
    let KeyParams::Akp(p) = jwk.params() else {
        return;
    };
    let alg = p.alg;
    assert_eq!(p.public.len(), alg.public_key_len());
    assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
    let json = jwk.to_json();
    let again = Jwk::from_json(json.as_bytes()).expect("serialised AKP key parses");
    assert_eq!(again.to_json(), json);
    assert_eq!(again.thumbprint_sha256(), jwk.thumbprint_sha256());
    assert!(jwk.thumbprint_input().starts_with(r#"{"alg":""#));
    if let Some(seed) = &p.seed {
        let derived = Jwk::from_akp_seed(alg, seed.expose()).expect("a checked seed derives");
        assert_eq!(derived.thumbprint_sha256(), jwk.thumbprint_sha256());
    }
    let public = jwk.to_public().expect("an AKP key has a public half");
    assert!(!public.is_private());
    for &other in JwsAlgorithm::ALL {
        let fits = VerifyingKey::from_jwk(&public, other);
        if other != alg.jws_algorithm() {
            assert!(fits.is_err(), "an {alg} key prepared for {other}");
            assert!(SigningKey::from_jwk(jwk, other).is_err());
        }
    }
    // The key's own `use`/`key_ops` may rule it out; that is not a failure.
    if let Ok(v) = VerifyingKey::from_jwk(&public, alg.jws_algorithm()) {
        let _ = v.verify(b"a.b", sig);
        if let Ok(s) = SigningKey::from_jwk(jwk, alg.jws_algorithm()) {
            let own = s.sign(b"a.b").expect("a prepared key signs");
            assert_eq!(own.len(), alg.signature_len());
            v.verify(b"a.b", &own).expect("own signature verifies");
            assert!(v.verify(b"a.c", &own).is_err());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let alg = AkpAlgorithm::ALL[usize::from(selector >> 4) % 3];
    match selector & 3 {
        0 => {
            if let Ok(jwk) = Jwk::from_json(rest) {
                check_akp(&jwk, &[]);
            }
        }
        1 => {
            let json = format!(
                r#"{{"kty":"AKP","alg":"{}","pub":"{}"}}"#,
                alg.as_str(),
                b64::encode(rest)
            );
            let parsed = Jwk::from_json(json.as_bytes());
            assert_eq!(parsed.is_ok(), rest.len() == alg.public_key_len());
            if let Ok(jwk) = parsed {
                let v = VerifyingKey::from_jwk(&jwk, alg.jws_algorithm()).expect("prepares");
                let _ = v.verify(b"a.b", rest);
                let _ = v.verify(rest, &rest[..rest.len().min(alg.signature_len())]);
            }
        }
        2 => {
            if rest.len() < 32 {
                return;
            }
            let (seed, sig) = rest.split_at(32);
            let jwk = Jwk::from_akp_seed(alg, seed).expect("any 32 bytes are a seed");
            check_akp(&jwk, sig);
        }
        _ => {
            let zero = Jwk::from_akp_seed(alg, &[0; 32]).expect("the zero seed");
            let mut v: serde_json::Value = serde_json::from_str(&zero.to_json()).expect("JSON");
            v["priv"] = b64::encode(rest).into();
            let parsed = Jwk::from_json(v.to_string().as_bytes());
            assert_eq!(parsed.is_ok(), rest == [0; 32]);
        }
    }
});
