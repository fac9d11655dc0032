//! Shared by the review and dashboard tests: the real binary, a run whose
//! stderr is collected while it runs, and a tiny HTTP/1.1 client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_irongate")
}

pub fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"))
}

/// A process whose stderr (and stdout) lines are collected as they come.
pub struct Running {
    pub child: Child,
    pub stderr: Arc<Mutex<String>>,
    pub stdout: Arc<Mutex<String>>,
}

fn collect(r: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut line = String::new();
        while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            into.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn irongate");
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().expect("stderr"), Arc::clone(&stderr));
        collect(child.stdout.take().expect("stdout"), Arc::clone(&stdout));
        Running {
            child,
            stderr,
            stdout,
        }
    }

    /// Waits until stderr contains `needle`; returns all of stderr.
    pub fn wait_stderr(&self, needle: &str, timeout: Duration) -> String {
        wait_for(&self.stderr, needle, timeout)
    }

    pub fn wait_stdout(&self, needle: &str, timeout: Duration) -> String {
        wait_for(&self.stdout, needle, timeout)
    }

    /// Waits for the exit; returns (status, stdout, stderr).
    pub fn finish(mut self, timeout: Duration) -> (i32, String, String) {
        let deadline = Instant::now() + timeout;
        let code = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "irongate did not finish\nstdout:\n{}\nstderr:\n{}",
                    self.stdout.lock().unwrap(),
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        let out = self.stdout.lock().unwrap().clone();
        let err = self.stderr.lock().unwrap().clone();
        (code, out, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(buf: &Arc<Mutex<String>>, needle: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let s = buf.lock().unwrap().clone();
        if s.contains(needle) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {needle:?}; got:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `irongate run` on `script` in `dir` with state in `dir/home`.
pub fn run_cmd(dir: &Path, extra: &[&str], script: &str) -> Command {
    let mut c = Command::new(bin());
    c.arg("run")
        .arg("--home")
        .arg(dir.join("home"))
        .arg("--python")
        .arg(venv())
        .args(extra)
        .arg(script)
        .current_dir(dir)
        .env_remove("IRONGATE_HOME");
    c
}

/// `irongate approvals ARGS… --home dir/home`.
pub fn approvals(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .arg("approvals")
        .args(args)
        .arg("--home")
        .arg(dir.join("home"))
        .output()
        .expect("approvals");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The review id announced in `stderr` (the last `REVIEW N`).
pub fn announced_id(stderr: &str) -> i64 {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("irongate: REVIEW "))
        .filter_map(|r| r.split_whitespace().next()?.parse().ok())
        .next_back()
        .expect("an announced review")
}

/// The one-click URL a dashboard printed: (base, token).
pub fn login_url(stderr: &str) -> (String, String) {
    let line = stderr
        .lines()
        .find(|l| l.contains("#token="))
        .expect("login URL");
    let url = line.trim().trim_start_matches("irongate:").trim();
    let (base, token) = url.split_once("#token=").expect("token");
    (base.trim_end_matches('/').to_owned(), token.to_owned())
}

/// A response: status, headers (lowercased names), body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
/// `base` is `http://host:port`.
pub fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let hostport = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(hostport).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {hostport}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("write");
    if let Some(b) = body {
        // The server may answer (413) before reading it all.
        let _ = s.write_all(b);
    }
    // Read to the end of the body (Content-Length), or to the close: some
    // servers keep the connection open whatever the request said.
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if len.is_some_and(|n| raw.len() >= end + 4 + n) {
                break;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// GET with the bearer token.
pub fn get(base: &str, token: &str, path: &str) -> Resp {
    let auth = format!("Bearer {token}");
    http(base, "GET", path, &[("Authorization", &auth)], None)
}

/// POST JSON with the bearer token.
pub fn post(base: &str, token: &str, path: &str, body: &str) -> Resp {
    let auth = format!("Bearer {token}");
    http(
        base,
        "POST",
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(body.as_bytes()),
    )
}
