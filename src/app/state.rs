//! `State`: everything the console knows, owned by `app::run` and changed only by `update`.
//! The root holds the data (objects, kinds, events, topology) and one state struct per screen.

use super::actions::ActionsState;
use super::dag::DagState;
use super::events::EventStore;
use super::inspect::InspectState;
use super::jobs::JobsState;
use super::navigator::NavigatorState;
use super::problems::ProblemsState;
use super::timings_view::TimingsListState;
use super::tree::TreeView;
use crate::cluster::KindProblem;
use crate::config::{Config, ConfigProblem, Key, Keymap, Mode, Theme};
use crate::flux::StatusSummary;
use crate::flux::retry::summarize_after;
use crate::flux::{FluxEvent, FluxKind, FluxObject, Health, ResourceRef};
use crate::graph::Edge;
use crate::graph::Graph;
use crate::graph::edge::edges_of;
use crate::timing::Timings;
use k8s_openapi::jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use super::events::EVENTS_PER_OBJECT;

/// Characters of an object's status reason the filter matches against.
pub const SEARCH_REASON: usize = 128;

/// What the console shows about the cluster it is connected to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// The kubeconfig context name (or "demo").
    pub context: String,
    /// `None` = all namespaces.
    pub namespace: Option<String>,
}

/// One object with its derived status.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub object: Arc<FluxObject>,
    pub status: StatusSummary,
    /// Lower-cased `kind abbrev namespace namespace/name health [failure [retrying]] reason`, what the filter
    /// matches against.
    pub search_text: String,
}

impl ObjectEntry {
    #[must_use]
    pub fn new(object: Arc<FluxObject>) -> Self {
        Self::after(object, None)
    }

    /// The entry of `object` replacing `before` (its previous version and status): a failure the controller is
    /// only retrying stays a failure ([`summarize_after`]).
    #[must_use]
    pub fn after(object: Arc<FluxObject>, before: Option<&ObjectEntry>) -> Self {
        let status = summarize_after(before.map(|b| (b.object.as_ref(), &b.status)), &object);
        // Health as the status bar spells it; Failing and Stalled both say `failure` (`/fail` finds every object
        // failing by its own fault), a retried failure `retrying`.
        let class = match (status.health.is_failure(), status.retrying) {
            (true, true) => " failure retrying",
            (true, false) => " failure",
            (false, _) => "",
        };
        let search_text = object.resource_ref().map_or_else(String::new, |r| {
            format!(
                "{} {} {} {} {}{class} {}",
                r.kind,
                r.kind.abbrev(),
                r.namespace,
                r.namespaced_name(),
                status.health.label(),
                // A reason is one CamelCase word; a hostile one of megabytes would be scanned on every keystroke.
                status
                    .reason
                    .chars()
                    .take(SEARCH_REASON)
                    .collect::<String>()
            )
            .to_lowercase()
        });
        Self {
            object,
            status,
            search_text,
        }
    }
}

/// Whether a kind's watch is working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindState {
    /// Waiting for the first list.
    Pending,
    /// Listed and watched.
    Synced { api_version: String },
    /// Cannot be watched (missing CRD, forbidden) since `since` (the clock when it was reported). Objects of the
    /// kind still shown (it was readable before) are stale.
    Unavailable {
        problem: KindProblem,
        since: Option<Timestamp>,
    },
    /// The watch failed and is retrying; what is shown is stale since `since`.
    Degraded {
        error: String,
        since: Option<Timestamp>,
    },
}

impl KindState {
    /// Listed and followed: what is shown of the kind is current.
    #[must_use]
    pub fn is_live(&self) -> bool {
        matches!(self, KindState::Synced { .. })
    }
}

/// What the cluster layer said about the connection as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkNotices {
    /// The API server rejects the credentials: why, in words (from the kubeconfig).
    pub credentials: Option<String>,
    /// The last kubeconfig reload: the context now used, or why it failed.
    pub reload: Option<Result<String, String>>,
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Navigator,
    Detail,
}

