//! `cargo xtask fuzz [--seconds N] [--smoke] [TARGET…]`: runs the cargo-fuzz targets in `fuzz/`.
//!
//! Installs cargo-fuzz if it is missing, builds every target once (nightly, optimised, with
//! debug assertions), then runs each target for `N` seconds (default 60; `--smoke` means 10)
//! in one process (no `-jobs`, which would hide the log). New inputs go to `target/fuzz-corpus/<target>/`; the committed seeds in
//! `fuzz/corpus/<target>/` are read, never written. Crashes land in `fuzz/artifacts/<target>/`.
//! A summary table gives executions per target from libFuzzer's final statistics.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{root, run};

/// Seconds per target in the CI smoke stage.
pub const SMOKE_SECONDS: u64 = 10;

struct Outcome {
    target: String,
    seconds: u64,
    execs: Option<u64>,
    ok: bool,
}

pub fn fuzz(args: &[String]) -> Result<(), String> {
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
pub fn run_targets(seconds: u64, targets: &[String]) -> Result<(), String> {
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

    let mut build = fuzz_cmd();
    build.args(["build", "-O", "--debug-assertions"]);
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
             (reproduce: cd fuzz && cargo +nightly fuzz run {} <file>)",
            o.target, o.target, o.target
        ));
    }
    Ok(())
}

fn fuzz_dir() -> std::path::PathBuf {
    root().join("fuzz")
}

fn fuzz_cmd() -> Command {
    let mut c = Command::new("cargo");
    c.arg("+nightly").arg("fuzz").current_dir(fuzz_dir());
    // The outer `cargo xtask` sets these for the stable toolchain; let rustup pick nightly.
    for v in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
    ] {
        c.env_remove(v);
    }
    c
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let have = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have {
        return Ok(());
    }
    let mut install = Command::new("cargo");
    install.args(["install", "cargo-fuzz", "--locked"]);
    run("cargo install cargo-fuzz --locked", install)
}

fn list_targets() -> Result<Vec<String>, String> {
    let out = fuzz_cmd()
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
    let mut cmd = fuzz_cmd();
    cmd.args(["run", "-O", "--debug-assertions", target])
        .arg(&work)
        .arg(&seeds)
        .arg("--")
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
pub fn parse_execs(log: &str) -> Option<u64> {
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
