//! The Problems screen (issue 7, item 12): root causes only, worst first by blast radius, where the console opens
//! when something is wrong; `0` from anywhere, enter opens the detail with what waits behind the problem.
//! Snapshots at 80x24 and 160x48 with the fixed clock.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::app::problems::{ProblemKind, find};
use fluxops::app::state::{Focus, Screen};
use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::{Config, Mode};
use fluxops::flux::{FluxKind, FluxObject};
use std::sync::Arc;
use support::console::{act, fleet, labels, loaded_state, now, render, synced_state};
use support::objects::r;

fn problem_targets(state: &State) -> Vec<String> {
    find(&state.graph, &state.timings)
        .iter()
        .map(|p| format!("{} {} {}", p.target, p.kind.label(), p.blast))
        .collect()
}

#[test]
fn only_root_causes_are_listed_worst_first_by_blast_radius() {
    let state = loaded_state();
    // The failing Kustomization `podinfo` looks through to its failing GitRepository and is not listed; `apps`
    // waits behind it too. The suspended `redis` is listed because `frontend` waits on it; the stalled
    // HelmRelease has nothing behind it and comes last.
    assert_eq!(
        problem_targets(&state),
        vec![
            "GitRepository/flux-system/podinfo failing 2",
            "HelmRelease/apps/redis suspended 1",
            "HelmRelease/monitoring/kube-prometheus-stack stalled 0",
        ]
    );
}

#[test]
fn a_suspended_object_nothing_waits_on_is_not_a_problem() {
    let objects: Vec<FluxObject> = fleet()
        .into_iter()
        .filter(|o| o.metadata.name.as_deref() != Some("frontend"))
        .collect();
    let state = synced_state(objects);
    let listed = problem_targets(&state);
    assert!(!listed.iter().any(|p| p.contains("redis")), "{listed:?}");
}

#[test]
fn the_console_opens_on_problems_once_every_kind_is_listed_and_something_is_wrong() {
    let mut state = State::new(Config::builtin(), labels());
    for obj in fleet() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    let mut kinds = FluxKind::ALL.into_iter();
    let first = kinds.next().unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::KindSynced {
            kind: first,
            api_version: format!("{}/v1", first.group()),
        }),
    );
    // Still listing: the tree stays.
    assert_eq!(state.screen, Screen::Tree);
    for kind in kinds {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/v1", kind.group()),
            }),
        );
    }
    assert_eq!(state.screen, Screen::Problems);
    assert_eq!(state.mode(), Mode::Problems);
    // The worst problem is selected.
    assert_eq!(
        state.problems.selected_ref(),
        Some(&r(FluxKind::GitRepository, "flux-system", "podinfo"))
    );
}

#[test]
fn a_healthy_fleet_opens_on_the_tree() {
    let objects: Vec<FluxObject> = fleet()
        .into_iter()
        .filter(|o| {
            o.status
                .conditions
                .iter()
                .all(|c| c.type_ != "Ready" || c.status == "True")
                && !o.is_suspended()
        })
        .collect();
    assert!(objects.len() > 5);
    let state = synced_state(objects);
    assert_eq!(state.screen, Screen::Tree);
}

#[test]
fn a_user_who_pressed_a_key_before_the_sync_is_not_moved() {
    let mut state = State::new(Config::builtin(), labels());
    for obj in fleet() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    act(&mut state, &[Action::MoveDown]);
    for kind in FluxKind::ALL {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/v1", kind.group()),
            }),
        );
    }
    assert_eq!(state.screen, Screen::Tree);
    // Nor later, at a tick.
    update(&mut state, Msg::Tick(now()));
    assert_eq!(state.screen, Screen::Tree);
}

