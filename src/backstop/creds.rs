//! The performing thread takes on the agent's credentials for the length of
//! one call (R-4: a call done on the agent's behalf grants nothing the
//! kernel would have refused the agent).
//!
//! Filesystem ids, supplementary groups and capabilities are per-thread in
//! the kernel; only libc's wrappers broadcast them to every thread. The raw
//! syscalls here change the calling thread alone, and the guard puts the
//! supervisor's own back when the call is done.

use super::caller::Creds;

/// Restores the thread's own credentials when dropped.
#[derive(Debug)]
pub struct Adopted {
    own: Option<Creds>,
    groups_changed: bool,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_V3: u32 = 0x2008_0522;

fn capget() -> Option<[CapData; 2]> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget with a v3 header and two data structs, as the ABI says.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) };
    (rc == 0).then_some(data)
}

fn set_effective(mask: u64) -> bool {
    let Some(mut data) = capget() else {
        return false;
    };
    data[0].effective = (mask as u32) & data[0].permitted;
    data[1].effective = ((mask >> 32) as u32) & data[1].permitted;
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    // SAFETY: capset of the calling thread (pid 0) with a v3 header and two
    // data structs; effective stays within permitted.
    unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) == 0 }
}

fn set_groups(groups: &[u32]) -> bool {
    // SAFETY: the raw setgroups syscall (this thread only) with a pointer to
    // `groups.len()` gids.
    unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) == 0 }
}

fn set_fs_ids(uid: u32, gid: u32) {
    // SAFETY: setfsgid/setfsuid take ids by value and affect this thread.
    unsafe {
        libc::syscall(libc::SYS_setfsgid, gid);
        libc::syscall(libc::SYS_setfsuid, uid);
    }
}

fn fs_ids() -> (u32, u32) {
    // SAFETY: setfs*id(-1) changes nothing and returns the current id.
    unsafe {
        (
            libc::syscall(libc::SYS_setfsuid, u32::MAX) as u32,
            libc::syscall(libc::SYS_setfsgid, u32::MAX) as u32,
        )
    }
}

/// Takes on `agent`'s credentials if they differ from `own`. `None`: they
/// could not be taken on (the call must then be refused).
pub fn adopt(agent: &Creds, own: &Creds) -> Option<Adopted> {
    if agent == own {
        return Some(Adopted {
            own: None,
            groups_changed: false,
        });
    }
    // Groups first: setgroups needs CAP_SETGID, which may be dropped next.
    let groups_changed = agent.groups != own.groups;
    if groups_changed && !set_groups(&agent.groups) {
        return None;
    }
    let guard = Adopted {
        own: Some(own.clone()),
        groups_changed,
    };
    set_fs_ids(agent.fsuid, agent.fsgid);
    // A non-zero fsuid clears the filesystem capabilities by itself; the
    // effective set is then narrowed to the agent's.
    if fs_ids() != (agent.fsuid, agent.fsgid) || !set_effective(agent.cap_eff) {
        return None; // the guard restores what was changed
    }
    Some(guard)
}

impl Drop for Adopted {
    fn drop(&mut self) {
        let Some(own) = self.own.take() else {
            return;
        };
        // Capabilities back first: setfsuid and setgroups may need them.
        let restored = set_effective(own.cap_eff)
            && {
                set_fs_ids(own.fsuid, own.fsgid);
                fs_ids() == (own.fsuid, own.fsgid)
            }
            && (!self.groups_changed || set_groups(&own.groups));
        if !restored {
            // A supervisor thread left with the agent's identity would make
            // later decisions with the wrong rights: stop rather than go on.
            eprintln!("irongate: cannot restore the supervisor's credentials; stopping");
            std::process::abort();
        }
    }
}
