//! `irongate policy suggest RUN|last [--from-profile P] -o FILE`:
//! learn mode. Writes the narrowest policy that allows what the run did and
//! was allowed or approved, and blocks everything else.
//!
//! - Files: one rule per subtype with the exact paths as a `path_glob`
//!   list. Paths of one directory are collapsed into `DIR/*` only when at
//!   least [`GLOB_MIN`] distinct files there were used the same way and the
//!   run had nothing blocked or denied in that directory. A path holding
//!   glob characters gets an exact `path` rule of its own. Renames and
//!   links get exact rules (both paths).
//! - Network: one rule per host (or UNIX socket path).
//! - Processes: one rule per executable with the argv prefixes seen (the
//!   program and its first argument), as an anchored `cmd_pattern`.
//! - Tools: one rule per tool name; credentials: one per name or path.
//! - Then a terminal `block`.
//!
//! Every rule carries up to three of the recorded actions that justify it
//! as `examples.match`, so loading the policy proves each rule still
//! matches its evidence. Before writing, every learned action is evaluated
//! under the new policy and the profile (`--from-profile`, default the
//! run's): one that would not be allowed gets an exact rule; one the
//! profile's capabilities forbid is reported (a policy cannot grant a
//! capability; run with a profile that has it).
//!
//! Not learned: IronGate's own boundaries and runtime reads (decided
//! without the policy), tamper tripwires (allowed without a rule), review
//! and system events, and anything blocked or denied.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

use super::{Recheck, recheck, resolve_run, verify_run};
use crate::action::{Action, push_shell_quoted};
use crate::audit::cmd::{printable, with_hint};
use crate::audit::{Decision as LogDecision, EventFilter, EventRecord, RunRecord, Store};
use crate::exit::Failure;
use crate::policy::{Decision, Policy, Profile};

/// Distinct files of one directory, used the same way, that justify `DIR/*`.
pub const GLOB_MIN: usize = 5;

/// Examples kept per rule.
const EXAMPLES: usize = 3;

/// What the run did, sorted out.
#[derive(Default)]
struct Evidence {
    /// Allowed or approved actions, in chain order.
    allowed: Vec<Value>,
    /// Paths (and their directories) of blocked or denied file actions.
    denied_dirs: BTreeSet<String>,
}

/// The learned policy.
#[derive(Debug)]
pub struct Learned {
    /// The policy document.
    pub policy: Value,
    /// Actions learned from.
    pub actions: usize,
    /// Capabilities the profile lacks for some learned action.
    pub needs: BTreeSet<String>,
}

fn text<'a>(a: &'a Value, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) => "/",
        Some(i) => &p[..i],
        None => "",
    }
}

fn has_glob_meta(p: &str) -> bool {
    p.starts_with('~') || p.contains(['*', '?', '[', ']', '{', '}'])
}

fn collect(store: &Store, run: &RunRecord) -> anyhow::Result<Evidence> {
    let run_profile = Profile::from_name(&run.profile).unwrap_or_else(|_| Profile::sandboxed());
    // Only the classification of recheck is used (Fixed or not); the
    // builtin policy is a placeholder that is never consulted for it.
    let placeholder = Policy::builtin();
    let mut ev_out = Evidence::default();
    store
        .each_event(
            &EventFilter {
                run_id: Some(run.id),
                ..EventFilter::default()
            },
            |ev: EventRecord| {
                if matches!(
                    recheck(&ev, &placeholder, &run_profile, &run_profile),
                    Recheck::Fixed
                ) || text(&ev.action, "type") == Some("tamper")
                {
                    return ControlFlow::Continue(());
                }
                let allowed = match ev.decision {
                    LogDecision::Allow => true,
                    LogDecision::Review => ev
                        .review
                        .as_ref()
                        .is_some_and(|v| v.decision == LogDecision::Allow && !v.timeout),
                    LogDecision::Block => false,
                };
                if allowed {
                    ev_out.allowed.push(ev.action);
                } else if text(&ev.action, "type") == Some("file")
                    && let Some(p) = text(&ev.action, "path")
                {
                    ev_out.denied_dirs.insert(parent(p).to_owned());
                }
                ControlFlow::Continue(())
            },
        )
        .map_err(with_hint)?;
    Ok(ev_out)
}

fn examples(actions: &[&Value]) -> Value {
    json!({"match": actions.iter().take(EXAMPLES).collect::<Vec<_>>()})
}

