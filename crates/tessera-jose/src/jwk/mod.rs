//! JSON Web Keys (RFC 7517), thumbprints (RFC 7638, RFC 9278) and key sets.
//!
//! Parsing is strict: repeated members, non-canonical base64url, wrong lengths, points off the
//! curve, and private parts that do not match the public part are all refused. Unknown members
//! are kept so that a key round-trips.
//!
//! Besides `RSA`, `EC`, `OKP` and `oct`, the `AKP` key type of RFC 9964 holds ML-DSA keys
//! (FIPS 204): `pub` is the public key, `priv` the 32-byte seed, and the `alg` member is part of
//! the key material, binding it to one of `ML-DSA-44`, `ML-DSA-65` and `ML-DSA-87`.

mod generate;
mod pem;
mod set;
mod thumbprint;

pub use generate::KeyAlgorithm;
pub use pem::KeyFormat;
pub use set::JwkSet;
pub use thumbprint::ThumbprintHash;

use std::fmt;

use serde_json::{Map, Value};
use tessera_core::{SecretBytes, b64};

use crate::Error;
use crate::error::{JsonType, KeyKind, KeyPart, KeyProblem};

/// The elliptic curves of `kty: EC` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EcCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
}

impl EcCurve {
    /// The registered `crv` name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    /// The length in bytes of a coordinate or private scalar.
    pub const fn field_len(self) -> usize {
        match self {
            EcCurve::P256 => 32,
            EcCurve::P384 => 48,
            EcCurve::P521 => 66,
        }
    }

    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "P-256" => Ok(EcCurve::P256),
            "P-384" => Ok(EcCurve::P384),
            "P-521" => Ok(EcCurve::P521),
            other => Err(KeyProblem::UnsupportedCurve {
                kty: "EC",
                crv: other.to_owned(),
            }
            .into()),
        }
    }
}

/// The curves of `kty: OKP` keys (RFC 8037).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OkpCurve {
    /// Ed25519, for signatures.
    Ed25519,
    /// X25519, for ECDH-ES key agreement.
    X25519,
}

impl OkpCurve {
    /// The registered `crv` name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OkpCurve::Ed25519 => "Ed25519",
            OkpCurve::X25519 => "X25519",
        }
    }

    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "Ed25519" => Ok(OkpCurve::Ed25519),
            "X25519" => Ok(OkpCurve::X25519),
            other => Err(KeyProblem::UnsupportedCurve {
                kty: "OKP",
                crv: other.to_owned(),
            }
            .into()),
        }
    }
}

/// The algorithms of `kty: AKP` keys (RFC 9964): an `AKP` key is bound to exactly one, named by
/// its required `alg` member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AkpAlgorithm {
    /// ML-DSA-44 (FIPS 204, security category 2).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204, security category 3).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204, security category 5).
    MlDsa87,
}

impl AkpAlgorithm {
    /// Every `AKP` algorithm tessera implements.
    pub const ALL: &'static [AkpAlgorithm] = &[
        AkpAlgorithm::MlDsa44,
        AkpAlgorithm::MlDsa65,
        AkpAlgorithm::MlDsa87,
    ];

    /// The length in bytes of the private key `priv`: the seed (RFC 9964 §4).
    pub const SEED_LEN: usize = 32;

    /// The registered name, the key's `alg`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AkpAlgorithm::MlDsa44 => "ML-DSA-44",
            AkpAlgorithm::MlDsa65 => "ML-DSA-65",
            AkpAlgorithm::MlDsa87 => "ML-DSA-87",
        }
    }

    /// The length in bytes of the public key `pub` (FIPS 204 Table 2).
    pub const fn public_key_len(self) -> usize {
        match self {
            AkpAlgorithm::MlDsa44 => 1312,
            AkpAlgorithm::MlDsa65 => 1952,
            AkpAlgorithm::MlDsa87 => 2592,
        }
    }

    /// The length in bytes of a signature (FIPS 204 Table 2).
    pub const fn signature_len(self) -> usize {
        match self {
            AkpAlgorithm::MlDsa44 => 2420,
            AkpAlgorithm::MlDsa65 => 3309,
            AkpAlgorithm::MlDsa87 => 4627,
        }
    }

    /// The JWS algorithm of the same name.
    pub const fn jws_algorithm(self) -> crate::JwsAlgorithm {
        match self {
            AkpAlgorithm::MlDsa44 => crate::JwsAlgorithm::MlDsa44,
            AkpAlgorithm::MlDsa65 => crate::JwsAlgorithm::MlDsa65,
            AkpAlgorithm::MlDsa87 => crate::JwsAlgorithm::MlDsa87,
        }
    }

    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "ML-DSA-44" => Ok(AkpAlgorithm::MlDsa44),
            "ML-DSA-65" => Ok(AkpAlgorithm::MlDsa65),
            "ML-DSA-87" => Ok(AkpAlgorithm::MlDsa87),
            other => Err(KeyProblem::UnsupportedAkpAlgorithm {
                alg: other.to_owned(),
            }
            .into()),
        }
    }
}

