//! The crate's error type, [`Error`], and the typed payloads of its variants.
//!
//! Every variant carries data a program can match on: which member, which key part, which
//! lengths. The payload enums ([`KeyProblem`], [`MismatchProblem`], [`HeaderProblem`],
//! [`JsonProblem`], [`CritProblem`], [`JweProblem`], [`CryptoOp`], [`DisabledFeature`]) are
//! plain data (`Clone`, `PartialEq`); a foreign error that caused the failure (a DER, PEM or RSA
//! error) sits beside the payload and is returned by [`source()`](std::error::Error::source),
//! never formatted into the message.

use std::fmt;

use crate::alg::{JwsAlgorithm, KeyManagementAlgorithm};
use crate::jwk::{AkpAlgorithm, EcCurve, KeyFormat, KeyUse, OkpCurve};

/// A foreign error kept as the `source()` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in JOSE processing.
///
/// Variants carry structured data about what was wrong with the input. A failed signature or
/// decryption stays deliberately opaque ([`Error::InvalidSignature`], [`Error::DecryptionFailed`]).
///
/// Display is one line naming what failed; a foreign cause (DER, PEM, RSA) is not repeated in
/// it but returned by `source()`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A shared building block failed: base64url, JSON, duplicate member, size cap.
    Core(tessera_core::Error),
    /// An algorithm name that tessera does not implement, or that is not allowed in this place.
    UnsupportedAlgorithm {
        /// The algorithm name as it appeared.
        alg: String,
    },
    /// The token's algorithm is not on the caller's allow-list.
    AlgorithmNotAllowed {
        /// The algorithm the token asked for.
        alg: String,
    },
    /// The key does not fit the algorithm (wrong `kty`, `crv`, size), or the key's own `alg`,
    /// `use` or `key_ops` rule it out.
    KeyMismatch {
        /// What does not fit.
        problem: MismatchProblem,
    },
    /// A JWK or PEM/DER key is malformed or unsafe (wrong lengths, point not on the curve,
    /// RSA modulus too small, private part that does not match the public part).
    InvalidKey {
        /// What is wrong.
        problem: KeyProblem,
        /// The decoder's or the `rsa` crate's error, when one of them refused the key.
        source: Option<BoxError>,
    },
    /// The key is a public key, but the operation needs the private key.
    MissingPrivateKey,
    /// A compact serialization does not have the right number of `.`-separated parts.
    MalformedCompact {
        /// The number of parts required.
        expected: usize,
        /// The number of parts found.
        found: usize,
    },
    /// A JOSE header is malformed: not an object, a member of the wrong type, a required member
    /// missing.
    InvalidHeader {
        /// What is wrong.
        problem: HeaderProblem,
        /// Why a member holding a key (`epk`) was refused.
        source: Option<Box<Error>>,
    },
    /// A JSON serialization (JWS or JWE) is malformed.
    InvalidJson {
        /// What is wrong.
        problem: JsonProblem,
    },
    /// A `crit` header problem: an extension that is not understood, an empty list, a repeated
    /// entry, a registered header name, a listed name absent from the header, or `crit` outside
    /// the protected header.
    Crit {
        /// What is wrong.
        problem: CritProblem,
    },
    /// No key in the key set fits the token (`kid`, `alg`, `use`).
    NoMatchingKey {
        /// The `kid` the token named, if any.
        kid: Option<String>,
        /// The token's algorithm.
        alg: String,
    },
    /// The signature does not verify. Deliberately says nothing more.
    InvalidSignature,
    /// Decryption failed. Deliberately says nothing more, whichever step failed.
    DecryptionFailed,
    /// An ECDSA signature has the wrong length or a zero or out-of-range scalar.
    MalformedSignature,
    /// A detached-payload JWS was verified without its payload, or an attached one was given
    /// one.
    DetachedPayload {
        /// `true`: the payload is detached, and `verify` was called (use `verify_detached`);
        /// `false`: the payload is attached, and `verify_detached` was called (use `verify`).
        detached: bool,
    },
    /// A random number generator failed.
    Rng,
    /// The key was to be used with the algorithm its JWK names, but the JWK has no `alg`.
    MissingKeyAlgorithm {
        /// The key's `kid`, if it has one.
        kid: Option<String>,
    },
    /// A cryptographic primitive refused its input (e.g. a message too long for RSA).
    Crypto {
        /// What was being done.
        op: CryptoOp,
        /// The primitive's own error, when it gives one.
        source: Option<BoxError>,
    },
    /// A feature is disabled by policy (PBES2, compression, …); the Display names the opt-in
    /// that enables it.
    Disabled {
        /// What was refused.
        feature: DisabledFeature,
    },
    /// A JWE is structurally wrong: a segment of the wrong length (IV, tag, encrypted key), an
    /// encrypted key where none belongs, too many recipients, or a compressed plaintext that is
    /// not valid DEFLATE.
    InvalidJwe {
        /// What is wrong.
        problem: JweProblem,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => e.fmt(f),
            Error::UnsupportedAlgorithm { alg } => write!(f, "unsupported algorithm {alg:?}"),
            Error::AlgorithmNotAllowed { alg } => {
                write!(f, "algorithm {alg:?} is not on the allow-list")
            }
            Error::KeyMismatch { problem } => write!(f, "key does not fit: {problem}"),
            Error::InvalidKey { problem, .. } => write!(f, "invalid key: {problem}"),
            Error::MissingPrivateKey => f.write_str("the operation needs a private key"),
            Error::MalformedCompact { expected, found } => write!(
                f,
                "compact serialization has {found} parts, expected {expected}"
            ),
            Error::InvalidHeader { problem, .. } => write!(f, "invalid JOSE header: {problem}"),
            Error::InvalidJson { problem } => write!(f, "invalid JSON serialization: {problem}"),
            Error::Crit { problem } => write!(f, "crit: {problem}"),
            Error::NoMatchingKey {
                kid: Some(kid),
                alg,
            } => {
                write!(f, "no key with kid {kid:?} fits algorithm {alg}")
            }
            Error::NoMatchingKey { kid: None, alg } => {
                write!(f, "no key fits algorithm {alg} (the token has no kid)")
            }
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::DecryptionFailed => f.write_str("decryption failed"),
            Error::MalformedSignature => f.write_str("malformed signature"),
            Error::DetachedPayload { detached: true } => {
                f.write_str("detached payload: the payload is detached; use verify_detached")
            }
            Error::DetachedPayload { detached: false } => {
                f.write_str("detached payload: the payload is attached; use verify")
            }
            Error::Rng => f.write_str("the random number generator failed"),
            Error::MissingKeyAlgorithm { kid: Some(kid) } => {
                write!(f, "the JWK {kid:?} has no \"alg\" to use it with")
            }
            Error::MissingKeyAlgorithm { kid: None } => {
                f.write_str("the JWK has no \"alg\" to use it with")
            }
            Error::Crypto { op, .. } => write!(f, "cryptographic operation failed: {op}"),
            Error::Disabled { feature } => write!(f, "disabled: {feature}"),
            Error::InvalidJwe { problem } => write!(f, "invalid JWE: {problem}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // `Core` prints its inner error, so it hands on the inner error's source rather than
        // the inner error itself (a reporter walking the chain prints each message once). The
        // other wrappers print only their own payload, so they return the foreign error.
        match self {
            Error::Core(e) => e.source(),
            Error::InvalidKey {
                source: Some(s), ..
            }
            | Error::Crypto {
                source: Some(s), ..
            } => Some(s.as_ref()),
            Error::InvalidHeader {
                source: Some(s), ..
            } => Some(s.as_ref()),
            _ => None,
        }
    }
}

