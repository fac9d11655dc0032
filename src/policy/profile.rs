//! Capability profiles (SPEC R-32) and the capability catalogue.

use super::PolicyError;

/// Every capability name a rule's `capabilities` list may use. The R-32
/// list plus the original's informational ones, so that its policies load.
pub const CATALOGUE: &[&str] = &[
    "file.read",
    "file.read.sensitive",
    "file.write",
    "file.write.dangerous",
    "file.delete",
    "file.execute",
    "network.dns",
    "network.http",
    "network.external",
    "network.socket",
    "process.exec",
    "process.dangerous_exec",
    "process.env_access",
    "credential.read",
    "credential.exfiltrate",
    "tool.invoke",
    "tool.invoke.dangerous",
    "destructive.delete",
    "destructive.payment",
    "destructive.access_control",
];

/// The names of the built-in profiles, in the order messages list them.
pub const PROFILE_NAMES: &[&str] = &["sandboxed", "read_only", "trusted", "minimal"];

/// A named set of granted capabilities. A grant is a capability name, `X.*`
/// (every capability under `X.`) or `*` (everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: String,
    grants: Vec<String>,
}

impl Profile {
    /// A profile with explicit grants (sorted and deduplicated).
    pub fn new(name: &str, grants: &[&str]) -> Profile {
        let mut grants: Vec<String> = grants.iter().map(|g| (*g).to_owned()).collect();
        grants.sort();
        grants.dedup();
        Profile {
            name: name.to_owned(),
            grants,
        }
    }

    /// One of the built-in profiles of R-32.
    pub fn from_name(name: &str) -> Result<Profile, PolicyError> {
        let grants: &[&str] = match name {
            "sandboxed" => &[
                "file.read",
                "network.dns",
                "process.env_access",
                "tool.invoke",
            ],
            "read_only" => &[
                "file.read",
                "network.dns",
                "network.http",
                "process.env_access",
                "tool.invoke",
            ],
            "trusted" => &[
                "file.*",
                "network.*",
                "process.*",
                "tool.*",
                "credential.read",
            ],
            "minimal" => &["tool.invoke"],
            _ => {
                return Err(PolicyError::UnknownProfile {
                    name: name.to_owned(),
                    hint: match super::suggest::closest(name, PROFILE_NAMES.iter().copied()) {
                        Some(s) => format!(
                            "did you mean \"{s}\"? profiles: {}",
                            PROFILE_NAMES.join(", ")
                        ),
                        None => format!("use one of: {}", PROFILE_NAMES.join(", ")),
                    },
                });
            }
        };
        Ok(Profile::new(name, grants))
    }

    /// The built-in default profile, `sandboxed`.
    pub fn sandboxed() -> Profile {
        Profile::new(
            "sandboxed",
            &[
                "file.read",
                "network.dns",
                "process.env_access",
                "tool.invoke",
            ],
        )
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The grants, sorted.
    pub fn grants(&self) -> &[String] {
        &self.grants
    }

    /// Whether the profile grants `cap`: exactly, by an `X.*` grant with
    /// `cap` under `X.`, or by `*`.
    pub fn has(&self, cap: &str) -> bool {
        self.grants.iter().any(|g| grant_covers(g, cap))
    }

    /// The capabilities both profiles grant. The result is never wider than
    /// either side, so `shield.protect()` can only narrow.
    pub fn intersect(&self, other: &Profile) -> Profile {
        // A grant from one side survives when the other side covers all of
        // it; as grants are prefix sets, a capability granted by both sides
        // is covered by the narrower of the two grants, which survives.
        let mut grants: Vec<String> = Vec::new();
        for (mine, theirs) in [(self, other), (other, self)] {
            for g in &mine.grants {
                if theirs.grants.iter().any(|t| grant_covers(t, g)) {
                    grants.push(g.clone());
                }
            }
        }
        grants.sort();
        grants.dedup();
        Profile {
            name: format!("{}&{}", self.name, other.name),
            grants,
        }
    }
}

/// Whether grant `g` covers `what`, a capability name or another grant.
fn grant_covers(g: &str, what: &str) -> bool {
    if g == "*" || g == what {
        return true;
    }
    match g.strip_suffix(".*") {
        Some(prefix) => {
            let inner = what.strip_suffix(".*").unwrap_or(what);
            // `file.*` covers `file.read` and `file.read.*`, not `file` or `files.x`.
            inner.len() > prefix.len()
                && inner.starts_with(prefix)
                && inner.as_bytes()[prefix.len()] == b'.'
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles() {
        let s = Profile::from_name("sandboxed").unwrap();
        assert!(s.has("file.read") && !s.has("file.write") && !s.has("file.read.sensitive"));
        let t = Profile::from_name("trusted").unwrap();
        assert!(t.has("file.read.sensitive") && t.has("tool.invoke.dangerous"));
        assert!(t.has("credential.read") && !t.has("credential.exfiltrate"));
        assert!(!t.has("unknown.gpu_job") && !t.has("file"));
        let err = Profile::from_name("sandbox").unwrap_err().to_string();
        assert!(
            err.contains("sandboxed") && err.contains("minimal"),
            "{err}"
        );
        assert!(Profile::new("all", &["*"]).has("anything.at.all"));
    }

    #[test]
    fn intersect_never_widens() {
        let t = Profile::from_name("trusted").unwrap();
        let s = Profile::from_name("sandboxed").unwrap();
        let i = t.intersect(&s);
        assert!(i.has("file.read") && i.has("tool.invoke"));
        assert!(i.has("process.env_access") && !i.has("file.write") && !i.has("network.http"));
        let narrow = Profile::new("x", &["file.read.*", "network.*"]);
        let j = Profile::new("y", &["file.*", "network.http"]).intersect(&narrow);
        assert!(j.has("file.read.sensitive") && j.has("network.http"));
        assert!(!j.has("file.read") && !j.has("network.dns") && !j.has("file.write"));
        let all = Profile::new("all", &["*"]);
        assert_eq!(all.intersect(&s).grants(), s.grants());
        for cap in CATALOGUE {
            for (a, b) in [(&t, &s), (&narrow, &t), (&all, &narrow)] {
                assert_eq!(a.intersect(b).has(cap), a.has(cap) && b.has(cap), "{cap}");
            }
        }
    }
}
