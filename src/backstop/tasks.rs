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
    let letter = stat
        .iter()
        .rposition(|b| *b == b')')
        .and_then(|close| stat.get(close + 2).copied());
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
