//! Where each field of a YAML document is: one pass over the parser's events (`granit_parser`, the parser
//! under serde-saphyr, so lines agree with the loader's) builds, per document, a map from a field path
//! (`spec.dependsOn[1]`, `spec.sourceRef.kind`, `metadata.name`) to the 1-based line of its key (of the item,
//! for a sequence entry). `fluxops check` uses it to point a finding about one field at that field's line
//! instead of the object's first line. Built once per file; a document after a syntax error is not mapped
//! (the loader reports that error at its own line). The API server spells a map key in brackets
//! (`metadata.labels[app]`); [`from_api_path`] turns its field paths into this spelling.
//!
//! Pure: text in, maps out. Must not live here: reading files, deciding what a finding is.

use serde_saphyr::granit_parser::{Event, Parser};
use std::collections::HashMap;

/// The lines of one document's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentSpans {
    /// The line of the document's first node.
    pub first_line: Option<usize>,
    lines: HashMap<String, usize>,
    scalars: HashMap<String, String>,
}

impl DocumentSpans {
    /// The line of the field at `path` (`spec.dependsOn[0].name`), if the document has it.
    #[must_use]
    pub fn line(&self, path: &str) -> Option<usize> {
        self.lines.get(path).copied()
    }

    /// The line of the field at `path`, else of its nearest enclosing field that is written
    /// (`spec.retryInterval` absent: `spec`).
    #[must_use]
    pub fn nearest_line(&self, path: &str) -> Option<usize> {
        let mut at = path;
        loop {
            if let Some(line) = self.line(at) {
                return Some(line);
            }
            at = &at[..at.rfind(['.', '['])?];
        }
    }

    /// The scalar at `path`, as written (for finding a document by `kind` and `metadata.name`).
    #[must_use]
    pub fn scalar(&self, path: &str) -> Option<&str> {
        self.scalars.get(path).map(String::as_str)
    }

    /// The index of the first item of the sequence at `path` whose field `field` (`name`, or `""` for the
    /// item itself) is `value`.
    #[must_use]
    pub fn item_where(&self, path: &str, field: &str, value: &str) -> Option<usize> {
        (0..)
            .map_while(|i| {
                let item = format!("{path}[{i}]");
                self.lines.contains_key(&item).then_some((i, item))
            })
            .find(|(_, item)| {
                let at = if field.is_empty() {
                    item.clone()
                } else {
                    format!("{item}.{field}")
                };
                self.scalar(&at) == Some(value)
            })
            .map(|(i, _)| i)
    }
}

