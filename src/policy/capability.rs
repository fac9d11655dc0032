//! The capability an action requires (SPEC R-32), checked before any rule.
//!
//! Follows the original's mapping (seed-behaviour §4.4) with its documented
//! weaknesses fixed: write intent comes from R-20 (`rb` is a read,
//! `O_WRONLY|O_CREAT` a write), system paths are matched on whole path
//! components, and dangerous commands are recognised token by token rather
//! than by substring (`git log --format=x` is not dangerous, `rm -r -f /x` is).

use std::borrow::Cow;

use serde_json::Value;

use crate::action::{Action, Field};

/// Directories whose contents are system-critical: writing under them needs
/// `file.write.dangerous`. Matched on whole components (`/etc` covers
/// `/etc/x`, not `/etcetera`).
pub const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/etc",
    "/sys",
    "/proc",
    "/boot",
    "/usr/lib",
    "/lib",
    "/lib64",
];

/// Tool names that need `tool.invoke.dangerous` (the original's exact list).
pub const DANGEROUS_TOOLS: &[&str] = &[
    "delete_all_records",
    "drop_database",
    "wipe_disk",
    "execute_arbitrary",
    "invoke_payment",
    "modify_acl",
];

/// The capability `action` requires. `action` should be normalized (an
/// `open` is classified here too, by R-20, in case it is not).
pub fn required(action: &Action) -> Cow<'static, str> {
    let sub = action.subtype_text();
    let cap: &'static str = match action.type_text() {
        "file" => match sub {
            // DESIGN DECISION: every read needs only `file.read`, sensitive or
            // not. The original asked `file.read.sensitive` for paths that
            // looked sensitive, which `sandboxed` lacks, so its sensitive reads
            // were blocked by the gate and never reached the policy's review
            // rule. R-33 wants them reviewed: the policy decides what is
            // sensitive. `file.read.sensitive` stays in the catalogue, and a
            // rule may still demand it through its `capabilities` list.
            "read" | "list" => "file.read",
            "open" => {
                let mut copy = action.clone();
                copy.normalize();
                if copy.subtype_text() == "read" {
                    "file.read"
                } else {
                    write_cap(action, true)
                }
            }
            "delete" => "file.delete",
            // The original's audit hook reported chmod/chown as `execute`.
            "execute" => "file.execute",
            // write, create, truncate, mkdir, rename, link, symlink, chmod,
            // chown, and anything unrecognised: a write (fails closed).
            sub => write_cap(action, sub == "write"),
        },
        "network" => match sub {
            "dns" => "network.dns",
            "http" | "https" => "network.http",
            // connect, bind, send, the original's socket/socket_bind, and
            // anything unrecognised (its `ssl`): the riskiest network grant.
            _ => "network.socket",
        },
        "process" => {
            if is_dangerous_process(action) {
                "process.dangerous_exec"
            } else {
                "process.exec"
            }
        }
        "credential" => {
            if sub == "exfiltrate" {
                "credential.exfiltrate"
            } else {
                "credential.read"
            }
        }
        "tool" => {
            let name = action.get(Field::ToolName).and_then(Value::as_str);
            if name.is_some_and(|n| DANGEROUS_TOOLS.contains(&n)) {
                "tool.invoke.dangerous"
            } else {
                "tool.invoke"
            }
        }
        // No profile grants `unknown.*`, so unknown types are blocked (R-32).
        // `dashboard` needed nothing in the original; it is not an action
        // type here.
        _ => {
            return match action.get(Field::Type) {
                None | Some(Value::Null) => Cow::Borrowed("unknown.none"),
                Some(Value::String(s)) if s.is_empty() => Cow::Borrowed("unknown.none"),
                Some(_) => Cow::Owned(format!(
                    "unknown.{}",
                    action.text(Field::Type).unwrap_or("none")
                )),
            };
        }
    };
    Cow::Borrowed(cap)
}

/// Devices whose writes go nowhere or to the agent's own output: opening
/// them for writing is not a file write (`subprocess.DEVNULL`,
/// `open(os.devnull, "w")`), so `sandboxed` agents can use them.
const HARMLESS_WRITE_TARGETS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr"];

fn write_cap(action: &Action, plain_write: bool) -> &'static str {
    if plain_write
        && action
            .text(Field::Path)
            .is_some_and(|p| HARMLESS_WRITE_TARGETS.contains(&p))
    {
        return "file.read";
    }
    let critical = [Field::Path, Field::Target, Field::SrcPath]
        .into_iter()
        .filter_map(|f| action.text(f))
        .any(is_system_path);
    if critical {
        "file.write.dangerous"
    } else {
        "file.write"
    }
}

