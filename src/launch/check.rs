//! `fluxops check` and `fluxops hook install`: wiring only (docs/CHECK.md). Loads the repository
//! (`check::load`), collects the findings of each `check` module, prints the report in the chosen format and
//! answers with the exit code: 0 clean, 1 findings at or above `--fail-on`, 3 cannot check.

use crate::check::output::{self, Report};
use crate::check::{self, EXIT_CANNOT_CHECK, FailOn, graph_rules, load, sarif, timing_rules};
use crate::cli::{CheckArgs, CheckFormat, FailOnArg, HookArgs};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Why the repository could not be checked (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum CannotCheck {
    #[error(transparent)]
    Repo(#[from] crate::flux::repo::RepoError),
    #[error("--cluster: the server-side dry-run against a live cluster is not built yet")]
    ClusterNotBuilt,
    #[error("{0}")]
    Other(String),
}

/// Runs `fluxops check`.
#[must_use]
pub fn run(args: &CheckArgs) -> ExitCode {
    match check_report(args) {
        Ok(report) => {
            let fail_on = match args.fail_on {
                FailOnArg::Error => FailOn::Error,
                FailOnArg::Warning => FailOn::Warning,
            };
            let rendered = match args.output {
                CheckFormat::Text => Ok(output::text(&report)),
                CheckFormat::Json => output::json(&report),
                CheckFormat::Sarif => sarif::render(&report),
            };
            let text = match rendered {
                Ok(t) => t,
                Err(e) => {
                    super::report::print(&e);
                    return ExitCode::from(EXIT_CANNOT_CHECK);
                }
            };
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            ExitCode::from(check::exit_code(&report.findings, fail_on))
        }
        Err(e) => {
            super::report::print(&e);
            ExitCode::from(EXIT_CANNOT_CHECK)
        }
    }
}

/// The report of `fluxops check` for `args` (what [`run`] prints).
///
/// # Errors
/// The repository cannot be checked (see [`CannotCheck`]).
pub fn check_report(args: &CheckArgs) -> Result<Report, CannotCheck> {
    if args.cluster.is_some() {
        return Err(CannotCheck::ClusterNotBuilt);
    }
    let root: PathBuf = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = load::load(&root, args.entry.as_deref())?;
    let mut report = Report {
        schema: output::SCHEMA,
        path: root.display().to_string(),
        ..Report::default()
    };
    report.findings = static_findings(&repo);
    if repo.entries.len() > 1 {
        let names: Vec<String> = repo
            .entries
            .iter()
            .filter_map(|e| e.cluster.clone())
            .collect();
        report.notes.push(format!(
            "checked each cluster entry point on its own: clusters/{{{}}}",
            names.join(",")
        ));
    }
    check::normalise(&mut report.findings);
    Ok(report)
}

/// The findings that need no build tool and no base: graph and timing.
#[must_use]
pub fn static_findings(repo: &load::Repository) -> Vec<check::Finding> {
    let mut findings = graph_rules::findings(repo);
    findings.extend(timing_rules::findings(repo));
    findings
}

/// Runs `fluxops hook …`.
#[must_use]
pub fn hook(args: &HookArgs) -> ExitCode {
    let _ = args;
    let _ = Path::new("");
    ExitCode::from(EXIT_CANNOT_CHECK)
}
