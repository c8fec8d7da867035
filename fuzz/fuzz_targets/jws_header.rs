//! JWS header JSON: strict parse, `crit` check, and a serialise→parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_jose::jws::JwsHeader;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = JwsHeader::from_json(data) else {
        return;
    };
    let _ = header.check_crit(&[], true);
    let _ = header.check_crit(&["exp".to_owned()], false);
    let json = header.to_json();
    let again = JwsHeader::from_json(json.as_bytes()).expect("serialised header parses");
    assert_eq!(again, header, "header round trip");
    assert_eq!(again.to_json(), json, "serialisation is stable");
    // The same header through the parsed-map path.
    if let Ok(map) = tessera_core::json::parse_object(data, "header") {
        let via_map = JwsHeader::from_map(map).expect("from_map accepts what from_json accepts");
        assert_eq!(via_map, header);
    }
});
