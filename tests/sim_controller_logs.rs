//! The Flux controllers' pods in the simulator and what they print (issue 11, "controller pods with logs"): the
//! demo scenario through kube-rs — the four controller pods in `flux-system` found by the labels a real install
//! gives them, kustomize-controller's JSON lines about a failing Kustomization with the real keys in the real
//! order, a followed log that receives the line of a reconcile asked for after it was opened, and the log
//! options answered as kube-apiserver answers them (`tailLines`, `timestamps`, `sinceSeconds`, the 422s).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;
use std::time::Duration;
use support::apiserver::{get, raw};
use support::poll::eventually;
use support::sim::{Cluster, shipped};

const WAIT: Duration = Duration::from_secs(30);

/// The name of the one running pod of `controller`, found by label.
async fn pod_of(cluster: &Cluster, controller: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), "flux-system");
    eventually(WAIT, || {
        let pods = pods.clone();
        async move {
            let list = pods
                .list(&ListParams::default().labels(&format!("app={controller}")))
                .await
                .ok()?;
            let running = list
                .items
                .iter()
                .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
                .count();
            (running == 1 && list.items.len() == 1)
                .then(|| list.items[0].metadata.name.clone())
                .flatten()
        }
    })
    .await
    .unwrap_or_else(|| panic!("one running {controller} pod in flux-system"))
}

async fn log_text(cluster: &Cluster, pod: &str, params: &LogParams) -> String {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), "flux-system");
    pods.logs(pod, params).await.unwrap()
}

