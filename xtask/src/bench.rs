//! `cargo xtask bench [--no-run] [--full] [FILTER]`: runs the criterion benches of the
//! `tessera-benches` package (`benches/`, which owns the peers so that the root package's tests
//! build one crypto stack) and prints one table: per operation tessera's median, each peer's, and the ratios
//! peer/tessera (above 1 means tessera is faster) and tessera/raw (the cost over the bare
//! primitive; 1.00 is the floor).
//!
//! Criterion ids are `<operation>/<library>`; `tessera` is ours, `raw` is the primitive, every
//! other function id is a peer. Medians come from `target/criterion/**/new/estimates.json`.
//! `--no-run` only prints the table from the last run; `--full` uses criterion's default
//! timings instead of the quick ones (1 s warm-up, 3 s measurement).

use std::collections::BTreeMap;
use std::path::Path;

use crate::{cargo, root, run};

const OURS: &str = "tessera";
const RAW: &str = "raw";

pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    let mut no_run = false;
    let mut full = false;
    let mut filter = None;
    for a in args {
        match a.as_str() {
            "--no-run" => no_run = true,
            "--full" => full = true,
            s if s.starts_with('-') => return Err(format!("bench: unknown option {s:?}")),
            s => filter = Some(s.to_owned()),
        }
    }
    let interleaved_file = root().join("target/criterion/interleaved.tsv");
    if !no_run {
        if filter.is_none() {
            // The benches append their interleaved ratios; start a full run afresh.
            let _ = std::fs::remove_file(&interleaved_file);
        }
        let mut cmd = cargo();
        cmd.args(["bench", "-p", "tessera-benches"]);
        // Each file in benches/, by name (criterion's options go to every bench named here;
        // a libtest harness would refuse them).
        for name in bench_targets()? {
            cmd.args(["--bench", &name]);
        }
        cmd.arg("--");
        if !full {
            cmd.args(["--warm-up-time", "1", "--measurement-time", "3"]);
        }
        if let Some(f) = &filter {
            cmd.arg(f);
        }
        run("cargo bench (criterion)", cmd)?;
    }
    let results = collect(&root().join("target").join("criterion"))?;
    if results.is_empty() {
        return Err("no criterion results under target/criterion; run without --no-run".into());
    }
    let interleaved = read_interleaved(&interleaved_file);
    print!("{}", table(&results, &interleaved, filter.as_deref()));
    Ok(())
}

fn bench_targets() -> Result<Vec<String>, String> {
    let dir = root().join("benches");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "rs").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    Ok(names)
}

/// operation → (median, first quartile, third quartile) of ours/raw measured interleaved.
type Interleaved = BTreeMap<String, (f64, f64, f64)>;

/// Reads `name\tmedian\tq1\tq3` lines written by the benches; the last line for a name wins.
pub(crate) fn read_interleaved(path: &Path) -> Interleaved {
    let mut out = Interleaved::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if let [name, m, a, b] = f[..]
            && let (Ok(m), Ok(a), Ok(b)) = (m.parse(), a.parse(), b.parse())
        {
            out.insert(name.to_owned(), (m, a, b));
        }
    }
    out
}

/// operation → library → median in nanoseconds.
type Results = BTreeMap<String, BTreeMap<String, f64>>;

fn collect(dir: &Path) -> Result<Results, String> {
    let mut out = Results::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    if let Some((group, function, median)) = read_result(&p) {
                        out.entry(group).or_default().insert(function, median);
                    }
                } else if !p.file_name().is_some_and(|n| n == "base" || n == "report") {
                    stack.push(p);
                }
            }
        }
    }
    Ok(out)
}

fn read_result(new_dir: &Path) -> Option<(String, String, f64)> {
    let bench = std::fs::read_to_string(new_dir.join("benchmark.json")).ok()?;
    let est = std::fs::read_to_string(new_dir.join("estimates.json")).ok()?;
    let group = json_string_field(&bench, "group_id")?;
    let function = json_string_field(&bench, "function_id").unwrap_or_else(|| OURS.to_owned());
    let median = median_ns(&est)?;
    Some((group, function, median))
}

/// The string value of `"name": "..."` in a flat JSON object (criterion's benchmark.json).
pub(crate) fn json_string_field(json: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\"");
    let at = json.find(&key)? + key.len();
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let mut s = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(s),
            '\\' => match chars.next()? {
                'n' => s.push('\n'),
                't' => s.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    s.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => s.push(other),
            },
            c => s.push(c),
        }
    }
    None
}

