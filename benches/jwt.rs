//! JWT sign and verify+validate, side by side: tessera, jsonwebtoken 11 (rust_crypto),
//! jwt-simple 0.15 (pure-rust), and the raw primitive tessera builds on (the floor). ML-DSA
//! (RFC 9964) has no jsonwebtoken column: jsonwebtoken 11 has no ML-DSA.
//!
//! This package builds tessera-jose with both crypto providers, `ring` and `aws-lc-rs`. The
//! `<ALG> verify` rows run tessera's default path (RustCrypto; for RS256/PS256 the key is forced
//! onto it with `VerifyingKey::hazmat_rustcrypto_rsa`), with ring's bare verification as the
//! `ring` column; the `<ALG> verify, ring provider` and `..., aws-lc-rs provider` rows (RS256,
//! PS256) run tessera on each provider (`VerifyingKey::hazmat_rsa_on`), whose bare verification
//! is the floor (`raw`), beside jsonwebtoken with its `aws_lc_rs` backend.
//!
//! Every verifier checks the *same* token (signed by tessera): an ID token with
//! `alg`/`typ`/`kid` and ~350 bytes of claims, decoded into a serde struct with `iss`, `aud`
//! and `exp` validated (tessera: `tessera-jwt`'s `Policy::verify_borrowed`; signing: its
//! `JwtBuilder` over the same serde struct). Criterion ids are `<ALG> verify|sign / <library>`; `cargo xtask bench`
//! turns them into one table with ratios.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::borrow::Cow;
use std::collections::HashSet;
use std::hint::black_box;

use common::clock::ThreadCpu;
use common::{
    AUD, Custom, ISS, IdClaims, KID, Keys, claims, interleaved, jsonwebtoken_backend, now,
};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use jwt_simple::prelude::{Claims as JsClaims, Duration as JsDuration, VerificationOptions};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer, Verifier};
use serde::Deserialize;
use sha2::Sha256;
use tessera::core::UnixTime;
use tessera::jose::jws::{CompactJws, JwsOptions, VerifierSet};
use tessera::jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey, VerifyingKey};
use tessera_jwt::{JwtBuilder, KeyStore, Policy};

/// The non-registered claims, borrowed from the decoded payload (`tessera-jwt` type-checks
/// and keeps `iss`/`sub`/`aud`/`exp`/`nbf`/`iat` itself).
#[derive(Deserialize)]
struct BorrowedCustom<'a> {
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    email: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// tessera's verify path: `tessera-jwt` policy (alg allow-list, iss, aud, exp/nbf), claims
/// borrowed from a reused buffer.
fn tessera_verify(token: &str, policy: &Policy, keys: &KeyStore, buf: &mut Vec<u8>) -> usize {
    let v = policy
        .verify_borrowed::<BorrowedCustom<'_>>(token, keys, UnixTime(now()), buf)
        .unwrap();
    let c = v.custom();
    c.nonce.len() + c.email.len() + c.name.len() + v.claims().sub().map_or(0, str::len)
}

/// tessera's sign path: the `tessera-jwt` builder over the same serde struct.
fn tessera_sign(claims: &IdClaims, key: &SigningKey) -> String {
    JwtBuilder::new().claims(claims).kid(KID).sign(key).unwrap()
}

fn policy(alg: JwsAlgorithm) -> Policy {
    Policy::builder()
        .algorithm(alg)
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap()
}

fn jt_alg(alg: JwsAlgorithm) -> jsonwebtoken::Algorithm {
    use jsonwebtoken::Algorithm as A;
    match alg {
        JwsAlgorithm::HS256 => A::HS256,
        JwsAlgorithm::RS256 => A::RS256,
        JwsAlgorithm::PS256 => A::PS256,
        JwsAlgorithm::ES256 => A::ES256,
        JwsAlgorithm::EdDSA => A::EdDSA,
        other => panic!("{other}"),
    }
}

