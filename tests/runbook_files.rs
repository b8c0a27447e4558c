//! Runbook files: every shipped runbook loads against the shipped catalog, each runbook id the diagnosis can
//! emit has a file (and every file is shipped in the binary), each shipped runbook ends its main path with a
//! verification and has a rollback branch; every invalid fixture fails with the `file:line: message` it
//! states in its last line (`<!-- expect: LINE: message -->`); the valid fixtures load.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::Catalog;
use fluxops::runbook::model::Block;
use fluxops::runbook::{library, load, validate};
use std::collections::BTreeSet;
use std::path::Path;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

#[test]
fn every_shipped_runbook_loads_and_every_file_is_shipped() {
    let runbooks = library::builtin(&catalog()).unwrap_or_else(|p| panic!("{p}"));
    let shipped: BTreeSet<String> = library::SHIPPED
        .iter()
        .map(|(p, _)| (*p).to_owned())
        .collect();
    let on_disk: BTreeSet<String> = library::files(Path::new("docs/runbooks"))
        .iter()
        .map(|p| format!("docs/runbooks/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert_eq!(shipped, on_disk);
    for runbook in &runbooks {
        let stem = runbook.file.file_stem().unwrap().to_string_lossy();
        assert_eq!(
            runbook.id,
            stem,
            "{}: the id is the file name",
            runbook.file.display()
        );
        assert!(
            !runbook.title.is_empty() && !runbook.summary.is_empty(),
            "{}",
            runbook.id
        );
    }
}

#[test]
fn every_runbook_the_diagnosis_names_has_a_file() {
    let ids: BTreeSet<String> = library::builtin(&catalog())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let missing: Vec<&str> = fluxops::diagnosis::next_step::CATALOGUE
        .iter()
        .map(|s| s.runbook)
        .filter(|id| !ids.contains(*id))
        .collect();
    assert!(missing.is_empty(), "no runbook for {missing:?}");
}

#[test]
fn every_shipped_runbook_ends_with_a_verification_and_has_a_rollback() {
    for runbook in library::builtin(&catalog()).unwrap() {
        // The last step of the main path that checks anything, and no action after it.
        let main: Vec<_> = runbook.steps.iter().filter(|s| !s.branch).collect();
        let last_check = main
            .iter()
            .rposition(|s| s.blocks.iter().any(|b| matches!(b, Block::Check(_))));
        let last_action = main
            .iter()
            .rposition(|s| s.blocks.iter().any(|b| matches!(b, Block::Action(_))));
        assert!(
            last_check.is_some(),
            "{}: no check on the main path",
            runbook.id
        );
        assert!(
            last_action <= last_check,
            "{}: an action after the last check",
            runbook.id
        );
        assert!(
            runbook.steps.iter().any(|s| s.branch && s.id == "rollback"),
            "{}: no rollback branch",
            runbook.id
        );
        assert!(validate::first(&runbook).is_some());
    }
}

#[test]
fn every_invalid_fixture_fails_naming_file_and_line() {
    let dir = Path::new("fixtures/runbooks/invalid");
    let files = library::files(dir);
    assert!(files.len() >= 15, "{files:?}");
    let mut wrong = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("<!-- expect: ")?.strip_suffix(" -->"))
            .unwrap_or_else(|| panic!("{}: no expect line", path.display()));
        let (line, message) = expect.split_once(": ").unwrap();
        let err = load::load_file(&path, &catalog()).expect_err(&path.display().to_string());
        let shown = err.to_string();
        let prefix = format!("{}:{line}: ", path.display());
        if !shown.starts_with(&prefix) || !shown.contains(message) {
            wrong.push(format!("{shown}\n  expected {prefix}{message}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn valid_fixtures_load() {
    let files = library::files(Path::new("fixtures/runbooks/valid"));
    assert!(!files.is_empty());
    for path in files {
        load::load_file(&path, &catalog()).unwrap_or_else(|p| panic!("{p}"));
    }
}
