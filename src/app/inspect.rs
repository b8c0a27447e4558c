//! The drill-down screen for the selected object (keys `Y` YAML, `e` events, `i` inventory, `L` controller logs
//! (`app::logs`), `T` trace (answered by `Msg::Traced`; `:trace KIND/NS/NAME` traces any object by name, a
//! workload too: [`open_named`]); from the tree, the
//! DAG, the timings and the Problems screens): its state and what `update` does with it. The YAML and the
//! inventory's live status are fetched on demand through one single-slot request ([`Request`]): opening the
//! screen (or a tab that needs more) returns an [`Effect::Inspect`]; the answer comes back as
//! [`Msg::Inspected`](super::Msg) and is dropped if a newer request superseded it. Events need no fetch (the
//! console already watches them). `inspect_view` builds what is drawn.

use super::action::Action;
use super::effect::Effect;
use super::request::Request;
use super::state::{Focus, KindState, Screen, State};
use crate::cluster::inspect::{
    FetchError, InspectAnswer, InspectRequest, Inspection, LiveObject, Target,
};
use crate::flux::{FluxKind, ResourceRef, spec_facts};
use crate::text::sanitize;
use serde_json::Value;

/// Which view of the object is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Yaml,
    Events,
    /// The inventory with live status (Kustomization, HelmRelease), or the source / chart facts.
    Inventory,
    /// The controller's log lines about the object, followed live (`app::logs`).
    Logs,
    /// The chain: applied by → source → revisions (`flux::trace`).
    Trace,
}

/// What was fetched, prepared once for drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The YAML, one sanitised line each.
    pub yaml: Vec<String>,
    /// Spec facts (names only; not sanitised yet).
    pub facts: Vec<(String, String)>,
    /// The inventory's live status, when it was asked for.
    pub inventory: Option<Vec<LiveObject>>,
}

/// (object, with inventory).
pub type FetchKey = (ResourceRef, bool);

/// State of the drill-down screen.
#[derive(Debug, Clone, Default)]
pub struct InspectState {
    pub target: Option<ResourceRef>,
    pub tab: Tab,
    pub scroll: u16,
    /// The screen `esc` goes back to.
    pub back: Screen,
    pub fetch: Request<FetchKey, Result<Fetched, FetchError>>,
    /// The log tab's stream and lines.
    pub logs: super::logs::LogsState,
    /// The trace tab's answer.
    pub trace: Request<TraceKey, Result<crate::flux::trace::Trace, String>>,
    /// The object traced by name when it is not one of the console's Flux objects (`:trace
    /// deployment/apps/podinfo`): the screen then shows its trace only (`target` is `None`).
    pub named: Option<Named>,
}

/// An object named on the command line, its kind as typed (resolved by the cluster's discovery when traced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub kind: String,
    /// Empty: cluster-scoped, or `default` for a namespaced kind.
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// What a trace starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceKey {
    /// One of the console's Flux objects (its kind known: no discovery).
    Flux(ResourceRef),
    /// Any object, by name.
    Named(Named),
}

/// The trace to fetch: `id` echoed in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRequest {
    pub id: u64,
    pub target: TraceKey,
}

/// The answer to a [`TraceRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceAnswer {
    pub id: u64,
    pub result: Result<crate::flux::trace::Trace, String>,
}

impl InspectState {
    /// The answer for the target: with inventory if `inventory`, else any.
    #[must_use]
    pub fn answer(&self, inventory: bool) -> Option<&Result<Fetched, FetchError>> {
        let r = self.target.clone()?;
        let with = self.fetch.answer_for(&(r.clone(), true));
        if inventory {
            with
        } else {
            with.or_else(|| self.fetch.answer_for(&(r, false)))
        }
    }

    /// Whether the tab shown waits for a fetch.
    #[must_use]
    pub fn loading(&self) -> bool {
        self.target.clone().is_some_and(|r| {
            self.fetch.is_pending_for(&(r.clone(), true)) || self.fetch.is_pending_for(&(r, false))
        })
    }
}

/// Whether the inventory tab of `kind` lists applied objects (else it shows the spec facts only).
#[must_use]
pub fn has_inventory(kind: FluxKind) -> bool {
    kind.is_applier()
}

