//! The types the audit log stores and returns, and their stable JSON shapes
//!
//!
//! # Event JSON (`irongate events --json`, one object per line)
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `id` | integer | position in the chain, dense from 1 |
//! | `run_id` | integer | the run (`irongate runs`) |
//! | `ts` | number | Unix seconds |
//! | `layer` | string | `hook`, `api`, `syscall`, `review` or `system` |
//! | `action` | object | the action that was judged (SPEC §4) |
//! | `decision` | string | `allow`, `review` or `block` |
//! | `reason` | string | why |
//! | `rule` | object or null | `{"index": N, "name": string or null}` of the matching rule |
//! | `unexplained` | bool | a syscall no hook-layer decision explained |
//! | `pid`, `tid` | integer | the agent process and thread that asked |
//! | `frame` | string or null | `file:line` of the agent code that asked |
//! | `review_of` | integer or null | for a `review` layer event: the held event it decides |
//! | `review` | object or null | the final verdict of a held event (and of a `review` event itself): `{"verdict": "allow"/"block", "by", "via": "dashboard"/"cli"/"supervisor", "at", "reason", "timeout"}` |
//!
//! Strings are JSON strings; a non-UTF-8 path reaches the log already
//! encoded by the action model.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and printed spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} {s:?}: expected one of {}",
                        stringify!($name).to_lowercase(),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum! {
    /// Where a decision was made.
    Layer {
        /// The native audit hook in the agent.
        Hook => "hook",
        /// The Python API (`irongate.check`, `irongate.tool`).
        Api => "api",
        /// The seccomp notify backstop.
        Syscall => "syscall",
        /// A human's (or the timeout's) verdict on a held operation.
        Review => "review",
        /// IronGate itself (run start, tamper tripwires, …).
        System => "system",
    }
}

string_enum! {
    /// Where a review verdict came from.
    ReviewVia {
        /// The dashboard.
        Dashboard => "dashboard",
        /// `irongate approvals approve|deny`.
        Cli => "cli",
        /// The supervisor itself: a timeout.
        Supervisor => "supervisor",
    }
}

string_enum! {
    /// The state of an approval (mutable state; every decision is also an event).
    ApprovalStatus {
        /// Waiting for a human.
        Pending => "pending",
        /// Approved, not yet used.
        Approved => "approved",
        /// Denied.
        Denied => "denied",
        /// Nobody decided within the timeout (→ block).
        Timeout => "timeout",
        /// Approved but not used before it expired.
        Expired => "expired",
        /// Approved and consumed by the operation (single use).
        Used => "used",
    }
}

string_enum! {
    /// How a run ended (or that it has not).
    RunStatus {
        /// The supervisor has not recorded an end.
        Running => "running",
        /// The agent exited with a status.
        Exited => "exited",
        /// The agent died of a signal.
        Killed => "killed",
        /// IronGate itself failed.
        IrongateError => "irongate_error",
        /// The supervisor died without recording the end (killed outright);
        /// found and marked by a later `irongate run`, `runs` or `verify`.
        SupervisorLost => "supervisor_lost",
    }
}

pub use crate::decision::{Decision, RuleRef};

/// The final verdict on a held (`review`) event.
///
/// Fields are declared in key order: the canonical body depends on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// When it was decided (Unix seconds).
    pub at: f64,
    /// Who decided: the OS user, or `irongate` for a timeout.
    pub by: String,
    /// Why, if the decider said.
    pub reason: Option<String>,
    /// True when nobody decided in time (the verdict is then `block`).
    pub timeout: bool,
    /// `allow` or `block`.
    #[serde(rename = "verdict")]
    pub decision: Decision,
    /// Where the verdict came from.
    pub via: ReviewVia,
}

impl Verdict {
    /// The `review` object of the event JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "verdict": self.decision,
            "by": self.by,
            "via": self.via,
            "at": self.at,
            "reason": self.reason,
            "timeout": self.timeout,
        })
    }
}

