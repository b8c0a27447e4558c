//! `fluxops check`: what would break in a GitOps repository, found before the commit is pushed (docs/CHECK.md).
//!
//! The pipeline, each step a module of its own:
//! - [`load`]: the repository loaded with the loader of `graph --from-dir` (`flux::repo`), one load per
//!   `clusters/<name>` entry point of a multi-cluster repository (the same object under two clusters is not a
//!   duplicate), and the graph of each;
//! - [`graph_rules`]: the graph's own warnings (`graph::warning`, not re-implemented) and the loader's problems
//!   as findings, plus what the graph does not judge: a Kustomization path that does not exist;
//! - [`timing_rules`]: intervals, timeouts and retry intervals that cannot work;
//! - [`build`]: every Kustomization's path built as kustomize-controller builds it (plan pure, `kustomize` /
//!   `kubectl kustomize` run by [`tool`]), postBuild substitution ([`substitute`]);
//! - [`charts`]: chart versions (and OCIRepository tags) against their repository's index or registry
//!   ([`chart_range`]: the constraint syntax; [`chart_fetch`]: the asking);
//! - [`immutable`]: immutable-field changes between two builds (the table of fields is data);
//! - [`git`]: the base revision checked out in a temporary worktree;
//! - [`impact`]: which Kustomizations and HelmReleases changed files feed, and what is downstream;
//! - [`output`] (text, JSON) and [`sarif`]: the report; [`hook`]: `fluxops hook install`.
//!
//! Every finding names a file and line, a rule id ([`rules`], the catalogue as data), a severity and a one-line
//! fix. Exit codes: 0 clean, 1 findings at or above `--fail-on`, 3 cannot check ([`exit_code`]).

pub mod build;
pub mod chart_fetch;
pub mod chart_range;
pub mod charts;
pub mod git;
pub mod graph_rules;
pub mod hook;
pub mod immutable;
pub mod impact;
pub mod load;
pub mod output;
pub mod remote;
pub mod rules;
pub mod sarif;
pub mod substitute;
pub mod timing_rules;
pub mod tool;

use serde::Serialize;
use std::path::PathBuf;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a check.
    Note,
    /// Likely to hurt (slow recovery, a trap), not certain to fail.
    Warning,
    /// Will fail to reconcile or apply.
    Error,
}

impl Severity {
    /// The word in text output and SARIF's `level`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding: where, which rule, how bad, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Relative to the checked directory.
    pub file: PathBuf,
    /// 1-based, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The rule id ([`rules::RULES`]).
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong (one line).
    pub message: String,
    /// What to do (one line).
    pub fix: String,
}

impl Finding {
    /// A finding of `rule` with the rule's severity and fix.
    #[must_use]
    pub fn new(rule: &rules::Rule, file: PathBuf, line: Option<usize>, message: String) -> Self {
        Finding {
            file,
            line,
            rule: rule.id,
            severity: rule.severity,
            message,
            fix: rule.fix.to_owned(),
        }
    }

    /// The same finding with another severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding with a more specific fix.
    #[must_use]
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    /// `file:line`, the form editors and CI logs understand.
    #[must_use]
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }
}

/// What `--fail-on` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
}

/// Exit code: the check ran and found nothing at or above the threshold.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: the repository could not be checked (no such directory, a base revision that does not resolve).
pub const EXIT_CANNOT_CHECK: u8 = 3;

/// The exit code for `findings` with the threshold `fail_on`.
#[must_use]
pub fn exit_code(findings: &[Finding], fail_on: FailOn) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    if findings.iter().any(|f| f.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Sorts findings by file, line, rule and message and drops exact repeats (a base file loaded under two
/// cluster entry points reports once).
pub fn normalise(findings: &mut Vec<Finding>) {
    findings.sort();
    findings.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity) -> Finding {
        Finding {
            file: PathBuf::from("a.yaml"),
            line: Some(3),
            rule: "cycle",
            severity,
            message: "m".into(),
            fix: "f".into(),
        }
    }

    #[test]
    fn exit_code_follows_the_threshold() {
        assert_eq!(exit_code(&[], FailOn::Error), EXIT_CLEAN);
        assert_eq!(
            exit_code(&[finding(Severity::Warning)], FailOn::Error),
            EXIT_CLEAN
        );
        assert_eq!(
            exit_code(&[finding(Severity::Warning)], FailOn::Warning),
            EXIT_FINDINGS
        );
        assert_eq!(
            exit_code(&[finding(Severity::Note)], FailOn::Warning),
            EXIT_CLEAN
        );
        assert_eq!(
            exit_code(&[finding(Severity::Error)], FailOn::Error),
            EXIT_FINDINGS
        );
        assert_eq!(finding(Severity::Error).location(), "a.yaml:3");
    }
}
