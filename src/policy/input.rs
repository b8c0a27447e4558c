//! The policy input document (`input` in Rego; format in docs/POLICIES.md). Serde types, strict on read so a
//! misspelt field in a fixture or `policy eval --input` file is an error instead of a silently absent fact.
//!
//! Nothing secret reaches it: parameters come from [`ParamValues::redacted`] (a secret is its SHA-256 and size),
//! target fields from [`Target::fields_of`] (Secret data as digests). Long values are bounded the same way
//! (a parameter over [`MAX_INLINE_PARAM`] bytes, an annotation over [`MAX_ANNOTATION`] bytes), so the input stays
//! small and its evaluation fast.

use crate::actions::params::sha256_hex;
use crate::actions::{ActionSpec, ParamValues, Target};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A parameter longer than this is given to policies as `{sha256, bytes}`.
pub const MAX_INLINE_PARAM: usize = 4096;
/// An annotation value longer than this is given as `sha256:…`.
pub const MAX_ANNOTATION: usize = 1024;

/// The whole input document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub action: ActionInput,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    pub target: TargetInput,
    /// The Flux Kustomization or HelmRelease whose inventory holds the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerInput>,
    #[serde(default)]
    pub counts: Counts,
    #[serde(default)]
    pub operator: Operator,
    pub mode: Mode,
    /// The kubeconfig context.
    #[serde(default)]
    pub context: String,
    /// The API server URL.
    #[serde(default)]
    pub cluster: String,
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(default)]
    pub break_glass: BreakGlass,
}

/// What the catalog says about the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub name: String,
    /// `direct` or `job`.
    pub executor: String,
    #[serde(default)]
    pub dangerous: bool,
    #[serde(default = "yes")]
    pub mutates: bool,
    #[serde(default)]
    pub owner_reverts: bool,
}

fn yes() -> bool {
    true
}

/// The target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    pub kind: String,
    /// Absent for cluster-scoped kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The current values of the fields the action touches (JSON pointer → value).
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A Flux owner of the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    /// `Kustomization` or `HelmRelease`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub suspended: bool,
    /// `spec.interval`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// How many objects the action touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Targets of a bulk action (1 for a single target).
    pub targets: u64,
    /// Objects changed or deleted in all (a bulk's targets, a delete's objects, a drain's pods).
    pub objects: u64,
}

impl Default for Counts {
    fn default() -> Self {
        Self {
            targets: 1,
            objects: 1,
        }
    }
}

/// Who acts (from a SelfSubjectReview).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// How fluxops was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Interactive,
    Cli,
    Runbook,
    Readonly,
}

/// Break-glass: the operator overrides the Git rule, saying why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlass {
    pub declared: bool,
    #[serde(default)]
    pub reason: String,
}

/// Everything about an execution's circumstances that is not the action, target or parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub owner: Option<OwnerInput>,
    pub counts: Counts,
    pub operator: Operator,
    pub mode: Mode,
    pub context: String,
    pub cluster: String,
    pub time: String,
    pub break_glass: BreakGlass,
}

impl PolicyInput {
    /// The input for `spec` on `target` with `params` in `situation`.
    #[must_use]
    pub fn build(
        spec: &ActionSpec,
        target: &Target,
        params: &ParamValues,
        situation: Situation,
    ) -> Self {
        let parameters = params.summary(MAX_INLINE_PARAM);
        let annotations = target
            .facts
            .annotations
            .iter()
            .map(|(k, v)| {
                let v = if v.len() > MAX_ANNOTATION {
                    format!("{} ({} bytes)", sha256_hex(v.as_bytes()), v.len())
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        Self {
            action: ActionInput {
                name: spec.name.clone(),
                executor: spec.executor.name().to_owned(),
                dangerous: spec.dangerous,
                mutates: spec.mutates,
                owner_reverts: spec.owner_reverts,
            },
            parameters,
            target: TargetInput {
                kind: target.rref.kind.as_str().to_owned(),
                namespace: target.rref.namespace.clone(),
                name: target.rref.name.clone(),
                labels: target.facts.labels.clone(),
                annotations,
                fields: target.facts.fields.clone(),
            },
            owner: situation.owner,
            counts: situation.counts,
            operator: situation.operator,
            mode: situation.mode,
            context: situation.context,
            cluster: situation.cluster,
            time: situation.time,
            break_glass: situation.break_glass,
        }
    }
}
