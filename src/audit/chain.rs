//! The canonical event body and the hash chain.
//!
//! An event's body is the JSON object of every stored field except the hashes
//! — `action`, `decision`, `frame`, `id`, `layer`, `pid`, `reason`,
//! `review_of`, `rule`, `run_id`, `tid`, `ts`, `unexplained`, `verdict` — with
//! keys sorted at every level and no whitespace: exactly what
//! `serde_json::to_string` gives for the same `serde_json::Value`. The body
//! text is stored as is and is what gets hashed, so verification never
//! re-serialises anything:
//!
//! `hash = SHA-256(prev_hash ‖ body)`, `prev_hash` being the previous event's
//! hash as 32 raw bytes ([`GENESIS`], all zero, for the first event). Hashes
//! are stored as 64 lowercase hex digits.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::AuditError;
use super::model::{Decision, Layer, NewEvent, RuleRef, Verdict};

/// A SHA-256 digest.
pub type Digest = [u8; 32];

/// The `prev_hash` of the first event.
pub const GENESIS: Digest = [0; 32];

/// [`GENESIS`] in hex, as stored.
pub const GENESIS_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `SHA-256(prev ‖ body)`.
pub fn link(prev: &Digest, body: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(body);
    h.finalize().into()
}

/// Lowercase hex of a digest.
pub fn to_hex(d: &Digest) -> String {
    hex::encode(d)
}

/// Lowercase hex of a digest into a stack buffer (verification compares
/// millions of these and should not allocate for each).
pub fn hex_into(d: &Digest, out: &mut [u8; 64]) {
    // Cannot fail: the buffer is exactly twice the digest length.
    let _ = hex::encode_to_slice(d, out);
}

/// Parses 64 hex digits.
pub fn from_hex(s: &str) -> Option<Digest> {
    let mut d = [0u8; 32];
    hex::decode_to_slice(s, &mut d).ok()?;
    Some(d)
}

/// SHA-256 (hex) of an action's canonical JSON: what an approval is bound to.
pub fn action_digest(action: &Value) -> String {
    // A Value's maps are sorted, so this is the canonical form.
    let text = action.to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The keys of the body before `id`, in order. Declared in key order so that
/// serde writes them sorted.
#[derive(Serialize)]
struct BodyHead<'a> {
    action: &'a Value,
    decision: Decision,
    frame: Option<&'a str>,
}

/// The keys of the body after `id`, in order.
#[derive(Serialize)]
struct BodyTail<'a> {
    layer: Layer,
    pid: u32,
    reason: &'a str,
    review_of: Option<i64>,
    rule: Option<&'a RuleRef>,
    run_id: i64,
    tid: u32,
    ts: f64,
    unexplained: bool,
    verdict: Option<&'a Verdict>,
}

/// The whole body, for decoding a stored event.
#[derive(Deserialize)]
pub(crate) struct Body {
    pub action: Value,
    pub decision: Decision,
    pub frame: Option<String>,
    pub id: i64,
    pub layer: Layer,
    pub pid: u32,
    pub reason: String,
    pub review_of: Option<i64>,
    pub rule: Option<RuleRef>,
    pub run_id: i64,
    pub tid: u32,
    pub ts: f64,
    pub unexplained: bool,
    pub verdict: Option<Verdict>,
}

/// Only the body keys that are duplicated into filter columns; verification
/// decodes this, skipping the action without building it.
#[derive(Deserialize)]
pub(crate) struct BodyKeys {
    pub decision: Decision,
    pub id: i64,
    pub layer: Layer,
    pub review_of: Option<i64>,
    pub run_id: i64,
    pub unexplained: bool,
}

/// Decodes the filter keys of a body.
///
/// In a canonical body every key after `action` sits in a short tail of fixed
/// layout that holds no other `"decision"` key (strings cannot contain an
/// unescaped quote), so the tail starts at the last `},"decision":"`.
/// Reading just the tail, with a scanner for that layout, avoids walking the
/// agent-sized action; anything unexpected falls back to a full parse. For a
/// body the writer produced both give the same keys; an edited body may read
/// differently, but its hash fails anyway.
pub(crate) fn body_keys(body: &[u8]) -> Result<BodyKeys, serde_json::Error> {
    const MARK: &[u8] = b"},\"decision\":\"";
    let mut end = body.len();
    while let Some(i) = body[..end].iter().rposition(|&b| b == b'}') {
        if body[i..].starts_with(MARK) {
            if let Some(keys) = Tail::new(&body[i + 1..]).keys() {
                return Ok(keys);
            }
            break;
        }
        end = i;
    }
    serde_json::from_slice(body)
}

