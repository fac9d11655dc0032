//! Chain verification: recompute every link, check every filter column
//! against the hashed body, and compare the end of the chain with the
//! `chain_head` row and the runs' counters. Stops at the first bad event and
//! names it with a [`TamperKind`].
//!
//! How each kind is recognised, checking rows in id order:
//!
//! | kind | evidence |
//! |---|---|
//! | `deleted` | an id is missing (ids are dense), or the body of row N claims a later id (later rows renumbered to close the gap) |
//! | `inserted` | a row lies beyond the chain head, or the body of a later row claims this row's id (rows shifted up to make room) |
//! | `reordered` | the body of row N claims id M and the body of row M claims N (or the ids are otherwise permuted) |
//! | `edited` | the hash does not match `SHA-256(prev_hash ‖ body)`, the body is not a valid event, a row's successor links to a hash other than the row's (rewritten and rehashed), or a run's recorded decision counts or last hash differ from the chain's |
//! | `column_mismatch` | `run_id`, `decision`, `layer`, `unexplained` or `review_of` disagrees with the body |
//! | `truncated` | the chain ends before the chain head's last id (or a run's last event) |
//! | `wiped` | no events, but the chain head or the runs record some |
//! | `head_mismatch` | the chain head (row, count, last hash) or a run's last id disagrees with an otherwise intact chain |
//!
//! Then the signed checkpoints ([`checkpoint`](super::checkpoint)) of the
//! database and of the checkpoint file beside it:
//!
//! | kind | evidence |
//! |---|---|
//! | `replaced` | the database is missing or empty while the checkpoint file records events, or it is another log (log id) |
//! | `key_missing` | checkpoints exist but neither the home nor `--pubkey` has the key |
//! | `checkpoints_missing` | the home has a checkpoint key, so checkpoints were written, but the checkpoint file is gone |
//! | `foreign_key` | a checkpoint is signed by another key (re-signed) |
//! | `bad_signature` | a checkpoint's signature does not verify, or it does not parse |
//! | `truncated` | a checkpoint of the database itself covers events the chain no longer has |
//! | `rolled_back` | only the checkpoint file covers events the chain no longer has: an older copy of the database |
//! | `rebuilt` | a checkpoint records another hash for its last event than the chain has |
//!
//! Everything runs in one read transaction, so concurrent appends neither
//! disturb nor get half-seen by a verification.

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::{Value, json};

use super::AuditError;
use super::chain::{self, BodyKeys, Digest, GENESIS, GENESIS_HEX};
use super::model::{Decision, RunCounts};
use super::store::Store;

/// What kind of tampering was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TamperKind {
    /// An event's content (or its hash) was changed.
    Edited,
    /// An event that the writer did not append is in the chain.
    Inserted,
    /// An event is missing from the middle of the chain.
    Deleted,
    /// Events were moved to other positions.
    Reordered,
    /// The newest events are missing.
    Truncated,
    /// Every event is missing.
    Wiped,
    /// A filter column disagrees with the hashed body.
    ColumnMismatch,
    /// The chain head or a run's counters disagree with the chain.
    HeadMismatch,
    /// A signed checkpoint records another hash for its last event: the
    /// chain was rewritten and rehashed without the key.
    Rebuilt,
    /// A checkpoint is signed by another key than the log's.
    ForeignKey,
    /// A checkpoint's signature does not verify (it was edited or forged).
    BadSignature,
    /// The checkpoint file records events the database no longer has, and
    /// the database's own checkpoints stop before them: an older copy.
    RolledBack,
    /// The database is empty, missing or another log than the checkpoint
    /// file records.
    Replaced,
    /// Checkpoints exist but no key to check them.
    KeyMissing,
    /// The key exists (so checkpoints were written) but the checkpoint file is gone.
    CheckpointsMissing,
    /// An incident bundle's policy is not the one its run recorded.
    PolicyMismatch,
}

