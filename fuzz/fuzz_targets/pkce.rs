//! PKCE (RFC 7636) on outside input: a `code_verifier` from a token request, and a stored
//! `code_challenge` and method. What tessera accepts as a verifier must be exactly what RFC 7636
//! §4.1 allows (43 to 128 unreserved characters), checked here independently; an accepted
//! verifier's S256 challenge must be BASE64URL(SHA-256(verifier)), computed here with `sha2`,
//! and must verify; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use tessera_pkce::{CodeVerifier, ServerVerifier};

fn rfc7636_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The input is "verifier" or "verifier\nchallenge".
    let (verifier, challenge) = text.split_once('\n').unwrap_or((text, ""));
    let server = ServerVerifier::new();
    match CodeVerifier::new(verifier) {
        Ok(v) => {
            assert!(
                rfc7636_verifier(verifier),
                "accepted a verifier RFC 7636 refuses"
            );
            let expected = tessera_core::b64::encode(Sha256::digest(verifier.as_bytes()));
            assert_eq!(v.challenge().as_str(), expected);
            server
                .verify(Some("S256"), &expected, verifier)
                .expect("the verifier's own challenge verifies");
            if challenge != expected {
                assert!(server.verify(Some("S256"), challenge, verifier).is_err());
            }
        }
        Err(_) => assert!(!rfc7636_verifier(verifier), "refused a valid verifier"),
    }
    // `plain` is never accepted by default, whatever the input.
    assert!(server.verify(Some("plain"), verifier, verifier).is_err());
    let _ = server.check_challenge(Some("S256"), challenge);
});
