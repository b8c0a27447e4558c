//! Markdown → the parts of a runbook, with their lines: the YAML front matter, the `#` title, the prose before
//! the first step, and per `##` heading a step with its prose and fenced blocks. Parsed with pulldown-cmark (YAML
//! metadata blocks and heading attributes on), so a fence inside a list or a quote is what CommonMark says it is.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, MetadataBlockKind, Options, Parser, Tag};
use std::ops::Range;

/// Fence info words that are runbook blocks; any other fenced block is prose (an example, a command).
pub const BLOCK_KINDS: &[&str] = &["check", "action", "confirm", "record", "on-failure", "next"];

/// A fenced block of a runbook kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub kind: String,
    /// Words after the kind in the info string (`record git`).
    pub flags: Vec<String>,
    pub body: String,
    /// The line of the opening fence.
    pub line: u64,
    /// The line of the body's first line.
    pub body_line: u64,
}

/// One `##` heading and what follows it up to the next `##`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawStep {
    pub title: String,
    /// `{#id}` on the heading.
    pub id: Option<String>,
    /// `{.class}`es on the heading.
    pub classes: Vec<String>,
    pub line: u64,
    pub prose: String,
    pub fences: Vec<Fence>,
}

/// The document's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The front matter's YAML and the line of its first line.
    pub front: Option<(String, u64)>,
    pub title: Option<String>,
    pub summary: String,
    pub steps: Vec<RawStep>,
}

/// 1-based line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }

    fn line(&self, offset: usize) -> u64 {
        let idx = self.0.partition_point(|&s| s <= offset);
        u64::try_from(idx).unwrap_or(u64::MAX)
    }
}

/// What the parser is inside of.
enum Inside {
    Nothing,
    Front(u64),
    Heading(HeadingLevel, u64),
    Fence(String, u64),
}

/// Splits `text` into its parts. Never fails: what a runbook needs is checked by `load`.
#[must_use]
pub fn split(text: &str) -> Document {
    let lines = Lines::new(text);
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut doc = Document::default();
    let mut inside = Inside::Nothing;
    let mut buffer = String::new();
    let mut depth = 0usize;
    let mut heading_attrs: (Option<String>, Vec<String>) = (None, Vec::new());
    let mut prose_ranges: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    match &tag {
                        Tag::MetadataBlock(MetadataBlockKind::YamlStyle) => {
                            inside = Inside::Front(lines.line(range.start) + 1);
                        }
                        Tag::Heading {
                            level, id, classes, ..
                        } if *level <= HeadingLevel::H2 => {
                            inside = Inside::Heading(*level, lines.line(range.start));
                            heading_attrs = (
                                id.as_ref().map(ToString::to_string),
                                classes.iter().map(ToString::to_string).collect(),
                            );
                        }
                        Tag::CodeBlock(CodeBlockKind::Fenced(info))
                            if BLOCK_KINDS
                                .contains(&info.split_whitespace().next().unwrap_or_default()) =>
                        {
                            inside = Inside::Fence(info.trim().to_owned(), lines.line(range.start));
                        }
                        _ => prose_ranges.push(range.clone()),
                    }
                    buffer.clear();
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    finish(
                        &mut doc,
                        &mut inside,
                        &buffer,
                        &mut heading_attrs,
                        &mut prose_ranges,
                        text,
                    );
                }
            }
            Event::Text(t) | Event::Code(t) if !matches!(inside, Inside::Nothing) => {
                buffer.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => buffer.push(' '),
            Event::Rule | Event::Html(_) if depth == 0 => prose_ranges.push(range.clone()),
            _ => {}
        }
    }
    flush_prose(&mut doc, &mut prose_ranges, text);
    doc
}

fn finish(
    doc: &mut Document,
    inside: &mut Inside,
    buffer: &str,
    attrs: &mut (Option<String>, Vec<String>),
    prose: &mut Vec<Range<usize>>,
    text: &str,
) {
    match std::mem::replace(inside, Inside::Nothing) {
        Inside::Nothing => {}
        Inside::Front(line) => doc.front = Some((buffer.to_owned(), line)),
        Inside::Heading(HeadingLevel::H1, _) => {
            flush_prose(doc, prose, text);
            doc.title = Some(buffer.trim().to_owned());
        }
        Inside::Heading(_, line) => {
            flush_prose(doc, prose, text);
            let (id, classes) = std::mem::take(attrs);
            doc.steps.push(RawStep {
                title: buffer.trim().to_owned(),
                id,
                classes,
                line,
                ..RawStep::default()
            });
        }
        Inside::Fence(info, line) => {
            flush_prose(doc, prose, text);
            let mut words = info.split_whitespace().map(str::to_owned);
            let fence = Fence {
                kind: words.next().unwrap_or_default(),
                flags: words.collect(),
                body: buffer.to_owned(),
                line,
                body_line: line + 1,
            };
            if let Some(step) = doc.steps.last_mut() {
                step.fences.push(fence);
            } else {
                // A block before the first step: kept on a placeholder step so load can name its line.
                doc.steps.push(RawStep {
                    line,
                    fences: vec![fence],
                    ..RawStep::default()
                });
            }
        }
    }
}

fn flush_prose(doc: &mut Document, ranges: &mut Vec<Range<usize>>, text: &str) {
    if ranges.is_empty() {
        return;
    }
    let mut prose = String::new();
    for r in ranges.drain(..) {
        let part = text.get(r).unwrap_or_default().trim_end();
        if !prose.is_empty() {
            prose.push_str("\n\n");
        }
        prose.push_str(part);
    }
    let target = match doc.steps.last_mut() {
        Some(step) => &mut step.prose,
        None => &mut doc.summary,
    };
    if !target.is_empty() {
        target.push_str("\n\n");
    }
    target.push_str(&prose);
}

/// A heading's text in kebab case: `Verify the release` → `verify-the-release`.
#[must_use]
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\nid: x\ntitle: X\n---\n# X\n\nIntro.\n\n## First step {#one}\n\nDo this.\n\n```check\nexpect: ready\n```\n\n```sh\nflux get ks\n```\n\n## Roll back {.branch}\n\n```record\nnote\n```\n";

    #[test]
    fn front_matter_title_steps_and_fences_with_their_lines() {
        let doc = split(DOC);
        assert_eq!(doc.front, Some(("id: x\ntitle: X\n".to_owned(), 2)));
        assert_eq!(doc.title.as_deref(), Some("X"));
        assert_eq!(doc.summary, "Intro.");
        assert_eq!(doc.steps.len(), 2);
        let one = &doc.steps[0];
        assert_eq!(
            (one.id.as_deref(), one.title.as_str(), one.line),
            (Some("one"), "First step", 9)
        );
        assert_eq!(one.fences.len(), 1);
        assert_eq!(
            (one.fences[0].kind.as_str(), one.fences[0].line),
            ("check", 13)
        );
        assert_eq!(one.fences[0].body, "expect: ready\n");
        assert!(
            one.prose.contains("Do this.") && one.prose.contains("flux get ks"),
            "{}",
            one.prose
        );
        assert_eq!(doc.steps[1].classes, ["branch"]);
        assert_eq!(doc.steps[1].fences[0].line, 23);
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Verify the release: Ready?"),
            "verify-the-release-ready"
        );
        assert_eq!(slug("  1. Suspend  "), "1-suspend");
    }
}
