//! The kernel backstop: the seccomp notify loop.
//!
//! Every sensitive syscall of the agent's process tree stops in the kernel
//! until this loop answers. "No handler matched" is never an allow: a call
//! that nothing explains is decided here from the syscall itself, with the
//! same policy, and logged `unexplained: true`.
//!
//! Answers: opens that are allowed are performed by the supervisor and the
//! descriptor injected (`ADDFD` + `SEND`), so a path rewritten in the target's
//! memory after the check changes nothing; the other allowed calls continue
//! (`CONTINUE`, racy for their pointer arguments — listed in
//! SECURITY_MODEL.md); refusals return an errno. Any failure on the way
//! (unreadable memory, a notification that went stale, an emulation error)
//! refuses the call.

pub mod decode;
pub mod emulate;
pub mod memory;
pub mod sys;
pub mod table;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::supervisor::decide::Decider;
use crate::supervisor::syscall::SyscallAnswer;
use decode::Call;

/// What the backstop does with an unexplained syscall the policy blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refuse it.
    Enforce,
    /// Refuse it and kill the agent.
    Kill,
    /// Only record it.
    Audit,
}

impl Mode {
    /// Parses `--backstop`.
    pub fn from_flag(s: &str) -> Option<Mode> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "kill" => Some(Mode::Kill),
            "audit" => Some(Mode::Audit),
            _ => None,
        }
    }
}

/// Starts the notify loop on its own thread. It ends when every process
/// under the filter is gone (`POLLHUP`).
pub fn spawn(listener: OwnedFd, decider: Arc<Decider>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("irongate-notify".into())
        .spawn(move || run(&listener, &decider))
}

fn run(listener: &OwnedFd, decider: &Arc<Decider>) {
    let _ = sys::set_sync_wake_up(listener.as_fd());
    loop {
        // Adaptive spinning: right after an answer, the agent's next trapped
        // call usually follows within microseconds. Trying to receive for a
        // short while spares the cross-CPU wake-up that sleeping in poll
        // would cost (tens of µs on a VM); an idle agent costs nothing once
        // the window has passed.
        if spin_receive(listener, decider) {
            continue;
        }
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return,
        }
        let revents = fds[0].revents().unwrap_or(PollFlags::empty());
        if revents.contains(PollFlags::POLLIN) {
            match sys::recv(listener.as_fd()) {
                Ok(notif) => handle(listener, decider, &notif),
                // The target died or was interrupted after poll: next one.
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EINTR)) => {}
                Err(_) => return,
            }
        } else if revents.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL)
        {
            // Every filtered process has exited.
            return;
        }
    }
}

/// How long the loop keeps trying to receive after an answer.
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

/// Receives and handles notifications without sleeping for up to [`SPIN`];
/// returns true if it handled one (the window then starts again).
fn spin_receive(listener: &OwnedFd, decider: &Arc<Decider>) -> bool {
    if !crate::ipc::can_spin() {
        return false;
    }
    let start = std::time::Instant::now();
    while start.elapsed() < SPIN {
        match sys::recv(listener.as_fd()) {
            Ok(notif) => {
                handle(listener, decider, &notif);
                return true;
            }
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => std::hint::spin_loop(),
            Err(_) => return false,
        }
    }
    false
}

fn handle(listener: &OwnedFd, decider: &Arc<Decider>, notif: &sys::seccomp_notif) {
    let fd = listener.as_fd();
    let call = decode::decode(notif);
    // What we read may belong to another call if the target was interrupted
    // or died and its tid reused: check before using it (seccomp_unotify(2)).
    if !sys::id_valid(fd, notif.id) {
        return;
    }
    let tid = notif.pid as i32;
    let answer = match &call {
        Call::Unreadable(_) => SyscallAnswer::Deny(libc::EFAULT),
        Call::Forbidden(nr) => decider.forbidden(tid, *nr),
        _ => decider.on_syscall(tid, &call),
    };
    respond(fd, decider, notif, &call, answer);
}

fn respond(
    fd: BorrowedFd<'_>,
    decider: &Arc<Decider>,
    notif: &sys::seccomp_notif,
    call: &Call,
    answer: SyscallAnswer,
) {
    let id = notif.id;
    let result = match answer {
        SyscallAnswer::Continue => sys::respond_continue(fd, id),
        SyscallAnswer::Deny(errno) => sys::respond_errno(fd, id, errno),
        SyscallAnswer::Emulate(decided) => match emulate::open(notif.pid as i32, call) {
            Ok(opened) => {
                match decider.check_opened(notif.pid as i32, call, &decided, &opened.real_path) {
                    // An injection the kernel refuses (the target at its
                    // RLIMIT_NOFILE: EMFILE) is that open's error (R-5: never
                    // leave the call unanswered).
                    true => match sys::respond_addfd(
                        fd,
                        id,
                        std::os::fd::AsRawFd::as_raw_fd(&opened.fd),
                        opened.cloexec,
                    ) {
                        Ok(_) => Ok(()),
                        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(e),
                        Err(e) => {
                            sys::respond_errno(fd, id, e.raw_os_error().unwrap_or(libc::EACCES))
                        }
                    },
                    false => sys::respond_errno(fd, id, libc::EACCES),
                }
            }
            Err(errno) => sys::respond_errno(fd, id, errno),
        },
        SyscallAnswer::Held => {
            // A review at this layer: the call stays in the kernel while a
            // thread waits for the verdict; the loop goes on.
            let decider = Arc::clone(decider);
            let call = call.clone();
            let notif = *notif;
            let listener = fd.try_clone_to_owned();
            let Ok(listener) = listener else {
                let _ = sys::respond_errno(fd, id, libc::EACCES);
                return;
            };
            let spawned = std::thread::Builder::new()
                .name("irongate-held".into())
                .spawn(move || {
                    let answer = decider.resolve_held(notif.pid as i32, &call);
                    respond(listener.as_fd(), &decider, &notif, &call, answer);
                });
            if spawned.is_err() {
                let _ = sys::respond_errno(fd, id, libc::EACCES);
            }
            return;
        }
        SyscallAnswer::Kill(errno) => {
            // Kill first: once answered, the agent would run on.
            decider.kill_agent();
            sys::respond_errno(fd, id, errno)
        }
    };
    // ENOENT: the target was interrupted or died meanwhile; nothing to do.
    let _ = result;
}
