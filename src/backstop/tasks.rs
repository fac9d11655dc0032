//! What `/proc` tells of the agent's tasks: a process's threads, a task's
//! state letter, whether a process has ended. A read that fails for any
//! reason but the task being gone answers "unknown", which every caller
//! treats as alive and not stopped: a freeze that cannot see a task is not
//! confirmed, never taken for done.

use std::io::ErrorKind;

/// The state letter of an unreadable or unparsable `stat`: alive, running,
/// as far as anyone can tell.
pub const UNKNOWN: u8 = b'?';

/// The threads of process `pid`; empty when it is gone. Where its task list
/// cannot be read (but the process is not gone), the leader alone: callers
/// then try to stop or compare it, which fails closed.
pub fn threads(pid: i32) -> Vec<i32> {
    match std::fs::read_dir(format!("/proc/{pid}/task")) {
        Ok(d) => d
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(e) if is_gone(&e) => Vec::new(),
        Err(_) => vec![pid],
    }
}

/// The state letter of task `tid` of process `pid` (`t`: stopped by its
/// tracer); `None` only when the task is gone, [`UNKNOWN`] when it cannot
/// be read.
pub fn task_state(pid: i32, tid: i32) -> Option<u8> {
    parse_state(std::fs::read(format!("/proc/{pid}/task/{tid}/stat")))
}

/// [`task_state`] for a task known by its id alone.
pub fn state(tid: i32) -> Option<u8> {
    parse_state(std::fs::read(format!("/proc/{tid}/stat")))
}

/// The letter says the task has exited (`None`: it is gone).
pub fn is_exited(state: Option<u8>) -> bool {
    matches!(state, None | Some(b'Z' | b'X' | b'x'))
}

/// Every task of the process has exited (a zombie leader whose other
/// threads still run is alive: those threads keep its memory and run).
pub fn is_dead(pid: i32) -> bool {
    threads(pid)
        .into_iter()
        .all(|t| is_exited(task_state(pid, t)))
}

/// Where process `pid`'s memory has its code and its stack
/// (`startcode`, `endcode`, `startstack` of `/proc/<pid>/stat`): a property
/// of the memory itself, which only an exec replaces (`PR_SET_MM`, whose
/// `PR_SET_MM_MAP` needs no capability, is refused to the agent by the
/// filter), new with each exec under address randomisation.
/// `None` when unreadable (the kernel shows zeros without ptrace access).
pub fn memory_layout(pid: i32) -> Option<[u64; 3]> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&[u8]> = after_name(&stat)?.split(|b| *b == b' ').collect();
    let field =
        |i: usize| -> Option<u64> { std::str::from_utf8(fields.get(i)?).ok()?.parse().ok() };
    let layout = [field(23)?, field(24)?, field(25)?];
    (layout != [0, 0, 0]).then_some(layout)
}

/// The voluntary context switches of task `tid` of process `pid` (`None`
/// when unreadable).
pub fn voluntary_switches(pid: i32, tid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Where task `tid` of process `pid` is, by `/proc/<pid>/task/<tid>/syscall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InCall {
    /// Blocked in this syscall.
    Blocked(i64),
    /// Blocked or stopped outside any syscall (a signal stop in its own
    /// code).
    Outside,
    /// Running (in its own code or in the kernel: the file cannot tell).
    Running,
    /// Unreadable (no ptrace access) or gone.
    Unknown,
}

/// See [`InCall`].
pub fn in_call(pid: i32, tid: i32) -> InCall {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")) else {
        return InCall::Unknown;
    };
    parse_in_call(&text)
}

fn parse_in_call(text: &str) -> InCall {
    match text.split_whitespace().next() {
        Some("running") => InCall::Running,
        Some("-1") => InCall::Outside,
        Some(n) => n.parse().map_or(InCall::Unknown, InCall::Blocked),
        None => InCall::Unknown,
    }
}

fn after_name(stat: &[u8]) -> Option<&[u8]> {
    let close = stat.iter().rposition(|b| *b == b')')?;
    stat.get(close + 2..)
}

fn is_gone(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::NotFound || e.raw_os_error() == Some(libc::ESRCH)
}

fn parse_state(read: std::io::Result<Vec<u8>>) -> Option<u8> {
    let stat = match read {
        Ok(s) => s,
        Err(e) if is_gone(&e) => return None,
        Err(_) => return Some(UNKNOWN),
    };
    // The name in parentheses may hold any byte: the state follows the
    // last `)`.
    let letter = after_name(&stat).and_then(|rest| rest.first().copied());
    Some(letter.unwrap_or(UNKNOWN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_follows_the_last_parenthesis() {
        let s = b"12 (a) b) S 1 12".to_vec();
        assert_eq!(parse_state(Ok(s)), Some(b'S'));
    }

    #[test]
    fn unreadable_is_unknown_and_gone_is_none() {
        let denied = std::io::Error::from_raw_os_error(libc::EACCES);
        assert_eq!(parse_state(Err(denied)), Some(UNKNOWN));
        let gone = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(parse_state(Err(gone)), None);
        let srch = std::io::Error::from_raw_os_error(libc::ESRCH);
        assert_eq!(parse_state(Err(srch)), None);
        assert_eq!(parse_state(Ok(b"12 (a".to_vec())), Some(UNKNOWN));
    }

    #[test]
    fn unknown_is_not_exited() {
        assert!(!is_exited(Some(UNKNOWN)));
        assert!(is_exited(None));
        assert!(is_exited(Some(b'Z')));
    }

    #[test]
    fn where_a_task_is() {
        assert_eq!(parse_in_call("running\n"), InCall::Running);
        assert_eq!(parse_in_call("-1 0x7ffd 0x7f00\n"), InCall::Outside);
        assert_eq!(
            parse_in_call("59 0x1 0x2 0x3 0x0 0x0 0x0 0x7ffd 0x7f00\n"),
            InCall::Blocked(59)
        );
        assert_eq!(parse_in_call(""), InCall::Unknown);
    }

    #[test]
    fn layout_and_switches_are_read() {
        let me = std::process::id() as i32;
        // SAFETY: gettid has no arguments and cannot fail.
        let tid = unsafe { libc::gettid() };
        assert!(memory_layout(me).is_some());
        assert!(voluntary_switches(me, tid).is_some());
        // Reading its own file, the thread is in that very read.
        assert_eq!(in_call(me, tid), InCall::Blocked(libc::SYS_read));
    }

    #[test]
    fn this_process_is_alive_and_listed() {
        let me = std::process::id() as i32;
        assert!(threads(me).contains(&me));
        assert!(!is_dead(me));
        // SAFETY: gettid has no arguments and cannot fail.
        let tid = unsafe { libc::gettid() };
        assert_eq!(task_state(me, tid), Some(b'R'));
        assert_eq!(state(tid), Some(b'R'));
    }
}
