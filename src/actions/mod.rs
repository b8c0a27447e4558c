//! The action catalog as data (`policies/actions.yaml`, docs/ACTIONS.md): what fluxops can change, with typed,
//! bounded parameters, target kinds, executor (`direct` patch or `job`), the Job's kubectl command template, the
//! RBAC it needs, timeouts, rollback information and pre/postconditions from a fixed vocabulary.
//!
//! - [`spec`]: the validated types ([`ActionSpec`], [`Catalog`]); [`load`]: YAML → catalog, every problem as
//!   `file:line: problem`;
//! - [`kind`]: the kinds an action can target; [`target`]: `Kind/ns/name` and what is known about a target;
//! - [`params`]: parameter values checked against their bounds, secrets held so they cannot be printed;
//! - [`template`]: `{{placeholder}}` templates; [`plan`]: one planned execution ([`Plan`]).
//!
//! Pure: no cluster I/O (executing, dry-run and permission checks come later and take a [`Plan`]). Not to be
//! confused with `app::Action`, the console's key intents.

pub mod kind;
pub mod load;
pub mod params;
pub mod plan;
pub mod spec;
pub mod target;
pub mod template;

pub use kind::TargetKind;
pub use params::{ParamValue, ParamValues, SecretValue};
pub use plan::{ExecutionId, Plan};
pub use spec::{ActionSpec, Catalog, Executor};
pub use target::{Target, TargetFacts, TargetRef};
