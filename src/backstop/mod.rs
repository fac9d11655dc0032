//! The kernel backstop: the seccomp notify loop.
//!
//! Every sensitive syscall of the agent's process tree stops in the kernel
//! until this loop answers. "No handler matched" is never an allow: a call
//! that nothing explains is decided here from the syscall itself, with the
//! same policy, and logged `unexplained: true`.
//!
//! Answers: an allowed open is performed by the supervisor and the
//! descriptor injected (`ADDFD` + `SEND`); an allowed unlink, rename, link,
//! symlink, mkdir, mknod, chmod, chown, truncate, connect, bind or send is
//! performed by the supervisor on handles it took before judging, with its
//! own copy of the arguments and the caller's credentials, and its result
//! returned. `execve`, an `O_PATH` open and a Unix-socket connect or send
//! continue as the agent's own call, but only with every task that could
//! change what the kernel reads stopped and the arguments confirmed
//! (`freeze`, `tree_stop`); calls whose arguments are all registers
//! (signals) simply continue. Any failure on the way (unreadable memory, a
//! caller that cannot be identified, a notification that went stale, a
//! handle that cannot be taken) refuses the call.

pub mod caller;
pub mod creds;
pub mod decode;
pub mod emulate;
pub mod freeze;
pub mod memory;
pub mod perform;
pub mod sys;
pub mod table;
pub mod tasks;
pub mod tree_stop;

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use caller::{Caller, Creds};
use decode::Call;
use perform::Prepared;

use crate::timing::{self, Phase};

/// What the notify loop answers a trapped call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Let it run (`CONTINUE`): only for calls whose arguments are all
    /// registers (signals), and exec (continued with the tasks sharing the
    /// caller's memory stopped and its arguments read again).
    Continue,
    /// Let it run once the agent is frozen and the call confirmed: its
    /// arguments read again are what was judged and they reach what was
    /// judged (`tree_stop`). For calls with no on-behalf form: `O_PATH`
    /// opens, Unix-socket connects and sends.
    ContinueFrozen(Confirm),
    /// Perform the open here and inject the descriptor, if what gets opened
    /// is this (judged) real path.
    Emulate(String),
    /// Perform the prepared call here and return its result.
    Perform,
    /// An allowed exec: let it run once the tasks that could change what it
    /// reaches are stopped, its arguments read again are what was judged
    /// and it still reaches this program from this directory (`freeze`).
    ContinueExec(ExecTarget),
    /// Fail it with this errno.
    Deny(i32),
    /// Fail it and kill the agent (`--backstop kill`).
    Kill(i32),
    /// A review: hold it in the kernel until decided.
    Held,
}

/// What a call continued under a freeze was judged to reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// The real path judged (the open's file; for a Unix socket the socket
    /// file held since, `None` for an abstract name).
    pub path: Option<String>,
    /// The call is the hook's connect to this run's own IPC socket, spelled
    /// as its real path, in this directory of IronGate's own (no call of
    /// the agent may rename, remove or replace it or anything in it). If
    /// no directory above it can change either (checked here with the
    /// caller's credentials), only the tasks sharing the caller's memory are
    /// stopped.
    pub own_dir: Option<String>,
}

/// What an allowed exec was judged to run: the program (its real path) and
/// the directory it starts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecTarget {
    /// The program's real path.
    pub program: String,
    /// The program file that path reached when it was judged (`None`: it
    /// could not be identified; such an exec is judged as no interpreter).
    pub file: Option<sys::FileId>,
    /// The calling thread's cwd.
    pub cwd: String,
}

