//! The Landlock layer: a third, race-free restriction the kernel enforces on
//! the agent's own calls, derived from the capability profile, best effort
//! by ABI (Linux 5.13+; TCP from ABI 4, scoping from ABI 6).
//!
//! It judges nothing itself and never widens anything: calls the supervisor
//! performs on the agent's behalf (emulated opens, unlink, rename, …) are
//! done with the supervisor's own credentials and are outside the agent's
//! domain. What it covers is every call that reaches the kernel as the
//! agent's: what the filter allows outright, what the supervisor continues
//! (exec, socket calls under the container freeze), and everything
//! `--backstop audit` only records.
//!
//! - No `file.write`: writes, creations, removals, renames, links and
//!   truncation are refused everywhere except the runtime's own places
//!   (`/dev`, `/dev/shm`, the run's `TMPDIR` when set).
//! - Execution (without `process.exec`, or when the policy pins what a
//!   process rule may allow: [`crate::policy::ExecScope`]): refused except
//!   the interpreter, irongate's launcher, the dynamic loader, the runtime's
//!   own `uname` and whatever the policy's allow or review rules name.
//! - No `network.socket` (ABI 4+): TCP bind refused except port 0 (the
//!   runtime's ephemeral probes); TCP connect refused unless the profile
//!   has `network.http` (an allowed HTTP request connects to any port).
//! - Scoping (ABI 6+): signals to processes outside the agent's domain and
//!   connections to abstract Unix sockets outside it are refused.

use std::ffi::CString;

/// What the supervisor derives from the profile; carried to the child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Restrict writes (no `file.write`).
    pub no_writes: bool,
    /// Restrict execution (no `process.exec`, or a policy that pins it).
    pub no_exec: bool,
    /// Restrict TCP bind (no `network.socket`).
    pub no_bind: bool,
    /// Restrict TCP connect (neither `network.socket` nor `network.http`).
    pub no_connect: bool,
    /// Directories where writes stay allowed.
    pub writable: Vec<String>,
    /// Files (or directories, everything below them) that may still be
    /// executed.
    pub executable: Vec<String>,
}

impl Plan {
    /// The plan for a profile and what the policy could let the agent
    /// execute; `runtime` are the files the run itself executes.
    pub fn for_profile(
        profile: &crate::policy::Profile,
        exec: &crate::policy::ExecScope,
        runtime: Vec<String>,
        tmpdir: Option<String>,
    ) -> Plan {
        let mut writable = vec!["/dev".to_owned()];
        writable.extend(tmpdir);
        let mut executable = runtime;
        let no_exec = match exec {
            _ if !profile.has("process.exec") => true,
            crate::policy::ExecScope::Any => false,
            crate::policy::ExecScope::Only { files, dirs } => {
                executable.extend(files.iter().chain(dirs).cloned());
                true
            }
        };
        executable.sort();
        executable.dedup();
        Plan {
            no_writes: !profile.has("file.write"),
            no_exec,
            no_bind: !profile.has("network.socket"),
            no_connect: !profile.has("network.socket") && !profile.has("network.http"),
            writable,
            executable,
        }
    }

    /// What the plan restricts on a kernel with Landlock `abi`, in words
    /// (the run's note and `irongate doctor`).
    pub fn restricts(&self, abi: i32) -> Vec<&'static str> {
        let mut what = Vec::new();
        if abi < 1 {
            return what;
        }
        if self.no_writes {
            what.push("writes");
        }
        if self.no_exec {
            what.push("execution");
        }
        if abi >= 4 && self.no_bind {
            what.push("TCP bind");
        }
        if abi >= 4 && self.no_connect {
            what.push("TCP connect");
        }
        if abi >= 6 {
            what.push("signals and abstract sockets outside the agent");
        }
        what
    }

    /// As JSON, for the isolated agent's fresh exec.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "no_writes": self.no_writes, "no_exec": self.no_exec,
            "no_bind": self.no_bind, "no_connect": self.no_connect,
            "writable": self.writable, "executable": self.executable,
        })
    }

    /// From `to_json`.
    pub fn from_json(v: &serde_json::Value) -> Option<Plan> {
        let strings = |k: &str| -> Option<Vec<String>> {
            v[k].as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        Some(Plan {
            no_writes: v["no_writes"].as_bool()?,
            no_exec: v["no_exec"].as_bool()?,
            no_bind: v["no_bind"].as_bool()?,
            no_connect: v["no_connect"].as_bool()?,
            writable: strings("writable")?,
            executable: strings("executable")?,
        })
    }
}

