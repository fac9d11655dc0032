//! `irongate policy check|eval`.
//!
//! Both print to stdout and return the exit status themselves: 0 on success
//! (whatever the decision), 125 when the policy, the action or the profile is
//! rejected (R-10: irongate's own error), with the message on stderr and, for
//! `--json`, the error as data on stdout.

use std::path::Path;

use serde_json::{Value, json};

use super::{Policy, PolicyError, Profile, Verdict};
use crate::action::Action;

/// Exit status for a rejected policy, action or profile (R-10).
const EXIT_REJECTED: i32 = 125;

/// The word that selects the built-in policy instead of a file.
const BUILTIN: &str = "builtin";

fn load(file: &Path) -> Result<Policy, PolicyError> {
    if file.as_os_str() == BUILTIN {
        // Checked in full here: `policy check builtin` runs its examples.
        Policy::builtin_checked()
    } else {
        Policy::load_file(file)
    }
}

/// `irongate policy check FILE [--json]`: validates the policy, prints
/// `ok: N rules` and any warnings.
///
/// `--json`: `{"ok": bool, "rules": N, "warnings": [{"kind", "rule", "message"}],
/// "error": {"kind", "message", "hint", "file", "rule", "rule_name", "key", …} | null}`.
pub fn check(file: &Path, json: bool) -> anyhow::Result<i32> {
    check_inner(file, json, None)
}

/// `policy check` with the user overlay of remembered approvals in `home`
/// (R-53): listed after the rules (`--json`: an `"overlay"` array).
pub fn check_with_overlay(file: &Path, json: bool, home: Option<&Path>) -> anyhow::Result<i32> {
    let home = crate::home::resolve(home)?;
    check_inner(file, json, Some(&home))
}

fn check_inner(file: &Path, json: bool, home: Option<&Path>) -> anyhow::Result<i32> {
    match load(file) {
        Ok(policy) => {
            let warnings = policy.check_report();
            if json {
                let mut doc = json!({
                    "ok": true,
                    "rules": policy.rule_count(),
                    "warnings": warnings,
                    "error": null,
                });
                if let Some(h) = home {
                    doc["overlay"] = super::overlay::Overlay::load(h)
                        .map(|o| o.to_json())
                        .unwrap_or_else(|e| json!({"error": e.to_string()}));
                }
                print_json(&doc)?;
            } else {
                println!("ok: {} rules", policy.rule_count());
                for w in &warnings {
                    let label = match w.kind {
                        super::WarningKind::LegacyKey => "note",
                        _ => "warning",
                    };
                    println!("{label}: {}", w.message);
                }
                if let Some(h) = home {
                    super::overlay::print_summary(h);
                }
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("irongate: {e}");
            if json {
                print_json(
                    &json!({"ok": false, "rules": 0, "warnings": [], "error": e.to_json()}),
                )?;
            }
            Ok(EXIT_REJECTED)
        }
    }
}

/// `irongate policy eval FILE --action JSON [--profile NAME] [--json]`:
/// decides one action. Prints `decision`, `reason` and `rule` lines, or with
/// `--json` one document `{"decision", "reason", "rule"}`.
pub fn eval(file: &Path, action: &str, profile: &str, json: bool) -> anyhow::Result<i32> {
    let fail = |msg: String, err: Value| -> anyhow::Result<i32> {
        eprintln!("irongate: {msg}");
        if json {
            print_json(&json!({"error": err}))?;
        }
        Ok(EXIT_REJECTED)
    };
    let policy = match load(file) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string(), e.to_json()),
    };
    let profile = match Profile::from_name(profile) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string(), e.to_json()),
    };
    let mut action = match Action::from_json_str(action) {
        Ok(a) => a,
        Err(e) => {
            let hint = r#"pass one JSON object, e.g. --action '{"type": "file", "subtype": "read", "path": "/tmp/x"}'"#;
            return fail(
                format!("--action: {e}\nhint: {hint}"),
                json!({"kind": "invalid_action", "message": format!("--action: {e}"), "hint": hint}),
            );
        }
    };
    action.normalize();
    let verdict = policy.evaluate(&action, &profile);
    if json {
        print_json(&serde_json::to_value(&verdict)?)?;
    } else {
        print!("{}", render(&verdict));
    }
    Ok(0)
}

/// The text form of a verdict: `decision:`, `reason:` and `rule:` lines.
pub fn render(v: &Verdict) -> String {
    let rule = match &v.rule {
        Some(r) => match &r.name {
            Some(n) => format!("#{} {n}", r.index),
            None => format!("#{}", r.index),
        },
        None => "none".to_owned(),
    };
    format!(
        "decision: {}\nreason: {}\nrule: {rule}\n",
        v.decision, v.reason
    )
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}
