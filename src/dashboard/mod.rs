//! The local dashboard (SPEC §8): a page and a JSON API served with
//! tiny_http, in the supervisor's trust domain.
//!
//! `irongate dashboard` serves every run of a home; `irongate run
//! --dashboard` serves the same page from the supervisor itself (bound after
//! the fork, so the agent never holds the socket, and with its port refused
//! to the agent). Both coordinate with supervisors through the shared
//! database only (see `review`).
//!
//! Security: loopback unless `IRONGATE_ALLOW_REMOTE=1`; a random
//! token printed with a one-click URL carrying it in the fragment (never
//! sent to the server in a URL, never logged); `Authorization: Bearer` on
//! every `/api/` endpoint, compared in constant time, failures rate limited
//! per address; a `Host` check against DNS rebinding; security headers on
//! every response; a CSP without `unsafe-inline`; the page renders data with
//! `textContent` only. The page, script, stylesheet and OpenAPI document
//! carry no data and need no token.

mod api;
pub mod auth;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Result;

use crate::exit::Failure;

/// The OpenAPI document of the API, kept in the repository.
pub const OPENAPI: &str = include_str!("openapi.json");
const INDEX_HTML: &str = include_str!("static/index.html");
const APP_JS: &str = include_str!("static/app.js");
const APP_CSS: &str = include_str!("static/app.css");

/// Largest request body accepted (bytes); larger ones get 413.
pub const MAX_BODY: usize = 16 * 1024;
/// Worker threads answering requests.
const WORKERS: usize = 4;

/// The policy the page shows as active.
#[derive(Debug, Clone)]
pub struct PolicyView {
    /// Where it came from (a path, or `builtin`).
    pub origin: String,
    /// Its source text.
    pub text: String,
}

/// What every request handler shares.
pub(crate) struct State {
    pub(crate) home: PathBuf,
    token: String,
    pub(crate) limiter: auth::Limiter,
    pub(crate) policy: PolicyView,
    /// The run this dashboard belongs to (`run --dashboard`), if any.
    pub(crate) run_id: Option<i64>,
    /// Accepted `Host` header values.
    hosts: Vec<String>,
    /// Who decides through this dashboard (the OS user running it).
    pub(crate) user: String,
}

impl State {
    pub(crate) fn token_ok(&self, presented: &str) -> bool {
        auth::same(presented.as_bytes(), self.token.as_bytes())
    }

    fn host_ok(&self, host: Option<&str>, remote: bool) -> bool {
        match host {
            Some(h) => remote || self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)),
            // HTTP/1.0 clients may omit it.
            None => true,
        }
    }
}

/// A running dashboard; stops when dropped.
pub struct Dashboard {
    server: Arc<tiny_http::Server>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    /// The bound address.
    pub addr: SocketAddr,
    /// The page URL, without the token.
    pub url: String,
    /// The one-click URL with the token in the fragment.
    pub login_url: String,
}

impl Dashboard {
    /// Binds `host:port` (loopback unless `IRONGATE_ALLOW_REMOTE=1`) and
    /// starts serving.
    pub fn start(
        home: &Path,
        host: &str,
        port: u16,
        policy: PolicyView,
        run_id: Option<i64>,
    ) -> Result<Dashboard> {
        let ip: IpAddr = match host {
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            h => h
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| {
                    Failure::setup(format!(
                        "--host {host}: not an IP address\nhint: use 127.0.0.1 (the default) or ::1"
                    ))
                })?,
        };
        let remote = !ip.is_loopback();
        if remote {
            if std::env::var("IRONGATE_ALLOW_REMOTE").as_deref() != Ok("1") {
                return Err(Failure::setup(format!(
                    "--host {host}: the dashboard binds to loopback only unless IRONGATE_ALLOW_REMOTE=1\n\
                     hint: anyone who can reach {host} could try to approve held operations; \
                     prefer an SSH tunnel to 127.0.0.1"
                ))
                .into());
            }
            eprintln!(
                "irongate: WARNING: the dashboard is reachable from other machines on {host}; \
                 it speaks plain HTTP, so the token and every decision cross the network unencrypted"
            );
        }
        let server = tiny_http::Server::http(SocketAddr::new(ip, port))
            .map_err(|e| Failure::setup(format!("cannot listen on {host}:{port}: {e}\nhint: choose another --port, or 0 for any free port")))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Failure::setup("the dashboard is not listening on TCP"))?;
        let shown = match addr.ip() {
            IpAddr::V6(v6) => format!("[{v6}]:{}", addr.port()),
            IpAddr::V4(v4) => format!("{v4}:{}", addr.port()),
        };
        let mut hosts = vec![shown.clone(), format!("localhost:{}", addr.port())];
        if remote {
            hosts.push(host.to_owned());
        }
        let token = auth::new_token();
        let url = format!("http://{shown}/");
        let login_url = format!("{url}#token={token}");
        let state = Arc::new(State {
            home: home.to_path_buf(),
            token,
            limiter: auth::Limiter::default(),
            policy,
            run_id,
            hosts,
            user: crate::review::os_user(),
        });
        let server = Arc::new(server);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut workers = Vec::new();
        for i in 0..WORKERS {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("dashboard-{i}"))
                    .spawn(move || serve(&server, &state, remote, &stop))?,
            );
        }
        Ok(Dashboard {
            server,
            stop,
            workers,
            addr,
            url,
            login_url,
        })
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn serve(
    server: &tiny_http::Server,
    state: &State,
    remote: bool,
    stop: &std::sync::atomic::AtomicBool,
) {
    let mut store = None;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        // A client's broken connection (e.g. a browser's speculative one
        // closed unused) comes back as an error: it must not end the
        // worker. Shutdown is told apart by the flag.
        if let Ok(req) = server.recv() {
            api::handle(req, state, remote, &mut store);
        }
    }
}

