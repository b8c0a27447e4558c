//! A planned execution: the action, its target, checked parameters, the timeout, an execution id and the policy
//! decision ([`Plan`]). Later stages (permission check, dry-run, confirm, execute, verify) take a `Plan`; the Job
//! manifest is built from one (`job::manifest`) and the audit log records its decision and outcome.

use super::params::ParamValues;
use super::spec::ActionSpec;
use super::target::Target;
use super::template::Values;
use crate::policy::Decision;
use rand::Rng;
use std::fmt;
use std::time::Duration;

/// The id of one execution: 12 lowercase hex characters (fits Job names and label values).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ExecutionId(String);

impl ExecutionId {
    /// A new random id.
    #[must_use]
    pub fn random() -> Self {
        let n: u64 = rand::rng().random();
        Self(format!("{:012x}", n & 0xffff_ffff_ffff))
    }

    /// Parses an id (12 lowercase hex characters).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 12
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The timeout of an execution: the one asked for (at most the action's maximum) or the action's default.
///
/// # Errors
/// A requested timeout of zero or above the action's maximum.
pub fn timeout_for(spec: &ActionSpec, requested: Option<Duration>) -> Result<Duration, String> {
    match requested {
        None => Ok(spec.timeouts.default),
        Some(t) if t.is_zero() || t > spec.timeouts.max => Err(format!(
            "timeout {} is outside (0, {}] for '{}'",
            humantime::format_duration(t),
            humantime::format_duration(spec.timeouts.max),
            spec.name
        )),
        Some(t) => Ok(t),
    }
}

/// The values a template of `plan` sees. Secrets only when `with_secrets` (the Job's input files).
pub struct RenderValues<'a> {
    pub target: &'a Target,
    pub params: &'a ParamValues,
    pub timeout: Duration,
    pub execution: &'a ExecutionId,
    pub with_secrets: bool,
}

impl Values for RenderValues<'_> {
    fn value(&self, name: &str) -> Option<String> {
        let rref = &self.target.rref;
        match name {
            "target.name" => Some(rref.name.clone()),
            "target.namespace" => rref.namespace.clone(),
            "target.kind" => Some(rref.kind.as_str().to_owned()),
            "target.resource" => Some(rref.kind.resource()),
            "timeout" => Some(format!("{}s", self.timeout.as_secs())),
            "execution" => Some(self.execution.to_string()),
            "helm.release" => self.target.facts.helm.as_ref().map(|h| h.release.clone()),
            "helm.storageNamespace" => self
                .target
                .facts
                .helm
                .as_ref()
                .map(|h| h.storage_namespace.clone()),
            param => match self.params.get(param) {
                Some(super::params::ParamValue::Secret(s)) if self.with_secrets => {
                    Some(s.expose().to_owned())
                }
                _ => self.params.text(param),
            },
        }
    }
}

/// One action planned against one target, with the policy's decision on it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub spec: ActionSpec,
    pub target: Target,
    pub params: ParamValues,
    pub timeout: Duration,
    pub execution: ExecutionId,
    pub decision: Decision,
}

impl Plan {
    /// The template values of this plan (no secrets).
    #[must_use]
    pub fn values(&self) -> RenderValues<'_> {
        RenderValues {
            target: &self.target,
            params: &self.params,
            timeout: self.timeout,
            execution: &self.execution,
            with_secrets: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_ids_are_twelve_hex_characters() {
        let id = ExecutionId::random();
        assert_eq!(ExecutionId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(id.as_str().len(), 12);
        assert_eq!(ExecutionId::parse("ABCDEF012345"), None);
        assert_eq!(ExecutionId::parse("abc"), None);
        assert_ne!(ExecutionId::random(), ExecutionId::random());
    }
}
