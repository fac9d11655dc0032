//! The event writer (R-72) and the store's bookkeeping: nothing accepted is
//! lost on close or drop, durable appends return their id, a failed write
//! fails closed, review verdicts are appended, approvals are single-use.

#[path = "data/audit/common.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use irongate::audit::{
    ApprovalStatus, AuditError, Decision, EventFilter, Layer, NewApproval, NewEvent, ReviewVia,
    RunEnd, RunStatus, Store, Verdict, WriterConfig, chain, now,
};
use serde_json::json;

fn count(home: &std::path::Path) -> i64 {
    common::raw(home)
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("count")
}

fn assert_valid(store: &Store, events: u64) {
    let report = store.verify().expect("verify");
    assert!(report.ok, "{report:?}");
    assert_eq!(report.checked, events);
}

#[test]
fn close_commits_everything_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    // An interval far longer than the test: only close can commit these.
    let writer = store.writer(Duration::from_secs(3600)).expect("writer");
    for i in 0..5000 {
        writer.append(common::event(run, i)).expect("append");
    }
    writer.close().expect("close");
    assert_eq!(count(dir.path()), 5000);
    assert_valid(&store, 5000);
}

#[test]
fn drop_commits_everything_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    {
        let writer = store.writer(Duration::from_secs(3600)).expect("writer");
        for i in 0..100 {
            writer.append(common::event(run, i)).expect("append");
        }
    }
    assert_eq!(count(dir.path()), 100);
    assert_valid(&store, 100);
}

#[test]
fn durable_append_returns_the_committed_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_secs(3600)).expect("writer");
    assert_eq!(
        writer
            .append_durable(common::event(run, 0))
            .expect("append"),
        1
    );
    for i in 1..11 {
        writer.append(common::event(run, i)).expect("append");
    }
    // Queued events are committed first, in order.
    assert_eq!(
        writer
            .append_durable(common::event(run, 11))
            .expect("append"),
        12
    );
    // Committed, visible to another connection right away.
    let other = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    let ev = other.event(12).expect("read").expect("exists");
    assert_eq!(ev.action, common::action(run, 11));
    assert_eq!(ev.reason, "reason 11");
    writer.close().expect("close");
}

#[test]
fn flush_waits_for_the_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_secs(3600)).expect("writer");
    for i in 0..7 {
        writer.append(common::event(run, i)).expect("append");
    }
    writer.flush().expect("flush");
    assert_eq!(count(dir.path()), 7);
    writer.close().expect("close");
}

#[test]
fn the_flush_interval_bounds_the_delay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_millis(50)).expect("writer");
    let start = Instant::now();
    writer.append(common::event(run, 0)).expect("append");
    while count(dir.path()) == 0 {
        assert!(start.elapsed() < Duration::from_secs(2), "never committed");
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(40),
        "committed early: {took:?}"
    );
    writer.close().expect("close");
}

#[test]
fn many_threads_share_one_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = Arc::new(store.writer(Duration::from_millis(10)).expect("writer"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let writer = Arc::clone(&writer);
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let ev = common::event(run, t * 1000 + i);
                    if i % 100 == 0 {
                        writer.append_durable(ev).expect("append");
                    } else {
                        writer.append(ev).expect("append");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    Arc::try_unwrap(writer)
        .expect("sole owner")
        .close()
        .expect("close");
    assert_valid(&store, 4000);
    let runs = store.list_runs().expect("runs");
    assert_eq!(runs[0].counts.events, 4000);
}

#[test]
fn a_failed_write_fails_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_millis(10)).expect("writer");
    writer
        .append_durable(common::event(run, 0))
        .expect("append");
    // The disk refuses from now on (as a full or read-only file would).
    common::raw(dir.path())
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(FAIL, 'disk says no'); END",
        )
        .expect("trigger");
    let err = writer
        .append_durable(common::event(run, 1))
        .expect_err("must fail");
    assert!(matches!(err, AuditError::WriterFailed { .. }), "{err:?}");
    assert!(format!("{:#}", anyhow::Error::new(err)).contains("disk says no"));
    // Sticky: everything after is refused too, so the caller blocks.
    assert!(writer.append(common::event(run, 2)).is_err());
    assert!(writer.append_durable(common::event(run, 3)).is_err());
    assert!(writer.flush().is_err());
    assert!(writer.close().is_err());
    assert_eq!(count(dir.path()), 1);
}

