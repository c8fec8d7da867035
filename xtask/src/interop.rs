//! Interop against panva's `jose` on Node: install the pinned npm packages (`npm ci` from the
//! committed lock files) and run the tests that hand tessera's tokens to it.
//!
//! The other direction (tessera verifying jose's tokens) runs in the ordinary test stage from
//! committed fixtures, and the Python `jwcrypto` cross-checks install themselves inside
//! `cargo test -p tessera-cli --test interop`.

use std::process::Command;

use crate::{cargo, root, run};

/// The npm projects under `tests/vectors/interop/`, each pinned by its `package-lock.json`.
const NODE_PROJECTS: &[&str] = &["jose-node", "jose-node-jws", "jose-node-jwt"];

/// The integration tests that need those packages (marked `#[ignore]` so that a plain
/// `cargo test` without Node still passes).
const NODE_TESTS: &[&str] = &["jws_interop", "jwe_interop", "jwt_interop"];

pub(crate) fn node() -> Result<(), String> {
    if std::env::var_os("TESSERA_SKIP_INTEROP").is_some() {
        eprintln!("\n==> interop with jose (Node): SKIPPED because TESSERA_SKIP_INTEROP is set");
        return Ok(());
    }
    for project in NODE_PROJECTS {
        let dir = root().join("tests/vectors/interop").join(project);
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir);
        run(&format!("npm ci ({project})"), npm)?;
    }
    let mut test = cargo();
    test.args(["test", "-p", "tessera", "--all-features"]);
    for t in NODE_TESTS {
        test.args(["--test", t]);
    }
    test.args(["--", "--ignored"]);
    run(
        "interop with jose (Node): tessera's tokens checked by jose",
        test,
    )
}
