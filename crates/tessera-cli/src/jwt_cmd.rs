//! `tessera jwt …`

use serde_json::{Map, Value, json};
use tessera_core::{Clock, SystemClock, UnixTime, b64};
use tessera_jose::jws::{CompactJws, JwsOptions};
use tessera_jose::remote::RemoteJwkSet;
use tessera_jose::{JwkSet, JwsAlgorithm};
use tessera_jwt::{Error as JwtError, JwtBuilder, KeyStore, Policy, RemoteKeys};

use crate::CmdResult;
use crate::cli::{JwtCommand, JwtSignArgs, JwtVerifyArgs};
use crate::error::{CliError, Result, bad_core_input, chain, token_error};
use crate::http::FetchLog;
use crate::io::{Inputs, Output, refuse_json_for_jwt, refuse_jwe, warn};
use crate::jws_cmd;
use crate::keys::{self, KeyFile};

pub(crate) fn run(cmd: JwtCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JwtCommand::Sign(args) => sign(args, inputs),
        JwtCommand::Verify(args) => verify(args, inputs),
        JwtCommand::Decode { token } => {
            let token = inputs.read_token("token", &token)?;
            decode(&token)
        }
    }
}

fn now(arg: Option<u64>) -> UnixTime {
    arg.map_or_else(|| SystemClock.now(), UnixTime)
}

fn sign(args: JwtSignArgs, inputs: &mut Inputs) -> CmdResult {
    let (_, key) = jws_cmd::signing_key(inputs, &args.key, args.alg.as_deref())?;
    let claims_json = inputs.read_json_arg("--claims", &args.claims)?;
    let claims: Map<String, Value> = tessera_core::json::parse_object(&claims_json, "--claims")
        .map_err(bad_core_input("--claims"))?;
    let now = now(args.now);
    let has_iat = claims.contains_key("iat");
    let mut builder = JwtBuilder::new().claims(&claims);
    if !has_iat && !args.no_iat {
        builder = builder.issued_at(now);
    }
    if let Some(secs) = args.expires_in {
        builder = builder.expires_in(now, secs);
    }
    let expires = args.expires_in.is_some() || claims.contains_key("exp");
    if let Some(typ) = args.typ {
        builder = builder.typ(typ);
    }
    if let Some(kid) = args.kid {
        builder = builder.kid(kid);
    }
    let token = builder.sign(&key).map_err(|e| CliError::usage(chain(&e)))?;
    if !expires {
        // Still a valid token (some uses want none), but not one `jwt verify` accepts by default.
        warn(
            "warning: this token never expires (no --expires-in and no \"exp\" in --claims); \
             `tessera jwt verify` requires \"exp\" unless --insecure-allow-missing-exp",
        );
    }
    Ok(Output::Line(token))
}

/// Maps a verification error to the contract's status: unreadable input (a malformed token or
/// claims set, keys that cannot be fetched, a bad option) is 2; everything else is a rejection.
fn verify_error(e: JwtError) -> CliError {
    match e {
        JwtError::Jose(j) => token_error(j),
        e @ (JwtError::MalformedClaims { .. }
        | JwtError::DuplicateClaim { .. }
        | JwtError::Remote(_)
        | JwtError::KeysUnavailable
        | JwtError::InvalidPolicy { .. }
        | JwtError::Build { .. }) => CliError::usage(chain(&e)),
        other => CliError::rejected(chain(&other)),
    }
}

