//! Preparing an execution: everything the confirm view shows, with nothing changed. The plan (parameters
//! checked, timeout), a live GET of the target (its facts; Secret data as digests only), its Flux owner (from
//! the caller's graph or one listed now), the objects it will patch (the source first for
//! `reconcile-with-source`, the chain for `recover-chain`), the policy decision (recorded in the audit log),
//! the access reviews, the preconditions, the rollback capture and the server-side dry-run of the exact
//! patches through a dry-run permit (`cluster::guard`). Denied, forbidden, read-only or failing
//! preconditions: no dry-run is sent.

use super::object;
use super::report::{Check, DryRun, Preparation};
use super::service::Executor;
use super::{chain, conditions, patch};
use crate::actions::params::ParamError;
use crate::actions::spec::{Capture, DirectOperation};
use crate::actions::{ActionSpec, ExecutionId, Executor as Runner, ParamValues, Plan, Target};
use crate::actions::{TargetFacts, TargetRef};
use crate::cluster::guard::{Permit, Stage};
use crate::graph::Graph;
use crate::policy::input::{OwnerInput, Situation};
use crate::policy::{Mode, PolicyInput};
use kube::api::{Patch, PatchParams};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a retrying owner is given to report its failure again (see `Executor::owner_live`).
const OWNER_SETTLE: Duration = Duration::from_secs(20);

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct ActionRequest {
    pub action: String,
    pub target: TargetRef,
    /// `name=value` pairs as typed.
    pub params: Vec<(String, String)>,
    /// `None`: the action's default.
    pub timeout: Option<Duration>,
    pub mode: Mode,
    /// Break-glass with this reason.
    pub break_glass: Option<String>,
    /// The graph the caller already has (the console); `None`: the fleet is listed now.
    pub graph: Option<Arc<Graph>>,
    /// The target's Flux owner when the caller knows it (else found in the graph).
    pub owner: Option<OwnerInput>,
    /// The resourceVersion the caller showed (`target-unchanged` compares the live one with it).
    pub shown_version: Option<String>,
}

impl ActionRequest {
    /// A request with defaults: no parameters, the action's timeout, no break-glass, graph listed now.
    #[must_use]
    pub fn new(action: &str, target: TargetRef, mode: Mode) -> Self {
        Self {
            action: action.to_owned(),
            target,
            params: Vec::new(),
            timeout: None,
            mode,
            break_glass: None,
            graph: None,
            owner: None,
            shown_version: None,
        }
    }
}

/// Why nothing could be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("unknown action '{name}' (actions: {known})")]
    UnknownAction { name: String, known: String },
    #[error("action '{action}' does not apply to {kind} (it applies to {kinds})")]
    WrongKind {
        action: String,
        kind: String,
        kinds: String,
    },
    #[error(transparent)]
    Params(#[from] ParamError),
    #[error("{0}")]
    Timeout(String),
    #[error("cannot read {target}: {detail}")]
    Cluster { target: String, detail: String },
    #[error("{0}")]
    NoRollback(String),
}

impl PrepareError {
    /// A mistake in what was asked (exit 2), not a failure.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        !matches!(
            self,
            PrepareError::Cluster { .. } | PrepareError::NoRollback(_)
        )
    }
}

/// What the executor keeps of a preparation (the caller holds the [`Preparation`]; this stays inside).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub report: Preparation,
    pub plan: Plan,
    pub situation: Situation,
    /// The objects patched, in order (source first, chain root first).
    pub objects: Vec<TargetRef>,
    /// The live target's uid, for the Event.
    pub uid: Option<String>,
    pub captured: BTreeMap<String, String>,
    /// The execution this one rolls back.
    pub rollback_of: Option<ExecutionId>,
    /// A Job action's capture (the target's uid and manifest for the postconditions; the rollback values).
    pub job_capture: Option<super::capture::Captured>,
    /// When it was prepared (preparations never executed nor closed are dropped after [`PREPARED_TTL`]).
    pub at: std::time::Instant,
}

