//! JWE JSON serialization (general and flattened): parse, decrypt with each fixed cookbook
//! key, and when it decrypts, re-serialise (general JSON, and compact when possible), parse
//! again and check the plaintext is unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{jwe_keys, jwe_options};
use tessera_jose::jwe::{CompactJwe, JweJson};

fuzz_target!(|data: &[u8]| {
    let opts = jwe_options();
    let Ok(jwe) = JweJson::parse(data, &opts) else {
        return;
    };
    assert!(jwe.recipient_count() >= 1);
    let _ = jwe.protected_header();
    for i in 0..jwe.recipient_count() {
        let _ = jwe.recipient_header(i);
    }
    for key in jwe_keys().iter() {
        let Ok(d) = jwe.decrypt(key) else {
            continue;
        };
        assert!(d.recipient < jwe.recipient_count());
        let general = jwe.to_general_json();
        let again = JweJson::parse(general.as_bytes(), &opts).expect("general JSON re-parses");
        let d2 = again.decrypt(key).expect("re-serialised JWE decrypts");
        assert_eq!(d2.plaintext, d.plaintext, "general JSON round trip");
        if let Ok(flat) = jwe.to_flattened_json() {
            let f = JweJson::parse(flat.as_bytes(), &opts).expect("flattened JSON re-parses");
            assert_eq!(
                f.decrypt(key).expect("flattened decrypts").plaintext,
                d.plaintext
            );
        }
        if let Ok(compact) = jwe.to_compact() {
            let c = CompactJwe::parse(&compact, &opts).expect("compact re-parses");
            assert_eq!(c.decrypt(key).expect("compact decrypts"), d.plaintext);
        }
    }
});
