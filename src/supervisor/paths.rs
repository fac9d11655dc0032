//! Resolving a path the way the kernel will for the agent.
//!
//! The agent's spelling is only a hint: relative paths are taken against the
//! caller's real cwd or `dir_fd` (read through `/proc/<pid>`, not from
//! anything the child says), `/proc/self` means the caller, and symlinks and
//! `..` are resolved by the kernel itself: we open the path with `O_PATH`
//! and read back what was opened. For a file that does not exist yet, the
//! deepest existing ancestor is resolved and the rest appended lexically.

use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{OFlag, open};

use crate::backstop::sys;
pub use crate::backstop::sys::FileId;
use nix::sys::stat::Mode;

/// A resolved path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The real path the operation would reach.
    pub path: String,
    /// Whether the path exists now.
    pub exists: bool,
    /// The file it reached (when it exists and was asked for), read from the very descriptor
    /// the resolution opened: what the path names is judged by this, never
    /// by looking the name up again (which another process can change in
    /// between, and which a deleted file's "… (deleted)" text does not
    /// name at all).
    pub file: Option<FileId>,
}

/// Where a relative path starts.
#[derive(Debug, Clone, Copy)]
pub enum Base {
    /// The caller's current directory.
    Cwd,
    /// A directory file descriptor of the caller.
    DirFd(i64),
}

/// Resolves `raw` for process `pid` (thread `tid`). `follow` says whether
/// the last component is followed if it is a symlink (open follows; unlink,
/// rename and symlink creation act on the link itself).
///
/// `Err(errno)`: the path could not be resolved for another reason than a
/// missing file (the supervisor out of descriptors, a permission, a loop):
/// the caller refuses the operation — the agent's spelling is never judged
/// in place of the real path.
pub fn resolve(pid: i32, tid: i64, base: Base, raw: &str, follow: bool) -> Result<Resolved, i32> {
    resolve_as(pid, tid, base, raw, follow, false)
}

/// [`resolve`], and the identity of the file reached ([`Resolved::file`]:
/// one `fstat` more, for the callers that judge what a file *is*).
pub fn resolve_identified(
    pid: i32,
    tid: i64,
    base: Base,
    raw: &str,
    follow: bool,
) -> Result<Resolved, i32> {
    resolve_as(pid, tid, base, raw, follow, true)
}

fn resolve_as(
    pid: i32,
    tid: i64,
    base: Base,
    raw: &str,
    follow: bool,
    identify: bool,
) -> Result<Resolved, i32> {
    let full = proc_path(pid, tid, base, raw);
    // The caller's /proc entries with its filesystem ids (--user in a
    // container: no CAP_SYS_PTRACE), everything else with ours.
    if full.starts_with("/proc") {
        return crate::backstop::memory::as_agent_fs(|| resolve_full(&full, follow, identify));
    }
    resolve_full(&full, follow, identify)
}

fn resolve_full(full: &Path, follow: bool, identify: bool) -> Result<Resolved, i32> {
    let mut full = full.to_path_buf();
    for _ in 0..MAX_LINKS {
        match kernel_resolve(&full, follow) {
            Ok((path, fd)) => {
                if let Ok(st) = nix::sys::stat::fstat(&fd) {
                    let fifo = st.st_mode & libc::S_IFMT == libc::S_IFIFO;
                    crate::backstop::emulate::note_resolved(&path, fifo);
                }
                return Ok(Resolved {
                    path,
                    exists: true,
                    file: identify
                        .then(|| FileId::of(std::os::fd::AsFd::as_fd(&fd)))
                        .flatten(),
                });
            }
            Err(e) if is_missing(e) => {}
            Err(e) => return Err(e),
        }
        // A dangling symlink as the last component: an open that creates
        // follows it and creates its target, so the target is the path.
        let target = match std::fs::read_link(&full) {
            Ok(t) if follow => t,
            _ => {
                return Ok(Resolved {
                    path: resolve_missing(&full)?,
                    exists: false,
                    file: None,
                });
            }
        };
        full = if target.is_absolute() {
            // `/proc/self` in a link means whoever follows it: not judged.
            if target.starts_with("/proc") {
                return Err(libc::EACCES);
            }
            target
        } else {
            // The link's directory exists (the link is in it).
            let dir = full.parent().ok_or(libc::EACCES)?;
            PathBuf::from(kernel_resolve(dir, true)?.0).join(target)
        };
    }
    Err(libc::ELOOP)
}

