//! `irongate policy check|eval`. (stub)
use std::path::Path;

/// `irongate policy check FILE [--json]`.
pub fn check(_file: &Path, _json: bool) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}

/// `irongate policy eval FILE --action JSON [--profile] [--json]`.
pub fn eval(_file: &Path, _action: &str, _profile: &str, _json: bool) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented")
}
