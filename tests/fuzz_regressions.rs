//! Regression tests for inputs the fuzz targets in `fuzz/` found (see `cargo xtask fuzz`).
//! Each test names the target and keeps the minimised input.
#![allow(missing_docs)]

use serde_json::Value;
use tessera::core::json;
use tessera::jose::jws::JwsHeader;

/// `core_json`: `1111111111111111111111111` parsed to an `f64` that, serialised and parsed
/// again, came back one ulp off: serde_json's default float parsing is not correctly rounded.
/// The workspace enables serde_json's `float_roundtrip` so a parsed number survives a round
/// trip exactly.
#[test]
fn core_json_float_round_trip() {
    for input in [
        "1111111111111111111111111",
        "[66666668888888888888888888888888888888888888888888888886666666666]",
        "1.1111111111111111e24",
        "6.666666888888891e64",
        "0.30000000000000004",
        "2.2250738585072014e-308",
    ] {
        let v = json::parse_value(input.as_bytes(), "test").unwrap();
        let again = json::parse_value(v.to_string().as_bytes(), "test").unwrap();
        assert_eq!(again, v, "{input}");
        let plain: Value = serde_json::from_str(input).unwrap();
        assert_eq!(plain, v, "{input}");
    }
}

/// `jws_header`: a header whose unregistered member holds a long number did not survive
/// `JwsHeader::to_json` → `JwsHeader::from_json` unchanged (same cause as above).
#[test]
fn jws_header_number_round_trip() {
    let input: &[u8] = b"{\"alg\"\x0a\x0a\x0a\x0a\x0a\x09\x09\x09:\"HS512\"\x09\x09\x09\x09\x09\x09\x09\x09\x09\x09,\"b16\":false,\"c\xd0\x9at\":[66666668888888888888888888888888888888888888888888888886666666666   ]}\x0d";
    let h = JwsHeader::from_json(input).unwrap();
    let again = JwsHeader::from_json(h.to_json().as_bytes()).unwrap();
    assert_eq!(again, h);
    assert_eq!(again.to_json(), h.to_json());
}
