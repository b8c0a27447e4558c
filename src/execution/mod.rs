//! The one path that mutates the cluster: catalog → policy (fail closed) → permission check
//! (SelfSubjectAccessReview) → server-side dry-run → confirm → execute (a `direct` Flux control patch by the
//! operator's identity, or a Kubernetes Job under the action's ServiceAccount) → verify (postconditions) → audit
//! (the hash-chained log and a `FluxopsAction` Event on the target). docs/ACTIONS.md.
//!
//! - [`report`]: what callers are told (menu verdicts, the preparation shown before confirming, execution
//!   status), plain data shared with `app` and the CLI.
//! - Job actions: [`job_run`] (RBAC pre-flight, dry-run, start), [`job_follow`] (a Job to its end),
//!   [`capture`] (rollback capture, inverse parameters), [`workload_checks`] (workload postconditions),
//!   [`discover`] (executions found again after a restart).
//!
//! No other module sends a mutating request: the client this module hands mutations to refuses them unless the
//! execution's decision allowed it (`cluster::guard`), and read-only mode refuses everything.

pub mod report;

pub use report::{Check, DryRun, ExecutionStatus, MenuEntry, Phase, Preparation, Verdict};
pub mod capture;
pub mod discover;
pub mod job_follow;
pub mod job_run;
pub mod workload_checks;
