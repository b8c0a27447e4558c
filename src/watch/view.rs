//! The wall's view model, pure: built from the [`Wall`], the clock and the terminal size; every string from the
//! cluster sanitised and every line already fitted to the columns [`crate::layout::wall`] gives it. `ui::watch`
//! only draws it.
//!
//! What is shown, in order of importance: the counts per status with their trend; the root causes (each with
//! the diagnosis headline, how many objects wait behind it and since when: the Problems screen's own rows,
//! `app::problems_view::row`); the stuck and overdue objects; the revisions rolling out (`7/12 at main@…`); the
//! recent transitions as a ticker; the clock and "data as of". When the lists do not fit, they are packed into
//! pages of columns that rotate every `--rotate`, chosen from the clock (pure). When the API server is out of
//! reach, the whole screen says STALE and since when.

use super::trend::{EVERY, WINDOW};
use super::wall::{COUNTED, Stale, Transition, Wall};
use crate::app::problems::ProblemKind;
use crate::app::problems_view::{ProblemRowView, row};
use crate::app::view::{clock, glyph};
use crate::flux::Health;
use crate::graph::rollout::{Lag, Rollout, is_source};
use crate::layout::fit;
use crate::layout::wall::{self as geometry, Wall as Geometry};
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;
use ratatui::layout::Rect;

mod lines;
pub use lines::cause_head;
use lines::{cause_lines, flagged_line, rollout_line, rollouts, ticker};

/// Root causes listed at most (the rest are counted on a last line).
pub const MAX_CAUSES: usize = 40;
/// Stuck and overdue objects listed at most.
pub const MAX_FLAGGED: usize = 30;
/// Rollouts listed at most.
pub const MAX_ROLLOUTS: usize = 30;

/// What a piece of text means (the theme gives it a style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Text,
    Dim,
    Title,
    Health(Health),
    /// Waiting counts, stuck and overdue marks.
    Flag,
    Error,
    Live,
}

/// A piece of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    pub role: Role,
    pub text: String,
}

/// One line, fitted to its column.
pub type Line = Vec<Seg>;

fn seg(role: Role, text: impl Into<String>) -> Seg {
    Seg {
        role,
        text: text.into(),
    }
}

/// One count tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// `✗ Failing`, fitted to the tile.
    pub label: String,
    /// The status glyph before the value when the label had no room for it (narrow tiles), else empty.
    pub value_mark: String,
    pub value: usize,
    /// `▲3 in 15m`, `▼1 in 15m`, `= in 15m`; empty before the first sample.
    pub trend: String,
    pub role: Role,
}

/// The full-screen notice when the API server is out of reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleView {
    /// `STALE since 10:42`.
    pub title: String,
    /// What failed, "data as of", that it retries by itself.
    pub lines: Vec<String>,
}

/// Everything drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallView {
    pub geometry: Geometry,
    /// Left: what is watched; right: page, "data as of", the clock.
    pub header_left: Line,
    pub header_right: Line,
    pub tiles: Vec<Tile>,
    /// The columns of the page shown.
    pub columns: Vec<Vec<Line>>,
    pub ticker: Vec<Line>,
    pub stale: Option<StaleView>,
    /// (page shown, pages), from 1.
    pub page: (usize, usize),
}

