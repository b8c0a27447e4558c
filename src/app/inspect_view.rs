//! The drill-down's view model: the tabs, and the lines of the tab shown — the YAML, the object's events
//! (newest first, whole messages), or the spec facts and the inventory with each object's live status (the
//! objects the diagnosis names first and marked, then failed, unreadable and in-progress ones). Lines carry a
//! [`Tone`], which `ui::inspect` maps to theme roles, and a hanging indent for wrapping. Every string from the
//! cluster is sanitised here.

use super::inspect::{Fetched, Named, Tab, TraceKey, has_inventory};
use super::state::State;
use super::view::age;
use crate::cluster::inspect::LiveObject;
use crate::diagnosis::diagnose_object;
use crate::flux::live_status::LiveState;
use crate::flux::{EventType, ResourceRef};
use crate::text::{sanitize, sanitize_line};
use k8s_openapi::jiff::Timestamp;

/// How a piece of text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Text,
    Dim,
    Label,
    Title,
    Good,
    Progress,
    Bad,
    Warning,
    /// The object the failure message names.
    Named,
    /// Emphasis in prose (`**bold**`): the text, bold.
    Strong,
    /// Code in prose (`` `code` ``).
    Code,
}

/// One drawn line: (tone, text) pieces; when it wraps, its continuation rows start `hang` columns in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InspectLine {
    pub pieces: Vec<(Tone, String)>,
    pub hang: usize,
}

impl InspectLine {
    fn one(tone: Tone, text: impl Into<String>) -> Self {
        Self::new(vec![(tone, text.into())], 0)
    }

    fn new(pieces: Vec<(Tone, String)>, hang: usize) -> Self {
        Self { pieces, hang }
    }

    /// A line that wraps under its own indentation (YAML, messages), plus `extra` columns.
    fn indented(tone: Tone, text: String, extra: usize) -> Self {
        let hang = text.len() - text.trim_start().len() + extra;
        Self::new(vec![(tone, text)], hang)
    }
}

/// The drill-down screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectView {
    /// `Kustomization flux-system/apps`.
    pub title: String,
    /// (key, label, shown) per tab.
    pub tabs: Vec<(String, String, bool)>,
    pub lines: Vec<InspectLine>,
    pub scroll: u16,
}

fn tab_label(tab: Tab, r: &ResourceRef) -> &'static str {
    match tab {
        Tab::Yaml => "YAML",
        Tab::Events => "Events",
        Tab::Inventory if has_inventory(r.kind) => "Inventory",
        Tab::Inventory => "Source",
        Tab::Logs => "Logs",
        Tab::Trace => "Trace",
    }
}

/// Builds the drill-down view (`None` when nothing is inspected).
#[must_use]
pub fn build(state: &State, now: Timestamp) -> Option<InspectView> {
    use super::action::Action;
    let inspect = &state.inspect;
    let mode = state.mode();
    if inspect.target.is_none()
        && let Some(named) = &inspect.named
    {
        // An object traced by name: its trace is all there is to show.
        let key = state
            .keymap
            .key_for(mode, Action::ShowTrace)
            .unwrap_or_default();
        return Some(InspectView {
            title: sanitize_line(&format!("trace of {named}")).into_owned(),
            tabs: vec![(key, "Trace".to_owned(), true)],
            lines: named_trace_lines(state, named),
            scroll: inspect.scroll,
        });
    }
    let r = inspect.target.as_ref()?;
    let tabs = [
        (Tab::Yaml, Action::ShowYaml),
        (Tab::Events, Action::ShowEvents),
        (Tab::Inventory, Action::ShowInventory),
        (Tab::Logs, Action::ShowLogs),
        (Tab::Trace, Action::ShowTrace),
    ]
    .into_iter()
    .map(|(tab, action)| {
        let key = state.keymap.key_for(mode, action).unwrap_or_default();
        (key, tab_label(tab, r).to_owned(), tab == inspect.tab)
    })
    .collect();
    let mut title = sanitize_line(&format!("{} {}", r.kind, r.namespaced_name())).into_owned();
    if inspect.tab == Tab::Logs {
        // Kept in the border, where scrolling cannot take it away.
        let logs = &inspect.logs;
        let key = |a| state.keymap.key_for(mode, a).unwrap_or_default();
        title.push_str(&format!(
            " · {} ({} {}) · wrap {} ({})",
            if logs.follow { "following" } else { "paused" },
            key(Action::ToggleFollow),
            if logs.follow { "pauses" } else { "follows" },
            if logs.wrap { "on" } else { "off" },
            key(Action::ToggleWrap),
        ));
    }
    Some(InspectView {
        title,
        tabs,
        lines: lines(state, r, now),
        scroll: inspect.scroll,
    })
}

