//! Unit tests of the graph: edges, placeholders, root causes, cycles, incremental updates.

use super::*;
use crate::flux::FluxKind;
use serde_json::{Value, json};

mod look_through;

pub(super) fn obj(v: Value) -> FluxObject {
    serde_json::from_value(v).unwrap()
}

pub(super) fn ready() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": ""}]})
}

pub(super) fn failing() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "GitOperationFailed", "message": "auth"}]})
}

pub(super) fn stalled() -> Value {
    json!({"conditions": [
        {"type": "Ready", "status": "False", "reason": "InvalidURL", "message": "bad url"},
        {"type": "Stalled", "status": "True", "reason": "InvalidURL", "message": "bad url"}
    ]})
}

pub(super) fn blocked() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "dep"}]})
}

pub(super) fn git(name: &str, status: Value) -> FluxObject {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"url": "https://example.com/x"}, "status": status
    }))
}

pub(super) fn ks(name: &str, source: &str, deps: &[&str], status: Value) -> FluxObject {
    let deps: Vec<Value> = deps.iter().map(|d| json!({"name": d})).collect();
    obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": source}, "dependsOn": deps},
        "status": status
    }))
}

pub(super) fn hr(name: &str, repo: &str, status: Value) -> FluxObject {
    obj(json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {"chart": {"spec": {"chart": name, "sourceRef": {
            "kind": "HelmRepository", "name": repo, "namespace": "flux-system"}}}},
        "status": status
    }))
}

pub(super) fn r(kind: FluxKind, ns: &str, name: &str) -> ResourceRef {
    ResourceRef::new(kind, ns, name)
}

pub(super) fn ks_ref(name: &str) -> ResourceRef {
    r(FluxKind::Kustomization, "flux-system", name)
}

pub(super) fn git_ref(name: &str) -> ResourceRef {
    r(FluxKind::GitRepository, "flux-system", name)
}

#[test]
fn missing_source_is_a_dangling_placeholder_that_vanishes_with_its_last_referrer() {
    let mut g = Graph::build([ks("apps", "flux-system", &[], json!({}))]);
    assert_eq!(
        g.node(&git_ref("flux-system")).map(|n| n.state),
        Some(NodeState::Dangling)
    );
    let dangling = g.dangling();
    assert_eq!(dangling.len(), 1);
    assert!(dangling[0].expected);
    assert!(g.remove(&ks_ref("apps")));
    assert_eq!(g.node_count(), 0);
    assert_eq!(g.edge_count(), 0);
}

#[test]
fn helm_release_without_chart_object_goes_through_an_implied_chart() {
    let g = Graph::build([hr("web", "charts", json!({}))]);
    let chart = r(FluxKind::HelmChart, "flux-system", "apps-web");
    assert_eq!(g.node(&chart).map(|n| n.state), Some(NodeState::Implied));
    assert_eq!(
        g.dependencies(&chart),
        vec![&r(FluxKind::HelmRepository, "flux-system", "charts")]
    );
    // Only the HelmRepository is dangling; the chart is implied, not missing.
    assert_eq!(g.dangling().len(), 1);
}

#[test]
fn failing_source_is_root_cause_of_every_blocked_object_downstream_and_only_those() {
    let g = Graph::build([
        git("repo", failing()),
        git("other", ready()),
        ks("infra", "repo", &[], blocked()),
        ks("apps", "other", &["infra"], blocked()),
        ks("unrelated", "other", &[], json!({})),
        ks("fine", "other", &[], ready()),
    ]);
    let src = git_ref("repo");
    assert_eq!(g.root_causes(&src), std::slice::from_ref(&src));
    assert_eq!(g.root_causes(&ks_ref("infra")), std::slice::from_ref(&src));
    assert_eq!(g.root_causes(&ks_ref("apps")), std::slice::from_ref(&src));
    assert!(g.root_causes(&ks_ref("unrelated")).is_empty());
    assert!(g.root_causes(&ks_ref("fine")).is_empty());
    assert_eq!(
        g.blast_radius(&src),
        vec![&ks_ref("apps"), &ks_ref("infra")]
    );
}

#[test]
fn a_ready_dependency_shields_what_waits_on_it() {
    let g = Graph::build([
        git("repo", failing()),
        ks("infra", "repo", &[], ready()),
        ks("apps", "ok", &["infra"], blocked()),
        git("ok", ready()),
    ]);
    assert!(g.root_causes(&ks_ref("apps")).is_empty());
}

