//! Running a `job` action: the RBAC pre-flight ([`preflight`]: the ServiceAccount `fluxops-<action>` and the
//! bindings `fluxops rbac` creates exist), the server-side dry-run ([`dry_run`]: the Job and its input Secret
//! created with `dryRun=All`, then the Job's own kubectl command with `--dry-run=server` run in a throw-away
//! Job), and the real start ([`start`]: Job, then its input Secret owned by the Job). Following a started Job
//! is `job_follow`; finding Jobs again after a restart is `discover`. docs/ACTIONS.md "Job execution".
//!
//! Every request goes through the client the caller hands in (the pipeline's guarded client), as the operator.

use super::job_follow::{self, JobHandle};
use super::report::{DryRun, Phase};
use crate::actions::spec::RbacScope;
use crate::actions::{ExecutionId, Plan};
use crate::job::manifest::{self, JobManifest, JobRequest, JobSettings, ManifestError};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Client;
use kube::api::{Api, DeleteParams, PostParams, PropagationPolicy};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The label a dry-run Job carries: the execution it is the dry run of (`discover` skips these Jobs).
pub const DRY_RUN_OF: &str = "fluxops.io/dry-run-of";
/// The field manager of fluxops' writes.
pub const FIELD_MANAGER: &str = "fluxops";
/// The longest a dry-run Job may take (its own deadline is the action's timeout).
pub const DRY_RUN_WAIT: Duration = Duration::from_secs(180);

/// Why a Job action cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The ServiceAccount or its bindings are missing: what, and the command that creates them.
    #[error("{}; fix: {fix}", missing.join("; "))]
    MissingRbac { missing: Vec<String>, fix: String },
    /// The API server refused a request: which, and its Status message verbatim.
    #[error("{request}: {message}")]
    Api { request: String, message: String },
}

/// The server's message for a failed request (a Status body's `message` verbatim, else the error in words).
#[must_use]
pub fn api_message(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => other.to_string(),
    }
}

fn api_error(request: String) -> impl FnOnce(kube::Error) -> JobError {
    move |err| JobError::Api {
        request,
        message: api_message(&err),
    }
}

/// Builds the Job (and input Secret) of `plan` as `operator`.
///
/// # Errors
/// A direct action, a target kind the action does not take, a template that does not render.
pub fn build(
    settings: &JobSettings,
    plan: &Plan,
    operator: &str,
) -> Result<JobManifest, ManifestError> {
    let digest = plan.decision.digest();
    let request = JobRequest {
        spec: &plan.spec,
        target: &plan.target,
        params: &plan.params,
        timeout: plan.timeout,
        execution: &plan.execution,
        operator,
        decision_digest: &digest,
    };
    manifest::build(&request, settings)
}

/// The command that creates the RBAC of the catalog in `settings.namespace`.
#[must_use]
pub fn rbac_fix_command(settings: &JobSettings) -> String {
    if settings.namespace == manifest::DEFAULT_NAMESPACE {
        "fluxops rbac | kubectl apply -f -".to_owned()
    } else {
        format!(
            "fluxops rbac --namespace {} | kubectl apply -f -",
            settings.namespace
        )
    }
}

/// The namespace the action acts in (the Helm storage namespace for Helm release records).
fn acting_namespace(plan: &Plan) -> Option<String> {
    let uses_helm = plan.spec.job().is_some_and(|c| {
        c.args.iter().any(|a| match a {
            crate::actions::spec::Arg::Text(t) => t.placeholders().any(|p| p.starts_with("helm.")),
            _ => false,
        })
    });
    match (&plan.target.facts.helm, uses_helm) {
        (Some(helm), true) => Some(helm.storage_namespace.clone()),
        _ => plan.target.rref.namespace.clone(),
    }
}

fn binds(subjects: Option<&Vec<Subject>>, sa: &str, ns: &str) -> bool {
    subjects
        .into_iter()
        .flatten()
        .any(|s| s.kind == "ServiceAccount" && s.name == sa && s.namespace.as_deref() == Some(ns))
}

