//! `fluxops diagnose` through the real binary: the labelled failures of `shared/data/failures.tsv`, messages on
//! standard input, and bad input (an unreadable file, a table without `message` column, a short row), which is
//! reported with file and line while the other rows are still printed and the exit code is 1; `--score` on
//! labelled tables (the per-class report, exit 2 on a wrong class given with confidence).

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

use fluxops::diagnosis::evaluate::label_class;
use fluxops::diagnosis::input;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const FAILURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/failures.tsv");

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .arg("diagnose")
        .args(args)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn failures_tsv_gives_one_json_line_per_row_with_the_labelled_class() {
    let out = run(&[FAILURES], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let lines = json_lines(&out);
    let text = std::fs::read_to_string(FAILURES).unwrap();
    let rows: Vec<_> = input::parse(&text)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(lines.len(), rows.len());
    let mut right = 0;
    for (line, row) in lines.iter().zip(&rows) {
        assert_eq!(line["file"], FAILURES);
        assert_eq!(line["line"], row.line);
        let expected = label_class(row.column("failure_class").unwrap()).unwrap();
        if line["class"] == expected.as_str() {
            right += 1;
        } else {
            assert!(
                line["class"] == "unclassified" || line["confidence"] == "low",
                "confident miss: {line}"
            );
        }
        assert!(line["next_step"]["runbook"].is_string());
        assert!(line["facts"].is_object());
    }
    assert!(right * 100 >= rows.len() * 95, "{right}/{}", rows.len());
}

#[test]
fn messages_on_stdin_one_per_line_are_numbered_by_line() {
    let stdin = "dependency 'flux-system/infra' is not ready\n\nsomething nobody knows\nHelm install failed: timed out waiting for the condition\n";
    for args in [&[][..], &["-"][..]] {
        let out = run(args, stdin);
        assert!(out.status.success());
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["file"], "-");
        assert_eq!(lines[0]["line"], 1);
        assert_eq!(lines[0]["class"], "dependency-not-ready");
        assert_eq!(lines[0]["facts"]["dependency"], "flux-system/infra");
        assert_eq!(lines[1]["line"], 3);
        assert_eq!(lines[1]["class"], "unclassified");
        assert_eq!(lines[1]["confidence"], "low");
        assert_eq!(lines[2]["line"], 4);
        assert_eq!(lines[2]["class"], "helm-install-failed");
        assert_eq!(lines[2]["next_step"]["runbook"], "helm-wait-timeout");
    }
}

#[test]
fn kind_and_reason_columns_are_used_when_the_message_says_little() {
    let stdin = "kind\tcondition_reason\tmessage\nHelmRelease\tUpgradeFailed\tsomething odd\n";
    let out = run(&[], stdin);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["class"], "helm-upgrade-failed");
    assert_eq!(lines[0]["confidence"], "medium");
}

#[test]
fn bad_input_is_named_by_file_and_line_and_the_good_rows_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.tsv");
    std::fs::write(
        &short,
        "kind\tmessage\nKustomization\tdependency 'a/b' is not ready\nonly-one-column\nKustomization\tkustomize build failed: x\n",
    )
    .unwrap();
    let no_message = dir.path().join("nomsg.tsv");
    std::fs::write(&no_message, "kind\treason\nHelmRelease\tInstallFailed\n").unwrap();
    let missing = dir.path().join("missing.txt");
    let out = run(
        &[
            missing.to_str().unwrap(),
            short.to_str().unwrap(),
            no_message.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(
        stderr.contains(&format!("{}: cannot read", missing.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}: line 3: 1 columns, the header has 2",
            short.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}: line 1: the table header has no `message` column",
            no_message.display()
        )),
        "{stderr}"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["class"], "dependency-not-ready");
    assert_eq!(lines[1]["line"], 4);
    assert_eq!(lines[1]["class"], "build-failed");
}

#[test]
fn escape_sequences_in_messages_do_not_reach_the_output_raw() {
    let out = run(&[], "dependency 'a/b\x1b]0;pwned\x07' is not ready\n");
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!stdout.contains('\x1b') && !stdout.contains('\x07'));
    assert_eq!(json_lines(&out)[0]["class"], "dependency-not-ready");
}

#[test]
fn score_prints_precision_and_recall_and_fails_on_a_confident_wrong_class() {
    // failures.tsv: the per-class table, every row right, exit 0.
    let out = run(&["--score", FAILURES], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("| class | labelled | predicted | right | precision | recall |"));
    assert!(text.contains("Wrong class given with confidence (medium or high): 0."));
    // A mislabelled row is a confident wrong class (exit 2), a missed fact is named, an unlabelled table is bad input.
    let table = "message\tfailure_class\tfacts\n\
                 dependency 'a/b' is not ready\tbuild-failed\t-\n\
                 dependency 'a/b' is not ready\tdependency-not-ready\tdependency=a/c\n";
    let out = run(&["--score", "-"], table);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(
        "Miss on line 2: labelled build-failed, said dependency-not-ready (high confidence)."
    ));
    assert!(text.contains("Facts missed on line 3: dependency=a/c"));
    // The report quotes the file's expected facts: never an escape sequence to the terminal.
    let out = run(
        &["--score", "-"],
        "message\tfailure_class\tfacts\nx\tbuild-failed\tobject=a\u{1b}[2Jb\n",
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    let out = run(&["--score", "-"], "message\tkind\nx\tKustomization\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: no `failure_class` column"));
}