type SignFn = Box<dyn Fn(&IdClaims) -> String>;
type VerifyFn = Box<dyn Fn(&str) -> usize>;

fn js_claims(c: &IdClaims) -> jwt_simple::prelude::JWTClaims<Custom> {
    JsClaims::with_custom_claims(
        Custom {
            email: c.email.clone(),
            name: c.name.clone(),
        },
        JsDuration::from_days(365),
    )
    .with_issuer(&c.iss)
    .with_audience(&c.aud)
    .with_subject(&c.sub)
    .with_nonce(&c.nonce)
}

fn js_options() -> VerificationOptions {
    VerificationOptions {
        allowed_issuers: Some(HashSet::from([ISS.to_owned()])),
        allowed_audiences: Some(HashSet::from([AUD.to_owned()])),
        ..VerificationOptions::default()
    }
}

/// jwt-simple's sign and verify closures for `alg` (its key types differ per algorithm).
fn jwt_simple(alg: JwsAlgorithm, keys: &Keys) -> (SignFn, VerifyFn) {
    use jwt_simple::prelude::*;
    macro_rules! pair {
        ($sk:expr, $pk:expr, $sign:ident) => {{
            let sk = $sk.with_key_id(KID);
            let pk = $pk;
            let opts = js_options();
            (
                Box::new(move |c: &IdClaims| sk.$sign(js_claims(c)).unwrap()) as SignFn,
                Box::new(move |t: &str| {
                    let c = pk.verify_token::<Custom>(t, Some(opts.clone())).unwrap();
                    c.custom.email.len() + c.custom.name.len()
                }) as VerifyFn,
            )
        }};
    }
    match alg {
        JwsAlgorithm::HS256 => {
            let k = HS256Key::from_bytes(&keys.secret());
            pair!(k.clone(), k, authenticate)
        }
        JwsAlgorithm::RS256 => {
            let (n, e) = keys.rsa_n_e();
            pair!(
                RS256KeyPair::from_der(&keys.rsa_pkcs1_der()).unwrap(),
                RS256PublicKey::from_components(&n, &e).unwrap(),
                sign
            )
        }
        JwsAlgorithm::PS256 => {
            let (n, e) = keys.rsa_n_e();
            pair!(
                PS256KeyPair::from_der(&keys.rsa_pkcs1_der()).unwrap(),
                PS256PublicKey::from_components(&n, &e).unwrap(),
                sign
            )
        }
        JwsAlgorithm::ES256 => pair!(
            ES256KeyPair::from_bytes(&keys.ec_d()).unwrap(),
            ES256PublicKey::from_bytes(&keys.ec_sec1()).unwrap(),
            sign
        ),
        JwsAlgorithm::EdDSA => {
            let mut kp = keys.ed_seed().to_vec();
            kp.extend(keys.ed_public());
            pair!(
                Ed25519KeyPair::from_bytes(&kp).unwrap(),
                Ed25519PublicKey::from_bytes(&keys.ed_public()).unwrap(),
                sign
            )
        }
        other => panic!("{other}"),
    }
}

