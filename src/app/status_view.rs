//! The frame's chrome as view models: the status bar (context, namespace, counts, timing totals, connection),
//! the banners above the panes (credentials, reloads, kinds that cannot be read) and the help screen generated
//! from the keymap. Cluster text passes through [`crate::text`] here, as in `view`.

use super::state::{KindState, State};
use super::timings_view::FlagView;
use super::view::{TimingMark, clock, glyph};
use crate::cluster::KindProblem;
use crate::config::{Binding, Mode};
use crate::flux::{FluxKind, Health};
use crate::text::sanitize_line;
use k8s_openapi::jiff::Timestamp;

/// The status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBarView {
    pub context: String,
    pub namespace: String,
    pub counts: Vec<(Health, usize)>,
    /// Objects that could not be parsed (objects too: the counts add up to the tree's).
    pub invalid: usize,
    /// Objects overdue, stuck, slow (only the non-zero ones).
    pub timing_totals: Vec<(FlagView, usize)>,
    pub connection: Connection,
}

/// Connection state shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// Waiting for the first lists.
    Syncing,
    Live,
    /// A watch failed and is retrying; data is stale since the given `HH:MM:SS` (UTC).
    Stale {
        since: String,
    },
}

/// Severity of a banner line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerLevel {
    Error,
    Warning,
    Info,
}

/// One banner line above the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub level: BannerLevel,
    pub text: String,
}

/// The help screen, generated from the keymap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpView {
    /// What each status glyph means: (glyph, meaning).
    pub legend: Vec<(&'static str, &'static str)>,
    pub sections: Vec<HelpSection>,
    pub scroll: u16,
}

/// The bindings of one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    pub mode: Mode,
    /// (keys joined with ", ", description)
    pub entries: Vec<(String, String)>,
}

pub(super) fn status_bar(state: &State) -> StatusBarView {
    let counts = state.health_counts();
    let stale_since = state
        .kinds
        .iter()
        .filter_map(|(kind, k)| match k {
            KindState::Degraded { since, .. } => Some(*since),
            // Objects still shown of a kind that can no longer be read are stale too.
            KindState::Unavailable { since, .. } if objects_of(state, *kind) > 0 => Some(*since),
            _ => None,
        })
        .min();
    let connection = match stale_since {
        Some(since) => Connection::Stale {
            since: since.map_or_else(|| "?".to_owned(), clock),
        },
        None if state.kinds.values().any(|k| *k == KindState::Pending) => Connection::Syncing,
        None => Connection::Live,
    };
    StatusBarView {
        context: sanitize_line(&state.labels.context).into_owned(),
        namespace: state.labels.namespace.as_deref().map_or_else(
            || "all namespaces".to_owned(),
            |n| format!("ns: {}", sanitize_line(n)),
        ),
        counts: Health::ALL
            .into_iter()
            .filter_map(|h| counts.get(&h).map(|c| (h, *c)))
            .collect(),
        invalid: state.invalid.len(),
        timing_totals: super::timings_view::totals_text(state.timings.totals()),
        connection,
    }
}

