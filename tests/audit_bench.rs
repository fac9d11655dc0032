//! The audit log benchmark, run by `scripts/bench-audit`:
//! `cargo test --release --test audit_bench -- --ignored --nocapture`.
//!
//! Appends events with realistic ~300-byte actions through one
//! `EventWriter` (chain hashing, batching and commits included; building
//! each action is counted too), then verifies the whole chain, and reports
//! the median of several rounds next to the targets: ≥ 100,000 events/s
//! appended, ≥ 500,000 events/s verified.
//!
//! `IRONGATE_BENCH_EVENTS` (default 200000) and `IRONGATE_BENCH_ROUNDS`
//! (default 3) change the size.

#[path = "data/audit/common.rs"]
mod common;

use std::time::{Duration, Instant};

use irongate::audit::Store;

const APPEND_TARGET: f64 = 100_000.0;
const VERIFY_TARGET: f64 = 500_000.0;

/// Durable appends timed one by one per round.
const DURABLE: usize = 2000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
#[ignore = "benchmark: run by scripts/bench-audit"]
fn bench_audit() {
    let n = env_usize("IRONGATE_BENCH_EVENTS", 200_000);
    let rounds = env_usize("IRONGATE_BENCH_ROUNDS", 3).max(1);
    let (mut appends, mut verifies, mut clis) = (Vec::new(), Vec::new(), Vec::new());
    let mut durables = Vec::new();
    let mut body_bytes = 0.0;
    for round in 1..=rounds {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let run = store.begin_run(&common::run_info("bench")).expect("run");
        let writer = store.writer(Duration::from_millis(50)).expect("writer");
        let start = Instant::now();
        for i in 0..n {
            writer.append(common::event(run, i)).expect("append");
        }
        writer.close().expect("close");
        let append = n as f64 / start.elapsed().as_secs_f64();

        let start = Instant::now();
        let report = store.verify().expect("verify");
        let verify = n as f64 / start.elapsed().as_secs_f64();
        assert!(report.ok, "{report:?}");
        assert_eq!(report.checked, n as u64);

        // One durable append at a time: a commit each (`--durable`, reviews).
        let writer = store.writer(Duration::from_millis(50)).expect("writer");
        let mut lat: Vec<f64> = (0..DURABLE)
            .map(|i| {
                let start = Instant::now();
                writer
                    .append_durable(common::event(run, i))
                    .expect("durable");
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        writer.close().expect("close");
        lat.sort_by(f64::total_cmp);
        let durable = lat[lat.len() / 2];

        // The whole command, process start and all.
        let start = Instant::now();
        let out = common::irongate(dir.path(), &["verify", "--json"]);
        let cli = (n + DURABLE) as f64 / start.elapsed().as_secs_f64();
        assert_eq!(out.code, 0, "{out:?}");

        let conn = common::raw(dir.path());
        body_bytes = conn
            .query_row("SELECT avg(length(body)) FROM events", [], |r| r.get(0))
            .expect("avg body");
        println!(
            "round {round}: append {append:>10.0} ev/s   verify {verify:>10.0} ev/s   irongate verify {cli:>10.0} ev/s   durable append {durable:>6.0} µs"
        );
        durables.push(durable);
        appends.push(append);
        verifies.push(verify);
        clis.push(cli);
    }
    let (append, verify, cli) = (median(appends), median(verifies), median(clis));
    let verdict = |v: f64, target: f64| if v >= target { "ok" } else { "MISSED" };
    println!("events: {n} per round, {rounds} rounds, average body {body_bytes:.0} bytes");
    println!(
        "append (chain, one writer): {append:>10.0} events/s   target >= {APPEND_TARGET:.0}   {}  ({:.1}x)",
        verdict(append, APPEND_TARGET),
        append / APPEND_TARGET
    );
    println!(
        "verify (library):           {verify:>10.0} events/s   target >= {VERIFY_TARGET:.0}   {}  ({:.1}x)",
        verdict(verify, VERIFY_TARGET),
        verify / VERIFY_TARGET
    );
    println!("verify (irongate verify):   {cli:>10.0} events/s   (process start included)");
    println!(
        "durable append (one commit each): {:.0} µs median latency",
        median(durables)
    );
}

#[test]
#[ignore = "helper: builds a database at $IRONGATE_BENCH_HOME for profiling"]
fn bench_build_only() {
    let Ok(home) = std::env::var("IRONGATE_BENCH_HOME") else {
        return;
    };
    let n = env_usize("IRONGATE_BENCH_EVENTS", 200_000);
    let store = Store::open(std::path::Path::new(&home)).expect("open");
    let run = store.begin_run(&common::run_info("bench")).expect("run");
    let writer = store.writer(Duration::from_millis(50)).expect("writer");
    for i in 0..n {
        writer.append(common::event(run, i)).expect("append");
    }
    writer.close().expect("close");
}
