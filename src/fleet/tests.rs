//! The fleet's pure update: clusters kept apart, keys routed, the overview.

use super::*;
use crate::app::Labels;
use crate::cluster::ClusterEvent;
use crate::config::Config;
use crate::flux::{FluxKind, FluxObject, Health, ResourceRef};
use crossterm::event::KeyEvent;
use k8s_openapi::jiff::Timestamp;
use std::sync::Arc;

fn member(name: &str) -> Member {
    Member::new(
        name,
        State::new(
            Config::load(None),
            Labels {
                context: name.to_owned(),
                namespace: None,
            },
        ),
    )
}

fn ks(ready: bool) -> Arc<FluxObject> {
    let status = if ready { "True" } else { "False" };
    let v = serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "uid": "u", "generation": 1},
        "spec": {"interval": "10m", "path": "./apps", "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": status,
            "reason": if ready { "ReconciliationSucceeded" } else { "BuildFailed" },
            "message": "kustomize build failed: accumulating resources", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    });
    Arc::new(serde_json::from_value(v).unwrap())
}

fn to(cluster: usize, event: ClusterEvent) -> FleetMsg {
    FleetMsg::Cluster(Tagged {
        cluster,
        event: FleetEvent::Cluster(event),
    })
}

fn key(code: KeyCode) -> FleetMsg {
    FleetMsg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn the_same_object_in_two_clusters_stays_two_objects() {
    let mut fleet = Fleet::new(vec![member("a"), member("b")]);
    update(&mut fleet, to(0, ClusterEvent::Upserted(ks(true))));
    update(&mut fleet, to(1, ClusterEvent::Upserted(ks(false))));
    let apps = ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps");
    let health = |i: usize| fleet.members[i].state.objects[&apps].status.health;
    assert_eq!(health(0), Health::Ready);
    assert!(health(1).is_failure(), "{:?}", health(1));
    assert_eq!(fleet.members[0].state.graph.root_causes(&apps).len(), 0);
    // Deleted in one cluster, still there in the other.
    update(&mut fleet, to(0, ClusterEvent::Deleted(apps.clone())));
    assert!(!fleet.members[0].state.objects.contains_key(&apps));
    assert!(fleet.members[1].state.objects.contains_key(&apps));
}

#[test]
fn six_opens_the_overview_enter_scopes_the_screens_to_the_selected_cluster() {
    let mut fleet = Fleet::new(vec![member("a"), member("b"), member("c")]);
    assert!(update(&mut fleet, key(KeyCode::Char('7'))).is_empty());
    assert!(fleet.overview);
    update(&mut fleet, key(KeyCode::Down));
    update(&mut fleet, key(KeyCode::Down));
    update(&mut fleet, key(KeyCode::Down));
    assert_eq!(fleet.selected, 2);
    update(&mut fleet, key(KeyCode::Up));
    update(&mut fleet, key(KeyCode::Enter));
    assert!(!fleet.overview);
    assert_eq!(fleet.focus, 1);
    // Keys now go to b's screens only.
    update(&mut fleet, key(KeyCode::Char('3')));
    assert_eq!(
        fleet.members[1].state.screen,
        crate::app::state::Screen::Timings
    );
    assert_eq!(
        fleet.members[0].state.screen,
        crate::app::state::Screen::Tree
    );
    // Another key on the overview goes back and acts on the screens; q quits.
    update(&mut fleet, key(KeyCode::Char('7')));
    update(&mut fleet, key(KeyCode::Char('0')));
    assert!(!fleet.overview);
    assert_eq!(
        fleet.members[1].state.screen,
        crate::app::state::Screen::Problems
    );
    update(&mut fleet, key(KeyCode::Char('7')));
    assert_eq!(
        update(&mut fleet, key(KeyCode::Char('q'))),
        vec![(1, Effect::Quit)]
    );
}

#[test]
fn a_cluster_whose_every_kind_fails_is_unreachable_the_others_live() {
    let mut fleet = Fleet::new(vec![member("a"), member("b")]);
    for i in 0..2 {
        for kind in FluxKind::ALL {
            let api_version = "v1".to_owned();
            update(
                &mut fleet,
                to(i, ClusterEvent::KindSynced { kind, api_version }),
            );
        }
    }
    assert_eq!(fleet.members[1].link(), Link::Live);
    for kind in FluxKind::ALL {
        let ev = ClusterEvent::Degraded {
            kind,
            error: "connection refused".into(),
            since: "2026-01-01T10:42:00Z".into(),
        };
        update(&mut fleet, to(1, ev));
    }
    assert!(matches!(fleet.members[1].link(), Link::Unreachable(_)));
    assert_eq!(fleet.members[0].link(), Link::Live);
    let latency = FleetMsg::Cluster(Tagged {
        cluster: 0,
        event: FleetEvent::Latency(Ok(Duration::from_millis(12))),
    });
    update(&mut fleet, latency);
    assert_eq!(
        fleet.members[0].latency,
        Some(Ok(Duration::from_millis(12)))
    );
}

fn ks_named(name: &str, ready: bool) -> Arc<FluxObject> {
    let mut obj = (*ks(ready)).clone();
    obj.metadata.name = Some(name.to_owned());
    obj.metadata.uid = Some(format!("uid-{name}"));
    Arc::new(obj)
}

fn shift_tab() -> FleetMsg {
    FleetMsg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
}

/// The GitRepository `flux-system` the Kustomizations read, ready.
fn git() -> Arc<FluxObject> {
    let v = serde_json::json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "uid": "g", "generation": 1},
        "spec": {"interval": "1m", "url": "https://example.com/repo"},
        "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True",
            "reason": "Succeeded", "message": "stored artifact", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    });
    Arc::new(serde_json::from_value(v).unwrap())
}