impl TamperKind {
    /// The spelling in reports and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TamperKind::Edited => "edited",
            TamperKind::Inserted => "inserted",
            TamperKind::Deleted => "deleted",
            TamperKind::Reordered => "reordered",
            TamperKind::Truncated => "truncated",
            TamperKind::Wiped => "wiped",
            TamperKind::ColumnMismatch => "column_mismatch",
            TamperKind::HeadMismatch => "head_mismatch",
            TamperKind::Rebuilt => "rebuilt",
            TamperKind::ForeignKey => "foreign_key",
            TamperKind::BadSignature => "bad_signature",
            TamperKind::RolledBack => "rolled_back",
            TamperKind::Replaced => "replaced",
            TamperKind::KeyMissing => "key_missing",
            TamperKind::CheckpointsMissing => "checkpoints_missing",
            TamperKind::PolicyMismatch => "policy_mismatch",
        }
    }
}

impl std::fmt::Display for TamperKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first bad event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// The event id: the first event that fails, or the first missing one.
    pub id: i64,
    /// What was found.
    pub kind: TamperKind,
    /// The evidence, for a human.
    pub detail: String,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// No tampering found.
    pub ok: bool,
    /// Events verified before the first bad one (all of them when `ok`).
    pub checked: u64,
    /// The first bad event, when not `ok`.
    pub first_bad: Option<Tamper>,
}

impl VerifyReport {
    fn good(checked: u64) -> VerifyReport {
        VerifyReport {
            ok: true,
            checked,
            first_bad: None,
        }
    }

    fn bad(checked: u64, tamper: Tamper) -> VerifyReport {
        VerifyReport {
            ok: false,
            checked,
            first_bad: Some(tamper),
        }
    }

    /// `{"ok": bool, "checked": N, "first_bad": {"id", "kind", "detail"} | null}`.
    pub fn to_json(&self) -> Value {
        json!({
            "ok": self.ok,
            "checked": self.checked,
            "first_bad": self.first_bad.as_ref().map(|t| json!({
                "id": t.id,
                "kind": t.kind.as_str(),
                "detail": t.detail,
            })),
        })
    }
}

pub(crate) fn tamper(id: i64, kind: TamperKind, detail: String) -> Tamper {
    Tamper { id, kind, detail }
}

impl Store {
    /// Verifies the whole chain.
    pub fn verify(&self) -> Result<VerifyReport, AuditError> {
        let v = Verifier::begin(self)?;
        v.all()
    }

    /// Verifies one run's part of the chain: each of its events, its links to
    /// the events before them, and the run's counters.
    pub fn verify_run(&self, run_id: i64) -> Result<VerifyReport, AuditError> {
        let v = Verifier::begin(self)?;
        v.run(run_id)
    }
}

/// The chain head row.
struct Head {
    last_id: i64,
    last_hash: String,
    count: i64,
}

/// What `runs` says about a run's events.
struct RunAnchor {
    id: i64,
    counts: RunCounts,
    last_event_id: Option<i64>,
    last_hash: Option<String>,
}

/// What the chain holds for a run.
#[derive(Default)]
struct Seen {
    counts: RunCounts,
    first_id: i64,
    last_id: i64,
    last_hash: Digest,
}

impl Seen {
    fn add(&mut self, keys: &BodyKeys, id: i64, hash: Digest) {
        if self.counts.events == 0 {
            self.first_id = id;
        }
        self.counts.events += 1;
        match keys.decision {
            Decision::Allow => self.counts.allow += 1,
            Decision::Review => self.counts.review += 1,
            Decision::Block => self.counts.block += 1,
        }
        self.counts.unexplained += i64::from(keys.unexplained);
        self.last_id = id;
        self.last_hash = hash;
    }
}

/// Something wrong with one row, before classification.
enum Anomaly {
    /// The body is not a valid event.
    BadBody { what: String },
    /// The body claims another id.
    IdMismatch { body_id: i64 },
    /// `prev_hash` is not the previous event's hash; `self_consistent` when
    /// the row's own hash still matches its stored `prev_hash` and body.
    LinkBroken { self_consistent: bool },
    /// The hash does not match.
    HashMismatch,
    /// A filter column disagrees with the body.
    Column {
        column: &'static str,
        stored: String,
        body: String,
    },
}

const EVENT_COLUMNS: &str =
    "SELECT id, run_id, decision, layer, unexplained, review_of, body, prev_hash, hash FROM events";

struct Verifier<'a> {
    store: &'a Store,
    // Held for its snapshot: every read below sees the same database.
    _tx: Transaction<'a>,
}

