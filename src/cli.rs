//! Command line: argument definitions and dispatch.
//!
//! Each subcommand's behaviour lives in the module that owns it (`policy::cmd`,
//! `audit::cmd`, `supervisor`); this file only parses flags and maps errors to
//! exit codes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit status when irongate itself fails before the agent starts.
pub const EXIT_IRONGATE_ERROR: i32 = 125;

/// An error that ends `irongate` with a specific exit status.
#[derive(Debug)]
pub struct Failure {
    /// Exit status.
    pub code: i32,
    /// Message: what failed, then a `hint:` line saying how to fix it.
    pub message: String,
}

impl Failure {
    /// A failure with its own exit status.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// irongate's own failure before the agent starts (125).
    pub fn setup(message: impl Into<String>) -> Self {
        Failure::new(EXIT_IRONGATE_ERROR, message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

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
    /// Verify the audit log's hash chain.
    Verify(VerifyArgs),
    /// Validate or evaluate a policy file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check kernel features, the interpreter and the home directory.
    Doctor(DoctorArgs),
    /// List, approve or deny held operations.
    #[command(subcommand)]
    Approvals(ApprovalsCommand),
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
    /// Print each decision to stderr.
    #[arg(short, long)]
    pub verbose: bool,
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
    /// State directory.
    #[command(flatten)]
    pub home: HomeArg,
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
}

/// Arguments of `irongate approvals approve|deny`.
#[derive(Debug, Clone, Args)]
pub struct DecideArgs {
    /// The held event's id (as listed).
    pub id: i64,
    /// Why (recorded with the verdict).
    #[arg(long)]
    pub reason: Option<String>,
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

/// Parses the command line, runs the command and returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
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
        Command::Run(args) => crate::supervisor::cmd_run(*args),
        Command::Runs(args) => crate::audit::cmd::runs(&args),
        Command::Events(args) => crate::audit::cmd::events(&args),
        Command::Verify(args) => crate::audit::cmd::verify(&args),
        Command::Policy(PolicyCommand::Check { file, json }) => {
            crate::policy::cmd::check(&file, json)
        }
        Command::Policy(PolicyCommand::Eval {
            file,
            action,
            profile,
            json,
        }) => crate::policy::cmd::eval(&file, &action, &profile, json),
        Command::Doctor(d) => crate::supervisor::cmd_doctor(&d.home, d.json),
        Command::Approvals(cmd) => crate::supervisor::review::cmd_approvals(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("irongate: {e:#}");
            e.downcast_ref::<Failure>()
                .map_or(EXIT_IRONGATE_ERROR, |f| f.code)
        }
    }
}
