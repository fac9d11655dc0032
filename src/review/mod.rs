//! Held operations: a `review` decision waits, with the agent's
//! thread (or syscall) held, until a human approves or denies it — from the
//! terminal prompt, `irongate approvals`, or the dashboard — or until the
//! timeout blocks it. Other threads keep running.
//!
//! One id names a held operation everywhere: the id of the held event in the
//! log. The announcement, `approvals list`, the dashboard and `approve ID`
//! all use it.
//!
//! Coordination goes through the shared database: the approver appends the
//! verdict (a `review` event) and moves the approval out of `pending` in one
//! transaction, then sends a datagram to the waiter's wake-up socket in
//! `$IRONGATE_HOME/wake/ID` (out of the agent's reach with the rest of the
//! home). The waiter blocks on that socket and, as a fallback for approvers
//! that cannot reach it, re-reads its approval whenever SQLite's
//! `data_version` says another connection committed (checked every 50 ms).

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod announce;

use self::announce::{Notice, Notifier};
use crate::action::Action;
use crate::audit::{self, ApprovalStatus, AuditError, NewApproval, ReviewVia, Store};
use crate::policy::overlay::{Allowance, Overlay, Widen};
use crate::policy::{Decision, Verdict};

/// How often a held operation checks `data_version` when no wake-up came.
const FALLBACK_POLL: Duration = Duration::from_millis(50);

/// The review queue of a run.
pub struct Reviews {
    home: PathBuf,
    run_id: i64,
    agent: String,
    notifier: Notifier,
    /// The loopback port this run's dashboard serves on (0: none).
    dashboard_port: std::sync::atomic::AtomicU16,
}

impl Reviews {
    /// The review queue for `run_id` in the database under `home`, with no
    /// announcements.
    pub fn new(home: &Path, run_id: i64) -> Reviews {
        Reviews {
            home: home.to_path_buf(),
            run_id,
            agent: String::new(),
            notifier: Notifier::silent(),
            dashboard_port: std::sync::atomic::AtomicU16::new(0),
        }
    }

    /// Scopes remembered approvals to `agent` and announces reviews with
    /// `notifier`.
    pub fn with(mut self, agent: &str, notifier: Notifier) -> Reviews {
        self.agent = agent.to_owned();
        self.notifier = notifier;
        self
    }

    /// The announcer (the dashboard sets its URL once serving).
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Records the port of this run's dashboard, which the agent may not
    /// reach (it would otherwise spend the dashboard's failure budget).
    pub fn set_dashboard_port(&self, port: u16) {
        self.dashboard_port
            .store(port, std::sync::atomic::Ordering::Relaxed);
    }

