//! The child's seccomp filter: an allowlist generated from the one
//! syscall table (`backstop::table`) by `child::filter_rules`, loaded before
//! the interpreter exists, inherited by every thread and descendant.
//!
//! The build script runs those rules through libseccomp and the binary
//! embeds the resulting classic BPF program ([`PROGRAM`]): a run loads it
//! as it is, without building it (libseccomp took milliseconds of every
//! start-up). The tests below check that the embedded program is exactly
//! what the rules give now, and run it on every syscall number.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::filter_rules;

/// Errors building or loading the filter.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// The embedded program is not a classic BPF program (a build defect).
    #[error(
        "seccomp filter: the embedded program is malformed ({0} bytes)\nhint: rebuild irongate"
    )]
    Malformed(usize),
    /// The kernel refused the program.
    #[error("seccomp filter: load: {0}")]
    Load(#[source] std::io::Error),
}

/// The filter as classic BPF (`struct sock_filter` in native byte order),
/// exported by the build script from `filter_rules::build`.
pub static PROGRAM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/filter.bpf"));

/// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (Linux 5.19; not in libc yet).
const WAIT_KILLABLE_RECV: libc::c_ulong = 1 << 5;

/// Loads the filter ([`PROGRAM`]) and returns the notification listener,
/// which the caller must hand to the supervisor and then close.
///
/// The program is loaded with `seccomp(2)` so that it gets
/// `WAIT_KILLABLE_RECV` where the kernel has it (libseccomp 2.5 cannot ask
/// for it): once the supervisor holds a notification, only a fatal signal
/// interrupts the call. Without it a `SIGSTOP` (the socket freeze,
/// `backstop::freeze`) or any handled signal would abort a decided call and
/// have it notified again.
pub fn install() -> Result<OwnedFd, FilterError> {
    let prog = PROGRAM;
    if !filter_rules::well_formed(prog) {
        return Err(FilterError::Malformed(prog.len()));
    }
    let fprog = libc::sock_fprog {
        len: (prog.len() / 8) as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    let load = |flags: libc::c_ulong| {
        // SAFETY: seccomp(SET_MODE_FILTER) with a valid program that lives
        // for the call; no_new_privs is set first (unprivileged filters
        // require it).
        unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &fprog as *const libc::sock_fprog,
            )
        }
    };
    let listener = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as libc::c_ulong;
    let mut fd = load(listener | WAIT_KILLABLE_RECV);
    if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        // Before 5.19.
        fd = load(listener);
    }
    if fd < 0 {
        return Err(FilterError::Load(std::io::Error::last_os_error()));
    }
    // SAFETY: the kernel just created this listener for us.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// True when the kernel gives the listener `WAIT_KILLABLE_RECV` (5.19+).
pub fn has_wait_killable() -> bool {
    nix::sys::utsname::uname()
        .ok()
        .and_then(|u| {
            let r = u.release().to_string_lossy().into_owned();
            let mut it = r.split(|c: char| !c.is_ascii_digit());
            let major: u32 = it.next()?.parse().ok()?;
            let minor: u32 = it.next()?.parse().ok()?;
            Some((major, minor) >= (5, 19))
        })
        .unwrap_or(false)
}

/// Loads the filter and hands its listener to the supervisor over
/// `handoff` (see `supervisor::backstop_listener`): a helper thread started
/// *before* the load is not under the filter, so its `sendmsg` with
/// `SCM_RIGHTS` is not notified to a listener nobody serves yet. The
/// helper is joined before this returns, so every thread that runs agent
/// code is filtered; the caller waits for the supervisor's go and then
/// closes the returned listener.
pub fn install_and_hand_off(handoff: RawFd) -> Result<OwnedFd, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Option<RawFd>>(1);
    let helper = std::thread::Builder::new()
        .name("irongate-handoff".into())
        .spawn(move || -> Result<(), String> {
            let Ok(Some(fd)) = rx.recv() else {
                return Ok(());
            };
            send_listener(handoff, fd)
        })
        .map_err(|e| format!("cannot start the listener hand-off thread: {e}"))?;
    let listener = match install() {
        Ok(fd) => fd,
        Err(e) => {
            let _ = tx.send(None);
            let _ = helper.join();
            return Err(e.to_string());
        }
    };
    let _ = tx.send(Some(listener.as_raw_fd()));
    match helper.join() {
        Ok(Ok(())) => Ok(listener),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("the listener hand-off thread panicked".into()),
    }
}

