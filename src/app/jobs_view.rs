//! What the Jobs screen draws: the executions newest first (phase, action, target, operator, age or duration)
//! and the selected one's steps, postconditions and log tail. Everything from the cluster (names, steps, log
//! lines) is sanitised here.

use super::inspect_view::{InspectLine, Tone};
use super::state::State;
use crate::execution::{ExecutionStatus, Phase};
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;
use std::str::FromStr;

/// The Jobs screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsView {
    pub title: String,
    /// The rows that fit, top to bottom.
    pub rows: Vec<JobRow>,
    /// Index among `rows` of the selected one.
    pub selected: Option<usize>,
    pub detail: Option<JobDetail>,
    /// The cancel question, when asked.
    pub question: Option<String>,
    /// What the screen says when there is no execution.
    pub empty: String,
}

/// One execution in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub phase: String,
    pub tone: Tone,
    pub action: String,
    pub target: String,
    pub operator: String,
    /// `12s` running, `took 1m` finished.
    pub time: String,
}

/// The selected execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDetail {
    pub title: String,
    /// Phase, Job, steps, postconditions.
    pub lines: Vec<InspectLine>,
    /// The log lines; the ui shows the last that fit when `log_from` is `None` (following the tail).
    pub log: Vec<String>,
    pub log_from: Option<usize>,
    /// Nothing more will come: the log is not "following".
    pub finished: bool,
}

/// The phase's word and tone.
#[must_use]
pub fn phase(p: &Phase) -> (String, Tone) {
    match p {
        Phase::Pending => ("pending".to_owned(), Tone::Progress),
        Phase::Running => ("running".to_owned(), Tone::Progress),
        Phase::Verifying => ("verifying".to_owned(), Tone::Progress),
        Phase::Succeeded => ("succeeded".to_owned(), Tone::Good),
        Phase::Failed { .. } => ("failed".to_owned(), Tone::Bad),
        Phase::Cancelled { .. } => ("cancelled".to_owned(), Tone::Warning),
        Phase::RolledBack => ("rolled back".to_owned(), Tone::Dim),
    }
}

/// `12s` since the start while running, `took 1m` once finished.
fn time(now: Timestamp, e: &ExecutionStatus) -> String {
    match e.finished.as_deref() {
        Some(end) => match (Timestamp::from_str(&e.started), Timestamp::from_str(end)) {
            (Ok(a), Ok(b)) => format!("took {}", super::view::age(b, &a.to_string())),
            _ => "finished".to_owned(),
        },
        None => super::view::age(now, &e.started),
    }
}

/// Builds the screen for a list of `rows` rows at most (`None`: all).
#[must_use]
pub fn build(state: &State, now: Timestamp) -> JobsView {
    let jobs = &state.jobs;
    let selected = jobs.selected_index();
    let rows = list_rows(state);
    let mut offset = 0;
    let window =
        crate::layout::scroll_window(&mut offset, selected, jobs.executions.len(), Some(rows));
    let running = jobs
        .executions
        .iter()
        .filter(|e| !e.phase.finished())
        .count();
    JobsView {
        title: format!(
            " Jobs ({} executions, {running} running) ",
            jobs.executions.len()
        ),
        selected: selected.and_then(|s| s.checked_sub(window.start)),
        rows: jobs.executions[window]
            .iter()
            .map(|e| {
                let (phase, tone) = phase(&e.phase);
                JobRow {
                    phase,
                    tone,
                    action: sanitize_line(&e.action).into_owned(),
                    target: sanitize_line(&e.target.to_string()).into_owned(),
                    operator: sanitize_line(&e.operator).into_owned(),
                    time: time(now, e),
                }
            })
            .collect(),
        detail: jobs.selected().map(|e| detail(e, jobs.log_from)),
        question: jobs.ask_cancel.as_ref().map(|id| {
            let key = |a| {
                state
                    .keymap
                    .key_for(crate::config::Mode::Confirm, a)
                    .unwrap_or_default()
            };
            format!(
                "Cancel execution {id}? {} yes · {} no",
                sanitize_line(&key(super::action::Action::Confirm)),
                sanitize_line(&key(super::action::Action::CancelConfirm))
            )
        }),
        empty: "No executions yet: `a` on an object opens its actions.".to_owned(),
    }
}

/// The list's rows on the current terminal (a conventional 80x24 when unknown).
fn list_rows(state: &State) -> usize {
    let (w, h) = match (state.width, state.height) {
        (0, _) | (_, 0) => (80, 24),
        size => size,
    };
    crate::layout::jobs_list_rows(w, h)
}

fn detail(e: &ExecutionStatus, log_from: Option<usize>) -> JobDetail {
    let (word, tone) = phase(&e.phase);
    let mut lines = vec![InspectLine {
        pieces: vec![
            (Tone::Label, "Phase  ".to_owned()),
            (tone, word),
            (
                Tone::Dim,
                format!("  started {}", sanitize_line(&e.started)),
            ),
        ],
        hang: 7,
    }];
    if let Phase::Failed { why } | Phase::Cancelled { why } = &e.phase {
        lines.push(InspectLine {
            pieces: vec![
                (Tone::Label, "Why    ".to_owned()),
                (tone, sanitize_line(why).into_owned()),
            ],
            hang: 7,
        });
    }
    if let Some(job) = &e.job {
        lines.push(InspectLine {
            pieces: vec![
                (Tone::Label, "Job    ".to_owned()),
                (Tone::Text, sanitize_line(job).into_owned()),
            ],
            hang: 7,
        });
    }
    for (i, s) in e.steps.iter().enumerate() {
        lines.push(InspectLine {
            pieces: vec![
                (Tone::Dim, format!("{:>3}. ", i + 1)),
                (Tone::Text, sanitize_line(s).into_owned()),
            ],
            hang: 5,
        });
    }
    for c in &e.postconditions {
        let (tone, mark) = if c.passed {
            (Tone::Good, "✓")
        } else {
            (Tone::Bad, "✗")
        };
        lines.push(InspectLine {
            pieces: vec![
                (tone, format!("  {mark} ")),
                (
                    Tone::Text,
                    format!("{}: {}", sanitize_line(&c.name), sanitize_line(&c.detail)),
                ),
            ],
            hang: 4,
        });
    }
    if e.rollback_available {
        lines.push(InspectLine {
            pieces: vec![(Tone::Warning, "rollback available (r)".to_owned())],
            hang: 0,
        });
    }
    JobDetail {
        title: format!(" {} · {} ", e.execution, sanitize_line(&e.action)),
        lines,
        log: e
            .log_tail
            .iter()
            .map(|l| sanitize_line(l).into_owned())
            .collect(),
        log_from,
        finished: e.phase.finished(),
    }
}
