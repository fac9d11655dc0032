//! Routing and the JSON API (see `openapi.json`). Every response carries
//! the security headers; every `/api/` request must carry the token.

use std::io::Read;
use std::net::IpAddr;

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response};

use super::{MAX_BODY, State, auth};
use crate::audit::{self, Decision, EventFilter, Layer, ReviewVia, Store};
use crate::policy::overlay::{Overlay, Widen};
use crate::review::{self, Answer, AnswerError};

/// The page's CSP: scripts and styles from the page's own origin only
/// (no `unsafe-inline`), no framing, no plugins, no forms elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// At most this many events per request.
const MAX_EVENTS: u32 = 1000;

struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

fn json_reply(status: u16, v: &Value) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: v.to_string(),
    }
}

fn error(status: u16, message: impl Into<String>) -> Reply {
    json_reply(status, &json!({"error": message.into()}))
}

fn header(name: &str, value: &str) -> Header {
    // Names and values are ASCII literals or validated ASCII.
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("ascii"))
}

fn send(req: Request, r: Reply) {
    let mut resp = Response::from_string(r.body)
        .with_status_code(r.status)
        .with_header(header("Content-Type", r.content_type))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("X-Frame-Options", "DENY"))
        .with_header(header("Referrer-Policy", "no-referrer"))
        .with_header(header("Content-Security-Policy", CSP))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
        .with_header(header("Cross-Origin-Resource-Policy", "same-origin"));
    if r.status == 401 {
        resp = resp.with_header(header("WWW-Authenticate", "Bearer"));
    }
    let _ = req.respond(resp);
}

fn header_value<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Answers one request. `store` is this worker's connection, opened on
/// first use.
pub(super) fn handle(mut req: Request, state: &State, remote: bool, store: &mut Option<Store>) {
    let addr: IpAddr = req
        .remote_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let url = req.url().to_owned();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (url.clone(), String::new()),
    };
    if !state.host_ok(header_value(&req, "Host"), remote) {
        return send(req, error(421, "unexpected Host header (DNS rebinding?)"));
    }
    if !path.starts_with("/api/") {
        let reply = match (req.method(), super::asset(&path)) {
            (Method::Get | Method::Head, Some((ct, body))) => Reply {
                status: 200,
                content_type: ct,
                body: body.to_owned(),
            },
            (_, Some(_)) => error(405, "method not allowed"),
            (_, None) => error(404, "not found"),
        };
        return send(req, reply);
    }
    // API: rate limit, then the token, before anything else is read.
    if state.limiter.limited(addr) {
        return send(req, error(429, "too many failed attempts; wait a minute"));
    }
    let presented = header_value(&req, "Authorization").and_then(auth::bearer);
    match presented {
        Some(t) if state.token_ok(t) => {}
        Some(_) => {
            state.limiter.fail(addr);
            return send(req, error(401, "invalid token"));
        }
        None => {
            state.limiter.fail(addr);
            return send(
                req,
                error(401, "missing Authorization: Bearer <token> header"),
            );
        }
    }
    let body = match read_body(&mut req) {
        Ok(b) => b,
        Err(r) => return send(req, r),
    };
    if store.is_none() {
        match Store::open(&state.home) {
            Ok(s) => *store = Some(s),
            Err(e) => return send(req, error(503, format!("audit database unavailable: {e}"))),
        }
    }
    let Some(db) = store.as_ref() else {
        return send(req, error(503, "audit database unavailable"));
    };
    let method = req.method().clone();
    let reply = route(&method, &path, &query, &body, state, db);
    send(req, reply);
}

fn read_body(req: &mut Request) -> Result<Vec<u8>, Reply> {
    if req.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(error(413, format!("request body over {MAX_BODY} bytes")));
    }
    let mut body = Vec::new();
    let limit = u64::try_from(MAX_BODY).unwrap_or(u64::MAX) + 1;
    if req.as_reader().take(limit).read_to_end(&mut body).is_err() {
        return Err(error(400, "cannot read the request body"));
    }
    if body.len() > MAX_BODY {
        return Err(error(413, format!("request body over {MAX_BODY} bytes")));
    }
    Ok(body)
}

fn route(
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
    state: &State,
    db: &Store,
) -> Reply {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(2).collect();
    let result = match (method, parts.as_slice()) {
        (Method::Get, ["status"]) => Ok(json_reply(
            200,
            &json!({
                "version": env!("CARGO_PKG_VERSION"),
                "home": state.home.to_string_lossy(),
                "run_id": state.run_id,
                "user": state.user,
            }),
        )),
        (Method::Get, ["approvals"]) => {
            review::pending_json(db).map(|v| json_reply(200, &Value::Array(v)))
        }
        (Method::Post, ["approvals", id, verb]) => {
            return decide(state, db, id, verb, body);
        }
        (Method::Get, ["events"]) => return events(db, query),
        (Method::Get, ["runs"]) => runs(db),
        (Method::Get, ["policy"]) => Ok(policy(state)),
        (Method::Get, ["remembered"]) => Ok(match Overlay::load(&state.home) {
            Ok(o) => json_reply(200, &o.to_json()),
            Err(e) => error(500, e.to_string()),
        }),
        (Method::Delete, ["remembered", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return error(400, "the remembered approval id must be a number");
            };
            Ok(match Overlay::revoke(&state.home, id) {
                Ok(a) => json_reply(200, &json!({"revoked": a.id, "explain": a.explain()})),
                Err(crate::policy::overlay::OverlayError::Refused(m)) => error(404, m),
                Err(e) => error(500, e.to_string()),
            })
        }
        (
            _,
            [
                "status" | "approvals" | "events" | "runs" | "policy" | "remembered",
                ..,
            ],
        ) => Ok(error(405, "method not allowed or unknown endpoint")),
        _ => Ok(error(404, "unknown endpoint")),
    };
    result.unwrap_or_else(|e| error(500, e.to_string()))
}

