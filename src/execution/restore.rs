//! Restoring objects of a snapshot (`fluxops snapshot restore`, docs/SNAPSHOTS.md), the preparation half: the
//! same path as every action (docs/ACTIONS.md, "The pipeline") for many objects at once, under the catalog
//! action `snapshot-restore`.
//!
//! For each chosen object: its resource (discovery), the live object (cleaned as the snapshot was), the
//! field diff (an object equal to the snapshot is left alone), its Flux owner (graph, inventory or labels).
//! Then the policy decision for every object with the whole restore's count (the mass-change guard applies),
//! combined into one (any deny denies, the strongest confirmation wins), recorded in the audit log; the access
//! reviews (`patch`, and `create` for objects that no longer exist); the server-side dry-run of the exact
//! requests through a dry-run permit: the owners' suspend patches and a server-side apply (field manager
//! `fluxops`, forced) of every object. Read-only, denied or forbidden: no dry-run is sent.
//!
//! The plan ([`RestorePlan`]) is opaque: only this module reads it, and `restore_run` executes it.
//! A restore never deletes: what the snapshot lacks stays as it is.

use super::access::Access;
use super::report::DryRun;
use super::service::Executor;
use crate::actions::{ExecutionId, Target, TargetKind, TargetRef};
use crate::cluster::guard::{Permit, Stage};
use crate::policy::input::{OwnerInput, Situation, TargetInput};
use crate::policy::{Confirmation, Decision, Mode, PolicyInput};
use crate::snapshot::ObjectKey;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

mod inputs;
use inputs::{
    combine, flux_ref, input_for, label_owner, labels_of, owner_ref, restore_accesses, target_kind,
};

/// The catalog action every restore is decided and audited as.
pub const ACTION: &str = "snapshot-restore";

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct RestoreRequest {
    /// The snapshot's id (recorded and shown).
    pub snapshot: String,
    /// The chosen objects, as stored in the snapshot.
    pub objects: Vec<(ObjectKey, Value)>,
    pub mode: Mode,
    pub break_glass: Option<String>,
    /// `None`: the action's default.
    pub timeout: Option<Duration>,
}

/// One object a restore applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreItem {
    /// `Kind/namespace/name`.
    pub object: String,
    /// Whether it no longer exists (the apply creates it).
    pub create: bool,
    /// What differs: `path: snapshot → live` lines.
    pub fields: Vec<String>,
}

/// What is shown before the operator confirms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestorePreparation {
    pub execution: ExecutionId,
    pub snapshot: String,
    pub items: Vec<RestoreItem>,
    /// Chosen objects equal to the snapshot (left alone).
    pub unchanged: usize,
    /// Flux owners suspended during the restore and resumed after, in resume order.
    pub owners: Vec<String>,
    /// Restored Flux objects suspended in the snapshot: they stay suspended.
    pub kept_suspended: Vec<String>,
    pub decision: Decision,
    pub confirmation: Confirmation,
    pub forbidden: Option<String>,
    pub dry_run: DryRun,
}

impl RestorePreparation {
    /// Why it cannot be executed, if so.
    #[must_use]
    pub fn not_executable(&self) -> Option<String> {
        if !self.decision.allow {
            return Some(format!(
                "denied by policy: {}",
                self.decision.deny.join("; ")
            ));
        }
        if let Some(missing) = &self.forbidden {
            return Some(format!("forbidden: {missing}"));
        }
        match &self.dry_run {
            DryRun::Passed { .. } => None,
            DryRun::Failed { request, message } => Some(format!(
                "the server-side dry-run failed: {request}: {message}"
            )),
            DryRun::Skipped { why } => Some(format!("no dry-run: {why}")),
        }
    }
}

/// One object to apply.
#[derive(Debug, Clone)]
pub(super) struct Apply {
    pub key: ObjectKey,
    pub resource: ApiResource,
    pub path: String,
    /// The body sent (a restored owner's `spec.suspend` held true until the resume step).
    pub body: Value,
    /// The Flux object, when it is one.
    pub flux: Option<TargetRef>,
    /// Its `spec.suspend` in the snapshot.
    pub suspended: bool,
}

/// A prepared restore: only `execution` reads it.
#[derive(Debug, Clone)]
pub struct RestorePlan {
    pub(super) report: RestorePreparation,
    pub(super) applies: Vec<Apply>,
    /// Live owners suspended first (dependency order).
    pub(super) suspend: Vec<TargetRef>,
    /// Resumed last, in dependency order: the owners suspended first, and restored owners held suspended
    /// during the apply whose snapshot has them running.
    pub(super) resume: Vec<TargetRef>,
    /// Owners Ready before the restore: one not Ready after its resume fails the restore (others are
    /// reported as they are).
    pub(super) ready_before: BTreeSet<TargetRef>,
    pub(super) situation: Situation,
    pub(super) timeout: Duration,
    pub(super) inputs: Vec<PolicyInput>,
}