/// jsonwebtoken's sign and verify closures for `alg`.
/// With `aws_lc`, jsonwebtoken's `aws_lc_rs` backend; otherwise its `rust_crypto` one.
fn jsonwebtoken(alg: JwsAlgorithm, keys: &Keys, aws_lc: bool) -> (SignFn, VerifyFn) {
    use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
    let (enc, dec) = match alg {
        JwsAlgorithm::HS256 => (
            EncodingKey::from_secret(&keys.secret()),
            DecodingKey::from_secret(&keys.secret()),
        ),
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => (
            EncodingKey::from_rsa_der(&keys.rsa_pkcs1_der()),
            DecodingKey::from_rsa_components(&keys.b64("n"), &keys.b64("e")).unwrap(),
        ),
        JwsAlgorithm::ES256 => {
            use p256::pkcs8::EncodePrivateKey;
            let sk = p256::ecdsa::SigningKey::from_slice(&keys.ec_d()).unwrap();
            (
                EncodingKey::from_ec_der(sk.to_pkcs8_der().unwrap().as_bytes()),
                DecodingKey::from_ec_components(&keys.b64("x"), &keys.b64("y")).unwrap(),
            )
        }
        JwsAlgorithm::EdDSA => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let sk = ed25519_dalek::SigningKey::from_bytes(&keys.ed_seed());
            (
                EncodingKey::from_ed_der(sk.to_pkcs8_der().unwrap().as_bytes()),
                DecodingKey::from_ed_components(&keys.b64("x")).unwrap(),
            )
        }
        other => panic!("{other}"),
    };
    let a = jt_alg(alg);
    let mut header = Header::new(a);
    header.kid = Some(KID.into());
    header.typ = Some("JWT".into());
    let mut v = Validation::new(a);
    v.set_issuer(&[ISS]);
    v.set_audience(&[AUD]);
    (
        Box::new(move |c: &IdClaims| {
            jsonwebtoken_backend(aws_lc);
            encode(&header, c, &enc).unwrap()
        }),
        Box::new(move |t: &str| {
            jsonwebtoken_backend(aws_lc);
            let d = decode::<IdClaims>(t, &dec, &v).unwrap();
            d.claims.email.len() + d.claims.name.len()
        }),
    )
}

/// The raw primitive over a fixed signing input and a decoded signature (the floor).
fn raw(alg: JwsAlgorithm, keys: &Keys, input: &[u8], sig: &[u8]) -> (VerifyFn, VerifyFn) {
    let input = input.to_vec();
    let sig = sig.to_vec();
    match alg {
        JwsAlgorithm::HS256 => {
            let mac = Hmac::<Sha256>::new_from_slice(&keys.secret()).unwrap();
            let m2 = mac.clone();
            let i2 = input.clone();
            (
                Box::new(move |_| {
                    let mut m = mac.clone();
                    m.update(&input);
                    m.verify_slice(&sig).unwrap();
                    1
                }),
                Box::new(move |_| {
                    let mut m = m2.clone();
                    m.update(&i2);
                    m.finalize().into_bytes().len()
                }),
            )
        }
        JwsAlgorithm::RS256 => {
            let sk = rsa::pkcs1v15::SigningKey::<Sha256>::new(keys.rsa_private());
            let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(keys.rsa_public());
            let s = rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap();
            let i2 = input.clone();
            (
                Box::new(move |_| {
                    vk.verify(&input, &s).unwrap();
                    1
                }),
                Box::new(move |_| {
                    sk.try_sign_with_rng(&mut getrandom::SysRng, &i2)
                        .unwrap()
                        .to_vec()
                        .len()
                }),
            )
        }
        JwsAlgorithm::PS256 => {
            let sk = rsa::pss::SigningKey::<Sha256>::new_with_salt_len(keys.rsa_private(), 32);
            let vk = rsa::pss::VerifyingKey::<Sha256>::new_with_salt_len(keys.rsa_public(), 32);
            let s = rsa::pss::Signature::try_from(&sig[..]).unwrap();
            let i2 = input.clone();
            (
                Box::new(move |_| {
                    vk.verify(&input, &s).unwrap();
                    1
                }),
                Box::new(move |_| {
                    sk.try_sign_with_rng(&mut getrandom::SysRng, &i2)
                        .unwrap()
                        .to_vec()
                        .len()
                }),
            )
        }
        JwsAlgorithm::ES256 => {
            let sk = p256::ecdsa::SigningKey::from_slice(&keys.ec_d()).unwrap();
            let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&keys.ec_sec1()).unwrap();
            let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
            let i2 = input.clone();
            (
                Box::new(move |_| {
                    vk.verify(&input, &s).unwrap();
                    1
                }),
                Box::new(move |_| {
                    let s: p256::ecdsa::Signature = sk.try_sign(&i2).unwrap();
                    s.to_bytes().len()
                }),
            )
        }
        JwsAlgorithm::EdDSA => {
            let sk = ed25519_dalek::SigningKey::from_bytes(&keys.ed_seed());
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&keys.ed_public()).unwrap();
            let s = ed25519_dalek::Signature::from_slice(&sig).unwrap();
            let i2 = input.clone();
            (
                Box::new(move |_| {
                    vk.verify_strict(&input, &s).unwrap();
                    1
                }),
                Box::new(move |_| sk.sign(&i2).to_bytes().len()),
            )
        }
        other => panic!("{other}"),
    }
}

