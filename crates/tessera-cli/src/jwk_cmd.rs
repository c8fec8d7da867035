//! `tessera jwk …`

use tessera_jose::jwk::{EcCurve, OkpCurve, ThumbprintHash};
use tessera_jose::{Jwk, KeyPolicy};

use crate::CmdResult;
use crate::cli::JwkCommand;
use crate::error::{CliError, bad_input, chain};
use crate::io::{Inputs, Output};
use crate::keys::{self, KeyFile};

pub(crate) fn run(cmd: JwkCommand, inputs: &mut Inputs) -> CmdResult {
    match cmd {
        JwkCommand::Generate {
            alg,
            kid,
            enc,
            crv,
            bits,
        } => {
            let mut jwk = generate(&alg, enc.as_deref(), crv.as_deref(), bits)?;
            if let Some(kid) = kid {
                jwk = jwk.with_kid(kid);
            }
            Ok(Output::Json(jwk.to_json_value().into()))
        }
        JwkCommand::Import { pem, alg, kid } => {
            let bytes = inputs.read("--pem", &pem)?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| CliError::usage("--pem: not a PEM file (not UTF-8 text)"))?;
            let mut jwk = Jwk::from_pem(text).map_err(bad_input("--pem"))?;
            if let Some(alg) = alg {
                jwk = jwk.with_alg(alg);
            }
            if let Some(kid) = kid {
                jwk = jwk.with_kid(kid);
            }
            Ok(Output::Json(jwk.to_json_value().into()))
        }
        JwkCommand::Export {
            pem: _,
            public,
            file,
        } => {
            let jwk = keys::load(inputs, "JWK", &file)?.single("JWK")?;
            let pem = if public || !jwk.is_private() {
                jwk.to_pem_public()
            } else {
                jwk.to_pem_private().map(|s| s.expose().to_owned())
            }
            .map_err(|e| CliError::usage(format!("--pem: {}", chain(&e))))?;
            Ok(Output::Bytes(pem.into_bytes()))
        }
        JwkCommand::Public { file } => match keys::load(inputs, "JWK", &file)? {
            KeyFile::Single(jwk) => {
                let public = jwk
                    .to_public()
                    .ok_or_else(|| CliError::usage("a symmetric (oct) key has no public half"))?;
                Ok(Output::Json(public.to_json_value().into()))
            }
            KeyFile::Set(set) => Ok(Output::Json(set.to_public().to_json_value().into())),
        },
        JwkCommand::Thumbprint { uri, hash, file } => {
            let jwk = keys::load(inputs, "JWK", &file)?.single("JWK")?;
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

const ECDH: &[&str] = &[
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A192KW",
    "ECDH-ES+A256KW",
];
const RSA: &[&str] = &[
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "RSA-OAEP",
    "RSA-OAEP-256",
    "RSA-OAEP-384",
    "RSA-OAEP-512",
];

/// The largest RSA key `jwk generate` makes (and tessera accepts).
const MAX_RSA_BITS: usize = 8192;

fn generate(alg: &str, enc: Option<&str>, crv: Option<&str>, bits: usize) -> Result<Jwk, CliError> {
    let gen_err = |e: tessera_jose::Error| CliError::usage(format!("--alg {alg}: {}", chain(&e)));
    if alg == "dir" {
        let enc = enc.ok_or_else(|| {
            CliError::usage("--alg dir needs --enc ENC (e.g. A256GCM), which sets the key size")
        })?;
        let enc = enc.parse().map_err(bad_input("--enc"))?;
        return Jwk::generate_for_enc(enc).map_err(bad_input("--enc"));
    }
    if enc.is_some() {
        return Err(CliError::usage("--enc only applies to --alg dir"));
    }
    if let Some(crv) = crv {
        if !ECDH.contains(&alg) {
            return Err(CliError::usage("--crv only applies to ECDH-ES algorithms"));
        }
        let jwk = match crv {
            "P-256" => Jwk::generate_ec(EcCurve::P256),
            "P-384" => Jwk::generate_ec(EcCurve::P384),
            "P-521" => Jwk::generate_ec(EcCurve::P521),
            "X25519" => Jwk::generate_okp(OkpCurve::X25519),
            other => {
                return Err(CliError::usage(format!(
                    "--crv: unsupported curve {other:?}"
                )));
            }
        }
        .map_err(gen_err)?;
        return Ok(jwk.with_alg(alg));
    }
    if bits != 2048 {
        if !RSA.contains(&alg) {
            return Err(CliError::usage("--bits only applies to RSA algorithms"));
        }
        let min = KeyPolicy::default().min_rsa_bits();
        if bits < min {
            return Err(CliError::usage(format!(
                "--bits {bits}: RSA keys must be at least {min} bits"
            )));
        }
        if bits > MAX_RSA_BITS {
            return Err(CliError::usage(format!(
                "--bits {bits}: RSA keys must be at most {MAX_RSA_BITS} bits"
            )));
        }
        if !bits.is_multiple_of(8) {
            return Err(CliError::usage(format!(
                "--bits {bits}: RSA key sizes must be a multiple of 8"
            )));
        }
        return Jwk::generate_rsa(bits)
            .map(|k| k.with_alg(alg))
            .map_err(bad_input("--bits"));
    }
    Jwk::generate(
        alg.parse::<tessera_jose::jwk::KeyAlgorithm>()
            .map_err(gen_err)?,
    )
    .map_err(gen_err)
}
