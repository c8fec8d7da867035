//! `tessera jws …`

use serde_json::Value;
use tessera_jose::jws::{self, CompactJws, JsonJws, JwsHeader, JwsJsonSigner, JwsOptions};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey, VerifyingKey};

use crate::CmdResult;
use crate::cli::{JwsCommand, JwsSignArgs, JwsVerifyArgs};
use crate::error::{CliError, Result, bad_core_input, bad_input, chain, token_error};
use crate::io::{Inputs, Output, refuse_jwe};
use crate::keys::{self, KeyFile};

pub(crate) fn run(cmd: JwsCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JwsCommand::Sign(args) => sign(args, inputs),
        JwsCommand::Verify(args) => verify(args, inputs),
    }
}

/// Builds the protected header: `alg`, then the user's `--header` members.
pub(crate) fn build_header(alg: JwsAlgorithm, extra: Option<&str>) -> Result<JwsHeader> {
    let mut map = match extra {
        Some(json) => tessera_core::json::parse_object(json.as_bytes(), "--header")
            .map_err(bad_core_input("--header"))?,
        None => serde_json::Map::new(),
    };
    match map.get("alg") {
        None => {
            map.insert("alg".into(), Value::String(alg.as_str().into()));
        }
        Some(Value::String(a)) if a == alg.as_str() => {}
        Some(other) => {
            return Err(CliError::usage(format!(
                "--header: \"alg\" is {other}, but the signing algorithm is {alg}"
            )));
        }
    }
    JwsHeader::from_map(map).map_err(bad_input("--header"))
}

/// Loads the signing key and picks the algorithm.
pub(crate) fn signing_key(
    inputs: &mut Inputs,
    path: &str,
    alg: Option<&str>,
) -> Result<(Jwk, SigningKey)> {
    let jwk = keys::load(inputs, "--key", path)?.single("--key")?;
    let alg = match alg {
        Some(a) => a
            .parse::<JwsAlgorithm>()
            .map_err(|_| CliError::usage(format!("--alg: unsupported JWS algorithm {a:?}")))?,
        None => keys::infer_jws_alg(&jwk)?,
    };
    let key = SigningKey::from_jwk(&jwk, alg).map_err(bad_input("--key"))?;
    Ok((jwk, key))
}

fn sign(args: JwsSignArgs, inputs: &mut Inputs) -> CmdResult {
    let (_, key) = signing_key(inputs, &args.key, args.alg.as_deref())?;
    let mut header = build_header(key.alg(), args.header.as_deref())?;
    if args.unencoded {
        header.b64 = Some(false);
    }
    let payload = inputs.stdin("payload")?;
    if args.json || args.flattened {
        let mut signer = JwsJsonSigner::new(&payload).signature(&key, Some(header), None);
        if args.detached {
            signer = signer.detached();
        }
        let doc = if args.json {
            signer.general()
        } else {
            signer.flattened()
        }
        .map_err(|e| CliError::usage(chain(&e)))?;
        let value: Value = serde_json::from_str(&doc)
            .map_err(|e| CliError::usage(format!("internal: signer output: {e}")))?;
        return Ok(Output::Json(value));
    }
    let token = if args.detached {
        jws::sign_compact_detached(&header, &payload, &key)
    } else {
        jws::sign_compact(&header, &payload, &key)
    }
    .map_err(|e| CliError::usage(chain(&e)))?;
    Ok(Output::Line(token))
}

/// The keys that may verify a token with this `kid` and algorithm, by the rule of
/// [`KeyFile::by_kid`] (the sole key without a `kid` is never excluded by the token's `kid`;
/// otherwise a `kid` must name the key): from a set, only those that fit the algorithm.
pub(crate) fn candidates(keys: &KeyFile, kid: Option<&str>, alg: JwsAlgorithm) -> Vec<Jwk> {
    match keys {
        KeyFile::Single(_) => keys.by_kid(kid).into_iter().cloned().collect(),
        KeyFile::Set(set) => {
            let kid = if keys.is_sole_unnamed() { None } else { kid };
            set.candidates(kid, alg).cloned().collect()
        }
    }
}

/// Prepares a verifying key, using the public half of an asymmetric private key.
pub(crate) fn verifying_key(
    jwk: &Jwk,
    alg: JwsAlgorithm,
) -> std::result::Result<VerifyingKey, tessera_jose::Error> {
    match jwk.to_public() {
        Some(public) if jwk.is_private() => VerifyingKey::from_jwk(&public, alg),
        _ => VerifyingKey::from_jwk(jwk, alg),
    }
}

