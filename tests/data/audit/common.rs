//! Helpers shared by the `tests/audit_*.rs` suites (included with `#[path]`).
//! Each suite uses a subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use irongate::audit::{Decision, Layer, NewEvent, RuleRef, RunInfo, Store};
use serde_json::{Value, json};

/// The real binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_irongate"))
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// stdout parsed as JSON Lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
            .collect()
    }
}

/// Runs `irongate ARGS --home HOME` with no inherited IRONGATE_HOME.
pub fn irongate(home: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin())
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("IRONGATE_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("run irongate");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A run as the supervisor would describe it.
pub fn run_info(agent: &str) -> RunInfo {
    RunInfo {
        started_at: 1_700_000_000.0,
        agent_name: agent.to_owned(),
        script: Some(format!("/home/u/agents/{agent}.py")),
        argv: vec!["--task".into(), "summarise".into()],
        profile: "sandboxed".into(),
        policy_origin: "builtin".into(),
        policy_digest: "ab".repeat(32),
        pid: std::process::id(),
    }
}

/// A realistic action of about 300 bytes of JSON.
pub fn action(run: i64, i: usize) -> Value {
    match i % 4 {
        0 => json!({
            "type": "file", "subtype": "read",
            "path": format!("/home/agent/project/src/module_{i}/data_{run}.json"),
            "requested": format!("./src/module_{i}/data_{run}.json"),
            "flags": "O_RDONLY|O_CLOEXEC", "mode": "r",
            "layer": "hook", "seq": i,
            "frame": "/home/agent/project/agent.py:128",
        }),
        1 => json!({
            "type": "network", "subtype": "http",
            "url": format!("https://api.example.com/v1/items/{i}?run={run}"),
            "method": "GET", "host": "api.example.com", "port": 443,
            "scheme": "https", "target": format!("https://api.example.com/v1/items/{i}"),
            "seq": i,
        }),
        2 => json!({
            "type": "process", "subtype": "exec",
            "cmd": format!("git log --oneline -n {i}"),
            "argv": ["git", "log", "--oneline", "-n", i.to_string()],
            "executable": "/usr/bin/git", "process_class": "binary",
            "env_changes": ["GIT_PAGER"], "seq": i,
        }),
        _ => json!({
            "type": "tool", "subtype": "invoke",
            "tool_name": "search_documents", "framework": "langchain",
            "arg_names": ["query", "top_k", "filters"],
            "args_digest": "9f2c".repeat(16), "seq": i,
        }),
    }
}

/// Event `i` of a run: mostly allows, some reviews and blocks, some
/// unexplained syscalls.
pub fn event(run: i64, i: usize) -> NewEvent {
    let decision = match i % 10 {
        3 => Decision::Block,
        7 => Decision::Review,
        _ => Decision::Allow,
    };
    let layer = if i % 9 == 5 {
        Layer::Syscall
    } else {
        Layer::Hook
    };
    let mut ev = NewEvent::new(run, layer, action(run, i), decision, format!("reason {i}"));
    ev.ts = 1_700_000_000.0 + i as f64 / 1000.0;
    ev.unexplained = layer == Layer::Syscall;
    ev.rule = (decision != Decision::Allow).then(|| RuleRef {
        index: i % 5,
        name: Some(format!("rule-{}", i % 5)),
    });
    ev.frame = (layer == Layer::Hook).then(|| format!("agent.py:{}", 10 + i % 90));
    ev.tid = ev.pid + (i % 3) as u32;
    ev
}

/// Builds a database in `home` with two runs, `n` events in all, written by
/// two writers in interleaved batches. Returns the run ids.
pub fn build_db(home: &Path, n: usize) -> (i64, i64) {
    let store = Store::open(home).expect("open store");
    let a = store.begin_run(&run_info("alpha")).expect("begin run");
    let b = store.begin_run(&run_info("beta")).expect("begin run");
    let wa = store
        .writer(std::time::Duration::from_millis(5))
        .expect("writer");
    let wb = store
        .writer(std::time::Duration::from_millis(5))
        .expect("writer");
    for i in 0..n {
        // Durable every 25 events so the two writers' batches interleave.
        let (w, run) = if (i / 25) % 2 == 0 {
            (&wa, a)
        } else {
            (&wb, b)
        };
        if i % 25 == 24 {
            w.append_durable(event(run, i)).expect("append");
        } else {
            w.append(event(run, i)).expect("append");
        }
    }
    wa.close().expect("close");
    wb.close().expect("close");
    (a, b)
}

/// A raw connection for tampering.
pub fn raw(home: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(home.join("irongate.db")).expect("open raw")
}
