//! Fail closed: when the supervisor dies while it holds one of the
//! agent's syscalls for review, the call never succeeds (the kernel answers
//! the held notification with ENOSYS once the listener is gone) and the
//! agent is killed (PDEATHSIG) — within a second, nothing read.

#[path = "backstop_support.rs"]
mod support;

use std::io::Read;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Scratch, count, events, listing, root, run_command};

const SECRET: &str = "SECRET_TOKEN=hunter2-do-not-leak";

/// The supervisor's children (it forks only the agent).
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<u32>().ok()),
                );
            }
        }
    }
    out
}

/// Whether `pid` still runs (a zombie has finished running).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rfind(')')
                .and_then(|i| stat[i + 1..].split_whitespace().next().map(str::to_owned));
            !matches!(state.as_deref(), Some("Z" | "X") | None)
        }
        Err(_) => false,
    }
}

/// Syscall numbers the agent's threads are in (from /proc/<pid>/task/*/syscall).
fn syscalls_of(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(t.path().join("syscall"))
                && let Some(nr) = text.split_whitespace().next()
            {
                out.push(nr.to_owned());
            }
        }
    }
    out
}

#[test]
fn supervisor_death_while_a_call_is_held_kills_the_agent_and_leaks_nothing() {
    let s = Scratch::new();
    std::fs::write(s.work.join(".env"), SECRET).expect("write .env");
    let agent = root().join("integration/data/backstop/failclosed_agent.py");
    let args: Vec<String> = ["--profile", "trusted", "--review-timeout", "30"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let mut child = run_command(&s, &[], &args, &agent)
        .spawn()
        .expect("spawn irongate");
    let sup = child.id();
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });

    // Wait until the supervisor holds the open for review (its event is
    // logged before the wait starts).
    let held = json!({"decision": "review", "layer": "syscall",
                      "action": {"type": "file", "path": format!("{}/.env", s.work.display())}});
    let start = Instant::now();
    let mut evs = Vec::new();
    while start.elapsed() < Duration::from_secs(20) {
        evs = events(&s.home);
        if count(&evs, &held) > 0 {
            break;
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        count(&evs, &held),
        1,
        "the .env open was never held for review:\n{}",
        listing(&evs)
    );
    let agents = children(sup);
    assert_eq!(
        agents.len(),
        1,
        "expected one agent process, found {agents:?}"
    );
    let agent_pid = agents[0];
    // The agent's thread is inside the open (openat = 257, open = 2).
    let calls = syscalls_of(agent_pid);
    assert!(
        calls.iter().any(|c| c == "257" || c == "2"),
        "agent not inside open: {calls:?}"
    );

    child.kill().expect("SIGKILL the supervisor");
    let killed = Instant::now();
    child.wait().expect("reap the supervisor");
    let mut gone_after = None;
    while killed.elapsed() < Duration::from_secs(3) {
        if !alive(agent_pid) {
            gone_after = Some(killed.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let stdout = reader.join().unwrap_or_default();
    let marker = std::fs::read_to_string(s.work.join("marker.txt")).unwrap_or_default();
    let ctx = format!("stdout:\n{stdout}\nmarker:\n{marker}");

    let gone = gone_after.unwrap_or_else(|| {
        panic!("agent {agent_pid} still alive 3 s after the supervisor died\n{ctx}")
    });
    assert!(
        gone <= Duration::from_secs(1),
        "agent took {gone:?} to die after the supervisor\n{ctx}"
    );
    eprintln!("agent {agent_pid} gone {gone:?} after the supervisor's SIGKILL\n{ctx}");
    // The held call never succeeded: no descriptor, no secret. If the agent
    // ran on for an instant before SIGKILL, all it may have seen is ENOSYS.
    assert!(
        !stdout.contains("hunter2") && !marker.contains("hunter2"),
        "secret leaked\n{ctx}"
    );
    for text in [&stdout, &marker] {
        for line in text.lines().filter(|l| l.contains("returned")) {
            assert!(
                line.contains("returned fd=-1 errno=38") || line.contains("returned -1 38"),
                "the held open completed otherwise than ENOSYS: {line}\n{ctx}"
            );
        }
    }
}
