//! The console's runbook and snapshot screens (issue 10), driven through `update` with the answers the effects
//! runner and the action pipeline would send, and drawn at 80x24 and 160x48 (snapshots): `R` on a failing
//! object opens the runbook its diagnosis names, bound to it; a walk's checks follow the objects the app
//! receives; an action step asks for exactly the preparation the action menu asks for and ends with its
//! execution; a check past its timeout offers the runbook's on-failure branch; pausing saves the walk (which
//! resumes from the store, as `fluxops runbook run` would); the snapshot screen lists, verifies, diffs and
//! restores through `snapshot-restore`. Nothing here talks to a cluster: the effects are data.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::actions::params::ParamValues;
use fluxops::actions::{Catalog, ExecutionId, TargetKind, TargetRef};
use fluxops::app::effects_files::{FileAnswer, FileEffect, ListedSnapshot};
use fluxops::app::state::Screen;
use fluxops::app::{Action, Effect, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Mode;
use fluxops::execution::{Check, DryRun, ExecutionStatus, Phase as ExecPhase, Preparation};
use fluxops::flux::{FluxKind, FluxObject};
use fluxops::policy::{Confirmation, Decision};
use fluxops::runbook::store::Store;
use fluxops::runbook::walk::{Phase, StepState};
use fluxops::runbook::{Binding, Walk};
use fluxops::snapshot::diff::{Diff, FieldChange};
use fluxops::snapshot::{Manifest, ObjectKey};
use k8s_openapi::jiff::SignedDuration;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::console::{loaded_state, now, render};
use support::objects::r;

/// The Kustomization `flux-system/apps` failing on an immutable field of `Deployment/apps/podinfo`.
fn immutable_apps() -> FluxObject {
    serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 3},
        "spec": {"interval": "10m", "path": "./apps", "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 3, "conditions": [{
            "type": "Ready", "status": "False", "reason": "ReconciliationFailed",
            "lastTransitionTime": "2026-11-24T03:20:00Z",
            "message": "Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"podinfo-v2\"}}: field is immutable"
        }]}
    }))
    .unwrap()
}

fn apps() -> TargetRef {
    TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "apps")
}

fn podinfo() -> TargetRef {
    TargetRef::namespaced(TargetKind::Deployment, "apps", "podinfo")
}

fn deployment() -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "podinfo", "namespace": "apps", "generation": 1},
           "status": {"observedGeneration": 1}})
}

fn files(state: &mut State, answer: FileAnswer) -> Vec<Effect> {
    update(state, Msg::Files(answer))
}

fn open_walk(effects: &[Effect]) -> Option<(&str, &Binding)> {
    effects.iter().find_map(|e| match e {
        Effect::Files(FileEffect::OpenWalk {
            runbook, binding, ..
        }) => Some((runbook.as_str(), binding)),
        _ => None,
    })
}

/// The fleet with `apps` failing on an immutable field, `apps` selected on the tree.
fn failing_state() -> State {
    let mut state = loaded_state();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(immutable_apps()))),
    );
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    state
}

/// `R` on `apps`, the store answering that no walk exists: the walk of `recreate-immutable` has begun.
fn walking() -> (State, Vec<Effect>) {
    let mut state = failing_state();
    let effects = update(&mut state, Msg::Action(Action::OpenRunbook));
    let (runbook, binding) = open_walk(&effects).unwrap();
    let (runbook, binding) = (runbook.to_owned(), binding.clone());
    let effects = files(
        &mut state,
        FileAnswer::WalkOpened {
            runbook,
            binding,
            result: Ok(None),
            operator: "alice".to_owned(),
        },
    );
    (state, effects)
}

fn walk(state: &State) -> &Walk {
    &state.runbooks.walker.as_ref().unwrap().walk
}

fn step_states(state: &State) -> Vec<StepState> {
    walk(state).steps.iter().map(|s| s.state).collect()
}

