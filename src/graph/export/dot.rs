//! Graphviz DOT output (flux2#4685 asked for `flux dot`): one node per object, ids and labels quoted and
//! escaped, waits-on edges drawn from the dependent to what it waits on with `rankdir=BT` (sources at the top),
//! ownership edges dashed and grey with `constraint=false` (they do not change the layering), every edge
//! labelled with its kind. Live graphs fill nodes with a colour per status; placeholders are dashed
//! (dangling: red outline). Pipe it into `dot -Tsvg`.
//!
//! Untrusted text: control, bidi and format characters are written as the visible text `\uXXXX`
//! (`crate::machine_text::visible`), never raw and never dropped (two names differing only by such a
//! character stay two nodes).

use super::{ExportEdge, ExportNode, GraphExport};
use crate::flux::Health;
use crate::machine_text::{needs_escape, push_visible};

/// A DOT double-quoted string: `"` and `\` escaped, control and format characters (line breaks included)
/// shown as `\uXXXX`.
#[must_use]
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => {
                // DOT reads `\\` as one backslash: the label shows `\uXXXX`.
                out.push('\\');
                push_visible(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The fill colour of a status (X11 colour names Graphviz knows).
#[must_use]
pub fn status_colour(health: Health) -> &'static str {
    match health {
        Health::Ready => "palegreen",
        Health::Failing | Health::Stalled => "lightpink",
        Health::Blocked => "orange",
        Health::InProgress => "lightskyblue",
        Health::Suspended => "lightgrey",
        Health::Unknown => "white",
    }
}

fn node_line(n: &ExportNode) -> String {
    // Each part escaped on its own, joined with DOT's `\n` line-break escape.
    let mut parts = vec![
        escape(n.kind.as_str()),
        escape(&format!("{}/{}", n.namespace, n.name)),
    ];
    if let Some(h) = n.status {
        parts.push(h.label().to_owned());
    }
    let label = format!("\"{}\"", parts.join("\\n"));
    let mut attrs = vec![format!("label={label}")];
    match n.state {
        "dangling" => attrs.push("style=dashed, color=red".to_owned()),
        "implied" | "unlisted" | "noAccess" => attrs.push("style=dashed".to_owned()),
        _ => {
            if let Some(h) = n.status {
                attrs.push(format!("style=filled, fillcolor={}", status_colour(h)));
            }
        }
    }
    if n.suspended && n.status.is_none() {
        attrs.push("penwidth=2".to_owned());
    }
    format!("  {} [{}];\n", quote(&n.id), attrs.join(", "))
}

/// The inside of a quoted string, escaped.
fn escape(text: &str) -> String {
    let q = quote(text);
    q[1..q.len() - 1].to_owned()
}

fn edge_line(e: &ExportEdge) -> String {
    let style = match e.kind {
        "inventory" | "ownerLabel" => ", style=dashed, color=grey50, constraint=false",
        "healthCheck" => ", style=dotted",
        "dependsOn" => ", style=bold",
        _ => "",
    };
    format!(
        "  {} -> {} [label={}{style}];\n",
        quote(&e.from),
        quote(&e.to),
        quote(e.kind)
    )
}

/// Renders the export as a DOT digraph, ending with a newline.
#[must_use]
pub fn render(export: &GraphExport) -> String {
    let mut out = String::from(
        "digraph fluxops {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontsize=10];\n",
    );
    for n in &export.nodes {
        out.push_str(&node_line(n));
    }
    for e in &export.edges {
        out.push_str(&edge_line(e));
    }
    out.push_str("}\n");
    out
}
