//! The native audit hook, installed with `PySys_AddAuditHook` before the
//! interpreter initialises (so it sees `site`, `.pth` files and every import,
//! and no Python code can remove it through `sys`).
//!
//! The hook keeps no decision state: it converts the event's arguments from
//! exact `str`/`bytes`/`int` values (R-21: a `str` subclass's overridden
//! methods are never called), sends them to the supervisor and waits, with the
//! GIL released, for the verdict. A block, or any IPC failure, raises
//! `PermissionError` (R-5: fail closed).

use std::cell::Cell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt::Write as _;

use pyo3::ffi;
use serde_json::Value;

use super::client;
use crate::decision::Decision;
use crate::ipc::{Bytes, Reply, Request};

unsafe extern "C" {
    // Not exported by pyo3-ffi. CPython-only, callable before Py_Initialize.
    fn PySys_AddAuditHook(
        hook: Option<unsafe extern "C" fn(*const c_char, *mut ffi::PyObject, *mut c_void) -> c_int>,
        user_data: *mut c_void,
    ) -> c_int;
}

/// Installs the hook. Must run before `Py_InitializeFromConfig`.
pub fn install() -> bool {
    // SAFETY: `forked` takes nothing, touches only an atomic and stays
    // valid for the life of the process; glibc runs it in every child its
    // fork makes (os.fork, subprocess's fork_exec, multiprocessing).
    if unsafe { libc::pthread_atfork(None, None, Some(client::forked)) } != 0 {
        return false;
    }
    // SAFETY: the hook is a plain function with the C signature CPython
    // expects, valid for the life of the process; before initialisation
    // CPython only appends it to its runtime list.
    unsafe { PySys_AddAuditHook(Some(audit_hook), std::ptr::null_mut()) == 0 }
}

/// What the hook does with an event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Handling {
    /// Ask the supervisor and enforce its verdict.
    Decide,
    /// Tamper tripwire: reported once per process, decided like any action.
    Tripwire,
}

fn classify(name: &[u8]) -> Option<Handling> {
    match name {
        b"open"
        | b"os.remove"
        | b"os.rename"
        | b"os.mkdir"
        | b"os.rmdir"
        | b"os.link"
        | b"os.symlink"
        | b"os.chmod"
        | b"os.chown"
        | b"os.truncate"
        | b"os.listdir"
        | b"os.scandir"
        | b"shutil.copyfile"
        | b"shutil.copytree"
        | b"shutil.rmtree"
        | b"shutil.move"
        | b"shutil.chown"
        | b"shutil.make_archive"
        | b"shutil.unpack_archive"
        | b"tempfile.mkdtemp"
        | b"tempfile.mkstemp"
        | b"socket.getaddrinfo"
        | b"socket.gethostbyname"
        | b"socket.gethostbyname_ex"
        | b"socket.connect"
        | b"socket.bind"
        | b"socket.sendto"
        | b"socket.sendmsg"
        | b"urllib.Request"
        | b"http.client.connect"
        | b"subprocess.Popen"
        | b"os.system"
        | b"os.exec"
        | b"os.posix_spawn"
        | b"os.spawn"
        | b"os.fork"
        | b"os.forkpty"
        | b"pty.spawn"
        | b"os.kill"
        | b"os.killpg"
        | b"signal.pthread_kill" => Some(Handling::Decide),
        b"sys.addaudithook"
        | b"sys.settrace"
        | b"sys.setprofile"
        | b"sys.monitoring.register_callback"
        | b"ctypes.dlopen"
        | b"ctypes.dlsym"
        | b"ctypes.cdata"
        | b"ctypes.string_at"
        | b"ctypes.wstring_at"
        | b"ctypes.PyObj_FromPtr"
        | b"cpython.PyInterpreterState_New"
        | b"gc.get_referrers"
        | b"gc.get_referents"
        | b"gc.get_objects" => Some(Handling::Tripwire),
        _ => None,
    }
}

