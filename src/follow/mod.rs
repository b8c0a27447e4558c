//! `fluxops follow`: after a `git push`, wait until every Kustomization and HelmRelease fed by a source at the
//! pushed revision is Ready at it, printing one line per change; exit 0 (all Ready), 1 (a failure), 2 (timeout)
//! or 3 (cannot follow). Definitions and the `.fluxops.yaml` file: docs/follow.md.
//!
//! - `revision`: the followed revision and which Flux revision strings carry it.
//! - `rules`: which objects a source at the revision feeds, and when one is at the revision (graph edges).
//! - `tracker`: the pure core, fed with `ClusterEvent`s and the time, producing `FollowLine`s and a `Verdict`.
//! - `why`: why an object is not ready when follow stops (stuck, reconciling, blocked, pending).
//! - `line`: the lines and summary (data); `output`: text or JSON rendering.
//! - `settings`: `.fluxops.yaml`; `driver`: the async loop over the cluster watchers.
//!
//! It shares the console's code: watchers from `crate::cluster`, the `crate::graph::Graph` (edges, root
//! causes), `crate::flux::status` (health), `crate::timing` (stuck, overdue) and
//! `crate::diagnosis::diagnose_object` (failures).

pub mod driver;
pub mod fleet;
pub mod line;
pub mod output;
pub mod revision;
pub mod rules;
pub mod settings;
pub mod tracker;
pub mod why;

#[cfg(test)]
mod tests;

pub use line::{Change, FollowLine, Outcome, State, Summary, Verdict};
pub use output::{Format, Renderer};
pub use revision::{RevisionError, TargetRevision};
pub use settings::{ColorMode, FollowSettings};
pub use tracker::{Tracker, TrackerOptions};
