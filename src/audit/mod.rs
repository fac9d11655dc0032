//! The audit log (SPEC §9). (stub)
pub mod cmd;
