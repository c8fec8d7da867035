//! RFC 7636 Appendix B: the `S256` example, from `tests/vectors/rfc-appendix/`.

#![allow(clippy::unwrap_used)] // test code

use tessera_pkce::{CodeVerifier, Method, ServerVerifier};

fn vector() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/rfc-appendix/rfc7636_appendix_B.json"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn appendix_b_s256() {
    let v = vector();
    let verifier = v["code_verifier"].as_str().unwrap();
    let challenge = v["code_challenge"].as_str().unwrap();
    assert_eq!(v["code_challenge_method"], "S256");

    // The verifier is the base64url encoding of the listed octets.
    let octets: Vec<u8> = v["verifier_octets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(tessera_core::b64::encode(&octets), verifier);

    let cv = CodeVerifier::new(verifier).unwrap();
    assert_eq!(cv.challenge().as_str(), challenge);
    assert_eq!(cv.challenge().method(), Method::S256);

    let server = ServerVerifier::new();
    assert_eq!(
        server.check_challenge(Some("S256"), challenge).unwrap(),
        Method::S256
    );
    server.verify(Some("S256"), challenge, verifier).unwrap();
    // One character off fails.
    let mut wrong = verifier.to_owned();
    wrong.replace_range(0..1, "e");
    assert!(server.verify(Some("S256"), challenge, &wrong).is_err());
}
