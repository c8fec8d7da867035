//! Strict base64url (tessera-core): the fast and the constant-time decoders agree, and decoding
//! is canonical (decode→encode gives the input back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::b64;

fuzz_target!(|data: &[u8]| {
    let fast = b64::decode(data);
    let mut into = vec![1, 2, 3];
    let into_ok = b64::decode_into(data, &mut into, "fuzz").is_ok();
    assert_eq!(fast.is_ok(), into_ok);
    if let Ok(s) = std::str::from_utf8(data) {
        let ct = b64::decode_secret(s, "fuzz");
        assert_eq!(
            fast.is_ok(),
            ct.is_ok(),
            "fast and constant-time decoders disagree"
        );
        if let (Ok(f), Ok(c)) = (&fast, &ct) {
            assert_eq!(&f[..], c.expose());
        }
    }
    if let Ok(bytes) = fast {
        assert_eq!(into, bytes);
        assert_eq!(
            b64::encode(&bytes).as_bytes(),
            data,
            "decoding is canonical"
        );
        assert_eq!(b64::encoded_len(bytes.len()), data.len());
        assert_eq!(b64::encode_secret(&bytes).as_bytes(), data);
    }
});
