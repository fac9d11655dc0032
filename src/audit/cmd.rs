//! `irongate runs|events|verify`: read-only views of the audit log.
//!
//! All three read the database read-only and treat a missing one as empty.
//! `runs` first marks the runs whose supervisor is gone as `supervisor_lost`
//! ([`Store::mark_lost_runs`]), a write it skips quietly when the database
//! cannot be written; `verify` writes nothing.
//! A file that cannot be opened is an error (exit 125); `verify` exits 1 when
//! it finds tampering. A closed stdout (`irongate events | head`) ends the
//! command quietly with status 0.
//!
//! # JSON
//!
//! - `events --json`: JSON Lines, one event per line, in chain order; the
//!   shape is documented in [`model`](super::model).
//! - `runs --json`: one array, oldest run first, of `{"id", "agent_name",
//!   "script", "argv", "started_at", "ended_at", "status"
//!   ("running"/"exited"/"killed"/"irongate_error"/"supervisor_lost"), "exit_code", "signal",
//!   "profile", "policy_origin", "policy_digest", "irongate_version", "pid",
//!   "counts": {"events", "allow", "review", "block", "unexplained"},
//!   "counters": {name: integer}}`; `[]` without a database.
//! - `verify --json`: `{"ok": bool, "checked": N, "first_bad": null | {"id",
//!   "kind", "detail"}}`, `kind` one of [`TamperKind`](super::TamperKind)'s
//!   spellings; `checked` counts the events verified before the first bad one.

use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde_json::Value;

use super::model::{Decision, EventFilter, EventRecord, RunRecord, RunStatus};
use super::{AuditError, Store};

/// Exit status when verification finds tampering.
pub const EXIT_TAMPERED: i32 = 1;

/// What `irongate runs` was asked to show.
#[derive(Debug, Clone)]
pub struct RunsOptions {
    /// One JSON document instead of text.
    pub json: bool,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
}

/// Which events `irongate events` shows, and how.
#[derive(Debug, Clone)]
pub struct EventsOptions {
    /// Run id or `last`, as given; `None`: every run.
    pub run: Option<String>,
    /// Only this decision (`allow`, `review`, `block`), as given.
    pub decision: Option<String>,
    /// Only events the hook layer did not explain.
    pub unexplained: bool,
    /// JSON Lines, one event per line.
    pub json: bool,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
}

/// What `irongate verify` checks, and how it reports.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// One JSON document instead of text.
    pub json: bool,
    /// Exported public key the checkpoints are checked against instead of the home's key.
    pub pubkey: Option<PathBuf>,
    /// Incident bundle to verify instead of the log.
    pub bundle: Option<PathBuf>,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
}

/// `irongate runs`: every run with its counts and exit status.
pub fn runs(args: &RunsOptions) -> anyhow::Result<i32> {
    mark_lost_runs(args.home.as_deref());
    let store = open(args.home.as_deref())?;
    let runs = match &store {
        Some(store) => store.list_runs().map_err(with_hint)?,
        None => Vec::new(),
    };
    finish_output(|out| {
        if args.json {
            let doc = Value::Array(runs.iter().map(RunRecord::to_json).collect());
            serde_json::to_writer(&mut *out, &doc)?;
            writeln!(out)
        } else {
            print_runs(out, &runs)
        }
    })
}