/// Mid-walk: the first check passed (the Deployment read), the confirmation asked, the rest pending.
fn mid_walk() -> State {
    let (mut state, effects) = walking();
    assert!(
        effects
            .iter()
            .any(|e| *e == Effect::Files(FileEffect::FetchObjects(vec![podinfo()]))),
        "a Deployment is not watched: it is read: {effects:?}"
    );
    files(
        &mut state,
        FileAnswer::Fetched(vec![(podinfo(), Some(deployment()))]),
    );
    state
}

fn id(n: u64) -> ExecutionId {
    ExecutionId::parse(&format!("{n:012x}")).unwrap()
}

fn preparation() -> Preparation {
    Preparation {
        execution: id(0xabc),
        action: "recreate".to_owned(),
        target: podinfo(),
        params: Vec::new(),
        decision: Decision {
            allow: true,
            deny: Vec::new(),
            warnings: Vec::new(),
            confirmation: Confirmation::Simple,
            break_glass: None,
            policy_error: None,
        },
        confirmation: Confirmation::Simple,
        forbidden: None,
        preconditions: vec![Check {
            name: "target-exists".to_owned(),
            passed: true,
            detail: "found".to_owned(),
        }],
        dry_run: DryRun::Passed { diff: Vec::new() },
        job_yaml: None,
        rollback: Vec::new(),
        inverse: None,
    }
}

fn succeeded() -> ExecutionStatus {
    ExecutionStatus {
        execution: id(0xabc),
        action: "recreate".to_owned(),
        target: podinfo(),
        operator: "alice".to_owned(),
        phase: ExecPhase::Succeeded,
        started: "2026-11-24T03:30:00Z".to_owned(),
        finished: Some("2026-11-24T03:30:20Z".to_owned()),
        job: Some("fluxops-system/fluxops-recreate-000000000abc".to_owned()),
        steps: vec![
            "captured the manifest".to_owned(),
            "Job succeeded".to_owned(),
        ],
        postconditions: Vec::new(),
        log_tail: Vec::new(),
        rollback_available: false,
    }
}

/// The action step run and succeeded; the verification waits for the Deployment, which is gone; the clock
/// past the check's 5-minute timeout: the check is held with the runbook's branch offered.
fn held_state() -> State {
    let mut state = mid_walk();
    update(&mut state, Msg::Action(Action::WalkGo));
    update(&mut state, Msg::Prepared(Ok(preparation())));
    update(&mut state, Msg::Action(Action::Confirm));
    update(&mut state, Msg::Execution(succeeded()));
    files(&mut state, FileAnswer::Fetched(vec![(podinfo(), None)]));
    let later = now() + SignedDuration::from_mins(6);
    update(&mut state, Msg::Tick(later));
    state
}

#[test]
fn r_on_a_failing_object_opens_its_diagnosed_runbook_bound_to_it() {
    let mut state = failing_state();
    let effects = update(&mut state, Msg::Action(Action::OpenRunbook));
    let (runbook, binding) = open_walk(&effects).unwrap();
    assert_eq!(runbook, "recreate-immutable");
    assert_eq!(binding.target, apps());
    // The input the runbook needs comes from the diagnosis' facts: the object the error names.
    assert_eq!(
        binding.inputs.get("object").map(String::as_str),
        Some("Deployment/apps/podinfo")
    );
    let (state, effects) = walking();
    assert_eq!(state.screen, Screen::Walk);
    assert_eq!(state.mode(), Mode::Walker);
    assert_eq!(walk(&state).binding.target, apps());
    assert_eq!(walk(&state).operator, "alice");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Files(FileEffect::SaveWalk(w)) if w.runbook == "recreate-immutable")),
        "the started walk is saved: {effects:?}"
    );
}

#[test]
fn r_on_a_healthy_object_opens_the_list_with_it_as_the_target() {
    let mut state = loaded_state();
    // podinfo's Kustomization in the fixture is Ready.
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "flux-system"));
    let effects = update(&mut state, Msg::Action(Action::OpenRunbook));
    assert!(open_walk(&effects).is_none());
    assert_eq!(state.screen, Screen::Runbooks);
    assert!(
        state
            .input_note
            .as_deref()
            .unwrap()
            .contains("no failure diagnosed")
    );
}

