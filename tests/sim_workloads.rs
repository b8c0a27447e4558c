//! The cluster below Flux in the simulator, through the real kubectl: Deployments with pods that follow
//! `kubectl scale`, roll on `kubectl rollout restart` and finish `kubectl rollout status`; the immutable
//! selector 422 of a real apply, byte-equal to kube-apiserver's; RBAC (403 without a binding, allowed with one,
//! SelfSubjectAccessReview agreeing); Jobs running kubectl as their ServiceAccount (log served, Complete;
//! DeadlineExceeded past `activeDeadlineSeconds`); evictions; and the JSON-lines request log.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use axum::http;
use fluxops::sim::{SimOptions, SimServer};
use kube::Client;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::apiserver::{get, raw, recorded};
use support::poll::eventually;
use support::sim::{client_from_kubeconfig, start_server};

const DEPLOY: &str = "/apis/apps/v1/namespaces/apps/deployments";

async fn start(log: Option<PathBuf>) -> (SimServer, Client) {
    let (server, client) = start_server(SimOptions {
        namespace: "apps".to_owned(),
        workloads: true,
        request_log: log,
        ..SimOptions::default()
    })
    .await;
    for obj in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fluxops-system"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "podinfo"}},
                     "template": {"metadata": {"labels": {"app": "podinfo"}},
                                  "spec": {"containers": [{"name": "podinfo",
                                           "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}}}}),
    ] {
        server.handle().put_object(obj).unwrap();
    }
    (server, client)
}

fn kubectl_installed() -> bool {
    support::kubectl::installed("real-kubectl checks skipped")
}

struct Kubectl {
    kubeconfig: PathBuf,
    cache: PathBuf,
    _dir: tempfile::TempDir,
}

impl Kubectl {
    fn new(server: &SimServer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).unwrap();
        Self {
            kubeconfig,
            cache: dir.path().join("cache"),
            _dir: dir,
        }
    }

    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new("kubectl");
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&self.cache);
        tokio::task::spawn_blocking(move || {
            let out = cmd.output().unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .await
        .unwrap()
    }
}

async fn json_of(client: &Client, path: &str) -> Value {
    let (status, _, body) = raw(client, get(path)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn pod_names(client: &Client) -> Vec<String> {
    let list = json_of(client, "/api/v1/namespaces/apps/pods").await;
    let mut names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_scale_rollout_restart_and_rollout_status_work() {
    if !kubectl_installed() {
        return;
    }
    let (server, client) = start(None).await;
    let kubectl = Kubectl::new(&server);
    let (ok, out, err) = kubectl
        .run(&["rollout", "status", "deployment/podinfo", "--timeout=20s"])
        .await;
    assert!(ok, "rollout status: {out}{err}");
    assert!(out.contains("successfully rolled out"), "{out}");
    assert_eq!(pod_names(&client).await.len(), 2);

    let (ok, out, err) = kubectl
        .run(&["scale", "deployment/podinfo", "--replicas=3"])
        .await;
    assert!(ok, "scale: {out}{err}");
    let (ok, out, err) = kubectl
        .run(&["rollout", "status", "deployment/podinfo", "--timeout=20s"])
        .await;
    assert!(ok, "{out}{err}");
    let before = pod_names(&client).await;
    assert_eq!(before.len(), 3, "pods follow replicas");

    let (ok, out, err) = kubectl
        .run(&["rollout", "restart", "deployment/podinfo"])
        .await;
    assert!(ok, "restart: {out}{err}");
    let (ok, out, err) = kubectl
        .run(&["rollout", "status", "deployment/podinfo", "--timeout=20s"])
        .await;
    assert!(ok && out.contains("successfully rolled out"), "{out}{err}");
    let after = eventually(Duration::from_secs(10), || {
        let client = client.clone();
        async move {
            let names = pod_names(&client).await;
            (names.len() == 3).then_some(names)
        }
    })
    .await
    .expect("three pods after the restart");
    assert!(
        after.iter().all(|n| !before.contains(n)),
        "a restart replaces every pod: {before:?} → {after:?}"
    );
    let deploy = json_of(&client, &format!("{DEPLOY}/podinfo")).await;
    assert_eq!(
        deploy["status"]["observedGeneration"],
        deploy["metadata"]["generation"]
    );
    let conditions: Vec<(&str, &str)> = deploy["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        conditions,
        [
            ("Available", "MinimumReplicasAvailable"),
            ("Progressing", "NewReplicaSetAvailable")
        ]
    );
    let (ok, out, _) = kubectl.run(&["get", "rs", "-o", "name"]).await;
    assert!(
        ok && out.lines().count() == 2,
        "old and new ReplicaSet: {out}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selector_change_gets_the_recorded_immutable_field_422() {
    let (server, client) = start(None).await;
    let expected = recorded("deploy-selector-immutable-422");
    let selector = json!({"spec": {"selector": {"matchLabels": {"app": "podinfo", "tier": "web"}},
        "template": {"metadata": {"labels": {"app": "podinfo", "tier": "web"}}}}});
    let patch = |query: &str, content_type: &str, body: &Value| {
        http::Request::patch(format!("{DEPLOY}/podinfo{query}"))
            .header("content-type", content_type)
            .body(serde_json::to_vec(body).unwrap())
            .unwrap()
    };
    let mut apply = selector.clone();
    apply["apiVersion"] = json!("apps/v1");
    apply["kind"] = json!("Deployment");
    apply["metadata"] = json!({"name": "podinfo", "namespace": "apps"});
    for req in [
        patch("", "application/merge-patch+json", &selector),
        patch("?dryRun=All", "application/merge-patch+json", &selector),
        patch(
            "?fieldManager=fluxops&force=true",
            "application/apply-patch+yaml",
            &apply,
        ),
    ] {
        let (status, _, body) = raw(&client, req).await;
        assert_eq!(status, 422);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
    }
    let mut put = json_of(&client, &format!("{DEPLOY}/podinfo")).await;
    put["spec"]["selector"] = selector["spec"]["selector"].clone();
    put["spec"]["template"]["metadata"]["labels"] = json!({"app": "podinfo", "tier": "web"});
    let req = http::Request::put(format!("{DEPLOY}/podinfo"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&put).unwrap())
        .unwrap();
    let (status, _, body) = raw(&client, req).await;
    assert_eq!(status, 422);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
    server.shutdown().await;
}

/// A ServiceAccount and a token for it; returns (client, token).
async fn service_account(server: &SimServer, client: &Client, name: &str) -> Client {
    server
        .handle()
        .put_object(json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": "fluxops-system"}}))
        .unwrap();
    let req = http::Request::post(format!(
        "/api/v1/namespaces/fluxops-system/serviceaccounts/{name}/token"
    ))
    .header("content-type", "application/json")
    .body(br#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"#.to_vec())
    .unwrap();
    let (status, _, body) = raw(client, req).await;
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let yaml = server
        .kubeconfig_yaml()
        .replace("token: fluxops-sim-token", &format!("token: {token}"));
    client_from_kubeconfig(&yaml).await
}

async fn can_i(client: &Client, verb: &str, resource: &str, subresource: &str) -> Value {
    let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": "apps", "verb": verb, "group": "apps",
                                        "resource": resource, "subresource": subresource}}});
    let req = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let (status, _, body) = raw(client, req).await;
    assert_eq!(status, 201);
    serde_json::from_str::<Value>(&body).unwrap()["status"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_denies_without_a_binding_and_allows_with_one() {
    let (server, client) = start(None).await;
    let sa = service_account(&server, &client, "fluxops-scale").await;
    let scale = || {
        http::Request::patch(format!("{DEPLOY}/podinfo/scale"))
            .header("content-type", "application/merge-patch+json")
            .body(br#"{"spec":{"replicas":3}}"#.to_vec())
            .unwrap()
    };
    let (status, _, body) = raw(&sa, scale()).await;
    assert_eq!(status, 403);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "deployments.apps \"podinfo\" is forbidden: User \"system:serviceaccount:fluxops-system:fluxops-scale\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"apps\"",
            "reason": "Forbidden", "details": {"name": "podinfo", "group": "apps", "kind": "deployments"},
            "code": 403})
    );
    assert_eq!(
        can_i(&sa, "patch", "deployments", "scale").await,
        json!({"allowed": false})
    );
    for obj in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "fluxops-scale", "namespace": "apps"},
            "rules": [{"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["get", "patch"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "fluxops-scale", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "fluxops-scale"},
            "subjects": [{"kind": "ServiceAccount", "name": "fluxops-scale", "namespace": "fluxops-system"}]}),
    ] {
        server.handle().put_object(obj).unwrap();
    }
    let (status, _, body) = raw(&sa, scale()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        can_i(&sa, "patch", "deployments", "scale").await,
        json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"fluxops-scale/apps\" of Role \"fluxops-scale\" to ServiceAccount \"fluxops-scale/fluxops-system\""})
    );
    assert_eq!(
        can_i(&sa, "delete", "deployments", "").await["allowed"],
        false
    );
    let review = http::Request::post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .header("content-type", "application/json")
        .body(br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#.to_vec())
        .unwrap();
    let (status, _, body) = raw(&sa, review).await;
    assert_eq!(status, 201);
    let who: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        who["status"]["userInfo"]["username"],
        "system:serviceaccount:fluxops-system:fluxops-scale"
    );
    let bogus = client_from_kubeconfig(
        &server
            .kubeconfig_yaml()
            .replace("token: fluxops-sim-token", "token: forged"),
    )
    .await;
    assert_eq!(raw(&bogus, get(DEPLOY)).await.0, 401);
    server.shutdown().await;
}

