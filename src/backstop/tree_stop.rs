//! Calls that continue as the agent's own, with the agent frozen.
//!
//! Some allowed calls cannot be performed by the supervisor: an `O_PATH`
//! open (`ADDFD` cannot inject such a file), a `connect` or send to a Unix
//! socket (the peer would see the supervisor's `SO_PEERCRED`), and, where
//! `pidfd_getfd` is refused (Docker's default seccomp profile without
//! `CAP_SYS_PTRACE`), every socket call, since a socket cannot be reopened
//! through `/proc`. They are let through with `CONTINUE`, so the kernel
//! reads their arguments and walks their path again after the check. What
//! makes that safe is that nothing of the agent can run in between:
//!
//! - the tasks that can write the caller's memory (its other threads, a
//!   `vfork` parent, any process sharing its address space) are stopped
//!   with `PTRACE_SEIZE` + `PTRACE_INTERRUPT` (`backstop::freeze`), which
//!   leaves the caller nothing pending;
//! - with [`Scope::Tree`], every thread of every other process of the
//!   agent's tree is stopped with ptrace too (the tree listed again until no
//!   new process appears), so no symlink, directory or cwd can be swapped
//!   either; every one of their threads must be seen stopped. Not with
//!   `SIGSTOP`: a `SIGCONT` the agent arranged beforehand (a timer of its
//!   own, an owner signal, a parent-death signal) would end that stop with
//!   nothing of the agent's running; only a process that cannot be traced
//!   is sent `SIGSTOP` (to each of its threads);
//! - calls the supervisor performs for the agent (a rename, a symlink, …
//!   of a task that was already waiting for its answer) are held back
//!   ([`performing`]) from the re-check until the continued call is done;
//! - then the call's arguments are read again and must be what was
//!   decided, `ID_VALID` is checked, and the plan's re-check confirms that
//!   what they reach is what was judged (the same file); only then is the
//!   call continued.
//!
//! Everything stays stopped until the continued call is over: the caller,
//! attached with `PTRACE_SEIZE` too, is interrupted once it has run, and
//! traps when it returns (a sleep inside the call is interrupted and the
//! call restarted, so it is judged again); or, for an inet socket call,
//! until it has certainly copied its address. Where ptrace is refused the
//! caller's own process is stopped by signal too and the call is over once
//! the caller has stopped. A process that was already stopped is left as
//! it was. When the caller is the agent's only task nothing is stopped and
//! nothing waited for: nothing else could change what the kernel reads.
//!
//! One freeze at a time ([`serialized`]): two freezes would continue each
//! other's processes. Whatever cannot be confirmed (a thread that does not
//! stop in time, the arguments changed, another file reached) is a refusal
//! (`EACCES`) logged by the plan; a lookup that fails now gets the
//! kernel's own error without continuing.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::caller::Caller;
use super::decode::{self, Call};
use super::perform::Recheck;
use super::sys;
use super::tasks::{is_dead, is_exited, task_state, threads};

/// How long the agent's threads get to reach the stop.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// How long the caller's call may take before its process is continued
/// anyway (its arguments were read long before).
const CALL_WAIT: Duration = Duration::from_secs(5);

/// Serialises freezes (tree, memory and exec).
static FREEZES: Mutex<()> = Mutex::new(());
/// Shared by calls the supervisor performs, exclusive from a continued
/// call's re-check until the kernel is done with it.
static CHANGES: RwLock<()> = RwLock::new(());

/// Held by the supervisor while it performs a call on the agent's behalf:
/// none is in progress while a continued call is re-checked and looked up
/// by the kernel.
pub fn performing() -> RwLockReadGuard<'static, ()> {
    CHANGES.read().unwrap_or_else(PoisonError::into_inner)
}

