//! JWK Set: strict parse, lookups, and a serialise→parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_jose::{JwkSet, JwsAlgorithm};

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    for key in set.keys() {
        if let Some(kid) = &key.kid {
            assert!(set.get(kid).is_some(), "every kid is found");
            assert!(set.by_kid(kid).count() >= 1);
        }
    }
    for &alg in JwsAlgorithm::ALL {
        let _ = set.candidates(None, alg).count();
        let _ = set.candidates(Some("k"), alg).count();
    }
    let json = set.to_json();
    let again = JwkSet::from_json(json.as_bytes()).expect("serialised set parses");
    assert_eq!(again.len(), set.len(), "no key lost in the round trip");
    assert_eq!(again.skipped(), 0);
    assert_eq!(again.to_json(), json, "JWK Set round trip");
    let public = set.to_public();
    assert!(public.keys().iter().all(|k| !k.is_private()));
});
