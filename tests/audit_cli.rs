//! `irongate runs|events|verify` (the real binary) on databases written
//! through the library: output shapes, filters, exit statuses, a
//! missing or corrupt database, a closed stdout.

#[path = "data/audit/common.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use irongate::audit::{
    Decision, EventFilter, NewApproval, ReviewVia, RunEnd, RunStatus, Store, Verdict, chain, now,
};
use serde_json::Value;

const N: usize = 300;

/// The run that event `i` of `common::build_db` went to: 0 for the first.
fn run_of(i: usize) -> usize {
    (i / 25) % 2
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn missing_database_is_an_empty_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("never-created");
    let out = common::irongate(&home, &["runs"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let out = common::irongate(&home, &["runs", "--json"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "[]\n"), "{out:?}");
    for args in [
        &["events"][..],
        &["events", "--json"],
        &["events", "--run", "last"],
    ] {
        let out = common::irongate(&home, args);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, ""),
            "{args:?}: {out:?}"
        );
    }
    let out = common::irongate(&home, &["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "ok: no audit log yet (0 events)\n");
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.json(),
        serde_json::json!({"ok": true, "checked": 0, "first_bad": null,
            "checkpoints": {"verified": 0, "key_id": null, "file": false, "latest": null}})
    );
    // Reading never creates anything.
    assert!(!home.exists());
}

#[test]
fn corrupt_database_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("irongate.db");
    std::fs::write(&db, "this is not an SQLite database\n".repeat(200)).expect("write");
    for args in [
        &["verify"][..],
        &["verify", "--json"],
        &["runs"],
        &["events", "--json"],
    ] {
        let out = common::irongate(dir.path(), args);
        assert_eq!(out.code, 125, "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(
            out.stderr.contains(&db.display().to_string())
                && out.stderr.contains("not a database")
                && out.stderr.contains("hint: "),
            "{out:?}"
        );
    }
    // The library refuses to write into it too.
    let err = Store::open(dir.path()).expect_err("corrupt file");
    assert!(format!("{err:#}").contains("irongate.db"), "{err:#}");
}

#[test]
fn foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = common::raw(dir.path());
    conn.execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
        .expect("create");
    drop(conn);
    let out = common::irongate(dir.path(), &["verify"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr.contains("not an irongate audit database"),
        "{out:?}"
    );
    assert!(Store::open(dir.path()).is_err());
    // Untouched.
    let n: i64 = common::raw(dir.path())
        .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
}

#[test]
fn empty_database_file_is_an_empty_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("irongate.db"), "").expect("write");
    let out = common::irongate(dir.path(), &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["checked"], 0);
}

#[test]
fn runs_json_shape_and_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = common::build_db(dir.path(), N);
    let store = Store::open(dir.path()).expect("open");
    store
        .end_run(
            a,
            &RunEnd {
                ended_at: 1_700_000_100.0,
                status: RunStatus::Exited,
                exit_code: Some(0),
                signal: None,
            },
        )
        .expect("end a");
    store
        .end_run(
            b,
            &RunEnd {
                ended_at: 1_700_000_200.0,
                status: RunStatus::Killed,
                exit_code: None,
                signal: Some(9),
            },
        )
        .expect("end b");
    store
        .add_run_counter(a, "runtime_reads", 40)
        .expect("counter");
    store
        .add_run_counter(a, "runtime_reads", 2)
        .expect("counter");

    let out = common::irongate(dir.path(), &["runs", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let runs = out.json();
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 2);
    for (r, id) in runs.iter().zip([a, b]) {
        assert_eq!(
            keys(r),
            [
                "agent_name",
                "argv",
                "counters",
                "counts",
                "ended_at",
                "exit_code",
                "id",
                "irongate_version",
                "pid",
                "policy_digest",
                "policy_origin",
                "profile",
                "script",
                "signal",
                "started_at",
                "status"
            ]
        );
        assert_eq!(r["id"], id);
        let which = usize::from(id == b);
        let mine: Vec<usize> = (0..N).filter(|i| run_of(*i) == which).collect();
        let count = |d: Decision| {
            mine.iter()
                .filter(|i| common::event(0, **i).decision == d)
                .count()
        };
        let unexplained = mine
            .iter()
            .filter(|i| common::event(0, **i).unexplained)
            .count();
        assert_eq!(
            r["counts"],
            serde_json::json!({
                "events": mine.len(),
                "allow": count(Decision::Allow),
                "review": count(Decision::Review),
                "block": count(Decision::Block),
                "unexplained": unexplained,
            })
        );
    }
    assert_eq!(runs[0]["agent_name"], "alpha");
    assert_eq!(runs[0]["status"], "exited");
    assert_eq!(runs[0]["exit_code"], 0);
    assert_eq!(
        runs[0]["counters"],
        serde_json::json!({"runtime_reads": 42})
    );
    assert_eq!(runs[0]["argv"], serde_json::json!(["--task", "summarise"]));
    assert_eq!(runs[1]["status"], "killed");
    assert_eq!(runs[1]["signal"], 9);
    assert_eq!(runs[1]["exit_code"], Value::Null);

    let table = common::irongate(dir.path(), &["runs"]);
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", table.stdout);
    assert!(lines[0].contains("AGENT") && lines[0].contains("UNEXPL"));
    assert!(lines[1].contains("alpha") && lines[1].contains("exited"));
    assert!(lines[2].contains("beta") && lines[2].contains("SIGKILL"));
}

