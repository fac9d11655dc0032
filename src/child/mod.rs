//! The agent side: everything that runs in the forked child (and in Python
//! children that re-enter through the launcher). Nothing here is trusted by
//! the supervisor; it only reports intents and enforces verdicts it receives.

pub mod bootstrap;
pub mod client;
pub mod filter;
pub mod hook;
pub mod interp;
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
    /// Variables the run sets for the agent (its `TMPDIR`, the scratch
    /// directory), applied after `isolated_env`.
    pub env: Vec<(String, String)>,
    /// The child's end of the hand-off socket for the seccomp listener.
    pub handoff: RawFd,
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
    unblock_all_signals();
    // 2b. The supervisor's own descriptors (database, IPC listener) are
    //     close-on-exec, but the child does not exec: close them now. Other
    //     inherited descriptors stay, as they would for `python`.
    close_supervisor_fds(spec.handoff);

    // 3. --isolate: new session, sanitised environment, no inherited fds,
    //    no capabilities, no core dumps.
    if let Some(env) = &spec.isolated_env {
        isolate(env, spec.handoff);
    }
    // 3b. The run's own variables (R-33: TMPDIR is its scratch directory).
    for (k, v) in &spec.env {
        // SAFETY: single-threaded child (no thread started since the fork),
        // so no concurrent reader of the environment exists.
        unsafe { std::env::set_var(k, v) };
    }

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

    // 5. Join the supervisor.
    if let Err(e) = client::connect(spec.socket.clone(), JoinKind::Main, Vec::new()) {
        fail!(
            "cannot reach the supervisor at {}: {e}",
            spec.socket.display()
        );
    }

    // 6. The audit hook, before the interpreter initialises.
    if !hook::install() {
        fail!("cannot install the audit hook");
    }

    // 7. The agent.
    let code = interp::run(&spec.interp);
    std::process::exit(code)
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

fn isolate(env: &[(String, String)], handoff: RawFd) {
    // SAFETY: single-threaded child; setsid/prctl/setrlimit/close_range have
    // no memory-safety preconditions; clearenv/setenv are only unsound with
    // concurrent readers, and there are no other threads.
    unsafe {
        libc::setsid();
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // No core dumps: a hard limit of 0 the agent cannot raise. (Not
        // PR_SET_DUMPABLE 0: that would also deny the supervisor, without
        // CAP_SYS_PTRACE in a container, /proc/<pid>/mem and /proc/<pid>/fd.)
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        // Everything but the hand-off socket (still needed in step 4).
        let keep = handoff as u32;
        if keep > 3 {
            libc::close_range(3, keep - 1, 0);
        }
        libc::close_range(keep + 1, u32::MAX, 0);
        libc::clearenv();
        for (k, v) in env {
            std::env::set_var(k, v);
        }
    }
    if let Err(e) = drop_capabilities() {
        fail!("cannot drop capabilities: {e}");
    }
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