pub(super) fn banners(state: &State) -> Vec<Banner> {
    let mut out = Vec::new();
    if let Some(words) = &state.link.credentials {
        let reload = state
            .keymap
            .key_for(Mode::Common, super::action::Action::ReloadKubeconfig)
            .map(|k| format!(" — {k} reloads the kubeconfig"))
            .unwrap_or_default();
        out.push(Banner {
            level: BannerLevel::Error,
            text: format!("{}{reload}", sanitize_line(words)),
        });
    }
    if let Some(Err(error)) = &state.link.reload {
        out.push(Banner {
            level: BannerLevel::Error,
            text: format!(
                "reloading the kubeconfig failed, still using the previous one: {}",
                sanitize_line(error)
            ),
        });
    }
    // One banner per distinct problem: an outage makes every kind stale with the same words.
    let mut degraded: Vec<(&str, Option<Timestamp>, Vec<FluxKind>)> = Vec::new();
    for (kind, k) in &state.kinds {
        if let KindState::Degraded { error, since } = k {
            match degraded.iter_mut().find(|(e, _, _)| *e == error.as_str()) {
                Some((_, first, kinds)) => {
                    *first = match (*first, *since) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    kinds.push(*kind);
                }
                None => degraded.push((error, *since, vec![*kind])),
            }
        }
    }
    let watched = state
        .kinds
        .values()
        .filter(|k| !matches!(k, KindState::Unavailable { .. }))
        .count();
    for (error, since, kinds) in degraded {
        let which = if kinds.len() == watched && kinds.len() > 1 {
            "all kinds".to_owned()
        } else {
            join(&kinds)
        };
        out.push(Banner {
            level: BannerLevel::Error,
            text: format!(
                "{which}: stale since {} (retrying): {}",
                since.map_or_else(|| "?".to_owned(), clock),
                sanitize_line(error)
            ),
        });
    }
    let missing: Vec<FluxKind> = state
        .kinds
        .iter()
        .filter(|(_, k)| {
            matches!(
                k,
                KindState::Unavailable {
                    problem: KindProblem::MissingCrd,
                    ..
                }
            )
        })
        .map(|(kind, _)| *kind)
        .collect();
    if !missing.is_empty() {
        out.push(Banner {
            level: BannerLevel::Warning,
            text: format!("CRD not installed, not shown: {}", join(&missing)),
        });
    }
    for (kind, k) in &state.kinds {
        if let KindState::Unavailable {
            problem: KindProblem::Forbidden(msg),
            since,
        } = k
        {
            let shown = objects_of(state, *kind);
            let text = if shown > 0 {
                format!(
                    "{kind}: access forbidden since {}; the {shown} {} shown are stale: {}",
                    since.map_or_else(|| "?".to_owned(), clock),
                    plural(*kind),
                    sanitize_line(msg)
                )
            } else {
                format!(
                    "{kind}: access forbidden, not shown: {}",
                    sanitize_line(msg)
                )
            };
            out.push(Banner {
                level: BannerLevel::Warning,
                text,
            });
        }
    }
    if !state.actions.marks.is_empty() {
        out.push(Banner {
            level: BannerLevel::Info,
            text: super::marks::banner(state),
        });
    }
    if let Some(note) = &state.input_note {
        out.push(Banner {
            level: BannerLevel::Info,
            text: note.clone(),
        });
    }
    if !state.config_banner_dismissed {
        for p in &state.config_problems {
            out.push(Banner {
                level: BannerLevel::Error,
                text: format!(
                    "config: {}; using the defaults",
                    sanitize_line(&p.to_string())
                ),
            });
        }
    }
    out
}

/// How many objects of `kind` are shown.
fn objects_of(state: &State, kind: FluxKind) -> usize {
    state.objects.keys().filter(|r| r.kind == kind).count()
}

/// `Kustomizations`, `GitRepositories`.
#[must_use]
pub fn plural(kind: FluxKind) -> String {
    let name = kind.as_str();
    match name.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{name}s"),
    }
}

fn join(kinds: &[FluxKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn help(state: &State) -> HelpView {
    let mut legend: Vec<(&'static str, &'static str)> = Health::ALL
        .into_iter()
        .map(|h| (glyph(Some(h)), h.label()))
        .collect();
    legend.push((glyph(None), "invalid or missing"));
    for mark in [TimingMark::Stuck, TimingMark::Overdue] {
        legend.push((mark.glyph(), mark.label()));
    }
    HelpView {
        legend,
        sections: Mode::ALL
            .into_iter()
            .map(|mode| HelpSection {
                mode,
                entries: state.keymap.bindings(mode).iter().map(help_entry).collect(),
            })
            .filter(|s| !s.entries.is_empty())
            .collect(),
        scroll: state.help_scroll,
    }
}

/// One help line. Keys and descriptions can come from the user's keymap file: both are sanitised whole (a
/// description cut or padded before that would leave escape-sequence remnants on screen).
fn help_entry(b: &Binding) -> (String, String) {
    let keys = b
        .keys
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    (
        sanitize_line(&keys).into_owned(),
        sanitize_line(&b.desc).into_owned(),
    )
}
