//! PEM and DER import and export: SPKI, PKCS#8, PKCS#1 and SEC1.
//!
//! Import accepts what OpenSSL and the other usual tools write:
//!
//! | PEM label | DER structure | key types |
//! |---|---|---|
//! | `PUBLIC KEY` | SubjectPublicKeyInfo (RFC 5280) | RSA, EC P-256/384/521, Ed25519, X25519 |
//! | `PRIVATE KEY` | PKCS#8 v1 or v2 (RFC 5208, RFC 5958) | RSA, EC, Ed25519, X25519 |
//! | `RSA PUBLIC KEY` | PKCS#1 RSAPublicKey | RSA |
//! | `RSA PRIVATE KEY` | PKCS#1 RSAPrivateKey | RSA (two primes) |
//! | `EC PRIVATE KEY` | SEC1 ECPrivateKey (RFC 5915) | EC P-256/384/521 |
//!
//! An `EC PARAMETERS` block before the key (as `openssl ecparam -genkey` writes) is skipped.
//! Encrypted PKCS#8 is refused with a clear error. Every imported key goes through the same
//! validation as a parsed JWK (lengths, point on the curve, private part matching the public
//! part); RSA private keys are checked for consistency, and RSA moduli under the
//! [`KeyPolicy`] minimum (2048 bits by default) are refused.

use pkcs8::der::asn1::{AnyRef, OctetStringRef};
use pkcs8::der::{Decode, Encode};
use pkcs8::{ObjectIdentifier, PrivateKeyInfoRef, SubjectPublicKeyInfoRef};
use tessera_core::{SecretBytes, SecretString};
use zeroize::Zeroizing;

use super::{EcCurve, EcParams, Jwk, KeyParams, OkpCurve, OkpParams, RsaCrt, RsaParams};
use super::{RsaPrivate, strip_leading_zeros};
use crate::Error;
use crate::error::{Curve, DerStructure, KeyKind, KeyPart, KeyProblem, key_err};
use crate::keys::KeyPolicy;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The largest PEM or DER input accepted (an 8192-bit RSA private key in PEM is about 6.5 KiB).
const MAX_INPUT: usize = 64 * 1024;

/// A DER key encoding, for [`Jwk::to_der`] and [`Jwk::to_pem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFormat {
    /// SubjectPublicKeyInfo (`PUBLIC KEY`): the public half of any asymmetric key.
    Spki,
    /// PKCS#8 PrivateKeyInfo (`PRIVATE KEY`), version 1: any asymmetric private key.
    Pkcs8,
    /// PKCS#1 (`RSA PRIVATE KEY` for a private key, `RSA PUBLIC KEY` for a public key): RSA only.
    Pkcs1,
    /// SEC1 ECPrivateKey (`EC PRIVATE KEY`), with the curve and public key: EC private keys only.
    Sec1,
}

/// A DER structure that does not parse; the decoder's error is the `source()`.
fn der_err(structure: DerStructure) -> impl FnOnce(pkcs8::der::Error) -> Error {
    key_err(KeyProblem::Der { structure })
}

/// Writing the key in `format` failed; the encoder's error is the `source()`.
fn encode_err<E: std::error::Error + Send + Sync + 'static>(
    format: KeyFormat,
) -> impl FnOnce(E) -> Error {
    key_err(KeyProblem::Encoding { format })
}

