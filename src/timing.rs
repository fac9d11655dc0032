//! Start-up and exit steps, timed (`IRONGATE_TIMING=1`): each step's time
//! since the supervisor started, on stderr, from the supervisor and from the
//! agent's side before its interpreter runs the script. For measuring
//! (the benchmarks' breakdowns), not for users; off by default. The notify
//! loop also reports, at its end, the mean time of each phase of handling a
//! notification (where a checked operation's microseconds go);
//! `IRONGATE_TIMING=each` prints each notification's phases too (the
//! start-up's trapped runtime reads, one by one).

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Option<Instant>> = OnceLock::new();
/// `IRONGATE_TIMING=each`: every notification's phases, as it is answered.
static EACH: OnceLock<bool> = OnceLock::new();

/// Starts the clock if `IRONGATE_TIMING` is set (the supervisor's first
/// step; a forked child inherits the clock).
pub fn start() {
    let set = std::env::var_os("IRONGATE_TIMING");
    EACH.get_or_init(|| set.as_deref() == Some(std::ffi::OsStr::new("each")));
    START.get_or_init(|| set.map(|_| Instant::now()));
}

/// Reports `what` as done now, if timing is on.
pub fn step(what: &str) {
    if let Some(Some(t0)) = START.get() {
        eprintln!(
            "irongate: timing: {:8.3} ms  {what} (pid {})",
            t0.elapsed().as_secs_f64() * 1e3,
            std::process::id()
        );
    }
}

/// The phases of one notification in the notify loop, in order.
#[derive(Debug, Clone, Copy)]
#[repr(usize)]
pub enum Phase {
    /// Decoding the call and checking the notification is still valid.
    Decode,
    /// Identifying the caller.
    Identify,
    /// Taking the handles the call needs (its real paths).
    Prepare,
    /// Judging it (note, policy, log).
    Judge,
    /// Doing it on the agent's behalf (the emulated open, a performed call).
    Act,
    /// Answering (for an open: `ADDFD`, which waits for the agent to take
    /// the descriptor, so it includes the agent's wake-up).
    Answer,
}

const PHASES: [&str; 6] = ["decode", "identify", "prepare", "judge", "act", "answer"];

#[derive(Default)]
struct Phases {
    sums_ns: [u64; 6],
    /// The current notification's phases (`IRONGATE_TIMING=each`).
    this_ns: [u64; 6],
    calls: u64,
    last: Option<Instant>,
}

thread_local! {
    static LOOP: std::cell::RefCell<Phases> = std::cell::RefCell::new(Phases::default());
}

fn on() -> bool {
    matches!(START.get(), Some(Some(_)))
}

/// A notification's handling starts now (timing on only).
pub fn phases_begin() {
    if on() {
        LOOP.with(|p| p.borrow_mut().last = Some(Instant::now()));
    }
}

/// `phase` of the current notification ends now.
pub fn phase_done(phase: Phase) {
    if on() {
        LOOP.with(|p| {
            let mut p = p.borrow_mut();
            if let Some(last) = p.last {
                let now = Instant::now();
                let ns = (now - last).as_nanos() as u64;
                p.sums_ns[phase as usize] += ns;
                p.this_ns[phase as usize] += ns;
                p.last = Some(now);
            }
        });
    }
}

/// The current notification is answered.
pub fn phases_end() {
    if on() {
        LOOP.with(|p| {
            let mut p = p.borrow_mut();
            if p.last.take().is_some() {
                p.calls += 1;
                if EACH.get() == Some(&true) {
                    let parts: Vec<String> = PHASES
                        .iter()
                        .zip(p.this_ns)
                        .map(|(name, ns)| format!("{name} {:.1}", ns as f64 / 1e3))
                        .collect();
                    eprintln!(
                        "irongate: timing: notification {}: µs {}",
                        p.calls,
                        parts.join(", ")
                    );
                }
            }
            p.this_ns = [0; 6];
        });
    }
}

/// Reports this thread's phases: the mean time of each per notification.
pub fn phases_report() {
    if !on() {
        return;
    }
    LOOP.with(|p| {
        let p = p.borrow();
        if p.calls == 0 {
            return;
        }
        let per = |ns: u64| ns as f64 / p.calls as f64 / 1e3;
        let parts: Vec<String> = PHASES
            .iter()
            .zip(p.sums_ns)
            .map(|(name, ns)| format!("{name} {:.2}", per(ns)))
            .collect();
        eprintln!(
            "irongate: timing: notify loop: {} notifications, µs each: {}, total {:.2}, \
             thread cpu {:.2} (pid {})",
            p.calls,
            parts.join(", "),
            per(p.sums_ns.iter().sum()),
            per(thread_cpu_ns()),
            std::process::id()
        );
    });
}

/// The CPU time the calling thread has used (user and system), in ns.
fn thread_cpu_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(0, |t| {
        u64::try_from(t.tv_sec()).unwrap_or(0) * 1_000_000_000
            + u64::try_from(t.tv_nsec()).unwrap_or(0)
    })
}

/// Reports the CPU time the calling thread has used, if timing is on (a
/// thread's share of a benchmark's per-operation cost: the audit writer's).
pub fn thread_cpu(what: &str) {
    if on() {
        eprintln!(
            "irongate: timing: thread cpu {what}: {:.3} ms (pid {})",
            thread_cpu_ns() as f64 / 1e6,
            std::process::id()
        );
    }
}

/// Reports the CPU time used so far by this process (all its threads) and
/// by its reaped children, if timing is on.
pub fn cpu(what: &str) {
    if let Some(Some(_)) = START.get() {
        let ms = |who| {
            nix::sys::resource::getrusage(who).map_or(f64::NAN, |u| {
                let t = |tv: nix::sys::time::TimeVal| {
                    tv.tv_sec() as f64 * 1e3 + tv.tv_usec() as f64 / 1e3
                };
                t(u.user_time()) + t(u.system_time())
            })
        };
        eprintln!(
            "irongate: timing: cpu {what}: self {:.3} ms, children {:.3} ms",
            ms(nix::sys::resource::UsageWho::RUSAGE_SELF),
            ms(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        );
    }
}
