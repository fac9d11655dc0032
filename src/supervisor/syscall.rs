//! Decisions at the kernel layer (R-3, R-4): a trapped syscall is turned
//! into the same kind of action the hook layer produces, matched against the
//! hook layer's decisions, and otherwise decided by the policy and logged
//! `unexplained: true`.

use std::sync::atomic::Ordering;

use super::decide::{Decider, Prejudged, canonical_ip, lock};
use super::events::{self, Caller};
use super::judge::Judgement;

use super::intents::{NetKey, OPEN_FLAGS, Op};
use super::log::Layer;
use super::paths::{self, Base};
use crate::action::{Action, Field, FileOp, Kind, ProcessOp};
use crate::backstop::caller::Caller as Thread;
use crate::backstop::decode::{AT_FDCWD, Call, Msg, NetOp, Route, SchedTarget, SockAddr};
use crate::backstop::perform::Prepared;
use crate::backstop::sys;
use crate::backstop::{Answer, Confirm, ExecTarget, Judge, Mode};
use crate::ipc::note::{self, Note};
use crate::policy::{Decision, Verdict};

use crate::action::WRITE_FLAGS;

/// Files the C library reads for name resolution and the like: runtime
/// reads at the kernel layer (they raise no audit event).
const LIBC_RUNTIME_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/group",
    "/etc/mime.types",
    "/etc/locale.alias",
    "/etc/ssl/openssl.cnf",
    "/usr/lib/ssl/openssl.cnf",
    "/run/nscd/socket",
    "/var/run/nscd/socket",
    "/proc/self",
    "/sys/devices/system/cpu",
];

fn text(b: &[u8]) -> String {
    crate::pathname::bytes_text(b)
}

fn base(dirfd: i64) -> Base {
    if dirfd == AT_FDCWD {
        Base::Cwd
    } else {
        Base::DirFd(dirfd)
    }
}

/// The program an exec runs and the directory it starts in (the calling
/// thread's cwd), resolved as the kernel will: through the thread's own
/// cwd and descriptors.
fn exec_target(t: &Thread, dirfd: i64, path: &[u8]) -> Result<ExecTarget, i32> {
    let r = paths::resolve_identified(t.pid, i64::from(t.tid), base(dirfd), &text(path), true)?;
    if !r.exists {
        // A program that does not exist: the kernel would say so.
        return Err(libc::ENOENT);
    }
    let cwd = paths::resolve(t.pid, i64::from(t.tid), paths::Base::Cwd, ".", true)?.path;
    Ok(ExecTarget {
        program: r.path,
        file: r.file,
        cwd,
    })
}

fn hook_caller(t: &Thread) -> Caller {
    Caller {
        pid: t.pid,
        tid: i64::from(t.tid),
    }
}

/// `renameat2` flags that write the source's name too.
const RENAME_EXCHANGE: u32 = 2;
const RENAME_WHITEOUT: u32 = 4;

/// What one trapped call does, as actions the policy judges (every one must
/// be allowed), each with the hook-layer operation that would explain it.
type CallActions = Vec<(Action, Option<Op>)>;

