//! Signed checkpoints (R-71): what anchors the hash chain outside the
//! reach of whoever can rewrite the database.
//!
//! A checkpoint says "the log `<log id>` held `<tree size>` events, the last
//! one hashing to `<head>`, at `<time>`", in the spirit of a transparency-log
//! checkpoint (C2SP `tlog-checkpoint`), signed with an Ed25519 key that only
//! the supervisor holds (`$IRONGATE_HOME/checkpoint.key`, mode 0600, created
//! on the first checkpoint). The head is the chain hash of the last event
//! (the chain is a hash chain, not a Merkle tree, so there are no inclusion
//! proofs: verifying means re-reading the chain up to the checkpoint).
//!
//! Checkpoints are written at the end of every run (then they also seal the
//! run: its status, event count, last event, the digest of its event hashes
//! and its policy digest) and every N events (default [`DEFAULT_EVERY`]),
//! into the `checkpoints` table *and* appended to
//! `$IRONGATE_HOME/irongate.db.checkpoints`. The file is what catches a
//! database that was replaced wholesale, rolled back or emptied: the newest
//! checkpoint in the file no longer matches it.
//!
//! # The signed note
//!
//! ```text
//! irongate-log <log id>
//! <tree size>
//! <head hash, hex>
//! time <unix seconds, 6 decimals>
//! run <id> <status> <exit> <events> <last event id> <run digest, hex> <policy digest>
//!
//! — irongate <key id> <signature, hex>
//! ```
//!
//! The `run` line is present only in a run's end checkpoint. The signature
//! is Ed25519 over every line before the blank one (newlines included). The
//! run digest is SHA-256 over the raw 32-byte hashes of the run's events in
//! chain order. The key id is the first 16 hex digits of SHA-256 of the
//! public key; `irongate key export` prints `irongate-ed25519 <key id>
//! <public key, hex>`, the form `--pubkey FILE` reads.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest as _, Sha256};

use super::AuditError;
use super::chain::{self, Digest};
use super::store::Store;
use super::verify::{Tamper, TamperKind, tamper};

/// The signing key's file in the state directory.
pub const KEY_FILE: &str = "checkpoint.key";

/// The append-only copy of every checkpoint, beside the database.
pub const CHECKPOINT_FILE: &str = "irongate.db.checkpoints";

/// Events between two checkpoints when nothing else is configured.
pub const DEFAULT_EVERY: u64 = 1000;

const ORIGIN: &str = "irongate-log";
const SIG_LINE: &str = "\u{2014} irongate ";
const SECRET_TAG: &str = "irongate-ed25519-secret";
const PUBLIC_TAG: &str = "irongate-ed25519";

/// A fresh random log id (16 bytes, hex).
pub fn new_log_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// A checkpoint key's public half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl PublicKey {
    fn from_key(key: VerifyingKey) -> PublicKey {
        let id = hex::encode(Sha256::digest(key.as_bytes()))[..16].to_owned();
        PublicKey { key, id }
    }

    /// The key id: the first 16 hex digits of SHA-256 of the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `irongate-ed25519 <key id> <hex>` and a newline: what `key export`
    /// prints and `--pubkey` reads.
    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_TAG} {} {}\n",
            self.id,
            hex::encode(self.key.as_bytes())
        )
    }

    /// Parses [`to_text`](Self::to_text)'s form (the key id is checked).
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let mut words = text.split_whitespace();
        let (Some(PUBLIC_TAG), Some(id), Some(key), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(format!(
                "expected one line `{PUBLIC_TAG} <key id> <64 hex digits>` (as `irongate key export` prints)"
            ));
        };
        let mut raw = [0u8; 32];
        hex::decode_to_slice(key, &mut raw).map_err(|_| "the key is not 64 hex digits")?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|e| format!("not an Ed25519 key: {e}"))?;
        let public = PublicKey::from_key(key);
        if public.id != id {
            return Err(format!(
                "the key id {id} does not belong to the key (its id is {})",
                public.id
            ));
        }
        Ok(public)
    }

    /// Whether `sig` is this key's signature of `body`.
    pub fn verifies(&self, body: &[u8], sig: &[u8; 64]) -> bool {
        self.key.verify(body, &Signature::from_bytes(sig)).is_ok()
    }
}

/// The checkpoint signing key.
pub struct Signer {
    key: SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.public.id)
            .finish()
    }
}

fn key_io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AuditError + 'a {
    move |source| AuditError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

