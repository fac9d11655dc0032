//! Runs every agent under `integration/frameworks/` with the real binary in
//! the frameworks venv (`scripts/setup` installs the pinned versions of
//! `scripts/framework-requirements.txt` into `$IRONGATE_FRAMEWORKS_VENV`,
//! default `target/frameworks-venv`). Expectations are comment lines, as in
//! `integration_agents.rs`; `{ROOT}` is the repository, `{WORK}` the
//! agent's scratch directory. The agents drive their framework with its own
//! fake model or the loopback servers of `integration/frameworks/_servers.py`
//! (a scripted chat-completions / Messages model and an MCP server), which
//! this test starts outside IronGate and names to the agents in
//! `IRONGATE_TEST_MODEL_URL` and `IRONGATE_TEST_MCP_URL`: no network.
//!
//! Without the venv the test says so and passes (a machine that never ran
//! `scripts/setup`); `scripts/test` always creates it.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

#[path = "backstop_support.rs"]
mod support;

use support::{matches, parse_expectations, root};

fn frameworks_venv() -> PathBuf {
    std::env::var_os("IRONGATE_FRAMEWORKS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/frameworks-venv"))
}

/// The loopback servers, killed when dropped.
struct Servers {
    child: Child,
    model_url: String,
    mcp_url: String,
}

impl Servers {
    fn start(venv: &Path) -> Servers {
        let mut child = Command::new(venv.join("bin/python"))
            .arg(root().join("integration/frameworks/_servers.py"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start integration/frameworks/_servers.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("servers' stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the servers' ports");
        let ports: Vec<u16> = line
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        assert_eq!(
            ports.len(),
            2,
            "_servers.py printed {line:?}, not two ports"
        );
        Servers {
            child,
            model_url: format!("http://127.0.0.1:{}", ports[0]),
            mcp_url: format!("http://127.0.0.1:{}/mcp", ports[1]),
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn check(script: &Path, venv: &Path, servers: &Servers) -> Result<(), String> {
    let name = script.file_name().unwrap_or_default().to_string_lossy();
    let scratch = support::Scratch::new();
    let subst = |s: &str| {
        scratch
            .subst(s)
            .replace("{ROOT}", &root().to_string_lossy())
    };
    let e = parse_expectations(script, &subst);
    for (rel, content) in &e.files {
        std::fs::write(scratch.work.join(rel), content).map_err(|e| e.to_string())?;
    }
    let mut cmd = Command::new(support::bin());
    cmd.arg("run")
        .arg("--home")
        .arg(&scratch.home)
        .arg("--python")
        .arg(venv)
        .args(&e.args)
        .arg(script)
        .current_dir(&scratch.work)
        .env("IRONGATE_TEST_WORK", &scratch.work)
        .env("IRONGATE_TEST_ROOT", root())
        .env("IRONGATE_TEST_MODEL_URL", &servers.model_url)
        .env("IRONGATE_TEST_MCP_URL", &servers.mcp_url)
        .env_remove("IRONGATE_HOME")
        .env_remove("VIRTUAL_ENV")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().map_err(|e| e.to_string())?;
    let (code, stdout, stderr) = support::wait_output(child, Duration::from_secs(e.timeout));
    let mut problems = Vec::new();
    if i64::from(code) != e.exit {
        problems.push(format!("exit status {code}, expected {}", e.exit));
    }
    for s in &e.stdout {
        if !stdout.contains(s.as_str()) {
            problems.push(format!("stdout lacks {s:?}"));
        }
    }
    for s in &e.stderr {
        if !stderr.contains(s.as_str()) {
            problems.push(format!("stderr lacks {s:?}"));
        }
    }
    let events = support::events(&scratch.home);
    for (pattern, wanted) in &e.events {
        let n = events.iter().filter(|ev| matches(pattern, ev)).count();
        let ok = match (wanted, pattern.get("count").and_then(Value::as_u64)) {
            (true, Some(c)) => n as u64 == c,
            (true, None) => n > 0,
            (false, _) => n == 0,
        };
        if !ok {
            problems.push(format!(
                "{} {pattern} matched {n} events",
                if *wanted { "event" } else { "no-event" }
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{name}:\n - {}\n stdout:\n{stdout}\n stderr:\n{stderr}\n events:\n{}",
        problems.join("\n - "),
        support::listing(&events)
    ))
}

#[test]
fn frameworks() {
    let venv = frameworks_venv();
    if !venv.join("bin/python").exists() {
        eprintln!(
            "skipped: no frameworks venv at {} (run scripts/setup)",
            venv.display()
        );
        return;
    }
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root().join("integration/frameworks"))
        .expect("integration/frameworks")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    scripts.sort();
    if let Ok(only) = std::env::var("IRONGATE_AGENT") {
        scripts.retain(|p| p.to_string_lossy().contains(&only));
    }
    let servers = Servers::start(&venv);
    let failures: Vec<String> = scripts
        .iter()
        .filter_map(|s| check(s, &venv, &servers).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} framework agents failed:\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}