impl Decider {
    /// The actions a syscall performs. Paths come from what the supervisor
    /// itself opened (`prepared`) or resolved, never from the spelling.
    /// `Err(errno)`: something could not be resolved — the call is refused.
    fn syscall_actions(
        &self,
        t: &Thread,
        call: &Call,
        prepared: Option<&Prepared>,
    ) -> Result<CallActions, i32> {
        let (first, second) = prepared.map_or((None, None), Prepared::paths);
        let file = |op: FileOp, real: Option<&str>, raw: &[u8]| -> Result<Action, i32> {
            let real = real.ok_or(libc::EACCES)?;
            let mut a = Action::file(op).with(Field::Path, real);
            let raw = text(raw);
            if raw != real {
                a.set(Field::Requested, raw);
            }
            super::proc_owner::annotate(&mut a, t.pid);
            Ok(a)
        };
        let one = |a: Action, op: Op| Ok(vec![(a, Some(op))]);
        match call {
            Call::Open {
                dirfd,
                path,
                flags,
                resolve,
                ..
            } => {
                let follow = flags & i64::from(libc::O_NOFOLLOW) == 0;
                // openat2 scoped to the directory (RESOLVE_IN_ROOT,
                // RESOLVE_BENEATH): an absolute path starts there too, as
                // the emulated open will take it.
                let spelled = text(path);
                let scoped = resolve & (sys::RESOLVE_IN_ROOT | sys::RESOLVE_BENEATH) != 0;
                let lookup = match spelled.trim_start_matches('/') {
                    "" if scoped => ".",
                    rest if scoped => rest,
                    _ => spelled.as_str(),
                };
                let r = paths::resolve(t.pid, i64::from(t.tid), base(*dirfd), lookup, follow)?;
                let write = flags & WRITE_FLAGS != 0;
                let (file_op, op) = if write {
                    (FileOp::Write, Op::OpenWrite(r.path.clone()))
                } else {
                    (FileOp::Read, Op::Open(r.path.clone()))
                };
                let mut a = file(file_op, Some(&r.path), path)?;
                a.set(Field::Flags, *flags);
                one(a, op)
            }
            Call::Unlink { path, .. } => {
                let a = file(FileOp::Delete, first, path)?;
                one(
                    a,
                    Op::Path(FileOp::Delete, first.unwrap_or_default().to_owned()),
                )
            }
            Call::Mkdir { path, .. } => {
                let a = file(FileOp::Mkdir, first, path)?;
                one(
                    a,
                    Op::Path(FileOp::Mkdir, first.unwrap_or_default().to_owned()),
                )
            }
            Call::Mknod { path, mode, .. } => {
                // A node is a new file at its path (FIFOs and sockets too).
                let mut a = file(FileOp::Create, first, path)?;
                a.set(Field::Mode, format!("{:o}", mode));
                one(
                    a,
                    Op::Path(FileOp::Create, first.unwrap_or_default().to_owned()),
                )
            }
            Call::Symlink { target, path, .. } => {
                let mut a = file(FileOp::Symlink, first, path)?;
                a.set(Field::Target, text(target));
                one(
                    a,
                    Op::Path(FileOp::Symlink, first.unwrap_or_default().to_owned()),
                )
            }
            Call::Chmod { path, mode, .. } => {
                // The mode is judged (and matched) as the hook layer spells
                // it: octal text of the bits the kernel keeps.
                let mode = mode & super::decide::CHMOD_BITS;
                let mut a = file(FileOp::Chmod, first, path)?;
                a.set(Field::Mode, events::chmod_mode_text(i64::from(mode)));
                one(a, Op::Chmod(first.unwrap_or_default().to_owned(), mode))
            }
            Call::Chown { path, uid, gid, .. } => {
                // The owner is part of what is decided and matched.
                let owner = events::chown_owner_text(*uid, *gid);
                let a = file(FileOp::Chown, first, path)?.with(Field::Owner, owner.clone());
                one(a, Op::Chown(first.unwrap_or_default().to_owned(), owner))
            }
            Call::Truncate { path, .. } => {
                let a = file(FileOp::Truncate, first, path)?;
                one(
                    a,
                    Op::Path(FileOp::Truncate, first.unwrap_or_default().to_owned()),
                )
            }
            Call::Rename { old, flags, .. } => {
                let (src, dst) = (first.ok_or(libc::EACCES)?, second.ok_or(libc::EACCES)?);
                let mut a = file(FileOp::Rename, Some(src), old)?;
                a.set(Field::Target, dst);
                // An exchange (or a whiteout) writes the source's name too.
                // No hook-layer operation does that (Python has no
                // renameat2): an allowed rename of the same two paths is
                // not this call, so nothing explains it and the policy
                // judges it, both ways.
                if flags & (RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
                    mark_exchange(&mut a);
                    return Ok(vec![(a, None)]);
                }
                one(a, Op::Paths(FileOp::Rename, src.to_owned(), dst.to_owned()))
            }
            Call::Link { old, .. } => {
                // A hard link gives the file it reaches a new name (R-23).
                let (src, dst) = (first.ok_or(libc::EACCES)?, second.ok_or(libc::EACCES)?);
                let mut a = file(FileOp::Link, Some(src), old)?;
                a.set(Field::Target, dst);
                one(a, Op::Paths(FileOp::Link, src.to_owned(), dst.to_owned()))
            }
            Call::Exec {
                dirfd,
                path,
                argv,
                env,
                ..
            } => {
                let raw = text(path);
                let ExecTarget {
                    program: exe,
                    file,
                    cwd,
                } = exec_target(t, *dirfd, path)?;
                let argv: Vec<String> = argv.iter().map(|a| text(a)).collect();
                let python = events::is_python(file);
                let class = if python { "python_child" } else { "binary" };
                let key = super::intents::exec_args_key(&argv);
                let env_changes = self
                    .settings
                    .launch_env
                    .changes(env.iter().map(Vec::as_slice));
                let mut a = Action::process(ProcessOp::Exec)
                    .with(Field::Cmd, events::shell_join(&argv))
                    .with(Field::Argv, argv)
                    .with(Field::Executable, exe.clone())
                    .with(Field::ProcessClass, class);
                if !env_changes.is_empty() {
                    a.set(Field::EnvChanges, env_changes.clone());
                }
                if raw != exe {
                    a.set(Field::Requested, raw);
                }
                a.set(Field::Cwd, cwd.clone());
                one(
                    a,
                    Op::Exec {
                        program: exe,
                        python,
                        file,
                        args: key,
                        env_changes,
                        cwd,
                    },
                )
            }
            Call::Net { op, msgs, .. } => {
                let mut out = Vec::new();
                for m in msgs {
                    if let Some(j) = net_action(*op, m, first)?
                        && !out.iter().any(|(a, _): &(Action, Option<Op>)| *a == j.0)
                    {
                        out.push(j);
                    }
                }
                Ok(out)
            }
            // A socket that listen binds itself: judged as that bind.
            Call::Listen { .. } => {
                let prepared = prepared.ok_or(libc::EACCES)?;
                let Some(addr) = prepared.autobinds() else {
                    return Ok(Vec::new());
                };
                let m = Msg {
                    addr: Some(addr.clone()),
                    raw_addr: Vec::new(),
                    data: Vec::new(),
                    control: false,
                };
                Ok(net_action(NetOp::Bind, &m, None)?.into_iter().collect())
            }
            Call::Signal { .. }
            | Call::SignalRoute { .. }
            | Call::Sched { .. }
            | Call::CredChange { .. }
            | Call::Forbidden(_)
            | Call::Unclassified(_)
            | Call::Unreadable(_) => Ok(Vec::new()),
        }
    }

