//! `update` behaviour: cluster events change counts, rows and banners; keys go through the keymap; filter,
//! view switch and root-cause jumps move the selection. No terminal, no tokio: `update` is pure.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::state::EVENTS_PER_OBJECT;
use fluxops::app::view::{self, BannerLevel, Connection};
use fluxops::app::{Action, Effect, Msg, State, update};
use fluxops::cluster::{ClusterEvent, KindProblem};
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject, Health, ResourceRef};
use futures::StreamExt;
use std::path::Path;
use std::sync::Arc;
use support::console::{fleet, loaded_state, now};
use support::objects::r;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn named(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn count(state: &mut State, health: Health) -> usize {
    let v = view::build(state, now());
    v.status
        .counts
        .iter()
        .find(|(h, _)| *h == health)
        .map_or(0, |(_, c)| *c)
}

/// The objects of the visible rows (after the rebuild a frame would do).
fn visible(state: &mut State) -> Vec<ResourceRef> {
    fluxops::app::update::refresh(state);
    state
        .navigator
        .rows()
        .iter()
        .map(|row| row.object().clone())
        .collect()
}

fn object(kind: FluxKind, ns: &str, name: &str) -> FluxObject {
    fleet()
        .into_iter()
        .find(|o| o.resource_ref() == Some(r(kind, ns, name)))
        .unwrap()
}

#[test]
fn upserted_failing_object_updates_counts_and_its_row() {
    let mut state = loaded_state();
    let failing_before = count(&mut state, Health::Failing);
    let mut git = object(FluxKind::GitRepository, "flux-system", "flux-system");
    let ready = git
        .status
        .conditions
        .iter_mut()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    ready.status = "False".to_owned();
    ready.reason = "GitOperationFailed".to_owned();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(git))),
    );

    assert_eq!(count(&mut state, Health::Failing), failing_before + 1);
    let row = view::row(
        &state,
        &r(FluxKind::GitRepository, "flux-system", "flux-system"),
    );
    assert_eq!(row.health, Some(Health::Failing));
    assert_eq!(row.reason, "GitOperationFailed");
}

#[test]
fn a_fixed_source_stops_being_the_root_cause_of_its_dependents() {
    let mut state = loaded_state();
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    assert_eq!(
        view::row(&state, &apps).blocked_by.as_deref(),
        Some("GitRepository/flux-system/podinfo")
    );
    for (kind, name) in [
        (FluxKind::GitRepository, "podinfo"),
        (FluxKind::Kustomization, "podinfo"),
    ] {
        let mut o = object(kind, "flux-system", name);
        o.status.conditions = object(FluxKind::GitRepository, "flux-system", "flux-system")
            .status
            .conditions;
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    assert_eq!(view::row(&state, &apps).blocked_by, None);
}

#[test]
fn deleted_object_leaves_the_tree_and_the_counts() {
    let mut state = loaded_state();
    let top = r(FluxKind::Kustomization, "flux-system", "flux-system");
    update(&mut state, Msg::Action(Action::SwitchView));
    assert!(visible(&mut state).contains(&top));
    let ready_before = count(&mut state, Health::Ready);
    update(&mut state, Msg::Cluster(ClusterEvent::Deleted(top.clone())));
    assert!(!visible(&mut state).contains(&top));
    assert_eq!(count(&mut state, Health::Ready), ready_before - 1);
}

#[test]
fn deleted_object_still_listed_in_an_inventory_shows_as_missing() {
    let mut state = loaded_state();
    let stalled = r(FluxKind::HelmRelease, "monitoring", "kube-prometheus-stack");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Deleted(stalled.clone())),
    );
    assert_eq!(count(&mut state, Health::Stalled), 0);
    update(&mut state, Msg::Action(Action::SwitchView));
    update(&mut state, Msg::Action(Action::ExpandAll));
    assert!(visible(&mut state).contains(&stalled));
    let row = view::row(&state, &stalled);
    assert_eq!(row.health, None);
    assert!(row.reason.starts_with("missing"), "{}", row.reason);
}

