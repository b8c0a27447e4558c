//! The controller-log and trace tabs of the drill-down (issue 11: "controller logs for the selected object …
//! followed live", "trace"):
//!
//! - through `update` and the view with the stream's answers given in the test: `L` returns the stream effect
//!   for the selection, the object's lines are drawn (snapshots at 80x24 and 160x48 with a fixed clock), a new
//!   line is shown as it comes while following, scrolling up pauses and `f` follows again, `w` cuts lines,
//!   leaving the tab or the drill-down stops the stream, an older stream's answer is dropped, a hostile line
//!   (escape sequences, bidi overrides) is drawn sanitised;
//! - end to end on the simulated demo cluster through the real effects runner and kube-rs: the failing
//!   Kustomization's error lines from kustomize-controller's pod, new ones arriving while the tab is open, the
//!   stream ended on close; `T` answered with the object's applier and source — both through a read-only
//!   client (the `--readonly` guard), which refuses anything but reads.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::effects_runner::EffectsRunner;
use fluxops::app::logs::{LogEvent, LogsAnswer, LogsRequest};
use fluxops::app::state::Screen;
use fluxops::app::{Action, Effect, Msg, State, update};
use fluxops::cluster::{ClusterEvent, Scope};
use fluxops::config::Config;
use fluxops::flux::controller_log::entry_for;
use fluxops::flux::{FluxKind, FluxObject, ResourceRef};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use support::console::{labels, now, render, synced_state};
use support::sim::{Cluster, shipped};

fn apps() -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps")
}

fn state() -> State {
    let object: FluxObject = serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 1},
        "spec": {"interval": "10m0s", "path": "./apps", "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True",
                   "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:1d2c3b4a"}]}
    }))
    .unwrap();
    let mut state = synced_state(vec![object]);
    update(&mut state, Msg::Tick(now()));
    update(&mut state, Msg::Action(Action::ShowTree));
    state.reveal(&apps());
    state
}

const POD: &str = "kustomize-controller-5c8878fd86-czxnm";

fn line(level: &str, ts: &str, msg: &str, extra: &str) -> String {
    format!(
        r#"{{"level":"{level}","ts":"{ts}","msg":{},"controller":"kustomization","controllerGroup":"kustomize.toolkit.fluxcd.io","controllerKind":"Kustomization","Kustomization":{{"name":"apps","namespace":"flux-system"}},"namespace":"flux-system","name":"apps","reconcileID":"c0f7d51b"{extra}}}"#,
        serde_json::to_string(msg).unwrap()
    )
}

fn answer(state: &mut State, id: u64, event: LogEvent) {
    update(state, Msg::ControllerLog(LogsAnswer { id, event }));
}

fn feed(state: &mut State, id: u64, raw: &str) {
    let entry = entry_for(raw, &apps(), POD).expect("the line names apps");
    answer(state, id, LogEvent::Line(entry));
}

/// Opens the log tab on `apps`; the stream's id.
fn open_logs(state: &mut State) -> u64 {
    let effects = update(state, Msg::Action(Action::ShowLogs));
    let [Effect::FollowLogs(LogsRequest { id, target })] = effects.as_slice() else {
        panic!("one stream effect: {effects:?}");
    };
    assert_eq!(*target, apps());
    assert_eq!(state.screen, Screen::Inspect);
    *id
}

fn screen(state: &mut State, w: u16, h: u16) -> String {
    render(state, w, h).backend().to_string()
}

fn fill(state: &mut State, id: u64) {
    answer(state, id, LogEvent::Started(vec![POD.to_owned()]));
    feed(
        state,
        id,
        &line(
            "info",
            "2026-11-24T03:29:01.112Z",
            "server-side apply completed",
            r#","output":{"Deployment/apps/podinfo":"configured"},"revision":"main@sha1:1d2c3b4a""#,
        ),
    );
    feed(
        state,
        id,
        &line(
            "error",
            "2026-11-24T03:29:02.480Z",
            "Reconciliation failed after 1.368s, next try in 1m0s",
            r#","revision":"main@sha1:1d2c3b4a","error":"Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: field is immutable""#,
        ),
    );
    feed(
        state,
        id,
        &line(
            "info",
            "2026-11-24T03:29:40.003Z",
            "Dependencies do not meet ready condition, retrying in 30s",
            "",
        ),
    );
}

