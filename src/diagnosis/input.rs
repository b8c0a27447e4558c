//! The input of `fluxops diagnose` (pure, over text already read): either failure messages one per line, or a
//! table of tab-separated values whose header has a `message` column and optionally `kind` and
//! `condition_reason` (or `reason`) columns, like `shared/data/failures.tsv`.
//!
//! The table form is detected by its first line: tab-separated column names (short words). Fields may be quoted
//! the way spreadsheet and Python exports quote them (`"…""…"`, read by the `csv` crate); `\n`, `\t` and `\\` in
//! a field stand for a line break, a tab and a backslash; `-` or an empty field means unknown. A row with the
//! wrong number of columns is an error for that row only: the other rows are still read.

use std::fmt;

/// One message to diagnose, with its 1-based line number in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub message: String,
    /// The `kind` column (a Flux kind name), when present and known.
    pub kind: Option<String>,
    /// The `condition_reason` (or `reason`) column, when present and known.
    pub reason: Option<String>,
    /// Every column of a table row as (header, value); empty for plain lines.
    pub columns: Vec<(String, String)>,
}

impl Row {
    /// The value of a column of a table row (unescaped; `-` kept as is).
    #[must_use]
    pub fn column(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What is wrong with a part of the input; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("line {line}: the table header has no `message` column (columns: {columns})")]
    NoMessageColumn { line: u64, columns: String },
    #[error("line {line}: {found} columns, the header has {expected}")]
    WrongColumnCount {
        line: u64,
        expected: u64,
        found: u64,
    },
    #[error("line {line}: {what}")]
    Unreadable { line: u64, what: String },
}

impl InputError {
    /// The line the problem is on.
    #[must_use]
    pub fn line(&self) -> u64 {
        match self {
            InputError::NoMessageColumn { line, .. }
            | InputError::WrongColumnCount { line, .. }
            | InputError::Unreadable { line, .. } => *line,
        }
    }
}

/// Which form the input has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Lines,
    Table,
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Form::Lines => "one message per line",
            Form::Table => "table with a header",
        })
    }
}

/// Whether the first line is a table header: at least two tab-separated short column names.
#[must_use]
pub fn detect(text: &str) -> Form {
    let first = text.lines().next().unwrap_or_default();
    let names: Vec<&str> = first.split('\t').map(str::trim).collect();
    let is_name = |n: &str| {
        !n.is_empty()
            && n.len() <= 40
            && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
    };
    if names.len() >= 2 && names.iter().all(|n| is_name(n)) {
        Form::Table
    } else {
        Form::Lines
    }
}

/// Reads every row; bad rows are errors in place, the others are still read.
#[must_use]
pub fn parse(text: &str) -> Vec<Result<Row, InputError>> {
    // Spreadsheet exports start with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match detect(text) {
        Form::Lines => parse_lines(text),
        Form::Table => parse_table(text),
    }
}

fn parse_lines(text: &str) -> Vec<Result<Row, InputError>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            Ok(Row {
                line: i as u64 + 1,
                message: l.trim_end_matches('\r').to_owned(),
                kind: None,
                reason: None,
                columns: Vec::new(),
            })
        })
        .collect()
}

fn known(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && v != "-").then(|| v.to_owned())
}

/// `\n`, `\r`, `\t`, `\\` stand for themselves; any other backslash is kept.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn parse_table(text: &str) -> Vec<Result<Row, InputError>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|n| n.trim().to_owned()).collect(),
        Err(e) => {
            return vec![Err(InputError::Unreadable {
                line: 1,
                what: e.to_string(),
            })];
        }
    };
    let index = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let Some(message_at) = index(&["message"]) else {
        return vec![Err(InputError::NoMessageColumn {
            line: 1,
            columns: header.join(", "),
        })];
    };
    let kind_at = index(&["kind"]);
    let reason_at = index(&["condition_reason", "reason"]);
    let mut out = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                let fields: Vec<String> = record.iter().map(unescape).collect();
                let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).and_then(|v| known(v));
                out.push(Ok(Row {
                    line,
                    message: fields.get(message_at).cloned().unwrap_or_default(),
                    kind: get(kind_at),
                    reason: get(reason_at),
                    columns: header.iter().cloned().zip(fields.iter().cloned()).collect(),
                }));
            }
            Err(e) => out.push(Err(match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    pos,
                    expected_len,
                    len,
                } => InputError::WrongColumnCount {
                    line: pos.as_ref().map_or(0, csv::Position::line),
                    expected: *expected_len,
                    found: *len,
                },
                _ => InputError::Unreadable {
                    line: e.position().map_or(0, csv::Position::line),
                    what: e.to_string(),
                },
            })),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_are_messages_and_blank_lines_are_skipped() {
        let rows = parse("dependency 'a/b' is not ready\n\n  \nkustomize build failed: x\r\n");
        let rows: Vec<Row> = rows.into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 1);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].message, "kustomize build failed: x");
        assert_eq!(rows[1].kind, None);
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_header() {
        let rows = parse("\u{feff}kind\tmessage\nHelmRelease\tboom\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].as_ref().map(|r| r.message.as_str()), Ok("boom"));
    }

    #[test]
    fn a_message_with_a_tab_is_not_mistaken_for_a_header() {
        assert_eq!(
            detect("Helm install failed:\ttimed out waiting"),
            Form::Lines
        );
        assert_eq!(detect("kind\tmessage"), Form::Table);
    }

    #[test]
    fn table_rows_read_quoted_fields_escapes_and_unknowns() {
        let text = "kind\tcondition_reason\tmessage\n\
                    HelmRelease\t-\t\"a \"\"quoted\"\" word\"\n\
                    Kustomization\tBuildFailed\tline one\\nline two\n";
        let rows: Vec<Row> = parse(text).into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].message, "a \"quoted\" word");
        assert_eq!(rows[0].kind.as_deref(), Some("HelmRelease"));
        assert_eq!(rows[0].reason, None);
        assert_eq!(rows[1].message, "line one\nline two");
        assert_eq!(rows[1].reason.as_deref(), Some("BuildFailed"));
        assert_eq!(rows[1].column("kind"), Some("Kustomization"));
    }

    #[test]
    fn a_short_row_is_an_error_naming_its_line_and_later_rows_are_still_read() {
        let text = "kind\tmessage\nHelmRelease\tfirst\nonly-one-column\nKustomization\tthird\n";
        let rows = parse(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().map(|r| r.line), Ok(2));
        assert_eq!(
            rows[1],
            Err(InputError::WrongColumnCount {
                line: 3,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(rows[2].as_ref().map(|r| r.message.as_str()), Ok("third"));
        assert_eq!(rows[2].as_ref().map(|r| r.line), Ok(4));
    }

    #[test]
    fn a_table_without_message_column_is_an_error_on_line_one() {
        let rows = parse("kind\treason\nHelmRelease\tInstallFailed\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].as_ref().map_err(InputError::line), Err(1));
        assert!(
            rows[0]
                .as_ref()
                .is_err_and(|e| e.to_string().contains("no `message` column"))
        );
    }
}
