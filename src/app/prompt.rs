//! The two one-line prompts drawn at the foot of the screen: the `:` command line (parsed and completed by
//! [`super::command`]) and the fuzzy finder (`ctrl-p`, `:find`) over every object the console knows. Their state
//! and what `update` does with their keys; `prompt_view` builds what is drawn.
//!
//! The finder scores `Kind namespace/name` with `nucleo-matcher` (the matcher of helix and nucleo: smart case,
//! words in any order, each a fuzzy subsequence); enter selects the highlighted object on the screen shown
//! (the tree jumps to it, remembering where it was; the DAG centres on it; the timings and Problems lists select
//! it when they list it, else the tree shows it).

use super::action::Action;
use super::command::{self, Command, Known};
use super::effect::Effect;
use super::navigator::Source;
use super::state::{Focus, Screen, State};
use super::text_field;
use crate::flux::ResourceRef;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::collections::BTreeSet;

/// Most characters of a prompt.
pub const PROMPT_MAX_CHARS: usize = 256;

/// Most matches the finder keeps (best first).
pub const FINDER_MATCHES: usize = 200;

/// Which prompt is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Finder,
}

/// The open prompt, if any.
#[derive(Debug, Clone, Default)]
pub struct PromptState {
    pub open: Option<PromptKind>,
    pub text: String,
    /// The highlighted candidate (command line) or match (finder).
    pub highlighted: usize,
    /// The finder's matches for `text`, best first (recomputed as the text changes).
    pub matches: Vec<ResourceRef>,
}

/// What the console knows beyond the objects on screen, kept across namespace and context switches (the
/// command line completes from it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The kubeconfig's contexts.
    pub contexts: Vec<String>,
    /// Namespaces seen in this and earlier scopes of the context.
    pub namespaces: BTreeSet<String>,
}

/// Opens a prompt (the finder starts with every object listed).
pub fn open(state: &mut State, kind: PromptKind, text: &str) {
    state.prompt = PromptState {
        open: Some(kind),
        text: text.to_owned(),
        highlighted: 0,
        matches: Vec::new(),
    };
    refresh(state);
}

/// The command line's completions for its text.
#[must_use]
pub fn candidates(state: &State) -> Vec<command::Candidate> {
    let mut namespaces = state.session.namespaces.clone();
    namespaces.extend(state.objects.keys().map(|r| r.namespace.clone()));
    let namespaces: Vec<String> = namespaces.into_iter().collect();
    command::candidates(
        &state.prompt.text,
        Known {
            namespaces: &namespaces,
            contexts: &state.session.contexts,
            context: &state.labels.context,
        },
    )
}

/// Recomputes the finder's matches; keeps the highlight within the list.
fn refresh(state: &mut State) {
    if state.prompt.open == Some(PromptKind::Finder) {
        let refs = state.objects.keys().chain(state.invalid.keys());
        state.prompt.matches = find(&state.prompt.text, refs, FINDER_MATCHES);
    }
    let len = match state.prompt.open {
        Some(PromptKind::Finder) => state.prompt.matches.len(),
        Some(PromptKind::Command) => candidates(state).len(),
        None => 0,
    };
    state.prompt.highlighted = state.prompt.highlighted.min(len.saturating_sub(1));
}

/// The objects matching `query` fuzzily on `Kind namespace/name`, best first (ties in `refs` order), at most
/// `limit`. An empty query matches everything in order.
pub fn find<'a>(
    query: &str,
    refs: impl Iterator<Item = &'a ResourceRef>,
    limit: usize,
) -> Vec<ResourceRef> {
    if query.trim().is_empty() {
        return refs.take(limit).cloned().collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, &ResourceRef)> = refs
        .enumerate()
        .filter_map(|(i, r)| {
            let hay = format!("{} {}/{}", r.kind, r.namespace, r.name);
            pattern
                .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                .map(|score| (score, i, r))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, _, r)| r.clone())
        .collect()
}

/// Typed or pasted text for the open prompt.
pub fn type_text(state: &mut State, text: &str, pasted: bool) {
    let mut field = state.prompt.text.clone();
    state.input_note = if pasted {
        text_field::paste(&mut field, text, PROMPT_MAX_CHARS, "the prompt")
    } else {
        let mut note = None;
        for c in text.chars() {
            note = text_field::type_char(&mut field, c, PROMPT_MAX_CHARS, "the prompt");
        }
        note
    };
    state.prompt.text = field;
    state.prompt.highlighted = 0;
    state.dirty = true;
    refresh(state);
}

/// The prompts' own keys while one is open; `None` for actions they do not own (quit goes through).
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let kind = state.prompt.open?;
    state.dirty = true;
    match action {
        Action::PromptCancel => state.prompt = PromptState::default(),
        Action::PromptDeleteChar => {
            state.prompt.text.pop();
            state.prompt.highlighted = 0;
            refresh(state);
        }
        Action::PromptNext | Action::MoveDown => move_highlight(state, 1),
        Action::PromptPrev | Action::MoveUp => move_highlight(state, -1),
        Action::PromptComplete => match kind {
            PromptKind::Command => complete(state),
            PromptKind::Finder => move_highlight(state, 1),
        },
        Action::PromptSubmit => {
            let prompt = std::mem::take(&mut state.prompt);
            return Some(match kind {
                PromptKind::Command => run(state, &prompt.text),
                PromptKind::Finder => {
                    match prompt.matches.get(prompt.highlighted) {
                        Some(r) => select(state, r),
                        None => state.input_note = Some("nothing found".to_owned()),
                    }
                    Vec::new()
                }
            });
        }
        // Everything else waits while a prompt is open.
        _ => {}
    }
    Some(Vec::new())
}

