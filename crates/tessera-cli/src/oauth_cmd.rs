//! `tessera discover`, `tessera token …`, `tessera introspect`, `tessera revoke`: tessera-oauth
//! over the `tessera-reqwest` client.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tessera_core::{Clock, HttpClient, SystemClock, UnixTime};
use tessera_jose::{JwsAlgorithm, SigningKey};
use tessera_oauth::authorization::{AuthorizationCode, AuthorizationRequest};
use tessera_oauth::device::{DeviceAuthorizationRequest, DevicePoll, DeviceStep};
use tessera_oauth::grants::{ClientCredentials, JwtBearer, Refresh, TokenExchange};
use tessera_oauth::introspection::{Introspect, Revoke, TokenTypeHint};
use tessera_oauth::{
    AuthorizationServerMetadata, Client, ClientAuth, ClientSecret, Error as OAuthError,
    RefreshToken, TokenResponse, WellKnown,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::CmdResult;
use crate::cli::{
    AuthMethod, ClientArgs, DiscoverArgs, IntrospectArgs, RevokeArgs, ScopeArgs, ServerArgs,
    TokenCommand, TokenTypeHintArg,
};
use crate::error::{CliError, Result, chain};
use crate::io::{Inputs, Output};

/// How long `token code` waits for the browser to come back.
const CALLBACK_WAIT: Duration = Duration::from_secs(600);

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the I/O runtime: {}", chain(&e))))
}

pub(crate) fn http_client() -> Result<Arc<dyn HttpClient>> {
    let c = tessera_reqwest::ReqwestClient::new()
        .map_err(|e| CliError::usage(format!("cannot build the HTTP client: {}", chain(&e))))?;
    Ok(Arc::new(c))
}

/// The contract's exit status for a tessera-oauth error: a refusal by the server or a failed
/// check is 1 (with the OAuth error code and description); an unreachable server or a bad
/// argument is 2.
pub(crate) fn oauth_error(e: OAuthError) -> CliError {
    match &e {
        OAuthError::OAuth(o) => {
            let mut msg = format!("the server refused: {}", o.code);
            if let Some(d) = &o.description {
                msg.push_str(": ");
                msg.push_str(d);
            }
            CliError::rejected(msg)
        }
        OAuthError::Transport { .. }
        | OAuthError::InvalidParameter { .. }
        | OAuthError::InvalidUrl { .. }
        | OAuthError::MissingEndpoint { .. }
        | OAuthError::Rng => CliError::usage(chain(&e)),
        OAuthError::Shared(inner) if matches!(**inner, OAuthError::Transport { .. }) => {
            CliError::usage(chain(&e))
        }
        _ => CliError::rejected(chain(&e)),
    }
}

/// Reads a secret or token file, trimmed of surrounding whitespace.
pub(crate) fn read_secret(inputs: &mut Inputs, what: &'static str, path: &str) -> Result<String> {
    let raw = inputs.read(what, path)?;
    let s = String::from_utf8(raw).map_err(|_| CliError::usage(format!("{what}: not UTF-8")))?;
    let t = s.trim();
    if t.is_empty() {
        return Err(CliError::usage(format!("{what}: the file is empty")));
    }
    Ok(t.to_owned())
}

/// The metadata from `--issuer` (RFC 8414, then OpenID discovery), with explicit endpoints
/// overriding it; without `--issuer`, from the explicit endpoints alone.
async fn metadata(
    http: &dyn HttpClient,
    server: &ServerArgs,
    needs: &'static str,
) -> Result<AuthorizationServerMetadata> {
    let mut m = match &server.issuer {
        Some(issuer) => discover(http, issuer).await?,
        None => {
            let issuer = match needs {
                "device_authorization_endpoint" => server.device_authorization_endpoint.clone(),
                "introspection_endpoint" => server.introspection_endpoint.clone(),
                "revocation_endpoint" => server.revocation_endpoint.clone(),
                _ => server.token_endpoint.clone(),
            };
            // Without an issuer, the endpoint stands for it (a client assertion's `aud`).
            let Some(issuer) = issuer else {
                return Err(CliError::usage(format!(
                    "give --issuer, or the endpoint directly (--{})",
                    needs.trim_end_matches("_endpoint").replace('_', "-") + "-endpoint"
                )));
            };
            AuthorizationServerMetadata::new(issuer)
        }
    };
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if let Some(v) = v {
            *slot = Some(v.clone());
        }
    };
    set(&mut m.token_endpoint, &server.token_endpoint);
    set(
        &mut m.authorization_endpoint,
        &server.authorization_endpoint,
    );
    set(
        &mut m.device_authorization_endpoint,
        &server.device_authorization_endpoint,
    );
    set(
        &mut m.introspection_endpoint,
        &server.introspection_endpoint,
    );
    set(&mut m.revocation_endpoint, &server.revocation_endpoint);
    Ok(m)
}