/// ring's bare verification of the signing input and signature: the floor of the `ring`
/// provider rows (RS256, PS256), and for HS256, ES256 and EdDSA ring's primitive beside
/// tessera's, to see whether routing them to ring would pay.
fn ring_verify(alg: JwsAlgorithm, keys: &Keys, input: &[u8], sig: &[u8]) -> VerifyFn {
    use ring::signature as r;
    let input = input.to_vec();
    let sig = sig.to_vec();
    match alg {
        JwsAlgorithm::HS256 => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &keys.secret());
            Box::new(move |_| {
                ring::hmac::verify(&key, &input, &sig).unwrap();
                1
            })
        }
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => {
            // Minimal big-endian, as ring takes them (no leading zeros).
            let (n, e) = {
                use rsa::traits::PublicKeyParts;
                let k = keys.rsa_public();
                (k.n_bytes(), k.e_bytes())
            };
            let params = if alg == JwsAlgorithm::RS256 {
                &r::RSA_PKCS1_2048_8192_SHA256
            } else {
                &r::RSA_PSS_2048_8192_SHA256
            };
            Box::new(move |_| {
                r::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(params, &input, &sig)
                    .unwrap();
                1
            })
        }
        JwsAlgorithm::ES256 => {
            let key = r::UnparsedPublicKey::new(&r::ECDSA_P256_SHA256_FIXED, keys.ec_sec1());
            Box::new(move |_| {
                key.verify(&input, &sig).unwrap();
                1
            })
        }
        JwsAlgorithm::EdDSA => {
            let key = r::UnparsedPublicKey::new(&r::ED25519, keys.ed_public());
            Box::new(move |_| {
                key.verify(&input, &sig).unwrap();
                1
            })
        }
        other => panic!("{other}"),
    }
}

fn bench_alg(c: &mut Criterion<ThreadCpu>, alg: JwsAlgorithm) {
    let keys = Keys::for_alg(alg);
    let claims = claims();
    let signer = SigningKey::from_jwk(&keys.private, alg).unwrap();
    // The default path: RustCrypto, whatever provider this package's features chose.
    let verifier = VerifyingKey::from_jwk(&keys.public, alg).unwrap();
    let store = KeyStore::single(verifier.clone().hazmat_rustcrypto_rsa());
    let policy = policy(alg);
    let token = tessera_sign(&claims, &signer);
    let opts = JwsOptions::default();

    let (jt_sign, jt_verify) = jsonwebtoken(alg, &keys, false);
    let (js_sign, js_verify) = jwt_simple(alg, &keys);
    let parsed = CompactJws::parse(&token, &opts).unwrap();
    let (raw_verify, raw_sign) = raw(alg, &keys, parsed.signing_input(), parsed.signature());
    let ring_verify = ring_verify(alg, &keys, parsed.signing_input(), parsed.signature());
    ring_verify("");

    let ours = Ours::new(&token, &claims, &policy, &store, &signer);
    let peers = [
        ("jsonwebtoken", &jt_verify, &jt_sign),
        ("jwt-simple", &js_verify, &js_sign),
    ];
    let floors = [("raw", &raw_verify), ("ring", &ring_verify)];
    groups(c, alg, &ours, &peers, &floors, &raw_sign);

    if matches!(alg, JwsAlgorithm::RS256 | JwsAlgorithm::PS256) {
        provider_rows(c, alg, &keys, &verifier, &token, &ring_verify);
    }

    let mut buf = Vec::new();
    interleaved(
        &format!("{alg} verify"),
        &mut || tessera_verify(&token, &policy, &store, &mut buf),
        &mut || raw_verify(""),
    );
    interleaved(
        &format!("{alg} sign"),
        &mut || tessera_sign(&claims, &signer).len(),
        &mut || raw_sign(""),
    );
}

