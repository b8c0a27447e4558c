//! Failure diagnosis (pure): a failing object's condition message becomes a [`Diagnosis`]: a
//! [`FailureClass`], the facts that matter for that class (extracted from the message), and a suggested next step.
//!
//! The classifier says [`FailureClass::Unclassified`] rather than guess. Shared by the console, `fluxops follow`
//! and `fluxops diagnose`. Accuracy on the real messages of `shared/data/failures.tsv`: docs/diagnosis.md.

use crate::flux::{FluxKind, FluxObject};
use serde::Serialize;

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

/// The facts a message carries, as far as the class has them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The object the failure is about (`Deployment/podinfo/podinfo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The field path (`spec.selector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The dependency that blocks (`flux-system/infra-controllers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<String>,
    /// The resources a health check waited on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waited_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The source URL that could not be fetched or authenticated against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
    pub facts: Facts,
    pub next_step: NextStep,
}

/// A failure message with the context the classifier may use.
#[derive(Debug, Clone, Copy)]
pub struct FailureInput<'a> {
    pub kind: Option<FluxKind>,
    /// The Ready (or Stalled) condition's reason, when known.
    pub reason: Option<&'a str>,
    pub message: &'a str,
}

/// Classifies one failure message.
#[must_use]
pub fn diagnose(input: &FailureInput<'_>) -> Diagnosis {
    let _ = input;
    Diagnosis {
        class: FailureClass::Unclassified,
        facts: Facts::default(),
        next_step: NextStep {
            runbook: "inspect-object",
            advice: "read the object's conditions and events",
        },
    }
}

/// The diagnosis of an object that is failing (Ready=False or Stalled), `None` for objects that are not.
#[must_use]
pub fn diagnose_object(object: &FluxObject) -> Option<Diagnosis> {
    let _ = object;
    None
}
