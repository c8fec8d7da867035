//! Strict JSON (tessera-core): differential against serde_json. Whatever the strict parser
//! accepts, serde_json accepts with the same value; whatever serde_json accepts and the
//! duplicate check passes, the strict parser accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::json;

fuzz_target!(|data: &[u8]| {
    let strict = json::parse_value(data, "fuzz");
    let dup_ok = json::check_duplicates(data, "fuzz").is_ok();
    let plain: Result<serde_json::Value, _> = serde_json::from_slice(data);
    match (&strict, &plain) {
        (Ok(s), Ok(p)) => {
            assert_eq!(s, p, "strict and serde_json values differ");
            assert!(dup_ok, "check_duplicates refused what parse_value accepted");
        }
        (Ok(_), Err(e)) => panic!("strict accepted what serde_json refused: {e}"),
        (Err(_), Ok(_)) => assert!(!dup_ok, "strict refused a document without duplicates"),
        (Err(_), Err(_)) => assert!(!dup_ok),
    }
    if let Ok(v) = strict {
        let again = json::parse_value(v.to_string().as_bytes(), "fuzz").expect("re-serialised");
        assert_eq!(again, v);
    }
});
