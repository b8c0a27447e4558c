//! The runbook walker through the real binary on `--demo` (issue 10): `R` on the first problem walks the runbook
//! its diagnosis names; `p` pauses it, which saves the walk in the data directory where `fluxops runbook run`
//! finds it (a pause entry, the target bound); `w` writes the transcript there too, naming the operator by the
//! cluster's identity (SelfSubjectReview), not `$USER`. `n` on the snapshot screen (`6`) takes a snapshot of
//! the console's scope that reads back verified.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions: a broken expectation must fail loudly"
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::pty::Console;

fn files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn r_walks_the_diagnosed_runbook_and_pause_and_transcript_land_in_the_data_directory() {
    let mut console = Console::spawn(&["--demo"]);
    console.wait_ready();
    // The demo has failures: the Problems screen (`0`) lists them, the worst first, selected by `j` then `k`.
    console.type_bytes(b"0");
    std::thread::sleep(Duration::from_millis(300));
    console.type_bytes(b"j");
    std::thread::sleep(Duration::from_millis(300));
    console.type_bytes(b"k");
    std::thread::sleep(Duration::from_millis(300));
    console.type_bytes(b"R");
    let walks = console.data.join("runbooks");
    // The walk is saved as soon as it has begun on the walker screen.
    console.wait_until("the walker", Duration::from_secs(30), |_| {
        files(&walks)
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "json"))
    });
    std::thread::sleep(Duration::from_millis(300));
    console.type_bytes(b"p");
    console.wait_until("the paused walk saved", Duration::from_secs(30), |_| {
        files(&walks).iter().any(|p| {
            p.extension().is_some_and(|e| e == "json")
                && std::fs::read_to_string(p).is_ok_and(|t| t.contains("\"pause\""))
        })
    });
    console.type_bytes(b"w");
    let transcripts = walks.join("transcripts");
    console.wait_until("the transcript", Duration::from_secs(30), |_| {
        files(&transcripts)
            .iter()
            .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("walk paused by")))
    });
    // The operator is the cluster's identity of the console's user (the audit's), not the local $USER.
    let transcript = files(&transcripts)
        .into_iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap();
    assert!(
        transcript.contains("- Operator: fluxops-sim\n"),
        "{transcript}"
    );
    let walk = files(&walks)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&walk).unwrap()).unwrap();
    assert!(saved["outcome"].is_null(), "paused, not ended: {saved}");
    assert!(saved["binding"]["target"]["name"].is_string());
    console.type_bytes(b"q");
}

#[test]
fn n_on_the_snapshot_screen_takes_a_snapshot_that_is_verified_and_listed() {
    let mut console = Console::spawn(&["--demo"]);
    console.wait_ready();
    console.type_bytes(b"6");
    std::thread::sleep(Duration::from_millis(300));
    console.type_bytes(b"n");
    let snapshots = console.data.join("snapshots");
    console.wait_until("the snapshot written", Duration::from_secs(60), |_| {
        files(&snapshots)
            .iter()
            .any(|d| d.join("manifest.json").is_file())
    });
    let dir = files(&snapshots)
        .into_iter()
        .find(|d| d.join("manifest.json").is_file())
        .unwrap();
    // What the console wrote is a whole snapshot: it reads back and verifies, with the demo's objects.
    let snapshot = fluxops::snapshot::store::load(&dir).unwrap();
    assert!(snapshot.objects.len() > 10, "{}", snapshot.objects.len());
    assert_eq!(snapshot.manifest.scope, "all namespaces");
    assert!(
        snapshot.manifest.cluster.starts_with("http"),
        "{}",
        snapshot.manifest.cluster
    );
    // The screen says so.
    console.wait_until("the words on the screen", Duration::from_secs(30), |c| {
        support::pty::contains(&c.output(), b" taken: ")
    });
    console.type_bytes(b"q");
}
