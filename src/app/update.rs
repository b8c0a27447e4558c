//! `update(&mut State, Msg) -> Vec<Effect>`: the only code that changes `State`. Pure: no I/O, no clock, no
//! channels; unit-tested in `tests/app_update.rs`.

use super::action::Action;
use super::effect::Effect;
use super::msg::Msg;
use super::navigator::Source;
use super::state::{Focus, KindState, Screen, State};
use super::text_field::{self, FILTER_MAX_CHARS};
use super::topology::Topology;
use crate::cluster::{ClusterEvent, KindProblem};
use crate::config::{Key, Mode, Resolution};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::str::FromStr;

/// Applies one message.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    state.revision = state.revision.wrapping_add(1);
    let effects = match msg {
        Msg::Key(key) => with_fresh_tree(state, |s| on_key(s, &key)),
        Msg::Paste(text) => with_fresh_tree(state, |s| on_paste(s, &text)),
        Msg::Action(action) => with_fresh_tree(state, |s| on_action(s, action)),
        Msg::Cluster(ev) => {
            let changed = match &ev {
                ClusterEvent::Upserted(o) => o.resource_ref(),
                ClusterEvent::Deleted(r) => Some(r.clone()),
                _ => None,
            };
            on_cluster(state, ev);
            super::walker::on_cluster(state, changed.as_ref())
        }
        Msg::Tick(now) => {
            state.now = Some(now);
            state.dag.tick();
            state.timings.tick(now);
            state.dirty = true;
            super::problems::maybe_open(state);
            super::walker::on_tick(state)
        }
        Msg::Resize { width, height } => {
            state.page_rows = usize::from(height.saturating_sub(8)).max(1);
            state.height = height;
            state.width = width;
            state.dirty = true;
            Vec::new()
        }
        Msg::Inspected(answer) => {
            super::inspect::on_answer(state, answer);
            Vec::new()
        }
        Msg::ControllerLog(answer) => {
            super::logs::on_answer(state, answer);
            Vec::new()
        }
        Msg::Traced(answer) => {
            super::inspect::on_trace(state, answer);
            Vec::new()
        }
        Msg::ActionMenu(target, entries) => {
            super::actions::on_menu(state, &target, entries);
            Vec::new()
        }
        Msg::Prepared(answer) => {
            super::confirm::on_prepared(state, answer);
            Vec::new()
        }
        Msg::BulkPrepared(answers) => {
            super::confirm::on_bulk(state, answers);
            Vec::new()
        }
        Msg::Execution(status) => {
            let effects = super::walker::on_execution(state, &status);
            super::jobs::on_status(state, status);
            effects
        }
        Msg::ActionFailed(why) => {
            state.input_note = Some(format!("action: {}", crate::text::sanitize_line(&why)));
            state.dirty = true;
            Vec::new()
        }
        Msg::Files(answer) => super::runbooks::on_answer(state, answer),
        Msg::Clipboard(answer) => super::copy::on_answer(state, answer),
    };
    // Cluster events only mark the tree stale: a burst of them costs one rebuild, at the next key or frame.
    let mut effects = effects;
    // A log stream never outlives its tab, whichever key left it.
    effects.extend(super::logs::stop_if_hidden(state));
    effects
}

/// Runs a user input on an up-to-date tree; a new selection starts the detail pane at its top.
fn with_fresh_tree(state: &mut State, f: impl FnOnce(&mut State) -> Vec<Effect>) -> Vec<Effect> {
    refresh(state);
    let before = state.selected().cloned();
    let mut effects = f(state);
    super::walker::after_input(state, &mut effects);
    refresh(state);
    if state.selected() != before.as_ref() {
        state.detail_scroll = 0;
    }
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
    if state.screen == Screen::Dag {
        state.dag.sync_marks(&state.timings);
        state.dag.refresh(&state.graph);
    }
}

