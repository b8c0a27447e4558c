//! [`Gate`]: the one place an action's input becomes a [`Decision`], failing closed.
//!
//! The gate holds the prepared engine or the reason there is none. [`Gate::decide`] never fails: a policy set
//! that did not load, an evaluation error, an undefined or malformed decision, an input too large or an
//! evaluation past the deadline all give [`Decision::fail_closed`], whose reason says why.
//!
//! Bounding evaluation: regorus checks a time limit cooperatively in its loops, but a single builtin call
//! (`numbers.range(1, 1e9)`) runs to its end first. So evaluation runs on a worker thread holding a clone of the
//! prepared engine, and the caller waits at most the deadline. On a timeout the worker is abandoned (it exits
//! when its evaluation ends, its answer unread) and the next decision starts a fresh one.

use super::decision::{BreakGlassPlan, Confirmation, Decision};
use super::engine::{self, PolicyError, PolicySources};
use super::input::PolicyInput;
use serde::Deserialize;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// How long one decision may take before it is denied.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(250);

type Reply = Result<serde_json::Value, PolicyError>;

struct Worker {
    requests: mpsc::Sender<regorus::Value>,
    replies: mpsc::Receiver<Reply>,
}

impl Worker {
    fn start(mut engine: regorus::Engine) -> Option<Self> {
        let (requests, inbox) = mpsc::channel::<regorus::Value>();
        let (outbox, replies) = mpsc::channel::<Reply>();
        std::thread::Builder::new()
            .name("fluxops-policy".to_owned())
            .spawn(move || {
                while let Ok(input) = inbox.recv() {
                    if outbox.send(engine::evaluate(&mut engine, &input)).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Self { requests, replies })
    }
}

/// The policy gate. See the module doc.
pub struct Gate {
    prepared: Result<regorus::Engine, PolicyError>,
    worker: Option<Worker>,
    deadline: Duration,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("problem", &self.problem())
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Gate {
    /// The shipped policies plus the user's in `user_dir` (when given).
    #[must_use]
    pub fn load(user_dir: Option<&Path>) -> Self {
        let sources = match user_dir {
            Some(dir) => PolicySources::shipped().with_user_dir(dir),
            None => Ok(PolicySources::shipped()),
        };
        match sources {
            Ok(sources) => Self::from_sources(&sources),
            Err(e) => Self::broken(e),
        }
    }

    /// A gate over exactly these sources.
    #[must_use]
    pub fn from_sources(sources: &PolicySources) -> Self {
        Self {
            prepared: engine::compile(sources, DEFAULT_DEADLINE),
            worker: None,
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// A gate that denies everything for `problem`.
    #[must_use]
    pub fn broken(problem: PolicyError) -> Self {
        Self {
            prepared: Err(problem),
            worker: None,
            deadline: DEFAULT_DEADLINE,
        }
    }

    /// The same gate with another deadline.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        if let Ok(engine) = &mut self.prepared {
            engine.set_execution_timer_config(engine::timer(deadline));
        }
        self.worker = None;
        self
    }

    /// Why the policies cannot decide at all, if they cannot.
    #[must_use]
    pub fn problem(&self) -> Option<&PolicyError> {
        self.prepared.as_ref().err()
    }

    /// The decision for `input`; any failure denies (see the module doc).
    pub fn decide(&mut self, input: &PolicyInput) -> Decision {
        self.evaluate(input)
            .unwrap_or_else(|e| Decision::fail_closed(&e.to_string()))
    }

    /// The decision for `input`, or why there is none.
    ///
    /// # Errors
    /// See [`PolicyError`].
    pub fn evaluate(&mut self, input: &PolicyInput) -> Result<Decision, PolicyError> {
        let engine = self.prepared.as_ref().map_err(Clone::clone)?;
        let value = engine::input_value(input)?;
        if self.worker.is_none() {
            self.worker = Worker::start(engine.clone());
        }
        let raw = match &self.worker {
            Some(worker) => {
                if worker.requests.send(value).is_err() {
                    self.worker = None;
                    return Err(PolicyError::Eval("the policy worker stopped".to_owned()));
                }
                match worker.replies.recv_timeout(self.deadline) {
                    Ok(reply) => reply,
                    Err(_) => {
                        self.worker = None;
                        Err(PolicyError::Timeout(self.deadline))
                    }
                }
            }
            // No thread could be started: evaluate here, bounded by the cooperative limit only.
            None => engine::evaluate(&mut engine.clone(), &value),
        }?;
        read_decision(&raw)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    allow: bool,
    deny: Vec<String>,
    warnings: Vec<String>,
    confirmation: Confirmation,
    break_glass: Option<BreakGlassPlan>,
}

/// The decision in the policies' output: strict types; allowed only when `allow` is true and no rule denied.
///
/// # Errors
/// Any field missing or of the wrong type.
pub fn read_decision(raw: &serde_json::Value) -> Result<Decision, PolicyError> {
    let raw = RawDecision::deserialize(raw).map_err(|e| PolicyError::Shape(e.to_string()))?;
    let tidy = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v
    };
    let deny = tidy(raw.deny);
    Ok(Decision {
        allow: raw.allow && deny.is_empty(),
        deny,
        warnings: tidy(raw.warnings),
        confirmation: raw.confirmation,
        break_glass: raw.break_glass,
        policy_error: None,
    })
}
