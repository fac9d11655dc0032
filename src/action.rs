//! The action model (SPEC §4): what the policy judges.
//!
//! An [`Action`] is a JSON object of known fields. Field names keep the
//! original's (`path`, `target`, `cmd`, `tool_name`, …) so that existing
//! policies keep their meaning (R-34). Lookup is by [`Field`], an index into a
//! fixed array, so evaluating a compiled policy never hashes a key. Each field
//! also keeps a precomputed text form, the string the `_contains`,
//! `_startswith`, `_pattern` and `_glob` predicates see.
//!
//! Keys that are not fields are kept in an `extra` map: they are logged with
//! the action but no rule can name them.
//!
//! Start reading at [`Action::from_json`] and [`Action::normalize`].

use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The action is not a JSON object.
    #[error("invalid action: expected a JSON object, found {found}")]
    NotObject {
        /// The JSON type that was found instead.
        found: &'static str,
    },
    /// The action text is not valid JSON.
    #[error("invalid action: not valid JSON: {source}")]
    Json {
        /// The parser's error (it carries line and column).
        #[from]
        source: serde_json::Error,
    },
}

macro_rules! fields {
    ($($variant:ident => $name:literal),+ $(,)?) => {
        /// A field an action may carry and a rule may name (SPEC §4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Field { $(
            #[doc = concat!("`", $name, "`")]
            $variant
        ),+ }

        impl Field {
            /// Every field, in index order.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The field called `name` in JSON, if there is one.
            pub fn from_name(name: &str) -> Option<Field> {
                match name {
                    $($name => Some(Field::$variant),)+
                    _ => None,
                }
            }

            /// The field's JSON name.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),+ }
            }
        }
    };
}

fields! {
    Type => "type",
    Subtype => "subtype",
    Path => "path",
    Target => "target",
    Flags => "flags",
    Mode => "mode",
    Owner => "owner",
    Exchange => "exchange",
    SrcPath => "src_path",
    Requested => "requested",
    Host => "host",
    Hostname => "hostname",
    Ip => "ip",
    Port => "port",
    Url => "url",
    Method => "method",
    Scheme => "scheme",
    Cmd => "cmd",
    Argv => "argv",
    Executable => "executable",
    ProcessClass => "process_class",
    EnvChanges => "env_changes",
    Cwd => "cwd",
    ToolName => "tool_name",
    Framework => "framework",
    ArgNames => "arg_names",
    ArgsDigest => "args_digest",
    Args => "args",
    InputArgs => "input_args",
    Name => "name",
    Agent => "agent",
    Source => "source",
    Layer => "layer",
    InTool => "in_tool",
    ProcOwner => "proc_owner",
}

/// Number of [`Field`]s; the size of an action's field arrays.
pub const FIELD_COUNT: usize = Field::ALL.len();

/// The JSON value kinds a field holds, used to validate exact predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A string or an integer (`mode`: `"rb"` from `open`, bits from `chmod`).
    StrOrInt,
    /// A list of strings.
    List,
    /// A boolean (`exchange`).
    Bool,
    /// Any JSON value.
    Any,
}

impl Field {
    /// The position of the field in an action's arrays.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// What kind of JSON value this field holds.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::Flags | Field::Port => FieldKind::Int,
            Field::Mode => FieldKind::StrOrInt,
            Field::Argv | Field::ArgNames | Field::EnvChanges => FieldKind::List,
            Field::Exchange => FieldKind::Bool,
            Field::Args | Field::InputArgs => FieldKind::Any,
            _ => FieldKind::Str,
        }
    }
}

