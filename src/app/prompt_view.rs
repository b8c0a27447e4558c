//! View models of the command line, the finder (`app::prompt`) and the copy menu (`app::copy`): sanitised
//! text, at most what fits, the highlighted row marked.

use super::prompt::PromptKind;
use super::state::State;
use crate::config::Mode;
use crate::flux::Health;
use crate::text::{sanitize_line, sanitize_name};

/// Rows of candidates or matches shown at most.
pub const PROMPT_ROWS: usize = 10;

/// The open prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptView {
    /// `:` or `find `.
    pub prefix: &'static str,
    /// What was typed (sanitised).
    pub text: String,
    /// The box's title (`commands`, `12 of 80 objects`).
    pub title: String,
    /// The window of candidates or matches.
    pub rows: Vec<PromptRow>,
    /// Index in `rows` of the highlighted one.
    pub highlighted: Option<usize>,
}

/// One candidate (command line) or match (finder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptRow {
    /// The object's health (finder rows; `Some(None)`: an object that could not be parsed).
    pub health: Option<Option<Health>>,
    pub text: String,
    pub help: String,
}

/// The open copy menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenuView {
    pub title: String,
    /// (key, label, preview, available)
    pub entries: Vec<(String, String, String, bool)>,
    pub highlighted: usize,
}

/// The prompt's view, when one is open.
#[must_use]
pub fn build(state: &State) -> Option<PromptView> {
    let kind = state.prompt.open?;
    let p = &state.prompt;
    let (rows, total, title): (Vec<PromptRow>, usize, String) = match kind {
        PromptKind::Command => {
            let list = super::prompt::candidates(state);
            let total = list.len();
            let rows = list
                .into_iter()
                .map(|c| PromptRow {
                    health: None,
                    text: format!(":{}", sanitize_line(&c.line)),
                    help: c.help,
                })
                .collect();
            let title = if total == 0 {
                "no completion (enter runs the line)".to_owned()
            } else {
                format!("{total} completion{}", if total == 1 { "" } else { "s" })
            };
            (rows, total, title)
        }
        PromptKind::Finder => {
            let rows = p
                .matches
                .iter()
                .map(|r| PromptRow {
                    health: Some(state.objects.get(r).map(|e| e.status.health)),
                    text: format!(
                        "{} {}/{}",
                        r.kind.abbrev(),
                        sanitize_name(&r.namespace),
                        sanitize_name(&r.name)
                    ),
                    help: r.kind.as_str().to_owned(),
                })
                .collect::<Vec<_>>();
            let all = state.objects.len() + state.invalid.len();
            let shown = rows.len();
            let more = if shown == super::prompt::FINDER_MATCHES {
                "+"
            } else {
                ""
            };
            (rows, shown, format!("{shown}{more} of {all} objects"))
        }
    };
    // The window that shows the highlighted row.
    let first = p
        .highlighted
        .saturating_sub(PROMPT_ROWS.saturating_sub(1))
        .min(total.saturating_sub(PROMPT_ROWS));
    let rows: Vec<PromptRow> = rows.into_iter().skip(first).take(PROMPT_ROWS).collect();
    let highlighted = (!rows.is_empty()).then(|| p.highlighted - first);
    Some(PromptView {
        prefix: match kind {
            PromptKind::Command => ":",
            PromptKind::Finder => "find ",
        },
        text: sanitize_line(&p.text).into_owned(),
        title,
        rows,
        highlighted,
    })
}

/// The copy menu's view, when it is open.
#[must_use]
pub fn copy_menu(state: &State) -> Option<CopyMenuView> {
    let r = state.copy.target.as_ref()?;
    let entries = super::copy::entries(state, r)
        .into_iter()
        .map(|e| {
            let key = state
                .keymap
                .key_for(Mode::Copy, e.action)
                .map(|k| sanitize_line(&k).into_owned())
                .unwrap_or_default();
            let preview = match e.unavailable {
                Some(why) => format!("({why})"),
                None => e.preview,
            };
            (key, e.label.to_owned(), preview, e.unavailable.is_none())
        })
        .collect();
    Some(CopyMenuView {
        title: format!("copy {}", super::copy::reference(r)),
        entries,
        highlighted: state.copy.highlighted,
    })
}
