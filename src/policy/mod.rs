//! Policy loading, validation and evaluation (SPEC §5).
//!
//! A policy file is compiled once ([`Policy::load_file`]): every predicate
//! key is resolved to a [`Field`], regexes and globs are compiled, and rules
//! are indexed by their exact `type` and `subtype` so that an action only
//! scans the rules that can apply to it, in file order. Anything that could
//! make the policy mean something other than it says is rejected at load
//! with the rule, the key and a fix (R-31); see `compile.rs`.
//!
//! [`Policy::evaluate`] runs the capability gate first (R-32, see
//! `capability.rs`), then the rules: the first match wins. A rename or link
//! is also judged on its second path (`two_path.rs`): each path it touches
//! gets a verdict and the most restrictive one stands.

mod capability;
pub mod cmd;
mod compile;
mod error;
mod exec_scope;
pub mod overlay;
mod predicate;
mod profile;
mod shadow;
mod suggest;
mod two_path;

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::action::{Action, FIELD_COUNT, Field};
pub use capability::{DANGEROUS_TOOLS, SYSTEM_DIRS, is_dangerous_process, is_system_path};
pub use error::{PolicyError, RuleError, RuleFault};
pub use exec_scope::ExecScope;
use predicate::Pred;
pub use profile::{CATALOGUE, PROFILE_NAMES, Profile};
pub use shadow::{Warning, WarningKind};

/// The built-in policy (R-33), `policies/default.json`.
pub const BUILTIN_JSON: &str = include_str!("../../policies/default.json");

pub use crate::decision::{Decision, RuleRef};

/// Action type of the hook layer's tamper tripwires.
pub use crate::action::TAMPER;

/// The outcome of evaluating one action. Serialises as
/// `{"decision": "...", "reason": "...", "rule": {"index": i, "name": n} | null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// What happens.
    pub decision: Decision,
    /// Why: the rule's `reason` (default `matched_rule`), or
    /// `missing_capability:NAME` from the capability gate.
    pub reason: String,
    /// The rule that decided; `null` when the capability gate did.
    pub rule: Option<RuleRef>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    name: Option<String>,
    decision: Decision,
    reason: String,
    log_args: bool,
    capabilities: Vec<String>,
    /// Exact string `type` predicate, served by the index.
    kind: Option<String>,
    /// Exact string `subtype` predicate, served by the index: any of these
    /// (one, or several for a legacy alias such as `open`); empty = any.
    subtypes: Vec<String>,
    /// The other predicates, cheapest first.
    preds: Vec<Pred>,
    /// Example actions: (declared to match, action).
    examples: Vec<(bool, Action)>,
    /// The rule as written.
    source: Value,
}

impl Rule {
    /// The rule's `name`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The rule's `decision`.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// The rule's `reason` (`matched_rule` when it has none).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether tool argument values are logged when this rule decides.
    pub fn log_args(&self) -> bool {
        self.log_args
    }

    /// Capabilities the profile must grant for the rule's decision to stand.
    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// The rule's JSON as written in the file.
    pub fn source(&self) -> &Value {
        &self.source
    }

    /// Whether the rule has no predicate (matches every action).
    pub fn is_unconditional(&self) -> bool {
        self.kind.is_none() && self.subtypes.is_empty() && self.preds.is_empty()
    }

    /// Whether the rule's predicates all hold for `action`, the index's
    /// `type`/`subtype` included.
    pub fn matches(&self, action: &Action) -> bool {
        self.kind_ok(action) && self.subtype_ok(action) && self.matches_preds(action)
    }

