//! The report of `fluxops check` as text (one `file:line: severity[rule]: message` line per finding and its fix,
//! what the change impacts, a summary) and as JSON (`fluxops.check/v1`, written by `machine_text`). Untrusted
//! text (names, messages quoting YAML) is sanitised before it reaches a terminal or a file.

use super::impact::Impact;
use super::{Finding, Severity};
use serde::Serialize;

/// The version of the JSON document shape.
pub const SCHEMA: &str = "fluxops.check/v1";

/// Everything a check found.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema: &'static str,
    /// The checked directory.
    pub path: String,
    /// Sorted by file, line, rule.
    pub findings: Vec<Finding>,
    /// What was (not) done: the build tool used, the base compared with, entry points.
    pub notes: Vec<String>,
    /// What the changed files feed, when a base was compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// The server-side dry-run against a live cluster (`--cluster`, one context).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterDiff>,
    /// The dry-runs against several contexts (`--cluster --context a --context b`, `--all-contexts`), each with
    /// its context, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterDiff>,
}

/// What `--cluster` found: per object, created / unchanged / changed fields / refused (docs/CHECK.md).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterDiff {
    /// The kubeconfig context.
    pub context: String,
    /// The API server URL.
    pub server: String,
    /// The `clusters/<name>` entry point whose objects were dry-run (a repository with several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    pub objects: Vec<crate::execution::preview::Previewed>,
}

/// The diff against live as text: `+` created, `=` unchanged, `~` changed (its fields below), `!` refused,
/// `?` not dry-run (its namespace or CRD is new). Sanitised.
#[must_use]
pub fn cluster_text(diff: &ClusterDiff) -> String {
    use crate::execution::preview::Verdict;
    let entry = diff
        .entry
        .as_ref()
        .map_or_else(String::new, |e| format!(" of clusters/{}", clean(e)));
    let mut out = format!(
        "dry-run against context {} ({}), {} object(s){entry}:\n",
        clean(&diff.context),
        clean(&diff.server),
        diff.objects.len()
    );
    for p in &diff.objects {
        let object = clean(&p.object);
        match &p.verdict {
            Verdict::Created => out.push_str(&format!("  + {object} (created)\n")),
            Verdict::Unchanged => out.push_str(&format!("  = {object} (unchanged)\n")),
            Verdict::Changed { fields } => {
                out.push_str(&format!("  ~ {object} (changed)\n"));
                for f in fields {
                    let side =
                        |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_owned());
                    out.push_str(&format!(
                        "      {}: {} → {}\n",
                        clean(&f.path),
                        clean(&side(&f.live)),
                        clean(&side(&f.applied))
                    ));
                }
            }
            Verdict::Unverified { why } => {
                out.push_str(&format!("  ? {object} (not dry-run: {})\n", clean(why)));
            }
            Verdict::Refused {
                code,
                reason,
                message,
                ..
            } => out.push_str(&format!(
                "  ! {object} refused ({}): {}\n",
                clean(&Verdict::status(*code, reason)),
                clean(message)
            )),
        }
    }
    out
}

impl Report {
    /// Counts of errors, warnings and notes.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Note),
        )
    }
}

fn clean(text: &str) -> String {
    crate::text::sanitize_line(text).into_owned()
}

/// The text report.
#[must_use]
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "{}: {}[{}]: {}\n    fix: {}\n",
            clean(&f.location()),
            f.severity.as_str(),
            f.rule,
            clean(&f.message),
            clean(&f.fix)
        ));
    }
    if let Some(impact) = &report.impact {
        out.push_str(&super::impact::text(impact));
    }
    for diff in report.cluster.iter().chain(&report.clusters) {
        out.push_str(&cluster_text(diff));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {}\n", clean(note)));
    }
    let (errors, warnings, notes) = report.counts();
    out.push_str(&format!(
        "{}: {errors} error(s), {warnings} warning(s), {notes} note(s)\n",
        clean(&report.path)
    ));
    out
}

/// The JSON report (pretty, ending with a newline).
///
/// # Errors
/// Serialisation (cannot fail for this type; passed on rather than hidden).
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = crate::machine_text::to_json_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
