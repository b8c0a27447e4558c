//! The walker: a pure state machine over a runbook's steps, the clock and cluster changes. [`Walk::update`]
//! takes a [`Msg`] (start, resume, an observation of the cluster, a tick, an action's start and end, an answer)
//! and returns [`Effect`]s as data (persist, say, observe, run or re-attach an action, ask, finished); the
//! caller performs them (the CLI in `launch::runbook`). The whole [`Walk`] serializes, so it is persisted after
//! every step and resumed after a crash.
//!
//! A step runs its blocks in order: `record` notes, `confirm` asks, `action` runs a catalog action, `check`
//! waits (re-evaluated on every observation, failed at its timeout). A step passes when its last block does
//! and goes to its `next` (else the next step of its path); a failed block sends it to its `on-failure` step,
//! else the walk fails. A step entered more than [`MAX_VISITS`] times ends the walk (a loop that never holds).

use super::bind::Binding;
use super::check::{self, Resolved, Verdict, World};
use super::model::{Block, Runbook};
use super::validate;
use crate::actions::TargetRef;
use serde::{Deserialize, Serialize};
use std::time::Duration;

mod blocks;

/// How often one step may be entered.
pub const MAX_VISITS: u32 = 3;

/// Milliseconds since the Unix epoch.
pub type Millis = u64;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Pending,
    Running,
    Passed,
    Failed,
    Skipped,
}

impl StepState {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Passed => "passed",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
        }
    }
}

/// One step's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepProgress {
    pub id: String,
    pub title: String,
    pub state: StepState,
    pub visits: u32,
    pub started: Option<Millis>,
    pub finished: Option<Millis>,
}

/// A catalog action to run, rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCall {
    pub action: String,
    pub target: TargetRef,
    pub params: Vec<(String, String)>,
    pub timeout: Option<Duration>,
}

/// What the current block is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Waiting for `check` to hold until `deadline`.
    Checking {
        check: Resolved,
        deadline: Millis,
        last: String,
    },
    /// An action runs; `execution` once it has started (to re-attach after a restart).
    Acting {
        call: ActionCall,
        execution: Option<String>,
    },
    /// Waiting for an answer.
    Asking {
        prompt: String,
        answer: Option<String>,
    },
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    /// The main path passed.
    Succeeded,
    /// A branch (a rollback) ran to its end.
    Branched {
        step: String,
    },
    Failed {
        step: String,
        why: String,
    },
    Aborted {
        why: String,
    },
    /// Stopped at `step` by the operator or the terminal: a confirmation declined, a typed answer that did not
    /// match, standard input closed or not a terminal. Finished: a later walk on the target starts anew.
    Stopped {
        step: String,
        why: String,
    },
}

impl Outcome {
    #[must_use]
    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Succeeded)
    }
}

/// One line of the walk's record (the transcript's body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at: Millis,
    pub step: String,
    /// `step`, `check`, `action`, `confirm`, `record`, `branch`, `resume`, `stop`, `end`.
    pub kind: String,
    pub text: String,
}

/// A walk of one runbook on one target (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    pub runbook: String,
    pub title: String,
    pub binding: Binding,
    pub operator: String,
    pub started: Millis,
    pub steps: Vec<StepProgress>,
    /// The current step and block.
    pub cursor: Option<(usize, usize)>,
    pub phase: Option<Phase>,
    pub entries: Vec<Entry>,
    /// Git changes still to make (`record git` blocks).
    pub git_changes: Vec<String>,
    pub outcome: Option<Outcome>,
    pub finished: Option<Millis>,
}

/// What happens to a walk.
#[derive(Debug, Clone)]
pub enum Msg<'a> {
    Start {
        now: Millis,
    },
    /// The process restarted with this walk loaded.
    Resume {
        now: Millis,
    },
    /// What the cluster looks like now.
    Observed {
        now: Millis,
        world: &'a World<'a>,
    },
    Tick {
        now: Millis,
    },
    ActionStarted {
        now: Millis,
        execution: String,
    },
    ActionFinished {
        now: Millis,
        succeeded: bool,
        summary: String,
        lines: Vec<String>,
    },
    /// `None`: declined.
    Answered {
        now: Millis,
        answer: Option<String>,
    },
    /// The walk cannot go on where it stands (a confirmation of the current block, the walker's own or an
    /// action's, was declined or could not be asked): it ends as [`Outcome::Stopped`] with `why`.
    Stop {
        now: Millis,
        why: String,
    },
    Abort {
        now: Millis,
        why: String,
    },
}