/// tessera's side of a row: the token it signed and what verifies and signs it.
struct Ours<'a> {
    token: &'a str,
    claims: &'a IdClaims,
    policy: &'a Policy,
    store: &'a KeyStore,
    signer: &'a SigningKey,
}

impl<'a> Ours<'a> {
    fn new(
        token: &'a str,
        claims: &'a IdClaims,
        policy: &'a Policy,
        store: &'a KeyStore,
        signer: &'a SigningKey,
    ) -> Self {
        Ours {
            token,
            claims,
            policy,
            store,
            signer,
        }
    }
}

/// The `<alg> verify` and `<alg> sign` groups: tessera, each peer, and the bare primitives
/// (`floors` in the verify group: `raw`, and for the algorithms ring has, `ring`); first,
/// everyone accepts tessera's token, and each peer's own token verifies with tessera.
fn groups(
    c: &mut Criterion<ThreadCpu>,
    alg: JwsAlgorithm,
    ours: &Ours<'_>,
    peers: &[(&str, &VerifyFn, &SignFn)],
    floors: &[(&str, &VerifyFn)],
    raw_sign: &VerifyFn,
) {
    let mut buf = Vec::new();
    tessera_verify(ours.token, ours.policy, ours.store, &mut buf);
    for (_, verify, sign) in peers {
        verify(ours.token);
        tessera_verify(&sign(ours.claims), ours.policy, ours.store, &mut buf);
    }
    let mut g = c.benchmark_group(format!("{alg} verify"));
    g.bench_function("tessera", |b| {
        b.iter(|| tessera_verify(black_box(ours.token), ours.policy, ours.store, &mut buf))
    });
    for (name, verify, _) in peers {
        g.bench_function(*name, |b| b.iter(|| verify(black_box(ours.token))));
    }
    for (name, verify) in floors {
        g.bench_function(*name, |b| b.iter(|| verify(black_box(""))));
    }
    g.finish();

    let mut g = c.benchmark_group(format!("{alg} sign"));
    g.bench_function("tessera", |b| {
        b.iter(|| tessera_sign(black_box(ours.claims), ours.signer))
    });
    for (name, _, sign) in peers {
        g.bench_function(*name, |b| b.iter(|| sign(black_box(ours.claims))));
    }
    g.bench_function("raw", |b| b.iter(|| raw_sign(black_box(""))));
    g.finish();
}

