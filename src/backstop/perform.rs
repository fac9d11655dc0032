//! Calls performed by the supervisor on the agent's behalf.
//!
//! A path call is split in two steps. [`prepare`] takes what the call will
//! act on — the parent directory of each path, opened `O_PATH` relative to
//! a directory the supervisor took from the caller (its cwd or its dirfd,
//! through `/proc/<tid>`), and the socket itself for network calls — and
//! reports the real paths the kernel reached, which the supervisor judges.
//! [`Prepared::perform`] then does the call on those handles with the
//! supervisor's own copy of the arguments and the caller's credentials. A
//! thread that rewrites the path, swaps a symlink or changes the cwd after
//! the check changes nothing: the kernel never looks at the agent's
//! arguments again.
//!
//! Every failure to open, read or identify is an errno for the agent, never
//! a fall-back to its spelling.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

use super::caller::{Caller, Creds};
use super::decode::{AT_FDCWD, Call, Msg, NetOp, SockAddr};

use super::sys::RESOLVE_NO_MAGICLINKS;

/// A path's parent directory, held, and its last component.
#[derive(Debug)]
pub struct Located {
    dir: OwnedFd,
    name: CString,
    /// The real path the call acts on: the parent's real path and the name.
    pub real: String,
    /// The spelling ended with `/` (the object must be a directory).
    slash: bool,
    magic_ok: bool,
}

/// A file reached through a path (or a descriptor), held `O_PATH`.
#[derive(Debug)]
pub struct Reached {
    fd: OwnedFd,
    /// Its real path (or the kernel's name for a non-file, `pipe:[…]`).
    pub real: String,
}

/// A call made ready to perform: its handles and the supervisor's copy of
/// every argument.
#[derive(Debug)]
pub enum Prepared {
    /// unlink, unlinkat, rmdir.
    Unlink {
        /// The name removed.
        at: Located,
        /// rmdir.
        dir: bool,
    },
    /// mkdir, mkdirat.
    Mkdir {
        /// The new directory.
        at: Located,
        /// Its mode before the caller's umask.
        mode: u32,
    },
    /// mknod, mknodat (regular files, FIFOs and sockets only).
    Mknod {
        /// The new node.
        at: Located,
        /// Type and mode.
        mode: u32,
    },
    /// rename, renameat, renameat2.
    Rename {
        /// The old name.
        from: Located,
        /// The new name.
        to: Located,
        /// renameat2 flags.
        flags: u32,
    },
    /// link, linkat.
    Link {
        /// The file that gets a new name.
        from: Reached,
        /// The new name.
        to: Located,
    },
    /// symlink, symlinkat.
    Symlink {
        /// The link's content (never followed here).
        content: CString,
        /// The new link.
        at: Located,
    },
    /// The chmod family.
    Chmod {
        /// The file.
        file: Reached,
        /// The new mode.
        mode: u32,
    },
    /// The chown family.
    Chown {
        /// The file.
        file: Reached,
        /// New owner.
        uid: u32,
        /// New group.
        gid: u32,
    },
    /// truncate.
    Truncate {
        /// The file.
        file: Reached,
        /// New length.
        len: i64,
    },
    /// listen.
    Listen {
        /// The agent's socket (`None`: no `pidfd_getfd`, continued under a
        /// tree freeze).
        sock: Option<OwnedFd>,
        /// The backlog.
        backlog: i32,
        /// The address the kernel binds it to if it is not bound yet.
        unbound: Option<SockAddr>,
        /// Without the socket: its inode, what the call's descriptor must
        /// still be once the tree is frozen.
        inode: Option<u64>,
    },
    /// connect, bind, sendto/sendmsg/sendmmsg.
    Net {
        /// Which.
        op: NetOp,
        /// The agent's socket, taken with `pidfd_getfd`; `None` where that
        /// is refused (containers): the call is then continued with the
        /// agent's tree frozen (`backstop::tree_stop`), never performed.
        sock: Option<OwnedFd>,
        /// The messages (one address for connect and bind).
        msgs: Vec<Msg>,
        /// For a Unix-socket path: the socket file (connect) or the
        /// directory it is created in (bind).
        unix: Option<UnixTarget>,
        /// Send flags.
        flags: i32,
        /// sendmmsg: the answer is a message count.
        many: bool,
        /// A `bind` without the socket: its inode (see [`note_bound`]).
        inode: Option<u64>,
    },
}

/// Where a Unix socket address really leads.
#[derive(Debug)]
pub enum UnixTarget {
    /// connect/send to an existing socket file.
    Existing(Reached),
    /// bind: a new socket file in this directory.
    New(Located),
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EACCES)
}

fn cstring(b: &[u8]) -> Result<CString, i32> {
    CString::new(b).map_err(|_| libc::EINVAL)
}

/// The text the policy sees for a path (invalid UTF-8 escaped as the hook
/// layer does).
fn text(b: &[u8]) -> String {
    crate::pathname::bytes_text(b)
}

fn openat2(dir: RawFd, path: &CString, flags: i32, resolve: u64) -> Result<OwnedFd, i32> {
    super::sys::openat2(dir, path, i64::from(flags), 0, resolve).map_err(|e| {
        // A magic link where none may be followed: refused, not resolved in
        // the supervisor's context.
        if e == libc::ELOOP && resolve & RESOLVE_NO_MAGICLINKS != 0 {
            libc::EACCES
        } else {
            e
        }
    })
}

/// What the kernel says a descriptor of ours refers to.
fn fd_path(fd: &OwnedFd) -> Result<String, i32> {
    let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map_err(|_| libc::EACCES)?;
    Ok(text(link.as_os_str().as_bytes()))
}

/// `/proc/self`, `/proc/thread-self` and the links into them mean the
/// caller, not the supervisor.
fn as_caller(c: &Caller, path: &[u8]) -> Vec<u8> {
    crate::pathname::proc_self_as(path, c.pid, i64::from(c.tid)).unwrap_or_else(|| path.to_vec())
}

/// Magic links (`/proc/<pid>/fd/N`, `cwd`, `root`) are followed only in the
/// caller's own `/proc` entry: anywhere else they would resolve with the
/// supervisor's rights (another process's cwd, the supervisor's own fds).
/// A `..` anywhere could walk out of that entry (`/proc/<pid>/../<other>`),
/// so a path with one never follows magic links.
pub fn magic_ok(c: &Caller, path: &[u8]) -> bool {
    let own = format!("/proc/{}", c.pid);
    path.strip_prefix(own.as_bytes())
        .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
        && !path.split(|b| *b == b'/').any(|part| part == b"..")
}

