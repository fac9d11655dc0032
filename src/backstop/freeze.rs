//! Closing the window of the one call that must continue: `execve`.
//!
//! An exec cannot be performed for the agent, so the kernel re-reads its
//! path and argv after the supervisor's answer. Only a task that shares the
//! caller's memory can rewrite them in that window: the caller's other
//! threads, the parent whose memory a `vfork` child borrows, and any other
//! process of the tree made with `clone(CLONE_VM)`. Before the
//! exec continues, the supervisor stops every such task (`PTRACE_SEIZE` +
//! `PTRACE_INTERRUPT`), reads the arguments again and compares them with
//! what was judged, and lets them run again once the exec has taken its
//! copy (it succeeded, the caller left, or a bounded wait passed).
//!
//! Stops are observed through `/proc/<tid>/stat` rather than `waitpid`: the
//! supervisor's reaper waits for its own children on another thread.

use std::time::{Duration, Instant};

use super::caller::Caller;
use super::tasks::{is_exited, state, threads};

/// How long a frozen exec may take to be seen done (its copy of the
/// arguments taken, or its failure back in the caller's code) before its
/// process is killed: the stopped tasks are never let go while it may still
/// be copying.
const EXEC_LIMIT: Duration = Duration::from_secs(30);

/// What an exec's caller was before it was let go, to tell when the exec is
/// over.
#[derive(Debug, Clone, Default)]
pub struct ExecWatch {
    /// The caller's memory layout: a new one is the exec's new memory,
    /// installed after the arguments were copied.
    layout: Option<[u64; 3]>,
    /// The calling thread's voluntary context switches: one more, and a
    /// wait for a notified call, is a new call (the exec's own wait was
    /// answered after the watch began).
    switches: Option<u64>,
}

impl ExecWatch {
    /// Taken while the caller waits in its notified exec.
    pub fn before(c: &Caller) -> ExecWatch {
        ExecWatch {
            layout: super::tasks::memory_layout(c.pid),
            switches: super::tasks::voluntary_switches(c.pid, c.tid),
        }
    }

    /// The exec is over: the caller has new memory (it succeeded), or the
    /// calling thread is blocked in another call or outside any, or waits
    /// for the answer to a new notified call (it failed and went on).
    /// Nothing the agent can do while the exec runs in the kernel makes this
    /// true: a path's text, a program's name, which other tasks the kernel
    /// can compare, none is looked at.
    fn over(&self, c: &Caller) -> bool {
        use super::tasks::InCall;
        match super::tasks::in_call(c.pid, c.tid) {
            InCall::Blocked(nr) if nr != libc::SYS_execve && nr != libc::SYS_execveat => {
                return true;
            }
            InCall::Outside => return true,
            _ => {}
        }
        let new_memory = matches!(
            (self.layout, super::tasks::memory_layout(c.pid)),
            (Some(a), Some(b)) if a != b
        );
        let switched = matches!(
            (self.switches, super::tasks::voluntary_switches(c.pid, c.tid)),
            (Some(a), Some(b)) if b > a
        );
        new_memory || (switched && wchan(c.tid).contains("seccomp"))
    }
}

/// How long the supervisor waits for one task to reach its stop.
const STOP_WAIT: Duration = Duration::from_millis(500);

/// Tasks stopped for the length of an exec (or of a continued call).
#[derive(Debug, Default)]
pub struct Frozen {
    tids: Vec<i32>,
    /// The caller itself, attached but not stopped (see [`Frozen::watch`]).
    watched: Option<i32>,
    /// Other processes stopped because they shared the caller's memory (a
    /// `vfork` parent, `clone(CLONE_VM)` siblings): once the caller's
    /// memory is no longer theirs, its exec has copied its arguments.
    partners: Vec<i32>,
}

fn ptrace(req: libc::c_uint, tid: i32) -> Result<(), i32> {
    ptrace_data(req, tid, 0)
}

fn ptrace_data(req: libc::c_uint, tid: i32, data: usize) -> Result<(), i32> {
    // SAFETY: PTRACE_SEIZE/INTERRUPT/DETACH take a tid, a null addr and a
    // value (a signal number for DETACH) as data.
    let rc = unsafe {
        libc::ptrace(
            req,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            data as *mut libc::c_void,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EPERM));
    }
    Ok(())
}

