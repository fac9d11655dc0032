//! From policy text to compiled rules, rejecting anything that could mean
//! something other than it says (SPEC R-31): unknown keys and fields (with a
//! "did you mean"), bad values, regexes the engine cannot run as written,
//! a missing terminal `block`, `priority`, and examples the rule does not
//! decide as declared.

use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::error::{PolicyError, RuleError, RuleFault};
use super::predicate::{
    Contains, Lazy, Pred, Test, build_glob_regex, build_rule_regex, glob_pattern,
};
use super::profile::CATALOGUE;
use super::shadow::{Warning, WarningKind};
use super::suggest::closest;
use super::{Decision, Rule};
use crate::action::{Action, Field, FieldKind, json_type_name};

/// Top-level keys a policy may have.
const TOP_KEYS: &[&str] = &[
    "version",
    "approval_timeout_seconds",
    "rules",
    "$schema",
    "name",
    "description",
    "legacy_settings",
    "audit_retention_days",
];

/// Rule keys that are not predicates.
const RULE_KEYS: &[&str] = &[
    "name",
    "decision",
    "reason",
    "examples",
    "capabilities",
    "log_args",
];

/// Predicate suffixes, in the order they are tried.
const SUFFIXES: &[(&str, Kind)] = &[
    ("_contains", Kind::Contains),
    ("_pattern", Kind::Pattern),
    ("_startswith", Kind::StartsWith),
    ("_glob", Kind::Glob),
];

/// Misspellings of suffixes seen in policies, with the real one.
const SUFFIX_SYNONYMS: &[(&str, &str)] = &[
    ("_regex", "_pattern"),
    ("_regexp", "_pattern"),
    ("_re", "_pattern"),
    ("_match", "_pattern"),
    ("_matches", "_pattern"),
    ("_patterns", "_pattern"),
    ("_starts_with", "_startswith"),
    ("_startwith", "_startswith"),
    ("_prefix", "_startswith"),
    ("_begins_with", "_startswith"),
    ("_contain", "_contains"),
    ("_includes", "_contains"),
    ("_include", "_contains"),
    ("_has", "_contains"),
    ("_substring", "_contains"),
    ("_globs", "_glob"),
    ("_equals", ""),
    ("_eq", ""),
    ("_is", ""),
];

/// Keys an example action may carry besides fields (they are logged with
/// real actions, so copied events stay valid examples).
const EXAMPLE_EXTRA_KEYS: &[&str] = &[
    "pid",
    "tid",
    "frame",
    "timestamp",
    "input_kwargs",
    "requested_subtype",
    "unexplained",
];

