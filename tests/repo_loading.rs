//! Loading GitOps repositories: every shared fleet in `../shared/data/fleets/`, plus small repositories written
//! in temporary directories for the malformed and tricky cases.
//!
//! Expected counts come from reading the fleet files (`grep -c '^kind: <Kind>'` per fleet, then subtracting
//! what the loader must not keep: patch-only overlays and multi-cluster duplicates); each test says how.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

use fluxops::flux::repo::{self, LoadOptions, RepoLoad};
use fluxops::flux::{FluxKind, ResourceRef};
use std::path::{Path, PathBuf};

fn fleets() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/fleets"
    ))
    .to_path_buf()
}

fn load_fleet(name: &str) -> RepoLoad {
    let base = fleets();
    let context = base.join("_kustomize-context").join(name);
    repo::load_dir_with_context(&base.join(name), Some(&context)).unwrap()
}

fn counts(load: &RepoLoad) -> Vec<(FluxKind, usize)> {
    FluxKind::ALL
        .into_iter()
        .map(|k| (k, load.count(k)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn has(load: &RepoLoad, kind: FluxKind, ns: &str, name: &str) -> bool {
    let want = ResourceRef::new(kind, ns, name);
    load.objects
        .iter()
        .any(|o| o.resource_ref().as_ref() == Some(&want))
}

fn duplicate_problems(load: &RepoLoad) -> usize {
    load.problems
        .iter()
        .filter(|p| p.message.starts_with("duplicate of "))
        .count()
}

#[test]
fn every_fleet_loads_without_yaml_problems() {
    for fleet in [
        "flux2-kustomize-helm-example",
        "flux2-multi-tenancy",
        "flux2-hub-spoke-example",
        "bjw-s-labs__home-ops@2022-06",
    ] {
        let load = load_fleet(fleet);
        let other: Vec<_> = load
            .problems
            .iter()
            .filter(|p| !p.message.starts_with("duplicate of "))
            .collect();
        assert!(other.is_empty(), "{fleet}: {other:?}");
        assert_eq!(load.objects.len(), load.origins.len());
        // Objects from a repository carry no status, and every one got a namespace.
        assert!(load.objects.iter().all(|o| o.status.conditions.is_empty()));
        assert!(load.objects.iter().all(|o| !o.namespace().is_empty()));
    }
}

#[test]
fn kustomize_helm_example_keeps_first_cluster_and_drops_value_overlays() {
    // Files hold 6 Kustomizations (apps, infra-controllers, infra-configs under clusters/production and again
    // under clusters/staging), 5 HelmReleases (podinfo base + 2 values overlays listed as `patches` in
    // apps/{production,staging}/kustomization.yaml, cert-manager, envoy-gateway), 2 OCIRepositories,
    // 1 HelmRepository. data/README.md's "6 Kustomizations, 5 HelmReleases" counts documents.
    let load = load_fleet("flux2-kustomize-helm-example");
    assert_eq!(
        counts(&load),
        vec![
            (FluxKind::Kustomization, 3),
            (FluxKind::HelmRelease, 3),
            (FluxKind::OCIRepository, 2),
            (FluxKind::HelmRepository, 1),
        ]
    );
    assert_eq!(duplicate_problems(&load), 3);
    assert_eq!(load.partials.len(), 2);
    // clusters/production sorts before clusters/staging: the production copy is kept.
    let apps = load.objects.iter().find(|o| o.name() == "apps").unwrap();
    assert_eq!(apps.spec.path.as_deref(), Some("./production"));
    // apps/base/podinfo/kustomization.yaml sets namespace: podinfo.
    assert!(has(&load, FluxKind::HelmRelease, "podinfo", "podinfo"));
}

#[test]
fn a_cluster_filter_loads_one_entry_point_without_duplicates() {
    let base = fleets();
    let options = LoadOptions {
        context: Some(base.join("_kustomize-context/flux2-kustomize-helm-example")),
        cluster: Some("staging".to_owned()),
    };
    let load = repo::load_dir_with(&base.join("flux2-kustomize-helm-example"), &options).unwrap();
    assert_eq!(duplicate_problems(&load), 0);
    assert_eq!(load.count(FluxKind::Kustomization), 3);
    let apps = load.objects.iter().find(|o| o.name() == "apps").unwrap();
    assert_eq!(apps.spec.path.as_deref(), Some("./staging"));
}

#[test]
fn multi_tenancy_namespaces_come_from_the_tenant_kustomization() {
    // 10 Kustomization documents: 3 per cluster (kyverno, kyverno-policies, tenants) × 2 clusters,
    // kyverno-controller, the dev-team base, and 2 dev-team patches (tenants/*/dev-team-patch.yaml).
    let load = load_fleet("flux2-multi-tenancy");
    assert_eq!(
        counts(&load),
        vec![
            (FluxKind::Kustomization, 5),
            (FluxKind::GitRepository, 1),
            (FluxKind::OCIRepository, 1),
        ]
    );
    assert_eq!(duplicate_problems(&load), 3);
    assert_eq!(load.partials.len(), 2);
    assert!(has(&load, FluxKind::Kustomization, "apps", "dev-team"));
    // The OCIRepository is still at source.toolkit.fluxcd.io/v1beta2.
    assert!(has(
        &load,
        FluxKind::OCIRepository,
        "flux-system",
        "kyverno-controller"
    ));
}

#[test]
fn hub_spoke_objects_take_the_target_namespace_of_each_kustomization_building_them() {
    // hub/{production,staging}.yaml: 4 Kustomizations each, in namespaces production and staging (no
    // duplicates). deploy/: 3 HelmReleases + 3 HelmRepositories at v2beta2/v1beta2 with no namespace
    // anywhere; the hub's Kustomizations build them through clusters/<env>/… with `targetNamespace: <env>`, so
    // each is one object in `production` and one in `staging` (as the controllers apply them); 2 values
    // overlays.
    let load = load_fleet("flux2-hub-spoke-example");
    assert_eq!(
        counts(&load),
        vec![
            (FluxKind::Kustomization, 8),
            (FluxKind::HelmRelease, 6),
            (FluxKind::HelmRepository, 6),
        ]
    );
    assert_eq!(duplicate_problems(&load), 0);
    assert!(has(&load, FluxKind::Kustomization, "production", "apps"));
    assert!(has(&load, FluxKind::Kustomization, "staging", "apps"));
    for ns in ["production", "staging"] {
        for name in ["podinfo", "cert-manager", "ingress-nginx"] {
            assert!(has(&load, FluxKind::HelmRelease, ns, name), "{ns}/{name}");
            assert!(
                has(&load, FluxKind::HelmRepository, ns, name),
                "{ns}/{name}"
            );
        }
    }
    assert!(!has(&load, FluxKind::HelmRelease, "flux-system", "podinfo"));
}

#[test]
fn bjw_s_home_ops_counts_match_the_files() {
    // Documents in the files (and data/README.md): 100 Kustomizations, 63 HelmReleases, 31 sources
    // (7 GitRepository + 24 HelmRepository). Kept:
    // - Kustomization 100: all of them. Five under kubernetes/clusters/cluster-0/flux-system/definitions have
    //   no sourceRef; the parent `flux-cluster-definitions` adds it with a label-selected patch, so they load.
    // - HelmRelease 56 = 63 − 6 helm-values overlays (listed in patchesStrategicMerge) − 1 duplicate
    //   (kubernetes/base/apps/cert-manager repeats HelmRelease cert-manager/cert-manager).
    // - GitRepository 4 = 7 − 2 duplicates (flux, home-ops under kubernetes/base) − 1 overlay (the cluster-0
    //   flux.yaml listed in patchesStrategicMerge).
    let load = load_fleet("bjw-s-labs__home-ops@2022-06");
    assert_eq!(
        counts(&load),
        vec![
            (FluxKind::Kustomization, 100),
            (FluxKind::HelmRelease, 56),
            (FluxKind::GitRepository, 4),
            (FluxKind::HelmRepository, 24),
        ]
    );
    assert_eq!(duplicate_problems(&load), 3);
    assert_eq!(load.partials.len(), 7);
    let depends_on: usize = load.objects.iter().map(|o| o.spec.depends_on.len()).sum();
    assert_eq!(depends_on, 115, "data/README.md: 115 dependsOn edges");
    let mosquitto = load
        .objects
        .iter()
        .find(|o| o.name() == "home-automation-mosquitto")
        .unwrap();
    let source = mosquitto.spec.source_ref.as_ref().unwrap();
    assert_eq!(source.name, "home-ops");
}

#[test]
fn overlay_namespace_reaches_a_base_outside_its_directory() {
    // kubernetes/base/apps/mosquitto has no namespace; the overlay
    // kubernetes/clusters/cluster-0/home-automation/mosquitto lists it and sets namespace: home-automation.
    let load = load_fleet("bjw-s-labs__home-ops@2022-06");
    assert!(has(
        &load,
        FluxKind::HelmRelease,
        "home-automation",
        "mosquitto"
    ));
    // Without the context tree nothing gives it a namespace.
    let fleet = fleets().join("bjw-s-labs__home-ops@2022-06");
    let bare = repo::load_dir_with_context(&fleet, None).unwrap();
    assert!(has(
        &bare,
        FluxKind::HelmRelease,
        "flux-system",
        "mosquitto"
    ));
    // `load_dir` finds the sibling `_kustomize-context/<fleet>` tree by itself (what `--from-dir` uses).
    let auto = repo::load_dir(&fleet).unwrap();
    assert!(has(
        &auto,
        FluxKind::HelmRelease,
        "home-automation",
        "mosquitto"
    ));
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const GOOD_KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${CLUSTER}-apps
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
";

#[test]
fn a_malformed_file_is_a_problem_with_file_and_line_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/good.yaml", GOOD_KS);
    write(
        dir.path(),
        "b/broken.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ok\nspec:\n  url: https://x\n---\nkind: HelmRelease\nspec: [\n",
    );
    let load = repo::load_dir(dir.path()).unwrap();
    assert_eq!(load.objects.len(), 2, "{:?}", load.problems);
    assert_eq!(load.problems.len(), 1);
    let p = &load.problems[0];
    assert!(p.file.ends_with("b/broken.yaml"));
    assert_eq!(p.line, Some(9));
    assert!(p.message.starts_with("invalid YAML"), "{}", p.message);
    assert!(
        p.to_string().contains("b/broken.yaml:9: invalid YAML"),
        "{p}"
    );
    // `${VAR}` names are kept verbatim; no namespace anywhere ⇒ flux-system.
    assert!(has(
        &load,
        FluxKind::Kustomization,
        "flux-system",
        "${CLUSTER}-apps"
    ));
}

#[test]
fn redefined_anchors_load_and_archived_directories_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "apps/hr.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  chart:\n    spec:\n      chart: web\n      sourceRef: {kind: HelmRepository, name: charts}\n  values:\n    a: &host one\n    b: *host\n    c: &host two\n    d: *host\n",
    );
    write(dir.path(), "archive/old.yaml", GOOD_KS);
    write(dir.path(), "apps/.archive/old.yaml", GOOD_KS);
    let load = repo::load_dir(dir.path()).unwrap();
    assert!(load.problems.is_empty(), "{:?}", load.problems);
    assert_eq!(load.objects.len(), 1);
    assert!(has(&load, FluxKind::HelmRelease, "apps", "web"));
}

#[test]
fn wrong_shapes_and_unknown_versions_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "x.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v3\nkind: Kustomization\nmetadata: {name: a}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: b}\nspec:\n  dependsOn: nope\n---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
    );
    let load = repo::load_dir(dir.path()).unwrap();
    assert!(load.objects.is_empty());
    let lines: Vec<_> = load.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![Some(1), Some(5)], "{:?}", load.problems);
    assert!(
        load.problems[0]
            .message
            .contains("'kustomize.toolkit.fluxcd.io/v3'")
    );
    assert_eq!(
        load.problems[1].message,
        "invalid Kustomization at spec.dependsOn: invalid type: string \"nope\", expected a sequence"
    );
}

