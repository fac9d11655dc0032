//! A supervisor killed outright (SIGKILL) cannot record the end of its run.
//! The next `irongate runs` must find it gone and say `supervisor_lost`, the
//! agent must be gone with it (PDEATHSIG), the decisions flushed before the
//! kill must be there, and the chain must still verify.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"))
}

fn irongate(home: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("IRONGATE_HOME")
        .output()
        .expect("run irongate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Whether `pid` still runs (a zombie has finished running).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        let state = s
            .rfind(')')
            .and_then(|i| s[i + 1..].split_whitespace().next());
        !matches!(state, Some("Z" | "X"))
    })
}

fn runs(home: &Path) -> Vec<Value> {
    let (code, out) = irongate(home, &["runs", "--json"]);
    assert_eq!(code, 0, "{out}");
    serde_json::from_str::<Value>(&out)
        .expect("runs --json is JSON")
        .as_array()
        .cloned()
        .expect("an array")
}

#[test]
fn killed_supervisor_is_marked_lost_and_the_chain_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    std::fs::write(dir.path().join("a.txt"), "hello").expect("write");
    std::fs::write(
        dir.path().join("sleeper.py"),
        "import os, sys, time\n\
         with open('a.txt') as f:\n    f.read()\n\
         print('agent', os.getpid(), flush=True)\n\
         time.sleep(60)\n",
    )
    .expect("write");
    let mut sup = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .arg("run")
        .arg("--home")
        .arg(&home)
        .arg("--python")
        .arg(venv())
        .arg("sleeper.py")
        .current_dir(dir.path())
        .env_remove("IRONGATE_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start irongate run");
    let supervisor = i32::try_from(sup.id()).expect("pid");
    let mut lines = BufReader::new(sup.stdout.take().expect("stdout")).lines();
    let line = lines.next().and_then(Result::ok).unwrap_or_default();
    let agent: i32 = line
        .strip_prefix("agent ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            let _ = sup.kill();
            panic!("the agent did not start: {line:?}")
        });
    assert_ne!(agent, supervisor, "the agent runs in a forked child");

    // While it runs, the run is `running`.
    let before = runs(&home);
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["status"], "running", "{before:?}");

    // Past the flush interval (50 ms), so the read is committed.
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(supervisor),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill the supervisor");
    let status = sup.wait().expect("reap the supervisor");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(agent) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(agent), "the agent outlived its supervisor");

    let after = runs(&home);
    assert_eq!(after.len(), 1);
    let run = &after[0];
    assert_eq!(run["status"], "supervisor_lost", "{run}");
    assert!(run["ended_at"].is_number(), "{run}");
    assert_eq!(run["pid"], supervisor, "{run}");

    // The decision made before the kill is there, and the loss is an event.
    let (code, out) = irongate(&home, &["events", "--json", "--run", "last"]);
    assert_eq!(code, 0, "{out}");
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(
        events.iter().any(|e| e["decision"] == "allow"
            && e["action"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/a.txt"))),
        "{out}"
    );
    let lost = |events: &[Value]| {
        events
            .iter()
            .filter(|e| {
                e["layer"] == "system"
                    && e["reason"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("supervisor_lost: "))
            })
            .count()
    };
    assert_eq!(lost(&events), 1, "{out}");

    // Marking is done once.
    let _ = runs(&home);
    let (_, out) = irongate(&home, &["events", "--json", "--run", "last"]);
    let again: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lost(&again), 1, "{out}");

    let (code, out) = irongate(&home, &["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok:"), "{out}");

    // A later run starts normally and is not marked.
    std::fs::write(dir.path().join("quick.py"), "print('done')\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .arg("run")
        .arg("--home")
        .arg(&home)
        .arg("--python")
        .arg(venv())
        .arg("quick.py")
        .current_dir(dir.path())
        .env_remove("IRONGATE_HOME")
        .output()
        .expect("run irongate");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let last = runs(&home);
    assert_eq!(last.len(), 2);
    assert_eq!(last[0]["status"], "supervisor_lost");
    assert_eq!(last[1]["status"], "exited");
}
