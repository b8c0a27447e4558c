//! The console side of actions (issue 9): the action menu (`a`), the parameter form, the confirm view and the
//! Jobs screen (`4`), driven through `update` with the answers the pipeline would send, and drawn at 80x24 and
//! 160x48 (snapshots). Nothing here talks to a cluster: the effects are data.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::actions::{ExecutionId, TargetKind, TargetRef};
use fluxops::app::effect::Confirmed;
use fluxops::app::effects_runner::{NOT_CONNECTED, not_connected};
use fluxops::app::state::Screen;
use fluxops::app::{Action, Effect, Msg, State, update};
use fluxops::config::Mode;
use fluxops::execution::{Check, DryRun, ExecutionStatus, MenuEntry, Phase, Preparation, Verdict};
use fluxops::flux::FluxKind;
use fluxops::policy::{Confirmation, Decision};
use support::console::{act, loaded_state, render};
use support::objects::r;

fn target() -> TargetRef {
    TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "apps")
}

fn entry(action: &str, verdict: Verdict, dangerous: bool) -> MenuEntry {
    MenuEntry {
        action: action.to_owned(),
        help: format!("{action} the object"),
        executor: "direct",
        dangerous,
        verdict,
        warnings: Vec::new(),
    }
}

fn menu() -> Vec<MenuEntry> {
    let mut suspend = entry(
        "suspend",
        Verdict::Confirm {
            level: Confirmation::Simple,
        },
        false,
    );
    suspend.warnings = vec!["apps has 3 dependents: they stop updating".to_owned()];
    vec![
        entry("reconcile", Verdict::Allowed, false),
        suspend,
        entry(
            "recover-chain",
            Verdict::Confirm {
                level: Confirmation::Typed,
            },
            true,
        ),
        entry(
            "helmrelease-reset",
            Verdict::Denied {
                reasons: vec!["flux-system is a protected namespace".to_owned()],
            },
            true,
        ),
        entry(
            "resume",
            Verdict::Forbidden {
                missing: "cannot patch kustomizations.kustomize.toolkit.fluxcd.io in flux-system"
                    .to_owned(),
            },
            false,
        ),
    ]
}

fn id(n: u64) -> ExecutionId {
    ExecutionId::parse(&format!("{n:012x}")).unwrap()
}

fn decision(allow: bool, confirmation: Confirmation) -> Decision {
    Decision {
        allow,
        deny: if allow {
            Vec::new()
        } else {
            vec!["Git is the source of truth: Kustomization/flux-system/apps would revert it within 10m".to_owned()]
        },
        warnings: vec!["3 objects wait on apps".to_owned()],
        confirmation,
        break_glass: None,
        policy_error: None,
    }
}

fn preparation(action: &str, confirmation: Confirmation) -> Preparation {
    Preparation {
        execution: id(0xabc),
        action: action.to_owned(),
        target: target(),
        params: Vec::new(),
        decision: decision(true, confirmation),
        confirmation,
        forbidden: None,
        preconditions: vec![Check {
            name: "target-unchanged".to_owned(),
            passed: true,
            detail: "resourceVersion 4711 as shown".to_owned(),
        }],
        dry_run: DryRun::Passed {
            diff: vec![
                "metadata.annotations.reconcile.fluxcd.io/requestedAt: → 2026-11-24T03:30:00Z"
                    .to_owned(),
            ],
        },
        job_yaml: None,
        rollback: Vec::new(),
        inverse: None,
    }
}

