//! Shared helpers for the `backstop_*` tests (included with `#[path]`):
//! running the real binary on an agent, reading its events, and checking
//! the expectation lines that `integration/agents/*.py` carry (the same
//! format `tests/integration_agents.rs` reads: `# irongate:`, `# event:`,
//! `# no-event:`, `re:` strings, `{WORK}`/`{VENV}`/`{HTTP}`).
//!
//! Compiled on its own too (as an empty test target), hence the allow.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test venv (`scripts/setup` creates it).
pub fn venv() -> PathBuf {
    std::env::var_os("IRONGATE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-venv"))
}

/// The irongate binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_irongate"))
}

/// A scratch directory laid out as the agent runner does it:
/// `<tmp>/work` (the agent's cwd) and `<tmp>/home` (IronGate's home).
pub struct Scratch {
    _dir: tempfile::TempDir,
    /// The agent's working directory (real path).
    pub work: PathBuf,
    /// IronGate's home.
    pub home: PathBuf,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

impl Scratch {
    /// Creates the directories.
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = std::fs::canonicalize(dir.path()).expect("canonicalize");
        let work = base.join("work");
        std::fs::create_dir_all(&work).expect("mkdir work");
        Scratch {
            _dir: dir,
            work,
            home: base.join("home"),
        }
    }

    /// Replaces the placeholders of an expectation line.
    pub fn subst(&self, s: &str) -> String {
        s.replace("{WORK}", &self.work.to_string_lossy())
            .replace("{VENV}", &venv().to_string_lossy())
            .replace("{HTTP}", "127.0.0.1:9")
    }
}

