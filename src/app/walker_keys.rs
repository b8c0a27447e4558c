//! The walker screen's keys (`app::walker` is the walk itself): answers (yes, no, a typed answer), the held
//! check's choices (take the runbook's on-failure branch, check again), failing an action step that was not
//! run, pausing and resuming, aborting, scrolling, and writing the transcript.

use super::action::Action;
use super::effect::Effect;
use super::effects_files::FileEffect;
use super::state::State;
use super::walker::{drain, finish_action, now_ms, run_action};
use crate::runbook::Walk;
use crate::runbook::walk::{Entry, Msg as WalkMsg, Phase};
use std::sync::Arc;

/// Whether the walk waits for a typed answer (the form mode has the keyboard).
#[must_use]
pub fn typing(state: &State) -> bool {
    state.runbooks.walker.as_ref().is_some_and(|w| {
        !w.paused
            && matches!(
                &w.walk.phase,
                Some(Phase::Asking {
                    answer: Some(_),
                    ..
                })
            )
    })
}

/// Text typed or pasted into the typed answer.
pub fn type_answer(state: &mut State, text: &str, pasted: bool) {
    let Some(w) = state.runbooks.walker.as_mut() else {
        return;
    };
    let what = "the answer";
    let max = super::actions::FIELD_MAX_CHARS;
    state.input_note = if pasted {
        super::text_field::paste(&mut w.typed, text, max, what)
    } else {
        text.chars()
            .find_map(|c| super::text_field::type_char(&mut w.typed, c, max, what))
    };
}

fn note(state: &mut State, text: &str) {
    if let Some(w) = state.runbooks.walker.as_mut() {
        w.note = Some(text.to_owned());
    }
}

/// Pauses (saves, releases the lock; nothing is fed) or resumes (locks again and continues) the walk.
fn pause(state: &mut State) -> Vec<Effect> {
    let now = now_ms(state);
    let Some(w) = state.runbooks.walker.as_mut() else {
        return Vec::new();
    };
    if w.walk.done() {
        w.note = Some("the walk has ended".to_owned());
        return Vec::new();
    }
    if w.paused {
        return vec![Effect::Files(FileEffect::OpenWalk {
            runbook: w.walk.runbook.clone(),
            binding: w.walk.binding.clone(),
            discard: false,
        })];
    }
    w.paused = true;
    w.held = None;
    let step = w
        .walk
        .cursor
        .and_then(|(s, _)| w.walk.steps.get(s))
        .map(|s| s.id.clone())
        .unwrap_or_default();
    w.walk.entries.push(Entry {
        at: now,
        step,
        kind: "pause".to_owned(),
        text: format!("walk paused by {}", w.walk.operator),
    });
    state.input_note = Some(format!(
        "walk paused and saved: p here, R on {} or `fluxops runbook run {} --target {}` resumes it",
        w.walk.binding.target, w.walk.runbook, w.walk.binding.target
    ));
    vec![
        Effect::Files(FileEffect::SaveWalk(Box::new(w.walk.clone()))),
        Effect::Files(FileEffect::ReleaseWalk(w.walk.binding.target.clone())),
    ]
}

/// The transcript file's name: `<runbook>-<target key>-<started>.md`.
#[must_use]
pub fn transcript_name(walk: &Walk) -> String {
    format!(
        "{}-{}-{}.md",
        walk.runbook,
        crate::runbook::store::Store::key(&walk.binding.target),
        walk.started
    )
}

