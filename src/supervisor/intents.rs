//! Hook-layer decisions remembered for the kernel layer.
//!
//! When the supervisor allows an operation at the hook layer it records what
//! the operation will do at the syscall level, keyed by thread. A trapped
//! syscall that matches is "explained": it is the same operation, already
//! decided and logged. Matching is only classification: the supervisor made
//! the decision that the intent records, so a forged intent buys nothing it
//! could not get by asking honestly.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an intent waits for its syscall.
const TTL: Duration = Duration::from_secs(5);

/// Bound on remembered intents (a hostile agent can create many).
const MAX_INTENTS: usize = 4096;

/// What the syscall will look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A read-only open (or directory listing) of this real path.
    Open(String),
    /// An open with write intent of this real path.
    OpenWrite(String),
    /// A path operation (`delete`, `rename`, `mkdir`, `link`, `symlink`,
    /// `chmod`, `chown`, `truncate`) on this real path.
    Path(&'static str, String),
    /// An exec of this program with these arguments (argv[1..], see
    /// [`exec_args_key`]) by the thread or a child it forks.
    Exec(String, String),
}

#[derive(Debug)]
struct Intent {
    pid: i32,
    tid: i64,
    op: Op,
    /// For opens: the path as the agent spelled it.
    raw: Option<String>,
    expires: Instant,
}

/// The remembered intents of a run.
#[derive(Debug, Default)]
pub struct Intents {
    list: Mutex<Vec<Intent>>,
}

impl Intents {
    /// Records an allowed hook-layer operation.
    pub fn record(&self, pid: i32, tid: i64, op: Op, raw: Option<String>) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        list.retain(|i| i.expires > now);
        if list.len() >= MAX_INTENTS {
            list.remove(0);
        }
        list.push(Intent {
            pid,
            tid,
            op,
            raw,
            expires: now + TTL,
        });
    }

    /// Consumes the open intent of thread `tid` for the path spelled `raw`
    /// and returns the real path that was judged. The caller opens the file
    /// and checks that it reached that path, so no resolution is needed
    /// here (the hook layer did it, and a changed cwd or a swapped link shows
    /// up as a different real path).
    pub fn take_open(&self, tid: i64, raw: &str, write: bool) -> Option<String> {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let idx = list.iter().position(|i| {
            i.expires > now
                && i.tid == tid
                && match &i.op {
                    Op::Open(real) if !write => i.raw.as_deref().unwrap_or(real) == raw,
                    Op::OpenWrite(real) if write => i.raw.as_deref().unwrap_or(real) == raw,
                    _ => false,
                }
        })?;
        match list.remove(idx).op {
            Op::Open(real) | Op::OpenWrite(real) => Some(real),
            _ => None,
        }
    }

    /// Consumes the intent that explains a syscall of thread `tid` (process
    /// `pid`, whose parent is `ppid`), if any. An exec may come from a child
    /// the thread forked (subprocess's vfork child).
    pub fn take(&self, pid: i32, tid: i64, ppid: i32, op: &Op) -> bool {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let found = list.iter().position(|i| {
            i.expires > now
                && match (op, &i.op) {
                    (Op::Exec(..), Op::Exec(..)) => i.op == *op && (i.pid == pid || i.pid == ppid),
                    _ => i.tid == tid && i.op == *op,
                }
        });
        match found {
            // Each intent explains one syscall. (A PATH walk's misses never
            // get here: a program that does not exist is answered ENOENT.)
            Some(idx) => {
                list.remove(idx);
                true
            }
            None => false,
        }
    }
}

/// The arguments of an exec as intents compare them: argv without argv[0]
/// (libc's `system` passes `sh` where Python's event says `/bin/sh`).
pub fn exec_args_key<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .skip(1)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("\0")
}
