//! Measures the simulated API server at fleet scale: loads 5,000 Kustomizations and 5,000
//! HelmReleases, then times a full list of each kind and a kube `watcher` initial sync over HTTP.
//!
//! Run: `cargo run --release --example sim_bench`

use fluxops::flux::FluxKind;
use fluxops::sim::{GroupResource, SimOptions, Store, WriteOptions, serve};
use futures::TryStreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use serde_json::json;
use std::time::Instant;

const PER_KIND: usize = 5_000;

fn object(kind: FluxKind, i: usize) -> serde_json::Value {
    let spec = match kind {
        FluxKind::Kustomization => {
            json!({"interval": "10m", "path": format!("./apps/{i}"), "prune": true,
                                          "sourceRef": {"kind": "GitRepository", "name": "fleet"}})
        }
        _ => {
            json!({"interval": "10m", "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}})
        }
    };
    json!({"apiVersion": format!("{}/{}", kind.group(), kind.preferred_version()), "kind": kind.as_str(),
           "metadata": {"name": format!("obj-{i:05}"), "labels": {"team": format!("t{}", i % 7)}}, "spec": spec})
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::standard();
    let started = Instant::now();
    for kind in [FluxKind::Kustomization, FluxKind::HelmRelease] {
        for i in 0..PER_KIND {
            let ns = format!("ns-{}", i % 50);
            store.create(
                &GroupResource::flux(kind),
                &ns,
                object(kind, i),
                &WriteOptions::default(),
            )?;
        }
    }
    println!(
        "store: created {} objects in {:?}",
        2 * PER_KIND,
        started.elapsed()
    );
    let server = serve("127.0.0.1:0".parse()?, store, SimOptions::default()).await?;
    let kubeconfig = Kubeconfig::from_yaml(&server.kubeconfig_yaml())?;
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?,
    )?;
    for kind in [FluxKind::Kustomization, FluxKind::HelmRelease] {
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(kind.group(), kind.preferred_version(), kind.as_str()),
            kind.plural(),
        );
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
        let t = Instant::now();
        let list = api.list(&ListParams::default()).await?;
        println!(
            "list {kind}: {} objects in {:?}",
            list.items.len(),
            t.elapsed()
        );
        let t = Instant::now();
        let list = api.list(&ListParams::default().limit(500)).await?;
        println!(
            "list {kind} limit=500: first page of {} in {:?}",
            list.items.len(),
            t.elapsed()
        );
        let t = Instant::now();
        let mut stream = Box::pin(watcher(api.clone(), watcher::Config::default()));
        let mut n = 0usize;
        while let Some(ev) = stream.try_next().await? {
            match ev {
                watcher::Event::InitApply(_) => n += 1,
                watcher::Event::InitDone => break,
                _ => {}
            }
        }
        println!(
            "watcher {kind}: initial sync of {n} objects in {:?}",
            t.elapsed()
        );
    }
    server.shutdown().await;
    Ok(())
}