fn on_key(state: &mut State, key: &KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    state.problems.touched = true;
    let mode = state.mode();
    state.input_note = None;
    state.pending_keys.push(Key::from_event(key));
    match state.keymap.resolve(mode, &state.pending_keys) {
        Resolution::Action(action) => {
            state.pending_keys.clear();
            on_action(state, action)
        }
        Resolution::Pending => Vec::new(),
        Resolution::Unbound => {
            let abandoned_sequence = state.pending_keys.len() > 1;
            state.pending_keys.clear();
            if abandoned_sequence {
                // `g` then `j`: the sequence is off, but `j` still means what it means alone.
                return on_key(state, key);
            }
            if mode == Mode::Filter {
                type_into_filter(state, key);
            }
            if mode == Mode::Form
                && let Some(c) = typed_char(key)
            {
                type_into_form(state, &c.to_string(), false);
            }
            if matches!(mode, Mode::Command | Mode::Finder)
                && let Some(c) = typed_char(key)
            {
                super::prompt::type_text(state, &c.to_string(), false);
            }
            Vec::new()
        }
    }
}

/// The character a plain key types, if any.
fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !c.is_control() =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Text for the action form's field, or the confirm view's typed name.
fn type_into_form(state: &mut State, text: &str, pasted: bool) {
    state.dirty = true;
    if state.actions.form.is_some() {
        super::actions::type_into_form(state, text, pasted);
    } else if state.actions.confirm.is_some() {
        super::confirm::type_name(state, text, pasted);
    } else if state.runbooks.start.is_some() && state.screen == Screen::Runbooks {
        super::runbooks::type_into_form(state, text, pasted);
    } else if super::walker_keys::typing(state) {
        super::walker_keys::type_answer(state, text, pasted);
    }
}

fn type_into_filter(state: &mut State, key: &KeyEvent) {
    if state.screen == Screen::Runbooks {
        if let Some(c) = typed_char(key) {
            super::runbooks::type_into_filter(state, c);
        }
        return;
    }
    if let KeyCode::Char(c) = key.code
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && !c.is_control()
    {
        let mut text = state.navigator.filter.clone();
        state.input_note = text_field::type_char(&mut text, c, FILTER_MAX_CHARS, "the filter");
        if state.input_note.is_none() {
            state.navigator.set_filter(text);
        }
        state.dirty = true;
    }
}

/// A paste is text for the field that has the keyboard (the filter), never keys; elsewhere it is ignored.
fn on_paste(state: &mut State, pasted: &str) -> Vec<Effect> {
    state.pending_keys.clear();
    state.dirty = true;
    if state.mode() == Mode::Form {
        type_into_form(state, pasted, true);
        return Vec::new();
    }
    if matches!(state.mode(), Mode::Command | Mode::Finder) {
        super::prompt::type_text(state, pasted, true);
        return Vec::new();
    }
    if state.mode() != Mode::Filter {
        state.input_note = Some("paste ignored: no text field has the keyboard".to_owned());
        return Vec::new();
    }
    let mut text = state.navigator.filter.clone();
    state.input_note = text_field::paste(&mut text, pasted, FILTER_MAX_CHARS, "the filter");
    state.navigator.set_filter(text);
    Vec::new()
}