    /// True when `action` reaches this run's dashboard port on a local
    /// address.
    pub fn is_dashboard(&self, action: &Action) -> bool {
        use crate::action::Field;
        let port = self
            .dashboard_port
            .load(std::sync::atomic::Ordering::Relaxed);
        if port == 0
            || action.type_text() != "network"
            || action.get(Field::Port).and_then(Value::as_i64) != Some(i64::from(port))
        {
            return false;
        }
        let local = |s: &str| {
            let s = s.trim_start_matches('[').trim_end_matches(']');
            s == "localhost"
                || s.parse::<std::net::IpAddr>().is_ok_and(|ip| {
                    ip.is_loopback()
                        || ip.is_unspecified()
                        || matches!(ip, std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
                })
        };
        [Field::Ip, Field::Host, Field::Hostname]
            .iter()
            .filter_map(|f| action.text(*f))
            .any(local)
            || action.text(Field::Ip).is_none() && action.text(Field::Host).is_none()
    }

    /// A remembered approval that turns this `review` into an `allow`, if
    /// the user overlay has one for this agent and action. The
    /// verdict names the allowance, so the log says what decided.
    pub fn remembered(&self, action: &Action, verdict: &Verdict) -> Option<Verdict> {
        if verdict.decision != Decision::Review || self.agent.is_empty() {
            return None;
        }
        let overlay = match Overlay::load(&self.home) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("irongate: warning: remembered approvals ignored: {e}");
                return None;
            }
        };
        let a = overlay.find(&self.agent, action)?;
        Some(Verdict {
            decision: Decision::Allow,
            reason: format!(
                "remembered_approval:{}: {} (policy: {})",
                a.id,
                a.explain(),
                verdict.reason
            ),
            rule: verdict.rule.clone(),
        })
    }

    /// Holds the operation until it is decided or times out; returns the
    /// final verdict (allow or block).
    pub fn wait(
        &self,
        held: i64,
        action: &Action,
        verdict: &Verdict,
        timeout: Duration,
        frame: Option<&str>,
    ) -> Verdict {
        let blocked = |reason: String| Verdict {
            decision: Decision::Block,
            reason,
            rule: verdict.rule.clone(),
        };
        let store = match Store::open(&self.home) {
            Ok(s) => s,
            Err(e) => return blocked(format!("review_unavailable: {e}")),
        };
        let digest = audit::chain::action_digest(&action.to_json());
        let now = audit::now();
        let approval = NewApproval {
            event_id: held,
            run_id: self.run_id,
            action_digest: digest.clone(),
            created_at: now,
            expires_at: now + timeout.as_secs_f64(),
        };
        // Bound before the approval exists, so no verdict can miss it.
        let waker = Waker::bind(&self.home, held);
        if let Err(e) = store.create_approval(&approval) {
            return blocked(format!("review_unavailable: {e}"));
        }
        let notice = Notice {
            id: held,
            run_id: self.run_id,
            agent: self.agent.clone(),
            action: action.to_json(),
            rule: verdict.rule.clone(),
            reason: verdict.reason.clone(),
            frame: frame.map(str::to_owned),
            created_at: now,
            expires_at: approval.expires_at,
        };
        self.notifier.announce(&notice);
        let result = self.hold(&store, held, &digest, verdict, timeout, waker.as_ref());
        self.notifier.settled(held, &result);
        result
    }

    fn hold(
        &self,
        store: &Store,
        held: i64,
        digest: &str,
        verdict: &Verdict,
        timeout: Duration,
        waker: Option<&Waker>,
    ) -> Verdict {
        let blocked = |reason: String| Verdict {
            decision: Decision::Block,
            reason,
            rule: verdict.rule.clone(),
        };
        let deadline = Instant::now() + timeout;
        let mut seen_version: Option<i64> = None;
        loop {
            let version = store.data_version().ok();
            if version.is_none() || version != seen_version {
                seen_version = version;
                let current = match store.approval_for_event(held) {
                    Ok(Some(a)) => a,
                    Ok(None) => {
                        return blocked("review_unavailable: the approval vanished".into());
                    }
                    Err(e) => return blocked(format!("review_unavailable: {e}")),
                };
                let who = current.decided_by.clone().unwrap_or_default();
                let via = current
                    .decided_via
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default();
                match current.status {
                    ApprovalStatus::Approved => {
                        // Single use, bound to this exact action.
                        return match store.consume_approval(held, digest, audit::now()) {
                            Ok(true) => Verdict {
                                decision: Decision::Allow,
                                reason: format!("approved by {who} via {via}"),
                                rule: verdict.rule.clone(),
                            },
                            Ok(false) => blocked(format!(
                                "{}: the approval expired before use",
                                verdict.reason
                            )),
                            Err(e) => blocked(format!("review_unavailable: {e}")),
                        };
                    }
                    ApprovalStatus::Denied => {
                        return blocked(format!("{}: denied by {who} via {via}", verdict.reason));
                    }
                    ApprovalStatus::Pending => {}
                    other => return blocked(format!("{}: approval {other}", verdict.reason)),
                }
            }
            let now = Instant::now();
            if now >= deadline {
                let v = audit::Verdict {
                    at: audit::now(),
                    by: "irongate".into(),
                    reason: Some("review timed out".into()),
                    timeout: true,
                    decision: Decision::Block,
                    via: ReviewVia::Supervisor,
                };
                // A human may have decided in the same instant: then the
                // approval is no longer pending and the loop reads it again.
                if store.record_review_verdict(held, &v).is_ok() {
                    return blocked(format!(
                        "{} (review timed out after {}s)",
                        verdict.reason,
                        timeout.as_secs_f64()
                    ));
                }
                seen_version = None;
            }
            let nap = FALLBACK_POLL.min(deadline.saturating_duration_since(now));
            match waker {
                Some(w) => {
                    if w.sleep(nap) {
                        // Woken: read the approval whatever the version says.
                        seen_version = None;
                    }
                }
                None => std::thread::sleep(nap),
            }
        }
    }
}

