//! Incident bundles.

use std::path::Path;

use crate::audit::checkpoint::PublicKey;
use crate::audit::{RunRecord, Store};

/// `irongate replay RUN --export FILE`.
pub fn export(_store: &Store, _run: &RunRecord, _file: &Path) -> anyhow::Result<i32> {
    anyhow::bail!("not yet")
}

/// `irongate verify --bundle FILE`.
pub fn cmd_verify(_file: &Path, _key: Option<&PublicKey>, _json: bool) -> anyhow::Result<i32> {
    anyhow::bail!("not yet")
}
