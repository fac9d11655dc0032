//! `irongate doctor [--json]`: every kernel feature IronGate uses, each with
//! pass / fallback / fail, what is in force and the fix.
//!
//! The backstop's features are not guessed from versions: a forked probe
//! child loads the real filter and hands its listener over exactly as
//! `irongate run` does; the supervisor side then tries each mechanism on it
//! (memory reads, `pidfd_getfd`, sync wake-up) and answers one trapped
//! `openat` with `SECCOMP_IOCTL_NOTIF_ADDFD`.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use serde::Serialize;

use crate::backstop::memory;
use crate::backstop::sys;
use crate::child::awake::HALT_POLL;
use crate::supervisor::backstop_listener;

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Works as designed.
    Pass,
    /// Missing, and a documented fallback is in force.
    Fallback,
    /// Missing, and `irongate run` will not start (or will refuse the
    /// calls it concerns).
    Fail,
    /// For information.
    Info,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// The outcome.
    pub status: Status,
    /// What is in force, or what went wrong.
    pub detail: String,
    /// How to fix it, when there is something to fix.
    pub fix: Option<String>,
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        name,
        status,
        detail: detail.into(),
        fix: None,
    }
}

fn with_fix(mut c: Check, fix: impl Into<String>) -> Check {
    c.fix = Some(fix.into());
    c
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// irongate's version.
    pub version: &'static str,
    /// The running kernel.
    pub kernel: String,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

/// Runs every check.
pub fn report() -> Report {
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut checks = Vec::new();
    checks.extend(backstop_checks());
    checks.push(landlock_check());
    checks.push(io_uring_check());
    checks.push(userns_check());
    checks.push(idle_check());
    checks.extend(container_checks());
    Report {
        version: env!("CARGO_PKG_VERSION"),
        kernel,
        checks,
    }
}

/// `irongate doctor [--json]`: the interpreter and home, then every kernel
/// feature (`cmd`). Exit 1 when a check fails.
pub fn cmd_with_environment(home: Option<&std::path::Path>, json: bool) -> anyhow::Result<i32> {
    let home = crate::home::resolve(home)?;
    let mut extra = vec![
        (
            "embedded_python".to_owned(),
            format!(
                "{} (built against {})",
                crate::supervisor::launch::BUILD_PYVERSION,
                env!("IRONGATE_BUILD_PYTHON")
            ),
        ),
        ("home".to_owned(), home.display().to_string()),
    ];
    extra.push((
        "agent_interpreter".to_owned(),
        match crate::supervisor::launch::python_env(None) {
            Ok(env) => env.program.display().to_string(),
            Err(e) => e.to_string(),
        },
    ));
    Ok(cmd(json, &extra))
}

/// `irongate doctor`: 0 when nothing fails, 1 otherwise.
pub fn cmd(json: bool, extra: &[(String, String)]) -> i32 {
    let r = report();
    let failed = r.checks.iter().any(|c| c.status == Status::Fail);
    if json {
        let mut v = serde_json::to_value(&r).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            for (k, val) in extra {
                o.insert(k.clone(), serde_json::Value::String(val.clone()));
            }
        }
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("irongate {}", r.version);
        for (k, v) in extra {
            println!("{k}: {v}");
        }
        println!("kernel: {}", r.kernel);
        for c in &r.checks {
            let tag = match c.status {
                Status::Pass => "pass",
                Status::Fallback => "FALLBACK",
                Status::Fail => "FAIL",
                Status::Info => "info",
            };
            println!("{tag:>8}  {}: {}", c.name, c.detail);
            if let Some(f) = &c.fix {
                println!("          fix: {f}");
            }
        }
    }
    i32::from(failed)
}

