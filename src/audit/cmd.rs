//! `irongate runs|events|verify`. (stub)
use crate::cli::{EventsArgs, RunsArgs, VerifyArgs};

/// `irongate runs`.
pub fn runs(_args: &RunsArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}

/// `irongate events`.
pub fn events(_args: &EventsArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}

/// `irongate verify`.
pub fn verify(_args: &VerifyArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}