/// Whether `path`, folded lexically (`//`, `.`, `..`), lies in a
/// [`SYSTEM_DIRS`] directory or is one.
pub fn is_system_path(path: &str) -> bool {
    let folded = fold_path(path);
    SYSTEM_DIRS.iter().any(|d| under(&folded, d))
}

/// Whether `path` is `dir` or below it, on component boundaries.
fn under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Folds an absolute path lexically. Relative paths are returned as they are:
/// the layers resolve paths before the policy sees them (R-23); this only
/// keeps `/tmp/../etc/passwd` from slipping past the prefix test.
fn fold_path(path: &str) -> Cow<'_, str> {
    if !path.starts_with('/') {
        return Cow::Borrowed(path);
    }
    let needs = path.contains("//") || path.contains("/.") || path.ends_with('/');
    if !needs {
        return Cow::Borrowed(path);
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    Cow::Owned(format!("/{}", parts.join("/")))
}

/// Whether a process action runs a dangerous command. Looks at `argv` when
/// present (exactly what runs), else `cmd` split as a shell would, and at
/// `executable` when it names a different program than `argv[0]`.
pub fn is_dangerous_process(action: &Action) -> bool {
    let raw = action
        .text(Field::Cmd)
        .or_else(|| action.text(Field::Argv))
        .unwrap_or("");
    if raw.contains("()") && has_fork_bomb(raw) {
        return true;
    }
    let exe = action.text(Field::Executable).map(basename);
    if let Some(Value::Array(items)) = action.get(Field::Argv) {
        let mut argv: Vec<&str> = items.iter().map(|v| v.as_str().unwrap_or("")).collect();
        if is_dangerous_argv(&argv, 0) {
            return true;
        }
        // `executable=` runs another program with this argv (argv[0] is
        // only a name).
        if let Some(exe) = exe
            && argv.first().map(|a| basename(a)) != Some(exe)
        {
            match argv.first_mut() {
                Some(first) => *first = exe,
                None => argv.push(exe),
            }
            return is_dangerous_argv(&argv, 0);
        }
        return false;
    }
    if let Some(Value::String(cmd)) = action.get(Field::Cmd) {
        return is_dangerous_shell(cmd, 0);
    }
    exe.is_some_and(|e| is_dangerous_argv(&[e], 0))
}

/// Words that can start a dangerous command, and shell syntax that can hide
/// one (quotes, escapes, expansions). Text with none of them needs no parse.
const SHELL_TRIGGERS: &[&str] = &[
    "rm",
    "dd",
    "shutdown",
    "reboot",
    "halt",
    "poweroff",
    "mkfs",
    "mkswap",
    "wipefs",
    "mke2fs",
    "format",
    "init",
    "systemctl",
    "kill",
    "chmod",
    "chown",
    "chgrp",
    "'",
    "\"",
    "\\",
    "$",
    "`",
];

fn may_hide_danger(cmd: &str) -> bool {
    static TRIGGERS: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(SHELL_TRIGGERS)
                .ok()
        });
    // Without the automaton (it always builds), parse everything.
    TRIGGERS.as_ref().is_none_or(|ac| ac.is_match(cmd))
}

/// The fork bomb `:(){ :|:& };:` and its renamings (`f(){ f|f& };f`),
/// whatever the spacing.
fn has_fork_bomb(raw: &str) -> bool {
    if !raw.contains("(){") && !raw.contains("()") {
        return false;
    }
    let squeezed: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut from = 0;
    while let Some(pos) = squeezed[from..].find("(){") {
        let at = from + pos;
        let name_start = squeezed[..at]
            .rfind(|c: char| ";&|(){}'\"".contains(c))
            .map_or(0, |i| i + 1);
        let name = &squeezed[name_start..at];
        let body = &squeezed[at + 3..];
        if !name.is_empty() && body.starts_with(&format!("{name}|{name}&}}")) {
            return true;
        }
        from = at + 3;
    }
    false
}

/// Splits `cmd` into simple commands the way a POSIX shell tokenises words
/// (quotes, backslashes, `;`, `&`, `|`, `&&`, `||`, newlines, `$(…)`,
/// backquotes) and checks each.
fn is_dangerous_shell(cmd: &str, depth: usize) -> bool {
    if !may_hide_danger(cmd) {
        return false;
    }
    split_commands(cmd).iter().any(|words| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        is_dangerous_argv(&words, depth)
    })
}