impl Jwk {
    /// Imports a key from PEM, refusing RSA moduli under 2048 bits.
    ///
    /// | PEM label | DER structure | key types |
    /// |---|---|---|
    /// | `PUBLIC KEY` | SubjectPublicKeyInfo (RFC 5280) | RSA, EC P-256/384/521, Ed25519, X25519 |
    /// | `PRIVATE KEY` | PKCS#8 v1 or v2 (RFC 5208, RFC 5958) | RSA, EC, Ed25519, X25519 |
    /// | `RSA PUBLIC KEY` | PKCS#1 RSAPublicKey | RSA |
    /// | `RSA PRIVATE KEY` | PKCS#1 RSAPrivateKey | RSA (two primes) |
    /// | `EC PRIVATE KEY` | SEC1 ECPrivateKey (RFC 5915) | EC P-256/384/521 |
    ///
    /// An `EC PARAMETERS` block before the key (as `openssl ecparam -genkey` writes) is
    /// skipped; encrypted PKCS#8 is refused. The key is validated like a parsed JWK (lengths,
    /// point on the curve, private part matching the public part, RSA private key consistent).
    ///
    /// ```
    /// use tessera_jose::Jwk;
    ///
    /// let pem = "-----BEGIN PUBLIC KEY-----
    /// MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
    /// -----END PUBLIC KEY-----";
    /// let jwk = Jwk::from_pem(pem).unwrap();
    /// assert_eq!(jwk.thumbprint_sha256(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    /// assert_eq!(jwk.to_pem_public().unwrap().trim_end(), pem);
    /// ```
    pub fn from_pem(pem: &str) -> Result<Jwk, Error> {
        Jwk::from_pem_with_policy(pem, &KeyPolicy::default())
    }

    /// Imports a key from PEM under `policy` (e.g. to accept a legacy 1024-bit RSA key).
    pub fn from_pem_with_policy(pem: &str, policy: &KeyPolicy) -> Result<Jwk, Error> {
        tessera_core::limits::check("PEM key", pem.len(), MAX_INPUT)?;
        let block = first_key_block(pem)?;
        let (label, der) =
            pem_rfc7468::decode_vec(block.as_bytes()).map_err(key_err(KeyProblem::Pem))?;
        let der = Zeroizing::new(der);
        match label {
            "PUBLIC KEY" => from_spki(&der, policy),
            "PRIVATE KEY" => from_pkcs8(&der, policy),
            "RSA PUBLIC KEY" => from_pkcs1_public(&der, policy),
            "RSA PRIVATE KEY" => from_pkcs1_private(&der, policy),
            "EC PRIVATE KEY" => from_sec1(&der, None),
            "ENCRYPTED PRIVATE KEY" => Err(KeyProblem::EncryptedPkcs8.into()),
            other => Err(KeyProblem::UnsupportedPemLabel {
                label: other.to_owned(),
            }
            .into()),
        }
    }

    /// Imports a key from DER, trying SubjectPublicKeyInfo, PKCS#8, PKCS#1 (private, then
    /// public) and SEC1 in turn. RSA moduli under 2048 bits are refused.
    pub fn from_der(der: &[u8]) -> Result<Jwk, Error> {
        Jwk::from_der_with_policy(der, &KeyPolicy::default())
    }