thread_local! {
    /// Set while this thread is inside the hook: converting a path-like
    /// object runs Python code, which can raise events of its own.
    static IN_HOOK: Cell<bool> = const { Cell::new(false) };
    /// `dir_fd` noted by the bootstrap for this thread's next `open` event.
    static DIR_FD: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Notes the `dir_fd` of the `os.open` about to run in this thread.
pub fn note_dir_fd(fd: Option<i64>) {
    DIR_FD.with(|c| c.set(fd));
}

/// The agent added an audit hook of its own: opens are no longer noted but
/// asked for (that hook, running after ours, could end an open we passed on
/// before its syscall, and the agent would see its error instead of
/// IronGate's).
static OTHER_HOOKS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tripwires already reported by this process (one report per event name).
static REPORTED: std::sync::Mutex<Vec<(i32, &'static [u8])>> = std::sync::Mutex::new(Vec::new());

fn first_report(name: &[u8]) -> bool {
    let pid = std::process::id() as i32;
    let mut seen = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    if seen.iter().any(|(p, n)| *p == pid && *n == name) {
        return false;
    }
    // Event names are static strings inside CPython; leaking a copy keeps
    // this list free of lifetimes.
    seen.push((pid, Box::leak(name.to_vec().into_boxed_slice())));
    true
}

unsafe extern "C" fn audit_hook(
    event: *const c_char,
    args: *mut ffi::PyObject,
    _user_data: *mut c_void,
) -> c_int {
    // SAFETY: CPython passes a NUL-terminated event name that outlives the call.
    let name = unsafe { CStr::from_ptr(event) }.to_bytes();
    let Some(handling) = classify(name) else {
        return 0;
    };
    // SAFETY: GIL held, `args` is the event's tuple.
    if name == b"open" && unsafe { wraps_fd(args) } {
        return 0;
    }
    if IN_HOOK.with(|c| c.replace(true)) {
        return 0;
    }
    // A trapped call or a request to the supervisor follows: this CPU is
    // kept running until it is answered.
    super::awake::hold();
    // SAFETY: GIL held, `args` is the event's tuple.
    if handling == Handling::Decide && unsafe { is_runtime_read(name, args) } {
        IN_HOOK.with(|c| c.set(false));
        return 0;
    }
    if name == b"sys.addaudithook" {
        // Another hook may refuse an open after ours has passed it on
        // without waiting; from now on this process waits for its verdicts.
        OTHER_HOOKS.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if handling == Handling::Tripwire && !first_report(name) {
        IN_HOOK.with(|c| c.set(false));
        return 0;
    }
    // SAFETY: called by CPython with the GIL held and `args` a tuple.
    let rc = unsafe { decide(name, args) };
    IN_HOOK.with(|c| c.set(false));
    rc
}

/// An `open` of a descriptor number (`open(fd)`, `os.fdopen`, the
/// interpreter's own stdin/stdout/stderr): it wraps a descriptor the process
/// already holds and opens nothing, so there is nothing to decide (the
/// supervisor maps it to no action) and no round trip is spent on it.
///
/// # Safety
/// GIL held; `args` is the event's argument tuple.
unsafe fn wraps_fd(args: *mut ffi::PyObject) -> bool {
    // SAFETY: per the contract; borrowed item of a live tuple.
    unsafe {
        if args.is_null() || ffi::PyTuple_Check(args) == 0 || ffi::PyTuple_Size(args) < 1 {
            return false;
        }
        let first = ffi::PyTuple_GetItem(args, 0);
        !first.is_null() && ffi::PyLong_Check(first) != 0
    }
}

/// A read below the interpreter's or the venv's directories (imports): a
/// runtime read, not a policy decision. The hook leaves it to the
/// kernel layer, which resolves the real path and counts it, or decides it
/// if it is not a runtime read after all (a symlink out of the venv). Only
/// exact `str` paths, absolute, without `.`/`..` components, qualify.
///
/// # Safety
/// GIL held; `args` is the event's argument tuple.
unsafe fn is_runtime_read(name: &[u8], args: *mut ffi::PyObject) -> bool {
    let Some(dirs) = client::welcome().map(|w| &w.runtime_dirs) else {
        return false;
    };
    if dirs.is_empty() {
        return false;
    }
    // SAFETY: per the contract.
    unsafe {
        if args.is_null() || ffi::PyTuple_Check(args) == 0 || ffi::PyTuple_Size(args) < 1 {
            return false;
        }
        let path = ffi::PyTuple_GetItem(args, 0);
        if path.is_null() || ffi::PyUnicode_CheckExact(path) == 0 {
            return false;
        }
        match name {
            b"open" => {
                match open_args(args) {
                    Some((_, _, flags)) if flags & crate::action::WRITE_FLAGS == 0 => {}
                    _ => return false,
                }
                if DIR_FD.with(|c| c.get()).is_some() {
                    return false;
                }
            }
            b"os.listdir" | b"os.scandir" => {}
            _ => return false,
        }
        let Some(p) = utf8(path) else {
            return false;
        };
        runtime_path(p, dirs)
    }
}

/// Absolute, no `.`/`..`/empty components, below one of `dirs`.
fn runtime_path(p: &[u8], dirs: &[String]) -> bool {
    crate::pathname::is_plain_absolute(p)
        && dirs.iter().any(|d| {
            let d = d.as_bytes();
            p.len() > d.len() && p.starts_with(d) && p[d.len()] == b'/'
        })
}

/// Converts, asks, and enforces. Runs with the GIL held.
unsafe fn decide(name: &[u8], args: *mut ffi::PyObject) -> c_int {
    let dir_fd = if name == b"open" {
        DIR_FD.with(|c| c.take())
    } else {
        None
    };
    // An open by name: its syscall follows at once, and the kernel layer
    // decides it reading the note left here (one round trip, R-91). A
    // refusal comes back as the open's EACCES; the bootstrap then asks for
    // its message. An agent with audit hooks of its own gets the verdict
    // first (its hooks must not see an open that is refused). The note is
    // written from the event's own arguments, without converting them.
    if name == b"open" && !OTHER_HOOKS.load(std::sync::atomic::Ordering::Relaxed) {
        // SAFETY: GIL held; `args` is the event's tuple, alive for the call.
        if let Some((path, mode, flags)) = unsafe { open_args(args) } {
            // SAFETY: GIL held.
            let frame = unsafe { current_frame() };
            if client::note_open(path, mode, flags, dir_fd, frame.as_deref()) {
                return 0;
            }
        }
    }
    // SAFETY: GIL held; `args` is the event's argument tuple.
    let converted = unsafe { convert_args(args) };
    // SAFETY: GIL held; `args` is the event's argument tuple.
    let env = unsafe { exec_env(name, args) };
    // SAFETY: GIL held.
    let frame = unsafe { current_frame() };
    // SAFETY: GIL held.
    unsafe { ask(name, converted, frame, dir_fd, env) }
}

/// Bound on the environment sent with an event (the frame is 256 KiB):
/// a larger one is not sent, and the exec's real environment is then judged
/// at the kernel layer on its own.
const MAX_ENV_BYTES: usize = 128 * 1024;

/// The environment the program an event starts will run with, as
/// `NAME=VALUE` entries encoded as the exec will encode them: the mapping
/// the event carries, else (`None`, `os.system`) this process's own. `None`
/// for other events and for what cannot be read; a mapping that answers the
/// hook otherwise than the exec only makes the real call unexplained.
///
/// # Safety
/// GIL held; `args` is the event's argument tuple.
unsafe fn exec_env(name: &[u8], args: *mut ffi::PyObject) -> Option<Vec<Bytes>> {
    let slot = match name {
        b"subprocess.Popen" | b"os.spawn" => Some(3),
        b"os.exec" | b"os.posix_spawn" => Some(2),
        b"os.system" | b"pty.spawn" => None,
        _ => return None,
    };
    // SAFETY: per the contract; new references are released below.
    unsafe {
        let env = match slot {
            Some(i)
                if !args.is_null()
                    && ffi::PyTuple_Check(args) != 0
                    && ffi::PyTuple_Size(args) > i =>
            {
                ffi::PyTuple_GetItem(args, i)
            }
            _ => std::ptr::null_mut(),
        };
        let mut out = Vec::new();
        let mut total = 0usize;
        let mut push = |entry: Vec<u8>| {
            let entry = Bytes::new(entry);
            // What it costs in the frame (a number per byte if not text).
            total += match &entry {
                Bytes::Text(t) => t.len() + 3,
                Bytes::Raw(b) => 4 * b.len() + 2,
            };
            out.push(entry);
            total <= MAX_ENV_BYTES
        };
        if env.is_null() || env == ffi::Py_None() {
            unsafe extern "C" {
                static environ: *const *const c_char;
            }
            let mut p = environ;
            while !p.is_null() && !(*p).is_null() {
                if !push(CStr::from_ptr(*p).to_bytes().to_vec()) {
                    return None;
                }
                p = p.add(1);
            }
            return Some(out);
        }
        let items = ffi::PyMapping_Items(env);
        if items.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let n = ffi::PyList_Size(items);
        let mut ok = n >= 0;
        for i in 0..n.max(0) {
            let item = ffi::PyList_GetItem(items, i);
            let pair = if item.is_null()
                || ffi::PyTuple_Check(item) == 0
                || ffi::PyTuple_Size(item) != 2
            {
                None
            } else {
                fs_bytes(ffi::PyTuple_GetItem(item, 0)).zip(fs_bytes(ffi::PyTuple_GetItem(item, 1)))
            };
            let Some((mut k, v)) = pair else {
                ok = false;
                break;
            };
            k.push(b'=');
            k.extend_from_slice(&v);
            if !push(k) {
                ok = false;
                break;
            }
        }
        ffi::Py_DecRef(items);
        ok.then_some(out)
    }
}

/// A `str` (encoded as `os.fsencode` does), `bytes` or path-like value's
/// bytes.
///
/// # Safety
/// GIL held; `obj` is null or a live object.
unsafe fn fs_bytes(obj: *mut ffi::PyObject) -> Option<Vec<u8>> {
    // SAFETY: per the contract; new references are released.
    unsafe {
        if obj.is_null() {
            return None;
        }
        if ffi::PyBytes_Check(obj) != 0 {
            return Some(bytes_of(obj).to_vec());
        }
        if ffi::PyUnicode_Check(obj) == 0 {
            // A path-like value, as subprocess and os.execve accept.
            let path = ffi::PyOS_FSPath(obj);
            if path.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            let out = if ffi::PyBytes_Check(path) != 0 || ffi::PyUnicode_Check(path) != 0 {
                fs_bytes(path)
            } else {
                None
            };
            ffi::Py_DecRef(path);
            return out;
        }
        let b = ffi::PyUnicode_EncodeFSDefault(obj);
        if b.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let out = bytes_of(b).to_vec();
        ffi::Py_DecRef(b);
        Some(out)
    }
}

/// A `bytes` object's contents, borrowed.
///
/// # Safety
/// GIL held; `obj` is a live `bytes` that outlives the result.
unsafe fn bytes_of<'a>(obj: *mut ffi::PyObject) -> &'a [u8] {
    // SAFETY: per the contract; the buffer belongs to the object.
    unsafe {
        let ptr = ffi::PyBytes_AsString(obj);
        let len = ffi::PyBytes_Size(obj);
        if ptr.is_null() || len < 0 {
            ffi::PyErr_Clear();
            return &[];
        }
        std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize)
    }
}

/// The path (a str's UTF-8 bytes, as the syscall will carry them), mode
/// and flags of an `open` event, borrowed from the event's tuple; `None`
/// for anything else (a bytes or path-like path, a descriptor), which is
/// then converted and sent.
///
/// # Safety
/// GIL held; `args` is the event's argument tuple and outlives the result.
unsafe fn open_args<'a>(args: *mut ffi::PyObject) -> Option<(&'a [u8], Option<&'a str>, i64)> {
    // SAFETY: per the contract; only borrowed references and buffers.
    unsafe {
        if args.is_null() || ffi::PyTuple_Check(args) == 0 || ffi::PyTuple_Size(args) < 3 {
            return None;
        }
        let path = utf8(ffi::PyTuple_GetItem(args, 0))?;
        let mode = ffi::PyTuple_GetItem(args, 1);
        let mode = if mode.is_null() || mode == ffi::Py_None() {
            None
        } else {
            Some(std::str::from_utf8(utf8(mode)?).ok()?)
        };
        let flags = ffi::PyTuple_GetItem(args, 2);
        if flags.is_null() || ffi::PyLong_Check(flags) == 0 {
            return None;
        }
        let flags = ffi::PyLong_AsLongLong(flags);
        if flags == -1 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some((path, mode, flags))
    }
}

/// A str's UTF-8 buffer (read from the object itself, R-21), borrowed.
///
/// # Safety
/// GIL held; `obj` is null or a live object that outlives the result.
unsafe fn utf8<'a>(obj: *mut ffi::PyObject) -> Option<&'a [u8]> {
    // SAFETY: per the contract; the buffer belongs to the str object.
    unsafe {
        if obj.is_null() || ffi::PyUnicode_Check(obj) == 0 {
            return None;
        }
        let mut len: ffi::Py_ssize_t = 0;
        let ptr = ffi::PyUnicode_AsUTF8AndSize(obj, &mut len);
        if ptr.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize))
    }
}

