//! Guided runbooks (docs/RUNBOOKS.md): Markdown documents under `docs/runbooks/` with YAML front matter whose
//! `##` headings are steps, each with prose and fenced blocks (`check`, `action`, `confirm`, `record`,
//! `on-failure`, `next`), walked against one bound target.
//!
//! - [`model`]: the validated types ([`Runbook`], [`Step`], [`Block`]);
//! - [`markdown`]: Markdown → front matter, steps and fenced blocks with their lines (pulldown-cmark);
//! - [`load`]: the blocks' YAML → model, every problem as `file:line: problem`; [`validate`]: actions,
//!   inputs, templates, branches and reachability checked at load; [`library`]: the shipped runbooks;
//! - [`bind`]: a runbook bound to a target and inputs (template values);
//! - [`check`]: a check's condition evaluated over what is observed ([`World`]), pure and cheap;
//! - [`walk`]: the walker, a pure state machine over steps, the clock and cluster changes, answering with
//!   effects as data; [`store`]: the walk's state in the data directory (fsync after every step) and the
//!   one-walk-per-target lock; [`transcript`]: the Markdown transcript of a walk.
//!
//! Pure except [`store`] (files) and [`library`] (reading user directories). Actions are never run here: a walk
//! asks for them as [`walk::Effect::RunAction`], and the caller runs them through `execution::Executor`.

pub mod bind;
pub mod check;
pub mod library;
pub mod load;
pub mod markdown;
pub mod model;
pub mod store;
pub mod transcript;
pub mod validate;
pub mod walk;

pub use bind::Binding;
pub use check::{Observation, World};
pub use model::{Block, Runbook, Step};
pub use walk::{Effect, Walk};
