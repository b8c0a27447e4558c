//! The drill-down (issue 7, item 13) through `update` and the view, with the fetch answered in the test: `y`/`e`/`i`
//! from the tree, DAG, timings and Problems screens return an `Effect::Inspect` for that screen's selection; the
//! answer is drawn (YAML without managedFields, events, inventory with live status and the object the error
//! names); a superseded answer is dropped; errors name the object and what went wrong. Snapshots at 80x24 and
//! 160x48 with the fixed clock. (`tests/sim_inspect.rs` does the same through the real client.)

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::app::state::Screen;
use fluxops::app::{Action, Effect, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::cluster::inspect::{FetchError, InspectAnswer, Inspection, LiveObject};
use fluxops::flux::live_status::{self, LiveStatus};
use fluxops::flux::{EventType, FluxEvent, FluxKind, FluxObject, InventoryId, ResourceRef};
use serde_json::{Value, json};
use std::sync::Arc;
use support::console::{act, now, render, synced_state};
use support::objects::r;

const IMMUTABLE: &str = "Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app.kubernetes.io/name\":\"podinfo\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable";

fn apps_json() -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 2, "uid": "7d1c",
                     "annotations": {"note": "evil\u{1b}]0;pwned\u{7}text"},
                     "managedFields": [{"manager": "kustomize-controller", "operation": "Apply"}]},
        "spec": {"interval": "10m0s", "path": "./apps/production", "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 2,
                   "lastAppliedRevision": "main@sha1:1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c",
                   "conditions": [{"type": "Ready", "status": "False", "reason": "ReconciliationFailed",
                                   "lastTransitionTime": "2026-11-24T03:20:00Z", "message": IMMUTABLE}],
                   "inventory": {"entries": [
                       {"id": "apps_podinfo_apps_Deployment", "v": "v1"},
                       {"id": "apps_podinfo-smoke_batch_Job", "v": "v1"},
                       {"id": "apps_backend_apps_Deployment", "v": "v1"},
                       {"id": "apps_podinfo-env__Secret", "v": "v1"},
                       {"id": "apps_gone__ConfigMap", "v": "v1"},
                       {"id": "_letsencrypt_cert-manager.io_ClusterIssuer", "v": "v1"},
                       {"id": "apps_locked__ServiceAccount", "v": "v1"}]}}
    })
}

fn state() -> State {
    let git: FluxObject = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "1m0s", "url": "ssh://git@github.com/acme/fleet-infra", "ref": {"branch": "main"}},
        "status": {"observedGeneration": 1, "artifact": {"revision": "main@sha1:1d2c3b4a5f6e"},
                   "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored"}]}
    }))
    .unwrap();
    let apps: FluxObject = serde_json::from_value(apps_json()).unwrap();
    let mut state = synced_state(vec![git, apps]);
    let event = |reason: &str, type_, message: &str, at: &str, count| FluxEvent {
        involved: apps_ref(),
        type_,
        reason: reason.to_owned(),
        message: message.to_owned(),
        last_seen: Some(at.to_owned()),
        first_seen: None,
        count,
        source: "kustomize-controller".to_owned(),
        uid: format!("{reason}-{at}"),
    };
    for ev in [
        event(
            "ReconciliationFailed",
            EventType::Warning,
            IMMUTABLE,
            "2026-11-24T03:28:00Z",
            6,
        ),
        event(
            "Progressing",
            EventType::Normal,
            "Namespace/apps configured\nService/apps/podinfo configured",
            "2026-11-24T03:10:00Z",
            1,
        ),
    ] {
        update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    }
    update(&mut state, Msg::Tick(now()));
    state
}

fn apps_ref() -> ResourceRef {
    r(FluxKind::Kustomization, "flux-system", "apps")
}

fn live(id: &str, status: Result<LiveStatus, FetchError>) -> LiveObject {
    LiveObject {
        raw_id: id.to_owned(),
        id: InventoryId::parse(id).ok(),
        version: "v1".to_owned(),
        status,
    }
}

