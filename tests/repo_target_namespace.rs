//! Repository loading like the controllers, on a home-lab repository laid out as the real ones are
//! (fixtures/repos/home-ops-target-namespace, see its README): objects a Flux Kustomization builds take its
//! `targetNamespace`; a `kustomization.yaml`'s `namespace:` reaches only what it lists (and what that
//! includes: resources, components); a component used in two namespaces gives one object in each; templates
//! are reported as not loaded. With every object where the controllers put it, no health check or dependsOn
//! looks dangling.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::FluxKind;
use fluxops::flux::repo::{self, RepoLoad};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::cli::fluxops;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repos/home-ops-target-namespace")
}

fn ids(load: &RepoLoad, kind: FluxKind) -> BTreeSet<String> {
    load.objects
        .iter()
        .filter(|o| o.flux_kind() == Some(kind))
        .map(|o| format!("{}/{}", o.namespace(), o.name()))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_object_lands_where_the_controllers_put_it() {
    let load = repo::load_dir(&fixture()).unwrap();
    assert_eq!(load.problems, Vec::new());
    assert_eq!(
        ids(&load, FluxKind::Kustomization),
        set(&[
            "database/cloudnative-pg",
            "database/cloudnative-pg-cluster",
            "database/dragonfly",
            "default/echo",
            "default/paperless",
            "flux-system/cluster-apps",
            "flux-system/cluster-meta",
            "network/external-dns",
        ])
    );
    assert_eq!(
        ids(&load, FluxKind::HelmRelease),
        set(&[
            "database/cloudnative-pg",
            "database/dragonfly",
            "default/echo",
            "default/paperless",
            "network/external-dns",
            // Listed by no kustomization and built by none: the `namespace: network` above it does not
            // reach it; it keeps its own.
            "default/retired",
        ])
    );
    assert_eq!(
        ids(&load, FluxKind::OCIRepository),
        set(&[
            "database/app-template",
            "database/cloudnative-pg",
            "default/app-template",
        ])
    );
    assert_eq!(
        ids(&load, FluxKind::HelmRepository),
        set(&["flux-system/bitnami", "network/external-dns"])
    );
}

#[test]
fn templates_are_reported_as_not_loaded() {
    let load = repo::load_dir(&fixture()).unwrap();
    let files: Vec<String> = load
        .not_loaded
        .iter()
        .map(|n| n.file.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "bootstrap/helmfile.d/templates/values.yaml.gotmpl",
            "bootstrap/templates/cluster-secrets.sops.yaml.j2",
            "bootstrap/templates/gitrepository.yaml.j2",
            "charts/local-tools/templates",
        ]
    );
    assert!(
        load.not_loaded
            .iter()
            .all(|n| n.to_string().starts_with("not loaded: ") && n.reason.contains("template")),
        "{:?}",
        load.not_loaded
    );
}

#[test]
fn graph_from_dir_has_no_false_dangling_references_and_names_the_templates() {
    let out = fluxops(&[
        "graph",
        "--from-dir",
        fixture().to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings: Vec<&serde_json::Value> = json["warnings"].as_array().unwrap().iter().collect();
    // Only the bootstrap GitRepository, which lives outside the repository.
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0]["kind"], "dangling");
    assert_eq!(warnings[0]["expected"], true);
    assert_eq!(
        warnings[0]["objects"][0],
        "GitRepository/flux-system/flux-system"
    );
    // The health checks and cross-namespace dependsOn resolve to present objects.
    let edges = json["edges"].as_array().unwrap();
    for (from, to, kind) in [
        (
            "Kustomization/default/echo",
            "HelmRelease/default/echo",
            "healthCheck",
        ),
        (
            "Kustomization/database/cloudnative-pg",
            "HelmRelease/database/cloudnative-pg",
            "healthCheck",
        ),
        (
            "HelmRelease/default/paperless",
            "HelmRelease/database/dragonfly",
            "dependsOn",
        ),
        (
            "HelmRelease/default/paperless",
            "OCIRepository/default/app-template",
            "chartRef",
        ),
    ] {
        assert!(
            edges
                .iter()
                .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind),
            "{from} -{kind}-> {to}"
        );
    }
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"not loaded: bootstrap/templates/gitrepository.yaml.j2: a .j2 template (rendered before it is applied)"),
        "{notes:#?}"
    );
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n";
const HR: &str = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: echo\nspec:\n  chartRef:\n    kind: OCIRepository\n    name: app-template\n";

#[test]
fn an_object_built_with_and_without_a_namespace_lives_where_one_is_given() {
    // The root Kustomization's generated build reaches app/ too (no kustomization.yaml per namespace), so
    // the HelmRelease is built once without a namespace (the controller would fail: "namespace not
    // specified") and once by `echo` into `default`: one object, in `default`.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cluster/apps.yaml",
        &format!(
            "{KS}metadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
    );
    write(
        dir.path(),
        "apps/echo/ks.yaml",
        &format!(
            "{KS}metadata:\n  name: echo\n  namespace: flux-system\nspec:\n  targetNamespace: default\n  path: ./apps/echo/app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        ),
    );
    write(dir.path(), "apps/echo/app/helmrelease.yaml", HR);
    write(
        dir.path(),
        "apps/echo/app/kustomization.yaml",
        "resources:\n  - helmrelease.yaml\n",
    );
    let load = repo::load_dir(dir.path()).unwrap();
    assert_eq!(load.problems, Vec::new());
    assert_eq!(ids(&load, FluxKind::HelmRelease), set(&["default/echo"]));
    // The same HelmRelease with its own namespace keeps it where no build gives another.
    write(
        dir.path(),
        "apps/echo/app/helmrelease.yaml",
        &HR.replace("name: echo\n", "name: echo\n  namespace: web\n"),
    );
    let load = repo::load_dir(dir.path()).unwrap();
    assert_eq!(
        ids(&load, FluxKind::HelmRelease),
        set(&["default/echo", "web/echo"])
    );
}