fn job_preparation() -> Preparation {
    let mut p = preparation("recreate-immutable", Confirmation::Typed);
    p.target = TargetRef::namespaced(TargetKind::Deployment, "apps", "podinfo");
    p.params = vec![(
        "token".to_owned(),
        "sha256:9f86d081884c… (12 bytes)".to_owned(),
    )];
    p.dry_run = DryRun::Passed {
        diff: vec![
            "- Deployment apps/podinfo (captured first)".to_owned(),
            "+ Job fluxops-system/fluxops-recreate-000000000abc".to_owned(),
        ],
    };
    p.job_yaml = Some(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: fluxops-recreate-000000000abc\n  namespace: fluxops-system\nspec:\n  backoffLimit: 0\n  activeDeadlineSeconds: 300\n  template:\n    spec:\n      serviceAccountName: fluxops-recreate\n      containers:\n      - name: kubectl\n        args: [delete, deployment, podinfo, -n, apps]\n"
            .to_owned(),
    );
    p.rollback = vec!["manifest of Deployment/apps/podinfo (2.1 KiB)".to_owned()];
    p.inverse = Some("apply the captured manifest".to_owned());
    p
}

fn failed_dry_run() -> Preparation {
    let mut p = preparation("recreate-immutable", Confirmation::Typed);
    p.target = TargetRef::namespaced(TargetKind::Deployment, "apps", "podinfo");
    p.dry_run = DryRun::Failed {
        request: "PATCH apps/v1 deployments apps/podinfo (dryRun=All)".to_owned(),
        message: "Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"podinfo-v2\"}}: field is immutable".to_owned(),
    };
    p
}

/// On the tree with `apps` selected, `a` pressed: the menu asked for.
fn menu_open() -> State {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    let effects = update(&mut state, Msg::Action(Action::OpenActions));
    assert_eq!(menu_target(&effects), Some(&target()));
    assert_eq!(state.mode(), Mode::Actions);
    state
}

fn menu_answered(entries: Vec<MenuEntry>) -> State {
    let mut state = menu_open();
    update(&mut state, Msg::ActionMenu(target(), Ok(entries)));
    state
}

fn select(state: &mut State, action: &str) {
    let entries = state
        .actions
        .menu
        .as_ref()
        .unwrap()
        .entries
        .clone()
        .unwrap()
        .unwrap();
    let i = entries.iter().position(|e| e.action == action).unwrap();
    state.actions.menu.as_mut().unwrap().selected = i;
}

fn screen(state: &mut State, w: u16, h: u16) -> String {
    render(state, w, h).backend().to_string()
}

/// Every row of a drawn screen fits its width (ratatui would cut silently; this checks the view asked for no
/// more than fits: no row is longer than the terminal).
fn fits(text: &str, width: usize) {
    for line in text.lines() {
        let inner = line.trim_start_matches('"').trim_end_matches('"');
        assert!(fluxops::text::width(inner) <= width, "overflows: {line}");
    }
}

#[test]
fn a_denied_or_forbidden_entry_cannot_be_chosen_and_says_why() {
    let mut state = menu_answered(menu());
    for denied in ["helmrelease-reset", "resume"] {
        select(&mut state, denied);
        let effects = update(&mut state, Msg::Action(Action::ChooseAction));
        assert!(effects.is_empty(), "{denied}: {effects:?}");
        assert!(state.actions.confirm.is_none());
        let note = state.actions.menu.as_ref().unwrap().note.clone().unwrap();
        assert!(note.contains("cannot be chosen"), "{note}");
    }
    // A runnable one goes on to the preparation.
    select(&mut state, "reconcile");
    let effects = update(&mut state, Msg::Action(Action::ChooseAction));
    assert!(
        matches!(&effects[..], [Effect::Prepare { action, target: t, break_glass: None, .. }] if action == "reconcile" && *t == target())
    );
    assert!(state.actions.menu.is_none());
    assert_eq!(state.mode(), Mode::Confirm);
}

#[test]
fn read_only_shows_no_runnable_entry() {
    let entries: Vec<MenuEntry> = menu()
        .into_iter()
        .map(|mut e| {
            e.verdict = Verdict::ReadOnly;
            e
        })
        .collect();
    let mut state = menu_answered(entries.clone());
    for e in &entries {
        select(&mut state, &e.action);
        assert!(update(&mut state, Msg::Action(Action::ChooseAction)).is_empty());
    }
    let text = screen(&mut state, 80, 24);
    assert!(text.contains("read-only"), "{text}");
}