    /// Decides one trapped call.
    fn judge_call(&self, t: &Thread, call: &Call, prepared: Option<&Prepared>) -> Answer {
        let c = hook_caller(t);
        match call {
            Call::Forbidden(nr) => return self.forbidden(c, *nr),
            Call::Unclassified(nr) => return self.unclassified(c, *nr),
            Call::Signal { target, group, sig } => {
                return self.judge_signal(t, *target, *group, *sig);
            }
            Call::SignalRoute { route, .. } => return self.judge_route(t, *route),
            Call::Sched { target } => return self.judge_sched(t, *target),
            Call::Unreadable(_) => return Answer::Deny(libc::EFAULT),
            _ => {}
        }
        // Fast path: an open by name the hook layer noted for this very
        // syscall (or, for an agent with audit hooks of its own, decided a
        // moment ago). Emulation checks that the file it opens is the one
        // judged.
        if matches!(call, Call::Open { .. })
            && let Some(answer) = self.open_on_note(t, call, true)
        {
            return answer;
        }
        if let Call::Open { path, flags, .. } = call
            && flags & i64::from(libc::O_PATH) == 0
            && let Some(real) = self
                .intents
                .take_open(i64::from(t.tid), &text(path), *flags)
        {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            return Answer::Emulate(real);
        }
        self.judge_rest(t, call, prepared)
    }

    /// The note the caller's thread left for this open (see `ipc::note`),
    /// if it says exactly this open and has not explained another.
    fn note_for(&self, t: &Thread, call: &Call) -> Option<Note> {
        if !matches!(call, Call::Open { .. }) {
            return None;
        }
        let tid = i64::from(t.tid);
        let (addr, used) = self.note_of(t.pid, tid)?;
        let mut bytes = [0u8; note::SIZE];
        if !crate::backstop::memory::read_exact_into(t.pid as u32, addr, &mut bytes) {
            return None;
        }
        let n = note::read(&bytes)?;
        if n.seq <= used || !note_matches(&n, call) {
            return None;
        }
        self.note_used(t.pid, tid, n.seq);
        Some(n)
    }

    /// An open decided on its note: the hook layer's decision (its action,
    /// its frame, one row), made here. `None`: no note explains it. In the
    /// notify loop (`in_loop`) a review is handed to a held thread.
    fn open_on_note(&self, t: &Thread, call: &Call, in_loop: bool) -> Option<Answer> {
        let n = if in_loop {
            self.note_for(t, call)?
        } else {
            // Only for the open it was held for: a note left behind (its
            // held thread could not start) explains no later call.
            let n = lock(&self.held_notes).remove(&(t.pid, i64::from(t.tid)))?;
            if !note_matches(&n, call) {
                return None;
            }
            n
        };
        let c = hook_caller(t);
        let raw = String::from_utf8(n.path.clone()).ok()?;
        let args = [
            serde_json::Value::String(raw.clone()),
            n.mode
                .clone()
                .map_or(serde_json::Value::Null, serde_json::Value::String),
            serde_json::Value::from(n.flags),
        ];
        let dir_fd = (n.dir_fd >= 0).then_some(n.dir_fd);
        let events::Mapped::Decide(action) =
            events::map(c, "open", &args, dir_fd, self.settings.supervisor_pid, None)
        else {
            return None;
        };
        let real = action.text(Field::Path)?.to_owned();
        let frame = (!n.frame.is_empty()).then_some(n.frame.as_str());
        let out = match self.judge_first(c, Layer::Hook, *action, frame, false) {
            Prejudged::Done(out) => {
                // An open explained by an earlier grant left an intent for
                // its syscall: this is it.
                let _ = self.intents.take_open(c.tid, &raw, n.flags);
                out
            }
            Prejudged::Policy(_, v) if in_loop && v.decision == Decision::Review => {
                // A human decides: not on the notify loop.
                lock(&self.held_notes).insert((t.pid, c.tid), n);
                return Some(Answer::Held);
            }
            Prejudged::Policy(action, v) => self.conclude(c, Layer::Hook, &action, v, frame, true),
        };
        if out.allow {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            if n.flags & i64::from(libc::O_PATH) != 0 {
                return Some(o_path_answer(real));
            }
            Some(Answer::Emulate(real))
        } else {
            self.note_refusal(c, n.seq, out.message);
            Some(Answer::Deny(libc::EACCES))
        }
    }

    /// A trapped call no hook-layer intent explains (or one whose intent
    /// is not an open): decided from the syscall itself.
    fn judge_rest(&self, t: &Thread, call: &Call, prepared: Option<&Prepared>) -> Answer {
        let c = hook_caller(t);
        match self.syscall_actions(t, call, prepared) {
            Ok(judged) => self.answer_call(t, call, prepared, judged, false),
            Err(libc::ENOENT) if matches!(call, Call::Exec { .. }) => Answer::Deny(libc::ENOENT),
            Err(errno) => self.unresolvable(c, call, errno),
        }
    }

