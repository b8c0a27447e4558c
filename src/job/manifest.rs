//! Action + target + parameters → the batch/v1 Job that runs the action's kubectl command (pure; snapshot-tested
//! as YAML in `tests/job_manifests.rs`).
//!
//! The Job runs in the fluxops namespace under the action's ServiceAccount `fluxops-<action>`, once
//! (`backoffLimit: 0`), within the action's timeout (`activeDeadlineSeconds` = timeout + [`START_GRACE`] for
//! scheduling and the image pull; kubectl's own `--timeout` flags get the timeout itself), cleaned up after
//! `ttlSecondsAfterFinished`. The pod runs as a non-root user with a read-only root filesystem, no privilege
//! escalation, every capability dropped and the runtime's default seccomp profile; kubectl's cache goes to an
//! emptyDir at `/tmp` (`HOME=/tmp`). Labels and annotations name the action, execution, operator, target and
//! the policy decision's digest, so a restarted console finds its executions again.
//!
//! `file:` arguments (the only place a secret parameter may go) become files of the execution's input Secret
//! ([`JobInput`]), mounted read-only at [`INPUT_DIR`]; the Job object itself never holds a secret value.

use crate::actions::plan::RenderValues;
use crate::actions::spec::{Arg, JsonTemplate};
use crate::actions::template::{TemplateError, Values};
use crate::actions::{ActionSpec, ExecutionId, ParamValues, Target};
use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EmptyDirVolumeSource, EnvVar, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, Secret, SecretVolumeSource,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Where `file:` arguments are mounted.
pub const INPUT_DIR: &str = "/fluxops/input";
/// Added to the timeout for the Job's deadline: scheduling and pulling the image.
pub const START_GRACE: Duration = Duration::from_secs(60);
/// The user and group the pod runs as (distroless `nonroot`).
pub const RUN_AS: i64 = 65532;

/// Labels and annotations fluxops puts on its Jobs.
pub mod keys {
    pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
    pub const ACTION: &str = "fluxops.io/action";
    pub const EXECUTION: &str = "fluxops.io/execution";
    pub const TARGET_KIND: &str = "fluxops.io/target-kind";
    pub const TARGET_NAMESPACE: &str = "fluxops.io/target-namespace";
    pub const TARGET_NAME: &str = "fluxops.io/target-name";
    pub const TARGET: &str = "fluxops.io/target";
    pub const OPERATOR: &str = "fluxops.io/operator";
    pub const DECISION_DIGEST: &str = "fluxops.io/decision-digest";
    pub const PARAMETERS: &str = "fluxops.io/parameters";
    pub const TIMEOUT: &str = "fluxops.io/timeout";
}

/// Where and how Jobs run (settings file `actions:` section, docs/ACTIONS.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    /// The namespace of the Jobs and ServiceAccounts.
    pub namespace: String,
    /// The image with kubectl.
    pub image: String,
    /// kubectl's path in the image.
    pub kubectl: String,
    /// How long a finished Job is kept.
    pub ttl: Duration,
}

/// The default namespace of fluxops Jobs.
pub const DEFAULT_NAMESPACE: &str = "fluxops-system";
/// The default kubectl image (the Kubernetes project's own, distroless).
pub const DEFAULT_IMAGE: &str = "registry.k8s.io/kubectl:v1.33.6";

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            image: DEFAULT_IMAGE.to_owned(),
            kubectl: "/bin/kubectl".to_owned(),
            ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// One Job to build.
#[derive(Debug, Clone, Copy)]
pub struct JobRequest<'a> {
    pub spec: &'a ActionSpec,
    pub target: &'a Target,
    pub params: &'a ParamValues,
    pub timeout: Duration,
    pub execution: &'a ExecutionId,
    /// The operator's username.
    pub operator: &'a str,
    /// `sha256:…` of the policy decision.
    pub decision_digest: &'a str,
}

/// The files of an execution's input Secret. `Debug` shows names and digests only.
#[derive(Clone, PartialEq, Eq)]
pub struct JobInput {
    /// The Secret's name (`fluxops-<action>-<execution>-input`).
    pub name: String,
    files: BTreeMap<String, String>,
}