/// What the caller must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Save the walk (fsync).
    Persist,
    /// Show a line of progress.
    Say(String),
    /// Read these objects (and the graph) and answer with [`Msg::Observed`].
    Observe(check::Needs),
    RunAction(ActionCall),
    /// Follow the execution started before a restart to its end (answer with [`Msg::ActionFinished`]).
    Reattach {
        call: ActionCall,
        execution: String,
    },
    /// Ask; `answer` is the text that must be typed, if any.
    Ask {
        prompt: String,
        answer: Option<String>,
    },
    Finished(Outcome),
}

impl Walk {
    /// A new walk of `runbook` bound by `binding`.
    #[must_use]
    pub fn new(runbook: &Runbook, binding: Binding, operator: &str, now: Millis) -> Self {
        Self {
            runbook: runbook.id.clone(),
            title: runbook.title.clone(),
            binding,
            operator: operator.to_owned(),
            started: now,
            steps: runbook
                .steps
                .iter()
                .map(|s| StepProgress {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    state: StepState::Pending,
                    visits: 0,
                    started: None,
                    finished: None,
                })
                .collect(),
            cursor: None,
            phase: None,
            entries: Vec::new(),
            git_changes: Vec::new(),
            outcome: None,
            finished: None,
        }
    }

    /// Whether the walk has ended.
    #[must_use]
    pub fn done(&self) -> bool {
        self.outcome.is_some()
    }

    /// The current check, if a check is waiting.
    #[must_use]
    pub fn waiting_check(&self) -> Option<&Resolved> {
        match &self.phase {
            Some(Phase::Checking { check, .. }) => Some(check),
            _ => None,
        }
    }

    /// Runs the current block again (a check gets a new deadline): the console's "check again" on a check that
    /// timed out and waits for the operator instead of failing (`app::walker`).
    pub fn retry(&mut self, runbook: &Runbook, now: Millis) -> Vec<Effect> {
        let mut out = Vec::new();
        if let (false, Some((s, b))) = (self.done(), self.cursor) {
            let step = self.current_id();
            let text = format!("checked again by {}", self.operator);
            self.note(now, &step, "retry", text, &mut out);
            self.run_block(runbook, s, b, now, &mut out);
        }
        out
    }

    fn note(&mut self, now: Millis, step: &str, kind: &str, text: String, out: &mut Vec<Effect>) {
        let line = if kind == "step" {
            text.clone()
        } else {
            format!("  {kind}: {text}")
        };
        out.push(Effect::Say(crate::text::sanitize(&line).into_owned()));
        self.entries.push(Entry {
            at: now,
            step: step.to_owned(),
            kind: kind.to_owned(),
            text,
        });
    }

