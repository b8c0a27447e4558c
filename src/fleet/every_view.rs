//! The rows of the overview's "every cluster" lists (`fleet::every`), pure: the section title as tabs, then the
//! window of rows around the cursor, each starting with its cluster: root causes as the Problems screen words
//! them, objects with status, flags and message (the graph's indented by depth), timings in aligned columns under a header. Every text is
//! sanitised and every line fitted to the width.

use super::every::{Pick, Section};
use super::view::{cause_line, cluster_width, pad, seg};
use super::{Fleet, Member};
use crate::app::problems_view::row as problem_row;
use crate::app::state::KindState;
use crate::app::timings_view::{self, FlagView, TimingRowView, flags_text};
use crate::app::view::{glyph, graph_health};
use crate::layout::fit;
use crate::text::{sanitize_line, sanitize_name};
use crate::watch::view::{Line, Role, fit_line};
use k8s_openapi::jiff::Timestamp;

/// The section line: the lists as tabs (the shown one as a title), then `every cluster · N` (or, when
/// not every row fits, `every cluster · 1–16 of N`: `shown` is the window, 0-based, end excluded) and the keys.
#[must_use]
pub fn title(
    section: Section,
    total: usize,
    shown: Option<std::ops::Range<usize>>,
    sort: crate::timing::SortKey,
    width: usize,
) -> Line {
    let mut line = Vec::new();
    for (i, s) in [
        Section::Causes,
        Section::Objects,
        Section::Graph,
        Section::Timings,
    ]
    .into_iter()
    .enumerate()
    {
        let shown = s.title() == section.title();
        if i > 0 {
            line.push(seg(Role::Dim, "  "));
        }
        line.push(seg(if shown { Role::Title } else { Role::Dim }, s.title()));
    }
    let count = match shown {
        Some(w) if w.start > 0 || w.end < total => {
            format!(" · every cluster · {}–{} of {total}", w.start + 1, w.end)
        }
        _ => format!(" · every cluster · {total}"),
    };
    line.push(seg(Role::Dim, count));
    let keys = match section {
        Section::Clusters => " · tab: to the lists".to_owned(),
        Section::Timings => format!(
            " · sorted by {} · enter: open · s: sort · tab: next",
            sort.label()
        ),
        Section::Causes | Section::Objects | Section::Graph => {
            " · enter: open · tab: next".to_owned()
        }
    };
    line.push(seg(Role::Dim, keys));
    fit_line(line, width)
}

/// The list of the section the cursor is in, for `room` rows below the table (its title included): the lines
/// and the index of the cursor's line among them.
pub fn list(
    fleet: &mut Fleet,
    now: Timestamp,
    width: usize,
    room: usize,
) -> (Vec<Line>, Option<usize>) {
    let section = fleet.every.section;
    let rows = fleet.every.rows(&mut fleet.members);
    let mut lines = vec![title(section, rows.len(), None, fleet.every.sort, width)];
    if rows.is_empty() {
        let empty = match section {
            Section::Clusters | Section::Causes => "  none: nothing is broken by its own fault",
            Section::Objects | Section::Graph | Section::Timings => "  no objects (yet)",
        };
        lines.push(vec![seg(Role::Dim, empty)]);
        return (lines, None);
    }
    // The timings list has a header line under the title.
    let header = usize::from(section == Section::Timings);
    let height = room.saturating_sub(1 + header).max(1);
    let (window, at) = fleet.every.window(&rows, height);
    let name_w = cluster_width(fleet.members.iter().map(|m| m.name.as_str()), width);
    let picks = rows.get(window.clone()).unwrap_or_default();
    let mut body = match section {
        Section::Clusters | Section::Causes => picks
            .iter()
            .map(|p| cause(&mut fleet.members, p, name_w, now, width))
            .collect(),
        Section::Objects | Section::Graph => picks
            .iter()
            .map(|p| object(&fleet.members, p, name_w, now, width))
            .collect(),
        Section::Timings => timings(&fleet.members, picks, name_w, now, width, &mut lines),
    };
    let selected = at.checked_sub(window.start).map(|i| i + lines.len());
    if let Some(line) = selected
        .and_then(|i| i.checked_sub(lines.len()))
        .and_then(|i| body.get_mut(i))
        && let Some(first) = line.first_mut()
        && let Some(rest) = first.text.strip_prefix("  ")
    {
        first.text = format!("▶ {rest}");
    }
    lines.append(&mut body);
    if let Some(t) = lines.first_mut() {
        *t = title(section, rows.len(), Some(window), fleet.every.sort, width);
    }
    (lines, selected)
}

fn cluster_name(members: &[Member], p: &Pick) -> String {
    members
        .get(p.cluster)
        .map(|m| sanitize_line(&m.name).into_owned())
        .unwrap_or_default()
}

fn cause(members: &mut [Member], p: &Pick, name_w: usize, now: Timestamp, width: usize) -> Line {
    let name = cluster_name(members, p);
    let Some(m) = members.get_mut(p.cluster) else {
        return Vec::new();
    };
    let problem = m
        .state
        .problems
        .list()
        .iter()
        .find(|x| x.target == p.target)
        .cloned();
    match problem {
        Some(problem) => cause_line(&name, name_w, &problem_row(&m.state, &problem, now), width),
        None => fit_line(
            vec![
                seg(Role::Text, format!("  {} ", pad(&name, name_w))),
                seg(Role::Dim, sanitize_name(&p.target.to_string()).into_owned()),
            ],
            width,
        ),
    }
}