impl fmt::Display for AkpAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The intended use of a public key (`use`, RFC 7517 §4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUse {
    /// `sig`: signatures.
    Signature,
    /// `enc`: encryption.
    Encryption,
    /// Any other registered or private value.
    Other(String),
}

impl KeyUse {
    /// The value as it appears in the JWK.
    pub fn as_str(&self) -> &str {
        match self {
            KeyUse::Signature => "sig",
            KeyUse::Encryption => "enc",
            KeyUse::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sig" => KeyUse::Signature,
            "enc" => KeyUse::Encryption,
            other => KeyUse::Other(other.to_owned()),
        }
    }
}

/// RSA key parameters (RFC 7518 §6.3). Integers are big-endian without leading zeros.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RsaParams {
    /// The modulus `n`.
    pub n: Vec<u8>,
    /// The public exponent `e`.
    pub e: Vec<u8>,
    /// The private parameters, if this is a private key.
    pub private: Option<RsaPrivate>,
}

/// RSA private parameters. `p`, `q`, `dp`, `dq`, `qi` are present together or not at all.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RsaPrivate {
    /// The private exponent `d`.
    pub d: SecretBytes,
    /// The CRT parameters `p`, `q`, `dp`, `dq`, `qi`, when given.
    pub crt: Option<RsaCrt>,
}

/// RSA CRT parameters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RsaCrt {
    /// First prime factor.
    pub p: SecretBytes,
    /// Second prime factor.
    pub q: SecretBytes,
    /// First factor CRT exponent.
    pub dp: SecretBytes,
    /// Second factor CRT exponent.
    pub dq: SecretBytes,
    /// First CRT coefficient.
    pub qi: SecretBytes,
}

/// Elliptic-curve key parameters (RFC 7518 §6.2). The point has been checked to be on the curve.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EcParams {
    /// The curve.
    pub crv: EcCurve,
    /// The x coordinate, exactly [`EcCurve::field_len`] bytes.
    pub x: Vec<u8>,
    /// The y coordinate, exactly [`EcCurve::field_len`] bytes.
    pub y: Vec<u8>,
    /// The private scalar, exactly [`EcCurve::field_len`] bytes, matching `x`/`y`.
    pub d: Option<SecretBytes>,
}

/// Octet key pair parameters (RFC 8037).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OkpParams {
    /// The curve.
    pub crv: OkpCurve,
    /// The public key, 32 bytes.
    pub x: Vec<u8>,
    /// The private key, 32 bytes, matching `x`.
    pub d: Option<SecretBytes>,
}

/// Algorithm key pair parameters (`kty: AKP`, RFC 9964). The lengths have been checked against
/// the algorithm, and the seed against the public key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AkpParams {
    /// The one algorithm the key serves, its `alg` member.
    pub alg: AkpAlgorithm,
    /// The public key, the `pub` member: exactly [`AkpAlgorithm::public_key_len`] bytes.
    pub public: Vec<u8>,
    /// The private key, the `priv` member: the 32-byte seed the key pair is derived from
    /// (RFC 9964 §4), whose public key is `public`.
    pub seed: Option<SecretBytes>,
}