impl RestorePlan {
    /// What is shown before confirming.
    #[must_use]
    pub fn preparation(&self) -> &RestorePreparation {
        &self.report
    }
}

/// Why a restore could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the action catalog has no '{ACTION}' action")]
    NoAction,
    #[error("{0}")]
    Timeout(String),
    #[error("{object}: {detail}")]
    Cluster { object: String, detail: String },
}

/// The URL path of an object of `resource`.
#[must_use]
pub fn object_path(resource: &ApiResource, namespace: &str, name: &str) -> String {
    let base = if resource.group.is_empty() {
        format!("/api/{}", resource.version)
    } else {
        format!("/apis/{}/{}", resource.group, resource.version)
    };
    if namespace.is_empty() {
        format!("{base}/{}/{name}", resource.plural)
    } else {
        format!("{base}/namespaces/{namespace}/{}/{name}", resource.plural)
    }
}

/// The dynamic API of `key`'s collection.
pub(super) fn api_for(
    client: &kube::Client,
    resource: &ApiResource,
    key: &ObjectKey,
) -> Api<DynamicObject> {
    if key.namespace.is_empty() {
        Api::all_with(client.clone(), resource)
    } else {
        Api::namespaced_with(client.clone(), &key.namespace, resource)
    }
}

impl Executor {
    /// Prepares `request`; see the module doc.
    ///
    /// # Errors
    /// No `snapshot-restore` action in the catalog, a bad timeout, or an object whose kind is not served or
    /// whose live state cannot be read.
    pub async fn prepare_restore(
        &self,
        request: &RestoreRequest,
    ) -> Result<RestorePlan, RestoreError> {
        let spec = self
            .inner
            .catalog
            .get(ACTION)
            .cloned()
            .ok_or(RestoreError::NoAction)?;
        let timeout = crate::actions::plan::timeout_for(&spec, request.timeout)
            .map_err(RestoreError::Timeout)?;
        let graph = self.list_graph().await;
        let mut resources: BTreeMap<(String, String, String), ApiResource> = BTreeMap::new();
        let mut applies = Vec::new();
        let mut items = Vec::new();
        let mut owners: BTreeMap<TargetRef, OwnerInput> = BTreeMap::new();
        let mut per_object: Vec<(ObjectKey, Value, Option<OwnerInput>)> = Vec::new();
        let mut unchanged = 0;
        // Namespaces and CRDs before what lives in them.
        let mut chosen: Vec<&(ObjectKey, Value)> = request.objects.iter().collect();
        chosen.sort_by_key(|(k, _)| match (k.group.as_str(), k.kind.as_str()) {
            ("", "Namespace") => 0,
            ("apiextensions.k8s.io", "CustomResourceDefinition") => 1,
            _ => 2,
        });
        for (key, stored) in chosen {
            let api_version = stored
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("v1");
            let version = crate::snapshot::object::version_of(api_version).to_owned();
            let gvk = (key.group.clone(), version.clone(), key.kind.clone());
            let resource = match resources.get(&gvk) {
                Some(r) => r.clone(),
                None => {
                    let (r, _) = crate::cluster::snapshot_list::resource(
                        &self.inner.client,
                        &key.group,
                        &version,
                        &key.kind,
                    )
                    .await
                    .map_err(|e| RestoreError::Cluster {
                        object: key.to_string(),
                        detail: e.to_string(),
                    })?;
                    resources.insert(gvk, r.clone());
                    r
                }
            };
            let live = api_for(&self.inner.client, &resource, key)
                .get_opt(&key.name)
                .await
                .map_err(|e| RestoreError::Cluster {
                    object: key.to_string(),
                    detail: super::run::api_message(&e),
                })?
                .map(|o| serde_json::to_value(o).unwrap_or(Value::Null));
            let cleaned = live
                .clone()
                .map(|l| crate::snapshot::object::clean(l, api_version, &key.kind));
            let fields = match &cleaned {
                Some(now) => crate::snapshot::diff::fields(key, stored, now),
                None => Vec::new(),
            };
            if cleaned.is_some() && fields.is_empty() {
                unchanged += 1;
                continue;
            }
            let flux = flux_ref(key);
            let owner = match target_kind(key) {
                Some(kind) => {
                    let rref = TargetRef {
                        kind,
                        namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
                        name: key.name.clone(),
                    };
                    crate::policy::owner::flux_owner(&graph, &rref, &labels_of(stored))
                }
                None => label_owner(stored),
            };
            if let Some(o) = &owner
                && let Some(r) = owner_ref(o)
            {
                owners.insert(r, o.clone());
            }
            items.push(RestoreItem {
                object: key.to_string(),
                create: live.is_none(),
                fields: fields
                    .iter()
                    .map(|f| {
                        let side =
                            |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_owned());
                        format!("{}: {} → {}", f.path, side(&f.live), side(&f.snapshot))
                    })
                    .collect(),
            });
            applies.push(Apply {
                path: object_path(&resource, &key.namespace, &key.name),
                key: key.clone(),
                resource,
                body: stored.clone(),
                suspended: super::object::suspended(stored),
                flux,
            });
            per_object.push((key.clone(), stored.clone(), owner));
        }
        // Owners: live ones not suspended now are suspended first; restored ones that own others are applied
        // suspended and resumed at the end (unless the snapshot has them suspended).
        let restored: BTreeSet<TargetRef> = applies.iter().filter_map(|a| a.flux.clone()).collect();
        let mut suspend = BTreeSet::new();
        let mut resume_restored = BTreeSet::new();
        let mut ready_before = BTreeSet::new();
        for (rref, owner) in &owners {
            if restored.contains(rref) {
                resume_restored.insert(rref.clone());
            } else if let Ok(Some(obj)) = super::object::get(&self.inner.client, rref).await
                && !super::object::suspended(&obj)
            {
                if matches!(
                    super::object::readiness(&obj),
                    super::object::Readiness::Ready { .. }
                ) {
                    ready_before.insert(rref.clone());
                }
                suspend.insert(rref.clone());
            } else {
                tracing::debug!(
                    "owner {}/{} absent or suspended: left as it is",
                    owner.namespace,
                    owner.name
                );
            }
        }
        for a in &mut applies {
            if let Some(r) = &a.flux
                && resume_restored.contains(r)
                && let Some(spec) = a.body.get_mut("spec").and_then(Value::as_object_mut)
            {
                spec.insert("suspend".to_owned(), Value::Bool(true));
            }
        }
        resume_restored.retain(|r| {
            applies
                .iter()
                .any(|a| a.flux.as_ref() == Some(r) && !a.suspended)
        });
        let order = |set: &BTreeSet<TargetRef>| -> Vec<TargetRef> {
            let refs: BTreeSet<crate::flux::ResourceRef> = set
                .iter()
                .filter_map(|r| {
                    Some(crate::flux::ResourceRef::new(
                        r.kind.flux()?,
                        r.namespace.as_deref().unwrap_or_default(),
                        &r.name,
                    ))
                })
                .collect();
            crate::app::marks::in_dependency_order(&graph, &refs)
                .into_iter()
                .filter_map(|r| {
                    let kind = TargetKind::from_flux(r.kind)?;
                    Some(TargetRef::namespaced(kind, &r.namespace, &r.name))
                })
                .collect()
        };
        let resume = order(&suspend.union(&resume_restored).cloned().collect());
        let suspend = order(&suspend);
        let count = u64::try_from(applies.len() + suspend.len()).unwrap_or(u64::MAX);
        let mut situation = self
            .situation(None, request.mode, count, request.break_glass.as_deref())
            .await;
        situation.counts.targets = u64::try_from(applies.len()).unwrap_or(u64::MAX);
        let mut inputs = Vec::new();
        for (key, stored, owner) in &per_object {
            let mut s = situation.clone();
            // Every owner is suspended before anything is applied (and resumed after, re-applying Git).
            s.owner = owner.clone().map(|mut o| {
                o.suspended = true;
                o
            });
            inputs.push(input_for(&spec, &request.snapshot, key, stored, s));
        }
        let decision = self.decide_all(&inputs);
        let execution = ExecutionId::random();
        let kept_suspended = applies
            .iter()
            .filter(|a| a.flux.is_some() && a.suspended)
            .map(|a| a.key.to_string())
            .collect();
        let mut report = RestorePreparation {
            execution: execution.clone(),
            snapshot: request.snapshot.clone(),
            items,
            unchanged,
            owners: resume.iter().map(ToString::to_string).collect(),
            kept_suspended,
            confirmation: decision.confirmation,
            decision,
            forbidden: None,
            dry_run: DryRun::Skipped { why: String::new() },
        };
        let plan_params = params_of(&request.snapshot, &report);
        let recorded = decision_event(
            &execution,
            &request.snapshot,
            &situation,
            &plan_params,
            &report.decision,
        );
        let audit_failed = self.inner.audit.append(&recorded, &super::now()).err();
        report.forbidden = self
            .forbidden(&restore_accesses(&applies, &suspend, &report.items))
            .await;
        let plan = RestorePlan {
            report,
            applies,
            suspend,
            resume,
            ready_before,
            situation,
            timeout,
            inputs,
        };
        let mut plan = plan;
        plan.report.dry_run = if let Some(e) = audit_failed {
            DryRun::Skipped {
                why: format!("the decision could not be recorded in the audit log: {e}"),
            }
        } else if self.inner.readonly {
            DryRun::Skipped {
                why: "read-only mode: nothing is sent, not even a dry-run".to_owned(),
            }
        } else if !plan.report.decision.allow {
            DryRun::Skipped {
                why: "denied by policy".to_owned(),
            }
        } else if let Some(missing) = &plan.report.forbidden {
            DryRun::Skipped {
                why: format!("forbidden: {missing}"),
            }
        } else if plan.applies.is_empty() {
            DryRun::Skipped {
                why: "nothing to restore: every chosen object equals the snapshot".to_owned(),
            }
        } else {
            self.restore_dry_run(&plan).await
        };
        Ok(plan)
    }

    /// Every object's decision, combined (see [`combine`]).
    pub(super) fn decide_all(&self, inputs: &[PolicyInput]) -> Decision {
        let Ok(mut gate) = self.inner.gate.lock() else {
            return Decision::fail_closed("the policy gate is unusable");
        };
        if inputs.is_empty() {
            return Decision::fail_closed("nothing to decide on");
        }
        combine(inputs.iter().map(|i| gate.decide(i)).collect())
    }

    async fn restore_dry_run(&self, plan: &RestorePlan) -> DryRun {
        let Some(permit) = Permit::issue(
            plan.report.execution.as_str(),
            &plan.report.decision,
            Stage::DryRun,
            scope(plan),
        ) else {
            return DryRun::Skipped {
                why: "denied by policy".to_owned(),
            };
        };
        let client = match self.inner.opener.permitted(permit) {
            Ok(c) => c,
            Err(e) => {
                return DryRun::Skipped {
                    why: format!("no client for the dry-run: {e}"),
                };
            }
        };
        let merge = PatchParams {
            dry_run: true,
            field_manager: Some(super::patch::FIELD_MANAGER.to_owned()),
            ..PatchParams::default()
        };
        let mut diff = Vec::new();
        for owner in &plan.suspend {
            if let Err(e) = super::object::api(&client, owner)
                .patch(
                    &owner.name,
                    &merge,
                    &Patch::Merge(&super::patch::suspend(true)),
                )
                .await
            {
                return DryRun::Failed {
                    request: format!("PATCH {} (dryRun=All)", super::object::path(owner)),
                    message: super::run::api_message(&e),
                };
            }
            diff.push(format!("{owner}: spec.suspend=true during the restore"));
        }
        let mut apply = apply_params();
        apply.dry_run = true;
        for a in &plan.applies {
            if let Err(e) = api_for(&client, &a.resource, &a.key)
                .patch(&a.key.name, &apply, &Patch::Apply(&a.body))
                .await
            {
                return DryRun::Failed {
                    request: format!("PATCH {} (apply, dryRun=All)", a.path),
                    message: super::run::api_message(&e),
                };
            }
        }
        for item in &plan.report.items {
            if item.create {
                diff.push(format!("+ {} (created)", item.object));
            }
            for f in &item.fields {
                diff.push(format!("{}: {f}", item.object));
            }
        }
        DryRun::Passed { diff }
    }
}

