//! `_irongate`: the native module the bootstrap package is built on.
//!
//! It only carries requests to the supervisor and answers back; it holds no
//! policy, no profile and no decision. Everything it returns could be forged
//! by the agent without changing what the supervisor enforces.

use pyo3::exceptions::PyPermissionError;
use pyo3::prelude::*;

use super::{bootstrap, client, hook};
use crate::ipc::{Reply, Request};

fn ask(py: Python<'_>, req: Request) -> PyResult<Reply> {
    py.detach(|| client::request(&req)).map_err(|e| {
        PyPermissionError::new_err(format!(
            "irongate: cannot reach the supervisor ({e}); operation denied"
        ))
    })
}

/// The frame of the Python code that called into this module.
fn caller_frame(_py: Python<'_>) -> Option<String> {
    // SAFETY: a #[pyfunction] runs with the GIL held.
    unsafe { hook::current_frame() }
}

/// The agent's frame (`file:line`) as a decision would record it here: for
/// a call that will be asked on another thread.
#[pyfunction]
fn frame(py: Python<'_>) -> Option<String> {
    caller_frame(py)
}

/// Asks the supervisor to decide an action given as a JSON object text.
/// `layer` is `api` (irongate.check / irongate.tool) or `hook` (enrichment).
/// Returns `(decision, reason, rule_json, message)`; never raises for a
/// block (the caller decides whether to), raises `PermissionError` when the
/// supervisor cannot be reached. `frame`: the agent's frame to record, when
/// the call is asked on another thread than the agent code that made it (a
/// framework's worker thread); else this thread's.
#[pyfunction]
#[pyo3(signature = (layer, action_json, frame=None))]
fn decide(
    py: Python<'_>,
    layer: &str,
    action_json: &str,
    frame: Option<String>,
) -> PyResult<(String, String, String, String)> {
    let action: serde_json::Value = serde_json::from_str(action_json)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("action is not JSON: {e}")))?;
    let req = Request::Action {
        tid: hook::gettid(),
        layer: layer.to_owned(),
        action,
        frame: frame.or_else(|| caller_frame(py)),
    };
    match ask(py, req)? {
        Reply::Verdict {
            decision,
            reason,
            rule,
            message,
        } => Ok((
            decision.as_str().to_owned(),
            reason,
            // Same text as before the typed reply: `null` or the compact
            // `{"index":N,"name":…}` the bootstrap parses.
            serde_json::to_string(&rule).unwrap_or_else(|_| "null".into()),
            message,
        )),
        Reply::Error { message } => Err(PyPermissionError::new_err(message)),
        other => Err(PyPermissionError::new_err(format!(
            "irongate: unexpected reply {other:?}"
        ))),
    }
}

/// Narrows this thread's profile (`shield.protect(profile=…)`).
#[pyfunction]
fn narrow(py: Python<'_>, profile: &str) -> PyResult<()> {
    let req = Request::Narrow {
        tid: hook::gettid(),
        profile: profile.to_owned(),
    };
    match ask(py, req)? {
        Reply::Ok => Ok(()),
        Reply::Error { message } => Err(pyo3::exceptions::PyValueError::new_err(message)),
        other => Err(PyPermissionError::new_err(format!(
            "irongate: unexpected reply {other:?}"
        ))),
    }
}

/// Says that the innermost allowed tool call of this thread returned,
/// without waiting (one way: nothing to decide).
#[pyfunction]
fn end_tool(py: Python<'_>) -> PyResult<()> {
    let tid = hook::gettid();
    py.detach(|| client::end_tool(tid)).map_err(|e| {
        PyPermissionError::new_err(format!("irongate: cannot reach the supervisor ({e})"))
    })
}

/// Leaves this thread's innermost narrowing.
#[pyfunction]
fn release(py: Python<'_>) -> PyResult<()> {
    match ask(
        py,
        Request::Release {
            tid: hook::gettid(),
        },
    )? {
        Reply::Ok => Ok(()),
        Reply::Error { message } => Err(pyo3::exceptions::PyValueError::new_err(message)),
        other => Err(PyPermissionError::new_err(format!(
            "irongate: unexpected reply {other:?}"
        ))),
    }
}

/// Notes the `dir_fd` of the `os.open` about to run in this thread (the
/// `open` audit event does not carry it).
#[pyfunction]
#[pyo3(signature = (fd=None))]
fn note_dir_fd(fd: Option<i64>) {
    hook::note_dir_fd(fd);
}

/// The message of this thread's last open that the supervisor refused at
/// the kernel layer on its note (it fails with plain `EACCES`), once.
#[pyfunction]
fn noted_refusal(py: Python<'_>) -> Option<String> {
    py.detach(|| client::noted_refusal(super::hook::gettid()))
}

/// Marshalled code of an embedded bootstrap module, and whether it is a
/// package.
#[pyfunction]
fn code(py: Python<'_>, name: &str) -> Option<(Py<pyo3::types::PyBytes>, bool)> {
    bootstrap::code(name).map(|(c, pkg)| (pyo3::types::PyBytes::new(py, c).unbind(), pkg))
}

/// Marshalled code of `_boot.py`.
#[pyfunction]
fn boot(py: Python<'_>) -> Py<pyo3::types::PyBytes> {
    pyo3::types::PyBytes::new(py, bootstrap::BOOT).unbind()
}

/// The path to set as `sys.executable` so Python children re-enter IronGate.
#[pyfunction]
fn launcher() -> Option<String> {
    client::welcome().map(|w| w.launcher.clone())
}

/// The supervisor's pid.
#[pyfunction]
fn supervisor_pid() -> Option<i32> {
    client::welcome().map(|w| w.supervisor_pid)
}

/// The native module.
#[pymodule]
pub mod _irongate {
    #[pymodule_export]
    use super::{
        boot, code, decide, end_tool, frame, launcher, narrow, note_dir_fd, noted_refusal, release,
        supervisor_pid,
    };
}