/// RFC 8414 metadata, falling back to OpenID discovery when the first is not there.
pub(crate) async fn discover(
    http: &dyn HttpClient,
    issuer: &str,
) -> Result<AuthorizationServerMetadata> {
    match AuthorizationServerMetadata::discover(http, issuer, WellKnown::OAuthAuthorizationServer)
        .await
    {
        Ok(m) => Ok(m),
        Err(first @ (OAuthError::UnexpectedStatus { .. } | OAuthError::OAuth(_))) => {
            AuthorizationServerMetadata::discover(http, issuer, WellKnown::OpenIdConfiguration)
                .await
                .map_err(|second| match second {
                    OAuthError::UnexpectedStatus { .. } => CliError::rejected(format!(
                        "no metadata for {issuer}: {} (RFC 8414), and {} (OpenID discovery)",
                        chain(&first),
                        chain(&second)
                    )),
                    other => oauth_error(other),
                })
        }
        Err(e) => Err(oauth_error(e)),
    }
}

/// The client from the arguments.
pub(crate) fn client(
    inputs: &mut Inputs,
    args: &ClientArgs,
    metadata: AuthorizationServerMetadata,
) -> Result<Client> {
    let secret = match (&args.client_secret_file, &args.client_secret_env) {
        (Some(f), _) => Some(ClientSecret::new(read_secret(
            inputs,
            "--client-secret-file",
            f,
        )?)),
        (None, Some(name)) => {
            let v = std::env::var(name).map_err(|_| {
                CliError::usage(format!(
                    "--client-secret-env: the environment variable {name} is not set (or not UTF-8)"
                ))
            })?;
            Some(ClientSecret::new(v))
        }
        (None, None) => None,
    };
    let need_secret = |secret: Option<ClientSecret>, method: &str| {
        secret.ok_or_else(|| {
            CliError::usage(format!(
                "--auth-method {method} needs --client-secret-file or --client-secret-env"
            ))
        })
    };
    let auth = match args.auth_method {
        None if args.key.is_some() => private_key_auth(inputs, args)?,
        None => match secret {
            Some(s) => ClientAuth::client_secret_basic(s),
            None => ClientAuth::none(),
        },
        Some(AuthMethod::ClientSecretBasic) => {
            ClientAuth::client_secret_basic(need_secret(secret, "client_secret_basic")?)
        }
        Some(AuthMethod::ClientSecretPost) => {
            ClientAuth::client_secret_post(need_secret(secret, "client_secret_post")?)
        }
        Some(AuthMethod::ClientSecretJwt) => {
            ClientAuth::client_secret_jwt(need_secret(secret, "client_secret_jwt")?)
        }
        Some(AuthMethod::PrivateKeyJwt) => private_key_auth(inputs, args)?,
        Some(AuthMethod::None) => ClientAuth::none(),
    };
    Ok(Client::new(args.client_id.clone(), auth, metadata))
}

fn private_key_auth(inputs: &mut Inputs, args: &ClientArgs) -> Result<ClientAuth> {
    let Some(path) = &args.key else {
        return Err(CliError::usage("--auth-method private_key_jwt needs --key"));
    };
    let jwk = match crate::keys::load(inputs, "--key", path)? {
        crate::keys::KeyFile::Single(k) => *k,
        crate::keys::KeyFile::Set(_) => {
            return Err(CliError::usage(
                "--key: give one private JWK, not a JWK Set",
            ));
        }
    };
    let alg: JwsAlgorithm = jwk
        .alg
        .as_deref()
        .ok_or_else(|| CliError::usage("--key: the JWK has no \"alg\"; say how to sign with it"))?
        .parse()
        .map_err(|_| CliError::usage("--key: the JWK's \"alg\" is not a JWS algorithm"))?;
    let key = SigningKey::from_jwk(&jwk, alg)
        .map_err(|e| CliError::usage(format!("--key: {}", chain(&e))))?;
    Ok(ClientAuth::private_key_jwt(key))
}

