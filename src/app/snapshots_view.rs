//! What the snapshot screen draws: the snapshots (id, time, context, objects, verified or not) and the
//! selected one: its manifest facts and counts, its objects (when read) and its diff against the live cluster
//! (when made), after the snapshot being taken (or how the last one taken here went). Every text from a
//! snapshot file or the cluster is sanitised here.

use super::inspect_view::{InspectLine, Tone};
use super::state::State;
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;

/// Objects listed at most (from just above the chosen one).
pub const OBJECTS_SHOWN: usize = 200;

/// The snapshot screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotsView {
    pub title: String,
    pub rows: Vec<SnapshotRow>,
    pub selected: Option<usize>,
    /// The selected snapshot's facts, objects and diff.
    pub detail_title: String,
    pub detail: Vec<InspectLine>,
    pub scroll: u16,
    pub empty: String,
}

/// One snapshot in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub id: String,
    /// `2026-12-03 21:34` (UTC).
    pub time: String,
    pub context: String,
    pub objects: String,
    /// `verified`, `refused`, `not read`, `unreadable`.
    pub verified: (String, Tone),
}

fn pair(label: &str, text: impl Into<String>) -> InspectLine {
    let label = format!("{label} ");
    let hang = label.chars().count();
    InspectLine {
        pieces: vec![(Tone::Label, label), (Tone::Text, text.into())],
        hang,
    }
}

fn line(tone: Tone, text: impl Into<String>) -> InspectLine {
    InspectLine {
        pieces: vec![(tone, text.into())],
        hang: 0,
    }
}

/// `YYYY-MM-DD HH:MM` of an RFC 3339 time (as written when it does not parse).
fn short_time(rfc3339: &str) -> String {
    rfc3339.parse::<Timestamp>().map_or_else(
        |_| rfc3339.to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M").to_string(),
    )
}

/// Builds the screen.
#[must_use]
pub fn build(state: &State, now: Timestamp) -> SnapshotsView {
    let s = &state.snapshots;
    let rows: Vec<SnapshotRow> = s
        .rows()
        .iter()
        .map(|l| {
            let verified = match (s.loaded.get(&l.id), &l.manifest) {
                (_, Err(_)) => ("unreadable".to_owned(), Tone::Bad),
                (Some(Ok(_)), _) => ("verified".to_owned(), Tone::Good),
                (Some(Err(_)), _) => ("refused".to_owned(), Tone::Bad),
                (None, Ok(_)) => ("not read".to_owned(), Tone::Dim),
            };
            let (time, context, objects) = match &l.manifest {
                Ok(m) => (
                    short_time(&m.created),
                    sanitize_line(&m.context).into_owned(),
                    m.objects.to_string(),
                ),
                Err(_) => ("?".to_owned(), "?".to_owned(), "?".to_owned()),
            };
            SnapshotRow {
                id: sanitize_line(&l.id).into_owned(),
                time,
                context,
                objects,
                verified,
            }
        })
        .collect();
    let selected = (!rows.is_empty()).then(|| s.selected.min(rows.len() - 1));
    let (detail_title, mut detail) = detail(state, now);
    // The snapshot being taken, or how the last one went, first.
    let status = match (&s.creating, &s.created) {
        (Some(scope), _) => Some(line(
            Tone::Progress,
            format!(
                "⟳ taking a snapshot of {scope}: listing every Flux kind at one resourceVersion…"
            ),
        )),
        (None, Some(Ok(words))) => Some(line(Tone::Good, format!("✓ {words}"))),
        (None, Some(Err(why))) => Some(line(Tone::Bad, format!("✗ {why}"))),
        (None, None) => None,
    };
    if let Some(status) = status {
        let gap = if detail.is_empty() {
            Vec::new()
        } else {
            vec![line(Tone::Text, String::new())]
        };
        detail.splice(0..0, std::iter::once(status).chain(gap));
    }
    let new_key = state
        .keymap
        .key_for(
            crate::config::Mode::Snapshots,
            super::action::Action::SnapshotCreate,
        )
        .map(|k| sanitize_line(&k).into_owned());
    SnapshotsView {
        title: format!(" Snapshots ({}) ", rows.len()),
        rows,
        selected,
        detail_title,
        detail,
        scroll: s.scroll,
        empty: match &s.listed {
            None => "Reading the snapshots…".to_owned(),
            Some(Err(e)) => sanitize_line(&format!("Cannot list snapshots: {e}")).into_owned(),
            Some(Ok(_)) => match new_key {
                Some(key) => format!(
                    "No snapshots yet: {key} takes one here, `fluxops snapshot create` in a shell (docs/SNAPSHOTS.md)."
                ),
                None => {
                    "No snapshots yet: `fluxops snapshot create` takes one (docs/SNAPSHOTS.md)."
                        .to_owned()
                }
            },
        },
    }
}

