//! JWK: strict parse with validation, serialise→parse round trip, thumbprints, public
//! projection, and preparing the key for every algorithm it might fit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_jose::jwk::ThumbprintHash;
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

fuzz_target!(|data: &[u8]| {
    let Ok(jwk) = Jwk::from_json(data) else {
        return;
    };
    let json = jwk.to_json();
    let again = Jwk::from_json(json.as_bytes()).expect("serialised JWK parses");
    assert_eq!(again.to_json(), json, "JWK round trip");
    assert_eq!(again.thumbprint_sha256(), jwk.thumbprint_sha256());
    let _ = jwk.thumbprint(ThumbprintHash::Sha384);
    let _ = jwk.thumbprint_uri(ThumbprintHash::Sha512);
    let _ = format!("{jwk:?}");
    if let Some(public) = jwk.to_public() {
        assert!(!public.is_private());
        assert_eq!(public.thumbprint_sha256(), jwk.thumbprint_sha256());
        let pj = public.to_json();
        let p2 = Jwk::from_json(pj.as_bytes()).expect("serialised public JWK parses");
        assert_eq!(p2.to_json(), pj);
    }
    for &alg in JwsAlgorithm::ALL {
        if let Ok(v) = VerifyingKey::from_jwk(&jwk, alg) {
            assert_eq!(v.alg(), alg);
            let _ = v.verify(b"a.b", &[0u8; 64]);
        }
        if let Ok(s) = SigningKey::from_jwk(&jwk, alg) {
            assert_eq!(s.alg(), alg);
            // Sign-then-verify must hold for any key the parser accepted.
            let sig = s.sign(b"a.b").expect("a prepared key signs");
            s.verifying_key()
                .verify(b"a.b", &sig)
                .expect("own signature verifies");
        }
    }
});
