//! The process signals the console reacts to, as input for the app loop (tokio's `signal::unix`; raising one is
//! signal-hook's safe `low_level::raise`): SIGTERM, SIGINT, SIGHUP and SIGQUIT end it ([`Signal::Terminate`]: the
//! app returns, the terminal is restored, then [`exit_by`] ends the process by the same signal, so the parent
//! sees how it ended); SIGTSTP suspends it ([`Signal::Suspend`]); SIGCONT ([`Signal::Continue`]) follows every
//! stop, ours or another's, and makes the app take the terminal again and redraw.
//!
//! Once listened to, these signals no longer act by themselves (tokio's handler stays installed for the life of
//! the process): listen only where the app loop reads them, just before the terminal is entered.

use futures::{Stream, StreamExt};
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGSTOP, SIGTERM, SIGTSTP};
use std::io;
use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};

/// A signal, as the app loop sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// End the process (the signal number: SIGTERM, SIGINT, SIGHUP or SIGQUIT).
    Terminate(i32),
    /// SIGTSTP: give the terminal back and stop.
    Suspend,
    /// SIGCONT: the process was continued after a stop.
    Continue,
}

/// The signals that end the process, restoring the terminal first.
pub const TERMINATING: [i32; 4] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];

/// Starts listening; the stream yields every signal received from now on.
///
/// # Errors
/// A handler could not be installed.
pub fn listen() -> io::Result<impl Stream<Item = Signal> + Unpin + Send + 'static> {
    let mut wanted: Vec<(i32, Signal)> = TERMINATING
        .into_iter()
        .map(|n| (n, Signal::Terminate(n)))
        .collect();
    wanted.push((SIGTSTP, Signal::Suspend));
    wanted.push((SIGCONT, Signal::Continue));
    let mut streams = Vec::with_capacity(wanted.len());
    for (number, meaning) in wanted {
        let receiver = signal(SignalKind::from_raw(number))?;
        streams.push(
            futures::stream::unfold(receiver, move |mut r| async move {
                r.recv().await.map(|()| (meaning, r))
            })
            .boxed(),
        );
    }
    Ok(futures::stream::select_all(streams))
}

/// Stops the process (SIGSTOP, which cannot be caught); returns once it is continued.
///
/// # Errors
/// The signal could not be sent.
pub fn stop_self() -> io::Result<()> {
    signal_hook::low_level::raise(SIGSTOP)
}

/// Ends the process by `signal` as if it had not been handled (call after the terminal is restored). Returns
/// only if that is not possible, with the shell's code for it (128 + the signal number).
#[must_use]
pub fn exit_by(signal: i32) -> ExitCode {
    let _ = signal_hook::low_level::emulate_default_handler(signal);
    ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX))
}