#[test]
fn the_menu_waits_for_its_own_answer_and_esc_closes_it() {
    let mut state = menu_open();
    let text = screen(&mut state, 80, 24);
    assert!(text.contains("asking the policy"), "{text}");
    // An answer for another target is not this menu's.
    let other = TargetRef::namespaced(TargetKind::Kustomization, "flux-system", "podinfo");
    update(&mut state, Msg::ActionMenu(other, Ok(menu())));
    assert!(state.actions.menu.as_ref().unwrap().entries.is_none());
    update(&mut state, Msg::ActionMenu(target(), Ok(menu())));
    assert!(state.actions.menu.as_ref().unwrap().entries.is_some());
    // Keys of the screen below do nothing while the menu is open.
    update(&mut state, Msg::Action(Action::ShowDag));
    assert_eq!(state.screen, Screen::Tree);
    update(&mut state, Msg::Action(Action::CloseActions));
    assert!(state.actions.menu.is_none());
    assert_eq!(state.mode(), Mode::Navigator);
}

#[test]
fn without_a_pipeline_the_menu_says_actions_are_not_connected() {
    let mut state = menu_open();
    let answer = not_connected(Effect::ActionMenu {
        target: target(),
        owner: None,
    })
    .unwrap();
    update(&mut state, answer);
    let text = screen(&mut state, 80, 24);
    assert!(text.contains(NOT_CONNECTED), "{text}");
}

#[test]
fn typed_confirmation_rejects_a_wrong_name_and_accepts_the_exact_one() {
    let mut state = menu_answered(menu());
    select(&mut state, "recover-chain");
    update(&mut state, Msg::Action(Action::ChooseAction));
    update(
        &mut state,
        Msg::Prepared(Ok(preparation("recover-chain", Confirmation::Typed))),
    );
    assert_eq!(state.mode(), Mode::Form, "the name field has the keyboard");
    // `y` is typed, not a yes; a pasted wrong name is refused.
    update(&mut state, Msg::Paste("app".to_owned()));
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char('y'),
        )),
    );
    assert_eq!(state.actions.confirm.as_ref().unwrap().typed, "appy");
    assert!(update(&mut state, Msg::Action(Action::FormSubmit)).is_empty());
    assert!(
        state
            .actions
            .confirm
            .as_ref()
            .unwrap()
            .note
            .as_ref()
            .unwrap()
            .contains("does not match")
    );
    update(&mut state, Msg::Action(Action::FormDeleteChar));
    update(&mut state, Msg::Paste("s".to_owned()));
    let effects = update(&mut state, Msg::Action(Action::FormSubmit));
    assert_eq!(
        effects,
        vec![Effect::Execute {
            executions: vec![id(0xabc)],
            confirmation: Confirmed::Typed("apps".to_owned())
        }]
    );
    assert_eq!(
        state.screen,
        Screen::Jobs,
        "the execution is followed on the Jobs screen"
    );
}

#[test]
fn a_preparation_that_is_not_executable_cannot_be_confirmed() {
    let mut state = menu_answered(menu());
    select(&mut state, "suspend");
    update(&mut state, Msg::Action(Action::ChooseAction));
    let mut p = preparation("suspend", Confirmation::Simple);
    p.forbidden = Some("cannot patch kustomizations in flux-system".to_owned());
    update(&mut state, Msg::Prepared(Ok(p)));
    assert_eq!(state.mode(), Mode::Confirm);
    assert!(update(&mut state, Msg::Action(Action::Confirm)).is_empty());
    let text = screen(&mut state, 80, 24);
    assert!(text.contains("Cannot be confirmed: forbidden"), "{text}");
    // A simple one confirms with yes.
    let mut state = menu_answered(menu());
    select(&mut state, "suspend");
    update(&mut state, Msg::Action(Action::ChooseAction));
    update(
        &mut state,
        Msg::Prepared(Ok(preparation("suspend", Confirmation::Simple))),
    );
    let effects = update(&mut state, Msg::Action(Action::Confirm));
    assert_eq!(
        effects,
        vec![Effect::Execute {
            executions: vec![id(0xabc)],
            confirmation: Confirmed::Yes
        }]
    );
}