#[test]
fn filter_shows_matching_nodes_with_their_ancestors_and_typed_q_does_not_quit() {
    let mut state = loaded_state();
    update(&mut state, key('/'));
    let mut effects = Vec::new();
    for c in "redis q".chars() {
        effects.extend(update(&mut state, key(c)));
    }
    assert!(
        effects.is_empty(),
        "typing 'q' into the filter must not quit"
    );
    assert_eq!(state.navigator.filter, "redis q");
    // "q" matches nothing else: back to "redis".
    update(&mut state, named(KeyCode::Backspace));
    update(&mut state, named(KeyCode::Backspace));
    update(&mut state, named(KeyCode::Enter));
    assert!(!state.navigator.filter_editing);
    assert_eq!(
        visible(&mut state),
        vec![
            r(FluxKind::OCIRepository, "flux-system", "manifests"),
            r(FluxKind::HelmRelease, "apps", "redis"),
        ]
    );
    assert_eq!(
        state.selected(),
        Some(&r(FluxKind::HelmRelease, "apps", "redis"))
    );
    update(&mut state, named(KeyCode::Esc));
    assert!(state.navigator.filter.is_empty());
}

#[test]
fn degraded_kind_shows_a_stale_banner_until_recovered() {
    let mut state = loaded_state();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Degraded {
            kind: FluxKind::HelmRelease,
            error: "too old resource version".to_owned(),
            since: "2026-11-24T03:20:05Z".to_owned(),
        }),
    );
    let v = view::build(&mut state, now());
    assert_eq!(
        v.status.connection,
        Connection::Stale {
            since: "03:20:05".to_owned()
        }
    );
    assert!(
        v.banners
            .iter()
            .any(|b| b.level == BannerLevel::Error && b.text.contains("HelmRelease"))
    );
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Recovered(FluxKind::HelmRelease)),
    );
    let v = view::build(&mut state, now());
    assert_eq!(v.status.connection, Connection::Live);
    assert!(v.banners.is_empty());
}

#[test]
fn unavailable_kinds_get_one_banner_per_problem() {
    let mut state = loaded_state();
    for (kind, problem) in [
        (FluxKind::ExternalArtifact, KindProblem::MissingCrd),
        (FluxKind::Bucket, KindProblem::MissingCrd),
        (
            FluxKind::HelmChart,
            KindProblem::Forbidden("helmcharts is forbidden".to_owned()),
        ),
    ] {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindUnavailable { kind, problem }),
        );
    }
    let v = view::build(&mut state, now());
    let texts: Vec<&str> = v.banners.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("Bucket, ExternalArtifact")));
    assert!(
        texts
            .iter()
            .any(|t| t.contains("HelmChart: access forbidden"))
    );
}

#[test]
fn enter_jumps_to_the_root_cause_and_backspace_returns() {
    let mut state = loaded_state();
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    state.reveal(&apps);
    assert_eq!(state.selected(), Some(&apps));
    update(&mut state, named(KeyCode::Enter));
    assert_eq!(
        state.selected(),
        Some(&r(FluxKind::GitRepository, "flux-system", "podinfo"))
    );
    update(&mut state, named(KeyCode::Backspace));
    assert_eq!(state.selected(), Some(&apps));
}

#[test]
fn switching_view_keeps_the_selected_object() {
    let mut state = loaded_state();
    let hr = r(FluxKind::HelmRelease, "monitoring", "kube-prometheus-stack");
    state.reveal(&hr);
    update(&mut state, named(KeyCode::Tab));
    assert_eq!(
        state.navigator.view,
        fluxops::app::tree::TreeView::Ownership
    );
    assert_eq!(state.selected(), Some(&hr));
    // Selected at its place, under the Kustomization that applied it.
    let rows = state.navigator.rows();
    let at = rows
        .iter()
        .position(|row| Some(&row.key) == state.navigator.selected.as_ref())
        .unwrap();
    assert!(!rows[at].key.is_mark());
    let mut root = at;
    while let Some(p) = rows[root].parent {
        root = p;
    }
    assert_eq!(
        rows[root].object(),
        &r(FluxKind::Kustomization, "flux-system", "flux-system")
    );
}

