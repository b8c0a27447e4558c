//! Fitting text into columns by its display width (what the terminal draws, `unicode-width`): shortened at the
//! end or in the middle with `…`, never cut silently. Names are shortened in the middle so two names sharing a
//! prefix (`flux-system/cluster-apps`, `flux-system/cluster-config`) stay distinct; free text at the end.
//!
//! The input is already safe text (`crate::text`): no control characters.

use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The mark of shortened text.
pub const ELLIPSIS: char = '…';

/// Columns `s` takes on the terminal.
#[must_use]
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The length of a visible escape `\u{HEX}` (what `crate::text` writes for an invisible or control
/// character) at the start of `s`, and the character it stands for.
fn escape_at(s: &str) -> Option<(usize, u32)> {
    let rest = s.strip_prefix("\\u{")?;
    let close = rest.find('}')?;
    let hex = &rest[..close];
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((3 + close + 1, u32::from_str_radix(hex, 16).ok()?))
}

/// The length of the rest of an escape sequence after its (escaped) ESC, by ECMA-48's grammar: a CSI
/// (`[`, parameter and intermediate bytes, a final byte), an OSC or string (`]`, `P`, `_`, `^`: up to BEL or
/// ST, themselves escaped) or a two-character escape.
fn sequence_after_esc(s: &str) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(b'[') => {
            let mut i = 1;
            while i < b.len() && (0x20..=0x3F).contains(&b[i]) {
                i += 1;
            }
            if i < b.len() && (0x40..=0x7E).contains(&b[i]) {
                i += 1;
            }
            i
        }
        Some(b']' | b'P' | b'_' | b'^') => {
            let mut i = 1;
            while i < s.len() {
                if let Some((len, c)) = escape_at(&s[i..]) {
                    if c == 0x07 {
                        return i + len;
                    }
                    if c == 0x1B {
                        return i + len + usize::from(s[i + len..].starts_with('\\'));
                    }
                }
                i += s[i..].chars().next().map_or(1, char::len_utf8);
            }
            i
        }
        Some(0x40..=0x7E) => 1,
        _ => 0,
    }
}

/// `s` in the pieces it may be cut between: grapheme clusters, a visible escape `\u{…}` whole, and an escaped
/// ESC with the rest of its escape sequence (so a shortened name never shows a sequence's tail as if it were
/// text).
fn pieces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let len = match escape_at(rest) {
            Some((len, 0x1B)) => len + sequence_after_esc(&rest[len..]),
            Some((len, _)) => len,
            None => rest.graphemes(true).next().map_or(rest.len(), str::len),
        };
        out.push(&rest[..len]);
        i += len;
    }
    out
}

/// The longest prefix of `s` at most `max` columns wide, cut between pieces.
fn head(s: &str, max: usize) -> &str {
    let mut used = 0;
    let mut end = 0;
    for piece in pieces(s) {
        used += width(piece);
        if used > max {
            break;
        }
        end += piece.len();
    }
    &s[..end]
}

/// The longest suffix of `s` at most `max` columns wide, cut between pieces.
fn tail(s: &str, max: usize) -> &str {
    let mut used = 0;
    let mut start = s.len();
    for piece in pieces(s).into_iter().rev() {
        used += width(piece);
        if used > max {
            break;
        }
        start -= piece.len();
    }
    &s[start..]
}

/// `s` split after its longest prefix of at most `width` columns, cut between pieces (at least one piece, so a
/// piece wider than `width` still moves on).
#[must_use]
pub fn split_at(s: &str, width: usize) -> (&str, &str) {
    let start = head(s, width);
    if !start.is_empty() || s.is_empty() {
        return s.split_at(start.len());
    }
    let first = pieces(s).first().map_or(s.len(), |p| p.len());
    s.split_at(first)
}

