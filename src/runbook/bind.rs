//! A runbook bound to its target and inputs: checked against the declared kinds and types, and the values of
//! its templates (`{{target}}`, `{{target.kind}}`, `{{target.namespace}}`, `{{target.name}}`,
//! `{{input.NAME}}`, and `.kind`/`.namespace`/`.name` of an object input).

use super::model::{InputKind, Runbook};
use crate::actions::TargetRef;
use crate::actions::template::{Template, TemplateError, Values};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The target and input values of one walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub target: TargetRef,
    pub inputs: BTreeMap<String, String>,
}

/// Why a binding is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    #[error("runbook '{runbook}' applies to {kinds}, not {kind}")]
    WrongKind {
        runbook: String,
        kind: String,
        kinds: String,
    },
    #[error("runbook '{runbook}' has no input '{name}' (inputs: {known})")]
    UnknownInput {
        runbook: String,
        name: String,
        known: String,
    },
    #[error("input '{name}' is required: {help} (--input {name}=VALUE)")]
    Missing { name: String, help: String },
    #[error("input '{name}': {why}")]
    Invalid { name: String, why: String },
}

/// Checks `value` against an input type.
///
/// # Errors
/// Why the value is not of the type.
pub fn check_value(kind: &InputKind, value: &str) -> Result<(), String> {
    let shown = crate::text::sanitize(value);
    match kind {
        InputKind::Object { kinds } => {
            let rref = TargetRef::parse(value).map_err(|e| e.to_string())?;
            if !kinds.is_empty() && !kinds.contains(&rref.kind) {
                return Err(format!(
                    "'{shown}' is a {}, not one of {}",
                    rref.kind.as_str(),
                    kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Ok(())
        }
        InputKind::String => Ok(()),
        InputKind::Int => value
            .trim()
            .parse::<i64>()
            .map(drop)
            .map_err(|_| format!("'{shown}' is not an integer")),
        InputKind::Duration => humantime::parse_duration(value.trim())
            .map(drop)
            .map_err(|e| format!("'{shown}' is not a duration: {e}")),
        InputKind::Bool => match value {
            "true" | "false" => Ok(()),
            _ => Err(format!("'{shown}' is not true or false")),
        },
    }
}

impl Binding {
    /// Binds `runbook` to `target` with the `given` `name=value` inputs (defaults filled in).
    ///
    /// # Errors
    /// A target of the wrong kind, an unknown, missing or ill-typed input.
    pub fn new(
        runbook: &Runbook,
        target: TargetRef,
        given: &[(String, String)],
    ) -> Result<Self, BindError> {
        if !runbook.target_kinds.is_empty() && !runbook.target_kinds.contains(&target.kind) {
            return Err(BindError::WrongKind {
                runbook: runbook.id.clone(),
                kind: target.kind.as_str().to_owned(),
                kinds: runbook
                    .target_kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut inputs = BTreeMap::new();
        for (name, value) in given {
            let Some(spec) = runbook.input(name) else {
                return Err(BindError::UnknownInput {
                    runbook: runbook.id.clone(),
                    name: crate::text::sanitize(name).into_owned(),
                    known: runbook
                        .inputs
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            check_value(&spec.kind, value).map_err(|why| BindError::Invalid {
                name: name.clone(),
                why,
            })?;
            inputs.insert(name.clone(), value.clone());
        }
        for spec in &runbook.inputs {
            if inputs.contains_key(&spec.name) {
                continue;
            }
            match &spec.default {
                Some(d) => {
                    inputs.insert(spec.name.clone(), d.clone());
                }
                None => {
                    return Err(BindError::Missing {
                        name: spec.name.clone(),
                        help: spec.help.clone(),
                    });
                }
            }
        }
        Ok(Self { target, inputs })
    }

    /// Renders `template` with this binding's values.
    ///
    /// # Errors
    /// A placeholder without a value (validation makes that impossible for a loaded runbook).
    pub fn render(&self, template: &Template) -> Result<String, TemplateError> {
        template.render(self)
    }
}

fn parts(rref: &TargetRef, field: Option<&str>) -> Option<String> {
    match field {
        None => Some(rref.to_string()),
        Some("kind") => Some(rref.kind.as_str().to_owned()),
        Some("namespace") => Some(rref.namespace.clone().unwrap_or_default()),
        Some("name") => Some(rref.name.clone()),
        Some(_) => None,
    }
}

impl Values for Binding {
    fn value(&self, name: &str) -> Option<String> {
        if name == "target" {
            return parts(&self.target, None);
        }
        if let Some(field) = name.strip_prefix("target.") {
            return parts(&self.target, Some(field));
        }
        let rest = name.strip_prefix("input.")?;
        if let Some(value) = self.inputs.get(rest) {
            return Some(value.clone());
        }
        let (input, field) = rest.rsplit_once('.')?;
        let value = self.inputs.get(input)?;
        parts(&TargetRef::parse(value).ok()?, Some(field))
    }
}
