//! [`Store`]: one connection to the audit database, with the run and
//! approval bookkeeping. Queries live in [`query`](super::query),
//! verification in [`verify`](super::verify), event appends in
//! [`writer`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value};

use super::chain::{Body, PreparedEvent};
use super::model::{
    Approval, ApprovalStatus, Decision, Layer, NewApproval, NewEvent, ReviewVia, RunEnd, RunInfo,
    RunStatus, Verdict,
};
use super::writer::{self, EventWriter, WriterConfig};
use super::{AuditError, DB_FILE, liveness, schema};

/// A connection to `$IRONGATE_HOME/irongate.db`.
///
/// Not `Sync`: share it behind a mutex, or open one per thread. Appending
/// events goes through an [`EventWriter`] ([`Store::writer`]), which has its
/// own connection.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the database in `home` for reading and writing, creating the
    /// directory (0700), the file (0600) and the tables on first use.
    pub fn open(home: &Path) -> Result<Store, AuditError> {
        crate::home::ensure(home).map_err(|e| AuditError::Home {
            path: home.to_path_buf(),
            source: e.into(),
        })?;
        let path = home.join(DB_FILE);
        let conn = schema::open_rw(&path, schema::BUSY_TIMEOUT)?;
        Ok(Store { conn, path })
    }

    /// Opens an existing database read-only; `None` when there is none yet.
    pub fn open_readonly(home: &Path) -> Result<Option<Store>, AuditError> {
        let path = home.join(DB_FILE);
        Ok(schema::open_ro(&path)?.map(|conn| Store { conn, path }))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a writer thread with the given flush interval and default
    /// settings otherwise.
    pub fn writer(&self, flush_interval: Duration) -> Result<EventWriter, AuditError> {
        self.writer_with(WriterConfig {
            flush_interval,
            ..WriterConfig::default()
        })
    }

    /// Starts a writer thread.
    pub fn writer_with(&self, config: WriterConfig) -> Result<EventWriter, AuditError> {
        EventWriter::start(&self.path, config)
    }

    /// [`writer_with`](Store::writer_with) without waiting for the writer's
    /// connections: they are opened on its thread while the caller goes
    /// on; [`EventWriter::ready`] reports the outcome.
    pub fn writer_opening(&self, config: WriterConfig) -> Result<EventWriter, AuditError> {
        EventWriter::start_opening(&self.path, config)
    }

    pub(super) fn sql(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> AuditError + '_ {
        move |source| AuditError::Sql {
            path: self.path.clone(),
            op,
            source,
        }
    }

    pub(super) fn corrupt(&self, table: &'static str, id: i64, what: String) -> AuditError {
        AuditError::Corrupt {
            path: self.path.clone(),
            table,
            id,
            what,
        }
    }

    /// Records the start of a run (status `running`); returns its id.
    pub fn begin_run(&self, info: &RunInfo) -> Result<i64, AuditError> {
        self.begin_run_with_policy(info, None)
    }

    /// [`begin_run`](Store::begin_run) and, in the same transaction,
    /// [`record_policy`](Store::record_policy) of `policy` (digest, origin,
    /// text): one commit at the run's start instead of two.
    pub fn begin_run_with_policy(
        &self,
        info: &RunInfo,
        policy: Option<(&str, &str, &str)>,
    ) -> Result<i64, AuditError> {
        let argv = serde_json::to_string(&info.argv).map_err(|e| AuditError::InvalidEvent {
            run_id: 0,
            what: format!("argv cannot be serialised: {e}"),
        })?;
        // Read while the supervisor (`info.pid`, normally this process) runs:
        // what tells it from a later process with the same pid.
        let identity = liveness::identity_of(info.pid);
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            if let Some((digest, origin, text)) = policy {
                self.policy_in(tx, digest, origin, text)?;
            }
            tx.execute(
                "INSERT INTO runs (started_at, agent_name, script, argv, profile, policy_origin,
                                   policy_digest, irongate_version, pid, supervisor_boot,
                                   supervisor_start, supervisor_pidns, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running')",
                params![
                    info.started_at,
                    info.agent_name,
                    info.script,
                    argv,
                    info.profile,
                    info.policy_origin,
                    info.policy_digest,
                    env!("CARGO_PKG_VERSION"),
                    info.pid,
                    identity.as_ref().map(|i| i.boot_id.as_str()),
                    identity
                        .as_ref()
                        .and_then(|i| i64::try_from(i.start_ticks).ok()),
                    identity.as_ref().and_then(|i| i.pid_ns.as_deref()),
                ],
            )
            .map_err(self.sql("insert run"))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Records how a run ended.
    pub fn end_run(&self, run_id: i64, end: &RunEnd) -> Result<(), AuditError> {
        writer::with_write_tx(&self.conn, &self.path, |tx| self.end_in(tx, run_id, end))
    }

    fn end_in(&self, tx: &Transaction<'_>, run_id: i64, end: &RunEnd) -> Result<(), AuditError> {
        let changed = tx
            .execute(
                "UPDATE runs SET ended_at = ?2, status = ?3, exit_code = ?4, signal = ?5 WHERE id = ?1",
                params![
                    run_id,
                    end.ended_at,
                    end.status.as_str(),
                    end.exit_code,
                    end.signal
                ],
            )
            .map_err(self.sql("end run"))?;
        if changed == 0 {
            return Err(self.unknown_run(run_id));
        }
        Ok(())
    }

    /// The end of a run in one transaction: `counters` added to the run's
    /// counters ([`add_run_counter`](Store::add_run_counter)), how it ended
    /// ([`end_run`](Store::end_run)) and its signed end checkpoint
    /// ([`seal_run`](Store::seal_run)). One commit instead of one per step:
    /// the supervisor's exit, which the user waits for, and fewer pages for
    /// the WAL. An error means nothing of it was committed; once committed,
    /// a checkpoint file that cannot be written only loses the outside copy
    /// of the seal (a warning, as for `seal_run`).
    pub fn finish_run(
        &self,
        run_id: i64,
        counters: &[(&str, i64)],
        end: &RunEnd,
    ) -> Result<(), AuditError> {
        self.seal_after(run_id, |tx| {
            for (name, n) in counters {
                self.add_counter_in(tx, run_id, name, *n)?;
            }
            self.end_in(tx, run_id, end)
        })
    }

    /// Marks every `running` run whose supervisor is gone as
    /// `supervisor_lost` (see [`liveness`]) and appends a `system` event to
    /// each, in one transaction per run: the run row is not part of the hash
    /// chain, so its status may change, and the event records in the chain
    /// that the run's end was never written (its last flush interval of
    /// decisions may be missing, R-72). Returns the runs marked.
    pub fn mark_lost_runs(&self) -> Result<Vec<i64>, AuditError> {
        let candidates = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT id, pid, started_at, supervisor_boot, supervisor_start,
                            supervisor_pidns FROM runs WHERE status = 'running'",
                )
                .map_err(self.sql("list running runs"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, f64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                })
                .map_err(self.sql("list running runs"))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(self.sql("list running runs"))?
        };
        let mut lost = Vec::new();
        let mut buf = String::new();
        for (run_id, pid, started_at, boot, start, pid_ns) in candidates {
            let Ok(pid) = u32::try_from(pid) else {
                continue;
            };
            let identity = match (boot, start.and_then(|s| u64::try_from(s).ok())) {
                (Some(boot_id), Some(start_ticks)) => Some(liveness::ProcessIdentity {
                    boot_id,
                    pid_ns,
                    start_ticks,
                }),
                _ => None,
            };
            if liveness::supervisor(pid, identity.as_ref(), started_at) != liveness::Liveness::Gone
            {
                continue;
            }
            let marked = writer::with_write_tx(&self.conn, &self.path, |tx| {
                // Another process may have marked it meanwhile.
                let changed = tx
                    .execute(
                        "UPDATE runs SET status = 'supervisor_lost', ended_at = ?2
                         WHERE id = ?1 AND status = 'running'",
                        params![run_id, super::now()],
                    )
                    .map_err(self.sql("mark run supervisor_lost"))?;
                if changed == 0 {
                    return Ok(false);
                }
                let what = format!(
                    "supervisor_lost: the supervisor (pid {pid}) ended without recording the end \
                     of run {run_id}; decisions of its last flush interval may be missing"
                );
                let mut event = NewEvent::new(
                    run_id,
                    Layer::System,
                    serde_json::json!({"type": "system", "subtype": "note", "name": what}),
                    Decision::Block,
                    what.clone(),
                );
                event.pid = pid;
                let prepared = PreparedEvent::new(&event)?;
                writer::append_events(tx, &self.path, std::slice::from_ref(&prepared), &mut buf)?;
                Ok(true)
            })?;
            if marked {
                // The end checkpoint its supervisor could not write: it
                // seals what is left of the run, as `supervisor_lost`.
                if let Err(e) = self.seal_run(run_id) {
                    eprintln!(
                        "irongate: warning: run {run_id}'s end checkpoint was not written: {e}"
                    );
                }
                lost.push(run_id);
            }
        }
        Ok(lost)
    }

    /// The state directory the database lives in.
    pub fn home(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Writes the signed end checkpoint of a run: the chain head as
    /// it stands and the run's seal (status, events, last event, digest of
    /// its event hashes, policy digest), into the database and the
    /// checkpoint file. Creates the key on first use.
    pub fn seal_run(&self, run_id: i64) -> Result<(), AuditError> {
        self.seal_after(run_id, |_| Ok(()))
    }

    /// Runs `before` and seals the run in the same transaction (see
    /// [`seal_run`](Store::seal_run)).
    fn seal_after(
        &self,
        run_id: i64,
        mut before: impl FnMut(&Transaction<'_>) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        let signer = super::checkpoint::Signer::load_or_create(self.home())?;
        let mut lock = None;
        let note = writer::with_write_tx(&self.conn, &self.path, |tx| {
            // Held from before the commit until the note is in the file
            // (see `checkpoint::FileLock`). A retried transaction drops
            // the previous attempt's lock first.
            lock = None;
            before(tx)?;
            lock = Some(super::checkpoint::FileLock::acquire(&self.path)?);
            super::checkpoint::seal(tx, &signer, run_id)
                .map_err(self.sql("write a run's checkpoint"))
        })?;
        let appended = match (note, lock) {
            (Some(note), Some(lock)) => lock.append(&note),
            _ => Err(self.unknown_run(run_id)),
        };
        if let Err(e) = appended {
            eprintln!("irongate: warning: the run's end checkpoint was not written: {e}");
        }
        Ok(())
    }

    /// Stores the text of a policy a run uses, by its digest (once).
    pub fn record_policy(&self, digest: &str, origin: &str, text: &str) -> Result<(), AuditError> {
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            self.policy_in(tx, digest, origin, text)
        })
    }

    fn policy_in(
        &self,
        tx: &Transaction<'_>,
        digest: &str,
        origin: &str,
        text: &str,
    ) -> Result<(), AuditError> {
        tx.execute(
            "INSERT OR IGNORE INTO policies (digest, origin, text) VALUES (?1, ?2, ?3)",
            params![digest, origin, text],
        )
        .map_err(self.sql("record policy"))?;
        Ok(())
    }

    /// The stored text of a policy by digest: `(origin, text)`.
    pub fn policy_text(&self, digest: &str) -> Result<Option<(String, String)>, AuditError> {
        if !super::checkpoint::has_table(&self.conn, "policies").map_err(self.sql("read policy"))? {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT origin, text FROM policies WHERE digest = ?1",
                [digest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql("read policy"))
    }

    /// Streams one run's stored rows `(id, body, prev_hash, hash)` in chain order.
    pub fn each_row_of_run(
        &self,
        run_id: i64,
        mut f: impl FnMut(i64, &str, &str, &str) -> std::ops::ControlFlow<()>,
    ) -> Result<(), AuditError> {
        let op = "read events";
        let mut stmt = self
            .conn
            .prepare("SELECT id, body, prev_hash, hash FROM events WHERE run_id = ?1 ORDER BY id")
            .map_err(self.sql(op))?;
        let mut rows = stmt.query([run_id]).map_err(self.sql(op))?;
        while let Some(row) = rows.next().map_err(self.sql(op))? {
            let id: i64 = row.get(0).map_err(self.sql(op))?;
            let text = |i| -> Result<String, AuditError> {
                row.get(i)
                    .map_err(|e| self.corrupt("events", id, e.to_string()))
            };
            if f(id, &text(1)?, &text(2)?, &text(3)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The first and last event ids of a run (`(0, 0)` without events).
    pub fn run_range(&self, run_id: i64) -> Result<(i64, i64), AuditError> {
        self.conn
            .query_row(
                "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM events WHERE run_id = ?1",
                [run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.sql("read events"))
    }

    /// The stored checkpoint notes, oldest first: `(row id, note)`.
    pub fn checkpoint_notes(&self) -> Result<Vec<(i64, String)>, AuditError> {
        super::checkpoint::stored_notes(&self.conn).map_err(self.sql("read checkpoints"))
    }

    /// The log's id (schema 3), `None` for an older database opened read-only.
    pub fn log_id(&self) -> Result<Option<String>, AuditError> {
        super::checkpoint::log_id(&self.conn).map_err(self.sql("read the log id"))
    }

    /// Adds `n` to the run's counter `name` (e.g. `runtime_reads`, R-33).
    pub fn add_run_counter(&self, run_id: i64, name: &str, n: i64) -> Result<(), AuditError> {
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            self.add_counter_in(tx, run_id, name, n)
        })
    }

    fn add_counter_in(
        &self,
        tx: &Transaction<'_>,
        run_id: i64,
        name: &str,
        n: i64,
    ) -> Result<(), AuditError> {
        let text: Option<String> = tx
            .query_row("SELECT counters FROM runs WHERE id = ?1", [run_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sql("read run counters"))?;
        let text = text.ok_or_else(|| self.unknown_run(run_id))?;
        let mut counters: Map<String, Value> = serde_json::from_str(&text)
            .map_err(|e| self.corrupt("runs", run_id, format!("counters: {e}")))?;
        let old = counters.get(name).and_then(Value::as_i64).unwrap_or(0);
        counters.insert(name.to_owned(), Value::from(old.saturating_add(n)));
        tx.execute(
            "UPDATE runs SET counters = ?2 WHERE id = ?1",
            params![run_id, Value::Object(counters).to_string()],
        )
        .map_err(self.sql("update run counters"))?;
        Ok(())
    }

    pub(super) fn unknown_run(&self, run_id: i64) -> AuditError {
        AuditError::UnknownRun {
            path: self.path.clone(),
            run_id,
        }
    }

    /// Creates the pending approval of a held event; returns its id.
    pub fn create_approval(&self, approval: &NewApproval) -> Result<i64, AuditError> {
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            tx.execute(
                "INSERT INTO approvals (event_id, run_id, action_digest, status, created_at, expires_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?5)",
                params![
                    approval.event_id,
                    approval.run_id,
                    approval.action_digest,
                    approval.created_at,
                    approval.expires_at
                ],
            )
            .map_err(self.sql("insert approval"))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Approvals waiting for a human, oldest first.
    pub fn pending_approvals(&self) -> Result<Vec<Approval>, AuditError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{APPROVAL_COLUMNS} WHERE status = 'pending' ORDER BY id"
            ))
            .map_err(self.sql("list pending approvals"))?;
        let rows = stmt
            .query_map([], |r| Ok(self.approval_from_row(r)))
            .map_err(self.sql("list pending approvals"))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(self.sql("list pending approvals"))??);
        }
        Ok(out)
    }

    /// The approval of a held event.
    pub fn approval_for_event(&self, event_id: i64) -> Result<Option<Approval>, AuditError> {
        self.conn
            .query_row(
                &format!("{APPROVAL_COLUMNS} WHERE event_id = ?1"),
                [event_id],
                |r| Ok(self.approval_from_row(r)),
            )
            .optional()
            .map_err(self.sql("read approval"))?
            .transpose()
    }

    fn approval_from_row(&self, r: &Row<'_>) -> Result<Approval, AuditError> {
        let id: i64 = r.get(0).map_err(self.sql("read approval"))?;
        let get = |i| -> Result<rusqlite::types::Value, AuditError> {
            r.get(i).map_err(self.sql("read approval"))
        };
        let bad = |what: &str| self.corrupt("approvals", id, what.to_owned());
        use rusqlite::types::Value as V;
        let int = |v: V, what| match v {
            V::Integer(i) => Ok(i),
            _ => Err(bad(what)),
        };
        let real = |v: V, what| match v {
            V::Real(f) => Ok(f),
            V::Integer(i) => Ok(i as f64),
            _ => Err(bad(what)),
        };
        let opt_text = |v: V, what| match v {
            V::Text(s) => Ok(Some(s)),
            V::Null => Ok(None),
            _ => Err(bad(what)),
        };
        let status = opt_text(get(4)?, "status")?
            .and_then(|s| s.parse::<ApprovalStatus>().ok())
            .ok_or_else(|| bad("status"))?;
        let decided_via = match opt_text(get(9)?, "decided_via")? {
            Some(s) => Some(s.parse::<ReviewVia>().map_err(|e| bad(&e))?),
            None => None,
        };
        Ok(Approval {
            id,
            event_id: int(get(1)?, "event_id")?,
            run_id: int(get(2)?, "run_id")?,
            action_digest: opt_text(get(3)?, "action_digest")?.unwrap_or_default(),
            status,
            created_at: real(get(5)?, "created_at")?,
            expires_at: real(get(6)?, "expires_at")?,
            decided_at: match get(7)? {
                V::Null => None,
                v => Some(real(v, "decided_at")?),
            },
            decided_by: opt_text(get(8)?, "decided_by")?,
            decided_via,
            reason: opt_text(get(10)?, "reason")?,
        })
    }

    /// Records a human's (or the timeout's) verdict on a held event: appends
    /// a `review` layer event that copies the held event's action and points
    /// at it (`review_of`), and moves its approval out of `pending`, in one
    /// transaction. History is appended, never rewritten. Returns the
    /// review event's id.
    ///
    /// Fails if the event has no approval, if the approval is no longer
    /// pending (single use), or if it expired (except for a timeout verdict).
    pub fn record_review_verdict(
        &self,
        event_id: i64,
        verdict: &Verdict,
    ) -> Result<i64, AuditError> {
        if verdict.decision == Decision::Review {
            return Err(AuditError::InvalidEvent {
                run_id: 0,
                what: format!("the verdict on event {event_id} must be allow or block"),
            });
        }
        let mut buf = String::new();
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            let approval =
                self.approval_for_event(event_id)?
                    .ok_or_else(|| AuditError::NoApproval {
                        path: self.path.clone(),
                        event_id,
                    })?;
            if approval.status != ApprovalStatus::Pending {
                return Err(AuditError::ApprovalNotPending {
                    path: self.path.clone(),
                    event_id,
                    status: approval.status,
                });
            }
            if !verdict.timeout && verdict.at > approval.expires_at {
                return Err(AuditError::ApprovalNotPending {
                    path: self.path.clone(),
                    event_id,
                    status: ApprovalStatus::Expired,
                });
            }
            let text: Option<String> = tx
                .query_row("SELECT body FROM events WHERE id = ?1", [event_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(self.sql("read held event"))?;
            let text = text.ok_or_else(|| AuditError::UnknownEvent {
                path: self.path.clone(),
                event_id,
            })?;
            let held: Body = serde_json::from_str(&text)
                .map_err(|e| self.corrupt("events", event_id, format!("body: {e}")))?;
            let reason = verdict.reason.clone().unwrap_or_else(|| {
                if verdict.timeout {
                    "review timed out".to_owned()
                } else {
                    let word = match verdict.decision {
                        Decision::Allow => "approved",
                        _ => "denied",
                    };
                    format!("{word} by {} via {}", verdict.by, verdict.via)
                }
            });
            let event = NewEvent {
                run_id: held.run_id,
                ts: verdict.at,
                layer: Layer::Review,
                action: held.action,
                decision: verdict.decision,
                reason,
                rule: held.rule,
                unexplained: held.unexplained,
                pid: held.pid,
                tid: held.tid,
                frame: held.frame,
                review_of: Some(event_id),
                verdict: Some(verdict.clone()),
            };
            let prepared = PreparedEvent::new(&event)?;
            let id =
                writer::append_events(tx, &self.path, std::slice::from_ref(&prepared), &mut buf)?;
            let status = match (verdict.timeout, verdict.decision) {
                (true, _) => ApprovalStatus::Timeout,
                (false, Decision::Allow) => ApprovalStatus::Approved,
                (false, _) => ApprovalStatus::Denied,
            };
            tx.execute(
                "UPDATE approvals SET status = ?2, decided_at = ?3, decided_by = ?4, decided_via = ?5,
                     reason = ?6
                 WHERE event_id = ?1 AND status = 'pending'",
                params![
                    event_id,
                    status.as_str(),
                    verdict.at,
                    verdict.by,
                    verdict.via.as_str(),
                    verdict.reason
                ],
            )
            .map_err(self.sql("update approval"))?;
            Ok(id)
        })
    }

    /// Consumes an approved approval for the operation it was granted for:
    /// true (and the approval becomes `used`) only if it is `approved`, bound
    /// to `action_digest` and not expired at `now`; an approval found expired
    /// becomes `expired`.
    pub fn consume_approval(
        &self,
        event_id: i64,
        action_digest: &str,
        now: f64,
    ) -> Result<bool, AuditError> {
        writer::with_write_tx(&self.conn, &self.path, |tx| {
            let Some(approval) = self.approval_for_event(event_id)? else {
                return Ok(false);
            };
            if approval.status != ApprovalStatus::Approved
                || approval.action_digest != action_digest
            {
                return Ok(false);
            }
            let next = if now > approval.expires_at {
                ApprovalStatus::Expired
            } else {
                ApprovalStatus::Used
            };
            tx.execute(
                "UPDATE approvals SET status = ?2 WHERE id = ?1 AND status = 'approved'",
                params![approval.id, next.as_str()],
            )
            .map_err(self.sql("consume approval"))?;
            Ok(next == ApprovalStatus::Used)
        })
    }
}

const APPROVAL_COLUMNS: &str = "SELECT id, event_id, run_id, action_digest, status, created_at, \
     expires_at, decided_at, decided_by, decided_via, reason FROM approvals";

/// Decodes the `runs.status` column.
pub(super) fn parse_status(s: &str) -> Option<RunStatus> {
    s.parse().ok()
}