    /// Imports a key from DER under `policy`.
    pub fn from_der_with_policy(der: &[u8], policy: &KeyPolicy) -> Result<Jwk, Error> {
        tessera_core::limits::check("DER key", der.len(), MAX_INPUT)?;
        // The structures are distinguishable: each parser refuses the others' encodings, so the
        // first that parses decides, and its validation error (if any) is the answer.
        if SubjectPublicKeyInfoRef::from_der(der).is_ok() {
            return from_spki(der, policy);
        }
        if PrivateKeyInfoRef::from_der(der).is_ok() {
            return from_pkcs8(der, policy);
        }
        if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
            return from_pkcs1_private(der, policy);
        }
        if pkcs1::RsaPublicKeyRef::from_der(der).is_ok() {
            return from_pkcs1_public(der, policy);
        }
        if sec1::EcPrivateKey::from_der(der).is_ok() {
            return from_sec1(der, None);
        }
        Err(KeyProblem::UnrecognizedDer.into())
    }

    /// The public key as SubjectPublicKeyInfo DER. Fails for a symmetric key.
    pub fn to_der_public(&self) -> Result<Vec<u8>, Error> {
        self.to_der(KeyFormat::Spki).map(|d| d.expose().to_vec())
    }

    /// The public key as a `PUBLIC KEY` PEM (SubjectPublicKeyInfo), LF line endings.
    pub fn to_pem_public(&self) -> Result<String, Error> {
        self.to_pem(KeyFormat::Spki).map(|s| s.expose().to_owned())
    }

    /// The private key as PKCS#8 DER. Fails for a public or symmetric key.
    pub fn to_der_private(&self) -> Result<SecretBytes, Error> {
        self.to_der(KeyFormat::Pkcs8)
    }

    /// The private key as a `PRIVATE KEY` PEM (PKCS#8), LF line endings.
    pub fn to_pem_private(&self) -> Result<SecretString, Error> {
        self.to_pem(KeyFormat::Pkcs8)
    }

    /// The key in `format` as PEM, LF line endings. [`KeyFormat::Pkcs1`] writes
    /// `RSA PRIVATE KEY` for a private key and `RSA PUBLIC KEY` for a public one.
    pub fn to_pem(&self, format: KeyFormat) -> Result<SecretString, Error> {
        let der = self.to_der(format)?;
        let label = match format {
            KeyFormat::Spki => "PUBLIC KEY",
            KeyFormat::Pkcs8 => "PRIVATE KEY",
            KeyFormat::Pkcs1 if self.is_private() => "RSA PRIVATE KEY",
            KeyFormat::Pkcs1 => "RSA PUBLIC KEY",
            KeyFormat::Sec1 => "EC PRIVATE KEY",
        };
        let pem = pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der.expose())
            .map_err(encode_err(format))?;
        Ok(SecretString::new(pem))
    }

    /// The key in `format` as DER.
    pub fn to_der(&self, format: KeyFormat) -> Result<SecretBytes, Error> {
        match (format, self.params()) {
            (_, KeyParams::Oct(k)) => Err(KeyProblem::NoEncoding {
                format,
                key: KeyKind::Oct { len: k.len() },
                private: true,
            }
            .into()),
            (KeyFormat::Spki, KeyParams::Rsa(p)) => {
                use pkcs8::EncodePublicKey;
                let key = rsa_public_any(p)?;
                doc(key.to_public_key_der())
            }
            (KeyFormat::Pkcs1, KeyParams::Rsa(p)) if p.private.is_none() => {
                use pkcs1::EncodeRsaPublicKey;
                let key = rsa_public_any(p)?;
                key.to_pkcs1_der()
                    .map(|d| SecretBytes::from_slice(d.as_bytes()))
                    .map_err(encode_err(format))
            }
            (KeyFormat::Pkcs8 | KeyFormat::Pkcs1, KeyParams::Rsa(p)) => {
                let key = crate::keys::rsa_private(p, &lenient())?;
                let doc = if format == KeyFormat::Pkcs8 {
                    use pkcs8::EncodePrivateKey;
                    key.to_pkcs8_der().map_err(encode_err(format))?
                } else {
                    use pkcs1::EncodeRsaPrivateKey;
                    key.to_pkcs1_der().map_err(encode_err(format))?
                };
                Ok(SecretBytes::from_slice(doc.as_bytes()))
            }
            (KeyFormat::Spki, KeyParams::Ec(p)) => {
                let mut point = Vec::with_capacity(1 + 2 * p.x.len());
                point.push(4);
                point.extend_from_slice(&p.x);
                point.extend_from_slice(&p.y);
                ec_spki(p.crv, &point)
            }
            (KeyFormat::Pkcs8 | KeyFormat::Sec1, KeyParams::Ec(p)) => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                ec_private_der(p.crv, d.expose(), format == KeyFormat::Sec1)
            }
            (KeyFormat::Spki, KeyParams::Okp(p)) => {
                let mut out = okp_prefix(p.crv, false).to_vec();
                out.extend_from_slice(&p.x);
                Ok(SecretBytes::new(out))
            }
            (KeyFormat::Pkcs8, KeyParams::Okp(p)) => {
                let d = p.d.as_ref().ok_or(Error::MissingPrivateKey)?;
                let mut out = okp_prefix(p.crv, true).to_vec();
                out.extend_from_slice(d.expose());
                Ok(SecretBytes::new(out))
            }
            (format, params) => Err(KeyProblem::NoEncoding {
                format,
                key: KeyKind::of(params),
                private: self.is_private(),
            }
            .into()),
        }
    }
}

