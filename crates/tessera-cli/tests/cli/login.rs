//! `tessera login` end to end over real loopback sockets against a scripted OpenID Provider:
//! the stderr URL line, the browser page, the output, and the exit codes of refusals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;

use crate::oauth::Server;

/// What the scripted provider puts in its ID token.
#[derive(Default)]
struct Script {
    nonce: String,
    sub_in_userinfo: Option<String>,
    aud: Option<String>,
}

fn provider(script: Arc<Mutex<Script>>) -> Server {
    let jwk = Jwk::generate(JwsAlgorithm::ES256).unwrap().with_kid("op-1");
    let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).unwrap();
    let jwks = JwkSet::from_keys([jwk.to_public().unwrap()]).to_json();
    let issuer: Arc<Mutex<String>> = Arc::default();
    let iss = Arc::clone(&issuer);
    let server = Server::start(move |req, _| {
        let base = iss.lock().unwrap().clone();
        let s = script.lock().unwrap();
        match req.path.as_str() {
            "/.well-known/openid-configuration" => (
                200,
                json!({
                    "issuer": base,
                    "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}/token"),
                    "userinfo_endpoint": format!("{base}/userinfo"),
                    "jwks_uri": format!("{base}/jwks"),
                    "id_token_signing_alg_values_supported": ["ES256"],
                    "authorization_response_iss_parameter_supported": true,
                })
                .to_string(),
            ),
            "/jwks" => (200, jwks.clone()),
            "/token" => {
                let now = tessera_core::UnixTime(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs(),
                );
                let id = JwtBuilder::new()
                    .issuer(base.clone())
                    .subject("alice")
                    .audience(s.aud.clone().unwrap_or_else(|| "cli".into()))
                    .issued_at(now)
                    .expires_in(now, 300)
                    .claim("nonce", s.nonce.clone())
                    .claim("email", "alice@example.com")
                    .sign(&signer)
                    .unwrap();
                // A DPoP client's token request carries a proof: its token is DPoP-bound.
                let token_type = if req.header("dpop").is_some() {
                    "DPoP"
                } else {
                    "Bearer"
                };
                (
                    200,
                    json!({"access_token": "at-1", "token_type": token_type, "expires_in": 300,
                           "scope": "openid email", "refresh_token": "rt-1", "id_token": id})
                    .to_string(),
                )
            }
            "/userinfo" => (
                200,
                json!({"sub": s.sub_in_userinfo.clone().unwrap_or_else(|| "alice".into()),
                       "email": "alice@example.com"})
                .to_string(),
            ),
            _ => (404, String::new()),
        }
    });
    *issuer.lock().unwrap() = server.base.clone();
    server
}

/// Starts `tessera login`; returns the child, the authorization URL from its first stderr line,
/// and a thread that collects the rest of stderr.
fn login(server: &Server, extra: &[&str]) -> (Child, url::Url, std::thread::JoinHandle<String>) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tessera"))
        .args([
            "login",
            "--issuer",
            &server.base,
            "--client-id",
            "cli",
            "--scope",
            "email",
            "--no-browser",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = url::Url::parse(line.trim()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stderr.read_to_string(&mut rest);
        rest
    });
    (child, url, rest)
}

