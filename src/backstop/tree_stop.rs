//! Socket calls where the supervisor cannot hold the agent's socket.
//!
//! connect, bind and sendto to an address are normally performed by the
//! supervisor on the agent's own socket, taken with `pidfd_getfd`.
//! Docker's default seccomp profile refuses `pidfd_getfd` without
//! `CAP_SYS_PTRACE`, and a socket cannot be reopened through `/proc`. Then
//! an allowed call is let through with `CONTINUE`, and what makes that safe
//! is that nothing of the agent can run while the kernel reads the
//! arguments: before answering, every process of the agent's tree is
//! stopped (`SIGSTOP`, which cannot be caught, blocked or ignored), every
//! one of their threads is seen stopped, the call's arguments are read again
//! and must be what was decided, and only then is the call continued. The
//! caller itself stops as soon as its call returns (the stop is pending for
//! its process); once it has, every process this freeze stopped is
//! continued. A process that was already stopped is left as it was.
//!
//! Whatever cannot be confirmed (a thread that does not stop in time, the
//! arguments changed, the notification no longer valid) is a refusal.

use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use super::caller::Caller;
use super::decode::{self, Call};
use super::sys;

/// How long the agent's threads get to reach the stop.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// How long the caller's call may take before its process is continued
/// anyway (its arguments were read long before).
const CALL_WAIT: Duration = Duration::from_secs(5);

/// One-letter state of a task, from `/proc/<pid>/task/<tid>/stat`.
fn task_state(pid: i32, tid: i32) -> Option<u8> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    let after = stat.rfind(')')?;
    stat.as_bytes().get(after + 2).copied()
}

fn process_state(pid: i32) -> Option<u8> {
    task_state(pid, pid)
}

fn threads(pid: i32) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Stopped, traced-stopped, dead, or in the kernel where it cannot touch
/// its memory until it returns (and then it stops).
fn is_still(state: Option<u8>) -> bool {
    matches!(state, None | Some(b'T' | b't' | b'Z' | b'X' | b'x' | b'D'))
}

fn tgkill_stop(pid: i32, tid: i32) {
    // SAFETY: tgkill with ids and a signal number.
    unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGSTOP) };
}

/// Sends the stop to each thread of `pid` but the caller's.
fn poke(pid: i32, caller_tid: i32) {
    for t in threads(pid) {
        if t != caller_tid {
            tgkill_stop(pid, t);
        }
    }
}

/// The processes stopped by one freeze; continued when dropped.
struct Frozen {
    stopped: Vec<i32>,
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for p in &self.stopped {
            // SAFETY: kill with a pid and a signal number.
            unsafe { libc::kill(*p, libc::SIGCONT) };
        }
    }
}