fn doc(r: Result<pkcs8::Document, pkcs8::spki::Error>) -> Result<SecretBytes, Error> {
    r.map(|d| SecretBytes::from_slice(d.as_bytes()))
        .map_err(encode_err(KeyFormat::Spki))
}

/// Export does not re-apply the import policy: the key is already a JWK the caller holds.
fn lenient() -> KeyPolicy {
    KeyPolicy::default().insecure_min_rsa_bits(1024)
}

fn rsa_public_any(p: &RsaParams) -> Result<rsa::PublicKey, Error> {
    crate::keys::rsa_public(p, &lenient())
}

/// Fixed DER prefixes of the RFC 8410 encodings (SPKI, and PKCS#8 v1 wrapping a 32-byte
/// `CurvePrivateKey` OCTET STRING).
fn okp_prefix(crv: OkpCurve, private: bool) -> &'static [u8] {
    match (crv, private) {
        (OkpCurve::Ed25519, false) => &[
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ],
        (OkpCurve::X25519, false) => &[
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
        ],
        (OkpCurve::Ed25519, true) => &[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ],
        (OkpCurve::X25519, true) => &[
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22,
            0x04, 0x20,
        ],
    }
}

fn curve_oid(crv: EcCurve) -> ObjectIdentifier {
    match crv {
        EcCurve::P256 => OID_P256,
        EcCurve::P384 => OID_P384,
        EcCurve::P521 => OID_P521,
    }
}

fn curve_from_oid(oid: ObjectIdentifier) -> Result<EcCurve, Error> {
    match oid {
        o if o == OID_P256 => Ok(EcCurve::P256),
        o if o == OID_P384 => Ok(EcCurve::P384),
        o if o == OID_P521 => Ok(EcCurve::P521),
        other => Err(KeyProblem::UnsupportedCurveOid {
            oid: other.to_string(),
        }
        .into()),
    }
}

fn ec_spki(crv: EcCurve, point: &[u8]) -> Result<SecretBytes, Error> {
    let curve = curve_oid(crv);
    let params = AnyRef::from(&curve);
    let spki = SubjectPublicKeyInfoRef {
        algorithm: pkcs8::AlgorithmIdentifierRef {
            oid: OID_EC,
            parameters: Some(params),
        },
        subject_public_key: pkcs8::der::asn1::BitStringRef::from_bytes(point)
            .map_err(encode_err(KeyFormat::Spki))?,
    };
    spki.to_der()
        .map(SecretBytes::new)
        .map_err(encode_err(KeyFormat::Spki))
}

/// The uncompressed point of the public key for the private scalar `d`.
fn ec_public_point(crv: EcCurve, d: &[u8]) -> Result<Vec<u8>, Error> {
    macro_rules! point {
        ($curve:ident) => {{
            use $curve::elliptic_curve::sec1::ToSec1Point;
            let sk = $curve::SecretKey::from_slice(d)
                .map_err(|_| KeyProblem::OutOfRange { part: KeyPart::D })?;
            Ok(sk.public_key().to_sec1_point(false).as_bytes().to_vec())
        }};
    }
    match crv {
        EcCurve::P256 => point!(p256),
        EcCurve::P384 => point!(p384),
        EcCurve::P521 => point!(p521),
    }
}

/// Decodes a SEC1 point (compressed or not) to uncompressed form, checking it is on the curve.
fn ec_decode_point(crv: EcCurve, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    macro_rules! point {
        ($curve:ident) => {{
            use $curve::elliptic_curve::sec1::ToSec1Point;
            let pk = $curve::PublicKey::from_sec1_bytes(bytes)
                .map_err(|_| KeyProblem::NotOnCurve { crv: crv.into() })?;
            Ok(pk.to_sec1_point(false).as_bytes().to_vec())
        }};
    }
    match crv {
        EcCurve::P256 => point!(p256),
        EcCurve::P384 => point!(p384),
        EcCurve::P521 => point!(p521),
    }
}