/// Held for the length of one freeze (the exec freeze takes it too).
pub fn serialized() -> MutexGuard<'static, ()> {
    FREEZES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which tasks a freeze stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every task of the agent's tree.
    Tree,
    /// Only the tasks that share the caller's memory, for a call whose
    /// path no task of the agent can change (the caller vouches for it):
    /// `connect` only, and only if its address lies in memory nothing else
    /// can write (a private anonymous mapping: a forked process has its own
    /// copy); otherwise the whole tree.
    Memory,
}

/// How long everything stays frozen after the `CONTINUE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Until the call has copied its address (inet connect, bind, send:
    /// nothing else of theirs is looked up).
    Copied,
    /// Until the call has returned (a path walk, a Unix socket lookup).
    Returned,
}

/// One call to continue under a freeze.
pub struct Plan<'a> {
    /// Which tasks are stopped.
    pub scope: Scope,
    /// How long.
    pub until: Until,
    /// With the agent frozen and no performed call in progress, on the
    /// arguments read again (equal to the decided ones): whether they reach
    /// what was judged.
    pub recheck: &'a dyn Fn(&Call) -> Recheck,
    /// Logs a refusal of the call (why it could not be confirmed).
    pub refused: &'a dyn Fn(&str),
}

/// One-letter state of a task, from `/proc/<pid>/task/<tid>/stat`.
fn process_state(pid: i32) -> Option<u8> {
    task_state(pid, pid)
}

/// The processes below `root` (zombies left out), walked down the kernel's
/// own child lists (`/proc/<pid>/task/<tid>/children`: a handful of reads
/// for a small tree, where scanning every process on the machine costs
/// milliseconds). `None` where the kernel keeps no such list
/// (`CONFIG_PROC_CHILDREN` off): the caller lists the tree another way.
pub fn children_tree(root: i32) -> Option<Vec<i32>> {
    let mut out: Vec<i32> = Vec::new();
    let mut frontier = vec![root];
    let mut first = true;
    while let Some(p) = frontier.pop() {
        for t in threads(p) {
            let list = match std::fs::read_to_string(format!("/proc/{p}/task/{t}/children")) {
                Ok(l) => l,
                // The root's own threads must have the file; a process that
                // exited meanwhile has no children left to list.
                Err(_) if first => return None,
                Err(_) => continue,
            };
            first = false;
            for child in list
                .split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok())
            {
                if !out.contains(&child) && !is_dead(child) {
                    out.push(child);
                    frontier.push(child);
                }
            }
        }
        if first {
            return None;
        }
    }
    Some(out)
}

/// Stopped, traced-stopped, dead, or in an uninterruptible sleep where it
/// cannot touch its memory until it returns (and then it stops:
/// [`super::freeze::is_harmless_sleep`]). Another uninterruptible sleep may
/// end with a kernel write into its memory: not still.
fn is_still(state: Option<u8>, tid: i32) -> bool {
    match state {
        None | Some(b'T' | b't' | b'Z' | b'X' | b'x') => true,
        Some(b'D') => super::freeze::is_harmless_sleep(tid),
        Some(_) => false,
    }
}

fn tgkill_stop(pid: i32, tid: i32) {
    // SAFETY: tgkill with ids and a signal number.
    unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGSTOP) };
}

/// A process of the agent's tree held by a pidfd, so that the stop and the
/// continue it is sent reach that process and never one that got its pid
/// after it exited.
struct Held {
    pid: i32,
    pidfd: OwnedFd,
}

impl Held {
    /// The process `pid`, confirmed to be the agent's: once the pidfd pins
    /// it, its parent is a process of the tree (`tree`, `caller_pid`) or the
    /// supervisor (the agent's first process, an orphan), read while it is
    /// alive. `None` when it is gone or cannot be confirmed.
    fn open(pid: i32, tree: &[i32], caller_pid: i32) -> Option<Held> {
        let held = Held::pin(pid)?;
        let ppid = super::caller::identify(pid)?.ppid;
        let ours = ppid == std::process::id() as i32 || ppid == caller_pid || tree.contains(&ppid);
        // Still alive after the read: the status read was of this process.
        (ours && !held.is_gone()).then_some(held)
    }

