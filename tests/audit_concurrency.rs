//! Several supervisor processes appending to one database at once (R-70,
//! one valid chain, nothing lost, each writer's events in order.
//!
//! The writer processes are this test binary again: `child_writer` does
//! nothing in a normal run and appends when `IRONGATE_AUDIT_TEST_CHILD`
//! (`HOME|INDEX`) is set.

#[path = "data/audit/common.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use irongate::audit::{Decision, EventFilter, Layer, NewEvent, RunEnd, RunStatus, Store};
use serde_json::json;

const CHILDREN: usize = 8;
const PER_CHILD: usize = 5000;
const CHILD_ENV: &str = "IRONGATE_AUDIT_TEST_CHILD";

/// One writer process: opens (maybe creates) the store, begins a run and
/// appends `PER_CHILD` events, a durable one every 500.
#[test]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (home, index) = spec.rsplit_once('|').expect("HOME|INDEX");
    let index: usize = index.parse().expect("index");
    let store = Store::open(Path::new(home)).expect("open store");
    let run = store
        .begin_run(&common::run_info(&format!("child-{index}")))
        .expect("begin run");
    // Different intervals so the children's batches interleave unevenly.
    let writer = store
        .writer(Duration::from_millis(5 + 7 * index as u64))
        .expect("writer");
    for seq in 0..PER_CHILD {
        let action = json!({
            "type": "tool", "subtype": "invoke", "tool_name": "step",
            "child": index, "seq": seq,
            "padding": "x".repeat(150),
        });
        let ev = NewEvent::new(run, Layer::Api, action, Decision::Allow, "child event");
        if seq % 500 == 499 {
            writer.append_durable(ev).expect("durable append");
        } else {
            writer.append(ev).expect("append");
        }
    }
    writer.close().expect("close");
    // As a supervisor does: a run left `running` by a process that is gone
    // would be marked `supervisor_lost` (with one more event) by `runs`.
    store
        .end_run(
            run,
            &RunEnd {
                ended_at: irongate::audit::now(),
                status: RunStatus::Exited,
                exit_code: Some(0),
                signal: None,
            },
        )
        .expect("end run");
}

#[test]
fn concurrent_writer_processes_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Not created yet: the children race to create it.
    let home = dir.path().join("home");
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..CHILDREN)
        .map(|i| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(CHILD_ENV, format!("{}|{i}", home.display()))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait child");
        assert!(
            out.status.success(),
            "a writer process failed: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let total = CHILDREN * PER_CHILD;
    let out = common::irongate(&home, &["verify", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = out.json();
    assert_eq!(
        (&report["ok"], &report["checked"], &report["first_bad"]),
        (&json!(true), &json!(total), &json!(null)),
        "{report}"
    );
    // Every-1000 checkpoints written by the concurrent writers all verify.
    assert!(
        report["checkpoints"]["verified"].as_u64() >= Some(1),
        "{report}"
    );

    let out = common::irongate(&home, &["runs", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let runs = out.json();
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), CHILDREN);
    for r in runs {
        assert_eq!(r["counts"]["events"], PER_CHILD, "{r}");
    }

    // Every child's events, each once, in the order it sent them.
    let store = Store::open_readonly(&home).expect("open").expect("exists");
    let mut next = [0u64; CHILDREN];
    let (mut ids, mut switches, mut last) = (0, 0, usize::MAX);
    store
        .each_event(&EventFilter::default(), |ev| {
            ids += 1;
            assert_eq!(ev.id, ids);
            let child = ev.action["child"].as_u64().expect("child") as usize;
            assert_eq!(ev.action["seq"].as_u64(), Some(next[child]), "{ev:?}");
            next[child] += 1;
            switches += usize::from(child != last);
            last = child;
            std::ops::ControlFlow::Continue(())
        })
        .expect("events");
    assert_eq!(next, [PER_CHILD as u64; CHILDREN]);
    // The writers really did interleave their batches.
    assert!(
        switches > CHILDREN,
        "only {switches} switches between writers"
    );
}
