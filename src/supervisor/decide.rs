//! The supervisor's decision path for the hook and API layers: IronGate's
//! own boundaries first (its state directory), then runtime reads, then
//! operations already explained by an earlier decision, then the policy
//! (capabilities, rules), reviews, and the log. Every value that came from
//! the child is data to judge, never an instruction.

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::events::{self, Caller, Mapped};
use super::intents::{Intents, NetKey, Op};
use super::judge::Judgement;
use super::log::{EventLog, Layer};
use super::paths;
use super::procfs::parent_of;
use super::server::ConnState;
use crate::action::{Action, Field, FileOp, Kind, NetOp, ProcessOp};
use crate::ipc::{JoinKind, Reply};
use crate::policy::{Decision, Policy, Profile, Verdict};
use crate::review::Reviews;

/// How long an allowed operation explains its follow-up calls (the DNS
/// lookup and connect of an allowed HTTP request, the exec of an allowed
/// spawn).
const GRANT_TTL: Duration = Duration::from_secs(10);

/// Directories whose reads are runtime reads for every interpreter: system
/// libraries, locale and time zone data, CA certificates (R-33).
const SYSTEM_RUNTIME_DIRS: &[&str] = &[
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/usr/share/locale",
    "/usr/share/zoneinfo",
    "/usr/share/ca-certificates",
    "/etc/ssl/certs",
    "/etc/localtime",
    "/etc/ld.so.cache",
    "/dev/null",
    "/dev/urandom",
    // C-library and runtime configuration read without an audit event of
    // their own: cgroup limits (CPU counts of OpenBLAS, Rust and Go
    // runtimes), OpenSSL's configuration, readline's.
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
    "/etc/ssl/openssl.cnf",
    "/usr/local/ssl/openssl.cnf",
    "/etc/inputrc",
];

/// `platform.processor()` runs exactly this (Lib/platform.py, `_Processor`).
const UNAME_P: &[&str] = &["uname", "-p"];

/// Where `uname` is on the systems we run on.
pub(crate) const UNAME_PATHS: &[&str] = &["/usr/bin/uname", "/bin/uname"];

/// Everything fixed for one run.
#[derive(Debug)]
pub struct RunSettings {
    /// The policy.
    pub policy: Policy,
    /// The run's capability profile.
    pub profile: Profile,
    /// IronGate's state directory (real path): never reachable.
    pub home: String,
    /// The run directory (socket, launcher): never writable.
    pub run_dir: String,
    /// The run's scratch directory (real path): the agent's `TMPDIR`.
    pub scratch: String,
    /// Venv and base-interpreter directories (real paths).
    pub runtime_dirs: Vec<String>,
    /// The agent's script (real path), read by the interpreter itself.
    pub script: Option<String>,
    /// The interpreter path sent to Python children.
    pub program_name: String,
    /// The launcher path (`sys.executable` for the agent).
    pub launcher: String,
    /// This process.
    pub supervisor_pid: i32,
    /// Print each decision to stderr.
    pub verbose: bool,
    /// The IPC socket's real path (the child's own connect is not judged).
    pub socket: String,
    /// How long a review waits (`--review-timeout`, else the policy's).
    pub review_timeout: Duration,
    /// What an unexplained blocked syscall does.
    pub backstop: crate::backstop::Mode,
    /// The agent's starting environment (what `env_changes` is relative to).
    pub launch_env: super::launch_env::LaunchEnv,
}

#[derive(Debug)]
enum GrantKind {
    /// DNS and connects to this host and port.
    Net {
        host: String,
        port: Option<i64>,
        ips: Vec<IpAddr>,
        /// `http.client` requests this grant still explains (the one made
        /// underneath the decided request, e.g. by urllib).
        http_uses: u32,
        /// Connections it still explains: one per address the host has (a
        /// client tries them in turn), then a later connection to the same
        /// host is a decision of its own.
        connects_left: u32,
        /// Lookups of the host it still explains.
        lookups_left: u32,
    },
    /// The resolver traffic (port 53) of an allowed DNS lookup.
    Dns,
    /// A Python child of this process may join through the launcher.
    PythonChild,
    /// A forked child of this process may join.
    Fork,
}

#[derive(Debug)]
struct Grant {
    pid: i32,
    kind: GrantKind,
    expires: Instant,
}

/// Counters kept per run instead of one log row each (R-33).
#[derive(Debug, Default)]
pub struct Counters {
    /// Reads under the interpreter, venv and system runtime directories.
    pub runtime_reads: AtomicU64,
    /// Calls explained by an earlier decision.
    pub explained: AtomicU64,
    /// HTTP requests refused again as repeats of one just refused (an SDK's
    /// retries): answered with the same verdict, counted, not decided again.
    pub repeated: AtomicU64,
    /// Final decisions that blocked, and reviews held (for the exit summary).
    pub blocked: AtomicU64,
    /// Reviews held.
    pub reviewed: AtomicU64,
    /// Why operations were blocked: reason → count.
    pub block_reasons: Mutex<HashMap<String, u64>>,
}

impl Counters {
    fn count(&self, first: &Verdict, last: &Verdict) {
        if first.decision == Decision::Review {
            self.reviewed.fetch_add(1, Ordering::Relaxed);
        }
        if last.decision != Decision::Allow {
            self.blocked.fetch_add(1, Ordering::Relaxed);
            let mut reasons = lock(&self.block_reasons);
            if reasons.len() < 64 || reasons.contains_key(&last.reason) {
                *reasons.entry(last.reason.clone()).or_default() += 1;
            }
        }
    }

    /// The one-line exit summary (nothing when nothing was blocked or
    /// reviewed): counts, the top reasons, the command that lists them.
    pub fn summary(&self, events_cmd: &str) -> Option<String> {
        let blocked = self.blocked.load(Ordering::Relaxed);
        let reviewed = self.reviewed.load(Ordering::Relaxed);
        if blocked == 0 && reviewed == 0 {
            return None;
        }
        let mut reasons: Vec<(String, u64)> = lock(&self.block_reasons)
            .iter()
            .map(|(r, n)| (r.clone(), *n))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let top: Vec<String> = reasons
            .iter()
            .take(3)
            .map(|(r, n)| format!("{} ×{n}", short_reason(r)))
            .collect();
        let top = if top.is_empty() {
            String::new()
        } else {
            format!(" — {}", top.join(", "))
        };
        Some(format!(
            "irongate: {blocked} blocked, {reviewed} reviewed{top}; see: {events_cmd}"
        ))
    }
}

