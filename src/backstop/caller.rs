//! Who made a trapped syscall, read from the kernel for every notification.
//!
//! Nothing is cached across notifications: a thread id can be recycled by
//! a new thread of another process as soon as the old one exits, so a
//! thread → process cache would resolve one process's paths against
//! another's cwd. The caller of the loop re-checks `ID_VALID` after this
//! read, which proves the thread is still the one blocked in this call.

/// The identity and credentials of the thread behind a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The thread id (the notification's `pid`).
    pub tid: i32,
    /// Its process (thread group).
    pub pid: i32,
    /// Its parent process (as read for this notification; a remembered
    /// identity may have been reparented since — read fresh where it
    /// matters, as for an exec).
    pub ppid: i32,
    /// Its umask (what a file it creates gets).
    pub umask: u32,
    /// The credentials the kernel checks file access with.
    pub creds: Creds,
}

/// The credentials a filesystem or socket operation is checked with: the
/// filesystem uid and gid, the supplementary groups and the effective
/// capabilities. The supervisor adopts them for the calls it performs for
/// the thread (`creds.rs`), so doing a call on the agent's behalf never
/// grants more than the kernel would have granted the agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Creds {
    /// Filesystem uid.
    pub fsuid: u32,
    /// Filesystem gid.
    pub fsgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// Effective capability mask.
    pub cap_eff: u64,
}

/// Reads `/proc/<tid>/status`. `None`: the thread is gone or the file could
/// not be read — the call is refused, never guessed.
pub fn identify(tid: i32) -> Option<Caller> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    parse_status(tid, &status)
}

fn parse_status(tid: i32, status: &str) -> Option<Caller> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name).map(str::trim))
    };
    // "Uid:\treal\teffective\tsaved\tfs": the fs id is the fourth.
    let fs_id =
        |name: &str| -> Option<u32> { field(name)?.split_whitespace().nth(3)?.parse().ok() };
    let groups = field("Groups:")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<Vec<u32>, _>>()
        .ok()?;
    Some(Caller {
        tid,
        pid: field("Tgid:")?.parse().ok()?,
        ppid: field("PPid:")?.parse().ok()?,
        umask: u32::from_str_radix(field("Umask:")?, 8).ok()?,
        creds: Creds {
            fsuid: fs_id("Uid:")?,
            fsgid: fs_id("Gid:")?,
            groups,
            cap_eff: u64::from_str_radix(field("CapEff:")?, 16).ok()?,
        },
    })
}

/// Identities of the threads the loop has seen, each held with a pidfd of
/// that very thread: a pidfd turns readable when its thread exits, so an
/// entry can never be taken for a new thread that got the same id. Entries
/// are dropped when the thread changes its credentials or umask (those
/// calls are notified) or execs.
#[derive(Debug, Default)]
pub struct Identities {
    known: std::collections::HashMap<i32, (std::os::fd::OwnedFd, Caller)>,
}

/// Most threads remembered at once (a hostile agent can make many).
const MAX_KNOWN: usize = 4096;

impl Identities {
    /// The caller behind thread `tid`: remembered while its pidfd says the
    /// thread lives, else read from `/proc` (and remembered).
    pub fn get(&mut self, tid: i32) -> Option<Caller> {
        if let Some((pidfd, c)) = self.known.get(&tid) {
            if alive(pidfd) {
                return Some(c.clone());
            }
            self.known.remove(&tid);
        }
        let c = identify(tid)?;
        if let Some(pidfd) = thread_pidfd(tid) {
            // Opened after the read: if the thread had already been
            // replaced by another with this id, the read above is that
            // other thread's, and so is the pidfd — still consistent, and
            // the caller re-checks ID_VALID after this.
            if self.known.len() >= MAX_KNOWN {
                self.known.clear();
            }
            self.known.insert(tid, (pidfd, c.clone()));
        }
        Some(c)
    }

    /// Forgets thread `tid`.
    pub fn forget(&mut self, tid: i32) {
        self.known.remove(&tid);
    }

    /// Forgets every thread of process `pid`.
    pub fn forget_process(&mut self, pid: i32) {
        self.known.retain(|_, (_, c)| c.pid != pid);
    }
}

/// `PIDFD_THREAD` (Linux 6.9): a pidfd for one thread, not its group.
const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

fn thread_pidfd(tid: i32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a tid and flags by value.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, tid, PIDFD_THREAD) };
    if fd < 0 {
        return None;
    }
    // SAFETY: pidfd_open returned a new descriptor we own.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

fn alive(pidfd: &std::os::fd::OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd we own, no wait.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n == 0
}

/// The supervisor's own credentials (the performing thread's, at start).
pub fn own_creds() -> Option<Creds> {
    let me = std::process::id() as i32;
    identify(me).map(|c| c.creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_required() {
        let s = "Name:\tpython\nUmask:\t0027\nState:\tS\nTgid:\t40\nNgid:\t0\nPid:\t41\nPPid:\t7\n\
                 Uid:\t1000\t1000\t1000\t1001\nGid:\t100\t100\t100\t101\nGroups:\t4 27 \n\
                 CapEff:\t0000000000000400\n";
        assert_eq!(
            parse_status(41, s),
            Some(Caller {
                tid: 41,
                pid: 40,
                ppid: 7,
                umask: 0o027,
                creds: Creds {
                    fsuid: 1001,
                    fsgid: 101,
                    groups: vec![4, 27],
                    cap_eff: 0x400
                }
            })
        );
        assert_eq!(parse_status(41, "Tgid:\t40\nPPid:\t7\n"), None);
        let me = std::process::id() as i32;
        let c = identify(me).expect("own status");
        assert_eq!(c.pid, me);
    }

    #[test]
    fn a_remembered_thread_is_forgotten_when_it_exits() {
        let mut ids = Identities::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: gettid has no arguments.
            tx.send(unsafe { libc::gettid() }).expect("send");
            let _ = go_rx.recv();
        });
        let tid = rx.recv().expect("tid");
        let first = ids.get(tid).expect("identity");
        assert_eq!(first.pid, std::process::id() as i32);
        assert!(ids.known.contains_key(&tid), "remembered");
        go_tx.send(()).expect("go");
        t.join().expect("join");
        // join returns at the thread's clear_child_tid wake, a moment before
        // the kernel has ended the task: wait (bounded) until it has.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // The thread is gone: its entry is not used (its pidfd is readable)
        // and a fresh read fails.
        assert_eq!(ids.get(tid), None);
        assert!(!ids.known.contains_key(&tid));
    }
}
