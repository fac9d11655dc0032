//! Announcing held operations where the human is (R-53): on irongate's own
//! stderr at once, to an `--on-review` command as JSON, and — when stdin is
//! a terminal and `--no-prompt` is not given — as an interactive question.
//!
//! Everything shown comes partly from the agent (paths, commands, frames):
//! it is printed with control characters escaped, so an agent cannot move
//! the cursor, clear the screen or forge lines inside the announcement.
//! The answer is read from irongate's stdin; the agent cannot type into the
//! terminal (`TIOCSTI` is refused at the kernel layer). SECURITY_MODEL.md
//! says what it can still do (print lookalike text of its own).

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{self as review, Answer};
use crate::action::Action;
use crate::audit::{ReviewVia, Store};
use crate::policy::overlay::Widen;
use crate::policy::{RuleRef, Verdict};

/// A pending review as announced.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The held event's id: the one `approve` takes.
    pub id: i64,
    /// Its run.
    pub run_id: i64,
    /// The agent name.
    pub agent: String,
    /// The action (JSON).
    pub action: Value,
    /// The rule that sent it to review.
    pub rule: Option<RuleRef>,
    /// The rule's reason.
    pub reason: String,
    /// The agent's frame (`file:line`), if known.
    pub frame: Option<String>,
    /// Unix seconds.
    pub created_at: f64,
    /// Unix seconds.
    pub expires_at: f64,
}

impl Notice {
    /// The JSON given to `--on-review` on stdin.
    pub fn to_json(&self, dashboard: Option<&str>) -> Value {
        json!({
            "id": self.id,
            "run_id": self.run_id,
            "agent": self.agent,
            "action": self.action,
            "summary": self.summary(),
            "rule": self.rule,
            "reason": self.reason,
            "frame": self.frame,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "approve": format!("irongate approvals approve {}", self.id),
            "deny": format!("irongate approvals deny {}", self.id),
            "dashboard": dashboard,
        })
    }

    /// The action in one line.
    pub fn summary(&self) -> String {
        match Action::from_json(&self.action) {
            Ok(a) => a.describe(),
            Err(_) => self.action.to_string(),
        }
    }

    fn rule_text(&self) -> String {
        match &self.rule {
            Some(r) => match &r.name {
                Some(n) => format!("#{} {}", r.index, printable(n)),
                None => format!("#{}", r.index),
            },
            None => "(capability gate)".into(),
        }
    }

    /// The lines printed on stderr.
    pub fn text(&self, dashboard: Option<&str>) -> String {
        let left = (self.expires_at - crate::audit::now()).max(0.0).round();
        let mut s = format!(
            "irongate: REVIEW {id} — agent {agent:?} (run {run}) is waiting, {left}s left\n\
             irongate:   action: {action}\n\
             irongate:   rule:   {rule} — {reason}\n\
             irongate:   frame:  {frame}\n\
             irongate:   decide: irongate approvals approve {id}   |   irongate approvals deny {id}\n",
            id = self.id,
            agent = printable(&self.agent),
            run = self.run_id,
            action = printable(&self.summary()),
            rule = self.rule_text(),
            reason = printable(&self.reason),
            frame = printable(self.frame.as_deref().unwrap_or("(unknown: kernel layer)")),
        );
        if let Some(url) = dashboard {
            s.push_str(&format!("irongate:   or open the dashboard: {url}\n"));
        }
        s
    }
}

pub use crate::terminal::printable;

/// How reviews are announced for one run.
pub struct Notifier {
    /// Print announcements on stderr.
    print: bool,
    on_review: Option<String>,
    dashboard: Mutex<Option<String>>,
    prompt: Option<Prompt>,
}

impl Notifier {
    /// Announces nothing (tests, library use).
    pub fn silent() -> Notifier {
        Notifier {
            print: false,
            on_review: None,
            dashboard: Mutex::new(None),
            prompt: None,
        }
    }

    /// Announces on stderr; runs `on_review` for each review; asks on the
    /// terminal when `prompt` (the caller checked that stdin is a terminal).
    /// Starts a thread when prompting: call it after the fork.
    pub fn new(home: &Path, on_review: Option<String>, prompt: bool) -> Notifier {
        Notifier {
            print: true,
            on_review,
            dashboard: Mutex::new(None),
            prompt: prompt.then(|| Prompt::start(home)),
        }
    }