/// The waiter's end of a wake-up: a datagram socket at
/// `$IRONGATE_HOME/wake/ID`, removed when the review ends.
struct Waker {
    sock: UnixDatagram,
    path: PathBuf,
}

/// The directory of wake-up sockets.
fn wake_dir(home: &Path) -> PathBuf {
    home.join("wake")
}

impl Waker {
    fn bind(home: &Path, id: i64) -> Option<Waker> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = wake_dir(home);
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let path = dir.join(id.to_string());
        let _ = std::fs::remove_file(&path);
        // A path too long for sun_path leaves only the fallback polling.
        let sock = UnixDatagram::bind(&path).ok()?;
        Some(Waker { sock, path })
    }

    /// Waits up to `d` for a wake-up; true if one came.
    fn sleep(&self, d: Duration) -> bool {
        if d.is_zero() {
            return false;
        }
        let _ = self.sock.set_read_timeout(Some(d));
        let mut buf = [0u8; 16];
        self.sock.recv(&mut buf).is_ok()
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Tells the waiter of review `id` (if it is waiting on this machine) that
/// its approval changed. Best effort: the waiter also polls.
pub fn wake(home: &Path, id: i64) {
    if let Ok(s) = UnixDatagram::unbound() {
        let _ = s.send_to(b"!", wake_dir(home).join(id.to_string()));
    }
}

/// The OS user deciding, for the record.
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| format!("uid {}", nix::unistd::getuid()))
}

/// A human verdict to record.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The held event's id.
    pub id: i64,
    /// Approve (true) or deny.
    pub allow: bool,
    /// Approve and remember, widened as given.
    pub remember: Option<Widen>,
    /// Who.
    pub by: String,
    /// Through what.
    pub via: ReviewVia,
    /// Why (optional).
    pub reason: Option<String>,
}

/// What recording an answer did.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The `review` event appended.
    pub review_event: i64,
    /// The allowance stored, for approve-and-remember.
    pub allowance: Option<Allowance>,
}

/// Why an answer was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// No held operation has this id.
    #[error("no held operation {0}\nhint: `irongate approvals list` shows what is waiting")]
    NotFound(i64),
    /// It was already decided, used, timed out or expired.
    #[error(
        "held operation {id} is {status}, not pending\nhint: an approval is single-use and expires with its review"
    )]
    NotPending {
        /// The id.
        id: i64,
        /// Its state.
        status: ApprovalStatus,
    },
    /// Approve-and-remember was asked in a way that cannot be honoured.
    #[error("cannot remember held operation {id}: {why}")]
    Remember {
        /// The id.
        id: i64,
        /// Why.
        why: String,
    },
    /// The database failed.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// Records a human verdict on held operation `answer.id` and wakes its
/// waiter; with `remember`, also stores the allowance — before the
/// approval, so the agent, released at once, finds it for its next
/// identical request; it is taken back if the approval is then refused.
/// Used by the CLI, the terminal prompt and the dashboard alike.
pub fn answer(home: &Path, store: &Store, answer: &Answer) -> Result<Decided, AnswerError> {
    let id = answer.id;
    let approval = store
        .approval_for_event(id)?
        .ok_or(AnswerError::NotFound(id))?;
    if approval.status != ApprovalStatus::Pending {
        return Err(AnswerError::NotPending {
            id,
            status: approval.status,
        });
    }
    // Check the allowance can be made before approving anything.
    let remember = match &answer.remember {
        Some(widen) if answer.allow => {
            let event = store.event(id)?.ok_or(AnswerError::NotFound(id))?;
            let action = Action::from_json(&event.action).map_err(|e| AnswerError::Remember {
                id,
                why: e.to_string(),
            })?;
            crate::policy::overlay::narrowest(&action, widen).map_err(|e| {
                AnswerError::Remember {
                    id,
                    why: e.to_string(),
                }
            })?;
            let agent = store
                .run(approval.run_id)?
                .map(|r| r.agent_name)
                .unwrap_or_default();
            Some((action, agent, widen.clone()))
        }
        _ => None,
    };
    let verdict = audit::Verdict {
        at: audit::now(),
        by: answer.by.clone(),
        reason: answer.reason.clone(),
        timeout: false,
        decision: if answer.allow {
            Decision::Allow
        } else {
            Decision::Block
        },
        via: answer.via,
    };
    let before = Overlay::load(home)
        .map(|o| o.allowances.iter().map(|a| a.id).collect::<Vec<_>>())
        .unwrap_or_default();
    let allowance = match remember {
        Some((action, agent, widen)) => Some(
            Overlay::remember(
                home,
                &agent,
                &action,
                &widen,
                &answer.by,
                answer.via.as_str(),
                id,
            )
            .map_err(|e| AnswerError::Remember {
                id,
                why: format!("the allowance cannot be stored: {e}"),
            })?,
        ),
        None => None,
    };
    let take_back = || {
        if let Some(a) = &allowance
            && !before.contains(&a.id)
        {
            let _ = Overlay::revoke(home, a.id);
        }
    };
    let review_event = match store.record_review_verdict(id, &verdict) {
        Ok(r) => r,
        Err(AuditError::ApprovalNotPending { status, .. }) => {
            take_back();
            return Err(AnswerError::NotPending { id, status });
        }
        Err(AuditError::NoApproval { .. } | AuditError::UnknownEvent { .. }) => {
            take_back();
            return Err(AnswerError::NotFound(id));
        }
        Err(e) => {
            take_back();
            return Err(e.into());
        }
    };
    wake(home, id);
    Ok(Decided {
        review_event,
        allowance,
    })
}

