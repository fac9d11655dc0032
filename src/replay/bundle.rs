//! Incident bundles: `irongate replay RUN --export FILE` writes one run's
//! evidence as one JSON document that `irongate verify --bundle FILE`
//! checks on another machine with nothing else.
//!
//! # Format
//!
//! ```text
//! {"format": "irongate-incident-bundle", "version": 1,
//!  "run": <runs --json object>,
//!  "policy": {"origin", "digest", "text" | null},
//!  "public_key": "irongate-ed25519 <key id> <hex>",
//!  "checkpoints": [<signed note>, …],   // the run's end checkpoint and the every-N ones within it
//!  "events": [{"id", "body", "prev_hash", "hash"}, …]}   // the stored rows, body verbatim
//! ```
//!
//! What `verify --bundle` checks: every event's hash is `SHA-256(prev_hash
//! ‖ body)`, its body names its id and the run, consecutive events link;
//! the run's end checkpoint is signed by the key (the embedded one, or
//! `--pubkey`'s, which is the only way to know whose key it is) and seals
//! exactly these events (count, last id, digest of their hashes), the
//! run's status and exit, and the policy digest — which is the SHA-256 of
//! the policy text in the bundle. Failures use `verify`'s kinds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::audit::chain::{self, Digest};
use crate::audit::checkpoint::{self, Note, NoteFault, PublicKey};
use crate::audit::cmd::{finish_output, printable, with_hint};
use crate::audit::{RunRecord, Store, Tamper, TamperKind};
use crate::exit::Failure;

const FORMAT: &str = "irongate-incident-bundle";

/// `irongate replay RUN --export FILE`: the run's part of the log must
/// verify first (exit 2 otherwise: a bundle of tampered evidence is not
/// written).
pub fn export(store: &Store, run: &RunRecord, file: &Path) -> anyhow::Result<i32> {
    let v = super::verify_run(store, run.id, None).map_err(with_hint)?;
    if let Some(t) = &v.problem {
        eprintln!(
            "irongate: run {} fails verification: event {} ({}): {}\nhint: run `irongate verify`; no bundle was written",
            run.id,
            t.id,
            t.kind,
            printable(&t.detail)
        );
        return Ok(super::EXIT_UNVERIFIED);
    }
    let key = checkpoint::home_public_key(store.home()).map_err(with_hint)?;
    let policy = store.policy_text(&run.policy_digest).map_err(with_hint)?;
    let policy = match policy {
        Some((origin, text)) => {
            json!({"origin": origin, "digest": run.policy_digest, "text": text})
        }
        None => {
            let builtin = crate::policy::Policy::builtin();
            let text = (builtin.source_digest() == run.policy_digest)
                .then(|| builtin.source_text().to_owned());
            json!({"origin": run.policy_origin, "digest": run.policy_digest, "text": text})
        }
    };
    let notes = run_notes(store, run)?;
    let n_notes = notes.len();
    let f = File::create(file).with_context(|| format!("cannot create {}", file.display()))?;
    let mut out = BufWriter::new(f);
    let head = json!({
        "format": FORMAT,
        "version": 1,
        "run": run.to_json(),
        "policy": policy,
        "public_key": key.as_ref().map(|k| k.to_text().trim_end().to_owned()),
        "checkpoints": notes,
    });
    // The head object without its closing brace, then the events streamed.
    let head = serde_json::to_string(&head)?;
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"events\":[")?;
    let mut first = true;
    let mut n = 0u64;
    let mut err: Option<std::io::Error> = None;
    store
        .each_row_of_run(run.id, |id, body, prev, hash| {
            let row = json!({"id": id, "body": body, "prev_hash": prev, "hash": hash});
            let r = (|| {
                if !first {
                    out.write_all(b",\n")?;
                }
                serde_json::to_writer(&mut out, &row)?;
                Ok::<_, std::io::Error>(())
            })();
            first = false;
            n += 1;
            match r {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    err = Some(e);
                    ControlFlow::Break(())
                }
            }
        })
        .map_err(with_hint)?;
    if let Some(e) = err {
        return Err(e).with_context(|| format!("cannot write {}", file.display()));
    }
    out.write_all(b"]}\n")?;
    out.flush()
        .with_context(|| format!("cannot write {}", file.display()))?;
    eprintln!(
        "irongate: wrote {} ({n} events of run {}, {} checkpoints, key {})",
        file.display(),
        run.id,
        n_notes,
        key.as_ref().map_or("none", |k| k.id())
    );
    Ok(0)
}