/// The decisions the notify loop asks for. The supervisor implements it;
/// the backstop knows nothing else of it.
pub trait Judge: Send + Sync + 'static {
    /// Decides one trapped call of `caller`. `prepared` holds what the call
    /// acts on (its real paths) when it can be performed here.
    fn judge(&self, caller: &Caller, call: &Call, prepared: Option<&Prepared>) -> Answer;
    /// A held call: waits for its review and answers.
    fn resolve_held(&self, caller: &Caller, call: &Call, prepared: Option<&Prepared>) -> Answer;
    /// After an emulated open: the file actually opened must be the one
    /// that was judged.
    fn check_opened(&self, caller: &Caller, call: &Call, decided: &str, real: &str) -> bool;
    /// A call refused before it could be judged (its handles could not be
    /// taken for a reason other than the kernel's own answer).
    fn refused(&self, caller: &Caller, call: &Call, errno: i32);
    /// An allowed call that was to continue under a freeze but could not
    /// be confirmed (`why`: the agent did not stop, its arguments or what
    /// they reach changed): refused with `EACCES`, and logged.
    fn unconfirmed(&self, caller: &Caller, call: &Call, why: &str);
    /// What an exec reaches now, resolved as when it was judged (through
    /// the calling thread's cwd and descriptors); `None` when it cannot be
    /// resolved.
    fn exec_target(&self, caller: &Caller, call: &Call) -> Option<ExecTarget>;
    /// `--backstop kill`: ends the agent.
    fn kill_agent(&self);
    /// Every live process of the agent's tree (for a freeze).
    fn agent_processes(&self) -> Vec<i32>;
}

/// What the backstop does with an unexplained syscall the policy blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refuse it.
    Enforce,
    /// Refuse it and kill the agent.
    Kill,
    /// Only record it.
    Audit,
}

impl Mode {
    /// Parses `--backstop`.
    pub fn from_flag(s: &str) -> Option<Mode> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "kill" => Some(Mode::Kill),
            "audit" => Some(Mode::Audit),
            _ => None,
        }
    }
}

/// Starts the notify loop on its own thread. It ends when every process
/// under the filter is gone (`POLLHUP`).
pub fn spawn<J: Judge>(listener: OwnedFd, judge: Arc<J>) -> std::io::Result<JoinHandle<()>> {
    // The supervisor's credentials, to return to after each call performed
    // with the caller's. Unreadable: every performed call is refused.
    let own = caller::own_creds();
    std::thread::Builder::new()
        .name("irongate-notify".into())
        .spawn(move || {
            let ctx = Ctx {
                judge,
                own,
                ids: std::cell::RefCell::new(caller::Identities::default()),
            };
            run(&listener, &ctx);
            timing::phases_report();
        })
}

struct Ctx<J> {
    judge: Arc<J>,
    own: Option<Creds>,
    /// The loop thread's cache of caller identities (held threads and
    /// performing threads get a copy of the one they need).
    ids: std::cell::RefCell<caller::Identities>,
}

fn run<J: Judge>(listener: &OwnedFd, decider: &Ctx<J>) {
    // No `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`: it moves this thread onto
    // the agent's CPU, where, after an open's `ADDFD`, it waits for the
    // agent's Python code to block again before it can finish. Measured
    // side by side (2 Dec, 2 vCPUs): a checked `open().close()` 10-20 µs
    // slower with it; only a bare round trip with no work in between
    // (ctypes `bind()` in a loop) was faster. Re-measured 3 Dec: 52 against
    // 49-50 µs/op.
    //
    // Poll first, then receive. The receive itself waits (this kernel's
    // ignores `O_NONBLOCK`, so nothing can spin on it), but only kernels
    // since about 6.11 wake a waiting receive when the last filtered
    // process is gone; poll reports that (`POLLHUP`) on every kernel, and
    // the run must end when its tree does (review 10).
    while wait_for_call(listener) {
        match sys::recv(listener.as_fd()) {
            Ok(notif) => handle(listener, decider, &notif),
            // The target died or was interrupted after poll: next one.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOENT | libc::EINTR | libc::EAGAIN)
                ) => {}
            Err(_) => return,
        }
    }
}

