//! The outcome of a decision and the rule that made it: one type each,
//! shared by the policy engine, the IPC protocol and the audit log.
//!
//! They live here, not in `policy` or `audit`, because `policy` already uses
//! `audit` (overlay timestamps): either owning them would make the other
//! depend back on it. Both modules re-export them under their old paths.
//!
//! The spellings are stable: the audit log stores and hashes them, the IPC
//! reply carries them and the bootstrap compares them as Python strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What happens to an operation. Serialises as `"allow"`, `"review"` or
/// `"block"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// It proceeds.
    Allow,
    /// It waits for a human (R-50).
    Review,
    /// It fails with a permission error.
    Block,
}

impl Decision {
    /// Every value, least restrictive first.
    pub const ALL: &'static [Decision] = &[Decision::Allow, Decision::Review, Decision::Block];

    /// `allow`, `review` or `block`: the stored, sent and printed spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Review => "review",
            Decision::Block => "block",
        }
    }

    /// How restrictive the decision is: allow < review < block.
    pub fn rank(self) -> u8 {
        match self {
            Decision::Allow => 0,
            Decision::Review => 1,
            Decision::Block => 2,
        }
    }

    /// Parses `allow`, `review` or `block`.
    pub fn from_name(s: &str) -> Option<Decision> {
        Decision::ALL.iter().copied().find(|d| d.as_str() == s)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Decision::from_name(s)
            .ok_or_else(|| format!("unknown decision {s:?}: expected one of allow, review, block"))
    }
}

/// Which rule decided: its 0-based index in the policy's `rules` and its
/// name. Serialises as `{"index": N, "name": string or null}`.
///
/// Fields are declared in key order: the audit log's canonical body depends
/// on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    /// 0-based index in the policy's `rules`.
    pub index: usize,
    /// The rule's `name`, if it has one.
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_through_text_and_json() {
        for &d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>(), Ok(d));
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), d);
        }
        assert_eq!(
            "Allow".parse::<Decision>().unwrap_err(),
            "unknown decision \"Allow\": expected one of allow, review, block"
        );
        assert!(serde_json::from_str::<Decision>("\"deny\"").is_err());
    }

    #[test]
    fn rank_orders_by_restriction() {
        let ranks: Vec<u8> = Decision::ALL.iter().map(|d| d.rank()).collect();
        assert_eq!(ranks, [0, 1, 2]);
    }

    #[test]
    fn rule_ref_json_shape() {
        let r = RuleRef {
            index: 3,
            name: Some("x".into()),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"index":3,"name":"x"}"#
        );
        let none: Option<RuleRef> = None;
        assert_eq!(serde_json::to_string(&none).unwrap(), "null");
    }
}