/// Checks that the action's ServiceAccount exists in the actions namespace and is bound as `fluxops rbac`
/// binds it: a ClusterRoleBinding `fluxops-<action>` (every namespace), or for namespaced rules a RoleBinding
/// `fluxops-<action>` in the namespace acted in. A SelfSubjectAccessReview cannot ask on behalf of another
/// identity, so the objects are checked by name. Returns what was verified; a check the operator may not make
/// (403) is noted and not fatal (the Job then fails with the API server's own words, which `follow` reports).
///
/// # Errors
/// [`JobError::MissingRbac`] naming each missing object and the command that creates them.
pub async fn preflight(
    client: &Client,
    settings: &JobSettings,
    plan: &Plan,
) -> Result<Vec<String>, JobError> {
    let ns = settings.namespace.as_str();
    let sa = plan.spec.service_account();
    let mut notes = Vec::new();
    let mut missing = Vec::new();
    let mut unverified = |what: &str, err: &kube::Error| {
        notes.push(format!("could not check {what}: {}", api_message(err)));
    };
    match Api::<ServiceAccount>::namespaced(client.clone(), ns)
        .get_opt(&sa)
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => missing.push(format!("ServiceAccount {ns}/{sa} does not exist")),
        Err(err) => unverified(&format!("ServiceAccount {ns}/{sa}"), &err),
    }
    let cluster_bound = match Api::<ClusterRoleBinding>::all(client.clone())
        .get_opt(&sa)
        .await
    {
        Ok(Some(b)) => Some(binds(b.subjects.as_ref(), &sa, ns) && b.role_ref.name == sa),
        Ok(None) => Some(false),
        Err(err) => {
            unverified(&format!("ClusterRoleBinding {sa}"), &err);
            None
        }
    };
    let scopes = |scope| plan.spec.rbac.iter().any(|r| r.scope == scope);
    if scopes(RbacScope::Cluster) && cluster_bound == Some(false) {
        missing.push(format!(
            "ClusterRoleBinding {sa} does not bind ServiceAccount {ns}/{sa}"
        ));
    }
    if scopes(RbacScope::Namespaced)
        && cluster_bound == Some(false)
        && let Some(target_ns) = acting_namespace(plan)
    {
        match Api::<RoleBinding>::namespaced(client.clone(), &target_ns)
            .get_opt(&sa)
            .await
        {
            Ok(Some(b)) if binds(b.subjects.as_ref(), &sa, ns) && b.role_ref.name == sa => {}
            Ok(_) => missing.push(format!(
                "neither ClusterRoleBinding {sa} nor RoleBinding {target_ns}/{sa} binds ServiceAccount {ns}/{sa}"
            )),
            Err(err) => unverified(&format!("RoleBinding {target_ns}/{sa}"), &err),
        }
    }
    if missing.is_empty() {
        if notes.is_empty() {
            notes.push(format!("ServiceAccount {ns}/{sa} exists and is bound"));
        }
        Ok(notes)
    } else {
        Err(JobError::MissingRbac {
            missing,
            fix: rbac_fix_command(settings),
        })
    }
}

fn owned_by(secret: &mut Secret, job: &Job) {
    if let (Some(name), Some(uid)) = (&job.metadata.name, &job.metadata.uid) {
        secret.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "batch/v1".to_owned(),
            kind: "Job".to_owned(),
            name: name.clone(),
            uid: uid.clone(),
            ..OwnerReference::default()
        }]);
    }
}

fn describe(job: &Job) -> String {
    format!(
        "{}/{}",
        job.metadata.namespace.as_deref().unwrap_or_default(),
        job.metadata.name.as_deref().unwrap_or_default()
    )
}