/// Waits until a call is pending; `false` once every filtered process has
/// exited (or the listener is gone). `POLLERR` alone (the kernel's wait
/// interrupted by a signal) is polled again, never taken for the end: a
/// tree left with nobody to answer it would hang.
fn wait_for_call(listener: &OwnedFd) -> bool {
    loop {
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return false,
        }
        let revents = fds[0].revents().unwrap_or(PollFlags::empty());
        if revents.contains(PollFlags::POLLIN) {
            return true;
        }
        if revents.intersects(PollFlags::POLLHUP | PollFlags::POLLNVAL) {
            return false;
        }
    }
}

fn handle<J: Judge>(listener: &OwnedFd, ctx: &Ctx<J>, notif: &sys::seccomp_notif) {
    timing::phases_begin();
    emulate::forget_resolved();
    handle_one(listener, ctx, notif);
    timing::phases_end();
}

fn handle_one<J: Judge>(listener: &OwnedFd, ctx: &Ctx<J>, notif: &sys::seccomp_notif) {
    let fd = listener.as_fd();
    let id = notif.id;
    // What is read here (memory, /proc) may belong to another call if the
    // target was interrupted or died and its tid was reused: the
    // notification is checked still valid after the reads and before
    // anything is logged (below), and again before anything is done on the
    // agent's behalf (`respond`), after the judge's own reads (a note).
    let call = decode::decode(notif);
    timing::phase_done(Phase::Decode);
    let tid = notif.pid as i32;
    if let Call::CredChange { process_wide } = call {
        // Registers only; it runs as the agent's own call. What the cache
        // knew of the caller no longer holds once it has.
        let mut ids = ctx.ids.borrow_mut();
        match (process_wide, ids.get(tid)) {
            (true, Some(c)) => ids.forget_process(c.pid),
            _ => ids.forget(tid),
        }
        drop(ids);
        let _ = sys::respond_continue(fd, id);
        return;
    }
    let caller = if let Call::Exec { .. } = call {
        // Read fresh (its parent matters to the exec), and forgotten: an
        // exec may change what the kernel checks the caller with.
        let c = caller::identify(tid);
        if let Some(c) = &c {
            ctx.ids.borrow_mut().forget_process(c.pid);
        }
        c
    } else {
        ctx.ids.borrow_mut().get(tid)
    };
    let Some(caller) = caller else {
        let _ = sys::respond_errno(fd, id, libc::EACCES);
        return;
    };
    timing::phase_done(Phase::Identify);
    if let Call::Unreadable(_) = call {
        let _ = sys::respond_errno(fd, id, libc::EFAULT);
        return;
    }
    // Handles are taken with the supervisor's rights; paths are walked and
    // calls performed with the caller's.
    let Some(own) = ctx.own.as_ref() else {
        ctx.judge.refused(&caller, &call, libc::EACCES);
        let _ = sys::respond_errno(fd, id, libc::EACCES);
        return;
    };
    let prepared = perform::prepare(&caller, own, &call);
    let prepared = match prepared {
        Ok(p) => p,
        Err(errno) => {
            if !is_kernel_answer(errno) && sys::id_valid(fd, id) {
                ctx.judge.refused(&caller, &call, errno);
            }
            let _ = sys::respond_errno(fd, id, errno);
            return;
        }
    };
    // The call, the identity and the handles were read from the agent's
    // memory and /proc/<tid>: still the same thread blocked in the same call?
    if !sys::id_valid(fd, id) {
        return;
    }
    timing::phase_done(Phase::Prepare);
    let answer = ctx.judge.judge(&caller, &call, prepared.as_ref());
    timing::phase_done(Phase::Judge);
    respond(fd, ctx, notif, &caller, &call, prepared, answer);
    timing::phase_done(Phase::Answer);
}

/// Errors the kernel itself would have given for the call (a missing
/// parent, a bad descriptor): returned without a log row of their own.
fn is_kernel_answer(errno: i32) -> bool {
    matches!(
        errno,
        libc::ENOENT
            | libc::ENOTDIR
            | libc::EBADF
            | libc::EINVAL
            | libc::EBUSY
            | libc::ENAMETOOLONG
            | libc::ELOOP
            | libc::ENOTSOCK
    )
}

