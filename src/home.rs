//! The state directory (`--home`, `$IRONGATE_HOME`, else `~/.irongate`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Resolves the state directory from the flag, the environment, or the user's home.
pub fn resolve(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(absolute(p));
    }
    if let Some(p) = std::env::var_os("IRONGATE_HOME").filter(|v| !v.is_empty()) {
        return Ok(absolute(Path::new(&p)));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("cannot find the state directory: neither --home, $IRONGATE_HOME nor $HOME is set\nhint: pass --home DIR")?;
    Ok(PathBuf::from(home).join(".irongate"))
}

/// Creates the state directory with mode 0700 if it does not exist.
pub fn ensure(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the state directory {}", dir.display()))?;
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
