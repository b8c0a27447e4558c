//! What the walker screen draws: the steps with their states, the current step's prose, what the step waits
//! for now (a live check, a question, an action, a failed check with the branch the runbook offers) and the
//! walk's latest record; and the footer's keys for it. Every text is sanitised here.

use super::inspect_view::{InspectLine, Tone};
use super::runbooks_view::{LOG_LINES, StepRow, WalkerView, clock, line, pair, prose};
use super::state::State;
use super::walker::{WalkerState, now_ms};
use crate::runbook::model::Block;
use crate::runbook::walk::{Millis, Phase, StepState};
use crate::text::sanitize_line;

fn step_row(s: &crate::runbook::walk::StepProgress, current: bool, branch: bool) -> StepRow {
    let (glyph, tone) = match s.state {
        StepState::Passed => ("✓", Tone::Good),
        StepState::Running => ("▶", Tone::Progress),
        StepState::Failed => ("✗", Tone::Bad),
        StepState::Skipped => ("–", Tone::Dim),
        StepState::Pending => ("·", Tone::Dim),
    };
    StepRow {
        glyph,
        title: sanitize_line(&s.title).into_owned(),
        state: s.state.label(),
        tone,
        current,
        branch,
    }
}

/// The walker of `w`.
#[must_use]
pub fn build(state: &State, w: &WalkerState) -> WalkerView {
    let walk = &w.walk;
    let now = now_ms(state);
    let current = walk.cursor.map(|(s, _)| s);
    let steps: Vec<StepRow> = walk
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let branch = w.runbook.steps.get(i).is_some_and(|st| st.branch);
            step_row(s, current == Some(i) && !walk.done(), branch)
        })
        .collect();
    let status = status(w);
    let mut header = vec![pair("target", walk.binding.target.to_string())];
    for (k, v) in &walk.binding.inputs {
        header.push(pair(&format!("{k}:"), sanitize_line(v).into_owned()));
    }
    header.push(pair(
        "by",
        sanitize_line(&format!("{} since {}", walk.operator, clock(walk.started))).into_owned(),
    ));
    let shown = current.unwrap_or(0);
    let current_title = match (current, w.runbook.steps.get(shown)) {
        (Some(i), Some(s)) => format!(
            "Step {}/{}: {}",
            i + 1,
            walk.steps.len(),
            sanitize_line(&s.title)
        ),
        _ => "Not started".to_owned(),
    };
    let mut body = now_lines(w, now);
    if let Some(s) = w.runbook.steps.get(shown).filter(|_| current.is_some()) {
        let p = prose(&s.prose);
        if !p.is_empty() {
            body.push(line(Tone::Text, String::new()));
            body.extend(p);
        }
        for b in &s.blocks {
            if let Block::Record(r) = b {
                let text = walk
                    .binding
                    .render(&r.text)
                    .unwrap_or_else(|_| r.text.source().to_owned());
                body.push(pair("record", sanitize_line(&text).into_owned()));
            }
        }
    }
    let log = walk
        .entries
        .iter()
        .rev()
        .take(LOG_LINES)
        .rev()
        .map(|e| {
            sanitize_line(&format!(
                "{} {}: {}",
                clock(e.at),
                e.kind,
                e.text.replace('\n', " ")
            ))
            .into_owned()
        })
        .collect();
    WalkerView {
        title: format!(
            " Runbook {} · {} ",
            sanitize_line(&walk.runbook),
            sanitize_line(&walk.title)
        ),
        status,
        header,
        steps,
        current: current_title,
        body,
        scroll: w.scroll,
        log,
    }
}

fn status(w: &WalkerState) -> (String, Tone) {
    if let Some(outcome) = &w.walk.outcome {
        let tone = if outcome.succeeded() {
            Tone::Good
        } else {
            Tone::Bad
        };
        return (
            sanitize_line(&crate::runbook::transcript::outcome_text(Some(outcome))).into_owned(),
            tone,
        );
    }
    if w.paused {
        return ("paused".to_owned(), Tone::Warning);
    }
    if w.held.is_some() {
        return ("check failed: your choice".to_owned(), Tone::Bad);
    }
    match &w.walk.phase {
        Some(Phase::Asking { .. }) => ("waiting for your answer".to_owned(), Tone::Warning),
        Some(Phase::Acting {
            execution: None, ..
        }) if w.awaiting_confirm => ("action: confirm view".to_owned(), Tone::Warning),
        Some(Phase::Acting {
            execution: None, ..
        }) => ("action not run".to_owned(), Tone::Warning),
        Some(Phase::Acting { .. }) => ("action running".to_owned(), Tone::Progress),
        Some(Phase::Checking { .. }) => ("checking (live)".to_owned(), Tone::Progress),
        None => ("walking".to_owned(), Tone::Progress),
    }
}

