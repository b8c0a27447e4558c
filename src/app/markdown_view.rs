//! A runbook's Markdown prose as styled view lines for the runbook screens (the walker's step, the list's
//! summary): parsed with pulldown-cmark (as `runbook::markdown` parses the file), so `**bold**` is bold,
//! `` `code` `` is code, list items get a bullet (`•`, or their number) and hang under their text, a link is its
//! text (its address follows, dimmed, when it says something the text does not), headings are labels, and code
//! blocks are kept as written, dimmed. A paragraph is one line: the pane wraps it to its width (under the
//! bullet for an item). Every text is sanitised here; raw HTML is shown as text, never interpreted.
//!
//! Pure: text in, lines out. Nothing here draws.

use super::inspect_view::{InspectLine, Tone};
use crate::text::sanitize_line;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The columns a nested list is indented by.
const LIST_INDENT: usize = 2;

/// One open list: its next number (`None`: bullets).
struct List {
    next: Option<u64>,
}

/// Builds the lines.
#[derive(Default)]
struct Lines {
    out: Vec<InspectLine>,
    /// The line being filled (a paragraph, an item, a heading); `None` between blocks.
    current: Option<InspectLine>,
    lists: Vec<List>,
    strong: usize,
    heading: bool,
    code_block: bool,
    quote: usize,
    /// The address of the link whose text is being read.
    link: Option<(String, String)>,
}

impl Lines {
    fn tone(&self) -> Tone {
        if self.heading {
            Tone::Label
        } else if self.strong > 0 {
            Tone::Strong
        } else {
            Tone::Text
        }
    }

    /// The line being filled, opened (indented under the open lists and quotes) if needed.
    fn line(&mut self) -> &mut InspectLine {
        let indent = self.lists.len().saturating_sub(1) * LIST_INDENT;
        let quote = self.quote;
        self.current.get_or_insert_with(|| {
            let mut pieces = Vec::new();
            if quote > 0 {
                pieces.push((Tone::Dim, "│ ".repeat(quote)));
            }
            if indent > 0 {
                pieces.push((Tone::Text, " ".repeat(indent)));
            }
            let hang = indent + quote * 2;
            InspectLine { pieces, hang }
        })
    }

    fn push(&mut self, tone: Tone, text: &str) {
        let text = sanitize_line(text).into_owned();
        if text.is_empty() {
            return;
        }
        let line = self.line();
        match line.pieces.last_mut() {
            Some((t, last)) if *t == tone => last.push_str(&text),
            _ => line.pieces.push((tone, text)),
        }
    }

    /// Ends the line being filled.
    fn end_line(&mut self) {
        if let Some(line) = self.current.take()
            && line.pieces.iter().any(|(_, t)| !t.trim().is_empty())
        {
            self.out.push(line);
        }
    }

