//! Keeps the agent's CPU awake for the few microseconds one of its threads
//! waits for the supervisor.
//!
//! A checked call is a wait in the kernel for the supervisor's answer. A
//! CPU with nothing else to run halts at once; in a VM whose guest
//! halt-polling is off, waking it for the answer is a trip through the host
//! (30–60 µs, measured on a 2-vCPU VM) where the work itself costs 10–20 µs.
//! [`hold`], called by the audit hook before a call the kernel layer will
//! see, lets a thread of the lowest scheduling class (`SCHED_IDLE`: it gives
//! way at once to any other thread) spin on the caller's CPU for a short
//! window, so the CPU is still running when the answer comes. Measured side
//! by side, a checked `open().close()` went from +70 to +38 µs; the same
//! spinner on the supervisor's side made it slower (both threads were drawn
//! onto one CPU; pinned to the notify thread's CPU, 3 Dec: 61-63 against
//! 46-50 µs/op), so the supervisor has none.
//!
//! It spins only within [`WINDOW`] of the last call, never takes CPU time a
//! thread of normal priority wants, holds no lock (a `fork` meanwhile
//! leaves nothing locked; the child starts its own), and is not started at
//! all when the process may run on one CPU only, nor where the machine's
//! idle loop polls before it halts ([`worth_it`]). It is no trusted state:
//! in the agent it can only make the agent faster or slower.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};

/// How long after a call the CPU is kept awake: a checked call is answered
/// within tens of microseconds; longer waits (a held review, the network)
/// are not worth the spin.
pub const WINDOW: std::time::Duration = std::time::Duration::from_micros(200);

/// Until when (`CLOCK_MONOTONIC`, ns) the spinner spins.
static UNTIL: AtomicU64 = AtomicU64::new(0);
/// The spinner's futex word, bumped to wake it.
static SEQ: AtomicU32 = AtomicU32::new(0);
/// The spinner waits on [`SEQ`] (a [`hold`] must wake it).
static SLEEPING: AtomicBool = AtomicBool::new(false);
/// This process has a spinner (or tried to start one). Reset in a forked
/// child, which has none.
static STARTED: AtomicBool = AtomicBool::new(false);
/// The spinner's thread id (0 until it runs).
static SPINNER: AtomicI32 = AtomicI32::new(0);
/// The CPU of the latest caller, where the spinner pins itself (-1: none yet).
static PINNED: AtomicI32 = AtomicI32::new(-1);

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec we own (vDSO: no syscall).
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
}

/// Set by the child before its filter is in force ([`configure`]).
static CONFIGURED: AtomicBool = AtomicBool::new(false);

/// Turns the spinner on for this process and the processes it forks (the
/// supervisor's choice, [`worth_it`]).
pub fn configure(on: bool) {
    CONFIGURED.store(on, Ordering::Relaxed);
}

/// Where the guest's idle settings are read (also by `irongate doctor`).
pub const HALT_POLL: &str = "/sys/module/haltpoll/parameters/guest_halt_poll_ns";
/// The running cpuidle driver.
pub const IDLE_DRIVER: &str = "/sys/devices/system/cpu/cpuidle/current_driver";

/// The machine's idle settings: the cpuidle driver and the guest's
/// halt-polling window (ns), where they can be read.
pub fn idle_settings() -> (Option<String>, Option<u64>) {
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned());
    let poll_ns = read(HALT_POLL).and_then(|s| s.parse().ok());
    (read(IDLE_DRIVER), poll_ns)
}

/// Whether a spinner pays on a machine with these idle settings: only
/// where an idle vCPU is known to halt at once (guest halt-polling off).
/// Where the idle loop polls first, a waking thread is started by a flag
/// the polling CPU sees, with no interrupt; a spinner in its place makes
/// every wake-up an inter-processor interrupt. Measured side by side on a
/// 2-vCPU VM, a checked `open().close()`: halt-polling off, 92.7 µs/op
/// without the spinner and 48.7 with it; halt-polling at 200 µs, 49.2 with
/// it and 34.8 without. Elsewhere (bare metal, other idle drivers) it was
/// not measured, so it stays off.
pub fn worth_it(poll_ns: Option<u64>) -> bool {
    poll_ns == Some(0)
}

/// Configured on, and more than one CPU to run on: on one, a spinner could
/// only delay the thread it waits for.
fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        if !CONFIGURED.load(Ordering::Relaxed) {
            return false;
        }
        // SAFETY: a zeroed cpu_set_t is valid; sched_getaffinity fills it.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: our own affinity into a set of the size given.
        let rc =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        // SAFETY: CPU_COUNT reads the set.
        rc == 0 && unsafe { libc::CPU_COUNT(&set) } > 1
    })
}

