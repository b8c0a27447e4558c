//! Test-only readers for the text forms of Flux status found in the docs and the flux CLI's test data:
//! `kubectl describe` Status blocks, `flux get` / `kubectl get` tables and YAML snippets (with the docs' `...`
//! elisions and the CLI fixtures' `{{ .fluxns }}` templates). Each turns the text into the JSON a `FluxObject`
//! is read from, so the product's own deserializer and `summarize` do the rest.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "shared by test crates; a failed unwrap is a failed test"
)]

use serde_json::{Map, Value, json};

/// The text after the two header lines (`# source:` and `# fence info:`) the docs blocks carry.
pub fn body(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("# source:") && !l.starts_with("# fence info:"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces the flux CLI test templates (`{{ .fluxns }}`, `{{ .ns }}`, …) the way its tests do: with a
/// namespace name.
pub fn untemplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let var = rest[start + 2..start + end].trim().trim_start_matches('.');
        out.push_str(match var {
            "fluxns" => "flux-system",
            "ns" => "default",
            other => other,
        });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// YAML documents of a block, with the docs' `...` elision lines removed (they stand for omitted fields).
pub fn yaml_documents(text: &str) -> Vec<Value> {
    let cleaned: String = untemplate(&body(text))
        .lines()
        .filter(|l| l.trim() != "...")
        .map(|l| format!("{l}\n"))
        .collect();
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_multiple_with_options::<Value>(&cleaned, options)
        .unwrap()
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Splits `Key:   value` (a describe line); `None` for a line without `:`.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.trim().split_once(':')?;
    Some((k.trim(), v.trim()))
}

/// Reads the `Status:` section of `kubectl describe` output into status JSON: `observedGeneration` and
/// `conditions` (multi-line messages joined with `\n`). `None` when there is no Status section.
pub fn describe_status(text: &str) -> Option<Value> {
    let body = body(text);
    let lines: Vec<&str> = body.lines().collect();
    let start = lines.iter().position(|l| l.trim() == "Status:")?;
    let status_indent = indent(lines[start]);
    let mut status = Map::new();
    let mut conditions: Vec<Map<String, Value>> = Vec::new();
    let mut in_conditions: Option<usize> = None; // indent of the condition keys
    let mut last_key: Option<String> = None;
    for line in &lines[start + 1..] {
        if line.trim().is_empty() || line.trim() == "..." {
            continue;
        }
        let ind = indent(line);
        if ind <= status_indent {
            break; // Events: or the end of the object
        }
        if let Some(key_indent) = in_conditions {
            if ind > key_indent {
                // continuation of a multi-line value
                if let (Some(key), Some(cond)) = (&last_key, conditions.last_mut())
                    && let Some(Value::String(s)) = cond.get_mut(key)
                {
                    s.push('\n');
                    s.push_str(line.trim());
                }
                continue;
            }
            if ind == key_indent {
                let Some((k, v)) = key_value(line) else {
                    continue;
                };
                let key = match k {
                    "Last Transition Time" => "lastTransitionTime",
                    "Message" => "message",
                    "Observed Generation" => "observedGeneration",
                    "Reason" => "reason",
                    "Status" => "status",
                    "Type" => "type",
                    _ => continue,
                };
                if conditions.last().is_none_or(|c| c.contains_key(key)) {
                    conditions.push(Map::new());
                }
                let value = match key {
                    "observedGeneration" => json!(v.parse::<i64>().unwrap()),
                    _ => json!(v),
                };
                if let Some(cond) = conditions.last_mut() {
                    cond.insert(key.to_owned(), value);
                }
                last_key = Some(key.to_owned());
                continue;
            }
            in_conditions = None;
        }
        let Some((k, v)) = key_value(line) else {
            continue;
        };
        match k {
            "Conditions" if v.is_empty() => in_conditions = Some(ind + 2),
            "Observed Generation" => {
                status.insert(
                    "observedGeneration".into(),
                    json!(v.parse::<i64>().unwrap()),
                );
            }
            _ => {}
        }
    }
    if !conditions.is_empty() {
        status.insert(
            "conditions".into(),
            Value::Array(conditions.into_iter().map(Value::Object).collect()),
        );
    }
    Some(Value::Object(status))
}

/// One row of a `flux get` / `kubectl get` table, by column header.
#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<(String, String)>,
}

impl Row {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(h, _)| h == column)
            .map(|(_, v)| v.as_str())
    }
}

fn column_starts(header: &str) -> Vec<(usize, String)> {
    let mut starts = Vec::new();
    let bytes = header.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b' ' {
            let start = i;
            // a header cell may hold single spaces (`LAST SCAN`, `LATEST IMAGE`): it ends at two spaces
            while i < bytes.len()
                && !(bytes[i] == b' ' && bytes.get(i + 1).is_none_or(|b| *b == b' '))
            {
                i += 1;
            }
            starts.push((start, header[start..i].to_owned()));
        }
        i += 1;
    }
    starts
}

/// Every table in the text whose header has `NAME` first: tab-separated (flux get) or space-aligned (kubectl,
/// and docs that lost the tabs), split by the header's column positions.
pub fn tables(text: &str) -> Vec<Vec<Row>> {
    let body = body(text);
    let mut out = Vec::new();
    let mut lines = body.lines().peekable();
    while let Some(line) = lines.next() {
        let first = line.split(['\t', ' ']).find(|w| !w.is_empty());
        if first != Some("NAME") && first != Some("NAMESPACE") {
            continue;
        }
        let tabbed = line.contains('\t');
        let header: Vec<(usize, String)> = if tabbed {
            line.split('\t')
                .map(|h| (0, h.trim().to_owned()))
                .filter(|(_, h)| !h.is_empty())
                .collect()
        } else {
            column_starts(line)
        };
        let mut rows = Vec::new();
        while let Some(row) = lines.next_if(|l| !l.trim().is_empty() && !l.starts_with('$')) {
            let cells: Vec<String> = if tabbed {
                row.split('\t').map(|c| c.trim().to_owned()).collect()
            } else {
                header
                    .iter()
                    .enumerate()
                    .map(|(n, (start, _))| {
                        let end = header
                            .get(n + 1)
                            .map_or(row.len(), |(s, _)| *s)
                            .min(row.len());
                        row.get(*start..end).unwrap_or_default().trim().to_owned()
                    })
                    .collect()
            };
            rows.push(Row {
                cells: header
                    .iter()
                    .map(|(_, h)| h.clone())
                    .zip(cells.into_iter().chain(std::iter::repeat(String::new())))
                    .collect(),
            });
        }
        out.push(rows);
    }
    out
}

/// The flux CLI's `utils.TruncateHex` as its tables show it: a run of 40 or more hex digits (a sha1 or
/// sha256) keeps its first 8.
pub fn truncate_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 40 {
            out.push_str(&run[..8]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
