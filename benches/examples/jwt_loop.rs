//! A plain loop over one JWT operation, for profilers (`valgrind --tool=callgrind`, `perf`):
//! no harness, so instruction counts are the operation's own.
//!
//! ```text
//! cargo build --release -p tessera-benches --features peers --example jwt_loop
//! valgrind --tool=callgrind target/release/examples/jwt_loop hs256-verify 10000
//! ```
//!
//! Operations: `<alg>-verify` and `<alg>-sign` (the whole JWT path) and `<alg>-keyverify` and
//! `<alg>-keysign` (the prepared key alone over the same signing input: the floor), for hs256,
//! rs256, ps256, es256, eddsa.
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

use std::borrow::Cow;
use std::hint::black_box;

use common::{AUD, ISS, IdClaims, KID, Keys, claims, now};
use serde::Deserialize;
use tessera::core::UnixTime;
use tessera::jose::jws::{CompactJws, JwsOptions};
use tessera::jose::{JwsAlgorithm, SigningKey, VerifyingKey};
use tessera_jwt::{JwtBuilder, KeyStore, Policy};

#[derive(Deserialize)]
struct BorrowedCustom<'a> {
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    email: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "hs256-verify".into());
    let n: u64 = args.next().map_or(10_000, |s| s.parse().unwrap());
    let (alg, what) = op.split_once('-').unwrap();
    let alg = match alg {
        "hs256" => JwsAlgorithm::HS256,
        "rs256" => JwsAlgorithm::RS256,
        "ps256" => JwsAlgorithm::PS256,
        "es256" => JwsAlgorithm::ES256,
        "eddsa" => JwsAlgorithm::EdDSA,
        other => panic!("unknown algorithm {other}"),
    };
    let keys = Keys::for_alg(alg);
    let claims = claims();
    let signer = SigningKey::from_jwk(&keys.private, alg).unwrap();
    let store = KeyStore::single(VerifyingKey::from_jwk(&keys.public, alg).unwrap());
    let policy = Policy::builder()
        .algorithm(alg)
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    let token = JwtBuilder::new()
        .claims(&claims)
        .kid(KID)
        .sign(&signer)
        .unwrap();
    let mut buf = Vec::new();
    let mut acc = 0usize;
    let start = std::time::Instant::now();
    match what {
        "verify" => {
            for _ in 0..n {
                let v = policy
                    .verify_borrowed::<BorrowedCustom<'_>>(
                        black_box(&token),
                        &store,
                        UnixTime(now()),
                        &mut buf,
                    )
                    .unwrap();
                let c = v.custom();
                acc += c.nonce.len() + c.email.len() + c.name.len();
            }
        }
        "sign" => {
            for _ in 0..n {
                let t = JwtBuilder::new()
                    .claims(black_box(&claims))
                    .kid(KID)
                    .sign(&signer)
                    .unwrap();
                acc += t.len();
            }
        }
        "keyverify" | "keysign" => {
            let jws = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
            let (input, sig) = (jws.signing_input(), jws.signature());
            let verifier = signer.verifying_key();
            for _ in 0..n {
                if what == "keysign" {
                    acc += signer.sign(black_box(input)).unwrap().len();
                } else {
                    verifier.verify(black_box(input), sig).unwrap();
                    acc += 1;
                }
            }
        }
        "jsonwebtoken" => {
            // The same token through jsonwebtoken (the peer), for a like-for-like count.
            use jsonwebtoken::{DecodingKey, Validation, decode};
            common::jsonwebtoken_backend(false);
            let key = match alg {
                JwsAlgorithm::HS256 => DecodingKey::from_secret(&keys.secret()),
                other => panic!("jsonwebtoken op only for hs256, not {other}"),
            };
            let mut v = Validation::new(jsonwebtoken::Algorithm::HS256);
            v.set_issuer(&[ISS]);
            v.set_audience(&[AUD]);
            for _ in 0..n {
                let d = decode::<IdClaims>(black_box(&token), &key, &v).unwrap();
                acc += d.claims.email.len() + d.claims.name.len();
            }
        }
        other => panic!("unknown operation {other}"),
    }
    let per = start.elapsed().as_nanos() / u128::from(n.max(1));
    println!("{op}: {n} iterations, {per} ns each (wall), checksum {acc}");
}
