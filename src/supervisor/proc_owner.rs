//! Whose `/proc/<pid>` entry a file action reaches: the `proc_owner` field
//! the policy can name (R-80: another process's environment, memory,
//! command line and descriptors are sensitive; the agent's own entry is
//! read all the time by CPython, the C library and common libraries).
//!
//! The answer is the supervisor's, never the agent's: the pid comes from the
//! path the supervisor resolved (and from the agent's spelling, because a
//! walk through `/proc/<pid>/cwd`, `root` or `fd/N` leaves that entry's
//! number only there), the caller is the process the kernel says made the
//! call, and kinship is read from the kernel's process table. A value the
//! agent put in an action is dropped first. Anything that cannot be read
//! (the process is gone, its status unreadable) counts as another process.

use crate::action::{Action, Field};

use super::procfs::{parent_of, thread_group};

/// How far up the parent chain a descendant is looked for.
const MAX_DEPTH: usize = 64;

/// Whose `/proc` entry a path is in, by increasing sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProcOwner {
    /// The caller's own process (any of its threads).
    Own,
    /// A process the caller started (directly or further down).
    Descendant,
    /// Anything else: the supervisor, a parent, a sibling, another user's.
    Other,
}

impl ProcOwner {
    /// The field's value, as policies name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcOwner::Own => "self",
            ProcOwner::Descendant => "descendant",
            ProcOwner::Other => "other",
        }
    }
}

/// The number in `/proc/<n>` or `/proc/<n>/…`, if `path` is there.
pub fn proc_id(path: &str) -> Option<i32> {
    let rest = path.strip_prefix("/proc/")?;
    let id = rest.split('/').next()?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().filter(|n| *n > 0)
}

/// Whose entry `/proc/<n>` is, seen from process `caller` (a thread id
/// works in `/proc` although it is not listed: it counts as its process).
pub fn classify(caller: i32, n: i32) -> ProcOwner {
    if n == caller {
        return ProcOwner::Own;
    }
    let Some(process) = thread_group(n) else {
        return ProcOwner::Other;
    };
    if process == caller {
        return ProcOwner::Own;
    }
    let mut cur = process;
    for _ in 0..MAX_DEPTH {
        match parent_of(cur) {
            Some(p) if p == caller => return ProcOwner::Descendant,
            Some(p) if p > 1 => cur = p,
            _ => return ProcOwner::Other,
        }
    }
    ProcOwner::Other
}

/// The agent's spelling with `/proc/self`, `/proc/thread-self` and the
/// links into them read as the caller's entry (what the kernel does for it).
fn spelled_id(raw: &str, caller: i32) -> Option<i32> {
    if crate::pathname::proc_self_as(raw.as_bytes(), caller, 0).is_some() {
        return Some(caller);
    }
    proc_id(raw)
}