    /// The dashboard's URL (without the token), once it serves.
    pub fn set_dashboard(&self, url: &str) {
        if let Ok(mut d) = self.dashboard.lock() {
            *d = Some(url.to_owned());
        }
    }

    fn dashboard_url(&self, id: i64) -> Option<String> {
        self.dashboard
            .lock()
            .ok()
            .and_then(|d| d.clone())
            .map(|u| format!("{u}#review={id}"))
    }

    /// A review has started waiting.
    pub fn announce(&self, n: &Notice) {
        let url = self.dashboard_url(n.id);
        if self.print {
            let text = n.text(url.as_deref());
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
        if let Some(cmd) = &self.on_review {
            run_hook(cmd, n.to_json(url.as_deref()));
        }
        if let Some(p) = &self.prompt {
            p.ask(n.id, printable(&n.summary()));
        }
    }

    /// A review has ended with `verdict`.
    pub fn settled(&self, id: i64, verdict: &Verdict) {
        if let Some(p) = &self.prompt {
            p.forget(id);
        }
        if self.print {
            eprintln!(
                "irongate: review {id}: {} ({})",
                verdict.decision.as_str(),
                printable(&verdict.reason)
            );
        }
    }
}

/// Runs `--on-review CMD` with the review on stdin, in the background. Its
/// exit status and output are only reported: it never decides anything.
fn run_hook(cmd: &str, doc: Value) {
    let cmd = cmd.to_owned();
    let spawned = std::thread::Builder::new()
        .name("on-review".into())
        .spawn(move || {
            use std::process::{Command, Stdio};
            let child = Command::new("/bin/sh")
                .arg("-c")
                .arg(&cmd)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn();
            let mut child = match child {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("irongate: --on-review {cmd:?} cannot start: {e}");
                    return;
                }
            };
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(doc.to_string().as_bytes());
                let _ = stdin.write_all(b"\n");
            }
            // The supervisor reaps every child (it is a subreaper), so the
            // status may already be gone: only a status seen is reported.
            if let Ok(status) = child.wait()
                && !status.success()
            {
                eprintln!(
                    "irongate: --on-review {cmd:?} failed ({status}); the review still waits"
                );
            }
        });
    if let Err(e) = spawned {
        eprintln!("irongate: --on-review cannot start a thread: {e}");
    }
}

/// Reviews waiting for a terminal answer: (id, one-line summary).
type Queue = (Mutex<VecDeque<(i64, String)>>, Condvar);

/// The terminal prompt: one question at a time, for the oldest review
/// still waiting; answered on irongate's stdin.
struct Prompt {
    queue: Arc<Queue>,
}

impl Prompt {
    fn start(home: &Path) -> Prompt {
        let queue: Arc<Queue> = Arc::default();
        let q = Arc::clone(&queue);
        let home = home.to_path_buf();
        let _ = std::thread::Builder::new()
            .name("review-prompt".into())
            .spawn(move || prompt_loop(&home, &q));
        Prompt { queue }
    }

    fn ask(&self, id: i64, summary: String) {
        let (m, cv) = &*self.queue;
        if let Ok(mut q) = m.lock() {
            q.push_back((id, summary));
            cv.notify_all();
        }
    }

    fn forget(&self, id: i64) {
        let (m, cv) = &*self.queue;
        if let Ok(mut q) = m.lock() {
            q.retain(|(i, _)| *i != id);
            cv.notify_all();
        }
    }
}

/// What a typed line means.
#[derive(Debug, PartialEq, Eq)]
enum Typed {
    Approve,
    Deny,
    Remember,
    Skip,
    Unknown,
}

fn parse_answer(line: &str) -> Typed {
    match line.trim().to_ascii_lowercase().as_str() {
        "a" | "y" | "yes" | "approve" => Typed::Approve,
        "d" | "n" | "no" | "deny" => Typed::Deny,
        "r" | "remember" | "always" => Typed::Remember,
        "" | "s" | "skip" => Typed::Skip,
        _ => Typed::Unknown,
    }
}

