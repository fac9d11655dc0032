//! `--isolate` as privilege separation (SPEC R-80): the agent starts from a
//! fresh exec, so what was removed from its environment is neither in
//! `os.environ` nor in `/proc/self/environ`; inherited descriptors beyond 2
//! are closed, it has its own session, no capabilities, no core dumps;
//! `--pass-env` keeps one variable; removed names are logged, never values.
//! (Another uid when root: tests/container.rs, where the image lets
//! `nobody` reach the interpreter; on this host /root is 0700, so here the
//! agent keeps root with `--user root`, capabilities still dropped.)

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

const SECRETS: &[(&str, &str)] = &[
    ("OPENAI_API_KEY", "sk-isolate-secret-1"),
    ("GH_TOKEN", "ghp-isolate-secret-2"),
    ("AWS_SECRET_ACCESS_KEY", "aws-isolate-secret-3"),
    ("PYTHONPATH", "/nonexistent-isolate-4"),
    ("LD_PRELOAD", "/lib/x86_64-linux-gnu/libc.so.6"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_isolated(home: &std::path::Path) -> (serde_json::Value, std::process::Output) {
    let agents = root().join("integration/container/agents");
    let inherited = std::fs::File::open(agents.join("agent.py")).expect("a file to inherit");
    let raw = inherited.as_raw_fd();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_irongate"));
    cmd.current_dir(&agents)
        .args([
            "run",
            "--isolate",
            "--user",
            "root",
            "--pass-env",
            "KEEP_TOKEN",
            "--home",
        ])
        .arg(home);
    if let Ok(v) = std::env::var("IRONGATE_TEST_VENV") {
        cmd.arg("--python").arg(v);
    }
    cmd.arg("isolate_check.py").env("KEEP_TOKEN", "kept-5");
    for (k, v) in SECRETS {
        cmd.env(k, v);
    }
    // SAFETY: dup2 in the child before exec: descriptor 7 is inherited.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(raw, 7) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("run irongate");
    drop(inherited);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out)
}

#[test]
fn isolated_agent_sees_nothing_removed() {
    let home = tempfile::tempdir().expect("home");
    let (v, out) = run_isolated(home.path());
    assert!(out.status.success(), "{v:#}");
    let names: Vec<&str> = v["environ"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    let block: Vec<&str> = v["environ_block"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    let text = v["environ_block_text"].as_str().unwrap();
    for (k, val) in SECRETS {
        assert!(!names.contains(k), "{k} in os.environ");
        assert!(!block.contains(k), "{k} in /proc/self/environ");
        assert!(
            !text.contains(val),
            "the value of {k} in /proc/self/environ"
        );
    }
    for n in names.iter().chain(block.iter()) {
        assert!(
            !n.starts_with("PYTHON")
                && !n.starts_with("LD_")
                && !n.ends_with("_API_KEY")
                && !n.starts_with("AWS_")
                && (!n.ends_with("_TOKEN") || *n == "KEEP_TOKEN"),
            "{n} survived --isolate"
        );
    }
    assert_eq!(v["kept"], "kept-5", "--pass-env KEEP_TOKEN");
    // Beyond 2: only IronGate's own IPC socket and the listing's descriptor.
    for (fd, target) in v["fds"].as_object().unwrap() {
        let t = target.as_str().unwrap_or_default();
        assert!(
            t.starts_with("socket:") || t.starts_with("/proc/") && t.ends_with("/fd"),
            "descriptor {fd} → {t} inherited into the agent"
        );
    }
    assert_eq!(v["cap_eff"], "0000000000000000");
    assert_eq!(v["cap_prm"], "0000000000000000");
    assert_eq!(v["cap_bnd"], "0000000000000000");
    assert_eq!(v["no_new_privs"], "1");
    assert_eq!(v["own_session"], true);
    assert_eq!(v["core_limit"], serde_json::json!([0, 0]));

    // The names are in the log, the values nowhere in it.
    let ev = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(home.path())
        .output()
        .expect("events");
    let log = String::from_utf8_lossy(&ev.stdout);
    for (k, val) in SECRETS {
        assert!(log.contains(k), "{k} not logged as removed: {log}");
        assert!(!log.contains(val), "the value of {k} is in the log");
    }
}

#[test]
fn user_needs_isolate() {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["run", "--user", "nobody", "--home"])
        .arg(tempfile::tempdir().expect("home").path())
        .arg(root().join("integration/container/agents/agent.py"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--user works only with --isolate"));
}
