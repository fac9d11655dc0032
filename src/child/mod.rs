//! The agent side: everything that runs in the forked child (and in Python
//! children that re-enter through the launcher). Nothing here is trusted by
//! the supervisor; it only reports intents and enforces verdicts it receives.

pub mod awake;
pub mod bootstrap;
pub mod client;
pub mod filter;
pub mod filter_rules;
pub mod hook;
pub mod interp;
pub mod landlock;
pub mod pymod;

use std::ffi::CString;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use crate::ipc::JoinKind;

/// Everything the child needs, prepared by the supervisor before the fork so
/// that the child allocates as little as possible before Python starts.
#[derive(Debug, Clone)]
pub struct ChildSpec {
    /// The supervisor's IPC socket.
    pub socket: PathBuf,
    /// The supervisor's pid, checked after `PR_SET_PDEATHSIG`.
    pub supervisor_pid: i32,
    /// Interpreter configuration.
    pub interp: interp::InterpConfig,
    /// `--isolate`: the sanitised environment to use; `None` keeps ours.
    pub isolated_env: Option<Vec<(String, String)>>,
    /// `--isolate`: the uid and gid the agent runs as (`--user`, or nobody
    /// when root); `None` keeps ours.
    pub user: Option<(u32, u32)>,
    /// Variables the run sets for the agent (its `TMPDIR`, the scratch
    /// directory), applied after `isolated_env`.
    pub env: Vec<(String, String)>,
    /// The child's end of the hand-off socket for the seccomp listener.
    pub handoff: RawFd,
    /// The Landlock layer to put in force before the filter.
    pub landlock: Option<landlock::Plan>,
    /// Whether the agent's CPU is kept awake while a call waits
    /// ([`awake::worth_it`], decided by the supervisor).
    pub awake: bool,
}

/// Exit status for a failure in the child before the agent's code runs.
pub const EXIT_CHILD_SETUP: i32 = 125;

macro_rules! fail {
    ($($arg:tt)*) => {{
        eprintln!("irongate: {}", format_args!($($arg)*));
        // SAFETY: _exit has no preconditions; we skip atexit handlers and
        // buffered state inherited from the supervisor.
        unsafe { libc::_exit(EXIT_CHILD_SETUP) }
    }};
}

/// The child's set-up, in order, ending in the agent's exit status.
pub fn run(spec: &ChildSpec) -> ! {
    // 1. Die with the supervisor. PDEATHSIG fires when the forking
    //    thread exits; the supervisor forks from its main thread. If it died
    //    before the prctl, getppid no longer matches.
    // SAFETY: plain prctl/getppid calls.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != spec.supervisor_pid {
            libc::_exit(EXIT_CHILD_SETUP);
        }
    }
    // 2. Signals: the supervisor blocked them before forking so none is lost
    //    in between; the agent gets a clean mask and default dispositions.
    crate::timing::step("child: forked");
    unblock_all_signals();
    // 2b. The supervisor's own descriptors (database, IPC listener) are
    //     close-on-exec, but the child does not exec: close them now. Other
    //     inherited descriptors stay, as they would for `python`.
    close_supervisor_fds(spec.handoff);
    crate::timing::step("child: fds closed");

    // 3. --isolate: new session, no inherited fds, no capabilities, no core
    //    dumps, the agent's own user, and a fresh exec with the sanitised
    //    environment: the removed variables then exist nowhere in the
    //    agent's memory. The new image continues in `isolated_main`.
    // 3b. The run's own variables (R-33: TMPDIR is its scratch directory);
    //     under --isolate they go into the fresh image's environment.
    if let Some(env) = &spec.isolated_env {
        let mut env = env.clone();
        env.retain(|(k, _)| !spec.env.iter().any(|(n, _)| n == k));
        env.extend(spec.env.iter().cloned());
        isolate_and_exec(spec, &env);
    }
    for (k, v) in &spec.env {
        // SAFETY: single-threaded child (no thread started since the fork),
        // so no concurrent reader of the environment exists.
        unsafe { std::env::set_var(k, v) };
    }
    agent_steps(spec)
}

