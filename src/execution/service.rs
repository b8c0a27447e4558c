//! [`Executor`]: the service that owns what the pipeline needs (the closed kube client and the opener of
//! permitted ones, the catalog, the policy gate, the audit log, the settings, the operator, the context and
//! cluster names) and answers the action menu. Cheap to clone (`Arc` inside), callable from any tokio task.
//! Preparing is `prepare`, executing `run`.

use super::access::{Access, AccessCache};
use super::prepare::Prepared;
use super::report::{MenuEntry, Verdict};
use crate::actions::{ActionSpec, Catalog, ExecutionId, Executor as Runner, Target, TargetRef};
use crate::audit::AuditLog;
use crate::cluster::Connection;
use crate::cluster::guard::Opener;
use crate::job::JobSettings;
use crate::policy::input::{OwnerInput, Situation};
use crate::policy::{Confirmation, Gate, Mode, PolicyInput, input::Operator};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// What an [`Executor`] is built with besides the connection.
#[derive(Debug)]
pub struct Parts {
    pub catalog: Catalog,
    pub gate: Gate,
    pub audit: AuditLog,
    /// `readonly: true` in settings (the connection's `--readonly` counts too).
    pub readonly: bool,
    pub jobs: JobSettings,
}

pub(super) struct Inner {
    pub client: kube::Client,
    pub opener: Opener,
    pub catalog: Catalog,
    pub gate: Mutex<Gate>,
    pub audit: AuditLog,
    pub readonly: bool,
    pub jobs: JobSettings,
    pub context: String,
    pub cluster: String,
    pub operator: tokio::sync::OnceCell<Operator>,
    pub access: AccessCache,
    pub prepared: Mutex<HashMap<ExecutionId, Prepared>>,
    /// Rollbacks offered by finished executions (`rollback`).
    pub finished: Mutex<HashMap<ExecutionId, super::rollback::Kept>>,
    pub inflight: Mutex<HashSet<TargetRef>>,
    /// `snapshot-restore` preparations made through `prepare` (`restore_action`), until executed or closed.
    pub restores:
        Mutex<HashMap<ExecutionId, (super::report::Preparation, super::restore::RestorePlan)>>,
}

/// The execution pipeline (module doc of `execution`).
#[derive(Clone)]
pub struct Executor {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("context", &self.inner.context)
            .field("readonly", &self.inner.readonly)
            .finish_non_exhaustive()
    }
}

/// Holds a target (and the objects of its chain) as in flight until dropped.
pub(super) struct InFlight {
    inner: Arc<Inner>,
    held: Vec<TargetRef>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut set) = self.inner.inflight.lock() {
            for t in &self.held {
                set.remove(t);
            }
        }
    }
}