#[test]
fn a_denied_preparation_offers_break_glass_and_prepares_again_with_the_reason() {
    let mut state = menu_answered(menu());
    select(&mut state, "suspend");
    update(&mut state, Msg::Action(Action::ChooseAction));
    let mut p = preparation("suspend", Confirmation::Simple);
    p.decision = decision(false, Confirmation::Simple);
    update(&mut state, Msg::Prepared(Ok(p)));
    update(&mut state, Msg::Action(Action::BreakGlass));
    assert_eq!(state.mode(), Mode::Form);
    assert!(
        update(&mut state, Msg::Action(Action::FormSubmit)).is_empty(),
        "a reason is required"
    );
    update(&mut state, Msg::Paste("INC-42 registry down".to_owned()));
    let effects = update(&mut state, Msg::Action(Action::FormSubmit));
    assert!(
        matches!(&effects[..], [Effect::Prepare { break_glass: Some(r), .. }] if r == "INC-42 registry down")
    );
}

#[test]
fn parameters_are_checked_against_their_bounds_before_the_preparation() {
    let mut state = menu_answered(vec![entry("scale", Verdict::Allowed, false)]);
    update(&mut state, Msg::Action(Action::ChooseAction));
    assert_eq!(state.mode(), Mode::Form);
    let text = screen(&mut state, 80, 24);
    assert!(text.contains("replicas"), "{text}");
    update(&mut state, Msg::Paste("100000".to_owned()));
    assert!(update(&mut state, Msg::Action(Action::FormSubmit)).is_empty());
    assert!(state.actions.form.as_ref().unwrap().error.is_some());
    for _ in 0..6 {
        update(&mut state, Msg::Action(Action::FormDeleteChar));
    }
    update(&mut state, Msg::Paste("2".to_owned()));
    let effects = update(&mut state, Msg::Action(Action::FormSubmit));
    match &effects[..] {
        [Effect::Prepare { action, params, .. }] => {
            assert_eq!(action, "scale");
            assert_eq!(params.text("replicas").as_deref(), Some("2"));
        }
        other => panic!("{other:?}"),
    }
}

fn status(n: u64, phase: Phase, started: &str) -> ExecutionStatus {
    ExecutionStatus {
        execution: id(n),
        action: "scale".to_owned(),
        target: TargetRef::namespaced(TargetKind::Deployment, "apps", &format!("web-{n}")),
        operator: "alice@example.com".to_owned(),
        phase,
        started: started.to_owned(),
        finished: None,
        job: Some(format!("fluxops-system/fluxops-scale-{n:012x}")),
        steps: vec!["captured replicas: 3".to_owned(), "Job created".to_owned()],
        postconditions: Vec::new(),
        log_tail: (0..40).map(|i| format!("line {i} of web-{n}")).collect(),
        rollback_available: false,
    }
}

fn jobs_state() -> State {
    let mut state = loaded_state();
    act(&mut state, &[Action::ShowJobs]);
    assert_eq!(state.screen, Screen::Jobs);
    let mut done = status(1, Phase::Succeeded, "2026-11-24T03:20:00Z");
    done.finished = Some("2026-11-24T03:21:10Z".to_owned());
    done.rollback_available = true;
    done.postconditions = vec![Check {
        name: "rollout-complete".to_owned(),
        passed: true,
        detail: "3/3 updated and available".to_owned(),
    }];
    let mut failed = status(
        2,
        Phase::Failed {
            why: "postcondition rollout-complete failed".to_owned(),
        },
        "2026-11-24T03:25:00Z",
    );
    failed.finished = Some("2026-11-24T03:26:00Z".to_owned());
    for s in [
        done,
        failed,
        status(3, Phase::Running, "2026-11-24T03:29:30Z"),
    ] {
        update(&mut state, Msg::Execution(s));
    }
    state
}

