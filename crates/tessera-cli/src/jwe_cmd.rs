//! `tessera jwe …`

use serde_json::{Map, Value};
use tessera_jose::Jwk;
use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera_jose::jwe::{
    self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweJson, JweJsonBuilder, JweOptions,
};

use crate::CmdResult;
use crate::cli::{JweCommand, JweDecryptArgs, JweEncryptArgs};
use crate::error::{CliError, Result, bad_core_input, bad_input, chain, token_error};
use crate::io::{Inputs, Output};
use crate::keys::{self, KeyFile};

pub(crate) fn run(cmd: JweCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JweCommand::Encrypt(args) => encrypt(args, inputs),
        JweCommand::Decrypt(args) => decrypt(args, inputs),
    }
}

fn parse_one<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse()
        .map_err(|_| CliError::usage(format!("{what}: unsupported algorithm {s:?}")))
}

/// The recipient's key: the public half of an asymmetric private key, or the key itself.
pub(crate) fn encryption_key(jwk: &Jwk, alg: Alg) -> Result<EncryptionKey> {
    let public = if jwk.is_private() {
        jwk.to_public()
    } else {
        None
    };
    EncryptionKey::from_jwk(public.as_ref().unwrap_or(jwk), alg).map_err(bad_input("--key"))
}

fn encrypt(args: JweEncryptArgs, inputs: &mut Inputs) -> CmdResult {
    let alg: Alg = parse_one(&args.alg, "--alg")?;
    let enc: Enc = parse_one(&args.enc, "--enc")?;
    let jwk = keys::load(inputs, "--key", &args.key)?.single("--key")?;
    let key = encryption_key(&jwk, alg)?;
    let extra = match &args.header {
        Some(json) => tessera_core::json::parse_object(json.as_bytes(), "--header")
            .map_err(bad_core_input("--header"))?,
        None => Map::new(),
    };
    for (name, want) in [("alg", alg.as_str()), ("enc", enc.as_str())] {
        if let Some(v) = extra.get(name)
            && v.as_str() != Some(want)
        {
            return Err(CliError::usage(format!(
                "--header: \"{name}\" is {v}, but --{name} is {want}"
            )));
        }
    }
    let plaintext = inputs.stdin("plaintext")?;
    if args.json || args.flattened {
        let mut builder = JweJsonBuilder::new(enc);
        for (k, v) in extra {
            if k != "alg" && k != "enc" {
                builder = builder.protected(k, v);
            }
        }
        let built = builder
            .recipient(&key)
            .encrypt(&plaintext)
            .map_err(|e| CliError::usage(chain(&e)))?;
        let doc = if args.json {
            built.to_general_json()
        } else {
            built
                .to_flattened_json()
                .map_err(|e| CliError::usage(chain(&e)))?
        };
        let value: Value = serde_json::from_str(&doc)
            .map_err(|e| CliError::usage(format!("internal: encrypter output: {e}")))?;
        return Ok(Output::Json(value));
    }
    let mut map = extra;
    map.insert("alg".into(), alg.as_str().into());
    map.insert("enc".into(), enc.as_str().into());
    let header = JweHeader::from_map(&map).map_err(bad_input("--header"))?;
    let token =
        jwe::encrypt_compact(&header, &plaintext, &key).map_err(|e| CliError::usage(chain(&e)))?;
    Ok(Output::Line(token))
}

/// JSON serializations may be larger than compact tokens: allow up to 1 MiB.
const MAX_JSON: usize = 1024 * 1024;

fn decrypt(args: JweDecryptArgs, inputs: &mut Inputs) -> CmdResult {
    let algs: Option<Vec<Alg>> = match &args.alg {
        Some(list) => Some(keys::parse_alg_list(list, "--alg")?),
        None => None,
    };
    let encs: Option<Vec<Enc>> = match &args.enc {
        Some(list) => Some(keys::parse_alg_list(list, "--enc")?),
        None => None,
    };
    let keys = keys::load(inputs, "--key", &args.key)?;
    let token = inputs.read_token("token", &args.token)?;
    let mut opts = JweOptions::default();
    opts.algs = algs.clone();
    opts.encs = encs;
    if token.starts_with('{') {
        opts.max_len = MAX_JSON;
        let doc = JweJson::parse(token.as_bytes(), &opts).map_err(token_error)?;
        let mut tried: Vec<(Alg, Option<String>)> = Vec::new();
        for i in 0..doc.recipient_count() {
            let mut merged = doc.protected_header().clone();
            for extra in [doc.unprotected_header(), doc.recipient_header(i)]
                .into_iter()
                .flatten()
            {
                merged.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            let Some(alg) = merged
                .get("alg")
                .and_then(Value::as_str)
                .and_then(|a| a.parse::<Alg>().ok())
            else {
                continue;
            };
            let kid = merged.get("kid").and_then(Value::as_str).map(str::to_owned);
            if !tried.contains(&(alg, kid.clone())) {
                tried.push((alg, kid));
            }
        }
        let mut last = None;
        for (alg, kid) in &tried {
            if algs.as_ref().is_some_and(|a| !a.contains(alg)) {
                last = Some(tessera_jose::Error::AlgorithmNotAllowed {
                    alg: alg.as_str().to_owned(),
                });
                continue;
            }
            for jwk in candidates(&keys, kid.as_deref()) {
                match DecryptionKey::from_jwk(&jwk, *alg).and_then(|k| doc.decrypt(&k)) {
                    Ok(d) => return Ok(Output::Bytes(d.plaintext)),
                    Err(e) => last = Some(e),
                }
            }
        }
        return Err(token_error(last.unwrap_or(
            tessera_jose::Error::NoMatchingKey {
                kid: None,
                alg: "any".into(),
            },
        )));
    }
    let parsed = CompactJwe::parse(&token, &opts).map_err(token_error)?;
    let alg = parsed.header().alg;
    let kid = parsed.header().kid.clone();
    let mut last = None;
    for jwk in candidates(&keys, kid.as_deref()) {
        match DecryptionKey::from_jwk(&jwk, alg).and_then(|k| parsed.decrypt(&k)) {
            Ok(p) => return Ok(Output::Bytes(p)),
            Err(e) => last = Some(e),
        }
    }
    Err(token_error(last.unwrap_or(
        tessera_jose::Error::NoMatchingKey {
            kid,
            alg: alg.as_str().to_owned(),
        },
    )))
}

/// The keys to try: the one key, or the set's keys with the token's `kid` — or, when no key
/// has that `kid`, the keys without one (all keys when the token names none).
///
/// Decryption keeps this wider rule (RFC 7516 A.4 sends recipients with kids to a JWK Set
/// whose keys have none); signature verification uses [`KeyFile::by_kid`], the rule shared
/// with `VerifierSet`.
fn candidates(keys: &KeyFile, kid: Option<&str>) -> Vec<Jwk> {
    match (keys, kid) {
        (KeyFile::Single(jwk), _) => vec![(**jwk).clone()],
        (KeyFile::Set(set), Some(kid)) => {
            let named: Vec<Jwk> = set.by_kid(kid).cloned().collect();
            if named.is_empty() {
                set.keys()
                    .iter()
                    .filter(|k| k.kid.is_none())
                    .cloned()
                    .collect()
            } else {
                named
            }
        }
        (KeyFile::Set(set), None) => set.keys().to_vec(),
    }
}
