//! `--metrics-addr`: the exposition parsed by a Prometheus text parser (prometheus-parse). In the library on the
//! synthetic 10,000-object fleet (series bounded per object, label keys and values from closed sets, fleet counts
//! adding up) and on the console fixture (one root-cause series per cause, not per blocked object); through the
//! binary: `fluxops watch --metrics-addr` scraped over HTTP, and a non-loopback address refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "../benches/support/mod.rs"]
mod bench;
mod support;

use fluxops::app::{Msg, update};
use fluxops::metrics::{Exporter, Freshness, MAX_OBJECTS, SERIES_PER_OBJECT};
use fluxops::sim::SimOptions;
use prometheus_parse::{Sample, Scrape, Value};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::time::Duration;

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("a valid exposition")
}

fn named<'a>(scrape: &'a Scrape, metric: &str) -> Vec<&'a Sample> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .collect()
}

fn gauge(s: &Sample) -> f64 {
    match s.value {
        Value::Gauge(v) | Value::Untyped(v) | Value::Counter(v) => v,
        _ => f64::NAN,
    }
}

const LABEL_KEYS: [&str; 13] = [
    "cluster",
    "customresource_group",
    "customresource_kind",
    "customresource_version",
    "exported_namespace",
    "name",
    "ready",
    "suspended",
    "problem",
    "class",
    "status",
    "flag",
    "le",
];

#[test]
fn a_10000_object_fleet_parses_with_bounded_series_and_closed_label_sets() {
    let n = 10_000;
    // Every 40th object failing by its own fault, the rest Ready.
    let (mut state, objects) = bench::loaded(n, |o| {
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        if name.bytes().map(usize::from).sum::<usize>() % 40 == 0 {
            bench::Ready::Failed
        } else {
            bench::Ready::Yes
        }
    });
    for kind in fluxops::flux::FluxKind::ALL {
        update(
            &mut state,
            Msg::Cluster(fluxops::cluster::ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.versions()[0]),
            }),
        );
    }
    fluxops::app::problems::refresh(&mut state);
    let objects_n = state.objects.len();
    assert_eq!(objects_n, objects.len());
    let (mut exporter, _asks) = Exporter::new("prod-eu-1");
    let now = bench::at(2);
    let text = exporter.encode(
        &state,
        now,
        Freshness {
            live: true,
            as_of: Some(now),
        },
    );
    let scrape = parse(&text);

    // Bounded: at most SERIES_PER_OBJECT per object plus a fixed number for the fleet and the histograms.
    let fixed = 64 + 12 * fluxops::flux::FluxKind::ALL.len();
    assert!(
        scrape.samples.len() <= SERIES_PER_OBJECT * objects_n.min(MAX_OBJECTS) + fixed,
        "{} samples for {objects_n} objects",
        scrape.samples.len()
    );
    for metric in [
        "fluxops_resource_info",
        "fluxops_resource_ready",
        "fluxops_resource_suspended",
        "fluxops_resource_stuck",
        "fluxops_resource_overdue",
    ] {
        assert_eq!(named(&scrape, metric).len(), objects_n, "{metric}");
    }
    // Label keys from a fixed set; values of the closed labels from closed sets.
    let mut values: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for s in &scrape.samples {
        for (k, v) in s.labels.iter() {
            assert!(
                LABEL_KEYS.contains(&k.as_str()),
                "label {k} on {}",
                s.metric
            );
            values
                .entry(LABEL_KEYS.iter().find(|x| **x == k).unwrap())
                .or_default()
                .insert(v.clone());
        }
    }
    assert_eq!(values["cluster"], BTreeSet::from(["prod-eu-1".to_owned()]));
    assert!(
        values["ready"]
            .iter()
            .all(|v| ["True", "False", "Unknown"].contains(&v.as_str()))
    );
    assert!(
        values["suspended"]
            .iter()
            .all(|v| v == "true" || v == "false")
    );
    assert!(values["customresource_kind"].len() <= fluxops::flux::FluxKind::ALL.len());
    assert!(values["class"].len() <= 20, "{:?}", values["class"]);
    // No free text (the condition message of every object is "bench") in any label.
    assert!(!text.contains("\"bench\""));

    // Fleet counts add up; one root-cause series per root cause.
    let total: f64 = named(&scrape, "fluxops_resources")
        .iter()
        .map(|s| gauge(s))
        .sum();
    assert_eq!(total as usize, objects_n);
    let failing = state
        .health_counts()
        .get(&fluxops::flux::Health::Failing)
        .copied()
        .unwrap_or(0);
    assert!(failing > 0);
    assert_eq!(
        named(&scrape, "fluxops_root_cause").len(),
        state.problems.list().len()
    );
    // The per-kind histogram of reconcile durations (from the Kustomization history and HelmRelease durations).
    let counts = named(&scrape, "fluxops_reconcile_duration_seconds_count");
    assert!(!counts.is_empty());
    assert!(counts.len() <= fluxops::flux::FluxKind::ALL.len());
    assert_eq!(gauge(named(&scrape, "fluxops_cluster_live")[0]), 1.0);
    assert_eq!(
        gauge(named(&scrape, "fluxops_metrics_objects_dropped")[0]),
        0.0
    );

    // Cumulative: the same samples are not counted twice by a second scrape.
    let again = parse(&exporter.encode(
        &state,
        now,
        Freshness {
            live: true,
            as_of: Some(now),
        },
    ));
    let sum = |s: &Scrape| -> f64 {
        named(s, "fluxops_reconcile_duration_seconds_count")
            .iter()
            .map(|x| gauge(x))
            .sum()
    };
    assert_eq!(sum(&scrape), sum(&again));
}

