//! The single writer: one thread per supervisor that commits events in
//! batches, and the append transaction it shares with
//! [`Store::record_review_verdict`](super::Store::record_review_verdict).
//!
//! A batch is one `BEGIN IMMEDIATE` transaction: read the chain head, give
//! each event the next id, hash it onto the previous one, insert, update the
//! head and the runs' counters, commit. Because the head is read under the
//! write lock, any number of processes appending to the same file extend one
//! chain.
//!
//! When a batch is committed: `flush_interval` after its first event arrived,
//! as soon as it holds `max_batch` events, or at once when someone waits (a
//! durable append, a flush, a close) — together with everything already
//! queued, so concurrent durable appends share a commit.
//!
//! Failure is sticky and closes the writer: once a commit fails for good, the
//! events of that batch are not in the log, so every waiter of the batch and
//! every later call gets an error and the supervisor blocks the operations it
//! can no longer record.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};

use super::chain::{self, PreparedEvent};
use super::model::{Decision, NewEvent, RunCounts};
use super::{AuditError, checkpoint, schema};

/// Writer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// The longest an accepted event waits before its commit: what a killed
    /// supervisor can lose. Default 50 ms.
    pub flush_interval: Duration,
    /// A batch is committed as soon as it holds this many events. Default 2048.
    pub max_batch: usize,
    /// How long one attempt waits for another process's write lock. Default 30 s.
    pub busy_timeout: Duration,
    /// A signed checkpoint is written in the commit that brings the chain
    /// this many events past the newest checkpoint; 0: never.
    /// Default [`checkpoint::DEFAULT_EVERY`].
    pub checkpoint_every: u64,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            flush_interval: Duration::from_millis(50),
            max_batch: 2048,
            busy_timeout: schema::BUSY_TIMEOUT,
            checkpoint_every: checkpoint::DEFAULT_EVERY,
        }
    }
}

type Reply<T> = Sender<Result<T, AuditError>>;

/// How the writer thread's opening went.
type Opened = Result<(), Arc<AuditError>>;

enum Msg {
    /// A checked event, rendered by the writer thread (off the deciding
    /// thread, before the write transaction); the sender, if any, gets its
    /// id once committed.
    Event(Box<NewEvent>, Option<Reply<i64>>),
    /// Answered once everything sent before it is committed.
    Flush(Reply<()>),
}

/// The handle the supervisor holds: appends go to the writer thread.
///
/// Dropping it is [`close`](EventWriter::close) without the result: queued
/// events are still committed.
pub struct EventWriter {
    tx: Option<Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    failed: Arc<OnceLock<Arc<AuditError>>>,
    /// Until [`EventWriter::ready`] has been asked: the opening's outcome.
    opened: std::sync::Mutex<Option<Receiver<Opened>>>,
}

impl std::fmt::Debug for EventWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventWriter")
            .field("running", &self.thread.is_some())
            .field("failed", &self.failed.get().is_some())
            .finish()
    }
}

impl EventWriter {
    /// Opens its own connection to `path` and starts the thread.
    pub(crate) fn start(path: &Path, config: WriterConfig) -> Result<EventWriter, AuditError> {
        let writer = EventWriter::start_opening(path, config)?;
        writer.ready()?;
        Ok(writer)
    }

