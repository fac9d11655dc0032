//! Opens performed by the supervisor on the target's behalf.
//!
//! The supervisor opens its own copy of the path, relative to the target's
//! cwd or directory fd, with the target's flags, and the caller injects the
//! descriptor. `RESOLVE_NO_MAGICLINKS` keeps `/proc/self/…`-style links from
//! resolving in the supervisor's context (they would name the supervisor's
//! own descriptors); such paths are refused here and decided by the caller
//! from the target's own view instead.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::caller::{Caller, Creds};
use super::decode::{AT_FDCWD, Call};

/// A descriptor opened for the target.
#[derive(Debug)]
pub struct Opened {
    /// The descriptor to inject.
    pub fd: OwnedFd,
    /// What was really opened.
    pub real_path: String,
    /// The target asked for `O_CLOEXEC`.
    pub cloexec: bool,
}

use super::sys::{
    RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
    RESOLVE_ONLY_RESTRICTING, openat2,
};

/// Opens the file an `open`-family call names, `decided` being the real
/// path it was judged on. Returns an errno on failure (the kernel's own
/// answer to the same open, or EACCES).
///
/// An open that changes the file as it opens it (`O_CREAT`, `O_TRUNC`,
/// `O_TMPFILE`) opens exactly `decided`, reached without any symlink: a link
/// (or a `/proc/self/fd/N` the agent re-pointed with `dup2`) that changed
/// after the judgement must not make it create or empty another file before
/// the read-back could refuse the descriptor.
pub fn open(caller: &Caller, own: &Creds, call: &Call, decided: &str) -> Result<Opened, i32> {
    let tid = caller.tid;
    let Call::Open {
        dirfd,
        path,
        flags,
        mode,
        resolve,
    } = call
    else {
        return Err(libc::EINVAL);
    };
    // Scoped to a directory (`RESOLVE_IN_ROOT`, `RESOLVE_BENEATH`), even an
    // absolute path starts at the caller's directory, not at the root.
    let scoped = resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH) != 0;
    let cloexec = flags & i64::from(libc::O_CLOEXEC) != 0;
    let creating = flags & i64::from(libc::O_CREAT) != 0
        || flags & i64::from(libc::O_TMPFILE) == i64::from(libc::O_TMPFILE);
    let changes = creating || flags & i64::from(libc::O_TRUNC) != 0;
    if changes {
        return open_decided(caller, own, *flags, *mode, *resolve, decided, creating);
    }
    let base = base_dir(tid, *dirfd, path, scoped)?;
    let cpath = CString::new(as_target(caller, path)).map_err(|_| libc::EINVAL)?;
    // The target's own /proc entries (cwd, root, fd/N) are magic links the
    // kernel would follow for it; anywhere else a magic link would resolve
    // in the supervisor's context, so it is refused.
    let own_proc = super::perform::magic_ok(caller, cpath.as_bytes());
    let resolve = if own_proc {
        *resolve
    } else {
        resolve | RESOLVE_NO_MAGICLINKS
    };
    // From here on the open neither creates nor truncates (see above).
    // O_NOCTTY always: a terminal the supervisor opens must never become
    // its own controlling terminal (a session leader without one, such as
    // a container's PID 1, took the agent's pty, and with it the signals
    // of that pty's line discipline). Not with O_PATH, which opens no
    // terminal and with which openat2 refuses any other flag.
    let flags = no_ctty(*flags & !i64::from(libc::O_CLOEXEC));
    let base_fd = base.as_ref().map_or(libc::AT_FDCWD, AsRawFd::as_raw_fd);
    // A plain absolute path reached without any symlink is the file it
    // names: no need to ask /proc which file was opened. Otherwise (or if a
    // symlink is on the way) the open follows links as the agent's would.
    // Only for a lookup no `resolve` flag scopes: under `RESOLVE_IN_ROOT`
    // "/x" is a file below the caller's directory, not `/x`.
    let plain = base.is_none()
        && resolve & !RESOLVE_ONLY_RESTRICTING == 0
        && crate::pathname::is_plain_outside_proc(cpath.as_bytes());
    // The open itself is the agent's: its permissions, not the supervisor's
    // (the base directory above was taken with the supervisor's).
    let Some(as_agent) = super::creds::adopt(&caller.creds, own) else {
        return Err(libc::EACCES);
    };
    let mut opened = Err(libc::ELOOP);
    if plain {
        opened = openat2(base_fd, &cpath, flags, 0, resolve | RESOLVE_NO_SYMLINKS);
    }
    let reached_plainly = opened.is_ok();
    if matches!(opened, Err(libc::ELOOP)) {
        opened = openat2(base_fd, &cpath, flags, 0, resolve);
    }
    drop(as_agent);
    let fd = match opened {
        Ok(fd) => fd,
        // A magic link: not opened here (see the module comment).
        Err(libc::ELOOP) if resolve & RESOLVE_NO_MAGICLINKS != 0 => return Err(libc::EACCES),
        Err(e) => return Err(e),
    };
    if reached_plainly {
        return Ok(Opened {
            fd,
            real_path: String::from_utf8_lossy(cpath.as_bytes()).into_owned(),
            cloexec,
        });
    }
    let real_path = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|_| libc::EACCES)?;
    Ok(Opened {
        fd,
        real_path,
        cloexec,
    })
}

