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

use crate::decision::{Decision, RuleRef};

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
    /// connection, so one held review never stalls the others (R-50).
    Thread,
}

/// Bytes exactly: as text when they are UTF-8, else as a list of numbers
/// (an environment entry, which need not be text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bytes {
    /// UTF-8 bytes.
    Text(String),
    /// Any other bytes.
    Raw(Vec<u8>),
}

impl Bytes {
    /// The bytes, in their shorter form.
    pub fn new(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(s) => Bytes::Text(s),
            Err(e) => Bytes::Raw(e.into_bytes()),
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Bytes::Text(s) => s.as_bytes(),
            Bytes::Raw(b) => b,
        }
    }
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
        /// Thread id (`gettid`) of the thread this connection serves.
        #[serde(default)]
        tid: i64,
        /// The address of that thread's open note (see [`note`]): its
        /// opens by name are then not sent at all, the kernel layer reads
        /// the note instead.
        #[serde(default)]
        note: Option<u64>,
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
        /// For an event that starts a program: the environment it will run
        /// with, as `NAME=VALUE` entries (the one passed, else the
        /// process's own). The supervisor derives `env_changes` from it and
        /// never logs a value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env: Option<Vec<Bytes>>,
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
    /// The innermost allowed tool call of this thread returned. One way:
    /// the supervisor sends no reply (the thread does not wait for it), and
    /// handles it before the thread's next request on this connection.
    EndTool {
        /// Thread id of the caller.
        tid: i64,
    },
    /// The message of this thread's last open refused at the kernel layer
    /// on its note (the bootstrap turns the plain `EACCES` into it).
    Refusal {
        /// Thread id of the caller.
        tid: i64,
        /// The sequence number of the note of the open that failed: a
        /// message kept for another (older) open is not this one's.
        #[serde(default)]
        seq: u64,
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
        /// reads, which the hook leaves to the kernel layer (R-33).
        #[serde(default)]
        runtime_dirs: Vec<String>,
        /// The thread's note was registered (else its opens go as frames
        /// and its tool ends as `EndTool`).
        #[serde(default)]
        notes: bool,
    },
    /// A decision.
    Verdict {
        /// `allow`, `review` (only for `irongate.check`) or `block`.
        decision: Decision,
        /// Why.
        reason: String,
        /// Rule index and name (`{"index": N, "name": …}`), or null.
        rule: Option<RuleRef>,
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
            // The peer closed with a reply it never read (a thread killed
            // while it waited): an end like any other.
            Err(nix::errno::Errno::ECONNRESET) => return Err(FrameError::Closed),
            Err(e) => return Err(FrameError::Io(e.into())),
        }
    }
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
    fn bytes_travel_exactly() {
        for b in [&b"PATH=/usr/bin"[..], b"N=\xff\xfe", b""] {
            let v = Bytes::new(b.to_vec());
            let json = serde_json::to_string(&v).expect("json");
            let back: Bytes = serde_json::from_str(&json).expect("back");
            assert_eq!(back.as_bytes(), b, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&Bytes::new(b"A=1".to_vec())).unwrap(),
            "\"A=1\""
        );
    }

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

    #[test]
    fn verdict_wire_shape_is_lowercase_decision_and_rule_or_null() {
        let v = |decision, rule| Reply::Verdict {
            decision,
            reason: "r".into(),
            rule,
            message: "m".into(),
        };
        let json = |r: &Reply| String::from_utf8(encode(r)[1..].to_vec()).unwrap();
        assert_eq!(
            json(&v(Decision::Block, None)),
            r#"{"op":"verdict","decision":"block","reason":"r","rule":null,"message":"m"}"#
        );
        let named = v(
            Decision::Allow,
            Some(RuleRef {
                index: 2,
                name: Some("ws".into()),
            }),
        );
        assert_eq!(
            json(&named),
            r#"{"op":"verdict","decision":"allow","reason":"r","rule":{"index":2,"name":"ws"},"message":"m"}"#
        );
        let back: Reply = decode(&encode(&named)).expect("decodes");
        assert!(matches!(
            back,
            Reply::Verdict {
                decision: Decision::Allow,
                rule: Some(RuleRef { index: 2, .. }),
                ..
            }
        ));
        // A decision the child does not know is a malformed frame (refused),
        // never some other decision.
        let unknown =
            br#"{"op":"verdict","decision":"Allow","reason":"","rule":null,"message":""}"#;
        let mut frame = vec![PROTOCOL_VERSION];
        frame.extend_from_slice(unknown);
        assert!(decode::<Reply>(&frame).is_err());
    }
}

/// The open note: how an open by name reaches the supervisor without a
/// frame (one round trip per checked open, R-91).
///
/// Each agent thread keeps one note in its own memory and tells the
/// supervisor its address once. Before an open by name the hook writes what
/// the audit event says (the path, flags, `dir_fd`, the agent's frame) and
/// bumps the sequence number; the syscall follows at once, and the kernel
/// layer reads the note from the stopped thread's memory while deciding that
/// very syscall. The note is untrusted like any frame: it only *explains* a
/// syscall whose path bytes, flags, base and (for `open()`) mode it matches
/// exactly, once (the sequence number must be new), and the decision is the
/// policy's on what the supervisor resolves itself.
pub mod note {
    /// Longest path carried (a longer one is sent as a frame).
    pub const MAX_PATH: usize = 1024;
    /// Longest frame text carried (cut at a character boundary).
    pub const MAX_FRAME_TEXT: usize = 240;
    /// Longest `open()` mode carried (`"rb+"` and the like).
    pub const MAX_MODE: usize = 16;
    /// Header: sequence (u64), flags (i64), dir_fd (i64), valid (u8), mode
    /// length (u8), path length (u16), frame length (u16), padding, mode.
    pub const HEADER: usize = 32 + MAX_MODE;
    /// The whole note.
    pub const SIZE: usize = HEADER + MAX_PATH + MAX_FRAME_TEXT;
    /// After the note: how many tool calls of the thread have ended (u64,
    /// bumped by the hook; the supervisor reads it when it labels an
    /// operation `in_tool`, so an end costs no frame and no syscall).
    pub const TOOL_ENDS: usize = SIZE;
    /// What the thread allocates: the note and the tool-end counter.
    pub const ALLOC: usize = SIZE + 8;

