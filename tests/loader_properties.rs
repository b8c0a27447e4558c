//! The fuzz targets' entry points (`tests/fuzz/src/lib.rs`) as property tests in the normal suite: for the keymap,
//! theme, `.fluxops.yaml`, scenario and repository loaders and `fluxops diagnose`'s input, a few hundred texts
//! each — shipped files with random edits, YAML-shaped noise and arbitrary Unicode — with a fixed seed (the same
//! cases every run): no panic, every error names the file and a line of the text. The fuzzers
//! (`cd tests/fuzz && cargo +nightly fuzz run keymap`) search much further along the same checks.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

#[path = "fuzz/src/lib.rs"]
mod entry;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::path::Path;

const CASES: u32 = 300;

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(0x5eed_f1f0),
        failure_persistence: None,
        ..Config::default()
    })
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn yaml_files(rel_dir: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel_dir);
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// One edit: where (an index into the text's characters), what (insert, delete, replace, cut the rest, repeat
/// a line) and the text inserted.
type Edit = (Index, u8, String);

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut text: Vec<char> = seed.chars().collect();
    for (at, op, insert) in edits {
        let i = if text.is_empty() {
            0
        } else {
            at.index(text.len())
        };
        match op {
            0 => {
                text.splice(i..i, insert.chars());
            }
            1 => {
                let end = (i + insert.len().max(1)).min(text.len());
                text.drain(i..end);
            }
            2 => {
                let end = (i + 1).min(text.len());
                text.splice(i..end, insert.chars());
            }
            3 => text.truncate(i),
            _ => {
                // Repeat the line around `i` (deep nesting and duplicate keys come from this).
                let start = text[..i]
                    .iter()
                    .rposition(|c| *c == '\n')
                    .map_or(0, |p| p + 1);
                let end = text[i..]
                    .iter()
                    .position(|c| *c == '\n')
                    .map_or(text.len(), |p| i + p + 1);
                let line: Vec<char> = text[start..end].to_vec();
                text.splice(start..start, line);
            }
        }
    }
    text.into_iter().collect()
}

/// Shipped files with edits (most cases), YAML-shaped noise, and arbitrary Unicode.
fn texts(seeds: Vec<String>) -> impl Strategy<Value = String> {
    let edit = (
        any::<Index>(),
        0u8..5,
        prop_oneof![
            "[ -~]{0,6}",
            Just("\n".to_owned()),
            Just(": ".to_owned()),
            Just("- ".to_owned()),
            Just("  ".to_owned()),
            Just("&a ".to_owned()),
            Just("*a".to_owned()),
            Just("{".to_owned()),
            Just("[".to_owned()),
            Just("\t".to_owned()),
            Just("\u{1b}[2J".to_owned()),
            Just("é\u{200d}".to_owned()),
        ],
    );
    let mutated = (
        proptest::sample::select(seeds),
        proptest::collection::vec(edit, 1..10),
    )
        .prop_map(|(seed, edits)| apply(&seed, &edits));
    prop_oneof![
        6 => mutated,
        2 => "[a-zA-Z0-9_:{}\\[\\],\\-|>&*!#'\" \n.\t]{0,300}",
        1 => any::<String>(),
    ]
}

fn run(seeds: Vec<String>, check: fn(&str)) {
    assert!(!seeds.is_empty());
    runner()
        .run(&texts(seeds), |text| {
            check(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn keymap_loader_never_panics_and_names_file_and_line() {
    let mut seeds = yaml_files("keymaps");
    seeds.extend(yaml_files("fixtures/config/invalid"));
    seeds.push(read("fixtures/config/valid/keymap.yaml"));
    run(seeds, entry::keymap);
}

#[test]
fn theme_loader_never_panics_and_names_file_and_line() {
    let mut seeds = yaml_files("themes");
    seeds.push(read("fixtures/config/valid/theme.yaml"));
    run(seeds, entry::theme);
}

#[test]
fn follow_settings_loader_never_panics_and_names_file_and_line() {
    let seeds = vec![
        "follow:\n  timeout: 15m\n  kinds: [Kustomization, HelmRelease]\n  output: text\n  color: auto\n  timestamps: false\n  failFast: true\n  retries: 5\n".to_owned(),
        "follow: {}\n".to_owned(),
        "follow:\n  timeout: 1m 30s\n  kinds: [ks]\n  output: json\n".to_owned(),
    ];
    run(seeds, entry::follow_settings);
}

#[test]
fn scenario_loader_never_panics_and_names_file_and_line() {
    let mut seeds = yaml_files("fixtures/scenarios");
    seeds.extend(yaml_files("fixtures/scenarios-invalid"));
    run(seeds, entry::scenario);
}

#[test]
fn repository_loader_never_panics_and_names_file_and_line() {
    let mut seeds = yaml_files("fixtures/flux");
    seeds.push(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources: [a.yaml]\npatches:\n  - path: p.yaml\n    target: {kind: HelmRelease}\n".to_owned(),
    );
    run(seeds, entry::repository);
}

#[test]
fn diagnose_input_never_panics_and_names_lines() {
    let failures = read("../shared/data/failures.tsv");
    let table: String = failures.lines().take(40).collect::<Vec<_>>().join("\n");
    let plain: String = failures
        .lines()
        .skip(1)
        .take(40)
        .filter_map(|l| l.split('\t').nth(3))
        .collect::<Vec<_>>()
        .join("\n");
    run(vec![table, plain], entry::diagnose);
}