impl From<tessera_core::Error> for Error {
    fn from(e: tessera_core::Error) -> Self {
        Error::Core(e)
    }
}

impl From<KeyProblem> for Error {
    fn from(problem: KeyProblem) -> Self {
        Error::InvalidKey {
            problem,
            source: None,
        }
    }
}

impl From<MismatchProblem> for Error {
    fn from(problem: MismatchProblem) -> Self {
        Error::KeyMismatch { problem }
    }
}

impl From<HeaderProblem> for Error {
    fn from(problem: HeaderProblem) -> Self {
        Error::InvalidHeader {
            problem,
            source: None,
        }
    }
}

impl From<JsonProblem> for Error {
    fn from(problem: JsonProblem) -> Self {
        Error::InvalidJson { problem }
    }
}

impl From<CritProblem> for Error {
    fn from(problem: CritProblem) -> Self {
        Error::Crit { problem }
    }
}

impl From<JweProblem> for Error {
    fn from(problem: JweProblem) -> Self {
        Error::InvalidJwe { problem }
    }
}

impl From<DisabledFeature> for Error {
    fn from(feature: DisabledFeature) -> Self {
        Error::Disabled { feature }
    }
}

impl From<CryptoOp> for Error {
    fn from(op: CryptoOp) -> Self {
        Error::Crypto { op, source: None }
    }
}

/// [`Error::InvalidKey`] with the foreign error that caused it.
pub(crate) fn key_err<E: std::error::Error + Send + Sync + 'static>(
    problem: KeyProblem,
) -> impl FnOnce(E) -> Error {
    move |e| Error::InvalidKey {
        problem,
        source: Some(Box::new(e)),
    }
}

/// [`Error::Crypto`] with the primitive's error.
pub(crate) fn crypto_err<E: std::error::Error + Send + Sync + 'static>(
    op: CryptoOp,
) -> impl FnOnce(E) -> Error {
    move |e| Error::Crypto {
        op,
        source: Some(Box::new(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary shared by the payloads.

/// The JSON type a member should have had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonType {
    /// A string.
    String,
    /// A base64url string.
    Base64url,
    /// An array of strings.
    StringArray,
    /// An array.
    Array,
    /// An array of JSON objects.
    ObjectArray,
    /// A boolean.
    Bool,
    /// A JSON object.
    Object,
    /// A JWK (a JSON object).
    Jwk,
    /// A positive integer.
    PositiveInteger,
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonType::String => "a string",
            JsonType::Base64url => "a base64url string",
            JsonType::StringArray => "an array of strings",
            JsonType::Array => "an array",
            JsonType::ObjectArray => "an array of JSON objects",
            JsonType::Bool => "a boolean",
            JsonType::Object => "a JSON object",
            JsonType::Jwk => "a JWK object",
            JsonType::PositiveInteger => "a positive integer",
        })
    }
}

/// A curve, of an `EC` or an `OKP` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// An elliptic curve of `kty: EC`.
    Ec(EcCurve),
    /// A curve of `kty: OKP`.
    Okp(OkpCurve),
}

impl From<EcCurve> for Curve {
    fn from(c: EcCurve) -> Self {
        Curve::Ec(c)
    }
}

impl From<OkpCurve> for Curve {
    fn from(c: OkpCurve) -> Self {
        Curve::Okp(c)
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Curve::Ec(c) => c.as_str(),
            Curve::Okp(c) => c.as_str(),
        })
    }
}

/// What kind of key: its `kty` and, for `EC` and `OKP` keys, its curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// `kty: RSA`.
    Rsa,
    /// `kty: EC` on this curve.
    Ec(EcCurve),
    /// `kty: OKP` on this curve.
    Okp(OkpCurve),
    /// `kty: AKP` for this algorithm (RFC 9964).
    Akp(AkpAlgorithm),
    /// `kty: oct`, a shared secret of `len` bytes.
    Oct {
        /// The secret's length in bytes.
        len: usize,
    },
    /// A PBES2 password.
    Password,
}

impl KeyKind {
    /// The kind of the key material `params`.
    pub fn of(params: &crate::jwk::KeyParams) -> Self {
        use crate::jwk::KeyParams;
        match params {
            KeyParams::Rsa(_) => KeyKind::Rsa,
            KeyParams::Ec(p) => KeyKind::Ec(p.crv),
            KeyParams::Okp(p) => KeyKind::Okp(p.crv),
            KeyParams::Oct(k) => KeyKind::Oct { len: k.len() },
            KeyParams::Akp(p) => KeyKind::Akp(p.alg),
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa => f.write_str("RSA"),
            KeyKind::Ec(c) => write!(f, "EC {}", c.as_str()),
            KeyKind::Okp(c) => write!(f, "OKP {}", c.as_str()),
            KeyKind::Akp(a) => write!(f, "AKP {}", a.as_str()),
            KeyKind::Oct { .. } => f.write_str("oct"),
            KeyKind::Password => f.write_str("password"),
        }
    }
}

/// A part of a key: a JWK member of the key material, or a PBES2 password.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPart {
    /// RSA modulus `n`.
    N,
    /// RSA public exponent `e`.
    E,
    /// The private part `d`: RSA private exponent, EC private scalar or OKP private key.
    D,
    /// RSA first prime `p`.
    P,
    /// RSA second prime `q`.
    Q,
    /// RSA CRT exponent `dp`.
    Dp,
    /// RSA CRT exponent `dq`.
    Dq,
    /// RSA CRT coefficient `qi`.
    Qi,
    /// EC x coordinate, or OKP public key `x`.
    X,
    /// EC y coordinate.
    Y,
    /// Symmetric key `k`.
    K,
    /// AKP public key `pub` (RFC 9964).
    Pub,
    /// AKP private key `priv`, the seed (RFC 9964).
    Priv,
    /// A PBES2 password.
    Password,
}

impl KeyPart {
    /// The JWK member name (`"password"` for a password).
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyPart::N => "n",
            KeyPart::E => "e",
            KeyPart::D => "d",
            KeyPart::P => "p",
            KeyPart::Q => "q",
            KeyPart::Dp => "dp",
            KeyPart::Dq => "dq",
            KeyPart::Qi => "qi",
            KeyPart::X => "x",
            KeyPart::Y => "y",
            KeyPart::K => "k",
            KeyPart::Pub => "pub",
            KeyPart::Priv => "priv",
            KeyPart::Password => "password",
        }
    }
}

impl fmt::Display for KeyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPart::Password => f.write_str("the password"),
            p => write!(f, "{:?}", p.as_str()),
        }
    }
}

/// A DER structure a key is read from or written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DerStructure {
    /// SubjectPublicKeyInfo (RFC 5280).
    Spki,
    /// PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5958).
    Pkcs8,
    /// The `CurvePrivateKey` OCTET STRING inside a PKCS#8 Ed25519/X25519 key (RFC 8410).
    Pkcs8CurvePrivateKey,
    /// PKCS#1 RSAPublicKey.
    Pkcs1Public,
    /// PKCS#1 RSAPrivateKey.
    Pkcs1Private,
    /// SEC1 ECPrivateKey (RFC 5915).
    Sec1,
}