/// The key material of a JWK, by key type.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KeyParams {
    /// `kty: RSA`.
    Rsa(RsaParams),
    /// `kty: EC`.
    Ec(EcParams),
    /// `kty: OKP`.
    Okp(OkpParams),
    /// `kty: oct`: a symmetric key.
    Oct(SecretBytes),
    /// `kty: AKP`: an algorithm key pair (RFC 9964), an ML-DSA key.
    Akp(AkpParams),
}

impl KeyParams {
    /// The `kty` value.
    pub fn kty(&self) -> &'static str {
        match self {
            KeyParams::Rsa(_) => "RSA",
            KeyParams::Ec(_) => "EC",
            KeyParams::Okp(_) => "OKP",
            KeyParams::Oct(_) => "oct",
            KeyParams::Akp(_) => "AKP",
        }
    }
}

/// A JSON Web Key.
///
/// The key material is validated when the key is built or parsed; the metadata members are
/// public and may be changed freely.
///
/// ```
/// use tessera_jose::jwk::Jwk;
///
/// let jwk = Jwk::from_json(br#"{"kty":"EC","crv":"P-256",
///   "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
///   "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1"}"#).unwrap();
/// assert_eq!(jwk.kty(), "EC");
/// assert!(!jwk.is_private());
/// assert_eq!(jwk.thumbprint_sha256(), "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
/// ```
#[derive(Clone)]
pub struct Jwk {
    params: KeyParams,
    /// `kid`: the key ID.
    pub kid: Option<String>,
    /// `use`: the intended use.
    pub key_use: Option<KeyUse>,
    /// `key_ops`: the permitted operations (no repeats).
    pub key_ops: Option<Vec<String>>,
    /// `alg`: the one algorithm this key is meant for.
    pub alg: Option<String>,
    /// `x5c`: the certificate chain, standard base64 DER, as given. Kept, never fetched or
    /// trusted by tessera.
    pub x5c: Option<Vec<String>>,
    /// `x5t`: SHA-1 certificate thumbprint, as given.
    pub x5t: Option<String>,
    /// `x5t#S256`: SHA-256 certificate thumbprint, as given.
    pub x5t_s256: Option<String>,
    /// `x5u`: certificate URL, as given. Never followed.
    pub x5u: Option<String>,
    /// Members tessera does not interpret, kept for round trips.
    pub other: Map<String, Value>,
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Jwk");
        d.field("kty", &self.kty());
        match &self.params {
            KeyParams::Ec(p) => {
                d.field("crv", &p.crv.as_str());
            }
            KeyParams::Okp(p) => {
                d.field("crv", &p.crv.as_str());
            }
            KeyParams::Rsa(p) => {
                d.field("bits", &self.rsa_bits_of(p));
            }
            KeyParams::Oct(k) => {
                d.field("len", &k.len());
            }
            KeyParams::Akp(_) => {}
        }
        d.field("private", &self.is_private())
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("use", &self.key_use.as_ref().map(KeyUse::as_str))
            .finish_non_exhaustive()
    }
}

const KNOWN: &[&str] = &[
    "kty", "kid", "use", "key_ops", "alg", "x5c", "x5t", "x5t#S256", "x5u", "n", "e", "d", "p",
    "q", "dp", "dq", "qi", "oth", "crv", "x", "y", "k", "pub", "priv",
];

impl Jwk {
    /// Builds a JWK from validated key material, with no metadata.
    ///
    /// An `AKP` key gets its `alg`, which is part of its key material (RFC 9964 §3).
    pub fn new(params: KeyParams) -> Result<Self, Error> {
        validate(&params)?;
        let alg = match &params {
            KeyParams::Akp(p) => Some(p.alg.as_str().to_owned()),
            _ => None,
        };
        Ok(Jwk {
            params,
            kid: None,
            key_use: None,
            key_ops: None,
            alg,
            x5c: None,
            x5t: None,
            x5t_s256: None,
            x5u: None,
            other: Map::new(),
        })
    }

