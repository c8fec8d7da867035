//! The `tessera` command against panva's `oidc-provider` (OpenID Certified), as a new user
//! would run it: `discover`, `login` (the browser replaced by the harness's headless login),
//! `token client-credentials|refresh|device|code|exchange|jwt-bearer`, `introspect`, `revoke`,
//! with `--dpop` and `--par` where they apply.
//!
//! `cargo xtask interop` starts the provider (`tests/interop/node/op/server.mjs`) and runs
//! these with `--ignored`, the servers' URLs in `TESSERA_OP_ISSUER`,
//! `TESSERA_OP_NONCE_ISSUER` and `TESSERA_OP_EXCHANGE_ISSUER` (see the root test
//! `oidc_provider` for the library-level checks).
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/common/browser.rs"]
mod browser;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use browser::{ALICE, API, Browser, env, issuer, secret_of};
use serde_json::Value;
use tessera_core::HttpClient;
use tessera_reqwest::ReqwestClient;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed private JWK of the provider's `private-key-jwt` client.
fn client_key() -> PathBuf {
    repo().join("tests/interop/node/op/client-key.json")
}

fn tessera() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
    c.env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy");
    c
}

/// The client flags of each token endpoint authentication method, as a user would write them;
/// the secret, if any, in the environment variable `SECRET`.
fn client_flags(id: &str, method: &str) -> (Vec<String>, Option<String>) {
    let mut f = vec!["--client-id".to_owned(), id.to_owned()];
    let secret = match method {
        "client_secret_basic" => Some(secret_of(id)),
        "client_secret_post" | "client_secret_jwt" => {
            f.extend(["--auth-method".to_owned(), method.to_owned()]);
            Some(secret_of(id))
        }
        "private_key_jwt" => {
            f.extend(["--key".to_owned(), client_key().display().to_string()]);
            None
        }
        _ => None,
    };
    if secret.is_some() {
        f.extend(["--client-secret-env".to_owned(), "SECRET".to_owned()]);
    }
    (f, secret)
}

