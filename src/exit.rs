//! Exit statuses and the set-up errors that choose them, in one
//! place: the command line parses, the commands fail with a [`Failure`],
//! and `main` turns it into the status.

/// irongate itself failed before the agent started: bad policy, bad flag,
/// wrong Python, a kernel feature missing.
pub const IRONGATE_ERROR: i32 = 125;
/// The script exists but cannot be run.
pub const NOT_RUNNABLE: i32 = 126;
/// The script does not exist.
pub const NOT_FOUND: i32 = 127;
/// Added to a signal number when the agent died of that signal.
pub const SIGNAL_BASE: i32 = 128;

/// An error that ends `irongate` with a specific exit status.
#[derive(Debug)]
pub struct Failure {
    /// Exit status.
    pub code: i32,
    /// Message: what failed, then a `hint:` line saying how to fix it.
    pub message: String,
}

impl Failure {
    /// A failure with its own exit status.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// irongate's own failure before the agent starts (125).
    pub fn setup(message: impl Into<String>) -> Self {
        Failure::new(IRONGATE_ERROR, message)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The status a command's result ends irongate with (its message printed
/// first when it failed).
pub fn status(result: anyhow::Result<i32>) -> i32 {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("irongate: {e:#}");
            e.downcast_ref::<Failure>()
                .map_or(IRONGATE_ERROR, |f| f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_its_status_and_anything_else_is_125() {
        assert_eq!(status(Ok(3)), 3);
        assert_eq!(
            status(Err(Failure::new(NOT_FOUND, "x: not found").into())),
            127
        );
        assert_eq!(status(Err(anyhow::anyhow!("disk full"))), IRONGATE_ERROR);
        let wrapped = anyhow::Error::from(Failure::new(NOT_RUNNABLE, "x"));
        assert_eq!(status(Err(wrapped.context("while starting"))), 126);
    }
}
