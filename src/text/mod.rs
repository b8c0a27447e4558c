//! Untrusted text made safe to draw and print: every string from a cluster, an event, a repository or a user
//! file that reaches the terminal (or `fluxops` output) goes through [`sanitize`] (multi-line text),
//! [`sanitize_line`] (one-line cells) or [`sanitize_name`] (object names and namespaces).
//!
//! What a sanitised string is, whatever the input:
//! - no escape sequence, control or format character: CSI/OSC/DCS/… sequences (7-bit and 8-bit) are removed
//!   whole with their parameters (`escape`), the remaining C0/C1 controls dropped, tabs made spaces;
//! - no credential in a URL: [`mask_credentials`] (`credential`), the one masker, also applied where cluster
//!   objects, events and repository files are decoded (`flux::redact`);
//! - printable text whose display width is known: invisible characters shown as `\u{200D}`, separators made
//!   line breaks or spaces, combining marks capped, and ratatui's width of every line equal to the sum of the
//!   characters' unicode-width widths, which is what a terminal draws (`glyph`). Layout code can reserve
//!   `Span::width` cells and nothing is drawn beyond them.
//!
//! Names are stricter ([`sanitize_name`]): Kubernetes names are ASCII (DNS labels and subdomains), so anything
//! else in one is shown escaped (`\u{430}pp`, `\\`), and two names that look the same are the same name.
//!
//! Also here: serde-saphyr errors said in words (`yaml_error`).

mod credential;
mod escape;
mod glyph;
mod yaml_error;

pub use credential::{MASK, is_secret_name, mask_credentials};
pub use glyph::{MAX_MARKS, char_width, is_settled, width};
pub use yaml_error::yaml_limit_message;

use glyph::Breaks;
use std::borrow::Cow;

/// Multi-line text made safe to draw: `\n` kept (the pane wraps it), everything else as the module doc says.
#[must_use]
pub fn sanitize(input: &str) -> Cow<'_, str> {
    clean(input, Breaks::Keep)
}

/// Like [`sanitize`], for text drawn on one line: line breaks and separators become spaces too.
#[must_use]
pub fn sanitize_line(input: &str) -> Cow<'_, str> {
    clean(input, Breaks::Space)
}

fn clean(input: &str, breaks: Breaks) -> Cow<'_, str> {
    let plain = input
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || (b == b'\n' && breaks == Breaks::Keep));
    if plain {
        return mask_credentials(input);
    }
    // Masking comes last, on the text as it will be drawn: nothing it sees can change afterwards (a dropped `\r`
    // cannot join two words into one URL on a second pass), and it only puts `***` between ASCII delimiters,
    // which keeps the text settled.
    let settled = glyph::settle(&glyph::map_chars(&escape::strip(input), breaks));
    match mask_credentials(&settled) {
        Cow::Borrowed(_) => Cow::Owned(settled),
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

/// An object name (or `namespace/name`) made safe and unambiguous: printable ASCII stays, `\` is doubled, and
/// every other character is written as `\u{XXXX}` (see the module doc).
#[must_use]
pub fn sanitize_name(input: &str) -> Cow<'_, str> {
    if input
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'\\')
    {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => glyph::push_escaped(&mut out, c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("podinfo ok"),
            Cow::Borrowed("podinfo ok")
        ));
        assert_eq!(sanitize("podinfo ✓ ok"), "podinfo ✓ ok");
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
    fn bidi_controls_are_shown_not_obeyed() {
        assert_eq!(
            sanitize("abc\u{202e}fed\u{2066}x\u{2069}"),
            "abc\\u{202E}fed\\u{2066}x\\u{2069}"
        );
    }

    #[test]
    fn lone_escape_at_end_does_not_leak() {
        assert_eq!(sanitize("abc\x1b"), "abc");
        assert_eq!(sanitize("abc\x1b["), "abc");
    }

    #[test]
    fn credentials_are_masked_in_plain_and_hostile_text() {
        assert_eq!(
            sanitize_line("clone https://alice:token@host/r failed"),
            "clone https://***@host/r failed"
        );
        // The escape sequence hides nothing: it is removed before the URL is looked at.
        assert_eq!(
            sanitize_line("https:/\x1b[0m/alice:tok\u{200B}en@host"),
            "https://***@host"
        );
    }

    #[test]
    fn names_are_ascii_with_everything_else_escaped() {
        assert!(matches!(
            sanitize_name("flux-system/apps"),
            Cow::Borrowed(_)
        ));
        assert_eq!(sanitize_name("a\u{200D}pps"), "a\\u{200D}pps");
        assert_eq!(sanitize_name("\u{430}pps"), "\\u{430}pps");
        assert_eq!(sanitize_name("a\\u{41}"), "a\\\\u{41}");
        assert_eq!(sanitize_name("x\x1b[2Jy"), "x\\u{1B}[2Jy");
    }
}