/// How long a preparation waits for its execution; an older one must be prepared again.
pub const PREPARED_TTL: Duration = Duration::from_secs(30 * 60);
/// At most this many preparations are kept; beyond, the oldest are dropped.
pub const PREPARED_MAX: usize = 256;

/// Drops the preparations older than [`PREPARED_TTL`], and the oldest beyond [`PREPARED_MAX`] - 1 (room for
/// one more); the dropped ones, for their audit outcome.
fn trim(table: &mut std::collections::HashMap<ExecutionId, Prepared>) -> Vec<Prepared> {
    let mut ids: Vec<(std::time::Instant, ExecutionId)> =
        table.iter().map(|(id, p)| (p.at, id.clone())).collect();
    ids.sort();
    let over = ids.len().saturating_sub(PREPARED_MAX - 1);
    ids.iter()
        .enumerate()
        .filter(|(i, (at, _))| *i < over || at.elapsed() >= PREPARED_TTL)
        .filter_map(|(_, (_, id))| table.remove(id))
        .collect()
}

impl Executor {
    /// Prepares `request`; see the module doc. The decision is recorded in the audit log; if that fails, the
    /// preparation carries a failed `audit-log` precondition and cannot be executed.
    ///
    /// # Errors
    /// A request that names no action, the wrong kind, bad parameters or timeout ([`PrepareError::is_usage`]),
    /// or a target that cannot be read.
    pub async fn prepare(&self, request: &ActionRequest) -> Result<Preparation, PrepareError> {
        if let Some(restore) = self.prepare_restore_action(request).await {
            return restore;
        }
        self.prepare_inner(request, None).await.map(|p| p.report)
    }

