//! Remembered approvals: the user's policy overlay in
//! `$IRONGATE_HOME/overlay.json`.
//!
//! "Approve and remember" turns one approved action into an *allowance*: a
//! narrow match (the exact path, the host and port, the argv prefix, the
//! tool name and argument digest) scoped to one agent name. An allowance can
//! only turn a `review` into an `allow`; it never lifts a `block`, a missing
//! capability or IronGate's own boundaries. It is never broader than the
//! approved action unless the human widens it explicitly (`--argv-prefix N`,
//! `--path-prefix DIR`), and a widening that would not cover the approved
//! action itself is refused.
//!
//! The file lives in the state directory, which the supervisor refuses the
//! agent whatever the policy says; it is written atomically (mode 0600)
//! under an advisory lock, so concurrent supervisors and dashboards agree.
//! It is read fresh at every review, so a revocation takes effect at once.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::action::{Action, Field};

/// The overlay's file name inside the state directory.
pub const FILE_NAME: &str = "overlay.json";

/// What an allowance matches, besides the action's type and subtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Match {
    /// The exact (resolved) path.
    Path {
        /// Absolute path.
        path: String,
    },
    /// Every path under a directory (an explicit widening).
    PathPrefix {
        /// Absolute directory, without a trailing slash.
        dir: String,
    },
    /// The host (and port, when the approved action had one).
    Host {
        /// Host name or address, as the action carried it.
        host: String,
        /// The port, if the approved action had one.
        port: Option<i64>,
    },
    /// A command whose argv starts with these words (the whole argv unless
    /// widened), run from the same executable when it was known.
    ArgvPrefix {
        /// The leading words.
        argv: Vec<String>,
        /// The resolved executable of the approved action.
        executable: Option<String>,
    },
    /// The tool by name with the same arguments (digest).
    Tool {
        /// `tool_name`.
        tool_name: String,
        /// `args_digest` of the approved call, if any.
        args_digest: Option<String>,
    },
    /// A credential by name or path.
    Credential {
        /// `name` or `path` of the approved read.
        name: String,
    },
}

/// One remembered approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allowance {
    /// Stable id (never reused within a file).
    pub id: u64,
    /// The agent name it is scoped to.
    pub agent: String,
    /// Action type (`file`, `network`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Action subtype (`read`, `exec`, …).
    pub subtype: String,
    /// The match.
    #[serde(rename = "match")]
    pub matcher: Match,
    /// Who remembered it (OS user) and through what (`cli`, `dashboard`).
    pub created_by: String,
    /// Via.
    pub created_via: String,
    /// Unix seconds.
    pub created_at: f64,
    /// The held event it was remembered from.
    pub from_event: i64,
}

/// An explicit widening asked for by the human.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Widen {
    /// Keep only the first N argv words (process actions).
    pub argv_prefix: Option<usize>,
    /// Allow every path under this directory (file actions).
    pub path_prefix: Option<String>,
}

/// The overlay file's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Overlay {
    /// Always 1.
    pub version: u32,
    /// The next id to assign.
    pub next_id: u64,
    /// Allowances, oldest first.
    pub allowances: Vec<Allowance>,
}

/// Errors of the overlay file.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not a valid overlay.
    #[error(
        "{path}: not a valid overlay: {what}\nhint: fix or remove the file; it holds only remembered approvals"
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Cause.
        what: String,
    },
    /// The action cannot be remembered as asked.
    #[error("{0}")]
    Refused(String),
}

