//! `update(&mut State, Msg) -> Vec<Effect>`: the only code that changes `State`. Pure: no I/O, no clock, no
//! channels; unit-tested in `tests/app_update.rs`.

use super::action::Action;
use super::effect::Effect;
use super::msg::Msg;
use super::navigator::Source;
use super::state::{Focus, KindState, State};
use super::topology::Topology;
use crate::cluster::ClusterEvent;
use crate::config::{Key, Mode, Resolution};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::str::FromStr;

/// Applies one message.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let effects = match msg {
        Msg::Key(key) => {
            refresh(state);
            let effects = on_key(state, &key);
            refresh(state);
            effects
        }
        Msg::Action(action) => {
            refresh(state);
            let effects = on_action(state, action);
            refresh(state);
            effects
        }
        Msg::Cluster(ev) => {
            on_cluster(state, ev);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = Some(now);
            state.dirty = true;
            Vec::new()
        }
        Msg::Resize { height, .. } => {
            state.page_rows = usize::from(height.saturating_sub(8)).max(1);
            state.dirty = true;
            Vec::new()
        }
    };
    // Cluster events only mark the tree stale: a burst of them costs one rebuild, at the next key or frame.
    effects
}

/// Rebuilds the tree if the data or the open set changed (cheap when nothing changed).
pub fn refresh(state: &mut State) {
    let src = Source {
        topology: &state.graph,
        objects: &state.objects,
        invalid: &state.invalid,
    };
    state.navigator.refresh(&src);
}

fn on_key(state: &mut State, key: &KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let mode = state.mode();
    state.pending_keys.push(Key::from_event(key));
    match state.keymap.resolve(mode, &state.pending_keys) {
        Resolution::Action(action) => {
            state.pending_keys.clear();
            on_action(state, action)
        }
        Resolution::Pending => Vec::new(),
        Resolution::Unbound => {
            state.pending_keys.clear();
            if mode == Mode::Filter {
                type_into_filter(state, key);
            }
            Vec::new()
        }
    }
}

fn type_into_filter(state: &mut State, key: &KeyEvent) {
    if let KeyCode::Char(c) = key.code
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && !c.is_control()
    {
        let mut text = state.navigator.filter.clone();
        text.push(c);
        state.navigator.set_filter(text);
        state.dirty = true;
    }
}

/// Performs a user intent.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    state.dirty = true;
    let src = Source {
        topology: &state.graph,
        objects: &state.objects,
        invalid: &state.invalid,
    };
    let nav = &mut state.navigator;
    let page = isize::try_from(state.page_rows.max(1)).unwrap_or(10);
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::ToggleHelp => {
            state.help_open = !state.help_open;
            state.help_scroll = 0;
        }
        Action::CloseHelp => state.help_open = false,
        Action::MoveUp => nav.move_by(-1),
        Action::MoveDown => nav.move_by(1),
        Action::PageUp => nav.move_by(-page),
        Action::PageDown => nav.move_by(page),
        Action::SelectFirst => nav.select_first(),
        Action::SelectLast => nav.select_last(),
        Action::Expand => nav.expand(),
        Action::Collapse => nav.collapse(),
        Action::ToggleNode => nav.toggle(),
        Action::ExpandAll => nav.expand_all(&src),
        Action::CollapseAll => nav.collapse_all(),
        Action::SwitchView => nav.switch_view(&src),
        Action::JumpToRootCause => {
            let cause = nav.selected.last().and_then(|r| state.graph.root_cause(r));
            if let Some(cause) = cause {
                nav.jump_to(&src, &cause);
                state.focus = Focus::Navigator;
                state.detail_scroll = 0;
            }
        }
        Action::JumpBack => nav.jump_back(&src),
        Action::FocusDetail => {
            state.focus = Focus::Detail;
            state.detail_visible = true;
        }
        Action::FocusNavigator => state.focus = Focus::Navigator,
        Action::ToggleDetail => {
            state.detail_visible = !state.detail_visible;
            if !state.detail_visible {
                state.focus = Focus::Navigator;
            }
        }
        Action::ScrollDown | Action::ScrollUp => scroll(state, action == Action::ScrollDown),
        Action::StartFilter => nav.filter_editing = true,
        Action::ApplyFilter => nav.filter_editing = false,
        Action::CancelFilter => {
            nav.filter_editing = false;
            nav.set_filter(String::new());
        }
        Action::FilterDeleteChar => {
            let mut text = nav.filter.clone();
            text.pop();
            nav.set_filter(text);
        }
        Action::ClearFilter => nav.set_filter(String::new()),
        Action::DismissBanner => state.config_banner_dismissed = true,
    }
    Vec::new()
}

fn scroll(state: &mut State, down: bool) {
    let target = if state.help_open {
        &mut state.help_scroll
    } else {
        &mut state.detail_scroll
    };
    *target = if down {
        target.saturating_add(1)
    } else {
        target.saturating_sub(1)
    };
}

fn on_cluster(state: &mut State, ev: ClusterEvent) {
    state.dirty = true;
    match ev {
        ClusterEvent::Upserted(obj) => state.upsert(obj),
        ClusterEvent::Deleted(r) => state.remove(&r),
        ClusterEvent::Invalid { object, error } => {
            state.graph.remove(&object);
            state.objects.remove(&object);
            state.invalid.insert(object, error);
            state.navigator.mark_stale();
        }
        ClusterEvent::KindSynced { kind, api_version } => {
            state.kinds.insert(kind, KindState::Synced { api_version });
        }
        ClusterEvent::KindUnavailable { kind, problem } => {
            state.kinds.insert(kind, KindState::Unavailable(problem));
        }
        ClusterEvent::Degraded { kind, error, since } => {
            let since = k8s_openapi::jiff::Timestamp::from_str(&since)
                .ok()
                .or(state.now);
            // Keep the first failure time while the kind stays degraded.
            let since = match state.kinds.get(&kind) {
                Some(KindState::Degraded { since: Some(t), .. }) => Some(*t),
                _ => since,
            };
            state
                .kinds
                .insert(kind, KindState::Degraded { error, since });
        }
        ClusterEvent::Recovered(kind) => {
            let api_version = match state.kinds.get(&kind) {
                Some(KindState::Synced { api_version }) => api_version.clone(),
                _ => String::new(),
            };
            state.kinds.insert(kind, KindState::Synced { api_version });
        }
        ClusterEvent::Event(ev) => state.record_event(ev),
    }
}