macro_rules! spelled {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $(
            #[doc = concat!("`", $text, "`")]
            $variant
        ),+ }

        impl $name {
            /// The subtype spelled `text`; `None` for any other spelling (an
            /// unknown subtype never becomes a known one).
            pub fn from_name(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The subtype's JSON spelling.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

spelled! {
    /// What a `file` action does (SPEC §4).
    FileOp {
        Read => "read",
        Write => "write",
        Create => "create",
        Delete => "delete",
        Rename => "rename",
        Mkdir => "mkdir",
        Link => "link",
        Symlink => "symlink",
        Chmod => "chmod",
        Chown => "chown",
        Truncate => "truncate",
        List => "list",
    }
}

spelled! {
    /// What a `network` action does (SPEC §4).
    NetOp {
        Dns => "dns",
        Connect => "connect",
        Bind => "bind",
        Send => "send",
        Http => "http",
    }
}

spelled! {
    /// What a `process` action does (SPEC §4).
    ProcessOp {
        Exec => "exec",
        Spawn => "spawn",
        System => "system",
    }
}

impl FileOp {
    /// Reads only: `read` and `list`.
    pub fn is_read(self) -> bool {
        matches!(self, FileOp::Read | FileOp::List)
    }
}

/// An action's type and subtype as the supervisor acts on them. Anything the
/// supervisor does not produce itself (an unknown type, an unknown subtype of
/// a known type, a non-string spelling) is [`Kind::Other`]: the policy still
/// judges it by its spelling, and no code path treats it as a known kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `file/…`.
    File(FileOp),
    /// `network/…`.
    Network(NetOp),
    /// `process/…`.
    Process(ProcessOp),
    /// `tool/invoke`.
    ToolInvoke,
    /// `tamper/…`: tripwires and refusals of IronGate's own; the subtype
    /// names the event.
    Tamper,
    /// Any other type or subtype.
    Other,
}

/// The `type` of tamper actions.
pub const TAMPER: &str = "tamper";

/// The keys of a logged event besides its action (R-11), which an action
/// from the agent may not carry at its top level.
const EVENT_KEYS: &[&str] = &[
    "id",
    "run_id",
    "ts",
    "decision",
    "reason",
    "rule",
    "unexplained",
    "pid",
    "tid",
    "frame",
    "review",
    "verdict",
    "hash",
    "prev_hash",
];

/// Where [`Action::set_aside_event_keys`] keeps them.
const AGENT_FIELDS: &str = "agent_fields";

/// Linux `open(2)` flags that mean the caller may modify the file (R-20).
/// Values from `<asm-generic/fcntl.h>` (x86_64 and aarch64 agree).
const O_WRONLY: i64 = 0o1;
const O_RDWR: i64 = 0o2;
const O_CREAT: i64 = 0o100;
const O_TRUNC: i64 = 0o1000;
const O_APPEND: i64 = 0o2000;
/// All of them: an open with any of these is a write (R-20).
pub const WRITE_FLAGS: i64 = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;

/// One operation the agent asked for, as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    values: [Option<Value>; FIELD_COUNT],
    texts: [Option<Box<str>>; FIELD_COUNT],
    extra: Map<String, Value>,
    normalized: bool,
}

impl Default for Action {
    fn default() -> Self {
        Action {
            values: std::array::from_fn(|_| None),
            texts: std::array::from_fn(|_| None),
            extra: Map::new(),
            normalized: false,
        }
    }
}

impl Action {
    /// An action of the given type and subtype with no other field (the
    /// spelling of a policy or of the agent; IronGate's own actions use the
    /// typed constructors below).
    pub fn new(kind: &str, subtype: &str) -> Action {
        Action::default()
            .with(Field::Type, kind)
            .with(Field::Subtype, subtype)
    }

    /// A `file` action.
    pub fn file(op: FileOp) -> Action {
        Action::new("file", op.name())
    }

    /// A `network` action.
    pub fn network(op: NetOp) -> Action {
        Action::new("network", op.name())
    }

    /// A `process` action.
    pub fn process(op: ProcessOp) -> Action {
        Action::new("process", op.name())
    }

    /// A `tamper` action; `event` names what was attempted.
    pub fn tamper(event: &str) -> Action {
        Action::new(TAMPER, event)
    }