/// The JSON of a pending approval for `approvals list --json` and the
/// dashboard: `id` is the held event's id (the one `approve` takes);
/// `approval_id` is the approvals table's own row.
pub fn pending_json(store: &Store) -> Result<Vec<Value>, AuditError> {
    let now = audit::now();
    let mut out = Vec::new();
    for a in store.pending_approvals()? {
        let mut v = a.to_json();
        v["approval_id"] = json!(a.id);
        v["id"] = json!(a.event_id);
        v["seconds_left"] = json!((a.expires_at - now).max(0.0).round());
        if let Some(run) = store.run(a.run_id)? {
            v["agent"] = json!(run.agent_name);
        }
        if let Some(ev) = store.event(a.event_id)? {
            v["event"] = ev.to_json();
        }
        out.push(v);
    }
    Ok(out)
}

/// What `irongate approvals …` was asked to do, with the state directory.
#[derive(Debug, Clone)]
pub struct ApprovalsOptions {
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
    /// The subcommand.
    pub request: ApprovalsRequest,
}

/// One `irongate approvals` subcommand.
#[derive(Debug, Clone)]
pub enum ApprovalsRequest {
    /// Held operations waiting for a human.
    List {
        /// One JSON document instead of text.
        json: bool,
    },
    /// Let a held operation proceed (remembering it if `remember` is set).
    Approve(DecideOptions),
    /// Refuse a held operation.
    Deny(DecideOptions),
    /// Approve a held operation and remember a narrow allowance for its agent.
    Remember(DecideOptions),
    /// Remembered approvals (the user overlay).
    ListRemembered {
        /// One JSON document instead of text.
        json: bool,
    },
    /// Remove a remembered approval.
    Revoke {
        /// The remembered approval's id.
        id: u64,
        /// One JSON document instead of text.
        json: bool,
    },
}

/// A verdict on one held operation (`approve`, `deny`, `remember`).
#[derive(Debug, Clone)]
pub struct DecideOptions {
    /// The held operation's id (as announced and listed).
    pub id: i64,
    /// Why, recorded with the verdict.
    pub reason: Option<String>,
    /// Also remember a narrow allowance (approve only).
    pub remember: bool,
    /// Remember: widen a command to its first N argv words.
    pub argv_prefix: Option<usize>,
    /// Remember: widen a file action to every path under this directory.
    pub path_prefix: Option<String>,
    /// One JSON document instead of text.
    pub json: bool,
}

