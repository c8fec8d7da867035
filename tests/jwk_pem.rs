//! PEM and DER import/export against OpenSSL, an independent implementation.
//!
//! The fixtures in `tests/vectors/pem/` were made by `tests/vectors/pem/generate.sh` with
//! OpenSSL 3.0 (`OPENSSL_VERSION.txt`). Each imported key is compared with the numbers
//! `openssl pkey -text` printed, and signatures made by `openssl dgst` / `openssl pkeyutl`
//! over a JWS signing input verify as JWS under the imported key.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::{vector_bytes, vector_text};
use tessera::core::b64;
use tessera::jose::error::{Curve, DerStructure, KeyProblem};
use tessera::jose::jwk::{EcCurve, KeyFormat, KeyParams, OkpCurve};
use tessera::jose::jws::{CompactJws, JwsOptions};
use tessera::jose::{Error, Jwk, JwsAlgorithm, KeyPolicy, SigningKey, VerifyingKey};

/// The bytes of a hex block printed by `openssl pkey -text` under `label:`, leading zero
/// bytes removed.
fn openssl_field(text: &str, label: &str) -> Vec<u8> {
    let mut lines = text
        .lines()
        .skip_while(|l| l.trim_end() != format!("{label}:"));
    lines
        .next()
        .unwrap_or_else(|| panic!("no {label} in openssl output"));
    let hex: String = lines
        .take_while(|l| l.starts_with("    "))
        .flat_map(|l| l.trim().split(':'))
        .filter(|h| !h.is_empty())
        .collect();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let z = bytes.iter().take_while(|b| **b == 0).count();
    bytes[z..].to_vec()
}

fn left_pad(v: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n - v.len()];
    out.extend_from_slice(v);
    out
}

fn pem(name: &str) -> Jwk {
    Jwk::from_pem(&vector_text(&format!("pem/{name}"))).unwrap()
}

fn der(name: &str) -> Jwk {
    Jwk::from_der(&vector_bytes(&format!("pem/{name}"))).unwrap()
}

/// The JWS signing input OpenSSL signed for `alg` (`msg.<alg>.txt`).
fn message(alg: JwsAlgorithm) -> String {
    vector_text(&format!("pem/msg.{alg}.txt"))
        .trim_end()
        .to_owned()
}

/// The compact JWS made of OpenSSL's signing input and signature.
fn openssl_token(alg: JwsAlgorithm, sig: &[u8]) -> String {
    format!("{}.{}", message(alg), b64::encode(sig))
}

/// A DER ECDSA-Sig-Value (what `openssl dgst -sign` writes) to JOSE's fixed-length R‖S.
fn der_to_rs(der: &[u8], n: usize) -> Vec<u8> {
    fn read_len(d: &[u8], i: &mut usize) -> usize {
        let b = d[*i] as usize;
        *i += 1;
        if b < 0x80 {
            b
        } else {
            let k = b & 0x7f;
            let mut len = 0;
            for _ in 0..k {
                len = (len << 8) | d[*i] as usize;
                *i += 1;
            }
            len
        }
    }
    let mut i = 0;
    assert_eq!(der[i], 0x30);
    i += 1;
    read_len(der, &mut i);
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[i], 0x02);
        i += 1;
        let len = read_len(der, &mut i);
        let int = &der[i..i + len];
        i += len;
        let z = int.iter().take_while(|b| **b == 0).count();
        out.extend(left_pad(&int[z..], n));
    }
    out
}

fn verify_openssl_jws(key: &Jwk, alg: JwsAlgorithm, sig: &[u8]) {
    let token = openssl_token(alg, sig);
    let public = key.to_public().unwrap();
    let vk = VerifyingKey::from_jwk(&public, alg).unwrap();
    let payload = CompactJws::parse(&token, &JwsOptions::default())
        .unwrap()
        .verify(&vk)
        .unwrap();
    assert_eq!(payload, b"signed by openssl");
    // And a tampered signature does not.
    let mut bad = sig.to_vec();
    bad[sig.len() / 2] ^= 1;
    let bad = openssl_token(alg, &bad);
    assert!(
        CompactJws::parse(&bad, &JwsOptions::default())
            .unwrap()
            .verify(&vk)
            .is_err()
    );
}

