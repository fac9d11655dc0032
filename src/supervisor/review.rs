//! Held operations: a `review` decision waits, with the agent's
//! thread blocked, until a human approves or denies it through the approvals
//! table, or until the timeout blocks it. Other threads keep running.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::action::Action;
use crate::audit::{self, ApprovalStatus, NewApproval, ReviewVia, Store};
use crate::policy::{Decision, Verdict};

use super::log::EventLog;

/// How often a held operation looks at its approval.
const POLL: Duration = Duration::from_millis(25);

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
    /// final verdict (allow or block), after logging it.
    pub fn wait(&self, log: &EventLog, held: i64, action: &Action, verdict: &Verdict, timeout: Duration) -> Verdict {
        let blocked = |reason: String| Verdict {
            decision: Decision::Block,
            reason,
            rule: verdict.rule.clone(),
        };
        let store = match Store::open(&self.home) {
            Ok(s) => s,
            Err(e) => return blocked(format!("review_unavailable: {e}")),
        };
        let now = audit::now();
        let approval = NewApproval {
            event_id: held,
            run_id: self.run_id,
            action_digest: audit::chain::action_digest(&action.to_json()),
            created_at: now,
            expires_at: now + timeout.as_secs_f64(),
        };
        let id = match store.create_approval(&approval) {
            Ok(id) => id,
            Err(e) => return blocked(format!("review_unavailable: {e}")),
        };
        let deadline = Instant::now() + timeout;
        loop {
            match store.approval(id) {
                Ok(a) if a.status == ApprovalStatus::Approved || a.status == ApprovalStatus::Denied => {
                    let allow = a.status == ApprovalStatus::Approved;
                    if allow {
                        let _ = store.mark_approval_used(id);
                    }
                    let v = audit::Verdict {
                        at: a.decided_at.unwrap_or_else(audit::now),
                        by: a.decided_by.clone().unwrap_or_default(),
                        reason: a.reason.clone(),
                        timeout: false,
                        decision: if allow { audit::Decision::Allow } else { audit::Decision::Block },
                        via: a.decided_via.unwrap_or(ReviewVia::Cli),
                    };
                    if let Err(e) = log.record_verdict(held, action, &v) {
                        return blocked(format!("audit_log_unavailable: {e}"));
                    }
                    let who = a.decided_by.unwrap_or_default();
                    return if allow {
                        Verdict {
                            decision: Decision::Allow,
                            reason: format!("approved by {who}"),
                            rule: verdict.rule.clone(),
                        }
                    } else {
                        blocked(format!("{}: denied by {who}", verdict.reason))
                    };
                }
                Ok(_) => {}
                Err(e) => return blocked(format!("review_unavailable: {e}")),
            }
            if Instant::now() >= deadline {
                let _ = store.time_out_approval(id);
                let v = audit::Verdict {
                    at: audit::now(),
                    by: "irongate".into(),
                    reason: Some("approval timed out".into()),
                    timeout: true,
                    decision: audit::Decision::Block,
                    via: ReviewVia::Supervisor,
                };
                let _ = log.record_verdict(held, action, &v);
                return blocked(format!(
                    "{} (review timed out after {}s)",
                    verdict.reason,
                    timeout.as_secs_f64()
                ));
            }
            std::thread::sleep(POLL);
        }
    }
}
