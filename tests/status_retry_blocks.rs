//! Status derivation through a retry, on the real status blocks (`../shared/data/status-blocks/`): every
//! `kubectl describe` block is taken as the status a controller left, then turned into the status of the next
//! run's first seconds as the controllers write it (fluxcd/pkg `ProgressiveStatus`: `Reconciling=True`
//! `Progressing`; `Ready=Unknown` for a source building an artifact and for every Kustomization and HelmRelease
//! run; the source's failure conditions left as they were). A failing block stays Failing (retrying) with its
//! reason and message, from the object alone when it still carries a failure condition and otherwise from the
//! status seen before; a stalled block stays Stalled; a ready block is only in progress.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

mod block_text;
#[path = "status_blocks/expected.rs"]
#[allow(
    dead_code,
    reason = "the shared expectation list has forms (tables, objects, goldens) this test does not read"
)]
mod expected;

use block_text::describe_status;
use expected::{Expect, blocks};
use fluxops::flux::retry::{FAILED_WHEN_TRUE, summarize_after};
use fluxops::flux::status::summarize;
use fluxops::flux::{FluxObject, Health};
use serde_json::{Value, json};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/status-blocks");

fn block(rel: &str) -> FluxObject {
    let text = std::fs::read_to_string(Path::new(DATA).join(rel)).unwrap();
    let status = describe_status(&text).unwrap();
    serde_json::from_value(json!({
        "metadata": {"name": "block", "uid": "u1"},
        "status": status
    }))
    .unwrap()
}

/// The status at the start of the next run.
fn next_run(before: &FluxObject) -> FluxObject {
    let mut v: Value = serde_json::to_value(before).unwrap();
    let conditions = v["status"]["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["type"] != "Reconciling");
    for c in conditions.iter_mut() {
        if c["type"] == "Ready" {
            c["status"] = json!("Unknown");
            c["reason"] = json!("Progressing");
            c["message"] = json!("reconciliation in progress");
        }
    }
    conditions.push(
        json!({"type": "Reconciling", "status": "True", "reason": "Progressing",
        "message": "building artifact"}),
    );
    serde_json::from_value(v).unwrap()
}

fn has_failure_condition(obj: &FluxObject) -> bool {
    obj.status
        .conditions
        .iter()
        .any(|c| c.status == "True" && FAILED_WHEN_TRUE.contains(&c.type_.as_str()))
}

#[test]
fn every_described_status_keeps_its_health_through_the_next_runs_first_seconds() {
    let mut checked = [0usize; 3];
    for (rel, expect) in blocks() {
        let Expect::Describe {
            health,
            reason,
            retrying,
        } = expect
        else {
            continue;
        };
        let before = block(&rel);
        let was = summarize(&before);
        assert_eq!(
            (was.health, was.reason.as_str(), was.retrying),
            (health, reason, retrying),
            "{rel}"
        );
        let running = next_run(&before);
        let now = summarize_after(Some((&before, &was)), &running);
        match health {
            Health::Failing => {
                assert_eq!(now.health, Health::Failing, "{rel}: {now:?}");
                assert!(now.retrying, "{rel}");
                if has_failure_condition(&before) {
                    // The object alone says it: a console started in the middle of the run agrees.
                    let alone = summarize(&running);
                    assert_eq!(alone.health, Health::Failing, "{rel}: {alone:?}");
                    assert_eq!(alone.message, was.message, "{rel}");
                    checked[0] += 1;
                } else {
                    assert_eq!(
                        (now.reason.as_str(), now.message.as_str()),
                        (was.reason.as_str(), was.message.as_str()),
                        "{rel}"
                    );
                    checked[1] += 1;
                }
            }
            Health::Stalled => {
                assert_eq!(now.health, Health::Stalled, "{rel}");
                checked[2] += 1;
            }
            _ => assert_ne!(
                now.health,
                Health::Failing,
                "{rel}: a ready object starting a run is not failing"
            ),
        }
    }
    assert!(checked.iter().all(|n| *n > 0), "{checked:?}");
}