/// Every encoding of one key imports to the same JWK; the private key matches openssl's text.
fn same(a: &Jwk, b: &Jwk) {
    assert_eq!(a.to_json(), b.to_json());
}

#[test]
fn rsa_matches_openssl() {
    let text = vector_text("pem/rsa2048.txt");
    let key = pem("rsa2048.pkcs8.pem");
    let KeyParams::Rsa(p) = key.params() else {
        panic!("not RSA")
    };
    assert_eq!(p.n, openssl_field(&text, "modulus"));
    assert_eq!(p.e, [1, 0, 1]);
    let private = p.private.as_ref().unwrap();
    assert_eq!(private.d.expose(), openssl_field(&text, "privateExponent"));
    let crt = private.crt.as_ref().unwrap();
    assert_eq!(crt.p.expose(), openssl_field(&text, "prime1"));
    assert_eq!(crt.q.expose(), openssl_field(&text, "prime2"));
    assert_eq!(crt.dp.expose(), openssl_field(&text, "exponent1"));
    assert_eq!(crt.dq.expose(), openssl_field(&text, "exponent2"));
    assert_eq!(crt.qi.expose(), openssl_field(&text, "coefficient"));
    assert_eq!(key.rsa_bits(), Some(2048));

    same(&key, &pem("rsa2048.pkcs1.pem"));
    same(&key, &der("rsa2048.pkcs8.der"));
    same(&key, &der("rsa2048.pkcs1.der"));
    let public = key.to_public().unwrap();
    same(&public, &pem("rsa2048.spki.pem"));
    same(&public, &pem("rsa2048.pkcs1.pub.pem"));
    same(&public, &der("rsa2048.spki.der"));
    assert!(!pem("rsa2048.spki.pem").is_private());

    verify_openssl_jws(
        &key,
        JwsAlgorithm::RS256,
        &vector_bytes("pem/rsa2048.rs256.sig"),
    );
    verify_openssl_jws(
        &key,
        JwsAlgorithm::PS512,
        &vector_bytes("pem/rsa2048.ps512.sig"),
    );
    // RS256 is deterministic: our signature over the same input is openssl's.
    let signer = SigningKey::from_jwk(&key, JwsAlgorithm::RS256).unwrap();
    let ours = signer
        .sign(message(JwsAlgorithm::RS256).as_bytes())
        .unwrap();
    assert_eq!(ours, vector_bytes("pem/rsa2048.rs256.sig"));
}

#[test]
fn rsa_export_is_byte_identical_to_openssl() {
    // OpenSSL's PKCS#8, PKCS#1 and SPKI encodings are DER, so ours must be the same bytes.
    let key = pem("rsa2048.pkcs8.pem");
    assert_eq!(
        key.to_der(KeyFormat::Pkcs8).unwrap().expose(),
        vector_bytes("pem/rsa2048.pkcs8.der")
    );
    assert_eq!(
        key.to_der(KeyFormat::Pkcs1).unwrap().expose(),
        vector_bytes("pem/rsa2048.pkcs1.der")
    );
    assert_eq!(
        key.to_der_public().unwrap(),
        vector_bytes("pem/rsa2048.spki.der")
    );
    assert_eq!(
        key.to_pem_private().unwrap().expose(),
        vector_text("pem/rsa2048.pkcs8.pem")
    );
    assert_eq!(
        key.to_pem_public().unwrap(),
        vector_text("pem/rsa2048.spki.pem")
    );
    assert_eq!(
        key.to_public()
            .unwrap()
            .to_pem(KeyFormat::Pkcs1)
            .unwrap()
            .expose(),
        vector_text("pem/rsa2048.pkcs1.pub.pem")
    );
}

