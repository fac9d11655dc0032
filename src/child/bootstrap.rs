//! The `bootstrap/` Python package, embedded in the binary and served to the
//! agent's interpreter by a meta-path finder (no file is written anywhere).

/// (module name, source, is package)
const MODULES: &[(&str, &str, bool)] = &[
    (
        "irongate",
        include_str!("../../bootstrap/irongate/__init__.py"),
        true,
    ),
    (
        "irongate._enrich",
        include_str!("../../bootstrap/irongate/_enrich.py"),
        false,
    ),
    (
        "agentshield",
        include_str!("../../bootstrap/agentshield/__init__.py"),
        true,
    ),
];

/// Code run once after the interpreter initialises, before the agent's code.
pub const BOOT: &str = include_str!("../../bootstrap/irongate/_boot.py");

/// Source of an embedded module and whether it is a package.
pub fn source(name: &str) -> Option<(&'static str, bool)> {
    MODULES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, src, pkg)| (*src, *pkg))
}