/// An exact rule for one action: its type, subtype and identifying fields.
fn exact_rule(a: &Value, name: String, run_id: i64) -> Value {
    let mut r = serde_json::Map::new();
    for k in [
        "type",
        "subtype",
        "path",
        "target",
        "host",
        "port",
        "cmd",
        "tool_name",
        "name",
        "url",
    ] {
        if let Some(v) = a.get(k).filter(|v| !v.is_null()) {
            r.insert(k.to_owned(), v.clone());
        }
    }
    r.insert("name".into(), name.into());
    r.insert("decision".into(), "allow".into());
    r.insert("reason".into(), format!("learned from run {run_id}").into());
    r.insert("examples".into(), examples(&[a]));
    Value::Object(r)
}

fn rule(preds: Value, name: &str, n: usize, run_id: i64, ex: &[&Value]) -> Value {
    let mut r = preds;
    r["name"] = name.into();
    r["decision"] = "allow".into();
    r["reason"] = format!("learned from run {run_id}: {n} action(s)").into();
    r["examples"] = examples(ex);
    r
}

/// The program and its first argument, shell-quoted as `cmd` spells them.
fn argv_prefix(a: &Value) -> Option<String> {
    let argv: Vec<&str> = a
        .get("argv")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut out = String::new();
    for (i, w) in argv.iter().take(2).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_shell_quoted(&mut out, w);
    }
    let cmd = text(a, "cmd")?;
    (!out.is_empty() && cmd.starts_with(&out)).then_some(out)
}

/// The rules learned from `ev`, before the self-check.
fn draft(ev: &Evidence, run_id: i64) -> Vec<Value> {
    let mut rules = Vec::new();
    let mut exact: Vec<&Value> = Vec::new();
    // Files, by subtype.
    let mut files: BTreeMap<&str, BTreeMap<&str, Vec<&Value>>> = BTreeMap::new();
    let mut hosts: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    let mut procs: BTreeMap<Option<&str>, BTreeMap<String, Vec<&Value>>> = BTreeMap::new();
    let mut tools: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    let mut creds: BTreeMap<(&str, &str), Vec<&Value>> = BTreeMap::new();
    for a in &ev.allowed {
        match (text(a, "type"), text(a, "subtype")) {
            (Some("file"), Some(sub)) => match text(a, "path") {
                Some(p) if a.get("target").is_none_or(Value::is_null) && !has_glob_meta(p) => {
                    files.entry(sub).or_default().entry(p).or_default().push(a)
                }
                _ => exact.push(a),
            },
            (Some("network"), _) => match text(a, "host").or(text(a, "path")) {
                Some(h) => hosts.entry(h.to_owned()).or_default().push(a),
                None => exact.push(a),
            },
            (Some("process"), _) => match argv_prefix(a) {
                Some(p) => procs
                    .entry(text(a, "executable"))
                    .or_default()
                    .entry(p)
                    .or_default()
                    .push(a),
                None => exact.push(a),
            },
            (Some("tool"), _) => match text(a, "tool_name") {
                Some(t) => tools.entry(t).or_default().push(a),
                None => exact.push(a),
            },
            (Some("credential"), _) => match (text(a, "name"), text(a, "path")) {
                (Some(n), _) => creds.entry(("name", n)).or_default().push(a),
                (None, Some(p)) => creds.entry(("path", p)).or_default().push(a),
                _ => exact.push(a),
            },
            _ => exact.push(a),
        }
    }
    for (sub, paths) in &files {
        // Directories with enough siblings, and nothing refused in them.
        let mut per_dir: BTreeMap<&str, usize> = BTreeMap::new();
        for p in paths.keys() {
            *per_dir.entry(parent(p)).or_default() += 1;
        }
        let mut globs: BTreeSet<String> = BTreeSet::new();
        let mut ex: Vec<&Value> = Vec::new();
        let mut n = 0;
        for (p, acts) in paths {
            let dir = parent(p);
            let collapse = per_dir[dir] >= GLOB_MIN
                && !ev.denied_dirs.contains(dir)
                && !has_glob_meta(dir)
                && dir != "/";
            globs.insert(if collapse {
                format!("{dir}/*")
            } else {
                (*p).to_owned()
            });
            ex.push(acts[0]);
            n += acts.len();
        }
        let globs: Vec<String> = globs.into_iter().collect();
        rules.push(rule(
            json!({"type": "file", "subtype": sub, "path_glob": globs}),
            &format!("learned-file-{sub}"),
            n,
            run_id,
            &ex,
        ));
    }
    for (i, (host, acts)) in hosts.iter().enumerate() {
        let field = if acts[0].get("host").is_some() {
            "host"
        } else {
            "path"
        };
        rules.push(rule(
            json!({"type": "network", field: host}),
            &format!("learned-network-{}", i + 1),
            acts.len(),
            run_id,
            acts,
        ));
    }
    for (i, (exe, prefixes)) in procs.iter().enumerate() {
        let alts: Vec<String> = prefixes.keys().map(|p| regex::escape(p)).collect();
        let mut preds =
            json!({"type": "process", "cmd_pattern": format!("^(?:{})(?: |$)", alts.join("|"))});
        if let Some(exe) = exe {
            preds["executable"] = (*exe).into();
        }
        let acts: Vec<&Value> = prefixes.values().map(|v| v[0]).collect();
        let n = prefixes.values().map(Vec::len).sum();
        rules.push(rule(
            preds,
            &format!("learned-process-{}", i + 1),
            n,
            run_id,
            &acts,
        ));
    }
    for (tool, acts) in &tools {
        rules.push(rule(
            json!({"type": "tool", "tool_name": tool}),
            &format!("learned-tool-{tool}"),
            acts.len(),
            run_id,
            acts,
        ));
    }
    for (i, ((field, v), acts)) in creds.iter().enumerate() {
        rules.push(rule(
            json!({"type": "credential", *field: v}),
            &format!("learned-credential-{}", i + 1),
            acts.len(),
            run_id,
            acts,
        ));
    }
    let mut seen = BTreeSet::new();
    for a in exact {
        if seen.insert(a.to_string()) {
            let n = rules.len() + 1;
            rules.push(exact_rule(a, format!("learned-exact-{n}"), run_id));
        }
    }
    rules
}

