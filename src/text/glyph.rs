//! Printable text whose display width is known: what ratatui reserves for a string is what a terminal draws.
//!
//! The width of a character is unicode-width's (the version ratatui uses; East Asian Ambiguous characters are
//! narrow, as terminals draw them by default and as the console's own borders assume). A terminal moves the
//! cursor by that width for every code point (zero-width ones join the cell before); ratatui reserves
//! `Span::width` (unicode-width over the whole string) and fills one cell per grapheme (its `CellWidth`). The
//! three agree only when no grapheme or neighbouring pair is one of unicode-width's ligatures (emoji ZWJ,
//! modifier and presentation sequences, Arabic lam-alef, …) and every grapheme starts with a character that
//! takes space. [`settle`] makes that so, and checks it on its own output:
//! - invisible characters (general category Cf, unassigned code points, the other Default_Ignorable ones:
//!   variation selectors, Hangul fillers, the combining grapheme joiner) are shown as `\u{200D}`, so text that
//!   looks the same is the same; line and paragraph separators are line breaks, other spaces a plain space;
//! - right after an emoji, the characters that only choose its picture (variation selectors, ZWJ, tags, skin
//!   tones) are dropped: `👩‍💻` is drawn as `👩💻`;
//! - a zero-width character with nothing to sit on (a combining mark at the start, a lone Hangul vowel) is shown
//!   as `\u{301}`; at most [`MAX_MARKS`] zero-width characters stay on one base (no "Zalgo" towers);
//! - a grapheme or pair whose widths still disagree is shown as escapes, and a line that still disagrees has
//!   every non-ASCII character escaped (never expected; it makes the guarantee unconditional).

use ratatui::buffer::CellWidth;
use std::fmt::Write as _;
use unicode_properties::{GeneralCategory, UnicodeEmoji, UnicodeGeneralCategory};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Zero-width characters (combining marks) kept on one base character.
pub const MAX_MARKS: usize = 2;

/// What a line break in the input becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Breaks {
    /// Kept (`\n`): multi-line text that the pane wraps.
    Keep,
    /// A space: one-line cells.
    Space,
}

impl Breaks {
    fn char(self) -> char {
        match self {
            Breaks::Keep => '\n',
            Breaks::Space => ' ',
        }
    }
}

/// The width a terminal gives `c` (unicode-width, narrow ambiguous); controls take none.
#[must_use]
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The sum of the widths of the characters of `s`: for sanitised text, what ratatui reserves and draws.
#[must_use]
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `c` written as `\u{XXXX}`.
pub fn push_escaped(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
}

/// Characters that draw nothing: format characters, unassigned code points and the other
/// Default_Ignorable_Code_Point characters (Unicode's DerivedCoreProperties; the ones outside Cf and Cn).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Format | GeneralCategory::Unassigned | GeneralCategory::Surrogate
    ) || matches!(c,
        '\u{034F}'                      // combining grapheme joiner
        | '\u{115F}' | '\u{1160}'       // Hangul choseong / jungseong fillers
        | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
        | '\u{180B}'..='\u{180D}' | '\u{180F}' // Mongolian free variation selectors
        | '\u{3164}' | '\u{FFA0}'       // Hangul fillers
        | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' // variation selectors
    )
}

/// Characters that only choose how the emoji before them is pictured.
fn is_emoji_helper(c: char) -> bool {
    matches!(c,
        '\u{FE0E}' | '\u{FE0F}'         // text / emoji presentation selectors
        | '\u{200D}'                    // zero width joiner
        | '\u{E0020}'..='\u{E007F}'     // tag characters (subdivision flags)
        | '\u{1F3FB}'..='\u{1F3FF}'     // skin tone modifiers
    )
}

/// First pass, character by character: breaks and spaces mapped, invisible characters escaped, emoji helpers
/// dropped. Expects text without escape sequences or controls other than `\n`.
pub(super) fn map_chars(input: &str, breaks: Breaks) -> String {
    let mut out = String::with_capacity(input.len());
    let mut after_emoji = false;
    for c in input.chars() {
        if c == '\n' {
            out.push(breaks.char());
            after_emoji = false;
            continue;
        }
        if c.is_control() {
            continue;
        }
        match c.general_category() {
            GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
                out.push(breaks.char());
                after_emoji = false;
            }
            GeneralCategory::SpaceSeparator => {
                out.push(' ');
                after_emoji = false;
            }
            _ if after_emoji && is_emoji_helper(c) => {}
            _ if is_invisible(c) => {
                push_escaped(&mut out, c);
                after_emoji = false;
            }
            _ => {
                out.push(c);
                after_emoji = !c.is_ascii() && c.is_emoji_char();
            }
        }
    }
    out
}

