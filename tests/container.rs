//! IronGate as a container's entrypoint (SPEC ), for real: an
//! image built locally by `scripts/container-image` (no registry), run by
//! Docker with its default seccomp profile and default capabilities (no
//! `--cap-add`), every container with `--network none`.
//!
//! `scripts/test` installs docker.io and starts dockerd when they are
//! missing. Where Docker still cannot run, the test says so loudly and runs
//! the same checks with IronGate as PID 1 of a fresh PID namespace
//! (`unshare -p -f --mount-proc`) under a seccomp filter that refuses what
//! Docker's default profile refuses without CAP_SYS_PTRACE.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_irongate")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn docker_works() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn build_image() -> String {
    let tag = format!("irongate-test:{}", std::process::id());
    let out = Command::new(root().join("scripts/container-image"))
        .arg(&tag)
        .env("IRONGATE_BIN", bin())
        .output()
        .expect("run scripts/container-image");
    assert!(out.status.success(), "image build failed\n{}", text(&out));
    tag
}

struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `docker run --rm --network none [extra] IMAGE args…` with the run's log
/// on `home`.
fn docker_run(image: &str, home: &Path, extra: &[&str], args: &[&str]) -> Output {
    let vol = format!("{}:/var/lib/irongate", home.display());
    let mut cmd = Command::new("docker");
    cmd.args(["run", "--rm", "--network", "none", "-v", &vol]);
    cmd.args(extra);
    cmd.arg(image);
    cmd.args(args);
    cmd.output().expect("docker run")
}

