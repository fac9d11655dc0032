//! IronGate: deterministic runtime security for Python AI agents.
//!
//! The supervisor (this crate's binary) holds every piece of trusted state:
//! the policy engine, the audit log and the review queue. The agent runs in a
//! forked child with an embedded CPython whose native audit hook reports
//! intents over IPC, under a seccomp user-notification filter that sends its
//! sensitive syscalls to the supervisor.

pub mod action;
pub mod audit;
pub mod cli;
pub mod home;
pub mod policy;
pub mod supervisor;
