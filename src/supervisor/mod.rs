//! The supervisor: `irongate run` from flags to exit status.
//!
//! Order matters. Everything that can fail with a clear message (policy,
//! profile, interpreter, script, database) is checked first. Then, still
//! single-threaded, the supervisor blocks the signals it forwards, becomes a
//! child subreaper and forks the agent. Only after the fork does it start
//! threads (IPC server, log writer), so the child never inherits a lock.

pub mod backstop_listener;
pub mod decide;
pub mod events;
pub mod intents;
pub mod judge;
pub mod launch;
pub mod launch_env;
pub mod log;
pub mod paths;
pub mod proc_owner;
pub mod procfs;
pub mod scratch;
pub mod server;
pub mod signals;
pub mod syscall;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};

use crate::audit::Store;
use crate::child::{self, ChildSpec, interp};
use crate::exit::Failure;
use crate::policy::{Policy, Profile};

/// What `irongate run` was asked to do: the flags, already parsed.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Capability profile name (`sandboxed`, `read_only`, `trusted`, `minimal`).
    pub profile: String,
    /// Policy file; `None`: `$IRONGATE_HOME/policies.json` if present, else the built-in one.
    pub policy: Option<PathBuf>,
    /// Sanitised environment, new session, no inherited fds, capabilities dropped.
    pub isolate: bool,
    /// With `isolate`: the user (name or uid) the agent runs as.
    pub user: Option<String>,
    /// Environment variables kept with `isolate`.
    pub pass_env: Vec<String>,
    /// Interpreter or venv whose environment the agent runs in.
    pub python: Option<PathBuf>,
    /// Backstop mode name (`enforce`, `kill`, `audit`).
    pub backstop: String,
    /// Seconds a review waits, overriding the policy's `approval_timeout_seconds`.
    pub review_timeout: Option<f64>,
    /// Label stored with every event; `None`: the script's stem or the module name.
    pub agent_name: Option<String>,
    /// Every decision waits for its commit before the operation proceeds.
    pub durable: bool,
    /// Events between signed checkpoints (0: only at the end of the run).
    pub checkpoint_every: u64,
    /// Print each decision to stderr.
    pub verbose: bool,
    /// Also serve the dashboard from this supervisor.
    pub dashboard: bool,
    /// Port of the dashboard (0: any free port).
    pub dashboard_port: u16,
    /// Do not offer an interactive review answer on the terminal.
    pub no_prompt: bool,
    /// Shell command run for each pending review, the review as JSON on stdin.
    pub on_review: Option<String>,
    /// No summary of blocks and reviews at exit.
    pub quiet: bool,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
    /// Module to run instead of a script (`-m`).
    pub module: Option<String>,
    /// The agent script; `None` with `module`.
    pub script: Option<PathBuf>,
    /// Arguments passed to the agent (after the script or module).
    pub args: Vec<String>,
}