fn events(home: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(bin())
        .args(["events", "--run", "last", "--json", "--home"])
        .arg(home)
        .output()
        .expect("irongate events");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn check_agent_output(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
    for want in [
        "hostname: True",
        "python write: refused",
        "ctypes write: refused",
    ] {
        assert!(stdout.contains(want), "missing {want:?}\n{}", text(out));
    }
}

fn check_logged(home: &Path) {
    let ev = events(home);
    let blocked_syscall = ev.iter().any(|e| {
        e["layer"] == "syscall"
            && e["decision"] == "block"
            && e["unexplained"] == true
            && e["action"]["path"] == "/app/out2.txt"
    });
    let blocked_hook = ev.iter().any(|e| {
        e["layer"] == "hook" && e["decision"] == "block" && e["action"]["path"] == "/app/out.txt"
    });
    assert!(
        blocked_syscall && blocked_hook,
        "decisions not in the log on the volume: {ev:#?}"
    );
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("irongate-container-")
        .tempdir()
        .expect("temp dir")
}

#[test]
fn docker_default_profile_as_entrypoint() {
    if !docker_works() {
        eprintln!(
            "\n*** DOCKER IS NOT AVAILABLE: the container checks run under unshare -p -f --mount-proc \
             with Docker's refusals applied by a seccomp filter instead (see pid_namespace_fallback) ***\n"
        );
        pid_namespace_checks();
        return;
    }
    let image = Image(build_image());
    let home = tempdir();

    // The default ENTRYPOINT: irongate run --isolate agent.py.
    let t = Instant::now();
    let out = docker_run(&image.0, home.path(), &[], &[]);
    let started = t.elapsed();
    check_agent_output(&out);
    check_logged(home.path());
    eprintln!("container run of agent.py: {started:?} (docker run to exit)");

    // Docker's default profile lets the Landlock layer in: doctor's probe
    // inside the container sees the kernel refuse what the layer refuses.
    let out = docker_run(
        &image.0,
        home.path(),
        &["--entrypoint", "irongate"],
        &["doctor", "--json"],
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(&out)));
    let landlock = doc["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "Landlock"))
        .cloned()
        .unwrap_or_default();
    // The host's own report says whether the kernel has Landlock at all.
    let host = Command::new(bin())
        .args(["doctor", "--json"])
        .output()
        .expect("doctor on the host");
    let host_has_landlock = String::from_utf8_lossy(&host.stdout).contains("\"ABI ");
    if host_has_landlock {
        assert_ne!(landlock["status"], "fail", "{landlock:#}");
        assert!(
            landlock["detail"]
                .as_str()
                .is_some_and(|d| d.contains("a probe saw the kernel refuse a write, an exec")),
            "{landlock:#}"
        );
    }

    // --isolate as root in the container: the agent runs as nobody.
    let out = docker_run(
        &image.0,
        home.path(),
        &[
            "-e",
            "OPENAI_API_KEY=sk-container-secret",
            "--entrypoint",
            "irongate",
        ],
        &["run", "--isolate", "isolate_check.py"],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(&out)));
    assert_eq!(v["uid"], 65534, "{v:#}");
    assert_eq!(v["cap_eff"], "0000000000000000", "{v:#}");
    assert!(
        !v["environ_block_text"]
            .as_str()
            .unwrap_or("")
            .contains("sk-container-secret")
    );

    // A Python child (exec of the launcher) as that user.
    let out = docker_run(
        &image.0,
        home.path(),
        &["--entrypoint", "irongate"],
        &[
            "run",
            "--isolate",
            "--profile",
            "trusted",
            "--policy",
            "allow-processes.json",
            "spawn_child.py",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("rc 0 child uid 65534"),
        "{}",
        text(&out)
    );

    // Exit statuses and signal deaths propagate.
    let ep = ["--entrypoint", "irongate"];
    for (how, n, want) in [("exit", "3", 3), ("exit", "0", 0), ("signal", "10", 138)] {
        let out = docker_run(
            &image.0,
            home.path(),
            &ep,
            &["run", "--isolate", "exit_status.py", how, n],
        );
        assert_eq!(out.status.code(), Some(want), "{how} {n}\n{}", text(&out));
    }

    // 1,000 orphaned grandchildren: none left a zombie.
    let out = docker_run(
        &image.0,
        home.path(),
        &ep,
        &[
            "run",
            "--isolate",
            "--profile",
            "trusted",
            "--policy",
            "allow-processes.json",
            "orphans.py",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("orphans: 1000 zombies left: 0"),
        "{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // What remains of the tree when the agent exits is ended (a child that
    // ignores SIGTERM is killed after the grace period); the agent's status
    // stands.
    let t = Instant::now();
    let out = docker_run(
        &image.0,
        home.path(),
        &ep,
        &[
            "run",
            "--isolate",
            "--profile",
            "trusted",
            "--policy",
            "allow-processes.json",
            "leftover.py",
        ],
    );
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(
        took < Duration::from_secs(6),
        "leftover tree ended after {took:?}"
    );

    // Forwarded signals: SIGHUP and SIGUSR1 reach the agent (default
    // action: death by that signal → 128+N).
    for (sig, want) in [("HUP", "129"), ("USR1", "138")] {
        let name = format!("irongate-sig-{sig}-{}", std::process::id());
        assert_eq!(
            stopped_with(&image.0, home.path(), &name, &["kill", "-s", sig]).0,
            want,
            "docker kill -s {sig}"
        );
    }

    // docker stop → SIGTERM to the agent → 143, promptly.
    let name = format!("irongate-stop-{}", std::process::id());
    let (code, stop_latency) = stopped_with(&image.0, home.path(), &name, &["stop", "-t", "10"]);
    assert_eq!(code, "143", "docker stop did not end the agent by SIGTERM");
    eprintln!("docker stop latency: {stop_latency:?}");
    assert!(
        stop_latency < Duration::from_secs(2),
        "docker stop took {stop_latency:?}"
    );
}

/// Starts `sleep_term.py` detached, waits for it, runs `docker ACTION… NAME`,
/// returns the container's exit code and how long the action took.
fn stopped_with(image: &str, home: &Path, name: &str, action: &[&str]) -> (String, Duration) {
    let vol = format!("{}:/var/lib/irongate", home.display());
    let started = Command::new("docker")
        .args(["run", "-d", "--network", "none", "--name", name, "-v", &vol])
        .args(["--entrypoint", "irongate", image])
        .args(["run", "--isolate", "sleep_term.py"])
        .output()
        .expect("docker run -d");
    assert!(started.status.success(), "{}", text(&started));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let logs = Command::new("docker")
            .args(["logs", name])
            .output()
            .expect("docker logs");
        if String::from_utf8_lossy(&logs.stdout).contains("ready") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the agent never started\n{}",
            text(&logs)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Instant::now();
    let acted = Command::new("docker")
        .args(action)
        .arg(name)
        .output()
        .expect("docker action");
    assert!(acted.status.success(), "{}", text(&acted));
    let _ = Command::new("docker").args(["wait", name]).output();
    let took = t.elapsed();
    let code = Command::new("docker")
        .args(["inspect", "-f", "{{.State.ExitCode}}", name])
        .output()
        .expect("docker inspect");
    let _ = Command::new("docker").args(["rm", "-f", name]).output();
    (
        String::from_utf8_lossy(&code.stdout).trim().to_owned(),
        took,
    )
}

/// A filter refusing what Docker's default profile refuses without
/// CAP_SYS_PTRACE (pidfd_getfd, process_vm_readv/writev, kcmp), applied to
/// `cmd` before it execs.
fn docker_like(cmd: &mut Command) {
    // SAFETY: pre_exec runs in the forked child before exec; building and
    // loading a seccomp filter there allocates, which is fine because the
    // test harness's other threads do not hold the allocator lock long
    // enough to matter in practice, and libseccomp needs no other state.
    unsafe {
        cmd.pre_exec(|| {
            use libseccomp::{ScmpAction, ScmpFilterContext, ScmpSyscall};
            let mut ctx =
                ScmpFilterContext::new(ScmpAction::Allow).map_err(std::io::Error::other)?;
            for nr in [
                libc::SYS_pidfd_getfd,
                libc::SYS_process_vm_readv,
                libc::SYS_process_vm_writev,
                libc::SYS_kcmp,
            ] {
                ctx.add_rule(ScmpAction::Errno(libc::EPERM), ScmpSyscall::from(nr as i32))
                    .map_err(std::io::Error::other)?;
            }
            ctx.load().map_err(std::io::Error::other)?;
            Ok(())
        });
    }
}

fn host_run(args: &[&str], pidns: bool, home: &Path) -> Output {
    let agents = root().join("integration/container/agents");
    let mut cmd = if pidns {
        let mut c = Command::new("unshare");
        c.args(["-p", "-f", "--mount-proc", bin()]);
        c
    } else {
        Command::new(bin())
    };
    cmd.current_dir(&agents)
        .args(["run", "--home"])
        .arg(home)
        .args(args)
        .env("IRONGATE_HOME", home);
    if let Ok(v) = std::env::var("IRONGATE_TEST_VENV") {
        cmd.arg("--python").arg(v);
    }
    docker_like(&mut cmd);
    cmd.output().expect("run irongate")
}

/// The mechanisms Docker's default profile leaves, on the host: the
/// listener over SCM_RIGHTS, memory through /proc/<pid>/mem, socket calls
/// under a freeze. `doctor` names each fallback.
#[test]
fn docker_like_filter_fallbacks() {
    let mut cmd = Command::new(bin());
    cmd.args(["doctor", "--json"]);
    docker_like(&mut cmd);
    let out = cmd.output().expect("doctor");
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", text(&out)));
    let status = |name: &str| {
        doc["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
            .map(|c| c["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(status("listener hand-off"), "pass", "{doc:#}");
    assert_eq!(status("agent memory"), "fallback", "{doc:#}");
    assert_eq!(status("pidfd_getfd"), "fallback", "{doc:#}");
    assert_eq!(status("ADDFD"), "pass", "{doc:#}");

    let home = tempdir();
    let out = host_run(&["agent.py"], false, home.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout.contains("ctypes write: refused"), "{}", text(&out));
    assert!(stdout.contains("hostname: True"), "{}", text(&out));
}

/// The container checks without Docker: IronGate as PID 1 of a new PID
/// namespace under the Docker-like filter.
fn pid_namespace_checks() {
    let home = tempdir();
    for (how, n, want) in [("exit", "3", 3), ("signal", "10", 138)] {
        let out = host_run(
            &["--isolate", "--user", "root", "exit_status.py", how, n],
            true,
            home.path(),
        );
        assert_eq!(out.status.code(), Some(want), "{}", text(&out));
    }
    let out = host_run(
        &[
            "--isolate",
            "--user",
            "root",
            "--profile",
            "trusted",
            "--policy",
            "../../policies/allow-processes.json",
            "orphans.py",
        ],
        true,
        home.path(),
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("zombies left: 0"),
        "{}",
        text(&out)
    );
}

#[test]
fn pid_namespace_fallback() {
    if Command::new("unshare")
        .args(["-p", "-f", "--mount-proc", "true"])
        .status()
        .map_or(true, |s| !s.success())
    {
        eprintln!("*** unshare -p -f --mount-proc is not permitted here: skipped ***");
        return;
    }
    pid_namespace_checks();
}
