//! Failure diagnosis (pure): a failing object's condition message becomes a [`Diagnosis`]: a
//! [`FailureClass`], how sure the classifier is ([`Confidence`]), the facts that matter for that class (extracted
//! from the message), and a suggested next step.
//!
//! When unsure the classifier says so: a low confidence (shown as "maybe") or [`FailureClass::Unclassified`],
//! never a confident guess. Shared by the console, `fluxops follow`
//! and `fluxops diagnose`. Accuracy on real messages (the corpus of `fixtures/diagnosis/` and
//! `shared/data/failures.tsv`): docs/diagnosis.md.
//!
//! Submodules: [`normalize`] (entities, escapes, whitespace, wrapper prefixes, size cap), [`patterns`] (the rule
//! table, in tiers), [`rules`] (which rule decides: tier, then the innermost match; causes resolved from context),
//! [`segment`] (which item of a message listing several errors the cause is in), [`facts`] (what each class
//! extracts, from that item), [`next_step`] (the runbook catalogue), [`object`] (which condition of an object to
//! diagnose), [`input`] (the message-table format of `fluxops diagnose`) and [`evaluate`] (precision, recall and
//! facts against labelled messages: `shared/data/failures.tsv` and the corpus of `fixtures/diagnosis/`).

pub mod evaluate;
pub mod facts;
pub mod input;
pub mod next_step;
pub mod normalize;
pub mod object;
pub mod patterns;
pub mod rules;
pub mod segment;

#[cfg(test)]
mod class_tests;
#[cfg(test)]
mod wording_tests;

use crate::flux::{FluxKind, FluxObject};
use serde::Serialize;
use std::fmt;

/// What kind of failure a message describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    ImmutableField,
    DependencyNotReady,
    HealthCheckTimeout,
    HealthCheckFailed,
    BuildFailed,
    SourceFetchFailed,
    PermissionDenied,
    HelmInstallFailed,
    HelmUpgradeFailed,
    RetriesExhausted,
    SchemaValidation,
    /// Recognised as a failure that none of the classes above covers.
    Other,
    /// Not recognised: the classifier does not guess.
    Unclassified,
}

impl FailureClass {
    /// Every class, in the order reports list them.
    pub const ALL: [FailureClass; 13] = [
        FailureClass::ImmutableField,
        FailureClass::DependencyNotReady,
        FailureClass::HealthCheckTimeout,
        FailureClass::HealthCheckFailed,
        FailureClass::BuildFailed,
        FailureClass::SourceFetchFailed,
        FailureClass::PermissionDenied,
        FailureClass::HelmInstallFailed,
        FailureClass::HelmUpgradeFailed,
        FailureClass::RetriesExhausted,
        FailureClass::SchemaValidation,
        FailureClass::Other,
        FailureClass::Unclassified,
    ];

    /// The machine name (as in JSON output): `immutable-field`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::ImmutableField => "immutable-field",
            FailureClass::DependencyNotReady => "dependency-not-ready",
            FailureClass::HealthCheckTimeout => "health-check-timeout",
            FailureClass::HealthCheckFailed => "health-check-failed",
            FailureClass::BuildFailed => "build-failed",
            FailureClass::SourceFetchFailed => "source-fetch-failed",
            FailureClass::PermissionDenied => "permission-denied",
            FailureClass::HelmInstallFailed => "helm-install-failed",
            FailureClass::HelmUpgradeFailed => "helm-upgrade-failed",
            FailureClass::RetriesExhausted => "retries-exhausted",
            FailureClass::SchemaValidation => "schema-validation",
            FailureClass::Other => "other",
            FailureClass::Unclassified => "unclassified",
        }
    }

    /// The words shown to users: `immutable field`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FailureClass::ImmutableField => "immutable field",
            FailureClass::DependencyNotReady => "dependency not ready",
            FailureClass::HealthCheckTimeout => "health check timeout",
            FailureClass::HealthCheckFailed => "health check failed",
            FailureClass::BuildFailed => "build failed",
            FailureClass::SourceFetchFailed => "source fetch failed",
            FailureClass::PermissionDenied => "permission denied",
            FailureClass::HelmInstallFailed => "Helm install failed",
            FailureClass::HelmUpgradeFailed => "Helm upgrade failed",
            FailureClass::RetriesExhausted => "retries exhausted",
            FailureClass::SchemaValidation => "schema/validation",
            FailureClass::Other => "other failure",
            FailureClass::Unclassified => "unclassified",
        }
    }

    /// Parses [`FailureClass::as_str`] back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<FailureClass> {
        FailureClass::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the classifier is. `Medium` and `High` are "given with confidence": a class at those levels must be
/// right; `Low` marks a guess from weak evidence (shown as "maybe"), and every `Unclassified` diagnosis is `Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    /// General Kubernetes / library wording, or the condition reason alone.
    Medium,
    /// The controller's own wording for this class (its format string).
    High,
}

impl Confidence {
    /// `low`, `medium`, `high`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Whether a class at this level counts as given with confidence.
    #[must_use]
    pub fn is_confident(self) -> bool {
        self >= Confidence::Medium
    }
}