    pub(super) async fn prepare_inner(
        &self,
        request: &ActionRequest,
        rollback_of: Option<ExecutionId>,
    ) -> Result<Prepared, PrepareError> {
        let inner = &self.inner;
        let spec = self.spec_for(request)?;
        let params = ParamValues::from_pairs(&spec, &request.params)?;
        let timeout = crate::actions::plan::timeout_for(&spec, request.timeout)
            .map_err(PrepareError::Timeout)?;
        let rref = request.target.clone();
        let cluster_error = |e: &kube::Error| PrepareError::Cluster {
            target: rref.to_string(),
            detail: super::run::api_message(e),
        };
        let live = object::get(&inner.client, &rref)
            .await
            .map_err(|e| cluster_error(&e))?;
        let facts = live
            .as_ref()
            .map(|o| facts_of(&spec, &rref, o))
            .unwrap_or_default();
        let target = Target {
            rref: rref.clone(),
            facts,
        };
        let graph = match &request.graph {
            Some(g) => Arc::clone(g),
            None => Arc::new(self.list_graph().await),
        };
        let owner = request
            .owner
            .clone()
            .or_else(|| crate::policy::owner::flux_owner(&graph, &rref, &target.facts.labels));
        let mut checks = Vec::new();
        // A restore whose snapshot does not load (else `restore_action` prepared it): decided, never sent.
        if spec.executor == Runner::Direct(DirectOperation::Restore)
            && let Err(why) = super::restore_action::snapshot_object(request)
        {
            checks.push(failed("snapshot", &why));
        }
        let objects = match (&spec.executor, &live) {
            (Runner::Direct(DirectOperation::RecoverChain), _) => {
                match chain::chain(&graph, &rref) {
                    Ok(c) => c,
                    Err(e) => {
                        checks.push(failed("chain", &e.to_string()));
                        vec![rref.clone()]
                    }
                }
            }
            (Runner::Direct(DirectOperation::ReconcileWithSource), Some(obj)) => {
                match object::source_of(&rref, obj) {
                    Some(source) => vec![source, rref.clone()],
                    None => {
                        checks.push(failed("source", "the object names no source"));
                        vec![rref.clone()]
                    }
                }
            }
            _ => vec![rref.clone()],
        };
        let count = u64::try_from(objects.len()).unwrap_or(u64::MAX);
        let situation = self
            .situation(owner, request.mode, count, request.break_glass.as_deref())
            .await;
        let decision = self.decide(&spec, &target, &params, &situation);
        let execution = ExecutionId::random();
        let recorded = crate::audit::Event::decision(
            &execution,
            &spec.name,
            &rref,
            &situation.operator.username,
            situation.mode,
            &params,
            &decision,
        );
        if let Err(e) = inner.audit.append(&recorded, &super::now()) {
            checks.push(failed(
                "audit-log",
                &format!("the decision could not be recorded: {e}"),
            ));
        }
        let mut accesses: Vec<super::access::Access> = objects
            .iter()
            .flat_map(|o| self.accesses(&spec, o))
            .collect();
        accesses.dedup();
        let mut forbidden = self.forbidden(&accesses).await;
        let owner_live = self.owner_live(situation.owner.as_ref(), &spec).await;
        for condition in &spec.preconditions {
            checks.push(conditions::pre(
                *condition,
                live.as_ref(),
                request.shown_version.as_deref(),
                situation.owner.as_ref(),
                owner_live.as_ref(),
            ));
        }
        let mut captured = BTreeMap::new();
        if let Some(obj) = &live
            && spec.rollback.capture.contains(&Capture::SuspendState)
        {
            captured.insert("suspend".to_owned(), object::suspended(obj).to_string());
        }
        let plan = Plan {
            spec: spec.clone(),
            target,
            params,
            timeout,
            execution: execution.clone(),
            decision: decision.clone(),
        };
        let operator = situation.operator.username.clone();
        let mut rollback: Vec<String> = captured.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let (mut job_yaml, mut job_capture) = (None, None);
        if matches!(spec.executor, Runner::Job(_)) {
            let job = self.prepare_job(&plan, &operator, live.is_some()).await;
            if let Some(c) = &job.captured {
                captured.extend(super::job_steps::template_values(c));
                rollback = c.lines();
            }
            if let Some(why) = job.capture_failure {
                checks.push(failed("rollback-capture", &why));
            }
            if let Some(missing) = job.missing_rbac {
                forbidden = Some(match forbidden {
                    Some(f) => format!("{f}; {missing}"),
                    None => missing,
                });
            }
            job_yaml = Some(job.yaml);
            job_capture = job.captured;
        }
        let mut report = Preparation {
            execution: execution.clone(),
            action: spec.name.clone(),
            target: rref.clone(),
            params: shown_params(&plan.params),
            decision: decision.clone(),
            confirmation: decision.confirmation,
            forbidden,
            preconditions: checks,
            dry_run: DryRun::Skipped { why: String::new() },
            job_yaml,
            rollback,
            inverse: spec.rollback.inverse.as_ref().map(|i| i.action.clone()),
        };
        report.dry_run = match self.dry_run_blocked(&report, live.is_some()) {
            Some(skipped) => skipped,
            None if matches!(spec.executor, Runner::Job(_)) => {
                self.dry_run_job(&report, &plan, &operator).await
            }
            None => self.dry_run(&report, &spec, &objects).await,
        };
        let prepared = Prepared {
            report,
            plan,
            situation,
            objects,
            uid: live
                .as_ref()
                .and_then(|o| o.pointer("/metadata/uid"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            captured,
            rollback_of,
            job_capture,
            at: std::time::Instant::now(),
        };
        let dropped = inner.prepared.lock().map_or_else(
            |_| Vec::new(),
            |mut table| {
                let dropped = trim(&mut table);
                table.insert(execution, prepared.clone());
                dropped
            },
        );
        for old in dropped {
            let event = crate::audit::Event::outcome(
                &old.plan.execution,
                &old.plan.spec.name,
                &old.plan.target.rref,
                crate::audit::Outcome::Cancelled,
                "never executed: the preparation expired",
            );
            if let Err(e) = inner.audit.append(&event, &super::now()) {
                tracing::warn!("audit outcome not recorded: {e}");
            }
        }
        Ok(prepared)
    }

    fn spec_for(&self, request: &ActionRequest) -> Result<ActionSpec, PrepareError> {
        let catalog = &self.inner.catalog;
        let spec = catalog
            .get(&request.action)
            .ok_or_else(|| PrepareError::UnknownAction {
                name: crate::text::sanitize(&request.action).into_owned(),
                known: catalog.names().collect::<Vec<_>>().join(", "),
            })?;
        if !spec.applies_to(request.target.kind) {
            return Err(PrepareError::WrongKind {
                action: spec.name.clone(),
                kind: request.target.kind.to_string(),
                kinds: spec
                    .targets
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(spec.clone())
    }

    /// The policy decision (fails closed).
    pub(super) fn decide(
        &self,
        spec: &ActionSpec,
        target: &Target,
        params: &ParamValues,
        situation: &Situation,
    ) -> crate::policy::Decision {
        let input = PolicyInput::build(spec, target, params, situation.clone());
        match self.inner.gate.lock() {
            Ok(mut gate) => gate.decide(&input),
            Err(_) => crate::policy::Decision::fail_closed("the policy gate is unusable"),
        }
    }

    /// The fleet as a graph, listed now; an empty graph (owners then come from labels only) when it cannot be
    /// listed.
    pub(super) async fn list_graph(&self) -> Graph {
        match crate::cluster::list::list_all(&self.inner.client, &crate::cluster::Scope::All).await
        {
            Ok(listing) => Graph::build(listing.objects),
            Err(e) => {
                tracing::warn!("cannot list the fleet for the action's owner and chain: {e}");
                Graph::default()
            }
        }
    }

    /// The owner's live suspend state (`None` when there is no owner or it cannot be read).
    /// The owner as it is now (`None`: no owner, or it cannot be read). When `spec` checks the owner's
    /// failure (`immutable-field-failure`), an owner in the middle of a retry (Ready neither True nor False:
    /// the failure message is gone for the seconds the attempt takes) is read again until it settles, for
    /// at most [`OWNER_SETTLE`].
    pub(super) async fn owner_live(
        &self,
        owner: Option<&OwnerInput>,
        spec: &ActionSpec,
    ) -> Option<Value> {
        let owner = owner?;
        let kind = crate::actions::TargetKind::from_user(&owner.kind)?;
        let rref = TargetRef::namespaced(kind, &owner.namespace, &owner.name);
        let settle = spec
            .preconditions
            .contains(&crate::actions::spec::Precondition::ImmutableFieldFailure);
        let deadline = tokio::time::Instant::now() + OWNER_SETTLE;
        loop {
            let obj = object::get(&self.inner.client, &rref).await.ok()??;
            let ready = object::condition(&obj, "Ready")
                .and_then(|c| c.get("status").and_then(Value::as_str))
                .unwrap_or("Unknown");
            if !settle || ready != "Unknown" || tokio::time::Instant::now() >= deadline {
                return Some(obj);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Why no dry-run is sent at all (read-only, denied, forbidden, a precondition, no target), if so.
    fn dry_run_blocked(&self, report: &Preparation, exists: bool) -> Option<DryRun> {
        let why = if self.inner.readonly {
            "read-only mode: nothing is sent, not even a dry-run".to_owned()
        } else if !report.decision.allow {
            "denied by policy".to_owned()
        } else if let Some(missing) = &report.forbidden {
            format!("forbidden: {missing}")
        } else if let Some(check) = report.preconditions.iter().find(|c| !c.passed) {
            format!("precondition {} does not hold", check.name)
        } else if !exists {
            "the target does not exist".to_owned()
        } else {
            return None;
        };
        Some(DryRun::Skipped { why })
    }

    /// The dry-run of a direct action (the caller has checked [`Self::dry_run_blocked`]).
    async fn dry_run(
        &self,
        report: &Preparation,
        spec: &ActionSpec,
        objects: &[TargetRef],
    ) -> DryRun {
        let skipped = |why: &str| DryRun::Skipped {
            why: why.to_owned(),
        };
        let Runner::Direct(op) = spec.executor else {
            return skipped("not a direct action");
        };
        let scope = objects
            .iter()
            .map(|o| (http::Method::PATCH, object::path(o)));
        let Some(permit) = Permit::issue(
            report.execution.as_str(),
            &report.decision,
            Stage::DryRun,
            scope,
        ) else {
            return skipped("denied by policy");
        };
        let client = match self.inner.opener.permitted(permit) {
            Ok(c) => c,
            Err(e) => return skipped(&format!("no client for the dry-run: {e}")),
        };
        let token = patch::token();
        let mut diff = Vec::new();
        for o in objects {
            let body = patch::for_operation(op, &token);
            let params = PatchParams {
                dry_run: true,
                field_manager: Some(patch::FIELD_MANAGER.to_owned()),
                ..PatchParams::default()
            };
            let before = match object::get(&self.inner.client, o).await {
                Ok(Some(b)) => b,
                Ok(None) => {
                    return DryRun::Failed {
                        request: format!("GET {}", object::path(o)),
                        message: format!("{o} does not exist"),
                    };
                }
                Err(e) => {
                    return DryRun::Failed {
                        request: format!("GET {}", object::path(o)),
                        message: e.to_string(),
                    };
                }
            };
            match object::api(&client, o)
                .patch(&o.name, &params, &Patch::Merge(&body))
                .await
            {
                Ok(after) => {
                    let after = serde_json::to_value(after).unwrap_or(Value::Null);
                    let lines = patch::diff(&body, &before, &after);
                    diff.extend(lines.into_iter().map(|l| format!("{o}: {l}")));
                }
                Err(e) => {
                    return DryRun::Failed {
                        request: format!("PATCH {} (dryRun=All)", object::path(o)),
                        message: super::run::api_message(&e),
                    };
                }
            }
        }
        DryRun::Passed { diff }
    }
}

fn failed(name: &str, detail: &str) -> Check {
    Check {
        name: name.to_owned(),
        passed: false,
        detail: detail.to_owned(),
    }
}

/// Parameters as shown: secrets as `sha256:… (N bytes)`.
fn shown_params(params: &ParamValues) -> Vec<(String, String)> {
    params
        .summary(crate::audit::record::MAX_RECORDED_PARAM)
        .into_iter()
        .map(|(k, v)| {
            let text = match (&v, v.get("sha256")) {
                (_, Some(digest)) => format!(
                    "{} ({} bytes)",
                    digest.as_str().unwrap_or_default(),
                    v.get("bytes").and_then(Value::as_u64).unwrap_or(0)
                ),
                (Value::String(s), None) => s.clone(),
                (other, None) => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

/// What the policy and the Job need to know about the live target.
fn facts_of(spec: &ActionSpec, rref: &TargetRef, obj: &Value) -> TargetFacts {
    let map = |pointer: &str| super::object::string_map(obj, pointer);
    let helm = (rref.kind == crate::actions::TargetKind::HelmRelease).then(|| {
        let ns = rref.namespace.clone().unwrap_or_default();
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_owned);
        crate::actions::target::HelmReleaseInfo {
            release: text("/spec/releaseName").unwrap_or_else(|| {
                match text("/spec/targetNamespace") {
                    Some(t) => format!("{t}-{}", rref.name),
                    None => rref.name.clone(),
                }
            }),
            storage_namespace: text("/status/storageNamespace")
                .or_else(|| text("/spec/storageNamespace"))
                .unwrap_or(ns),
        }
    });
    TargetFacts {
        labels: map("/metadata/labels"),
        annotations: map("/metadata/annotations"),
        resource_version: object::resource_version(obj).map(str::to_owned),
        fields: Target::fields_of(rref.kind, obj, &spec.touches),
        helm,
    }
}