/// An event to append. The writer assigns `id`, `prev_hash` and `hash`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The run it belongs to ([`Store::begin_run`](super::Store::begin_run)).
    pub run_id: i64,
    /// When the operation was judged (Unix seconds; must be finite).
    pub ts: f64,
    /// Where it was judged.
    pub layer: Layer,
    /// The action, a JSON object.
    pub action: Value,
    /// The decision.
    pub decision: Decision,
    /// Why.
    pub reason: String,
    /// The rule that decided, if a rule did.
    pub rule: Option<RuleRef>,
    /// A syscall no hook-layer decision explained.
    pub unexplained: bool,
    /// The agent process that asked.
    pub pid: u32,
    /// The agent thread that asked.
    pub tid: u32,
    /// `file:line` of the agent code that asked.
    pub frame: Option<String>,
    /// For a `review` layer event: the held event it decides.
    pub review_of: Option<i64>,
    /// For a `review` layer event: the verdict.
    pub verdict: Option<Verdict>,
}

impl NewEvent {
    /// An event stamped now, from this process, with no rule, frame or review.
    pub fn new(
        run_id: i64,
        layer: Layer,
        action: Value,
        decision: Decision,
        reason: impl Into<String>,
    ) -> NewEvent {
        let pid = own_pid();
        NewEvent {
            run_id,
            ts: super::now(),
            layer,
            action,
            decision,
            reason: reason.into(),
            rule: None,
            unexplained: false,
            pid,
            tid: pid,
            frame: None,
            review_of: None,
            verdict: None,
        }
    }
}

/// This process's id, asked once (an event is made per decision). The
/// processes that log never fork a child that logs: the supervisor's
/// child becomes the agent.
fn own_pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// An event as stored, decoded from its hashed body.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Position in the chain.
    pub id: i64,
    /// The run.
    pub run_id: i64,
    /// When it was judged.
    pub ts: f64,
    /// Where it was judged.
    pub layer: Layer,
    /// The action.
    pub action: Value,
    /// The decision.
    pub decision: Decision,
    /// Why.
    pub reason: String,
    /// The rule that decided.
    pub rule: Option<RuleRef>,
    /// A syscall no hook-layer decision explained.
    pub unexplained: bool,
    /// The agent process.
    pub pid: u32,
    /// The agent thread.
    pub tid: u32,
    /// `file:line` of the agent code that asked.
    pub frame: Option<String>,
    /// For a `review` layer event: the held event it decides.
    pub review_of: Option<i64>,
    /// For a `review` layer event: its verdict.
    pub verdict: Option<Verdict>,
    /// For a held event: the verdict of the first review event that decided it.
    pub review: Option<Verdict>,
    /// The chain hash (hex).
    pub hash: String,
}

impl EventRecord {
    /// The stable R-11 JSON shape (see the module documentation).
    pub fn to_json(&self) -> Value {
        let review = self.verdict.as_ref().or(self.review.as_ref());
        json!({
            "id": self.id,
            "run_id": self.run_id,
            "ts": self.ts,
            "layer": self.layer,
            "action": self.action,
            "decision": self.decision,
            "reason": self.reason,
            "rule": self.rule,
            "unexplained": self.unexplained,
            "pid": self.pid,
            "tid": self.tid,
            "frame": self.frame,
            "review_of": self.review_of,
            "review": review.map(Verdict::to_json),
        })
    }
}

/// Which events to return. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this run.
    pub run_id: Option<i64>,
    /// Only this decision.
    pub decision: Option<Decision>,
    /// Only this layer.
    pub layer: Option<Layer>,
    /// Only unexplained (true) or explained (false) events.
    pub unexplained: Option<bool>,
    /// Only events with a greater id (for tailing).
    pub after_id: Option<i64>,
    /// At most this many events (the first ones after `after_id`).
    pub limit: Option<u32>,
}