/// The decision state of one run.
pub struct Decider {
    pub(crate) settings: RunSettings,
    log: EventLog,
    reviews: Reviews,
    grants: Mutex<Vec<Grant>>,
    narrowed: Mutex<HashMap<i32, Vec<(i64, Profile)>>>,
    pub(crate) main_pid: Mutex<Option<i32>>,
    /// Processes that have joined (their other threads may connect).
    joined: Mutex<std::collections::HashSet<i32>>,
    /// Hook-layer decisions the kernel layer matches syscalls against.
    pub(crate) intents: Intents,
    /// Counters for the run record.
    pub counters: Counters,
    /// Unclassified syscall numbers already logged this run.
    pub(crate) unclassified_seen: Mutex<std::collections::HashSet<i64>>,
    /// The open note of each (process, thread) that registered one (see
    /// `ipc::note`), with the connection that did and the last sequence
    /// number that explained a syscall.
    notes: Mutex<HashMap<(i32, i64), NoteSlot>>,
    /// The message of each thread's last open refused on its note (with
    /// the note's sequence number), until the bootstrap asks for it.
    refusals: Mutex<HashMap<(i32, i64), (u64, String)>>,
    /// HTTP requests refused a moment ago (by the policy or a human), so a
    /// client's retry of the same request gets the same answer, not a new
    /// decision or review (R-45: one decision per request).
    refused_requests: Mutex<Vec<RefusedRequest>>,
    /// Notes of opens handed to a held thread (a review): taken there.
    pub(crate) held_notes: Mutex<HashMap<(i32, i64), crate::ipc::note::Note>>,
    /// Directories and files this run created (an allowed `mkdir`, or an
    /// exclusive create).
    created: Mutex<std::collections::HashSet<String>>,
    /// Of those, the ones `tempfile` made (`own_files`).
    temporary: Mutex<std::collections::HashSet<String>>,
    /// `tempfile` announcements whose create has not been seen yet.
    claims: Mutex<std::collections::HashSet<String>>,
    /// Names the agent's processes looked up (allowed `network/dns`), with
    /// the addresses the supervisor's own lookup found for them (R-45).
    lookups: Mutex<Vec<Lookup>>,
    /// The tool calls in progress per thread (pid, tid), innermost last,
    /// as `TOOL#N` (the run's N-th allowed tool call). Every operation of
    /// the thread meanwhile carries it as `in_tool` (R-45). Only a label:
    /// what the child says about a tool's end changes no decision.
    tool_calls: Mutex<HashMap<(i32, i64), ToolStack>>,
    /// Allowed tool calls so far.
    tool_seq: AtomicU64,
}

/// The userfaultfd device (Linux 6.1): a userfaultfd that also handles the
/// kernel's faults on the registered memory.
const USERFAULTFD_DEVICE: &str = "/dev/userfaultfd";

/// A decision up to the policy's verdict (see `Decider::judge_first`).
#[derive(Debug)]
pub(crate) enum Prejudged {
    /// Decided before the policy (and logged where that is due).
    Done(Outcome),
    /// The policy's verdict on the action, not yet logged.
    Policy(Box<Action>, Verdict),
}

/// The tool calls in progress in one thread, innermost last.
#[derive(Debug, Default)]
struct ToolStack {
    labels: Vec<String>,
    /// The thread's tool-end counter (in its note) when last looked at.
    ends_seen: u64,
}

/// One refused HTTP request, kept for its retries.
#[derive(Debug)]
struct RefusedRequest {
    pid: i32,
    /// The process's start time: a recycled pid is another process.
    started: u64,
    action: Action,
    /// The profile it was refused under: a narrowing left since (R-44)
    /// does not refuse its retries.
    profile: Profile,
    outcome: Outcome,
    until: Instant,
}

/// How long a refused request's retries get its answer again.
const REFUSAL_REPEAT: Duration = Duration::from_secs(30);
/// Refused requests kept at most.
const MAX_REFUSED_REQUESTS: usize = 64;

/// Notes (and kept refusal messages) at most: one per agent thread.
const MAX_NOTES: usize = 65_536;

/// Where one agent thread keeps its open note.
#[derive(Debug)]
struct NoteSlot {
    /// The connection that registered it.
    conn: Arc<ConnState>,
    /// Its address in the agent's memory.
    addr: u64,
    /// The newest sequence number that explained a syscall.
    seq: u64,
}

/// One allowed name lookup: a connect to one of `ips` from `pid` soon after
/// is a connect to `host`.
#[derive(Debug)]
struct Lookup {
    pid: i32,
    host: String,
    ips: Vec<IpAddr>,
    expires: Instant,
}

/// Ports on which a connect to a looked-up name is judged as the HTTP
/// request it starts (R-45). Elsewhere it stays a `network/connect` (with
/// the name as its `host`): a host rule for HTTP does not open the host's
/// other services.
const HTTP_PORTS: &[(i64, &str)] = &[(80, "http"), (443, "https")];

/// A reason cut for the exit summary: at most 60 characters, at a word,
/// with `…` when cut (a review's "timed out after…").
fn short_reason(r: &str) -> String {
    if r.chars().count() <= 60 {
        return r.to_owned();
    }
    let head: String = r.chars().take(60).collect();
    let cut = head.rfind(' ').filter(|&i| i > 20).unwrap_or(head.len());
    format!("{}…", head[..cut].trim_end())
}

/// A final decision with its log row written.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) allow: bool,
    pub(crate) verdict: Verdict,
    /// The `PermissionError` text when blocked: action, rule and reason.
    pub(crate) message: String,
}

impl Decider {
    /// Creates the decision state for a run.
    pub fn new(settings: RunSettings, log: EventLog, reviews: Reviews) -> Decider {
        Decider {
            settings,
            log,
            reviews,
            grants: Mutex::new(Vec::new()),
            narrowed: Mutex::new(HashMap::new()),
            main_pid: Mutex::new(None),
            joined: Mutex::new(std::collections::HashSet::new()),
            intents: Intents::default(),
            counters: Counters::default(),
            unclassified_seen: Mutex::new(std::collections::HashSet::new()),
            created: Mutex::new(std::collections::HashSet::new()),
            temporary: Mutex::new(std::collections::HashSet::new()),
            claims: Mutex::new(std::collections::HashSet::new()),
            lookups: Mutex::new(Vec::new()),
            tool_calls: Mutex::new(HashMap::new()),
            tool_seq: AtomicU64::new(0),
            notes: Mutex::new(HashMap::new()),
            refusals: Mutex::new(HashMap::new()),
            held_notes: Mutex::new(HashMap::new()),
            refused_requests: Mutex::new(Vec::new()),
        }
    }

    /// Records the pid of the agent process the supervisor forked.
    pub fn set_main_pid(&self, pid: i32) {
        *lock(&self.main_pid) = Some(pid);
    }

    /// The run's settings.
    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// A new connection says hello. Only processes of the agent's tree are
    /// accepted; a Python child or fork that no earlier decision explains is
    /// decided now as a spawn.
    pub fn on_hello(&self, pid: i32, kind: JoinKind, argv: &[String]) -> Reply {
        let reply = self.hello(pid, kind, argv);
        if matches!(reply, Reply::Welcome { .. }) {
            lock(&self.joined).insert(pid);
        }
        reply
    }

