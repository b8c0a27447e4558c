//! `Effect`: side effects `update` asks for, as data. The run loop performs them; `update` never does I/O.

/// A side effect requested by `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the app (restore the terminal and return from `run`).
    Quit,
    /// Give the terminal back to the shell and stop the process until it is continued (ctrl-z).
    Suspend,
}
