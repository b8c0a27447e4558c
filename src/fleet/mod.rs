//! Many clusters in the console and on the wall: a [`Fleet`] is one [`Member`] per cluster, each with its OWN
//! `app::State` (objects, dependency graph, root causes, timings), fed only that cluster's messages
//! (`cluster::fleet::Tagged`). Objects of two clusters never meet: two clusters each with a Kustomization
//! `flux-system/apps` are two objects in two graphs, with their own root causes. One cluster is the case N = 1
//! (the console always runs through here).
//!
//! The screens (tree, DAG, timings, Problems, drill-down, Jobs) show the cluster in focus, named in the status
//! bar; the fleet overview ([`view`], key `7`) shows every cluster, a row each (status counts, root causes,
//! live / stale / unreachable, API latency), and the root causes of all clusters with the cluster named on every
//! row; `enter` there scopes the screens to the selected cluster. `tab` moves the cursor to the lists of every
//! cluster at once ([`every`]: root causes, objects, graph, timings, the cluster named on every row); `enter` on a row
//! scopes the screens to its cluster and opens the matching screen on that object.
//!
//! [`update`] is pure: keys go to the overview when it is shown, else to the cluster in focus; the effects of a
//! member come back tagged with its index, for the run loop (`app::fleet_run`) to perform with that cluster's
//! client.

pub mod every;
pub mod every_view;
pub mod view;

use crate::app::{Effect, Msg, State};
use crate::cluster::fleet::{FleetEvent, Tagged};
use crate::watch::wall::{Stale, stale_of};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use k8s_openapi::jiff::Timestamp;
use std::time::Duration;

/// One cluster.
#[derive(Debug)]
pub struct Member {
    /// Its context name.
    pub name: String,
    pub state: State,
    /// The last `GET /version` round trip, or why there was none; `None` before the first.
    pub latency: Option<Result<Duration, String>>,
}

/// How one cluster is doing, as the overview says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Waiting for the first lists.
    Connecting,
    Live,
    /// Some kinds' watches fail: what is shown of them is stale.
    Stale(Stale),
    /// Every watched kind fails: the API server is out of reach.
    Unreachable(Stale),
    /// The API server rejects the credentials (why, in words).
    Rejected(String),
}

impl Link {
    /// One word for logs: `connecting`, `live`, `stale`, `unreachable`, `rejected`.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Link::Connecting => "connecting",
            Link::Live => "live",
            Link::Stale(_) => "stale",
            Link::Unreachable(_) => "unreachable",
            Link::Rejected(_) => "rejected",
        }
    }
}

impl Member {
    #[must_use]
    pub fn new(name: impl Into<String>, state: State) -> Self {
        Self {
            name: name.into(),
            state,
            latency: None,
        }
    }

    /// How the cluster is doing.
    #[must_use]
    pub fn link(&self) -> Link {
        link_of(&self.state)
    }
}

/// How the cluster whose state is `state` is doing.
#[must_use]
pub fn link_of(state: &State) -> Link {
    if let Some(words) = &state.link.credentials {
        return Link::Rejected(words.clone());
    }
    match stale_of(state) {
        Some(s) if s.unreachable => Link::Unreachable(s),
        Some(s) => Link::Stale(s),
        None if state
            .kinds
            .values()
            .any(|k| *k == crate::app::state::KindState::Pending) =>
        {
            Link::Connecting
        }
        None => Link::Live,
    }
}

/// Every cluster, which one the screens show, and the overview.
#[derive(Debug)]
pub struct Fleet {
    pub members: Vec<Member>,
    /// The cluster the screens show.
    pub focus: usize,
    /// The overview is shown (instead of the focused cluster's screens).
    pub overview: bool,
    /// The overview's selected row.
    pub selected: usize,
    /// The overview changed since it was last drawn.
    pub dirty: bool,
    /// The lists of every cluster: which one has the cursor, where, and the timings' sort.
    pub every: every::Every,
}

/// An input of the fleet.
#[derive(Debug, Clone)]
pub enum FleetMsg {
    /// A cluster's message.
    Cluster(Tagged),
    /// The answer to an effect of cluster `cluster`.
    Answer {
        cluster: usize,
        msg: Box<Msg>,
    },
    Key(KeyEvent),
    Paste(String),
    Tick(Timestamp),
    Resize {
        width: u16,
        height: u16,
    },
}