#[test]
fn the_log_tab_draws_the_objects_lines_at_80x24_and_160x48() {
    let mut state = state();
    let id = open_logs(&mut state);
    fill(&mut state, id);
    insta::assert_snapshot!(screen(&mut state, 80, 24));
    insta::assert_snapshot!(screen(&mut state, 160, 48));
}

#[test]
fn new_lines_follow_scrolling_up_pauses_and_f_follows_again() {
    let mut state = state();
    let id = open_logs(&mut state);
    fill(&mut state, id);
    for i in 0..40 {
        feed(
            &mut state,
            id,
            &line(
                "info",
                "2026-11-24T03:29:50.000Z",
                &format!("reconcile {i}"),
                "",
            ),
        );
    }
    let shown = screen(&mut state, 80, 24);
    assert!(
        shown.contains("reconcile 39"),
        "following shows the newest:\n{shown}"
    );
    assert!(shown.contains("following"), "{shown}");
    update(&mut state, Msg::Action(Action::PageUp));
    update(&mut state, Msg::Action(Action::PageUp));
    feed(
        &mut state,
        id,
        &line(
            "info",
            "2026-11-24T03:29:59.000Z",
            "newest while paused",
            "",
        ),
    );
    let paused = screen(&mut state, 80, 24);
    assert!(!paused.contains("newest while paused"), "{paused}");
    assert!(paused.contains("paused"), "{paused}");
    update(&mut state, Msg::Action(Action::ToggleFollow));
    let again = screen(&mut state, 80, 24);
    assert!(again.contains("newest while paused"), "{again}");

    // Wrap off: the long error line takes one row, cut with an ellipsis.
    update(&mut state, Msg::Action(Action::ToggleWrap));
    let cut = screen(&mut state, 80, 24);
    assert!(cut.contains("wrap off"), "{cut}");

    // `L` on the running stream keeps it; after the stream said it ended, `L` reads again.
    assert_eq!(update(&mut state, Msg::Action(Action::ShowLogs)), vec![]);
    answer(
        &mut state,
        id,
        LogEvent::Problem("the log streams ended".into()),
    );
    let again = update(&mut state, Msg::Action(Action::ShowLogs));
    let [Effect::FollowLogs(LogsRequest { id: new_id, .. })] = again.as_slice() else {
        panic!("a new stream: {again:?}");
    };
    assert!(*new_id > id);
    let id = *new_id;
    feed(
        &mut state,
        id,
        &line("info", "2026-11-24T03:30:00.000Z", "after the restart", ""),
    );

    // An older stream's answer is dropped.
    let before = state.inspect.logs.lines.len();
    answer(&mut state, id + 100, LogEvent::Problem("stale".into()));
    assert_eq!(state.inspect.logs.lines.len(), before);
    assert!(state.inspect.logs.problem.is_none());

    // Leaving the tab (another tab, another screen, closing) stops the stream.
    let effects = update(&mut state, Msg::Action(Action::ShowEvents));
    assert!(effects.contains(&Effect::StopLogs), "{effects:?}");
    open_logs(&mut state);
    let effects = update(&mut state, Msg::Action(Action::ShowTree));
    assert!(effects.contains(&Effect::StopLogs), "{effects:?}");
    open_logs(&mut state);
    let effects = update(&mut state, Msg::Action(Action::CloseInspect));
    assert_eq!(effects, vec![Effect::StopLogs]);
    assert!(!state.inspect.logs.streaming());
}