/// The client with DPoP when `--dpop` was given: the key from the file, or a fresh ES256 key.
pub(crate) fn with_dpop(
    inputs: &mut Inputs,
    client: Client,
    args: &crate::cli::DpopArgs,
) -> Result<Client> {
    let Some(file) = &args.dpop else {
        return Ok(client);
    };
    let key =
        if file.is_empty() {
            tessera_oauth::dpop::DpopKey::generate(JwsAlgorithm::ES256)
                .map_err(|e| CliError::usage(format!("--dpop: {}", chain(&e))))?
        } else {
            let jwk = match crate::keys::load(inputs, "--dpop", file)? {
                crate::keys::KeyFile::Single(k) => *k,
                crate::keys::KeyFile::Set(_) => {
                    return Err(CliError::usage(
                        "--dpop: give one private JWK, not a JWK Set",
                    ));
                }
            };
            let alg: JwsAlgorithm =
                jwk.alg.as_deref().unwrap_or("ES256").parse().map_err(|_| {
                    CliError::usage("--dpop: the JWK's \"alg\" is not a JWS algorithm")
                })?;
            tessera_oauth::dpop::DpopKey::from_jwk(&jwk, alg)
                .map_err(|e| CliError::usage(format!("--dpop: {}", chain(&e))))?
        };
    Ok(client.with_dpop(key))
}

pub(crate) fn now() -> UnixTime {
    SystemClock.now()
}

fn tokens(t: &TokenResponse) -> Output {
    Output::Json(Value::Object(t.to_json()))
}

fn with_scope<G>(
    mut g: G,
    scope: &ScopeArgs,
    set_scope: fn(G, String) -> G,
    add: fn(G, String) -> G,
) -> G {
    if let Some(s) = &scope.scope {
        g = set_scope(g, s.clone());
    }
    for r in &scope.resource {
        g = add(g, r.clone());
    }
    g
}

/// `tessera discover ISSUER`.
pub(crate) fn discover_cmd(args: DiscoverArgs) -> CmdResult {
    let rt = runtime()?;
    rt.block_on(async {
        let http = http_client()?;
        let m = discover(http.as_ref(), &args.issuer).await?;
        let v = serde_json::to_value(&m)
            .map_err(|e| CliError::usage(format!("cannot write the metadata: {e}")))?;
        Ok(Output::Json(v))
    })
}

