//! JSON output: the [`GraphExport`] document as is (its shape is documented in docs/graph.md and versioned by
//! `schema`). serde_json escapes every control character, so untrusted names cannot reach a terminal raw.

use super::GraphExport;

/// Renders the export as pretty-printed JSON, ending with a newline.
///
/// # Errors
/// Only if serialisation fails (it cannot for this type; the error is passed on rather than hidden).
pub fn render(export: &GraphExport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(export)?;
    text.push('\n');
    Ok(text)
}
