//! The real binary in a pseudo-terminal: every signal that ends the console leaves the terminal as it found it
//! (the tty's modes equal to those before it started; the output ends with leave-alternate-screen and
//! show-cursor), and it ends by that signal; ctrl-z and SIGTSTP suspend it with the terminal restored, SIGCONT
//! resumes it in raw mode on the alternate screen with every cell drawn again.

#![allow(
    clippy::panic,
    reason = "test helpers outside #[test] functions: a broken expectation must fail loudly"
)]

mod support;

use std::time::Duration;
use support::pty::{Console, after_last, contains};

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT_SHOW_CURSOR: &[u8] = b"\x1b[?1049l\x1b[?25h";
/// Drawn once at the top of the tree pane and never changed by the demo: only a full redraw sends it again.
const STATIC_TEXT: &[u8] = b"flux-system";
const EXIT: Duration = Duration::from_secs(30);

fn assert_restored(console: &Console, output: &[u8], what: &str) {
    assert_eq!(
        console.modes(),
        console.initial,
        "{what}: the tty's modes are not what they were (raw mode left on?)"
    );
    let tail = after_last(output, ENTER_ALT)
        .unwrap_or_else(|| panic!("{what}: never entered the alternate screen"));
    assert!(
        tail.ends_with(LEAVE_ALT_SHOW_CURSOR),
        "{what}: the output does not end with leave-alternate-screen + show-cursor: …{:?}",
        String::from_utf8_lossy(&tail[tail.len().saturating_sub(120)..])
    );
}

fn ends_by(signal: &str) {
    let mut console = Console::spawn(&["--demo"]);
    console.wait_ready();
    console.kill(signal);
    let (status, output) = console.wait_exit(EXIT);
    assert!(
        !status.success() && status.signal().is_some(),
        "SIG{signal}: fluxops should end by the signal, got {status:?}"
    );
    assert_restored(&console, &output, &format!("SIG{signal}"));
}

#[test]
fn sigterm_restores_the_terminal_and_ends_by_the_signal() {
    ends_by("TERM");
}

#[test]
fn sigint_restores_the_terminal_and_ends_by_the_signal() {
    ends_by("INT");
}

#[test]
fn sighup_restores_the_terminal_and_ends_by_the_signal() {
    ends_by("HUP");
}

#[test]
fn sigquit_restores_the_terminal_and_ends_by_the_signal() {
    ends_by("QUIT");
}

fn suspends_and_resumes(what: &str, suspend: impl FnOnce(&mut Console)) {
    let mut console = Console::spawn(&["--demo"]);
    console.wait_ready();
    suspend(&mut console);
    console.wait_until("the process to stop", EXIT, |c| c.state() == 'T');
    // The pty's reader thread may still be draining what the process wrote just before it stopped (slow under
    // load): wait for the restoring bytes, then check them and the tty's modes.
    console.wait_until("the restoring bytes to be read", EXIT, |c| {
        c.output().ends_with(LEAVE_ALT_SHOW_CURSOR)
    });
    assert_restored(&console, &console.output(), what);
    let before = console.written();
    console.kill("CONT");
    console.wait_until("raw mode again", EXIT, |c| !c.modes().cooked());
    console.wait_until(
        "the alternate screen again with every cell redrawn",
        EXIT,
        |c| {
            let output = c.output();
            after_last(&output[before..], ENTER_ALT).is_some_and(|t| contains(t, STATIC_TEXT))
        },
    );
    assert_ne!(console.state(), 'T', "{what}: still stopped after SIGCONT");
    // Leaving the alternate screen again while on the shell's screen would put the shell's cursor back where
    // it was when fluxops started: resuming after our own suspend only enters it.
    let resumed = &console.output()[before..];
    let entered_at = resumed
        .windows(ENTER_ALT.len())
        .position(|w| w == ENTER_ALT);
    assert!(
        !contains(&resumed[..entered_at.unwrap_or(0)], b"\x1b[?1049l"),
        "{what}: resuming left the alternate screen a second time"
    );
    console.type_bytes(b"q");
    let (status, output) = console.wait_exit(EXIT);
    assert!(status.success(), "{what}: q after resuming: {status:?}");
    assert_restored(&console, &output, &format!("{what}, resumed, then q"));
}

#[test]
fn ctrl_z_suspends_with_the_terminal_restored_and_sigcont_resumes_and_redraws() {
    // In raw mode the tty does not turn ctrl-z into SIGTSTP: the console reads the key itself.
    suspends_and_resumes("ctrl-z", |c| c.type_bytes(b"\x1a"));
}

#[test]
fn sigtstp_suspends_with_the_terminal_restored_and_sigcont_resumes_and_redraws() {
    suspends_and_resumes("SIGTSTP", |c| c.kill("TSTP"));
}
