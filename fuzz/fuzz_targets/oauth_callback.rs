//! The authorization response check (`PendingAuthorization::check_callback`) on outside input:
//! a redirect's query string or a form post. Whatever it accepts must, by an independent reading
//! of the same parameters, carry exactly one `state` equal to the one sent, the issuer (it is
//! promised here, RFC 9207), no `error` and a non-empty `code`; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::UnixTime;
use tessera_oauth::authorization::PendingAuthorization;

const PENDING: &str = r#"{"issuer":"https://as.example","client_id":"app","redirect_uri":"https://app.example/cb","state":"s7a7e","nonce":"n0nce","code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","expires_at":2000,"iss_required":true}"#;

fuzz_target!(|data: &[u8]| {
    let pending: PendingAuthorization = serde_json::from_str(PENDING).expect("fixed value");
    let accepted = pending.check_callback(data, UnixTime(1000)).is_ok();
    if accepted {
        let params: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
        let values = |name: &str| -> Vec<&str> {
            params
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(
            values("state"),
            ["s7a7e"],
            "accepted without the state sent"
        );
        assert_eq!(
            values("iss"),
            ["https://as.example"],
            "accepted without the issuer"
        );
        assert!(values("error").is_empty(), "accepted an error response");
        let code = values("code");
        assert!(
            code.len() == 1 && !code[0].is_empty(),
            "accepted without a code"
        );
        let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "accepted a repeated parameter");
    }
    // Expired: never accepted, whatever the input.
    let pending: PendingAuthorization = serde_json::from_str(PENDING).expect("fixed value");
    assert!(pending.check_callback(data, UnixTime(2001)).is_err());
});
