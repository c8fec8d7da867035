//! `tessera login`: the whole OpenID Connect login of tessera-oidc on a loopback redirect.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tessera_oidc::{Discovery, Error as OidcError, IdTokenVerifier, LoginRequest, Provider};

use crate::CmdResult;
use crate::cli::LoginArgs;
use crate::error::{CliError, chain};
use crate::io::{Inputs, Output};
use crate::oauth_cmd::{self, Loopback, answer_browser};

/// The contract's exit status for an OpenID Connect failure: transport and usage problems are
/// 2, every refusal or failed check 1 (its message names the check).
fn oidc_error(e: OidcError) -> CliError {
    match e {
        OidcError::OAuth(e) => oauth_cmd::oauth_error(e),
        other => CliError::rejected(chain(&other)),
    }
}

/// `tessera login`.
pub(crate) fn run(args: LoginArgs, inputs: &mut Inputs) -> CmdResult {
    let rt = oauth_cmd::runtime()?;
    let http = oauth_cmd::http_client()?;
    rt.block_on(async {
        let provider = Provider::discover(Arc::clone(&http), &args.issuer, &Discovery::new())
            .await
            .map_err(oidc_error)?;
        let client = oauth_cmd::client(inputs, &args.client, provider.metadata().clone())?;
        let client = oauth_cmd::with_dpop(inputs, client, &args.dpop)?;
        let verifier =
            IdTokenVerifier::new(&provider, args.client.client_id.clone()).map_err(oidc_error)?;
        let lo = Loopback::bind(&args.redirect_uri).await?;
        let mut req = LoginRequest::new(lo.uri.as_str()).scope(args.scope.clone());
        for r in &args.resource {
            req = req.resource(r.clone());
        }
        let (url, pending) = if args.par {
            req.build_pushed(&client, http.as_ref(), oauth_cmd::now())
                .await
                .map_err(oidc_error)?
        } else {
            req.build(&client, oauth_cmd::now()).map_err(oidc_error)?
        };
        oauth_cmd::say(url.as_str());
        if !args.no_browser {
            oauth_cmd::open_browser(url.as_str());
        }
        let deadline = Duration::from_secs(args.timeout);
        let (query, stream) = tokio::time::timeout(deadline, lo.callback())
            .await
            .map_err(|_| {
                CliError::rejected(format!(
                    "no login within {} seconds (--timeout)",
                    args.timeout
                ))
            })??;
        // The scope always includes `openid` (LoginRequest adds it): UserInfo is called whenever
        // the provider has an endpoint.
        let userinfo = true;
        let result = async {
            let callback = pending
                .check_callback(query.as_bytes(), oauth_cmd::now())
                .map_err(oidc_error)?;
            let finish = callback.finish(
                &client,
                &provider,
                &verifier,
                http.as_ref(),
                userinfo,
                oauth_cmd::now(),
            );
            tokio::time::timeout(deadline, finish)
                .await
                .map_err(|_| {
                    CliError::rejected(format!(
                        "the login did not complete within {} seconds (--timeout)",
                        args.timeout
                    ))
                })?
                .map_err(oidc_error)
        }
        .await;
        answer_browser(
            stream,
            result.as_ref().map(|_| ()).map_err(|e| e.message.as_str()),
        )
        .await;
        let login = result?;
        let t = &login.tokens;
        let mut token = Map::new();
        token.insert("token_type".into(), t.token_type().as_str().into());
        token.insert(
            "expires_in".into(),
            t.expires_in().map_or(Value::Null, Value::from),
        );
        token.insert("scope".into(), t.scope().map_or(Value::Null, Value::from));
        if args.show_tokens {
            token.insert("access_token".into(), t.access_token().secret().into());
            if let Some(r) = t.refresh_token() {
                token.insert("refresh_token".into(), r.secret().into());
            }
        }
        Ok(Output::Json(json!({
            "id_token_claims": Value::Object(login.id_token.claims().clone()),
            "userinfo": login.userinfo.map_or(Value::Null, Value::Object),
            "token": Value::Object(token),
        })))
    })
}