/// Steps 4 to 7: the backstop, the supervisor, the hook, the agent.
fn agent_steps(spec: &ChildSpec) -> ! {
    // 3b. Landlock (best effort by ABI; a ruleset the kernel accepted but
    //     could not enforce stops the run).
    if let Some(plan) = &spec.landlock
        && let Err(e) = landlock::apply(plan)
    {
        fail!("the Landlock layer cannot be put in force: {e}");
    }
    crate::timing::step("child: landlock");
    awake::configure(spec.awake);
    // 3c. The C library's locale and time zone data, loaded now, while they
    //     are only system files (see `preload_plan`): the interpreter would
    //     read the same files at its start, each a trapped open that the
    //     supervisor answers as a runtime read.
    preload_c_library_data(preload_plan(|k| std::env::var_os(k)));
    // 4a. The connection to the supervisor and the hello, sent before the
    //     filter is in force (see client::EarlyHello): irongate's own
    //     connect to the run's socket, before any code of the agent's runs.
    //     The supervisor answers once it serves; step 5 takes the welcome.
    let early = match client::hello_early(&spec.socket, JoinKind::Main, Vec::new()) {
        Ok(early) => early,
        Err(e) => fail!(
            "cannot reach the supervisor at {}: {e}",
            spec.socket.display()
        ),
    };
    // 4. The kernel backstop (IRREVERSIBLE): load the filter, hand the
    //    listener to the supervisor (SCM_RIGHTS from a helper thread that
    //    predates the filter, see filter::install_and_hand_off), wait until
    //    it serves notifications, then close ours: a listener left in the
    //    agent would let it answer its own notifications.
    let listener = match filter::install_and_hand_off(spec.handoff) {
        Ok(fd) => fd,
        Err(e) => fail!("{e}"),
    };
    // SAFETY: recv on the hand-off socket into a local buffer.
    let go = unsafe {
        let mut ack = [0u8; 1];
        libc::recv(spec.handoff, ack.as_mut_ptr().cast(), 1, 0) == 1 && ack[0] == b'G'
    };
    if !go {
        fail!("the supervisor did not take the seccomp listener");
    }
    let number = listener.as_raw_fd();
    drop(listener);
    // SAFETY: F_GETFD on a number we just closed: it must be gone.
    if unsafe { libc::fcntl(number, libc::F_GETFD) } != -1 {
        fail!("the seccomp listener is still open in the agent");
    }
    // SAFETY: closing our end of the hand-off socket; nothing else uses it.
    unsafe { libc::close(spec.handoff) };

    crate::timing::step("child: filter in force");
    // 5. Join the supervisor.
    let joined = client::join_on(spec.socket.clone(), early);
    crate::timing::step("child: joined");
    if let Err(e) = joined {
        fail!(
            "cannot reach the supervisor at {}: {e}",
            spec.socket.display()
        );
    }

    // 6. The audit hook, before the interpreter initialises.
    if !hook::install() {
        fail!("cannot install the audit hook");
    }

    crate::timing::step("child: joined, hook installed");
    // 7. The agent.
    let code = interp::run(&spec.interp);
    std::process::exit(code)
}

/// What the child may load of the C library's data before its filter is
/// in force: only what comes from the system's own locale and time zone
/// files, which the supervisor allows as runtime reads whatever the policy
/// (`/usr/lib`, `/usr/share/locale`, `/etc/localtime`). Anything the
/// environment could point elsewhere (`LOCPATH`, `GCONV_PATH`, a locale
/// named by a path, any `TZ`) is left to the interpreter, under the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Preload {
    /// `setlocale(LC_CTYPE, "")` and a multibyte conversion: the locale
    /// archive or files, `locale.alias`, the gconv cache.
    ctype: bool,
    /// `tzset()` without `TZ`: `/etc/localtime`.
    tz: bool,
}

fn preload_plan(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Preload {
    // The variable setlocale(LC_CTYPE, "") reads: the first non-empty one.
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|k| var(k))
        .find(|v| !v.is_empty());
    let system_locale = name.is_none_or(|n| {
        let n = n.as_encoded_bytes();
        // glibc reads a locale named by a path from that directory.
        !n.contains(&b'/') && n.len() <= 255
    });
    Preload {
        ctype: system_locale && var("LOCPATH").is_none() && var("GCONV_PATH").is_none(),
        tz: var("TZ").is_none(),
    }
}