#[test]
fn checks_follow_the_objects_the_app_receives() {
    let state = mid_walk();
    assert_eq!(
        &step_states(&state)[..3],
        [StepState::Passed, StepState::Running, StepState::Pending]
    );
    assert!(matches!(
        walk(&state).phase,
        Some(Phase::Asking { answer: None, .. })
    ));
}

#[test]
fn objects_the_watch_does_not_carry_are_read_again_while_a_check_waits() {
    let (mut state, _) = walking();
    // Read once: absent. The check waits; two seconds later the Deployment is read again, and it holds.
    files(&mut state, FileAnswer::Fetched(vec![(podinfo(), None)]));
    assert_eq!(step_states(&state)[0], StepState::Running);
    let effects = update(&mut state, Msg::Tick(now() + SignedDuration::from_secs(1)));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Files(FileEffect::FetchObjects(_))))
    );
    let effects = update(&mut state, Msg::Tick(now() + SignedDuration::from_secs(3)));
    assert!(
        effects.contains(&Effect::Files(FileEffect::FetchObjects(vec![podinfo()]))),
        "{effects:?}"
    );
    files(
        &mut state,
        FileAnswer::Fetched(vec![(podinfo(), Some(deployment()))]),
    );
    assert_eq!(step_states(&state)[0], StepState::Passed);
}

#[test]
fn an_action_step_asks_for_the_same_preparation_as_the_action_menu() {
    let mut state = mid_walk();
    let effects = update(&mut state, Msg::Action(Action::WalkGo));
    let catalog = Catalog::builtin().unwrap();
    let params = ParamValues::from_pairs(catalog.get("recreate").unwrap(), &[]).unwrap();
    let expected = Effect::Prepare {
        action: "recreate".to_owned(),
        target: podinfo(),
        params,
        break_glass: None,
    };
    assert!(effects.contains(&expected), "{effects:?}");
    // The action menu's confirm view waits for it.
    assert_eq!(state.mode(), Mode::Confirm);
    update(&mut state, Msg::Prepared(Ok(preparation())));
    let effects = update(&mut state, Msg::Action(Action::Confirm));
    assert!(effects.contains(&Effect::Execute {
        executions: vec![id(0xabc)],
        confirmation: fluxops::app::effect::Confirmed::Yes,
    }));
    // The walk records the execution (saved: a restart re-attaches to it) and stays on screen.
    assert_eq!(state.screen, Screen::Walk);
    assert!(matches!(
        &walk(&state).phase,
        Some(Phase::Acting { execution: Some(e), .. }) if *e == id(0xabc).to_string()
    ));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Files(FileEffect::SaveWalk(_))))
    );
    // Its end ends the step: the verification begins.
    update(&mut state, Msg::Execution(succeeded()));
    assert_eq!(step_states(&state)[2], StepState::Passed);
    assert_eq!(step_states(&state)[3], StepState::Running);
}

#[test]
fn a_confirm_view_closed_without_executing_leaves_the_step_to_prepare_again_or_fail() {
    let mut state = mid_walk();
    update(&mut state, Msg::Action(Action::WalkGo));
    update(&mut state, Msg::Action(Action::CancelConfirm));
    let w = state.runbooks.walker.as_ref().unwrap();
    assert!(w.unconfirmed.is_some());
    assert_eq!(state.mode(), Mode::Walker);
    // f fails it: the walk takes the step's on-failure branch.
    update(&mut state, Msg::Action(Action::WalkFailStep));
    assert_eq!(step_states(&state)[2], StepState::Failed);
    assert!(!walk(&state).outcome.as_ref().unwrap().succeeded());
}

