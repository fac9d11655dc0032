//! Reading the target's memory. Every read is followed by an `ID_VALID`
//! check in the caller before the bytes are used: the target may have died
//! and its pid been reused, or been interrupted, in between.

//!
//! Two mechanisms, chosen once at start by probing the agent (`select`):
//! `process_vm_readv`, else `pread` of `/proc/<tid>/mem` (Docker's default
//! seccomp profile refuses `process_vm_readv` without `CAP_SYS_PTRACE` but
//! permits opening `/proc/<pid>/mem` of a process the caller may ptrace).
//! The `/proc` file is opened afresh for every read, after the notification
//! arrived: a descriptor kept across notifications could outlive an exec
//! and read another live address space (a vfork parent's). If neither
//! mechanism works, the run does not start.

use std::io::IoSliceMut;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid;

/// Longest path we read (PATH_MAX).
pub const MAX_PATH: usize = 4096;

/// What the child places at the address it reports for the probe.
pub const PROBE_BYTES: [u8; 16] = *b"irongate-probe\0\0";

/// How the supervisor reads the agent's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// `process_vm_readv` (needs the ptrace access check, and outside
    /// containers nothing else).
    VmReadv,
    /// `pread` of `/proc/<tid>/mem`, opened per read.
    ProcMem,
}

impl Mechanism {
    /// The name `doctor` and the run's log use.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::VmReadv => "process_vm_readv",
            Mechanism::ProcMem => "/proc/<pid>/mem",
        }
    }
}

static MODE: AtomicU8 = AtomicU8::new(0);
const NO_IDS: u64 = u64::MAX;
static AGENT_IDS: AtomicU64 = AtomicU64::new(NO_IDS);

/// The agent runs as another user (`--user`): `/proc/<tid>/mem` is opened
/// with the agent's filesystem ids, so the kernel's ptrace access check
/// (which compares fsuid and fsgid) passes without `CAP_SYS_PTRACE`.
pub fn set_agent_ids(uid: u32, gid: u32) {
    AGENT_IDS.store(u64::from(uid) << 32 | u64::from(gid), Ordering::Relaxed);
}

/// Runs `f` with the agent's filesystem ids when it runs as another user
/// (`--user`): the kernel's ptrace access check on `/proc/<pid>/{mem,cwd,fd}`
/// compares them, so a supervisor without `CAP_SYS_PTRACE` (a container)
/// still reaches the agent's `/proc` entries. Otherwise `f` runs as is.
pub fn as_agent_fs<T>(f: impl FnOnce() -> T) -> T {
    let ids = AGENT_IDS.load(Ordering::Relaxed);
    if ids == NO_IDS {
        return f();
    }
    let (uid, gid) = ((ids >> 32) as u32, ids as u32);
    // SAFETY: setfs*id take ids by value and change the calling thread
    // only; the previous ids are put back before returning.
    unsafe {
        let old_gid = libc::syscall(libc::SYS_setfsgid, gid) as u32;
        let old_uid = libc::syscall(libc::SYS_setfsuid, uid) as u32;
        let r = f();
        libc::syscall(libc::SYS_setfsuid, old_uid);
        libc::syscall(libc::SYS_setfsgid, old_gid);
        r
    }
}

/// Runs `f` with the agent's real uid and gid on this thread when it runs
/// as another user: ptrace's access check (`PTRACE_SEIZE`) compares the
/// tracer's *real* ids, and in a container the supervisor has no
/// `CAP_SYS_PTRACE` to stand in for them. The effective and saved ids stay
/// the supervisor's, so nothing is lost; they are put back at once.
pub fn as_agent_real<T>(f: impl FnOnce() -> T) -> T {
    let ids = AGENT_IDS.load(Ordering::Relaxed);
    if ids == NO_IDS {
        return f();
    }
    let (uid, gid) = ((ids >> 32) as u32, ids as u32);
    let keep = u32::MAX; // -1: unchanged
    // SAFETY: raw setres[ug]id change the calling thread only (libc's
    // wrappers would broadcast to every thread); restored before return.
    unsafe {
        let (mut ru, mut eu, mut su) = (0u32, 0u32, 0u32);
        let (mut rg, mut eg, mut sg) = (0u32, 0u32, 0u32);
        libc::syscall(libc::SYS_getresuid, &mut ru, &mut eu, &mut su);
        libc::syscall(libc::SYS_getresgid, &mut rg, &mut eg, &mut sg);
        libc::syscall(libc::SYS_setresgid, gid, keep, keep);
        libc::syscall(libc::SYS_setresuid, uid, keep, keep);
        let r = f();
        libc::syscall(libc::SYS_setresuid, ru, keep, keep);
        libc::syscall(libc::SYS_setresgid, rg, keep, keep);
        r
    }
}

