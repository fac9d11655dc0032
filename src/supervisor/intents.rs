//! Hook-layer decisions remembered for the kernel layer.
//!
//! When the supervisor allows an operation at the hook layer it records what
//! the operation will do at the syscall level, keyed by thread. A trapped
//! syscall that matches is "explained": it is the same operation, already
//! decided and logged. Matching is only classification: the supervisor made
//! the decision that the intent records, so a forged intent buys nothing it
//! could not get by asking honestly — provided an intent explains only a
//! call that does exactly what was decided: both paths of a rename or link,
//! the family, address and port of a connect, the program, argv, changed
//! environment variables and directory of an exec, and each intent one
//! call only.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::action::{FileOp, NetOp};

use crate::action::WRITE_FLAGS;

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
    /// A one-path operation (`delete`, `mkdir`, `create`, `symlink`,
    /// `truncate`) on this real path.
    Path(FileOp, String),
    /// A `chown` of this real path to this owner (`uid:gid`, see
    /// `events::chown_owner_text`): the owner is part of what was decided.
    Chown(String, String),
    /// A `chmod` of this real path to this mode (its permission bits, as
    /// the kernel keeps them): the mode is part of what was decided (a rule
    /// or a reviewer may allow one mode and not another).
    Chmod(String, u32),
    /// A two-path operation (`rename`, `link`): both real paths.
    Paths(FileOp, String, String),
    /// A `connect`, `bind` or `send` to this destination.
    Net(NetOp, NetKey),
    /// An exec by the thread or a child it forks.
    Exec {
        /// The program's real path.
        program: String,
        /// Whether it is a Python interpreter (`process_class`).
        python: bool,
        /// The file that path reached when the kernel layer judged it (what
        /// the exec's re-check after the freeze compares); not part of what
        /// an intent explains (the hook layer's decision carries `python`).
        file: Option<super::paths::FileId>,
        /// Its arguments (argv[1..], see [`exec_args_key`]).
        args: String,
        /// The variables its environment sets or changes (sorted,
        /// [`super::launch_env`]).
        env_changes: Vec<String>,
        /// The real path of the directory it starts in.
        cwd: String,
    },
}

/// A network destination as an intent records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetKey {
    /// An address family's address and port: a syscall to one of `ips` on
    /// `port` (a hook-layer connect to a host name may reach any address
    /// the supervisor's own lookup of that name returned).
    Inet {
        /// The addresses the decision covers.
        ips: Vec<IpAddr>,
        /// The port.
        port: u16,
    },
    /// A Unix socket: its real path, or `@name` for an abstract one.
    Unix(String),
}

/// True when the intent `decided` explains the syscall `seen`: the same
/// operation on the same whole destination.
pub fn explains(decided: &Op, seen: &Op) -> bool {
    match (decided, seen) {
        (
            Op::Net(a, NetKey::Inet { ips, port }),
            Op::Net(
                b,
                NetKey::Inet {
                    ips: seen_ips,
                    port: seen_port,
                },
            ),
        ) => a == b && port == seen_port && seen_ips.len() == 1 && ips.contains(&seen_ips[0]),
        _ => decided == seen,
    }
}

#[derive(Debug)]
struct Intent {
    pid: i32,
    tid: i64,
    op: Op,
    /// For opens: the path as the agent spelled it.
    raw: Option<String>,
    /// For opens decided with their flags: those of [`OPEN_FLAGS`]. A rule
    /// (or a reviewer) that allowed an append (`"mode": "a"`) allowed no
    /// truncating open of the same file.
    flags: Option<i64>,
    expires: Instant,
}

/// Open flags an open's intent must match exactly (`O_CLOEXEC` and the
/// like may differ between the audit event and the syscall).
pub const OPEN_FLAGS: i64 = (libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_TMPFILE
    | libc::O_PATH) as i64;

/// True when an intent decided with `decided` flags (if any) explains an
/// open with `seen` flags.
fn same_open_flags(decided: Option<i64>, seen: Option<i64>) -> bool {
    match (decided, seen) {
        (None, _) => true,
        (Some(d), Some(s)) => (d ^ s) & OPEN_FLAGS == 0,
        (Some(_), None) => false,
    }
}

/// The remembered intents of a run.
#[derive(Debug, Default)]
pub struct Intents {
    list: Mutex<Vec<Intent>>,
}

