//! Whether the supervisor of a run is still alive.
//!
//! A run row is `running` until its supervisor records the end. A supervisor
//! killed outright (SIGKILL, OOM killer) records nothing, so every later
//! `irongate run`, `runs` and `verify` looks at the supervisor each
//! `running` row names and marks the run `supervisor_lost` when it is gone
//! ([`Store::mark_lost_runs`](super::Store::mark_lost_runs)).
//!
//! A pid alone does not identify a process: pids are reused. The row keeps
//! the supervisor's start time (`/proc/<pid>/stat` field 22, clock ticks
//! since boot) and the boot id (`/proc/sys/kernel/random/boot_id`), which
//! together name one process for good, and its pid namespace: a supervisor
//! in another namespace (a container sharing the home) is left alone. Rows written before these columns
//! existed are judged by the wall-clock start of the process holding the pid:
//! a process started after the run began cannot be its supervisor.

/// What identifies a process across pid reuse and reboots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIdentity {
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot_id: String,
    /// The pid namespace its pid is a number in (`/proc/<pid>/ns/pid`, e.g.
    /// `pid:[4026531836]`): a supervisor in another namespace (a container
    /// sharing the home) cannot be looked up by pid from here.
    pub pid_ns: Option<String>,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
    pub start_ticks: u64,
}

/// What the stored identity of a supervisor says about it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// It still runs.
    Alive,
    /// It is gone (or its pid now belongs to another process).
    Gone,
    /// Cannot be told (`/proc` unreadable): leave the run as it is.
    Unknown,
}

/// The current boot's id.
pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// State and start time of `pid`, from `/proc/<pid>/stat`: `None` when
/// there is no such process. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`: field 3 (state)
/// is index 0 there, field 22 (starttime) index 19.
fn stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

fn pid_ns(pid: &str) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid"))
        .ok()
        .map(|l| l.to_string_lossy().into_owned())
}

/// The identity of a live process.
pub fn identity_of(pid: u32) -> Option<ProcessIdentity> {
    let (_, start_ticks) = stat(pid)?;
    Some(ProcessIdentity {
        boot_id: boot_id()?,
        pid_ns: pid_ns(&pid.to_string()),
        start_ticks,
    })
}

/// Judges a supervisor from what its run row recorded: its pid, its
/// identity (absent in rows older than schema version 2) and when the run
/// started (Unix seconds).
pub fn supervisor(pid: u32, identity: Option<&ProcessIdentity>, run_started: f64) -> Liveness {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return Liveness::Unknown;
    }
    // Another boot: whatever holds that pid now is not the supervisor.
    if let (Some(id), Some(boot)) = (identity, boot_id())
        && id.boot_id != boot
    {
        return Liveness::Gone;
    }
    if let Some(ns) = identity.and_then(|id| id.pid_ns.as_deref())
        && pid_ns("self").as_deref() != Some(ns)
    {
        return Liveness::Unknown;
    }
    let Some((state, start_ticks)) = stat(pid) else {
        return Liveness::Gone;
    };
    // A zombie has finished running; only its parent's wait is missing.
    if matches!(state, 'Z' | 'X' | 'x') {
        return Liveness::Gone;
    }
    match identity {
        Some(id) => match boot_id() {
            Some(boot) if boot != id.boot_id => Liveness::Gone,
            Some(_) if start_ticks != id.start_ticks => Liveness::Gone,
            Some(_) => Liveness::Alive,
            None => Liveness::Unknown,
        },
        None => match wall_clock_start(start_ticks) {
            // One second of slack for the tick and float rounding.
            Some(t) if t > run_started + 1.0 => Liveness::Gone,
            Some(_) => Liveness::Alive,
            None => Liveness::Unknown,
        },
    }
}

/// Unix time at which a process started `ticks` clock ticks after boot.
fn wall_clock_start(ticks: u64) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let btime: f64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // SAFETY: sysconf reads a constant of the C library; no memory is passed.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    Some(btime + ticks as f64 / hz as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_changed_start_is_not() {
        let me = std::process::id();
        let id = identity_of(me).expect("identity of this process");
        assert_eq!(supervisor(me, Some(&id), 0.0), Liveness::Alive);
        let other_start = ProcessIdentity {
            start_ticks: id.start_ticks + 1,
            ..id.clone()
        };
        assert_eq!(supervisor(me, Some(&other_start), 0.0), Liveness::Gone);
        let other_boot = ProcessIdentity {
            boot_id: "another boot".into(),
            ..id.clone()
        };
        assert_eq!(supervisor(me, Some(&other_boot), 0.0), Liveness::Gone);
        // Another pid namespace: cannot be told from here.
        let other_ns = ProcessIdentity {
            pid_ns: Some("pid:[1]".into()),
            ..id
        };
        assert_eq!(supervisor(me, Some(&other_ns), 0.0), Liveness::Unknown);
    }

    #[test]
    fn legacy_rows_use_the_wall_clock() {
        let me = std::process::id();
        let now = super::super::now();
        // The run began after this process started: it may be its supervisor.
        assert_eq!(supervisor(me, None, now), Liveness::Alive);
        // The run began long before this process started: the pid was reused.
        assert_eq!(supervisor(me, None, 1_000.0), Liveness::Gone);
    }

    #[test]
    fn a_missing_process_is_gone() {
        // Above the largest pid_max the kernel allows (2^22).
        assert_eq!(supervisor(u32::MAX - 1, None, 0.0), Liveness::Gone);
    }
}
