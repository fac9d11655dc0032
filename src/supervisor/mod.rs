//! The supervisor: launch, signals, reaping, exit code. (stub)
use crate::cli::{HomeArg, RunArgs};

/// `irongate run`.
pub fn cmd_run(_args: RunArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}

/// `irongate doctor`.
pub fn cmd_doctor(_home: &HomeArg) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}