fn verify(args: JwtVerifyArgs, inputs: &mut Inputs) -> CmdResult {
    let algs: Vec<JwsAlgorithm> = keys::parse_alg_list(&args.alg, "--alg")?;
    let mut builder = Policy::builder().algorithms(algs.iter().copied());
    if args.iss.is_empty() {
        // The command's contract: without --iss the issuer is not checked (the library
        // requires this waiver to be explicit).
        builder = builder.insecure_skip_issuer_check();
    } else {
        builder = builder.issuers(args.iss.iter().cloned());
    }
    if args.insecure_skip_audience {
        builder = builder.insecure_skip_audience_check();
    } else if args.aud.is_empty() {
        return Err(CliError::usage(
            "--aud is required (or --insecure-skip-audience to accept any audience)",
        ));
    } else {
        builder = builder.audiences(args.aud.iter().cloned());
    }
    if !args.typ.is_empty() {
        for t in &args.typ {
            builder = builder.typ(t.clone());
        }
    }
    if let Some(l) = args.leeway {
        builder = builder.leeway(l);
    }
    if let Some(m) = args.max_age {
        builder = builder.max_age(m);
    }
    if args.insecure_allow_missing_exp {
        builder = builder.insecure_allow_missing_exp();
    }
    builder = builder.required_claims(args.require.iter().cloned());
    let policy = builder.build().map_err(verify_error)?;
    let now = now(args.now);

    let verified_token = match (&args.key, &args.jwks_url) {
        (Some(path), None) => {
            let store = key_store(keys::load(inputs, "--key", path)?)?;
            let token = inputs.read_token("token", &args.token)?;
            refuse_jwe(&token)?;
            refuse_json_for_jwt(&token)?;
            policy
                .verify_at::<Map<String, Value>>(&token, &store, now)
                .map_err(verify_error)?;
            token
        }
        (None, Some(url)) => {
            let token = inputs.read_token("token", &args.token)?;
            refuse_jwe(&token)?;
            refuse_json_for_jwt(&token)?;
            verify_remote(&policy, url, &token, now)?;
            token
        }
        _ => return Err(CliError::usage("give exactly one of --key and --jwks-url")),
    };
    // The token verified: print its claims exactly as they were signed.
    let jws = CompactJws::parse(&verified_token, &JwsOptions::default()).map_err(token_error)?;
    let payload = if jws.header().payload_is_encoded() {
        b64::decode_named(jws.payload_segment(), "JWT claims")
            .map_err(|e| CliError::usage(chain(&e)))?
    } else {
        jws.payload_segment().as_bytes().to_vec()
    };
    let claims = tessera_core::json::parse_object(&payload, "JWT claims")
        .map_err(|e| CliError::usage(chain(&e)))?;
    Ok(Output::Json(Value::Object(claims)))
}

/// A key store from a key file: every algorithm each key can verify, public halves only.
fn key_store(keys: KeyFile) -> Result<KeyStore> {
    let set = match keys {
        KeyFile::Single(jwk) => {
            let jwk = match jwk.to_public() {
                Some(p) if jwk.is_private() => p,
                _ => *jwk,
            };
            JwkSet::from_keys([jwk])
        }
        KeyFile::Set(set) => set,
    };
    let store = KeyStore::from_jwk_set(&set);
    if store.is_empty() {
        return Err(CliError::usage(
            "--key: no key in the file can verify signatures (encryption-only or too small?)",
        ));
    }
    Ok(store)
}

fn verify_remote(policy: &Policy, url: &str, token: &str, now: UnixTime) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the I/O runtime: {}", chain(&e))))?;
    runtime.block_on(async {
        let client = tessera_reqwest::ReqwestClient::new()
            .map_err(|e| CliError::usage(format!("cannot build the HTTP client: {}", chain(&e))))?;
        let log = FetchLog::default();
        let remote = RemoteJwkSet::from_uri(url, log.wrap(client))
            .map_err(|e| CliError::usage(format!("--jwks-url: {}", chain(&e))))?;
        let keys = RemoteKeys::new(remote);
        policy
            .verify_async_at::<Map<String, Value>>(token, &keys, now)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                // The keys could not be had: say which URL failed and why, causes included.
                JwtError::Remote(_) | JwtError::KeysUnavailable => CliError::usage(
                    log.last_failure()
                        .unwrap_or_else(|| format!("fetching {url} failed: {}", chain(&e))),
                ),
                other => verify_error(other),
            })
    })
}

/// Decodes a compact JWS's header and claims without verifying anything.
fn decode(token: &str) -> CmdResult {
    tessera_core::limits::check(
        "token",
        token.len(),
        tessera_core::limits::DEFAULT_MAX_TOKEN_BYTES,
    )
    .map_err(|e| CliError::usage(chain(&e)))?;
    let parts: Vec<&str> = token.split('.').collect();
    let (header, payload) = match parts.as_slice() {
        [h, p, _] => (*h, *p),
        [_, _, _, _, _] => {
            return Err(CliError::usage(
                "this is an encrypted JWT (JWE, 5 parts); it cannot be decoded without the key",
            ));
        }
        other => {
            return Err(CliError::usage(format!(
                "malformed token: {} parts, a signed JWT has 3",
                other.len()
            )));
        }
    };
    let header = parse_segment(header, "JWT header")?;
    let claims = parse_segment(payload, "JWT claims")?;
    warn("warning: the signature was NOT verified; do not trust these claims");
    Ok(Output::Json(json!({ "header": header, "claims": claims })))
}

fn parse_segment(seg: &str, what: &'static str) -> Result<Value> {
    let bytes = b64::decode_named(seg, what)
        .map_err(|e| CliError::usage(format!("malformed token: {}", chain(&e))))?;
    let map = tessera_core::json::parse_object(&bytes, what)
        .map_err(|e| CliError::usage(format!("malformed token: {}", chain(&e))))?;
    Ok(Value::Object(map))
}
