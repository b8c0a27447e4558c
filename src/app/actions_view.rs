//! What the action popups draw: the menu (entries with their verdicts), the parameter form and the confirm
//! view (every part of the preparation, one decision per target for a bulk). Every string from the cluster or
//! the pipeline is sanitised here; a secret is shown only as the pipeline gives it (digest and size) and a
//! secret field's typed value never (dots).

use super::confirm::{ConfirmState, not_executable};
use super::inspect_view::{InspectLine, Tone};
use super::state::State;
use crate::config::Mode;
use crate::execution::{DryRun, Preparation, Verdict};
use crate::policy::Confirmation;
use crate::text::{sanitize, sanitize_line};

/// The popup (or confirm view) shown over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionsOverlay {
    Menu(MenuView),
    Form(FormView),
    Confirm(ConfirmView),
}

/// The action menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuView {
    /// ` Actions — Kustomization/flux-system/apps ` (or `… and 3 more, in dependency order`).
    pub title: String,
    pub rows: Vec<MenuRow>,
    pub selected: usize,
    /// Loading, or why there are no entries.
    pub status: Option<(Tone, String)>,
    /// Why the last choice was refused.
    pub note: Option<String>,
    /// The objects to choose from first (the inventory tab), `Kind/ns/name`; empty once chosen.
    pub choices: Vec<String>,
}

/// One entry of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuRow {
    pub action: String,
    pub help: String,
    pub executor: &'static str,
    pub dangerous: bool,
    /// `allowed`, `confirm`, `typed`, `denied: …`, `forbidden: …`, `read-only`.
    pub verdict: String,
    pub tone: Tone,
    pub runnable: bool,
    pub warnings: Vec<String>,
}

/// The parameter (or break-glass reason) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormView {
    pub title: String,
    pub fields: Vec<FieldView>,
    pub focused: usize,
    pub error: Option<String>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldView {
    pub name: String,
    /// `int 0..=100 (default 1)`.
    pub bounds: String,
    pub help: String,
    /// As typed; dots for a secret.
    pub value: String,
}

/// The confirm view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmView {
    pub title: String,
    pub lines: Vec<InspectLine>,
    pub scroll: u16,
    /// The last line: what confirms, or why nothing can.
    pub prompt: Vec<(Tone, String)>,
    pub note: Option<String>,
}

/// The verdict in words.
#[must_use]
pub fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::Allowed => "allowed".to_owned(),
        Verdict::Confirm {
            level: Confirmation::Typed,
        } => "typed confirmation".to_owned(),
        Verdict::Confirm { .. } => "needs confirmation".to_owned(),
        Verdict::Denied { reasons } => format!("denied: {}", sanitize_line(&reasons.join("; "))),
        Verdict::Forbidden { missing } => format!("forbidden: {}", sanitize_line(missing)),
        Verdict::ReadOnly => "read-only".to_owned(),
    }
}

fn verdict_tone(v: &Verdict) -> Tone {
    match v {
        Verdict::Allowed => Tone::Good,
        Verdict::Confirm { .. } => Tone::Warning,
        Verdict::Denied { .. } | Verdict::Forbidden { .. } => Tone::Bad,
        Verdict::ReadOnly => Tone::Dim,
    }
}

