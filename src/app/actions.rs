//! The console side of actions, up to the preparation: the action menu of the selected object (or of every
//! marked object, `app::marks`) and the parameter form. `update` sends keys here while the menu or the form is
//! open; what they ask for leaves as effects ([`Effect::ActionMenu`], then [`Effect::Prepare`] /
//! [`Effect::Bulk`]) and the answers come back as messages. The confirm view is `app::confirm`, the drawn
//! models `app::actions_view`.

use super::action::Action;
use super::confirm::ConfirmState;
use super::effect::Effect;
use super::state::State;
use super::text_field;
use crate::actions::params::ParamValues;
use crate::actions::{Catalog, TargetKind, TargetRef};
use crate::execution::MenuEntry;
use crate::flux::ResourceRef;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Most characters of one form field (a parameter value, the typed name, a break-glass reason).
pub const FIELD_MAX_CHARS: usize = 1024;

/// Everything the console keeps about actions.
#[derive(Debug, Default)]
pub struct ActionsState {
    /// The catalog, for the parameters' names and bounds (the pipeline checks them again).
    pub catalog: Option<Arc<Catalog>>,
    pub menu: Option<MenuState>,
    pub form: Option<FormState>,
    pub confirm: Option<ConfirmState>,
    /// Objects marked for a bulk action.
    pub marks: BTreeSet<ResourceRef>,
}

impl ActionsState {
    /// With the shipped catalog (`None` when it does not load: the form then asks for no parameters).
    #[must_use]
    pub fn new() -> Self {
        Self {
            catalog: Catalog::builtin().ok().map(Arc::new),
            ..Self::default()
        }
    }

    /// Whether a popup or the confirm view has the keyboard.
    #[must_use]
    pub fn open(&self) -> bool {
        self.menu.is_some() || self.form.is_some() || self.confirm.is_some()
    }
}

/// The open action menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuState {
    /// The targets, in dependency order (one unless marked objects are acted on); the menu is the first's.
    pub targets: Vec<TargetRef>,
    /// `None` while the menu is asked for; `Err`: why there is none.
    pub entries: Option<Result<Vec<MenuEntry>, String>>,
    pub selected: usize,
    /// Why the last choice was refused (a denied entry).
    pub note: Option<String>,
    /// Before the menu: the objects to choose from (the drill-down's inventory tab: the object and what it
    /// applied); empty once chosen.
    pub choices: Vec<TargetRef>,
}

/// What a form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPurpose {
    /// The action's parameters.
    Params,
    /// The reason for a break-glass declaration (then the same action is prepared again with it).
    BreakGlass { params: ParamValues },
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub help: String,
    /// `int 0..=100`, `string ≤ 63 chars`.
    pub bounds: String,
    pub default: Option<String>,
    pub secret: bool,
    pub value: String,
}

/// The open form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormState {
    pub action: String,
    pub targets: Vec<TargetRef>,
    pub purpose: FormPurpose,
    pub fields: Vec<Field>,
    pub focused: usize,
    /// Why the last submit was refused.
    pub error: Option<String>,
}

/// The target an action on `r` names (`None` for kinds no action targets).
#[must_use]
pub fn target_of(r: &ResourceRef) -> Option<TargetRef> {
    let kind = TargetKind::from_flux(r.kind)?;
    Some(TargetRef {
        kind,
        namespace: kind.is_namespaced().then(|| r.namespace.clone()),
        name: r.name.clone(),
    })
}

/// `a`: the menu for the marked objects if any, else for the shown screen's selection.
pub fn open_menu(state: &mut State) -> Vec<Effect> {
    let refs: Vec<ResourceRef> = if state.actions.marks.is_empty() {
        super::inspect::screen_selection(state)
            .into_iter()
            .collect()
    } else {
        super::marks::ordered(state)
    };
    let Some(first) = refs.first() else {
        state.input_note = Some("nothing selected to act on".to_owned());
        return Vec::new();
    };
    let targets: Vec<TargetRef> = refs.iter().filter_map(target_of).collect();
    let choices = inventory_choices(state);
    if choices.len() > 1 && state.actions.marks.is_empty() {
        state.actions.menu = Some(MenuState {
            targets: Vec::new(),
            entries: None,
            selected: 0,
            note: None,
            choices,
        });
        return Vec::new();
    }
    let Some(target) = targets.first().cloned() else {
        state.input_note = Some(format!(
            "no action targets a {} (actions target sources, Kustomizations, HelmReleases and workloads)",
            first.kind
        ));
        return Vec::new();
    };
    state.actions.menu = Some(MenuState {
        targets,
        entries: None,
        selected: 0,
        note: None,
        choices: Vec::new(),
    });
    let owner = owner_of(state, &target);
    vec![Effect::ActionMenu { target, owner }]
}

