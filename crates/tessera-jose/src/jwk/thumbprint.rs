use sha2::{Digest, Sha256, Sha384, Sha512};
use tessera_core::b64;

use super::{Jwk, KeyParams};

/// The hash of a JWK thumbprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ThumbprintHash {
    /// SHA-256 (the usual choice; RFC 9278 `sha-256`).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl ThumbprintHash {
    fn uri_name(self) -> &'static str {
        match self {
            ThumbprintHash::Sha256 => "sha-256",
            ThumbprintHash::Sha384 => "sha-384",
            ThumbprintHash::Sha512 => "sha-512",
        }
    }
}

impl Jwk {
    /// The canonical JSON of the required public members, in lexicographic order with no
    /// whitespace, which RFC 7638 §3 hashes. Private members never appear.
    pub fn thumbprint_input(&self) -> String {
        match self.params() {
            KeyParams::Rsa(p) => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                b64::encode(&p.e),
                b64::encode(&p.n)
            ),
            KeyParams::Ec(p) => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                p.crv.as_str(),
                b64::encode(&p.x),
                b64::encode(&p.y)
            ),
            KeyParams::Okp(p) => format!(
                r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
                p.crv.as_str(),
                b64::encode(&p.x)
            ),
            // RFC 9964 §6: `alg` is a required member of an AKP key's thumbprint.
            KeyParams::Akp(p) => format!(
                r#"{{"alg":"{}","kty":"AKP","pub":"{}"}}"#,
                p.alg.as_str(),
                b64::encode(&p.public)
            ),
            KeyParams::Oct(k) => format!(
                r#"{{"k":"{}","kty":"oct"}}"#,
                b64::encode_secret(k.expose())
            ),
        }
    }

    /// The RFC 7638 thumbprint with the given hash, as raw bytes.
    pub fn thumbprint(&self, hash: ThumbprintHash) -> Vec<u8> {
        let input = self.thumbprint_input();
        match hash {
            ThumbprintHash::Sha256 => Sha256::digest(input.as_bytes()).to_vec(),
            ThumbprintHash::Sha384 => Sha384::digest(input.as_bytes()).to_vec(),
            ThumbprintHash::Sha512 => Sha512::digest(input.as_bytes()).to_vec(),
        }
    }

    /// The SHA-256 RFC 7638 thumbprint, base64url encoded (as used for `kid`s and DPoP `jkt`).
    pub fn thumbprint_sha256(&self) -> String {
        b64::encode(self.thumbprint(ThumbprintHash::Sha256))
    }

    /// The JWK thumbprint URI (RFC 9278), e.g.
    /// `urn:ietf:params:oauth:jwk-thumbprint:sha-256:NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs`.
    pub fn thumbprint_uri(&self, hash: ThumbprintHash) -> String {
        format!(
            "urn:ietf:params:oauth:jwk-thumbprint:{}:{}",
            hash.uri_name(),
            b64::encode(self.thumbprint(hash))
        )
    }
}
