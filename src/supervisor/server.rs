//! The IPC server: one listening socket for the run, one thread per agent
//! connection. Every frame is hostile input: a malformed frame ends that
//! connection (its hook then fails closed with PermissionError), and the only
//! identity trusted is the peer pid the kernel recorded.
//!
//! The agent can also open connections it never uses. They are bounded
//! ([`Limits`]): per process and in all; a connection over the bound is
//! closed at once (the hook that opened it fails closed) and the refusal is
//! logged once per process. A connection that does not say hello within
//! [`HELLO_TIMEOUT`] is closed, so idle connections cannot hold slots. The
//! accept loop itself never gives up: an accept error (out of descriptors,
//! memory, an aborted connection) is waited out, and only
//! [`Server::shutdown`] at the end of the run ends it.

use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::socket::{setsockopt, sockopt};
use nix::sys::time::TimeVal;

use super::decide::{Decider, lock};
use super::events::Caller;
use crate::ipc::{self, Reply, Request};

/// How long a new connection may wait before its `Hello`. The hook sends it
/// right after `connect`; only a connection held open on purpose waits.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections one process may always hold, whatever its thread count: the
/// hook opens one per thread that makes a checked call.
pub const PER_PROCESS_MIN: usize = 64;

/// Above [`PER_PROCESS_MIN`], a process may hold this many connections per
/// thread it has (a thread that just ended may still hold its connection
/// while its replacement opens one).
pub const PER_THREAD: usize = 2;

/// The most connections the run may hold in all; lowered to a quarter of the
/// supervisor's descriptor limit when that is small, so that path resolution,
/// the database and injected descriptors always find descriptors.
pub const GLOBAL_MAX: usize = 1024;

/// The bounds on IPC connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections any one process may hold below its thread allowance.
    pub per_process_min: usize,
    /// Connections per thread of the process above that.
    pub per_thread: usize,
    /// Connections of the whole run.
    pub global: usize,
}

impl Limits {
    /// The bounds for a supervisor whose `RLIMIT_NOFILE` soft limit is
    /// `nofile`.
    pub fn for_nofile(nofile: u64) -> Limits {
        let quarter = usize::try_from(nofile / 4).unwrap_or(usize::MAX);
        Limits {
            per_process_min: PER_PROCESS_MIN,
            per_thread: PER_THREAD,
            global: GLOBAL_MAX.min(quarter).max(8),
        }
    }
}

/// The running accept loop.
pub struct Server {
    thread: JoinHandle<()>,
    stopping: Arc<AtomicBool>,
}

impl Server {
    /// Stops accepting (the deliberate end of the run) and waits for the
    /// accept loop to end. `listener` is the listening socket the server was
    /// started with (or a duplicate of it). Connection threads end when their
    /// processes are gone.
    pub fn shutdown(self, listener: &OwnedFd) {
        self.stopping.store(true, Ordering::Release);
        let _ = nix::sys::socket::shutdown(listener.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        let _ = self.thread.join();
    }
}

/// Starts the accept loop on its own thread.
pub fn spawn(listener: OwnedFd, decider: Arc<Decider>, limits: Limits) -> std::io::Result<Server> {
    let stopping = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&stopping);
    let slots = Arc::new(Slots::new(limits));
    let thread = std::thread::Builder::new()
        .name("irongate-ipc".into())
        .spawn(move || accept_loop(&listener, &decider, &slots, &stop))?;
    Ok(Server { thread, stopping })
}

/// Shortest and longest pause after a failed `accept`.
const BACKOFF_MIN: Duration = Duration::from_millis(1);
const BACKOFF_MAX: Duration = Duration::from_millis(100);

/// Streaks of accept errors reported in the event log; later ones only on
/// stderr.
const ACCEPT_ERRORS_LOGGED: u32 = 16;

