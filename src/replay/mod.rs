//! `irongate replay [RUN|last]`: verify a run's part of the chain,
//! print its timeline, and — with `--policy` and/or `--profile` —
//! re-evaluate every recorded action and print the decisions that would
//! change, with a summary by action type. Deterministic: the output depends
//! only on the log and the policy; the same policy on the same run changes
//! nothing. Events are streamed, never all held in memory.
//!
//! Start reading at [`cmd`]; re-evaluation is [`recheck`], the incident
//! bundle is [`bundle`], learn mode is [`suggest`].
//!
//! # What is re-evaluated
//!
//! Every event the policy decided. Not re-evaluated (reported as `fixed`):
//! `review` and `system` layer events (verdicts and notes), IronGate's own
//! boundaries (reasons `irongate_*`: its state directory, the supervisor,
//! unresolvable paths, …, and `audit_log_unavailable`), and blocks for a
//! capability the run's profile has — those came from the agent narrowing
//! itself (`shield.protect`), which narrows any policy the same way.
//!
//! # Exit status
//!
//! 0: verified and nothing would change; 1: some decision would change;
//! 2: the run's part of the log fails verification (then nothing else is
//! printed as fact); 125: irongate's own error (no such run, bad policy).
//!
//! # JSON Lines (`--json`)
//!
//! - `{"record": "run", "run": <runs --json object>, "verification": {"ok",
//!   "checked", "first_bad", "sealed", "key_id"}}` first;
//! - without `--policy`/`--profile`: `{"record": "event", "event": <events
//!   --json object>}` per event;
//! - with them: `{"record": "change", "event_id", "ts", "layer", "action",
//!   "was": {"decision", "reason", "rule"}, "now": {"decision", "reason",
//!   "rule"}}` per changed decision, then `{"record": "summary", "policy":
//!   {"origin", "digest"}, "profile", "evaluated", "fixed", "changed",
//!   "by_type": {TYPE: {"changed", "transitions": {"allow→block": N, …}}}}`.

pub mod bundle;
pub mod suggest;

use std::collections::BTreeMap;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{Value, json};

use crate::action::Action;
use crate::audit::cmd::{RunSel, parse_run, printable, summary, utc, with_hint};
use crate::audit::{EventFilter, EventRecord, Layer, RunRecord, RunStatus, Store, checkpoint};
use crate::exit::Failure;
use crate::policy::{Policy, Profile, Verdict};

/// Exit status when a decision would change.
pub const EXIT_CHANGED: i32 = 1;
/// Exit status when the run's part of the log fails verification.
pub const EXIT_UNVERIFIED: i32 = 2;

/// How a run's part of the log verified.
#[derive(Debug, Clone)]
pub struct RunVerification {
    /// Events of the run checked.
    pub checked: u64,
    /// The first problem.
    pub problem: Option<crate::audit::Tamper>,
    /// Whether a signed end checkpoint vouches for the run's events.
    pub sealed: bool,
    /// The key it was checked against.
    pub key_id: Option<String>,
}

impl RunVerification {
    /// The `verification` object of the JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "ok": self.problem.is_none(),
            "checked": self.checked,
            "first_bad": self.problem.as_ref().map(|t| json!({
                "id": t.id, "kind": t.kind.as_str(), "detail": t.detail,
            })),
            "sealed": self.sealed,
            "key_id": self.key_id,
        })
    }
}

/// Verifies one run: its events and links in the chain, then its signed
/// end checkpoint when it has one (count, last event and digest of its
/// event hashes).
pub fn verify_run(
    store: &Store,
    run_id: i64,
    key: Option<&checkpoint::PublicKey>,
) -> Result<RunVerification, crate::audit::AuditError> {
    let chain = store.verify_run(run_id)?;
    let home_key = checkpoint::home_public_key(store.home())?;
    let key = key.cloned().or(home_key);
    let mut v = RunVerification {
        checked: chain.checked,
        problem: chain.first_bad,
        sealed: false,
        key_id: key.as_ref().map(|k| k.id().to_owned()),
    };
    if v.problem.is_some() {
        return Ok(v);
    }
    if let (Some(note), Some(key)) = (checkpoint::seal_of(store, run_id)?, key.as_ref()) {
        v.problem = checkpoint::check_seal(store, &note, key, run_id)?;
        v.sealed = v.problem.is_none();
    }
    Ok(v)
}

/// What re-evaluating one event gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Recheck {
    /// Not a policy decision (see the module documentation).
    Fixed,
    /// The policy's verdict now.
    Now(Verdict),
}

