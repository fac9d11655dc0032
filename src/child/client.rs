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
use std::path::{Path, PathBuf};
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
    /// This thread's open note (see [`ipc::note`]): its address is fixed
    /// for the thread's life, and the supervisor reads it from outside.
    static NOTE: RefCell<Box<[u8]>> = RefCell::new(vec![0u8; ipc::note::ALLOC].into_boxed_slice());
    /// The sequence number of this thread's last note.
    static NOTE_SEQ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The note of this thread's last open, if it was noted (any frame
    /// sent since means it was not): the one a refusal message may be for.
    static LAST_NOTED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
    /// The supervisor registered this thread's note (at its connection's
    /// hello) and reads it.
    static KNOWN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// This thread's connection and the pid it was opened for.
    static CONN: RefCell<Option<(i32, OwnedFd)>> = const { RefCell::new(None) };
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; ipc::MAX_FRAME + 1]);
}

/// This process's id, asked of the kernel once per process: the hook
/// checks it on every open (a forked child must not use its parent's
/// connection or note), and `getpid` is a syscall. A fork clears it
/// ([`forked`], run by the C library's fork in the child); a child made by
/// a raw `clone` keeps its parent's value, which only makes its requests go
/// over the inherited connection, where the supervisor names the peer by
/// its own means (nothing here is trusted).
fn pid() -> i32 {
    let cached = PID.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    let me = std::process::id() as i32;
    PID.store(me, Ordering::Relaxed);
    me
}

static PID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// The fork handler (see [`pid`]): the child asks the kernel again.
pub extern "C" fn forked() {
    PID.store(0, Ordering::Relaxed);
}

/// Joins the run from this process (the agent itself, or a Python child
/// through the launcher) and says hello.
pub fn connect(path: PathBuf, kind: JoinKind, argv: Vec<String>) -> Result<Welcome, FrameError> {
    let _ = SOCKET_PATH.set(path);
    let fd = open_connection(kind, argv)?;
    joined(fd)
}

/// A connection made, and its hello sent, before this process's seccomp
/// filter is in force; [`join_on`] takes the welcome once it is. The
/// agent's main process joins this way: its own connect to the run's
/// socket, before any of the agent's code, needs no decision (notified, it
/// was the slowest step of the start-up), and the supervisor's accept and
/// answer overlap the filter's installation.
#[derive(Debug)]
pub struct EarlyHello(OwnedFd);

/// Connects to `path` and says hello as `kind`, without waiting.
pub fn hello_early(
    path: &Path,
    kind: JoinKind,
    argv: Vec<String>,
) -> Result<EarlyHello, FrameError> {
    let fd = ipc::connect(path)?;
    ipc::send_frame(fd.as_fd(), &ipc::encode(&hello_request(kind, argv)))?;
    Ok(EarlyHello(fd))
}

/// [`connect`] for a hello sent by [`hello_early`]: waits for the welcome.
pub fn join_on(path: PathBuf, early: EarlyHello) -> Result<Welcome, FrameError> {
    let _ = SOCKET_PATH.set(path);
    let reply = receive(&early.0)?;
    let fd = welcomed(early.0, reply)?;
    joined(fd)
}

fn joined(fd: OwnedFd) -> Result<Welcome, FrameError> {
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
    hello(ipc::connect(path)?, kind, argv)
}

/// The hello of this thread.
fn hello_request(kind: JoinKind, argv: Vec<String>) -> Request {
    Request::Hello {
        kind,
        argv,
        tid: nix::unistd::gettid().as_raw().into(),
        note: Some(NOTE.with(|n| n.borrow().as_ptr() as u64)),
    }
}

/// Says hello on a new connection; returns it once welcomed.
fn hello(fd: OwnedFd, kind: JoinKind, argv: Vec<String>) -> Result<OwnedFd, FrameError> {
    let reply = exchange(&fd, &hello_request(kind, argv))?;
    welcomed(fd, reply)
}

