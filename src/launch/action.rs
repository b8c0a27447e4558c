//! `fluxops action list [--kind K] [-o text|json] [--catalog FILE]`: the catalog (`actions`), for people and for
//! scripts. Exit 0; 1 when the catalog file is invalid (the error names file and line); 2 for an unknown kind.
//! `fluxops action run` is [`super::action_run`].

use super::report;
use crate::actions::spec::{ActionSpec, Executor, ParamKind};
use crate::actions::{Catalog, TargetKind};
use crate::cli::{ActionArgs, ActionCommand, ActionListArgs, OutputFormat};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// A failure (an invalid catalog, a denied decision, a broken chain).
pub const EXIT_FAILURE: u8 = 1;
/// A usage error (like clap's).
pub const EXIT_USAGE: u8 = 2;

/// Runs `fluxops action …` (`cluster`: the cluster flags from both sides of the subcommand).
pub async fn run(args: &ActionArgs, cluster: &crate::cli::ClusterArgs) -> ExitCode {
    match &args.command {
        ActionCommand::List(list) => run_list(list),
        ActionCommand::Run(run) => super::action_run::run(run, cluster).await,
        ActionCommand::Rollback(rollback) => super::action_run::rollback(rollback, cluster).await,
    }
}

/// The catalog of `--catalog FILE`, or the shipped one.
///
/// # Errors
/// The catalog's first problem (`file:line: problem`).
pub fn catalog(file: Option<&std::path::Path>) -> Result<Catalog, crate::config::ConfigProblem> {
    match file {
        Some(path) => Catalog::load_file(path),
        None => Catalog::builtin(),
    }
}

fn run_list(args: &ActionListArgs) -> ExitCode {
    let catalog = match catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let kind = match args.kind.as_deref().map(|k| (k, TargetKind::from_user(k))) {
        None => None,
        Some((_, Some(kind))) => Some(kind),
        Some((text, None)) => {
            let kinds: Vec<&str> = TargetKind::ALL.iter().map(|k| k.as_str()).collect();
            report::print(&crate::cli::UsageError(format!(
                "unknown kind '{}' (kinds: {})",
                crate::text::sanitize(text),
                kinds.join(", ")
            )));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let actions: Vec<&ActionSpec> = catalog
        .actions
        .iter()
        .filter(|a| kind.is_none_or(|k| a.applies_to(k)))
        .collect();
    let text = match args.output {
        OutputFormat::Text => text(&actions),
        OutputFormat::Json => {
            let listed: Vec<Listed<'_>> = actions.iter().map(|a| listed(a)).collect();
            crate::machine_text::to_json_string_pretty(&listed).unwrap_or_default() + "\n"
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn text(actions: &[&ActionSpec]) -> String {
    let mut out = String::new();
    for a in actions {
        let executor = match &a.executor {
            Executor::Direct(op) => format!("direct: {}", op.as_str()),
            Executor::Job(_) => format!("job as {}", a.service_account()),
        };
        let targets: Vec<&str> = a.targets.iter().map(|k| k.as_str()).collect();
        out.push_str(&format!(
            "{}{}  ({executor}; timeout {} up to {})\n    {}\n    targets: {}\n",
            a.name,
            if a.dangerous { "  [dangerous]" } else { "" },
            humantime::format_duration(a.timeouts.default),
            humantime::format_duration(a.timeouts.max),
            a.help,
            targets.join(", "),
        ));
        for p in &a.params {
            let default = p
                .default
                .as_ref()
                .map(|d| format!(", default {d}"))
                .unwrap_or_default();
            let secret = if p.secret { ", secret" } else { "" };
            out.push_str(&format!(
                "    --param {}=…  {} {}{default}{secret}  {}\n",
                p.name,
                p.kind.name(),
                p.kind.bounds(),
                p.help
            ));
        }
        match (&a.rollback.inverse, &a.rollback.note) {
            (Some(inverse), _) => out.push_str(&format!("    rollback: {}\n", inverse.action)),
            (None, Some(note)) => out.push_str(&format!("    rollback: none ({note})\n")),
            (None, None) => {}
        }
    }
    out
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    help: &'a str,
    executor: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<Vec<String>>,
    targets: Vec<&'static str>,
    dangerous: bool,
    mutates: bool,
    owner_reverts: bool,
    timeout: Timeout,
    params: Vec<ListedParam<'a>>,
    rbac: &'a [crate::actions::spec::RbacRule],
    rollback: ListedRollback<'a>,
    preconditions: Vec<&'static str>,
    postconditions: Vec<&'static str>,
    after: Vec<&'static str>,
}

#[derive(Serialize)]
struct Timeout {
    default_seconds: u64,
    max_seconds: u64,
}

#[derive(Serialize)]
struct ListedParam<'a> {
    name: &'a str,
    help: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
    secret: bool,
}

#[derive(Serialize)]
struct ListedRollback<'a> {
    capture: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inverse: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

fn listed(a: &ActionSpec) -> Listed<'_> {
    let (operation, command) = match &a.executor {
        Executor::Direct(op) => (Some(op.as_str()), None),
        Executor::Job(job) => (
            None,
            Some(
                job.args
                    .iter()
                    .map(|arg| match arg {
                        crate::actions::spec::Arg::Text(t) => t.source().to_owned(),
                        crate::actions::spec::Arg::Json(_) => "<json>".to_owned(),
                        crate::actions::spec::Arg::File(_) => "<file>".to_owned(),
                    })
                    .collect(),
            ),
        ),
    };
    Listed {
        name: &a.name,
        help: &a.help,
        executor: a.executor.name(),
        operation,
        service_account: a.job().map(|_| a.service_account()),
        command,
        targets: a.targets.iter().map(|k| k.as_str()).collect(),
        dangerous: a.dangerous,
        mutates: a.mutates,
        owner_reverts: a.owner_reverts,
        timeout: Timeout {
            default_seconds: a.timeouts.default.as_secs(),
            max_seconds: a.timeouts.max.as_secs(),
        },
        params: a
            .params
            .iter()
            .map(|p| {
                let mut lp = ListedParam {
                    name: &p.name,
                    help: &p.help,
                    kind: p.kind.name(),
                    min: None,
                    max: None,
                    pattern: None,
                    max_length: None,
                    values: None,
                    default: p.default.as_deref(),
                    secret: p.secret,
                };
                match &p.kind {
                    ParamKind::Int { min, max } => (lp.min, lp.max) = (Some(*min), Some(*max)),
                    ParamKind::String {
                        pattern,
                        max_length,
                        ..
                    } => {
                        lp.pattern = pattern.as_ref().map(regex::Regex::as_str);
                        lp.max_length = Some(*max_length);
                    }
                    ParamKind::Enum { values } => lp.values = Some(values),
                    ParamKind::Bool => {}
                }
                lp
            })
            .collect(),
        rbac: &a.rbac,
        rollback: ListedRollback {
            capture: a.rollback.capture.iter().map(|c| c.as_str()).collect(),
            inverse: a.rollback.inverse.as_ref().map(|i| i.action.as_str()),
            note: a.rollback.note.as_deref(),
        },
        preconditions: a.preconditions.iter().map(|c| c.as_str()).collect(),
        postconditions: a.postconditions.iter().map(|c| c.as_str()).collect(),
        after: a.after.iter().map(|c| c.as_str()).collect(),
    }
}
