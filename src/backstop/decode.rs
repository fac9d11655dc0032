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

/// A decoded syscall.
#[derive(Debug, Clone)]
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
    },
    /// mkdir, mkdirat.
    Mkdir {
        /// Directory fd.
        dirfd: i64,
        /// Path.
        path: Vec<u8>,
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
    /// truncate, chmod and chown families (`path` empty for the fd forms).
    Meta {
        /// `truncate`, `chmod` or `chown`.
        subtype: &'static str,
        /// Directory fd, or the fd itself for fchmod/fchown.
        dirfd: i64,
        /// Path (empty: the fd itself).
        path: Vec<u8>,
    },
    /// execve, execveat.
    Exec {
        /// Directory fd.
        dirfd: i64,
        /// Program path.
        path: Vec<u8>,
        /// Arguments.
        argv: Vec<Vec<u8>>,
    },
    /// connect, bind, sendto/sendmsg with an address.
    Net {
        /// `connect`, `bind` or `send`.
        subtype: &'static str,
        /// The address (None: no address, e.g. sendmsg on a connected socket).
        addr: Option<SockAddr>,
    },
    /// sendmmsg: every message's destination.
    NetMany {
        /// The addresses (messages without one are left out).
        addrs: Vec<SockAddr>,
    },
    /// kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open.
    Signal {
        /// The pid, thread id or (negative, with `group`) process group.
        target: i64,
        /// `kill`'s group semantics (0, -1, -pgrp) apply.
        group: bool,
    },
    /// A syscall the filter sends only to be refused and logged (io_uring,
    /// ptrace, bpf, namespaces, a second seccomp filter, …).
    Forbidden(i64),
    /// A syscall whose memory could not be read.
    Unreadable(i64),
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
            let word = |i: usize| u64::from_ne_bytes(how[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
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
        },
        libc::SYS_renameat | libc::SYS_renameat2 => Call::Rename {
            olddirfd: sarg(n, 0),
            old: path(n, 1)?,
            newdirfd: sarg(n, 2),
            new: path(n, 3)?,
        },
        libc::SYS_mkdir => Call::Mkdir {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
        },
        libc::SYS_mkdirat => Call::Mkdir {
            dirfd: sarg(n, 0),
            path: path(n, 1)?,
        },
        libc::SYS_link => Call::Link {
            olddirfd: AT_FDCWD,
            old: path(n, 0)?,
            newdirfd: AT_FDCWD,
            new: path(n, 1)?,
        },
        libc::SYS_linkat => Call::Link {
            olddirfd: sarg(n, 0),
            old: path(n, 1)?,
            newdirfd: sarg(n, 2),
            new: path(n, 3)?,
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
        libc::SYS_truncate => Call::Meta {
            subtype: "truncate",
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
        },
        libc::SYS_chmod => Call::Meta {
            subtype: "chmod",
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
        },
        libc::SYS_chown | libc::SYS_lchown => Call::Meta {
            subtype: "chown",
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
        },
        libc::SYS_fchmod => Call::Meta {
            subtype: "chmod",
            dirfd: sarg(n, 0),
            path: Vec::new(),
        },
        libc::SYS_fchown => Call::Meta {
            subtype: "chown",
            dirfd: sarg(n, 0),
            path: Vec::new(),
        },
        libc::SYS_fchmodat | 452 /* fchmodat2 */ => Call::Meta {
            subtype: "chmod",
            dirfd: sarg(n, 0),
            path: path(n, 1).unwrap_or_default(),
        },
        libc::SYS_fchownat => Call::Meta {
            subtype: "chown",
            dirfd: sarg(n, 0),
            path: path(n, 1).unwrap_or_default(),
        },
        libc::SYS_kill | libc::SYS_rt_sigqueueinfo => Call::Signal {
            target: sarg(n, 0),
            group: nr == libc::SYS_kill,
        },
        libc::SYS_tkill | libc::SYS_pidfd_open => Call::Signal {
            target: sarg(n, 0),
            group: false,
        },
        // tgkill(tgid, tid, sig): either names the supervisor.
        libc::SYS_tgkill | libc::SYS_rt_tgsigqueueinfo => Call::Signal {
            target: if sarg(n, 0) > 0 { sarg(n, 1) } else { sarg(n, 0) },
            group: false,
        },
        libc::SYS_execve => Call::Exec {
            dirfd: AT_FDCWD,
            path: path(n, 0)?,
            argv: memory::read_argv(n.pid, arg(n, 1), 256),
        },
        libc::SYS_execveat => Call::Exec {
            dirfd: sarg(n, 0),
            path: path(n, 1).unwrap_or_default(),
            argv: memory::read_argv(n.pid, arg(n, 2), 256),
        },
        libc::SYS_connect => Call::Net {
            subtype: "connect",
            addr: Some(sockaddr(n.pid, arg(n, 1), arg(n, 2))?),
        },
        libc::SYS_bind => Call::Net {
            subtype: "bind",
            addr: Some(sockaddr(n.pid, arg(n, 1), arg(n, 2))?),
        },
        libc::SYS_sendto => Call::Net {
            subtype: "send",
            addr: if arg(n, 4) == 0 {
                None
            } else {
                Some(sockaddr(n.pid, arg(n, 4), arg(n, 5))?)
            },
        },
        libc::SYS_sendmsg => Call::Net {
            subtype: "send",
            addr: msg_name(n.pid, arg(n, 1))?,
        },
        libc::SYS_sendmmsg => {
            // struct mmsghdr { struct msghdr msg_hdr; unsigned msg_len; }:
            // 64 bytes on x86_64. Every message may carry its own address;
            // the kernel sends at most UIO_MAXIOV (1024) of them.
            const MMSGHDR: u64 = 64;
            let vlen = arg(n, 2).min(1024);
            let mut addrs = Vec::new();
            for i in 0..vlen {
                if let Some(a) = msg_name(n.pid, arg(n, 1) + i * MMSGHDR)? {
                    addrs.push(a);
                }
            }
            Call::NetMany { addrs }
        }
        _ => Call::Forbidden(nr),
    })
}

/// The destination of one `struct msghdr` (`{ void *msg_name; socklen_t
/// msg_namelen; … }`): `Some(None)` when it has none, `None` when unreadable.
fn msg_name(pid: u32, hdr_addr: u64) -> Option<Option<SockAddr>> {
    let hdr = memory::read_bytes(pid, hdr_addr, 16)?;
    let name = u64::from_ne_bytes(hdr[0..8].try_into().ok()?);
    let len = u32::from_ne_bytes(hdr[8..12].try_into().ok()?);
    if name == 0 || len == 0 {
        return Some(None);
    }
    Some(Some(sockaddr(pid, name, u64::from(len))?))
}

fn sockaddr(pid: u32, addr: u64, len: u64) -> Option<SockAddr> {
    let len = (len as usize).min(128);
    if len < 2 {
        return None;
    }
    let b = memory::read_bytes(pid, addr, len)?;
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