fn accept_loop(listener: &OwnedFd, decider: &Arc<Decider>, slots: &Arc<Slots>, stop: &AtomicBool) {
    let mut backoff = Duration::ZERO;
    let mut streaks = 0u32;
    loop {
        match ipc::accept(listener.as_fd()) {
            Ok((conn, pid)) => {
                backoff = Duration::ZERO;
                let slot = match slots.admit(pid) {
                    Ok(slot) => slot,
                    Err(refusal) => {
                        // Closed at once: that connection's hook fails closed.
                        drop(conn);
                        if let Some(what) = refusal {
                            decider.log().system(pid, &what);
                        }
                        continue;
                    }
                };
                let decider = Arc::clone(decider);
                let spawned = std::thread::Builder::new()
                    .name(format!("irongate-conn-{pid}"))
                    .spawn(move || {
                        serve(&conn, pid, &decider, &slot);
                    });
                if let Err(e) = spawned {
                    // The connection is dropped: that process's hook fails closed.
                    eprintln!("irongate: cannot serve process {pid}: {e}");
                }
            }
            // Only the deliberate shutdown ends the loop (accept then fails
            // with EINVAL).
            Err(_) if stop.load(Ordering::Acquire) => return,
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection
                // stays queued (its hook waits, it is not let through) and is
                // accepted once descriptors are back. ECONNABORTED, EPROTO:
                // that connection is gone, go on.
                if backoff.is_zero() {
                    streaks += 1;
                    let what = format!("ipc_accept_error: {e}; accepting again after a pause");
                    eprintln!("irongate: {what}");
                    if streaks <= ACCEPT_ERRORS_LOGGED {
                        decider.log().system(0, &what);
                    }
                }
                let transient = matches!(
                    e.raw_os_error(),
                    Some(libc::ECONNABORTED | libc::EPROTO | libc::EINTR | libc::EAGAIN)
                );
                if transient && backoff.is_zero() {
                    backoff = BACKOFF_MIN;
                    continue;
                }
                backoff = (backoff * 2).clamp(BACKOFF_MIN, BACKOFF_MAX);
                std::thread::sleep(backoff);
            }
        }
    }
}

/// The connection bookkeeping shared by the accept loop and the connection
/// threads.
struct Slots {
    limits: Limits,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    total: usize,
    per_process: HashMap<i32, usize>,
    /// Processes whose refusal (or idle connection) has been logged.
    refusal_logged: HashSet<i32>,
    idle_logged: HashSet<i32>,
}

/// One admitted connection; gives its slot back when dropped.
struct Slot {
    slots: Arc<Slots>,
    pid: i32,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot").field("pid", &self.pid).finish()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut st = lock(&self.slots.state);
        st.total = st.total.saturating_sub(1);
        if let Some(n) = st.per_process.get_mut(&self.pid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                st.per_process.remove(&self.pid);
            }
        }
    }
}

impl Slots {
    fn new(limits: Limits) -> Slots {
        Slots {
            limits,
            state: Mutex::new(SlotState::default()),
        }
    }

    /// Admits a connection of `pid`, or refuses it: `Err(Some(message))` for
    /// the first refusal of that process (to be logged), `Err(None)` after.
    fn admit(self: &Arc<Self>, pid: i32) -> Result<Slot, Option<String>> {
        let mut st = lock(&self.state);
        let held = st.per_process.get(&pid).copied().unwrap_or(0);
        let refusal = if st.total >= self.limits.global {
            Some(format!(
                "the run holds {} IPC connections (limit {})",
                st.total, self.limits.global
            ))
        } else if held >= self.limits.per_process_min {
            // Rare path: only a process already holding many connections
            // pays for counting its threads.
            let threads = thread_count(pid);
            let limit = self
                .limits
                .per_process_min
                .max(threads.saturating_mul(self.limits.per_thread));
            (held >= limit).then(|| {
                format!(
                    "process {pid} holds {held} IPC connections (limit {limit}; it has {threads} threads)"
                )
            })
        } else {
            None
        };
        if let Some(why) = refusal {
            let first = st.refusal_logged.insert(pid);
            return Err(first.then(|| {
                format!("ipc_refused: {why}; new connections of process {pid} are closed")
            }));
        }
        st.total += 1;
        *st.per_process.entry(pid).or_insert(0) += 1;
        Ok(Slot {
            slots: Arc::clone(self),
            pid,
        })
    }

    /// True the first time a connection of `pid` is closed for idling.
    fn first_idle(&self, pid: i32) -> bool {
        lock(&self.state).idle_logged.insert(pid)
    }
}

/// Threads of `pid` (0 when it is gone).
fn thread_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, Iterator::count)
}

/// How long a connection thread waits for the agent's next request without
/// sleeping: an agent at work asks again within microseconds, and waking a
/// halted CPU costs tens of µs on a VM. An idle agent costs nothing after it.
const NEXT_REQUEST_SPIN: Duration = Duration::from_micros(100);

/// The longest a connection thread spins for an agent that asks often
/// (tool calls or HTTP requests in a loop): twice the last gap between its
/// requests, up to this. A thread whose agent asks rarely spins for
/// [`NEXT_REQUEST_SPIN`] only.
const MAX_REQUEST_SPIN: Duration = Duration::from_micros(400);

