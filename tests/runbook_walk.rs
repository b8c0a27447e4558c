//! The walker as a pure state machine (no cluster, no clock): checks wait and pass on observations, time out
//! into their `on-failure` branch; a declined confirmation (the walk's or an action's) stops the walk, why
//! recorded; a walk saved mid-check, mid-action (with and without an execution id) resumes with the right
//! effect; a loop that never holds stops; the checks' verdicts over objects and the graph; the store's lock and fsynced round trip; the transcript carries every step and
//! no raw escape sequence.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::{Catalog, TargetRef};
use fluxops::flux::FluxObject;
use fluxops::graph::Graph;
use fluxops::runbook::check::{self, Verdict};
use fluxops::runbook::store::{Store, StoreError};
use fluxops::runbook::walk::{Effect, Msg, Outcome, StepState};
use fluxops::runbook::{Binding, Runbook, Walk, World, load, transcript};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

const RUNBOOK: &str = r#"---
id: sample
title: Sample
target: {kinds: [Kustomization]}
inputs:
  - {name: note, type: string, default: "hello"}
---
# Sample

Walks a Kustomization.

## Note it {#note}

```record git
Change in Git for {{target.name}}: {{input.note}}
```

## Reconcile {#act}

```action
action: reconcile
```

## Verify {#verify}

```check
expect: ready
revision: source
timeout: 1m
```

```on-failure
rollback
```

## Roll back {#rollback .branch}

```confirm
prompt: Revert {{target}}?
```
"#;

fn runbook(text: &str) -> Runbook {
    load::parse(text, Path::new("sample.md"), &Catalog::builtin().unwrap())
        .unwrap_or_else(|p| panic!("{p}"))
}

fn target() -> TargetRef {
    TargetRef::parse("Kustomization/flux-system/apps").unwrap()
}

fn new_walk(rb: &Runbook) -> Walk {
    Walk::new(rb, Binding::new(rb, target(), &[]).unwrap(), "alice", 1_000)
}

fn ks(revision: &str, ready: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 1},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "lastAppliedRevision": revision,
            "conditions": [{"type": "Ready", "status": ready, "reason": "ReconciliationSucceeded", "message": "Applied"}]}})
}

fn git(revision: &str) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system", "generation": 1},
        "status": {"observedGeneration": 1, "artifact": {"revision": revision},
            "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded"}]}})
}

fn git_ref() -> TargetRef {
    TargetRef::parse("GitRepository/flux-system/flux-system").unwrap()
}

/// Walks through the record and the action to the waiting check.
fn to_check(rb: &Runbook, walk: &mut Walk) {
    let effects = walk.update(rb, Msg::Start { now: 1_000 });
    assert!(effects.iter().any(|e| matches!(e, Effect::Persist)));
    let Some(Effect::RunAction(call)) = effects.iter().find(|e| matches!(e, Effect::RunAction(_)))
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (call.action.as_str(), &call.target),
        ("reconcile", &target())
    );
    assert_eq!(walk.git_changes, ["Change in Git for apps: hello"]);
    walk.update(
        rb,
        Msg::ActionStarted {
            now: 1_100,
            execution: "abc".into(),
        },
    );
    let effects = walk.update(
        rb,
        Msg::ActionFinished {
            now: 2_000,
            succeeded: true,
            summary: "ok".into(),
            lines: vec!["patched".into()],
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Observe(n) if n.objects == [target()])),
        "{effects:?}"
    );
    assert!(walk.waiting_check().is_some());
}

#[test]
fn a_check_waits_until_the_object_is_ready_at_its_sources_revision() {
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    to_check(&rb, &mut walk);
    let mut world = World::default();
    world.set(target(), Some(ks("main@sha1:old", "True")));
    // The source is needed once the object is known.
    let effects = walk.update(
        &rb,
        Msg::Observed {
            now: 3_000,
            world: &world,
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Observe(n) if n.objects.contains(&git_ref()))),
        "{effects:?}"
    );
    world.set(git_ref(), Some(git("main@sha1:new")));
    walk.update(
        &rb,
        Msg::Observed {
            now: 4_000,
            world: &world,
        },
    );
    assert!(
        !walk.done(),
        "Ready at the old revision is not Ready at the source's"
    );
    world.set(target(), Some(ks("main@sha1:new", "True")));
    let effects = walk.update(
        &rb,
        Msg::Observed {
            now: 5_000,
            world: &world,
        },
    );
    assert!(
        effects.contains(&Effect::Finished(Outcome::Succeeded)),
        "{effects:?}"
    );
    let states: Vec<StepState> = walk.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            StepState::Passed,
            StepState::Passed,
            StepState::Passed,
            StepState::Skipped
        ]
    );
    let text = transcript::render(&walk);
    for needle in [
        "| Note it | passed |",
        "| Roll back | skipped |",
        "Ready at main@sha1:new",
        "- Change in Git for apps: hello",
        "- Operator: alice",
        "**output**: patched",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
}