impl fmt::Display for DerStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DerStructure::Spki => "SubjectPublicKeyInfo",
            DerStructure::Pkcs8 => "PKCS#8",
            DerStructure::Pkcs8CurvePrivateKey => "PKCS#8 CurvePrivateKey",
            DerStructure::Pkcs1Public => "PKCS#1 RSAPublicKey",
            DerStructure::Pkcs1Private => "PKCS#1 RSAPrivateKey",
            DerStructure::Sec1 => "SEC1 ECPrivateKey",
        })
    }
}

fn format_name(format: KeyFormat) -> &'static str {
    match format {
        KeyFormat::Spki => "SubjectPublicKeyInfo",
        KeyFormat::Pkcs8 => "PKCS#8",
        KeyFormat::Pkcs1 => "PKCS#1",
        KeyFormat::Sec1 => "SEC1",
    }
}

// ---------------------------------------------------------------------------------------------
// Error::InvalidKey.

/// What is wrong with a key ([`Error::InvalidKey`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// A required JWK (or JWK Set) member is absent.
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A JWK (or JWK Set) member has the wrong JSON type.
    WrongType {
        /// The member's name.
        member: &'static str,
        /// What it should have been.
        expected: JsonType,
    },
    /// A `kty` tessera does not implement.
    UnsupportedKty {
        /// The `kty` as given.
        kty: String,
    },
    /// A `crv` tessera does not implement for the key's `kty`.
    UnsupportedCurve {
        /// The `kty` (`"EC"` or `"OKP"`).
        kty: &'static str,
        /// The `crv` as given.
        crv: String,
    },
    /// An `AKP` key whose `alg` is not an algorithm tessera implements for it (RFC 9964 §3: the
    /// `alg` of an `AKP` key is part of its key material).
    UnsupportedAkpAlgorithm {
        /// The `alg` as given.
        alg: String,
    },
    /// A key-material member of another key type (e.g. `"x"` in an RSA key).
    MemberNotForKty {
        /// The member's name.
        member: &'static str,
        /// The key's `kty`.
        kty: &'static str,
    },
    /// `key_ops` lists an operation twice.
    RepeatedKeyOp {
        /// The repeated operation.
        op: String,
    },
    /// An RSA CRT member (`p`, `q`, `dp`, `dq`, `qi`) without the private exponent `d`.
    MemberWithoutD {
        /// The member's name.
        member: &'static str,
    },
    /// Some but not all of the RSA CRT members `p`, `q`, `dp`, `dq`, `qi`.
    IncompleteCrt,
    /// A multi-prime RSA key (`oth`, or PKCS#1 `otherPrimeInfos`).
    MultiPrimeRsa,
    /// The JWK's `alg` names an algorithm this key cannot serve.
    AlgDoesNotFit {
        /// The JWK's `alg`.
        alg: String,
        /// The key.
        key: KeyKind,
    },
    /// A part is empty.
    Empty {
        /// Which part.
        part: KeyPart,
    },
    /// A part has the wrong length.
    WrongLength {
        /// Which part.
        part: KeyPart,
        /// The length required, in bytes.
        expected: usize,
        /// The length given, in bytes.
        found: usize,
    },
    /// A part is out of range: an RSA exponent, an EC private scalar of zero or over the
    /// group order, an RSA private value larger than the modulus.
    OutOfRange {
        /// Which part.
        part: KeyPart,
    },
    /// The RSA modulus is smaller than the [`KeyPolicy`](crate::KeyPolicy) allows.
    RsaModulusTooSmall {
        /// The modulus size in bits.
        bits: usize,
        /// The smallest size accepted.
        min: usize,
    },
    /// The RSA modulus is larger than tessera accepts.
    RsaModulusTooLarge {
        /// The modulus size in bits.
        bits: usize,
        /// The largest size accepted.
        max: usize,
    },
    /// The RSA modulus is even.
    RsaModulusEven,
    /// The `rsa` crate refused the public key (the `source()` says why).
    RsaPublicKey,
    /// The `rsa` crate refused the private key: `d`, `p`, `q` do not belong to `n` and `e`
    /// (the `source()` says why).
    RsaPrivateKey,
    /// The RSA CRT values `dp`, `dq`, `qi` are not the ones `p`, `q` and `d` give.
    RsaCrtMismatch,
    /// The public point is not on the curve (or, for Ed25519, not a valid encoding).
    NotOnCurve {
        /// The curve.
        crv: Curve,
    },
    /// The public key has small order (Ed25519), or an X25519 exchange with it gives the
    /// all-zero secret.
    SmallOrder {
        /// The curve.
        crv: Curve,
    },
    /// The private key does not match the public key.
    PrivateDoesNotMatchPublic {
        /// The curve.
        crv: Curve,
    },
    /// The seed (`priv`) of an `AKP` key does not derive its public key (`pub`).
    SeedDoesNotMatchPublic {
        /// The key's algorithm.
        alg: AkpAlgorithm,
    },
    /// A point is not in the expected uncompressed encoding.
    PointEncoding {
        /// The curve.
        crv: Curve,
    },
    /// An HMAC key shorter than the hash output (RFC 7518 §3.2), or empty.
    HmacKeyTooShort {
        /// The HMAC algorithm.
        alg: JwsAlgorithm,
        /// The shortest key accepted, in bytes.
        min: usize,
        /// The key's length, in bytes.
        found: usize,
    },
    /// A symmetric key of the wrong length for a key-management algorithm.
    SymmetricKeyLength {
        /// The algorithm.
        alg: KeyManagementAlgorithm,
        /// The lengths accepted, in bytes.
        expected: &'static [usize],
        /// The key's length, in bytes.
        found: usize,
    },
    /// A primitive refused the key (the `source()` says why, when it gives a reason).
    Rejected {
        /// The part refused.
        part: KeyPart,
    },
    /// A PBES2 iteration count under the minimum (RFC 7518 §4.8.1.2).
    Pbes2TooFewIterations {
        /// The count given.
        p2c: u32,
        /// The smallest count accepted.
        min: u32,
    },
    /// A symmetric key length that cannot be generated.
    UnsupportedOctLength {
        /// The length asked for, in bytes.
        len: usize,
        /// The largest length, in bytes (the smallest is 1).
        max: usize,
    },
    /// An RSA key size that cannot be generated: under the policy's minimum, over the maximum,
    /// or not a multiple of 8.
    UnsupportedRsaBits {
        /// The size asked for.
        bits: usize,
        /// The smallest size accepted.
        min: usize,
        /// The largest size accepted.
        max: usize,
    },
    /// A freshly generated key lacks a value the generator always produces.
    GeneratedKeyIncomplete,
    /// The PEM text is malformed (the `source()` says why).
    Pem,
    /// There is no PEM block (other than `EC PARAMETERS`) in the text.
    NoPemBlock,
    /// A PEM block has no `-----END` line.
    PemWithoutEnd,
    /// A PEM `-----END` line is not terminated.
    PemEndNotTerminated,
    /// A PEM label tessera does not read.
    UnsupportedPemLabel {
        /// The label.
        label: String,
    },
    /// An encrypted PKCS#8 key (`ENCRYPTED PRIVATE KEY`); decrypt it first.
    EncryptedPkcs8,
    /// A DER structure does not parse (the `source()` says why).
    Der {
        /// The structure.
        structure: DerStructure,
    },
    /// The DER is none of SubjectPublicKeyInfo, PKCS#8, PKCS#1 or SEC1.
    UnrecognizedDer,
    /// A BIT STRING holding a key has unused bits.
    NotWholeBytes {
        /// The structure holding it.
        structure: DerStructure,
    },
    /// An algorithm OID tessera does not read.
    UnsupportedAlgorithmOid {
        /// The OID, dotted.
        oid: String,
    },
    /// An RSASSA-PSS-restricted key (OID 1.2.840.113549.1.1.10), which tessera does not read.
    RsaPssRestricted,
    /// A curve OID tessera does not implement.
    UnsupportedCurveOid {
        /// The OID, dotted.
        oid: String,
    },
    /// An EC key without curve parameters.
    MissingCurveParameters,
    /// EC parameters that are not a named curve (the `source()` says why).
    NotNamedCurve,
    /// Ed25519/X25519 algorithm identifiers with parameters (RFC 8410 forbids them).
    UnexpectedAlgorithmParameters,
    /// The PKCS#8 and the inner SEC1 curve parameters name different curves.
    CurveParametersDisagree,
    /// The public key stored beside a private key does not match it.
    EmbeddedPublicKeyMismatch {
        /// The structure holding both.
        structure: DerStructure,
    },
    /// The key cannot be written in this format at all.
    NoEncoding {
        /// The format asked for.
        format: KeyFormat,
        /// The key.
        key: KeyKind,
        /// Whether the key is private.
        private: bool,
    },
    /// Encoding the key failed (the `source()` says why).
    Encoding {
        /// The format being written.
        format: KeyFormat,
    },
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use KeyProblem as P;
        match self {
            P::MissingMember { member } => write!(f, "missing {member:?}"),
            P::WrongType { member, expected } => write!(f, "{member:?} must be {expected}"),
            P::UnsupportedKty { kty } => write!(f, "unsupported kty {kty:?}"),
            P::UnsupportedCurve { kty, crv } => write!(f, "unsupported {kty} curve {crv:?}"),
            P::UnsupportedAkpAlgorithm { alg } => write!(f, "unsupported AKP algorithm {alg:?}"),
            P::MemberNotForKty { member, kty } => {
                write!(f, "member {member:?} does not belong to kty {kty}")
            }
            P::RepeatedKeyOp { op } => write!(f, "\"key_ops\" repeats {op:?}"),
            P::MemberWithoutD { member } => write!(f, "{member:?} given without \"d\""),
            P::IncompleteCrt => {
                f.write_str("RSA \"p\", \"q\", \"dp\", \"dq\", \"qi\" must be given together")
            }
            P::MultiPrimeRsa => f.write_str("multi-prime RSA keys are not supported"),
            P::AlgDoesNotFit { alg, key } => {
                write!(f, "\"alg\" is {alg:?}, which a {key}")?;
                if let KeyKind::Oct { len } = key {
                    write!(f, " of {len} bytes")?;
                }
                f.write_str(" key cannot serve")
            }
            P::Empty {
                part: KeyPart::Password,
            } => f.write_str("empty password"),
            P::Empty { part: KeyPart::K } => f.write_str("empty symmetric key"),
            P::Empty { part } => write!(f, "{part} is empty"),
            P::WrongLength {
                part,
                expected,
                found,
            } => write!(f, "{part} must be {expected} bytes; got {found}"),
            P::OutOfRange { part } => write!(f, "{part} is out of range"),
            P::RsaModulusTooSmall { bits, min } => {
                write!(f, "RSA modulus is {bits} bits, under the minimum of {min}")
            }
            P::RsaModulusTooLarge { bits, max } => {
                write!(f, "RSA modulus is {bits} bits, over the maximum of {max}")
            }
            P::RsaModulusEven => f.write_str("RSA modulus is even"),
            P::RsaPublicKey => f.write_str("the RSA public key is refused"),
            P::RsaPrivateKey => f.write_str("the RSA private key is inconsistent"),
            P::RsaCrtMismatch => {
                f.write_str("the RSA CRT parameters dp, dq, qi do not match p, q and d")
            }
            P::NotOnCurve { crv: Curve::Okp(c) } => {
                write!(f, "the {} public key is not a valid point", c.as_str())
            }
            P::NotOnCurve { crv } => write!(f, "the point is not on {crv}"),
            P::SmallOrder { crv } => write!(f, "the {crv} public key has small order"),
            P::PrivateDoesNotMatchPublic { crv } => {
                write!(f, "the {crv} private key does not match the public key")
            }
            P::SeedDoesNotMatchPublic { alg } => write!(
                f,
                "the {alg} seed \"priv\" does not derive the public key \"pub\""
            ),
            P::PointEncoding { crv } => write!(f, "the {crv} point is not uncompressed"),
            P::HmacKeyTooShort { alg, min, found } => write!(
                f,
                "{alg} needs a key of at least {min} bytes (RFC 7518 §3.2); got {found}"
            ),
            P::SymmetricKeyLength {
                alg,
                expected,
                found,
            } => match expected {
                [n] => write!(f, "{alg} needs a key of exactly {n} bytes; got {found}"),
                _ => {
                    write!(f, "{alg} needs a key of ")?;
                    for (i, n) in expected.iter().enumerate() {
                        let sep = match i {
                            0 => "",
                            i if i + 1 == expected.len() => " or ",
                            _ => ", ",
                        };
                        write!(f, "{sep}{n}")?;
                    }
                    write!(f, " bytes; got {found}")
                }
            },
            P::Rejected { part } => write!(f, "{part} is refused by the primitive"),
            P::Pbes2TooFewIterations { p2c, min } => {
                write!(f, "PBES2 needs at least {min} iterations; got {p2c}")
            }
            P::UnsupportedOctLength { len, max } => {
                write!(
                    f,
                    "symmetric key length must be 1 to {max} bytes; got {len}"
                )
            }
            P::UnsupportedRsaBits { bits, min, max } => write!(
                f,
                "RSA key size {bits} is not a multiple of 8 between {min} and {max}"
            ),
            P::GeneratedKeyIncomplete => f.write_str("the generated key is incomplete"),
            P::Pem => f.write_str("malformed PEM"),
            P::NoPemBlock => f.write_str("no PEM key block found"),
            P::PemWithoutEnd => f.write_str("PEM block has no END line"),
            P::PemEndNotTerminated => f.write_str("PEM END line is not terminated"),
            P::UnsupportedPemLabel { label } => write!(f, "unsupported PEM label {label:?}"),
            P::EncryptedPkcs8 => {
                f.write_str("encrypted PKCS#8 keys are not supported; decrypt the key first")
            }
            P::Der { structure } => write!(f, "malformed {structure}"),
            P::UnrecognizedDer => {
                f.write_str("not a DER SubjectPublicKeyInfo, PKCS#8, PKCS#1 or SEC1 key")
            }
            P::NotWholeBytes { structure } => write!(f, "{structure} key is not whole bytes"),
            P::UnsupportedAlgorithmOid { oid } => {
                write!(f, "unsupported key algorithm OID {oid}")
            }
            P::RsaPssRestricted => f.write_str(
                "RSASSA-PSS-restricted keys (OID 1.2.840.113549.1.1.10) are not supported",
            ),
            P::UnsupportedCurveOid { oid } => write!(f, "unsupported EC curve OID {oid}"),
            P::MissingCurveParameters => f.write_str("EC key without curve parameters"),
            P::NotNamedCurve => f.write_str("EC key parameters are not a named curve"),
            P::UnexpectedAlgorithmParameters => {
                f.write_str("Ed25519/X25519 algorithm identifiers take no parameters (RFC 8410)")
            }
            P::CurveParametersDisagree => {
                f.write_str("the PKCS#8 and SEC1 curve parameters disagree")
            }
            P::EmbeddedPublicKeyMismatch { structure } => {
                write!(
                    f,
                    "the {structure} public key does not match the private key"
                )
            }
            P::NoEncoding {
                key: KeyKind::Oct { .. } | KeyKind::Password,
                ..
            } => f.write_str("a symmetric key has no PEM or DER encoding"),
            P::NoEncoding {
                format,
                key,
                private,
            } => write!(
                f,
                "a {} {key} key cannot be written as {}",
                if *private { "private" } else { "public" },
                format_name(*format)
            ),
            P::Encoding { format } => {
                write!(f, "the key cannot be encoded as {}", format_name(*format))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::KeyMismatch.

/// Why a key does not fit an algorithm or operation ([`Error::KeyMismatch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MismatchProblem {
    /// The key's type (or curve) cannot be used with the algorithm.
    WrongKeyType {
        /// The key.
        key: KeyKind,
        /// The algorithm.
        alg: &'static str,
    },
    /// The JWK's own `alg` names another algorithm.
    KeyAlg {
        /// The JWK's `alg`.
        key_alg: String,
        /// The algorithm asked for.
        alg: &'static str,
    },
    /// The JWK's `use` rules the operation out.
    Use {
        /// The key's `use`.
        key_use: KeyUse,
        /// The `use` the operation needs.
        expected: KeyUse,
    },
    /// The JWK's `key_ops` include none of the operations that would allow this use.
    KeyOps {
        /// The operations that would.
        needed: &'static [&'static str],
    },
    /// A header names another algorithm than the key's.
    HeaderAlg {
        /// The header's `alg`.
        header_alg: String,
        /// The key's algorithm.
        key_alg: &'static str,
    },
    /// A `dir` key whose length is not the content encryption algorithm's key length.
    DirKeyLength {
        /// The content encryption algorithm.
        enc: &'static str,
        /// The length it needs, in bytes.
        expected: usize,
        /// The key's length, in bytes.
        found: usize,
    },
    /// A PBES2 iteration count was set on a key that is not a PBES2 password.
    P2cWithoutPbes2,
    /// The key agrees the content encryption key directly (`dir`, `ECDH-ES`); it wraps none.
    DirectKey {
        /// The key's algorithm.
        alg: &'static str,
    },
    /// The key wraps the content encryption key; it does not agree it directly.
    NotDirectKey {
        /// The key's algorithm.
        alg: &'static str,
    },
    /// The fixed ephemeral key (a test hazard) is on another curve than the recipient's.
    FixedEpkCurve,
}