/// `tessera token …`.
pub(crate) fn token_cmd(cmd: TokenCommand, inputs: &mut Inputs) -> CmdResult {
    let rt = runtime()?;
    let http = http_client()?;
    rt.block_on(async {
        let http = http.as_ref();
        match cmd {
            TokenCommand::ClientCredentials {
                server,
                client: c,
                dpop,
                scope,
            } => {
                let m = metadata(http, &server, "token_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                let g = with_scope(
                    ClientCredentials::new(),
                    &scope,
                    |g, s| g.scope(s),
                    |g, r| g.resource(r),
                );
                let t = g.send(&client, http, now()).await.map_err(oauth_error)?;
                Ok(tokens(&t))
            }
            TokenCommand::Refresh {
                server,
                client: c,
                dpop,
                refresh_token_file,
                scope,
            } => {
                let rt = read_secret(inputs, "--refresh-token-file", &refresh_token_file)?;
                let m = metadata(http, &server, "token_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                let g = with_scope(
                    Refresh::new(RefreshToken::new(rt)),
                    &scope,
                    |g, s| g.scope(s),
                    |g, r| g.resource(r),
                );
                let t = g.send(&client, http, now()).await.map_err(oauth_error)?;
                Ok(tokens(&t))
            }
            TokenCommand::Exchange {
                server,
                client: c,
                dpop,
                subject_token_file,
                subject_token_type,
                actor_token_file,
                actor_token_type,
                audience,
                requested_token_type,
                scope,
            } => {
                let subject = read_secret(inputs, "--subject-token-file", &subject_token_file)?;
                let mut g = TokenExchange::new(subject, subject_token_type);
                if let (Some(f), Some(ty)) = (actor_token_file, actor_token_type) {
                    g = g.actor(read_secret(inputs, "--actor-token-file", &f)?, ty);
                }
                for a in audience {
                    g = g.audience(a);
                }
                if let Some(t) = requested_token_type {
                    g = g.requested_token_type(t);
                }
                let g = with_scope(g, &scope, |g, s| g.scope(s), |g, r| g.resource(r));
                let m = metadata(http, &server, "token_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                let t = g.send(&client, http, now()).await.map_err(oauth_error)?;
                Ok(tokens(&t))
            }
            TokenCommand::JwtBearer {
                server,
                client: c,
                dpop,
                assertion_file,
                scope,
            } => {
                let assertion = read_secret(inputs, "--assertion-file", &assertion_file)?;
                let mut g = JwtBearer::new(assertion);
                if let Some(s) = scope {
                    g = g.scope(s);
                }
                let m = metadata(http, &server, "token_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                let t = g.send(&client, http, now()).await.map_err(oauth_error)?;
                Ok(tokens(&t))
            }
            TokenCommand::Device {
                server,
                client: c,
                dpop,
                scope,
            } => {
                let m = metadata(http, &server, "device_authorization_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                device(http, &client, &scope).await
            }
            TokenCommand::Code {
                server,
                client: c,
                dpop,
                scope,
                redirect_uri,
                no_browser,
                par,
            } => {
                let m = metadata(http, &server, "authorization_endpoint").await?;
                let client = client(inputs, &c, m)?;
                let client = with_dpop(inputs, client, &dpop)?;
                code(http, &client, &scope, &redirect_uri, no_browser, par).await
            }
        }
    })
}

/// Writes a line to stderr as it is (the device and code flows' lines for the user).
pub(crate) fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}

async fn device(http: &dyn HttpClient, client: &Client, scope: &ScopeArgs) -> CmdResult {
    let req = with_scope(
        DeviceAuthorizationRequest::new(),
        scope,
        |g, s| g.scope(s),
        |g, r| g.resource(r),
    );
    let auth = req.send(client, http, now()).await.map_err(oauth_error)?;
    say(&format!("user_code: {}", auth.user_code()));
    say(&format!("verification_uri: {}", auth.verification_uri()));
    if let Some(c) = auth.verification_uri_complete() {
        say(&format!("verification_uri_complete: {c}"));
    }
    let spinner = std::io::stderr().is_terminal().then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.enable_steady_tick(Duration::from_millis(120));
        s
    });
    let expires_at = auth.expires_at();
    let mut poll = DevicePoll::new(auth, now());
    let result = loop {
        let t = now();
        if let Some(s) = &spinner {
            let left = expires_at.since(t).unwrap_or(0);
            s.set_message(format!(
                "waiting for approval ({}:{:02} left)",
                left / 60,
                left % 60
            ));
        }
        match poll.step(client, t) {
            Ok(DeviceStep::Wait(secs)) => tokio::time::sleep(Duration::from_secs(secs)).await,
            Ok(DeviceStep::Send(req)) => match http.execute(req).await {
                Ok(res) => {
                    if let Err(e) = poll.on_response(client, &res, now()) {
                        break Err(oauth_error(e));
                    }
                }
                Err(_) => poll.on_transport_failure(now()),
            },
            Ok(DeviceStep::Done(t)) => break Ok(tokens(&t)),
            Err(e) => break Err(oauth_error(e)),
        }
    };
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    result
}

/// A loopback redirect URI being listened on (RFC 8252 §7.3).
pub(crate) struct Loopback {
    listener: tokio::net::TcpListener,
    /// The redirect URI, with the port actually bound.
    pub(crate) uri: url::Url,
}