/// Takes on the caller's credentials for the calls done on its behalf.
fn adopt<J>(ctx: &Ctx<J>, caller: &Caller) -> Option<creds::Adopted> {
    creds::adopt(&caller.creds, ctx.own.as_ref()?)
}

fn respond<J: Judge>(
    fd: BorrowedFd<'_>,
    ctx: &Ctx<J>,
    notif: &sys::seccomp_notif,
    caller: &Caller,
    call: &Call,
    prepared: Option<Prepared>,
    answer: Answer,
) {
    let id = notif.id;
    let result = match answer {
        Answer::ContinueExec(target) => {
            // The exec continues with every task that could change what it
            // reaches stopped: on a thread, the loop goes on.
            let judge = Arc::clone(&ctx.judge);
            let (caller, call, notif) = (caller.clone(), call.clone(), *notif);
            let own = ctx.own.clone();
            on_thread(fd, id, "irongate-exec", libc::EAGAIN, move |listener| {
                let judged = (&caller, &call);
                continue_exec(
                    listener,
                    &*judge,
                    &notif,
                    judged,
                    Some((&target, own.as_ref())),
                );
            });
            return;
        }
        Answer::Continue if matches!(call, Call::Exec { .. }) => {
            // Audit mode's recorded exec: its arguments as judged all the
            // same.
            let judge = Arc::clone(&ctx.judge);
            let (caller, call, notif) = (caller.clone(), call.clone(), *notif);
            on_thread(fd, id, "irongate-exec", libc::EAGAIN, move |listener| {
                continue_exec(listener, &*judge, &notif, (&caller, &call), None);
            });
            return;
        }
        // Only calls whose arguments are all registers (signals, signal
        // routes) and audit mode's recorded calls get here: nothing the
        // agent can change after the check.
        Answer::Continue => sys::respond_continue(fd, id),
        Answer::ContinueFrozen(confirm) => {
            // On a thread: the loop goes on answering while the agent is
            // stopped and the call is confirmed.
            let judge = Arc::clone(&ctx.judge);
            let own = ctx.own.clone();
            let (caller, call, notif) = (caller.clone(), call.clone(), *notif);
            on_thread(fd, id, "irongate-frozen", libc::EAGAIN, move |listener| {
                continue_confirmed(
                    listener,
                    &*judge,
                    own.as_ref(),
                    &notif,
                    (&caller, &call),
                    prepared.as_ref(),
                    &confirm,
                );
            });
            return;
        }
        Answer::Deny(errno) => sys::respond_errno(fd, id, errno),
        Answer::Perform => {
            let Some(p) = prepared else {
                let _ = sys::respond_errno(fd, id, libc::EACCES);
                return;
            };
            if !sys::id_valid(fd, id) {
                return;
            }
            if p.needs_freeze() {
                // No socket to perform on (no pidfd_getfd): continued under
                // a tree freeze, on a thread so the loop goes on.
                let judge = Arc::clone(&ctx.judge);
                let (caller, call, notif) = (caller.clone(), call.clone(), *notif);
                let listened = p.listen_inode();
                // Recorded before the bind goes on: the agent's listen may
                // follow at once, before this thread is back.
                if let Some(inode) = p.bind_inode() {
                    perform::note_bound(inode);
                }
                on_thread(fd, id, "irongate-frozen", libc::EAGAIN, move |listener| {
                    let refused = |why: &str| judge.unconfirmed(&caller, &call, why);
                    // A listen was judged on one socket: the descriptor must
                    // still be that socket (another thread may have put an
                    // unbound one in its place).
                    let recheck = |again: &Call| match (again, listened) {
                        (Call::Listen { fd, .. }, Some(inode))
                            if perform::socket_inode(&caller, *fd) != Ok(inode) =>
                        {
                            perform::Recheck::Changed(
                                "its descriptor is another socket once the agent was stopped"
                                    .to_owned(),
                            )
                        }
                        _ => perform::Recheck::Same,
                    };
                    let plan = tree_stop::Plan {
                        scope: tree_stop::Scope::Tree,
                        until: tree_stop::Until::Copied,
                        recheck: &recheck,
                        refused: &refused,
                    };
                    tree_stop::continue_checked(
                        listener,
                        &notif,
                        &caller,
                        &call,
                        &|| agent_tree(&*judge),
                        &plan,
                    );
                });
                return;
            }
            if p.may_block() {
                // A blocking connect or send: done on a thread of its own so
                // the loop goes on answering the agent's other threads.
                let caller = caller.clone();
                let own = ctx.own.clone();
                on_thread(fd, id, "irongate-perform", libc::EAGAIN, move |listener| {
                    let _no_freeze = tree_stop::performing();
                    let r = match own.as_ref().and_then(|o| creds::adopt(&caller.creds, o)) {
                        Some(_as_agent) => p.perform(&caller),
                        None => Err(libc::EACCES),
                    };
                    let _ = answer_result(listener, id, r);
                });
                return;
            }
            // Not while a continued call is re-checked and looked up: a
            // rename or symlink done now could change where it leads.
            let _no_freeze = tree_stop::performing();
            let r = match adopt(ctx, caller) {
                Some(_as_agent) => p.perform(caller),
                None => Err(libc::EACCES),
            };
            answer_result(fd, id, r)
        }
        Answer::Emulate(decided) => {
            if !sys::id_valid(fd, id) {
                return;
            }
            let Some(own) = ctx.own.as_ref() else {
                let _ = sys::respond_errno(fd, id, libc::EACCES);
                return;
            };
            // An open that would sleep (a FIFO waiting for its other end, a
            // lease held by another process) is done on a thread: on the
            // loop it would stall every call of the tree (review 7: 45 s for
            // a lease, for good for a FIFO whose writer is the agent).
            let opened = if emulate::waits_for_peer(call, &decided) {
                Err(libc::EWOULDBLOCK)
            } else {
                emulate::open_without_waiting(caller, own, call, &decided)
            };
            match opened {
                Err(errno) if emulate::would_wait(errno) => {
                    let judge = Arc::clone(&ctx.judge);
                    let (caller, call, own) = (caller.clone(), call.clone(), own.clone());
                    on_thread(fd, id, "irongate-open", libc::EAGAIN, move |listener| {
                        let opened = emulate::open(&caller, &own, &call, &decided);
                        let _ =
                            answer_open(listener, id, &*judge, &caller, &call, &decided, opened);
                    });
                    Ok(())
                }
                opened => answer_open(fd, id, &*ctx.judge, caller, call, &decided, opened),
            }
        }
        Answer::Held => {
            // A review at this layer: the call stays in the kernel while a
            // thread waits for the verdict; the loop goes on.
            let judge = Arc::clone(&ctx.judge);
            let own = ctx.own.clone();
            let call = call.clone();
            let caller = caller.clone();
            let notif = *notif;
            on_thread(fd, id, "irongate-held", libc::EACCES, move |listener| {
                let answer = judge.resolve_held(&caller, &call, prepared.as_ref());
                let ctx = Ctx {
                    judge,
                    own,
                    ids: std::cell::RefCell::new(caller::Identities::default()),
                };
                respond(listener, &ctx, &notif, &caller, &call, prepared, answer);
            });
            return;
        }
        Answer::Kill(errno) => {
            // Kill first: once answered, the agent would run on.
            ctx.judge.kill_agent();
            sys::respond_errno(fd, id, errno)
        }
    };
    // ENOENT: the target was interrupted or died meanwhile; nothing to do.
    let _ = result;
}