/// The signal a stopped tracee is about to be delivered (a signal-delivery
/// stop), which detaching must pass on rather than drop; `None` for the
/// stop ptrace itself caused (`PTRACE_EVENT_STOP`: an interrupt or a group
/// stop) or no stop at all.
fn delivering(tid: i32) -> Option<i32> {
    // SAFETY: siginfo_t is plain data; all-zero is a valid value.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: PTRACE_GETSIGINFO of our tracee into a siginfo_t we own.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGINFO,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            &mut si as *mut libc::siginfo_t,
        )
    };
    // An event stop (`SIGTRAP | event << 8`: an interrupt, an exit) holds
    // no signal of the tracee's own.
    (rc == 0 && si.si_code >> 8 <= 0).then_some(si.si_signo)
}

/// The tracee is held at its exit (`PTRACE_O_TRACEEXIT`): killed or
/// leaving, before the kernel releases its memory and writes into it (its
/// `clear_child_tid` word, its robust futexes).
fn at_exit(tid: i32) -> bool {
    // SAFETY: siginfo_t is plain data; all-zero is a valid value.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: PTRACE_GETSIGINFO of our tracee into a siginfo_t we own.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGINFO,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            &mut si as *mut libc::siginfo_t,
        )
    };
    rc == 0 && si.si_code == libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8)
}

/// Lets a tracee go; a signal it was stopped to receive is delivered.
fn detach(tid: i32) {
    let sig = delivering(tid).unwrap_or(0);
    let _ = ptrace_data(libc::PTRACE_DETACH, tid, sig as usize);
}

/// In uninterruptible sleep where it cannot write memory before it stops:
/// a `vfork` parent waiting for its child's exec or exit (the kernel's
/// `wchan`; inlined into `kernel_clone` on current kernels), or a task
/// waiting for the supervisor's answer to a notified call (killable after
/// the supervisor received it) that neither its answer nor its completion
/// lets write memory ([`super::table::answer_may_write_memory`], read from
/// `/proc/<tid>/syscall`). Unreadable: false, so the task is waited for
/// like any other.
pub fn is_harmless_sleep(tid: i32) -> bool {
    let wchan = wchan(tid);
    let wchan = wchan.trim();
    let harmless = if wchan.starts_with("seccomp_do_user_notification") {
        pending_call(tid).is_some_and(|nr| !super::table::answer_may_write_memory(nr))
    } else {
        matches!(
            wchan,
            "kernel_clone" | "wait_for_vfork_done" | "_do_fork" | "do_fork"
        )
    };
    harmless && state(tid) == Some(b'D')
}

/// The number of the call a task is blocked in (`/proc/<tid>/syscall`);
/// `None` when it runs or cannot be read.
pub(super) fn pending_call(tid: i32) -> Option<i64> {
    super::memory::as_agent_fs(|| std::fs::read_to_string(format!("/proc/{tid}/syscall")))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The calling thread's last error.
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Where the task sleeps in the kernel (`/proc/<tid>/wchan`; empty when
/// unreadable).
pub fn wchan(tid: i32) -> String {
    super::memory::as_agent_fs(|| std::fs::read_to_string(format!("/proc/{tid}/wchan")))
        .unwrap_or_default()
}

/// True unless the kernel says task `task` and every live thread of
/// process `pid` have separate memory (a process whose leader has exited
/// keeps its memory in its other threads: the leader alone would say
/// "separate"; one that cannot be compared counts as sharing). See
/// [`compare_memory`].
pub fn shares_memory(task: i32, pid: i32) -> bool {
    matches!(process_memory(task, pid), Memory::Same | Memory::Unknown)
}

/// What `kcmp` tells of two tasks' memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Memory {
    Same,
    Separate,
    /// The kernel would not say.
    Unknown,
    /// The second task is gone.
    Gone,
}

/// Task `task`'s memory against every live thread of process `pid`: the
/// same if any thread's is, separate if every thread that answered has
/// other memory and none was unknown, gone if none is left.
fn process_memory(task: i32, pid: i32) -> Memory {
    let mut tids = threads(pid);
    if tids.is_empty() {
        tids.push(pid);
    }
    let (mut separate, mut unknown) = (false, false);
    for t in tids {
        match compare_memory(task, t) {
            Memory::Same => return Memory::Same,
            Memory::Separate => separate = true,
            Memory::Unknown => unknown = true,
            // A thread that ended since the listing shares nothing.
            Memory::Gone => {}
        }
    }
    if unknown {
        Memory::Unknown
    } else if separate {
        Memory::Separate
    } else {
        Memory::Gone
    }
}

/// The kernel answers `kcmp` here (a container's seccomp profile may
/// refuse it): without it, which processes share the caller's cwd or
/// descriptors cannot be told, and an exec stops the whole tree.
pub fn kcmp_works() -> bool {
    static WORKS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WORKS.get_or_init(|| {
        let me = std::process::id() as i32;
        // SAFETY: kcmp takes two pids, a type and two unused values.
        unsafe { libc::syscall(libc::SYS_kcmp, me, me, Shared::Fs.kcmp_type(), 0, 0) == 0 }
    })
}

/// What else than memory a process may share with the caller
/// (`clone(CLONE_FS)`, `clone(CLONE_FILES)`) that an exec depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// cwd, root, umask: a sharer could move the cwd a relative program
    /// name is looked up from.
    Fs,
    /// The descriptor table: a sharer could put another file under the
    /// descriptor an `execveat` runs or looks its name up from (or that a
    /// `/proc/self/fd/N` name reaches).
    Files,
}

