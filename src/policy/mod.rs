//! Policy loading, validation and evaluation (SPEC §5). (stub)
pub mod cmd;