/// What the supervisor knows when a run starts.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Unix seconds.
    pub started_at: f64,
    /// `--agent-name`, else the script's stem.
    pub agent_name: String,
    /// The script (or `-m module`) as given.
    pub script: Option<String>,
    /// The agent's arguments.
    pub argv: Vec<String>,
    /// The capability profile.
    pub profile: String,
    /// Where the policy came from (a path, or `builtin`).
    pub policy_origin: String,
    /// SHA-256 of the policy's canonical form.
    pub policy_digest: String,
    /// The supervisor's pid.
    pub pid: u32,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    /// Unix seconds.
    pub ended_at: f64,
    /// Exited, killed or IronGate error.
    pub status: RunStatus,
    /// The agent's exit status, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that killed the agent, when one did.
    pub signal: Option<i32>,
}

/// Per-run event counts, maintained by the writer in the append transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Every event of the run.
    pub events: i64,
    /// `allow` decisions.
    pub allow: i64,
    /// `review` decisions.
    pub review: i64,
    /// `block` decisions.
    pub block: i64,
    /// Unexplained syscalls.
    pub unexplained: i64,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run id.
    pub id: i64,
    /// Unix seconds.
    pub started_at: f64,
    /// Unix seconds, once ended.
    pub ended_at: Option<f64>,
    /// The agent's label.
    pub agent_name: String,
    /// The script.
    pub script: Option<String>,
    /// The agent's arguments.
    pub argv: Vec<String>,
    /// The capability profile.
    pub profile: String,
    /// Where the policy came from.
    pub policy_origin: String,
    /// SHA-256 of the policy.
    pub policy_digest: String,
    /// The irongate that ran it.
    pub irongate_version: String,
    /// The supervisor's pid.
    pub pid: u32,
    /// The agent's exit status.
    pub exit_code: Option<i32>,
    /// The signal that killed the agent.
    pub signal: Option<i32>,
    /// Running, exited, killed, IronGate error or supervisor lost.
    pub status: RunStatus,
    /// Named counters (e.g. `runtime_reads`, R-33).
    pub counters: Map<String, Value>,
    /// Event counts.
    pub counts: RunCounts,
}

impl RunRecord {
    /// The stable JSON shape of `irongate runs --json`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "agent_name": self.agent_name,
            "script": self.script,
            "argv": self.argv,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "status": self.status,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "profile": self.profile,
            "policy_origin": self.policy_origin,
            "policy_digest": self.policy_digest,
            "irongate_version": self.irongate_version,
            "pid": self.pid,
            "counts": {
                "events": self.counts.events,
                "allow": self.counts.allow,
                "review": self.counts.review,
                "block": self.counts.block,
                "unexplained": self.counts.unexplained,
            },
            "counters": self.counters,
        })
    }
}

/// A pending approval to create for a held event.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApproval {
    /// The held (`review` decision) event.
    pub event_id: i64,
    /// Its run.
    pub run_id: i64,
    /// SHA-256 of the action's canonical JSON ([`action_digest`](super::chain::action_digest)).
    pub action_digest: String,
    /// Unix seconds.
    pub created_at: f64,
    /// Unix seconds after which the approval can no longer be decided or used.
    pub expires_at: f64,
}

/// An approval as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    /// The approval id.
    pub id: i64,
    /// The held event.
    pub event_id: i64,
    /// Its run.
    pub run_id: i64,
    /// SHA-256 of the action's canonical JSON.
    pub action_digest: String,
    /// Current state.
    pub status: ApprovalStatus,
    /// Unix seconds.
    pub created_at: f64,
    /// Unix seconds.
    pub expires_at: f64,
    /// When it was decided.
    pub decided_at: Option<f64>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// Where it was decided.
    pub decided_via: Option<ReviewVia>,
    /// Why.
    pub reason: Option<String>,
}

impl Approval {
    /// A JSON object with every field.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "event_id": self.event_id,
            "run_id": self.run_id,
            "action_digest": self.action_digest,
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
            "decided_via": self.decided_via,
            "reason": self.reason,
        })
    }
}