fn object(members: &[Member], p: &Pick, name_w: usize, now: Timestamp, width: usize) -> Line {
    let name = cluster_name(members, p);
    let Some(m) = members.get(p.cluster) else {
        return Vec::new();
    };
    let state = &m.state;
    let r = &p.target;
    // The graph list indents each object by its depth.
    let indent = "  ".repeat(p.depth.min(width / 4));
    let mut line = vec![seg(
        Role::Text,
        format!("  {} {indent}", pad(&name, name_w)),
    )];
    let Some(entry) = state.objects.get(r) else {
        // Could not be parsed: why, in words.
        let why = state.invalid.get(r).map(|w| sanitize_line(w).into_owned());
        line.push(seg(Role::Error, format!("? {}", r.kind.abbrev())));
        line.push(seg(
            Role::Text,
            format!(" {}", sanitize_name(&r.namespaced_name())),
        ));
        line.push(seg(Role::Error, " · invalid"));
        if let Some(why) = why {
            line.push(seg(Role::Text, format!(" — {why}")));
        }
        return fit_line(line, width);
    };
    let health = graph_health(state, r).unwrap_or(entry.status.health);
    line.push(seg(
        Role::Health(health),
        format!("{} {}", glyph(Some(health)), r.kind.abbrev()),
    ));
    line.push(seg(
        Role::Text,
        format!(" {}", sanitize_name(&r.namespaced_name())),
    ));
    line.push(seg(Role::Dim, format!(" · {}", health.label())));
    // Its kind's watch failing (its cluster out of reach, or that kind forbidden since): shown as last seen.
    let stale = match state.kinds.get(&r.kind) {
        Some(KindState::Degraded { since, .. } | KindState::Unavailable { since, .. }) => {
            Some(*since)
        }
        _ => None,
    };
    if let Some(since) = stale {
        let since = since.map_or_else(String::new, |t| format!(" since {}", t.strftime("%H:%M")));
        line.push(seg(Role::Error, format!(" · stale{since}")));
    }
    if let Some(t) = state.timings.get(r) {
        let a = t.assess(now);
        for (on, flag) in [
            (a.stuck.is_some(), FlagView::Stuck),
            (a.overdue_by.is_some(), FlagView::Overdue),
        ] {
            if on {
                line.push(seg(Role::Flag, format!(" · {}", flag.label())));
            }
        }
    }
    let message = entry.status.message.lines().next().unwrap_or_default();
    if !message.is_empty() && health != crate::flux::Health::Ready {
        line.push(seg(Role::Text, format!(" — {}", sanitize_line(message))));
    }
    fit_line(line, width)
}

/// The timings rows in aligned columns; pushes their header onto `lines` (after the title).
fn timings(
    members: &[Member],
    picks: &[Pick],
    name_w: usize,
    now: Timestamp,
    width: usize,
    lines: &mut Vec<Line>,
) -> Vec<Line> {
    let rows: Vec<(String, TimingRowView)> = picks
        .iter()
        .filter_map(|p| {
            let m = members.get(p.cluster)?;
            let t = m.state.timings.get(&p.target)?;
            Some((
                cluster_name(members, p),
                timings_view::row(&m.state, &p.target, t.assess(now)),
            ))
        })
        .collect();
    let head = ["kind", "name", "last", "p95", "ok", "next", "flags"];
    let widest = |i: usize, f: &dyn Fn(&TimingRowView) -> usize| {
        rows.iter()
            .map(|(_, r)| f(r))
            .max()
            .unwrap_or(0)
            .max(fit::width(head[i]))
    };
    let kind = widest(0, &|r| fit::width(r.kind));
    let last = widest(2, &|r| fit::width(&r.last));
    let p95 = widest(3, &|r| fit::width(&r.p95));
    let ok = widest(4, &|r| fit::width(&r.since_ok));
    let next = widest(5, &|r| fit::width(&r.next));
    let flags = widest(6, &|r| fit::width(&flags_text(&r.flags)));
    // Marker, cluster, glyph, then the columns each after a one-column gap.
    let fixed = 2 + name_w + 1 + 2 + kind + 1 + last + 1 + p95 + 1 + ok + 1 + next + 1 + flags + 1;
    let name = widest(1, &|r| fit::width(&r.name)).min(width.saturating_sub(fixed).max(16));
    lines.push(fit_line(
        vec![seg(
            Role::Title,
            format!(
                "  {} {} {} {} {:>last$} {:>p95$} {:>ok$} {} {}",
                pad("cluster", name_w),
                " ",
                pad(head[0], kind),
                pad(head[1], name),
                head[2],
                head[3],
                head[4],
                pad(head[5], next),
                head[6],
            ),
        )],
        width,
    ));
    rows.into_iter()
        .map(|(cluster, r)| {
            let flag_text = flags_text(&r.flags);
            fit_line(
                vec![
                    seg(Role::Text, format!("  {} ", pad(&cluster, name_w))),
                    seg(
                        r.health.map_or(Role::Dim, Role::Health),
                        format!("{} ", glyph(r.health)),
                    ),
                    seg(
                        Role::Text,
                        format!(
                            "{} {} {:>last$} {:>p95$} {:>ok$} {} ",
                            pad(r.kind, kind),
                            pad(&fit::name(&r.name, name), name),
                            r.last,
                            r.p95,
                            r.since_ok,
                            pad(&r.next, next),
                        ),
                    ),
                    seg(
                        if r.flags.is_empty() {
                            Role::Dim
                        } else {
                            Role::Flag
                        },
                        flag_text,
                    ),
                ],
                width,
            )
        })
        .collect()
}
