//! Which files a policy could ever let the agent execute, for the Landlock
//! layer's `EXECUTE` right (issue 12): a conservative reading of the rules,
//! never narrower than what evaluation allows.
//!
//! Rules are read in order, as evaluation does (first match decides). A
//! block rule cannot allow anything, and one that matches every process
//! action ends the reading. An allow or review rule that may match a
//! process action (a review can be approved) must pin the executable with
//! an exact `executable` or an `executable_startswith` (a glob's literal
//! directory counts too); anything else — a `cmd` pattern, an argv match, no
//! predicate at all — means any file may be executed. No match is
//! `default_deny`.

use serde_json::Value;

use super::predicate::Test;
use super::{Decision, Policy, Rule};
use crate::action::Field;

/// What the policy could let the agent execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecScope {
    /// Any file: the rules cannot be narrowed to files.
    Any,
    /// Only these files, and anything below these directories.
    Only {
        /// Exact paths.
        files: Vec<String>,
        /// Directories (everything below them).
        dirs: Vec<String>,
    },
}

impl Policy {
    /// The files this policy could let a process action execute.
    pub fn exec_scope(&self) -> ExecScope {
        let (mut files, mut dirs) = (Vec::new(), Vec::new());
        for rule in &self.rules {
            if !may_match_process(rule) {
                continue;
            }
            if rule.decision == Decision::Block {
                if matches_every_process(rule) {
                    break;
                }
                continue;
            }
            if !pinned(rule, &mut files, &mut dirs) {
                return ExecScope::Any;
            }
        }
        files.sort();
        files.dedup();
        dirs.sort();
        dirs.dedup();
        ExecScope::Only { files, dirs }
    }
}

/// The rule's type is `process` or unconstrained.
fn may_match_process(rule: &Rule) -> bool {
    rule.kind.as_deref().is_none_or(|k| k == "process")
}

/// No predicate narrows it within process actions.
fn matches_every_process(rule: &Rule) -> bool {
    rule.subtypes.is_empty() && rule.preds.is_empty() && rule.capabilities.is_empty()
}

/// Adds what the rule's `executable` predicates pin; false if none does.
fn pinned(rule: &Rule, files: &mut Vec<String>, dirs: &mut Vec<String>) -> bool {
    let mut found = false;
    for p in rule.preds.iter().filter(|p| p.field == Field::Executable) {
        match &p.test {
            Test::Exact(Value::String(s)) if s.starts_with('/') => {
                files.push(s.clone());
                found = true;
            }
            Test::StartsWith(prefixes) if prefixes.iter().all(|s| s.starts_with('/')) => {
                dirs.extend(prefixes.iter().map(|s| directory_of(s)));
                found = true;
            }
            Test::Glob { globs, .. } => {
                let literal: Vec<String> = globs
                    .iter()
                    .map(|g| {
                        let end = g.find(['*', '?', '[', '{']).unwrap_or(g.len());
                        g[..end].to_owned()
                    })
                    .collect();
                if literal.iter().all(|s| s.starts_with('/')) {
                    dirs.extend(literal.iter().map(|s| directory_of(s)));
                    found = true;
                }
            }
            _ => {}
        }
    }
    found
}

/// The directory a prefix names, or the one holding the names it starts.
fn directory_of(prefix: &str) -> String {
    if prefix.ends_with('/') {
        let d = prefix.trim_end_matches('/');
        return if d.is_empty() { "/".into() } else { d.into() };
    }
    match prefix.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => prefix[..i].into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(rules: &str) -> ExecScope {
        let text = format!(r#"{{"version": 1, "rules": [{rules}, {{"decision": "block"}}]}}"#);
        Policy::from_json_str(&text, "test")
            .expect("policy")
            .exec_scope()
    }

    #[test]
    fn the_built_in_policy_reviews_any_process() {
        let p = Policy::builtin();
        assert_eq!(p.exec_scope(), ExecScope::Any);
    }

    #[test]
    fn pinned_executables_and_blocks() {
        assert_eq!(
            scope(
                r#"{"type": "process", "cmd_pattern": "rm", "decision": "block"},
                   {"type": "process", "executable": "/usr/bin/git", "decision": "allow"},
                   {"type": "process", "executable_startswith": ["/opt/tools/", "/usr/local/bin/my"], "decision": "review"},
                   {"type": "process", "executable_glob": "/srv/bin/*.sh", "decision": "allow"},
                   {"type": "file", "decision": "allow"},
                   {"type": "process", "decision": "block"},
                   {"type": "process", "decision": "allow"}"#
            ),
            ExecScope::Only {
                files: vec!["/usr/bin/git".into()],
                dirs: vec![
                    "/opt/tools".into(),
                    "/srv/bin".into(),
                    "/usr/local/bin".into()
                ],
            }
        );
        // Nothing can allow a process: nothing may be executed.
        assert_eq!(
            scope(r#"{"type": "file", "decision": "allow"}"#),
            ExecScope::Only {
                files: vec![],
                dirs: vec![]
            }
        );
    }

    #[test]
    fn unpinned_allows_open_everything() {
        for rules in [
            r#"{"type": "process", "cmd_pattern": "^git ", "decision": "allow"}"#,
            r#"{"executable": "/usr/bin/git", "decision": "block"}, {"type": "process", "subtype": "exec", "decision": "review"}"#,
            r#"{"type": "process", "executable_pattern": "git$", "decision": "allow"}"#,
            r#"{"type": "process", "executable": "git", "decision": "allow"}"#,
        ] {
            assert_eq!(scope(rules), ExecScope::Any, "{rules}");
        }
    }
}