/// ML-DSA-44/65/87 (RFC 9964), beside Ed25519: tessera, jwt-simple and the raw `ml-dsa`
/// primitive (hedged signing with the empty context, as tessera signs), on the key of the
/// all-zero seed (RFC 9964 Appendix A.1).
fn bench_mldsa(c: &mut Criterion<ThreadCpu>, akp: tessera::jose::AkpAlgorithm) {
    use jwt_simple::prelude::*;
    let alg = akp.jws_algorithm();
    let private = Jwk::from_akp_seed(akp, &[0; 32]).unwrap().with_kid(KID);
    let public = private.to_public().unwrap();
    let claims = claims();
    let signer = SigningKey::from_jwk(&private, alg).unwrap();
    let store = KeyStore::single(VerifyingKey::from_jwk(&public, alg).unwrap());
    let policy = policy(alg);
    let token = tessera_sign(&claims, &signer);
    let parsed = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
    let (input, sig) = (parsed.signing_input().to_vec(), parsed.signature().to_vec());

    macro_rules! peers {
        ($pair:ident, $public:ident, $p:ty) => {{
            let sk = $pair::from_jwk(&private.to_json()).unwrap();
            let pk = $public::from_jwk(&public.to_json()).unwrap();
            let opts = js_options();
            let js_sign = Box::new(move |c: &IdClaims| sk.sign(js_claims(c)).unwrap()) as SignFn;
            let js_verify = Box::new(move |t: &str| {
                let c = pk.verify_token::<Custom>(t, Some(opts.clone())).unwrap();
                c.custom.email.len() + c.custom.name.len()
            }) as VerifyFn;
            let esk = ml_dsa::ExpandedSigningKey::<$p>::from_seed(&[0; 32].into());
            let vk = esk.verifying_key();
            let s = ml_dsa::Signature::<$p>::try_from(&sig[..]).unwrap();
            let i2 = input.clone();
            let raw_verify = Box::new(move |_: &str| {
                assert!(vk.verify_with_context(&input, &[], &s));
                1usize
            }) as VerifyFn;
            let raw_sign = Box::new(move |_: &str| {
                esk.sign_randomized(&i2, &[], &mut getrandom::SysRng)
                    .unwrap()
                    .encode()
                    .len()
            }) as VerifyFn;
            (js_sign, js_verify, raw_verify, raw_sign)
        }};
    }
    let (js_sign, js_verify, raw_verify, raw_sign) = match akp {
        tessera::jose::AkpAlgorithm::MlDsa44 => {
            peers!(MLDSA44KeyPair, MLDSA44PublicKey, ml_dsa::MlDsa44)
        }
        tessera::jose::AkpAlgorithm::MlDsa65 => {
            peers!(MLDSA65KeyPair, MLDSA65PublicKey, ml_dsa::MlDsa65)
        }
        _ => peers!(MLDSA87KeyPair, MLDSA87PublicKey, ml_dsa::MlDsa87),
    };

    let ours = Ours::new(&token, &claims, &policy, &store, &signer);
    groups(
        c,
        alg,
        &ours,
        &[("jwt-simple", &js_verify, &js_sign)],
        &[("raw", &raw_verify)],
        &raw_sign,
    );
}

