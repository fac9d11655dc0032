//! Turning a CPython audit event reported by the hook into the action the
//! policy judges (SPEC §4, R-40). Pure apart from path resolution: the
//! arguments are untrusted data, every missing or mistyped one yields a
//! conservative action rather than an error, and nothing here decides.

use serde_json::Value;

use super::paths::{self, Base, FileId};
use crate::action::{Action, Field, FileOp, NetOp, ProcessOp};

/// What an event asks for.
#[derive(Debug)]
pub enum Mapped {
    /// Nothing to judge (an fd-based call, an empty path, an unrelated signal).
    Nothing,
    /// An action to decide.
    Decide(Box<Action>),
    /// A signal aimed at the supervisor: always refused.
    SignalToSupervisor,
    /// `tempfile.mkdtemp`/`mkstemp` says it just created this path (raised
    /// after the create, which was decided on its own). A claim only: the
    /// supervisor believes it for paths it saw this run create.
    Temporary(String),
}

/// The caller, as the supervisor knows it.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// Process id from `SO_PEERCRED`.
    pub pid: i32,
    /// Thread id as reported (attribution only).
    pub tid: i64,
}

use crate::action::WRITE_FLAGS;

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

/// Resolves a path argument (str/bytes already converted, or an fd).
fn path_arg(
    c: Caller,
    v: Option<&Value>,
    dir_fd: Option<i64>,
    follow: bool,
) -> Option<(String, String)> {
    match v? {
        Value::String(s) => {
            let base = dir_fd.filter(|fd| *fd >= 0).map_or(Base::Cwd, Base::DirFd);
            // Unresolvable: no hook-layer decision; the kernel layer, which
            // refuses what it cannot resolve, decides the syscall.
            let r = paths::resolve(c.pid, c.tid, base, s, follow).ok()?;
            Some((r.path, s.clone()))
        }
        Value::Number(n) => {
            let fd = n.as_i64()?;
            let r = paths::resolve(
                c.pid,
                c.tid,
                Base::Cwd,
                &format!("/proc/self/fd/{fd}"),
                true,
            )
            .ok()?;
            Some((r.path, format!("fd:{fd}")))
        }
        _ => None,
    }
}

fn file_action(op: FileOp, resolved: (String, String)) -> Action {
    let (path, requested) = resolved;
    let mut a = Action::file(op).with(Field::Path, path.clone());
    if requested != path {
        a.set(Field::Requested, requested);
    }
    a
}

/// True when `open()`'s `mode` asks for exactly the access `flags` carry
/// (read/write, create, truncate, append, exclusive), as CPython's `FileIO`
/// derives the flags from the mode: one of `r`, `w`, `a`, `x`, optionally
/// `+` (both) and `b`.
pub fn mode_fits_flags(mode: &str, flags: i64) -> bool {
    let (mut main, mut plus) = (None, false);
    for ch in mode.chars() {
        match ch {
            'r' | 'w' | 'a' | 'x' if main.is_none() => main = Some(ch),
            '+' if !plus => plus = true,
            'b' => {}
            _ => return false,
        }
    }
    let (creat, trunc, append, excl) = (
        i64::from(libc::O_CREAT),
        i64::from(libc::O_TRUNC),
        i64::from(libc::O_APPEND),
        i64::from(libc::O_EXCL),
    );
    let (access, extra) = match main {
        Some('r') => (i64::from(libc::O_RDONLY), 0),
        Some('w') => (i64::from(libc::O_WRONLY), creat | trunc),
        Some('a') => (i64::from(libc::O_WRONLY), creat | append),
        Some('x') => (i64::from(libc::O_WRONLY), creat | excl),
        _ => return false,
    };
    let access = if plus {
        i64::from(libc::O_RDWR)
    } else {
        access
    };
    let bits = i64::from(libc::O_ACCMODE) | creat | trunc | append | excl;
    flags & bits == access | extra
}