/// Second pass, grapheme by grapheme (see the module doc); the result satisfies [`is_settled`].
pub(super) fn settle(mapped: &str) -> String {
    let mut out = String::with_capacity(mapped.len());
    for g in mapped.graphemes(true) {
        if g == "\n" {
            out.push('\n');
            continue;
        }
        let mut based = false;
        let mut marks = 0;
        for c in g.chars() {
            let w = char_width(c);
            if !based && w == 0 {
                push_escaped(&mut out, c);
            } else if !based {
                based = true;
                out.push(c);
            } else if w > 0 {
                out.push(c);
            } else {
                if marks < MAX_MARKS {
                    out.push(c);
                }
                marks += 1;
            }
        }
    }
    // A repaired grapheme is ASCII, which no later round changes: two rounds reach a fixed point.
    for _ in 0..3 {
        match repair(&out) {
            Some(fixed) => out = fixed,
            None => return out,
        }
    }
    out.split('\n')
        .map(|line| {
            if line_agrees(line) {
                line.to_owned()
            } else {
                escape_non_ascii(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The graphemes (or neighbouring pairs) whose widths disagree, their non-ASCII characters escaped; `None` when
/// there is none.
fn repair(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<&str> = None;
    let mut changed = false;
    for g in s.graphemes(true) {
        if g == "\n" {
            out.push('\n');
            prev = None;
            continue;
        }
        if grapheme_agrees(g) && prev.is_none_or(|p| pair_agrees(p, g)) {
            out.push_str(g);
            prev = Some(g);
        } else {
            for c in g.chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    push_escaped(&mut out, c);
                }
            }
            prev = None;
            changed = true;
        }
    }
    changed.then_some(out)
}

/// One grapheme: starts with a character that takes space, carries at most [`MAX_MARKS`] zero-width ones, and
/// ratatui's width for it (string and cell) is the sum of its characters'.
fn grapheme_agrees(g: &str) -> bool {
    let mut chars = g.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    if char_width(first) == 0 || chars.filter(|c| char_width(*c) == 0).count() > MAX_MARKS {
        return false;
    }
    let sum = width(g);
    g.width() == sum && usize::from(g.cell_width()) == sum
}

/// Two neighbouring graphemes do not form one of unicode-width's ligatures (none involves ASCII).
fn pair_agrees(prev: &str, g: &str) -> bool {
    if prev.is_ascii() || g.is_ascii() {
        return true;
    }
    let mut both = String::with_capacity(prev.len() + g.len());
    both.push_str(prev);
    both.push_str(g);
    both.width() == prev.width() + g.width()
}

fn line_agrees(line: &str) -> bool {
    line.width() == width(line) && line.graphemes(true).all(grapheme_agrees)
}

fn escape_non_ascii(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// Whether `s` is settled text: no control other than `\n`, nothing invisible, and on every line ratatui's
/// width equals the sum of the characters' widths grapheme by grapheme.
#[must_use]
pub fn is_settled(s: &str) -> bool {
    s.chars().all(|c| {
        c == '\n'
            || !(c.is_control()
                || is_invisible(c)
                || matches!(
                    c.general_category(),
                    GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
                ))
    }) && s.split('\n').all(line_agrees)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(s: &str) -> String {
        settle(&map_chars(s, Breaks::Keep))
    }

    #[test]
    fn invisible_characters_are_shown_as_escapes() {
        assert_eq!(settled("a\u{200D}b"), "a\\u{200D}b");
        assert_eq!(settled("a\u{200B}b\u{2060}c"), "a\\u{200B}b\\u{2060}c");
        assert_eq!(settled("x\u{3164}y"), "x\\u{3164}y");
        assert_eq!(settled("a\u{FE0F}"), "a\\u{FE0F}");
        assert_eq!(settled("\u{E0041}"), "\\u{E0041}");
        assert_eq!(settled("a\u{378}"), "a\\u{378}");
    }

    #[test]
    fn separators_become_breaks_and_spaces() {
        assert_eq!(settled("a\u{2028}b\u{2029}c"), "a\nb\nc");
        assert_eq!(settle(&map_chars("a\u{2028}b", Breaks::Space)), "a b");
        assert_eq!(settled("a\u{00A0}b\u{3000}c"), "a b c");
    }

    #[test]
    fn emoji_keep_their_pictures_without_the_joiners() {
        assert_eq!(settled("❤\u{FE0F} ok"), "❤ ok");
        assert_eq!(settled("👩\u{200D}💻"), "👩💻");
        assert_eq!(settled("👍\u{1F3FD}"), "👍");
        assert_eq!(settled("🇺🇸"), "🇺🇸");
    }

    #[test]
    fn combining_marks_are_capped_and_orphans_shown() {
        assert_eq!(settled("e\u{301}"), "e\u{301}");
        assert_eq!(settled("e\u{301}\u{302}\u{303}\u{304}"), "e\u{301}\u{302}");
        assert_eq!(settled("\u{301}x"), "\\u{301}x");
        assert_eq!(settled("a\n\u{301}"), "a\n\\u{301}");
    }

    #[test]
    fn ligatures_whose_width_disagrees_are_escaped() {
        // Arabic lam-alef: unicode-width gives the pair 1, a terminal draws 2 cells.
        assert_eq!(settled("\u{644}\u{627}"), "\u{644}\\u{627}");
        // Halfwidth sound marks: ratatui adds a cell unicode-width does not count.
        assert_eq!(settled("\u{FF76}\u{FF9E}"), "\\u{FF76}\\u{FF9E}");
        assert_eq!(settled("a\u{FF9E}"), "a\\u{FF9E}");
    }

    #[test]
    fn wide_and_spacing_characters_stay() {
        for s in ["日本語", "कि", "각", "Ünïcödé", "😀 ok"] {
            assert_eq!(settled(s), s);
            assert!(is_settled(s));
        }
    }
}