/// Subtype names of the original that the rewrite's layers spell otherwise;
/// a rule naming one also matches the new spellings (R-34).
const LEGACY_SUBTYPES: &[(&str, &[&str])] = &[
    ("open", &["read", "write"]),
    ("socket", &["connect", "send"]),
    ("socket_bind", &["bind"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Contains,
    Pattern,
    StartsWith,
    Glob,
}

/// The result of [`compile`].
pub(super) struct Compiled {
    pub rules: Vec<Rule>,
    pub approval_timeout: Duration,
    pub notes: Vec<Warning>,
}

/// Parses, validates and compiles a policy.
/// `lazy`: leave the predicates' own matchers to be built on first use and
/// do not run the rules' examples (for the built-in policy, which the tests
/// compile and check in full).
pub(super) fn compile(
    text: &str,
    origin: &str,
    home: Option<&str>,
    lazy: bool,
) -> Result<Compiled, PolicyError> {
    let doc = parse_strict(text).map_err(|e| json_error(origin, &e))?;
    let top_err = |key: Option<&str>, cause: String, hint: String| PolicyError::TopLevel {
        origin: origin.to_owned(),
        key: key.map(str::to_owned),
        cause,
        hint,
    };
    let Value::Object(top) = doc else {
        return Err(top_err(
            None,
            format!("expected a JSON object, found {}", json_type_name(&doc)),
            r#"a policy is {"version": 1, "rules": [...]}"#.to_owned(),
        ));
    };
    let mut notes = Vec::new();
    let mut approval_timeout = Duration::from_secs(300);
    for (key, v) in &top {
        match key.as_str() {
            "version" => {
                if v.as_f64() != Some(1.0) {
                    return Err(top_err(
                        Some(key),
                        format!("unsupported version {v}"),
                        "this irongate reads version 1 policies: set \"version\": 1".to_owned(),
                    ));
                }
            }
            "approval_timeout_seconds" => match v.as_f64() {
                Some(s) if s > 0.0 && s.is_finite() && s <= 1e9 => {
                    approval_timeout = Duration::from_secs_f64(s);
                }
                _ => {
                    return Err(top_err(
                        Some(key),
                        format!("expected a positive number of seconds, found {v}"),
                        "set e.g. \"approval_timeout_seconds\": 300".to_owned(),
                    ));
                }
            },
            "$schema" | "name" | "description" => {
                if !v.is_string() {
                    return Err(top_err(
                        Some(key),
                        format!("expected a string, found {}", json_type_name(v)),
                        format!("write \"{key}\" as a string, or remove it"),
                    ));
                }
            }
            "legacy_settings" | "audit_retention_days" => notes.push(Warning {
                kind: WarningKind::LegacyKey,
                rule: None,
                message: format!(
                    "top-level key \"{key}\" (from the original) has no effect here{}",
                    if key == "legacy_settings" {
                        ": the terminal rule decides what no rule matches"
                    } else {
                        ": retention is not configured by the policy"
                    }
                ),
            }),
            "rules" => {}
            other => {
                return Err(top_err(
                    Some(other),
                    "unknown top-level key".to_owned(),
                    match closest(other, TOP_KEYS.iter().copied()) {
                        Some(s) => format!("did you mean \"{s}\"?"),
                        None => format!("top-level keys are: {}", TOP_KEYS.join(", ")),
                    },
                ));
            }
        }
    }
    let terminal_hint = r#"end the rules with a default deny: {"name": "default-deny", "decision": "block", "reason": "default_deny"}"#;
    let rules_v = match top.get("rules") {
        Some(Value::Array(r)) if r.is_empty() => {
            return Err(top_err(
                Some("rules"),
                "no rules: a policy needs at least its terminal default deny".to_owned(),
                terminal_hint.to_owned(),
            ));
        }
        Some(Value::Array(r)) => r,
        Some(other) => {
            return Err(top_err(
                Some("rules"),
                format!("expected a list of rules, found {}", json_type_name(other)),
                r#"write "rules": [{...}, ..., {"decision": "block", "reason": "default_deny"}]"#
                    .to_owned(),
            ));
        }
        None => {
            return Err(top_err(
                None,
                "missing \"rules\"".to_owned(),
                format!("add a \"rules\" list; {terminal_hint}"),
            ));
        }
    };

    let mut rules = Vec::with_capacity(rules_v.len());
    for (index, rv) in rules_v.iter().enumerate() {
        let (rule, rule_notes) = compile_rule(origin, index, rv, home, lazy)?;
        notes.extend(rule_notes);
        rules.push(rule);
    }

    // R-31: deny by default, stated in the file.
    let last = rules.len() - 1;
    let r = &rules[last];
    if !r.is_unconditional() || r.decision != Decision::Block {
        let cause = if !r.is_unconditional() {
            let mut keys: Vec<&str> = Vec::new();
            if r.kind.is_some() {
                keys.push("type");
            }
            if !r.subtypes.is_empty() {
                keys.push("subtype");
            }
            keys.extend(r.preds.iter().map(|p| p.key.as_str()));
            format!(
                "the last rule must match every action and block (deny by default), but it has predicates ({}), so an action it does not match would have no decision",
                keys.join(", ")
            )
        } else {
            format!(
                "the last rule must be an unconditional \"block\" (deny by default), it decides \"{}\"",
                r.decision
            )
        };
        return Err(PolicyError::Rule(Box::new(RuleError {
            origin: origin.to_owned(),
            index: last,
            name: r.name.clone(),
            key: None,
            fault: RuleFault::NotTerminal,
            cause,
            hint: terminal_hint.to_owned(),
        })));
    }
    Ok(Compiled {
        rules,
        approval_timeout,
        notes,
    })
}

/// Builds rule-level errors for one rule.
struct RuleCtx<'a> {
    origin: &'a str,
    index: usize,
    name: Option<String>,
    lazy: bool,
}

impl RuleCtx<'_> {
    fn err(&self, key: Option<&str>, fault: RuleFault, cause: String, hint: String) -> PolicyError {
        PolicyError::Rule(Box::new(RuleError {
            origin: self.origin.to_owned(),
            index: self.index,
            name: self.name.clone(),
            key: key.map(str::to_owned),
            fault,
            cause,
            hint,
        }))
    }

    fn bad(&self, key: &str, cause: String, hint: String) -> PolicyError {
        self.err(Some(key), RuleFault::BadValue, cause, hint)
    }
}