fn detail(state: &State, now: Timestamp) -> (String, Vec<InspectLine>) {
    let _ = now;
    let s = &state.snapshots;
    let Some(listed) = s.rows().get(s.selected) else {
        return (" No snapshot selected ".to_owned(), Vec::new());
    };
    let title = format!(" Snapshot {} ", sanitize_line(&listed.id));
    let mut out = Vec::new();
    let m = match (&listed.manifest, s.loaded.get(&listed.id)) {
        (Err(e), _) => {
            out.push(pair("unreadable:", sanitize_line(e).into_owned()));
            return (title, out);
        }
        (_, Some(Err(e))) => {
            out.push(pair("✗ refused:", sanitize_line(e).into_owned()));
            return (title, out);
        }
        (Ok(m), _) => m,
    };
    out.push(pair("created", sanitize_line(&m.created).into_owned()));
    out.push(pair(
        "cluster",
        sanitize_line(&format!("{} (context {})", m.cluster, m.context)).into_owned(),
    ));
    out.push(pair(
        "scope",
        sanitize_line(&format!(
            "{}{}{}",
            m.scope,
            if m.with_inventory {
                ", with inventories"
            } else {
                ""
            },
            if m.consistent {
                ", one resourceVersion"
            } else {
                ", not consistent"
            }
        ))
        .into_owned(),
    ));
    let counts: Vec<String> = m.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    out.push(pair(
        "objects",
        sanitize_line(&format!("{}: {}", m.objects, counts.join(", "))).into_owned(),
    ));
    for e in &m.excluded {
        out.push(pair("excluded", sanitize_line(e).into_owned()));
    }
    for u in &m.unreadable {
        out.push(pair("unreadable", sanitize_line(u).into_owned()));
    }
    match s.diffs.get(&listed.id) {
        None => out.push(line(Tone::Dim, "D diffs it against the live cluster")),
        Some(None) => out.push(line(Tone::Progress, "diffing against the live cluster…")),
        Some(Some(Err(e))) => out.push(pair("diff failed:", sanitize_line(e).into_owned())),
        Some(Some(Ok(d))) => {
            out.push(line(
                Tone::Label,
                format!(
                    "Diff against live: {} deleted since, {} changed, {} created since, {} equal",
                    d.removed.len(),
                    d.changed.len(),
                    d.added.len(),
                    d.unchanged
                ),
            ));
            for l in d.lines() {
                let tone = if l.starts_with('-') {
                    Tone::Bad
                } else if l.starts_with('~') {
                    Tone::Warning
                } else if l.starts_with('+') {
                    Tone::Good
                } else {
                    Tone::Text
                };
                out.push(InspectLine {
                    pieces: vec![(tone, l)],
                    hang: 6,
                });
            }
            if !d.restores_nothing() {
                out.push(line(
                    Tone::Dim,
                    "r restores what differs (snapshot-restore: policy, dry-run, confirm)",
                ));
            }
        }
    }
    match s.loaded.get(&listed.id) {
        Some(Ok((_, keys))) => {
            out.push(line(
                Tone::Label,
                "Objects (up/down choose, r restores the chosen one):",
            ));
            // A window of the objects from just above the chosen one (a snapshot may hold thousands).
            let from = s.object.unwrap_or(0).saturating_sub(2);
            if from > 0 {
                out.push(line(Tone::Dim, format!("  … {from} above")));
            }
            for (i, k) in keys.iter().enumerate().skip(from).take(OBJECTS_SHOWN) {
                let chosen = s.object == Some(i);
                out.push(line(
                    if chosen { Tone::Named } else { Tone::Text },
                    format!(
                        "{}{}",
                        if chosen { "▶ " } else { "  " },
                        sanitize_line(&k.to_string())
                    ),
                ));
            }
        }
        _ => out.push(line(Tone::Dim, "enter reads and verifies it (its objects)")),
    }
    if let Some(Ok((_, keys))) = s.loaded.get(&listed.id) {
        let from = s.object.unwrap_or(0).saturating_sub(2);
        let rest = keys.len().saturating_sub(from + OBJECTS_SHOWN);
        if rest > 0 {
            out.push(line(Tone::Dim, format!("  … {rest} more")));
        }
    }
    (title, out)
}
