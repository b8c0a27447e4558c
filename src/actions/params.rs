//! Parameter values of one execution, checked against the action's bounds.
//!
//! A `secret: true` parameter is held as a [`SecretValue`]: it has no `Serialize`, its `Debug` shows only its
//! digest, and the only way to its text is [`SecretValue::expose`], which the Job input builder calls. Policy
//! inputs and audit records take [`ParamValues::redacted`], where a secret is its key name, SHA-256 and size.

use super::spec::{ActionSpec, ParamKind, ParamSpec};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// A secret parameter value. Never printed, serialised or logged; see the module doc.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// The value itself, for the one place that must write it (the execution's input Secret).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `sha256:<hex>` of the value.
    #[must_use]
    pub fn digest(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }

    /// Size in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue({})", self.digest())
    }
}

/// `sha256:<lowercase hex>` of `bytes`.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// One checked value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Int(i64),
    Bool(bool),
    Text(String),
    Secret(SecretValue),
}

/// A parameter as policies and audit records see it: the value, or for a secret its digest and size.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RedactedParam {
    Value(serde_json::Value),
    Secret {
        secret: bool,
        sha256: String,
        bytes: usize,
    },
}

/// Why parameters were refused. Secret values are never part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("action '{action}' has no parameter '{name}' (parameters: {known})")]
    Unknown {
        action: String,
        name: String,
        known: String,
    },
    #[error("parameter '{0}' is given twice")]
    Duplicate(String),
    #[error("parameter '{name}' is required ({bounds})")]
    Missing { name: String, bounds: String },
    #[error("parameter '{name}': {problem}")]
    Invalid { name: String, problem: String },
    #[error("'{0}' is not NAME=VALUE")]
    NotAPair(String),
}

/// Checks `text` against `spec`.
///
/// # Errors
/// The problem in words; a secret's value is never quoted.
pub fn check(spec: &ParamSpec, text: &str) -> Result<ParamValue, String> {
    let shown = |t: &str| {
        if spec.secret {
            "the value".to_owned()
        } else {
            format!("'{}'", crate::text::sanitize(t))
        }
    };
    match &spec.kind {
        ParamKind::Int { min, max } => {
            let n: i64 = text
                .trim()
                .parse()
                .map_err(|_| format!("{} is not a whole number", shown(text)))?;
            if n < *min || n > *max {
                return Err(format!("{n} is outside {min}..={max}"));
            }
            Ok(ParamValue::Int(n))
        }
        ParamKind::Bool => match text.trim() {
            "true" => Ok(ParamValue::Bool(true)),
            "false" => Ok(ParamValue::Bool(false)),
            _ => Err(format!("{} is not true or false", shown(text))),
        },
        ParamKind::Enum { values } => {
            if values.iter().any(|v| v == text) {
                Ok(ParamValue::Text(text.to_owned()))
            } else {
                Err(format!(
                    "{} is not one of {}",
                    shown(text),
                    values.join(", ")
                ))
            }
        }
        ParamKind::String {
            pattern,
            min_length,
            max_length,
        } => {
            if text.len() < *min_length || text.len() > *max_length {
                return Err(format!(
                    "{} is {} bytes long, outside {min_length}..={max_length}",
                    shown(text),
                    text.len()
                ));
            }
            if let Some(p) = pattern
                && !p.is_match(text)
            {
                return Err(format!("{} does not match {}", shown(text), p.as_str()));
            }
            Ok(if spec.secret {
                ParamValue::Secret(SecretValue(text.to_owned()))
            } else {
                ParamValue::Text(text.to_owned())
            })
        }
    }
}

/// Splits `NAME=VALUE` (the value may contain `=`).
///
/// # Errors
/// No `=` or an empty name.
pub fn parse_pair(text: &str) -> Result<(String, String), ParamError> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(ParamError::NotAPair(
            crate::text::sanitize(text).into_owned(),
        )),
    }
}

/// The checked parameters of one execution, defaults filled in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamValues {
    values: BTreeMap<String, ParamValue>,
}

impl ParamValues {
    /// Checks `pairs` (name, text) against `action`: unknown names, duplicates, bounds; fills defaults; every
    /// parameter without a default must be given.
    ///
    /// # Errors
    /// The first problem found.
    pub fn from_pairs(action: &ActionSpec, pairs: &[(String, String)]) -> Result<Self, ParamError> {
        let mut values = BTreeMap::new();
        for (name, text) in pairs {
            let spec = action.param(name).ok_or_else(|| ParamError::Unknown {
                action: action.name.clone(),
                name: crate::text::sanitize(name).into_owned(),
                known: if action.params.is_empty() {
                    "none".to_owned()
                } else {
                    action
                        .params
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })?;
            let value = check(spec, text).map_err(|problem| ParamError::Invalid {
                name: name.clone(),
                problem,
            })?;
            if values.insert(name.clone(), value).is_some() {
                return Err(ParamError::Duplicate(name.clone()));
            }
        }
        for spec in &action.params {
            if values.contains_key(&spec.name) {
                continue;
            }
            let Some(default) = &spec.default else {
                return Err(ParamError::Missing {
                    name: spec.name.clone(),
                    bounds: format!("{} {}", spec.kind.name(), spec.kind.bounds()),
                });
            };
            let value = check(spec, default).map_err(|problem| ParamError::Invalid {
                name: spec.name.clone(),
                problem,
            })?;
            values.insert(spec.name.clone(), value);
        }
        Ok(Self { values })
    }

    /// The value of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// The text a template gets for `name`: `None` for secrets (they only reach the input Secret).
    #[must_use]
    pub fn text(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            ParamValue::Int(n) => Some(n.to_string()),
            ParamValue::Bool(b) => Some(b.to_string()),
            ParamValue::Text(t) => Some(t.clone()),
            ParamValue::Secret(_) => None,
        }
    }

    /// Every value, secrets as digests.
    #[must_use]
    pub fn redacted(&self) -> BTreeMap<String, RedactedParam> {
        self.values
            .iter()
            .map(|(name, value)| {
                let shown = match value {
                    ParamValue::Int(n) => RedactedParam::Value((*n).into()),
                    ParamValue::Bool(b) => RedactedParam::Value((*b).into()),
                    ParamValue::Text(t) => RedactedParam::Value(t.clone().into()),
                    ParamValue::Secret(s) => RedactedParam::Secret {
                        secret: true,
                        sha256: s.digest(),
                        bytes: s.len(),
                    },
                };
                (name.clone(), shown)
            })
            .collect()
    }

    /// Every value as JSON for policies, audit records and annotations: a secret as
    /// `{"secret": true, "sha256", "bytes"}`, a string longer than `max_inline` bytes as `{"sha256", "bytes"}`.
    #[must_use]
    pub fn summary(&self, max_inline: usize) -> BTreeMap<String, serde_json::Value> {
        self.redacted()
            .into_iter()
            .map(|(name, p)| {
                let value = match p {
                    RedactedParam::Value(serde_json::Value::String(s)) if s.len() > max_inline => {
                        serde_json::json!({"sha256": sha256_hex(s.as_bytes()), "bytes": s.len()})
                    }
                    RedactedParam::Value(v) => v,
                    RedactedParam::Secret {
                        secret,
                        sha256,
                        bytes,
                    } => serde_json::json!({"secret": secret, "sha256": sha256, "bytes": bytes}),
                };
                (name, value)
            })
            .collect()
    }

    /// The secret values (name → value), for the execution's input Secret only.
    pub fn secrets(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.values.iter().filter_map(|(name, value)| match value {
            ParamValue::Secret(s) => Some((name.as_str(), s)),
            _ => None,
        })
    }
}