/// `irongate run`.
pub fn cmd_run(args: RunOptions) -> Result<i32> {
    crate::timing::start();
    crate::timing::cpu("start");
    let spelled_home = crate::home::resolve(args.home.as_deref())?;
    crate::home::ensure(&spelled_home)?;
    // Every later use of the home by path (the overlay at each review, a
    // review's database, the wake-up sockets) goes by its real path: a
    // symbolic link on the way, in a directory the agent may write, could
    // otherwise be pointed at a state directory of the agent's making. The
    // real path's own directories cannot be moved (see Decider::own_state).
    let home = std::fs::canonicalize(&spelled_home).map_err(|e| {
        Failure::setup(format!(
            "cannot resolve the state directory {}: {e}",
            spelled_home.display()
        ))
    })?;
    crate::timing::step("home ready");
    let (policy, policy_origin) = load_policy(args.policy.as_deref(), &home)?;
    let profile = Profile::from_name(&args.profile)
        .map_err(|e| Failure::setup(format!("--profile {}: {e}", args.profile)))?;
    let Some(backstop) = crate::backstop::Mode::from_flag(&args.backstop) else {
        return Err(Failure::setup(format!(
            "--backstop {}: unknown mode\nhint: use enforce, kill or audit",
            args.backstop
        ))
        .into());
    };
    let review_timeout = match args.review_timeout {
        Some(t) if !(t.is_finite() && t >= 0.0) => {
            return Err(Failure::setup(format!(
                "--review-timeout {t}: must be a number of seconds ≥ 0"
            ))
            .into());
        }
        Some(t) => std::time::Duration::from_secs_f64(t),
        None => policy.approval_timeout(),
    };
    crate::timing::step("policy loaded");
    let python = launch::python_env(args.python.as_deref())?;
    events::know_interpreter(&python.program);
    crate::timing::step("python env");
    let (target, script_real, agent_default, argv0) = match (&args.module, &args.script) {
        (Some(m), _) => (
            interp::Target::Module(child::cstring(m)),
            None,
            m.clone(),
            "-m".to_owned(),
        ),
        (None, Some(s)) => {
            let script = launch::script(s)?;
            let stem = script
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let real = std::fs::canonicalize(&script)
                .ok()
                .map(|p| p.to_string_lossy().into_owned());
            (
                interp::Target::Script(launch::path_cstring(&script)),
                real,
                stem,
                script.to_string_lossy().into_owned(),
            )
        }
        (None, None) => {
            return Err(Failure::setup("no script given\nhint: irongate run agent.py").into());
        }
    };
    let agent_name = args.agent_name.clone().unwrap_or(agent_default);
    crate::timing::step("script");

    let run_dir = launch::RunDir::create()?;
    let scratch = scratch::Scratch::create()?;
    let listener = crate::ipc::listen(&run_dir.socket()).map_err(|e| {
        Failure::setup(format!(
            "cannot listen on {}: {e}",
            run_dir.socket().display()
        ))
    })?;
    let user = launch::agent_user(args.user.as_deref(), args.isolate)?;
    crate::timing::step("run dir, scratch, listen");
    if let Some((uid, gid)) = user {
        // SAFETY: geteuid/getegid have no preconditions.
        if (uid, gid) != unsafe { (libc::geteuid(), libc::getegid()) } {
            launch::share_run_dir(&run_dir.dir, &run_dir.socket(), gid)?;
            // The scratch directory is the agent's own (its TMPDIR).
            std::os::unix::fs::chown(scratch.path(), Some(uid), Some(gid)).map_err(|e| {
                Failure::setup(format!(
                    "--user: cannot give {} to the agent: {e}",
                    scratch.path().display()
                ))
            })?;
            crate::backstop::memory::set_agent_ids(uid, gid);
        }
    }

    // The seccomp listener comes back over this pair (see child::run, step 4).
    let (handoff_parent, handoff_child) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::SeqPacket,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )
    .context("socketpair failed")?;

    let real = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .into_owned()
    };
    // What the run itself executes: the launcher (this binary), the
    // interpreter, the dynamic loader the kernel opens for every dynamically
    // linked program, and platform's `uname -p` (a runtime operation).
    let runtime_exec = [std::env::current_exe().ok(), Some(python.program.clone())]
        .into_iter()
        .flatten()
        .chain(
            launch::DYNAMIC_LOADERS
                .iter()
                .chain(decide::UNAME_PATHS)
                .map(PathBuf::from)
                .filter(|p| p.exists()),
        )
        .map(|p| real(&p))
        .collect();
    let landlock_plan = child::landlock::Plan::for_profile(
        &profile,
        &policy.exec_scope(),
        runtime_exec,
        Some(real(scratch.path())),
    );
    crate::timing::step("landlock plan");
    let mut argv = vec![child::cstring(&argv0)];
    argv.extend(args.args.iter().map(|a| child::cstring(a)));
    let spec = ChildSpec {
        socket: run_dir.socket(),
        supervisor_pid: std::process::id() as i32,
        interp: interp::InterpConfig {
            program_name: launch::path_cstring(&python.program),
            argv,
            target,
        },
        isolated_env: args.isolate.then(|| launch::isolated_env(&args.pass_env)),
        user,
        env: vec![(
            "TMPDIR".to_owned(),
            scratch.path().to_string_lossy().into_owned(),
        )],
        handoff: std::os::fd::AsRawFd::as_raw_fd(&handoff_child),
        landlock: Some(landlock_plan.clone()),
        awake: child::awake::worth_it(child::awake::idle_settings().1),
    };
    let run_info = log::RunStart {
        agent_name: agent_name.clone(),
        script: args
            .script
            .as_ref()
            .map(|s| s.to_string_lossy().into_owned())
            .or(args.module.clone()),
        argv: args.args.clone(),
        profile: args.profile.clone(),
        policy_origin,
        policy_digest: policy.source_digest().to_owned(),
        policy_text: Some(policy.source_text().to_owned()),
    };

    let settings = decide::RunSettings {
        policy,
        profile,
        home: real(&home),
        run_dir: real(&run_dir.dir),
        scratch: real(scratch.path()),
        runtime_dirs: python.runtime_dirs.clone(),
        script: script_real,
        program_name: python.program.to_string_lossy().into_owned(),
        launcher: run_dir.launcher().to_string_lossy().into_owned(),
        supervisor_pid: std::process::id() as i32,
        verbose: args.verbose,
        socket: format!("{}/sock", real(&run_dir.dir)),
        review_timeout,
        backstop,
        launch_env: launch_env::LaunchEnv::of_run(spec.isolated_env.as_deref(), &spec.env),
    };

    crate::timing::step("ready to fork");
    crate::timing::cpu("ready to fork");
    // Single-threaded from here to the fork.
    let forwarded = signals::block_forwarded()?;
    signals::become_subreaper();
    // SAFETY: no thread has been started in this process, so the child may
    // run arbitrary code, including the Python interpreter.
    let pid = match unsafe { nix::unistd::fork() }.context("fork failed")? {
        nix::unistd::ForkResult::Child => child::run(&spec),
        nix::unistd::ForkResult::Parent { child } => child.as_raw(),
    };
    signals::ignore_sigio();
    // The supervisor's own descriptors only: the agent, forked above, keeps
    // the user's limits.
    let nofile = launch::raise_nofile_limit();
    let handoff_child_no = std::os::fd::AsRawFd::as_raw_fd(&handoff_child);
    drop(handoff_child);
    // The log's first writes (its open, lost runs, this run's row) while
    // the child sets up its filter: off the agent's critical path, and the
    // agent never inherits a descriptor of the database.
    let opening = {
        let home = home.clone();
        let (durable, checkpoint_every) = (args.durable, args.checkpoint_every);
        std::thread::Builder::new()
            .name("irongate-open".into())
            .spawn(move || -> Result<(Store, i64, log::EventLog), String> {
                let store = Store::open(&home).map_err(|e| e.to_string())?;
                crate::timing::step("store opened");
                // Runs whose supervisor was killed outright still say `running`.
                if let Err(e) = store.mark_lost_runs() {
                    eprintln!("irongate: warning: cannot mark the runs of lost supervisors: {e}");
                }
                let run_id = log::begin_run(&store, &run_info).map_err(|e| e.to_string())?;
                crate::timing::step("run begun");
                // The writer opens its connections on its own thread, while
                // the child starts (checked once the child is let go).
                let log = log::EventLog::start_opening(&store, run_id, durable, checkpoint_every)
                    .map_err(|e| e.to_string())?;
                Ok((store, run_id, log))
            })
            .context("cannot start a thread")?
    };
    let kill_child = || {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    };
    let taken = backstop_listener::take(&handoff_parent);
    crate::timing::step("listener taken");
    // Joined before any return, so no run row is written after one.
    let opened = opening.join();
    crate::timing::step("log opened");
    let handed = match taken {
        Ok(h) => h,
        Err(e) => {
            kill_child();
            let _ = signals::supervise(pid, &forwarded, args.isolate);
            return Err(Failure::setup(format!("the kernel backstop cannot start: {e}")).into());
        }
    };
    // How the agent's memory is read, probed on the agent itself:
    // no mechanism → no run.
    if let Err(e) = crate::backstop::memory::select(pid as u32, handed.probe_addr) {
        kill_child();
        let _ = signals::supervise(pid, &forwarded, args.isolate);
        return Err(Failure::setup(format!("the kernel backstop cannot start: {e}")).into());
    }
    // Without pidfd_getfd the supervisor cannot hold the agent's socket:
    // socket calls the policy allows are then continued with the agent's
    // tree frozen (backstop::freeze; SECURITY_MODEL.md, "Containers").
    if backstop_listener::probe_pidfd_getfd(pid, handoff_child_no).is_err() {
        crate::backstop::perform::set_sockets_by_freeze();
    }
    let listener_fd = handed.listener;
    let (store, run_id, log) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            kill_child();
            let _ = signals::supervise(pid, &forwarded, args.isolate);
            return Err(Failure::setup(e).into());
        }
        Err(_) => {
            kill_child();
            let _ = signals::supervise(pid, &forwarded, args.isolate);
            return Err(Failure::setup("the audit log could not be opened".to_owned()).into());
        }
    };

    crate::timing::step("probes");
    // Threads may start now.
    // Announcements (and the prompt's thread) start after the fork.
    let prompt = !args.no_prompt && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let notifier = crate::review::announce::Notifier::new(&home, args.on_review.clone(), prompt);
    let reviews = crate::review::Reviews::new(&home, run_id).with(&agent_name, notifier);
    // The dashboard binds after the fork too: the agent never holds its socket.
    let dashboard = if args.dashboard {
        match crate::dashboard::serve_for_run(
            &home,
            args.dashboard_port,
            &reviews,
            crate::dashboard::PolicyView {
                origin: settings.policy.origin().to_owned(),
                text: settings.policy.source_text().to_owned(),
            },
            run_id,
        ) {
            Ok(d) => Some(d),
            Err(e) => {
                kill_child();
                let _ = signals::supervise(pid, &forwarded, args.isolate);
                return Err(Failure::setup(format!("--dashboard: {e}")).into());
            }
        }
    } else {
        None
    };
    let decider = Arc::new(decide::Decider::new(settings, log, reviews));
    decider.set_main_pid(pid);
    crate::timing::step("decider");
    // Landlock's state goes into the --isolate note (ordinary runs keep
    // their event numbering; `doctor` reports the ABI).
    let landlock_note = {
        let abi = crate::child::landlock::abi().unwrap_or(0);
        let what = landlock_plan.restricts(abi);
        if abi < 1 {
            "landlock: not available on this kernel (the layer is off)".to_owned()
        } else {
            format!(
                "landlock ABI {abi}: restricts {}",
                if what.is_empty() {
                    "nothing".to_owned()
                } else {
                    what.join(", ")
                }
            )
        }
    };
    if args.isolate {
        let removed = launch::removed_env_names(&args.pass_env);
        let user = user.map_or_else(|| "irongate's own".to_owned(), |(u, g)| format!("{u}:{g}"));
        decider.log().info(
            pid,
            &format!(
                "isolate: user {user}; {landlock_note}; environment variables removed (names only): {}",
                if removed.is_empty() {
                    "none".to_owned()
                } else {
                    removed.join(", ")
                }
            ),
        );
    }
    // The policy's matching sets are built field by field where a decision
    // first needs them (≤ 0.7 ms each for the built-in policy), not on a
    // thread at start-up, where they took CPU from the agent's interpreter.
    let server = server::spawn(
        listener.try_clone()?,
        Arc::clone(&decider),
        server::Limits::for_nofile(nofile),
    )?;
    let notify = crate::backstop::spawn(listener_fd, Arc::clone(&decider))?;
    backstop_listener::go(&handoff_parent)?;
    // The agent's calls wait for the writer where they are logged; a
    // writer that could not open ends the run before anything is lost.
    if let Err(e) = decider.log().ready() {
        kill_child();
        let _ = signals::supervise(pid, &forwarded, args.isolate);
        return Err(Failure::setup(format!("the audit log could not be opened: {e}")).into());
    }
    crate::timing::step("supervising");

    let status = signals::supervise(pid, &forwarded, args.isolate);
    crate::timing::step("agent exited");
    crate::timing::cpu("agent exited");
    signals::terminate_descendants();
    crate::timing::step("descendants ended");

    // Stop accepting; connection threads end when their processes are gone.
    server.shutdown(&listener);
    crate::timing::step("server shut");
    let _ = notify.join();
    crate::timing::step("notify joined");
    let counters = &decider.counters;
    let end = log::RunEnd {
        status,
        runtime_reads: counters.runtime_reads.load(Ordering::Relaxed),
        explained: counters.explained.load(Ordering::Relaxed),
        repeated: counters.repeated.load(Ordering::Relaxed),
    };
    decider.log().finish(&store, &end);
    crate::timing::step("run logged");
    if !args.quiet {
        // The real path: a symbolic link in the spelled one may have been
        // re-pointed by the agent since (its target cannot be moved).
        let home_flag = if args.home.is_some() || spelled_home != home {
            format!(" --home {}", home.display())
        } else {
            String::new()
        };
        let cmd = format!("irongate events --run {run_id}{home_flag}");
        if let Some(line) = counters.summary(&cmd) {
            eprintln!("{line}");
        }
    }
    crate::timing::step("summary");
    drop(scratch);
    crate::timing::step("scratch dropped");
    drop(dashboard);
    drop(run_dir);
    crate::timing::step("run dir dropped");
    drop(decider);
    drop(store);
    crate::timing::step("done");
    crate::timing::cpu("done");
    Ok(status.exit_code())
}

/// Loads `--policy`, else `$IRONGATE_HOME/policies.json`, else the built-in
/// policy. A policy that does not load stops the run.
fn load_policy(flag: Option<&Path>, home: &Path) -> Result<(Policy, String)> {
    let path: Option<PathBuf> = match flag {
        Some(p) => Some(p.to_path_buf()),
        None => Some(home.join("policies.json")).filter(|p| p.exists()),
    };
    match path {
        Some(p) => {
            let policy = Policy::load_file(&p).map_err(|e| Failure::setup(format!("{e}")))?;
            Ok((policy, p.to_string_lossy().into_owned()))
        }
        None => Ok((Policy::builtin(), "builtin".into())),
    }
}
