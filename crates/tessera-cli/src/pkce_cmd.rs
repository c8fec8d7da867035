//! `tessera pkce`

use serde_json::json;
use tessera_pkce::CodeVerifier;

use crate::CmdResult;
use crate::cli::PkceArgs;
use crate::error::{CliError, chain};
use crate::io::Output;

pub(crate) fn run(args: PkceArgs) -> CmdResult {
    let verifier = CodeVerifier::generate_with_len(usize::from(args.length))
        .map_err(|e| CliError::usage(chain(&e)))?;
    let challenge = verifier.challenge();
    Ok(Output::Json(json!({
        "code_verifier": verifier.secret(),
        "code_challenge": challenge.as_str(),
        "code_challenge_method": challenge.method().as_str(),
    })))
}