impl Fleet {
    /// A fleet of `members` (at least one), the first in focus.
    #[must_use]
    pub fn new(members: Vec<Member>) -> Self {
        Self {
            members,
            focus: 0,
            overview: false,
            selected: 0,
            dirty: true,
            every: every::Every::default(),
        }
    }

    /// The cluster the screens show.
    #[must_use]
    pub fn focused(&self) -> Option<&Member> {
        self.members.get(self.focus)
    }

    /// Whether a frame is due: the overview when anything changed, else the focused cluster's screen.
    #[must_use]
    pub fn needs_draw(&self) -> bool {
        if self.overview {
            self.dirty || self.members.iter().any(|m| m.state.dirty)
        } else {
            self.dirty || self.focused().is_some_and(|m| m.state.dirty)
        }
    }

    /// Marks what was drawn as drawn.
    pub fn drawn(&mut self) {
        self.dirty = false;
        if self.overview {
            for m in &mut self.members {
                m.state.dirty = false;
            }
        } else if let Some(m) = self.members.get_mut(self.focus) {
            m.state.dirty = false;
        }
    }

    /// Every cluster has listed every kind once (or found it unavailable).
    #[must_use]
    pub fn settled(&self) -> bool {
        self.members.iter().all(|m| {
            m.state
                .kinds
                .values()
                .all(|k| *k != crate::app::state::KindState::Pending)
        })
    }

    /// Shows the screens of cluster `index`.
    pub fn scope_to(&mut self, index: usize) {
        if let Some(m) = self.members.get_mut(index) {
            self.focus = index;
            self.overview = false;
            m.state.dirty = true;
            self.dirty = true;
        }
    }
}

/// Applies one input; returns the effects to perform, each with the cluster it is for.
pub fn update(fleet: &mut Fleet, msg: FleetMsg) -> Vec<(usize, Effect)> {
    match msg {
        FleetMsg::Cluster(Tagged { cluster, event }) => {
            let Some(member) = fleet.members.get_mut(cluster) else {
                return Vec::new();
            };
            match event {
                FleetEvent::Cluster(ev) => {
                    return tag(
                        cluster,
                        crate::app::update(&mut member.state, Msg::Cluster(ev)),
                    );
                }
                FleetEvent::Latency(latency) => {
                    member.latency = Some(latency);
                    fleet.dirty |= fleet.overview;
                }
            }
            Vec::new()
        }
        FleetMsg::Answer { cluster, msg } => match fleet.members.get_mut(cluster) {
            Some(m) => tag(cluster, crate::app::update(&mut m.state, *msg)),
            None => Vec::new(),
        },
        FleetMsg::Tick(now) => {
            let mut out = Vec::new();
            for (i, m) in fleet.members.iter_mut().enumerate() {
                out.extend(tag(i, crate::app::update(&mut m.state, Msg::Tick(now))));
            }
            out
        }
        FleetMsg::Resize { width, height } => {
            for m in &mut fleet.members {
                crate::app::update(&mut m.state, Msg::Resize { width, height });
            }
            fleet.dirty = true;
            Vec::new()
        }
        FleetMsg::Key(key) if fleet.overview => on_overview_key(fleet, key),
        FleetMsg::Key(key) => to_focused(fleet, Msg::Key(key)),
        FleetMsg::Paste(text) if !fleet.overview => to_focused(fleet, Msg::Paste(text)),
        FleetMsg::Paste(_) => Vec::new(),
    }
}

fn tag(cluster: usize, effects: Vec<Effect>) -> Vec<(usize, Effect)> {
    effects.into_iter().map(|e| (cluster, e)).collect()
}

/// A message for the cluster in focus; its `ShowFleet` opens the overview.
fn to_focused(fleet: &mut Fleet, msg: Msg) -> Vec<(usize, Effect)> {
    let focus = fleet.focus;
    let Some(member) = fleet.members.get_mut(focus) else {
        return Vec::new();
    };
    let effects = crate::app::update(&mut member.state, msg);
    let mut out = Vec::new();
    for effect in effects {
        if effect == Effect::ShowFleet {
            fleet.overview = true;
            fleet.selected = focus;
            fleet.dirty = true;
        } else {
            out.push((focus, effect));
        }
    }
    out
}

