//! Real runs of real agents for the `tests/audit_checkpoint*.rs` and
//! `tests/replay_*.rs` suites (included with `#[path]`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The venv the agents run in (`scripts/test-venv`).
pub fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"))
}

/// A working directory with a few documents, a secret and the agent scripts.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// Reads two documents and a config, lists the docs, calls a tool, tries
/// to run `git` (blocked under sandboxed: no process.exec).
pub const AGENT: &str = r#"
import json, subprocess
from pathlib import Path
import irongate

docs = Path("docs")
print(sorted(p.name for p in docs.iterdir()))
for p in sorted(docs.glob("*.md")):
    print(p.read_text())
print(json.loads((docs / "config.json").read_text()))

@irongate.tool("summarize")
def summarize(x):
    return "summary"

print(summarize("a"))
try:
    subprocess.run(["git", "--version"], check=False)
except PermissionError as e:
    print("blocked:", e)
"#;

/// Appended to [`AGENT`]: a read of the secret.
pub const SECRET_TAIL: &str = r#"
try:
    print(open(".env").read())
except PermissionError as e:
    print("blocked:", e)
"#;

/// Reads one file `n` times: `n` logged decisions, in batches of 10 a
/// little more than the writer's flush interval apart.
pub fn reader(n: usize) -> String {
    format!(
        "import time\nfrom pathlib import Path\nfor i in range({n}):\n    Path('docs/a.md').read_text()\n    if i % 10 == 9:\n        time.sleep(0.08)\nprint('done')\n"
    )
}

impl Workspace {
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("docs")).expect("mkdir");
        std::fs::write(d.join("docs/a.md"), "alpha").expect("write");
        std::fs::write(d.join("docs/b.md"), "beta").expect("write");
        std::fs::write(d.join("docs/config.json"), "{\"model\": \"tiny\"}").expect("write");
        std::fs::write(d.join(".env"), "API_KEY=hunter2").expect("write");
        std::fs::write(d.join("agent.py"), AGENT).expect("write");
        std::fs::write(d.join("agent_secret.py"), format!("{AGENT}{SECRET_TAIL}")).expect("write");
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Writes a file in the workspace; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// `irongate run --home HOME --python VENV ARGS…` in the
    /// workspace; returns the exit status and stderr.
    pub fn run(&self, home: &Path, args: &[&str]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
            .arg("run")
            .arg("--home")
            .arg(home)
            .arg("--python")
            .arg(venv())
            .arg("--review-timeout")
            .arg("1")
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("IRONGATE_HOME")
            .stdin(Stdio::null())
            .output()
            .expect("run irongate");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// `irongate ARGS --home HOME`: (status, stdout, stderr).
pub fn irongate(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(args)
        .arg("--home")
        .arg(home)
        .env_remove("IRONGATE_HOME")
        .stdin(Stdio::null())
        .output()
        .expect("run irongate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `irongate verify --json` (and the text form): the kind and id of the
/// first bad event, asserting exit 1 and a `TAMPERED:` line naming it.
pub fn tampered(home: &Path, extra: &[&str]) -> (String, i64, String) {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = irongate(home, &args);
    assert_eq!(code, 1, "verify must fail: {out} {err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["ok"], false, "{v}");
    let kind = v["first_bad"]["kind"].as_str().expect("kind").to_owned();
    let id = v["first_bad"]["id"].as_i64().expect("id");
    let detail = v["first_bad"]["detail"].as_str().unwrap_or("").to_owned();
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let (code, text, _) = irongate(home, &args);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.starts_with(&format!("TAMPERED: event {id} ({kind}): ")),
        "{text}"
    );
    (kind, id, detail)
}

/// `irongate verify --json` passes.
pub fn verifies(home: &Path) -> Value {
    let (code, out, err) = irongate(home, &["verify", "--json"]);
    assert_eq!(code, 0, "verify must pass: {out} {err}");
    serde_json::from_str(&out).expect("json")
}

/// A read-write connection that bypasses irongate.
pub fn raw(home: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(home.join("irongate.db")).expect("open")
}