fn compile_rule(
    origin: &str,
    index: usize,
    rv: &Value,
    home: Option<&str>,
    lazy: bool,
) -> Result<(Rule, Vec<Warning>), PolicyError> {
    let mut ctx = RuleCtx {
        origin,
        index,
        name: None,
        lazy,
    };
    let Value::Object(map) = rv else {
        return Err(ctx.err(
            None,
            RuleFault::NotObject,
            format!("expected a rule object, found {}", json_type_name(rv)),
            r#"write the rule as {"type": "...", ..., "decision": "allow|review|block"}"#
                .to_owned(),
        ));
    };
    // The name first, so that every later error can name the rule.
    if let Some(n) = map.get("name") {
        match n {
            Value::String(s) if !s.is_empty() => ctx.name = Some(s.clone()),
            _ => {
                return Err(ctx.bad(
                    "name",
                    format!("expected a non-empty string, found {}", json_type_name(n)),
                    "name the rule with a short string such as \"secrets\"".to_owned(),
                ));
            }
        }
    }
    let mut decision = None;
    let mut reason = None;
    let mut log_args = false;
    let mut capabilities = Vec::new();
    let mut kind = None;
    let mut subtypes = Vec::new();
    let mut preds = Vec::new();
    let mut notes = Vec::new();
    for (key, v) in map {
        match key.as_str() {
            "name" | "examples" => {}
            "decision" => {
                let s = v.as_str().ok_or_else(|| {
                    ctx.err(
                        Some(key),
                        RuleFault::UnknownDecision,
                        format!("expected \"allow\", \"review\" or \"block\", found {v}"),
                        "write the decision as one of the strings allow, review, block".to_owned(),
                    )
                })?;
                decision = Some(Decision::from_name(s).ok_or_else(|| {
                    let lower = s.to_ascii_lowercase();
                    let hint = match lower.as_str() {
                        "deny" | "reject" | "forbid" | "drop" => "use \"block\"".to_owned(),
                        "approve" | "ask" | "prompt" | "confirm" => "use \"review\"".to_owned(),
                        "permit" | "accept" | "pass" => "use \"allow\"".to_owned(),
                        l if Decision::from_name(l).is_some() => {
                            format!("decisions are lowercase: use \"{l}\"")
                        }
                        _ => "use one of allow, review, block".to_owned(),
                    };
                    ctx.err(
                        Some(key),
                        RuleFault::UnknownDecision,
                        format!("unknown decision \"{s}\""),
                        hint,
                    )
                })?);
            }
            "reason" => match v {
                Value::String(s) => reason = Some(s.clone()),
                _ => {
                    return Err(ctx.bad(
                        key,
                        format!("expected a string, found {}", json_type_name(v)),
                        "write the reason as a string".to_owned(),
                    ));
                }
            },
            "log_args" => match v {
                Value::Bool(b) => log_args = *b,
                _ => {
                    return Err(ctx.bad(
                        key,
                        format!("expected true or false, found {v}"),
                        "write \"log_args\": true to log tool argument values".to_owned(),
                    ));
                }
            },
            "capabilities" => {
                capabilities = string_list(v).map_err(|cause| {
                    ctx.bad(
                        key,
                        cause,
                        "list capability names, e.g. [\"file.read.sensitive\"]".to_owned(),
                    )
                })?;
                for c in &capabilities {
                    if !CATALOGUE.contains(&c.as_str()) {
                        return Err(ctx.err(
                            Some(key),
                            RuleFault::UnknownCapability,
                            format!("unknown capability \"{c}\""),
                            match closest(c, CATALOGUE.iter().copied()) {
                                Some(s) => format!("did you mean \"{s}\"?"),
                                None => format!("capabilities are: {}", CATALOGUE.join(", ")),
                            },
                        ));
                    }
                }
            }
            "priority" => {
                return Err(ctx.err(
                    Some(key),
                    RuleFault::Priority,
                    "\"priority\" is not supported: rules are evaluated in file order and the first match wins (the original ignored priority too)".to_owned(),
                    "remove \"priority\" and move the rule to where it should be decided".to_owned(),
                ));
            }
            _ => {
                let (field, k) = split_key(key).map_err(|(fault, hint)| {
                    let cause = match fault {
                        RuleFault::UnknownField => "unknown field in predicate key".to_owned(),
                        _ => "unknown rule key".to_owned(),
                    };
                    ctx.err(Some(key), fault, cause, hint)
                })?;
                let pred = compile_pred(&ctx, key, field, k, v, home)?;
                // Exact string type/subtype are served by the index.
                match (&pred.test, field) {
                    (Test::Exact(Value::String(t)), Field::Type) => kind = Some(t.clone()),
                    (Test::Exact(Value::String(s)), Field::Subtype) => {
                        subtypes.push(s.clone());
                        if let Some((_, also)) = LEGACY_SUBTYPES.iter().find(|(l, _)| l == s) {
                            subtypes.extend(also.iter().map(|a| (*a).to_owned()));
                            notes.push(Warning {
                                kind: WarningKind::LegacyKey,
                                rule: Some(index),
                                message: format!(
                                    "{}: subtype \"{s}\" is the original's spelling; it also matches {}",
                                    super::error::describe_rule(index, ctx.name.as_deref(), None),
                                    also.join(", ")
                                ),
                            });
                        }
                    }
                    _ => preds.push(pred),
                }
            }
        }
    }
    let Some(decision) = decision else {
        return Err(ctx.err(
            Some("decision"),
            RuleFault::MissingDecision,
            "missing \"decision\"".to_owned(),
            "add \"decision\": \"allow\", \"review\" or \"block\"".to_owned(),
        ));
    };
    if log_args && kind.as_deref().is_some_and(|k| k != "tool") {
        return Err(ctx.bad(
            "log_args",
            "log_args applies to tool actions only".to_owned(),
            "remove \"log_args\", or use it on a rule with \"type\": \"tool\"".to_owned(),
        ));
    }
    preds.sort_by_key(Pred::cost);
    let mut rule = Rule {
        name: ctx.name.clone(),
        decision,
        reason: reason.unwrap_or_else(|| "matched_rule".to_owned()),
        log_args,
        capabilities,
        kind,
        subtypes,
        preds,
        examples: Vec::new(),
        source: rv.clone(),
    };
    if let Some(ex) = map.get("examples")
        && !ctx.lazy
    {
        rule.examples = compile_examples(&ctx, &rule, ex)?;
    }
    Ok((rule, notes))
}