fn verify(args: JwsVerifyArgs, inputs: &mut Inputs) -> CmdResult {
    let allowed: Vec<JwsAlgorithm> = keys::parse_alg_list(&args.alg, "--alg")?;
    let keys = keys::load(inputs, "--key", &args.key)?;
    let token = inputs.read_token("token", &args.token)?;
    refuse_jwe(&token)?;
    let detached_payload = match &args.payload {
        Some(p) => Some(inputs.read("--payload", p)?),
        None => None,
    };
    if token.starts_with('{') {
        let doc = JsonJws::parse(&token, &json_options()).map_err(token_error)?;
        let payload = verify_json(&doc, &keys, &allowed, detached_payload.as_deref())?;
        return Ok(Output::Bytes(payload));
    }
    let parsed = CompactJws::parse(&token, &JwsOptions::default()).map_err(token_error)?;
    let payload = verify_parsed(&parsed, &keys, &allowed, detached_payload.as_deref())?;
    Ok(Output::Bytes(payload))
}

/// Verifies a parsed compact JWS against the allow-list and key file; returns the payload.
pub(crate) fn verify_parsed(
    parsed: &CompactJws<'_>,
    keys: &KeyFile,
    allowed: &[JwsAlgorithm],
    detached_payload: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let alg = parsed.header().alg;
    if !allowed.contains(&alg) {
        return Err(CliError::rejected(format!(
            "the token's algorithm {alg} is not in the allowed list (--alg)"
        )));
    }
    let kid = parsed.header().kid.as_deref();
    let candidates = candidates(keys, kid, alg);
    if candidates.is_empty() {
        return Err(token_error(tessera_jose::Error::NoMatchingKey {
            kid: kid.map(str::to_owned),
            alg: alg.as_str().to_owned(),
        }));
    }
    let mut last = None;
    for jwk in &candidates {
        let key = match verifying_key(jwk, alg) {
            Ok(k) => k,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        let result = match (parsed.is_detached(), detached_payload) {
            (true, Some(p)) => parsed.verify_detached(&key, p).map(|()| p.to_vec()),
            (true, None) => {
                return Err(CliError::usage(
                    "the JWS payload is detached; give it with --payload FILE",
                ));
            }
            (false, Some(_)) => {
                return Err(CliError::usage(
                    "--payload was given but the JWS carries its own payload",
                ));
            }
            (false, None) => parsed.verify(&key),
        };
        match result {
            Ok(payload) => return Ok(payload),
            Err(e) => last = Some(e),
        }
    }
    Err(token_error(
        last.unwrap_or(tessera_jose::Error::InvalidSignature),
    ))
}

/// JSON serializations are larger than compact tokens (several signatures, unencoded
/// payloads): allow up to 1 MiB.
fn json_options() -> JwsOptions {
    JwsOptions::default().with_max_len(1024 * 1024)
}

/// Verifies a JWS JSON Serialization: any signature whose algorithm is allowed and whose key
/// is in the key file will do.
fn verify_json(
    doc: &JsonJws,
    keys: &KeyFile,
    allowed: &[JwsAlgorithm],
    detached_payload: Option<&[u8]>,
) -> Result<Vec<u8>> {
    match (doc.is_detached(), detached_payload) {
        (true, None) => {
            return Err(CliError::usage(
                "the JWS payload is detached; give it with --payload FILE",
            ));
        }
        (false, Some(_)) => {
            return Err(CliError::usage(
                "--payload was given but the JWS carries its own payload",
            ));
        }
        _ => {}
    }
    let mut last = None;
    let mut any_allowed = false;
    for sig in doc.signatures() {
        let alg = sig.header().alg;
        if !allowed.contains(&alg) {
            continue;
        }
        any_allowed = true;
        let kid = sig.header().kid.as_deref();
        for jwk in candidates(keys, kid, alg) {
            let key = match verifying_key(&jwk, alg) {
                Ok(k) => k,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            let result = match detached_payload {
                Some(p) => doc.verify_detached(&key, p).map(|_| p.to_vec()),
                None => doc.verify(&key),
            };
            match result {
                Ok(payload) => return Ok(payload),
                Err(e) => last = Some(e),
            }
        }
    }
    if !any_allowed {
        return Err(CliError::rejected(
            "no signature uses an algorithm in the allowed list (--alg)",
        ));
    }
    Err(token_error(
        last.unwrap_or(tessera_jose::Error::NoMatchingKey {
            kid: None,
            alg: allowed
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }),
    ))
}