/// Whether the open of `decided` waits for another process by its nature:
/// a FIFO's open waits for its other end. Such an open is done off the
/// notify loop (which would otherwise stall for every call of the tree, and
/// for good when the other end is the agent's own next open).
pub fn waits_for_peer(call: &Call, decided: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let Call::Open { flags, .. } = call else {
        return false;
    };
    // Only a read-only or write-only open without O_NONBLOCK waits (a FIFO
    // opened for both does not); O_PATH and O_DIRECTORY never reach one.
    let never = i64::from(libc::O_NONBLOCK | libc::O_PATH | libc::O_DIRECTORY);
    let both = flags & i64::from(libc::O_ACCMODE) == i64::from(libc::O_RDWR);
    !both
        && flags & never == 0
        && decided.starts_with('/')
        && resolved_fifo(decided)
            .unwrap_or_else(|| std::fs::metadata(decided).is_ok_and(|m| m.file_type().is_fifo()))
}

thread_local! {
    /// The real path the latest resolution on this thread reached, and
    /// whether it was a FIFO (see [`note_resolved`]).
    static RESOLVED: std::cell::RefCell<Option<(String, bool)>> =
        const { std::cell::RefCell::new(None) };
}

/// A path resolution on this thread reached `real`, a FIFO or not (read
/// from the descriptor it opened). The emulated open of the same path that
/// follows in the same notification then needs no `stat` of its own (one
/// path walk less per open). Looking again would not be safer: the file
/// can change between any check and the open; what keeps the loop from
/// stalling on a FIFO swapped in later is the open's `O_NONBLOCK` probe.
pub fn note_resolved(real: &str, fifo: bool) {
    RESOLVED.with(|r| {
        let mut r = r.borrow_mut();
        match r.as_mut() {
            Some((path, was)) => {
                path.clear();
                path.push_str(real);
                *was = fifo;
            }
            None => *r = Some((real.to_owned(), fifo)),
        }
    });
}

/// Forgets what [`note_resolved`] recorded (a new notification starts).
pub fn forget_resolved() {
    RESOLVED.with(|r| {
        if let Some((path, _)) = r.borrow_mut().as_mut() {
            path.clear();
        }
    });
}

/// Whether `real` is a FIFO, if the latest resolution on this thread
/// reached it; taken (asked once).
fn resolved_fifo(real: &str) -> Option<bool> {
    RESOLVED.with(|r| {
        let mut r = r.borrow_mut();
        let (path, fifo) = r.as_mut()?;
        let known = (!path.is_empty() && path == real).then_some(*fifo);
        path.clear();
        known
    })
}

/// [`open`] without waiting: `O_NONBLOCK` added for the open itself (a
/// file with a lease another process holds answers `EWOULDBLOCK` instead of
/// sleeping up to the lease-break time; a FIFO with no reader `ENXIO`), and
/// taken off the descriptor again, which then is what the agent's open
/// would have given. Those two errors mean: open it blocking, off the loop.
pub fn open_without_waiting(
    caller: &Caller,
    own: &Creds,
    call: &Call,
    decided: &str,
) -> Result<Opened, i32> {
    let nonblock = i64::from(libc::O_NONBLOCK);
    let mut probing = call.clone();
    let asked = match &mut probing {
        Call::Open { flags, .. } if *flags & (nonblock | i64::from(libc::O_PATH)) == 0 => {
            let asked = *flags;
            *flags |= nonblock;
            asked
        }
        _ => return open(caller, own, call, decided),
    };
    let opened = open(caller, own, &probing, decided)?;
    // F_SETFL sets only the flags it can change (O_APPEND, O_ASYNC,
    // O_DIRECT, O_NOATIME, O_NONBLOCK), which the open took from the
    // agent's flags: set from those, O_NONBLOCK is the one that changes (no
    // F_GETFL needed). The flags fit an int: openat2 refused any higher bit.
    let status = asked as libc::c_int;
    // SAFETY: F_SETFL on a descriptor we own, an int argument.
    if unsafe {
        libc::fcntl(
            opened.fd.as_raw_fd(),
            libc::F_SETFL,
            status & !libc::O_NONBLOCK,
        )
    } < 0
    {
        return Err(libc::EACCES);
    }
    Ok(opened)
}

/// Whether an error of [`open_without_waiting`] means the open would wait.
pub fn would_wait(errno: i32) -> bool {
    errno == libc::EWOULDBLOCK || errno == libc::ENXIO
}

/// `flags` with `O_NOCTTY`, unless they open `O_PATH`.
fn no_ctty(flags: i64) -> i64 {
    if flags & i64::from(libc::O_PATH) != 0 {
        flags
    } else {
        flags | i64::from(libc::O_NOCTTY)
    }
}