/// Runs `tessera args…` for the client `id` (its flags appended), expecting exit 0, and returns
/// its stdout as JSON.
fn run_json(args: &[&str], id: &str, method: &str) -> Value {
    let out = run(args, id, method);
    assert!(
        out.status.success(),
        "tessera {args:?} ({method}): {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn run(args: &[&str], id: &str, method: &str) -> Output {
    let (flags, secret) = client_flags(id, method);
    let mut c = tessera();
    c.args(args).args(&flags);
    if let Some(s) = secret {
        c.env("SECRET", s);
    }
    c.output().unwrap()
}

/// `tessera jwt verify` of the `at+jwt` `token` against `issuer`'s JWK Set (`/jwks`), for
/// `audience`; expects exit 0 and returns the claims.
fn verify_at_jwt(issuer: &str, audience: &str, token: &str) -> Value {
    let out = tessera()
        .args([
            "jwt",
            "verify",
            "--jwks-url",
            &format!("{issuer}/jwks"),
            "--alg",
            "ES256",
        ])
        .args(["--iss", issuer, "--aud", audience, "--typ", "at+jwt", token])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A file in a fresh temporary directory holding `text`.
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A child whose stderr lines arrive on a channel (stdout is kept for the end).
struct Running {
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running { child, lines }
    }

    /// The next stderr line for which `pick` says something, within 30 s.
    fn wait_for<T>(&self, mut pick: impl FnMut(&str) -> Option<T>) -> T {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .expect("tessera said nothing expected on stderr within 30 s");
            if let Some(t) = pick(&line) {
                return t;
            }
        }
    }

    /// Waits for the exit: the status, stdout, and the stderr lines not yet read.
    fn output(mut self) -> (std::process::ExitStatus, Vec<u8>, Vec<String>) {
        let mut stdout = Vec::new();
        std::io::Read::read_to_end(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        let status = self.child.wait().unwrap();
        // The reader thread ends with stderr; give it a moment to hand over the last lines.
        let mut rest = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(2)) {
            rest.push(l);
        }
        (status, stdout, rest)
    }

    /// Waits for the exit; expects status 0 and returns stdout as JSON.
    fn finish(self) -> Value {
        let (status, stdout, rest) = self.output();
        assert!(status.success(), "{status}: {}", rest.join("\n"));
        serde_json::from_slice(&stdout).unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn http() -> Arc<dyn HttpClient> {
    Arc::new(ReqwestClient::builder().no_proxy().build().unwrap())
}

/// A loopback redirect URI on a port free a moment ago.
fn free_redirect_uri() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!(
        "http://127.0.0.1:{}/callback",
        l.local_addr().unwrap().port()
    )
}

/// `tessera login --no-browser …`: the authorization URL is read from stderr, the harness
/// logs in and consents, and the browser's last redirect is delivered to tessera's loopback
/// listener; returns tessera's JSON.
fn login(issuer: &str, id: &str, method: &str, extra: &[&str]) -> Value {
    let redirect = free_redirect_uri();
    let (flags, secret) = client_flags(id, method);
    let mut cmd = tessera();
    cmd.args([
        "login",
        "--issuer",
        issuer,
        "--scope",
        "openid email",
        "--no-browser",
    ])
    .args(["--redirect-uri", &redirect, "--timeout", "60"])
    .args(extra)
    .args(&flags);
    if let Some(s) = secret {
        cmd.env("SECRET", s);
    }
    let running = Running::start(cmd);
    let url = running.wait_for(|l| l.starts_with("http").then(|| l.to_owned()));
    let rt = runtime();
    rt.block_on(async {
        let http = http();
        let browser = Browser::new(Arc::clone(&http), issuer);
        let callback = browser.authorize(&url, ALICE, &redirect).await;
        // The browser arrives at tessera's listener, which answers with a page.
        let res = http
            .execute(
                tessera_core::http::Request::get(callback)
                    .body(Vec::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", String::from_utf8_lossy(res.body()));
    });
    running.finish()
}

#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn discover() {
    let issuer = issuer();
    let out = tessera().args(["discover", &issuer]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["issuer"], issuer.as_str());
    assert_eq!(m["token_endpoint"], format!("{issuer}/token"));
    // An issuer that is not exactly the provider's is refused (exit 1).
    let out = tessera()
        .args(["discover", &format!("{issuer}/")])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `token client-credentials` with each confidential authentication method and a resource:
/// the `at+jwt` it prints is verified by `tessera jwt verify --jwks-url` against the
/// provider's keys; with `--dpop`, a DPoP-bound token.
#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn token_client_credentials_each_method_and_dpop() {
    let issuer = issuer();
    for (id, method) in [
        ("basic", "client_secret_basic"),
        ("post", "client_secret_post"),
        ("secret-jwt", "client_secret_jwt"),
        ("private-key-jwt", "private_key_jwt"),
    ] {
        let args = [
            "token",
            "client-credentials",
            "--issuer",
            &issuer,
            "--scope",
            "api:read",
            "--resource",
            API,
        ];
        let t = run_json(&args, id, method);
        assert_eq!(t["token_type"], "Bearer", "{method}");
        let at = t["access_token"].as_str().unwrap();
        let claims = verify_at_jwt(&issuer, API, at);
        assert_eq!(claims["client_id"], id);

        let mut dpop = args.to_vec();
        dpop.push("--dpop");
        let t = run_json(&dpop, id, method);
        assert_eq!(t["token_type"], "DPoP", "{method}");
    }
    // Against the provider that demands DPoP nonces: one retry, then a bound token.
    let nonce_issuer = env("TESSERA_OP_NONCE_ISSUER");
    let t = run_json(
        &[
            "token",
            "client-credentials",
            "--issuer",
            &nonce_issuer,
            "--dpop",
        ],
        "basic",
        "client_secret_basic",
    );
    assert_eq!(t["token_type"], "DPoP");
    // A refusal: exit 1 with the OAuth error on one line.
    let out = run(
        &[
            "token",
            "client-credentials",
            "--issuer",
            &issuer,
            "--resource",
            "https://unknown.example/",
        ],
        "basic",
        "client_secret_basic",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_target"));
}

/// `tessera login` for every authentication method (the ID token and UserInfo shown), then
/// `token refresh` (rotated), `introspect`, `revoke`, `introspect` again; and `login --par
/// --dpop` with a public client, also where nonces are demanded.
#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn login_refresh_introspect_revoke() {
    let issuer = issuer();
    let dir = tempfile::tempdir().unwrap();
    for (id, method) in [
        ("basic", "client_secret_basic"),
        ("post", "client_secret_post"),
        ("secret-jwt", "client_secret_jwt"),
        ("private-key-jwt", "private_key_jwt"),
        ("public", "none"),
    ] {
        let out = login(&issuer, id, method, &["--show-tokens"]);
        assert_eq!(out["id_token_claims"]["sub"], "alice", "{method}");
        assert_eq!(out["id_token_claims"]["aud"], id);
        assert_eq!(out["userinfo"]["email"], "alice@example.com");
        let rt = out["token"]["refresh_token"].as_str().unwrap();
        let rt_file = file(&dir, &format!("{id}.rt"), rt);
        let t = run_json(
            &[
                "token",
                "refresh",
                "--issuer",
                &issuer,
                "--refresh-token-file",
                &rt_file,
            ],
            id,
            method,
        );
        assert_ne!(
            t["refresh_token"].as_str().unwrap(),
            rt,
            "{method}: rotated"
        );
        let at_file = file(
            &dir,
            &format!("{id}.at"),
            t["access_token"].as_str().unwrap(),
        );

        let introspect = ["introspect", "--issuer", &issuer, "--token-file", &at_file];
        assert_eq!(
            run_json(&introspect, id, method)["active"],
            true,
            "{method}"
        );
        let revoke = ["revoke", "--issuer", &issuer, "--token-file", &at_file];
        assert_eq!(run_json(&revoke, id, method), serde_json::json!({}));
        assert_eq!(
            run_json(&introspect, id, method)["active"],
            false,
            "{method}"
        );
    }
    for issuer in [issuer.clone(), env("TESSERA_OP_NONCE_ISSUER")] {
        let out = login(&issuer, "public", "none", &["--par", "--dpop"]);
        assert_eq!(out["token"]["token_type"], "DPoP", "{issuer}");
        assert_eq!(out["userinfo"]["sub"], "alice");
    }
}

/// `token code --par --dpop`: the bare code grant, its URL pushed first.
#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn token_code_with_par_and_dpop() {
    let issuer = issuer();
    let redirect = free_redirect_uri();
    let mut cmd = tessera();
    cmd.args(["token", "code", "--issuer", &issuer, "--scope", "openid"])
        .args([
            "--redirect-uri",
            &redirect,
            "--no-browser",
            "--par",
            "--dpop",
        ])
        .args(["--client-id", "public"]);
    let running = Running::start(cmd);
    let url = running.wait_for(|l| l.starts_with("http").then(|| l.to_owned()));
    assert!(url.contains("request_uri="), "{url}");
    runtime().block_on(async {
        let http = http();
        let callback = Browser::new(Arc::clone(&http), &issuer)
            .authorize(&url, ALICE, &redirect)
            .await;
        let req = tessera_core::http::Request::get(callback)
            .body(Vec::new())
            .unwrap();
        http.execute(req).await.unwrap();
    });
    let t = running.finish();
    assert_eq!(t["token_type"], "DPoP");
    assert!(t["id_token"].is_string());
}

/// `token device`: tessera prints the user code, the harness approves it in the browser, and
/// tessera's polling ends with the tokens; a denial ends in exit 1 with `access_denied`.
#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn token_device_approved_and_denied() {
    let issuer = issuer();
    for approve in [true, false] {
        let mut cmd = tessera();
        cmd.args([
            "token",
            "device",
            "--issuer",
            &issuer,
            "--scope",
            "openid email",
        ])
        .args(["--client-id", "public"]);
        let running = Running::start(cmd);
        let code = running.wait_for(|l| l.strip_prefix("user_code: ").map(str::to_owned));
        let uri = running.wait_for(|l| l.strip_prefix("verification_uri: ").map(str::to_owned));
        runtime().block_on(async {
            Browser::new(http(), &issuer)
                .device(&uri, &code, ALICE, approve)
                .await;
        });
        if approve {
            let t = running.finish();
            assert!(t["access_token"].is_string());
            assert!(t["id_token"].is_string());
        } else {
            let (status, _, rest) = running.output();
            assert_eq!(status.code(), Some(1), "{rest:?}");
            assert!(rest.join("\n").contains("access_denied"), "{rest:?}");
        }
    }
}

