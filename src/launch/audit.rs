//! `fluxops audit [--since DURATION|TIME] [--verify] [-o text|json] [--file PATH]`: the audit log (`audit`),
//! listed or verified. Exit 0; 1 when the chain is broken (each broken line named), the log cannot be read or
//! a line is not a record; 2 for a `--since` that is neither a duration nor a time.

use super::action::{EXIT_FAILURE, EXIT_USAGE};
use super::report;
use crate::audit::verify::{read_text, records};
use crate::audit::{AuditLog, Event, Record, verify};
use crate::cli::{AuditArgs, OutputFormat};
use crate::text::sanitize;
use k8s_openapi::jiff::{Timestamp, civil::Date, tz::TimeZone};
use std::io::Write;
use std::process::ExitCode;

/// Reads `--since`: a duration back from `now` (`2h`, `7d`), an RFC 3339 time, or a date (its start, UTC).
///
/// # Errors
/// None of those.
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(d) = humantime::parse_duration(text) {
        let span = k8s_openapi::jiff::SignedDuration::try_from(d).map_err(|e| e.to_string())?;
        return now.checked_sub(span).map_err(|e| e.to_string());
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(date) = text.parse::<Date>() {
        return date
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "--since '{}' is neither a duration (2h, 30m, 7d) nor a time (2025-06-01T10:00:00Z, 2025-06-01)",
        sanitize(text)
    ))
}

/// Runs `fluxops audit`.
#[must_use]
pub fn run(args: &AuditArgs) -> ExitCode {
    let since = match args
        .since
        .as_deref()
        .map(|s| parse_since(s, Timestamp::now()))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(message)) => {
            report::print(&crate::cli::UsageError(message));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let log = match &args.file {
        Some(path) => AuditLog::at(path),
        None => match AuditLog::default_location() {
            Ok(log) => log,
            Err(e) => {
                report::print(&e);
                return ExitCode::from(EXIT_FAILURE);
            }
        },
    };
    let text = match read_text(log.path()) {
        Ok(text) => text,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut out = std::io::stdout().lock();
    if args.verify {
        let v = verify(&text);
        let shown = match args.output {
            OutputFormat::Json => {
                crate::machine_text::to_json_string_pretty(&v).unwrap_or_default() + "\n"
            }
            OutputFormat::Text => {
                let mut s = String::new();
                for p in &v.problems {
                    s.push_str(&format!(
                        "{}:{}: {}\n",
                        log.path().display(),
                        p.line,
                        p.problem
                    ));
                }
                s.push_str(&format!(
                    "{}: {} records, {}{}\n",
                    log.path().display(),
                    v.records,
                    if v.intact() {
                        "chain intact".to_owned()
                    } else {
                        format!("{} broken", v.problems.len())
                    },
                    v.head
                        .as_ref()
                        .map(|h| format!("; head {h}"))
                        .unwrap_or_default()
                ));
                s
            }
        };
        let _ = out.write_all(shown.as_bytes());
        return if v.intact() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_FAILURE)
        };
    }
    let listed = match records(&text, log.path()) {
        Ok(r) => r,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let kept: Vec<Record> = listed
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| since.is_none_or(|s| r.time.parse::<Timestamp>().is_ok_and(|t| t >= s)))
        .collect();
    let shown = match args.output {
        OutputFormat::Json => {
            crate::machine_text::to_json_string_pretty(&kept).unwrap_or_default() + "\n"
        }
        OutputFormat::Text => kept.iter().map(record_text).collect(),
    };
    let _ = out.write_all(shown.as_bytes());
    ExitCode::SUCCESS
}

fn record_text(r: &Record) -> String {
    let body = match &r.event {
        Event::Decision {
            action,
            target,
            operator,
            mode,
            decision,
            ..
        } => {
            let verdict = if decision.allow {
                format!("allowed, confirmation {}", decision.confirmation)
            } else {
                format!("denied: {}", decision.deny.join("; "))
            };
            format!(
                "decision  {action} {target} by {operator} ({}): {verdict}",
                serde_json::to_value(mode)
                    .ok()
                    .and_then(|m| m.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )
        }
        Event::Outcome {
            action,
            target,
            outcome,
            detail,
            ..
        } => {
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!("outcome   {action} {target}: {}{detail}", outcome.as_str())
        }
    };
    format!(
        "{}  #{}  {}  [{}]\n",
        sanitize(&r.time),
        r.seq,
        sanitize(&body),
        r.event.execution()
    )
}
