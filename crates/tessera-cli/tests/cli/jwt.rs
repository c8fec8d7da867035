//! `tessera jwt …`

use serde_json::{Value, json};

use crate::common::*;

#[test]
fn decode_rfc7515_a_1() {
    let v = rfc7515("A.1");
    let (code, out, err) = run(tessera().args(["jwt", "decode", v["compact"].as_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["header"], json!({"typ":"JWT","alg":"HS256"}));
    assert_eq!(
        out["claims"],
        json!({"iss":"joe","exp":1300819380,"http://example.com/is_root":true})
    );
    assert!(err.contains("NOT verified"), "a warning on stderr: {err}");
}

#[test]
fn decode_from_stdin_and_failures() {
    let v = rfc7515("A.1");
    let out = ok(tessera()
        .args(["jwt", "decode"])
        .write_stdin(format!("{}\n", v["compact"].as_str().unwrap())));
    assert!(out.contains("\"iss\": \"joe\""));
    // An unsecured token still decodes (decode verifies nothing, and says so).
    let none = rfc7515("A.5");
    ok(tessera().args(["jwt", "decode", none["compact"].as_str().unwrap()]));
    for bad in [
        "abc",
        "a.b.c.d",
        "e30.bm90IGpzb24.AA",             // claims are not JSON
        "e30.WzFd.AA",                    // claims are not an object
        "e30.eyJhIjoxLCJhIjoyfQ.AA",      // duplicate claim
        "e30=.e30.AA",                    // padded base64url
        "eyJhbGciOiJSU0ExXzUifQ.a.b.c.d", // a JWE
    ] {
        fails(tessera().args(["jwt", "decode", bad]), 2);
    }
}
