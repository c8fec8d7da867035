//! JWA algorithm identifiers (RFC 7518, RFC 8037, RFC 9864, RFC 9964).

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
        /// ML-DSA-44 (FIPS 204; RFC 9964), with an `AKP` key.
        MlDsa44 = "ML-DSA-44",
        /// ML-DSA-65 (FIPS 204; RFC 9964), with an `AKP` key.
        MlDsa65 = "ML-DSA-65",
        /// ML-DSA-87 (FIPS 204; RFC 9964), with an `AKP` key.
        MlDsa87 = "ML-DSA-87",
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
    /// `kty: AKP` for the given algorithm (RFC 9964).
    Akp(crate::jwk::AkpAlgorithm),
}

impl JwsAlgorithm {
    /// The key family this algorithm needs.
    pub const fn key_family(self) -> KeyFamily {
        use crate::jwk::{AkpAlgorithm, EcCurve, OkpCurve};
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
            JwsAlgorithm::MlDsa44 => KeyFamily::Akp(AkpAlgorithm::MlDsa44),
            JwsAlgorithm::MlDsa65 => KeyFamily::Akp(AkpAlgorithm::MlDsa65),
            JwsAlgorithm::MlDsa87 => KeyFamily::Akp(AkpAlgorithm::MlDsa87),
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

alg_enum! {
    /// A JWE key management algorithm (RFC 7518 §4, RFC 8037 §3.2).
    ///
    /// `RSA1_5` is listed so that a header naming it parses into a typed value, but it is only
    /// ever used to decrypt, and only behind [`JweOptions::insecure_allow_rsa1_5`](crate::jwe::JweOptions::insecure_allow_rsa1_5).
    KeyManagementAlgorithm {
        /// RSAES-PKCS1-v1_5 (decryption only, insecure, opt-in).
        Rsa1_5 = "RSA1_5",
        /// RSAES-OAEP with SHA-1 and MGF1 with SHA-1.
        RsaOaep = "RSA-OAEP",
        /// RSAES-OAEP with SHA-256 and MGF1 with SHA-256.
        RsaOaep256 = "RSA-OAEP-256",
        /// RSAES-OAEP with SHA-384 and MGF1 with SHA-384.
        RsaOaep384 = "RSA-OAEP-384",
        /// RSAES-OAEP with SHA-512 and MGF1 with SHA-512.
        RsaOaep512 = "RSA-OAEP-512",
        /// AES-128 key wrap (RFC 3394).
        A128KW = "A128KW",
        /// AES-192 key wrap.
        A192KW = "A192KW",
        /// AES-256 key wrap.
        A256KW = "A256KW",
        /// Direct use of a shared symmetric key as the content encryption key.
        Dir = "dir",
        /// ECDH-ES with Concat KDF, the derived key used directly as the CEK.
        EcdhEs = "ECDH-ES",
        /// ECDH-ES with Concat KDF and AES-128 key wrap.
        EcdhEsA128KW = "ECDH-ES+A128KW",
        /// ECDH-ES with Concat KDF and AES-192 key wrap.
        EcdhEsA192KW = "ECDH-ES+A192KW",
        /// ECDH-ES with Concat KDF and AES-256 key wrap.
        EcdhEsA256KW = "ECDH-ES+A256KW",
        /// AES-128-GCM key wrap.
        A128GCMKW = "A128GCMKW",
        /// AES-192-GCM key wrap.
        A192GCMKW = "A192GCMKW",
        /// AES-256-GCM key wrap.
        A256GCMKW = "A256GCMKW",
        /// PBES2 with HMAC SHA-256 and AES-128 key wrap (off unless enabled).
        Pbes2Hs256A128KW = "PBES2-HS256+A128KW",
        /// PBES2 with HMAC SHA-384 and AES-192 key wrap (off unless enabled).
        Pbes2Hs384A192KW = "PBES2-HS384+A192KW",
        /// PBES2 with HMAC SHA-512 and AES-256 key wrap (off unless enabled).
        Pbes2Hs512A256KW = "PBES2-HS512+A256KW",
    }
}

impl KeyManagementAlgorithm {
    /// Whether this is one of the RSA algorithms.
    pub const fn is_rsa(self) -> bool {
        matches!(
            self,
            Self::Rsa1_5 | Self::RsaOaep | Self::RsaOaep256 | Self::RsaOaep384 | Self::RsaOaep512
        )
    }

    /// Whether this is one of the ECDH-ES algorithms.
    pub const fn is_ecdh(self) -> bool {
        matches!(
            self,
            Self::EcdhEs | Self::EcdhEsA128KW | Self::EcdhEsA192KW | Self::EcdhEsA256KW
        )
    }

    /// Whether this is one of the PBES2 algorithms.
    pub const fn is_pbes2(self) -> bool {
        matches!(
            self,
            Self::Pbes2Hs256A128KW | Self::Pbes2Hs384A192KW | Self::Pbes2Hs512A256KW
        )
    }

    /// Whether the content encryption key is agreed or shared directly (`dir`, `ECDH-ES`), so
    /// that the JWE Encrypted Key is empty and there can be only one recipient.
    pub const fn is_direct(self) -> bool {
        matches!(self, Self::Dir | Self::EcdhEs)
    }

    /// The AES key-wrap key length in bytes, for the algorithms that wrap with AES (KW, GCMKW,
    /// ECDH-ES+KW, PBES2).
    pub const fn wrap_key_len(self) -> Option<usize> {
        match self {
            Self::A128KW | Self::EcdhEsA128KW | Self::A128GCMKW | Self::Pbes2Hs256A128KW => {
                Some(16)
            }
            Self::A192KW | Self::EcdhEsA192KW | Self::A192GCMKW | Self::Pbes2Hs384A192KW => {
                Some(24)
            }
            Self::A256KW | Self::EcdhEsA256KW | Self::A256GCMKW | Self::Pbes2Hs512A256KW => {
                Some(32)
            }
            _ => None,
        }
    }
}

alg_enum! {
    /// A JWE content encryption algorithm (RFC 7518 §5).
    ContentEncryptionAlgorithm {
        /// AES-128-CBC with HMAC SHA-256 (truncated to 128 bits).
        A128CbcHs256 = "A128CBC-HS256",
        /// AES-192-CBC with HMAC SHA-384 (truncated to 192 bits).
        A192CbcHs384 = "A192CBC-HS384",
        /// AES-256-CBC with HMAC SHA-512 (truncated to 256 bits).
        A256CbcHs512 = "A256CBC-HS512",
        /// AES-128-GCM.
        A128Gcm = "A128GCM",
        /// AES-192-GCM.
        A192Gcm = "A192GCM",
        /// AES-256-GCM.
        A256Gcm = "A256GCM",
    }
}

impl ContentEncryptionAlgorithm {
    /// The content encryption key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::A128CbcHs256 => 32,
            Self::A192CbcHs384 => 48,
            Self::A256CbcHs512 => 64,
            Self::A128Gcm => 16,
            Self::A192Gcm => 24,
            Self::A256Gcm => 32,
        }
    }

    /// The initialization vector length in bytes.
    pub const fn iv_len(self) -> usize {
        match self {
            Self::A128CbcHs256 | Self::A192CbcHs384 | Self::A256CbcHs512 => 16,
            Self::A128Gcm | Self::A192Gcm | Self::A256Gcm => 12,
        }
    }

    /// The authentication tag length in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::A128CbcHs256 => 16,
            Self::A192CbcHs384 => 24,
            Self::A256CbcHs512 => 32,
            Self::A128Gcm | Self::A192Gcm | Self::A256Gcm => 16,
        }
    }
}