/// Re-evaluates one recorded event under `policy` and `profile`;
/// `run_profile` is the profile the run had.
pub fn recheck(
    ev: &EventRecord,
    policy: &Policy,
    profile: &Profile,
    run_profile: &Profile,
) -> Recheck {
    if matches!(ev.layer, Layer::Review | Layer::System) {
        return Recheck::Fixed;
    }
    if ev.reason.starts_with("irongate_") || ev.reason.starts_with("audit_log_unavailable") {
        return Recheck::Fixed;
    }
    if let Some(cap) = capability_of(&ev.reason)
        && run_profile.has(cap)
    {
        // The run had the capability: the agent had narrowed itself.
        return Recheck::Fixed;
    }
    let Ok(mut action) = Action::from_json(&ev.action) else {
        return Recheck::Fixed;
    };
    action.normalize();
    Recheck::Now(policy.evaluate(&action, profile))
}

/// `missing_capability:NAME` (possibly after a `target: ` prefix).
fn capability_of(reason: &str) -> Option<&str> {
    let i = reason.find("missing_capability:")?;
    Some(&reason[i + "missing_capability:".len()..])
}

/// The run a selector names.
pub fn resolve_run(store: &Store, sel: &str) -> anyhow::Result<RunRecord> {
    let id = match parse_run(sel).map_err(|e| Failure::setup(e.to_string()))? {
        RunSel::Id(id) => id,
        RunSel::Last => store.last_run_id().map_err(with_hint)?.ok_or_else(|| {
            Failure::setup("the audit log has no runs yet\nhint: `irongate run agent.py` first")
        })?,
    };
    store.run(id).map_err(with_hint)?.ok_or_else(|| {
        Failure::setup(format!(
            "run {id} does not exist\nhint: `irongate runs` lists the run ids"
        ))
        .into()
    })
}

/// Loads a policy file or `builtin`.
pub fn load_policy(file: &Path) -> anyhow::Result<Policy> {
    if file.as_os_str() == "builtin" {
        return Ok(Policy::builtin());
    }
    Policy::load_file(file).map_err(|e| Failure::setup(e.to_string()).into())
}

/// The policy a run was decided by: its stored text, else the built-in
/// policy or the file at its origin when their digest matches.
pub fn run_policy(store: &Store, run: &RunRecord) -> anyhow::Result<Policy> {
    if let Some((origin, text)) = store.policy_text(&run.policy_digest).map_err(with_hint)? {
        return Policy::from_json_str(&text, &origin)
            .map_err(|e| Failure::setup(format!("run {}'s stored policy: {e}", run.id)).into());
    }
    let builtin = Policy::builtin();
    if builtin.source_digest() == run.policy_digest {
        return Ok(builtin);
    }
    if let Ok(p) = Policy::load_file(Path::new(&run.policy_origin))
        && p.source_digest() == run.policy_digest
    {
        return Ok(p);
    }
    Err(Failure::setup(format!(
        "run {}'s policy ({}, sha256 {}) is not stored and its file has changed\nhint: pass --policy FILE",
        run.id, run.policy_origin, run.policy_digest
    ))
    .into())
}

/// What `irongate replay` shows or re-evaluates.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Run id or `last`, as given.
    pub run: String,
    /// Policy file every recorded action is re-evaluated under (`builtin`: the built-in one).
    pub policy: Option<PathBuf>,
    /// Capability profile to re-evaluate under; `None`: the run's.
    pub profile: Option<String>,
    /// Where to write an incident bundle (events, checkpoints, public key, policy).
    pub export: Option<PathBuf>,
    /// JSON Lines instead of text.
    pub json: bool,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
}