    /// Judges every action of a call (all must be allowed) and answers it.
    /// `hold`: on a held thread, where a review waits for its human.
    fn answer_call(
        &self,
        t: &Thread,
        call: &Call,
        prepared: Option<&Prepared>,
        judged: CallActions,
        hold: bool,
    ) -> Answer {
        let c = hook_caller(t);
        let judged_path = judged.first().and_then(|(a, _)| a.text(Field::Path));
        let allowed = match (call, judged_path) {
            (Call::Open { .. }, None) => return Answer::Deny(libc::EACCES),
            (Call::Open { flags, .. }, Some(path)) if flags & i64::from(libc::O_PATH) != 0 => {
                o_path_answer(path.to_owned())
            }
            (Call::Open { .. }, Some(path)) => Answer::Emulate(path.to_owned()),
            // Continued with the tasks sharing the caller's memory stopped
            // and its arguments read again (backstop::freeze).
            (Call::Exec { .. }, _) => match judged.first() {
                Some((
                    _,
                    Some(Op::Exec {
                        program, file, cwd, ..
                    }),
                )) => Answer::ContinueExec(ExecTarget {
                    program: program.clone(),
                    file: *file,
                    cwd: cwd.clone(),
                }),
                _ => return Answer::Deny(libc::EACCES),
            },
            (Call::Net { op, msgs, .. }, _) if *op != NetOp::Bind && msgs.iter().any(is_unix) => {
                self.unix_answer(call, prepared)
            }
            _ if prepared.is_some() => Answer::Perform,
            _ => return Answer::Deny(libc::EACCES),
        };
        // An allowed exec of the launcher: the Python child that joins next
        // from this process is explained by it (multiprocessing spawn goes
        // through _posixsubprocess, which raises no event).
        let python_child = match (call, judged.first()) {
            (Call::Exec { .. }, Some((a, _)))
                if a.text(Field::ProcessClass) == Some("python_child") =>
            {
                Some(a.clone())
            }
            _ => None,
        };
        let several = judged.len() > 1;
        let mut audited = false;
        for (action, op) in judged {
            match self.syscall_step(c, action, op.as_ref(), hold) {
                Step::Allowed => {}
                Step::Audited => audited = true,
                Step::Held if !several => return Answer::Held,
                // A review among several destinations of one send: refused
                // (one held call cannot wait for several humans).
                Step::Held => return Answer::Deny(libc::EACCES),
                Step::Refused(a) => return a,
            }
        }
        if let Some(action) = python_child {
            self.grant_after(t.ppid, &action);
            self.grant_after(t.pid, &action);
        }
        if audited {
            return Answer::Continue;
        }
        allowed
    }

    /// One action of a trapped call, judged (`judge_action`) and logged as
    /// the kernel layer does: a review is held off the notify loop unless
    /// `hold` says this is the held thread.
    fn syscall_step(&self, c: Caller, action: Action, op: Option<&Op>, hold: bool) -> Step {
        let (action, verdict) = match self.judge_action(c, Layer::Syscall, action, op) {
            (_, Judgement::Channel | Judgement::Runtime | Judgement::Explained) => {
                return Step::Allowed;
            }
            (action, Judgement::OwnState(verdict)) => {
                let _ = self.finish(c, Layer::Syscall, &action, verdict, None, true);
                return Step::Refused(Answer::Deny(libc::EACCES));
            }
            (action, Judgement::Policy(verdict)) => (action, verdict),
        };
        match verdict.decision {
            // A human decides: not on the notify loop.
            Decision::Review if !hold => Step::Held,
            Decision::Allow | Decision::Review => {
                let out = self.finish(c, Layer::Syscall, &action, verdict, None, true);
                if out.allow {
                    Step::Allowed
                } else {
                    Step::Refused(Answer::Deny(libc::EACCES))
                }
            }
            Decision::Block => {
                let out = self.finish(c, Layer::Syscall, &action, verdict, None, true);
                if out.allow {
                    return Step::Allowed;
                }
                match self.mode() {
                    Mode::Enforce => Step::Refused(Answer::Deny(libc::EACCES)),
                    Mode::Kill => Step::Refused(Answer::Kill(libc::EACCES)),
                    // Recorded only: the call goes to the kernel as the
                    // agent's own, so what stands behind IronGate (file
                    // permissions, the Landlock layer) still applies.
                    Mode::Audit => Step::Audited,
                }
            }
        }
    }

    /// A held syscall: logs it, waits for the review, answers.
    fn held(&self, t: &Thread, call: &Call, prepared: Option<&Prepared>) -> Answer {
        let c = hook_caller(t);
        // An open decided on its note, held for its review.
        if let Some(answer) = self.open_on_note(t, call, false) {
            return answer;
        }
        match self.syscall_actions(t, call, prepared) {
            Ok(judged) => self.answer_call(t, call, prepared, judged, true),
            Err(errno) => self.unresolvable(c, call, errno),
        }
    }

    /// An allowed `connect`/`sendto`/`sendmsg` to a Unix socket. The peer
    /// learns who connected or sent (`SO_PEERCRED`, `SCM_CREDENTIALS`):
    /// performed by the supervisor it would present the supervisor's
    /// identity, so it continues as the agent's own call, with the agent
    /// frozen and its address and socket file confirmed.
    ///
    /// The hook's connection to this run's IPC socket (allowed in
    /// `judge_action` before any rule) is marked as such only when the
    /// address spells the socket's real path and reaches it: then no symlink
    /// or cwd of the agent is on the way, the run directory and the socket
    /// are IronGate's own state (`own_state` refuses every call that would
    /// rename, remove or replace them), and the backstop stops only the
    /// tasks sharing the caller's memory if no directory above the run
    /// directory can change either. Any other spelling of the same socket
    /// gets the whole freeze.
    fn unix_answer(&self, call: &Call, prepared: Option<&Prepared>) -> Answer {
        let path = prepared.and_then(|p| p.paths().0).map(str::to_owned);
        let socket = self.settings.socket.as_str();
        let own = match call {
            Call::Net {
                op: NetOp::Connect,
                msgs,
                ..
            } => {
                msgs.len() == 1
                    && msgs[0].unix_path() == Some(socket.as_bytes())
                    && path.as_deref() == Some(socket)
            }
            _ => false,
        };
        Answer::ContinueFrozen(Confirm {
            path,
            own_dir: own.then(|| self.settings.run_dir.clone()),
        })
    }

