//! `CompactView` (the allocation-free parse the JWT policy uses) agrees with `CompactJws` on
//! every input: the same acceptance, the same errors, the same header, and the same
//! verification result and payload. Checked on the published RFC 7515 and RFC 7520 tokens,
//! on headers inside and outside the view's fast subset, on every bad-input family, and on
//! thousands of mutations.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{jwk, s, vector};
use serde_json::Value;
use tessera::core::b64;
use tessera::jose::jws::{CompactJws, CompactView, HeaderBuf, JwsHeader, JwsOptions};
use tessera::jose::{JwsAlgorithm, SigningKey, VerifyingKey};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn hs256() -> SigningKey {
    SigningKey::from_hmac_secret(KEY, JwsAlgorithm::HS256).unwrap()
}

/// A compact JWS with this exact header JSON, signed with the HS256 key.
fn token_with_header(header_json: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64::encode(header_json), b64::encode(payload));
    let sig = hs256().sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64::encode(sig))
}

/// Parses `token` both ways and checks that they agree in every observable; returns whether
/// the token parsed.
fn agree(token: &str, options: &JwsOptions, keys: &[&VerifyingKey]) -> bool {
    let full = CompactJws::parse(token, options);
    let mut buf = HeaderBuf::new();
    let view = CompactView::parse(token, options, &mut buf);
    match (full, view) {
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{token}");
            false
        }
        (Ok(f), Ok(v)) => {
            let h = f.header();
            assert_eq!(v.alg(), h.alg, "{token}");
            assert_eq!(v.kid(), h.kid.as_deref(), "{token}");
            assert_eq!(v.typ(), h.typ.as_deref(), "{token}");
            assert_eq!(&v.header(), h, "{token}");
            assert_eq!(
                &JwsHeader::from_json(v.header_json()).unwrap(),
                h,
                "{token}"
            );
            assert_eq!(v.signature(), f.signature(), "{token}");
            assert_eq!(v.signing_input(), f.signing_input(), "{token}");
            for key in keys {
                let (mut a, mut b) = (vec![0xAA], vec![0xBB]);
                let ra = f.verify_into(key, &mut a).map_err(|e| e.to_string());
                let rb = v.verify_into(key, &mut b).map_err(|e| e.to_string());
                assert_eq!(ra, rb, "{token}");
                if ra.is_ok() {
                    assert_eq!(a, b, "{token}");
                }
            }
            if let Some(full_header) = v.into_full_header() {
                assert_eq!(&*full_header, h, "{token}");
            }
            true
        }
        (f, v) => panic!(
            "CompactJws says {:?}, CompactView says {:?} for {token}",
            f.map(|_| ()),
            v.map(|_| ())
        ),
    }
}

fn opts() -> JwsOptions {
    JwsOptions::default()
}

#[test]
fn published_tokens() {
    let mut parsed = 0;
    for v in vector("rfc-appendix/rfc7515_appendix_A.json")
        .as_array()
        .unwrap()
    {
        // A.6 and A.7 are JSON serializations.
        let Some(alg) = v["alg"].as_str() else {
            continue;
        };
        let Ok(alg) = alg.parse::<JwsAlgorithm>() else {
            // A.5, the unsecured JWS: refused by both.
            assert!(!agree(s(v, "/compact"), &opts(), &[]));
            continue;
        };
        let key = VerifyingKey::from_jwk(&jwk(&v["jwk"]), alg).unwrap();
        assert!(agree(s(v, "/compact"), &opts(), &[&key]));
        parsed += 1;
    }
    for file in [
        "4_1.rsa_v15_signature.json",
        "4_2.rsa-pss_signature.json",
        "4_3.ecdsa_signature.json",
        "4_4.hmac-sha2_integrity_protection.json",
        "4_5.signature_with_detached_content.json",
    ] {
        let v = vector(&format!("rfc7520-cookbook/jws/{file}"));
        let alg: JwsAlgorithm = s(&v, "/input/alg").parse().unwrap();
        let key = VerifyingKey::from_jwk(&jwk(&v["input"]["key"]), alg).unwrap();
        assert!(agree(s(&v, "/output/compact"), &opts(), &[&key]), "{file}");
        parsed += 1;
    }
    // RFC 7797: `b64: false` with `crit`, outside the fast subset.
    let v = vector("rfc7520-cookbook/rfc7797/4.2.hmac-sha2_b64_false.json");
    if let Some(token) = v.pointer("/output/compact").and_then(Value::as_str) {
        let key = VerifyingKey::from_jwk(&jwk(&v["input"]["key"]), JwsAlgorithm::HS256).unwrap();
        agree(token, &opts(), &[&key]);
    }
    assert_eq!(parsed, 9); // A.1–A.4 and five cookbook tokens
}