/// The directory a relative path starts from: the caller's cwd or the
/// directory behind its descriptor, taken through `/proc/<tid>`.
fn base(c: &Caller, dirfd: i64) -> Result<OwnedFd, i32> {
    let dir = if dirfd == AT_FDCWD {
        format!("/proc/{}/cwd", c.tid)
    } else if dirfd < 0 {
        return Err(libc::EBADF);
    } else {
        format!("/proc/{}/fd/{dirfd}", c.tid)
    };
    // Following the magic link is the point: it names the caller's directory.
    let dir = cstring(dir.as_bytes())?;
    super::memory::as_agent_fs(|| {
        openat2(libc::AT_FDCWD, &dir, libc::O_PATH | libc::O_DIRECTORY, 0)
    })
    .map_err(|e| match e {
        libc::ENOENT if dirfd != AT_FDCWD => libc::EBADF,
        e => e,
    })
}

/// Opens the parent directory of `raw` and names its last component.
pub fn locate(c: &Caller, own: &Creds, dirfd: i64, raw: &[u8]) -> Result<Located, i32> {
    if raw.is_empty() {
        return Err(libc::ENOENT);
    }
    let path = as_caller(c, raw);
    let magic_ok = magic_ok(c, &path);
    let end = path.iter().rposition(|b| *b != b'/').map_or(0, |i| i + 1);
    if end == 0 {
        // "/" itself: nothing to unlink, rename or create.
        return Err(libc::EBUSY);
    }
    let slash = end < path.len();
    let trimmed = &path[..end];
    let (parent, name): (&[u8], &[u8]) = match trimmed.iter().rposition(|b| *b == b'/') {
        Some(0) => (b"/", &trimmed[1..]),
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (b".", trimmed),
    };
    if name == b"." || name == b".." {
        return Err(libc::EINVAL);
    }
    let base_fd = if parent.first() == Some(&b'/') {
        None
    } else {
        Some(base(c, dirfd)?)
    };
    let resolve = if magic_ok { 0 } else { RESOLVE_NO_MAGICLINKS };
    let parent = cstring(parent)?;
    // The walk is the agent's: its search permissions, not the supervisor's.
    let dir = as_agent(c, own, || {
        openat2(
            base_fd.as_ref().map_or(libc::AT_FDCWD, AsRawFd::as_raw_fd),
            &parent,
            libc::O_PATH | libc::O_DIRECTORY,
            resolve,
        )
    })?;
    let dir_real = fd_path(&dir)?;
    if !dir_real.starts_with('/') || dir_real.ends_with(" (deleted)") {
        return Err(libc::ENOENT);
    }
    let name_text = text(name);
    let real = if dir_real == "/" {
        format!("/{name_text}")
    } else {
        format!("{dir_real}/{name_text}")
    };
    Ok(Located {
        dir,
        name: cstring(name)?,
        real,
        slash,
        magic_ok,
    })
}

/// Opens the file `raw` names (following a final symlink if `follow`).
pub fn reach(
    c: &Caller,
    own: &Creds,
    dirfd: i64,
    raw: &[u8],
    follow: bool,
) -> Result<Reached, i32> {
    let at = locate(c, own, dirfd, raw)?;
    let mut flags = libc::O_PATH;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    if at.slash {
        flags |= libc::O_DIRECTORY;
    }
    let resolve = if at.magic_ok {
        0
    } else {
        RESOLVE_NO_MAGICLINKS
    };
    let fd = as_agent(c, own, || {
        openat2(at.dir.as_raw_fd(), &at.name, flags, resolve)
    })?;
    let real = fd_path(&fd)?;
    Ok(Reached { fd, real })
}

/// Runs `f` with the caller's credentials.
fn as_agent<T>(c: &Caller, own: &Creds, f: impl FnOnce() -> Result<T, i32>) -> Result<T, i32> {
    let _as_agent = super::creds::adopt(&c.creds, own).ok_or(libc::EACCES)?;
    f()
}

/// The file behind one of the caller's descriptors.
pub fn reach_fd(c: &Caller, fd: i64) -> Result<Reached, i32> {
    if fd < 0 {
        return Err(libc::EBADF);
    }
    let p = format!("/proc/{}/fd/{fd}", c.tid);
    let p = cstring(p.as_bytes())?;
    let fd = super::memory::as_agent_fs(|| openat2(libc::AT_FDCWD, &p, libc::O_PATH, 0))
        .map_err(|e| if e == libc::ENOENT { libc::EBADF } else { e })?;
    let real = fd_path(&fd)?;
    Ok(Reached { fd, real })
}

/// What a call that continues as the agent's own reaches once everything
/// that could change it is stopped, compared with what was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// What was judged: the same real path, device and inode.
    Same,
    /// The lookup fails now with this error, the kernel's own answer: given
    /// without continuing.
    Fails(i32),
    /// Something else (why, for the log): refused.
    Changed(String),
}

/// Errors of a lookup the kernel gives for the same path (not a reason to
/// suspect anything).
fn is_lookup_error(errno: i32) -> bool {
    matches!(
        errno,
        libc::ENOENT
            | libc::ENOTDIR
            | libc::ELOOP
            | libc::ENAMETOOLONG
            | libc::EBADF
            | libc::EINVAL
            | libc::ENXIO
    )
}

fn dev_ino(fd: &OwnedFd) -> Option<(u64, u64)> {
    // SAFETY: fstat on a descriptor we own (O_PATH allows it) into a zeroed
    // struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        (libc::fstat(fd.as_raw_fd(), &mut st) == 0).then_some((st.st_dev, st.st_ino))
    }
}

fn why(errno: i32) -> String {
    std::io::Error::from_raw_os_error(errno).to_string()
}