impl Signer {
    /// A key from its 32-byte seed (tests sign with foreign keys this way).
    pub fn from_seed(seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let public = PublicKey::from_key(key.verifying_key());
        Signer { key, public }
    }

    /// The key of `home`, if it has one.
    pub fn load(home: &Path) -> Result<Option<Signer>, AuditError> {
        let path = home.join(KEY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(key_io("read the checkpoint key", &path)(e)),
        };
        let bad = |what: &str| AuditError::Schema {
            path: path.clone(),
            what: format!("not an irongate checkpoint key: {what}"),
        };
        let mut words = text.split_whitespace();
        let (Some(SECRET_TAG), Some(seed), None) = (words.next(), words.next(), words.next())
        else {
            return Err(bad("expected `irongate-ed25519-secret <64 hex digits>`"));
        };
        let mut raw = [0u8; 32];
        hex::decode_to_slice(seed, &mut raw).map_err(|_| bad("the seed is not 64 hex digits"))?;
        Ok(Some(Signer::from_seed(raw)))
    }

    /// The key of `home`, created (mode 0600) if it has none. Two processes
    /// creating it at once end with one key: it is written to a private
    /// temporary file and linked into place, which fails if another won.
    pub fn load_or_create(home: &Path) -> Result<Signer, AuditError> {
        if let Some(s) = Signer::load(home)? {
            tighten(&home.join(KEY_FILE))?;
            return Ok(s);
        }
        let path = home.join(KEY_FILE);
        let tmp = home.join(format!(".{KEY_FILE}.{}", std::process::id()));
        let seed: [u8; 32] = rand::random();
        {
            let _ = std::fs::remove_file(&tmp);
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(key_io("create the checkpoint key", &tmp))?;
            writeln!(f, "{SECRET_TAG} {}", hex::encode(seed))
                .and_then(|()| f.sync_all())
                .map_err(key_io("write the checkpoint key", &tmp))?;
        }
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(Signer::from_seed(seed)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Signer::load(home)?.ok_or_else(|| key_io("read the checkpoint key", &path)(e))
            }
            Err(e) => Err(key_io("create the checkpoint key", &path)(e)),
        }
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Signs a checkpoint: the signed note's text.
    pub fn sign(&self, cp: &Checkpoint) -> String {
        let body = cp.body();
        let sig = self.key.sign(body.as_bytes());
        format!(
            "{body}\n{SIG_LINE}{} {}\n",
            self.public.id,
            hex::encode(sig.to_bytes())
        )
    }
}

/// Tightens a key file others can read.
fn tighten(path: &Path) -> Result<(), AuditError> {
    let meta = std::fs::metadata(path).map_err(key_io("inspect the checkpoint key", path))?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(key_io("set permissions of the checkpoint key", path))?;
    }
    Ok(())
}

/// The public key of `home`, if it has a key.
pub fn home_public_key(home: &Path) -> Result<Option<PublicKey>, AuditError> {
    Ok(Signer::load(home)?.map(|s| s.public))
}

/// What a run's end checkpoint says about the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSeal {
    /// The run.
    pub run_id: i64,
    /// Its status (`exited`, `killed`, …).
    pub status: String,
    /// Its exit code, `SIG<n>` for a signal, `-` for neither.
    pub exit: String,
    /// Its events in the chain.
    pub events: i64,
    /// Its last event's id (0 without events).
    pub last_event_id: i64,
    /// SHA-256 of its events' raw hashes in chain order.
    pub digest: Digest,
    /// Its policy's digest.
    pub policy_digest: String,
}

/// A checkpoint's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The log's id (`log_meta`).
    pub log_id: String,
    /// Events covered: ids `1..=tree_size`.
    pub tree_size: i64,
    /// The hash of event `tree_size` ([`chain::GENESIS`] for 0).
    pub head: Digest,
    /// Unix seconds.
    pub ts: f64,
    /// The run it seals, for a run's end checkpoint.
    pub run: Option<RunSeal>,
}

impl Checkpoint {
    /// The signed text, lines ending in newlines.
    pub fn body(&self) -> String {
        let mut s = format!(
            "{ORIGIN} {}\n{}\n{}\ntime {:.6}\n",
            self.log_id,
            self.tree_size,
            chain::to_hex(&self.head),
            self.ts
        );
        if let Some(r) = &self.run {
            s.push_str(&format!(
                "run {} {} {} {} {} {} {}\n",
                r.run_id,
                r.status,
                r.exit,
                r.events,
                r.last_event_id,
                chain::to_hex(&r.digest),
                r.policy_digest
            ));
        }
        s
    }
}

