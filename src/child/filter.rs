//! The child's seccomp filter: an allowlist generated from the one
//! syscall table (`backstop::table`), loaded before the interpreter exists,
//! inherited by every thread and descendant.
//!
//! - The default action is `Notify`: the table's notified rows, the register
//!   values its conditional rows do not allow, and every number the table
//!   does not know all reach the supervisor, which decides (or refuses and
//!   logs) them.
//! - `Allow` rows and the allowed register values of `AllowIf` rows are the
//!   exceptions, as `Allow` rules.
//! - `Refuse` rows are `Errno` rules (`clone3`, removed syscalls).
//! - Other ABIs (i386, x32) are killed by libseccomp's bad-arch action.
//!
//! With only `Allow` rules besides the default, no two rules of a syscall
//! ever disagree, so libseccomp's precedence between conflicting rules
//! never comes into play: a conditional row is allowed when any of its
//! masked-equal tests matches, and falls through to `Notify` otherwise.

use std::os::fd::{FromRawFd, OwnedFd};

use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

use crate::backstop::table::{self, Class};

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

/// Builds the filter without loading it.
pub fn build() -> Result<ScmpFilterContext, FilterError> {
    let mut ctx = step(ScmpFilterContext::new(ScmpAction::Notify), || {
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

    for row in table::TABLE {
        // By number: libseccomp's own list may predate the kernel's.
        let sc = ScmpSyscall::from(row.nr as i32);
        match row.class {
            Class::Allow => {
                step(ctx.add_rule(ScmpAction::Allow, sc), || {
                    format!("allow {}", row.name)
                })?;
            }
            Class::AllowIf { when, .. } => {
                for (arg, mask, value) in when.masked_tests() {
                    step(
                        ctx.add_rule_conditional(
                            ScmpAction::Allow,
                            sc,
                            &[ScmpArgCompare::new(
                                arg,
                                ScmpCompareOp::MaskedEqual(mask),
                                value,
                            )],
                        ),
                        || format!("allow {} when arg{arg} & {mask:#x} == {value:#x}", row.name),
                    )?;
                }
            }
            // The default action.
            Class::Notify(_) => {}
            Class::Refuse(errno) => {
                step(ctx.add_rule(ScmpAction::Errno(errno), sc), || {
                    format!("refuse {}", row.name)
                })?;
            }
        }
    }
    Ok(ctx)
}

/// Builds and loads the filter; returns the notification listener, which
/// the caller must hand to the supervisor and then close.
pub fn install() -> Result<OwnedFd, FilterError> {
    let ctx = build()?;
    step(ctx.load(), || "load".into())?;
    let fd = step(ctx.get_notify_fd(), || "get the notification fd".into())?;
    // SAFETY: the kernel just created this listener for us; libseccomp
    // caches the number but never closes it, so we take ownership.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter in libseccomp's pseudo-code, as text.
    fn pfc() -> String {
        let ctx = build().expect("build the filter");
        let mut file = tempfile::tempfile().expect("temp file");
        ctx.export_pfc(&file).expect("export pfc");
        use std::io::{Read, Seek};
        file.rewind().expect("rewind");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("read pfc");
        text
    }

    /// The lines of the block that tests syscall `nr`, up to the next one.
    fn block(pfc: &str, nr: i64) -> String {
        let head = format!("if ($syscall == {nr})");
        let start = pfc.find(&head).unwrap_or_else(|| panic!("no rule for {nr}\n{pfc}"));
        let rest = &pfc[start + head.len()..];
        let end = rest.find("if ($syscall ==").unwrap_or(rest.len());
        rest[..end].to_owned()
    }

    #[test]
    fn default_is_notify_and_allowed_calls_are_allowed() {
        let pfc = pfc();
        let default = pfc
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with("action "))
            .expect("a default action");
        assert_eq!(default.trim(), "action NOTIFY;", "{pfc}");
        for nr in [libc::SYS_getppid, libc::SYS_read, libc::SYS_futex, 469 /* file_getattr's neighbour */ - 1] {
            let b = block(&pfc, nr);
            assert!(b.trim_start().starts_with("action ALLOW;"), "{nr}: {b}");
        }
        assert!(block(&pfc, libc::SYS_clone3).contains("action ERRNO(38);"));
        // Notified rows have no rule: they take the default.
        for nr in [libc::SYS_openat, libc::SYS_bpf, 469, 500] {
            assert!(!pfc.contains(&format!("if ($syscall == {nr})")), "{nr}");
        }
        // x32 numbers never reach the table.
        assert!(pfc.contains("0x40000000"), "{pfc}");
    }

    #[test]
    fn conditional_rules_exist() {
        let pfc = pfc();
        let clone = block(&pfc, libc::SYS_clone);
        assert!(clone.contains(&format!("& 0x{:08x}", table::CLONE_NAMESPACES)), "{clone}");
        assert!(clone.contains("action ALLOW;"), "{clone}");
        let sendto = block(&pfc, libc::SYS_sendto);
        assert!(sendto.contains("$a4"), "{sendto}");
        for nr in [libc::SYS_fcntl, libc::SYS_ioctl, libc::SYS_prctl, libc::SYS_socket] {
            let b = block(&pfc, nr);
            assert!(b.contains("action ALLOW;"), "{nr}: {b}");
            // A conditional block never allows unconditionally.
            assert!(!b.trim_start().starts_with("action ALLOW;"), "{nr}: {b}");
        }
    }
}
