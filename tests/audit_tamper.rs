//! Tampering with the audit database by hand, then `irongate verify` (the
//! real binary): every kind of change is caught and the first bad event is
//! named (R-71).

#[path = "data/audit/common.rs"]
mod common;

use std::path::Path;

use irongate::audit::chain::{from_hex, link, to_hex};
use irongate::audit::{Store, TamperKind};
use rusqlite::params;
use serde_json::Value;

/// Events in the test database: two runs, alternating every 25 events.
const N: i64 = 300;

fn setup() -> (tempfile::TempDir, i64, i64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = common::build_db(dir.path(), N as usize);
    (dir, a, b)
}

fn sql(home: &Path, statements: &str) {
    common::raw(home)
        .execute_batch(statements)
        .unwrap_or_else(|e| panic!("{statements}: {e}"));
}

/// Runs `irongate verify` both ways and checks it names `id` as `kind`.
fn assert_tampered(home: &Path, id: i64, kind: &str) -> Value {
    let out = common::irongate(home, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], false, "{report}");
    let bad = &report["first_bad"];
    assert_eq!(
        (bad["id"].as_i64(), bad["kind"].as_str()),
        (Some(id), Some(kind)),
        "{report}"
    );
    assert!(bad["detail"].as_str().is_some_and(|d| !d.is_empty()));

    let text = common::irongate(home, &["verify"]);
    assert_eq!(text.code, 1, "{text:?}");
    assert!(
        text.stdout
            .starts_with(&format!("TAMPERED: event {id} ({kind}): ")),
        "{text:?}"
    );
    report
}

/// The stored body, prev_hash and hash of an event.
fn row(home: &Path, id: i64) -> (String, String, String) {
    common::raw(home)
        .query_row(
            "SELECT body, prev_hash, hash FROM events WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row")
}

/// A body as the writer would have made it, for event `id`, from the
/// content of event `like`.
fn forged_body(home: &Path, like: i64, id: i64) -> (Value, String) {
    let (body, _, _) = row(home, like);
    let mut v: Value = serde_json::from_str(&body).expect("body");
    v["id"] = id.into();
    v["reason"] = "forged".into();
    let text = v.to_string();
    (v, text)
}

fn insert_row(home: &Path, id: i64, v: &Value, body: &str, prev: &str, hash: &str) {
    common::raw(home)
        .execute(
            "INSERT INTO events (id, run_id, decision, layer, unexplained, review_of, body, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8)",
            params![
                id,
                v["run_id"].as_i64(),
                v["decision"].as_str(),
                v["layer"].as_str(),
                v["unexplained"].as_bool(),
                body,
                prev,
                hash
            ],
        )
        .expect("insert forged row");
}

fn chained(prev_hex: &str, body: &str) -> String {
    to_hex(&link(&from_hex(prev_hex).expect("hex"), body.as_bytes()))
}

#[test]
fn untouched_database_verifies() {
    let (dir, _, _) = setup();
    let out = common::irongate(dir.path(), &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = out.json();
    // The exact document shape.
    let keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["checked", "checkpoints", "first_bad", "ok"]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["checked"], N);
    assert_eq!(report["first_bad"], Value::Null);

    let text = common::irongate(dir.path(), &["verify"]);
    assert_eq!(text.code, 0);
    assert_eq!(
        text.stdout,
        format!(
            "ok: {N} events verified, the chain is intact\n\
             note: no signed checkpoint yet: nothing outside the database vouches for its end\n"
        )
    );
}

#[test]
fn edited_action_is_named() {
    let (dir, _, _) = setup();
    // Event 57 is i = 56, a file read of module_56.
    sql(
        dir.path(),
        "UPDATE events SET body = replace(body, 'module_56/', 'module_99/') WHERE id = 57",
    );
    let report = assert_tampered(dir.path(), 57, "edited");
    assert_eq!(report["checked"], 56);
}

#[test]
fn edited_decision_in_body_and_column_is_named() {
    let (dir, _, _) = setup();
    // Event 124 is i = 123: a block.
    sql(
        dir.path(),
        r#"UPDATE events SET body = replace(body, '"decision":"block"', '"decision":"allow"'),
                            decision = 'allow' WHERE id = 124"#,
    );
    assert_tampered(dir.path(), 124, "edited");
}

