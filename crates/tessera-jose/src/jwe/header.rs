use serde_json::{Map, Value};
use tessera_core::b64;

use crate::Error;
use crate::alg::{ContentEncryptionAlgorithm, KeyManagementAlgorithm};
use crate::error::{CritProblem, HeaderProblem, JsonType};
use crate::header::{JWE_REGISTERED, check_crit};
use crate::jwk::Jwk;

/// A JWE header: the protected header of a compact JWE, or for the JSON serialization the union
/// of the protected, shared unprotected and per-recipient headers of one recipient.
///
/// Parameters tessera computes while encrypting (`epk`, `iv`, `tag`, `p2s`, `p2c`) are filled in
/// by the encryption functions; set only what you mean to send. `jku`, `x5u`, `jwk` and `x5c`
/// are kept for inspection, never used to find or trust a key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JweHeader {
    /// `alg`: how the content encryption key is managed.
    pub alg: KeyManagementAlgorithm,
    /// `enc`: how the content is encrypted.
    pub enc: ContentEncryptionAlgorithm,
    /// `zip`: `DEF` when the plaintext was compressed.
    pub zip: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    /// `typ`.
    pub typ: Option<String>,
    /// `cty`, e.g. `JWT` for a nested token.
    pub cty: Option<String>,
    /// `crit`.
    pub crit: Option<Vec<String>>,
    /// `epk`: the ephemeral public key of ECDH-ES, validated on its curve when parsed.
    pub epk: Option<Jwk>,
    /// `apu` (decoded).
    pub apu: Option<Vec<u8>>,
    /// `apv` (decoded).
    pub apv: Option<Vec<u8>>,
    /// `iv` of AES-GCM key wrapping (decoded).
    pub iv: Option<Vec<u8>>,
    /// `tag` of AES-GCM key wrapping (decoded).
    pub tag: Option<Vec<u8>>,
    /// `p2s`: the PBES2 salt input (decoded).
    pub p2s: Option<Vec<u8>>,
    /// `p2c`: the PBES2 iteration count.
    pub p2c: Option<u32>,
    /// Every other parameter (`jku`, `jwk`, `x5u`, `x5c`, `x5t`, `x5t#S256`, private ones),
    /// as given.
    pub other: Map<String, Value>,
}

impl JweHeader {
    /// A header with only `alg` and `enc`.
    pub fn new(alg: KeyManagementAlgorithm, enc: ContentEncryptionAlgorithm) -> Self {
        JweHeader {
            alg,
            enc,
            zip: None,
            kid: None,
            typ: None,
            cty: None,
            crit: None,
            epk: None,
            apu: None,
            apv: None,
            iv: None,
            tag: None,
            p2s: None,
            p2c: None,
            other: Map::new(),
        }
    }

    /// Sets `kid` (builder style).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `typ` (builder style).
    pub fn with_typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Sets `cty` (builder style).
    pub fn with_cty(mut self, cty: impl Into<String>) -> Self {
        self.cty = Some(cty.into());
        self
    }

    /// Asks for the plaintext to be compressed with DEFLATE (`zip: DEF`) before encryption.
    /// Recipients refuse compressed tokens unless they opt in.
    pub fn with_deflate(mut self) -> Self {
        self.zip = Some("DEF".into());
        self
    }