#[test]
fn a_check_past_its_timeout_waits_and_offers_the_runbooks_branch() {
    let mut state = held_state();
    let held = state
        .runbooks
        .walker
        .as_ref()
        .unwrap()
        .held
        .clone()
        .unwrap();
    assert_eq!(held.branch.as_ref().map(|b| b.0.as_str()), Some("rollback"));
    assert_eq!(
        step_states(&state)[3],
        StepState::Running,
        "held, not failed"
    );
    // r checks again with a new timeout; the object back, the check passes.
    update(&mut state, Msg::Action(Action::WalkRetry));
    assert!(state.runbooks.walker.as_ref().unwrap().held.is_none());
    files(
        &mut state,
        FileAnswer::Fetched(vec![(podinfo(), Some(deployment()))]),
    );
    assert!(
        walk(&state)
            .entries
            .iter()
            .any(|e| e.kind == "check" && e.text.starts_with("passed: Deployment/apps/podinfo"))
    );
    // enter on a held check takes the branch.
    let mut state = held_state();
    update(&mut state, Msg::Action(Action::WalkGo));
    let rollback = walk(&state)
        .steps
        .iter()
        .find(|s| s.id == "rollback")
        .unwrap();
    assert_eq!(rollback.state, StepState::Passed);
    assert_eq!(step_states(&state)[3], StepState::Failed);
}

#[test]
fn pausing_saves_the_walk_and_it_resumes_from_the_store() {
    let mut state = mid_walk();
    let effects = update(&mut state, Msg::Action(Action::WalkPause));
    let saved = effects
        .iter()
        .find_map(|e| match e {
            Effect::Files(FileEffect::SaveWalk(w)) => Some((**w).clone()),
            _ => None,
        })
        .unwrap();
    assert!(effects.contains(&Effect::Files(FileEffect::ReleaseWalk(apps()))));
    assert!(saved.entries.iter().any(|e| e.kind == "pause"));
    // Paused: answers wait.
    update(&mut state, Msg::Action(Action::WalkGo));
    assert_eq!(step_states(&state)[1], StepState::Running);
    // The store keeps it as `fluxops runbook run` does, and it resumes in a new console.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&saved).unwrap();
    let loaded = store.load(&apps()).unwrap().unwrap();
    assert_eq!(loaded, saved);
    let mut fresh = failing_state();
    let effects = update(&mut fresh, Msg::Action(Action::OpenRunbook));
    let (runbook, binding) = open_walk(&effects).unwrap();
    let (runbook, binding) = (runbook.to_owned(), binding.clone());
    files(
        &mut fresh,
        FileAnswer::WalkOpened {
            runbook,
            binding,
            result: Ok(Some(Box::new(loaded))),
            operator: "bob".to_owned(),
        },
    );
    assert_eq!(fresh.screen, Screen::Walk);
    assert!(walk(&fresh).entries.iter().any(|e| e.kind == "resume"));
    assert_eq!(step_states(&fresh)[0], StepState::Passed);
    update(&mut fresh, Msg::Action(Action::WalkGo));
    assert_eq!(step_states(&fresh)[1], StepState::Passed);
}

#[test]
fn the_transcript_is_written_through_an_effect_with_every_step() {
    let mut state = mid_walk();
    let effects = update(&mut state, Msg::Action(Action::WalkExport));
    let Some(Effect::Files(FileEffect::WriteTranscript { name, text })) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(name.starts_with("recreate-immutable-Kustomization_flux-system_apps-"));
    assert!(text.contains("| 1 | Confirm the object and the field | passed |"));
    assert!(text.contains("| 2 | Accept the disruption | running |"));
    files(
        &mut state,
        FileAnswer::Note("transcript written to /tmp/x.md".to_owned()),
    );
    assert_eq!(
        state.input_note.as_deref(),
        Some("transcript written to /tmp/x.md")
    );
}

#[test]
fn the_list_filters_by_id_title_and_class() {
    let mut state = loaded_state();
    update(&mut state, Msg::Action(Action::ShowRunbooks));
    assert_eq!(state.mode(), Mode::Runbooks);
    update(&mut state, Msg::Action(Action::StartFilter));
    assert_eq!(state.mode(), Mode::Filter);
    for c in "immutable".chars() {
        update(
            &mut state,
            Msg::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char(c),
            )),
        );
    }
    let shown = fluxops::app::runbooks::filtered(&state.runbooks);
    assert_eq!(
        shown.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["recreate-immutable"]
    );
    update(&mut state, Msg::Action(Action::ApplyFilter));
    assert_eq!(state.mode(), Mode::Runbooks);
}

