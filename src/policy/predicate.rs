//! Compiled rule predicates (SPEC R-30) and their semantics.
//!
//! - `FIELD`: the field's JSON value equals the rule's (numbers compare by
//!   value, so `443` matches `443.0`); `null` matches a missing field.
//! - `FIELD_contains`: any of the strings is a substring of the field's text.
//! - `FIELD_startswith`: the text starts with any of the strings.
//! - `FIELD_pattern`: the regex matches somewhere in the text (unanchored).
//! - `FIELD_glob`: the text matches any of the path globs; `*` stays within
//!   one path component, `**` crosses `/`, a leading `~` is the agent's home.
//!
//! All case-sensitive. A missing field has the empty text, as in the original
//! (so only a pattern or glob that matches `""` can match it).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde_json::Value;

use crate::action::{Action, Field};

/// What a predicate tests, by increasing cost.
#[derive(Debug, Clone)]
pub enum Test {
    /// Exact JSON equality.
    Exact(Value),
    /// Any prefix.
    StartsWith(Vec<String>),
    /// Any substring.
    Contains(Contains),
    /// Any glob; compiled into one anchored byte regex.
    Glob {
        /// The globs as written (before `~` expansion).
        globs: Vec<String>,
        /// The combined matcher.
        re: Lazy<regex::bytes::Regex>,
    },
    /// One regex, searched unanchored.
    Pattern(Lazy<regex::Regex>),
}

/// A matcher compiled from `src` on first use, or at once with
/// [`Lazy::check`]. Evaluation runs a field's predicates through one
/// combined set, so a predicate's own matcher is often never needed: the
/// built-in policy (compiled and checked by the tests) leaves them unbuilt,
/// which keeps milliseconds of regex compilation off every run's start.
#[derive(Debug, Clone)]
pub struct Lazy<T> {
    src: String,
    build: fn(&str) -> Result<T, String>,
    cell: std::sync::OnceLock<T>,
}

impl<T> Lazy<T> {
    /// A matcher to build from `src` with `build`.
    pub fn new(src: String, build: fn(&str) -> Result<T, String>) -> Lazy<T> {
        Lazy {
            src,
            build,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// A matcher already built (from `src`, as `build` would).
    pub fn built(src: String, build: fn(&str) -> Result<T, String>, value: T) -> Lazy<T> {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(value);
        Lazy { src, build, cell }
    }

    /// Builds it now; the error is the policy's, reported when it loads.
    pub fn check(&self) -> Result<(), String> {
        if self.cell.get().is_none() {
            let built = (self.build)(&self.src)?;
            let _ = self.cell.set(built);
        }
        Ok(())
    }

    /// The matcher.
    pub fn get(&self) -> &T {
        self.cell.get_or_init(|| {
            // Checked when the policy was compiled (or by the tests, for
            // the built-in policy).
            (self.build)(&self.src).expect("a policy matcher that compiled before")
        })
    }

    /// What it is compiled from.
    pub fn as_str(&self) -> &str {
        &self.src
    }
}

/// A rule regex (`_pattern`), with the size limit rules get.
pub fn build_rule_regex(src: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(src)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| e.to_string())
}

/// The combined regex of a glob predicate.
pub fn build_glob_regex(src: &str) -> Result<regex::bytes::Regex, String> {
    regex::bytes::Regex::new(src).map_err(|e| e.to_string())
}

/// A substring test over one or many markers.
#[derive(Debug, Clone)]
pub struct Contains {
    /// The markers as written.
    pub markers: Vec<String>,
    /// One pass over the text for many markers; `None` for a single one
    /// (built on first use).
    ac: std::sync::OnceLock<Option<AhoCorasick>>,
}

impl Contains {
    /// Builds the matcher for `markers` (non-empty).
    pub fn new(markers: Vec<String>) -> Contains {
        Contains {
            markers,
            ac: std::sync::OnceLock::new(),
        }
    }