fn inventory() -> Vec<LiveObject> {
    let podinfo = live_status::of(&json!({"kind": "Deployment", "spec": {"replicas": 2},
        "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}}));
    let job = live_status::of(
        &json!({"kind": "Job", "status": {"failed": 3, "conditions": [{"type": "Failed",
        "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}}),
    );
    let mut backend = live_status::of(&json!({"kind": "Deployment", "spec": {"replicas": 2},
        "status": {"replicas": 2, "updatedReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}}));
    live_status::pod_problems(
        &mut backend,
        &[
            json!({"kind": "Pod", "metadata": {"name": "backend-6c9f-x2x9q"},
        "status": {"phase": "Running", "containerStatuses": [{"name": "backend", "ready": false, "restartCount": 14,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        ],
    );
    vec![
        live("apps_podinfo_apps_Deployment", Ok(podinfo)),
        live("apps_podinfo-smoke_batch_Job", Ok(job)),
        live("apps_backend_apps_Deployment", Ok(backend)),
        live("apps_podinfo-env__Secret", Ok(LiveStatus::metadata_only())),
        live("apps_gone__ConfigMap", Err(FetchError::NotFound)),
        live(
            "_letsencrypt_cert-manager.io_ClusterIssuer",
            Err(FetchError::NotServed {
                api_version: "cert-manager.io/v1".to_owned(),
                kind: "ClusterIssuer".to_owned(),
            }),
        ),
        live(
            "apps_locked__ServiceAccount",
            Err(FetchError::NoAccess {
                kind: "ServiceAccount".to_owned(),
            }),
        ),
    ]
}

/// Opens `action` on the tree's `apps` and returns the one effect asked for.
fn open(state: &mut State, action: Action) -> Vec<Effect> {
    act(state, &[Action::ShowTree]);
    state.reveal(&apps_ref());
    update(state, Msg::Action(action))
}

fn request_id(effects: &[Effect]) -> (u64, bool) {
    match effects {
        [Effect::Inspect(req)] => {
            assert_eq!(req.target.kind, FluxKind::Kustomization);
            assert_eq!(
                (req.target.namespace.as_str(), req.target.name.as_str()),
                ("flux-system", "apps")
            );
            (req.id, req.inventory)
        }
        other => panic!("expected one Effect::Inspect, got {other:?}"),
    }
}

fn answer(state: &mut State, id: u64, with_inventory: bool) {
    let inspection = Inspection {
        object: apps_json(),
        inventory: with_inventory.then(inventory),
    };
    update(
        state,
        Msg::Inspected(InspectAnswer {
            id,
            result: Ok(inspection),
        }),
    );
}

fn screen(state: &mut State, w: u16, h: u16) -> String {
    render(state, w, h).backend().to_string()
}

#[test]
fn yaml_is_fetched_on_demand_and_drawn_without_managed_fields_or_escapes() {
    let mut state = state();
    let effects = open(&mut state, Action::ShowYaml);
    assert_eq!(state.screen, Screen::Inspect);
    let (id, inventory) = request_id(&effects);
    assert!(!inventory, "the YAML needs no live status");
    let loading = screen(&mut state, 120, 30);
    assert!(
        loading.contains("fetching Kustomization/flux-system/apps"),
        "{loading}"
    );
    answer(&mut state, id, false);
    let shown = screen(&mut state, 120, 60);
    assert!(shown.contains("kind: Kustomization"), "{shown}");
    assert!(shown.contains("path: ./apps/production"), "{shown}");
    assert!(!shown.contains("managedFields"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "escape sequences reach the screen"
    );
    // The annotation is shown, its control characters escaped or dropped, never sent raw.
    assert!(
        shown.contains("note:") && shown.contains("pwned"),
        "{shown}"
    );
    // Switching to events needs no fetch; back to YAML reuses the answer.
    assert!(update(&mut state, Msg::Action(Action::ShowEvents)).is_empty());
    assert!(update(&mut state, Msg::Action(Action::ShowYaml)).is_empty());
    // Esc goes back where it was opened.
    act(&mut state, &[Action::CloseInspect]);
    assert_eq!(state.screen, Screen::Tree);
}

#[test]
fn a_superseded_answer_is_dropped_by_id() {
    let mut state = state();
    let (first, _) = request_id(&open(&mut state, Action::ShowYaml));
    act(&mut state, &[Action::CloseInspect]);
    let (second, _) = request_id(&open(&mut state, Action::ShowInventory));
    assert_ne!(first, second);
    answer(&mut state, first, false);
    let shown = screen(&mut state, 120, 30);
    assert!(
        shown.contains("fetching"),
        "the old answer must not land on the new request: {shown}"
    );
    answer(&mut state, second, true);
    let shown = screen(&mut state, 120, 30);
    assert!(
        shown.contains("Inventory (7 objects, 2 failing)"),
        "{shown}"
    );
}

#[test]
fn errors_name_the_object_and_what_went_wrong() {
    for (error, text) in [
        (
            FetchError::NoAccess {
                kind: "Kustomization".to_owned(),
            },
            "no access to Kustomization",
        ),
        (FetchError::NotFound, "not found"),
    ] {
        let mut state = state();
        let (id, _) = request_id(&open(&mut state, Action::ShowYaml));
        update(
            &mut state,
            Msg::Inspected(InspectAnswer {
                id,
                result: Err(error),
            }),
        );
        let shown = screen(&mut state, 120, 30);
        assert!(
            shown.contains(&format!(
                "cannot read Kustomization/flux-system/apps: {text}"
            )),
            "{shown}"
        );
    }
}

#[test]
fn the_drill_down_opens_on_each_screens_own_selection() {
    let mut state = state();
    // Problems (where the console opened): its selection is the failing Kustomization.
    assert_eq!(state.screen, Screen::Problems);
    let (_, inventory) = request_id(&update(&mut state, Msg::Action(Action::ShowInventory)));
    assert!(
        inventory,
        "a Kustomization's inventory tab fetches live status"
    );
    act(&mut state, &[Action::CloseInspect]);
    assert_eq!(state.screen, Screen::Problems);
    // Timings: its own selection, whatever the tree has selected.
    act(&mut state, &[Action::ShowTree]);
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "flux-system"));
    act(&mut state, &[Action::ShowTimings]);
    let _ = render(&mut state, 120, 30);
    let selected = state.timings_list.selected_ref().cloned();
    assert!(selected.is_some());
    let effects = update(&mut state, Msg::Action(Action::ShowYaml));
    let [Effect::Inspect(req)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(Some(&req.target.name), selected.as_ref().map(|r| &r.name));
    // The DAG: its own selection (the node it opened on).
    act(&mut state, &[Action::CloseInspect, Action::ShowTree]);
    state.reveal(&apps_ref());
    act(&mut state, &[Action::ShowDag, Action::DagUp]);
    let on_dag = state.dag.selected_ref().cloned().unwrap();
    assert_ne!(on_dag, apps_ref(), "moved up to what apps waits on");
    let effects = update(&mut state, Msg::Action(Action::ShowEvents));
    assert!(effects.is_empty());
    assert_eq!(state.inspect.target.as_ref(), Some(&on_dag));
    // A source's third tab shows its origin, no inventory to fetch.
    act(&mut state, &[Action::CloseInspect, Action::ShowTree]);
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "flux-system"));
    let effects = update(&mut state, Msg::Action(Action::ShowInventory));
    let [Effect::Inspect(req)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(!req.inventory);
    assert_eq!(req.target.api_version, "source.toolkit.fluxcd.io/v1");
}

#[test]
fn the_inventory_marks_the_object_the_error_names() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowInventory));
    answer(&mut state, id, true);
    let shown = screen(&mut state, 160, 48);
    let line = shown
        .lines()
        .find(|l| l.contains("apps/podinfo "))
        .unwrap_or_default();
    assert!(
        line.contains("2/2 available") && line.contains("named in the error"),
        "{shown}"
    );
    assert!(
        shown.contains("backend CrashLoopBackOff, 14 restarts"),
        "{shown}"
    );
    assert!(
        shown.contains("exists (contents are never read)"),
        "{shown}"
    );
}

#[test]
fn inventory_80x24() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowInventory));
    answer(&mut state, id, true);
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn inventory_160x48() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowInventory));
    answer(&mut state, id, true);
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn yaml_80x24() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowYaml));
    answer(&mut state, id, false);
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn yaml_160x48() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowYaml));
    answer(&mut state, id, false);
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn events_80x24() {
    let mut state = state();
    assert!(
        open(&mut state, Action::ShowEvents).is_empty(),
        "events are already watched"
    );
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

#[test]
fn events_160x48() {
    let mut state = state();
    open(&mut state, Action::ShowEvents);
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn scrolling_stops_at_the_end_and_goes_back_to_the_top() {
    let mut state = state();
    let (id, _) = request_id(&open(&mut state, Action::ShowYaml));
    answer(&mut state, id, false);
    act(&mut state, &[Action::SelectLast]);
    let end = state.inspect.scroll;
    assert!(end > 10, "{end}");
    act(&mut state, &[Action::ScrollDown, Action::PageDown]);
    assert_eq!(state.inspect.scroll, end);
    act(&mut state, &[Action::SelectFirst]);
    assert_eq!(state.inspect.scroll, 0);
}