/// The run's end checkpoint and the every-N checkpoints inside its range.
fn run_notes(store: &Store, run: &RunRecord) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    let (first, last) = store.run_range(run.id).map_err(with_hint)?;
    for (_, text) in store.checkpoint_notes().map_err(with_hint)? {
        let Ok(n) = Note::parse(&text) else { continue };
        let c = &n.checkpoint;
        let sealed = c.run.as_ref().is_some_and(|r| r.run_id == run.id);
        let inside = c.run.is_none() && c.tree_size >= first && c.tree_size <= last;
        if sealed || inside {
            notes.push(text);
        }
    }
    if !notes.iter().any(|t| {
        Note::parse(t)
            .ok()
            .and_then(|n| n.checkpoint.run)
            .is_some_and(|r| r.run_id == run.id)
    }) && let Some(n) = checkpoint::seal_of(store, run.id).map_err(with_hint)?
    {
        notes.push(format!("{}\n{}", n.body, sig_line(&n)));
    }
    Ok(notes)
}

fn sig_line(n: &Note) -> String {
    format!("\u{2014} irongate {} {}\n", n.key_id, hex::encode(n.sig))
}

#[derive(Deserialize)]
struct Bundle {
    format: String,
    version: i64,
    run: Value,
    policy: BundlePolicy,
    public_key: Option<String>,
    checkpoints: Vec<String>,
    events: Vec<BundleEvent>,
}