/// Which screen fills the main area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// The tree of objects and the detail pane (key `1`).
    #[default]
    Tree,
    /// The drawn dependency DAG (key `2`).
    Dag,
    /// The timings list (key `3`).
    Timings,
    /// The root causes, worst first (key `0`; where the console opens when something is wrong).
    Problems,
    /// The drill-down of one object: YAML, events, inventory (keys `y`, `e`, `i`).
    Inspect,
    /// The executions of actions, their steps and logs (key `4`).
    Jobs,
    /// The runbook list (key `5`).
    Runbooks,
    /// A runbook walk (`R` on a failing object, `enter` on the list).
    Walk,
    /// The snapshots (key `6`).
    Snapshots,
}

/// The whole app state.
#[derive(Debug)]
pub struct State {
    pub objects: BTreeMap<ResourceRef, ObjectEntry>,
    /// Objects that exist but could not be parsed, with the error.
    pub invalid: BTreeMap<ResourceRef, String>,
    pub kinds: BTreeMap<FluxKind, KindState>,
    /// Events per object, bounded (`app::events`).
    pub events: EventStore,
    pub graph: Graph,
    /// Reconcile timings, flags and totals, kept one object at a time.
    pub timings: Timings,
    pub screen: Screen,
    pub timings_list: TimingsListState,
    pub navigator: NavigatorState,
    pub dag: DagState,
    pub problems: ProblemsState,
    pub inspect: InspectState,
    /// The action menu, parameter form, confirm view and marks.
    pub actions: ActionsState,
    pub jobs: JobsState,
    pub focus: Focus,
    pub detail_visible: bool,
    pub detail_scroll: u16,
    pub help_open: bool,
    pub help_scroll: u16,
    pub labels: Labels,
    pub theme: Theme,
    pub keymap: Keymap,
    pub config_problems: Vec<ConfigProblem>,
    pub config_banner_dismissed: bool,
    /// Connection-wide news: rejected credentials, the last kubeconfig reload.
    pub link: LinkNotices,
    /// Keys of a sequence typed so far (`g` of `g g`).
    pub pending_keys: Vec<Key>,
    /// What happened to the last paste or typed character when not all of it was taken (until the next key).
    pub input_note: Option<String>,
    /// Rows per page of the navigator, as last drawn (for page up/down).
    pub page_rows: usize,
    /// Terminal height, from the last resize (0: not known yet).
    pub height: u16,
    /// Terminal width, from the last resize (0: not known yet).
    pub width: u16,
    /// The latest clock reading, from ticks.
    pub now: Option<Timestamp>,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// Objects per health (see [`State::health_counts`]).
    health_counts: BTreeMap<Health, usize>,
    pub quit: bool,
    /// The runbook list, the start form and the walk (`app::runbooks`, `app::walker`).
    pub runbooks: super::runbooks::RunbooksState,
    /// The snapshot screen (`app::snapshots`).
    pub snapshots: super::snapshots::SnapshotsState,
    /// The `:` command line or the finder, when open (`app::prompt`).
    pub prompt: super::prompt::PromptState,
    /// The copy menu, when open (`app::copy`).
    pub copy: super::copy::CopyState,
    /// Contexts and namespaces known for completion, kept across `:ns` / `:ctx` (`app::prompt`).
    pub session: super::prompt::Session,
    /// Bumped by every `update`: what is computed from the state and kept (the fleet overview's lists of
    /// every cluster) is fresh while this has not changed.
    pub revision: u64,
}

impl State {
    /// A fresh state with the given configuration and labels.
    #[must_use]
    pub fn new(config: Config, labels: Labels) -> Self {
        Self {
            objects: BTreeMap::new(),
            invalid: BTreeMap::new(),
            kinds: FluxKind::ALL
                .into_iter()
                .map(|k| (k, KindState::Pending))
                .collect(),
            events: EventStore::new(),
            graph: Graph::new(),
            timings: Timings::new(),
            screen: Screen::Tree,
            timings_list: TimingsListState::default(),
            navigator: NavigatorState::default(),
            dag: DagState::default(),
            problems: ProblemsState::default(),
            inspect: InspectState::default(),
            actions: ActionsState::new(),
            jobs: JobsState::default(),
            focus: Focus::Navigator,
            detail_visible: true,
            detail_scroll: 0,
            help_open: false,
            help_scroll: 0,
            labels,
            theme: config.theme,
            keymap: config.keymap,
            config_problems: config.problems,
            config_banner_dismissed: false,
            link: LinkNotices::default(),
            pending_keys: Vec::new(),
            input_note: None,
            page_rows: 10,
            height: 0,
            width: 0,
            now: None,
            dirty: true,
            health_counts: BTreeMap::new(),
            quit: false,
            runbooks: super::runbooks::RunbooksState::default(),
            snapshots: super::snapshots::SnapshotsState::default(),
            prompt: super::prompt::PromptState::default(),
            copy: super::copy::CopyState::default(),
            session: super::prompt::Session::default(),
            revision: 0,
        }
    }