/// Calls answered on threads of their own at once, at most: each may wait
/// for as long as the agent likes (a FIFO's other end that never opens, a
/// held exec), and without a bound the agent could pile up the supervisor's
/// threads and memory.
const MAX_CALL_THREADS: usize = 256;

/// Threads answering calls now (see [`on_thread`]).
static CALL_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Answers call `id` on a thread of its own, so the loop goes on: `f` gets
/// the thread's own copy of the listener. Without a copy the call is
/// refused (`EACCES`); without a thread, or with [`MAX_CALL_THREADS`]
/// already at work, it fails with `no_thread`.
fn on_thread(
    fd: BorrowedFd<'_>,
    id: u64,
    name: &str,
    no_thread: i32,
    f: impl FnOnce(BorrowedFd<'_>) + Send + 'static,
) {
    use std::sync::atomic::Ordering;
    if CALL_THREADS.fetch_add(1, Ordering::AcqRel) >= MAX_CALL_THREADS {
        CALL_THREADS.fetch_sub(1, Ordering::AcqRel);
        let _ = sys::respond_errno(fd, id, no_thread);
        return;
    }
    /// Counts the thread out however it ends.
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            CALL_THREADS.fetch_sub(1, Ordering::AcqRel);
        }
    }
    let Ok(listener) = fd.try_clone_to_owned() else {
        CALL_THREADS.fetch_sub(1, Ordering::AcqRel);
        let _ = sys::respond_errno(fd, id, libc::EACCES);
        return;
    };
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _done = Done;
            f(listener.as_fd())
        });
    if spawned.is_err() {
        CALL_THREADS.fetch_sub(1, Ordering::AcqRel);
        let _ = sys::respond_errno(fd, id, no_thread);
    }
}