#[test]
fn quit_key_returns_the_quit_effect() {
    let mut state = loaded_state();
    assert_eq!(update(&mut state, key('q')), vec![Effect::Quit]);
}

#[test]
fn key_sequences_from_a_user_keymap_wait_for_the_second_key() {
    let vim =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("keymaps/vim.yaml"))
            .unwrap();
    let mut config = Config::builtin();
    config.keymap = config.keymap.patched(&vim, Path::new("vim.yaml")).unwrap();
    let mut state = State::new(config, support::console::labels());
    for o in fleet() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    update(&mut state, key('G'));
    let last = Some(state.navigator.rows().last().unwrap().key.clone());
    assert_eq!(state.navigator.selected, last);
    update(&mut state, key('g'));
    assert_eq!(state.navigator.selected, last, "one 'g' is only a prefix");
    update(&mut state, key('g'));
    assert_eq!(
        state.navigator.selected,
        Some(state.navigator.rows()[0].key.clone())
    );
    update(&mut state, key('g'));
    update(&mut state, key('j'));
    assert_eq!(
        state.navigator.selected,
        Some(state.navigator.rows()[1].key.clone()),
        "a key that breaks a sequence still acts alone"
    );
}

#[test]
fn invalid_objects_are_listed_with_their_error() {
    let mut state = loaded_state();
    let bad = r(FluxKind::Kustomization, "team-a", "broken");
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Invalid {
            object: bad.clone(),
            error: "spec.interval: invalid type".to_owned(),
        }),
    );
    assert!(visible(&mut state).contains(&bad));
    let row = view::row(&state, &bad);
    assert_eq!(row.health, None);
    assert!(row.reason.contains("spec.interval: invalid type"));
}

#[test]
fn the_fail_filter_finds_failing_and_stalled_objects_and_health_words_match_as_displayed() {
    let mut state = loaded_state();
    let typed = |state: &mut State, text: &str| {
        update(state, key('/'));
        for _ in 0..20 {
            update(state, named(KeyCode::Backspace));
        }
        for c in text.chars() {
            update(state, key(c));
        }
        update(state, named(KeyCode::Enter));
        visible(state)
    };
    let rows = typed(&mut state, "fail");
    let failing: Vec<ResourceRef> = state
        .objects
        .iter()
        .filter(|(_, e)| e.status.health.is_failure())
        .map(|(r, _)| r.clone())
        .collect();
    assert!(
        state
            .objects
            .values()
            .any(|e| e.status.health == Health::Stalled),
        "the fixture has a Stalled object"
    );
    assert!(failing.iter().all(|r| rows.contains(r)), "{rows:?}");
    // The status bar spells `InProgress`: that word finds the objects in progress.
    let rows = typed(&mut state, "inprogress");
    let in_progress: Vec<&ResourceRef> = state
        .objects
        .iter()
        .filter(|(_, e)| e.status.health == Health::InProgress)
        .map(|(r, _)| r)
        .collect();
    assert!(!in_progress.is_empty());
    assert!(in_progress.iter().all(|r| rows.contains(r)), "{rows:?}");
}

#[test]
fn events_are_bounded_per_object_and_aggregated_updates_replace_older_copies() {
    let mut state = loaded_state();
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    let template = support::console::events().remove(0);
    for i in 0..EVENTS_PER_OBJECT + 5 {
        let mut ev = template.clone();
        ev.uid = format!("ev-{i}");
        update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    }
    assert_eq!(state.events.get(&apps).unwrap().len(), EVENTS_PER_OBJECT);
    let mut again = template.clone();
    again.uid = format!("ev-{}", EVENTS_PER_OBJECT + 4);
    again.count = 99;
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Event(Arc::new(again))),
    );
    assert_eq!(state.events.get(&apps).unwrap().len(), EVENTS_PER_OBJECT);
    assert_eq!(state.events.get(&apps).unwrap().back().unwrap().count, 99);
}

