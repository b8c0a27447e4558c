//! The Jobs screen's state (key `4`): every execution the console has heard of, newest first; the selected
//! one's steps, postconditions and log tail. An update replaces the whole status by execution id and keeps the
//! selection (by id, not by row). The log follows its tail unless scrolled up. `r` asks for the rollback of a
//! finished execution that offers one, `x` / `c` cancels a running one after a yes.

use super::action::Action;
use super::effect::Effect;
use super::state::State;
use crate::actions::ExecutionId;
use crate::execution::ExecutionStatus;

/// Finished executions kept at most (running ones are always kept).
pub const KEEP_FINISHED: usize = 500;

/// State of the Jobs screen.
#[derive(Debug, Clone, Default)]
pub struct JobsState {
    /// Newest first (by start time, then id).
    pub executions: Vec<ExecutionStatus>,
    pub selected: Option<ExecutionId>,
    /// First log line shown when scrolled up; `None`: follow the tail.
    pub log_from: Option<usize>,
    /// A cancel asked for, waiting for yes.
    pub ask_cancel: Option<ExecutionId>,
    /// Selected when its first status arrives (the execution just confirmed).
    pub expected: Option<ExecutionId>,
}

impl JobsState {
    /// Index of the selected execution (the newest, first, when none is chosen).
    #[must_use]
    pub fn selected_index(&self) -> Option<usize> {
        if self.executions.is_empty() {
            return None;
        }
        Some(
            self.selected
                .as_ref()
                .and_then(|id| self.executions.iter().position(|e| &e.execution == id))
                .unwrap_or(0),
        )
    }

    /// The selected execution.
    #[must_use]
    pub fn selected(&self) -> Option<&ExecutionStatus> {
        self.selected_index().and_then(|i| self.executions.get(i))
    }
}

/// Select `id` when it first shows up.
pub fn expect(state: &mut State, id: Option<ExecutionId>) {
    state.jobs.expected = id;
}

/// An execution's status: replaces the one with its id, or is added.
pub fn on_status(state: &mut State, status: ExecutionStatus) {
    let jobs = &mut state.jobs;
    let id = status.execution.clone();
    match jobs.executions.iter_mut().find(|e| e.execution == id) {
        Some(old) => *old = status,
        None => {
            jobs.executions.push(status);
            jobs.executions.sort_by(|a, b| {
                b.started
                    .cmp(&a.started)
                    .then_with(|| b.execution.to_string().cmp(&a.execution.to_string()))
            });
            prune(jobs);
        }
    }
    if jobs.expected.as_ref() == Some(&id) {
        jobs.expected = None;
        jobs.selected = Some(id);
        jobs.log_from = None;
    }
    // Nothing chosen: the newest is shown (the first row). A chosen one stays chosen, whatever arrives.
    state.dirty = true;
}

/// Drops the oldest finished executions beyond [`KEEP_FINISHED`] (never the selected one).
fn prune(jobs: &mut JobsState) {
    let finished = jobs
        .executions
        .iter()
        .filter(|e| e.phase.finished())
        .count();
    let mut extra = finished.saturating_sub(KEEP_FINISHED);
    let selected = jobs.selected.clone();
    let mut i = jobs.executions.len();
    while extra > 0 && i > 0 {
        i -= 1;
        let e = &jobs.executions[i];
        if e.phase.finished() && Some(&e.execution) != selected.as_ref() {
            jobs.executions.remove(i);
            extra -= 1;
        }
    }
}

/// The Jobs screen's keys; `None` for actions it does not own.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = state.page_rows.max(1);
    let jobs = &mut state.jobs;
    let len = jobs.executions.len();
    let at = jobs.selected_index();
    let select = |jobs: &mut JobsState, i: usize| {
        let id = jobs.executions.get(i).map(|e| e.execution.clone());
        if id != jobs.selected {
            jobs.log_from = None;
        }
        jobs.selected = id;
    };
    match action {
        Action::MoveUp => select(jobs, at.unwrap_or(0).saturating_sub(1)),
        Action::MoveDown => select(jobs, (at.unwrap_or(0) + 1).min(len.saturating_sub(1))),
        Action::PageUp | Action::PageDown | Action::SelectFirst | Action::SelectLast => {
            scroll_log(jobs, action, page);
        }
        Action::CancelExecution => match jobs.selected() {
            Some(e) if !e.phase.finished() => jobs.ask_cancel = Some(e.execution.clone()),
            Some(_) => state.input_note = Some("that execution has finished".to_owned()),
            None => {}
        },
        Action::RollbackExecution => return Some(rollback(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// Log scrolling: page up/down, home (the top), end (follow the tail again).
fn scroll_log(jobs: &mut JobsState, action: Action, page: usize) {
    let lines = jobs.selected().map_or(0, |e| e.log_tail.len());
    let bottom = lines.saturating_sub(page);
    let from = jobs.log_from.unwrap_or(bottom);
    jobs.log_from = match action {
        Action::PageUp => Some(from.saturating_sub(page)),
        Action::PageDown if from + page >= bottom => None,
        Action::PageDown => Some(from + page),
        Action::SelectFirst => Some(0),
        _ => None,
    };
}

fn rollback(state: &mut State) -> Vec<Effect> {
    let Some(e) = state.jobs.selected() else {
        return Vec::new();
    };
    let why_not = if !e.phase.finished() {
        Some("it is still running (cancel it first)")
    } else if !e.rollback_available {
        Some("it offers no rollback (nothing was captured, or no inverse action)")
    } else {
        None
    };
    if let Some(why) = why_not {
        state.input_note = Some(format!("no rollback for this execution: {why}"));
        return Vec::new();
    }
    let execution = e.execution.clone();
    super::confirm::wait_for_rollback(state);
    vec![Effect::Rollback { execution }]
}

/// The cancel question's answer (the confirm mode's keys while it is asked).
pub fn on_question(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let id = state.jobs.ask_cancel.clone()?;
    match action {
        Action::Confirm | Action::FormSubmit => {
            state.jobs.ask_cancel = None;
            Some(vec![Effect::Cancel { execution: id }])
        }
        Action::CancelConfirm | Action::FormCancel => {
            state.jobs.ask_cancel = None;
            Some(Vec::new())
        }
        _ => Some(Vec::new()),
    }
}
