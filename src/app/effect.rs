//! `Effect`: side effects `update` asks for, as data. The run loop performs them; `update` never does I/O.

/// A side effect requested by `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the app (restore the terminal and return from `run`).
    Quit,
    /// Read the kubeconfig again and reconnect with it (`cluster::watch::Control::reload`).
    ReloadKubeconfig,
}
