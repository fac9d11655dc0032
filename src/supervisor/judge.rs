//! The one judging sequence of every action, whichever layer saw it.
//!
//! An action is asked, in this order and nowhere else:
//!
//! 1. **IronGate's own state** — its home, the run directory, the
//!    supervisor's `/proc` entries, the dashboard, `/dev/userfaultfd`:
//!    refused whatever the policy says. (At the kernel layer the hook's own
//!    connection to the supervisor is allowed here: it is the channel, not
//!    an operation.)
//! 2. **Runtime operations** — reads of the interpreter, the venv and the
//!    system libraries, the run's scratch directory, the runtime's probes;
//!    at the kernel layer also the C library's own configuration reads:
//!    allowed and counted, not logged.
//! 3. **An explaining decision** — at the kernel layer, the intent an allowed
//!    hook-layer operation left for exactly this call (matched whole, once);
//!    at both layers, a grant of an allowed request for the lookups and
//!    connections beneath it.
//! 4. **The policy**, on the action as the supervisor understands it: a
//!    connect to an address an allowed lookup produced is a connect to that
//!    name; a review of only what this run itself created with
//!    `tempfile` is not a question for a human.
//!
//! What happens next (logging, the review, the answer to the agent) is the
//! caller's: the hook layer replies with a verdict, the kernel layer with a
//! syscall answer.

use std::sync::atomic::Ordering;

use super::decide::Decider;
use super::events::Caller;
use super::intents::Op;
use super::log::Layer;
use crate::action::{Action, Kind};
use crate::policy::{Decision, Verdict};

/// What decided an action, before anything is logged.
#[derive(Debug)]
pub(crate) enum Judgement {
    /// IronGate's own state: refused with this verdict.
    OwnState(Verdict),
    /// The hook's own connection to the supervisor.
    Channel,
    /// A runtime operation: allowed, counted.
    Runtime,
    /// Explained by an earlier decision: allowed, counted.
    Explained,
    /// The policy's verdict.
    Policy(Verdict),
}

impl Decider {
    /// Judges `action` as seen at `layer` (see the module documentation).
    /// `op` is the kernel-layer call the action describes, for matching an
    /// intent; `None` at the hook layer. Returns the action as judged (with
    /// what the supervisor adds: whose `/proc` entry it reaches, the name
    /// an address was looked up by) and what decided it.
    pub(crate) fn judge_action(
        &self,
        caller: Caller,
        layer: Layer,
        mut action: Action,
        op: Option<&Op>,
    ) -> (Action, Judgement) {
        let at_syscall = layer == Layer::Syscall;
        // Whose /proc entry a file action reaches is the supervisor's to say.
        super::proc_owner::annotate(&mut action, caller.pid);
        // 1. Own state.
        if at_syscall
            && matches!(action.kind(), Kind::Network(_))
            && action.text(crate::action::Field::Path) == Some(self.settings().socket.as_str())
        {
            return (action, Judgement::Channel);
        }
        if let Some(verdict) = self.own_state(&action) {
            return (action, Judgement::OwnState(verdict));
        }
        // 2. Runtime operations.
        if self.is_runtime_op(caller, &action)
            || (at_syscall && self.is_libc_runtime(caller.pid, &action))
        {
            self.counters.runtime_reads.fetch_add(1, Ordering::Relaxed);
            return (action, Judgement::Runtime);
        }
        // 3. An explaining decision.
        if let Some(op) = op {
            let ppid = if matches!(op, Op::Exec { .. }) {
                super::procfs::parent_of(caller.pid).unwrap_or(0)
            } else {
                0
            };
            let flags = action
                .get(crate::action::Field::Flags)
                .and_then(serde_json::Value::as_i64);
            if self.intents.take(caller.pid, caller.tid, ppid, op, flags) {
                self.counters.explained.fetch_add(1, Ordering::Relaxed);
                return (action, Judgement::Explained);
            }
        }
        if self.explained(caller.pid, &action) {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            return (action, Judgement::Explained);
        }
        // 4. The policy.
        let action = self.carry_lookup(caller.pid, action);
        let profile = self.profile_for(caller);
        let mut verdict = self.settings().policy.evaluate(&action, &profile);
        if verdict.decision == Decision::Review && self.only_own_files(&action) {
            verdict.decision = Decision::Allow;
            verdict.reason = format!(
                "own_files: only what this run created (else: {})",
                verdict.reason
            );
        }
        (action, Judgement::Policy(verdict))
    }
}
