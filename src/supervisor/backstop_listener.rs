//! Taking the seccomp listener from the child.
//!
//! The listener exists only once the child's filter is loaded, and from then
//! on every `sendmsg` of the child's filtered threads is itself notified, to
//! a listener nobody serves yet: a filtered `sendmsg` would wait forever.
//! So the child starts one helper thread *before* it loads the filter (a
//! filter applies to the thread that loads it and to what that thread
//! creates later, not to threads that already exist), and that unfiltered
//! thread passes the listener over the hand-off socketpair with
//! `SCM_RIGHTS`, then exits; the main thread waits for it to end before any
//! untrusted code runs. The supervisor receives its own descriptor here.
//!
//! Neither side needs `pidfd_getfd` or `ptrace`, which Docker's default
//! seccomp profile refuses without `CAP_SYS_PTRACE`; a socketpair between
//! parent and child is permitted everywhere.

use std::io;
use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};

/// How the listener was handed over (for `doctor` and the run's log).
pub const MECHANISM: &str = "SCM_RIGHTS from an unfiltered helper thread";

/// What the child handed over.
#[derive(Debug)]
pub struct Handed {
    /// The seccomp listener.
    pub listener: OwnedFd,
    /// Where the child keeps `backstop::memory::PROBE_BYTES`.
    pub probe_addr: u64,
}

/// Receives the listener over the hand-off socket.
pub fn take(handoff: &OwnedFd) -> io::Result<Handed> {
    let mut tag = [0u8; 16];
    let mut iov = [IoSliceMut::new(&mut tag)];
    let mut space = nix::cmsg_space!([RawFd; 2]);
    let msg = recvmsg::<()>(
        handoff.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(io::Error::from)?;
    let mut fds = Vec::new();
    for c in msg.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmRights(r) = c {
            fds.extend(r);
        }
    }
    let truncated = msg.flags.contains(MsgFlags::MSG_CTRUNC);
    let bytes = msg.bytes;
    // SAFETY: every number received with SCM_RIGHTS is a new descriptor
    // that this process owns.
    let mut owned: Vec<OwnedFd> = fds
        .into_iter()
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .collect();
    if bytes == 0 && owned.is_empty() {
        return Err(io::Error::other(
            "the child exited before installing its seccomp filter",
        ));
    }
    if truncated || owned.len() != 1 || bytes != 9 || tag[0] != b'L' {
        return Err(io::Error::other(
            "the child's hand-off message did not carry exactly one seccomp listener",
        ));
    }
    let fd = owned.pop().expect("one descriptor");
    if !is_seccomp_listener(&fd) {
        return Err(io::Error::other(
            "the descriptor the child handed over is not a seccomp listener",
        ));
    }
    // Where the kernel honours it, a receive whose call vanished after
    // poll (the target killed) answers EAGAIN instead of waiting, and the
    // loop polls again (which sees the tree's end); 6.18 ignores it.
    set_nonblocking(&fd);
    let mut addr = [0u8; 8];
    addr.copy_from_slice(&tag[1..9]);
    Ok(Handed {
        listener: fd,
        probe_addr: u64::from_ne_bytes(addr),
    })
}

/// Whether `pidfd_getfd` works on `pid` (Docker's default seccomp profile
/// refuses it without `CAP_SYS_PTRACE`): tried on the child's stdin-or-any
/// descriptor `fd`, which it holds while it waits for the go.
pub fn probe_pidfd_getfd(pid: i32, fd: i32) -> Result<(), io::Error> {
    // SAFETY: pidfd_open on our own unreaped child.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pidfd_open returned a descriptor we own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    // SAFETY: pidfd_getfd with our pidfd; the copy is closed at once.
    let got = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor we own.
    drop(unsafe { OwnedFd::from_raw_fd(got as i32) });
    Ok(())
}

/// The kernel names a listener `anon_inode:seccomp notify`.
fn is_seccomp_listener(fd: &OwnedFd) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.to_string_lossy().contains("seccomp notify"))
        .unwrap_or(false)
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