/// `irongate events`: the logged decisions, oldest first.
pub fn events(args: &EventsOptions) -> anyhow::Result<i32> {
    let decision = args
        .decision
        .as_deref()
        .map(str::parse::<Decision>)
        .transpose()
        .map_err(|e| anyhow!("invalid --decision: {e}"))?;
    let run = args.run.as_deref().map(parse_run).transpose()?;
    let Some(store) = open(args.home.as_deref())? else {
        return Ok(0);
    };
    let run_id = match run {
        None => None,
        Some(RunSel::Id(id)) => Some(id),
        Some(RunSel::Last) => match store.last_run_id().map_err(with_hint)? {
            Some(id) => Some(id),
            // No runs: nothing to show, like an empty log.
            None => return Ok(0),
        },
    };
    let filter = EventFilter {
        run_id,
        decision,
        unexplained: args.unexplained.then_some(true),
        ..EventFilter::default()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut write_err: Option<io::Error> = None;
    store
        .each_event(&filter, |ev| {
            let r = if args.json {
                serde_json::to_writer(&mut out, &ev.to_json())
                    .map_err(io::Error::from)
                    .and_then(|()| writeln!(out))
            } else {
                print_event(&mut out, &ev)
            };
            match r {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    write_err = Some(e);
                    ControlFlow::Break(())
                }
            }
        })
        .map_err(with_hint)?;
    let result = match write_err {
        Some(e) => Err(e),
        None => out.flush(),
    };
    io_status(result)
}

/// The public key `--pubkey` names, if any.
pub fn read_optional_pubkey(
    args: &VerifyOptions,
) -> anyhow::Result<Option<super::checkpoint::PublicKey>> {
    args.pubkey.as_deref().map(read_pubkey).transpose()
}

/// `irongate verify`: exit 0 when the chain and its signed checkpoints are
/// intact, 1 when tampering is found. (`--bundle FILE` verifies an
/// incident bundle, which is replay's: the command line sends it there.)
pub fn verify(args: &VerifyOptions) -> anyhow::Result<i32> {
    let pubkey = read_optional_pubkey(args)?;
    let home = crate::home::resolve(args.home.as_deref())?;
    let store = open(Some(&home))?;
    let db_path = home.join(super::DB_FILE);
    // The checkpoints first, then the chain (see `checkpoint::Gathered`).
    let gathered = super::checkpoint::gather(store.as_ref(), &db_path).map_err(with_hint)?;
    let report = match &store {
        Some(store) => store.verify().map_err(with_hint)?,
        None => super::VerifyReport {
            ok: true,
            checked: 0,
            first_bad: None,
        },
    };
    let chain_len = i64::try_from(report.checked).unwrap_or(i64::MAX);
    let anchors = super::checkpoint::verify_gathered(
        gathered,
        store.as_ref(),
        chain_len,
        &db_path,
        pubkey.as_ref(),
    )
    .map_err(with_hint)?;
    let first_bad = report.first_bad.clone().or_else(|| anchors.problem.clone());
    let ok = first_bad.is_none();
    let status = finish_output(|out| {
        if args.json {
            let mut doc = super::VerifyReport {
                ok,
                checked: report.checked,
                first_bad: first_bad.clone(),
            }
            .to_json();
            doc["checkpoints"] = anchors.to_json();
            serde_json::to_writer(&mut *out, &doc)?;
            return writeln!(out);
        }
        match &first_bad {
            None if store.is_none() => writeln!(out, "ok: no audit log yet (0 events)"),
            None => {
                writeln!(
                    out,
                    "ok: {} events verified, the chain is intact",
                    report.checked
                )?;
                match &anchors.latest {
                    Some(c) => writeln!(
                        out,
                        "ok: {} signed checkpoints verified (key {}); the newest covers event {}, signed {} UTC",
                        anchors.verified,
                        anchors.key_id.as_deref().unwrap_or("?"),
                        c.tree_size,
                        utc(c.ts, false)
                    ),
                    None => writeln!(
                        out,
                        "note: no signed checkpoint yet: nothing outside the database vouches for its end"
                    ),
                }
            }
            Some(t) => writeln!(
                out,
                "TAMPERED: event {} ({}): {}\n{} events verified before it",
                t.id,
                t.kind,
                printable(&t.detail),
                report.checked
            ),
        }
    })?;
    if status != 0 {
        return Ok(status);
    }
    Ok(if ok { 0 } else { EXIT_TAMPERED })
}

