//! The policy decision: allowed or not, every deny reason and warning, the confirmation to ask for, and for
//! break-glass the owner to suspend. [`Decision::digest`] is the SHA-256 of its canonical JSON (object keys
//! sorted, no whitespace), carried by the Job's annotations and the audit records.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the operator must confirm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Confirmation {
    #[default]
    None,
    /// Yes/no.
    Simple,
    /// The target's name typed.
    Typed,
}

impl fmt::Display for Confirmation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confirmation::None => "none",
            Confirmation::Simple => "simple",
            Confirmation::Typed => "typed",
        })
    }
}

/// The Flux object to suspend before a break-glass change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for OwnerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// What break-glass requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassPlan {
    pub suspend_owner: OwnerRef,
    pub git_change_required: bool,
    pub reason: String,
}

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// True only when the policies said allow and gave no deny reason.
    pub allow: bool,
    /// Sorted.
    pub deny: Vec<String>,
    /// Sorted.
    pub warnings: Vec<String>,
    pub confirmation: Confirmation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<BreakGlassPlan>,
    /// Set when the policies could not decide and fluxops denied (fail closed): why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_error: Option<String>,
}

impl Decision {
    /// The decision when the policies cannot decide: deny, saying why.
    #[must_use]
    pub fn fail_closed(why: &str) -> Self {
        Self {
            allow: false,
            deny: vec![format!(
                "policies unavailable, every action is denied: {why}"
            )],
            warnings: Vec::new(),
            confirmation: Confirmation::None,
            break_glass: None,
            policy_error: Some(why.to_owned()),
        }
    }

    /// Whether the decision is a fail-closed one.
    #[must_use]
    pub fn failed_closed(&self) -> bool {
        self.policy_error.is_some()
    }

    /// The canonical JSON (sorted keys, no whitespace).
    #[must_use]
    pub fn canonical_json(&self) -> String {
        serde_json::to_value(self).map_or_else(|_| String::new(), |v| canonical(&v))
    }

    /// `sha256:<hex>` of [`Decision::canonical_json`].
    #[must_use]
    pub fn digest(&self) -> String {
        crate::actions::params::sha256_hex(self.canonical_json().as_bytes())
    }
}

/// JSON with object keys sorted at every level and no whitespace.
#[must_use]
pub fn canonical(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_closed_denies_and_says_why() {
        let d = Decision::fail_closed("policies/x.rego:3: boom");
        assert!(!d.allow);
        assert!(d.failed_closed());
        assert!(
            d.deny[0].contains("policies/x.rego:3: boom"),
            "{:?}",
            d.deny
        );
    }

    #[test]
    fn canonical_json_sorts_keys_and_the_digest_follows_content() {
        let v = serde_json::json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(canonical(&v), r#"{"a":{"c":"x","d":[true,null]},"b":1}"#);
        let allow = Decision {
            allow: true,
            deny: vec![],
            warnings: vec![],
            confirmation: Confirmation::Simple,
            break_glass: None,
            policy_error: None,
        };
        assert_eq!(
            allow.canonical_json(),
            r#"{"allow":true,"confirmation":"simple","deny":[],"warnings":[]}"#
        );
        let mut typed = allow.clone();
        typed.confirmation = Confirmation::Typed;
        assert_ne!(allow.digest(), typed.digest());
        assert_eq!(allow.digest(), allow.clone().digest());
        assert!(allow.digest().starts_with("sha256:"));
    }
}
