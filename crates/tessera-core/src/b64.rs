//! Strict, unpadded base64url (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).
//!
//! Every decoder here refuses padding, whitespace, the standard alphabet's `+` and `/`, and
//! non-canonical encodings (set trailing bits), so one byte string has exactly one encoding.
//!
//! Two decoders exist on purpose. [`decode_secret`] runs in constant time (`base64ct`) and is for
//! key material; [`decode`] is a faster strict decoder for public data such as token segments,
//! whose timing reveals nothing an attacker does not already hold. The encoder for public data
//! is fast too. Both are `base64-simd` (SIMD, detected at run time: about 3× the table-driven
//! scalar decoder on a token payload); the `base64` crate's strict engine stays the oracle in
//! the tests.

use base64ct::Encoding as _;

use crate::{Error, SecretBytes};

/// The engine for public data (token segments, signatures): `base64-simd`, SIMD detected at
/// run time. Key material goes through [`encode_secret`] / [`decode_secret`] (constant time).
const PUBLIC: base64_simd::Base64 = base64_simd::URL_SAFE_NO_PAD;

/// Encodes bytes as unpadded base64url.
pub fn encode(input: impl AsRef<[u8]>) -> String {
    PUBLIC.encode_to_string(input)
}

/// Appends the unpadded base64url encoding of `input` to `out`.
pub fn encode_to(input: impl AsRef<[u8]>, out: &mut String) {
    PUBLIC.encode_append(input, out);
}

/// Appends the unpadded base64url encoding of `input` to `out`, growing it once.
pub fn encode_append(input: impl AsRef<[u8]>, out: &mut Vec<u8>) {
    PUBLIC.encode_append(input, out);
}

/// Writes the unpadded base64url encoding of `input` to the start of `out` and returns its
/// length; `out` must hold [`encoded_len`]`(input.len())` bytes (a shorter `out` gets only what
/// fits: 0 is returned).
pub fn encode_slice(input: impl AsRef<[u8]>, out: &mut [u8]) -> usize {
    let input = input.as_ref();
    match out.get_mut(..encoded_len(input.len())) {
        Some(dst) => PUBLIC
            .encode(input, base64_simd::Out::from_slice(dst))
            .len(),
        None => 0,
    }
}

/// The length of the unpadded base64url encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    (n / 3) * 4 + [0, 2, 3][n % 3]
}

/// Decodes strict unpadded base64url (public data; not constant time).
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, Error> {
    decode_named(input, "base64url input")
}

/// Decodes strict unpadded base64url, naming `what` in the error.
pub fn decode_named(input: impl AsRef<[u8]>, what: &'static str) -> Result<Vec<u8>, Error> {
    let input = input.as_ref();
    let mut out = vec![0u8; decoded_len(input.len())];
    if fast::decode_exact(input, &mut out).is_none() {
        return Err(Error::Base64 { what });
    }
    Ok(out)
}

/// Decodes strict unpadded base64url into `out` (cleared first), reusing its allocation.
pub fn decode_into(
    input: impl AsRef<[u8]>,
    out: &mut Vec<u8>,
    what: &'static str,
) -> Result<(), Error> {
    let input = input.as_ref();
    out.clear();
    // Straight into the spare capacity: no zero-filling first.
    if input.len() % 4 == 1 || PUBLIC.decode_append(input, out).is_err() {
        out.clear();
        return Err(Error::Base64 { what });
    }
    Ok(())
}

/// Decodes strict unpadded base64url into the start of `out`, returning the decoded length
/// (public data; not constant time). Fails with [`Error::Base64`] on bad input or when `out` is
/// shorter than the decoded length, so a caller can try a stack buffer first.
pub fn decode_slice(
    input: impl AsRef<[u8]>,
    out: &mut [u8],
    what: &'static str,
) -> Result<usize, Error> {
    let input = input.as_ref();
    let len = decoded_len(input.len());
    // Explicit branches rather than `ok_or`: no error value is built (and dropped) per call.
    let Some(dst) = out.get_mut(..len) else {
        return Err(Error::Base64 { what });
    };
    if fast::decode_exact(input, dst).is_none() {
        return Err(Error::Base64 { what });
    }
    Ok(len)
}

/// The largest decoded length of `n` base64url characters (exact for valid input).
pub const fn decoded_len(n: usize) -> usize {
    (n / 4) * 3 + [0, 0, 1, 2][n % 4]
}

/// The strict decoder for public data: `base64-simd` (AVX2/SSSE3/NEON when the CPU has them,
/// detected at run time), which refuses padding, bytes outside the alphabet and set trailing
/// bits, as the `base64` crate's strict engine does (the tests hold it to that oracle).
mod fast {
    /// Decodes `input` into `out`, which must be exactly `decoded_len(input.len())` long.
    /// `None` for any byte outside the alphabet (padding and whitespace included), a length of
    /// 1 mod 4, or set trailing bits (a non-canonical encoding); `out` is then unspecified.
    pub(super) fn decode_exact(input: &[u8], out: &mut [u8]) -> Option<()> {
        if input.len() % 4 == 1 || out.len() != super::decoded_len(input.len()) {
            return None;
        }
        super::PUBLIC
            .decode(input, base64_simd::Out::from_slice(out))
            .ok()
            .map(|_| ())
    }
}

