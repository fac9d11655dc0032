//! Lexical facts about path names, shared by the hook, the kernel layer and
//! the supervisor's resolver.

/// True for an absolute path with no empty, `.` or `..` component (so no
/// trailing slash either). Such a path, when the kernel reaches it without
/// following any symlink, names exactly the file it reaches: its real path
/// is its spelling, with no need to ask `/proc` which file was opened.
pub fn is_plain_absolute(p: &[u8]) -> bool {
    p.first() == Some(&b'/')
        && (p.len() == 1
            || !p[1..]
                .split(|b| *b == b'/')
                .any(|c| c.is_empty() || c == b"." || c == b".."))
}

/// True for a plain absolute path (see [`is_plain_absolute`]) outside
/// `/proc`, whose links (`/proc/self`, `fd/N`, `cwd`) mean one process or
/// another depending on who resolves them.
pub fn is_plain_outside_proc(p: &[u8]) -> bool {
    is_plain_absolute(p) && !(p == b"/proc" || p.starts_with(b"/proc/"))
}

/// True when `path` is `dir` or below it.
pub fn is_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return true;
    }
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// True when `path` is a directory strictly above `dir` (`/` is above
/// every other absolute path): moving `path` moves `dir`.
pub fn is_strictly_above(path: &str, dir: &str) -> bool {
    if !path.starts_with('/') || !dir.starts_with('/') {
        return false;
    }
    let (path, dir) = (path.trim_end_matches('/'), dir.trim_end_matches('/'));
    dir.len() > path.len() && dir.starts_with(path) && dir.as_bytes().get(path.len()) == Some(&b'/')
}

/// Bytes as text, the one spelling of a path or argument every layer uses:
/// valid UTF-8 unchanged, other bytes as `\xNN`.
pub fn bytes_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// `path` as process `pid` (thread `tid`) would reach it, for a lookup
/// made in another process: the `/proc` entries that name whoever looks
/// (`/proc/self`, `/proc/thread-self`, and the kernel's links into them,
/// `/proc/net` and `/proc/mounts`) spelled with the caller's ids, however
/// the way there is spelled (`//proc//self`, `/proc/./self`,
/// `/proc/../proc/self`: neither `/` nor `/proc` is a link, and `..` of
/// either is `/`). `None`: the path does not start with one of them.
pub fn proc_self_as(path: &[u8], pid: i32, tid: i64) -> Option<Vec<u8>> {
    if path.first() != Some(&b'/') {
        return None;
    }
    let mut in_proc = false;
    let mut at = 0;
    while at < path.len() {
        let end = path[at..]
            .iter()
            .position(|b| *b == b'/')
            .map_or(path.len(), |i| at + i);
        let name = &path[at..end];
        at = end + 1;
        match (in_proc, name) {
            (_, b"" | b".") => {}
            (_, b"..") => in_proc = false,
            (false, b"proc") => in_proc = true,
            (true, _) => {
                let head = match name {
                    b"self" => format!("/proc/{pid}"),
                    b"thread-self" => format!("/proc/{pid}/task/{tid}"),
                    // Symlinks to `self/net` and `self/mounts`.
                    b"net" => format!("/proc/{pid}/net"),
                    b"mounts" => format!("/proc/{pid}/mounts"),
                    _ => return None,
                };
                return Some([head.as_bytes(), &path[end..]].concat());
            }
            (false, _) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_self_is_the_callers_however_spelled() {
        let as_caller =
            |p: &str| proc_self_as(p.as_bytes(), 42, 43).map(|v| String::from_utf8(v).unwrap());
        for (p, want) in [
            ("/proc/self", "/proc/42"),
            ("/proc/self/fd/3", "/proc/42/fd/3"),
            ("/proc/thread-self/comm", "/proc/42/task/43/comm"),
            ("/proc/net/unix", "/proc/42/net/unix"),
            ("/proc/mounts", "/proc/42/mounts"),
            ("//proc//self/environ", "/proc/42/environ"),
            ("/./proc/./self/", "/proc/42/"),
            ("/proc/../proc/self/maps", "/proc/42/maps"),
            ("/../../proc/self", "/proc/42"),
            // Only the way to the entry is normalised, not what follows.
            ("/proc/self/../self", "/proc/42/../self"),
        ] {
            assert_eq!(as_caller(p).as_deref(), Some(want), "{p}");
        }
        for p in [
            "/proc",
            "/proc/",
            "/proc/1/environ",
            "/proc/selfish",
            "proc/self",
            "/tmp/../proc/self",
            "/proc/sys/../self",
            "",
        ] {
            assert_eq!(as_caller(p), None, "{p}");
        }
    }

    #[test]
    fn strictly_above() {
        for (p, d) in [
            ("/", "/home/u/.irongate"),
            ("/home", "/home/u/.irongate"),
            ("/home/u/", "/home/u/.irongate"),
            ("/tmp/x", "/tmp/x/home/"),
        ] {
            assert!(is_strictly_above(p, d), "{p} {d}");
        }
        for (p, d) in [
            ("/home/u/.irongate", "/home/u/.irongate"),
            ("/home/u/.irongate/x", "/home/u/.irongate"),
            ("/home/u/.iron", "/home/u/.irongate"),
            ("/homes", "/home/u"),
            ("", "/home/u"),
            ("home", "/home/u"),
            ("/", "/"),
        ] {
            assert!(!is_strictly_above(p, d), "{p} {d}");
        }
    }

    #[test]
    fn plain_paths() {
        for p in ["/", "/etc/hosts", "/a b/c.txt", "/proc2/x"] {
            assert!(is_plain_outside_proc(p.as_bytes()), "{p}");
        }
        for p in [
            "",
            "etc",
            "/etc/",
            "//etc",
            "/a/./b",
            "/a/../b",
            "/a/..",
            "/.",
            "/proc",
            "/proc/self",
        ] {
            assert!(!is_plain_outside_proc(p.as_bytes()), "{p}");
        }
        assert!(is_plain_absolute(b"/proc/self/status"));
    }

    #[test]
    fn proc_entries_of_whoever_looks_take_the_callers_ids() {
        let as_42 = |p: &str| proc_self_as(p.as_bytes(), 42, 43).map(|v| bytes_text(&v));
        assert_eq!(as_42("/proc/self").as_deref(), Some("/proc/42"));
        assert_eq!(as_42("/proc/self/fd/3").as_deref(), Some("/proc/42/fd/3"));
        assert_eq!(
            as_42("/proc/thread-self/comm").as_deref(),
            Some("/proc/42/task/43/comm")
        );
        assert_eq!(
            as_42("/proc/net/unix").as_deref(),
            Some("/proc/42/net/unix")
        );
        assert_eq!(as_42("/proc/net").as_deref(), Some("/proc/42/net"));
        assert_eq!(as_42("/proc/mounts").as_deref(), Some("/proc/42/mounts"));
        assert_eq!(as_42("/proc/selfish"), None);
        assert_eq!(as_42("/proc/network"), None);
        assert_eq!(as_42("/proc/1/net/unix"), None);
        assert_eq!(as_42("/procx/self"), None);
        assert_eq!(as_42("proc/self"), None);
    }
}
