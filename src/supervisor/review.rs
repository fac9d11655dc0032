//! Held operations: a `review` decision waits, with the agent's
//! thread (or syscall) held, until a human approves or denies it through the
//! approvals table (dashboard or `irongate approvals`), or until the timeout
//! blocks it. Other threads keep running. The approver appends the review
//! event; a timeout is appended here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::action::Action;
use crate::audit::{self, ApprovalStatus, NewApproval, ReviewVia, Store};
use crate::policy::{Decision, Verdict};

/// How often a held operation looks at its approval.
const POLL: Duration = Duration::from_millis(20);

/// The review queue of a run.
pub struct Reviews {
    home: PathBuf,
    run_id: i64,
}

impl Reviews {
    /// The review queue for `run_id` in the database under `home`.
    pub fn new(home: &Path, run_id: i64) -> Reviews {
        Reviews {
            home: home.to_path_buf(),
            run_id,
        }
    }

    /// Holds the operation until it is decided or times out; returns the
    /// final verdict (allow or block).
    pub fn wait(
        &self,
        held: i64,
        action: &Action,
        verdict: &Verdict,
        timeout: Duration,
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
        if let Err(e) = store.create_approval(&approval) {
            return blocked(format!("review_unavailable: {e}"));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let current = match store.approval_for_event(held) {
                Ok(Some(a)) => a,
                Ok(None) => return blocked("review_unavailable: the approval vanished".into()),
                Err(e) => return blocked(format!("review_unavailable: {e}")),
            };
            let who = current.decided_by.clone().unwrap_or_default();
            match current.status {
                ApprovalStatus::Approved => {
                    // Single use, bound to this exact action.
                    return match store.consume_approval(held, &digest, audit::now()) {
                        Ok(true) => Verdict {
                            decision: Decision::Allow,
                            reason: format!("approved by {who}"),
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
                    return blocked(format!("{}: denied by {who}", verdict.reason));
                }
                ApprovalStatus::Pending => {}
                other => return blocked(format!("{}: approval {other}", verdict.reason)),
            }
            if Instant::now() >= deadline {
                let v = audit::Verdict {
                    at: audit::now(),
                    by: "irongate".into(),
                    reason: Some("review timed out".into()),
                    timeout: true,
                    decision: audit::Decision::Block,
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
            }
            std::thread::sleep(POLL);
        }
    }
}

/// `irongate approvals list|approve|deny`: the verdict is
/// appended as a `review` event by this process, with the OS user.
pub fn cmd_approvals(cmd: crate::cli::ApprovalsCommand) -> anyhow::Result<i32> {
    use crate::cli::ApprovalsCommand as C;
    use anyhow::Context;
    let home_flag = match &cmd {
        C::List { home, .. } => home.home.clone(),
        C::Approve(a) | C::Deny(a) => a.home.home.clone(),
    };
    let home = crate::home::resolve(home_flag.as_deref())?;
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
            C::Approve(a) | C::Deny(a) => Err(crate::cli::Failure::setup(format!(
                "no held operation {}: there is no audit database in {}",
                a.id,
                home.display()
            ))
            .into()),
        };
    };
    match cmd {
        C::List { json, .. } => {
            let pending = store.pending_approvals()?;
            if json {
                let items: Vec<serde_json::Value> = pending
                    .iter()
                    .map(|a| {
                        let mut v = a.to_json();
                        if let Ok(Some(ev)) = store.event(a.event_id) {
                            v["event"] = ev.to_json();
                        }
                        v
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(items));
            } else {
                for a in &pending {
                    let what = store
                        .event(a.event_id)
                        .ok()
                        .flatten()
                        .map(|e| {
                            format!(
                                "{} {} ({})",
                                e.action,
                                e.reason,
                                e.frame.unwrap_or_default()
                            )
                        })
                        .unwrap_or_default();
                    println!("{:>6}  run {:<4} {what}", a.event_id, a.run_id);
                }
            }
            Ok(0)
        }
        C::Approve(a) => decide(&Store::open(&home)?, &a, true),
        C::Deny(a) => decide(&Store::open(&home)?, &a, false),
    }
}

/// Records a human verdict on a held operation. The held thread (or
/// syscall) sees it within its polling interval and consumes it.
fn decide(store: &Store, a: &crate::cli::DecideArgs, allow: bool) -> anyhow::Result<i32> {
    let by = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| format!("uid {}", nix::unistd::getuid()));
    let verdict = audit::Verdict {
        at: audit::now(),
        by,
        reason: a.reason.clone(),
        timeout: false,
        decision: if allow {
            audit::Decision::Allow
        } else {
            audit::Decision::Block
        },
        via: ReviewVia::Cli,
    };
    match store.record_review_verdict(a.id, &verdict) {
        Ok(review_id) => {
            let word = if allow { "approved" } else { "denied" };
            if a.json {
                println!("{}", serde_json::json!({"event_id": a.id, "verdict": word, "review_event": review_id}));
            } else {
                println!("{word} held operation {} (review event {review_id})", a.id);
            }
            Ok(0)
        }
        Err(e) => Err(crate::cli::Failure::setup(format!(
            "cannot decide held operation {}: {e}\nhint: `irongate approvals list` shows what is still waiting",
            a.id
        ))
        .into()),
    }
}