/// RS256/PS256 verify+validate with each of tessera's crypto providers, beside jsonwebtoken
/// with its `aws_lc_rs` backend. `ring` provider rows: the floor (`raw`) is ring's bare
/// verification. `aws-lc-rs` provider rows: the floor (`raw`) is aws-lc-rs's bare verification
/// with the key parsed once (`RsaPublicKeyComponents::to_parsed_public_key`, then
/// `ParsedPublicKey::verify_sig`, as the provider keeps it), and `aws-lc-rs bare, per call` is
/// `RsaPublicKeyComponents::verify`, which parses the key on every call.
fn provider_rows(
    c: &mut Criterion<ThreadCpu>,
    alg: JwsAlgorithm,
    keys: &Keys,
    verifier: &VerifyingKey,
    token: &str,
    ring_verify: &VerifyFn,
) {
    let policy = policy(alg);
    let (_, jt_verify) = jsonwebtoken(alg, keys, true);
    let aws_lc_verify = {
        use aws_lc_rs::signature as a;
        use rsa::traits::PublicKeyParts;
        let k = keys.rsa_public();
        let (n, e) = (k.n_bytes(), k.e_bytes());
        let params = if alg == JwsAlgorithm::RS256 {
            &a::RSA_PKCS1_2048_8192_SHA256
        } else {
            &a::RSA_PSS_2048_8192_SHA256
        };
        let parsed = CompactJws::parse(token, &JwsOptions::default()).unwrap();
        let (input, sig) = (parsed.signing_input().to_vec(), parsed.signature().to_vec());
        let parsed = a::RsaPublicKeyComponents { n: &n, e: &e }
            .to_parsed_public_key(params)
            .unwrap();
        move |prepared: bool| {
            if prepared {
                parsed.verify_sig(&input, &sig).unwrap();
            } else {
                a::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(params, &input, &sig)
                    .unwrap();
            }
            1
        }
    };
    aws_lc_verify(false);
    aws_lc_verify(true);
    jt_verify(token);

    for provider in ["ring", "aws-lc-rs"] {
        let store = KeyStore::single(verifier.clone().hazmat_rsa_on(provider).unwrap());
        let mut buf = Vec::new();
        tessera_verify(token, &policy, &store, &mut buf);
        let name = format!("{alg} verify, {provider} provider");
        let mut g = c.benchmark_group(&name);
        g.bench_function("tessera", |b| {
            b.iter(|| tessera_verify(black_box(token), &policy, &store, &mut buf))
        });
        g.bench_function("jsonwebtoken aws-lc-rs", |b| {
            b.iter(|| jt_verify(black_box(token)))
        });
        if provider == "ring" {
            g.bench_function("raw", |b| b.iter(|| ring_verify(black_box(""))));
        } else {
            g.bench_function("raw", |b| b.iter(|| aws_lc_verify(black_box(true))));
            g.bench_function("aws-lc-rs bare, per call", |b| {
                b.iter(|| aws_lc_verify(black_box(false)))
            });
        }
        g.finish();
        if provider == "ring" {
            interleaved(
                &name,
                &mut || tessera_verify(token, &policy, &store, &mut buf),
                &mut || ring_verify(""),
            );
        } else {
            interleaved(
                &name,
                &mut || tessera_verify(token, &policy, &store, &mut buf),
                &mut || aws_lc_verify(true),
            );
        }
    }
}

fn jwt(c: &mut Criterion<ThreadCpu>) {
    for alg in [
        JwsAlgorithm::HS256,
        JwsAlgorithm::RS256,
        JwsAlgorithm::PS256,
        JwsAlgorithm::ES256,
        JwsAlgorithm::EdDSA,
    ] {
        bench_alg(c, alg);
    }
    for &akp in tessera::jose::AkpAlgorithm::ALL {
        bench_mldsa(c, akp);
    }
}

/// Claims of the ID token, all borrowed (for the breakdown of where verify time goes).
#[derive(Deserialize)]
#[allow(dead_code)]
struct AllBorrowed<'a> {
    #[serde(borrow)]
    iss: Cow<'a, str>,
    #[serde(borrow)]
    sub: Cow<'a, str>,
    #[serde(borrow)]
    aud: Cow<'a, str>,
    exp: u64,
    iat: u64,
    nbf: u64,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    email: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// Where the HS256 verify and sign time goes: each step of the path on the same token, as