impl Shared {
    fn kcmp_type(self) -> libc::c_long {
        match self {
            Shared::Files => 2,
            Shared::Fs => 3,
        }
    }
}

/// Whether task `task` and a live thread of process `pid` share `what`, by
/// `kcmp`. `None`: the kernel would not say (a process that is not
/// dumpable, kcmp refused).
pub fn sharing(what: Shared, task: i32, pid: i32) -> Option<bool> {
    let kcmp = |t: i32| {
        super::memory::as_agent_real(|| {
            // SAFETY: kcmp takes two pids, a type and two unused values.
            let rc = unsafe { libc::syscall(libc::SYS_kcmp, task, t, what.kcmp_type(), 0, 0) };
            match rc {
                0 => Some(true),
                1 | 2 => Some(false),
                // Gone meanwhile: it shares nothing any more.
                _ if errno() == libc::ESRCH => Some(false),
                _ => None,
            }
        })
    };
    let tids = threads(pid);
    if tids.is_empty() {
        return kcmp(pid);
    }
    let mut answer = Some(false);
    for t in tids.into_iter().filter(|t| !is_exited(state(*t))) {
        match kcmp(t) {
            Some(true) => return Some(true),
            None => answer = None,
            Some(false) => {}
        }
    }
    answer
}

/// Tasks `a` and `b`'s memory by `kcmp` (with the agent's real ids, as
/// ptrace is used). One answer is inferred: where kcmp is refused, when
/// `a`'s memory can be compared or opened but `b`'s cannot while both run
/// with the same ids, `b`'s memory is not dumpable and `a`'s is — a
/// property of the memory, so not the same memory (a process that set
/// `PR_SET_DUMPABLE 0`, such as `ssh-agent`, then stops no exec).
fn compare_memory(a: i32, b: i32) -> Memory {
    const KCMP_VM: libc::c_long = 1;
    let kcmp = |x: i32, y: i32| {
        super::memory::as_agent_real(|| {
            // SAFETY: kcmp takes two pids, a type and two unused values.
            let rc = unsafe { libc::syscall(libc::SYS_kcmp, x, y, KCMP_VM, 0, 0) };
            if rc < 0 {
                Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
            } else {
                Ok(rc)
            }
        })
    };
    match kcmp(a, b) {
        Ok(0) => Memory::Same,
        Ok(1 | 2) => Memory::Separate,
        Ok(_) => Memory::Unknown,
        Err(libc::ESRCH) => Memory::Gone,
        // Where kcmp itself is refused (a container's seccomp profile),
        // whether the memory can be opened at all tells the same.
        Err(libc::EPERM) => {
            let a_readable = kcmp(a, a) == Ok(0) || memory_opens(a);
            if a_readable && !memory_opens(b) && same_ids(a, b) {
                Memory::Separate
            } else {
                Memory::Unknown
            }
        }
        Err(_) => Memory::Unknown,
    }
}

/// The task's memory can be opened (`/proc/<tid>/mem`, ptrace's access
/// check: refused for memory that is not dumpable).
fn memory_opens(tid: i32) -> bool {
    super::memory::as_agent_fs(|| std::fs::File::open(format!("/proc/{tid}/mem"))).is_ok()
}