    #[inline]
    fn is_match(&self, text: &str) -> bool {
        // A single marker is faster with the standard library's searcher;
        // a DFA pays off from two markers on.
        let ac = self.ac.get_or_init(|| {
            (self.markers.len() > 1)
                .then(|| {
                    AhoCorasick::builder()
                        .kind(Some(AhoCorasickKind::DFA))
                        .match_kind(MatchKind::Standard)
                        .build(&self.markers)
                        .ok()
                })
                .flatten()
        });
        match ac {
            Some(ac) => ac.is_match(text),
            None => self.markers.iter().any(|m| text.contains(m.as_str())),
        }
    }
}

/// One compiled predicate.
#[derive(Debug, Clone)]
pub struct Pred {
    /// The field it reads.
    pub field: Field,
    /// The test.
    pub test: Test,
    /// The rule key it came from (`path_contains`), for messages.
    pub key: String,
    /// Position of this predicate in its field's matching set,
    /// when string predicates are batched (see `Policy::evaluate`).
    pub slot: Option<usize>,
}

impl Pred {
    /// Cost class, for ordering a rule's predicates cheapest first.
    pub fn cost(&self) -> u8 {
        match self.test {
            Test::Exact(_) => 0,
            Test::StartsWith(_) => 1,
            Test::Contains(_) => 2,
            Test::Glob { .. } => 3,
            Test::Pattern(_) => 4,
        }
    }

    /// This predicate as one regex for its field's set, or `None` for an
    /// exact predicate. Same semantics as [`Pred::matches`].
    pub fn set_pattern(&self) -> Option<String> {
        let alternation = |items: &[String]| {
            items
                .iter()
                .map(|m| regex::escape(m))
                .collect::<Vec<_>>()
                .join("|")
        };
        match &self.test {
            Test::Exact(_) => None,
            Test::StartsWith(p) => Some(format!("\\A(?:{})", alternation(p))),
            Test::Contains(c) => Some(format!("(?:{})", alternation(&c.markers))),
            Test::Glob { re, .. } => Some(format!("(?:{})", re.as_str())),
            Test::Pattern(re) => Some(format!("(?:{})", re.as_str())),
        }
    }

