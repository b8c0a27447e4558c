//! SARIF 2.1.0 output (what GitHub code scanning and other CI annotators read): one run, the tool's rules
//! from the catalogue (`rules::RULES`), one result per finding with `ruleId`, `level`, the message (the fix
//! appended) and a physical location (file relative to the checked directory, start line).

use super::output::Report;
use super::rules::RULES;
use serde_json::{Value, json};

/// The SARIF schema the document says it follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The report as a SARIF 2.1.0 document.
#[must_use]
pub fn document(report: &Report) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut region = serde_json::Map::new();
            if let Some(line) = f.line {
                region.insert("startLine".into(), json!(line));
            }
            let uri = f.file.to_string_lossy().replace('\\', "/");
            let mut location = json!({"artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"}});
            if !region.is_empty() {
                location["region"] = Value::Object(region);
            }
            json!({
                "ruleId": f.rule,
                "level": f.severity.as_str(),
                "message": {"text": format!("{} (fix: {})", f.message, f.fix)},
                "locations": [{"physicalLocation": location}],
            })
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fluxops",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// The SARIF document as pretty JSON ending with a newline (through `machine_text`).
///
/// # Errors
/// Serialisation (cannot fail for a `Value`).
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = crate::machine_text::to_json_string_pretty(&document(report))?;
    text.push('\n');
    Ok(text)
}