    /// Builds a symmetric (`oct`) key from raw bytes.
    pub fn from_oct(key: &[u8]) -> Result<Self, Error> {
        Jwk::new(KeyParams::Oct(SecretBytes::from_slice(key)))
    }

    /// Parses a JWK from JSON, strictly (repeated members are an error).
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let map = tessera_core::json::parse_object(json, "JWK")?;
        Jwk::from_map(map)
    }

    /// Builds a JWK from an already parsed JSON object.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Self, Error> {
        let kty = take_str(&mut map, "kty")?.ok_or(missing("kty"))?;
        let params = match kty.as_str() {
            "RSA" => parse_rsa(&mut map)?,
            "EC" => parse_ec(&mut map)?,
            "OKP" => parse_okp(&mut map)?,
            "AKP" => parse_akp(&mut map)?,
            "oct" => {
                let k = take_secret(&mut map, "k")?.ok_or(missing("k"))?;
                KeyParams::Oct(k)
            }
            other => {
                return Err(KeyProblem::UnsupportedKty {
                    kty: other.to_owned(),
                }
                .into());
            }
        };
        // Members that belong to other key types must not appear.
        for m in [
            "n", "e", "d", "p", "q", "dp", "dq", "qi", "oth", "crv", "x", "y", "k", "pub", "priv",
        ] {
            if map.contains_key(m) {
                return Err(KeyProblem::MemberNotForKty {
                    member: m,
                    kty: params.kty(),
                }
                .into());
            }
        }
        validate(&params)?;
        let alg = take_str(&mut map, "alg")?;
        if let Some(a) = &alg {
            check_alg_fits(a, &params)?;
        }
        let key_ops = match map.remove("key_ops") {
            None => None,
            Some(Value::Array(a)) => {
                let mut ops: Vec<String> = Vec::with_capacity(a.len());
                for v in a {
                    let Value::String(s) = v else {
                        return Err(wrong_type("key_ops", JsonType::StringArray));
                    };
                    if ops.contains(&s) {
                        return Err(KeyProblem::RepeatedKeyOp { op: s }.into());
                    }
                    ops.push(s);
                }
                Some(ops)
            }
            Some(_) => return Err(wrong_type("key_ops", JsonType::StringArray)),
        };
        let x5c = match map.remove("x5c") {
            None => None,
            Some(Value::Array(a)) => Some(
                a.into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        _ => Err(wrong_type("x5c", JsonType::StringArray)),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(wrong_type("x5c", JsonType::StringArray)),
        };
        Ok(Jwk {
            params,
            kid: take_str(&mut map, "kid")?,
            key_use: take_str(&mut map, "use")?.as_deref().map(KeyUse::parse),
            key_ops,
            alg,
            x5c,
            x5t: take_str(&mut map, "x5t")?,
            x5t_s256: take_str(&mut map, "x5t#S256")?,
            x5u: take_str(&mut map, "x5u")?,
            other: map,
        })
    }

    /// The key material.
    pub fn params(&self) -> &KeyParams {
        &self.params
    }

    /// The `kty` value.
    pub fn kty(&self) -> &'static str {
        self.params.kty()
    }

    /// Whether the key holds private (or symmetric) material.
    pub fn is_private(&self) -> bool {
        match &self.params {
            KeyParams::Rsa(p) => p.private.is_some(),
            KeyParams::Ec(p) => p.d.is_some(),
            KeyParams::Okp(p) => p.d.is_some(),
            KeyParams::Oct(_) => true,
            KeyParams::Akp(p) => p.seed.is_some(),
        }
    }

    /// Whether this is a symmetric (`oct`) key.
    pub fn is_symmetric(&self) -> bool {
        matches!(self.params, KeyParams::Oct(_))
    }

    /// The public half of the key, with its metadata. `None` for a symmetric key, which has no
    /// public half.
    pub fn to_public(&self) -> Option<Jwk> {
        let params = match &self.params {
            KeyParams::Rsa(p) => KeyParams::Rsa(RsaParams {
                n: p.n.clone(),
                e: p.e.clone(),
                private: None,
            }),
            KeyParams::Ec(p) => KeyParams::Ec(EcParams {
                crv: p.crv,
                x: p.x.clone(),
                y: p.y.clone(),
                d: None,
            }),
            KeyParams::Okp(p) => KeyParams::Okp(OkpParams {
                crv: p.crv,
                x: p.x.clone(),
                d: None,
            }),
            KeyParams::Akp(p) => KeyParams::Akp(AkpParams {
                alg: p.alg,
                public: p.public.clone(),
                seed: None,
            }),
            KeyParams::Oct(_) => return None,
        };
        let mut key_ops = self.key_ops.clone();
        if let Some(ops) = &mut key_ops {
            ops.retain(|o| {
                !matches!(
                    o.as_str(),
                    "sign" | "decrypt" | "unwrapKey" | "deriveKey" | "deriveBits"
                )
            });
        }
        Some(Jwk {
            params,
            kid: self.kid.clone(),
            key_use: self.key_use.clone(),
            key_ops,
            alg: self.alg.clone(),
            x5c: self.x5c.clone(),
            x5t: self.x5t.clone(),
            x5t_s256: self.x5t_s256.clone(),
            x5u: self.x5u.clone(),
            other: self.other.clone(),
        })
    }

    /// The RSA modulus size in bits, for RSA keys.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.params {
            KeyParams::Rsa(p) => Some(self.rsa_bits_of(p)),
            _ => None,
        }
    }

    fn rsa_bits_of(&self, p: &RsaParams) -> usize {
        bit_len(&p.n)
    }

    /// Sets `kid` (builder style).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `alg` (builder style).
    pub fn with_alg(mut self, alg: impl Into<String>) -> Self {
        self.alg = Some(alg.into());
        self
    }

    /// Sets `use` (builder style).
    pub fn with_use(mut self, key_use: KeyUse) -> Self {
        self.key_use = Some(key_use);
        self
    }

    /// The JWK as a JSON object, private members included if the key has them. An `AKP` key's
    /// `alg` is always its own algorithm (it is part of the key material), whatever
    /// [`Jwk::alg`] was set to.
    pub fn to_json_value(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("kty".into(), self.kty().into());
        let s = |v: &[u8]| Value::String(b64::encode(v));
        let secret = |v: &SecretBytes| Value::String(b64::encode_secret(v.expose()));
        match &self.params {
            KeyParams::Rsa(p) => {
                m.insert("n".into(), s(&p.n));
                m.insert("e".into(), s(&p.e));
                if let Some(private) = &p.private {
                    m.insert("d".into(), secret(&private.d));
                    if let Some(c) = &private.crt {
                        m.insert("p".into(), secret(&c.p));
                        m.insert("q".into(), secret(&c.q));
                        m.insert("dp".into(), secret(&c.dp));
                        m.insert("dq".into(), secret(&c.dq));
                        m.insert("qi".into(), secret(&c.qi));
                    }
                }
            }
            KeyParams::Ec(p) => {
                m.insert("crv".into(), p.crv.as_str().into());
                m.insert("x".into(), s(&p.x));
                m.insert("y".into(), s(&p.y));
                if let Some(d) = &p.d {
                    m.insert("d".into(), secret(d));
                }
            }
            KeyParams::Okp(p) => {
                m.insert("crv".into(), p.crv.as_str().into());
                m.insert("x".into(), s(&p.x));
                if let Some(d) = &p.d {
                    m.insert("d".into(), secret(d));
                }
            }
            KeyParams::Oct(k) => {
                m.insert("k".into(), secret(k));
            }
            KeyParams::Akp(p) => {
                m.insert("pub".into(), s(&p.public));
                if let Some(seed) = &p.seed {
                    m.insert("priv".into(), secret(seed));
                }
            }
        }
        let mut opt = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(name.into(), v.clone().into());
            }
        };
        opt("kid", &self.kid);
        opt("alg", &self.alg);
        opt("x5t", &self.x5t);
        opt("x5t#S256", &self.x5t_s256);
        opt("x5u", &self.x5u);
        if let KeyParams::Akp(p) = &self.params {
            m.insert("alg".into(), p.alg.as_str().into());
        }
        if let Some(u) = &self.key_use {
            m.insert("use".into(), u.as_str().into());
        }
        if let Some(ops) = &self.key_ops {
            m.insert("key_ops".into(), ops.clone().into());
        }
        if let Some(x5c) = &self.x5c {
            m.insert("x5c".into(), x5c.clone().into());
        }
        for (k, v) in &self.other {
            if !KNOWN.contains(&k.as_str()) {
                m.insert(k.clone(), v.clone());
            }
        }
        m
    }

    /// The JWK as compact JSON text.
    pub fn to_json(&self) -> String {
        Value::Object(self.to_json_value()).to_string()
    }
}

