//! Rollbacks: what a finished execution keeps so it can be undone, in this process and after it.
//!
//! When an execution with an inverse action finishes (succeeded or failed, with something captured), its
//! rollback is rendered at once — the inverse action and its parameters from the forward parameters and what
//! was captured (`replicas: 2`), the target, the owner the policy saw, the mode and the break-glass reason
//! it ran under (undoing it belongs to the same incident) — and kept twice: in memory,
//! and as `rollbacks/<execution>.json` beside the audit log (written whole, synced, renamed into place), so
//! `fluxops action rollback EXECUTION` in another process finds it. Nothing secret is kept: captured Secret
//! data is a digest only (`capture`), and no inverse takes a Secret value. Preparing the rollback is an
//! ordinary preparation (policy, access, dry-run, audit); once it succeeds, the original's `rolled-back`
//! outcome is recorded and the file removed, so a rollback is offered once.

use super::prepare::{ActionRequest, PrepareError, Prepared};
use super::report::{ExecutionStatus, Preparation};
use super::service::Executor;
use crate::actions::{ExecutionId, TargetRef};
use crate::audit::Outcome;
use crate::policy::Mode;
use crate::policy::input::OwnerInput;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The rollback a finished execution offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The execution it undoes, its action and target (`Kind/ns/name`).
    pub execution: ExecutionId,
    pub action: String,
    pub target: String,
    /// The inverse action and its rendered parameters.
    pub inverse: String,
    pub params: Vec<(String, String)>,
    pub owner: Option<OwnerInput>,
    pub mode: Mode,
    /// The break-glass reason the execution was declared under: undoing it belongs to the same incident.
    #[serde(default)]
    pub break_glass: Option<String>,
}

impl Kept {
    /// The rollback of `prepared`, when its action has an inverse and something was captured.
    ///
    /// # Errors
    /// An inverse parameter that cannot be rendered from the forward parameters and the capture.
    pub(crate) fn of(prepared: &Prepared) -> Result<Option<Self>, String> {
        let spec = &prepared.plan.spec;
        let Some(inverse) = spec.rollback.inverse.as_ref() else {
            return Ok(None);
        };
        if prepared.captured.is_empty() {
            return Ok(None);
        }
        let values = |name: &str| -> Option<String> {
            match name.strip_prefix("captured.") {
                Some(key) => prepared.captured.get(key).cloned(),
                None => prepared.plan.params.text(name),
            }
        };
        let mut params = Vec::new();
        for (name, template) in &inverse.params {
            let text = template
                .render(&values)
                .map_err(|e| format!("rollback parameter {name}: {e}"))?;
            params.push((name.clone(), text));
        }
        Ok(Some(Self {
            execution: prepared.plan.execution.clone(),
            action: spec.name.clone(),
            target: prepared.plan.target.rref.to_string(),
            inverse: inverse.action.clone(),
            params,
            owner: prepared.situation.owner.clone(),
            mode: prepared.situation.mode,
            break_glass: prepared
                .situation
                .break_glass
                .declared
                .then(|| prepared.situation.break_glass.reason.clone()),
        }))
    }

    fn request(&self) -> Result<ActionRequest, PrepareError> {
        let target = TargetRef::parse(&self.target).map_err(|e| {
            PrepareError::NoRollback(format!(
                "the kept rollback of {} names no target: {e}",
                self.execution
            ))
        })?;
        let mut request = ActionRequest::new(&self.inverse, target, self.mode);
        request.params.clone_from(&self.params);
        request.owner.clone_from(&self.owner);
        request.break_glass.clone_from(&self.break_glass);
        Ok(request)
    }
}

/// Where rollbacks are kept: `rollbacks/` beside the audit log.
#[must_use]
pub fn directory(audit_log: &Path) -> PathBuf {
    audit_log
        .parent()
        .map_or_else(|| PathBuf::from("rollbacks"), |p| p.join("rollbacks"))
}

