//! Form bodies and query strings (tessera-core): authorization callbacks, token and error
//! responses in `application/x-www-form-urlencoded`. `parse_unique` succeeds exactly when no
//! name repeats, and then holds the same pairs as `parse`; what `parse` yields survives an
//! encode→parse round trip unchanged.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use tessera_core::{Error, form};

fuzz_target!(|data: &[u8]| {
    let pairs = form::parse(data);
    let mut first_repeat = None;
    let mut seen = BTreeMap::new();
    for (k, v) in &pairs {
        if seen.insert(k.clone(), v.clone()).is_some() && first_repeat.is_none() {
            first_repeat = Some(k.clone());
        }
    }
    match (form::parse_unique(data), first_repeat) {
        (Ok(map), None) => assert_eq!(map, seen, "parse_unique holds the pairs of parse"),
        (Err(Error::DuplicateParameter { name }), Some(repeat)) => {
            assert_eq!(name, repeat, "the first repeated name is reported");
        }
        (unique, repeat) => panic!("parse_unique {unique:?} but first repeat {repeat:?}"),
    }
    let body = form::encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(
        form::parse(body.as_bytes()),
        pairs,
        "encode→parse round trip"
    );
});
