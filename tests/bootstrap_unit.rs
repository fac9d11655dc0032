//! Runs the unit tests of the `bootstrap/` Python package
//! (`integration/bootstrap_unit/`) with the test venv's interpreter and a
//! fake `_irongate` module: the enrichment patches against real requests,
//! httpx, aiohttp, urllib3 and http.client talking to a local server, and the
//! `irongate`/`agentshield` API.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-venv"))
}

#[test]
fn bootstrap_python_unit_tests() {
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "{} not found: run scripts/setup to create the test venv \
         (or set IRONGATE_TEST_VENV)",
        python.display()
    );
    let out = Command::new(&python)
        .args([
            "-m",
            "unittest",
            "discover",
            "-s",
            "integration/bootstrap_unit",
            "-v",
        ])
        .current_dir(root())
        .env_remove("PYTHONPATH")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the test venv's python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "bootstrap unit tests failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        stderr
    );
    assert!(
        stderr.contains("\nOK"),
        "unexpected unittest output:\n{stderr}"
    );
}
