//! Terminal escape sequences removed whole (CSI, OSC, DCS, SOS/PM/APC, 7-bit and 8-bit), with their parameters.
//!
//! `strip-ansi-escapes` (a `vte` parser) does the work on bytes. C1 introducers written as UTF-8 code points
//! (`\u{9b}` = CSI, `\u{9d}` = OSC, …) are not sequence starts for it, so they are rewritten to their 7-bit
//! `ESC x` forms first. It keeps `\n` and drops every other C0 control, so tabs are expanded before.

/// Width a tab expands to.
const TAB: &str = "    ";

/// `input` without escape sequences and C0/C1 controls other than `\n`; tabs become spaces.
pub(super) fn strip(input: &str) -> String {
    let mut seven_bit = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\u{9b}' => seven_bit.push_str("\x1b["),
            '\u{9d}' => seven_bit.push_str("\x1b]"),
            '\u{90}' => seven_bit.push_str("\x1bP"),
            '\u{9c}' => seven_bit.push_str("\x1b\\"),
            '\u{98}' => seven_bit.push_str("\x1bX"),
            '\u{9e}' => seven_bit.push_str("\x1b^"),
            '\u{9f}' => seven_bit.push_str("\x1b_"),
            '\t' => seven_bit.push_str(TAB),
            c => seven_bit.push(c),
        }
    }
    let bytes = strip_ansi_escapes::strip(seven_bit.as_bytes());
    String::from_utf8_lossy(&bytes).into_owned()
}