/// Performs a user intent.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    state.dirty = true;
    state.problems.touched = true;
    if let Some(effects) = on_action_popup(state, action) {
        return effects;
    }
    if state.mode() == Mode::Timings && super::timings_view::on_action(state, action) {
        return Vec::new();
    }
    if state.mode() == Mode::Problems && super::problems::on_action(state, action) {
        return Vec::new();
    }
    if state.mode() == Mode::Inspect
        && let Some(effects) = super::inspect::on_action(state, action)
    {
        return effects;
    }
    // Keys act on the screen shown, never on a hidden one (the help scrolls on every screen).
    let hidden = match state.screen {
        Screen::Tree => false,
        Screen::Timings
        | Screen::Problems
        | Screen::Inspect
        | Screen::Jobs
        | Screen::Runbooks
        | Screen::Walk
        | Screen::Snapshots => super::switch::tree_only(action),
        Screen::Dag => super::switch::tree_only(action) || super::switch::not_on_dag(action),
    };
    if hidden && !(state.help_open && matches!(action, Action::ScrollDown | Action::ScrollUp)) {
        return Vec::new();
    }
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
        Action::ReloadKubeconfig => {
            state.link.reload = None;
            return vec![Effect::ReloadKubeconfig];
        }
        Action::Suspend => return vec![Effect::Suspend],
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
        Action::Expand => nav.expand(&src),
        Action::Collapse => nav.collapse(),
        Action::ToggleNode => nav.toggle(&src),
        Action::ExpandAll => nav.expand_all(&src),
        Action::CollapseAll => nav.collapse_all(),
        Action::SwitchView => nav.switch_view(&src),
        Action::JumpToRootCause => {
            // The shown screen's row: the tree's, or the timings list's (the jump lands in the tree).
            let from = match state.screen {
                Screen::Timings => state.timings_list.selected_ref(),
                _ => nav.selected_object(),
            };
            if let Some(cause) = from.and_then(|r| state.graph.root_cause(r)) {
                state.screen = Screen::Tree;
                nav.jump_to(&src, &cause);
                state.focus = Focus::Navigator;
                state.detail_scroll = 0;
            }
        }
        // The detail's enter: what its "Blocked by" line offers (the jump), else its "Next step" (the runbook
        // walked on the object, as `R` does); `app::detail_view` marks the line enter acts on.
        Action::FollowNextStep => {
            let cause =
                super::inspect::screen_selection(state).and_then(|r| state.graph.root_cause(&r));
            let Some(cause) = cause else {
                return super::runbooks::open_for_selection(state);
            };
            state.screen = Screen::Tree;
            state.navigator.jump_to(&src, &cause);
            state.focus = Focus::Navigator;
            state.detail_scroll = 0;
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
        Action::StartFilter => {
            // The filter narrows the tree and the timings list; other screens have none: type it in the tree.
            if matches!(
                state.screen,
                Screen::Dag
                    | Screen::Problems
                    | Screen::Inspect
                    | Screen::Jobs
                    | Screen::Walk
                    | Screen::Snapshots
            ) {
                state.screen = Screen::Tree;
            }
            nav.filter_editing = true;
        }
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
        Action::ShowTree => super::switch::show(state, Screen::Tree),
        Action::ShowTimings => super::switch::show(state, Screen::Timings),
        // Owned by the timings list (handled above when it has the keyboard).
        Action::CycleSort => {}
        Action::ShowDag => super::switch::show(state, Screen::Dag),
        Action::DagUp
        | Action::DagDown
        | Action::DagLeft
        | Action::DagRight
        | Action::DagNextAlternative
        | Action::DagToggleChain
        | Action::DagDeeper
        | Action::DagShallower
        | Action::DagFocusSelected => on_dag_action(state, action),
        // The DAG screen's selection (the timings list handles its own above when it has the keyboard).
        Action::RevealInTree => {
            if state.screen == Screen::Dag {
                on_dag_action(state, action);
            }
        }
        Action::ShowProblems => super::switch::show(state, Screen::Problems),
        Action::ShowYaml => return super::inspect::open(state, super::inspect::Tab::Yaml),
        Action::ShowEvents => return super::inspect::open(state, super::inspect::Tab::Events),
        Action::ShowInventory => {
            return super::inspect::open(state, super::inspect::Tab::Inventory);
        }
        Action::ShowLogs => return super::inspect::open(state, super::inspect::Tab::Logs),
        Action::ShowTrace => return super::inspect::open(state, super::inspect::Tab::Trace),
        Action::CloseInspect => return super::inspect::close(state),
        // The log tab's own (handled by the drill-down when it shows the log).
        Action::ToggleFollow | Action::ToggleWrap => {}
        Action::OpenActions => return super::actions::open_menu(state),
        Action::ToggleMark => super::marks::toggle(state),
        Action::MarkChain => super::marks::mark_chain(state),
        Action::ClearMarks => state.actions.marks.clear(),
        Action::ShowJobs => super::switch::show(state, Screen::Jobs),
        Action::ShowRunbooks => return super::runbooks::show(state),
        Action::OpenRunbook => return super::runbooks::open_for_selection(state),
        Action::ShowSnapshots => return super::snapshots::show(state),
        Action::ShowFleet => return vec![Effect::ShowFleet],
        // The popups' and the Jobs screen's own (handled above when they have the keyboard).
        Action::ChooseAction
        | Action::CloseActions
        | Action::Confirm
        | Action::CancelConfirm
        | Action::BreakGlass
        | Action::FormSubmit
        | Action::FormCancel
        | Action::FormDeleteChar
        | Action::FormNextField
        | Action::FormPrevField
        | Action::RollbackExecution
        | Action::CancelExecution
        | Action::RunbookStart
        | Action::WalkGo
        | Action::WalkDecline
        | Action::WalkRetry
        | Action::WalkFailStep
        | Action::WalkPause
        | Action::WalkAbort
        | Action::WalkExport
        | Action::SnapshotShow
        | Action::SnapshotDiff
        | Action::SnapshotCreate
        | Action::SnapshotCreateWithInventory
        | Action::SnapshotRestore => {}
        Action::OpenCommand => {
            state.help_open = false;
            super::prompt::open(state, super::prompt::PromptKind::Command, "");
        }
        Action::OpenFinder => {
            state.help_open = false;
            super::prompt::open(state, super::prompt::PromptKind::Finder, "");
        }
        Action::OpenCopy => {
            state.help_open = false;
            super::copy::open(state);
        }
        // The prompts' and the copy menu's own (handled above while they are open).
        Action::PromptSubmit
        | Action::PromptCancel
        | Action::PromptDeleteChar
        | Action::PromptComplete
        | Action::PromptNext
        | Action::PromptPrev
        | Action::CopySelected
        | Action::CopyReference
        | Action::CopyMessage
        | Action::CopyCommand
        | Action::CopyKubectl
        | Action::CopyYaml
        | Action::CloseCopy => {}
    }
    Vec::new()
}

