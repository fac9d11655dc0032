//! Every row of `tests/data/policy/decisions.jsonl` through the real binary:
//! `irongate policy eval POLICY --action JSON --profile P --json`.
//!
//! A row is `{"policy": "builtin" | FILE, "profile", "action", "decision",
//! "reason"?, "rule"?, "why"}`. `reason` is exact, or a prefix when it ends
//! with `*`; `rule` is the expected 0-based index, or null for the capability
//! gate. `~` in globs is `/home/tester` (HOME is set for every run).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/policy")
}

fn eval(policy: &str, profile: &str, action: &Value) -> (i32, String, String) {
    let policy_arg = if policy == "builtin" {
        "builtin".to_owned()
    } else {
        data_dir().join(policy).display().to_string()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["policy", "eval", &policy_arg, "--action"])
        .arg(action.to_string())
        .args(["--profile", profile, "--json"])
        .env("HOME", "/home/tester")
        .output()
        .expect("run irongate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn decisions_table() {
    let text = std::fs::read_to_string(data_dir().join("decisions.jsonl")).expect("read table");
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        count += 1;
        let row: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("row {}: {e}", n + 1));
        let label = format!(
            "row {} ({}; {} {} {})",
            n + 1,
            row["why"].as_str().unwrap_or(""),
            row["policy"].as_str().unwrap_or("?"),
            row["profile"].as_str().unwrap_or("?"),
            row["action"]
        );
        let (code, stdout, stderr) = eval(
            row["policy"].as_str().expect("policy"),
            row["profile"].as_str().expect("profile"),
            &row["action"],
        );
        if code != 0 {
            failures.push(format!("{label}: exit {code}: {stderr}"));
            continue;
        }
        let got: Value = match serde_json::from_str(stdout.trim()) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!(
                    "{label}: stdout is not one JSON document ({e}): {stdout}"
                ));
                continue;
            }
        };
        let mut problems = Vec::new();
        if got["decision"] != row["decision"] {
            problems.push(format!(
                "decision {} (want {})",
                got["decision"], row["decision"]
            ));
        }
        if let Some(want) = row.get("reason").and_then(Value::as_str) {
            let have = got["reason"].as_str().unwrap_or("");
            let ok = match want.strip_suffix('*') {
                Some(prefix) => have.starts_with(prefix),
                None => have == want,
            };
            if !ok {
                problems.push(format!("reason {have:?} (want {want:?})"));
            }
        }
        if let Some(want) = row.get("rule") {
            let have = &got["rule"]["index"];
            let ok = if want.is_null() {
                got["rule"].is_null()
            } else {
                have == want
            };
            if !ok {
                problems.push(format!("rule {} (want {want})", got["rule"]));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{label}: {}", problems.join(", ")));
        }
    }
    assert!(
        count >= 80,
        "the table should have at least 80 rows, has {count}"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn text_output_and_bad_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args([
            "policy",
            "eval",
            "builtin",
            "--action",
            r#"{"type":"file","subtype":"read","path":"/home/u/.env"}"#,
        ])
        .output()
        .expect("run irongate");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "decision: review\nreason: Sensitive file access requires approval\nrule: #2 sensitive-files\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["policy", "eval", "builtin", "--action", r#"{"type":"gpu"}"#])
        .output()
        .expect("run irongate");
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("rule: none\n"));
    for (action, profile, want) in [
        ("{not json", "sandboxed", "not valid JSON"),
        ("[1, 2]", "sandboxed", "expected a JSON object"),
        ("{}", "sandbox", "did you mean \"sandboxed\""),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
            .args([
                "policy",
                "eval",
                "builtin",
                "--action",
                action,
                "--profile",
                profile,
            ])
            .output()
            .expect("run irongate");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{action} {profile}: {stderr}");
        assert!(
            stderr.contains(want) && stderr.contains("hint:"),
            "{stderr}"
        );
    }
}