/// A signed note, parsed (not yet verified).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// What it says.
    pub checkpoint: Checkpoint,
    /// The key id on the signature line.
    pub key_id: String,
    /// The signature.
    pub sig: [u8; 64],
    /// The signed text.
    pub body: String,
}

/// What is wrong with a note under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteFault {
    /// Signed by another key.
    ForeignKey,
    /// The key's id, but not its signature (the note was edited).
    BadSignature,
}

impl Note {
    /// Parses a signed note.
    pub fn parse(text: &str) -> Result<Note, String> {
        let (body, sig_line) = text
            .split_once("\n\n")
            .ok_or("no blank line before the signature")?;
        let body = format!("{body}\n");
        let sig_line = sig_line.strip_suffix('\n').unwrap_or(sig_line);
        let rest = sig_line
            .strip_prefix(SIG_LINE)
            .ok_or("the signature line does not start with `— irongate `")?;
        let (key_id, sig_hex) = rest
            .split_once(' ')
            .ok_or("the signature line has no signature")?;
        let mut sig = [0u8; 64];
        hex::decode_to_slice(sig_hex, &mut sig)
            .map_err(|_| "the signature is not 128 hex digits")?;
        let mut lines = body.lines();
        let mut next = |what: &str| lines.next().ok_or(format!("the note has no {what} line"));
        let log_id = next("origin")?
            .strip_prefix(&format!("{ORIGIN} "))
            .ok_or("the first line is not `irongate-log <id>`")?
            .to_owned();
        let tree_size: i64 = next("tree size")?
            .parse()
            .map_err(|_| "the tree size is not a number")?;
        let head =
            chain::from_hex(next("head hash")?).ok_or("the head hash is not 64 hex digits")?;
        let ts: f64 = next("time")?
            .strip_prefix("time ")
            .and_then(|t| t.parse().ok())
            .ok_or("the time line is not `time <seconds>`")?;
        let run = match lines.next() {
            None => None,
            Some(line) => {
                let w: Vec<&str> = line.split(' ').collect();
                let bad = || format!("malformed run line {line:?}");
                if w.len() != 8 || w[0] != "run" {
                    return Err(bad());
                }
                Some(RunSeal {
                    run_id: w[1].parse().map_err(|_| bad())?,
                    status: w[2].to_owned(),
                    exit: w[3].to_owned(),
                    events: w[4].parse().map_err(|_| bad())?,
                    last_event_id: w[5].parse().map_err(|_| bad())?,
                    digest: chain::from_hex(w[6]).ok_or_else(bad)?,
                    policy_digest: w[7].to_owned(),
                })
            }
        };
        if lines.next().is_some() {
            return Err("the note has extra lines".into());
        }
        Ok(Note {
            checkpoint: Checkpoint {
                log_id,
                tree_size,
                head,
                ts,
                run,
            },
            key_id: key_id.to_owned(),
            sig,
            body,
        })
    }

    /// Checks the signature under `key`.
    pub fn check(&self, key: &PublicKey) -> Result<(), NoteFault> {
        if self.key_id != key.id() {
            return Err(NoteFault::ForeignKey);
        }
        if !key.verifies(self.body.as_bytes(), &self.sig) {
            return Err(NoteFault::BadSignature);
        }
        Ok(())
    }
}

/// The checkpoint file of a database file.
pub fn file_of(db: &Path) -> PathBuf {
    db.with_file_name(CHECKPOINT_FILE)
}

/// The checkpoint file opened and exclusively locked (flock) by a writer
/// from *before* the commit of a checkpoint until its note is appended, so
/// that a reader holding the shared lock ([`gather`]) never sees a
/// committed checkpoint whose copy is not in the file yet.
pub struct FileLock {
    file: nix::fcntl::Flock<std::fs::File>,
    path: PathBuf,
}

impl FileLock {
    /// Opens (creating, 0600) and locks the checkpoint file beside `db`.
    pub fn acquire(db: &Path) -> Result<FileLock, AuditError> {
        let path = file_of(db);
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&path)
            .map_err(key_io("open the checkpoint file", &path))?;
        let file = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| key_io("lock the checkpoint file", &path)(e.into()))?;
        Ok(FileLock { file, path })
    }

    /// Appends a note and syncs; the lock is released on drop.
    pub fn append(mut self, note: &str) -> Result<(), AuditError> {
        let f: &mut std::fs::File = &mut self.file;
        f.write_all(note.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(key_io("append to the checkpoint file", &self.path))
    }
}