/// The action menu, the form, the confirm view and the Jobs screen take their keys first while they have the
/// keyboard; quitting and suspending always go through.
fn on_action_popup(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    if matches!(action, Action::Quit | Action::Suspend) {
        return None;
    }
    match state.mode() {
        Mode::Actions => super::actions::on_menu_action(state, action),
        Mode::Form if state.actions.form.is_some() => super::actions::on_form_action(state, action),
        Mode::Form | Mode::Confirm if state.actions.confirm.is_some() => {
            super::confirm::on_action(state, action)
        }
        Mode::Confirm => super::jobs::on_question(state, action),
        Mode::Jobs => super::jobs::on_action(state, action),
        Mode::Form if state.screen == Screen::Runbooks => {
            super::runbooks::on_form_action(state, action)
        }
        Mode::Form | Mode::Walker => super::walker_keys::on_action(state, action),
        Mode::Filter if state.screen == Screen::Runbooks => {
            super::runbooks::on_filter_action(state, action)
        }
        Mode::Runbooks => super::runbooks::on_action(state, action),
        Mode::Snapshots => super::snapshots::on_action(state, action),
        Mode::Command | Mode::Finder => super::prompt::on_action(state, action),
        Mode::Copy => super::copy::on_action(state, action),
        _ => None,
    }
}

