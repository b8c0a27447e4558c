//! The Job controller and the kubelet's part for Job pods: a Job gets a pod (`<job>-<suffix>`, labels
//! `batch.kubernetes.io/job-name`, `controller-uid`) that runs as the Job's ServiceAccount. For a kubectl image
//! (`…kubectl…`) the `kubectl` on PATH runs with the container's command (without its leading `kubectl`) and
//! args, against this API server, authenticated by a token minted for the ServiceAccount (so RBAC decides what
//! it may do); its output becomes the pod's log. Other images exit 0 at once, printing nothing. The Job's
//! status follows as kube-controller-manager writes it: `startTime`, `active`, `succeeded`/`failed`, and
//! `Complete`, `Failed` (`BackoffLimitExceeded`) or `Failed` (`DeadlineExceeded`, when `activeDeadlineSeconds`
//! passes: the process is killed). `ttlSecondsAfterFinished` deletes the finished Job and its pods. A missing
//! ServiceAccount leaves the Job without pods and records the real `FailedCreate` event. Secret volumes are
//! mounted as the kubelet does (the pod waits until the Secret exists): their files are written to a private
//! temporary directory and arguments naming a path under the volume's `mountPath` point there instead.

use super::logs::PodLogs;
use super::pod::{self, children, text};
use crate::sim::auth::{Auth, UserInfo};
use crate::sim::store::meta::now_rfc3339;
use crate::sim::store::{EventRecord, ObjectKey, Store, WriteOptions};
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

/// What a Job pod needs from the server it runs against.
#[derive(Debug, Clone)]
pub struct JobEnv {
    pub store: Store,
    pub auth: Auth,
    pub logs: PodLogs,
    /// The API server, to give each Job pod a port of its own that answers as its ServiceAccount.
    pub api: crate::sim::http::ApiState,
    pub cancel: CancellationToken,
}

fn int(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn finished(job: &Value) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                matches!(text(c, "/type"), "Complete" | "Failed") && text(c, "/status") == "True"
            })
        })
}

/// Starts running a new Job (called once per Job the controller has not seen).
pub fn start(env: &JobEnv, key: ObjectKey) {
    let env = env.clone();
    tokio::spawn(async move { run(env, key).await });
}

async fn run(env: JobEnv, key: ObjectKey) {
    let Some(job) = env.store.get(&key) else {
        return;
    };
    if finished(&job) {
        return;
    }
    let start = tokio::time::Instant::now();
    let _ = env
        .store
        .patch_status(&key, &json!({"startTime": now_rfc3339(), "active": 0}));
    let deadline = int(&job, "/spec/activeDeadlineSeconds")
        .and_then(|s| u64::try_from(s).ok())
        .map(|s| start + Duration::from_secs(s));
    let backoff_limit = int(&job, "/spec/backoffLimit").unwrap_or(6);
    let mut failed = 0;
    let outcome = loop {
        let attempt = attempt(&env, &key, &job);
        let result = match deadline {
            Some(d) => tokio::select! {
                r = attempt => r,
                () = tokio::time::sleep_until(d) => Attempt::DeadlineExceeded,
                () = env.cancel.cancelled() => return,
            },
            None => tokio::select! {
                r = attempt => r,
                () = env.cancel.cancelled() => return,
            },
        };
        match result {
            Attempt::Succeeded => break Outcome::Complete,
            Attempt::DeadlineExceeded => break Outcome::Deadline,
            Attempt::Failed => {
                failed += 1;
                let _ = env.store.patch_status(&key, &json!({"failed": failed}));
                if failed > backoff_limit {
                    break Outcome::Backoff;
                }
            }
        }
    };
    finish(&env, &key, outcome, failed).await;
}

enum Attempt {
    Succeeded,
    Failed,
    DeadlineExceeded,
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Complete,
    Backoff,
    Deadline,
}