    /// One open, as the hook wrote it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Note {
        /// Bumped by the hook for every note.
        pub seq: u64,
        /// The open's flags, as the audit event gives them.
        pub flags: i64,
        /// The `dir_fd` of `os.open(..., dir_fd=)`, or -1.
        pub dir_fd: i64,
        /// The mode of `open()` (`None` for `os.open`).
        pub mode: Option<String>,
        /// The path bytes the syscall will carry.
        pub path: Vec<u8>,
        /// The agent's frame, `file:line`.
        pub frame: String,
    }

    /// Writes `note` into `buf` (at least [`SIZE`] bytes). `false`: it does
    /// not fit (the open is then sent as a frame).
    pub fn write(buf: &mut [u8], note: &Note) -> bool {
        let mode = note.mode.as_deref().unwrap_or_default();
        if buf.len() < SIZE || note.path.len() > MAX_PATH || mode.len() > MAX_MODE {
            return false;
        }
        let mut cut = note.frame.len().min(MAX_FRAME_TEXT);
        while !note.frame.is_char_boundary(cut) {
            cut -= 1;
        }
        buf[24] = 0; // invalid while being written
        buf[0..8].copy_from_slice(&note.seq.to_ne_bytes());
        buf[8..16].copy_from_slice(&note.flags.to_ne_bytes());
        buf[16..24].copy_from_slice(&note.dir_fd.to_ne_bytes());
        // Length 0 is "no mode": `open()` never takes an empty one.
        buf[25] = mode.len() as u8;
        buf[26..28].copy_from_slice(&(note.path.len() as u16).to_ne_bytes());
        buf[28..30].copy_from_slice(&(cut as u16).to_ne_bytes());
        buf[32..32 + mode.len()].copy_from_slice(mode.as_bytes());
        buf[HEADER..HEADER + note.path.len()].copy_from_slice(&note.path);
        let f = HEADER + MAX_PATH;
        buf[f..f + cut].copy_from_slice(&note.frame.as_bytes()[..cut]);
        buf[24] = 1;
        true
    }

    /// Marks the note used: it explains nothing until the next write.
    pub fn clear(buf: &mut [u8]) {
        if let Some(b) = buf.get_mut(24) {
            *b = 0;
        }
    }

    /// Reads a note back from the bytes the supervisor copied out of the
    /// agent's memory; `None` for anything malformed or not valid.
    pub fn read(buf: &[u8]) -> Option<Note> {
        if buf.len() < SIZE || buf[24] != 1 {
            return None;
        }
        let u64_at = |i: usize| u64::from_ne_bytes(buf[i..i + 8].try_into().unwrap_or_default());
        let u16_at = |i: usize| usize::from(u16::from_ne_bytes([buf[i], buf[i + 1]]));
        let (path_len, frame_len, mode_len) = (u16_at(26), u16_at(28), usize::from(buf[25]));
        if path_len > MAX_PATH || frame_len > MAX_FRAME_TEXT || mode_len > MAX_MODE {
            return None;
        }
        let mode = match mode_len {
            0 => None,
            n => Some(String::from_utf8(buf[32..32 + n].to_vec()).ok()?),
        };
        let f = HEADER + MAX_PATH;
        Some(Note {
            seq: u64_at(0),
            flags: u64_at(8) as i64,
            dir_fd: u64_at(16) as i64,
            mode,
            path: buf[HEADER..HEADER + path_len].to_vec(),
            frame: String::from_utf8(buf[f..f + frame_len].to_vec()).ok()?,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trip_and_refusals() {
            let mut buf = vec![0u8; SIZE];
            assert_eq!(read(&buf), None, "a zeroed note is not valid");
            let n = Note {
                seq: 7,
                flags: 0o2_000_000,
                dir_fd: -1,
                mode: Some("rb".into()),
                path: b"/tmp/x".to_vec(),
                frame: "agent.py:3".into(),
            };
            assert!(write(&mut buf, &n));
            assert_eq!(read(&buf), Some(n.clone()));
            clear(&mut buf);
            assert_eq!(read(&buf), None, "a cleared note explains nothing");
            // A long frame is cut at a character boundary.
            let long = Note {
                frame: "é".repeat(200),
                ..n.clone()
            };
            assert!(write(&mut buf, &long));
            let back = read(&buf).expect("valid");
            assert!(back.frame.len() <= MAX_FRAME_TEXT && long.frame.starts_with(&back.frame));
            // Too long a path does not fit; forged lengths are refused.
            let huge = Note {
                path: vec![b'a'; MAX_PATH + 1],
                ..n
            };
            assert!(!write(&mut buf, &huge));
            let os_open = Note {
                mode: None,
                path: b"/a".to_vec(),
                ..huge
            };
            assert!(write(&mut buf, &os_open));
            assert_eq!(read(&buf).expect("valid").mode, None);
            buf[26..28].copy_from_slice(&u16::MAX.to_ne_bytes());
            assert_eq!(read(&buf), None);
            assert_eq!(read(&buf[..SIZE - 1]), None);
        }
    }
}
