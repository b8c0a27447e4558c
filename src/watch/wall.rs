//! The wall's state and its pure `update`: the console's own [`State`] (fed exactly the same cluster events and
//! clock ticks through `app::update`, so counts, the graph, root causes and timings are the console's), plus what
//! only the wall keeps: the trend samples, the ticker of recent transitions, when the data was last live and when
//! the pages started rotating. Keys never reach `app::update`: the wall has no action, only `q` and `ctrl-c`
//! (quit) and `ctrl-z` (suspend).

use super::trend::Trend;
use crate::app::state::KindState;
use crate::app::{Msg, State};
use crate::cluster::ClusterEvent;
use crate::flux::{Health, ResourceRef};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use k8s_openapi::jiff::Timestamp;
use std::collections::VecDeque;
use std::time::Duration;

/// Transitions kept for the ticker.
pub const TICKER_KEPT: usize = 64;

/// The statuses counted on the wall, in the order shown, and the timings' flags after them.
pub const COUNTED: [Health; 7] = [
    Health::Ready,
    Health::Failing,
    Health::Stalled,
    Health::Blocked,
    Health::InProgress,
    Health::Suspended,
    Health::Unknown,
];

/// One change of an object's status seen while the wall runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The clock when it was seen (`None` before the first tick).
    pub at: Option<Timestamp>,
    pub object: ResourceRef,
    /// `None`: it was not there (created) / is gone (deleted).
    pub from: Option<Health>,
    pub to: Option<Health>,
}

/// Everything the wall knows.
#[derive(Debug)]
pub struct Wall {
    /// The console's state, fed by the same pipeline.
    pub app: State,
    pub trend: Trend,
    /// Newest first, at most [`TICKER_KEPT`].
    pub ticker: VecDeque<Transition>,
    /// How long a page stays before the next.
    pub rotate: Duration,
    /// The first clock reading: pages rotate from here.
    pub started: Option<Timestamp>,
    /// The last clock reading at which every watched kind was live: "data as of".
    pub live_at: Option<Timestamp>,
    /// Bumped by every cluster event (what view caches are keyed on).
    pub version: u64,
    pub dirty: bool,
}

/// What the run loop does besides drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Quit,
    Suspend,
}

/// An input of the wall.
#[derive(Debug, Clone)]
pub enum WallMsg {
    Cluster(ClusterEvent),
    Tick(Timestamp),
    Resize { width: u16, height: u16 },
    Key(KeyEvent),
}

impl Wall {
    #[must_use]
    pub fn new(app: State, rotate: Duration) -> Self {
        Self {
            app,
            trend: Trend::default(),
            ticker: VecDeque::new(),
            rotate,
            started: None,
            live_at: None,
            version: 0,
            dirty: true,
        }
    }

    /// The counts shown, in the order of [`COUNTED`], then stuck and overdue.
    #[must_use]
    pub fn counts(&self) -> Vec<usize> {
        let by_health = self.app.health_counts();
        let totals = self.app.timings.totals();
        COUNTED
            .iter()
            .map(|h| by_health.get(h).copied().unwrap_or(0))
            .chain([totals.stuck, totals.overdue])
            .collect()
    }

    /// Every kind has been listed once (or found unavailable).
    #[must_use]
    pub fn synced(&self) -> bool {
        !self.app.kinds.values().any(|k| *k == KindState::Pending)
    }

    /// Since when what is shown is stale (the earliest failure among the kinds whose watch is failing), and
    /// whether the whole API is out of reach (every kind that was being watched fails) rather than one kind.
    #[must_use]
    pub fn stale(&self) -> Option<Stale> {
        stale_of(&self.app)
    }
}

/// Since when what `app` shows is stale (the earliest failure among the kinds whose watch is failing), and
/// whether the whole API is out of reach (every kind that was being watched fails) rather than one kind (the
/// wall's and the fleet overview's reading of one cluster).
#[must_use]
pub fn stale_of(app: &State) -> Option<Stale> {
    let mut since: Option<Option<Timestamp>> = None;
    let mut failing = 0;
    let mut watched = 0;
    let mut error = String::new();
    for k in app.kinds.values() {
        match k {
            KindState::Degraded { since: s, error: e } => {
                failing += 1;
                watched += 1;
                since = Some(match since {
                    Some(Some(t)) => Some(s.map_or(t, |s| s.min(t))),
                    _ => *s,
                });
                if error.is_empty() {
                    error.clone_from(e);
                }
            }
            KindState::Synced { .. } | KindState::Pending => watched += 1,
            KindState::Unavailable { .. } => {}
        }
    }
    since.map(|since| Stale {
        since,
        unreachable: failing == watched,
        error,
    })
}

/// The data is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub since: Option<Timestamp>,
    /// Every watched kind fails: the API server is out of reach (the full-screen STALE).
    pub unreachable: bool,
    /// One failure, in words (the first kind's).
    pub error: String,
}

/// Applies one input. Pure: the clock comes in `WallMsg::Tick`.
pub fn update(wall: &mut Wall, msg: WallMsg) -> Vec<Effect> {
    match msg {
        WallMsg::Cluster(ev) => {
            on_cluster(wall, ev);
            wall.version = wall.version.wrapping_add(1);
            wall.dirty = true;
        }
        WallMsg::Tick(now) => {
            crate::app::update(&mut wall.app, Msg::Tick(now));
            wall.started.get_or_insert(now);
            if wall.synced() && wall.stale().is_none() {
                wall.live_at = Some(now);
                let counts = wall.counts();
                wall.trend.sample(now, &counts);
            }
            wall.dirty = true;
        }
        WallMsg::Resize { width, height } => {
            crate::app::update(&mut wall.app, Msg::Resize { width, height });
            wall.dirty = true;
        }
        WallMsg::Key(key) => return on_key(&key),
    }
    Vec::new()
}

fn on_key(key: &KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => vec![Effect::Quit],
        KeyCode::Char('z') if ctrl => vec![Effect::Suspend],
        KeyCode::Char('q' | 'Q') if !ctrl => vec![Effect::Quit],
        _ => Vec::new(),
    }
}

fn on_cluster(wall: &mut Wall, ev: ClusterEvent) {
    // Transitions are news only once the first listing is complete (before, everything is "new").
    let syncing = !wall.synced();
    let health = |app: &State, r: &ResourceRef| app.objects.get(r).map(|e| e.status.health);
    let touched = match &ev {
        ClusterEvent::Upserted(obj) => obj.resource_ref(),
        ClusterEvent::Deleted(r) | ClusterEvent::Invalid { object: r, .. } => Some(r.clone()),
        _ => None,
    };
    let before = touched.as_ref().and_then(|r| health(&wall.app, r));
    crate::app::update(&mut wall.app, Msg::Cluster(ev));
    let Some(r) = touched else { return };
    let after = health(&wall.app, &r);
    if syncing || before == after {
        return;
    }
    wall.ticker.push_front(Transition {
        at: wall.app.now,
        object: r,
        from: before,
        to: after,
    });
    wall.ticker.truncate(TICKER_KEPT);
}
