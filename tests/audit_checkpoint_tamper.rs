//! Signed checkpoints on real databases made by real runs: each
//! tampering that a consistent rewrite of the database hides from the hash
//! chain alone is done for real, and `irongate verify` names it.

#[path = "data/replay/agents.rs"]
mod agents;

use std::path::Path;

use agents::{Workspace, raw, tampered, verifies};
use irongate::audit::chain::{from_hex, link, to_hex};
use irongate::audit::checkpoint::{self, Note, Signer};
use rusqlite::params;

/// A home with one finished run of the agent.
fn one_run() -> Workspace {
    let ws = Workspace::new();
    let (code, err) = ws.run(&ws.home(), &["agent.py"]);
    assert_eq!(code, 0, "{err}");
    ws
}

/// Recomputes every hash from event `from` on, and the chain head and the
/// runs' anchors, as someone with write access but without the key would.
fn rehash(home: &Path, from: i64) {
    let c = raw(home);
    let mut prev = if from == 1 {
        [0u8; 32]
    } else {
        let h: String = c
            .query_row("SELECT hash FROM events WHERE id = ?1", [from - 1], |r| {
                r.get(0)
            })
            .expect("prev");
        from_hex(&h).expect("hex")
    };
    let rows: Vec<(i64, String)> = c
        .prepare("SELECT id, body FROM events WHERE id >= ?1 ORDER BY id")
        .expect("prepare")
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (id, body) in rows {
        let h = link(&prev, body.as_bytes());
        c.execute(
            "UPDATE events SET prev_hash = ?2, hash = ?3 WHERE id = ?1",
            params![id, to_hex(&prev), to_hex(&h)],
        )
        .expect("update");
        prev = h;
    }
    c.execute_batch(
        "UPDATE chain_head SET last_hash = (SELECT hash FROM events ORDER BY id DESC LIMIT 1),
             last_id = (SELECT max(id) FROM events), count = (SELECT count(*) FROM events);
         UPDATE runs SET
             last_hash = (SELECT hash FROM events e WHERE e.run_id = runs.id ORDER BY id DESC LIMIT 1),
             last_event_id = (SELECT max(id) FROM events e WHERE e.run_id = runs.id),
             event_count = (SELECT count(*) FROM events e WHERE e.run_id = runs.id),
             allow_count = (SELECT count(*) FROM events e WHERE e.run_id = runs.id AND decision = 'allow'),
             review_count = (SELECT count(*) FROM events e WHERE e.run_id = runs.id AND decision = 'review'),
             block_count = (SELECT count(*) FROM events e WHERE e.run_id = runs.id AND decision = 'block'),
             unexplained_count = (SELECT count(*) FROM events e WHERE e.run_id = runs.id AND unexplained <> 0);",
    )
    .expect("anchors");
}

