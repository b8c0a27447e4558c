//! Untrusted text made safe to draw: every string that reaches the terminal (names, messages, events, YAML)
//! goes through [`sanitize`] (or [`sanitize_line`] for one-line cells).
//!
//! Escape sequences (CSI, OSC, DCS, …) are removed by `strip-ansi-escapes` (a `vte` parser, so a sequence is
//! removed whole, parameters included). What remains of C0/C1 controls (`\r`, `\u{9b}`, BEL, DEL, …) is dropped,
//! tabs become spaces, and Unicode bidirectional overrides/isolates are dropped so a name cannot reorder the text
//! drawn after it. Newlines are kept by [`sanitize`] (messages are wrapped) and turned into spaces by
//! [`sanitize_line`].

use std::borrow::Cow;

/// Width a tab expands to.
const TAB: &str = "    ";

/// Removes escape sequences and control characters; keeps `\n`; tabs become spaces.
#[must_use]
pub fn sanitize(input: &str) -> Cow<'_, str> {
    if input.chars().all(is_plain) {
        return Cow::Borrowed(input);
    }
    let stripped = strip_escapes(input);
    let mut out = String::with_capacity(stripped.len());
    for c in stripped.chars() {
        match c {
            '\n' => out.push('\n'),
            c if is_dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`], for text drawn on one line: newlines become spaces too.
#[must_use]
pub fn sanitize_line(input: &str) -> Cow<'_, str> {
    match sanitize(input) {
        Cow::Borrowed(s) if !s.contains('\n') => Cow::Borrowed(s),
        other => Cow::Owned(other.replace('\n', " ")),
    }
}

/// `strip-ansi-escapes` works on bytes; C1 introducers written as UTF-8 code points (`\u{9b}` = CSI,
/// `\u{9d}` = OSC) are not sequence starts for it, so they are rewritten to their 7-bit `ESC x` forms first.
fn strip_escapes(input: &str) -> String {
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
            // The stripper keeps '\n' but drops every other control, tabs included.
            '\t' => seven_bit.push_str(TAB),
            c => seven_bit.push(c),
        }
    }
    let bytes = strip_ansi_escapes::strip(seven_bit.as_bytes());
    String::from_utf8_lossy(&bytes).into_owned()
}

fn is_plain(c: char) -> bool {
    c == '\n' || !(c.is_control() || is_bidi_control(c))
}

fn is_dropped(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Bidirectional embedding/override/isolate controls (Trojan Source, CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("podinfo ✓ ok"),
            Cow::Borrowed("podinfo ✓ ok")
        ));
    }

    #[test]
    fn osc_title_sequence_is_removed_whole() {
        assert_eq!(sanitize("a\x1b]0;pwned\x07b"), "ab");
        assert_eq!(
            sanitize("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b"),
            "alinkb"
        );
    }

    #[test]
    fn csi_sequences_are_removed() {
        assert_eq!(sanitize("\x1b[2Jclear\x1b[31mred\x1b[0m"), "clearred");
        assert_eq!(sanitize("x\x1b[?1049hy"), "xy");
    }

    #[test]
    fn eight_bit_csi_and_osc_are_removed_with_their_parameters() {
        assert_eq!(sanitize("a\u{9b}2Jb"), "ab");
        assert_eq!(sanitize("a\u{9d}0;t\u{9c}b"), "ab");
    }

    #[test]
    fn carriage_return_bell_backspace_and_del_are_dropped() {
        assert_eq!(sanitize("fake\rreal\x07\x08\x7f!"), "fakereal!");
    }

    #[test]
    fn tabs_become_spaces_and_newlines_stay_in_multiline_text() {
        assert_eq!(sanitize("a\tb\nc"), "a    b\nc");
        assert_eq!(sanitize_line("a\tb\nc"), "a    b c");
    }

    #[test]
    fn bidi_overrides_are_dropped() {
        assert_eq!(sanitize("abc\u{202e}fed\u{2066}x\u{2069}"), "abcfedx");
    }

    #[test]
    fn lone_escape_at_end_does_not_leak() {
        assert_eq!(sanitize("abc\x1b"), "abc");
        assert_eq!(sanitize("abc\x1b["), "abc");
    }
}