/// Forks a probe child under the real filter and tries every mechanism the
/// notify loop uses on it.
fn backstop_checks() -> Vec<Check> {
    let mut out = Vec::new();
    let pair = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::SeqPacket,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    );
    let Ok((parent, child)) = pair else {
        out.push(check("seccomp notify", Status::Fail, "socketpair failed"));
        return out;
    };
    // SAFETY: doctor has started no thread; the child runs only the probe
    // and _exits.
    let pid = match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => probe_child(child.as_raw_fd()),
        Ok(nix::unistd::ForkResult::Parent { child }) => child.as_raw(),
        Err(e) => {
            out.push(check("seccomp notify", Status::Fail, format!("fork: {e}")));
            return out;
        }
    };
    let child_no = child.as_raw_fd();
    drop(child);
    let kill = || {
        // SAFETY: kill/waitpid of our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    };
    let handed = match backstop_listener::take(&parent) {
        Ok(h) => h,
        Err(e) => {
            out.push(with_fix(
                check("seccomp notify + listener hand-off", Status::Fail, e.to_string()),
                "a Linux 5.9+ kernel with seccomp user notification (CONFIG_SECCOMP_FILTER) and libseccomp 2.5+",
            ));
            kill();
            return out;
        }
    };
    out.push(check(
        "listener hand-off",
        Status::Pass,
        backstop_listener::MECHANISM,
    ));
    out.push(match memory::select(pid as u32, handed.probe_addr) {
        Ok(memory::Mechanism::VmReadv) => check(
            "agent memory",
            Status::Pass,
            "process_vm_readv",
        ),
        Ok(memory::Mechanism::ProcMem) => with_fix(
            check(
                "agent memory",
                Status::Fallback,
                "process_vm_readv is refused; /proc/<pid>/mem (pread, opened per read) is in force, with the same ID_VALID check after every read",
            ),
            "nothing needed (about 2 µs more per read); CAP_SYS_PTRACE would allow process_vm_readv",
        ),
        Err(e) => with_fix(
            check("agent memory", Status::Fail, e),
            "run the supervisor as the agent's user, or grant CAP_SYS_PTRACE",
        ),
    });
    out.push(match backstop_listener::probe_pidfd_getfd(pid, child_no) {
        Ok(()) => check(
            "pidfd_getfd (socket calls on the agent's behalf)",
            Status::Pass,
            "connect, bind and sendto are performed on the agent's own socket",
        ),
        Err(e) => with_fix(
            check(
                "pidfd_getfd (socket calls on the agent's behalf)",
                Status::Fallback,
                format!(
                    "refused ({e}): allowed connect, bind and sendto are continued with every process of the agent's tree stopped (SIGSTOP) and the arguments read again before the kernel reads them; the agent sees SIGCONT after each such call"
                ),
            ),
            "nothing needed; docker run --cap-add SYS_PTRACE lets irongate perform them on the agent's socket without stopping the tree",
        ),
    });
    out.push(if crate::child::filter::has_wait_killable() {
        check(
            "WAIT_KILLABLE_RECV",
            Status::Pass,
            "a decided call is interrupted only by a fatal signal (the socket freeze relies on it)",
        )
    } else {
        with_fix(
            check(
                "WAIT_KILLABLE_RECV",
                Status::Fallback,
                "not available: a signal aborts a decided call, which is notified again; socket calls under the freeze (no pidfd_getfd) fail",
            ),
            "Linux 5.19+",
        )
    });
    let listener: OwnedFd = handed.listener;
    let _ = backstop_listener::go(&parent);
    // The child now opens /dev/null; answer it with ADDFD.
    let mut pfd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one valid pollfd.
    let ready = unsafe { libc::poll(&mut pfd, 1, 3000) } == 1;
    let notif = ready.then(|| sys::recv(listener.as_fd()).ok()).flatten();
    let Some(notif) = notif else {
        out.push(check(
            "seccomp notify",
            Status::Fail,
            "the probe's trapped openat never reached the listener",
        ));
        kill();
        return out;
    };
    out.push(check(
        "seccomp notify",
        Status::Pass,
        format!("a trapped {} reached the supervisor", notif.data.nr),
    ));
    let devnull = std::fs::File::open("/dev/null");
    let addfd = match devnull {
        Ok(f) => sys::respond_addfd(listener.as_fd(), notif.id, f.as_raw_fd(), true),
        Err(e) => Err(e),
    };
    let mut got = [0u8; 8];
    // SAFETY: recv into a local buffer with a timeout set below.
    let n = unsafe {
        let tv = libc::timeval {
            tv_sec: 3,
            tv_usec: 0,
        };
        libc::setsockopt(
            parent.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as u32,
        );
        libc::recv(parent.as_raw_fd(), got.as_mut_ptr().cast(), 8, 0)
    };
    let child_fd = (n == 8).then(|| i64::from_ne_bytes(got));
    out.push(match (addfd, child_fd) {
        (Ok(_), Some(fd)) if fd >= 0 => check(
            "ADDFD",
            Status::Pass,
            "SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND: opens are emulated and the descriptor injected",
        ),
        (r, fd) => with_fix(
            check(
                "ADDFD",
                Status::Fail,
                format!("injection failed ({r:?}, the probe saw {fd:?})"),
            ),
            "Linux 5.14+",
        ),
    });
    kill();
    out
}

