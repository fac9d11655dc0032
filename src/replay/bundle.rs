//! Incident bundles.

use std::path::Path;

use crate::audit::checkpoint::PublicKey;

/// `irongate verify --bundle FILE`.
pub fn cmd_verify(_file: &Path, _key: Option<&PublicKey>, _json: bool) -> anyhow::Result<i32> {
    anyhow::bail!("not yet")
}