#[test]
fn a_hostile_log_line_is_drawn_sanitised() {
    let mut state = state();
    let id = open_logs(&mut state);
    answer(&mut state, id, LogEvent::Started(vec![POD.to_owned()]));
    feed(
        &mut state,
        id,
        &line(
            "error\\u001b[31m",
            "2026-11-24T03:29:02.480Z",
            "evil\u{1b}]0;pwned\u{7}title\u{1b}[2J\r\nforged 03:00 info all good",
            ",\"error\":\"bidi \\u202edesrever\\u202c end\\u0000\",\"revision\":\"x\\u009b31m\"",
        ),
    );
    let drawn = render(&mut state, 160, 48);
    let buffer = drawn.backend().buffer();
    for cell in buffer.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "a control or bidi character reached a cell: {:?}",
            cell.symbol()
        );
    }
    let text = drawn.backend().to_string();
    // The terminal sequences are gone (the OSC title with its payload), the text around them kept; the bidi
    // override is shown as a visible escape instead of reversing what follows.
    assert!(text.contains("eviltitle"), "{text}");
    assert!(!text.contains("pwned"), "{text}");
    assert!(text.contains("\\u{202E}desrever"), "{text}");
    // The forged second line is not a line of its own.
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start_matches('│').trim_start().starts_with("forged")),
        "{text}"
    );
}

/// The console's state from one listing of the cluster (real client), every kind synced.
async fn console(cluster: &Cluster) -> State {
    let listing = fluxops::cluster::list::list_all(&cluster.client, &Scope::All)
        .await
        .unwrap();
    let mut state = State::new(Config::builtin(), labels());
    for obj in listing.objects {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    for kind in FluxKind::ALL {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.preferred_version()),
            }),
        );
    }
    update(&mut state, Msg::Tick(now()));
    update(&mut state, Msg::Action(Action::ShowTree));
    state
}

fn failing_on_the_selector(o: &Value) -> bool {
    o.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c["type"] == "Ready"
                    && c["status"] == "False"
                    && c["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("field is immutable"))
            })
        })
}

/// Types `line` on the keyboard and presses enter; returns the effects of the enter (typing itself asks for
/// nothing).
fn command(state: &mut State, line: &str) -> Vec<Effect> {
    for c in line.chars() {
        let typed = update(
            state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        assert!(typed.is_empty(), "{typed:?}");
    }
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    )
}

