//! `irongate run` from the command line: exit statuses of R-10 and `-m`.

use std::path::PathBuf;
use std::process::Command;

fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"))
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .arg("run")
        .arg("--home")
        .arg(dir.join("home"))
        .arg("--python")
        .arg(venv())
        .args(args)
        .current_dir(dir)
        .env_remove("IRONGATE_HOME")
        .output()
        .expect("run irongate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_script_is_127_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(dir.path(), &["nope.py"]);
    assert_eq!(code, 127, "{err}");
    assert!(err.contains("nope.py"), "{err}");
}

#[test]
fn bad_flags_are_125_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.py"), "").expect("write");
    let (code, _, err) = run(dir.path(), &["--profile", "bogus", "a.py"]);
    assert_eq!(code, 125, "{err}");
    assert!(
        err.contains("--profile bogus") && err.contains("hint:"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["--backstop", "sometimes", "a.py"]);
    assert_eq!(code, 125, "{err}");
    assert!(err.contains("--backstop sometimes"), "{err}");
}

#[test]
fn module_runs_with_its_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("argv_mod.py"),
        "import sys\nprint('argv', sys.argv[1:])\nsys.exit(4)\n",
    )
    .expect("write");
    let (code, out, err) = run(dir.path(), &["-m", "argv_mod", "x", "--flag"]);
    assert_eq!(code, 4, "{err}");
    assert!(out.contains("argv ['x', '--flag']"), "{out}{err}");
    // Flags right after the module name are the module's too (issue 10).
    let (code, out, err) = run(dir.path(), &["-q", "-m", "argv_mod", "-q", "-v", "x"]);
    assert_eq!(code, 4, "{err}");
    assert!(out.contains("argv ['-q', '-v', 'x']"), "{out}{err}");
}

/// A held read proceeds once `irongate approvals approve` is given, and the
/// log keeps both the held event and the CLI's verdict.
#[test]
fn approval_from_the_cli_releases_a_held_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("app.env");
    std::fs::write(&secret, "TOKEN=1\n").expect("write");
    std::fs::write(
        dir.path().join("held.py"),
        format!(
            "print(open({:?}).read().strip())\n",
            secret.to_string_lossy()
        ),
    )
    .expect("write");
    let home = dir.path().join("home");
    let bin = env!("CARGO_BIN_EXE_irongate");
    let child = Command::new(bin)
        .args(["run", "--review-timeout", "30", "--home"])
        .arg(&home)
        .arg("--python")
        .arg(venv())
        .arg("held.py")
        .current_dir(dir.path())
        .env_remove("IRONGATE_HOME")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut id = None;
    for _ in 0..200 {
        let out = Command::new(bin)
            .args(["approvals", "list", "--json", "--home"])
            .arg(&home)
            .output()
            .expect("list");
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if let Some(first) = list.as_array().and_then(|a| a.first()) {
            id = first["event_id"].as_i64();
            assert_eq!(
                first["event"]["action"]["path"].as_str(),
                Some(secret.to_str().expect("utf-8"))
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let id = id.expect("the read is held for review");
    let approve = Command::new(bin)
        .args([
            "approvals",
            "approve",
            &id.to_string(),
            "--reason",
            "ok",
            "--home",
        ])
        .arg(&home)
        .output()
        .expect("approve");
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    let out = child.wait_with_output().expect("agent");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("TOKEN=1"));
    let events = Command::new(bin)
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(&home)
        .output()
        .expect("events");
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&events.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let held = rows
        .iter()
        .find(|e| e["id"].as_i64() == Some(id))
        .expect("held event");
    assert_eq!(held["decision"], "review");
    assert_eq!(held["review"]["verdict"], "allow");
    assert_eq!(held["review"]["via"], "cli");
    assert!(
        rows.iter()
            .any(|e| e["layer"] == "review" && e["review_of"].as_i64() == Some(id))
    );
    // Approved once, used once: nothing is left pending.
    let out = Command::new(bin)
        .args(["approvals", "list", "--json", "--home"])
        .arg(&home)
        .output()
        .expect("list");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}
