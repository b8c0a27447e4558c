//! The simulated API server driven by unmodified kube-rs (Client, Api, watcher) through a
//! kubeconfig, compared with the answers recorded from a real kube-apiserver v1.28
//! (`shared/data/apiserver-v1.28/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use axum::http;
use fluxops::flux::FluxKind;
use fluxops::sim::{GroupResource, SimOptions, SimServer, Store, serve};
use futures::{StreamExt, TryStreamExt};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use kube::{Client, Config};
use serde_json::{Value, json};
use std::time::Duration;

const RECORDED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/apiserver-v1.28"
);

fn recorded(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{RECORDED}/{name}.body")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn start(options: SimOptions) -> (SimServer, Client) {
    let server = serve("127.0.0.1:0".parse().unwrap(), Store::standard(), options)
        .await
        .unwrap();
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    let client = Client::try_from(config).unwrap();
    (server, client)
}

fn ks_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
        "kustomizations",
    )
}

fn ks_api(client: &Client, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), ns, &ks_resource())
}

fn demo_body(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "labels": {"team": "a"}},
        "spec": {"interval": "10m", "path": "./apps", "prune": true, "force": false,
                 "sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    }))
    .unwrap()
}

fn to_value(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).unwrap()
}

/// Sends a raw request through kube's own HTTP stack; returns (status, content-type, body).
async fn raw(client: &Client, req: http::Request<Vec<u8>>) -> (u16, String, String) {
    let (parts, body) = req.into_parts();
    let req = http::Request::from_parts(parts, kube::client::Body::from(body));
    let resp = client.send(req).await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.into_body().collect_bytes().await.unwrap();
    (status, ctype, String::from_utf8(bytes.to_vec()).unwrap())
}

fn get(path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(path).body(Vec::new()).unwrap()
}

/// Keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn created_kustomization_matches_the_recorded_create() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let created = to_value(
        &api.create(&PostParams::default(), &demo_body("demo"))
            .await
            .unwrap(),
    );
    let want = recorded("ks-create");
    assert_eq!(keys(&created), keys(&want));
    assert_eq!(keys(&created["metadata"]), keys(&want["metadata"]));
    assert_eq!(created["spec"], want["spec"]);
    assert_eq!(created["status"], want["status"]);
    assert_eq!(
        created["metadata"]["generation"],
        want["metadata"]["generation"]
    );
    let fetched = to_value(&api.get("demo").await.unwrap());
    assert_eq!(fetched, created);
    server.shutdown().await;
}