    /// Whether the rule takes part in judging `action`: it matches the
    /// action itself or one of its two-path views (a rename's destination
    /// as a `write`, …; see `two_path.rs`). This is what a rule's `examples`
    /// declare: `match` = the rule applies to some path the action touches,
    /// `no_match` = to none.
    pub fn applies_to(&self, action: &Action) -> bool {
        if self.matches(action) {
            return true;
        }
        let mut hit = false;
        // A missing path leaves only the action itself, already tested.
        let _ = two_path::for_each_view(action, |view, _| {
            hit = self.matches(view);
            if hit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        hit
    }

    fn kind_ok(&self, action: &Action) -> bool {
        match &self.kind {
            Some(k) => action.get(Field::Type).and_then(Value::as_str) == Some(k.as_str()),
            None => true,
        }
    }

    fn subtype_ok(&self, action: &Action) -> bool {
        if self.subtypes.is_empty() {
            return true;
        }
        let s = action.get(Field::Subtype).and_then(Value::as_str);
        s.is_some_and(|s| self.subtypes.iter().any(|w| w == s))
    }

    /// The predicates other than the indexed `type`/`subtype`.
    #[inline]
    fn matches_preds(&self, action: &Action) -> bool {
        self.preds.iter().all(|p| p.matches(action))
    }

    /// The key of the first predicate that fails for `action`, for messages.
    fn first_failing_key(&self, action: &Action) -> Option<&str> {
        if !self.kind_ok(action) {
            return Some("type");
        }
        if !self.subtype_ok(action) {
            return Some("subtype");
        }
        self.preds
            .iter()
            .find(|p| !p.matches(action))
            .map(|p| p.key.as_str())
    }
}

/// Rule lists precomputed per (type, subtype): each list holds, in file
/// order, the rules whose `type`/`subtype` predicates (if any) accept it.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Types named by some rule.
    types: Vec<(String, Bucket)>,
    /// Any other type (or none, or not a string).
    other: Bucket,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Subtypes named by some rule.
    subtypes: Vec<(String, Vec<u32>)>,
    /// Any other subtype.
    other: Vec<u32>,
}

impl Index {
    fn build(rules: &[Rule]) -> Index {
        let mut types: Vec<&str> = rules.iter().filter_map(|r| r.kind.as_deref()).collect();
        types.sort_unstable();
        types.dedup();
        let mut subs: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.subtypes.iter().map(String::as_str))
            .collect();
        subs.sort_unstable();
        subs.dedup();
        let list = |t: Option<&str>, s: Option<&str>| -> Vec<u32> {
            rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind.is_none() || r.kind.as_deref() == t)
                .filter(|(_, r)| {
                    r.subtypes.is_empty() || s.is_some_and(|s| r.subtypes.iter().any(|w| w == s))
                })
                .map(|(i, _)| i as u32)
                .collect()
        };
        let bucket = |t: Option<&str>| Bucket {
            subtypes: subs
                .iter()
                .map(|s| ((*s).to_owned(), list(t, Some(s))))
                .collect(),
            other: list(t, None),
        };
        Index {
            types: types
                .iter()
                .map(|t| ((*t).to_owned(), bucket(Some(t))))
                .collect(),
            other: bucket(None),
        }
    }

    #[inline]
    fn candidates(&self, action: &Action) -> &[u32] {
        let t = action.get(Field::Type).and_then(Value::as_str);
        let bucket = t
            .and_then(|t| self.types.iter().find(|(k, _)| k == t))
            .map_or(&self.other, |(_, b)| b);
        let s = action.get(Field::Subtype).and_then(Value::as_str);
        s.and_then(|s| bucket.subtypes.iter().find(|(k, _)| k == s))
            .map_or(&bucket.other, |(_, l)| l)
    }
}

/// A compiled, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    origin: String,
    source: String,
    digest: String,
    approval_timeout: Duration,
    rules: Vec<Rule>,
    index: Index,
    /// Per field (by index): the set patterns of its string predicates,
    /// each predicate's `slot` its position.
    patterns: Vec<Vec<String>>,
    /// The sets, each field's built on its first use (or by
    /// [`Policy::warm`]): compiling them is most of a policy's load time, a
    /// run needs them only once the agent asks its first question, and most
    /// agents ask about a few fields only (a file agent never builds the
    /// network fields' sets).
    sets: std::sync::Arc<Sets>,
    notes: Vec<Warning>,
}

/// Every string predicate of a field, batched into one set so an action's
/// text is scanned once per field.
#[derive(Debug, Default)]
struct Sets {
    /// Per field (by index), built on first use.
    fields: Vec<std::sync::OnceLock<FieldSet>>,
}

/// One field's set and what it matches in the empty text.
#[derive(Debug)]
struct FieldSet {
    /// None: no predicate, or it did not build within the size limits (the
    /// predicates then match one by one).
    set: Option<regex_automata::meta::Regex>,
    /// What the set matches in the empty text, the text of a missing field
    /// (a rename's view has no `target`, most actions no `src_path`),
    /// computed once instead of per evaluation.
    empty: Option<Matched>,
}

/// Which members of a field's set matched its text.
type Matched = regex_automata::PatternSet;

