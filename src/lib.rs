//! IronGate: deterministic runtime security for Python AI agents.
//!
//! The supervisor (this crate's binary) holds every piece of trusted state:
//! the policy engine, the audit log and the review queue. The agent runs in a
//! forked child with an embedded CPython whose native audit hook reports
//! intents over IPC (`ipc`), decided by the supervisor (`supervisor`), under
//! a seccomp filter whose notifications the supervisor answers (`backstop`).

pub mod action;
pub mod audit;
pub mod backstop;
pub mod child;
pub mod cli;
pub mod dashboard;
pub mod decision;
pub mod doctor;
pub mod exit;
pub mod home;
pub mod ipc;
pub mod pathname;
pub mod policy;
pub mod replay;
pub mod review;
pub mod supervisor;
pub mod terminal;
pub mod timing;
