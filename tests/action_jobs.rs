//! Job actions end to end on the simulator, through the library functions the pipeline calls: `fluxops rbac`
//! objects applied, `scale` started and followed to Complete (the real kubectl runs as `fluxops-scale`),
//! the capture holding the previous replicas and the rendered inverse scaling back; a missing ServiceAccount
//! refused with the fix and no Job; the server's own message for a forbidden or impossible dry-run; executions
//! found again from a fresh client; a patched Secret's value nowhere but in the input Secret.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use axum::http;
use fluxops::actions::params::parse_pair;
use fluxops::actions::{Catalog, ExecutionId, ParamValues, Plan, Target, TargetRef};
use fluxops::execution::capture::{capture, inverse_params};
use fluxops::execution::job_follow::follow;
use fluxops::execution::job_run::{JobError, dry_run, preflight, start};
use fluxops::execution::workload_checks::verify;
use fluxops::execution::{DryRun, Phase, discover};
use fluxops::job::manifest::JobSettings;
use fluxops::job::rbac::{self, RbacOptions};
use fluxops::policy::{Confirmation, Decision};
use fluxops::sim::{SimOptions, SimServer};
use kube::Client;
use serde_json::{Value, json};
use std::time::Duration;
use support::apiserver::{get, raw};
use support::sim::{client_for, client_from_kubeconfig, start_server};
use tokio_util::sync::CancellationToken;

const SECRET_VALUE: &str = "hunter2-Zq8vXk-never-shown";

fn kubectl_installed() -> bool {
    support::kubectl::installed("Job-running checks skipped")
}

async fn start_sim(with_rbac: bool) -> (SimServer, Client) {
    let (server, client) = start_server(SimOptions {
        namespace: "apps".to_owned(),
        workloads: true,
        require_namespaces: true,
        ..SimOptions::default()
    })
    .await;
    for obj in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "podinfo"}},
                     "template": {"metadata": {"labels": {"app": "podinfo"}},
                                  "spec": {"containers": [{"name": "podinfo",
                                           "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}}}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"},
            "type": "Opaque", "data": {"password": "b2xkLXZhbHVl"}}),
    ] {
        server.handle().put_object(obj).unwrap();
    }
    if with_rbac {
        let options = RbacOptions {
            namespace: "fluxops-system".to_owned(),
            target_namespaces: vec![],
        };
        for obj in rbac::objects(&Catalog::builtin().unwrap(), &options) {
            server
                .handle()
                .put_object(serde_json::to_value(&obj).unwrap())
                .unwrap();
        }
    } else {
        server
            .handle()
            .put_object(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": "fluxops-system"}}))
            .unwrap();
    }
    (server, client)
}

fn plan(action: &str, target: &str, params: &[&str]) -> Plan {
    let catalog = Catalog::builtin().unwrap();
    let spec = catalog.get(action).unwrap().clone();
    let pairs: Vec<_> = params.iter().map(|p| parse_pair(p).unwrap()).collect();
    let params = ParamValues::from_pairs(&spec, &pairs).unwrap();
    Plan {
        timeout: spec.timeouts.default,
        spec,
        target: Target::bare(TargetRef::parse(target).unwrap()),
        params,
        execution: ExecutionId::random(),
        decision: Decision {
            allow: true,
            deny: vec![],
            warnings: vec![],
            confirmation: Confirmation::Simple,
            break_glass: None,
            policy_error: None,
        },
    }
}

