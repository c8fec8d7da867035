//! `cargo xtask interop`: the tests that need an independent peer installed from a package
//! registry. A plain `cargo test` never reaches the network: these tests are `#[ignore]`d
//! there, and this stage installs the peers and then runs exactly those ignored tests.
//!
//! - Node: `npm ci` of the one npm project `tests/interop/node` (panva's `jose` and
//!   `oidc-provider`, pinned by its `package-lock.json`), then
//!   - the root tests `jws_interop`, `jwe_interop` and `jwt_interop` with `--ignored` (they run
//!     `node` on the scripts under `tests/interop/node/jose-*`);
//!   - `node op/server.mjs`: oidc-provider (and the small RFC 8693 / RFC 7523 server of
//!     `exchange/server.mjs`) on 127.0.0.1 on free ports; once it prints `ready` (after its
//!     discovery answered), the root test `oidc_provider` and the CLI's `op_cli` run with
//!     `--ignored` and the servers' URLs in `TESSERA_OP_ISSUER`, `TESSERA_OP_NONCE_ISSUER`
//!     and `TESSERA_OP_EXCHANGE_ISSUER`; then the server is killed by its pid (also when the
//!     tests fail). Its stderr goes to `target/interop/oidc-provider.log`.
//! - Python, `jwcrypto`: a venv under `target/interop/jwcrypto/` from
//!   `tests/interop/jwcrypto/requirements.txt` (binary wheels only; where `python3 -m venv`
//!   cannot bootstrap pip, `pip install --target` with the interpreter's own pip), then
//!   the CLI's `interop` test with `--ignored`, which finds the interpreter in
//!   `TESSERA_JWCRYPTO_PYTHON` (and, for the `--target` install, `TESSERA_JWCRYPTO_PYTHONPATH`).
//!
//! Both run `cargo test --workspace --all-features --test <name> -- --ignored`: the feature
//! resolution of the test stage, so that nothing is compiled again.
//!
//! `TESSERA_PYTHON` chooses the interpreter the venv is made from (default `python3`).
//! `TESSERA_SKIP_INTEROP=1` skips the whole stage, and says so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{cargo, root, run};

/// The one npm project of the Node peers (panva's `jose` and `oidc-provider`), pinned by its
/// `package-lock.json`.
const NODE_PROJECT: &str = "tests/interop/node";

/// The root integration tests whose ignored tests need `jose`.
const NODE_TESTS: &[&str] = &["jws_interop", "jwe_interop", "jwt_interop"];

/// The integration tests (root package and `tessera-cli`) run against the running provider.
const PROVIDER_TESTS: &[&str] = &["oidc_provider", "op_cli"];

/// How long the provider may take to say it is ready.
const PROVIDER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs both interop stages (Node, then Python).
pub(crate) fn interop() -> Result<(), String> {
    if std::env::var_os("TESSERA_SKIP_INTEROP").is_some_and(|v| v == "1") {
        eprintln!(
            "\n==> interop: SKIPPED because TESSERA_SKIP_INTEROP=1; nothing was cross-checked"
        );
        return Ok(());
    }
    node()?;
    python()
}

fn node() -> Result<(), String> {
    let dir = root().join(NODE_PROJECT);
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir);
    run(
        &format!("npm ci ({NODE_PROJECT}: jose, oidc-provider)"),
        npm,
    )?;
    // `--workspace --all-features`, as in the test stage: the same feature resolution, so
    // nothing is rebuilt; only the named test targets run.
    let mut test = cargo();
    test.args(["test", "--workspace", "--all-features"]);
    for t in NODE_TESTS {
        test.args(["--test", t]);
    }
    test.args(["--", "--ignored"]);
    run(
        "interop with jose (Node): tessera's tokens checked by jose",
        test,
    )?;
    provider(&dir)
}

/// Starts panva's oidc-provider (`node op/server.mjs`) on 127.0.0.1, waits until it says that
/// discovery answers, runs the tests against it, and stops it by its pid — also when they fail.
fn provider(dir: &Path) -> Result<(), String> {
    let log_dir = root().join("target/interop");
    std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let log_path = log_dir.join("oidc-provider.log");
    let log =
        std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    eprintln!(
        "\n==> starting oidc-provider on 127.0.0.1 (its stderr: {})",
        log_path.display()
    );
    let child = Command::new("node")
        .arg("op/server.mjs")
        .current_dir(dir)
        // A pipe the server watches: should xtask die without killing it, the pipe closes
        // and the server exits.
        .stdin(Stdio::piped())
        .env("TESSERA_OP_EXIT_WITH_STDIN", "1")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("node op/server.mjs: could not start: {e}"))?;
    let mut server = Server(child);
    let env = server.wait_ready().map_err(|e| {
        format!(
            "oidc-provider did not start: {e} (see {})",
            log_path.display()
        )
    })?;
    for (k, v) in &env {
        eprintln!("    {k}={v}");
    }

    let mut test = cargo();
    test.args(["test", "--workspace", "--all-features"]);
    for t in PROVIDER_TESTS {
        test.args(["--test", t]);
    }
    test.args(["--", "--ignored"]).envs(env);
    let result = run(
        "interop with oidc-provider (an OpenID Certified provider) and the exchange server",
        test,
    );
    server.stop();
    result
}