/// The overlay path under `home`.
pub fn path(home: &Path) -> PathBuf {
    home.join(FILE_NAME)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> OverlayError + '_ {
    move |source| OverlayError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Overlay {
    /// Reads the overlay under `home`; an absent file is an empty overlay.
    pub fn load(home: &Path) -> Result<Overlay, OverlayError> {
        let p = path(home);
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Overlay {
                    version: 1,
                    next_id: 1,
                    allowances: Vec::new(),
                });
            }
            Err(e) => return Err(io(&p)(e)),
        };
        let o: Overlay = serde_json::from_str(&text).map_err(|e| OverlayError::Invalid {
            path: p.clone(),
            what: e.to_string(),
        })?;
        if o.version != 1 {
            return Err(OverlayError::Invalid {
                path: p,
                what: format!("version {} (this irongate reads version 1)", o.version),
            });
        }
        Ok(o)
    }

    /// Changes the overlay under `home` under its lock and writes it back
    /// atomically (mode 0600).
    pub fn update<T>(
        home: &Path,
        f: impl FnOnce(&mut Overlay) -> Result<T, OverlayError>,
    ) -> Result<T, OverlayError> {
        let lock_path = home.join("overlay.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| io(&lock_path)(e.into()))?;
        let mut o = Overlay::load(home)?;
        let out = f(&mut o)?;
        let p = path(home);
        let tmp = home.join(format!(".overlay.{}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(&o).map_err(|e| OverlayError::Invalid {
            path: p.clone(),
            what: e.to_string(),
        })?;
        {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io(&tmp))?;
            file.write_all(text.as_bytes()).map_err(io(&tmp))?;
            file.write_all(b"\n").map_err(io(&tmp))?;
            file.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &p).map_err(io(&p))?;
        Ok(out)
    }

    /// Adds an allowance for `action` of `agent`, as narrow as the action
    /// unless `widen` says otherwise; returns it.
    pub fn remember(
        home: &Path,
        agent: &str,
        action: &Action,
        widen: &Widen,
        by: &str,
        via: &str,
        from_event: i64,
    ) -> Result<Allowance, OverlayError> {
        let matcher = narrowest(action, widen)?;
        Overlay::update(home, |o| {
            if let Some(same) = o.allowances.iter().find(|a| {
                a.agent == agent
                    && a.kind == action.type_text()
                    && a.subtype == action.subtype_text()
                    && a.matcher == matcher
            }) {
                return Ok(same.clone());
            }
            let a = Allowance {
                id: o.next_id.max(1),
                agent: agent.to_owned(),
                kind: action.type_text().to_owned(),
                subtype: action.subtype_text().to_owned(),
                matcher,
                created_by: by.to_owned(),
                created_via: via.to_owned(),
                created_at: crate::audit::now(),
                from_event,
            };
            o.next_id = a.id + 1;
            o.version = 1;
            o.allowances.push(a.clone());
            Ok(a)
        })
    }

    /// Removes allowance `id`; returns it.
    pub fn revoke(home: &Path, id: u64) -> Result<Allowance, OverlayError> {
        Overlay::update(home, |o| {
            let Some(i) = o.allowances.iter().position(|a| a.id == id) else {
                return Err(OverlayError::Refused(format!(
                    "no remembered approval {id}\nhint: `irongate approvals list-remembered` shows them"
                )));
            };
            Ok(o.allowances.remove(i))
        })
    }

    /// The first allowance of `agent` that matches `action`.
    pub fn find(&self, agent: &str, action: &Action) -> Option<&Allowance> {
        self.allowances
            .iter()
            .find(|a| a.agent == agent && a.matches(action))
    }

    /// The overlay as JSON (`policy check`, the dashboard).
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.allowances
                .iter()
                .map(|a| {
                    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
                    v["explain"] = json!(a.explain());
                    v
                })
                .collect(),
        )
    }
}