fn preload_c_library_data(plan: Preload) {
    // SAFETY: single-threaded child before the interpreter exists; the
    // locale is put back to "C", the state of a new process, which is what
    // CPython's pre-initialisation expects. glibc keeps the data it loaded
    // for a global locale (it marks it undeletable), so the interpreter's
    // own setlocale finds it without opening anything.
    unsafe {
        if plan.ctype && !libc::setlocale(libc::LC_CTYPE, c"".as_ptr()).is_null() {
            let mut wc: libc::wchar_t = 0;
            mbrtowc(&mut wc, c"a".as_ptr(), 1, std::ptr::null_mut());
            libc::setlocale(libc::LC_CTYPE, c"C".as_ptr());
        }
        if plan.tz {
            tzset();
        }
    }
}

// Not in the `libc` crate for this target.
unsafe extern "C" {
    /// POSIX `tzset`.
    fn tzset();
    /// C `mbrtowc` (a null state: the library's own).
    fn mbrtowc(
        pwc: *mut libc::wchar_t,
        s: *const libc::c_char,
        n: libc::size_t,
        ps: *mut libc::c_void,
    ) -> libc::size_t;
}

fn close_supervisor_fds(keep: RawFd) {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        fail!("cannot list /proc/self/fd to close the supervisor's descriptors");
    };
    let fds: Vec<i32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2 && *fd != keep)
        .collect();
    for fd in fds {
        // SAFETY: fcntl/close on descriptor numbers; the ones we close are
        // owned by supervisor objects this process will never use again.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 && flags & libc::FD_CLOEXEC != 0 {
                libc::close(fd);
            }
        }
    }
}

fn unblock_all_signals() {
    let mut set = nix::sys::signal::SigSet::empty();
    set.clear();
    let _ =
        nix::sys::signal::sigprocmask(nix::sys::signal::SigmaskHow::SIG_SETMASK, Some(&set), None);
}

/// The argument that starts the isolated agent's fresh image.
pub const ISOLATED_ARG: &str = "--irongate-isolated-agent";

