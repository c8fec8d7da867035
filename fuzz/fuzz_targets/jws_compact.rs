//! Compact JWS: parse, then verify with the fixed key for the token's `alg` (and with a key of
//! another algorithm, which must be refused). The parsed header must survive a JSON round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{other_verifier, verifier_for};
use tessera_jose::jws::{CompactJws, JwsHeader, JwsOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jws) = CompactJws::parse(token, &JwsOptions::default()) else {
        return;
    };
    let header = jws.header();
    let again = JwsHeader::from_json(header.to_json().as_bytes()).expect("serialised header parses");
    assert_eq!(&again, header, "header round trip");
    assert_eq!(
        jws.signing_input().len(),
        jws.header_b64().len() + 1 + jws.payload_segment().len()
    );

    if let Some(key) = verifier_for(header.alg) {
        if jws.is_detached() {
            let _ = jws.verify_detached(key, b"detached payload");
            assert!(jws.verify(key).is_err());
        } else {
            let a = jws.verify(key);
            let mut out = Vec::new();
            let b = jws.verify_into(key, &mut out);
            assert_eq!(a.is_ok(), b.is_ok(), "verify and verify_into agree");
            if let Ok(p) = a {
                assert_eq!(p, out);
            }
        }
    }
    if let Some(key) = other_verifier(header.alg) {
        assert!(jws.verify(key).is_err(), "a key for another alg must be refused");
    }
});