/// One entry of the checkpoint file: the note, or why it does not parse.
pub type FileEntry = Result<Note, String>;

/// Reads the checkpoint file; `None` when there is none.
pub fn read_file(file: &Path) -> Result<Option<Vec<FileEntry>>, AuditError> {
    let text = match std::fs::read(file) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_io("read the checkpoint file", file)(e)),
    };
    Ok(Some(split_notes(&text)))
}

/// Splits concatenated notes at their signature lines.
pub fn split_notes(text: &str) -> Vec<FileEntry> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        cur.push_str(line);
        if line.starts_with(SIG_LINE) {
            out.push(Note::parse(&cur));
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(Err("an incomplete checkpoint ends the file".into()));
    }
    out
}

/// The log id of the database, if it has one (schema 3).
pub fn log_id(conn: &Connection) -> rusqlite::Result<Option<String>> {
    if !has_table(conn, "log_meta")? {
        return Ok(None);
    }
    conn.query_row("SELECT value FROM log_meta WHERE key = 'log_id'", [], |r| {
        r.get(0)
    })
    .optional()
}

/// Whether the table exists (a read-only open of an older schema lacks the
/// version-3 tables).
pub fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The stored checkpoint notes, oldest first: `(row id, note text)`.
pub fn stored_notes(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    if !has_table(conn, "checkpoints")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT id, note FROM checkpoints ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The digest, count and last id of a run's events in the chain.
pub fn run_digest(conn: &Connection, run_id: i64) -> rusqlite::Result<(i64, i64, Digest)> {
    let mut stmt =
        conn.prepare_cached("SELECT id, hash FROM events WHERE run_id = ?1 ORDER BY id")?;
    let mut rows = stmt.query([run_id])?;
    let mut h = Sha256::new();
    let (mut n, mut last) = (0i64, 0i64);
    while let Some(row) = rows.next()? {
        last = row.get(0)?;
        let hex: String = row.get(1)?;
        h.update(chain::from_hex(&hex).unwrap_or(chain::GENESIS));
        n += 1;
    }
    Ok((n, last, h.finalize().into()))
}

/// SHA-256 over raw hashes, as [`run_digest`] folds them.
pub fn fold_hashes<'a>(hashes: impl IntoIterator<Item = &'a Digest>) -> Digest {
    let mut h = Sha256::new();
    for d in hashes {
        h.update(d);
    }
    h.finalize().into()
}

/// Inserts a signed checkpoint in the open write transaction.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    cp: &Checkpoint,
    key_id: &str,
    note: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO checkpoints (tree_size, head_hash, ts, run_id, key_id, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        cp.tree_size,
        chain::to_hex(&cp.head),
        cp.ts,
        cp.run.as_ref().map(|r| r.run_id),
        key_id,
        note
    ])?;
    Ok(())
}

/// Whether `every` events or more were appended since the newest checkpoint.
pub(crate) fn due(tx: &Transaction<'_>, every: u64) -> rusqlite::Result<bool> {
    if !has_table(tx, "checkpoints")? {
        return Ok(false);
    }
    let last_id: i64 = tx
        .prepare_cached("SELECT last_id FROM chain_head WHERE id = 0")?
        .query_row([], |r| r.get(0))?;
    let newest: i64 = tx
        .prepare_cached("SELECT coalesce(max(tree_size), 0) FROM checkpoints")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(last_id - newest).unwrap_or(0) >= every.max(1))
}

/// In the open write transaction, right after an append: a checkpoint of
/// the chain head when `every` events or more have been appended since the
/// newest checkpoint. Returns the note to append to the file after commit.
pub(crate) fn interval(
    tx: &Transaction<'_>,
    signer: &Signer,
    every: u64,
) -> rusqlite::Result<Option<String>> {
    let (last_id, last_hash): (i64, String) = tx
        .prepare_cached("SELECT last_id, last_hash FROM chain_head WHERE id = 0")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let newest: i64 = tx
        .prepare_cached("SELECT coalesce(max(tree_size), 0) FROM checkpoints")?
        .query_row([], |r| r.get(0))?;
    if u64::try_from(last_id - newest).unwrap_or(0) < every.max(1) {
        return Ok(None);
    }
    let Some(log_id) = log_id(tx)? else {
        return Ok(None);
    };
    let cp = Checkpoint {
        log_id,
        tree_size: last_id,
        head: chain::from_hex(&last_hash).unwrap_or(chain::GENESIS),
        ts: super::now(),
        run: None,
    };
    let note = signer.sign(&cp);
    insert(tx, &cp, signer.public().id(), &note)?;
    Ok(Some(note))
}

