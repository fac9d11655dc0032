//! A C extension is native code the audit hook never sees: its
//! open(2), system(3) and execve(2) must each be judged at the kernel layer,
//! with the same policy, and logged once with `unexplained: true`.
//!
//! The extension (`integration/data/backstop/evil_ext.c`) is compiled here
//! with gcc against the test venv's interpreter headers, then imported by
//! `evil_ext_agent.py` under the default profile (`sandboxed`) and the
//! built-in policy.

#[path = "backstop_support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use support::{Scratch, count, events, listing, root, run_command, venv, wait_output};

/// Builds the extension into `dir`; returns the directory to put on sys.path.
fn build_extension(dir: &Path) -> PathBuf {
    let python = venv().join("bin/python");
    let info = Command::new(&python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include']); \
             print(sysconfig.get_config_var('EXT_SUFFIX'))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup)", python.display()));
    assert!(info.status.success(), "sysconfig query failed: {info:?}");
    let text = String::from_utf8_lossy(&info.stdout).into_owned();
    let mut lines = text.lines();
    let include = lines.next().expect("include dir").to_owned();
    let suffix = lines.next().expect("EXT_SUFFIX").to_owned();
    let out = dir.join(format!("evil_ext{suffix}"));
    let src = root().join("integration/data/backstop/evil_ext.c");
    let gcc = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&out)
        .arg(format!("-I{include}"))
        .arg(&src)
        .output()
        .expect("gcc (install build-essential)");
    assert!(
        gcc.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&gcc.stderr)
    );
    dir.to_path_buf()
}

#[test]
fn c_extension_calls_are_judged_at_the_kernel_layer() {
    let s = Scratch::new();
    let ext_dir = tempfile::tempdir().expect("tempdir");
    let ext = build_extension(ext_dir.path());
    let agent = root().join("integration/data/backstop/evil_ext_agent.py");
    let mut cmd = run_command(&s, &[], &[], &agent);
    cmd.arg(&ext);
    let child = cmd.spawn().expect("spawn irongate");
    let (code, stdout, stderr) = wait_output(child, Duration::from_secs(60));
    let evs = events(&s.home);
    let ctx = format!(
        "stdout:\n{stdout}\nstderr:\n{stderr}\nevents:\n{}",
        listing(&evs)
    );

    assert_eq!(code, 0, "exit status\n{ctx}");
    // Nothing happened: no secret read, no file written, no command run.
    for line in [
        "C open(/etc/shadow): fd=-1 errno=13 leaked=False",
        "C open(written_by_c.txt, O_WRONLY|O_CREAT): fd=-1 errno=13 exists=False",
        "C system(): exit=127 marker=False",
        "C execve(): errno=13 marker=False",
    ] {
        assert!(stdout.contains(line), "stdout lacks {line:?}\n{ctx}");
    }
    for f in ["written_by_c.txt", "marker_system.txt", "marker_exec.txt"] {
        assert!(!s.work.join(f).exists(), "{f} was created\n{ctx}");
    }

    // Each operation: exactly one unexplained block at the syscall layer.
    let expect_one = |pattern: serde_json::Value| {
        let n = count(&evs, &pattern);
        assert_eq!(n, 1, "expected exactly one event matching {pattern}\n{ctx}");
    };
    expect_one(json!({
        "layer": "syscall", "decision": "block", "unexplained": true,
        "rule": {"name": "system-secrets"},
        "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}
    }));
    expect_one(json!({
        "layer": "syscall", "decision": "block", "unexplained": true,
        "reason": "missing_capability:file.write",
        "action": {"type": "file", "subtype": "write",
                   "path": format!("{}/written_by_c.txt", s.work.display())}
    }));
    // system(3): the forked shell's exec; execve(2): the agent's own exec.
    expect_one(json!({
        "layer": "syscall", "decision": "block", "unexplained": true,
        "reason": "missing_capability:process.exec",
        "action": {"type": "process", "subtype": "exec",
                   "argv": ["sh", "-c", "echo pwned > marker_system.txt"]}
    }));
    expect_one(json!({
        "layer": "syscall", "decision": "block", "unexplained": true,
        "reason": "missing_capability:process.exec",
        "action": {"type": "process", "subtype": "exec",
                   "argv": ["sh", "-c", "echo pwned > marker_exec.txt"]}
    }));
    // The hook layer never saw any of it, and nothing of it was allowed.
    assert_eq!(
        count(
            &evs,
            &json!({"layer": "hook", "action": {"path": "/etc/shadow"}})
        ),
        0,
        "{ctx}"
    );
    assert_eq!(
        count(
            &evs,
            &json!({"decision": "allow", "action": {"type": "process"}})
        ),
        0,
        "{ctx}"
    );
}
