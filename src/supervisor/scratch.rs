//! The run's private scratch directory: the agent's `TMPDIR`.
//!
//! Created by the supervisor (mode 0700) before the fork and removed with
//! everything in it when the run ends. File operations whose every path is
//! inside it are runtime operations under every profile but `minimal`
//! (`decide::Decider::is_runtime_op`), so `tempfile` and the libraries that
//! keep their working files there (pytest's basetemp, pip's build
//! directories) work without granting `file.write` anywhere else. Its path
//! is the supervisor's, never the agent's word: an agent that points
//! `TMPDIR` elsewhere only moves its temporary files under the policy.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::exit::Failure;

/// The scratch directory of one run; removed on drop.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// Creates a fresh directory `irongate-tmp-<pid>-<random>` in the
    /// supervisor's temporary directory.
    pub fn create() -> Result<Scratch, Failure> {
        let base = std::env::temp_dir();
        let mut last_err = None;
        for _ in 0..16 {
            let dir = base.join(format!(
                "irongate-tmp-{}-{:08x}",
                std::process::id(),
                rand::random::<u32>()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                        .map_err(|e| {
                            Failure::setup(format!("cannot make {} private: {e}", dir.display()))
                        })?;
                    // The real path: what the policy and the kernel layer see.
                    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
                    return Ok(Scratch { dir });
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(Failure::setup(format!(
            "cannot create the run's scratch directory in {}: {}\nhint: set TMPDIR to a writable directory",
            base.display(),
            last_err.map(|e| e.to_string()).unwrap_or_default()
        )))
    }

    /// The directory (a real path).
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