impl serde::Serialize for Jwk {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_value().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Jwk {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Strict: a repeated member at any depth is an error, not "last one wins".
        match serde::de::DeserializeSeed::deserialize(
            tessera_core::json::StrictSeed::new(&mut tessera_core::json::Recorder::<
                tessera_core::json::Repeated,
            >::new()),
            d,
        )? {
            Value::Object(map) => Jwk::from_map(map).map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom("a JWK must be a JSON object")),
        }
    }
}

fn missing(member: &'static str) -> KeyProblem {
    KeyProblem::MissingMember { member }
}

fn wrong_type(member: &'static str, expected: JsonType) -> Error {
    KeyProblem::WrongType { member, expected }.into()
}

fn take_str(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name, JsonType::String)),
    }
}

fn take_bytes(map: &mut Map<String, Value>, name: &'static str) -> Result<Option<Vec<u8>>, Error> {
    match take_str(map, name)? {
        None => Ok(None),
        Some(s) => Ok(Some(b64::decode_named(s, name)?)),
    }
}

fn take_secret(
    map: &mut Map<String, Value>,
    name: &'static str,
) -> Result<Option<SecretBytes>, Error> {
    match take_str(map, name)? {
        None => Ok(None),
        Some(s) => {
            let s = SecretBytes::new(s.into_bytes());
            let text = std::str::from_utf8(s.expose()).expect("the bytes of a String are UTF-8");
            Ok(Some(b64::decode_secret(text, name)?))
        }
    }
}