    /// The keymap mode for the current screen.
    #[must_use]
    pub fn mode(&self) -> Mode {
        if self.help_open {
            Mode::Help
        } else if let Some(mode) = self.action_mode() {
            mode
        } else if let Some(kind) = self.prompt.open {
            match kind {
                super::prompt::PromptKind::Command => Mode::Command,
                super::prompt::PromptKind::Finder => Mode::Finder,
            }
        } else if self.copy.target.is_some() {
            Mode::Copy
        } else if let Some(mode) = self.runbook_mode() {
            mode
        } else if self.screen == Screen::Jobs {
            Mode::Jobs
        } else if self.screen == Screen::Dag {
            Mode::Dag
        } else if self.screen == Screen::Inspect {
            Mode::Inspect
        } else if self.screen == Screen::Problems && self.focus != Focus::Detail {
            Mode::Problems
        } else if self.navigator.filter_editing {
            Mode::Filter
        } else if self.focus == Focus::Detail && self.detail_visible {
            // The tree's or the timings list's detail pane.
            Mode::Detail
        } else if self.screen == Screen::Timings {
            Mode::Timings
        } else {
            Mode::Navigator
        }
    }

    /// The mode of the runbook and snapshot screens, when one is shown.
    fn runbook_mode(&self) -> Option<Mode> {
        match self.screen {
            Screen::Runbooks if self.runbooks.start.is_some() => Some(Mode::Form),
            Screen::Runbooks if self.runbooks.filter_editing => Some(Mode::Filter),
            Screen::Runbooks => Some(Mode::Runbooks),
            Screen::Walk if super::walker_keys::typing(self) => Some(Mode::Form),
            Screen::Walk => Some(Mode::Walker),
            Screen::Snapshots => Some(Mode::Snapshots),
            _ => None,
        }
    }

    /// The mode of the action popups and questions, when one has the keyboard.
    fn action_mode(&self) -> Option<Mode> {
        let a = &self.actions;
        if a.form.is_some() {
            Some(Mode::Form)
        } else if let Some(c) = &a.confirm {
            Some(if c.typing() {
                Mode::Form
            } else {
                Mode::Confirm
            })
        } else if a.menu.is_some() {
            Some(Mode::Actions)
        } else if self.screen == Screen::Jobs && self.jobs.ask_cancel.is_some() {
            Some(Mode::Confirm)
        } else {
            None
        }
    }

    /// Adds or replaces an object.
    pub fn upsert(&mut self, object: Arc<FluxObject>) {
        let Some(r) = object.resource_ref() else {
            return;
        };
        let entry = ObjectEntry::after(object, self.objects.get(&r));
        self.graph.upsert(Arc::clone(&entry.object));
        self.timings.upsert(&entry.object);
        // Events that came before the object (a watch lists Events and objects in any order) are its own now.
        for event in self.events.adopt(&r) {
            self.timings.record_event(&event);
        }
        let was_invalid = self.invalid.remove(&r).is_some();
        // Most updates only change status: the tree's shape (which objects, which edges) stays, and rows read
        // their columns at draw time, so the tree is kept unless the filter's answer can change.
        // The DAG screen lays out again when a health (root causes, folded chains) changes, and recomputes the
        // graph's warnings too when edges, the object set or a spec (generation) change.
        match self.objects.get(&r) {
            Some(old)
                if old.object.metadata.generation == entry.object.metadata.generation
                    && edges_of(&old.object) == edges_of(&entry.object) =>
            {
                if old.status.health != entry.status.health {
                    self.dag.mark_stale();
                    self.problems.mark_stale();
                }
            }
            _ => {
                self.dag.mark_warnings_stale();
                self.problems.mark_stale();
            }
        }
        let change = match self.objects.get(&r) {
            Some(old) if !was_invalid => {
                if self.reshapes_tree(&old.object, &entry.object) {
                    Some(true)
                } else {
                    (old.search_text != entry.search_text).then_some(false)
                }
            }
            _ => Some(true),
        };
        *self.health_counts.entry(entry.status.health).or_default() += 1;
        if let Some(old) = self.objects.insert(r, entry) {
            self.uncount(old.status.health);
        }
        match change {
            Some(true) => self.navigator.mark_stale(),
            Some(false) => self.navigator.mark_text_changed(),
            None => {}
        }
    }

