//! The database file: creation (mode 0600), pragmas, tables and the schema
//! version (`PRAGMA user_version`).
//!
//! `events` keeps the hashed canonical body as the source of truth; its
//! `run_id`, `decision`, `layer`, `unexplained` and `review_of` columns are
//! copies for indexing, and verification checks them against the body.

use std::fs::OpenOptions;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::AuditError;
use super::chain::GENESIS_HEX;

/// The schema this build reads and writes.
///
/// - 1: the first schema.
/// - 2: `runs.status` may be `supervisor_lost`; `runs.supervisor_boot`,
///   `runs.supervisor_start` and `runs.supervisor_pidns` identify the supervisor across pid reuse. A
///   version-1 file is migrated on its first read-write open
///   ([`migrate_1_to_2`]); read-only opens read it as it is.
/// - 3: `log_meta` (the log's random id), `checkpoints` (signed checkpoints,
///   R-71) and `policies` (the text of each policy a run used, by digest).
///   Added by [`migrate_2_to_3`]; nothing existing changes.
pub const SCHEMA_VERSION: i64 = 3;

/// `PRAGMA application_id` of an IronGate database ("IrGa"), so a foreign
/// SQLite file is recognised as such instead of being written into.
pub const APPLICATION_ID: i64 = 0x4972_4761;

/// Page size of a new database. Larger pages mean fewer WAL frames and
/// syscalls per appended event (measured: 4 KiB → 8 KiB gives about +15%
/// appends and +10% verification) at the cost of rewriting bigger hot pages
/// in a one-event durable commit (about +10%); 16 KiB gained more throughput
/// but made every durable commit write 100 KB of WAL.
pub const PAGE_SIZE: i64 = 8192;

/// How long a connection waits for another process's write lock before
/// SQLite reports `SQLITE_BUSY`. Several supervisors, the dashboard and the
/// CLI share the file; a batch commit holds the lock for milliseconds, so
/// this is generous on purpose.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The `runs` table of the current schema, with `{name}` for its name (the
/// migration creates it under another name first).
const RUNS_TABLE: &str = "
CREATE TABLE {name} (
    id                INTEGER PRIMARY KEY,
    started_at        REAL    NOT NULL,
    ended_at          REAL,
    agent_name        TEXT    NOT NULL,
    script            TEXT,
    argv              TEXT    NOT NULL,           -- JSON array
    profile           TEXT    NOT NULL,
    policy_origin     TEXT    NOT NULL,
    policy_digest     TEXT    NOT NULL,
    irongate_version  TEXT    NOT NULL,
    pid               INTEGER NOT NULL,
    -- What identifies the supervisor for good (see audit::liveness): the boot
    -- id, /proc/<pid>/stat field 22 and its pid namespace. NULL in runs from
    -- schema version 1.
    supervisor_boot   TEXT,
    supervisor_start  INTEGER,
    supervisor_pidns  TEXT,
    exit_code         INTEGER,
    signal            INTEGER,
    status            TEXT    NOT NULL
        CHECK (status IN ('running', 'exited', 'killed', 'irongate_error', 'supervisor_lost')),
    counters          TEXT    NOT NULL DEFAULT '{}', -- JSON object of named counters
    -- Maintained by the writer in the append transaction; verify compares
    -- them with the chain.
    event_count       INTEGER NOT NULL DEFAULT 0,
    allow_count       INTEGER NOT NULL DEFAULT 0,
    review_count      INTEGER NOT NULL DEFAULT 0,
    block_count       INTEGER NOT NULL DEFAULT 0,
    unexplained_count INTEGER NOT NULL DEFAULT 0,
    last_event_id     INTEGER,
    last_hash         TEXT
);

";

const CREATE: &str = "
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,   -- dense: assigned as chain_head.last_id + 1
    run_id      INTEGER NOT NULL,
    decision    TEXT    NOT NULL,
    layer       TEXT    NOT NULL,
    unexplained INTEGER NOT NULL,
    review_of   INTEGER,
    body        TEXT    NOT NULL,      -- canonical JSON, hashed
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX events_run ON events (run_id);
CREATE INDEX events_held ON events (decision) WHERE decision <> 'allow';
CREATE INDEX events_unexplained ON events (run_id) WHERE unexplained <> 0;
CREATE INDEX events_review_of ON events (review_of) WHERE review_of IS NOT NULL;

CREATE TABLE chain_head (
    id        INTEGER PRIMARY KEY CHECK (id = 0),
    last_id   INTEGER NOT NULL,
    last_hash TEXT    NOT NULL,
    count     INTEGER NOT NULL
);