async fn json_of(client: &Client, path: &str) -> Value {
    let (status, _, body) = raw(client, get(path)).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn replicas(client: &Client) -> i64 {
    json_of(client, "/apis/apps/v1/namespaces/apps/deployments/podinfo").await["spec"]["replicas"]
        .as_i64()
        .unwrap()
}

async fn run(client: &Client, plan: &Plan) -> fluxops::execution::ExecutionStatus {
    let settings = JobSettings::default();
    preflight(client, &settings, plan).await.unwrap();
    let handle = start(client, &settings, plan, "alice@example.com")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let cancel = CancellationToken::new();
    let status = tokio::time::timeout(
        Duration::from_secs(60),
        follow(
            client,
            &handle,
            &mut |s| seen.push(s.phase.clone()),
            &cancel,
        ),
    )
    .await
    .expect("the Job finishes");
    assert!(seen.contains(&Phase::Pending), "{seen:?}");
    status
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_runs_as_its_job_and_the_captured_inverse_scales_back() {
    if !kubectl_installed() {
        return;
    }
    let (server, client) = start_sim(true).await;
    let forward = plan("scale", "Deployment/apps/podinfo", &["replicas=5"]);
    let captured = capture(&client, &forward).await.unwrap();
    assert_eq!(captured.values["replicas"], json!(2));

    let status = run(&client, &forward).await;
    assert_eq!(status.phase, Phase::Succeeded, "{status:?}");
    assert!(
        status
            .log_tail
            .iter()
            .any(|l| l.contains("deployment.apps/podinfo scaled")),
        "the log is kubectl's: {:?}",
        status.log_tail
    );
    assert_eq!(status.operator, "alice@example.com");
    assert_eq!(replicas(&client).await, 5);
    let checks = verify(&client, &forward, &captured, Duration::from_secs(30)).await;
    assert!(checks.iter().all(|c| c.passed), "{checks:?}");
    assert!(checks.iter().any(|c| c.name == "rollout-complete"));

    let inverse = forward.spec.rollback.inverse.clone().unwrap();
    let pairs = inverse_params(&inverse, &forward.params, &captured).unwrap();
    assert_eq!(pairs, vec![("replicas".to_owned(), "2".to_owned())]);
    let mut back = plan("scale", "Deployment/apps/podinfo", &["replicas=0"]);
    back.params = ParamValues::from_pairs(&back.spec, &pairs).unwrap();
    let status = run(&client, &back).await;
    assert_eq!(status.phase, Phase::Succeeded, "{status:?}");
    assert_eq!(replicas(&client).await, 2);

    // A console restart: a fresh client finds both executions by their Jobs' labels.
    let fresh = client_for(&server).await;
    let found = discover::discover(&fresh, &JobSettings::default())
        .await
        .unwrap();
    let ids: Vec<_> = found.iter().map(|(_, s)| s.execution.clone()).collect();
    assert!(
        ids.contains(&forward.execution) && ids.contains(&back.execution),
        "{ids:?}"
    );
    let (_, first) = found
        .iter()
        .find(|(_, s)| s.execution == forward.execution)
        .unwrap();
    assert_eq!(first.phase, Phase::Succeeded);
    assert_eq!(first.action, "scale");
    assert_eq!(first.target.to_string(), "Deployment/apps/podinfo");
    assert_eq!(first.operator, "alice@example.com");
    assert!(
        first.log_tail.iter().any(|l| l.contains("scaled")),
        "{first:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_service_account_is_refused_with_the_fix_and_no_job() {
    let (server, client) = start_sim(false).await;
    let p = plan("scale", "Deployment/apps/podinfo", &["replicas=1"]);
    let err = preflight(&client, &JobSettings::default(), &p)
        .await
        .unwrap_err();
    let JobError::MissingRbac { missing, fix } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(fix, "fluxops rbac | kubectl apply -f -");
    assert!(
        missing[0].contains("ServiceAccount fluxops-system/fluxops-scale does not exist"),
        "{missing:?}"
    );
    let other = JobSettings {
        namespace: "ops".to_owned(),
        ..JobSettings::default()
    };
    let err = preflight(&client, &other, &p).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("fluxops rbac --namespace ops | kubectl apply -f -"),
        "{err}"
    );
    // The dry-run stops there too: it never runs a Job without its ServiceAccount.
    let (result, yaml) = dry_run(&client, &JobSettings::default(), &p, "alice").await;
    assert!(
        matches!(&result, DryRun::Failed { message, .. } if message.contains("fluxops rbac")),
        "{result:?}"
    );
    assert!(yaml.contains("serviceAccountName: fluxops-scale"), "{yaml}");
    let jobs = json_of(&client, "/apis/batch/v1/namespaces/fluxops-system/jobs").await;
    assert_eq!(jobs["items"], json!([]), "no Job was created");
    server.shutdown().await;
}

async fn client_as_nobody(server: &SimServer, client: &Client) -> Client {
    server
        .handle()
        .put_object(json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "nobody", "namespace": "fluxops-system"}}))
        .unwrap();
    let req = http::Request::post("/api/v1/namespaces/fluxops-system/serviceaccounts/nobody/token")
        .header("content-type", "application/json")
        .body(
            br#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"#
                .to_vec(),
        )
        .unwrap();
    let (status, _, body) = raw(client, req).await;
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    client_from_kubeconfig(
        &server
            .kubeconfig_yaml()
            .replace("token: fluxops-sim-token", &format!("token: {token}")),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_runs_show_the_servers_own_refusal() {
    let (server, client) = start_sim(true).await;
    let p = plan("scale", "Deployment/apps/podinfo", &["replicas=3"]);
    let nobody = client_as_nobody(&server, &client).await;
    let (result, _) = dry_run(&nobody, &JobSettings::default(), &p, "nobody").await;
    let DryRun::Failed { request, message } = &result else {
        panic!("{result:?}");
    };
    assert!(
        request.starts_with("create Job fluxops-system/fluxops-scale-"),
        "{request}"
    );
    assert!(
        message.contains("jobs.batch is forbidden: User \"system:serviceaccount:fluxops-system:nobody\" cannot create resource \"jobs\""),
        "{message}"
    );
    let nowhere = JobSettings {
        namespace: "nowhere".to_owned(),
        ..JobSettings::default()
    };
    let (result, _) = dry_run(&client, &nowhere, &p, "alice").await;
    assert!(
        matches!(&result, DryRun::Failed { message, .. } if message == "namespaces \"nowhere\" not found"),
        "{result:?}"
    );
    let jobs = json_of(&client, "/apis/batch/v1/namespaces/fluxops-system/jobs").await;
    assert_eq!(jobs["items"], json!([]), "a refused dry-run leaves nothing");
    assert_eq!(replicas(&client).await, 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_dry_run_runs_kubectl_with_dry_run_server_and_changes_nothing() {
    if !kubectl_installed() {
        return;
    }
    let (server, client) = start_sim(true).await;
    let p = plan("scale", "Deployment/apps/podinfo", &["replicas=7"]);
    let (result, yaml) = dry_run(&client, &JobSettings::default(), &p, "alice").await;
    let DryRun::Passed { diff } = &result else {
        panic!("{result:?}");
    };
    assert!(
        diff[0].starts_with("+ Job fluxops-system/fluxops-scale-"),
        "{diff:?}"
    );
    assert!(
        diff.iter().any(|l| l.contains("scaled (server dry run)")),
        "{diff:?}"
    );
    assert!(yaml.contains("--replicas=7"), "{yaml}");
    assert_eq!(replicas(&client).await, 2, "a dry run changes nothing");
    let found = discover::discover(&client, &JobSettings::default())
        .await
        .unwrap();
    assert!(
        found.is_empty(),
        "a dry-run Job is not an execution: {found:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patched_secret_value_stays_in_the_input_secret() {
    if !kubectl_installed() {
        return;
    }
    let (server, client) = start_sim(true).await;
    let p = plan(
        "patch-secret",
        "Secret/apps/creds",
        &["key=password", &format!("value={SECRET_VALUE}")],
    );
    let captured = capture(&client, &p).await.unwrap();
    let status = run(&client, &p).await;
    assert_eq!(status.phase, Phase::Succeeded, "{status:?}");
    let checks = verify(&client, &p, &captured, Duration::from_secs(5)).await;
    assert_eq!(checks.len(), 1, "{checks:?}");
    let stored = json_of(&client, "/api/v1/namespaces/apps/secrets/creds").await;
    // kube-apiserver merges `stringData` into `data`; so does the simulator.
    assert!(stored.get("stringData").is_none(), "{stored}");
    assert!(checks[0].passed, "{checks:?}");
    let job = json_of(
        &client,
        &format!(
            "/apis/batch/v1/namespaces/fluxops-system/jobs/fluxops-patch-secret-{}",
            p.execution
        ),
    )
    .await;
    let (_, (_, yaml)) = (
        0,
        dry_run(&client, &JobSettings::default(), &p, "alice").await,
    );
    for (what, text) in [
        ("the Job", job.to_string()),
        ("the status", format!("{status:?}")),
        ("the capture", serde_json::to_string(&captured).unwrap()),
        ("the capture lines", captured.lines().join("\n")),
        ("the plan", format!("{p:?}")),
        ("the Job YAML", yaml),
    ] {
        assert!(
            !text.contains(SECRET_VALUE),
            "{what} holds the secret: {text}"
        );
    }
    assert!(
        captured.values["secret-key-digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_bound_only_to_the_operator_roles_passes_the_preflight() {
    let (server, admin) = start_sim(true).await;
    let post = |path: String, body: Value| {
        let admin = admin.clone();
        async move {
            let request = http::Request::post(path)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap())
                .unwrap();
            admin.request::<Value>(request).await.unwrap()
        }
    };
    let rbac = "/apis/rbac.authorization.k8s.io/v1";
    post(
        "/api/v1/namespaces/fluxops-system/serviceaccounts".to_owned(),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "oncall", "namespace": "fluxops-system"}}),
    )
    .await;
    let subject =
        json!([{"kind": "ServiceAccount", "name": "oncall", "namespace": "fluxops-system"}]);
    post(
        format!("{rbac}/clusterrolebindings"),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "oncall-fluxops-operator"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "fluxops-operator"},
            "subjects": subject}),
    )
    .await;
    post(
        format!("{rbac}/namespaces/fluxops-system/rolebindings"),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "oncall-fluxops-operator", "namespace": "fluxops-system"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "fluxops-operator"},
            "subjects": subject}),
    )
    .await;
    let issued = post(
        "/api/v1/namespaces/fluxops-system/serviceaccounts/oncall/token".to_owned(),
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}),
    )
    .await;
    let token = issued["status"]["token"].as_str().unwrap();
    let yaml = server.kubeconfig_yaml();
    let admin_token = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap()
        .to_owned();
    let oncall = support::sim::client_from_kubeconfig(&yaml.replace(&admin_token, token)).await;
    let p = plan("scale", "Deployment/apps/podinfo", &["replicas=3"]);
    let notes = preflight(&oncall, &JobSettings::default(), &p)
        .await
        .unwrap();
    assert_eq!(
        notes,
        vec!["ServiceAccount fluxops-system/fluxops-scale exists and is bound".to_owned()],
        "the operator roles must let the pre-flight read what it checks"
    );
    server.shutdown().await;
}
