//! The agent side of the IPC: one connection per agent thread.
//!
//! Each thread has its own connection, so a thread held by a review never
//! stalls the others, and no lock is shared between threads. A process
//! forked by the agent (`os.fork`, multiprocessing's fork start method)
//! inherits the forking thread's connection; it must never use it (requests
//! from two processes on one socket would steal each other's replies), so a
//! connection is keyed by pid and a process whose pid differs opens its own.

use std::cell::RefCell;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::ipc::{self, FrameError, JoinKind, Reply, Request};

/// Where the supervisor listens; set once before the interpreter starts.
static SOCKET_PATH: OnceLock<PathBuf> = OnceLock::new();

/// What the supervisor told us at the first connection.
static WELCOME: OnceLock<Welcome> = OnceLock::new();

/// The process that has joined the run (0: none yet).
static JOINED_PID: AtomicI32 = AtomicI32::new(0);

/// The supervisor's answer to our first `Hello`.
#[derive(Debug, Clone)]
pub struct Welcome {
    /// Path to set as `sys.executable`.
    pub launcher: String,
    /// The interpreter whose environment the agent runs in.
    pub program_name: String,
    /// The supervisor's pid.
    pub supervisor_pid: i32,
    /// Runtime directories (see `Reply::Welcome`).
    pub runtime_dirs: Vec<String>,
}

/// How long a thread tries for its verdict before sleeping (the GIL is
/// released meanwhile). Most verdicts come well within it; sleeping instead
/// costs a wake-up of a halted CPU, tens of µs on a VM.
const REPLY_SPIN: std::time::Duration = std::time::Duration::from_micros(100);

thread_local! {
    /// Replies still to read for deferred requests on this thread's
    /// connection, and the message of the last deferred request refused.
    static DEFERRED: RefCell<(u32, Option<String>)> = const { RefCell::new((0, None)) };
    /// This connection has carried an event (and so this thread's id) to
    /// the supervisor, which then knows to await its deferred opens.
    static KNOWN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// This thread's connection and the pid it was opened for.
    static CONN: RefCell<Option<(i32, OwnedFd)>> = const { RefCell::new(None) };
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; ipc::MAX_FRAME + 1]);
}

fn pid() -> i32 {
    std::process::id() as i32
}

/// Joins the run from this process (the agent itself, or a Python child
/// through the launcher) and says hello.
pub fn connect(path: PathBuf, kind: JoinKind, argv: Vec<String>) -> Result<Welcome, FrameError> {
    let _ = SOCKET_PATH.set(path);
    let fd = open_connection(kind, argv)?;
    JOINED_PID.store(pid(), Ordering::Release);
    CONN.with(|c| *c.borrow_mut() = Some((pid(), fd)));
    WELCOME.get().cloned().ok_or(FrameError::Closed)
}

/// What the supervisor said at the first connection, if connected.
pub fn welcome() -> Option<&'static Welcome> {
    WELCOME.get()
}

fn open_connection(kind: JoinKind, argv: Vec<String>) -> Result<OwnedFd, FrameError> {
    let path = SOCKET_PATH.get().ok_or(FrameError::Closed)?;
    let fd = ipc::connect(path)?;
    match exchange(&fd, &Request::Hello { kind, argv })? {
        Reply::Welcome {
            launcher,
            program_name,
            supervisor_pid,
            runtime_dirs,
        } => {
            let _ = WELCOME.set(Welcome {
                launcher,
                program_name,
                supervisor_pid,
                runtime_dirs,
            });
            Ok(fd)
        }
        Reply::Error { message } => Err(FrameError::Io(std::io::Error::other(message))),
        _ => Err(FrameError::Closed),
    }
}

fn exchange(fd: &OwnedFd, req: &Request) -> Result<Reply, FrameError> {
    ipc::send_frame(fd.as_fd(), &ipc::encode(req))?;
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let n = ipc::recv_frame_spinning(fd.as_fd(), &mut buf, REPLY_SPIN)?;
        ipc::decode(&buf[..n])
    })
}

/// Sends one request on this thread's connection and waits for its reply.
/// Callers release the GIL around this call.
pub fn request(req: &Request) -> Result<Reply, FrameError> {
    with_connection(|fd| {
        drain(fd)?;
        let reply = exchange(fd, req)?;
        if matches!(req, Request::Event { .. }) {
            KNOWN.with(|k| k.set(true));
        }
        Ok(reply)
    })
}

/// True when this thread's next open may be deferred: its connection is
/// open and has carried one event already.
pub fn may_defer() -> bool {
    let me = pid();
    CONN.with(|c| c.borrow().as_ref().is_some_and(|(p, _)| *p == me)) && KNOWN.with(|k| k.get())
}

/// Sends a deferred request (see `Request::Event::deferred`) without
/// waiting: its reply is read before the next request, or by
/// [`deferred_refusal`].
pub fn defer(req: &Request) -> Result<(), FrameError> {
    with_connection(|fd| {
        drain(fd)?;
        ipc::send_frame(fd.as_fd(), &ipc::encode(req))?;
        DEFERRED.with(|d| d.borrow_mut().0 += 1);
        Ok(())
    })
}

/// The message of the last deferred request the supervisor refused, once
/// (the bootstrap turns the kernel's plain `EACCES` into it).
pub fn deferred_refusal() -> Option<String> {
    let _ = with_connection(drain);
    DEFERRED.with(|d| d.borrow_mut().1.take())
}

/// Reads the replies of this thread's deferred requests. They are already
/// queued: the supervisor answers before the syscall the request preceded
/// returns.
fn drain(fd: &OwnedFd) -> Result<(), FrameError> {
    while DEFERRED.with(|d| d.borrow().0) > 0 {
        let reply = BUF.with(|buf| {
            let mut buf = buf.borrow_mut();
            let n = ipc::recv_frame_spinning(fd.as_fd(), &mut buf, REPLY_SPIN)?;
            ipc::decode::<Reply>(&buf[..n])
        })?;
        DEFERRED.with(|d| {
            let mut d = d.borrow_mut();
            d.0 -= 1;
            if let Reply::Verdict {
                decision, message, ..
            } = reply
                && decision != "allow"
            {
                d.1 = Some(message);
            }
        });
    }
    Ok(())
}

fn with_connection<T>(f: impl FnOnce(&OwnedFd) -> Result<T, FrameError>) -> Result<T, FrameError> {
    CONN.with(|conn| {
        let mut conn = conn.borrow_mut();
        let me = pid();
        if conn.as_ref().map(|(p, _)| *p) != Some(me) {
            // A new thread of a joined process, or a forked process that has
            // not joined yet (its inherited connection is dropped unused).
            let kind = if JOINED_PID.load(Ordering::Acquire) == me {
                JoinKind::Thread
            } else {
                JoinKind::Fork
            };
            *conn = None;
            // Replies owed on the old connection never come on the new one.
            DEFERRED.with(|d| *d.borrow_mut() = (0, None));
            KNOWN.with(|k| k.set(false));
            let fd = open_connection(kind, Vec::new())?;
            if kind == JoinKind::Fork {
                JOINED_PID.store(me, Ordering::Release);
            }
            *conn = Some((me, fd));
        }
        match conn.as_ref() {
            Some((_, fd)) => f(fd),
            None => Err(FrameError::Closed),
        }
    })
}