/// separate rows (tessera column only). `raw` in the "HS256 verify" row is the HMAC alone.
fn hs256_breakdown(c: &mut Criterion<ThreadCpu>) {
    let alg = JwsAlgorithm::HS256;
    let keys = Keys::for_alg(alg);
    let claims = claims();
    let signer = SigningKey::from_jwk(&keys.private, alg).unwrap();
    let verifier = VerifyingKey::from_jwk(&keys.public, alg).unwrap();
    let token = tessera_sign(&claims, &signer);
    let opts = JwsOptions::default();
    let jws = CompactJws::parse(&token, &opts).unwrap();
    let payload_b64 = jws.payload_segment().to_owned();
    let mut payload = Vec::new();
    jws.verify_into(&verifier, &mut payload).unwrap();
    let mut buf = Vec::new();

    let mut step = |name: &str, f: &mut dyn FnMut() -> usize| {
        let mut g = c.benchmark_group(format!("HS256 step: {name}"));
        g.bench_function("tessera", |b| b.iter(&mut *f));
        g.finish();
    };
    step(
        "1 CompactJws::parse (split, header b64 + strict parse, sig b64)",
        &mut || {
            CompactJws::parse(black_box(&token), &opts)
                .unwrap()
                .signature()
                .len()
        },
    );
    step(
        "2 CompactJws parse + verify_into (HMAC, payload b64)",
        &mut || {
            let j = CompactJws::parse(black_box(&token), &opts).unwrap();
            j.verify_into(&verifier, &mut buf).unwrap();
            buf.len()
        },
    );
    step(
        "3 tessera-jwt Claims::from_json only (strict pass + the type's pass)",
        &mut || {
            let c =
                tessera_jwt::Claims::<BorrowedCustom<'_>>::from_json(black_box(&payload)).unwrap();
            c.custom.name.len()
        },
    );
    let header_json = tessera::core::b64::decode(jws.header_b64()).unwrap();
    step("JwsHeader::from_json only", &mut || {
        tessera::jose::jws::JwsHeader::from_json(black_box(&header_json))
            .unwrap()
            .kid
            .map_or(0, |k| k.len())
    });
    step("b64 decode payload only", &mut || {
        tessera::core::b64::decode_into(black_box(&payload_b64), &mut buf, "p").unwrap();
        buf.len()
    });
    step("serde_json borrowed claims only", &mut || {
        let c: AllBorrowed<'_> = serde_json::from_slice(black_box(&payload)).unwrap();
        c.name.len()
    });
    step("serde_json owned claims only", &mut || {
        let c: IdClaims = serde_json::from_slice(black_box(&payload)).unwrap();
        c.name.len()
    });
    step("sign: JwtBuilder::claims payload only", &mut || {
        JwtBuilder::new()
            .claims(black_box(&claims))
            .payload()
            .unwrap()
            .len()
    });
    step("sign: serde_json::to_vec + jws::sign_compact", &mut || {
        let mut h = tessera::jose::jws::JwsHeader::new(alg);
        h.typ = Some("JWT".into());
        h.kid = Some(KID.into());
        let p = serde_json::to_vec(black_box(&claims)).unwrap();
        tessera::jose::jws::sign_compact(&h, &p, &signer)
            .unwrap()
            .len()
    });
}

/// Finding the key for a token's `kid` (the last one) in a JWK Set of 1, 10 and 100 keys:
/// tessera's prepared `VerifierSet` (hash lookup, yields a ready verifier) against
/// jsonwebtoken's `JwkSet::find` (linear scan, yields a JWK still to be turned into a key).
fn jwks_lookup(c: &mut Criterion<ThreadCpu>) {
    let base = Keys::for_alg(JwsAlgorithm::RS256).public;
    for n in [1usize, 10, 100] {
        let keys: Vec<Jwk> = (0..n)
            .map(|i| base.clone().with_kid(format!("key-{i:03}")))
            .collect();
        let last = format!("key-{:03}", n - 1);
        let jwks = JwkSet::from_keys(keys);
        // Prepared once: every key parsed and bound to its algorithm, indexed by kid.
        let set = VerifierSet::new(&jwks, &[JwsAlgorithm::RS256]);
        assert_eq!(set.len(), n);
        let jt: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&jwks.to_json()).unwrap();
        assert!(
            set.candidates(Some(&last), JwsAlgorithm::RS256)
                .next()
                .is_some()
        );
        assert!(jt.find(&last).is_some());

        let mut g = c.benchmark_group(format!("JWK Set lookup ({n} keys)"));
        g.bench_function("tessera", |b| {
            b.iter(|| {
                set.candidates(Some(black_box(&last)), JwsAlgorithm::RS256)
                    .next()
                    .is_some()
            })
        });
        g.bench_function("jsonwebtoken", |b| {
            b.iter(|| jt.find(black_box(&last)).is_some())
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::clock::criterion();
    targets = jwt, hs256_breakdown, jwks_lookup
}
criterion_main!(benches);