fn param(url: &url::Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// Plays the browser: GETs the redirect URI with `query`, returns the page.
fn come_back(auth: &url::Url, query: &str) -> String {
    let redirect = url::Url::parse(&param(auth, "redirect_uri")).unwrap();
    let mut conn = TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).unwrap();
    write!(
        conn,
        "GET {}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        redirect.path()
    )
    .unwrap();
    let mut page = String::new();
    conn.read_to_string(&mut page).unwrap();
    page
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn a_successful_login() {
    let script = Arc::new(Mutex::new(Script::default()));
    let server = provider(Arc::clone(&script));
    let (child, auth, _) = login(&server, &[]);
    assert!(
        auth.as_str()
            .starts_with(&format!("{}/authorize?", server.base))
    );
    assert_eq!(param(&auth, "scope"), "openid email");
    assert_eq!(param(&auth, "code_challenge_method"), "S256");
    script.lock().unwrap().nonce = param(&auth, "nonce");
    let page = come_back(
        &auth,
        &format!(
            "code=c0de&state={}&iss={}",
            param(&auth, "state"),
            enc(&server.base)
        ),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Login succeeded"), "{page}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id_token_claims"]["sub"], "alice");
    assert_eq!(v["id_token_claims"]["email"], "alice@example.com");
    assert_eq!(v["userinfo"]["email"], "alice@example.com");
    assert_eq!(
        v["token"],
        json!({"token_type": "Bearer", "expires_in": 300, "scope": "openid email"})
    );
}

#[test]
fn show_tokens_adds_them() {
    let script = Arc::new(Mutex::new(Script::default()));
    let server = provider(Arc::clone(&script));
    let (child, auth, _) = login(&server, &["--show-tokens"]);
    script.lock().unwrap().nonce = param(&auth, "nonce");
    come_back(
        &auth,
        &format!(
            "code=c&state={}&iss={}",
            param(&auth, "state"),
            enc(&server.base)
        ),
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["token"]["access_token"], "at-1");
    assert_eq!(v["token"]["refresh_token"], "rt-1");
}

/// Each refusal: exit 1, one line on stderr naming the check, a page that says login failed.
#[test]
fn refusals() {
    type Case = (
        &'static str,
        fn(&mut Script, &url::Url),
        fn(&url::Url, &str) -> String,
        &'static str,
    );
    let cases: [Case; 5] = [
        (
            "wrong nonce",
            |s, _| s.nonce = "another".into(),
            |a, base| format!("code=c&state={}&iss={}", param(a, "state"), enc(base)),
            "nonce",
        ),
        (
            "wrong aud",
            |s, a| {
                s.nonce = param(a, "nonce");
                s.aud = Some("someone-else".into());
            },
            |a, base| format!("code=c&state={}&iss={}", param(a, "state"), enc(base)),
            "audience",
        ),
        (
            "userinfo sub",
            |s, a| {
                s.nonce = param(a, "nonce");
                s.sub_in_userinfo = Some("mallory".into());
            },
            |a, base| format!("code=c&state={}&iss={}", param(a, "state"), enc(base)),
            "UserInfo",
        ),
        (
            "access denied",
            |_, _| {},
            |a, base| {
                format!(
                    "error=access_denied&state={}&iss={}",
                    param(a, "state"),
                    enc(base)
                )
            },
            "access_denied",
        ),
        (
            "state mismatch",
            |_, _| {},
            |_, base| format!("code=c&state=forged&iss={}", enc(base)),
            "state",
        ),
    ];
    for (name, setup, query, needle) in cases {
        let script = Arc::new(Mutex::new(Script::default()));
        let server = provider(Arc::clone(&script));
        let (child, auth, rest) = login(&server, &[]);
        setup(&mut script.lock().unwrap(), &auth);
        let page = come_back(&auth, &query(&auth, &server.base));
        assert!(page.contains("Login failed"), "{name}: {page}");
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let err = rest.join().unwrap();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: {err}");
        assert!(lines[0].contains(needle), "{name}: {err}");
    }
}

#[test]
fn timeout_and_usage() {
    let script = Arc::new(Mutex::new(Script::default()));
    let server = provider(Arc::clone(&script));
    let out = assert_cmd::cargo::cargo_bin_cmd!("tessera")
        .args([
            "login",
            "--issuer",
            &server.base,
            "--client-id",
            "cli",
            "--no-browser",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with(&format!("{}/authorize?", server.base)));
    assert!(lines[1].contains("--timeout"), "{err}");
    // No --client-id: usage.
    let out = assert_cmd::cargo::cargo_bin_cmd!("tessera")
        .args(["login", "--issuer", &server.base])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Discovery of a document for another issuer: exit 1.
    let evil = Server::start(|_, _| {
        (200, r#"{"issuer":"https://evil.example","authorization_endpoint":"https://evil.example/a","jwks_uri":"https://evil.example/k"}"#.to_owned())
    });
    let out = assert_cmd::cargo::cargo_bin_cmd!("tessera")
        .args([
            "login",
            "--issuer",
            &evil.base,
            "--client-id",
            "cli",
            "--no-browser",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("issuer mismatch"));
}

#[test]
fn login_with_dpop() {
    let script = Arc::new(Mutex::new(Script::default()));
    let server = provider(Arc::clone(&script));
    let (child, auth, _) = login(&server, &["--dpop"]);
    assert_eq!(param(&auth, "dpop_jkt").len(), 43);
    script.lock().unwrap().nonce = param(&auth, "nonce");
    come_back(
        &auth,
        &format!(
            "code=c&state={}&iss={}",
            param(&auth, "state"),
            enc(&server.base)
        ),
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["token"]["token_type"], "DPoP");
    let reqs = server.requests();
    let token = reqs.iter().find(|r| r.path == "/token").unwrap();
    assert!(token.header("dpop").is_some());
    // UserInfo with the DPoP-bound token: the DPoP scheme and a proof.
    let me = reqs.iter().find(|r| r.path == "/userinfo").unwrap();
    assert_eq!(me.header("authorization"), Some("DPoP at-1"));
    assert!(me.header("dpop").is_some());
}