    /// Sets a field (a JSON `null` removes it, as a missing key means the same).
    pub fn set(&mut self, f: Field, v: impl Into<Value>) {
        let v = v.into();
        let i = f.index();
        self.normalized = false;
        if v.is_null() {
            self.values[i] = None;
            self.texts[i] = None;
            return;
        }
        self.texts[i] = Some(text_form(f, &v).into_boxed_str());
        self.values[i] = Some(v);
    }

    /// Builder form of [`Action::set`].
    pub fn with(mut self, f: Field, v: impl Into<Value>) -> Self {
        self.set(f, v);
        self
    }

    /// Removes a field.
    pub fn remove(&mut self, f: Field) -> Option<Value> {
        self.normalized = false;
        self.texts[f.index()] = None;
        self.values[f.index()].take()
    }

    /// The field's JSON value, if set.
    #[inline]
    pub fn get(&self, f: Field) -> Option<&Value> {
        self.values[f.index()].as_ref()
    }

    /// The field's text form, the string that string predicates see: a string
    /// as is, a number in decimal, `argv`/`cmd` lists shell-quoted and joined
    /// with spaces, other lists joined with spaces, objects as canonical JSON.
    #[inline]
    pub fn text(&self, f: Field) -> Option<&str> {
        self.texts[f.index()].as_deref()
    }

    /// The action's type and subtype, typed (see [`Kind`]).
    pub fn kind(&self) -> Kind {
        let sub = self.subtype_text();
        match self.type_text() {
            "file" => FileOp::from_name(sub).map_or(Kind::Other, Kind::File),
            "network" => NetOp::from_name(sub).map_or(Kind::Other, Kind::Network),
            "process" => ProcessOp::from_name(sub).map_or(Kind::Other, Kind::Process),
            "tool" if sub == "invoke" => Kind::ToolInvoke,
            TAMPER => Kind::Tamper,
            _ => Kind::Other,
        }
    }

    /// The file operation, if this is a known `file` action.
    pub fn file_op(&self) -> Option<FileOp> {
        match self.kind() {
            Kind::File(op) => Some(op),
            _ => None,
        }
    }

    /// The network operation, if this is a known `network` action.
    pub fn net_op(&self) -> Option<NetOp> {
        match self.kind() {
            Kind::Network(op) => Some(op),
            _ => None,
        }
    }

    /// The `type` as spelled (`file`, `network`, …), or `""` when missing or
    /// not a string: what the policy language matches.
    pub fn type_text(&self) -> &str {
        self.get(Field::Type).and_then(Value::as_str).unwrap_or("")
    }