#[test]
fn a_cascade_is_one_root_cause_series() {
    let mut state = support::console::loaded_state();
    fluxops::app::problems::refresh(&mut state);
    let (mut exporter, _asks) = Exporter::new("prod-eu-1");
    let now = support::console::now();
    let scrape = parse(&exporter.encode(
        &state,
        now,
        Freshness {
            live: true,
            as_of: Some(now),
        },
    ));
    let causes = named(&scrape, "fluxops_root_cause");
    let not_ready = named(&scrape, "fluxops_resource_ready")
        .iter()
        .filter(|s| gauge(s) == 0.0)
        .count();
    assert_eq!(causes.len(), state.problems.list().len());
    assert!(
        causes.len() < not_ready,
        "{} causes, {not_ready} not ready",
        causes.len()
    );
    // The failing podinfo GitRepository with objects waiting behind it: its value is its blast radius, its class the
    // diagnosis'.
    let git = causes
        .iter()
        .find(|s| {
            s.labels.get("name") == Some("podinfo")
                && s.labels.get("customresource_kind") == Some("GitRepository")
        })
        .expect("the podinfo GitRepository is a root cause");
    assert!(gauge(git) >= 1.0);
    assert_eq!(git.labels.get("problem"), Some("failing"));
    assert_ne!(git.labels.get("class"), Some("unclassified"));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<(String, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    stream.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    Some((head.to_owned(), body.to_owned()))
}

#[test]
fn watch_serves_metrics_that_a_prometheus_parser_reads() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(support::pipeline::Server::start(
        SimOptions::default(),
        &support::pipeline::fleet(),
    ));
    let port = free_port();
    let kubeconfig = server.kubeconfig.to_str().unwrap().to_owned();
    let addr = format!("127.0.0.1:{port}");
    let console = support::pty::Console::spawn(&[
        "watch",
        "--kubeconfig",
        &kubeconfig,
        "--metrics-addr",
        &addr,
    ]);
    console.wait_ready();
    let (head, body) = http_get(port, "/metrics").expect("the endpoint answers");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/openmetrics-text"),
        "{head}"
    );
    // Chunked or not, the exposition lines are there; keep only them.
    let text: String = body
        .lines()
        .filter(|l| l.starts_with('#') || l.starts_with("fluxops_"))
        .map(|l| format!("{l}\n"))
        .collect();
    let scrape = parse(&text);
    let objects = support::pipeline::fleet().len();
    assert_eq!(named(&scrape, "fluxops_resource_info").len(), objects);
    assert_eq!(gauge(named(&scrape, "fluxops_cluster_live")[0]), 1.0);
    assert!(
        named(&scrape, "fluxops_resource_info")
            .iter()
            .all(|s| s.labels.get("cluster").is_some_and(|c| !c.is_empty()))
    );
    // Scraping sent nothing but reads either.
    assert!(
        server
            .sim()
            .request_log()
            .entries()
            .iter()
            .all(|e| e.method == "GET")
    );
    console.kill("TERM");
    rt.block_on(async move { drop(server) });
}