impl Loopback {
    /// Listens on `redirect_uri`'s loopback address and port (a free port for 0 or none).
    pub(crate) async fn bind(redirect_uri: &str) -> Result<Self> {
        let mut uri = url::Url::parse(redirect_uri)
            .map_err(|e| CliError::usage(format!("--redirect-uri {redirect_uri:?}: {e}")))?;
        let loopback = matches!(uri.host(), Some(url::Host::Ipv4(a)) if a.is_loopback())
            || matches!(uri.host(), Some(url::Host::Ipv6(a)) if a.is_loopback());
        if uri.scheme() != "http" || !loopback {
            return Err(CliError::usage(
                "--redirect-uri must be http on a loopback address, e.g. http://127.0.0.1:8400/callback",
            ));
        }
        let host = uri
            .host_str()
            .unwrap_or("127.0.0.1")
            .trim_matches(['[', ']'])
            .to_owned();
        let port = uri.port().unwrap_or(0);
        let listener = tokio::net::TcpListener::bind((host.as_str(), port))
            .await
            .map_err(|e| CliError::usage(format!("cannot listen on {host}:{port}: {e}")))?;
        let actual = listener
            .local_addr()
            .map_err(|e| CliError::usage(format!("cannot listen on {host}:{port}: {e}")))?
            .port();
        uri.set_port(Some(actual))
            .map_err(|()| CliError::usage("--redirect-uri cannot carry a port"))?;
        Ok(Loopback { listener, uri })
    }