#[test]
fn several_root_causes_are_all_returned_sorted() {
    let g = Graph::build([
        git("b-repo", failing()),
        git("a-repo", failing()),
        ks("x", "a-repo", &[], blocked()),
        ks("y", "b-repo", &[], blocked()),
        ks("apps", "missing", &["x", "y"], blocked()),
    ]);
    assert_eq!(
        g.root_causes(&ks_ref("apps")),
        &[git_ref("a-repo"), git_ref("b-repo"), git_ref("missing")]
    );
}

#[test]
fn suspended_dependency_is_a_root_cause() {
    let mut infra = ks("infra", "repo", &[], ready());
    infra.spec.suspend = Some(true);
    let g = Graph::build([
        git("repo", ready()),
        infra,
        ks("apps", "repo", &["infra"], blocked()),
    ]);
    assert_eq!(g.root_causes(&ks_ref("apps")), &[ks_ref("infra")]);
}

#[test]
fn cycles_are_reported_and_do_not_hang_root_causes() {
    let g = Graph::build([
        git("repo", failing()),
        ks("a", "repo", &["b"], blocked()),
        ks("b", "repo", &["c"], blocked()),
        ks("c", "repo", &["a"], blocked()),
        ks("self", "repo", &["self"], blocked()),
    ]);
    assert_eq!(
        g.cycles(),
        vec![
            vec![ks_ref("a"), ks_ref("b"), ks_ref("c")],
            vec![ks_ref("self")]
        ]
    );
    for n in ["a", "b", "c", "self"] {
        assert_eq!(g.root_causes(&ks_ref(n)), &[git_ref("repo")], "{n}");
    }
}

#[test]
fn cross_kind_depends_on_is_flagged_by_written_kind_or_by_name() {
    let mut apps = ks("apps", "repo", &["web", "infra"], json!({}));
    apps.spec.depends_on[1].kind = Some("HelmRelease".into());
    let mut web = hr("web", "charts", json!({}));
    web.metadata.namespace = Some("flux-system".into());
    let g = Graph::build([git("repo", ready()), apps, web]);
    let found = g.cross_kind_depends_on();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].target, ks_ref("infra"));
    assert_eq!(found[0].written_kind.as_deref(), Some("HelmRelease"));
    assert_eq!(found[1].target, ks_ref("web"));
    assert!(found[1].other_kind_exists);
    // The controller waits on the Kustomization named web, which does not exist.
    assert!(g.dangling().iter().any(|d| d.target == ks_ref("web")));
}

#[test]
fn inventory_and_owner_labels_build_the_ownership_view() {
    let root = obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "flux-system", "namespace": "flux-system"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"inventory": {"entries": [
            {"id": "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
            {"id": "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"}
        ]}}
    }));
    let mut web = hr("web", "charts", json!({}));
    web.metadata.labels = Some(
        [
            (
                "kustomize.toolkit.fluxcd.io/name".to_owned(),
                "apps".to_owned(),
            ),
            (
                "kustomize.toolkit.fluxcd.io/namespace".to_owned(),
                "flux-system".to_owned(),
            ),
        ]
        .into(),
    );
    let g = Graph::build([root, ks("apps", "flux-system", &[], json!({})), web]);
    assert_eq!(
        g.inventory_children(&ks_ref("flux-system")),
        vec![&ks_ref("apps")]
    );
    assert_eq!(
        g.inventory_children(&ks_ref("apps")),
        vec![&r(FluxKind::HelmRelease, "apps", "web")]
    );
    assert!(g.inventory_roots().contains(&&ks_ref("flux-system")));
    assert!(!g.inventory_roots().contains(&&ks_ref("apps")));
}

#[test]
fn waits_on_kinds_sort_before_ownership_kinds() {
    // The adjacency maps are split by a range on this order (see `ownership_start`).
    let mut kinds = EdgeKind::ALL.to_vec();
    kinds.sort();
    let first_ownership = kinds.iter().position(|k| k.is_ownership()).unwrap();
    assert!(kinds[..first_ownership].iter().all(|k| k.is_waits_on()));
    assert!(kinds[first_ownership..].iter().all(|k| k.is_ownership()));
    assert_eq!(kinds[first_ownership], EdgeKind::Inventory);
    assert_eq!(
        ownership_start().1,
        FluxKind::ALL
            .iter()
            .map(|k| ResourceRef::new(*k, "", ""))
            .min()
            .unwrap()
    );
}

#[test]
fn roots_are_what_waits_on_nothing() {
    let g = Graph::build([git("repo", ready()), ks("a", "repo", &[], ready())]);
    assert_eq!(g.roots(), vec![&git_ref("repo")]);
    assert_eq!(g.dependents(&git_ref("repo")), vec![&ks_ref("a")]);
    assert_eq!(g.dependencies(&ks_ref("a")), vec![&git_ref("repo")]);
}

