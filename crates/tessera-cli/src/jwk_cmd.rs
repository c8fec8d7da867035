//! `tessera jwk …`

use tessera_jose::jwk::ThumbprintHash;

use crate::CmdResult;
use crate::cli::JwkCommand;
use crate::error::CliError;
use crate::io::{Inputs, Output};
use crate::keys::{self, KeyFile};

pub fn run(cmd: JwkCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JwkCommand::Public { file } => {
            let bytes = inputs.read("JWK", &file)?;
            match keys::parse(&bytes)? {
                KeyFile::Single(jwk) => {
                    let public = jwk.to_public().ok_or_else(|| {
                        CliError::usage("a symmetric (oct) key has no public half")
                    })?;
                    Ok(Output::Json(public.to_json_value().into()))
                }
                KeyFile::Set(set) => Ok(Output::Json(set.to_public().to_json_value().into())),
            }
        }
        JwkCommand::Thumbprint { uri, hash, file } => {
            let bytes = inputs.read("JWK", &file)?;
            let jwk = keys::parse(&bytes)?.single("JWK")?;
            let hash = match hash.as_str() {
                "sha-384" => ThumbprintHash::Sha384,
                "sha-512" => ThumbprintHash::Sha512,
                _ => ThumbprintHash::Sha256,
            };
            Ok(Output::Line(if uri {
                jwk.thumbprint_uri(hash)
            } else {
                tessera_core::b64::encode(jwk.thumbprint(hash))
            }))
        }
    }
}
