//! The child's seccomp filter: built with libseccomp, loaded before
//! the interpreter exists, inherited by every thread and descendant.
//!
//! - `Notify`: the sensitive syscalls, decided by the supervisor's notify
//!   loop; and the escape syscalls (io_uring, a second filter, ptrace, memory
//!   access to other processes, bpf, namespaces, module loading, …), which
//!   the supervisor always refuses with EPERM and logs.
//! - `Errno(ENOSYS)`: `clone3` (libc falls back to `clone`).
//! - Anything else is allowed. Other ABIs (i386, x32) are killed by
//!   libseccomp's bad-arch action.
//!
//! The child's own IPC (`send` = `sendto` with no address, `recv`) is not
//! trapped, or the child would wait on the supervisor to let it talk to the
//! supervisor.

use std::os::fd::{FromRawFd, OwnedFd};

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

/// Syscalls the supervisor decides.
pub const NOTIFIED: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "truncate",
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "lchown",
    "fchown",
    "fchownat",
    "execve",
    "execveat",
    "connect",
    "bind",
    "sendmsg",
    "sendmmsg",
    // Signals: the supervisor checks the target is not itself (any of its
    // thread ids, its process group), which a static filter cannot know.
    "kill",
    "tkill",
    "tgkill",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "pidfd_open",
];

/// Syscalls that are never the agent's business (refused and logged).
pub const DENIED: &[&str] = &[
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "seccomp",
    "ptrace",
    "process_vm_writev",
    "process_vm_readv",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_by_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
    "add_key",
    "request_key",
    "keyctl",
];

/// Namespace flags refused on `clone`.
const NAMESPACE_FLAGS: &[u64] = &[
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWCGROUP as u64,
];

/// Errors building or loading the filter.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// libseccomp refused a step.
    #[error("seccomp filter: {step}: {source}")]
    Seccomp {
        /// The step.
        step: String,
        /// libseccomp's error.
        #[source]
        source: libseccomp::error::SeccompError,
    },
}

fn step<T>(
    r: Result<T, libseccomp::error::SeccompError>,
    what: impl FnOnce() -> String,
) -> Result<T, FilterError> {
    r.map_err(|source| FilterError::Seccomp {
        step: what(),
        source,
    })
}

/// Builds and loads the filter; returns the notification listener, which
/// the caller must hand to the supervisor and then close.
pub fn install() -> Result<OwnedFd, FilterError> {
    let mut ctx = step(ScmpFilterContext::new(ScmpAction::Allow), || {
        "create".into()
    })?;
    // no_new_privs is required for an unprivileged filter and stops setuid
    // binaries from shedding it.
    step(ctx.set_ctl_nnp(true), || "set no_new_privs".into())?;
    // Errors from the kernel come back as they are, not collapsed to ECANCELED.
    let _ = ctx.set_api_sysrawrc(true);
    // Only fatal signals interrupt a held call once the supervisor has it
    // (kernel 5.19+); older kernels refuse the flag, which is fine.
    let _ = ctx.set_ctl_waitkill(true);
    step(ctx.set_act_badarch(ScmpAction::KillProcess), || {
        "set bad-arch action".into()
    })?;
    // A binary tree of syscall numbers instead of a linear list: an
    // untrapped syscall pays a handful of comparisons, not one per rule.
    let _ = ctx.set_ctl_optimize(2);

    // Conditional refusals (namespaces, a second filter, vsock) are also
    // sent to the supervisor, which refuses and logs them.
    let eperm = ScmpAction::Notify;
    for name in NOTIFIED {
        if let Ok(sc) = ScmpSyscall::from_name(name) {
            step(ctx.add_rule(ScmpAction::Notify, sc), || {
                format!("notify {name}")
            })?;
        }
    }
    // sendto with a destination address; without one it is a plain send.
    let sendto = step(ScmpSyscall::from_name("sendto"), || "resolve sendto".into())?;
    step(
        ctx.add_rule_conditional(
            ScmpAction::Notify,
            sendto,
            &[ScmpArgCompare::new(4, ScmpCompareOp::NotEqual, 0)],
        ),
        || "notify sendto".into(),
    )?;
    // Refused by the supervisor (EPERM), which logs each attempt.
    for name in DENIED {
        if let Ok(sc) = ScmpSyscall::from_name(name) {
            step(ctx.add_rule(ScmpAction::Notify, sc), || {
                format!("deny {name}")
            })?;
        }
    }
    // clone3 passes its flags in memory, out of BPF's reach: refuse it with
    // ENOSYS so libc falls back to clone, whose flags we can check.
    if let Ok(sc) = ScmpSyscall::from_name("clone3") {
        step(ctx.add_rule(ScmpAction::Errno(libc::ENOSYS), sc), || {
            "deny clone3".into()
        })?;
    }
    let clone = step(ScmpSyscall::from_name("clone"), || "resolve clone".into())?;
    for flag in NAMESPACE_FLAGS {
        step(
            ctx.add_rule_conditional(
                eperm,
                clone,
                &[ScmpArgCompare::new(
                    0,
                    ScmpCompareOp::MaskedEqual(*flag),
                    *flag,
                )],
            ),
            || "deny clone namespaces".into(),
        )?;
    }
    let prctl = step(ScmpSyscall::from_name("prctl"), || "resolve prctl".into())?;
    step(
        ctx.add_rule_conditional(
            eperm,
            prctl,
            &[ScmpArgCompare::new(
                0,
                ScmpCompareOp::Equal,
                libc::PR_SET_SECCOMP as u64,
            )],
        ),
        || "deny prctl(PR_SET_SECCOMP)".into(),
    )?;
    // Vsock reaches the host outside the network namespace's rules.
    let socket = step(ScmpSyscall::from_name("socket"), || "resolve socket".into())?;
    step(
        ctx.add_rule_conditional(
            eperm,
            socket,
            &[ScmpArgCompare::new(
                0,
                ScmpCompareOp::Equal,
                libc::AF_VSOCK as u64,
            )],
        ),
        || "deny vsock".into(),
    )?;
    step(ctx.load(), || "load".into())?;
    let fd = step(ctx.get_notify_fd(), || "get the notification fd".into())?;
    // SAFETY: the kernel just created this listener for us; libseccomp
    // caches the number but never closes it, so we take ownership.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