#[test]
fn rsa_under_2048_bits_needs_the_policy() {
    let text = vector_text("pem/rsa1024.pkcs8.pem");
    assert!(matches!(
        Jwk::from_pem(&text),
        Err(Error::InvalidKey {
            problem: KeyProblem::RsaModulusTooSmall {
                bits: 1024,
                min: 2048
            },
            source: None,
        })
    ));
    let policy = KeyPolicy::default().insecure_min_rsa_bits(1024);
    let key = Jwk::from_pem_with_policy(&text, &policy).unwrap();
    assert_eq!(key.rsa_bits(), Some(1024));
    assert!(SigningKey::from_jwk(&key, JwsAlgorithm::RS256).is_err());
    assert!(SigningKey::from_jwk_with_policy(&key, JwsAlgorithm::RS256, &policy).is_ok());
}

fn ec_case(name: &str, crv: EcCurve, alg: JwsAlgorithm) {
    let n = crv.field_len();
    let text = vector_text(&format!("pem/{name}.txt"));
    let key = pem(&format!("{name}.pkcs8.pem"));
    let KeyParams::Ec(p) = key.params() else {
        panic!("not EC")
    };
    assert_eq!(p.crv, crv);
    assert_eq!(
        p.d.as_ref().unwrap().expose(),
        left_pad(&openssl_field(&text, "priv"), n)
    );
    let point = openssl_field(&text, "pub");
    assert_eq!(point[0], 4);
    assert_eq!(p.x, point[1..=n]);
    assert_eq!(p.y, point[n + 1..]);

    same(&key, &pem(&format!("{name}.sec1.pem")));
    same(&key, &der(&format!("{name}.pkcs8.der")));
    same(&key, &der(&format!("{name}.sec1.der")));
    let public = key.to_public().unwrap();
    same(&public, &pem(&format!("{name}.spki.pem")));
    same(&public, &pem(&format!("{name}.spki.compressed.pem")));
    same(&public, &der(&format!("{name}.spki.der")));

    let sig = der_to_rs(&vector_bytes(&format!("pem/{name}.sig.der")), n);
    verify_openssl_jws(&key, alg, &sig);

    // OpenSSL writes SEC1 and SPKI (uncompressed) as we do: same DER bytes.
    assert_eq!(
        key.to_der(KeyFormat::Sec1).unwrap().expose(),
        vector_bytes(&format!("pem/{name}.sec1.der"))
    );
    assert_eq!(
        key.to_der_public().unwrap(),
        vector_bytes(&format!("pem/{name}.spki.der"))
    );
    assert_eq!(
        key.to_der(KeyFormat::Pkcs8).unwrap().expose(),
        vector_bytes(&format!("pem/{name}.pkcs8.der"))
    );
}

#[test]
fn p256_matches_openssl() {
    ec_case("p256", EcCurve::P256, JwsAlgorithm::ES256);
}

#[test]
fn p384_matches_openssl() {
    ec_case("p384", EcCurve::P384, JwsAlgorithm::ES384);
}

#[test]
fn p521_matches_openssl() {
    ec_case("p521", EcCurve::P521, JwsAlgorithm::ES512);
}

#[test]
fn crlf_and_surrounding_text_are_accepted() {
    let text = vector_text("pem/p256.pkcs8.pem");
    let crlf = format!("Key for service X:\r\n{}\r\n", text.replace('\n', "\r\n"));
    same(&Jwk::from_pem(&crlf).unwrap(), &pem("p256.pkcs8.pem"));
}

#[test]
fn ec_parameters_block_is_skipped() {
    let key = pem("p256.ecparam.pem");
    assert!(key.is_private());
    assert!(matches!(key.params(), KeyParams::Ec(p) if p.crv == EcCurve::P256));
}