    /// The `subtype` as spelled, or `""` when missing or not a string.
    pub fn subtype_text(&self) -> &str {
        self.get(Field::Subtype)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Keys of the incoming action that are not fields (logged, never matched).
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Sets a key that is not a field (logged, never matched). A key that
    /// names a field sets that field instead.
    pub fn set_extra(&mut self, key: &str, v: Value) {
        match Field::from_name(key) {
            Some(f) => self.set(f, v),
            None => {
                self.extra.insert(key.to_owned(), v);
            }
        }
    }

    /// One line describing the action, for messages and `--verbose`.
    pub fn describe(&self) -> String {
        let what = [
            Field::Path,
            Field::Url,
            Field::Cmd,
            Field::Target,
            Field::ToolName,
            Field::Name,
            Field::Host,
        ]
        .iter()
        .find_map(|f| self.text(*f))
        .unwrap_or("");
        format!("{}/{} {what}", self.type_text(), self.subtype_text())
    }

    /// Moves keys that name a field of the event itself (`decision`, `rule`,
    /// `reason`, …) out of the way, under `agent_fields`: an action from the
    /// agent may carry anything, and its copy of a verdict must never read
    /// as the event's own. What it sent is kept, as evidence.
    pub fn set_aside_event_keys(&mut self) {
        let mut aside = Map::new();
        for key in EVENT_KEYS {
            if let Some(v) = self.extra.remove(*key) {
                aside.insert((*key).to_owned(), v);
            }
        }
        if let Some(earlier) = self.extra.remove(AGENT_FIELDS) {
            aside.insert(AGENT_FIELDS.to_owned(), earlier);
        }
        if !aside.is_empty() {
            self.extra
                .insert(AGENT_FIELDS.to_owned(), Value::Object(aside));
        }
    }

    /// Whether the action is as [`Action::normalize`] leaves it: it ran
    /// since the last change, or it would change nothing (a file action
    /// other than `open`, kinds without aliases). The policy judges such an
    /// action as it is, without a normalized copy (every decision).
    pub fn is_normalized(&self) -> bool {
        self.normalized
            || match self.type_text() {
                "file" => self.subtype_text() != "open",
                "process" => self.get(Field::Cmd).is_some() || self.get(Field::Argv).is_none(),
                "network" => false,
                _ => true,
            }
    }

    /// Builds an action from a JSON object. Values may be any JSON; unknown
    /// keys go to [`Action::extra`].
    pub fn from_json(v: &Value) -> Result<Action, ActionError> {
        let Value::Object(map) = v else {
            return Err(ActionError::NotObject {
                found: json_type_name(v),
            });
        };
        let mut a = Action::default();
        for (k, v) in map {
            a.set_extra(k, v.clone());
        }
        Ok(a)
    }

    /// Parses JSON text into an action (see [`Action::from_json`]).
    pub fn from_json_str(text: &str) -> Result<Action, ActionError> {
        let v: Value = serde_json::from_str(text)?;
        Action::from_json(&v)
    }

    /// The action as a JSON object: fields and extra keys together.
    pub fn to_json(&self) -> Value {
        let mut m = self.extra.clone();
        for f in Field::ALL {
            if let Some(v) = self.get(*f) {
                m.insert(f.name().to_owned(), v.clone());
            }
        }
        Value::Object(m)
    }

    /// Canonical JSON: compact, object keys sorted at every depth. This is
    /// what approvals are bound to (R-51) and what the digest covers.
    pub fn canonical_json(&self) -> String {
        let mut out = String::new();
        write_canonical(&self.to_json(), &mut out);
        out
    }

    /// Hex SHA-256 of [`Action::canonical_json`].
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }

    /// Brings the action to the form rules are written against. Idempotent.
    ///
    /// - file `open` becomes `read` or `write` (R-20): by `flags` when present
    ///   (`O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_TRUNC`, `O_APPEND`), else by
    ///   `mode` (`w`, `a`, `x` or `+`; `b` and `t` mean nothing — the original
    ///   counted `rb` as a write), else read. The original subtype is kept in
    ///   `extra.requested_subtype`.
    /// - process: `cmd` is filled from `argv` when missing.
    /// - network: `host` and `hostname` (the original's name) fill each
    ///   other; `target` is filled from `url`, else `host:port`.
    pub fn normalize(&mut self) {
        if self.normalized {
            return;
        }
        match self.type_text() {
            "file" if self.subtype_text() == "open" => {
                let sub = if self.is_write_open() {
                    "write"
                } else {
                    "read"
                };
                self.extra
                    .insert("requested_subtype".to_owned(), Value::from("open"));
                self.set(Field::Subtype, sub);
            }
            "process" => {
                if self.get(Field::Cmd).is_none()
                    && let Some(argv) = self.text(Field::Argv).map(str::to_owned)
                {
                    self.set(Field::Cmd, argv);
                }
            }
            "network" => {
                for (from, to) in [
                    (Field::Hostname, Field::Host),
                    (Field::Host, Field::Hostname),
                ] {
                    if self.get(to).is_none()
                        && let Some(v) = self.get(from).cloned()
                    {
                        self.set(to, v);
                    }
                }
                if self.get(Field::Target).is_none() {
                    let target = match (self.text(Field::Url), self.text(Field::Host)) {
                        (Some(url), _) => Some(url.to_owned()),
                        (None, Some(host)) => Some(match self.text(Field::Port) {
                            Some(port) => format!("{host}:{port}"),
                            None => host.to_owned(),
                        }),
                        (None, None) => None,
                    };
                    if let Some(t) = target {
                        self.set(Field::Target, t);
                    }
                }
            }
            _ => {}
        }
        self.normalized = true;
    }

