//! Every file under `tests/data/policy/broken/` is rejected by
//! `irongate policy check` with exit 125 (R-10) and a message that names the
//! rule and the key at fault and says how to fix it (R-31).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/policy/broken")
}

/// File, substrings the message must contain, expected `error.rule` and
/// `error.key` in `--json` output (None = null).
type Case = (
    &'static str,
    &'static [&'static str],
    Option<u64>,
    Option<&'static str>,
);

const CASES: &[Case] = &[
    (
        "typo-predicate.json",
        &[
            "rule #1",
            "\"secrets\"",
            "key \"path_contians\"",
            "did you mean \"path_contains\"",
        ],
        Some(1),
        Some("path_contians"),
    ),
    (
        "unknown-field.json",
        &[
            "rule #1",
            "key \"hots_contains\"",
            "unknown field",
            "did you mean \"host_contains\"",
        ],
        Some(1),
        Some("hots_contains"),
    ),
    (
        "regex-synonym.json",
        &[
            "rule #1",
            "key \"cmd_regex\"",
            "did you mean \"cmd_pattern\"",
        ],
        Some(1),
        Some("cmd_regex"),
    ),
    (
        "invalid-regex.json",
        &[
            "rule #1",
            "key \"cmd_pattern\"",
            "invalid regex \"(rm\"",
            "unclosed group",
        ],
        Some(1),
        Some("cmd_pattern"),
    ),
    (
        "python-regex.json",
        &[
            "rule #1",
            "key \"path_pattern\"",
            "python-only regex syntax (look-ahead)",
            "earlier rule",
        ],
        Some(1),
        Some("path_pattern"),
    ),
    (
        "missing-decision.json",
        &[
            "rule #1",
            "\"net\"",
            "missing \"decision\"",
            "hint: add \"decision\"",
        ],
        Some(1),
        Some("decision"),
    ),
    (
        "unknown-decision.json",
        &[
            "rule #1",
            "key \"decision\"",
            "unknown decision \"deny\"",
            "use \"block\"",
        ],
        Some(1),
        Some("decision"),
    ),
    (
        "wrong-type.json",
        &["rule #1", "key \"path_contains\"", "found a number"],
        Some(1),
        Some("path_contains"),
    ),
    (
        "empty-list.json",
        &["rule #1", "key \"path_contains\"", "empty list"],
        Some(1),
        Some("path_contains"),
    ),
    (
        "empty-string.json",
        &[
            "rule #1",
            "key \"path_startswith\"",
            "empty string would match every value",
        ],
        Some(1),
        Some("path_startswith"),
    ),
    (
        "exact-list.json",
        &[
            "rule #1",
            "key \"subtype\"",
            "found a list",
            "subtype_pattern",
        ],
        Some(1),
        Some("subtype"),
    ),
    (
        "port-string.json",
        &[
            "rule #1",
            "key \"port\"",
            "expected an integer, found a string",
        ],
        Some(1),
        Some("port"),
    ),
    (
        "bad-glob.json",
        &["rule #1", "key \"path_glob\"", "invalid glob"],
        Some(1),
        Some("path_glob"),
    ),
    (
        "bad-capability.json",
        &[
            "rule #1",
            "key \"capabilities\"",
            "unknown capability \"file.raed.sensitive\"",
            "did you mean \"file.read.sensitive\"",
        ],
        Some(1),
        Some("capabilities"),
    ),
    (
        "log-args-not-tool.json",
        &["rule #1", "key \"log_args\"", "tool actions only"],
        Some(1),
        Some("log_args"),
    ),
    (
        "priority.json",
        &[
            "rule #1",
            "key \"priority\"",
            "file order",
            "first match wins",
            "hint: remove \"priority\"",
        ],
        Some(1),
        Some("priority"),
    ),
    (
        "example-match.json",
        &[
            "rule #1",
            "key \"examples\"",
            "examples.match[1]",
            "/home/u/env.txt",
            "\"path_contains\" does not hold",
        ],
        Some(1),
        Some("examples"),
    ),
    (
        "example-no-match.json",
        &[
            "rule #1",
            "key \"examples\"",
            "examples.no_match[0]",
            "is matched by the rule",
        ],
        Some(1),
        Some("examples"),
    ),
    (
        "example-typo.json",
        &[
            "rule #1",
            "key \"examples\"",
            "unknown action field \"pth\"",
            "did you mean \"path\"",
        ],
        Some(1),
        Some("examples"),
    ),
    (
        "no-terminal-block.json",
        &[
            "rule #1",
            "\"files\"",
            "deny by default",
            "predicates (type)",
            "hint: end the rules with a default deny",
        ],
        Some(1),
        None,
    ),
    (
        "terminal-allow.json",
        &[
            "rule #1",
            "\"allow-rest\"",
            "unconditional \"block\"",
            "it decides \"allow\"",
        ],
        Some(1),
        None,
    ),
    (
        "seed-a3-no-terminal.json",
        &["rule #0", "deny by default", "default deny"],
        Some(0),
        None,
    ),
    (
        "seed-a2-env-only.json",
        &[
            "rule #0",
            "predicates (type, path_contains)",
            "default deny",
        ],
        Some(0),
        None,
    ),
    (
        "rule-not-object.json",
        &["rule #1", "expected a rule object, found a string"],
        Some(1),
        None,
    ),
    (
        "unknown-top-key.json",
        &["top-level key \"verison\"", "did you mean \"version\""],
        None,
        Some("verison"),
    ),
    (
        "version-2.json",
        &[
            "top-level key \"version\"",
            "unsupported version 2",
            "set \"version\": 1",
        ],
        None,
        Some("version"),
    ),
    (
        "bad-timeout.json",
        &[
            "top-level key \"approval_timeout_seconds\"",
            "positive number",
        ],
        None,
        Some("approval_timeout_seconds"),
    ),
    (
        "rules-not-list.json",
        &[
            "top-level key \"rules\"",
            "expected a list of rules, found an object",
        ],
        None,
        Some("rules"),
    ),
    (
        "empty-rules.json",
        &["top-level key \"rules\"", "no rules"],
        None,
        Some("rules"),
    ),
    ("no-rules.json", &["missing \"rules\""], None, None),
    (
        "top-not-object.json",
        &["expected a JSON object, found a list"],
        None,
        None,
    ),
    (
        "invalid-json.json",
        &[
            "not valid JSON at line 4 column",
            "trailing comma",
            "hint: remove the comma",
        ],
        None,
        None,
    ),
    (
        "seed-a3-invalid-json.json",
        &["not valid JSON at line 1", "invalid"],
        None,
        None,
    ),
    (
        "duplicate-key.json",
        &[
            "line 3",
            "duplicate key \"path_contains\"",
            "keeps only the last",
        ],
        None,
        None,
    ),
];

