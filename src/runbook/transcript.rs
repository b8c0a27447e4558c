//! A walk as a Markdown transcript for the incident record: the runbook, target, inputs, operator, start and
//! end times and outcome; a table of the steps with their states and times; every entry (checks, actions and
//! their output, decisions, records) under its step, timestamped; and the Git changes still to make. Every
//! text is sanitized (no control or escape sequence reaches a viewer) and table cells escape `|`.

use super::walk::{Millis, Outcome, Walk};
use std::fmt::Write;

/// RFC 3339 UTC to the second.
#[must_use]
pub fn time(at: Millis) -> String {
    i64::try_from(at)
        .ok()
        .and_then(|ms| k8s_openapi::jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(
            || at.to_string(),
            |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
}

fn clean(text: &str) -> String {
    crate::text::sanitize(text).into_owned()
}

fn cell(text: &str) -> String {
    clean(text).replace('|', "\\|")
}

/// The outcome in words.
#[must_use]
pub fn outcome_text(outcome: Option<&Outcome>) -> String {
    match outcome {
        None => "unfinished (resume with `fluxops runbook run`)".to_owned(),
        Some(Outcome::Succeeded) => "succeeded".to_owned(),
        Some(Outcome::Branched { step }) => format!("ended in branch '{}'", clean(step)),
        Some(Outcome::Failed { step, why }) => {
            format!("failed at '{}': {}", clean(step), clean(why))
        }
        Some(Outcome::Aborted { why }) => format!("aborted: {}", clean(why)),
        Some(Outcome::Stopped { step, why }) => {
            format!("stopped at '{}': {}", clean(step), clean(why))
        }
    }
}

/// The transcript of `walk`.
#[must_use]
pub fn render(walk: &Walk) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Runbook transcript: {} (`{}`)\n",
        clean(&walk.title),
        clean(&walk.runbook)
    );
    let _ = writeln!(
        out,
        "- Target: `{}`",
        clean(&walk.binding.target.to_string())
    );
    for (name, value) in &walk.binding.inputs {
        let _ = writeln!(out, "- Input `{}`: `{}`", clean(name), clean(value));
    }
    let _ = writeln!(out, "- Operator: {}", clean(&walk.operator));
    let _ = writeln!(out, "- Started: {}", time(walk.started));
    if let Some(end) = walk.finished {
        let _ = writeln!(out, "- Finished: {}", time(end));
    }
    let _ = writeln!(out, "- Outcome: {}\n", outcome_text(walk.outcome.as_ref()));
    out.push_str("## Steps\n\n| # | step | state | started | finished |\n|---|---|---|---|---|\n");
    for (i, step) in walk.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            i + 1,
            cell(&step.title),
            step.state.label(),
            step.started.map(time).unwrap_or_default(),
            step.finished.map(time).unwrap_or_default()
        );
    }
    out.push_str("\n## Log\n");
    let mut current = None;
    for entry in &walk.entries {
        if current != Some(entry.step.as_str()) {
            current = Some(entry.step.as_str());
            let title = walk
                .steps
                .iter()
                .find(|s| s.id == entry.step)
                .map_or(entry.step.as_str(), |s| s.title.as_str());
            let _ = writeln!(out, "\n### {}\n", clean(title));
        }
        let _ = writeln!(
            out,
            "- {} **{}**: {}",
            time(entry.at),
            clean(&entry.kind),
            clean(&entry.text).replace('\n', " ")
        );
    }
    out.push_str("\n## Git changes still to make\n\n");
    if walk.git_changes.is_empty() {
        out.push_str("None recorded.\n");
    }
    for change in &walk.git_changes {
        let _ = writeln!(out, "- {}", clean(change).replace('\n', "\n  "));
    }
    out
}