/// Sends the event and enforces the verdict. Runs with the GIL held.
unsafe fn ask(
    name: &[u8],
    args: Vec<Value>,
    frame: Option<String>,
    dir_fd: Option<i64>,
    env: Option<Vec<Bytes>>,
) -> c_int {
    let req = Request::Event {
        tid: gettid(),
        event: String::from_utf8_lossy(name).into_owned(),
        args,
        frame,
        dir_fd,
        env,
    };
    // SAFETY: GIL held by this thread; released only around the IPC.
    let reply = unsafe { without_gil(|| client::request(&req)) };
    let message = match reply {
        Ok(Reply::Verdict {
            decision, message, ..
        }) => {
            if decision == Decision::Allow {
                return 0;
            }
            message
        }
        Ok(other) => {
            format!("irongate: unexpected reply from the supervisor ({other:?}); operation denied")
        }
        Err(e) => format!("irongate: cannot reach the supervisor ({e}); operation denied"),
    };
    // SAFETY: GIL held.
    unsafe { raise_permission_error(&message) };
    -1
}

/// Runs `f` with the GIL released when the interpreter is fully running.
/// During initialisation and finalisation execution is single-threaded and
/// the thread state must not be detached.
///
/// # Safety
/// The calling thread must hold the GIL.
pub unsafe fn without_gil<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: per the contract, this thread holds the GIL.
    unsafe {
        if ffi::Py_IsInitialized() == 0 {
            return f();
        }
        let state = ffi::PyEval_SaveThread();
        let out = f();
        ffi::PyEval_RestoreThread(state);
        out
    }
}

