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

#[cfg(test)]
mod tests {
    use super::*;

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
}
