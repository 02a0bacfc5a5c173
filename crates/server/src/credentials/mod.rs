//! Secrets at rest and in the SASL exchange: argon2id password hashes
//! and SCRAM-SHA-256 keys (RFC 5802, RFC 7677). Pure functions, no state:
//! the accounts owner keeps the records, and the slow parts (hashing,
//! verifying) run off the async runtime, where the connection task puts
//! them (`state::checks`).

pub(crate) mod password;
pub(crate) mod scram;
