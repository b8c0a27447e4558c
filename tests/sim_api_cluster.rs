//! The simulated API server's cluster-level behaviour through kube-rs: discovery (legacy and
//! aggregated), forbidden and missing kinds, older served versions, Table output, Events,
//! built-in kinds (Namespaces, Jobs, Deployment scale) — compared with the recorded answers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use axum::http;
use fluxops::flux::FluxKind;
use fluxops::sim::{SimOptions, Store, serve};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams};
use serde_json::{Value, json};
use support::apiserver::*;
use support::objects::demo_body;
use support::sim::{client_for, start_server};

#[tokio::test]
async fn forbidden_and_missing_kinds_answer_like_the_real_server() {
    let (server, client) = start_server(SimOptions::default()).await;
    let handle = server.handle();
    handle.set_flux_kind_forbidden(FluxKind::Kustomization, true);
    let all: Api<DynamicObject> = Api::all_with(client.clone(), &ks_resource());
    let err = all.list(&ListParams::default()).await.unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("not an API error: {err}")
    };
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(
        status.message,
        "kustomizations.kustomize.toolkit.fluxcd.io is forbidden: User \"fluxops-sim\" cannot list resource \"kustomizations\" in API group \"kustomize.toolkit.fluxcd.io\" at the cluster scope"
    );
    handle.set_flux_kind_forbidden(FluxKind::Kustomization, false);
    handle.set_flux_kind_missing(FluxKind::Kustomization, true);
    let (code, ctype, _) = raw(
        &client,
        get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations"),
    )
    .await;
    assert_eq!((code, ctype.as_str()), (404, "text/plain; charset=utf-8"));
    let groups = client.list_api_groups().await.unwrap();
    assert!(
        !groups
            .groups
            .iter()
            .any(|g| g.name == "kustomize.toolkit.fluxcd.io")
    );
    handle.set_flux_kind_missing(FluxKind::HelmChart, true);
    let (code, ctype, _) = raw(&client, get("/apis/source.toolkit.fluxcd.io/v1/helmcharts")).await;
    assert_eq!((code, ctype.as_str()), (404, "application/json"));
    server.shutdown().await;
}