    /// Whether replacing `old` by `new` changes the tree of the current view: an edge of that view changed, or
    /// an edge to or from an object not known (a placeholder node, shown in both views, may come or go).
    /// Switching views rebuilds the tree anyway.
    fn reshapes_tree(&self, old: &FluxObject, new: &FluxObject) -> bool {
        let (before, after) = (edges_of(old), edges_of(new));
        if before == after {
            return false;
        }
        let ownership = self.navigator.view == TreeView::Ownership;
        let only_in = |a: &[Edge], b: &[Edge]| -> Vec<Edge> {
            a.iter().filter(|e| !b.contains(e)).cloned().collect()
        };
        let mut changed = only_in(&before, &after);
        changed.extend(only_in(&after, &before));
        changed.iter().any(|e| {
            e.kind.is_ownership() == ownership
                || !self.objects.contains_key(&e.from)
                || !self.objects.contains_key(&e.to)
        })
    }

    fn uncount(&mut self, health: Health) {
        if let Some(n) = self.health_counts.get_mut(&health) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.health_counts.remove(&health);
            }
        }
    }

    /// Replaces an object by the error that keeps it from being parsed.
    pub fn mark_invalid(&mut self, r: ResourceRef, error: String) {
        self.graph.remove(&r);
        self.timings.remove(&r);
        if let Some(old) = self.objects.remove(&r) {
            self.uncount(old.status.health);
        }
        self.events.adopt(&r);
        self.invalid.insert(r, error);
        self.navigator.mark_stale();
        self.dag.mark_warnings_stale();
        self.problems.mark_stale();
    }

    /// How many objects have each health (kept as objects come, change and go; for the status bar).
    #[must_use]
    pub fn health_counts(&self) -> &BTreeMap<Health, usize> {
        &self.health_counts
    }

    /// Removes an object (valid or invalid) and its events.
    pub fn remove(&mut self, r: &ResourceRef) {
        self.graph.remove(r);
        self.timings.remove(r);
        if let Some(old) = self.objects.remove(r) {
            self.uncount(old.status.health);
        }
        self.invalid.remove(r);
        self.events.remove(r);
        self.navigator.mark_stale();
        self.dag.mark_warnings_stale();
        self.problems.mark_stale();
    }

    /// Records an event about an object, replacing an older copy of the same aggregated event. Events about an
    /// object not known (yet) wait in the bounded pending set (`app::events`) and reach the timings when it
    /// appears.
    pub fn record_event(&mut self, event: Arc<FluxEvent>) {
        let r = &event.involved;
        let known = self.objects.contains_key(r) || self.invalid.contains_key(r);
        let syncing = self.kinds.values().any(|k| *k == KindState::Pending);
        let kept = self.events.record(event, known, syncing);
        if self.objects.contains_key(&kept.involved) {
            self.timings.record_event(&kept);
        }
    }

    /// Selects `r` in the navigator, opening its ancestors in the current view.
    pub fn reveal(&mut self, r: &ResourceRef) {
        let src = super::navigator::Source {
            topology: &self.graph,
            objects: &self.objects,
            invalid: &self.invalid,
        };
        self.navigator.reveal(&src, r);
        self.dirty = true;
    }

    /// The currently selected object, if any.
    #[must_use]
    pub fn selected(&self) -> Option<&ResourceRef> {
        self.navigator.selected_object()
    }
}
