//! `irongate replay` on real runs (R-73): a run recorded under policy A,
//! replayed under A (nothing changes, exit 0) and under B (exactly the
//! decisions B decides otherwise, exit 1); a tampered run exits 2.

#[path = "data/replay/agents.rs"]
mod agents;

use std::collections::BTreeSet;

use agents::{Workspace, irongate, raw};
use serde_json::Value;

const POLICY_A: &str = r#"{"version": 1, "rules": [
  {"name": "secrets", "type": "file", "path_contains": [".env"], "decision": "review", "reason": "secret"},
  {"name": "docs", "type": "file", "path_glob": ["**/docs", "**/docs/*"], "decision": "allow", "reason": "docs"},
  {"name": "listing", "type": "file", "subtype": "list", "decision": "allow", "reason": "listing"},
  {"name": "tools", "type": "tool", "decision": "allow", "reason": "tools"},
  {"decision": "block", "reason": "default_deny"}]}"#;

/// A with `docs/b.md` blocked and tools held for review.
const POLICY_B: &str = r#"{"version": 1, "rules": [
  {"name": "secrets", "type": "file", "path_contains": [".env"], "decision": "review", "reason": "secret"},
  {"name": "no-b", "type": "file", "path_glob": ["**/docs/b.md"], "decision": "block", "reason": "b is off limits"},
  {"name": "docs", "type": "file", "path_glob": ["**/docs", "**/docs/*"], "decision": "allow", "reason": "docs"},
  {"name": "listing", "type": "file", "subtype": "list", "decision": "allow", "reason": "listing"},
  {"name": "tools", "type": "tool", "decision": "review", "reason": "tools need a look"},
  {"decision": "block", "reason": "default_deny"}]}"#;

fn recorded() -> Workspace {
    let ws = Workspace::new();
    let a = ws.write("a.json", POLICY_A);
    let (code, err) = ws.run(
        &ws.home(),
        &["--policy", a.to_str().expect("utf-8"), "agent.py"],
    );
    assert_eq!(code, 0, "{err}");
    ws
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn replay_under_the_recorded_policy_changes_nothing() {
    let ws = recorded();
    let a = ws.path().join("a.json");
    let (code, out, err) = irongate(
        &ws.home(),
        &[
            "replay",
            "last",
            "--policy",
            a.to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let recs = lines(&out);
    assert_eq!(recs[0]["record"], "run");
    assert_eq!(recs[0]["verification"]["ok"], true);
    assert_eq!(recs[0]["verification"]["sealed"], true);
    let summary = recs.last().expect("summary");
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["changed"], 0, "{out}");
    assert!(
        summary["evaluated"].as_u64().is_some_and(|n| n >= 6),
        "{out}"
    );
    // Without --policy: the run's own (stored) policy under another name.
    let (code, out, _) = irongate(&ws.home(), &["replay", "1", "--profile", "sandboxed"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": 0 of "), "{out}");
}

#[test]
fn replay_under_another_policy_names_exactly_what_changes() {
    let ws = recorded();
    let b = ws.write("b.json", POLICY_B);
    let args = [
        "replay",
        "last",
        "--policy",
        b.to_str().expect("utf-8"),
        "--json",
    ];
    let (code, out, err) = irongate(&ws.home(), &args);
    assert_eq!(code, 1, "{out}{err}");
    let recs = lines(&out);
    let changes: BTreeSet<(String, String, String, String)> = recs
        .iter()
        .filter(|r| r["record"] == "change")
        .map(|r| {
            let a = &r["action"];
            let what = a["path"]
                .as_str()
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_owned())
                .or(a["tool_name"].as_str().map(str::to_owned))
                .unwrap_or_default();
            (
                a["type"].as_str().unwrap_or("").to_owned(),
                what,
                r["was"]["decision"].as_str().unwrap_or("").to_owned(),
                r["now"]["decision"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String, String)> = [
        ("file", "b.md", "allow", "block"),
        ("tool", "summarize", "allow", "review"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect();
    assert_eq!(changes, expected, "{out}");
    let summary = recs.last().expect("summary");
    assert_eq!(summary["changed"], 2);
    assert_eq!(
        summary["by_type"]["file"]["transitions"]["allow→block"], 1,
        "{summary}"
    );
    assert_eq!(
        summary["by_type"]["tool"]["transitions"]["allow→review"], 1,
        "{summary}"
    );
    // Deterministic: the same replay prints the same bytes, text and JSON.
    assert_eq!(irongate(&ws.home(), &args).1, out);
    let text = ["replay", "last", "--policy", b.to_str().expect("utf-8")];
    let (code, t1, _) = irongate(&ws.home(), &text);
    assert_eq!(code, 1);
    assert_eq!(irongate(&ws.home(), &text).1, t1);
    assert!(t1.contains("allow→block") && t1.contains("no-b"), "{t1}");
    assert!(t1.contains("  file: 1 (allow→block 1)"), "{t1}");
}

#[test]
fn replay_under_another_profile_blocks_what_it_lacks() {
    let ws = recorded();
    let (code, out, _) = irongate(
        &ws.home(),
        &["replay", "last", "--profile", "minimal", "--json"],
    );
    assert_eq!(code, 1, "{out}");
    let summary = lines(&out).pop().expect("summary");
    assert_eq!(summary["profile"], "minimal");
    // Every file decision that was allowed is now missing file.read; the
    // tool stays allowed (minimal grants tool.invoke).
    assert!(
        summary["by_type"]["file"]["transitions"]["allow→block"].as_u64() >= Some(4),
        "{summary}"
    );
    assert!(summary["by_type"].get("tool").is_none(), "{summary}");
}

#[test]
fn timeline_shows_decisions_reviews_and_the_exit() {
    let ws = Workspace::new();
    let a = ws.write("a.json", POLICY_A);
    let (code, err) = ws.run(
        &ws.home(),
        &["--policy", a.to_str().expect("utf-8"), "agent_secret.py"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = irongate(&ws.home(), &["replay"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verified: "), "{out}");
    assert!(
        out.contains("review  file/read ") && out.contains(".env"),
        "{out}"
    );
    assert!(out.contains("→ timed out"), "{out}");
    assert!(out.contains("rule #3 tools"), "{out}");
    assert!(out.trim_end().ends_with("end: exited 0"), "{out}");
}

#[test]
fn tampered_run_fails_verification_with_2() {
    let ws = recorded();
    raw(&ws.home())
        .execute(
            "UPDATE events SET body = replace(body, '\"docs\"', '\"DOCS\"') WHERE id = 2",
            [],
        )
        .expect("edit");
    let (code, out, _) = irongate(&ws.home(), &["replay", "last"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("UNVERIFIED: event 2 (edited)"), "{out}");
    let b = ws.write("b.json", POLICY_B);
    let (code, out, _) = irongate(
        &ws.home(),
        &[
            "replay",
            "last",
            "--policy",
            b.to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert_eq!(lines(&out).len(), 1, "only the run record: {out}");
}

#[test]
fn unknown_run_and_bad_policy_are_irongate_errors() {
    let ws = recorded();
    let (code, _, err) = irongate(&ws.home(), &["replay", "99"]);
    assert_eq!(code, 125);
    assert!(err.contains("run 99 does not exist"), "{err}");
    let bad = ws.write("bad.json", "{\"version\": 1, \"rules\": []}");
    let (code, out, err) = irongate(
        &ws.home(),
        &["replay", "--policy", bad.to_str().expect("utf-8")],
    );
    assert_eq!((code, out.as_str()), (125, ""), "{err}");
}
