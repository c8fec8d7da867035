//! Bad input gets a typed error, never a panic: duplicate members, non-canonical base64url,
//! wrong segment counts, oversized tokens, non-object headers, `crit` violations, malformed
//! JSON serializations, out-of-range ECDSA scalars, and key selection failures.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use tessera::core::{Error as CoreError, b64};
use tessera::jose::error::{CritProblem, HeaderProblem, JsonType, MismatchProblem};
use tessera::jose::jws::{
    self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions, VerifierSet,
};
use tessera::jose::{Error, Jwk, JwkSet, JwsAlgorithm, SigningKey, VerifyingKey};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn hs256() -> SigningKey {
    SigningKey::from_hmac_secret(KEY, JwsAlgorithm::HS256).unwrap()
}

fn opts() -> JwsOptions {
    JwsOptions::default()
}

/// A compact JWS with this exact header JSON, correctly signed with the HS256 key.
fn token_with_header(header_json: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64::encode(header_json), b64::encode(payload));
    let sig = hs256().sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64::encode(sig))
}

fn parse(token: &str) -> Result<CompactJws<'_>, Error> {
    CompactJws::parse(token, &opts())
}

fn parse_with(token: &str, crit: &[&str]) -> Result<CompactJws<'static>, Error> {
    let options = crit
        .iter()
        .fold(JwsOptions::default(), |o, c| o.with_crit(*c));
    let token: &'static str = Box::leak(token.to_owned().into_boxed_str());
    CompactJws::parse(token, &options)
}

#[test]
fn duplicate_members_in_the_header() {
    for h in [
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
        r#"{"alg":"HS256","x":1,"x":2}"#,
        r#"{"alg":"HS256","x":{"a":1,"a":2}}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","kty":"oct"}}"#,
        r#"{"alg":"HS256","b64":true,"b64":true,"crit":["b64"]}"#,
    ] {
        match parse(&token_with_header(h, "x")) {
            Err(Error::Core(CoreError::DuplicateMember { .. })) => {}
            other => panic!("{h}: expected DuplicateMember, got {other:?}"),
        }
    }
}