fn ec_private_der(crv: EcCurve, d: &[u8], sec1_form: bool) -> Result<SecretBytes, Error> {
    let point = ec_public_point(crv, d)?;
    let key = sec1::EcPrivateKey {
        private_key: d,
        parameters: sec1_form.then(|| sec1::EcParameters::NamedCurve(curve_oid(crv))),
        public_key: Some(&point),
    };
    let inner = Zeroizing::new(key.to_der().map_err(encode_err(KeyFormat::Sec1))?);
    if sec1_form {
        return Ok(SecretBytes::from_slice(&inner));
    }
    let curve = curve_oid(crv);
    let info = PrivateKeyInfoRef::new(
        pkcs8::AlgorithmIdentifierRef {
            oid: OID_EC,
            parameters: Some(AnyRef::from(&curve)),
        },
        OctetStringRef::new(&inner).map_err(encode_err(KeyFormat::Pkcs8))?,
    );
    info.to_der()
        .map(SecretBytes::new)
        .map_err(encode_err(KeyFormat::Pkcs8))
}

fn ec_jwk(crv: EcCurve, point: &[u8], d: Option<SecretBytes>) -> Result<Jwk, Error> {
    let n = crv.field_len();
    let coords = point
        .strip_prefix(&[4u8])
        .filter(|c| c.len() == 2 * n)
        .ok_or(KeyProblem::PointEncoding {
            crv: Curve::Ec(crv),
        })?;
    let (x, y) = coords.split_at(n);
    Jwk::new(KeyParams::Ec(EcParams {
        crv,
        x: x.to_vec(),
        y: y.to_vec(),
        d,
    }))
}

/// The first PEM block that is not `EC PARAMETERS`.
fn first_key_block(pem: &str) -> Result<&str, Error> {
    let mut rest = pem;
    loop {
        let start = rest.find("-----BEGIN ").ok_or(KeyProblem::NoPemBlock)?;
        let block = &rest[start..];
        let end_marker = block.find("-----END ").ok_or(KeyProblem::PemWithoutEnd)?;
        let after_end = &block[end_marker + 9..];
        let close = after_end
            .find("-----")
            .ok_or(KeyProblem::PemEndNotTerminated)?;
        let len = end_marker + 9 + close + 5;
        let this = &block[..len];
        if this.starts_with("-----BEGIN EC PARAMETERS-----") {
            rest = &block[len..];
            continue;
        }
        return Ok(this);
    }
}

fn from_spki(der: &[u8], policy: &KeyPolicy) -> Result<Jwk, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(der_err(DerStructure::Spki))?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(KeyProblem::NotWholeBytes {
            structure: DerStructure::Spki,
        })?;
    let oid = spki.algorithm.oid;
    if oid == OID_RSA {
        from_pkcs1_public(key, policy)
    } else if oid == OID_EC {
        let crv = named_curve(spki.algorithm.parameters)?;
        let point = ec_decode_point(crv, key)?;
        ec_jwk(crv, &point, None)
    } else if oid == OID_ED25519 || oid == OID_X25519 {
        no_params(spki.algorithm.parameters)?;
        let crv = if oid == OID_ED25519 {
            OkpCurve::Ed25519
        } else {
            OkpCurve::X25519
        };
        Jwk::new(KeyParams::Okp(OkpParams {
            crv,
            x: key.to_vec(),
            d: None,
        }))
    } else {
        Err(unsupported_oid(oid))
    }
}

fn unsupported_oid(oid: ObjectIdentifier) -> Error {
    if oid == OID_RSA_PSS {
        KeyProblem::RsaPssRestricted.into()
    } else {
        KeyProblem::UnsupportedAlgorithmOid {
            oid: oid.to_string(),
        }
        .into()
    }
}

fn named_curve(params: Option<AnyRef<'_>>) -> Result<EcCurve, Error> {
    let params = params.ok_or(KeyProblem::MissingCurveParameters)?;
    let oid: ObjectIdentifier = params
        .decode_as()
        .map_err(key_err(KeyProblem::NotNamedCurve))?;
    curve_from_oid(oid)
}

