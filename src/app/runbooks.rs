//! The runbook list (key `5`) and how a walk begins: every runbook (shipped and the user's) with the failure
//! classes it applies to and the walks in progress, filtered by `/`; `enter` walks the selected runbook on the
//! object selected before (a form asks for the target and inputs it cannot fill); `R` on a failing object
//! walks the runbook its diagnosis names, bound to it (or to its root cause when it is only blocked), inputs
//! filled from the diagnosis' facts. The walk itself is `app::walker`.

use super::action::Action;
use super::effect::Effect;
use super::effects_files::{FileAnswer, FileEffect};
use super::state::{Screen, State};
use super::walker::WalkerState;
use crate::actions::TargetRef;
use crate::diagnosis::Facts;
use crate::flux::ResourceRef;
use crate::runbook::{Binding, Runbook, Walk};
use std::sync::Arc;

/// The runbook screens' state.
#[derive(Debug, Clone, Default)]
pub struct RunbooksState {
    /// The library: the shipped runbooks until the user's have been read (`None`: not loaded yet).
    pub library: Option<Vec<Arc<Runbook>>>,
    /// User runbook files that did not load.
    pub problems: Vec<String>,
    pub filter: String,
    pub filter_editing: bool,
    /// Index among the filtered rows.
    pub selected: usize,
    /// Saved walks (from the data directory), for the list's "in progress" column.
    pub walks: Vec<Walk>,
    /// The object selected when the list was opened (the target `enter` proposes).
    pub target: Option<TargetRef>,
    pub start: Option<StartForm>,
    pub walker: Option<WalkerState>,
}

/// The form asking what a walk needs: the target, then each input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartForm {
    pub runbook: String,
    /// (name, help, value); the first is `target`.
    pub fields: Vec<(String, String, String)>,
    pub focused: usize,
    pub error: Option<String>,
    /// Set aside another runbook's unfinished walk on the target.
    pub discard: bool,
}

/// The shipped runbooks (embedded; parsing them is pure).
fn shipped() -> Vec<Arc<Runbook>> {
    crate::actions::Catalog::builtin()
        .ok()
        .and_then(|c| crate::runbook::library::builtin(&c).ok())
        .map(|mut r| {
            r.sort_by(|a, b| a.id.cmp(&b.id));
            r.into_iter().map(Arc::new).collect()
        })
        .unwrap_or_default()
}

/// The library, loaded (shipped) on first use.
pub fn library(state: &mut State) -> &[Arc<Runbook>] {
    state.runbooks.library.get_or_insert_with(shipped)
}

/// The runbooks the filter lets through, in order.
#[must_use]
pub fn filtered(rb: &RunbooksState) -> Vec<Arc<Runbook>> {
    let terms: Vec<String> = rb
        .filter
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    rb.library
        .iter()
        .flatten()
        .filter(|r| {
            let text = format!("{} {} {}", r.id, r.title, r.classes.join(" ")).to_lowercase();
            terms.iter().all(|t| text.contains(t.as_str()))
        })
        .cloned()
        .collect()
}

/// `5`: the list (the selection of the screen left becomes the proposed target).
pub fn show(state: &mut State) -> Vec<Effect> {
    if let Some(r) = super::inspect::screen_selection(state) {
        state.runbooks.target = super::actions::target_of(&r);
    }
    library(state);
    super::switch::show(state, Screen::Runbooks);
    vec![
        Effect::Files(FileEffect::LoadRunbooks),
        Effect::Files(FileEffect::ListWalks),
    ]
}

/// Inputs a diagnosis' facts give, by input name (`object`, `dependency`, `release`, `chart`, `url` …).
fn from_facts(runbook: &Runbook, facts: &Facts) -> Vec<(String, String)> {
    let pairs = facts.pairs();
    runbook
        .inputs
        .iter()
        .filter_map(|i| {
            let value = pairs.iter().find(|(l, _)| *l == i.name)?.1.clone();
            crate::runbook::bind::check_value(&i.kind, &value)
                .ok()
                .map(|()| (i.name.clone(), value))
        })
        .collect()
}