fn isolate_and_exec(spec: &ChildSpec, env: &[(String, String)]) -> ! {
    let handoff = spec.handoff;
    // The binary, opened before the user changes (its path may not be
    // reachable by the agent's user; only the file's own mode matters).
    // SAFETY: open of a static path.
    let exe = unsafe { libc::open(c"/proc/self/exe".as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
    if exe < 0 {
        fail!(
            "--isolate: cannot open /proc/self/exe: {}",
            std::io::Error::last_os_error()
        );
    }
    let mut argv = vec![cstring("irongate"), cstring(ISOLATED_ARG)];
    argv.push(cstring(&spec_to_json(spec)));
    let envp: Vec<CString> = env
        .iter()
        .map(|(k, v)| cstring(&format!("{k}={v}")))
        .collect();
    // SAFETY: single-threaded child; setsid/setrlimit/close_range/fcntl take
    // plain values.
    unsafe {
        libc::setsid();
        // No core dumps: a hard limit of 0 the agent cannot raise. (Not
        // PR_SET_DUMPABLE 0: that would also deny the supervisor, without
        // CAP_SYS_PTRACE in a container, /proc/<pid>/mem and /proc/<pid>/fd.)
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        // Everything but 0-2, the hand-off socket and the binary.
        let mut keep = [handoff as u32, exe as u32];
        keep.sort_unstable();
        let mut from = 3u32;
        for k in keep {
            if k > from {
                libc::close_range(from, k - 1, 0);
            }
            from = from.max(k + 1);
        }
        libc::close_range(from, u32::MAX, 0);
        // The hand-off socket survives the exec.
        libc::fcntl(handoff, libc::F_SETFD, 0);
    }
    if let Err(e) = drop_privileges(spec.user) {
        fail!("--isolate: {e}");
    }
    // What the agent's user must reach, said plainly rather than as a
    // Python start-up error.
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    // SAFETY: access with a NUL-terminated path.
    let can = |p: &CString, mode| unsafe { libc::access(p.as_ptr(), mode) == 0 };
    if !can(&spec.interp.program_name, libc::X_OK) {
        fail!(
            "--isolate: the agent's user (uid {uid}) cannot run the interpreter {}\nhint: make it and its directories readable by that user, or choose another with --user",
            spec.interp.program_name.to_string_lossy()
        );
    }
    if let interp::Target::Script(p) = &spec.interp.target
        && !can(p, libc::R_OK)
    {
        fail!(
            "--isolate: the agent's user (uid {uid}) cannot read {}\nhint: make it readable by that user, or choose another with --user",
            p.to_string_lossy()
        );
    }
    let mut av: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    av.push(std::ptr::null());
    let mut ev: Vec<*const libc::c_char> = envp.iter().map(|a| a.as_ptr()).collect();
    ev.push(std::ptr::null());
    // SAFETY: execveat of our own binary with NUL-terminated vectors that
    // outlive the call.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            exe,
            c"".as_ptr(),
            av.as_ptr(),
            ev.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
    }
    fail!(
        "--isolate: cannot re-execute irongate as the agent's user: {}\nhint: the irongate binary must be executable by that user (--user)",
        std::io::Error::last_os_error()
    )
}

/// The fresh image of an isolated agent (`irongate --irongate-isolated-agent
/// SPEC`): no memory of the supervisor's environment; steps 1 and 4 to 7.
pub fn isolated_main(json: &str) -> ! {
    let Some(spec) = spec_from_json(json) else {
        fail!("--isolate: malformed agent specification");
    };
    // PDEATHSIG is cleared when the user changes: set it again.
    // SAFETY: plain prctl/getppid calls.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != spec.supervisor_pid {
            libc::_exit(EXIT_CHILD_SETUP);
        }
        libc::fcntl(spec.handoff, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    agent_steps(&spec)
}

fn target_json(t: &interp::Target) -> serde_json::Value {
    match t {
        interp::Target::Script(p) => serde_json::json!({"script": p.to_string_lossy()}),
        interp::Target::Module(m) => serde_json::json!({"module": m.to_string_lossy()}),
        interp::Target::CommandLine => serde_json::json!({"command_line": true}),
    }
}

fn spec_to_json(spec: &ChildSpec) -> String {
    serde_json::json!({
        "socket": spec.socket.to_string_lossy(),
        "supervisor_pid": spec.supervisor_pid,
        "program_name": spec.interp.program_name.to_string_lossy(),
        "argv": spec.interp.argv.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
        "target": target_json(&spec.interp.target),
        "handoff": spec.handoff,
        "landlock": spec.landlock.as_ref().map(landlock::Plan::to_json),
        "awake": spec.awake,
    })
    .to_string()
}

fn spec_from_json(json: &str) -> Option<ChildSpec> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let t = &v["target"];
    let target = if let Some(s) = t["script"].as_str() {
        interp::Target::Script(cstring(s))
    } else if let Some(m) = t["module"].as_str() {
        interp::Target::Module(cstring(m))
    } else {
        interp::Target::CommandLine
    };
    Some(ChildSpec {
        socket: PathBuf::from(v["socket"].as_str()?),
        supervisor_pid: i32::try_from(v["supervisor_pid"].as_i64()?).ok()?,
        interp: interp::InterpConfig {
            program_name: cstring(v["program_name"].as_str()?),
            argv: v["argv"]
                .as_array()?
                .iter()
                .map(|a| a.as_str().map(cstring))
                .collect::<Option<Vec<_>>>()?,
            target,
        },
        isolated_env: None,
        user: None,
        env: Vec::new(),
        handoff: i32::try_from(v["handoff"].as_i64()?).ok()?,
        landlock: if v["landlock"].is_null() {
            None
        } else {
            Some(landlock::Plan::from_json(&v["landlock"])?)
        },
        awake: v["awake"].as_bool().unwrap_or(false),
    })
}

