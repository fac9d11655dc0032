//! Start-up and exit steps, timed (`IRONGATE_TIMING=1`): each step's time
//! since the supervisor started, on stderr, from the supervisor and from the
//! agent's side before its interpreter runs the script. For measuring
//! (`scripts/bench-startup-steps`), not for users; off by default.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Option<Instant>> = OnceLock::new();

/// Starts the clock if `IRONGATE_TIMING` is set (the supervisor's first
/// step; a forked child inherits the clock).
pub fn start() {
    START.get_or_init(|| std::env::var_os("IRONGATE_TIMING").map(|_| Instant::now()));
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