/// Sets `PermissionError(message)` as the current exception.
///
/// # Safety
/// The calling thread must hold the GIL.
pub unsafe fn raise_permission_error(message: &str) {
    let text = std::ffi::CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // SAFETY: GIL held; both pointers are valid for the call.
    unsafe { ffi::PyErr_SetString(ffi::PyExc_PermissionError, text.as_ptr()) };
}

/// The caller's thread id.
pub fn gettid() -> i64 {
    // SAFETY: gettid has no preconditions.
    i64::from(unsafe { libc::gettid() })
}

const MAX_ITEMS: isize = 4096;

unsafe fn convert_args(args: *mut ffi::PyObject) -> Vec<Value> {
    // SAFETY: GIL held; `args` is a tuple (CPython builds it from a format).
    unsafe {
        if args.is_null() || ffi::PyTuple_Check(args) == 0 {
            return Vec::new();
        }
        let n = ffi::PyTuple_Size(args).min(16);
        (0..n)
            .map(|i| convert(ffi::PyTuple_GetItem(args, i), 2))
            .collect()
    }
}

/// Converts one argument. Strings are read from the object's own buffer
/// (`PyUnicode_AsUTF8AndSize` does not dispatch to Python methods); only a
/// non-string path-like object is asked for its `__fspath__`.
unsafe fn convert(obj: *mut ffi::PyObject, depth: u8) -> Value {
    // SAFETY: GIL held; `obj` is a borrowed reference from a live container.
    unsafe {
        if obj.is_null() || obj == ffi::Py_None() {
            return Value::Null;
        }
        if ffi::PyBool_Check(obj) != 0 {
            return Value::Bool(obj == ffi::Py_True());
        }
        if ffi::PyLong_Check(obj) != 0 {
            let v = ffi::PyLong_AsLongLong(obj);
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
                return Value::String("<int out of range>".into());
            }
            return Value::from(v);
        }
        if ffi::PyUnicode_Check(obj) != 0 {
            return unicode_value(obj);
        }
        if ffi::PyBytes_Check(obj) != 0 {
            return bytes_value(bytes_of(obj));
        }
        if ffi::PyByteArray_Check(obj) != 0 {
            let ptr = ffi::PyByteArray_AsString(obj);
            let len = ffi::PyByteArray_Size(obj);
            return bytes_value(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize));
        }
        if depth > 0 && (ffi::PyList_Check(obj) != 0 || ffi::PyTuple_Check(obj) != 0) {
            let is_list = ffi::PyList_Check(obj) != 0;
            let n = if is_list {
                ffi::PyList_Size(obj)
            } else {
                ffi::PyTuple_Size(obj)
            };
            return Value::Array(
                (0..n.min(MAX_ITEMS))
                    .map(|i| {
                        let item = if is_list {
                            ffi::PyList_GetItem(obj, i)
                        } else {
                            ffi::PyTuple_GetItem(obj, i)
                        };
                        convert(item, depth - 1)
                    })
                    .collect(),
            );
        }
        if depth > 0 && ffi::PyDict_Check(obj) != 0 {
            // Environments: only the names travel (values may be secrets).
            let mut keys = Vec::new();
            let mut pos: ffi::Py_ssize_t = 0;
            let mut key = std::ptr::null_mut();
            let mut value = std::ptr::null_mut();
            while ffi::PyDict_Next(obj, &mut pos, &mut key, &mut value) != 0 {
                if keys.len() >= MAX_ITEMS as usize {
                    break;
                }
                keys.push(convert(key, 0));
            }
            return serde_json::json!({ "$keys": keys });
        }
        // A path-like object: ask it once, judge what it returned.
        if depth > 0 {
            let fspath = ffi::PyOS_FSPath(obj);
            if !fspath.is_null() {
                let v = convert(fspath, 0);
                ffi::Py_DecRef(fspath);
                return v;
            }
            ffi::PyErr_Clear();
        }
        let ty = ffi::Py_TYPE(obj);
        let name = CStr::from_ptr((*ty).tp_name).to_string_lossy();
        Value::String(format!("<{name}>"))
    }
}