impl Sets {
    fn new(fields: usize) -> Sets {
        Sets {
            fields: (0..fields).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    /// Field `fi`'s set, built from `patterns` the first time.
    fn field(&self, fi: usize, patterns: &[Vec<String>]) -> &FieldSet {
        self.fields[fi].get_or_init(|| {
            let list = &patterns[fi];
            let set = if list.is_empty() {
                None
            } else {
                build_set(list)
            };
            let empty = set.as_ref().map(|set| set_matches(set, b""));
            FieldSet { set, empty }
        })
    }
}

/// One field's set: every pattern, matched anywhere, all at once, on bytes
/// (as `regex::bytes::RegexSet` does). Only the lazy DFA is built, at
/// search time: no literal prefilter, full DFA, one-pass or backtracker
/// is compiled up front. For the short texts of actions they win nothing,
/// and building them was most of a run's start-up CPU (the policy is
/// compiled at every `irongate run`).
fn build_set(list: &[String]) -> Option<regex_automata::meta::Regex> {
    use regex_automata::{MatchKind, meta, util::syntax};
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::All)
                .utf8_empty(false)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::None)
                .nfa_size_limit(Some(1 << 26))
                .hybrid_cache_capacity(1 << 24)
                .auto_prefilter(false)
                .dfa(false)
                .onepass(false)
                .backtrack(false),
        )
        .syntax(syntax::Config::new().utf8(false))
        .build_many(list)
        .ok()
}

/// The members of `set` that match somewhere in `text`.
fn set_matches(set: &regex_automata::meta::Regex, text: &[u8]) -> Matched {
    let mut matched = Matched::new(set.pattern_len());
    set.which_overlapping_matches(&regex_automata::Input::new(text), &mut matched);
    matched
}

/// Whether member `slot` is among `matched`.
fn has(matched: &Matched, slot: usize) -> bool {
    regex_automata::PatternID::new(slot).is_ok_and(|id| matched.contains(id))
}

/// What decided one action or view, before it becomes a [`Verdict`] (the
/// views of a two-path action are compared without building strings).
struct Outcome {
    decision: Decision,
    by: DecidedBy,
}

enum DecidedBy {
    /// The capability gate: the profile lacks this one.
    Gate(Cow<'static, str>),
    /// Rule `.0` matched but the profile lacks its capability `.1` (index).
    RuleCapability(usize, usize),
    /// Rule `.0` decided.
    Rule(usize),
    /// No rule matched (compile() makes this unreachable).
    DefaultDeny,
}

// The views of a two-path action lend set matches by field with a u64 mask.
const _: () = assert!(FIELD_COUNT <= 64);

/// Per-evaluation memo of which set members matched, by field index.
type SetMemo = [Option<Matched>; FIELD_COUNT];

/// An empty memo (arrays longer than 32 have no `Default`).
fn new_memo() -> SetMemo {
    std::array::from_fn(|_| None)
}

/// Assigns every string predicate its slot in its field's set and returns
/// the sets' patterns by field (see [`Policy::evaluate`]).
fn set_patterns(rules: &mut [Rule]) -> Vec<Vec<String>> {
    let mut patterns: Vec<Vec<String>> = vec![Vec::new(); FIELD_COUNT];
    for r in rules.iter_mut() {
        for p in &mut r.preds {
            if let Some(src) = p.set_pattern() {
                let list = &mut patterns[p.field.index()];
                p.slot = Some(list.len());
                list.push(src);
            }
        }
    }
    patterns
}

/// The agent's home for `~` in globs: `$HOME`.
fn default_home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

impl Policy {
    /// Loads and compiles a policy file; `~` in globs is `$HOME`.
    pub fn load_file(path: &Path) -> Result<Policy, PolicyError> {
        Policy::load_file_with_home(path, default_home().as_deref())
    }

