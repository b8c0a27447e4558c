//! `fluxops config validate` through the binary: every problem of a file named with its line, exit 1; the
//! shipped themes and keymaps are clean (exit 0); the config directory by default.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn validate(args: &[&str], config_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(["config", "validate"])
        .args(args)
        .env("FLUXOPS_CONFIG_DIR", config_dir)
        .env("FLUXOPS_LOG_FILE", config_dir.join("fluxops.log"))
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_problem_of_a_keymap_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("fixtures/config/validate/keymap-many-problems.yaml");
    let out = validate(&[file.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let f = file.display();
    for want in [
        format!("{f}:4: unknown action 'expand_al'"),
        format!("{f}:5: 'x' is bound twice in navigator (first on line 3)"),
        format!("{f}:5: unknown key 'ctl-q'"),
        format!("{f}:7: unknown field 'descr' in a binding"),
        format!("{f}:8: unknown mode 'navigatr'"),
        format!("{f}:13: 'ctrl-c' always quits and cannot be unbound"),
        "6 problems found".to_owned(),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn every_problem_of_a_theme_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("fixtures/config/validate/theme-many-problems.yaml");
    let out = validate(&[file.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let f = file.display();
    for want in [
        format!("{f}:2: unknown colour 'grean'"),
        format!("{f}:3: unknown theme role 'titel'"),
        format!("{f}:5: unknown colour '#12345'"),
        format!("{f}:6: unknown modifier 'blinky'"),
        format!("{f}:7: unknown field 'colour' in border"),
    ] {
        assert!(text.contains(&want), "missing {want:?} in:\n{text}");
    }
}

/// Each of the loaders' invalid fixtures (`# expect: LINE: message`) fails validation at that line.
#[test]
fn every_invalid_fixture_fails_at_its_announced_line() {
    let dir = tempfile::tempdir().unwrap();
    let invalid = root().join("fixtures/config/invalid");
    let mut seen = 0;
    for entry in std::fs::read_dir(&invalid).unwrap() {
        let file = entry.unwrap().path();
        let text = std::fs::read_to_string(&file).unwrap();
        let expect = text
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# expect: ");
        let line = expect.split(':').next().unwrap();
        let out = validate(&[file.to_str().unwrap()], dir.path());
        assert_eq!(out.status.code(), Some(1), "{}", file.display());
        let want = format!("{}:{line}: ", file.display());
        assert!(stdout(&out).contains(&want), "{want} in:\n{}", stdout(&out));
        seen += 1;
    }
    assert!(seen >= 10);
}

#[test]
fn shipped_themes_and_keymaps_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for sub in ["themes", "keymaps"] {
        for entry in std::fs::read_dir(root().join(sub)).unwrap() {
            files.push(entry.unwrap().path().display().to_string());
        }
    }
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = validate(&args, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).matches(": ok (").count(), files.len());
}

#[test]
fn the_config_directory_is_checked_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = validate(&[], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("nothing to check"));
    std::fs::write(dir.path().join("theme.yaml"), "title: { fg: bluish }\n").unwrap();
    std::fs::write(
        dir.path().join("keymap.yaml"),
        "navigator:\n  - keys: [x]\n    action: expand_all\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("settings.yaml"), "readonly: perhaps\n").unwrap();
    let out = validate(&[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("theme.yaml:1: unknown colour 'bluish'"),
        "{text}"
    );
    assert!(text.contains("keymap.yaml: ok (keymap)"), "{text}");
    assert!(text.contains("settings.yaml:1:"), "{text}");
}

#[test]
fn unknown_kinds_and_missing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("colours.yaml");
    std::fs::write(&other, "title: { fg: blue }\n").unwrap();
    let out = validate(&[other.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("pass --kind"));
    let out = validate(&["--kind", "theme", other.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let missing = dir.path().join("theme.yaml");
    let out = validate(&[missing.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
}
