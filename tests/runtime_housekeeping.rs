//! The runtime's housekeeping is not the agent's intent (R-33, issue 10):
//! a real test runner under `trusted` and the built-in policy needs no
//! review, and the run's scratch directory (its TMPDIR) is gone afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"))
}

fn irongate(home: &Path, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(args)
        .env("IRONGATE_HOME", home)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run irongate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn events(home: &Path) -> Vec<Value> {
    let (_, out, _) = irongate(home, home, &["events", "--run", "last", "--json"]);
    out.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

const SUITE: &str = r#"
import json
import os
import subprocess
import sys
import tempfile

def test_math():
    assert 1 + 1 == 2

def test_tmp_path(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps({"a": 1}))
    assert json.loads(p.read_text()) == {"a": 1}

def test_tempfile():
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "x"), "w") as f:
            f.write("x")
    print("TMPDIR=" + tempfile.gettempdir())

def test_capsys(capsys):
    print("hello")
    assert capsys.readouterr().out == "hello\n"
"#;

/// `irongate run --profile trusted -m pytest -q` with the built-in policy:
/// passes, no review (pytest's basetemp lives in the scratch directory, its
/// cache directory is written under a temporary name, chmod-ed and renamed
/// into place — all the run's own files), and nothing is left in the
/// scratch directory's place.
#[test]
fn pytest_under_trusted_needs_no_review() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let proj = dir.path().join("proj");
    std::fs::create_dir_all(&proj).expect("mkdir");
    std::fs::write(proj.join("test_small.py"), SUITE).expect("write");
    let venv = venv();
    let (code, out, err) = irongate(
        &home,
        &proj,
        &[
            "run",
            "--python",
            &venv.to_string_lossy(),
            "--profile",
            "trusted",
            "--review-timeout",
            "1",
            "-m",
            "pytest",
            "-q",
            "-s",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("4 passed"), "{out}\n{err}");
    let evs = events(&home);
    let reviewed: Vec<&Value> = evs.iter().filter(|e| e["decision"] == "review").collect();
    assert!(reviewed.is_empty(), "reviews: {reviewed:#?}");
    assert!(
        proj.join(".pytest_cache").is_dir(),
        "pytest's cache was written"
    );
    let stray: Vec<_> = std::fs::read_dir(&proj)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pytest-cache-files-"))
        .collect();
    assert!(stray.is_empty(), "left behind: {stray:?}");
    let tmpdir = out
        .lines()
        .find_map(|l| l.trim_start_matches('.').strip_prefix("TMPDIR="))
        .expect("the test printed its TMPDIR");
    assert!(tmpdir.contains("irongate-tmp-"), "{tmpdir}");
    assert!(
        !Path::new(tmpdir).exists(),
        "the scratch directory {tmpdir} is removed at the end"
    );
}
