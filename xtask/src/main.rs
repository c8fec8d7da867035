//! `cargo xtask` — the project's automation, as a plain binary with no dependencies.
//!
//! - `cargo xtask ci`: everything CI checks (fmt, clippy with warnings denied, tests, docs with
//!   broken links denied, interop with independent peers, and the fuzz smoke stage).
//! - `cargo xtask interop`: install the Node and Python peers and run the tests that need them.
//! - `cargo xtask bench`: the criterion benches against the peers, and one table of ratios.
//! - `cargo xtask fuzz`: every cargo-fuzz target for a given time.

mod bench;
mod fuzz;
mod interop;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
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
         ci       fmt check, clippy -D warnings, tests, interop, docs (broken links denied), fuzz smoke\n  \
         interop  install the peers (npm ci of jose, pip install of jwcrypto into target/) and\n           \
         run the tests that need them (the ignored ones)\n  \
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
    run("cargo test", test)?;

    interop::interop()?;

    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings");
    run("cargo doc (warnings denied)", doc)?;

    fuzz::run_targets(fuzz::SMOKE_SECONDS, &[])?;

    eprintln!("\nxtask ci: all stages passed");
    Ok(())
}
