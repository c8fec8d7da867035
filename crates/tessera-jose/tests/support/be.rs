//! Big-endian byte-string arithmetic for the differential tests.

/// Big-endian `a + b` of equal lengths, and the carry out.
pub(crate) fn add(a: &[u8], b: &[u8]) -> (Vec<u8>, bool) {
    let mut out = vec![0u8; a.len()];
    let mut carry = 0u16;
    for i in (0..a.len()).rev() {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    (out, carry != 0)
}
