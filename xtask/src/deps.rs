//! `cargo xtask deps`: the dependency-direction check of DESIGN.md.
//!
//! For every protocol crate of the workspace (tessera-core, -jose, -jwt, -pkce, and -oauth and
//! -oidc once they exist) it lists the normal dependencies (`cargo tree -e normal`, all
//! features, every target platform) and fails when one of them, direct or transitive, is an
//! async runtime or an HTTP client. For those crates and the adapters it also checks that each
//! tessera crate they depend on is one DESIGN.md allows. Checking every crate's tessera
//! dependencies this way checks the transitive ones too: a chain of allowed edges only ever
//! points down.

use std::collections::BTreeSet;

use crate::cargo;

/// A crate of the workspace whose dependencies are constrained.
struct Rule {
    name: &'static str,
    /// The tessera crates it may depend on.
    allowed: &'static [&'static str],
    /// Protocol crates must stay sans-I/O: no runtime, no HTTP client, even transitively.
    protocol: bool,
}

/// DESIGN.md, "The crates and which way dependencies point".
const RULES: &[Rule] = &[
    Rule {
        name: "tessera-core",
        allowed: &[],
        protocol: true,
    },
    Rule {
        name: "tessera-jose",
        allowed: &["tessera-core"],
        protocol: true,
    },
    Rule {
        name: "tessera-jwt",
        allowed: &["tessera-core", "tessera-jose"],
        protocol: true,
    },
    Rule {
        name: "tessera-pkce",
        allowed: &["tessera-core"],
        protocol: true,
    },
    Rule {
        name: "tessera-oauth",
        allowed: &[
            "tessera-core",
            "tessera-jose",
            "tessera-jwt",
            "tessera-pkce",
        ],
        protocol: true,
    },
    Rule {
        name: "tessera-oidc",
        allowed: &[
            "tessera-core",
            "tessera-jose",
            "tessera-jwt",
            "tessera-oauth",
        ],
        protocol: true,
    },
    Rule {
        name: "tessera-reqwest",
        allowed: &["tessera-core"],
        protocol: false,
    },
];

/// Async runtimes and HTTP clients: no protocol crate may reach one.
const FORBIDDEN: &[(&str, &str)] = &[
    ("tokio", "async runtime"),
    ("async-std", "async runtime"),
    ("smol", "async runtime"),
    ("reqwest", "HTTP client"),
    ("hyper", "HTTP client"),
    ("ureq", "HTTP client"),
    ("isahc", "HTTP client"),
    ("surf", "HTTP client"),
];