/// The DAG screen's moves (see `app::dag`).
fn on_dag_action(state: &mut State, action: Action) {
    state.dag.refresh(&state.graph);
    let dag = &mut state.dag;
    match action {
        Action::DagUp => dag.move_vertical(true),
        Action::DagDown => dag.move_vertical(false),
        Action::DagLeft => dag.move_sideways(-1),
        Action::DagRight => dag.move_sideways(1),
        Action::DagNextAlternative => dag.next_alternative(),
        Action::DagToggleChain => dag.toggle_chain(&state.graph),
        Action::DagDeeper => dag.change_depth(true),
        Action::DagShallower => dag.change_depth(false),
        Action::DagFocusSelected => dag.focus_selected(),
        Action::RevealInTree => {
            if let Some(r) = dag.selected_ref().cloned() {
                state.screen = Screen::Tree;
                state.focus = Focus::Navigator;
                state.reveal(&r);
            }
            return;
        }
        _ => {}
    }
    state.dag.follow_selection(&state.graph);
    state.dag.refresh(&state.graph);
}

/// Scrolls the help or the detail pane by one line, never past (an upper bound of) its length.
fn scroll(state: &mut State, down: bool) {
    let limit = if state.help_open {
        Mode::ALL
            .iter()
            .map(|m| state.keymap.bindings(*m).len() + 2)
            .sum::<usize>()
    } else {
        detail_rows_bound(state)
    };
    let limit = u16::try_from(limit).unwrap_or(u16::MAX);
    let target = if state.help_open {
        &mut state.help_scroll
    } else {
        &mut state.detail_scroll
    };
    *target = if down {
        target.saturating_add(1).min(limit)
    } else {
        target.saturating_sub(1)
    };
}

/// A generous bound on the detail pane's wrapped rows for the selected object (assumes a 40-column pane).
fn detail_rows_bound(state: &State) -> usize {
    // The pane shows the current screen's selection.
    let Some(r) = super::inspect::screen_selection(state) else {
        return 0;
    };
    let r = &r;
    let wrapped = |text: &str| text.len() / 40 + 1;
    let object_rows = state.objects.get(r).map_or(0, |e| {
        let conditions: usize = e
            .object
            .status
            .conditions
            .iter()
            .map(|c| 1 + wrapped(&c.message))
            .sum();
        conditions + wrapped(&e.status.message) + e.status.message.lines().count()
    });
    let event_rows: usize = state
        .events
        .get(r)
        .map_or(0, |ring| ring.iter().map(|e| wrapped(&e.message)).sum());
    let waiting = if state.screen == Screen::Problems {
        state
            .graph
            .blast_radius(r)
            .len()
            .min(super::problems_view::WAITING_SHOWN)
            + 3
    } else {
        0
    };
    20 + object_rows + event_rows + waiting
}

fn on_cluster(state: &mut State, ev: ClusterEvent) {
    state.dirty = true;
    // A kind's listing settling can complete the first sync (the Problems screen's opening rule).
    let settles = matches!(
        ev,
        ClusterEvent::KindSynced { .. }
            | ClusterEvent::KindUnavailable { .. }
            | ClusterEvent::Degraded { .. }
    );
    match ev {
        ClusterEvent::Upserted(obj) => state.upsert(obj),
        ClusterEvent::Deleted(r) => state.remove(&r),
        ClusterEvent::Invalid { object, error } => state.mark_invalid(object, error),
        ClusterEvent::KindSynced { kind, api_version } => {
            state.kinds.insert(kind, KindState::Synced { api_version });
            state.graph.set_unreadable(kind, false);
        }
        ClusterEvent::KindUnavailable { kind, problem } => {
            // A reference into a kind that may not be read is unknown, not missing.
            state
                .graph
                .set_unreadable(kind, matches!(problem, KindProblem::Forbidden(_)));
            let since = match state.kinds.get(&kind) {
                Some(KindState::Unavailable { since, .. }) => *since,
                _ => state.now,
            };
            state
                .kinds
                .insert(kind, KindState::Unavailable { problem, since });
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
            state.graph.set_unreadable(kind, false);
        }
        ClusterEvent::CredentialsRejected(words) => state.link.credentials = Some(words),
        ClusterEvent::CredentialsAccepted => state.link.credentials = None,
        ClusterEvent::Reloaded(result) => state.link.reload = Some(result),
        ClusterEvent::Event(ev) => state.record_event(ev),
    }
    if settles {
        super::problems::maybe_open(state);
    }
}