/// The walker screen's keys (and the typed answer's form keys); `None` for keys it does not own.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let now = now_ms(state);
    let page = u16::try_from(state.page_rows.max(1)).unwrap_or(10);
    let w = state.runbooks.walker.as_mut()?;
    w.note = None;
    let asking = match &w.walk.phase {
        Some(Phase::Asking { answer, .. }) if !w.paused => Some(answer.clone()),
        _ => None,
    };
    let runbook = Arc::clone(&w.runbook);
    let first = match action {
        Action::ScrollDown | Action::MoveDown => {
            w.scroll = w.scroll.saturating_add(1);
            return Some(Vec::new());
        }
        Action::ScrollUp | Action::MoveUp => {
            w.scroll = w.scroll.saturating_sub(1);
            return Some(Vec::new());
        }
        Action::PageDown => {
            w.scroll = w.scroll.saturating_add(page);
            return Some(Vec::new());
        }
        Action::PageUp => {
            w.scroll = w.scroll.saturating_sub(page);
            return Some(Vec::new());
        }
        Action::WalkPause => return Some(pause(state)),
        Action::WalkExport => {
            let name = transcript_name(&w.walk);
            let text = crate::runbook::transcript::render(&w.walk);
            return Some(vec![Effect::Files(FileEffect::WriteTranscript {
                name,
                text,
            })]);
        }
        _ if w.paused => {
            if matches!(
                action,
                Action::WalkGo
                    | Action::WalkDecline
                    | Action::WalkRetry
                    | Action::WalkFailStep
                    | Action::WalkAbort
            ) {
                w.note = Some("the walk is paused: p resumes it".to_owned());
                return Some(Vec::new());
            }
            return None;
        }
        Action::WalkAbort => {
            w.held = None;
            w.walk.update(
                &runbook,
                WalkMsg::Abort {
                    now,
                    why: format!("aborted by {}", w.walk.operator),
                },
            )
        }
        Action::FormSubmit => match asking {
            Some(Some(wanted)) if w.typed.trim() != wanted => {
                w.note = Some(format!(
                    "the answer does not match: type '{}'",
                    crate::text::sanitize_line(&wanted)
                ));
                return Some(Vec::new());
            }
            Some(_) => {
                let given = std::mem::take(&mut w.typed);
                w.walk.update(
                    &runbook,
                    WalkMsg::Answered {
                        now,
                        answer: Some(given),
                    },
                )
            }
            None => return Some(Vec::new()),
        },
        Action::FormCancel | Action::WalkDecline if asking.is_some() => {
            w.typed.clear();
            w.walk
                .update(&runbook, WalkMsg::Answered { now, answer: None })
        }
        Action::FormDeleteChar => {
            w.typed.pop();
            return Some(Vec::new());
        }
        Action::WalkGo => {
            if w.held.take().is_some() {
                // The check fails now: the walk takes the step's on-failure branch, or fails.
                w.walk.update(&runbook, WalkMsg::Tick { now })
            } else if let Some(Some(_)) = asking {
                w.note = Some("type the answer, then enter".to_owned());
                return Some(Vec::new());
            } else if asking.is_some() {
                w.walk.update(
                    &runbook,
                    WalkMsg::Answered {
                        now,
                        answer: Some("yes".to_owned()),
                    },
                )
            } else if let Some(Phase::Acting {
                call,
                execution: None,
            }) = w.walk.phase.clone()
                && !w.awaiting_confirm
            {
                let mut out = Vec::new();
                let more = run_action(state, call, &mut out);
                out.extend(drain(state, more));
                return Some(out);
            } else {
                let text = if w.walk.done() {
                    "the walk has ended: w writes its transcript"
                } else {
                    "nothing to answer: the step runs"
                };
                w.note = Some(text.to_owned());
                return Some(Vec::new());
            }
        }
        Action::WalkRetry => {
            if w.held.take().is_some() {
                super::walker::forget_reads(w);
                w.walk.retry(&runbook, now)
            } else {
                w.note = Some("no failed check to retry".to_owned());
                return Some(Vec::new());
            }
        }
        Action::WalkFailStep => {
            if w.held.take().is_some() {
                w.walk.update(&runbook, WalkMsg::Tick { now })
            } else if matches!(
                &w.walk.phase,
                Some(Phase::Acting {
                    execution: None,
                    ..
                })
            ) && !w.awaiting_confirm
            {
                let who = w.walk.operator.clone();
                let first = finish_action(
                    state,
                    now,
                    false,
                    format!("not run: failed by {who}"),
                    vec![],
                );
                return Some(drain(state, first));
            } else {
                note(
                    state,
                    "only a failed check or an action not run can be failed",
                );
                return Some(Vec::new());
            }
        }
        _ => return None,
    };
    Some(drain(state, first))
}