pub(crate) fn deps() -> Result<(), String> {
    eprintln!("\n==> cargo xtask deps: which way dependencies point (DESIGN.md)");
    let members = workspace_members()?;
    let mut problems = Vec::new();
    for rule in RULES {
        if !members.contains(rule.name) {
            println!("{:<16} not in the workspace yet: skipped", rule.name);
            continue;
        }
        let tree = normal_tree(rule.name)?;
        let direct = direct_deps(rule.name)?;
        let found = violations(rule, &tree, &direct);
        let tessera: Vec<&str> = direct
            .iter()
            .filter(|d| d.starts_with("tessera"))
            .map(String::as_str)
            .collect();
        println!(
            "{:<16} {:>3} normal dependencies (transitive){}; uses {} (may use {}): {}",
            rule.name,
            tree.len(),
            if rule.protocol {
                ", checked for runtimes and HTTP clients"
            } else {
                ""
            },
            list(&tessera),
            list(rule.allowed),
            if found.is_empty() { "ok" } else { "FAILED" },
        );
        problems.extend(found);
    }
    let unchecked: Vec<&str> = members
        .iter()
        .map(String::as_str)
        .filter(|m| !RULES.iter().any(|r| r.name == *m))
        .collect();
    println!(
        "not constrained (facade, command, tooling): {}",
        list(&unchecked)
    );
    if problems.is_empty() {
        println!("deps: ok");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("deps: {p}");
        }
        Err(format!(
            "{} dependency-direction violation(s); see DESIGN.md",
            problems.len()
        ))
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// What `rule` forbids among `tree` (every normal dependency, transitive) and `direct`.
fn violations(rule: &Rule, tree: &BTreeSet<String>, direct: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    if rule.protocol {
        for (name, what) in FORBIDDEN {
            if tree.contains(*name) {
                out.push(format!(
                    "{} depends on {name} ({what}); protocol crates stay sans-I/O",
                    rule.name
                ));
            }
        }
    }
    for d in direct {
        if d.starts_with("tessera") && !rule.allowed.contains(&d.as_str()) {
            out.push(format!(
                "{} depends on {d}, which it may not use (allowed: {})",
                rule.name,
                list(rule.allowed)
            ));
        }
    }
    out
}

/// Packages that are tooling, not crates a user builds: no feature matrix to check.
const TOOLING: &[&str] = &["xtask", "tessera-benches"];

/// The workspace's crates (the tooling packages aside), for the `--no-default-features` checks.
pub(crate) fn workspace_crates() -> Result<Vec<String>, String> {
    Ok(workspace_members()?
        .into_iter()
        .filter(|m| !TOOLING.contains(&m.as_str()))
        .collect())
}

/// The names of the workspace's packages.
fn workspace_members() -> Result<BTreeSet<String>, String> {
    tree_names(&["--workspace", "--depth", "0"])
}

/// Every package `name` reaches through normal dependencies (all features, all targets),
/// without `name` itself.
fn normal_tree(name: &str) -> Result<BTreeSet<String>, String> {
    let mut names = tree_names(&["-p", name, "--all-features", "--target", "all"])?;
    names.remove(name);
    Ok(names)
}

/// The direct normal dependencies of `name` (all features, all targets).
fn direct_deps(name: &str) -> Result<BTreeSet<String>, String> {
    let mut names = tree_names(&[
        "-p",
        name,
        "--all-features",
        "--target",
        "all",
        "--depth",
        "1",
    ])?;
    names.remove(name);
    Ok(names)
}

/// Runs `cargo tree -e normal --prefix none --format {p}` with `args` and returns the package
/// names, the first word of each line.
fn tree_names(args: &[&str]) -> Result<BTreeSet<String>, String> {
    let out = cargo()
        .args([
            "tree", "-e", "normal", "--prefix", "none", "--format", "{p}",
        ])
        .args(args)
        .output()
        .map_err(|e| format!("cargo tree: could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(parse_tree(&String::from_utf8_lossy(&out.stdout)))
}

/// Package names from `cargo tree --prefix none --format {p}` output (`name vX.Y.Z (…)`).
pub(crate) fn parse_tree(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn rule(name: &str) -> &'static Rule {
        RULES.iter().find(|r| r.name == name).unwrap()
    }

    #[test]
    fn reads_cargo_tree_lines() {
        let text = "tessera-jwt v0.1.0 (/w/crates/tessera-jwt)\n\
                    serde v1.0.229\n\
                    tessera-core v0.1.0 (/w/crates/tessera-core) (*)\n\n";
        assert_eq!(
            parse_tree(text),
            set(&["serde", "tessera-core", "tessera-jwt"])
        );
    }

    #[test]
    fn a_runtime_or_client_anywhere_below_a_protocol_crate_fails() {
        let v = violations(
            rule("tessera-jose"),
            &set(&["tessera-core", "hyper", "http"]),
            &set(&["tessera-core"]),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("hyper (HTTP client)"), "{v:?}");
        let v = violations(rule("tessera-core"), &set(&["tokio"]), &set(&["tokio"]));
        assert!(v[0].contains("tokio (async runtime)"), "{v:?}");
    }

    #[test]
    fn an_adapter_may_use_its_client_but_only_core() {
        let tree = set(&["tessera-core", "reqwest", "hyper", "tokio"]);
        assert!(
            violations(
                rule("tessera-reqwest"),
                &tree,
                &set(&["tessera-core", "reqwest"])
            )
            .is_empty()
        );
        let v = violations(
            rule("tessera-reqwest"),
            &tree,
            &set(&["tessera-core", "tessera-jose"]),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains("tessera-jose"), "{v:?}");
    }

    #[test]
    fn tessera_dependencies_point_down_only() {
        assert!(
            violations(
                rule("tessera-jwt"),
                &set(&["tessera-core", "tessera-jose"]),
                &set(&["tessera-core", "tessera-jose"])
            )
            .is_empty()
        );
        let v = violations(
            rule("tessera-pkce"),
            &set(&["tessera-core", "tessera-jose"]),
            &set(&["tessera-jose"]),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].starts_with("tessera-pkce depends on tessera-jose"));
        assert!(!violations(rule("tessera-core"), &set(&[]), &set(&["tessera-jwt"])).is_empty());
    }
}
