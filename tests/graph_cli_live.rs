//! `fluxops graph` through the real binary against the simulated cluster, read with `--kubeconfig` like any
//! cluster: statuses, edges, warnings, notes for kinds that cannot be listed, namespace scope, the tree.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Output;
use support::cli::fluxops;
use support::graph::{edges_of_kind, expected_edges, id};
use support::sim::client_from_kubeconfig;

/// Runs the binary off the async threads (the simulated cluster is served by them).
async fn fluxops_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fluxops(&refs)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_graph_of_the_simulated_demo_cluster_has_statuses_edges_and_notes() {
    use fluxops::cluster::Scope;
    use fluxops::sim::resource::GroupResource;
    use fluxops::sim::{SimConfig, SimSource, start};

    let mut config = SimConfig::new(SimSource::Scenario("demo".into()));
    config.time_scale = Some(60.0);
    config
        .server
        .missing
        .push(GroupResource::flux(FluxKind::Bucket));
    let sim = start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let kc = kubeconfig.display().to_string();
    // Let the controllers create the HelmCharts and statuses of the warm-up.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;

    let out = fluxops_async(
        ["graph", "--kubeconfig", &kc, "-A", "-o", "json"]
            .map(str::to_owned)
            .to_vec(),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["origin"]["type"], "cluster");
    assert!(
        json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("Bucket: not served")),
        "{}",
        json["notes"]
    );
    // Compare with what a client lists right after (the fleet's objects do not come and go in the demo).
    let client = client_from_kubeconfig(&std::fs::read_to_string(&kubeconfig).unwrap()).await;
    let listing = fluxops::cluster::list::list_all(&client, &Scope::All)
        .await
        .unwrap();
    let nodes = json["nodes"].as_array().unwrap();
    let present: BTreeSet<String> = nodes
        .iter()
        .filter(|n| n["state"] == "present")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let listed: BTreeSet<String> = listing
        .objects
        .iter()
        .map(|o| id(&o.kind, o.namespace(), o.name()))
        .collect();
    assert_eq!(present, listed);
    assert!(!present.iter().any(|p| p.starts_with("Bucket/")));
    for n in nodes.iter().filter(|n| n["state"] == "present") {
        assert!(
            n["status"].is_string(),
            "live nodes carry their status: {n}"
        );
    }
    let expected = expected_edges(&listing.objects);
    assert_eq!(edges_of_kind(&json, "dependsOn"), expected["dependsOn"]);
    assert_eq!(edges_of_kind(&json, "sourceRef"), expected["sourceRef"]);
    // Ownership from the cluster: the demo's objects carry kustomize-controller owner labels.
    assert!(
        json["counts"]["edgesByKind"]["ownerLabel"]
            .as_u64()
            .unwrap()
            > 10
    );
    // promtail is suspended by a client other than kustomize-controller under monitoring-configs.
    let promtail = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "suspendReverted")
        .unwrap_or_else(|| panic!("{}", json["warnings"]));
    assert_eq!(promtail["objects"][0], "HelmRelease/monitoring/promtail");
    assert_eq!(
        promtail["objects"][1],
        "Kustomization/flux-system/monitoring-configs"
    );

    // The bootstrap source's rollout counts every Kustomization and release that consumes it.
    let git = "GitRepository/flux-system/flux-system";
    let consumers = expected["sourceRef"]
        .iter()
        .filter(|(_, to)| to == git)
        .count();
    let rollout = json["rollouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == git)
        .unwrap();
    assert_eq!(rollout["total"].as_u64().unwrap() as usize, consumers);
    assert_eq!(
        rollout["applied"].as_u64().unwrap() as usize
            + rollout["lagging"].as_array().unwrap().len(),
        consumers
    );

    // podinfo-chart never changes in the demo: its Ready releases run its (only) revision.
    let status_of = |object: &str| {
        nodes
            .iter()
            .find(|n| n["id"] == object)
            .map(|n| n["status"].clone())
            .unwrap()
    };
    let oci = json["rollouts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "OCIRepository/apps/podinfo-chart")
        .unwrap();
    for l in oci["lagging"].as_array().unwrap() {
        assert_ne!(status_of(l["object"].as_str().unwrap()), "Ready", "{oci}");
    }

    // One namespace; and the default tree with status glyphs.
    let out = fluxops_async(
        ["graph", "--kubeconfig", &kc, "-n", "team-b", "-o", "json"]
            .map(str::to_owned)
            .to_vec(),
    )
    .await;
    let team_b: Value = serde_json::from_slice(&out.stdout).unwrap();
    let team_b_present: Vec<&Value> = team_b["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["state"] == "present")
        .collect();
    assert!(!team_b_present.is_empty());
    assert!(team_b_present.iter().all(|n| n["namespace"] == "team-b"));
    let out = fluxops_async(
        ["graph", "--kubeconfig", &kc, "-A"]
            .map(str::to_owned)
            .to_vec(),
    )
    .await;
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(
        tree.contains("✓ GitRepository/flux-system/flux-system"),
        "{tree}"
    );
    assert!(tree.contains("⏸ HelmRelease/monitoring/promtail"), "{tree}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_and_missing_kinds_are_notes_and_an_unreachable_server_is_an_error() {
    use fluxops::sim::resource::GroupResource;
    use fluxops::sim::{SimConfig, SimSource, start};

    let mut config = SimConfig::new(SimSource::Scenario("minimal".into()));
    config
        .server
        .forbidden
        .push(GroupResource::flux(FluxKind::HelmRelease));
    config
        .server
        .missing
        .push(GroupResource::flux(FluxKind::Bucket));
    let sim = start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let kc = kubeconfig.display().to_string();
    let out = fluxops_async(
        ["graph", "--kubeconfig", &kc, "-A", "-o", "json"]
            .map(str::to_owned)
            .to_vec(),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("HelmRelease: cannot list (forbidden)")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("Bucket: not served")),
        "{notes:?}"
    );
    let nodes = json["nodes"].as_array().unwrap();
    // The HelmChart's owner labels name its HelmRelease: a placeholder of a kind that may not be listed —
    // unknown (no access), not a missing object.
    let releases: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["kind"] == "HelmRelease")
        .collect();
    assert!(!releases.is_empty());
    assert!(
        releases.iter().all(|n| n["state"] == "noAccess"),
        "{releases:?}"
    );
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| !w["objects"][0]
                .as_str()
                .unwrap()
                .starts_with("HelmRelease/")),
        "{}",
        json["warnings"]
    );
    assert!(nodes.iter().any(|n| n["kind"] == "Kustomization"));
    let out = fluxops_async(
        ["graph", "--kubeconfig", &kc, "-A"]
            .map(str::to_owned)
            .to_vec(),
    )
    .await;
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(
        tree.lines()
            .any(|l| l.contains("HelmRelease/") && l.contains("[unknown (no access)]")),
        "{tree}"
    );
    sim.shutdown().await;

    // Nothing listens on port 1.
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n\
         contexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n",
    )
    .unwrap();
    let out = fluxops_async(["graph", "--kubeconfig", &kc].map(str::to_owned).to_vec()).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("127.0.0.1:1") && stderr.contains("\"c\""),
        "{stderr}"
    );
}
