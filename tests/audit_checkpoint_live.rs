//! `irongate verify` while a writer appends and checkpoints every 100
//! events: the checkpoints are read before the chain, so a checkpoint
//! written meanwhile is never taken for a truncated or rolled-back log.

#[path = "data/audit/common.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use irongate::audit::{Store, WriterConfig};

#[test]
fn verify_during_appends_never_reports_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().to_path_buf();
    let store = Store::open(&home).expect("open");
    let run = store.begin_run(&common::run_info("live")).expect("run");
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let done = Arc::clone(&done);
        let home = home.clone();
        std::thread::spawn(move || {
            let store = Store::open(&home).expect("open");
            let w = store
                .writer_with(WriterConfig {
                    flush_interval: std::time::Duration::from_millis(2),
                    checkpoint_every: 100,
                    ..WriterConfig::default()
                })
                .expect("writer");
            for i in 0..20_000 {
                w.append(common::event(run, i)).expect("append");
                if i % 500 == 499 {
                    w.flush().expect("flush");
                }
            }
            w.close().expect("close");
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut rounds = 0;
    while !done.load(Ordering::SeqCst) || rounds < 3 {
        let out = common::irongate(&home, &["verify", "--json"]);
        assert_eq!(out.code, 0, "round {rounds}: {out:?}");
        rounds += 1;
    }
    writer.join().expect("writer");
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.json()["checkpoints"]["verified"].as_u64() >= Some(10),
        "{out:?}"
    );
}
