//! The action model (SPEC §4). (stub: owned by the policy work)