/// In the open write transaction: the end checkpoint of `run_id`, sealing
/// the run as its row now stands. Returns the note for the file.
pub(crate) fn seal(
    tx: &Transaction<'_>,
    signer: &Signer,
    run_id: i64,
) -> rusqlite::Result<Option<String>> {
    let row: Option<(String, Option<i32>, Option<i32>, String)> = tx
        .query_row(
            "SELECT status, exit_code, signal, policy_digest FROM runs WHERE id = ?1",
            [run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((status, exit_code, signal, policy_digest)) = row else {
        return Ok(None);
    };
    let Some(log_id) = log_id(tx)? else {
        return Ok(None);
    };
    let (last_id, last_hash): (i64, String) = tx.query_row(
        "SELECT last_id, last_hash FROM chain_head WHERE id = 0",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (events, last_event_id, digest) = run_digest(tx, run_id)?;
    let exit = match (exit_code, signal) {
        (_, Some(s)) => format!("SIG{s}"),
        (Some(c), None) => c.to_string(),
        (None, None) => "-".to_owned(),
    };
    let cp = Checkpoint {
        log_id,
        tree_size: last_id,
        head: chain::from_hex(&last_hash).unwrap_or(chain::GENESIS),
        ts: super::now(),
        run: Some(RunSeal {
            run_id,
            status,
            exit,
            events,
            last_event_id,
            digest,
            policy_digest: if policy_digest.is_empty() {
                "-".to_owned()
            } else {
                policy_digest
            },
        }),
    };
    let note = signer.sign(&cp);
    insert(tx, &cp, signer.public().id(), &note)?;
    Ok(Some(note))
}

/// What the checkpoints say about a database whose chain verified.
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorReport {
    /// Distinct checkpoints whose signature verified (a checkpoint is in
    /// the database and in the file: it counts once).
    pub verified: u64,
    /// The key they were checked against.
    pub key_id: Option<String>,
    /// The verified checkpoint covering the most events.
    pub latest: Option<Checkpoint>,
    /// Whether the checkpoint file exists.
    pub file: bool,
    /// What is wrong, if anything.
    pub problem: Option<Tamper>,
}

impl AnchorReport {
    /// `{"verified", "key_id", "file", "latest": {"tree_size", "head", "ts", "run_id"} | null}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "verified": self.verified,
            "key_id": self.key_id,
            "file": self.file,
            "latest": self.latest.as_ref().map(|c| serde_json::json!({
                "tree_size": c.tree_size,
                "head": chain::to_hex(&c.head),
                "ts": c.ts,
                "run_id": c.run.as_ref().map(|r| r.run_id),
            })),
        })
    }
}

/// Where a checkpoint was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Db(i64),
    File(usize),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Db(id) => write!(f, "checkpoint {id} of the database"),
            Source::File(n) => write!(f, "checkpoint {} of {CHECKPOINT_FILE}", n + 1),
        }
    }
}

/// Checks the checkpoints of a database (`store`, `None` when it is missing
/// or empty) whose chain of `chain_len` events verified, against `key`
/// (else the home's key). See the table in [`verify`](super::verify).
pub fn verify_anchors(
    store: Option<&Store>,
    chain_len: i64,
    db_path: &Path,
    key: Option<&PublicKey>,
) -> Result<AnchorReport, AuditError> {
    let gathered = gather(store, db_path)?;
    verify_gathered(gathered, store, chain_len, db_path, key)
}

/// The checkpoints of a database and of its file, read *before* the chain
/// is verified: a supervisor appending meanwhile then only adds events
/// beyond what they cover, never a checkpoint beyond the verified chain.
#[derive(Debug)]
pub struct Gathered {
    db: Vec<(i64, String)>,
    file: Option<Vec<FileEntry>>,
    home_key: Option<PublicKey>,
    has_runs: bool,
}