/// An `O_PATH` open about to continue: its path is opened again here as the
/// kernel will open it for the caller (from its cwd or dirfd, with the
/// flags that steer the lookup and its credentials; magic links only in its
/// own `/proc` entry) and must reach `judged` — the same real path, and the
/// same file (device and inode) as `judged` itself reached without
/// following any symlink. A descriptor reached through the caller's own
/// `/proc/<pid>/fd` that has no path (a pipe, a socket) is named by the
/// kernel with its inode; its name must be the one judged.
pub fn recheck_open(c: &Caller, own: &Creds, call: &Call, judged: &str) -> Recheck {
    let Call::Open {
        dirfd,
        path,
        flags,
        resolve,
        ..
    } = call
    else {
        return Recheck::Changed("not an open".into());
    };
    // O_PATH ignores every other flag (openat2 refuses them).
    let steer = i64::from(libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW);
    let lookup = Call::Open {
        dirfd: *dirfd,
        path: path.clone(),
        flags: flags & steer,
        mode: 0,
        resolve: *resolve,
    };
    let now = match super::emulate::open(c, own, &lookup, judged) {
        Ok(o) => o,
        Err(e) if is_lookup_error(e) => return Recheck::Fails(e),
        Err(e) => {
            return Recheck::Changed(format!(
                "its path could not be opened again as judged ({})",
                why(e)
            ));
        }
    };
    if now.real_path != judged {
        return Recheck::Changed(format!(
            "it reached {} once the agent was stopped, not {judged}",
            now.real_path
        ));
    }
    if !judged.starts_with('/') {
        return Recheck::Same;
    }
    let Ok(plain) = cstring(judged.as_bytes()) else {
        return Recheck::Changed("the judged path is not a C string".into());
    };
    let mut plain_flags = libc::O_PATH | libc::O_CLOEXEC;
    if flags & i64::from(libc::O_NOFOLLOW) != 0 {
        plain_flags |= libc::O_NOFOLLOW;
    }
    let judged_fd = as_agent(c, own, || {
        openat2(
            libc::AT_FDCWD,
            &plain,
            plain_flags,
            super::sys::RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        )
    });
    match judged_fd {
        Ok(j) if dev_ino(&j).is_some() && dev_ino(&j) == dev_ino(&now.fd) => Recheck::Same,
        Ok(_) => Recheck::Changed(format!("{judged} is another file than the one reached")),
        Err(e) => Recheck::Changed(format!(
            "{judged} cannot be reached without a symlink ({})",
            why(e)
        )),
    }
}

/// A `connect` or send to a Unix socket path about to continue: the path,
/// read again from the call (`again`), is reached again as the kernel will
/// reach it (from the caller's cwd, following symlinks, with its
/// credentials) and must be the socket file held since the judgement
/// (`prepared`): the same real path, device and inode. An abstract address
/// has nothing on the filesystem to compare.
pub fn recheck_unix(c: &Caller, own: &Creds, again: &Call, prepared: Option<&Prepared>) -> Recheck {
    let Call::Net { msgs, .. } = again else {
        return Recheck::Changed("not a socket call".into());
    };
    let Some(path) = msgs.iter().find_map(Msg::unix_path) else {
        return Recheck::Same;
    };
    let Some(Prepared::Net {
        unix: Some(UnixTarget::Existing(judged)),
        ..
    }) = prepared
    else {
        return Recheck::Changed("no socket file was judged".into());
    };
    let now = match reach(c, own, AT_FDCWD, path, true) {
        Ok(r) => r,
        Err(e) if is_lookup_error(e) => return Recheck::Fails(e),
        Err(e) => {
            return Recheck::Changed(format!(
                "the socket path could not be reached again ({})",
                why(e)
            ));
        }
    };
    if now.real != judged.real {
        return Recheck::Changed(format!(
            "it reached {} once the agent was stopped, not {}",
            now.real, judged.real
        ));
    }
    match (dev_ino(&now.fd), dev_ino(&judged.fd)) {
        (Some(a), Some(b)) if a == b => Recheck::Same,
        _ => Recheck::Changed(format!(
            "{} is another socket than the one judged",
            judged.real
        )),
    }
}

/// Capabilities that let a task rename or chmod what it does not own.
const CAP_CHOWN: u64 = 1 << 0;
const CAP_DAC_OVERRIDE: u64 = 1 << 1;
const CAP_FOWNER: u64 = 1 << 3;

/// Whether a task with filesystem uid `fsuid` could rename, remove or
/// replace `child` in directory `parent` (mode and owner given): it owns
/// the directory (it can give itself write access), or may write and
/// search it and the sticky bit does not protect `child` from it.
fn entry_changeable(
    fsuid: u32,
    parent_uid: u32,
    parent_mode: u32,
    child_uid: u32,
    wx: bool,
) -> bool {
    let sticky = parent_mode & libc::S_ISVTX != 0;
    fsuid == parent_uid || (wx && (!sticky || fsuid == child_uid))
}

fn lstat(path: &CString) -> Option<libc::stat> {
    // SAFETY: lstat of a NUL-terminated path into a zeroed struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        (libc::lstat(path.as_ptr(), &mut st) == 0).then_some(st)
    }
}

/// True when no task with `c`'s credentials can rename, remove or replace
/// any directory on the way to `dir` (an absolute real path): for every
/// directory above `dir` (`dir` itself is the caller's to vouch for), the
/// task does not own its parent, and either may not write into that parent
/// or the parent's sticky bit keeps it off an entry it does not own. A
/// task with `CAP_CHOWN`, `CAP_DAC_OVERRIDE` or `CAP_FOWNER` could: false.
/// Write access is asked of the kernel (`faccessat2` with `AT_EACCESS`, with
/// the caller's credentials: ACLs count). Anything unreadable: false.
pub fn above_is_fixed(c: &Caller, own: &Creds, dir: &str) -> bool {
    fixed_down_to(c, own, dir, false)
}

/// [`above_is_fixed`] for the directory holding `path`, and the entry
/// `path` in it too: no task with `c`'s credentials can make the name reach
/// another file (an exec's program, looked up again by the kernel after the
/// check).
pub fn name_is_fixed(c: &Caller, own: &Creds, path: &str) -> bool {
    fixed_down_to(c, own, path, true)
}