/// Creates the Job and then its input Secret (owned by the Job, so the Job's deletion or TTL removes it; the
/// pod waits for the Secret as the kubelet waits for any Secret volume). A Secret that cannot be created
/// deletes the Job again.
async fn create(client: &Client, built: &JobManifest, dry: bool) -> Result<Job, JobError> {
    let ns = built.job.metadata.namespace.clone().unwrap_or_default();
    let params = PostParams {
        dry_run: dry,
        field_manager: Some(FIELD_MANAGER.to_owned()),
    };
    let suffix = if dry { " (dry run)" } else { "" };
    let jobs = Api::<Job>::namespaced(client.clone(), &ns);
    let job = jobs
        .create(&params, &built.job)
        .await
        .map_err(api_error(format!(
            "create Job {}{suffix}",
            describe(&built.job)
        )))?;
    if let Some(input) = &built.input {
        let labels = built.job.metadata.labels.clone().unwrap_or_default();
        let mut secret = input.secret(&ns, labels);
        owned_by(&mut secret, &job);
        let created = Api::<Secret>::namespaced(client.clone(), &ns)
            .create(&params, &secret)
            .await
            .map_err(api_error(format!(
                "create Secret {ns}/{}{suffix}",
                input.name
            )));
        if let Err(err) = created {
            if !dry {
                let _ = delete_job(client, &ns, &describe_name(&job)).await;
            }
            return Err(err);
        }
    }
    Ok(job)
}

fn describe_name(job: &Job) -> String {
    job.metadata.name.clone().unwrap_or_default()
}

/// Deletes a Job with `propagationPolicy=Background` (its pods and owned input Secret go with it).
///
/// # Errors
/// The API server's refusal (NotFound counts as done).
pub async fn delete_job(client: &Client, ns: &str, name: &str) -> Result<(), JobError> {
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    match Api::<Job>::namespaced(client.clone(), ns)
        .delete(name, &params)
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
        Err(err) => Err(api_error(format!("delete Job {ns}/{name}"))(err)),
    }
}

/// Starts `plan` as a Job run by `operator` (the SelfSubjectReview username), labelled and annotated per
/// `job::manifest::labels` so a restarted console finds it (`discover`).
///
/// # Errors
/// The manifest does not build, or the API server refused the Job or its input Secret (message verbatim).
pub async fn start(
    client: &Client,
    settings: &JobSettings,
    plan: &Plan,
    operator: &str,
) -> Result<JobHandle, JobError> {
    let built = build(settings, plan, operator)?;
    let job = create(client, &built, false).await?;
    JobHandle::from_job(&job).ok_or_else(|| JobError::Api {
        request: format!("create Job {}", describe(&built.job)),
        message: "the server's answer lacks the Job's name, uid or fluxops labels".to_owned(),
    })
}

/// The Job YAML of `plan` as it would be created (what the confirm view shows), or why it does not build.
#[must_use]
pub fn job_yaml(settings: &JobSettings, plan: &Plan, operator: &str) -> String {
    build(settings, plan, operator)
        .map_err(|e| e.to_string())
        .and_then(|b| manifest::to_yaml(&b.job).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| format!("# the Job cannot be built: {e}\n"))
}

/// The server-side dry-run of `plan`: the Job and input Secret created with `dryRun=All`; then, for an action
/// that changes something, the pre-flight and the Job's own kubectl command with `--dry-run=server`, run to
/// its end in a throw-away Job (label [`DRY_RUN_OF`]) under the action's ServiceAccount, so admission,
/// validation, immutable-field errors and the ServiceAccount's RBAC all answer before anything changes. The
/// throw-away Job is deleted afterwards. Returns the result and the exact Job YAML of the real execution.
pub async fn dry_run(
    client: &Client,
    settings: &JobSettings,
    plan: &Plan,
    operator: &str,
) -> (DryRun, String) {
    let yaml = job_yaml(settings, plan, operator);
    let built = match build(settings, plan, operator) {
        Ok(b) => b,
        Err(e) => {
            return (
                DryRun::Failed {
                    request: "build the Job".to_owned(),
                    message: e.to_string(),
                },
                yaml,
            );
        }
    };
    if let Err(JobError::Api { request, message }) = create(client, &built, true).await {
        return (DryRun::Failed { request, message }, yaml);
    }
    let mut diff = vec![format!(
        "+ Job {} (ServiceAccount {}, image {})",
        describe(&built.job),
        plan.spec.service_account(),
        settings.image
    )];
    if let Some(input) = &built.input {
        let files: Vec<String> = input
            .summary()
            .into_iter()
            .map(|(f, (digest, n))| format!("{f} {digest} ({n} bytes)"))
            .collect();
        diff.push(format!(
            "+ Secret {}/{} ({})",
            settings.namespace,
            input.name,
            files.join(", ")
        ));
    }
    if !plan.spec.mutates {
        return (DryRun::Passed { diff }, yaml);
    }
    if let Err(e) = preflight(client, settings, plan).await {
        return (
            DryRun::Failed {
                request: format!("check ServiceAccount {}", plan.spec.service_account()),
                message: e.to_string(),
            },
            yaml,
        );
    }
    match command_dry_run(client, settings, plan, operator).await {
        Ok(lines) => {
            diff.extend(lines.into_iter().map(|l| format!("kubectl: {l}")));
            (DryRun::Passed { diff }, yaml)
        }
        Err(JobError::Api { request, message }) => (DryRun::Failed { request, message }, yaml),
        Err(other) => (
            DryRun::Failed {
                request: "kubectl --dry-run=server".to_owned(),
                message: other.to_string(),
            },
            yaml,
        ),
    }
}