#[test]
fn edited_reason_is_named() {
    let (dir, _, _) = setup();
    sql(
        dir.path(),
        "UPDATE events SET body = replace(body, '\"reason 200\"', '\"nothing to see\"') WHERE id = 201",
    );
    assert_tampered(dir.path(), 201, "edited");
}

#[test]
fn edited_filter_columns_are_caught() {
    for (stmt, id, column) in [
        (
            "UPDATE events SET decision = 'allow' WHERE id = 124",
            124,
            "decision",
        ),
        (
            "UPDATE events SET unexplained = 0 WHERE id = 15",
            15,
            "unexplained",
        ),
        (
            "UPDATE events SET run_id = run_id + 1 WHERE id = 30",
            30,
            "run_id",
        ),
        ("UPDATE events SET layer = 'api' WHERE id = 31", 31, "layer"),
        (
            "UPDATE events SET review_of = 3 WHERE id = 32",
            32,
            "review_of",
        ),
    ] {
        let (dir, _, _) = setup();
        sql(dir.path(), stmt);
        let report = assert_tampered(dir.path(), id, "column_mismatch");
        let detail = report["first_bad"]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(column), "{stmt}: {detail}");
    }
}

#[test]
fn forged_row_inserted_in_the_middle_is_named() {
    let (dir, _, _) = setup();
    let home = dir.path();
    // Make room at 150, then insert a well-formed event that links onto 149:
    // only the shifted rows give it away.
    sql(
        home,
        "UPDATE events SET id = -id WHERE id >= 150; UPDATE events SET id = 1 - id WHERE id < 0;",
    );
    let (v, body) = forged_body(home, 149, 150);
    let (_, _, prev) = row(home, 149);
    let hash = chained(&prev, &body);
    insert_row(home, 150, &v, &body, &prev, &hash);
    assert_tampered(home, 150, "inserted");
}

#[test]
fn sloppy_forged_row_in_the_middle_is_named() {
    let (dir, _, _) = setup();
    let home = dir.path();
    sql(
        home,
        "UPDATE events SET id = -id WHERE id >= 150; UPDATE events SET id = 1 - id WHERE id < 0;",
    );
    let (v, body) = forged_body(home, 149, 150);
    insert_row(home, 150, &v, &body, &"0".repeat(64), &"1".repeat(64));
    assert_tampered(home, 150, "inserted");
}

#[test]
fn forged_rows_after_the_last_event_are_named() {
    for id in [N + 1, N + 50] {
        let (dir, _, _) = setup();
        let home = dir.path();
        let (v, body) = forged_body(home, N, id);
        let (_, _, prev) = row(home, N);
        let hash = chained(&prev, &body);
        insert_row(home, id, &v, &body, &prev, &hash);
        assert_tampered(home, id, "inserted");
    }
}

#[test]
fn deleted_row_is_named() {
    let (dir, _, _) = setup();
    sql(dir.path(), "DELETE FROM events WHERE id = 150");
    let report = assert_tampered(dir.path(), 150, "deleted");
    assert_eq!(report["checked"], 149);
}

#[test]
fn deleted_rows_with_renumbering_are_named() {
    let (dir, _, _) = setup();
    sql(
        dir.path(),
        "DELETE FROM events WHERE id IN (150, 151);
         UPDATE events SET id = -id WHERE id > 151; UPDATE events SET id = -id - 2 WHERE id < 0;",
    );
    assert_tampered(dir.path(), 150, "deleted");
}

#[test]
fn swapped_rows_are_named() {
    for (x, y) in [(60, 61), (60, 200)] {
        let (dir, _, _) = setup();
        sql(
            dir.path(),
            &format!(
                "UPDATE events SET id = -1 WHERE id = {x}; UPDATE events SET id = {x} WHERE id = {y};
                 UPDATE events SET id = {y} WHERE id = -1;"
            ),
        );
        assert_tampered(dir.path(), x, "reordered");
    }
}

#[test]
fn truncated_tail_is_caught() {
    let (dir, _, _) = setup();
    sql(dir.path(), "DELETE FROM events WHERE id > 290");
    let report = assert_tampered(dir.path(), 291, "truncated");
    assert_eq!(report["checked"], 290);
}

#[test]
fn truncated_tail_with_forged_head_is_caught_by_the_run_counters() {
    let (dir, _, _) = setup();
    let home = dir.path();
    let (_, _, hash) = row(home, 290);
    sql(
        home,
        &format!(
            "DELETE FROM events WHERE id > 290;
             UPDATE chain_head SET last_id = 290, count = 290, last_hash = '{hash}';"
        ),
    );
    assert_tampered(home, 291, "truncated");
}

