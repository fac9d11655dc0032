//! Warnings for `irongate policy check`: rules that can never decide
//! anything because an earlier rule takes every action they would match.
//!
//! Rule j is shadowed by an earlier rule i when each predicate of i is
//! implied by some predicate of j on the same field. The implication test is
//! deliberately simple and sound (it may miss a shadow, it never invents
//! one): identical predicates, an exact value that satisfies i's
//! `_contains`/`_startswith`/`_pattern`/`_glob`, a `_startswith`/`_contains`
//! marker of j that contains i's marker, a subtype list within i's.
//!
//! A `match` example of rule j is reported as decided by an earlier rule
//! when every path of it that j judges (the action itself and its two-path
//! views, see `two_path.rs`) is matched by an earlier rule first.

use std::ops::ControlFlow;

use serde::Serialize;
use serde_json::Value;

use super::Rule;
use super::error::describe_rule;
use super::predicate::{Pred, Test, json_eq};
use super::two_path;
use crate::action::Action;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// An earlier rule matches every action this rule matches.
    Shadowed,
    /// A `match` example of this rule is decided by an earlier rule.
    ExampleShadowed,
    /// A key of the original that has no effect, or a spelling it adapted.
    LegacyKey,
    /// The rule names an action type no action has.
    NeverMatches,
}

/// A warning of `irongate policy check` (the policy still loads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// The rule concerned (0-based), if one is.
    pub rule: Option<usize>,
    /// The message.
    pub message: String,
}

/// Action types the layers produce (SPEC §4).
const KNOWN_TYPES: &[&str] = &["file", "network", "process", "tool", "credential", "tamper"];

/// Shadowed rules, examples taken by an earlier rule, rules naming a type
/// that no action has.
pub fn analyse(rules: &[Rule]) -> Vec<Warning> {
    let mut out = Vec::new();
    let label = |i: usize| describe_rule(i, rules[i].name.as_deref(), None);
    for (j, rj) in rules.iter().enumerate() {
        if let Some(k) = &rj.kind
            && !KNOWN_TYPES.contains(&k.as_str())
        {
            out.push(Warning {
                kind: WarningKind::NeverMatches,
                rule: Some(j),
                message: format!(
                    "{} names type \"{k}\", which no action has ({}): the capability gate blocks unknown types before any rule",
                    label(j),
                    KNOWN_TYPES.join(", ")
                ),
            });
        }
        if let Some(i) = (0..j).find(|&i| shadows(&rules[i], rj)) {
            out.push(Warning {
                kind: WarningKind::Shadowed,
                rule: Some(j),
                message: format!(
                    "{} is never reached: {} comes first and matches every action it matches; move it above, or remove it",
                    label(j),
                    label(i)
                ),
            });
            continue;
        }
        for (n, (expect, action)) in rj.examples.iter().enumerate() {
            if !expect {
                continue;
            }
            // A two-path example is judged on each path it touches: it is
            // shadowed when every view rule j matches is taken earlier.
            let mut first_taker = None;
            let mut all_taken = true;
            let mut judge = |a: &Action| {
                if !rj.matches(a) {
                    return;
                }
                match (0..j).find(|&i| rules[i].matches(a)) {
                    Some(i) => {
                        first_taker.get_or_insert(i);
                    }
                    None => all_taken = false,
                }
            };
            judge(action);
            // A missing path leaves only the action itself, judged above.
            let _ = two_path::for_each_view(action, |view, _| {
                judge(view);
                ControlFlow::Continue(())
            });
            if let Some(i) = first_taker.filter(|_| all_taken) {
                out.push(Warning {
                    kind: WarningKind::ExampleShadowed,
                    rule: Some(j),
                    message: format!(
                        "{}: its example match #{n} is decided by {} first",
                        label(j),
                        label(i)
                    ),
                });
            }
        }
    }
    out
}

/// Whether every action matching `later` also matches `earlier`.
fn shadows(earlier: &Rule, later: &Rule) -> bool {
    if let Some(k) = &earlier.kind
        && later.kind.as_ref() != Some(k)
    {
        return false;
    }
    if !earlier.subtypes.is_empty()
        && (later.subtypes.is_empty()
            || !later.subtypes.iter().all(|s| earlier.subtypes.contains(s)))
    {
        return false;
    }
    earlier.preds.iter().all(|pi| {
        later
            .preds
            .iter()
            .any(|pj| pj.field == pi.field && implies(pj, pi))
    })
}

