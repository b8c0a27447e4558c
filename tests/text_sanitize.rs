//! The sanitiser as a property (proptest, fixed seed): for any input, hostile or not, `text::sanitize_line` and
//! `text::sanitize` give printable text with no control, format, invisible or escape character, whose width is
//! the same for ratatui (`Span::width`, and the cells `Buffer` fills) and for a terminal (the sum of the code
//! points' unicode-width widths); drawing it fills exactly that many cells and the cells read back the string.
//! `text::sanitize_name` is printable ASCII and loses nothing (it decodes back to the input), so names that
//! look the same are the same. URLs with credentials lose them whatever hostile text surrounds them.
//!
//! More cases or another seed: `PROPTEST_CASES=100000 PROPTEST_RNG_SEED=7 cargo test --test text_sanitize`.

use fluxops::text::{MAX_MARKS, sanitize, sanitize_line, sanitize_name};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Widget;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthChar;

/// Pieces hostile text is made of: escape sequences (7-bit, 8-bit, cut short), controls, bidi and zero-width
/// characters, separators, combining marks, variation selectors, tags, wide and emoji characters (ZWJ,
/// modifier, keycap and flag sequences), Hangul jamo and fillers, width ligatures (Arabic lam-alef, Tifinagh,
/// Lisu, Kirat Rai, Khmer), halfwidth sound marks, unassigned and private-use code points, noncharacters, and
/// pieces of URLs.
const ATOMS: &[&str] = &[
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]0;PWNTITLE\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1bP1$r\x1b\\",
    "\x1b[",
    "\x1b]0;",
    "\x1b",
    "\u{9b}2J",
    "\u{9d}0;t\u{9c}",
    "\u{90}q",
    "\u{85}",
    "\u{9f}x",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "\0",
    "\u{202e}",
    "\u{202a}",
    "\u{2066}",
    "\u{2069}",
    "\u{200e}",
    "\u{061c}",
    "\u{200b}",
    "\u{200c}",
    "\u{200d}",
    "\u{2060}",
    "\u{feff}",
    "\u{00ad}",
    "\u{180e}",
    "\u{2028}",
    "\u{2029}",
    "\u{00a0}",
    "\u{3000}",
    "\u{1680}",
    "\u{2003}",
    "\u{0301}",
    "\u{0302}",
    "\u{0303}",
    "\u{0489}",
    "\u{20e3}",
    "\u{034f}",
    "\u{fe0f}",
    "\u{fe0e}",
    "\u{fe00}",
    "\u{e0100}",
    "\u{e0067}",
    "\u{e007f}",
    "\u{e0001}",
    "日本",
    "Ｆ",
    "😀",
    "👍",
    "\u{1f3fd}",
    "❤",
    "🏴",
    "#",
    "🇺",
    "🇸",
    "👩",
    "💻",
    "\u{1100}",
    "\u{1161}",
    "\u{11a8}",
    "\u{3164}",
    "\u{115f}",
    "\u{ffa0}",
    "\u{0644}",
    "\u{0627}",
    "\u{0623}",
    "\u{2d31}",
    "\u{2d7f}",
    "\u{2d32}",
    "\u{a4f8}",
    "\u{a4fc}",
    "\u{16d63}",
    "\u{16d67}",
    "\u{1780}",
    "\u{17d2}",
    "\u{0915}",
    "\u{093f}",
    "\u{094d}",
    "\u{0d4e}",
    "\u{ff76}",
    "\u{ff9e}",
    "\u{ff9f}",
    "\u{0378}",
    "\u{e000}",
    "\u{fdd0}",
    "\u{ffff}",
    "\u{10ffff}",
    "<",
    "=",
    "\u{0338}",
    "…",
    "│",
    "\\",
    "https://",
    "ssh://git:",
    "alice:tok@",
    "@host/p",
    "?token=v",
    "&sig=x",
    "a",
    "b",
    " ",
    "-",
    "/",
    ":",
];

fn hostile() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        4 => proptest::sample::select(ATOMS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(atom, 0..40).prop_map(|atoms| atoms.concat())
}

/// 2,000 cases from a fixed seed, unless `PROPTEST_CASES` / `PROPTEST_RNG_SEED` say otherwise.
fn config() -> Config {
    let from_env = Config::default();
    let set = |var: &str| std::env::var_os(var).is_some();
    Config {
        cases: if set("PROPTEST_CASES") {
            from_env.cases
        } else {
            2_000
        },
        rng_seed: if set("PROPTEST_RNG_SEED") {
            from_env.rng_seed
        } else {
            RngSeed::Fixed(0x5eed_f105)
        },
        failure_persistence: None,
        ..from_env
    }
}