/// One pod of the Job, run to its end (or until the deadline cancels this future: the process is killed on
/// drop).
async fn attempt(env: &JobEnv, key: &ObjectKey, job: &Value) -> Attempt {
    let ns = key.namespace.as_str();
    let template = job.pointer("/spec/template").cloned().unwrap_or_default();
    let sa_name = match text(&template, "/spec/serviceAccountName") {
        "" => "default",
        other => other,
    }
    .to_owned();
    let sa = loop {
        if let Some(sa) = env
            .store
            .get(&ObjectKey::core("serviceaccounts", ns, &sa_name))
        {
            break sa;
        }
        let _ = env.store.record_event(&EventRecord {
            api_version: "batch/v1".to_owned(),
            kind: "Job".to_owned(),
            namespace: ns.to_owned(),
            name: key.name.clone(),
            uid: Some(text(job, "/metadata/uid").to_owned()),
            type_: "Warning".to_owned(),
            reason: "FailedCreate".to_owned(),
            message: format!(
                "Error creating: pods \"{}-\" is forbidden: error looking up service account {ns}/{sa_name}: serviceaccount \"{sa_name}\" not found",
                key.name
            ),
            component: "job-controller".to_owned(),
            annotations: std::collections::BTreeMap::new(),
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let mounts = loop {
        match secret_mounts(&env.store, ns, &template) {
            Some(m) => break m,
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    let uid = text(job, "/metadata/uid");
    let labels = json!({"batch.kubernetes.io/job-name": key.name, "job-name": key.name,
                        "batch.kubernetes.io/controller-uid": uid, "controller-uid": uid});
    let new = pod::from_template(
        &env.store,
        ns,
        &format!("{}-", key.name),
        &template,
        job,
        &labels,
    );
    let Ok(created) = env.store.upsert(new) else {
        return Attempt::Failed;
    };
    let pod_name = text(&created, "/metadata/name").to_owned();
    let pod_key = pod::key(ns, &pod_name);
    let _ = env
        .store
        .patch_status(key, &json!({"active": 1, "ready": 0}));
    let _ = env
        .store
        .update_status(&pod_key, pod::running_status(&created));
    let container = template
        .pointer("/spec/containers/0")
        .cloned()
        .unwrap_or_default();
    let token = env.auth.tokens().issue(
        ns,
        &sa_name,
        sa.pointer("/metadata/uid").and_then(Value::as_str),
        Some(Duration::from_secs(3600)),
        None,
    );
    let exit = if text(&container, "/image").contains("kubectl") {
        let user = UserInfo::service_account(
            ns,
            &sa_name,
            sa.pointer("/metadata/uid").and_then(Value::as_str),
        );
        let stop = env.cancel.child_token();
        let _stop_guard = stop.clone().drop_guard();
        match crate::sim::http::serve_as(&env.api, user, stop).await {
            Ok(addr) => {
                run_kubectl(
                    env,
                    &format!("http://{addr}"),
                    (ns, &pod_name),
                    &container,
                    &token.token,
                    &mounts,
                )
                .await
            }
            Err(err) => {
                env.logs.append(
                    ns,
                    &pod_name,
                    text(&container, "/name"),
                    &format!("{err}\n"),
                );
                127
            }
        }
    } else {
        0
    };
    if let Some(current) = env.store.get(&pod_key) {
        let _ = env
            .store
            .update_status(&pod_key, pod::terminated_status(&current, exit, "Error"));
    }
    let _ = env.store.patch_status(key, &json!({"active": 0}));
    if exit == 0 {
        Attempt::Succeeded
    } else {
        Attempt::Failed
    }
}

/// A Secret volume of the pod's first container: where it is mounted and its files.
#[derive(Debug, Clone)]
struct SecretMount {
    path: String,
    files: Vec<(String, Vec<u8>)>,
}

/// The Secret volumes the first container mounts, with their files; `None` while one of the Secrets does not
/// exist yet (the kubelet keeps the pod waiting).
fn secret_mounts(
    store: &crate::sim::Store,
    ns: &str,
    template: &Value,
) -> Option<Vec<SecretMount>> {
    use base64::Engine as _;
    let list = |pointer: &str| {
        template
            .pointer(pointer)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let volumes = list("/spec/volumes");
    let mut out = Vec::new();
    for mount in list("/spec/containers/0/volumeMounts") {
        let Some(volume) = volumes.iter().find(|v| v.get("name") == mount.get("name")) else {
            continue;
        };
        let secret_name = text(volume, "/secret/secretName");
        if secret_name.is_empty() {
            continue;
        }
        let secret = store.get(&ObjectKey::core("secrets", ns, secret_name))?;
        let files = secret
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| !k.contains('/') && !k.starts_with('.'))
            .filter_map(|(k, v)| {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.as_str()?)
                    .ok()?;
                Some((k.clone(), bytes))
            })
            .collect();
        out.push(SecretMount {
            path: text(&mount, "/mountPath").to_owned(),
            files,
        });
    }
    Some(out)
}

/// The kubectl arguments of a container: its command without a leading `kubectl`, then its args.
#[must_use]
pub fn kubectl_args(container: &Value) -> Vec<String> {
    let list = |field: &str| -> Vec<String> {
        container
            .get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut command = list("command");
    if command
        .first()
        .is_some_and(|c| c == "kubectl" || c.ends_with("/kubectl"))
    {
        command.remove(0);
    }
    command.extend(list("args"));
    command
}

async fn pipe(mut reader: impl AsyncRead + Unpin, logs: PodLogs, at: (String, String, String)) {
    let mut buf = [0_u8; 4096];
    while let Ok(n) = reader.read(&mut buf).await {
        if n == 0 {
            break;
        }
        logs.append(&at.0, &at.1, &at.2, &String::from_utf8_lossy(&buf[..n]));
    }
}

/// Runs kubectl as the ServiceAccount; returns its exit code (127 when it cannot start). Dropping the future
/// kills the process.
async fn run_kubectl(
    env: &JobEnv,
    server: &str,
    (ns, pod_name): (&str, &str),
    container: &Value,
    token: &str,
    mounts: &[SecretMount],
) -> i64 {
    let name = text(container, "/name").to_owned();
    let at = (ns.to_owned(), pod_name.to_owned(), name);
    let Ok(home) = tempfile::tempdir() else {
        return 127;
    };
    let kubeconfig = home.path().join("kubeconfig");
    let config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: in-cluster\n  cluster:\n    server: {server}\ncontexts:\n- name: in-cluster\n  context:\n    cluster: in-cluster\n    user: sa\n    namespace: {ns}\ncurrent-context: in-cluster\nusers:\n- name: sa\n  user:\n    token: {token}\n"
    );
    if std::fs::write(&kubeconfig, config).is_err() {
        return 127;
    }
    let mut args = kubectl_args(container);
    for (i, mount) in mounts.iter().enumerate() {
        let dir = home.path().join(format!("volume-{i}"));
        if std::fs::create_dir(&dir).is_err() {
            return 127;
        }
        for (file, bytes) in &mount.files {
            if std::fs::write(dir.join(file), bytes).is_err() {
                return 127;
            }
        }
        let from = format!("{}/", mount.path.trim_end_matches('/'));
        let to = format!("{}/", dir.display());
        for arg in &mut args {
            *arg = arg.replace(&from, &to);
        }
    }
    let mut command = tokio::process::Command::new("kubectl");
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("KUBECONFIG", &kubeconfig)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for var in container
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(k), Some(v)) = (
            var.get("name").and_then(Value::as_str),
            var.get("value").and_then(Value::as_str),
        ) {
            command.env(k, v);
        }
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(err) => {
            env.logs
                .append(&at.0, &at.1, &at.2, &format!("exec: \"kubectl\": {err}\n"));
            return 127;
        }
    };
    let out = child
        .stdout
        .take()
        .map(|o| tokio::spawn(pipe(o, env.logs.clone(), at.clone())));
    let err = child
        .stderr
        .take()
        .map(|e| tokio::spawn(pipe(e, env.logs.clone(), at.clone())));
    let status = child.wait().await;
    for task in [out, err].into_iter().flatten() {
        let _ = task.await;
    }
    status.ok().and_then(|s| s.code()).map_or(137, i64::from)
}

async fn finish(env: &JobEnv, key: &ObjectKey, outcome: Outcome, failed: i64) {
    let now = now_rfc3339();
    let Some(job) = env.store.get(key) else {
        return;
    };
    let ns = key.namespace.as_str();
    let mut status = json!({"active": 0, "ready": 0, "uncountedTerminatedPods": {}});
    let condition = match outcome {
        Outcome::Complete => {
            status["succeeded"] = json!(1);
            status["completionTime"] = json!(now);
            json!({"type": "Complete", "status": "True", "lastProbeTime": now, "lastTransitionTime": now})
        }
        Outcome::Backoff => json!({"type": "Failed", "status": "True", "lastProbeTime": now,
            "lastTransitionTime": now, "reason": "BackoffLimitExceeded",
            "message": "Job has reached the specified backoff limit"}),
        Outcome::Deadline => {
            for p in children(&env.store, &pod::pods(), ns, &job) {
                if text(&p, "/status/phase") == "Running" {
                    let _ = env.store.update_status(
                        &pod::key(ns, text(&p, "/metadata/name")),
                        pod::terminated_status(&p, 137, "DeadlineExceeded"),
                    );
                }
            }
            status["failed"] = json!(failed + 1);
            json!({"type": "Failed", "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
                   "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline"})
        }
    };
    status["conditions"] = json!([condition]);
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "uncountedTerminatedPods" || v != &json!(0));
    }
    let mut full = job.get("status").cloned().unwrap_or_else(|| json!({}));
    if let (Some(old), Some(new)) = (full.as_object_mut(), status.as_object()) {
        old.remove("active");
        old.remove("ready");
        old.extend(new.clone());
    }
    let _ = env.store.update_status(key, full);
    if let Some(ttl) =
        int(&job, "/spec/ttlSecondsAfterFinished").and_then(|t| u64::try_from(t).ok())
    {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(ttl)) => {}
            () = env.cancel.cancelled() => return,
        }
        for p in children(&env.store, &pod::pods(), ns, &job) {
            let name = text(&p, "/metadata/name");
            let _ = env
                .store
                .delete(&pod::key(ns, name), &WriteOptions::default());
            env.logs.remove_pod(ns, name);
        }
        let _ = env.store.delete(key, &WriteOptions::default());
    }
}