/// Resolves a predicate key to its field and kind, or says what is wrong:
/// `(fault, hint)`.
fn split_key(key: &str) -> Result<(Field, Kind), (RuleFault, String)> {
    if let Some(f) = Field::from_name(key) {
        return Ok((f, Kind::Exact));
    }
    for (suffix, kind) in SUFFIXES {
        if let Some(head) = key.strip_suffix(suffix)
            && !head.is_empty()
        {
            return match Field::from_name(head) {
                Some(f) => Ok((f, *kind)),
                None => Err((
                    RuleFault::UnknownField,
                    match closest_field(head) {
                        Some(f) => {
                            format!("did you mean \"{f}{suffix}\"? (\"{head}\" is not a field)")
                        }
                        None => format!("\"{head}\" is not a field; fields are: {}", field_list()),
                    },
                )),
            };
        }
    }
    Err((RuleFault::UnknownKey, suggest_key(key)))
}

fn closest_field(name: &str) -> Option<&'static str> {
    closest(name, Field::ALL.iter().map(|f| f.name()))
}

fn field_list() -> String {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A "did you mean" for an unknown rule key.
fn suggest_key(key: &str) -> String {
    if key.ends_with("_in") || key.ends_with("_any") || key.ends_with("_one_of") {
        let head = key.rsplit_once('_').map_or(key, |(h, _)| h);
        return format!(
            "there is no \"_in\": list the alternatives in a pattern, e.g. \"{head}_pattern\": \"^(a|b)$\""
        );
    }
    for (syn, canon) in SUFFIX_SYNONYMS {
        if let Some(head) = key.strip_suffix(syn)
            && !head.is_empty()
        {
            let field = Field::from_name(head)
                .map(|f| f.name())
                .or_else(|| closest_field(head));
            if let Some(f) = field {
                let what = if canon.is_empty() {
                    "exact match".to_owned()
                } else {
                    canon.trim_start_matches('_').to_owned()
                };
                return format!("did you mean \"{f}{canon}\"? ({what})");
            }
        }
    }
    let mut all: Vec<String> = RULE_KEYS.iter().map(|k| (*k).to_owned()).collect();
    for f in Field::ALL {
        all.push(f.name().to_owned());
        for (s, _) in SUFFIXES {
            all.push(format!("{}{s}", f.name()));
        }
    }
    match closest(key, all.iter().map(String::as_str)) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => format!(
            "rule keys are {}, and predicates FIELD, FIELD_contains, FIELD_startswith, FIELD_pattern, FIELD_glob over the fields: {}",
            RULE_KEYS.join(", "),
            field_list()
        ),
    }
}

