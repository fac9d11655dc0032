//! The syscall table: every x86_64 syscall number Linux 6.18 assigns,
//! classified once. The child's seccomp filter is generated from it
//! (`child::filter`), and the notify loop asks it what a notified number is.
//!
//! - [`Class::Allow`]: never trapped.
//! - [`Class::AllowIf`]: allowed when a register condition holds; any other
//!   value is notified, and the supervisor decides it as [`Notified`] says.
//! - [`Class::Notify`]: always sent to the supervisor.
//! - [`Class::Refuse`]: refused in the filter with that errno, unlogged (only
//!   for syscalls the kernel no longer implements: the answer is the kernel's
//!   own `ENOSYS`, and `clone3`).
//!
//! A number missing from the table (an unassigned number, a syscall of a
//! newer kernel) gets the filter's default action, `Notify`: the supervisor
//! refuses it with `ENOSYS` and logs it ([`class`] returns `None`).
//!
//! Registers the kernel reads as a C `int` or `unsigned int` (the `ioctl`
//! and `fcntl` command, `prctl`'s option, `socket`'s family, a pid) are
//! compared on their low 32 bits only: the high half is whatever the caller
//! left there, and the kernel ignores it.

/// What the supervisor does with a notified call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notified {
    /// open, openat, openat2, creat.
    Open,
    /// unlink, unlinkat, rmdir.
    Unlink,
    /// rename, renameat, renameat2.
    Rename,
    /// mkdir, mkdirat.
    Mkdir,
    /// mknod, mknodat.
    Mknod,
    /// link, linkat.
    Link,
    /// symlink, symlinkat.
    Symlink,
    /// truncate and the chmod/chown families.
    Meta,
    /// execve, execveat.
    Exec,
    /// connect, bind, sendto/sendmsg/sendmmsg to an address.
    Net,
    /// kill and friends, pidfd_open, pidfd_send_signal: never to the
    /// supervisor.
    Signal,
    /// `fcntl`/`ioctl` commands that route signals to a process or process
    /// group (`F_SETOWN`, `FIOSETOWN`, `TIOCSPGRP`, …) or inject terminal
    /// input (`TIOCSTI`, `TIOCLINUX`).
    SignalRoute,
    /// Calls that change another task's scheduling, CPU affinity, nice
    /// value or I/O priority (`sched_setscheduler`, `sched_setparam`,
    /// `sched_setattr`, `sched_setaffinity` with a pid; `setpriority`,
    /// `ioprio_set`): only a task of the agent's tree, never the
    /// supervisor's threads, a process group or a user's processes.
    Sched,
    /// Calls that change what the kernel checks the caller with (the
    /// set*id family, `capset`, `umask`): they continue, and the
    /// supervisor forgets the identity it cached for the caller.
    Creds,
    /// Never the agent's business: refused (EPERM) and logged.
    Forbidden,
}

/// A register condition under which a call is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `(args[arg] & mask) == value`.
    Masked {
        /// Argument index (0..6).
        arg: u32,
        /// Bits compared.
        mask: u64,
        /// Their required value.
        value: u64,
    },
    /// The low 32 bits of `args[arg]` are one of `values`.
    Low32OneOf {
        /// Argument index (0..6).
        arg: u32,
        /// The allowed values.
        values: &'static [u32],
    },
    /// The low 32 bits of `args[arg]` are none of `values`.
    Low32NoneOf {
        /// Argument index (0..6).
        arg: u32,
        /// The refused values.
        values: &'static [u32],
    },
    /// `inner` holds, or the low 32 bits of `args[cmd_arg]` are `cmd` and
    /// `args[arg]` has none of the bits of `mask` (one command allowed
    /// only without some flags: `fcntl(F_SETFL)` without `O_ASYNC`).
    OrCommandWithout {
        /// The rest of the condition.
        inner: &'static When,
        /// Where the command is.
        cmd_arg: u32,
        /// The command.
        cmd: u32,
        /// Where the flags are.
        arg: u32,
        /// The flags it may not carry.
        mask: u64,
    },
}

impl When {
    /// Whether the call with these registers is allowed.
    pub fn allows(&self, args: &[u64; 6]) -> bool {
        match *self {
            When::Masked { arg, mask, value } => args[arg as usize] & mask == value,
            When::Low32OneOf { arg, values } => values.contains(&(args[arg as usize] as u32)),
            When::Low32NoneOf { arg, values } => !values.contains(&(args[arg as usize] as u32)),
            When::OrCommandWithout {
                inner,
                cmd_arg,
                cmd,
                arg,
                mask,
            } => {
                inner.allows(args)
                    || (args[cmd_arg as usize] as u32 == cmd && args[arg as usize] & mask == 0)
            }
        }
    }

    /// The condition as a union of rules, each a conjunction of
    /// `(arg, mask, value)` masked-equal tests on distinct arguments (what
    /// one libseccomp rule can hold). For [`When::Low32NoneOf`] the rules
    /// are the prefixes of a binary trie over the 32 low bits that lead to
    /// none of the refused values.
    pub fn masked_tests(&self) -> Vec<Vec<(u32, u64, u64)>> {
        match *self {
            When::OrCommandWithout {
                inner,
                cmd_arg,
                cmd,
                arg,
                mask,
            } => {
                let mut out = inner.masked_tests();
                out.push(vec![(cmd_arg, 0xffff_ffff, u64::from(cmd)), (arg, mask, 0)]);
                out
            }
            When::Masked { arg, mask, value } => vec![vec![(arg, mask, value)]],
            When::Low32OneOf { arg, values } => values
                .iter()
                .map(|&v| vec![(arg, 0xffff_ffff, u64::from(v))])
                .collect(),
            When::Low32NoneOf { arg, values } => {
                let mut out = Vec::new();
                let mut values = values.to_vec();
                values.sort_unstable();
                values.dedup();
                complement(&values, 31, 0, &mut |mask, value| {
                    out.push(vec![(arg, u64::from(mask), u64::from(value))]);
                });
                out
            }
        }
    }
}