impl JobInput {
    /// File name → `sha256:…` and size, for showing and auditing.
    #[must_use]
    pub fn summary(&self) -> BTreeMap<String, (String, usize)> {
        self.files
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    (crate::actions::params::sha256_hex(v.as_bytes()), v.len()),
                )
            })
            .collect()
    }

    /// The Secret to create before the Job (the executor sets the Job as its owner once the Job exists).
    #[must_use]
    pub fn secret(&self, namespace: &str, labels: BTreeMap<String, String>) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                namespace: Some(namespace.to_owned()),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            data: Some(
                self.files
                    .iter()
                    .map(|(k, v)| (k.clone(), ByteString(v.as_bytes().to_vec())))
                    .collect(),
            ),
            type_: Some("Opaque".to_owned()),
            immutable: Some(true),
            ..Secret::default()
        }
    }
}

impl fmt::Debug for JobInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobInput")
            .field("name", &self.name)
            .field("files", &self.summary())
            .finish()
    }
}

/// A built Job and its input Secret, if any.
#[derive(Debug, Clone)]
pub struct JobManifest {
    pub job: Job,
    pub input: Option<JobInput>,
}

/// Why a Job cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("action '{0}' does not run as a Job")]
    NotAJob(String),
    #[error("action '{action}' does not apply to {kind}")]
    WrongKind { action: String, kind: String },
    #[error("action '{action}': {source}")]
    Template {
        action: String,
        #[source]
        source: TemplateError,
    },
}

/// The Job's name: `fluxops-<action>-<execution>` (at most 63 characters by the catalog's name limit).
#[must_use]
pub fn job_name(spec: &ActionSpec, execution: &ExecutionId) -> String {
    format!("fluxops-{}-{execution}", spec.name)
}