#[test]
fn a_non_loopback_metrics_address_is_refused_unless_allowed() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args([
            "watch",
            "--metrics-addr",
            "0.0.0.0:9464",
            "--kubeconfig",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--metrics-allow-remote"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args([
            "--metrics-addr",
            "10.0.0.1:9464",
            "--kubeconfig",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
}

#[test]
fn several_clusters_are_one_exposition_with_each_family_once() {
    let mut a = support::console::loaded_state();
    let mut b = support::console::loaded_state();
    fluxops::app::problems::refresh(&mut a);
    fluxops::app::problems::refresh(&mut b);
    let (mut exporter, _asks) = Exporter::for_clusters(&["staging".into(), "prod".into()]);
    let now = support::console::now();
    let fresh = |live| Freshness {
        live,
        as_of: Some(now),
    };
    let text = exporter.encode_all(&[(&a, fresh(true)), (&b, fresh(false))], now);
    // A family appears once whatever the number of clusters (a second `# TYPE` would be an invalid exposition).
    let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
    let distinct: BTreeSet<&&str> = types.iter().collect();
    assert_eq!(types.len(), distinct.len(), "{types:#?}");
    let scrape = parse(&text);
    let info = named(&scrape, "fluxops_resource_info");
    assert_eq!(info.len(), a.objects.len() + b.objects.len());
    for cluster in ["staging", "prod"] {
        assert_eq!(
            info.iter()
                .filter(|s| s.labels.get("cluster") == Some(cluster))
                .count(),
            a.objects.len(),
            "{cluster}"
        );
    }
    let live: HashMap<&str, f64> = named(&scrape, "fluxops_cluster_live")
        .iter()
        .map(|s| (s.labels.get("cluster").unwrap(), gauge(s)))
        .collect();
    assert_eq!(live, HashMap::from([("staging", 1.0), ("prod", 0.0)]));
    let causes = named(&scrape, "fluxops_root_cause");
    assert_eq!(causes.len(), a.problems.list().len() * 2);
}

/// Scrapes `/metrics` until `ok` holds for the samples (or 20 s).
fn scrape_until(port: u16, ok: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((_, body)) = http_get(port, "/metrics") {
            let text: String = body
                .lines()
                .filter(|l| l.starts_with('#') || l.starts_with("fluxops_"))
                .map(|l| format!("{l}\n"))
                .collect();
            let scrape = parse(&text);
            if ok(&scrape) || std::time::Instant::now() > deadline {
                return scrape;
            }
        } else {
            assert!(
                std::time::Instant::now() < deadline,
                "the endpoint never answered"
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn live_of(scrape: &Scrape) -> HashMap<String, f64> {
    named(scrape, "fluxops_cluster_live")
        .iter()
        .map(|s| {
            (
                s.labels.get("cluster").unwrap_or_default().to_owned(),
                gauge(s),
            )
        })
        .collect()
}

/// `--metrics-addr` with several clusters, through the binary: `watch` and the console each serve one exposition
/// with every cluster's series; a stopped cluster's `fluxops_cluster_live` drops to 0 while the other stays 1.
#[test]
fn watch_and_the_console_serve_every_clusters_metrics() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut fleet = rt
        .block_on(fluxops::sim::multi::start(
            2,
            &fluxops::sim::simulation::SimSource::Scenario("minimal".into()),
            [127, 0, 0, 1].into(),
            &[],
            |_| {},
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let k = kubeconfig.to_str().unwrap().to_owned();
    let both_live = |s: &Scrape| {
        live_of(s) == HashMap::from([("sim-1".to_owned(), 1.0), ("sim-2".to_owned(), 1.0)])
    };

    let console_port = free_port();
    let console_addr = format!("127.0.0.1:{console_port}");
    let console = support::pty::Console::spawn(&[
        "--kubeconfig",
        &k,
        "--all-contexts",
        "--metrics-addr",
        &console_addr,
    ]);
    console.wait_ready();
    let scrape = scrape_until(console_port, both_live);
    assert!(both_live(&scrape), "console: {:?}", live_of(&scrape));
    let info = named(&scrape, "fluxops_resource_info");
    assert!(
        info.iter()
            .any(|s| s.labels.get("cluster") == Some("sim-1"))
    );
    assert!(
        info.iter()
            .any(|s| s.labels.get("cluster") == Some("sim-2"))
    );
    console.kill("TERM");

    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let wall = support::pty::Console::spawn(&[
        "watch",
        "--kubeconfig",
        &k,
        "--all-contexts",
        "--metrics-addr",
        &addr,
    ]);
    wall.wait_ready();
    let scrape = scrape_until(port, both_live);
    assert!(both_live(&scrape), "watch: {:?}", live_of(&scrape));
    rt.block_on(fleet.stop("sim-2"));
    let scrape = scrape_until(port, |s| {
        live_of(s) == HashMap::from([("sim-1".to_owned(), 1.0), ("sim-2".to_owned(), 0.0)])
    });
    assert_eq!(
        live_of(&scrape),
        HashMap::from([("sim-1".to_owned(), 1.0), ("sim-2".to_owned(), 0.0)]),
        "the stopped cluster is not live, the other still is"
    );
    wall.kill("TERM");
    rt.block_on(fleet.shutdown());
}