fn no_params(params: Option<AnyRef<'_>>) -> Result<(), Error> {
    if params.is_some() {
        return Err(KeyProblem::UnexpectedAlgorithmParameters.into());
    }
    Ok(())
}

fn from_pkcs8(der: &[u8], policy: &KeyPolicy) -> Result<Jwk, Error> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(der_err(DerStructure::Pkcs8))?;
    let oid = info.algorithm.oid;
    let key = info.private_key.as_bytes();
    let jwk = if oid == OID_RSA {
        from_pkcs1_private(key, policy)?
    } else if oid == OID_EC {
        let crv = named_curve(info.algorithm.parameters)?;
        let jwk = from_sec1(key, Some(crv))?;
        // A PKCS#8 v2 (RFC 5958) public key must be the private key's.
        if let (Some(pk), KeyParams::Ec(p)) = (&info.public_key, jwk.params()) {
            let given = pk.as_bytes().ok_or(KeyProblem::NotWholeBytes {
                structure: DerStructure::Pkcs8,
            })?;
            let given = ec_decode_point(crv, given)?;
            if given.get(1..) != Some([p.x.as_slice(), p.y.as_slice()].concat().as_slice()) {
                return Err(KeyProblem::EmbeddedPublicKeyMismatch {
                    structure: DerStructure::Pkcs8,
                }
                .into());
            }
        }
        jwk
    } else if oid == OID_ED25519 || oid == OID_X25519 {
        no_params(info.algorithm.parameters)?;
        let crv = if oid == OID_ED25519 {
            OkpCurve::Ed25519
        } else {
            OkpCurve::X25519
        };
        let inner = <&OctetStringRef>::from_der(key)
            .map_err(der_err(DerStructure::Pkcs8CurvePrivateKey))?;
        let d: [u8; 32] = crate::keys::okp_bytes(KeyPart::D, inner.as_bytes())?;
        let d = Zeroizing::new(d);
        let x = okp_public(crv, &d);
        let jwk = Jwk::new(KeyParams::Okp(OkpParams {
            crv,
            x: x.to_vec(),
            d: Some(SecretBytes::from_slice(d.as_ref())),
        }))?;
        if let Some(pk) = &info.public_key {
            let given = pk.as_bytes().ok_or(KeyProblem::NotWholeBytes {
                structure: DerStructure::Pkcs8,
            })?;
            if given != x {
                return Err(KeyProblem::EmbeddedPublicKeyMismatch {
                    structure: DerStructure::Pkcs8,
                }
                .into());
            }
        }
        return Ok(jwk);
    } else {
        return Err(unsupported_oid(oid));
    };
    Ok(jwk)
}

fn okp_public(crv: OkpCurve, d: &[u8; 32]) -> [u8; 32] {
    match crv {
        OkpCurve::Ed25519 => ed25519_dalek::SigningKey::from_bytes(d)
            .verifying_key()
            .to_bytes(),
        OkpCurve::X25519 => {
            x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*d)).to_bytes()
        }
    }
}

fn from_sec1(der: &[u8], outer_curve: Option<EcCurve>) -> Result<Jwk, Error> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(der_err(DerStructure::Sec1))?;
    let inner_curve = key
        .parameters
        .as_ref()
        .and_then(|p| p.named_curve())
        .map(curve_from_oid)
        .transpose()?;
    let crv = match (outer_curve, inner_curve) {
        (Some(a), Some(b)) if a != b => {
            return Err(KeyProblem::CurveParametersDisagree.into());
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => return Err(KeyProblem::MissingCurveParameters.into()),
    };
    let n = crv.field_len();
    if key.private_key.len() > n || key.private_key.is_empty() {
        return Err(KeyProblem::WrongLength {
            part: KeyPart::D,
            expected: n,
            found: key.private_key.len(),
        }
        .into());
    }
    // Left-pad a scalar written without its leading zeros.
    let mut d = Zeroizing::new(vec![0u8; n]);
    d[n - key.private_key.len()..].copy_from_slice(key.private_key);
    let point = ec_public_point(crv, &d)?;
    if let Some(given) = key.public_key
        && ec_decode_point(crv, given)? != point
    {
        return Err(KeyProblem::EmbeddedPublicKeyMismatch {
            structure: DerStructure::Sec1,
        }
        .into());
    }
    ec_jwk(crv, &point, Some(SecretBytes::from_slice(&d)))
}