/// Symlinks followed at most on the way to a missing file (the kernel's
/// own limit is 40).
const MAX_LINKS: usize = 40;

/// The errors that mean "not there (yet)": the deepest existing ancestor
/// is resolved instead.
fn is_missing(errno: i32) -> bool {
    matches!(errno, libc::ENOENT | libc::ENOTDIR)
}

/// The path as the supervisor can open it: relative paths hang off the
/// calling thread's cwd or descriptor (`/proc/<pid>/task/<tid>/cwd`,
/// `…/fd/<n>`: a thread made without `CLONE_FS` or `CLONE_FILES` has its
/// own), and `/proc/self` (and the links into it) becomes the caller's pid.
fn proc_path(pid: i32, tid: i64, base: Base, raw: &str) -> PathBuf {
    let raw = raw.strip_prefix("\0").unwrap_or(raw);
    if let Some(own) = crate::pathname::proc_self_as(raw.as_bytes(), pid, tid) {
        return PathBuf::from(std::ffi::OsString::from_vec(own));
    }
    if raw.starts_with('/') {
        return PathBuf::from(raw);
    }
    let task = if tid > 0 {
        format!("/proc/{pid}/task/{tid}")
    } else {
        format!("/proc/{pid}")
    };
    let base = match base {
        Base::Cwd => format!("{task}/cwd"),
        // CPython passes -1 for "no dir_fd"; the kernel's AT_FDCWD is -100.
        Base::DirFd(fd) if fd < 0 => format!("{task}/cwd"),
        Base::DirFd(fd) => format!("{task}/fd/{fd}"),
    };
    if raw.is_empty() {
        return PathBuf::from(base);
    }
    Path::new(&base).join(raw)
}

/// Opens with `O_PATH` (no read, no side effects, never blocks on FIFOs)
/// and asks the kernel which file it reached.
fn kernel_resolve(path: &Path, follow: bool) -> Result<(String, std::os::fd::OwnedFd), i32> {
    // A plain absolute path the kernel reaches without following any
    // symlink is its own real path (no readlink through /proc needed).
    let bytes = path.as_os_str().as_bytes();
    if crate::pathname::is_plain_outside_proc(bytes) {
        let c = std::ffi::CString::new(bytes).map_err(|_| libc::EINVAL)?;
        let nofollow = if follow {
            0
        } else {
            i64::from(libc::O_NOFOLLOW)
        };
        match sys::openat2(
            libc::AT_FDCWD,
            &c,
            i64::from(libc::O_PATH) | nofollow,
            0,
            sys::RESOLVE_NO_SYMLINKS,
        ) {
            Ok(fd) => return Ok((String::from_utf8_lossy(bytes).into_owned(), fd)),
            // A symlink on the way: resolved by following it, below.
            Err(libc::ELOOP) => {}
            Err(e) => return Err(e),
        }
    }
    let mut flags = OFlag::O_PATH | OFlag::O_CLOEXEC;
    if !follow {
        flags |= OFlag::O_NOFOLLOW;
    }
    let fd = open(path, flags, Mode::empty()).map_err(|e| e as i32)?;
    let link = std::fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&fd)
    ))
    .map_err(|e| e.raw_os_error().unwrap_or(libc::EACCES))?;
    let text = link.to_string_lossy().into_owned();
    // A deleted file still open reads back as "… (deleted)"; that is still
    // the file the operation would reach.
    Ok((text, fd))
}

fn resolve_missing(full: &Path) -> Result<String, i32> {
    // Walk up component by component (`..` included) to the deepest
    // ancestor that exists, resolve it, and append the rest lexically.
    let parts: Vec<Component<'_>> = full.components().collect();
    for keep in (1..parts.len()).rev() {
        let ancestor: PathBuf = parts[..keep].iter().collect();
        match kernel_resolve(&ancestor, true) {
            Ok((real, _)) => {
                let mut out = PathBuf::from(real);
                for part in &parts[keep..] {
                    out.push(part.as_os_str());
                }
                return Ok(lexical(&out));
            }
            Err(e) if is_missing(e) => {}
            Err(e) => return Err(e),
        }
    }
    // Not even the root (or the caller's cwd) could be opened.
    Err(libc::EACCES)
}

