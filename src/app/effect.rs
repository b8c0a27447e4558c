//! `Effect`: side effects `update` asks for, as data. The run loop performs them (`effects_runner`); `update`
//! never does I/O.
//!
//! The action effects (`ActionMenu` … `Rollback`) go to the action pipeline through the runner's one seam,
//! [`super::effects_runner::ActionBackend`]; each names the message that answers it.

use crate::actions::{ExecutionId, ParamValues, TargetRef};
use crate::cluster::inspect::InspectRequest;

/// What the operator did to confirm an execution (the pipeline checks it again against the decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// The decision asked for no confirmation.
    NotAsked,
    /// Yes (`y` / Enter).
    Yes,
    /// The target's name, as typed.
    Typed(String),
}

/// A side effect requested by `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the app (restore the terminal and return from `run`).
    Quit,
    /// Read the kubeconfig again and reconnect with it (`cluster::watch::Control::reload`).
    ReloadKubeconfig,
    /// Fetch an object (and its inventory's live status) for the drill-down; answered by `Msg::Inspected`.
    Inspect(InspectRequest),
    /// Give the terminal back to the shell and stop the process until it is continued (ctrl-z).
    Suspend,
    /// The actions for `target` with their verdicts; answered by `Msg::ActionMenu`. `owner`: the target's
    /// Flux owner as the console's graph knows it (the policy's Git-is-the-source-of-truth rule reads it, so
    /// the verdicts shown are the ones the preparation will give).
    ActionMenu {
        target: TargetRef,
        owner: Option<crate::policy::input::OwnerInput>,
    },
    /// Policy, permission check, preconditions, rollback capture and dry-run of one action on one target
    /// (nothing changes); answered by `Msg::Prepared`. `break_glass`: the operator's reason, when declared.
    Prepare {
        action: String,
        target: TargetRef,
        params: ParamValues,
        break_glass: Option<String>,
    },
    /// One action on several targets, in dependency order (roots first): each prepared as `Prepare` is;
    /// answered by `Msg::BulkPrepared` (one answer per target, in this order).
    Bulk {
        action: String,
        targets: Vec<TargetRef>,
        params: ParamValues,
    },
    /// Execute prepared executions, in this order (a bulk: each waits until the one before is Ready, and the
    /// rest stop at the first failure); progress is answered by `Msg::Execution`.
    Execute {
        executions: Vec<ExecutionId>,
        confirmation: Confirmed,
    },
    /// Stop a running execution; answered by `Msg::Execution` (phase cancelled).
    Cancel { execution: ExecutionId },
    /// Prepare the rollback of a finished execution; answered by `Msg::Prepared` (confirmed like any action).
    Rollback { execution: ExecutionId },
    /// Runbooks, walks and snapshots in the data directory (`app::effects_files`); each names its answer.
    Files(super::effects_files::FileEffect),
    /// Reconnect to another context and/or namespace scope (`:ctx`, `:ns`): the run loop returns and the
    /// launcher connects again through the kubeconfig, exactly as at start (`launch::console`).
    Switch(Switch),
    /// Put text on the clipboard (arboard; OSC 52 when there is no display); answered by `Msg::Clipboard`.
    Copy(super::copy::CopyRequest),
    /// Write the text to the terminal's clipboard with OSC 52 (through the terminal layer; the run loop's).
    Osc52 { what: String, text: String },
    /// Show the fleet overview (one row per cluster); the run loop's (`fleet`).
    ShowFleet,
    /// Stream the log lines of the object's controller pods that name it (GETs only); answered by
    /// `Msg::ControllerLog` until `StopLogs` (or another `FollowLogs`) ends the stream.
    FollowLogs(super::logs::LogsRequest),
    /// End the log stream (its task stops).
    StopLogs,
    /// Trace the object (applier, source, revisions; GETs only); answered by `Msg::Traced`.
    Trace(super::inspect::TraceRequest),
}

/// Where `:ns` / `:ctx` go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    /// The kubeconfig context.
    pub context: String,
    /// `None`: every namespace.
    pub namespace: Option<String>,
    /// Namespaces seen so far in this context (the command line still completes them after narrowing).
    pub namespaces: std::collections::BTreeSet<String>,
}