/// The calling thread is about to wait a few microseconds for another CPU
/// (a checked call, an answer that waits for the agent): keeps this CPU
/// running for [`WINDOW`].
pub fn hold() {
    if !enabled() {
        return;
    }
    let window = u64::try_from(WINDOW.as_nanos()).unwrap_or(u64::MAX);
    UNTIL.store(now_ns().saturating_add(window), Ordering::SeqCst);
    if !STARTED.swap(true, Ordering::AcqRel) {
        start();
    }
    // The spinner moves itself there (see `spin`): an affinity change of
    // another thread is a call the supervisor must judge.
    // SAFETY: sched_getcpu has no arguments (vDSO).
    let cpu = unsafe { libc::sched_getcpu() };
    if cpu >= 0 {
        PINNED.store(cpu, Ordering::Release);
    }
    if SLEEPING.load(Ordering::SeqCst) {
        SLEEPING.store(false, Ordering::SeqCst);
        SEQ.fetch_add(1, Ordering::SeqCst);
        // SAFETY: FUTEX_WAKE on our own static word.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                SEQ.as_ptr(),
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                1,
            )
        };
    }
}

fn start() {
    static AT_FORK: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers a handler that only stores to atomics.
    AT_FORK.call_once(|| unsafe {
        libc::pthread_atfork(None, None, Some(forked));
    });
    let spawned = std::thread::Builder::new()
        .name("irongate-awake".into())
        .stack_size(64 * 1024)
        .spawn(spin);
    // Not started (out of threads): this process goes without.
    drop(spawned);
}

/// In a forked child: the spinner stayed behind in the parent.
extern "C" fn forked() {
    STARTED.store(false, Ordering::Relaxed);
    SPINNER.store(0, Ordering::Relaxed);
    PINNED.store(-1, Ordering::Relaxed);
    SLEEPING.store(false, Ordering::Relaxed);
}

/// Pins the calling thread to `cpu`.
fn pin_self(cpu: i32) {
    let Ok(cpu) = usize::try_from(cpu) else {
        return;
    };
    // SAFETY: a zeroed cpu_set_t is empty; CPU_SET stays within it (the
    // kernel's CPU numbers are below CPU_SETSIZE here).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if cpu < 8 * std::mem::size_of::<libc::cpu_set_t>() {
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        }
    }
}

fn spin() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: sets this thread's own scheduling class.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    // SAFETY: gettid has no arguments.
    SPINNER.store(unsafe { libc::gettid() }, Ordering::Release);
    let mut on = -1;
    loop {
        while now_ns() < UNTIL.load(Ordering::Relaxed) {
            // On the CPU of the latest caller.
            let want = PINNED.load(Ordering::Acquire);
            if want != on && want >= 0 {
                pin_self(want);
                on = want;
            }
            std::hint::spin_loop();
        }
        let seen = SEQ.load(Ordering::SeqCst);
        SLEEPING.store(true, Ordering::SeqCst);
        // A hold between the loop's end and here extended the window (it
        // saw SLEEPING false, or it bumped SEQ): spin on.
        if now_ns() < UNTIL.load(Ordering::SeqCst) {
            SLEEPING.store(false, Ordering::SeqCst);
            continue;
        }
        // SAFETY: FUTEX_WAIT on our own static word with the value read.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                SEQ.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                seen,
                std::ptr::null::<libc::timespec>(),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_spins_for_its_window_then_the_spinner_sleeps() {
        configure(true);
        if !enabled() {
            return;
        }
        hold();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while SPINNER.load(Ordering::Acquire) == 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        let tid = SPINNER.load(Ordering::Acquire);
        assert_ne!(tid, 0, "the spinner started");
        let me = std::process::id();
        // The fields after the name: the state first, the policy 38 later.
        let fields = || {
            let stat = std::fs::read_to_string(format!("/proc/{me}/task/{tid}/stat")).unwrap();
            let after = stat[stat.rfind(')').unwrap() + 2..].to_owned();
            after.split(' ').map(str::to_owned).collect::<Vec<_>>()
        };
        let policy = fields()[38].clone();
        assert_eq!(policy, libc::SCHED_IDLE.to_string());
        // After the window it waits on the futex, not on the CPU.
        std::thread::sleep(WINDOW * 20);
        assert!(SLEEPING.load(Ordering::SeqCst));
        assert_eq!(fields()[0], "S");
        // A new hold wakes it.
        hold();
        assert!(!SLEEPING.load(Ordering::SeqCst));
    }

    #[test]
    fn spins_only_where_idle_cpus_halt_at_once() {
        assert!(worth_it(Some(0)));
        assert!(!worth_it(Some(200_000)));
        assert!(!worth_it(None));
    }
}
