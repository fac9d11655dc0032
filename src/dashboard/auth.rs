//! The dashboard's bearer token: random, compared in constant time,
//! with failures rate limited per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per address within [`WINDOW`] before every request
/// from it is refused with 429.
pub const MAX_FAILURES: usize = 10;
/// The sliding window of the failure count.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most (oldest forgotten first).
const MAX_ADDRS: usize = 4096;

/// A fresh token: 32 random bytes, hex.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Constant-time equality: the time depends only on the lengths.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    // Keep the fold from being short-circuited.
    std::hint::black_box(diff) == 0
}

/// The token presented in an `Authorization` header, if well-formed.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Failed attempts per client address.
#[derive(Debug, Default)]
pub struct Limiter {
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl Limiter {
    /// True when `addr` has failed too often recently.
    pub fn limited(&self, addr: IpAddr) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            return true;
        };
        let now = Instant::now();
        match map.get_mut(&addr) {
            Some(v) => {
                v.retain(|t| now.duration_since(*t) < WINDOW);
                v.len() >= MAX_FAILURES
            }
            None => false,
        }
    }

    /// Counts a failed attempt from `addr`.
    pub fn fail(&self, addr: IpAddr) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        let now = Instant::now();
        if map.len() >= MAX_ADDRS && !map.contains_key(&addr) {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
            if map.len() >= MAX_ADDRS {
                // Still full of live entries: forget one rather than grow.
                if let Some(k) = map.keys().next().copied() {
                    map.remove(&k);
                }
            }
        }
        let v = map.entry(addr).or_default();
        v.retain(|t| now.duration_since(*t) < WINDOW);
        v.push(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_and_parse() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert!(same(t.as_bytes(), t.clone().as_bytes()));
        assert!(!same(t.as_bytes(), &t.as_bytes()[1..]));
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn failures_are_limited_per_address() {
        let l = Limiter::default();
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        for _ in 0..MAX_FAILURES {
            assert!(!l.limited(a));
            l.fail(a);
        }
        assert!(l.limited(a));
        assert!(!l.limited(b));
    }
}