unsafe fn unicode_value(obj: *mut ffi::PyObject) -> Value {
    // SAFETY: GIL held; `obj` is a str (or subclass) instance.
    unsafe {
        let mut len: ffi::Py_ssize_t = 0;
        let ptr = ffi::PyUnicode_AsUTF8AndSize(obj, &mut len);
        if !ptr.is_null() {
            let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize);
            return Value::String(String::from_utf8_lossy(bytes).into_owned());
        }
        // Surrogate-escaped file names: encode as the OS would see them.
        ffi::PyErr_Clear();
        let encoded = ffi::PyUnicode_EncodeFSDefault(obj);
        if encoded.is_null() {
            ffi::PyErr_Clear();
            return Value::String("<unencodable str>".into());
        }
        let ptr = ffi::PyBytes_AsString(encoded);
        let len = ffi::PyBytes_Size(encoded);
        let v = bytes_value(std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize));
        ffi::Py_DecRef(encoded);
        v
    }
}

/// Bytes as text (see [`crate::pathname::bytes_text`]).
pub fn bytes_value(bytes: &[u8]) -> Value {
    Value::String(crate::pathname::bytes_text(bytes))
}

/// `file:line` of the innermost Python frame of the agent's code: frames of
/// the embedded bootstrap (`<irongate:…>`) are skipped, so a request made
/// through `irongate.tool` or an enriched library names its caller.
///
/// # Safety
/// The calling thread must hold the GIL.
pub unsafe fn current_frame() -> Option<String> {
    // SAFETY: GIL held; PyEval_GetFrame returns a borrowed frame or null;
    // PyFrame_GetBack and PyFrame_GetCode return new references we release.
    unsafe {
        let mut frame = ffi::PyEval_GetFrame();
        if frame.is_null() {
            return None;
        }
        ffi::Py_IncRef(frame.cast());
        let runtime = client::welcome()
            .map(|w| w.runtime_dirs.as_slice())
            .unwrap_or(&[]);
        // The innermost frame of the agent's own code: not the bootstrap's,
        // not the standard library's or an installed package's (a reviewer
        // wants the line that asked, not `subprocess.py:1821`). Failing
        // that, the innermost frame that is not the bootstrap's, else the
        // innermost. Only a frame that is kept is formatted (this runs for
        // every open).
        let mut not_ours = None;
        let mut fallback = None;
        for _ in 0..64 {
            let line = ffi::PyFrame_GetLineNumber(frame);
            let filename = frame_filename(frame);
            let name = filename.as_ref().map_or("", FileName::text);
            let ours = name.starts_with("<irongate:");
            if fallback.is_none() {
                fallback = Some(location(name, line));
            }
            if !ours {
                let library = name.starts_with('<')
                    || runtime.iter().any(|d| {
                        name.len() > d.len()
                            && name.starts_with(d.as_str())
                            && name.as_bytes()[d.len()] == b'/'
                    });
                if !library {
                    let here = location(name, line);
                    drop(filename);
                    ffi::Py_DecRef(frame.cast());
                    return Some(here);
                }
                if not_ours.is_none() {
                    not_ours = Some(location(name, line));
                }
            }
            drop(filename);
            let back = ffi::PyFrame_GetBack(frame);
            ffi::Py_DecRef(frame.cast());
            if back.is_null() {
                break;
            }
            frame = back;
        }
        not_ours.or(fallback)
    }
}

