//! Reviews reach the human (R-53): the announcement on irongate's stderr,
//! the same id everywhere, `--on-review`, the terminal prompt under a pty,
//! and remembered approvals (approve and remember, list, revoke, the log).

mod review_support;

use std::process::Command;
use std::time::Duration;

use review_support::*;

const T: Duration = Duration::from_secs(60);

/// Runs `echo WORD` for each argument in turn, printing what happened.
const ECHOES: &str = r#"
import subprocess, sys
for word in sys.argv[1:]:
    try:
        r = subprocess.run(["echo", word], capture_output=True, text=True)
        print("ran", word, r.stdout.strip(), flush=True)
    except PermissionError as e:
        print("refused", word, e, flush=True)
"#;

fn agent(dir: &std::path::Path) {
    std::fs::write(dir.join("echoes.py"), ECHOES).expect("write agent");
}

#[test]
fn a_review_is_announced_on_stderr_and_the_same_id_is_approved() {
    let dir = tempfile::tempdir().expect("tempdir");
    agent(dir.path());
    let mut cmd = run_cmd(
        dir.path(),
        &["--profile", "trusted", "--review-timeout", "60"],
        "echoes.py",
    );
    cmd.arg("x");
    let run = Running::spawn(cmd);
    let err = run.wait_stderr("irongate:   decide:", T);
    let id = announced_id(&err);
    for want in [
        "action: process/spawn echo x",
        "rule:   #",
        "Process execution requires approval",
        "frame:  ",
        &format!("irongate approvals approve {id}"),
        "s left",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // The id in the list is the announced one, and `approve` takes it.
    let (_, out, _) = approvals(dir.path(), &["list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list[0]["id"].as_i64(), Some(id), "{out}");
    assert_eq!(list[0]["event"]["action"]["argv"][1], "x");
    let (code, out, e) = approvals(dir.path(), &["approve", &id.to_string()]);
    assert_eq!(code, 0, "{out}{e}");
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ran x x"), "{out}{err}");
    assert!(err.contains(&format!("review {id}: allow")), "{err}");
    // Approving it again is refused: single use.
    let (code, _, e) = approvals(dir.path(), &["approve", &id.to_string()]);
    assert_ne!(code, 0);
    assert!(e.contains("not pending"), "{e}");
}

#[test]
fn on_review_gets_the_review_as_json_and_a_denial_reaches_the_agent() {
    let dir = tempfile::tempdir().expect("tempdir");
    agent(dir.path());
    let hook_out = dir.path().join("hook.json");
    let hook = format!("cat > {}; exit 3", hook_out.display());
    let mut cmd = run_cmd(
        dir.path(),
        &["--profile", "trusted", "--on-review", &hook],
        "echoes.py",
    );
    cmd.arg("x");
    let run = Running::spawn(cmd);
    let err = run.wait_stderr("irongate:   decide:", T);
    let id = announced_id(&err);
    let mut doc = serde_json::Value::Null;
    for _ in 0..200 {
        if let Ok(t) = std::fs::read_to_string(&hook_out)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&t)
        {
            doc = v;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(doc["id"].as_i64(), Some(id), "{doc}");
    assert_eq!(doc["action"]["argv"][0], "echo");
    assert_eq!(doc["approve"], format!("irongate approvals approve {id}"));
    // The hook failed (exit 3): the review still waits; deny it.
    let (code, ..) = approvals(dir.path(), &["deny", &id.to_string(), "--reason", "no"]);
    assert_eq!(code, 0);
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("refused x"), "{out}{err}");
    assert!(out.contains("denied by"), "{out}");
}

#[test]
fn approve_and_remember_lets_the_same_command_pass_and_not_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    agent(dir.path());
    let mut cmd = run_cmd(dir.path(), &["--profile", "trusted"], "echoes.py");
    cmd.args(["x", "x", "y"]);
    let run = Running::spawn(cmd);
    let err = run.wait_stderr("irongate:   decide:", T);
    let first = announced_id(&err);
    let (code, out, e) = approvals(dir.path(), &["remember", &first.to_string()]);
    assert_eq!(code, 0, "{out}{e}");
    assert!(out.contains("remembered as approval 1"), "{out}");
    assert!(out.contains("a command starting with echo x"), "{out}");
    // The second `echo x` passes without a review; `echo y` waits.
    run.wait_stdout("ran x x\nran x x", T);
    let err = run.wait_stderr("action: process/spawn echo y", T);
    let second = announced_id(&err);
    assert_ne!(first, second);
    let (code, ..) = approvals(dir.path(), &["deny", &second.to_string()]);
    assert_eq!(code, 0);
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("refused y"), "{out}{err}");
    // The log names the allowance that decided.
    let ev = Command::new(bin())
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(dir.path().join("home"))
        .output()
        .expect("events");
    let ev = String::from_utf8_lossy(&ev.stdout);
    assert!(
        ev.lines()
            .any(|l| l.contains("remembered_approval:1") && l.contains("\"allow\"")),
        "{ev}"
    );
    // Listed, shown by `policy check`, revocable.
    let (_, out, _) = approvals(dir.path(), &["list-remembered", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list[0]["agent"], "echoes");
    assert_eq!(list[0]["match"]["argv"], serde_json::json!(["echo", "x"]));
    let check = Command::new(bin())
        .args(["policy", "check", "builtin", "--home"])
        .arg(dir.path().join("home"))
        .output()
        .expect("check");
    let check = String::from_utf8_lossy(&check.stdout);
    assert!(check.contains("overlay: 1 remembered approvals"), "{check}");
    let (code, out, _) = approvals(dir.path(), &["revoke", "1"]);
    assert_eq!(code, 0, "{out}");
    let (_, out, _) = approvals(dir.path(), &["list-remembered", "--json"]);
    assert_eq!(out.trim(), "[]");
    // A widening that does not cover the action is refused before approving.
    let (code, _, e) = approvals(dir.path(), &["remember", "999", "--argv-prefix", "1"]);
    assert_ne!(code, 0);
    assert!(e.contains("no held operation 999"), "{e}");
}

/// Under a pty: the prompt appears on irongate's stderr, an answer typed
/// there releases the agent, and the agent's own TIOCSTI is refused.
#[test]
fn an_answer_typed_at_the_terminal_prompt_releases_the_agent() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("prompted.py"),
        r#"
import fcntl, subprocess, sys, termios
print("stdin is a tty:", sys.stdin.isatty(), flush=True)
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"a")
    print("TIOCSTI worked", flush=True)
except OSError as e:
    print("TIOCSTI refused", e.errno, flush=True)
r = subprocess.run(["echo", "prompted"], capture_output=True, text=True)
print("ran", r.stdout.strip(), flush=True)
"#,
    )
    .expect("write");
    let helper = r#"
import os, pty, select, sys, time
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
buf, sent, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if not r:
        continue
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    buf += d
    if not sent and b"[a]pprove" in buf:
        os.write(fd, b"a\n")
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
"#;
    let home = dir.path().join("home");
    let out = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(helper)
        .arg(bin())
        .args(["run", "--profile", "trusted", "--home"])
        .arg(&home)
        .arg("--python")
        .arg(venv())
        .arg("prompted.py")
        .current_dir(dir.path())
        .env_remove("IRONGATE_HOME")
        .output()
        .expect("pty helper");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("stdin is a tty: True"), "{text}");
    assert!(text.contains("TIOCSTI refused"), "{text}");
    assert!(text.contains("irongate: REVIEW"), "{text}");
    assert!(text.contains("ran prompted"), "{text}");
    let ev = Command::new(bin())
        .args([
            "events",
            "--run",
            "last",
            "--decision",
            "allow",
            "--json",
            "--home",
        ])
        .arg(&home)
        .output()
        .expect("events");
    let ev = String::from_utf8_lossy(&ev.stdout);
    assert!(ev.contains("answered at the terminal prompt"), "{ev}");
}