impl Executor {
    /// The pipeline over `connection` (its shared client is closed; mutations go through clients its opener
    /// derives for one execution at a time).
    #[must_use]
    pub fn new(connection: &Connection, parts: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                client: connection.client.clone(),
                readonly: parts.readonly || connection.opener.readonly(),
                opener: connection.opener.clone(),
                catalog: parts.catalog,
                gate: Mutex::new(parts.gate),
                audit: parts.audit,
                jobs: parts.jobs,
                context: connection.context.clone(),
                cluster: connection.server.clone(),
                operator: tokio::sync::OnceCell::new(),
                access: AccessCache::default(),
                prepared: Mutex::new(HashMap::new()),
                finished: Mutex::new(HashMap::new()),
                inflight: Mutex::new(HashSet::new()),
                restores: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Whether nothing may mutate.
    #[must_use]
    pub fn readonly(&self) -> bool {
        self.inner.readonly
    }

    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// The executions found in the cluster by their Jobs' labels (`discover`): a restarted console shows them
    /// again. Read-only: nothing is sent but lists and log reads.
    ///
    /// # Errors
    /// The Jobs cannot be listed (forbidden, unreachable), in words.
    pub async fn found(&self) -> Result<Vec<super::ExecutionStatus>, String> {
        super::discover::discover(&self.inner.client, &self.inner.jobs)
            .await
            .map(|found| found.into_iter().map(|(_, status)| status).collect())
            .map_err(|e| super::run::api_message(&e))
    }

    /// The operator (a SelfSubjectReview, asked once).
    pub async fn operator(&self) -> Operator {
        self.inner
            .operator
            .get_or_init(|| super::access::whoami(&self.inner.client))
            .await
            .clone()
    }

    /// The circumstances of a decision.
    pub(super) async fn situation(
        &self,
        owner: Option<OwnerInput>,
        mode: Mode,
        targets: u64,
        break_glass: Option<&str>,
    ) -> Situation {
        Situation {
            owner,
            counts: crate::policy::input::Counts {
                targets,
                objects: targets,
            },
            operator: self.operator().await,
            mode: if self.inner.readonly {
                Mode::Readonly
            } else {
                mode
            },
            context: self.inner.context.clone(),
            cluster: self.inner.cluster.clone(),
            time: super::now(),
            break_glass: crate::policy::input::BreakGlass {
                declared: break_glass.is_some(),
                reason: break_glass.unwrap_or_default().to_owned(),
            },
        }
    }

    /// The requests `spec` on `target` makes, as access questions: a direct action patches the target's
    /// resource; a Job action creates a Job and its input Secret in the actions namespace.
    pub(super) fn accesses(&self, spec: &ActionSpec, target: &TargetRef) -> Vec<Access> {
        match &spec.executor {
            Runner::Direct(_) => vec![Access::new(
                "patch",
                target.kind.group(),
                target.kind.plural(),
                target.namespace.as_deref(),
            )],
            Runner::Job(_) => {
                let ns = Some(self.inner.jobs.namespace.as_str());
                vec![
                    Access::new("create", "batch", "jobs", ns),
                    Access::new("create", "", "secrets", ns),
                ]
            }
        }
    }

    /// What is missing for the operator to make `accesses`, if anything.
    pub(super) async fn forbidden(&self, accesses: &[Access]) -> Option<String> {
        let mut missing = Vec::new();
        for access in accesses {
            let (allowed, reason) = self.inner.access.check(&self.inner.client, access).await;
            if !allowed {
                missing.push(access.missing(&reason));
            }
        }
        (!missing.is_empty()).then(|| missing.join("; "))
    }

    /// The action menu for `target` (with the facts the caller has: labels, annotations) whose Flux owner is
    /// `owner`: every catalog action for its kind with its verdict. Read-only: every action is
    /// [`Verdict::ReadOnly`] and nothing is asked. Sends only access reviews (cached), nothing mutating.
    pub async fn menu(&self, target: &Target, owner: Option<&OwnerInput>) -> Vec<MenuEntry> {
        let specs: Vec<&ActionSpec> = self.inner.catalog.for_kind(target.rref.kind).collect();
        let situation = if self.inner.readonly {
            None
        } else {
            Some(
                self.situation(owner.cloned(), Mode::Interactive, 1, None)
                    .await,
            )
        };
        let mut out = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut entry = MenuEntry {
                action: spec.name.clone(),
                help: spec.help.clone(),
                executor: spec.executor.name(),
                dangerous: spec.dangerous,
                verdict: Verdict::ReadOnly,
                warnings: Vec::new(),
            };
            let Some(situation) = &situation else {
                out.push(entry);
                continue;
            };
            let params = default_params(spec);
            let input = PolicyInput::build(spec, target, &params, situation.clone());
            let decision = match self.inner.gate.lock() {
                Ok(mut gate) => gate.decide(&input),
                Err(_) => crate::policy::Decision::fail_closed("the policy gate is unusable"),
            };
            entry.warnings.clone_from(&decision.warnings);
            entry.verdict = if !decision.allow {
                Verdict::Denied {
                    reasons: decision.deny.clone(),
                }
            } else if let Some(missing) = self.forbidden(&self.accesses(spec, &target.rref)).await {
                Verdict::Forbidden { missing }
            } else if decision.confirmation == Confirmation::None {
                Verdict::Allowed
            } else {
                Verdict::Confirm {
                    level: decision.confirmation,
                }
            };
            out.push(entry);
        }
        out
    }

    /// Marks `targets` in flight, or says which one already is.
    pub(super) fn hold(&self, targets: &[TargetRef]) -> Result<InFlight, String> {
        let Ok(mut set) = self.inner.inflight.lock() else {
            return Err("the in-flight table is unusable".to_owned());
        };
        if let Some(busy) = targets.iter().find(|t| set.contains(*t)) {
            return Err(format!(
                "another action on {busy} is still running: one action per target at a time"
            ));
        }
        set.extend(targets.iter().cloned());
        Ok(InFlight {
            inner: Arc::clone(&self.inner),
            held: targets.to_vec(),
        })
    }
}

/// The parameters of `spec` with their defaults only (the menu decides before any parameter is typed); when a
/// parameter is required, none (the policies see them as absent).
fn default_params(spec: &ActionSpec) -> crate::actions::ParamValues {
    crate::actions::ParamValues::from_pairs(spec, &[]).unwrap_or_default()
}