/// Feeds the runner's answers to `state` until a trace's answer arrived (within 20 s).
async fn until_traced(state: &mut State, answers: &mut tokio::sync::mpsc::Receiver<Msg>) -> bool {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let msg = answers.recv().await.expect("the runner is alive");
            let done = matches!(msg, Msg::Traced(_));
            update(state, msg);
            if done {
                return;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_tab_follows_the_demo_controller_through_the_real_runner() {
    let cluster = shipped("demo", 60.0).await;
    cluster
        .wait(
            FluxKind::Kustomization,
            "flux-system",
            "apps",
            "failing on the immutable selector",
            failing_on_the_selector,
        )
        .await;
    let mut state = console(&cluster).await;
    state.reveal(&apps());
    // Through a read-only client (`--readonly`'s guard): the log view and the trace only read.
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&cluster.sim.kubeconfig_yaml()).unwrap(),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let readonly = fluxops::cluster::guard::client(config, true).unwrap();
    let (mut runner, mut answers) = EffectsRunner::new(Some(readonly));
    let effects = update(&mut state, Msg::Action(Action::ShowLogs));
    for e in effects {
        runner.run(e);
    }
    // The error lines of the failed applies, then new ones as the controller retries.
    let mut errors = 0;
    let mut seen_ts: Vec<String> = Vec::new();
    let started = tokio::time::timeout(Duration::from_secs(60), async {
        while errors < 3 {
            let msg = answers.recv().await.expect("the runner is alive");
            if let Msg::ControllerLog(LogsAnswer {
                event: LogEvent::Line(e),
                ..
            }) = &msg
            {
                if e.error
                    .as_deref()
                    .is_some_and(|x| x.contains("field is immutable"))
                {
                    errors += 1;
                    seen_ts.push(e.ts.clone());
                }
                assert!(e.pod.starts_with("kustomize-controller-"), "{}", e.pod);
            }
            if let Msg::ControllerLog(LogsAnswer {
                event: LogEvent::Problem(p),
                ..
            }) = &msg
            {
                panic!("the stream reported a problem: {p}");
            }
            update(&mut state, msg);
        }
    })
    .await;
    assert!(
        started.is_ok(),
        "three error lines about apps within a minute"
    );
    assert!(seen_ts.windows(2).all(|w| w[0] <= w[1]), "{seen_ts:?}");
    let shown = render(&mut state, 160, 48).backend().to_string();
    assert!(shown.contains("Reconciliation failed after"), "{shown}");
    assert!(shown.contains("field is immutable"), "{shown}");
    assert!(shown.contains("following"), "{shown}");

    // A line that arrives after the first ones is shown too (the stream is live): the count only grows.
    let count = state.inspect.logs.lines.len();
    let more = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let msg = answers.recv().await.expect("the runner is alive");
            update(&mut state, msg);
            if state.inspect.logs.lines.len() > count {
                return;
            }
        }
    })
    .await;
    assert!(more.is_ok(), "a new line about apps while the tab is open");

    // Closing ends the stream: its task is aborted, nothing more arrives.
    let effects = update(&mut state, Msg::Action(Action::CloseInspect));
    assert_eq!(effects, vec![Effect::StopLogs]);
    for e in effects {
        runner.run(e);
    }
    while let Ok(msg) = answers.try_recv() {
        update(&mut state, msg);
    }
    let late = tokio::time::timeout(Duration::from_secs(3), answers.recv()).await;
    assert!(
        !matches!(late, Ok(Some(Msg::ControllerLog(_)))),
        "no log line after the stream was stopped"
    );

    // The trace tab: the applier and the source of `apps` (Kustomization `flux-system`, GitRepository).
    update(&mut state, Msg::Action(Action::ShowTree));
    state.reveal(&apps());
    let effects = update(&mut state, Msg::Action(Action::ShowTrace));
    assert!(
        matches!(effects.as_slice(), [Effect::Trace(_)]),
        "{effects:?}"
    );
    for e in effects {
        runner.run(e);
    }
    let traced = until_traced(&mut state, &mut answers).await;
    assert!(traced, "the trace answers");
    let shown = render(&mut state, 160, 48).backend().to_string();
    assert!(shown.contains("Kustomization:  flux-system"), "{shown}");
    assert!(shown.contains("GitRepository:  flux-system"), "{shown}");
    assert!(shown.contains("Managed by Flux"), "{shown}");

    // A workload, named on the command line: `:trace deployment/apps/podinfo` resolves the kind by discovery
    // and walks Deployment → Kustomization apps → GitRepository, the screen showing that trace only.
    update(&mut state, Msg::Action(Action::CloseInspect));
    let effects = command(&mut state, ":trace deployment/apps/podinfo");
    assert!(
        matches!(effects.as_slice(), [Effect::Trace(_)]),
        "{effects:?}"
    );
    assert_eq!(state.screen, Screen::Inspect);
    assert_eq!(
        state.inspect.target, None,
        "not one of the console's objects"
    );
    for e in effects {
        runner.run(e);
    }
    let traced = until_traced(&mut state, &mut answers).await;
    assert!(traced, "the workload's trace answers");
    let shown = render(&mut state, 160, 48).backend().to_string();
    assert!(
        shown.contains("trace of deployment/apps/podinfo"),
        "{shown}"
    );
    assert!(
        shown.contains("Object:         Deployment/podinfo"),
        "{shown}"
    );
    assert!(shown.contains("Kustomization:  apps"), "{shown}");
    assert!(shown.contains("GitRepository:  flux-system"), "{shown}");
    // The footer offers what works here: no tabs of a Flux object.
    assert!(shown.contains("esc back"), "{shown}");
    assert!(!shown.contains("Y yaml"), "{shown}");
    // esc goes back to the screen it came from.
    update(&mut state, Msg::Action(Action::CloseInspect));
    assert_eq!(state.screen, Screen::Tree);

    // A name the cluster does not have: said on the screen, nothing else happens.
    let effects = command(&mut state, ":trace deployment/apps/nope");
    for e in effects {
        runner.run(e);
    }
    let traced = until_traced(&mut state, &mut answers).await;
    assert!(traced);
    let shown = render(&mut state, 160, 48).backend().to_string();
    assert!(
        shown.contains(
            "cannot trace deployment/apps/nope: Deployment 'nope' not found in namespace 'apps'"
        ),
        "{shown}"
    );
}