    /// Whether the action satisfies this predicate.
    #[inline]
    pub fn matches(&self, action: &Action) -> bool {
        match &self.test {
            Test::Exact(want) => json_eq(action.get(self.field), want),
            Test::StartsWith(prefixes) => {
                let text = action.text(self.field).unwrap_or("");
                prefixes.iter().any(|p| text.starts_with(p.as_str()))
            }
            Test::Contains(c) => c.is_match(action.text(self.field).unwrap_or("")),
            Test::Glob { re, .. } => re
                .get()
                .is_match(action.text(self.field).unwrap_or("").as_bytes()),
            Test::Pattern(re) => re.get().is_match(action.text(self.field).unwrap_or("")),
        }
    }
}

/// Exact-predicate equality: `null` matches a missing field; numbers compare
/// by value; everything else structurally.
pub fn json_eq(have: Option<&Value>, want: &Value) -> bool {
    match (have, want) {
        (None, Value::Null) => true,
        (None, _) => false,
        (Some(Value::Number(a)), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (a.as_u64(), b.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            },
        },
        (Some(a), b) => a == b,
    }
}

/// Expands a leading `~` (alone or followed by `/`) to `home`.
pub fn expand_home(glob: &str, home: Option<&str>) -> String {
    let Some(home) = home.filter(|h| !h.is_empty()) else {
        return glob.to_owned();
    };
    let home = globset::escape(home.trim_end_matches('/'));
    if glob == "~" {
        home
    } else if let Some(rest) = glob.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else {
        glob.to_owned()
    }
}

/// Path globs as the text of one anchored byte regex: `*`, `?` and `[…]`
/// never match `/`; `**` does (the globs checked, the regex not compiled).
pub fn glob_pattern(globs: &[String], home: Option<&str>) -> Result<String, String> {
    let mut parts = Vec::with_capacity(globs.len());
    for g in globs {
        let expanded = expand_home(g, home);
        let glob = globset::GlobBuilder::new(&expanded)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("invalid glob \"{g}\": {}", e.kind()))?;
        parts.push(format!("(?:{})", glob.regex()));
    }
    Ok(parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pred(field: Field, test: Test) -> Pred {
        Pred {
            field,
            test,
            key: String::new(),
            slot: None,
        }
    }

    fn file(path: &str) -> Action {
        Action::new("file", "read").with(Field::Path, path)
    }

    #[test]
    fn exact() {
        let p = pred(Field::Port, Test::Exact(json!(443)));
        assert!(p.matches(&Action::new("network", "connect").with(Field::Port, 443)));
        assert!(p.matches(&Action::new("network", "connect").with(Field::Port, 443.0)));
        assert!(!p.matches(&Action::new("network", "connect").with(Field::Port, "443")));
        assert!(!p.matches(&Action::new("network", "connect")));
        let null = pred(Field::Target, Test::Exact(Value::Null));
        assert!(null.matches(&Action::new("network", "connect")));
        let s = pred(Field::Subtype, Test::Exact(json!("read")));
        assert!(s.matches(&file("/x")) && !s.matches(&Action::new("file", "Read")));
    }

    #[test]
    fn contains_and_startswith() {
        for markers in [
            vec![".env".to_owned()],
            vec![".env".to_owned(), ".ssh/".to_owned()],
        ] {
            let p = pred(Field::Path, Test::Contains(Contains::new(markers)));
            assert!(p.matches(&file("/home/u/.env")));
            assert!(!p.matches(&file("/home/u/.ENV")), "case-sensitive");
            assert!(!p.matches(&Action::new("file", "read")), "missing field");
        }
        let p = pred(
            Field::Path,
            Test::StartsWith(vec!["/etc".into(), "/boot/".into()]),
        );
        assert!(p.matches(&file("/etc/passwd")) && p.matches(&file("/boot/x")));
        assert!(!p.matches(&file("/home/etc")));
        // Text forms: argv is matched shell-joined, a port as decimal.
        let c = pred(
            Field::Argv,
            Test::Contains(Contains::new(vec!["rm -rf".into()])),
        );
        assert!(c.matches(
            &Action::new("process", "exec").with(Field::Argv, json!(["rm", "-rf", "/x"]))
        ));
        let port = pred(Field::Port, Test::StartsWith(vec!["80".into()]));
        assert!(port.matches(&Action::new("network", "connect").with(Field::Port, 8080)));
    }

    #[test]
    fn pattern_is_unanchored() {
        let p = pred(
            Field::Cmd,
            Test::Pattern(Lazy::new("rm\\s+-rf".into(), build_rule_regex)),
        );
        assert!(p.matches(&Action::new("process", "exec").with(Field::Cmd, "sudo rm  -rf /")));
        let empty = pred(
            Field::Cmd,
            Test::Pattern(Lazy::new("^$".into(), build_rule_regex)),
        );
        assert!(
            empty.matches(&Action::new("process", "exec")),
            "missing = empty text"
        );
    }

    fn glob(globs: &[&str], home: Option<&str>) -> Pred {
        let globs: Vec<String> = globs.iter().map(|s| (*s).to_owned()).collect();
        let re = Lazy::new(glob_pattern(&globs, home).unwrap(), build_glob_regex);
        re.check().unwrap();
        pred(Field::Path, Test::Glob { globs, re })
    }

    #[test]
    fn globs() {
        let g = glob(&["/work/*.py"], None);
        assert!(g.matches(&file("/work/a.py")));
        assert!(!g.matches(&file("/work/sub/a.py")), "* does not cross /");
        let g = glob(&["/work/**"], None);
        assert!(g.matches(&file("/work/a")) && g.matches(&file("/work/sub/deep/a.py")));
        assert!(!g.matches(&file("/workx/a")));
        let g = glob(&["/work/**/*.py"], None);
        assert!(g.matches(&file("/work/a.py")) && g.matches(&file("/work/x/y/a.py")));
        assert!(!g.matches(&file("/work/x/y/a.pyc")));
    }

    #[test]
    fn glob_home_expansion() {
        let g = glob(&["~/.ssh/**", "~"], Some("/home/alice/"));
        assert!(g.matches(&file("/home/alice/.ssh/id_rsa")));
        assert!(g.matches(&file("/home/alice")));
        assert!(!g.matches(&file("/home/bob/.ssh/id_rsa")));
        assert!(!g.matches(&file("~/.ssh/id_rsa")));
        // `~` only at the start; `~user` is not expanded.
        assert_eq!(expand_home("/x/~/y", Some("/h")), "/x/~/y");
        assert_eq!(expand_home("~bob/x", Some("/h")), "~bob/x");
        // A home with glob metacharacters is matched literally.
        let g = glob(&["~/*.txt"], Some("/home/[x]"));
        assert!(g.matches(&file("/home/[x]/a.txt")) && !g.matches(&file("/home/x/a.txt")));
        // No home known: `~` stays literal.
        let g = glob(&["~/a"], None);
        assert!(g.matches(&file("~/a")));
    }
}
