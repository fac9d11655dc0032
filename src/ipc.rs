//! The hook ↔ supervisor protocol.
//!
//! One `SOCK_SEQPACKET` Unix connection per agent process: every frame is one
//! message, so frame boundaries come from the kernel, not from a length the
//! child writes. A frame is one version byte followed by a JSON document. The
//! child sends a [`Request`], the supervisor answers each with one [`Reply`].
//!
//! The supervisor treats every frame as hostile: frames larger than
//! [`MAX_FRAME`] are truncated by the kernel (`MSG_TRUNC` tells us) and
//! rejected, unknown versions and malformed JSON end the connection, and no
//! value in a frame is trusted for anything but the decision it asks for.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

use nix::sys::socket::{self, AddressFamily, MsgFlags, SockFlag, SockType, UnixAddr};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Protocol version carried in the first byte of every frame.
pub const PROTOCOL_VERSION: u8 = 1;

/// Largest frame either side accepts. Paths are at most 4 KiB; argv and
/// environments are capped by the hook well below this.
pub const MAX_FRAME: usize = 256 * 1024;

/// How a process joined the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    /// The agent process the supervisor forked.
    Main,
    /// A process forked by the agent (`os.fork`, `multiprocessing` fork).
    Fork,
    /// A Python started through the launcher (`sys.executable`, spawn).
    Exec,
    /// Another thread of a process that has joined: each thread has its own
    /// connection, so one held review never stalls the others.
    Thread,
}

/// A message from the agent side.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// First frame on every connection.
    Hello {
        /// How this process came to be.
        kind: JoinKind,
        /// The interpreter command line (launcher re-entry only).
        #[serde(default)]
        argv: Vec<String>,
    },
    /// A CPython audit event the hook handles, with its arguments converted
    /// from exact `str`/`bytes`/`int` values.
    Event {
        /// Thread id (`gettid`) of the caller.
        tid: i64,
        /// Audit event name.
        event: String,
        /// Converted arguments.
        args: Vec<Value>,
        /// Innermost Python frame, `file:line`.
        frame: Option<String>,
        /// `dir_fd` noted by the bootstrap for the next `open` (the `open`
        /// audit event does not carry it).
        #[serde(default)]
        dir_fd: Option<i64>,
        /// An `open` whose syscall follows at once: the hook does not wait
        /// for the verdict, the kernel layer's notification of that very
        /// open carries it (one round trip per checked open). The reply is
        /// still sent, and read by the hook before its next request.
        #[serde(default)]
        deferred: bool,
    },
    /// An action built by the Python API or by enrichment.
    Action {
        /// Thread id of the caller.
        tid: i64,
        /// `api` for `irongate.check`/`irongate.tool`, `hook` for enrichment.
        layer: String,
        /// The action object (SPEC §4).
        action: Value,
        /// Innermost Python frame, `file:line`.
        frame: Option<String>,
    },
    /// `shield.protect(profile=…)`: narrow this thread's profile.
    Narrow {
        /// Thread id of the caller.
        tid: i64,
        /// Profile name.
        profile: String,
    },
    /// Leave the innermost `shield.protect()` of this thread.
    Release {
        /// Thread id of the caller.
        tid: i64,
    },
}

/// The supervisor's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Reply {
    /// Answer to `Hello`.
    Welcome {
        /// Path the bootstrap sets as `sys.executable` (the launcher).
        launcher: String,
        /// The interpreter whose environment the agent runs in.
        program_name: String,
        /// Supervisor pid, for the tripwires.
        supervisor_pid: i32,
        /// Runtime directories (real paths): reads below them are runtime
        /// reads, which the hook leaves to the kernel layer.
        #[serde(default)]
        runtime_dirs: Vec<String>,
    },
    /// A decision.
    Verdict {
        /// `allow`, `review` (only for `irongate.check`) or `block`.
        decision: String,
        /// Why.
        reason: String,
        /// Rule index and name, or null.
        rule: Value,
        /// Text for the `PermissionError` when blocked.
        message: String,
    },
    /// Acknowledgement without a decision.
    Ok,
    /// The request was refused (malformed, not allowed in this state).
    Error {
        /// Why.
        message: String,
    },
}

/// Encodes a message as one frame.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.push(PROTOCOL_VERSION);
    // Serialising our own enums into a Vec cannot fail.
    serde_json::to_writer(&mut buf, msg).unwrap_or_default();
    buf
}