/// A field path as the API server spells it (`metadata.labels[app.kubernetes.io/name]`, `spec.ports[0].port`: a
/// map key in brackets) in this module's spelling (`metadata.labels.app.kubernetes.io/name`, `spec.ports[0].port`:
/// only sequence indexes in brackets).
#[must_use]
pub fn from_api_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open..].find(']') else {
            break;
        };
        let inside = &rest[open + 1..open + len];
        out.push_str(&rest[..open]);
        if !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&rest[open..=open + len]);
        } else {
            out.push('.');
            out.push_str(inside);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the parser is inside a collection.
enum Frame {
    Map {
        path: String,
        /// The key read, waiting for its value; `None`: the next node is a key.
        key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

/// What the next node is.
enum Slot {
    /// A mapping key (recorded at its own line).
    Key,
    /// A value at this path.
    Value(String),
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Builds the maps of every document of `text`.
#[derive(Default)]
struct Builder {
    docs: Vec<DocumentSpans>,
    stack: Vec<Frame>,
}

impl Builder {
    /// The slot of the node that starts now, advancing the enclosing collection.
    fn slot(&mut self) -> Slot {
        match self.stack.last_mut() {
            None => Slot::Value(String::new()),
            Some(Frame::Map { key: None, .. }) => Slot::Key,
            Some(Frame::Map { path, key }) => {
                let at = join(path, key.as_deref().unwrap_or_default());
                *key = None;
                Slot::Value(at)
            }
            Some(Frame::Seq { path, next }) => {
                let at = format!("{path}[{next}]");
                *next += 1;
                Slot::Value(at)
            }
        }
    }

    fn record(&mut self, path: &str, line: usize) {
        if let Some(doc) = self.docs.last_mut() {
            doc.first_line.get_or_insert(line);
            doc.lines.entry(path.to_owned()).or_insert(line);
        }
    }

    fn scalar(&mut self, value: &str, line: usize) {
        match self.slot() {
            Slot::Key => {
                if let Some(Frame::Map { path, key }) = self.stack.last_mut() {
                    let at = join(path, value);
                    *key = Some(value.to_owned());
                    self.record(&at, line);
                }
            }
            Slot::Value(at) => {
                self.record(&at, line);
                if let Some(doc) = self.docs.last_mut() {
                    doc.scalars.insert(at, value.to_owned());
                }
            }
        }
    }

    /// A collection starts: at `path` when it is a value; a collection used as a key is walked under a path
    /// no field has.
    fn open(&mut self, line: usize, map: bool) {
        let path = match self.slot() {
            Slot::Key => {
                if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                    *key = Some("?".to_owned());
                }
                "?".to_owned()
            }
            Slot::Value(at) => {
                self.record(&at, line);
                at
            }
        };
        self.stack.push(if map {
            Frame::Map { path, key: None }
        } else {
            Frame::Seq { path, next: 0 }
        });
    }
}

/// The field lines of every document of `text`, in order (a document that does not parse, and those after
/// it, are left out).
#[must_use]
pub fn spans_of(text: &str) -> Vec<DocumentSpans> {
    let mut b = Builder::default();
    for result in Parser::new_from_str(text) {
        let Ok((event, span)) = result else { break };
        let line = span.start.line();
        match event {
            Event::DocumentStart(..) => {
                b.docs.push(DocumentSpans::default());
                b.stack.clear();
            }
            Event::Scalar(value, ..) => b.scalar(&value, line),
            Event::MappingStart(..) => b.open(line, true),
            Event::SequenceStart(..) => b.open(line, false),
            Event::MappingEnd | Event::SequenceEnd => {
                b.stack.pop();
            }
            Event::Alias(_) => {
                if let Slot::Value(at) = b.slot() {
                    b.record(&at, line);
                }
            }
            _ => {}
        }
    }
    // A stream of comments only has a document with nothing in it.
    b.docs.retain(|d| d.first_line.is_some());
    b.docs
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# a comment\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  dependsOn:\n    - name: infra\n    - name: configs\n      namespace: other\n  sourceRef: {kind: GitRepository, name: flux-system}\n  path: ./apps\n---\nkind: GitRepository\nmetadata: {name: flux-system}\nspec:\n  ignore: |\n    /*\n  list: [a, b]\n";

    #[test]
    fn every_field_has_the_line_of_its_key_and_items_theirs() {
        let docs = spans_of(TEXT);
        assert_eq!(docs.len(), 2);
        let ks = &docs[0];
        assert_eq!(ks.first_line, Some(2));
        assert_eq!(ks.scalar("kind"), Some("Kustomization"));
        assert_eq!(ks.scalar("metadata.name"), Some("apps"));
        assert_eq!(ks.line("metadata.name"), Some(5));
        assert_eq!(ks.line("spec"), Some(7));
        assert_eq!(ks.line("spec.interval"), Some(8));
        assert_eq!(ks.line("spec.dependsOn"), Some(9));
        assert_eq!(ks.line("spec.dependsOn[0]"), Some(10));
        assert_eq!(ks.line("spec.dependsOn[1]"), Some(11));
        assert_eq!(ks.line("spec.dependsOn[1].namespace"), Some(12));
        assert_eq!(ks.item_where("spec.dependsOn", "name", "configs"), Some(1));
        assert_eq!(ks.item_where("spec.dependsOn", "name", "nope"), None);
        assert_eq!(ks.line("spec.sourceRef"), Some(13));
        assert_eq!(ks.line("spec.sourceRef.kind"), Some(13));
        assert_eq!(ks.line("spec.path"), Some(14));
        assert_eq!(ks.line("spec.timeout"), None);
        let repo = &docs[1];
        assert_eq!(repo.first_line, Some(16));
        assert_eq!(repo.line("metadata.name"), Some(17));
        assert_eq!(repo.line("spec.list[1]"), Some(21));
        assert_eq!(repo.item_where("spec.list", "", "b"), Some(1));
    }

    #[test]
    fn api_server_paths_spell_map_keys_as_fields_and_keep_indexes() {
        assert_eq!(from_api_path("spec.selector"), "spec.selector");
        assert_eq!(from_api_path("spec.ports[0].port"), "spec.ports[0].port");
        assert_eq!(
            from_api_path("metadata.labels[app.kubernetes.io/name]"),
            "metadata.labels.app.kubernetes.io/name"
        );
        assert_eq!(
            from_api_path("spec.template.spec.containers[1].resources.limits[cpu]"),
            "spec.template.spec.containers[1].resources.limits.cpu"
        );
        assert_eq!(from_api_path("spec.x[unclosed"), "spec.x[unclosed");
        let docs = spans_of("metadata:\n  labels:\n    app.kubernetes.io/name: web\n");
        assert_eq!(
            docs[0].line(&from_api_path("metadata.labels[app.kubernetes.io/name]")),
            Some(3)
        );
    }

    #[test]
    fn a_syntax_error_ends_the_map_and_comments_alone_are_no_document() {
        assert!(spans_of("# only a comment\n").is_empty());
        let docs = spans_of("a: 1\n---\nb: [1\n");
        assert_eq!(docs.first().and_then(|d| d.line("a")), Some(1));
    }
}
