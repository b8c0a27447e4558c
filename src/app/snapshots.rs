//! The snapshot screen (key `6`): the snapshots in the data directory, newest first (id, time, context,
//! counts, verified or not), the selected one read and verified (`enter`: manifest, counts, its objects),
//! diffed against the live cluster (`D`), and restored (`r`): the object chosen in it, or every object the diff
//! found deleted or changed, through the catalog action `snapshot-restore` and the action menu's own path
//! (`actions::prepare`: policy, permission, dry-run, the confirm view, execute, verify); `n` takes a new
//! snapshot of what the console watches (its namespace, or every namespace) as `fluxops snapshot create` does,
//! says how it goes in words and selects it in the list once taken. Nothing is read here: taking, reading,
//! verifying and listing the live side are `Effect::Files`.

use super::action::Action;
use super::effect::Effect;
use super::effects_files::{FileAnswer, FileEffect, ListedSnapshot};
use super::state::{Screen, State};
use crate::actions::TargetRef;
use crate::snapshot::diff::Diff;
use crate::snapshot::{Manifest, ObjectKey};
use std::collections::BTreeMap;

/// The catalog action a restore runs.
pub const RESTORE_ACTION: &str = "snapshot-restore";

/// A snapshot read and verified: its manifest and objects, or why it is refused.
pub type Loaded = Result<(Manifest, Vec<ObjectKey>), String>;

/// The snapshot screen's state.
#[derive(Debug, Clone, Default)]
pub struct SnapshotsState {
    /// `None` while listing.
    pub listed: Option<Result<Vec<ListedSnapshot>, String>>,
    pub selected: usize,
    /// Snapshots read (verified or refused), by id.
    pub loaded: BTreeMap<String, Loaded>,
    /// Diffs against the live cluster, by id (`None`: being made).
    pub diffs: BTreeMap<String, Option<Result<Diff, String>>>,
    /// The object chosen in the selected snapshot's list (`None`: the list of snapshots has the keys).
    pub object: Option<usize>,
    pub scroll: u16,
    /// The snapshot being taken (`n`): its scope in words; `None` when none is.
    pub creating: Option<String>,
    /// How the last snapshot taken here went, in words (`Err`: why none was taken).
    pub created: Option<Result<String, String>>,
    /// The id of the snapshot just taken, selected once the list has it.
    pub select_id: Option<String>,
}

impl SnapshotsState {
    /// The snapshots listed (empty while listing or when listing failed).
    #[must_use]
    pub fn rows(&self) -> &[ListedSnapshot] {
        match &self.listed {
            Some(Ok(rows)) => rows,
            _ => &[],
        }
    }

    /// The selected snapshot's id.
    #[must_use]
    pub fn selected_id(&self) -> Option<&str> {
        self.rows().get(self.selected).map(|s| s.id.as_str())
    }
}

/// `6`: the screen, listed again.
pub fn show(state: &mut State) -> Vec<Effect> {
    super::switch::show(state, Screen::Snapshots);
    state.snapshots.listed = None;
    vec![Effect::Files(FileEffect::ListSnapshots)]
}

/// The screen's keys; `None` for keys it does not own.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let s = &mut state.snapshots;
    let rows = s.rows().len();
    let objects = s
        .selected_id()
        .and_then(|id| s.loaded.get(id))
        .and_then(|l| l.as_ref().ok())
        .map_or(0, |(_, keys)| keys.len());
    let page = state.page_rows.max(1);
    let step =
        |at: usize, by: isize, len: usize| at.saturating_add_signed(by).min(len.saturating_sub(1));
    let by = match action {
        Action::MoveUp => Some(-1),
        Action::MoveDown => Some(1),
        Action::PageUp => Some(-isize::try_from(page).unwrap_or(10)),
        Action::PageDown => Some(isize::try_from(page).unwrap_or(10)),
        _ => None,
    };
    if let Some(by) = by {
        match s.object {
            Some(o) => s.object = Some(step(o, by, objects)),
            None => {
                s.selected = step(s.selected, by, rows);
                s.scroll = 0;
            }
        }
        return Some(Vec::new());
    }
    match action {
        Action::SelectFirst => match &mut s.object {
            Some(o) => *o = 0,
            None => s.selected = 0,
        },
        Action::SelectLast => match &mut s.object {
            Some(o) => *o = objects.saturating_sub(1),
            None => s.selected = rows.saturating_sub(1),
        },
        Action::ScrollDown => s.scroll = s.scroll.saturating_add(1),
        Action::ScrollUp => s.scroll = s.scroll.saturating_sub(1),
        Action::SnapshotShow => {
            let id = s.selected_id()?.to_owned();
            if objects > 0 {
                s.object = Some(s.object.map_or(0, |o| o.min(objects - 1)));
            }
            if !s.loaded.contains_key(&id) {
                return Some(vec![Effect::Files(FileEffect::LoadSnapshot(id))]);
            }
        }
        Action::SnapshotDiff => {
            let id = s.selected_id()?.to_owned();
            s.diffs.insert(id.clone(), None);
            s.scroll = 0;
            return Some(vec![Effect::Files(FileEffect::DiffSnapshot(id))]);
        }
        Action::SnapshotRestore => return Some(restore(state)),
        Action::SnapshotCreate => return Some(create(state, false)),
        Action::SnapshotCreateWithInventory => return Some(create(state, true)),
        Action::ShowTree if s.object.is_some() => s.object = None,
        _ => return None,
    }
    Some(Vec::new())
}