#[test]
fn a_wrong_field_is_named_by_its_path_even_inside_a_chart_template() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hr.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a, namespace: apps}\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.6\n      sourceRef: {kind: HelmRepository, name: r}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: b, namespace: apps}\nspec:\n  interval: 10m\n  chart: 7\n",
    );
    let load = repo::load_dir(dir.path()).unwrap();
    let messages: Vec<(Option<usize>, &str)> = load
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                Some(1),
                "invalid HelmRelease at spec.chart: spec.version: invalid type: floating point `6.6`, expected a string"
            ),
            (
                Some(12),
                "invalid HelmRelease at spec.chart: expected a chart name or a chart template, found 7"
            ),
        ]
    );
}

#[test]
fn a_missing_directory_is_the_only_fatal_error() {
    let err = repo::load_dir(Path::new("/nonexistent/fluxops-repo")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/fluxops-repo"));
}

#[test]
fn credentials_in_repository_files_are_masked_on_load() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sources.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: app}\nspec:\n  url: https://deploy:ghp_s3cret@github.com/o/app\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata: {name: b}\nspec:\n  bucketName: b\n  endpoint: https://AKIA:wJalrS3cret@minio:9000\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k}\nspec:\n  sourceRef: {kind: GitRepository, name: app}\n  dependsOn: 'oci://u:pw_S3cret@ghcr.io/x'\n",
    );
    let load = repo::load_dir(dir.path()).unwrap();
    let objects = serde_json::to_string(&load.objects).unwrap();
    let problems = format!("{:?}", load.problems);
    for text in [&objects, &problems] {
        assert!(
            !text.contains("S3cret") && !text.contains("s3cret"),
            "{text}"
        );
    }
    assert!(
        objects.contains("https://***@github.com/o/app"),
        "{objects}"
    );
    assert_eq!(load.problems.len(), 1, "{problems}");
}
