//! The policy gate: Rego v1 policies (`policies/*.rego` embedded, plus the user's) evaluated with regorus into
//! a [`Decision`] (allow, deny reasons, warnings, confirmation level, break-glass plan). docs/POLICIES.md.
//!
//! - [`input`]: the input document (action, parameters, target, Flux owner, counts, operator, mode, time,
//!   break-glass); [`owner`]: the target's Flux owner from the graph;
//! - [`engine`]: loading and compiling the policies (file:line errors, user policies only in `user.<name>`);
//! - [`gate`]: [`Gate::decide`], which **fails closed**: any load or evaluation failure, timeout, undefined or
//!   malformed decision denies, saying why;
//! - [`decision`]: the decision and its digest; [`fixture`]: policy test cases (`fluxops policy test`).
//!
//! Load the gate before the console takes the terminal: regorus writes warnings to stderr while preparing.
//! No cluster I/O here.

pub mod decision;
pub mod engine;
pub mod fixture;
pub mod gate;
pub mod input;
pub mod owner;

pub use decision::{BreakGlassPlan, Confirmation, Decision};
pub use engine::{PolicyError, PolicySources};
pub use gate::Gate;
pub use input::{Mode, PolicyInput, Situation};

/// The user policy directory: `policies/` in the config directory (`FLUXOPS_CONFIG_DIR` or the platform's).
#[must_use]
pub fn user_dir() -> Option<std::path::PathBuf> {
    crate::config::ConfigPaths::discover().map(|p| p.dir.join("policies"))
}
