//! The dashboard's API (R-60–R-63, R-90): authentication on every
//! endpoint, rate limiting, security headers, malformed and oversized
//! requests, hostile strings, single-use approvals, the agent kept away
//! from its run's dashboard, and the chain after many verdicts.

mod review_support;

use std::process::Command;
use std::time::Duration;

use review_support::*;

const T: Duration = Duration::from_secs(60);

const API: &[(&str, &str)] = &[
    ("GET", "/api/status"),
    ("GET", "/api/approvals"),
    ("POST", "/api/approvals/1/approve"),
    ("POST", "/api/approvals/1/deny"),
    ("POST", "/api/approvals/1/remember"),
    ("GET", "/api/events"),
    ("GET", "/api/runs"),
    ("GET", "/api/policy"),
    ("GET", "/api/remembered"),
    ("DELETE", "/api/remembered/1"),
];

fn dashboard(home: &std::path::Path) -> (Running, String, String) {
    let mut c = Command::new(bin());
    c.args(["dashboard", "--port", "0", "--home"]).arg(home);
    let d = Running::spawn(c);
    let err = d.wait_stderr("#token=", T);
    let (base, token) = login_url(&err);
    (d, base, token)
}

fn assert_headers(r: &Resp) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{r:?}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{r:?}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{r:?}");
    let csp = r.header("content-security-policy").expect("csp");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[test]
fn every_endpoint_needs_the_token_and_failures_are_rate_limited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_d, base, token) = dashboard(&dir.path().join("home"));
    assert_eq!(token.len(), 64);
    // The page and its assets carry no data and need no token.
    for p in ["/", "/app.js", "/app.css", "/openapi.json"] {
        let r = http(&base, "GET", p, &[], None);
        assert_eq!(r.status, 200, "{p}");
        assert_headers(&r);
        assert!(!r.body.contains(&token), "{p} leaks the token");
    }
    let doc = http(&base, "GET", "/openapi.json", &[], None);
    assert_eq!(
        doc.json(),
        serde_json::from_str::<serde_json::Value>(include_str!("../src/dashboard/openapi.json"))
            .expect("repo openapi")
    );
    // The page has no inline script or style.
    let page = http(&base, "GET", "/", &[], None).body;
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "{page}"
    );
    // Each endpoint: no token, a wrong token, a wrong scheme.
    let mut failures = 0;
    for (m, p) in API.iter().take(3) {
        for auth in [
            None,
            Some("Bearer nope".to_owned()),
            Some(format!("Basic {token}")),
        ] {
            let h: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            let r = http(&base, m, p, &h, Some(b"{}"));
            assert_eq!(r.status, 401, "{m} {p} {auth:?}: {}", r.body);
            assert_headers(&r);
            failures += 1;
        }
    }
    // A token of the right length but wrong: still 401.
    // (its last hex digit changed: appending a fixed "0" equalled the
    // token whenever it ended in 0)
    let last = if token.ends_with('0') { '1' } else { '0' };
    let near = format!("Bearer {}{last}", &token[..63]);
    let r = http(
        &base,
        "GET",
        "/api/status",
        &[("Authorization", &near)],
        None,
    );
    assert_eq!(r.status, 401);
    failures += 1;
    assert!(failures >= 10);
    // Ten failures from this address: now even the right token waits.
    let r = get(&base, &token, "/api/status");
    assert_eq!(r.status, 429, "{}", r.body);
    assert_headers(&r);
    // The page itself still loads (it carries nothing).
    assert_eq!(http(&base, "GET", "/", &[], None).status, 200);
}

