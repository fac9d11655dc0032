//! The environment the agent was started with, and what an exec changes in
//! it (`env_changes`, SPEC §4).
//!
//! Both layers compute `env_changes` here, against the same trusted copy
//! the supervisor keeps: the hook layer from the environment the hook
//! reports for the exec, the kernel layer from the `envp` the `execve`
//! carries. An exec intent is keyed by that list, so a hook-layer decision
//! explains only an `execve` that sets or changes the very variables it was
//! decided with (an `LD_PRELOAD` added to the real call makes it another
//! operation, judged on its own).

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// The agent's starting environment: `NAME` → `VALUE`, as bytes.
#[derive(Debug, Default, Clone)]
pub struct LaunchEnv(HashMap<Vec<u8>, Vec<u8>>);

impl LaunchEnv {
    /// The environment from its `NAME`/`VALUE` pairs (a later pair of the
    /// same name replaces an earlier one, as `setenv` would).
    pub fn new(pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// The environment a run's agent starts with: the sanitised one under
    /// `--isolate`, otherwise the supervisor's own, with `extra` set on top
    /// (as the child does before the interpreter starts).
    pub fn of_run(isolated: Option<&[(String, String)]>, extra: &[(String, String)]) -> Self {
        let base: Vec<(Vec<u8>, Vec<u8>)> = match isolated {
            Some(env) => env
                .iter()
                .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()))
                .collect(),
            None => std::env::vars_os()
                .map(|(k, v)| (OsString::into_vec(k), OsString::into_vec(v)))
                .collect(),
        };
        let extra = extra
            .iter()
            .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()));
        Self::new(base.into_iter().chain(extra))
    }

    /// The names an exec's environment sets or changes, given as its
    /// `NAME=VALUE` entries (an entry without `=` is a name set to nothing
    /// the launch environment can hold): sorted, each once. A name given
    /// twice counts if either value differs (which one a program reads is
    /// its own affair). Removed names are not changes (SPEC §4).
    pub fn changes<'a>(&self, entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
        let mut out: Vec<String> = entries
            .into_iter()
            .filter_map(|entry| {
                let (name, value) = match entry.iter().position(|&b| b == b'=') {
                    Some(i) => (&entry[..i], Some(&entry[i + 1..])),
                    None => (entry, None),
                };
                let same = value.is_some_and(|v| self.0.get(name).is_some_and(|b| b == v));
                (!same).then(|| String::from_utf8_lossy(name).into_owned())
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> LaunchEnv {
        LaunchEnv::new(
            pairs
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())),
        )
    }

    fn changes(base: &LaunchEnv, entries: &[&[u8]]) -> Vec<String> {
        base.changes(entries.iter().copied())
    }

    #[test]
    fn only_names_set_or_changed_count() {
        let base = env(&[("PATH", "/usr/bin"), ("HOME", "/root")]);
        assert!(changes(&base, &[b"PATH=/usr/bin", b"HOME=/root"]).is_empty());
        // Removing a variable is no change.
        assert!(changes(&base, &[b"PATH=/usr/bin"]).is_empty());
        assert_eq!(
            changes(
                &base,
                &[b"PATH=/tmp", b"LD_PRELOAD=/tmp/x.so", b"HOME=/root"]
            ),
            ["LD_PRELOAD", "PATH"]
        );
    }

    #[test]
    fn odd_entries_count_as_changes() {
        let base = env(&[("A", "1")]);
        // No `=`: not the launch value, whatever it is.
        assert_eq!(changes(&base, &[b"A"]), ["A"]);
        // A name given twice, once with another value: a change, listed once.
        assert_eq!(changes(&base, &[b"A=1", b"A=2", b"A=3"]), ["A"]);
        // An empty value differs from a missing one.
        assert_eq!(changes(&base, &[b"B="]), ["B"]);
        // Not UTF-8: compared as bytes, named lossily.
        let raw = LaunchEnv::new([(b"N".to_vec(), vec![0xff])]);
        assert!(changes(&raw, &[b"N=\xff"]).is_empty());
        assert_eq!(changes(&raw, &[b"N=\xfe"]), ["N"]);
    }

    #[test]
    fn the_runs_extra_variables_are_part_of_the_launch_environment() {
        let isolated = vec![("PATH".to_owned(), "/bin".to_owned())];
        let extra = vec![("TMPDIR".to_owned(), "/tmp/run".to_owned())];
        let base = LaunchEnv::of_run(Some(&isolated), &extra);
        assert!(changes(&base, &[b"PATH=/bin", b"TMPDIR=/tmp/run"]).is_empty());
        assert_eq!(changes(&base, &[b"TMPDIR=/tmp"]), ["TMPDIR"]);
    }
}