/// a: `apps` failing, `infra` ready; b: `apps` ready, `db` failing; each with its ready GitRepository.
fn two_clusters() -> Fleet {
    let mut fleet = Fleet::new(vec![member("a"), member("b")]);
    for cluster in 0..2 {
        update(&mut fleet, to(cluster, ClusterEvent::Upserted(git())));
    }
    for (cluster, name, ready) in [
        (0, "apps", false),
        (0, "infra", true),
        (1, "apps", true),
        (1, "db", false),
    ] {
        update(
            &mut fleet,
            to(cluster, ClusterEvent::Upserted(ks_named(name, ready))),
        );
    }
    update(&mut fleet, key(KeyCode::Char('7')));
    fleet
}

fn ks_ref(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", name)
}

fn picks(fleet: &mut Fleet) -> Vec<(usize, String)> {
    every::rows(&mut fleet.members, fleet.every.section, fleet.every.sort)
        .into_iter()
        .map(|p| (p.cluster, p.target.name))
        .collect()
}

#[test]
fn tab_walks_the_lists_of_every_cluster_and_back_to_the_table() {
    let mut fleet = two_clusters();
    assert_eq!(fleet.every.section, every::Section::Clusters);
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Causes);
    // Both clusters' own failures, each with its cluster.
    assert_eq!(
        picks(&mut fleet),
        [(0, "apps".to_owned()), (1, "db".to_owned())]
    );
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Objects);
    // Every object of both clusters, the failing ones first; `apps` of each cluster is its own row.
    let objects = picks(&mut fleet);
    assert_eq!(objects.len(), 6);
    assert_eq!(objects[..2], [(0, "apps".to_owned()), (1, "db".to_owned())]);
    assert!(objects.contains(&(1, "apps".to_owned())));
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Graph);
    // Each cluster's tree in turn: its GitRepository, the Kustomizations that read it below.
    assert_eq!(
        picks(&mut fleet),
        [
            (0, "flux-system".to_owned()),
            (0, "apps".to_owned()),
            (0, "infra".to_owned()),
            (1, "flux-system".to_owned()),
            (1, "apps".to_owned()),
            (1, "db".to_owned()),
        ]
    );
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Timings);
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Clusters);
    update(&mut fleet, shift_tab());
    assert_eq!(fleet.every.section, every::Section::Timings);
    // Table keys still work in the table section.
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Down));
    assert_eq!(fleet.selected, 1);
}

#[test]
fn enter_on_a_row_of_every_cluster_opens_that_cluster_on_that_object() {
    let mut fleet = two_clusters();
    // The second root cause is b's `db`: Problems screen of b, `db` selected.
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Down));
    update(&mut fleet, key(KeyCode::Enter));
    assert!(!fleet.overview);
    assert_eq!(fleet.focus, 1);
    let b = &fleet.members[1].state;
    assert_eq!(b.screen, crate::app::state::Screen::Problems);
    assert_eq!(b.problems.selected, Some(ks_ref("db")));
    // From the objects list: a's `infra` (ready, so last of a's rows) opens a's tree on it.
    update(&mut fleet, key(KeyCode::Char('7')));
    update(&mut fleet, key(KeyCode::Tab));
    let rows = picks(&mut fleet);
    let infra = rows
        .iter()
        .position(|p| *p == (0, "infra".to_owned()))
        .unwrap();
    update(&mut fleet, key(KeyCode::Home));
    for _ in 0..infra {
        update(&mut fleet, key(KeyCode::Down));
    }
    update(&mut fleet, key(KeyCode::Enter));
    assert_eq!(fleet.focus, 0);
    let a = &fleet.members[0].state;
    assert_eq!(a.screen, crate::app::state::Screen::Tree);
    assert_eq!(a.selected(), Some(&ks_ref("infra")));
}

