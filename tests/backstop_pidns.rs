//! The backstop in a PID namespace (`unshare -p -f --mount-proc`): the
//! supervisor is PID 1 there, as in a container, and every pid it
//! sees — notification pids, /proc entries, the agent's parent — is a
//! namespace pid. Benign agents and bypass agents must have exactly the
//! outcomes their own expectation lines state, as they do outside.

#[path = "backstop_support.rs"]
mod support;

use std::process::Command;

use support::check_agent;

const PREFIX: &[&str] = &["unshare", "-p", "-f", "--mount-proc"];

/// Agents run both ways: benign work, kernel-layer denials of native code
/// and binaries, and signals to the supervisor (PID 1 inside).
const AGENTS: &[&str] = &[
    "benign_stdlib_imports.py",
    "benign_git_status.py",
    "bypass_ctypes_open_shadow.py",
    "bypass_ctypes_system.py",
    "bypass_binary_child_cat.py",
    "bypass_kill_supervisor_ctypes.py",
    "bypass_proc_self_root.py",
    "bypass_hook_removed.py",
];

fn unshare_works() -> bool {
    Command::new(PREFIX[0])
        .args(&PREFIX[1..])
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn check_all(prefix: &[&str]) -> Vec<String> {
    AGENTS
        .iter()
        .flat_map(|a| {
            let problems = check_agent(a, prefix);
            if problems.is_empty() {
                Vec::new()
            } else {
                vec![format!("{a}:\n - {}", problems.join("\n - "))]
            }
        })
        .collect()
}

#[test]
fn same_outcomes_outside_a_pid_namespace() {
    let failures = check_all(&[]);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn same_outcomes_inside_a_pid_namespace() {
    if !unshare_works() {
        eprintln!(
            "SKIPPED: `unshare -p -f --mount-proc` is not permitted here (needs CAP_SYS_ADMIN or user namespaces)"
        );
        return;
    }
    let failures = check_all(PREFIX);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
