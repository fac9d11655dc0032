//! The seccomp filter's rules, generated from the one syscall table
//! (`backstop::table`) with libseccomp.
//!
//! Shared, as source, by the build script (which exports the program the
//! binary embeds: building it at run time cost every start-up milliseconds)
//! and by `child::filter`, whose tests check that the embedded program is
//! exactly what these rules give and decide as the table says. It uses only
//! `crate::backstop::table`, `libc` and `libseccomp`, so that the build
//! script can include it with `#[path]`.
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
//! (libseccomp refuses a rule whose action is the default one, and an
//! unconditional rule replaces a syscall's conditional ones whatever their
//! actions, so "Allow, but Notify these values" cannot be written as two
//! rules anyway.) A rule holds one comparison per argument, hence the
//! union of masked-equal tests; mixing comparison kinds on one argument
//! gives libseccomp 2.5 trees that are hard to read, so we do not.

use libseccomp::error::SeccompError;
use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

use crate::backstop::table::{self, Class};

/// A libseccomp step that failed: what it was, and libseccomp's error.
pub type RuleError = (String, SeccompError);

fn step<T>(r: Result<T, SeccompError>, what: impl FnOnce() -> String) -> Result<T, RuleError> {
    r.map_err(|e| (what(), e))
}

/// The filter as a libseccomp context, not loaded.
pub fn build() -> Result<ScmpFilterContext, RuleError> {
    let mut ctx = step(ScmpFilterContext::new(ScmpAction::Notify), || {
        "create".into()
    })?;
    // no_new_privs is required for an unprivileged filter and stops setuid
    // binaries from shedding it (set again when the program is loaded).
    step(ctx.set_ctl_nnp(true), || "set no_new_privs".into())?;
    // Errors from the kernel come back as they are, not collapsed to ECANCELED.
    let _ = ctx.set_api_sysrawrc(true);
    // Only fatal signals interrupt a held call once the supervisor has it
    // (kernel 5.19+); older kernels refuse the flag, which is fine. (The
    // program is loaded with `seccomp(2)` by `child::filter`, which asks
    // for it itself.)
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
                for rule in when.masked_tests() {
                    let compares: Vec<ScmpArgCompare> = rule
                        .iter()
                        .map(|&(arg, mask, value)| {
                            ScmpArgCompare::new(arg, ScmpCompareOp::MaskedEqual(mask), value)
                        })
                        .collect();
                    step(
                        ctx.add_rule_conditional(ScmpAction::Allow, sc, &compares),
                        || format!("allow {} when {rule:x?} (arg, mask, value)", row.name),
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

/// Whether `prog` has the shape of a classic BPF program the kernel takes:
/// whole 8-byte instructions, at least one, at most `BPF_MAXINSNS` (4096).
pub fn well_formed(prog: &[u8]) -> bool {
    !prog.is_empty() && prog.len().is_multiple_of(8) && prog.len() / 8 <= 4096
}