/// `irongate replay`.
pub fn cmd(args: &ReplayOptions) -> anyhow::Result<i32> {
    let home = crate::home::resolve(args.home.as_deref())?;
    let Some(store) = Store::open_readonly(&home).map_err(with_hint)? else {
        return Err(Failure::setup(format!(
            "there is no audit log in {}\nhint: `irongate run agent.py` first, or pass --home",
            home.display()
        ))
        .into());
    };
    let run = resolve_run(&store, &args.run)?;
    if let Some(file) = &args.export {
        return bundle::export(&store, &run, file);
    }
    let replaying = args.policy.is_some() || args.profile.is_some();
    // Load before printing anything: a bad policy is irongate's error.
    let policy = match (&args.policy, replaying) {
        (Some(p), _) => Some(load_policy(p)?),
        (None, true) => Some(run_policy(&store, &run)?),
        (None, false) => None,
    };
    let run_profile = Profile::from_name(&run.profile).unwrap_or_else(|_| Profile::sandboxed());
    let profile = match &args.profile {
        Some(name) => Profile::from_name(name).map_err(|e| Failure::setup(e.to_string()))?,
        None => run_profile.clone(),
    };
    let verification = verify_run(&store, run.id, None).map_err(with_hint)?;

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = (|| -> anyhow::Result<i32> {
        header(&mut out, &run, &verification, args.json)?;
        if verification.problem.is_some() {
            return Ok(EXIT_UNVERIFIED);
        }
        let progress = Progress::new(run.counts.events);
        let mut summary = Summary::default();
        let mut write_err: Option<io::Error> = None;
        store
            .each_event(
                &EventFilter {
                    run_id: Some(run.id),
                    ..EventFilter::default()
                },
                |ev| {
                    progress.tick();
                    let r = match &policy {
                        None => timeline_line(&mut out, &ev, args.json),
                        Some(policy) => {
                            let r = recheck(&ev, policy, &profile, &run_profile);
                            summary.add(&ev, &r, &mut out, args.json)
                        }
                    };
                    match r {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(e) => {
                            write_err = Some(e);
                            ControlFlow::Break(())
                        }
                    }
                },
            )
            .map_err(with_hint)?;
        progress.done();
        if let Some(e) = write_err {
            return Err(e.into());
        }
        match &policy {
            None => {
                if !args.json {
                    writeln!(out, "end: {}", end_line(&run))?;
                }
                Ok(0)
            }
            Some(policy) => {
                summary.finish(&mut out, policy, &profile, args.json)?;
                Ok(if summary.changed > 0 { EXIT_CHANGED } else { 0 })
            }
        }
    })();
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(code), Ok(())) => Ok(code),
        (Err(e), _) if is_broken_pipe(&e) => Ok(0),
        (Ok(_), Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e).context("cannot write to stdout"),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// `exited 0`, `killed SIGKILL`, `running`…
fn end_line(run: &RunRecord) -> String {
    match (run.status, run.exit_code, run.signal) {
        (_, _, Some(sig)) => format!(
            "{} {}",
            run.status.as_str(),
            crate::audit::cmd::signal_name(sig)
        ),
        (_, Some(code), None) => format!("{} {code}", run.status.as_str()),
        (RunStatus::Running, _, _) => "running (no end recorded yet)".to_owned(),
        _ => run.status.as_str().to_owned(),
    }
}

fn header(
    out: &mut impl Write,
    run: &RunRecord,
    v: &RunVerification,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(
            &mut *out,
            &json!({
                "record": "run",
                "run": run.to_json(),
                "verification": v.to_json(),
            }),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "run {}  agent {}  profile {}  policy {} (sha256 {})",
        run.id,
        printable(&run.agent_name),
        run.profile,
        printable(&run.policy_origin),
        run.policy_digest.get(..12).unwrap_or(&run.policy_digest)
    )?;
    writeln!(
        out,
        "started {} UTC  {}  {} events: {} allow, {} review, {} block, {} unexplained",
        utc(run.started_at, false),
        end_line(run),
        run.counts.events,
        run.counts.allow,
        run.counts.review,
        run.counts.block,
        run.counts.unexplained
    )?;
    match &v.problem {
        Some(t) => writeln!(
            out,
            "UNVERIFIED: event {} ({}): {}\nthe run's log fails verification; its content is not shown (run `irongate verify`)",
            t.id,
            t.kind,
            printable(&t.detail)
        )?,
        None if v.sealed => writeln!(
            out,
            "verified: {} events, sealed by the run's signed end checkpoint (key {})",
            v.checked,
            v.key_id.as_deref().unwrap_or("?")
        )?,
        None => writeln!(
            out,
            "verified: {} events in the chain; no signed end checkpoint vouches for the run (it has not ended, or ended before checkpoints)",
            v.checked
        )?,
    }
    Ok(())
}

/// The rule as `#N name`.
fn rule_text(rule: Option<(usize, Option<&str>)>) -> String {
    match rule {
        Some((i, Some(n))) => format!("#{i} {}", printable(n)),
        Some((i, None)) => format!("#{i}"),
        None => "-".to_owned(),
    }
}