    fn hello(&self, pid: i32, kind: JoinKind, argv: &[String]) -> Reply {
        let main = *lock(&self.main_pid);
        let welcome = Reply::Welcome {
            launcher: self.settings.launcher.clone(),
            program_name: self.settings.program_name.clone(),
            supervisor_pid: self.settings.supervisor_pid,
            runtime_dirs: self.settings.runtime_dirs.clone(),
            notes: false,
        };
        match kind {
            JoinKind::Main if main == Some(pid) && !lock(&self.joined).contains(&pid) => {
                return welcome;
            }
            JoinKind::Main => {
                return Reply::Error {
                    message: "only the agent process may join as main, once".into(),
                };
            }
            JoinKind::Thread if lock(&self.joined).contains(&pid) => return welcome,
            JoinKind::Thread => {
                return Reply::Error {
                    message: format!("process {pid} has not joined this run"),
                };
            }
            JoinKind::Fork | JoinKind::Exec => {}
        }
        let Some(main) = main else {
            return Reply::Error {
                message: "the agent has not started".into(),
            };
        };
        if !self.is_in_tree(pid, main) {
            return Reply::Error {
                message: format!("process {pid} is not part of this run"),
            };
        }
        let wanted = if kind == JoinKind::Fork {
            GrantKind::Fork
        } else {
            GrantKind::PythonChild
        };
        if self.take_process_grant(pid, &wanted) {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            return welcome;
        }
        // Nothing explains it (multiprocessing spawn goes through
        // _posixsubprocess without an audit event; a fork from native code):
        // decide it now.
        let mut full = vec![self.settings.launcher.clone()];
        full.extend(argv.iter().cloned());
        let action = if kind == JoinKind::Fork {
            Action::process(ProcessOp::Spawn)
                .with(Field::Cmd, "fork")
                .with(Field::Argv, Vec::<String>::new())
                .with(Field::ProcessClass, "python_child")
        } else {
            Action::process(ProcessOp::Spawn)
                .with(Field::Cmd, events::shell_join(&full))
                .with(Field::Argv, full)
                .with(Field::Executable, self.settings.launcher.clone())
                .with(Field::ProcessClass, "python_child")
        };
        let caller = Caller {
            pid,
            tid: i64::from(pid),
        };
        let out = self.decide(caller, Layer::Hook, action, None, false);
        if out.allow {
            welcome
        } else {
            Reply::Error {
                message: out.message,
            }
        }
    }

    /// Remembers where thread `tid` of `pid` keeps its open note. The thread
    /// id comes from the agent: it must be a thread of the connection's
    /// (kernel-given) process.
    pub(crate) fn register_note(
        &self,
        pid: i32,
        tid: i64,
        addr: u64,
        conn: &Arc<ConnState>,
    ) -> bool {
        if addr == 0 || !std::path::Path::new(&format!("/proc/{pid}/task/{tid}")).exists() {
            return false;
        }
        let mut notes = lock(&self.notes);
        // Bounded like the connections themselves: one note per thread.
        if notes.len() >= MAX_NOTES && !notes.contains_key(&(pid, tid)) {
            return false;
        }
        notes.insert(
            (pid, tid),
            NoteSlot {
                conn: Arc::clone(conn),
                addr,
                seq: 0,
            },
        );
        true
    }

    /// Forgets a thread's note (before its connection is closed) — only if
    /// that connection registered it: another connection of the process
    /// that claimed the same thread id must not unregister it.
    pub(crate) fn unregister_note(&self, pid: i32, tid: i64, conn: &Arc<ConnState>) {
        let mut notes = lock(&self.notes);
        if notes
            .get(&(pid, tid))
            .is_some_and(|n| Arc::ptr_eq(&n.conn, conn))
        {
            notes.remove(&(pid, tid));
        }
        lock(&self.refusals).remove(&(pid, tid));
    }

    /// Where thread `tid` of `pid` keeps its note, and the newest sequence
    /// number already used.
    pub(crate) fn note_of(&self, pid: i32, tid: i64) -> Option<(u64, u64)> {
        lock(&self.notes).get(&(pid, tid)).map(|n| (n.addr, n.seq))
    }

    /// Marks note `seq` of a thread used: it explains one syscall only.
    pub(crate) fn note_used(&self, pid: i32, tid: i64, seq: u64) {
        if let Some(n) = lock(&self.notes).get_mut(&(pid, tid)) {
            n.seq = n.seq.max(seq);
        }
    }

    /// Keeps the message of an open refused on its note for the bootstrap.
    pub(crate) fn note_refusal(&self, caller: Caller, seq: u64, message: String) {
        let mut refusals = lock(&self.refusals);
        if refusals.len() >= MAX_NOTES {
            refusals.clear();
        }
        refusals.insert((caller.pid, caller.tid), (seq, message));
    }

    /// `Request::EndTool`: the innermost tool call of the thread returned
    /// (nothing to decide or log; only the `in_tool` label changes).
    pub fn end_tool(&self, caller: Caller) {
        let mut calls = lock(&self.tool_calls);
        if let Some(stack) = calls.get_mut(&(caller.pid, caller.tid)) {
            stack.labels.pop();
            if stack.labels.is_empty() {
                calls.remove(&(caller.pid, caller.tid));
            }
        }
    }

    /// The thread's tool-end counter, read from its note (`None`: no note,
    /// or it cannot be read).
    fn tool_ends(&self, caller: Caller) -> Option<u64> {
        let (addr, _) = self.note_of(caller.pid, caller.tid)?;
        let at = addr.checked_add(crate::ipc::note::TOOL_ENDS as u64)?;
        let b = crate::backstop::memory::read_bytes(caller.pid as u32, at, 8)?;
        Some(u64::from_ne_bytes(b.try_into().ok()?))
    }

    /// Takes off the thread's stack the tool calls its note says ended
    /// since the last look (`ends`: the counter, as just read).
    fn sync_tools(ends: Option<u64>, stack: &mut ToolStack) {
        let Some(ends) = ends else {
            return;
        };
        let ended = ends.wrapping_sub(stack.ends_seen);
        let keep = stack
            .labels
            .len()
            .saturating_sub(usize::try_from(ended).unwrap_or(usize::MAX));
        stack.labels.truncate(keep);
        stack.ends_seen = ends;
    }

    /// `Request::Refusal`: the message of the thread's last refused open,
    /// if that open is the one of note `seq` (a message left by an open
    /// whose refusal nobody asked for, `_io.open` say, is not another's).
    pub fn refusal(&self, caller: Caller, seq: u64) -> Reply {
        match lock(&self.refusals).remove(&(caller.pid, caller.tid)) {
            Some((kept, message)) if kept == seq => Reply::Verdict {
                decision: Decision::Block,
                reason: String::new(),
                rule: None,
                message,
            },
            _ => Reply::Ok,
        }
    }

    /// True when `pid` is one of the agent's processes.
    pub(crate) fn in_agent_tree(&self, pid: i32) -> bool {
        let main = *lock(&self.main_pid);
        main.is_some_and(|m| self.is_in_tree(pid, m))
    }

    /// True when `pid` descends from `main` (or is an orphan of it that was
    /// reparented to the supervisor as subreaper).
    fn is_in_tree(&self, pid: i32, main: i32) -> bool {
        let mut cur = pid;
        for _ in 0..64 {
            if cur == main {
                return true;
            }
            match parent_of(cur) {
                // The supervisor forks only the agent, so any other direct
                // child is an orphan of the agent's tree reparented to us as
                // subreaper.
                Some(p) if p == self.settings.supervisor_pid => return true,
                Some(p) if p > 1 => cur = p,
                _ => return false,
            }
        }
        false
    }

