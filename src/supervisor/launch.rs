//! Everything `irongate run` checks and prepares before the fork: the
//! interpreter environment, the script, the run directory. Every failure here
//! is reported with the flag or file at fault and an exit status.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::exit::Failure;

/// The Python minor version this binary embeds.
pub const BUILD_PYVERSION: &str = env!("IRONGATE_BUILD_PYVERSION");

/// The interpreter environment the agent runs in.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    /// The interpreter path given to CPython as `program_name` (inside the
    /// venv's `bin/` for a venv: that is how CPython finds the venv).
    pub program: PathBuf,
    /// Directories whose reads are runtime reads: the venv and the
    /// base installation, as real paths.
    pub runtime_dirs: Vec<String>,
}

/// Finds the interpreter: `--python`, else `$VIRTUAL_ENV`, else the build
/// interpreter; refuses a Python version other than the embedded one.
pub fn python_env(flag: Option<&Path>) -> Result<PythonEnv, Failure> {
    let (given, origin) = if let Some(p) = flag {
        (p.to_path_buf(), "--python")
    } else if let Some(v) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        (PathBuf::from(v), "$VIRTUAL_ENV")
    } else {
        (
            PathBuf::from(env!("IRONGATE_BUILD_PYTHON")),
            "the build interpreter",
        )
    };
    let program = if given.is_dir() {
        given.join("bin/python")
    } else {
        given.clone()
    };
    if !program.exists() {
        return Err(Failure::setup(format!(
            "{origin} {}: no Python interpreter there\nhint: pass --python with a venv directory or a python{BUILD_PYVERSION} executable",
            given.display()
        )));
    }
    let program = std::path::absolute(&program).unwrap_or(program);
    let bin_dir = program.parent().unwrap_or(Path::new("/")).to_path_buf();
    let env_root = bin_dir.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut runtime_dirs = Vec::new();
    let cfg = env_root.join("pyvenv.cfg");
    let version = if cfg.exists() {
        let text = std::fs::read_to_string(&cfg)
            .map_err(|e| Failure::setup(format!("cannot read {}: {e}", cfg.display())))?;
        let mut version = None;
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            match k.trim() {
                "version" | "version_info" => version = Some(v.trim().to_owned()),
                "home" => {
                    let home = PathBuf::from(v.trim());
                    if let Some(base) = home.parent() {
                        runtime_dirs.push(real(base));
                    }
                }
                _ => {}
            }
        }
        runtime_dirs.push(real(&env_root));
        version
    } else {
        runtime_dirs.push(real(&env_root));
        std::fs::read_dir(env_root.join("lib"))
            .ok()
            .and_then(|dir| {
                dir.flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .filter(|n| {
                        n.starts_with("python3.")
                            && env_root.join("lib").join(n).join("os.py").exists()
                    })
                    .map(|n| n.trim_start_matches("python").to_owned())
                    .next()
            })
    };
    let Some(version) = version else {
        return Err(Failure::setup(format!(
            "{origin} {}: cannot tell its Python version (no pyvenv.cfg, no lib/python3.X/os.py)\nhint: pass --python with a venv or a python{BUILD_PYVERSION} installation",
            given.display()
        )));
    };
    let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    if minor != BUILD_PYVERSION {
        return Err(Failure::setup(format!(
            "{origin} {} is Python {version}, but this irongate embeds Python {BUILD_PYVERSION}\nhint: use a Python {BUILD_PYVERSION} venv, or rebuild irongate with PYO3_PYTHON pointing at Python {minor}",
            given.display()
        )));
    }
    Ok(PythonEnv {
        program,
        runtime_dirs,
    })
}

