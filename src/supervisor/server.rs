//! The IPC server: one listening socket for the run, one thread per agent
//! process connected to it. Every frame is hostile input: a malformed frame
//! ends that connection (its hook then fails closed with PermissionError),
//! and the only identity trusted is the peer pid the kernel recorded.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::decide::Decider;
use super::events::Caller;
use crate::ipc::{self, Reply, Request};

/// Starts the accept loop on its own thread.
pub fn spawn(listener: OwnedFd, decider: Arc<Decider>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("irongate-ipc".into())
        .spawn(move || accept_loop(&listener, &decider))
}

fn accept_loop(listener: &OwnedFd, decider: &Arc<Decider>) {
    loop {
        match ipc::accept(listener.as_fd()) {
            Ok((conn, pid)) => {
                let decider = Arc::clone(decider);
                let spawned = std::thread::Builder::new()
                    .name(format!("irongate-conn-{pid}"))
                    .spawn(move || serve(&conn, pid, &decider));
                if let Err(e) = spawned {
                    // The connection is dropped: that process's hook fails closed.
                    eprintln!("irongate: cannot serve process {pid}: {e}");
                }
            }
            // The listener was shut down at the end of the run.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return,
            Err(e) => {
                eprintln!("irongate: ipc accept failed: {e}");
                return;
            }
        }
    }
}

/// How long a connection thread waits for the agent's next request without
/// sleeping: an agent at work asks again within microseconds, and waking a
/// halted CPU costs tens of µs on a VM. An idle agent costs nothing after it.
const NEXT_REQUEST_SPIN: std::time::Duration = std::time::Duration::from_micros(100);

fn serve(conn: &OwnedFd, pid: i32, decider: &Decider) {
    let mut buf = vec![0u8; ipc::MAX_FRAME + 1];
    let mut joined = false;
    loop {
        let n = match ipc::recv_frame_spinning(conn.as_fd(), &mut buf, NEXT_REQUEST_SPIN) {
            Ok(n) => n,
            Err(ipc::FrameError::Closed) => return,
            Err(e) => {
                note_bad_frame(decider, pid, &e.to_string());
                return;
            }
        };
        let req: Request = match ipc::decode(&buf[..n]) {
            Ok(r) => r,
            Err(e) => {
                note_bad_frame(decider, pid, &e.to_string());
                return;
            }
        };
        let reply = match req {
            Request::Hello { kind, argv } if !joined => {
                let r = decider.on_hello(pid, kind, &argv);
                joined = matches!(r, Reply::Welcome { .. });
                r
            }
            _ if !joined => {
                note_bad_frame(decider, pid, "request before hello");
                return;
            }
            Request::Hello { .. } => Reply::Error {
                message: "already joined".into(),
            },
            Request::Event {
                tid,
                event,
                args,
                frame,
                dir_fd,
            } => decider.on_event(Caller { pid, tid }, &event, &args, frame, dir_fd),
            Request::Action {
                tid,
                layer,
                action,
                frame,
            } => decider.on_action(Caller { pid, tid }, &layer, &action, frame),
            Request::Narrow { tid, profile } => decider.narrow(Caller { pid, tid }, &profile),
            Request::Release { tid } => decider.release(Caller { pid, tid }),
        };
        if ipc::send_frame(conn.as_fd(), &ipc::encode(&reply)).is_err() {
            return;
        }
    }
}

fn note_bad_frame(decider: &Decider, pid: i32, what: &str) {
    decider
        .log()
        .system(pid, &format!("ipc_error: {what}; connection closed"));
}
