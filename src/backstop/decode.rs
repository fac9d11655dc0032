//! Decoding a notification into a plain [`Call`]: the syscall number and
//! registers, plus the strings and addresses read from the target's memory.
//! No decision is made here.

use super::memory::{self, MAX_PATH};
use super::sys::seccomp_notif;

/// `AT_FDCWD` as a syscall argument.
pub const AT_FDCWD: i64 = libc::AT_FDCWD as i64;

/// A socket address read from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    /// IPv4 or IPv6 address and port.
    Inet {
        /// The address.
        ip: std::net::IpAddr,
        /// The port.
        port: u16,
    },
    /// A Unix socket path (`@name` for abstract sockets).
    Unix(String),
    /// Another family (netlink, packet, …).
    Other(u16),
}

/// The network operation of a [`Call::Net`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetOp {
    /// `connect`.
    Connect,
    /// `bind`.
    Bind,
    /// `sendto`, `sendmsg`, `sendmmsg`.
    Send,
}

impl NetOp {
    /// The network action this call is (SPEC §4).
    pub fn action_op(self) -> crate::action::NetOp {
        match self {
            NetOp::Connect => crate::action::NetOp::Connect,
            NetOp::Bind => crate::action::NetOp::Bind,
            NetOp::Send => crate::action::NetOp::Send,
        }
    }
}

/// One message (or the address of a connect/bind), copied out of the
/// target: what the supervisor judges is what it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The destination, decoded (None: no address).
    pub addr: Option<SockAddr>,
    /// The destination's raw bytes, as the target passed them.
    pub raw_addr: Vec<u8>,
    /// The data (sends only), gathered from the iovecs.
    pub data: Vec<u8>,
    /// The message carried ancillary data (`msg_controllen > 0`).
    pub control: bool,
}

impl Msg {
    /// The path of a Unix socket address as the kernel will read it: the
    /// bytes of `sun_path` up to its NUL (not the lossy text in `addr`).
    /// `None` for another family, an abstract name or no address.
    pub fn unix_path(&self) -> Option<&[u8]> {
        if !matches!(self.addr, Some(SockAddr::Unix(_))) {
            return None;
        }
        let raw = self.raw_addr.get(2..)?;
        if raw.first().is_none_or(|b| *b == 0) {
            return None;
        }
        let end = raw.iter().position(|c| *c == 0).unwrap_or(raw.len());
        Some(&raw[..end])
    }
}

/// What a `fcntl`/`ioctl` that routes signals or injects input asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `fcntl(F_SETOWN, target)`: SIGIO/SIGURG go to `target` (a pid, or a
    /// process group when negative).
    SetOwn(i64),
    /// `fcntl(F_SETSIG, sig)`: which signal the owner gets.
    SetSig,
    /// `fcntl(F_SETOWN_EX)`, `FIOSETOWN`, `SIOCSPGRP`: an owner passed in
    /// memory.
    SetOwnIndirect,
    /// `TIOCSTI`, `TIOCLINUX`, `TIOCSPGRP`, `TIOCVHANGUP`: input injected
    /// into, the foreground group of, or a hang-up of a terminal the
    /// supervisor shares.
    Terminal,
    /// `FS_IOC_SETFLAGS`, `FIFREEZE`, … (`table::IOCTL_FILE_CHANGES`): a
    /// file or a file system changed through any descriptor of it.
    FileChange,
    /// `TIOCSCTTY` with its argument: non-zero forces a terminal another
    /// session has (`CAP_SYS_ADMIN`).
    TakeTerminal(i64),
    /// `fcntl(F_SETFL)` with `O_ASYNC`, `FIOASYNC`: signal-driven I/O, whose
    /// owner on a terminal is the terminal's foreground group.
    Async,
}