/// How far the tab shown can scroll: its rows wrapped to the terminal's width, less the rows that fit below
/// the tab line (counted as if the most banners were shown, so the end is always reachable).
#[must_use]
pub fn scroll_limit(state: &State) -> usize {
    let shown = match (&state.inspect.target, &state.inspect.named) {
        (Some(r), _) => lines(state, r, Timestamp::UNIX_EPOCH),
        (None, Some(named)) => named_trace_lines(state, named),
        (None, None) => return 0,
    };
    let (width, height) = match (state.width, state.height) {
        (0, _) | (_, 0) => (80, 24),
        size => size,
    };
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // The clock only changes ages, not how many rows there are.
    let rows: usize = shown
        .iter()
        .map(|l| {
            let pieces: Vec<(&str, ())> = l.pieces.iter().map(|(_, t)| (t.as_str(), ())).collect();
            crate::layout::wrap::page_line(&pieces, inner, l.hang)
                .1
                .len()
        })
        .sum();
    let visible = usize::from(height).saturating_sub(5 + crate::layout::MAX_BANNERS);
    rows.saturating_sub(visible)
}

fn lines(state: &State, r: &ResourceRef, now: Timestamp) -> Vec<InspectLine> {
    let inspect = &state.inspect;
    match inspect.tab {
        Tab::Events => events(state, r, now),
        Tab::Logs => log_lines(state, r),
        Tab::Trace => trace_lines(state, r),
        Tab::Yaml | Tab::Inventory => {
            let inventory = inspect.tab == Tab::Inventory && has_inventory(r.kind);
            match inspect.answer(inventory) {
                Some(Ok(f)) if inspect.tab == Tab::Yaml => f
                    .yaml
                    .iter()
                    .map(|l| InspectLine::indented(Tone::Text, l.clone(), 2))
                    .collect(),
                Some(Ok(f)) => inventory_lines(state, r, f),
                Some(Err(e)) => vec![InspectLine::one(
                    Tone::Bad,
                    sanitize_line(&format!("cannot read {r}: {e}")).into_owned(),
                )],
                None if inspect.loading() => vec![InspectLine::one(
                    Tone::Dim,
                    sanitize_line(&format!("fetching {r} …")).into_owned(),
                )],
                None => vec![InspectLine::one(Tone::Dim, "not fetched")],
            }
        }
    }
}

/// Columns a cut (not wrapped) log line keeps: the terminal's width inside the border.
fn cut_width(state: &State) -> usize {
    usize::from(if state.width == 0 { 80 } else { state.width }.saturating_sub(2)).max(8)
}

/// `HH:MM:SS.mmm` of a zap ISO 8601 time (the date is left out: the log view is about now).
fn clock(ts: &str) -> &str {
    ts.get(11..23).filter(|t| t.len() == 12).unwrap_or(ts)
}

/// The log tab: a heading (the pods, following or paused, wrap), then one line per entry: time, level, message,
/// the revision and the error beside it. Every field is sanitised (log lines are untrusted).
fn log_lines(state: &State, r: &ResourceRef) -> Vec<InspectLine> {
    let logs = &state.inspect.logs;
    let controller = crate::flux::controller_log::controller_of(r.kind);
    let mut out = Vec::new();
    let pods = if logs.pods.is_empty() {
        format!("{controller} pods in flux-system …")
    } else {
        logs.pods.join(", ")
    };
    out.push(InspectLine::new(
        vec![
            (Tone::Label, "from ".to_owned()),
            (Tone::Text, sanitize_line(&pods).into_owned()),
        ],
        5,
    ));
    if logs.dropped > 0 {
        out.push(InspectLine::one(
            Tone::Dim,
            format!("({} older lines dropped)", logs.dropped),
        ));
    }
    if let Some(why) = &logs.problem {
        out.push(InspectLine::indented(
            Tone::Warning,
            sanitize_line(why).into_owned(),
            2,
        ));
    }
    if logs.lines.is_empty() && logs.problem.is_none() {
        out.push(InspectLine::one(
            Tone::Dim,
            sanitize_line(&format!("no line of {controller} names {r} yet")).into_owned(),
        ));
    }
    for e in &logs.lines {
        let level_tone = if e.is_error() { Tone::Bad } else { Tone::Good };
        let mut pieces = vec![
            (Tone::Dim, format!("{} ", sanitize_line(clock(&e.ts)))),
            (level_tone, format!("{:<5} ", sanitize_line(&e.level))),
            (Tone::Text, sanitize_line(&e.msg).into_owned()),
        ];
        if let Some(rev) = &e.revision {
            pieces.push((Tone::Dim, format!("  {}", sanitize_line(rev))));
        }
        if let Some(err) = &e.error {
            pieces.push((Tone::Bad, format!("  error: {}", sanitize_line(err))));
        }
        if logs.wrap {
            out.push(InspectLine::new(pieces, 19));
        } else {
            out.push(InspectLine::new(cut(pieces, cut_width(state)), 0));
        }
    }
    out
}