/// Read back by the supervisor to choose how it reads agent memory.
static PROBE: [u8; 16] = crate::backstop::memory::PROBE_BYTES;

fn send_listener(handoff: RawFd, fd: RawFd) -> Result<(), String> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    // The tag, then where the supervisor may probe this process's memory
    // (backstop::memory::select).
    let mut msg = [0u8; 9];
    msg[0] = b'L';
    let probe = std::hint::black_box(&PROBE) as *const _ as u64;
    msg[1..].copy_from_slice(&probe.to_ne_bytes());
    let iov = [std::io::IoSlice::new(&msg)];
    let fds = [fd];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    match sendmsg::<()>(handoff, &iov, &cmsg, MsgFlags::MSG_NOSIGNAL, None) {
        Ok(9) => Ok(()),
        Ok(n) => Err(format!("the listener hand-off sent {n} bytes")),
        Err(e) => Err(format!(
            "cannot send the seccomp listener to the supervisor: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backstop::table::{self, Class};
    use libseccomp::{ScmpAction, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall};

    /// What libseccomp exports of the filter the rules build now, through a
    /// temporary file.
    fn export(f: impl FnOnce(&ScmpFilterContext, &std::fs::File)) -> Vec<u8> {
        use std::io::{Read, Seek};
        let ctx = filter_rules::build().expect("build the filter");
        let mut file = tempfile::tempfile().expect("temp file");
        f(&ctx, &file);
        file.rewind().expect("rewind");
        let mut out = Vec::new();
        file.read_to_end(&mut out).expect("read back");
        out
    }

    /// The filter in libseccomp's pseudo-code, as text.
    fn pfc() -> String {
        let out = export(|ctx, file| ctx.export_pfc(file).expect("export pfc"));
        // For reading the whole filter: IRONGATE_PFC_DUMP=/path cargo test.
        if let Some(path) = std::env::var_os("IRONGATE_PFC_DUMP") {
            std::fs::write(path, &out).expect("dump pfc");
        }
        String::from_utf8(out).expect("pfc is text")
    }

    /// The lines of the block that tests syscall `nr`, up to the next one.
    fn block(pfc: &str, nr: i64) -> String {
        let head = format!("if ($syscall == {nr})");
        let start = pfc
            .find(&head)
            .unwrap_or_else(|| panic!("no rule for {nr}\n{pfc}"));
        let rest = &pfc[start + head.len()..];
        let end = rest.find("if ($syscall ==").unwrap_or(rest.len());
        rest[..end].to_owned()
    }

    #[test]
    fn default_is_notify_and_allowed_calls_are_allowed() {
        let pfc = pfc();
        let mut lines = pfc.lines().skip_while(|l| l.trim() != "# default action");
        let default = lines.nth(1).expect("a default action");
        // libseccomp 2.5 prints SECCOMP_RET_USER_NOTIF by value.
        assert!(
            matches!(default.trim(), "action NOTIFY;" | "action 0x7fc00000;"),
            "{default}"
        );
        for nr in [libc::SYS_getppid, libc::SYS_read, libc::SYS_futex, 468] {
            let b = block(&pfc, nr);
            assert!(b.trim_start().starts_with("action ALLOW;"), "{nr}: {b}");
        }
        assert!(block(&pfc, libc::SYS_clone3).contains("action ERRNO(38);"));
        // Notified rows have no rule: they take the default.
        for nr in [libc::SYS_openat, libc::SYS_bpf, 469, 500] {
            assert!(!pfc.contains(&format!("if ($syscall == {nr})")), "{nr}");
        }
    }

    #[test]
    fn conditional_rules_exist() {
        let pfc = pfc();
        let clone = block(&pfc, libc::SYS_clone);
        assert!(
            clone.contains(&format!("& 0x{:08x}", table::CLONE_NAMESPACES)),
            "{clone}"
        );
        assert!(clone.contains("action ALLOW;"), "{clone}");
        let sendto = block(&pfc, libc::SYS_sendto);
        assert!(sendto.contains("$a4"), "{sendto}");
        for nr in [
            libc::SYS_fcntl,
            libc::SYS_ioctl,
            libc::SYS_prctl,
            libc::SYS_socket,
        ] {
            let b = block(&pfc, nr);
            assert!(b.contains("action ALLOW;"), "{nr}: {b}");
            // A conditional block never allows unconditionally.
            assert!(!b.trim_start().starts_with("action ALLOW;"), "{nr}: {b}");
        }
    }

    const RET_KILL_PROCESS: u32 = 0x8000_0000;
    const RET_ERRNO: u32 = 0x0005_0000;
    const RET_USER_NOTIF: u32 = 0x7fc0_0000;
    const RET_ALLOW: u32 = 0x7fff_0000;
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    const AUDIT_ARCH_I386: u32 = 0x4000_0003;

    /// Runs the generated classic BPF on one `seccomp_data` (nr, arch,
    /// instruction pointer, args), as the kernel would.
    fn run(prog: &[u8], arch: u32, nr: i64, args: [u64; 6]) -> u32 {
        let mut data = Vec::with_capacity(64);
        data.extend_from_slice(&(nr as i32).to_ne_bytes());
        data.extend_from_slice(&arch.to_ne_bytes());
        data.extend_from_slice(&0u64.to_ne_bytes());
        for a in args {
            data.extend_from_slice(&a.to_ne_bytes());
        }
        let insn = |pc: usize| {
            let b = &prog[pc * 8..pc * 8 + 8];
            (
                u16::from_ne_bytes([b[0], b[1]]),
                b[2] as usize,
                b[3] as usize,
                u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
            )
        };
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let mut mem = [0u32; 16];
        loop {
            let (code, jt, jf, k) = insn(pc);
            pc += 1;
            let jump = |cond: bool| if cond { jt } else { jf };
            match code {
                0x20 => {
                    let o = k as usize;
                    a = u32::from_ne_bytes(data[o..o + 4].try_into().expect("word"));
                }
                0x00 => a = k,
                0x01 => x = k,
                0x02 => mem[k as usize] = a,
                0x03 => mem[k as usize] = x,
                0x60 => a = mem[k as usize],
                0x61 => x = mem[k as usize],
                0x07 => x = a,
                0x87 => a = x,
                0x54 => a &= k,
                0x05 => pc += k as usize,
                0x15 => pc += jump(a == k),
                0x25 => pc += jump(a > k),
                0x35 => pc += jump(a >= k),
                0x45 => pc += jump(a & k != 0),
                0x06 => return k,
                other => panic!("BPF opcode {other:#x} at {}", pc - 1),
            }
        }
    }

    /// The program a run loads is the one the table gives today (the build
    /// script reruns when the table or the rules change; this catches any
    /// other way for the two to part).
    #[test]
    fn embedded_program_is_the_tables() {
        let now = export(|ctx, file| ctx.export_bpf(file).expect("export bpf"));
        assert!(
            filter_rules::well_formed(PROGRAM),
            "{} bytes",
            PROGRAM.len()
        );
        assert!(
            PROGRAM == now.as_slice(),
            "the embedded filter ({} bytes) is not what the table gives ({} bytes)",
            PROGRAM.len(),
            now.len()
        );
    }

    /// Runs the program a run loads ([`PROGRAM`]).
    #[test]
    fn installed_bpf_decides_as_the_table_says() {
        let prog = PROGRAM;
        assert!(prog.len() / 8 < 4096, "{} instructions", prog.len() / 8);
        let x = |nr: i64, args: [u64; 6]| run(prog, AUDIT_ARCH_X86_64, nr, args);
        let none = [0u64; 6];
        let a1 = |v: u64| [3, v, 0, 0, 0, 0];
        let a0 = |v: u64| [v, 0, 0, 0, 0, 0];

        assert_eq!(x(libc::SYS_getppid, none), RET_ALLOW);
        assert_eq!(x(libc::SYS_read, none), RET_ALLOW);
        assert_eq!(x(libc::SYS_openat, none), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_bpf, none), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_mknodat, none), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_clone3, none), RET_ERRNO | libc::ENOSYS as u32);
        for gap in [337, 400, 423, 470, 500, 1000] {
            assert_eq!(x(gap, none), RET_USER_NOTIF, "{gap}");
        }
        // x32 numbers and other ABIs are killed.
        assert_eq!(x(0x4000_0000 | libc::SYS_getppid, none), RET_KILL_PROCESS);
        assert_eq!(x(0x4000_0000 | 500, none), RET_KILL_PROCESS);
        assert_eq!(run(prog, AUDIT_ARCH_I386, 64, none), RET_KILL_PROCESS);

        assert_eq!(x(libc::SYS_fcntl, a1(libc::F_GETFL as u64)), RET_ALLOW);
        assert_eq!(
            x(libc::SYS_fcntl, a1(libc::F_DUPFD_CLOEXEC as u64)),
            RET_ALLOW
        );
        assert_eq!(
            x(libc::SYS_fcntl, a1(libc::F_SETOWN as u64)),
            RET_USER_NOTIF
        );
        assert_eq!(
            x(libc::SYS_fcntl, a1(1 << 32 | libc::F_SETOWN as u64)),
            RET_USER_NOTIF
        );
        assert_eq!(x(libc::SYS_ioctl, a1(libc::TCGETS)), RET_ALLOW);
        assert_eq!(x(libc::SYS_ioctl, a1(0xffff_ffff_c004_6d00)), RET_ALLOW);
        assert_eq!(x(libc::SYS_ioctl, a1(libc::TIOCSTI)), RET_USER_NOTIF);
        assert_eq!(
            x(libc::SYS_ioctl, a1(0xffff_ffff_0000_5412)),
            RET_USER_NOTIF
        );
        assert_eq!(x(libc::SYS_ioctl, a1(0x8901)), RET_USER_NOTIF);

        let thread = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        assert_eq!(x(libc::SYS_clone, a0(thread)), RET_ALLOW);
        assert_eq!(x(libc::SYS_clone, a0(libc::SIGCHLD as u64)), RET_ALLOW);
        let newuser = libc::CLONE_NEWUSER as u64 | libc::SIGCHLD as u64;
        assert_eq!(x(libc::SYS_clone, a0(newuser)), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_clone, a0(1 << 40 | newuser)), RET_USER_NOTIF);

        assert_eq!(x(libc::SYS_prctl, a0(libc::PR_SET_NAME as u64)), RET_ALLOW);
        let seccomp = libc::PR_SET_SECCOMP as u64;
        assert_eq!(x(libc::SYS_prctl, a0(seccomp)), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_prctl, a0(1 << 32 | seccomp)), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_socket, a0(libc::AF_INET6 as u64)), RET_ALLOW);
        assert_eq!(
            x(libc::SYS_socket, a0(libc::AF_VSOCK as u64)),
            RET_USER_NOTIF
        );
        assert_eq!(
            x(libc::SYS_socket, a0(libc::AF_PACKET as u64)),
            RET_USER_NOTIF
        );
        assert_eq!(x(libc::SYS_socket, a0(libc::AF_UNIX as u64)), RET_ALLOW);
        let setfl = libc::F_SETFL as u64;
        let nonblock = libc::O_NONBLOCK as u64;
        let o_async = libc::O_ASYNC as u64;
        assert_eq!(x(libc::SYS_fcntl, [3, setfl, nonblock, 0, 0, 0]), RET_ALLOW);
        assert_eq!(
            x(libc::SYS_fcntl, [3, setfl, nonblock | o_async, 0, 0, 0]),
            RET_USER_NOTIF
        );
        assert_eq!(
            x(libc::SYS_fcntl, [3, libc::F_GETFL as u64, o_async, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(x(libc::SYS_ioctl, [3, 0x5452, 0, 0, 0, 0]), RET_USER_NOTIF);
        assert_eq!(x(libc::SYS_socket, a0(libc::AF_NETLINK as u64)), RET_ALLOW);
        assert_eq!(x(libc::SYS_sendto, [3, 1, 1, 0, 0, 0]), RET_ALLOW);
        assert_eq!(
            x(libc::SYS_sendto, [3, 1, 1, 0, 0x1000, 16]),
            RET_USER_NOTIF
        );
        assert_eq!(
            x(libc::SYS_sendto, [3, 1, 1, 0, 1 << 32, 16]),
            RET_USER_NOTIF
        );
        assert_eq!(x(libc::SYS_prlimit64, a0(0)), RET_ALLOW);
        assert_eq!(x(libc::SYS_prlimit64, a0(1)), RET_USER_NOTIF);

        // Every row, with zeroed registers, gets its class's action.
        for row in table::TABLE {
            let got = x(row.nr, none);
            let want = match row.class {
                Class::Allow => RET_ALLOW,
                Class::AllowIf { when, .. } if when.allows(&none) => RET_ALLOW,
                Class::AllowIf { .. } | Class::Notify(_) => RET_USER_NOTIF,
                Class::Refuse(errno) => RET_ERRNO | errno as u32,
            };
            assert_eq!(got, want, "{}", row.name);
        }
        // Every other number reaches the supervisor, which refuses it
        // (ENOSYS, logged); none is allowed or refused silently.
        for nr in (0..2048).chain([0x1000, 0xffff, 0x3fff_ffff]) {
            if table::class(nr).is_none() {
                assert_eq!(x(nr, none), RET_USER_NOTIF, "{nr}");
            }
        }
    }

    /// What libseccomp 2.5 does with rules of one syscall that disagree,
    /// which is why the filter holds only `Allow` rules besides the default:
    /// a rule with the default action is refused; an unconditional rule
    /// silently absorbs the conditional ones; between overlapping
    /// conditional rules the tree's shape decides (here the `==` test wins
    /// over the `<` test whatever their actions and order), not "the most
    /// restrictive action".
    #[test]
    fn libseccomp_rule_precedence() {
        let bpf = |ctx: &ScmpFilterContext| {
            let mut file = tempfile::tempfile().expect("temp file");
            ctx.export_bpf(&file).expect("export bpf");
            use std::io::{Read, Seek};
            file.rewind().expect("rewind");
            let mut out = Vec::new();
            file.read_to_end(&mut out).expect("read back");
            out
        };
        let fcntl = ScmpSyscall::from(libc::SYS_fcntl as i32);
        let setown = ScmpArgCompare::new(1, ScmpCompareOp::Equal, libc::F_SETOWN as u64);
        let getfl = ScmpArgCompare::new(1, ScmpCompareOp::Equal, libc::F_GETFL as u64);
        let below = ScmpArgCompare::new(1, ScmpCompareOp::Less, 100);
        let decide = |prog: &[u8], cmd: i32| {
            run(
                prog,
                AUDIT_ARCH_X86_64,
                libc::SYS_fcntl,
                [3, cmd as u64, 0, 0, 0, 0],
            )
        };

        let mut ctx = ScmpFilterContext::new(ScmpAction::Notify).expect("ctx");
        assert!(ctx.add_rule(ScmpAction::Notify, fcntl).is_err());

        for first in [true, false] {
            let mut ctx = ScmpFilterContext::new(ScmpAction::KillProcess).expect("ctx");
            let rules = [
                (ScmpAction::Notify, Some(setown)),
                (ScmpAction::Allow, None),
            ];
            let order: Vec<_> = if first {
                rules.to_vec()
            } else {
                rules.iter().rev().copied().collect()
            };
            for (action, cmp) in order {
                match cmp {
                    Some(c) => ctx.add_rule_conditional(action, fcntl, &[c]),
                    None => ctx.add_rule(action, fcntl),
                }
                .expect("rule");
            }
            let prog = bpf(&ctx);
            assert_eq!(
                decide(&prog, libc::F_SETOWN),
                RET_ALLOW,
                "absorbed ({first})"
            );
        }

        for (narrow, broad) in [
            (ScmpAction::Notify, ScmpAction::Allow),
            (ScmpAction::Allow, ScmpAction::Notify),
        ] {
            for first in [true, false] {
                let mut ctx = ScmpFilterContext::new(ScmpAction::KillProcess).expect("ctx");
                let eq = if narrow == ScmpAction::Notify {
                    setown
                } else {
                    getfl
                };
                let mut rules = [(narrow, eq), (broad, below)];
                if !first {
                    rules.reverse();
                }
                for (a, c) in rules {
                    ctx.add_rule_conditional(a, fcntl, &[c]).expect("rule");
                }
                let prog = bpf(&ctx);
                let cmd = if narrow == ScmpAction::Notify {
                    libc::F_SETOWN
                } else {
                    libc::F_GETFL
                };
                let want = if narrow == ScmpAction::Notify {
                    RET_USER_NOTIF
                } else {
                    RET_ALLOW
                };
                assert_eq!(
                    decide(&prog, cmd),
                    want,
                    "{narrow:?} == vs {broad:?} < ({first})"
                );
            }
        }
    }
}
