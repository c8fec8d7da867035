//! The flat-object JSON fast path (tessera-core `json::flat`) against serde_json: for every
//! rotation of `deserialize_*` methods over the members, whenever the fast path succeeds,
//! serde_json succeeds with exactly the same visitor calls.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/tessera-core/tests/support/trace.rs"]
mod trace;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        trace::check(text);
    }
});
