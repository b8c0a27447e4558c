//! The validated runbook: front matter (id, title, failure classes, target kinds, typed inputs) and steps, each
//! with its blocks in document order. Lines are 1-based lines of the Markdown file.

use crate::actions::TargetKind;
use crate::actions::template::Template;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// A loaded, validated runbook.
#[derive(Debug, Clone)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    /// Failure classes it applies to (`diagnosis::FailureClass::as_str` names).
    pub classes: Vec<String>,
    /// Kinds the bound target may have (empty: any).
    pub target_kinds: Vec<TargetKind>,
    pub inputs: Vec<InputSpec>,
    /// The prose before the first step.
    pub summary: String,
    pub steps: Vec<Step>,
    /// Where it was read from.
    pub file: PathBuf,
}

impl Runbook {
    /// The step named `id`.
    #[must_use]
    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }

    /// The input named `name`.
    #[must_use]
    pub fn input(&self, name: &str) -> Option<&InputSpec> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Whether any step asks for a typed answer (such a runbook cannot run with `--yes` alone).
    #[must_use]
    pub fn needs_typed_answers(&self) -> bool {
        self.steps.iter().flat_map(|s| &s.blocks).any(|b| {
            matches!(
                b,
                Block::Confirm(Confirm {
                    answer: Some(_),
                    ..
                })
            )
        })
    }
}

/// The type of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// `Kind/namespace/name` of one of `kinds` (any kind when empty).
    Object {
        kinds: Vec<TargetKind>,
    },
    String,
    Int,
    Duration,
    Bool,
}

impl InputKind {
    /// The type's name in front matter.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            InputKind::Object { .. } => "object",
            InputKind::String => "string",
            InputKind::Int => "int",
            InputKind::Duration => "duration",
            InputKind::Bool => "bool",
        }
    }
}

/// One declared input.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub name: String,
    pub kind: InputKind,
    pub help: String,
    /// `None`: the input must be given.
    pub default: Option<String>,
}

/// One `##` step.
#[derive(Debug, Clone)]
pub struct Step {
    /// `{#id}` on the heading, else the heading's text in kebab case.
    pub id: String,
    pub title: String,
    pub line: u64,
    /// `{.branch}` on the heading: entered only by an `on-failure` or `next` branch, skipped on the main path.
    pub branch: bool,
    /// The step's prose (Markdown as written, other code blocks included).
    pub prose: String,
    pub blocks: Vec<Block>,
    /// Where a failed check or action goes (`None`: the walk fails there).
    pub on_failure: Option<Goto>,
    /// Where the walk goes after this step passes (`None`: the next step of the same path).
    pub next: Option<Goto>,
}

/// A branch to a named step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goto {
    pub step: String,
    pub line: u64,
}

/// One fenced block of a step.
#[derive(Debug, Clone)]
pub enum Block {
    Check(CheckSpec),
    Action(ActionStep),
    Confirm(Confirm),
    Record(Record),
}

impl Block {
    /// The block's line (its first key: `action:`, `expect:`, `prompt:`; a record's first line).
    #[must_use]
    pub fn line(&self) -> u64 {
        match self {
            Block::Check(c) => c.line,
            Block::Action(a) => a.line,
            Block::Confirm(c) => c.line,
            Block::Record(r) => r.line,
        }
    }

    /// The block's kind as written in the fence.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Block::Check(_) => "check",
            Block::Action(_) => "action",
            Block::Confirm(_) => "confirm",
            Block::Record(_) => "record",
        }
    }
}

/// The state an object counts as in a `count` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountState {
    Ready,
    NotReady,
    Failing,
    Blocked,
    Suspended,
    Any,
}

/// A live condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Ready=True at the current generation; with a revision, at that revision (`source`: the revision its
    /// source's artifact has).
    Ready { revision: Option<Template> },
    /// Not Stalled and not failing (in progress or Ready).
    NotFailing,
    /// The object exists.
    Present,
    /// The object does not exist.
    Absent,
    /// `spec.suspend: true`.
    Suspended,
    /// `spec.suspend` unset or false.
    NotSuspended,
    /// No object waiting on the target (dependsOn, source) is blocked.
    NoDependentBlocked,
    /// A Job's `Complete` condition is True.
    JobSucceeded,
    /// The number of Flux objects of `kind` (in `namespace`) in `state` lies within `min..=max`.
    Count {
        kind: Option<crate::flux::FluxKind>,
        namespace: Option<Template>,
        state: CountState,
        min: Option<u64>,
        max: Option<u64>,
    },
}

impl Condition {
    /// The condition's name as written after `expect:`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Condition::Ready { .. } => "ready",
            Condition::NotFailing => "not-failing",
            Condition::Present => "present",
            Condition::Absent => "absent",
            Condition::Suspended => "suspended",
            Condition::NotSuspended => "not-suspended",
            Condition::NoDependentBlocked => "no-dependent-blocked",
            Condition::JobSucceeded => "job-succeeded",
            Condition::Count { .. } => "count",
        }
    }
}

/// A `check` block.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    pub line: u64,
    pub condition: Condition,
    /// The object it is about (default `{{target}}`).
    pub object: Template,
    pub timeout: Duration,
    /// What the check means, for people (`why:`), shown in the walk and the transcript.
    pub why: Option<String>,
}

/// An `action` block: a catalog action with templated target and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionStep {
    pub line: u64,
    pub action: String,
    pub target: Template,
    pub params: Vec<(String, Template)>,
    pub timeout: Option<Duration>,
}

/// A `confirm` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub line: u64,
    pub prompt: Template,
    /// The answer that must be typed (e.g. `{{target.name}}`), if any.
    pub answer: Option<Template>,
}

/// A `record` block: a note the transcript must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub text: Template,
    /// `git: true`: a change still to make in Git (listed at the end of the transcript).
    pub git: bool,
}