/// Emits the `(mask, value)` prefixes covering every 32-bit number whose
/// bits above `bit` are `prefix` and which is not in `values` (all of which
/// share that prefix).
fn complement(values: &[u32], bit: u32, prefix: u32, emit: &mut dyn FnMut(u32, u32)) {
    let mask = u32::MAX << bit;
    for b in [0, 1u32] {
        let p = prefix | (b << bit);
        let sub: Vec<u32> = values
            .iter()
            .copied()
            .filter(|v| (v >> bit) & 1 == b)
            .collect();
        if sub.is_empty() {
            emit(mask, p);
        } else if bit > 0 {
            complement(&sub, bit - 1, p, emit);
        }
    }
}

/// How the filter treats a syscall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Never trapped.
    Allow,
    /// Allowed when `when` holds; otherwise notified as `otherwise`.
    AllowIf {
        /// The condition.
        when: When,
        /// What the supervisor does with the other calls.
        otherwise: Notified,
    },
    /// Always notified.
    Notify(Notified),
    /// Refused in the filter with this errno, not logged.
    Refuse(i32),
}

/// One syscall.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// x86_64 number.
    pub nr: i64,
    /// Kernel name.
    pub name: &'static str,
    /// Treatment.
    pub class: Class,
}

/// The row of `nr`, if the table classifies it.
pub fn row(nr: i64) -> Option<&'static Row> {
    TABLE
        .binary_search_by_key(&nr, |r| r.nr)
        .ok()
        .map(|i| &TABLE[i])
}

/// The class of `nr`; `None` for a number the table does not know (refused
/// with ENOSYS and logged).
pub fn class(nr: i64) -> Option<&'static Class> {
    row(nr).map(|r| &r.class)
}

/// The name of `nr`, if the table knows it.
pub fn name(nr: i64) -> Option<&'static str> {
    row(nr).map(|r| r.name)
}

/// True unless `nr` is a notified call whose answer, or whose completion
/// once continued, writes nothing into the caller's memory: a task waiting
/// for that answer touches no memory before it next returns to its own
/// code (what a freeze relies on). `capset` is the exception among them:
/// given another header version the kernel writes its own into the header.
/// Anything not notified: true.
pub fn answer_may_write_memory(nr: i64) -> bool {
    match class(nr) {
        Some(
            Class::Notify(kind)
            | Class::AllowIf {
                otherwise: kind, ..
            },
        ) => *kind == Notified::Creds && nr == libc::SYS_capset,
        _ => true,
    }
}

const fn a(nr: i64, name: &'static str) -> Row {
    Row {
        nr,
        name,
        class: Class::Allow,
    }
}

const fn n(nr: i64, name: &'static str, kind: Notified) -> Row {
    Row {
        nr,
        name,
        class: Class::Notify(kind),
    }
}

const fn f(nr: i64, name: &'static str) -> Row {
    n(nr, name, Notified::Forbidden)
}

/// The first argument, a pid, is 0: the calling thread itself.
const SELF_PID: When = When::Masked {
    arg: 0,
    mask: 0xffff_ffff,
    value: 0,
};

const fn if_(nr: i64, name: &'static str, when: When, otherwise: Notified) -> Row {
    Row {
        nr,
        name,
        class: Class::AllowIf { when, otherwise },
    }
}

/// Removed from the kernel (or never implemented): it answers ENOSYS itself.
const fn gone(nr: i64, name: &'static str) -> Row {
    Row {
        nr,
        name,
        class: Class::Refuse(libc::ENOSYS),
    }
}

use Notified::{
    Creds, Exec, Link, Meta, Mkdir, Mknod, Net, Open, Rename, Sched, Signal, SignalRoute, Symlink,
    Unlink,
};

/// Namespace flags: a `clone` carrying any of them is refused.
pub const CLONE_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

/// `fcntl` commands that make the kernel signal a chosen process or group.
pub const FCNTL_SIGNAL_ROUTES: &[u32] = &[
    libc::F_SETOWN as u32,
    10, // F_SETSIG
    15, // F_SETOWN_EX
    // F_SETFL, allowed below unless it sets O_ASYNC: on a terminal the
    // kernel makes the terminal's foreground group (IronGate's, the user's
    // `| tee`) the owner by itself, with no F_SETOWN to judge.
    libc::F_SETFL as u32,
];

/// `fcntl` but the signal routes, and `F_SETFL` without `O_ASYNC`.
const FCNTL_ALLOWED: When = When::OrCommandWithout {
    inner: &When::Low32NoneOf {
        arg: 1,
        values: FCNTL_SIGNAL_ROUTES,
    },
    cmd_arg: 1,
    cmd: libc::F_SETFL as u32,
    arg: 2,
    mask: libc::O_ASYNC as u64,
};

/// `ioctl` requests that change a file or a whole file system through any
/// descriptor of it, one opened read-only included (the open was judged as
/// a read): inode flags and attributes (what the forbidden `file_setattr`
/// sets by path: append-only, immutable with `CAP_LINUX_IMMUTABLE`,
/// `noatime`, `sync`, the project id), the inode generation, fs-verity
/// (the file read-only for good), the file system's label and freezing
/// (`CAP_SYS_ADMIN`: every writer of that file system sleeps until a thaw,
/// the supervisor's audit log among them when it is the home's).
pub const IOCTL_FILE_CHANGES: &[u32] = &[
    0x4008_6602, // FS_IOC_SETFLAGS
    0x4004_6602, // FS_IOC32_SETFLAGS
    0x401c_5820, // FS_IOC_FSSETXATTR
    0x4008_7602, // FS_IOC_SETVERSION
    0x4004_7602, // FS_IOC32_SETVERSION
    0x4080_6685, // FS_IOC_ENABLE_VERITY
    0x4100_9432, // FS_IOC_SETFSLABEL
    0xC004_5877, // FIFREEZE
];