#[test]
fn events_json_lines_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::build_db(dir.path(), N);
    let out = common::irongate(dir.path(), &["events", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let events = out.json_lines();
    assert_eq!(events.len(), N);
    for (i, ev) in events.iter().enumerate() {
        assert_eq!(
            keys(ev),
            [
                "action",
                "decision",
                "frame",
                "id",
                "layer",
                "pid",
                "reason",
                "review",
                "review_of",
                "rule",
                "run_id",
                "tid",
                "ts",
                "unexplained"
            ]
        );
        assert_eq!(ev["id"], i + 1);
        let want = common::event(ev["run_id"].as_i64().expect("run id"), i);
        assert_eq!(ev["action"], want.action);
        assert_eq!(ev["decision"], want.decision.as_str());
        assert_eq!(ev["layer"], want.layer.as_str());
        assert_eq!(ev["reason"], want.reason);
        assert_eq!(ev["unexplained"], want.unexplained);
        assert_eq!(ev["ts"], want.ts);
        assert_eq!(ev["tid"], want.tid);
        assert_eq!(ev["frame"].as_str(), want.frame.as_deref());
        match &want.rule {
            Some(rule) => assert_eq!(
                ev["rule"],
                serde_json::json!({"index": rule.index, "name": rule.name})
            ),
            None => assert_eq!(ev["rule"], Value::Null),
        }
        assert_eq!(ev["review"], Value::Null);
    }
}

#[test]
fn events_filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = common::build_db(dir.path(), N);
    let ids = |args: &[&str]| -> Vec<i64> {
        let mut all = vec!["events", "--json"];
        all.extend_from_slice(args);
        let out = common::irongate(dir.path(), &all);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        out.json_lines()
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect()
    };
    let expect = |f: &dyn Fn(usize) -> bool| -> Vec<i64> {
        (0..N).filter(|i| f(*i)).map(|i| i as i64 + 1).collect()
    };
    assert_eq!(ids(&["--run", "last"]), expect(&|i| run_of(i) == 1));
    assert_eq!(ids(&["--run", &b.to_string()]), expect(&|i| run_of(i) == 1));
    assert_eq!(
        ids(&["--run", &a.to_string(), "--decision", "block"]),
        expect(&|i| run_of(i) == 0 && common::event(0, i).decision == Decision::Block)
    );
    assert_eq!(
        ids(&["--decision", "review"]),
        expect(&|i| common::event(0, i).decision == Decision::Review)
    );
    assert_eq!(
        ids(&["--decision", "allow"]),
        expect(&|i| common::event(0, i).decision == Decision::Allow)
    );
    assert_eq!(
        ids(&["--unexplained"]),
        expect(&|i| common::event(0, i).unexplained)
    );
    assert_eq!(ids(&["--run", "999"]), Vec::<i64>::new());

    // The text view: one line per event.
    let out = common::irongate(dir.path(), &["events", "--run", &a.to_string()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), N / 2);
    assert!(
        out.stdout
            .lines()
            .next()
            .is_some_and(|l| l.contains("file/read /home/agent"))
    );

    for bad in [
        &["--decision", "maybe"][..],
        &["--run", "x"],
        &["--run=-3"],
        &["--run", "0"],
    ] {
        let mut all = vec!["events"];
        all.extend_from_slice(bad);
        let out = common::irongate(dir.path(), &all);
        assert_eq!(out.code, 125, "{bad:?}: {out:?}");
        assert!(out.stderr.contains("invalid --"), "{out:?}");
    }
}

