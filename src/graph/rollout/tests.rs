//! Rollout on built objects: Kustomizations by applied revision, HelmReleases by deployed chart version and
//! digest, releases behind a generated HelmChart, and what lagging consumers are doing.

use super::*;
use serde_json::{Value, json};

const NEW: &str = "main@sha1:1111111111111111111111111111111111111111";
const OLD: &str = "main@sha1:0000000000000000000000000000000000000000";

fn obj(v: Value) -> FluxObject {
    serde_json::from_value(v).unwrap()
}

fn ready() -> Value {
    json!([{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": ""}])
}

fn failed() -> Value {
    json!([{"type": "Ready", "status": "False", "reason": "ReconciliationFailed", "message": "immutable"}])
}

fn progressing() -> Value {
    json!([{"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": ""},
           {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": ""}])
}

fn source(kind: &str, name: &str, revision: &str) -> FluxObject {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": kind,
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"url": "https://x"},
        "status": {"conditions": ready(), "artifact": {"revision": revision}}
    }))
}

fn ks(name: &str, applied: &str, attempted: &str, conditions: Value, suspend: bool) -> FluxObject {
    obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}, "suspend": suspend},
        "status": {"conditions": conditions, "lastAppliedRevision": applied,
                   "lastAttemptedRevision": attempted}
    }))
}

fn git_ref() -> ResourceRef {
    ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system")
}

#[test]
fn kustomizations_count_by_last_applied_revision_with_what_the_laggards_do() {
    let graph = Graph::build([
        source("GitRepository", "flux-system", NEW),
        ks("a", NEW, NEW, ready(), false),
        ks("b", NEW, NEW, ready(), false),
        ks("c", OLD, NEW, failed(), false),
        ks("d", OLD, OLD, progressing(), false),
        ks("e", OLD, OLD, ready(), true),
    ]);
    let rollout = graph.rollout(&git_ref()).unwrap();
    assert_eq!(rollout.applied(), 2);
    assert_eq!(rollout.consumers.len(), 5);
    assert_eq!(rollout.to_string(), "2/5 at main@sha1:111111111111");
    let lag: Vec<(&str, Lag, bool)> = rollout
        .lagging()
        .map(|c| (c.consumer.name.as_str(), c.lag.unwrap(), c.attempted))
        .collect();
    assert_eq!(
        lag,
        vec![
            ("c", Lag::Failing, true),
            ("d", Lag::Progressing, false),
            ("e", Lag::Suspended, false)
        ]
    );
    assert!(!rollout.complete());
}

fn oci_release(name: &str, history: Value, attempted: &str, digest: &str) -> FluxObject {
    obj(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"chartRef": {"kind": "OCIRepository", "name": "podinfo"}},
        "status": {"conditions": ready(), "history": history, "lastAttemptedRevision": attempted,
                   "lastAttemptedRevisionDigest": digest}
    }))
}

#[test]
fn oci_chart_releases_compare_chart_version_and_digest_of_the_deployed_snapshot() {
    let rev = "6.5.4@sha256:aaaa";
    let graph = Graph::build([
        source("OCIRepository", "podinfo", rev),
        oci_release(
            "current",
            json!([{"status": "deployed", "chartVersion": "6.5.4", "ociDigest": "sha256:aaaa"}]),
            "6.5.4",
            "sha256:aaaa",
        ),
        // Same version, rebuilt artifact (new digest) not yet deployed.
        oci_release(
            "old-digest",
            json!([{"status": "deployed", "chartVersion": "6.5.4", "ociDigest": "sha256:bbbb"}]),
            "6.5.4",
            "sha256:bbbb",
        ),
        // Upgrade attempted and failed: the newest snapshot is not deployed.
        oci_release(
            "failed-upgrade",
            json!([{"status": "failed", "chartVersion": "6.5.4", "ociDigest": "sha256:aaaa"},
                   {"status": "superseded", "chartVersion": "6.5.3"}]),
            "6.5.4",
            "sha256:aaaa",
        ),
    ]);
    let rollout = graph
        .rollout(&ResourceRef::new(
            FluxKind::OCIRepository,
            "flux-system",
            "podinfo",
        ))
        .unwrap();
    let state: Vec<(&str, bool, bool)> = rollout
        .consumers
        .iter()
        .map(|c| (c.consumer.name.as_str(), c.lag.is_none(), c.attempted))
        .collect();
    assert_eq!(
        state,
        vec![
            ("current", true, false),
            ("failed-upgrade", false, true),
            ("old-digest", false, false)
        ]
    );
    assert_eq!(rollout.to_string(), "1/3 at 6.5.4@sha256:aaaa");
}