    /// Builds the header from a parsed JSON object (the merged JOSE header), strictly: members
    /// of the wrong type, unknown algorithms and an `epk` that is not a valid public key on its
    /// curve are errors.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, Error> {
        let required = |member: &'static str| match map.get(member) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(wrong_type(member, JsonType::String)),
            None => Err(HeaderProblem::Missing { member, alg: None }.into()),
        };
        let alg = required("alg")?.parse::<KeyManagementAlgorithm>()?;
        let enc = required("enc")?.parse::<ContentEncryptionAlgorithm>()?;
        let mut h = JweHeader::new(alg, enc);
        for (k, v) in map {
            match k.as_str() {
                "alg" | "enc" => {}
                "zip" => h.zip = Some(string("zip", v)?),
                "kid" => h.kid = Some(string("kid", v)?),
                "typ" => h.typ = Some(string("typ", v)?),
                "cty" => h.cty = Some(string("cty", v)?),
                "crit" => {
                    let Value::Array(a) = v else {
                        return Err(CritProblem::NotStringArray.into());
                    };
                    let mut out = Vec::with_capacity(a.len());
                    for e in a {
                        let Value::String(s) = e else {
                            return Err(CritProblem::NotStringArray.into());
                        };
                        out.push(s.clone());
                    }
                    h.crit = Some(out);
                }
                "epk" => {
                    let Value::Object(m) = v else {
                        return Err(wrong_type("epk", JsonType::Jwk));
                    };
                    let jwk = Jwk::from_map(m.clone()).map_err(|e| Error::InvalidHeader {
                        problem: HeaderProblem::InvalidEpk,
                        source: Some(Box::new(e)),
                    })?;
                    if jwk.is_private() {
                        return Err(HeaderProblem::EpkNotPublic.into());
                    }
                    h.epk = Some(jwk);
                }
                "apu" => h.apu = Some(bytes(v, "apu")?),
                "apv" => h.apv = Some(bytes(v, "apv")?),
                "iv" => h.iv = Some(bytes(v, "iv")?),
                "tag" => h.tag = Some(bytes(v, "tag")?),
                "p2s" => h.p2s = Some(bytes(v, "p2s")?),
                "p2c" => {
                    let n = v
                        .as_u64()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| wrong_type("p2c", JsonType::PositiveInteger))?;
                    let n = u32::try_from(n)
                        .map_err(|_| HeaderProblem::OutOfRange { member: "p2c" })?;
                    h.p2c = Some(n);
                }
                _ => {
                    h.other.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(h)
    }

    /// Whether a parameter of this name is present.
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "alg" | "enc" => true,
            "zip" => self.zip.is_some(),
            "kid" => self.kid.is_some(),
            "typ" => self.typ.is_some(),
            "cty" => self.cty.is_some(),
            "crit" => self.crit.is_some(),
            "epk" => self.epk.is_some(),
            "apu" => self.apu.is_some(),
            "apv" => self.apv.is_some(),
            "iv" => self.iv.is_some(),
            "tag" => self.tag.is_some(),
            "p2s" => self.p2s.is_some(),
            "p2c" => self.p2c.is_some(),
            other => self.other.contains_key(other),
        }
    }

    /// The header as a JSON object (`alg` and `enc` always present).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("alg".into(), self.alg.as_str().into());
        m.insert("enc".into(), self.enc.as_str().into());
        let mut s = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(name.into(), Value::String(v.clone()));
            }
        };
        s("zip", &self.zip);
        s("kid", &self.kid);
        s("typ", &self.typ);
        s("cty", &self.cty);
        if let Some(c) = &self.crit {
            m.insert("crit".into(), c.clone().into());
        }
        if let Some(epk) = &self.epk {
            m.insert("epk".into(), Value::Object(epk.to_json_value()));
        }
        let mut b = |name: &str, v: &Option<Vec<u8>>| {
            if let Some(v) = v {
                m.insert(name.into(), Value::String(b64::encode(v)));
            }
        };
        b("apu", &self.apu);
        b("apv", &self.apv);
        b("iv", &self.iv);
        b("tag", &self.tag);
        b("p2s", &self.p2s);
        if let Some(n) = self.p2c {
            m.insert("p2c".into(), n.into());
        }
        for (k, v) in &self.other {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        m
    }
}

fn wrong_type(member: &'static str, expected: JsonType) -> Error {
    HeaderProblem::WrongType { member, expected }.into()
}

fn string(name: &'static str, v: &Value) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(wrong_type(name, JsonType::String)),
    }
}

fn bytes(v: &Value, name: &'static str) -> Result<Vec<u8>, Error> {
    match v {
        Value::String(s) => Ok(b64::decode_named(s, name)?),
        _ => Err(wrong_type(name, JsonType::Base64url)),
    }
}

/// Checks `crit` of a JWE: it must sit in the protected header (`protected_has_crit`), and every
/// entry must be understood and present in the merged header.
pub(crate) fn check_jwe_crit(
    merged: &JweHeader,
    protected: &Map<String, Value>,
    any_unprotected_has_crit: bool,
    understood: &[String],
) -> Result<(), Error> {
    if any_unprotected_has_crit {
        return Err(CritProblem::NotProtected.into());
    }
    if let Some(crit) = protected.get("crit") {
        check_crit(crit, true, JWE_REGISTERED, understood, |n| {
            merged.contains(n)
        })?;
    }
    Ok(())
}
