//! `fluxops diagnose [FILE…]`: failure messages in, one JSON line per message out (file, line, class,
//! confidence, headline, facts, next step). No cluster needed. Reading and parsing are `diagnosis::input`, the
//! classification `diagnosis`; this is the I/O around them.
//!
//! Bad input (an unreadable file, a table without `message` column, a row with the wrong number of columns) is
//! reported on stderr as `fluxops diagnose: FILE: line N: problem`; the other rows are still printed and the exit
//! code is 1.
//!
//! `fluxops diagnose --score FILE…` scores labelled tables (a `failure_class` column, optional `facts`) with
//! `diagnosis::evaluate` and prints per file the Markdown report docs/diagnosis.md shows: precision and recall
//! per class, rows right, each miss, expected facts found. Exit code 2 when a wrong class was given with
//! confidence (the rule the classifier must hold), 1 for input that could not be read.

use crate::bounded_file;
use crate::cli::DiagnoseArgs;
use crate::diagnosis::evaluate::{diagnose_row, evaluate};
use crate::diagnosis::input::{self, Row};
use crate::diagnosis::{Confidence, Diagnosis, Facts, FailureClass, NextStep};
use crate::text::sanitize_line;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Exit code when every input was read.
pub const EXIT_OK: u8 = 0;
/// Exit code when some input could not be read (the rest was still diagnosed).
pub const EXIT_BAD_INPUT: u8 = 1;
/// Exit code of `--score` when a wrong class was given with confidence.
pub const EXIT_CONFIDENT_MISS: u8 = 2;

/// One output line.
#[derive(Debug, Serialize)]
struct Line<'a> {
    file: &'a str,
    line: u64,
    class: FailureClass,
    confidence: Confidence,
    headline: String,
    facts: &'a Facts,
    next_step: &'a NextStep,
}

fn read(path: &Path) -> Result<String, bounded_file::Error> {
    let bytes = if path.as_os_str() == "-" {
        bounded_file::read_stdin(path, bounded_file::DATA)?
    } else {
        bounded_file::read(path, bounded_file::DATA)?
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn print(out: &mut impl Write, file: &str, row: &Row, d: &Diagnosis) -> io::Result<()> {
    let line = Line {
        file,
        line: row.line,
        class: d.class,
        confidence: d.confidence,
        headline: d.headline(),
        facts: &d.facts,
        next_step: &d.next_step,
    };
    crate::machine_text::write_json_line(out, &line)
}

/// Runs `fluxops diagnose`; returns the process exit code.
#[must_use]
pub fn run(args: &DiagnoseArgs) -> std::process::ExitCode {
    let stdin = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin[..]
    } else {
        &args.files[..]
    };
    if args.score {
        return score(files).into();
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut code = EXIT_OK;
    for path in files {
        let name = sanitize_line(&path.to_string_lossy()).into_owned();
        let text = match read(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("fluxops diagnose: {name}: cannot read: {}", e.problem);
                code = EXIT_BAD_INPUT;
                continue;
            }
        };
        for row in input::parse(&text) {
            let written = match row {
                Ok(row) => print(&mut out, &name, &row, &diagnose_row(&row)),
                Err(e) => {
                    // Keep stdout and stderr in order for readers of both.
                    let flushed = out.flush();
                    eprintln!(
                        "fluxops diagnose: {name}: {}",
                        sanitize_line(&e.to_string())
                    );
                    code = EXIT_BAD_INPUT;
                    flushed
                }
            };
            if let Err(e) = written {
                return write_failed(&e).into();
            }
        }
    }
    match out.flush() {
        Ok(()) => code,
        Err(e) => write_failed(&e),
    }
    .into()
}

/// `--score`: the evaluation report of each labelled table.
fn score(files: &[PathBuf]) -> u8 {
    let mut out = io::stdout().lock();
    let mut code = EXIT_OK;
    for path in files {
        let name = sanitize_line(&path.to_string_lossy()).into_owned();
        let report = match read(path) {
            Ok(text) => evaluate(&text),
            Err(e) => {
                eprintln!("fluxops diagnose: {name}: cannot read: {}", e.problem);
                code = code.max(EXIT_BAD_INPUT);
                continue;
            }
        };
        for (_, problem) in &report.problems {
            eprintln!("fluxops diagnose: {name}: {}", sanitize_line(problem));
            code = code.max(EXIT_BAD_INPUT);
        }
        if !report.confident_misses().is_empty() {
            code = EXIT_CONFIDENT_MISS;
        }
        // The report quotes the file (expected facts): each line is sanitised like every other output.
        let lines: Vec<String> = report
            .markdown()
            .lines()
            .map(|l| sanitize_line(l).into_owned())
            .collect();
        if let Err(e) = write!(out, "## {name}\n\n{}\n\n", lines.join("\n")) {
            return write_failed(&e);
        }
    }
    code
}

/// A closed pipe (`| head`) ends the output quietly; other write errors are reported.
fn write_failed(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        EXIT_OK
    } else {
        eprintln!("fluxops diagnose: cannot write the output: {e}");
        EXIT_BAD_INPUT
    }
}
