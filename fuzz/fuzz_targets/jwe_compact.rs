//! Compact JWE: parse, then decrypt with the fixed cookbook key for the token's `alg` (RFC 7520
//! §5 keys; every option enabled so each path is reachable). A token that decrypts must
//! decrypt again to the same plaintext.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{jwe_keys, jwe_options};
use tessera_jose::jwe::CompactJwe;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let opts = jwe_options();
    let Ok(jwe) = CompactJwe::parse(token, &opts) else {
        return;
    };
    let alg = jwe.header().alg;
    let _ = jwe.encrypted_key();
    for key in jwe_keys().iter() {
        let r = jwe.decrypt(key);
        if key.alg() != alg {
            assert!(r.is_err(), "a key for another alg must be refused");
        } else if let Ok(p) = r {
            assert!(p.len() <= opts.max_inflated.max(token.len()));
            assert_eq!(
                jwe.decrypt(key).ok(),
                Some(p),
                "decryption is deterministic"
            );
        }
    }
});