/// `ioctl` requests that route signals or inject terminal input.
pub const IOCTL_SIGNAL_ROUTES: &[u32] = &[
    0x8901, // FIOSETOWN
    0x8902, // SIOCSPGRP
    0x5412, // TIOCSTI: push bytes into a terminal's input (the user's shell)
    0x541C, // TIOCLINUX: console subcodes, among them pasting the selection
    0x5410, // TIOCSPGRP: the foreground group receives the terminal's signals
    // FIOASYNC: O_ASYNC set by ioctl (see FCNTL_SIGNAL_ROUTES, F_SETFL).
    0x5452,
    // TIOCVHANGUP (CAP_SYS_ADMIN): the ioctl form of the forbidden vhangup,
    // on any terminal descriptor the agent holds (the user's, inherited):
    // SIGHUP to that terminal's session leader (the user's shell) and
    // EIO on the supervisor's own stdin/stderr (announcements, the prompt).
    // Sent by the kernel, so Landlock's signal scoping does not see it.
    0x5437,
    // TIOCSCTTY: notified for its argument. 0 (login_tty, pty.fork: a
    // terminal no session has) is continued; 1 with CAP_SYS_ADMIN steals a
    // terminal from another session (the user's shell and IronGate lose
    // it; a Ctrl-C then reaches only the agent).
    0x540E,
];

/// Every `ioctl` request the filter notifies: the signal routes and terminal
/// requests, then the file changes.
pub const IOCTL_NOTIFIED: &[u32] = &[
    0x8901,
    0x8902,
    0x5412,
    0x541C,
    0x5410,
    0x5452,
    0x5437,
    0x540E, // IOCTL_SIGNAL_ROUTES
    0x4008_6602,
    0x4004_6602,
    0x401c_5820,
    0x4008_7602,
    0x4004_7602,
    0x4080_6685,
    0x4100_9432,
    0xC004_5877, // IOCTL_FILE_CHANGES
];

