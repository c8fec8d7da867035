//! Compact JWS: parse, then verify with the fixed key for the token's `alg` (and with a key of
//! another algorithm, which must be refused). The parsed header must survive a JSON round trip
//! and agree with an independent parse of the same JSON (plain serde_json).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
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
    // An independent parse of the same header: plain serde_json must accept it and see the
    // same members.
    let json = tessera_core::b64::decode(jws.header_b64()).expect("the header segment decoded");
    let plain: Value = serde_json::from_slice(&json).expect("serde_json accepts what we accept");
    assert_eq!(plain["alg"].as_str(), Some(header.alg.as_str()));
    assert_eq!(
        plain.get("kid").and_then(Value::as_str),
        header.kid.as_deref()
    );
    assert_eq!(
        plain.get("typ").and_then(Value::as_str),
        header.typ.as_deref()
    );
    assert_eq!(plain.get("b64").and_then(Value::as_bool), header.b64);
    assert_eq!(
        plain.as_object().map(|m| m.len()),
        Some(
            serde_json::from_str::<Value>(&header.to_json())
                .expect("round trip")
                .as_object()
                .map_or(0, |m| m.len())
        ),
        "no member lost"
    );
    let again =
        JwsHeader::from_json(header.to_json().as_bytes()).expect("serialised header parses");
    assert_eq!(&again, header, "header round trip");
    assert_eq!(
        jws.signing_input().len(),
        jws.header_b64().len() + 1 + jws.payload_segment().len()
    );

    if let Some(key) = verifier_for(header.alg) {
        if jws.is_detached() {
            let _ = jws.verify_detached(key, b"detached payload");
        }
        {
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
        assert!(
            jws.verify(key).is_err(),
            "a key for another alg must be refused"
        );
    }
});