/// How long to spin for the next request after a gap of `gap`.
fn next_spin(gap: Duration) -> Duration {
    if gap <= MAX_REQUEST_SPIN / 2 {
        (gap * 2).max(NEXT_REQUEST_SPIN)
    } else {
        NEXT_REQUEST_SPIN
    }
}

fn set_receive_timeout(conn: &OwnedFd, timeout: Duration) -> bool {
    let tv = TimeVal::new(
        libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        libc::suseconds_t::from(timeout.subsec_micros()),
    );
    setsockopt(conn, sockopt::ReceiveTimeout, &tv).is_ok()
}

fn serve(conn: &OwnedFd, pid: i32, decider: &Decider, slot: &Slot) {
    // Until hello, a blocking receive gives up after HELLO_TIMEOUT (EAGAIN).
    // Without the timeout a silent connection could hold its slot forever,
    // so a connection whose timeout cannot be set is not served.
    if !set_receive_timeout(conn, HELLO_TIMEOUT) {
        return;
    }
    let mut buf = vec![0u8; ipc::MAX_FRAME + 1];
    let mut joined = false;
    // Which connection registered a thread's note (see `Decider::register_note`).
    let state = Arc::new(ConnState);
    let registered: std::cell::RefCell<Vec<i64>> = std::cell::RefCell::new(Vec::new());
    let _unregister = Unregister {
        decider,
        pid,
        tids: &registered,
        state: &state,
    };
    let mut spin = NEXT_REQUEST_SPIN;
    let mut answered = std::time::Instant::now();
    loop {
        let received = ipc::recv_frame_spinning(conn.as_fd(), &mut buf, spin);
        spin = next_spin(answered.elapsed());
        let n = match received {
            Ok(n) => n,
            Err(ipc::FrameError::Closed) => return,
            Err(ipc::FrameError::Io(e))
                if !joined && e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                if slot.slots.first_idle(pid) {
                    note_bad_frame(
                        decider,
                        pid,
                        &format!("no hello within {}s", HELLO_TIMEOUT.as_secs()),
                    );
                }
                return;
            }
            Err(e) => {
                note_bad_frame(decider, pid, &e.to_string());
                return;
            }
        };
        let req: Request = match ipc::decode(&buf[..n]) {
            Ok(r) => r,
            Err(e) => {
                note_bad_frame(decider, pid, &e.to_string());
                return;
            }
        };
        let reply = match req {
            Request::Hello {
                kind,
                argv,
                tid,
                note,
            } if !joined => {
                let mut r = decider.on_hello(pid, kind, &argv);
                joined = matches!(r, Reply::Welcome { .. });
                // The thread's note: its opens by name are decided on it.
                if let Reply::Welcome { notes, .. } = &mut r
                    && let Some(addr) = note
                    && decider.register_note(pid, tid, addr, &state)
                {
                    *notes = true;
                    registered.borrow_mut().push(tid);
                }
                // A joined connection waits for requests as long as its
                // thread lives (a thread may be idle for hours).
                if joined && !set_receive_timeout(conn, Duration::ZERO) {
                    return;
                }
                r
            }
            _ if !joined => {
                note_bad_frame(decider, pid, "request before hello");
                return;
            }
            Request::Hello { .. } => Reply::Error {
                message: "already joined".into(),
            },
            Request::Event {
                tid,
                event,
                args,
                frame,
                dir_fd,
                env,
            } => decider.on_event(
                Caller { pid, tid },
                &event,
                &args,
                frame.map(bounded_frame),
                dir_fd,
                env.as_deref(),
            ),
            Request::Action {
                tid,
                layer,
                action,
                frame,
            } => decider.on_action(
                Caller { pid, tid },
                &layer,
                &action,
                frame.map(bounded_frame),
            ),
            Request::Narrow { tid, profile } => decider.narrow(Caller { pid, tid }, &profile),
            Request::Release { tid } => decider.release(Caller { pid, tid }),
            Request::Refusal { tid, seq } => decider.refusal(Caller { pid, tid }, seq),
            Request::EndTool { tid } => {
                decider.end_tool(Caller { pid, tid });
                continue;
            }
        };
        if ipc::send_frame(conn.as_fd(), &ipc::encode(&reply)).is_err() {
            return;
        }
        answered = std::time::Instant::now();
    }
}

/// One connection's identity: a thread's note is forgotten only by the
/// connection that registered it.
#[derive(Debug)]
pub struct ConnState;