    /// Starts the thread, which opens its connections itself: the caller
    /// goes on meanwhile (a run's start-up) and may queue events already.
    /// [`ready`](EventWriter::ready) says whether the opening succeeded;
    /// until it is known, nothing queued counts as logged.
    pub(crate) fn start_opening(
        path: &Path,
        config: WriterConfig,
    ) -> Result<EventWriter, AuditError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let failed = Arc::new(OnceLock::new());
        let (opened_tx, opened) = crossbeam_channel::bounded(1);
        let worker_failed = Arc::clone(&failed);
        let worker_path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("irongate-audit".into())
            .spawn(move || {
                match Worker::open(worker_path, rx, config, Arc::clone(&worker_failed)) {
                    Ok(worker) => {
                        let _ = opened_tx.send(Ok(()));
                        worker.run();
                    }
                    Err(e) => {
                        // Sticky, as a failed commit: every later call errs.
                        let e = Arc::new(e);
                        let _ = worker_failed.set(Arc::clone(&e));
                        let _ = opened_tx.send(Err(e));
                    }
                }
            })
            .map_err(|source| AuditError::Io {
                op: "start the writer thread for",
                path: path.to_path_buf(),
                source,
            })?;
        Ok(EventWriter {
            tx: Some(tx),
            thread: Some(thread),
            failed,
            opened: std::sync::Mutex::new(Some(opened)),
        })
    }

    /// Waits until the thread has opened its connections; the error if it
    /// could not (the writer is then closed).
    pub fn ready(&self) -> Result<(), AuditError> {
        let pending = self
            .opened
            .lock()
            .map_err(|_| AuditError::WriterStopped)?
            .take();
        if let Some(opened) = pending {
            return match opened.recv() {
                Ok(Ok(())) => Ok(()),
                Ok(Err(cause)) => Err(AuditError::WriterFailed { cause }),
                Err(_) => Err(self.stopped()),
            };
        }
        self.check()
    }

    /// Queues an event without waiting for its commit. An error means the
    /// event will not be logged: the caller must block the operation.
    pub fn append(&self, event: NewEvent) -> Result<(), AuditError> {
        self.check()?;
        PreparedEvent::check(&event)?;
        self.send(Msg::Event(Box::new(event), None))
    }

    /// Appends an event and waits for its commit; returns its id.
    pub fn append_durable(&self, event: NewEvent) -> Result<i64, AuditError> {
        self.check()?;
        PreparedEvent::check(&event)?;
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.send(Msg::Event(Box::new(event), Some(reply)))?;
        self.wake();
        answer.recv().unwrap_or_else(|_| Err(self.stopped()))
    }

    /// Waits until every event sent before this call is committed.
    pub fn flush(&self) -> Result<(), AuditError> {
        self.check()?;
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.send(Msg::Flush(reply))?;
        self.wake();
        answer.recv().unwrap_or_else(|_| Err(self.stopped()))
    }

    /// Commits everything queued and stops the thread. An error means some
    /// accepted events were not logged.
    pub fn close(mut self) -> Result<(), AuditError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), AuditError> {
        // Disconnecting the channel tells the thread to drain, commit and exit.
        drop(self.tx.take());
        self.wake();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            return Err(AuditError::WriterStopped);
        }
        match self.failed.get() {
            Some(cause) => Err(AuditError::WriterFailed {
                cause: Arc::clone(cause),
            }),
            None => Ok(()),
        }
    }

    /// Wakes the writer thread for a message somebody waits on. Ordinary
    /// events do not wake it: it collects them at the end of its interval
    /// (a wake-up per event cost the deciding thread a tenth of its time).
    fn wake(&self) {
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    fn check(&self) -> Result<(), AuditError> {
        match self.failed.get() {
            Some(cause) => Err(AuditError::WriterFailed {
                cause: Arc::clone(cause),
            }),
            None => Ok(()),
        }
    }

    fn stopped(&self) -> AuditError {
        match self.failed.get() {
            Some(cause) => AuditError::WriterFailed {
                cause: Arc::clone(cause),
            },
            None => AuditError::WriterStopped,
        }
    }

    fn send(&self, msg: Msg) -> Result<(), AuditError> {
        match &self.tx {
            Some(tx) => tx.send(msg).map_err(|_| self.stopped()),
            None => Err(AuditError::WriterStopped),
        }
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        // Nobody to report to; the events are committed all the same.
        let _ = self.shutdown();
    }
}

/// The writer thread's state.
struct Worker {
    conn: Connection,
    path: PathBuf,
    rx: Receiver<Msg>,
    config: WriterConfig,
    failed: Arc<OnceLock<Arc<AuditError>>>,
    checkpointer: Option<Checkpointer>,
    /// Bytes written to the WAL since the writer last finished a checkpoint
    /// (an estimate: SQLite does not say without a hook).
    wal_estimate: usize,
    /// The checkpoint key, loaded (or created) when the first checkpoint is due.
    signer: Option<checkpoint::Signer>,
}

/// WAL bytes between checkpoints: SQLite's default auto-checkpoint is about
/// 4 MB.
const CHECKPOINT_EVERY: usize = 4 << 20;