/// Lexical normalisation: `.` dropped, `..` pops (used only below the
/// deepest existing directory, where no symlink can interfere).
pub fn lexical(p: &Path) -> String {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
        }
    }
    String::from_utf8_lossy(out.as_os_str().as_bytes()).into_owned()
}

pub use crate::pathname::{is_strictly_above, is_under};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_symlinks_and_dotdot_through_the_kernel() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::create_dir(real.join("a")).expect("mkdir");
        std::fs::write(real.join("secret"), b"x").expect("write");
        std::os::unix::fs::symlink(real.join("secret"), real.join("a/link")).expect("symlink");
        let me = std::process::id() as i32;
        let r = resolve(
            me,
            i64::from(me),
            Base::Cwd,
            &format!("{}/a/link", real.display()),
            true,
        )
        .expect("resolve");
        assert_eq!(r.path, format!("{}/secret", real.display()));
        let r = resolve(
            me,
            i64::from(me),
            Base::Cwd,
            &format!("{}/a/link", real.display()),
            false,
        )
        .expect("resolve");
        assert_eq!(r.path, format!("{}/a/link", real.display()));
        let r = resolve(
            me,
            i64::from(me),
            Base::Cwd,
            &format!("{}/a/../secret", real.display()),
            true,
        )
        .expect("resolve");
        assert_eq!(r.path, format!("{}/secret", real.display()));
        let r = resolve(
            me,
            i64::from(me),
            Base::Cwd,
            &format!("{}/a/new/../x", real.display()),
            true,
        )
        .expect("resolve");
        assert!(!r.exists);
        assert_eq!(r.path, format!("{}/a/x", real.display()));
    }

    #[test]
    fn a_dangling_symlink_is_its_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canon");
        std::fs::create_dir(real.join("blocked")).expect("mkdir");
        std::os::unix::fs::symlink(real.join("blocked/new"), real.join("abs")).expect("symlink");
        std::os::unix::fs::symlink("blocked/rel", real.join("rel")).expect("symlink");
        std::os::unix::fs::symlink("abs", real.join("chain")).expect("symlink");
        std::os::unix::fs::symlink("loop", real.join("loop")).expect("symlink");
        std::os::unix::fs::symlink("/proc/self/x", real.join("proc")).expect("symlink");
        let me = std::process::id() as i32;
        let at = |name: &str, follow: bool| {
            resolve(
                me,
                i64::from(me),
                Base::Cwd,
                &format!("{}/{name}", real.display()),
                follow,
            )
        };
        let blocked = |f: &str| format!("{}/blocked/{f}", real.display());
        let r = at("abs", true).expect("resolve");
        assert_eq!((r.path, r.exists), (blocked("new"), false));
        assert_eq!(at("rel", true).expect("resolve").path, blocked("rel"));
        assert_eq!(at("chain", true).expect("resolve").path, blocked("new"));
        // Not followed: the link itself.
        assert_eq!(
            at("abs", false).expect("resolve").path,
            format!("{}/abs", real.display())
        );
        assert_eq!(at("loop", true), Err(libc::ELOOP));
        assert_eq!(at("proc", true), Err(libc::EACCES));
    }

    #[test]
    fn proc_self_means_the_caller() {
        assert_eq!(
            proc_path(42, 43, Base::Cwd, "/proc/self/root/etc"),
            PathBuf::from("/proc/42/root/etc")
        );
        assert_eq!(
            proc_path(42, 43, Base::Cwd, "/proc/thread-self/x"),
            PathBuf::from("/proc/42/task/43/x")
        );
        // Relative paths hang off the calling thread's own cwd and
        // descriptors (a thread made without CLONE_FS or CLONE_FILES has
        // its own); without a thread, the process's.
        assert_eq!(
            proc_path(42, 43, Base::DirFd(5), "f"),
            PathBuf::from("/proc/42/task/43/fd/5/f")
        );
        assert_eq!(
            proc_path(42, 43, Base::Cwd, "f"),
            PathBuf::from("/proc/42/task/43/cwd/f")
        );
        assert_eq!(
            proc_path(42, 0, Base::DirFd(-1), "f"),
            PathBuf::from("/proc/42/cwd/f")
        );
        assert!(!is_under("/homeless", "/home"));
        assert!(is_under("/home/x", "/home"));
        assert!(is_under("/home", "/home/"));
    }
}
