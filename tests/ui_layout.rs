//! What the screens look like when text does not fit: the timings list sizes its columns to their content
//! (kinds and flags whole, names shortened in the namespace or middle so two names sharing a prefix stay
//! distinct), no text runs into a pane's edge without `…`, the detail pane's continuation lines hang under their
//! value, and on a terminal too narrow for the detail pane the footer says how to open it. Read from the drawn
//! buffer, as a user sees it.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::{FluxKind, FluxObject};
use std::sync::Arc;
use support::console::{act, render_at};
use support::objects::r;
use support::timings::{later, state_with_runs};

/// The drawn screen, one string per row.
fn screen(state: &mut State, width: u16, height: u16) -> Vec<String> {
    let terminal = render_at(state, width, height, later(600));
    let buf = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect()
}

fn upsert(state: &mut State, o: serde_json::Value) {
    let o: FluxObject = serde_json::from_value(o).unwrap();
    update(state, Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))));
}

/// Two Kustomizations whose names share their first 20 characters, and a Bucket.
fn with_long_names() -> State {
    let mut state = state_with_runs();
    for name in ["cluster-apps-production-eu", "cluster-apps-production-us"] {
        upsert(
            &mut state,
            serde_json::json!({
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
                "spec": {"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
                "status": {"observedGeneration": 1, "lastHandledReconcileAt": "x", "conditions": [
                    {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "ok",
                     "lastTransitionTime": "2026-11-24T03:20:00Z"}]}
            }),
        );
    }
    upsert(
        &mut state,
        serde_json::json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "Bucket",
            "metadata": {"name": "terraform-outputs", "namespace": "flux-system", "generation": 1},
            "spec": {"interval": "5m", "bucketName": "outputs", "endpoint": "s3.amazonaws.com"},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored artifact",
                 "lastTransitionTime": "2026-11-24T03:20:00Z"}]}
        }),
    );
    update(&mut state, Msg::Tick(later(600)));
    state
}

/// The rows of the timings table inside the left pane (below its header).
fn timings_rows(lines: &[String], pane_width: usize) -> Vec<String> {
    lines
        .iter()
        .skip(2)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| l.chars().skip(1).take(pane_width - 2).collect::<String>())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn the_timings_list_keeps_kinds_and_flags_whole_and_long_names_distinct() {
    for (width, pane) in [(120u16, 66usize), (80, 80)] {
        let mut state = with_long_names();
        act(&mut state, &[Action::ShowTimings]);
        let lines = screen(&mut state, width, 30);
        let rows = timings_rows(&lines, pane);
        assert!(
            rows.iter().any(|r| r.contains(" Bucket ")),
            "{width}: the kind is whole: {rows:#?}"
        );
        let names: Vec<String> = rows
            .iter()
            .filter(|r| r.contains("production"))
            .map(|r| r.split_whitespace().nth(2).unwrap().to_owned())
            .collect();
        assert_eq!(names.len(), 2, "{width}: {rows:#?}");
        assert_ne!(names[0], names[1], "{width}: two names, two texts");
        for name in &names {
            assert!(
                name.starts_with("flux-system/cluster-apps-production-") || name.contains('…'),
                "{width}: cut without a mark: {name}"
            );
        }
        for flag in ["overdue", "stuck", "suspended"] {
            assert!(
                rows.iter().any(|r| r.contains(flag)),
                "{width}: flag {flag} whole: {rows:#?}"
            );
        }
    }
}

/// The tree pane's rows (inside its border, trailing spaces trimmed) on a `width` terminal.
fn tree_rows(state: &mut State, width: u16) -> Vec<String> {
    // Inside the border; beside the detail pane from 100 columns on (55 % of the width).
    let pane = match width {
        400 => 218,
        120 => 64,
        _ => usize::from(width) - 2,
    };
    screen(state, width, 30)
        .iter()
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| {
            l.chars()
                .skip(1)
                .take(pane)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[test]
fn tree_rows_are_shortened_with_an_ellipsis_or_lose_whole_parts_never_cut_silently() {
    let mut state = with_long_names();
    act(&mut state, &[Action::ExpandAll]);
    // The same rows on a terminal wide enough for all of them.
    let whole = tree_rows(&mut state, 400);
    for width in [120u16, 80] {
        let rows = tree_rows(&mut state, width);
        for (row, full) in rows.iter().zip(&whole) {
            let marked = row
                .split_once('…')
                .is_some_and(|(before, _)| full.starts_with(before));
            assert!(
                row == full
                    || marked
                    || (full.starts_with(row.as_str()) && full[row.len()..].starts_with("  ")),
                "{width}: cut without a mark:\n  {row}\n  {full}"
            );
        }
    }
}

#[test]
fn detail_pane_values_wrap_under_themselves_not_under_their_label() {
    let mut state = state_with_runs();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    act(&mut state, &[Action::FocusDetail]);
    let lines = screen(&mut state, 60, 40);
    let inside: Vec<String> = lines
        .iter()
        .skip(1)
        .map(|l| l.chars().skip(1).take(58).collect())
        .collect();
    // "Next step  follow-dependency: fix the dependency first; …" needs several lines at 58 columns.
    let at = inside
        .iter()
        .position(|l| l.starts_with("Next step"))
        .unwrap();
    let next = &inside[at + 1];
    assert!(
        next.starts_with(&" ".repeat(11)) && !next.trim().is_empty(),
        "continuation hangs under the value: {next:?}"
    );
}

#[test]
fn on_80_columns_the_footer_says_how_to_open_the_detail_pane() {
    for screen_action in [Action::ShowTree, Action::ShowTimings] {
        let mut state = state_with_runs();
        act(&mut state, &[screen_action]);
        let lines = screen(&mut state, 80, 24);
        let footer = lines.last().unwrap();
        assert!(footer.contains("o detail"), "{screen_action:?}: {footer}");
        // And the key does it: the detail pane fills the screen.
        act(&mut state, &[Action::FocusDetail]);
        let lines = screen(&mut state, 80, 24);
        assert!(
            lines.iter().any(|l| l.starts_with("│Status")),
            "{screen_action:?}: {lines:#?}"
        );
    }
}