    /// Whatever process has the pid now.
    fn pin(pid: i32) -> Option<Held> {
        // SAFETY: pidfd_open takes a pid and flags by value.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return None;
        }
        // SAFETY: pidfd_open returned a new descriptor we own.
        let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        Some(Held { pid, pidfd })
    }

    /// The process has exited (its pidfd is readable).
    fn is_gone(&self) -> bool {
        let mut p = libc::pollfd {
            fd: self.pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd we own, without waiting.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        n != 0
    }

    fn signal(&self, sig: i32) -> bool {
        // SAFETY: pidfd_send_signal with our pidfd, a signal number, no
        // siginfo and no flags.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                sig,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        r == 0
    }
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
#[derive(Default)]
pub(super) struct Frozen {
    /// Every thread of these processes is stopped by ptrace (see
    /// [`Frozen::trace`]).
    traced_processes: Vec<i32>,
    /// Their threads (let go on drop).
    traced: super::freeze::Frozen,
    /// Stopped here by `SIGSTOP`, where ptrace was refused (continued on
    /// drop, through their pidfds).
    stopped: Vec<Held>,
    /// Every process of the tree seen (stopped here or already).
    seen: Vec<i32>,
    /// The caller's process, whose children are the agent's too.
    caller_pid: i32,
}

impl Frozen {
    /// Stops every thread of `pid` but `caller_tid` with ptrace. A stop by
    /// `SIGSTOP` does not hold: a timer of the agent's (`timer_create` with
    /// `SIGCONT`), an owner signal of a file (`F_SETSIG`) or a parent-death
    /// signal would continue the process in the middle of the continued
    /// call, with nothing of the agent's running to do it. False when one
    /// of them cannot be traced (then the process is stopped by signal).
    fn trace(&mut self, pid: i32, caller_tid: i32) -> bool {
        for t in threads(pid) {
            if t != caller_tid && self.traced.add(t).is_err() {
                return false;
            }
        }
        self.traced_processes.push(pid);
        true
    }
}

impl Frozen {
    /// Holds `pid` for a stop by signal (it is continued on drop): false
    /// when it is gone or not confirmed the agent's (then no stop is sent).
    fn hold_for_stop(&mut self, pid: i32) -> bool {
        if self.stopped.iter().any(|h| h.pid == pid) {
            return true;
        }
        match Held::open(pid, &self.seen, self.caller_pid) {
            Some(h) => {
                self.stopped.push(h);
                true
            }
            None => false,
        }
    }

    /// Stops `pid` with a process-wide `SIGSTOP` through its pidfd; false
    /// when it is gone or not confirmed the agent's.
    fn stop_by_signal(&mut self, pid: i32) -> bool {
        self.hold_for_stop(pid)
            && self
                .stopped
                .iter()
                .find(|h| h.pid == pid)
                .is_some_and(|h| h.signal(libc::SIGSTOP))
    }

    /// Waits until the caller's exec has copied its arguments (see
    /// [`super::freeze::Frozen::wait_exec`]).
    pub(super) fn wait_exec(&mut self, c: &Caller, before: &super::freeze::ExecWatch) {
        self.traced.wait_exec(c, before);
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for h in &self.stopped {
            h.signal(libc::SIGCONT);
        }
    }
}

/// Stopped by its tracer, dead, or in a harmless sleep (see [`is_still`];
/// then it traps on its return).
fn is_traced_still(state: Option<u8>, tid: i32) -> bool {
    state != Some(b'T') && is_still(state, tid)
}

/// Stops every process of the agent's tree (`members()` is asked again
/// until no new process appears) and waits until each of their threads but
/// the caller's is still. `None` when that cannot be confirmed.
pub(super) fn freeze(members: &dyn Fn() -> Vec<i32>, caller: &Caller) -> Option<Frozen> {
    let caller_tid = caller.tid;
    let mut frozen = Frozen::default();
    frozen.caller_pid = caller.pid;
    let deadline = Instant::now() + STOP_WAIT;
    loop {
        let now = members();
        let new: Vec<i32> = now
            .iter()
            .copied()
            .filter(|p| !frozen.seen.contains(p))
            .collect();
        if new.is_empty() {
            break;
        }
        for p in new {
            frozen.seen.push(p);
            if is_dead(p) {
                continue;
            }
            // Already stopped or not: a stop of the agent's own is no
            // more than a stop by signal (see `Frozen::trace`).
            if frozen.trace(p, caller_tid) {
                continue;
            }
            if matches!(process_state(p), Some(b'T' | b't')) {
                continue;
            }
            // Continued on drop whatever the process-wide stop answered:
            // the threads are told below too, and every stop sent must have
            // its continue (a stop left behind held the agent for good).
            // Gone, or not confirmed the agent's: no stop sent (a process
            // of the tree that does not stop fails the freeze below).
            if !frozen.stop_by_signal(p) && !frozen.stopped.iter().any(|h| h.pid == p) {
                continue;
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
        let seen = frozen.seen.clone();
        for p in seen {
            let traced = frozen.traced_processes.contains(&p);
            for t in threads(p) {
                // The caller, and threads that have exited (a zombie leader).
                if t == caller_tid || is_exited(task_state(p, t)) {
                    continue;
                }
                if traced {
                    if !frozen.traced.has(t) {
                        // A thread started since: stopped too, or the
                        // freeze is not confirmed.
                        moving = true;
                        if frozen.traced.add(t).is_err() {
                            return None;
                        }
                    } else if !is_traced_still(task_state(p, t), t) {
                        moving = true;
                    }
                } else if !is_still(task_state(p, t), t) {
                    moving = true;
                    // A thread started since (or a process that looked
                    // stopped already): tell it too, and continue it after.
                    if frozen.hold_for_stop(p) {
                        tgkill_stop(p, t);
                    }
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

/// The address of a `connect` lies in a private anonymous mapping of the
/// caller (only tasks sharing its memory can write it).
fn address_is_private(c: &Caller, notif: &sys::seccomp_notif) -> bool {
    i64::from(notif.data.nr) == libc::SYS_connect
        && super::memory::is_private_anon(c.pid, notif.data.args[1], notif.data.args[2].min(128))
}

/// Answers an allowed call of `caller` with `CONTINUE` once confirmed with
/// the agent frozen (see the module documentation). `members` lists the
/// agent's processes. Every path through here answers the notification.
pub fn continue_checked(
    listener: BorrowedFd<'_>,
    notif: &sys::seccomp_notif,
    caller: &Caller,
    decided: &Call,
    members: &dyn Fn() -> Vec<i32>,
    plan: &Plan<'_>,
) {
    let _one_at_a_time = serialized();
    // Short polls below: this thread's sleeps need not be rounded up to the
    // default 50 µs timer slack.
    // SAFETY: prctl with an integer option for the calling thread only.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1, 0, 0, 0) };
    let refuse = |why: &str| {
        (plan.refused)(why);
        let _ = sys::respond_errno(listener, notif.id, libc::EACCES);
    };
    let mut scope = plan.scope;
    // Other processes that share the caller's memory (`clone(CLONE_VM)`):
    // stopped like its threads. Under the tree scope they are stopped by
    // signal anyway.
    let sharers = || -> Vec<i32> {
        match scope {
            Scope::Memory => members()
                .into_iter()
                .filter(|p| *p != caller.pid && super::freeze::shares_memory(caller.tid, *p))
                .collect(),
            Scope::Tree => Vec::new(),
        }
    };
    // The caller's own process: its other threads (and whatever shares its
    // memory) stopped with ptrace, which leaves the caller nothing pending.
    // A stop signal pending for the caller would interrupt its call (a
    // blocking connect returns ERESTARTSYS and is notified again). Only
    // where ptrace is refused is the caller's process stopped by signal.
    let mut by_ptrace = super::freeze::freeze_also(caller, &sharers).ok();
    // With every task that could remap it stopped: is the address in memory
    // only they could write? If not (or they could not be stopped so), the
    // whole tree is stopped.
    if by_ptrace.is_none() || (scope == Scope::Memory && !address_is_private(caller, notif)) {
        scope = Scope::Tree;
    }
    let mut frozen = match scope {
        Scope::Memory => Frozen::default(),
        Scope::Tree => {
            let others = || -> Vec<i32> {
                members()
                    .into_iter()
                    .filter(|p| by_ptrace.is_none() || *p != caller.pid)
                    .collect()
            };
            match freeze(&others, caller) {
                Some(f) => f,
                None => {
                    return refuse("the agent's processes did not all stop within 2 s");
                }
            }
        }
    };
    // Nothing of the agent runs now, and nothing is performed for it.
    let no_changes = CHANGES.write().unwrap_or_else(PoisonError::into_inner);
    let again = decode::decode(notif);
    if again != *decided {
        return refuse("its arguments changed after the check");
    }
    if !sys::id_valid(listener, notif.id) {
        return;
    }
    match (plan.recheck)(&again) {
        Recheck::Same => {}
        Recheck::Fails(errno) => {
            let _ = sys::respond_errno(listener, notif.id, errno);
            return;
        }
        Recheck::Changed(why) => return refuse(&why),
    }
    // The caller is the agent's only task: nothing can change what the
    // kernel reads, no need to wait for it.
    let alone = frozen.seen.is_empty() && by_ptrace.as_ref().is_some_and(|f| f.is_empty());
    // The end of a path walk is known exactly when the caller traps on its
    // return; where it cannot be attached its process is stopped by signal
    // and stops on its return.
    let mut by_signal = by_ptrace.is_none();
    let watched = !alone
        && plan.until == Until::Returned
        && by_ptrace.as_mut().is_some_and(|f| f.watch(caller));
    if !alone && plan.until == Until::Returned && !watched && !by_signal {
        // The caller's process is blocked in this very call (`ID_VALID`):
        // its pid is its own until the call is answered.
        if let Some(h) = Held::pin(caller.pid)
            && h.signal(libc::SIGSTOP)
        {
            frozen.stopped.push(h);
        }
        by_signal = true;
    }
    let ran_before = runtime(caller.tid);
    if sys::respond_continue(listener, notif.id).is_err() || alone {
        return;
    }
    let many = matches!(decided, Call::Net { msgs, .. } if msgs.len() > 1);
    let deadline = Instant::now() + CALL_WAIT;
    let mut poked = false;
    while Instant::now() < deadline {
        let st = task_state(caller.pid, caller.tid);
        let done = match (&by_ptrace, plan.until) {
            // The caller's process has the stop pending: it stops when its
            // call returns.
            _ if by_signal => matches!(st, None | Some(b'T' | b't' | b'Z' | b'X' | b'x')),
            (_, Until::Copied) => copied(caller, notif.data.nr, st, ran_before, many),
            (None, Until::Returned) => true,
            (Some(f), Until::Returned) => {
                let r = returned(caller, notif.data.nr, st, ran_before);
                if r == Some(false) && !poked {
                    // It has run since: it traps on its return (a sleep
                    // inside the call is interrupted, the call restarted
                    // and judged again).
                    f.interrupt_watched();
                    poked = true;
                }
                r == Some(true)
            }
        };
        if done {
            break;
        }
        std::thread::sleep(Duration::from_micros(20));
    }
    drop(no_changes);
    drop(frozen);
    drop(by_ptrace);
}

/// For a watched caller: `Some(true)` once the continued call is over (it
/// trapped, is gone, or is in another or a new notified call), `Some(false)`
/// when it has run since but may still be inside the call, `None` when it
/// has not run yet.
fn returned(c: &Caller, call_nr: i32, st: Option<u8>, ran_before: Option<u64>) -> Option<bool> {
    let Some(st) = st else { return Some(true) };
    if matches!(st, b't' | b'T' | b'Z' | b'X' | b'x') {
        return Some(true);
    }
    if runtime(c.tid) <= ran_before {
        return None;
    }
    if super::freeze::wchan(c.tid).contains("seccomp") {
        return Some(true);
    }
    Some(syscall_nr(c).is_some_and(|nr| nr != i64::from(call_nr)))
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

/// The syscall the task is in (`-1`: in user mode, not running), `None`
/// while it runs.
fn syscall_nr(c: &Caller) -> Option<i64> {
    super::freeze::pending_call(c.tid)
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
    if super::freeze::wchan(c.tid).contains("seccomp") {
        return true;
    }
    // In another syscall than the one continued (or returned to user mode
    // and stopped in one): the call is over.
    if let Some(nr) = syscall_nr(c)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_walked_down_the_kernels_child_lists() {
        let me = std::process::id() as i32;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = child.id() as i32;
        let tree = children_tree(me);
        let _ = child.kill();
        let _ = child.wait();
        // Where the kernel keeps child lists (it does on the kernels we
        // run on), the child is found; a reaped one is not listed again.
        if let Some(tree) = tree {
            assert!(tree.contains(&pid), "{pid} not in {tree:?}");
            assert!(!children_tree(me).unwrap_or_default().contains(&pid));
        }
        assert_eq!(children_tree(-1), None);
    }

    #[test]
    fn a_stop_reaches_only_a_confirmed_process_and_is_continued() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        // A child of this process (as the agent's first process is the
        // supervisor's): confirmed, stopped and continued through its pidfd.
        let held = Held::open(pid, &[], 0).expect("our own child is confirmed");
        assert!(held.signal(libc::SIGSTOP));
        let stopped = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(5));
            process_state(pid) == Some(b'T')
        });
        assert!(stopped, "the stop reached the child");
        assert!(held.signal(libc::SIGCONT));
        let running = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(5));
            process_state(pid) == Some(b'S')
        });
        assert!(running, "the continue reached the child");
        // Not of the tree: pid 1's parent is neither us nor a member.
        assert!(Held::open(1, &[pid], pid).is_none());
        child.kill().unwrap();
        child.wait().unwrap();
        // Gone (reaped): its pidfd says so and reaches nothing any more.
        assert!(held.is_gone());
        assert!(
            !held.signal(libc::SIGCONT),
            "a pidfd never reaches a new process"
        );
    }

    #[test]
    fn only_a_harmless_sleep_counts_as_still() {
        // SAFETY: gettid has no preconditions.
        let me = unsafe { libc::gettid() };
        assert!(is_still(Some(b't'), me));
        assert!(is_still(None, me));
        assert!(!is_still(Some(b'R'), me));
        // This thread runs: whatever a stale state said, it is not in a
        // harmless sleep, so a `D` it was seen in does not count.
        assert!(!is_still(Some(b'D'), me));
        assert!(!is_traced_still(Some(b'T'), me));
        // A vfork parent waiting for its child: a Python whose
        // `posix_spawn` (glibc: `clone(CLONE_VFORK)`) child blocks opening a
        // FIFO before it execs.
        let dir = std::env::temp_dir().join(format!("irongate-vfork-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo of a path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = format!(
            "import os; p = os.posix_spawn('/bin/true', ['true'], {{}}, file_actions=[(os.POSIX_SPAWN_OPEN, 0, {:?}, os.O_RDONLY, 0)]); os.waitpid(p, 0)",
            fifo.to_string_lossy()
        );
        let mut child = std::process::Command::new(python)
            .args(["-c", &script])
            .spawn()
            .expect("python");
        let pid = child.id() as i32;
        let mut seen = false;
        for _ in 0..2000 {
            if super::super::freeze::is_harmless_sleep(pid) {
                seen = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // Let the spawned child go on (its open of the FIFO completes).
        use std::os::unix::fs::OpenOptionsExt;
        let released = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo);
        if released.is_err() {
            let _ = child.kill();
        }
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(seen, "a vfork parent is seen waiting in the kernel");
    }
}