/// Unregisters a connection's threads when its serving ends (before the
/// descriptor is closed).
struct Unregister<'a> {
    decider: &'a Decider,
    pid: i32,
    tids: &'a std::cell::RefCell<Vec<i64>>,
    state: &'a Arc<ConnState>,
}

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        for tid in self.tids.borrow().iter() {
            self.decider.unregister_note(self.pid, *tid, self.state);
        }
    }
}

/// The longest frame text kept: a path (`PATH_MAX`) and a line number. The
/// frame is the agent's own attribution (`_irongate.decide` takes one from
/// Python), logged in every row and shown to a reviewer, so it is bounded.
const MAX_FRAME_CHARS: usize = 4096 + 32;

/// `frame` cut to [`MAX_FRAME_CHARS`] characters, marked with an ellipsis.
fn bounded_frame(frame: String) -> String {
    match frame.char_indices().nth(MAX_FRAME_CHARS) {
        Some((end, _)) => format!("{}…", &frame[..end]),
        None => frame,
    }
}

fn note_bad_frame(decider: &Decider, pid: i32, what: &str) {
    decider
        .log()
        .system(pid, &format!("ipc_error: {what}; connection closed"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(min: usize, global: usize) -> Limits {
        Limits {
            per_process_min: min,
            per_thread: PER_THREAD,
            global,
        }
    }

    #[test]
    fn a_frame_is_cut_to_a_path_and_line() {
        assert_eq!(bounded_frame("agent.py:12".into()), "agent.py:12");
        let exact = "é".repeat(MAX_FRAME_CHARS);
        assert_eq!(bounded_frame(exact.clone()), exact);
        let cut = bounded_frame("é".repeat(MAX_FRAME_CHARS + 5));
        assert_eq!(cut.chars().count(), MAX_FRAME_CHARS + 1);
        assert!(cut.ends_with("é…"));
    }

    #[test]
    fn spins_longer_only_for_an_agent_that_asks_often() {
        assert_eq!(next_spin(Duration::from_micros(10)), NEXT_REQUEST_SPIN);
        assert_eq!(
            next_spin(Duration::from_micros(150)),
            Duration::from_micros(300)
        );
        assert_eq!(next_spin(Duration::from_micros(200)), MAX_REQUEST_SPIN);
        assert_eq!(next_spin(Duration::from_micros(201)), NEXT_REQUEST_SPIN);
        assert_eq!(next_spin(Duration::from_secs(2)), NEXT_REQUEST_SPIN);
    }

    #[test]
    fn bounds_follow_the_descriptor_limit() {
        assert_eq!(Limits::for_nofile(1 << 20).global, GLOBAL_MAX);
        assert_eq!(Limits::for_nofile(1024).global, 256);
        assert_eq!(Limits::for_nofile(0).global, 8);
    }

    #[test]
    fn per_process_cap_refuses_and_logs_once() {
        let slots = Arc::new(Slots::new(limits(2, 100)));
        // A pid with no threads (gone): the minimum applies.
        let gone = i32::MAX;
        let a = slots.admit(gone).expect("first");
        let _b = slots.admit(gone).expect("second");
        let first = slots.admit(gone).expect_err("over the cap");
        assert!(first.is_some_and(|m| m.starts_with("ipc_refused: ")));
        assert_eq!(slots.admit(gone).expect_err("again"), None);
        // A slot given back makes room again.
        drop(a);
        let _c = slots.admit(gone).expect("room again");
        // Other processes are not affected.
        let _d = slots.admit(gone - 1).expect("another process");
    }

    #[test]
    fn global_cap_refuses() {
        let slots = Arc::new(Slots::new(limits(64, 3)));
        let held: Vec<_> = (1..=3)
            .map(|p| slots.admit(i32::MAX - p).expect("under the cap"))
            .collect();
        assert!(slots.admit(i32::MAX - 10).is_err());
        drop(held);
        assert_eq!(lock(&slots.state).total, 0);
        assert!(lock(&slots.state).per_process.is_empty());
    }

    #[test]
    fn threads_raise_the_per_process_cap() {
        // This test process has at least one thread; with a minimum of 0 the
        // cap is PER_THREAD × its threads.
        let slots = Arc::new(Slots::new(limits(0, 1000)));
        let me = std::process::id() as i32;
        let threads = thread_count(me);
        assert!(threads >= 1);
        let held: Vec<_> = (0..threads * PER_THREAD)
            .map_while(|_| slots.admit(me).ok())
            .collect();
        assert!(held.len() >= PER_THREAD);
    }
}
