//! Learn mode (R-74): `irongate policy suggest` on a real run writes a
//! policy that passes `policy check`, under which replaying the run changes
//! nothing, a second run of the same agent has no review and no block, and
//! a variant that also reads a secret is blocked.

#[path = "data/replay/agents.rs"]
mod agents;

use agents::{Workspace, irongate};
use serde_json::Value;

/// The agent without its `git` call: everything it does is allowed under
/// the built-in policy and the default profile.
const CLEAN: &str = r#"
import json
from pathlib import Path
import irongate

docs = Path("docs")
print(sorted(p.name for p in docs.iterdir()))
for p in sorted(docs.glob("*.md")):
    print(p.read_text())
print(json.loads((docs / "config.json").read_text()))

@irongate.tool("summarize")
def summarize(x):
    return "summary"

print(summarize("a"))
"#;

fn last_run(home: &std::path::Path) -> Value {
    let (code, out, _) = irongate(home, &["runs", "--json"]);
    assert_eq!(code, 0);
    let runs: Value = serde_json::from_str(&out).expect("json");
    runs.as_array()
        .and_then(|r| r.last())
        .cloned()
        .expect("a run")
}

fn suggest(ws: &Workspace, name: &str) -> (std::path::PathBuf, Value) {
    let file = ws.path().join(name);
    let (code, out, err) = irongate(
        &ws.home(),
        &[
            "policy",
            "suggest",
            "last",
            "-o",
            file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    (file, v)
}

#[test]
fn learned_policy_allows_the_agent_and_nothing_more() {
    let ws = Workspace::new();
    ws.write("clean.py", CLEAN);
    ws.write(
        "clean_secret.py",
        &format!("{CLEAN}{}", agents::SECRET_TAIL),
    );
    let home = ws.home();
    let (code, err) = ws.run(&home, &["clean.py"]);
    assert_eq!(code, 0, "{err}");
    let (file, policy) = suggest(&ws, "learned.json");
    let f = file.to_str().expect("utf-8");

    // It loads (its examples prove each rule) and passes `policy check`.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["policy", "check", f])
        .output()
        .expect("policy check");
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let rules = policy["rules"].as_array().expect("rules");
    let (last, learned) = rules.split_last().expect("rules");
    assert_eq!(last["decision"], "block");
    assert!(learned.len() >= 3, "{policy}");
    for r in learned {
        assert_eq!(r["decision"], "allow", "{r}");
        assert!(
            r["examples"]["match"]
                .as_array()
                .is_some_and(|m| !m.is_empty()),
            "{r}"
        );
    }
    let text = policy.to_string();
    assert!(
        text.contains("/docs/a.md") && text.contains("summarize"),
        "{text}"
    );
    assert!(!text.contains(".env"), "{text}");

    // Replaying the run with it changes nothing.
    let (code, out, _) = irongate(&home, &["replay", "last", "--policy", f]);
    assert_eq!(code, 0, "{out}");

    // A second run of the same agent: no review, no block.
    let (code, err) = ws.run(&home, &["--policy", f, "clean.py"]);
    assert_eq!(code, 0, "{err}");
    let run = last_run(&home);
    assert_eq!(
        (
            run["counts"]["review"].as_i64(),
            run["counts"]["block"].as_i64()
        ),
        (Some(0), Some(0)),
        "{run}"
    );
    assert!(run["counts"]["allow"].as_i64() >= Some(5), "{run}");

    // The variant that also reads the secret is blocked.
    let (code, err) = ws.run(&home, &["--policy", f, "clean_secret.py"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = irongate(
        &home,
        &["events", "--run", "last", "--decision", "block", "--json"],
    );
    assert_eq!(code, 0);
    let blocked: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(
        blocked.iter().any(|e| e["action"]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("/.env"))
            && e["rule"]["name"] == "default-deny"),
        "{out}"
    );
}

#[test]
fn replaying_a_run_with_its_learned_policy_keeps_its_blocks() {
    // The agent's `git` was blocked (sandboxed lacks process.exec): the
    // learned policy does not allow it, and nothing allowed changes.
    let ws = Workspace::new();
    let home = ws.home();
    let (code, err) = ws.run(&home, &["agent.py"]);
    assert_eq!(code, 0, "{err}");
    let (file, policy) = suggest(&ws, "learned.json");
    assert!(!policy.to_string().contains("git"), "{policy}");
    let (code, out, _) = irongate(
        &home,
        &[
            "replay",
            "last",
            "--policy",
            file.to_str().expect("utf-8"),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn many_siblings_become_a_glob_unless_something_there_was_refused() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.path().join("many")).expect("mkdir");
    for i in 0..6 {
        ws.write(&format!("many/f{i}.txt"), "x");
    }
    ws.write(
        "many.py",
        "from pathlib import Path\nfor i in range(6):\n    Path(f'many/f{i}.txt').read_text()\n",
    );
    let home = ws.home();
    let (code, err) = ws.run(&home, &["many.py"]);
    assert_eq!(code, 0, "{err}");
    let (_, policy) = suggest(&ws, "learned.json");
    let globs = policy["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "learned-file-read"))
        .map(|r| r["path_glob"].clone())
        .expect("a read rule");
    let many = format!(
        "{}/many/*",
        std::fs::canonicalize(ws.path()).expect("real").display()
    );
    assert_eq!(globs, serde_json::json!([many]), "{policy}");

    // The same reads, plus a refused one in that directory: exact paths.
    ws.write("many/.env", "SECRET=1");
    ws.write(
        "many2.py",
        "from pathlib import Path\nfor i in range(6):\n    Path(f'many/f{i}.txt').read_text()\ntry:\n    Path('many/.env').read_text()\nexcept PermissionError:\n    pass\n",
    );
    let (code, err) = ws.run(&home, &["many2.py"]);
    assert_eq!(code, 0, "{err}");
    let (_, policy) = suggest(&ws, "learned2.json");
    let text = policy.to_string();
    assert!(
        !text.contains("/many/*") && text.contains("/many/f5.txt"),
        "{text}"
    );
}
