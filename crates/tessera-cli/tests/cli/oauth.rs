//! `tessera discover`, `tessera token …`, `tessera introspect`, `tessera revoke` against a
//! scripted authorization server on 127.0.0.1: the exact requests, the output and the exit
//! status of the contract.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::*;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    pub(crate) fn param(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

type Script = dyn Fn(&Seen, usize) -> (u16, String, Vec<(String, String)>) + Send + Sync;

/// A scripted server: `script(request, n)` (n counts requests to the same path) answers every
/// request; all requests are recorded.
pub(crate) struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub(crate) fn start(
        script: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Server {
        Server::start_with_headers(move |req, n| {
            let (status, body) = script(req, n);
            (status, body, Vec::new())
        })
    }

    /// Like [`start`](Server::start), with extra response headers.
    pub(crate) fn start_with_headers(
        script: impl Fn(&Seen, usize) -> (u16, String, Vec<(String, String)>) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = Arc::clone(&seen);
        let script: Arc<Script> = Arc::new(script);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(s) = stream else { continue };
                let _ = handle(s, &log, script.as_ref());
            }
        });
        Server { base, seen }
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn handle(s: TcpStream, log: &Mutex<Vec<Seen>>, script: &Script) -> std::io::Result<()> {
    let mut r = BufReader::new(s.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    let seen = Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut l = log.lock().unwrap();
        let n = l.iter().filter(|x| x.path == seen.path).count();
        l.push(seen.clone());
        n
    };
    let (status, body, extra) = script(&seen, n);
    let mut s = s;
    let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    write!(
        s,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    s.flush()
}

const TOKENS: &str = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":300,"refresh_token":"rt-2","scope":"orders.read","x_extra":7}"#;

/// An authorization server whose metadata names every endpoint on itself.
fn full_server(token: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static) -> Server {
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let server = Server::start(move |req, n| {
        let base = iss.lock().unwrap().clone();
        match req.path.as_str() {
            "/.well-known/oauth-authorization-server" => (
                200,
                json!({
                    "issuer": base,
                    "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}/token"),
                    "device_authorization_endpoint": format!("{base}/device"),
                    "introspection_endpoint": format!("{base}/introspect"),
                    "revocation_endpoint": format!("{base}/revoke"),
                    "authorization_response_iss_parameter_supported": true,
                })
                .to_string(),
            ),
            _ => token(req, n),
        }
    });
    *issuer.lock().unwrap() = server.base.clone();
    server
}