fn screen(state: &mut State, w: u16, h: u16) -> String {
    render(state, w, h).backend().to_string()
}

fn fits(text: &str, width: usize) {
    for line in text.lines() {
        let inner = line.trim_start_matches('"').trim_end_matches('"');
        assert!(fluxops::text::width(inner) <= width, "overflows: {line}");
    }
}

fn list_state() -> State {
    let mut state = failing_state();
    update(&mut state, Msg::Action(Action::ShowRunbooks));
    files(
        &mut state,
        FileAnswer::Walks(vec![Walk::new(
            &fluxops::runbook::library::builtin(&Catalog::builtin().unwrap())
                .unwrap()
                .into_iter()
                .find(|r| r.id == "helm-release-locked")
                .unwrap(),
            Binding {
                target: TargetRef::namespaced(TargetKind::HelmRelease, "data", "postgresql"),
                inputs: BTreeMap::new(),
            },
            "alice",
            0,
        )]),
    );
    state
}

#[test]
fn runbook_list_80x24() {
    let mut state = list_state();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn runbook_list_160x48() {
    let mut state = list_state();
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn walker_mid_walk_80x24() {
    let mut state = mid_walk();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn walker_mid_walk_160x48() {
    let mut state = mid_walk();
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

/// A runbook whose first step waits on a check under Markdown prose: emphasis, code, lists, a link, a block.
const PROSE: &str = r#"---
id: prose-demo
title: Markdown prose
classes: [unclassified]
target:
  kinds: [Kustomization]
---
# Markdown prose

## Read what the owner says {#read}

The apply fails with **field is immutable**: read `status.conditions` first. Causes, most likely first:

- a `spec.selector` changed in Git (often a label renamed in a shared base);
- a Job's `spec.template`, which **never** changes in place;
  1. find the commit;
  2. revert it.

See the [Kubernetes docs](https://kubernetes.io/docs/concepts/) and <b>keep</b> calm.

```sh
flux events --for Kustomization/apps -n flux-system
```

```check
expect: ready
timeout: 5m
```

## Done {#done}

```record
done
```
"#;

/// The walker on the first step of [`PROSE`], waiting on its check.
fn prose_state() -> State {
    let rb = fluxops::runbook::load::parse(
        PROSE,
        std::path::Path::new("prose-demo.md"),
        &Catalog::builtin().unwrap(),
    )
    .unwrap();
    let mut state = failing_state();
    let binding = Binding::new(&rb, apps(), &[]).unwrap();
    files(
        &mut state,
        FileAnswer::Runbooks {
            runbooks: vec![Arc::new(rb)],
            problems: Vec::new(),
        },
    );
    files(
        &mut state,
        FileAnswer::WalkOpened {
            runbook: "prose-demo".to_owned(),
            binding,
            result: Ok(None),
            operator: "alice".to_owned(),
        },
    );
    assert_eq!(state.screen, Screen::Walk);
    state
}

#[test]
fn walker_renders_markdown_prose_80x24() {
    let mut state = prose_state();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    // Rendered, not shown raw: no emphasis markers, backticks or list dashes; bullets and numbers instead.
    for raw in ["**", "`", "- a `", "[Kubernetes docs]"] {
        assert!(!text.contains(raw), "'{raw}' shown raw:\n{text}");
    }
    assert!(text.contains("The apply fails with field is"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn walker_renders_markdown_prose_160x48() {
    let mut state = prose_state();
    let text = screen(&mut state, 160, 48);
    for shown in [
        "with field is immutable: read status.conditions first",
        "• a spec.selector changed",
        "  1. find the commit;",
        "See the Kubernetes docs (https://kubernetes.io/docs/concepts/) and <b>keep</b> calm.",
        "  flux events --for",
    ] {
        assert!(text.contains(shown), "'{shown}' missing:\n{text}");
    }
    assert!(!text.contains("**") && !text.contains('`'), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn walker_failed_check_80x24() {
    let mut state = held_state();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    assert!(text.contains("offers"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn walker_failed_check_160x48() {
    let mut state = held_state();
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

fn manifest() -> Manifest {
    Manifest {
        format: 1,
        tool: "fluxops 0.1.0".to_owned(),
        id: "20261124-031500-ab12".to_owned(),
        created: "2026-11-24T03:15:00Z".to_owned(),
        cluster: "https://127.0.0.1:6443".to_owned(),
        context: "prod-eu-1".to_owned(),
        scope: "all namespaces".to_owned(),
        with_inventory: true,
        resource_version: Some("4711".to_owned()),
        consistent: true,
        counts: BTreeMap::from([
            ("Kustomization.kustomize.toolkit.fluxcd.io".to_owned(), 2),
            ("Deployment.apps".to_owned(), 1),
        ]),
        objects: 3,
        excluded: vec!["Secret/apps/podinfo-token".to_owned()],
        unreadable: Vec::new(),
        files: Vec::new(),
    }
}

fn key(group: &str, kind: &str, ns: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.to_owned(),
        kind: kind.to_owned(),
        namespace: ns.to_owned(),
        name: name.to_owned(),
    }
}

fn snapshot_state() -> State {
    let mut state = loaded_state();
    let effects = update(&mut state, Msg::Action(Action::ShowSnapshots));
    assert_eq!(effects, [Effect::Files(FileEffect::ListSnapshots)]);
    files(
        &mut state,
        FileAnswer::Snapshots(Ok(vec![
            ListedSnapshot {
                id: "20261124-031500-ab12".to_owned(),
                manifest: Ok(manifest()),
            },
            ListedSnapshot {
                id: "20261120-101010-ffff".to_owned(),
                manifest: Err("manifest.json: not valid JSON".to_owned()),
            },
        ])),
    );
    let effects = update(&mut state, Msg::Action(Action::SnapshotShow));
    assert_eq!(
        effects,
        [Effect::Files(FileEffect::LoadSnapshot(
            "20261124-031500-ab12".to_owned()
        ))]
    );
    let keys = vec![
        key("apps", "Deployment", "apps", "podinfo"),
        key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        ),
        key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "infra",
        ),
    ];
    files(
        &mut state,
        FileAnswer::SnapshotLoaded {
            id: "20261124-031500-ab12".to_owned(),
            result: Ok((manifest(), keys)),
        },
    );
    update(&mut state, Msg::Action(Action::SnapshotDiff));
    files(
        &mut state,
        FileAnswer::SnapshotDiffed {
            id: "20261124-031500-ab12".to_owned(),
            result: Ok(Diff {
                removed: vec![key("apps", "Deployment", "apps", "podinfo")],
                added: Vec::new(),
                changed: vec![(
                    key(
                        "kustomize.toolkit.fluxcd.io",
                        "Kustomization",
                        "flux-system",
                        "apps",
                    ),
                    vec![FieldChange {
                        path: "spec.path".to_owned(),
                        snapshot: Some("./apps/prod".to_owned()),
                        live: Some("./apps/staging".to_owned()),
                    }],
                )],
                unchanged: 1,
            }),
        },
    );
    state
}

#[test]
fn snapshot_restore_goes_through_the_action_path() {
    let mut state = snapshot_state();
    // The chosen object (the first): one preparation of snapshot-restore, the confirm view waiting.
    let effects = update(&mut state, Msg::Action(Action::SnapshotRestore));
    let catalog = Catalog::builtin().unwrap();
    let params = ParamValues::from_pairs(
        catalog.get("snapshot-restore").unwrap(),
        &[("snapshot".to_owned(), "20261124-031500-ab12".to_owned())],
    )
    .unwrap();
    assert_eq!(
        effects,
        [Effect::Prepare {
            action: "snapshot-restore".to_owned(),
            target: podinfo(),
            params: params.clone(),
            break_glass: None,
        }]
    );
    assert_eq!(state.mode(), Mode::Confirm);
    update(&mut state, Msg::Action(Action::CancelConfirm));
    // Back to the list of snapshots: everything the diff found, as one bulk.
    update(&mut state, Msg::Action(Action::ShowTree));
    let effects = update(&mut state, Msg::Action(Action::SnapshotRestore));
    assert_eq!(
        effects,
        [Effect::Bulk {
            action: "snapshot-restore".to_owned(),
            targets: vec![podinfo(), apps()],
            params,
        }]
    );
}

#[test]
fn snapshots_80x24() {
    let mut state = snapshot_state();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn snapshots_160x48() {
    let mut state = snapshot_state();
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn n_takes_a_snapshot_of_the_consoles_scope_says_how_it_goes_and_selects_it() {
    let mut state = snapshot_state();
    let context = state.labels.context.clone();
    let effects = update(&mut state, Msg::Action(Action::SnapshotCreate));
    assert_eq!(
        effects,
        [Effect::Files(FileEffect::CreateSnapshot {
            scope: fluxops::cluster::Scope::All,
            context: context.clone(),
            with_inventory: false,
        })]
    );
    let text = screen(&mut state, 160, 48);
    assert!(
        text.contains("⟳ taking a snapshot of all namespaces"),
        "{text}"
    );
    // One at a time.
    assert!(update(&mut state, Msg::Action(Action::SnapshotCreate)).is_empty());
    assert!(
        state
            .input_note
            .as_deref()
            .is_some_and(|n| n.contains("being taken")),
        "{:?}",
        state.input_note
    );
    // Taken: said in words, listed again, and selected once listed.
    let mut taken = manifest();
    taken.id = "20261124-040000-cd34".to_owned();
    let effects = files(&mut state, FileAnswer::SnapshotCreated(Ok(taken.clone())));
    assert_eq!(effects, [Effect::Files(FileEffect::ListSnapshots)]);
    files(
        &mut state,
        FileAnswer::Snapshots(Ok(vec![
            ListedSnapshot {
                id: taken.id.clone(),
                manifest: Ok(taken),
            },
            ListedSnapshot {
                id: "20261124-031500-ab12".to_owned(),
                manifest: Ok(manifest()),
            },
        ])),
    );
    assert_eq!(state.snapshots.selected_id(), Some("20261124-040000-cd34"));
    let text = screen(&mut state, 160, 48);
    assert!(
        text.contains("✓ snapshot 20261124-040000-cd34 taken: 3 object(s) of all namespaces"),
        "{text}"
    );
    // A failure is said in words, and nothing is listed again.
    update(&mut state, Msg::Action(Action::SnapshotCreate));
    let effects = files(
        &mut state,
        FileAnswer::SnapshotCreated(Err("cannot list Kustomization: forbidden".to_owned())),
    );
    assert!(effects.is_empty(), "{effects:?}");
    let text = screen(&mut state, 160, 48);
    assert!(
        text.contains(
            "✗ no snapshot of all namespaces taken: cannot list Kustomization: forbidden"
        ),
        "{text}"
    );
    // `N`: with the live objects the inventories list, said so.
    let effects = update(&mut state, Msg::Action(Action::SnapshotCreateWithInventory));
    assert_eq!(
        effects,
        [Effect::Files(FileEffect::CreateSnapshot {
            scope: fluxops::cluster::Scope::All,
            context,
            with_inventory: true,
        })]
    );
    let text = screen(&mut state, 160, 48);
    assert!(
        text.contains("⟳ taking a snapshot of all namespaces with inventories"),
        "{text}"
    );
}

#[test]
fn every_runbook_and_snapshot_screen_draws_small_without_panicking() {
    for (w, h) in [(20, 6), (40, 10), (80, 24), (100, 30)] {
        for mut state in [list_state(), mid_walk(), held_state(), snapshot_state()] {
            let _ = screen(&mut state, w, h);
        }
    }
}