fn fixed_down_to(c: &Caller, own: &Creds, path: &str, with_last: bool) -> bool {
    if c.creds.cap_eff & (CAP_CHOWN | CAP_DAC_OVERRIDE | CAP_FOWNER) != 0 || !path.starts_with('/')
    {
        return false;
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some(_as_agent) = super::creds::adopt(&c.creds, own) else {
        return false;
    };
    let pairs = if with_last {
        parts.len()
    } else {
        parts.len().saturating_sub(1)
    };
    // Pairs (parent, child) from ("/", "/a") down to the parent of `path`
    // (or to `path` itself).
    (0..pairs).all(|i| {
        let parent = format!("/{}", parts[..i].join("/"));
        let child = format!("/{}", parts[..=i].join("/"));
        let (Ok(pc), Ok(cc)) = (cstring(parent.as_bytes()), cstring(child.as_bytes())) else {
            return false;
        };
        let (Some(ps), Some(cs)) = (lstat(&pc), lstat(&cc)) else {
            return false;
        };
        let last = i + 1 == parts.len();
        // Only directories on the way (the last entry of a name may be the
        // file itself; a symlink anywhere is not fixed).
        let kind = cs.st_mode & libc::S_IFMT;
        if kind == libc::S_IFLNK || (!last && kind != libc::S_IFDIR) {
            return false;
        }
        // SAFETY: faccessat2 (raw: libc's fallback would use the effective
        // uid, not the filesystem uid) with a NUL-terminated path.
        let wx = unsafe {
            libc::syscall(
                libc::SYS_faccessat2,
                libc::AT_FDCWD,
                pc.as_ptr(),
                libc::W_OK | libc::X_OK,
                libc::AT_EACCESS,
            )
        } == 0;
        !entry_changeable(c.creds.fsuid, ps.st_uid, ps.st_mode, cs.st_uid, wx)
    })
}

static BY_FREEZE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `pidfd_getfd` is refused here (probed at start): socket calls are
/// continued under a freeze instead of performed (`backstop::tree_stop`).
pub fn set_sockets_by_freeze() {
    BY_FREEZE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether socket calls are continued under a freeze.
pub fn sockets_by_freeze() -> bool {
    BY_FREEZE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The inode number of the socket at the caller's descriptor `fd`
/// (`EBADF`, `ENOTSOCK` as the kernel would answer).
pub fn socket_inode(c: &Caller, fd: i32) -> Result<u64, i32> {
    if fd < 0 {
        return Err(libc::EBADF);
    }
    match super::memory::as_agent_fs(|| std::fs::read_link(format!("/proc/{}/fd/{fd}", c.tid))) {
        Ok(t) => t
            .to_string_lossy()
            .strip_prefix("socket:[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse().ok())
            .ok_or(libc::ENOTSOCK),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(libc::EBADF),
        Err(_) => Err(libc::EACCES),
    }
}

/// [`autobind_address`] for a socket known by its inode only (no
/// `pidfd_getfd`): bound if an allowed `bind` of this run was continued on
/// it ([`note_bound`]), else judged as the bind the kernel would make. The
/// caller's `/proc/<pid>/net/unix` only chooses how that bind is shown (an
/// abstract name or the IPv4 wildcard): its lines carry socket names raw,
/// newlines included, so the agent can write lines of its own into it
/// (review 9 forged "bound" entries) — nothing is decided from them.
fn autobind_by_inode(c: &Caller, inode: u64) -> Option<SockAddr> {
    if was_bound(inode) {
        return None;
    }
    let wanted = inode.to_string();
    let unix =
        super::memory::as_agent_fs(|| std::fs::read_to_string(format!("/proc/{}/net/unix", c.pid)))
            .unwrap_or_default();
    let listed = unix
        .lines()
        .skip(1)
        .any(|line| line.split_whitespace().nth(6) == Some(wanted.as_str()));
    Some(if listed {
        SockAddr::Unix("@".to_owned())
    } else {
        SockAddr::Inet {
            ip: std::net::Ipv4Addr::UNSPECIFIED.into(),
            port: 0,
        }
    })
}

/// Inodes of the sockets an allowed `bind` was continued on (without
/// `pidfd_getfd`), most recent last, bounded.
static BOUND: std::sync::Mutex<std::collections::VecDeque<u64>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());

/// How many bound sockets are remembered.
const BOUND_KEPT: usize = 4096;

/// Records that an allowed `bind` was continued on socket `inode`.
pub fn note_bound(inode: u64) {
    let mut b = BOUND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if b.len() >= BOUND_KEPT {
        b.pop_front();
    }
    b.push_back(inode);
}

fn was_bound(inode: u64) -> bool {
    BOUND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&inode)
}

/// The calling thread's descriptor table is its process's (`kcmp`).
fn shares_files(c: &Caller) -> bool {
    const KCMP_FILES: libc::c_long = 2;
    c.tid == c.pid
        || super::memory::as_agent_real(|| {
            // SAFETY: kcmp takes two pids, a type and two unused values.
            unsafe { libc::syscall(libc::SYS_kcmp, c.pid, c.tid, KCMP_FILES, 0, 0) == 0 }
        })
}

/// Takes the caller's descriptor `fd` with `pidfd_getfd` (the very socket,
/// which cannot be reopened by path).
pub fn take_fd(c: &Caller, fd: i32) -> Result<OwnedFd, i32> {
    // The calling thread's own descriptor table (a thread made without
    // `CLONE_FILES` has its own): a pidfd of the thread (`PIDFD_THREAD`,
    // Linux 6.9), else of the process when the thread shares its table.
    const PIDFD_THREAD: libc::c_long = libc::O_EXCL as libc::c_long;
    // SAFETY: pidfd_open takes a pid and flags by value.
    let mut pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, c.tid, PIDFD_THREAD) };
    if pidfd < 0 && errno() == libc::EINVAL && shares_files(c) {
        // SAFETY: as above.
        pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, c.pid, 0) };
    }
    if pidfd < 0 {
        return Err(libc::EACCES);
    }
    // SAFETY: pidfd_open returned a new descriptor we own.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as i32) };
    // SAFETY: pidfd_getfd with our pidfd, the target's fd number, flags 0.
    let got = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    if got < 0 {
        let e = errno();
        return Err(if e == libc::EBADF {
            libc::EBADF
        } else {
            libc::EACCES
        });
    }
    // SAFETY: pidfd_getfd returned a new descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(got as i32) })
}