fn uint(u: &pkcs1::UintRef<'_>) -> Vec<u8> {
    strip_leading_zeros(u.as_bytes().to_vec())
}

fn secret_uint(u: &pkcs1::UintRef<'_>) -> SecretBytes {
    let b = u.as_bytes();
    let z = b.iter().take_while(|x| **x == 0).count();
    SecretBytes::from_slice(b.get(z..).unwrap_or_default())
}

fn from_pkcs1_public(der: &[u8], policy: &KeyPolicy) -> Result<Jwk, Error> {
    let key = pkcs1::RsaPublicKeyRef::from_der(der).map_err(der_err(DerStructure::Pkcs1Public))?;
    let params = RsaParams {
        n: uint(&key.modulus),
        e: uint(&key.public_exponent),
        private: None,
    };
    let jwk = Jwk::new(KeyParams::Rsa(params))?;
    if let KeyParams::Rsa(p) = jwk.params() {
        crate::keys::rsa_public(p, policy)?;
    }
    Ok(jwk)
}

fn from_pkcs1_private(der: &[u8], policy: &KeyPolicy) -> Result<Jwk, Error> {
    let key =
        pkcs1::RsaPrivateKeyRef::from_der(der).map_err(der_err(DerStructure::Pkcs1Private))?;
    if key.other_prime_infos.is_some() {
        return Err(KeyProblem::MultiPrimeRsa.into());
    }
    let params = RsaParams {
        n: uint(&key.modulus),
        e: uint(&key.public_exponent),
        private: Some(RsaPrivate {
            d: secret_uint(&key.private_exponent),
            crt: Some(RsaCrt {
                p: secret_uint(&key.prime1),
                q: secret_uint(&key.prime2),
                dp: secret_uint(&key.exponent1),
                dq: secret_uint(&key.exponent2),
                qi: secret_uint(&key.coefficient),
            }),
        }),
    };
    let jwk = Jwk::new(KeyParams::Rsa(params))?;
    if let KeyParams::Rsa(p) = jwk.params() {
        // Checks the size policy and that d, p and q belong to n and e.
        crate::keys::rsa_private(p, policy)?;
    }
    Ok(jwk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_key_block_after_ec_parameters() {
        let pem = "junk\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\ntrailer";
        assert_eq!(
            first_key_block(pem).unwrap(),
            "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----"
        );
        assert!(first_key_block("-----BEGIN X-----\nAA==\n").is_err());
        assert!(first_key_block("-----BEGIN X-----\n-----END X").is_err());
        assert!(first_key_block("").is_err());
    }

    #[test]
    fn okp_round_trip_through_der() {
        for crv in [OkpCurve::Ed25519, OkpCurve::X25519] {
            let key = Jwk::generate_okp(crv).unwrap();
            let der = key.to_der(KeyFormat::Pkcs8).unwrap();
            assert_eq!(der.len(), 48);
            let back = Jwk::from_der(der.expose()).unwrap();
            assert_eq!(back.to_json(), key.to_json());
            assert!(key.to_der(KeyFormat::Pkcs1).is_err());
        }
    }

    #[test]
    fn okp_with_parameters_is_refused() {
        // An Ed25519 SPKI whose AlgorithmIdentifier carries a NULL parameter.
        let mut der = vec![
            0x30, 0x2c, 0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00,
        ];
        der.extend_from_slice(&[0x03, 0x21, 0x00]);
        der.extend_from_slice(&[0x11; 32]);
        assert!(Jwk::from_der(&der).is_err());
    }
}