/// The mechanism in force.
pub fn mechanism() -> Mechanism {
    if MODE.load(Ordering::Relaxed) == 1 {
        Mechanism::ProcMem
    } else {
        Mechanism::VmReadv
    }
}

/// Probes the agent `pid`, which has put `PROBE_BYTES` at `addr`, and
/// selects the first mechanism that reads them back. The error names each
/// mechanism's failure.
pub fn select(pid: u32, addr: u64) -> Result<Mechanism, String> {
    let want = PROBE_BYTES.to_vec();
    let vm = vm_read(pid, addr, want.len());
    match vm {
        Ok(ref got) if *got == want => {
            MODE.store(0, Ordering::Relaxed);
            return Ok(Mechanism::VmReadv);
        }
        _ => {}
    }
    match proc_read(pid, addr, want.len()) {
        Ok(got) if got == want => {
            MODE.store(1, Ordering::Relaxed);
            Ok(Mechanism::ProcMem)
        }
        other => Err(format!(
            "cannot read the agent's memory: process_vm_readv: {}; /proc/{pid}/mem: {}\nhint: in a container, run as the same user as the agent or add CAP_SYS_PTRACE; outside, check kernel.yama.ptrace_scope",
            describe(&vm),
            describe(&other)
        )),
    }
}

fn describe(r: &Result<Vec<u8>, std::io::Error>) -> String {
    match r {
        Ok(_) => "read back the wrong bytes".into(),
        Err(e) => e.to_string(),
    }
}