/// The probe child: the real filter, the real hand-off, one trapped open.
fn probe_child(handoff: i32) -> ! {
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    let listener = match crate::child::filter::install_and_hand_off(handoff) {
        Ok(l) => l,
        // SAFETY: _exit has no preconditions.
        Err(_) => unsafe { libc::_exit(1) },
    };
    // SAFETY: recv/openat/send with local buffers; _exit at the end.
    unsafe {
        let mut ack = [0u8; 1];
        if libc::recv(handoff, ack.as_mut_ptr().cast(), 1, 0) != 1 {
            libc::_exit(1);
        }
        drop(listener);
        let fd = libc::openat(libc::AT_FDCWD, c"/dev/null".as_ptr(), libc::O_RDONLY) as i64;
        let b = fd.to_ne_bytes();
        libc::send(handoff, b.as_ptr().cast(), 8, libc::MSG_NOSIGNAL);
        libc::_exit(0)
    }
}

/// What a forked probe child saw the kernel refuse after putting a
/// Landlock ruleset in force on itself (bit set: refused as designed). The
/// child's exit status is `PROBE_BASE` plus the bits, so an exec that went
/// through (the program's own, smaller, status) is told apart.
const PROBE_WRITE: i32 = 1;
const PROBE_EXEC: i32 = 2;
const PROBE_SIGNAL: i32 = 4;
/// The ruleset itself was refused.
const PROBE_FAILED: i32 = 64;
const PROBE_BASE: i32 = 128;

/// Puts a ruleset in force in a forked child and tries what it should
/// refuse: opening `/dev/null` for writing, executing irongate's own binary
/// (present in every image), and (ABI 6+) a signal 0 to this process,
/// outside the child's domain. `None`: the probe could not run, or the exec
/// went through.
fn landlock_probe() -> Option<i32> {
    let plan = crate::child::landlock::Plan {
        no_writes: true,
        no_exec: true,
        ..Default::default()
    };
    // SAFETY: fork; the child only applies the ruleset, makes a few plain
    // calls and _exits (or becomes `irongate --version` with its standard
    // streams closed). doctor has started no thread at this point.
    unsafe {
        match libc::fork() {
            0 => {
                if crate::child::landlock::apply(&plan).is_err() {
                    libc::_exit(PROBE_BASE + PROBE_FAILED);
                }
                let mut seen = 0;
                let fd = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 && *libc::__errno_location() == libc::EACCES {
                    seen |= PROBE_WRITE;
                }
                if libc::kill(libc::getppid(), 0) != 0 && *libc::__errno_location() == libc::EPERM {
                    seen |= PROBE_SIGNAL;
                }
                for fd in 0..3 {
                    libc::close(fd);
                }
                let argv = [
                    c"irongate".as_ptr(),
                    c"--version".as_ptr(),
                    std::ptr::null(),
                ];
                libc::execv(c"/proc/self/exe".as_ptr(), argv.as_ptr());
                if *libc::__errno_location() == libc::EACCES {
                    seen |= PROBE_EXEC;
                }
                libc::_exit(PROBE_BASE + seen)
            }
            pid if pid > 0 => {
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
                let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status))?;
                (code >= PROBE_BASE).then_some(code - PROBE_BASE)
            }
            _ => None,
        }
    }
}