CREATE TABLE approvals (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL UNIQUE,
    run_id        INTEGER NOT NULL,
    action_digest TEXT    NOT NULL,
    status        TEXT    NOT NULL
        CHECK (status IN ('pending', 'approved', 'denied', 'timeout', 'expired', 'used')),
    created_at    REAL    NOT NULL,
    expires_at    REAL    NOT NULL,
    decided_at    REAL,
    decided_by    TEXT,
    decided_via   TEXT CHECK (decided_via IN ('dashboard', 'cli', 'supervisor')),
    reason        TEXT
);
CREATE INDEX approvals_pending ON approvals (status) WHERE status = 'pending';
";

/// The tables of version 3 (see [`checkpoint`](super::checkpoint)).
const CREATE_V3: &str = "
CREATE TABLE IF NOT EXISTS log_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS checkpoints (
    id        INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,       -- events covered: ids 1..=tree_size
    head_hash TEXT    NOT NULL,       -- hash of event tree_size (hex)
    ts        REAL    NOT NULL,
    run_id    INTEGER,                -- the run whose end it seals; NULL: every-N checkpoint
    key_id    TEXT    NOT NULL,
    note      TEXT    NOT NULL        -- the signed note, verbatim: the source of truth
);
CREATE INDEX IF NOT EXISTS checkpoints_size ON checkpoints (tree_size);
CREATE INDEX IF NOT EXISTS checkpoints_run ON checkpoints (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS policies (
    digest TEXT PRIMARY KEY,          -- SHA-256 of the text, as runs.policy_digest
    origin TEXT NOT NULL,
    text   TEXT NOT NULL
);
";

/// Version 2 → 3: new tables only, and the log's id. Idempotent (a file
/// whose version number was set back keeps its tables and id).
fn migrate_2_to_3(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(CREATE_V3)?;
    tx.execute(
        "INSERT OR IGNORE INTO log_meta (key, value) VALUES ('log_id', ?1)",
        [super::checkpoint::new_log_id()],
    )?;
    Ok(())
}

/// Opens (creating if needed) the database for reading and writing.
///
/// Several processes may open a new database at once: while one creates it,
/// the others can find it locked (switching to WAL takes a lock the busy
/// handler does not wait for) or half-visible (tables before the schema
/// version). Those states pass within one short transaction, so they are
/// retried for a while before being reported.
pub(crate) fn open_rw(path: &Path, busy_timeout: Duration) -> Result<Connection, AuditError> {
    let mut attempts = 0;
    loop {
        match open_rw_once(path, busy_timeout) {
            Err(e) if attempts < 300 && transient(&e) => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// A state another process's creation of the database explains.
fn transient(e: &AuditError) -> bool {
    let busy = |source: &rusqlite::Error| {
        matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    };
    match e {
        AuditError::Open { source, .. } | AuditError::Sql { source, .. } => busy(source),
        AuditError::Schema { what, .. } => what == CREATING || what.ends_with(NO_VERSION),
        _ => false,
    }
}

fn open_rw_once(path: &Path, busy_timeout: Duration) -> Result<Connection, AuditError> {
    create_private(path)?;
    let open_err = |source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(busy_timeout).map_err(open_err)?;
    // The first statements read the file header: a file that is not SQLite
    // fails here, with the path in the error.
    let identity = check_identity(&conn, path)?;
    if identity.is_none() {
        // Only takes effect on a file without pages, so before WAL mode.
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(open_err)?;
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(AuditError::Schema {
            path: path.to_path_buf(),
            what: format!("cannot switch to WAL mode (journal_mode is {mode})"),
        });
    }
    // NORMAL in WAL mode: a commit survives a killed process; only a
    // power loss can take back the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_err)?;
    // After a burst of concurrent writers the WAL can grow past its usual
    // few MB; give the space back once it rewinds.
    conn.pragma_update(None, "journal_size_limit", 32i64 << 20)
        .map_err(open_err)?;
    // No checkpoint when the last connection closes: it fsyncs the WAL and
    // the database at the end of every run (milliseconds the user waits
    // for). The WAL is checkpointed while runs write and by the next opener;
    // a commit is as durable either way.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .map_err(open_err)?;
    ensure_schema(&mut conn, path)?;
    Ok(conn)
}

/// Opens an existing database read-only. `None` when there is no database
/// yet (no file, or an empty one).
pub(crate) fn open_ro(path: &Path) -> Result<Option<Connection>, AuditError> {
    if !path.exists() {
        return Ok(None);
    }
    let open_err = |source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    match check_identity(&conn, path)? {
        Some(_) => Ok(Some(conn)),
        None => Ok(None),
    }
}

/// Creates the file with mode 0600 before SQLite does (SQLite would use the
/// umask), and tightens an existing file that others can read. SQLite gives
/// the `-wal` and `-shm` files the database file's mode.
fn create_private(path: &Path) -> Result<(), AuditError> {
    let io = |op, source| AuditError::Io {
        op,
        path: path.to_path_buf(),
        source,
    };
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io("create", e))?;
    let meta = file.metadata().map_err(|e| io("inspect", e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io("set permissions of", e))?;
    }
    Ok(())
}

/// The end of [`check_identity`]'s message for tables without a version.
const NO_VERSION: &str = " but no irongate schema version";

/// What [`check_identity`] says of a file whose creation is not visible yet.
const CREATING: &str = "unknown schema version 0 (being created by another process?)";

/// Reads the header fields: `Some(version)` for an IronGate database, `None`
/// for an empty one, an error for anything else.
fn check_identity(conn: &Connection, path: &Path) -> Result<Option<i64>, AuditError> {
    let open_err = |source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(open_err)?;
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(open_err)?;
    let schema_err = |what: String| AuditError::Schema {
        path: path.to_path_buf(),
        what,
    };
    if version == 0 && app_id == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .map_err(open_err)?;
        if tables > 0 {
            return Err(schema_err(format!("it holds {tables} tables{NO_VERSION}")));
        }
        return Ok(None);
    }
    if app_id != APPLICATION_ID {
        return Err(schema_err(format!(
            "its application id is {app_id:#x}, not irongate's {APPLICATION_ID:#x}"
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(schema_err(format!(
            "schema version {version} was written by a newer irongate (this one reads version {SCHEMA_VERSION})"
        )));
    }
    if version < 1 {
        return Err(schema_err(CREATING.to_owned()));
    }
    Ok(Some(version))
}

/// Version 1 → 2: SQLite cannot change a CHECK constraint in place, so
/// `runs` is rebuilt under the new definition and its rows copied (ids and
/// every column kept; the new columns are NULL). `runs` is not part of the
/// hash chain, and no index or trigger refers to it.
fn migrate_1_to_2(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    const COLUMNS: &str = "id, started_at, ended_at, agent_name, script, argv, profile, \
        policy_origin, policy_digest, irongate_version, pid, exit_code, signal, status, counters, \
        event_count, allow_count, review_count, block_count, unexplained_count, last_event_id, \
        last_hash";
    tx.execute_batch(&RUNS_TABLE.replace("{name}", "runs_v2"))?;
    tx.execute_batch(&format!(
        "INSERT INTO runs_v2 ({COLUMNS}) SELECT {COLUMNS} FROM runs;
         DROP TABLE runs;
         ALTER TABLE runs_v2 RENAME TO runs;"
    ))
}

/// Creates the tables on first open. Runs inside `BEGIN IMMEDIATE` and
/// re-reads the version there, so two processes opening a new file at once
/// create it once.
fn ensure_schema(conn: &mut Connection, path: &Path) -> Result<(), AuditError> {
    let sql = |op| {
        move |source| AuditError::Sql {
            path: path.to_path_buf(),
            op,
            source,
        }
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql("begin schema creation"))?;
    let found = check_identity(&tx, path)?;
    if found == Some(1) {
        migrate_1_to_2(&tx).map_err(sql("migrate the schema from version 1 to 2"))?;
    }
    if matches!(found, Some(1 | 2)) {
        migrate_2_to_3(&tx).map_err(sql("migrate the schema from version 2 to 3"))?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(sql("set schema version"))?;
    }
    if found.is_none() {
        tx.execute_batch(&RUNS_TABLE.replace("{name}", "runs"))
            .map_err(sql("create tables"))?;
        tx.execute_batch(CREATE).map_err(sql("create tables"))?;
        migrate_2_to_3(&tx).map_err(sql("create tables"))?;
        tx.execute(
            "INSERT INTO chain_head (id, last_id, last_hash, count) VALUES (0, 0, ?1, 0)",
            [GENESIS_HEX],
        )
        .map_err(sql("create chain head"))?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql("set application id"))?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(sql("set schema version"))?;
    }
    tx.commit().map_err(sql("commit schema creation"))
}
