//! Pure Flux domain knowledge: kinds, identities, the typed fields we read, status derivation, inventory ids.
//! No kube client and no drawing here.

pub mod api;
pub mod event;
pub mod kind;
pub mod resource_ref;
pub mod status;

pub use api::FluxObject;
pub use event::{EventType, FluxEvent};
pub use kind::FluxKind;
pub use resource_ref::ResourceRef;
pub use status::{Health, StatusSummary};
