//! Decisions at the kernel layer: a trapped syscall is turned
//! into the same kind of action the hook layer produces, matched against the
//! hook layer's decisions, and otherwise decided by the policy and logged
//! `unexplained: true`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use super::decide::{Decider, file_op, lock, net_op};
use super::events::{self, Caller};
use super::intents::Op;
use super::log::Layer;
use super::paths::{self, Base};
use super::procfs::parent_of;
use crate::action::{Action, Field};
use crate::backstop::Mode;
use crate::backstop::decode::{AT_FDCWD, Call, SockAddr};
use crate::policy::Decision;

/// What the notify loop answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyscallAnswer {
    /// Let it run (`CONTINUE`).
    Continue,
    /// Perform the open here and inject the descriptor, if what gets opened
    /// is this (judged) real path.
    Emulate(String),
    /// Fail it with this errno.
    Deny(i32),
    /// Fail it and kill the agent (`--backstop kill`).
    Kill(i32),
    /// A review: hold it in the kernel until decided.
    Held,
}

/// Write intent in open flags.
const WRITE_FLAGS: i64 =
    (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC | libc::O_APPEND) as i64;

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

/// Thread → process cache (reading `/proc/<tid>/status` on every call
/// would cost more than the rest of the decision).
static TGIDS: Mutex<Option<HashMap<i32, i32>>> = Mutex::new(None);

fn tgid(tid: i32) -> i32 {
    if let Some(p) = lock(&TGIDS).as_ref().and_then(|m| m.get(&tid).copied()) {
        return p;
    }
    let pid = super::procfs::thread_group(tid).unwrap_or(tid);
    let mut cache = lock(&TGIDS);
    let map = cache.get_or_insert_with(HashMap::new);
    if map.len() > 65536 {
        map.clear();
    }
    map.insert(tid, pid);
    pid
}

fn text(b: &[u8]) -> String {
    match crate::child::hook::bytes_value(b) {
        serde_json::Value::String(s) => s,
        _ => String::new(),
    }
}

fn base(dirfd: i64) -> Base {
    if dirfd == AT_FDCWD {
        Base::Cwd
    } else {
        Base::DirFd(dirfd)
    }
}