/// The execution id of `plan`'s throw-away dry-run Job: derived from the plan's own (the SHA-256 of
/// `dry-run:<id>`, first 12 hex characters), so the pipeline knows the Job's name, and may delete it, before it
/// exists.
#[must_use]
pub fn dry_execution(plan: &Plan) -> ExecutionId {
    let digest =
        crate::actions::params::sha256_hex(format!("dry-run:{}", plan.execution).as_bytes());
    let hex: String = digest
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect();
    ExecutionId::parse(&hex).unwrap_or_else(ExecutionId::random)
}

/// The name of `plan`'s throw-away dry-run Job.
#[must_use]
pub fn dry_run_job_name(plan: &Plan) -> String {
    manifest::job_name(&plan.spec, &dry_execution(plan))
}

/// Runs the action's kubectl command with `--dry-run=server` in a Job of its own; its log lines on success.
async fn command_dry_run(
    client: &Client,
    settings: &JobSettings,
    plan: &Plan,
    operator: &str,
) -> Result<Vec<String>, JobError> {
    let mut dry = plan.clone();
    dry.execution = dry_execution(plan);
    let mut built = build(settings, &dry, operator)?;
    let mut args = Vec::new();
    if let Some(spec) = built.job.spec.as_mut()
        && let Some(pod) = spec.template.spec.as_mut()
        && let Some(container) = pod.containers.first_mut()
    {
        let list = container.args.get_or_insert_with(Vec::new);
        list.push("--dry-run=server".to_owned());
        args.clone_from(list);
    }
    for labels in [
        built.job.metadata.labels.as_mut(),
        built
            .job
            .spec
            .as_mut()
            .and_then(|s| s.template.metadata.as_mut())
            .and_then(|m| m.labels.as_mut()),
    ]
    .into_iter()
    .flatten()
    {
        labels.insert(DRY_RUN_OF.to_owned(), plan.execution.to_string());
    }
    let job = create(client, &built, false).await?;
    let handle = JobHandle::from_job(&job).ok_or_else(|| JobError::Api {
        request: format!("create Job {}", describe(&job)),
        message: "the server's answer lacks the Job's name or uid".to_owned(),
    })?;
    let cancel = CancellationToken::new();
    let wait = DRY_RUN_WAIT.min(plan.timeout + manifest::START_GRACE);
    let timer = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            cancel.cancel();
        })
    };
    let status = job_follow::follow(client, &handle, &mut |_| {}, &cancel).await;
    timer.abort();
    let _ = delete_job(client, &handle.namespace, &handle.name).await;
    let request = format!(
        "kubectl {} (as {})",
        args.join(" "),
        plan.spec.service_account()
    );
    match status.phase {
        Phase::Succeeded => Ok(status.log_tail),
        Phase::Failed { why } | Phase::Cancelled { why } => {
            let mut message = status.log_tail.join("\n");
            if message.trim().is_empty() {
                message = why;
            }
            Err(JobError::Api { request, message })
        }
        other => Err(JobError::Api {
            request,
            message: format!("the dry-run Job ended {other:?}"),
        }),
    }
}