    /// R-20 write intent of an `open`: flags, else mode, else read.
    fn is_write_open(&self) -> bool {
        if let Some(flags) = self.get(Field::Flags) {
            return match flags {
                Value::Number(n) => n.as_i64().is_none_or(|f| f & WRITE_FLAGS != 0),
                Value::String(s) => symbolic_flags_write(s),
                // Flags we cannot read: assume the worst.
                _ => true,
            };
        }
        match self.get(Field::Mode) {
            Some(Value::String(m)) => m.contains(['w', 'a', 'x', '+']),
            // An integer mode is permission bits (os.open's third argument),
            // which say nothing about the access.
            _ => false,
        }
    }
}

/// Reads flags spelled `"O_WRONLY|O_CREAT"` or as a decimal/octal/hex number.
/// Anything unrecognised counts as a write, so a typo fails closed.
fn symbolic_flags_write(s: &str) -> bool {
    let mut bits = 0i64;
    for part in s.split(['|', ' ', ',']).filter(|p| !p.is_empty()) {
        let part = part.trim_start_matches("os.");
        let v = match part {
            "O_RDONLY" => 0,
            "O_WRONLY" => O_WRONLY,
            "O_RDWR" => O_RDWR,
            "O_CREAT" => O_CREAT,
            "O_TRUNC" => O_TRUNC,
            "O_APPEND" => O_APPEND,
            // Flags that do not change the access mode.
            "O_CLOEXEC" | "O_EXCL" | "O_NOFOLLOW" | "O_NONBLOCK" | "O_DIRECTORY" | "O_NOCTTY"
            | "O_SYNC" | "O_DSYNC" | "O_NOATIME" | "O_PATH" | "O_LARGEFILE" => 0,
            p => {
                let parsed = if let Some(h) = p.strip_prefix("0x") {
                    i64::from_str_radix(h, 16)
                } else if let Some(o) = p.strip_prefix("0o") {
                    i64::from_str_radix(o, 8)
                } else {
                    p.parse()
                };
                match parsed {
                    Ok(n) => n,
                    Err(_) => return true,
                }
            }
        };
        bits |= v;
    }
    bits & WRITE_FLAGS != 0
}

/// The JSON type name of a value, for messages.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The text form of a field value (see [`Action::text`]).
fn text_form(f: Field, v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let quote = matches!(f, Field::Argv | Field::Cmd);
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                match item {
                    Value::String(s) if quote => push_shell_quoted(&mut out, s),
                    Value::String(s) => out.push_str(s),
                    other => write_canonical(other, &mut out),
                }
            }
            out
        }
        other => {
            let mut out = String::new();
            write_canonical(other, &mut out);
            out
        }
    }
}

/// Appends `s` quoted for a POSIX shell when it needs quoting (as Python's
/// `shlex.quote`), so that a joined argv reads as the command it is.
pub fn push_shell_quoted(out: &mut String, s: &str) {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        out.push_str(s);
        return;
    }
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\"'\"'");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