/// The facts a message carries, as far as the class has them. Every string is sanitised (no control or escape
/// sequences, one line) and bounded in length; URLs have their passwords and secret query values masked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The object the failure is about (`Deployment/podinfo/podinfo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The field path (`spec.selector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The dependency that blocks (`flux-system/infra-controllers`, `HelmChart/default/podinfo`,
    /// `ServiceAccount/monitoring/grafana`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<String>,
    /// The resources a health check waited on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waited_on: Vec<String>,
    /// The Helm release (`namespace/name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The source URL that could not be fetched or authenticated against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The specific cause within the class (the Helm error, the unset variable, the validation error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Facts {
    /// Whether no fact was found.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Facts::default()
    }

    /// Fills the facts `self` lacks from `other` (a second condition of the same object).
    pub fn fill_from(&mut self, other: Facts) {
        let fill = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.is_none() {
                *mine = theirs;
            }
        };
        fill(&mut self.object, other.object);
        fill(&mut self.field, other.field);
        fill(&mut self.dependency, other.dependency);
        fill(&mut self.release, other.release);
        fill(&mut self.chart, other.chart);
        fill(&mut self.version, other.version);
        fill(&mut self.url, other.url);
        fill(&mut self.detail, other.detail);
        if self.waited_on.is_empty() {
            self.waited_on = other.waited_on;
        }
    }

    /// The facts as (label, value) pairs, in display order.
    #[must_use]
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let single = [
            ("object", &self.object),
            ("field", &self.field),
            ("dependency", &self.dependency),
            ("release", &self.release),
            ("chart", &self.chart),
            ("version", &self.version),
            ("url", &self.url),
        ];
        let mut out: Vec<(&'static str, String)> = single
            .into_iter()
            .filter_map(|(label, value)| value.clone().map(|v| (label, v)))
            .collect();
        out.extend(self.waited_on.iter().map(|w| ("waited on", w.clone())));
        out.extend(self.detail.clone().map(|d| ("detail", d)));
        out
    }
}

/// What to do next: a runbook id (walkable once runbooks exist) and one line of advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub runbook: &'static str,
    pub advice: &'static str,
}

/// The diagnosis of one failure message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub class: FailureClass,
    pub confidence: Confidence,
    pub facts: Facts,
    pub next_step: NextStep,
}

impl Diagnosis {
    /// One line for people: the class and its key fact, e.g. `immutable field spec.selector on
    /// Deployment/podinfo/podinfo`, `dependency not ready: flux-system/infra`. Low-confidence classes say "maybe".
    #[must_use]
    pub fn headline(&self) -> String {
        let f = &self.facts;
        let label = self.class.label();
        let mut line = match self.class {
            FailureClass::ImmutableField => {
                let mut s = label.to_owned();
                if let Some(field) = &f.field {
                    s = format!("{s} {field}");
                }
                if let Some(object) = &f.object {
                    s = format!("{s} on {object}");
                }
                s
            }
            FailureClass::DependencyNotReady => key(label, f.dependency.as_ref()),
            FailureClass::HealthCheckTimeout | FailureClass::HealthCheckFailed => {
                let waited = (!f.waited_on.is_empty()).then(|| f.waited_on.join(", "));
                key(label, waited.as_ref())
            }
            FailureClass::HelmInstallFailed
            | FailureClass::HelmUpgradeFailed
            | FailureClass::RetriesExhausted => {
                let chart = f.chart.as_ref().map(|c| match &f.version {
                    Some(v) => format!("{c}@{v}"),
                    None => c.clone(),
                });
                key(label, chart.as_ref().or(f.detail.as_ref()))
            }
            FailureClass::SourceFetchFailed | FailureClass::PermissionDenied => key(
                label,
                f.url
                    .as_ref()
                    .or(f.dependency.as_ref())
                    .or(f.object.as_ref()),
            ),
            FailureClass::BuildFailed
            | FailureClass::SchemaValidation
            | FailureClass::Other
            | FailureClass::Unclassified => key(label, f.object.as_ref().or(f.detail.as_ref())),
        };
        if self.confidence == Confidence::Low && self.class != FailureClass::Unclassified {
            line = format!("maybe {line}");
        }
        line
    }
}

fn key(label: &str, fact: Option<&String>) -> String {
    match fact {
        Some(f) => format!("{label}: {f}"),
        None => label.to_owned(),
    }
}

/// A failure message with the context the classifier may use.
#[derive(Debug, Clone, Copy)]
pub struct FailureInput<'a> {
    pub kind: Option<FluxKind>,
    /// The Ready (or Stalled) condition's reason, when known.
    pub reason: Option<&'a str>,
    pub message: &'a str,
}

/// Classifies one failure message: the message is normalised ([`normalize::normalize`]), the first matching rule
/// of [`rules`] gives the class and confidence (the condition reason decides only when no message rule does),
/// [`facts::extract`] reads the class's facts and [`next_step`] names what to do.
#[must_use]
pub fn diagnose(input: &FailureInput<'_>) -> Diagnosis {
    let message = normalize::normalize(input.message);
    let verdict = rules::classify(&message, input.reason, input.kind);
    let facts = facts::extract(verdict.class, &message, verdict.at);
    let next_step = next_step::for_verdict(&verdict, &message);
    Diagnosis {
        class: verdict.class,
        confidence: verdict.confidence,
        facts,
        next_step,
    }
}

/// The diagnosis of an object that is failing (Ready=False, Stalled=True, or retrying a failed attempt),
/// `None` for objects that are not (healthy, in progress, suspended). See [`object`].
#[must_use]
pub fn diagnose_object(object: &FluxObject) -> Option<Diagnosis> {
    object::diagnose_object(object)
}
