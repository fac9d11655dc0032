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
    /// Its parent process.
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
}