impl fmt::Display for MismatchProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MismatchProblem as P;
        match self {
            P::WrongKeyType {
                key: KeyKind::Password,
                alg,
            } => write!(f, "a password cannot be used with {alg}"),
            P::WrongKeyType { key, alg } => write!(f, "a {key} key cannot be used with {alg}"),
            P::KeyAlg { key_alg, alg } => write!(f, "the key is for {key_alg}, not {alg}"),
            P::Use { key_use, expected } => write!(
                f,
                "the key's use is {:?}, not {:?}",
                key_use.as_str(),
                expected.as_str()
            ),
            P::KeyOps { needed: [op] } => write!(f, "the key's key_ops do not include {op:?}"),
            P::KeyOps { needed } => write!(f, "the key's key_ops include none of {needed:?}"),
            P::HeaderAlg {
                header_alg,
                key_alg,
            } => write!(
                f,
                "the header says {header_alg} but the key is for {key_alg}"
            ),
            P::DirKeyLength {
                enc,
                expected,
                found,
            } => write!(
                f,
                "{enc} needs a {expected}-byte key; the dir key has {found}"
            ),
            P::P2cWithoutPbes2 => f.write_str("p2c applies to PBES2 keys only"),
            P::DirectKey { alg } => write!(f, "{alg} agrees the key directly and wraps none"),
            P::NotDirectKey { alg } => write!(f, "{alg} is not a direct key agreement"),
            P::FixedEpkCurve => f.write_str("the fixed epk is on another curve"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::InvalidHeader.

/// What is wrong with a JOSE header ([`Error::InvalidHeader`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// A member has the wrong JSON type.
    WrongType {
        /// The member's name.
        member: &'static str,
        /// What it should have been.
        expected: JsonType,
    },
    /// A required member is absent.
    Missing {
        /// The member's name.
        member: &'static str,
        /// The algorithm that needs it, when only some algorithms do.
        alg: Option<&'static str>,
    },
    /// A number is out of range.
    OutOfRange {
        /// The member's name.
        member: &'static str,
    },
    /// A member has the wrong length (decoded).
    WrongLength {
        /// The member's name.
        member: &'static str,
        /// The length required, in bytes.
        expected: usize,
        /// The length given, in bytes.
        found: usize,
    },
    /// A member's length (decoded) is outside the accepted range.
    LengthOutOfRange {
        /// The member's name.
        member: &'static str,
        /// The shortest accepted, in bytes.
        min: usize,
        /// The longest accepted, in bytes.
        max: usize,
        /// The length given, in bytes.
        found: usize,
    },
    /// A member that must be integrity protected is in an unprotected header.
    NotProtected {
        /// The member's name.
        member: &'static str,
    },
    /// A member that must be in a shared header is in a per-recipient header.
    NotShared {
        /// The member's name.
        member: &'static str,
    },
    /// A parameter appears in more than one of the headers (they must be disjoint).
    InMoreThanOneHeader {
        /// The parameter's name.
        member: String,
    },
    /// A member's value is not the one the key or call requires.
    ValueMismatch {
        /// The member's name.
        member: &'static str,
        /// The value required.
        expected: &'static str,
    },
    /// `epk` is not a valid public key (the `source()` says why).
    InvalidEpk,
    /// `epk` holds a private key.
    EpkNotPublic,
    /// `epk` is not a point on the recipient's curve.
    EpkNotOnCurve,
    /// `epk` is an X25519 point of small order (all-zero shared secret).
    EpkSmallOrder,
    /// A nested JWT's JWE header does not say `cty: "JWT"` (RFC 7519 §5.2).
    NestedWithoutCtyJwt,
    /// An unencoded (`b64: false`) compact payload that is not UTF-8 or contains `.`
    /// (RFC 7797 §5.2).
    UnencodedCompactPayload,
    /// An unencoded (`b64: false`) JSON payload that is not UTF-8.
    UnencodedJsonPayload,
    /// The fixed protected header (a test hazard) does not encode the computed one.
    FixedProtectedHeader,
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HeaderProblem as P;
        match self {
            P::WrongType { member, expected } => write!(f, "member {member:?} must be {expected}"),
            P::Missing { member, alg: None } => write!(f, "missing member {member:?}"),
            P::Missing {
                member,
                alg: Some(alg),
            } => write!(f, "{alg} needs {member:?}"),
            P::OutOfRange { member } => write!(f, "{member:?} is out of range"),
            P::WrongLength {
                member,
                expected,
                found,
            } => write!(f, "{member:?} must be {expected} bytes; got {found}"),
            P::LengthOutOfRange {
                member,
                min,
                max,
                found,
            } => write!(f, "{member:?} must be {min} to {max} bytes; got {found}"),
            P::NotProtected { member } => write!(f, "{member:?} must be in the protected header"),
            P::NotShared { member } => write!(f, "put {member:?} in a shared header"),
            P::InMoreThanOneHeader { member } => {
                write!(f, "parameter {member:?} appears in more than one header")
            }
            P::ValueMismatch { member, expected } => {
                write!(f, "{member:?} in the header is not {expected}")
            }
            P::InvalidEpk => f.write_str("\"epk\" is not a valid public key"),
            P::EpkNotPublic => f.write_str("\"epk\" must be a public key"),
            P::EpkNotOnCurve => f.write_str("\"epk\" is not a point on the recipient's curve"),
            P::EpkSmallOrder => f.write_str(
                "\"epk\" is an X25519 point of small order (all-zero shared secret)",
            ),
            P::NestedWithoutCtyJwt => {
                f.write_str("a nested JWT must have cty \"JWT\" in its JWE header")
            }
            P::UnencodedCompactPayload => f.write_str(
                "an unencoded compact payload must be UTF-8 without '.' (RFC 7797 §5.2); use the JSON serialization or a detached payload",
            ),
            P::UnencodedJsonPayload => f.write_str(
                "an unencoded JSON payload must be UTF-8; use a detached payload",
            ),
            P::FixedProtectedHeader => {
                f.write_str("the fixed protected header does not encode the computed one")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::InvalidJson.

/// What is wrong with a JWS or JWE JSON serialization ([`Error::InvalidJson`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonProblem {
    /// A member has the wrong JSON type.
    WrongType {
        /// The member's name.
        member: &'static str,
        /// What it should have been.
        expected: JsonType,
    },
    /// A required member is absent.
    Missing {
        /// The member's name.
        member: &'static str,
    },
    /// An array that must not be empty is.
    Empty {
        /// The member's name.
        member: &'static str,
    },
    /// The general serialization with a member of the flattened one at the top level.
    FlattenedMemberInGeneral {
        /// The member's name.
        member: &'static str,
    },
    /// A JWS signature with neither `protected` nor `header`.
    NoHeader,
    /// A JWS with neither `signatures` (general) nor `signature` (flattened).
    NoSignatures,
    /// A JWS JSON signer with no signature to make.
    NothingToSign,
    /// The flattened serialization holds exactly one signature.
    FlattenedNeedsOne {
        /// The number of signatures there are.
        found: usize,
    },
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use JsonProblem as P;
        match self {
            P::WrongType { member, expected } => write!(f, "{member:?} must be {expected}"),
            P::Missing { member } => write!(f, "missing {member:?}"),
            P::Empty { member } => write!(f, "{member:?} is empty"),
            P::FlattenedMemberInGeneral { member } => {
                write!(
                    f,
                    "general serialization with a top-level {member:?} member"
                )
            }
            P::NoHeader => {
                f.write_str("a signature has neither a \"protected\" nor a \"header\" member")
            }
            P::NoSignatures => f.write_str(
                "neither \"signatures\" (general) nor \"signature\" (flattened) is present",
            ),
            P::NothingToSign => f.write_str("no signatures to make"),
            P::FlattenedNeedsOne { found } => write!(
                f,
                "the flattened serialization has exactly one signature, not {found}"
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::Crit.

/// What is wrong with `crit` (or `b64`, which must be listed there) ([`Error::Crit`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CritProblem {
    /// `crit` is in an unprotected header.
    NotProtected,
    /// `crit` is not an array of strings.
    NotStringArray,
    /// `crit` is empty.
    Empty,
    /// `crit` lists a name twice.
    Repeated {
        /// The name.
        name: String,
    },
    /// `crit` lists a parameter the specification defines.
    Registered {
        /// The name.
        name: String,
    },
    /// A critical extension the application does not understand.
    NotUnderstood {
        /// The name.
        name: String,
    },
    /// `crit` lists a name that is not in the header.
    Absent {
        /// The name.
        name: String,
    },
    /// A critical parameter is in an unprotected header.
    ParameterNotProtected {
        /// The name.
        name: String,
    },
    /// `b64` is present but not listed in `crit` (RFC 7797 §6).
    B64NotListed,
    /// `b64` is in an unprotected header (RFC 7797 §3).
    B64NotProtected,
    /// `b64` differs between the signatures (RFC 7797 §3).
    B64Inconsistent,
}

impl fmt::Display for CritProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CritProblem as P;
        match self {
            P::NotProtected => f.write_str("\"crit\" must be in the protected header"),
            P::NotStringArray => f.write_str("\"crit\" must be an array of strings"),
            P::Empty => f.write_str("\"crit\" must not be empty"),
            P::Repeated { name } => write!(f, "\"crit\" repeats {name:?}"),
            P::Registered { name } => write!(
                f,
                "\"crit\" lists {name:?}, a parameter the specification defines"
            ),
            P::NotUnderstood { name } => {
                write!(f, "the critical extension {name:?} is not understood")
            }
            P::Absent { name } => write!(f, "\"crit\" lists {name:?}, which is not in the header"),
            P::ParameterNotProtected { name } => write!(
                f,
                "the critical parameter {name:?} is not in the protected header"
            ),
            P::B64NotListed => f.write_str("\"b64\" must be listed in \"crit\""),
            P::B64NotProtected => {
                f.write_str("\"b64\" must be in the protected header (RFC 7797 §3)")
            }
            P::B64Inconsistent => {
                f.write_str("\"b64\" must have the same value in every signature (RFC 7797 §3)")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::InvalidJwe.

/// A binary segment of a JWE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JweSegment {
    /// The encrypted key.
    EncryptedKey,
    /// The initialization vector.
    Iv,
    /// The authentication tag.
    Tag,
}

impl fmt::Display for JweSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JweSegment::EncryptedKey => "encrypted key",
            JweSegment::Iv => "IV",
            JweSegment::Tag => "authentication tag",
        })
    }
}

/// What is structurally wrong with a JWE ([`Error::InvalidJwe`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JweProblem {
    /// A JWE with no recipient.
    NoRecipients,
    /// `dir` or `ECDH-ES` (one recipient only) combined with other recipients.
    DirectWithOthers,
    /// A segment of the wrong length.
    WrongLength {
        /// The segment.
        part: JweSegment,
        /// The length required, in bytes.
        expected: usize,
        /// The length given, in bytes.
        found: usize,
    },
    /// A segment whose length is outside the accepted range.
    LengthOutOfRange {
        /// The segment.
        part: JweSegment,
        /// The shortest accepted, in bytes.
        min: usize,
        /// The longest accepted, in bytes.
        max: usize,
        /// The length given, in bytes.
        found: usize,
    },
    /// A segment longer than accepted, refused before decoding.
    TooLong {
        /// The segment.
        part: JweSegment,
        /// The longest accepted, in bytes.
        max: usize,
    },
    /// The flattened serialization holds exactly one recipient.
    FlattenedNeedsOne {
        /// The number of recipients there are.
        found: usize,
    },
    /// The compact serialization holds exactly one recipient.
    CompactNeedsOne {
        /// The number of recipients there are.
        found: usize,
    },
    /// The compact serialization has no unprotected header, no per-recipient header and no
    /// AAD.
    CompactWithUnprotected,
    /// The compressed plaintext is not valid DEFLATE.
    InvalidDeflate,
    /// The plaintext of a nested JWT is not UTF-8.
    NestedNotUtf8,
}

impl fmt::Display for JweProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use JweProblem as P;
        match self {
            P::NoRecipients => f.write_str("a JWE needs at least one recipient"),
            P::DirectWithOthers => f.write_str(
                "dir and ECDH-ES agree the CEK with one recipient; they cannot be combined with others",
            ),
            P::WrongLength {
                part,
                expected,
                found,
            } => write!(f, "the {part} must be {expected} bytes; got {found}"),
            P::LengthOutOfRange {
                part,
                min,
                max,
                found,
            } => write!(f, "the {part} must be {min} to {max} bytes; got {found}"),
            P::TooLong { part, max } => write!(f, "the {part} is over {max} bytes"),
            P::FlattenedNeedsOne { found } => write!(
                f,
                "the flattened serialization holds exactly one recipient, not {found}"
            ),
            P::CompactNeedsOne { found } => {
                write!(f, "a compact JWE holds exactly one recipient, not {found}")
            }
            P::CompactWithUnprotected => {
                f.write_str("a compact JWE has no unprotected header and no AAD")
            }
            P::InvalidDeflate => f.write_str("the compressed plaintext is not valid DEFLATE"),
            P::NestedNotUtf8 => f.write_str("the nested token is not UTF-8"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::Crypto.

/// A JWE primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Primitive {
    /// AES-GCM (content encryption or key wrap).
    AesGcm,
    /// AES-CBC of AES_CBC_HMAC_SHA2.
    AesCbc,
    /// The HMAC tag of AES_CBC_HMAC_SHA2.
    CbcHmac,
    /// AES key wrap (RFC 3394).
    AesKw,
    /// The Concat KDF of ECDH-ES.
    ConcatKdf,
    /// PBES2 key derivation.
    Pbes2,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Primitive::AesGcm => "AES-GCM",
            Primitive::AesCbc => "AES-CBC",
            Primitive::CbcHmac => "AES-CBC-HMAC",
            Primitive::AesKw => "AES key wrap",
            Primitive::ConcatKdf => "Concat KDF",
            Primitive::Pbes2 => "PBES2",
        })
    }
}

