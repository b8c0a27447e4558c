//! Every shipped theme and keymap parses (as a user patch over the defaults), every valid example parses, and
//! each file in fixtures/config/invalid/ fails with the message its first line announces
//! (`# expect: <line>: <message>`), naming the file, the line and the bad value.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use fluxops::config::{Config, ConfigPaths, ConfigProblem, Keymap, Theme};
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no files in {}", dir.display());
    out
}

fn parse(path: &Path) -> Result<(), ConfigProblem> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    if name.starts_with("keymap") || path.parent().is_some_and(|p| p.ends_with("keymaps")) {
        Keymap::builtin().unwrap().patched(&text, path).map(drop)
    } else {
        Theme::builtin().unwrap().patched(&text, path).map(drop)
    }
}

#[test]
fn builtin_theme_and_keymap_parse() {
    let config = Config::builtin();
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    assert_ne!(config.theme, Theme::default());
}

#[test]
fn every_shipped_theme_parses() {
    for path in files("themes") {
        let text = std::fs::read_to_string(&path).unwrap();
        Theme::builtin()
            .unwrap()
            .patched(&text, &path)
            .unwrap_or_else(|p| panic!("{p}"));
    }
}

#[test]
fn every_shipped_keymap_parses() {
    for path in files("keymaps") {
        let text = std::fs::read_to_string(&path).unwrap();
        Keymap::builtin()
            .unwrap()
            .patched(&text, &path)
            .unwrap_or_else(|p| panic!("{p}"));
    }
}

#[test]
fn valid_user_examples_parse() {
    for path in files("fixtures/config/valid") {
        parse(&path).unwrap_or_else(|p| panic!("{p}"));
    }
}

#[test]
fn invalid_files_fail_with_file_line_and_the_announced_message() {
    for path in files("fixtures/config/invalid") {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks '# expect: ' on line 1", path.display()));
        let (line, message) = expect.split_once(": ").unwrap();
        let problem = parse(&path).expect_err(&path.display().to_string());
        assert_eq!(problem.file, path, "{problem}");
        assert_eq!(problem.line, Some(line.parse().unwrap()), "{problem}");
        if message != "?" {
            assert_eq!(problem.message, message, "{}", path.display());
        }
        assert!(!problem.message.is_empty());
    }
}

#[test]
fn broken_user_file_falls_back_to_defaults_and_reports_one_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("theme.yaml"), "title: { fg: nope }\n").unwrap();
    let valid_keymap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/valid/keymap.yaml");
    std::fs::copy(valid_keymap, dir.path().join("keymap.yaml")).unwrap();
    let config = Config::load(Some(&ConfigPaths::at(dir.path())));
    assert_eq!(config.problems.len(), 1, "{:?}", config.problems);
    assert_eq!(config.problems[0].file, dir.path().join("theme.yaml"));
    assert_eq!(config.theme, Theme::builtin().unwrap());
    assert_ne!(
        config.keymap,
        Keymap::builtin().unwrap(),
        "the valid keymap still applies"
    );
}

#[test]
fn missing_user_files_mean_defaults_without_problems() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(Some(&ConfigPaths::at(dir.path())));
    assert!(config.problems.is_empty());
    assert_eq!(config.keymap, Keymap::builtin().unwrap());
}
