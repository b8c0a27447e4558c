//! Screens drawn on ratatui's TestBackend at fixed sizes with a fixed clock, compared with insta snapshots in
//! tests/snapshots/. Built from the fixture fleet in fixtures/flux/console-fleet.yaml.

mod support;

use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::{ClusterEvent, KindProblem};
use fluxops::config::{Config, ConfigPaths};
use fluxops::flux::{FluxKind, FluxObject};
use std::sync::Arc;
use support::console::{act, loaded_state, now, render};
use support::fleets::load_fleet;
use support::objects::r;

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        update(state, Msg::Key(key));
    }
}

#[test]
fn dependency_view_expanded_with_blocked_detail_120x30() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ExpandAll]);
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn dependency_view_collapsed_80x24_hides_detail() {
    let mut state = loaded_state();
    act(&mut state, &[Action::MoveDown, Action::Expand]);
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn ownership_view_120x30() {
    let mut state = loaded_state();
    act(&mut state, &[Action::SwitchView, Action::ExpandAll]);
    state.reveal(&r(
        FluxKind::HelmRelease,
        "monitoring",
        "kube-prometheus-stack",
    ));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn detail_pane_of_failing_source_with_events_120x30() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "podinfo"));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn detail_pane_focused_on_narrow_terminal_80x24() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    act(&mut state, &[Action::FocusDetail]);
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn help_lists_the_keymap_120x30() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ToggleHelp]);
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn help_on_small_terminal_80x24() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ToggleHelp]);
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn filter_active_shows_matches_and_their_ancestors_120x30() {
    let mut state = loaded_state();
    act(&mut state, &[Action::StartFilter]);
    type_text(&mut state, "frontend");
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn stale_and_unavailable_banners_80x24() {
    let mut state = loaded_state();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Degraded {
            kind: FluxKind::Kustomization,
            error: "watch stream failed: connection reset by peer".to_owned(),
            since: "2026-11-24T03:28:12Z".to_owned(),
        }),
    );
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::KindUnavailable {
            kind: FluxKind::ExternalArtifact,
            problem: KindProblem::MissingCrd,
        }),
    );
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn config_problem_banner_120x30() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keymap.yaml"),
        "navigator:\n  - keys: [j]\n    action: go_down\n",
    )
    .unwrap();
    let mut config = Config::load(Some(&ConfigPaths::at(dir.path())));
    for p in &mut config.problems {
        p.file = std::path::PathBuf::from("~/.config/fluxops/keymap.yaml");
    }
    let mut state = State::new(config, support::console::labels());
    for obj in support::console::fleet() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    update(&mut state, Msg::Tick(now()));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn hostile_text_is_drawn_without_escape_sequences_120x30() {
    let mut state = loaded_state();
    let evil: FluxObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "evil", "namespace": "flux-system", "generation": 1},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "conditions": [{
            "type": "Ready", "status": "False", "reason": "Build\u{1b}[31mFailed",
            "message": "line one\u{1b}]0;pwned\u{7}\r\n\u{9b}2Jline two\twith tab \u{202e}desrever"
        }]}
    }))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(evil))),
    );
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "evil"));
    let terminal = render(&mut state, 120, 30);
    let text = terminal.backend().to_string();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{202e}'));
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn real_home_lab_fleet_from_a_repository_80x24() {
    let load = load_fleet("bjw-s-labs__home-ops@2022-06");
    assert!(load.objects.len() > 150);
    let mut state = State::new(Config::builtin(), support::console::labels());
    for obj in load.objects {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    update(&mut state, Msg::Tick(now()));
    act(&mut state, &[Action::ExpandAll, Action::SelectFirst]);
    assert!(
        state.navigator.rows().len() > 190,
        "every object is reachable from a root"
    );
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn every_screen_draws_at_tiny_and_odd_sizes_without_panicking() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (79, 23), (200, 60)] {
        for setup in [
            &[][..],
            &[Action::ToggleHelp][..],
            &[Action::StartFilter][..],
            &[Action::FocusDetail][..],
            &[Action::ExpandAll, Action::SelectLast][..],
        ] {
            let mut state = loaded_state();
            act(&mut state, setup);
            let _ = render(&mut state, w, h);
        }
    }
}

#[test]
fn scrolled_window_starting_below_the_roots_keeps_depth_and_arrows_80x9() {
    let mut state = loaded_state();
    act(&mut state, &[Action::SwitchView, Action::ExpandAll]);
    for _ in 0..11 {
        act(&mut state, &[Action::MoveDown]);
    }
    insta::assert_snapshot!(render(&mut state, 80, 9).backend());
}
