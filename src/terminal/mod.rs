//! The real terminal: raw mode, alternate screen, bracketed paste and a hidden cursor on [`enter`], and the
//! terminal given back on every way out:
//! - when the [`TerminalGuard`] drops (the user quits, an error is returned);
//! - from the panic hook ([`install_panic_restore`]) when the thread that owns the terminal panics (a panic on
//!   another thread, which tokio catches, is logged and leaves the screen alone: the console goes on);
//! - on the signals that end the process (SIGTERM, SIGINT, SIGHUP, SIGQUIT): [`signal`] turns them into input for
//!   the app, which returns; the guard restores, and `main` then ends the process by the same signal;
//! - on job control: ctrl-z (in raw mode the tty sends the key, not SIGTSTP) and SIGTSTP [`JobControl::suspend`]
//!   (restore, then stop with SIGSTOP); SIGCONT [`JobControl::resume`]s (raw mode and alternate screen again) and
//!   the app redraws everything.
//!
//! Order with color-eyre: call `color_eyre::install()` first, then [`enter`] (which installs the restoring hook
//! around the existing one), so a panic first restores the terminal and then color-eyre prints its report on a
//! normal screen.

pub mod signal;

use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use std::io::{self, Stdout, Write};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};
use std::thread::ThreadId;

/// The terminal type the app draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// The terminal is in raw mode on the alternate screen (set by [`enter`] and resume, cleared by [`restore`]).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The thread that entered the terminal: a panic there restores it.
static OWNER: OnceLock<ThreadId> = OnceLock::new();

/// A terminal in raw mode on the alternate screen; restores the terminal when dropped.
pub struct TerminalGuard {
    terminal: Tui,
}

/// Enters raw mode and the alternate screen and installs the panic hook. On error the terminal is restored.
pub fn enter() -> io::Result<TerminalGuard> {
    install_panic_restore();
    let _ = OWNER.set(std::thread::current().id());
    let setup = || -> io::Result<Tui> {
        take_over(&mut io::stdout())?;
        Terminal::new(CrosstermBackend::new(io::stdout()))
    };
    match setup() {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Raw mode, alternate screen (cleared), bracketed paste, hidden cursor.
fn take_over(out: &mut impl Write) -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    // Clear with crossterm: ratatui's `Terminal::clear` queries the cursor position, which some terminals
    // (and pseudo-terminals in tests) never answer.
    crossterm::execute!(
        out,
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::event::EnableBracketedPaste,
        crossterm::cursor::Hide
    )
}

/// Leaves the alternate screen, disables raw mode and bracketed paste, and shows the cursor. Safe to call more
/// than once: the sequences are written only while the terminal is taken (leaving the alternate screen twice
/// would move the shell's cursor back to where it was when fluxops started). The last bytes written are
/// leave-alternate-screen and show-cursor.
pub fn restore() {
    let was_active = ACTIVE.swap(false, Ordering::SeqCst);
    // Best effort: there is nothing useful to do when the terminal refuses.
    let _ = crossterm::terminal::disable_raw_mode();
    if was_active {
        let _ = crossterm::execute!(
            io::stdout(),
            crossterm::event::DisableBracketedPaste,
            crossterm::terminal::LeaveAlternateScreen,
            crossterm::cursor::Show
        );
    }
}

/// Wraps the current panic hook so that the terminal is restored before it runs. Installed once per process,
/// however often it is called; call it after `color_eyre::install()`.
///
/// A panic on another thread than the one that entered the terminal (a tokio task: tokio catches it and the
/// console goes on) is written to the log instead: restoring, or printing over the screen, would break the
/// console that is still running.
pub fn install_panic_restore() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let owner = OWNER
                .get()
                .is_none_or(|t| *t == std::thread::current().id());
            if ACTIVE.load(Ordering::SeqCst) && !owner {
                tracing::error!(panic = %info, "a background task panicked");
                return;
            }
            restore();
            previous(info);
        }));
    });
}

/// Handing the terminal to the shell and taking it back (job control).
pub trait JobControl {
    /// Restores the terminal and stops the process (SIGSTOP); returns once the process is continued.
    ///
    /// # Errors
    /// The process could not be stopped.
    fn suspend(&mut self) -> io::Result<()>;

    /// Takes the terminal again after the process was continued (raw mode, alternate screen, …). The caller
    /// redraws everything.
    ///
    /// # Errors
    /// The terminal refused.
    fn resume(&mut self) -> io::Result<()>;

    /// Puts `text` on the terminal's clipboard with OSC 52 (base64 by crossterm's `CopyToClipboard`): the way to
    /// copy when the process has no display (over SSH, in tmux). The caller passes sanitised text only.
    ///
    /// # Errors
    /// The terminal could not be written to (a terminal without OSC 52 support ignores it silently).
    fn osc52(&mut self, _text: &str) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this terminal backend has no clipboard",
        ))
    }
}

impl<W: Write> JobControl for CrosstermBackend<W> {
    fn suspend(&mut self) -> io::Result<()> {
        restore();
        signal::stop_self()
    }

    fn osc52(&mut self, text: &str) -> io::Result<()> {
        crossterm::execute!(
            self,
            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        )
    }

    fn resume(&mut self) -> io::Result<()> {
        // Stopped from outside (SIGSTOP), the terminal is still ours in our books but the shell may have
        // changed its modes: give it back properly first. After our own suspend this does nothing.
        restore();
        take_over(self)
    }
}

/// A test terminal has no job control: suspending and resuming it change nothing.
impl JobControl for TestBackend {
    fn suspend(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // ratatui shows a cursor it hid when the `Terminal` drops, after this: let it do so now, so the last
        // bytes written are those of `restore`.
        let _ = self.terminal.show_cursor();
        restore();
    }
}

impl Deref for TerminalGuard {
    type Target = Tui;
    fn deref(&self) -> &Tui {
        &self.terminal
    }
}

impl DerefMut for TerminalGuard {
    fn deref_mut(&mut self) -> &mut Tui {
        &mut self.terminal
    }
}