/// The overview's keys: `tab` / `shift-tab` move the cursor between the cluster table and the lists of every
/// cluster; quit and suspend as everywhere; `esc` / `7` go back to the screens; in the table, `enter` scopes the
/// screens to the selected cluster; in a list, `enter` opens its row's object on its cluster's screen (`s` sorts
/// the timings); any other key goes back to the screens and acts there (`1` the tree, `0` the Problems …).
fn on_overview_key(fleet: &mut Fleet, key: KeyEvent) -> Vec<(usize, Effect)> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let section = fleet.every.section;
    match key.code {
        KeyCode::Char('c') if ctrl => return vec![(fleet.focus, Effect::Quit)],
        KeyCode::Char('z') if ctrl => return vec![(fleet.focus, Effect::Suspend)],
        KeyCode::Char('q') if !ctrl => return vec![(fleet.focus, Effect::Quit)],
        KeyCode::Tab => fleet.every.enter(section.next()),
        KeyCode::BackTab => fleet.every.enter(section.previous()),
        KeyCode::Esc | KeyCode::Char('7') => fleet.scope_to(fleet.focus),
        _ if section == every::Section::Clusters => return on_table_key(fleet, key),
        _ => return on_list_key(fleet, key),
    }
    fleet.dirty = true;
    Vec::new()
}

/// A key on the cluster table.
fn on_table_key(fleet: &mut Fleet, key: KeyEvent) -> Vec<(usize, Effect)> {
    let last = fleet.members.len().saturating_sub(1);
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => fleet.selected = fleet.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => fleet.selected = (fleet.selected + 1).min(last),
        KeyCode::Home | KeyCode::Char('g') => fleet.selected = 0,
        KeyCode::End | KeyCode::Char('G') => fleet.selected = last,
        KeyCode::Enter => fleet.scope_to(fleet.selected),
        _ => return back_to_screens(fleet, key),
    }
    fleet.dirty = true;
    Vec::new()
}

/// A key on one of the lists of every cluster.
fn on_list_key(fleet: &mut Fleet, key: KeyEvent) -> Vec<(usize, Effect)> {
    let section = fleet.every.section;
    let rows = fleet.every.rows(&mut fleet.members);
    let page = isize::try_from(fleet.every.page.max(1)).unwrap_or(1);
    let every = &mut fleet.every;
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => every.move_by(&rows, -1),
        KeyCode::Down | KeyCode::Char('j') => every.move_by(&rows, 1),
        KeyCode::PageUp => every.move_by(&rows, -page),
        KeyCode::PageDown => every.move_by(&rows, page),
        KeyCode::Home | KeyCode::Char('g') => every.move_by(&rows, -isize::MAX),
        KeyCode::End | KeyCode::Char('G') => every.move_by(&rows, isize::MAX),
        KeyCode::Char('s') if section == every::Section::Timings => {
            every.sort = every.sort.next();
            every.offset = 0;
        }
        KeyCode::Enter => {
            if let Some(pick) = rows.get(every.cursor(&rows)).cloned() {
                open(fleet, &pick, section.screen());
            }
        }
        _ => return back_to_screens(fleet, key),
    }
    fleet.dirty = true;
    Vec::new()
}

/// Scopes the screens to `pick`'s cluster and shows its object on `screen`. That is the user's choice of screen,
/// as a key in that cluster would be: the cluster no longer opens on its Problems by itself (`problems::maybe_open`).
fn open(fleet: &mut Fleet, pick: &every::Pick, screen: crate::app::state::Screen) {
    fleet.scope_to(pick.cluster);
    if let Some(m) = fleet.members.get_mut(pick.cluster) {
        m.state.problems.touched = true;
        crate::app::switch::show(&mut m.state, screen);
        crate::app::prompt::select(&mut m.state, &pick.target);
    }
}

/// Leaves the overview for the focused cluster's screens, where `key` then acts.
fn back_to_screens(fleet: &mut Fleet, key: KeyEvent) -> Vec<(usize, Effect)> {
    fleet.scope_to(fleet.focus);
    to_focused(fleet, Msg::Key(key))
}

#[cfg(test)]
mod tests;