/// The overlay for the current state, if one is open.
#[must_use]
pub fn build(state: &State) -> Option<ActionsOverlay> {
    let a = &state.actions;
    if let Some(form) = &a.form {
        return Some(ActionsOverlay::Form(FormView {
            title: format!(
                " {} — {} ",
                sanitize_line(&form.action),
                targets_title(&form.targets)
            ),
            fields: form
                .fields
                .iter()
                .map(|f| FieldView {
                    name: sanitize_line(&f.name).into_owned(),
                    bounds: match &f.default {
                        Some(d) if !f.secret => {
                            format!(
                                "{} (default {})",
                                sanitize_line(&f.bounds),
                                sanitize_line(d)
                            )
                        }
                        _ => sanitize_line(&f.bounds).into_owned(),
                    },
                    help: sanitize_line(&f.help).into_owned(),
                    value: if f.secret {
                        "•".repeat(f.value.chars().count())
                    } else {
                        sanitize_line(&f.value).into_owned()
                    },
                })
                .collect(),
            focused: form.focused,
            error: form.error.as_deref().map(|e| sanitize_line(e).into_owned()),
        }));
    }
    if let Some(c) = &a.confirm {
        return Some(ActionsOverlay::Confirm(confirm_view(state, c)));
    }
    let menu = a.menu.as_ref()?;
    let (rows, status) = match &menu.entries {
        None if !menu.choices.is_empty() => (Vec::new(), None),
        None => (
            Vec::new(),
            Some((
                Tone::Progress,
                "asking the policy and the API server…".to_owned(),
            )),
        ),
        Some(Err(why)) => (
            Vec::new(),
            Some((Tone::Bad, format!("no actions: {}", sanitize_line(why)))),
        ),
        Some(Ok(entries)) if entries.is_empty() => (
            Vec::new(),
            Some((Tone::Dim, "no action applies to this kind".to_owned())),
        ),
        Some(Ok(entries)) => (
            entries
                .iter()
                .map(|e| MenuRow {
                    action: sanitize_line(&e.action).into_owned(),
                    help: sanitize_line(&e.help).into_owned(),
                    executor: e.executor,
                    dangerous: e.dangerous,
                    verdict: verdict_text(&e.verdict),
                    tone: verdict_tone(&e.verdict),
                    runnable: e.verdict.runnable(),
                    warnings: e
                        .warnings
                        .iter()
                        .map(|w| sanitize_line(w).into_owned())
                        .collect(),
                })
                .collect(),
            None,
        ),
    };
    let title = if menu.choices.is_empty() {
        format!(" Actions — {} ", targets_title(&menu.targets))
    } else {
        " Actions — on which object? ".to_owned()
    };
    Some(ActionsOverlay::Menu(MenuView {
        choices: menu
            .choices
            .iter()
            .map(|t| sanitize_line(&t.to_string()).into_owned())
            .collect(),
        title,
        rows,
        selected: menu.selected,
        status,
        note: menu.note.as_deref().map(|n| sanitize_line(n).into_owned()),
    }))
}

/// `Kind/ns/name`, or `Kind/ns/name and 3 more (dependency order)` for a bulk.
fn targets_title(targets: &[crate::actions::TargetRef]) -> String {
    match targets {
        [] => "…".to_owned(),
        [one] => sanitize_line(&one.to_string()).into_owned(),
        [first, rest @ ..] => format!(
            "{} and {} more (dependency order)",
            sanitize_line(&first.to_string()),
            rest.len()
        ),
    }
}

fn line(tone: Tone, text: impl Into<String>) -> InspectLine {
    InspectLine {
        pieces: vec![(tone, text.into())],
        hang: 0,
    }
}

fn labelled(label: &str, tone: Tone, text: impl Into<String>) -> InspectLine {
    let head = format!("{label:<14}");
    InspectLine {
        hang: head.len(),
        pieces: vec![(Tone::Label, head), (tone, text.into())],
    }
}

fn indented(tone: Tone, mark: &str, text: &str) -> InspectLine {
    InspectLine {
        pieces: vec![(tone, format!("  {mark} ")), (Tone::Text, text.to_owned())],
        hang: 4,
    }
}