impl<'a> Verifier<'a> {
    fn begin(store: &'a Store) -> Result<Verifier<'a>, AuditError> {
        let tx = Transaction::new_unchecked(&store.conn, TransactionBehavior::Deferred)
            .map_err(store.sql("begin read transaction"))?;
        Ok(Verifier { store, _tx: tx })
    }

    fn conn(&self) -> &Connection {
        &self.store.conn
    }

    fn tables(&self) -> Result<Vec<String>, AuditError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .map_err(self.store.sql("list tables"))?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.store.sql("list tables"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.store.sql("list tables"))?;
        Ok(names)
    }

    /// A missing table is tampering, not an I/O error.
    fn missing_table(&self) -> Result<Option<Tamper>, AuditError> {
        let tables = self.tables()?;
        for (name, kind) in [
            ("events", TamperKind::Wiped),
            ("chain_head", TamperKind::HeadMismatch),
            ("runs", TamperKind::HeadMismatch),
        ] {
            if !tables.iter().any(|t| t == name) {
                return Ok(Some(tamper(
                    1,
                    kind,
                    format!("the {name} table is missing"),
                )));
            }
        }
        Ok(None)
    }

    fn head(&self) -> Result<Option<Head>, AuditError> {
        self.conn()
            .query_row(
                "SELECT last_id, last_hash, count FROM chain_head WHERE id = 0",
                [],
                |r| {
                    Ok(Head {
                        last_id: r.get(0)?,
                        last_hash: r.get(1)?,
                        count: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.store.sql("read chain head"))
    }

    fn anchors(&self, only: Option<i64>) -> Result<Vec<RunAnchor>, AuditError> {
        let mut sql = String::from(
            "SELECT id, event_count, allow_count, review_count, block_count, unexplained_count,
                    last_event_id, last_hash FROM runs",
        );
        if only.is_some() {
            sql.push_str(" WHERE id = ?1");
        }
        sql.push_str(" ORDER BY id");
        let mut stmt = self
            .conn()
            .prepare(&sql)
            .map_err(self.store.sql("read runs"))?;
        let params: Vec<i64> = only.into_iter().collect();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |r| {
                Ok(RunAnchor {
                    id: r.get(0)?,
                    counts: RunCounts {
                        events: r.get(1)?,
                        allow: r.get(2)?,
                        review: r.get(3)?,
                        block: r.get(4)?,
                        unexplained: r.get(5)?,
                    },
                    last_event_id: r.get(6)?,
                    last_hash: r.get(7)?,
                })
            })
            .map_err(self.store.sql("read runs"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(self.store.sql("read runs"))
    }

    /// The id claimed by the body of row `id`, if the row exists and parses.
    fn body_id_of(&self, id: i64) -> Result<Option<i64>, AuditError> {
        let body: Option<Option<String>> = self
            .conn()
            .query_row("SELECT body FROM events WHERE id = ?1", [id], |r| {
                Ok(r.get::<_, String>(0).ok())
            })
            .optional()
            .map_err(self.store.sql("read event"))?;
        Ok(body
            .flatten()
            .and_then(|b| serde_json::from_str::<BodyKeys>(&b).ok())
            .map(|k| k.id))
    }

    fn all(self) -> Result<VerifyReport, AuditError> {
        if let Some(t) = self.missing_table()? {
            return Ok(VerifyReport::bad(0, t));
        }
        let head = self.head()?;
        let anchors = self.anchors(None)?;
        let mut stmt = self
            .conn()
            .prepare(&format!("{EVENT_COLUMNS} ORDER BY id"))
            .map_err(self.store.sql("read events"))?;
        let mut rows = stmt.query([]).map_err(self.store.sql("read events"))?;

        let mut checked: u64 = 0;
        let mut expected_id: i64 = 1;
        let mut prev = GENESIS;
        let mut prev_hex = [0u8; 64];
        prev_hex.copy_from_slice(GENESIS_HEX.as_bytes());
        let mut seen: HashMap<i64, Seen> = HashMap::new();
        let head_last = head.as_ref().map(|h| h.last_id);

        while let Some(row) = rows.next().map_err(self.store.sql("read events"))? {
            let id: i64 = row.get(0).map_err(self.store.sql("read events"))?;
            if let Some(last) = head_last
                && id > last
            {
                return Ok(VerifyReport::bad(
                    checked,
                    tamper(
                        id,
                        TamperKind::Inserted,
                        format!(
                            "event {id} lies beyond the chain head, whose last event is {last}"
                        ),
                    ),
                ));
            }
            if id != expected_id {
                let detail = if id == expected_id + 1 {
                    format!("event {expected_id} is missing")
                } else {
                    format!("events {expected_id}..{} are missing", id - 1)
                };
                return Ok(VerifyReport::bad(
                    checked,
                    tamper(expected_id, TamperKind::Deleted, detail),
                ));
            }
            let cells = Cells::read(row).map_err(self.store.sql("read events"))?;
            match check_row(id, &cells, &prev, &prev_hex) {
                Ok((keys, hash)) => {
                    seen.entry(keys.run_id).or_default().add(&keys, id, hash);
                    prev = hash;
                    chain::hex_into(&hash, &mut prev_hex);
                    expected_id += 1;
                    checked += 1;
                }
                Err(anomaly) => {
                    let t = self.classify(id, anomaly)?;
                    return Ok(VerifyReport::bad(checked, t));
                }
            }
        }
        drop(rows);
        let last_id = expected_id - 1;
        if let Some(t) = self.check_ends(head.as_ref(), &anchors, &seen, last_id, &prev, checked) {
            return Ok(VerifyReport::bad(checked, t));
        }
        Ok(VerifyReport::good(checked))
    }

    /// Names the first bad event from what was wrong with row `id`, looking
    /// at neighbouring rows to tell an insertion, a deletion and a reorder
    /// apart from an edit.
    fn classify(&self, id: i64, anomaly: Anomaly) -> Result<Tamper, AuditError> {
        // The next row holding this row's original content means this row
        // was slipped in and the later ones shifted up.
        let next_is_original =
            |this: &Self| -> Result<bool, AuditError> { Ok(this.body_id_of(id + 1)? == Some(id)) };
        Ok(match anomaly {
            Anomaly::BadBody { what } => tamper(
                id,
                TamperKind::Edited,
                format!("event {id}'s body is not a valid event: {what}"),
            ),
            Anomaly::IdMismatch { body_id } if body_id < id => tamper(
                body_id,
                TamperKind::Inserted,
                format!(
                    "row {id} holds event {body_id}: {} row(s) were inserted at {body_id} and the later events renumbered",
                    id - body_id
                ),
            ),
            Anomaly::IdMismatch { body_id } => {
                let swapped = self.body_id_of(body_id)? == Some(id);
                let tail_in_place = match self.last_row()? {
                    Some((last, Some(claimed))) => last == claimed,
                    _ => false,
                };
                if swapped || tail_in_place {
                    tamper(
                        id,
                        TamperKind::Reordered,
                        format!("row {id} holds event {body_id}: events were moved"),
                    )
                } else {
                    tamper(
                        id,
                        TamperKind::Deleted,
                        format!(
                            "row {id} holds event {body_id}: events {id}..{} were deleted and the later events renumbered",
                            body_id - 1
                        ),
                    )
                }
            }
            Anomaly::LinkBroken { .. } | Anomaly::HashMismatch if next_is_original(self)? => {
                tamper(
                    id,
                    TamperKind::Inserted,
                    format!("event {id} was inserted: the next row holds the original event {id}"),
                )
            }
            Anomaly::LinkBroken {
                self_consistent: true,
            } if id > 1 => tamper(
                id - 1,
                TamperKind::Edited,
                format!(
                    "event {} was rewritten and rehashed: event {id} links to a different hash",
                    id - 1
                ),
            ),
            Anomaly::LinkBroken { .. } => tamper(
                id,
                TamperKind::Edited,
                format!("event {id}'s prev_hash is not the hash of the event before it"),
            ),
            Anomaly::HashMismatch => tamper(
                id,
                TamperKind::Edited,
                format!("event {id}'s hash does not match its content"),
            ),
            Anomaly::Column {
                column,
                stored,
                body,
            } => tamper(
                id,
                TamperKind::ColumnMismatch,
                format!("event {id}'s {column} column is {stored} but its hashed body says {body}"),
            ),
        })
    }

    /// The last row's id and the id its body claims.
    fn last_row(&self) -> Result<Option<(i64, Option<i64>)>, AuditError> {
        let last: Option<i64> = self
            .conn()
            .query_row("SELECT max(id) FROM events", [], |r| r.get(0))
            .map_err(self.store.sql("read events"))?;
        match last {
            Some(last) => Ok(Some((last, self.body_id_of(last)?))),
            None => Ok(None),
        }
    }

    /// After an intact scan: does the end of the chain agree with the chain
    /// head and the runs' counters?
    fn check_ends(
        &self,
        head: Option<&Head>,
        anchors: &[RunAnchor],
        seen: &HashMap<i64, Seen>,
        last_id: i64,
        last_hash: &Digest,
        checked: u64,
    ) -> Option<Tamper> {
        let recorded: i64 = anchors.iter().map(|a| a.counts.events).sum();
        let Some(head) = head else {
            return Some(tamper(
                last_id.max(1),
                TamperKind::HeadMismatch,
                "the chain head row is missing".into(),
            ));
        };
        if checked == 0 && (head.last_id > 0 || head.count > 0 || recorded > 0) {
            return Some(tamper(
                1,
                TamperKind::Wiped,
                format!(
                    "there are no events, but the chain head records {} (last id {}) and the runs {recorded}",
                    head.count, head.last_id
                ),
            ));
        }
        if last_id < head.last_id {
            return Some(tamper(
                last_id + 1,
                TamperKind::Truncated,
                format!(
                    "the chain ends at event {last_id}, the chain head at event {}",
                    head.last_id
                ),
            ));
        }
        // The runs' anchors name a place (the run whose last hash differs);
        // the head only tells that something is off.
        if let Some(t) = run_anomalies(anchors, seen, last_id)
            .into_iter()
            .min_by_key(|t| t.id)
        {
            return Some(t);
        }
        if head.last_hash.as_bytes() != chain::to_hex(last_hash).as_bytes() {
            return Some(tamper(
                last_id,
                TamperKind::HeadMismatch,
                format!(
                    "the chain head records another hash for event {last_id}: the chain was rewritten and rehashed at or before it, or the head was edited"
                ),
            ));
        }
        if i64::try_from(checked).ok() != Some(head.count) {
            return Some(tamper(
                last_id,
                TamperKind::HeadMismatch,
                format!(
                    "the chain holds {checked} events, the chain head records {}",
                    head.count
                ),
            ));
        }
        None
    }

    fn run(self, run_id: i64) -> Result<VerifyReport, AuditError> {
        if let Some(t) = self.missing_table()? {
            return Ok(VerifyReport::bad(0, t));
        }
        let anchors = self.anchors(Some(run_id))?;
        if anchors.is_empty() {
            return Err(self.store.unknown_run(run_id));
        }
        let mut stmt = self
            .conn()
            .prepare(&format!("{EVENT_COLUMNS} WHERE run_id = ?1 ORDER BY id"))
            .map_err(self.store.sql("read events"))?;
        let mut pred = self
            .conn()
            .prepare("SELECT hash FROM events WHERE id = ?1")
            .map_err(self.store.sql("read events"))?;
        let mut rows = stmt
            .query([run_id])
            .map_err(self.store.sql("read events"))?;
        let mut checked: u64 = 0;
        let mut seen: HashMap<i64, Seen> = HashMap::new();
        let mut prev_hex = [0u8; 64];
        while let Some(row) = rows.next().map_err(self.store.sql("read events"))? {
            let id: i64 = row.get(0).map_err(self.store.sql("read events"))?;
            let prev_text: Option<String> = if id == 1 {
                Some(GENESIS_HEX.to_owned())
            } else {
                pred.query_row([id - 1], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(self.store.sql("read events"))?
            };
            let Some(prev_text) = prev_text else {
                return Ok(VerifyReport::bad(
                    checked,
                    tamper(
                        id - 1,
                        TamperKind::Deleted,
                        format!(
                            "event {}, before event {id} of run {run_id}, is missing",
                            id - 1
                        ),
                    ),
                ));
            };
            // A predecessor whose stored hash is not hex links to nothing.
            let prev = chain::from_hex(&prev_text).unwrap_or(GENESIS);
            if prev_text.len() == 64 {
                prev_hex.copy_from_slice(prev_text.as_bytes());
            } else {
                prev_hex = [b'?'; 64];
            }
            let cells = Cells::read(row).map_err(self.store.sql("read events"))?;
            match check_row(id, &cells, &prev, &prev_hex) {
                Ok((keys, hash)) => {
                    seen.entry(keys.run_id).or_default().add(&keys, id, hash);
                    checked += 1;
                }
                Err(anomaly) => {
                    let t = self.classify(id, anomaly)?;
                    return Ok(VerifyReport::bad(checked, t));
                }
            }
        }
        drop(rows);
        let last_id: i64 = self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))
            .map_err(self.store.sql("read events"))?;
        let mut found = run_anomalies(&anchors, &seen, last_id);
        found.sort_by_key(|t| t.id);
        if let Some(mut t) = found.into_iter().next() {
            // Name the first missing id of the run's range when there is one.
            if t.kind == TamperKind::Deleted
                && let Some(anchor) = anchors.first()
                && let Some(gap) = self.first_gap(
                    seen.get(&run_id).map_or(1, |s| s.first_id),
                    anchor.last_event_id,
                )?
            {
                t.id = gap;
            }
            return Ok(VerifyReport::bad(checked, t));
        }
        Ok(VerifyReport::good(checked))
    }

    /// The first id missing between `from` and `to`.
    fn first_gap(&self, from: i64, to: Option<i64>) -> Result<Option<i64>, AuditError> {
        let Some(to) = to else { return Ok(None) };
        let mut stmt = self
            .conn()
            .prepare("SELECT id FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id")
            .map_err(self.store.sql("read events"))?;
        let mut rows = stmt
            .query([from, to])
            .map_err(self.store.sql("read events"))?;
        let mut expected = from;
        while let Some(row) = rows.next().map_err(self.store.sql("read events"))? {
            let id: i64 = row.get(0).map_err(self.store.sql("read events"))?;
            if id != expected {
                return Ok(Some(expected));
            }
            expected += 1;
        }
        Ok((expected <= to).then_some(expected))
    }
}

/// Runs whose counters disagree with the chain, and events of runs that do
/// not exist.
fn run_anomalies(anchors: &[RunAnchor], seen: &HashMap<i64, Seen>, last_id: i64) -> Vec<Tamper> {
    let mut found = Vec::new();
    let none = Seen::default();
    for a in anchors {
        let s = seen.get(&a.id).unwrap_or(&none);
        let run = a.id;
        if s.counts.events != a.counts.events {
            let (got, want) = (s.counts.events, a.counts.events);
            let t = match a.last_event_id {
                Some(last) if last > last_id => tamper(
                    last_id + 1,
                    TamperKind::Truncated,
                    format!("run {run}'s last event is {last}, the chain ends at {last_id}"),
                ),
                _ if got < want => tamper(
                    if got > 0 {
                        s.first_id
                    } else {
                        a.last_event_id.unwrap_or(1)
                    },
                    TamperKind::Deleted,
                    format!("run {run} recorded {want} events, the chain holds {got}"),
                ),
                _ => tamper(
                    s.first_id.max(1),
                    TamperKind::Inserted,
                    format!("run {run} recorded {want} events, the chain holds {got}"),
                ),
            };
            found.push(t);
            continue;
        }
        if s.counts != a.counts {
            found.push(tamper(
                s.first_id.max(1),
                TamperKind::Edited,
                format!(
                    "run {run} recorded {}/{}/{} allow/review/block and {} unexplained, the chain holds {}/{}/{} and {}",
                    a.counts.allow,
                    a.counts.review,
                    a.counts.block,
                    a.counts.unexplained,
                    s.counts.allow,
                    s.counts.review,
                    s.counts.block,
                    s.counts.unexplained
                ),
            ));
            continue;
        }
        if s.counts.events == 0 {
            continue;
        }
        if a.last_event_id != Some(s.last_id) {
            found.push(tamper(
                s.last_id,
                TamperKind::HeadMismatch,
                format!(
                    "run {run} recorded its last event as {:?}, the chain's is {}",
                    a.last_event_id, s.last_id
                ),
            ));
        } else if a.last_hash.as_deref() != Some(chain::to_hex(&s.last_hash).as_str()) {
            found.push(tamper(
                s.last_id,
                TamperKind::Edited,
                format!(
                    "event {}'s hash differs from the one run {run} recorded: the chain was rewritten and rehashed at or before it",
                    s.last_id
                ),
            ));
        }
    }
    for (run, s) in seen {
        if !anchors.iter().any(|a| a.id == *run) {
            found.push(tamper(
                s.first_id,
                TamperKind::HeadMismatch,
                format!("events of run {run} exist but the run is missing from the runs table"),
            ));
        }
    }
    found
}

/// The cells of one `events` row, borrowed from SQLite.
struct Cells<'r> {
    run_id: ValueRef<'r>,
    decision: ValueRef<'r>,
    layer: ValueRef<'r>,
    unexplained: ValueRef<'r>,
    review_of: ValueRef<'r>,
    body: ValueRef<'r>,
    prev_hash: ValueRef<'r>,
    hash: ValueRef<'r>,
}

impl<'r> Cells<'r> {
    fn read(row: &'r rusqlite::Row<'r>) -> rusqlite::Result<Cells<'r>> {
        Ok(Cells {
            run_id: row.get_ref(1)?,
            decision: row.get_ref(2)?,
            layer: row.get_ref(3)?,
            unexplained: row.get_ref(4)?,
            review_of: row.get_ref(5)?,
            body: row.get_ref(6)?,
            prev_hash: row.get_ref(7)?,
            hash: row.get_ref(8)?,
        })
    }
}

fn show(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "null".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("a {}-byte blob", b.len()),
    }
}