    /// Loads and compiles a policy file; `~` in globs is `home`.
    pub fn load_file_with_home(path: &Path, home: Option<&str>) -> Result<Policy, PolicyError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            hint: match source.kind() {
                std::io::ErrorKind::NotFound => {
                    "check the path, or omit --policy to use the built-in policy".to_owned()
                }
                std::io::ErrorKind::InvalidData => "save the file as UTF-8 JSON".to_owned(),
                _ => "check the file's permissions".to_owned(),
            },
            origin: origin.clone(),
            source,
        })?;
        Policy::from_json_str_with_home(&text, &origin, home)
    }

    /// Compiles a policy from JSON text; `origin` names it in messages.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        Policy::from_json_str_with_home(text, origin, default_home().as_deref())
    }

    /// Compiles a policy from JSON text with `home` for `~` in globs.
    pub fn from_json_str_with_home(
        text: &str,
        origin: &str,
        home: Option<&str>,
    ) -> Result<Policy, PolicyError> {
        Policy::compile_text(text, origin, home, false)
    }

    /// Compiles a policy; `lazy` leaves the predicates' matchers to first
    /// use and skips the examples (see `compile::compile`).
    fn compile_text(
        text: &str,
        origin: &str,
        home: Option<&str>,
        lazy: bool,
    ) -> Result<Policy, PolicyError> {
        let mut c = compile::compile(text, origin, home, lazy)?;
        let index = Index::build(&c.rules);
        let patterns = set_patterns(&mut c.rules);
        Ok(Policy {
            origin: origin.to_owned(),
            source: text.to_owned(),
            digest: hex::encode(Sha256::digest(text.as_bytes())),
            approval_timeout: c.approval_timeout,
            rules: c.rules,
            index,
            patterns,
            sets: std::sync::Arc::new(Sets::new(FIELD_COUNT)),
            notes: c.notes,
        })
    }

    fn set_of(&self, fi: usize) -> &FieldSet {
        self.sets.field(fi, &self.patterns)
    }

    /// Builds every field's set now (the first evaluation that needs one
    /// otherwise builds it).
    pub fn warm(&self) {
        for fi in 0..self.patterns.len() {
            let _ = self.set_of(fi);
        }
    }

    /// The built-in policy (R-33).
    pub fn builtin() -> Policy {
        // The embedded file is compiled in full, examples included, by this
        // module's tests (`builtin_compiles_in_full`) and checked by
        // `tests/policy_decisions.rs`; failing here is a build defect. A
        // run compiles it lazily (milliseconds of every start-up).
        Policy::compile_text(BUILTIN_JSON, "builtin", default_home().as_deref(), true)
            .expect("the built-in policy (policies/default.json) must compile")
    }

    /// The built-in policy compiled in full: every matcher built, every
    /// rule's examples run (what `builtin` skips at start-up).
    pub fn builtin_checked() -> Result<Policy, PolicyError> {
        Policy::from_json_str(BUILTIN_JSON, "builtin")
    }

    /// Where the policy came from (a path, or `builtin`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The policy text as loaded.
    pub fn source_text(&self) -> &str {
        &self.source
    }

    /// Hex SHA-256 of the policy's bytes, recorded with each run.
    pub fn source_digest(&self) -> &str {
        &self.digest
    }

    /// `approval_timeout_seconds` (default 300 s).
    pub fn approval_timeout(&self) -> Duration {
        self.approval_timeout
    }

    /// Number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Rule `i` (0-based).
    pub fn rule(&self, i: usize) -> Option<&Rule> {
        self.rules.get(i)
    }

    /// Whether rule `i` says `log_args: true`.
    pub fn rule_log_args(&self, i: usize) -> bool {
        self.rules.get(i).is_some_and(|r| r.log_args)
    }

    /// Warnings for `irongate policy check`: shadowed rules, examples decided
    /// by an earlier rule, rules that cannot match, ignored legacy keys.
    pub fn check_report(&self) -> Vec<Warning> {
        let mut w = self.notes.clone();
        w.extend(shadow::analyse(&self.rules));
        w
    }

    /// Decides `action` under `profile`: the capability gate, then the first
    /// matching rule. The action should be [normalized](Action::normalize);
    /// if it is not, a normalized copy is judged.
    ///
    /// A two-path action (rename, link) is judged as written and then on
    /// each of its views (its destination as a `write` or `create`, a
    /// rename's source as a `delete`, both ways for an exchange; see
    /// `two_path.rs`). The most restrictive verdict stands, the first one on
    /// a tie; a verdict of a view of the second path has its reason prefixed
    /// with `target: ` (or `src_path: `).
    pub fn evaluate(&self, action: &Action, profile: &Profile) -> Verdict {
        if !action.is_normalized() {
            let mut copy = action.clone();
            copy.normalize();
            return self.evaluate(&copy, profile);
        }
        if action.type_text() == TAMPER {
            return self.evaluate_tamper(action);
        }
        let mut memo = new_memo();
        let outcome = self.evaluate_one(action, profile, &mut memo);
        if outcome.decision == Decision::Block || !two_path::is_two_path(action) {
            return self.verdict(outcome, "");
        }
        self.evaluate_views(action, profile, outcome, &mut memo)
    }

    /// The rest of [`Policy::evaluate`] for a two-path action whose own
    /// outcome is `own`; `memo` holds the set matches of the action itself.
    fn evaluate_views(
        &self,
        action: &Action,
        profile: &Profile,
        own: Outcome,
        memo: &mut SetMemo,
    ) -> Verdict {
        let (mut best, mut side) = (own, two_path::Side::Path);
        let walked = two_path::for_each_view(action, |view, view_side| {
            // A field whose text is the action's has the action's matches:
            // lend them to the view (evaluation only adds missing entries).
            let mut view_memo = new_memo();
            let mut lent = 0u64;
            for f in Field::ALL {
                let i = f.index();
                if memo[i].is_some() && view.text(*f) == action.text(*f) {
                    view_memo[i] = memo[i].take();
                    lent |= 1 << i;
                }
            }
            let o = self.evaluate_one(view, profile, &mut view_memo);
            for (i, slot) in memo.iter_mut().enumerate() {
                if lent & (1 << i) != 0 {
                    *slot = view_memo[i].take();
                }
            }
            if o.decision.rank() > best.decision.rank() {
                (best, side) = (o, view_side);
                if best.decision == Decision::Block {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        if let Err(missing) = walked {
            return Verdict {
                decision: Decision::Block,
                reason: format!("{}{}", missing.prefix(), two_path::MISSING_PATH),
                rule: None,
            };
        }
        self.verdict(best, side.prefix())
    }

    /// One action (or view), judged on its own: the gate, then the rules.
    /// `memo` holds the set matches known for its fields.
    fn evaluate_one(&self, action: &Action, profile: &Profile, memo: &mut SetMemo) -> Outcome {
        let cap = capability::required(action);
        if !profile.has(&cap) {
            return Outcome {
                decision: Decision::Block,
                by: DecidedBy::Gate(cap),
            };
        }
        for &i in self.index.candidates(action) {
            let i = i as usize;
            let r = &self.rules[i];
            if !self.rule_matches_fast(r, action, memo) {
                continue;
            }
            if let Some(c) = r.capabilities.iter().position(|c| !profile.has(c)) {
                return Outcome {
                    decision: Decision::Block,
                    by: DecidedBy::RuleCapability(i, c),
                };
            }
            return Outcome {
                decision: r.decision,
                by: DecidedBy::Rule(i),
            };
        }
        // Unreachable: compile() requires a terminal unconditional block.
        Outcome {
            decision: Decision::Block,
            by: DecidedBy::DefaultDeny,
        }
    }

    /// The verdict of `o`, its reason prefixed with `prefix`.
    fn verdict(&self, o: Outcome, prefix: &str) -> Verdict {
        let rule_ref = |i: usize| {
            Some(RuleRef {
                index: i,
                name: self.rules[i].name.clone(),
            })
        };
        let (reason, rule) = match o.by {
            DecidedBy::Gate(cap) => (format!("{prefix}missing_capability:{cap}"), None),
            DecidedBy::RuleCapability(i, c) => (
                format!(
                    "{prefix}missing_capability:{}",
                    self.rules[i].capabilities[c]
                ),
                rule_ref(i),
            ),
            DecidedBy::Rule(i) => {
                let reason = &self.rules[i].reason;
                let reason = if prefix.is_empty() {
                    reason.clone()
                } else {
                    format!("{prefix}{reason}")
                };
                (reason, rule_ref(i))
            }
            DecidedBy::DefaultDeny => (format!("{prefix}default_deny"), None),
        };
        Verdict {
            decision: o.decision,
            reason,
            rule,
        }
    }

    /// Tamper tripwires (R-40): observations of the agent's own interpreter
    /// (`ctypes.dlopen`, `sys.addaudithook`, …), not operations on the
    /// system. No capability covers them and only rules that name type
    /// `tamper` judge them; without one they are allowed and recorded.
    fn evaluate_tamper(&self, action: &Action) -> Verdict {
        let typed = self
            .first_match(action)
            .filter(|&i| self.rules[i].kind.as_deref() == Some(TAMPER));
        match typed {
            Some(i) => {
                let r = &self.rules[i];
                Verdict {
                    decision: r.decision,
                    reason: r.reason.clone(),
                    rule: Some(RuleRef {
                        index: i,
                        name: r.name.clone(),
                    }),
                }
            }
            None => Verdict {
                decision: Decision::Allow,
                reason: format!("tamper_tripwire: {} recorded", action.subtype_text()),
                rule: None,
            },
        }
    }

    /// The first rule whose predicates match `action`, ignoring capabilities.
    pub fn first_match(&self, action: &Action) -> Option<usize> {
        let mut memo = new_memo();
        self.index
            .candidates(action)
            .iter()
            .map(|&i| i as usize)
            .find(|&i| self.rule_matches_fast(&self.rules[i], action, &mut memo))
    }

    /// [`Rule::matches_preds`] with string predicates answered from their
    /// field's set: the first string predicate on a field scans the field's
    /// text once for every rule's predicates on it, later ones are a lookup.
    /// A few set scans replace one regex or substring search per predicate,
    /// which is what keeps a 100-rule policy under R-91's microsecond.
    #[inline]
    fn rule_matches_fast(&self, r: &Rule, action: &Action, memo: &mut SetMemo) -> bool {
        r.preds.iter().all(|p| {
            let fi = p.field.index();
            let Some(slot) = p.slot else {
                return p.matches(action);
            };
            let field = self.set_of(fi);
            match (&field.set, action.text(p.field)) {
                (Some(_), None) => field.empty.as_ref().is_some_and(|m| has(m, slot)),
                (Some(set), Some(text)) => has(
                    memo[fi].get_or_insert_with(|| set_matches(set, text.as_bytes())),
                    slot,
                ),
                _ => p.matches(action),
            }
        })
    }
}

/// The capability `action` requires (R-32); see the mapping in `capability.rs`.
pub fn required_capability(action: &Action) -> Cow<'static, str> {
    capability::required(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(p: &Policy, profile: &str, v: Value) -> Verdict {
        let a = Action::from_json(&v).unwrap();
        p.evaluate(&a, &Profile::from_name(profile).unwrap())
    }

    #[test]
    fn builtin_compiles_in_full() {
        // What the lazy start-up form skips: every matcher and example.
        let full = Policy::builtin_checked().expect("the built-in policy compiles in full");
        let lazy = Policy::builtin();
        assert_eq!(full.rule_count(), lazy.rule_count());
        assert!(full.rules.iter().any(|r| !r.examples.is_empty()));
        let a =
            Action::from_json(&json!({"type": "file", "subtype": "read", "path": "/etc/shadow"}))
                .unwrap();
        let p = Profile::from_name("sandboxed").unwrap();
        assert_eq!(full.evaluate(&a, &p), lazy.evaluate(&a, &p));
    }

    #[test]
    fn builtin_compiles_and_has_terminal_block() {
        let p = Policy::builtin();
        assert!(p.rule_count() > 10);
        let last = p.rule(p.rule_count() - 1).unwrap();
        assert!(last.is_unconditional() && last.decision() == Decision::Block);
        assert_eq!(p.approval_timeout(), Duration::from_secs(300));
        assert_eq!(p.source_digest().len(), 64);
        let shadowed: Vec<_> = p
            .check_report()
            .into_iter()
            .filter(|w| w.kind != WarningKind::LegacyKey)
            .collect();
        assert!(shadowed.is_empty(), "{shadowed:?}");
    }

    #[test]
    fn verdict_json_shape() {
        let p = Policy::builtin();
        let v = eval(&p, "sandboxed", json!({"type": "gpu_job"}));
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            json!({"decision": "block", "reason": "missing_capability:unknown.gpu_job", "rule": null})
        );
        let v = eval(
            &p,
            "sandboxed",
            json!({"type": "file", "subtype": "read", "path": "/tmp/a"}),
        );
        let j = serde_json::to_value(&v).unwrap();
        assert_eq!(j["decision"], "allow");
        assert!(j["rule"]["index"].is_u64() && j["rule"]["name"].is_string());
    }

    #[test]
    fn first_match_wins_and_index_keeps_order() {
        let p = Policy::from_json_str(
            r#"{"rules": [
                {"subtype": "read", "decision": "review", "reason": "any read"},
                {"type": "file", "subtype": "read", "decision": "allow"},
                {"type": "file", "decision": "block", "reason": "files"},
                {"decision": "block", "reason": "default_deny"}]}"#,
            "t",
        )
        .unwrap();
        let v = eval(
            &p,
            "trusted",
            json!({"type": "file", "subtype": "read", "path": "/x"}),
        );
        assert_eq!((v.decision, v.rule.unwrap().index), (Decision::Review, 0));
        let v = eval(
            &p,
            "trusted",
            json!({"type": "file", "subtype": "write", "path": "/x"}),
        );
        assert_eq!((v.decision, v.reason.as_str()), (Decision::Block, "files"));
        let v = eval(&p, "trusted", json!({"type": "tool", "tool_name": "x"}));
        assert_eq!(v.rule.unwrap().index, 3);
    }

    #[test]
    fn rule_capabilities_block_with_the_rule() {
        let p = Policy::from_json_str(
            r#"{"rules": [
                {"type": "file", "capabilities": ["file.read.sensitive"], "decision": "allow"},
                {"decision": "block"}]}"#,
            "t",
        )
        .unwrap();
        let v = eval(
            &p,
            "sandboxed",
            json!({"type": "file", "subtype": "read", "path": "/x"}),
        );
        assert_eq!(v.reason, "missing_capability:file.read.sensitive");
        assert_eq!(v.rule.unwrap().index, 0);
        let v = eval(
            &p,
            "trusted",
            json!({"type": "file", "subtype": "read", "path": "/x"}),
        );
        assert_eq!(
            (v.decision, v.reason.as_str()),
            (Decision::Allow, "matched_rule")
        );
    }

    #[test]
    fn batched_sets_agree_with_single_predicates() {
        let mut policies = vec![Policy::builtin_checked().unwrap(), Policy::builtin()];
        for text in [
            include_str!("../../policies/examples/coding-agent.json"),
            include_str!("../../policies/examples/web-research.json"),
            include_str!("../../policies/examples/original-default.json"),
        ] {
            policies.push(Policy::from_json_str_with_home(text, "t", Some("/home/u")).unwrap());
        }
        let mut actions: Vec<Action> = Vec::new();
        for p in &policies {
            for r in &p.rules {
                actions.extend(r.examples.iter().map(|(_, a)| a.clone()));
            }
        }
        assert!(actions.len() > 100);
        for p in &policies {
            p.warm();
            assert!(
                p.sets
                    .fields
                    .iter()
                    .any(|f| f.get().is_some_and(|f| f.set.is_some()))
            );
            for a in &actions {
                let mut memo = new_memo();
                for r in &p.rules {
                    assert_eq!(
                        p.rule_matches_fast(r, a, &mut memo),
                        r.matches_preds(a),
                        "{:?} on {}",
                        r.name,
                        a.canonical_json()
                    );
                }
            }
        }
    }

    const TWO_PATH: &str = r#"{"rules": [
        {"name": "secret", "type": "file", "path_startswith": "/secret/", "decision": "block", "reason": "secret"},
        {"name": "home", "type": "file", "path_startswith": "/home/", "decision": "review", "reason": "home"},
        {"name": "symlink-content", "type": "file", "subtype": "symlink", "target_startswith": "/secret/", "decision": "review", "reason": "points at a secret"},
        {"name": "ws", "type": "file", "path_startswith": "/ws/", "decision": "allow", "reason": "ws"},
        {"decision": "block", "reason": "default_deny"}]}"#;

    fn two(sub: &str, path: &str, target: &str) -> Value {
        json!({"type": "file", "subtype": sub, "path": path, "target": target})
    }

    #[test]
    fn two_path_most_restrictive_side_decides() {
        let p = Policy::from_json_str(TWO_PATH, "t").unwrap();
        let cases = [
            (
                two("rename", "/ws/a", "/ws/b"),
                Decision::Allow,
                "ws",
                Some(3),
            ),
            (
                two("rename", "/ws/a", "/secret/x"),
                Decision::Block,
                "target: secret",
                Some(0),
            ),
            (
                two("rename", "/ws/a", "/home/x"),
                Decision::Review,
                "target: home",
                Some(1),
            ),
            (
                two("rename", "/secret/x", "/ws/a"),
                Decision::Block,
                "secret",
                Some(0),
            ),
            (
                two("rename", "/ws/a", "/elsewhere"),
                Decision::Block,
                "target: default_deny",
                Some(4),
            ),
            (
                two("link", "/secret/x", "/ws/l"),
                Decision::Block,
                "secret",
                Some(0),
            ),
            (
                two("link", "/ws/a", "/secret/l"),
                Decision::Block,
                "target: secret",
                Some(0),
            ),
            (
                two("symlink", "/secret/l", "/ws/a"),
                Decision::Block,
                "secret",
                Some(0),
            ),
            (
                two("symlink", "/ws/l", "/secret/x"),
                Decision::Review,
                "points at a secret",
                Some(2),
            ),
            (
                two("symlink", "/ws/l", "/home/x"),
                Decision::Allow,
                "ws",
                Some(3),
            ),
            // One-path actions ignore `target`, as before.
            (
                two("write", "/ws/a", "/secret/x"),
                Decision::Allow,
                "ws",
                Some(3),
            ),
        ];
        for (action, decision, reason, rule) in cases {
            let v = eval(&p, "trusted", action.clone());
            assert_eq!(
                (v.decision, v.reason.as_str(), v.rule.map(|r| r.index)),
                (decision, reason, rule),
                "{action}"
            );
        }
        // An exchange is judged both ways: either side protected blocks.
        let mut x = two("rename", "/ws/a", "/secret/x");
        x["exchange"] = json!(true);
        assert_eq!(eval(&p, "trusted", x).reason, "target: secret");
        let mut x = two("rename", "/home/a", "/ws/b");
        x["exchange"] = json!(true);
        let v = eval(&p, "trusted", x);
        assert_eq!((v.decision, v.reason.as_str()), (Decision::Review, "home"));
        // A missing second path is refused, not judged on the first alone.
        let v = eval(
            &p,
            "trusted",
            json!({"type": "file", "subtype": "rename", "path": "/ws/a"}),
        );
        assert_eq!(v.decision, Decision::Block);
        assert!(v.reason.starts_with("target: missing_path") && v.rule.is_none());
    }

    #[test]
    fn two_path_tie_keeps_the_action_own_rule() {
        let p = Policy::from_json_str(
            r#"{"rules": [
                {"name": "renames", "type": "file", "subtype": "rename", "decision": "review", "reason": "renames"},
                {"name": "files", "type": "file", "decision": "review", "reason": "files"},
                {"decision": "block"}]}"#,
            "t",
        )
        .unwrap();
        let v = eval(&p, "trusted", two("rename", "/a", "/b"));
        assert_eq!((v.reason.as_str(), v.rule.unwrap().index), ("renames", 0));
    }

    #[test]
    fn two_path_views_need_their_capabilities() {
        let p = Policy::from_json_str(TWO_PATH, "t").unwrap();
        let judge = |grants: &[&str], action: Value| {
            let a = Action::from_json(&action).unwrap();
            p.evaluate(&a, &Profile::new("custom", grants))
        };
        // The source of a rename loses its name: a delete.
        let v = judge(
            &["file.read", "file.write"],
            two("rename", "/ws/a", "/ws/b"),
        );
        assert_eq!(v.reason, "missing_capability:file.delete");
        let v = judge(&["file.*"], two("rename", "/ws/a", "/ws/b"));
        assert_eq!(v.decision, Decision::Allow);
        // A destination in a system directory is a dangerous write.
        let v = judge(
            &["file.read", "file.write", "file.delete"],
            two("link", "/ws/a", "/etc/x"),
        );
        assert_eq!(v.reason, "missing_capability:file.write.dangerous");
        let v = eval(&p, "sandboxed", two("rename", "/ws/a", "/ws/b"));
        assert_eq!(
            (v.reason.as_str(), v.rule),
            ("missing_capability:file.write", None)
        );
    }

    #[test]
    fn two_path_examples_match_on_any_side() {
        let p = Policy::from_json_str(
            r#"{"rules": [
                {"name": "secret", "type": "file", "path_startswith": "/secret/", "decision": "block",
                 "examples": {"match": [{"type": "file", "subtype": "rename", "path": "/ws/a", "target": "/secret/a"}],
                              "no_match": [{"type": "file", "subtype": "symlink", "path": "/ws/l", "target": "/secret/a"}]}},
                {"decision": "block"}]}"#,
            "t",
        );
        assert!(p.is_ok(), "{:?}", p.err());
        let e = Policy::from_json_str(
            r#"{"rules": [
                {"name": "ws", "type": "file", "path_startswith": "/ws/", "decision": "allow",
                 "examples": {"no_match": [{"type": "file", "subtype": "rename", "path": "/tmp/a", "target": "/ws/a"}]}},
                {"decision": "block"}]}"#,
            "t",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is matched by the rule"), "{e}");
    }

    #[test]
    fn unnormalized_open_is_classified() {
        let p = Policy::from_json_str(
            r#"{"rules": [{"type": "file", "subtype": "read", "decision": "allow"},
                          {"decision": "block"}]}"#,
            "t",
        )
        .unwrap();
        let rb = eval(
            &p,
            "sandboxed",
            json!({"type":"file","subtype":"open","path":"/x","mode":"rb"}),
        );
        assert_eq!(rb.decision, Decision::Allow);
        let w = eval(
            &p,
            "sandboxed",
            json!({"type":"file","subtype":"open","path":"/x","flags":65}),
        );
        assert_eq!(w.reason, "missing_capability:file.write");
    }
}
