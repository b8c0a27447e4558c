//! JSON output: the [`GraphExport`] document as is (its shape is documented in docs/graph.md and versioned by
//! `schema`), written by `crate::machine_text`: every control, bidi and format character is escaped as
//! `\uXXXX`, so untrusted names reach no file or terminal raw and parse back unchanged.

use super::GraphExport;

/// Renders the export as pretty-printed JSON, ending with a newline.
///
/// # Errors
/// Only if serialisation fails (it cannot for this type; the error is passed on rather than hidden).
pub fn render(export: &GraphExport) -> Result<String, serde_json::Error> {
    let mut text = crate::machine_text::to_json_string_pretty(export)?;
    text.push('\n');
    Ok(text)
}
