//! Text written for programs (JSON, DOT, Mermaid): one writer used by every machine output (`fluxops graph -o
//! json|dot|mermaid`, `follow -o json`, `diagnose`), so no control, bidi or other invisible format character
//! from the cluster or a repository reaches a file or a terminal raw, whatever reads it next (`jq` prints
//! decoded strings; an SVG shows labels).
//!
//! - [`needs_escape`]: what is escaped: C0 and C1 controls and DEL, the Unicode format characters (general
//!   category Cf: bidi embeddings, overrides and isolates, zero-width characters, the BOM, tag characters, …)
//!   and the line and paragraph separators (U+2028, U+2029).
//! - JSON ([`to_json_string`], [`to_json_string_pretty`], [`write_json_line`]): serde_json escapes only `"`, `\`
//!   and characters below U+0020; ours also escapes the rest of [`needs_escape`] as `\uXXXX` (surrogate pairs
//!   beyond U+FFFF). Lossless: a JSON parser gives back the original string.
//! - [`visible`]: for formats without such escapes (DOT, Mermaid labels), each such character written as the text
//!   `\uXXXX` (`\u{XXXXX}` beyond U+FFFF), so it shows instead of acting.
//!
//! Must not live here: text for the terminal (that is `crate::text`, which strips instead of escaping).

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `c` must not appear raw in machine output (see the module doc).
#[must_use]
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Unicode general category Cf (format characters), Unicode 15.1.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// `text` with every [`needs_escape`] character written as the visible text `\uXXXX` (`\u{XXXXX}` beyond
/// U+FFFF); borrowed when there is none.
#[must_use]
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Appends the visible form of one character (`\u202E`, `\u{E0001}`).
pub fn push_visible(out: &mut String, c: char) {
    let code = u32::from(c);
    if code <= 0xFFFF {
        out.push_str(&format!("\\u{code:04X}"));
    } else {
        out.push_str(&format!("\\u{{{code:X}}}"));
    }
}

/// A serde_json formatter that also escapes [`needs_escape`] characters (see the module doc).
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // PrettyFormatter's layout, passed through (CompactFormatter uses the defaults these call).
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

fn to_vec<T: Serialize + ?Sized, F: Formatter>(
    value: &T,
    formatter: F,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Safe(formatter));
    value.serialize(&mut ser)?;
    Ok(out)
}

fn into_string(bytes: Vec<u8>) -> serde_json::Result<String> {
    // serde_json writes UTF-8 and our escapes are ASCII.
    String::from_utf8(bytes).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// One-line JSON, escaped (see the module doc).
///
/// # Errors
/// Serialisation errors of `value` (a map with non-string keys, a failing `Serialize`).
pub fn to_json_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    into_string(to_vec(value, CompactFormatter)?)
}

/// Pretty-printed JSON (two-space indent), escaped (see the module doc).
///
/// # Errors
/// As [`to_json_string`].
pub fn to_json_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    into_string(to_vec(value, PrettyFormatter::new())?)
}

/// Writes `value` as one escaped JSON line (with its newline) to `out`.
///
/// # Errors
/// Serialisation or write errors.
pub fn write_json_line<W: Write + ?Sized, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> io::Result<()> {
    let mut bytes = to_vec(value, CompactFormatter).map_err(io::Error::other)?;
    bytes.push(b'\n');
    out.write_all(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "a\u{9b}2J\u{9d}0;t\u{7f}\u{202e}b\u{1b}[31m\u{200d}\u{2028}\u{feff}\u{e0041}\n";

    /// Characters of `text` that must not be raw (the pretty layout's own newlines aside).
    fn raw_unsafe(text: &str) -> Vec<char> {
        text.chars()
            .filter(|c| needs_escape(*c) && *c != '\n')
            .collect()
    }

    #[test]
    fn json_escapes_c1_del_bidi_and_format_characters_and_round_trips() {
        let value = serde_json::json!({ "name": HOSTILE, "list": [HOSTILE] });
        for text in [
            to_json_string(&value).unwrap(),
            to_json_string_pretty(&value).unwrap(),
        ] {
            assert_eq!(raw_unsafe(&text), Vec::<char>::new(), "{text}");
            assert!(
                text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u007f")
            );
            assert!(
                text.contains("\\n\""),
                "the value's newline is escaped: {text}"
            );
            assert!(
                text.contains("\\udb40\\udc41"),
                "a tag character as a surrogate pair: {text}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, value, "lossless");
        }
    }

    #[test]
    fn pretty_json_keeps_serde_json_layout() {
        let value = serde_json::json!({ "a": [1, {"b": "c"}], "d": {} });
        assert_eq!(
            to_json_string_pretty(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
        assert_eq!(
            to_json_string(&value).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        let mut line = Vec::new();
        write_json_line(&mut line, &value).unwrap();
        assert_eq!(
            line,
            format!("{}\n", serde_json::to_string(&value).unwrap()).into_bytes()
        );
    }

    #[test]
    fn visible_writes_each_character_as_text() {
        assert!(matches!(visible("podinfo ✓"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\u{202e}b\u{9b}\u{e0041}"),
            "a\\u202Eb\\u009B\\u{E0041}"
        );
        assert_eq!(raw_unsafe(&visible(HOSTILE)), Vec::<char>::new());
    }

    #[test]
    fn every_control_and_format_character_is_escaped_and_nothing_printable_is() {
        for code in 0u32..0x3_0000 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let json = to_json_string(&c.to_string()).unwrap();
            let escaped = json.contains("\\u") || json.len() == 4 && json.starts_with("\"\\");
            if needs_escape(c) {
                assert!(escaped, "U+{code:04X} raw in {json}");
            } else if !matches!(c, '"' | '\\') {
                assert!(!escaped, "U+{code:04X} needlessly escaped: {json}");
            }
        }
    }
}