fn required_bytes(map: &mut Map<String, Value>, name: &'static str) -> Result<Vec<u8>, Error> {
    Ok(take_bytes(map, name)?.ok_or(missing(name))?)
}

/// The bit length of a big-endian integer without leading zero bytes.
fn bit_len(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize)
}

fn strip_leading_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let z = v.iter().take_while(|b| **b == 0).count();
    v.drain(..z);
    v
}

fn parse_rsa(map: &mut Map<String, Value>) -> Result<KeyParams, Error> {
    let n = strip_leading_zeros(required_bytes(map, "n")?);
    let e = strip_leading_zeros(required_bytes(map, "e")?);
    if map.contains_key("oth") {
        return Err(KeyProblem::MultiPrimeRsa.into());
    }
    let private = match take_secret(map, "d")? {
        None => {
            for m in ["p", "q", "dp", "dq", "qi"] {
                if map.contains_key(m) {
                    return Err(KeyProblem::MemberWithoutD { member: m }.into());
                }
            }
            None
        }
        Some(d) => {
            let p = take_secret(map, "p")?;
            let q = take_secret(map, "q")?;
            let dp = take_secret(map, "dp")?;
            let dq = take_secret(map, "dq")?;
            let qi = take_secret(map, "qi")?;
            let crt = match (p, q, dp, dq, qi) {
                (None, None, None, None, None) => None,
                (Some(p), Some(q), Some(dp), Some(dq), Some(qi)) => {
                    Some(RsaCrt { p, q, dp, dq, qi })
                }
                _ => return Err(KeyProblem::IncompleteCrt.into()),
            };
            Some(RsaPrivate { d, crt })
        }
    };
    Ok(KeyParams::Rsa(RsaParams { n, e, private }))
}

