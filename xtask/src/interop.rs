//! `cargo xtask interop`: the tests that need an independent peer installed from a package
//! registry. A plain `cargo test` never reaches the network: these tests are `#[ignore]`d
//! there, and this stage installs the peers and then runs exactly those ignored tests.
//!
//! - Node, panva's `jose`: `npm ci` from the committed lock files under
//!   `tests/vectors/interop/jose-node*`, then the root tests `jws_interop`, `jwe_interop` and
//!   `jwt_interop` with `--ignored` (they run `node` in those directories).
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

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cargo, root, run};

/// The npm projects under `tests/vectors/interop/`, each pinned by its `package-lock.json`.
const NODE_PROJECTS: &[&str] = &["jose-node", "jose-node-jws", "jose-node-jwt"];

/// The root integration tests whose ignored tests need those packages.
const NODE_TESTS: &[&str] = &["jws_interop", "jwe_interop", "jwt_interop"];

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
    for project in NODE_PROJECTS {
        let dir = root().join("tests/vectors/interop").join(project);
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir);
        run(&format!("npm ci ({project})"), npm)?;
    }
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
    )
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
