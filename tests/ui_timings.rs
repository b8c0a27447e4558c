//! The timings screens drawn on ratatui's TestBackend at fixed sizes with a fixed clock, compared with insta
//! snapshots in tests/snapshots/: the timings list (wide with the detail pane and its sparkline, and 80x24), the
//! status bar totals, and hostile names drawn safely.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::{FluxKind, FluxObject};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use support::console::{act, render_at};
use support::objects::r;
use support::timings::{later, state_with_runs};

fn render(state: &mut State, width: u16, height: u16) -> Terminal<TestBackend> {
    render_at(state, width, height, later(600))
}

#[test]
fn timings_list_with_sparkline_detail_120x30() {
    let mut state = state_with_runs();
    act(&mut state, &[Action::ShowTimings, Action::MoveDown]);
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn timings_list_sorted_by_overdue_80x24() {
    let mut state = state_with_runs();
    act(
        &mut state,
        &[Action::ShowTimings, Action::CycleSort, Action::CycleSort],
    );
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn tree_detail_of_a_slow_kustomization_with_totals_120x30() {
    let mut state = state_with_runs();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "flux-system"));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn hostile_names_in_the_timings_list_are_drawn_without_escape_sequences_80x24() {
    let mut state = state_with_runs();
    let hostile: FluxObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "evil\u{1b}[2J\u{1b}]0;pwned\u{7}", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "timeout": "10h",
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "history": [{"digest": "sha256:1",
            "lastReconciled": "2026-11-24T03:39:00Z", "lastReconciledDuration": "1h2m3s",
            "lastReconciledStatus": "ReconciliationSucceeded"}]}
    }))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(hostile))),
    );
    act(&mut state, &[Action::ShowTimings]);
    let terminal = render(&mut state, 80, 24);
    let text = format!("{:?}", terminal.backend());
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
    insta::assert_snapshot!(terminal.backend());
}