/// Reads the checkpoints to check (see [`Gathered`]) under the checkpoint
/// file's shared lock, so that no checkpoint is in the database without
/// its copy in the file (see [`FileLock`]).
pub fn gather(store: Option<&Store>, db_path: &Path) -> Result<Gathered, AuditError> {
    let file_path = file_of(db_path);
    for _ in 0..5 {
        let existed = file_path.exists();
        let _lock = if existed {
            std::fs::File::open(&file_path)
                .ok()
                .and_then(|f| nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockShared).ok())
        } else {
            None
        };
        let home_key = home_public_key(db_path.parent().unwrap_or(Path::new(".")))?;
        let db = match store {
            Some(s) => stored_notes(&s.conn).map_err(|source| AuditError::Sql {
                path: db_path.to_path_buf(),
                op: "read checkpoints",
                source,
            })?,
            None => Vec::new(),
        };
        let has_runs = match store {
            Some(s) => s.last_run_id()?.is_some(),
            None => false,
        };
        let file = read_file(&file_path)?;
        // A writer created the file meanwhile: read again under its lock.
        if !existed && file_path.exists() {
            continue;
        }
        return Ok(Gathered {
            db,
            file,
            home_key,
            has_runs,
        });
    }
    Err(key_io("read the checkpoint file", &file_path)(
        std::io::Error::other("it keeps appearing and disappearing"),
    ))
}