fn parse_ec(map: &mut Map<String, Value>) -> Result<KeyParams, Error> {
    let crv = take_str(map, "crv")?.ok_or(missing("crv"))?;
    let crv = EcCurve::parse(&crv)?;
    let x = required_bytes(map, "x")?;
    let y = required_bytes(map, "y")?;
    let d = take_secret(map, "d")?;
    Ok(KeyParams::Ec(EcParams { crv, x, y, d }))
}

fn parse_okp(map: &mut Map<String, Value>) -> Result<KeyParams, Error> {
    let crv = take_str(map, "crv")?.ok_or(missing("crv"))?;
    let crv = OkpCurve::parse(&crv)?;
    let x = required_bytes(map, "x")?;
    let d = take_secret(map, "d")?;
    Ok(KeyParams::Okp(OkpParams { crv, x, d }))
}

fn parse_akp(map: &mut Map<String, Value>) -> Result<KeyParams, Error> {
    // `alg` is required and names the algorithm (RFC 9964 §3); it stays in the map, to be read
    // as the JWK's `alg` like any other key's.
    let alg = match map.get("alg") {
        None => return Err(missing("alg").into()),
        Some(Value::String(s)) => AkpAlgorithm::parse(s)?,
        Some(_) => return Err(wrong_type("alg", JsonType::String)),
    };
    let public = required_bytes(map, "pub")?;
    let seed = take_secret(map, "priv")?;
    Ok(KeyParams::Akp(AkpParams { alg, public, seed }))
}

/// Refuses a key whose `alg` names an algorithm it cannot serve (e.g. an `oct` key with
/// `"alg":"RS256"`, a P-256 key with `"alg":"ES384"`, an `A128KW` key that is not 16 bytes).
/// Algorithm names tessera does not know are left alone, as RFC 7517 §4.4 allows.
fn check_alg_fits(alg: &str, params: &KeyParams) -> Result<(), Error> {
    let ok = match (alg, params) {
        ("HS256" | "HS384" | "HS512", KeyParams::Oct(_)) => true,
        ("A128KW" | "A128GCMKW", KeyParams::Oct(k)) => k.len() == 16,
        ("A192KW" | "A192GCMKW", KeyParams::Oct(k)) => k.len() == 24,
        ("A256KW" | "A256GCMKW", KeyParams::Oct(k)) => k.len() == 32,
        ("dir", KeyParams::Oct(_)) => true,
        // Content encryption names on a `dir` key (as RFC 7520 §3.6 does) fix its length.
        ("A128GCM", KeyParams::Oct(k)) => k.len() == 16,
        ("A192GCM", KeyParams::Oct(k)) => k.len() == 24,
        ("A256GCM" | "A128CBC-HS256", KeyParams::Oct(k)) => k.len() == 32,
        ("A192CBC-HS384", KeyParams::Oct(k)) => k.len() == 48,
        ("A256CBC-HS512", KeyParams::Oct(k)) => k.len() == 64,
        (
            "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "RSA1_5" | "RSA-OAEP"
            | "RSA-OAEP-256" | "RSA-OAEP-384" | "RSA-OAEP-512",
            KeyParams::Rsa(_),
        ) => true,
        ("ES256", KeyParams::Ec(p)) => p.crv == EcCurve::P256,
        ("ES384", KeyParams::Ec(p)) => p.crv == EcCurve::P384,
        ("ES512", KeyParams::Ec(p)) => p.crv == EcCurve::P521,
        ("EdDSA" | "Ed25519", KeyParams::Okp(p)) => p.crv == OkpCurve::Ed25519,
        // An AKP key names its algorithm, and no other (RFC 9964 §3).
        (_, KeyParams::Akp(p)) => alg == p.alg.as_str(),
        ("ECDH-ES" | "ECDH-ES+A128KW" | "ECDH-ES+A192KW" | "ECDH-ES+A256KW", KeyParams::Ec(_)) => {
            true
        }
        ("ECDH-ES" | "ECDH-ES+A128KW" | "ECDH-ES+A192KW" | "ECDH-ES+A256KW", KeyParams::Okp(p)) => {
            p.crv == OkpCurve::X25519
        }
        (
            "HS256" | "HS384" | "HS512" | "A128KW" | "A192KW" | "A256KW" | "A128GCMKW"
            | "A192GCMKW" | "A256GCMKW" | "dir" | "RS256" | "RS384" | "RS512" | "PS256" | "PS384"
            | "PS512" | "RSA1_5" | "RSA-OAEP" | "RSA-OAEP-256" | "RSA-OAEP-384" | "RSA-OAEP-512"
            | "ES256" | "ES384" | "ES512" | "EdDSA" | "Ed25519" | "ECDH-ES" | "ECDH-ES+A128KW"
            | "ECDH-ES+A192KW" | "ECDH-ES+A256KW" | "A128GCM" | "A192GCM" | "A256GCM"
            | "A128CBC-HS256" | "A192CBC-HS384" | "A256CBC-HS512" | "ML-DSA-44" | "ML-DSA-65"
            | "ML-DSA-87",
            _,
        ) => false,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(KeyProblem::AlgDoesNotFit {
            alg: alg.to_owned(),
            key: KeyKind::of(params),
        }
        .into())
    }
}

