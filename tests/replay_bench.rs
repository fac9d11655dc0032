//! The replay benchmark (issue 9: replay of 100,000 events under 10 s on
//! this machine), run by `scripts/bench-replay`:
//! `cargo test --release --test replay_bench -- --ignored --nocapture`.
//!
//! Builds one run of `IRONGATE_BENCH_EVENTS` (default 100000) realistic
//! events with its signed end checkpoint (and the every-1000 ones), then
//! times the real binary: `replay` (timeline), `replay --policy builtin`
//! (re-evaluation of every action), `replay --export`, `verify` and
//! `verify --bundle`, output to /dev/null.

#[path = "data/audit/common.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use irongate::audit::Store;

const TARGET_SECS: f64 = 10.0;

#[test]
#[ignore = "benchmark: run by scripts/bench-replay"]
fn bench_replay() {
    let n: usize = std::env::var("IRONGATE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    let t = Instant::now();
    let run = {
        let store = Store::open(home).expect("open");
        let run = store.begin_run(&common::run_info("bench")).expect("run");
        let w = store
            .writer(std::time::Duration::from_millis(50))
            .expect("writer");
        for i in 0..n {
            w.append(common::event(run, i)).expect("append");
        }
        w.close().expect("close");
        store
            .end_run(
                run,
                &irongate::audit::RunEnd {
                    ended_at: irongate::audit::now(),
                    status: irongate::audit::RunStatus::Exited,
                    exit_code: Some(0),
                    signal: None,
                },
            )
            .expect("end");
        store.seal_run(run).expect("seal");
        run
    };
    println!(
        "built {n} events of run {run} in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let bundle = home.join("bundle.json");
    let run_s = run.to_string();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("replay (timeline)", vec!["replay", &run_s]),
        ("replay --json (timeline)", vec!["replay", &run_s, "--json"]),
        (
            "replay --policy builtin",
            vec!["replay", &run_s, "--policy", "builtin"],
        ),
        (
            "replay --policy builtin --json",
            vec!["replay", &run_s, "--policy", "builtin", "--json"],
        ),
        (
            "replay --export",
            vec![
                "replay",
                &run_s,
                "--export",
                bundle.to_str().expect("utf-8"),
            ],
        ),
        ("verify", vec!["verify"]),
        (
            "verify --bundle",
            vec!["verify", "--bundle", bundle.to_str().expect("utf-8")],
        ),
    ];
    for (name, args) in cases {
        let t = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_irongate"))
            .args(&args)
            .arg("--home")
            .arg(home)
            .env_remove("IRONGATE_HOME")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{name:<32} {secs:>6.2} s  {:>9.0} events/s  exit {}  (target < {TARGET_SECS} s for 100,000)",
            n as f64 / secs,
            status.code().unwrap_or(-1)
        );
    }
}