const EXECUTE: u64 = 1 << 0;
const WRITE_FILE: u64 = 1 << 1;
const REMOVE_DIR: u64 = 1 << 4;
const REMOVE_FILE: u64 = 1 << 5;
const MAKE_CHAR: u64 = 1 << 6;
const MAKE_DIR: u64 = 1 << 7;
const MAKE_REG: u64 = 1 << 8;
const MAKE_SOCK: u64 = 1 << 9;
const MAKE_FIFO: u64 = 1 << 10;
const MAKE_BLOCK: u64 = 1 << 11;
const MAKE_SYM: u64 = 1 << 12;
const REFER: u64 = 1 << 13;
const TRUNCATE: u64 = 1 << 14;
const NET_BIND_TCP: u64 = 1 << 0;
const NET_CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;
const RULE_PATH_BENEATH: u32 = 1;
const RULE_NET_PORT: u32 = 2;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneath {
    allowed_access: u64,
    parent_fd: i32,
}

#[repr(C)]
struct NetPort {
    allowed_access: u64,
    port: u64,
}

/// What was put in force, for the run's log.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The kernel's ABI (0: no Landlock).
    pub abi: i32,
    /// What is restricted, in words.
    pub what: Vec<&'static str>,
}

/// Restricts the calling thread (and everything it starts later) by `plan`.
/// Without Landlock, or with nothing to restrict, nothing happens.
pub fn apply(plan: &Plan) -> Result<Applied, String> {
    let abi = abi().unwrap_or(0);
    let applied = Applied {
        abi,
        what: plan.restricts(abi),
    };
    if abi < 1 {
        return Ok(applied);
    }
    let write_rights = {
        let mut r = WRITE_FILE
            | REMOVE_DIR
            | REMOVE_FILE
            | MAKE_CHAR
            | MAKE_DIR
            | MAKE_REG
            | MAKE_SOCK
            | MAKE_FIFO
            | MAKE_BLOCK
            | MAKE_SYM;
        if abi >= 2 {
            r |= REFER;
        }
        if abi >= 3 {
            r |= TRUNCATE;
        }
        r
    };
    let mut fs = 0;
    if plan.no_writes {
        fs |= write_rights;
    }
    if plan.no_exec {
        fs |= EXECUTE;
    }
    let mut net = 0;
    if abi >= 4 {
        if plan.no_bind {
            net |= NET_BIND_TCP;
        }
        if plan.no_connect {
            net |= NET_CONNECT_TCP;
        }
    }
    let mut scoped = 0;
    if abi >= 6 {
        scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;
    }
    if fs == 0 && net == 0 && scoped == 0 {
        return Ok(applied);
    }
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: net,
        scoped,
    };
    // Older ABIs know a shorter struct: pass only the fields they have.
    let size = if abi >= 6 {
        24
    } else if abi >= 4 {
        16
    } else {
        8
    };
    // SAFETY: landlock_create_ruleset with a valid attribute of `size` bytes.
    let ruleset = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size as usize,
            0u32,
        )
    };
    if ruleset < 0 {
        return Err(format!(
            "landlock_create_ruleset: {}",
            std::io::Error::last_os_error()
        ));
    }
    let ruleset = ruleset as i32;
    let add_path = |path: &str, rights: u64| {
        let Ok(c) = CString::new(path) else { return };
        // SAFETY: open with a NUL-terminated path.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd < 0 {
            return;
        }
        // A file takes only the rights that apply to files.
        // SAFETY: fstat into a zeroed struct.
        let is_dir = unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            libc::fstat(fd, &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFDIR
        };
        let rights = if is_dir {
            rights
        } else {
            rights & (EXECUTE | WRITE_FILE | TRUNCATE)
        };
        let rule = PathBeneath {
            allowed_access: rights,
            parent_fd: fd,
        };
        // SAFETY: landlock_add_rule with a valid rule; fd closed after.
        unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                RULE_PATH_BENEATH,
                &rule as *const PathBeneath,
                0u32,
            );
            libc::close(fd);
        }
    };
    if plan.no_writes {
        for d in &plan.writable {
            add_path(d, write_rights);
        }
    }
    if plan.no_exec {
        for f in &plan.executable {
            add_path(f, EXECUTE);
        }
    }
    if net & NET_BIND_TCP != 0 {
        let rule = NetPort {
            allowed_access: NET_BIND_TCP,
            port: 0,
        };
        // SAFETY: landlock_add_rule with a valid rule.
        unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                ruleset,
                RULE_NET_PORT,
                &rule as *const NetPort,
                0u32,
            );
        }
    }
    // SAFETY: plain prctl, then restrict_self on the ruleset we own.
    let rc = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        let rc = libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32);
        libc::close(ruleset);
        rc
    };
    if rc != 0 {
        return Err(format!(
            "landlock_restrict_self: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(applied)
}

/// The Landlock ABI this kernel offers.
pub fn abi() -> Result<i32, i32> {
    const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
    // SAFETY: the version query takes a null attribute pointer and size 0.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if v < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(v as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ExecScope, Profile};

    fn runtime() -> Vec<String> {
        vec!["/usr/bin/python3.11".into(), "/opt/irongate".into()]
    }

    #[test]
    fn execution_follows_the_profile_and_the_policy() {
        let sandboxed = Profile::sandboxed();
        let trusted = Profile::from_name("trusted").expect("trusted");
        // No process.exec: only the runtime, whatever the policy.
        let p = Plan::for_profile(&sandboxed, &ExecScope::Any, runtime(), None);
        assert!(p.no_exec && p.no_writes);
        assert_eq!(p.executable, vec!["/opt/irongate", "/usr/bin/python3.11"]);
        // process.exec and rules that can allow anything: execution open.
        let p = Plan::for_profile(&trusted, &ExecScope::Any, runtime(), None);
        assert!(!p.no_exec && !p.no_writes);
        // process.exec, but the policy pins what it can allow.
        let pinned = ExecScope::Only {
            files: vec!["/usr/bin/git".into()],
            dirs: vec!["/opt/tools".into()],
        };
        let p = Plan::for_profile(&trusted, &pinned, runtime(), Some("/tmp/run".into()));
        assert!(p.no_exec);
        assert_eq!(
            p.executable,
            vec![
                "/opt/irongate",
                "/opt/tools",
                "/usr/bin/git",
                "/usr/bin/python3.11"
            ]
        );
        assert_eq!(p.writable, vec!["/dev", "/tmp/run"]);
        assert_eq!(Plan::from_json(&p.to_json()), Some(p.clone()));
    }

    #[test]
    fn what_is_restricted_depends_on_the_abi() {
        let p = Plan::for_profile(&Profile::sandboxed(), &ExecScope::Any, runtime(), None);
        assert!(p.restricts(0).is_empty());
        assert_eq!(p.restricts(3), vec!["writes", "execution"]);
        assert_eq!(
            p.restricts(4),
            vec!["writes", "execution", "TCP bind", "TCP connect"]
        );
        assert_eq!(
            p.restricts(7).last(),
            Some(&"signals and abstract sockets outside the agent")
        );
    }
}
