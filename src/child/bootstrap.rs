//! The `bootstrap/` Python package, embedded in the binary as code objects
//! compiled at build time (see `src/build.rs`) and served to the agent's
//! interpreter by a meta-path finder (no file is written anywhere).

macro_rules! compiled {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".marshal"))
    };
}

/// (module name, marshalled code, is package)
const MODULES: &[(&str, &[u8], bool)] = &[
    ("irongate", compiled!("irongate"), true),
    ("irongate._enrich", compiled!("irongate._enrich"), false),
    (
        "irongate._frameworks",
        compiled!("irongate._frameworks"),
        false,
    ),
    ("agentshield", compiled!("agentshield"), true),
];

/// Code run once after the interpreter initialises, before the agent's code.
pub const BOOT: &[u8] = compiled!("irongate._boot");

/// Marshalled code of an embedded module and whether it is a package.
pub fn code(name: &str) -> Option<(&'static [u8], bool)> {
    MODULES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, code, pkg)| (*code, *pkg))
}