/// The diagnosis of `r` whose next step `R` walks: the object's own, else that of its failure.
#[must_use]
pub fn diagnosed(state: &State, r: &ResourceRef) -> Option<crate::diagnosis::Diagnosis> {
    let e = state.objects.get(r)?;
    crate::diagnosis::diagnose_object(&e.object).or_else(|| {
        e.status.health.is_failure().then(|| {
            crate::diagnosis::diagnose(&crate::diagnosis::FailureInput {
                kind: e.object.flux_kind(),
                reason: Some(e.status.reason.as_str()),
                message: &e.status.message,
            })
        })
    })
}

/// What the detail's enter (`follow_next_step`) does on the shown selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailEnter {
    /// It is blocked: jump to its root cause.
    Jump,
    /// It is diagnosed: walk its next step's runbook, bound to it.
    Walk,
}

/// What the detail's enter does on the shown selection (`None`: nothing).
#[must_use]
pub fn detail_enter(state: &State) -> Option<DetailEnter> {
    use super::topology::Topology;
    let r = super::inspect::screen_selection(state)?;
    if state.graph.root_cause(&r).is_some() {
        Some(DetailEnter::Jump)
    } else if diagnosed(state, &r).is_some() {
        Some(DetailEnter::Walk)
    } else {
        None
    }
}

/// `R`: the runbook the diagnosis names for the selected object (or, for an object only blocked, for its root
/// cause), bound to it.
pub fn open_for_selection(state: &mut State) -> Vec<Effect> {
    let Some(selected) = super::inspect::screen_selection(state) else {
        state.input_note = Some("select a failing object first (R walks its runbook)".to_owned());
        return Vec::new();
    };
    let diagnosed = |r: &ResourceRef| diagnosed(state, r);
    let (r, d) = match diagnosed(&selected) {
        Some(d) => (selected.clone(), d),
        None => match state
            .graph
            .root_causes(&selected)
            .first()
            .cloned()
            .filter(|c| *c != selected)
            .and_then(|c| diagnosed(&c).map(|d| (c, d)))
        {
            Some(found) => found,
            None => {
                state.input_note = Some(format!(
                    "no failure diagnosed on {}: choose a runbook here and enter walks it on the object",
                    crate::text::sanitize_name(&selected.to_string())
                ));
                let effects = show(state);
                state.runbooks.target = super::actions::target_of(&selected);
                return effects;
            }
        },
    };
    let Some(target) = super::actions::target_of(&r) else {
        state.input_note = Some(format!("no runbook walks a {}", r.kind));
        return Vec::new();
    };
    let id = d.next_step.runbook;
    let Some(runbook) = library(state).iter().find(|rb| rb.id == id).cloned() else {
        state.input_note = Some(format!(
            "the diagnosis names runbook '{id}', which is not in the library"
        ));
        return Vec::new();
    };
    let given = from_facts(&runbook, &d.facts);
    start(state, &runbook, target, &given, false)
}

/// Walks `runbook` on `target` with `given` inputs: straight away when they bind, else the form asks.
fn start(
    state: &mut State,
    runbook: &Runbook,
    target: TargetRef,
    given: &[(String, String)],
    discard: bool,
) -> Vec<Effect> {
    if let Some(w) = &state.runbooks.walker
        && !w.walk.done()
        && !w.paused
    {
        if w.walk.binding.target == target && w.walk.runbook == runbook.id {
            super::switch::show(state, Screen::Walk);
            return Vec::new();
        }
        state.input_note = Some(format!(
            "a walk of '{}' on {} is in progress: pause (p) or finish it first",
            w.walk.runbook, w.walk.binding.target
        ));
        super::switch::show(state, Screen::Walk);
        return Vec::new();
    }
    match Binding::new(runbook, target.clone(), given) {
        Ok(binding) => vec![Effect::Files(FileEffect::OpenWalk {
            runbook: runbook.id.clone(),
            binding,
            discard,
        })],
        Err(why) => {
            state.runbooks.start = Some(form(
                runbook,
                target.to_string(),
                given,
                why.to_string(),
                discard,
            ));
            super::switch::show(state, Screen::Runbooks);
            Vec::new()
        }
    }
}