/// Reads `--pubkey FILE`.
pub fn read_pubkey(path: &Path) -> anyhow::Result<super::checkpoint::PublicKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --pubkey {}", path.display()))?;
    super::checkpoint::PublicKey::parse(&text).map_err(|e| {
        anyhow!(
            "--pubkey {}: {e}\nhint: pass the file `irongate key export > FILE` wrote on the machine that ran the agent",
            path.display()
        )
    })
}

/// `irongate key export`: the checkpoint key's public half on stdout.
pub fn key_export(home: Option<&Path>) -> anyhow::Result<i32> {
    let home = crate::home::resolve(home)?;
    let key = super::checkpoint::home_public_key(&home).map_err(with_hint)?;
    let Some(key) = key else {
        return Err(crate::exit::Failure::setup(format!(
            "{} has no checkpoint key yet\nhint: the key is created with the first checkpoint, at the end of the first `irongate run`",
            home.display()
        ))
        .into());
    };
    finish_output(|out| out.write_all(key.to_text().as_bytes()))
}

pub(crate) enum RunSel {
    /// A run id.
    Id(i64),
    /// The newest run.
    Last,
}

pub(crate) fn parse_run(s: &str) -> anyhow::Result<RunSel> {
    if s == "last" {
        return Ok(RunSel::Last);
    }
    s.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(RunSel::Id)
        .ok_or_else(|| {
            anyhow!("invalid --run {s:?}: expected a run id or `last`\nhint: `irongate runs` lists the run ids")
        })
}

/// Marks the runs of dead supervisors when there is a database that this
/// user can write; anything else is left to the read that follows, which
/// reports it.
fn mark_lost_runs(home_flag: Option<&Path>) {
    let Ok(home) = crate::home::resolve(home_flag) else {
        return;
    };
    if !home.join(super::DB_FILE).is_file() {
        return;
    }
    if let Ok(store) = Store::open(&home) {
        let _ = store.mark_lost_runs();
    }
}

fn open(home_flag: Option<&Path>) -> anyhow::Result<Option<Store>> {
    let home = crate::home::resolve(home_flag)?;
    Store::open_readonly(&home).map_err(with_hint)
}

/// Adds the second line of the message: how to fix it.
pub(crate) fn with_hint(e: AuditError) -> anyhow::Error {
    let hint = match &e {
        AuditError::Open { path, .. } => format!(
            "the file is damaged or not an irongate database; move {} aside (irongate then starts a new log) and keep it for inspection",
            path.display()
        ),
        AuditError::Schema { .. } => {
            "use the irongate that created the file, or move it aside".to_owned()
        }
        AuditError::Corrupt { .. } | AuditError::Sql { .. } => {
            "run `irongate verify` to see whether the log was tampered with".to_owned()
        }
        _ => "check the state directory (--home, $IRONGATE_HOME) and its permissions".to_owned(),
    };
    anyhow!("{}\nhint: {hint}", chain_message(&e))
}

/// `error: cause: cause…`, leaving out a cause that only repeats its
/// neighbour (SQLite errors come wrapped twice with the same text).
fn chain_message(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut last = out.clone();
    let mut source = e.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !last.contains(&msg) && !msg.contains(&last) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        last = msg;
        source = s.source();
    }
    out
}

/// Runs `write` on a buffered stdout; a closed pipe is a normal end.
pub(crate) fn finish_output(
    write: impl FnOnce(&mut BufWriter<io::StdoutLock<'_>>) -> io::Result<()>,
) -> anyhow::Result<i32> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = write(&mut out).and_then(|()| out.flush());
    io_status(result)
}