#[tokio::test]
async fn discovery_matches_the_recorded_documents() {
    let (server, client) = start_server(SimOptions::default()).await;
    let (_, _, body) = raw(&client, get("/apis/kustomize.toolkit.fluxcd.io/v1")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        recorded("discovery-kustomize-v1")
    );
    let version = client.apiserver_version().await.unwrap();
    assert_eq!(version.git_version, "v1.28.0");
    let discovery = kube::Discovery::new(client.clone()).run().await.unwrap();
    for kind in FluxKind::ALL {
        let group = discovery.get(kind.group()).expect("flux group discovered");
        assert!(
            group
                .recommended_resources()
                .iter()
                .any(|(r, _)| r.kind == kind.as_str()),
            "{kind} discovered"
        );
    }
    let aggregated = kube::Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap();
    assert!(aggregated.get("helm.toolkit.fluxcd.io").is_some());
    let recorded_agg = recorded("discovery-aggregated");
    let req = http::Request::get("/apis")
        .header("accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
        .body(Vec::new())
        .unwrap();
    let (_, ctype, body) = raw(&client, req).await;
    assert_eq!(
        ctype,
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    );
    let ours: Value = serde_json::from_str(&body).unwrap();
    let find = |doc: &Value, name: &str| {
        doc["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == name)
            .cloned()
            .unwrap()
    };
    for group in [
        "kustomize.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "batch",
    ] {
        let (a, b) = (find(&ours, group), find(&recorded_agg, group));
        let pick = |g: &Value| {
            g["versions"][0]["resources"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| group != "batch" || r["resource"] == "jobs")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(&a), pick(&b), "{group}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn table_form_lists_the_crd_printer_columns() {
    let (server, client) = start_server(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let req = http::Request::get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations?limit=500")
        .header("accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
        .body(Vec::new())
        .unwrap();
    let (code, _, body) = raw(&client, req).await;
    assert_eq!(code, 200);
    let ours: Value = serde_json::from_str(&body).unwrap();
    let want = recorded("ks-list-table");
    assert_eq!(ours["columnDefinitions"], want["columnDefinitions"]);
    assert_eq!(ours["rows"][0]["cells"], want["rows"][0]["cells"]);
    assert_eq!(
        ours["rows"][0]["object"]["kind"],
        want["rows"][0]["object"]["kind"]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn events_are_aggregated_and_selected_by_involved_object() {
    let (server, client) = start_server(SimOptions::default()).await;
    let record = fluxops::sim::EventRecord {
        api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
        kind: "Kustomization".into(),
        namespace: "capture".into(),
        name: "demo".into(),
        type_: "Normal".into(),
        reason: "ReconciliationSucceeded".into(),
        message: "Reconciliation finished in 1.2s, next run in 10m0s".into(),
        component: "kustomize-controller".into(),
        ..Default::default()
    };
    server.store().record_event(&record).unwrap();
    server.store().record_event(&record).unwrap();
    server
        .store()
        .record_event(&fluxops::sim::EventRecord {
            name: "other".into(),
            ..record.clone()
        })
        .unwrap();
    let (code, _, body) = raw(
        &client,
        get("/api/v1/namespaces/capture/events?fieldSelector=involvedObject.kind%3DKustomization,involvedObject.name%3Ddemo"),
    )
    .await;
    assert_eq!(code, 200);
    let ours: Value = serde_json::from_str(&body).unwrap();
    let want = recorded("events-fieldselector");
    assert_eq!(keys(&ours), keys(&want));
    let items = ours["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(keys(&items[0]), keys(&want["items"][0]));
    assert_eq!(items[0]["count"], json!(2));
    assert_eq!(
        items[0]["involvedObject"],
        want["items"][0]["involvedObject"]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn older_served_versions_convert_api_version() {
    let mut registry = fluxops::sim::Registry::standard();
    registry.set_flux_versions(FluxKind::Kustomization, vec!["v1", "v1beta2"]);
    let store = Store::new(registry, fluxops::sim::StoreOptions::default());
    let server = serve("127.0.0.1:0".parse().unwrap(), store, SimOptions::default())
        .await
        .unwrap();
    let client = client_for(&server).await;
    ks_api(&client, "capture")
        .create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let beta = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1beta2", "Kustomization"),
        "kustomizations",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "capture", &beta);
    let obj = api.get("demo").await.unwrap();
    assert_eq!(
        obj.types.unwrap().api_version,
        "kustomize.toolkit.fluxcd.io/v1beta2"
    );
    let groups = client.list_api_groups().await.unwrap();
    let ks = groups
        .groups
        .iter()
        .find(|g| g.name == "kustomize.toolkit.fluxcd.io")
        .unwrap();
    assert_eq!(ks.versions.len(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn cluster_scoped_namespaces_and_generate_name_jobs_work() {
    let (server, client) = start_server(SimOptions::default()).await;
    let ns: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    let created = ns
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "capture"}})).unwrap(),
        )
        .await
        .unwrap();
    let want = recorded("ns-create");
    assert_eq!(serde_json::to_value(&created.spec).unwrap(), want["spec"]);
    assert_eq!(
        serde_json::to_value(&created.status).unwrap(),
        want["status"]
    );
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(client.clone(), "capture");
    let job = jobs
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"generateName": "fluxops-scale-"},
                "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "kubectl", "image": "x"}]}}}}))
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(job.metadata.name.unwrap().starts_with("fluxops-scale-"));
    server.shutdown().await;
}

fn deployment_body() -> Value {
    let recorded_deploy = recorded("deploy-create");
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "podinfo"},
        "spec": {"replicas": 2, "selector": recorded_deploy["spec"]["selector"],
                 "template": {"metadata": {"labels": {"app": "podinfo"}},
                              "spec": {"containers": [{"name": "podinfo", "image": "ghcr.io/stefanprodan/podinfo:6.7.0"}]}}}
    })
}

#[tokio::test]
async fn deployments_get_defaults_immutable_selector_and_scale_like_the_real_server() {
    let (server, client) = start_server(SimOptions::default()).await;
    let base = "/apis/apps/v1/namespaces/capture/deployments";
    let post = http::Request::post(base)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&deployment_body()).unwrap())
        .unwrap();
    let (code, _, body) = raw(&client, post).await;
    assert_eq!(code, 201);
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["spec"], recorded("deploy-create")["spec"]);

    for (query, name) in [
        ("", "deploy-selector-immutable-422"),
        ("?dryRun=All", "deploy-selector-immutable-dryrun-422"),
    ] {
        let patch = http::Request::patch(format!("{base}/podinfo{query}"))
            .header("content-type", "application/merge-patch+json")
            .body(br#"{"spec":{"selector":{"matchLabels":{"tier":"web"}}}}"#.to_vec())
            .unwrap();
        let (code, _, body) = raw(&client, patch).await;
        assert_eq!(code, 422);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            recorded(name)
        );
    }

    let scale = http::Request::patch(format!("{base}/podinfo/scale"))
        .header("content-type", "application/merge-patch+json")
        .body(br#"{"spec":{"replicas":0}}"#.to_vec())
        .unwrap();
    let (code, _, body) = raw(&client, scale).await;
    assert_eq!(code, 200);
    let ours: Value = serde_json::from_str(&body).unwrap();
    let want = recorded("deploy-scale-subresource");
    assert_eq!(keys(&ours), keys(&want));
    assert_eq!(ours["spec"], want["spec"]);
    assert_eq!(ours["status"], want["status"]);
    let deploy = server
        .store()
        .get(&fluxops::sim::ObjectKey::new(
            fluxops::sim::GroupResource::new("apps", "deployments"),
            "capture",
            "podinfo",
        ))
        .unwrap();
    assert_eq!(deploy["spec"]["replicas"], json!(0));
    assert_eq!(deploy["metadata"]["generation"], json!(2));
    server.shutdown().await;
}

#[tokio::test]
async fn jobs_get_the_recorded_defaults_and_dry_run_jobs_are_not_stored() {
    let (server, client) = start_server(SimOptions::default()).await;
    let want = recorded("job-create");
    let body = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"generateName": "fluxops-scale-", "labels": {"fluxops.io/action": "scale"}},
        "spec": {"activeDeadlineSeconds": 300, "backoffLimit": 0, "ttlSecondsAfterFinished": 600,
                 "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "kubectl",
                   "image": "registry.k8s.io/kubectl:v1.33.0", "args": ["scale", "deployment/podinfo", "--replicas=3"]}]}}}
    });
    let jobs: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "capture",
        &ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("batch", "v1", "Job"), "jobs"),
    );
    let dry = jobs
        .create(
            &PostParams {
                dry_run: true,
                field_manager: None,
            },
            &serde_json::from_value(body.clone()).unwrap(),
        )
        .await
        .unwrap();
    assert!(dry.metadata.name.unwrap().starts_with("fluxops-scale-"));
    assert!(
        jobs.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let job = serde_json::to_value(
        jobs.create(
            &PostParams::default(),
            &serde_json::from_value(body).unwrap(),
        )
        .await
        .unwrap(),
    )
    .unwrap();
    let name = job["metadata"]["name"].as_str().unwrap().to_owned();
    let uid = job["metadata"]["uid"].as_str().unwrap().to_owned();
    // The recorded Job with its own name and uid replaced by ours.
    let expected_spec: Value = serde_json::from_str(
        &want["spec"]
            .to_string()
            .replace(want["metadata"]["name"].as_str().unwrap(), &name)
            .replace(want["metadata"]["uid"].as_str().unwrap(), &uid),
    )
    .unwrap();
    assert_eq!(job["spec"], expected_spec);
    assert_eq!(job["status"], want["status"]);
    server.shutdown().await;
}