/// The object the current screen has selected (each screen its own selection).
#[must_use]
pub fn screen_selection(state: &State) -> Option<ResourceRef> {
    match state.screen {
        Screen::Tree => state.selected().cloned(),
        Screen::Dag => state.dag.selected_ref().cloned(),
        Screen::Timings => state.timings_list.selected_ref().cloned(),
        Screen::Problems => state.problems.selected_ref().cloned(),
        Screen::Inspect => state.inspect.target.clone(),
        Screen::Jobs | Screen::Runbooks | Screen::Walk | Screen::Snapshots => None,
    }
}

/// Opens (or switches to) `tab` for the current screen's selection; returns the fetch it needs.
pub fn open(state: &mut State, tab: Tab) -> Vec<Effect> {
    if state.screen == Screen::Timings {
        super::timings_view::refresh(state);
    }
    if state.screen == Screen::Problems {
        super::problems::refresh(state);
    }
    let Some(r) = screen_selection(state) else {
        return Vec::new();
    };
    let inspect = &mut state.inspect;
    if state.screen != Screen::Inspect {
        // A fresh look: fetched again, from the top.
        inspect.back = state.screen;
        inspect.fetch.clear();
        inspect.trace.clear();
        inspect.target = Some(r.clone());
        inspect.scroll = 0;
        state.screen = Screen::Inspect;
    }
    inspect.named = None;
    if inspect.tab != tab {
        inspect.scroll = 0;
    }
    inspect.tab = tab;
    state.focus = Focus::Navigator;
    let mut effects = super::logs::stop_if_hidden(state);
    if tab == Tab::Logs {
        effects.extend(super::logs::start(state, r.clone()));
        if state.inspect.logs.follow {
            state.inspect.scroll =
                u16::try_from(super::inspect_view::scroll_limit(state)).unwrap_or(u16::MAX);
        }
    }
    if state.inspect.logs.target.as_ref().is_some_and(|t| *t != r) {
        effects.extend(super::logs::stop(state));
        effects.extend(super::logs::start(state, r.clone()));
    }
    let key = TraceKey::Flux(r);
    if tab == Tab::Trace
        && state.inspect.trace.answer_for(&key).is_none()
        && !state.inspect.trace.is_pending_for(&key)
    {
        let id = state.inspect.trace.request(key.clone());
        effects.push(Effect::Trace(TraceRequest { id, target: key }));
    }
    effects.extend(fetch_if_needed(state));
    effects
}

/// Opens the trace of an object named on the command line (`:trace KIND/NS/NAME`): one of the console's Flux
/// objects opens its drill-down on the trace tab, with the other tabs; any other object (a Deployment, a
/// Service …) is traced by name, the screen showing its trace only. Returns the trace to fetch.
pub fn open_named(state: &mut State, named: Named) -> Vec<Effect> {
    let flux = FluxKind::from_user(&named.kind)
        .map(|k| ResourceRef::new(k, &named.namespace, &named.name))
        .filter(|r| state.objects.contains_key(r) || state.invalid.contains_key(r));
    if let Some(r) = flux {
        // The drill-down of a known object: as `T` on its row.
        let back = (state.screen != Screen::Inspect).then_some(state.screen);
        let mut effects = super::logs::stop(state);
        state.screen = Screen::Inspect;
        let inspect = &mut state.inspect;
        inspect.back = back.unwrap_or(inspect.back);
        inspect.fetch.clear();
        inspect.trace.clear();
        inspect.target = Some(r);
        inspect.scroll = 0;
        effects.extend(open(state, Tab::Trace));
        return effects;
    }
    let mut effects = super::logs::stop(state);
    let inspect = &mut state.inspect;
    if state.screen != Screen::Inspect {
        inspect.back = state.screen;
    }
    inspect.fetch.cancel();
    inspect.target = None;
    inspect.named = Some(named.clone());
    inspect.tab = Tab::Trace;
    inspect.scroll = 0;
    state.screen = Screen::Inspect;
    state.focus = Focus::Navigator;
    let key = TraceKey::Named(named);
    let id = state.inspect.trace.request(key.clone());
    effects.push(Effect::Trace(TraceRequest { id, target: key }));
    state.dirty = true;
    effects
}

/// Back to the screen the drill-down was opened from; a late answer is dropped, a log stream ends.
pub fn close(state: &mut State) -> Vec<Effect> {
    state.inspect.fetch.cancel();
    state.inspect.trace.cancel();
    state.screen = state.inspect.back;
    state.focus = Focus::Navigator;
    super::logs::stop(state)
}