#[test]
fn a_missing_chain_head_fails_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_millis(10)).expect("writer");
    writer
        .append_durable(common::event(run, 0))
        .expect("append");
    common::raw(dir.path())
        .execute_batch("DELETE FROM chain_head")
        .expect("delete head");
    let err = writer
        .append_durable(common::event(run, 1))
        .expect_err("must fail");
    let AuditError::WriterFailed { cause } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**cause, AuditError::HeadMissing { .. }),
        "{cause:?}"
    );
    assert!(writer.flush().is_err());
}

#[test]
fn a_locked_database_fails_closed_after_retries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store
        .writer_with(WriterConfig {
            busy_timeout: Duration::from_millis(50),
            ..WriterConfig::default()
        })
        .expect("writer");
    let locker = common::raw(dir.path());
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let start = Instant::now();
    let err = writer
        .append_durable(common::event(run, 0))
        .expect_err("must fail");
    assert!(start.elapsed() >= Duration::from_millis(250), "no retries");
    let AuditError::WriterFailed { cause } = &err else {
        panic!("{err:?}")
    };
    let AuditError::Sql { source, .. } = &**cause else {
        panic!("{cause:?}")
    };
    assert_eq!(
        source.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy)
    );
    locker.execute_batch("ROLLBACK").expect("unlock");
}

#[test]
fn a_lock_held_briefly_is_waited_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store
        .writer_with(WriterConfig {
            busy_timeout: Duration::from_millis(20),
            ..WriterConfig::default()
        })
        .expect("writer");
    let locker = common::raw(dir.path());
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let unlock = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(120));
        locker.execute_batch("ROLLBACK").expect("unlock");
    });
    assert_eq!(
        writer
            .append_durable(common::event(run, 0))
            .expect("append"),
        1
    );
    unlock.join().expect("thread");
    writer.close().expect("close");
}

#[test]
fn events_must_belong_to_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let writer = store.writer(Duration::from_millis(10)).expect("writer");
    let err = writer
        .append_durable(common::event(999, 0))
        .expect_err("no such run");
    let AuditError::WriterFailed { cause } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(**cause, AuditError::UnknownRun { run_id: 999, .. }),
        "{cause:?}"
    );
    assert_eq!(count(dir.path()), 0);
}

#[test]
fn invalid_events_are_refused_at_the_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let writer = store.writer(Duration::from_millis(10)).expect("writer");
    let not_object = NewEvent::new(run, Layer::Hook, json!("x"), Decision::Allow, "r");
    assert!(matches!(
        writer.append(not_object),
        Err(AuditError::InvalidEvent { .. })
    ));
    let mut nan = common::event(run, 0);
    nan.ts = f64::NAN;
    assert!(writer.append_durable(nan).is_err());
    let mut half_review = common::event(run, 0);
    half_review.layer = Layer::Review;
    assert!(writer.append(half_review).is_err());
    // The writer is still healthy.
    assert_eq!(
        writer
            .append_durable(common::event(run, 0))
            .expect("append"),
        1
    );
    writer.close().expect("close");
}

#[test]
fn reopening_continues_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    for round in 0..3 {
        let store = Store::open(dir.path()).expect("open");
        let run = store.begin_run(&common::run_info("a")).expect("run");
        let writer = store.writer(Duration::from_millis(10)).expect("writer");
        for i in 0..50 {
            writer.append(common::event(run, i)).expect("append");
        }
        let id = writer
            .append_durable(common::event(run, 50))
            .expect("append");
        assert_eq!(id, 51 * (round + 1));
        writer.close().expect("close");
    }
    let store = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    assert_valid(&store, 153);
    assert_eq!(store.list_runs().expect("runs").len(), 3);
}

