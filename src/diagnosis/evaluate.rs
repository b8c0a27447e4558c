//! How well the classifier does on labelled messages: per-class precision and recall, rows right, and the
//! misses given with confidence (which must not exist). Used by the accuracy test over
//! `shared/data/failures.tsv`, which also writes the table into docs/diagnosis.md.

use super::input::{self, Row};
use super::{Diagnosis, FailureClass, FailureInput, diagnose};
use crate::flux::FluxKind;
use std::fmt::Write as _;

/// The class a `failures.tsv` label (`failure_class` column) stands for; `None` for an unknown label.
#[must_use]
pub fn label_class(label: &str) -> Option<FailureClass> {
    Some(match label.trim() {
        "artifact/source-fetch-failed" => FailureClass::SourceFetchFailed,
        "auth/permission-denied" => FailureClass::PermissionDenied,
        "drift/other" => FailureClass::Other,
        "schema/validation" => FailureClass::SchemaValidation,
        other => return FailureClass::from_name(other),
    })
}

/// The diagnosis of one input row (what `fluxops diagnose` prints for it).
#[must_use]
pub fn diagnose_row(row: &Row) -> Diagnosis {
    diagnose(&FailureInput {
        kind: row.kind.as_deref().and_then(FluxKind::from_kind),
        reason: row.reason.as_deref(),
        message: &row.message,
    })
}

/// One labelled row and what the classifier said.
#[derive(Debug, Clone)]
pub struct Scored {
    pub line: u64,
    pub expected: FailureClass,
    pub got: Diagnosis,
}

impl Scored {
    #[must_use]
    pub fn is_right(&self) -> bool {
        self.got.class == self.expected
    }

    /// A wrong class given with confidence (an `Unclassified` or low-confidence miss is honest).
    #[must_use]
    pub fn is_confident_miss(&self) -> bool {
        !self.is_right()
            && self.got.class != FailureClass::Unclassified
            && self.got.confidence.is_confident()
    }
}

/// Precision and recall of one class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScore {
    pub class: FailureClass,
    /// Rows labelled with this class.
    pub labelled: usize,
    /// Rows the classifier put in this class.
    pub predicted: usize,
    /// Rows labelled and predicted with this class.
    pub right: usize,
}

impl ClassScore {
    /// `right / predicted`; `None` when nothing was predicted.
    #[must_use]
    pub fn precision(&self) -> Option<f64> {
        ratio(self.right, self.predicted)
    }

    /// `right / labelled`; `None` when nothing is labelled.
    #[must_use]
    pub fn recall(&self) -> Option<f64> {
        ratio(self.right, self.labelled)
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The evaluation of a labelled table.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub scored: Vec<Scored>,
    /// Rows that could not be read or carry an unknown label: (line, problem).
    pub problems: Vec<(u64, String)>,
}

impl Report {
    /// Labelled rows read.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.scored.len()
    }

    #[must_use]
    pub fn right(&self) -> usize {
        self.scored.iter().filter(|s| s.is_right()).count()
    }

    /// The fraction of rows right (0 for an empty table).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        ratio(self.right(), self.rows()).unwrap_or(0.0)
    }

    #[must_use]
    pub fn misses(&self) -> Vec<&Scored> {
        self.scored.iter().filter(|s| !s.is_right()).collect()
    }

    #[must_use]
    pub fn confident_misses(&self) -> Vec<&Scored> {
        self.scored
            .iter()
            .filter(|s| s.is_confident_miss())
            .collect()
    }

    /// Per class, for every class that is labelled or predicted, in [`FailureClass::ALL`] order.
    #[must_use]
    pub fn per_class(&self) -> Vec<ClassScore> {
        FailureClass::ALL
            .into_iter()
            .map(|class| ClassScore {
                class,
                labelled: self.scored.iter().filter(|s| s.expected == class).count(),
                predicted: self.scored.iter().filter(|s| s.got.class == class).count(),
                right: self
                    .scored
                    .iter()
                    .filter(|s| s.expected == class && s.is_right())
                    .count(),
            })
            .filter(|c| c.labelled > 0 || c.predicted > 0)
            .collect()
    }

    /// The report as Markdown: the per-class table and the totals.
    #[must_use]
    pub fn markdown(&self) -> String {
        let pct =
            |r: Option<f64>| r.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0));
        let mut out = String::from(
            "| class | labelled | predicted | right | precision | recall |\n|---|---:|---:|---:|---:|---:|\n",
        );
        for c in self.per_class() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                c.class,
                c.labelled,
                c.predicted,
                c.right,
                pct(c.precision()),
                pct(c.recall())
            );
        }
        let _ = writeln!(
            out,
            "\nRows right: {}/{} ({:.1}%). Wrong class given with confidence (medium or high): {}.",
            self.right(),
            self.rows(),
            self.accuracy() * 100.0,
            self.confident_misses().len()
        );
        for m in self.misses() {
            let _ = writeln!(
                out,
                "Miss on line {}: labelled {}, said {} ({} confidence).",
                m.line,
                m.expected,
                m.got.class,
                m.got.confidence.as_str()
            );
        }
        out
    }
}

/// Evaluates a labelled table (a `message` and a `failure_class` column) read from `text`.
#[must_use]
pub fn evaluate(text: &str) -> Report {
    let mut report = Report::default();
    for row in input::parse(text) {
        match row {
            Ok(row) => {
                let label = row.column("failure_class").unwrap_or_default();
                match label_class(label) {
                    Some(expected) => report.scored.push(Scored {
                        line: row.line,
                        expected,
                        got: diagnose_row(&row),
                    }),
                    None => report
                        .problems
                        .push((row.line, format!("unknown label {label:?}"))),
                }
            }
            Err(e) => report.problems.push((e.line(), e.to_string())),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_failures_tsv_map_onto_classes() {
        assert_eq!(
            label_class("artifact/source-fetch-failed"),
            Some(FailureClass::SourceFetchFailed)
        );
        assert_eq!(label_class("drift/other"), Some(FailureClass::Other));
        assert_eq!(
            label_class("health-check-timeout"),
            Some(FailureClass::HealthCheckTimeout)
        );
        assert_eq!(label_class("nonsense"), None);
    }

    #[test]
    fn precision_and_recall_count_predictions_and_labels() {
        let text = "message\tfailure_class\n\
                    dependency 'a/b' is not ready\tdependency-not-ready\n\
                    kustomize build failed: x\tdependency-not-ready\n\
                    the cat sat on the mat\tbuild-failed\n";
        let r = evaluate(text);
        assert_eq!(r.rows(), 3);
        assert_eq!(r.right(), 1);
        let dep = r
            .per_class()
            .into_iter()
            .find(|c| c.class == FailureClass::DependencyNotReady)
            .unwrap();
        assert_eq!((dep.labelled, dep.predicted, dep.right), (2, 1, 1));
        assert_eq!(dep.precision(), Some(1.0));
        assert_eq!(dep.recall(), Some(0.5));
        // The build failure labelled as a dependency is a confident miss; the unclassified one is not.
        assert_eq!(r.confident_misses().len(), 1);
        assert!(r.markdown().contains("Rows right: 1/3"));
    }
}
