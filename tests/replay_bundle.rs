//! Incident bundles (issue 9): `irongate replay RUN --export FILE` from a
//! real run, `irongate verify --bundle FILE` with nothing else (no home),
//! and every edit of the bundle after export detected and named.

#[path = "data/replay/agents.rs"]
mod agents;

use std::path::Path;
use std::process::{Command, Stdio};

use agents::Workspace;
use irongate::audit::chain::{from_hex, link, to_hex};
use irongate::audit::checkpoint::{Note, Signer, fold_hashes};
use serde_json::Value;

/// A finished run and its bundle.
fn exported() -> (Workspace, Value) {
    let ws = Workspace::new();
    let (code, err) = ws.run(&ws.home(), &["agent.py"]);
    assert_eq!(code, 0, "{err}");
    let file = ws.path().join("bundle.json");
    let (code, out, err) = agents::irongate(
        &ws.home(),
        &["replay", "last", "--export", file.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    (ws, v)
}

/// `irongate verify --bundle FILE --json [extra]` on a "machine" with no
/// state directory at all: (status, report).
fn verify_bundle(dir: &Path, bundle: &Value, extra: &[&str]) -> (i32, Value) {
    let file = dir.join("check.json");
    std::fs::write(&file, bundle.to_string()).expect("write");
    let empty = dir.join("elsewhere");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["verify", "--json", "--bundle"])
        .arg(&file)
        .args(extra)
        .env_clear()
        .env("HOME", &empty)
        .current_dir(&empty)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{text}: {e} {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        !empty.join(".irongate").exists(),
        "verifying a bundle creates nothing"
    );
    (out.status.code().unwrap_or(-1), v)
}

fn kind(dir: &Path, bundle: &Value, extra: &[&str]) -> String {
    let (code, v) = verify_bundle(dir, bundle, extra);
    assert_eq!(code, 1, "{v}");
    v["first_bad"]["kind"].as_str().expect("kind").to_owned()
}

/// Rehashes the bundle's events (and links) from index `from` on, as an
/// editor without the key would.
fn rehash(b: &mut Value, from: usize) {
    let events = b["events"].as_array_mut().expect("events");
    let mut prev = from_hex(events[from]["prev_hash"].as_str().expect("prev")).expect("hex");
    for ev in events.iter_mut().skip(from) {
        ev["prev_hash"] = to_hex(&prev).into();
        let h = link(&prev, ev["body"].as_str().expect("body").as_bytes());
        ev["hash"] = to_hex(&h).into();
        prev = h;
    }
}

#[test]
fn bundle_verifies_with_nothing_else() {
    let (ws, b) = exported();
    assert_eq!(b["format"], "irongate-incident-bundle");
    assert!(
        b["policy"]["text"].is_string(),
        "the policy used travels with it"
    );
    assert!(b["events"].as_array().is_some_and(|e| e.len() >= 5));
    let (code, v) = verify_bundle(ws.path(), &b, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["bundle"]["sealed"], true, "{v}");
    // Pinned to the key exported from the source machine.
    let (_, key, _) = agents::irongate(&ws.home(), &["key", "export"]);
    let pubfile = ws.write("key.pub", &key);
    let (code, v) = verify_bundle(
        ws.path(),
        &b,
        &["--pubkey", pubfile.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0, "{v}");
}

#[test]
fn edited_event_is_named() {
    let (ws, mut b) = exported();
    let body = b["events"][1]["body"]
        .as_str()
        .expect("body")
        .replace("allow", "block");
    b["events"][1]["body"] = body.into();
    assert_eq!(kind(ws.path(), &b, &[]), "edited");
}

#[test]
fn edited_and_rehashed_events_are_named() {
    let (ws, mut b) = exported();
    let body = b["events"][1]["body"]
        .as_str()
        .expect("body")
        .replace("Directory", "Nothing");
    b["events"][1]["body"] = body.into();
    rehash(&mut b, 1);
    assert_eq!(kind(ws.path(), &b, &[]), "rebuilt");
}

#[test]
fn removed_event_is_named() {
    let (ws, mut b) = exported();
    let events = b["events"].as_array_mut().expect("events");
    events.remove(events.len() - 1);
    assert_eq!(kind(ws.path(), &b, &[]), "deleted");
}

#[test]
fn edited_policy_is_named() {
    let (ws, mut b) = exported();
    let text = b["policy"]["text"]
        .as_str()
        .expect("text")
        .replace("review", "allow");
    b["policy"]["text"] = text.into();
    assert_eq!(kind(ws.path(), &b, &[]), "policy_mismatch");
}

#[test]
fn edited_run_record_is_named() {
    let (ws, mut b) = exported();
    b["run"]["exit_code"] = 3.into();
    assert_eq!(kind(ws.path(), &b, &[]), "edited");
}

#[test]
fn edited_checkpoint_is_named() {
    let (ws, mut b) = exported();
    let note = b["checkpoints"][0]
        .as_str()
        .expect("note")
        .replace(" exited 0 ", " exited 1 ");
    b["checkpoints"][0] = note.into();
    assert_eq!(kind(ws.path(), &b, &[]), "bad_signature");
}

#[test]
fn bundle_re_signed_with_another_key_passes_only_without_the_real_key() {
    let (ws, mut b) = exported();
    let (_, key, _) = agents::irongate(&ws.home(), &["key", "export"]);
    let pubfile = ws.write("key.pub", &key);
    // A consistent forgery: an event edited, everything rehashed, the seal
    // recomputed and signed with the forger's key, which replaces the
    // bundle's.
    let body = b["events"][0]["body"]
        .as_str()
        .expect("body")
        .replace("Directory", "Nothing");
    b["events"][0]["body"] = body.into();
    rehash(&mut b, 0);
    let hashes: Vec<[u8; 32]> = b["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| from_hex(e["hash"].as_str().expect("hash")).expect("hex"))
        .collect();
    let forger = Signer::from_seed([13; 32]);
    let notes: Vec<Value> = b["checkpoints"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| {
            let mut cp = Note::parse(n.as_str().expect("note"))
                .expect("parse")
                .checkpoint;
            if let Some(seal) = cp.run.as_mut() {
                seal.digest = fold_hashes(&hashes);
            }
            if let Some(last) = b["events"].as_array().and_then(|e| e.last())
                && last["id"].as_i64() == Some(cp.tree_size)
            {
                cp.head = from_hex(last["hash"].as_str().expect("hash")).expect("hex");
            }
            Value::from(forger.sign(&cp))
        })
        .collect();
    b["checkpoints"] = notes.into();
    b["public_key"] = forger.public().to_text().trim_end().into();
    let (code, v) = verify_bundle(ws.path(), &b, &[]);
    assert_eq!(code, 0, "self-consistent under its own key: {v}");
    assert_eq!(v["bundle"]["key_id"], forger.public().id());
    assert_eq!(
        kind(
            ws.path(),
            &b,
            &["--pubkey", pubfile.to_str().expect("utf-8")]
        ),
        "foreign_key"
    );
}

#[test]
fn not_a_bundle_is_an_irongate_error() {
    let ws = Workspace::new();
    let file = ws.write("x.json", "{\"hello\": 1}");
    let (code, _, err) = agents::irongate(
        &ws.home(),
        &["verify", "--bundle", file.to_str().expect("utf-8")],
    );
    assert_eq!(code, 125, "{err}");
    assert!(err.contains("not an incident bundle"), "{err}");
}