/// A decoded syscall. Every pointer argument is copied out once, here: the
/// decision and any call performed on the target's behalf use these copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// open, openat, openat2, creat.
    Open {
        /// Directory fd (or AT_FDCWD).
        dirfd: i64,
        /// Path bytes.
        path: Vec<u8>,
        /// Open flags.
        flags: i64,
        /// Creation mode.
        mode: u32,
        /// openat2 `resolve` flags (0 for the others).
        resolve: u64,
    },
    /// unlink, unlinkat, rmdir.
    Unlink {
        /// Directory fd.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
        /// rmdir / AT_REMOVEDIR.
        dir: bool,
    },
    /// rename, renameat, renameat2.
    Rename {
        /// Source directory fd.
        olddirfd: i64,
        /// Source.
        old: Vec<u8>,
        /// Destination directory fd.
        newdirfd: i64,
        /// Destination.
        new: Vec<u8>,
        /// renameat2 flags (`RENAME_NOREPLACE`, `RENAME_EXCHANGE`,
        /// `RENAME_WHITEOUT`).
        flags: u32,
    },
    /// mkdir, mkdirat.
    Mkdir {
        /// Directory fd.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
        /// Mode (before the umask).
        mode: u32,
    },
    /// mknod, mknodat.
    Mknod {
        /// Directory fd.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
        /// File type and mode.
        mode: u32,
        /// Device number.
        dev: u64,
    },
    /// link, linkat.
    Link {
        /// Source directory fd.
        olddirfd: i64,
        /// Source.
        old: Vec<u8>,
        /// Destination directory fd.
        newdirfd: i64,
        /// Destination.
        new: Vec<u8>,
        /// linkat flags (`AT_SYMLINK_FOLLOW`, `AT_EMPTY_PATH`).
        flags: i32,
    },
    /// symlink, symlinkat.
    Symlink {
        /// The link's content.
        target: Vec<u8>,
        /// Directory fd of the new link.
        dirfd: i64,
        /// The new link.
        path: Vec<u8>,
    },
    /// chmod, fchmod, fchmodat, fchmodat2 (`path` empty with
    /// `AT_EMPTY_PATH` or for fchmod: the fd itself).
    Chmod {
        /// Directory fd, or the fd itself.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
        /// The new mode.
        mode: u32,
        /// `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
        flags: i32,
    },
    /// chown, lchown, fchown, fchownat.
    Chown {
        /// Directory fd, or the fd itself.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
        /// New owner (`u32::MAX`: unchanged).
        uid: u32,
        /// New group (`u32::MAX`: unchanged).
        gid: u32,
        /// `AT_SYMLINK_NOFOLLOW`, `AT_EMPTY_PATH`.
        flags: i32,
    },
    /// truncate.
    Truncate {
        /// Path (relative to the cwd).
        path: Vec<u8>,
        /// New length.
        len: i64,
    },
    /// execve, execveat.
    Exec {
        /// Directory fd.
        dirfd: i64,
        /// Program path.
        path: Vec<u8>,
        /// Arguments.
        argv: Vec<Vec<u8>>,
        /// The environment, `NAME=VALUE` entries.
        env: Vec<Vec<u8>>,
        /// execveat flags.
        flags: i32,
    },
    /// connect, bind, sendto/sendmsg/sendmmsg.
    Net {
        /// Which.
        op: NetOp,
        /// The target's socket.
        fd: i32,
        /// The address (connect, bind) or the messages (sends).
        msgs: Vec<Msg>,
        /// Send flags.
        flags: i32,
        /// The call was sendmmsg (its answer is a message count).
        many: bool,
    },
    /// kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open.
    Signal {
        /// The pid, thread id or (negative, with `group`) process group.
        target: i64,
        /// `kill`'s group semantics (0, -1, -pgrp) apply.
        group: bool,
        /// The signal number (0: only a check that the target exists);
        /// `None` for `pidfd_open`, which sends nothing by itself.
        sig: Option<i32>,
    },
    /// fcntl/ioctl calls that route signals or reach the terminal.
    SignalRoute {
        /// The descriptor.
        fd: i32,
        /// What it asks.
        route: Route,
    },
    /// `listen`: on a socket never bound, the kernel binds it to the
    /// wildcard address (an inet socket) or an abstract name (a Unix one).
    Listen {
        /// The socket.
        fd: i32,
        /// The backlog.
        backlog: i32,
    },
    /// A change of another task's scheduling, affinity, nice value or I/O
    /// priority.
    Sched {
        /// Whose.
        target: SchedTarget,
    },
    /// A change of the caller's credentials or umask (`umask` changes the
    /// whole process's, the others the calling thread's).
    CredChange {
        /// `umask`: every thread of the process is concerned.
        process_wide: bool,
    },
    /// A syscall the filter sends only to be refused and logged (io_uring,
    /// ptrace, bpf, namespaces, a second seccomp filter, …).
    Forbidden(i64),
    /// A syscall number nobody classified (a newer kernel's, or none).
    Unclassified(i64),
    /// A syscall whose memory could not be read.
    Unreadable(i64),
}

