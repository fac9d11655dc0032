//! `irongate replay`: a run's timeline, re-evaluated under another
//! policy or profile, and incident bundles.

pub mod bundle;

use crate::cli::ReplayArgs;

/// `irongate replay`.
pub fn cmd(_args: &ReplayArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not yet")
}
