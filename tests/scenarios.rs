//! Scenario files: every shipped scenario parses and is embedded, broken ones fail naming file and line, and
//! the demo contains what it promises (size, namespaces, chains, ownership, the four failure kinds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::scenario::{BUILTIN, HelmAction, Scenario, ScenarioObject, available_names};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")).join(name)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_parses_and_is_embedded() {
    let files = yaml_files(&dir("scenarios"));
    assert!(files.len() >= 4);
    for file in &files {
        let scenario = Scenario::load(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(!scenario.objects.is_empty(), "{}", file.display());
        let stem = file.file_stem().unwrap().to_str().unwrap();
        assert_eq!(scenario.name, stem, "scenario name matches its file");
        let embedded = BUILTIN.iter().find(|(n, _)| *n == stem).map(|(_, t)| *t);
        assert_eq!(
            embedded,
            Some(std::fs::read_to_string(file).unwrap().as_str()),
            "{stem} is embedded"
        );
    }
    assert_eq!(available_names(&dir("scenarios")).len(), BUILTIN.len());
}

#[test]
fn invalid_scenarios_fail_naming_file_and_line() {
    let files = yaml_files(&dir("scenarios-invalid"));
    assert!(files.len() >= 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks '# expect: <line>: <text>'", file.display()));
        let (line, needle) = expect
            .split_once(": ")
            .unwrap_or((expect.trim_end_matches(':'), ""));
        let err = Scenario::load(&file)
            .expect_err("invalid scenario must fail")
            .to_string();
        let prefix = format!("{}:{line}: ", file.display());
        assert!(
            err.starts_with(&prefix),
            "{err}\n  should start with {prefix}"
        );
        assert!(
            err.contains(needle.trim()),
            "{err}\n  should contain {needle}"
        );
    }
}

#[test]
fn unknown_scenario_names_list_the_shipped_ones() {
    let err = Scenario::named("nope").unwrap_err().to_string();
    assert!(
        err.contains("'nope'") && err.contains("demo") && err.contains("minimal"),
        "{err}"
    );
    assert_eq!(Scenario::named("chain").unwrap().name, "chain");
}

fn by_ref(s: &Scenario) -> BTreeMap<ResourceRef, &ScenarioObject> {
    s.objects
        .iter()
        .map(|o| (o.resource_ref().unwrap(), o))
        .collect()
}

