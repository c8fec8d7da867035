//! ECDSA verification with a per-key precomputed table (ES256, ES384, ES512).
//!
//! Verification computes `R = u1·G + u2·Q` and checks `x(R) mod n == r`. The RustCrypto curve
//! crates compute the sum with an interleaved double-and-add (about one doubling per scalar bit
//! plus the additions), because they know nothing about `Q` ahead of time. A [`VerifyingKey`]
//! is built once and used many times, so here both products use the *comb* method of
//! `primeorder`'s own `BasepointTable`: for a point `P` the table holds `j·2^(8i)·P` for
//! `j = 1..=8` and every byte position `i`, the scalar is written in signed radix 16 (digits in
//! `-8..=8`), and `k·P` is a sum of one table entry per digit with only four doublings. The
//! table of `G` is shared by the process, the table of `Q` belongs to the key; both are stored
//! in affine form, so every addition is a (cheaper) mixed addition. Everything here is public
//! data, so variable time is fine, exactly as in the curve crates' own verification.
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
    AffinePoint, PrimeCurveParams, PrimeField as _, ProjectivePoint, Radix16Decomposition,
    Radix16Digits, Scalar,
};
use sha2::Digest;

use crate::Error;

/// Entries per table row: `1·P ..= 8·P` (the signed radix-16 digits are in `-8..=8`).
const ROW: usize = 8;

/// A comb table of one point `P`: `rows[i][j-1] = j·2^(8i)·P` in affine form, for `j = 1..=8`
/// and `i = 0..=L` (`L` the scalar's byte length), flattened row by row.
pub(crate) struct CombTable<C: PrimeCurveParams> {
    points: Box<[AffinePoint<C>]>,
}

impl<C: PrimeCurveParams> CombTable<C> {
    /// Number of rows: one per scalar byte plus one for the top carry digit.
    fn rows() -> usize {
        FieldBytesSize::<C>::USIZE + 1
    }

    /// Builds the table of `p` (about `8·(L+1)` additions, `8·L` doublings and one batched
    /// field inversion).
    pub(crate) fn new(p: ProjectivePoint<C>) -> Self {
        let rows = Self::rows();
        let mut projective = Vec::with_capacity(rows * ROW);
        let mut base = p;
        for _ in 0..rows {
            let mut multiple = base;
            projective.push(multiple);
            for _ in 1..ROW {
                multiple += &base;
                projective.push(multiple);
            }
            for _ in 0..8 {
                base = base.double();
            }
        }
        let mut points = vec![AffinePoint::<C>::IDENTITY; projective.len()];
        ProjectivePoint::<C>::batch_normalize(&projective, &mut points);
        CombTable {
            points: points.into_boxed_slice(),
        }
    }

    /// Heap bytes held by the table.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.points.len() * core::mem::size_of::<AffinePoint<C>>()
    }

    /// `acc += d·2^(8·row)·P` for a signed radix-16 digit `d`.
    #[inline]
    fn add_digit(&self, acc: &mut ProjectivePoint<C>, row: usize, d: i8) {
        let abs = usize::from(d.unsigned_abs());
        if abs == 0 {
            return;
        }
        // In range by construction: `row <= L` and `1 <= abs <= 8`.
        if let Some(p) = self.points.get(row * ROW + abs - 1) {
            if d < 0 {
                *acc -= p;
            } else {
                *acc += p;
            }
        }
    }
}

impl<C: PrimeCurveParams> fmt::Debug for CombTable<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CombTable")
            .field("points", &self.points.len())
            .finish()
    }
}

