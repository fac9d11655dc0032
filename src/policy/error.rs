//! Errors of the policy module. Every message says what failed and where
//! (file, rule index and name, key), then a `hint:` line with the fix.

use serde_json::{Value, json};

/// What is wrong with one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFault {
    /// The rule is not a JSON object.
    NotObject,
    /// A key that is neither a rule key nor `FIELD[_suffix]`.
    UnknownKey,
    /// `FIELD_suffix` with an unknown field.
    UnknownField,
    /// A value of the wrong type, an empty list or an empty string.
    BadValue,
    /// A regex the `regex` crate rejects.
    Regex,
    /// A regex using syntax only Python's `re` has (look-around, backreferences).
    PythonRegex,
    /// An invalid glob.
    Glob,
    /// No `decision`.
    MissingDecision,
    /// A `decision` other than allow/review/block.
    UnknownDecision,
    /// `priority`, which the original ignored.
    Priority,
    /// The last rule is not an unconditional block.
    NotTerminal,
    /// An `examples` case the rule does not decide as declared.
    Example,
    /// A capability name that is not in the catalogue.
    UnknownCapability,
}

impl RuleFault {
    /// Stable name for `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            RuleFault::NotObject => "rule_not_object",
            RuleFault::UnknownKey => "unknown_key",
            RuleFault::UnknownField => "unknown_field",
            RuleFault::BadValue => "bad_value",
            RuleFault::Regex => "invalid_regex",
            RuleFault::PythonRegex => "python_only_regex",
            RuleFault::Glob => "invalid_glob",
            RuleFault::MissingDecision => "missing_decision",
            RuleFault::UnknownDecision => "unknown_decision",
            RuleFault::Priority => "priority",
            RuleFault::NotTerminal => "no_terminal_block",
            RuleFault::Example => "example_failed",
            RuleFault::UnknownCapability => "unknown_capability",
        }
    }
}

/// Errors of loading a policy or naming a profile.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {origin}: {source}\nhint: {hint}")]
    Io {
        /// The file.
        origin: String,
        /// The OS error.
        source: std::io::Error,
        /// How to fix it.
        hint: String,
    },
    /// The text is not valid JSON (or repeats a key).
    #[error(
        "invalid policy {origin}: not valid JSON at line {line} column {column}: {cause}\nhint: {hint}"
    )]
    Json {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        cause: String,
        /// How to fix it.
        hint: String,
    },
    /// Something wrong at the top level: not an object, unknown key,
    /// bad `version`, no rules, ….
    #[error("invalid policy {origin}: {}: {cause}\nhint: {hint}", key.as_deref().map_or_else(|| "document".to_owned(), |k| format!("top-level key \"{k}\"")))]
    TopLevel {
        /// The file.
        origin: String,
        /// The key at fault, if one is.
        key: Option<String>,
        /// What is wrong.
        cause: String,
        /// How to fix it.
        hint: String,
    },
    /// Something wrong in one rule (boxed: the details are large and
    /// loading is a cold path).
    #[error(transparent)]
    Rule(Box<RuleError>),
    /// A profile name that is not one of the built-in profiles.
    #[error("unknown profile \"{name}\"\nhint: {hint}")]
    UnknownProfile {
        /// The name given.
        name: String,
        /// How to fix it.
        hint: String,
    },
}

/// A fault in one rule, with where it is and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("invalid policy {origin}: {}: {cause}\nhint: {hint}", describe_rule(*index, name.as_deref(), key.as_deref()))]
pub struct RuleError {
    /// The file.
    pub origin: String,
    /// 0-based index in `rules`.
    pub index: usize,
    /// The rule's `name`, if it has one.
    pub name: Option<String>,
    /// The key at fault, if one is.
    pub key: Option<String>,
    /// What kind of fault.
    pub fault: RuleFault,
    /// What is wrong.
    pub cause: String,
    /// How to fix it.
    pub hint: String,
}

/// `rule #3 ("secrets"), key "path_contians"`.
pub fn describe_rule(index: usize, name: Option<&str>, key: Option<&str>) -> String {
    let mut s = format!("rule #{index}");
    if let Some(n) = name {
        s.push_str(&format!(" (\"{n}\")"));
    }
    if let Some(k) = key {
        s.push_str(&format!(", key \"{k}\""));
    }
    s
}

impl PolicyError {
    /// The hint line's text.
    pub fn hint(&self) -> &str {
        match self {
            PolicyError::Io { hint, .. }
            | PolicyError::Json { hint, .. }
            | PolicyError::TopLevel { hint, .. }
            | PolicyError::UnknownProfile { hint, .. } => hint,
            PolicyError::Rule(r) => &r.hint,
        }
    }

    /// The error as data, for `--json` output.
    pub fn to_json(&self) -> Value {
        let message = self.to_string();
        let message = message.split("\nhint: ").next().unwrap_or("").to_owned();
        let mut v = json!({"message": message, "hint": self.hint(),
                           "file": null, "rule": null, "rule_name": null, "key": null});
        match self {
            PolicyError::Io { origin, .. } => {
                v["kind"] = json!("io");
                v["file"] = json!(origin);
            }
            PolicyError::Json {
                origin,
                line,
                column,
                ..
            } => {
                v["kind"] = json!("json");
                v["file"] = json!(origin);
                v["line"] = json!(line);
                v["column"] = json!(column);
            }
            PolicyError::TopLevel { origin, key, .. } => {
                v["kind"] = json!("top_level");
                v["file"] = json!(origin);
                v["key"] = json!(key);
            }
            PolicyError::Rule(r) => {
                v["kind"] = json!(r.fault.name());
                v["file"] = json!(r.origin);
                v["rule"] = json!(r.index);
                v["rule_name"] = json!(r.name);
                v["key"] = json!(r.key);
            }
            PolicyError::UnknownProfile { name, .. } => {
                v["kind"] = json!("unknown_profile");
                v["profile"] = json!(name);
            }
        }
        v
    }
}
