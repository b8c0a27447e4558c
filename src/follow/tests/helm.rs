//! HelmReleases: through a generated HelmChart, an OCI chartRef; labels.

use super::*;

fn helm_release(spec: Value, status: Value) -> ClusterEvent {
    obj(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "podinfo", "namespace": "flux-system", "generation": 2},
        "spec": spec, "status": status
    }))
}

fn released(extra: Value) -> Value {
    let mut status = json!({"observedGeneration": 2, "conditions": [
        cond("Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded")]});
    if let (Some(s), Some(e)) = (status.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    status
}

fn chart(built_from: &str, version: &str) -> ClusterEvent {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart",
        "metadata": {"name": "flux-system-podinfo", "namespace": "flux-system", "generation": 1},
        "spec": {"chart": "./charts/podinfo", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "observedSourceArtifactRevision": format!("main@sha1:{built_from}"),
            "artifact": {"revision": version},
            "conditions": [cond("Ready", "True", "ChartPackageSucceeded", "packaged")]}
    }))
}

#[test]
fn a_helm_release_is_at_the_revision_once_its_chart_is_built_from_it_and_released() {
    let spec = json!({"interval": "30m", "chart": {"spec": {"chart": "./charts/podinfo",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}});
    let hr = || {
        helm_release(
            spec.clone(),
            released(json!({"lastAttemptedRevision": "6.5.3"})),
        )
    };
    let mut t = started(
        vec![git(NEW), chart(OLD, "6.5.3"), hr()],
        TrackerOptions::default(),
    );
    assert_eq!(t.verdict(), None, "the chart was built from the old commit");
    let changes = feed(&mut t, 2, vec![chart(NEW, "6.5.3")]);
    let hr_ref = ResourceRef::new(FluxKind::HelmRelease, "flux-system", "podinfo");
    assert_eq!(
        changes,
        vec![Change::Ready { object: hr_ref }],
        "same chart version: nothing to upgrade"
    );
    assert_eq!(t.verdict(), Some(Verdict::Ready));
}

fn oci_chart(digest: &str) -> ClusterEvent {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
        "metadata": {"name": "podinfo", "namespace": "flux-system", "generation": 1},
        "spec": {"url": "oci://ghcr.io/acme/charts/podinfo"},
        "status": {"observedGeneration": 1, "conditions": [cond("Ready", "True", "Succeeded", "stored")],
            "artifact": {"revision": format!("6.5.4@{digest}"),
                "metadata": {"org.opencontainers.image.revision": format!("main@sha1:{NEW}")}}}
    }))
}

#[test]
fn a_helm_release_on_an_oci_chart_ref_follows_the_artifact_digest_annotated_with_the_commit() {
    let digest = "sha256:3b6cdcc7adcc9a84d3214ee1c029543789d90b5ae69debe9efa3f66e982875de";
    let oci = oci_chart(digest);
    let spec = json!({"interval": "30m", "chartRef": {"kind": "OCIRepository", "name": "podinfo"}});
    let at = |v: &str, d: Option<&str>| {
        let mut status = json!({"lastAttemptedRevision": v});
        if let Some(d) = d {
            status["lastAttemptedRevisionDigest"] = json!(d);
        }
        helm_release(spec.clone(), released(status))
    };
    let mut t = started(
        vec![oci, at("6.5.3+0cc9a8446c95", Some("sha256:0cc9a8446c95"))],
        TrackerOptions::default(),
    );
    assert_eq!(t.verdict(), None, "still the previous chart");
    feed(&mut t, 1, vec![at("6.5.4+3b6cdcc7adcc", Some(digest))]);
    assert_eq!(t.verdict(), Some(Verdict::Ready));
    // Without the digest field (older helm-controller), the version's build metadata names the digest.
    let t = started(
        vec![oci_chart(digest), at("6.5.4+3b6cdcc7adcc", None)],
        TrackerOptions::default(),
    );
    assert_eq!(t.verdict(), Some(Verdict::Ready));
}

#[test]
fn labels_are_names_unless_two_followed_objects_share_one() {
    let spec = json!({"interval": "30m", "chart": {"spec": {"chart": "podinfo",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}}});
    let t = started(
        vec![
            git(NEW),
            ready("podinfo", &[], OLD),
            ready("apps", &[], OLD),
            helm_release(spec, released(json!({}))),
        ],
        TrackerOptions::default(),
    );
    assert_eq!(t.label(&r("apps")), "apps");
    assert_eq!(t.label(&r("podinfo")), "Kustomization/flux-system/podinfo");
}