#[test]
fn ed25519_matches_openssl() {
    let text = vector_text("pem/ed25519.txt");
    let key = pem("ed25519.pkcs8.pem");
    let KeyParams::Okp(p) = key.params() else {
        panic!("not OKP")
    };
    assert_eq!(p.crv, OkpCurve::Ed25519);
    assert_eq!(
        p.d.as_ref().unwrap().expose(),
        left_pad(&openssl_field(&text, "priv"), 32)
    );
    assert_eq!(p.x, left_pad(&openssl_field(&text, "pub"), 32));
    same(&key, &der("ed25519.pkcs8.der"));
    same(&key.to_public().unwrap(), &pem("ed25519.spki.pem"));
    let sig = vector_bytes("pem/ed25519.sig");
    verify_openssl_jws(&key, JwsAlgorithm::EdDSA, &sig);
    // Ed25519 is deterministic: our signature is openssl's.
    let signer = SigningKey::from_jwk(&key, JwsAlgorithm::EdDSA).unwrap();
    let ours = signer
        .sign(message(JwsAlgorithm::EdDSA).as_bytes())
        .unwrap();
    assert_eq!(ours, sig);
    assert_eq!(
        key.to_pem_private().unwrap().expose(),
        vector_text("pem/ed25519.pkcs8.pem")
    );
    assert_eq!(
        key.to_pem_public().unwrap(),
        vector_text("pem/ed25519.spki.pem")
    );
}

#[test]
fn x25519_matches_openssl() {
    let text = vector_text("pem/x25519.txt");
    let key = pem("x25519.pkcs8.pem");
    let KeyParams::Okp(p) = key.params() else {
        panic!("not OKP")
    };
    assert_eq!(p.crv, OkpCurve::X25519);
    assert_eq!(
        p.d.as_ref().unwrap().expose(),
        left_pad(&openssl_field(&text, "priv"), 32)
    );
    assert_eq!(p.x, left_pad(&openssl_field(&text, "pub"), 32));
    same(&key.to_public().unwrap(), &pem("x25519.spki.pem"));
    assert_eq!(
        key.to_pem_private().unwrap().expose(),
        vector_text("pem/x25519.pkcs8.pem")
    );
    assert_eq!(
        key.to_pem_public().unwrap(),
        vector_text("pem/x25519.spki.pem")
    );
    // An X25519 key is not a signing key.
    assert!(SigningKey::from_jwk(&key, JwsAlgorithm::EdDSA).is_err());
}

#[test]
fn export_import_round_trips() {
    let keys = [
        Jwk::generate_rsa(2048).unwrap(),
        Jwk::generate_ec(EcCurve::P256).unwrap(),
        Jwk::generate_ec(EcCurve::P384).unwrap(),
        Jwk::generate_ec(EcCurve::P521).unwrap(),
        Jwk::generate_okp(OkpCurve::Ed25519).unwrap(),
        Jwk::generate_okp(OkpCurve::X25519).unwrap(),
    ];
    for key in &keys {
        let private = key.to_pem_private().unwrap();
        same(key, &Jwk::from_pem(private.expose()).unwrap());
        same(
            key,
            &Jwk::from_der(key.to_der_private().unwrap().expose()).unwrap(),
        );
        let public = key.to_public().unwrap();
        same(
            &public,
            &Jwk::from_pem(&key.to_pem_public().unwrap()).unwrap(),
        );
        same(
            &public,
            &Jwk::from_der(&key.to_der_public().unwrap()).unwrap(),
        );
        match key.params() {
            KeyParams::Rsa(_) => {
                same(
                    key,
                    &Jwk::from_pem(key.to_pem(KeyFormat::Pkcs1).unwrap().expose()).unwrap(),
                );
                same(
                    &public,
                    &Jwk::from_pem(public.to_pem(KeyFormat::Pkcs1).unwrap().expose()).unwrap(),
                );
            }
            KeyParams::Ec(_) => {
                same(
                    key,
                    &Jwk::from_pem(key.to_pem(KeyFormat::Sec1).unwrap().expose()).unwrap(),
                );
                assert!(key.to_pem(KeyFormat::Pkcs1).is_err());
            }
            _ => {
                assert!(key.to_pem(KeyFormat::Sec1).is_err());
            }
        }
        // A public key has no private encoding.
        assert!(matches!(
            public.to_pem_private(),
            Err(Error::MissingPrivateKey) | Err(Error::InvalidKey { .. })
        ));
    }
    // A symmetric key has none at all.
    let oct = Jwk::generate_oct(32).unwrap();
    assert!(oct.to_pem_public().is_err());
    assert!(oct.to_pem_private().is_err());
}