    /// A call whose paths or handles could not be resolved: refused and
    /// logged, never decided from the agent's spelling.
    fn unresolvable(&self, c: Caller, call: &Call, errno: i32) -> Answer {
        let mut action = Action::tamper("unresolvable")
            .with(Field::Name, call_name(call))
            .with(
                Field::Target,
                std::io::Error::from_raw_os_error(errno).to_string(),
            );
        if let Some(raw) = call_path(call) {
            action.set(Field::Requested, text(raw));
        }
        let _ = self.deny_logged(
            c,
            &action,
            "irongate_unresolvable: what the call acts on could not be resolved; refused",
        );
        Answer::Deny(libc::EACCES)
    }

    /// After an emulated open: the file actually opened must be the one
    /// that was judged (a symlink swapped in between is caught here).
    fn opened_as_judged(&self, t: &Thread, call: &Call, decided: &str, real: &str) -> bool {
        let (flags, raw) = match call {
            Call::Open { flags, path, .. } => (*flags, text(path)),
            _ => return false,
        };
        // O_TMPFILE: an unnamed file in the directory that was judged.
        let tmpfile = flags & i64::from(libc::O_TMPFILE) == i64::from(libc::O_TMPFILE);
        if tmpfile
            && let Some(file) = real.strip_suffix(" (deleted)")
            && std::path::Path::new(file).parent() == Some(std::path::Path::new(decided))
        {
            return true;
        }
        // Never hand the agent a descriptor into the supervisor itself, nor
        // anything that is not a file with a path (a socket, a pipe, an anon
        // inode such as a seccomp listener reached through a stray
        // `/proc/self` symlink resolved in the supervisor).
        if !real.starts_with('/') || self.is_supervisor_proc(real) {
            return false;
        }
        if decided == real {
            return true;
        }
        // The path changed under us (a symlink swapped in after the check):
        // judge what was really opened.
        let op = if flags & WRITE_FLAGS != 0 {
            FileOp::Write
        } else {
            FileOp::Read
        };
        let again = Action::file(op)
            .with(Field::Path, real)
            .with(Field::Requested, raw)
            .with(Field::Flags, flags);
        // Judged like any other call, but a review is a refusal here: this
        // runs on the notify loop, and the agent swapped the path under us.
        matches!(
            self.syscall_step(hook_caller(t), again, None, false),
            Step::Allowed
        )
    }

    /// A syscall that is never the agent's business (R-42): refused with
    /// EPERM and logged.
    fn forbidden(&self, c: Caller, nr: i64) -> Answer {
        let name = syscall_name(nr);
        let action = Action::tamper("syscall").with(Field::Name, name.clone());
        let _ = self.deny_logged(
            c,
            &action,
            &format!("irongate_forbidden_syscall: {name} is never allowed to the agent"),
        );
        self.tamper_refused(libc::EPERM)
    }

    /// The answer to an attempt on IronGate itself (a forbidden syscall, a
    /// signal or signal route to the supervisor, a call whose arguments
    /// cannot be resolved): refused in every mode, and under `--backstop
    /// kill` the agent is killed, as for any unexplained refusal.
    fn tamper_refused(&self, errno: i32) -> Answer {
        match self.mode() {
            Mode::Kill => Answer::Kill(errno),
            Mode::Enforce | Mode::Audit => Answer::Deny(errno),
        }
    }

    /// A syscall number nobody classified (R-42): `ENOSYS`, as a kernel
    /// without it would answer, logged once per number and run.
    fn unclassified(&self, c: Caller, nr: i64) -> Answer {
        if lock(&self.unclassified_seen).insert(nr) {
            let name = syscall_name(nr);
            let action = Action::tamper("syscall").with(Field::Name, name.clone());
            let _ = self.deny_logged(
                c,
                &action,
                &format!("irongate_unclassified_syscall: {name} is not in IronGate's syscall table; refused with ENOSYS (logged once per run)"),
            );
        }
        Answer::Deny(libc::ENOSYS)
    }

