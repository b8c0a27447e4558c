//! Snapshots of the cluster's Flux state (docs/SNAPSHOTS.md): taken, listed, shown, compared with the live
//! cluster and restored. A snapshot is the Flux objects of every served kind (and, asked for, the live objects
//! their inventories list) without server-managed fields and never a Secret, in a directory with a manifest
//! holding the SHA-256 of every file; a snapshot whose files do not match is refused, naming the file.
//!
//! - [`object`]: an object's identity and what is kept of it (pure);
//! - [`manifest`]: the manifest format (pure);
//! - [`store`]: the directory on disk: written whole or not at all, read through `bounded_file` and verified;
//! - [`capture`]: reading the cluster, all lists at one resourceVersion (through `cluster::snapshot_list`);
//! - [`diff`]: snapshot against live, field by field (pure);
//! - [`select`]: `--only` patterns (pure).
//!
//! Restoring mutates, so it is not here: it is `execution::restore`, the one mutating path.
//! Must not live here: mutating requests, drawing.

pub mod capture;
pub mod diff;
pub mod manifest;
pub mod object;
pub mod select;
pub mod store;

pub use diff::{Diff, FieldChange};
pub use manifest::Manifest;
pub use object::ObjectKey;
pub use store::{LoadError, Snapshot};
