//! The few facts the supervisor reads about agent processes from `/proc`.
//! Every value here comes from the kernel, not from the agent.

/// The fields of `/proc/<pid>/stat` after the command name (which may hold
/// spaces and parentheses, hence the split after the last `)`): index 0 is
/// the state, 1 the parent pid, 2 the process group.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// The parent of `pid`.
pub fn parent_of(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// When `pid` started, in clock ticks since boot: with the pid, it names
/// one process (a pid is reused; a pid and its start time are not).
pub fn start_time(pid: i32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

/// The process group of `pid`.
pub fn process_group(pid: i32) -> Option<i32> {
    stat_fields(pid)?.get(2)?.parse().ok()
}

/// The process (thread group) a thread id belongs to.
pub fn thread_group(tid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:").and_then(|v| v.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_names_one_process() {
        let me = std::process::id() as i32;
        let mine = start_time(me).expect("own start time");
        assert_eq!(start_time(me), Some(mine));
        // A process started later has a later (or, within a tick, the same)
        // start time; a pid that does not exist has none.
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let theirs = start_time(child.id() as i32).expect("child start time");
        assert!(theirs >= mine);
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(start_time(child.id() as i32), None);
        assert_eq!(start_time(i32::MAX), None);
    }
}
