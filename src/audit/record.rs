//! One audit record: what was decided or what happened, for one execution. Written as one JSON line ending in
//! its own digest; read back tolerantly (unknown fields kept out of the way, so older readers still verify).
//!
//! Line format: `{"seq":N,"time":…,"kind":"decision"|"outcome",…,"prev":"sha256:…","digest":"sha256:…"}` where
//! `digest` is the SHA-256 of the line with `,"digest":"…"` removed (i.e. of the text ending in `"prev":"…"}`)
//! and `prev` is the previous line's `digest` ([`GENESIS`] for the first line).

use crate::actions::{ExecutionId, ParamValues, TargetRef};
use crate::policy::{Decision, Mode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the first record chains to.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
/// A string parameter longer than this is recorded as its digest and size.
pub const MAX_RECORDED_PARAM: usize = 1024;
/// The text between a record's body and its digest.
pub const DIGEST_FIELD: &str = ",\"digest\":\"";

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Succeeded,
    Failed,
    /// The policy denied it; nothing was sent.
    Denied,
    /// The operator declined to confirm; nothing was sent.
    Cancelled,
    /// Only a server-side dry-run was made.
    DryRun,
    RolledBack,
}

impl Outcome {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Denied => "denied",
            Outcome::Cancelled => "cancelled",
            Outcome::DryRun => "dry-run",
            Outcome::RolledBack => "rolled-back",
        }
    }
}

/// What a record says, apart from its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    /// The policy decision on one planned execution.
    Decision {
        execution: ExecutionId,
        action: String,
        target: String,
        operator: String,
        mode: Mode,
        /// Secrets and long values as `{sha256, bytes}` ([`ParamValues::summary`]).
        parameters: BTreeMap<String, serde_json::Value>,
        decision: Box<Decision>,
        decision_digest: String,
    },
    /// How an execution ended.
    Outcome {
        execution: ExecutionId,
        action: String,
        target: String,
        outcome: Outcome,
        #[serde(default)]
        detail: String,
    },
}

impl Event {
    /// The decision record of one planned execution. Parameters are taken as [`ParamValues`] and recorded
    /// through [`ParamValues::summary`], so a secret's value cannot reach the log.
    #[must_use]
    pub fn decision(
        execution: &ExecutionId,
        action: &str,
        target: &TargetRef,
        operator: &str,
        mode: Mode,
        params: &ParamValues,
        decision: &Decision,
    ) -> Self {
        Event::Decision {
            execution: execution.clone(),
            action: action.to_owned(),
            target: target.to_string(),
            operator: operator.to_owned(),
            mode,
            parameters: params.summary(MAX_RECORDED_PARAM),
            decision: Box::new(decision.clone()),
            decision_digest: decision.digest(),
        }
    }

    /// The outcome record of one execution.
    #[must_use]
    pub fn outcome(
        execution: &ExecutionId,
        action: &str,
        target: &TargetRef,
        outcome: Outcome,
        detail: &str,
    ) -> Self {
        Event::Outcome {
            execution: execution.clone(),
            action: action.to_owned(),
            target: target.to_string(),
            outcome,
            detail: detail.to_owned(),
        }
    }

    /// The execution the record is about.
    #[must_use]
    pub fn execution(&self) -> &ExecutionId {
        match self {
            Event::Decision { execution, .. } | Event::Outcome { execution, .. } => execution,
        }
    }
}

/// The body of a line as written (before the digest is appended).
#[derive(Debug, Serialize)]
pub(super) struct Body<'a> {
    pub seq: u64,
    pub time: &'a str,
    #[serde(flatten)]
    pub event: &'a Event,
    pub prev: &'a str,
}

/// A record as read back.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Record {
    pub seq: u64,
    pub time: String,
    #[serde(flatten)]
    pub event: Event,
    pub prev: String,
    pub digest: String,
}

/// Splits a line into the text its digest covers and the digest it claims.
#[must_use]
pub fn split_digest(line: &str) -> Option<(String, &str)> {
    let (body, rest) = line.rsplit_once(DIGEST_FIELD)?;
    let digest = rest.strip_suffix("\"}")?;
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((format!("{body}}}"), digest))
}
