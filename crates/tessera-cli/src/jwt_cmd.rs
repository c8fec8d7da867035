//! `tessera jwt …`

use serde_json::{Value, json};
use tessera_core::b64;

use crate::CmdResult;
use crate::cli::JwtCommand;
use crate::error::CliError;
use crate::io::{Inputs, Output, warn};

pub fn run(cmd: JwtCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JwtCommand::Decode { token } => {
            let token = inputs.read_token("token", &token)?;
            decode(&token)
        }
    }
}

/// Decodes a compact JWS's header and claims without verifying anything.
fn decode(token: &str) -> CmdResult {
    tessera_core::limits::check(
        "token",
        token.len(),
        tessera_core::limits::DEFAULT_MAX_TOKEN_BYTES,
    )
    .map_err(|e| CliError::usage(e.to_string()))?;
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

fn parse_segment(seg: &str, what: &'static str) -> Result<Value, CliError> {
    let bytes = b64::decode_named(seg, what)
        .map_err(|e| CliError::usage(format!("malformed token: {e}")))?;
    let map = tessera_core::json::parse_object(&bytes, what)
        .map_err(|e| CliError::usage(format!("malformed token: {e}")))?;
    Ok(Value::Object(map))
}
