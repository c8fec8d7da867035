//! `cargo xtask fuzz [--seconds N] [--smoke] [TARGET…]`: runs the cargo-fuzz targets in `fuzz/`.
//!
//! Installs what it needs when it is missing: the nightly toolchain (`rustup toolchain install
//! nightly --profile minimal`) and cargo-fuzz (`cargo install cargo-fuzz --locked --root
//! target/tools`, run from `target/tools/bin`, never from `~/.cargo/bin`). Then builds every
//! target once (nightly, optimised, ASan), then runs each target for `N` seconds (default 60;
//! `--smoke` means 10) in one process (no `-jobs`, which would hide the log). New inputs go to
//! `target/fuzz-corpus/<target>/`; the committed seeds in `fuzz/corpus/<target>/` are read, never
//! written. Crashes land in `fuzz/artifacts/<target>/`. A summary table gives executions per
//! target from libFuzzer's final statistics.
//!
//! The build is `cargo fuzz build -O --no-trace-compares`, not `--debug-assertions`: the checks
//! are set per package in `fuzz/Cargo.toml`'s release profile instead (cargo-fuzz's RUSTFLAGS
//! would override any profile). Debug assertions, overflow checks and comparison tracing are on
//! for tessera's crates, the fuzz crate and every other dependency, and off for the third-party
//! field and curve arithmetic only (crypto-bigint, subtle, primeorder, p256, p384, p521, …),
//! where, under ASan, sancov traced every shadow-memory check: that made an ECDSA verification
//! four to nine times slower (see the `ecdsa_verify` target). The same flags build and run, so
//! `cargo fuzz run` reuses the build.

use std::env;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{root, run};

/// cargo-fuzz flags for `build` and `run` (the same, or `run` rebuilds): optimised, with cmp
/// tracing left to the per-package `rustflags` of `fuzz/Cargo.toml`, and no `--debug-assertions`
/// (the profile there turns them on, except in the third-party arithmetic).
const BUILD_FLAGS: &[&str] = &["-O", "--no-trace-compares"];

/// Seconds per target in the CI smoke stage.
pub(crate) const SMOKE_SECONDS: u64 = 10;

struct Outcome {
    target: String,
    seconds: u64,
    execs: Option<u64>,
    ok: bool,
}

pub(crate) fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a value")?;
                seconds = v
                    .parse()
                    .map_err(|_| format!("--seconds: not a number: {v:?}"))?;
            }
            "--smoke" => seconds = SMOKE_SECONDS,
            s if s.starts_with('-') => return Err(format!("fuzz: unknown option {s:?}")),
            t => targets.push(t.to_owned()),
        }
    }
    run_targets(seconds, &targets)
}

/// Runs `targets` (all when empty) for `seconds` each; fails on the first crash.
pub(crate) fn run_targets(seconds: u64, targets: &[String]) -> Result<(), String> {
    ensure_nightly()?;
    ensure_cargo_fuzz()?;
    let all = list_targets()?;
    let chosen: Vec<String> = if targets.is_empty() {
        all.clone()
    } else {
        for t in targets {
            if !all.contains(t) {
                return Err(format!("no fuzz target {t:?}; targets: {}", all.join(", ")));
            }
        }
        targets.to_vec()
    };

    let mut build = fuzz_cmd()?;
    build.arg("build").args(BUILD_FLAGS);
    run("cargo fuzz build (all targets)", build)?;

    let mut outcomes = Vec::new();
    for t in &chosen {
        let o = run_one(t, seconds)?;
        let failed = !o.ok;
        outcomes.push(o);
        if failed {
            break;
        }
    }
    print_summary(&outcomes);
    if let Some(o) = outcomes.iter().find(|o| !o.ok) {
        return Err(format!(
            "fuzz target {} failed; the crashing input is in fuzz/artifacts/{}/ \
             (reproduce: cd fuzz && PATH=../target/tools/bin:$PATH \
             cargo +nightly fuzz run {} {} <file>)",
            o.target,
            o.target,
            BUILD_FLAGS.join(" "),
            o.target
        ));
    }
    Ok(())
}

fn fuzz_dir() -> std::path::PathBuf {
    root().join("fuzz")
}

/// Where `cargo install --root` puts cargo-fuzz: `target/tools/bin/cargo-fuzz`.
fn tools_root() -> PathBuf {
    root().join("target").join("tools")
}

/// `PATH` with `target/tools/bin` first, so that `cargo fuzz` runs the cargo-fuzz we installed.
fn tools_path() -> Result<OsString, String> {
    let mut dirs = vec![tools_root().join("bin")];
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path));
    }
    env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))
}

