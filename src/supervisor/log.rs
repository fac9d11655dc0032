//! The run's side of the audit log: turning decisions into events.
//!
//! Every decision is appended by the log writer thread. A write
//! that fails is returned to the caller, which then blocks the operation
//! . Held (`review`) decisions and `--durable` runs wait for the commit.

use std::time::Duration;

use serde_json::json;

use crate::action::Action;
pub use crate::audit::Layer;
use crate::audit::{self, AuditError, EventWriter, NewEvent, RunStatus, Store};
use crate::policy::{Decision, Verdict};

use super::signals::AgentStatus;

/// The batch interval of the writer (R-72: at most this much is lost if the
/// supervisor itself is killed).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);

/// What the run record needs at start.
#[derive(Debug, Clone)]
pub struct RunStart {
    /// `--agent-name` or the script's stem.
    pub agent_name: String,
    /// The script or module.
    pub script: Option<String>,
    /// The agent's arguments.
    pub argv: Vec<String>,
    /// The profile name.
    pub profile: String,
    /// Where the policy came from.
    pub policy_origin: String,
    /// The policy's digest.
    pub policy_digest: String,
    /// The policy's text, stored once per digest so that `irongate replay`
    /// and incident bundles have the policy the run was decided by.
    pub policy_text: Option<String>,
}

/// What the run record needs at the end.
#[derive(Debug, Clone, Copy)]
pub struct RunEnd {
    /// How the agent ended.
    pub status: AgentStatus,
    /// Runtime reads counted instead of logged.
    pub runtime_reads: u64,
    /// Calls explained by an earlier decision.
    pub explained: u64,
    /// HTTP requests refused again as repeats (retries) of one just refused.
    pub repeated: u64,
}

/// Records the start of a run (and its policy's text, in the same commit).
pub fn begin_run(store: &Store, start: &RunStart) -> Result<i64, AuditError> {
    let policy = start.policy_text.as_deref().map(|text| {
        (
            start.policy_digest.as_str(),
            start.policy_origin.as_str(),
            text,
        )
    });
    store.begin_run_with_policy(
        &audit::RunInfo {
            started_at: audit::now(),
            agent_name: start.agent_name.clone(),
            script: start.script.clone(),
            argv: start.argv.clone(),
            profile: start.profile.clone(),
            policy_origin: start.policy_origin.clone(),
            policy_digest: start.policy_digest.clone(),
            pid: std::process::id(),
        },
        policy,
    )
}

/// The event log of one run.
pub struct EventLog {
    writer: EventWriter,
    run_id: i64,
    durable: bool,
}

impl EventLog {
    /// Starts the writer thread, with a signed checkpoint every
    /// [`DEFAULT_EVERY`](audit::checkpoint::DEFAULT_EVERY) events.
    pub fn start(store: &Store, run_id: i64, durable: bool) -> Result<EventLog, AuditError> {
        EventLog::start_with(store, run_id, durable, audit::checkpoint::DEFAULT_EVERY)
    }

    /// Starts the writer thread, with a signed checkpoint every
    /// `checkpoint_every` events (0: only the run's end checkpoint).
    pub fn start_with(
        store: &Store,
        run_id: i64,
        durable: bool,
        checkpoint_every: u64,
    ) -> Result<EventLog, AuditError> {
        let log = EventLog::start_opening(store, run_id, durable, checkpoint_every)?;
        log.ready()?;
        Ok(log)
    }

    /// [`start_with`](EventLog::start_with), the writer's connections opened
    /// on its own thread meanwhile: [`ready`](EventLog::ready) tells.
    pub fn start_opening(
        store: &Store,
        run_id: i64,
        durable: bool,
        checkpoint_every: u64,
    ) -> Result<EventLog, AuditError> {
        let writer = store.writer_opening(audit::WriterConfig {
            flush_interval: FLUSH_INTERVAL,
            checkpoint_every,
            ..audit::WriterConfig::default()
        })?;
        Ok(EventLog {
            writer,
            run_id,
            durable,
        })
    }

    /// Waits until the writer has its connections.
    pub fn ready(&self) -> Result<(), AuditError> {
        self.writer.ready()
    }

    /// The run id.
    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Appends one decision. Returns the event id when the append waited for
    /// its commit (reviews, `--durable`), else 0.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        layer: Layer,
        action: &Action,
        verdict: &Verdict,
        unexplained: bool,
        pid: i32,
        tid: i64,
        frame: Option<&str>,
    ) -> Result<i64, AuditError> {
        let mut ev = NewEvent::new(
            self.run_id,
            layer,
            action.to_json(),
            verdict.decision,
            verdict.reason.clone(),
        );
        ev.rule = verdict.rule.clone();
        ev.unexplained = unexplained;
        ev.pid = u32::try_from(pid).unwrap_or(0);
        ev.tid = u32::try_from(tid).unwrap_or(0);
        ev.frame = frame.map(str::to_owned);
        if self.durable || verdict.decision == Decision::Review {
            self.writer.append_durable(ev)
        } else {
            self.writer.append(ev).map(|()| 0)
        }
    }

    /// A supervisor-side note (IPC errors and the like).
    pub fn system(&self, pid: i32, what: &str) {
        let mut ev = NewEvent::new(
            self.run_id,
            Layer::System,
            json!({"type": "system", "subtype": "note", "name": what}),
            Decision::Block,
            what.to_owned(),
        );
        ev.pid = u32::try_from(pid).unwrap_or(0);
        let _ = self.writer.append(ev);
    }

    /// A supervisor-side fact about the run's set-up (isolation, Landlock),
    /// recorded as `allow`: it decides nothing.
    pub fn info(&self, pid: i32, what: &str) {
        let mut ev = NewEvent::new(
            self.run_id,
            Layer::System,
            json!({"type": "system", "subtype": "info", "name": what}),
            Decision::Allow,
            what.to_owned(),
        );
        ev.pid = u32::try_from(pid).unwrap_or(0);
        let _ = self.writer.append(ev);
    }

    /// Flushes everything, records how the run ended and writes the run's
    /// signed end checkpoint.
    pub fn finish(&self, store: &Store, end: &RunEnd) {
        let _ = self.writer.flush();
        let (status, exit_code, signal) = match end.status {
            AgentStatus::Exited(c) => (RunStatus::Exited, Some(c), None),
            AgentStatus::Signaled(s) => (RunStatus::Killed, None, Some(s)),
        };
        let mut counters = vec![
            ("runtime_reads", end.runtime_reads as i64),
            ("explained", end.explained as i64),
        ];
        if end.repeated > 0 {
            counters.push(("repeated_refusals", end.repeated as i64));
        }
        let run_end = audit::RunEnd {
            ended_at: audit::now(),
            status,
            exit_code,
            signal,
        };
        if store.finish_run(self.run_id, &counters, &run_end).is_ok() {
            return;
        }
        // Nothing was committed: step by step, so that what can be is.
        for (name, n) in counters {
            let _ = store.add_run_counter(self.run_id, name, n);
        }
        let _ = store.end_run(self.run_id, &run_end);
        if let Err(e) = store.seal_run(self.run_id) {
            eprintln!("irongate: warning: the run's end checkpoint was not written: {e}");
        }
    }
}
