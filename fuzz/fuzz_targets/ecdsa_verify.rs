//! ES256/ES384/ES512 verification (tessera's own comb-table arithmetic) against the curve
//! crates' `VerifyingKey::verify`, on fixed keys: the verdicts, including the error kind
//! (malformed vs invalid), must agree, both on a key's first use (the curve crate's own double
//! multiplication) and once its table is built.
//!
//! Input: `[curve, mode, rest…]`. `curve % 3` picks P-256, P-384 or P-521.
//! - `mode % 4 == 0`: `rest` is `sig_len` (one byte), then the signature bytes, then the message:
//!   arbitrary signatures of arbitrary lengths.
//! - otherwise `rest` is a mask (the curve's signature length, zero-padded) and the message;
//!   the fixed key signs the message and the mask is XORed onto the signature (an all-zero mask
//!   leaves it valid, a sparse one flips bits); with `mode % 4 == 2`, `s` is replaced by `n - s`
//!   first (high S, accepted), with `mode % 4 == 3`, `r` and `s` are swapped first.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tessera_jose::{JwsAlgorithm, VerifyingKey};

#[path = "../../crates/tessera-jose/tests/support/ecdsa.rs"]
mod support;
use support::{Verdict, jwk, ours};

macro_rules! curve {
    ($m:ident, $krate:ident, $crv:literal, $alg:ident, $len:literal, $first:literal) => {
        mod $m {
            use super::*;
            use $krate::ecdsa::signature::{Signer, Verifier};
            use $krate::elliptic_curve::ff::PrimeField;

            pub const LEN: usize = $len;

            pub struct Fixed {
                pub sk: $krate::ecdsa::SigningKey,
                pub vk: $krate::ecdsa::VerifyingKey,
                pub sec1: Vec<u8>,
                /// Verified twice at set-up, so it has its table.
                pub warm: VerifyingKey,
            }

            pub fn fixed() -> &'static Fixed {
                static F: OnceLock<Fixed> = OnceLock::new();
                F.get_or_init(|| {
                    let mut d = [0x5au8; $len];
                    d[0] = $first;
                    let sk = $krate::ecdsa::SigningKey::from_slice(&d).expect("fixed scalar");
                    let vk = *sk.verifying_key();
                    let sec1 = vk.to_sec1_point(false).as_bytes().to_vec();
                    let warm = VerifyingKey::from_jwk(&jwk($crv, &sec1), JwsAlgorithm::$alg)
                        .expect("fixed key prepares");
                    let sig: $krate::ecdsa::Signature = sk.sign(b"warm-up");
                    for _ in 0..2 {
                        assert!(warm.verify(b"warm-up", &sig.to_bytes()).is_ok());
                    }
                    Fixed { sk, vk, sec1, warm }
                })
            }

            pub fn reference(msg: &[u8], sig: &[u8]) -> Verdict {
                match $krate::ecdsa::Signature::from_slice(sig) {
                    Err(_) => Verdict::Malformed,
                    Ok(sig) => match fixed().vk.verify(msg, &sig) {
                        Ok(()) => Verdict::Valid,
                        Err(_) => Verdict::Invalid,
                    },
                }
            }

            pub fn sign(msg: &[u8], mode: u8) -> Vec<u8> {
                let sig: $krate::ecdsa::Signature = fixed().sk.sign(msg);
                let (r, s) = sig.split_scalars();
                let (r, s) = (*r.as_ref(), *s.as_ref());
                let (r, s) = match mode {
                    2 => (r, -s),
                    3 => (s, r),
                    _ => (r, s),
                };
                [r.to_repr().to_vec(), s.to_repr().to_vec()].concat()
            }

            pub fn check(msg: &[u8], sig: &[u8]) {
                let f = fixed();
                let want = reference(msg, sig);
                let cold = VerifyingKey::from_jwk(&jwk($crv, &f.sec1), JwsAlgorithm::$alg)
                    .expect("fixed key prepares");
                assert_eq!(ours(&cold, msg, sig), want, "first use");
                assert_eq!(ours(&f.warm, msg, sig), want, "with table");
            }
        }
    };
}

curve!(p256c, p256, "P-256", ES256, 32, 0x5a);
curve!(p384c, p384, "P-384", ES384, 48, 0x5a);
curve!(p521c, p521, "P-521", ES512, 66, 0x01);

macro_rules! run {
    ($m:ident, $mode:expr, $rest:expr) => {{
        let (mode, rest): (u8, &[u8]) = ($mode, $rest);
        if mode % 4 == 0 {
            let Some((&n, rest)) = rest.split_first() else {
                return;
            };
            let n = usize::from(n).min(rest.len());
            let (sig, msg) = rest.split_at(n);
            $m::check(msg, sig);
        } else {
            let n = $m::LEN * 2;
            let (mask, msg) = rest.split_at(n.min(rest.len()));
            let mut sig = $m::sign(msg, mode % 4);
            for (b, m) in sig.iter_mut().zip(mask) {
                *b ^= m;
            }
            $m::check(msg, &sig);
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let [curve, mode, rest @ ..] = data else {
        return;
    };
    match curve % 3 {
        0 => run!(p256c, *mode, rest),
        1 => run!(p384c, *mode, rest),
        _ => run!(p521c, *mode, rest),
    }
});