pub(crate) fn io_status(result: io::Result<()>) -> anyhow::Result<i32> {
    match result {
        Ok(()) => Ok(0),
        // The reader went away (`| head`): what it wanted was written.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}

fn print_runs(out: &mut impl Write, runs: &[RunRecord]) -> io::Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let agent_w = runs
        .iter()
        .map(|r| printable(&r.agent_name).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 32);
    writeln!(
        out,
        "{:>5}  {:<agent_w$}  {:<19}  {:<15}  {:>7}  {:>7}  {:>7}  {:>7}  {:>7}",
        "ID", "AGENT", "STARTED (UTC)", "STATUS", "EXIT", "ALLOW", "REVIEW", "BLOCK", "UNEXPL"
    )?;
    for r in runs {
        let mut agent = printable(&r.agent_name);
        if agent.chars().count() > agent_w {
            agent = agent.chars().take(agent_w - 1).chain(['…']).collect();
        }
        let exit = match (r.status, r.exit_code, r.signal) {
            (RunStatus::Running, _, _) => "-".to_owned(),
            (_, _, Some(sig)) => signal_name(sig),
            (_, Some(code), None) => code.to_string(),
            (_, None, None) => "-".to_owned(),
        };
        writeln!(
            out,
            "{:>5}  {:<agent_w$}  {:<19}  {:<15}  {:>7}  {:>7}  {:>7}  {:>7}  {:>7}",
            r.id,
            agent,
            utc(r.started_at, false),
            r.status.as_str(),
            exit,
            r.counts.allow,
            r.counts.review,
            r.counts.block,
            r.counts.unexplained
        )?;
    }
    Ok(())
}

pub(crate) fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

fn print_event(out: &mut impl Write, ev: &EventRecord) -> io::Result<()> {
    write!(
        out,
        "{:>6}  run {:<4} {}  {:<7} {:<6} {}",
        ev.id,
        ev.run_id,
        utc(ev.ts, true),
        ev.layer.as_str(),
        ev.decision.as_str(),
        printable(&summary(&ev.action)),
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
        let what = if v.timeout {
            "timed out".to_owned()
        } else {
            format!("{} by {} via {}", v.decision, printable(&v.by), v.via)
        };
        write!(out, "  → {what}")?;
    }
    writeln!(out)
}

/// `type/subtype target` of an action, for the one-line view.
pub(crate) fn summary(action: &Value) -> String {
    let field = |k: &str| action.get(k).and_then(Value::as_str);
    let kind = match (field("type"), field("subtype")) {
        (Some(t), Some(s)) => format!("{t}/{s}"),
        (Some(t), None) => t.to_owned(),
        _ => "?".to_owned(),
    };
    let target = ["url", "path", "cmd", "tool_name", "target", "host", "name"]
        .iter()
        .find_map(|k| field(k));
    match target {
        Some(t) => format!("{kind} {t}"),
        None => kind,
    }
}

/// Escapes control characters: paths and commands are agent-controlled and
/// must not drive the terminal.
pub(crate) fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS[.mmm]` in UTC.
pub(crate) fn utc(ts: f64, millis: bool) -> String {
    if !ts.is_finite() {
        return "?".to_owned();
    }
    let total_ms = (ts * 1000.0).round() as i64;
    let (secs, ms) = (total_ms.div_euclid(1000), total_ms.rem_euclid(1000));
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let time = format!("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
    if millis {
        format!("{y:04}-{m:02}-{d:02} {time}.{ms:03}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {time}")
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0.0, false), "1970-01-01 00:00:00");
        assert_eq!(utc(1_700_000_000.5, true), "2023-11-14 22:13:20.500");
        assert_eq!(utc(951_782_400.0, false), "2000-02-29 00:00:00");
    }

    #[test]
    fn printable_escapes_terminal_controls() {
        assert_eq!(printable("a\x1b[31mb\n"), "a\\u{1b}[31mb\\n");
        assert_eq!(printable("ok é"), "ok é");
        assert_eq!(printable("\u{202e}x"), "\\u{202e}x");
    }

    #[test]
    fn run_selector() {
        assert!(matches!(parse_run("last"), Ok(RunSel::Last)));
        assert!(matches!(parse_run("12"), Ok(RunSel::Id(12))));
        assert!(parse_run("0").is_err());
        assert!(parse_run("x").is_err());
    }
}
