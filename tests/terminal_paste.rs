//! Bracketed paste through the real binary in a pseudo-terminal: the console turns it on, a paste into the
//! filter is text (`podinfo` newline `q` does not quit), and it is turned off again on the way out.
#![allow(
    clippy::panic,
    reason = "test helpers outside #[test] functions: a broken expectation must fail loudly"
)]

mod support;

use std::time::Duration;
use support::pty::{Console, after_last, contains};

#[test]
fn a_bracketed_paste_into_the_filter_is_text_and_q_in_it_does_not_quit() {
    let mut console = Console::spawn(&["--demo"]);
    console.wait_ready();
    assert!(
        contains(&console.output(), b"\x1b[?2004h"),
        "bracketed paste is not turned on"
    );
    console.type_bytes(b"/");
    console.wait_until("the filter prompt", Duration::from_secs(10), |c| {
        contains(&c.output(), "▏".as_bytes())
    });
    let before = console.written();
    console.type_bytes(b"\x1b[200~podinfo\nq\x1b[201~");
    console.wait_until("the pasted filter drawn", Duration::from_secs(10), |c| {
        contains(&c.output()[before..], b"podinfo q")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_ne!(console.state(), 'Z', "the paste quit the console");
    assert!(
        matches!(console.state(), 'S' | 'R'),
        "the console is gone after the paste: state {}",
        console.state()
    );
    // ctrl-c quits from the filter, and the terminal is given back with bracketed paste off.
    console.type_bytes(b"\x03");
    let (status, output) = console.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    let tail = after_last(&output, b"\x1b[?2004h").unwrap();
    assert!(contains(tail, b"\x1b[?2004l"), "bracketed paste left on");
    assert_eq!(console.modes(), console.initial);
}
