//! The confirm view's state and keys: the preparation(s) of one action on one or more targets, and the
//! confirmation they need. `Simple` → `y` / Enter; `Typed` → the target's name typed exactly (the root cause's
//! for a bulk; text typed or pasted goes into the field); not executable (`Preparation::executable` false for
//! any target) → no way to confirm, and the view says why. Esc cancels; nothing was changed.

use super::action::Action;
use super::actions::{Field, FormPurpose, FormState};
use super::effect::{Confirmed, Effect};
use super::state::{Screen, State};
use super::text_field;
use crate::actions::params::ParamValues;
use crate::actions::{ExecutionId, TargetRef};
use crate::execution::{DryRun, Preparation};
use crate::policy::Confirmation;

/// The confirm view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmState {
    pub action: String,
    /// In dependency order (a bulk has several).
    pub targets: Vec<TargetRef>,
    pub params: ParamValues,
    pub break_glass: Option<String>,
    /// `None` while waiting; then one answer per target.
    pub answers: Option<Vec<Result<Preparation, String>>>,
    /// The name typed (typed confirmation).
    pub typed: String,
    pub scroll: u16,
    /// Why the last confirm was refused.
    pub note: Option<String>,
}

impl ConfirmState {
    /// Waiting for the preparation.
    #[must_use]
    pub fn waiting(
        action: String,
        targets: Vec<TargetRef>,
        params: ParamValues,
        break_glass: Option<String>,
    ) -> Self {
        Self {
            action,
            targets,
            params,
            break_glass,
            answers: None,
            typed: String::new(),
            scroll: 0,
            note: None,
        }
    }

    /// The preparations, when every target was prepared.
    #[must_use]
    pub fn prepared(&self) -> Option<Vec<&Preparation>> {
        self.answers
            .as_ref()?
            .iter()
            .map(|a| a.as_ref().ok())
            .collect()
    }

    /// Why it cannot be confirmed (`None`: it can).
    #[must_use]
    pub fn blocked(&self) -> Option<String> {
        let answers = self.answers.as_ref()?;
        if answers.is_empty() {
            return Some("nothing was prepared".to_owned());
        }
        answers.iter().find_map(|a| match a {
            Err(e) => Some(format!("the preparation failed: {e}")),
            Ok(p) => not_executable(p).map(|why| {
                if answers.len() > 1 {
                    format!("{}: {why}", p.target)
                } else {
                    why
                }
            }),
        })
    }

    /// The strongest confirmation any target needs.
    #[must_use]
    pub fn level(&self) -> Confirmation {
        let rank = |c: &Confirmation| match c {
            Confirmation::None => 0,
            Confirmation::Simple => 1,
            Confirmation::Typed => 2,
        };
        self.prepared()
            .unwrap_or_default()
            .iter()
            .map(|p| p.confirmation)
            .max_by_key(rank)
            .unwrap_or_default()
    }

    /// The name a typed confirmation asks for (the first target's).
    #[must_use]
    pub fn name_to_type(&self) -> &str {
        self.targets.first().map_or("", |t| t.name.as_str())
    }

    /// Whether the typed-name field has the keyboard.
    #[must_use]
    pub fn typing(&self) -> bool {
        self.blocked().is_none() && self.answers.is_some() && self.level() == Confirmation::Typed
    }
}

/// Why a preparation cannot be executed, in words (`None`: it can).
#[must_use]
pub fn not_executable(p: &Preparation) -> Option<String> {
    if p.executable() {
        return None;
    }
    if !p.decision.allow {
        let reasons = if p.decision.deny.is_empty() {
            "no reason given".to_owned()
        } else {
            p.decision.deny.join("; ")
        };
        return Some(format!("the policy denies it: {reasons}"));
    }
    if let Some(missing) = &p.forbidden {
        return Some(format!("forbidden: {missing}"));
    }
    if let Some(c) = p.preconditions.iter().find(|c| !c.passed) {
        return Some(format!("precondition {} failed: {}", c.name, c.detail));
    }
    Some(match &p.dry_run {
        DryRun::Failed { .. } => "the server's dry-run refused it".to_owned(),
        DryRun::Skipped { why } => format!("the dry-run was not run: {why}"),
        DryRun::Passed { .. } => "it cannot be executed".to_owned(),
    })
}

/// A preparation (or a rollback's); dropped unless the confirm view waits for one.
pub fn on_prepared(state: &mut State, answer: Result<Preparation, String>) {
    if let Some(c) = state.actions.confirm.as_mut()
        && c.answers.is_none()
    {
        if let Ok(p) = &answer
            && c.targets.is_empty()
        {
            // A rollback: its target and action are known from the answer.
            c.targets = vec![p.target.clone()];
            c.action.clone_from(&p.action);
        }
        c.answers = Some(vec![answer]);
        state.dirty = true;
    }
}