/// Checks key material: lengths, curve membership, and that private parts match public parts.
fn validate(params: &KeyParams) -> Result<(), Error> {
    match params {
        KeyParams::Oct(k) => {
            if k.is_empty() {
                return Err(KeyProblem::Empty { part: KeyPart::K }.into());
            }
        }
        KeyParams::Rsa(p) => {
            if p.n.is_empty() {
                return Err(KeyProblem::Empty { part: KeyPart::N }.into());
            }
            if p.n.len() > crate::keys::MAX_RSA_BITS / 8 {
                return Err(KeyProblem::RsaModulusTooLarge {
                    bits: bit_len(&p.n),
                    max: crate::keys::MAX_RSA_BITS,
                }
                .into());
            }
            if p.n.last().is_some_and(|b| b & 1 == 0) {
                return Err(KeyProblem::RsaModulusEven.into());
            }
            if p.e.is_empty()
                || p.e.len() > 8
                || p.e.last().is_some_and(|b| b & 1 == 0)
                || p.e == [1]
            {
                return Err(KeyProblem::OutOfRange { part: KeyPart::E }.into());
            }
            if let Some(private) = &p.private
                && (private.d.is_empty() || private.d.len() > p.n.len())
            {
                return Err(KeyProblem::OutOfRange { part: KeyPart::D }.into());
            }
        }
        KeyParams::Ec(p) => crate::keys::validate_ec(p)?,
        KeyParams::Okp(p) => crate::keys::validate_okp(p)?,
        KeyParams::Akp(p) => crate::keys::validate_akp(p)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_deserialize_is_strict() {
        let dup = r#"{"kty":"oct","k":"AAAA","k":"BBBB"}"#;
        assert!(serde_json::from_str::<Jwk>(dup).is_err());
        assert!(serde_json::from_str::<Jwk>("[]").is_err());
        let ok: Jwk = serde_json::from_str(r#"{"kty":"oct","k":"AAAA"}"#).unwrap();
        assert!(ok.is_symmetric());
        let set: JwkSet = serde_json::from_str(r#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#).unwrap();
        assert_eq!(set.len(), 1);
        assert!(serde_json::from_str::<JwkSet>(r#"{"keys":[],"keys":[]}"#).is_err());
    }
}