/// What a JWE primitive refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrimitiveInput {
    /// A key of the wrong length.
    KeyLength,
    /// An IV of the wrong length.
    IvLength,
    /// An input (plaintext, AAD, key to wrap) too long or of the wrong length.
    InputLength,
    /// An algorithm the primitive does not serve.
    Algorithm,
}

impl fmt::Display for PrimitiveInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrimitiveInput::KeyLength => "key of the wrong length",
            PrimitiveInput::IvLength => "IV of the wrong length",
            PrimitiveInput::InputLength => "input of the wrong length",
            PrimitiveInput::Algorithm => "an algorithm it does not serve",
        })
    }
}

/// The cryptographic operation that failed ([`Error::Crypto`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CryptoOp {
    /// Signing (the `source()` is the signer's error).
    Sign {
        /// The signature algorithm.
        alg: JwsAlgorithm,
    },
    /// A signature was to be written into a buffer too small for it.
    SignatureBuffer {
        /// The signature's length, in bytes.
        needed: usize,
        /// The buffer's length, in bytes.
        available: usize,
    },
    /// Generating an RSA key (the `source()` is the `rsa` crate's error).
    RsaKeyGeneration {
        /// The size asked for, in bits.
        bits: usize,
    },
    /// RSA encryption of the content encryption key (the `source()` is the `rsa` crate's
    /// error, e.g. a message too long for the modulus).
    RsaEncrypt {
        /// The key management algorithm.
        alg: KeyManagementAlgorithm,
    },
    /// A JWE primitive refused its input.
    Primitive {
        /// The primitive.
        primitive: Primitive,
        /// What it refused.
        input: PrimitiveInput,
    },
}