fn confirm_view(state: &State, c: &ConfirmState) -> ConfirmView {
    let mut lines = vec![
        labelled("Action", Tone::Title, sanitize_line(&c.action).into_owned()),
        labelled("Target", Tone::Named, targets_title(&c.targets)),
    ];
    if let Some(reason) = &c.break_glass {
        lines.push(labelled(
            "Break-glass",
            Tone::Warning,
            format!("declared: {}", sanitize_line(reason)),
        ));
    }
    match &c.answers {
        None => lines.push(line(
            Tone::Progress,
            "preparing: policy, permissions, preconditions, rollback capture, server dry-run…",
        )),
        Some(answers) if answers.len() == 1 => match &answers[0] {
            Ok(p) => preparation_lines(&mut lines, p),
            Err(e) => lines.push(labelled(
                "Preparation",
                Tone::Bad,
                format!("failed: {}", sanitize(e)),
            )),
        },
        Some(answers) => {
            lines.push(line(
                Tone::Title,
                format!("{} targets, executed in this order (each waits until the one before is Ready):", answers.len()),
            ));
            for (i, (answer, target)) in answers.iter().zip(&c.targets).enumerate() {
                bulk_lines(&mut lines, i, target, answer);
            }
        }
    }
    let key = |mode: Mode, action| {
        state
            .keymap
            .key_for(mode, action)
            .map(|k| sanitize_line(&k).into_owned())
            .unwrap_or_default()
    };
    use super::action::Action as A;
    let prompt = match (c.answers.is_some(), c.blocked()) {
        (false, _) => vec![(
            Tone::Dim,
            format!("{} cancels", key(Mode::Confirm, A::CancelConfirm)),
        )],
        (true, Some(why)) => {
            let denied_single = c
                .prepared()
                .is_some_and(|p| p.len() == 1 && !p[0].decision.allow);
            let mut p = vec![(
                Tone::Bad,
                format!("Cannot be confirmed: {}", sanitize_line(&why)),
            )];
            if denied_single {
                p.push((
                    Tone::Dim,
                    format!(" · {} break-glass", key(Mode::Confirm, A::BreakGlass)),
                ));
            }
            p.push((
                Tone::Dim,
                format!(" · {} closes", key(Mode::Confirm, A::CancelConfirm)),
            ));
            p
        }
        (true, None) => match c.level() {
            Confirmation::Typed => vec![
                (
                    Tone::Warning,
                    format!("Type '{}' to confirm: ", sanitize_line(c.name_to_type())),
                ),
                (Tone::Text, format!("{}▏", sanitize_line(&c.typed))),
                (
                    Tone::Dim,
                    format!(
                        "  {} confirms · {} cancels",
                        key(Mode::Form, A::FormSubmit),
                        key(Mode::Form, A::FormCancel)
                    ),
                ),
            ],
            Confirmation::Simple => vec![(
                Tone::Warning,
                format!(
                    "Execute? {} yes · {} cancel",
                    key(Mode::Confirm, A::Confirm),
                    key(Mode::Confirm, A::CancelConfirm)
                ),
            )],
            Confirmation::None => vec![(
                Tone::Good,
                format!(
                    "{} executes · {} cancels",
                    key(Mode::Confirm, A::Confirm),
                    key(Mode::Confirm, A::CancelConfirm)
                ),
            )],
        },
    };
    ConfirmView {
        title: " Confirm — nothing has changed yet ".to_owned(),
        lines,
        scroll: c.scroll,
        prompt,
        note: c.note.as_deref().map(|n| sanitize_line(n).into_owned()),
    }
}

/// Every part of one preparation.
fn preparation_lines(lines: &mut Vec<InspectLine>, p: &Preparation) {
    if p.params.is_empty() {
        lines.push(labelled("Parameters", Tone::Dim, "none"));
    }
    for (i, (name, value)) in p.params.iter().enumerate() {
        let label = if i == 0 { "Parameters" } else { "" };
        lines.push(labelled(
            label,
            Tone::Text,
            format!("{} = {}", sanitize_line(name), sanitize_line(value)),
        ));
    }
    decision_lines(lines, p);
    match &p.forbidden {
        None => lines.push(labelled(
            "Permission",
            Tone::Good,
            "allowed (SelfSubjectAccessReview)",
        )),
        Some(missing) => lines.push(labelled(
            "Permission",
            Tone::Bad,
            format!("forbidden: {}", sanitize_line(missing)),
        )),
    }
    if p.preconditions.is_empty() {
        lines.push(labelled("Preconditions", Tone::Dim, "none"));
    } else {
        lines.push(line(Tone::Label, "Preconditions"));
        for c in &p.preconditions {
            let (tone, mark) = if c.passed {
                (Tone::Good, "✓")
            } else {
                (Tone::Bad, "✗")
            };
            lines.push(indented(
                tone,
                mark,
                &format!("{}: {}", sanitize_line(&c.name), sanitize_line(&c.detail)),
            ));
        }
    }
    dry_run_lines(lines, &p.dry_run);
    if !p.rollback.is_empty() || p.inverse.is_some() {
        let inverse = p.inverse.as_deref().map_or_else(
            || "no inverse action".to_owned(),
            |i| format!("inverse: {}", sanitize_line(i)),
        );
        lines.push(labelled("Rollback", Tone::Text, inverse));
        for r in &p.rollback {
            lines.push(indented(
                Tone::Dim,
                "·",
                &format!("captured: {}", sanitize_line(r)),
            ));
        }
    } else {
        lines.push(labelled(
            "Rollback",
            Tone::Dim,
            "none (nothing is captured)",
        ));
    }
    if let Some(yaml) = &p.job_yaml {
        lines.push(line(Tone::Label, "Job YAML (created as shown)"));
        for l in yaml.lines() {
            let l = sanitize_line(l).into_owned();
            let hang = l.len() - l.trim_start().len() + 4;
            lines.push(InspectLine {
                pieces: vec![(Tone::Text, format!("  {l}"))],
                hang,
            });
        }
    }
}