fn file(dir: &Path, execution: &ExecutionId) -> PathBuf {
    dir.join(format!("{}.json", execution.as_str()))
}

/// Writes `kept` whole: a temporary file, synced, renamed into place.
///
/// # Errors
/// The directory or file cannot be written.
pub fn save(dir: &Path, kept: &Kept) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_vec_pretty(kept).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&text)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file(dir, &kept.execution))
        .map_err(|e| e.error)?;
    Ok(())
}

/// The kept rollback of `execution` (`None`: none is kept).
///
/// # Errors
/// A kept file that cannot be read or is not a rollback, named.
pub fn load(dir: &Path, execution: &ExecutionId) -> Result<Option<Kept>, String> {
    let path = file(dir, execution);
    match crate::bounded_file::read(&path, crate::bounded_file::CONFIG) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: not a kept rollback: {e}", path.display())),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn forget(dir: &Path, execution: &ExecutionId) {
    let _ = std::fs::remove_file(file(dir, execution));
}

impl Executor {
    fn rollbacks(&self) -> PathBuf {
        directory(self.inner.audit.path())
    }

    /// Keeps the rollback of a finished execution (in memory and on disk); says whether one is offered.
    pub(super) fn keep_rollback(&self, prepared: &Prepared, status: &mut ExecutionStatus) -> bool {
        let kept = match Kept::of(prepared) {
            Ok(Some(kept)) => kept,
            Ok(None) => return false,
            Err(e) => {
                status.steps.push(format!("no rollback: {e}"));
                return false;
            }
        };
        if let Err(e) = save(&self.rollbacks(), &kept) {
            status.steps.push(format!(
                "the rollback is kept in this process only ({} could not be written: {e})",
                self.rollbacks().display()
            ));
        }
        if let Ok(mut finished) = self.inner.finished.lock() {
            finished.insert(kept.execution.clone(), kept);
        }
        true
    }

    /// After a rollback succeeded: the original's `rolled-back` outcome, and its rollback is no longer offered.
    pub(super) fn mark_rolled_back(&self, original: &ExecutionId, status: &mut ExecutionStatus) {
        let kept = self
            .inner
            .finished
            .lock()
            .ok()
            .and_then(|mut f| f.remove(original))
            .or_else(|| load(&self.rollbacks(), original).ok().flatten());
        forget(&self.rollbacks(), original);
        let Some(kept) = kept else {
            return;
        };
        let event = crate::audit::Event::Outcome {
            execution: kept.execution.clone(),
            action: kept.action.clone(),
            target: kept.target.clone(),
            outcome: Outcome::RolledBack,
            detail: format!("by execution {}", status.execution),
        };
        if let Err(e) = self.inner.audit.append(&event, &super::now()) {
            status.steps.push(format!(
                "the outcome could not be recorded in the audit log: {e}"
            ));
        }
        status
            .steps
            .push(format!("execution {original} rolled back"));
    }

    /// The preparation of `execution`'s rollback: its inverse action with the kept parameters, itself
    /// policy-checked, dry-run and audited. Found in memory, or kept on disk by an earlier process.
    ///
    /// # Errors
    /// No finished execution with a rollback by that id, or the inverse cannot be prepared.
    pub async fn rollback(&self, execution: &ExecutionId) -> Result<Preparation, PrepareError> {
        let in_memory = self
            .inner
            .finished
            .lock()
            .ok()
            .and_then(|f| f.get(execution).cloned());
        let kept = match in_memory {
            Some(kept) => kept,
            None => load(&self.rollbacks(), execution)
                .map_err(PrepareError::NoRollback)?
                .ok_or_else(|| {
                    PrepareError::NoRollback(format!(
                        "execution {execution} has no rollback (none kept in {})",
                        self.rollbacks().display()
                    ))
                })?,
        };
        let request = kept.request()?;
        let prepared = self
            .prepare_inner(&request, Some(execution.clone()))
            .await?;
        Ok(prepared.report)
    }
}
