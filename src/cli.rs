//! Command line: argument definitions and dispatch.
//!
//! This file only parses. Each subcommand's behaviour lives in the module that
//! owns it (`policy::cmd`, `audit::cmd`, `replay`, `dashboard`, `supervisor`),
//! which defines the plain options type it takes; the clap structs here are
//! converted into those options (the `From` impls below) and never leave this
//! file. Exit codes and set-up errors live in [`crate::exit`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::audit::cmd::{EventsOptions, RunsOptions, VerifyOptions};
use crate::dashboard::DashboardOptions;
use crate::exit::IRONGATE_ERROR as EXIT_IRONGATE_ERROR;
use crate::replay::ReplayOptions;
use crate::review::{ApprovalsOptions, ApprovalsRequest, DecideOptions};
use crate::supervisor::RunOptions;

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(
    name = "irongate",
    version,
    about = "Deterministic runtime security for Python AI agents"
)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand of `irongate`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a Python agent under the supervisor.
    Run(Box<RunArgs>),
    /// Show the audit log's runs with their counts and exit status.
    Runs(RunsArgs),
    /// Show logged decisions.
    Events(EventsArgs),
    /// Verify the audit log's hash chain and its signed checkpoints.
    Verify(VerifyArgs),
    /// Show a run's timeline; re-evaluate it under another policy or profile.
    Replay(ReplayArgs),
    /// The checkpoint signing key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Validate or evaluate a policy file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check kernel features, the interpreter and the home directory.
    Doctor(DoctorArgs),
    /// List, approve or deny held operations; remembered approvals.
    #[command(subcommand)]
    Approvals(ApprovalsCommand),
    /// Serve the local dashboard (page and JSON API).
    Dashboard(DashboardArgs),
}

/// Arguments of `irongate dashboard`.
#[derive(Debug, Clone, Args)]
pub struct DashboardArgs {
    /// Address to bind (non-loopback needs IRONGATE_ALLOW_REMOTE=1).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 9123)]
    pub port: u16,
    /// The policy shown as active (default: $IRONGATE_HOME/policies.json, else the built-in policy).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// Arguments of `irongate doctor`.
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
    /// One JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--home DIR` shared by the commands that read the state directory.
#[derive(Debug, Clone, Args)]
pub struct HomeArg {
    /// State directory (default: $IRONGATE_HOME, else ~/.irongate).
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
}

/// Arguments of `irongate run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Capability profile: sandboxed | read_only | trusted | minimal.
    #[arg(long, default_value = "sandboxed")]
    pub profile: String,
    /// Policy file (default: $IRONGATE_HOME/policies.json if present, else the built-in policy).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Sanitised environment, new session, no inherited fds, capabilities dropped.
    #[arg(long)]
    pub isolate: bool,
    /// With --isolate: the user the agent runs as (name or uid; default
    /// nobody when irongate runs as root).
    #[arg(long, value_name = "NAME|UID")]
    pub user: Option<String>,
    /// Environment variable to keep with --isolate (repeatable).
    #[arg(long = "pass-env", value_name = "NAME")]
    pub pass_env: Vec<String>,
    /// Interpreter or venv whose environment the agent runs in.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// What to do with an unexplained syscall the policy blocks: enforce | kill | audit.
    #[arg(long, default_value = "enforce")]
    pub backstop: String,
    /// Overrides the policy's approval_timeout_seconds.
    #[arg(long, value_name = "S")]
    pub review_timeout: Option<f64>,
    /// Label stored with every event (default: the script's stem).
    #[arg(long, value_name = "NAME")]
    pub agent_name: Option<String>,
    /// Make every decision wait for its commit before the operation proceeds.
    #[arg(long)]
    pub durable: bool,
    /// Write a signed checkpoint of the audit log every N events (0: only at the end of the run).
    #[arg(long, value_name = "N", default_value_t = crate::audit::checkpoint::DEFAULT_EVERY)]
    pub checkpoint_every: u64,
    /// Print each decision to stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Also serve the dashboard from this supervisor (127.0.0.1, --dashboard-port).
    #[arg(long)]
    pub dashboard: bool,
    /// Port of --dashboard (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 9123)]
    pub dashboard_port: u16,
    /// Do not offer an interactive review answer on the terminal.
    #[arg(long)]
    pub no_prompt: bool,
    /// Run CMD (with sh -c) for each pending review, the review as JSON on stdin.
    #[arg(long, value_name = "CMD")]
    pub on_review: Option<String>,
    /// No summary of blocks and reviews at exit.
    #[arg(short, long)]
    pub quiet: bool,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
    /// Run a module instead of a script (what follows are its arguments).
    #[arg(short = 'm', value_name = "MODULE")]
    pub module: Option<String>,
    /// The agent script, then its arguments (with `-m`: the first argument).
    #[arg(value_name = "SCRIPT", required_unless_present = "module")]
    pub script: Option<PathBuf>,
    /// Arguments passed to the agent.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Arguments of `irongate runs`.
#[derive(Debug, Clone, Args)]
pub struct RunsArgs {
    /// One JSON document.
    #[arg(long)]
    pub json: bool,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// Arguments of `irongate events`.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Run id, or `last`.
    #[arg(long, value_name = "ID|last")]
    pub run: Option<String>,
    /// Only this decision: allow | review | block.
    #[arg(long)]
    pub decision: Option<String>,
    /// Only events the hook layer did not explain.
    #[arg(long)]
    pub unexplained: bool,
    /// JSON Lines, one event per line.
    #[arg(long)]
    pub json: bool,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// Arguments of `irongate verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// One JSON document.
    #[arg(long)]
    pub json: bool,
    /// Check the checkpoints against this exported public key (`irongate key export`)
    /// instead of the home's key.
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
    /// Verify an incident bundle (`irongate replay RUN --export FILE`) instead of the log.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// Arguments of `irongate replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Run id, or `last`.
    #[arg(value_name = "RUN|last", default_value = "last")]
    pub run: String,
    /// Re-evaluate every recorded action under this policy file (`builtin`: the built-in one).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Re-evaluate under this capability profile (default: the run's).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Write an incident bundle (events, checkpoints, public key, policy) to FILE.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// JSON Lines.
    #[arg(long)]
    pub json: bool,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// `irongate key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the checkpoint key's public half (for `verify --pubkey`).
    Export {
        /// State directory.
        #[command(flatten)]
        home: HomeArg,
    },
}

/// `irongate approvals …`
#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// Held operations waiting for a human.
    List {
        /// One JSON document.
        #[arg(long)]
        json: bool,
        /// State directory.
        #[command(flatten)]
        home: HomeArg,
    },
    /// Let a held operation proceed (single use, bound to its exact action).
    Approve(DecideArgs),
    /// Refuse a held operation.
    Deny(DecideArgs),
    /// Approve a held operation and remember a narrow allowance for its agent.
    Remember(DecideArgs),
    /// Remembered approvals (the user overlay), with what each allows.
    ListRemembered {
        /// One JSON document.
        #[arg(long)]
        json: bool,
        /// State directory.
        #[command(flatten)]
        home: HomeArg,
    },
    /// Remove a remembered approval.
    Revoke {
        /// The remembered approval's id (as listed by list-remembered).
        id: u64,
        /// One JSON document.
        #[arg(long)]
        json: bool,
        /// State directory.
        #[command(flatten)]
        home: HomeArg,
    },
}

