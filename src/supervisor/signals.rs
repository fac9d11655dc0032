//! Signals, reaping and the exit status, tini-style.
//!
//! The forwarded signals are blocked before the fork and collected with
//! `sigtimedwait`, so none is lost and none runs a handler in the supervisor.
//! SIGCHLD wakes the loop to reap; as child subreaper the supervisor also
//! reaps orphans of the agent's tree.

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// Signals passed on to the agent.
const FORWARDED: &[Signal] = &[
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGCONT,
];

/// How the agent ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    /// Exited with this status.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl AgentStatus {
    /// `irongate run`'s exit status: the agent's, or 128+N.
    pub fn exit_code(self) -> i32 {
        match self {
            AgentStatus::Exited(c) => c,
            AgentStatus::Signaled(s) => crate::exit::SIGNAL_BASE + s,
        }
    }
}

/// Blocks the forwarded signals and SIGCHLD in the (still single-threaded)
/// supervisor; threads started later inherit the mask.
pub fn block_forwarded() -> std::io::Result<SigSet> {
    let mut set = SigSet::empty();
    for s in FORWARDED {
        set.add(*s);
    }
    set.add(Signal::SIGCHLD);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
    Ok(set)
}

/// Ignores SIGIO (SIGPOLL) in the supervisor, after the fork (the agent
/// keeps the default). Nothing of the supervisor's asks for it, and its
/// default action ends the process. The agent can have it sent here with no
/// `F_SETOWN` the filter could refuse: `O_ASYNC` (`F_SETFL`) or `FIOASYNC` on
/// a terminal descriptor it shares with us makes the kernel take the
/// terminal's foreground process group (ours) as the owner by itself, and
/// the terminal draining the agent's non-blocking output, or the user
/// typing, then signals that group. Landlock's signal scope (ABI 6) stops it
/// on newer kernels only.
pub fn ignore_sigio() {
    // SAFETY: setting a signal's disposition to SIG_IGN.
    unsafe { libc::signal(libc::SIGIO, libc::SIG_IGN) };
}

/// Orphans of the agent's tree are reparented to us, so we can reap them and
/// end them when the agent exits.
pub fn become_subreaper() {
    // SAFETY: plain prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
}

/// True when orphans of our descendants are reparented to us: we are a
/// child subreaper, or PID 1.
fn reaps_orphans() -> bool {
    let mut flag: libc::c_int = 0;
    // SAFETY: PR_GET_CHILD_SUBREAPER writes one int through the pointer.
    let rc = unsafe { libc::prctl(libc::PR_GET_CHILD_SUBREAPER, &mut flag as *mut libc::c_int) };
    (rc == 0 && flag != 0) || std::process::id() == 1
}

/// Reaps what has exited; true when no child is left at all.
fn no_child_left() -> bool {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Err(Errno::ECHILD) => return true,
            Ok(WaitStatus::StillAlive) => return false,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => return false,
        }
    }
}

/// Waits for the agent to end, forwarding signals and reaping every child.
pub fn supervise(agent: i32, set: &SigSet, isolated: bool) -> AgentStatus {
    let agent_pid = Pid::from_raw(agent);
    loop {
        if let Some(status) = reap(agent_pid) {
            return status;
        }
        let mut info = std::mem::MaybeUninit::<libc::siginfo_t>::zeroed();
        let timeout = libc::timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        // SAFETY: `set` is a valid sigset, `info` is writable, `timeout` valid.
        let sig = unsafe { libc::sigtimedwait(set.as_ref(), info.as_mut_ptr(), &timeout) };
        if sig < 0 || sig == libc::SIGCHLD {
            continue;
        }
        // SAFETY: sigtimedwait returned a signal, so it filled `info`.
        let info = unsafe { info.assume_init() };
        let Ok(signal) = Signal::try_from(sig) else {
            continue;
        };
        // A terminal's Ctrl-C (or SIGWINCH…) already reached the agent, which
        // shares our process group unless isolated; forwarding it again
        // would deliver it twice.
        let from_kernel = info.si_code == libc::SI_KERNEL;
        if isolated {
            let _ = kill(Pid::from_raw(-agent), signal);
        } else if !from_kernel {
            let _ = kill(agent_pid, signal);
        }
    }
}

/// Reaps every exited child; returns the agent's status once it is gone.
fn reap(agent: Pid) -> Option<AgentStatus> {
    let mut result = None;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) if pid == agent => {
                result = Some(AgentStatus::Exited(code))
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == agent => {
                result = Some(AgentStatus::Signaled(sig as i32));
            }
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return result,
            Ok(_) => {}
            Err(Errno::EINTR) => {}
            Err(_) => return result,
        }
    }
}

/// Ends what remains of the agent's tree: SIGTERM, a short grace period,
/// then SIGKILL, reaping as they go.
pub fn terminate_descendants() {
    // Every orphan of the agent's tree is reparented to us, so with no child
    // left there is no descendant either (and no /proc walk: it costs
    // milliseconds of every run's exit).
    if reaps_orphans() && no_child_left() {
        return;
    }
    let me = std::process::id() as i32;
    let mut left = descendants(me);
    if left.is_empty() {
        return;
    }
    for p in &left {
        let _ = kill(Pid::from_raw(*p), Signal::SIGTERM);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::time::Instant::now() < deadline {
        let _ = reap(Pid::from_raw(0));
        left = descendants(me);
        if left.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for p in &left {
        let _ = kill(Pid::from_raw(*p), Signal::SIGKILL);
    }
    let _ = reap(Pid::from_raw(0));
}

/// Every process whose parent chain reaches `root`.
pub fn descendants(root: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(i32, i32)> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, super::procfs::parent_of(pid)?)))
        .collect();
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (child, parent) in &parents {
            if *parent == p && !out.contains(child) {
                out.push(*child);
                frontier.push(*child);
            }
        }
    }
    // Processes all of whose tasks have exited only need reaping (a zombie
    // leader whose other threads run on is alive).
    out.retain(|p| !crate::backstop::tasks::is_dead(*p));
    out
}

/// SIGKILLs every descendant at once (`--backstop kill`).
pub fn kill_descendants() {
    for p in descendants(std::process::id() as i32) {
        let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
    }
}