/// Per commit, besides the rows, SQLite rewrites the last pages of the table
/// and its indexes, the chain head and the run: one-event durable commits
/// are mostly this.
const COMMIT_PAGES: usize = 6;

/// Per row, besides the body: the hashes, the filter columns, the indexes.
const ROW_BYTES: usize = 200;

/// Every this many background checkpoints the writer finishes one itself.
const CATCH_UP_EVERY: usize = 4;

/// Copies the WAL back into the database from its own thread and connection.
/// SQLite would otherwise run that checkpoint inside whichever commit crosses
/// its threshold, stalling the writer (a third of its time under load, with
/// the fsyncs on top). A passive checkpoint never blocks the writer. But the
/// WAL only rewinds once a checkpoint has caught up with the last commit
/// before the next write, which a checkpoint running beside a busy writer
/// never does, so every [`CATCH_UP_EVERY`] wake-ups the writer runs the
/// (by then small) remainder itself.
struct Checkpointer {
    wake: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// `None` if its connection or thread cannot be had: the writer then
    /// keeps SQLite's auto-checkpoint.
    ///
    /// The thread first copies back what the WAL holds already when it is
    /// large ([`START_CHECKPOINT`]): the writer only wakes
    /// it after megabytes of its own, which a short run never writes, so
    /// without this the WAL grew run after run, and every run's first
    /// connection reads and checksums all of it to rebuild the WAL index.
    fn start(path: &Path, busy_timeout: Duration) -> Option<Checkpointer> {
        let conn = schema::open_rw(path, busy_timeout).ok()?;
        let path = path.to_path_buf();
        let (wake, woken) = crossbeam_channel::bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name("irongate-ckpt".into())
            .spawn(move || {
                let checkpoint = || {
                    // Best effort: a busy or failed checkpoint is retried at
                    // the next wake-up and loses nothing.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                };
                // Only when enough is pending: a checkpoint syncs the WAL
                // and the database, which most starts need not pay for.
                if wal_bytes(&path).is_some_and(|b| b >= START_CHECKPOINT) {
                    checkpoint();
                }
                while woken.recv().is_ok() {
                    checkpoint();
                }
                crate::timing::thread_cpu("audit checkpointer");
            })
            .ok()?;
        Some(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint; false if the thread is gone (its connection
    /// could not be opened).
    fn wake(&self) -> bool {
        match &self.wake {
            // Full means a wake-up is already pending.
            Some(wake) => !matches!(
                wake.try_send(()),
                Err(crossbeam_channel::TrySendError::Disconnected(()))
            ),
            None => false,
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The WAL size from which a run's checkpointer copies the WAL back as it
/// starts: what every run's first connection reads and checksums (about
/// 0.6 ms per MB here) when no other process has the database open.
const START_CHECKPOINT: u64 = 1 << 20;

/// The size of `<db>-wal`, by `stat` only: opening (and closing) a file of
/// the database ourselves would drop SQLite's POSIX locks on it (another
/// process then takes the shared memory for unused and resets it under us:
/// SIGBUS). The file keeps its size after SQLite rewinds it, so this is an
/// upper bound of what is pending.
fn wal_bytes(db: &Path) -> Option<u64> {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).ok().map(|m| m.len())
}

#[derive(Default)]
struct Batch {
    events: Vec<PreparedEvent>,
    /// (index in `events`, who waits for its id)
    waiters: Vec<(usize, Reply<i64>)>,
    flushes: Vec<Reply<()>>,
}

impl Batch {
    /// Takes one message; an event is rendered here. Rendering a checked
    /// event cannot fail (JSON values and plain fields); if it ever did,
    /// the writer is failed as for a commit error (later operations are
    /// refused), and a waiting sender is told.
    fn push(&mut self, msg: Msg, failed: &OnceLock<Arc<AuditError>>) {
        match msg {
            Msg::Event(ev, reply) => match PreparedEvent::new(&ev) {
                Ok(prepared) => {
                    if let Some(reply) = reply {
                        self.waiters.push((self.events.len(), reply));
                    }
                    self.events.push(prepared);
                }
                Err(e) => {
                    let cause = Arc::new(e);
                    let _ = failed.set(Arc::clone(&cause));
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(AuditError::WriterFailed { cause }));
                    }
                }
            },
            Msg::Flush(reply) => self.flushes.push(reply),
        }
    }

    /// Someone is waiting: commit now rather than at the end of the interval.
    fn urgent(&self) -> bool {
        !self.waiters.is_empty() || !self.flushes.is_empty()
    }
}

impl Worker {
    /// The thread's connections (the writer's, the checkpointer's).
    fn open(
        path: PathBuf,
        rx: Receiver<Msg>,
        config: WriterConfig,
        failed: Arc<OnceLock<Arc<AuditError>>>,
    ) -> Result<Worker, AuditError> {
        let conn = schema::open_rw(&path, config.busy_timeout)?;
        let checkpointer = Checkpointer::start(&path, config.busy_timeout);
        if checkpointer.is_some() {
            // The checkpointer thread takes over; see `Checkpointer`.
            conn.pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(|source| AuditError::Open {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(Worker {
            conn,
            path,
            rx,
            config: WriterConfig {
                max_batch: config.max_batch.max(1),
                ..config
            },
            failed,
            checkpointer,
            wal_estimate: 0,
            signer: None,
        })
    }

    fn run(mut self) {
        let mut batch = Batch::default();
        let mut body = String::new();
        // `recv` fails only once every sender is gone and the queue is empty:
        // that is the end of a close, after the last commit.
        while let Ok(first) = self.rx.recv() {
            batch.push(first, &self.failed);
            let now = Instant::now();
            // A huge interval means "only when asked"; it must not overflow.
            let deadline = now
                .checked_add(self.config.flush_interval)
                .unwrap_or(now + Duration::from_secs(86_400));
            // Collect until the interval ends, someone waits, or the batch is
            // full. Senders of ordinary events do not wake this thread (see
            // `EventWriter::wake`): it looks at the queue when parked time ends.
            loop {
                let mut gone = false;
                while batch.events.len() < self.config.max_batch {
                    match self.rx.try_recv() {
                        Ok(msg) => batch.push(msg, &self.failed),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            gone = true;
                            break;
                        }
                    }
                }
                let now = Instant::now();
                if gone
                    || batch.urgent()
                    || batch.events.len() >= self.config.max_batch
                    || now >= deadline
                {
                    break;
                }
                std::thread::park_timeout(deadline - now);
            }
            self.commit(&mut batch, &mut body);
        }
        crate::timing::thread_cpu("audit writer");
    }

    /// Keeps the WAL short after a commit of `events` (see [`Checkpointer`]).
    fn checkpoint(&mut self, events: &[PreparedEvent]) {
        let Some(c) = &self.checkpointer else { return };
        let before = self.wal_estimate;
        let rows: usize = events.iter().map(|e| e.len() + ROW_BYTES).sum();
        let page = usize::try_from(schema::PAGE_SIZE).unwrap_or(4096);
        self.wal_estimate += rows + COMMIT_PAGES * page;
        if self.wal_estimate / CHECKPOINT_EVERY == before / CHECKPOINT_EVERY {
            return;
        }
        let catch_up = self.wal_estimate >= CHECKPOINT_EVERY * CATCH_UP_EVERY;
        // The background thread has copied nearly everything; finishing
        // here, between our own transactions, lets the next one rewind the
        // WAL, which a checkpoint racing the writer never does. (Here too
        // when the thread is gone.)
        if catch_up || !c.wake() {
            self.wal_estimate = 0;
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }

    fn commit(&mut self, batch: &mut Batch, body: &mut String) {
        let result = match self.failed.get() {
            Some(cause) => Err(Arc::clone(cause)),
            None if batch.events.is_empty() => Ok(0),
            None => {
                let path = &self.path;
                let events = &batch.events;
                let every = self.config.checkpoint_every;
                let signer = &mut self.signer;
                let mut note = None;
                let r = with_write_tx(&self.conn, path, |tx| {
                    // A retried transaction drops the previous attempt's lock.
                    note = None;
                    let first = append_events(tx, path, events, body)?;
                    note = if every > 0 {
                        interval_checkpoint(tx, path, signer, every)?
                    } else {
                        None
                    };
                    Ok(first)
                })
                .map_err(|e| {
                    let e = Arc::new(e);
                    // First failure wins; later batches see it in `failed`.
                    let _ = self.failed.set(Arc::clone(&e));
                    e
                });
                if let (Ok(_), Some((note, lock))) = (&r, note) {
                    // After the commit, still under the file's lock: the
                    // file never holds a checkpoint the database lacks, and
                    // a reader never sees one the file lacks. A failed
                    // append loses only the outside copy of this one.
                    if let Err(e) = lock.append(&note) {
                        eprintln!("irongate: warning: {e}");
                    }
                }
                r
            }
        };
        let fail = |cause: &Arc<AuditError>| AuditError::WriterFailed {
            cause: Arc::clone(cause),
        };
        for (index, reply) in batch.waiters.drain(..) {
            let answer = match &result {
                Ok(first) => Ok(first + i64::try_from(index).unwrap_or(i64::MAX)),
                Err(cause) => Err(fail(cause)),
            };
            // A waiter that gave up is not an error of the writer.
            let _ = reply.send(answer);
        }
        for reply in batch.flushes.drain(..) {
            let _ = reply.send(result.as_ref().map(|_| ()).map_err(fail));
        }
        if result.is_ok() && !batch.events.is_empty() {
            // After the replies: nobody waits for the checkpoint.
            self.checkpoint(&batch.events);
        }
        batch.events.clear();
    }
}

/// [`checkpoint::interval`] with the key of the database's directory,
/// loaded or created only once a checkpoint is due.
fn interval_checkpoint(
    tx: &Transaction<'_>,
    path: &Path,
    signer: &mut Option<checkpoint::Signer>,
    every: u64,
) -> Result<Option<(String, checkpoint::FileLock)>, AuditError> {
    let sql = |source| AuditError::Sql {
        path: path.to_path_buf(),
        op: "write a checkpoint",
        source,
    };
    if !checkpoint::due(tx, every).map_err(sql)? {
        return Ok(None);
    }
    let lock = checkpoint::FileLock::acquire(path)?;
    let signer = match signer {
        Some(s) => s,
        None => signer.insert(checkpoint::Signer::load_or_create(
            path.parent().unwrap_or(Path::new(".")),
        )?),
    };
    Ok(checkpoint::interval(tx, signer, every)
        .map_err(sql)?
        .map(|note| (note, lock)))
}

/// How many times a transaction that found the database locked is retried
/// after SQLite's own busy timeout has run out.
const BUSY_RETRIES: u32 = 4;

/// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits, retrying the
/// whole transaction when another connection holds the lock. `f` must
/// recompute everything from what it reads, since a retry sees newer data.
pub(crate) fn with_write_tx<T>(
    conn: &Connection,
    path: &Path,
    mut f: impl FnMut(&Transaction<'_>) -> Result<T, AuditError>,
) -> Result<T, AuditError> {
    let sql = |op| {
        move |source| AuditError::Sql {
            path: path.to_path_buf(),
            op,
            source,
        }
    };
    let mut attempt = 0;
    loop {
        let result = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(sql("begin write transaction"))
            .and_then(|tx| {
                let value = f(&tx)?;
                tx.commit().map_err(sql("commit"))?;
                Ok(value)
            });
        match result {
            Err(e) if is_busy(&e) && attempt < BUSY_RETRIES => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(25u64 << attempt));
            }
            other => return other,
        }
    }
}

fn is_busy(e: &AuditError) -> bool {
    match e {
        AuditError::Sql { source, .. } => matches!(
            source.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ),
        _ => false,
    }
}

/// Appends `events` in the open write transaction; returns the first id.
pub(crate) fn append_events(
    tx: &Transaction<'_>,
    path: &Path,
    events: &[PreparedEvent],
    body: &mut String,
) -> Result<i64, AuditError> {
    let sql = |op| {
        move |source| AuditError::Sql {
            path: path.to_path_buf(),
            op,
            source,
        }
    };
    let head: Option<(i64, String)> = tx
        .prepare_cached("SELECT last_id, last_hash FROM chain_head WHERE id = 0")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(sql("read chain head"))?;
    let Some((mut last_id, last_hash)) = head else {
        return Err(AuditError::HeadMissing {
            path: path.to_path_buf(),
        });
    };
    let mut prev = chain::from_hex(&last_hash).ok_or_else(|| AuditError::Corrupt {
        path: path.to_path_buf(),
        table: "chain_head",
        id: 0,
        what: format!("last_hash is not 64 hex digits: {last_hash:?}"),
    })?;
    let first = last_id + 1;
    let mut runs: Vec<RunDelta> = Vec::with_capacity(1);
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO events (id, run_id, decision, layer, unexplained, review_of, body, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(sql("prepare event insert"))?;
    let (mut prev_hex, mut hash_hex) = ([0u8; 64], [0u8; 64]);
    for ev in events {
        let id = last_id + 1;
        ev.render(id, body);
        let hash = chain::link(&prev, body.as_bytes());
        chain::hex_into(&prev, &mut prev_hex);
        chain::hex_into(&hash, &mut hash_hex);
        insert
            .execute(rusqlite::params![
                id,
                ev.run_id,
                ev.decision.as_str(),
                ev.layer.as_str(),
                ev.unexplained,
                ev.review_of,
                body.as_str(),
                ascii(&prev_hex),
                ascii(&hash_hex),
            ])
            .map_err(sql("insert event"))?;
        match runs.iter_mut().find(|d| d.run_id == ev.run_id) {
            Some(d) => d.add(ev, id, hash),
            None => {
                let mut d = RunDelta::new(ev.run_id);
                d.add(ev, id, hash);
                runs.push(d);
            }
        }
        prev = hash;
        last_id = id;
    }
    let n = last_id - first + 1;
    tx.prepare_cached(
        "UPDATE chain_head SET last_id = ?1, last_hash = ?2, count = count + ?3 WHERE id = 0",
    )
    .and_then(|mut s| s.execute(rusqlite::params![last_id, chain::to_hex(&prev), n]))
    .map_err(sql("update chain head"))?;
    let mut update_run = tx
        .prepare_cached(
            "UPDATE runs SET event_count = event_count + ?2, allow_count = allow_count + ?3,
                 review_count = review_count + ?4, block_count = block_count + ?5,
                 unexplained_count = unexplained_count + ?6, last_event_id = ?7, last_hash = ?8
             WHERE id = ?1",
        )
        .map_err(sql("prepare run update"))?;
    for d in &runs {
        let changed = update_run
            .execute(rusqlite::params![
                d.run_id,
                d.counts.events,
                d.counts.allow,
                d.counts.review,
                d.counts.block,
                d.counts.unexplained,
                d.last_id,
                chain::to_hex(&d.last_hash),
            ])
            .map_err(sql("update run counters"))?;
        if changed == 0 {
            // An event must belong to a run begun with `begin_run`; logging it
            // anyway would leave the run counters unable to vouch for it.
            return Err(AuditError::UnknownRun {
                path: path.to_path_buf(),
                run_id: d.run_id,
            });
        }
    }
    Ok(first)
}

/// Hex digits are ASCII.
fn ascii(buf: &[u8; 64]) -> &str {
    std::str::from_utf8(buf).unwrap_or_default()
}

struct RunDelta {
    run_id: i64,
    counts: RunCounts,
    last_id: i64,
    last_hash: chain::Digest,
}

impl RunDelta {
    fn new(run_id: i64) -> RunDelta {
        RunDelta {
            run_id,
            counts: RunCounts::default(),
            last_id: 0,
            last_hash: chain::GENESIS,
        }
    }

    fn add(&mut self, ev: &PreparedEvent, id: i64, hash: chain::Digest) {
        self.counts.events += 1;
        match ev.decision {
            Decision::Allow => self.counts.allow += 1,
            Decision::Review => self.counts.review += 1,
            Decision::Block => self.counts.block += 1,
        }
        self.counts.unexplained += i64::from(ev.unexplained);
        self.last_id = id;
        self.last_hash = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_bytes_is_the_wal_files_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        assert_eq!(wal_bytes(&path), None);
        let conn = schema::open_rw(&path, Duration::from_secs(5)).expect("open");
        conn.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(20000))")
            .expect("write");
        let size = std::fs::metadata(dir.path().join("t.db-wal"))
            .expect("wal")
            .len();
        assert!(size > 20_000);
        assert_eq!(wal_bytes(&path), Some(size));
    }
}