/// A string, or a non-empty list of non-empty strings.
fn string_list(v: &Value) -> Result<Vec<String>, String> {
    let one = |s: &Value| -> Result<String, String> {
        match s {
            Value::String(s) if s.is_empty() => {
                Err("an empty string would match every value".to_owned())
            }
            Value::String(s) => Ok(s.clone()),
            other => Err(format!("expected strings, found {}", json_type_name(other))),
        }
    };
    match v {
        Value::Array(items) if items.is_empty() => {
            Err("empty list: it would never match".to_owned())
        }
        Value::Array(items) => items.iter().map(one).collect(),
        Value::String(_) => Ok(vec![one(v)?]),
        other => Err(format!(
            "expected a string or a list of strings, found {}",
            json_type_name(other)
        )),
    }
}

fn compile_pred(
    ctx: &RuleCtx<'_>,
    key: &str,
    field: Field,
    kind: Kind,
    v: &Value,
    home: Option<&str>,
) -> Result<Pred, PolicyError> {
    let list_hint = || format!("write e.g. \"{key}\": [\"a\", \"b\"]");
    let test = match kind {
        Kind::Exact => {
            let ok = match (field.kind(), v) {
                (_, Value::Null) | (FieldKind::Any, _) => true,
                (FieldKind::Str, Value::String(_)) => true,
                (FieldKind::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
                (FieldKind::StrOrInt, Value::String(_)) => true,
                (FieldKind::StrOrInt, Value::Number(n)) => n.is_i64() || n.is_u64(),
                (FieldKind::List, Value::Array(a)) => a.iter().all(Value::is_string),
                (FieldKind::Bool, Value::Bool(_)) => true,
                _ => false,
            };
            if !ok {
                let want = match field.kind() {
                    FieldKind::Str => "a string",
                    FieldKind::Int => "an integer",
                    FieldKind::StrOrInt => "a string or an integer",
                    FieldKind::List => "a list of strings",
                    FieldKind::Bool => "true or false",
                    FieldKind::Any => "any value",
                };
                let hint = if v.is_array() && field.kind() != FieldKind::List {
                    format!(
                        "an exact predicate takes one value; for any of several, use \"{key}_pattern\": \"^(a|b)$\""
                    )
                } else {
                    format!("\"{key}\" compares the field's value exactly: give {want}")
                };
                return Err(ctx.bad(
                    key,
                    format!("expected {want}, found {}", json_type_name(v)),
                    hint,
                ));
            }
            Test::Exact(v.clone())
        }
        Kind::Contains => Test::Contains(Contains::new(
            string_list(v).map_err(|c| ctx.bad(key, c, list_hint()))?,
        )),
        Kind::StartsWith => {
            Test::StartsWith(string_list(v).map_err(|c| ctx.bad(key, c, list_hint()))?)
        }
        Kind::Glob => {
            let globs = string_list(v).map_err(|c| ctx.bad(key, c, list_hint()))?;
            let glob_err = |cause| {
                ctx.err(
                    Some(key),
                    RuleFault::Glob,
                    cause,
                    "globs use * (within a path component), ** (across /), ?, [abc] and {a,b}"
                        .to_owned(),
                )
            };
            let re = Lazy::new(
                glob_pattern(&globs, home).map_err(glob_err)?,
                build_glob_regex,
            );
            if !ctx.lazy {
                re.check().map_err(glob_err)?;
            }
            Test::Glob { globs, re }
        }
        Kind::Pattern => {
            let Value::String(src) = v else {
                return Err(ctx.bad(
                    key,
                    format!("expected a regex string, found {}", json_type_name(v)),
                    if v.is_array() {
                        "a pattern is one regex: join alternatives with |, e.g. \"(a|b)\""
                            .to_owned()
                    } else {
                        format!("write e.g. \"{key}\": \"^/tmp/\"")
                    },
                ));
            };
            if src.is_empty() {
                return Err(ctx.bad(
                    key,
                    "an empty pattern matches everything".to_owned(),
                    "remove the predicate, or write the regex".to_owned(),
                ));
            }
            let translated = translate_python_anchors(src);
            Test::Pattern(if ctx.lazy {
                Lazy::new(translated, build_rule_regex)
            } else {
                Lazy::built(translated, build_rule_regex, compile_regex(ctx, key, src)?)
            })
        }
    };
    Ok(Pred {
        field,
        test,
        key: key.to_owned(),
        slot: None,
    })
}

/// Compiles a rule regex. Python's `\Z` (end of text) is accepted as `\z`;
/// constructs the `regex` crate cannot run (look-around, backreferences)
/// are rejected with an explanation rather than silently never matching.
fn compile_regex(ctx: &RuleCtx<'_>, key: &str, src: &str) -> Result<regex::Regex, PolicyError> {
    let translated = translate_python_anchors(src);
    regex::RegexBuilder::new(&translated)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| {
            if let Some(what) = python_only_syntax(src) {
                ctx.err(
                    Some(key),
                    RuleFault::PythonRegex,
                    format!("python-only regex syntax ({what}) is not supported: patterns run on the regex crate, which guarantees linear time and has no {what}"),
                    "express the exception as an earlier rule (first match wins), or use FIELD_startswith / FIELD_contains".to_owned(),
                )
            } else {
                let msg = e.to_string();
                // The regex crate's message spans several lines with a caret
                // diagram; keep its last line, which says what is wrong.
                let last = msg.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&msg);
                ctx.err(
                    Some(key),
                    RuleFault::Regex,
                    format!("invalid regex \"{src}\": {}", last.trim().trim_start_matches("error: ")),
                    "fix the regex: escape a literal ( ) [ ] { } . * + ? | with a backslash (written \\\\ inside a JSON string)".to_owned(),
                )
            }
        })
}