/// Builds the view for a terminal of `width` x `height` at `now`.
#[must_use]
pub fn build(wall: &mut Wall, now: Timestamp, width: u16, height: u16) -> WallView {
    let geometry = geometry::wall(Rect::new(0, 0, width, height));
    crate::app::problems::refresh(&mut wall.app);
    let wall: &Wall = wall;
    let stale = wall.stale();
    let column_width = geometry.columns.first().map_or(0, |c| usize::from(c.width));
    let column_height = geometry
        .columns
        .first()
        .map_or(0, |c| usize::from(c.height));
    let blocks = blocks(wall, now, column_width);
    let per_page = geometry.columns.len().max(1);
    // With several columns a page, sections start columns of their own (all of them, else the first alone)
    // when that takes no more pages than packing them densely.
    let dense = pack(&blocks, column_height, Breaks::None);
    let pages_of = |columns: &Vec<Vec<Line>>| columns.len().div_ceil(per_page);
    let packed = if per_page > 1 {
        [Breaks::All, Breaks::AfterFirst]
            .into_iter()
            .map(|b| pack(&blocks, column_height, b))
            .find(|p| pages_of(p) <= pages_of(&dense))
            .unwrap_or(dense)
    } else {
        dense
    };
    let pages = packed.len().div_ceil(per_page).max(1);
    let page = page_at(wall, now, pages);
    let columns: Vec<Vec<Line>> = packed
        .into_iter()
        .skip(page * per_page)
        .take(per_page)
        .collect();
    let (header_left, header_right) = header(
        wall,
        stale.as_ref(),
        now,
        (page + 1, pages),
        usize::from(width),
    );
    let tiles = tiles(wall, now, &geometry, width);
    let ticker = ticker(
        wall,
        usize::from(width),
        usize::from(geometry.ticker.height),
    );
    let stale = stale
        .filter(|s| s.unreachable)
        .map(|s| stale_view(wall, &s, now));
    WallView {
        geometry,
        header_left,
        header_right,
        tiles,
        columns,
        ticker,
        stale,
        page: (page + 1, pages),
    }
}

/// The page shown at `now`: pages change every `rotate` from the first clock reading.
fn page_at(wall: &Wall, now: Timestamp, pages: usize) -> usize {
    let rotate = wall.rotate.as_secs().max(1);
    let elapsed = wall.started.map_or(0, |t| {
        u64::try_from(now.duration_since(t).as_secs()).unwrap_or(0)
    });
    usize::try_from(elapsed / rotate).unwrap_or(0) % pages.max(1)
}

fn header(
    wall: &Wall,
    stale: Option<&Stale>,
    now: Timestamp,
    (page, pages): (usize, usize),
    width: usize,
) -> (Line, Line) {
    let scope = wall.app.labels.namespace.as_deref().map_or_else(
        || "all namespaces".to_owned(),
        |n| format!("ns {}", sanitize_line(n)),
    );
    let left = vec![
        seg(Role::Title, "FLUXOPS WATCH"),
        seg(
            Role::Text,
            format!("  {}", sanitize_line(&wall.app.labels.context)),
        ),
        seg(Role::Dim, format!(" · {scope} · read-only")),
    ];
    let mut right = Vec::new();
    if pages > 1 {
        right.push(seg(Role::Dim, format!("page {page}/{pages} · ")));
    }
    match (stale, wall.synced()) {
        (Some(s), _) => right.push(seg(
            Role::Error,
            format!(
                " STALE since {} ",
                s.since.map_or_else(|| "?".to_owned(), hh_mm)
            ),
        )),
        (None, false) => right.push(seg(Role::Dim, "listing the cluster…")),
        (None, true) => right.push(seg(Role::Live, " LIVE ")),
    }
    let as_of = wall.live_at.map_or_else(|| "-".to_owned(), clock);
    right.push(seg(Role::Dim, format!("  data as of {as_of}  ")));
    right.push(seg(Role::Title, format!("{} UTC", clock(now))));
    let right_width: usize = right.iter().map(|s| fit::width(&s.text)).sum();
    (fit_line(left, width.saturating_sub(right_width + 1)), right)
}

/// `HH:MM` (UTC).
fn hh_mm(t: Timestamp) -> String {
    t.strftime("%H:%M").to_string()
}

