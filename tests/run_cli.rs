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
}