#[test]
fn a_check_that_times_out_takes_its_branch_and_a_declined_confirm_stops_the_walk() {
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    to_check(&rb, &mut walk);
    assert!(
        walk.update(&rb, Msg::Tick { now: 30_000 }).is_empty(),
        "not yet"
    );
    let effects = walk.update(
        &rb,
        Msg::Tick {
            now: 2_000 + 60_000,
        },
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::Ask { prompt, answer: None } if prompt == "Revert Kustomization/flux-system/apps?")), "{effects:?}");
    assert_eq!(walk.steps[2].state, StepState::Failed);
    let effects = walk.update(
        &rb,
        Msg::Answered {
            now: 63_000,
            answer: None,
        },
    );
    assert!(
        matches!(
            effects.last(),
            Some(Effect::Finished(Outcome::Stopped { why, .. })) if why == "declined: Revert Kustomization/flux-system/apps?"
        ),
        "{effects:?}"
    );
    assert!(effects.contains(&Effect::Persist), "{effects:?}");
    assert_eq!(walk.steps[3].state, StepState::Failed);
    assert!(
        walk.entries
            .iter()
            .any(|e| e.kind == "stop" && e.text.starts_with("declined")),
        "{:?}",
        walk.entries
    );
    // A finished walk ignores everything.
    assert!(walk.update(&rb, Msg::Tick { now: 99_000 }).is_empty());
}

#[test]
fn an_action_whose_confirmation_is_not_given_stops_the_walk_where_it_stands() {
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    let effects = walk.update(&rb, Msg::Start { now: 1_000 });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::RunAction(_))),
        "{effects:?}"
    );
    // The action's own confirmation (the executor's) was declined: no answer the walk asked for.
    let effects = walk.update(
        &rb,
        Msg::Stop {
            now: 1_500,
            why: "declined: Run reconcile on Kustomization/flux-system/apps?".into(),
        },
    );
    assert!(effects.contains(&Effect::Persist), "{effects:?}");
    let Some(Effect::Finished(Outcome::Stopped { step, why })) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(step, "act");
    assert!(why.contains("Run reconcile"), "{why}");
    assert!(walk.done());
    assert!(
        walk.phase.is_none(),
        "no action left running: {:?}",
        walk.phase
    );
    assert_eq!(walk.steps[0].state, StepState::Passed);
    assert_eq!(walk.steps[1].state, StepState::Failed);
    assert!(
        walk.steps[2..]
            .iter()
            .all(|s| s.state == StepState::Skipped)
    );
    let text = transcript::render(&walk);
    assert!(
        text.contains("- Outcome: stopped at '")
            && text.contains("**stop**: declined: Run reconcile"),
        "{text}"
    );
}

#[test]
fn a_confirmed_branch_ends_the_walk_in_that_branch() {
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    to_check(&rb, &mut walk);
    walk.update(&rb, Msg::Tick { now: 100_000 });
    let effects = walk.update(
        &rb,
        Msg::Answered {
            now: 101_000,
            answer: Some("y".into()),
        },
    );
    assert!(
        effects.contains(&Effect::Finished(Outcome::Branched {
            step: "rollback".into()
        })),
        "{effects:?}"
    );
}

#[test]
fn a_saved_walk_resumes_where_it_was() {
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    walk.update(&rb, Msg::Start { now: 1_000 });
    // Mid-action without an execution id: run it again.
    let mut copy: Walk = serde_json::from_str(&serde_json::to_string(&walk).unwrap()).unwrap();
    let effects = copy.update(&rb, Msg::Resume { now: 2_000 });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::RunAction(_))),
        "{effects:?}"
    );
    // With one: re-attach to it.
    walk.update(
        &rb,
        Msg::ActionStarted {
            now: 1_100,
            execution: "abc".into(),
        },
    );
    let mut copy: Walk = serde_json::from_str(&serde_json::to_string(&walk).unwrap()).unwrap();
    let effects = copy.update(&rb, Msg::Resume { now: 2_000 });
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Reattach { execution, .. } if execution == "abc")),
        "{effects:?}"
    );
    // Mid-check: observe again.
    walk.update(
        &rb,
        Msg::ActionFinished {
            now: 2_000,
            succeeded: true,
            summary: "ok".into(),
            lines: vec![],
        },
    );
    let mut copy: Walk = serde_json::from_str(&serde_json::to_string(&walk).unwrap()).unwrap();
    let effects = copy.update(&rb, Msg::Resume { now: 3_000 });
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Observe(_))),
        "{effects:?}"
    );
    assert!(copy.entries.iter().any(|e| e.kind == "resume"));
    // A runbook whose steps changed since: aborted, not walked on a different plan.
    let other = runbook(&RUNBOOK.replace("## Note it {#note}", "## Note {#noted}"));
    let effects = copy.update(&other, Msg::Resume { now: 4_000 });
    assert!(
        matches!(
            effects.last(),
            Some(Effect::Finished(Outcome::Aborted { .. }))
        ),
        "{effects:?}"
    );
}