/// `s` in at most `max` columns: whole when it fits, else its start and `…` (`max` 0: nothing).
#[must_use]
pub fn end(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = head(s, max - 1).to_owned();
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// `s` in at most `max` columns: whole when it fits, else its start, `…` and its end (the end gets the larger
/// share: names differ most at their ends).
#[must_use]
pub fn middle(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max < 4 {
        return end(s, max);
    }
    let room = max - 1;
    let front = room * 2 / 5;
    let start = head(s, front);
    let back = tail(s, room - width(start));
    let mut out = String::with_capacity(start.len() + back.len() + 3);
    out.push_str(start);
    out.push(ELLIPSIS);
    out.push_str(back);
    Cow::Owned(out)
}

/// A `namespace/name` in at most `max` columns: whole when it fits; else the namespace is shortened at its end
/// (`flux…/infra-controllers`), the name kept whole, as long as a few columns of the namespace remain; else the
/// whole is shortened in the middle. Text without `/` is shortened in the middle.
#[must_use]
pub fn name(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    let Some((namespace, object)) = s.split_once('/') else {
        return middle(s, max);
    };
    let room = max.saturating_sub(width(object) + 1);
    if room >= 4 && room < width(namespace) {
        return Cow::Owned(format!("{}/{object}", end(namespace, room)));
    }
    middle(s, max)
}

/// `s` padded with spaces to `columns` (display width; longer text is returned as it is).
#[must_use]
pub fn pad(s: &str, columns: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(width(s))));
    out
}

/// Breaks `text` into lines of at most `width` columns, after spaces or after `/` (so `Kind/namespace/name`
/// references wrap inside), cutting a piece only when it is longer than a whole line. Leading spaces of a
/// continuation line are dropped; an empty text gives no line.
#[must_use]
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' || c == '/' {
            pieces.push(&text[start..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for piece in pieces {
        if used > 0 && used + self::width(piece.trim_end()) > width {
            lines.push(line.trim_end().to_owned());
            line.clear();
            used = 0;
        }
        for unit in self::pieces(piece) {
            let w = self::width(unit);
            if used > 0 && used + w > width && unit != " " {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if !(used == 0 && unit == " ") {
                line.push_str(unit);
                used += w;
            }
        }
    }
    if !line.trim_end().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_never_cuts_an_escape_or_leaves_a_sequence_tail() {
        let name = "flux-system/evil\\u{1B}[2Jname\\u{1B}]0;TITLE\\u{7}end";
        for max in 4..width(name) {
            for short in [middle(name, max), end(name, max), self::name(name, max)] {
                assert!(width(&short) <= max, "{short}");
                let without = short
                    .replace("\\u{1B}[2J", "")
                    .replace("\\u{1B}]0;TITLE\\u{7}", "");
                for remnant in ["[2J", "]0;", "\\u{1", "u{7}", "{1B}"] {
                    assert!(!without.contains(remnant), "{max}: {short}");
                }
            }
            for line in wrap(name, max) {
                assert!(
                    !line.ends_with("\\u{1") && !line.starts_with("B}"),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn names_sharing_a_prefix_stay_distinct_when_shortened_in_the_middle() {
        let a = middle("flux-system/cluster-apps", 16);
        let b = middle("flux-system/cluster-config", 16);
        assert_ne!(a, b);
        assert_eq!(width(&a), 16);
        assert!(
            a.contains('…') && a.starts_with("flux") && a.ends_with("apps"),
            "{a}"
        );
        assert_eq!(middle("short", 16), "short");
    }

    #[test]
    fn a_namespaced_name_gives_up_its_namespace_first() {
        assert_eq!(
            name("flux-system/infra-controllers", 23),
            "flux…/infra-controllers"
        );
        // Too little room for a useful namespace: the middle goes, and names sharing a prefix stay distinct.
        let a = name("flux-system/cluster-apps", 16);
        let b = name("flux-system/cluster-config", 16);
        assert_ne!(a, b);
        assert!(width(&a) <= 16 && width(&b) <= 16);
        assert_eq!(name("flux-system/apps", 16), "flux-system/apps");
    }

    #[test]
    fn shortening_counts_display_columns_not_bytes() {
        // CJK characters take two columns each.
        let s = "名前空間/長い名前のオブジェクト";
        for max in 1..width(s) {
            assert!(width(&middle(s, max)) <= max, "{max}");
            assert!(width(&end(s, max)) <= max, "{max}");
        }
        assert_eq!(end("abcdef", 4), "abc…");
        assert_eq!(end("abcdef", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
    }

    #[test]
    fn long_references_wrap_after_a_slash_and_no_line_is_too_wide() {
        let text = "Kustomization/flux-system/observability is referenced but does not exist";
        let lines = wrap(text, 30);
        assert_eq!(lines[0], "Kustomization/flux-system/");
        assert!(lines.iter().all(|l| width(l) <= 30), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert!(wrap("", 4).is_empty());
    }
}
