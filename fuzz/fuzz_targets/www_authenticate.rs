//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1) on outside input. Nothing may panic; what
//! is accepted must be well formed by an independent reading: every scheme a non-empty token,
//! parameter names lowercase tokens that do not repeat within a challenge, and a challenge has
//! a `token68` or parameters, not both.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_oauth::challenge::Challenge;

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(challenges) = Challenge::parse_all(text) {
        assert!(!challenges.is_empty());
        for c in &challenges {
            assert!(is_token(&c.scheme), "scheme {:?}", c.scheme);
            assert!(c.token68.is_none() || c.params.is_empty());
            for (i, (name, _)) in c.params.iter().enumerate() {
                assert!(is_token(name) && *name == name.to_ascii_lowercase());
                assert!(
                    c.params[..i].iter().all(|(n, _)| n != name),
                    "repeated {name}"
                );
            }
        }
    }
});
