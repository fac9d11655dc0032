//! Taking the seccomp listener from the child.
//!
//! The child cannot pass it with SCM_RIGHTS: `sendmsg` is itself trapped, and
//! nobody would answer yet. It sends the descriptor's number with a plain
//! `send`; the supervisor copies the descriptor with `pidfd_getfd` (its
//! parent, same credentials) and tells the child to go on and close its own.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Receives the listener's number and copies the descriptor out of `pid`.
pub fn take(handoff: &OwnedFd, pid: i32) -> io::Result<OwnedFd> {
    let mut num = [0u8; 4];
    // SAFETY: recv into a local buffer on a descriptor we own.
    let n = unsafe { libc::recv(handoff.as_raw_fd(), num.as_mut_ptr().cast(), num.len(), 0) };
    if n != 4 {
        return Err(io::Error::other(
            "the child exited before installing its seccomp filter",
        ));
    }
    let target = i32::from_ne_bytes(num);
    // SAFETY: pidfd_open on our own child's pid; it cannot have been reaped
    // (we have not waited for it), so the pid is not reused.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pidfd_open returned a descriptor we own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    // SAFETY: pidfd_getfd with a valid pidfd; returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), target, 0) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(
            e.kind(),
            format!(
                "pidfd_getfd: {e} (in a container, this needs CAP_SYS_PTRACE: docker run --cap-add SYS_PTRACE)"
            ),
        ));
    }
    // SAFETY: pidfd_getfd returned a descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    set_nonblocking(&fd);
    Ok(fd)
}

fn set_nonblocking(fd: &OwnedFd) {
    // SAFETY: fcntl flag calls on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

/// Lets the child continue once the notify loop runs.
pub fn go(handoff: &OwnedFd) -> io::Result<()> {
    // SAFETY: send from a local buffer on a descriptor we own.
    let n = unsafe {
        libc::send(
            handoff.as_raw_fd(),
            b"G".as_ptr().cast(),
            1,
            libc::MSG_NOSIGNAL,
        )
    };
    if n != 1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