/// [`verify_anchors`] with checkpoints read beforehand by [`gather`].
pub fn verify_gathered(
    gathered: Gathered,
    store: Option<&Store>,
    chain_len: i64,
    db_path: &Path,
    key: Option<&PublicKey>,
) -> Result<AnchorReport, AuditError> {
    let home = db_path.parent().unwrap_or(Path::new("."));
    let home_key = gathered.home_key.clone();
    let key = key.cloned().or_else(|| home_key.clone());
    let sql = |op| {
        move |source| AuditError::Sql {
            path: db_path.to_path_buf(),
            op,
            source,
        }
    };
    let db_notes: Vec<(Source, FileEntry)> = gathered
        .db
        .into_iter()
        .map(|(id, text)| (Source::Db(id), Note::parse(&text)))
        .collect();
    let file_path = file_of(db_path);
    let file = gathered.file;
    let mut report = AnchorReport {
        verified: 0,
        key_id: key.as_ref().map(|k| k.id().to_owned()),
        latest: None,
        file: file.is_some(),
        problem: None,
    };
    let file_notes: Vec<(Source, FileEntry)> = file
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, e)| (Source::File(i), e))
        .collect();
    let newest_in_file = file_notes
        .iter()
        .filter_map(|(_, e)| e.as_ref().ok())
        .max_by_key(|n| n.checkpoint.tree_size);

    // 1. A database that is gone or empty.
    if store.is_none() || (chain_len == 0 && db_notes.is_empty()) {
        let what = if store.is_none() {
            "missing or empty"
        } else {
            "empty"
        };
        if let Some(n) = newest_in_file.filter(|n| n.checkpoint.tree_size > 0) {
            report.problem = Some(tamper(
                1,
                TamperKind::Replaced,
                format!(
                    "the database is {what}, but {CHECKPOINT_FILE} records a log of {} events (signed at {:.0}): the database was replaced or emptied",
                    n.checkpoint.tree_size, n.checkpoint.ts
                ),
            ));
        } else if newest_in_file.is_none() && home_key.is_some() && !gathered.has_runs {
            // A run row is committed before its writer can create the key,
            // so a key without any run is not a log being started.
            report.problem = Some(tamper(
                1,
                TamperKind::Replaced,
                format!(
                    "the database is {what} and {CHECKPOINT_FILE} is gone, but this home has a checkpoint key ({KEY_FILE}), which is only created with the first checkpoint: the log was removed"
                ),
            ));
        }
        return Ok(report);
    }
    let all: Vec<&(Source, FileEntry)> = db_notes.iter().chain(file_notes.iter()).collect();
    // 2. Something to check them with.
    let Some(key) = key else {
        if !all.is_empty() {
            report.problem = Some(tamper(
                1,
                TamperKind::KeyMissing,
                format!(
                    "{} checkpoints exist but there is no key to check them: {} is missing (pass --pubkey FILE with the key `irongate key export` printed)",
                    all.len(),
                    home.join(KEY_FILE).display()
                ),
            ));
        }
        return Ok(report);
    };
    if home_key.is_some() && !report.file {
        report.problem = Some(tamper(
            chain_len.max(1),
            TamperKind::CheckpointsMissing,
            format!(
                "this home has a checkpoint key, so checkpoints were written, but {} is gone",
                file_path.display()
            ),
        ));
        return Ok(report);
    }
    let log_id = store.map(Store::log_id).transpose()?.flatten();
    // 3. Each checkpoint on its own: parse, key, signature, log.
    let mut faults: Vec<(u8, Tamper)> = Vec::new();
    let mut good: Vec<(Source, &Checkpoint)> = Vec::new();
    let mut distinct = std::collections::HashSet::new();
    for (src, entry) in &all {
        let note = match entry {
            Ok(n) => n,
            Err(what) => {
                faults.push((
                    4,
                    tamper(
                        chain_len.max(1),
                        TamperKind::BadSignature,
                        format!("{src} does not parse: {what}"),
                    ),
                ));
                continue;
            }
        };
        let at = note.checkpoint.tree_size.max(1);
        match note.check(&key) {
            Err(NoteFault::ForeignKey) => faults.push((
                3,
                tamper(at, TamperKind::ForeignKey, format!(
                    "{src} (covering {} events) is signed by key {}, not by this log's key {}: it was re-signed",
                    note.checkpoint.tree_size, note.key_id, key.id()
                )),
            )),
            Err(NoteFault::BadSignature) => faults.push((
                4,
                tamper(at, TamperKind::BadSignature, format!(
                    "{src} (covering {} events) carries key {}'s id but not its signature: it was edited",
                    note.checkpoint.tree_size, note.key_id
                )),
            )),
            Ok(()) => {
                distinct.insert(note.body.as_str());
                if log_id.as_deref().is_some_and(|id| id != note.checkpoint.log_id) {
                    faults.push((
                        0,
                        tamper(1, TamperKind::Replaced, format!(
                            "{src} belongs to log {}, the database is log {}: the database was replaced by another one",
                            note.checkpoint.log_id,
                            log_id.as_deref().unwrap_or("?")
                        )),
                    ));
                } else {
                    good.push((*src, &note.checkpoint));
                }
            }
        }
    }
    report.verified = distinct.len() as u64;
    // 4. Against the chain.
    let db_beyond = good
        .iter()
        .any(|(s, c)| matches!(s, Source::Db(_)) && c.tree_size > chain_len);
    let mut stmt = store
        .map(|s| s.conn.prepare("SELECT hash FROM events WHERE id = ?1"))
        .transpose()
        .map_err(sql("read events"))?;
    let mut matching: Vec<i64> = Vec::new();
    let mut rebuilt: Vec<(Source, &Checkpoint, String)> = Vec::new();
    for (src, c) in &good {
        if c.tree_size > chain_len {
            let (kind, how) = if db_beyond {
                (
                    TamperKind::Truncated,
                    "events were cut off the end of the chain",
                )
            } else {
                (
                    TamperKind::RolledBack,
                    "the database was replaced by an older copy (or cut and its own checkpoints removed)",
                )
            };
            faults.push((5, tamper(chain_len + 1, kind, format!(
                "{src} covers {} events (signed at {:.0}), the chain holds {chain_len}: {how}",
                c.tree_size, c.ts
            ))));
            continue;
        }
        if c.tree_size == 0 {
            continue;
        }
        let stored: Option<String> = match stmt.as_mut() {
            Some(st) => st
                .query_row([c.tree_size], |r| r.get(0))
                .optional()
                .map_err(sql("read events"))?,
            None => None,
        };
        let hex = chain::to_hex(&c.head);
        if stored.as_deref() == Some(hex.as_str()) {
            matching.push(c.tree_size);
        } else {
            rebuilt.push((*src, c, stored.unwrap_or_default()));
        }
    }
    if let Some((src, c, stored)) = rebuilt.iter().min_by_key(|(_, c, _)| c.tree_size) {
        let from = matching
            .iter()
            .copied()
            .filter(|s| *s < c.tree_size)
            .max()
            .unwrap_or(0)
            + 1;
        faults.push((6, tamper(from, TamperKind::Rebuilt, format!(
            "{src} (signed at {:.0}) records hash {} for event {}, the chain has {}: events {from}..={} were rewritten and rehashed without the key",
            c.ts,
            &chain::to_hex(&c.head)[..16],
            c.tree_size,
            stored.get(..16).unwrap_or("nothing"),
            c.tree_size
        ))));
    }
    report.latest = good
        .iter()
        .filter(|(_, c)| c.tree_size <= chain_len)
        .map(|(_, c)| *c)
        .max_by(|a, b| a.tree_size.cmp(&b.tree_size).then(a.ts.total_cmp(&b.ts)))
        .cloned();
    report.problem = faults
        .into_iter()
        .min_by_key(|(rank, t)| (*rank, t.id))
        .map(|(_, t)| t);
    Ok(report)
}

