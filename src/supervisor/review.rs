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