/// Decodes strict unpadded base64url key material in constant time.
pub fn decode_secret(input: &str, what: &'static str) -> Result<SecretBytes, Error> {
    base64ct::Base64UrlUnpadded::decode_vec(input)
        .map(SecretBytes::new)
        .map_err(|_| Error::Base64 { what })
}

/// Encodes key material in constant time.
pub fn encode_secret(input: &[u8]) -> String {
    base64ct::Base64UrlUnpadded::encode_string(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    /// The `base64` crate's strict engine: the independent oracle.
    const STRICT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );

    #[test]
    fn round_trip_all_lengths() {
        for n in 0..64usize {
            let data: Vec<u8> = (0..n as u8).map(|b| b.wrapping_mul(37)).collect();
            let e = encode(&data);
            assert_eq!(e.len(), encoded_len(n));
            let mut enc = [0u8; 96];
            let len = encode_slice(&data, &mut enc);
            assert_eq!(&enc[..len], e.as_bytes());
            assert_eq!(decode(&e).unwrap(), data);
            assert_eq!(decoded_len(e.len()), n);
            let mut buf = [0u8; 64];
            let len = decode_slice(&e, &mut buf, "x").unwrap();
            assert_eq!(&buf[..len], &data[..]);
            if n > 0 {
                assert!(decode_slice(&e, &mut buf[..n - 1], "x").is_err());
            }
            assert_eq!(encode_secret(&data), e);
            assert_eq!(decode_secret(&e, "k").unwrap().expose(), &data[..]);
        }
    }

    /// The fast decoder against the `base64` crate's strict engine (an independent
    /// implementation): same verdict and output on every input of lengths 0..=12 over an alphabet
    /// of valid, padding, standard-alphabet, whitespace and high bytes, and on random long inputs.
    #[test]
    fn fast_decoder_agrees_with_the_base64_crate() {
        fn check(input: &[u8]) {
            let ours = decode(input).ok();
            let theirs = STRICT.decode(input).ok();
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(input));
            let mut buf = Vec::from(&b"junk"[..]);
            assert_eq!(decode_into(input, &mut buf, "x").is_ok(), theirs.is_some());
            match &theirs {
                Some(t) => assert_eq!(&buf, t),
                None => assert!(buf.is_empty(), "a failed decode_into leaves nothing"),
            }
        }
        let symbols = b"AQgw_-9zZ=+/ \n\x80\xff.";
        // Every string of length <= 3 over the symbols, and every tail of the full alphabet.
        for len in 0..=3u32 {
            for mut k in 0..(symbols.len() as u32).pow(len) {
                let mut s = Vec::new();
                for _ in 0..len {
                    s.push(symbols[(k % symbols.len() as u32) as usize]);
                    k /= symbols.len() as u32;
                }
                check(&s);
                let mut long = b"QUJDREVGR0g".to_vec(); // 11 chars
                long.extend_from_slice(&s);
                check(&long);
            }
        }
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                check(&[b'Q', b'Q', a, b]);
                check(&[b'Q', a, b]);
            }
        }
        // Pseudo-random long inputs, valid and with one corrupted byte.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..400usize {
            let data: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let mut e = encode(&data).into_bytes();
            check(&e);
            if !e.is_empty() {
                let i = (x as usize) % e.len();
                e[i] = symbols[(x >> 32) as usize % symbols.len()];
                check(&e);
            }
        }
    }

    /// The fast encoder against the `base64` crate's engine (an independent implementation):
    /// every length up to 300 over pseudo-random bytes, every byte value in every position of a
    /// step, and every entry point.
    #[test]
    fn fast_encoder_agrees_with_the_base64_crate() {
        fn check(data: &[u8]) {
            let theirs = STRICT.encode(data);
            assert_eq!(encode(data), theirs, "{data:?}");
            let mut s = String::from("prefix.");
            encode_to(data, &mut s);
            assert_eq!(s.strip_prefix("prefix."), Some(theirs.as_str()));
            let mut v = b"xy".to_vec();
            encode_append(data, &mut v);
            assert_eq!(&v[2..], theirs.as_bytes());
            let mut buf = vec![b'!'; theirs.len() + 3];
            assert_eq!(encode_slice(data, &mut buf), theirs.len());
            assert_eq!(&buf[..theirs.len()], theirs.as_bytes());
            assert_eq!(&buf[theirs.len()..], b"!!!");
            if !theirs.is_empty() {
                let short = theirs.len() - 1;
                assert_eq!(encode_slice(data, &mut buf[..short]), 0);
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..300usize {
            let data: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            check(&data);
        }
        for b in 0..=255u8 {
            for n in 1..=13usize {
                for at in 0..n {
                    let mut data = vec![0xA5u8; n];
                    data[at] = b;
                    check(&data);
                }
            }
        }
        // Longer than encode_to's stack chunk.
        let long: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 255) as u8).collect();
        check(&long);
    }

    #[test]
    fn rejects_non_strict_input() {
        for bad in [
            "aGk=", "aGk==", "aG k", "a+8", "a/8", "aGl", "a", "aGk\n", "Zm9vYg=", "Zh",
        ] {
            assert!(decode(bad).is_err(), "{bad:?} accepted");
            assert!(decode_secret(bad, "k").is_err(), "{bad:?} accepted (ct)");
            assert!(
                decode_slice(bad, &mut [0u8; 16], "k").is_err(),
                "{bad:?} accepted"
            );
        }
        // "aGk" is canonical for "hi"; "aGl" sets trailing bits.
        assert_eq!(decode("aGk").unwrap(), b"hi");
    }
}