fn check(file: &Path, json: bool) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_irongate"));
    cmd.args(["policy", "check"]).arg(file);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect("run irongate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_broken_policy_is_rejected_with_a_fix() {
    let mut failures = Vec::new();
    for (name, wants, rule, key) in CASES {
        let path = broken_dir().join(name);
        let (code, _, stderr) = check(&path, false);
        if code != Some(125) {
            failures.push(format!("{name}: exit {code:?}, want 125: {stderr}"));
            continue;
        }
        for w in *wants {
            if !stderr.contains(w) {
                failures.push(format!("{name}: message lacks {w:?}:\n{stderr}"));
            }
        }
        if !stderr.contains(name) {
            failures.push(format!("{name}: message does not name the file:\n{stderr}"));
        }
        if !stderr.contains("\nhint: ") {
            failures.push(format!("{name}: no hint line:\n{stderr}"));
        }
        let (code, stdout, _) = check(&path, true);
        let doc: Value = match serde_json::from_str(stdout.trim()) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: --json output is not JSON ({e}): {stdout}"));
                continue;
            }
        };
        let want_rule = rule.map_or(Value::Null, Value::from);
        let want_key = key.map_or(Value::Null, Value::from);
        if code != Some(125)
            || doc["ok"] != false
            || doc["error"]["rule"] != want_rule
            || doc["error"]["key"] != want_key
            || !doc["error"]["hint"].is_string()
        {
            failures.push(format!("{name}: --json gave exit {code:?} and {doc}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_covers_every_broken_file() {
    let mut files: Vec<String> = std::fs::read_dir(broken_dir())
        .expect("broken dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.0.to_owned()).collect();
    listed.sort();
    assert_eq!(files, listed);
    assert!(files.len() >= 12);
}

#[test]
fn a_missing_file_is_an_irongate_error() {
    let (code, _, stderr) = check(&broken_dir().join("does-not-exist.json"), false);
    assert_eq!(code, Some(125));
    assert!(
        stderr.contains("cannot read policy") && stderr.contains("does-not-exist.json"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn eval_refuses_a_broken_policy() {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["policy", "eval"])
        .arg(broken_dir().join("typo-predicate.json"))
        .args([
            "--action",
            r#"{"type": "file", "subtype": "read", "path": "/x"}"#,
            "--json",
        ])
        .output()
        .expect("run irongate");
    assert_eq!(out.status.code(), Some(125));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["kind"], "unknown_key");
}
