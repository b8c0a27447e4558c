//! What `fluxops follow` reports: one [`FollowLine`] per change, and a [`Summary`] at the end with the
//! [`Verdict`]. Data only; `output` turns them into text or JSON lines.

use crate::diagnosis::Diagnosis;
use crate::flux::ResourceRef;
use serde::Serialize;
use std::time::Duration;

/// One change, as it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowLine {
    /// Time since follow started.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// How the object is called in text output (its name, or `namespace/name` / `Kind/namespace/name` when
    /// the name alone is ambiguous among the followed objects); empty for lines about no object.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(flatten)]
    pub change: Change,
}

/// What changed. Revisions are whole (`main@sha1:<40 hex>`, the hex given to follow); text output shortens
/// them for reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Change {
    /// No source has the revision yet (said once, when the first full list has been read).
    WaitingForSource { revision: String },
    /// A source picked up the revision; `consumers` is how many followed objects it feeds.
    SourceAt {
        source: ResourceRef,
        revision: String,
        consumers: usize,
    },
    /// A source at the revision moved on to a later one (its consumers may apply that one instead).
    SourceMovedOn {
        source: ResourceRef,
        revision: String,
    },
    /// The object started applying the revision.
    Reconciling {
        object: ResourceRef,
        #[serde(skip_serializing_if = "Option::is_none")]
        revision: Option<String>,
    },
    /// The object waits on others; `waiting_on` are their root causes (or the dependencies not ready).
    Blocked {
        object: ResourceRef,
        waiting_on: Vec<ResourceRef>,
    },
    /// Ready at the revision.
    Ready { object: ResourceRef },
    /// Failed at the revision.
    Failed {
        object: ResourceRef,
        reason: String,
        /// The Ready (or Stalled) condition message, sanitized.
        message: String,
        /// The classifier's answer (`None` when it has none).
        #[serde(skip_serializing_if = "Option::is_none")]
        diagnosis: Option<Box<Diagnosis>>,
    },
    /// A followed object was deleted.
    Gone { object: ResourceRef },
    /// Watching the API failed (a transient error; follow retries).
    ApiError { error: String },
}

/// How follow ended; maps to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every followed object is Ready at the revision (exit 0).
    Ready,
    /// Some followed object failed at the revision, or waits on a failure that will not go away (exit 1).
    Failed,
    /// The timeout came first (exit 2).
    TimedOut,
    /// The API kept failing beyond the retries allowed (exit 3).
    ApiUnavailable,
    /// Following several clusters with fail-fast: another cluster failed first, so follow stopped before this
    /// one settled (exit 1, the failure's code; only ever next to a `Failed` cluster).
    Stopped,
}

impl Verdict {
    /// The process exit code (documented in docs/follow.md).
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ready => 0,
            Verdict::Failed => 1,
            Verdict::TimedOut => 2,
            Verdict::ApiUnavailable => 3,
            Verdict::Stopped => 1,
        }
    }
}

/// Where one followed object ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Ready,
    Failed,
    Blocked,
    Reconciling,
    /// Reconciling, or asked to reconcile, for longer than it should (its timeout).
    Stuck,
    /// Not at the revision yet and not working on it.
    Pending,
}

impl State {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Failed => "failed",
            State::Blocked => "blocked",
            State::Reconciling => "reconciling",
            State::Stuck => "stuck",
            State::Pending => "pending",
        }
    }
}

/// One followed object in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub object: ResourceRef,
    pub label: String,
    pub state: State,
    /// Why it is not ready (empty when ready).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// The final report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub event: &'static str,
    pub verdict: Verdict,
    pub revision: String,
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// The sources seen at the revision.
    pub sources: Vec<ResourceRef>,
    pub objects: Vec<Outcome>,
    /// Extra notes (no source picked up the revision, sources failing to fetch, API errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with passes a reference"
)]
fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

/// `12s`, `1m05s`, `2h00m00s`, `0s`: whole seconds, as the lines show them.
#[must_use]
pub fn short_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m{:02}s", secs / 3600, secs % 3600 / 60, secs % 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// How `from` names `to`: `ns/name` for an object of the same kind (as Flux messages do), `Kind/ns/name`
/// otherwise; sanitized.
#[must_use]
pub fn relative(from: &ResourceRef, to: &ResourceRef) -> String {
    let text = if from.kind == to.kind {
        to.namespaced_name()
    } else {
        to.to_string()
    };
    crate::text::sanitize_name(&text).into_owned()
}