fn tiles(wall: &Wall, now: Timestamp, geometry: &Geometry, width: u16) -> Vec<Tile> {
    let counts = wall.counts();
    let changes = wall.trend.change(now, &counts);
    // "in 15m" once the wall has run that long, else since its first sample.
    let over = match wall.trend.since(now) {
        Some(t) if now.duration_since(t) >= WINDOW - EVERY => "in 15m".to_owned(),
        Some(t) => format!("since {}", hh_mm(t)),
        None => String::new(),
    };
    let mut out = Vec::new();
    let labels = COUNTED
        .iter()
        .map(|h| (health_label(*h), glyph(Some(*h)), Role::Health(*h)))
        .chain([
            ("Stuck", STUCK, Role::Flag),
            ("Overdue", OVERDUE, Role::Flag),
        ]);
    for (i, (label, mark, role)) in labels.enumerate() {
        let value = counts.get(i).copied().unwrap_or(0);
        // Unknown is shown only when there is some (a fleet settles out of it).
        if role == Role::Health(Health::Unknown) && value == 0 {
            continue;
        }
        let trend = match changes.get(i).copied().flatten() {
            None => String::new(),
            Some(0) => format!("= {over}"),
            Some(d) if d > 0 => format!("▲{d} {over}"),
            Some(d) => format!("▼{} {over}", d.unsigned_abs()),
        };
        out.push(Tile {
            label: format!("{mark} {label}"),
            value_mark: String::new(),
            value,
            trend,
            role,
        });
    }
    let tile_width = geometry::tiles(geometry.counts, out.len())
        .first()
        .map_or(usize::from(width), |r| usize::from(r.width));
    let room = tile_width.saturating_sub(1);
    let narrow = out.iter().any(|t| fit::width(&t.label) > room);
    for t in &mut out {
        if narrow {
            // Narrow tiles: the short word (at most 7 columns), the glyph moves before the value.
            t.value_mark = t.label.split(' ').next().unwrap_or_default().to_owned();
            t.label = short_label(&t.label);
        }
        if fit::width(&t.trend) > room {
            // Only the change, without the period.
            t.trend = t.trend.split(' ').next().unwrap_or_default().to_owned();
        }
        t.label = fit::end(&t.label, room).into_owned();
        t.trend = fit::end(&t.trend, room).into_owned();
    }
    out
}

/// The mark of stuck objects (narrow: one column, like every status glyph).
pub const STUCK: &str = "⧗";
/// The mark of overdue objects.
pub const OVERDUE: &str = "◷";

/// `✗ Failing` → `Failing`; `⟳ Progressing` → `InProg`; `⏸ Suspended` → `Suspend`.
fn short_label(label: &str) -> String {
    let word = label.split_once(' ').map_or(label, |(_, w)| w);
    match word {
        "Progressing" => "InProg",
        "Suspended" => "Suspend",
        other => other,
    }
    .to_owned()
}

fn health_label(h: Health) -> &'static str {
    match h {
        Health::InProgress => "Progressing",
        other => other.label(),
    }
}

/// A run of lines that stays in one column: a section title with its first item, or one item.
#[derive(Debug, Clone)]
struct Block {
    /// The section's title, repeated `(cont.)` at the top of a column that continues it.
    section: String,
    lines: Vec<Line>,
}

fn blocks(wall: &Wall, now: Timestamp, width: usize) -> Vec<Block> {
    let app = &wall.app;
    let list = app.problems.list();
    let (own, flagged): (Vec<_>, Vec<_>) = list
        .iter()
        .partition(|p| !matches!(p.kind, ProblemKind::Stuck | ProblemKind::Overdue));
    let mut out = Vec::new();
    section(
        &mut out,
        "ROOT CAUSES",
        own.len(),
        "none: nothing is broken by its own fault",
        own.iter()
            .take(MAX_CAUSES)
            .map(|p| cause_lines(&row(app, p, now), width))
            .collect(),
        width,
    );
    section(
        &mut out,
        "STUCK & OVERDUE",
        flagged.len(),
        "none",
        flagged
            .iter()
            .take(MAX_FLAGGED)
            .map(|p| vec![flagged_line(&row(app, p, now), width)])
            .collect(),
        width,
    );
    let rollouts = rollouts(wall);
    section(
        &mut out,
        "ROLLING OUT",
        rollouts.len(),
        "none: every consumer runs its source's newest revision",
        rollouts
            .iter()
            .take(MAX_ROLLOUTS)
            .map(|r| vec![rollout_line(r, width)])
            .collect(),
        width,
    );
    out
}