    /// One blank line between blocks (never two, never first).
    fn gap(&mut self) {
        self.end_line();
        if self
            .out
            .last()
            .is_some_and(|l| l.pieces.iter().any(|(_, t)| !t.is_empty()))
        {
            self.out.push(InspectLine {
                pieces: vec![(Tone::Text, String::new())],
                hang: 0,
            });
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        match tag {
            // A paragraph outside a list starts after a blank line (an item's continues its bullet line).
            Tag::Paragraph if self.current.is_none() && self.lists.is_empty() => self.gap(),
            Tag::Heading { .. } => {
                self.gap();
                self.heading = true;
            }
            Tag::BlockQuote(_) => {
                self.gap();
                self.quote += 1;
            }
            Tag::CodeBlock(_) => {
                self.gap();
                self.code_block = true;
            }
            Tag::List(first) => {
                if self.lists.is_empty() {
                    self.gap();
                } else {
                    self.end_line();
                }
                self.lists.push(List { next: *first });
            }
            Tag::Item => {
                self.end_line();
                let bullet = match self.lists.last_mut() {
                    Some(List { next: Some(n) }) => {
                        let b = format!("{n}. ");
                        *n += 1;
                        b
                    }
                    _ => "• ".to_owned(),
                };
                let width = bullet.chars().count();
                let line = self.line();
                line.pieces.push((Tone::Dim, bullet));
                line.hang += width;
            }
            Tag::Strong | Tag::Emphasis => self.strong += 1,
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.link = Some((dest_url.to_string(), String::new()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph if self.lists.is_empty() => self.end_line(),
            TagEnd::Heading(_) => {
                self.end_line();
                self.heading = false;
            }
            TagEnd::BlockQuote(_) => {
                self.end_line();
                self.quote = self.quote.saturating_sub(1);
            }
            TagEnd::CodeBlock => {
                self.end_line();
                self.code_block = false;
            }
            TagEnd::List(_) => {
                self.end_line();
                self.lists.pop();
            }
            TagEnd::Item => self.end_line(),
            TagEnd::Strong | TagEnd::Emphasis => self.strong = self.strong.saturating_sub(1),
            TagEnd::Link | TagEnd::Image => {
                if let Some((url, text)) = self.link.take() {
                    let shown = url.trim_start_matches("mailto:");
                    if !url.is_empty() && !url.starts_with('#') && shown != text.trim() {
                        self.push(Tone::Dim, &format!(" ({url})"));
                    }
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.code_block {
            // Kept as written, line by line, dimmed and indented under the block's own indentation.
            for l in text.lines() {
                let indent = self.lists.len() * LIST_INDENT + 2;
                let body = l.trim_start();
                let hang = indent + (l.len() - body.len());
                self.out.push(InspectLine {
                    pieces: vec![(
                        Tone::Dim,
                        format!("{}{}", " ".repeat(indent), sanitize_line(l.trim_end())),
                    )],
                    hang,
                });
            }
            return;
        }
        if let Some((_, link_text)) = &mut self.link {
            link_text.push_str(text);
        }
        let tone = self.tone();
        self.push(tone, text);
    }
}

/// Markdown prose as lines (see the module doc); no blank line first or last.
#[must_use]
pub fn prose(text: &str) -> Vec<InspectLine> {
    let mut lines = Lines::default();
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
        match event {
            Event::Start(tag) => lines.start(&tag),
            Event::End(tag) => lines.end(tag),
            Event::Text(t) => lines.text(&t),
            Event::Code(t) => {
                if let Some((_, link_text)) = &mut lines.link {
                    link_text.push_str(&t);
                }
                lines.push(Tone::Code, &t);
            }
            Event::SoftBreak => lines.push(Tone::Text, " "),
            Event::HardBreak => lines.end_line(),
            // Shown as text, never interpreted: a block line by line, an inline tag where it stands.
            Event::Html(t) => {
                for l in t.lines().filter(|l| !l.trim().is_empty()) {
                    lines.push(Tone::Dim, l.trim());
                    lines.end_line();
                }
            }
            Event::InlineHtml(t) => lines.push(Tone::Dim, &t),
            Event::Rule => {
                lines.gap();
                lines.out.push(InspectLine {
                    pieces: vec![(Tone::Dim, "────".to_owned())],
                    hang: 0,
                });
            }
            Event::TaskListMarker(done) => {
                lines.push(Tone::Dim, if done { "[x] " } else { "[ ] " })
            }
            Event::FootnoteReference(t) => lines.push(Tone::Dim, &format!("[{t}]")),
            Event::InlineMath(t) | Event::DisplayMath(t) => lines.push(Tone::Code, &t),
        }
    }
    lines.end_line();
    let mut out = lines.out;
    while out
        .last()
        .is_some_and(|l| l.pieces.iter().all(|(_, t)| t.trim().is_empty()))
    {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[InspectLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.pieces.iter().map(|(_, t)| t.as_str()).collect())
            .collect()
    }

    fn tone_of(lines: &[InspectLine], text: &str) -> Option<Tone> {
        lines
            .iter()
            .flat_map(|l| &l.pieces)
            .find(|(_, t)| t == text)
            .map(|(tone, _)| *tone)
    }

    #[test]
    fn emphasis_code_lists_and_links_are_styled_not_shown_raw() {
        let lines = prose(
            "The release is **locked** by `helm-controller`:\nread its [history](https://helm.sh/docs).\n\n- first *this*\n- then `that`, which\n  wraps\n\n1. one\n2. two\n",
        );
        assert_eq!(
            texts(&lines),
            [
                "The release is locked by helm-controller: read its history (https://helm.sh/docs).",
                "",
                "• first this",
                "• then that, which wraps",
                "",
                "1. one",
                "2. two",
            ]
        );
        assert_eq!(tone_of(&lines, "locked"), Some(Tone::Strong));
        assert_eq!(tone_of(&lines, "helm-controller"), Some(Tone::Code));
        assert_eq!(tone_of(&lines, "• "), Some(Tone::Dim));
        // An item wraps under its text, not under its bullet.
        assert_eq!(lines[2].hang, 2);
        assert_eq!(lines[5].hang, 3);
    }

    #[test]
    fn code_blocks_are_kept_as_written_and_headings_are_labels() {
        let lines = prose("### Check\n\nRun:\n\n```sh\nflux get ks\n  -A\n```\n");
        assert_eq!(
            texts(&lines),
            ["Check", "", "Run:", "", "  flux get ks", "    -A"]
        );
        assert_eq!(tone_of(&lines, "Check"), Some(Tone::Label));
        assert_eq!(tone_of(&lines, "  flux get ks"), Some(Tone::Dim));
    }

    #[test]
    fn nested_lists_indent_and_hostile_text_is_sanitised() {
        let lines = prose("- outer\n  - inner \u{1b}[31mred\u{1b}[0m\n- <b>html</b>\n");
        let shown = texts(&lines);
        assert_eq!(shown[0], "• outer");
        assert!(shown[1].starts_with("  • inner "), "{shown:?}");
        assert!(!shown.concat().contains('\u{1b}'), "{shown:?}");
        assert!(shown[2].contains("<b>"), "HTML is text: {shown:?}");
        assert_eq!(lines[1].hang, 4);
    }
}