    /// Signals (R-42): never to the supervisor, by pid, thread id, its
    /// process group, or everyone. Signal numbers and targets are registers,
    /// not memory, so letting an allowed one continue is not racy.
    fn judge_signal(&self, t: &Thread, target: i64, group: bool, sig: Option<i32>) -> Answer {
        let sup_pgrp = nix::unistd::getpgrp().as_raw();
        let hits = if group {
            match target {
                -1 => true,
                0 => super::procfs::process_group(t.pid) == Some(sup_pgrp),
                t if t < 0 => -t == i64::from(sup_pgrp),
                t => i32::try_from(t).is_ok_and(|t| self.is_supervisor_task(t)),
            }
        } else {
            i32::try_from(target).is_ok_and(|t| self.is_supervisor_task(t))
        };
        if !hits {
            return Answer::Continue;
        }
        let action = Action::tamper("signal_supervisor")
            .with(Field::Name, "signal")
            .with(Field::Target, target.to_string());
        if sig == Some(0) {
            // Signal 0 sends nothing: a liveness probe (libc's
            // `kill(getppid(), 0)`). Refused as any signal to the supervisor,
            // but never a reason to kill the agent, in any mode.
            let _ = self.deny_logged(
                hook_caller(t),
                &action,
                "irongate_supervisor: the agent may not signal its supervisor (signal 0, a liveness probe: refused with EPERM; the agent is not killed)",
            );
            return Answer::Deny(libc::EPERM);
        }
        let _ = self.deny_logged(
            hook_caller(t),
            &action,
            "irongate_supervisor: the agent may not signal its supervisor",
        );
        self.tamper_refused(libc::EPERM)
    }

    /// `fcntl`/`ioctl` calls that route signals (SIGIO, SIGURG) or reach the
    /// terminal (R-42): an owner may only be the agent's own tree (a pid in
    /// a register, so continuing is not racy); owners passed in memory and
    /// terminal input injection are refused.
    fn judge_route(&self, t: &Thread, route: Route) -> Answer {
        let (target, reason) = match route {
            Route::SetSig => return Answer::Continue,
            Route::SetOwn(0) => return Answer::Continue,
            // A register: continuing is not racy.
            Route::TakeTerminal(0) => return Answer::Continue,
            Route::TakeTerminal(_) => (
                "terminal".to_owned(),
                "irongate_terminal: TIOCSCTTY may not take a terminal from another session",
            ),
            Route::SetOwn(owner) => {
                let pid = i32::try_from(owner.unsigned_abs()).unwrap_or(0);
                let in_tree = pid > 0
                    && !self.is_supervisor_task(pid)
                    && (owner > 0 || super::procfs::process_group(pid) == Some(pid))
                    && i64::from(nix::unistd::getpgrp().as_raw()) != -owner
                    && self.in_agent_tree(pid);
                if in_tree {
                    return Answer::Continue;
                }
                (
                    owner.to_string(),
                    "irongate_signal_route: signals may be routed only to the agent's own processes",
                )
            }
            Route::SetOwnIndirect => (
                "owner in memory".to_owned(),
                "irongate_signal_route: F_SETOWN_EX, FIOSETOWN and SIOCSPGRP are refused (use F_SETOWN)",
            ),
            Route::Terminal => (
                "terminal".to_owned(),
                "irongate_terminal: TIOCSTI, TIOCLINUX, TIOCSPGRP and TIOCVHANGUP are refused to the agent",
            ),
            Route::Async => (
                "O_ASYNC".to_owned(),
                "irongate_signal_route: O_ASYNC and FIOASYNC are refused (on a terminal the kernel sends SIGIO to its foreground group, IronGate's and the user's, with no F_SETOWN to judge)",
            ),
            Route::FileChange => (
                "file ioctl".to_owned(),
                "irongate_file_ioctl: inode flags and attributes, fs-verity, a file system's label and freezing are refused (FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FIFREEZE, …: through any descriptor, a read-only one too)",
            ),
        };
        let kind = if route == Route::FileChange {
            "file_ioctl"
        } else {
            "signal_route"
        };
        let action = Action::tamper(kind)
            .with(Field::Name, kind)
            .with(Field::Target, target);
        let _ = self.deny_logged(hook_caller(t), &action, reason);
        self.tamper_refused(libc::EPERM)
    }

    /// Another task's scheduling, CPU affinity, nice value or I/O priority
    /// (R-42): only a task of the agent's tree (a pid in a register, so
    /// continuing is not racy). The supervisor's threads made idle-class,
    /// pinned to one CPU or given idle I/O would starve every decision; a
    /// process group or a user's processes include it (and the user's own
    /// programs).
    fn judge_sched(&self, t: &Thread, target: SchedTarget) -> Answer {
        let shown = match target {
            SchedTarget::Task(0) => return Answer::Continue,
            SchedTarget::Invalid => return Answer::Deny(libc::EINVAL),
            SchedTarget::Task(pid) => {
                let own = i32::try_from(pid).is_ok_and(|pid| {
                    pid > 0 && !self.is_supervisor_task(pid) && self.in_agent_tree(pid)
                });
                if own {
                    return Answer::Continue;
                }
                pid.to_string()
            }
            SchedTarget::Group => "process group".to_owned(),
            SchedTarget::User => "user".to_owned(),
        };
        let action = Action::tamper("scheduling")
            .with(Field::Name, "scheduling")
            .with(Field::Target, shown);
        let _ = self.deny_logged(
            hook_caller(t),
            &action,
            "irongate_scheduling: the agent may change the scheduling, affinity and priority of its own tasks only",
        );
        self.tamper_refused(libc::EPERM)
    }

    fn deny_logged(&self, c: Caller, action: &Action, reason: &str) -> Answer {
        let verdict = Verdict {
            decision: Decision::Block,
            reason: reason.into(),
            rule: None,
        };
        let _ = self.finish(c, Layer::Syscall, action, verdict, None, true);
        Answer::Deny(libc::EACCES)
    }

