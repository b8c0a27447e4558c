//! `fluxops snapshot restore ID [--only PATTERN]… [--dry-run] [--yes] [--timeout D]`: the chosen objects of a
//! verified snapshot through `execution::restore` (policy, dry-run, confirm, suspend owners, apply, resume,
//! verify, audit), printing the preparation, each step as it happens and the outcome. A snapshot of another
//! cluster (API server URL) is refused.

use super::action::EXIT_USAGE;
use super::snapshot::{clean, failure, load, print, usage};
use crate::audit::{AuditLog, Outcome};
use crate::cli::{ClusterArgs, SnapshotRestoreArgs};
use crate::execution::report::{DryRun, Phase};
use crate::execution::restore::{RestorePreparation, RestoreRequest};
use crate::execution::restore_run::RestoreStatus;
use crate::execution::{Executor, Parts};
use crate::policy::{Confirmation, Gate, Mode};
use crate::snapshot::select::{Pattern, select};
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

/// Runs `fluxops snapshot restore`; see the module doc.
pub async fn run(args: &SnapshotRestoreArgs, cluster: &ClusterArgs) -> ExitCode {
    let patterns: Vec<Pattern> = match args.only.iter().map(|p| Pattern::parse(p)).collect() {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    let timeout = match &args.timeout {
        None => None,
        Some(t) => match humantime::parse_duration(t.trim()) {
            Ok(d) => Some(d),
            Err(e) => return usage(&format!("--timeout '{}': {e}", clean(t))),
        },
    };
    let snapshot = match load(&args.id) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let chosen = match select(snapshot.objects.keys(), &patterns) {
        Ok(c) => c,
        Err(e) => return usage(&e.to_string()),
    };
    let settings = crate::config::settings::Settings::discover();
    let options = super::connect_options_with(cluster, &settings);
    let user_dir = args.dir.policies.clone().or_else(crate::policy::user_dir);
    let gate = Gate::load(user_dir.as_deref());
    let audit = match AuditLog::default_location() {
        Ok(a) => a,
        Err(e) => return failure(&e.to_string()),
    };
    let connection = match crate::cluster::client::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            super::report::print(&e);
            return ExitCode::from(super::action::EXIT_FAILURE);
        }
    };
    if connection.server != snapshot.manifest.cluster {
        return failure(&format!(
            "snapshot {} was taken of {}, not of {} (context {}): refusing to restore it elsewhere",
            clean(&snapshot.manifest.id),
            clean(&snapshot.manifest.cluster),
            clean(&connection.server),
            clean(&connection.context)
        ));
    }
    let catalog = match crate::actions::Catalog::builtin() {
        Ok(c) => c,
        Err(e) => return failure(&e.to_string()),
    };
    let executor = Executor::new(
        &connection,
        Parts {
            catalog,
            gate,
            audit,
            readonly: settings.readonly,
            jobs: settings.jobs.clone(),
        },
    );
    let request = RestoreRequest {
        snapshot: snapshot.manifest.id.clone(),
        objects: chosen
            .iter()
            .filter_map(|k| Some((k.clone(), snapshot.objects.get(k)?.clone())))
            .collect(),
        mode: Mode::Cli,
        break_glass: None,
        timeout,
    };
    let plan = match executor.prepare_restore(&request).await {
        Ok(p) => p,
        Err(e) => return failure(&e.to_string()),
    };
    let shown = plan.preparation().clone();
    print(&preparation(&shown));
    if shown.items.is_empty() {
        executor.close_restore(&plan, Outcome::Cancelled, "nothing to restore");
        print("nothing to restore: every chosen object equals the snapshot\n");
        return ExitCode::SUCCESS;
    }
    if let Some(why) = shown.not_executable() {
        let outcome = if shown.decision.allow {
            Outcome::Failed
        } else {
            Outcome::Denied
        };
        executor.close_restore(&plan, outcome, &why);
        return failure(&why);
    }
    if args.dry_run {
        executor.close_restore(&plan, Outcome::DryRun, "");
        return ExitCode::SUCCESS;
    }
    let confirmed = match confirm(&shown, args.yes) {
        Ok(c) => c,
        Err((code, why)) => {
            executor.close_restore(&plan, Outcome::Cancelled, &why);
            return if code == EXIT_USAGE {
                usage(&why)
            } else {
                failure(&why)
            };
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<RestoreStatus>(64);
    let printer = tokio::spawn(async move {
        let mut shown = 0;
        while let Some(status) = rx.recv().await {
            for step in status.steps.iter().skip(shown) {
                print(&format!("  {}\n", clean(step)));
            }
            shown = status.steps.len();
        }
    });
    let status = executor.execute_restore(plan, confirmed, tx).await;
    let _ = printer.await;
    print(&outcome(&status));
    match &status.phase {
        Phase::Succeeded => ExitCode::SUCCESS,
        Phase::Failed { why } | Phase::Cancelled { why } => failure(why),
        other => failure(&format!("ended as {other:?}")),
    }
}

fn confirm(p: &RestorePreparation, yes: bool) -> Result<bool, (u8, String)> {
    if yes || p.confirmation == Confirmation::None {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err((
            EXIT_USAGE,
            format!(
                "confirmation needed ({}) and standard input is not a terminal: pass --yes to restore",
                p.confirmation
            ),
        ));
    }
    let prompt = match p.confirmation {
        Confirmation::Typed => format!("Type the snapshot id ({}) to restore: ", p.snapshot),
        _ => format!(
            "Restore {} objects from {}? [y/N] ",
            p.items.len(),
            p.snapshot
        ),
    };
    eprint!("{}", clean(&prompt));
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if stdin.lock().read_line(&mut line).is_err() {
        return Err((
            super::action::EXIT_FAILURE,
            "no confirmation was read".to_owned(),
        ));
    }
    let answer = line.trim();
    let ok = match p.confirmation {
        Confirmation::Typed => answer == p.snapshot,
        _ => matches!(answer, "y" | "Y" | "yes"),
    };
    if ok {
        Ok(true)
    } else {
        Err((super::action::EXIT_FAILURE, "declined".to_owned()))
    }
}

/// The preparation, one fact per line.
#[must_use]
pub fn preparation(p: &RestorePreparation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "restore:       snapshot {}", clean(&p.snapshot));
    let _ = writeln!(out, "execution:     {}", p.execution);
    let _ = writeln!(
        out,
        "objects:       {} to apply, {} unchanged",
        p.items.len(),
        p.unchanged
    );
    for item in &p.items {
        let _ = writeln!(
            out,
            "  {} {}{}",
            if item.create { "+" } else { "~" },
            clean(&item.object),
            if item.create {
                " (deleted since: created again)"
            } else {
                ""
            }
        );
        for f in &item.fields {
            let _ = writeln!(out, "      {}", clean(f));
        }
    }
    if !p.owners.is_empty() {
        let _ = writeln!(
            out,
            "owners:        suspended during the restore, resumed after in this order:"
        );
        for o in &p.owners {
            let _ = writeln!(out, "  {}", clean(o));
        }
    }
    for k in &p.kept_suspended {
        let _ = writeln!(
            out,
            "kept suspended: {} (suspended in the snapshot)",
            clean(k)
        );
    }
    let d = &p.decision;
    let verdict = match (d.allow, p.confirmation) {
        (false, _) => "denied".to_owned(),
        (true, Confirmation::None) => "allowed".to_owned(),
        (true, Confirmation::Simple) => "allowed, needs confirmation".to_owned(),
        (true, Confirmation::Typed) => "allowed, needs the snapshot id typed".to_owned(),
    };
    let _ = writeln!(out, "policy:        {verdict}");
    for r in &d.deny {
        let _ = writeln!(out, "  deny:        {}", clean(r));
    }
    for w in &d.warnings {
        let _ = writeln!(out, "  warning:     {}", clean(w));
    }
    let _ = writeln!(
        out,
        "permission:    {}",
        p.forbidden
            .as_deref()
            .map_or_else(|| "ok".to_owned(), |m| format!("forbidden: {}", clean(m)))
    );
    match &p.dry_run {
        DryRun::Passed { .. } => {
            let _ = writeln!(out, "dry-run:       passed on the server");
        }
        DryRun::Failed { request, message } => {
            let _ = writeln!(out, "dry-run:       FAILED: {}", clean(request));
            let _ = writeln!(out, "  {}", clean(message));
        }
        DryRun::Skipped { why } => {
            let _ = writeln!(out, "dry-run:       not run ({})", clean(why));
        }
    }
    out
}

fn outcome(s: &RestoreStatus) -> String {
    let mut out = String::new();
    for c in &s.checks {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            if c.passed { "ok  " } else { "FAIL" },
            clean(&c.name),
            clean(&c.detail)
        );
    }
    let word = match &s.phase {
        Phase::Succeeded => "succeeded".to_owned(),
        Phase::Failed { why } => format!("failed: {}", clean(why)),
        Phase::Cancelled { why } => format!("cancelled: {}", clean(why)),
        other => format!("{other:?}"),
    };
    let _ = writeln!(out, "outcome:       {word}");
    out
}