/// Takes what `call` acts on. `Ok(None)`: the call has no on-behalf form
/// here (opens, execs, signals: handled by the caller).
pub fn prepare(c: &Caller, own: &Creds, call: &Call) -> Result<Option<Prepared>, i32> {
    Ok(Some(match call {
        Call::Unlink { dirfd, path, dir } => Prepared::Unlink {
            at: locate(c, own, *dirfd, path)?,
            dir: *dir,
        },
        Call::Mkdir { dirfd, path, mode } => Prepared::Mkdir {
            at: locate(c, own, *dirfd, path)?,
            mode: *mode,
        },
        Call::Mknod {
            dirfd, path, mode, ..
        } => {
            let kind = *mode & libc::S_IFMT;
            // Device nodes are never the agent's business (and would be
            // created with the supervisor's rights); the kernel treats a
            // type of 0 as a regular file.
            if !matches!(kind, 0 | libc::S_IFREG | libc::S_IFIFO | libc::S_IFSOCK) {
                return Err(libc::EPERM);
            }
            Prepared::Mknod {
                at: locate(c, own, *dirfd, path)?,
                mode: *mode,
            }
        }
        Call::Rename {
            olddirfd,
            old,
            newdirfd,
            new,
            flags,
        } => Prepared::Rename {
            from: locate(c, own, *olddirfd, old)?,
            to: locate(c, own, *newdirfd, new)?,
            flags: *flags,
        },
        Call::Link {
            olddirfd,
            old,
            newdirfd,
            new,
            flags,
        } => {
            if flags & !(libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH) != 0 {
                return Err(libc::EINVAL);
            }
            let from = if old.is_empty() && flags & libc::AT_EMPTY_PATH != 0 {
                // linkat(fd, "", …, AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH
                // in the caller; the same file is reachable through
                // /proc/self/fd/N with AT_SYMLINK_FOLLOW, which is judged.
                return Err(libc::ENOENT);
            } else {
                reach(c, own, *olddirfd, old, flags & libc::AT_SYMLINK_FOLLOW != 0)?
            };
            Prepared::Link {
                from,
                to: locate(c, own, *newdirfd, new)?,
            }
        }
        Call::Symlink {
            target,
            dirfd,
            path,
        } => Prepared::Symlink {
            content: cstring(target)?,
            at: locate(c, own, *dirfd, path)?,
        },
        Call::Chmod {
            dirfd,
            path,
            mode,
            flags,
        } => Prepared::Chmod {
            file: meta_target(c, own, *dirfd, path, *flags)?,
            mode: *mode,
        },
        Call::Chown {
            dirfd,
            path,
            uid,
            gid,
            flags,
        } => Prepared::Chown {
            file: meta_target(c, own, *dirfd, path, *flags)?,
            uid: *uid,
            gid: *gid,
        },
        Call::Truncate { path, len } => Prepared::Truncate {
            file: reach(c, own, AT_FDCWD, path, true)?,
            len: *len,
        },
        Call::Listen { fd, backlog } => {
            if sockets_by_freeze() {
                // Without the socket: whether it is bound is read from the
                // caller's network tables, by the socket's inode.
                let inode = socket_inode(c, *fd)?;
                Prepared::Listen {
                    sock: None,
                    backlog: *backlog,
                    unbound: autobind_by_inode(c, inode),
                    inode: Some(inode),
                }
            } else {
                let sock = take_fd(c, *fd)?;
                let unbound = autobind_address(&sock);
                Prepared::Listen {
                    sock: Some(sock),
                    backlog: *backlog,
                    unbound,
                    inode: None,
                }
            }
        }
        Call::Net {
            op,
            fd,
            msgs,
            flags,
            many,
        } => {
            let (sock, inode) = if sockets_by_freeze() {
                // The fallback of `take_fd`: only that `fd` is one of the
                // caller's sockets (its inode is kept for a bind).
                let inode = socket_inode(c, *fd)?;
                (None, (*op == NetOp::Bind).then_some(inode))
            } else {
                (Some(take_fd(c, *fd)?), None)
            };
            // The path's own bytes, as the kernel reads them (not the lossy
            // text, which may name another file).
            let unix = match msgs.first().and_then(Msg::unix_path) {
                Some(p) if msgs.len() == 1 => Some(if *op == NetOp::Bind {
                    UnixTarget::New(locate(c, own, AT_FDCWD, p)?)
                } else {
                    UnixTarget::Existing(reach(c, own, AT_FDCWD, p, true)?)
                }),
                _ => None,
            };
            Prepared::Net {
                op: *op,
                sock,
                msgs: msgs.clone(),
                unix,
                flags: *flags,
                many: *many,
                inode,
            }
        }
        _ => return Ok(None),
    }))
}

fn meta_target(
    c: &Caller,
    own: &Creds,
    dirfd: i64,
    path: &[u8],
    flags: i32,
) -> Result<Reached, i32> {
    if path.is_empty() {
        if flags & libc::AT_EMPTY_PATH != 0 {
            return reach_fd(c, dirfd);
        }
        return Err(libc::ENOENT);
    }
    reach(c, own, dirfd, path, flags & libc::AT_SYMLINK_NOFOLLOW == 0)
}

