//! The audit log (SPEC §9): runs, decision events and approvals in one SQLite
//! database, `$IRONGATE_HOME/irongate.db`, with every event hash-chained.
//!
//! Start reading at [`Store`] (open, runs, approvals, queries) and
//! [`EventWriter`] (the batched single writer the supervisor owns). The
//! pieces:
//!
//! - [`schema`]: tables, pragmas, schema version;
//! - [`model`]: the event, run and approval types and their stable JSON shape;
//! - [`chain`]: the canonical event body and the hash chain;
//! - [`checkpoint`]: the signing key, signed checkpoints, their file and their verification;
//! - [`writer`]: batching, the chain head read inside the write transaction;
//! - [`verify`]: chain verification and tamper classification;
//! - [`liveness`]: whether a `running` run's supervisor still exists;
//! - [`query`]: reads for `irongate runs|events` and the dashboard;
//! - [`cmd`]: the `runs`, `events` and `verify` subcommands.
//!
//! # The chain
//!
//! Every event is stored as its canonical JSON text (`body`: every field of the
//! event including `id` and `run_id`, keys sorted, no whitespace) and
//! `hash = SHA-256(prev_hash ‖ body)`, where `prev_hash` is the raw 32 bytes of
//! the previous event's hash (all zero for event 1). Ids are dense: the writer
//! assigns `last_id + 1` inside the write transaction, so a missing id is a
//! deleted event. A single-row `chain_head` table (last id, last hash, count)
//! and per-run counters in `runs` are updated in the same transaction, so a
//! truncated tail or a wiped table disagrees with them. None of this stops
//! someone with write access from rebuilding everything consistently, or
//! from replacing the file: [`checkpoint`] is the answer — signed
//! checkpoints at every run's end and every N events, in the database and in
//! an append-only file beside it, checked by `irongate verify` after the
//! chain ([`checkpoint::verify_anchors`]).

pub mod chain;
pub mod checkpoint;
pub mod cmd;
pub mod liveness;
pub mod model;
pub mod query;
pub mod schema;
pub mod store;
pub mod verify;
pub mod writer;

use std::path::PathBuf;
use std::sync::Arc;

pub use model::{
    Approval, ApprovalStatus, Decision, EventFilter, EventRecord, Layer, NewApproval, NewEvent,
    ReviewVia, RuleRef, RunCounts, RunEnd, RunInfo, RunRecord, RunStatus, Verdict,
};
pub use store::Store;
pub use verify::{Tamper, TamperKind, VerifyReport};
pub use writer::{EventWriter, WriterConfig};

/// File name of the audit database inside the state directory.
pub const DB_FILE: &str = "irongate.db";

/// Errors of the audit log.
///
/// Each variant names the database file (and the event or run when there is
/// one); the underlying SQLite or I/O error is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The state directory could not be created.
    #[error("cannot create the state directory {path}")]
    Home {
        /// The state directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file-system operation on the database file failed.
    #[error("cannot {op} the audit database {path}")]
    Io {
        /// What was being done (`create`, `set permissions of`, …).
        op: &'static str,
        /// The database file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open or set up the file (not a database, locked, …).
    #[error("cannot open the audit database {path}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is an SQLite database but not one this irongate can use.
    #[error("{path} is not an irongate audit database: {what}")]
    Schema {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// A statement failed.
    #[error("audit database {path}: {op}")]
    Sql {
        /// The database file.
        path: PathBuf,
        /// The step that failed (`insert event`, `list runs`, …).
        op: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored row cannot be decoded (tampered or corrupt).
    #[error("audit database {path}: {table} row {id} is malformed: {what}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// The table (`events`, `runs`, `approvals`).
        table: &'static str,
        /// The row id.
        id: i64,
        /// What is wrong with it.
        what: String,
    },
    /// An event handed to the writer cannot be logged as given.
    #[error("invalid audit event for run {run_id}: {what}")]
    InvalidEvent {
        /// The event's run.
        run_id: i64,
        /// What is wrong with it.
        what: String,
    },
    /// The run does not exist.
    #[error("audit database {path}: run {run_id} does not exist")]
    UnknownRun {
        /// The database file.
        path: PathBuf,
        /// The run id.
        run_id: i64,
    },
    /// The event does not exist.
    #[error("audit database {path}: event {event_id} does not exist")]
    UnknownEvent {
        /// The database file.
        path: PathBuf,
        /// The event id.
        event_id: i64,
    },
    /// No approval is attached to the event.
    #[error("audit database {path}: event {event_id} has no approval")]
    NoApproval {
        /// The database file.
        path: PathBuf,
        /// The event id.
        event_id: i64,
    },
    /// The approval was already decided, used or expired (approvals are single-use).
    #[error("audit database {path}: the approval of event {event_id} is {status}, not pending")]
    ApprovalNotPending {
        /// The database file.
        path: PathBuf,
        /// The event id.
        event_id: i64,
        /// Its current status.
        status: ApprovalStatus,
    },
    /// The `chain_head` row is missing: appending would restart the chain at
    /// genesis and hide whatever removed it, so the writer refuses.
    #[error(
        "audit database {path}: the chain head is missing; refusing to append (run `irongate verify`)"
    )]
    HeadMissing {
        /// The database file.
        path: PathBuf,
    },
    /// A write failed earlier and the writer stopped accepting events (fail closed).
    #[error("the audit writer failed; the event was not logged")]
    WriterFailed {
        /// The failure that stopped the writer.
        #[source]
        cause: Arc<AuditError>,
    },
    /// The writer thread is gone (closed, or it panicked).
    #[error("the audit writer has stopped; the event was not logged")]
    WriterStopped,
}

/// The current time as Unix seconds, the unit of every `ts` in the log.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
