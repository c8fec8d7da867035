//! `cargo xtask` — the project's automation, as a plain binary with no dependencies.
//!
//! - `cargo xtask ci`: everything CI checks, cheapest first: fmt, the dependency-direction
//!   check, a `--no-default-features` check of each crate, the MSRV check, clippy with
//!   warnings denied, tests, interop with independent peers, docs with broken links denied,
//!   and the fuzz smoke stage.
//! - `cargo xtask deps`: no protocol crate depends on a runtime, an HTTP client, or a crate
//!   above it.
//! - `cargo xtask features` and `cargo xtask msrv`: those two stages of `ci` alone.
//! - `cargo xtask interop`: install the Node and Python peers, start oidc-provider on loopback,
//!   and run the tests that need them.
//! - `cargo xtask bench`: the criterion benches against the peers, and one table of ratios.
//! - `cargo xtask fuzz`: every cargo-fuzz target for a given time.

mod bench;
mod deps;
mod fuzz;
mod interop;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("deps") => deps::deps(),
        Some("features") => no_default_features(),
        Some("msrv") => msrv(),
        Some("interop") => interop::interop(),
        Some("bench") => bench::bench(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         ci       fmt check, deps, --no-default-features checks, MSRV check, clippy -D warnings,\n           \
         tests, interop, docs (warnings denied), fuzz smoke\n  \
         deps     no protocol crate depends on a runtime, an HTTP client or a crate above it\n  \
         features cargo check -p <crate> --no-default-features, for each crate\n  \
         msrv     cargo +<rust-version> check --workspace (rustup installs the toolchain)\n  \
         interop  install the peers (npm ci of oidc-provider and jose, pip install of jwcrypto\n           \
         into target/), start oidc-provider on 127.0.0.1, run the tests that need them (the\n           \
         ignored ones), and stop it\n  \
         bench    criterion benches (ours, jsonwebtoken, jwt-simple, raw primitives) and one table\n           \
         [--no-run] [--full] [FILTER]\n  \
         fuzz     every cargo-fuzz target in fuzz/ [--seconds N | --smoke] [TARGET...]\n"
    );
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(what: &str, mut cmd: Command) -> Result<(), String> {
    eprintln!("\n==> {what}");
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run("cargo fmt --check", fmt)?;

    deps::deps()?;

    no_default_features()?;

    msrv()?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]);
    run("cargo clippy -D warnings", clippy)?;

    let mut test = cargo();
    test.args(["test", "--workspace", "--all-features"]);
    run(
        "cargo test (no network: the interop tests are ignored here)",
        test,
    )?;

    interop::interop()?;

    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings");
    run("cargo doc (warnings denied)", doc)?;

    fuzz::run_targets(fuzz::SMOKE_SECONDS, &[])?;

    eprintln!("\nxtask ci: all stages passed");
    Ok(())
}

/// `cargo check -p <crate> --no-default-features` for each crate (the tooling packages aside).
fn no_default_features() -> Result<(), String> {
    for krate in deps::workspace_crates()? {
        let mut check = cargo();
        check.args(["check", "-p", &krate, "--no-default-features"]);
        run(
            &format!("cargo check -p {krate} --no-default-features"),
            check,
        )?;
    }
    Ok(())
}

/// `cargo +<rust-version> check --workspace` (libraries and binaries), with the toolchain the
/// workspace's `rust-version` names, installed by rustup (minimal profile) when missing.
fn msrv() -> Result<(), String> {
    let manifest = root().join("Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let version = rust_version(&text)
        .ok_or_else(|| format!("no `rust-version = \"…\"` in {}", manifest.display()))?;
    fuzz::ensure_toolchain(&version)?;
    let mut check = Command::new("cargo");
    check
        .arg(format!("+{version}"))
        .args(["check", "--workspace"])
        .current_dir(root());
    for v in fuzz::STABLE_ENV {
        check.env_remove(v);
    }
    run(
        &format!("MSRV: cargo +{version} check --workspace (libraries and binaries)"),
        check,
    )
}

/// The value of the first `rust-version = "…"` line of a manifest.
fn rust_version(manifest: &str) -> Option<String> {
    manifest.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("rust-version")?.trim_start();
        let value = rest.strip_prefix('=')?.trim();
        let value = value.strip_prefix('"')?;
        Some(value[..value.find('"')?].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::rust_version;

    #[test]
    fn reads_the_workspace_rust_version() {
        let m = "[workspace.package]\nedition = \"2024\"\nrust-version = \"1.90\"\n\
                 [package]\nrust-version.workspace = true\n";
        assert_eq!(rust_version(m).as_deref(), Some("1.90"));
        assert_eq!(rust_version("rust-version.workspace = true\n"), None);
    }
}