#[test]
fn failures_that_appear_after_the_sync_open_problems_until_a_key_is_pressed() {
    let healthy = |o: &FluxObject| {
        o.status
            .conditions
            .iter()
            .all(|c| c.type_ != "Ready" || c.status == "True")
            && !o.is_suspended()
    };
    let (ok, broken): (Vec<FluxObject>, Vec<FluxObject>) = fleet().into_iter().partition(healthy);
    let mut state = synced_state(ok.clone());
    assert_eq!(state.screen, Screen::Tree);
    // A fresh cluster: the failures arrive seconds after the first listing; the next tick shows them.
    for obj in broken.clone() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    assert_eq!(state.screen, Screen::Tree, "not on every cluster event");
    update(&mut state, Msg::Tick(now()));
    assert_eq!(state.screen, Screen::Problems);
    // It never goes back by itself, and after a key it never moves again.
    let mut state = synced_state(ok);
    act(&mut state, &[Action::MoveDown]);
    for obj in broken {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    update(&mut state, Msg::Tick(now()));
    assert_eq!(state.screen, Screen::Tree);
}

#[test]
fn zero_opens_problems_from_every_screen_and_enter_lists_what_waits_behind() {
    let mut state = loaded_state();
    for screen_key in [Action::ShowTree, Action::ShowDag, Action::ShowTimings] {
        act(&mut state, &[screen_key, Action::ShowProblems]);
        assert_eq!(state.screen, Screen::Problems, "after {screen_key}");
    }
    act(&mut state, &[Action::FocusDetail]);
    assert_eq!(state.focus, Focus::Detail);
    let view = fluxops::app::view::build(&mut state, now());
    let detail = view.detail.expect("the detail of the selected problem");
    assert_eq!(detail.title, "GitRepository flux-system/podinfo");
    assert_eq!(detail.waiting_total, 2);
    assert_eq!(
        detail.waiting,
        vec![
            "⊘ Kustomization/flux-system/apps",
            "⊘ Kustomization/flux-system/podinfo"
        ]
    );
    // Back to the list, the next problem, and to it in the tree.
    act(
        &mut state,
        &[
            Action::FocusNavigator,
            Action::MoveDown,
            Action::RevealInTree,
        ],
    );
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(
        state.selected(),
        Some(&r(FluxKind::HelmRelease, "apps", "redis"))
    );
}

#[test]
fn enter_in_a_problems_detail_walks_its_next_steps_runbook_bound_to_it() {
    use fluxops::app::effect::Effect;
    use fluxops::app::effects_files::FileEffect;
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems, Action::FocusDetail]);
    assert_eq!(state.mode(), Mode::Detail);
    let view = fluxops::app::view::build(&mut state, now());
    // The detail marks the line its enter acts on, and the footer says what enter does there.
    let detail = view.detail.expect("the detail of the selected problem");
    assert_eq!(detail.title, "GitRepository flux-system/podinfo");
    assert!(detail.root_causes.is_empty());
    assert_eq!(detail.walk_key.as_deref(), Some("enter"));
    assert!(
        view.hints
            .contains(&("enter".to_owned(), "walk runbook".to_owned())),
        "{:?}",
        view.hints
    );
    let runbook = detail.diagnosis.expect("a diagnosis").runbook;
    let effects = update(&mut state, Msg::Action(Action::FollowNextStep));
    let opened: Vec<(String, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Files(FileEffect::OpenWalk {
                runbook, binding, ..
            }) => Some((runbook.clone(), binding.target.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(
        opened,
        [(runbook, "GitRepository/flux-system/podinfo".to_owned())]
    );
}

#[test]
fn enter_in_the_detail_of_a_blocked_object_still_jumps_to_its_root_cause() {
    let mut state = loaded_state();
    act(
        &mut state,
        &[Action::ShowTree, Action::ExpandAll, Action::SelectFirst],
    );
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    for _ in 0..100 {
        if state.selected() == Some(&apps) {
            break;
        }
        act(&mut state, &[Action::MoveDown]);
    }
    assert_eq!(state.selected(), Some(&apps), "apps not found in the tree");
    act(&mut state, &[Action::FocusDetail]);
    assert_eq!(state.mode(), Mode::Detail);
    let view = fluxops::app::view::build(&mut state, now());
    let detail = view.detail.expect("the detail of apps");
    assert_eq!(detail.jump_key.as_deref(), Some("enter"));
    assert_eq!(detail.walk_key, None);
    assert!(
        view.hints
            .contains(&("enter".to_owned(), "root cause".to_owned())),
        "{:?}",
        view.hints
    );
    let effects = update(&mut state, Msg::Action(Action::FollowNextStep));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(state.focus, Focus::Navigator);
    assert_eq!(
        state.selected(),
        Some(&r(FluxKind::GitRepository, "flux-system", "podinfo"))
    );
}

#[test]
fn the_list_follows_health_changes_without_recomputing_per_frame() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems]);
    let _ = render(&mut state, 120, 30);
    let computed = state.problems.computations();
    for _ in 0..5 {
        let _ = render(&mut state, 120, 30);
    }
    assert_eq!(
        state.problems.computations(),
        computed,
        "frames reuse the list"
    );
    // The stalled HelmRelease recovers: it leaves the list at the next frame.
    let mut hr = fleet()
        .into_iter()
        .find(|o| o.metadata.name.as_deref() == Some("kube-prometheus-stack"))
        .unwrap();
    hr.status.conditions.retain(|c| c.type_ != "Stalled");
    for c in &mut hr.status.conditions {
        c.status = "True".to_owned();
        c.reason = "UpgradeSucceeded".to_owned();
    }
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(hr))),
    );
    let view = fluxops::app::view::build(&mut state, now());
    let rows: Vec<String> = view
        .problems
        .unwrap()
        .rows
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(rows, vec!["flux-system/podinfo", "apps/redis"]);
    assert_eq!(state.problems.computations(), computed + 1);
}