impl Decider {
    /// The action a syscall performs and the hook-layer operation that would
    /// explain it. `None`: nothing to judge.
    fn syscall_action(&self, c: Caller, call: &Call) -> Option<(Action, Option<Op>)> {
        let resolve = |dirfd: i64, p: &[u8], follow: bool| {
            let raw = text(p);
            let r = paths::resolve(c.pid, c.tid, base(dirfd), &raw, follow);
            (r.path, raw, r.exists)
        };
        let file = |sub: &str, (path, raw, _): (String, String, bool)| {
            let mut a = Action::new("file", sub).with(Field::Path, path.clone());
            if raw != path {
                a.set(Field::Requested, raw);
            }
            a
        };
        Some(match call {
            Call::Open {
                dirfd, path, flags, ..
            } => {
                let r = resolve(*dirfd, path, flags & i64::from(libc::O_NOFOLLOW) == 0);
                let write = flags & WRITE_FLAGS != 0;
                let op = if write {
                    Op::OpenWrite(r.0.clone())
                } else {
                    Op::Open(r.0.clone())
                };
                let sub = if write { "write" } else { "read" };
                let mut a = file(sub, r);
                a.set(Field::Flags, *flags);
                (a, Some(op))
            }
            Call::Unlink { dirfd, path, .. } => {
                let r = resolve(*dirfd, path, false);
                let op = Op::Path(file_op("delete"), r.0.clone());
                (file("delete", r), Some(op))
            }
            Call::Mkdir { dirfd, path } => {
                let r = resolve(*dirfd, path, false);
                let op = Op::Path(file_op("mkdir"), r.0.clone());
                (file("mkdir", r), Some(op))
            }
            Call::Rename {
                olddirfd,
                old,
                newdirfd,
                new,
            } => {
                let r = resolve(*olddirfd, old, false);
                let op = Op::Path(file_op("rename"), r.0.clone());
                let mut a = file("rename", r);
                a.set(Field::Target, resolve(*newdirfd, new, false).0);
                (a, Some(op))
            }
            Call::Link {
                olddirfd,
                old,
                newdirfd,
                new,
            } => {
                // A hard link gives the file it reaches a new name.
                let r = resolve(*olddirfd, old, true);
                let op = Op::Path(file_op("link"), r.0.clone());
                let mut a = file("link", r);
                a.set(Field::Target, resolve(*newdirfd, new, false).0);
                (a, Some(op))
            }
            Call::Symlink {
                target,
                dirfd,
                path,
            } => {
                let r = resolve(*dirfd, path, false);
                let op = Op::Path(file_op("symlink"), r.0.clone());
                let mut a = file("symlink", r);
                a.set(Field::Target, text(target));
                (a, Some(op))
            }
            Call::Meta {
                subtype,
                dirfd,
                path,
            } => {
                let r = if path.is_empty() {
                    let p = paths::resolve(
                        c.pid,
                        c.tid,
                        Base::Cwd,
                        &format!("/proc/self/fd/{dirfd}"),
                        true,
                    )
                    .path;
                    (p.clone(), p, true)
                } else {
                    resolve(*dirfd, path, true)
                };
                let op = Op::Path(file_op(subtype), r.0.clone());
                (file(subtype, r), Some(op))
            }
            Call::Exec { dirfd, path, argv } => {
                let (exe, raw, exists) = resolve(*dirfd, path, true);
                if !exists {
                    return None;
                }
                let argv: Vec<String> = argv.iter().map(|a| text(a)).collect();
                let class = if events::is_python(&exe) {
                    "python_child"
                } else {
                    "binary"
                };
                let mut a = Action::new("process", "exec")
                    .with(Field::Cmd, events::shell_join(&argv))
                    .with(Field::Argv, argv)
                    .with(Field::Executable, exe.clone())
                    .with(Field::ProcessClass, class);
                if raw != exe {
                    a.set(Field::Requested, raw);
                }
                let key = super::intents::exec_args_key(
                    a.get(Field::Argv)
                        .and_then(serde_json::Value::as_array)
                        .map(|v| {
                            v.iter()
                                .filter_map(serde_json::Value::as_str)
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                        .as_slice(),
                );
                (a, Some(Op::Exec(exe, key)))
            }
            Call::Net { subtype, addr } => {
                let addr = addr.as_ref()?;
                let mut a = Action::new("network", subtype);
                let key = match addr {
                    SockAddr::Inet { ip, port } => {
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
                        port.to_string()
                    }
                    SockAddr::Unix(p) if p.starts_with('@') => {
                        a.set(Field::Target, format!("unix:{p}"));
                        p.clone()
                    }
                    SockAddr::Unix(p) => {
                        let r = paths::resolve(c.pid, c.tid, Base::Cwd, p, true);
                        a.set(Field::Path, r.path.clone());
                        a.set(Field::Target, format!("unix:{}", r.path));
                        r.path
                    }
                    // Netlink and the like: route and interface queries of
                    // the C library, no data leaves the machine.
                    SockAddr::Other(f) if i32::from(*f) == libc::AF_NETLINK => return None,
                    SockAddr::Other(f) => {
                        a.set(Field::Target, format!("family:{f}"));
                        format!("family:{f}")
                    }
                };
                (a, Some(Op::Path(net_op(subtype), key)))
            }
            Call::Signal { .. }
            | Call::NetMany { .. }
            | Call::Forbidden(_)
            | Call::Unreadable(_) => return None,
        })
    }

    /// Decides one trapped syscall of thread `tid`.
    pub fn on_syscall(&self, tid: i32, call: &Call) -> SyscallAnswer {
        let answer = self.judge_syscall(tid, call);
        // An allowed exec of the launcher: the Python child that joins next
        // from this process is explained by it (multiprocessing spawn goes
        // through _posixsubprocess, which raises no audit event).
        if let (Call::Exec { .. }, SyscallAnswer::Continue) = (call, &answer) {
            let pid = tgid(tid);
            let c = Caller {
                pid,
                tid: i64::from(tid),
            };
            if let Some((action, _)) = self.syscall_action(c, call)
                && action.text(Field::ProcessClass) == Some("python_child")
                && let Some(ppid) = parent_of(pid)
            {
                self.grant_after(ppid, &action);
            }
        }
        answer
    }

    fn judge_syscall(&self, tid: i32, call: &Call) -> SyscallAnswer {
        // Fast path: an open the hook layer decided a moment ago in this
        // thread, spelled the same way. Emulation checks that the file it
        // opens is the one judged.
        if let Call::Open { path, flags, .. } = call
            && flags & i64::from(libc::O_PATH) == 0
            && let Some(real) =
                self.intents
                    .take_open(i64::from(tid), &text(path), flags & WRITE_FLAGS != 0)
        {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            return SyscallAnswer::Emulate(real);
        }
        if let Call::Signal { target, group } = call {
            return self.judge_signal(tid, *target, *group);
        }
        if let Call::NetMany { addrs } = call {
            // Every destination is judged; the first refusal refuses all.
            for a in addrs {
                let one = Call::Net {
                    subtype: "send",
                    addr: Some(a.clone()),
                };
                let answer = self.judge_syscall(tid, &one);
                if answer != SyscallAnswer::Continue {
                    return answer;
                }
            }
            return SyscallAnswer::Continue;
        }
        let pid = tgid(tid);
        let c = Caller {
            pid,
            tid: i64::from(tid),
        };
        let Some((action, op)) = self.syscall_action(c, call) else {
            return match call {
                // A program that does not exist: the kernel would say so.
                Call::Exec { .. } => SyscallAnswer::Deny(libc::ENOENT),
                _ => SyscallAnswer::Continue,
            };
        };
        // O_PATH descriptors give no access to the data and cannot be
        // injected (ADDFD refuses them): they continue once judged.
        let emulate =
            matches!(call, Call::Open { flags, .. } if flags & i64::from(libc::O_PATH) == 0);
        let allowed = if emulate {
            SyscallAnswer::Emulate(action.text(Field::Path).unwrap_or_default().to_owned())
        } else {
            SyscallAnswer::Continue
        };
        // The child's own channel to us.
        if action.kind() == "network" && action.text(Field::Path) == Some(self.socket_path()) {
            return SyscallAnswer::Continue;
        }
        if let Some(verdict) = self.own_state(&action) {
            let _ = self.finish(c, Layer::Syscall, &action, verdict, None, true);
            return SyscallAnswer::Deny(libc::EACCES);
        }
        if self.is_runtime_read(&action) || self.is_libc_runtime(c.pid, &action) {
            self.counters.runtime_reads.fetch_add(1, Ordering::Relaxed);
            return allowed;
        }
        if let Some(op) = &op {
            let ppid = if matches!(op, Op::Exec(..)) {
                parent_of(pid).unwrap_or(0)
            } else {
                0
            };
            if self.intents.take(pid, c.tid, ppid, op) {
                self.counters.explained.fetch_add(1, Ordering::Relaxed);
                return allowed;
            }
        }
        if self.explained(pid, &action) {
            self.counters.explained.fetch_add(1, Ordering::Relaxed);
            return allowed;
        }
        let profile = self.profile_for(c);
        let verdict = self.settings.policy.evaluate(&action, &profile);
        match verdict.decision {
            Decision::Review => SyscallAnswer::Held,
            Decision::Allow => {
                let _ = self.finish(c, Layer::Syscall, &action, verdict, None, true);
                allowed
            }
            Decision::Block => {
                let out = self.finish(c, Layer::Syscall, &action, verdict, None, true);
                if out.allow {
                    return allowed;
                }
                match self.mode() {
                    Mode::Enforce => SyscallAnswer::Deny(libc::EACCES),
                    Mode::Kill => SyscallAnswer::Kill(libc::EACCES),
                    Mode::Audit => allowed,
                }
            }
        }
    }

    /// A held syscall: logs it, waits for the review, answers.
    pub fn resolve_held(&self, tid: i32, call: &Call) -> SyscallAnswer {
        let pid = tgid(tid);
        let c = Caller {
            pid,
            tid: i64::from(tid),
        };
        let Some((action, _)) = self.syscall_action(c, call) else {
            return SyscallAnswer::Deny(libc::EACCES);
        };
        let verdict = self.settings.policy.evaluate(&action, &self.profile_for(c));
        let out = self.finish(c, Layer::Syscall, &action, verdict, None, true);
        match (out.allow, call) {
            (true, Call::Open { flags, .. }) if flags & i64::from(libc::O_PATH) == 0 => {
                SyscallAnswer::Emulate(action.text(Field::Path).unwrap_or_default().to_owned())
            }
            (true, _) => SyscallAnswer::Continue,
            (false, _) => SyscallAnswer::Deny(libc::EACCES),
        }
    }

    /// After an emulated open: the file actually opened must be the one
    /// that was judged (a symlink swapped in between is caught here).
    pub fn check_opened(&self, tid: i32, call: &Call, decided: &str, real: &str) -> bool {
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
        let c = Caller {
            pid: tgid(tid),
            tid: i64::from(tid),
        };
        let subtype = if flags & WRITE_FLAGS != 0 {
            "write"
        } else {
            "read"
        };
        let again = Action::new("file", subtype)
            .with(Field::Path, real)
            .with(Field::Requested, raw)
            .with(Field::Flags, flags);
        if let Some(verdict) = self.own_state(&again) {
            let _ = self.finish(c, Layer::Syscall, &again, verdict, None, true);
            return false;
        }
        if self.is_runtime_read(&again) {
            return true;
        }
        let verdict = self.settings.policy.evaluate(&again, &self.profile_for(c));
        let out = self.finish(c, Layer::Syscall, &again, verdict, None, true);
        out.allow && out.verdict.decision == Decision::Allow
    }

    /// A syscall that is never the agent's business: refused with
    /// EPERM and logged.
    pub fn forbidden(&self, tid: i32, nr: i64) -> SyscallAnswer {
        let name = i32::try_from(nr)
            .ok()
            .and_then(|n| libseccomp::ScmpSyscall::from_raw_syscall(n).get_name().ok())
            .unwrap_or_else(|| format!("syscall {nr}"));
        let c = Caller {
            pid: tgid(tid),
            tid: i64::from(tid),
        };
        let action = Action::new("tamper", "syscall").with(Field::Name, name.clone());
        let _ = self.deny_logged(
            c,
            &action,
            &format!("irongate_forbidden_syscall: {name} is never allowed to the agent"),
        );
        SyscallAnswer::Deny(libc::EPERM)
    }

    /// Signals: never to the supervisor, by pid, thread id, its
    /// process group, or everyone. Signal numbers and targets are registers,
    /// not memory, so letting an allowed one continue is not racy.
    fn judge_signal(&self, tid: i32, target: i64, group: bool) -> SyscallAnswer {
        let sup_pgrp = nix::unistd::getpgrp().as_raw();
        let pid = tgid(tid);
        let hits = if group {
            match target {
                -1 => true,
                0 => super::procfs::process_group(pid) == Some(sup_pgrp),
                t if t < 0 => -t == i64::from(sup_pgrp),
                t => i32::try_from(t).is_ok_and(|t| self.is_supervisor_task(t)),
            }
        } else {
            i32::try_from(target).is_ok_and(|t| self.is_supervisor_task(t))
        };
        if !hits {
            return SyscallAnswer::Continue;
        }
        let c = Caller {
            pid,
            tid: i64::from(tid),
        };
        let action = Action::new("tamper", "signal_supervisor")
            .with(Field::Name, "signal")
            .with(Field::Target, target.to_string());
        let _ = self.deny_logged(
            c,
            &action,
            "irongate_supervisor: the agent may not signal its supervisor",
        );
        SyscallAnswer::Deny(libc::EPERM)
    }

    fn deny_logged(&self, c: Caller, action: &Action, reason: &str) -> SyscallAnswer {
        let verdict = crate::policy::Verdict {
            decision: Decision::Block,
            reason: reason.into(),
            rule: None,
        };
        let _ = self.finish(c, Layer::Syscall, action, verdict, None, true);
        SyscallAnswer::Deny(libc::EACCES)
    }

    /// Reads the C library and the runtime make without an audit event: its
    /// resolver files, and the process's own `/proc` entry (the loader and
    /// `pthread_getattr_np` read `/proc/self/maps`, `closerange` lists
    /// `/proc/self/fd`).
    fn is_libc_runtime(&self, pid: i32, action: &Action) -> bool {
        let Some(path) = action.text(Field::Path) else {
            return false;
        };
        let reading = action.kind() == "network" || events::is_read(action.subtype());
        reading
            && (LIBC_RUNTIME_FILES.iter().any(|d| paths::is_under(path, d))
                || (action.kind() == "file" && paths::is_under(path, &format!("/proc/{pid}"))))
    }

    fn socket_path(&self) -> &str {
        &self.settings.socket
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
