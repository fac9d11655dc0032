//! `irongate doctor --json` on this machine: the Landlock line is proven by
//! a probe (a forked child under a ruleset must see the kernel refuse a
//! write, an exec and, from ABI 6, a signal outside its domain), not
//! guessed from the ABI number.

use std::process::Command;

#[test]
fn landlock_is_proven_by_a_probe() {
    let out = Command::new(env!("CARGO_BIN_EXE_irongate"))
        .args(["doctor", "--json"])
        .output()
        .expect("run irongate doctor");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let checks = report["checks"].as_array().expect("checks");
    let landlock = checks
        .iter()
        .find(|c| c["name"] == "Landlock")
        .expect("a Landlock check");
    let detail = landlock["detail"].as_str().unwrap_or_default();
    if detail.starts_with("not available") {
        eprintln!("\n*** LANDLOCK IS NOT AVAILABLE HERE: {detail} ***\n");
        assert_eq!(landlock["status"], "fallback", "{landlock:#}");
        return;
    }
    let abi: i32 = detail
        .strip_prefix("ABI ")
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no ABI in {detail}"));
    assert_ne!(landlock["status"], "fail", "{landlock:#}");
    assert!(
        detail.contains("a probe saw the kernel refuse a write, an exec"),
        "{detail}"
    );
    if abi >= 6 {
        assert_eq!(landlock["status"], "pass", "{landlock:#}");
        assert!(detail.contains("a signal outside the domain"), "{detail}");
        assert!(
            detail.contains(
                "restricts writes, execution, TCP bind, TCP connect, signals and abstract sockets"
            ),
            "{detail}"
        );
    }
}