/// `target`'s Flux owner from the graph (a Flux object's own labels help; a workload is found by inventory).
fn owner_of(state: &State, target: &TargetRef) -> Option<crate::policy::input::OwnerInput> {
    let labels = target
        .kind
        .flux()
        .and_then(|kind| {
            let r = ResourceRef::new(
                kind,
                target.namespace.as_deref().unwrap_or_default(),
                &target.name,
            );
            state
                .objects
                .get(&r)
                .and_then(|e| e.object.metadata.labels.clone())
        })
        .unwrap_or_default();
    crate::policy::owner::flux_owner(&state.graph, target, &labels)
}

/// On the drill-down's inventory tab: the inspected object, then every applied object an action can target.
fn inventory_choices(state: &State) -> Vec<TargetRef> {
    let inspect = &state.inspect;
    if state.screen != super::state::Screen::Inspect
        || inspect.tab != super::inspect::Tab::Inventory
    {
        return Vec::new();
    }
    let Some(r) = inspect.target.as_ref() else {
        return Vec::new();
    };
    let Some(own) = target_of(r) else {
        return Vec::new();
    };
    // As the screen lists them; what the error names first (the likely target), then the object itself.
    let mut out = Vec::new();
    let mut own_at = 0;
    if let Some(Ok(fetched)) = inspect.answer(true)
        && let Some(items) = &fetched.inventory
    {
        let names = super::inspect_view::error_names(state, r);
        let (ordered, leading) = super::inspect_view::inventory_order(items, &names);
        for (i, id) in ordered
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((i, o.id.as_ref()?)))
        {
            let Some(kind) = TargetKind::from_user(&id.kind) else {
                continue;
            };
            let t = TargetRef {
                kind,
                namespace: kind.is_namespaced().then(|| id.namespace.clone()),
                name: id.name.clone(),
            };
            if !out.contains(&t) && t != own {
                out.push(t);
                if i < leading {
                    own_at = out.len();
                }
            }
        }
    }
    out.insert(own_at, own);
    out
}

/// The menu's answer; dropped unless the menu of that target is open and waiting.
pub fn on_menu(state: &mut State, target: &TargetRef, entries: Result<Vec<MenuEntry>, String>) {
    if let Some(menu) = state.actions.menu.as_mut()
        && menu.targets.first() == Some(target)
        && menu.entries.is_none()
    {
        // Start on the first entry that can be chosen.
        menu.selected = entries
            .as_ref()
            .ok()
            .and_then(|e| e.iter().position(|m| m.verdict.runnable()))
            .unwrap_or(0);
        menu.entries = Some(entries);
        state.dirty = true;
    }
}

/// The menu's keys; `true` when the action was the menu's.
pub fn on_menu_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let menu = state.actions.menu.as_mut()?;
    let len = if menu.choices.is_empty() {
        menu.entries
            .as_ref()
            .and_then(|e| e.as_ref().ok())
            .map_or(0, Vec::len)
    } else {
        menu.choices.len()
    };
    let last = len.saturating_sub(1);
    match action {
        Action::MoveUp => menu.selected = menu.selected.saturating_sub(1),
        Action::MoveDown => menu.selected = (menu.selected + 1).min(last),
        Action::SelectFirst | Action::PageUp => menu.selected = 0,
        Action::SelectLast | Action::PageDown => menu.selected = last,
        Action::CloseActions => state.actions.menu = None,
        Action::ChooseAction => return Some(choose(state)),
        // Everything else waits until the menu is closed (ctrl-c still quits: the run loop's).
        _ => {}
    }
    Some(Vec::new())
}