/// The provider's process; dropped (on any path out), it is killed by its pid.
struct Server(Child);

impl Server {
    /// Reads the server's `name=value` lines until `ready`; returns them as the tests'
    /// environment (`issuer` becomes `TESSERA_OP_ISSUER`, and so on).
    fn wait_ready(&mut self) -> Result<Vec<(String, String)>, String> {
        let stdout = self.0.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end, after `ready` too: a closed pipe would kill the server.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + PROVIDER_START_TIMEOUT;
        let mut env = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!("not ready after {PROVIDER_START_TIMEOUT:?}"));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err("it exited before it was ready".into());
                }
            };
            if line == "ready" {
                return Ok(env);
            }
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| format!("unexpected line {line:?}"))?;
            env.push((
                format!("TESSERA_OP_{}", name.to_ascii_uppercase()),
                value.to_owned(),
            ));
        }
    }

    fn stop(&mut self) {
        eprintln!("\n==> stopping oidc-provider (pid {})", self.0.id());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// The interpreter with jwcrypto importable, and the `PYTHONPATH` it needs, if any.
struct Python {
    python: PathBuf,
    pythonpath: Option<PathBuf>,
}

fn python() -> Result<(), String> {
    let peer = install_jwcrypto()?;
    let mut test = cargo();
    test.args([
        "test",
        "--workspace",
        "--all-features",
        "--test",
        "interop",
        "--",
        "--ignored",
    ])
    .env("TESSERA_JWCRYPTO_PYTHON", &peer.python);
    match &peer.pythonpath {
        Some(p) => test.env("TESSERA_JWCRYPTO_PYTHONPATH", p),
        None => test.env_remove("TESSERA_JWCRYPTO_PYTHONPATH"),
    };
    run(
        "interop with jwcrypto (Python): the tessera command against jwcrypto, both ways",
        test,
    )
}

/// Installs jwcrypto (once per requirements file: a stamp file remembers what was installed).
fn install_jwcrypto() -> Result<Python, String> {
    let requirements = root().join("tests/interop/jwcrypto/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let system_python: PathBuf = std::env::var_os("TESSERA_PYTHON")
        .unwrap_or_else(|| "python3".into())
        .into();
    let home = root().join("target/interop/jwcrypto");
    let stamp = home.join("installed-requirements.txt");
    let venv = home.join("venv");
    let site = home.join("site");
    let venv_python = venv.join("bin/python");

    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        eprintln!("\n==> jwcrypto already installed in {}", home.display());
        return Ok(if venv_python.exists() {
            Python {
                python: venv_python,
                pythonpath: None,
            }
        } else {
            Python {
                python: system_python,
                pythonpath: Some(site),
            }
        });
    }

    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
    let pip_args = [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--only-binary",
        ":all:",
        "-r",
    ];
    let venv_ok = Command::new(&system_python)
        .args(["-m", "venv"])
        .arg(&venv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && venv_python.exists();
    let peer = if venv_ok {
        let mut pip = Command::new(&venv_python);
        pip.args(pip_args).arg(&requirements);
        run(
            &format!("pip install jwcrypto into {}", venv.display()),
            pip,
        )?;
        Python {
            python: venv_python,
            pythonpath: None,
        }
    } else {
        // No ensurepip (e.g. Debian without python3-venv): install into a plain directory with
        // the interpreter's own pip and put it on PYTHONPATH.
        let _ = std::fs::remove_dir_all(&venv);
        let mut pip = Command::new(&system_python);
        pip.args(pip_args)
            .arg(&requirements)
            .arg("--target")
            .arg(&site);
        run(
            &format!(
                "pip install --target {} (`python3 -m venv` unavailable)",
                site.display()
            ),
            pip,
        )?;
        Python {
            python: system_python,
            pythonpath: Some(site),
        }
    };
    write(&stamp, &wanted)?;
    Ok(peer)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