/// Checks one row against the previous event's hash; returns its body keys
/// and hash.
fn check_row(
    id: i64,
    c: &Cells<'_>,
    prev: &Digest,
    prev_hex: &[u8; 64],
) -> Result<(BodyKeys, Digest), Anomaly> {
    let ValueRef::Text(body) = c.body else {
        return Err(Anomaly::BadBody {
            what: format!("body is {}", show(c.body)),
        });
    };
    // The id first: a row holding another event's content is the clearest
    // sign of insertion, deletion or reordering, whatever else broke with it.
    // (An edited body may mislead this parse; the row is reported either way.)
    let keys = chain::body_keys(body).map_err(|e| Anomaly::BadBody {
        what: e.to_string(),
    })?;
    if keys.id != id {
        return Err(Anomaly::IdMismatch { body_id: keys.id });
    }
    let stored_prev = match c.prev_hash {
        ValueRef::Text(t) => t,
        _ => &[][..],
    };
    let stored_hash = match c.hash {
        ValueRef::Text(t) => t,
        _ => &[][..],
    };
    let mut computed_hex = [0u8; 64];
    if stored_prev != prev_hex {
        // Does the row still hash correctly onto the prev_hash it stores?
        let self_consistent = std::str::from_utf8(stored_prev)
            .ok()
            .and_then(chain::from_hex)
            .is_some_and(|p| {
                chain::hex_into(&chain::link(&p, body), &mut computed_hex);
                computed_hex[..] == *stored_hash
            });
        return Err(Anomaly::LinkBroken { self_consistent });
    }
    let hash = chain::link(prev, body);
    chain::hex_into(&hash, &mut computed_hex);
    if computed_hex[..] != *stored_hash {
        return Err(Anomaly::HashMismatch);
    }
    let column = |column, stored: ValueRef<'_>, body: String| Anomaly::Column {
        column,
        stored: show(stored),
        body,
    };
    if c.run_id != ValueRef::Integer(keys.run_id) {
        return Err(column("run_id", c.run_id, keys.run_id.to_string()));
    }
    if c.decision != ValueRef::Text(keys.decision.as_str().as_bytes()) {
        return Err(column(
            "decision",
            c.decision,
            format!("{:?}", keys.decision.as_str()),
        ));
    }
    if c.layer != ValueRef::Text(keys.layer.as_str().as_bytes()) {
        return Err(column(
            "layer",
            c.layer,
            format!("{:?}", keys.layer.as_str()),
        ));
    }
    if c.unexplained != ValueRef::Integer(i64::from(keys.unexplained)) {
        return Err(column(
            "unexplained",
            c.unexplained,
            keys.unexplained.to_string(),
        ));
    }
    let review_of = keys.review_of.map_or(ValueRef::Null, ValueRef::Integer);
    if c.review_of != review_of {
        return Err(column("review_of", c.review_of, show(review_of)));
    }
    Ok((keys, hash))
}