/// The agent's processes, walked down the kernel's child lists from the
/// supervisor; where the kernel keeps none, as the judge lists them.
fn agent_tree<J: Judge>(judge: &J) -> Vec<i32> {
    let walk = || {
        let mut tree = tree_stop::children_tree(std::process::id() as i32)
            .unwrap_or_else(|| judge.agent_processes());
        tree.sort_unstable();
        tree
    };
    stable_walk(walk, 8)
}

/// Walks the tree until two walks in a row agree. An orphan moves to the
/// supervisor's child list, which a walk may have read already: that walk
/// misses it. It moves once only (the agent may not become a subreaper), so
/// the next walk finds it and differs. Never agreeing within `walks` (a
/// tree that keeps changing), every process any walk saw.
fn stable_walk(walk: impl Fn() -> Vec<i32>, walks: usize) -> Vec<i32> {
    let mut last = walk();
    let mut seen = last.clone();
    for _ in 1..walks {
        let now = walk();
        if now == last {
            return now;
        }
        for p in &now {
            if !seen.contains(p) {
                seen.push(*p);
            }
        }
        last = now;
    }
    seen
}

/// Continues an `O_PATH` open or a Unix-socket call under a freeze once
/// what it reaches is confirmed to be what was judged (`tree_stop`).
fn continue_confirmed<J: Judge>(
    fd: BorrowedFd<'_>,
    judge: &J,
    own: Option<&Creds>,
    notif: &sys::seccomp_notif,
    (caller, call): (&Caller, &Call),
    prepared: Option<&Prepared>,
    confirm: &Confirm,
) {
    let refused = |why: &str| judge.unconfirmed(caller, call, why);
    let Some(own) = own else {
        refused("the supervisor's credentials are unknown");
        let _ = sys::respond_errno(fd, notif.id, libc::EACCES);
        return;
    };
    // The hook's own connection needs no tree freeze when nothing of the
    // agent can change its path (see `Confirm::own_dir`).
    let scope = match &confirm.own_dir {
        Some(dir) if perform::above_is_fixed(caller, own, dir) => tree_stop::Scope::Memory,
        _ => tree_stop::Scope::Tree,
    };
    let recheck = |again: &Call| match (again, &confirm.path) {
        (Call::Open { .. }, Some(path)) => perform::recheck_open(caller, own, again, path),
        (Call::Net { .. }, _) => perform::recheck_unix(caller, own, again, prepared),
        _ => perform::Recheck::Changed("nothing judged to compare with".into()),
    };
    let plan = tree_stop::Plan {
        scope,
        until: tree_stop::Until::Returned,
        recheck: &recheck,
        refused: &refused,
    };
    let members = || agent_tree(judge);
    tree_stop::continue_checked(fd, notif, caller, call, &members, &plan);
}

