//! The embedded interpreter: configuration, bootstrap, `Py_RunMain`.

use std::ffi::{CString, c_char};

use pyo3::ffi;

/// What the interpreter runs.
#[derive(Debug, Clone)]
pub enum Target {
    /// A script with CLI semantics (`sys.path[0]` = its directory).
    Script(CString),
    /// `-m MODULE`.
    Module(CString),
    /// A full Python command line (launcher re-entry: `-c`, `-m`, `-B`, …),
    /// parsed by CPython itself.
    CommandLine,
}

/// Everything needed to start the interpreter, prepared before the fork.
#[derive(Debug, Clone)]
pub struct InterpConfig {
    /// The venv's (or base) interpreter path. CPython computes `sys.prefix`
    /// and the venv from it (setting `home` instead breaks `encodings`).
    pub program_name: CString,
    /// `sys.argv` (for `CommandLine`, the interpreter's own argv).
    pub argv: Vec<CString>,
    /// What to run.
    pub target: Target,
}

/// Exit status when the interpreter cannot start.
pub const EXIT_INIT_FAILED: i32 = 125;

/// Initialises the interpreter, runs the bootstrap and the agent, finalises,
/// and returns the exit status the way `python` would.
pub fn run(cfg: &InterpConfig) -> i32 {
    pyo3::append_to_inittab!(_irongate);
    // SAFETY: single-threaded (just forked, or the launcher's main thread),
    // interpreter not yet initialised; PyConfig is plain data initialised by
    // PyConfig_InitPythonConfig before any field is read, and every string
    // we pass outlives the calls that copy it.
    unsafe {
        let mut config = std::mem::MaybeUninit::<ffi::PyConfig>::zeroed();
        ffi::PyConfig_InitPythonConfig(config.as_mut_ptr());
        let config = config.assume_init_mut();
        config.parse_argv = i32::from(matches!(cfg.target, Target::CommandLine));
        let status = set_strings(config, cfg);
        if ffi::PyStatus_Exception(status) != 0 {
            ffi::PyConfig_Clear(config);
            eprintln!("irongate: cannot configure the interpreter");
            return EXIT_INIT_FAILED;
        }
        crate::timing::step("child: interpreter configured");
        let status = ffi::Py_InitializeFromConfig(config);
        ffi::PyConfig_Clear(config);
        if ffi::PyStatus_Exception(status) != 0 {
            if ffi::PyStatus_IsExit(status) != 0 {
                return status.exitcode;
            }
            // Prints CPython's own message ("Fatal Python error: …") and exits.
            ffi::Py_ExitStatusException(status);
        }
        crate::timing::step("child: interpreter initialised");
        if let Err(message) = run_bootstrap() {
            eprintln!("irongate: bootstrap failed: {message}");
            ffi::Py_FinalizeEx();
            return EXIT_INIT_FAILED;
        }
        crate::timing::step("child: bootstrap done");
        ffi::Py_RunMain()
    }
}

/// Copies our strings into the config.
///
/// # Safety
/// `config` was initialised by `PyConfig_InitPythonConfig`.
unsafe fn set_strings(config: &mut ffi::PyConfig, cfg: &InterpConfig) -> ffi::PyStatus {
    // SAFETY: per the contract; CPython copies every string.
    unsafe {
        let status = ffi::PyConfig_SetBytesString(
            config,
            &mut config.program_name,
            cfg.program_name.as_ptr(),
        );
        if ffi::PyStatus_Exception(status) != 0 {
            return status;
        }
        let mut argv: Vec<*const c_char> = cfg.argv.iter().map(|a| a.as_ptr()).collect();
        let status =
            ffi::PyConfig_SetBytesArgv(config, argv.len() as ffi::Py_ssize_t, argv.as_mut_ptr());
        if ffi::PyStatus_Exception(status) != 0 {
            return status;
        }
        match &cfg.target {
            Target::Script(path) => {
                ffi::PyConfig_SetBytesString(config, &mut config.run_filename, path.as_ptr())
            }
            Target::Module(name) => {
                ffi::PyConfig_SetBytesString(config, &mut config.run_module, name.as_ptr())
            }
            Target::CommandLine => status,
        }
    }
}

/// Runs `bootstrap/irongate/_boot.py` in a private namespace (not
/// `__main__`, which the agent's script will use).
fn run_bootstrap() -> Result<(), String> {
    // SAFETY: Py_InitializeFromConfig returned with this thread holding the GIL.
    let py = unsafe { pyo3::Python::assume_attached() };
    // `_boot.py` arrives compiled (see src/build.rs); this line is all that is
    // compiled at start-up.
    let code = c"import marshal, _irongate\nexec(marshal.loads(_irongate.boot()), {'__name__': 'irongate._boot', '__builtins__': __builtins__})\n";
    let globals = pyo3::types::PyDict::new(py);
    py.run(code, Some(&globals), None).map_err(|e| {
        let text = e.to_string();
        e.print(py);
        text
    })
}

use super::pymod::_irongate;
