//! `irongate policy check` on valid policies: `ok: N rules`, shadowed-rule
//! warnings (R-31), notes for the original's ignored keys, and the shipped
//! policies load cleanly.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn check(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["policy", "check"])
        .args(args)
        .output()
        .expect("run irongate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn write_policy(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write policy");
    p.display().to_string()
}

const SHADOWED: &str = r#"{"version": 1, "rules": [
  {"name": "secrets", "type": "file", "path_contains": [".ssh", ".env"], "decision": "review"},
  {"name": "all-files", "type": "file", "decision": "allow"},
  {"name": "ssh-key", "type": "file", "subtype": "read", "path": "/home/u/.ssh/id_rsa", "decision": "block"},
  {"name": "reads", "type": "file", "subtype": "read", "decision": "allow"},
  {"name": "etc", "type": "file", "path_startswith": "/etc", "decision": "block"},
  {"name": "tools", "type": "tool", "decision": "allow"},
  {"name": "default-deny", "decision": "block", "reason": "default_deny"}]}"#;

#[test]
fn shadowed_rules_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write_policy(dir.path(), "shadowed.json", SHADOWED);
    let (code, out) = check(&[&p]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("ok: 7 rules\n"), "{out}");
    for want in [
        "warning: rule #2 (\"ssh-key\") is never reached: rule #0 (\"secrets\") comes first",
        "warning: rule #3 (\"reads\") is never reached: rule #1 (\"all-files\")",
        "warning: rule #4 (\"etc\") is never reached: rule #1 (\"all-files\")",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(!out.contains("rule #5"), "tools is reachable:\n{out}");

    let (code, out) = check(&[&p, "--json"]);
    assert_eq!(code, Some(0));
    let doc: Value = serde_json::from_str(out.trim()).expect("one JSON document");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["rules"], 7);
    assert!(doc["error"].is_null());
    let shadowed: Vec<u64> = doc["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["kind"] == "shadowed")
        .filter_map(|w| w["rule"].as_u64())
        .collect();
    assert_eq!(shadowed, [2, 3, 4]);
}

#[test]
fn example_decided_by_an_earlier_rule_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write_policy(
        dir.path(),
        "examples.json",
        r#"{"rules": [
          {"name": "secrets", "path_contains": ".env", "decision": "review"},
          {"name": "reads", "type": "file", "subtype": "read", "decision": "allow",
           "examples": {"match": [{"type": "file", "subtype": "read", "path": "/srv/.env"}]}},
          {"decision": "block"}]}"#,
    );
    let (code, out) = check(&[&p]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains(
            "rule #1 (\"reads\"): its example match #0 is decided by rule #0 (\"secrets\") first"
        ),
        "{out}"
    );
}

#[test]
fn shipped_policies_load_without_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for p in [
        "builtin".to_owned(),
        root.join("policies/default.json").display().to_string(),
        root.join("policies/examples/web-research.json")
            .display()
            .to_string(),
        root.join("policies/examples/coding-agent.json")
            .display()
            .to_string(),
    ] {
        let (code, out) = check(&[&p]);
        assert_eq!(code, Some(0), "{p}: {out}");
        assert!(
            out.starts_with("ok: ") && out.lines().count() == 1,
            "{p}:\n{out}"
        );
    }
}

#[test]
fn the_originals_policy_loads_with_notes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = root
        .join("policies/examples/original-default.json")
        .display()
        .to_string();
    let (code, out) = check(&[&p]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("ok: 12 rules\n"), "{out}");
    assert!(
        out.contains("note: top-level key \"legacy_settings\" (from the original) has no effect"),
        "{out}"
    );
    assert!(
        out.contains("note: top-level key \"audit_retention_days\""),
        "{out}"
    );
    assert!(out.contains("note: rule #7: subtype \"socket\""), "{out}");
    assert!(!out.contains("warning:"), "{out}");
}