    fn take_process_grant(&self, pid: i32, wanted: &GrantKind) -> bool {
        let parent = parent_of(pid).unwrap_or(0);
        let now = Instant::now();
        let mut grants = lock(&self.grants);
        grants.retain(|g| g.expires > now);
        let found = grants.iter().position(|g| {
            g.pid == parent
                && matches!(
                    (&g.kind, wanted),
                    (GrantKind::PythonChild, GrantKind::PythonChild)
                        | (GrantKind::Fork, GrantKind::Fork)
                )
        });
        match found {
            Some(i) => {
                grants.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// An audit event from the hook.
    pub fn on_event(
        &self,
        caller: Caller,
        event: &str,
        args: &[Value],
        frame: Option<String>,
        dir_fd: Option<i64>,
        env: Option<&[crate::ipc::Bytes]>,
    ) -> Reply {
        let env_changes = env.map(|e| {
            self.settings
                .launch_env
                .changes(e.iter().map(crate::ipc::Bytes::as_bytes))
        });
        match events::map(
            caller,
            event,
            args,
            dir_fd,
            self.settings.supervisor_pid,
            env_changes,
        ) {
            Mapped::Nothing => allow_reply(),
            Mapped::Temporary(path) => {
                // CPython raises the event just before the create: the claim
                // waits for the create the supervisor sees (note_created).
                if lock(&self.created).contains(&path) {
                    lock(&self.temporary).insert(path);
                } else {
                    let mut claims = lock(&self.claims);
                    if claims.len() < 1024 {
                        claims.insert(path);
                    }
                }
                allow_reply()
            }
            Mapped::SignalToSupervisor => {
                let action = Action::tamper("signal_supervisor")
                    .with(Field::Name, event)
                    .with(Field::Target, self.settings.supervisor_pid.to_string());
                let verdict = Verdict {
                    decision: Decision::Block,
                    reason: "irongate_supervisor: the agent may not signal its supervisor".into(),
                    rule: None,
                };
                let out = self.finish(
                    caller,
                    Layer::Hook,
                    &action,
                    verdict,
                    frame.as_deref(),
                    false,
                );
                verdict_reply(&out)
            }
            Mapped::Decide(action) => {
                let out = self.decide(caller, Layer::Hook, *action, frame.as_deref(), false);
                verdict_reply(&out)
            }
        }
    }

    /// An action from the Python API (`layer` api) or from enrichment
    /// (`layer` hook).
    pub fn on_action(
        &self,
        caller: Caller,
        layer: &str,
        action: &Value,
        frame: Option<String>,
    ) -> Reply {
        let layer = if layer == "api" {
            Layer::Api
        } else {
            Layer::Hook
        };
        let mut action = match Action::from_json(action) {
            Ok(a) => a,
            Err(e) => {
                return Reply::Error {
                    message: format!("irongate: invalid action: {e}"),
                };
            }
        };
        action.normalize();
        action.set_aside_event_keys();
        // Fields the supervisor derives itself are recomputed from the data,
        // never taken from the agent.
        if action.kind() == Kind::Network(NetOp::Http)
            && let Some(url) = action
                .text(Field::Url)
                .or(action.text(Field::Target))
                .map(str::to_owned)
        {
            let method = action.text(Field::Method).map(str::to_owned);
            let framework = action.text(Field::Framework).map(str::to_owned);
            action = events::http_action(&url, method.as_deref(), framework.as_deref());
        }
        // Any file type, a subtype IronGate does not know too: its path is
        // what the supervisor resolves, never the agent's spelling.
        if action.type_text() == "file"
            && let Some(raw) = action.text(Field::Path).map(str::to_owned)
        {
            match paths::resolve(caller.pid, caller.tid, paths::Base::Cwd, &raw, true) {
                Ok(r) => {
                    if r.path != raw {
                        action.set(Field::Requested, raw);
                    }
                    action.set(Field::Path, r.path);
                }
                Err(e) => {
                    let verdict = Verdict {
                        decision: Decision::Block,
                        reason: format!(
                            "irongate_unresolvable: {} (errno {e})",
                            std::io::Error::from_raw_os_error(e)
                        ),
                        rule: None,
                    };
                    let out = self.finish(caller, layer, &action, verdict, frame.as_deref(), false);
                    return verdict_reply(&out);
                }
            }
        }
        let log_args_candidate = prepare_tool(&mut action);
        let tool_call = (action.kind() == Kind::ToolInvoke)
            .then(|| action.text(Field::ToolName).unwrap_or("?").to_owned());
        let out = self.decide(caller, layer, action, frame.as_deref(), log_args_candidate);
        if let Some(name) = tool_call
            && out.allow
        {
            let n = self.tool_seq.fetch_add(1, Ordering::Relaxed) + 1;
            // One read of the counter serves both the new stack's start and
            // the ends an existing stack has not seen yet.
            let ends = self.tool_ends(caller);
            let mut calls = lock(&self.tool_calls);
            if calls.len() < 4096 {
                let stack = calls.entry((caller.pid, caller.tid)).or_insert(ToolStack {
                    labels: Vec::new(),
                    ends_seen: ends.unwrap_or(0),
                });
                Self::sync_tools(ends, stack);
                if stack.labels.len() < 64 {
                    stack.labels.push(format!("{name}#{n}"));
                }
            }
        }
        verdict_reply(&out)
    }

    /// `shield.protect(profile)`: narrows the whole process (and what it
    /// starts) while the scope is open — a thread started inside the scope
    /// cannot escape it (R-44: narrowing never widens). Scopes are tagged by
    /// thread so each thread leaves only its own.
    pub fn narrow(&self, caller: Caller, profile: &str) -> Reply {
        match Profile::from_name(profile) {
            Ok(p) => {
                lock(&self.narrowed)
                    .entry(caller.pid)
                    .or_default()
                    .push((caller.tid, p));
                Reply::Ok
            }
            Err(e) => Reply::Error {
                message: e.to_string(),
            },
        }
    }

    /// Leaves this thread's innermost narrowing.
    pub fn release(&self, caller: Caller) -> Reply {
        let mut map = lock(&self.narrowed);
        let Some(stack) = map.get_mut(&caller.pid) else {
            return Reply::Error {
                message: "no shield.protect() to leave in this thread".into(),
            };
        };
        match stack.iter().rposition(|(tid, _)| *tid == caller.tid) {
            Some(i) => {
                stack.remove(i);
                if stack.is_empty() {
                    map.remove(&caller.pid);
                }
                Reply::Ok
            }
            None => Reply::Error {
                message: "no shield.protect() to leave in this thread".into(),
            },
        }
    }

    /// The run's profile intersected with every narrowing open in the
    /// caller's process and its ancestors (a child forked inside a scope,
    /// even from native code, stays inside it).
    pub(crate) fn profile_for(&self, caller: Caller) -> Profile {
        let map = lock(&self.narrowed);
        let mut p = self.settings.profile.clone();
        if map.is_empty() {
            return p;
        }
        let mut pid = caller.pid;
        for _ in 0..32 {
            if let Some(stack) = map.get(&pid) {
                for (_, n) in stack {
                    p = p.intersect(n);
                }
            }
            match parent_of(pid) {
                Some(parent) if parent > 1 && parent != self.settings.supervisor_pid => {
                    pid = parent
                }
                _ => break,
            }
        }
        p
    }

    /// The whole decision path for one action.
    fn decide(
        &self,
        caller: Caller,
        layer: Layer,
        action: Action,
        frame: Option<&str>,
        tool_args: bool,
    ) -> Outcome {
        // Only a request the agent really makes (the hook layer): an
        // `irongate.check` is a question, and its answer is no answer to the
        // request that may follow. The profile is part of the key: a refusal
        // inside a shield.protect() scope is no answer to a retry after it.
        // The process is the pid and its start time: a pid reused within the
        // window is another process.
        let request = (layer == Layer::Hook && action.kind() == Kind::Network(NetOp::Http))
            .then(|| super::procfs::start_time(caller.pid).map(|t| (t, self.profile_for(caller))))
            .flatten();
        if let Some((started, profile)) = &request
            && let Some(out) = self.repeat_of_refused(caller.pid, *started, &action, profile)
        {
            self.counters.repeated.fetch_add(1, Ordering::Relaxed);
            return out;
        }
        let kept = request.map(|(started, profile)| (started, action.clone(), profile));
        let out = match self.judge_first(caller, layer, action, frame, tool_args) {
            Prejudged::Done(out) => out,
            Prejudged::Policy(action, verdict) => {
                self.conclude(caller, layer, &action, verdict, frame, false)
            }
        };
        if let Some((started, action, profile)) = kept
            && !out.allow
        {
            self.keep_refused(caller.pid, started, action, profile, &out);
        }
        out
    }

    /// The answer to `action` if the same process had the same request
    /// refused a moment ago under the same profile (a client retrying it).
    fn repeat_of_refused(
        &self,
        pid: i32,
        started: u64,
        action: &Action,
        profile: &Profile,
    ) -> Option<Outcome> {
        let now = Instant::now();
        let mut kept = lock(&self.refused_requests);
        kept.retain(|r| r.until > now);
        kept.iter()
            .find(|r| {
                r.pid == pid && r.started == started && r.action == *action && r.profile == *profile
            })
            .map(|r| r.outcome.clone())
    }

    fn keep_refused(
        &self,
        pid: i32,
        started: u64,
        action: Action,
        profile: Profile,
        out: &Outcome,
    ) {
        let mut kept = lock(&self.refused_requests);
        if kept.len() >= MAX_REFUSED_REQUESTS {
            kept.remove(0);
        }
        kept.push(RefusedRequest {
            pid,
            started,
            action,
            profile,
            outcome: out.clone(),
            until: Instant::now() + REFUSAL_REPEAT,
        });
    }

    /// A hook-layer decision up to the policy's verdict (see `judge`): what
    /// is decided before the policy is logged here where it is due.
    pub(crate) fn judge_first(
        &self,
        caller: Caller,
        layer: Layer,
        action: Action,
        frame: Option<&str>,
        tool_args: bool,
    ) -> Prejudged {
        let (mut action, verdict) = match self.judge_action(caller, layer, action, None) {
            (action, Judgement::OwnState(verdict)) => {
                return Prejudged::Done(self.finish(caller, layer, &action, verdict, frame, false));
            }
            (_, Judgement::Channel | Judgement::Runtime) => return Prejudged::Done(allowed()),
            // The syscall it makes is matched to it exactly, once.
            (action, Judgement::Explained) => {
                self.record_intent(caller, &action);
                return Prejudged::Done(allowed());
            }
            (action, Judgement::Policy(verdict)) => (action, verdict),
        };
        if tool_args {
            let keep = verdict
                .rule
                .as_ref()
                .is_some_and(|r| self.settings.policy.rule_log_args(r.index));
            if !keep {
                action.remove(Field::Args);
            }
        }
        Prejudged::Policy(Box::new(action), verdict)
    }

    /// The rest of a decision after the policy's verdict: logged (a review
    /// waits here for its human), and what an allowed operation leaves for
    /// the syscalls that follow it. `at_syscall`: the decision is made at
    /// the very syscall it explains (a noted open), so no intent is left
    /// for it.
    pub(crate) fn conclude(
        &self,
        caller: Caller,
        layer: Layer,
        action: &Action,
        verdict: Verdict,
        frame: Option<&str>,
        at_syscall: bool,
    ) -> Outcome {
        let out = self.finish(caller, layer, action, verdict, frame, false);
        if out.allow {
            self.grant_after(caller.pid, action);
            if !at_syscall {
                self.record_intent(caller, action);
            }
            self.note_created(action);
            self.note_lookup(caller.pid, action);
        }
        out
    }

    /// An allowed lookup of a name: the supervisor resolves it itself, so
    /// only addresses the name really has are carried to a connect — the
    /// agent's resolver (or a forged event) cannot make an arbitrary address
    /// pass for an allowed host.
    fn note_lookup(&self, pid: i32, action: &Action) {
        if action.kind() != Kind::Network(NetOp::Dns) {
            return;
        }
        let Some(host) = action.text(Field::Host) else {
            return;
        };
        if host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return;
        }
        let ips: Vec<IpAddr> = (host, 0u16)
            .to_socket_addrs()
            .map(|it| it.map(|a| canonical_ip(a.ip())).collect())
            .unwrap_or_default();
        if ips.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut lookups = lock(&self.lookups);
        lookups.retain(|l| l.expires > now && !(l.pid == pid && l.host == host));
        if lookups.len() >= 256 {
            lookups.remove(0);
        }
        lookups.push(Lookup {
            pid,
            host: host.to_owned(),
            ips,
            expires: now + GRANT_TTL,
        });
    }

    /// `network/connect` to an IP address that an allowed lookup of a name
    /// in the same process produced, judged as a connect to that name: on
    /// an HTTP port the `network/http` request it starts (`framework`
    /// `connect`, the URL without a path), elsewhere a `network/connect`
    /// whose `host` is the name. A connect to an address no lookup produced
    /// keeps its address as its host: no host rule allows it.
    pub(super) fn carry_lookup(&self, pid: i32, action: Action) -> Action {
        if action.kind() != Kind::Network(NetOp::Connect) {
            return action;
        }
        let Some(ip) = action
            .text(Field::Ip)
            .and_then(|s| s.trim_matches(['[', ']']).parse::<IpAddr>().ok())
            .map(canonical_ip)
        else {
            return action;
        };
        let Some(port) = action.get(Field::Port).and_then(Value::as_i64) else {
            return action;
        };
        let now = Instant::now();
        let host = {
            let lookups = lock(&self.lookups);
            lookups
                .iter()
                .rev()
                .find(|l| l.pid == pid && l.expires > now && l.ips.contains(&ip))
                .map(|l| l.host.clone())
        };
        let Some(host) = host else {
            return action;
        };
        if let Some((_, scheme)) = HTTP_PORTS.iter().find(|(p, _)| *p == port) {
            let mut http =
                events::http_action(&format!("{scheme}://{host}/"), None, Some("connect"));
            http.set(Field::Ip, ip.to_string());
            return http;
        }
        let mut carried = action;
        carried.set(Field::Host, host.clone());
        carried.set(Field::Ip, ip.to_string());
        let shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        carried.set(Field::Target, format!("{shown}:{port}"));
        carried
    }

    /// Remembers what an allowed action creates: a directory, or a file
    /// opened with `O_CREAT | O_EXCL` (so it did not exist before).
    fn note_created(&self, action: &Action) {
        let excl = i64::from(libc::O_CREAT | libc::O_EXCL);
        let flags = action
            .get(Field::Flags)
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let created = match action.file_op() {
            Some(FileOp::Mkdir) => true,
            Some(FileOp::Write | FileOp::Create) => flags & excl == excl,
            _ => false,
        };
        if created && let Some(p) = action.text(Field::Path) {
            if lock(&self.claims).remove(p) {
                lock(&self.temporary).insert(p.to_owned());
            }
            lock(&self.created).insert(p.to_owned());
        }
    }

    /// A chmod, delete or rename that touches only a temporary file or
    /// directory this run created with `tempfile` (R-33: pytest writes its
    /// cache directory under a `mkdtemp` name, chmods it and renames it into
    /// place, and removes it when another process won the race). Both must
    /// hold: the supervisor saw the create itself, and `tempfile` announced
    /// it as temporary; a plain `os.mkdir` then `rmdir` is still reviewed.
    /// A review would ask a human about the agent's own scratch work; a rule
    /// that blocks still blocks. chmod only of the entry itself (a hard link
    /// inside such a directory may name any file); a rename only onto a
    /// name that does not exist.
    pub(super) fn only_own_files(&self, action: &Action) -> bool {
        let Some(op) = action.file_op() else {
            return false;
        };
        let created = lock(&self.temporary);
        if created.is_empty() {
            return false;
        }
        let own = |p: &str| {
            created.contains(p) || created.iter().any(|c| paths::is_under(p, c) && p != c)
        };
        let Some(path) = action.text(Field::Path) else {
            return false;
        };
        match op {
            FileOp::Chmod => created.contains(path),
            FileOp::Delete => own(path),
            FileOp::Rename => {
                own(path)
                    && action
                        .text(Field::Target)
                        .is_some_and(|t| std::fs::symlink_metadata(t).is_err())
            }
            _ => false,
        }
    }

    /// Logs, runs a review to its end, and returns the final answer. A
    /// failed log write blocks the operation (R-5).
    pub(crate) fn finish(
        &self,
        caller: Caller,
        layer: Layer,
        action: &Action,
        verdict: Verdict,
        frame: Option<&str>,
        unexplained: bool,
    ) -> Outcome {
        // A remembered approval in the user overlay answers a review (R-53).
        let verdict = self.reviews.remembered(action, &verdict).unwrap_or(verdict);
        let tagged;
        // `in_tool` is the supervisor's label: one the agent wrote into an
        // API action is replaced or dropped.
        let action = match self.current_tool(caller) {
            Some(id) => {
                let mut a = action.clone();
                a.set(Field::InTool, id);
                tagged = a;
                &tagged
            }
            None if action.text(Field::InTool).is_some() => {
                let mut a = action.clone();
                a.remove(Field::InTool);
                tagged = a;
                &tagged
            }
            None => action,
        };
        let logged = self.log.record(
            layer,
            action,
            &verdict,
            unexplained,
            caller.pid,
            caller.tid,
            frame,
        );
        if self.settings.verbose {
            eprintln!(
                "irongate: {} {}",
                verdict.decision.as_str(),
                action.describe()
            );
        }
        let event_id = match logged {
            Ok(id) => id,
            Err(e) => {
                let verdict = Verdict {
                    decision: Decision::Block,
                    reason: format!("audit_log_unavailable: {e}"),
                    rule: verdict.rule,
                };
                return outcome(action, verdict);
            }
        };
        match verdict.decision {
            Decision::Allow | Decision::Block => {
                self.counters.count(&verdict, &verdict);
                outcome(action, verdict)
            }
            Decision::Review => {
                let timeout = self.settings.review_timeout;
                let final_verdict = self
                    .reviews
                    .wait(event_id, action, &verdict, timeout, frame);
                self.counters.count(&verdict, &final_verdict);
                outcome(action, final_verdict)
            }
        }
    }

    /// The innermost tool call in progress in the caller's thread.
    fn current_tool(&self, caller: Caller) -> Option<String> {
        let mut calls = lock(&self.tool_calls);
        if calls.is_empty() {
            return None;
        }
        let stack = calls.get_mut(&(caller.pid, caller.tid))?;
        // Ended since the last look? (The hook counts ends in its note.)
        Self::sync_tools(self.tool_ends(caller), stack);
        let top = stack.labels.last().cloned();
        if top.is_none() {
            calls.remove(&(caller.pid, caller.tid));
        }
        top
    }

    pub(crate) fn own_state(&self, action: &Action) -> Option<Verdict> {
        if self.reviews.is_dashboard(action) {
            return Some(Verdict {
                decision: Decision::Block,
                reason: "irongate_dashboard: this run's dashboard is out of the agent's reach"
                    .into(),
                rule: None,
            });
        }
        // By the spelled type: a file or socket action of any subtype, one
        // IronGate does not know too, is kept off its state.
        let file = action.type_text() == "file";
        let socket = action.type_text() == "network" && action.get(Field::Path).is_some();
        if !(file || socket) {
            return None;
        }
        let hits_home = |p: &str| paths::is_under(p, &self.settings.home);
        let path = action.text(Field::Path).unwrap_or("");
        let target = action.text(Field::Target).unwrap_or("");
        let home_hit = hits_home(path)
            || (file && action.file_op() != Some(FileOp::Symlink) && hits_home(target));
        let run_dir_write = (file
            && !action.file_op().is_some_and(FileOp::is_read)
            && (paths::is_under(path, &self.settings.run_dir)
                || paths::is_under(target, &self.settings.run_dir)))
            // A bind creates its socket file: a new name in the run
            // directory, which nothing of the agent's may change.
            || (socket
                && action.net_op() == Some(NetOp::Bind)
                && paths::is_under(path, &self.settings.run_dir));
        // A directory above the home or the run directory, moved (or
        // exchanged, replaced, its mode or owner changed), would take
        // IronGate's state with it to a name the checks above no longer
        // cover, and leave the agent's own directory where the supervisor,
        // the reviewer and `irongate audit` look for it by path (the
        // overlay of remembered approvals, the database of a review, the
        // wake-up sockets). Reads and listings of them stay ordinary.
        let above_own = |p: &str| {
            !p.is_empty()
                && (paths::is_strictly_above(p, &self.settings.home)
                    || paths::is_strictly_above(p, &self.settings.run_dir))
        };
        let ancestor_write = file
            && !action.file_op().is_some_and(FileOp::is_read)
            && (above_own(path)
                || (action.file_op() != Some(FileOp::Symlink) && above_own(target)));
        if home_hit || run_dir_write || ancestor_write {
            return Some(Verdict {
                decision: Decision::Block,
                reason: "irongate_state: IronGate's own state is out of the agent's reach".into(),
                rule: None,
            });
        }
        if self.is_supervisor_proc(path) {
            return Some(Verdict {
                decision: Decision::Block,
                reason: "irongate_supervisor: the supervisor's /proc entries are out of the agent's reach".into(),
                rule: None,
            });
        }
        // The device form of the (refused) userfaultfd syscall: a fault
        // handler of the agent's on memory the supervisor reads (a path, a
        // note) would stall the notify loop for as long as the agent likes.
        if file && path == USERFAULTFD_DEVICE {
            return Some(Verdict {
                decision: Decision::Block,
                reason: "irongate_supervisor: /dev/userfaultfd could stall the supervisor's reads of the agent's memory".into(),
                rule: None,
            });
        }
        None
    }

    /// `/proc/<n>/…` where `n` is the supervisor or one of its threads
    /// (a thread id works in `/proc` although it is not listed).
    pub(crate) fn is_supervisor_proc(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix("/proc/") else {
            return false;
        };
        let id = rest.split('/').next().unwrap_or("");
        match id.parse::<i32>() {
            Ok(n) => self.is_supervisor_task(n),
            Err(_) => false,
        }
    }

    /// True when `n` is the supervisor's pid or one of its thread ids. Read
    /// fresh from `/proc` (no cache: it guards the supervisor itself).
    pub(crate) fn is_supervisor_task(&self, n: i32) -> bool {
        let sup = self.settings.supervisor_pid;
        if n == sup {
            return true;
        }
        n > 0 && std::path::Path::new(&format!("/proc/{sup}/task/{n}")).exists()
    }

    /// Housekeeping of the runtime rather than the agent's intent (R-33),
    /// recognised by what the operation is — its exact paths, argv or
    /// address, as the supervisor resolved them — never by the agent's
    /// account of it: runtime reads; file operations whose every path is in
    /// the run's scratch directory (not under `minimal`); urllib3's IPv6
    /// probe, a bind of `[::1]:0`; `platform`'s `uname -p`.
    pub(crate) fn is_runtime_op(&self, caller: Caller, action: &Action) -> bool {
        if self.is_runtime_read(action) {
            return true;
        }
        match action.kind() {
            Kind::File(_) => self.in_scratch(action) && self.profile_for(caller).has("file.read"),
            Kind::Network(NetOp::Bind) => {
                action.text(Field::Host) == Some("::1")
                    && action.get(Field::Port).and_then(Value::as_i64) == Some(0)
            }
            Kind::Process(_) => {
                let argv: Vec<&str> = action
                    .get(Field::Argv)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let exe = action.text(Field::Executable).unwrap_or("");
                UNAME_PATHS.contains(&exe)
                    && argv.len() == 2
                    && (argv[0] == "uname" || UNAME_PATHS.contains(&argv[0]))
                    && argv[1] == UNAME_P[1]
                    && action.get(Field::EnvChanges).is_none()
            }
            _ => false,
        }
    }

    /// Every path of a file action is inside the scratch directory. A
    /// symlink's target is only text until followed (and following it is
    /// judged on the file reached); a link or rename needs both names inside.
    fn in_scratch(&self, action: &Action) -> bool {
        let scratch = &self.settings.scratch;
        let inside = |p: &str| p != scratch && paths::is_under(p, scratch);
        let (Some(op), Some(path)) = (action.file_op(), action.text(Field::Path)) else {
            return false;
        };
        // The directory itself may be listed and opened, not removed or
        // renamed. (NamedTemporaryFile's `open` event names the directory
        // with write flags: its opener makes the real, audited, open; the
        // kernel refuses to open a directory for writing.)
        let path_ok = inside(path)
            || (path == scratch && matches!(op, FileOp::Read | FileOp::List | FileOp::Write));
        let target_ok = op == FileOp::Symlink || action.text(Field::Target).is_none_or(inside);
        path_ok && target_ok
    }

    pub(crate) fn is_runtime_read(&self, action: &Action) -> bool {
        if !action.file_op().is_some_and(FileOp::is_read) {
            return false;
        }
        let Some(path) = action.text(Field::Path) else {
            return false;
        };
        if self.settings.script.as_deref() == Some(path) {
            return true;
        }
        self.settings
            .runtime_dirs
            .iter()
            .any(|d| paths::is_under(path, d))
            || SYSTEM_RUNTIME_DIRS.iter().any(|d| paths::is_under(path, d))
    }

    pub(crate) fn explained(&self, pid: i32, action: &Action) -> bool {
        let Some(sub) = action.net_op() else {
            return false;
        };
        // Enriched requests from the libraries are user operations and are
        // always decided; only the layers underneath are explained.
        let framework = action.text(Field::Framework);
        if sub == NetOp::Http
            && !matches!(framework, Some("http.client" | events::HTTP_CLIENT_CONNECT))
        {
            return false;
        }
        if sub == NetOp::Bind {
            return false;
        }
        let host = action.text(Field::Host).unwrap_or("");
        let port = action.get(Field::Port).and_then(Value::as_i64);
        let ip = host.parse::<IpAddr>().ok();
        let now = Instant::now();
        let mut grants = lock(&self.grants);
        grants.retain(|g| g.expires > now);
        grants.iter_mut().any(|g| {
            if g.pid != pid {
                return false;
            }
            if matches!(g.kind, GrantKind::Dns) {
                return matches!(sub, NetOp::Connect | NetOp::Send)
                    && port == Some(53)
                    && ip.is_some_and(|ip| nameservers().contains(&ip));
            }
            let GrantKind::Net {
                host: gh,
                port: gp,
                ips,
                http_uses,
                connects_left,
                lookups_left,
            } = &mut g.kind
            else {
                return false;
            };
            let port_ok = port.is_none() || gp.is_none() || port == *gp;
            let host_ok = gh.eq_ignore_ascii_case(host) || ip.is_some_and(|ip| ips.contains(&ip));
            if !(host_ok && (sub == NetOp::Dns || port_ok)) {
                return false;
            }
            // One decided request explains one http.client request beneath
            // it; a later direct request is decided on its own.
            let budget = match sub {
                NetOp::Http if framework == Some("http.client") => http_uses,
                NetOp::Dns => lookups_left,
                NetOp::Connect | NetOp::Send => connects_left,
                // http.client's connect event under a decided request.
                NetOp::Http | NetOp::Bind => return true,
            };
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            true
        })
    }

    /// Remembers what an allowed hook-layer operation will do in the kernel,
    /// so its syscall is matched instead of decided again.
    fn record_intent(&self, caller: Caller, action: &Action) {
        if let Some(op) = intent_of(action) {
            let raw = action.text(Field::Requested).map(str::to_owned);
            let flags = match &op {
                Op::Open(_) | Op::OpenWrite(_) => action.get(Field::Flags).and_then(Value::as_i64),
                _ => None,
            };
            self.intents.record(caller.pid, caller.tid, op, raw, flags);
        }
    }

    pub(crate) fn grant_after(&self, pid: i32, action: &Action) {
        let kind = match action.kind() {
            Kind::Network(NetOp::Http) => {
                let Some(host) = action.text(Field::Host).map(str::to_owned) else {
                    return;
                };
                let port = action.get(Field::Port).and_then(Value::as_i64);
                // The supervisor resolves the name itself, so a connect is
                // explained only for addresses this host really has.
                let ips: Vec<IpAddr> = (host.as_str(), port.unwrap_or(0) as u16)
                    .to_socket_addrs()
                    .map(|it| it.map(|a| a.ip()).collect())
                    .unwrap_or_default();
                let connects_left = u32::try_from(ips.len()).unwrap_or(u32::MAX).clamp(1, 8);
                GrantKind::Net {
                    host,
                    port,
                    ips,
                    // urllib's request runs http.client's putrequest beneath
                    // it, which the bootstrap reports again; the libraries
                    // it marks as enriched do not.
                    http_uses: u32::from(action.text(Field::Framework) == Some("urllib")),
                    connects_left,
                    // A lookup per address family, retried once.
                    lookups_left: 4,
                }
            }
            Kind::Network(NetOp::Dns) => GrantKind::Dns,
            Kind::Process(_) if action.text(Field::ProcessClass) == Some("python_child") => {
                if action
                    .text(Field::Cmd)
                    .is_some_and(|c| c.starts_with("os.fork"))
                {
                    GrantKind::Fork
                } else {
                    GrantKind::PythonChild
                }
            }
            _ => return,
        };
        lock(&self.grants).push(Grant {
            pid,
            kind,
            expires: Instant::now() + GRANT_TTL,
        });
    }
}

/// The resolvers of `/etc/resolv.conf`: the only addresses an allowed DNS
/// lookup explains traffic to.
fn nameservers() -> &'static [IpAddr] {
    static SERVERS: std::sync::OnceLock<Vec<IpAddr>> = std::sync::OnceLock::new();
    SERVERS.get_or_init(|| {
        std::fs::read_to_string("/etc/resolv.conf")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .filter_map(|v| v.trim().split('%').next()?.parse().ok())
            .collect()
    })
}

/// The bits of a mode `chmod` keeps (`S_IALLUGO`): the rest is ignored by
/// the kernel, so two modes differing only there are the same call.
pub(crate) const CHMOD_BITS: u32 = 0o7777;

/// What an allowed hook-layer action will look like at the syscall level:
/// the whole tuple the kernel layer matches (both paths, every address of
/// the destination and its port, the program and its argv).
pub(crate) fn intent_of(action: &Action) -> Option<Op> {
    let path = action.text(Field::Path).map(str::to_owned);
    Some(match (action.kind(), path) {
        (Kind::File(FileOp::Read | FileOp::List), Some(p)) => Op::Open(p),
        (Kind::File(FileOp::Write | FileOp::Create), Some(p)) => Op::OpenWrite(p),
        (Kind::File(op @ (FileOp::Rename | FileOp::Link)), Some(p)) => {
            Op::Paths(op, p, action.text(Field::Target)?.to_owned())
        }
        // Without a mode it was decided on, a chmod explains no call.
        (Kind::File(FileOp::Chmod), Some(p)) => {
            let mode = u32::from_str_radix(action.text(Field::Mode)?, 8).ok()?;
            Op::Chmod(p, mode & CHMOD_BITS)
        }
        (
            Kind::File(op @ (FileOp::Delete | FileOp::Mkdir | FileOp::Symlink | FileOp::Truncate)),
            Some(p),
        ) => Op::Path(op, p),
        // A chown decided without its owner (a `shutil.chown` of an unknown
        // name) explains nothing.
        (Kind::File(FileOp::Chown), Some(p)) => Op::Chown(p, action.text(Field::Owner)?.to_owned()),
        (Kind::Network(op @ (NetOp::Connect | NetOp::Bind | NetOp::Send)), path) => {
            let key = match (action.get(Field::Port).and_then(Value::as_i64), path) {
                (Some(port), _) => {
                    let host = action.text(Field::Host)?;
                    let port = u16::try_from(port).ok()?;
                    let ips: Vec<IpAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
                        Ok(ip) => vec![canonical_ip(ip)],
                        // A name: the addresses the supervisor's own lookup
                        // finds (the agent's resolver may differ only by
                        // what it was told, never by what we allow).
                        Err(_) => (host, port)
                            .to_socket_addrs()
                            .map(|it| it.map(|a| canonical_ip(a.ip())).collect())
                            .unwrap_or_default(),
                    };
                    if ips.is_empty() {
                        return None;
                    }
                    NetKey::Inet { ips, port }
                }
                (None, Some(p)) => NetKey::Unix(p),
                (None, None) => NetKey::Unix(
                    action
                        .text(Field::Target)?
                        .strip_prefix("unix:")?
                        .to_owned(),
                ),
            };
            Op::Net(op, key)
        }
        (Kind::Process(_), _) => {
            let e = action.text(Field::Executable)?;
            let argv: Vec<&str> = action
                .get(Field::Argv)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let env_changes = action
                .get(Field::EnvChanges)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Op::Exec {
                program: e.to_owned(),
                python: action.text(Field::ProcessClass) == Some("python_child"),
                file: None,
                args: super::intents::exec_args_key(&argv),
                env_changes,
                // A decision without its directory explains no exec.
                cwd: action.text(Field::Cwd)?.to_owned(),
            }
        }
        _ => return None,
    })
}

