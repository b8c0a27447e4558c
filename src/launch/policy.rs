//! `fluxops policy eval --input FILE` and `fluxops policy test [DIR]`: the policy gate (`policy`) on an input
//! document or a directory of test cases. The shipped policies plus the user's (`--policies DIR`, default the
//! config directory's `policies/`).
//!
//! `policy test` without a directory runs the shipped cases (`fixtures/policy`, embedded) and the user's
//! (`tests/` in the policy directory).
//!
//! Exit codes: `eval` 0 when allowed, 1 when denied (a policy that cannot decide denies: the reason says why) or
//! the input cannot be read; `test` 0 when every case passes, 1 otherwise or when the policies do not load.

use super::action::EXIT_FAILURE;
use super::report;
use crate::cli::{
    OutputFormat, PolicyArgs, PolicyCommand, PolicyDirArgs, PolicyEvalArgs, PolicyTestArgs,
};
use crate::config::ConfigProblem;
use crate::policy::fixture::{self, Outcome};
use crate::policy::{Decision, Gate, PolicyInput};
use crate::text::sanitize;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `fluxops policy …`.
#[must_use]
pub fn run(args: &PolicyArgs) -> ExitCode {
    match &args.command {
        PolicyCommand::Eval(eval) => run_eval(eval),
        PolicyCommand::Test(test) => run_test(test),
    }
}

fn user_dir(args: &PolicyDirArgs) -> Option<PathBuf> {
    args.policies.clone().or_else(crate::policy::user_dir)
}

/// The gate for the command: loaded before anything is printed (regorus may write warnings while preparing).
fn gate(args: &PolicyDirArgs) -> Gate {
    Gate::load(user_dir(args).as_deref())
}

fn read_input(path: &Path) -> Result<PolicyInput, ConfigProblem> {
    let text = if path.as_os_str() == "-" {
        let limit = crate::bounded_file::Limit {
            bytes: crate::policy::fixture::MAX_FIXTURE_BYTES,
            what: "policy inputs",
        };
        let bytes = crate::bounded_file::read_stdin(path, limit)
            .map_err(|e| ConfigProblem::unreadable(&e))?;
        String::from_utf8(bytes)
            .map_err(|e| ConfigProblem::at(path, 0, format!("not UTF-8: {e}")))?
    } else {
        crate::actions::load::read_bounded(path, crate::policy::fixture::MAX_FIXTURE_BYTES)?
    };
    parse_input(&text, path)
}

/// An input document, or a test case (`input` + `expect`, as in `fixtures/policy/`) whose input is decided.
fn parse_input(text: &str, path: &Path) -> Result<PolicyInput, ConfigProblem> {
    let is_case = serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("input").is_some() && v.get("action").is_none());
    if is_case {
        return fixture::parse(text, path).map(|f| f.input);
    }
    serde_json::from_str(text).map_err(|e| ConfigProblem::at(path, e.line() as u64, e.to_string()))
}

#[derive(Serialize)]
struct Evaluated<'a> {
    decision: &'a Decision,
    digest: String,
}

fn run_eval(args: &PolicyEvalArgs) -> ExitCode {
    let mut gate = gate(&args.dir);
    let input = match read_input(&args.input) {
        Ok(input) => input,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if let Some(problem) = gate.problem() {
        // The decision below denies (fail closed) and says why; the error line makes a script's log say it too.
        report::print(problem);
    }
    let decision = gate.decide(&input);
    let text = match args.output {
        OutputFormat::Json => {
            let shown = Evaluated {
                decision: &decision,
                digest: decision.digest(),
            };
            crate::machine_text::to_json_string_pretty(&shown).unwrap_or_default() + "\n"
        }
        OutputFormat::Text => decision_text(&decision),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if decision.allow {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// A decision in words.
#[must_use]
pub fn decision_text(decision: &Decision) -> String {
    let mut out = if decision.allow {
        format!("allowed (confirmation: {})\n", decision.confirmation)
    } else {
        "denied\n".to_owned()
    };
    for reason in &decision.deny {
        out.push_str(&format!("  deny: {}\n", sanitize(reason)));
    }
    for warning in &decision.warnings {
        out.push_str(&format!("  warning: {}\n", sanitize(warning)));
    }
    if let Some(plan) = &decision.break_glass {
        out.push_str(&format!(
            "  break-glass: suspend {} first; a Git change must follow (reason: {})\n",
            sanitize(&plan.suspend_owner.to_string()),
            sanitize(&plan.reason)
        ));
    }
    out.push_str(&format!("  decision digest: {}\n", decision.digest()));
    out
}

#[derive(Serialize)]
struct Tested<'a> {
    file: String,
    description: &'a str,
    passed: bool,
    problems: &'a [String],
}

/// The cases of `DIR`; without one, the shipped cases plus those in the user policy directory's `tests/` (when
/// it exists), so a user policy is tested against the shipped expectations too.
fn cases(args: &PolicyTestArgs) -> Result<Vec<fixture::Fixture>, ConfigProblem> {
    if let Some(dir) = &args.cases {
        return fixture::load_dir(dir);
    }
    let mut all = fixture::shipped()?;
    if let Some(dir) = user_dir(&args.dir).map(|d| d.join("tests"))
        && dir.is_dir()
    {
        all.extend(fixture::load_dir(&dir)?);
    }
    Ok(all)
}

fn run_test(args: &PolicyTestArgs) -> ExitCode {
    let mut gate = gate(&args.dir);
    if let Some(problem) = gate.problem() {
        report::print(problem);
        return ExitCode::from(EXIT_FAILURE);
    }
    let fixtures = match cases(args) {
        Ok(f) => f,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let outcomes = fixture::run(&mut gate, &fixtures);
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let text = match args.output {
        OutputFormat::Json => {
            let shown: Vec<Tested<'_>> = outcomes
                .iter()
                .map(|o| Tested {
                    file: o.path.display().to_string(),
                    description: &o.description,
                    passed: o.passed(),
                    problems: &o.problems,
                })
                .collect();
            crate::machine_text::to_json_string_pretty(&shown).unwrap_or_default() + "\n"
        }
        OutputFormat::Text => test_text(&outcomes, failed),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if failed == 0 && !outcomes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

fn test_text(outcomes: &[Outcome], failed: usize) -> String {
    let mut out = String::new();
    for o in outcomes {
        let name = o
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  {}  {}\n",
            if o.passed() { "ok  " } else { "FAIL" },
            sanitize(&name),
            sanitize(&o.description)
        ));
        for p in &o.problems {
            out.push_str(&format!("        {}\n", sanitize(p)));
        }
    }
    out.push_str(&format!(
        "{} cases, {} passed, {failed} failed\n",
        outcomes.len(),
        outcomes.len() - failed
    ));
    out
}
