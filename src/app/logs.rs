//! The controller-log tab of the drill-down (`L`): the lines of the Flux controller pods that name the inspected
//! object (`flux::controller_log`), followed live. Opening the tab returns [`Effect::FollowLogs`]; the runner's
//! stream answers with [`LogEvent`]s tagged with the request id (a late answer of an older stream is dropped);
//! leaving the tab or the drill-down returns [`Effect::StopLogs`], which ends the stream task.
//!
//! Follow: the view sticks to the newest line until the operator scrolls up (paused; `f` follows again). Wrap
//! (`w`): long lines wrap under their message, or are cut to one row each. At most [`MAX_LINES`] lines are kept.

use super::effect::Effect;
use super::state::{Screen, State};
use crate::flux::ResourceRef;
use crate::flux::controller_log::Entry;
use std::collections::VecDeque;

/// Lines kept for the object at most (the oldest go first).
pub const MAX_LINES: usize = 2000;

pub use crate::cluster::controller_logs::LogEvent;

/// One stream's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsAnswer {
    pub id: u64,
    pub event: LogEvent,
}

/// What to stream: the object's controller's pods, filtered to the object's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsRequest {
    pub id: u64,
    pub target: ResourceRef,
}

/// The log tab's state.
#[derive(Debug, Clone, Default)]
pub struct LogsState {
    /// The object streamed for, while a stream runs.
    pub target: Option<ResourceRef>,
    /// The request id of the running stream.
    pub id: u64,
    pub lines: VecDeque<Entry>,
    /// Lines dropped off the front (bounded memory).
    pub dropped: usize,
    pub pods: Vec<String>,
    pub problem: Option<String>,
    /// Sticks to the newest line.
    pub follow: bool,
    pub wrap: bool,
    next_id: u64,
}

impl LogsState {
    /// Whether a stream is running (or asked for).
    #[must_use]
    pub fn streaming(&self) -> bool {
        self.target.is_some()
    }
}

/// Starts streaming for `r` (a fresh tab: no lines, following, wrapping).
pub fn start(state: &mut State, r: ResourceRef) -> Vec<Effect> {
    let logs = &mut state.inspect.logs;
    // The same object's stream runs on; one that reported a problem (ended, no pods …) is read again.
    if logs.target.as_ref() == Some(&r) && logs.problem.is_none() {
        return Vec::new();
    }
    logs.next_id += 1;
    let id = logs.next_id;
    *logs = LogsState {
        target: Some(r.clone()),
        id,
        follow: true,
        wrap: true,
        next_id: id,
        ..LogsState::default()
    };
    vec![Effect::FollowLogs(LogsRequest { id, target: r })]
}

/// Ends the stream, if one runs.
pub fn stop(state: &mut State) -> Vec<Effect> {
    if state.inspect.logs.target.take().is_none() {
        return Vec::new();
    }
    vec![Effect::StopLogs]
}

/// The stream must not outlive its tab: stops it when the drill-down or its log tab is no longer shown.
pub fn stop_if_hidden(state: &mut State) -> Vec<Effect> {
    let shown = state.screen == Screen::Inspect && state.inspect.tab == super::inspect::Tab::Logs;
    if shown { Vec::new() } else { stop(state) }
}

/// Takes a stream's answer (dropped unless it is the running stream's).
pub fn on_answer(state: &mut State, answer: LogsAnswer) {
    let logs = &mut state.inspect.logs;
    if logs.target.is_none() || answer.id != logs.id {
        return;
    }
    match answer.event {
        LogEvent::Started(pods) => {
            logs.pods = pods;
            logs.problem = None;
        }
        LogEvent::Line(entry) => {
            logs.lines.push_back(entry);
            while logs.lines.len() > MAX_LINES {
                logs.lines.pop_front();
                logs.dropped += 1;
            }
        }
        LogEvent::Problem(why) => logs.problem = Some(why),
    }
    if logs.follow {
        state.inspect.scroll =
            u16::try_from(super::inspect_view::scroll_limit(state)).unwrap_or(u16::MAX);
    }
    state.dirty = true;
}

/// `f`: follow again (to the newest line) or pause.
pub fn toggle_follow(state: &mut State) {
    let logs = &mut state.inspect.logs;
    logs.follow = !logs.follow;
    if logs.follow {
        state.inspect.scroll =
            u16::try_from(super::inspect_view::scroll_limit(state)).unwrap_or(u16::MAX);
    }
    state.dirty = true;
}

/// `w`: wrap long lines or cut them.
pub fn toggle_wrap(state: &mut State) {
    state.inspect.logs.wrap = !state.inspect.logs.wrap;
    if state.inspect.logs.follow {
        state.inspect.scroll =
            u16::try_from(super::inspect_view::scroll_limit(state)).unwrap_or(u16::MAX);
    }
    state.dirty = true;
}
