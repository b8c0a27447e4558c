//! How well the classifier does on labelled messages: per-class precision and recall, rows right, the misses
//! given with confidence (which must not exist), and the expected facts found. Used by the accuracy test over
//! `shared/data/failures.tsv` and the corpus of `fixtures/diagnosis/corpus.tsv`, which also writes the tables into
//! docs/diagnosis.md.
//!
//! A labelled table has a `message` column and a `failure_class` column (a class name, or a label of
//! failures.tsv such as `auth/permission-denied`); an optional `facts` column lists expected facts as
//! `key=value` pairs separated by `; ` (keys as in `fluxops diagnose`'s JSON: `object`, `field`, `dependency`,
//! `release`, `chart`, `version`, `url`, `detail`; `waited_on` must be one of the resources listed).

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
    /// Expected facts as (key, value).
    pub expected_facts: Vec<(String, String)>,
    pub got: Diagnosis,
}

/// The expected facts of a `facts` column: `key=value` pairs separated by `;`; `-` or empty for none.
#[must_use]
pub fn parse_facts(column: &str) -> Vec<(String, String)> {
    column
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "-")
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Whether the diagnosis has the expected fact: the same value, or for `waited_on` one of the resources.
#[must_use]
pub fn has_fact(got: &Diagnosis, key: &str, value: &str) -> bool {
    let f = &got.facts;
    let single = match key {
        "object" => &f.object,
        "field" => &f.field,
        "dependency" => &f.dependency,
        "release" => &f.release,
        "chart" => &f.chart,
        "version" => &f.version,
        "url" => &f.url,
        "detail" => &f.detail,
        "waited_on" => return f.waited_on.iter().any(|w| w == value),
        _ => return false,
    };
    single.as_deref() == Some(value)
}

impl Scored {
    /// The expected facts the diagnosis lacks or has with another value.
    #[must_use]
    pub fn fact_misses(&self) -> Vec<&(String, String)> {
        self.expected_facts
            .iter()
            .filter(|(k, v)| !has_fact(&self.got, k, v))
            .collect()
    }

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
    /// Rows that could not be read or carry an unknown label: (line, problem starting `line N: `).
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

    /// Expected facts checked, and how many were found.
    #[must_use]
    pub fn facts_found(&self) -> (usize, usize) {
        let expected: usize = self.scored.iter().map(|s| s.expected_facts.len()).sum();
        let missed: usize = self.scored.iter().map(|s| s.fact_misses().len()).sum();
        (expected - missed, expected)
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
        let (found, expected) = self.facts_found();
        if expected > 0 {
            let _ = writeln!(out, "Expected facts found: {found}/{expected}.");
        }
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
        for s in &self.scored {
            let missed = s.fact_misses();
            if !missed.is_empty() {
                let missed: Vec<String> = missed.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(
                    out,
                    "Facts missed on line {}: {} (found: {}).",
                    s.line,
                    missed.join("; "),
                    s.got.headline()
                );
            }
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
                let Some(label) = row.column("failure_class") else {
                    let problem = format!("line {}: no `failure_class` column", row.line);
                    report.problems.push((row.line, problem));
                    continue;
                };
                match label_class(label) {
                    Some(expected) => report.scored.push(Scored {
                        line: row.line,
                        expected,
                        expected_facts: parse_facts(row.column("facts").unwrap_or_default()),
                        got: diagnose_row(&row),
                    }),
                    None => report.problems.push((
                        row.line,
                        format!("line {}: unknown label {label:?}", row.line),
                    )),
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

    #[test]
    fn expected_facts_are_checked_by_value_and_waited_on_by_membership() {
        let text = "message\tfailure_class\tfacts\n\
                    dependency 'a/b' is not ready\tdependency-not-ready\tdependency=a/b\n\
                    dependency 'a/b' is not ready\tdependency-not-ready\tdependency=a/c; object=x\n\
                    Health check timed out for [Job 'a/j', Job 'a/k']\thealth-check-timeout\twaited_on=Job/a/k\n\
                    kustomize build failed: x\tbuild-failed\t-\n";
        let r = evaluate(text);
        assert_eq!(r.facts_found(), (2, 4));
        assert_eq!(r.scored[1].fact_misses().len(), 2);
        assert!(r.markdown().contains("Expected facts found: 2/4."));
        assert_eq!(
            parse_facts(" object=a/b ;field=spec.x; -"),
            vec![
                ("object".to_owned(), "a/b".to_owned()),
                ("field".to_owned(), "spec.x".to_owned())
            ]
        );
    }
}