impl Intents {
    /// Records an allowed hook-layer operation (`flags`: an open's, when it
    /// was decided with them).
    pub fn record(&self, pid: i32, tid: i64, op: Op, raw: Option<String>, flags: Option<i64>) {
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
            flags,
            expires: now + TTL,
        });
    }

    /// Consumes the newest open intent of thread `tid` for the path spelled
    /// `raw` (an older one may be stale: its open never came)
    /// and returns the real path that was judged. The caller opens the file
    /// and checks that it reached that path, so no resolution is needed
    /// here (the hook layer did it, and a changed cwd or a swapped link shows
    /// up as a different real path).
    pub fn take_open(&self, tid: i64, raw: &str, flags: i64) -> Option<String> {
        let write = flags & WRITE_FLAGS != 0;
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let idx = list.iter().rposition(|i| {
            i.expires > now
                && i.tid == tid
                && same_open_flags(i.flags, Some(flags))
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
    /// the thread forked (subprocess's vfork child). `flags`: an open's.
    pub fn take(&self, pid: i32, tid: i64, ppid: i32, op: &Op, flags: Option<i64>) -> bool {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let found = list.iter().position(|i| {
            i.expires > now
                && match (op, &i.op) {
                    (Op::Exec { .. }, Op::Exec { .. }) => {
                        same_exec(&i.op, op) && (i.pid == pid || i.pid == ppid)
                    }
                    (Op::Open(_) | Op::OpenWrite(_), _) => {
                        i.tid == tid && explains(&i.op, op) && same_open_flags(i.flags, flags)
                    }
                    _ => i.tid == tid && explains(&i.op, op),
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

/// Whether an exec intent explains an exec: the same program, class,
/// arguments, environment changes and directory (the file identities are
/// the kernel layer's own, not compared).
fn same_exec(intent: &Op, call: &Op) -> bool {
    match (intent, call) {
        (
            Op::Exec {
                program,
                python,
                args,
                env_changes,
                cwd,
                file: _,
            },
            Op::Exec {
                program: p2,
                python: py2,
                args: a2,
                env_changes: e2,
                cwd: c2,
                file: _,
            },
        ) => program == p2 && python == py2 && args == a2 && env_changes == e2 && cwd == c2,
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(ips: &[&str], port: u16) -> NetKey {
        NetKey::Inet {
            ips: ips.iter().map(|i| i.parse().expect("ip")).collect(),
            port,
        }
    }

    #[test]
    fn a_connect_is_explained_only_by_its_whole_destination() {
        let decided = Op::Net(NetOp::Connect, inet(&["127.0.0.2"], 9999));
        assert!(explains(
            &decided,
            &Op::Net(NetOp::Connect, inet(&["127.0.0.2"], 9999))
        ));
        // Same port, other address: not this decision.
        assert!(!explains(
            &decided,
            &Op::Net(NetOp::Connect, inet(&["127.0.0.1"], 9999))
        ));
        assert!(!explains(
            &decided,
            &Op::Net(NetOp::Connect, inet(&["127.0.0.2"], 9998))
        ));
        assert!(!explains(
            &decided,
            &Op::Net(NetOp::Send, inet(&["127.0.0.2"], 9999))
        ));
        let name = Op::Net(NetOp::Connect, inet(&["10.0.0.1", "10.0.0.2"], 443));
        assert!(explains(
            &name,
            &Op::Net(NetOp::Connect, inet(&["10.0.0.2"], 443))
        ));
    }

    #[test]
    fn a_rename_is_explained_only_with_both_paths() {
        let decided = Op::Paths(FileOp::Rename, "/w/a".into(), "/w/b".into());
        assert!(explains(
            &decided,
            &Op::Paths(FileOp::Rename, "/w/a".into(), "/w/b".into())
        ));
        assert!(!explains(
            &decided,
            &Op::Paths(FileOp::Rename, "/w/a".into(), "/secret/b".into())
        ));
    }

    #[test]
    fn a_chmod_is_explained_only_with_its_mode() {
        let decided = Op::Chown("/w/f".into(), "1000:1000".into());
        assert!(explains(
            &decided,
            &Op::Chown("/w/f".into(), "1000:1000".into())
        ));
        assert!(!explains(&decided, &Op::Chown("/w/f".into(), "0:0".into())));
        assert!(!explains(
            &decided,
            &Op::Chown("/w/g".into(), "1000:1000".into())
        ));
        let decided = Op::Chmod("/w/run.sh".into(), 0o644);
        assert!(explains(&decided, &Op::Chmod("/w/run.sh".into(), 0o644)));
        assert!(!explains(&decided, &Op::Chmod("/w/run.sh".into(), 0o4777)));
        assert!(!explains(
            &decided,
            &Op::Path(FileOp::Chmod, "/w/run.sh".into())
        ));
    }

    #[test]
    fn each_intent_explains_one_call() {
        let intents = Intents::default();
        let op = Op::Paths(FileOp::Rename, "/w/a".into(), "/w/b".into());
        intents.record(10, 11, op.clone(), None, None);
        assert!(intents.take(10, 11, 0, &op, None));
        assert!(!intents.take(10, 11, 0, &op, None));
        // Another thread does not inherit it.
        intents.record(10, 11, op.clone(), None, None);
        assert!(!intents.take(10, 12, 0, &op, None));
    }

    #[test]
    fn an_open_is_explained_only_with_its_flags() {
        let intents = Intents::default();
        let (wr, cr, ap, tr, cx) = (
            i64::from(libc::O_WRONLY),
            i64::from(libc::O_CREAT),
            i64::from(libc::O_APPEND),
            i64::from(libc::O_TRUNC),
            i64::from(libc::O_CLOEXEC),
        );
        let op = Op::OpenWrite("/w/log".into());
        intents.record(10, 11, op.clone(), None, Some(wr | cr | ap));
        // A truncating open of the same file is not the append decided.
        assert!(!intents.take(10, 11, 0, &op, Some(wr | tr)));
        assert!(intents.take_open(11, "/w/log", wr | tr).is_none());
        // The same open, with O_CLOEXEC added by the runtime, is.
        assert_eq!(
            intents
                .take_open(11, "/w/log", wr | cr | ap | cx)
                .as_deref(),
            Some("/w/log")
        );
        intents.record(10, 11, op.clone(), None, Some(wr | cr | ap));
        assert!(intents.take(10, 11, 0, &op, Some(wr | cr | ap | cx)));
    }
}