/// What the layer puts in force under the default profile and the
/// built-in policy on a kernel with `abi`.
fn landlock_default_plan(abi: i32) -> Vec<&'static str> {
    let profile = crate::policy::Profile::sandboxed();
    let scope = crate::policy::Policy::builtin().exec_scope();
    crate::child::landlock::Plan::for_profile(&profile, &scope, Vec::new(), None).restricts(abi)
}

fn landlock_check() -> Check {
    let fix = "Linux 5.13+ with lsm=landlock (6.12+ for every layer IronGate uses); in a container, a seccomp profile that allows landlock_*";
    let v = match crate::child::landlock::abi() {
        Ok(v) if v >= 1 => v,
        Ok(v) => return with_fix(check("Landlock", Status::Fallback, format!("ABI {v}")), fix),
        Err(e) => {
            return with_fix(
                check(
                    "Landlock",
                    Status::Fallback,
                    format!(
                        "not available ({}): the third layer is off; seccomp and the hook still decide",
                        std::io::Error::from_raw_os_error(e)
                    ),
                ),
                fix,
            );
        }
    };
    let mut have = vec!["filesystem writes and execution"];
    let mut missing = Vec::new();
    for (abi, what) in [
        (2, "links and renames across directories"),
        (3, "truncation"),
        (4, "TCP bind/connect"),
        (6, "signal and abstract-socket scoping"),
    ] {
        if v >= abi {
            have.push(what);
        } else {
            missing.push(format!("{what} (ABI {abi})"));
        }
    }
    let probe = landlock_probe();
    let mut proven = Vec::new();
    let mut failed = Vec::new();
    match probe {
        Some(bits) if bits & PROBE_FAILED == 0 => {
            for (bit, what, wanted) in [
                (PROBE_WRITE, "a write", true),
                (PROBE_EXEC, "an exec", true),
                (PROBE_SIGNAL, "a signal outside the domain", v >= 6),
            ] {
                match (bits & bit != 0, wanted) {
                    (true, _) => proven.push(what),
                    (false, true) => failed.push(what),
                    (false, false) => {}
                }
            }
        }
        Some(_) => failed.push("the ruleset itself"),
        None => failed.push("an exec (it went through, or the probe did not run)"),
    }
    let mut detail = format!(
        "ABI {v}: {}; a probe saw the kernel refuse {}; under the default profile and built-in policy it restricts {}",
        have.join(", "),
        if proven.is_empty() {
            "nothing".to_owned()
        } else {
            proven.join(", ")
        },
        landlock_default_plan(v).join(", ")
    );
    if !missing.is_empty() {
        detail.push_str(&format!("; missing here: {}", missing.join(", ")));
    }
    if !failed.is_empty() {
        detail.push_str(&format!(
            "; NOT refused in the probe: {}",
            failed.join(", ")
        ));
        return with_fix(check("Landlock", Status::Fail, detail), fix);
    }
    let status = if v >= 6 {
        Status::Pass
    } else {
        Status::Fallback
    };
    let c = check("Landlock", status, detail);
    if status == Status::Fallback {
        with_fix(c, fix)
    } else {
        c
    }
}

fn io_uring_check() -> Check {
    let state = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown (no kernel.io_uring_disabled)".into());
    check(
        "io_uring",
        Status::Pass,
        format!(
            "refused to the agent by the filter whatever the system setting (kernel.io_uring_disabled = {state})"
        ),
    )
}

/// Speed, not safety: every checked call wakes the agent's thread on its
/// CPU when answered, and in a VM whose idle vCPUs halt at once that wake-up
/// goes through the host (tens of µs per call).
fn idle_check() -> Check {
    let (driver, poll_ns) = crate::child::awake::idle_settings();
    let (detail, fix) = idle_advice(driver.as_deref(), poll_ns);
    let c = check("CPU idle", Status::Info, detail);
    match fix {
        Some(f) => with_fix(c, f),
        None => c,
    }
}