/// The list's keys; `None` for keys it does not own.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let len = filtered(&state.runbooks).len();
    let page = state.page_rows.max(1);
    let rb = &mut state.runbooks;
    match action {
        Action::MoveUp => rb.selected = rb.selected.saturating_sub(1),
        Action::MoveDown => rb.selected = (rb.selected + 1).min(len.saturating_sub(1)),
        Action::PageUp => rb.selected = rb.selected.saturating_sub(page),
        Action::PageDown => rb.selected = (rb.selected + page).min(len.saturating_sub(1)),
        Action::SelectFirst => rb.selected = 0,
        Action::SelectLast => rb.selected = len.saturating_sub(1),
        Action::StartFilter => rb.filter_editing = true,
        Action::ClearFilter => {
            rb.filter.clear();
            rb.selected = 0;
        }
        Action::RunbookStart => return Some(start_selected(state)),
        _ => return None,
    }
    Some(Vec::new())
}

/// `enter` on the list: resume the runbook's unfinished walk, else walk it on the proposed target.
fn start_selected(state: &mut State) -> Vec<Effect> {
    let list = filtered(&state.runbooks);
    let Some(runbook) = list.get(state.runbooks.selected).cloned() else {
        return Vec::new();
    };
    let unfinished = state
        .runbooks
        .walks
        .iter()
        .find(|w| w.runbook == runbook.id && !w.done())
        .map(|w| w.binding.clone());
    if let Some(binding) = unfinished {
        let given: Vec<(String, String)> = binding.inputs.into_iter().collect();
        return start(state, &runbook, binding.target, &given, false);
    }
    match state.runbooks.target.clone() {
        Some(t) => start(state, &runbook, t, &[], false),
        None => {
            state.runbooks.start = Some(form(
                &runbook,
                String::new(),
                &[],
                "which object? (select one before pressing 5, or type it)".to_owned(),
                false,
            ));
            Vec::new()
        }
    }
}

/// The start form of `runbook`: the target, then every input (given, else its default).
fn form(
    runbook: &Runbook,
    target: String,
    given: &[(String, String)],
    why: String,
    discard: bool,
) -> StartForm {
    let mut fields = vec![(
        "target".to_owned(),
        "Kind/namespace/name".to_owned(),
        target,
    )];
    fields.extend(runbook.inputs.iter().map(|i| {
        let value = given
            .iter()
            .find(|(n, _)| *n == i.name)
            .map(|(_, v)| v.clone())
            .or_else(|| i.default.clone())
            .unwrap_or_default();
        (i.name.clone(), i.help.clone(), value)
    }));
    let focused = fields.iter().position(|f| f.2.is_empty()).unwrap_or(0);
    StartForm {
        runbook: runbook.id.clone(),
        fields,
        focused,
        error: Some(why),
        discard,
    }
}

/// The start form's keys.
pub fn on_form_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let f = state.runbooks.start.as_mut()?;
    match action {
        Action::FormCancel => state.runbooks.start = None,
        Action::FormNextField => f.focused = (f.focused + 1) % f.fields.len().max(1),
        Action::FormPrevField => {
            f.focused = (f.focused + f.fields.len().max(1) - 1) % f.fields.len().max(1);
        }
        Action::FormDeleteChar => {
            if let Some(field) = f.fields.get_mut(f.focused) {
                field.2.pop();
            }
        }
        Action::FormSubmit => return Some(submit(state)),
        _ => {}
    }
    Some(Vec::new())
}