impl Prepared {
    /// The real paths the call acts on: the first, and the second of a
    /// two-path call (a rename's or link's new name).
    pub fn paths(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Prepared::Unlink { at, .. }
            | Prepared::Mkdir { at, .. }
            | Prepared::Mknod { at, .. }
            | Prepared::Symlink { at, .. } => (Some(&at.real), None),
            Prepared::Rename { from, to, .. } => (Some(&from.real), Some(&to.real)),
            Prepared::Link { from, to } => (Some(&from.real), Some(&to.real)),
            Prepared::Chmod { file, .. }
            | Prepared::Chown { file, .. }
            | Prepared::Truncate { file, .. } => (Some(&file.real), None),
            Prepared::Net { unix, .. } => match unix {
                Some(UnixTarget::Existing(r)) => (Some(&r.real), None),
                Some(UnixTarget::New(l)) => (Some(&l.real), None),
                None => (None, None),
            },
            Prepared::Listen { .. } => (None, None),
        }
    }

    /// True when performing may block for long (a blocking connect or
    /// send): the notify loop hands it to a thread of its own.
    pub fn may_block(&self) -> bool {
        match self {
            Prepared::Net {
                op,
                sock: Some(sock),
                ..
            } if *op != NetOp::Bind => {
                // SAFETY: F_GETFL on a descriptor we own.
                let fl = unsafe { libc::fcntl(sock.as_raw_fd(), libc::F_GETFL) };
                fl < 0 || fl & libc::O_NONBLOCK == 0
            }
            _ => false,
        }
    }

    /// True when the call must be continued under a freeze (no socket).
    pub fn needs_freeze(&self) -> bool {
        matches!(
            self,
            Prepared::Net { sock: None, .. } | Prepared::Listen { sock: None, .. }
        )
    }

    /// For a `listen` without the socket: the inode of the socket judged.
    pub fn listen_inode(&self) -> Option<u64> {
        match self {
            Prepared::Listen { inode, .. } => *inode,
            _ => None,
        }
    }

    /// For a `bind` without the socket: the inode of the socket bound.
    pub fn bind_inode(&self) -> Option<u64> {
        match self {
            Prepared::Net {
                op: NetOp::Bind,
                sock: None,
                inode,
                ..
            } => *inode,
            _ => None,
        }
    }

    /// For a `listen`: the address the kernel will bind the socket to
    /// because it is not bound yet.
    pub fn autobinds(&self) -> Option<&SockAddr> {
        match self {
            Prepared::Listen { unbound, .. } => unbound.as_ref(),
            _ => None,
        }
    }

    /// Performs the call with the caller's umask; returns the syscall's
    /// value or its errno.
    pub fn perform(&self, c: &Caller) -> Result<i64, i32> {
        let rc: libc::c_long = match self {
            Prepared::Unlink { at, dir } => {
                if at.slash && !dir {
                    return Err(if is_dir(at) {
                        libc::EISDIR
                    } else {
                        libc::ENOTDIR
                    });
                }
                let flags = if *dir { libc::AT_REMOVEDIR } else { 0 };
                // SAFETY: unlinkat on a directory fd we hold and a name.
                libc::c_long::from(unsafe {
                    libc::unlinkat(at.dir.as_raw_fd(), at.name.as_ptr(), flags)
                })
            }
            Prepared::Mkdir { at, mode } => {
                let want = mode & 0o7777 & !c.umask;
                // SAFETY: mkdirat on a directory fd we hold and a name.
                let rc = unsafe { libc::mkdirat(at.dir.as_raw_fd(), at.name.as_ptr(), want) };
                if rc == 0 {
                    fix_mode(at, want, libc::O_DIRECTORY);
                }
                libc::c_long::from(rc)
            }
            Prepared::Mknod { at, mode } => {
                if at.slash {
                    return Err(libc::ENOENT);
                }
                let want = mode & 0o7777 & !c.umask;
                // SAFETY: mknodat on a directory fd we hold; no device nodes
                // (checked in prepare), so dev is 0.
                let rc = unsafe {
                    libc::mknodat(
                        at.dir.as_raw_fd(),
                        at.name.as_ptr(),
                        (mode & libc::S_IFMT) | want,
                        0,
                    )
                };
                if rc == 0 {
                    fix_mode(at, want, 0);
                }
                libc::c_long::from(rc)
            }
            Prepared::Rename { from, to, flags } => {
                if (from.slash || to.slash) && !is_dir(from) {
                    return Err(libc::ENOTDIR);
                }
                // SAFETY: renameat2 on directory fds we hold and names.
                unsafe {
                    libc::syscall(
                        libc::SYS_renameat2,
                        from.dir.as_raw_fd(),
                        from.name.as_ptr(),
                        to.dir.as_raw_fd(),
                        to.name.as_ptr(),
                        *flags,
                    )
                }
            }
            Prepared::Link { from, to } => {
                if to.slash {
                    return Err(libc::ENOENT);
                }
                let via = cstring(format!("/proc/self/fd/{}", from.fd.as_raw_fd()).as_bytes())?;
                // SAFETY: linkat of the file behind our O_PATH descriptor
                // (through its magic link) to a name in a directory we hold.
                libc::c_long::from(unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        via.as_ptr(),
                        to.dir.as_raw_fd(),
                        to.name.as_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                })
            }
            Prepared::Symlink { content, at } => {
                if at.slash {
                    return Err(libc::ENOENT);
                }
                // SAFETY: symlinkat with our copy of the content and a name in
                // a directory we hold.
                libc::c_long::from(unsafe {
                    libc::symlinkat(content.as_ptr(), at.dir.as_raw_fd(), at.name.as_ptr())
                })
            }
            Prepared::Chmod { file, mode } => {
                if is_symlink(&file.fd) {
                    return Err(libc::EOPNOTSUPP);
                }
                let via = cstring(format!("/proc/self/fd/{}", file.fd.as_raw_fd()).as_bytes())?;
                // SAFETY: chmod of the file behind our O_PATH descriptor.
                libc::c_long::from(unsafe {
                    libc::chmod(via.as_ptr(), (*mode & 0o7777) as libc::mode_t)
                })
            }
            Prepared::Chown { file, uid, gid } => {
                // SAFETY: fchownat on our O_PATH descriptor itself.
                libc::c_long::from(unsafe {
                    libc::fchownat(
                        file.fd.as_raw_fd(),
                        c"".as_ptr(),
                        *uid,
                        *gid,
                        libc::AT_EMPTY_PATH,
                    )
                })
            }
            Prepared::Truncate { file, len } => {
                if !is_regular(&file.fd) {
                    return Err(if is_dir_fd(&file.fd) {
                        libc::EISDIR
                    } else {
                        libc::EINVAL
                    });
                }
                let via = cstring(format!("/proc/self/fd/{}", file.fd.as_raw_fd()).as_bytes())?;
                // SAFETY: reopening our own O_PATH descriptor's regular file
                // for writing; the new descriptor is closed below.
                let w = unsafe {
                    libc::open(
                        via.as_ptr(),
                        libc::O_WRONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK,
                    )
                };
                if w < 0 {
                    return Err(errno());
                }
                // SAFETY: open returned a new descriptor we own.
                let w = unsafe { OwnedFd::from_raw_fd(w) };
                // SAFETY: ftruncate on a descriptor we own.
                libc::c_long::from(unsafe { libc::ftruncate(w.as_raw_fd(), *len) })
            }
            Prepared::Net {
                op,
                sock,
                msgs,
                unix,
                flags,
                many,
                ..
            } => {
                let Some(sock) = sock else {
                    return Err(libc::EACCES);
                };
                return net(*op, sock, msgs, unix.as_ref(), *flags, *many);
            }
            Prepared::Listen { sock, backlog, .. } => {
                let Some(sock) = sock else {
                    return Err(libc::EACCES);
                };
                // SAFETY: listen on the agent's socket, which we hold.
                libc::c_long::from(unsafe { libc::listen(sock.as_raw_fd(), *backlog) })
            }
        };
        if rc < 0 { Err(errno()) } else { Ok(rc) }
    }
}

/// The address `listen` makes the kernel bind `sock` to: the wildcard of
/// its family for an inet socket with no port yet, an abstract name for a
/// Unix socket with none. `None`: bound already, or no socket (`listen`
/// then fails as the kernel says).
fn autobind_address(sock: &OwnedFd) -> Option<SockAddr> {
    // SAFETY: a zeroed sockaddr_storage is valid; getsockname fills at most
    // `len` bytes of it.
    let (rc, addr, len) = unsafe {
        let mut addr: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let rc = libc::getsockname(
            sock.as_raw_fd(),
            (&raw mut addr).cast::<libc::sockaddr>(),
            &mut len,
        );
        (rc, addr, len as usize)
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: sockaddr_storage is plain data, `len` of it filled.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (&raw const addr).cast::<u8>(),
            len.min(std::mem::size_of::<libc::sockaddr_storage>()),
        )
    };
    match super::decode::decode_sockaddr(bytes) {
        Some(SockAddr::Inet { ip, port: 0 }) => Some(SockAddr::Inet {
            ip: if ip.is_ipv6() {
                std::net::Ipv6Addr::UNSPECIFIED.into()
            } else {
                std::net::Ipv4Addr::UNSPECIFIED.into()
            },
            port: 0,
        }),
        _ if i32::from(addr.ss_family) == libc::AF_UNIX && len <= 2 => {
            Some(SockAddr::Unix("@".to_owned()))
        }
        // An abstract name: also what the kernel gives a socket with
        // SO_PASSCRED at a connect (or a send) with no bind, even one that
        // failed. Judged as the bind of that name (a judged abstract bind is
        // judged again, to the same verdict).
        Some(SockAddr::Unix(name)) if bytes.get(2) == Some(&0) => Some(SockAddr::Unix(name)),
        _ => None,
    }
}

