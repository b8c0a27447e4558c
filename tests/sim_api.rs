//! The simulated API server driven by unmodified kube-rs (`Client`, `Api`) through a kubeconfig:
//! create/get/list/patch/apply/status/delete/dry-run and error answers, compared with the answers
//! recorded from a real kube-apiserver v1.28 (`shared/data/apiserver-v1.28/`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use axum::http;
use fluxops::sim::SimOptions;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use support::apiserver::*;
use support::objects::demo_body;
use support::sim::start_server;

#[tokio::test]
async fn created_kustomization_matches_the_recorded_create() {
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