/// Text typed or pasted into the start form's field.
pub fn type_into_form(state: &mut State, text: &str, pasted: bool) {
    let Some(f) = state.runbooks.start.as_mut() else {
        return;
    };
    let Some(field) = f.fields.get_mut(f.focused) else {
        return;
    };
    let max = super::actions::FIELD_MAX_CHARS;
    state.input_note = if pasted {
        super::text_field::paste(&mut field.2, text, max, "the field")
    } else {
        text.chars()
            .find_map(|c| super::text_field::type_char(&mut field.2, c, max, "the field"))
    };
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Some(f) = state.runbooks.start.clone() else {
        return Vec::new();
    };
    let Some(runbook) = library(state).iter().find(|r| r.id == f.runbook).cloned() else {
        state.runbooks.start = None;
        return Vec::new();
    };
    let target = match TargetRef::parse(f.fields.first().map_or("", |t| t.2.trim())) {
        Ok(t) => t,
        Err(e) => {
            if let Some(form) = state.runbooks.start.as_mut() {
                form.error = Some(format!("target: {e}"));
                form.focused = 0;
            }
            return Vec::new();
        }
    };
    let given: Vec<(String, String)> = f
        .fields
        .iter()
        .skip(1)
        .filter(|(_, _, v)| !v.trim().is_empty())
        .map(|(n, _, v)| (n.clone(), v.trim().to_owned()))
        .collect();
    match Binding::new(&runbook, target, &given) {
        Ok(binding) => {
            state.runbooks.start = None;
            vec![Effect::Files(FileEffect::OpenWalk {
                runbook: runbook.id.clone(),
                binding,
                discard: f.discard,
            })]
        }
        Err(why) => {
            if let Some(form) = state.runbooks.start.as_mut() {
                form.error = Some(why.to_string());
            }
            Vec::new()
        }
    }
}

/// The filter's keys while it is typed on the list.
pub fn on_filter_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let rb = &mut state.runbooks;
    match action {
        Action::ApplyFilter => rb.filter_editing = false,
        Action::CancelFilter => {
            rb.filter_editing = false;
            rb.filter.clear();
        }
        Action::FilterDeleteChar => {
            rb.filter.pop();
        }
        Action::ClearFilter => rb.filter.clear(),
        _ => return None,
    }
    rb.selected = 0;
    Some(Vec::new())
}

/// A character typed into the list's filter.
pub fn type_into_filter(state: &mut State, c: char) {
    let rb = &mut state.runbooks;
    state.input_note = super::text_field::type_char(
        &mut rb.filter,
        c,
        super::text_field::FILTER_MAX_CHARS,
        "the filter",
    );
    rb.selected = 0;
}

/// An answer about runbooks and walks.
pub fn on_answer(state: &mut State, answer: FileAnswer) -> Vec<Effect> {
    match answer {
        FileAnswer::Runbooks { runbooks, problems } => {
            if !runbooks.is_empty() {
                state.runbooks.library = Some(runbooks);
            }
            state.runbooks.problems = problems;
        }
        FileAnswer::Walks(walks) => state.runbooks.walks = walks,
        FileAnswer::Fetched(objects) => return super::walker::on_fetched(state, objects),
        FileAnswer::Note(text) => {
            state.input_note = Some(crate::text::sanitize_line(&text).into_owned())
        }
        FileAnswer::WalkOpened {
            runbook,
            binding,
            result,
            operator,
        } => return opened(state, &runbook, binding, result, &operator),
        FileAnswer::Snapshots(_)
        | FileAnswer::SnapshotLoaded { .. }
        | FileAnswer::SnapshotDiffed { .. } => super::snapshots::on_answer(state, answer),
        FileAnswer::SnapshotCreated(result) => return super::snapshots::created(state, result),
    }
    state.dirty = true;
    Vec::new()
}

fn opened(
    state: &mut State,
    id: &str,
    binding: Binding,
    result: Result<Option<Box<Walk>>, String>,
    operator: &str,
) -> Vec<Effect> {
    state.dirty = true;
    let Some(runbook) = library(state).iter().find(|r| r.id == id).cloned() else {
        return Vec::new();
    };
    match result {
        Err(why) => {
            state.input_note = Some(format!("runbook: {}", crate::text::sanitize_line(&why)));
            Vec::new()
        }
        Ok(Some(mut walk)) => {
            walk.operator = operator.to_owned();
            super::walker::begin(state, runbook, *walk, true)
        }
        Ok(None) => {
            let walk = Walk::new(&runbook, binding, operator, super::walker::now_ms(state));
            super::walker::begin(state, runbook, walk, false)
        }
    }
}