    /// Accepts connections until one is a `GET` of the redirect URI's path (others get 404);
    /// returns its query and the connection, to answer once the login is decided.
    pub(crate) async fn callback(&self) -> Result<(String, tokio::net::TcpStream)> {
        let path = self.uri.path();
        loop {
            let (stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| CliError::usage(format!("loopback listener: {e}")))?;
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            // A request line longer than 16 KiB is not an authorization response.
            let read = tokio::time::timeout(
                Duration::from_secs(10),
                (&mut reader).take(16 * 1024).read_line(&mut line),
            )
            .await;
            if !matches!(read, Ok(Ok(n)) if n > 0) {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or("");
            let (p, query) = target.split_once('?').unwrap_or((target, ""));
            let mut stream = reader.into_inner();
            if !line.starts_with("GET ") || p != path {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            return Ok((query.to_owned(), stream));
        }
    }
}

/// Answers the browser with a short page saying whether the login succeeded.
pub(crate) async fn answer_browser(
    mut stream: tokio::net::TcpStream,
    outcome: std::result::Result<(), &str>,
) {
    let (status, text) = match outcome {
        Ok(()) => (
            "200 OK",
            "Login succeeded. You can close this window and return to the terminal.".to_owned(),
        ),
        Err(why) => (
            "400 Bad Request",
            format!(
                "Login failed: {}. Return to the terminal for details.",
                html_escape(why)
            ),
        ),
    };
    let body = format!("<!doctype html><meta charset=utf-8><title>tessera</title><p>{text}</p>");
    let _ = stream
        .write_all(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await;
    let _ = stream.shutdown().await;
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The authorization code flow on a loopback redirect URI (RFC 8252 §7.3).
async fn code(
    http: &dyn HttpClient,
    client: &Client,
    scope: &ScopeArgs,
    redirect_uri: &str,
    no_browser: bool,
    par: bool,
) -> CmdResult {
    let lo = Loopback::bind(redirect_uri).await?;
    let req = with_scope(
        AuthorizationRequest::new(lo.uri.as_str()),
        scope,
        |g, s| g.scope(s),
        |g, r| g.resource(r),
    );
    let (url, pending) = if par {
        req.build_pushed(client, http, now())
            .await
            .map_err(oauth_error)?
    } else {
        req.build(client, now()).map_err(oauth_error)?
    };
    say(url.as_str());
    if !no_browser {
        open_browser(url.as_str());
    }
    let (query, stream) = tokio::time::timeout(CALLBACK_WAIT, lo.callback())
        .await
        .map_err(|_| CliError::rejected("no authorization response within 10 minutes"))??;
    let result = async {
        let callback = pending
            .check_callback(query.as_bytes(), now())
            .map_err(oauth_error)?;
        AuthorizationCode::new(callback)
            .send(client, http, now())
            .await
            .map_err(oauth_error)
    }
    .await;
    answer_browser(
        stream,
        result.as_ref().map(|_| ()).map_err(|e| e.message.as_str()),
    )
    .await;
    Ok(tokens(&result?))
}

/// Opens `url` in the user's browser; failure only means the user opens it by hand.
pub(crate) fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(cmd)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

fn hint(h: Option<TokenTypeHintArg>) -> Option<TokenTypeHint> {
    h.map(|h| match h {
        TokenTypeHintArg::AccessToken => TokenTypeHint::AccessToken,
        TokenTypeHintArg::RefreshToken => TokenTypeHint::RefreshToken,
    })
}

/// `tessera introspect`.
pub(crate) fn introspect_cmd(args: IntrospectArgs, inputs: &mut Inputs) -> CmdResult {
    let token = read_secret(inputs, "--token-file", &args.token_file)?;
    let rt = runtime()?;
    let http = http_client()?;
    rt.block_on(async {
        let m = metadata(http.as_ref(), &args.server, "introspection_endpoint").await?;
        let client = client(inputs, &args.client, m)?;
        let mut g = Introspect::new(token);
        if let Some(h) = hint(args.token_type_hint) {
            g = g.hint(h);
        }
        let r = g
            .send(&client, http.as_ref(), now())
            .await
            .map_err(oauth_error)?;
        Ok(Output::Json(Value::Object(r.json().clone())))
    })
}

/// `tessera revoke`.
pub(crate) fn revoke_cmd(args: RevokeArgs, inputs: &mut Inputs) -> CmdResult {
    let token = read_secret(inputs, "--token-file", &args.token_file)?;
    let rt = runtime()?;
    let http = http_client()?;
    rt.block_on(async {
        let m = metadata(http.as_ref(), &args.server, "revocation_endpoint").await?;
        let client = client(inputs, &args.client, m)?;
        let mut g = Revoke::new(token);
        if let Some(h) = hint(args.token_type_hint) {
            g = g.hint(h);
        }
        g.send(&client, http.as_ref(), now())
            .await
            .map_err(oauth_error)?;
        // RFC 7009 §2.2: the response carries nothing; success is the data.
        Ok(Output::Json(Value::Object(Map::new())))
    })
}

/// `tessera register`.
pub(crate) fn register_cmd(args: crate::cli::RegisterArgs, inputs: &mut Inputs) -> CmdResult {
    let raw = inputs.read_json_arg("--metadata", &args.metadata)?;
    let metadata: Value = serde_json::from_slice(&raw)
        .map_err(|e| CliError::usage(format!("--metadata is not valid JSON: {e}")))?;
    let mut reg = tessera_oauth::registration::Registration::new(metadata)
        .map_err(|_| CliError::usage("--metadata must be a JSON object"))?;
    if let Some(f) = &args.initial_access_token_file {
        reg = reg.initial_access_token(read_secret(inputs, "--initial-access-token-file", f)?);
    }
    let rt = runtime()?;
    let http = http_client()?;
    rt.block_on(async {
        let mut m = match &args.issuer {
            Some(issuer) => discover(http.as_ref(), issuer).await?,
            None => AuthorizationServerMetadata::new(
                args.registration_endpoint.clone().unwrap_or_default(),
            ),
        };
        if let Some(e) = &args.registration_endpoint {
            m.registration_endpoint = Some(e.clone());
        }
        let c = reg.send(&m, http.as_ref()).await.map_err(oauth_error)?;
        let mut out = c.metadata().clone();
        out.insert("client_id".into(), c.client_id().into());
        if let Some(s) = c.client_secret() {
            out.insert("client_secret".into(), s.expose().into());
        }
        Ok(Output::Json(Value::Object(out)))
    })
}

/// `tessera resource-metadata URL`.
pub(crate) fn resource_metadata_cmd(args: crate::cli::ResourceMetadataArgs) -> CmdResult {
    let rt = runtime()?;
    let http = http_client()?;
    rt.block_on(async {
        let d = tessera_oauth::resource::discover(http.as_ref(), &args.url)
            .await
            .map_err(oauth_error)?;
        let v = serde_json::json!({
            "resource": d.resource,
            "authorization_server": d.authorization_server,
        });
        Ok(Output::Json(v))
    })
}