/// What the current step waits for, with the keys that answer it.
fn now_lines(w: &WalkerState, now: Millis) -> Vec<InspectLine> {
    let mut out = Vec::new();
    if let Some(note) = &w.note {
        out.push(line(Tone::Warning, sanitize_line(note).into_owned()));
    }
    if let Some(outcome) = &w.walk.outcome {
        let tone = if outcome.succeeded() {
            Tone::Good
        } else {
            Tone::Bad
        };
        out.push(line(
            tone,
            sanitize_line(&crate::runbook::transcript::outcome_text(Some(outcome))).into_owned(),
        ));
        // Why the step that sent it there failed.
        if !outcome.succeeded()
            && let Some(e) = w.walk.entries.iter().rev().find(|e| e.kind == "failed")
        {
            out.push(pair(
                &format!("{} failed:", e.step),
                sanitize_line(&e.text).into_owned(),
            ));
        }
        if !w.walk.git_changes.is_empty() {
            out.push(line(Tone::Label, "Git changes still to make:"));
            for c in &w.walk.git_changes {
                out.push(InspectLine {
                    pieces: vec![(Tone::Text, format!("- {}", sanitize_line(c)))],
                    hang: 2,
                });
            }
        }
        out.push(line(
            Tone::Dim,
            "w writes the transcript · 5 the runbook list",
        ));
        return out;
    }
    if w.paused {
        out.push(line(
            Tone::Warning,
            "Paused and saved: p resumes (here, or `fluxops runbook run` in a shell)",
        ));
        return out;
    }
    if let Some(h) = &w.held {
        out.push(pair("✗ check failed:", sanitize_line(&h.why).into_owned()));
        out.push(match &h.branch {
            Some((id, title)) => pair(
                "the runbook offers:",
                sanitize_line(&format!(
                    "'{title}' ({id}) — enter takes it · r checks again · X aborts"
                ))
                .into_owned(),
            ),
            None => pair(
                "no on-failure branch:",
                "enter fails the walk · r checks again · X aborts",
            ),
        });
        return out;
    }
    match &w.walk.phase {
        Some(Phase::Checking {
            check,
            deadline,
            last,
        }) => {
            out.push(pair(
                "check",
                sanitize_line(&format!("{} {}", check.condition, check.object)).into_owned(),
            ));
            let left = deadline.saturating_sub(now) / 1000;
            let seen = if last.is_empty() {
                "reading…"
            } else {
                last.as_str()
            };
            out.push(pair(
                "now",
                sanitize_line(&format!(
                    "{seen} (times out in {}m{:02}s)",
                    left / 60,
                    left % 60
                ))
                .into_owned(),
            ));
        }
        Some(Phase::Asking { prompt, answer }) => {
            out.push(pair("question", sanitize_line(prompt).into_owned()));
            out.push(match answer {
                Some(a) => pair(
                    "type",
                    sanitize_line(&format!("'{a}' then enter (esc declines): > {}▏", w.typed))
                        .into_owned(),
                ),
                None => line(Tone::Dim, "enter/y yes · n declines (the walk ends)"),
            });
        }
        Some(Phase::Acting { call, execution }) => {
            out.push(pair(
                "action",
                sanitize_line(&format!("{} on {}", call.action, call.target)).into_owned(),
            ));
            out.push(match (execution, &w.unconfirmed) {
                (Some(id), _) => pair(
                    "running",
                    sanitize_line(&format!("execution {id} (4: its steps and log)")).into_owned(),
                ),
                (None, Some(why)) => line(Tone::Warning, sanitize_line(why).into_owned()),
                (None, None) => line(
                    Tone::Dim,
                    "policy, dry-run and confirmation: the confirm view",
                ),
            });
        }
        None => {}
    }
    out
}

/// The walker's footer hints: the keys that answer what the walk waits for first.
#[must_use]
pub fn walker_hints(state: &State) -> &'static [(super::action::Action, &'static str)] {
    use super::action::Action as A;
    let Some(w) = &state.runbooks.walker else {
        return &[(A::ShowRunbooks, "runbooks"), (A::Quit, "quit")];
    };
    if w.walk.done() {
        return &[
            (A::WalkExport, "transcript"),
            (A::ShowRunbooks, "runbooks"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ];
    }
    if w.paused {
        return &[
            (A::WalkPause, "resume"),
            (A::WalkExport, "transcript"),
            (A::ShowRunbooks, "runbooks"),
            (A::Quit, "quit"),
        ];
    }
    if w.held.is_some() {
        return &[
            (A::WalkGo, "take the branch"),
            (A::WalkRetry, "check again"),
            (A::WalkAbort, "abort"),
            (A::WalkPause, "pause"),
            (A::Quit, "quit"),
        ];
    }
    match &w.walk.phase {
        Some(Phase::Asking { .. }) => &[
            (A::WalkGo, "yes"),
            (A::WalkDecline, "no"),
            (A::WalkPause, "pause"),
            (A::WalkExport, "transcript"),
            (A::Quit, "quit"),
        ],
        Some(Phase::Acting {
            execution: None, ..
        }) => &[
            (A::WalkGo, "prepare the action"),
            (A::WalkFailStep, "fail the step"),
            (A::WalkPause, "pause"),
            (A::Quit, "quit"),
        ],
        _ => &[
            (A::WalkPause, "pause"),
            (A::WalkExport, "transcript"),
            (A::WalkAbort, "abort"),
            (A::ShowRunbooks, "runbooks"),
            (A::ToggleHelp, "help"),
            (A::Quit, "quit"),
        ],
    }
}
