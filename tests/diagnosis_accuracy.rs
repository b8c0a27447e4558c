//! The classifier measured on two labelled sets of real failure messages:
//! - `fixtures/diagnosis/corpus.tsv`: at least 200 messages from issues of fluxcd and public GitOps repositories
//!   and the controllers' format strings, each with its provenance and expected key facts;
//! - `shared/data/failures.tsv`: the 31 messages the rules were first written against.
//!
//! On both: at least 95% of rows right and no wrong class given with confidence; on the corpus every expected
//! fact is found. The per-class tables in docs/diagnosis.md are this test's output: it fails when the document
//! is stale, and `FLUXOPS_UPDATE_DOCS=1 cargo test --test diagnosis_accuracy` rewrites them.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

use fluxops::diagnosis::FailureClass;
use fluxops::diagnosis::evaluate::{Report, evaluate, label_class};
use fluxops::diagnosis::input;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const FAILURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/failures.tsv");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/diagnosis/corpus.tsv");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnosis.md");

fn report(path: &str) -> Report {
    evaluate(&std::fs::read_to_string(path).unwrap())
}

fn data_rows(path: &str) -> Vec<input::Row> {
    input::parse(&std::fs::read_to_string(path).unwrap())
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// Where the corpus rows come from, counted by the `source` column.
fn provenance() -> String {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut repos = std::collections::BTreeSet::new();
    for row in data_rows(CORPUS) {
        let source = row.column("source").unwrap_or_default();
        let bucket = if source.contains("format string") {
            "controller and Kubernetes format strings (filled in), test fixtures"
        } else if source.starts_with("https://github.com/fluxcd/") {
            "issues and pull requests of fluxcd repositories"
        } else if source.starts_with("fluxcd/website:") || source.contains("/blob/") {
            "Flux documentation and test fixtures"
        } else if source.starts_with("https://github.com/") {
            "issues of other public repositories (GitOps repositories, charts, tools)"
        } else {
            "other"
        };
        *counts.entry(bucket).or_default() += 1;
        if let Some(rest) = source.strip_prefix("https://github.com/") {
            repos.insert(rest.split('/').take(2).collect::<Vec<_>>().join("/"));
        }
    }
    let mut out = String::from("| where the rows come from | rows |\n|---|---:|\n");
    for (bucket, n) in &counts {
        let _ = writeln!(out, "| {bucket} | {n} |");
    }
    let _ = writeln!(
        out,
        "\nRows from GitHub issues and pull requests: {} repositories.",
        repos.len()
    );
    out
}

fn section(doc: &str, begin: &str, end: &str, table: &str) -> Option<String> {
    let start = doc.find(begin)?;
    let stop = doc.find(end)?;
    (start < stop).then(|| format!("{}{begin}{table}{}", &doc[..start], &doc[stop..]))
}

#[test]
fn every_row_of_both_sets_is_read() {
    for path in [FAILURES, CORPUS] {
        let r = report(path);
        assert!(r.problems.is_empty(), "{path}: {:?}", r.problems);
        let lines = std::fs::read_to_string(path).unwrap();
        let rows = lines
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count();
        assert_eq!(r.rows(), rows, "{path}");
    }
}

#[test]
fn the_corpus_has_200_rows_with_provenance_and_known_labels() {
    let rows = data_rows(CORPUS);
    assert!(rows.len() >= 200, "{} rows", rows.len());
    let failures: Vec<String> = data_rows(FAILURES).into_iter().map(|r| r.message).collect();
    for row in &rows {
        let source = row.column("source").unwrap_or_default();
        assert!(source.len() > 10, "line {}: no source", row.line);
        let label = row.column("failure_class").unwrap_or_default();
        assert!(
            label_class(label).is_some(),
            "line {}: label {label}",
            row.line
        );
        assert!(
            !failures.contains(&row.message),
            "line {}: the corpus repeats failures.tsv",
            row.line
        );
    }
    // Every class the classifier gives, except the catch-alls, has labelled rows.
    for class in FailureClass::ALL {
        if class != FailureClass::Unclassified {
            assert!(
                rows.iter().any(
                    |r| label_class(r.column("failure_class").unwrap_or_default()) == Some(class)
                ),
                "{class}"
            );
        }
    }
}

#[test]
fn at_least_95_percent_of_each_set_is_classified_right() {
    for path in [FAILURES, CORPUS] {
        let r = report(path);
        assert!(
            r.accuracy() >= 0.95,
            "{path}: accuracy {:.3}\n{}",
            r.accuracy(),
            r.markdown()
        );
    }
}

#[test]
fn no_wrong_class_is_given_with_confidence() {
    for path in [FAILURES, CORPUS] {
        let r = report(path);
        let misses: Vec<_> = r
            .confident_misses()
            .iter()
            .map(|m| (m.line, m.expected, m.got.class, m.got.confidence))
            .collect();
        assert!(misses.is_empty(), "{path}: {misses:?}");
    }
}

#[test]
fn every_class_given_on_failures_tsv_has_full_precision() {
    // A class the classifier gives must be trusted: no row of another label lands in it.
    for c in report(FAILURES).per_class() {
        if c.predicted > 0 && c.class != FailureClass::Unclassified {
            assert_eq!(c.precision(), Some(1.0), "{c:?}");
        }
    }
}

#[test]
fn every_expected_fact_of_the_corpus_is_found() {
    let r = report(CORPUS);
    let misses: Vec<_> = r
        .scored
        .iter()
        .filter(|s| !s.fact_misses().is_empty())
        .map(|s| (s.line, s.fact_misses(), s.got.facts.clone()))
        .collect();
    assert!(misses.is_empty(), "{misses:#?}");
    assert!(r.facts_found().1 >= 150, "{:?}", r.facts_found());
}

#[test]
fn docs_diagnosis_md_shows_the_current_tables() {
    let doc = std::fs::read_to_string(DOC).unwrap();
    let corpus_table = format!("{}\n{}", report(CORPUS).markdown(), provenance());
    let sections = [
        (
            "<!-- accuracy:begin (generated by tests/diagnosis_accuracy.rs) -->\n",
            "<!-- accuracy:end -->",
            report(FAILURES).markdown(),
        ),
        (
            "<!-- corpus:begin (generated by tests/diagnosis_accuracy.rs) -->\n",
            "<!-- corpus:end -->",
            corpus_table,
        ),
    ];
    let mut updated = doc.clone();
    for (begin, end, table) in &sections {
        updated = section(&updated, begin, end, table)
            .unwrap_or_else(|| panic!("docs/diagnosis.md lacks the markers {begin}"));
    }
    if updated != doc {
        if std::env::var_os("FLUXOPS_UPDATE_DOCS").is_some() {
            std::fs::write(Path::new(DOC), updated).unwrap();
        } else {
            panic!(
                "docs/diagnosis.md is stale; run FLUXOPS_UPDATE_DOCS=1 cargo test --test diagnosis_accuracy"
            );
        }
    }
}