/// `n`: a snapshot of the console's scope (its namespace, or every namespace), taken as
/// `fluxops snapshot create` takes one; `N` with the live objects the inventories list (`--with-inventory`,
/// Secrets left out); one at a time.
fn create(state: &mut State, with_inventory: bool) -> Vec<Effect> {
    if let Some(scope) = &state.snapshots.creating {
        state.input_note = Some(format!("a snapshot of {scope} is being taken: wait for it"));
        return Vec::new();
    }
    let scope = match &state.labels.namespace {
        Some(ns) => crate::cluster::Scope::Namespace(ns.clone()),
        None => crate::cluster::Scope::All,
    };
    let mut words = match &scope {
        crate::cluster::Scope::All => "all namespaces".to_owned(),
        crate::cluster::Scope::Namespace(ns) => {
            format!("namespace {}", crate::text::sanitize_name(ns))
        }
    };
    if with_inventory {
        words.push_str(" with inventories");
    }
    state.snapshots.creating = Some(words);
    state.snapshots.created = None;
    vec![Effect::Files(FileEffect::CreateSnapshot {
        scope,
        context: state.labels.context.clone(),
        with_inventory,
    })]
}

/// The snapshot taken (or why none was): said in words, listed again with the new one selected.
pub fn created(state: &mut State, result: Result<Manifest, String>) -> Vec<Effect> {
    let s = &mut state.snapshots;
    let scope = s.creating.take().unwrap_or_default();
    state.dirty = true;
    match result {
        Ok(m) => {
            let mut words = format!(
                "snapshot {} taken: {} object(s) of {scope}",
                crate::text::sanitize_line(&m.id),
                m.objects
            );
            if !m.consistent {
                words.push_str(", not at one resourceVersion");
            }
            if !m.unreadable.is_empty() {
                words.push_str(&format!(", {} kind(s) not readable", m.unreadable.len()));
            }
            s.select_id = Some(m.id.clone());
            s.created = Some(Ok(words));
            s.listed = None;
            vec![Effect::Files(FileEffect::ListSnapshots)]
        }
        Err(why) => {
            s.created = Some(Err(format!(
                "no snapshot of {scope} taken: {}",
                crate::text::sanitize_line(&why)
            )));
            Vec::new()
        }
    }
}

/// What a restore acts on: the object chosen, else every object the diff found deleted or changed.
fn restore_targets(s: &SnapshotsState, id: &str) -> Result<Vec<TargetRef>, String> {
    let keys: Vec<ObjectKey> = match (s.object, s.loaded.get(id)) {
        (Some(o), Some(Ok((_, keys)))) => keys.get(o).cloned().into_iter().collect(),
        _ => match s.diffs.get(id) {
            Some(Some(Ok(d))) => d
                .removed
                .iter()
                .chain(d.changed.iter().map(|(k, _)| k))
                .cloned()
                .collect(),
            Some(None) => return Err("the diff is still being made".to_owned()),
            _ => {
                return Err(
                    "choose an object (enter, then up/down) or diff first (D) to restore what differs"
                        .to_owned(),
                );
            }
        },
    };
    if keys.is_empty() {
        return Err("the cluster equals the snapshot: nothing to restore".to_owned());
    }
    keys.iter()
        .map(|k| {
            TargetRef::parse(&k.to_string())
                .map_err(|e| format!("{}: {e}", crate::text::sanitize_line(&k.to_string())))
        })
        .collect()
}

fn restore(state: &mut State) -> Vec<Effect> {
    let s = &state.snapshots;
    let Some(id) = s.selected_id().map(str::to_owned) else {
        return Vec::new();
    };
    let targets = match restore_targets(s, &id) {
        Ok(t) => t,
        Err(why) => {
            state.input_note = Some(format!("restore: {why}"));
            return Vec::new();
        }
    };
    let params = state
        .actions
        .catalog
        .as_ref()
        .and_then(|c| c.get(RESTORE_ACTION))
        .map(|spec| {
            crate::actions::params::ParamValues::from_pairs(
                spec,
                &[("snapshot".to_owned(), id.clone())],
            )
        });
    match params {
        Some(Ok(params)) => {
            super::actions::prepare(state, RESTORE_ACTION.to_owned(), targets, params, None)
        }
        Some(Err(e)) => {
            state.input_note = Some(format!("restore: {e}"));
            Vec::new()
        }
        None => {
            state.input_note = Some(format!(
                "restore: no action '{RESTORE_ACTION}' in the catalog"
            ));
            Vec::new()
        }
    }
}

/// An answer about snapshots.
pub fn on_answer(state: &mut State, answer: FileAnswer) {
    let s = &mut state.snapshots;
    match answer {
        FileAnswer::Snapshots(listed) => {
            s.listed = Some(listed);
            if let Some(id) = s.select_id.take()
                && let Some(i) = s.rows().iter().position(|r| r.id == id)
            {
                s.selected = i;
                s.object = None;
                s.scroll = 0;
            }
            s.selected = s.selected.min(s.rows().len().saturating_sub(1));
        }
        FileAnswer::SnapshotLoaded { id, result } => {
            let objects = result.as_ref().map_or(0, |(_, k)| k.len());
            if s.selected_id() == Some(id.as_str()) && objects > 0 {
                s.object = Some(0);
            }
            s.loaded.insert(id, result);
        }
        FileAnswer::SnapshotDiffed { id, result } => {
            s.diffs.insert(id, Some(result));
        }
        _ => {}
    }
    state.dirty = true;
}