/// The list the screen keeps (blast radii carried from one rebuild to the next).
fn kept(state: &State) -> Vec<String> {
    state
        .problems
        .list()
        .iter()
        .map(|p| format!("{} {} {}", p.target, p.kind.label(), p.blast))
        .collect()
}

#[test]
fn blast_radii_kept_between_rebuilds_follow_a_new_dependency() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems]);
    let _ = render(&mut state, 120, 30);
    assert!(kept(&state).contains(&"HelmRelease/apps/redis suspended 1".to_owned()));
    // A second release that waits on redis: redis's blast radius grows, although the list's counts are kept
    // from one rebuild to the next.
    let mut canary = fleet()
        .into_iter()
        .find(|o| o.metadata.name.as_deref() == Some("frontend"))
        .unwrap();
    canary.metadata.name = Some("frontend-canary".to_owned());
    canary.metadata.uid = Some("canary-uid".to_owned());
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(canary))),
    );
    let _ = render(&mut state, 120, 30);
    let listed = kept(&state);
    assert!(
        listed.contains(&"HelmRelease/apps/redis suspended 2".to_owned()),
        "{listed:?}"
    );
    assert_eq!(
        listed,
        problem_targets(&state),
        "kept counts agree with counting afresh"
    );
}

#[test]
fn rows_carry_the_diagnosis_headline_since_and_waiting_count() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems]);
    let view = fluxops::app::view::build(&mut state, now());
    let rows = view.problems.unwrap().rows;
    let git = &rows[0];
    assert_eq!((git.kind, git.what.as_str()), ("GitRepository", "failing"));
    assert!(git.headline.contains("stefanprodan/podinfo"), "{git:?}");
    assert_eq!((git.since.as_str(), git.waiting), ("18m", 2));
    let redis = &rows[1];
    assert_eq!(redis.headline, "suspended: 1 object waits for it to resume");
    let stalled = &rows[2];
    assert_eq!(stalled.what, ProblemKind::Stalled.label());
    assert_eq!(stalled.waiting, 0);
}

fn snapshot(state: &mut State, width: u16, height: u16) -> String {
    render(state, width, height).backend().to_string()
}

#[test]
fn problems_screen_80x24() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems]);
    insta::assert_snapshot!(snapshot(&mut state, 80, 24));
}

#[test]
fn problems_screen_160x48() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems]);
    insta::assert_snapshot!(snapshot(&mut state, 160, 48));
}

#[test]
fn problem_detail_with_what_waits_behind_80x24() {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowProblems, Action::FocusDetail]);
    insta::assert_snapshot!(snapshot(&mut state, 80, 24));
}

#[test]
fn nothing_wrong_says_so() {
    let objects: Vec<FluxObject> = fleet()
        .into_iter()
        .filter(|o| {
            matches!(
                o.metadata.name.as_deref(),
                Some("flux-system" | "infra-controllers")
            )
        })
        .collect();
    let mut state = synced_state(objects);
    act(&mut state, &[Action::ShowProblems]);
    let screen = snapshot(&mut state, 120, 20);
    assert!(screen.contains("Problems (0)"), "{screen}");
    assert!(screen.contains("Nothing is wrong"), "{screen}");
}

#[test]
fn a_failing_object_is_broken_since_its_last_success_not_its_latest_retry() {
    let ks: FluxObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m0s", "path": "./apps"},
        "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed",
                "lastTransitionTime": "2026-11-24T03:29:00Z",
                "message": "kustomize build failed: accumulating resources: missing ./overlays/prod"}],
            "history": [{"digest": "sha256:1", "firstReconciled": "2026-11-24T00:00:00Z",
                "lastReconciled": "2026-11-24T01:30:00Z", "lastReconciledDuration": "2.1s",
                "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 9}]}
    }))
    .unwrap();
    let mut state = synced_state(vec![ks]);
    update(&mut state, Msg::Tick(now()));
    let view = fluxops::app::view::build(&mut state, now());
    let row = &view.problems.unwrap().rows[0];
    // The retry a minute ago reset Ready's transition; the last success was two hours ago.
    assert_eq!((row.what.as_str(), row.since.as_str()), ("failing", "2h"));
}