/// Enter on an entry: refused unless runnable; a form when it has parameters; else prepared.
fn choose(state: &mut State) -> Vec<Effect> {
    let Some(menu) = state.actions.menu.as_mut() else {
        return Vec::new();
    };
    if let Some(target) = menu.choices.get(menu.selected).cloned() {
        // The object is chosen: now its menu.
        menu.choices.clear();
        menu.selected = 0;
        menu.targets = vec![target.clone()];
        let owner = owner_of(state, &target);
        return vec![Effect::ActionMenu { target, owner }];
    }
    let Some(Ok(entries)) = &menu.entries else {
        return Vec::new();
    };
    let Some(entry) = entries.get(menu.selected) else {
        return Vec::new();
    };
    if !entry.verdict.runnable() {
        menu.note = Some(format!(
            "{} cannot be chosen: {}",
            entry.action,
            super::actions_view::verdict_text(&entry.verdict)
        ));
        return Vec::new();
    }
    let action = entry.action.clone();
    let targets = menu.targets.clone();
    state.actions.menu = None;
    let spec = state
        .actions
        .catalog
        .as_ref()
        .and_then(|c| c.get(&action))
        .map(|s| s.params.clone())
        .unwrap_or_default();
    if spec.is_empty() {
        return prepare(state, action, targets, ParamValues::default(), None);
    }
    state.actions.form = Some(FormState {
        action,
        targets,
        purpose: FormPurpose::Params,
        fields: spec
            .into_iter()
            .map(|p| Field {
                bounds: format!("{} {}", p.kind.name(), p.kind.bounds()),
                help: p.help,
                value: String::new(),
                default: p.default,
                secret: p.secret,
                name: p.name,
            })
            .collect(),
        focused: 0,
        error: None,
    });
    Vec::new()
}

/// Asks for the preparation of `action` on `targets` and opens the confirm view waiting for it.
pub fn prepare(
    state: &mut State,
    action: String,
    targets: Vec<TargetRef>,
    params: ParamValues,
    break_glass: Option<String>,
) -> Vec<Effect> {
    state.actions.confirm = Some(ConfirmState::waiting(
        action.clone(),
        targets.clone(),
        params.clone(),
        break_glass.clone(),
    ));
    match targets.as_slice() {
        [target] => vec![Effect::Prepare {
            action,
            target: target.clone(),
            params,
            break_glass,
        }],
        _ => vec![Effect::Bulk {
            action,
            targets,
            params,
        }],
    }
}

/// The form's keys.
pub fn on_form_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let form = state.actions.form.as_mut()?;
    let last = form.fields.len().saturating_sub(1);
    match action {
        Action::FormNextField => form.focused = (form.focused + 1).min(last),
        Action::FormPrevField => form.focused = form.focused.saturating_sub(1),
        Action::FormDeleteChar => {
            if let Some(f) = form.fields.get_mut(form.focused) {
                f.value.pop();
            }
        }
        Action::FormCancel => state.actions.form = None,
        Action::FormSubmit => return Some(submit(state)),
        _ => {}
    }
    Some(Vec::new())
}

/// Text typed or pasted into the focused field.
pub fn type_into_form(state: &mut State, text: &str, pasted: bool) {
    let Some(form) = state.actions.form.as_mut() else {
        return;
    };
    let Some(field) = form.fields.get_mut(form.focused) else {
        return;
    };
    let what = format!("the field '{}'", field.name);
    state.input_note = if pasted {
        text_field::paste(&mut field.value, text, FIELD_MAX_CHARS, &what)
    } else {
        text.chars()
            .find_map(|c| text_field::type_char(&mut field.value, c, FIELD_MAX_CHARS, &what))
    };
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Some(form) = state.actions.form.as_mut() else {
        return Vec::new();
    };
    match &form.purpose {
        FormPurpose::BreakGlass { params } => {
            let reason = form
                .fields
                .first()
                .map(|f| f.value.trim().to_owned())
                .unwrap_or_default();
            if reason.is_empty() {
                form.error = Some("break-glass needs a reason (it is audited)".to_owned());
                return Vec::new();
            }
            let (action, targets, params) =
                (form.action.clone(), form.targets.clone(), params.clone());
            state.actions.form = None;
            prepare(state, action, targets, params, Some(reason))
        }
        FormPurpose::Params => {
            // An empty field takes its default.
            let pairs: Vec<(String, String)> = form
                .fields
                .iter()
                .filter(|f| !f.value.is_empty())
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect();
            let spec = state
                .actions
                .catalog
                .as_ref()
                .and_then(|c| c.get(&form.action));
            let checked = match spec {
                Some(spec) => ParamValues::from_pairs(spec, &pairs).map_err(|e| e.to_string()),
                None => Err(format!(
                    "the action '{}' is not in the catalog",
                    form.action
                )),
            };
            match checked {
                Ok(params) => {
                    let (action, targets) = (form.action.clone(), form.targets.clone());
                    state.actions.form = None;
                    prepare(state, action, targets, params, None)
                }
                Err(e) => {
                    form.error = Some(e);
                    Vec::new()
                }
            }
        }
    }
}
