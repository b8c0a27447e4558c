//! The text `fluxops action run` prints: the preparation (what would happen and why it may or may not) and
//! the outcome. Every string that came from the cluster or the policies is sanitised (`text::sanitize_line`).

use crate::execution::{DryRun, ExecutionStatus, Phase, Preparation};
use crate::policy::Confirmation;
use std::fmt::Write;

fn clean(text: &str) -> String {
    crate::text::sanitize_line(text).into_owned()
}

/// The preparation, one fact per line.
#[must_use]
pub fn preparation(p: &Preparation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "action:        {}", p.action);
    let _ = writeln!(out, "target:        {}", clean(&p.target.to_string()));
    let _ = writeln!(out, "execution:     {}", p.execution);
    if !p.params.is_empty() {
        let shown: Vec<String> = p
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", clean(v)))
            .collect();
        let _ = writeln!(out, "parameters:    {}", shown.join(" "));
    }
    let decision = &p.decision;
    let verdict = if decision.allow {
        match p.confirmation {
            Confirmation::None => "allowed".to_owned(),
            Confirmation::Simple => "allowed, needs confirmation".to_owned(),
            Confirmation::Typed => "allowed, needs the target's name typed".to_owned(),
        }
    } else {
        "denied".to_owned()
    };
    let _ = writeln!(out, "policy:        {verdict}");
    for reason in &decision.deny {
        let _ = writeln!(out, "  deny:        {}", clean(reason));
    }
    for warning in &decision.warnings {
        let _ = writeln!(out, "  warning:     {}", clean(warning));
    }
    if let Some(plan) = &decision.break_glass {
        let _ = writeln!(
            out,
            "  break-glass: suspend {} first; a Git change must follow ({})",
            clean(&plan.suspend_owner.to_string()),
            clean(&plan.reason)
        );
    }
    let _ = writeln!(
        out,
        "permission:    {}",
        p.forbidden
            .as_deref()
            .map_or_else(|| "ok".to_owned(), |m| format!("forbidden: {}", clean(m)))
    );
    if !p.preconditions.is_empty() {
        let _ = writeln!(out, "preconditions:");
        for c in &p.preconditions {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            let _ = writeln!(out, "  {mark} {}: {}", c.name, clean(&c.detail));
        }
    }
    match &p.dry_run {
        DryRun::Passed { diff } => {
            let _ = writeln!(out, "dry-run:       passed on the server");
            for line in diff {
                let _ = writeln!(out, "  {}", clean(line));
            }
        }
        DryRun::Failed { request, message } => {
            let _ = writeln!(out, "dry-run:       FAILED: {}", clean(request));
            let _ = writeln!(out, "  {}", clean(message));
        }
        DryRun::Skipped { why } => {
            let _ = writeln!(out, "dry-run:       not run ({})", clean(why));
        }
    }
    if let Some(yaml) = &p.job_yaml {
        let _ = writeln!(out, "job:");
        for line in yaml.lines() {
            let _ = writeln!(out, "  {}", clean(line));
        }
    }
    let rollback = match (&p.inverse, p.rollback.is_empty()) {
        (Some(inverse), false) => format!("{inverse} (captured: {})", p.rollback.join(", ")),
        (Some(inverse), true) => inverse.clone(),
        (None, false) => format!("no inverse action (captured: {})", p.rollback.join(", ")),
        (None, true) => "none".to_owned(),
    };
    let _ = writeln!(out, "rollback:      {}", clean(&rollback));
    out
}

/// Why the preparation cannot be executed, in words (`None` when it can).
#[must_use]
pub fn not_executable(p: &Preparation) -> Option<String> {
    if !p.decision.allow {
        return Some(format!(
            "denied by policy: {}",
            clean(&p.decision.deny.join("; "))
        ));
    }
    if let Some(missing) = &p.forbidden {
        return Some(format!("forbidden: {}", clean(missing)));
    }
    if let Some(c) = p.preconditions.iter().find(|c| !c.passed) {
        return Some(format!(
            "precondition {} does not hold: {}",
            c.name,
            clean(&c.detail)
        ));
    }
    match &p.dry_run {
        DryRun::Passed { .. } => None,
        DryRun::Failed { request, message } => Some(format!(
            "the server-side dry-run failed: {}: {}",
            clean(request),
            clean(message)
        )),
        DryRun::Skipped { why } => Some(format!("not run: {}", clean(why))),
    }
}

/// The outcome lines.
#[must_use]
pub fn outcome(s: &ExecutionStatus) -> String {
    let mut out = String::new();
    for c in &s.postconditions {
        let mark = if c.passed { "ok  " } else { "FAIL" };
        let _ = writeln!(
            out,
            "postcondition: {mark} {}: {}",
            c.name,
            clean(&c.detail)
        );
    }
    let phase = match &s.phase {
        Phase::Succeeded => "succeeded".to_owned(),
        Phase::Failed { why } => format!("failed: {}", clean(why)),
        Phase::Cancelled { why } => format!("cancelled: {}", clean(why)),
        other => format!("{other:?}"),
    };
    let _ = writeln!(out, "outcome:       {phase}");
    if s.rollback_available {
        let _ = writeln!(
            out,
            "rollback:      available: fluxops action rollback {} (or `r` on the console's Jobs screen)",
            s.execution
        );
    }
    out
}