/// Every assigned x86_64 syscall of Linux 6.18, by number.
pub static TABLE: &[Row] = &[
    a(0, "read"),
    a(1, "write"),
    n(2, "open", Open),
    a(3, "close"),
    a(4, "stat"),
    a(5, "fstat"),
    a(6, "lstat"),
    a(7, "poll"),
    a(8, "lseek"),
    a(9, "mmap"),
    a(10, "mprotect"),
    a(11, "munmap"),
    a(12, "brk"),
    a(13, "rt_sigaction"),
    a(14, "rt_sigprocmask"),
    a(15, "rt_sigreturn"),
    if_(
        16,
        "ioctl",
        When::Low32NoneOf {
            arg: 1,
            values: IOCTL_NOTIFIED,
        },
        SignalRoute,
    ),
    a(17, "pread64"),
    a(18, "pwrite64"),
    a(19, "readv"),
    a(20, "writev"),
    a(21, "access"),
    a(22, "pipe"),
    a(23, "select"),
    a(24, "sched_yield"),
    a(25, "mremap"),
    a(26, "msync"),
    a(27, "mincore"),
    a(28, "madvise"),
    // System V IPC (and POSIX mqueues below) live in the IPC namespace, not
    // under a path the policy names; multiprocessing and some C extensions
    // use them.
    a(29, "shmget"),
    a(30, "shmat"),
    a(31, "shmctl"),
    a(32, "dup"),
    a(33, "dup2"),
    a(34, "pause"),
    a(35, "nanosleep"),
    a(36, "getitimer"),
    a(37, "alarm"),
    a(38, "setitimer"),
    a(39, "getpid"),
    // Between descriptors the agent already holds, like read + write.
    a(40, "sendfile"),
    // The families the network rules judge (and netlink, the C library's
    // route and interface queries): any other is refused. Vsock reaches the
    // host outside the rules; a packet socket (root) reads every
    // interface's traffic, loopback included, with nothing notified (an
    // attack review read another program's bearer token); the rest are
    // protocols no rule speaks of.
    if_(
        41,
        "socket",
        When::Low32OneOf {
            arg: 0,
            values: &[
                libc::AF_UNIX as u32,
                libc::AF_INET as u32,
                libc::AF_INET6 as u32,
                libc::AF_NETLINK as u32,
            ],
        },
        Notified::Forbidden,
    ),
    n(42, "connect", Net),
    a(43, "accept"),
    // Without an address it is a plain send on a connected socket (the
    // child's own IPC among them, which must not wait on the supervisor).
    if_(
        44,
        "sendto",
        When::Masked {
            arg: 4,
            mask: u64::MAX,
            value: 0,
        },
        Net,
    ),
    a(45, "recvfrom"),
    n(46, "sendmsg", Net),
    a(47, "recvmsg"),
    a(48, "shutdown"),
    n(49, "bind", Net),
    // On a socket never bound, listen binds it itself (to the wildcard
    // address): judged as that bind.
    n(50, "listen", Net),
    a(51, "getsockname"),
    a(52, "getpeername"),
    a(53, "socketpair"),
    a(54, "setsockopt"),
    a(55, "getsockopt"),
    // clone's flags are an unsigned long but the kernel keeps only the low
    // 32 bits, where all the namespace flags are.
    if_(
        56,
        "clone",
        When::Masked {
            arg: 0,
            mask: CLONE_NAMESPACES,
            value: 0,
        },
        Notified::Forbidden,
    ),
    a(57, "fork"),
    a(58, "vfork"),
    n(59, "execve", Exec),
    a(60, "exit"),
    a(61, "wait4"),
    n(62, "kill", Signal),
    a(63, "uname"),
    a(64, "semget"),
    a(65, "semop"),
    a(66, "semctl"),
    a(67, "shmdt"),
    a(68, "msgget"),
    a(69, "msgsnd"),
    a(70, "msgrcv"),
    a(71, "msgctl"),
    // F_SETOWN/F_SETSIG/F_SETOWN_EX choose who receives SIGIO/SIGURG.
    if_(72, "fcntl", FCNTL_ALLOWED, SignalRoute),
    a(73, "flock"),
    a(74, "fsync"),
    a(75, "fdatasync"),
    n(76, "truncate", Meta),
    // On a descriptor already opened for writing (the open was checked).
    a(77, "ftruncate"),
    a(78, "getdents"),
    a(79, "getcwd"),
    a(80, "chdir"),
    a(81, "fchdir"),
    n(82, "rename", Rename),
    n(83, "mkdir", Mkdir),
    n(84, "rmdir", Unlink),
    n(85, "creat", Open),
    n(86, "link", Link),
    n(87, "unlink", Unlink),
    n(88, "symlink", Symlink),
    a(89, "readlink"),
    n(90, "chmod", Meta),
    n(91, "fchmod", Meta),
    n(92, "chown", Meta),
    n(93, "fchown", Meta),
    n(94, "lchown", Meta),
    n(95, "umask", Creds),
    a(96, "gettimeofday"),
    a(97, "getrlimit"),
    a(98, "getrusage"),
    a(99, "sysinfo"),
    a(100, "times"),
    f(101, "ptrace"),
    a(102, "getuid"),
    // The kernel log: nothing an agent needs, and it leaks kernel addresses.
    f(103, "syslog"),
    a(104, "getgid"),
    // Credentials: under no_new_privs a process only moves within what it
    // already holds (setuid binaries and file capabilities give nothing).
    // They are notified all the same: the supervisor performs calls with
    // the caller's credentials and caches them, so it must see them change.
    n(105, "setuid", Creds),
    n(106, "setgid", Creds),
    a(107, "geteuid"),
    a(108, "getegid"),
    a(109, "setpgid"),
    a(110, "getppid"),
    a(111, "getpgrp"),
    a(112, "setsid"),
    n(113, "setreuid", Creds),
    n(114, "setregid", Creds),
    a(115, "getgroups"),
    n(116, "setgroups", Creds),
    n(117, "setresuid", Creds),
    a(118, "getresuid"),
    n(119, "setresgid", Creds),
    a(120, "getresgid"),
    a(121, "getpgid"),
    n(122, "setfsuid", Creds),
    n(123, "setfsgid", Creds),
    a(124, "getsid"),
    a(125, "capget"),
    // Only within the permitted set, which no_new_privs keeps from growing.
    n(126, "capset", Creds),
    a(127, "rt_sigpending"),
    a(128, "rt_sigtimedwait"),
    n(129, "rt_sigqueueinfo", Signal),
    a(130, "rt_sigsuspend"),
    a(131, "sigaltstack"),
    // Timestamps only (os.utime, pip, tar, touch); not the file's content
    // or permissions (to be listed in SECURITY_MODEL.md as untrapped).
    a(132, "utime"),
    n(133, "mknod", Mknod),
    // Maps a library by path, past the open checks.
    f(134, "uselib"),
    // The caller's own execution domain (setarch); the ABI check is on the
    // syscall's arch, not on the personality.
    a(135, "personality"),
    // Read-only filesystem statistics, like statfs.
    a(136, "ustat"),
    a(137, "statfs"),
    a(138, "fstatfs"),
    // Read-only list of filesystem types.
    a(139, "sysfs"),
    // Scheduling and priorities: raising needs capabilities; lowering
    // another process of the same user is a nuisance, not an escape.
    a(140, "getpriority"),
    // Another task's nice value, scheduling or affinity (the supervisor's
    // threads made SCHED_IDLE or pinned to one CPU starve every decision):
    // notified unless the pid is 0, the caller itself.
    n(141, "setpriority", Sched),
    if_(142, "sched_setparam", SELF_PID, Sched),
    a(143, "sched_getparam"),
    if_(144, "sched_setscheduler", SELF_PID, Sched),
    a(145, "sched_getscheduler"),
    a(146, "sched_get_priority_max"),
    a(147, "sched_get_priority_min"),
    a(148, "sched_rr_get_interval"),
    a(149, "mlock"),
    a(150, "munlock"),
    a(151, "mlockall"),
    a(152, "munlockall"),
    // Hangs up the controlling terminal (the user's).
    f(153, "vhangup"),
    // Custom segments: a long history of kernel bugs, used by nothing an
    // agent runs (Wine, 16-bit code).
    f(154, "modify_ldt"),
    f(155, "pivot_root"),
    gone(156, "_sysctl"),
    // PR_SET_SECCOMP would stack a filter whose actions outrank ours.
    // PR_SET_CHILD_SUBREAPER: orphans of the agent go to the supervisor
    // alone, so a process moves between parents once at most (a freeze's
    // walk of the tree relies on it: `backstop::agent_tree`). PR_SET_MM
    // (checkpoint/restore: `PR_SET_MM_MAP` needs no capability) rewrites
    // the memory layout an exec freeze reads to see the exec over.
    if_(
        157,
        "prctl",
        When::Low32NoneOf {
            arg: 0,
            values: &[
                libc::PR_SET_SECCOMP as u32,
                libc::PR_SET_CHILD_SUBREAPER as u32,
                libc::PR_SET_MM as u32,
            ],
        },
        Notified::Forbidden,
    ),
    a(158, "arch_prctl"),
    // The system clock (its modes are in memory, so reads cannot be told
    // from writes).
    f(159, "adjtimex"),
    a(160, "setrlimit"),
    f(161, "chroot"),
    a(162, "sync"),
    // Process accounting writes to a file by path.
    f(163, "acct"),
    f(164, "settimeofday"),
    f(165, "mount"),
    f(166, "umount2"),
    f(167, "swapon"),
    f(168, "swapoff"),
    f(169, "reboot"),
    f(170, "sethostname"),
    f(171, "setdomainname"),
    // Raw I/O ports.
    f(172, "iopl"),
    f(173, "ioperm"),
    gone(174, "create_module"),
    f(175, "init_module"),
    f(176, "delete_module"),
    gone(177, "get_kernel_syms"),
    gone(178, "query_module"),
    // Quota administration (Q_QUOTAON names a file by path).
    f(179, "quotactl"),
    gone(180, "nfsservctl"),
    gone(181, "getpmsg"),
    gone(182, "putpmsg"),
    gone(183, "afs_syscall"),
    gone(184, "tuxcall"),
    gone(185, "security"),
    a(186, "gettid"),
    a(187, "readahead"),
    // Setting or removing an extended attribute changes a file (ACLs are
    // permissions, security.* labels and capabilities) without a decoder to
    // check it: refused and logged. Reading and listing are allowed.
    // shutil.copystat ignores EPERM from setxattr.
    f(188, "setxattr"),
    f(189, "lsetxattr"),
    f(190, "fsetxattr"),
    a(191, "getxattr"),
    a(192, "lgetxattr"),
    a(193, "fgetxattr"),
    a(194, "listxattr"),
    a(195, "llistxattr"),
    a(196, "flistxattr"),
    f(197, "removexattr"),
    f(198, "lremovexattr"),
    f(199, "fremovexattr"),
    n(200, "tkill", Signal),
    a(201, "time"),
    a(202, "futex"),
    if_(203, "sched_setaffinity", SELF_PID, Sched),
    a(204, "sched_getaffinity"),
    a(205, "set_thread_area"),
    // Linux AIO (libaio): a read in flight writes the caller's memory with
    // no task of the agent running, which no freeze can stop (an exec's
    // arguments after their check). Refused and logged; glibc's POSIX AIO
    // uses threads and still works.
    f(206, "io_setup"),
    f(207, "io_destroy"),
    f(208, "io_getevents"),
    f(209, "io_submit"),
    f(210, "io_cancel"),
    a(211, "get_thread_area"),
    gone(212, "lookup_dcookie"),
    a(213, "epoll_create"),
    gone(214, "epoll_ctl_old"),
    gone(215, "epoll_wait_old"),
    // Rearranges the caller's own shared mapping.
    a(216, "remap_file_pages"),
    a(217, "getdents64"),
    a(218, "set_tid_address"),
    a(219, "restart_syscall"),
    a(220, "semtimedop"),
    a(221, "fadvise64"),
    // Timer signals go to the caller's own thread group.
    a(222, "timer_create"),
    a(223, "timer_settime"),
    a(224, "timer_gettime"),
    a(225, "timer_getoverrun"),
    a(226, "timer_delete"),
    f(227, "clock_settime"),
    a(228, "clock_gettime"),
    a(229, "clock_getres"),
    a(230, "clock_nanosleep"),
    a(231, "exit_group"),
    a(232, "epoll_wait"),
    a(233, "epoll_ctl"),
    n(234, "tgkill", Signal),
    a(235, "utimes"),
    gone(236, "vserver"),
    // NUMA policy of the caller's own memory.
    a(237, "mbind"),
    a(238, "set_mempolicy"),
    a(239, "get_mempolicy"),
    a(240, "mq_open"),
    a(241, "mq_unlink"),
    a(242, "mq_timedsend"),
    a(243, "mq_timedreceive"),
    // The notification signal goes to the caller.
    a(244, "mq_notify"),
    a(245, "mq_getsetattr"),
    f(246, "kexec_load"),
    a(247, "waitid"),
    // The kernel keyring: shared with the user's other processes (their
    // credentials), and nothing an agent needs.
    f(248, "add_key"),
    f(249, "request_key"),
    f(250, "keyctl"),
    n(251, "ioprio_set", Sched),
    a(252, "ioprio_get"),
    // Watching is read-only and needs read access to the path anyway.
    a(253, "inotify_init"),
    a(254, "inotify_add_watch"),
    a(255, "inotify_rm_watch"),
    // Moves another process's pages (the supervisor's among them).
    f(256, "migrate_pages"),
    n(257, "openat", Open),
    n(258, "mkdirat", Mkdir),
    n(259, "mknodat", Mknod),
    n(260, "fchownat", Meta),
    a(261, "futimesat"),
    a(262, "newfstatat"),
    n(263, "unlinkat", Unlink),
    n(264, "renameat", Rename),
    n(265, "linkat", Link),
    n(266, "symlinkat", Symlink),
    a(267, "readlinkat"),
    n(268, "fchmodat", Meta),
    a(269, "faccessat"),
    a(270, "pselect6"),
    a(271, "ppoll"),
    f(272, "unshare"),
    a(273, "set_robust_list"),
    // Reads another process's robust-list pointer (an ASLR leak); glibc
    // never calls it.
    f(274, "get_robust_list"),
    // Pipes and descriptors the agent already holds.
    a(275, "splice"),
    a(276, "tee"),
    a(277, "sync_file_range"),
    a(278, "vmsplice"),
    // Moves or queries another process's pages.
    f(279, "move_pages"),
    a(280, "utimensat"),
    a(281, "epoll_pwait"),
    a(282, "signalfd"),
    a(283, "timerfd_create"),
    a(284, "eventfd"),
    a(285, "fallocate"),
    a(286, "timerfd_settime"),
    a(287, "timerfd_gettime"),
    a(288, "accept4"),
    a(289, "signalfd4"),
    a(290, "eventfd2"),
    a(291, "epoll_create1"),
    a(292, "dup3"),
    a(293, "pipe2"),
    a(294, "inotify_init1"),
    a(295, "preadv"),
    a(296, "pwritev"),
    n(297, "rt_tgsigqueueinfo", Signal),
    f(298, "perf_event_open"),
    a(299, "recvmmsg"),
    // fanotify hands out descriptors the kernel opened (past our open
    // checks) and, with permission events, can stall anyone's opens.
    f(300, "fanotify_init"),
    f(301, "fanotify_mark"),
    // glibc's getrlimit/setrlimit are prlimit64(0, …); another pid (the
    // supervisor: RLIMIT_FSIZE, RLIMIT_NOFILE) is refused.
    if_(
        302,
        "prlimit64",
        When::Masked {
            arg: 0,
            mask: 0xffff_ffff,
            value: 0,
        },
        Notified::Forbidden,
    ),
    // A handle is only usable by open_by_handle_at (forbidden); the rest is
    // what stat says.
    a(303, "name_to_handle_at"),
    f(304, "open_by_handle_at"),
    f(305, "clock_adjtime"),
    a(306, "syncfs"),
    n(307, "sendmmsg", Net),
    f(308, "setns"),
    a(309, "getcpu"),
    f(310, "process_vm_readv"),
    f(311, "process_vm_writev"),
    // Compares kernel objects of two processes (the supervisor's fds).
    f(312, "kcmp"),
    f(313, "finit_module"),
    if_(314, "sched_setattr", SELF_PID, Sched),
    a(315, "sched_getattr"),
    n(316, "renameat2", Rename),
    f(317, "seccomp"),
    a(318, "getrandom"),
    // Anonymous memory with a descriptor, no path (libffi closures, JITs);
    // executing it still goes through the notified execve/execveat.
    a(319, "memfd_create"),
    f(320, "kexec_file_load"),
    f(321, "bpf"),
    n(322, "execveat", Exec),
    f(323, "userfaultfd"),
    a(324, "membarrier"),
    a(325, "mlock2"),
    // Between descriptors the agent already holds.
    a(326, "copy_file_range"),
    a(327, "preadv2"),
    a(328, "pwritev2"),
    a(329, "pkey_mprotect"),
    a(330, "pkey_alloc"),
    a(331, "pkey_free"),
    a(332, "statx"),
    f(333, "io_pgetevents"),
    a(334, "rseq"),
    // The uprobe trampolines' syscalls (6.11+, 6.18+): the kernel exempts
    // them from seccomp altogether (checked on 6.18: a filter returning
    // ENOSYS for them is not consulted), and outside the trampoline the
    // kernel mapped uretprobe kills the caller (SIGILL) and uprobe returns
    // ENXIO. Allow says what happens whatever the filter says.
    a(335, "uretprobe"),
    a(336, "uprobe"),
    // Needs a signal decoder for the pidfd; until then refused (it could
    // name the supervisor).
    n(424, "pidfd_send_signal", Signal),
    f(425, "io_uring_setup"),
    f(426, "io_uring_enter"),
    f(427, "io_uring_register"),
    f(428, "open_tree"),
    f(429, "move_mount"),
    f(430, "fsopen"),
    f(431, "fsconfig"),
    f(432, "fsmount"),
    f(433, "fspick"),
    n(434, "pidfd_open", Signal),
    // Its flags are in memory, out of BPF's reach: ENOSYS makes libc fall
    // back to clone, whose flags the filter checks.
    Row {
        nr: 435,
        name: "clone3",
        class: Class::Refuse(libc::ENOSYS),
    },
    a(436, "close_range"),
    n(437, "openat2", Open),
    // Takes a descriptor from another process (the supervisor's listener).
    f(438, "pidfd_getfd"),
    a(439, "faccessat2"),
    // Advice on another process's memory.
    f(440, "process_madvise"),
    a(441, "epoll_pwait2"),
    f(442, "mount_setattr"),
    f(443, "quotactl_fd"),
    // Landlock only narrows what the caller may do.
    a(444, "landlock_create_ruleset"),
    a(445, "landlock_add_rule"),
    a(446, "landlock_restrict_self"),
    // Like memfd_create, removed from the kernel's direct map.
    a(447, "memfd_secret"),
    // Reaps another (already killed) process's memory: nothing an agent
    // needs.
    f(448, "process_mrelease"),
    a(449, "futex_waitv"),
    a(450, "set_mempolicy_home_node"),
    // Page-cache statistics of a descriptor the agent holds.
    a(451, "cachestat"),
    n(452, "fchmodat2", Meta),
    // The caller's own CET shadow stacks (glibc 2.39+).
    a(453, "map_shadow_stack"),
    a(454, "futex_wake"),
    a(455, "futex_wait"),
    a(456, "futex_requeue"),
    // Read-only mount information, what /proc/self/mountinfo shows.
    a(457, "statmount"),
    a(458, "listmount"),
    a(459, "lsm_get_self_attr"),
    // Changes the caller's LSM label: logged.
    f(460, "lsm_set_self_attr"),
    a(461, "lsm_list_modules"),
    // Only narrows the caller's own mappings.
    a(462, "mseal"),
    f(463, "setxattrat"),
    a(464, "getxattrat"),
    a(465, "listxattrat"),
    f(466, "removexattrat"),
    f(467, "open_tree_attr"),
    a(468, "file_getattr"),
    // Sets inode flags (append-only, immutable, project) by path.
    f(469, "file_setattr"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use libseccomp::{ScmpArch, ScmpSyscall};

    /// The highest number Linux 6.18 assigns on x86_64.
    const MAX: i64 = 469;

    #[test]
    fn sorted_without_duplicates() {
        for w in TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} then {}", w[0].name, w[1].name);
        }
        let mut names: Vec<_> = TABLE.iter().map(|r| r.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a name appears twice");
    }

    #[test]
    fn every_assigned_number_is_classified() {
        for nr in (0..=336).chain(424..=MAX) {
            assert!(class(nr).is_some(), "syscall {nr} is not classified");
        }
        assert_eq!(TABLE.len() as i64, 337 + (MAX - 424 + 1));
    }

    #[test]
    fn gaps_are_unclassified() {
        for nr in [
            -1,
            337,
            400,
            423,
            MAX + 1,
            500,
            1000,
            0x4000_0000,
            0x4000_0001,
        ] {
            assert!(class(nr).is_none(), "{nr} should be unclassified");
        }
    }

    #[test]
    fn names_match_libseccomp() {
        let mut checked = 0;
        for r in TABLE {
            let known = ScmpSyscall::from(r.nr as i32).get_name_by_arch(ScmpArch::X8664);
            if let Ok(name) = known {
                assert_eq!(name, r.name, "syscall {}", r.nr);
                checked += 1;
            }
        }
        assert!(checked > 330, "libseccomp knew only {checked} numbers");
    }

    #[test]
    fn names_match_libc_constants() {
        for (nr, expected) in [
            (libc::SYS_openat, "openat"),
            (libc::SYS_clone3, "clone3"),
            (libc::SYS_fchmodat2, "fchmodat2"),
            (libc::SYS_mseal, "mseal"),
            (libc::SYS_getppid, "getppid"),
        ] {
            assert_eq!(name(nr), Some(expected));
        }
    }

    #[test]
    fn notified_set_is_r42() {
        for nr in [
            libc::SYS_open,
            libc::SYS_openat,
            libc::SYS_openat2,
            libc::SYS_creat,
            libc::SYS_unlink,
            libc::SYS_unlinkat,
            libc::SYS_rename,
            libc::SYS_renameat,
            libc::SYS_renameat2,
            libc::SYS_mkdir,
            libc::SYS_mkdirat,
            libc::SYS_mknod,
            libc::SYS_mknodat,
            libc::SYS_rmdir,
            libc::SYS_link,
            libc::SYS_linkat,
            libc::SYS_symlink,
            libc::SYS_symlinkat,
            libc::SYS_truncate,
            libc::SYS_chmod,
            libc::SYS_fchmod,
            libc::SYS_fchmodat,
            libc::SYS_fchmodat2,
            libc::SYS_chown,
            libc::SYS_lchown,
            libc::SYS_fchown,
            libc::SYS_fchownat,
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_connect,
            libc::SYS_bind,
            libc::SYS_sendmsg,
            libc::SYS_sendmmsg,
            libc::SYS_kill,
            libc::SYS_tkill,
            libc::SYS_tgkill,
            libc::SYS_rt_sigqueueinfo,
            libc::SYS_rt_tgsigqueueinfo,
            libc::SYS_pidfd_open,
            libc::SYS_pidfd_send_signal,
        ] {
            assert!(
                matches!(class(nr), Some(Class::Notify(k)) if *k != Notified::Forbidden),
                "{:?} should be notified",
                name(nr)
            );
        }
        for nr in [
            libc::SYS_stat,
            libc::SYS_lstat,
            libc::SYS_fstat,
            libc::SYS_newfstatat,
            libc::SYS_statx,
        ] {
            assert_eq!(class(nr), Some(&Class::Allow), "{:?}", name(nr));
        }
    }

    #[test]
    fn only_capset_among_notified_calls_writes_the_callers_memory() {
        assert!(!answer_may_write_memory(libc::SYS_openat));
        assert!(!answer_may_write_memory(libc::SYS_connect));
        assert!(!answer_may_write_memory(libc::SYS_setresuid));
        assert!(answer_may_write_memory(libc::SYS_capset));
        // Not notified at all (a read writes the caller's buffer).
        assert!(answer_may_write_memory(libc::SYS_read));
        assert!(answer_may_write_memory(-1));
    }

    #[test]
    fn other_tasks_scheduling_is_notified() {
        for nr in [
            libc::SYS_sched_setparam,
            libc::SYS_sched_setscheduler,
            libc::SYS_sched_setaffinity,
            libc::SYS_sched_setattr,
        ] {
            assert_eq!(
                class(nr),
                Some(&Class::AllowIf {
                    when: SELF_PID,
                    otherwise: Notified::Sched
                }),
                "{:?}",
                name(nr)
            );
            assert!(SELF_PID.allows(&[0, 1, 2, 3, 4, 5]));
            assert!(!SELF_PID.allows(&[7, 0, 0, 0, 0, 0]));
        }
        for nr in [libc::SYS_setpriority, libc::SYS_ioprio_set] {
            assert_eq!(class(nr), Some(&Class::Notify(Notified::Sched)));
        }
    }

    #[test]
    fn escapes_are_forbidden() {
        for nr in [
            libc::SYS_io_uring_setup,
            libc::SYS_io_uring_enter,
            libc::SYS_io_uring_register,
            libc::SYS_io_setup,
            libc::SYS_io_submit,
            libc::SYS_io_getevents,
            333, // io_pgetevents
            libc::SYS_io_cancel,
            libc::SYS_io_destroy,
            libc::SYS_seccomp,
            libc::SYS_ptrace,
            libc::SYS_process_vm_readv,
            libc::SYS_process_vm_writev,
            libc::SYS_bpf,
            libc::SYS_perf_event_open,
            libc::SYS_userfaultfd,
            libc::SYS_kexec_load,
            libc::SYS_kexec_file_load,
            libc::SYS_init_module,
            libc::SYS_finit_module,
            libc::SYS_delete_module,
            libc::SYS_mount,
            libc::SYS_umount2,
            libc::SYS_pivot_root,
            libc::SYS_chroot,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_open_by_handle_at,
            libc::SYS_fsopen,
            libc::SYS_fsmount,
            libc::SYS_fsconfig,
            libc::SYS_fspick,
            libc::SYS_move_mount,
            libc::SYS_open_tree,
            467, // open_tree_attr
            libc::SYS_mount_setattr,
            libc::SYS_add_key,
            libc::SYS_request_key,
            libc::SYS_keyctl,
            libc::SYS_pidfd_getfd,
        ] {
            assert_eq!(
                class(nr),
                Some(&Class::Notify(Notified::Forbidden)),
                "{:?}",
                name(nr)
            );
        }
    }

    fn when(nr: i64) -> When {
        match class(nr) {
            Some(Class::AllowIf { when, .. }) => *when,
            other => panic!("{nr}: {other:?}"),
        }
    }

    fn args0(a0: u64) -> [u64; 6] {
        [a0, 0, 0, 0, 0, 0]
    }

    fn args1(a1: u64) -> [u64; 6] {
        [3, a1, 0, 0, 0, 0]
    }

    #[test]
    fn conditions() {
        let clone = when(libc::SYS_clone);
        // What glibc passes for a thread, and for fork.
        let thread = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        assert!(clone.allows(&args0(thread)));
        assert!(clone.allows(&args0(libc::SIGCHLD as u64)));
        assert!(!clone.allows(&args0(libc::CLONE_NEWUSER as u64 | libc::SIGCHLD as u64)));
        assert!(!clone.allows(&args0(libc::CLONE_NEWNET as u64 | 1 << 40)));

        let fcntl = when(libc::SYS_fcntl);
        assert!(fcntl.allows(&args1(libc::F_GETFL as u64)));
        assert!(fcntl.allows(&args1(libc::F_SETFD as u64)));
        assert!(!fcntl.allows(&args1(libc::F_SETOWN as u64)));
        assert!(!fcntl.allows(&args1(libc::F_SETOWN as u64 | 0xdead_0000_0000)));

        let ioctl = when(libc::SYS_ioctl);
        assert!(ioctl.allows(&args1(libc::TCGETS)));
        assert!(ioctl.allows(&args1(libc::FIONREAD)));
        assert!(!ioctl.allows(&args1(libc::TIOCSTI)));
        assert!(!ioctl.allows(&args1(0x5437))); // TIOCVHANGUP
        assert!(!ioctl.allows(&args1(0x4008_6602))); // FS_IOC_SETFLAGS
        assert!(!ioctl.allows(&args1(0xC004_5877))); // FIFREEZE
        assert!(ioctl.allows(&args1(0x8008_6601))); // FS_IOC_GETFLAGS
        let mut both: Vec<u32> = IOCTL_SIGNAL_ROUTES
            .iter()
            .chain(IOCTL_FILE_CHANGES)
            .copied()
            .collect();
        let mut notified = IOCTL_NOTIFIED.to_vec();
        both.sort_unstable();
        notified.sort_unstable();
        assert_eq!(both, notified);
        // A request passed as a negative int is sign-extended by the caller.
        assert!(!ioctl.allows(&args1(0xffff_ffff_0000_5412)));

        let prctl = when(libc::SYS_prctl);
        assert!(prctl.allows(&args0(libc::PR_SET_NAME as u64)));
        assert!(!prctl.allows(&args0(libc::PR_SET_SECCOMP as u64)));
        assert!(!prctl.allows(&args0(libc::PR_SET_SECCOMP as u64 | 1 << 32)));
        assert!(!prctl.allows(&args0(libc::PR_SET_CHILD_SUBREAPER as u64)));
        assert!(!prctl.allows(&args0(libc::PR_SET_MM as u64)));
        assert!(prctl.allows(&args0(libc::PR_GET_CHILD_SUBREAPER as u64)));

        let socket = when(libc::SYS_socket);
        assert!(socket.allows(&args0(libc::AF_INET as u64)));
        assert!(!socket.allows(&args0(libc::AF_VSOCK as u64)));
        assert!(!socket.allows(&args0(libc::AF_PACKET as u64)));
        assert!(socket.allows(&args0(libc::AF_UNIX as u64 | 1 << 32)));
        assert!(!socket.allows(&args0(libc::AF_UNIX as u64 + 256)));

        let sendto = when(libc::SYS_sendto);
        assert!(sendto.allows(&[3, 0x1000, 10, 0, 0, 0]));
        assert!(!sendto.allows(&[3, 0x1000, 10, 0, 0x2000, 16]));

        let prlimit = when(libc::SYS_prlimit64);
        assert!(prlimit.allows(&args0(0)));
        assert!(!prlimit.allows(&args0(1)));
    }

    /// The masked-equal tests given to libseccomp allow exactly what
    /// [`When::allows`] allows.
    #[test]
    fn masked_tests_are_the_condition() {
        let mut samples: Vec<u64> = (0..0x1_0000u64).collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            // xorshift
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push(x);
            samples.push(x & 0xffff_ffff);
        }
        for r in TABLE {
            let Class::AllowIf { when, .. } = r.class else {
                continue;
            };
            let rules = when.masked_tests();
            let arg = rules[0][0].0 as usize;
            let mut interesting = samples.clone();
            let listed = match when {
                When::Low32NoneOf { values, .. }
                | When::OrCommandWithout {
                    inner: &When::Low32NoneOf { values, .. },
                    ..
                } => Some(values),
                _ => None,
            };
            for v in listed.into_iter().flatten() {
                let v = u64::from(*v);
                interesting.extend([v, v + 1, v - 1, v | 1 << 32, v | 0xffff_ffff_0000_0000]);
            }
            // A second argument: zero, the flag alone, the flag among others.
            let seconds: Vec<u64> = match when {
                When::OrCommandWithout { mask, .. } => {
                    vec![0, mask, mask | 0o4000, 0o4000, u64::MAX]
                }
                _ => vec![0],
            };
            for s in interesting {
                for &second in &seconds {
                    let mut args = [0u64; 6];
                    args[arg] = s;
                    if let When::OrCommandWithout { arg: a2, .. } = when {
                        args[a2 as usize] = second;
                    }
                    let by_tests = rules.iter().any(|rule| {
                        rule.iter()
                            .all(|&(a, mask, value)| args[a as usize] & mask == value)
                    });
                    assert_eq!(
                        by_tests,
                        when.allows(&args),
                        "{} with {s:#x}, {second:#x}",
                        r.name
                    );
                }
            }
        }
    }
}
