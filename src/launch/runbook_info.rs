//! `fluxops runbook list|show|validate`: the runbooks as text, and their files checked. Nothing here reads a
//! cluster.

use super::action::{EXIT_FAILURE, EXIT_USAGE, catalog};
use super::report;
use crate::cli::{RunbookDirArgs, RunbookShowArgs, RunbookValidateArgs, UsageError};
use crate::runbook::model::{Block, Condition};
use crate::runbook::{Runbook, library, load};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The user runbook directory: `--runbooks`, else `runbooks/` in the config directory.
#[must_use]
pub fn user_dir(args: &RunbookDirArgs) -> Option<PathBuf> {
    args.runbooks
        .clone()
        .or_else(|| crate::config::ConfigPaths::discover().map(|p| p.dir.join("runbooks")))
}

/// Every runbook, or the exit code after printing why not.
pub(super) fn runbooks(args: &RunbookDirArgs) -> Result<Vec<Runbook>, ExitCode> {
    let catalog = catalog(None).map_err(|p| {
        report::print(&p);
        ExitCode::from(EXIT_FAILURE)
    })?;
    let (runbooks, problems) = library::all(&catalog, user_dir(args).as_deref());
    for p in &problems {
        report::print(p);
    }
    if problems.is_empty() {
        Ok(runbooks)
    } else {
        Err(ExitCode::from(EXIT_FAILURE))
    }
}

fn clean(text: &str) -> String {
    crate::text::sanitize(text).into_owned()
}

/// `fluxops runbook list`.
pub fn list(args: &RunbookDirArgs) -> ExitCode {
    let runbooks = match runbooks(args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let width = runbooks
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!("{:width$}  {:<44}  CLASSES\n", "ID", "TITLE");
    for r in &runbooks {
        let _ = writeln!(
            out,
            "{:width$}  {:<44}  {}",
            clean(&r.id),
            clean(&r.title),
            r.classes.join(", ")
        );
    }
    print(&out);
    ExitCode::SUCCESS
}

/// A runbook's steps as text.
#[must_use]
pub fn describe(r: &Runbook) -> String {
    let mut out = format!("{} — {}\n", clean(&r.id), clean(&r.title));
    let _ = writeln!(out, "file:     {}", r.file.display());
    let _ = writeln!(out, "classes:  {}", r.classes.join(", "));
    if !r.target_kinds.is_empty() {
        let kinds: Vec<&str> = r.target_kinds.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(out, "target:   {}", kinds.join(", "));
    }
    for i in &r.inputs {
        let default = i
            .default
            .as_deref()
            .map(|d| format!(" (default {})", clean(d)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "input:    {} ({}){default}: {}",
            clean(&i.name),
            i.kind.name(),
            clean(&i.help)
        );
    }
    out.push('\n');
    for (n, step) in r.steps.iter().enumerate() {
        let branch = if step.branch { "  [branch]" } else { "" };
        let _ = writeln!(
            out,
            "{:>2}. {} ({}){branch}",
            n + 1,
            clean(&step.title),
            clean(&step.id)
        );
        for block in &step.blocks {
            let line = match block {
                Block::Check(c) => {
                    let what = match &c.condition {
                        Condition::Ready {
                            revision: Some(rev),
                        } => format!("ready at {}", rev.source()),
                        other => other.name().to_owned(),
                    };
                    format!(
                        "check {what} {} within {}",
                        c.object.source(),
                        humantime::format_duration(c.timeout)
                    )
                }
                Block::Action(a) => format!("action {} on {}", a.action, a.target.source()),
                Block::Confirm(c) => format!("confirm: {}", c.prompt.source()),
                Block::Record(rec) => format!(
                    "record{}: {}",
                    if rec.git { " (git)" } else { "" },
                    rec.text.source().lines().next().unwrap_or_default()
                ),
            };
            let _ = writeln!(out, "      {}", clean(&line));
        }
        if let Some(goto) = &step.on_failure {
            let _ = writeln!(out, "      on failure → {}", clean(&goto.step));
        }
        if let Some(goto) = &step.next {
            let _ = writeln!(out, "      next → {}", clean(&goto.step));
        }
    }
    out
}

/// `fluxops runbook show`.
pub fn show(args: &RunbookShowArgs) -> ExitCode {
    let runbooks = match runbooks(&args.dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match runbooks.iter().find(|r| r.id == args.id) {
        Some(r) => {
            print(&describe(r));
            ExitCode::SUCCESS
        }
        None => {
            report::print(&UsageError(unknown(&args.id, &runbooks)));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The message for an unknown runbook id.
#[must_use]
pub fn unknown(id: &str, runbooks: &[Runbook]) -> String {
    format!(
        "unknown runbook '{}' (runbooks: {})",
        clean(id),
        runbooks
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `fluxops runbook validate`.
pub fn validate(args: &RunbookValidateArgs) -> ExitCode {
    let catalog = match catalog(None) {
        Ok(c) => c,
        Err(p) => {
            report::print(&p);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut failed = 0usize;
    let mut checked = 0usize;
    if args.files.is_empty() {
        let (runbooks, problems) = library::all(&catalog, user_dir(&args.dir).as_deref());
        checked = runbooks.len() + problems.len();
        failed = problems.len();
        for p in &problems {
            report::print(p);
        }
    } else {
        for file in &args.files {
            checked += 1;
            if let Err(p) = load::load_file(file, &catalog) {
                failed += 1;
                report::print(&p);
            }
        }
    }
    if failed == 0 {
        print(&format!("{checked} runbook(s) valid\n"));
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

pub(super) fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
