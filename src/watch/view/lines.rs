//! The lines of the wall's lists, pure: a root cause (its Problems row over two lines), a stuck or overdue
//! object, a revision rolling out, and the ticker of recent transitions; each fitted to its column.

use super::*;

/// The head of a root cause's line (the wall's and the fleet overview's): status and kind, name, what, and how
/// many objects wait behind it.
#[must_use]
pub fn cause_head(r: &ProblemRowView) -> Line {
    let mut head = vec![
        seg(
            r.health.map_or(Role::Error, Role::Health),
            format!("{} {}", glyph(r.health), r.kind_short),
        ),
        seg(Role::Text, format!(" {}", r.name)),
        seg(Role::Dim, format!(" · {}", r.what)),
    ];
    if r.waiting > 0 {
        head.push(seg(Role::Flag, format!(" · {} waiting", r.waiting)));
    }
    head
}

pub(super) fn cause_lines(r: &ProblemRowView, width: usize) -> Vec<Line> {
    let mut first = cause_head(r);
    if r.since != "-" {
        first.push(seg(Role::Dim, format!(" · since {}", r.since)));
    }
    vec![
        fit_line(first, width),
        fit_line(vec![seg(Role::Text, format!("    {}", r.headline))], width),
    ]
}

pub(super) fn flagged_line(r: &ProblemRowView, width: usize) -> Line {
    let mut line = vec![
        seg(
            Role::Flag,
            format!(
                "{} {}",
                if r.what.starts_with("stuck") {
                    STUCK
                } else {
                    OVERDUE
                },
                r.kind_short
            ),
        ),
        seg(Role::Text, format!(" {}", r.name)),
        seg(Role::Dim, format!(" · {}", r.headline)),
    ];
    if r.waiting > 0 {
        line.push(seg(Role::Flag, format!(" · {} waiting", r.waiting)));
    }
    fit_line(line, width)
}

pub(super) fn rollout_line(r: &Rollout, width: usize) -> Line {
    let mut lags: Vec<(Lag, usize)> = Vec::new();
    for c in r.lagging() {
        let Some(lag) = c.lag else { continue };
        match lags.iter_mut().find(|(l, _)| *l == lag) {
            Some((_, n)) => *n += 1,
            None => lags.push((lag, 1)),
        }
    }
    lags.sort();
    let lagging = lags
        .iter()
        .map(|(l, n)| format!("{n} {}", l.label()))
        .collect::<Vec<_>>()
        .join(", ");
    let trouble = lags.iter().any(|(l, _)| *l != Lag::Progressing);
    fit_line(
        vec![
            seg(
                Role::Health(Health::InProgress),
                format!("⟳ {}", r.source.kind.abbrev()),
            ),
            seg(
                Role::Text,
                format!(" {}", sanitize_line(&r.source.namespaced_name())),
            ),
            seg(Role::Title, format!("  {}", sanitize_line(&r.to_string()))),
            seg(
                if trouble { Role::Flag } else { Role::Dim },
                format!(" · {lagging}"),
            ),
        ],
        width,
    )
}

/// The sources whose newest revision has not reached every consumer, the furthest behind first.
pub(super) fn rollouts(wall: &Wall) -> Vec<Rollout> {
    let mut out: Vec<Rollout> = wall
        .app
        .objects
        .keys()
        .filter(|r| is_source(r.kind))
        .filter_map(|r| wall.app.graph.rollout(r))
        .filter(|r| !r.complete())
        .collect();
    out.sort_by(|a, b| {
        let behind = |r: &Rollout| r.consumers.len() - r.applied();
        behind(b)
            .cmp(&behind(a))
            .then_with(|| a.source.cmp(&b.source))
    });
    out
}

pub(super) fn ticker(wall: &Wall, width: usize, rows: usize) -> Vec<Line> {
    let title = "RECENT ";
    let mut line: Line = vec![seg(Role::Title, title)];
    if wall.ticker.is_empty() {
        let since = wall.started.map_or_else(|| "start".to_owned(), clock);
        line.push(seg(Role::Dim, format!("no status change since {since}")));
        return vec![fit_line(line, width)];
    }
    let mut out: Vec<Line> = Vec::new();
    let mut used = fit::width(title);
    let mut items = 0;
    for t in &wall.ticker {
        let item = transition(t);
        let w: usize = item.iter().map(|s| fit::width(&s.text)).sum();
        if items > 0 && used + 3 + w > width {
            out.push(std::mem::take(&mut line));
            (used, items) = (0, 0);
            if out.len() >= rows {
                break;
            }
        }
        if items > 0 {
            line.push(seg(Role::Dim, " · "));
            used += 3;
        }
        used += w;
        line.extend(item);
        items += 1;
    }
    if items > 0 && out.len() < rows {
        out.push(line);
    }
    out.into_iter().map(|l| fit_line(l, width)).collect()
}

fn transition(t: &Transition) -> Line {
    let word = |h: Option<Health>| h.map_or("deleted", health_label);
    let at = t.at.map_or_else(String::new, |t| format!("{} ", clock(t)));
    let (to_role, to) = match (t.from, t.to) {
        (None, Some(h)) => (Role::Health(h), format!("new, {}", health_label(h))),
        (_, h) => (
            h.map_or(Role::Dim, Role::Health),
            format!("{}→{}", word(t.from), word(h)),
        ),
    };
    vec![
        seg(Role::Dim, at),
        seg(
            to_role,
            format!("{} ", t.to.map_or("−", |h| glyph(Some(h)))),
        ),
        seg(
            Role::Text,
            format!(
                "{} {} ",
                t.object.kind.abbrev(),
                sanitize_line(&t.object.namespaced_name())
            ),
        ),
        seg(to_role, to),
    ]
}
