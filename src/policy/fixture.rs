//! Policy test cases: JSON files of an input document and the decision expected for it (docs/POLICIES.md), run
//! by `fluxops policy test [DIR]` and by `tests/policies.rs`. The shipped cases are embedded ([`SHIPPED`]).
//!
//! The expectation states the whole decision: `allow` and `confirmation` exactly; `deny` and `warnings` as one
//! text fragment per reason, in the decision's (sorted) order, so an extra or missing reason fails; and
//! `break_glass` (absent or null means none).

use super::decision::{BreakGlassPlan, Confirmation, Decision};
use super::gate::Gate;
use super::input::PolicyInput;
use crate::config::ConfigProblem;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The largest fixture file read.
pub const MAX_FIXTURE_BYTES: u64 = 512 * 1024;

/// The expected decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub allow: bool,
    pub confirmation: Confirmation,
    #[serde(default)]
    pub deny: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub break_glass: Option<BreakGlassPlan>,
}

/// One case.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(skip)]
    pub path: PathBuf,
    pub description: String,
    pub input: PolicyInput,
    pub expect: Expect,
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub path: PathBuf,
    pub description: String,
    /// Empty when the case passed.
    pub problems: Vec<String>,
    pub decision: Decision,
}

impl Outcome {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Parses one fixture file's text.
///
/// # Errors
/// Not JSON, or not the fixture shape (unknown fields included), with the line.
pub fn parse(text: &str, path: &Path) -> Result<Fixture, ConfigProblem> {
    let mut fixture: Fixture = serde_json::from_str(text)
        .map_err(|e| ConfigProblem::at(path, e.line() as u64, e.to_string()))?;
    fixture.path = path.to_path_buf();
    Ok(fixture)
}

/// The shipped cases (`fixtures/policy/*.json`, embedded): what `fluxops policy test` runs without a directory.
/// `tests/policies.rs` checks this list is the directory's.
pub const SHIPPED: &[(&str, &str)] = {
    macro_rules! shipped {
        ($($file:literal),* $(,)?) => {
            &[$((concat!("fixtures/policy/", $file), include_str!(concat!("../../fixtures/policy/", $file))),)*]
        };
    }
    shipped!(
        "allowlist-allow-scale.json",
        "allowlist-deny-readonly-mode.json",
        "allowlist-deny-unknown-action.json",
        "confirmation-typed-for-dangerous.json",
        "critical-allow-scale-down-not-to-zero.json",
        "critical-allow-scale-to-zero-warns.json",
        "critical-deny-scale-to-zero.json",
        "gitops-allow-break-glass.json",
        "gitops-allow-change-the-owner-keeps.json",
        "gitops-allow-owner-suspended.json",
        "gitops-deny-break-glass-without-reason.json",
        "gitops-deny-owner-not-suspended.json",
        "gitops-warn-suspend-of-owned-helmrelease.json",
        "mass-change-allow-small-bulk.json",
        "mass-change-deny-above-m.json",
        "mass-change-typed-above-n.json",
        "namespaces-allow-flux-control-in-flux-system.json",
        "namespaces-allow-rollout-status-in-kube-system.json",
        "namespaces-deny-workload-in-kube-system.json",
        "nodes-allow-cordon-worker.json",
        "nodes-allow-uncordon-control-plane.json",
        "nodes-deny-cordon-legacy-master.json",
        "nodes-deny-drain-control-plane.json",
        "patch-size-allow-configmap.json",
        "patch-size-allow-secret.json",
        "patch-size-deny-configmap.json",
        "patch-size-deny-secret.json",
    )
};

/// The shipped cases, parsed.
///
/// # Errors
/// A shipped case that is not a fixture (a bug the test suite catches).
pub fn shipped() -> Result<Vec<Fixture>, ConfigProblem> {
    SHIPPED
        .iter()
        .map(|(path, text)| parse(text, Path::new(path)))
        .collect()
}

/// Every `*.json` in `dir`, sorted by name.
///
/// # Errors
/// The directory or a file cannot be read, or a file is not a fixture.
pub fn load_dir(dir: &Path) -> Result<Vec<Fixture>, ConfigProblem> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ConfigProblem::at(dir, 0, format!("cannot list the directory: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = crate::actions::load::read_bounded(f, MAX_FIXTURE_BYTES)?;
            parse(&text, f)
        })
        .collect()
}

/// What differs between `expect` and `decision`.
#[must_use]
pub fn compare(expect: &Expect, decision: &Decision) -> Vec<String> {
    let mut problems = Vec::new();
    if expect.allow != decision.allow {
        problems.push(format!(
            "allow: expected {}, got {}",
            expect.allow, decision.allow
        ));
    }
    if expect.confirmation != decision.confirmation {
        problems.push(format!(
            "confirmation: expected {}, got {}",
            expect.confirmation, decision.confirmation
        ));
    }
    compare_list("deny", &expect.deny, &decision.deny, &mut problems);
    compare_list(
        "warnings",
        &expect.warnings,
        &decision.warnings,
        &mut problems,
    );
    if expect.break_glass != decision.break_glass {
        problems.push(format!(
            "break_glass: expected {}, got {}",
            serde_json::to_string(&expect.break_glass).unwrap_or_default(),
            serde_json::to_string(&decision.break_glass).unwrap_or_default()
        ));
    }
    problems
}

fn compare_list(what: &str, expected: &[String], got: &[String], problems: &mut Vec<String>) {
    let matches = expected.len() == got.len()
        && expected
            .iter()
            .zip(got)
            .all(|(e, g)| g.contains(e.as_str()));
    if !matches {
        problems.push(format!("{what}: expected {expected:?}, got {got:?}"));
    }
}

/// Runs every fixture through `gate`.
pub fn run(gate: &mut Gate, fixtures: &[Fixture]) -> Vec<Outcome> {
    fixtures
        .iter()
        .map(|f| {
            let decision = gate.decide(&f.input);
            Outcome {
                path: f.path.clone(),
                description: f.description.clone(),
                problems: compare(&f.expect, &decision),
                decision,
            }
        })
        .collect()
}