/// A created node gets exactly the mode the caller's umask gives, whatever
/// the supervisor's own umask took away.
fn fix_mode(at: &Located, want: u32, extra: i32) {
    if want & own_umask() == 0 {
        return;
    }
    if let Ok(fd) = openat2(
        at.dir.as_raw_fd(),
        &at.name,
        libc::O_PATH | libc::O_NOFOLLOW | extra,
        RESOLVE_NO_MAGICLINKS,
    ) && let Ok(via) = cstring(format!("/proc/self/fd/{}", fd.as_raw_fd()).as_bytes())
    {
        // SAFETY: chmod of the node we just created, through our descriptor.
        unsafe { libc::chmod(via.as_ptr(), want as libc::mode_t) };
    }
}

/// The supervisor's umask, read once (changing it to read it would race
/// with the supervisor's other threads creating files).
fn own_umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        super::caller::identify(std::process::id() as i32).map_or(0o7777, |c| c.umask)
    })
}

fn stat_mode(fd: &OwnedFd) -> Option<u32> {
    // SAFETY: fstat on a descriptor we own (O_PATH descriptors allow fstat)
    // into a zeroed struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        (libc::fstat(fd.as_raw_fd(), &mut st) == 0).then_some(st.st_mode)
    }
}

fn is_symlink(fd: &OwnedFd) -> bool {
    stat_mode(fd).is_some_and(|m| m & libc::S_IFMT == libc::S_IFLNK)
}

fn is_regular(fd: &OwnedFd) -> bool {
    stat_mode(fd).is_some_and(|m| m & libc::S_IFMT == libc::S_IFREG)
}

fn is_dir_fd(fd: &OwnedFd) -> bool {
    stat_mode(fd).is_some_and(|m| m & libc::S_IFMT == libc::S_IFDIR)
}

fn is_dir(at: &Located) -> bool {
    // SAFETY: fstatat on a directory fd we hold, no following, zeroed struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstatat(
            at.dir.as_raw_fd(),
            at.name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        ) == 0
            && st.st_mode & libc::S_IFMT == libc::S_IFDIR
    }
}

/// A `sockaddr_un` for `path` (at most 107 bytes and a NUL).
fn sockaddr_un(path: &[u8]) -> Result<Vec<u8>, i32> {
    if path.len() >= 108 {
        return Err(libc::ENAMETOOLONG);
    }
    let mut raw = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
    raw.extend_from_slice(path);
    raw.push(0);
    Ok(raw)
}