    /// Reads the C library and the runtime make without an audit event: its
    /// resolver files, and the process's own `/proc` entry (the loader and
    /// `pthread_getattr_np` read `/proc/self/maps`, `closerange` lists
    /// `/proc/self/fd`).
    pub(super) fn is_libc_runtime(&self, pid: i32, action: &Action) -> bool {
        let Some(path) = action.text(Field::Path) else {
            return false;
        };
        // POSIX named semaphores (`sem_open`: multiprocessing's locks) are
        // files the C library creates, links and unlinks under /dev/shm.
        let semaphore = |p: &str| {
            p.strip_prefix("/dev/shm/sem.")
                .is_some_and(|name| !name.is_empty() && !name.contains('/'))
        };
        if action.file_op().is_some()
            && semaphore(path)
            && action.text(Field::Target).is_none_or(semaphore)
        {
            return true;
        }
        let (reading, file) = match action.kind() {
            Kind::File(op) => (op.is_read(), true),
            Kind::Network(_) => (true, false),
            _ => (false, false),
        };
        reading
            && (LIBC_RUNTIME_FILES.iter().any(|d| paths::is_under(path, d))
                || (file && paths::is_under(path, &format!("/proc/{pid}"))))
    }

    fn mode(&self) -> Mode {
        self.settings.backstop
    }

    /// `--backstop kill`: ends the whole agent tree.
    pub fn kill_agent(&self) {
        if let Some(main) = *lock(&self.main_pid) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(main),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        super::signals::kill_descendants();
    }
}

/// True when note `n` says exactly the open `call` makes: its path bytes,
/// the flags in [`OPEN_FLAGS`] (as an open's intent), its base, and a mode (for `open()`) that
/// asks for the access the flags carry. An `openat2` with `resolve` flags
/// is no open the hook notes.
fn note_matches(n: &Note, call: &Call) -> bool {
    let Call::Open {
        dirfd,
        path,
        flags,
        resolve,
        ..
    } = call
    else {
        return false;
    };
    let same_base = if *dirfd == AT_FDCWD {
        n.dir_fd < 0
    } else {
        n.dir_fd == *dirfd
    };
    let mode_fits = n
        .mode
        .as_deref()
        .is_none_or(|m| events::mode_fits_flags(m, n.flags));
    *resolve == 0
        && n.path == *path
        && (n.flags ^ flags) & OPEN_FLAGS == 0
        && same_base
        && mode_fits
}

/// How one action of a trapped call was decided.
enum Step {
    Allowed,
    /// Refused by the policy but `--backstop audit`: continued as is.
    Audited,
    Held,
    Refused(Answer),
}

impl Judge for Decider {
    fn judge(&self, caller: &Thread, call: &Call, prepared: Option<&Prepared>) -> Answer {
        self.judge_call(caller, call, prepared)
    }

    fn resolve_held(&self, caller: &Thread, call: &Call, prepared: Option<&Prepared>) -> Answer {
        self.held(caller, call, prepared)
    }

    fn check_opened(&self, caller: &Thread, call: &Call, decided: &str, real: &str) -> bool {
        self.opened_as_judged(caller, call, decided, real)
    }

    fn refused(&self, caller: &Thread, call: &Call, errno: i32) {
        let _ = self.unresolvable(hook_caller(caller), call, errno);
    }

    fn unconfirmed(&self, caller: &Thread, call: &Call, why: &str) {
        let mut action = Action::tamper("unconfirmed")
            .with(Field::Name, call_name(call))
            .with(Field::Target, why);
        let raw = match call {
            Call::Net { msgs, .. } => msgs.iter().find_map(|m| m.unix_path()),
            _ => call_path(call),
        };
        if let Some(raw) = raw {
            action.set(Field::Requested, text(raw));
        }
        let _ = self.deny_logged(
            hook_caller(caller),
            &action,
            &format!("irongate_unconfirmed: {why}; refused"),
        );
    }

    fn exec_target(&self, caller: &Thread, call: &Call) -> Option<ExecTarget> {
        match call {
            Call::Exec { dirfd, path, .. } => exec_target(caller, *dirfd, path).ok(),
            _ => None,
        }
    }

    fn kill_agent(&self) {
        Decider::kill_agent(self);
    }

    fn agent_processes(&self) -> Vec<i32> {
        super::signals::descendants(std::process::id() as i32)
    }
}

/// The network action of one message (or connect/bind address); `None`:
/// nothing to judge (no address: a connected socket; netlink: the C
/// library's route and interface queries, no data leaves the machine).
fn net_action(
    op: NetOp,
    m: &Msg,
    unix_real: Option<&str>,
) -> Result<Option<(Action, Option<Op>)>, i32> {
    let Some(addr) = &m.addr else {
        return Ok(None);
    };
    let op = op.action_op();
    let mut a = Action::network(op);
    let key = match addr {
        SockAddr::Inet { ip, port } => {
            let ip = canonical_ip(*ip);
            let host = ip.to_string();
            a.set(Field::Host, host.clone());
            a.set(Field::Ip, host.clone());
            a.set(Field::Port, i64::from(*port));
            let shown = if ip.is_ipv6() {
                format!("[{host}]")
            } else {
                host
            };
            a.set(Field::Target, format!("{shown}:{port}"));
            NetKey::Inet {
                ips: vec![ip],
                port: *port,
            }
        }
        // Abstract by its bytes (a leading NUL), not by the text: a relative
        // path "@x" renders the same as the abstract "\0x" (review 9: a
        // symlink named "@x" was judged as an abstract name).
        SockAddr::Unix(p) if m.unix_path().is_none() => {
            a.set(Field::Target, format!("unix:{p}"));
            NetKey::Unix(p.clone())
        }
        SockAddr::Unix(_) => {
            let real = unix_real.ok_or(libc::EACCES)?;
            a.set(Field::Path, real);
            a.set(Field::Target, format!("unix:{real}"));
            NetKey::Unix(real.to_owned())
        }
        SockAddr::Other(f) if i32::from(*f) == libc::AF_NETLINK => return Ok(None),
        SockAddr::Other(f) => {
            a.set(Field::Target, format!("family:{f}"));
            NetKey::Unix(format!("family:{f}"))
        }
    };
    Ok(Some((a, Some(Op::Net(op, key)))))
}

