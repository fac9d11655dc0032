//! Databases written by an older irongate keep working: a schema-version-1
//! file (no `supervisor_lost` status, no supervisor identity columns) is
//! read as it is by read-only commands, migrated to version 2 on the first
//! read-write open with every run and event intact, and its `running` runs
//! whose supervisor is gone are then marked `supervisor_lost`.

#[path = "data/audit/common.rs"]
mod common;

use irongate::audit::{RunEnd, RunStatus, Store, now, schema};

/// `runs` as schema version 1 created it.
const RUNS_V1: &str = "
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    started_at        REAL    NOT NULL,
    ended_at          REAL,
    agent_name        TEXT    NOT NULL,
    script            TEXT,
    argv              TEXT    NOT NULL,
    profile           TEXT    NOT NULL,
    policy_origin     TEXT    NOT NULL,
    policy_digest     TEXT    NOT NULL,
    irongate_version  TEXT    NOT NULL,
    pid               INTEGER NOT NULL,
    exit_code         INTEGER,
    signal            INTEGER,
    status            TEXT    NOT NULL
        CHECK (status IN ('running', 'exited', 'killed', 'irongate_error')),
    counters          TEXT    NOT NULL DEFAULT '{}',
    event_count       INTEGER NOT NULL DEFAULT 0,
    allow_count       INTEGER NOT NULL DEFAULT 0,
    review_count      INTEGER NOT NULL DEFAULT 0,
    block_count       INTEGER NOT NULL DEFAULT 0,
    unexplained_count INTEGER NOT NULL DEFAULT 0,
    last_event_id     INTEGER,
    last_hash         TEXT
);";

const V1_COLUMNS: &str = "id, started_at, ended_at, agent_name, script, argv, profile, \
    policy_origin, policy_digest, irongate_version, pid, exit_code, signal, status, counters, \
    event_count, allow_count, review_count, block_count, unexplained_count, last_event_id, \
    last_hash";

/// A pid that no process has: a child that has been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn version_1_database_is_migrated_and_lost_runs_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let (a, b) = common::build_db(&home, 120);
    {
        let store = Store::open(&home).expect("open");
        store
            .end_run(
                b,
                &RunEnd {
                    ended_at: now(),
                    status: RunStatus::Exited,
                    exit_code: Some(0),
                    signal: None,
                },
            )
            .expect("end run");
    }
    // Turn the file into what version 1 wrote: run `a` still `running`, its
    // supervisor long gone.
    let raw = common::raw(&home);
    raw.execute_batch(&format!(
        "BEGIN;
         ALTER TABLE runs RENAME TO runs_new;
         {RUNS_V1}
         INSERT INTO runs ({V1_COLUMNS}) SELECT {V1_COLUMNS} FROM runs_new;
         DROP TABLE runs_new;
         UPDATE runs SET pid = {} WHERE id = {a};
         PRAGMA user_version = 1;
         COMMIT;",
        dead_pid()
    ))
    .expect("write a version-1 file");
    assert!(
        raw.execute(
            "UPDATE runs SET status = 'supervisor_lost' WHERE id = ?1",
            [a]
        )
        .is_err(),
        "version 1 refuses the new status"
    );
    drop(raw);

    // Read-only: verified as it is, not migrated.
    let out = common::irongate(&home, &["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
    let version: i64 = common::raw(&home)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 1);

    // `runs` opens it read-write: migrated, run `a` marked.
    let out = common::irongate(&home, &["runs", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let runs = out.json();
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], a);
    assert_eq!(runs[0]["status"], "supervisor_lost", "{runs:?}");
    assert_eq!(runs[1]["status"], "exited", "{runs:?}");
    let raw = common::raw(&home);
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, schema::SCHEMA_VERSION);
    let lost_events: i64 = raw
        .query_row(
            "SELECT count(*) FROM events WHERE run_id = ?1 AND layer = 'system'
             AND body LIKE '%supervisor_lost: %'",
            [a],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(lost_events, 1);
    drop(raw);

    // Every event is still there, the chain and the run counters agree.
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["checked"], 121, "{out:?}");
}

#[test]
fn version_2_database_is_read_as_it_is_then_gains_the_checkpoint_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    common::build_db(&home, 60);
    common::raw(&home)
        .execute_batch(
            "DROP TABLE log_meta; DROP TABLE checkpoints; DROP TABLE policies;
             PRAGMA user_version = 2;",
        )
        .expect("write a version-2 file");
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["checked"], 60, "{out:?}");
    // `runs` opens it read-write: migrated.
    assert_eq!(common::irongate(&home, &["runs"]).code, 0);
    let raw = common::raw(&home);
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, schema::SCHEMA_VERSION);
    let log_id: String = raw
        .query_row("SELECT value FROM log_meta WHERE key = 'log_id'", [], |r| {
            r.get(0)
        })
        .expect("log id");
    assert_eq!(log_id.len(), 32);
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
}