fn real(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Checks the script: 127 when it does not exist, 126 when it cannot be run.
pub fn script(path: &Path) -> Result<PathBuf, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure::new(
                crate::exit::NOT_FOUND,
                format!(
                    "{}: no such file\nhint: check the path of the agent script",
                    path.display()
                ),
            )
        } else {
            Failure::new(
                crate::exit::NOT_RUNNABLE,
                format!("{}: cannot be read: {e}", path.display()),
            )
        }
    })?;
    if meta.is_dir() {
        let main = path.join("__main__.py");
        if !main.exists() {
            return Err(Failure::new(
                crate::exit::NOT_RUNNABLE,
                format!("{}: is a directory without __main__.py", path.display()),
            ));
        }
    }
    if std::fs::File::open(path).is_err() && !meta.is_dir() {
        return Err(Failure::new(
            crate::exit::NOT_RUNNABLE,
            format!(
                "{}: permission denied\nhint: make the script readable",
                path.display()
            ),
        ));
    }
    Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The dynamic loaders of the architectures we run on: the kernel opens
/// one for every dynamically linked program it executes (so the Landlock
/// layer must let it be executed).
pub const DYNAMIC_LOADERS: &[&str] = &["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"];

/// The per-run directory: the IPC socket and the launcher link
/// (`bin/python` → this binary, set as the agent's `sys.executable`).
#[derive(Debug)]
pub struct RunDir {
    /// The directory.
    pub dir: PathBuf,
}

impl RunDir {
    /// Creates a fresh private directory.
    pub fn create() -> Result<RunDir, Failure> {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        // Its real path: the socket path the launcher and the supervisor use
        // must not pass through a symbolic link the agent could re-point
        // (the run directory's own ancestors cannot be moved, see
        // Decider::own_state).
        let base = std::fs::canonicalize(&base).map_err(|e| {
            Failure::setup(format!(
                "cannot resolve the directory for the run directory {}: {e}",
                base.display()
            ))
        })?;
        let mut last_err = None;
        for _ in 0..16 {
            let name = format!(
                "irongate-{}-{:08x}",
                std::process::id(),
                rand::random::<u32>()
            );
            let dir = base.join(name);
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
                    let bin = dir.join("bin");
                    let exe = std::env::current_exe().map_err(|e| {
                        Failure::setup(format!("cannot find the irongate binary: {e}"))
                    })?;
                    std::fs::create_dir(&bin)
                        .and_then(|()| std::os::unix::fs::symlink(&exe, bin.join("python")))
                        .map_err(|e| {
                            Failure::setup(format!("cannot prepare {}: {e}", dir.display()))
                        })?;
                    return Ok(RunDir { dir });
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(Failure::setup(format!(
            "cannot create a run directory in {}: {}",
            base.display(),
            last_err.map(|e| e.to_string()).unwrap_or_default()
        )))
    }

    /// The IPC socket path.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("sock")
    }