#[test]
fn malformed_oversized_and_unknown_requests_get_4xx_and_the_server_lives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_d, base, token) = dashboard(&dir.path().join("home"));
    for (m, p) in API {
        let auth = format!("Bearer {token}");
        let r = http(&base, m, p, &[("Authorization", &auth)], Some(b"{}"));
        assert!(r.status < 500, "{m} {p}: {} {}", r.status, r.body);
        assert_headers(&r);
    }
    let cases: &[(&str, &str, &str, u16)] = &[
        ("POST", "/api/approvals/1/approve", "{not json", 400),
        ("POST", "/api/approvals/1/approve", "[1,2]", 400),
        ("POST", "/api/approvals/1/approve", r#"{"bogus": 1}"#, 400),
        ("POST", "/api/approvals/1/approve", r#"{"reason": 5}"#, 400),
        (
            "POST",
            "/api/approvals/1/approve",
            r#"{"argv_prefix": 1}"#,
            400,
        ),
        ("POST", "/api/approvals/x/approve", "{}", 400),
        ("POST", "/api/approvals/1/explode", "{}", 404),
        ("POST", "/api/approvals/123/approve", "{}", 404),
        ("PUT", "/api/approvals", "{}", 405),
        ("GET", "/api/nothing", "", 404),
        ("GET", "/api/events?decision=maybe", "", 400),
        ("GET", "/api/events?limit=-1", "", 400),
        ("GET", "/api/events?run=%00", "", 400),
        ("GET", "/api/events?evil=1", "", 400),
        ("DELETE", "/api/remembered/abc", "", 400),
        ("DELETE", "/api/remembered/77", "", 404),
    ];
    for (m, p, body, want) in cases {
        let auth = format!("Bearer {token}");
        let r = http(
            &base,
            m,
            p,
            &[("Authorization", &auth)],
            Some(body.as_bytes()),
        );
        assert_eq!(r.status, *want, "{m} {p} {body}: {}", r.body);
        assert!(r.json()["error"].is_string(), "{}", r.body);
    }
    // Oversized: refused by its Content-Length, and the server goes on.
    let big = vec![b'x'; 1 << 20];
    let auth = format!("Bearer {token}");
    let r = http(
        &base,
        "POST",
        "/api/approvals/1/approve",
        &[("Authorization", &auth)],
        Some(&big),
    );
    assert_eq!(r.status, 413, "{}", r.body);
    // DNS rebinding: a foreign Host is refused.
    let r = http(
        &base,
        "GET",
        "/api/status",
        &[("Authorization", &auth), ("Host", "evil.example:9123")],
        None,
    );
    assert!(r.status == 421 || r.status == 400, "{r:?}");
    let r = get(&base, &token, "/api/status");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version"], env!("CARGO_PKG_VERSION"));
}

/// A run with its own dashboard: a hostile path arrives as data, an
/// approval is single-use, an expired review cannot be approved, and the
/// agent cannot reach the dashboard's port.
#[test]
fn run_dashboard_approves_once_and_keeps_the_agent_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = dir.path().join("<img src=x onerror=alert(1)>\u{1b}[2J.env");
    std::fs::write(&hostile, "K=1\n").expect("write");
    std::fs::write(
        dir.path().join("agent.py"),
        format!(
            r#"
import os, sys, time, urllib.request
path = {path}
print("read", open(path).read().strip(), flush=True)
try:
    open(path + "x", "w")
except PermissionError as e:
    print("refused write", flush=True)
while not os.path.exists("port.txt"):
    time.sleep(0.02)
port = open("port.txt").read().strip()
try:
    urllib.request.urlopen("http://127.0.0.1:%s/api/status" % port, timeout=5).read()
    print("reached the dashboard", flush=True)
except Exception as e:
    print("dashboard refused:", type(e).__name__, e, flush=True)
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
            "--review-timeout",
            "30",
        ],
        "agent.py",
    ));
    let err = run.wait_stderr("irongate:   decide:", T);
    assert!(
        !err.contains('\u{1b}'),
        "an escape sequence reached the terminal:\n{err}"
    );
    let (base, token) = login_url(&err);
    assert!(
        err.contains(&format!("open the dashboard: {base}/#review=")),
        "{err}"
    );
    let id = announced_id(&err);
    let pending = get(&base, &token, "/api/approvals").json();
    assert_eq!(pending[0]["id"].as_i64(), Some(id));
    assert_eq!(
        pending[0]["event"]["action"]["path"].as_str(),
        hostile.to_str(),
        "the hostile path is data, unchanged"
    );
    let r = post(&base, &token, &format!("/api/approvals/{id}/approve"), "{}");
    assert_eq!(r.status, 200, "{}", r.body);
    let again = post(&base, &token, &format!("/api/approvals/{id}/deny"), "{}");
    assert_eq!(again.status, 409, "{}", again.body);
    // The write is held too: deny it from the dashboard.
    let second = loop {
        let err = run.wait_stderr("irongate:   decide:", T);
        let n = announced_id(&err);
        if n != id {
            break n;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let r = post(
        &base,
        &token,
        &format!("/api/approvals/{second}/deny"),
        "{}",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    run.wait_stdout("refused write", T);
    let port = base.rsplit(':').next().expect("port").to_owned();
    std::fs::write(dir.path().join("port.txt"), port).expect("port");
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("read K=1"), "{out}");
    assert!(out.contains("dashboard refused"), "{out}{err}");
    let ev = Command::new(bin())
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(dir.path().join("home"))
        .output()
        .expect("events");
    assert!(String::from_utf8_lossy(&ev.stdout).contains("irongate_dashboard"));
}

#[test]
fn an_expired_review_cannot_be_approved() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.env"), "K=1\n").expect("write");
    std::fs::write(
        dir.path().join("agent.py"),
        "try:\n    open('app.env').read()\nexcept PermissionError as e:\n    print('refused', e)\n",
    )
    .expect("write");
    let (_d, base, token) = dashboard(&dir.path().join("home"));
    let run = Running::spawn(run_cmd(
        dir.path(),
        &["--review-timeout", "0.5"],
        "agent.py",
    ));
    let err = run.wait_stderr("irongate:   decide:", T);
    let id = announced_id(&err);
    let (code, out, _) = run.finish(T);
    assert_eq!(code, 0);
    assert!(out.contains("timed out"), "{out}");
    let r = post(&base, &token, &format!("/api/approvals/{id}/approve"), "{}");
    assert_eq!(r.status, 409, "{}", r.body);
}

/// After 100 verdicts given through the API (alternating approve and
/// deny), `irongate verify` still passes.
#[test]
fn the_chain_verifies_after_a_hundred_verdicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.env"), "K=1\n").expect("write");
    std::fs::write(
        dir.path().join("agent.py"),
        "ok = 0\nfor i in range(100):\n    try:\n        open('app.env').read(); ok += 1\n    except PermissionError:\n        pass\nprint('allowed', ok)\n",
    )
    .expect("write");
    let home = dir.path().join("home");
    let (_d, base, token) = dashboard(&home);
    let run = Running::spawn(run_cmd(dir.path(), &["--no-prompt"], "agent.py"));
    for i in 0..100 {
        let needle = "irongate:   decide:";
        let id = loop {
            let err = run.wait_stderr(needle, T);
            if err.matches(needle).count() > i {
                break announced_id(&err);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let verb = if i % 2 == 0 { "approve" } else { "deny" };
        let r = post(&base, &token, &format!("/api/approvals/{id}/{verb}"), "{}");
        assert_eq!(r.status, 200, "{i}: {}", r.body);
    }
    let (code, out, err) = run.finish(T);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("allowed 50"), "{out}");
    let v = Command::new(bin())
        .args(["verify", "--home"])
        .arg(&home)
        .output()
        .expect("verify");
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}