fn timeline_line(out: &mut impl Write, ev: &EventRecord, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer(
            &mut *out,
            &json!({"record": "event", "event": ev.to_json()}),
        )?;
        return writeln!(out);
    }
    write!(
        out,
        "{:>6}  {}  {:<7} {:<6}  {}  rule {}",
        ev.id,
        utc(ev.ts, true),
        ev.layer.as_str(),
        ev.decision.as_str(),
        printable(&summary(&ev.action)),
        rule_text(ev.rule.as_ref().map(|r| (r.index, r.name.as_deref()))),
    )?;
    if !ev.reason.is_empty() {
        write!(out, "  ({})", printable(&ev.reason))?;
    }
    if ev.unexplained {
        write!(out, "  [unexplained]")?;
    }
    if let Some(of) = ev.review_of {
        write!(out, "  [verdict on event {of}]")?;
    }
    if let Some(v) = &ev.review {
        if v.timeout {
            write!(out, "  → timed out")?;
        } else {
            write!(
                out,
                "  → {} by {} via {}",
                v.decision,
                printable(&v.by),
                v.via
            )?;
        }
    }
    writeln!(out)
}

/// The decisions that changed, counted by action type.
#[derive(Default)]
struct Summary {
    evaluated: u64,
    fixed: u64,
    changed: u64,
    by_type: BTreeMap<String, (u64, BTreeMap<String, u64>)>,
}

impl Summary {
    fn add(
        &mut self,
        ev: &EventRecord,
        r: &Recheck,
        out: &mut impl Write,
        json: bool,
    ) -> io::Result<()> {
        let now = match r {
            Recheck::Fixed => {
                self.fixed += 1;
                return Ok(());
            }
            Recheck::Now(v) => v,
        };
        self.evaluated += 1;
        let was = ev.decision;
        if now.decision == was {
            return Ok(());
        }
        self.changed += 1;
        let kind = ev
            .action
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let transition = format!("{}→{}", was.as_str(), now.decision.as_str());
        let entry = self.by_type.entry(kind).or_default();
        entry.0 += 1;
        *entry.1.entry(transition.clone()).or_default() += 1;
        if json {
            serde_json::to_writer(
                &mut *out,
                &json!({
                    "record": "change",
                    "event_id": ev.id,
                    "ts": ev.ts,
                    "layer": ev.layer,
                    "action": ev.action,
                    "was": {"decision": was, "reason": ev.reason, "rule": ev.rule},
                    "now": {"decision": now.decision, "reason": now.reason, "rule": now.rule},
                }),
            )?;
            return writeln!(out);
        }
        writeln!(
            out,
            "{:>6}  {}  {:<7} {}  {}  was rule {} ({})  now rule {} ({})",
            ev.id,
            utc(ev.ts, true),
            ev.layer.as_str(),
            transition,
            printable(&summary(&ev.action)),
            rule_text(ev.rule.as_ref().map(|r| (r.index, r.name.as_deref()))),
            printable(&ev.reason),
            rule_text(now.rule.as_ref().map(|r| (r.index, r.name.as_deref()))),
            printable(&now.reason),
        )
    }

    fn finish(
        &self,
        out: &mut impl Write,
        policy: &Policy,
        profile: &Profile,
        json: bool,
    ) -> io::Result<()> {
        if json {
            let by_type: serde_json::Map<String, Value> = self
                .by_type
                .iter()
                .map(|(k, (n, t))| (k.clone(), json!({"changed": n, "transitions": t})))
                .collect();
            serde_json::to_writer(
                &mut *out,
                &json!({
                    "record": "summary",
                    "policy": {"origin": policy.origin(), "digest": policy.source_digest()},
                    "profile": profile.name(),
                    "evaluated": self.evaluated,
                    "fixed": self.fixed,
                    "changed": self.changed,
                    "by_type": by_type,
                }),
            )?;
            return writeln!(out);
        }
        writeln!(
            out,
            "replayed under policy {} (sha256 {}) and profile {}: {} of {} policy decisions would change ({} not decided by the policy)",
            printable(policy.origin()),
            &policy.source_digest()[..12],
            profile.name(),
            self.changed,
            self.evaluated,
            self.fixed
        )?;
        for (kind, (n, t)) in &self.by_type {
            let parts: Vec<String> = t.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(out, "  {kind}: {n} ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// A progress line on stderr, only when it is a terminal.
struct Progress {
    total: i64,
    on: bool,
    seen: std::cell::Cell<i64>,
}

impl Progress {
    fn new(total: i64) -> Progress {
        Progress {
            total,
            on: io::stderr().is_terminal() && total >= 5000,
            seen: std::cell::Cell::new(0),
        }
    }

    fn tick(&self) {
        let n = self.seen.get() + 1;
        self.seen.set(n);
        if self.on && n % 5000 == 0 {
            eprint!("\rreplay: {n}/{} events", self.total);
        }
    }

    fn done(&self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}
