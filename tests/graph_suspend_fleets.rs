//! The suspend warnings and the repository ownership they rely on, on the shared fleets: the fleets as they are
//! (no object sets `suspend`, so nothing is reported), then with one object changed the way a user would
//! (a HelmRelease suspended under a `wait: true` parent, a Kustomization pinned to `suspend: false`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::flux::FluxKind;
use fluxops::flux::repo::{RepoLoad, load_dir};
use fluxops::graph::repo_owner::label_repo_owners;
use fluxops::graph::suspend_check::{HealthCheckVia, SuspendEvidence};
use fluxops::graph::{EdgeKind, Graph, GraphWarning};
use std::path::{Path, PathBuf};

fn fleet(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/fleets"
    ))
    .join(name)
}

fn all_fleets() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fleet(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    out.sort();
    out
}

fn loaded(dir: &Path) -> RepoLoad {
    let mut load = load_dir(dir).unwrap();
    label_repo_owners(&mut load, dir);
    load
}

/// The Kustomization path (relative, `./` stripped) that holds `file`, as a string prefix test on components.
fn holds(ks_path: &str, file: &Path, root: &Path) -> bool {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let dir = ks_path.trim_start_matches("./").trim_end_matches('/');
    dir.is_empty() || rel.starts_with(dir)
}

#[test]
fn fleets_as_they_are_have_no_suspend_warnings_and_owners_hold_their_children() {
    for dir in all_fleets() {
        let load = loaded(&dir);
        let graph = Graph::build(load.objects.clone());
        assert!(
            graph.warnings().iter().all(|w| !matches!(
                w,
                GraphWarning::SuspendReverted(_) | GraphWarning::SuspendedHealthChecked(_)
            )),
            "{}",
            dir.display()
        );
        // Every ownership edge from a repository points from a Kustomization whose path holds the child's file.
        for e in graph
            .edges()
            .iter()
            .filter(|e| e.kind == EdgeKind::OwnerLabel)
        {
            let parent = load
                .objects
                .iter()
                .find(|o| o.resource_ref().as_ref() == Some(&e.from))
                .unwrap();
            let (_, origin) = load
                .objects
                .iter()
                .zip(&load.origins)
                .find(|(o, _)| o.resource_ref().as_ref() == Some(&e.to))
                .unwrap();
            let path = parent.spec.path.as_deref().unwrap();
            assert!(
                holds(path, &origin.file, &dir),
                "{e:?} {path} {}",
                origin.file.display()
            );
            assert_ne!(e.from, e.to);
        }
    }
}

#[test]
fn suspending_a_release_under_a_waiting_parent_of_the_home_lab_is_reported() {
    let dir = fleet("bjw-s-labs__home-ops@2022-06");
    let mut load = loaded(&dir);
    // A HelmRelease whose file lies under the path of a Kustomization with `wait: true`.
    let waiting: Vec<(String, String)> = load
        .objects
        .iter()
        .filter(|o| o.kind == "Kustomization" && o.spec.wait == Some(true))
        .filter_map(|o| Some((o.name().to_owned(), o.spec.path.clone()?)))
        .collect();
    let (index, parent) = load
        .objects
        .iter()
        .zip(&load.origins)
        .enumerate()
        .filter(|(_, (o, _))| o.kind == "HelmRelease")
        .find_map(|(i, (_, origin))| {
            waiting
                .iter()
                .filter(|(_, path)| holds(path, &origin.file, &dir))
                .max_by_key(|(_, path)| path.len())
                .map(|(name, _)| (i, name.clone()))
        })
        .expect("the home lab has HelmReleases under wait: true Kustomizations");
    load.objects[index].spec.suspend = Some(true);
    let child = load.objects[index].resource_ref().unwrap();
    let graph = Graph::build(load.objects.clone());
    let found = graph.suspended_health_checked();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].child, child);
    assert_eq!(found[0].parent.name, parent);
    assert_eq!(found[0].via, HealthCheckVia::Wait);
}

#[test]
fn pinning_suspend_false_on_a_child_kustomization_of_a_fleet_is_reported() {
    let dir = fleet("flux2-multi-tenancy");
    let mut load = loaded(&dir);
    let graph = Graph::build(load.objects.clone());
    // A Kustomization some other Kustomization applies.
    let child = load
        .objects
        .iter()
        .filter_map(|o| o.resource_ref())
        .find(|r| r.kind == FluxKind::Kustomization && !graph.owners(r).is_empty())
        .expect("a child Kustomization");
    let parent = graph.owners(&child)[0].clone();
    let obj = load
        .objects
        .iter_mut()
        .find(|o| o.resource_ref().as_ref() == Some(&child))
        .unwrap();
    obj.spec.suspend = Some(false);
    let graph = Graph::build(load.objects);
    let found = graph.suspend_reverted();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].child, child);
    assert_eq!(found[0].parent, parent);
    assert_eq!(found[0].evidence, SuspendEvidence::ManifestSaysFalse);
}