#[test]
fn the_cursor_stays_on_its_row_when_the_list_changes_under_it() {
    let mut fleet = two_clusters();
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Down));
    let before = picks(&mut fleet);
    let chosen = fleet.every.selected.clone().unwrap();
    assert_eq!((chosen.cluster, chosen.target.name.clone()), before[1]);
    // A new failure in a sorts before the chosen row: the cursor follows its row, not its place.
    update(
        &mut fleet,
        to(0, ClusterEvent::Upserted(ks_named("aaa", false))),
    );
    let rows = every::rows(&mut fleet.members, fleet.every.section, fleet.every.sort);
    let at = fleet.every.cursor(&rows);
    assert_eq!(rows[at], chosen);
    assert_ne!(at, 1, "the row moved");
    // Drawn (the overview keeps the place it drew the cursor at); then its row deleted: the cursor stays at
    // that place.
    let drawn = view::build(&mut fleet, Timestamp::UNIX_EPOCH, 100, 30, true);
    assert_eq!(drawn.list_selected, Some(1 + at));
    update(
        &mut fleet,
        to(chosen.cluster, ClusterEvent::Deleted(chosen.target.clone())),
    );
    let rows = every::rows(&mut fleet.members, fleet.every.section, fleet.every.sort);
    assert_eq!(fleet.every.cursor(&rows), at.min(rows.len() - 1));
}

#[test]
fn the_lists_of_every_cluster_name_the_cluster_on_every_row() {
    let mut fleet = two_clusters();
    for tabs in 1..=4 {
        update(&mut fleet, key(KeyCode::Tab));
        let view = view::build(&mut fleet, Timestamp::UNIX_EPOCH, 100, 30, true);
        assert_eq!(view.selected, None, "the table has no cursor in a list");
        let text: Vec<String> = view
            .causes
            .iter()
            .map(|l| l.iter().map(|s| s.text.as_str()).collect())
            .collect();
        let header = usize::from(tabs == 4);
        let rows = &text[1 + header..];
        assert!(!rows.is_empty(), "{text:?}");
        for row in rows {
            let rest: String = row.chars().skip(2).collect();
            assert!(
                rest.starts_with("a ") || rest.starts_with("b "),
                "a row without its cluster: {row:?}"
            );
        }
        assert_eq!(view.list_selected, Some(1 + header), "{text:?}");
        assert!(text[1 + header].starts_with('▶'), "{text:?}");
    }
}

#[test]
fn the_lists_of_every_cluster_are_kept_until_a_cluster_changes() {
    let mut fleet = two_clusters();
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Tab));
    assert_eq!(fleet.every.section, every::Section::Objects);
    let first = fleet.every.rows(&mut fleet.members);
    // Nothing changed: the same rows, not computed again (a key on the list is the overview's, not a cluster's).
    update(&mut fleet, key(KeyCode::Down));
    let again = fleet.every.rows(&mut fleet.members);
    assert!(Arc::ptr_eq(&first, &again));
    // A cluster changes: computed again, with the change.
    update(
        &mut fleet,
        to(1, ClusterEvent::Upserted(ks_named("zzz-new", false))),
    );
    let changed = fleet.every.rows(&mut fleet.members);
    assert!(!Arc::ptr_eq(&first, &changed));
    assert_eq!(changed.len(), first.len() + 1);
    assert!(
        changed
            .iter()
            .any(|p| p.cluster == 1 && p.target.name == "zzz-new")
    );
    assert_eq!(
        *changed,
        *every::rows(&mut fleet.members, fleet.every.section, fleet.every.sort)
    );
    // Another section or sort: its own rows.
    update(&mut fleet, key(KeyCode::Tab));
    update(&mut fleet, key(KeyCode::Tab));
    let timings = fleet.every.rows(&mut fleet.members);
    assert_eq!(
        *timings,
        *every::rows(
            &mut fleet.members,
            every::Section::Timings,
            fleet.every.sort
        )
    );
    update(&mut fleet, key(KeyCode::Char('s')));
    let resorted = fleet.every.rows(&mut fleet.members);
    assert!(!Arc::ptr_eq(&timings, &resorted));
}

fn depends_on(name: &str, on: &[&str]) -> Arc<FluxObject> {
    let mut v = serde_json::to_value(&*ks_named(name, true)).unwrap();
    v["spec"]["dependsOn"] = on.iter().map(|n| serde_json::json!({"name": n})).collect();
    Arc::new(serde_json::from_value(v).unwrap())
}

