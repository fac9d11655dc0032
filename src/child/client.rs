//! The agent side of the IPC: one connection per agent process.
//!
//! A process forked by the agent (`os.fork`, multiprocessing's fork start
//! method) inherits the parent's connection and, possibly, a held lock. It
//! must never use either: requests from two processes on one socket would
//! steal each other's replies, and a lock held by a thread that does not exist
//! in the fork would deadlock. So the connection is keyed by pid: a process
//! whose pid differs from the connection's opens its own, leaving the
//! inherited one (and its mutex) untouched.

use std::cell::RefCell;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::ipc::{self, FrameError, JoinKind, Reply, Request};

/// Where the supervisor listens; set once before the interpreter starts.
static SOCKET_PATH: OnceLock<PathBuf> = OnceLock::new();

/// What the supervisor told us at the first connection.
static WELCOME: OnceLock<Welcome> = OnceLock::new();

/// The current process's connection. Leaked on purpose when replaced after a
/// fork (see the module comment).
static SLOT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());

struct Slot {
    pid: i32,
    conn: Mutex<OwnedFd>,
}

/// The supervisor's answer to our first `Hello`.
#[derive(Debug, Clone)]
pub struct Welcome {
    /// Path to set as `sys.executable`.
    pub launcher: String,
    /// The interpreter whose environment the agent runs in.
    pub program_name: String,
    /// The supervisor's pid.
    pub supervisor_pid: i32,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; ipc::MAX_FRAME + 1]);
}

/// Connects this process to the supervisor at `path` and says hello.
pub fn connect(path: PathBuf, kind: JoinKind, argv: Vec<String>) -> Result<Welcome, FrameError> {
    let _ = SOCKET_PATH.set(path);
    open_slot(kind, argv)?;
    WELCOME.get().cloned().ok_or(FrameError::Closed)
}

/// What the supervisor said at the first connection, if connected.
pub fn welcome() -> Option<&'static Welcome> {
    WELCOME.get()
}

fn open_slot(kind: JoinKind, argv: Vec<String>) -> Result<&'static Slot, FrameError> {
    let path = SOCKET_PATH.get().ok_or(FrameError::Closed)?;
    let fd = ipc::connect(path)?;
    let reply = exchange(&fd, &Request::Hello { kind, argv })?;
    match reply {
        Reply::Welcome {
            launcher,
            program_name,
            supervisor_pid,
        } => {
            let _ = WELCOME.set(Welcome {
                launcher,
                program_name,
                supervisor_pid,
            });
        }
        Reply::Error { message } => {
            return Err(FrameError::Io(std::io::Error::other(message)));
        }
        _ => return Err(FrameError::Closed),
    }
    let slot = Box::leak(Box::new(Slot {
        pid: std::process::id() as i32,
        conn: Mutex::new(fd),
    }));
    SLOT.store(slot, Ordering::Release);
    Ok(slot)
}

fn current_slot() -> Result<&'static Slot, FrameError> {
    let ptr = SLOT.load(Ordering::Acquire);
    let pid = std::process::id() as i32;
    // SAFETY: SLOT only ever holds null or a pointer from Box::leak, which
    // is never freed.
    match unsafe { ptr.as_ref() } {
        Some(slot) if slot.pid == pid => Ok(slot),
        Some(_) => open_slot(JoinKind::Fork, Vec::new()),
        None => Err(FrameError::Closed),
    }
}

fn exchange(fd: &OwnedFd, req: &Request) -> Result<Reply, FrameError> {
    ipc::send_frame(fd.as_fd(), &ipc::encode(req))?;
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let n = ipc::recv_frame(fd.as_fd(), &mut buf)?;
        ipc::decode(&buf[..n])
    })
}

/// Sends one request and waits for its reply. Callers release the GIL
/// around this call.
pub fn request(req: &Request) -> Result<Reply, FrameError> {
    let slot = current_slot()?;
    // A poisoned lock only means another thread panicked mid-request; the
    // socket itself is still usable for a fresh request/reply pair.
    let conn = slot.conn.lock().unwrap_or_else(|e| e.into_inner());
    exchange(&conn, req)
}