/// Takes a trace's answer (dropped when it is not the one awaited).
pub fn on_trace(state: &mut State, answer: TraceAnswer) {
    if state.inspect.trace.complete(answer.id, answer.result) {
        state.dirty = true;
    }
}

fn fetch_if_needed(state: &mut State) -> Vec<Effect> {
    let inspect = &state.inspect;
    let Some(r) = inspect.target.clone() else {
        return Vec::new();
    };
    let inventory = inspect.tab == Tab::Inventory && has_inventory(r.kind);
    let needed = match inspect.tab {
        Tab::Events | Tab::Logs | Tab::Trace => false,
        Tab::Yaml | Tab::Inventory => inspect.answer(inventory).is_none(),
    };
    let pending = inspect.fetch.is_pending_for(&(r.clone(), true))
        || (!inventory && inspect.fetch.is_pending_for(&(r.clone(), false)));
    if !needed || pending {
        return Vec::new();
    }
    // The version the watcher lists the kind at; the newest known one if the kind is not listed.
    let api_version = match state.kinds.get(&r.kind) {
        Some(KindState::Synced { api_version }) if api_version.contains('/') => api_version.clone(),
        _ => format!("{}/{}", r.kind.group(), r.kind.preferred_version()),
    };
    let id = state.inspect.fetch.request((r.clone(), inventory));
    vec![Effect::Inspect(InspectRequest {
        id,
        target: Target {
            kind: r.kind,
            api_version,
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        },
        inventory,
    })]
}

/// Takes an answer (dropped when it is not the one awaited).
pub fn on_answer(state: &mut State, answer: InspectAnswer) {
    let result = answer.result.map(prepare);
    if state.inspect.fetch.complete(answer.id, result) {
        state.dirty = true;
    }
}

/// YAML text and facts of a fetched object, computed once.
fn prepare(inspection: Inspection) -> Fetched {
    let mut object = inspection.object;
    redact(&mut object);
    let yaml = serde_saphyr::to_string(&object)
        .unwrap_or_else(|e| format!("# cannot show this object as YAML: {e}"));
    Fetched {
        yaml: yaml.lines().map(|l| sanitize(l).into_owned()).collect(),
        facts: spec_facts::of(&object),
        inventory: inspection.inventory,
    }
}

/// What the YAML never shows: `metadata.managedFields`, and a Secret's `data` / `stringData` (the fetch never
/// reads them; this holds even if something did).
fn redact(object: &mut Value) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    if object.get("kind").and_then(Value::as_str) == Some("Secret")
        && let Some(map) = object.as_object_mut()
    {
        map.remove("data");
        map.remove("stringData");
    }
}

/// Handles the drill-down's own actions; `None` for actions it does not own.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = state.page_rows.max(1);
    let limit = super::inspect_view::scroll_limit(state);
    let scroll = &mut state.inspect.scroll;
    let by = |s: u16, delta: isize| -> u16 {
        let next = usize::from(s).saturating_add_signed(delta).min(limit);
        u16::try_from(next).unwrap_or(u16::MAX)
    };
    let page = isize::try_from(page).unwrap_or(10);
    let before = *scroll;
    match action {
        Action::ScrollDown | Action::MoveDown => *scroll = by(*scroll, 1),
        Action::ScrollUp | Action::MoveUp => *scroll = by(*scroll, -1),
        Action::PageDown => *scroll = by(*scroll, page),
        Action::PageUp => *scroll = by(*scroll, -page),
        Action::SelectFirst => *scroll = 0,
        Action::SelectLast => *scroll = u16::try_from(limit).unwrap_or(u16::MAX),
        Action::CloseInspect => return Some(close(state)),
        Action::ToggleFollow if state.inspect.tab == Tab::Logs => {
            super::logs::toggle_follow(state);
        }
        Action::ToggleWrap if state.inspect.tab == Tab::Logs => super::logs::toggle_wrap(state),
        _ => return None,
    }
    // Scrolling up in the log pauses it; reaching the end again follows.
    if state.inspect.tab == Tab::Logs
        && matches!(
            action,
            Action::ScrollUp | Action::MoveUp | Action::PageUp | Action::SelectFirst
        )
        && state.inspect.scroll < before
    {
        state.inspect.logs.follow = false;
    }
    if state.inspect.tab == Tab::Logs && matches!(action, Action::SelectLast) {
        state.inspect.logs.follow = true;
    }
    state.dirty = true;
    Some(Vec::new())
}
