//! The JWT signing fast paths (direct claim serialisation, the key's cached header, the table
//! base64url encoder, signatures on the stack) against the general paths and independent peers:
//! the same bytes as `serde_json` + `jws::sign_compact` for hostile claims. That `jsonwebtoken`
//! and `jwt-simple` verify these tokens is checked in `benches/tests/peers.rs`, the bench
//! package that owns those peers (so that the root package's tests build one crypto stack).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_core::b64;
use tessera_jose::jws::{self, CompactJws, JwsHeader, JwsOptions};
use tessera_jose::{JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;

const SECRET: &[u8] = b"a shared secret of sixty-four bytes for HS512, long enough for all";
const EXP: u64 = 4_102_444_800; // 2100-01-01

/// Strings with every class `serde_json` escapes (quote, backslash, the short escapes, every
/// other control character), and what it does not (DEL, non-ASCII, U+2028/2029, astral), at
/// every position and length around the 8-byte word boundaries of the scan.
fn hostile_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "a",
        "\"",
        "\\",
        "\u{0}",
        "\u{1f}",
        "\u{7f}",
        "\u{80}",
        "é",
        "\u{2028}\u{2029}",
        "😀",
        "\t\n\r\u{8}\u{c}",
        "a\"b",
        "</script>",
        "\u{fffd}\u{feff}",
    ]
    .map(str::to_owned)
    .into();
    v.push((0u8..=0x7f).map(char::from).collect());
    v.push(('\u{0}'..='\u{ff}').collect());
    for bad in [
        '"', '\\', '\u{0}', '\u{1}', '\n', '\u{1f}', ' ', '\u{7f}', 'ü',
    ] {
        for len in 1..=26usize {
            for at in [0, len / 2, len - 1] {
                let mut s: Vec<char> = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                s[at] = bad;
                v.push(s.into_iter().collect());
            }
        }
    }
    v
}

fn hs_keys() -> Vec<SigningKey> {
    [
        JwsAlgorithm::HS256,
        JwsAlgorithm::HS384,
        JwsAlgorithm::HS512,
    ]
    .into_iter()
    .map(|alg| SigningKey::from_hmac_secret(SECRET, alg).unwrap())
    .collect()
}

/// `{"name":value,…}` written by `serde_json` alone, member by member.
fn serde_json_object(members: &[(&str, Value)]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(serde_json::to_vec(k).unwrap());
        out.push(b':');
        out.extend(serde_json::to_vec(v).unwrap());
    }
    out.push(b'}');
    out
}