fn label_value_ok(v: &str) -> bool {
    v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && v.starts_with(|c: char| c.is_ascii_alphanumeric())
        && v.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The labels of an execution's Job, pod and input Secret.
#[must_use]
pub fn labels(request: &JobRequest<'_>) -> BTreeMap<String, String> {
    let rref = &request.target.rref;
    let mut labels = BTreeMap::from([
        (keys::MANAGED_BY.to_owned(), "fluxops".to_owned()),
        (keys::ACTION.to_owned(), request.spec.name.clone()),
        (keys::EXECUTION.to_owned(), request.execution.to_string()),
        (keys::TARGET_KIND.to_owned(), rref.kind.as_str().to_owned()),
    ]);
    if let Some(ns) = rref.namespace.as_deref().filter(|ns| label_value_ok(ns)) {
        labels.insert(keys::TARGET_NAMESPACE.to_owned(), ns.to_owned());
    }
    if label_value_ok(&rref.name) {
        labels.insert(keys::TARGET_NAME.to_owned(), rref.name.clone());
    }
    labels
}

/// Builds the Job for `request`.
///
/// # Errors
/// A direct action, a target kind the action does not take, or a template that does not render (a missing
/// value, a value that would become a flag).
pub fn build(
    request: &JobRequest<'_>,
    settings: &JobSettings,
) -> Result<JobManifest, ManifestError> {
    let spec = request.spec;
    let command = spec
        .job()
        .ok_or_else(|| ManifestError::NotAJob(spec.name.clone()))?;
    if !spec.applies_to(request.target.rref.kind) {
        return Err(ManifestError::WrongKind {
            action: spec.name.clone(),
            kind: request.target.rref.kind.to_string(),
        });
    }
    let template_error = |source| ManifestError::Template {
        action: spec.name.clone(),
        source,
    };
    let values = |with_secrets| RenderValues {
        target: request.target,
        params: request.params,
        timeout: request.timeout,
        execution: request.execution,
        with_secrets,
    };
    let name = job_name(spec, request.execution);
    let mut args = Vec::with_capacity(command.args.len());
    let mut files = BTreeMap::new();
    for (i, arg) in command.args.iter().enumerate() {
        match arg {
            Arg::Text(t) => args.push(t.render_arg(&values(false)).map_err(template_error)?),
            Arg::Json(j) => args.push(
                render_json(j, &values(false))
                    .map_err(template_error)?
                    .to_string(),
            ),
            Arg::File(j) => {
                let file = format!("arg-{i}.json");
                let content = render_json(j, &values(true)).map_err(template_error)?;
                files.insert(file.clone(), content.to_string());
                args.push(format!("{INPUT_DIR}/{file}"));
            }
        }
    }
    let input = (!files.is_empty()).then(|| JobInput {
        name: format!("{name}-input"),
        files,
    });
    let labels = labels(request);
    let annotations = BTreeMap::from([
        (keys::TARGET.to_owned(), request.target.rref.to_string()),
        (keys::OPERATOR.to_owned(), request.operator.to_owned()),
        (
            keys::DECISION_DIGEST.to_owned(),
            request.decision_digest.to_owned(),
        ),
        (
            keys::PARAMETERS.to_owned(),
            serde_json::to_string(&request.params.summary(256)).unwrap_or_default(),
        ),
        (
            keys::TIMEOUT.to_owned(),
            format!("{}s", request.timeout.as_secs()),
        ),
    ]);
    let pod = pod_spec(spec, settings, args, input.as_ref());
    let job = Job {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: Some(settings.namespace.clone()),
            labels: Some(labels.clone()),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(0),
            active_deadline_seconds: i64::try_from((request.timeout + START_GRACE).as_secs()).ok(),
            ttl_seconds_after_finished: i32::try_from(settings.ttl.as_secs()).ok(),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        status: None,
    };
    Ok(JobManifest { job, input })
}

fn pod_spec(
    spec: &ActionSpec,
    settings: &JobSettings,
    args: Vec<String>,
    input: Option<&JobInput>,
) -> PodSpec {
    let mut volumes = vec![Volume {
        name: "tmp".to_owned(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(Quantity("64Mi".to_owned())),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "tmp".to_owned(),
        mount_path: "/tmp".to_owned(),
        ..VolumeMount::default()
    }];
    if let Some(input) = input {
        volumes.push(Volume {
            name: "input".to_owned(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(input.name.clone()),
                default_mode: Some(0o440),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(VolumeMount {
            name: "input".to_owned(),
            mount_path: INPUT_DIR.to_owned(),
            read_only: Some(true),
            ..VolumeMount::default()
        });
    }
    let quantity = |q: &str| Quantity(q.to_owned());
    PodSpec {
        restart_policy: Some("Never".to_owned()),
        service_account_name: Some(spec.service_account()),
        automount_service_account_token: Some(true),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS),
            run_as_group: Some(RUN_AS),
            fs_group: Some(RUN_AS),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![Container {
            name: "kubectl".to_owned(),
            image: Some(settings.image.clone()),
            command: Some(vec![settings.kubectl.clone()]),
            args: Some(args),
            env: Some(vec![EnvVar {
                name: "HOME".to_owned(),
                value: Some("/tmp".to_owned()),
                ..EnvVar::default()
            }]),
            resources: Some(ResourceRequirements {
                requests: Some(BTreeMap::from([
                    ("cpu".to_owned(), quantity("50m")),
                    ("memory".to_owned(), quantity("64Mi")),
                ])),
                limits: Some(BTreeMap::from([("memory".to_owned(), quantity("256Mi"))])),
                ..ResourceRequirements::default()
            }),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                read_only_root_filesystem: Some(true),
                run_as_non_root: Some(true),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_owned()]),
                    ..Capabilities::default()
                }),
                ..SecurityContext::default()
            }),
            volume_mounts: Some(mounts),
            ..Container::default()
        }],
        volumes: Some(volumes),
        ..PodSpec::default()
    }
}

fn render_json(t: &JsonTemplate, values: &dyn Values) -> Result<serde_json::Value, TemplateError> {
    Ok(match t {
        JsonTemplate::Null => serde_json::Value::Null,
        JsonTemplate::Bool(b) => (*b).into(),
        JsonTemplate::Number(n) => serde_json::Value::Number(n.clone()),
        JsonTemplate::String(s) => s.render(values)?.into(),
        JsonTemplate::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| render_json(i, values))
                .collect::<Result<_, _>>()?,
        ),
        JsonTemplate::Object(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.render(values)?, render_json(v, values)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
    })
}

/// The Job as YAML (for the confirm view and `--dry-run` output).
///
/// # Errors
/// Serialisation failure (not expected for a Job).
pub fn to_yaml(job: &Job) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(job)
}