/// Pieces cut to `width` characters in all, the last one ending in `…` when something was cut.
fn cut(pieces: Vec<(Tone, String)>, width: usize) -> Vec<(Tone, String)> {
    let mut left = width;
    let mut out = Vec::new();
    for (tone, text) in pieces {
        if left == 0 {
            break;
        }
        let n = text.chars().count();
        if n <= left {
            left -= n;
            out.push((tone, text));
        } else {
            let kept: String = text.chars().take(left.saturating_sub(1)).collect();
            out.push((tone, format!("{kept}…")));
            left = 0;
        }
    }
    out
}

/// The trace tab: one block per hop (`flux::trace::render`'s fields), each value sanitised.
fn trace_lines(state: &State, r: &ResourceRef) -> Vec<InspectLine> {
    let key = TraceKey::Flux(r.clone());
    trace_answer_lines(state.inspect.trace.answer_for(&key), &r.to_string())
}

/// The trace of an object traced by name.
fn named_trace_lines(state: &State, named: &Named) -> Vec<InspectLine> {
    let key = TraceKey::Named(named.clone());
    trace_answer_lines(state.inspect.trace.answer_for(&key), &named.to_string())
}

fn trace_answer_lines(
    answer: Option<&Result<crate::flux::trace::Trace, String>>,
    what: &str,
) -> Vec<InspectLine> {
    match answer {
        Some(Ok(t)) => crate::flux::trace::render(t, &|s| sanitize_line(s).into_owned())
            .lines()
            .map(|l| {
                let tone = if l == "---" {
                    Tone::Dim
                } else if l.starts_with("Ready:") && l.contains("False") {
                    Tone::Bad
                } else if l.starts_with("Status:") && l.contains("cannot be read") {
                    Tone::Warning
                } else {
                    Tone::Text
                };
                InspectLine::indented(tone, l.to_owned(), 16)
            })
            .collect(),
        Some(Err(e)) => vec![InspectLine::one(
            Tone::Bad,
            sanitize_line(&format!("cannot trace {what}: {e}")).into_owned(),
        )],
        None => vec![InspectLine::one(
            Tone::Dim,
            sanitize_line(&format!("tracing {what} …")).into_owned(),
        )],
    }
}

fn events(state: &State, r: &ResourceRef, now: Timestamp) -> Vec<InspectLine> {
    let Some(ring) = state.events.get(r).filter(|e| !e.is_empty()) else {
        return vec![InspectLine::one(
            Tone::Dim,
            "No events seen for this object (Kubernetes keeps them for about an hour).",
        )];
    };
    let mut list: Vec<_> = ring.iter().collect();
    list.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    let mut out = Vec::new();
    for e in list {
        let warning = e.type_ == EventType::Warning;
        let when = e
            .last_seen
            .as_deref()
            .map_or_else(|| "-".to_owned(), |t| age(now, t));
        let count = if e.count > 1 {
            format!(" ×{}", e.count)
        } else {
            String::new()
        };
        out.push(InspectLine::new(
            vec![
                (Tone::Dim, format!("{when:>4} ")),
                (
                    if warning { Tone::Warning } else { Tone::Good },
                    if warning { "Warning " } else { "Normal  " }.to_owned(),
                ),
                (Tone::Label, sanitize_line(&e.reason).into_owned()),
                (Tone::Dim, format!("{count}  {}", sanitize_line(&e.source))),
            ],
            13,
        ));
        for l in sanitize(&e.message).lines() {
            out.push(InspectLine::indented(Tone::Text, format!("     {l}"), 0));
        }
    }
    out
}

/// Whether a failure names this inventory object (`Kind/ns/name` or `Kind/name` in the diagnosis facts).
/// The objects the diagnosis of `r`'s failure names (`Deployment/apps/podinfo`).
#[must_use]
pub fn error_names(state: &State, r: &ResourceRef) -> Vec<String> {
    state
        .objects
        .get(r)
        .and_then(|e| diagnose_object(&e.object))
        .and_then(|d| d.facts.object)
        .into_iter()
        .collect()
}

