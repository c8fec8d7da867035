//! Loading key files: a JWK or a JWK Set (JSON), or a PEM key.

use tessera_jose::jwk::{EcCurve, KeyParams, OkpCurve};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm};

use crate::error::{CliError, Result, bad_core_input, bad_input};
use crate::io::Inputs;

/// The contents of a key file.
#[derive(Debug)]
pub(crate) enum KeyFile {
    /// One JWK.
    Single(Box<Jwk>),
    /// A JWK Set.
    Set(JwkSet),
}

/// Reads and parses the key file `path` (or stdin for `-`), given with the option `flag`.
pub(crate) fn load(inputs: &mut Inputs, flag: &'static str, path: &str) -> Result<KeyFile> {
    let bytes = inputs.read(flag, path)?;
    let label = if path == "-" {
        "key file (stdin)".to_owned()
    } else {
        format!("key file {path}")
    };
    parse(&bytes, &label)
}

/// Parses a key file: a PEM key, a JWK Set when the object has a `keys` member, else a JWK.
/// `label` names the file in errors ("key file key.json").
pub(crate) fn parse(bytes: &[u8], label: &str) -> Result<KeyFile> {
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CliError::usage(format!("{label}: PEM that is not UTF-8 text")))?;
        return Jwk::from_pem(text)
            .map(|k| KeyFile::Single(Box::new(k)))
            .map_err(bad_input(label));
    }
    let map = tessera_core::json::parse_object(bytes, "key file").map_err(bad_core_input(label))?;
    if map.contains_key("keys") {
        let set = JwkSet::from_json(bytes).map_err(bad_input(label))?;
        if set.is_empty() {
            return Err(CliError::usage(format!(
                "{label}: the JWK Set has no usable keys"
            )));
        }
        Ok(KeyFile::Set(set))
    } else {
        Jwk::from_map(map)
            .map(|k| KeyFile::Single(Box::new(k)))
            .map_err(bad_input(label))
    }
}

impl KeyFile {
    /// The sole key rule, shared with `tessera_jose::jws::VerifierSet`: exactly one key was
    /// given and it has no `kid` of its own (a PEM key, a JWK without `kid`, a JWK Set of that
    /// one key), so a token's `kid` does not exclude it.
    pub(crate) fn is_sole_unnamed(&self) -> bool {
        match self {
            KeyFile::Single(jwk) => jwk.kid.is_none(),
            KeyFile::Set(set) => matches!(set.keys(), [only] if only.kid.is_none()),
        }
    }

    /// The keys to try for a token with this `kid` (if it names one), before the algorithm
    /// is considered: the sole key without a `kid` whatever the token's `kid`; otherwise the
    /// keys with the token's `kid`, or every key when the token names none. A `kid` that
    /// matches no key finds nothing (reported as "no key with kid …").
    pub(crate) fn by_kid(&self, kid: Option<&str>) -> Vec<&Jwk> {
        let kid = if self.is_sole_unnamed() { None } else { kid };
        match self {
            KeyFile::Single(jwk) => {
                if kid.is_none_or(|kid| jwk.kid.as_deref() == Some(kid)) {
                    vec![&**jwk]
                } else {
                    Vec::new()
                }
            }
            KeyFile::Set(set) => match kid {
                Some(kid) => set.by_kid(kid).collect(),
                None => set.keys().iter().collect(),
            },
        }
    }

    /// The one key, for commands that take exactly one (signing, thumbprints). A set with a
    /// single key is accepted.
    pub(crate) fn single(self, what: &str) -> Result<Jwk> {
        match self {
            KeyFile::Single(k) => Ok(*k),
            KeyFile::Set(s) if s.len() == 1 => s
                .keys()
                .first()
                .cloned()
                .ok_or_else(|| CliError::usage(format!("{what}: empty JWK Set"))),
            KeyFile::Set(s) => Err(CliError::usage(format!(
                "{what}: a JWK Set of {} keys; this command needs exactly one key",
                s.len()
            ))),
        }
    }
}

/// The JWS algorithm a key implies: its `alg` member, or the only algorithm that fits an EC
/// or OKP key. RSA and `oct` keys fit several, so they need `--alg`.
pub(crate) fn infer_jws_alg(jwk: &Jwk) -> Result<JwsAlgorithm> {
    if let Some(a) = &jwk.alg {
        return a
            .parse()
            .map_err(|_| CliError::usage(format!("the key's alg {a:?} is not a JWS algorithm")));
    }
    match jwk.params() {
        KeyParams::Ec(p) => Ok(match p.crv {
            EcCurve::P256 => JwsAlgorithm::ES256,
            EcCurve::P384 => JwsAlgorithm::ES384,
            EcCurve::P521 => JwsAlgorithm::ES512,
            _ => return Err(CliError::usage("--alg is required for this key")),
        }),
        KeyParams::Okp(p) if p.crv == OkpCurve::Ed25519 => Ok(JwsAlgorithm::EdDSA),
        _ => Err(CliError::usage(format!(
            "--alg is required: a {} key without an \"alg\" member fits several algorithms",
            jwk.kty()
        ))),
    }
}

/// Parses a comma-separated list of algorithms (`--alg RS256,ES256`).
pub(crate) fn parse_alg_list<T: std::str::FromStr>(list: &str, what: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        out.push(
            name.parse()
                .map_err(|_| CliError::usage(format!("{what}: unsupported algorithm {name:?}")))?,
        );
    }
    if out.is_empty() {
        return Err(CliError::usage(format!("{what}: no algorithm given")));
    }
    Ok(out)
}
