//! `fluxops action run ACTION TARGET [--param k=v]… [--dry-run] [--yes] [-o text|json] [--timeout D]
//! [--break-glass REASON]`: one action through the whole pipeline (`execution`): the preparation is printed
//! (decision with every reason and warning, permission, preconditions, the dry-run's diff or the server's
//! error, rollback), confirmation is asked on a terminal (the target's name typed when the policy says so),
//! then the execution's progress and outcome. `fluxops action rollback EXECUTION` drives the rollback a
//! finished execution kept (`execution::rollback`) the same way.
//!
//! Exit codes: 0 succeeded (or `--dry-run` passed); 1 denied, forbidden, a precondition or the dry-run failed,
//! declined, failed, timed out (the message names why); 2 usage: unknown action or kind, bad target,
//! parameter or timeout, or a confirmation needed without a terminal and without `--yes`.

use super::action::{EXIT_FAILURE, EXIT_USAGE, catalog};
use super::action_text;
use super::report;
use crate::actions::params::parse_pair;
use crate::actions::{ExecutionId, TargetRef};
use crate::audit::{AuditLog, Outcome};
use crate::cli::{ActionRollbackArgs, ActionRunArgs, ClusterArgs, OutputFormat, UsageError};
use crate::execution::{ActionRequest, ExecutionStatus, Executor, Parts, Phase, Preparation};
use crate::policy::{Confirmation, Gate, Mode};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

fn usage(message: String) -> ExitCode {
    report::print(&UsageError(message));
    ExitCode::from(EXIT_USAGE)
}

fn failure(message: &str) -> ExitCode {
    report::print(&UsageError(message.to_owned()));
    ExitCode::from(EXIT_FAILURE)
}

/// What was asked, checked before anything is read.
struct Asked {
    target: TargetRef,
    params: Vec<(String, String)>,
    timeout: Option<std::time::Duration>,
}