#[test]
fn events_about_objects_that_do_not_exist_stay_bounded_and_events_go_with_their_object() {
    use fluxops::app::events::{MAX_MESSAGE_BYTES, PENDING_OBJECTS, PENDING_PER_OBJECT};
    let mut state = loaded_state();
    let kept_before = state.events.len();
    let timed_before = state.timings.len();
    let template = support::console::events().remove(0);
    // 20,000 Events about 20,000 objects that do not exist, each with a long message.
    for i in 0..20_000 {
        let mut ev = template.clone();
        ev.involved = r(FluxKind::Kustomization, "ghosts", &format!("ghost-{i}"));
        ev.uid = format!("ghosts/ev-{i}");
        ev.message = "x".repeat(2_600);
        update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    }
    let pending = state.events.len() - kept_before;
    assert!(
        pending <= PENDING_OBJECTS * PENDING_PER_OBJECT,
        "{pending} events kept about objects that do not exist"
    );
    assert!(state.events.pending_objects() <= PENDING_OBJECTS);
    assert!(
        state.events.text_bytes() < (kept_before + pending) * (MAX_MESSAGE_BYTES + 512),
        "{} bytes",
        state.events.text_bytes()
    );
    assert_eq!(
        state.timings.len(),
        timed_before,
        "no timings for objects that do not exist"
    );
    // A message past the cap is cut.
    let apps = r(FluxKind::Kustomization, "flux-system", "apps");
    let mut huge = template.clone();
    huge.uid = "flux-system/huge".to_owned();
    huge.message = "y".repeat(1 << 20);
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Event(Arc::new(huge))),
    );
    let kept = state
        .events
        .get(&apps)
        .unwrap()
        .back()
        .unwrap()
        .message
        .len();
    assert!(kept <= MAX_MESSAGE_BYTES + 3, "{kept}");
    // The object goes, its events with it.
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Deleted(apps.clone())),
    );
    assert!(state.events.get(&apps).is_none());
    // A late object gets the events that came before it.
    let late = r(FluxKind::Kustomization, "ghosts", "ghost-19999");
    let mut obj = fleet().into_iter().find(|o| o.name() == "apps").unwrap();
    obj.metadata.namespace = Some("ghosts".to_owned());
    obj.metadata.name = Some("ghost-19999".to_owned());
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
    );
    assert_eq!(
        state.events.get(&late).map(std::collections::VecDeque::len),
        Some(1)
    );
}

#[tokio::test]
async fn run_draws_cluster_data_and_returns_when_q_is_pressed() {
    use crossterm::event::Event;
    use ratatui::{Terminal, backend::TestBackend};
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    for obj in fleet() {
        tx.send(ClusterEvent::Upserted(Arc::new(obj)))
            .await
            .unwrap();
    }
    // Keys arrive after the cluster data: a stream that yields 'q' once the first events were drained.
    let keys = futures::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )))
    })
    .chain(futures::stream::pending());
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        fluxops::app::run(
            &mut terminal,
            Box::pin(keys),
            rx,
            Config::builtin(),
            support::console::labels(),
        ),
    )
    .await;
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
    let screen = terminal.backend().to_string();
    assert!(screen.contains("flux-system/flux-system"), "{screen}");
    drop(tx);
}

fn kustomization(name: &str, depends_on: &[&str]) -> FluxObject {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "team", "generation": 1},
        "spec": {"dependsOn": depends_on.iter().map(|d| serde_json::json!({"name": d})).collect::<Vec<_>>()},
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "dependency is not ready"}
        ]}
    }))
    .unwrap()
}

#[test]
fn a_dependency_cycle_is_still_shown_and_expanding_it_terminates() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    for o in [
        kustomization("a", &["b"]),
        kustomization("b", &["a"]),
        kustomization("c", &["a"]),
    ] {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    update(&mut state, Msg::Action(Action::ExpandAll));
    let shown = visible(&mut state);
    for name in ["a", "b", "c"] {
        assert!(
            shown.contains(&r(FluxKind::Kustomization, "team", name)),
            "{name} missing: {shown:?}"
        );
    }
    assert!(shown.len() < 10, "the cycle is not unrolled: {shown:?}");
}