/// Whose scheduling a [`Call::Sched`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedTarget {
    /// One task by its pid or tid (0: the caller).
    Task(i64),
    /// A process group (`PRIO_PGRP`, `IOPRIO_WHO_PGRP`).
    Group,
    /// Every process of a user (`PRIO_USER`, `IOPRIO_WHO_USER`).
    User,
    /// A `which` the kernel does not know (it answers `EINVAL`).
    Invalid,
}

fn arg(n: &seccomp_notif, i: usize) -> u64 {
    n.data.args[i]
}

fn sarg(n: &seccomp_notif, i: usize) -> i64 {
    // File descriptors and AT_FDCWD are C ints: sign-extend the low 32 bits.
    i64::from(n.data.args[i] as u32 as i32)
}

fn path(n: &seccomp_notif, i: usize) -> Option<Vec<u8>> {
    memory::read_cstr(n.pid, arg(n, i), MAX_PATH)
}

/// Longest data the supervisor copies for one message it sends for the
/// target (a datagram is at most 64 KiB; a stream send may be short).
pub const MAX_SEND: usize = 256 * 1024;

/// Decodes one notification, reading its pointer arguments.
pub fn decode(n: &seccomp_notif) -> Call {
    let nr = i64::from(n.data.nr);
    decode_nr(n, nr).unwrap_or(Call::Unreadable(nr))
}

