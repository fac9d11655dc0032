//! Raw seccomp user-notification ioctls (`seccomp_unotify(2)`).
//!
//! libseccomp's crate allocates per call and has no ADDFD wrapper, so the
//! notify loop talks to the listener directly. This is the only place that
//! issues these ioctls; everything above it uses the safe functions here.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

pub use libc::{seccomp_data, seccomp_notif};

/// Receives one notification. `ENOENT` means the target died or was
/// interrupted between poll and receive: skip it.
pub fn recv(listener: BorrowedFd<'_>) -> io::Result<seccomp_notif> {
    // SAFETY: the kernel requires a zeroed struct (EINVAL since 5.5 otherwise);
    // seccomp_notif is plain data.
    let mut notif: seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd, the request matches the struct we pass.
    let rc = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &mut notif,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(notif)
}

/// True while the notification is still pending: the target has not died or
/// been interrupted, so what we read from its memory belongs to this call.
pub fn id_valid(listener: BorrowedFd<'_>, id: u64) -> bool {
    let mut id = id;
    // SAFETY: valid fd, the request takes a pointer to a u64.
    unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &mut id,
        ) == 0
    }
}

fn send(listener: BorrowedFd<'_>, id: u64, val: i64, error: i32, flags: u32) -> io::Result<()> {
    let mut resp = libc::seccomp_notif_resp {
        id,
        val,
        error,
        flags,
    };
    // SAFETY: valid fd, the request matches the struct we pass.
    let rc = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut resp,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Lets the syscall run as the target issued it (racy for pointer
/// arguments: SECURITY_MODEL.md lists where this is used).
pub fn respond_continue(listener: BorrowedFd<'_>, id: u64) -> io::Result<()> {
    send(
        listener,
        id,
        0,
        0,
        libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
    )
}

/// Fails the syscall with `errno`.
pub fn respond_errno(listener: BorrowedFd<'_>, id: u64, errno: i32) -> io::Result<()> {
    send(listener, id, 0, -errno, 0)
}

/// Completes the syscall with a return value (emulated calls).
pub fn respond_value(listener: BorrowedFd<'_>, id: u64, val: i64) -> io::Result<()> {
    send(listener, id, val, 0, 0)
}

/// Installs `fd` in the target and completes its syscall with the new
/// descriptor number in one step (`SECCOMP_ADDFD_FLAG_SEND`, 5.14+).
pub fn respond_addfd(
    listener: BorrowedFd<'_>,
    id: u64,
    fd: RawFd,
    cloexec: bool,
) -> io::Result<i64> {
    let mut addfd = libc::seccomp_notif_addfd {
        id,
        flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
        srcfd: fd as u32,
        newfd: 0,
        newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
    };
    // SAFETY: valid fd, the request matches the struct we pass.
    let rc = unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ADDFD,
            &mut addfd,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(i64::from(rc))
}

/// `RESOLVE_NO_MAGICLINKS` (openat2): no `/proc/<pid>/fd`-style links.
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `RESOLVE_NO_SYMLINKS` (openat2): no symlink anywhere on the way.
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
/// `RESOLVE_BENEATH` (openat2): the path must stay below the directory.
pub const RESOLVE_BENEATH: u64 = 0x08;
/// `RESOLVE_IN_ROOT` (openat2): the directory is the root; an absolute path
/// (or symlink) starts there, not at `/`.
pub const RESOLVE_IN_ROOT: u64 = 0x10;
/// `openat2` flags that only refuse some lookups (`RESOLVE_NO_XDEV`,
/// `_NO_MAGICLINKS`, `_NO_SYMLINKS`, `_CACHED`): with none but these, a
/// path names what it names for `openat`. The others scope it to a
/// directory.
pub const RESOLVE_ONLY_RESTRICTING: u64 = 0x01 | 0x02 | 0x04 | 0x20;

/// A file's identity: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    /// `st_dev`.
    pub dev: u64,
    /// `st_ino`.
    pub ino: u64,
}

impl FileId {
    /// The identity of an open descriptor's file; `None` if `fstat` fails.
    pub fn of(fd: BorrowedFd<'_>) -> Option<FileId> {
        nix::sys::stat::fstat(fd).ok().map(|st| FileId {
            dev: st.st_dev,
            ino: st.st_ino,
        })
    }
}

/// `openat2(2)` with `flags` (`O_CLOEXEC` always added), `mode` and
/// `resolve`. The error is the errno, read at once (before anything else,
/// such as putting credentials back, can change it).
pub fn openat2(
    dir: RawFd,
    path: &std::ffi::CStr,
    flags: i64,
    mode: u64,
    resolve: u64,
) -> Result<std::os::fd::OwnedFd, i32> {
    #[repr(C)]
    struct OpenHow {
        flags: u64,
        mode: u64,
        resolve: u64,
    }
    let how = OpenHow {
        flags: (flags | i64::from(libc::O_CLOEXEC)) as u64,
        mode,
        resolve,
    };
    // SAFETY: openat2 with a dirfd the caller holds (or AT_FDCWD), a
    // NUL-terminated path and an open_how of the size passed.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir,
            path.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EACCES));
    }
    // SAFETY: openat2 returned a new descriptor nobody else owns.
    Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) })
}