fn parse(args: &ActionRunArgs, cluster: &ClusterArgs) -> Result<Asked, String> {
    if cluster.namespace.is_some() || cluster.all_namespaces {
        return Err("-n/-A are not used by `action run`: the TARGET names the namespace (Kind/namespace/name)".to_owned());
    }
    let target = TargetRef::parse(&args.target).map_err(|e| e.to_string())?;
    let params = args
        .params
        .iter()
        .map(|p| parse_pair(p).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let timeout = match &args.timeout {
        None => None,
        Some(text) => Some(
            humantime::parse_duration(text.trim())
                .map_err(|e| format!("--timeout '{}': {e}", crate::text::sanitize(text)))?,
        ),
    };
    Ok(Asked {
        target,
        params,
        timeout,
    })
}

/// Runs `fluxops action run`; see the module doc.
pub async fn run(args: &ActionRunArgs, cluster: &ClusterArgs) -> ExitCode {
    let asked = match parse(args, cluster) {
        Ok(a) => a,
        Err(message) => return usage(message),
    };
    let catalog = match catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if catalog.get(&args.action).is_none() {
        return usage(format!(
            "unknown action '{}' (actions: {})",
            crate::text::sanitize(&args.action),
            catalog.names().collect::<Vec<_>>().join(", ")
        ));
    }
    let executor = match executor(catalog, &args.dir, cluster).await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let mut request = ActionRequest::new(&args.action, asked.target, Mode::Cli);
    request.params = asked.params;
    request.timeout = asked.timeout;
    request.break_glass.clone_from(&args.break_glass);
    let preparation = match executor.prepare(&request).await {
        Ok(p) => p,
        Err(e) if e.is_usage() => return usage(e.to_string()),
        Err(e) => return failure(&e.to_string()),
    };
    let how = How {
        dry_run: args.dry_run,
        yes: args.yes,
        json: args.output == OutputFormat::Json,
    };
    drive(&executor, &preparation, how).await
}

/// Runs `fluxops action rollback EXECUTION`: the rollback a finished execution kept (this process or an
/// earlier one), prepared like any action (policy, permission, dry-run) and driven the same way.
pub async fn rollback(args: &ActionRollbackArgs, cluster: &ClusterArgs) -> ExitCode {
    let Some(execution) = ExecutionId::parse(args.execution.trim()) else {
        return usage(format!(
            "'{}' is not an execution id (12 hex digits, as `fluxops action run` and `fluxops audit` print)",
            crate::text::sanitize(&args.execution)
        ));
    };
    let catalog = match catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let executor = match executor(catalog, &args.dir, cluster).await {
        Ok(e) => e,
        Err(code) => return code,
    };
    let preparation = match executor.rollback(&execution).await {
        Ok(p) => p,
        Err(e) => return failure(&e.to_string()),
    };
    let how = How {
        dry_run: args.dry_run,
        yes: args.yes,
        json: args.output == OutputFormat::Json,
    };
    drive(&executor, &preparation, how).await
}

/// The executor of a command: settings, policies (loaded before anything is printed: regorus may write
/// warnings), the audit log, the connection.
async fn executor(
    catalog: crate::actions::Catalog,
    dir: &crate::cli::PolicyDirArgs,
    cluster: &ClusterArgs,
) -> Result<Executor, ExitCode> {
    let settings = crate::config::settings::Settings::discover();
    let options = super::connect_options_with(cluster, &settings);
    let user_dir = dir.policies.clone().or_else(crate::policy::user_dir);
    let gate = Gate::load(user_dir.as_deref());
    let audit = AuditLog::default_location().map_err(|e| failure(&e.to_string()))?;
    let connection = crate::cluster::client::connect(&options)
        .await
        .map_err(|e| {
            report::print(&e);
            ExitCode::from(EXIT_FAILURE)
        })?;
    Ok(Executor::new(
        &connection,
        Parts {
            catalog,
            gate,
            audit,
            readonly: settings.readonly,
            jobs: settings.jobs.clone(),
        },
    ))
}

/// How a preparation is driven: dry-run only, confirmation given, JSON output.
#[derive(Clone, Copy)]
struct How {
    dry_run: bool,
    yes: bool,
    json: bool,
}

/// Prints the preparation, stops where it cannot run (or after the dry-run), asks for the confirmation,
/// executes with progress, prints the outcome; the exit code.
async fn drive(executor: &Executor, preparation: &Preparation, how: How) -> ExitCode {
    let json = how.json;
    if !json {
        print(&action_text::preparation(preparation));
    }
    if let Some(why) = action_text::not_executable(preparation) {
        let outcome = if preparation.decision.allow {
            Outcome::Failed
        } else {
            Outcome::Denied
        };
        executor.close(preparation, outcome, &why);
        finish_json(json, preparation, None);
        return failure(&why);
    }
    if how.dry_run {
        executor.close(preparation, Outcome::DryRun, "");
        finish_json(json, preparation, None);
        return ExitCode::SUCCESS;
    }
    let typed = match confirm(preparation, how.yes) {
        Ok(typed) => typed,
        Err((code, why)) => {
            executor.close(preparation, Outcome::Cancelled, &why);
            finish_json(json, preparation, None);
            report::print(&UsageError(why));
            return ExitCode::from(code);
        }
    };
    let status = execute(executor, preparation, &typed, json).await;
    finish_json(json, preparation, Some(&status));
    if !json {
        print(&action_text::outcome(&status));
    }
    match &status.phase {
        Phase::Succeeded => ExitCode::SUCCESS,
        Phase::Failed { why } | Phase::Cancelled { why } => failure(why),
        other => failure(&format!("ended as {other:?}")),
    }
}

/// Asks for the confirmation the decision wants; the text typed (the target's name for `--yes`).
fn confirm(preparation: &Preparation, yes: bool) -> Result<String, (u8, String)> {
    let name = preparation.target.name.clone();
    if yes || preparation.confirmation == Confirmation::None {
        return Ok(name);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err((
            EXIT_USAGE,
            format!(
                "confirmation needed ({}) and standard input is not a terminal: pass --yes to run it",
                preparation.confirmation
            ),
        ));
    }
    let prompt = match preparation.confirmation {
        Confirmation::Typed => format!("Type the target's name ({name}) to run it: "),
        _ => format!(
            "Run {} on {}? [y/N] ",
            preparation.action, preparation.target
        ),
    };
    eprint!("{}", crate::text::sanitize(&prompt));
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if stdin.lock().read_line(&mut line).is_err() {
        return Err((EXIT_FAILURE, "no confirmation was read".to_owned()));
    }
    let answer = line.trim();
    match preparation.confirmation {
        Confirmation::Typed if answer == name => Ok(name),
        Confirmation::Typed => Err((
            EXIT_FAILURE,
            "declined: the name typed is not the target's".to_owned(),
        )),
        _ if matches!(answer, "y" | "Y" | "yes") => Ok(name),
        _ => Err((EXIT_FAILURE, "declined".to_owned())),
    }
}

/// Executes, printing each new step (text) as it happens; Ctrl-C stops it.
async fn execute(
    executor: &Executor,
    preparation: &Preparation,
    typed: &str,
    json: bool,
) -> ExecutionStatus {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ExecutionStatus>(64);
    let cancel = CancellationToken::new();
    let printer = tokio::spawn(async move {
        let mut shown = 0;
        while let Some(status) = rx.recv().await {
            if json {
                continue;
            }
            for step in status.steps.iter().skip(shown) {
                print(&format!("  {}\n", crate::text::sanitize(step)));
            }
            shown = status.steps.len();
        }
    });
    let stop = cancel.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let status = executor.execute(preparation, typed, tx, cancel).await;
    interrupt.abort();
    let _ = printer.await;
    status
}

fn finish_json(json: bool, preparation: &Preparation, status: Option<&ExecutionStatus>) {
    if json {
        let doc = serde_json::json!({"preparation": preparation, "status": status});
        print(&(crate::machine_text::to_json_string_pretty(&doc).unwrap_or_default() + "\n"));
    }
}

fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