/// A bulk's preparations; dropped unless the confirm view waits for as many.
pub fn on_bulk(state: &mut State, answers: Vec<Result<Preparation, String>>) {
    if let Some(c) = state.actions.confirm.as_mut()
        && c.answers.is_none()
        && c.targets.len() == answers.len()
    {
        c.answers = Some(answers);
        state.dirty = true;
    }
}

/// The confirm view's keys (also the typed-name field's).
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let page = state.page_rows.max(1);
    let c = state.actions.confirm.as_mut()?;
    let scroll_by = |s: u16, d: isize| {
        u16::try_from(usize::from(s).saturating_add_signed(d)).unwrap_or(u16::MAX)
    };
    let page = isize::try_from(page).unwrap_or(10);
    match action {
        Action::ScrollDown | Action::MoveDown | Action::FormNextField => {
            c.scroll = scroll_by(c.scroll, 1);
        }
        Action::ScrollUp | Action::MoveUp | Action::FormPrevField => {
            c.scroll = scroll_by(c.scroll, -1);
        }
        Action::PageDown => c.scroll = scroll_by(c.scroll, page),
        Action::PageUp => c.scroll = scroll_by(c.scroll, -page),
        Action::SelectFirst => c.scroll = 0,
        Action::CancelConfirm | Action::FormCancel => state.actions.confirm = None,
        Action::FormDeleteChar => {
            c.typed.pop();
        }
        Action::Confirm | Action::FormSubmit => return Some(confirm(state)),
        Action::BreakGlass => break_glass(state),
        _ => {}
    }
    Some(Vec::new())
}

/// Text typed or pasted into the typed-name field.
pub fn type_name(state: &mut State, text: &str, pasted: bool) {
    let Some(c) = state.actions.confirm.as_mut() else {
        return;
    };
    let what = "the name field";
    state.input_note = if pasted {
        text_field::paste(&mut c.typed, text, super::actions::FIELD_MAX_CHARS, what)
    } else {
        text.chars().find_map(|ch| {
            text_field::type_char(&mut c.typed, ch, super::actions::FIELD_MAX_CHARS, what)
        })
    };
}

fn confirm(state: &mut State) -> Vec<Effect> {
    let Some(c) = state.actions.confirm.as_mut() else {
        return Vec::new();
    };
    if c.answers.is_none() {
        c.note = Some("still preparing: nothing to confirm yet".to_owned());
        return Vec::new();
    }
    if let Some(why) = c.blocked() {
        c.note = Some(format!("cannot be confirmed: {why}"));
        return Vec::new();
    }
    let confirmation = match c.level() {
        Confirmation::None => Confirmed::NotAsked,
        Confirmation::Simple => Confirmed::Yes,
        Confirmation::Typed => {
            if c.typed != c.name_to_type() {
                c.note = Some(format!(
                    "the name typed does not match '{}': nothing was executed",
                    crate::text::sanitize_line(c.name_to_type())
                ));
                return Vec::new();
            }
            Confirmed::Typed(c.typed.clone())
        }
    };
    let executions: Vec<ExecutionId> = c
        .prepared()
        .unwrap_or_default()
        .iter()
        .map(|p| p.execution.clone())
        .collect();
    state.actions.confirm = None;
    state.actions.marks.clear();
    super::jobs::expect(state, executions.first().cloned());
    super::switch::show(state, Screen::Jobs);
    vec![Effect::Execute {
        executions,
        confirmation,
    }]
}

/// `b` on a denied single-target preparation: a reason, then prepared again with break-glass declared.
fn break_glass(state: &mut State) {
    let Some(c) = state.actions.confirm.as_ref() else {
        return;
    };
    let denied = c
        .prepared()
        .is_some_and(|p| p.len() == 1 && p.iter().all(|p| !p.decision.allow));
    if !denied {
        if let Some(c) = state.actions.confirm.as_mut() {
            c.note = Some("break-glass is for a single target the policy denies".to_owned());
        }
        return;
    }
    state.actions.form = Some(FormState {
        action: c.action.clone(),
        targets: c.targets.clone(),
        purpose: FormPurpose::BreakGlass {
            params: c.params.clone(),
        },
        fields: vec![Field {
            name: "reason".to_owned(),
            help: "why Git cannot be changed first (audited; the owner must be suspended and Git changed after)"
                .to_owned(),
            bounds: "text".to_owned(),
            default: None,
            secret: false,
            value: String::new(),
        }],
        focused: 0,
        error: None,
    });
    state.actions.confirm = None;
}

/// `r` on the Jobs screen: the confirm view waits for the rollback's preparation.
pub fn wait_for_rollback(state: &mut State) {
    state.actions.confirm = Some(ConfirmState::waiting(
        "rollback".to_owned(),
        Vec::new(),
        ParamValues::default(),
        None,
    ));
}