/// The general path: the JWS layer's own header and encoder over the builder's payload.
fn general_path(b: &JwtBuilder, key: &SigningKey) -> String {
    let mut h = b.header_for(key);
    if h.kid.is_none() {
        h.kid = key.kid().map(str::to_owned);
    }
    jws::sign_compact(&h, b.payload_json().unwrap(), key).unwrap()
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Level {
    Gold,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Tenant(String);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: i64,
    nonce: String,
    #[serde(rename = "na\"me\u{1}")]
    name: String,
    delta: i32,
    ok: bool,
    ratio: f64,
    initial: char,
    level: Level,
    tenant: Tenant,
    missing: Option<String>,
    roles: Vec<String>,
    nested: BTreeMap<String, String>,
    big: u128,
}

fn claims(s: &str) -> Claims {
    Claims {
        iss: format!("https://issuer.example/{s}"),
        sub: s.to_owned(),
        aud: "api".into(),
        exp: EXP,
        iat: 1_700_000_000,
        nonce: format!("{s}{s}"),
        name: s.to_owned(),
        delta: -42,
        ok: true,
        ratio: 1.5,
        initial: s.chars().next().unwrap_or('\u{0}'),
        level: Level::Gold,
        tenant: Tenant(s.to_owned()),
        missing: None,
        roles: vec![s.to_owned(), "x".into()],
        nested: [(s.to_owned(), s.to_owned())].into(),
        big: u128::MAX,
    }
}

#[test]
fn claims_struct_is_serialised_as_serde_json_does() {
    for s in hostile_strings() {
        let c = claims(&s);
        let b = JwtBuilder::new().claims(&c);
        assert_eq!(
            b.payload_json().unwrap(),
            serde_json::to_vec(&c).unwrap(),
            "{s:?}"
        );
        for key in hs_keys() {
            assert_eq!(b.sign(&key).unwrap(), general_path(&b, &key), "{s:?}");
        }
    }
}

#[test]
fn claim_setters_are_serialised_as_serde_json_does() {
    let key = SigningKey::from_hmac_secret(SECRET, JwsAlgorithm::HS256).unwrap();
    for s in hostile_strings() {
        let b = JwtBuilder::new()
            .issuer(s.as_str())
            .subject(s.as_str())
            .audiences([s.as_str(), "b"])
            .expires_at(tessera_core::UnixTime(EXP))
            .claim(s.as_str(), s.as_str())
            .claim(format!("{s}.n"), -1i8)
            .claim(format!("{s}.u"), u64::MAX)
            .claim(format!("{s}.f"), f64::NAN)
            .claim(format!("{s}.c"), 'ü')
            .claim(format!("{s}.unit"), ())
            .claim(format!("{s}.none"), None::<u8>)
            .claim(format!("{s}.some"), Some(s.as_str()))
            .claim(format!("{s}.obj"), json!({ "k": s, "a": [1, s] }));
        let expected = serde_json_object(&[
            ("iss", json!(s)),
            ("sub", json!(s)),
            ("aud", json!([s, "b"])),
            ("exp", json!(EXP)),
            (&s, json!(s)),
            (&format!("{s}.n"), json!(-1)),
            (&format!("{s}.u"), json!(u64::MAX)),
            (&format!("{s}.f"), Value::Null),
            (&format!("{s}.c"), json!("ü")),
            (&format!("{s}.unit"), Value::Null),
            (&format!("{s}.none"), Value::Null),
            (&format!("{s}.some"), json!(s)),
            (&format!("{s}.obj"), json!({ "k": s, "a": [1, s] })),
        ]);
        assert_eq!(b.payload_json().unwrap(), expected, "{s:?}");
        assert_eq!(b.sign(&key).unwrap(), general_path(&b, &key), "{s:?}");
    }
}

/// The header: the key's cached one when the builder asks for exactly it, the builder's own
/// otherwise (another `typ`, a `cty`, another `kid`, hostile values), always as the JWS layer
/// writes it.
#[test]
fn headers_match_the_jws_layer() {
    let c = claims("x");
    for key in hs_keys() {
        for key in [key.clone(), key.with_kid("k\"1\u{0}é")] {
            let mut expected = JwsHeader::new(key.alg());
            expected.typ = Some("JWT".into());
            expected.kid = key.kid().map(str::to_owned);
            assert_eq!(key.jwt_header_b64(), b64::encode(expected.to_json()));
            for b in [
                JwtBuilder::new(),
                JwtBuilder::new().typ("JWT"),
                JwtBuilder::new().kid(key.kid().unwrap_or("own")),
                JwtBuilder::new().kid("other\\kid"),
                JwtBuilder::new().typ("at+jwt"),
                JwtBuilder::new().typ("\u{1f}").cty("JWT"),
                JwtBuilder::new().cty("JWT").kid(""),
            ] {
                let b = b.claims(&c);
                let token = b.sign(&key).unwrap();
                assert_eq!(token, general_path(&b, &key));
                let parsed = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
                assert_eq!(parsed.header().typ, b.header_for(&key).typ);
                assert!(parsed.verify(key.verifying_key()).is_ok());
            }
        }
    }
}

/// The allocation-free signing entry point gives the same signature as `sign` for every key
/// family (randomised PSS aside, which must verify), reports its length up front, and refuses
/// a short buffer with an error.
#[test]
fn sign_to_slice_matches_sign() {
    use common::interop_private_key as private;
    let cases = [
        ("oct64", JwsAlgorithm::HS256),
        ("oct64", JwsAlgorithm::HS384),
        ("oct64", JwsAlgorithm::HS512),
        ("P-256", JwsAlgorithm::ES256),
        ("P-384", JwsAlgorithm::ES384),
        ("P-521", JwsAlgorithm::ES512),
        ("Ed25519", JwsAlgorithm::EdDSA),
        ("RSA", JwsAlgorithm::RS256),
        ("RSA", JwsAlgorithm::PS256),
    ];
    let input = b"eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA";
    for (label, alg) in cases {
        let key = SigningKey::from_jwk(&private(label), alg).unwrap();
        let n = key.signature_len();
        let mut buf = vec![0u8; n + 5];
        assert_eq!(key.sign_to_slice(input, &mut buf).unwrap(), n, "{alg}");
        let sig = &buf[..n];
        assert!(key.verifying_key().verify(input, sig).is_ok(), "{alg}");
        if alg != JwsAlgorithm::PS256 {
            assert_eq!(key.sign(input).unwrap(), sig, "{alg}");
        }
        assert!(matches!(
            key.sign_to_slice(input, &mut buf[..n - 1]),
            Err(tessera_jose::Error::Crypto { .. })
        ));
        // And through the builder (stack or heap signature).
        let token = JwtBuilder::new().subject("s").sign(&key).unwrap();
        let parsed = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
        assert!(parsed.verify(key.verifying_key()).is_ok(), "{alg}");
        assert_eq!(parsed.signature().len(), n);
    }
}