#[tokio::test]
async fn list_body_has_the_recorded_shape_and_honours_label_selectors() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let mut other = demo_body("other");
    other.metadata.labels = Some([("team".to_owned(), "b".to_owned())].into());
    api.create(&PostParams::default(), &other).await.unwrap();
    let (code, ctype, body) = raw(
        &client,
        get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations?labelSelector=team%3Da"),
    )
    .await;
    let list: Value = serde_json::from_str(&body).unwrap();
    let want = recorded("ks-list-labelsel");
    assert_eq!((code, ctype.as_str()), (200, "application/json"));
    assert_eq!(keys(&list), keys(&want));
    assert_eq!(keys(&list["metadata"]), keys(&want["metadata"]));
    assert_eq!(list["kind"], want["kind"]);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["spec"], want["items"][0]["spec"]);
    let all = api.list(&ListParams::default()).await.unwrap();
    assert_eq!(all.items.len(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn paging_with_limit_and_continue_returns_every_object_once() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    for i in 0..7 {
        api.create(&PostParams::default(), &demo_body(&format!("ks-{i}")))
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(3);
    loop {
        let page = api.list(&params).await.unwrap();
        names.extend(page.items.iter().map(|o| o.metadata.name.clone().unwrap()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(names, (0..7).map(|i| format!("ks-{i}")).collect::<Vec<_>>());
    server.shutdown().await;
}

#[tokio::test]
async fn patches_change_generation_and_status_like_the_real_server() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let pp = PatchParams::default();
    let annotated = to_value(
        &api.patch(
            "demo",
            &pp,
            &Patch::Merge(json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "2026-11-24T03:00:00.000000000Z"}}})),
        )
        .await
        .unwrap(),
    );
    let want = recorded("ks-patch-annotation-merge");
    assert_eq!(
        annotated["metadata"]["annotations"],
        want["metadata"]["annotations"]
    );
    assert_eq!(
        annotated["metadata"]["generation"],
        want["metadata"]["generation"]
    );

    let suspended = to_value(
        &api.patch(
            "demo",
            &pp,
            &Patch::Merge(json!({"spec": {"suspend": true}})),
        )
        .await
        .unwrap(),
    );
    let want = recorded("ks-patch-spec-merge");
    assert_eq!(suspended["spec"], want["spec"]);
    assert_eq!(
        suspended["metadata"]["generation"],
        want["metadata"]["generation"]
    );

    let json_patch: json_patch::Patch =
        serde_json::from_value(json!([{"op": "replace", "path": "/spec/interval", "value": "5m"}]))
            .unwrap();
    let jp = to_value(
        &api.patch("demo", &pp, &Patch::<()>::Json(json_patch))
            .await
            .unwrap(),
    );
    let want = recorded("ks-patch-json");
    assert_eq!(jp["spec"], want["spec"]);
    assert_eq!(jp["metadata"]["generation"], want["metadata"]["generation"]);

    let on_main = to_value(
        &api.patch(
            "demo",
            &pp,
            &Patch::Merge(json!({"status": {"observedGeneration": 3}})),
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        on_main["status"],
        recorded("ks-patch-status-on-main")["status"]
    );
    assert_eq!(
        on_main["metadata"]["resourceVersion"],
        jp["metadata"]["resourceVersion"]
    );

    let want = recorded("ks-patch-status-subresource");
    let status = to_value(
        &api.patch_status(
            "demo",
            &pp,
            &Patch::Merge(json!({"status": want["status"]})),
        )
        .await
        .unwrap(),
    );
    assert_eq!(status["status"], want["status"]);
    assert_eq!(
        status["metadata"]["generation"],
        want["metadata"]["generation"]
    );
    let managers: Vec<&str> = status["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.get("subresource").and_then(Value::as_str))
        .collect();
    assert_eq!(managers, ["status"]);
    server.shutdown().await;
}

#[tokio::test]
async fn server_side_apply_creates_then_updates() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let body = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "demo-ssa"},
        "spec": {"interval": "10m", "path": "./x", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    });
    let applied = to_value(
        &api.patch(
            "demo-ssa",
            &PatchParams::apply("fluxops"),
            &Patch::Apply(&body),
        )
        .await
        .unwrap(),
    );
    let want = recorded("ks-apply-ssa");
    assert_eq!(applied["status"], want["status"]);
    assert_eq!(
        applied["metadata"]["managedFields"][0]["manager"],
        json!("fluxops")
    );
    assert_eq!(
        applied["metadata"]["managedFields"][0]["operation"],
        json!("Apply")
    );
    let again = to_value(
        &api.patch(
            "demo-ssa",
            &PatchParams::apply("fluxops"),
            &Patch::Apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "spec": {"path": "./y"}})),
        )
        .await
        .unwrap(),
    );
    assert_eq!(again["spec"]["path"], json!("./y"));
    assert_eq!(again["metadata"]["generation"], json!(2));
    server.shutdown().await;
}