/// An allowed `O_PATH` open: a handle without access to the data, which
/// `ADDFD` cannot inject (the kernel's `fget` refuses `O_PATH` files). It
/// continues as the agent's own open, with the agent frozen and the file
/// its path reaches confirmed to be `real`.
fn o_path_answer(real: String) -> Answer {
    Answer::ContinueFrozen(Confirm {
        path: Some(real),
        own_dir: None,
    })
}

fn is_unix(m: &Msg) -> bool {
    matches!(m.addr, Some(SockAddr::Unix(_)))
}

/// Marks a rename that writes both names (R-23: an exchange is judged as a
/// write of each path).
fn mark_exchange(a: &mut Action) {
    a.set(Field::Exchange, true);
}

/// The syscall's name for logs.
fn syscall_name(nr: i64) -> String {
    crate::backstop::table::name(nr).map_or_else(|| format!("syscall {nr}"), str::to_owned)
}

/// The (first) path a call names, as the agent spelled it.
fn call_path(call: &Call) -> Option<&[u8]> {
    match call {
        Call::Open { path, .. }
        | Call::Unlink { path, .. }
        | Call::Mkdir { path, .. }
        | Call::Mknod { path, .. }
        | Call::Symlink { path, .. }
        | Call::Chmod { path, .. }
        | Call::Chown { path, .. }
        | Call::Truncate { path, .. }
        | Call::Exec { path, .. } => Some(path),
        Call::Rename { old, .. } | Call::Link { old, .. } => Some(old),
        _ => None,
    }
}

fn call_name(call: &Call) -> &'static str {
    match call {
        Call::Open { .. } => "open",
        Call::Unlink { .. } => "unlink",
        Call::Rename { .. } => "rename",
        Call::Mkdir { .. } => "mkdir",
        Call::Mknod { .. } => "mknod",
        Call::Link { .. } => "link",
        Call::Symlink { .. } => "symlink",
        Call::Chmod { .. } => "chmod",
        Call::Chown { .. } => "chown",
        Call::Truncate { .. } => "truncate",
        Call::Exec { .. } => "execve",
        Call::Net { op, .. } => op.action_op().name(),
        Call::Signal { .. } => "kill",
        Call::SignalRoute { .. } => "fcntl/ioctl",
        Call::Sched { .. } => "scheduling",
        Call::Listen { .. } => "listen",
        Call::CredChange { .. } => "credentials",
        Call::Forbidden(_) | Call::Unclassified(_) | Call::Unreadable(_) => "syscall",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dirfd: i64, path: &[u8], flags: i64, resolve: u64) -> Call {
        Call::Open {
            dirfd,
            path: path.to_vec(),
            flags,
            mode: 0o644,
            resolve,
        }
    }

    #[test]
    fn a_note_explains_only_the_open_it_says() {
        let cloexec = i64::from(libc::O_CLOEXEC);
        let wr = i64::from(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC);
        let n = Note {
            seq: 1,
            flags: cloexec,
            dir_fd: -1,
            mode: Some("r".into()),
            path: b"/w/a.txt".to_vec(),
            frame: "agent.py:1".into(),
        };
        assert!(note_matches(&n, &open(AT_FDCWD, b"/w/a.txt", cloexec, 0)));
        // O_CLOEXEC and the like may differ between the event and the call.
        assert!(note_matches(&n, &open(AT_FDCWD, b"/w/a.txt", 0, 0)));
        // Another path, spelling, access, base, or an openat2 scope.
        assert!(!note_matches(&n, &open(AT_FDCWD, b"/w//a.txt", 0, 0)));
        assert!(!note_matches(&n, &open(AT_FDCWD, b"/w/a.txt", wr, 0)));
        assert!(!note_matches(&n, &open(3, b"/w/a.txt", 0, 0)));
        assert!(!note_matches(
            &n,
            &open(AT_FDCWD, b"/w/a.txt", 0, sys::RESOLVE_IN_ROOT)
        ));
        // A mode saying another access than the (matching) flags.
        let forged = Note {
            flags: wr,
            mode: Some("rb".into()),
            ..n.clone()
        };
        assert!(!note_matches(&forged, &open(AT_FDCWD, b"/w/a.txt", wr, 0)));
        let honest = Note {
            mode: Some("w".into()),
            ..forged
        };
        assert!(note_matches(&honest, &open(AT_FDCWD, b"/w/a.txt", wr, 0)));
        // Not an open at all.
        let unlink = Call::Unlink {
            dirfd: AT_FDCWD,
            path: b"/w/a.txt".to_vec(),
            dir: false,
        };
        assert!(!note_matches(&n, &unlink));
    }
}