fn document(rules: &[Value], run_id: i64) -> Value {
    let mut all = rules.to_vec();
    all.push(json!({
        "name": "default-deny",
        "decision": "block",
        "reason": format!("not allowed in run {run_id} (learned policy)"),
    }));
    json!({"version": 1, "rules": all})
}

/// Learns the policy of a run for `profile`.
pub fn learn(store: &Store, run: &RunRecord, profile: &Profile) -> anyhow::Result<Learned> {
    let ev = collect(store, run)?;
    let mut rules = draft(&ev, run.id);
    let mut needs = BTreeSet::new();
    // The self-check: every learned action must come out allowed.
    for round in 0..2 {
        let doc = document(&rules, run.id);
        let policy = Policy::from_json_str(&doc.to_string(), "learned")
            .map_err(|e| anyhow::anyhow!("the learned policy does not load (a bug): {e}"))?;
        let mut added = false;
        let mut seen = BTreeSet::new();
        for a in &ev.allowed {
            let Ok(mut action) = Action::from_json(a) else {
                continue;
            };
            action.normalize();
            let v = policy.evaluate(&action, profile);
            if v.decision == Decision::Allow {
                continue;
            }
            if let Some(cap) = v.reason.split("missing_capability:").nth(1) {
                needs.insert(cap.to_owned());
            } else if round == 0 && seen.insert(a.to_string()) {
                let n = rules.len() + 1;
                rules.push(exact_rule(a, format!("learned-exact-{n}"), run.id));
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    Ok(Learned {
        policy: document(&rules, run.id),
        actions: ev.allowed.len(),
        needs,
    })
}

/// `irongate policy suggest`.
pub fn cmd(
    run_sel: &str,
    from_profile: Option<&str>,
    output: &Path,
    home: Option<&Path>,
) -> anyhow::Result<i32> {
    let home = crate::home::resolve(home)?;
    let Some(store) = Store::open_readonly(&home).map_err(with_hint)? else {
        return Err(Failure::setup(format!(
            "there is no audit log in {}\nhint: `irongate run agent.py` first, or pass --home",
            home.display()
        ))
        .into());
    };
    let run = resolve_run(&store, run_sel)?;
    let v = verify_run(&store, run.id, None).map_err(with_hint)?;
    if let Some(t) = &v.problem {
        eprintln!(
            "irongate: run {} fails verification: event {} ({}): {}\nhint: a policy is not learned from a tampered log; run `irongate verify`",
            run.id,
            t.id,
            t.kind,
            printable(&t.detail)
        );
        return Ok(super::EXIT_UNVERIFIED);
    }
    let profile_name = from_profile.unwrap_or(&run.profile);
    let profile = Profile::from_name(profile_name).map_err(|e| Failure::setup(e.to_string()))?;
    let learned = learn(&store, &run, &profile)?;
    let text = serde_json::to_string_pretty(&learned.policy)? + "\n";
    std::fs::write(output, &text).with_context(|| format!("cannot write {}", output.display()))?;
    let rules = learned.policy["rules"].as_array().map_or(0, Vec::len);
    println!(
        "wrote {}: {rules} rules learned from {} allowed or approved actions of run {} (profile {})",
        output.display(),
        learned.actions,
        run.id,
        profile.name()
    );
    for cap in &learned.needs {
        println!(
            "note: some of these actions need the capability {cap}, which profile {} lacks: run with a profile that grants it",
            profile.name()
        );
    }
    println!(
        "check it: irongate policy check {0}\nreplay the run with it: irongate replay {1} --policy {0}",
        output.display(),
        run.id
    );
    Ok(0)
}