/// Lets an allowed exec continue once the tasks sharing the caller's memory
/// are stopped and its arguments, read again, are still what was judged.
fn continue_exec<J: Judge>(
    fd: BorrowedFd<'_>,
    judge: &J,
    notif: &sys::seccomp_notif,
    (caller, judged): (&Caller, &Call),
    target_and_own: Option<(&ExecTarget, Option<&Creds>)>,
) {
    let target = target_and_own.map(|(t, _)| t);
    // The kernel looks the program up again after the check: only if no
    // process of the agent can make its name reach another file (no
    // symlink, no `/proc` link, no directory on the way the agent may
    // change) are the tasks sharing the caller's memory, cwd or descriptors
    // enough to stop; otherwise the whole tree.
    let name_fixed = match (target_and_own, judged) {
        (Some((t, Some(own))), Call::Exec { path, flags, .. }) => {
            let by_descriptor = path.is_empty() && flags & libc::AT_EMPTY_PATH != 0;
            by_descriptor
                || (path.as_slice() == t.program.as_bytes()
                    && !t.program.starts_with("/proc/")
                    && perform::name_is_fixed(caller, own, &t.program))
        }
        _ => false,
    };
    let id = notif.id;
    // One freeze at a time: a tree freeze must not find these tasks
    // attached to another thread.
    let _one_at_a_time = tree_stop::serialized();
    let a = notif.data.args;
    let (path, argv, envp) = if i64::from(notif.data.nr) == libc::SYS_execveat {
        (a[1], a[2], a[3])
    } else {
        (a[0], a[1], a[2])
    };
    let private = || memory::exec_args_private(caller.pid, path, argv, envp);
    let shared = [freeze::Shared::Fs, freeze::Shared::Files];
    // A process whose sharing of the caller's cwd or descriptors the kernel
    // will not tell (not dumpable) might change them: the whole tree then.
    let sharing_known = || {
        agent_tree(judge).into_iter().all(|p| {
            p == caller.pid
                || shared
                    .iter()
                    .all(|&what| freeze::sharing(what, caller.tid, p).is_some())
        })
    };
    if name_fixed && freeze::kcmp_works() && private() && sharing_known() {
        // Other processes of the tree with the caller's memory
        // (`clone(CLONE_VM)` without `CLONE_THREAD`) could rewrite the path
        // or argv as its threads could, those with its cwd (`CLONE_FS`)
        // move it, those with its descriptors (`CLONE_FILES`) swap the file
        // a descriptor names: stopped with them.
        let sharers = || -> Vec<i32> {
            agent_tree(judge)
                .into_iter()
                .filter(|p| {
                    *p != caller.pid
                        && (freeze::shares_memory(caller.tid, *p)
                            || shared
                                .iter()
                                .any(|&what| freeze::sharing(what, caller.tid, *p) != Some(false)))
                })
                .collect()
        };
        let mut frozen = match freeze::freeze_also(caller, &sharers) {
            Ok(f) => f,
            Err(errno) => return refuse_exec(fd, judge, id, caller, judged, errno),
        };
        // Asked again with them stopped: one could have mapped other
        // memory over the arguments before it stopped.
        if frozen.is_empty() || private() {
            // Read with every task that shares the memory stopped: a running
            // one could still change what the watch compares with.
            let before = freeze::ExecWatch::before(caller);
            if continue_unchanged(fd, judge, notif, (caller, judged), target) && !frozen.is_empty()
            {
                frozen.wait_exec(caller, &before);
            }
            return;
        }
    }
    // The program's name could be made to reach another file, some of the
    // arguments lie in memory another process of the tree could write (a
    // shared mapping, a file's pages: a C library's string constants, as
    // `system` passes), or which processes share the caller's memory, cwd
    // or descriptors cannot be told (no `kcmp`): the whole tree is stopped.
    let members = || agent_tree(judge);
    let Some(mut tree) = tree_stop::freeze(&members, caller) else {
        return refuse_exec(fd, judge, id, caller, judged, libc::EAGAIN);
    };
    let before = freeze::ExecWatch::before(caller);
    if continue_unchanged(fd, judge, notif, (caller, judged), target) {
        tree.wait_exec(caller, &before);
    }
}