fn section(
    out: &mut Vec<Block>,
    title: &str,
    total: usize,
    none: &str,
    items: Vec<Vec<Line>>,
    width: usize,
) {
    let head = fit_line(
        vec![
            seg(Role::Title, title),
            seg(Role::Dim, format!(" ({total})")),
        ],
        width,
    );
    let shown = items.len();
    let mut items = items.into_iter();
    let first = match items.next() {
        Some(lines) => lines,
        None => vec![fit_line(vec![seg(Role::Dim, format!("  {none}"))], width)],
    };
    let mut lines = vec![head];
    lines.extend(first);
    out.push(Block {
        section: title.to_owned(),
        lines,
    });
    for lines in items {
        out.push(Block {
            section: title.to_owned(),
            lines,
        });
    }
    if total > shown {
        out.push(Block {
            section: title.to_owned(),
            lines: vec![fit_line(
                vec![seg(Role::Dim, format!("  … and {} more", total - shown))],
                width,
            )],
        });
    }
    // A blank line between sections.
    if let Some(last) = out.last_mut() {
        last.lines.push(Vec::new());
    }
}

/// Where sections start a new column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breaks {
    None,
    /// After the first section (the root causes keep their column(s) to themselves).
    AfterFirst,
    All,
}

/// The blocks in columns of `height` lines, a block never split; a column that continues a section starts with
/// its title and `(cont.)`.
fn pack(blocks: &[Block], height: usize, breaks: Breaks) -> Vec<Vec<Line>> {
    let mut columns: Vec<Vec<Line>> = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    let mut section = "";
    let mut sections = 0;
    for block in blocks {
        let new_section = block.section != section;
        sections += usize::from(new_section);
        let break_here = new_section
            && match breaks {
                Breaks::None => false,
                Breaks::AfterFirst => sections == 2,
                Breaks::All => true,
            };
        let mut lines = block.lines.clone();
        // A block's trailing blank line may fall off the bottom of a column.
        let needed = lines.len() - usize::from(lines.last().is_some_and(Vec::is_empty));
        let fits = current.len() + needed <= height && !break_here;
        if !fits && !current.is_empty() {
            while current.last().is_some_and(Vec::is_empty) {
                current.pop();
            }
            columns.push(std::mem::take(&mut current));
            if block.section == section {
                lines.insert(
                    0,
                    vec![
                        seg(Role::Title, block.section.clone()),
                        seg(Role::Dim, " (cont.)"),
                    ],
                );
            }
        }
        section = &block.section;
        current.extend(lines);
        current.truncate(height.max(1));
    }
    if !current.is_empty() {
        // A trailing blank line is not content.
        while current.last().is_some_and(Vec::is_empty) {
            current.pop();
        }
        columns.push(current);
    }
    columns
}

fn stale_view(wall: &Wall, s: &Stale, now: Timestamp) -> StaleView {
    let since = s.since.map_or_else(|| "?".to_owned(), hh_mm);
    let as_of = wall
        .live_at
        .map_or_else(|| "never: not listed yet".to_owned(), clock);
    let for_ = s
        .since
        .map(|t| {
            crate::app::timings_view::age(std::time::Duration::from_secs(
                u64::try_from(now.duration_since(t).as_secs()).unwrap_or(0),
            ))
        })
        .map(|a| format!(" ({a} ago)"))
        .unwrap_or_default();
    StaleView {
        title: format!("STALE since {since}"),
        lines: vec![
            format!(
                "The API server of {} is not answering{for_}.",
                sanitize_line(&wall.app.labels.context)
            ),
            sanitize_line(&s.error).into_owned(),
            format!(
                "Data as of {as_of}. Nothing else is shown until the cluster answers: it could be wrong."
            ),
            "Reconnecting by itself; this screen goes away as soon as the cluster answers."
                .to_owned(),
        ],
    }
}

/// A line cut to `width` columns: segments kept whole while they fit, the first that does not shortened with
/// `…`, the rest dropped.
#[must_use]
pub fn fit_line(line: Line, width: usize) -> Line {
    let mut out = Vec::with_capacity(line.len());
    let mut left = width;
    for s in line {
        let w = fit::width(&s.text);
        if w <= left {
            left -= w;
            out.push(s);
        } else {
            if left > 0 {
                out.push(seg(s.role, fit::end(&s.text, left).into_owned()));
            }
            break;
        }
    }
    out
}