fn manager() -> LogParams {
    LogParams {
        container: Some("manager".to_owned()),
        ..LogParams::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controllers_are_labelled_pods_that_print_json_lines_about_each_object() {
    let cluster = shipped("demo", 60.0).await;
    // Labels of a real install on the pods (what `flux logs` and the console select on).
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), "flux-system");
    for controller in [
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
    ] {
        let name = pod_of(&cluster, controller).await;
        let pod = pods.get(&name).await.unwrap();
        let labels = pod.metadata.labels.unwrap_or_default();
        assert_eq!(
            labels.get("app.kubernetes.io/part-of").map(String::as_str),
            Some("flux")
        );
        assert_eq!(
            labels
                .get("app.kubernetes.io/component")
                .map(String::as_str),
            Some(controller)
        );
        let containers: Vec<String> = pod
            .spec
            .unwrap()
            .containers
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(containers, ["manager"]);
    }
    let by_part_of = pods
        .list(&ListParams::default().labels("app.kubernetes.io/part-of=flux"))
        .await
        .unwrap();
    assert_eq!(by_part_of.items.len(), 4, "the four controllers");

    // kustomize-controller's error line about `apps` (the immutable selector), as the real one prints it.
    let kc = pod_of(&cluster, "kustomize-controller").await;
    let head = "\"controller\":\"kustomization\",\"controllerGroup\":\"kustomize.toolkit.fluxcd.io\",\"controllerKind\":\"Kustomization\",\"Kustomization\":{\"name\":\"apps\",\"namespace\":\"flux-system\"},\"namespace\":\"flux-system\",\"name\":\"apps\",\"reconcileID\":\"";
    let line = eventually(Duration::from_secs(60), || {
        let cluster = &cluster;
        let kc = kc.clone();
        async move {
            let text = log_text(cluster, &kc, &manager()).await;
            text.lines()
                .find(|l| {
                    l.starts_with("{\"level\":\"error\",\"ts\":\"")
                        && l.contains(head)
                        && l.contains("field is immutable")
                })
                .map(str::to_owned)
        }
    })
    .await
    .expect("kustomize-controller logs the failed apply of apps");
    let v: Value = serde_json::from_str(&line).unwrap();
    let msg = v["msg"].as_str().unwrap();
    assert!(
        msg.starts_with("Reconciliation failed after ") && msg.contains(", next try in "),
        "{msg}"
    );
    assert!(v["revision"].as_str().unwrap().contains("@sha1:"), "{line}");
    // The error comes last, after the call's own values.
    assert!(line.ends_with(&format!(
        "\"error\":{}}}",
        serde_json::to_string(&v["error"]).unwrap()
    )));
    let ts = v["ts"].as_str().unwrap();
    assert_eq!(ts.len(), "2024-11-13T17:02:59.892Z".len(), "{ts}");
    // Each pod's log starts with the manager's start-up.
    let all = log_text(&cluster, &kc, &manager()).await;
    assert!(
        all.lines()
            .next()
            .unwrap()
            .contains("\"msg\":\"starting manager\"")
    );

    // source-controller prints about the sources, never about Kustomizations.
    let sc = pod_of(&cluster, "source-controller").await;
    let text = log_text(&cluster, &sc, &manager()).await;
    assert!(
        text.contains("\"GitRepository\":{\"name\":\"flux-system\",\"namespace\":\"flux-system\"}")
    );
    assert!(!text.contains("\"controllerKind\":\"Kustomization\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_log_receives_the_lines_of_a_reconcile_asked_for_later() {
    let cluster = shipped("demo", 60.0).await;
    let kc = pod_of(&cluster, "kustomize-controller").await;
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), "flux-system");
    let params = LogParams {
        follow: true,
        tail_lines: Some(0),
        ..manager()
    };
    let mut lines = pods.log_stream(&kc, &params).await.unwrap().lines();
    cluster
        .request_reconcile(
            FluxKind::Kustomization,
            "flux-system",
            "infra-controllers",
            "logs-test-1",
            &[],
        )
        .await;
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next().await {
            let line = line.unwrap();
            if line.contains("\"Kustomization\":{\"name\":\"infra-controllers\"") {
                return line;
            }
        }
        let list = pods.list(&ListParams::default()).await.unwrap();
        let names: Vec<_> = list
            .items
            .iter()
            .map(|p| {
                (
                    p.metadata.name.clone(),
                    p.status.as_ref().and_then(|s| s.phase.clone()),
                )
            })
            .collect();
        panic!("the stream of {kc} ended; pods now: {names:?}")
    })
    .await
    .expect("the reconcile's line arrives on the followed stream");
    let v: Value = serde_json::from_str(&found).unwrap();
    assert_eq!(v["controllerKind"], "Kustomization");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_options_are_answered_like_kube_apiserver() {
    let cluster = shipped("demo", 60.0).await;
    let kc = pod_of(&cluster, "kustomize-controller").await;
    let path = format!("/api/v1/namespaces/flux-system/pods/{kc}/log");
    // Wait for a few lines.
    eventually(WAIT, || {
        let cluster = &cluster;
        let kc = kc.clone();
        async move { (log_text(cluster, &kc, &manager()).await.lines().count() > 5).then_some(()) }
    })
    .await
    .unwrap();

    let (status, _, body) = raw(&cluster.client, get(&format!("{path}?tailLines=2"))).await;
    assert_eq!(status, 200);
    assert_eq!(body.lines().count(), 2, "{body}");
    assert!(body.ends_with('\n'));

    let (_, _, body) = raw(
        &cluster.client,
        get(&format!("{path}?tailLines=3&timestamps=true")),
    )
    .await;
    for line in body.lines() {
        let (ts, rest) = line.split_once(' ').unwrap();
        ts.parse::<k8s_openapi::jiff::Timestamp>()
            .unwrap_or_else(|e| panic!("{ts}: {e}"));
        assert!(rest.starts_with('{'), "{line}");
    }

    // Lines older than sinceSeconds are left out: with lines printed more than a second ago, fewer than all.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let all = raw(&cluster.client, get(&path)).await.2.lines().count();
    let (_, _, recent) = raw(
        &cluster.client,
        get(&format!("{path}?sinceSeconds=1&timestamps=1")),
    )
    .await;
    let now = k8s_openapi::jiff::Timestamp::now();
    assert!(recent.lines().count() < all);
    for line in recent.lines() {
        let ts: k8s_openapi::jiff::Timestamp = line.split_once(' ').unwrap().0.parse().unwrap();
        assert!(now.duration_since(ts).as_secs_f64() < 3.0, "{line}");
    }

    // Invalid options: the 422 of ValidatePodLogOptions, checked before the pod (also for a missing one).
    let (status, _, body) = raw(&cluster.client, get(&format!("{path}?tailLines=-1"))).await;
    assert_eq!(status, 422);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["message"],
        format!(
            "PodLogOptions \"{kc}\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"
        )
    );
    assert_eq!(v["reason"], "Invalid");
    assert_eq!(v["details"]["kind"], "PodLogOptions");
    assert_eq!(v["details"]["causes"][0]["field"], "tailLines");
    let (status, _, body) = raw(
        &cluster.client,
        get("/api/v1/namespaces/flux-system/pods/nope/log?sinceSeconds=0"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("sinceSeconds: Invalid value: 0: must be greater than 0"),
        "{body}"
    );
    let (status, _, body) = raw(
        &cluster.client,
        get(&format!(
            "{path}?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z"
        )),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("at most one of `sinceTime` or `sinceSeconds` may be specified"),
        "{body}"
    );
    // A container the pod does not have: the kubelet's 400.
    let (status, _, body) = raw(&cluster.client, get(&format!("{path}?container=nope"))).await;
    assert_eq!(status, 400);
    assert!(
        body.contains(&format!("container nope is not valid for pod {kc}")),
        "{body}"
    );
}