/// Errors decoding a frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Empty frame: the peer closed the connection.
    #[error("connection closed")]
    Closed,
    /// Wrong protocol version.
    #[error("unsupported protocol version {0} (expected {PROTOCOL_VERSION})")]
    Version(u8),
    /// More than [`MAX_FRAME`] bytes.
    #[error("frame larger than {MAX_FRAME} bytes")]
    TooLarge,
    /// Not a valid message.
    #[error("malformed frame: {0}")]
    Json(#[from] serde_json::Error),
    /// Socket error.
    #[error("ipc socket: {0}")]
    Io(#[from] io::Error),
}

/// Decodes one frame.
pub fn decode<T: for<'de> Deserialize<'de>>(frame: &[u8]) -> Result<T, FrameError> {
    let (&version, body) = frame.split_first().ok_or(FrameError::Closed)?;
    if version != PROTOCOL_VERSION {
        return Err(FrameError::Version(version));
    }
    Ok(serde_json::from_slice(body)?)
}

/// Sends one frame.
pub fn send_frame(fd: BorrowedFd<'_>, frame: &[u8]) -> Result<(), FrameError> {
    if frame.len() > MAX_FRAME {
        return Err(FrameError::TooLarge);
    }
    loop {
        match socket::send(fd.as_raw_fd(), frame, MsgFlags::MSG_NOSIGNAL) {
            Ok(_) => return Ok(()),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(FrameError::Io(e.into())),
        }
    }
}

/// Receives one frame into `buf` (which must hold [`MAX_FRAME`] + 1 bytes);
/// returns its length.
pub fn recv_frame(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize, FrameError> {
    recv_frame_spinning(fd, buf, std::time::Duration::ZERO)
}

/// Like [`recv_frame`], but first tries without sleeping for up to `spin`:
/// the next frame usually comes within microseconds, and sleeping costs a
/// cross-CPU wake-up (tens of µs on a VM whose idle CPUs halt).
pub fn recv_frame_spinning(
    fd: BorrowedFd<'_>,
    buf: &mut [u8],
    spin: std::time::Duration,
) -> Result<usize, FrameError> {
    let start = std::time::Instant::now();
    let spin = if can_spin() {
        spin
    } else {
        std::time::Duration::ZERO
    };
    loop {
        let spinning = !spin.is_zero() && start.elapsed() < spin;
        // MSG_TRUNC makes recv return the real length of an oversized
        // datagram, so a truncated frame is detected instead of parsed.
        let flags = if spinning {
            MsgFlags::MSG_TRUNC | MsgFlags::MSG_DONTWAIT
        } else {
            MsgFlags::MSG_TRUNC
        };
        match socket::recv(fd.as_raw_fd(), buf, flags) {
            Ok(0) => return Err(FrameError::Closed),
            Ok(n) if n > MAX_FRAME || n > buf.len() => return Err(FrameError::TooLarge),
            Ok(n) => return Ok(n),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) if spinning => std::hint::spin_loop(),
            Err(e) => return Err(FrameError::Io(e.into())),
        }
    }
}

/// Waits until a frame can be read without taking it (`MSG_PEEK`),
/// spinning first like [`recv_frame_spinning`]. A server marks itself busy
/// between this and the [`recv_frame`] that takes the frame, so an observer
/// never sees a frame that is neither queued nor being handled.
pub fn wait_frame_spinning(
    fd: BorrowedFd<'_>,
    spin: std::time::Duration,
) -> Result<(), FrameError> {
    let start = std::time::Instant::now();
    let spin = if can_spin() {
        spin
    } else {
        std::time::Duration::ZERO
    };
    let mut probe = [0u8; 1];
    loop {
        let spinning = !spin.is_zero() && start.elapsed() < spin;
        let flags = if spinning {
            MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT
        } else {
            MsgFlags::MSG_PEEK
        };
        match socket::recv(fd.as_raw_fd(), &mut probe, flags) {
            Ok(0) => return Err(FrameError::Closed),
            Ok(_) => return Ok(()),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(nix::errno::Errno::EAGAIN) if spinning => std::hint::spin_loop(),
            // The peer closed with replies it never read (a deferred open's,
            // at exit): an end like any other.
            Err(nix::errno::Errno::ECONNRESET) => return Err(FrameError::Closed),
            Err(e) => return Err(FrameError::Io(e.into())),
        }
    }
}

/// Bytes of the next frame queued on `fd` (0: none).
pub fn queued(fd: RawFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int for a socket we hold open.
    let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if rc < 0 { 0 } else { n.max(0) as usize }
}

/// Spinning only pays with another CPU to spin on: pinned to one CPU it
/// would only delay the thread it waits for. Read from the affinity mask (a
/// syscall; `available_parallelism` would read cgroup files in the agent).
pub fn can_spin() -> bool {
    static CAN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CAN.get_or_init(|| {
        nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).is_ok_and(|set| {
            (0..nix::sched::CpuSet::count())
                .filter(|&i| set.is_set(i).unwrap_or(false))
                .nth(1)
                .is_some()
        })
    })
}

/// Creates the supervisor's listening socket at `path`.
pub fn listen(path: &Path) -> io::Result<OwnedFd> {
    let fd = socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let addr = UnixAddr::new(path)?;
    socket::bind(fd.as_raw_fd(), &addr)?;
    socket::listen(&fd, socket::Backlog::new(128).map_err(io::Error::from)?)?;
    Ok(fd)
}

/// Connects to the supervisor's socket at `path`.
pub fn connect(path: &Path) -> io::Result<OwnedFd> {
    let fd = socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let addr = UnixAddr::new(path)?;
    loop {
        match socket::connect(fd.as_raw_fd(), &addr) {
            Ok(()) => return Ok(fd),
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Accepts one connection; returns the socket and the peer's pid as the
/// kernel recorded it at `connect` time (`SO_PEERCRED`, not forgeable).
pub fn accept(listener: BorrowedFd<'_>) -> io::Result<(OwnedFd, i32)> {
    let raw: RawFd = loop {
        match socket::accept4(listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC) {
            Ok(fd) => break fd,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    // SAFETY: accept4 just returned this descriptor; we are its only owner.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let cred = socket::getsockopt(&fd, socket::sockopt::PeerCredentials)?;
    Ok((fd, cred.pid()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_version_check() {
        let req = Request::Narrow {
            tid: 7,
            profile: "minimal".into(),
        };
        let frame = encode(&req);
        let back: Request = decode(&frame).expect("decodes");
        assert!(matches!(back, Request::Narrow { tid: 7, .. }));
        let mut bad = frame.clone();
        bad[0] = 9;
        assert!(matches!(
            decode::<Request>(&bad),
            Err(FrameError::Version(9))
        ));
        assert!(matches!(decode::<Request>(&[]), Err(FrameError::Closed)));
        assert!(decode::<Request>(&[PROTOCOL_VERSION, b'{']).is_err());
    }
}