#[test]
fn runs_bookkeeping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    assert_eq!(store.last_run_id().expect("last"), None);
    let run = store.begin_run(&common::run_info("agent")).expect("run");
    assert_eq!(store.last_run_id().expect("last"), Some(run));
    let r = store.run(run).expect("read").expect("exists");
    assert_eq!(r.status, RunStatus::Running);
    assert_eq!(r.agent_name, "agent");
    assert_eq!(r.irongate_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(r.ended_at, None);
    store
        .add_run_counter(run, "runtime_reads", 5)
        .expect("counter");
    store
        .add_run_counter(run, "weird \"name\"", 1)
        .expect("counter");
    store
        .end_run(
            run,
            &RunEnd {
                ended_at: 1_700_000_009.0,
                status: RunStatus::IrongateError,
                exit_code: Some(125),
                signal: None,
            },
        )
        .expect("end");
    let r = store.run(run).expect("read").expect("exists");
    assert_eq!(r.status, RunStatus::IrongateError);
    assert_eq!(r.exit_code, Some(125));
    assert_eq!(r.ended_at, Some(1_700_000_009.0));
    assert_eq!(
        serde_json::Value::Object(r.counters),
        json!({"runtime_reads": 5, "weird \"name\"": 1})
    );
    let missing = store.end_run(
        run + 1,
        &RunEnd {
            ended_at: 0.0,
            status: RunStatus::Exited,
            exit_code: Some(0),
            signal: None,
        },
    );
    assert!(matches!(missing, Err(AuditError::UnknownRun { .. })));
    assert!(matches!(
        store.add_run_counter(run + 1, "x", 1),
        Err(AuditError::UnknownRun { .. })
    ));
}

/// A held event with its pending approval; returns (event id, digest).
fn held(store: &Store, run: i64, i: usize, expires_in: f64) -> (i64, String) {
    let writer = store.writer(Duration::from_millis(10)).expect("writer");
    let mut ev = common::event(run, i);
    ev.decision = Decision::Review;
    let digest = chain::action_digest(&ev.action);
    let id = writer.append_durable(ev).expect("append");
    writer.close().expect("close");
    store
        .create_approval(&NewApproval {
            event_id: id,
            run_id: run,
            action_digest: digest.clone(),
            created_at: now(),
            expires_at: now() + expires_in,
        })
        .expect("approval");
    (id, digest)
}

#[test]
fn approvals_are_decided_once_and_used_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    let (id, digest) = held(&store, run, 7, 300.0);
    let pending = store.pending_approvals().expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].event_id, pending[0].status),
        (id, ApprovalStatus::Pending)
    );

    // Not approved yet: nothing to use.
    assert!(!store.consume_approval(id, &digest, now()).expect("consume"));
    let verdict = Verdict {
        at: now(),
        by: "bob".into(),
        reason: None,
        timeout: false,
        decision: Decision::Allow,
        via: ReviewVia::Dashboard,
    };
    let review_id = store.record_review_verdict(id, &verdict).expect("verdict");
    assert_eq!(review_id, id + 1);
    let a = store.approval_for_event(id).expect("read").expect("exists");
    assert_eq!(a.status, ApprovalStatus::Approved);
    assert_eq!(a.decided_by.as_deref(), Some("bob"));
    assert_eq!(a.decided_via, Some(ReviewVia::Dashboard));
    assert!(store.pending_approvals().expect("pending").is_empty());

    // Decided once.
    let again = store.record_review_verdict(id, &verdict);
    assert!(
        matches!(
            again,
            Err(AuditError::ApprovalNotPending {
                status: ApprovalStatus::Approved,
                ..
            })
        ),
        "{again:?}"
    );
    // Bound to the action, used once.
    assert!(
        !store
            .consume_approval(id, &"0".repeat(64), now())
            .expect("consume")
    );
    assert!(store.consume_approval(id, &digest, now()).expect("consume"));
    assert!(!store.consume_approval(id, &digest, now()).expect("consume"));
    assert_eq!(
        store
            .approval_for_event(id)
            .expect("read")
            .expect("exists")
            .status,
        ApprovalStatus::Used
    );

    let review = store.event(review_id).expect("read").expect("exists");
    assert_eq!(review.layer, Layer::Review);
    assert_eq!(review.review_of, Some(id));
    assert_eq!(review.reason, "approved by bob via dashboard");
    let held_ev = store.event(id).expect("read").expect("exists");
    assert_eq!(
        held_ev.review.as_ref().map(|v| v.decision),
        Some(Decision::Allow)
    );
    assert_valid(&store, 2);
}