#[test]
fn reviewed_events_show_their_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("reviewed")).expect("run");
    let writer = store.writer(Duration::from_millis(50)).expect("writer");
    // Event 7 of the generator is a review.
    let held = common::event(run, 7);
    let digest = chain::action_digest(&held.action);
    let held_id = writer.append_durable(held).expect("append");
    writer.close().expect("close");
    store
        .create_approval(&NewApproval {
            event_id: held_id,
            run_id: run,
            action_digest: digest,
            created_at: now(),
            expires_at: now() + 300.0,
        })
        .expect("approval");
    let verdict = Verdict {
        at: 1_700_000_050.25,
        by: "alice".into(),
        reason: Some("looks fine".into()),
        timeout: false,
        decision: Decision::Allow,
        via: ReviewVia::Cli,
    };
    let review_id = store
        .record_review_verdict(held_id, &verdict)
        .expect("verdict");

    let out = common::irongate(dir.path(), &["events", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let events = out.json_lines();
    assert_eq!(events.len(), 2);
    let want_review = serde_json::json!({
        "verdict": "allow", "by": "alice", "via": "cli", "at": 1_700_000_050.25,
        "reason": "looks fine", "timeout": false,
    });
    assert_eq!(events[0]["id"], held_id);
    assert_eq!(events[0]["decision"], "review");
    assert_eq!(events[0]["review"], want_review);
    assert_eq!(events[1]["id"], review_id);
    assert_eq!(events[1]["layer"], "review");
    assert_eq!(events[1]["decision"], "allow");
    assert_eq!(events[1]["review_of"], held_id);
    assert_eq!(events[1]["action"], events[0]["action"]);
    assert_eq!(events[1]["review"], want_review);

    let text = common::irongate(dir.path(), &["events", "--decision", "review"]);
    assert!(text.stdout.contains("→ allow by alice via cli"), "{text:?}");
    let out = common::irongate(dir.path(), &["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Far more output than a pipe buffer holds.
    common::build_db(dir.path(), 3000);
    for json in [false, true] {
        let mut cmd = Command::new(common::bin());
        cmd.arg("events").arg("--home").arg(dir.path());
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read");
        // The reader is dropped here: the next writes hit EPIPE.
        let out = child.wait_with_output().expect("wait");
        assert!(first.contains('1'), "{first}");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
    }
}

#[test]
fn home_comes_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::build_db(dir.path(), 10);
    let out = Command::new(common::bin())
        .args(["verify", "--json"])
        .env("IRONGATE_HOME", dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["checked"], 10);
}

#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    let store = Store::open(&home).expect("open");
    let run = store.begin_run(&common::run_info("x")).expect("run");
    let writer = store.writer(Duration::from_millis(5)).expect("writer");
    writer
        .append_durable(common::event(run, 0))
        .expect("append");
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&home), 0o700);
    for f in ["irongate.db", "irongate.db-wal", "irongate.db-shm"] {
        assert_eq!(mode(&home.join(f)), 0o600, "{f}");
    }
    writer.close().expect("close");
}

#[test]
fn library_queries_agree_with_the_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, _) = common::build_db(dir.path(), 60);
    let store = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    let evs = store
        .events(&EventFilter {
            run_id: Some(a),
            ..EventFilter::default()
        })
        .expect("events");
    let out = common::irongate(dir.path(), &["events", "--json", "--run", &a.to_string()]);
    let lines = out.json_lines();
    assert_eq!(evs.len(), lines.len());
    for (e, l) in evs.iter().zip(&lines) {
        assert_eq!(&e.to_json(), l);
    }
    let one = store.event(5).expect("event").expect("exists");
    assert_eq!(one.id, 5);
    assert!(store.event(10_000).expect("event").is_none());
    assert_eq!(store.last_run_id().expect("last"), Some(a + 1));
    let limited = store
        .events(&EventFilter {
            after_id: Some(10),
            limit: Some(3),
            ..EventFilter::default()
        })
        .expect("events");
    assert_eq!(
        limited.iter().map(|e| e.id).collect::<Vec<_>>(),
        [11, 12, 13]
    );
}

#[test]
fn events_on_a_mangled_row_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::build_db(dir.path(), 20);
    common::raw(dir.path())
        .execute_batch("UPDATE events SET body = 'not json' WHERE id = 7")
        .expect("mangle");
    let out = common::irongate(dir.path(), &["events"]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(
        out.stderr.contains("events row 7 is malformed") && out.stderr.contains("irongate verify"),
        "{out:?}"
    );
    let out = common::irongate(dir.path(), &["verify", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["first_bad"]["id"], 7);
}