fn vm_read(pid: u32, addr: u64, len: usize) -> Result<Vec<u8>, std::io::Error> {
    let mut buf = vec![0u8; len];
    let n = vm_read_into(pid, addr, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

fn vm_read_into(pid: u32, addr: u64, buf: &mut [u8]) -> Result<usize, std::io::Error> {
    let len = buf.len();
    Ok(process_vm_readv(
        Pid::from_raw(pid as i32),
        &mut [IoSliceMut::new(buf)],
        &[RemoteIoVec {
            base: addr as usize,
            len,
        }],
    )?)
}

/// Opens `/proc/<tid>/mem` read-only, with the agent's filesystem ids when
/// it runs as another user.
fn open_mem(pid: u32) -> Result<std::fs::File, std::io::Error> {
    as_agent_fs(|| std::fs::File::open(format!("/proc/{pid}/mem")))
}

fn proc_read(pid: u32, addr: u64, len: usize) -> Result<Vec<u8>, std::io::Error> {
    let f = open_mem(pid)?;
    let mut buf = vec![0u8; len];
    let n = f.read_at(&mut buf, addr)?;
    buf.truncate(n);
    Ok(buf)
}

/// One read of up to `len` bytes at `addr` by the mechanism in force.
fn read_some(pid: u32, addr: u64, len: usize) -> Option<Vec<u8>> {
    match mechanism() {
        Mechanism::VmReadv => vm_read(pid, addr, len).ok(),
        Mechanism::ProcMem => proc_read(pid, addr, len).ok(),
    }
}

/// One read into `buf` at `addr` by the mechanism in force; the bytes read.
fn read_some_into(pid: u32, addr: u64, buf: &mut [u8]) -> Option<usize> {
    match mechanism() {
        Mechanism::VmReadv => vm_read_into(pid, addr, buf).ok(),
        Mechanism::ProcMem => open_mem(pid).and_then(|f| f.read_at(buf, addr)).ok(),
    }
}

/// Reads exactly `len` bytes at `addr`.
pub fn read_bytes(pid: u32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    let buf = read_some(pid, addr, len)?;
    (buf.len() == len).then_some(buf)
}

/// Fills `buf` with the bytes at `addr`; `false` unless all could be read.
/// No allocation: for the reads made on every checked call (the note).
pub fn read_exact_into(pid: u32, addr: u64, buf: &mut [u8]) -> bool {
    addr != 0 && read_some_into(pid, addr, buf) == Some(buf.len())
}

/// Reads `len` bytes at `addr`; zero bytes need no readable address.
pub fn read_bytes_or_empty(pid: u32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    read_bytes(pid, addr, len)
}

/// Reads a NUL-terminated string at `addr`, page by page (a string may end
/// just before an unmapped page), at most `max` bytes.
pub fn read_cstr(pid: u32, addr: u64, max: usize) -> Option<Vec<u8>> {
    if addr == 0 {
        return None;
    }
    const PAGE: u64 = 4096;
    // Most paths are short: the first read takes at most FIRST bytes (a
    // whole page costs a copy of 4 KiB per call), the next ones the rest of
    // their page. Read on the stack: this runs for every path argument.
    const FIRST: usize = 256;
    let mut buf = [0u8; PAGE as usize];
    let mut out = Vec::with_capacity(FIRST);
    let mut cur = addr;
    while out.len() < max {
        let to_page_end = (PAGE - (cur % PAGE)) as usize;
        let mut want = to_page_end.min(max - out.len());
        if out.is_empty() {
            want = want.min(FIRST);
        }
        let n = read_some_into(pid, cur, &mut buf[..want])?;
        if n == 0 {
            return None;
        }
        if let Some(end) = buf[..n].iter().position(|b| *b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Some(out);
        }
        out.extend_from_slice(&buf[..n]);
        cur += n as u64;
    }
    None
}

/// Bound on the bytes of one argv or environment array, its pointers and
/// strings: the kernel refuses more than this for both together (`E2BIG`,
/// three quarters of its stack limit), and the same string can be pointed
/// to many times.
pub const MAX_ARGV_BYTES: usize = 6 * 1024 * 1024;

/// Reads a NULL-terminated array of string pointers (argv, envp), the
/// pointers a page at a time. An array that cannot be read whole, has more
/// than `max_items` entries or more than [`MAX_ARGV_BYTES`] of strings, is
/// `None`: the decision must see every string the kernel will pass.
pub fn read_argv(pid: u32, addr: u64, max_items: usize) -> Option<Vec<Vec<u8>>> {
    const PAGE: u64 = 4096;
    let mut out = Vec::new();
    if addr == 0 {
        return Some(out);
    }
    let mut total = 0usize;
    let mut cur = addr;
    loop {
        // Whole pointers up to the page's end (one that straddles it alone).
        let to_page_end = (PAGE - cur % PAGE) as usize;
        let want = if to_page_end >= 8 {
            to_page_end / 8 * 8
        } else {
            8
        };
        let chunk = read_bytes(pid, cur, want)?;
        for ptr in chunk.chunks_exact(8) {
            let p = u64::from_ne_bytes(ptr.try_into().ok()?);
            if p == 0 {
                return Some(out);
            }
            if out.len() >= max_items {
                return None;
            }
            let s = read_cstr(pid, p, 128 * 1024)?;
            total += 8 + s.len() + 1;
            if total > MAX_ARGV_BYTES {
                return None;
            }
            out.push(s);
        }
        cur = cur.checked_add(want as u64)?;
    }
}

/// True when the `len` bytes at `addr` lie in one private anonymous mapping
/// of process `pid` (its heap, a stack, an anonymous `mmap`): memory only
/// the tasks sharing its address space can write — a forked process has its
/// own copy — unlike a shared mapping or a file's pages, which another
/// process can change through the file. Unreadable: false.
pub fn is_private_anon(pid: i32, addr: u64, len: u64) -> bool {
    as_agent_fs(|| std::fs::read_to_string(format!("/proc/{pid}/maps")))
        .is_ok_and(|maps| private_anon_in(&maps, addr, len))
}

/// True when an exec's path string, its argv and envp arrays and each of
/// their strings (at `path`, `argv`, `envp` in process `pid`) lie in private
/// anonymous memory ([`is_private_anon`]), so only the tasks sharing the
/// caller's memory could rewrite them. Anything unreadable: false.
pub fn exec_args_private(pid: i32, path: u64, argv: u64, envp: u64) -> bool {
    let mut ranges = Vec::new();
    let Some(len) = read_cstr(pid as u32, path, MAX_PATH).map(|p| p.len() as u64 + 1) else {
        return false;
    };
    ranges.push((path, len));
    for array in [argv, envp] {
        if array == 0 {
            continue;
        }
        let mut at = array;
        loop {
            let Some(p) = read_bytes(pid as u32, at, 8).map(|b| {
                let mut word = [0u8; 8];
                word.copy_from_slice(&b);
                u64::from_ne_bytes(word)
            }) else {
                return false;
            };
            ranges.push((at, 8));
            if p == 0 {
                break;
            }
            let Some(s) = read_cstr(pid as u32, p, 128 * 1024) else {
                return false;
            };
            ranges.push((p, s.len() as u64 + 1));
            at += 8;
            if ranges.len() > 2 * MAX_ARGV_BYTES / 9 {
                return false;
            }
        }
    }
    as_agent_fs(|| std::fs::read_to_string(format!("/proc/{pid}/maps"))).is_ok_and(|maps| {
        let mappings = private_anon_mappings(&maps);
        ranges
            .iter()
            .all(|&(addr, len)| covered(&mappings, addr, len))
    })
}

/// [`is_private_anon`] on the text of `/proc/<pid>/maps`.
fn private_anon_in(maps: &str, addr: u64, len: u64) -> bool {
    covered(&private_anon_mappings(maps), addr, len)
}

/// The `[start, end)` ranges of the private anonymous mappings (heap,
/// stacks, anonymous `mmap`) in the text of `/proc/<pid>/maps`.
fn private_anon_mappings(maps: &str) -> Vec<(u64, u64)> {
    maps.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (range, perms, _off, _dev, inode) =
                (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            let name = f.next().unwrap_or("");
            let (lo, hi) = range.split_once('-')?;
            let (lo, hi) = (
                u64::from_str_radix(lo, 16).ok()?,
                u64::from_str_radix(hi, 16).ok()?,
            );
            let anonymous = inode == "0"
                && (name.is_empty()
                    || name == "[heap]"
                    || name.starts_with("[stack")
                    || name.starts_with("[anon:"));
            (anonymous && perms.as_bytes().get(3) == Some(&b'p')).then_some((lo, hi))
        })
        .collect()
}

/// The `len` bytes at `addr` lie within one of `mappings`.
fn covered(mappings: &[(u64, u64)], addr: u64, len: u64) -> bool {
    addr.checked_add(len)
        .is_some_and(|end| mappings.iter().any(|&(lo, hi)| lo <= addr && end <= hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_private_anonymous_memory_counts() {
        let maps = "\
55d0a0000000-55d0a0021000 rw-p 00000000 00:00 0                          [heap]
7f0000000000-7f0000001000 rw-s 00000000 00:01 4242                       /dev/zero (deleted)
7f0000001000-7f0000002000 rw-p 00000000 00:00 0 
7f0000002000-7f0000003000 rw-p 00000000 08:01 1234                       /tmp/file
7f0000003000-7f0000004000 rw-p 00000000 00:01 77                         /memfd:x (deleted)
7f0000004000-7f0000005000 rw-p 00000000 00:00 0                          [anon:buf]
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
7ffc00030000-7ffc00032000 r--p 00000000 00:00 0                          [vvar]
";
        assert!(private_anon_in(maps, 0x55d0a0000010, 110));
        assert!(private_anon_in(maps, 0x7f0000001000, 4096));
        assert!(private_anon_in(maps, 0x7f0000004010, 16));
        assert!(private_anon_in(maps, 0x7ffc00000100, 110));
        // Shared, file-backed, memfd, special, or running off the end.
        assert!(!private_anon_in(maps, 0x7f0000000010, 16));
        assert!(!private_anon_in(maps, 0x7f0000002010, 16));
        assert!(!private_anon_in(maps, 0x7f0000003010, 16));
        assert!(!private_anon_in(maps, 0x7ffc00030010, 16));
        assert!(!private_anon_in(maps, 0x7f0000001ff0, 32));
        assert!(!private_anon_in(maps, 0x1000, 16));
        assert!(!private_anon_in(maps, u64::MAX - 4, 16));
    }

    #[test]
    fn a_string_is_read_whole_across_chunks_and_pages() {
        let me = std::process::id();
        // Strings shorter and longer than the first read, ending before,
        // at and after a page boundary.
        let mut page = vec![0u8; 3 * 4096];
        let base = page.as_ptr() as u64;
        let boundary = (base / 4096 + 1) * 4096 - base;
        for (start, len) in [
            (0, 10),
            (0, 300),
            (boundary - 5, 5),
            (boundary - 5, 40),
            (boundary - 300, 4000),
        ] {
            let start = usize::try_from(start).expect("offset");
            page.fill(0);
            for (i, b) in page[start..start + len].iter_mut().enumerate() {
                *b = b'a' + (i % 26) as u8;
            }
            let got = read_cstr(me, base + start as u64, 8192).expect("readable");
            assert_eq!(
                got,
                page[start..start + len],
                "string at {start}, {len} bytes"
            );
            // Longer than the bound: no string at all, not a truncated one.
            assert_eq!(read_cstr(me, base + start as u64, len), None);
        }
        assert_eq!(read_cstr(me, 0, 16), None);
    }

    /// Review 10: strings that end at, or run into, an unmapped page; the
    /// exact-bound cases (PATH_MAX counts the NUL, as the kernel's); both
    /// mechanisms (ProcMem is switched on for this test only: other tests
    /// reading meanwhile read through /proc/self/mem, which gives the same).
    #[test]
    fn a_string_at_an_unmapped_page_and_at_the_bound_by_either_mechanism() {
        const PAGE: usize = 4096;
        let me = std::process::id();
        // SAFETY: a fresh anonymous mapping of three pages, the last one
        // made inaccessible; unmapped at the end.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                3 * PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        // SAFETY: the third page of the mapping above, unmapped: the hole.
        let unmapped = unsafe { libc::munmap(base.cast::<u8>().add(2 * PAGE).cast(), PAGE) };
        assert_eq!(unmapped, 0);
        // SAFETY: the two accessible pages of the mapping.
        let mem = unsafe { std::slice::from_raw_parts_mut(base.cast::<u8>(), 2 * PAGE) };
        let addr = base as u64;
        for mode in [0u8, 1] {
            MODE.store(mode, Ordering::Relaxed);
            // Ends with its NUL in the last accessible byte: read whole.
            mem.fill(b'a');
            mem[2 * PAGE - 1] = 0;
            let start = 2 * PAGE - 1 - 300;
            assert_eq!(
                read_cstr(me, addr + start as u64, MAX_PATH).map(|s| s.len()),
                Some(300),
                "mode {mode}: ends before the hole"
            );
            // No NUL before the hole: no string.
            mem[2 * PAGE - 1] = b'a';
            assert_eq!(
                read_cstr(me, addr + start as u64, MAX_PATH),
                None,
                "mode {mode}"
            );
            assert_eq!(
                read_cstr(me, addr + 2 * PAGE as u64, MAX_PATH),
                None,
                "mode {mode}"
            );
            // 4095 bytes and a NUL fit PATH_MAX, 4096 do not (ENAMETOOLONG).
            mem.fill(b'b');
            mem[100 + 4095] = 0;
            assert_eq!(
                read_cstr(me, addr + 100, MAX_PATH).map(|s| s.len()),
                Some(4095),
                "mode {mode}"
            );
            mem[100 + 4095] = b'b';
            mem[100 + 4096] = 0;
            assert_eq!(read_cstr(me, addr + 100, MAX_PATH), None, "mode {mode}");
            // The empty string, at a page's last byte and at its first.
            mem[PAGE - 1] = 0;
            assert_eq!(
                read_cstr(me, addr + (PAGE - 1) as u64, 16),
                Some(Vec::new())
            );
            mem[PAGE] = 0;
            assert_eq!(read_cstr(me, addr + PAGE as u64, 16), Some(Vec::new()));
            // The note's exact read, across the page boundary and into the hole.
            let mut buf = [0u8; 64];
            assert!(
                read_exact_into(me, addr + (PAGE - 32) as u64, &mut buf),
                "mode {mode}"
            );
            assert!(
                !read_exact_into(me, addr + (2 * PAGE - 32) as u64, &mut buf),
                "mode {mode}"
            );
        }
        // Not the diff's, noted in review 10: through /proc/<pid>/mem
        // (FOLL_FORCE) a PROT_NONE page reads as its bytes, where the
        // kernel's own copy of the argument (and process_vm_readv) fault.
        // SAFETY: the second page of the mapping, made inaccessible.
        let protected =
            unsafe { libc::mprotect(base.cast::<u8>().add(PAGE).cast(), PAGE, libc::PROT_NONE) };
        assert_eq!(protected, 0);
        MODE.store(0, Ordering::Relaxed);
        assert_eq!(
            read_cstr(me, addr + PAGE as u64, 16),
            None,
            "process_vm_readv faults"
        );
        MODE.store(1, Ordering::Relaxed);
        assert_eq!(
            read_cstr(me, addr + PAGE as u64, 16),
            Some(Vec::new()),
            "/proc/<pid>/mem reads it"
        );
        MODE.store(0, Ordering::Relaxed);
        // SAFETY: the rest of the mapping made above, no longer used.
        unsafe { libc::munmap(base, 2 * PAGE) };
    }
}