/// Server-side apply as fluxops, taking the fields over from other managers (the snapshot is what is asked).
pub(super) fn apply_params() -> PatchParams {
    PatchParams::apply(super::patch::FIELD_MANAGER).force()
}

/// The `(method, path)` pairs a restore sends: the owners' suspend/resume patches, the restored objects'
/// applies (and their resume patches, same path).
pub(super) fn scope(plan: &RestorePlan) -> Vec<(http::Method, String)> {
    plan.suspend
        .iter()
        .chain(&plan.resume)
        .map(super::object::path)
        .chain(plan.applies.iter().map(|a| a.path.clone()))
        .map(|p| (http::Method::PATCH, p))
        .collect()
}

/// What the audit records of a restore carry as parameters: the snapshot and the objects (names only).
pub(super) fn params_of(snapshot: &str, report: &RestorePreparation) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("snapshot".to_owned(), json!(snapshot)),
        (
            "objects".to_owned(),
            json!(
                report
                    .items
                    .iter()
                    .map(|i| i.object.clone())
                    .collect::<Vec<_>>()
            ),
        ),
        ("owners".to_owned(), json!(report.owners)),
    ])
}

/// The audit record of a restore's decision.
pub(super) fn decision_event(
    execution: &ExecutionId,
    snapshot: &str,
    situation: &Situation,
    parameters: &BTreeMap<String, Value>,
    decision: &Decision,
) -> crate::audit::Event {
    crate::audit::Event::Decision {
        execution: execution.clone(),
        action: ACTION.to_owned(),
        target: format!("snapshot {snapshot}"),
        operator: situation.operator.username.clone(),
        mode: situation.mode,
        parameters: parameters.clone(),
        decision: Box::new(decision.clone()),
        decision_digest: decision.digest(),
    }
}