impl Allowance {
    /// True when `action` is of the same type and subtype and inside the
    /// match.
    pub fn matches(&self, action: &Action) -> bool {
        if action.type_text() != self.kind || action.subtype_text() != self.subtype {
            return false;
        }
        match &self.matcher {
            Match::Path { path } => action.text(Field::Path) == Some(path.as_str()),
            Match::PathPrefix { dir } => action
                .text(Field::Path)
                .is_some_and(|p| crate::pathname::is_under(p, dir)),
            Match::Host { host, port } => {
                host_of(action).as_deref() == Some(host.as_str())
                    && (port.is_none() || action.get(Field::Port).and_then(Value::as_i64) == *port)
            }
            Match::ArgvPrefix { argv, executable } => {
                let got = argv_of(action);
                got.len() >= argv.len()
                    && got[..argv.len()] == argv[..]
                    && (executable.is_none()
                        || action.text(Field::Executable) == executable.as_deref())
            }
            Match::Tool {
                tool_name,
                args_digest,
            } => {
                action.text(Field::ToolName) == Some(tool_name.as_str())
                    && (args_digest.is_none()
                        || action.text(Field::ArgsDigest) == args_digest.as_deref())
            }
            Match::Credential { name } => {
                action.text(Field::Name).or(action.text(Field::Path)) == Some(name.as_str())
            }
        }
    }

    /// One line saying what it allows, for whom.
    pub fn explain(&self) -> String {
        let what = match &self.matcher {
            Match::Path { path } => format!("exactly {path}"),
            Match::PathPrefix { dir } => format!("any path under {dir}/"),
            Match::Host {
                host,
                port: Some(p),
            } => format!("host {host} port {p}"),
            Match::Host { host, port: None } => format!("host {host}"),
            Match::ArgvPrefix { argv, executable } => {
                let mut s = String::from("a command starting with");
                for w in argv {
                    s.push(' ');
                    crate::action::push_shell_quoted(&mut s, w);
                }
                if let Some(e) = executable {
                    s.push_str(&format!(" (executable {e})"));
                }
                s
            }
            Match::Tool {
                tool_name,
                args_digest: Some(d),
            } => format!("tool {tool_name} with arguments digest {}", short(d)),
            Match::Tool {
                tool_name,
                args_digest: None,
            } => format!("tool {tool_name} with any arguments"),
            Match::Credential { name } => format!("credential {name}"),
        };
        format!(
            "{}/{} {what}, for agent {:?} (remembered by {} via {} from review {})",
            self.kind, self.subtype, self.agent, self.created_by, self.created_via, self.from_event
        )
    }
}

/// The text `policy check` prints about the overlay under `home` (nothing
/// when it holds no remembered approval).
pub fn print_summary(home: &Path) {
    match Overlay::load(home) {
        // Nothing to show: the output stays `ok: N rules`.
        Ok(o) if o.allowances.is_empty() => {}
        Ok(o) => {
            println!(
                "overlay: {} remembered approvals ({}), checked before a review is asked; they only turn a review into an allow:",
                o.allowances.len(),
                path(home).display()
            );
            for a in &o.allowances {
                println!(
                    "  {:>4}  {}",
                    a.id,
                    crate::terminal::printable(&a.explain())
                );
            }
        }
        Err(e) => println!("overlay: {e}"),
    }
}

fn short(d: &str) -> &str {
    d.get(..12).unwrap_or(d)
}

fn host_of(action: &Action) -> Option<String> {
    action
        .text(Field::Host)
        .or(action.text(Field::Hostname))
        .or(action.text(Field::Ip))
        .map(str::to_owned)
}