#[test]
fn headers_inside_and_outside_the_fast_subset() {
    let hs = hs256();
    let hs384 = SigningKey::from_hmac_secret(&[7; 48], JwsAlgorithm::HS384).unwrap();
    let keys = [hs.verifying_key(), hs384.verifying_key()];
    let with_exp = JwsOptions {
        crit: vec!["exp".into()],
        ..JwsOptions::default()
    };
    for (header, parses) in [
        // The fast subset: flat objects of plain strings.
        (r#"{"alg":"HS256"}"#, true),
        (
            r#"{"alg":"HS256","typ":"JWT","kid":"2026-11-signing-key-01"}"#,
            true,
        ),
        (
            r#"{"typ":"at+jwt","kid":"k","alg":"HS256","cty":"JWT"}"#,
            true,
        ),
        (
            r#"{"alg":"HS256","jku":"https://x/jwks","x5u":"https://x/c","x5t":"a","x5t#S256":"b"}"#,
            true,
        ),
        (r#"{"alg":"HS256","kid":"ünïcödé"}"#, true),
        (r#"{"alg":"HS256","kid":""}"#, true),
        (
            r#"{"alg":"HS384","kid":"another algorithm than the key's"}"#,
            true,
        ),
        // Valid, outside the subset: the full parser builds the header.
        (r#"{ "alg" : "HS256" }"#, true),
        (r#"{"alg":"HS256","kid":"a\u0062"}"#, true),
        (r#"{"alg":"HS256","kid":"a\"b"}"#, true),
        (r#"{"alg":"HS256","ext":"x","n":1.5}"#, true),
        (r#"{"alg":"HS256","x5#":"a","ki":"b","kidd":"c"}"#, true),
        (r#"{"a":":","alg":"HS256"}"#, true),
        (r#"{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}"#, true),
        (r#"{"alg":"HS256","x5c":["AA"]}"#, true),
        (r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, true),
        (r#"{"alg":"HS256","b64":true,"crit":["b64"]}"#, true),
        (r#"{"alg":"HS256","crit":["exp"],"exp":5}"#, false),
        // Errors: the same error from both.
        (r#"{"alg":"HS256","b64":false}"#, false),
        (r#"{"alg":"HS256","crit":["b64"]}"#, false),
        (r#"{"alg":"HS256","crit":["unknown"],"unknown":1}"#, false),
        (r#"{"alg":"HS256","alg":"HS256"}"#, false),
        (r#"{"alg":"HS256","kid":"a","kid":"b"}"#, false),
        (r#"{"alg":"HS256","jwk":{"kty":"oct","kty":"oct"}}"#, false),
        (r#"{"alg":"none"}"#, false),
        (r#"{"alg":"XS999"}"#, false),
        (r#"{"alg":"HS256","kid":5}"#, false),
        (r#"{"alg":"HS256","typ":null}"#, false),
        (r#"{"kid":"a"}"#, false),
        (r#"{"alg":"HS256""#, false),
        (r#"{"alg":"HS256"}x"#, false),
        (r#"{"alg":"HS256",}"#, false),
        ("{\"alg\":\"HS256\",\"kid\":\"a\u{1}\"}", false),
        ("{}", false),
        ("[]", false),
        ("", false),
    ] {
        let token = token_with_header(header, r#"{"sub":"x"}"#);
        assert_eq!(agree(&token, &opts(), &keys), parses, "{header}");
        agree(&token, &with_exp, &keys);
    }
    // The crit extension the application declared is accepted by both.
    let token = token_with_header(r#"{"alg":"HS256","crit":["exp"],"exp":5}"#, "{}");
    assert!(agree(&token, &with_exp, &keys));
}

#[test]
fn malformed_tokens() {
    let good = token_with_header(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"x"}"#);
    let (h, rest) = good.split_once('.').unwrap();
    let (p, sig) = rest.split_once('.').unwrap();
    let big_header = token_with_header(
        &format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(2000)),
        "{}",
    );
    let tight = JwsOptions {
        max_len: 64,
        ..JwsOptions::default()
    };
    let hs = hs256();
    let keys = [hs.verifying_key()];
    for token in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        h.to_owned(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{sig}.x"),
        format!("{h}.{p}.{sig}."),
        format!("{h}..{sig}"),
        format!("{h}.{p}."),
        format!("{h}=.{p}.{sig}"),
        format!("{h}.{p}.{sig}="),
        format!("{h}.{p}.{sig}A"),
        format!("{h}.{p}x.{sig}"),
        format!("{h}.{p}.{}", &sig[1..]),
        format!("+{}.{p}.{sig}", &h[1..]),
        format!("{h}.{p}.{sig}").replace('.', "\u{2024}"),
        big_header,
        good.clone(),
    ] {
        agree(&token, &opts(), &keys);
        agree(&token, &tight, &keys);
    }
    assert!(agree(&good, &opts(), &keys));
}

#[test]
fn mutations_agree() {
    let hs = hs256();
    let keys = [hs.verifying_key()];
    let seeds = [
        token_with_header(
            r#"{"alg":"HS256","typ":"JWT","kid":"k-01"}"#,
            r#"{"sub":"x"}"#,
        ),
        token_with_header(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, "x"),
        token_with_header(r#"{"alg":"HS256","jwk":{"kty":"oct"},"kid":"a\\n"}"#, "{}"),
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parsed = 0;
    for token in &seeds {
        // Mutate the decoded header as well as the token text, so that the header parsers
        // see near-valid JSON rather than only base64 noise.
        let (h, rest) = token.split_once('.').unwrap();
        let header = b64::decode(h).unwrap();
        for _ in 0..2000 {
            let mut b = header.clone();
            for _ in 0..(next() % 3 + 1) {
                let i = (next() as usize) % b.len();
                match next() % 3 {
                    0 => b[i] = b"{}[]\",:\\ aAkK0\x01\xc3"[(next() % 16) as usize],
                    1 => {
                        b.remove(i);
                    }
                    _ => b.insert(i, b"{}[]\".,:\\"[(next() % 9) as usize]),
                }
            }
            let t = format!("{}.{rest}", b64::encode(&b));
            parsed += usize::from(agree(&t, &opts(), &keys));
        }
        for _ in 0..1000 {
            let mut b = token.as_bytes().to_vec();
            let i = (next() as usize) % b.len();
            b[i] = b"A_-.=+/"[(next() % 7) as usize];
            if let Ok(t) = std::str::from_utf8(&b) {
                parsed += usize::from(agree(t, &opts(), &keys));
            }
        }
    }
    // Some mutations must survive parsing, or the test says nothing about the Ok branch.
    assert!(parsed > 100, "{parsed}");
}
