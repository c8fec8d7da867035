//! ES256/ES384/ES512 verification (tessera's own comb-table arithmetic) against the curve
//! crates' `VerifyingKey::verify`, on fixed keys: the verdicts, including the error kind
//! (malformed vs invalid), must agree, both on a key's first use (the curve crate's own double
//! multiplication) and once its table is built.
//!
//! Speed: most of it is the build (see `fuzz/Cargo.toml` and `xtask/src/fuzz.rs`). With
//! cargo-fuzz's `--debug-assertions` and comparison tracing in every crate, one verification
//! took 2-13 ms (about 50-200 exec/s): sancov traced each of ASan's shadow-memory checks in the
//! field arithmetic (a libFuzzer callback per memory access) and subtle's `Choice` debug
//! assertions. The curve crates and their arithmetic (crypto-bigint, subtle, primeorder, …) are
//! now built without debug assertions, overflow checks or comparison tracing, but with ASan and
//! edge coverage, and with shared generics, so the field code that tessera-jose and this target
//! instantiate is the curve crates' untraced copy. tessera's crates and this crate keep all the
//! checks. An input with real arithmetic now costs about 0.4-0.6 ms on P-256 and 1.3-1.7 ms on
//! P-384 and P-521 (CPU time, ASan). And each input still does the least arithmetic a
//! differential check can: one reference verification and one of ours. Everything else is done
//! once per process, in a `OnceLock`: the keys, the table of the warm key, the parsed JWK the
//! cold keys are prepared from, and signatures over a fixed set of messages (signing per input
//! used to cost more than the three verifications after it).
//!
//! Input: `[curve, mode, rest…]`. `curve % 3` picks P-256, P-384 or P-521. `mode & 4` picks the
//! path: set, a key prepared for this input (first use, no table); clear, the warm key (with
//! its table).
//! - `mode % 4 == 0`: `rest` is `sig_len` (one byte), then the signature bytes, then the message:
//!   arbitrary signatures of arbitrary lengths.
//! - otherwise `rest` is an index, a mask (the curve's signature length, zero-padded) and an
//!   optional message. The index picks one of the pre-signed messages; its signature is XORed
//!   with the mask (an all-zero mask leaves it valid, a sparse one flips bits); with
//!   `mode % 4 == 2`, `s` is replaced by `n - s` first (high S, accepted), with `mode % 4 == 3`,
//!   `r` and `s` are swapped first. The signature is checked against the pre-signed message, or
//!   against the input's own message if it has one (then it is a well-formed signature over
//!   another message).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tessera_jose::{Jwk, JwsAlgorithm, VerifyingKey};

#[path = "../../crates/tessera-jose/tests/support/ecdsa.rs"]
mod support;
use support::{Verdict, jwk, ours};

/// The messages signed once per process, per curve.
const MESSAGES: [&[u8]; 8] = [
    b"",
    b"a",
    b"warm-up",
    b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    &[0u8; 64],
    &[0xff; 131],
    b"\x00\x01\x02\x03",
    b"The quick brown fox jumps over the lazy dog",
];

macro_rules! curve {
    ($m:ident, $krate:ident, $crv:literal, $alg:ident, $len:literal, $first:literal) => {
        mod $m {
            use super::*;
            use $krate::ecdsa::signature::{Signer, Verifier};
            use $krate::elliptic_curve::ff::PrimeField;

            pub const LEN: usize = $len;

            pub struct Fixed {
                pub vk: $krate::ecdsa::VerifyingKey,
                /// The public JWK, parsed once; cold keys are prepared from it.
                pub jwk: Jwk,
                /// Verified twice at set-up, so it has its table.
                pub warm: VerifyingKey,
                /// `(r, s)` of the signature of each of [`MESSAGES`].
                pub sigs: Vec<($krate::Scalar, $krate::Scalar)>,
            }

            pub fn fixed() -> &'static Fixed {
                static F: OnceLock<Fixed> = OnceLock::new();
                F.get_or_init(|| {
                    let mut d = [0x5au8; $len];
                    d[0] = $first;
                    let sk = $krate::ecdsa::SigningKey::from_slice(&d).expect("fixed scalar");
                    let vk = *sk.verifying_key();
                    let sec1 = vk.to_sec1_point(false).as_bytes().to_vec();
                    let jwk = jwk($crv, &sec1);
                    let warm = VerifyingKey::from_jwk(&jwk, JwsAlgorithm::$alg)
                        .expect("fixed key prepares");
                    let sigs: Vec<_> = MESSAGES
                        .iter()
                        .map(|m| {
                            let sig: $krate::ecdsa::Signature = sk.sign(m);
                            let (r, s) = sig.split_scalars();
                            (*r.as_ref(), *s.as_ref())
                        })
                        .collect();
                    let (r, s) = sigs[2];
                    let warm_up = [r.to_repr().to_vec(), s.to_repr().to_vec()].concat();
                    // Enough successes to build the table (it is built on the verification
                    // after the first success), and one more through it.
                    for _ in 0..3 {
                        assert!(warm.verify(MESSAGES[2], &warm_up).is_ok());
                    }
                    Fixed {
                        vk,
                        jwk,
                        warm,
                        sigs,
                    }
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

            /// The pre-signed signature number `idx`, transformed by `mode`.
            pub fn pooled(idx: usize, mode: u8) -> Vec<u8> {
                let sigs = &fixed().sigs;
                let (r, s) = sigs[idx % sigs.len()];
                let (r, s) = match mode {
                    2 => (r, -s),
                    3 => (s, r),
                    _ => (r, s),
                };
                [r.to_repr().to_vec(), s.to_repr().to_vec()].concat()
            }

            pub fn check(msg: &[u8], sig: &[u8], cold: bool) {
                let f = fixed();
                let want = reference(msg, sig);
                if cold {
                    let key = VerifyingKey::from_jwk(&f.jwk, JwsAlgorithm::$alg)
                        .expect("fixed key prepares");
                    assert_eq!(ours(&key, msg, sig), want, "first use");
                } else {
                    assert_eq!(ours(&f.warm, msg, sig), want, "with table");
                }
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
        let cold = mode & 4 != 0;
        if mode % 4 == 0 {
            let Some((&n, rest)) = rest.split_first() else {
                return;
            };
            let n = usize::from(n).min(rest.len());
            let (sig, msg) = rest.split_at(n);
            $m::check(msg, sig, cold);
        } else {
            let Some((&idx, rest)) = rest.split_first() else {
                return;
            };
            let idx = usize::from(idx) % MESSAGES.len();
            let n = $m::LEN * 2;
            let (mask, own) = rest.split_at(n.min(rest.len()));
            let mut sig = $m::pooled(idx, mode % 4);
            for (b, m) in sig.iter_mut().zip(mask) {
                *b ^= m;
            }
            let msg = if own.is_empty() { MESSAGES[idx] } else { own };
            $m::check(msg, &sig, cold);
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