/// The two tasks' user and group ids (real, effective, saved, fs) are the
/// same. Unreadable: false.
fn same_ids(a: i32, b: i32) -> bool {
    let ids = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .map(|s| {
                s.lines()
                    .filter(|l| l.starts_with("Uid:") || l.starts_with("Gid:"))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
    };
    matches!((ids(a), ids(b)), (Some(x), Some(y)) if x.len() == 2 && x == y)
}

/// The tasks that could rewrite the caller's memory: its other threads,
/// a `vfork` parent, and the threads of the processes `also`.
fn writers(c: &Caller, also: &[i32]) -> Vec<i32> {
    let mut out: Vec<i32> = threads(c.pid).into_iter().filter(|t| *t != c.tid).collect();
    if c.ppid > 1 && c.ppid != std::process::id() as i32 && shares_memory(c.tid, c.ppid) {
        out.extend(threads(c.ppid));
    }
    for p in also {
        for t in threads(*p) {
            if t != c.tid && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    // Threads that have exited (a zombie leader) cannot write anything.
    out.retain(|t| !is_exited(state(*t)));
    out
}

/// Stops the caller's other threads, a `vfork` parent and the threads of
/// the processes `also()` lists (processes found to share the caller's
/// memory, `clone(CLONE_VM)`; asked again each round). `Err(errno)`: one of them could not be stopped (the
/// call is then refused).
pub fn freeze_also(c: &Caller, also: &dyn Fn() -> Vec<i32>) -> Result<Frozen, i32> {
    let mut frozen = Frozen::default();
    // Partners tell when the exec is over (their memory no longer the
    // caller's): only a process the kernel says shares it counts.
    if c.ppid > 1
        && c.ppid != std::process::id() as i32
        && process_memory(c.tid, c.ppid) == Memory::Same
    {
        frozen.partners.push(c.ppid);
    }
    // A task not yet stopped may start new threads, and a process sharing
    // the memory new such processes: both asked again until the set is
    // stable (bounded: a task that keeps cloning is refused).
    for _ in 0..16 {
        let also = also();
        for p in &also {
            // Only memory sharers tell when the exec has copied its
            // arguments (see `wait_exec`).
            if !frozen.partners.contains(p) && process_memory(c.tid, *p) == Memory::Same {
                frozen.partners.push(*p);
            }
        }
        let fresh: Vec<i32> = writers(c, &also)
            .into_iter()
            .filter(|t| !frozen.tids.contains(t))
            .collect();
        if fresh.is_empty() {
            return Ok(frozen);
        }
        for tid in fresh {
            // As the agent's real user when it runs as another (--user in
            // a container: no CAP_SYS_PTRACE).
            match seize(tid) {
                Ok(()) => frozen.tids.push(tid),
                Err(libc::ESRCH) => continue,
                Err(e) => return Err(e),
            }
            match ptrace(libc::PTRACE_INTERRUPT, tid) {
                Ok(()) | Err(libc::ESRCH) => {}
                Err(e) => return Err(e),
            }
        }
        for &tid in &frozen.tids {
            let start = Instant::now();
            loop {
                match state(tid) {
                    None | Some(b't' | b'Z' | b'X') => break,
                    // A vfork parent waiting for this very exec, a task
                    // waiting for a notified call's answer: it traps before
                    // it runs user code again. Any other sleep in the
                    // kernel may end with a write into the memory (a pipe
                    // read, a page brought in): waited for.
                    Some(b'D') if is_harmless_sleep(tid) => break,
                    Some(_) if start.elapsed() > STOP_WAIT => return Err(libc::EAGAIN),
                    Some(_) => std::thread::sleep(Duration::from_micros(10)),
                }
            }
        }
    }
    Err(libc::EAGAIN)
}

impl Frozen {
    /// Stops one more task (`PTRACE_SEIZE` + `PTRACE_INTERRUPT`): `Ok(true)`
    /// once asked to stop, `Ok(false)` when it is gone, `Err(errno)` when it
    /// cannot be traced. A task stopped so stays stopped whatever signal
    /// comes (a `SIGCONT` ends a stop by `SIGSTOP`, not this one) until it
    /// is let go when this is dropped. Whether it has stopped yet is for
    /// the caller to see (`t` in its state).
    pub fn add(&mut self, tid: i32) -> Result<bool, i32> {
        if self.tids.contains(&tid) {
            return Ok(true);
        }
        match seize(tid) {
            Ok(()) => self.tids.push(tid),
            Err(libc::ESRCH) => return Ok(false),
            Err(e) => return Err(e),
        }
        match ptrace(libc::PTRACE_INTERRUPT, tid) {
            Ok(()) => Ok(true),
            Err(libc::ESRCH) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// True when `tid` is one of the tasks stopped here.
    pub fn has(&self, tid: i32) -> bool {
        self.tids.contains(&tid)
    }

    /// Number of stopped tasks.
    pub fn len(&self) -> usize {
        self.tids.len()
    }

    /// True when nothing had to be stopped.
    pub fn is_empty(&self) -> bool {
        self.tids.is_empty()
    }

    /// Attaches the caller itself without stopping it, so that
    /// [`Frozen::interrupt_watched`] can make it trap when its current call
    /// returns. False when it cannot be attached.
    pub fn watch(&mut self, c: &Caller) -> bool {
        match seize(c.tid) {
            Ok(()) => {
                self.watched = Some(c.tid);
                true
            }
            Err(_) => false,
        }
    }

    /// The watched caller traps (`t`) on its next return to user mode; an
    /// interruptible sleep inside its call ends (the call is restarted).
    pub fn interrupt_watched(&self) {
        if let Some(tid) = self.watched {
            let _ = ptrace(libc::PTRACE_INTERRUPT, tid);
        }
    }

    /// Waits until the caller's exec is over — it is gone, the stopped
    /// threads of its own process were ended by a successful exec, a
    /// partner's memory is no longer the caller's, or the exec syscall has
    /// returned ([`ExecWatch::over`]). Not seen
    /// over within [`EXEC_LIMIT`] (a caller starved of CPU still copying):
    /// its process is killed, as the stopped tasks cannot be let go.
    pub fn wait_exec(&mut self, c: &Caller, before: &ExecWatch) {
        let start = Instant::now();
        let deadline = start + EXEC_LIMIT;
        let own: Vec<i32> = self
            .tids
            .iter()
            .copied()
            .filter(|t| std::path::Path::new(&format!("/proc/{}/task/{t}", c.pid)).exists())
            .collect();
        while Instant::now() < deadline {
            self.reap();
            // The caller's own threads reach their exit when the exec ends
            // them, after it has copied its arguments (or when the whole
            // process dies): let go, or the exec waits for them forever.
            self.tids.retain(|&t| {
                let held_at_exit = own.contains(&t) && at_exit(t);
                if held_at_exit {
                    detach(t);
                }
                !held_at_exit
            });
            let own_gone = !own.is_empty() && own.iter().all(|t| is_exited(state(*t)));
            let caller_gone = is_exited(state(c.tid));
            // A partner, stopped, cannot change its memory: the caller's
            // is new.
            let vm_split = self
                .partners
                .iter()
                .any(|p| process_memory(c.tid, *p) == Memory::Separate);
            if own_gone || caller_gone || vm_split || before.over(c) {
                return;
            }
            // Most execs are over within a millisecond; one held up for
            // long (a lease, a starved CPU) is looked at less often, so
            // that waiting it out costs little CPU.
            let pause = if start.elapsed() < Duration::from_millis(5) {
                Duration::from_micros(100)
            } else {
                Duration::from_millis(2)
            };
            std::thread::sleep(pause);
        }
        // SAFETY: kill with a pid and a signal number.
        unsafe { libc::kill(c.pid, libc::SIGKILL) };
    }

    /// Collects tasks that ended while traced (a successful exec kills the
    /// caller's other threads; they wait for their tracer).
    fn reap(&self) {
        for &tid in self.tids.iter().chain(&self.watched) {
            let mut status = 0;
            // SAFETY: waitpid on one specific task, non-blocking.
            unsafe { libc::waitpid(tid, &mut status, libc::WNOHANG | libc::__WALL) };
        }
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        self.reap();
        // A tracee that is not stopped cannot be detached; this thread's
        // exit detaches it then (a freeze that comes first waits for that:
        // [`seize`]).
        for &tid in self.tids.iter().chain(&self.watched) {
            detach(tid);
        }
    }
}

/// True when `tid` is traced by a thread of this process (a freeze that is
/// ending: its thread detaches it at the latest when it exits).
fn traced_by_us(tid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))
                .and_then(|v| v.trim().parse::<i32>().ok())
        })
        .is_some_and(|t| {
            // SAFETY: gettid has no preconditions.
            let me = unsafe { libc::gettid() };
            // Attached by this very thread (another freeze of the same
            // call) is not a freeze that is ending.
            t > 0 && t != me && std::path::Path::new(&format!("/proc/self/task/{t}")).exists()
        })
}

/// `PTRACE_SEIZE` as the agent's real user; a task still attached to an
/// ending freeze of ours is waited for (bounded); one that has exited (a
/// zombie leader whose other threads live on) is `ESRCH`, like one gone.
fn seize(tid: i32) -> Result<(), i32> {
    let start = Instant::now();
    loop {
        // Held at its exit if it is killed while attached: a task's exit
        // writes its memory (`clear_child_tid`, robust futexes), which a
        // freeze must not let happen before it ends.
        let options = libc::PTRACE_O_TRACEEXIT as usize;
        match super::memory::as_agent_real(|| ptrace_data(libc::PTRACE_SEIZE, tid, options)) {
            Err(libc::EPERM) if is_exited(state(tid)) => {
                return Err(libc::ESRCH);
            }
            Err(libc::EPERM) if start.elapsed() < STOP_WAIT && traced_by_us(tid) => {
                std::thread::sleep(Duration::from_micros(100));
            }
            other => return other,
        }
    }
}