fn event_count(home: &Path) -> i64 {
    raw(home)
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_real_run_is_checkpointed_and_verifies() {
    let ws = one_run();
    let home = ws.home();
    let v = verifies(&home);
    let n = event_count(&home);
    assert!(n >= 5, "{v}");
    assert_eq!(v["checkpoints"]["latest"]["tree_size"], n, "{v}");
    assert_eq!(v["checkpoints"]["latest"]["run_id"], 1, "{v}");
    assert_eq!(v["checkpoints"]["file"], true, "{v}");
    // The key is private to the supervisor's user.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(home.join(checkpoint::KEY_FILE))
            .expect("key")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    // `key export` prints what `--pubkey` reads.
    let (code, key, _) = agents::irongate(&home, &["key", "export"]);
    assert_eq!(code, 0);
    let pubfile = ws.write("key.pub", &key);
    let (code, out, _) = agents::irongate(
        &home,
        &["verify", "--pubkey", pubfile.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn database_replaced_by_an_empty_file_is_not_ok() {
    // See: issue 9 (measured: `ok: no audit log yet (0 events)`, exit 0).
    let ws = one_run();
    let home = ws.home();
    let db = home.join("irongate.db");
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(home.join(format!("irongate.db{ext}")));
    }
    std::fs::write(&db, "").expect("empty");
    let (kind, id, detail) = tampered(&home, &[]);
    assert_eq!((kind.as_str(), id), ("replaced", 1), "{detail}");
    // And removed altogether.
    std::fs::remove_file(&db).expect("rm");
    assert_eq!(tampered(&home, &[]).0, "replaced");
    // Both the database and its checkpoint file: the key still tells.
    std::fs::remove_file(home.join(checkpoint::CHECKPOINT_FILE)).expect("rm");
    assert_eq!(tampered(&home, &[]).0, "replaced");
}

#[test]
fn database_replaced_by_an_older_copy_is_named() {
    let ws = one_run();
    let home = ws.home();
    let old = ws.path().join("old.db");
    raw(&home)
        .execute("VACUUM INTO ?1", [old.to_str().expect("utf-8")])
        .expect("copy");
    let (code, err) = ws.run(&home, &["agent.py"]);
    assert_eq!(code, 0, "{err}");
    verifies(&home);
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(home.join(format!("irongate.db{ext}")));
    }
    std::fs::copy(&old, home.join("irongate.db")).expect("restore");
    let (kind, _, detail) = tampered(&home, &[]);
    assert_eq!(kind, "rolled_back", "{detail}");
}

#[test]
fn database_replaced_by_another_log_is_named() {
    let ws = one_run();
    let other = Workspace::new();
    let (code, err) = other.run(&other.home(), &["agent.py"]);
    assert_eq!(code, 0, "{err}");
    let home = ws.home();
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(home.join(format!("irongate.db{ext}")));
    }
    raw(&other.home())
        .execute(
            "VACUUM INTO ?1",
            [home.join("irongate.db.new").to_str().expect("utf-8")],
        )
        .expect("copy");
    std::fs::rename(home.join("irongate.db.new"), home.join("irongate.db")).expect("swap");
    let (kind, id, detail) = tampered(&home, &[]);
    assert_eq!((kind.as_str(), id), ("replaced", 1), "{detail}");
}

#[test]
fn truncated_tail_with_consistent_head_and_counters_is_named() {
    let ws = one_run();
    let home = ws.home();
    let n = event_count(&home);
    raw(&home)
        .execute("DELETE FROM events WHERE id > ?1", [n - 2])
        .expect("delete");
    rehash(&home, n - 2);
    let (kind, id, detail) = tampered(&home, &[]);
    assert_eq!((kind.as_str(), id), ("truncated", n - 1), "{detail}");
}

#[test]
fn chain_rebuilt_with_recomputed_hashes_is_named() {
    let ws = one_run();
    let home = ws.home();
    let c = raw(&home);
    let body: String = c
        .query_row("SELECT body FROM events WHERE id = 2", [], |r| r.get(0))
        .expect("body");
    let mut v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["reason"] = "nothing to see".into();
    c.execute("UPDATE events SET body = ?1 WHERE id = 2", [v.to_string()])
        .expect("edit");
    drop(c);
    rehash(&home, 2);
    let (kind, id, detail) = tampered(&home, &[]);
    assert_eq!((kind.as_str(), id), ("rebuilt", 1), "{detail}");
}

/// Re-signs every checkpoint (database and file) over the rebuilt chain
/// with `signer`.
fn resign_all(home: &Path, signer: &Signer) {
    let c = raw(home);
    let head: String = c
        .query_row("SELECT last_hash FROM chain_head", [], |r| r.get(0))
        .expect("head");
    let rows: Vec<(i64, String)> = c
        .prepare("SELECT id, note FROM checkpoints")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut file = String::new();
    for (id, note) in rows {
        let mut cp = Note::parse(&note).expect("note").checkpoint;
        cp.head = from_hex(&head).expect("hex");
        let text = signer.sign(&cp);
        c.execute(
            "UPDATE checkpoints SET note = ?2, key_id = ?3, head_hash = ?4 WHERE id = ?1",
            params![id, text, signer.public().id(), head],
        )
        .expect("update");
        file.push_str(&text);
    }
    std::fs::write(home.join(checkpoint::CHECKPOINT_FILE), file).expect("file");
}

#[test]
fn checkpoints_re_signed_with_another_key_are_named() {
    let ws = one_run();
    let home = ws.home();
    let c = raw(&home);
    c.execute(
        "UPDATE events SET body = replace(body, 'Ordinary', 'Harmless') WHERE id = 1",
        [],
    )
    .expect("edit");
    drop(c);
    rehash(&home, 1);
    resign_all(&home, &Signer::from_seed([42; 32]));
    let (kind, _, detail) = tampered(&home, &[]);
    assert_eq!(kind, "foreign_key", "{detail}");
}

#[test]
fn replaced_key_is_caught_by_the_exported_key() {
    let ws = one_run();
    let home = ws.home();
    let (_, exported, _) = agents::irongate(&home, &["key", "export"]);
    let pubfile = ws.write("key.pub", &exported);
    // The whole home rewritten: chain, checkpoints, file, and a new key.
    rehash(&home, 1);
    let seed = [5u8; 32];
    std::fs::write(
        home.join(checkpoint::KEY_FILE),
        format!("irongate-ed25519-secret {}\n", hex::encode(seed)),
    )
    .expect("key");
    resign_all(&home, &Signer::from_seed(seed));
    verifies(&home);
    let (kind, _, detail) = tampered(&home, &["--pubkey", pubfile.to_str().expect("utf-8")]);
    assert_eq!(kind, "foreign_key", "{detail}");
}

#[test]
fn edited_checkpoint_is_named() {
    let ws = one_run();
    let home = ws.home();
    let c = raw(&home);
    c.execute(
        "UPDATE checkpoints SET note = replace(note, ' exited 0 ', ' exited 3 ')",
        [],
    )
    .expect("edit");
    drop(c);
    let (kind, _, detail) = tampered(&home, &[]);
    assert_eq!(kind, "bad_signature", "{detail}");
}

#[test]
fn deleted_checkpoint_file_and_key_are_named() {
    let ws = one_run();
    let home = ws.home();
    std::fs::remove_file(home.join(checkpoint::CHECKPOINT_FILE)).expect("rm");
    assert_eq!(tampered(&home, &[]).0, "checkpoints_missing");
    std::fs::remove_file(home.join(checkpoint::KEY_FILE)).expect("rm");
    assert_eq!(tampered(&home, &[]).0, "key_missing");
}

#[test]
fn every_n_events_a_checkpoint_is_written() {
    let ws = Workspace::new();
    ws.write("reader.py", &agents::reader(60));
    let home = ws.home();
    let (code, err) = ws.run(&home, &["--checkpoint-every", "25", "reader.py"]);
    assert_eq!(code, 0, "{err}");
    let c = raw(&home);
    let sizes: Vec<(i64, Option<i64>)> = c
        .prepare("SELECT tree_size, run_id FROM checkpoints ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let interval: Vec<i64> = sizes
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(s, _)| *s)
        .collect();
    assert!(interval.len() >= 2, "{sizes:?}");
    assert!(interval.windows(2).all(|w| w[1] - w[0] >= 25), "{sizes:?}");
    assert_eq!(sizes.last().map(|s| s.1), Some(Some(1)), "{sizes:?}");
    let text = std::fs::read_to_string(home.join(checkpoint::CHECKPOINT_FILE)).expect("file");
    assert_eq!(checkpoint::split_notes(&text).len(), sizes.len());
    verifies(&home);
}