/// Arguments of `irongate approvals approve|deny`.
#[derive(Debug, Clone, Args)]
pub struct DecideArgs {
    /// The held operation's id (as announced and listed).
    pub id: i64,
    /// Why (recorded with the verdict).
    #[arg(long)]
    pub reason: Option<String>,
    /// Also remember a narrow allowance (approve only).
    #[arg(long)]
    pub remember: bool,
    /// Remember: widen a command to its first N argv words.
    #[arg(long, value_name = "N")]
    pub argv_prefix: Option<usize>,
    /// Remember: widen a file action to every path under DIR.
    #[arg(long, value_name = "DIR")]
    pub path_prefix: Option<String>,
    /// One JSON document.
    #[arg(long)]
    pub json: bool,
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
}

/// `irongate policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and report shadowed rules.
    Check {
        /// The policy file.
        file: PathBuf,
        /// One JSON document.
        #[arg(long)]
        json: bool,
        /// State directory whose remembered approvals (overlay) are shown.
        #[command(flatten)]
        home: HomeArg,
    },
    /// Learn the narrowest policy that allows what a run did.
    Suggest {
        /// Run id, or `last`.
        #[arg(value_name = "RUN|last")]
        run: String,
        /// The profile the policy is for (default: the run's).
        #[arg(long, value_name = "P")]
        from_profile: Option<String>,
        /// Where to write the policy.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// State directory.
        #[command(flatten)]
        home: HomeArg,
    },
    /// Evaluate one action against a policy file.
    Eval {
        /// The policy file (`builtin` for the built-in policy).
        file: PathBuf,
        /// The action, as a JSON object.
        #[arg(long, value_name = "JSON")]
        action: String,
        /// Capability profile.
        #[arg(long, default_value = "sandboxed")]
        profile: String,
        /// One JSON document: {"decision", "reason", "rule"}.
        #[arg(long)]
        json: bool,
    },
}