/// What the guest's idle settings mean for a checked call, and the fix
/// when they make it slow.
fn idle_advice(driver: Option<&str>, poll_ns: Option<u64>) -> (String, Option<String>) {
    let driver = driver.unwrap_or("unknown");
    match poll_ns {
        Some(0) => (
            format!(
                "cpuidle driver {driver}, guest halt-polling off (guest_halt_poll_ns 0): an idle \
                 vCPU halts at once, and every checked call waits for the host to wake a \
                 vCPU (on a 2-vCPU VM, side by side: a checked open +51 µs, +23 µs with \
                 200 µs of polling or with the agent pinned to one CPU)"
            ),
            Some(format!(
                "echo 200000 > {HALT_POLL} (the kernel's default; speed only, enforcement does \
                 not depend on it)"
            )),
        ),
        Some(ns) => (
            format!("cpuidle driver {driver}, guest halt-polling up to {ns} ns"),
            None,
        ),
        None => (format!("cpuidle driver {driver}"), None),
    }
}

fn userns_check() -> Check {
    // SAFETY: fork; the child only calls unshare and _exit.
    let available = unsafe {
        match libc::fork() {
            0 => libc::_exit(i32::from(libc::unshare(libc::CLONE_NEWUSER) != 0)),
            pid if pid > 0 => {
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
            }
            _ => false,
        }
    };
    check(
        "user namespaces",
        Status::Info,
        format!(
            "{}; not needed by IronGate (refused to the agent by the filter)",
            if available {
                "available here"
            } else {
                "refused here (as under Docker's default profile)"
            }
        ),
    )
}

fn container_checks() -> Vec<Check> {
    let mut out = Vec::new();
    let docker = std::path::Path::new("/.dockerenv").exists();
    let podman = std::path::Path::new("/run/.containerenv").exists();
    let cgroup = std::fs::read_to_string("/proc/1/cgroup").unwrap_or_default();
    let kind = if docker {
        "Docker"
    } else if podman {
        "Podman"
    } else if cgroup.contains("docker")
        || cgroup.contains("kubepods")
        || cgroup.contains("containerd")
    {
        "a container"
    } else {
        "none detected"
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let seccomp = match field("Seccomp:").as_str() {
        "0" => "no seccomp filter on irongate itself".to_owned(),
        "2" => format!(
            "irongate itself runs under {} seccomp filter(s) (a container profile): the mechanisms above are what it permits",
            field("Seccomp_filters:")
        ),
        other => format!("seccomp mode {other}"),
    };
    out.push(check(
        "container",
        Status::Info,
        format!("{kind}; {seccomp}"),
    ));
    let pid1 = std::process::id() == 1;
    out.push(check(
        "init duties",
        Status::Pass,
        if pid1 {
            "PID 1: forwards signals, reaps every zombie, ends the agent's tree".to_owned()
        } else {
            "not PID 1: registers as child subreaper for the agent's tree".to_owned()
        },
    ));
    let capeff = u64::from_str_radix(&field("CapEff:"), 16).unwrap_or(0);
    const CAP_SETUID: u64 = 1 << 7;
    const CAP_SETGID: u64 = 1 << 6;
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    out.push(if capeff & CAP_SETUID != 0 && capeff & CAP_SETGID != 0 {
        check(
            "--user",
            Status::Pass,
            "CAP_SETUID/CAP_SETGID held: --isolate runs the agent as an unprivileged user (default nobody when root)",
        )
    } else {
        check(
            "--user",
            Status::Info,
            format!("no CAP_SETUID: --isolate keeps the agent's uid ({euid})"),
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halt_polling_off_comes_with_its_fix() {
        let (detail, fix) = idle_advice(Some("haltpoll"), Some(0));
        assert!(detail.contains("halt-polling off"), "{detail}");
        assert!(fix.is_some_and(|f| f.contains(HALT_POLL)));
        let (detail, fix) = idle_advice(Some("haltpoll"), Some(200_000));
        assert!(detail.contains("200000 ns"), "{detail}");
        assert!(fix.is_none());
        let (detail, fix) = idle_advice(None, None);
        assert_eq!(detail, "cpuidle driver unknown");
        assert!(fix.is_none());
    }
}
