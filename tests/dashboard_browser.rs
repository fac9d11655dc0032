//! The dashboard in a real browser (R-62): headless Chromium driven through
//! chromedriver's W3C WebDriver API (plain HTTP on loopback). An agent of a
//! real `irongate run --dashboard` is held; the page opened from the
//! printed URL shows it, with a hostile file name rendered as text; a click
//! on Approve lets it go on, Deny gives it `PermissionError`, Approve and
//! remember lets the next identical command pass and a different one still
//! wait. A screenshot is written to `target/dashboard-browser.png`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/setup installs
//! them); skipped only when they are missing and IRONGATE_WITH_BROWSER=0.

mod review_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use review_support::*;

const T: Duration = Duration::from_secs(60);
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    base: String,
    session: String,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + T;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-background-networking", "--no-first-run",
                         "--disable-dev-shm-usage", "--window-size=1280,1400",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut d = Driver {
            base,
            session: String::new(),
            child,
        };
        let v = d.call("POST", "/session", Some(caps));
        d.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        d
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = http(
            &self.base,
            method,
            path,
            &[("Content-Type", "application/json")],
            body.as_deref().map(str::as_bytes),
        );
        let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        if path == "/session" {
            return v["value"].clone();
        }
        v
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})));
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({"script": js, "args": []})),
        )["value"]
            .clone()
    }

    /// Clicks the element `css` once it exists (retrying while the page
    /// re-renders it).
    fn click(&self, css: &str) {
        let deadline = Instant::now() + T;
        loop {
            let v = self.call(
                "POST",
                &self.s("/element"),
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = v["value"][ELEMENT].as_str() {
                let r = self.call(
                    "POST",
                    &self.s(&format!("/element/{id}/click")),
                    Some(json!({})),
                );
                if r["value"].is_null() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "no clickable {css}: {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + T;
        loop {
            let t = self
                .script("return document.body.innerText")
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {needle:?}:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, to: &Path) {
        let v = self.call("GET", &self.s("/screenshot"), None);
        let png = base64_decode(v["value"].as_str().unwrap_or_default());
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(to, png).expect("write screenshot");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &self.s(""), None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn have_browser() -> bool {
    let found = |b: &str| {
        Command::new("which")
            .arg(b)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("chromium") && found("chromedriver") {
        return true;
    }
    assert!(
        std::env::var("IRONGATE_WITH_BROWSER").as_deref() == Ok("0"),
        "chromium and chromedriver are needed (scripts/setup installs them; IRONGATE_WITH_BROWSER=0 skips this test)"
    );
    eprintln!("skipped: no chromium/chromedriver and IRONGATE_WITH_BROWSER=0");
    false
}

/// The next review announced after `seen` of them.
fn next_review(run: &Running, seen: &mut usize) -> i64 {
    let needle = "irongate:   decide:";
    loop {
        let err = run.wait_stderr(needle, T);
        if err.matches(needle).count() > *seen {
            *seen += 1;
            let ids: Vec<i64> = err
                .lines()
                .filter_map(|l| l.strip_prefix("irongate: REVIEW "))
                .filter_map(|r| r.split_whitespace().next()?.parse().ok())
                .collect();
            return ids[*seen - 1];
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn approve_deny_and_remember_from_the_page_in_headless_chromium() {
    if !have_browser() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = dir
        .path()
        .join("<img src=x onerror=document.title='pwned'>.env");
    std::fs::write(&hostile, "K=1\n").expect("write");
    std::fs::write(
        dir.path().join("agent.py"),
        format!(
            r#"
import subprocess
print("read", open({path}).read().strip(), flush=True)
for word in ["x", "y", "z", "z", "w"]:
    try:
        r = subprocess.run(["echo", word], capture_output=True, text=True)
        print("ran", r.stdout.strip(), flush=True)
    except PermissionError as e:
        print("refused", word, "PermissionError", flush=True)
"#,
            path = serde_json::to_string(hostile.to_str().expect("utf-8")).expect("json")
        ),
    )
    .expect("write");
    let run = Running::spawn(run_cmd(
        dir.path(),
        &[
            "--profile",
            "trusted",
            "--dashboard",
            "--dashboard-port",
            "0",
            "--no-prompt",
        ],
        "agent.py",
    ));
    let mut seen = 0;
    let first = next_review(&run, &mut seen);
    let err = run.stderr.lock().expect("stderr").clone();
    let (base, token) = login_url(&err);
    let driver = Driver::start(&dir.path().join("chrome-profile"));
    driver.goto(&format!("{base}/#token={token}"));
    // The hostile name is shown as text; no element came out of it.
    driver.wait_text("onerror=document.title='pwned'");
    assert_eq!(
        driver.script("return document.querySelectorAll('#pending img').length"),
        json!(0)
    );
    assert_ne!(driver.script("return document.title"), json!("pwned"));
    // The token left the address bar.
    let url = driver.script("return location.href");
    assert!(!url.as_str().unwrap_or_default().contains(&token), "{url}");
    driver.click(&format!("#approve-{first}"));
    run.wait_stdout("read K=1", T);

    let x = next_review(&run, &mut seen);
    driver.wait_text("process/spawn echo x");
    let clicked = Instant::now();
    driver.click(&format!("#approve-{x}"));
    run.wait_stdout("ran x", T);
    eprintln!("click → agent continued: {:?}", clicked.elapsed());

    let y = next_review(&run, &mut seen);
    driver.wait_text("process/spawn echo y");
    driver.click(&format!("#deny-{y}"));
    run.wait_stdout("refused y PermissionError", T);

    let z = next_review(&run, &mut seen);
    driver.wait_text("process/spawn echo z");
    driver.click(&format!("#remember-{z}"));
    // The second `echo z` passes without review; `echo w` waits.
    run.wait_stdout("ran z\nran z", T);
    let w = next_review(&run, &mut seen);
    driver.wait_text("process/spawn echo w");
    driver.wait_text("a command starting with echo z");
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-browser.png");
    driver.screenshot(&shot);
    driver.click(&format!("#deny-{w}"));
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("refused w"), "{out}");
    assert_eq!(seen, 5, "exactly five reviews: {err}");
}
