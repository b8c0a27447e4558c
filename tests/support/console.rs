//! The console fixture: the fleet file, a fixed clock, the fixture's events, a state loaded from them, and
//! driving a state: key actions, drawing it on a test terminal.

use fluxops::app::state::Screen;
use fluxops::app::{Action, Labels, Msg, State, update, view};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{EventType, FluxEvent, FluxKind, FluxObject, ResourceRef};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

use super::objects::r;

/// The fixed clock of every test.
pub fn now() -> Timestamp {
    "2026-11-24T03:30:00Z".parse().unwrap()
}

pub fn fleet() -> Vec<FluxObject> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/flux/console-fleet.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_multiple(&text).unwrap()
}

pub fn labels() -> Labels {
    Labels {
        context: "prod-eu-1".to_owned(),
        namespace: None,
    }
}

/// A state that has received `objects`, every kind synced (no tick yet): on the Problems screen when something
/// is wrong, else on the tree (the console's opening rule).
pub fn synced_state(objects: Vec<FluxObject>) -> State {
    let mut state = State::new(Config::builtin(), labels());
    for obj in objects {
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
                api_version: format!("{}/{}", kind.group(), kind.versions()[0]),
            }),
        );
    }
    state
}

/// A state that has received the whole fleet, every kind synced, the clock at `now()`, shown on the tree: the
/// console opened on the Problems screen (the fleet has failures), and `1` was pressed, as a user would.
pub fn loaded_state() -> State {
    let mut state = synced_state(fleet());
    assert_eq!(
        state.screen,
        Screen::Problems,
        "a failing fleet opens on Problems"
    );
    for ev in events() {
        update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    }
    update(&mut state, Msg::Tick(now()));
    on_tree(&mut state);
    state
}

/// Goes to the tree screen as a user would (`1`).
pub fn on_tree(state: &mut State) {
    act(state, &[Action::ShowTree]);
}

pub fn events() -> Vec<FluxEvent> {
    let ev =
        |involved: ResourceRef, type_, reason: &str, message: &str, last: &str, count| FluxEvent {
            involved,
            type_,
            reason: reason.to_owned(),
            message: message.to_owned(),
            last_seen: Some(last.to_owned()),
            first_seen: Some("2026-11-24T03:12:00Z".to_owned()),
            count,
            source: "kustomize-controller".to_owned(),
            uid: format!("flux-system/{reason}-{last}"),
        };
    vec![
        ev(
            r(FluxKind::Kustomization, "flux-system", "apps"),
            EventType::Normal,
            "DependencyNotReady",
            "Dependencies do not meet ready condition, retrying in 30s",
            "2026-11-24T03:29:40Z",
            17,
        ),
        ev(
            r(FluxKind::GitRepository, "flux-system", "podinfo"),
            EventType::Warning,
            "GitOperationFailed",
            "failed to checkout and determine revision: unable to clone 'https://github.com/stefanprodan/podinfo': couldn't find remote ref \"refs/heads/invalid\"",
            "2026-11-24T03:27:00Z",
            4,
        ),
    ]
}

/// Draws `state` on a `width`×`height` test terminal as the console would at `clock`.
pub fn render_at(
    state: &mut State,
    width: u16,
    height: u16,
    clock: Timestamp,
) -> Terminal<TestBackend> {
    update(state, Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let view = view::build(state, clock);
    terminal.draw(|f| fluxops::ui::draw(f, &view)).unwrap();
    terminal
}

/// Draws `state` at the fixed clock `now()`.
pub fn render(state: &mut State, width: u16, height: u16) -> Terminal<TestBackend> {
    render_at(state, width, height, now())
}

/// Sends each key action to `update`, in order.
pub fn act(state: &mut State, actions: &[Action]) {
    for a in actions {
        update(state, Msg::Action(*a));
    }
}
