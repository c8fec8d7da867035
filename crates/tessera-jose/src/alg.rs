//! JWA algorithm identifiers (RFC 7518, RFC 8037, RFC 9864).

use std::fmt;
use std::str::FromStr;

use crate::Error;

macro_rules! alg_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every algorithm of this kind that tessera implements.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The registered name, as it appears in a JOSE header.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err(Error::UnsupportedAlgorithm { alg: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

alg_enum! {
    /// A JWS signature algorithm. `none` is deliberately absent.
    JwsAlgorithm {
        /// HMAC with SHA-256.
        HS256 = "HS256",
        /// HMAC with SHA-384.
        HS384 = "HS384",
        /// HMAC with SHA-512.
        HS512 = "HS512",
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        RS256 = "RS256",
        /// RSASSA-PKCS1-v1_5 with SHA-384.
        RS384 = "RS384",
        /// RSASSA-PKCS1-v1_5 with SHA-512.
        RS512 = "RS512",
        /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
        PS256 = "PS256",
        /// RSASSA-PSS with SHA-384 and MGF1 with SHA-384.
        PS384 = "PS384",
        /// RSASSA-PSS with SHA-512 and MGF1 with SHA-512.
        PS512 = "PS512",
        /// ECDSA on P-256 with SHA-256.
        ES256 = "ES256",
        /// ECDSA on P-384 with SHA-384.
        ES384 = "ES384",
        /// ECDSA on P-521 with SHA-512.
        ES512 = "ES512",
        /// EdDSA (RFC 8037); tessera supports the Ed25519 curve.
        EdDSA = "EdDSA",
        /// Ed25519, the fully specified name (RFC 9864).
        Ed25519 = "Ed25519",
    }
}

/// The family of key an algorithm needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// `kty: oct`.
    Oct,
    /// `kty: RSA`.
    Rsa,
    /// `kty: EC` on the given curve.
    Ec(crate::jwk::EcCurve),
    /// `kty: OKP` on the given curve.
    Okp(crate::jwk::OkpCurve),
}

impl JwsAlgorithm {
    /// The key family this algorithm needs.
    pub const fn key_family(self) -> KeyFamily {
        use crate::jwk::{EcCurve, OkpCurve};
        match self {
            JwsAlgorithm::HS256 | JwsAlgorithm::HS384 | JwsAlgorithm::HS512 => KeyFamily::Oct,
            JwsAlgorithm::RS256
            | JwsAlgorithm::RS384
            | JwsAlgorithm::RS512
            | JwsAlgorithm::PS256
            | JwsAlgorithm::PS384
            | JwsAlgorithm::PS512 => KeyFamily::Rsa,
            JwsAlgorithm::ES256 => KeyFamily::Ec(EcCurve::P256),
            JwsAlgorithm::ES384 => KeyFamily::Ec(EcCurve::P384),
            JwsAlgorithm::ES512 => KeyFamily::Ec(EcCurve::P521),
            JwsAlgorithm::EdDSA | JwsAlgorithm::Ed25519 => KeyFamily::Okp(OkpCurve::Ed25519),
        }
    }

    /// Whether this is an HMAC algorithm (symmetric).
    pub const fn is_symmetric(self) -> bool {
        matches!(
            self,
            JwsAlgorithm::HS256 | JwsAlgorithm::HS384 | JwsAlgorithm::HS512
        )
    }
}