fn decode_nr(n: &seccomp_notif, nr: i64) -> Option<Call> {
    Some(match nr {
        libc::SYS_open => Call::Open {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            flags: arg(n, 1) as i32 as i64,
            mode: arg(n, 2) as u32,
            resolve: 0,
        },
        libc::SYS_creat => Call::Open {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            flags: i64::from(libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC),
            mode: arg(n, 1) as u32,
            resolve: 0,
        },
        libc::SYS_openat => Call::Open {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
            flags: arg(n, 2) as i32 as i64,
            mode: arg(n, 3) as u32,
            resolve: 0,
        },
        libc::SYS_openat2 => {
            let size = (arg(n, 3) as usize).min(64);
            let how = memory::read_bytes(n.pid, arg(n, 2), size.max(24))?;
            let word =
                |i: usize| u64::from_ne_bytes(how[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            Call::Open {
                dirfd: sarg(n, 0),
                path: path(n, 1)?,
                flags: word(0) as i64,
                mode: word(1) as u32,
                resolve: word(2),
            }
        }
        libc::SYS_unlink => Call::Unlink {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            dir: false,
        },
        libc::SYS_rmdir => Call::Unlink {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            dir: true,
        },
        libc::SYS_unlinkat => Call::Unlink {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
            dir: arg(n, 2) as i32 & libc::AT_REMOVEDIR != 0,
        },
        libc::SYS_rename => Call::Rename {
            olddirfd: AT_FDCWD,
            old: path(n, 0)?,
            newdirfd: AT_FDCWD,
            new: path(n, 1)?,
            flags: 0,
        },
        libc::SYS_renameat | libc::SYS_renameat2 => Call::Rename {
            olddirfd: sarg(n, 0),
            old: path(n, 1)?,
            newdirfd: sarg(n, 2),
            new: path(n, 3)?,
            flags: if nr == libc::SYS_renameat2 {
                arg(n, 4) as u32
            } else {
                0
            },
        },
        libc::SYS_mkdir => Call::Mkdir {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            mode: arg(n, 1) as u32,
        },
        libc::SYS_mkdirat => Call::Mkdir {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
            mode: arg(n, 2) as u32,
        },
        libc::SYS_mknod => Call::Mknod {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            mode: arg(n, 1) as u32,
            dev: arg(n, 2),
        },
        libc::SYS_mknodat => Call::Mknod {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
            mode: arg(n, 2) as u32,
            dev: arg(n, 3),
        },
        libc::SYS_link => Call::Link {
            olddirfd: AT_FDCWD,
            old: path(n, 0)?,
            newdirfd: AT_FDCWD,
            new: path(n, 1)?,
            flags: 0,
        },
        libc::SYS_linkat => Call::Link {
            olddirfd: sarg(n, 0),
            old: opt_path(n, 1)?,
            newdirfd: sarg(n, 2),
            new: path(n, 3)?,
            flags: arg(n, 4) as i32,
        },
        libc::SYS_symlink => Call::Symlink {
            target: path(n, 0)?,
            dirfd: AT_FDCWD,
            path: path(n, 1)?,
        },
        libc::SYS_symlinkat => Call::Symlink {
            target: path(n, 0)?,
            dirfd: sarg(n, 1),
            path: path(n, 2)?,
        },
        libc::SYS_truncate => Call::Truncate {
            path: path(n, 0)?,
            len: arg(n, 1) as i64,
        },
        libc::SYS_chmod => Call::Chmod {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            mode: arg(n, 1) as u32,
            flags: 0,
        },
        libc::SYS_fchmod => Call::Chmod {
            dirfd: sarg(n, 0),
            path: Vec::new(),
            mode: arg(n, 1) as u32,
            flags: libc::AT_EMPTY_PATH,
        },
        libc::SYS_fchmodat => Call::Chmod {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
            mode: arg(n, 2) as u32,
            flags: 0,
        },
        SYS_FCHMODAT2 => Call::Chmod {
            dirfd: sarg(n, 0),
            path: opt_path(n, 1)?,
            mode: arg(n, 2) as u32,
            flags: arg(n, 3) as i32,
        },
        libc::SYS_chown | libc::SYS_lchown => Call::Chown {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            uid: arg(n, 1) as u32,
            gid: arg(n, 2) as u32,
            flags: if nr == libc::SYS_lchown {
                libc::AT_SYMLINK_NOFOLLOW
            } else {
                0
            },
        },
        libc::SYS_fchown => Call::Chown {
            dirfd: sarg(n, 0),
            path: Vec::new(),
            uid: arg(n, 1) as u32,
            gid: arg(n, 2) as u32,
            flags: libc::AT_EMPTY_PATH,
        },
        libc::SYS_fchownat => Call::Chown {
            dirfd: sarg(n, 0),
            path: opt_path(n, 1)?,
            uid: arg(n, 2) as u32,
            gid: arg(n, 3) as u32,
            flags: arg(n, 4) as i32,
        },
        // kill(pid, sig), rt_sigqueueinfo(tgid, sig, info), tkill(tid, sig).
        libc::SYS_kill | libc::SYS_rt_sigqueueinfo | libc::SYS_tkill => Call::Signal {
            target: sarg(n, 0),
            group: nr == libc::SYS_kill,
            sig: Some(sarg(n, 1) as i32),
        },
        // pidfd_open(pid, flags): a handle for pidfd_send_signal (refused).
        libc::SYS_pidfd_open => Call::Signal {
            target: sarg(n, 0),
            group: false,
            sig: None,
        },
        // tgkill(tgid, tid, sig), rt_tgsigqueueinfo(tgid, tid, sig, info):
        // either id names the supervisor.
        libc::SYS_tgkill | libc::SYS_rt_tgsigqueueinfo => Call::Signal {
            target: if sarg(n, 0) > 0 {
                sarg(n, 1)
            } else {
                sarg(n, 0)
            },
            group: false,
            sig: Some(sarg(n, 2) as i32),
        },
        libc::SYS_fcntl => Call::SignalRoute {
            fd: sarg(n, 0) as i32,
            route: match arg(n, 1) as i32 {
                libc::F_SETOWN => Route::SetOwn(sarg(n, 2)),
                F_SETSIG => Route::SetSig,
                libc::F_SETFL => Route::Async,
                _ => Route::SetOwnIndirect,
            },
        },
        libc::SYS_ioctl => Call::SignalRoute {
            fd: sarg(n, 0) as i32,
            route: match arg(n, 1) as u32 as libc::c_ulong {
                FIOSETOWN | SIOCSPGRP => Route::SetOwnIndirect,
                FIOASYNC => Route::Async,
                TIOCSCTTY => Route::TakeTerminal(sarg(n, 2)),
                r if super::table::IOCTL_FILE_CHANGES.contains(&(r as u32)) => Route::FileChange,
                _ => Route::Terminal,
            },
        },
        libc::SYS_execve => Call::Exec {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            argv: memory::read_argv(n.pid, arg(n, 1), MAX_ARGS)?,
            env: memory::read_argv(n.pid, arg(n, 2), MAX_ARGS)?,
            flags: 0,
        },
        libc::SYS_execveat => Call::Exec {
            dirfd: sarg(n, 0),
            path: opt_path(n, 1)?,
            argv: memory::read_argv(n.pid, arg(n, 2), MAX_ARGS)?,
            env: memory::read_argv(n.pid, arg(n, 3), MAX_ARGS)?,
            flags: arg(n, 4) as i32,
        },
        libc::SYS_connect | libc::SYS_bind => Call::Net {
            op: if nr == libc::SYS_connect {
                NetOp::Connect
            } else {
                NetOp::Bind
            },
            fd: sarg(n, 0) as i32,
            msgs: vec![address_only(n.pid, arg(n, 1), arg(n, 2))?],
            flags: 0,
            many: false,
        },
        libc::SYS_sendto => {
            let len = arg(n, 2) as usize;
            if len > MAX_SEND {
                return Some(Call::Unreadable(nr));
            }
            let mut msg = address_only(n.pid, arg(n, 4), arg(n, 5))?;
            msg.data = memory::read_bytes_or_empty(n.pid, arg(n, 1), len)?;
            Call::Net {
                op: NetOp::Send,
                fd: sarg(n, 0) as i32,
                msgs: vec![msg],
                flags: arg(n, 3) as i32,
                many: false,
            }
        }
        libc::SYS_sendmsg => Call::Net {
            op: NetOp::Send,
            fd: sarg(n, 0) as i32,
            msgs: vec![msghdr(n.pid, arg(n, 1))?],
            flags: arg(n, 2) as i32,
            many: false,
        },
        libc::SYS_sendmmsg => {
            // struct mmsghdr { struct msghdr msg_hdr; unsigned msg_len; }:
            // 64 bytes on x86_64. The kernel sends at most UIO_MAXIOV (1024).
            const MMSGHDR: u64 = 64;
            let vlen = arg(n, 2).min(1024);
            let mut msgs = Vec::new();
            let mut total = 0usize;
            for i in 0..vlen {
                let m = msghdr(n.pid, arg(n, 1) + i * MMSGHDR)?;
                total += m.data.len();
                if total > MAX_SEND {
                    return Some(Call::Unreadable(nr));
                }
                msgs.push(m);
            }
            Call::Net {
                op: NetOp::Send,
                fd: sarg(n, 0) as i32,
                msgs,
                flags: arg(n, 3) as i32,
                many: true,
            }
        }
        libc::SYS_listen => Call::Listen {
            fd: sarg(n, 0) as i32,
            backlog: arg(n, 1) as i32,
        },
        libc::SYS_sched_setparam
        | libc::SYS_sched_setscheduler
        | libc::SYS_sched_setaffinity
        | libc::SYS_sched_setattr => Call::Sched {
            target: SchedTarget::Task(sarg(n, 0)),
        },
        // setpriority(which, who, prio): PRIO_PROCESS 0, PRIO_PGRP 1,
        // PRIO_USER 2.
        libc::SYS_setpriority => Call::Sched {
            target: match arg(n, 0) as u32 {
                0 => SchedTarget::Task(sarg(n, 1)),
                1 => SchedTarget::Group,
                2 => SchedTarget::User,
                _ => SchedTarget::Invalid,
            },
        },
        // ioprio_set(which, who, ioprio): IOPRIO_WHO_PROCESS 1, _PGRP 2,
        // _USER 3.
        libc::SYS_ioprio_set => Call::Sched {
            target: match arg(n, 0) as u32 {
                1 => SchedTarget::Task(sarg(n, 1)),
                2 => SchedTarget::Group,
                3 => SchedTarget::User,
                _ => SchedTarget::Invalid,
            },
        },
        libc::SYS_umask => Call::CredChange { process_wide: true },
        libc::SYS_setuid
        | libc::SYS_setgid
        | libc::SYS_setreuid
        | libc::SYS_setregid
        | libc::SYS_setgroups
        | libc::SYS_setresuid
        | libc::SYS_setresgid
        | libc::SYS_setfsuid
        | libc::SYS_setfsgid
        | libc::SYS_capset => Call::CredChange {
            process_wide: false,
        },
        // Everything else the filter sends: an escape syscall the table
        // marks as never the agent's (refused, logged), or a number the
        // table does not know at all (ENOSYS, logged once).
        _ if super::table::class(nr).is_none() => Call::Unclassified(nr),
        _ => Call::Forbidden(nr),
    })
}

/// Most arguments or environment entries an exec may carry for us to judge
/// (more is refused, not judged on a part): as many pointers as the
/// kernel's own byte bound leaves room for ([`memory::MAX_ARGV_BYTES`]).
const MAX_ARGS: usize = memory::MAX_ARGV_BYTES / 9;

/// `F_SETSIG` (not in the libc crate for every target).
const F_SETSIG: i32 = 10;
/// `FIOASYNC` (asm-generic/ioctls.h).
const FIOASYNC: libc::c_ulong = 0x5452;
/// `FIOSETOWN` and `SIOCSPGRP` (asm-generic/sockios.h).
const FIOSETOWN: libc::c_ulong = 0x8901;
/// `TIOCSCTTY`.
const TIOCSCTTY: libc::c_ulong = 0x540E;
const SIOCSPGRP: libc::c_ulong = 0x8902;

/// `fchmodat2` (Linux 6.6; not in every libc crate).
const SYS_FCHMODAT2: i64 = 452;

/// A path that may legitimately be empty (`AT_EMPTY_PATH`) or NULL.
fn opt_path(n: &seccomp_notif, i: usize) -> Option<Vec<u8>> {
    if arg(n, i) == 0 {
        return Some(Vec::new());
    }
    path(n, i)
}

/// A connect/bind/sendto address: copied raw and decoded.
fn address_only(pid: u32, addr: u64, len: u64) -> Option<Msg> {
    let raw = read_sockaddr(pid, addr, len)?;
    Some(Msg {
        addr: Some(decode_sockaddr(&raw)?),
        raw_addr: raw,
        data: Vec::new(),
        control: false,
    })
}

/// One `struct msghdr` (`{ void *msg_name; socklen_t msg_namelen; struct
/// iovec *msg_iov; size_t msg_iovlen; void *msg_control; size_t
/// msg_controllen; int msg_flags; }`, 56 bytes): its address and its data.
fn msghdr(pid: u32, hdr_addr: u64) -> Option<Msg> {
    let hdr = memory::read_bytes(pid, hdr_addr, 56)?;
    let word = |o: usize| u64::from_ne_bytes(hdr[o..o + 8].try_into().unwrap_or([0; 8]));
    let name = word(0);
    let namelen = u64::from(u32::from_ne_bytes(hdr[8..12].try_into().ok()?));
    let (iov, iovlen, controllen) = (word(16), word(24).min(1024), word(40));
    let (addr, raw_addr) = if name == 0 || namelen == 0 {
        (None, Vec::new())
    } else {
        let raw = read_sockaddr(pid, name, namelen)?;
        (Some(decode_sockaddr(&raw)?), raw)
    };
    let mut data = Vec::new();
    for i in 0..iovlen {
        let v = memory::read_bytes(pid, iov + i * 16, 16)?;
        let base = u64::from_ne_bytes(v[0..8].try_into().ok()?);
        let len = u64::from_ne_bytes(v[8..16].try_into().ok()?) as usize;
        if data.len() + len > MAX_SEND {
            return None;
        }
        data.extend_from_slice(&memory::read_bytes_or_empty(pid, base, len)?);
    }
    Some(Msg {
        addr,
        raw_addr,
        data,
        control: controllen > 0,
    })
}

fn read_sockaddr(pid: u32, addr: u64, len: u64) -> Option<Vec<u8>> {
    let len = (len as usize).min(128);
    if len < 2 {
        return None;
    }
    memory::read_bytes(pid, addr, len)
}

/// Decodes a socket address the supervisor copied.
pub fn decode_sockaddr(b: &[u8]) -> Option<SockAddr> {
    if b.len() < 2 {
        return None;
    }
    let len = b.len();
    let family = u16::from_ne_bytes([b[0], b[1]]);
    Some(match i32::from(family) {
        libc::AF_INET if len >= 8 => SockAddr::Inet {
            port: u16::from_be_bytes([b[2], b[3]]),
            ip: std::net::IpAddr::from([b[4], b[5], b[6], b[7]]),
        },
        libc::AF_INET6 if len >= 24 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            let v6 = std::net::Ipv6Addr::from(a);
            SockAddr::Inet {
                port: u16::from_be_bytes([b[2], b[3]]),
                ip: v6
                    .to_ipv4_mapped()
                    .map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
            }
        }
        // Too short for its family: the kernel refuses it (EINVAL); judge
        // it as an unknown family rather than guess.
        libc::AF_INET | libc::AF_INET6 => SockAddr::Other(family),
        libc::AF_UNIX => {
            let raw = &b[2..];
            if raw.first() == Some(&0) {
                let name = &raw[1..];
                SockAddr::Unix(format!("@{}", String::from_utf8_lossy(name)))
            } else {
                let end = raw.iter().position(|c| *c == 0).unwrap_or(raw.len());
                SockAddr::Unix(String::from_utf8_lossy(&raw[..end]).into_owned())
            }
        }
        _ => SockAddr::Other(family),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddrs_decode_by_family() {
        let mut v4 = vec![0u8; 16];
        v4[0..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[2..4].copy_from_slice(&9999u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[127, 0, 0, 2]);
        assert_eq!(
            decode_sockaddr(&v4),
            Some(SockAddr::Inet {
                ip: "127.0.0.2".parse().expect("ip"),
                port: 9999
            })
        );
        // Truncated inet address: not guessed.
        assert_eq!(
            decode_sockaddr(&v4[..6]),
            Some(SockAddr::Other(libc::AF_INET as u16))
        );
        let mut un = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        un.extend_from_slice(b"/tmp/s\0junk");
        assert_eq!(decode_sockaddr(&un), Some(SockAddr::Unix("/tmp/s".into())));
        let mut abs = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        abs.extend_from_slice(b"\0name");
        assert_eq!(decode_sockaddr(&abs), Some(SockAddr::Unix("@name".into())));
        assert_eq!(decode_sockaddr(&[1]), None);
    }

    fn msg(raw: Vec<u8>) -> Msg {
        Msg {
            addr: decode_sockaddr(&raw),
            raw_addr: raw,
            data: Vec::new(),
            control: false,
        }
    }

    #[test]
    fn a_unix_path_is_the_bytes_the_kernel_reads() {
        let unix = |tail: &[u8]| {
            let mut raw = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
            raw.extend_from_slice(tail);
            msg(raw)
        };
        assert_eq!(unix(b"/w/s\0junk").unix_path(), Some(&b"/w/s"[..]));
        assert_eq!(unix(b"rel").unix_path(), Some(&b"rel"[..]));
        // Not UTF-8: the lossy text differs, the bytes are kept.
        assert_eq!(unix(b"/w/\xff\0").unix_path(), Some(&b"/w/\xff"[..]));
        assert_eq!(unix(b"\0name").unix_path(), None);
        assert_eq!(unix(b"").unix_path(), None);
        let mut v4 = vec![0u8; 16];
        v4[0..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        assert_eq!(msg(v4).unix_path(), None);
    }

    /// A notification of syscall `nr` with register arguments `args`.
    fn notif(nr: i64, args: [u64; 6]) -> seccomp_notif {
        // SAFETY: seccomp_notif is plain data; all-zero is a valid value.
        let mut n: seccomp_notif = unsafe { std::mem::zeroed() };
        n.pid = std::process::id();
        n.data.nr = nr as i32;
        n.data.args = args;
        n
    }

    #[test]
    fn scheduling_calls_decode_whose_they_change() {
        let target = |nr: i64, args: [u64; 6]| match decode(&notif(nr, args)) {
            Call::Sched { target } => target,
            other => panic!("{nr}: {other:?}"),
        };
        assert_eq!(
            target(libc::SYS_sched_setaffinity, [77, 128, 0, 0, 0, 0]),
            SchedTarget::Task(77)
        );
        assert_eq!(
            target(libc::SYS_sched_setscheduler, [0x1_0000_0000, 5, 0, 0, 0, 0]),
            SchedTarget::Task(0)
        );
        // setpriority(which, who, prio).
        assert_eq!(
            target(libc::SYS_setpriority, [0, 9, 10, 0, 0, 0]),
            SchedTarget::Task(9)
        );
        assert_eq!(
            target(libc::SYS_setpriority, [1, 0, 10, 0, 0, 0]),
            SchedTarget::Group
        );
        assert_eq!(
            target(libc::SYS_setpriority, [2, 0, 10, 0, 0, 0]),
            SchedTarget::User
        );
        assert_eq!(
            target(libc::SYS_setpriority, [3, 0, 10, 0, 0, 0]),
            SchedTarget::Invalid
        );
        // ioprio_set(which, who, ioprio): PROCESS is 1 here.
        assert_eq!(
            target(libc::SYS_ioprio_set, [1, 0, 0, 0, 0, 0]),
            SchedTarget::Task(0)
        );
        assert_eq!(
            target(libc::SYS_ioprio_set, [2, 0, 0, 0, 0, 0]),
            SchedTarget::Group
        );
        assert_eq!(
            target(libc::SYS_ioprio_set, [3, 1000, 0, 0, 0, 0]),
            SchedTarget::User
        );
    }

    #[test]
    fn signals_decode_their_target_and_number() {
        let sig = |nr: i64, args: [u64; 6]| match decode(&notif(nr, args)) {
            Call::Signal { target, group, sig } => (target, group, sig),
            other => panic!("{nr}: {other:?}"),
        };
        let neg = |v: i64| v as u64;
        // kill(pid, sig): group semantics, sig in the second register.
        assert_eq!(
            sig(libc::SYS_kill, [42, 0, 0, 0, 0, 0]),
            (42, true, Some(0))
        );
        assert_eq!(
            sig(libc::SYS_kill, [neg(-7), 9, 0, 0, 0, 0]),
            (-7, true, Some(9))
        );
        // Only the low 32 bits are the int the kernel sees.
        assert_eq!(
            sig(
                libc::SYS_kill,
                [0xffff_ffff_0000_002a, 0x1_0000_0000, 0, 0, 0, 0]
            ),
            (42, true, Some(0))
        );
        assert_eq!(
            sig(libc::SYS_tkill, [43, 15, 0, 0, 0, 0]),
            (43, false, Some(15))
        );
        assert_eq!(
            sig(libc::SYS_rt_sigqueueinfo, [44, 10, 0x1000, 0, 0, 0]),
            (44, false, Some(10))
        );
        // tgkill(tgid, tid, sig): the thread id is the target, sig third.
        assert_eq!(
            sig(libc::SYS_tgkill, [44, 45, 0, 0, 0, 0]),
            (45, false, Some(0))
        );
        assert_eq!(
            sig(libc::SYS_rt_tgsigqueueinfo, [44, 46, 12, 0x1000, 0, 0]),
            (46, false, Some(12))
        );
        // A non-positive tgid: the tgid is what is judged.
        assert_eq!(
            sig(libc::SYS_tgkill, [neg(-1), 45, 9, 0, 0, 0]),
            (-1, false, Some(9))
        );
        // pidfd_open carries no signal.
        assert_eq!(
            sig(libc::SYS_pidfd_open, [47, 0, 0, 0, 0, 0]),
            (47, false, None)
        );
    }
}