/// `u1·G + u2·Q` from the comb tables of `G` and `Q`: `2·(2L+1)` mixed additions at most and
/// four doublings.
fn lincomb<C: PrimeCurveParams>(
    g: &CombTable<C>,
    u1: &Scalar<C>,
    q: &CombTable<C>,
    u2: &Scalar<C>,
) -> ProjectivePoint<C> {
    let d1 = Radix16Decomposition::<Radix16Digits<C>>::new(u1);
    let d2 = Radix16Decomposition::<Radix16Digits<C>>::new(u2);
    let len = FieldBytesSize::<C>::USIZE;
    // Digit k weighs 16^k = 2^(4k): even k = 2i is row i as is, odd k = 2i+1 is row i times 16,
    // so the odd digits are summed apart and the sum doubled four times at the end.
    let mut even = ProjectivePoint::<C>::IDENTITY;
    let mut odd = ProjectivePoint::<C>::IDENTITY;
    for i in 0..len {
        g.add_digit(&mut even, i, d1[2 * i]);
        q.add_digit(&mut even, i, d2[2 * i]);
        g.add_digit(&mut odd, i, d1[2 * i + 1]);
        q.add_digit(&mut odd, i, d2[2 * i + 1]);
    }
    g.add_digit(&mut even, len, d1[2 * len]);
    q.add_digit(&mut even, len, d2[2 * len]);
    for _ in 0..4 {
        odd = odd.double();
    }
    even + odd
}

/// A curve whose generator has a process-wide comb table.
pub(crate) trait TableCurve: PrimeCurveParams {
    /// The comb table of the generator, built on first use.
    fn generator_table() -> &'static CombTable<Self>;
}

macro_rules! table_curve {
    ($curve:ty) => {
        impl TableCurve for $curve {
            fn generator_table() -> &'static CombTable<Self> {
                static TABLE: OnceLock<CombTable<$curve>> = OnceLock::new();
                TABLE.get_or_init(|| CombTable::new(ProjectivePoint::<$curve>::GENERATOR))
            }
        }
    };
}
table_curve!(p256::NistP256);
table_curve!(p384::NistP384);
table_curve!(p521::NistP521);

/// An ECDSA public key prepared for verification: the point, and its comb table once the key
/// has been used twice (a key used once pays nothing for a table it would never reuse).
pub(crate) struct EcdsaKey<C: PrimeCurveParams> {
    point: AffinePoint<C>,
    used: AtomicBool,
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
            used: AtomicBool::new(false),
            table: OnceLock::new(),
        }
    }

    /// The key's comb table if it is (or, on this call, becomes) worth having.
    fn table(&self) -> Option<&CombTable<C>> {
        if let Some(t) = self.table.get() {
            return Some(t);
        }
        if self.used.swap(true, Ordering::Relaxed) {
            Some(
                self.table
                    .get_or_init(|| CombTable::new(ProjectivePoint::from(self.point))),
            )
        } else {
            None
        }
    }

    /// Verifies the fixed-length `r‖s` signature `sig` over `msg` hashed with `D`.
    pub(crate) fn verify<D: Digest>(&self, msg: &[u8], sig: &[u8]) -> Result<(), Error> {
        let (r, s) = parse_signature::<C>(sig)?;
        let z = digest_scalar::<C>(&D::digest(msg));
        self.verify_scalars(&r, &s, &z, self.table())
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

    #[test]
    fn table_matches_scalar_multiplication() {
        use primeorder::elliptic_curve::Field as _;
        let mut rng = crate::keys::rng().unwrap();
        let g = p256::NistP256::generator_table();
        let q = ProjectivePoint::<p256::NistP256>::GENERATOR * p256::Scalar::random(&mut rng);
        let tq = CombTable::new(q);
        for _ in 0..50 {
            let a = p256::Scalar::random(&mut rng);
            let b = p256::Scalar::random(&mut rng);
            let want = ProjectivePoint::<p256::NistP256>::GENERATOR * a + q * b;
            assert_eq!(lincomb(g, &a, &tq, &b), want);
        }
        // Edge scalars: 0, 1, n-1 (all digits extreme after recentring).
        let edges = [p256::Scalar::ZERO, p256::Scalar::ONE, -p256::Scalar::ONE];
        for a in edges {
            for b in edges {
                let want = ProjectivePoint::<p256::NistP256>::GENERATOR * a + q * b;
                assert_eq!(lincomb(g, &a, &tq, &b), want);
            }
        }
        assert_eq!(
            tq.heap_bytes(),
            33 * 8 * core::mem::size_of::<p256::AffinePoint>()
        );
    }
}