fn translate_python_anchors(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('Z') => out.push_str("\\z"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn python_only_syntax(src: &str) -> Option<&'static str> {
    if src.contains("(?=") || src.contains("(?!") {
        return Some("look-ahead");
    }
    if src.contains("(?<=") || src.contains("(?<!") {
        return Some("look-behind");
    }
    if src.contains("(?P=") {
        return Some("named backreferences");
    }
    if src.contains("(?>") {
        return Some("atomic groups");
    }
    if src.contains("(?(") {
        return Some("conditional groups");
    }
    let b = src.as_bytes();
    if b.windows(2)
        .any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]))
    {
        return Some("backreferences");
    }
    if src.contains("*+") || src.contains("++") || src.contains("?+") {
        return Some("possessive quantifiers");
    }
    None
}

fn compile_examples(
    ctx: &RuleCtx<'_>,
    rule: &Rule,
    ex: &Value,
) -> Result<Vec<(bool, Action)>, PolicyError> {
    let shape_hint =
        r#"write "examples": {"match": [{...action...}], "no_match": [{...action...}]}"#.to_owned();
    let Value::Object(m) = ex else {
        return Err(ctx.bad(
            "examples",
            format!("expected an object, found {}", json_type_name(ex)),
            shape_hint,
        ));
    };
    let mut out = Vec::new();
    for (k, list) in m {
        let expect = match k.as_str() {
            "match" => true,
            "no_match" => false,
            other => {
                return Err(ctx.bad(
                    "examples",
                    format!("unknown key \"{other}\" in examples"),
                    match closest(other, ["match", "no_match"]) {
                        Some(s) => format!("did you mean \"{s}\"?"),
                        None => shape_hint,
                    },
                ));
            }
        };
        let items = match list {
            Value::Array(a) if !a.is_empty() => a,
            _ => {
                return Err(ctx.bad(
                    "examples",
                    format!("examples.{k} must be a non-empty list of actions"),
                    shape_hint,
                ));
            }
        };
        for (i, item) in items.iter().enumerate() {
            let at = format!("examples.{k}[{i}]");
            let action_err =
                |cause: String, hint: String| ctx.bad("examples", format!("{at}: {cause}"), hint);
            let Value::Object(obj) = item else {
                return Err(action_err(
                    format!("expected an action object, found {}", json_type_name(item)),
                    shape_hint.clone(),
                ));
            };
            if let Some(bad) = obj.keys().find(|k| {
                Field::from_name(k).is_none() && !EXAMPLE_EXTRA_KEYS.contains(&k.as_str())
            }) {
                return Err(action_err(
                    format!("unknown action field \"{bad}\""),
                    match closest_field(bad) {
                        Some(f) => format!("did you mean \"{f}\"?"),
                        None => format!("action fields are: {}", field_list()),
                    },
                ));
            }
            let mut action = Action::from_json(item)
                .map_err(|e| action_err(e.to_string(), shape_hint.clone()))?;
            action.normalize();
            // A two-path example (a rename, a link) matches when the rule
            // applies to one of the paths it touches (see `Rule::applies_to`).
            let got = rule.applies_to(&action);
            if got != expect {
                let cause = if expect {
                    format!(
                        "{at} {} is not matched by the rule: \"{}\" does not hold",
                        action.canonical_json(),
                        rule.first_failing_key(&action).unwrap_or("?")
                    )
                } else {
                    format!("{at} {} is matched by the rule", action.canonical_json())
                };
                return Err(ctx.err(
                    Some("examples"),
                    RuleFault::Example,
                    cause,
                    "fix the example or the rule's predicates (examples are checked against this rule alone)".to_owned(),
                ));
            }
            out.push((expect, action));
        }
    }
    Ok(out)
}

