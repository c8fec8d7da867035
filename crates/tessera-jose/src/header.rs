//! JOSE header handling shared by JWS and JWE: strict parsing and `crit` (RFC 7515 §4.1.11).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::Error;
use crate::error::{CritProblem, HeaderProblem};

/// Checks a `crit` header parameter.
///
/// - `crit` must be in the protected header (`in_protected`);
/// - it must be a non-empty array of unique strings;
/// - no entry may name a parameter this specification registers (`registered`);
/// - every entry must be understood by the application (`understood`);
/// - every entry must be present in the header (`present`).
pub(crate) fn check_crit(
    crit: &Value,
    in_protected: bool,
    registered: &[&str],
    understood: &[String],
    present: impl Fn(&str) -> bool,
) -> Result<Vec<String>, Error> {
    if !in_protected {
        return Err(CritProblem::NotProtected.into());
    }
    let Value::Array(entries) = crit else {
        return Err(CritProblem::NotStringArray.into());
    };
    if entries.is_empty() {
        return Err(CritProblem::Empty.into());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let Value::String(name) = e else {
            return Err(CritProblem::NotStringArray.into());
        };
        if !seen.insert(name.as_str()) {
            return Err(CritProblem::Repeated { name: name.clone() }.into());
        }
        if registered.contains(&name.as_str()) {
            return Err(CritProblem::Registered { name: name.clone() }.into());
        }
        if !understood.iter().any(|u| u == name) {
            return Err(CritProblem::NotUnderstood { name: name.clone() }.into());
        }
        if !present(name) {
            return Err(CritProblem::Absent { name: name.clone() }.into());
        }
        out.push(name.clone());
    }
    Ok(out)
}

/// Header parameters registered by RFC 7515 (JWS) that may not appear in `crit`.
pub(crate) const JWS_REGISTERED: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
];

/// Header parameters registered by RFC 7516/7518 (JWE) that may not appear in `crit`.
pub(crate) const JWE_REGISTERED: &[&str] = &[
    "alg", "enc", "zip", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
    "crit", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
];

/// Merges header objects, refusing a parameter that appears in more than one
/// (RFC 7515 §7.2.1, RFC 7516 §7.2.1: the sets must be disjoint).
pub(crate) fn merge_disjoint(parts: &[&Map<String, Value>]) -> Result<Map<String, Value>, Error> {
    let mut out = Map::new();
    for part in parts {
        for (k, v) in part.iter() {
            if out.contains_key(k) {
                return Err(HeaderProblem::InMoreThanOneHeader { member: k.clone() }.into());
            }
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(out)
}