/// The connection, if `reply` to its hello is a welcome (kept).
fn welcomed(fd: OwnedFd, reply: Reply) -> Result<OwnedFd, FrameError> {
    match reply {
        Reply::Welcome {
            launcher,
            program_name,
            supervisor_pid,
            runtime_dirs,
            notes,
        } => {
            let _ = WELCOME.set(Welcome {
                launcher,
                program_name,
                supervisor_pid,
                runtime_dirs,
            });
            KNOWN.with(|k| k.set(notes));
            Ok(fd)
        }
        Reply::Error { message } => Err(FrameError::Io(std::io::Error::other(message))),
        _ => Err(FrameError::Closed),
    }
}

fn exchange(fd: &OwnedFd, req: &Request) -> Result<Reply, FrameError> {
    ipc::send_frame(fd.as_fd(), &ipc::encode(req))?;
    receive(fd)
}

/// The reply to the request just sent on `fd`.
fn receive(fd: &OwnedFd) -> Result<Reply, FrameError> {
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let n = ipc::recv_frame_spinning(fd.as_fd(), &mut buf, REPLY_SPIN)?;
        ipc::decode(&buf[..n])
    })
}

/// Sends one request on this thread's connection and waits for its reply.
/// Callers release the GIL around this call.
pub fn request(req: &Request) -> Result<Reply, FrameError> {
    // Whatever this thread noted for an open is stale now: its syscall did
    // not follow at once.
    NOTE.with(|n| ipc::note::clear(&mut n.borrow_mut()));
    LAST_NOTED.with(|l| l.set(None));
    with_connection(|fd| exchange(fd, req))
}

/// The innermost allowed tool call of this thread returned. With a note
/// the supervisor reads, this is a counter in it (no frame, no syscall);
/// otherwise a one-way `EndTool`.
pub fn end_tool(tid: i64) -> Result<(), FrameError> {
    if current() && KNOWN.with(|k| k.get()) {
        NOTE.with(|n| {
            let mut n = n.borrow_mut();
            let at = ipc::note::TOOL_ENDS;
            let mut count = [0u8; 8];
            count.copy_from_slice(&n[at..at + 8]);
            let next = u64::from_ne_bytes(count).wrapping_add(1);
            n[at..at + 8].copy_from_slice(&next.to_ne_bytes());
        });
        return Ok(());
    }
    with_connection(|fd| ipc::send_frame(fd.as_fd(), &ipc::encode(&Request::EndTool { tid })))
}

/// This thread's connection is open and belongs to this process.
fn current() -> bool {
    let me = pid();
    CONN.with(|c| c.borrow().as_ref().is_some_and(|(p, _)| *p == me))
}

/// Notes an open by name whose syscall follows at once, instead of sending
/// it (see [`ipc::note`]). `false`: the supervisor does not know this
/// thread's note yet, or the open does not fit; it is then sent as a frame.
pub fn note_open(
    path: &[u8],
    mode: Option<&str>,
    flags: i64,
    dir_fd: Option<i64>,
    frame: Option<&str>,
) -> bool {
    if !current() || !KNOWN.with(|k| k.get()) {
        return false;
    }
    let seq = NOTE_SEQ.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    let note = ipc::note::Note {
        seq,
        flags,
        dir_fd: dir_fd.unwrap_or(-1),
        mode: mode.map(str::to_owned),
        path: path.to_vec(),
        frame: frame.unwrap_or_default().to_owned(),
    };
    let written = NOTE.with(|n| ipc::note::write(&mut n.borrow_mut(), &note));
    LAST_NOTED.with(|l| l.set(written.then_some(seq)));
    written
}

/// The message of this thread's last noted open the supervisor refused,
/// once (the bootstrap turns the kernel's plain `EACCES` into it). `None`
/// when the last open was not noted, or was not refused on its note (a real
/// `EACCES` stays the kernel's).
pub fn noted_refusal(tid: i64) -> Option<String> {
    let seq = LAST_NOTED.with(std::cell::Cell::take)?;
    match request(&Request::Refusal { tid, seq }) {
        Ok(Reply::Verdict { message, .. }) => Some(message),
        _ => None,
    }
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
