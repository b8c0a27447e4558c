//! The one path that mutates the cluster: catalog → policy (fail closed) → permission check
//! (SelfSubjectAccessReview) → server-side dry-run → confirm → execute (a `direct` Flux control patch by the
//! operator's identity, or a Kubernetes Job under the action's ServiceAccount) → verify (postconditions) → audit
//! (the hash-chained log and a `FluxopsAction` Event on the target). docs/ACTIONS.md.
//!
//! - [`report`]: what callers are told (menu verdicts, the preparation shown before confirming, execution
//!   status), plain data shared with `app` and the CLI;
//! - [`service`]: the [`Executor`] (clonable, for the CLI and the console's effects runner) and the action
//!   menu; [`access`]: who the operator is and what they may do (cached access reviews);
//! - [`prepare`]: plan, live facts, owner, decision, access, preconditions, rollback capture, dry-run;
//! - [`run`]: re-checks, audit before mutating, the permitted client, dispatch by executor, verification,
//!   outcome and Event; [`rollback`]: the rollback kept by a finished execution (also on disk, for another
//!   process); [`direct`]: the Flux operations as `flux` does them;
//! - [`chain`]: the recover-chain order; [`conditions`]: pre/postconditions; [`patch`]: the patches;
//!   [`object`]: paths and live-object readings; [`event`]: the `FluxopsAction` Event;
//! - Job actions: [`job_run`] (RBAC pre-flight, dry-run, start), [`job_follow`] (a Job to its end),
//!   [`capture`] (rollback capture, inverse parameters), [`workload_checks`] (workload postconditions),
//!   [`discover`] (executions found again after a restart).
//! - Snapshot restores: [`restore`] (objects chosen from a snapshot → live diff, owners, one combined decision
//!   under the `snapshot-restore` action, dry-run of every apply) and [`restore_run`] (suspend the owners,
//!   server-side apply, resume in dependency order, verify), through the same permits; [`restore_action`]: the
//!   catalog action `snapshot-restore` (one target, `--param snapshot=ID`) through `prepare`/`execute`.
//!
//! No other module sends a mutating request: the shared client refuses every one (`cluster::guard`), and only
//! this module derives a client permitted to send exactly one execution's requests, from an allowed decision;
//! read-only mode refuses everything.

pub mod access;
pub mod capture;
pub mod chain;
pub mod conditions;
pub mod direct;
pub mod discover;
pub mod event;
pub mod job_follow;
pub mod job_run;
mod job_steps;
pub mod object;
pub mod patch;
pub mod prepare;
pub mod preview;
pub mod report;
pub mod restore;
pub mod restore_action;
pub mod restore_run;
pub mod rollback;
pub mod run;
pub mod service;
pub mod workload_checks;

pub use prepare::{ActionRequest, PrepareError};
pub use report::{Check, DryRun, ExecutionStatus, MenuEntry, Phase, Preparation, Verdict};
pub use service::{Executor, Parts};

/// Now, RFC 3339 UTC to the second (audit records, Events, statuses).
#[must_use]
pub fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