impl fmt::Display for CryptoOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoOp::Sign { alg } => write!(f, "signing with {alg}"),
            CryptoOp::SignatureBuffer { needed, available } => write!(
                f,
                "a {available}-byte buffer cannot hold a {needed}-byte signature"
            ),
            CryptoOp::RsaKeyGeneration { bits } => write!(f, "RSA key generation ({bits} bits)"),
            CryptoOp::RsaEncrypt { alg } => write!(f, "{alg} encryption"),
            CryptoOp::Primitive { primitive, input } => write!(f, "{primitive}: {input}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error::Disabled.

/// A feature disabled by policy ([`Error::Disabled`]); the Display names the opt-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisabledFeature {
    /// Decrypting `RSA1_5` (Bleichenbacher); `JweOptions::insecure_allow_rsa1_5` enables it.
    Rsa1_5,
    /// Encrypting with `RSA1_5`, which tessera never does (RFC 8725 §3.2).
    Rsa1_5Encryption,
    /// Decrypting PBES2; `JweOptions::allow_pbes2` enables it.
    Pbes2 {
        /// The PBES2 algorithm.
        alg: KeyManagementAlgorithm,
    },
    /// Decompressing (`zip: DEF`); `JweOptions::allow_zip` enables it.
    Zip,
}

impl fmt::Display for DisabledFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisabledFeature::Rsa1_5 => f.write_str(
                "RSA1_5 is refused (Bleichenbacher); enable JweOptions::insecure_allow_rsa1_5 only for legacy peers",
            ),
            DisabledFeature::Rsa1_5Encryption => f.write_str(
                "RSA1_5 is never used to encrypt (RFC 8725 §3.2: Bleichenbacher); use RSA-OAEP-256",
            ),
            DisabledFeature::Pbes2 { alg } => {
                write!(f, "{alg} is refused; enable JweOptions::allow_pbes2")
            }
            DisabledFeature::Zip => f.write_str(
                "compressed JWE (zip: DEF) is refused; enable JweOptions::allow_zip",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    //! A representative error of each category carries the right data, and a foreign cause is
    //! the `source()`, not part of the message.

    use std::error::Error as _;

    use super::*;
    use crate::alg::ContentEncryptionAlgorithm as Enc;
    use crate::jwe::{self, CompactJwe, EncryptionKey, JweHeader, JweOptions};
    use crate::jwk::{Jwk, KeyParams};
    use crate::jws::{self, CompactJws, JsonJws, JwsHeader, JwsOptions};
    use crate::{KeyPolicy, SigningKey};

    fn vector(name: &str) -> String {
        let path = format!(
            "{}/../../tests/vectors/pem/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    /// Display never contains the source's own message.
    fn source_not_repeated(e: &Error) {
        let source = e.source().expect("a source").to_string();
        assert!(!source.is_empty());
        assert!(!e.to_string().contains(&source), "{e} repeats {source}");
    }

    #[test]
    fn pem_and_der_errors_keep_the_decoder_error_as_source() {
        let e = Jwk::from_pem("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n")
            .unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidKey {
                problem: KeyProblem::Pem,
                ..
            }
        ));
        assert!(e.source().unwrap().is::<pem_rfc7468::Error>());
        assert_eq!(e.to_string(), "invalid key: malformed PEM");
        source_not_repeated(&e);

        let e = Jwk::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidKey {
                problem: KeyProblem::Der {
                    structure: DerStructure::Spki
                },
                ..
            }
        ));
        assert!(e.source().unwrap().is::<pkcs8::der::Error>());
        assert_eq!(e.to_string(), "invalid key: malformed SubjectPublicKeyInfo");
        source_not_repeated(&e);
    }

    #[test]
    fn rsa_refusals_keep_the_rsa_error_as_source() {
        let KeyParams::Rsa(p) = Jwk::from_pem(&vector("rsa2048.spki.pem"))
            .unwrap()
            .params()
            .clone()
        else {
            panic!()
        };
        // An odd exponent of 41 bits passes the JWK checks; the rsa crate caps it at 33 bits.
        let mut json = Jwk::new(KeyParams::Rsa(p)).unwrap().to_json_value();
        json.insert(
            "e".into(),
            tessera_core::b64::encode([1, 0, 0, 0, 0, 1]).into(),
        );
        let jwk = Jwk::from_map(json).unwrap();
        let e = crate::VerifyingKey::from_jwk(&jwk, JwsAlgorithm::RS256).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidKey {
                problem: KeyProblem::RsaPublicKey,
                ..
            }
        ));
        assert!(e.source().unwrap().is::<rsa::Error>());
        source_not_repeated(&e);

        // RSA-OAEP-512 cannot carry any key in a 1024-bit modulus: the rsa crate refuses.
        let policy = KeyPolicy::default().insecure_min_rsa_bits(1024);
        let small = Jwk::from_pem_with_policy(&vector("rsa1024.pkcs8.pem"), &policy).unwrap();
        let alg = KeyManagementAlgorithm::RsaOaep512;
        let to =
            EncryptionKey::from_jwk_with_policy(&small.to_public().unwrap(), alg, &policy).unwrap();
        let e = jwe::encrypt_compact(&JweHeader::new(alg, Enc::A256Gcm), b"x", &to).unwrap_err();
        assert!(matches!(
            e,
            Error::Crypto {
                op: CryptoOp::RsaEncrypt {
                    alg: KeyManagementAlgorithm::RsaOaep512
                },
                ..
            }
        ));
        assert!(e.source().unwrap().is::<rsa::Error>());
        assert_eq!(
            e.to_string(),
            "cryptographic operation failed: RSA-OAEP-512 encryption"
        );
        source_not_repeated(&e);
    }

    #[test]
    fn own_checks_have_no_source() {
        // InvalidKey.
        let e = Jwk::from_json(br#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidKey {
                problem: KeyProblem::WrongLength {
                    part: KeyPart::X,
                    expected: 32,
                    found: 3
                },
                source: None
            }
        ));
        assert_eq!(e.to_string(), r#"invalid key: "x" must be 32 bytes; got 3"#);
        assert!(e.source().is_none());

        // KeyMismatch.
        let ec = Jwk::generate_ec(EcCurve::P256).unwrap();
        let e = SigningKey::from_jwk(&ec, JwsAlgorithm::RS256).unwrap_err();
        assert!(matches!(
            e,
            Error::KeyMismatch {
                problem: MismatchProblem::WrongKeyType {
                    key: KeyKind::Ec(EcCurve::P256),
                    alg: "RS256"
                }
            }
        ));
        assert_eq!(
            e.to_string(),
            "key does not fit: a EC P-256 key cannot be used with RS256"
        );

        // Crypto, without a foreign cause.
        let hs = SigningKey::from_hmac_secret(&[1; 32], JwsAlgorithm::HS256).unwrap();
        let e = hs.sign_to_slice(b"x", &mut [0u8; 8]).unwrap_err();
        assert!(matches!(
            e,
            Error::Crypto {
                op: CryptoOp::SignatureBuffer {
                    needed: 32,
                    available: 8
                },
                source: None
            }
        ));

        // InvalidHeader.
        let mut map = serde_json::Map::new();
        map.insert("alg".into(), "PBES2-HS256+A128KW".into());
        map.insert("enc".into(), "A128GCM".into());
        map.insert("p2c".into(), 0.into());
        let e = JweHeader::from_map(&map).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidHeader {
                problem: HeaderProblem::WrongType {
                    member: "p2c",
                    expected: JsonType::PositiveInteger
                },
                source: None
            }
        ));

        // InvalidJson.
        let e = JsonJws::parse("{}", &JwsOptions::default()).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidJson {
                problem: JsonProblem::NoSignatures
            }
        ));

        // Crit.
        let mut h = JwsHeader::new(JwsAlgorithm::HS256);
        h.crit = Some(Vec::new());
        assert!(matches!(
            h.check_crit(&[], true),
            Err(Error::Crit {
                problem: CritProblem::Empty
            })
        ));

        // DetachedPayload.
        let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"x", &hs).unwrap();
        let parsed = CompactJws::parse(&token, &JwsOptions::default()).unwrap();
        let e = parsed
            .verify_detached(hs.verifying_key(), b"x")
            .unwrap_err();
        assert!(matches!(e, Error::DetachedPayload { detached: false }));
    }

    #[test]
    fn jwe_categories() {
        let alg = KeyManagementAlgorithm::Pbes2Hs256A128KW;
        let to = EncryptionKey::from_password(b"pw", alg).unwrap();
        let token = jwe::encrypt_compact(&JweHeader::new(alg, Enc::A128Gcm), b"x", &to).unwrap();
        // Disabled, naming the opt-in.
        let e = CompactJwe::parse(&token, &JweOptions::default()).unwrap_err();
        assert!(matches!(
            e,
            Error::Disabled {
                feature: DisabledFeature::Pbes2 {
                    alg: KeyManagementAlgorithm::Pbes2Hs256A128KW
                }
            }
        ));
        assert!(e.to_string().contains("JweOptions::allow_pbes2"), "{e}");
        // InvalidJwe: an IV of the wrong length.
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[2] = "AAAA";
        let short_iv = parts.join(".");
        let opts = JweOptions::default().with_pbes2(10_000);
        let e = CompactJwe::parse(&short_iv, &opts).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidJwe {
                problem: JweProblem::WrongLength {
                    part: JweSegment::Iv,
                    expected: 12,
                    found: 3
                }
            }
        ));
        assert_eq!(e.to_string(), "invalid JWE: the IV must be 12 bytes; got 3");
    }

    #[test]
    fn payloads_read_as_one_line() {
        let samples: Vec<Error> = vec![
            KeyProblem::SymmetricKeyLength {
                alg: KeyManagementAlgorithm::Dir,
                expected: &[16, 24, 32, 48, 64],
                found: 7,
            }
            .into(),
            KeyProblem::AlgDoesNotFit {
                alg: "A128KW".into(),
                key: KeyKind::Oct { len: 24 },
            }
            .into(),
            MismatchProblem::KeyOps {
                needed: &["wrapKey", "encrypt"],
            }
            .into(),
            HeaderProblem::Missing {
                member: "epk",
                alg: Some("ECDH-ES"),
            }
            .into(),
            DisabledFeature::Rsa1_5.into(),
        ];
        let text: Vec<String> = samples.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "invalid key: dir needs a key of 16, 24, 32, 48 or 64 bytes; got 7",
                "invalid key: \"alg\" is \"A128KW\", which a oct of 24 bytes key cannot serve",
                "key does not fit: the key's key_ops include none of [\"wrapKey\", \"encrypt\"]",
                "invalid JOSE header: ECDH-ES needs \"epk\"",
                "disabled: RSA1_5 is refused (Bleichenbacher); enable JweOptions::insecure_allow_rsa1_5 only for legacy peers",
            ]
        );
        assert!(text.iter().all(|t| !t.contains('\n')));
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