/// `cargo +nightly fuzz` in `fuzz/`, with cargo-fuzz from `target/tools/bin`.
fn fuzz_cmd() -> Result<Command, String> {
    let mut c = Command::new("cargo");
    c.arg("+nightly")
        .arg("fuzz")
        .current_dir(fuzz_dir())
        .env("PATH", tools_path()?);
    // The outer `cargo xtask` sets these for the stable toolchain; let rustup pick nightly.
    // The fuzz crate builds in fuzz/target, whatever the workspace uses.
    for v in STABLE_ENV {
        c.env_remove(v);
    }
    c.env_remove("CARGO_TARGET_DIR");
    Ok(c)
}

/// What the outer `cargo xtask` (stable) sets and another toolchain must not inherit.
pub(crate) const STABLE_ENV: &[&str] = &["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN"];

/// Whether `rustup run <toolchain> rustc --version` works.
pub(crate) fn have_toolchain(toolchain: &str) -> bool {
    let mut c = Command::new("rustup");
    c.args(["run", toolchain, "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for v in STABLE_ENV {
        c.env_remove(v);
    }
    c.status().is_ok_and(|s| s.success())
}

/// Installs `toolchain` with rustup (minimal profile) unless it is already there.
pub(crate) fn ensure_toolchain(toolchain: &str) -> Result<(), String> {
    if have_toolchain(toolchain) {
        return Ok(());
    }
    let mut install = Command::new("rustup");
    install.args(["toolchain", "install", toolchain, "--profile", "minimal"]);
    run(
        &format!("rustup toolchain install {toolchain} --profile minimal"),
        install,
    )?;
    if have_toolchain(toolchain) {
        Ok(())
    } else {
        Err(format!(
            "rustup installed {toolchain} but `rustup run {toolchain} rustc --version` still fails"
        ))
    }
}

/// cargo-fuzz builds with `-Zsanitizer`, which needs nightly.
fn ensure_nightly() -> Result<(), String> {
    ensure_toolchain("nightly")
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let bin = tools_root().join("bin").join("cargo-fuzz");
    let have = Command::new(&bin)
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have {
        return Ok(());
    }
    let mut install = Command::new("cargo");
    install
        .args(["install", "cargo-fuzz", "--locked", "--root"])
        .arg(tools_root());
    for v in STABLE_ENV {
        install.env_remove(v);
    }
    run(
        "cargo install cargo-fuzz --locked --root target/tools",
        install,
    )
}

fn list_targets() -> Result<Vec<String>, String> {
    let out = fuzz_cmd()?
        .arg("list")
        .output()
        .map_err(|e| format!("cargo fuzz list: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo fuzz list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

fn run_one(target: &str, seconds: u64) -> Result<Outcome, String> {
    let work = root().join("target").join("fuzz-corpus").join(target);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let seeds = fuzz_dir().join("corpus").join(target);
    let mut cmd = fuzz_cmd()?;
    cmd.arg("run").args(BUILD_FLAGS).arg(target).arg(&work);
    // A target without committed seeds starts from the empty input.
    if seeds.is_dir() {
        cmd.arg(&seeds);
    }
    cmd.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .args(["-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    eprintln!("\n==> fuzz {target} for {seconds} s");
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let execs = parse_execs(&stderr);
    let ok = out.status.success();
    if !ok {
        // Show the tail of libFuzzer's report: the crash, its stack and the artifact path.
        let lines: Vec<&str> = stderr.lines().collect();
        let from = lines.len().saturating_sub(60);
        eprintln!("{}", lines[from..].join("\n"));
    }
    Ok(Outcome {
        target: target.to_owned(),
        seconds: start.elapsed().as_secs(),
        execs,
        ok,
    })
}

/// `stat::number_of_executed_units: N` from `-print_final_stats=1`.
pub(crate) fn parse_execs(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    })
}

fn print_summary(outcomes: &[Outcome]) {
    println!(
        "\n{:<24} {:>8} {:>14} {:>12}  result",
        "target", "seconds", "executions", "exec/s"
    );
    for o in outcomes {
        let rate = match (o.execs, o.seconds) {
            (Some(e), s) if s > 0 => (e / s).to_string(),
            _ => "-".into(),
        };
        println!(
            "{:<24} {:>8} {:>14} {:>12}  {}",
            o.target,
            o.seconds,
            o.execs.map_or_else(|| "-".into(), |e| e.to_string()),
            rate,
            if o.ok { "ok" } else { "FAILED" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_execs;

    #[test]
    fn reads_executions_from_final_stats() {
        let log = "INFO: Seed: 1\n#2 INITED\nDone 1234 runs in 2 second(s)\n\
                   stat::number_of_executed_units: 1234\nstat::average_exec_per_sec:     617\n";
        assert_eq!(parse_execs(log), Some(1234));
        assert_eq!(parse_execs("no stats"), None);
    }
}