/// `median.point_estimate` from criterion's estimates.json, in nanoseconds.
pub(crate) fn median_ns(json: &str) -> Option<f64> {
    let at = json.find("\"median\"")?;
    let rest = &json[at..];
    let p = rest.find("\"point_estimate\"")? + "\"point_estimate\"".len();
    let rest = rest[p..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn fmt_time(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

/// Sort key: algorithms in the order of the issue, then everything else by name.
fn rank(group: &str) -> (usize, String) {
    const ORDER: &[&str] = &[
        "HS256 verify",
        "HS256 sign",
        "RS256 verify",
        "RS256 sign",
        "PS256 verify",
        "PS256 sign",
        "ES256 verify",
        "ES256 sign",
        "EdDSA verify",
        "EdDSA sign",
    ];
    let i = ORDER
        .iter()
        .position(|o| *o == group)
        .unwrap_or(ORDER.len());
    (i, group.to_owned())
}

pub(crate) fn table(results: &Results, interleaved: &Interleaved, filter: Option<&str>) -> String {
    let mut peers: Vec<&str> = results
        .values()
        .flat_map(|m| m.keys())
        .map(String::as_str)
        .filter(|f| *f != OURS && *f != RAW)
        .collect();
    peers.sort_unstable();
    peers.dedup();

    let mut groups: Vec<&String> = results
        .keys()
        .filter(|g| filter.is_none_or(|f| g.contains(f)))
        .collect();
    groups.sort_by_key(|g| rank(g));

    let mut header = vec!["operation".to_owned(), OURS.to_owned()];
    header.extend(peers.iter().map(|p| (*p).to_owned()));
    header.push(RAW.to_owned());
    header.extend(peers.iter().map(|p| format!("{p}/ours")));
    header.push("ours/raw".to_owned());
    header.push("ours/raw interleaved (IQR)".to_owned());

    let mut rows = vec![header];
    for g in groups {
        let m = &results[g];
        let ours = m.get(OURS).copied();
        let mut row = vec![g.clone(), ours.map_or("-".into(), fmt_time)];
        for p in &peers {
            row.push(m.get(*p).map_or("-".into(), |t| fmt_time(*t)));
        }
        row.push(m.get(RAW).map_or("-".into(), |t| fmt_time(*t)));
        for p in &peers {
            row.push(match (m.get(*p), ours) {
                (Some(t), Some(o)) if o > 0.0 => format!("{:.2}x", t / o),
                _ => "-".into(),
            });
        }
        row.push(match (ours, m.get(RAW)) {
            (Some(o), Some(r)) if *r > 0.0 => format!("{:.3}", o / r),
            _ => "-".into(),
        });
        row.push(
            interleaved
                .get(g)
                .map_or("-".into(), |(m, a, b)| format!("{m:.3} ({a:.3}-{b:.3})")),
        );
        rows.push(row);
    }

    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::from("\n");
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = widths[c] - s.chars().count();
                if c == 0 {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
        }
    }
    out.push_str(
        "\nmedians (thread CPU time); peer/ours > 1 means tessera is faster; ours/raw is the cost over \
         the bare primitive;\ninterleaved: ours and raw timed in alternating batches, 41 rounds \
         (steady under machine load)\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_files() {
        let bench = r#"{"group_id":"HS256 verify","function_id":"jwt-simple","value_str":null,"throughput":null,"full_id":"HS256 verify/jwt-simple","directory_name":"HS256 verify/jwt-simple","title":"HS256 verify/jwt-simple"}"#;
        assert_eq!(
            json_string_field(bench, "group_id").as_deref(),
            Some("HS256 verify")
        );
        assert_eq!(
            json_string_field(bench, "function_id").as_deref(),
            Some("jwt-simple")
        );
        assert_eq!(json_string_field(bench, "value_str"), None);
        let est = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1.5,"standard_error":0.1},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":900.0,"upper_bound":1100.0},"point_estimate":987.25,"standard_error":3.0}}"#;
        assert_eq!(median_ns(est), Some(987.25));
    }

    #[test]
    fn reads_interleaved_ratios() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("interleaved.tsv");
        std::fs::write(
            &p,
            "RS256 verify\t1.01\t1.0\t1.02\nbad line\nRS256 verify\t1.03\t1.02\t1.04\n",
        )
        .unwrap();
        let i = read_interleaved(&p);
        assert_eq!(i.len(), 1);
        assert_eq!(i["RS256 verify"], (1.03, 1.02, 1.04));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn table_has_ratios() {
        let mut r = Results::new();
        let g = r.entry("HS256 verify".into()).or_default();
        g.insert("tessera".into(), 1000.0);
        g.insert("jsonwebtoken".into(), 2800.0);
        g.insert("raw".into(), 450.0);
        let mut i = Interleaved::new();
        i.insert("HS256 verify".into(), (2.2, 2.1, 2.3));
        let t = table(&r, &i, None);
        assert!(t.contains("| HS256 verify |"), "{t}");
        assert!(t.contains("2.80x"), "{t}");
        assert!(t.contains("2.222"), "{t}");
        assert!(t.contains("1.00 µs"), "{t}");
        assert!(t.contains("2.200 (2.100-2.300)"), "{t}");
    }
}