/// A run's end checkpoint as found: in the database, else in the file.
pub fn seal_of(store: &Store, run_id: i64) -> Result<Option<Note>, AuditError> {
    let sql = store.sql("read checkpoints");
    if has_table(&store.conn, "checkpoints").map_err(&sql)? {
        let text: Option<String> = store
            .conn
            .query_row(
                "SELECT note FROM checkpoints WHERE run_id = ?1 ORDER BY id DESC LIMIT 1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(&sql)?;
        if let Some(text) = text {
            return Ok(Some(
                Note::parse(&text).map_err(|what| store.corrupt("checkpoints", run_id, what))?,
            ));
        }
    }
    let entries = read_file(&file_of(store.path()))?.unwrap_or_default();
    Ok(entries.into_iter().rev().filter_map(Result::ok).find(|n| {
        n.checkpoint
            .run
            .as_ref()
            .is_some_and(|r| r.run_id == run_id)
    }))
}

/// Checks a run's events against its seal: the signature under `key`, and
/// the count, last id and digest of the run's events in the database.
pub fn check_seal(
    store: &Store,
    note: &Note,
    key: &PublicKey,
    run_id: i64,
) -> Result<Option<Tamper>, AuditError> {
    let at = note.checkpoint.tree_size.max(1);
    match note.check(key) {
        Err(NoteFault::ForeignKey) => {
            return Ok(Some(tamper(
                at,
                TamperKind::ForeignKey,
                format!(
                    "run {run_id}'s end checkpoint is signed by key {}, not by this log's key {}",
                    note.key_id,
                    key.id()
                ),
            )));
        }
        Err(NoteFault::BadSignature) => {
            return Ok(Some(tamper(
                at,
                TamperKind::BadSignature,
                format!(
                    "run {run_id}'s end checkpoint does not carry a valid signature of key {}: it was edited",
                    note.key_id
                ),
            )));
        }
        Ok(()) => {}
    }
    let Some(seal) = &note.checkpoint.run else {
        return Ok(None);
    };
    let (events, last, digest) =
        run_digest(&store.conn, run_id).map_err(store.sql("read events"))?;
    if events < seal.events {
        return Ok(Some(tamper(
            (last + 1).max(1),
            TamperKind::Truncated,
            format!(
                "run {run_id}'s end checkpoint seals {} events up to event {}, the database holds {events}",
                seal.events, seal.last_event_id
            ),
        )));
    }
    if events != seal.events || last != seal.last_event_id || digest != seal.digest {
        return Ok(Some(tamper(
            seal.last_event_id.max(1),
            TamperKind::Rebuilt,
            format!(
                "run {run_id}'s events ({events}, last {last}) differ from the {} events up to event {} its end checkpoint seals: they were rewritten",
                seal.events, seal.last_event_id
            ),
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip_and_detect_edits() {
        let s = Signer::from_seed([7; 32]);
        let cp = Checkpoint {
            log_id: "ab".repeat(16),
            tree_size: 42,
            head: [3; 32],
            ts: 1_700_000_000.25,
            run: Some(RunSeal {
                run_id: 2,
                status: "exited".into(),
                exit: "0".into(),
                events: 40,
                last_event_id: 42,
                digest: [9; 32],
                policy_digest: "cd".repeat(32),
            }),
        };
        let note = s.sign(&cp);
        let parsed = Note::parse(&note).expect("parse");
        assert_eq!(parsed.checkpoint, cp);
        assert_eq!(parsed.check(s.public()), Ok(()));
        let other = Signer::from_seed([8; 32]);
        assert_eq!(parsed.check(other.public()), Err(NoteFault::ForeignKey));
        let edited = Note::parse(&note.replace("\n42\n", "\n41\n")).expect("parse");
        assert_eq!(edited.check(s.public()), Err(NoteFault::BadSignature));
        let two = format!("{note}{}", s.sign(&Checkpoint { run: None, ..cp }));
        let entries = split_notes(&two);
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(Result::is_ok));
        assert!(
            split_notes(&note[..note.len() - 10])
                .iter()
                .all(Result::is_err)
        );
    }

    #[test]
    fn public_key_text_round_trips() {
        let s = Signer::from_seed([1; 32]);
        let text = s.public().to_text();
        assert_eq!(PublicKey::parse(&text).as_ref(), Ok(s.public()));
        let wrong_id = text.replacen(s.public().id(), "0000000000000000", 1);
        assert!(PublicKey::parse(&wrong_id).is_err());
        assert!(PublicKey::parse("garbage").is_err());
    }
}