#[test]
fn a_loop_that_never_holds_stops() {
    let text = RUNBOOK.replace(
        "```confirm\nprompt: Revert {{target}}?\n```",
        "```record\nretry\n```\n\n```next\nverify\n```",
    );
    let rb = runbook(&text);
    let mut walk = new_walk(&rb);
    to_check(&rb, &mut walk);
    let mut now = 2_000;
    for _ in 0..10 {
        now += 61_000;
        walk.update(&rb, Msg::Tick { now });
        if walk.done() {
            break;
        }
    }
    assert!(
        matches!(&walk.outcome, Some(Outcome::Failed { why, .. }) if why.contains("entered 3 times")),
        "{:?}",
        walk.outcome
    );
}

#[test]
fn checks_over_objects_and_the_graph() {
    let resolved = |yaml: &str| {
        let text = format!(
            "---\nid: c\ntitle: C\n---\n## C\n\n```check\n{yaml}\n```\n\n```on-failure\nrollback\n```\n\n## Roll back {{#rollback .branch}}\n\n```record\nx\n```\n"
        );
        let rb = runbook(&text);
        let fluxops::runbook::Block::Check(spec) = &rb.steps[0].blocks[0] else {
            panic!()
        };
        check::resolve(spec, &Binding::new(&rb, target(), &[]).unwrap()).unwrap()
    };
    let mut world = World::default();
    let absent = resolved("expect: absent\nobject: Deployment/apps/web\ntimeout: 1m");
    assert!(
        matches!(check::evaluate(&absent, &world), Verdict::Wait(w) if w.contains("not read yet"))
    );
    world.set(TargetRef::parse("Deployment/apps/web").unwrap(), None);
    assert!(matches!(check::evaluate(&absent, &world), Verdict::Pass(_)));

    let blocked = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "tail", "namespace": "flux-system", "generation": 1},
        "spec": {"dependsOn": [{"name": "apps"}], "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "dependency 'flux-system/apps' is not ready"}]}});
    let objects: Vec<FluxObject> = [ks("r", "True"), blocked, git("r")]
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    world.set_graph(Arc::new(Graph::build(objects)));
    let dependents = resolved("expect: no-dependent-blocked\ntimeout: 1m");
    assert!(
        matches!(check::evaluate(&dependents, &world), Verdict::Wait(w) if w.contains("tail")),
        "{:?}",
        check::evaluate(&dependents, &world)
    );
    let count = resolved("expect: count\nkind: Kustomization\nstate: blocked\nmax: 0\ntimeout: 1m");
    assert!(
        matches!(check::evaluate(&count, &world), Verdict::Wait(w) if w.starts_with("1 Kustomization"))
    );
    let count =
        resolved("expect: count\nkind: Kustomization\nstate: ready\nmin: 1\nmax: 1\ntimeout: 1m");
    assert!(matches!(check::evaluate(&count, &world), Verdict::Pass(_)));
}

#[test]
fn the_store_saves_loads_and_locks_one_walk_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path().join("runbooks"));
    let rb = runbook(RUNBOOK);
    let mut walk = new_walk(&rb);
    walk.update(&rb, Msg::Start { now: 1_000 });
    let claim = store.claim(&target()).unwrap();
    assert!(matches!(
        store.claim(&target()),
        Err(StoreError::Busy { .. })
    ));
    store.save(&walk).unwrap();
    assert_eq!(store.load(&target()).unwrap().as_ref(), Some(&walk));
    assert_eq!(store.list().len(), 1);
    drop(claim);
    assert!(
        store.claim(&target()).is_ok(),
        "the lock goes with its holder"
    );
    store.archive(&walk).unwrap();
    assert!(store.load(&target()).unwrap().is_none());
    std::fs::write(
        dir.path()
            .join("runbooks/Kustomization_flux-system_apps.json"),
        "{not json",
    )
    .unwrap();
    let err = store.load(&target()).unwrap_err().to_string();
    assert!(
        err.contains("Kustomization_flux-system_apps.json") && err.contains("not a walk"),
        "{err}"
    );
}

#[test]
fn the_transcript_carries_no_raw_escape_sequence() {
    let text = RUNBOOK.replace("default: \"hello\"", "default: \"x\"");
    let rb = runbook(&text);
    let binding = Binding::new(
        &rb,
        target(),
        &[(
            "note".into(),
            "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J| pipe".into(),
        )],
    )
    .unwrap();
    let mut walk = Walk::new(&rb, binding, "mallory\u{1b}[31m", 1_000);
    walk.update(&rb, Msg::Start { now: 1_000 });
    let out = transcript::render(&walk);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("Change in Git for apps"), "{out}");
}