fn job(name: &str, args: &[&str], deadline: Option<u64>) -> Value {
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "fluxops-system"},
        "spec": {"backoffLimit": 0, "template": {"spec": {
            "serviceAccountName": "fluxops-reader", "restartPolicy": "Never",
            "containers": [{"name": "kubectl", "image": "registry.k8s.io/kubectl:v1.28.0",
                            "command": ["kubectl"], "args": args}]}}}});
    if let Some(d) = deadline {
        job["spec"]["activeDeadlineSeconds"] = json!(d);
    }
    job
}

async fn job_condition(client: &Client, name: &str) -> Value {
    eventually(Duration::from_secs(30), || {
        let client = client.clone();
        let path = format!("/apis/batch/v1/namespaces/fluxops-system/jobs/{name}");
        async move {
            let job = json_of(&client, &path).await;
            job["status"]["conditions"][0]
                .is_object()
                .then(|| job["status"].clone())
        }
    })
    .await
    .unwrap_or_else(|| panic!("Job {name} never finished"))
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_run_kubectl_as_their_service_account_and_honour_deadlines() {
    if !kubectl_installed() {
        return;
    }
    let (server, client) = start(None).await;
    let _ = service_account(&server, &client, "fluxops-reader").await;
    for obj in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "reader", "namespace": "apps"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "fluxops-reader", "namespace": "fluxops-system"}]}),
        job(
            "list-pods",
            &["get", "pods", "-n", "apps", "-o", "name"],
            None,
        ),
        job("list-nodes", &["get", "nodes"], None),
        job("sleepy", &["get", "pods", "-n", "apps", "--watch"], Some(2)),
    ] {
        server.handle().put_object(obj).unwrap();
    }
    let done = job_condition(&client, "list-pods").await;
    assert_eq!(done["conditions"][0]["type"], "Complete", "{done}");
    assert_eq!(done["succeeded"], 1);
    let pods = json_of(
        &client,
        "/api/v1/namespaces/fluxops-system/pods?labelSelector=job-name%3Dlist-pods",
    )
    .await;
    let pod = pods["items"][0]["metadata"]["name"].as_str().unwrap();
    let (status, ctype, log) = raw(
        &client,
        get(&format!("/api/v1/namespaces/fluxops-system/pods/{pod}/log")),
    )
    .await;
    assert_eq!((status, ctype.as_str()), (200, "text/plain"));
    assert!(
        log.lines()
            .filter(|l| l.starts_with("pod/podinfo-"))
            .count()
            == 2,
        "the Job's log is kubectl's output: {log}"
    );

    let denied = job_condition(&client, "list-nodes").await;
    assert_eq!(
        denied["conditions"][0]["reason"], "BackoffLimitExceeded",
        "listing nodes is not in the view role bound in one namespace: {denied}"
    );
    let log_of = |job: &str| {
        let client = client.clone();
        let job = job.to_owned();
        async move {
            let pods = json_of(
                &client,
                &format!("/api/v1/namespaces/fluxops-system/pods?labelSelector=job-name%3D{job}"),
            )
            .await;
            let pod = pods["items"][0]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_owned();
            raw(
                &client,
                get(&format!("/api/v1/namespaces/fluxops-system/pods/{pod}/log")),
            )
            .await
            .2
        }
    };
    assert!(
        log_of("list-nodes").await.contains(
            "User \"system:serviceaccount:fluxops-system:fluxops-reader\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        ),
        "RBAC is exercised by the Job's own identity"
    );

    let late = job_condition(&client, "sleepy").await;
    assert_eq!(late["conditions"][0]["type"], "Failed");
    assert_eq!(late["conditions"][0]["reason"], "DeadlineExceeded");
    assert_eq!(
        late["conditions"][0]["message"],
        "Job was active longer than specified deadline"
    );
    let users: Vec<String> = server
        .request_log()
        .entries()
        .into_iter()
        .map(|e| e.user)
        .collect();
    assert!(users.contains(&"system:serviceaccount:fluxops-system:fluxops-reader".to_owned()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn evictions_delete_pods_and_the_request_log_file_records_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.jsonl");
    let (server, client) = start(Some(path.clone())).await;
    let pod = eventually(Duration::from_secs(10), || {
        let client = client.clone();
        async move { pod_names(&client).await.into_iter().next() }
    })
    .await
    .expect("a running pod");
    let evict = |name: &str| {
        http::Request::post(format!("/api/v1/namespaces/apps/pods/{name}/eviction"))
            .header("content-type", "application/json")
            .body(
                serde_json::to_vec(&json!({"apiVersion": "policy/v1", "kind": "Eviction",
                    "metadata": {"name": name, "namespace": "apps"}}))
                .unwrap(),
            )
            .unwrap()
    };
    let (status, _, body) = raw(&client, evict(&pod)).await;
    assert_eq!(status, 201);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
    );
    let (status, _, _) = raw(&client, evict(&pod)).await;
    assert_eq!(status, 404);
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let eviction = format!("/api/v1/namespaces/apps/pods/{pod}/eviction");
    let logged: Vec<(&str, &str, &str, u64)> = lines
        .iter()
        .filter(|l| l["path"] == eviction.as_str())
        .map(|l| {
            (
                l["verb"].as_str().unwrap(),
                l["method"].as_str().unwrap(),
                l["user"].as_str().unwrap(),
                l["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        logged,
        [
            ("create", "POST", "fluxops-sim", 201),
            ("create", "POST", "fluxops-sim", 404)
        ]
    );
    assert_eq!(lines.len(), server.request_log().len());
    server.shutdown().await;
}