#[test]
fn wiped_table_is_caught() {
    let (dir, _, _) = setup();
    sql(dir.path(), "DELETE FROM events");
    let report = assert_tampered(dir.path(), 1, "wiped");
    assert_eq!(report["checked"], 0);
}

#[test]
fn wiped_table_with_reset_head_is_caught_by_the_run_counters() {
    let (dir, _, _) = setup();
    sql(
        dir.path(),
        &format!(
            "DELETE FROM events;
             UPDATE chain_head SET last_id = 0, count = 0, last_hash = '{}';",
            "0".repeat(64)
        ),
    );
    assert_tampered(dir.path(), 1, "wiped");
}

#[test]
fn dropped_table_is_caught() {
    let (dir, _, _) = setup();
    sql(dir.path(), "DROP TABLE events");
    assert_tampered(dir.path(), 1, "wiped");
}

#[test]
fn rewritten_and_rehashed_row_is_named() {
    let (dir, _, _) = setup();
    let home = dir.path();
    let (body, prev, _) = row(home, 100);
    let body = body.replace("\"reason 99\"", "\"harmless\"");
    let hash = chained(&prev, &body);
    common::raw(home)
        .execute(
            "UPDATE events SET body = ?1, hash = ?2 WHERE id = 100",
            params![body, hash],
        )
        .expect("update");
    assert_tampered(home, 100, "edited");
}

#[test]
fn rebuilt_chain_tail_is_caught_by_the_anchors() {
    let (dir, _, _) = setup();
    let home = dir.path();
    let conn = common::raw(home);
    // Rewrite event 250 and rehash everything after it, chain head included.
    let (_, mut prev, _) = row(home, 250);
    for id in 250..=N {
        let (body, _, _) = row(home, id);
        let body = if id == 250 {
            body.replace("\"reason 249\"", "\"harmless\"")
        } else {
            body
        };
        let hash = chained(&prev, &body);
        conn.execute(
            "UPDATE events SET body = ?1, prev_hash = ?2, hash = ?3 WHERE id = ?4",
            params![body, prev, hash, id],
        )
        .expect("rehash");
        prev = hash;
    }
    conn.execute("UPDATE chain_head SET last_hash = ?1", [&prev])
        .expect("head");
    // The runs still hold the hashes of their last events. (Rewriting those
    // too is what the signed checkpoints of R-71 are for.)
    let out = common::irongate(home, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["first_bad"]["kind"], "edited");
}

#[test]
fn edited_head_is_caught() {
    for stmt in [
        "UPDATE chain_head SET last_hash = 'abababababababababababababababababababababababababababababababab'",
        "UPDATE chain_head SET count = count + 1",
    ] {
        let (dir, _, _) = setup();
        sql(dir.path(), stmt);
        assert_tampered(dir.path(), N, "head_mismatch");
    }
}

#[test]
fn deleted_head_row_is_caught() {
    let (dir, _, _) = setup();
    sql(dir.path(), "DELETE FROM chain_head");
    assert_tampered(dir.path(), N, "head_mismatch");
}

#[test]
fn verify_run_checks_only_that_run() {
    let (dir, a, b) = setup();
    // Event 80 (i = 79) belongs to run b (events 26..50, 76..100, …).
    sql(
        dir.path(),
        "UPDATE events SET body = replace(body, '\"reason 79\"', '\"x\"') WHERE id = 80",
    );
    let store = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    let ra = store.verify_run(a).expect("verify run a");
    assert!(ra.ok, "{ra:?}");
    assert_eq!(ra.checked, 150);
    let rb = store.verify_run(b).expect("verify run b");
    let bad = rb.first_bad.expect("tampered");
    assert_eq!((bad.id, bad.kind), (80, TamperKind::Edited));
}

#[test]
fn verify_run_names_a_deleted_event_of_the_run() {
    let (dir, a, _) = setup();
    // Event 10 of run a, between two events of run a.
    sql(dir.path(), "DELETE FROM events WHERE id = 10");
    let store = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    let bad = store
        .verify_run(a)
        .expect("verify run")
        .first_bad
        .expect("tampered");
    assert_eq!((bad.id, bad.kind), (10, TamperKind::Deleted));
}