fn decide(state: &State, db: &Store, id: &str, verb: &str, body: &[u8]) -> Reply {
    let Ok(id) = id.parse::<i64>() else {
        return error(400, "the review id must be a number");
    };
    let (allow, remember) = match verb {
        "approve" => (true, false),
        "deny" => (false, false),
        "remember" => (true, true),
        _ => return error(404, "use approve, deny or remember"),
    };
    let doc: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return error(400, "the body must be a JSON object"),
            Err(e) => return error(400, format!("the body is not JSON: {e}")),
        }
    };
    for key in doc.as_object().map(|o| o.keys()).into_iter().flatten() {
        if !matches!(key.as_str(), "reason" | "argv_prefix" | "path_prefix") {
            return error(400, format!("unknown key {key:?}"));
        }
    }
    let reason = match doc.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= 1000 => Some(s.clone()),
        Some(_) => return error(400, "reason must be a string of at most 1000 bytes"),
    };
    let argv_prefix = match doc.get("argv_prefix") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return error(400, "argv_prefix must be a positive integer"),
        },
    };
    let path_prefix = match doc.get("path_prefix") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return error(400, "path_prefix must be a string"),
    };
    let widened = argv_prefix.is_some() || path_prefix.is_some();
    if widened && !remember {
        return error(400, "argv_prefix and path_prefix apply to remember only");
    }
    let answer = Answer {
        id,
        allow,
        remember: remember.then_some(Widen {
            argv_prefix,
            path_prefix,
        }),
        by: state.user.clone(),
        via: ReviewVia::Dashboard,
        reason,
    };
    match review::answer(&state.home, db, &answer) {
        Ok(d) => json_reply(
            200,
            &json!({
                "id": id,
                "verdict": if allow { "approved" } else { "denied" },
                "review_event": d.review_event,
                "remembered": d.allowance.map(|a| json!({"id": a.id, "explain": a.explain()})),
            }),
        ),
        Err(e @ AnswerError::NotFound(_)) => error(404, e.to_string()),
        Err(e @ AnswerError::NotPending { .. }) => error(409, e.to_string()),
        Err(e @ AnswerError::Remember { .. }) => error(400, e.to_string()),
        Err(e @ AnswerError::Audit(_)) => error(500, e.to_string()),
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn events(db: &Store, query: &str) -> Reply {
    let mut f = EventFilter {
        limit: Some(200),
        ..EventFilter::default()
    };
    let mut tail = false;
    for (k, v) in query_pairs(query) {
        if v.is_empty() {
            continue;
        }
        let bad = |what: &str| error(400, format!("{k}={v:?}: {what}"));
        match k.as_str() {
            "run" => match v.parse() {
                Ok(n) => f.run_id = Some(n),
                Err(_) => return bad("a run id"),
            },
            "decision" => match v.parse::<Decision>() {
                Ok(d) => f.decision = Some(d),
                Err(_) => return bad("allow, review or block"),
            },
            "layer" => match v.parse::<Layer>() {
                Ok(l) => f.layer = Some(l),
                Err(_) => return bad("hook, api, syscall, review or system"),
            },
            "unexplained" => match v.as_str() {
                "true" | "1" => f.unexplained = Some(true),
                "false" | "0" => f.unexplained = Some(false),
                _ => return bad("true or false"),
            },
            "after" => match v.parse() {
                Ok(n) => f.after_id = Some(n),
                Err(_) => return bad("an event id"),
            },
            "limit" => match v.parse::<u32>() {
                Ok(n) if n > 0 => f.limit = Some(n.min(MAX_EVENTS)),
                _ => return bad("a positive number"),
            },
            "tail" => tail = v == "true" || v == "1",
            _ => return error(400, format!("unknown parameter {k:?}")),
        }
    }
    // Without `after`, `tail` gives the newest events rather than the first.
    if tail && f.after_id.is_none() {
        match db.events(&EventFilter {
            limit: None,
            ..f.clone()
        }) {
            Ok(all) => {
                let n = f.limit.map_or(all.len(), |l| l as usize);
                let start = all.len().saturating_sub(n);
                return json_reply(
                    200,
                    &Value::Array(all[start..].iter().map(|e| e.to_json()).collect()),
                );
            }
            Err(e) => return error(500, e.to_string()),
        }
    }
    match db.events(&f) {
        Ok(evs) => json_reply(
            200,
            &Value::Array(evs.iter().map(|e| e.to_json()).collect()),
        ),
        Err(e) => error(500, e.to_string()),
    }
}

/// Runs with their counts, exit status and chain status (verified for the
/// 20 most recent).
fn runs(db: &Store) -> Result<Reply, audit::AuditError> {
    let runs = db.list_runs()?;
    let n = runs.len();
    let out: Vec<Value> = runs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, r)| {
            let mut v = r.to_json();
            v["chain"] = if i + 20 >= n {
                match db.verify_run(r.id) {
                    Ok(rep) => rep.to_json(),
                    Err(e) => json!({"ok": false, "error": e.to_string()}),
                }
            } else {
                Value::Null
            };
            v
        })
        .collect();
    Ok(json_reply(200, &Value::Array(out)))
}

fn policy(state: &State) -> Reply {
    let parsed: Value = serde_json::from_str(&state.policy.text).unwrap_or(Value::Null);
    let overlay = Overlay::load(&state.home)
        .map(|o| o.to_json())
        .unwrap_or_else(|e| json!({"error": e.to_string()}));
    json_reply(
        200,
        &json!({
            "origin": state.policy.origin,
            "policy": parsed,
            "text": state.policy.text,
            "overlay": overlay,
        }),
    )
}