impl From<RunArgs> for RunOptions {
    fn from(a: RunArgs) -> Self {
        // With `-m MODULE`, the positional that clap takes for SCRIPT is the
        // module's first argument.
        let (mut script, mut args) = (a.script, a.args);
        if a.module.is_some()
            && let Some(first) = script.take()
        {
            args.insert(0, first.to_string_lossy().into_owned());
        }
        RunOptions {
            profile: a.profile,
            policy: a.policy,
            isolate: a.isolate,
            user: a.user,
            pass_env: a.pass_env,
            python: a.python,
            backstop: a.backstop,
            review_timeout: a.review_timeout,
            agent_name: a.agent_name,
            durable: a.durable,
            checkpoint_every: a.checkpoint_every,
            verbose: a.verbose,
            dashboard: a.dashboard,
            dashboard_port: a.dashboard_port,
            no_prompt: a.no_prompt,
            on_review: a.on_review,
            quiet: a.quiet,
            home: a.home.home,
            module: a.module,
            script,
            args,
        }
    }
}

impl From<RunsArgs> for RunsOptions {
    fn from(a: RunsArgs) -> Self {
        RunsOptions {
            json: a.json,
            home: a.home.home,
        }
    }
}

impl From<EventsArgs> for EventsOptions {
    fn from(a: EventsArgs) -> Self {
        EventsOptions {
            run: a.run,
            decision: a.decision,
            unexplained: a.unexplained,
            json: a.json,
            home: a.home.home,
        }
    }
}

impl From<VerifyArgs> for VerifyOptions {
    fn from(a: VerifyArgs) -> Self {
        VerifyOptions {
            json: a.json,
            pubkey: a.pubkey,
            bundle: a.bundle,
            home: a.home.home,
        }
    }
}

impl From<ReplayArgs> for ReplayOptions {
    fn from(a: ReplayArgs) -> Self {
        ReplayOptions {
            run: a.run,
            policy: a.policy,
            profile: a.profile,
            export: a.export,
            json: a.json,
            home: a.home.home,
        }
    }
}

impl From<DashboardArgs> for DashboardOptions {
    fn from(a: DashboardArgs) -> Self {
        DashboardOptions {
            host: a.host,
            port: a.port,
            policy: a.policy,
            home: a.home.home,
        }
    }
}

impl From<ApprovalsCommand> for ApprovalsOptions {
    fn from(c: ApprovalsCommand) -> Self {
        use ApprovalsCommand as C;
        use ApprovalsRequest as R;
        let (home, request) = match c {
            C::List { json, home } => (home, R::List { json }),
            C::Approve(a) => (a.home.clone(), R::Approve(a.into())),
            C::Deny(a) => (a.home.clone(), R::Deny(a.into())),
            C::Remember(a) => (a.home.clone(), R::Remember(a.into())),
            C::ListRemembered { json, home } => (home, R::ListRemembered { json }),
            C::Revoke { id, json, home } => (home, R::Revoke { id, json }),
        };
        ApprovalsOptions {
            home: home.home,
            request,
        }
    }
}

impl From<DecideArgs> for DecideOptions {
    fn from(a: DecideArgs) -> Self {
        DecideOptions {
            id: a.id,
            reason: a.reason,
            remember: a.remember,
            argv_prefix: a.argv_prefix,
            path_prefix: a.path_prefix,
            json: a.json,
        }
    }
}

/// `irongate run … -m MODULE ARGS…`: everything after the module name is
/// the module's, flags included (as with `python -m`). clap would read a
/// `-q` there as irongate's own flag, so a `--` is put after the module name
/// before parsing. Flags before `-m` stay irongate's; the scan stops at the
/// first positional (the script), whose arguments are already passed as is.
pub fn module_args_apart(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let Some(run_at) = argv.iter().skip(1).position(|a| a == "run").map(|i| i + 1) else {
        return argv;
    };
    // Everything before `run` must be a flag of irongate itself.
    if argv[1..run_at]
        .iter()
        .any(|a| !a.to_string_lossy().starts_with('-'))
    {
        return argv;
    }
    let command = Cli::command();
    let Some(run) = command.find_subcommand("run") else {
        return argv;
    };
    let takes_value = |flag: &str| {
        run.get_arguments().any(|a| {
            let named = match flag.strip_prefix("--") {
                Some(long) => a.get_long() == Some(long),
                None => flag.len() == 2 && a.get_short() == flag.chars().nth(1),
            };
            named && a.get_action().takes_values()
        })
    };
    let mut i = run_at + 1;
    while i < argv.len() {
        let arg = argv[i].to_string_lossy().into_owned();
        if arg == "--" || !arg.starts_with('-') || arg == "-" {
            return argv; // the script (or an explicit `--`): nothing to do
        }
        let module_end = if arg == "-m" {
            Some(i + 2)
        } else if arg.starts_with("-m") {
            Some(i + 1) // -mMODULE
        } else {
            None
        };
        if let Some(end) = module_end {
            let mut out = argv;
            if end <= out.len() {
                out.insert(end, "--".into());
            }
            return out;
        }
        if !arg.contains('=') && takes_value(&arg) {
            i += 1; // the flag's value
        }
        i += 1;
    }
    argv
}

