//! Status derivation proven on real status blocks: every file of `../shared/data/status-blocks/` (Flux docs
//! blocks and the flux CLI's own test fixtures) is either checked against `summarize` or listed in [`BLOCKS`]
//! with the reason it carries no derivable status. A file that appears without an entry fails the test.
//!
//! Where the expected values come from:
//! - `kubectl describe` blocks: the health the doc's narrative gives the block (Stalled for `Stalled=True`,
//!   Failing with a pending retry for `Ready=False` + `Reconciling=True ProgressingWithRetry`, …) and the reason
//!   the block shows on the deciding condition.
//! - `flux get` / `kubectl get` rows: the READY / SUSPENDED / MESSAGE columns (a row is rebuilt as an object with
//!   that Ready condition); rows whose narrative says more (a HelmRelease waiting on its chart, retries
//!   exhausted) are listed with the health the narrative gives.
//! - flux CLI fixtures: objects with `status:` against the `flux get` / `flux trace` golden output produced from
//!   them by the flux CLI's own tests.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns; a failed unwrap is a failed test"
)]

mod block_text;
#[path = "status_blocks/expected.rs"]
mod expected;

use Expect::{Describe, FreshStatus, Golden, NoStatus, Objects, Tables};
use Health::{Blocked, Failing, InProgress, Ready, Stalled, Unknown};
use block_text::{Row, describe_status, tables, truncate_hex, yaml_documents};
use expected::{CLI, Expect, SC, blocks};
use fluxops::flux::status::{StatusSummary, summarize};
use fluxops::flux::{FluxObject, Health};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

fn blocks_dir() -> PathBuf {
    Path::new(DATA).join("status-blocks")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(blocks_dir().join(rel)).unwrap()
}

