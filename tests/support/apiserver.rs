//! Talking to the simulated API server at the HTTP level: the recorded real-server answers, the
//! Kustomization API, raw requests sent through kube's own HTTP stack, JSON keys.

use axum::http;
use futures::{Stream, StreamExt, TryStreamExt};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher;
use kube::{Client, Resource};
use serde_json::Value;
use std::time::Duration;

pub const RECORDED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/apiserver-v1.28"
);

pub fn recorded(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{RECORDED}/{name}.body")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn ks_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
        "kustomizations",
    )
}

pub fn ks_api(client: &Client, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), ns, &ks_resource())
}

pub fn to_value(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).unwrap()
}

/// Sends a raw request through kube's own HTTP stack; returns (status, content-type, body).
pub async fn raw(client: &Client, req: http::Request<Vec<u8>>) -> (u16, String, String) {
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

pub fn get(path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(path).body(Vec::new()).unwrap()
}

/// Keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// Reads a kube watcher's events until the object `name` is applied (`true`) or the stream ends (`false`);
/// panics after `within`.
pub async fn watcher_applies<K: Resource>(
    events: &mut (impl Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Unpin),
    name: &str,
    within: Duration,
) -> bool {
    tokio::time::timeout(within, async {
        loop {
            match events.next().await {
                Some(Ok(watcher::Event::InitApply(obj) | watcher::Event::Apply(obj)))
                    if obj.meta().name.as_deref() == Some(name) =>
                {
                    return true;
                }
                Some(_) => {}
                None => return false,
            }
        }
    })
    .await
    .unwrap()
}

/// The name of the next object a kube watcher applies after its initial listing (`None` if the stream ends);
/// panics after `within` or on a watcher error.
pub async fn next_applied<K: Resource>(
    events: &mut (impl Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Unpin),
    within: Duration,
) -> Option<String> {
    tokio::time::timeout(within, async {
        while let Some(ev) = events.try_next().await.unwrap() {
            if let watcher::Event::Apply(obj) = ev {
                return obj.meta().name.clone();
            }
        }
        None
    })
    .await
    .unwrap()
}
