//! The audit log: an append-only JSON-lines file in the data directory (`audit.jsonl`), one record per policy
//! decision and per outcome, each carrying the SHA-256 of the previous record, so `fluxops audit --verify`
//! finds a removed, reordered or edited line (docs/ACTIONS.md, "Audit log").
//!
//! - [`record`]: the record types and the line format; secrets cannot reach a record (parameters go in as
//!   `ParamValues` and come out as digests);
//! - [`log`]: appending (locked, `fsync`ed; an error must stop the action before it mutates);
//! - [`verify`]: reading and chain verification.

pub mod log;
pub mod record;
pub mod verify;

pub use log::{Appended, AuditError, AuditLog};
pub use record::{Event, Outcome, Record};
pub use verify::{Verification, verify};