fn move_highlight(state: &mut State, by: isize) {
    let len = match state.prompt.open {
        Some(PromptKind::Finder) => state.prompt.matches.len(),
        _ => candidates(state).len(),
    };
    if len == 0 {
        return;
    }
    let len = isize::try_from(len).unwrap_or(isize::MAX);
    let now = isize::try_from(state.prompt.highlighted).unwrap_or(0);
    state.prompt.highlighted = usize::try_from((now + by).rem_euclid(len)).unwrap_or(0);
}

/// `tab`: the highlighted completion replaces the line.
fn complete(state: &mut State) {
    let list = candidates(state);
    if let Some(c) = list.get(state.prompt.highlighted).or_else(|| list.first()) {
        state.prompt.text.clone_from(&c.line);
        state.prompt.highlighted = 0;
    }
}

/// Runs a command line; a line that is not a command says why in a flash (nothing else happens).
pub fn run(state: &mut State, line: &str) -> Vec<Effect> {
    let command = match command::parse(line) {
        Ok(c) => c,
        Err(e) => {
            state.input_note = Some(e.to_string());
            return Vec::new();
        }
    };
    match command {
        Command::Kind(kind) => {
            let mut terms: Vec<String> = state
                .navigator
                .filter
                .split_whitespace()
                .filter(|t| !t.to_ascii_lowercase().starts_with("kind:"))
                .map(str::to_owned)
                .collect();
            terms.insert(0, command::kind_term(kind));
            if matches!(
                state.screen,
                Screen::Dag | Screen::Problems | Screen::Inspect | Screen::Jobs
            ) {
                super::switch::show(state, Screen::Tree);
            }
            state.navigator.filter_editing = false;
            state.navigator.set_filter(terms.join(" "));
        }
        Command::AllKinds => {
            let rest: Vec<&str> = state
                .navigator
                .filter
                .split_whitespace()
                .filter(|t| !t.to_ascii_lowercase().starts_with("kind:"))
                .collect();
            let rest = rest.join(" ");
            state.navigator.set_filter(rest);
        }
        Command::Namespace(ns) => return switch(state, None, ns),
        Command::Context(name) => {
            if !state.session.contexts.contains(&name) {
                state.input_note = Some(format!(
                    "no context '{}' in the kubeconfig (contexts: {})",
                    crate::text::sanitize_line(&name),
                    crate::text::sanitize_line(&state.session.contexts.join(", "))
                ));
                return Vec::new();
            }
            let ns = state.labels.namespace.clone();
            return switch(state, Some(name), ns);
        }
        Command::Problems => super::switch::show(state, Screen::Problems),
        Command::Jobs => super::switch::show(state, Screen::Jobs),
        Command::Tree => super::switch::show(state, Screen::Tree),
        Command::Dag => super::switch::show(state, Screen::Dag),
        Command::Timings => super::switch::show(state, Screen::Timings),
        Command::Trace => return super::inspect::open(state, super::inspect::Tab::Trace),
        Command::TraceObject {
            kind,
            namespace,
            name,
        } => {
            // KIND/NAME: the namespace the console watches, if one.
            let namespace = if namespace.is_empty() {
                state.labels.namespace.clone().unwrap_or_default()
            } else {
                namespace
            };
            let named = super::inspect::Named {
                kind,
                namespace,
                name,
            };
            return super::inspect::open_named(state, named);
        }
        Command::Logs => return super::inspect::open(state, super::inspect::Tab::Logs),
        Command::Find(text) => open(state, PromptKind::Finder, &text),
        Command::Help => {
            state.help_open = true;
            state.help_scroll = 0;
        }
        Command::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
    }
    Vec::new()
}

/// `:ns` / `:ctx`: reconnect to `context` (`None`: the one in use) watching `namespace` (`None`: all).
fn switch(state: &mut State, context: Option<String>, namespace: Option<String>) -> Vec<Effect> {
    let context = context.unwrap_or_else(|| state.labels.context.clone());
    if context == state.labels.context && namespace == state.labels.namespace {
        state.input_note = Some(format!(
            "already watching {} in context {}",
            namespace
                .as_deref()
                .map_or("all namespaces".to_owned(), |n| format!("namespace {n}")),
            crate::text::sanitize_line(&context)
        ));
        return Vec::new();
    }
    state.input_note = Some(format!(
        "switching to {}{} …",
        crate::text::sanitize_line(&context),
        namespace
            .as_deref()
            .map_or(" (all namespaces)".to_owned(), |n| format!(
                ", namespace {n}"
            ))
    ));
    let mut namespaces = state.session.namespaces.clone();
    namespaces.extend(state.objects.keys().map(|r| r.namespace.clone()));
    if context != state.labels.context {
        // Another cluster: its namespaces are its own.
        namespaces.clear();
    }
    vec![Effect::Switch(super::effect::Switch {
        context,
        namespace,
        namespaces,
    })]
}

/// Selects `r` on the screen shown (see the module doc).
pub fn select(state: &mut State, r: &ResourceRef) {
    match state.screen {
        Screen::Dag => state.dag.open(&state.graph, Some(r)),
        Screen::Timings if state.timings.get(r).is_some() => {
            state.timings_list.selected = Some(r.clone());
        }
        Screen::Problems if state.problems.list().iter().any(|p| p.target == *r) => {
            state.problems.selected = Some(r.clone());
        }
        _ => {
            state.screen = Screen::Tree;
            state.focus = Focus::Navigator;
            let src = Source {
                topology: &state.graph,
                objects: &state.objects,
                invalid: &state.invalid,
            };
            state.navigator.jump_to(&src, r);
            state.detail_scroll = 0;
        }
    }
    state.dirty = true;
}