/// Refuses an allowed exec that could not be held still (`why`, logged).
fn refuse_exec<J: Judge>(
    fd: BorrowedFd<'_>,
    judge: &J,
    id: u64,
    caller: &Caller,
    judged: &Call,
    why: i32,
) {
    judge.refused(caller, judged, why);
    let _ = sys::respond_errno(fd, id, libc::EACCES);
}

/// Lets a held exec go on if its arguments, read again now, are still what
/// was judged, and they still reach the judged program from the judged
/// directory (a descriptor or the cwd changed between the check and the
/// freeze); true when it went on.
fn continue_unchanged<J: Judge>(
    fd: BorrowedFd<'_>,
    judge: &J,
    notif: &sys::seccomp_notif,
    (caller, judged): (&Caller, &Call),
    target: Option<&ExecTarget>,
) -> bool {
    if decode::decode(notif) != *judged {
        refuse_exec(fd, judge, notif.id, caller, judged, libc::EAGAIN);
        return false;
    }
    if let Some(target) = target
        && judge.exec_target(caller, judged).as_ref() != Some(target)
    {
        judge.unconfirmed(
            caller,
            judged,
            "the program or the directory the exec reaches changed after the check",
        );
        let _ = sys::respond_errno(fd, notif.id, libc::EACCES);
        return false;
    }
    sys::id_valid(fd, notif.id) && sys::respond_continue(fd, notif.id).is_ok()
}

/// Answers an emulated open: the descriptor, injected, if it is the file
/// judged; else the error.
fn answer_open<J: Judge>(
    fd: BorrowedFd<'_>,
    id: u64,
    judge: &J,
    caller: &Caller,
    call: &Call,
    decided: &str,
    opened: Result<emulate::Opened, i32>,
) -> std::io::Result<()> {
    let opened = match opened {
        Ok(opened) => opened,
        Err(errno) => return sys::respond_errno(fd, id, errno),
    };
    let as_judged = judge.check_opened(caller, call, decided, &opened.real_path);
    timing::phase_done(Phase::Act);
    if !as_judged {
        return sys::respond_errno(fd, id, libc::EACCES);
    }
    // An injection the kernel refuses (the target at its RLIMIT_NOFILE:
    // EMFILE) is that open's error (R-5: never leave the call unanswered).
    match sys::respond_addfd(
        fd,
        id,
        std::os::fd::AsRawFd::as_raw_fd(&opened.fd),
        opened.cloexec,
    ) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(e),
        Err(e) => sys::respond_errno(fd, id, e.raw_os_error().unwrap_or(libc::EACCES)),
    }
}

fn answer_result(fd: BorrowedFd<'_>, id: u64, r: Result<i64, i32>) -> std::io::Result<()> {
    match r {
        Ok(v) => sys::respond_value(fd, id, v),
        Err(errno) => sys::respond_errno(fd, id, errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_that_missed_a_moving_process_is_not_taken() {
        // The second walk misses 7 (moving to the supervisor's list), the
        // third and fourth find it.
        let walks = std::cell::RefCell::new(vec![vec![3, 7], vec![3], vec![3, 7], vec![3, 7]]);
        let walk = || walks.borrow_mut().remove(0);
        assert_eq!(stable_walk(walk, 8), vec![3, 7]);
    }

    #[test]
    fn a_tree_that_never_settles_gives_every_process_seen() {
        let n = std::cell::Cell::new(0);
        let walk = || {
            n.set(n.get() + 1);
            vec![1, 100 + n.get()]
        };
        let all = stable_walk(walk, 4);
        assert_eq!(all, vec![1, 101, 102, 103, 104]);
    }
}
