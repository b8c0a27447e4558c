//! The fleet's pure update: clusters kept apart, keys routed, the overview.

use super::*;
use crate::app::Labels;
use crate::cluster::ClusterEvent;
use crate::config::Config;
use crate::flux::{FluxKind, FluxObject, Health, ResourceRef};
use crossterm::event::KeyEvent;
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