#[derive(Deserialize)]
struct BundlePolicy {
    digest: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct BundleEvent {
    id: i64,
    body: String,
    prev_hash: String,
    hash: String,
}

/// What a bundle verification found.
#[derive(Debug)]
pub struct BundleReport {
    /// The run.
    pub run_id: i64,
    /// Events checked before the first bad one.
    pub checked: u64,
    /// The key the checkpoints were checked against.
    pub key_id: Option<String>,
    /// Whether the run's end checkpoint seals the events.
    pub sealed: bool,
    /// The first problem.
    pub problem: Option<Tamper>,
}

fn bad(id: i64, kind: TamperKind, detail: String) -> Option<Tamper> {
    Some(Tamper { id, kind, detail })
}

/// Verifies a bundle's text.
pub fn verify_text(text: &str, pubkey: Option<&PublicKey>) -> Result<BundleReport, String> {
    let b: Bundle =
        serde_json::from_str(text).map_err(|e| format!("not an incident bundle: {e}"))?;
    if b.format != FORMAT || b.version != 1 {
        return Err(format!(
            "not an incident bundle of this irongate (format {:?}, version {})",
            b.format, b.version
        ));
    }
    let run_id = b.run["id"].as_i64().ok_or("the bundle's run has no id")?;
    let embedded = b.public_key.as_deref().map(PublicKey::parse).transpose()?;
    let key = pubkey.cloned().or(embedded);
    let mut r = BundleReport {
        run_id,
        checked: 0,
        key_id: key.as_ref().map(|k| k.id().to_owned()),
        sealed: false,
        problem: None,
    };
    // 1. The events, as the chain stores them.
    let mut hashes: Vec<Digest> = Vec::with_capacity(b.events.len());
    let mut prev: Option<(i64, String)> = None;
    for ev in &b.events {
        let problem = check_event(ev, run_id, prev.as_ref());
        if problem.is_some() {
            r.problem = problem;
            return Ok(r);
        }
        hashes.push(chain::from_hex(&ev.hash).unwrap_or(chain::GENESIS));
        prev = Some((ev.id, ev.hash.clone()));
        r.checked += 1;
    }
    // 2. The checkpoints.
    let Some(key) = key else {
        r.problem = bad(
            1,
            TamperKind::KeyMissing,
            "the bundle carries no public key and none was given (--pubkey FILE)".into(),
        );
        return Ok(r);
    };
    let mut seal = None;
    for (i, text) in b.checkpoints.iter().enumerate() {
        let note = match Note::parse(text) {
            Ok(n) => n,
            Err(what) => {
                r.problem = bad(
                    1,
                    TamperKind::BadSignature,
                    format!("checkpoint {} of the bundle does not parse: {what}", i + 1),
                );
                return Ok(r);
            }
        };
        let at = note.checkpoint.tree_size.max(1);
        match note.check(&key) {
            Err(NoteFault::ForeignKey) => {
                r.problem = bad(
                    at,
                    TamperKind::ForeignKey,
                    format!(
                        "checkpoint {} of the bundle is signed by key {}, not by key {}",
                        i + 1,
                        note.key_id,
                        key.id()
                    ),
                );
                return Ok(r);
            }
            Err(NoteFault::BadSignature) => {
                r.problem = bad(
                    at,
                    TamperKind::BadSignature,
                    format!(
                        "checkpoint {} of the bundle does not carry a valid signature of key {}: it was edited",
                        i + 1,
                        note.key_id
                    ),
                );
                return Ok(r);
            }
            Ok(()) => {}
        }
        // A checkpoint at one of the run's events fixes that event's hash.
        if let Some(ev) = b.events.iter().find(|e| e.id == note.checkpoint.tree_size)
            && ev.hash != chain::to_hex(&note.checkpoint.head)
        {
            r.problem = bad(
                ev.id,
                TamperKind::Rebuilt,
                format!(
                    "checkpoint {} records another hash for event {}: the events were rewritten and rehashed",
                    i + 1,
                    ev.id
                ),
            );
            return Ok(r);
        }
        if note
            .checkpoint
            .run
            .as_ref()
            .is_some_and(|s| s.run_id == run_id)
        {
            seal = note.checkpoint.run.clone();
        }
    }
    // 3. The run's seal.
    if let Some(s) = &seal {
        let n = i64::try_from(b.events.len()).unwrap_or(i64::MAX);
        let last = b.events.last().map_or(0, |e| e.id);
        let digest = checkpoint::fold_hashes(&hashes);
        if n != s.events || last != s.last_event_id || digest != s.digest {
            let kind = if n < s.events {
                TamperKind::Deleted
            } else if n > s.events {
                TamperKind::Inserted
            } else {
                TamperKind::Rebuilt
            };
            r.problem = bad(
                s.last_event_id.max(1),
                kind,
                format!(
                    "the bundle holds {n} events up to event {last}; the run's end checkpoint seals {} up to event {}{}",
                    s.events,
                    s.last_event_id,
                    if kind == TamperKind::Rebuilt {
                        " with other hashes: events were rewritten"
                    } else {
                        ""
                    }
                ),
            );
            return Ok(r);
        }
        let status = b.run["status"].as_str().unwrap_or("");
        let exit = match (b.run["exit_code"].as_i64(), b.run["signal"].as_i64()) {
            (_, Some(sig)) => format!("SIG{sig}"),
            (Some(c), None) => c.to_string(),
            (None, None) => "-".to_owned(),
        };
        if status != s.status || exit != s.exit {
            r.problem = bad(
                s.last_event_id.max(1),
                TamperKind::Edited,
                format!(
                    "the bundle's run says {status} {exit}, its end checkpoint {} {}: the run record was edited",
                    s.status, s.exit
                ),
            );
            return Ok(r);
        }
        let run_digest = b.run["policy_digest"].as_str().unwrap_or("");
        if run_digest != s.policy_digest || b.policy.digest != s.policy_digest {
            r.problem = bad(
                1,
                TamperKind::PolicyMismatch,
                format!(
                    "the run's end checkpoint seals policy {}, the bundle names {}",
                    s.policy_digest, b.policy.digest
                ),
            );
            return Ok(r);
        }
        r.sealed = true;
    }
    // 4. The policy text is the policy the run used.
    if let Some(text) = &b.policy.text {
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        if digest != b.policy.digest {
            r.problem = bad(
                1,
                TamperKind::PolicyMismatch,
                format!(
                    "the bundle's policy text hashes to {digest}, the run was decided by {}: the policy was edited",
                    b.policy.digest
                ),
            );
            return Ok(r);
        }
    }
    Ok(r)
}

fn check_event(ev: &BundleEvent, run_id: i64, prev: Option<&(i64, String)>) -> Option<Tamper> {
    let id = ev.id;
    let keys = match chain::body_keys(ev.body.as_bytes()) {
        Ok(k) => k,
        Err(e) => {
            return bad(
                id,
                TamperKind::Edited,
                format!("event {id}'s body is not a valid event: {e}"),
            );
        }
    };
    if keys.id != id {
        return bad(
            id,
            TamperKind::Reordered,
            format!("the bundle's event {id} holds event {}", keys.id),
        );
    }
    if keys.run_id != run_id {
        return bad(
            id,
            TamperKind::Inserted,
            format!(
                "event {id} belongs to run {}, not run {run_id}",
                keys.run_id
            ),
        );
    }
    if let Some((pid, phash)) = prev {
        if id <= *pid {
            return bad(
                id,
                TamperKind::Reordered,
                format!("event {id} comes after event {pid}"),
            );
        }
        if id == pid + 1 && &ev.prev_hash != phash {
            return bad(
                id,
                TamperKind::Edited,
                format!("event {id} does not link to event {pid}: one of them was rewritten"),
            );
        }
    }
    let Some(p) = chain::from_hex(&ev.prev_hash) else {
        return bad(
            id,
            TamperKind::Edited,
            format!("event {id}'s prev_hash is not 64 hex digits"),
        );
    };
    if chain::to_hex(&chain::link(&p, ev.body.as_bytes())) != ev.hash {
        return bad(
            id,
            TamperKind::Edited,
            format!("event {id}'s hash does not match its content"),
        );
    }
    None
}

/// `irongate verify --bundle FILE [--pubkey FILE] [--json]`: exit 0 intact,
/// 1 tampered, 125 not a bundle.
pub fn cmd_verify(file: &Path, key: Option<&PublicKey>, json: bool) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the bundle {}", file.display()))?;
    let r = verify_text(&text, key).map_err(|e| {
        Failure::setup(format!(
            "{}: {e}\nhint: pass a file written by `irongate replay RUN --export FILE`",
            file.display()
        ))
    })?;
    let ok = r.problem.is_none();
    let status = finish_output(|out| {
        if json {
            let doc = json!({
                "ok": ok,
                "checked": r.checked,
                "first_bad": r.problem.as_ref().map(|t| json!({"id": t.id, "kind": t.kind.as_str(), "detail": t.detail})),
                "bundle": {"run_id": r.run_id, "key_id": r.key_id, "sealed": r.sealed, "pubkey_given": key.is_some()},
            });
            serde_json::to_writer(&mut *out, &doc)?;
            return writeln!(out);
        }
        match &r.problem {
            Some(t) => writeln!(
                out,
                "TAMPERED: event {} ({}): {}\n{} events verified before it",
                t.id,
                t.kind,
                printable(&t.detail),
                r.checked
            ),
            None => {
                writeln!(
                    out,
                    "ok: bundle of run {}: {} events verified{}",
                    r.run_id,
                    r.checked,
                    if r.sealed {
                        ", sealed by the run's signed end checkpoint"
                    } else {
                        " (the run has no end checkpoint)"
                    }
                )?;
                let id = r.key_id.as_deref().unwrap_or("?");
                if key.is_some() {
                    writeln!(out, "signed by key {id}, the key given with --pubkey")
                } else {
                    writeln!(
                        out,
                        "signed by key {id}, the key in the bundle: compare it with `irongate key export` on the machine that ran the agent, or pass --pubkey FILE"
                    )
                }
            }
        }
    })?;
    if status != 0 {
        return Ok(status);
    }
    Ok(if ok {
        0
    } else {
        crate::audit::cmd::EXIT_TAMPERED
    })
}