fn split_commands(cmd: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, commands: &mut Vec<Vec<String>>| {
        if *in_word {
            if let Some(last) = commands.last_mut() {
                last.push(std::mem::take(word));
            }
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next()
                    && n != '\n'
                {
                    word.push(n);
                }
            }
            c if c.is_whitespace() && c != '\n' => end_word(&mut word, &mut in_word, &mut commands),
            ';' | '&' | '|' | '\n' | '(' | ')' | '`' | '{' | '}' => {
                // `$(` opens a command substitution: drop the `$` already read.
                if c == '(' && word.ends_with('$') {
                    word.pop();
                    in_word = !word.is_empty();
                }
                end_word(&mut word, &mut in_word, &mut commands);
                if commands.last().is_some_and(|l| !l.is_empty()) {
                    commands.push(Vec::new());
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut commands);
    commands.retain(|c| !c.is_empty());
    commands
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Programs that run the rest of their arguments as a command, with the
/// number of option arguments that take a value we must skip.
fn is_wrapper(prog: &str) -> bool {
    matches!(
        prog,
        "sudo"
            | "doas"
            | "env"
            | "nohup"
            | "nice"
            | "ionice"
            | "time"
            | "timeout"
            | "command"
            | "exec"
            | "builtin"
            | "xargs"
            | "busybox"
            | "setsid"
            | "stdbuf"
            | "chrt"
            | "taskset"
            | "unbuffer"
            | "eval"
    )
}

/// Options of wrappers that consume the next word (`sudo -u root rm …`).
fn wrapper_option_takes_value(prog: &str, opt: &str) -> bool {
    let opts: &[&str] = match prog {
        "sudo" => &["-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t", "-D"],
        "doas" => &["-u", "-C"],
        "nice" => &["-n"],
        "ionice" => &["-c", "-n", "-p"],
        "timeout" => &["-s", "-k", "--signal", "--kill-after"],
        "chrt" | "taskset" => &["-p"],
        "env" => &["-u", "-C", "-S", "--unset", "--chdir"],
        "xargs" => &["-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"],
        _ => &[],
    };
    opts.contains(&opt)
}

fn is_shell(prog: &str) -> bool {
    matches!(
        prog,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "mksh" | "fish"
    )
}

/// Checks one simple command given as words.
fn is_dangerous_argv(words: &[&str], depth: usize) -> bool {
    if depth > 4 {
        // Nested deeper than any honest command: treat as dangerous.
        return true;
    }
    let mut i = 0;
    // Leading `NAME=value` assignments are not the program.
    while words.get(i).is_some_and(|w| is_assignment(w)) {
        i += 1;
    }
    let Some(first) = words.get(i) else {
        return false;
    };
    let prog = basename(first).to_ascii_lowercase();
    let args = &words[i + 1..];
    if is_wrapper(&prog) {
        // `eval` and `exec` take a command string or words; skip the
        // wrapper's own options and numeric/duration arguments.
        if prog == "eval" {
            return is_dangerous_shell(&args.join(" "), depth + 1);
        }
        let mut j = 0;
        while let Some(a) = args.get(j) {
            let numeric = a.starts_with(|c: char| c.is_ascii_digit());
            if a.starts_with('-') || is_assignment(a) || (numeric && prog == "timeout") {
                if wrapper_option_takes_value(&prog, a) {
                    j += 1;
                }
                j += 1;
                continue;
            }
            break;
        }
        return is_dangerous_argv(&args[j.min(args.len())..], depth + 1);
    }
    if is_shell(&prog) {
        // `sh -c 'cmd'`, `bash -lc 'cmd'`: judge the command string.
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a.starts_with('-') && !a.starts_with("--") && a.contains('c') {
                return it
                    .next()
                    .is_some_and(|script| is_dangerous_shell(script, depth + 1));
            }
            if !a.starts_with('-') {
                break;
            }
        }
        return false;
    }
    match prog.as_str() {
        "shutdown" | "reboot" | "halt" | "poweroff" | "mkswap" | "wipefs" | "mke2fs" | "format" => {
            true
        }
        p if p.starts_with("mkfs") => true,
        "init" | "telinit" => args.iter().any(|a| *a == "0" || *a == "6"),
        "systemctl" => args.iter().any(|a| {
            matches!(
                *a,
                "poweroff" | "reboot" | "halt" | "kexec" | "emergency" | "rescue"
            )
        }),
        "rm" => rm_is_dangerous(args),
        "dd" => args.iter().any(|a| {
            a.starts_with("if=/dev/")
                || (a.starts_with("of=/dev/")
                    && !matches!(*a, "of=/dev/null" | "of=/dev/stdout" | "of=/dev/stderr"))
        }),
        "kill" => kill_is_dangerous(args),
        "chmod" | "chown" | "chgrp" => {
            let recursive = args
                .iter()
                .any(|a| *a == "--recursive" || (is_short_opts(a) && a.contains('R')));
            recursive && args.iter().any(|a| is_critical_operand(a))
        }
        _ => false,
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn is_short_opts(a: &str) -> bool {
    a.len() > 1 && a.starts_with('-') && !a.starts_with("--")
}

/// `rm` is dangerous when it is recursive and forced (the original's
/// `rm -rf`, in any spelling: `-fr`, `-r -f`, `--recursive --force`), when
/// it passes `--no-preserve-root`, or when a recursive or forced removal
/// names `/`, the home directory or a system directory.
fn rm_is_dangerous(args: &[&str]) -> bool {
    let (mut recursive, mut force, mut no_preserve) = (false, false, false);
    let mut operands = Vec::new();
    let mut opts_done = false;
    for &a in args {
        if !opts_done && a == "--" {
            opts_done = true;
        } else if !opts_done && a.starts_with("--") {
            match a {
                "--recursive" => recursive = true,
                "--force" => force = true,
                "--no-preserve-root" => no_preserve = true,
                _ => {}
            }
        } else if !opts_done && is_short_opts(a) {
            recursive |= a.contains(['r', 'R']);
            force |= a.contains('f');
        } else {
            operands.push(a);
        }
    }
    no_preserve
        || (recursive && force)
        || ((recursive || force) && operands.iter().any(|o| is_critical_operand(o)))
}

fn is_critical_operand(o: &str) -> bool {
    matches!(
        o,
        "/" | "/*" | "~" | "~/" | "~/*" | "$HOME" | "${HOME}" | "$HOME/" | "*" | "/."
    ) || fold_path(o) == "/"
        || is_system_path(o)
        || matches!(fold_path(o).as_ref(), "/usr" | "/home" | "/var" | "/root")
}

/// `kill` with SIGKILL (the original's `kill -9`, in any spelling), or any
/// signal to init (`1`) or to every process (`-1`).
fn kill_is_dangerous(args: &[&str]) -> bool {
    let sigkill = |s: &str| matches!(s, "9" | "KILL" | "SIGKILL");
    let mut it = args.iter().copied().peekable();
    while let Some(a) = it.next() {
        match a {
            "-s" | "--signal" | "-n" if it.peek().is_some_and(|s| sigkill(s)) => return true,
            "-1" | "1" => return true,
            "--" => return it.any(|t| t == "1" || t == "-1"),
            s if s.starts_with('-') && sigkill(&s[1..]) => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cmd(c: &str) -> bool {
        let a = Action::new("process", "system").with(Field::Cmd, c);
        is_dangerous_process(&a)
    }

    fn argv(v: &[&str]) -> bool {
        let a = Action::new("process", "exec").with(Field::Argv, json!(v));
        is_dangerous_process(&a)
    }

    #[test]
    fn dangerous_commands() {
        for c in [
            "rm -rf /",
            "rm -rf /tmp/x",
            "rm  -rf /x",
            "rm -fr /x",
            "rm -r -f /x",
            "/bin/rm --recursive --force x",
            "rm -r /",
            "rm -r ~",
            "rm --no-preserve-root -r /",
            "sudo rm -rf /var/lib",
            "cd /tmp && rm -rf build",
            "echo hi; shutdown -h now",
            "sh -c 'shut''down -h now'",
            "bash -lc \"reboot\"",
            "dd if=/dev/zero of=/tmp/x",
            "dd if=x of=/dev/sda",
            "mkfs.ext4 /dev/sda1",
            "halt",
            "poweroff",
            "kill -9 1234",
            "kill -s KILL 99",
            "kill -TERM -1",
            ":(){ :|:& };:",
            ":(){:|:&};:",
            "bomb(){ bomb|bomb& }; bomb",
            "echo $(rm -rf /x)",
            "FOO=1 env BAR=2 nohup rm -rf x",
            "timeout 5 rm -rf x",
            "systemctl reboot",
            "chmod -R 777 /",
            "xargs rm -rf",
        ] {
            assert!(cmd(c), "{c}");
        }
        assert!(argv(&["rm", "-rf", "/tmp/x"]));
        assert!(argv(&["sh", "-c", "rm -rf /x"]));
        assert!(argv(&["/sbin/shutdown", "now"]));
    }

    #[test]
    fn ordinary_commands() {
        for c in [
            "git log --format=%H",
            "ls -la",
            "python -m pytest -x",
            "rm file.txt",
            "rm -f build/out.o",
            "rm -r build",
            "echo 'rm -rf /' > notes.txt",
            "grep -r halt src",
            "cat asphalt.txt",
            "kill 1234",
            "kill -TERM 1234",
            "dd if=in.img of=out.img",
            "dd if=/tmp/a of=/dev/null",
            "npm run format",
            "chmod -R 755 build",
            "systemctl status nginx",
            "echo halt",
        ] {
            assert!(!cmd(c), "{c}");
        }
        assert!(!argv(&["echo", "rm -rf /"]));
        assert!(!argv(&["git", "log", "--format=x"]));
    }

    #[test]
    fn executable_overrides_argv0() {
        let a = Action::new("process", "exec")
            .with(Field::Argv, json!(["ls", "-rf", "/x"]))
            .with(Field::Executable, "/bin/rm");
        assert!(is_dangerous_process(&a));
        let b = Action::new("process", "exec").with(Field::Executable, "/sbin/reboot");
        assert!(is_dangerous_process(&b));
    }

    #[test]
    fn system_paths() {
        for p in [
            "/etc",
            "/etc/passwd",
            "/usr/bin/python3",
            "/tmp/../etc/x",
            "//etc/x",
            "/lib64/ld.so",
        ] {
            assert!(is_system_path(p), "{p}");
        }
        for p in [
            "/etcetera",
            "/home/u/etc/x",
            "/usr/local/bin/x",
            "/tmp/x",
            "etc/x",
        ] {
            assert!(!is_system_path(p), "{p}");
        }
    }

    #[test]
    fn required_capabilities() {
        let f = |v: serde_json::Value| {
            let mut a = Action::from_json(&v).unwrap();
            a.normalize();
            required(&a).into_owned()
        };
        assert_eq!(
            f(json!({"type":"file","subtype":"read","path":"/home/u/.env"})),
            "file.read"
        );
        assert_eq!(
            f(json!({"type":"file","subtype":"open","path":"/x","mode":"rb"})),
            "file.read"
        );
        assert_eq!(
            f(json!({"type":"file","subtype":"open","path":"/x","flags":65})),
            "file.write"
        );
        assert_eq!(
            f(json!({"type":"file","subtype":"write","path":"/etc/hosts"})),
            "file.write.dangerous"
        );
        assert_eq!(
            f(json!({"type":"file","subtype":"rename","path":"/tmp/a","target":"/usr/bin/a"})),
            "file.write.dangerous"
        );
        assert_eq!(
            f(json!({"type":"file","subtype":"delete","path":"/tmp/a"})),
            "file.delete"
        );
        assert_eq!(
            f(json!({"type":"file","path":"/etc/passwd"})),
            "file.write.dangerous"
        );
        assert_eq!(
            f(json!({"type":"network","subtype":"http"})),
            "network.http"
        );
        assert_eq!(
            f(json!({"type":"network","subtype":"connect"})),
            "network.socket"
        );
        assert_eq!(f(json!({"type":"network","subtype":"dns"})), "network.dns");
        assert_eq!(
            f(json!({"type":"process","cmd":"rm -rf /"})),
            "process.dangerous_exec"
        );
        assert_eq!(
            f(json!({"type":"process","cmd":"git log --format=x"})),
            "process.exec"
        );
        assert_eq!(
            f(json!({"type":"credential","subtype":"read"})),
            "credential.read"
        );
        assert_eq!(
            f(json!({"type":"tool","tool_name":"drop_database"})),
            "tool.invoke.dangerous"
        );
        assert_eq!(
            f(json!({"type":"tool","tool_name":"drop_database_x"})),
            "tool.invoke"
        );
        assert_eq!(f(json!({"type":"gpu_job"})), "unknown.gpu_job");
        assert_eq!(f(json!({})), "unknown.none");
        assert_eq!(f(json!({"type": 5})), "unknown.5");
    }
}