#[tokio::test]
async fn dry_run_writes_answer_but_store_nothing_and_are_logged_as_dry_run() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let dry = to_value(
        &api.create(
            &PostParams {
                dry_run: true,
                field_manager: None,
            },
            &demo_body("demo-dry"),
        )
        .await
        .unwrap(),
    );
    let want = recorded("ks-create-dryrun");
    assert_eq!(keys(&dry["metadata"]), keys(&want["metadata"]));
    assert!(api.get_opt("demo-dry").await.unwrap().is_none());
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let dp = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };
    api.delete("demo", &dp).await.unwrap();
    assert!(api.get_opt("demo").await.unwrap().is_some());
    let pp = PatchParams {
        dry_run: true,
        ..PatchParams::default()
    };
    api.patch(
        "demo",
        &pp,
        &Patch::Merge(json!({"spec": {"suspend": true}})),
    )
    .await
    .unwrap();
    assert!(
        api.get("demo").await.unwrap().data["spec"]
            .get("suspend")
            .is_none()
    );
    let mutations = server.request_log().mutations();
    assert_eq!(
        mutations.len(),
        1,
        "only the real create mutates: {mutations:?}"
    );
    assert_eq!(mutations[0].method, "POST");
    server.shutdown().await;
}

#[tokio::test]
async fn errors_are_the_recorded_status_bodies() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let created = api
        .create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let base = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations";
    let (code, _, body) = raw(&client, get(&format!("{base}/nope"))).await;
    assert_eq!(code, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        recorded("ks-get-404")
    );

    let post = http::Request::post(base)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&demo_body("demo")).unwrap())
        .unwrap();
    let (code, _, body) = raw(&client, post).await;
    assert_eq!(code, 409);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        recorded("ks-create-again-409")
    );

    api.patch(
        "demo",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"suspend": true}})),
    )
    .await
    .unwrap();
    let put = http::Request::put(format!("{base}/demo"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&created).unwrap())
        .unwrap();
    let (code, _, body) = raw(&client, put).await;
    assert_eq!(code, 409);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        recorded("ks-put-stale-409")
    );

    let bad = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                     "metadata": {"name": "bad"}, "spec": {"prune": "yes", "path": "./x"}});
    let post = http::Request::post(base)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&bad).unwrap())
        .unwrap();
    let (code, _, body) = raw(&client, post).await;
    assert_eq!(code, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        recorded("ks-invalid-422")
    );

    let smp = http::Request::patch(format!("{base}/demo"))
        .header("content-type", "application/strategic-merge-patch+json")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(raw(&client, smp).await.0, 415);

    let (code, ctype, body) = raw(&client, get("/apis/example.toolkit.fluxcd.io/v1/widgets")).await;
    assert_eq!((code, ctype.as_str()), (404, "text/plain; charset=utf-8"));
    assert_eq!(
        body,
        std::fs::read_to_string(format!("{RECORDED}/missing-kind-404.body")).unwrap()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn delete_answers_the_recorded_success_status() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let created = api
        .create(&PostParams::default(), &demo_body("demo-ssa"))
        .await
        .unwrap();
    let deleted = api
        .delete("demo-ssa", &DeleteParams::background())
        .await
        .unwrap();
    let status = deleted
        .right()
        .expect("a Status for a deleted custom resource");
    let want = recorded("ks-delete");
    assert_eq!(
        status.status,
        Some(kube::core::response::StatusSummary::Success)
    );
    let details = status.details.unwrap();
    assert_eq!(details.name, want["details"]["name"].as_str().unwrap());
    assert_eq!(details.uid, created.metadata.uid.unwrap());
    assert!(api.get_opt("demo-ssa").await.unwrap().is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn forbidden_and_missing_kinds_answer_like_the_real_server() {
    let (server, client) = start(SimOptions::default()).await;
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
    let (server, client) = start(SimOptions::default()).await;
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
    let (server, client) = start(SimOptions::default()).await;
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
    let (server, client) = start(SimOptions::default()).await;
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
async fn kube_watcher_sees_changes_and_bookmarks() {
    let options = SimOptions {
        bookmark_interval: Duration::from_millis(200),
        ..SimOptions::default()
    };
    let (server, client) = start(options).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("before"))
        .await
        .unwrap();
    let mut events = watcher(api.clone(), watcher::Config::default()).boxed();
    let mut seen_init = false;
    while let Some(ev) = events.try_next().await.unwrap() {
        if let watcher::Event::InitDone = ev {
            seen_init = true;
            break;
        }
    }
    assert!(seen_init);
    api.create(&PostParams::default(), &demo_body("after"))
        .await
        .unwrap();
    let applied = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.try_next().await.unwrap() {
            if let watcher::Event::Apply(obj) = ev {
                return obj.metadata.name;
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(applied.as_deref(), Some("after"));
    // A bookmark line arrives on a raw watch too.
    let rv = server.store().resource_version();
    let (_, _, body) = raw(
        &client,
        get(&format!("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations?watch=true&allowWatchBookmarks=true&resourceVersion={rv}&timeoutSeconds=1")),
    )
    .await;
    let first: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], json!("BOOKMARK"));
    assert_eq!(
        keys(&first["object"]),
        vec!["apiVersion", "kind", "metadata"]
    );
    assert_eq!(keys(&first["object"]["metadata"]), vec!["resourceVersion"]);
    server.shutdown().await;
}

#[tokio::test]
async fn watch_from_a_compacted_version_gets_the_recorded_410_and_the_watcher_relists() {
    let (server, client) = start(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    server.handle().compact();
    let (code, _, body) = raw(
        &client,
        get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations?watch=true&resourceVersion=1&timeoutSeconds=2"),
    )
    .await;
    assert_eq!(code, 200);
    let ours: Value = serde_json::from_str(body.trim_end()).unwrap();
    let want = recorded("ks-watch-410-gone");
    assert_eq!(keys(&ours), keys(&want));
    assert_eq!(keys(&ours["object"]), keys(&want["object"]));
    assert_eq!(ours["object"]["reason"], json!("Expired"));
    assert_eq!(ours["object"]["code"], json!(410));
    assert!(
        ours["object"]["message"]
            .as_str()
            .unwrap()
            .starts_with("too old resource version: 1 (")
    );

    // kube's watcher: break its watch, compact, change something; it must re-list and see the change.
    let mut events = watcher(api.clone(), watcher::Config::default()).boxed();
    while let Some(ev) = events.try_next().await.unwrap() {
        if let watcher::Event::InitDone = ev {
            break;
        }
    }
    let lists_before = list_requests(&server);
    server.handle().drop_watches();
    api.create(&PostParams::default(), &demo_body("later"))
        .await
        .unwrap();
    server.handle().compact();
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match events.next().await {
                Some(Ok(watcher::Event::InitApply(obj) | watcher::Event::Apply(obj)))
                    if obj.metadata.name.as_deref() == Some("later") =>
                {
                    return true;
                }
                Some(_) => {}
                None => return false,
            }
        }
    })
    .await
    .unwrap();
    assert!(seen);
    assert!(
        list_requests(&server) > lists_before,
        "the watcher re-listed"
    );
    server.shutdown().await;
}

fn list_requests(server: &SimServer) -> usize {
    server
        .request_log()
        .entries()
        .iter()
        .filter(|e| {
            e.method == "GET"
                && !e.path_and_query.contains("watch=")
                && e.path_and_query.contains("/kustomizations")
        })
        .count()
}

#[tokio::test]
async fn older_served_versions_convert_api_version() {
    let mut registry = fluxops::sim::Registry::standard();
    registry.set_flux_versions(FluxKind::Kustomization, vec!["v1", "v1beta2"]);
    let store = Store::new(registry, fluxops::sim::StoreOptions::default());
    let server = serve("127.0.0.1:0".parse().unwrap(), store, SimOptions::default())
        .await
        .unwrap();
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
    let client = Client::try_from(
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .unwrap(),
    )
    .unwrap();
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
    let (server, client) = start(SimOptions::default()).await;
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
    let _ = GroupResource::flux(FluxKind::Kustomization);
    server.shutdown().await;
}