    /// The launcher path.
    pub fn launcher(&self) -> PathBuf {
        self.dir.join("bin/python")
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Raises the supervisor's `RLIMIT_NOFILE` soft limit to the hard limit and
/// returns the soft limit now in effect. Called in the supervisor after the
/// fork, so the agent keeps the user's limits: the agent can open as many
/// connections and files as it likes within its own limit, and the
/// supervisor, which holds a descriptor per connection and needs more for
/// every path it resolves, must not run out first. The connection bounds
/// (`server::Limits`) are derived from the value returned.
pub fn raise_nofile_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 1024;
    };
    if hard > soft && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

/// A C string from a path; paths with NUL bytes cannot exist.
pub fn path_cstring(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap_or_default()
}

/// The user an isolated agent runs as: `--user NAME|UID`, else nobody when
/// irongate runs as root; `None` keeps irongate's own.
pub fn agent_user(flag: Option<&str>, isolate: bool) -> Result<Option<(u32, u32)>, Failure> {
    use nix::unistd::{Group, User};
    if !isolate {
        return match flag {
            Some(_) => Err(Failure::setup(
                "--user works only with --isolate\nhint: irongate run --isolate --user NAME agent.py",
            )),
            None => Ok(None),
        };
    }
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    let can_switch = euid == 0
        || caps::has_cap(None, caps::CapSet::Effective, caps::Capability::CAP_SETUID)
            .unwrap_or(false);
    let name = match flag {
        Some(n) => n.to_owned(),
        None if euid == 0 => "nobody".to_owned(),
        None => return Ok(None),
    };
    let user = match name.parse::<u32>() {
        Ok(uid) => User::from_uid(uid.into())
            .ok()
            .flatten()
            .map_or((uid, uid), |u| (u.uid.as_raw(), u.gid.as_raw())),
        Err(_) => match User::from_name(&name).ok().flatten() {
            Some(u) => (u.uid.as_raw(), u.gid.as_raw()),
            None if name == "nobody" => {
                let gid = Group::from_name("nogroup")
                    .ok()
                    .flatten()
                    .map_or(65534, |g| g.gid.as_raw());
                (65534, gid)
            }
            None => {
                return Err(Failure::setup(format!(
                    "--user {name}: no such user\nhint: give a name from /etc/passwd or a numeric uid"
                )));
            }
        },
    };
    if user.0 != euid && !can_switch {
        return Err(Failure::setup(format!(
            "--user {name}: irongate runs as uid {euid} without CAP_SETUID and cannot switch users\nhint: run irongate as root (as a container's entrypoint it is), or drop --user"
        )));
    }
    Ok(Some(user))
}

/// Lets the agent's user reach the run directory (its IPC socket and the
/// launcher) and nothing else: group-owned by the agent's group, 0750, the
/// socket 0660.
pub fn share_run_dir(dir: &Path, socket: &Path, gid: u32) -> Result<(), Failure> {
    use std::os::unix::fs::chown;
    let err = |p: &Path, e: std::io::Error| {
        Failure::setup(format!(
            "--user: cannot share {} with the agent: {e}",
            p.display()
        ))
    };
    chown(dir, None, Some(gid)).map_err(|e| err(dir, e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))
        .map_err(|e| err(dir, e))?;
    let bin = dir.join("bin");
    chown(&bin, None, Some(gid)).map_err(|e| err(&bin, e))?;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o750))
        .map_err(|e| err(&bin, e))?;
    chown(socket, None, Some(gid)).map_err(|e| err(socket, e))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| err(socket, e))?;
    Ok(())
}

/// The environment for `--isolate`: the original's rules (`PYTHON*`,
/// `LD_*`, `DYLD_*`) plus credential-looking names; `keep` names survive.
pub fn isolated_env(keep: &[String]) -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| keep.iter().any(|n| n == k) || !is_sensitive_env(k))
        .collect()
}

/// The names (never the values) `--isolate` removes.
pub fn removed_env_names(keep: &[String]) -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| !keep.iter().any(|n| n == k) && is_sensitive_env(k))
        .collect()
}

/// Variables `--isolate` removes.
pub fn is_sensitive_env(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("PYTHON")
        || upper.starts_with("LD_")
        || upper.starts_with("DYLD_")
        || upper.starts_with("AWS_")
        || upper.starts_with("IRONGATE_")
        || [
            "_API_KEY",
            "_TOKEN",
            "_SECRET",
            "_PASSWORD",
            "_PASSWD",
            "_CREDENTIALS",
            "_ACCESS_KEY",
            "_PRIVATE_KEY",
        ]
        .iter()
        .any(|s| upper.ends_with(s))
        || matches!(
            upper.as_str(),
            "API_KEY" | "TOKEN" | "SECRET" | "PASSWORD" | "GITHUB_TOKEN" | "SSH_AUTH_SOCK"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_env_names() {
        for n in [
            "PYTHONPATH",
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "OPENAI_API_KEY",
            "GH_TOKEN",
            "AWS_REGION",
            "DB_PASSWORD",
        ] {
            assert!(is_sensitive_env(n), "{n}");
        }
        for n in ["HOME", "PATH", "LANG", "TERM"] {
            assert!(!is_sensitive_env(n), "{n}");
        }
    }
}