/// IPv4-mapped IPv6 addresses as the IPv4 address the kernel reaches.
pub(crate) fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Tool actions: names and a digest of the arguments; the values stay only
/// if the matching rule says `log_args` (checked after evaluation).
fn prepare_tool(action: &mut Action) -> bool {
    // Any `tool` type, not only `invoke`: argument values are private
    // unless a rule says otherwise.
    if action.type_text() != "tool" {
        return false;
    }
    if let Some(args) = action.get(Field::Args).cloned() {
        let canonical = serde_json::to_string(&args).unwrap_or_default();
        action.set(
            Field::ArgsDigest,
            hex::encode(Sha256::digest(canonical.as_bytes())),
        );
        if action.get(Field::ArgNames).is_none()
            && let Value::Object(map) = &args
        {
            action.set(Field::ArgNames, map.keys().cloned().collect::<Vec<_>>());
        }
        return true;
    }
    false
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn allowed() -> Outcome {
    Outcome {
        allow: true,
        verdict: Verdict {
            decision: Decision::Allow,
            reason: "runtime".into(),
            rule: None,
        },
        message: String::new(),
    }
}

fn outcome(action: &Action, verdict: Verdict) -> Outcome {
    let allow = verdict.decision == Decision::Allow;
    let message = if allow {
        String::new()
    } else {
        message(action, &verdict)
    };
    Outcome {
        allow,
        verdict,
        message,
    }
}

fn allow_reply() -> Reply {
    Reply::Verdict {
        decision: Decision::Allow,
        reason: String::new(),
        rule: None,
        message: String::new(),
    }
}

fn verdict_reply(out: &Outcome) -> Reply {
    Reply::Verdict {
        decision: if out.allow {
            Decision::Allow
        } else {
            Decision::Block
        },
        reason: out.verdict.reason.clone(),
        rule: out.verdict.rule.clone(),
        message: out.message.clone(),
    }
}

fn message(action: &Action, v: &Verdict) -> String {
    let rule = match &v.rule {
        Some(r) => match &r.name {
            Some(n) => format!(" (rule #{} '{n}')", r.index),
            None => format!(" (rule #{})", r.index),
        },
        None => String::new(),
    };
    format!(
        "irongate blocked {}: {}{rule}{}",
        action.describe(),
        v.reason,
        hint(action, v)
    )
}

/// For a blocked network operation on a named host: the policy rule that
/// would allow it (R-45: a model endpoint is one line of policy).
fn hint(action: &Action, v: &Verdict) -> String {
    let Some(op) = action.net_op() else {
        return String::new();
    };
    if v.reason.starts_with("irongate_") {
        return String::new();
    }
    let Some(host) = action.text(Field::Host) else {
        return String::new();
    };
    if host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return String::new();
    }
    let host_json = Value::from(host).to_string();
    let rule = match op {
        NetOp::Http | NetOp::Dns => {
            format!(r#"{{"type": "network", "host": {host_json}, "decision": "allow"}}"#)
        }
        op => {
            let sub = op.name();
            let port = action
                .get(Field::Port)
                .and_then(Value::as_i64)
                .map(|p| format!(r#", "port": {p}"#))
                .unwrap_or_default();
            format!(
                r#"{{"type": "network", "subtype": "{sub}", "host": {host_json}{port}, "decision": "allow"}}"#
            )
        }
    };
    let profile = match v.reason.strip_prefix("missing_capability:") {
        Some(cap) => format!(" and a profile with {cap}"),
        None => String::new(),
    };
    format!("\nhint: to allow it, add before the last rule of the policy: {rule}{profile}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reasons_are_cut_at_a_word() {
        let short = "missing_capability:file.write";
        assert_eq!(short_reason(short), short);
        let long = "Sensitive file access requires approval (review timed out after 2s)";
        assert_eq!(
            short_reason(long),
            "Sensitive file access requires approval (review timed out…"
        );
        let word = "x".repeat(80);
        assert_eq!(short_reason(&word).chars().count(), 61);
    }
}