/// Maps one audit event.
///
/// `env_changes`: for an event that starts a program, the variables its
/// environment sets or changes (from the environment the hook reported,
/// [`super::launch_env`]); `None` when it reported none.
pub fn map(
    c: Caller,
    event: &str,
    args: &[Value],
    dir_fd: Option<i64>,
    supervisor_pid: i32,
    env_changes: Option<Vec<String>>,
) -> Mapped {
    let a = |i: usize| args.get(i);
    let decide = |action: Action| Mapped::Decide(Box::new(action));
    match event {
        "open" => {
            // (path, mode, flags); an int path is an fd being wrapped.
            if matches!(a(0), Some(Value::Number(_)) | None | Some(Value::Null)) {
                return Mapped::Nothing;
            }
            let flags = int(a(2)).unwrap_or(0);
            let mode = text(a(1));
            let write = if a(2).is_some_and(|v| !v.is_null()) {
                flags & WRITE_FLAGS != 0
            } else {
                mode.is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
            };
            let Some(resolved) =
                path_arg(c, a(0), dir_fd, flags & i64::from(libc::O_NOFOLLOW) == 0)
            else {
                return Mapped::Nothing;
            };
            let mut act = file_action(if write { FileOp::Write } else { FileOp::Read }, resolved);
            act.set(Field::Flags, flags);
            // A mode that says another access than the flags is not the
            // open's (CPython derives one from the other; a forged event or
            // note may not): a rule on `mode` must not see it.
            if let Some(m) = mode
                && (a(2).is_none_or(Value::is_null) || mode_fits_flags(m, flags))
            {
                act.set(Field::Mode, m);
            }
            decide(act)
        }
        "os.listdir" | "os.scandir" => {
            let target = match a(0) {
                None | Some(Value::Null) => Some(Value::String(".".into())),
                Some(v) => Some(v.clone()),
            };
            match path_arg(c, target.as_ref(), None, true) {
                Some(r) => decide(file_action(FileOp::List, r)),
                None => Mapped::Nothing,
            }
        }
        "os.remove" | "os.rmdir" => match path_arg(c, a(0), int(a(1)), false) {
            Some(r) => decide(file_action(FileOp::Delete, r)),
            None => Mapped::Nothing,
        },
        "os.mkdir" => match path_arg(c, a(0), int(a(2)), false) {
            Some(r) => decide(file_action(FileOp::Mkdir, r)),
            None => Mapped::Nothing,
        },
        "os.rename" | "shutil.move" => {
            two_paths(c, FileOp::Rename, a(0), a(1), int(a(2)), int(a(3)), false)
        }
        // A hard link gives the source file a new name: judged on the file
        // it reaches (R-23).
        "os.link" => two_paths(c, FileOp::Link, a(0), a(1), int(a(2)), int(a(3)), true),
        "os.symlink" => {
            // symlink(src, dst): creates dst; src is only text until followed.
            match path_arg(c, a(1), int(a(2)), false) {
                Some(r) => {
                    let mut act = file_action(FileOp::Symlink, r);
                    if let Some(src) = text(a(0)) {
                        act.set(Field::Target, src);
                    }
                    decide(act)
                }
                None => Mapped::Nothing,
            }
        }
        "os.chmod" => match path_arg(c, a(0), int(a(2)), true) {
            Some(r) => {
                let mut act = file_action(FileOp::Chmod, r);
                if let Some(m) = int(a(1)) {
                    act.set(Field::Mode, chmod_mode_text(m));
                }
                decide(act)
            }
            None => Mapped::Nothing,
        },
        "os.chown" => match path_arg(c, a(0), int(a(3)), true) {
            // (path, uid, gid, dir_fd): ids as the C type carries them.
            Some(r) => decide(file_action(FileOp::Chown, r).with(
                Field::Owner,
                chown_owner_text(
                    int(a(1)).map_or(u32::MAX, |u| u as u32),
                    int(a(2)).map_or(u32::MAX, |g| g as u32),
                ),
            )),
            None => Mapped::Nothing,
        },
        "shutil.chown" => match path_arg(c, a(0), None, true) {
            // (path, user, group): names or ids; it then calls os.chown,
            // whose own event is what the kernel layer's call matches.
            Some(r) => {
                let mut act = file_action(FileOp::Chown, r);
                if let (Some(u), Some(g)) = (owner_id(a(1), true), owner_id(a(2), false)) {
                    act.set(Field::Owner, chown_owner_text(u, g));
                }
                decide(act)
            }
            None => Mapped::Nothing,
        },
        "os.truncate" => match path_arg(c, a(0), None, true) {
            Some(r) => decide(file_action(FileOp::Truncate, r)),
            None => Mapped::Nothing,
        },
        "shutil.rmtree" => match path_arg(c, a(0), None, false) {
            Some(r) => decide(file_action(FileOp::Delete, r)),
            None => Mapped::Nothing,
        },
        "shutil.copytree" => match path_arg(c, a(1), None, false) {
            Some(r) => decide(file_action(FileOp::Write, r)),
            None => Mapped::Nothing,
        },
        "tempfile.mkdtemp" | "tempfile.mkstemp" => match path_arg(c, a(0), None, false) {
            Some((path, _)) => Mapped::Temporary(path),
            None => Mapped::Nothing,
        },
        // The opens inside these raise their own events, which decide.
        "shutil.copyfile" | "shutil.make_archive" | "shutil.unpack_archive" => Mapped::Nothing,
        "socket.getaddrinfo" | "socket.gethostbyname" | "socket.gethostbyname_ex" => {
            match text(a(0)) {
                Some(host) if !host.is_empty() => {
                    let mut act = Action::network(NetOp::Dns)
                        .with(Field::Host, host)
                        .with(Field::Target, host);
                    if let Some(p) = port_of(a(1)) {
                        act.set(Field::Port, p);
                    }
                    decide(act)
                }
                _ => Mapped::Nothing,
            }
        }
        "socket.connect" | "socket.bind" | "socket.sendto" | "socket.sendmsg" => {
            let op = match event {
                "socket.connect" => NetOp::Connect,
                "socket.bind" => NetOp::Bind,
                _ => NetOp::Send,
            };
            match a(1) {
                Some(addr) => decide(address_action(c, op, addr)),
                None => Mapped::Nothing,
            }
        }
        "urllib.Request" => {
            let Some(url) = text(a(0)) else {
                return Mapped::Nothing;
            };
            let method = text(a(3)).map(str::to_owned).unwrap_or_else(|| {
                if a(1).is_some_and(|d| !d.is_null()) {
                    "POST".into()
                } else {
                    "GET".into()
                }
            });
            decide(http_action(url, Some(&method), Some("urllib")))
        }
        "http.client.connect" => {
            let Some(host) = text(a(1)) else {
                return Mapped::Nothing;
            };
            let https = text(a(0)).is_some_and(|t| t.contains("HTTPS"));
            let port = int(a(2)).unwrap_or(if https { 443 } else { 80 });
            let scheme = if https { "https" } else { "http" };
            let url = format!("{scheme}://{}:{port}/", bracket_v6(host));
            decide(http_action(&url, None, Some(HTTP_CLIENT_CONNECT)))
        }
        "subprocess.Popen" => {
            // (executable, args, cwd, env)
            let argv = argv_of(a(1));
            let exe = text(a(0))
                .map(str::to_owned)
                .or_else(|| argv.first().cloned());
            let cwd = text(a(2));
            decide(process_action(
                c,
                ProcessOp::Spawn,
                argv,
                exe,
                env_changes,
                cwd,
            ))
        }
        "os.system" => {
            let cmd = text(a(0)).unwrap_or("").to_owned();
            let argv = vec!["/bin/sh".to_owned(), "-c".to_owned(), cmd];
            decide(process_action(
                c,
                ProcessOp::System,
                argv,
                Some("/bin/sh".into()),
                env_changes,
                None,
            ))
        }
        "os.exec" => decide(process_action(
            c,
            ProcessOp::Exec,
            argv_of(a(1)),
            text(a(0)).map(str::to_owned),
            env_changes,
            None,
        )),
        "os.posix_spawn" => decide(process_action(
            c,
            ProcessOp::Spawn,
            argv_of(a(1)),
            text(a(0)).map(str::to_owned),
            env_changes,
            None,
        )),
        "os.spawn" => decide(process_action(
            c,
            ProcessOp::Spawn,
            argv_of(a(2)),
            text(a(1)).map(str::to_owned),
            env_changes,
            None,
        )),
        "pty.spawn" => {
            let argv = argv_of(a(0));
            let exe = argv.first().cloned();
            decide(process_action(
                c,
                ProcessOp::Spawn,
                argv,
                exe,
                env_changes,
                None,
            ))
        }
        "os.fork" | "os.forkpty" => decide(
            Action::process(ProcessOp::Spawn)
                .with(Field::Cmd, event)
                .with(Field::Argv, Vec::<String>::new())
                .with(Field::ProcessClass, "python_child"),
        ),
        "os.kill" | "os.killpg" | "signal.pthread_kill" => {
            let target = int(a(0)).unwrap_or(0);
            if event != "signal.pthread_kill" && (target == i64::from(supervisor_pid)) {
                Mapped::SignalToSupervisor
            } else {
                Mapped::Nothing
            }
        }
        _ => {
            // Tamper tripwires (R-40): recorded and decided like any action.
            let mut act = Action::tamper(event).with(Field::Name, event);
            if let Some(v) = a(0).and_then(Value::as_str) {
                act.set(Field::Target, v);
            }
            decide(act)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn two_paths(
    c: Caller,
    op: FileOp,
    src: Option<&Value>,
    dst: Option<&Value>,
    src_fd: Option<i64>,
    dst_fd: Option<i64>,
    follow_src: bool,
) -> Mapped {
    let Some(r) = path_arg(c, src, src_fd, follow_src) else {
        return Mapped::Nothing;
    };
    let mut act = file_action(op, r);
    if let Some((dst, _)) = path_arg(c, dst, dst_fd, false) {
        act.set(Field::Target, dst);
    }
    Mapped::Decide(Box::new(act))
}

fn port_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn bracket_v6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// A socket address: `(host, port[, …])` for inet, a path for Unix sockets.
fn address_action(c: Caller, op: NetOp, addr: &Value) -> Action {
    match addr {
        Value::Array(parts) => {
            let host = text(parts.first()).unwrap_or("").to_owned();
            let port = port_of(parts.get(1));
            let mut act = Action::network(op).with(Field::Host, host.clone());
            if host.parse::<std::net::IpAddr>().is_ok() {
                act.set(Field::Ip, host.clone());
            }
            if let Some(p) = port {
                act.set(Field::Port, p);
                act.set(Field::Target, format!("{}:{p}", bracket_v6(&host)));
            } else {
                act.set(Field::Target, host);
            }
            act
        }
        Value::String(path) if path.starts_with('\0') || path.is_empty() => Action::network(op)
            .with(
                Field::Target,
                format!("unix:@{}", path.trim_start_matches('\0')),
            ),
        Value::String(path) => match paths::resolve(c.pid, c.tid, Base::Cwd, path, true) {
            Ok(r) => Action::network(op)
                .with(Field::Path, r.path.clone())
                .with(Field::Target, format!("unix:{}", r.path)),
            // Judged as an address nobody can name: no rule allows it by
            // its spelling; the kernel layer decides the syscall itself.
            Err(_) => Action::network(op).with(Field::Target, "unix:<unresolvable>"),
        },
        other => Action::network(op).with(Field::Target, other.to_string()),
    }
}

/// `framework` of the action mapped from CPython's `http.client.connect`
/// audit event: the connection underneath a request, never a request itself.
pub const HTTP_CLIENT_CONNECT: &str = "http.client.connect";

/// An HTTP request, its URL parsed here (R-21), not by the agent.
pub fn http_action(url: &str, method: Option<&str>, framework: Option<&str>) -> Action {
    let mut act = Action::network(NetOp::Http)
        .with(Field::Url, url)
        .with(Field::Target, url);
    if let Some(m) = method {
        act.set(Field::Method, m.to_ascii_uppercase());
    }
    if let Some(f) = framework {
        act.set(Field::Framework, f);
    }
    if let Ok(parsed) = url::Url::parse(url) {
        act.set(Field::Scheme, parsed.scheme());
        if let Some(host) = parsed.host_str() {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            act.set(Field::Host, host);
            if host.parse::<std::net::IpAddr>().is_ok() {
                act.set(Field::Ip, host);
            }
        }
        if let Some(port) = parsed.port_or_known_default() {
            act.set(Field::Port, i64::from(port));
        }
    }
    act
}

fn argv_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Shell-style join for display and `cmd` predicates.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn process_action(
    c: Caller,
    op: ProcessOp,
    argv: Vec<String>,
    exe: Option<String>,
    env_changes: Option<Vec<String>>,
    dir: Option<&str>,
) -> Action {
    // `os.system(cmd)` keeps the command text as `cmd` (what policies written
    // for the original match on); argv forms are joined shell-style.
    let cmd = if op == ProcessOp::System {
        argv.get(2).cloned().unwrap_or_default()
    } else {
        shell_join(&argv)
    };
    let (executable, file) = match exe.map(|e| resolve_executable(c, &e)) {
        Some((path, file)) => (Some(path), file),
        None => (None, None),
    };
    let class = if is_python(file) {
        "python_child"
    } else {
        "binary"
    };
    let mut act = Action::process(op)
        .with(Field::Cmd, cmd)
        .with(Field::Argv, argv)
        .with(Field::ProcessClass, class);
    if let Some(e) = executable {
        act.set(Field::Executable, e);
    }
    if let Some(names) = env_changes.filter(|n| !n.is_empty()) {
        act.set(Field::EnvChanges, names);
    }
    // The real path of the directory the program starts in: `dir` (a
    // `subprocess` `cwd=`, from the caller's cwd) or the caller's own.
    // Unresolvable: none, and the real exec is then judged on its own.
    if let Ok(r) = paths::resolve(c.pid, c.tid, Base::Cwd, dir.unwrap_or("."), true)
        && r.exists
    {
        act.set(Field::Cwd, r.path);
    }
    act
}

/// The files that count as Python (`process_class: python_child`, R-43):
/// the run's interpreter and this binary (the launcher link resolves to
/// it), by device and inode. A file merely named `python…` is a binary.
static INTERPRETERS: std::sync::OnceLock<Vec<FileId>> = std::sync::OnceLock::new();

fn file_id(path: &std::path::Path) -> Option<FileId> {
    let f = std::fs::File::open(path).ok()?;
    FileId::of(std::os::fd::AsFd::as_fd(&f))
}

/// Records the run's interpreter (its symlinks followed) as Python, with
/// this binary. Called once at start; later calls change nothing.
pub fn know_interpreter(program: &std::path::Path) {
    let _ = INTERPRETERS.set(interpreter_ids(Some(program)));
}

fn interpreter_ids(program: Option<&std::path::Path>) -> Vec<FileId> {
    let me = std::env::current_exe().ok();
    [program.map(std::path::Path::to_path_buf), me]
        .into_iter()
        .flatten()
        .filter_map(|p| file_id(&p))
        .collect()
}

/// Whether `file` (the program an exec reaches, identified from the
/// descriptor its resolution opened) is a Python interpreter this run knows
/// ([`know_interpreter`]) or this binary: the `process_class` of an exec,
/// the same at both layers. An unidentified program is no interpreter.
pub fn is_python(file: Option<FileId>) -> bool {
    let known = INTERPRETERS.get_or_init(|| interpreter_ids(None));
    file.is_some_and(|id| known.contains(&id))
}

/// `PATH` lookup as `execvp` would do it for the caller: the program's
/// real path and the file it reached.
fn resolve_executable(c: Caller, exe: &str) -> (String, Option<FileId>) {
    if exe.contains('/') {
        // Unresolvable: the spelling is shown at the hook layer only; the
        // kernel layer judges the exec on the file it really reaches.
        return paths::resolve_identified(c.pid, c.tid, Base::Cwd, exe, true)
            .map_or_else(|_| (exe.to_owned(), None), |r| (r.path, r.file));
    }
    let path_var = std::fs::read(format!("/proc/{}/environ", c.pid))
        .ok()
        .and_then(|env| {
            env.split(|b| *b == 0).find_map(|kv| {
                kv.strip_prefix(b"PATH=")
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            })
        })
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in path_var.split(':').filter(|d| !d.is_empty()) {
        let candidate = format!("{dir}/{exe}");
        if let Ok(r) = paths::resolve_identified(c.pid, c.tid, Base::Cwd, &candidate, true)
            && r.exists
        {
            return (r.path, r.file);
        }
    }
    (exe.to_owned(), None)
}

/// A chmod's mode as the kernel applies it (the bits `chmod` keeps, in
/// octal): what the kernel layer judges and an intent matches, so the two
/// layers cannot be told two modes (`0o104755` is `4755`).
pub(crate) fn chmod_mode_text(mode: i64) -> String {
    // Truncated to the C type first, as the call does.
    format!("{:o}", (mode as u32) & super::decide::CHMOD_BITS)
}

/// A chown's new owner as both layers judge it and an intent matches it:
/// `uid:gid`, `-1` for an id left unchanged (the C type's all-ones value).
pub(crate) fn chown_owner_text(uid: u32, gid: u32) -> String {
    let id = |v: u32| {
        if v == u32::MAX {
            "-1".to_owned()
        } else {
            v.to_string()
        }
    };
    format!("{}:{}", id(uid), id(gid))
}

/// A `shutil.chown` user or group: `None` (unchanged), an id, or a name
/// looked up as `shutil` does. `None` when a name is unknown (shutil then
/// raises before any chown).
fn owner_id(v: Option<&Value>, user: bool) -> Option<u32> {
    match v {
        None | Some(Value::Null) => Some(u32::MAX),
        Some(Value::Number(n)) => n.as_i64().map(|i| i as u32),
        Some(Value::String(name)) if user => nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(|u| u.uid.as_raw()),
        Some(Value::String(name)) => nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .map(|g| g.gid.as_raw()),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_is_known_by_file_not_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let resolved = |p: &std::path::Path| {
            paths::resolve_identified(
                std::process::id() as i32,
                0,
                Base::Cwd,
                &p.to_string_lossy(),
                true,
            )
            .unwrap()
        };
        // A copy of this binary named like an interpreter is not one.
        let me = std::env::current_exe().unwrap();
        let copy = dir.path().join("python3");
        std::fs::copy(&me, &copy).unwrap();
        assert!(!is_python(resolved(&copy).file));
        assert!(is_python(resolved(&me).file));
        // A link to it is the same file.
        let link = dir.path().join("anything");
        std::os::unix::fs::symlink(&me, &link).unwrap();
        assert!(is_python(resolved(&link).file));
        assert!(!is_python(None));
        // A deleted file's "… (deleted)" name is only text: a link of
        // that name to the interpreter does not make the file one.
        let gone = dir.path().join("p");
        std::fs::copy(&me, &gone).unwrap();
        let held = std::fs::File::open(&gone).unwrap();
        std::fs::remove_file(&gone).unwrap();
        std::os::unix::fs::symlink(&me, dir.path().join("p (deleted)")).unwrap();
        let by_fd = std::path::PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&held)
        ));
        let r = resolved(&by_fd);
        assert!(r.path.ends_with("p (deleted)"), "{}", r.path);
        assert!(!is_python(r.file));
    }

    #[test]
    fn chown_owners_name_both_ids() {
        assert_eq!(chown_owner_text(0, 0), "0:0");
        assert_eq!(chown_owner_text(1000, u32::MAX), "1000:-1");
        assert_eq!(chown_owner_text(u32::MAX, u32::MAX), "-1:-1");
        let a = mapped(
            "os.chown",
            vec!["/tmp/x".into(), 0.into(), 4294967295u32.into(), (-1).into()],
        );
        assert_eq!(a.text(Field::Owner), Some("0:-1"));
        let a = mapped(
            "shutil.chown",
            vec!["/tmp/x".into(), "root".into(), Value::Null],
        );
        assert_eq!(a.text(Field::Owner), Some("0:-1"));
    }

    fn me() -> Caller {
        let pid = std::process::id() as i32;
        Caller {
            pid,
            tid: i64::from(pid),
        }
    }

    fn mapped(event: &str, args: Vec<Value>) -> Action {
        match map(me(), event, &args, None, 1, None) {
            Mapped::Decide(a) => *a,
            other => panic!("{event}: {other:?}"),
        }
    }

    #[test]
    fn mode_must_say_the_flags_access() {
        let (w, c, t, ap, ex) = (
            i64::from(libc::O_WRONLY),
            i64::from(libc::O_CREAT),
            i64::from(libc::O_TRUNC),
            i64::from(libc::O_APPEND),
            i64::from(libc::O_EXCL),
        );
        let cloexec = i64::from(libc::O_CLOEXEC);
        assert!(mode_fits_flags("r", cloexec));
        assert!(mode_fits_flags("rb", 0));
        assert!(mode_fits_flags("w", w | c | t | cloexec));
        assert!(mode_fits_flags("ab", w | c | ap));
        assert!(mode_fits_flags("x", w | c | ex));
        assert!(mode_fits_flags("r+", i64::from(libc::O_RDWR)));
        assert!(mode_fits_flags("w+b", i64::from(libc::O_RDWR) | c | t));
        // A read mode for a write, a write mode without its truncate, junk.
        assert!(!mode_fits_flags("rb", w | t));
        assert!(!mode_fits_flags("r", i64::from(libc::O_RDWR)));
        assert!(!mode_fits_flags("w", w | c));
        assert!(!mode_fits_flags("rw", w | c | t));
        assert!(!mode_fits_flags("", 0));
        assert!(!mode_fits_flags("r\u{0}", 0));
        // The mapped action: a forged mode is dropped, the flags decide.
        let tmp = std::env::temp_dir()
            .join("irongate-x")
            .to_string_lossy()
            .into_owned();
        let a = mapped(
            "open",
            vec![tmp.clone().into(), "rb".into(), (w | t).into()],
        );
        assert_eq!(a.subtype_text(), "write");
        assert_eq!(a.get(Field::Mode), None);
        let a = mapped("open", vec![tmp.into(), "wb".into(), (w | c | t).into()]);
        assert_eq!(a.text(Field::Mode), Some("wb"));
    }

    #[test]
    fn write_intent_from_flags_and_mode() {
        let tmp = std::env::temp_dir()
            .join("irongate-x")
            .to_string_lossy()
            .into_owned();
        let a = mapped("open", vec![tmp.clone().into(), "rb".into(), 0.into()]);
        assert_eq!(a.subtype_text(), "read");
        let a = mapped(
            "open",
            vec![
                tmp.clone().into(),
                Value::Null,
                i64::from(libc::O_WRONLY | libc::O_CREAT).into(),
            ],
        );
        assert_eq!(a.subtype_text(), "write");
        let a = mapped(
            "open",
            vec![
                tmp.into(),
                "w".into(),
                i64::from(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC).into(),
            ],
        );
        assert_eq!(a.subtype_text(), "write");
    }

    #[test]
    fn http_url_is_parsed_here() {
        let a = http_action("https://api.example.com/v1?q=1", Some("get"), None);
        assert_eq!(a.text(Field::Host), Some("api.example.com"));
        assert_eq!(a.get(Field::Port), Some(&Value::from(443)));
        assert_eq!(a.text(Field::Method), Some("GET"));
        let a = http_action("http://[::1]:8080/", None, None);
        assert_eq!(a.text(Field::Ip), Some("::1"));
    }

    #[test]
    fn process_forms() {
        let a = mapped("os.system", vec!["echo hi".into()]);
        assert_eq!(a.text(Field::Cmd), Some("echo hi"));
        let a = mapped(
            "subprocess.Popen",
            vec![
                "ls".into(),
                serde_json::json!(["ls", "-l", "a b"]),
                Value::Null,
                Value::Null,
            ],
        );
        assert_eq!(a.text(Field::Cmd), Some("ls -l 'a b'"));
        assert_eq!(a.text(Field::ProcessClass), Some("binary"));
        assert!(matches!(
            map(me(), "os.kill", &[1.into(), 9.into()], None, 1, None),
            Mapped::SignalToSupervisor
        ));
    }

    #[test]
    fn a_chmod_mode_is_what_the_kernel_applies() {
        assert_eq!(chmod_mode_text(0o644), "644");
        assert_eq!(chmod_mode_text(0o4755), "4755");
        // File-type bits are ignored by the kernel: not a mode of their own.
        assert_eq!(chmod_mode_text(0o104755), "4755");
        assert_eq!(chmod_mode_text(0o1_000_000_644), "644");
        assert_eq!(chmod_mode_text(-1), "7777");
    }
}