#[test]
fn non_object_headers() {
    for h in [
        "[]",
        r#""HS256""#,
        "1",
        "null",
        "true",
        r#"{"alg":"HS256"} x"#,
        "{",
        "",
    ] {
        let t = token_with_header(h, "x");
        let res = parse(&t);
        assert!(
            matches!(
                res,
                Err(Error::InvalidHeader { .. }) | Err(Error::Core(CoreError::Json { .. }))
            ),
            "{h:?}: {res:?}"
        );
    }
    // Members of the wrong type.
    for (h, member, expected) in [
        (r#"{"alg":1}"#, "alg", JsonType::String),
        (r#"{"alg":"HS256","kid":1}"#, "kid", JsonType::String),
        (
            r#"{"alg":"HS256","b64":"false","crit":["b64"]}"#,
            "b64",
            JsonType::Bool,
        ),
        (
            r#"{"alg":"HS256","crit":"b64"}"#,
            "crit",
            JsonType::StringArray,
        ),
        (
            r#"{"alg":"HS256","x5c":"abc"}"#,
            "x5c",
            JsonType::StringArray,
        ),
    ] {
        let token = token_with_header(h, "x");
        match parse(&token) {
            Err(Error::InvalidHeader { problem, .. }) => {
                assert_eq!(
                    problem,
                    HeaderProblem::WrongType { member, expected },
                    "{h}"
                )
            }
            other => panic!("{h}: {other:?}"),
        }
    }
    assert!(matches!(
        parse(&token_with_header(r#"{"typ":"JWT"}"#, "x")),
        Err(Error::InvalidHeader {
            problem: HeaderProblem::Missing {
                member: "alg",
                alg: None
            },
            ..
        })
    ));
}

#[test]
fn unsupported_and_none_algorithms() {
    for alg in ["none", "None", "NONE", "HS1", "RS1", "ES256K", "", "hs256"] {
        let h = format!(r#"{{"alg":"{alg}"}}"#);
        match parse(&token_with_header(&h, "x")) {
            Err(Error::UnsupportedAlgorithm { alg: a }) => assert_eq!(a, alg),
            other => panic!("{alg}: {other:?}"),
        }
    }
}

#[test]
fn non_canonical_base64url() {
    let good = token_with_header(r#"{"alg":"HS256"}"#, "hello");
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let bad = [
        format!("{h}=.{p}.{s}"),                    // padding
        format!("{h}.{p}=.{s}"),                    // padding in the payload
        format!("{h}.{p}.{s}="),                    // padding in the signature
        format!("{}.{p}.{s}", h.replace('J', "+")), // standard alphabet
        format!("{h}.{p}.+{}", &s[1..]),
        format!("{h}.{p}./{}", &s[1..]),
        format!("{h} .{p}.{s}"), // whitespace
        format!("{h}.{p}.{s}\n"),
        format!("{h}.aGVsbG9.{s}"), // "hello" with non-zero trailing bits ("aGVsbG8" is canonical)
        format!("{h}.{p}.{s}A"),    // impossible length
    ];
    let vk = hs256().verifying_key().clone();
    for t in &bad {
        let res = parse(t).and_then(|j| j.verify(&vk));
        assert!(
            matches!(
                res,
                Err(Error::Core(CoreError::Base64 { .. })) | Err(Error::InvalidSignature)
            ),
            "{t}: {res:?}"
        );
    }
    // The payload segment itself: non-canonical is refused even though the signature covers it.
    let t = format!("{h}.aGVsbG9.{s}");
    assert!(parse(&t).unwrap().verify(&vk).is_err());
}

#[test]
fn wrong_segment_counts() {
    let cases = [
        ("", 1),
        ("abc", 1),
        ("a.b", 2),
        ("a.b.c.d", 4),
        ("a.b.c.d.e", 5),
        ("a.b.c.d.e.f", 6),
        ("....", 5),
    ];
    for (t, found) in cases {
        match parse(t) {
            Err(Error::MalformedCompact {
                expected: 3,
                found: f,
            }) => assert_eq!(f, found, "{t}"),
            other => panic!("{t}: {other:?}"),
        }
    }
    // A JWE (five segments) handed to the JWS parser.
    let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aaaa.bbbb.cccc";
    assert!(matches!(
        parse(jwe),
        Err(Error::MalformedCompact { found: 5, .. })
    ));
}

#[test]
fn oversized_tokens() {
    let big = "a".repeat(16 * 1024 + 1);
    assert!(matches!(
        parse(&big),
        Err(Error::Core(CoreError::TooLarge { limit: 16384, .. }))
    ));
    let token = token_with_header(r#"{"alg":"HS256"}"#, &"p".repeat(20_000));
    assert!(matches!(
        parse(&token),
        Err(Error::Core(CoreError::TooLarge { .. }))
    ));
    // The cap is configurable both ways.
    let roomy = JwsOptions::default().with_max_len(64 * 1024);
    let vk = hs256().verifying_key().clone();
    assert_eq!(
        CompactJws::parse(&token, &roomy)
            .unwrap()
            .verify(&vk)
            .unwrap()
            .len(),
        20_000
    );
    let tight = JwsOptions::default().with_max_len(10);
    assert!(CompactJws::parse(&token_with_header(r#"{"alg":"HS256"}"#, "x"), &tight).is_err());
    // JSON serialization too.
    let json = JwsJsonSigner::new(&[b'x'; 20_000])
        .signature(&hs256(), Some(JwsHeader::new(JwsAlgorithm::HS256)), None)
        .flattened()
        .unwrap();
    assert!(matches!(
        JsonJws::parse(&json, &opts()),
        Err(Error::Core(CoreError::TooLarge { .. }))
    ));
    assert!(JsonJws::parse(&json, &roomy).is_ok());
}

#[test]
fn crit_is_enforced() {
    let vk = hs256().verifying_key().clone();
    let crit_err = |h: &str, understood: &[&str], expected: CritProblem| {
        let res = parse_with(&token_with_header(h, "x"), understood);
        match res {
            Err(Error::Crit { problem }) => assert_eq!(problem, expected, "{h}"),
            other => panic!("{h}: {other:?}"),
        }
    };
    let exp = || "exp".to_owned();
    // Unknown extension.
    crit_err(
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        &[],
        CritProblem::NotUnderstood { name: exp() },
    );
    // Empty list.
    crit_err(r#"{"alg":"HS256","crit":[]}"#, &[], CritProblem::Empty);
    // Repeated entry.
    crit_err(
        r#"{"alg":"HS256","crit":["exp","exp"],"exp":1}"#,
        &["exp"],
        CritProblem::Repeated { name: exp() },
    );
    // Listed but absent.
    crit_err(
        r#"{"alg":"HS256","crit":["exp"]}"#,
        &["exp"],
        CritProblem::Absent { name: exp() },
    );
    // A registered header parameter.
    crit_err(
        r#"{"alg":"HS256","crit":["alg"]}"#,
        &["alg"],
        CritProblem::Registered { name: "alg".into() },
    );
    crit_err(
        r#"{"alg":"HS256","crit":["kid"],"kid":"a"}"#,
        &["kid"],
        CritProblem::Registered { name: "kid".into() },
    );
    // Non-string entry.
    let res = parse_with(
        &token_with_header(r#"{"alg":"HS256","crit":[1]}"#, "x"),
        &[],
    );
    assert!(res.is_err());
    // b64 without crit (RFC 7797 §6).
    crit_err(
        r#"{"alg":"HS256","b64":false}"#,
        &[],
        CritProblem::B64NotListed,
    );
    // Understood by the application: accepted.
    let t = token_with_header(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#, "x");
    assert_eq!(parse_with(&t, &["exp"]).unwrap().verify(&vk).unwrap(), b"x");
    // b64 is understood by tessera itself.
    let t = token_with_header(r#"{"alg":"HS256","b64":true,"crit":["b64"]}"#, "x");
    assert!(parse(&t).is_ok());
}

fn flat(protected: Option<&str>, header: Option<&str>, payload: &str) -> String {
    let input = format!(
        "{}.{payload}",
        protected.map(b64::encode).unwrap_or_default()
    );
    let sig = b64::encode(hs256().sign(input.as_bytes()).unwrap());
    let mut parts = vec![
        format!(r#""payload":"{payload}""#),
        format!(r#""signature":"{sig}""#),
    ];
    if let Some(p) = protected {
        parts.push(format!(r#""protected":"{}""#, b64::encode(p)));
    }
    if let Some(h) = header {
        parts.push(format!(r#""header":{h}"#));
    }
    format!("{{{}}}", parts.join(","))
}

#[test]
fn json_serialization_is_strict() {
    let vk = hs256().verifying_key().clone();
    let p = b64::encode("x");
    let ok = flat(Some(r#"{"alg":"HS256"}"#), Some(r#"{"kid":"a"}"#), &p);
    assert_eq!(
        JsonJws::parse(&ok, &opts()).unwrap().verify(&vk).unwrap(),
        b"x"
    );

    let bad: Vec<(String, &str)> = vec![
        // Duplicate members at the top, in a signature, in the unprotected header.
        (
            format!(r#"{{"payload":"{p}","payload":"{p}","signature":"AA"}}"#),
            "dup top",
        ),
        (
            ok.replacen(
                r#""header":{"kid":"a"}"#,
                r#""header":{"kid":"a","kid":"b"}"#,
                1,
            ),
            "dup header",
        ),
        (
            flat(Some(r#"{"alg":"HS256","alg":"HS256"}"#), None, &p),
            "dup protected",
        ),
        // A parameter in both headers.
        (
            flat(
                Some(r#"{"alg":"HS256","kid":"a"}"#),
                Some(r#"{"kid":"a"}"#),
                &p,
            ),
            "overlap kid",
        ),
        (
            flat(Some(r#"{"alg":"HS256"}"#), Some(r#"{"alg":"HS256"}"#), &p),
            "overlap alg",
        ),
        // crit / b64 in the unprotected header.
        (
            flat(
                Some(r#"{"alg":"HS256","exp":1}"#),
                Some(r#"{"crit":["exp"]}"#),
                &p,
            ),
            "unprotected crit",
        ),
        (
            flat(
                Some(r#"{"alg":"HS256","crit":["b64"]}"#),
                Some(r#"{"b64":true}"#),
                &p,
            ),
            "unprotected b64",
        ),
        // Non-object headers.
        (flat(Some("[1]"), None, &p), "protected array"),
        (
            flat(Some(r#"{"alg":"HS256"}"#), Some("[1]"), &p),
            "header array",
        ),
        (
            flat(Some(r#"{"alg":"HS256"}"#), Some(r#""kid""#), &p),
            "header string",
        ),
        // No alg anywhere; neither header.
        (flat(None, Some(r#"{"kid":"a"}"#), &p), "no alg"),
        (
            format!(r#"{{"payload":"{p}","signature":"AA"}}"#),
            "no headers",
        ),
        // Shape errors.
        (format!(r#"{{"payload":"{p}"}}"#), "no signature"),
        (
            format!(r#"{{"payload":"{p}","signatures":[]}}"#),
            "empty signatures",
        ),
        (
            format!(r#"{{"payload":"{p}","signatures":{{}}}}"#),
            "signatures object",
        ),
        (
            format!(r#"{{"payload":"{p}","signatures":[1]}}"#),
            "signature not object",
        ),
        (
            format!(r#"{{"payload":"{p}","signatures":[],"signature":"AA"}}"#),
            "general and flattened",
        ),
        (
            r#"{"payload":1,"signature":"AA","header":{"alg":"HS256"}}"#.to_owned(),
            "payload number",
        ),
        ("[]".into(), "array"),
        ("".into(), "empty"),
        ("{".into(), "truncated"),
        // Non-canonical base64url.
        (
            ok.replacen(
                r#""protected":"eyJhbGciOiJIUzI1NiJ9""#,
                r#""protected":"eyJhbGciOiJIUzI1NiJ9=""#,
                1,
            ),
            "padded protected",
        ),
    ];
    for (doc, what) in &bad {
        let res = JsonJws::parse(doc, &opts()).and_then(|j| j.verify(&vk));
        assert!(res.is_err(), "{what}: accepted {doc}");
    }
    // The unprotected header is not covered by the signature, but crit listed in it is refused
    // with a Crit error specifically.
    assert!(matches!(
        JsonJws::parse(&bad[5].0, &opts()),
        Err(Error::Crit {
            problem: CritProblem::NotProtected
        })
    ));
    assert!(matches!(
        JsonJws::parse(&bad[3].0, &opts()),
        Err(Error::InvalidHeader { .. })
    ));
    // A critical extension the application understands, but carried unprotected.
    let understood = JwsOptions::default().with_crit("exp");
    let doc = flat(
        Some(r#"{"alg":"HS256","crit":["exp"]}"#),
        Some(r#"{"exp":1}"#),
        &p,
    );
    assert!(matches!(
        JsonJws::parse(&doc, &understood),
        Err(Error::Crit {
            problem: CritProblem::ParameterNotProtected { ref name }
        }) if name == "exp"
    ));
    let doc = flat(Some(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#), None, &p);
    assert_eq!(
        JsonJws::parse(&doc, &understood)
            .unwrap()
            .verify(&vk)
            .unwrap(),
        b"x"
    );
    assert!(matches!(
        JsonJws::parse(&doc, &opts()),
        Err(Error::Crit {
            problem: CritProblem::NotUnderstood { ref name }
        }) if name == "exp"
    ));
}

#[test]
fn b64_must_agree_across_signatures() {
    let mut unencoded = JwsHeader::new(JwsAlgorithm::HS256);
    unencoded.b64 = Some(false);
    let hs512 = SigningKey::from_hmac_secret(&[3; 64], JwsAlgorithm::HS512).unwrap();
    let res = JwsJsonSigner::new(b"x")
        .signature(&hs256(), Some(unencoded), None)
        .signature(&hs512, Some(JwsHeader::new(JwsAlgorithm::HS512)), None)
        .general();
    assert!(matches!(
        res,
        Err(Error::Crit {
            problem: CritProblem::B64Inconsistent
        })
    ));
    // A non-UTF-8 unencoded payload cannot be written into JSON.
    let mut h = JwsHeader::new(JwsAlgorithm::HS256);
    h.b64 = Some(false);
    assert!(
        JwsJsonSigner::new(b"\xff")
            .signature(&hs256(), Some(h), None)
            .flattened()
            .is_err()
    );
    // Flattened needs exactly one signature; nothing to sign is an error.
    assert!(JwsJsonSigner::new(b"x").flattened().is_err());
    assert!(JwsJsonSigner::new(b"x").general().is_err());
}

fn es256_token_with_sig(sig: &[u8]) -> String {
    let input = format!("{}.{}", b64::encode(r#"{"alg":"ES256"}"#), b64::encode("x"));
    format!("{input}.{}", b64::encode(sig))
}

#[test]
fn ecdsa_zero_and_out_of_range_scalars() {
    let key = Jwk::generate(JwsAlgorithm::ES256).unwrap();
    let vk = VerifyingKey::from_jwk(&key.to_public().unwrap(), JwsAlgorithm::ES256).unwrap();
    // The P-256 group order n.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let one = {
        let mut v = vec![0u8; 32];
        v[31] = 1;
        v
    };
    let zero = vec![0u8; 32];
    let max = vec![0xffu8; 32];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        ([zero.clone(), one.clone()].concat(), "r = 0"),
        ([one.clone(), zero.clone()].concat(), "s = 0"),
        ([zero.clone(), zero.clone()].concat(), "r = s = 0"),
        ([n.clone(), one.clone()].concat(), "r = n"),
        ([one.clone(), n.clone()].concat(), "s = n"),
        ([max.clone(), one.clone()].concat(), "r > n"),
        ([one.clone(), max.clone()].concat(), "s > n"),
    ];
    for (sig, what) in cases {
        let t = es256_token_with_sig(&sig);
        assert!(
            matches!(
                parse(&t).unwrap().verify(&vk),
                Err(Error::MalformedSignature)
            ),
            "{what}"
        );
    }
    // r = s = 1 is in range but does not verify.
    let t = es256_token_with_sig(&[one.clone(), one].concat());
    assert!(matches!(
        parse(&t).unwrap().verify(&vk),
        Err(Error::InvalidSignature)
    ));
    // Wrong lengths (DER-encoded or truncated signatures are not JOSE signatures).
    for len in [0, 1, 63, 65, 70, 72, 128] {
        let t = es256_token_with_sig(&vec![1u8; len]);
        assert!(
            matches!(
                parse(&t).unwrap().verify(&vk),
                Err(Error::MalformedSignature)
            ),
            "len {len}"
        );
    }
    // Ed25519: a signature with s >= L and one of the wrong length.
    let ed = Jwk::generate(JwsAlgorithm::EdDSA).unwrap();
    let edk = VerifyingKey::from_jwk(&ed.to_public().unwrap(), JwsAlgorithm::EdDSA).unwrap();
    let input = format!("{}.{}", b64::encode(r#"{"alg":"EdDSA"}"#), b64::encode("x"));
    let mut sig = vec![0u8; 64];
    sig[32..].copy_from_slice(&[0xff; 32]);
    assert!(edk.verify(input.as_bytes(), &sig).is_err());
    assert!(matches!(
        edk.verify(input.as_bytes(), &[0; 63]),
        Err(Error::MalformedSignature)
    ));
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn keys_are_bound_to_one_algorithm() {
    let signer = hs256();
    let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"x", &signer).unwrap();
    let hs384 = VerifyingKey::from_hmac_secret(&[1; 48], JwsAlgorithm::HS384).unwrap();
    assert!(matches!(
        parse(&token).unwrap().verify(&hs384),
        Err(Error::AlgorithmNotAllowed { .. })
    ));
    // The header must match the signing key.
    assert!(matches!(
        jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS384), b"x", &signer),
        Err(Error::KeyMismatch {
            problem: MismatchProblem::HeaderAlg { ref header_alg, key_alg: "HS256" }
        }) if header_alg == "HS384"
    ));
    // An HMAC key never comes from a public key; short HMAC keys are refused.
    let ec = Jwk::generate(JwsAlgorithm::ES256)
        .unwrap()
        .to_public()
        .unwrap();
    assert!(VerifyingKey::from_jwk(&ec, JwsAlgorithm::HS256).is_err());
    assert!(VerifyingKey::from_hmac_secret(&[1; 31], JwsAlgorithm::HS256).is_err());
    assert!(VerifyingKey::from_hmac_secret(&[1; 47], JwsAlgorithm::HS384).is_err());
    // RS256 from an EC key, EdDSA from X25519, ES256 from a P-384 key: all refused.
    let x = Jwk::generate_okp(tessera::jose::jwk::OkpCurve::X25519).unwrap();
    assert!(VerifyingKey::from_jwk(&x, JwsAlgorithm::EdDSA).is_err());
    assert!(VerifyingKey::from_jwk(&ec, JwsAlgorithm::RS256).is_err());
    let p384 = Jwk::generate(JwsAlgorithm::ES384).unwrap();
    assert!(VerifyingKey::from_jwk(&p384, JwsAlgorithm::ES256).is_err());
}

#[test]
fn verifier_set_selection_errors() {
    let a = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("a");
    let b = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("b");
    let rsa_enc = Jwk::generate(tessera::jose::KeyManagementAlgorithm::RsaOaep)
        .unwrap()
        .with_kid("enc");
    let set = JwkSet::from_keys([
        a.to_public().unwrap(),
        b.to_public().unwrap(),
        rsa_enc.to_public().unwrap(),
    ]);
    let vs = VerifierSet::new(&set, &[JwsAlgorithm::ES256, JwsAlgorithm::RS256]);
    assert_eq!(vs.len(), 2);
    assert_eq!(
        vs.skipped(),
        1,
        "the RSA-OAEP key fits no signature algorithm"
    );
    let sign = |k: &Jwk, kid: Option<&str>| {
        let mut k = k.clone();
        k.kid = kid.map(str::to_owned);
        let s = SigningKey::from_jwk(&k, JwsAlgorithm::ES256).unwrap();
        jws::sign_compact(&JwsHeader::new(JwsAlgorithm::ES256), b"x", &s).unwrap()
    };
    // By kid.
    assert!(vs.verify_compact(&sign(&b, Some("b")), &opts()).is_ok());
    // No kid: both candidates are tried, the second fits.
    assert!(vs.verify_compact(&sign(&b, None), &opts()).is_ok());
    // Unknown kid: NoMatchingKey with the kid.
    match vs.verify_compact(&sign(&b, Some("zzz")), &opts()) {
        Err(Error::NoMatchingKey { kid, alg }) => {
            assert_eq!(kid.as_deref(), Some("zzz"));
            assert_eq!(alg, "ES256");
        }
        other => panic!("{other:?}"),
    }
    // Right kid, wrong key: the signature fails (opaque).
    assert!(matches!(
        vs.verify_compact(&sign(&b, Some("a")), &opts()),
        Err(Error::InvalidSignature)
    ));
    // No kid and no key signed it: every candidate fails.
    let stranger = Jwk::generate(JwsAlgorithm::ES256).unwrap();
    assert!(matches!(
        vs.verify_compact(&sign(&stranger, None), &opts()),
        Err(Error::InvalidSignature)
    ));
    // An allowed algorithm with no key: NoMatchingKey without a kid.
    let rs = SigningKey::from_jwk(
        &Jwk::generate(JwsAlgorithm::RS256).unwrap(),
        JwsAlgorithm::RS256,
    )
    .unwrap();
    let t = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::RS256), b"x", &rs).unwrap();
    assert!(matches!(
        vs.verify_compact(&t, &opts()),
        Err(Error::NoMatchingKey { kid: None, .. })
    ));
    // An algorithm off the allow-list.
    let t = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"x", &hs256()).unwrap();
    assert!(matches!(
        vs.verify_compact(&t, &opts()),
        Err(Error::AlgorithmNotAllowed { .. })
    ));
    // A key whose "alg" is RS256 is not prepared for PS256 even though both are RSA.
    let rs_jwk = Jwk::generate(JwsAlgorithm::RS256).unwrap().with_kid("r");
    let vs = VerifierSet::new(
        &JwkSet::from_keys([rs_jwk.to_public().unwrap()]),
        &[JwsAlgorithm::RS256, JwsAlgorithm::PS256],
    );
    assert_eq!(vs.len(), 1);
    assert_eq!(vs.candidates(Some("r"), JwsAlgorithm::PS256).count(), 0);
    assert_eq!(vs.candidates(Some("r"), JwsAlgorithm::RS256).count(), 1);
}

#[test]
fn garbage_never_panics() {
    // A small deterministic fuzz over mutations of valid tokens and JSON documents.
    let token =
        jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"payload", &hs256()).unwrap();
    let json = JwsJsonSigner::new(b"payload")
        .signature(&hs256(), Some(JwsHeader::new(JwsAlgorithm::HS256)), None)
        .general()
        .unwrap();
    let vk = hs256().verifying_key().clone();
    let mut seed = 0x1234_5678_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for input in [token.as_bytes(), json.as_bytes()] {
        for _ in 0..3000 {
            let mut b = input.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % b.len();
                match next() % 3 {
                    0 => b[i] = (next() % 256) as u8,
                    1 => {
                        b.remove(i);
                    }
                    _ => b.insert(i, b"{}[]\".,:\\"[(next() % 9) as usize]),
                }
            }
            if let Ok(s) = std::str::from_utf8(&b) {
                if let Ok(j) = CompactJws::parse(s, &opts()) {
                    let _ = j.verify(&vk);
                }
                if let Ok(j) = JsonJws::parse(s, &opts()) {
                    let _ = j.verify(&vk);
                }
            }
            let _ = Jwk::from_json(&b);
            let _ = JwkSet::from_json(&b);
            let _ = Jwk::from_der(&b);
        }
    }
}