/// A scanner over the canonical tail `,"decision":…,"verdict":…}`.
struct Tail<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Tail<'a> {
    fn new(b: &'a [u8]) -> Tail<'a> {
        Tail { b, i: 0 }
    }

    fn keys(mut self) -> Option<BodyKeys> {
        self.key(b",\"decision\":")?;
        let decision = match self.word()? {
            b"allow" => Decision::Allow,
            b"review" => Decision::Review,
            b"block" => Decision::Block,
            _ => return None,
        };
        self.key(b",\"frame\":")?;
        self.string_or_null()?;
        self.key(b",\"id\":")?;
        let id = self.int()?;
        self.key(b",\"layer\":")?;
        let layer = match self.word()? {
            b"hook" => Layer::Hook,
            b"api" => Layer::Api,
            b"syscall" => Layer::Syscall,
            b"review" => Layer::Review,
            b"system" => Layer::System,
            _ => return None,
        };
        self.key(b",\"pid\":")?;
        self.int()?;
        self.key(b",\"reason\":")?;
        self.string()?;
        self.key(b",\"review_of\":")?;
        let review_of = if self.key(b"null").is_some() {
            None
        } else {
            Some(self.int()?)
        };
        self.key(b",\"rule\":")?;
        if self.key(b"null").is_none() {
            self.key(b"{\"index\":")?;
            self.int()?;
            self.key(b",\"name\":")?;
            self.string_or_null()?;
            self.key(b"}")?;
        }
        self.key(b",\"run_id\":")?;
        let run_id = self.int()?;
        self.key(b",\"tid\":")?;
        self.int()?;
        self.key(b",\"ts\":")?;
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            self.i += 1;
        }
        (self.i > start).then_some(())?;
        self.key(b",\"unexplained\":")?;
        let unexplained = if self.key(b"true").is_some() {
            true
        } else {
            self.key(b"false")?;
            false
        };
        self.key(b",\"verdict\":")?;
        // The verdict is not a filter key; its shape is the hash's business.
        let rest = &self.b[self.i..];
        (rest == b"null}" || (rest.starts_with(b"{") && rest.ends_with(b"}}"))).then_some(())?;
        Some(BodyKeys {
            decision,
            id,
            layer,
            review_of,
            run_id,
            unexplained,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn key(&mut self, lit: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(lit)
            .then(|| self.i += lit.len())
    }

    /// A string without escapes (the enum values).
    fn word(&mut self) -> Option<&'a [u8]> {
        self.key(b"\"")?;
        let len = self.b[self.i..].iter().position(|&c| c == b'"')?;
        let w = &self.b[self.i..self.i + len];
        self.i += len + 1;
        (!w.contains(&b'\\')).then_some(w)
    }

    fn string(&mut self) -> Option<()> {
        self.key(b"\"")?;
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
    }

    fn string_or_null(&mut self) -> Option<()> {
        if self.key(b"null").is_some() {
            return Some(());
        }
        self.string()
    }

    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

/// An event serialised except for its id, which only the writer knows.
///
/// The writer thread renders each event as it takes it from its queue
/// (the deciding thread only [`check`](PreparedEvent::check)s it), before
/// its write transaction, which only splices in the id and hashes.
#[derive(Debug, Clone)]
pub struct PreparedEvent {
    pub(crate) run_id: i64,
    pub(crate) decision: Decision,
    pub(crate) layer: Layer,
    pub(crate) unexplained: bool,
    pub(crate) review_of: Option<i64>,
    /// `{"action":…,"decision":…,"frame":…` then `"layer":…}`: the body
    /// without its id, split at `split` (one allocation per event).
    text: String,
    split: usize,
}

impl PreparedEvent {
    /// Checks that an event can be logged (an error: the operation it
    /// records must be refused).
    pub fn check(ev: &NewEvent) -> Result<(), AuditError> {
        let invalid = |what: String| AuditError::InvalidEvent {
            run_id: ev.run_id,
            what,
        };
        if !ev.action.is_object() {
            return Err(invalid(format!(
                "the action must be a JSON object, not {}",
                ev.action
            )));
        }
        if !ev.ts.is_finite() {
            return Err(invalid(format!("ts is not a finite number: {}", ev.ts)));
        }
        match (ev.layer, &ev.review_of, &ev.verdict) {
            (Layer::Review, Some(_), Some(v)) => {
                if v.decision == Decision::Review {
                    return Err(invalid("a verdict must be allow or block".into()));
                }
                if !v.at.is_finite() {
                    return Err(invalid(format!("verdict.at is not finite: {}", v.at)));
                }
            }
            (Layer::Review, _, _) => {
                return Err(invalid(
                    "a review layer event needs review_of and verdict".into(),
                ));
            }
            (_, None, None) => {}
            (layer, _, _) => {
                return Err(invalid(format!(
                    "review_of and verdict belong to review layer events, not {layer}"
                )));
            }
        }
        Ok(())
    }

    /// Validates and serialises an event.
    pub fn new(ev: &NewEvent) -> Result<PreparedEvent, AuditError> {
        Self::check(ev)?;
        let invalid = |what: String| AuditError::InvalidEvent {
            run_id: ev.run_id,
            what,
        };
        let head = BodyHead {
            action: &ev.action,
            decision: ev.decision,
            frame: ev.frame.as_deref(),
        };
        let tail = BodyTail {
            layer: ev.layer,
            pid: ev.pid,
            reason: &ev.reason,
            review_of: ev.review_of,
            rule: ev.rule.as_ref(),
            run_id: ev.run_id,
            tid: ev.tid,
            ts: ev.ts,
            unexplained: ev.unexplained,
            verdict: ev.verdict.as_ref(),
        };
        let ser = |e: serde_json::Error| invalid(format!("cannot serialise: {e}"));
        let mut text = Vec::with_capacity(512);
        serde_json::to_writer(&mut text, &head).map_err(ser)?;
        // Both are non-empty objects: drop the braces where `"id"` goes.
        text.pop();
        let split = text.len();
        serde_json::to_writer(&mut text, &tail).map_err(ser)?;
        text.remove(split);
        // serde_json writes UTF-8.
        let text = String::from_utf8(text).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
        Ok(PreparedEvent {
            run_id: ev.run_id,
            decision: ev.decision,
            layer: ev.layer,
            unexplained: ev.unexplained,
            review_of: ev.review_of,
            text,
            split,
        })
    }

    /// Length of the body without its id.
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Writes the canonical body with its id into `out` (cleared first).
    pub fn render(&self, id: i64, out: &mut String) {
        use std::fmt::Write as _;
        out.clear();
        out.reserve(self.text.len() + 32);
        let (head, tail) = self.text.split_at(self.split);
        out.push_str(head);
        // Writing into a String cannot fail.
        let _ = write!(out, ",\"id\":{id},");
        out.push_str(tail);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::audit::model::ReviewVia;

    fn sample() -> NewEvent {
        let mut ev = NewEvent::new(
            7,
            Layer::Hook,
            json!({"type": "file", "subtype": "read", "path": "/tmp/\"x\"\n", "z": [1, {"b": 2, "a": 1.5}]}),
            Decision::Review,
            "Sensitive file access requires approval",
        );
        ev.ts = 1_700_000_000.123_456;
        ev.rule = Some(RuleRef {
            index: 3,
            name: Some("secrets".into()),
        });
        ev.frame = Some("agent.py:12".into());
        ev
    }

    #[test]
    fn body_is_the_canonical_json_of_its_value() {
        let p = PreparedEvent::new(&sample()).expect("valid event");
        let mut body = String::new();
        p.render(42, &mut body);
        let value: Value = serde_json::from_str(&body).expect("body is JSON");
        // Sorted keys and no whitespace: re-serialising the parsed value gives
        // the same text, so anyone can recompute the hash from the value.
        assert_eq!(value.to_string(), body);
        assert_eq!(value["id"], 42);
        assert_eq!(value["run_id"], 7);
        assert_eq!(value["review_of"], Value::Null);
    }

    #[test]
    fn tail_keys_match_a_full_parse() {
        let mut ev = sample();
        // An action that itself has the body's keys must not confuse the tail parse.
        ev.action =
            json!({"type": "tool", "x": {"decision": "allow", "id": 1}, "decision": "allow"});
        ev.decision = Decision::Block;
        ev.unexplained = true;
        let p = PreparedEvent::new(&ev).expect("valid event");
        let mut body = String::new();
        p.render(9, &mut body);
        let keys = body_keys(body.as_bytes()).expect("keys");
        assert_eq!(keys.decision, Decision::Block);
        assert_eq!((keys.id, keys.run_id, keys.unexplained), (9, 7, true));
        assert!(
            Tail::new(&body.as_bytes()[body.rfind(",\"decision\"").unwrap_or(0)..])
                .keys()
                .is_some()
        );
        assert!(body_keys(b"{}").is_err());
    }

    #[test]
    fn tail_scanner_agrees_with_serde() {
        let tricky = "},\"decision\":\"allow\" \\ \u{1} é";
        for i in 0..40u32 {
            let mut ev = sample();
            ev.decision = [Decision::Allow, Decision::Review, Decision::Block][i as usize % 3];
            ev.layer = [Layer::Hook, Layer::Api, Layer::Syscall, Layer::System][i as usize % 4];
            ev.unexplained = i % 2 == 0;
            ev.reason = if i % 5 == 0 {
                tricky.into()
            } else {
                format!("r{i}")
            };
            ev.frame = (i % 3 != 0).then(|| format!("{tricky}:{i}"));
            ev.rule = (i % 4 != 0).then(|| RuleRef {
                index: i as usize,
                name: (i % 8 != 1).then(|| tricky.to_owned()),
            });
            ev.ts = f64::from(i) * 1e9 + 0.125;
            ev.action = json!({"type": "file", "path": tricky, "n": {"decision": "block"}});
            if i % 6 == 5 {
                ev.layer = Layer::Review;
                ev.review_of = Some(i64::from(i));
                ev.verdict = Some(Verdict {
                    at: 1.5,
                    by: tricky.into(),
                    reason: Some(tricky.into()),
                    timeout: i % 2 == 1,
                    decision: Decision::Block,
                    via: ReviewVia::Dashboard,
                });
            }
            let p = PreparedEvent::new(&ev).expect("valid event");
            let mut body = String::new();
            p.render(i64::from(i) + 1, &mut body);
            let at = body.rfind(",\"decision\":").unwrap_or(0);
            let fast = Tail::new(&body.as_bytes()[at..]).keys().expect("tail scan");
            let full: BodyKeys = serde_json::from_str(&body).expect("full parse");
            assert_eq!(
                (
                    fast.decision,
                    fast.id,
                    fast.layer,
                    fast.review_of,
                    fast.run_id,
                    fast.unexplained
                ),
                (
                    full.decision,
                    full.id,
                    full.layer,
                    full.review_of,
                    full.run_id,
                    full.unexplained
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn review_event_body_is_canonical() {
        let mut ev = sample();
        ev.layer = Layer::Review;
        ev.decision = Decision::Allow;
        ev.review_of = Some(41);
        ev.verdict = Some(Verdict {
            at: 1_700_000_001.5,
            by: "alice".into(),
            reason: None,
            timeout: false,
            decision: Decision::Allow,
            via: ReviewVia::Cli,
        });
        let p = PreparedEvent::new(&ev).expect("valid event");
        let mut body = String::new();
        p.render(43, &mut body);
        let value: Value = serde_json::from_str(&body).expect("body is JSON");
        assert_eq!(value.to_string(), body);
        assert_eq!(value["verdict"]["verdict"], "allow");
    }

    #[test]
    fn invalid_events_are_refused() {
        let mut ev = sample();
        ev.action = json!([1]);
        assert!(PreparedEvent::new(&ev).is_err());
        let mut ev = sample();
        ev.ts = f64::NAN;
        assert!(PreparedEvent::new(&ev).is_err());
        let mut ev = sample();
        ev.layer = Layer::Review;
        assert!(PreparedEvent::new(&ev).is_err());
    }

    #[test]
    fn hex_round_trip_and_genesis() {
        assert_eq!(to_hex(&GENESIS), GENESIS_HEX);
        let d = link(&GENESIS, b"{}");
        assert_eq!(from_hex(&to_hex(&d)), Some(d));
        let mut buf = [0u8; 64];
        hex_into(&d, &mut buf);
        assert_eq!(&buf[..], to_hex(&d).as_bytes());
        assert_eq!(from_hex("zz"), None);
    }
}