#[test]
fn jobs_updates_replace_by_id_newest_first_and_keep_the_selection() {
    let mut state = jobs_state();
    let order: Vec<String> = state
        .jobs
        .executions
        .iter()
        .map(|e| e.execution.to_string())
        .collect();
    assert_eq!(order, [id(3), id(2), id(1)].map(|i| i.to_string()));
    // Select the middle one, then updates arrive (one replaces, one is new): still the middle one.
    act(&mut state, &[Action::MoveDown]);
    assert_eq!(state.jobs.selected, Some(id(2)));
    let mut running = status(3, Phase::Verifying, "2026-11-24T03:29:30Z");
    running.log_tail.push("rollout complete".to_owned());
    update(&mut state, Msg::Execution(running));
    update(
        &mut state,
        Msg::Execution(status(4, Phase::Pending, "2026-11-24T03:29:50Z")),
    );
    assert_eq!(state.jobs.executions.len(), 4);
    assert_eq!(state.jobs.selected, Some(id(2)));
    let three = state
        .jobs
        .executions
        .iter()
        .find(|e| e.execution == id(3))
        .unwrap();
    assert_eq!(three.phase, Phase::Verifying);
    assert_eq!(
        three.log_tail.last().map(String::as_str),
        Some("rollout complete")
    );
}

#[test]
fn rollback_and_cancel_on_the_jobs_screen() {
    let mut state = jobs_state();
    // The running one: rollback is refused, cancel asks first.
    assert!(update(&mut state, Msg::Action(Action::RollbackExecution)).is_empty());
    assert!(update(&mut state, Msg::Action(Action::CancelExecution)).is_empty());
    assert_eq!(state.mode(), Mode::Confirm);
    let effects = update(&mut state, Msg::Action(Action::Confirm));
    assert_eq!(effects, vec![Effect::Cancel { execution: id(3) }]);
    // The finished one with a rollback: `r` asks for the rollback's preparation.
    act(&mut state, &[Action::MoveDown, Action::MoveDown]);
    let effects = update(&mut state, Msg::Action(Action::RollbackExecution));
    assert_eq!(effects, vec![Effect::Rollback { execution: id(1) }]);
    assert!(state.actions.confirm.is_some());
}

