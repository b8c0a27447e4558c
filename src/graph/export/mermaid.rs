//! Mermaid flowchart output (renders in GitHub/GitLab Markdown): `flowchart BT` so sources are at the top,
//! node ids generated (`n0`, `n1`, … in node order: Mermaid ids must be plain words) with the object in a
//! quoted label, waits-on edges `-->|kind|`, ownership edges dotted `-.->|kind|`. Live graphs colour nodes by
//! status with one `classDef` per status; placeholders get a dashed class. Labels escape `"`, `<`, `>`, `#`,
//! `&` as Mermaid entity codes; control, bidi and format characters in untrusted names are written as the
//! visible text `\uXXXX` (`crate::machine_text::visible`).

use super::GraphExport;
use crate::flux::Health;
use crate::machine_text::visible;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The text of a quoted Mermaid label: entity codes for characters Mermaid would read as syntax.
#[must_use]
pub fn escape_label(text: &str) -> String {
    let clean = visible(text);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c => out.push(c),
        }
    }
    out
}

fn class_of(health: Health) -> &'static str {
    match health {
        Health::Ready => "ready",
        Health::Failing => "failing",
        Health::Stalled => "stalled",
        Health::Blocked => "blocked",
        Health::InProgress => "progressing",
        Health::Suspended => "suspended",
        Health::Unknown => "unknown",
    }
}

const CLASS_DEFS: &str = "  classDef ready fill:#c8f7c5,stroke:#2e7d32\n  classDef failing fill:#f8c4c4,stroke:#c62828\n  classDef stalled fill:#f8c4c4,stroke:#8e0000,stroke-width:3px\n  classDef blocked fill:#ffe0b2,stroke:#ef6c00\n  classDef progressing fill:#bbdefb,stroke:#1565c0\n  classDef suspended fill:#e0e0e0,stroke:#616161\n  classDef unknown fill:#ffffff,stroke:#9e9e9e\n  classDef missing stroke:#c62828,stroke-dasharray:5 5\n  classDef implied stroke-dasharray:5 5\n";

/// Renders the export as a Mermaid flowchart, ending with a newline.
#[must_use]
pub fn render(export: &GraphExport) -> String {
    let ids: BTreeMap<&str, String> = export
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    let mut out = String::from("flowchart BT\n");
    let mut classes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in &export.nodes {
        let Some(id) = ids.get(n.id.as_str()) else {
            continue;
        };
        let mut label = format!(
            "{}<br/>{}/{}",
            escape_label(n.kind.as_str()),
            escape_label(&n.namespace),
            escape_label(&n.name)
        );
        if let Some(h) = n.status {
            let _ = write!(label, "<br/>{}", h.label());
        }
        let _ = writeln!(out, "  {id}[\"{label}\"]");
        let class = match (n.state, n.status) {
            ("dangling", _) => Some("missing"),
            ("implied" | "unlisted" | "noAccess", _) => Some("implied"),
            (_, Some(h)) => Some(class_of(h)),
            _ => None,
        };
        if let Some(c) = class {
            classes.entry(c).or_default().push(id);
        }
    }
    for e in &export.edges {
        let (Some(from), Some(to)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let arrow = if matches!(e.kind, "inventory" | "ownerLabel") {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(out, "  {from} {arrow}|{}| {to}", e.kind);
    }
    if !classes.is_empty() {
        out.push_str(CLASS_DEFS);
        for (class, members) in classes {
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    out
}