fn argv_of(action: &Action) -> Vec<String> {
    action
        .get(Field::Argv)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The narrowest match that covers `action`, widened only as asked.
pub fn narrowest(action: &Action, widen: &Widen) -> Result<Match, OverlayError> {
    let refuse = |s: String| Err(OverlayError::Refused(s));
    if widen.argv_prefix.is_some() && action.type_text() != "process" {
        return refuse("--argv-prefix applies to process actions only".into());
    }
    if widen.path_prefix.is_some() && action.type_text() != "file" {
        return refuse("--path-prefix applies to file actions only".into());
    }
    match action.type_text() {
        "file" => {
            let Some(path) = action.text(Field::Path) else {
                return refuse("the held file action has no path to remember".into());
            };
            if matches!(action.subtype_text(), "rename" | "link" | "symlink") {
                return refuse(format!(
                    "a {} touches two paths; approve it once instead of remembering it",
                    action.subtype_text()
                ));
            }
            match &widen.path_prefix {
                None => Ok(Match::Path {
                    path: path.to_owned(),
                }),
                Some(dir) => {
                    let dir = dir.trim_end_matches('/');
                    if !dir.starts_with('/') || dir.is_empty() || dir.split('/').any(|c| c == "..")
                    {
                        return refuse(format!(
                            "--path-prefix {dir}: must be an absolute directory without `..`"
                        ));
                    }
                    if !crate::pathname::is_under(path, dir) {
                        return refuse(format!(
                            "--path-prefix {dir}: does not contain the approved path {path}"
                        ));
                    }
                    Ok(Match::PathPrefix {
                        dir: dir.to_owned(),
                    })
                }
            }
        }
        "network" => {
            let Some(host) = host_of(action) else {
                return refuse("the held network action has no host to remember".into());
            };
            Ok(Match::Host {
                host,
                port: action.get(Field::Port).and_then(Value::as_i64),
            })
        }
        "process" => {
            let argv = argv_of(action);
            if argv.is_empty() {
                return refuse("the held process action has no argv to remember".into());
            }
            let keep = match widen.argv_prefix {
                None => argv.len(),
                Some(0) => return refuse("--argv-prefix 0 would allow every command".into()),
                Some(n) if n > argv.len() => {
                    return refuse(format!(
                        "--argv-prefix {n}: the approved command has only {} words",
                        argv.len()
                    ));
                }
                Some(n) => n,
            };
            Ok(Match::ArgvPrefix {
                argv: argv[..keep].to_vec(),
                executable: action.text(Field::Executable).map(str::to_owned),
            })
        }
        "tool" => {
            let Some(name) = action.text(Field::ToolName) else {
                return refuse("the held tool call has no tool name to remember".into());
            };
            Ok(Match::Tool {
                tool_name: name.to_owned(),
                args_digest: action.text(Field::ArgsDigest).map(str::to_owned),
            })
        }
        "credential" => {
            let Some(name) = action.text(Field::Name).or(action.text(Field::Path)) else {
                return refuse("the held credential read has no name to remember".into());
            };
            Ok(Match::Credential {
                name: name.to_owned(),
            })
        }
        other => refuse(format!("a {other} action cannot be remembered")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(argv: &[&str]) -> Action {
        Action::from_json(&json!({"type": "process", "subtype": "exec",
            "argv": argv, "cmd": argv.join(" "), "executable": "/usr/bin/echo"}))
        .expect("action")
    }

    #[test]
    fn an_allowance_is_as_narrow_as_the_approved_action() {
        let m = narrowest(&exec(&["echo", "x"]), &Widen::default()).expect("match");
        let a = Allowance {
            id: 1,
            agent: "a".into(),
            kind: "process".into(),
            subtype: "exec".into(),
            matcher: m,
            created_by: "u".into(),
            created_via: "cli".into(),
            created_at: 0.0,
            from_event: 1,
        };
        assert!(a.matches(&exec(&["echo", "x"])));
        assert!(a.matches(&exec(&["echo", "x", "y"])), "argv prefix");
        assert!(!a.matches(&exec(&["echo", "y"])));
        assert!(!a.matches(&exec(&["echo"])));
        let read = Action::from_json(&json!({"type": "file", "subtype": "read", "path": "/a/b"}))
            .expect("action");
        let m = narrowest(&read, &Widen::default()).expect("match");
        assert_eq!(
            m,
            Match::Path {
                path: "/a/b".into()
            }
        );
        let w = Widen {
            path_prefix: Some("/c".into()),
            ..Widen::default()
        };
        assert!(
            narrowest(&read, &w).is_err(),
            "a widening must cover the action"
        );
        let w = Widen {
            argv_prefix: Some(0),
            ..Widen::default()
        };
        assert!(narrowest(&exec(&["echo"]), &w).is_err());
    }
}
