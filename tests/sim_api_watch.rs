//! Watches on the simulated API server through kube-rs: the `watcher` sees changes, bookmarks
//! arrive, a resume from a compacted resourceVersion gets the recorded 410 and the watcher
//! recovers by re-listing after a dropped connection.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use axum::http;
use fluxops::flux::FluxKind;
use fluxops::sim::{SimOptions, SimServer};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, DynamicObject, ListParams, PartialObjectMeta, PostParams};
use kube::runtime::watcher;
use serde_json::{Value, json};
use std::time::Duration;
use support::apiserver::*;
use support::objects::demo_body;
use support::sim::start_server;

#[tokio::test]
async fn kube_watcher_sees_changes_and_bookmarks() {
    let options = SimOptions {
        bookmark_interval: Duration::from_millis(200),
        ..SimOptions::default()
    };
    let (server, client) = start_server(options).await;
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
    let applied = next_applied(&mut events, Duration::from_secs(10)).await;
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
    let (server, client) = start_server(SimOptions::default()).await;
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
    let seen = watcher_applies(&mut events, "later", Duration::from_secs(20)).await;
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
async fn uninstalling_a_kind_ends_its_open_watches() {
    let (server, client) = start_server(SimOptions::default()).await;
    let handle = server.handle();
    let watch = tokio::spawn(async move {
        raw(
            &client,
            get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?watch=true&timeoutSeconds=30"),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    handle.set_flux_kind_missing(FluxKind::Kustomization, true);
    let (code, _, body) = tokio::time::timeout(Duration::from_secs(5), watch)
        .await
        .expect("the watch ended well before its timeout")
        .unwrap();
    assert_eq!(code, 200);
    assert!(body.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn objects_entering_and_leaving_a_label_selector_are_added_and_deleted() {
    let (server, client) = start_server(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let rv = server.store().resource_version();
    let store = server.store().clone();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let key = fluxops::sim::ObjectKey::flux(FluxKind::Kustomization, "capture", "demo");
        for team in ["b", "a"] {
            store
                .patch(
                    &key,
                    &fluxops::sim::Patch::Merge(json!({"metadata": {"labels": {"team": team}}})),
                    fluxops::sim::Subresource::Main,
                    &fluxops::sim::WriteOptions::default(),
                )
                .unwrap();
        }
    });
    let (_, _, body) = raw(
        &client,
        get(&format!("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations?watch=true&labelSelector=team%3Da&resourceVersion={rv}&timeoutSeconds=1")),
    )
    .await;
    writer.await.unwrap();
    let types: Vec<String> = body
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(types, ["DELETED", "ADDED"]);
    server.shutdown().await;
}

#[tokio::test]
async fn metadata_only_lists_gets_and_watches_answer_partial_object_metadata() {
    let options = SimOptions {
        bookmark_interval: Duration::from_millis(100),
        ..SimOptions::default()
    };
    let (server, client) = start_server(options).await;
    let api = ks_api(&client, "capture");
    api.create(&PostParams::default(), &demo_body("demo"))
        .await
        .unwrap();
    let list = api.list_metadata(&ListParams::default()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("demo"));
    let one = api.get_metadata("demo").await.unwrap();
    assert_eq!(one.types.unwrap().kind, "PartialObjectMetadata");
    let (_, _, body) = raw(
        &client,
        http::Request::get(
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations",
        )
        .header(
            "accept",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )
        .body(Vec::new())
        .unwrap(),
    )
    .await;
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["kind"], json!("PartialObjectMetadataList"));
    assert!(doc["items"][0].get("spec").is_none());
    let meta_api: Api<PartialObjectMeta<DynamicObject>> =
        Api::namespaced_with(client.clone(), "capture", &ks_resource());
    let mut events = watcher(meta_api, watcher::Config::default()).boxed();
    while let Some(ev) = events.try_next().await.unwrap() {
        if let watcher::Event::InitDone = ev {
            break;
        }
    }
    api.create(&PostParams::default(), &demo_body("later"))
        .await
        .unwrap();
    let seen = next_applied(&mut events, Duration::from_secs(10)).await;
    assert_eq!(seen.as_deref(), Some("later"));
    server.shutdown().await;
}

#[tokio::test]
async fn an_outage_answers_503_and_the_watcher_recovers_after_it() {
    let (server, client) = start_server(SimOptions::default()).await;
    let api = ks_api(&client, "capture");
    let mut events = watcher(api.clone(), watcher::Config::default()).boxed();
    while let Some(ev) = events.try_next().await.unwrap() {
        if let watcher::Event::InitDone = ev {
            break;
        }
    }
    server.handle().set_unavailable(true);
    // kube's client retries 503s itself (up to 15 times, exponential backoff): the watcher's
    // re-watch keeps knocking while the outage lasts.
    let _ = tokio::time::timeout(Duration::from_millis(400), async {
        while events.next().await.is_some() {}
    })
    .await;
    let refused = server
        .request_log()
        .entries()
        .iter()
        .filter(|e| e.status == 503)
        .count();
    assert!(refused > 0, "requests during the outage got 503");
    server
        .store()
        .create(
            &ks_resource_group(),
            "capture",
            serde_json::to_value(demo_body("during")).unwrap(),
            &fluxops::sim::WriteOptions::default(),
        )
        .unwrap();
    server.handle().set_unavailable(false);
    let seen = watcher_applies(&mut events, "during", Duration::from_secs(30)).await;
    assert!(seen);
    server.shutdown().await;
}

fn ks_resource_group() -> fluxops::sim::GroupResource {
    fluxops::sim::GroupResource::flux(FluxKind::Kustomization)
}
