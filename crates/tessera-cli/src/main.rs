//! `tessera`: JOSE, JWT, OAuth and OpenID Connect from the shell.
//!
//! ```text
//! $ tessera pkce
//! $ tessera jwk public key.json | tessera jwk thumbprint -
//! $ echo -n hello | tessera jws sign --key key.json --alg ES256 | tessera jws verify --key key.json --alg ES256
//! $ tessera demo    # a narrated walk-through on 127.0.0.1 that checks itself
//! ```
//!
//! The contract: data on stdout (tokens as text, keys, claims and results as JSON),
//! diagnostics on stderr; exit status 0 on success, 1 when the input was understood but
//! rejected (bad signature, expired, wrong audience, decryption failure), 2 for usage errors
//! and unreadable input. Every file argument takes `-` for stdin.

mod cli;
mod demo;
mod error;
mod http;
mod io;
mod jwe_cmd;
mod jwk_cmd;
mod jws_cmd;
mod jwt_cmd;
mod keys;
mod login_cmd;
mod oauth_cmd;
mod pkce_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::USAGE;
use crate::io::{Inputs, Output, warn};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(USAGE));
        }
    };
    let mut inputs = Inputs::default();
    let result = match cli.command {
        Command::Jwk(cmd) => jwk_cmd::run(cmd, &mut inputs),
        Command::Jws(cmd) => jws_cmd::run(cmd, &mut inputs),
        Command::Jwe(cmd) => jwe_cmd::run(cmd, &mut inputs),
        Command::Jwt(cmd) => jwt_cmd::run(cmd, &mut inputs),
        Command::Pkce(args) => pkce_cmd::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Discover(args) => oauth_cmd::discover_cmd(args),
        Command::Token(cmd) => oauth_cmd::token_cmd(cmd, &mut inputs),
        Command::Introspect(args) => oauth_cmd::introspect_cmd(args, &mut inputs),
        Command::Revoke(args) => oauth_cmd::revoke_cmd(args, &mut inputs),
        Command::Login(args) => login_cmd::run(args, &mut inputs),
        Command::Register(args) => oauth_cmd::register_cmd(args, &mut inputs),
        Command::ResourceMetadata(args) => oauth_cmd::resource_metadata_cmd(args),
    };
    match result {
        Ok(output) => match io::write_stdout(output) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                warn(&format!("cannot write to stdout: {}", error::chain(&e)));
                ExitCode::from(USAGE)
            }
        },
        Err(e) => {
            warn(&e.message);
            ExitCode::from(e.status)
        }
    }
}

/// Shorthand used by the command modules.
pub(crate) type CmdResult = error::Result<Output>;