fn decision_lines(lines: &mut Vec<InspectLine>, p: &Preparation) {
    let d = &p.decision;
    let (tone, text) = if d.allow {
        (
            Tone::Good,
            format!("allowed (confirmation: {})", p.confirmation),
        )
    } else {
        (Tone::Bad, "denied".to_owned())
    };
    lines.push(labelled("Policy", tone, text));
    if let Some(e) = &d.policy_error {
        lines.push(indented(
            Tone::Bad,
            "‼",
            &format!("policy error: {}", sanitize_line(e)),
        ));
    }
    for r in &d.deny {
        lines.push(indented(Tone::Bad, "✗", &sanitize_line(r)));
    }
    for w in &d.warnings {
        lines.push(indented(Tone::Warning, "!", &sanitize_line(w)));
    }
    if let Some(bg) = &d.break_glass {
        lines.push(indented(
            Tone::Warning,
            "⚑",
            &format!(
                "break-glass: suspend {} first{}; {}",
                sanitize_line(&bg.suspend_owner.to_string()),
                if bg.git_change_required {
                    ", and a Git change must follow"
                } else {
                    ""
                },
                sanitize_line(&bg.reason)
            ),
        ));
    }
}

fn dry_run_lines(lines: &mut Vec<InspectLine>, d: &DryRun) {
    match d {
        DryRun::Passed { diff } => {
            let n = diff.len();
            lines.push(labelled(
                "Dry-run",
                Tone::Good,
                format!("passed ({n} change{})", if n == 1 { "" } else { "s" }),
            ));
            for l in diff {
                lines.push(indented(Tone::Text, "~", &sanitize_line(l)));
            }
        }
        DryRun::Failed { request, message } => {
            lines.push(labelled(
                "Dry-run",
                Tone::Bad,
                format!("refused by the server: {}", sanitize_line(request)),
            ));
            for l in sanitize(message).lines() {
                lines.push(indented(Tone::Bad, "│", l));
            }
        }
        DryRun::Skipped { why } => lines.push(labelled(
            "Dry-run",
            Tone::Dim,
            format!("not run: {}", sanitize_line(why)),
        )),
    }
}

/// One target of a bulk: its decision and the dry-run's outcome.
fn bulk_lines(
    lines: &mut Vec<InspectLine>,
    i: usize,
    target: &crate::actions::TargetRef,
    answer: &Result<Preparation, String>,
) {
    let head = format!("{:>3}. {}", i + 1, sanitize_line(&target.to_string()));
    match answer {
        Err(e) => lines.push(InspectLine {
            pieces: vec![
                (Tone::Named, head),
                (
                    Tone::Bad,
                    format!("  preparation failed: {}", sanitize_line(e)),
                ),
            ],
            hang: 7,
        }),
        Ok(p) => {
            let (tone, verdict) = match not_executable(p) {
                None => (Tone::Good, "ready".to_owned()),
                Some(why) => (Tone::Bad, why),
            };
            lines.push(InspectLine {
                pieces: vec![
                    (Tone::Named, head),
                    (tone, format!("  {}", sanitize_line(&verdict))),
                ],
                hang: 7,
            });
            for w in &p.decision.warnings {
                lines.push(indented(Tone::Warning, "   !", &sanitize_line(w)));
            }
            match &p.dry_run {
                DryRun::Passed { diff } => {
                    for l in diff {
                        lines.push(indented(Tone::Dim, "   ~", &sanitize_line(l)));
                    }
                }
                DryRun::Failed { message, .. } => {
                    lines.push(indented(Tone::Bad, "   │", &sanitize_line(message)));
                }
                DryRun::Skipped { .. } => {}
            }
        }
    }
}