/// Whether `pj` holding guarantees `pi` holds (same field).
fn implies(pj: &Pred, pi: &Pred) -> bool {
    let exact_str = match &pj.test {
        Test::Exact(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    match (&pi.test, &pj.test) {
        (Test::Exact(a), Test::Exact(b)) => json_eq(Some(b), a),
        (Test::Contains(ci), _) => {
            let any_in = |s: &str| ci.markers.iter().any(|m| s.contains(m.as_str()));
            match &pj.test {
                Test::Contains(cj) => cj.markers.iter().all(|b| any_in(b)),
                Test::StartsWith(ps) => ps.iter().all(|b| any_in(b)),
                _ => exact_str.is_some_and(any_in),
            }
        }
        (Test::StartsWith(pi_s), _) => {
            let any_prefix = |s: &str| pi_s.iter().any(|a| s.starts_with(a.as_str()));
            match &pj.test {
                Test::StartsWith(ps) => ps.iter().all(|b| any_prefix(b)),
                _ => exact_str.is_some_and(any_prefix),
            }
        }
        (Test::Pattern(ri), Test::Pattern(rj)) => ri.as_str() == rj.as_str(),
        (Test::Pattern(ri), _) => exact_str.is_some_and(|s| ri.get().is_match(s)),
        (Test::Glob { globs: gi, .. }, Test::Glob { globs: gj, .. }) => {
            gj.iter().all(|g| gi.contains(g))
        }
        (Test::Glob { re, .. }, _) => exact_str.is_some_and(|s| re.get().is_match(s.as_bytes())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, WarningKind};

    fn warnings(rules: &str) -> Vec<(WarningKind, Option<usize>)> {
        let text = format!(r#"{{"rules": [{rules}, {{"decision": "block"}}]}}"#);
        Policy::from_json_str(&text, "t")
            .unwrap()
            .check_report()
            .into_iter()
            .map(|w| (w.kind, w.rule))
            .collect()
    }

    #[test]
    fn shadowing() {
        use WarningKind::Shadowed;
        // Unconditional rule shadows everything after it.
        assert_eq!(
            warnings(r#"{"decision": "review"}, {"type": "file", "decision": "allow"}"#),
            [(Shadowed, Some(1)), (Shadowed, Some(2))]
        );
        // Substring of the later exact value.
        assert_eq!(
            warnings(
                r#"{"type": "file", "path_contains": ".ssh", "decision": "review"},
                        {"type": "file", "path": "/home/u/.ssh/id_rsa", "decision": "block"}"#
            ),
            [(Shadowed, Some(1))]
        );
        // Prefix relations.
        assert_eq!(
            warnings(
                r#"{"path_startswith": "/etc", "decision": "block"},
                        {"type": "file", "path_startswith": ["/etc/ssh", "/etc/ssl"], "decision": "allow"}"#
            ),
            [(Shadowed, Some(1))]
        );
        // Type only vs type + subtype.
        assert_eq!(
            warnings(
                r#"{"type": "file", "decision": "block"}, {"type": "file", "subtype": "read", "decision": "allow"}"#
            ),
            [(Shadowed, Some(1))]
        );
        // Not shadowed: narrower earlier rule, different type, disjoint markers.
        assert!(warnings(r#"{"type": "file", "subtype": "read", "decision": "allow"}, {"type": "file", "decision": "block"}"#).is_empty());
        assert!(
            warnings(
                r#"{"type": "file", "decision": "block"}, {"type": "tool", "decision": "allow"}"#
            )
            .is_empty()
        );
        assert!(warnings(r#"{"path_contains": ".env", "decision": "block"}, {"path_contains": [".env", ".ssh"], "decision": "allow"}"#).is_empty());
        // Identical pattern.
        assert_eq!(
            warnings(
                r#"{"cmd_pattern": "^sudo", "decision": "block"}, {"type": "process", "cmd_pattern": "^sudo", "decision": "allow"}"#
            ),
            [(Shadowed, Some(1))]
        );
    }

    #[test]
    fn example_caught_earlier_and_unknown_type() {
        let w = warnings(
            r#"{"path_contains": ".env", "decision": "block"},
               {"type": "file", "subtype": "read", "decision": "allow",
                "examples": {"match": [{"type": "file", "subtype": "read", "path": "/a/.env"}]}},
               {"type": "files", "decision": "allow"}"#,
        );
        assert_eq!(
            w,
            [
                (WarningKind::ExampleShadowed, Some(1)),
                (WarningKind::NeverMatches, Some(2))
            ]
        );
    }

    #[test]
    fn two_path_example_is_shadowed_only_when_every_side_is() {
        // Rule 1 judges the rename's destination, which rule 0 does not take.
        let w = warnings(
            r#"{"type": "file", "path_startswith": "/ws/", "decision": "allow"},
               {"type": "file", "path_startswith": "/secret/", "decision": "block",
                "examples": {"match": [{"type": "file", "subtype": "rename", "path": "/ws/a", "target": "/secret/a"}]}}"#,
        );
        assert!(w.is_empty(), "{w:?}");
        // Every side rule 1 judges is taken by rule 0 first.
        let w = warnings(
            r#"{"type": "file", "path_startswith": "/secret/", "decision": "review"},
               {"type": "file", "path_contains": "secret", "decision": "block",
                "examples": {"match": [{"type": "file", "subtype": "rename", "path": "/ws/a", "target": "/secret/a"}]}}"#,
        );
        assert_eq!(w, [(WarningKind::ExampleShadowed, Some(1))]);
    }
}