/// An open that creates or truncates: `decided` itself (an absolute real
/// path), with `RESOLVE_NO_SYMLINKS`, so the file changed is the file judged.
fn open_decided(
    caller: &Caller,
    own: &Creds,
    flags: i64,
    mode: u32,
    resolve: u64,
    decided: &str,
    creating: bool,
) -> Result<Opened, i32> {
    // A pipe, socket or anonymous inode reached through /proc/self/fd has no
    // path to open by; nothing judged by path to create or empty either.
    if !decided.starts_with('/') {
        return Err(libc::EACCES);
    }
    let cpath = CString::new(decided).map_err(|_| libc::EINVAL)?;
    let cloexec = flags & i64::from(libc::O_CLOEXEC) != 0;
    // O_NOCTTY: see `open`.
    let flags = no_ctty(flags & !i64::from(libc::O_CLOEXEC));
    // `decided` is already what any scoping reached: only the flags that
    // refuse lookups are kept.
    let resolve =
        (resolve & RESOLVE_ONLY_RESTRICTING) | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    let create_mode = if creating {
        u64::from(mode & 0o7777)
    } else {
        0
    };
    let existed = creating && exists_at(libc::AT_FDCWD, &cpath);
    let Some(as_agent) = super::creds::adopt(&caller.creds, own) else {
        return Err(libc::EACCES);
    };
    let opened = openat2(libc::AT_FDCWD, &cpath, flags, create_mode, resolve);
    drop(as_agent);
    // A symlink on the way now: not the file judged (unless the agent asked
    // not to follow its last component, and ELOOP is the kernel's answer).
    let nofollow = flags & i64::from(libc::O_NOFOLLOW) != 0;
    let fd = opened.map_err(|e| match e {
        libc::ELOOP if !nofollow => libc::EACCES,
        e => e,
    })?;
    if creating && !existed {
        // SAFETY: fchmod on a descriptor we own.
        unsafe {
            libc::fchmod(
                fd.as_raw_fd(),
                (mode & 0o7777 & !caller.umask) as libc::mode_t,
            )
        };
    }
    Ok(Opened {
        fd,
        real_path: decided.to_owned(),
        cloexec,
    })
}

/// `/proc/self`, `/proc/thread-self` and the links into them mean the
/// caller, not the supervisor that performs the open.
fn as_target(caller: &Caller, path: &[u8]) -> Vec<u8> {
    crate::pathname::proc_self_as(path, caller.pid, i64::from(caller.tid))
        .unwrap_or_else(|| path.to_vec())
}

fn exists_at(dirfd: i32, path: &CString) -> bool {
    // SAFETY: faccessat with a valid dirfd and a NUL-terminated path.
    unsafe { libc::faccessat(dirfd, path.as_ptr(), libc::F_OK, libc::AT_SYMLINK_NOFOLLOW) == 0 }
}

/// The directory a relative path (or, `scoped`, any path) starts from,
/// opened `O_PATH` through the target's `/proc` entry (its cwd or its
/// directory fd).
fn base_dir(tid: i32, dirfd: i64, path: &[u8], scoped: bool) -> Result<Option<OwnedFd>, i32> {
    if path.first() == Some(&b'/') && !scoped {
        return Ok(None);
    }
    let dir = if dirfd == AT_FDCWD {
        format!("/proc/{tid}/cwd")
    } else {
        format!("/proc/{tid}/fd/{dirfd}")
    };
    let c = CString::new(dir).map_err(|_| libc::EINVAL)?;
    // SAFETY: open with a NUL-terminated path; following the magic link is
    // the point (it names the target's directory).
    let fd = super::memory::as_agent_fs(|| unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    });
    if fd < 0 {
        return Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EBADF));
    }
    // SAFETY: open returned a new descriptor we own.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_only() -> Call {
        Call::Open {
            dirfd: AT_FDCWD,
            path: b"x".to_vec(),
            flags: i64::from(libc::O_RDONLY),
            mode: 0,
            resolve: 0,
        }
    }

    #[test]
    fn a_fifo_is_known_from_the_resolution_of_the_same_path_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let file = dir.path().join("file");
        let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
        // SAFETY: mkfifo with a NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::fs::write(&file, b"x").expect("write");
        let (fifo, file) = (fifo.to_str().expect("utf-8"), file.to_str().expect("utf-8"));
        // What the resolution saw counts, for that path only, and once.
        note_resolved(file, true);
        assert!(
            waits_for_peer(&read_only(), file),
            "the resolution's answer"
        );
        assert!(
            !waits_for_peer(&read_only(), file),
            "asked again: looked up"
        );
        note_resolved(file, true);
        assert!(
            waits_for_peer(&read_only(), fifo),
            "another path: looked up"
        );
        assert!(
            !waits_for_peer(&read_only(), file),
            "taken by the other path"
        );
        // A new notification forgets it.
        note_resolved(fifo, false);
        forget_resolved();
        assert!(waits_for_peer(&read_only(), fifo));
        // Opens that never wait on a FIFO.
        let mut both = read_only();
        if let Call::Open { flags, .. } = &mut both {
            *flags = i64::from(libc::O_RDWR);
        }
        assert!(!waits_for_peer(&both, fifo));
    }
}