/// The inventory in the order it is shown (and offered to act on): what the error names, failed, unreadable,
/// in progress; else the inventory's order. With how many lead because the error names them.
#[must_use]
pub fn inventory_order<'a>(
    items: &'a [LiveObject],
    names: &[String],
) -> (Vec<&'a LiveObject>, usize) {
    let mut ordered: Vec<&LiveObject> = items.iter().collect();
    ordered.sort_by_key(|o| match &o.status {
        _ if named(names, o) => 0,
        Ok(s) if s.state == LiveState::Failed => 1,
        Err(_) => 2,
        Ok(s) if s.state == LiveState::InProgress => 3,
        Ok(_) => 4,
    });
    let leading = ordered.iter().take_while(|o| named(names, o)).count();
    (ordered, leading)
}

fn named(named: &[String], o: &LiveObject) -> bool {
    let Some(id) = &o.id else { return false };
    let full = format!("{}/{}/{}", id.kind, id.namespace, id.name);
    let short = format!("{}/{}", id.kind, id.name);
    named.iter().any(|n| *n == full || *n == short)
}

fn inventory_lines(state: &State, r: &ResourceRef, f: &Fetched) -> Vec<InspectLine> {
    let mut out: Vec<InspectLine> = f
        .facts
        .iter()
        .map(|(label, value)| {
            InspectLine::new(
                vec![
                    (Tone::Label, format!("{label:<13}")),
                    (Tone::Text, sanitize_line(value).into_owned()),
                ],
                13,
            )
        })
        .collect();
    let Some(items) = &f.inventory else {
        if out.is_empty() {
            out.push(InspectLine::one(
                Tone::Dim,
                "Nothing more to show for this kind.",
            ));
        }
        return out;
    };
    if !out.is_empty() {
        out.push(InspectLine::default());
    }
    let names = error_names(state, r);
    let failing = items
        .iter()
        .filter(|o| matches!(&o.status, Ok(s) if s.state == LiveState::Failed))
        .count();
    out.push(InspectLine::new(
        vec![
            (Tone::Title, format!("Inventory ({} objects", items.len())),
            (
                Tone::Title,
                if failing > 0 {
                    format!(", {failing} failing)")
                } else {
                    ")".to_owned()
                },
            ),
        ],
        0,
    ));
    if items.is_empty() {
        out.push(InspectLine::one(
            Tone::Dim,
            "  nothing applied yet (no status.inventory)",
        ));
    }
    let kind_width = items
        .iter()
        .filter_map(|o| o.id.as_ref().map(|id| id.kind.chars().count()))
        .max()
        .unwrap_or(0)
        .min(24);
    for o in inventory_order(items, &names).0 {
        let (kind, name) = match &o.id {
            Some(id) if id.namespace.is_empty() => (id.kind.clone(), id.name.clone()),
            Some(id) => (id.kind.clone(), format!("{}/{}", id.namespace, id.name)),
            None => (String::new(), o.raw_id.clone()),
        };
        let (glyph, tone, summary) = match &o.status {
            Ok(s) => {
                let (g, t) = match s.state {
                    LiveState::Current => ("✓", Tone::Good),
                    LiveState::Exists => ("·", Tone::Dim),
                    LiveState::InProgress => ("⟳", Tone::Progress),
                    LiveState::Failed => ("✗", Tone::Bad),
                    LiveState::Unknown => ("?", Tone::Dim),
                };
                (g, t, s.summary.clone())
            }
            Err(e) => ("!", Tone::Warning, e.to_string()),
        };
        let mut line = vec![
            (tone, format!("  {glyph} ")),
            (Tone::Dim, format!("{:<kind_width$} ", sanitize_line(&kind))),
            (Tone::Text, sanitize_line(&name).into_owned()),
            (tone, format!("  {}", sanitize_line(&summary))),
        ];
        if named(&names, o) {
            line.push((Tone::Named, "  ◀ named in the error".to_owned()));
        }
        // Continuation rows start under the name.
        let hang = 5 + kind_width;
        out.push(InspectLine::new(line, hang));
        if let Ok(s) = &o.status {
            for d in &s.details {
                out.push(InspectLine::new(
                    vec![(Tone::Dim, format!("{:hang$}{}", "", sanitize_line(d)))],
                    hang + 2,
                ));
            }
        }
    }
    out
}