/// Parses the command line, runs the command and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse_from(module_args_apart(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_IRONGATE_ERROR
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Run(args) => crate::supervisor::cmd_run((*args).into()),
        Command::Runs(args) => crate::audit::cmd::runs(&args.into()),
        Command::Events(args) => crate::audit::cmd::events(&args.into()),
        Command::Verify(args) => {
            let options: crate::audit::cmd::VerifyOptions = args.into();
            match &options.bundle {
                // An incident bundle is replay's format, not the log's.
                Some(bundle) => crate::audit::cmd::read_optional_pubkey(&options).and_then(|key| {
                    crate::replay::bundle::cmd_verify(bundle, key.as_ref(), options.json)
                }),
                None => crate::audit::cmd::verify(&options),
            }
        }
        Command::Replay(args) => crate::replay::cmd(&args.into()),
        Command::Key(KeyCommand::Export { home }) => {
            crate::audit::cmd::key_export(home.home.as_deref())
        }
        Command::Policy(PolicyCommand::Check { file, json, home }) => {
            crate::policy::cmd::check_with_overlay(&file, json, home.home.as_deref())
        }
        Command::Policy(PolicyCommand::Suggest {
            run,
            from_profile,
            output,
            home,
        }) => crate::replay::suggest::cmd(
            &run,
            from_profile.as_deref(),
            &output,
            home.home.as_deref(),
        ),
        Command::Policy(PolicyCommand::Eval {
            file,
            action,
            profile,
            json,
        }) => crate::policy::cmd::eval(&file, &action, &profile, json),
        Command::Doctor(d) => crate::doctor::cmd_with_environment(d.home.home.as_deref(), d.json),
        Command::Approvals(cmd) => crate::review::cmd_approvals(cmd.into()),
        Command::Dashboard(args) => crate::dashboard::cmd_dashboard(&args.into()),
    };
    crate::exit::status(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apart(args: &[&str]) -> Vec<String> {
        let argv = args.iter().map(std::ffi::OsString::from).collect();
        module_args_apart(argv)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn flags_after_the_module_are_the_modules() {
        assert_eq!(
            apart(&[
                "irongate",
                "run",
                "--profile",
                "trusted",
                "-m",
                "pytest",
                "-q"
            ]),
            [
                "irongate",
                "run",
                "--profile",
                "trusted",
                "-m",
                "pytest",
                "--",
                "-q"
            ]
        );
        assert_eq!(
            apart(&["irongate", "run", "-mpytest", "-q", "x.py"]),
            ["irongate", "run", "-mpytest", "--", "-q", "x.py"]
        );
        // A script's own `-m` is the script's.
        assert_eq!(
            apart(&["irongate", "run", "a.py", "-m", "x"]),
            ["irongate", "run", "a.py", "-m", "x"]
        );
        // A flag's value is not the script.
        assert_eq!(
            apart(&["irongate", "run", "--home", "h", "-q", "-m", "m"]),
            ["irongate", "run", "--home", "h", "-q", "-m", "m", "--"]
        );
        let cli = Cli::try_parse_from(module_args_apart(
            ["irongate", "run", "-q", "-m", "pytest", "-q", "t.py"]
                .iter()
                .map(std::ffi::OsString::from)
                .collect(),
        ))
        .expect("parses");
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        assert!(run.quiet);
        assert_eq!(run.module.as_deref(), Some("pytest"));
        assert_eq!(run.script.as_deref(), Some(std::path::Path::new("-q")));
        assert_eq!(run.args, ["t.py"]);
        // The options the supervisor gets: the module's arguments, in order.
        let opts = RunOptions::from(*run);
        assert_eq!(opts.module.as_deref(), Some("pytest"));
        assert_eq!(opts.script, None);
        assert_eq!(opts.args, ["-q", "t.py"]);
        assert!(opts.quiet);
    }

    #[test]
    fn approvals_options_carry_the_home_and_the_verdict() {
        let cli = Cli::try_parse_from([
            "irongate",
            "approvals",
            "deny",
            "7",
            "--reason",
            "no",
            "--home",
            "h",
        ])
        .expect("parses");
        let Command::Approvals(cmd) = cli.command else {
            panic!("not approvals")
        };
        let opts = ApprovalsOptions::from(cmd);
        assert_eq!(opts.home.as_deref(), Some(std::path::Path::new("h")));
        let ApprovalsRequest::Deny(d) = opts.request else {
            panic!("not deny")
        };
        assert_eq!(
            (d.id, d.reason.as_deref(), d.remember),
            (7, Some("no"), false)
        );
    }
}