/// `irongate approvals …`: verdicts are appended as
/// `review` events by this process, with the OS user.
pub fn cmd_approvals(opts: ApprovalsOptions) -> anyhow::Result<i32> {
    use crate::exit::Failure;
    use ApprovalsRequest as C;
    use anyhow::Context;
    let home = crate::home::resolve(opts.home.as_deref())?;
    let cmd = opts.request;
    match &cmd {
        C::ListRemembered { json, .. } => {
            let overlay = Overlay::load(&home).map_err(|e| Failure::setup(e.to_string()))?;
            if *json {
                println!("{}", overlay.to_json());
            } else if overlay.allowances.is_empty() {
                println!("no remembered approvals in {}", home.display());
            } else {
                for a in &overlay.allowances {
                    println!("{:>4}  {}", a.id, crate::terminal::printable(&a.explain()));
                }
                println!("revoke one with: irongate approvals revoke ID");
            }
            return Ok(0);
        }
        C::Revoke { id, json, .. } => {
            let a = Overlay::revoke(&home, *id).map_err(|e| Failure::setup(e.to_string()))?;
            if *json {
                println!("{}", json!({"revoked": a.id, "explain": a.explain()}));
            } else {
                println!(
                    "revoked remembered approval {}: {}",
                    a.id,
                    crate::terminal::printable(&a.explain())
                );
            }
            return Ok(0);
        }
        _ => {}
    }
    let Some(store) =
        Store::open_readonly(&home).with_context(|| format!("cannot read {}", home.display()))?
    else {
        return match cmd {
            C::List { json, .. } => {
                if json {
                    println!("[]");
                }
                Ok(0)
            }
            C::Approve(a) | C::Deny(a) | C::Remember(a) => Err(Failure::setup(format!(
                "no held operation {}: there is no audit database in {}",
                a.id,
                home.display()
            ))
            .into()),
            C::ListRemembered { .. } | C::Revoke { .. } => Ok(0),
        };
    };
    match cmd {
        C::List { json, .. } => {
            let pending = pending_json(&store)?;
            if json {
                println!("{}", Value::Array(pending));
            } else if pending.is_empty() {
                println!("nothing is waiting for review");
            } else {
                for v in &pending {
                    let ev = &v["event"];
                    let action = Action::from_json(&ev["action"])
                        .map(|a| a.describe())
                        .unwrap_or_default();
                    println!(
                        "{:>6}  run {:<4} {}s left  {}  [{}]  {}",
                        v["id"],
                        v["run_id"],
                        v["seconds_left"],
                        crate::terminal::printable(&action),
                        crate::terminal::printable(ev["reason"].as_str().unwrap_or("")),
                        crate::terminal::printable(ev["frame"].as_str().unwrap_or("")),
                    );
                }
                println!("decide with: irongate approvals approve ID | deny ID | remember ID");
            }
            Ok(0)
        }
        C::Approve(a) => decide_cli(&home, &a, true, a.remember),
        C::Remember(a) => decide_cli(&home, &a, true, true),
        C::Deny(a) => decide_cli(&home, &a, false, false),
        C::ListRemembered { .. } | C::Revoke { .. } => Ok(0),
    }
}

fn decide_cli(home: &Path, a: &DecideOptions, allow: bool, remember: bool) -> anyhow::Result<i32> {
    if !allow && (a.remember || a.argv_prefix.is_some() || a.path_prefix.is_some()) {
        return Err(crate::exit::Failure::setup(
            "deny cannot remember or widen\nhint: only an approval can be remembered",
        )
        .into());
    }
    let widened = a.argv_prefix.is_some() || a.path_prefix.is_some();
    let store = Store::open(home)?;
    let answer_in = Answer {
        id: a.id,
        allow,
        remember: (remember || widened).then(|| Widen {
            argv_prefix: a.argv_prefix,
            path_prefix: a.path_prefix.clone(),
        }),
        by: os_user(),
        via: ReviewVia::Cli,
        reason: a.reason.clone(),
    };
    match answer(home, &store, &answer_in) {
        Ok(d) => {
            let word = if allow { "approved" } else { "denied" };
            if a.json {
                println!(
                    "{}",
                    json!({"id": a.id, "event_id": a.id, "verdict": word,
                        "review_event": d.review_event,
                        "remembered": d.allowance.as_ref().map(|x| json!({"id": x.id, "explain": x.explain()}))})
                );
            } else {
                println!(
                    "{word} held operation {} (review event {})",
                    a.id, d.review_event
                );
                if let Some(x) = &d.allowance {
                    println!(
                        "remembered as approval {}: {}",
                        x.id,
                        crate::terminal::printable(&x.explain())
                    );
                }
            }
            Ok(0)
        }
        Err(e) => Err(crate::exit::Failure::setup(format!("cannot decide: {e}")).into()),
    }
}
