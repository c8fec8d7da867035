//! Compact JWS: parse, then verify with the fixed key for the token's `alg` (and with a key of
//! another algorithm, which must be refused). The parsed header must survive a JSON round trip,
//! and `CompactView` (the allocation-free parse) must agree with `CompactJws` in everything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{other_verifier, verifier_for};
use tessera_jose::jws::{CompactJws, CompactView, HeaderBuf, JwsHeader, JwsOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = CompactJws::parse(token, &JwsOptions::default());
    let mut buf = HeaderBuf::new();
    let view = CompactView::parse(token, &JwsOptions::default(), &mut buf);
    let (jws, view) = match (parsed, view) {
        (Ok(jws), Ok(view)) => (jws, view),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "the same error");
            return;
        }
        (a, b) => panic!("CompactJws {:?} but CompactView {:?}", a.map(|_| ()), b.map(|_| ())),
    };
    let header = jws.header();
    assert_eq!(&view.header(), header);
    assert_eq!(
        (view.alg(), view.kid(), view.typ()),
        (header.alg, header.kid.as_deref(), header.typ.as_deref())
    );
    assert_eq!(view.signature(), jws.signature());
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
            let mut view_out = Vec::new();
            let c = view.verify_into(key, &mut view_out);
            assert_eq!(
                b.map_err(|e| e.to_string()),
                c.map_err(|e| e.to_string()),
                "CompactView verifies alike"
            );
            if let Ok(p) = a {
                assert_eq!(p, out);
                assert_eq!(p, view_out);
            }
        }
    }
    if let Some(key) = other_verifier(header.alg) {
        assert!(jws.verify(key).is_err(), "a key for another alg must be refused");
    }
});
