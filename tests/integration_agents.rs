//! Runs every agent under `integration/agents/` with the real `irongate`
//! binary and checks its exit status, output and logged decisions.
//!
//! Each script carries its expectations in comment lines:
//!
//! ```text
//! # irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["text"], "stderr": ["text"]}
//! # event: {"decision": "block", "layer": "hook", "action": {"type": "file", "path": "re:/\\.ssh/id_rsa$"}}
//! # event: {"count": 2, "decision": "allow", "action": {"type": "network", "subtype": "http"}}
//! # no-event: {"action": {"type": "network", "subtype": "connect"}}
//! ```
//!
//! `files` in the `irongate` line creates files (path relative to the scratch
//! directory → content) before the run. `"outside": true` starts, beside the
//! run and outside the agent's process tree, a `sleep` whose environment
//! holds `IRONGATE_SIBLING_SECRET=sibling-secret-4711` and an abstract Unix
//! socket listener; the agent gets their pid and name in
//! `IRONGATE_TEST_SIBLING` and `IRONGATE_TEST_ABSTRACT`. `"drop_caps":
//! ["sys_ptrace"]` runs `irongate` without those capabilities (`setpriv`
//! drops them from the bounding set), as a container's default profile would.
//!
//! `event` needs at least one matching event (exactly `count` when given),
//! `no-event` none. A string value starting with `re:` is a regex search;
//! `{WORK}` in a string or argument is replaced by the script's scratch
//! directory, `{HTTP}` by the test HTTP server's `host:port`, `{VENV}` by the
//! test venv, `{ROOT}` by the repository. Agents see `IRONGATE_TEST_WORK` and `IRONGATE_TEST_HTTP`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

#[path = "backstop_support.rs"]
mod support;

use support::{matches, parse_expectations, root, venv};

/// A small HTTP server agents talk to: answers every request with 200 and
/// the request line, and counts requests per path.
struct HttpServer {
    addr: String,
    hits: Arc<Mutex<Vec<String>>>,
}

fn start_http() -> HttpServer {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("http server");
    let addr = server.server_addr().to_ip().expect("ip addr").to_string();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&hits);
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let line = format!("{} {}", req.method(), req.url());
            seen.lock().expect("lock").push(line.clone());
            // `/status/500/…` answers 500 (for clients that retry).
            let status = if req.url().starts_with("/status/500/") {
                500
            } else {
                200
            };
            let _ = req.respond(
                tiny_http::Response::from_string(format!("ok {line}")).with_status_code(status),
            );
        }
    });
    HttpServer { addr, hits }
}

fn run_with_timeout(mut cmd: Command, timeout: Duration) -> (i32, String, String) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn irongate");
    support::wait_output(child, timeout)
}

/// Processes outside the agent's tree (see the module comment).
struct Outside {
    sibling: std::process::Child,
    abstract_name: String,
    _listener: std::os::unix::net::UnixListener,
}

impl Outside {
    fn start() -> Outside {
        use std::os::linux::net::SocketAddrExt;
        let sibling = Command::new("sleep")
            .arg("300")
            .env("IRONGATE_SIBLING_SECRET", "sibling-secret-4711")
            .stdin(Stdio::null())
            .spawn()
            .expect("start the sibling sleep");
        let abstract_name = format!("irongate-test-outside-{}", sibling.id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(&abstract_name)
            .expect("abstract address");
        let listener =
            std::os::unix::net::UnixListener::bind_addr(&addr).expect("bind abstract socket");
        Outside {
            sibling,
            abstract_name,
            _listener: listener,
        }
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = self.sibling.kill();
        let _ = self.sibling.wait();
    }
}

fn check_script(script: &Path, http: &HttpServer) -> Result<(), String> {
    let name = script
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("?")
        .to_owned();
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let work = std::fs::canonicalize(scratch.path())
        .map_err(|e| e.to_string())?
        .join("work");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let home = scratch.path().join("home");
    let work_s = work.to_string_lossy().into_owned();
    let venv_s = venv().to_string_lossy().into_owned();
    let root_s = root().to_string_lossy().into_owned();
    let subst = |s: &str| {
        s.replace("{WORK}", &work_s)
            .replace("{ROOT}", &root_s)
            .replace("{HTTP}", &http.addr)
            .replace("{VENV}", &venv_s)
    };
    let e = parse_expectations(script, &subst);
    for (rel, content) in &e.files {
        let path = work.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, content).map_err(|e| e.to_string())?;
    }
    let outside = e.outside.then(Outside::start);
    let bin = env!("CARGO_BIN_EXE_irongate");
    let mut cmd = if e.drop_caps.is_empty() {
        Command::new(bin)
    } else {
        // Out of the bounding set, so out of everything root's exec gets.
        let drop: Vec<String> = e.drop_caps.iter().map(|c| format!("-{c}")).collect();
        let mut c = Command::new("setpriv");
        c.arg(format!("--bounding-set={}", drop.join(","))).arg(bin);
        c
    };
    cmd.arg("run")
        .arg("--home")
        .arg(&home)
        .arg("--python")
        .arg(venv());
    cmd.args(&e.args);
    cmd.arg(script);
    cmd.current_dir(&work)
        .env("IRONGATE_TEST_WORK", &work)
        .env("IRONGATE_TEST_HTTP", &http.addr)
        .env("IRONGATE_TEST_ROOT", root())
        .env_remove("IRONGATE_HOME")
        .env_remove("VIRTUAL_ENV");
    if let Some(o) = &outside {
        cmd.env("IRONGATE_TEST_SIBLING", o.sibling.id().to_string())
            .env("IRONGATE_TEST_ABSTRACT", &o.abstract_name);
    }
    let (code, stdout, stderr) = run_with_timeout(cmd, Duration::from_secs(e.timeout));
    drop(outside);
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
    let events_out = Command::new(bin)
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(&home)
        .output()
        .map_err(|e| e.to_string())?;
    let events: Vec<Value> = String::from_utf8_lossy(&events_out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
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
    let _ = &http.hits;
    let listing: Vec<String> = events
        .iter()
        .map(|ev| {
            format!(
                "  {} {} {} {}",
                ev["layer"].as_str().unwrap_or(""),
                ev["decision"].as_str().unwrap_or(""),
                ev["action"],
                ev["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    Err(format!(
        "{name}:\n - {}\n stdout:\n{stdout}\n stderr:\n{stderr}\n events:\n{}",
        problems.join("\n - "),
        listing.join("\n")
    ))
}

#[test]
fn agents() {
    let dir = root().join("integration/agents");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("integration/agents")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    scripts.sort();
    if let Ok(only) = std::env::var("IRONGATE_AGENT") {
        scripts.retain(|p| p.to_string_lossy().contains(&only));
    }
    assert!(!scripts.is_empty(), "no agent scripts found");
    let http = Arc::new(start_http());
    let queue = Arc::new(Mutex::new(scripts.clone()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let failures = Arc::clone(&failures);
            let http = Arc::clone(&http);
            std::thread::spawn(move || {
                loop {
                    let Some(script) = queue.lock().expect("lock").pop() else {
                        return;
                    };
                    if let Err(msg) = check_script(&script, &http) {
                        failures.lock().expect("lock").push(msg);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let failures = failures.lock().expect("lock");
    assert!(
        failures.is_empty(),
        "{} of {} agents failed:\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}