fn w(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// What must never be in sanitised text (besides `\n` in multi-line text).
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::Unassigned
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::SpaceSeparator
        ) && c != ' '
        || matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' | '\u{3164}' | '\u{ffa0}' | '\u{115f}' | '\u{1160}')
}

/// One drawn line: the widths agree, drawing fills exactly that many cells, and the cells read it back.
fn check_line(line: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !line.chars().any(forbidden),
        "forbidden character in {line:?}"
    );
    let terminal: usize = line.chars().map(w).sum();
    let span = Span::raw(line);
    prop_assert_eq!(span.width(), terminal, "Span::width of {:?}", line);
    let width = u16::try_from(terminal).unwrap_or(u16::MAX);
    // A buffer wider than the text, marked, shows any cell drawn past what the text reserves.
    let area = Rect::new(0, 0, width + 4, 1);
    let mut buf = Buffer::filled(area, ratatui::buffer::Cell::new("X"));
    (&span).render(Rect::new(0, 0, width, 1), &mut buf);
    for x in width..width + 4 {
        prop_assert_eq!(
            buf[(x, 0)].symbol(),
            "X",
            "cell {} overwritten by {:?}",
            x,
            line
        );
    }
    let mut read = String::new();
    let mut x = 0;
    while x < width {
        let cell = buf[(x, 0)].symbol();
        let cell_chars: usize = cell.chars().map(w).sum();
        // What a terminal moves the cursor by is what ratatui gave the cell.
        prop_assert_eq!(
            usize::from(cell.cell_width()),
            cell_chars,
            "cell {:?} of {:?}",
            cell,
            line
        );
        prop_assert!(cell_chars >= 1, "empty cell {:?} in {:?}", cell, line);
        let marks = cell.chars().skip(1).filter(|c| w(*c) == 0).count();
        prop_assert!(marks <= MAX_MARKS, "{} marks in {:?}", marks, cell);
        read.push_str(cell);
        x += u16::try_from(cell_chars).unwrap_or(u16::MAX);
    }
    prop_assert_eq!(read, line);
    Ok(())
}

#[test]
fn sanitize_line_is_printable_text_whose_width_ratatui_and_the_terminal_agree_on() {
    proptest!(config(), |(input in hostile())| {
        let out = sanitize_line(&input);
        prop_assert!(!out.contains('\n'));
        check_line(&out)?;
        prop_assert_eq!(sanitize_line(&out), out.clone(), "not idempotent");
    });
}

#[test]
fn sanitize_keeps_line_breaks_and_every_line_is_safe() {
    proptest!(config(), |(input in hostile())| {
        let out = sanitize(&input);
        for line in out.split('\n') {
            check_line(line)?;
        }
        prop_assert_eq!(sanitize(&out), out.clone(), "not idempotent");
    });
}

/// Reads back `sanitize_name`'s escapes.
fn unescape(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'u' => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[test]
fn names_are_printable_ascii_and_two_different_names_never_look_the_same() {
    proptest!(config(), |(input in hostile())| {
        let out = sanitize_name(&input);
        prop_assert!(out.bytes().all(|b| (0x20..0x7f).contains(&b)), "{:?}", out);
        prop_assert_eq!(unescape(&out), Some(input.clone()));
    });
}

#[test]
fn credentials_in_urls_are_masked_whatever_hostile_text_surrounds_them() {
    let secret = "[A-Za-z0-9]{6,12}".prop_map(|s| format!("Zq9{s}"));
    let scheme = proptest::sample::select(&["https", "http", "oci", "ssh", "git+ssh", "s3"][..]);
    proptest!(config(), |(before in hostile(), after in hostile(), scheme in scheme,
                          password in secret.clone(), token in secret)| {
        let input = format!(
            "{before} clone '{scheme}://bot:{password}@git.example.com/r?ref=main&access_token={token}': {after}"
        );
        for out in [sanitize_line(&input), sanitize(&input)] {
            prop_assert!(!out.contains(&password), "{:?} → {:?}", input, out);
            prop_assert!(!out.contains(&token), "{:?} → {:?}", input, out);
        }
    });
}
