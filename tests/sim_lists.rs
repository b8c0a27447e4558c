//! The simulated API server answers lists and watches as a kube-apiserver v1.28 does: `resourceVersion=0` from the
//! watch cache in one piece ignoring `limit`, consistent reads paged, continue pages reading one snapshot, exact
//! reads at an old resourceVersion, "not older than" waits and its 504, the 422s of invalid list options, and
//! `sendInitialEvents` refused without the WatchList gate (see docs/sim.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use fluxops::sim::store::ObjectKey;
use fluxops::sim::{SimOptions, WriteOptions};
use serde_json::{Value, json};
use support::apiserver::{get, raw};

const KS: &str = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/apps/kustomizations";

fn ks(name: &str) -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"interval": "10m", "path": "./x", "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    })
}

/// A bare server and a client for it without kube's own retries (which would retry a 504 for minutes).
async fn start_server(options: SimOptions) -> (fluxops::sim::SimServer, kube::Client) {
    let server = fluxops::sim::serve(
        "127.0.0.1:0".parse().unwrap(),
        fluxops::sim::Store::standard(),
        options,
    )
    .await
    .unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&server.kubeconfig_yaml()).unwrap();
    let mut config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    config.default_retry = false;
    (server, kube::Client::try_from(config).unwrap())
}

async fn list(client: &kube::Client, query: &str) -> (u16, Value) {
    let (status, _, body) = raw(client, get(&format!("{KS}?{query}"))).await;
    (status, serde_json::from_str(&body).unwrap())
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_resource_version_0_list_comes_whole_from_the_cache_and_a_consistent_one_is_paged() {
    let (server, client) = start_server(SimOptions::default()).await;
    for i in 0..5 {
        server.store().upsert(ks(&format!("ks-{i}"))).unwrap();
    }
    let (status, whole) = list(&client, "limit=2&resourceVersion=0").await;
    assert_eq!(status, 200);
    assert_eq!(names(&whole).len(), 5, "the limit is ignored");
    assert_eq!(whole["metadata"]["continue"], "", "{}", whole["metadata"]);
    assert!(whole["metadata"].get("remainingItemCount").is_none());
    let (_, also) = list(
        &client,
        "limit=2&resourceVersion=0&resourceVersionMatch=NotOlderThan",
    )
    .await;
    assert_eq!(names(&also).len(), 5);
    let (_, page) = list(&client, "limit=2").await;
    assert_eq!(names(&page), ["ks-0", "ks-1"]);
    assert_eq!(page["metadata"]["remainingItemCount"], 3);
    // A resourceVersion with a limit (not 0) is read from storage, paged.
    let rv = page["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, paged) = list(
        &client,
        &format!("limit=2&resourceVersion={rv}&resourceVersionMatch=NotOlderThan"),
    )
    .await;
    assert_eq!(names(&paged).len(), 2);
}

#[tokio::test]
async fn continue_pages_read_the_snapshot_of_the_first_page() {
    let (server, client) = start_server(SimOptions::default()).await;
    for name in ["b", "d", "f", "h"] {
        server.store().upsert(ks(name)).unwrap();
    }
    let (_, first) = list(&client, "limit=2").await;
    assert_eq!(names(&first), ["b", "d"]);
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    // Between the pages: one created after the continue key, one deleted.
    server.store().upsert(ks("g")).unwrap();
    server
        .store()
        .delete(
            &ObjectKey::flux(FluxKind::Kustomization, "apps", "h"),
            &WriteOptions::default(),
        )
        .unwrap();
    let (status, second) = list(&client, &format!("limit=2&continue={token}")).await;
    assert_eq!(status, 200);
    assert_eq!(names(&second), ["f", "h"], "the snapshot of the first page");
    assert_eq!(
        second["metadata"]["resourceVersion"], first["metadata"]["resourceVersion"],
        "every page carries the snapshot's resourceVersion"
    );
    // The snapshot is gone once the history is compacted.
    server.store().compact();
    let (status, gone) = list(&client, &format!("limit=2&continue={token}")).await;
    assert_eq!(status, 410, "{gone}");
    assert_eq!(gone["reason"], "Expired");
}

#[tokio::test]
async fn an_exact_read_shows_the_past_and_a_future_version_is_too_large() {
    let (server, client) = start_server(SimOptions::default()).await;
    server.store().upsert(ks("a")).unwrap();
    let then = server.store().resource_version();
    server.store().upsert(ks("b")).unwrap();
    let (status, past) = list(
        &client,
        &format!("resourceVersion={then}&resourceVersionMatch=Exact"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(names(&past), ["a"]);
    assert_eq!(past["metadata"]["resourceVersion"], then.to_string());
    let future = server.store().resource_version() + 100;
    let started = std::time::Instant::now();
    let (status, too_large) = list(&client, &format!("resourceVersion={future}")).await;
    assert_eq!(status, 504, "{too_large}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(3),
        "waits for the cache first"
    );
    assert_eq!(
        too_large["message"],
        format!(
            "Too large resource version: {future}, current: {}",
            future - 100
        )
    );
    assert_eq!(
        too_large["details"]["causes"][0]["reason"],
        "ResourceVersionTooLarge"
    );
    assert_eq!(too_large["details"]["retryAfterSeconds"], 1);
}

#[tokio::test]
async fn invalid_list_options_get_the_real_servers_422() {
    let (_server, client) = start_server(SimOptions::default()).await;
    for (query, message) in [
        (
            "resourceVersionMatch=NotOlderThan",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        (
            "resourceVersion=0&resourceVersionMatch=Exact",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        ),
        (
            "resourceVersion=1&resourceVersionMatch=Newest",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\"",
        ),
        (
            "sendInitialEvents=true",
            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list",
        ),
        (
            "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
            "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ),
        (
            "watch=true&sendInitialEvents=true",
            "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled]",
        ),
        (
            "watch=true&resourceVersionMatch=NotOlderThan",
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ),
    ] {
        let (status, body) = list(&client, query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["message"], message, "{query}");
        assert_eq!(body["reason"], "Invalid");
        assert_eq!(body["details"]["kind"], "ListOptions");
        assert_eq!(body["details"]["group"], "meta.k8s.io");
    }
}

#[tokio::test]
async fn with_the_watch_list_gate_a_streaming_list_ends_with_the_initial_events_bookmark() {
    let options = SimOptions {
        watch_list: true,
        ..SimOptions::default()
    };
    let (server, client) = start_server(options).await;
    for name in ["a", "b"] {
        server.store().upsert(ks(name)).unwrap();
    }
    let rv = server.store().resource_version();
    let query = "watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1";
    let (status, _, body) = raw(&client, get(&format!("{KS}?{query}"))).await;
    assert_eq!(status, 200);
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "ADDED");
    assert_eq!(lines[1]["type"], "ADDED");
    assert_eq!(lines[2]["type"], "BOOKMARK");
    assert_eq!(
        lines[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(
        lines[2]["object"]["metadata"]["resourceVersion"],
        rv.to_string()
    );
}
