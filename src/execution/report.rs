//! What the execution pipeline tells its callers (the console's menu, confirm view and Jobs screen, and
//! `fluxops action run`): plain data, no I/O, nothing secret. Every string here that came from the cluster is
//! raw: whoever draws or prints it sanitises it (`text::sanitize`).

use crate::actions::{ExecutionId, TargetRef};
use crate::policy::{Confirmation, Decision};
use serde::Serialize;

/// The verdict the action menu shows next to one action for one target, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// The policy allows it without confirmation and the operator may do it.
    Allowed,
    /// The policy allows it with this confirmation (simple yes/no, or the target's name typed).
    Confirm { level: Confirmation },
    /// The policy denies it; every reason. A policy that failed to load, erred or timed out lands here too
    /// (fail closed), its reason saying so.
    Denied { reasons: Vec<String> },
    /// The policy allows it but the API server would refuse it (SelfSubjectAccessReview): what is missing, in
    /// words (`cannot patch kustomizations.kustomize.toolkit.fluxcd.io in flux-system`).
    Forbidden { missing: String },
    /// Read-only mode: nothing can mutate.
    ReadOnly,
}

impl Verdict {
    /// Whether the action may go on to the confirm view.
    #[must_use]
    pub fn runnable(&self) -> bool {
        matches!(self, Verdict::Allowed | Verdict::Confirm { .. })
    }
}

/// One line of the action menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MenuEntry {
    pub action: String,
    pub help: String,
    /// `direct` or `job`.
    pub executor: &'static str,
    pub dangerous: bool,
    pub verdict: Verdict,
    /// The policy's warnings (shown under the entry).
    pub warnings: Vec<String>,
}

/// The server-side dry-run of an execution (`dryRun=All`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum DryRun {
    /// The server accepted every request of the plan; `diff` says what would change, one line per change
    /// (`spec.replicas: 3 → 0`, `+ Job fluxops-system/fluxops-scale-0123456789ab`).
    Passed { diff: Vec<String> },
    /// The server refused a request: the Status message as the server sent it (e.g. the immutable-field error).
    Failed { request: String, message: String },
    /// Not run, and why (read-only mode, denied).
    Skipped { why: String },
}

/// A pre- or postcondition as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The catalog word (`target-unchanged`, `rollout-complete`).
    pub name: String,
    pub passed: bool,
    /// What was found, in words.
    pub detail: String,
}

/// Everything the confirm view shows before the operator confirms: the result of policy, permission check,
/// preconditions, rollback capture and dry-run. Nothing has been changed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preparation {
    pub execution: ExecutionId,
    pub action: String,
    pub target: TargetRef,
    /// Parameters as shown: secrets as `sha256:… (N bytes)`, never the value.
    pub params: Vec<(String, String)>,
    pub decision: Decision,
    /// The confirmation to ask for (from the decision; `Typed` means the target's name typed).
    pub confirmation: Confirmation,
    /// `None` when the SelfSubjectAccessReview allowed everything; else what is missing.
    pub forbidden: Option<String>,
    pub preconditions: Vec<Check>,
    pub dry_run: DryRun,
    /// For Job actions, the exact Job YAML that would be created.
    pub job_yaml: Option<String>,
    /// What is captured for the rollback (`replicas: 3`), and the inverse action if any.
    pub rollback: Vec<String>,
    pub inverse: Option<String>,
}

impl Preparation {
    /// Whether the execution may be confirmed: allowed, permitted, preconditions hold and the dry-run passed.
    #[must_use]
    pub fn executable(&self) -> bool {
        self.decision.allow
            && self.forbidden.is_none()
            && self.preconditions.iter().all(|c| c.passed)
            && matches!(self.dry_run, DryRun::Passed { .. })
    }
}

/// Where an execution is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
pub enum Phase {
    /// Created, not yet running (a Job without a pod).
    Pending,
    Running,
    /// Done acting; postconditions are being checked (waiting for Ready, a rollout).
    Verifying,
    Succeeded,
    Failed {
        why: String,
    },
    /// Stopped by the operator or its timeout.
    Cancelled {
        why: String,
    },
    /// Its rollback ran and succeeded.
    RolledBack,
}

impl Phase {
    /// Whether the execution has finished (nothing more will happen to it).
    #[must_use]
    pub fn finished(&self) -> bool {
        !matches!(self, Phase::Pending | Phase::Running | Phase::Verifying)
    }
}

/// One execution as the Jobs screen and `fluxops action run` see it; updates replace the whole value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionStatus {
    pub execution: ExecutionId,
    pub action: String,
    pub target: TargetRef,
    /// The operator who started it (from the SelfSubjectReview, or the Job's annotation after a restart).
    pub operator: String,
    pub phase: Phase,
    /// RFC 3339.
    pub started: String,
    pub finished: Option<String>,
    /// `namespace/name` of the Job, for Job actions.
    pub job: Option<String>,
    /// What happened, in order (`reconcile requested`, `source artifact sha1:… `, `Ready at main@sha1:…`).
    pub steps: Vec<String>,
    pub postconditions: Vec<Check>,
    /// The last lines of the Job's log (at most [`LOG_TAIL`]), raw.
    pub log_tail: Vec<String>,
    /// Whether a rollback can be offered (captured information and an inverse action exist, and it finished).
    pub rollback_available: bool,
}

/// How many log lines an [`ExecutionStatus`] carries.
pub const LOG_TAIL: usize = 200;