#[test]
fn an_object_waited_on_twice_is_shown_at_one_place_and_marked_under_the_other() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    for o in [
        kustomization("base", &[]),
        kustomization("left", &["base"]),
        kustomization("right", &["base"]),
        kustomization("top", &["left", "right"]),
    ] {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    update(&mut state, Msg::Action(Action::ExpandAll));
    let top = r(FluxKind::Kustomization, "team", "top");
    let rows: Vec<_> = state
        .navigator
        .rows()
        .iter()
        .filter(|row| row.object() == &top)
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Shown once at its place (under `left`, reached first) and marked under `right`.
    assert!(!rows[0].key.is_mark());
    assert_eq!(
        rows[1].key.under,
        Some(r(FluxKind::Kustomization, "team", "right"))
    );
}

#[test]
fn a_missing_source_is_shown_as_a_missing_root_and_blames_itself() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    let ks: FluxObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "app", "namespace": "team", "generation": 1},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "gone"}},
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "False", "reason": "ArtifactFailed", "message": "Source 'GitRepository/team/gone' not found"}
        ]}
    }))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(ks))),
    );
    let gone = r(FluxKind::GitRepository, "team", "gone");
    assert_eq!(visible(&mut state)[0], gone);
    let app = r(FluxKind::Kustomization, "team", "app");
    assert_eq!(
        view::row(&state, &app).blocked_by.as_deref(),
        Some("GitRepository/team/gone")
    );
    state.reveal(&gone);
    let v = view::build(&mut state, now());
    let detail = v.detail.unwrap();
    assert_eq!(detail.health, None);
    assert!(
        detail
            .fields
            .iter()
            .any(|(l, v)| l == "Problem" && v == "referenced but not found")
    );
    assert!(
        detail
            .fields
            .iter()
            .any(|(l, v)| l == "Needed by" && v == "Kustomization/team/app")
    );
}

#[test]
fn blocked_by_something_still_in_progress_says_what_it_waits_on() {
    let mut state = State::new(Config::builtin(), support::console::labels());
    let mut dep = kustomization("infra", &[]);
    let ready = &mut dep.status.conditions[0];
    ready.status = "Unknown".to_owned();
    ready.reason = "Progressing".to_owned();
    for o in [dep, kustomization("apps", &["infra"])] {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(o))),
        );
    }
    let row = view::row(&state, &r(FluxKind::Kustomization, "team", "apps"));
    assert_eq!(
        row.blocked_by, None,
        "nothing upstream fails by its own fault"
    );
    assert_eq!(row.waiting_on.as_deref(), Some("Kustomization/team/infra"));
}

#[test]
fn a_depends_on_chain_nests_below_its_source_whatever_the_names() {
    // infra-controllers ← infra-configs ← apps, all reading GitRepository flux-system: sorted by name, apps and
    // infra-configs come first under the source, yet each has its place under what it waits on last.
    let mut state = loaded_state();
    update(&mut state, Msg::Action(Action::ExpandAll));
    let rows = state.navigator.rows();
    let place = |name: &str| {
        rows.iter()
            .find(|row| !row.key.is_mark() && row.object().name == name)
            .unwrap()
    };
    let parent_of = |name: &str| rows[place(name).parent.unwrap()].object().name.clone();
    assert_eq!(parent_of("infra-controllers"), "flux-system");
    assert_eq!(parent_of("infra-configs"), "infra-controllers");
    assert!(place("apps").depth >= 3, "{:?}", place("apps"));
    // Under the source, infra-configs is a mark that says where its place is.
    let git = r(FluxKind::GitRepository, "flux-system", "flux-system");
    let mark = rows
        .iter()
        .find(|row| row.key.under.as_ref() == Some(&git) && row.object().name == "infra-configs")
        .unwrap();
    assert_eq!(
        mark.placed_under,
        Some(r(
            FluxKind::Kustomization,
            "flux-system",
            "infra-controllers"
        ))
    );
}
