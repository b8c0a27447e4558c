//! What must hold for any text given to a loader of user files: it returns (no panic, no hang) and every error it
//! reports names the file it was given and, when it gives a line, a line of that text. One function per loader,
//! each calling the loader's pure `parse(text, file)` entry (no file system):
//! - the fuzz targets in `fuzz_targets/` (cargo-fuzz, libFuzzer) call them on arbitrary input;
//! - `tests/loader_properties.rs` includes this file and runs them as property tests (proptest, fixed seed, a few
//!   hundred cases each) in the normal test suite.

use fluxops::config::{ConfigProblem, Keymap, Theme};
use std::path::Path;

/// The lines an error may point at: those of the text, and the one after its end.
fn max_line(text: &str) -> u64 {
    u64::try_from(text.lines().count()).unwrap_or(u64::MAX) + 1
}

fn check_problem(p: &ConfigProblem, file: &Path, text: &str) {
    assert_eq!(p.file, file, "{p}");
    assert!(!p.message.trim().is_empty(), "empty message: {p:?}");
    if let Some(line) = p.line {
        assert!(
            line >= 1 && line <= max_line(text),
            "line out of the text: {p}"
        );
    }
    assert!(
        p.to_string().starts_with(&file.display().to_string()),
        "{p}"
    );
}

/// A user `keymap.yaml` patched onto the default keymap; a keymap that loads keeps the rules.
pub fn keymap(text: &str) {
    let file = Path::new("fuzz/keymap.yaml");
    let Ok(base) = Keymap::builtin() else {
        return;
    };
    match base.patched(text, file) {
        Ok(km) => assert!(
            fluxops::config::keymap_rules::clashes(&km).is_empty(),
            "a loaded keymap breaks the rules"
        ),
        Err(p) => check_problem(&p, file, text),
    }
}

/// A user `theme.yaml` applied onto the default theme.
pub fn theme(text: &str) {
    let file = Path::new("fuzz/theme.yaml");
    let Ok(base) = Theme::builtin() else {
        return;
    };
    if let Err(p) = base.patched(text, file) {
        check_problem(&p, file, text);
    }
}

/// A `.fluxops.yaml` (the settings of `fluxops follow`).
pub fn follow_settings(text: &str) {
    let file = Path::new("fuzz/.fluxops.yaml");
    if let Err(p) = fluxops::follow::FollowSettings::default().patched(text, file) {
        check_problem(&p, file, text);
    }
}

/// A simulator scenario file.
pub fn scenario(text: &str) {
    use fluxops::sim::scenario::{Scenario, ScenarioError};
    let file = Path::new("fuzz/scenario.yaml");
    match Scenario::parse(text, file) {
        Ok(_) => {}
        Err(ScenarioError::Invalid {
            file: named,
            line,
            problem,
        }) => {
            assert_eq!(named, file);
            assert!(!problem.trim().is_empty());
            assert!(
                line <= max_line(text),
                "line {line} out of the text: {problem}"
            );
        }
        Err(other) => assert!(
            other.to_string().starts_with(&file.display().to_string()),
            "{other}"
        ),
    }
}

/// One file of a GitOps repository (Flux objects), and the same text as a `kustomization.yaml`.
pub fn repository(text: &str) {
    for name in [
        "fuzz/clusters/prod/apps.yaml",
        "fuzz/apps/kustomization.yaml",
    ] {
        let file = Path::new(name);
        let load = fluxops::flux::repo::parse(text, file);
        for p in &load.problems {
            assert_eq!(p.file, file, "{p}");
            assert!(!p.message.trim().is_empty(), "{p:?}");
            if let Some(line) = p.line {
                let line = u64::try_from(line).unwrap_or(u64::MAX);
                assert!(line >= 1 && line <= max_line(text), "{p}");
            }
        }
        assert_eq!(load.objects.len(), load.origins.len());
    }
}

/// The input of `fluxops diagnose`: every row is diagnosed, every bad row names a line of the text.
pub fn diagnose(text: &str) {
    use fluxops::diagnosis::evaluate::diagnose_row;
    for row in fluxops::diagnosis::input::parse(text) {
        match row {
            Ok(row) => {
                assert!(row.line >= 1 && row.line <= max_line(text), "{row:?}");
                let d = diagnose_row(&row);
                assert!(!d.headline().trim().is_empty(), "{row:?}");
            }
            Err(e) => {
                assert!(e.line() >= 1 && e.line() <= max_line(text), "{e}");
            }
        }
    }
}
