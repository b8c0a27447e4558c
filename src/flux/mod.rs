//! Pure Flux domain knowledge: kinds, identities, the typed fields we read, status derivation, inventory ids,
//! the live status of applied objects (`live_status`, kstatus rules), what a spec says about where content comes
//! from (`spec_facts`, names only), loading Flux objects from a GitOps repository directory (`repo`, the only file
//! I/O here), and credentials masked where decoded text enters (`redact`); the chain from an applied object to its
//! applier and source (`trace`) and the controllers' log lines (`controller_log`).
//! No kube client and no drawing here.

pub mod api;
pub mod controller_log;
pub mod duration;
pub mod event;
pub mod inventory;
pub mod kind;
pub mod live_status;
pub mod redact;
pub mod repo;
pub mod repo_build;
pub mod repo_context;
pub mod repo_patch;
pub mod repo_walk;
pub mod resource_ref;
pub mod retry;
pub mod spec_facts;
pub mod status;
pub mod trace;
pub mod yaml_span;

pub use api::FluxObject;
pub use event::{EventType, FluxEvent};
pub use inventory::{InventoryId, InventoryIdError};
pub use kind::FluxKind;
pub use resource_ref::ResourceRef;
pub use status::{Health, StatusSummary};
