//! Reads: runs with their counts, events by filter, one event. Content comes
//! from the hashed body; the filter columns only select rows.

use std::ops::ControlFlow;

use rusqlite::OptionalExtension;
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};

use super::AuditError;
use super::chain::Body;
use super::model::{Decision, EventFilter, EventRecord, Layer, RunCounts, RunRecord};
use super::store::{Store, parse_status};

const RUN_COLUMNS: &str = "SELECT id, started_at, ended_at, agent_name, script, argv, profile, \
     policy_origin, policy_digest, irongate_version, pid, exit_code, signal, status, counters, \
     event_count, allow_count, review_count, block_count, unexplained_count FROM runs";

impl Store {
    /// SQLite's `PRAGMA data_version`: changes whenever another connection
    /// commits. A cheap way for a waiting review to notice a verdict
    /// without re-reading its approval row every time.
    pub fn data_version(&self) -> Result<i64, AuditError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(self.sql("read data_version"))
    }

    /// Every run, oldest first.
    pub fn list_runs(&self) -> Result<Vec<RunRecord>, AuditError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{RUN_COLUMNS} ORDER BY id"))
            .map_err(self.sql("list runs"))?;
        let mut rows = stmt.query([]).map_err(self.sql("list runs"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(self.sql("list runs"))? {
            out.push(self.run_from_row(row)?);
        }
        Ok(out)
    }

    /// One run.
    pub fn run(&self, run_id: i64) -> Result<Option<RunRecord>, AuditError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{RUN_COLUMNS} WHERE id = ?1"))
            .map_err(self.sql("read run"))?;
        let mut rows = stmt.query([run_id]).map_err(self.sql("read run"))?;
        match rows.next().map_err(self.sql("read run"))? {
            Some(row) => Ok(Some(self.run_from_row(row)?)),
            None => Ok(None),
        }
    }

    /// The id of the most recent run, if any (`--run last`).
    pub fn last_run_id(&self) -> Result<Option<i64>, AuditError> {
        self.conn
            .query_row("SELECT max(id) FROM runs", [], |r| r.get(0))
            .map_err(self.sql("find last run"))
    }

    fn run_from_row(&self, r: &rusqlite::Row<'_>) -> Result<RunRecord, AuditError> {
        let sql = self.sql("read run");
        let id: i64 = r.get(0).map_err(&sql)?;
        let bad = |what: String| self.corrupt("runs", id, what);
        let get = |i: usize| -> Result<SqlValue, AuditError> { r.get(i).map_err(&sql) };
        let text = |i: usize, name: &str| match get(i)? {
            SqlValue::Text(s) => Ok(Some(s)),
            SqlValue::Null => Ok(None),
            _ => Err(bad(format!("{name} is not text"))),
        };
        let req_text =
            |i: usize, name: &str| text(i, name)?.ok_or_else(|| bad(format!("{name} is missing")));
        let int = |i: usize, name: &str| match get(i)? {
            SqlValue::Integer(n) => Ok(Some(n)),
            SqlValue::Null => Ok(None),
            _ => Err(bad(format!("{name} is not an integer"))),
        };
        let real = |i: usize, name: &str| match get(i)? {
            SqlValue::Real(f) => Ok(Some(f)),
            SqlValue::Integer(n) => Ok(Some(n as f64)),
            SqlValue::Null => Ok(None),
            _ => Err(bad(format!("{name} is not a number"))),
        };
        let small = |v: Option<i64>, name: &str| -> Result<Option<i32>, AuditError> {
            v.map(|n| i32::try_from(n).map_err(|_| bad(format!("{name} {n} is out of range"))))
                .transpose()
        };
        let argv: Vec<String> =
            serde_json::from_str(&req_text(5, "argv")?).map_err(|e| bad(format!("argv: {e}")))?;
        let counters: Map<String, Value> = serde_json::from_str(&req_text(14, "counters")?)
            .map_err(|e| bad(format!("counters: {e}")))?;
        let status = req_text(13, "status")?;
        let count = |i: usize, name: &str| Ok::<_, AuditError>(int(i, name)?.unwrap_or(0));
        Ok(RunRecord {
            id,
            started_at: real(1, "started_at")?.unwrap_or(0.0),
            ended_at: real(2, "ended_at")?,
            agent_name: req_text(3, "agent_name")?,
            script: text(4, "script")?,
            argv,
            profile: req_text(6, "profile")?,
            policy_origin: req_text(7, "policy_origin")?,
            policy_digest: req_text(8, "policy_digest")?,
            irongate_version: req_text(9, "irongate_version")?,
            pid: int(10, "pid")?
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(0),
            exit_code: small(int(11, "exit_code")?, "exit_code")?,
            signal: small(int(12, "signal")?, "signal")?,
            status: parse_status(&status)
                .ok_or_else(|| bad(format!("unknown status {status:?}")))?,
            counters,
            counts: RunCounts {
                events: count(15, "event_count")?,
                allow: count(16, "allow_count")?,
                review: count(17, "review_count")?,
                block: count(18, "block_count")?,
                unexplained: count(19, "unexplained_count")?,
            },
        })
    }

    /// The events matching `filter`, in chain order.
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<EventRecord>, AuditError> {
        let mut out = Vec::new();
        self.each_event(filter, |ev| {
            out.push(ev);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// Streams the events matching `filter`, in chain order, until `f` breaks.
    pub fn each_event(
        &self,
        filter: &EventFilter,
        mut f: impl FnMut(EventRecord) -> ControlFlow<()>,
    ) -> Result<(), AuditError> {
        let mut sql = String::from("SELECT id, body, hash FROM events WHERE 1");
        let mut args: Vec<SqlValue> = Vec::new();
        if let Some(run) = filter.run_id {
            args.push(SqlValue::Integer(run));
            sql.push_str(&format!(" AND run_id = ?{}", args.len()));
        }
        if let Some(d) = filter.decision {
            args.push(SqlValue::Text(d.as_str().to_owned()));
            sql.push_str(&format!(" AND decision = ?{}", args.len()));
            if d != Decision::Allow {
                // Spelled out so SQLite can use the partial index events_held.
                sql.push_str(" AND decision <> 'allow'");
            }
        }
        if let Some(l) = filter.layer {
            args.push(SqlValue::Text(l.as_str().to_owned()));
            sql.push_str(&format!(" AND layer = ?{}", args.len()));
        }
        match filter.unexplained {
            // Literal, for the partial index events_unexplained.
            Some(true) => sql.push_str(" AND unexplained <> 0"),
            Some(false) => sql.push_str(" AND unexplained = 0"),
            None => {}
        }
        if let Some(after) = filter.after_id {
            args.push(SqlValue::Integer(after));
            sql.push_str(&format!(" AND id > ?{}", args.len()));
        }
        sql.push_str(" ORDER BY id");
        if let Some(limit) = filter.limit {
            args.push(SqlValue::Integer(i64::from(limit)));
            sql.push_str(&format!(" LIMIT ?{}", args.len()));
        }
        let op = "list events";
        let mut stmt = self.conn.prepare(&sql).map_err(self.sql(op))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args))
            .map_err(self.sql(op))?;
        while let Some(row) = rows.next().map_err(self.sql(op))? {
            let id: i64 = row.get(0).map_err(self.sql(op))?;
            let body: String = row
                .get(1)
                .map_err(|e| self.corrupt("events", id, format!("body: {e}")))?;
            let hash: String = row
                .get(2)
                .map_err(|e| self.corrupt("events", id, format!("hash: {e}")))?;
            let mut record = self.decode(id, &body, hash)?;
            self.attach_review(&mut record)?;
            if f(record).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// One event, with its review verdict if it was held.
    pub fn event(&self, id: i64) -> Result<Option<EventRecord>, AuditError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT body, hash FROM events WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.corrupt("events", id, e.to_string()))?;
        let Some((body, hash)) = row else {
            return Ok(None);
        };
        let mut record = self.decode(id, &body, hash)?;
        self.attach_review(&mut record)?;
        Ok(Some(record))
    }

    fn decode(&self, id: i64, body: &str, hash: String) -> Result<EventRecord, AuditError> {
        let b: Body = serde_json::from_str(body)
            .map_err(|e| self.corrupt("events", id, format!("body: {e}")))?;
        Ok(EventRecord {
            id: b.id,
            run_id: b.run_id,
            ts: b.ts,
            layer: b.layer,
            action: b.action,
            decision: b.decision,
            reason: b.reason,
            rule: b.rule,
            unexplained: b.unexplained,
            pid: b.pid,
            tid: b.tid,
            frame: b.frame,
            review_of: b.review_of,
            verdict: b.verdict,
            review: None,
            hash,
        })
    }

    /// Looks up the verdict of a held event: the first review event that
    /// points at it.
    fn attach_review(&self, record: &mut EventRecord) -> Result<(), AuditError> {
        if record.decision != Decision::Review || record.layer == Layer::Review {
            return Ok(());
        }
        let op = "find review verdict";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, body FROM events WHERE review_of = ?1 AND layer = 'review' ORDER BY id LIMIT 1",
            )
            .map_err(self.sql(op))?;
        let row: Option<(i64, String)> = stmt
            .query_row([record.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(self.sql(op))?;
        if let Some((id, body)) = row {
            let b: Body = serde_json::from_str(&body)
                .map_err(|e| self.corrupt("events", id, format!("body: {e}")))?;
            record.review = b.verdict;
        }
        Ok(())
    }
}
