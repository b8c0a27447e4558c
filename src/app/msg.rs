//! `Msg`: everything `update` reacts to — keys, pastes, resolved actions, cluster events, clock ticks, resizes,
//! and the answers of effects.

use super::action::Action;
use crate::actions::TargetRef;
use crate::cluster::ClusterEvent;
use crate::cluster::inspect::InspectAnswer;
use crate::execution::{ExecutionStatus, MenuEntry, Preparation};
use crossterm::event::KeyEvent;
use k8s_openapi::jiff::Timestamp;

/// One input to `update`.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press, resolved through the keymap.
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): text for the field being edited, never keys.
    Paste(String),
    /// An action, as if a bound key had been pressed.
    Action(Action),
    /// Something happened in the cluster.
    Cluster(ClusterEvent),
    /// The 1 s clock, carrying the time (update never reads the clock).
    Tick(Timestamp),
    /// The terminal was resized.
    Resize { width: u16, height: u16 },
    /// The answer to an `Effect::Inspect` (dropped when a newer request superseded it).
    Inspected(InspectAnswer),
    /// The answer to an `Effect::ActionMenu`: the entries, or why there are none (dropped unless that menu is
    /// open).
    ActionMenu(TargetRef, Result<Vec<MenuEntry>, String>),
    /// The answer to an `Effect::Prepare` or `Effect::Rollback` (dropped unless a confirm view waits for it).
    Prepared(Result<Preparation, String>),
    /// The answer to an `Effect::Bulk`: one per target, in the order asked.
    BulkPrepared(Vec<Result<Preparation, String>>),
    /// An execution's whole status (replaces the one with the same id).
    Execution(ExecutionStatus),
    /// An execute, cancel or rollback request could not be made: why (shown as a notice).
    ActionFailed(String),
    /// The answer to an `Effect::Files` (runbooks, walks, snapshots).
    Files(super::effects_files::FileAnswer),
    /// The answer to an `Effect::Copy`.
    Clipboard(super::copy::ClipboardAnswer),
    /// What an `Effect::FollowLogs` stream read (dropped unless it is the running stream's).
    ControllerLog(super::logs::LogsAnswer),
    /// The answer to an `Effect::Trace`.
    Traced(super::inspect::TraceAnswer),
}
