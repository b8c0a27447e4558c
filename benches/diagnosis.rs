//! Micro-benchmark of the failure classifier (issue 3 target: diagnosis of one message under 50 µs).
//!
//! `cargo bench --bench diagnosis` measures `diagnosis::diagnose` (normalise, classify, extract facts, next step) on:
//! - **short**: `dependency 'flux-system/keycloak-operator' is not ready` (failures.tsv);
//! - **long**: the multi-line SOPS decryption failure of flux2#5260 (the longest message of failures.tsv);
//! - **health-check-100**: a health-check timeout listing 100 resources (6 KiB; facts: 50 resources kept);
//! - **bounded**: a 1 MiB message whose cause is at the start (only the first 32 KiB are looked at);
//! - **failures.tsv**: every message of `shared/data/failures.tsv` in turn, reported per message;
//! - **corpus.tsv**: every message of the labelled corpus `fixtures/diagnosis/corpus.tsv` (324 messages,
//!   many of them multi-error Helm and kubectl outputs), reported per message;
//! - **helm-list**: a Helm upgrade failure listing three objects, the immutable one last (items are cut and the
//!   facts read from the third).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fluxops::diagnosis::evaluate::diagnose_row;
use fluxops::diagnosis::input;
use fluxops::diagnosis::{FailureInput, diagnose};
use std::hint::black_box;
use std::time::Duration;

const FAILURES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/failures.tsv"
));
const CORPUS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/diagnosis/corpus.tsv"
));

fn per_message(c: &mut Criterion, name: &str, rows: &[input::Row]) {
    let mut group = c.benchmark_group("diagnose");
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            for row in rows {
                black_box(diagnose_row(black_box(row)));
            }
        });
    });
    group.finish();
}

fn one(c: &mut Criterion, name: &str, message: &str) {
    c.bench_function(name, |b| {
        b.iter(|| {
            diagnose(black_box(&FailureInput {
                kind: None,
                reason: None,
                message,
            }))
        });
    });
}

fn bench(c: &mut Criterion) {
    let rows: Vec<input::Row> = input::parse(FAILURES)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let longest = rows
        .iter()
        .max_by_key(|r| r.message.len())
        .map(|r| r.message.clone())
        .unwrap_or_default();
    one(
        c,
        "diagnose/short",
        "dependency 'flux-system/keycloak-operator' is not ready",
    );
    one(c, "diagnose/long", &longest);
    let list: Vec<String> = (0..100)
        .map(|i| format!("Deployment/tenant-{i}/web-{i} status: 'InProgress'"))
        .collect();
    let health = format!(
        "health check failed after 5m0.03s: timeout waiting for: [{}]",
        list.join(", ")
    );
    one(c, "diagnose/health-check-100", &health);
    let huge = format!(
        "Deployment/apps/web dry-run failed (Invalid): Deployment.apps \"web\" is invalid: spec.selector: Invalid value: x: field is immutable {}",
        "padding ".repeat(128 * 1024)
    );
    one(c, "diagnose/bounded-1MiB", &huge);
    let helm_list = [
        r#"Helm upgrade failed for release apps/web with chart web@1.2.0: cannot patch "web" with kind Service: Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"#,
        r#"cannot patch "cfg" with kind ConfigMap: ConfigMap "cfg" is invalid: metadata.name: Invalid value: "cfg_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"#,
        r#"cannot patch "api" with kind Deployment: Deployment.apps "api" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#,
    ]
    .join(" && ");
    one(c, "diagnose/helm-list", &helm_list);
    per_message(c, "failures.tsv", &rows);
    let corpus: Vec<input::Row> = input::parse(CORPUS)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    per_message(c, "corpus.tsv", &corpus);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
