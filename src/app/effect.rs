//! `Effect`: side effects `update` asks for, as data. The run loop performs them (`effects_runner`); `update`
//! never does I/O.

use crate::cluster::inspect::InspectRequest;

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
}