/// Stops every process of the agent's tree (`members()` is asked again
/// until no new process appears) and waits until each of their threads but
/// `caller_tid` is still. `None` when that cannot be confirmed.
fn freeze(members: &dyn Fn() -> Vec<i32>, caller_tid: i32) -> Option<Frozen> {
    let mut frozen = Frozen {
        stopped: Vec::new(),
    };
    let mut seen: Vec<i32> = Vec::new();
    let deadline = Instant::now() + STOP_WAIT;
    loop {
        let now = members();
        let new: Vec<i32> = now.iter().copied().filter(|p| !seen.contains(p)).collect();
        if new.is_empty() {
            break;
        }
        for p in new {
            seen.push(p);
            if matches!(process_state(p), Some(b'T' | b't' | b'Z' | b'X')) {
                continue;
            }
            // SAFETY: kill with a pid and a signal number.
            if unsafe { libc::kill(p, libc::SIGSTOP) } == 0 {
                frozen.stopped.push(p);
            }
            // The process-wide signal wakes one thread of the kernel's
            // choosing, possibly the caller, which a held call does not
            // wake: tell every other thread itself, so each enters the stop.
            poke(p, caller_tid);
        }
        if Instant::now() > deadline {
            return None;
        }
    }
    loop {
        let mut moving = false;
        for p in &seen {
            for t in threads(*p) {
                if t != caller_tid && !is_still(task_state(*p, t)) {
                    moving = true;
                    // A thread started since: tell it too.
                    tgkill_stop(*p, t);
                }
            }
        }
        if !moving {
            return Some(frozen);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Answers an allowed socket call of `caller` with `CONTINUE` while the
/// agent's tree is frozen (see the module documentation). `members` lists
/// the agent's processes. Returns false when the call was refused instead.
pub fn continue_frozen(
    listener: BorrowedFd<'_>,
    notif: &sys::seccomp_notif,
    caller: &Caller,
    decided: &Call,
    members: &dyn Fn() -> Vec<i32>,
) -> bool {
    // The caller's own process: its other threads (and whatever shares its
    // memory) stopped with ptrace, which leaves the caller nothing pending.
    // A stop signal pending for the caller would interrupt its call (a
    // blocking connect returns ERESTARTSYS and is notified again). Only
    // where ptrace is refused is the caller's process stopped by signal.
    let by_ptrace = super::freeze::freeze(caller).ok();
    let others = || -> Vec<i32> {
        members()
            .into_iter()
            .filter(|p| by_ptrace.is_none() || *p != caller.pid)
            .collect()
    };
    let Some(frozen) = freeze(&others, caller.tid) else {
        let _ = sys::respond_errno(listener, notif.id, libc::EAGAIN);
        return false;
    };
    // Nothing of the agent runs now: what the kernel will read is what is
    // in its memory at this moment. It must be what was decided.
    let again = decode::decode(notif);
    if format!("{again:?}") != format!("{decided:?}") || !sys::id_valid(listener, notif.id) {
        drop(frozen);
        let _ = sys::respond_errno(listener, notif.id, libc::EACCES);
        return false;
    }
    let ran_before = runtime(caller.tid);
    if sys::respond_continue(listener, notif.id).is_err() {
        return false;
    }
    let many = matches!(decided, Call::Net { msgs, .. } if msgs.len() > 1);
    let deadline = Instant::now() + CALL_WAIT;
    while Instant::now() < deadline {
        let st = task_state(caller.pid, caller.tid);
        let done = if by_ptrace.is_some() {
            copied(caller, notif.data.nr, st, ran_before, many)
        } else {
            // The caller's process has the stop pending: it stops when its
            // call returns.
            matches!(st, None | Some(b'T' | b't' | b'Z' | b'X'))
        };
        if done {
            break;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    drop(frozen);
    drop(by_ptrace);
    true
}

/// CPU time the task has run, in ns (`/proc/<tid>/schedstat`).
fn runtime(tid: i32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{tid}/schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn wchan(tid: i32) -> String {
    super::memory::as_agent_fs(|| std::fs::read_to_string(format!("/proc/{tid}/wchan")))
        .unwrap_or_default()
}

/// Whether the continued call has certainly read its arguments: the caller
/// has run since, and is now asleep inside the call (connect, bind and
/// sendto copy their address before anything that sleeps), or back in a
/// notified call, or gone. A `sendmmsg` of several messages copies each one
/// as it goes: only its return (or a next notified call) counts.
fn copied(c: &Caller, call_nr: i32, st: Option<u8>, ran_before: Option<u64>, many: bool) -> bool {
    let Some(st) = st else { return true };
    if matches!(st, b'Z' | b'X' | b'x') {
        return true;
    }
    if runtime(c.tid) <= ran_before {
        return false;
    }
    let w = wchan(c.tid);
    if w.contains("seccomp") {
        return true;
    }
    // In another syscall than the one continued (or returned to user mode
    // and stopped in one): the call is over.
    let line =
        super::memory::as_agent_fs(|| std::fs::read_to_string(format!("/proc/{}/syscall", c.tid)))
            .unwrap_or_default();
    if let Some(nr) = line
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<i64>().ok())
        && nr != i64::from(call_nr)
    {
        return true;
    }
    if many {
        return false;
    }
    // Asleep inside the call: past the copy. A page fault during the copy
    // sleeps uninterruptibly (D) outside seccomp: not yet.
    matches!(st, b'S' | b'T' | b't')
}