#[test]
fn rsa_private_key_without_crt_exports() {
    // A JWK with only n, e, d (RFC 7518 §6.3.2 allows it): export recovers the primes.
    let key = pem("rsa2048.pkcs8.pem");
    let mut json = key.to_json_value();
    for m in ["p", "q", "dp", "dq", "qi"] {
        json.remove(m);
    }
    let bare = Jwk::from_map(json).unwrap();
    assert_eq!(
        bare.to_der(KeyFormat::Pkcs8).unwrap().expose(),
        vector_bytes("pem/rsa2048.pkcs8.der")
    );
}

#[test]
fn malformed_pem_and_der_are_refused() {
    let bad = [
        ("", KeyProblem::NoPemBlock),
        ("not a key", KeyProblem::NoPemBlock),
        (
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            KeyProblem::Der {
                structure: DerStructure::Spki,
            },
        ),
        (
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            KeyProblem::UnsupportedPemLabel {
                label: "CERTIFICATE".into(),
            },
        ),
        (
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
            KeyProblem::PemWithoutEnd,
        ),
    ];
    for (b, expected) in bad {
        match Jwk::from_pem(b) {
            Err(Error::InvalidKey { problem, source }) => {
                assert_eq!(problem, expected, "{b:?}");
                // A decoder's refusal is the source; tessera's own checks have none.
                assert_eq!(
                    source.is_some(),
                    matches!(problem, KeyProblem::Der { .. } | KeyProblem::Pem),
                    "{b:?}"
                );
            }
            other => panic!("{b:?}: {other:?}"),
        }
    }
    assert!(matches!(
        Jwk::from_pem(&vector_text("pem/p256.encrypted.pem")),
        Err(Error::InvalidKey {
            problem: KeyProblem::EncryptedPkcs8,
            ..
        })
    ));
    assert!(Jwk::from_der(&[]).is_err());
    assert!(Jwk::from_der(&[0x30, 0x00]).is_err());
    // Every truncation of a valid DER key is refused without panicking.
    for name in [
        "p256.pkcs8.der",
        "rsa2048.pkcs1.der",
        "ed25519.pkcs8.der",
        "p521.spki.der",
    ] {
        let d = vector_bytes(&format!("pem/{name}"));
        for i in 0..d.len() {
            assert!(Jwk::from_der(&d[..i]).is_err(), "{name} truncated to {i}");
        }
    }
    // A point that is not on the curve: flip a byte of the x coordinate in the SPKI.
    let mut spki = vector_bytes("pem/p256.spki.der");
    let last = spki.len() - 40;
    spki[last] ^= 1;
    assert!(matches!(
        Jwk::from_der(&spki),
        Err(Error::InvalidKey {
            problem: KeyProblem::NotOnCurve {
                crv: Curve::Ec(EcCurve::P256)
            },
            ..
        })
    ));
    // A SEC1 key whose public key does not match its private key.
    let mut sec1 = vector_bytes("pem/p256.sec1.der");
    let n = sec1.len();
    sec1[n - 1] ^= 1;
    assert!(Jwk::from_der(&sec1).is_err());
    // An oversized input.
    assert!(Jwk::from_pem(&"A".repeat(100_000)).is_err());
}