#[test]
fn timeouts_and_expiry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");

    // Nobody decided: the supervisor records the timeout.
    let (id, _) = held(&store, run, 7, 300.0);
    let timeout = Verdict {
        at: now(),
        by: "irongate".into(),
        reason: None,
        timeout: true,
        decision: Decision::Block,
        via: ReviewVia::Supervisor,
    };
    store.record_review_verdict(id, &timeout).expect("timeout");
    assert_eq!(
        store
            .approval_for_event(id)
            .expect("read")
            .expect("exists")
            .status,
        ApprovalStatus::Timeout
    );
    let ev = store.event(id).expect("read").expect("exists");
    let v = ev.review.expect("verdict");
    assert!(v.timeout);
    assert_eq!(v.decision, Decision::Block);
    let review = store
        .events(&EventFilter {
            layer: Some(Layer::Review),
            ..EventFilter::default()
        })
        .expect("events");
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].reason, "review timed out");

    // Too late for a human.
    let (late, _) = held(&store, run, 17, -1.0);
    let approve = Verdict {
        at: now(),
        by: "carol".into(),
        reason: None,
        timeout: false,
        decision: Decision::Allow,
        via: ReviewVia::Cli,
    };
    assert!(matches!(
        store.record_review_verdict(late, &approve),
        Err(AuditError::ApprovalNotPending {
            status: ApprovalStatus::Expired,
            ..
        })
    ));
    // An approval used after it expired becomes expired.
    let (id, digest) = held(&store, run, 27, 300.0);
    store.record_review_verdict(id, &approve).expect("approve");
    assert!(
        !store
            .consume_approval(id, &digest, now() + 1000.0)
            .expect("consume")
    );
    assert_eq!(
        store
            .approval_for_event(id)
            .expect("read")
            .expect("exists")
            .status,
        ApprovalStatus::Expired
    );
    // No approval at all: event 2 is the timeout's review event.
    assert!(matches!(
        store.record_review_verdict(2, &approve),
        Err(AuditError::NoApproval { .. })
    ));
    // A verdict must be allow or block.
    let mut bad = approve.clone();
    bad.decision = Decision::Review;
    assert!(store.record_review_verdict(id, &bad).is_err());
    assert_valid(&store, 5);
}

#[test]
fn verification_during_appends_sees_a_consistent_snapshot() {
    const TOTAL: usize = 20_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    // A fresh database verifies with nothing in it.
    assert_valid(&store, 0);
    let writer = store.writer(Duration::from_millis(1)).expect("writer");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let appender = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            for i in 0..TOTAL {
                writer.append(common::event(run, i)).expect("append");
                if i % 64 == 0 {
                    writer.flush().expect("flush");
                }
            }
            writer.close().expect("close");
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        })
    };
    let reader = Store::open_readonly(dir.path())
        .expect("open")
        .expect("exists");
    let (mut seen, mut rounds) = (0, 0);
    while !done.load(std::sync::atomic::Ordering::SeqCst) && rounds < 10 {
        let report = reader.verify().expect("verify");
        assert!(report.ok, "{report:?}");
        assert!(report.checked >= seen);
        seen = report.checked;
        let out = common::irongate(dir.path(), &["verify", "--json"]);
        assert_eq!(out.code, 0, "{out:?}");
        rounds += 1;
    }
    appender.join().expect("appender");
    assert!(rounds > 0);
    assert_valid(&store, TOTAL as u64);
}

#[test]
fn a_writer_that_cannot_open_fails_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    let run = store.begin_run(&common::run_info("a")).expect("run");
    // The database file swapped for a directory: the writer's own
    // connection cannot open it.
    let db = dir.path().join("irongate.db");
    std::fs::remove_file(&db).expect("remove");
    std::fs::create_dir(&db).expect("dir");
    let writer = store
        .writer_opening(WriterConfig::default())
        .expect("the thread starts");
    assert!(writer.ready().is_err(), "opening reported as failed");
    // Asked again, and for every later append: still an error.
    assert!(writer.ready().is_err());
    assert!(writer.append(common::event(run, 0)).is_err());
    assert!(writer.flush().is_err());
}