/// `token exchange` and `token jwt-bearer` against the exchange server
/// (`tests/interop/node/exchange/server.mjs`), with a subject token from the provider and an
/// assertion made with `tessera jwt sign`.
#[test]
#[ignore = "interop: needs oidc-provider; run by cargo xtask interop"]
fn token_exchange_and_jwt_bearer() {
    let issuer = issuer();
    let exchange = env("TESSERA_OP_EXCHANGE_ISSUER");
    let dir = tempfile::tempdir().unwrap();
    let subject = run_json(
        &[
            "token",
            "client-credentials",
            "--issuer",
            &issuer,
            "--resource",
            API,
        ],
        "basic",
        "client_secret_basic",
    );
    let subject_file = file(
        &dir,
        "subject.at",
        subject["access_token"].as_str().unwrap(),
    );
    // `tessera token exchange` of the subject token for `audience`, as the client `agent`.
    let exchange_for = |audience: &str| {
        let mut args = vec!["token", "exchange", "--issuer", &exchange];
        args.extend(["--subject-token-file", &subject_file]);
        args.extend([
            "--subject-token-type",
            "urn:ietf:params:oauth:token-type:access_token",
        ]);
        args.extend(["--audience", audience, "--scope", "calendar.read"]);
        run(&args, "agent", "client_secret_basic")
    };
    let out = exchange_for("calendar");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        t["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    verify_at_jwt(&exchange, "calendar", t["access_token"].as_str().unwrap());

    // An unknown audience: exit 1, invalid_target.
    let out = exchange_for("elsewhere");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_target"));

    // JWT bearer: the assertion made with `tessera jwt sign` and the committed client key.
    let claims = serde_json::json!({"iss": "agent", "sub": "alice", "aud": exchange}).to_string();
    let key = client_key().display().to_string();
    let out = tessera()
        .args([
            "jwt",
            "sign",
            "--key",
            &key,
            "--expires-in",
            "120",
            "--claims",
            &claims,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let assertion = file(
        &dir,
        "assertion.jwt",
        String::from_utf8(out.stdout).unwrap().trim(),
    );
    let t = run_json(
        &[
            "token",
            "jwt-bearer",
            "--issuer",
            &exchange,
            "--assertion-file",
            &assertion,
        ],
        "agent",
        "client_secret_basic",
    );
    assert_eq!(t["token_type"], "Bearer");
}