/// The bounding set (while CAP_SETPCAP is still held), the user, then every
/// capability set, and no_new_privs.
fn drop_privileges(user: Option<(u32, u32)>) -> Result<(), String> {
    use caps::CapSet;
    for cap in caps::all() {
        let _ = caps::drop(None, CapSet::Bounding, cap);
    }
    if let Some((uid, gid)) = user {
        // SAFETY: setgroups/setresgid/setresuid with plain values; the
        // process is single-threaded, so libc's broadcast is moot.
        unsafe {
            if libc::setgroups(0, std::ptr::null()) != 0 && libc::geteuid() == 0 {
                return Err(format!("setgroups: {}", std::io::Error::last_os_error()));
            }
            if libc::setresgid(gid, gid, gid) != 0 {
                return Err(format!(
                    "setresgid({gid}): {}",
                    std::io::Error::last_os_error()
                ));
            }
            if libc::setresuid(uid, uid, uid) != 0 {
                return Err(format!(
                    "setresuid({uid}): {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
    }
    drop_capabilities().map_err(|e| format!("cannot drop capabilities: {e}"))
}

fn drop_capabilities() -> Result<(), caps::errors::CapsError> {
    use caps::CapSet;
    // Bounding first (needs CAP_SETPCAP, which we still hold if root), then
    // the thread's own sets; nothing regains them across exec.
    for cap in caps::all() {
        let _ = caps::drop(None, CapSet::Bounding, cap);
    }
    caps::clear(None, CapSet::Ambient)?;
    caps::clear(None, CapSet::Inheritable)?;
    caps::clear(None, CapSet::Effective)?;
    caps::clear(None, CapSet::Permitted)?;
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    Ok(())
}

/// True when the binary was started as the launcher (`<run dir>/bin/python…`),
/// i.e. as `sys.executable` of a supervised agent.
pub fn is_launcher(argv0: &Path) -> bool {
    let name = argv0.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("python")
        && argv0
            .parent()
            .and_then(Path::parent)
            .is_some_and(|run_dir| run_dir.join("sock").exists())
}

/// The launcher: a Python started by the agent through `sys.executable`
/// (subprocess, multiprocessing spawn) joins the same run with its own pid
/// and the hook installed, then behaves like `python` with its arguments.
pub fn launcher_main(argv0: &Path, args: Vec<String>) -> ! {
    let Some(run_dir) = argv0.parent().and_then(Path::parent) else {
        fail!(
            "launcher started from an unexpected path {}",
            argv0.display()
        );
    };
    let socket = run_dir.join("sock");
    let welcome = match client::connect(socket.clone(), JoinKind::Exec, args.clone()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("PermissionError: irongate: this Python child may not start: {e}");
            std::process::exit(126);
        }
    };
    if !hook::install() {
        fail!("cannot install the audit hook");
    }
    let mut argv = vec![cstring(&welcome.program_name)];
    argv.extend(args.iter().map(|a| cstring(a)));
    let cfg = interp::InterpConfig {
        program_name: cstring(&welcome.program_name),
        argv,
        target: interp::Target::CommandLine,
    };
    std::process::exit(interp::run(&cfg))
}

/// A C string from user data; interior NULs cannot reach the kernel anyway,
/// so they are cut.
pub fn cstring(s: &str) -> CString {
    let end = s.find('\0').unwrap_or(s.len());
    CString::new(&s[..end]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn plan(vars: &[(&str, &str)]) -> Preload {
        preload_plan(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn preloads_only_system_locale_and_time_zone_files() {
        let both = Preload {
            ctype: true,
            tz: true,
        };
        assert_eq!(plan(&[]), both);
        assert_eq!(plan(&[("LANG", "C.UTF-8")]), both);
        assert_eq!(plan(&[("LC_ALL", ""), ("LANG", "de_DE.UTF-8")]), both);
        // A locale named by a path is read from that directory.
        for vars in [
            &[("LANG", "/home/u/secret")][..],
            &[("LC_CTYPE", "/tmp/x"), ("LANG", "C")],
            &[("LC_ALL", "x/../../etc")],
            &[("LC_ALL", "C"), ("LOCPATH", "/tmp")],
            &[("GCONV_PATH", "/tmp")],
            &[("LOCPATH", "")],
        ] {
            assert!(!plan(vars).ctype, "{vars:?}");
            assert!(plan(vars).tz, "{vars:?}");
        }
        // The first non-empty variable decides, as in glibc.
        assert!(plan(&[("LC_ALL", "C.UTF-8"), ("LANG", "/tmp/x")]).ctype);
        assert!(!plan(&[("LC_ALL", ""), ("LC_CTYPE", "/tmp/x"), ("LANG", "C")]).ctype);
        // Any TZ may name a file (":/path", a relative name, TZDIR).
        for tz in ["UTC", ":/etc/secret", "../../etc/secret", ""] {
            assert!(!plan(&[("TZ", tz)]).tz, "{tz}");
        }
        assert!(!plan(&[("LANG", &"x".repeat(256))]).ctype);
    }
}
