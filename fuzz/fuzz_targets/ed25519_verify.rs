//! Ed25519 differential check: tessera's `EdDSA` verifier (its own verification equation with
//! per-key tables) must give exactly the verdicts of ed25519-dalek's `verify_strict`, and its
//! signer exactly dalek's signatures.
//!
//! Input: `mode ‖ key[32] ‖ sig[64] ‖ message` (short inputs are zero-padded).
//! - mode % 3 == 0: the fixed RFC 8037 key, the signature as given.
//! - mode % 3 == 1: `key` as an arbitrary public key (`x` of an OKP JWK), the signature as given.
//!   A key the JWK layer refuses must be one dalek cannot decode or calls weak.
//! - mode % 3 == 2: `key` as a seed; dalek signs the message, tessera must sign it identically,
//!   then the signature is XORed with `sig` (all zero: the valid signature) and verified.
#![no_main]

use ed25519_dalek::Signer;
use libfuzzer_sys::fuzz_target;
use tessera_core::b64;
use tessera_fuzz::verifier_for;
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

fn okp(x: &[u8; 32], d: Option<&[u8; 32]>) -> Option<Jwk> {
    let mut json = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}""#, b64::encode(x));
    if let Some(d) = d {
        json.push_str(&format!(r#","d":"{}""#, b64::encode(d)));
    }
    json.push('}');
    Jwk::from_json(json.as_bytes()).ok()
}

fn compare(key: &VerifyingKey, a: &[u8; 32], msg: &[u8], sig: &[u8; 64]) {
    let theirs = ed25519_dalek::VerifyingKey::from_bytes(a).is_ok_and(|k| {
        k.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
            .is_ok()
    });
    let ours = key.verify(msg, sig).is_ok();
    assert_eq!(ours, theirs, "verdicts differ");
}

fuzz_target!(|data: &[u8]| {
    let mut head = [0u8; 97];
    let n = data.len().min(97);
    head[..n].copy_from_slice(&data[..n]);
    let msg = data.get(97..).unwrap_or_default();
    let mode = head[0] % 3;
    let key: [u8; 32] = head[1..33].try_into().expect("32 bytes");
    let sig: [u8; 64] = head[33..97].try_into().expect("64 bytes");

    match mode {
        0 => {
            let v = verifier_for(JwsAlgorithm::EdDSA).expect("fixed EdDSA key");
            // RFC 8037 Appendix A.2's public key.
            let a = b64::decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").expect("b64");
            compare(v, &a.try_into().expect("32 bytes"), msg, &sig);
        }
        1 => match okp(&key, None)
            .and_then(|j| VerifyingKey::from_jwk(&j, JwsAlgorithm::EdDSA).ok())
        {
            Some(v) => compare(&v, &key, msg, &sig),
            None => assert!(
                !ed25519_dalek::VerifyingKey::from_bytes(&key).is_ok_and(|k| !k.is_weak()),
                "a decodable key of large order was refused"
            ),
        },
        _ => {
            let sk = ed25519_dalek::SigningKey::from_bytes(&key);
            let a = sk.verifying_key().to_bytes();
            let jwk = okp(&a, Some(&key)).expect("a derived key pair parses");
            let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::EdDSA).expect("signer");
            let mut s = sk.sign(msg).to_bytes();
            assert_eq!(signer.sign(msg).expect("sign"), s, "signatures differ");
            for (x, m) in s.iter_mut().zip(sig) {
                *x ^= m;
            }
            compare(signer.verifying_key(), &a, msg, &s);
        }
    }
});