    /// Applies `msg`; pure (see the module doc). A walk that does not match `runbook` (changed since it was
    /// saved) is aborted.
    pub fn update(&mut self, runbook: &Runbook, msg: Msg<'_>) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.done() {
            return out;
        }
        if runbook.steps.len() != self.steps.len()
            || runbook
                .steps
                .iter()
                .zip(&self.steps)
                .any(|(a, b)| a.id != b.id)
        {
            let now = msg_now(&msg);
            self.finish(
                now,
                Outcome::Aborted {
                    why: format!("runbook '{}' changed since this walk began", runbook.id),
                },
                &mut out,
            );
            return out;
        }
        match msg {
            Msg::Start { now } => {
                let first = validate::first(runbook);
                self.enter(runbook, first, now, &mut out);
            }
            Msg::Resume { now } => self.resume(runbook, now, &mut out),
            Msg::Observed { now, world } => {
                if let Some(Phase::Checking {
                    check,
                    deadline,
                    last,
                }) = &mut self.phase
                {
                    match check::evaluate(check, world) {
                        Verdict::Pass(detail) => {
                            let step = self.current_id();
                            self.note(now, &step, "check", format!("passed: {detail}"), &mut out);
                            self.block_passed(runbook, now, &mut out);
                        }
                        Verdict::Wait(detail) => {
                            if *deadline <= now {
                                let why = format!("timed out: {detail}");
                                self.block_failed(runbook, now, why, &mut out);
                            } else {
                                let needs = check::needs(check, world);
                                if *last != detail {
                                    last.clone_from(&detail);
                                    let step = self.current_id();
                                    self.note(
                                        now,
                                        &step,
                                        "check",
                                        format!("waiting: {detail}"),
                                        &mut out,
                                    );
                                }
                                if needs
                                    .objects
                                    .iter()
                                    .any(|o| matches!(world.get(o), check::Observation::Unknown))
                                {
                                    out.push(Effect::Observe(needs));
                                }
                            }
                        }
                    }
                }
            }
            Msg::Tick { now } => {
                if let Some(Phase::Checking { deadline, last, .. }) = &self.phase
                    && *deadline <= now
                {
                    let why = format!("timed out: {last}");
                    self.block_failed(runbook, now, why, &mut out);
                }
            }
            Msg::ActionStarted { now, execution } => {
                if let Some(Phase::Acting {
                    execution: slot, ..
                }) = &mut self.phase
                {
                    *slot = Some(execution.clone());
                    let step = self.current_id();
                    self.note(
                        now,
                        &step,
                        "action",
                        format!("execution {execution} started"),
                        &mut out,
                    );
                    out.push(Effect::Persist);
                }
            }
            Msg::ActionFinished {
                now,
                succeeded,
                summary,
                lines,
            } => {
                if let Some(Phase::Acting { call, .. }) = &self.phase {
                    let step = self.current_id();
                    let head = format!("{} on {}: {summary}", call.action, call.target);
                    for line in lines {
                        self.note(now, &step, "output", line, &mut out);
                    }
                    if succeeded {
                        self.note(now, &step, "action", head, &mut out);
                        self.block_passed(runbook, now, &mut out);
                    } else {
                        self.block_failed(runbook, now, head, &mut out);
                    }
                }
            }
            Msg::Answered { now, answer } => {
                if let Some(Phase::Asking {
                    prompt,
                    answer: wanted,
                }) = self.phase.clone()
                {
                    let step = self.current_id();
                    match (answer, wanted) {
                        (None, _) => {
                            self.stop(now, &step, format!("declined: {prompt}"), &mut out);
                        }
                        (Some(given), Some(wanted)) if given.trim() != wanted => {
                            self.stop(
                                now,
                                &step,
                                format!("the typed answer did not match '{wanted}': {prompt}"),
                                &mut out,
                            );
                        }
                        (Some(given), _) => {
                            self.note(
                                now,
                                &step,
                                "confirm",
                                format!("confirmed by {} ({given}): {prompt}", self.operator),
                                &mut out,
                            );
                            self.block_passed(runbook, now, &mut out);
                        }
                    }
                }
            }
            Msg::Abort { now, why } => self.finish(now, Outcome::Aborted { why }, &mut out),
            Msg::Stop { now, why } => {
                let step = self.current_id();
                self.stop(now, &step, why, &mut out);
            }
        }
        out
    }

    /// Ends the walk as stopped at `step`, the reason in its record.
    fn stop(&mut self, now: Millis, step: &str, why: String, out: &mut Vec<Effect>) {
        self.note(now, step, "stop", why.clone(), out);
        self.finish(
            now,
            Outcome::Stopped {
                step: step.to_owned(),
                why,
            },
            out,
        );
    }

    fn current_id(&self) -> String {
        self.cursor
            .and_then(|(s, _)| self.steps.get(s))
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    fn resume(&mut self, runbook: &Runbook, now: Millis, out: &mut Vec<Effect>) {
        let step = self.current_id();
        self.note(
            now,
            &step,
            "resume",
            format!("walk resumed by {}", self.operator),
            out,
        );
        match self.phase.clone() {
            None => match self.cursor {
                Some((s, b)) => self.run_block(runbook, s, b, now, out),
                None => {
                    let first = validate::first(runbook);
                    self.enter(runbook, first, now, out);
                }
            },
            Some(Phase::Checking { check, .. }) => {
                out.push(Effect::Observe(check::needs(&check, &World::default())))
            }
            Some(Phase::Acting {
                call,
                execution: Some(execution),
            }) => out.push(Effect::Reattach { call, execution }),
            Some(Phase::Acting {
                call,
                execution: None,
            }) => out.push(Effect::RunAction(call)),
            Some(Phase::Asking { prompt, answer }) => out.push(Effect::Ask { prompt, answer }),
        }
    }
}

fn msg_now(msg: &Msg<'_>) -> Millis {
    match msg {
        Msg::Start { now }
        | Msg::Resume { now }
        | Msg::Observed { now, .. }
        | Msg::Tick { now }
        | Msg::ActionStarted { now, .. }
        | Msg::ActionFinished { now, .. }
        | Msg::Answered { now, .. }
        | Msg::Abort { now, .. }
        | Msg::Stop { now, .. } => *now,
    }
}
