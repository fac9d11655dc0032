//! A property-based run of the dashboard's OpenAPI document against the
//! live server: schemathesis generates requests, valid and
//! invalid, for every operation in src/dashboard/openapi.json, with the
//! right token, against a home holding a real run, and no answer may be
//! a 5xx. Needs the venv `scripts/setup` makes (target/schemathesis-venv).

mod review_support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use review_support::*;

const T: Duration = Duration::from_secs(60);
/// The whole schemathesis run, killed past this.
const RUN_LIMIT: Duration = Duration::from_secs(90);

fn schemathesis() -> PathBuf {
    let venv = std::env::var_os("IRONGATE_SCHEMATHESIS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/schemathesis-venv")
        });
    let exe = venv.join("bin/schemathesis");
    assert!(
        exe.is_file() && venv.join(".irongate-stamp").is_file(),
        "no schemathesis venv at {}: run scripts/setup (it installs \
         scripts/schemathesis-requirements.txt there)",
        venv.display()
    );
    exe
}

#[test]
fn schemathesis_finds_no_server_error() {
    let exe = schemathesis();
    let dir = tempfile::tempdir().expect("tempdir");
    // A real run: an allowed read, a held read that times out (a review
    // event and a denial), a blocked write.
    std::fs::write(dir.path().join("notes.txt"), "hello\n").expect("write");
    std::fs::write(dir.path().join("app.env"), "K=1\n").expect("write");
    std::fs::write(
        dir.path().join("agent.py"),
        "print(open('notes.txt').read().strip())\n\
         try:\n    open('app.env').read()\nexcept PermissionError as e:\n    print('refused', e)\n",
    )
    .expect("write");
    let run = Running::spawn(run_cmd(
        dir.path(),
        &["--review-timeout", "0.5"],
        "agent.py",
    ));
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("hello"), "{out}{err}");

    let home = dir.path().join("home");
    let mut c = Command::new(bin());
    c.args(["dashboard", "--port", "0", "--home"]).arg(&home);
    let d = Running::spawn(c);
    let err = d.wait_stderr("#token=", T);
    let (base, token) = login_url(&err);
    // The home really has the run in it.
    let runs = get(&base, &token, "/api/runs").json();
    assert!(runs.as_array().is_some_and(|r| !r.is_empty()), "{runs}");

    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("run")
        .arg(format!("{base}/openapi.json"))
        .args(["--base-url", &base])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error"])
        // Invalid inputs too: those must be 4xx, never 5xx.
        .args(["--data-generation-method", "all"])
        .args(["--hypothesis-max-examples", "50"])
        .args(["--hypothesis-database", "none"])
        .args(["--request-timeout", "10000"])
        .arg("--no-color")
        .current_dir(dir.path())
        // Loopback only: no proxy, no telemetry.
        .env("NO_PROXY", "*")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn schemathesis");
    let (out_r, err_r) = (
        child.stdout.take().expect("stdout"),
        child.stderr.take().expect("stderr"),
    );
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let (out_t, err_t) = (read(Box::new(out_r)), read(Box::new(err_r)));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    let status =
        status.unwrap_or_else(|| panic!("schemathesis ran over {RUN_LIMIT:?}\n{out}\n{err}"));
    eprintln!("schemathesis took {:?}", started.elapsed());
    assert!(
        status.success(),
        "schemathesis failed ({status}):\n{out}\n{err}"
    );
    assert!(out.contains("not_a_server_error"), "{out}\n{err}");
    // The server is still up and answering.
    assert_eq!(get(&base, &token, "/api/status").status, 200);
}