#[test]
fn discover_prints_the_metadata_and_falls_back_to_openid_discovery() {
    let s = full_server(|_, _| (404, String::new()));
    let (code, out, err) = run(tessera().args(["discover", &s.base]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["issuer"], s.base.as_str());
    assert_eq!(v["token_endpoint"], s.url("/token"));

    // Only OpenID discovery: RFC 8414 first (404), then /.well-known/openid-configuration.
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let oidc = Server::start(move |req, _| match req.path.as_str() {
        "/.well-known/openid-configuration" => {
            (200, json!({"issuer": *iss.lock().unwrap()}).to_string())
        }
        _ => (404, String::new()),
    });
    *issuer.lock().unwrap() = oidc.base.clone();
    let (code, out, err) = run(tessera().args(["discover", &oidc.base]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["issuer"], oidc.base.as_str());
    let paths: Vec<String> = oidc.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration"
        ]
    );

    // A document for another issuer is refused (RFC 8414 §3.3): exit 1.
    let evil = Server::start(|_, _| (200, r#"{"issuer":"https://evil.example"}"#.to_owned()));
    let (code, _, err) = run(tessera().args(["discover", &evil.base]));
    assert_eq!(code, 1);
    assert!(err.contains("issuer mismatch"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn client_credentials_with_basic_authentication() {
    let s = full_server(|_, _| (200, TOKENS.to_owned()));
    let (code, out, err) = run(tessera().env("SVC_SECRET", "p@ss:word").args([
        "token",
        "client-credentials",
        "--issuer",
        &s.base,
        "--client-id",
        "svc 1",
        "--client-secret-env",
        "SVC_SECRET",
        "--scope",
        "orders.read",
        "--resource",
        "https://orders.example/",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, serde_json::from_str::<Value>(TOKENS).unwrap());
    let token = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(token.method, "POST");
    // RFC 6749 §2.3.1: id and secret form-encoded before base64.
    assert_eq!(
        token.header("authorization"),
        Some("Basic c3ZjKzE6cCU0MHNzJTNBd29yZA==")
    );
    assert_eq!(
        token.form(),
        [
            ("grant_type", "client_credentials"),
            ("scope", "orders.read"),
            ("resource", "https://orders.example/")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

#[test]
fn refusals_are_exit_1_with_the_code_and_description() {
    let s = full_server(|_, _| {
        (
            401,
            r#"{"error":"invalid_client","error_description":"unknown client"}"#.to_owned(),
        )
    });
    let dir = Dir::new();
    let secret = dir.file("secret", "s3cr3t\n");
    let (code, out, err) = run(tessera().args([
        "token",
        "client-credentials",
        "--token-endpoint",
        &s.url("/token"),
        "--client-id",
        "svc",
        "--client-secret-file",
        &secret,
        "--auth-method",
        "client_secret_post",
    ]));
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        err.trim_end(),
        "tessera: the server refused: invalid_client: unknown client"
    );
    let req = &s.requests()[0];
    assert_eq!(req.param("client_secret").as_deref(), Some("s3cr3t"));
    assert!(req.header("authorization").is_none());
}

#[test]
fn usage_and_unreachable_servers_are_exit_2() {
    // No server listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) = run(tessera().args([
        "token",
        "client-credentials",
        "--token-endpoint",
        &format!("http://127.0.0.1:{port}/token"),
        "--client-id",
        "svc",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("token endpoint"), "{err}");
    assert_eq!(err.lines().count(), 1);
    // No endpoint at all; a missing secret for a method that needs one; a missing env var.
    for args in [
        vec!["token", "client-credentials", "--client-id", "svc"],
        vec![
            "token",
            "client-credentials",
            "--token-endpoint",
            "http://127.0.0.1:9/token",
            "--client-id",
            "svc",
            "--auth-method",
            "client_secret_basic",
        ],
        vec![
            "token",
            "client-credentials",
            "--token-endpoint",
            "http://127.0.0.1:9/token",
            "--client-id",
            "svc",
            "--client-secret-env",
            "TESSERA_TEST_NOT_SET",
        ],
        vec![
            "token",
            "client-credentials",
            "--token-endpoint",
            "http://127.0.0.1:9/t",
        ],
        vec![
            "token",
            "client-credentials",
            "--token-endpoint",
            "http://127.0.0.1:9/token",
            "--client-id",
            "svc",
            "--scope",
            "bad\"scope",
        ],
    ] {
        let (code, _, err) = run(tessera().env_remove("TESSERA_TEST_NOT_SET").args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn refresh_exchange_and_jwt_bearer_send_their_grants() {
    let s = full_server(|req, _| {
        match req.param("grant_type").as_deref() {
        Some("urn:ietf:params:oauth:grant-type:token-exchange") => (
            200,
            r#"{"access_token":"narrow","token_type":"N_A","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","expires_in":60}"#.to_owned(),
        ),
        _ => (200, r#"{"access_token":"at","token_type":"bearer"}"#.to_owned()),
    }
    });
    let dir = Dir::new();
    let rt = dir.file("rt", "rt-1\n");
    let (code, out, err) = run(tessera().args([
        "token",
        "refresh",
        "--issuer",
        &s.base,
        "--client-id",
        "app",
        "--refresh-token-file",
        &rt,
        "--scope",
        "read",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    // No new refresh token: the old one is kept in the output.
    assert_eq!(v["refresh_token"], "rt-1");
    assert_eq!(v["token_type"], "Bearer");

    let subject = dir.file("subject", "user-token");
    let actor = dir.file("actor", "agent-token");
    let (code, out, err) = run(tessera().args([
        "token",
        "exchange",
        "--issuer",
        &s.base,
        "--client-id",
        "agent",
        "--subject-token-file",
        &subject,
        "--subject-token-type",
        "urn:ietf:params:oauth:token-type:access_token",
        "--actor-token-file",
        &actor,
        "--actor-token-type",
        "urn:ietf:params:oauth:token-type:jwt",
        "--audience",
        "calendar",
        "--resource",
        "https://calendar.example/",
        "--scope",
        "calendar.read",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    let assertion = dir.file("assertion", "eyJ.a.b");
    let (code, _, err) = run(tessera().args([
        "token",
        "jwt-bearer",
        "--issuer",
        &s.base,
        "--client-id",
        "app",
        "--assertion-file",
        &assertion,
    ]));
    assert_eq!(code, 0, "{err}");

    let reqs: Vec<Seen> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .collect();
    assert_eq!(reqs[0].param("refresh_token").as_deref(), Some("rt-1"));
    assert_eq!(reqs[0].param("client_id").as_deref(), Some("app"));
    assert_eq!(
        reqs[1].param("subject_token").as_deref(),
        Some("user-token")
    );
    assert_eq!(reqs[1].param("actor_token").as_deref(), Some("agent-token"));
    assert_eq!(reqs[1].param("audience").as_deref(), Some("calendar"));
    assert_eq!(
        reqs[2].param("grant_type").as_deref(),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    assert_eq!(reqs[2].param("assertion").as_deref(), Some("eyJ.a.b"));
}

#[test]
fn private_key_jwt_signs_an_assertion_for_the_issuer() {
    let s = full_server(|_, _| (200, TOKENS.to_owned()));
    let dir = Dir::new();
    let (code, key, err) =
        run(tessera().args(["jwk", "generate", "--alg", "ES256", "--kid", "c1"]));
    assert_eq!(code, 0, "{err}");
    let key = dir.file("key.json", key);
    let (code, _, err) = run(tessera().args([
        "token",
        "client-credentials",
        "--issuer",
        &s.base,
        "--client-id",
        "svc",
        "--auth-method",
        "private_key_jwt",
        "--key",
        &key,
    ]));
    assert_eq!(code, 0, "{err}");
    let req = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(
        req.param("client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    // Verified with the public key by the CLI's own verify command (RFC 7523 §3 claims).
    let assertion = req.param("client_assertion").unwrap();
    let (code, claims, err) = run(tessera()
        .args([
            "jwt", "verify", "--key", &key, "--alg", "ES256", "--iss", "svc", "--aud", &s.base,
        ])
        .write_stdin(assertion));
    assert_eq!(code, 0, "{err}");
    let claims: Value = serde_json::from_slice(&claims).unwrap();
    let claims = if claims.get("claims").is_some() {
        &claims["claims"]
    } else {
        &claims
    };
    assert_eq!(claims["sub"], "svc");
    assert!(claims["jti"].is_string());
}

#[test]
fn device_flow_shows_the_code_then_polls() {
    let s = full_server(|req, n| {
        match req.path.as_str() {
        "/device" => (
            200,
            r#"{"device_code":"dc","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","verification_uri_complete":"https://as.example/device?user_code=WDJB-MJHT","expires_in":60,"interval":1}"#.to_owned(),
        ),
        "/token" if n == 0 => (400, r#"{"error":"authorization_pending"}"#.to_owned()),
        _ => (200, TOKENS.to_owned()),
    }
    });
    let (code, out, err) = run(tessera().args([
        "token",
        "device",
        "--issuer",
        &s.base,
        "--client-id",
        "tv",
        "--scope",
        "openid",
    ]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "user_code: WDJB-MJHT",
            "verification_uri: https://as.example/device",
            "verification_uri_complete: https://as.example/device?user_code=WDJB-MJHT"
        ]
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["access_token"], "at-1");
    let polls: Vec<Seen> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .collect();
    assert_eq!(polls.len(), 2);
    assert_eq!(
        polls[0].param("grant_type").as_deref(),
        Some("urn:ietf:params:oauth:grant-type:device_code")
    );

    // Denied: exit 1 with the code.
    let denied = full_server(|req, _| {
        match req.path.as_str() {
        "/device" => (
            200,
            r#"{"device_code":"dc","user_code":"U","verification_uri":"https://as.example/d","expires_in":60,"interval":1}"#.to_owned(),
        ),
        _ => (400, r#"{"error":"access_denied"}"#.to_owned()),
    }
    });
    let (code, _, err) = run(tessera().args([
        "token",
        "device",
        "--issuer",
        &denied.base,
        "--client-id",
        "tv",
    ]));
    assert_eq!(code, 1);
    assert!(
        err.ends_with("tessera: the server refused: access_denied\n"),
        "{err}"
    );
}

#[test]
fn code_flow_on_a_loopback_redirect() {
    let s = full_server(|_, _| (200, TOKENS.to_owned()));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tessera"))
        .args([
            "token",
            "code",
            "--issuer",
            &s.base,
            "--client-id",
            "cli",
            "--scope",
            "openid",
            "--no-browser",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let auth = url::Url::parse(line.trim()).unwrap();
    assert!(auth.as_str().starts_with(&format!("{}/authorize?", s.base)));
    let q: Vec<(String, String)> = auth.query_pairs().into_owned().collect();
    let get = |n: &str| {
        q.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(get("response_type"), "code");
    let redirect = url::Url::parse(&get("redirect_uri")).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    // The browser comes back with the code, the state and the issuer (RFC 9207).
    let mut back = redirect.clone();
    back.query_pairs_mut()
        .append_pair("code", "c0de")
        .append_pair("state", &get("state"))
        .append_pair("iss", &s.base);
    let mut conn = TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).unwrap();
    write!(
        conn,
        "GET {}?{} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        back.path(),
        back.query().unwrap()
    )
    .unwrap();
    let mut page = String::new();
    conn.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["access_token"], "at-1");
    let token = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(token.param("code").as_deref(), Some("c0de"));
    assert_eq!(
        token.param("redirect_uri").as_deref(),
        Some(redirect.as_str())
    );
    assert_eq!(token.param("code_verifier").map(|v| v.len()), Some(43));
}

#[test]
fn introspect_and_revoke() {
    let s = full_server(|req, _| match req.path.as_str() {
        "/introspect" => (
            200,
            r#"{"active":true,"sub":"alice","scope":"read"}"#.to_owned(),
        ),
        "/revoke" => (200, String::new()),
        _ => (404, String::new()),
    });
    let dir = Dir::new();
    let token = dir.file("token", "at-9\n");
    let secret = dir.file("secret", "rs-secret");
    let (code, out, err) = run(tessera().args([
        "introspect",
        "--issuer",
        &s.base,
        "--client-id",
        "rs",
        "--client-secret-file",
        &secret,
        "--token-file",
        &token,
        "--token-type-hint",
        "access_token",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, json!({"active": true, "sub": "alice", "scope": "read"}));
    let (code, out, err) = run(tessera().args([
        "revoke",
        "--issuer",
        &s.base,
        "--client-id",
        "rs",
        "--client-secret-file",
        &secret,
        "--token-file",
        &token,
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!({}));
    let reqs = s.requests();
    let intro = reqs.iter().find(|r| r.path == "/introspect").unwrap();
    assert_eq!(intro.param("token").as_deref(), Some("at-9"));
    assert_eq!(
        intro.param("token_type_hint").as_deref(),
        Some("access_token")
    );
    assert!(intro.header("authorization").unwrap().starts_with("Basic "));
    let rev = reqs.iter().find(|r| r.path == "/revoke").unwrap();
    assert_eq!(rev.param("token").as_deref(), Some("at-9"));
}

#[test]
fn dpop_binds_the_token_and_retries_once_with_the_nonce() {
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let s = Server::start_with_headers(move |req, n| {
        let base = iss.lock().unwrap().clone();
        match req.path.as_str() {
            "/.well-known/oauth-authorization-server" => (
                200,
                json!({"issuer": base, "token_endpoint": format!("{base}/token")}).to_string(),
                Vec::new(),
            ),
            "/token" if n == 0 => (
                400,
                r#"{"error":"use_dpop_nonce"}"#.to_owned(),
                vec![(
                    "DPoP-Nonce".to_owned(),
                    "eyJ7S_zG.eyJH0-Z.HX4w-7v".to_owned(),
                )],
            ),
            _ => (
                200,
                r#"{"access_token":"bound","token_type":"DPoP","expires_in":60}"#.to_owned(),
                Vec::new(),
            ),
        }
    });
    *issuer.lock().unwrap() = s.base.clone();
    let (code, out, err) = run(tessera().args([
        "token",
        "client-credentials",
        "--issuer",
        &s.base,
        "--client-id",
        "svc",
        "--dpop",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["token_type"], "DPoP");
    let tokens: Vec<Seen> = s
        .requests()
        .into_iter()
        .filter(|r| r.path == "/token")
        .collect();
    assert_eq!(tokens.len(), 2);
    let claims = |r: &Seen| -> Value {
        let proof = r.header("dpop").unwrap();
        let payload = proof.split('.').nth(1).unwrap();
        serde_json::from_slice(&tessera_core::b64::decode(payload).unwrap()).unwrap()
    };
    assert!(claims(&tokens[0]).get("nonce").is_none());
    assert_eq!(claims(&tokens[1])["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert_eq!(claims(&tokens[1])["htm"], "POST");
}

#[test]
fn code_flow_with_par() {
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let s = Server::start(move |req, _| {
        let base = iss.lock().unwrap().clone();
        match req.path.as_str() {
            "/.well-known/oauth-authorization-server" => (
                200,
                json!({"issuer": base, "authorization_endpoint": format!("{base}/authorize"),
                       "token_endpoint": format!("{base}/token"),
                       "pushed_authorization_request_endpoint": format!("{base}/par")})
                .to_string(),
            ),
            "/par" => (
                201,
                r#"{"request_uri":"urn:ietf:params:oauth:request_uri:bwc4JK-ESC0w8acc191e-Y1LTC2","expires_in":60}"#.to_owned(),
            ),
            _ => (200, TOKENS.to_owned()),
        }
    });
    *issuer.lock().unwrap() = s.base.clone();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tessera"))
        .args([
            "token",
            "code",
            "--issuer",
            &s.base,
            "--client-id",
            "cli",
            "--par",
            "--no-browser",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let auth = url::Url::parse(line.trim()).unwrap();
    let q: Vec<(String, String)> = auth.query_pairs().into_owned().collect();
    assert_eq!(
        q,
        [
            ("client_id".to_owned(), "cli".to_owned()),
            (
                "request_uri".to_owned(),
                "urn:ietf:params:oauth:request_uri:bwc4JK-ESC0w8acc191e-Y1LTC2".to_owned()
            )
        ]
    );
    let par = s.requests().into_iter().find(|r| r.path == "/par").unwrap();
    let redirect = url::Url::parse(&par.param("redirect_uri").unwrap()).unwrap();
    let state = par.param("state").unwrap();
    let mut conn = TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).unwrap();
    write!(
        conn,
        "GET {}?code=c&state={state} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        redirect.path()
    )
    .unwrap();
    let mut page = String::new();
    conn.read_to_string(&mut page).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{page}");
}

#[test]
fn register_and_resource_metadata() {
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let s = Server::start_with_headers(move |req, _| {
        let base = iss.lock().unwrap().clone();
        match req.path.as_str() {
            "/.well-known/oauth-authorization-server" => (
                200,
                json!({"issuer": base, "token_endpoint": format!("{base}/token"),
                       "registration_endpoint": format!("{base}/register")})
                .to_string(),
                Vec::new(),
            ),
            "/register" => (
                201,
                json!({"client_id": "new-client", "client_secret": "fresh",
                       "client_name": "CLI", "registration_access_token": "rat",
                       "registration_client_uri": format!("{base}/register/new-client")})
                .to_string(),
                Vec::new(),
            ),
            "/api" | "/other" => (
                401,
                String::new(),
                vec![(
                    "WWW-Authenticate".to_owned(),
                    format!(
                        r#"Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/api""#
                    ),
                )],
            ),
            "/.well-known/oauth-protected-resource/api" => (
                200,
                json!({"resource": format!("{base}/api"), "authorization_servers": [base]})
                    .to_string(),
                Vec::new(),
            ),
            _ => (404, String::new(), Vec::new()),
        }
    });
    *issuer.lock().unwrap() = s.base.clone();
    let (code, out, err) = run(tessera().args([
        "register",
        "--issuer",
        &s.base,
        "--metadata",
        r#"{"client_name":"CLI","redirect_uris":["http://127.0.0.1/callback"]}"#,
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["client_id"], "new-client");
    assert_eq!(v["client_secret"], "fresh");
    let reg = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/register")
        .unwrap();
    let sent: Value = serde_json::from_str(&reg.body).unwrap();
    assert_eq!(sent["client_name"], "CLI");
    assert_eq!(reg.header("content-type"), Some("application/json"));

    let (code, out, err) = run(tessera().args(["resource-metadata", &format!("{}/api", s.base)]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["resource"]["authorization_servers"][0], s.base.as_str());
    assert_eq!(v["authorization_server"]["issuer"], s.base.as_str());
    // A resource whose 401 points at another resource's metadata is refused (RFC 9728 §3.3).
    let (code, _, err) = run(tessera().args(["resource-metadata", &format!("{}/other", s.base)]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("resource mismatch"), "{err}");
}