/// A small deterministic generator (no extra crate needed for a test sequence).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn random_object(rng: &mut Lcg) -> FluxObject {
    let statuses = [ready(), failing(), blocked(), stalled(), json!({})];
    let status = statuses[rng.next(statuses.len())].clone();
    let name = |rng: &mut Lcg| format!("o{}", rng.next(12));
    match rng.next(4) {
        0 => git(&name(rng), status),
        1 => {
            let deps: Vec<String> = (0..rng.next(3)).map(|_| name(rng)).collect();
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            let mut k = ks(&name(rng), &name(rng), &deps, status);
            if rng.next(5) == 0 {
                k.spec.suspend = Some(true);
            }
            if rng.next(3) == 0 {
                let child = format!(
                    "flux-system_{}_helm.toolkit.fluxcd.io_HelmRelease",
                    name(rng)
                );
                k.status.inventory = Some(crate::flux::api::Inventory {
                    entries: vec![crate::flux::api::InventoryEntry {
                        id: child,
                        v: "v2".into(),
                    }],
                });
            }
            k
        }
        2 => {
            let mut h = hr(&name(rng), &name(rng), status);
            h.metadata.namespace = Some("flux-system".into());
            if rng.next(3) == 0 {
                h.metadata.labels = Some(
                    [
                        ("kustomize.toolkit.fluxcd.io/name".to_owned(), name(rng)),
                        (
                            "kustomize.toolkit.fluxcd.io/namespace".to_owned(),
                            "flux-system".to_owned(),
                        ),
                    ]
                    .into(),
                );
            }
            h
        }
        _ => obj(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart",
            "metadata": {"name": format!("flux-system-{}", name(rng)), "namespace": "flux-system"},
            "spec": {"chart": "c", "sourceRef": {"kind": "HelmRepository", "name": name(rng)}},
            "status": status
        })),
    }
}

#[test]
fn upserts_and_removes_give_the_same_graph_as_building_from_scratch() {
    for seed in 1..=6 {
        check_incremental_matches_scratch(seed);
    }
}

pub(super) fn check_incremental_matches_scratch(seed: u64) {
    let mut rng = Lcg(seed);
    let mut g = Graph::new();
    let mut live: std::collections::BTreeMap<ResourceRef, FluxObject> = Default::default();
    for step in 0..1500 {
        if step % 7 == 0 {
            // A burst applied as one batch, mixing upserts and removes.
            let mut batch = Vec::new();
            for _ in 0..rng.next(6) {
                if rng.next(3) == 0 && !live.is_empty() {
                    let victim = live.keys().nth(rng.next(live.len())).cloned().unwrap();
                    live.remove(&victim);
                    batch.push(Change::Remove(victim));
                } else {
                    let o = random_object(&mut rng);
                    live.insert(o.resource_ref().unwrap(), o.clone());
                    batch.push(Change::Upsert(o.into()));
                }
            }
            g.apply(batch);
        } else if rng.next(4) == 0 && !live.is_empty() {
            let victim = live.keys().nth(rng.next(live.len())).cloned().unwrap();
            live.remove(&victim);
            assert!(g.remove(&victim));
        } else {
            let o = random_object(&mut rng);
            live.insert(o.resource_ref().unwrap(), o.clone());
            assert!(g.upsert(o));
        }
        if step % 25 == 0 {
            let scratch = Graph::build(live.values().cloned());
            if let Some(d) = first_difference(&g, &scratch) {
                panic!("seed {seed} diverged at step {step}: {d}");
            }
            assert_eq!(g, scratch, "diverged at step {step}");
        }
    }
    assert_eq!(g, Graph::build(live.values().cloned()));
}

/// A short description of the first difference between two graphs (for readable failures).
pub(super) fn first_difference(a: &Graph, b: &Graph) -> Option<String> {
    let mut refs: Vec<&ResourceRef> = a.nodes.keys().chain(b.nodes.keys()).collect();
    refs.sort();
    refs.dedup();
    for r in refs {
        let (na, nb) = (a.nodes.get(r), b.nodes.get(r));
        let sa = na.map(|n| (n.state, n.health));
        let sb = nb.map(|n| (n.state, n.health));
        if sa != sb {
            return Some(format!("node {r}: incremental {sa:?} vs scratch {sb:?}"));
        }
        if a.root_causes(r) != b.root_causes(r) {
            return Some(format!(
                "root causes of {r}: incremental {:?} vs scratch {:?}",
                a.root_causes(r)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                b.root_causes(r)
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }
    }
    if a.roots() != b.roots() || a.inventory_roots() != b.inventory_roots() {
        return Some("root sets differ".to_owned());
    }
    if a.edges() != b.edges() {
        return Some("edges differ".to_owned());
    }
    None
}