fn files_under(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else {
            out.insert(
                path.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

fn parse_object(value: Value) -> FluxObject {
    serde_json::from_value(value).unwrap()
}

fn describe_object(rel: &str) -> FluxObject {
    let status = describe_status(&read(rel)).unwrap_or_else(|| unreachable!("{rel}: no Status"));
    parse_object(json!({"metadata": {"name": "block"}, "status": status}))
}

/// Objects in a YAML file that are Flux objects (a `*.toolkit.fluxcd.io` group).
fn flux_objects(rel: &str) -> Vec<FluxObject> {
    yaml_documents(&read(rel))
        .into_iter()
        .filter(|d| {
            d["apiVersion"]
                .as_str()
                .is_some_and(|v| v.contains("toolkit.fluxcd.io/"))
        })
        .map(parse_object)
        .collect()
}

/// The READY column `flux get` shows for a derived status (cmd/flux get: the Ready condition's status, or
/// `False` / "waiting to be reconciled" without one).
fn ready_column(s: &StatusSummary) -> &'static str {
    match s.health {
        Ready => "True",
        Failing | Blocked | Stalled | Unknown => "False",
        InProgress => "Unknown",
        Health::Suspended => "",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

fn check_describe(rel: &str, health: Health, reason: &str, retrying: bool) {
    let obj = describe_object(rel);
    assert!(
        !obj.status.conditions.is_empty(),
        "{rel}: no conditions read"
    );
    let s = summarize(&obj);
    assert_eq!(s.health, health, "{rel}: {s:?}");
    assert_eq!(s.reason, reason, "{rel}");
    assert_eq!(s.retrying, retrying, "{rel}");
    let deciding = obj
        .status
        .conditions
        .iter()
        .find(|c| {
            c.type_
                == if health == Stalled {
                    "Stalled"
                } else {
                    "Ready"
                }
        })
        .unwrap();
    assert_eq!(s.message, deciding.message, "{rel}");
}

/// A table row rebuilt as the object it shows: its Ready condition and `spec.suspend`.
fn row_object(row: &Row) -> Option<FluxObject> {
    let ready = row.get("READY")?;
    let message = row.get("MESSAGE").or_else(|| row.get("STATUS"))?;
    let suspend = row.get("SUSPENDED").map(|s| s == "True");
    Some(parse_object(json!({
        "metadata": {"name": row.get("NAME")?},
        "spec": {"suspend": suspend},
        "status": {"conditions": [{"type": "Ready", "status": ready, "message": message}]}
    })))
}

fn check_tables(rel: &str, narrative: &[(&str, Health)]) {
    let tables = tables(&read(rel));
    let mut checked = 0;
    for row in tables.iter().flatten() {
        let Some(obj) = row_object(row) else {
            continue;
        };
        let name = row.get("NAME").unwrap();
        let by_columns = match (row.get("SUSPENDED"), row.get("READY")) {
            (Some("True"), _) => Health::Suspended,
            (_, Some("True")) => Ready,
            (_, Some("False")) => Failing,
            (_, Some("Unknown")) => InProgress,
            other => unreachable!("{rel}: {name}: unexpected columns {other:?}"),
        };
        let want = narrative
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(by_columns, |(_, h)| *h);
        let s = summarize(&obj);
        assert_eq!(s.health, want, "{rel}: row {name}: {s:?}");
        assert_eq!(
            Some(s.message.as_str()),
            row.get("MESSAGE").or_else(|| row.get("STATUS")),
            "{rel}: row {name}"
        );
        checked += 1;
    }
    assert!(checked > 0, "{rel}: no table row with READY read");
    let rows: usize = tables.iter().map(Vec::len).sum();
    assert!(
        rows - checked <= 2,
        "{rel}: {checked} of {rows} rows checked (only alert/provider rows lack READY)"
    );
    for (name, _) in narrative {
        assert!(
            tables.iter().flatten().any(|r| r.get("NAME") == Some(name)),
            "{rel}: no row {name}"
        );
    }
}

fn check_objects(rel: &str, expected: &[(&str, Health)]) {
    let objects = flux_objects(rel);
    for obj in &objects {
        let has_status = obj.status != fluxops::flux::api::Status::default();
        match expected.iter().find(|(n, _)| *n == obj.name()) {
            Some((_, want)) => {
                let s = summarize(obj);
                assert_eq!(s.health, *want, "{rel}: {} {}: {s:?}", obj.kind, obj.name());
                if s.health == Unknown {
                    assert_eq!(s.message, "waiting to be reconciled", "{rel}");
                }
            }
            None => assert!(
                !has_status,
                "{rel}: {} {} has a status but no expectation",
                obj.kind,
                obj.name()
            ),
        }
    }
    for (name, _) in expected {
        assert!(
            objects.iter().any(|o| o.name() == *name),
            "{rel}: no object {name}"
        );
    }
}

/// `flux debug … --show-status` of an object the test just created: `observedGeneration: -1` (the CRD
/// default) with the generation 1 the apiserver gives every new object: no Ready condition yet, so the message
/// `flux get` shows for it, "waiting to be reconciled" (FLUX.md §10).
fn check_fresh_status(rel: &str) {
    let docs = yaml_documents(&read(rel));
    let status = docs.first().unwrap();
    let obj =
        parse_object(json!({"metadata": {"name": "test", "generation": 1}, "status": status}));
    let s = summarize(&obj);
    assert_eq!(s.health, Unknown, "{rel}");
    assert_eq!(s.message, "waiting to be reconciled");
    assert!(!s.generation_observed, "{rel}");
}

fn check_get_golden(rel: &str, objects_rel: &str) {
    let objects = flux_objects(&format!("{CLI}{objects_rel}"));
    let rows: Vec<Row> = tables(&read(rel)).into_iter().flatten().collect();
    assert!(!rows.is_empty(), "{rel}: no rows");
    for row in &rows {
        let name = row.get("NAME").unwrap();
        let obj = objects.iter().find(|o| o.name() == name).unwrap();
        let s = summarize(obj);
        assert_eq!(
            row.get("READY"),
            Some(ready_column(&s)),
            "{rel}: {name}: {s:?}"
        );
        assert_eq!(
            row.get("SUSPENDED"),
            Some(yes_no(s.health == Health::Suspended)),
            "{rel}: {name}"
        );
        assert_eq!(
            row.get("MESSAGE"),
            Some(truncate_hex(&s.message).as_str()),
            "{rel}: {name}"
        );
        let revision = obj
            .status
            .artifact
            .as_ref()
            .map_or(String::new(), |a| truncate_hex(&a.revision));
        assert_eq!(
            row.get("REVISION"),
            Some(revision.as_str()),
            "{rel}: {name}"
        );
    }
    // `--status-selector ready=true|false|!=true` selects on the READY column.
    let file = Path::new(rel)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let selector: Option<fn(&str) -> bool> = match file.as_str() {
        "get_status_ready_true" => Some(|r| r == "True"),
        "get_status_ready_false" => Some(|r| r == "False"),
        "get_status_ready_not_true" => Some(|r| r != "True"),
        _ => None,
    };
    if let Some(select) = selector {
        let want: BTreeSet<&str> = objects
            .iter()
            .filter(|o| select(ready_column(&summarize(o))))
            .map(FluxObject::name)
            .collect();
        let shown: BTreeSet<&str> = rows.iter().filter_map(|r| r.get("NAME")).collect();
        assert_eq!(shown, want, "{rel}");
    }
}

/// `flux trace` prints, per Flux object of the chain, `<Kind>: <name>` … `Message: <Ready message>`.
fn check_trace_golden(rel: &str, objects_rel: &str) {
    let objects = flux_objects(&format!("{CLI}{objects_rel}"));
    let text = block_text::untemplate(&read(rel));
    let mut checked = 0;
    for section in text.split("\n---\n") {
        let mut lines = section.lines().filter(|l| !l.trim().is_empty());
        let Some((kind, name)) = lines.next().and_then(|l| l.split_once(':')) else {
            continue;
        };
        let (kind, name) = (kind.trim(), name.trim());
        if kind == "Object" {
            continue;
        }
        let message = section
            .lines()
            .find_map(|l| l.strip_prefix("Message:"))
            .map(str::trim)
            .unwrap();
        let obj = objects
            .iter()
            .find(|o| o.kind == kind && o.name() == name)
            .unwrap_or_else(|| unreachable!("{rel}: no {kind} {name} in {objects_rel}"));
        let s = summarize(obj);
        assert_eq!(s.health, Ready, "{rel}: {kind} {name}");
        assert_eq!(s.message, message, "{rel}: {kind} {name}");
        checked += 1;
    }
    assert!(checked >= 2, "{rel}: {checked} sections checked");
}

/// A file listed as carrying no derivable status really has none: no describe conditions, no table row with a
/// READY column, no YAML document with conditions.
fn check_no_status(rel: &str, reason: &str) {
    assert!(!reason.is_empty(), "{rel}: give a reason");
    let text = read(rel);
    let described = describe_status(&text).is_some_and(|s| s.get("conditions").is_some());
    assert!(!described, "{rel} ({reason}): has describe conditions");
    let rows = tables(&text)
        .into_iter()
        .flatten()
        .filter(|r| r.get("READY").is_some())
        .count();
    assert_eq!(rows, 0, "{rel} ({reason}): has table rows with READY");
    if rel.ends_with(".yaml") || text.contains("# fence info: yaml") {
        for doc in yaml_documents(&text) {
            let conditions = doc["status"]["conditions"]
                .as_array()
                .is_some_and(|c| !c.is_empty());
            assert!(
                !conditions,
                "{rel} ({reason}): a YAML document has conditions"
            );
        }
    }
}

#[test]
fn every_status_block_file_is_checked_or_listed_with_a_reason() {
    let mut on_disk = BTreeSet::new();
    files_under(&blocks_dir(), &blocks_dir(), &mut on_disk);
    let listed: BTreeSet<String> = blocks().into_iter().map(|(f, _)| f).collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "files without an expectation: {unlisted:#?}"
    );
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(missing.is_empty(), "listed but not on disk: {missing:#?}");
}

#[test]
fn every_status_block_derives_the_health_its_text_shows() {
    let mut counts = [0usize; 6];
    for (rel, expect) in blocks() {
        match expect {
            Describe {
                health,
                reason,
                retrying,
            } => {
                check_describe(&rel, health, reason, retrying);
                counts[0] += 1;
            }
            Tables(narrative) => {
                check_tables(&rel, narrative);
                counts[1] += 1;
            }
            Objects(expected) => {
                check_objects(&rel, expected);
                counts[2] += 1;
            }
            FreshStatus => {
                check_fresh_status(&rel);
                counts[3] += 1;
            }
            Golden(objects) if rel.contains("/trace/") => {
                check_trace_golden(&rel, objects);
                counts[4] += 1;
            }
            Golden(objects) => {
                check_get_golden(&rel, objects);
                counts[4] += 1;
            }
            NoStatus(reason) => {
                check_no_status(&rel, reason);
                counts[5] += 1;
            }
        }
    }
    // Guard against a refactor that silently stops checking a whole form.
    assert!(counts[..5].iter().all(|n| *n > 0), "{counts:?}");
}

#[test]
fn yaml_blocks_parse_as_flux_objects() {
    for (rel, _) in blocks() {
        let text = read(&rel);
        let is_yaml = rel.ends_with(".yaml") || text.contains("# fence info: yaml");
        if !is_yaml || rel.contains("golden") || rel.contains("cluster_info") {
            continue;
        }
        for doc in yaml_documents(&text) {
            let parsed: Result<FluxObject, _> = serde_json::from_value(doc.clone());
            assert!(parsed.is_ok(), "{rel}: {parsed:?}\n{doc:#}");
        }
    }
}

#[test]
fn failure_at_a_new_generation_counts_as_observed_though_status_observed_generation_lags() {
    // "processing object: new generation 1 -> 2": the object is at generation 2; the controller wrote its
    // conditions for generation 2 but left status.observedGeneration at 1 (it only advances on success).
    for rel in [
        format!("{SC}gitrepositories.md__L1026.txt"),
        format!("{SC}buckets.md__L1189.txt"),
        format!("{SC}ocirepositories.md__L906.txt"),
    ] {
        let mut obj = describe_object(&rel);
        assert_eq!(obj.status.observed_generation, Some(1), "{rel}");
        obj.metadata.generation = Some(2);
        let s = summarize(&obj);
        assert_eq!(s.health, Failing, "{rel}");
        assert!(s.retrying, "{rel}");
        assert!(
            s.generation_observed,
            "{rel}: the failure is about generation 2"
        );
    }
}

#[test]
fn cli_fixture_objects_stored_by_an_apiserver_keep_the_health_flux_get_shows() {
    // The flux CLI tests create these objects on a real apiserver, which sets metadata.generation: 1; their
    // status carries no observedGeneration, and `flux get` still shows READY True for gr-ready.
    for rel in ["get/status_objects.yaml", "get/objects.yaml"] {
        for mut obj in flux_objects(&format!("{CLI}{rel}")) {
            let before = summarize(&obj).health;
            obj.metadata.generation = Some(1);
            assert_eq!(summarize(&obj).health, before, "{rel}: {}", obj.name());
        }
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn every_flux_object_in_the_fleets_parses_at_every_api_version() {
    let mut files = Vec::new();
    yaml_files(&Path::new(DATA).join("fleets"), &mut files);
    let mut versions = BTreeSet::new();
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let options = serde_saphyr::options! { strict_booleans: true };
        // Files that are not valid YAML are the repository loader's concern (tests/repo_loading.rs).
        let Ok(docs) = serde_saphyr::from_multiple_with_options::<Value>(&text, options) else {
            continue;
        };
        for doc in docs {
            let Some(api_version) = doc["apiVersion"].as_str() else {
                continue;
            };
            if !api_version.contains("toolkit.fluxcd.io/") {
                continue;
            }
            versions.insert(api_version.to_owned());
            if let Err(e) = serde_json::from_value::<FluxObject>(doc.clone()) {
                failures.push(format!(
                    "{}: {} {}: {e}",
                    file.display(),
                    doc["kind"],
                    doc["metadata"]["name"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for old in [
        "kustomize.toolkit.fluxcd.io/v1beta2",
        "helm.toolkit.fluxcd.io/v2beta1",
        "source.toolkit.fluxcd.io/v1beta1",
        "source.toolkit.fluxcd.io/v1beta2",
    ] {
        assert!(
            versions.contains(old),
            "no {old} object in the fleets: {versions:?}"
        );
    }
}

#[test]
fn captured_fixtures_derive_the_health_of_the_block_they_were_rebuilt_from() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/flux/status-captured.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let options = serde_saphyr::options! { strict_booleans: true };
    let objects: Vec<FluxObject> =
        serde_saphyr::from_multiple_with_options::<Value>(&text, options)
            .unwrap()
            .into_iter()
            .map(parse_object)
            .collect();
    let expected = [
        ("podinfo-new-generation-failing", Failing, true),
        ("podinfo-test-failed-stalled", Stalled, true),
        ("podinfo-v2beta1-retries-exhausted", Stalled, true),
        ("podinfo-chart-not-ready", Blocked, true),
        ("flux-system-suspended", Health::Suspended, true),
        ("fresh-old-api", Unknown, false),
    ];
    assert_eq!(objects.len(), expected.len());
    for (name, health, observed) in expected {
        let obj = objects.iter().find(|o| o.name() == name).unwrap();
        let s = summarize(obj);
        assert_eq!(
            (s.health, s.generation_observed),
            (health, observed),
            "{name}: {s:?}"
        );
    }
}