/// `name:line`.
fn location(name: &str, line: i32) -> String {
    let mut s = String::with_capacity(name.len() + 8);
    s.push_str(name);
    let _ = write!(s, ":{line}");
    s
}

/// A frame's `co_filename`, held (a new reference, released on drop) so
/// its text can be borrowed without a copy.
struct FileName {
    obj: *mut ffi::PyObject,
    text: *const u8,
    len: usize,
}

impl FileName {
    fn text(&self) -> &str {
        // SAFETY: `text`/`len` are the UTF-8 buffer of the str `obj`, which
        // this value keeps alive and which CPython never changes.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.text, self.len)) }
    }
}

impl Drop for FileName {
    fn drop(&mut self) {
        // SAFETY: `obj` is the new reference taken in `frame_filename`; the
        // GIL is held wherever a `FileName` lives (inside the hook).
        unsafe { ffi::Py_DecRef(self.obj) };
    }
}

/// The file name of one frame's code, if it is a str with a UTF-8 form.
///
/// # Safety
/// GIL held; `frame` is a live frame.
unsafe fn frame_filename(frame: *mut ffi::PyFrameObject) -> Option<FileName> {
    // SAFETY: per the contract; every new reference is released (by the
    // returned value for the file name).
    unsafe {
        let code = ffi::PyFrame_GetCode(frame);
        if code.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let obj = ffi::PyObject_GetAttrString(code.cast(), c"co_filename".as_ptr());
        ffi::Py_DecRef(code.cast());
        if obj.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        // Owned from here: dropped (released) on every way out.
        let mut name = FileName {
            obj,
            text: std::ptr::null(),
            len: 0,
        };
        let text = utf8(obj)?;
        name.text = text.as_ptr();
        name.len = text.len();
        Some(name)
    }
}