/// The policy shown by a standalone dashboard: `--policy`, else
/// `$IRONGATE_HOME/policies.json`, else the built-in policy.
fn policy_view(flag: Option<&Path>, home: &Path) -> Result<PolicyView> {
    let path = flag
        .map(Path::to_path_buf)
        .or_else(|| Some(home.join("policies.json")).filter(|p| p.exists()));
    Ok(match path {
        Some(p) => PolicyView {
            origin: p.to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&p)
                .map_err(|e| Failure::setup(format!("cannot read {}: {e}", p.display())))?,
        },
        None => {
            let b = crate::policy::Policy::builtin();
            PolicyView {
                origin: "builtin".into(),
                text: b.source_text().to_owned(),
            }
        }
    })
}

/// Prints the lines a human needs to log in.
fn print_login(d: &Dashboard) {
    eprintln!(
        "irongate: dashboard on {} — open this URL to log in (the token is in the fragment, never sent in a request line):",
        d.url
    );
    eprintln!("irongate:   {}", d.login_url);
}

/// Where `irongate dashboard` listens and what it shows.
#[derive(Debug, Clone)]
pub struct DashboardOptions {
    /// Address to bind, as given (non-loopback needs `IRONGATE_ALLOW_REMOTE=1`).
    pub host: String,
    /// Port (0: any free port).
    pub port: u16,
    /// Policy shown as active; `None`: `$IRONGATE_HOME/policies.json`, else the built-in one.
    pub policy: Option<PathBuf>,
    /// State directory as given (`None`: `$IRONGATE_HOME`, else `~/.irongate`).
    pub home: Option<PathBuf>,
}

/// `irongate dashboard`.
pub fn cmd_dashboard(args: &DashboardOptions) -> Result<i32> {
    let home = crate::home::resolve(args.home.as_deref())?;
    crate::home::ensure(&home)?;
    // Fail early on a database this irongate cannot use.
    crate::audit::Store::open(&home).map_err(|e| Failure::setup(e.to_string()))?;
    let policy = policy_view(args.policy.as_deref(), &home)?;
    let d = Dashboard::start(&home, &args.host, args.port, policy, None)?;
    print_login(&d);
    eprintln!("irongate: serving until interrupted (Ctrl-C)");
    loop {
        std::thread::park();
    }
}

/// `irongate run --dashboard`: serves this run's dashboard on loopback and
/// tells the review announcements its URL.
pub fn serve_for_run(
    home: &Path,
    port: u16,
    reviews: &crate::review::Reviews,
    policy: PolicyView,
    run_id: i64,
) -> Result<Dashboard> {
    let d = Dashboard::start(home, "127.0.0.1", port, policy, Some(run_id))?;
    reviews.set_dashboard_port(d.addr.port());
    reviews.notifier().set_dashboard(&d.url);
    print_login(&d);
    Ok(d)
}

/// The static assets: (path, content type, body).
pub(crate) fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "/" | "/index.html" => Some(("text/html; charset=utf-8", INDEX_HTML)),
        "/app.js" => Some(("text/javascript; charset=utf-8", APP_JS)),
        "/app.css" => Some(("text/css; charset=utf-8", APP_CSS)),
        "/openapi.json" => Some(("application/json", OPENAPI)),
        _ => None,
    }
}