#[test]
fn space_marks_and_a_bulk_goes_in_dependency_order() {
    let mut state = loaded_state();
    for name in ["apps", "infra-configs", "infra-controllers"] {
        state.reveal(&r(FluxKind::Kustomization, "flux-system", name));
        act(&mut state, &[Action::ToggleMark]);
    }
    assert_eq!(state.actions.marks.len(), 3);
    let effects = update(&mut state, Msg::Action(Action::OpenActions));
    let first = TargetRef::namespaced(
        TargetKind::Kustomization,
        "flux-system",
        "infra-controllers",
    );
    assert_eq!(menu_target(&effects), Some(&first));
    update(&mut state, Msg::ActionMenu(first, Ok(menu())));
    let effects = update(&mut state, Msg::Action(Action::ChooseAction));
    match &effects[..] {
        [
            Effect::Bulk {
                action, targets, ..
            },
        ] => {
            assert_eq!(action, "reconcile");
            let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, ["infra-controllers", "infra-configs", "apps"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mark_chain_marks_the_root_cause_and_what_waits_behind_it() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    act(&mut state, &[Action::MarkChain]);
    let order: Vec<String> = fluxops::app::marks::ordered(&state)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        order.first().map(String::as_str),
        Some("GitRepository/flux-system/podinfo"),
        "{order:?}"
    );
    assert!(order.iter().any(|o| o.ends_with("/apps")), "{order:?}");
}

// Snapshots: each one looked at before it was committed.

#[test]
fn action_menu_80x24() {
    let mut state = menu_answered(menu());
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn action_menu_160x48() {
    let mut state = menu_answered(menu());
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

fn confirm_with(p: Preparation) -> State {
    let mut state = menu_answered(menu());
    select(&mut state, "reconcile");
    update(&mut state, Msg::Action(Action::ChooseAction));
    // The preparation answers for the action chosen.
    let action = p.action.clone();
    let c = state.actions.confirm.as_mut().unwrap();
    c.action = action;
    c.targets = vec![p.target.clone()];
    update(&mut state, Msg::Prepared(Ok(p)));
    state
}

#[test]
fn confirm_direct_80x24() {
    let mut state = confirm_with(preparation("reconcile", Confirmation::Simple));
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn confirm_direct_160x48() {
    let mut state = confirm_with(preparation("reconcile", Confirmation::Simple));
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn confirm_job_typed_80x24() {
    let mut state = confirm_with(job_preparation());
    update(&mut state, Msg::Paste("podin".to_owned()));
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    assert!(!text.contains("\u{1b}"));
    insta::assert_snapshot!(text);
}

#[test]
fn confirm_job_typed_160x48() {
    let mut state = confirm_with(job_preparation());
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn confirm_dry_run_failure_80x24() {
    let mut state = confirm_with(failed_dry_run());
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    assert!(text.contains("is immutable"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn confirm_dry_run_failure_160x48() {
    let mut state = confirm_with(failed_dry_run());
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn jobs_screen_80x24() {
    let mut state = jobs_state();
    let text = screen(&mut state, 80, 24);
    fits(&text, 80);
    insta::assert_snapshot!(text);
}

#[test]
fn jobs_screen_160x48() {
    let mut state = jobs_state();
    act(&mut state, &[Action::MoveDown, Action::MoveDown]);
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn hostile_text_from_the_pipeline_is_drawn_without_escape_sequences() {
    let mut p = failed_dry_run();
    p.dry_run = DryRun::Failed {
        request: "PATCH \u{1b}]52;c;aGk=\u{7}".to_owned(),
        message: "boom \u{1b}[2J\u{1b}[31mred".to_owned(),
    };
    let mut state = confirm_with(p);
    let text = screen(&mut state, 80, 24);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    let mut state = jobs_state();
    let mut s = status(9, Phase::Running, "2026-11-24T03:29:59Z");
    s.log_tail = vec!["\u{1b}[2Jwiped \u{9b}31m".to_owned()];
    s.operator = "eve\u{1b}[8m".to_owned();
    update(&mut state, Msg::Execution(s));
    let text = screen(&mut state, 160, 48);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}'),
        "{text}"
    );
}

#[test]
fn on_the_inventory_tab_a_asks_which_object_then_its_menu() {
    use fluxops::cluster::inspect::{InspectAnswer, Inspection, LiveObject};
    use fluxops::flux::InventoryId;
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    let effects = update(&mut state, Msg::Action(Action::ShowInventory));
    let Some(Effect::Inspect(req)) = effects.first() else {
        panic!("{effects:?}")
    };
    let live = |id: &str| LiveObject {
        raw_id: id.to_owned(),
        id: InventoryId::parse(id).ok(),
        version: "v1".to_owned(),
        status: Err(fluxops::cluster::inspect::FetchError::NotFound),
    };
    update(
        &mut state,
        Msg::Inspected(InspectAnswer {
            id: req.id,
            result: Ok(Inspection {
                object: serde_json::json!({"kind": "Kustomization", "metadata": {"name": "apps", "namespace": "flux-system"}}),
                inventory: Some(vec![
                    live("apps_podinfo_apps_Deployment"),
                    live("apps_x_example.com_Widget"),
                ]),
            }),
        }),
    );
    assert!(update(&mut state, Msg::Action(Action::OpenActions)).is_empty());
    let text = screen(&mut state, 80, 24);
    assert!(
        text.contains("on which object?") && text.contains("Deployment/apps/podinfo"),
        "{text}"
    );
    let choices = &state.actions.menu.as_ref().unwrap().choices;
    assert_eq!(
        choices.len(),
        2,
        "a kind no action targets is not offered: {choices:?}"
    );
    act(&mut state, &[Action::MoveDown]);
    let effects = update(&mut state, Msg::Action(Action::ChooseAction));
    assert_eq!(
        menu_target(&effects),
        Some(&TargetRef::namespaced(
            TargetKind::Deployment,
            "apps",
            "podinfo"
        ))
    );
}

#[test]
fn marked_rows_are_drawn_with_a_dot_and_a_banner_says_how_many() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    act(&mut state, &[Action::ToggleMark]);
    let text = screen(&mut state, 120, 30);
    assert!(
        text.contains("1 marked (•): a acts on them in dependency order, U unmarks all"),
        "{text}"
    );
    assert!(text.contains("⊘•KS"), "{text}");
    act(&mut state, &[Action::ToggleMark]);
    let text = screen(&mut state, 120, 30);
    assert!(!text.contains("marked"), "{text}");
}

#[test]
fn the_object_an_error_names_is_offered_first_then_the_owner() {
    use fluxops::cluster::ClusterEvent;
    use fluxops::cluster::inspect::{InspectAnswer, Inspection, LiveObject};
    use fluxops::flux::{FluxObject, InventoryId};
    use std::sync::Arc;
    let mut state = loaded_state();
    let failing: FluxObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m", "path": "./apps", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1,
            "inventory": {"entries": [{"id": "apps_web_apps_Deployment", "v": "v1"}]},
            "conditions": [{"type": "Ready", "status": "False",
            "reason": "ReconciliationFailed", "lastTransitionTime": "2026-11-24T03:00:00Z",
            "message": "Deployment/apps/web dry-run failed (Invalid): Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{}: field is immutable"}]}
    }))
    .unwrap();
    update(
        &mut state,
        Msg::Cluster(ClusterEvent::Upserted(Arc::new(failing))),
    );
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    let effects = update(&mut state, Msg::Action(Action::ShowInventory));
    let Some(Effect::Inspect(req)) = effects.first() else {
        panic!("{effects:?}")
    };
    let live = |id: &str| LiveObject {
        raw_id: id.to_owned(),
        id: InventoryId::parse(id).ok(),
        version: "v1".to_owned(),
        status: Err(fluxops::cluster::inspect::FetchError::NotFound),
    };
    update(
        &mut state,
        Msg::Inspected(InspectAnswer {
            id: req.id,
            result: Ok(Inspection {
                object: serde_json::json!({"kind": "Kustomization", "metadata": {"name": "apps", "namespace": "flux-system"}}),
                inventory: Some(vec![
                    live("apps_podinfo_apps_Deployment"),
                    live("apps_web__Service"),
                    live("apps_web_apps_Deployment"),
                ]),
            }),
        }),
    );
    update(&mut state, Msg::Action(Action::OpenActions));
    let choices: Vec<String> = state
        .actions
        .menu
        .as_ref()
        .unwrap()
        .choices
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        choices,
        vec![
            "Deployment/apps/web",
            "Kustomization/flux-system/apps",
            "Deployment/apps/podinfo",
            "Service/apps/web",
        ]
    );
    // Enter at once acts on the object the error names; the menu's verdicts know its Flux owner.
    let effects = update(&mut state, Msg::Action(Action::ChooseAction));
    assert_eq!(
        menu_target(&effects),
        Some(&TargetRef::namespaced(
            TargetKind::Deployment,
            "apps",
            "web"
        ))
    );
    let Some(Effect::ActionMenu {
        owner: Some(owner), ..
    }) = effects.first()
    else {
        panic!("no owner: {effects:?}");
    };
    assert_eq!(
        (
            owner.kind.as_str(),
            owner.namespace.as_str(),
            owner.name.as_str()
        ),
        ("Kustomization", "flux-system", "apps")
    );
}

/// The target of the one `ActionMenu` effect in `effects`.
fn menu_target(effects: &[Effect]) -> Option<&TargetRef> {
    match effects {
        [Effect::ActionMenu { target, .. }] => Some(target),
        _ => None,
    }
}
