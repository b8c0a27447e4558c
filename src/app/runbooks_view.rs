//! What the runbook screens draw: the list (id, title, failure classes, the walk in progress), the selected
//! runbook's summary and steps, the start form; and the walker (steps with their states, the current step's
//! prose, what it waits for now: a live check, a question, an action, a failed check with the branch the
//! runbook offers; the walk's latest record). Every text from a runbook file, the cluster or a walk file is
//! sanitised here.

use super::inspect_view::{InspectLine, Tone};
use super::state::{Screen, State};
use crate::runbook::walk::Millis;
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;

/// Record lines the walker shows at most.
pub const LOG_LINES: usize = 6;

/// The runbook screen shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunbooksScreen {
    List(RunbookListView),
    Walk(WalkerView),
}

/// The runbook list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookListView {
    pub title: String,
    pub rows: Vec<RunbookRow>,
    /// Index among `rows`.
    pub selected: Option<usize>,
    /// The filter, when set or typed (`editing`).
    pub filter: Option<(String, bool)>,
    /// What `enter` does (the proposed target).
    pub target: String,
    /// The selected runbook: summary, inputs, steps.
    pub detail: Vec<InspectLine>,
    pub form: Option<StartFormView>,
    /// What the list says when nothing matches.
    pub empty: String,
}

/// One runbook in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookRow {
    pub id: String,
    pub title: String,
    pub classes: String,
    /// `paused on Kind/ns/name`, `walking …`.
    pub walk: Option<String>,
}

/// The start form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFormView {
    pub title: String,
    /// (name, help, value, focused).
    pub fields: Vec<(String, String, String, bool)>,
    pub error: Option<String>,
}

/// The walker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkerView {
    pub title: String,
    /// `walking`, `paused`, `waiting for you`, `succeeded` …
    pub status: (String, Tone),
    /// Target, inputs, operator and start.
    pub header: Vec<InspectLine>,
    pub steps: Vec<StepRow>,
    /// `Step 2/6: Accept the disruption`.
    pub current: String,
    /// What the step waits for now (first), then its prose.
    pub body: Vec<InspectLine>,
    pub scroll: u16,
    /// The latest record lines, oldest first.
    pub log: Vec<String>,
}

/// One step in the walker's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub glyph: &'static str,
    pub title: String,
    pub state: &'static str,
    pub tone: Tone,
    pub current: bool,
    pub branch: bool,
}

/// `HH:MM:SS` UTC of a walk time.
#[must_use]
pub fn clock(at: Millis) -> String {
    i64::try_from(at)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .map_or_else(|| "?".to_owned(), super::view::clock)
}

/// The runbook screen shown, if one is.
#[must_use]
pub fn build(state: &State, now: Timestamp) -> Option<RunbooksScreen> {
    let _ = now;
    match state.screen {
        Screen::Runbooks => Some(RunbooksScreen::List(list(state))),
        Screen::Walk => Some(match &state.runbooks.walker {
            Some(w) => RunbooksScreen::Walk(super::walker_view::build(state, w)),
            None => RunbooksScreen::List(list(state)),
        }),
        _ => None,
    }
}

pub(super) fn line(tone: Tone, text: impl Into<String>) -> InspectLine {
    InspectLine {
        pieces: vec![(tone, text.into())],
        hang: 0,
    }
}

pub(super) fn pair(label: &str, text: impl Into<String>) -> InspectLine {
    let label = format!("{label} ");
    let hang = label.chars().count();
    InspectLine {
        pieces: vec![(Tone::Label, label), (Tone::Text, text.into())],
        hang,
    }
}

fn list(state: &State) -> RunbookListView {
    let rb = &state.runbooks;
    let rows_all = super::runbooks::filtered(rb);
    let total = rb.library.as_ref().map_or(0, Vec::len);
    let rows: Vec<RunbookRow> = rows_all
        .iter()
        .map(|r| {
            let walk = rb
                .walks
                .iter()
                .find(|w| w.runbook == r.id && !w.done())
                .map(|w| format!("unfinished on {}", w.binding.target))
                .or_else(|| {
                    rb.walker
                        .as_ref()
                        .filter(|w| w.walk.runbook == r.id && !w.walk.done())
                        .map(|w| format!("walking {}", w.walk.binding.target))
                });
            RunbookRow {
                id: sanitize_line(&r.id).into_owned(),
                title: sanitize_line(&r.title).into_owned(),
                classes: if r.classes.is_empty() {
                    "any".to_owned()
                } else {
                    sanitize_line(&r.classes.join(", ")).into_owned()
                },
                walk: walk.map(|w| sanitize_line(&w).into_owned()),
            }
        })
        .collect();
    let selected = (!rows.is_empty()).then(|| rb.selected.min(rows.len() - 1));
    let detail = selected
        .and_then(|i| rows_all.get(i))
        .map(|r| runbook_detail(r))
        .unwrap_or_default();
    let target = match &rb.target {
        Some(t) => format!("enter walks it on {t}"),
        None => "enter walks it (no object selected: the form asks)".to_owned(),
    };
    let form = rb.start.as_ref().map(|f| StartFormView {
        title: format!(" Walk {} ", sanitize_line(&f.runbook)),
        fields: f
            .fields
            .iter()
            .enumerate()
            .map(|(i, (n, h, v))| {
                (
                    sanitize_line(n).into_owned(),
                    sanitize_line(h).into_owned(),
                    sanitize_line(v).into_owned(),
                    i == f.focused,
                )
            })
            .collect(),
        error: f.error.as_ref().map(|e| sanitize_line(e).into_owned()),
    });
    let filter = (rb.filter_editing || !rb.filter.is_empty())
        .then(|| (sanitize_line(&rb.filter).into_owned(), rb.filter_editing));
    RunbookListView {
        title: format!(" Runbooks ({} of {total}) ", rows.len()),
        rows,
        selected,
        filter,
        target: sanitize_line(&target).into_owned(),
        detail,
        form,
        empty: if total == 0 {
            "Loading the runbooks…".to_owned()
        } else {
            "No runbook matches the filter.".to_owned()
        },
    }
}

fn runbook_detail(r: &crate::runbook::Runbook) -> Vec<InspectLine> {
    let mut out = vec![line(Tone::Title, sanitize_line(&r.title).into_owned())];
    if !r.target_kinds.is_empty() {
        let kinds: Vec<&str> = r.target_kinds.iter().map(|k| k.as_str()).collect();
        out.push(pair("targets", kinds.join(", ")));
    }
    for i in &r.inputs {
        out.push(pair(
            "input",
            sanitize_line(&format!("{} ({}): {}", i.name, i.kind.name(), i.help)).into_owned(),
        ));
    }
    let summary = prose(&r.summary);
    if !summary.is_empty() {
        out.push(line(Tone::Text, String::new()));
        out.extend(summary);
    }
    out.push(line(Tone::Text, String::new()));
    out.push(line(Tone::Label, "Steps"));
    for (i, s) in r.steps.iter().enumerate() {
        let mark = if s.branch { "↳" } else { " " };
        out.push(line(
            if s.branch { Tone::Dim } else { Tone::Text },
            sanitize_line(&format!("{mark}{:>2}. {}", i + 1, s.title)).into_owned(),
        ));
    }
    out
}

/// Markdown prose as styled lines (`app::markdown_view`).
pub(super) fn prose(text: &str) -> Vec<InspectLine> {
    super::markdown_view::prose(text)
}