/// The graph list: each object once, under the parent deepest in its cluster's graph (`apps` waits on `infra`
/// and on `crds`, which waits on `infra` too: it sits under `crds`), indented by its depth, cluster after
/// cluster; drawn with its cluster's name and the indent; `enter` opens that cluster's tree on it.
#[test]
fn the_graph_of_every_cluster_places_each_object_once_below_what_it_waits_on() {
    let mut fleet = Fleet::new(vec![member("a"), member("b")]);
    for cluster in 0..2 {
        update(&mut fleet, to(cluster, ClusterEvent::Upserted(git())));
    }
    for obj in [
        depends_on("infra", &[]),
        depends_on("crds", &["infra"]),
        depends_on("apps", &["infra", "crds"]),
    ] {
        update(&mut fleet, to(0, ClusterEvent::Upserted(obj)));
    }
    update(
        &mut fleet,
        to(1, ClusterEvent::Upserted(depends_on("db", &[]))),
    );
    update(&mut fleet, key(KeyCode::Char('7')));
    for _ in 0..3 {
        update(&mut fleet, key(KeyCode::Tab));
    }
    assert_eq!(fleet.every.section, every::Section::Graph);
    let rows = every::rows(&mut fleet.members, fleet.every.section, fleet.every.sort);
    let got: Vec<(usize, &str, usize)> = rows
        .iter()
        .map(|p| (p.cluster, p.target.name.as_str(), p.depth))
        .collect();
    assert_eq!(
        got,
        [
            (0, "flux-system", 0),
            (0, "infra", 1),
            (0, "crds", 2),
            (0, "apps", 3),
            (1, "flux-system", 0),
            (1, "db", 1),
        ]
    );
    let drawn = view::build(&mut fleet, Timestamp::UNIX_EPOCH, 100, 30, true);
    let text: Vec<String> = drawn
        .causes
        .iter()
        .map(|l| l.iter().map(|s| s.text.as_str()).collect())
        .collect();
    assert!(text[0].contains("GRAPH"), "{text:?}");
    let column = |name: &str| {
        let line = text.iter().find(|l| l.contains(&format!("{name} ·")));
        let line = line.unwrap_or_else(|| panic!("{name}: {text:?}"));
        assert!(
            line.trim_start_matches(['▶', ' ']).starts_with("a "),
            "{line:?}"
        );
        line.chars().position(|c| c == '✓').unwrap()
    };
    // Two columns deeper per level: infra (1) → apps (3).
    assert_eq!(
        column("flux-system/apps"),
        column("flux-system/infra") + 4,
        "{text:?}"
    );
    // `enter` on `crds`: a's tree screen, `crds` selected.
    for _ in 0..2 {
        update(&mut fleet, key(KeyCode::Down));
    }
    update(&mut fleet, key(KeyCode::Enter));
    assert_eq!(fleet.focus, 0);
    let a = &fleet.members[0].state;
    assert_eq!(a.screen, crate::app::state::Screen::Tree);
    assert_eq!(a.selected(), Some(&ks_ref("crds")));
    assert_eq!(a.selected(), Some(&ks_ref("crds")));
}

/// Opening a cluster on an object from the overview is the user's choice of screen, as a key there would be: b
/// (never sent a key) opened on its tree stays there when a failure arrives and the clock ticks, instead of
/// opening on its Problems as a cluster does by itself before the first key.
#[test]
fn a_cluster_opened_from_the_overview_stays_on_the_chosen_screen() {
    let mut fleet = two_clusters();
    // Every kind of b listed: from now until a first key in b, b opens on its Problems by itself.
    for kind in FluxKind::ALL {
        let synced = ClusterEvent::KindSynced {
            kind,
            api_version: "v1".to_owned(),
        };
        update(&mut fleet, to(1, synced));
    }
    assert_eq!(
        fleet.members[1].state.screen,
        crate::app::state::Screen::Problems
    );
    for _ in 0..3 {
        update(&mut fleet, key(KeyCode::Tab));
    }
    assert_eq!(fleet.every.section, every::Section::Graph);
    update(&mut fleet, key(KeyCode::End));
    update(&mut fleet, key(KeyCode::Enter));
    assert_eq!(fleet.focus, 1);
    assert_eq!(
        fleet.members[1].state.screen,
        crate::app::state::Screen::Tree
    );
    update(
        &mut fleet,
        to(1, ClusterEvent::Upserted(ks_named("broken", false))),
    );
    update(&mut fleet, FleetMsg::Tick(Timestamp::UNIX_EPOCH));
    let b = &mut fleet.members[1].state;
    crate::app::problems::refresh(b);
    assert!(!b.problems.list().is_empty());
    assert_eq!(b.screen, crate::app::state::Screen::Tree);
    assert_eq!(b.selected(), Some(&ks_ref("db")));
}