fn prompt_loop(home: &Path, queue: &Queue) {
    let (m, cv) = queue;
    loop {
        let (id, summary) = {
            let Ok(mut q) = m.lock() else { return };
            while q.is_empty() {
                q = match cv.wait(q) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
            q[0].clone()
        };
        eprint!(
            "irongate: review {id} ({summary}): [a]pprove, [d]eny, [r] approve and remember, Enter to leave it waiting > "
        );
        let _ = std::io::stderr().flush();
        let line = loop {
            let still_waiting = m
                .lock()
                .map(|q| q.iter().any(|(i, _)| *i == id))
                .unwrap_or(false);
            if !still_waiting {
                eprintln!("\nirongate: review {id} was decided elsewhere");
                break None;
            }
            match read_line_timeout(Duration::from_millis(50)) {
                Ok(Some(l)) => break Some(l),
                Ok(None) => {}
                Err(()) => {
                    // stdin closed or unreadable: stop asking.
                    eprintln!("\nirongate: the terminal prompt stopped (stdin closed)");
                    return;
                }
            }
        };
        let Some(line) = line else { continue };
        let (allow, remember) = match parse_answer(&line) {
            Typed::Approve => (true, false),
            Typed::Deny => (false, false),
            Typed::Remember => (true, true),
            Typed::Skip => {
                eprintln!("irongate: review {id} left waiting");
                if let Ok(mut q) = m.lock() {
                    q.retain(|(i, _)| *i != id);
                }
                continue;
            }
            Typed::Unknown => {
                eprintln!("irongate: answer a, d, r or Enter");
                continue;
            }
        };
        let result = Store::open(home)
            .map_err(|e| e.to_string())
            .and_then(|store| {
                review::answer(
                    home,
                    &store,
                    &Answer {
                        id,
                        allow,
                        remember: remember.then(Widen::default),
                        by: review::os_user(),
                        via: ReviewVia::Cli,
                        reason: Some("answered at the terminal prompt".into()),
                    },
                )
                .map_err(|e| e.to_string())
            });
        match result {
            Ok(d) => {
                if let Some(a) = d.allowance {
                    eprintln!(
                        "irongate: remembered as approval {}: {}",
                        a.id,
                        printable(&a.explain())
                    );
                }
            }
            Err(e) => eprintln!("irongate: review {id}: {e}"),
        }
        if let Ok(mut q) = m.lock() {
            q.retain(|(i, _)| *i != id);
        }
    }
}

/// One line from stdin if one arrives within `d`; `Err` when stdin is
/// closed. Reads the raw descriptor (no buffering), so nothing typed for a
/// later question is swallowed.
fn read_line_timeout(d: Duration) -> Result<Option<String>, ()> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::BorrowedFd;
    // SAFETY: fd 0 stays open for the life of the process; it is only
    // borrowed for this call.
    let stdin = unsafe { BorrowedFd::borrow_raw(0) };
    let mut fds = [PollFd::new(stdin, PollFlags::POLLIN)];
    let ms = u16::try_from(d.as_millis()).unwrap_or(u16::MAX);
    match poll(&mut fds, PollTimeout::from(ms)) {
        Ok(0) => return Ok(None),
        Ok(_) => {}
        Err(nix::errno::Errno::EINTR) => return Ok(None),
        Err(_) => return Err(()),
    }
    let revents = fds[0].revents().unwrap_or(PollFlags::empty());
    if !revents.contains(PollFlags::POLLIN) {
        return if revents.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
            Err(())
        } else {
            Ok(None)
        };
    }
    let mut buf = [0u8; 512];
    match nix::unistd::read(stdin, &mut buf) {
        Ok(0) => Err(()),
        Ok(n) => Ok(Some(String::from_utf8_lossy(&buf[..n]).into_owned())),
        Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => Ok(None),
        Err(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let s = printable("/tmp/\x1b[2J\x1b[1Aok\nirongate: approved\u{202e}");
        assert!(!s.chars().any(|c| c.is_control()), "{s}");
        assert!(s.contains("\\u{1b}[2J"), "{s}");
        assert!(s.contains("\\u{a}irongate"), "{s}");
        assert!(s.contains("\\u{202e}"), "{s}");
    }

    #[test]
    fn answers() {
        assert_eq!(parse_answer("a\n"), Typed::Approve);
        assert_eq!(parse_answer(" Deny "), Typed::Deny);
        assert_eq!(parse_answer("r"), Typed::Remember);
        assert_eq!(parse_answer("\n"), Typed::Skip);
        assert_eq!(parse_answer("rm -rf"), Typed::Unknown);
    }
}