/// Longest `dependsOn` chain (in objects) among the scenario's Kustomizations or HelmReleases.
fn longest_chain(s: &Scenario, kind: FluxKind) -> usize {
    let objects = by_ref(s);
    fn depth(
        r: &ResourceRef,
        objects: &BTreeMap<ResourceRef, &ScenarioObject>,
        seen: &mut BTreeSet<ResourceRef>,
    ) -> usize {
        if !seen.insert(r.clone()) {
            return 0;
        }
        let Some(o) = objects.get(r) else { return 0 };
        let deps = o.manifest["spec"]["dependsOn"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        1 + deps
            .iter()
            .map(|d| {
                let ns = d["namespace"].as_str().unwrap_or(&r.namespace);
                depth(
                    &ResourceRef::new(r.kind, ns, d["name"].as_str().unwrap()),
                    objects,
                    &mut seen.clone(),
                )
            })
            .max()
            .unwrap_or(0)
    }
    objects
        .keys()
        .filter(|r| r.kind == kind)
        .map(|r| depth(r, &objects, &mut BTreeSet::new()))
        .max()
        .unwrap_or(0)
}

#[test]
fn demo_is_a_realistic_fleet() {
    let demo = Scenario::named("demo").unwrap();
    let n = demo.objects.len();
    let charts = demo
        .objects
        .iter()
        .filter(|o| o.manifest["kind"] == "HelmRelease" && o.manifest["spec"]["chart"].is_object())
        .count();
    assert!(
        (40..=70).contains(&(n + charts)),
        "{n} objects + {charts} generated HelmCharts"
    );
    assert!(demo.count(FluxKind::Kustomization) >= 10);
    assert!(demo.count(FluxKind::HelmRelease) >= 10);
    assert!(demo.count(FluxKind::GitRepository) >= 2);
    assert!(demo.count(FluxKind::OCIRepository) >= 2);
    assert!(demo.count(FluxKind::HelmRepository) >= 4);
    let namespaces: BTreeSet<_> = demo
        .objects
        .iter()
        .map(|o| o.resource_ref().unwrap().namespace)
        .collect();
    assert!(namespaces.len() >= 5, "{namespaces:?}");
    assert!(longest_chain(&demo, FluxKind::Kustomization) >= 4);
    assert!(longest_chain(&demo, FluxKind::HelmRelease) >= 3);
    let oci_helm_repo = demo
        .objects
        .iter()
        .any(|o| o.manifest["kind"] == "HelmRepository" && o.manifest["spec"]["type"] == "oci");
    assert!(oci_helm_repo, "an OCI HelmRepository");
    let oci_chart_ref = demo
        .objects
        .iter()
        .any(|o| o.manifest["spec"]["chartRef"]["kind"] == "OCIRepository");
    assert!(
        oci_chart_ref,
        "a HelmRelease with an OCIRepository chartRef"
    );
    // A parent Kustomization owning Kustomizations and HelmReleases through the ownership labels.
    let owned_kinds: BTreeSet<String> = demo
        .objects
        .iter()
        .filter(|o| {
            o.manifest
                .pointer("/metadata/labels/kustomize.toolkit.fluxcd.io~1name")
                .is_some()
        })
        .map(|o| o.manifest["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(owned_kinds.contains("Kustomization") && owned_kinds.contains("HelmRelease"));
}

#[test]
fn demo_has_the_four_failure_kinds() {
    let demo = Scenario::named("demo").unwrap();
    let failing = |kind: &str| -> Vec<&ScenarioObject> {
        demo.objects
            .iter()
            .filter(|o| o.manifest["kind"] == kind && o.behaviour.failure.is_some())
            .collect()
    };
    // The immutable-field failure comes from a real apply: a later version of a Deployment the Kustomization
    // applies changes its selector (tests/sim_apply.rs runs it).
    let immutable = demo.objects.iter().any(|o| {
        let selectors: Vec<&serde_json::Value> = o
            .behaviour
            .manifests
            .iter()
            .filter(|m| {
                m.object["kind"] == "Deployment" && m.object["metadata"]["name"] == "podinfo"
            })
            .map(|m| &m.object["spec"]["selector"])
            .collect();
        o.manifest["kind"] == "Kustomization"
            && o.behaviour.failure.is_none()
            && selectors.len() == 2
            && selectors[0] != selectors[1]
    });
    assert!(immutable, "an immutable-field apply failure");
    let locked = demo
        .objects
        .iter()
        .any(|o| o.manifest["kind"] == "HelmRelease" && o.behaviour.interrupted.is_some());
    assert!(
        locked,
        "a Helm release left pending by an interrupted upgrade"
    );
    let retries = failing("HelmRelease").into_iter().any(|o| {
        o.behaviour.failure.as_ref().unwrap().action == Some(HelmAction::Upgrade)
            && o.manifest["spec"]["upgrade"]["remediation"]["retries"] == 3
    });
    assert!(retries, "a HelmRelease that fails upgrades 4 times");
    let auth = failing("GitRepository").into_iter().any(|o| {
        o.behaviour
            .failure
            .as_ref()
            .unwrap()
            .message
            .contains("authentication required")
    });
    assert!(auth, "a source failing authentication");
    let slow = demo
        .objects
        .iter()
        .any(|o| o.behaviour.reconcile.is_some_and(|d| d.0.as_secs() >= 120));
    assert!(slow, "a reconcile that takes minutes");
}

#[test]
fn old_api_scenario_serves_only_old_versions() {
    let s = Scenario::named("old-api").unwrap();
    assert_eq!(s.served[&FluxKind::Kustomization], vec!["v1beta2"]);
    assert!(s.served[&FluxKind::Bucket].is_empty());
    assert_eq!(s.missing().len(), 2);
    let registry = s.registry();
    assert!(
        registry
            .lookup("kustomize.toolkit.fluxcd.io", "v1", "kustomizations")
            .is_none()
    );
    assert!(
        registry
            .lookup("kustomize.toolkit.fluxcd.io", "v1beta2", "kustomizations")
            .is_some()
    );
    assert!(s.objects.iter().all(
        |o| !o.manifest["apiVersion"].as_str().unwrap().ends_with("/v1")
            && !o.manifest["apiVersion"].as_str().unwrap().ends_with("/v2")
    ));
}

#[test]
fn a_fleet_of_ten_thousand_objects_loads_into_the_store() {
    use fluxops::sim::GroupResource;
    use fluxops::sim::fleet::{FleetSpec, generate_into};
    let store = fluxops::sim::Store::standard();
    let failing = generate_into(&store, &FleetSpec::new(10_000)).unwrap();
    let total: usize = FluxKind::ALL
        .iter()
        .map(|k| store.count(&GroupResource::flux(*k)))
        .sum();
    assert_eq!(total, 10_000);
    assert!(store.count(&GroupResource::new("", "namespaces")) >= 250);
    assert!(!failing.is_empty());
}

#[test]
fn demo_shows_a_stuck_and_an_overdue_object_and_a_commit_rolling_through_a_chain() {
    let demo = Scenario::named("demo").unwrap();
    let stuck = demo
        .objects
        .iter()
        .find(|o| o.behaviour.stuck_after.is_some())
        .expect("a stuck object");
    assert!(
        stuck.manifest["spec"]["timeout"].is_string(),
        "a short timeout, so it shows as stuck soon"
    );
    assert!(
        demo.objects
            .iter()
            .any(|o| o.behaviour.stop_after.is_some()),
        "an overdue object"
    );
    let by = by_ref(&demo);
    let source = ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system");
    assert!(
        by[&source]
            .behaviour
            .revisions
            .is_some_and(|r| r.count >= Some(1)),
        "a new commit"
    );
    let on_it = demo
        .objects
        .iter()
        .filter(|o| {
            o.manifest["spec"]["sourceRef"]["name"] == "flux-system"
                && !o.manifest["spec"]["dependsOn"].is_null()
        })
        .count();
    assert!(on_it >= 3, "a dependsOn chain fed by it");
}