fn json_error(origin: &str, e: &serde_json::Error) -> PolicyError {
    let full = e.to_string();
    let cause = match full.rfind(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full.clone(),
    };
    let hint = if cause.starts_with("duplicate key") {
        "remove one of the two: JSON keeps only the last, silently dropping the first".to_owned()
    } else if cause.contains("trailing comma") {
        "remove the comma before the closing bracket".to_owned()
    } else if cause.contains("EOF") {
        "the file ends early: close every { and [".to_owned()
    } else {
        "fix the JSON syntax there (a missing comma or quote, or a trailing comma, is usual)"
            .to_owned()
    };
    PolicyError::Json {
        origin: origin.to_owned(),
        line: e.line(),
        column: e.column(),
        cause,
        hint,
    }
}

/// Parses JSON, rejecting duplicate object keys (serde_json would keep the
/// last silently, so a rule could lose a predicate without a word).
fn parse_strict(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = (&mut de).deserialize_any(StrictVisitor)?;
    de.end()?;
    Ok(v)
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!("duplicate key \"{k}\"")));
            }
            let v = map.next_value_seed(StrictSeed)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

struct StrictSeed;

impl<'de> de::DeserializeSeed<'de> for StrictSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match compile(text, "p.json", Some("/home/u"), false) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    const END: &str = r#"{"decision": "block", "reason": "default_deny"}"#;

    fn with_rule(rule: &str) -> String {
        format!(r#"{{"rules": [{rule}, {END}]}}"#)
    }

    #[test]
    fn rejects_with_suggestions() {
        let e = err(&with_rule(
            r#"{"type": "file", "path_contians": [".env"], "decision": "block"}"#,
        ));
        assert!(
            e.contains("rule #0")
                && e.contains("path_contians")
                && e.contains("did you mean \"path_contains\""),
            "{e}"
        );
        let e = err(&with_rule(r#"{"pth_contains": "x", "decision": "block"}"#));
        assert!(e.contains("path_contains"), "{e}");
        let e = err(&with_rule(r#"{"cmd_regex": "x", "decision": "block"}"#));
        assert!(e.contains("cmd_pattern"), "{e}");
        let e = err(&with_rule(r#"{"cmd": "x", "desicion": "block"}"#));
        assert!(e.contains("did you mean \"decision\""), "{e}");
        let e = err(&with_rule(
            r#"{"subtype": ["read", "list"], "decision": "allow"}"#,
        ));
        assert!(e.contains("subtype_pattern"), "{e}");
        let e = err(r#"{"rulez": []}"#);
        assert!(e.contains("did you mean \"rules\""), "{e}");
    }

    #[test]
    fn regexes() {
        let e = err(&with_rule(r#"{"cmd_pattern": "(rm", "decision": "block"}"#));
        assert!(
            e.contains("invalid regex") && e.contains("cmd_pattern"),
            "{e}"
        );
        let e = err(&with_rule(
            r#"{"path_pattern": "^(?!/home)", "decision": "block"}"#,
        ));
        assert!(e.contains("python-only") && e.contains("look-ahead"), "{e}");
        let e = err(&with_rule(
            r#"{"cmd_pattern": "(a)\\1", "decision": "block"}"#,
        ));
        assert!(e.contains("backreferences"), "{e}");
        // \Z is Python's end of text.
        let c = compile(
            &with_rule(r#"{"path_pattern": "\\.py\\Z", "decision": "allow"}"#),
            "p",
            None,
            false,
        )
        .unwrap();
        let a = Action::new("file", "read").with(Field::Path, "/a.py");
        assert!(c.rules[0].matches(&a));
    }

    #[test]
    fn json_and_structure() {
        let e = err("{\n  \"rules\": [\n    {\"decision\": \"block\",}\n  ]\n}");
        assert!(e.contains("line 3"), "{e}");
        let e = err(r#"{"rules": [{"decision": "block", "decision": "allow"}]}"#);
        assert!(e.contains("duplicate key"), "{e}");
        assert!(err(r#"{"rules": []}"#).contains("no rules"));
        assert!(err(r#"{"version": 1}"#).contains("rules"));
        assert!(err(r#"{"rules": 5}"#).contains("list of rules"));
        assert!(err(r#"[1, 2]"#).contains("expected a JSON object"));
        assert!(err(r#"{"version": 2, "rules": [{"decision": "block"}]}"#).contains("version"));
        let e = err(r#"{"rules": [{"type": "file", "decision": "allow"}]}"#);
        assert!(e.contains("rule #0") && e.contains("no decision"), "{e}");
        let e = err(r#"{"rules": [{"decision": "allow"}]}"#);
        assert!(e.contains("unconditional \"block\""), "{e}");
        assert!(
            err(&with_rule(
                r#"{"type": "file", "priority": 5, "decision": "allow"}"#
            ))
            .contains("file order")
        );
        assert!(
            err(&with_rule(r#"{"type": "file", "decision": "deny"}"#)).contains("use \"block\"")
        );
        assert!(err(&with_rule(r#"{"type": "file"}"#)).contains("missing \"decision\""));
        assert!(
            err(&with_rule(r#"{"path_contains": 5, "decision": "allow"}"#))
                .contains("found a number")
        );
        assert!(
            err(&with_rule(r#"{"path_contains": [], "decision": "allow"}"#)).contains("empty list")
        );
        assert!(err(&with_rule(r#"{"port": "443", "decision": "allow"}"#)).contains("integer"));
        assert!(
            err(&with_rule(
                r#"{"capabilities": ["file.reed"], "decision": "allow"}"#
            ))
            .contains("file.read")
        );
    }

    #[test]
    fn examples_are_checked() {
        let ok = r#"{"type": "file", "path_contains": ".env", "decision": "review",
            "examples": {"match": [{"type": "file", "subtype": "open", "path": "/a/.env", "mode": "rb"}],
                         "no_match": [{"type": "file", "subtype": "read", "path": "/a/b"}]}}"#;
        assert!(compile(&with_rule(ok), "p", None, false).is_ok());
        let e = err(&with_rule(&ok.replace("/a/.env", "/a/env")));
        assert!(
            e.contains("examples.match[0]") && e.contains("path_contains"),
            "{e}"
        );
        let e = err(&with_rule(&ok.replace("/a/b", "/a/b/.env")));
        assert!(
            e.contains("examples.no_match[0]") && e.contains("is matched"),
            "{e}"
        );
        let e = err(&with_rule(
            &ok.replace("\"path\": \"/a/b\"", "\"pth\": \"/a/b\""),
        ));
        assert!(e.contains("did you mean \"path\""), "{e}");
    }

    #[test]
    fn legacy_keys_are_notes() {
        let c = compile(
            &format!(r#"{{"legacy_settings": {{}}, "audit_retention_days": 90, "rules": [{{"type": "network", "subtype": "socket", "decision": "review"}}, {END}]}}"#),
            "p",
            None,
            false,
        )
        .unwrap();
        assert_eq!(c.notes.len(), 3);
        assert_eq!(c.rules[0].subtypes, ["socket", "connect", "send"]);
    }
}