#[tokio::test]
async fn creating_in_a_missing_namespace_is_a_404_when_namespaces_are_required() {
    let options = SimOptions {
        require_namespaces: true,
        ..SimOptions::default()
    };
    let (server, client) = start_server(options).await;
    let api = ks_api(&client, "nowhere");
    let err = api
        .create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("not an API error: {err}")
    };
    assert_eq!(status.code, 404);
    assert_eq!(status.message, "namespaces \"nowhere\" not found");
    let ns: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    ns.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "nowhere"}})).unwrap(),
    )
    .await
    .unwrap();
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn revoked_or_wrong_credentials_get_401() {
    let (server, client) = start_server(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.list(&ListParams::default()).await.unwrap();
    server.handle().set_unauthorized(true);
    let err = api.list(&ListParams::default()).await.unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("not an API error: {err}")
    };
    assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));
    server.handle().set_unauthorized(false);
    let wrong = server
        .kubeconfig_yaml()
        .replace("token: fluxops-sim-token", "token: stolen");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&wrong).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let intruder = ks_api(&kube::Client::try_from(config).unwrap(), "capture");
    let err = intruder.list(&ListParams::default()).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 401),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn streaming_lists_are_refused_like_v1_28_without_the_watch_list_gate() {
    let (server, client) = start_server(SimOptions::default()).await;
    let (code, _, body) = raw(
        &client,
        get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"),
    )
    .await;
    assert_eq!(code, 422);
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["reason"], json!("Invalid"));
    assert_eq!(
        status["details"]["causes"][0]["field"],
        json!("sendInitialEvents")
    );
    server.shutdown().await;
}