/// Sets `proc_owner` on a file action whose path (as resolved) or spelling
/// goes through a `/proc/<pid>` entry, to the most sensitive owner found;
/// removes any value the action brought along.
///
/// An action without `/proc` in it is left untouched (and keeps its
/// normalised state: this runs on every decision).
pub fn annotate(action: &mut Action, caller: i32) {
    let normalized = action.is_normalized();
    let mut changed = action.get(Field::ProcOwner).is_some();
    if changed {
        action.remove(Field::ProcOwner);
    }
    if action.type_text() == "file" {
        let resolved = action.text(Field::Path).and_then(proc_id);
        let spelled = action
            .text(Field::Requested)
            .and_then(|raw| spelled_id(raw, caller));
        let owner = [resolved, spelled]
            .into_iter()
            .flatten()
            .map(|n| classify(caller, n))
            .max();
        if let Some(owner) = owner {
            action.set(Field::ProcOwner, owner.as_str());
            changed = true;
        }
    }
    // The field plays no part in normalisation: an action that was
    // normalised stays so.
    if changed && normalized {
        action.normalize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{FileOp, NetOp};

    fn me() -> i32 {
        std::process::id() as i32
    }

    #[test]
    fn only_numbered_entries_count() {
        assert_eq!(proc_id("/proc/42/environ"), Some(42));
        assert_eq!(proc_id("/proc/42"), Some(42));
        assert_eq!(proc_id("/proc/42/task/43/mem"), Some(42));
        assert_eq!(proc_id("/proc/self/environ"), None);
        assert_eq!(proc_id("/proc/cpuinfo"), None);
        assert_eq!(proc_id("/proc/4x2/environ"), None);
        assert_eq!(proc_id("/proc/0/environ"), None);
        assert_eq!(proc_id("/proc"), None);
        assert_eq!(proc_id("/home/proc/42"), None);
    }

    #[test]
    fn own_threads_children_and_others() {
        assert_eq!(classify(me(), me()), ProcOwner::Own);
        // A thread of this process, by its thread id.
        let (tx, rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            tx.send(unsafe { libc::gettid() }).expect("send");
            let _ = done_rx.recv();
        });
        let tid = rx.recv().expect("tid");
        assert_eq!(classify(me(), tid), ProcOwner::Own);
        done_tx.send(()).expect("done");
        t.join().expect("join");
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let pid = child.id() as i32;
        assert_eq!(classify(me(), pid), ProcOwner::Descendant);
        // Seen from the child, this process is another one.
        assert_eq!(classify(pid, me()), ProcOwner::Other);
        let _ = child.kill();
        let _ = child.wait();
        // Gone: another process (fail closed).
        assert_eq!(classify(me(), pid), ProcOwner::Other);
        assert_eq!(classify(me(), 1), ProcOwner::Other);
    }

    #[test]
    fn annotation_is_the_supervisors_and_the_most_sensitive_wins() {
        let me = me();
        let mut a = Action::file(FileOp::Read)
            .with(Field::Path, format!("/proc/{me}/environ"))
            .with(Field::ProcOwner, "other");
        annotate(&mut a, me);
        assert_eq!(a.text(Field::ProcOwner), Some("self"));
        // The agent claims "self" for pid 1's entry: recomputed.
        let mut a = Action::file(FileOp::Read)
            .with(Field::Path, "/proc/1/environ")
            .with(Field::ProcOwner, "self");
        annotate(&mut a, me);
        assert_eq!(a.text(Field::ProcOwner), Some("other"));
        // A walk through another process's cwd lands outside /proc: the
        // spelling still names that process.
        let mut a = Action::file(FileOp::Read)
            .with(Field::Path, "/root/notes.txt")
            .with(Field::Requested, "/proc/1/cwd/notes.txt");
        annotate(&mut a, me);
        assert_eq!(a.text(Field::ProcOwner), Some("other"));
        let mut a = Action::file(FileOp::Read)
            .with(Field::Path, format!("/proc/{me}/status"))
            .with(Field::Requested, "/proc/self/status");
        annotate(&mut a, me);
        assert_eq!(a.text(Field::ProcOwner), Some("self"));
        // Not /proc/<pid>: no field, and a forged one is gone.
        let mut a = Action::file(FileOp::Read)
            .with(Field::Path, "/proc/cpuinfo")
            .with(Field::ProcOwner, "self");
        annotate(&mut a, me);
        assert_eq!(a.get(Field::ProcOwner), None);
        let mut n = Action::network(NetOp::Connect).with(Field::ProcOwner, "self");
        annotate(&mut n, me);
        assert_eq!(n.get(Field::ProcOwner), None);
        // Nothing to do: the action keeps its normalised state.
        let mut plain = Action::file(FileOp::Read).with(Field::Path, "/home/u/a");
        plain.normalize();
        annotate(&mut plain, me);
        assert!(plain.is_normalized());
        let mut own = Action::file(FileOp::Read).with(Field::Path, format!("/proc/{me}/maps"));
        own.normalize();
        annotate(&mut own, me);
        assert!(own.is_normalized());
        assert_eq!(own.text(Field::ProcOwner), Some("self"));
    }
}