fn chart(observed: &str, version: &str) -> FluxObject {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart",
        "metadata": {"name": "flux-system-web", "namespace": "flux-system"},
        "spec": {"chart": "./charts/web", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"conditions": ready(), "artifact": {"revision": version},
                   "observedSourceArtifactRevision": observed}
    }))
}

fn git_chart_release(deployed: &str) -> FluxObject {
    obj(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "web", "namespace": "flux-system"},
        "spec": {"chart": {"spec": {"chart": "./charts/web",
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}},
        "status": {"conditions": ready(), "lastAttemptedRevision": deployed,
                   "history": [{"status": "deployed", "chartVersion": deployed}]}
    }))
}

#[test]
fn releases_behind_a_chart_need_the_chart_rebuilt_from_the_new_revision_and_deployed() {
    // The chart still holds the build of the old commit: the release is behind even though it runs it.
    let stale = Graph::build([
        source("GitRepository", "flux-system", NEW),
        chart(OLD, "1.0.0+000000000000"),
        git_chart_release("1.0.0+000000000000"),
    ]);
    let r = stale.rollout(&git_ref()).unwrap();
    assert_eq!((r.applied(), r.consumers.len()), (0, 1));
    // Rebuilt and deployed.
    let done = Graph::build([
        source("GitRepository", "flux-system", NEW),
        chart(NEW, "1.0.0+111111111111"),
        git_chart_release("1.0.0+111111111111"),
    ]);
    let r = done.rollout(&git_ref()).unwrap();
    assert!(r.complete(), "{r:?}");
    // The chart itself is a source too: its consumers are counted against its own revision.
    let chart_ref = ResourceRef::new(FluxKind::HelmChart, "flux-system", "flux-system-web");
    assert!(done.rollout(&chart_ref).unwrap().complete());
}

#[test]
fn no_rollout_for_appliers_sources_without_artifact_or_without_consumers() {
    let mut bare = source("GitRepository", "bare", NEW);
    bare.status.artifact = None;
    let graph = Graph::build([
        source("GitRepository", "lonely", NEW),
        bare,
        ks("a", NEW, NEW, ready(), false),
    ]);
    assert!(
        graph
            .rollout(&ResourceRef::new(
                FluxKind::GitRepository,
                "flux-system",
                "lonely"
            ))
            .is_none()
    );
    assert!(
        graph
            .rollout(&ResourceRef::new(
                FluxKind::GitRepository,
                "flux-system",
                "bare"
            ))
            .is_none()
    );
    assert!(
        graph
            .rollout(&ResourceRef::new(
                FluxKind::Kustomization,
                "flux-system",
                "a"
            ))
            .is_none()
    );
}

#[test]
fn helm_controllers_version_plus_digest_form_matches_the_oci_artifact() {
    let digest = "sha256:8aba7d06f7addc773f45d2347506cdab99ecd1b6fc4fe278c57db0c83403a828";
    assert!(chart_version_matches(
        "6.5.1+8aba7d06f7ad",
        "6.5.1",
        Some(digest)
    ));
    assert!(chart_version_matches("6.5.1", "6.5.1", Some(digest)));
    assert!(!chart_version_matches(
        "6.5.1+000000000000",
        "6.5.1",
        Some(digest)
    ));
    assert!(!chart_version_matches("6.5.1+8aba7d06f7ad", "6.5.1", None));
    assert!(!chart_version_matches("6.5.10", "6.5.1", Some(digest)));
    let rev = format!("6.5.1@{digest}");
    let graph = Graph::build([
        source("OCIRepository", "podinfo", &rev),
        oci_release(
            "podinfo",
            json!([{"status": "deployed", "chartVersion": "6.5.1+8aba7d06f7ad", "ociDigest": digest}]),
            "6.5.1+8aba7d06f7ad",
            digest,
        ),
    ]);
    let r = graph
        .rollout(&ResourceRef::new(
            FluxKind::OCIRepository,
            "flux-system",
            "podinfo",
        ))
        .unwrap();
    assert!(r.complete(), "{r:?}");
}

#[test]
fn short_revision_cuts_long_hex_only() {
    assert_eq!(short_revision(NEW), "main@sha1:111111111111");
    assert_eq!(short_revision("6.5.4"), "6.5.4");
    assert_eq!(short_revision("sha256:abc"), "sha256:abc");
}