/// Writes compact JSON with object keys sorted at every depth, whatever map
/// type serde_json was built with.
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                if let Some(v) = m.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_json_string(s, out),
        // Scalars: serde_json's own rendering is canonical for them.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    // serde_json escapes exactly as JSON requires; a String cannot fail.
    let _ = write!(out, "{}", Value::String(s.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        assert_eq!(Field::from_name("pth"), None);
    }

    #[test]
    fn kinds_are_typed_and_unknown_spellings_stay_unknown() {
        for op in [
            FileOp::Read,
            FileOp::Write,
            FileOp::Create,
            FileOp::Delete,
            FileOp::Rename,
            FileOp::Mkdir,
            FileOp::Link,
            FileOp::Symlink,
            FileOp::Chmod,
            FileOp::Chown,
            FileOp::Truncate,
            FileOp::List,
        ] {
            assert_eq!(FileOp::from_name(op.name()), Some(op));
            assert_eq!(Action::file(op).kind(), Kind::File(op));
        }
        for op in [
            NetOp::Dns,
            NetOp::Connect,
            NetOp::Bind,
            NetOp::Send,
            NetOp::Http,
        ] {
            assert_eq!(Action::network(op).kind(), Kind::Network(op));
        }
        for op in [ProcessOp::Exec, ProcessOp::Spawn, ProcessOp::System] {
            assert_eq!(Action::process(op).kind(), Kind::Process(op));
        }
        assert_eq!(Action::new("tool", "invoke").kind(), Kind::ToolInvoke);
        assert_eq!(Action::tamper("ctypes.dlopen").kind(), Kind::Tamper);
        // An unknown subtype of a known type never becomes a known one (the
        // original's file/execute, network/https), nor does another case or
        // a non-string spelling.
        for (t, sub) in [
            ("file", "execute"),
            ("file", "open"),
            ("file", "Read"),
            ("file", ""),
            ("network", "https"),
            ("network", "socket"),
            ("process", "fork"),
            ("tool", "list"),
            ("File", "read"),
        ] {
            let a = Action::new(t, sub);
            assert_eq!(a.kind(), Kind::Other, "{t}/{sub}");
            assert_eq!(a.file_op(), None);
            assert_eq!(a.net_op(), None);
        }
        let numeric = Action::default()
            .with(Field::Type, "file")
            .with(Field::Subtype, 1);
        assert_eq!(numeric.kind(), Kind::Other);
    }

    #[test]
    fn event_keys_from_the_agent_are_set_aside() {
        let mut a = Action::from_json(&json!({
            "type": "network", "subtype": "http", "url": "http://x/",
            "decision": "allow", "rule": {"index": 0, "name": "fake"}, "note": "kept",
            "agent_fields": "mine"
        }))
        .unwrap();
        a.set_aside_event_keys();
        let j = a.to_json();
        assert_eq!(j.get("decision"), None);
        assert_eq!(j.get("rule"), None);
        assert_eq!(j["note"], json!("kept"));
        assert_eq!(j["agent_fields"]["decision"], json!("allow"));
        assert_eq!(j["agent_fields"]["rule"]["name"], json!("fake"));
        assert_eq!(j["agent_fields"]["agent_fields"], json!("mine"));
        // Nothing to set aside: nothing added.
        let mut plain = Action::file(FileOp::Read).with(Field::Path, "/a");
        plain.set_aside_event_keys();
        assert_eq!(plain.to_json().get("agent_fields"), None);
    }

    #[test]
    fn unknown_keys_go_to_extra() {
        let a = Action::from_json(&json!({"type": "file", "pid": 7})).unwrap();
        assert_eq!(a.type_text(), "file");
        // No subtype: not a known kind.
        assert_eq!(a.kind(), Kind::Other);
        assert_eq!(a.extra().get("pid"), Some(&json!(7)));
        assert!(Action::from_json(&json!([1])).is_err());
    }

    #[test]
    fn text_forms() {
        let a = Action::new("process", "exec")
            .with(Field::Argv, json!(["rm", "-rf", "/tmp/a b", "it's"]))
            .with(Field::Port, 443)
            .with(Field::ArgNames, json!(["a", "b"]));
        assert_eq!(a.text(Field::Argv), Some("rm -rf '/tmp/a b' 'it'\"'\"'s'"));
        assert_eq!(a.text(Field::Port), Some("443"));
        assert_eq!(a.text(Field::ArgNames), Some("a b"));
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let a = Action::from_json(&json!({"type": "tool", "args": {"b": 1, "a": [2]}})).unwrap();
        assert_eq!(
            a.canonical_json(),
            r#"{"args":{"a":[2],"b":1},"type":"tool"}"#
        );
        assert_eq!(a.digest().len(), 64);
    }

    fn open(extra: Value) -> Action {
        let mut v = json!({"type": "file", "subtype": "open", "path": "/tmp/x"});
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        let mut a = Action::from_json(&v).unwrap();
        a.normalize();
        a
    }

    #[test]
    fn write_intent_r20() {
        for (extra, want) in [
            (json!({"mode": "rb"}), "read"),
            (json!({"mode": "r"}), "read"),
            (json!({"mode": "rt"}), "read"),
            (json!({"mode": "w"}), "write"),
            (json!({"mode": "a"}), "write"),
            (json!({"mode": "x"}), "write"),
            (json!({"mode": "r+"}), "write"),
            (json!({"mode": "wb"}), "write"),
            (json!({}), "read"),
            (json!({"flags": 0}), "read"),
            (json!({"flags": 0o101}), "write"),
            (json!({"flags": 0o2001}), "write"),
            (json!({"flags": 0o2000000}), "read"),
            (json!({"flags": "O_WRONLY|O_CREAT"}), "write"),
            (json!({"flags": "O_RDONLY|O_CLOEXEC"}), "read"),
            (json!({"flags": "O_BOGUS"}), "write"),
            (json!({"flags": 0, "mode": "w"}), "read"),
            (json!({"mode": 0o644}), "read"),
        ] {
            let a = open(extra.clone());
            assert_eq!(a.subtype_text(), want, "{extra}");
            assert_eq!(a.extra().get("requested_subtype"), Some(&json!("open")));
        }
    }

    #[test]
    fn an_action_counts_as_normalized_only_where_normalizing_changes_nothing() {
        let cases = [
            Action::file(FileOp::Read).with(Field::Path, "/a"),
            Action::new("file", "open").with(Field::Path, "/a"),
            Action::new("file", "open").with(Field::Flags, 0o101),
            Action::new("process", "exec").with(Field::Argv, json!(["ls", "-l"])),
            Action::new("process", "exec")
                .with(Field::Argv, json!(["ls"]))
                .with(Field::Cmd, "ls"),
            Action::new("process", "exec"),
            Action::new("network", "connect").with(Field::Hostname, "example.com"),
            Action::new("network", "connect")
                .with(Field::Host, "h")
                .with(Field::Hostname, "h")
                .with(Field::Target, "h"),
            Action::new("tool", "call").with(Field::Name, "t"),
            Action::tamper("x"),
        ];
        for a in cases {
            let mut n = a.clone();
            n.normalize();
            if a.is_normalized() {
                assert_eq!(a.to_json(), n.to_json(), "{:?} changes", a.to_json());
            } else {
                assert!(n.is_normalized());
            }
        }
        assert!(!Action::new("file", "open").is_normalized());
        assert!(Action::file(FileOp::Write).is_normalized());
    }

    #[test]
    fn normalize_fills_cmd_and_target() {
        let mut p = Action::new("process", "exec").with(Field::Argv, json!(["ls", "-l"]));
        p.normalize();
        assert_eq!(p.text(Field::Cmd), Some("ls -l"));
        let mut n = Action::new("network", "connect")
            .with(Field::Hostname, "example.com")
            .with(Field::Port, 443);
        n.normalize();
        assert_eq!(n.text(Field::Host), Some("example.com"));
        assert_eq!(n.text(Field::Target), Some("example.com:443"));
        assert!(n.is_normalized());
        n.set(Field::Port, 80);
        assert!(!n.is_normalized());
    }
}