fn net(
    op: NetOp,
    sock: &OwnedFd,
    msgs: &[Msg],
    unix: Option<&UnixTarget>,
    flags: i32,
    many: bool,
) -> Result<i64, i32> {
    // A Unix path is replaced by a path through the supervisor's own
    // descriptor: the kernel reaches exactly the socket file (or directory)
    // that was judged, whatever has been swapped in since.
    let rewritten = match unix {
        Some(UnixTarget::Existing(r)) => Some(sockaddr_un(
            format!("/proc/self/fd/{}", r.fd.as_raw_fd()).as_bytes(),
        )?),
        Some(UnixTarget::New(at)) => {
            let mut p = format!("/proc/self/fd/{}/", at.dir.as_raw_fd()).into_bytes();
            p.extend_from_slice(at.name.as_bytes());
            Some(sockaddr_un(&p)?)
        }
        None => None,
    };
    let addr_of = |m: &Msg| -> Vec<u8> { rewritten.clone().unwrap_or_else(|| m.raw_addr.clone()) };
    match op {
        NetOp::Connect | NetOp::Bind => {
            let m = msgs.first().ok_or(libc::EINVAL)?;
            let a = addr_of(m);
            // SAFETY: connect/bind on our copy of the socket with our copy of
            // the address and its length.
            let rc = unsafe {
                if op == NetOp::Connect {
                    libc::connect(
                        sock.as_raw_fd(),
                        a.as_ptr().cast(),
                        a.len() as libc::socklen_t,
                    )
                } else {
                    libc::bind(
                        sock.as_raw_fd(),
                        a.as_ptr().cast(),
                        a.len() as libc::socklen_t,
                    )
                }
            };
            if rc < 0 { Err(errno()) } else { Ok(0) }
        }
        NetOp::Send => {
            if msgs.iter().any(|m| m.control) {
                // Ancillary data may carry descriptors numbered in the
                // agent's table; they cannot be passed on faithfully.
                return Err(libc::EOPNOTSUPP);
            }
            let mut sent_msgs = 0i64;
            let mut last = 0i64;
            for m in msgs {
                let a = if m.raw_addr.is_empty() {
                    Vec::new()
                } else {
                    addr_of(m)
                };
                // SAFETY: sendto on our copy of the socket with our copies of
                // the data and the address (NULL when there is none).
                let n = unsafe {
                    libc::sendto(
                        sock.as_raw_fd(),
                        m.data.as_ptr().cast(),
                        m.data.len(),
                        flags | libc::MSG_NOSIGNAL,
                        if a.is_empty() {
                            std::ptr::null()
                        } else {
                            a.as_ptr().cast()
                        },
                        a.len() as libc::socklen_t,
                    )
                };
                if n < 0 {
                    let e = errno();
                    // sendmmsg answers with the count sent before a failure.
                    return if many && sent_msgs > 0 {
                        Ok(sent_msgs)
                    } else {
                        Err(e)
                    };
                }
                sent_msgs += 1;
                last = n as i64;
            }
            Ok(if many { sent_msgs } else { last })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Caller {
        super::super::caller::identify(std::process::id() as i32).expect("own status")
    }

    #[test]
    fn locate_names_the_parent_and_the_last_component() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::create_dir(real.join("d")).expect("mkdir");
        std::os::unix::fs::symlink(real.join("d"), real.join("link")).expect("symlink");
        let c = me();
        let p = format!("{}/link/x", real.display());
        let at = locate(&c, &c.creds, AT_FDCWD, p.as_bytes()).expect("locate");
        assert_eq!(at.real, format!("{}/d/x", real.display()));
        let p = format!("{}/d/", real.display());
        let at = locate(&c, &c.creds, AT_FDCWD, p.as_bytes()).expect("locate");
        assert!(at.slash);
        assert_eq!(at.real, format!("{}/d", real.display()));
        assert_eq!(
            locate(&c, &c.creds, AT_FDCWD, b"/").err(),
            Some(libc::EBUSY)
        );
        assert_eq!(
            locate(&c, &c.creds, AT_FDCWD, b"").err(),
            Some(libc::ENOENT)
        );
        assert_eq!(
            locate(
                &c,
                &c.creds,
                AT_FDCWD,
                format!("{}/..", real.display()).as_bytes()
            )
            .err(),
            Some(libc::EINVAL)
        );
        // A parent that does not exist is the kernel's ENOENT, not a guess.
        let p = format!("{}/missing/x", real.display());
        assert_eq!(
            locate(&c, &c.creds, AT_FDCWD, p.as_bytes()).err(),
            Some(libc::ENOENT)
        );
    }

    #[test]
    fn performed_calls_act_on_the_located_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::create_dir(real.join("a")).expect("mkdir");
        std::fs::create_dir(real.join("b")).expect("mkdir");
        std::fs::write(real.join("a/f"), b"x").expect("write");
        let c = me();
        let at = locate(
            &c,
            &c.creds,
            AT_FDCWD,
            format!("{}/a/f", real.display()).as_bytes(),
        )
        .expect("locate");
        // The directory is swapped after the check: the call still acts on
        // the directory that was judged.
        std::fs::rename(real.join("a"), real.join("moved")).expect("rename");
        std::os::unix::fs::symlink(real.join("b"), real.join("a")).expect("symlink");
        let p = Prepared::Unlink { at, dir: false };
        assert_eq!(p.perform(&c), Ok(0));
        assert!(!real.join("moved/f").exists());
        assert!(real.join("b").exists());
    }

    #[test]
    fn an_entry_is_changeable_by_its_directorys_owner_or_writer() {
        let (me, root) = (1000, 0);
        let (plain, sticky) = (0o755, 0o1777);
        // /tmp (root, sticky, writable by all): only entries the task owns.
        assert!(!entry_changeable(
            me,
            root,
            libc::S_IFDIR | sticky,
            root,
            true
        ));
        assert!(entry_changeable(me, root, libc::S_IFDIR | sticky, me, true));
        // A root-owned directory the task may not write.
        assert!(!entry_changeable(
            me,
            root,
            libc::S_IFDIR | plain,
            me,
            false
        ));
        // Writable without the sticky bit: any entry.
        assert!(entry_changeable(
            me,
            root,
            libc::S_IFDIR | 0o777,
            root,
            true
        ));
        // Its own directory: it can give itself write access.
        assert!(entry_changeable(me, me, libc::S_IFDIR | 0o500, root, false));
    }

    #[test]
    fn what_is_above_a_root_owned_directory_is_fixed_only_without_privilege() {
        let c = me();
        // The test runs as whoever runs it; a privileged task can change
        // anything, an unprivileged one none of /usr's parents.
        let privileged = c.creds.cap_eff & (CAP_CHOWN | CAP_DAC_OVERRIDE | CAP_FOWNER) != 0;
        assert_eq!(above_is_fixed(&c, &c.creds, "/usr/lib"), !privileged);
        assert!(!above_is_fixed(&c, &c.creds, "relative/dir"));
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        // A directory the task created is its own: what is below it is not.
        let below = real.join("a");
        std::fs::create_dir(&below).expect("mkdir");
        assert!(!above_is_fixed(
            &c,
            &c.creds,
            &format!("{}/x", below.display())
        ));
    }

    #[test]
    fn a_recheck_compares_the_file_reached_now_with_the_judged_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::create_dir(real.join("ok")).expect("mkdir");
        std::fs::create_dir(real.join("blocked")).expect("mkdir");
        std::fs::write(real.join("ok/f"), b"x").expect("write");
        std::fs::write(real.join("blocked/f"), b"x").expect("write");
        std::os::unix::fs::symlink(real.join("ok"), real.join("l")).expect("symlink");
        let c = me();
        let open = |p: &str, flags: i32| Call::Open {
            dirfd: AT_FDCWD,
            path: p.as_bytes().to_vec(),
            flags: i64::from(flags),
            mode: 0,
            resolve: 0,
        };
        let via = format!("{}/l/f", real.display());
        let judged = format!("{}/ok/f", real.display());
        let call = open(&via, libc::O_PATH);
        assert_eq!(recheck_open(&c, &c.creds, &call, &judged), Recheck::Same);
        // The link swapped to the blocked directory: refused.
        std::fs::remove_file(real.join("l")).expect("rm");
        std::os::unix::fs::symlink(real.join("blocked"), real.join("l")).expect("symlink");
        assert!(matches!(
            recheck_open(&c, &c.creds, &call, &judged),
            Recheck::Changed(_)
        ));
        // A file renamed onto the judged name is what that name names now
        // (the policy judges names; such a rename is judged on both paths).
        std::fs::rename(real.join("blocked/f"), real.join("ok/f")).expect("rename");
        let direct = open(&judged, libc::O_PATH);
        assert_eq!(recheck_open(&c, &c.creds, &direct, &judged), Recheck::Same);
        // Gone: the kernel's own ENOENT, without continuing.
        let missing = format!("{}/ok/none", real.display());
        assert_eq!(
            recheck_open(&c, &c.creds, &open(&missing, libc::O_PATH), &missing),
            Recheck::Fails(libc::ENOENT)
        );
    }

    #[test]
    fn magic_links_only_in_the_callers_own_proc() {
        let c = me();
        assert!(magic_ok(&c, format!("/proc/{}/fd/3", c.pid).as_bytes()));
        assert!(!magic_ok(&c, b"/proc/1/cwd/x"));
        // `..` walks out of the caller's entry: never with magic links.
        assert!(!magic_ok(
            &c,
            format!("/proc/{}/../1/cwd", c.pid).as_bytes()
        ));
        assert!(!magic_ok(
            &c,
            format!("/proc/{}/task/{}/../../../1/fd/0", c.pid, c.tid).as_bytes()
        ));
        assert_eq!(
            as_caller(&c, b"/proc/self/fd/3"),
            format!("/proc/{}/fd/3", c.pid).into_bytes()
        );
        assert_eq!(as_caller(&c, b"/proc/selfish"), b"/proc/selfish".to_vec());
    }
}
