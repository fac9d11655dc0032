//! `irongate policy suggest`: learn mode.