/// The `irongate run` command for `script` with `args`, in the scratch dir.
/// `prefix` wraps it (e.g. `unshare -p -f --mount-proc`).
pub fn run_command(s: &Scratch, prefix: &[&str], args: &[String], script: &Path) -> Command {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    cmd.arg("run")
        .arg("--home")
        .arg(&s.home)
        .arg("--python")
        .arg(venv())
        .args(args)
        .arg(script)
        .current_dir(&s.work)
        .env("IRONGATE_TEST_WORK", &s.work)
        .env("IRONGATE_TEST_HTTP", "127.0.0.1:9")
        .env("IRONGATE_TEST_ROOT", root())
        .env_remove("IRONGATE_HOME")
        .env_remove("VIRTUAL_ENV")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Waits for `child` (killing it after `timeout`); returns the exit code
/// (128+N for a signal), stdout and stderr.
pub fn wait_output(mut child: Child, timeout: Duration) -> (i32, String, String) {
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    (
        code,
        t_out.join().unwrap_or_default(),
        t_err.join().unwrap_or_default(),
    )
}

/// The last run's events (`irongate events --run last --json`).
pub fn events(home: &Path) -> Vec<Value> {
    let out = Command::new(bin())
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(home)
        .output()
        .expect("irongate events");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Whether `actual` has every field of `pattern` (recursively; strings
/// exactly or, with a `re:` prefix, by regex search; `count` ignored).
pub fn matches(pattern: &Value, actual: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .filter(|(k, _)| k.as_str() != "count")
            .all(|(k, p)| actual.get(k).is_some_and(|a| matches(p, a))),
        Value::String(p) => match p.strip_prefix("re:") {
            Some(re) => {
                let re = regex::Regex::new(re).expect("regex in expectation");
                match actual {
                    Value::String(s) => re.is_match(s),
                    other => re.is_match(&other.to_string()),
                }
            }
            None => actual.as_str() == Some(p),
        },
        other => other == actual,
    }
}

/// How many events match `pattern`.
pub fn count(events: &[Value], pattern: &Value) -> usize {
    events.iter().filter(|e| matches(pattern, e)).count()
}

/// One line per event, for failure messages.
pub fn listing(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| {
            format!(
                "  {} {} unexplained={} {} {}",
                e["layer"].as_str().unwrap_or(""),
                e["decision"].as_str().unwrap_or(""),
                e["unexplained"],
                e["action"],
                e["reason"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The expectations an agent script carries.
#[derive(Debug, Default)]
pub struct Expect {
    /// Extra `irongate run` arguments.
    pub args: Vec<String>,
    /// Exit status.
    pub exit: i64,
    /// Substrings of stdout.
    pub stdout: Vec<String>,
    /// Substrings of stderr.
    pub stderr: Vec<String>,
    /// Files to create in the work dir first.
    pub files: Vec<(String, String)>,
    /// Seconds before the run is killed.
    pub timeout: u64,
    /// (pattern, wanted): at least one (or exactly `count`) / none.
    pub events: Vec<(Value, bool)>,
    /// Start processes outside the agent's tree first (`"outside": true`).
    pub outside: bool,
    /// Capabilities the run starts without (`"drop_caps": ["sys_ptrace"]`:
    /// a supervisor as in a container's default profile).
    pub drop_caps: Vec<String>,
}

/// Reads the expectation lines of `script` with the scratch's placeholders.
pub fn expectations(script: &Path, s: &Scratch) -> Expect {
    parse_expectations(script, &|line| s.subst(line))
}

/// Reads the expectation lines of `script`, replacing placeholders with
/// `subst`.
pub fn parse_expectations(script: &Path, subst: &dyn Fn(&str) -> String) -> Expect {
    let text = std::fs::read_to_string(script).expect("read script");
    let mut e = Expect {
        timeout: 60,
        ..Expect::default()
    };
    let parse = |body: &str| -> Value {
        serde_json::from_str(&subst(body.trim()))
            .unwrap_or_else(|err| panic!("{}: bad expectation {body}: {err}", script.display()))
    };
    let strings = |v: &Value, k: &str| -> Vec<String> {
        v.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for line in text.lines() {
        if let Some(body) = line.strip_prefix("# irongate:") {
            let v = parse(body);
            e.args = strings(&v, "args");
            e.stdout = strings(&v, "stdout");
            e.stderr = strings(&v, "stderr");
            e.exit = v.get("exit").and_then(Value::as_i64).unwrap_or(0);
            e.timeout = v.get("timeout").and_then(Value::as_u64).unwrap_or(60);
            e.outside = v.get("outside").and_then(Value::as_bool).unwrap_or(false);
            e.drop_caps = strings(&v, "drop_caps");
            if let Some(Value::Object(files)) = v.get("files") {
                e.files = files
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect();
            }
        } else if let Some(body) = line.strip_prefix("# event:") {
            e.events.push((parse(body), true));
        } else if let Some(body) = line.strip_prefix("# no-event:") {
            e.events.push((parse(body), false));
        }
    }
    e
}

/// Runs an agent script from `integration/agents/` with its own
/// expectations, optionally under `prefix`; returns the problems found.
pub fn check_agent(name: &str, prefix: &[&str]) -> Vec<String> {
    let script = root().join("integration/agents").join(name);
    let s = Scratch::new();
    let e = expectations(&script, &s);
    for (rel, content) in &e.files {
        let p = s.work.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write file");
    }
    let child = run_command(&s, prefix, &e.args, &script)
        .spawn()
        .expect("spawn irongate");
    let (code, stdout, stderr) = wait_output(child, Duration::from_secs(e.timeout));
    let evs = events(&s.home);
    let mut problems = Vec::new();
    if i64::from(code) != e.exit {
        problems.push(format!("exit status {code}, expected {}", e.exit));
    }
    for want in &e.stdout {
        if !stdout.contains(want.as_str()) {
            problems.push(format!("stdout lacks {want:?}"));
        }
    }
    for (pattern, wanted) in &e.events {
        let n = count(&evs, pattern);
        let ok = match (wanted, pattern.get("count").and_then(Value::as_u64)) {
            (true, Some(c)) => n as u64 == c,
            (true, None) => n > 0,
            (false, _) => n == 0,
        };
        if !ok {
            let kind = if *wanted { "event" } else { "no-event" };
            problems.push(format!("{kind} {pattern} matched {n} events"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "{name}:\n stdout:\n{stdout}\n stderr:\n{stderr}\n events:\n{}",
            listing(&evs)
        ));
    }
    problems
}
