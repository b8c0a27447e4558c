//! The real terminal: raw mode + alternate screen on [`enter`], and restored on every way out — when the
//! [`TerminalGuard`] drops (normal exit and `?` errors), and from the panic hook ([`install_panic_restore`]).
//!
//! Order with color-eyre: call `color_eyre::install()` first, then [`enter`] (which installs the restoring hook
//! around the existing one), so a panic first restores the terminal and then color-eyre prints its report on a
//! normal screen.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::ops::{Deref, DerefMut};
use std::sync::Once;

/// The terminal type the app draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// A terminal in raw mode on the alternate screen; restores the terminal when dropped.
pub struct TerminalGuard {
    terminal: Tui,
}

/// Enters raw mode and the alternate screen and installs the panic hook. On error the terminal is restored.
pub fn enter() -> io::Result<TerminalGuard> {
    install_panic_restore();
    let setup = || -> io::Result<Tui> {
        crossterm::terminal::enable_raw_mode()?;
        // Clear with crossterm: ratatui's `Terminal::clear` queries the cursor position, which some terminals
        // (and pseudo-terminals in tests) never answer.
        crossterm::execute!(
            io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.hide_cursor()?;
        Ok(terminal)
    };
    match setup() {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Leaves the alternate screen, disables raw mode and shows the cursor. Safe to call more than once.
pub fn restore() {
    // Best effort: there is nothing useful to do when the terminal refuses.
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Wraps the current panic hook so that the terminal is restored before it runs. Installed once per process,
/// however often it is called; call it after `color_eyre::install()`.
pub fn install_panic_restore() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
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
