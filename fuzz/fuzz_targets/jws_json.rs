//! JWS JSON serialization (general and flattened): parse, then verify every signature with the
//! fixed key for its algorithm; a detached document is checked against a fixed payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{other_verifier, verifier_for};
use tessera_jose::jws::{JsonJws, JwsHeader, JwsOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(jws) = JsonJws::parse_bytes(data, &JwsOptions::default()) else {
        return;
    };
    assert!(!jws.signatures().is_empty(), "a parsed JWS has a signature");
    for sig in jws.signatures() {
        let h = sig.header();
        let again = JwsHeader::from_json(h.to_json().as_bytes()).expect("serialised header parses");
        assert_eq!(&again, h, "header round trip");
        if let Some(key) = verifier_for(h.alg) {
            if jws.is_detached() {
                let _ = jws.verify_detached(key, b"detached payload");
                assert!(jws.verify(key).is_err());
            } else {
                let _ = jws.verify(key);
            }
        }
        if let Some(key) = other_verifier(h.alg) {
            // Another signature of the document may use that algorithm; only check that it
            // does not panic.
            let _ = jws.verify(key);
        }
    }
    let _ = jws.payload_segment();
});
