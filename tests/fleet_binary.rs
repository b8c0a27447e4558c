//! Acceptance of many clusters through the real binary: three simulated clusters side by side (`sim::multi`,
//! as `fluxops sim --clusters 3` runs them), `fluxops watch --all-contexts` in a pseudo-terminal; one cluster's
//! API server is stopped: within 5 s that cluster is shown unreachable (STALE) while the two others stay live,
//! and nothing but reads reached any cluster.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::sim::multi;
use fluxops::sim::simulation::SimSource;
use std::time::{Duration, Instant};
use support::pty::{Console, contains};

/// The acceptance bound for showing a stopped cluster unreachable.
const BOUND: Duration = Duration::from_secs(5);

fn log_of(console: &Console) -> String {
    std::fs::read_to_string(&console.log).unwrap_or_default()
}

/// The link changes the wall logged for `cluster`, in order.
fn links(console: &Console, cluster: &str) -> Vec<String> {
    log_of(console)
        .lines()
        .filter(|l| {
            l.contains("cluster link changed") && l.contains(&format!("cluster={cluster} "))
        })
        .filter_map(|l| {
            ["connecting", "live", "stale", "unreachable", "rejected"]
                .into_iter()
                .find(|w| l.contains(&format!("link={w}")) || l.contains(&format!("link=\"{w}\"")))
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn three_clusters_one_stopped_is_unreachable_the_others_stay_live() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut fleet = rt
        .block_on(multi::start(
            3,
            &SimSource::Scenario("minimal".into()),
            [127, 0, 0, 1].into(),
            &[],
            |_| {},
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let console = Console::spawn(&[
        "watch",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--all-contexts",
        "--pages",
        "combined",
    ]);
    console.wait_ready();
    console.wait_until("every cluster live", Duration::from_secs(20), |c| {
        ["sim-1", "sim-2", "sim-3"]
            .iter()
            .all(|n| links(c, n).last().map(String::as_str) == Some("live"))
    });
    console.wait_until("the combined page", Duration::from_secs(10), |c| {
        contains(&c.output(), b"FLEET") && contains(&c.output(), b"sim-3")
    });
    let before = console.written();

    rt.block_on(fleet.stop("sim-2"));
    let stopped = Instant::now();
    console.wait_until("sim-2 unreachable", BOUND * 3, |c| {
        links(c, "sim-2").last().map(String::as_str) == Some("unreachable")
            && contains(&c.output()[before..], b"UNREACHABLE")
    });
    let took = stopped.elapsed();
    println!("sim-2 shown unreachable {took:?} after its API server stopped");
    assert!(took <= BOUND, "unreachable after {took:?}");
    assert!(contains(&console.output()[before..], b"1 unreachable"));

    // The others stay live meanwhile and after.
    std::thread::sleep(Duration::from_secs(3));
    for live in ["sim-1", "sim-3"] {
        assert_eq!(
            links(&console, live).last().map(String::as_str),
            Some("live"),
            "{live} stays live: {:?}",
            links(&console, live)
        );
    }
    // Read-only on every cluster.
    for name in ["sim-1", "sim-3"] {
        let log = fleet.get(name).unwrap().handle().request_log().entries();
        assert!(!log.is_empty());
        let writes: Vec<_> = log.iter().filter(|e| e.method != "GET").collect();
        assert!(writes.is_empty(), "{name}: {writes:?}");
    }
    console.kill("TERM");
    rt.block_on(fleet.shutdown());
}

/// `fluxops graph --all-contexts`: every cluster's graph under a heading naming it (JSON: one entry per
/// cluster); a cluster that cannot be read is named on stderr with exit 1, the others still printed.
#[test]
fn graph_of_several_clusters_is_grouped_per_cluster() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut fleet = rt
        .block_on(multi::start(
            2,
            &SimSource::Scenario("minimal".into()),
            [127, 0, 0, 1].into(),
            &[],
            |_| {},
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let k = kubeconfig.to_str().unwrap();
    let out = support::cli::fluxops(&["graph", "--kubeconfig", k, "--all-contexts"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let one = text.find("== cluster sim-1 ==").expect("sim-1 heading");
    let two = text.find("== cluster sim-2 ==").expect("sim-2 heading");
    assert!(one < two);
    // The same objects under each heading: the clusters are listed apart, not merged. (Compared by identity:
    // their health differs from moment to moment, and so do the root causes listed under each.)
    let objects = |part: &str| -> Vec<String> {
        part.lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .find(|w| w.matches('/').count() == 2)
                    .map(str::to_owned)
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let (first, second) = (objects(&text[one..two]), objects(&text[two..]));
    assert!(!first.is_empty(), "{text}");
    assert_eq!(first, second, "{text}");
    let totals = |part: &str| {
        part.lines()
            .find(|l| l.contains(" objects, "))
            .map(str::to_owned)
    };
    assert_eq!(totals(&text[one..two]), totals(&text[two..]), "{text}");
    let out = support::cli::fluxops(&[
        "graph",
        "--kubeconfig",
        k,
        "--context",
        "sim-2",
        "--context",
        "sim-1",
        "-o",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = json["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sim-2", "sim-1"]);
    assert!(
        json["clusters"][0]["graph"]["nodes"]
            .as_array()
            .is_some_and(|n| !n.is_empty())
    );

    rt.block_on(fleet.stop("sim-2"));
    let out = support::cli::fluxops(&["graph", "--kubeconfig", k, "--all-contexts"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("== cluster sim-1 =="));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cluster sim-2:"),
        "{out:?}"
    );
    rt.block_on(fleet.shutdown());
}

/// `fluxops follow` over two clusters: one revision pushed to both, a failure injected in one; every line names
/// its cluster, each cluster has its own summary, and the last line is the worst verdict with each cluster's
/// (exit 1). With fail-fast, the cluster still going when the other failed is said to be stopped, not timed out.
#[test]
fn follow_on_two_clusters_names_each_and_the_worst_verdict_wins() {
    use fluxops::flux::{FluxKind, ResourceRef};
    use fluxops::sim::scenario::FailurePlan;
    const SHA: &str = "4f1c2b9a7e3d5c6b8a9f0e1d2c3b4a5f6e7d8c9b";
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fleet = rt
        .block_on(multi::start(
            2,
            &SimSource::Scenario("rollout".into()),
            [127, 0, 0, 1].into(),
            &[],
            |_| {},
        ))
        .unwrap();
    let apps = ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps");
    let source = ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system");
    for name in ["sim-1", "sim-2"] {
        let sim = fleet.get(name).unwrap();
        let settled = rt.block_on(support::poll::eventually(
            Duration::from_secs(20),
            || async {
                support::sim::stored(sim, &apps).filter(|v| {
                    v.pointer("/status/conditions")
                        .and_then(|c| c.as_array())
                        .is_some_and(|c| {
                            c.iter()
                                .any(|c| c["type"] == "Ready" && c["status"] == "True")
                        })
                })
            },
        ));
        assert!(settled.is_some(), "{name}: apps never Ready");
    }
    fleet
        .get("sim-2")
        .unwrap()
        .inject_failure(
            &apps,
            FailurePlan {
                reason: Some("ReconciliationFailed".into()),
                message: "Deployment/apps/podinfo dry-run failed (Invalid): spec.selector: field is immutable"
                    .into(),
                ..FailurePlan::default()
            },
        )
        .unwrap();
    for name in ["sim-1", "sim-2"] {
        fleet
            .get(name)
            .unwrap()
            .push_revision(&source, SHA)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    fleet.write_kubeconfig(&kubeconfig).unwrap();
    let k = kubeconfig.to_str().unwrap();

    let out = support::cli::fluxops_in(
        dir.path(),
        &[
            "follow",
            "--kubeconfig",
            k,
            "--all-contexts",
            "--revision",
            SHA,
            "--timeout",
            "60s",
            "--no-fail-fast",
            "-o",
            "json",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let of = |cluster: &str, event: &str| {
        lines.iter().any(|l| {
            l["cluster"] == cluster && l["event"] == event && l["object"]["name"] == "apps"
        })
    };
    assert!(of("sim-1", "ready"), "{text}");
    assert!(
        !of("sim-1", "failed"),
        "sim-2's failure is not sim-1's: {text}"
    );
    assert!(of("sim-2", "failed"), "{text}");
    let summaries: Vec<_> = lines.iter().filter(|l| l["event"] == "summary").collect();
    assert_eq!(summaries.len(), 2, "{text}");
    assert_eq!(summaries[0]["cluster"], "sim-1");
    assert_eq!(summaries[0]["verdict"], "ready");
    assert_eq!(summaries[1]["verdict"], "failed");
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "fleet-summary");
    assert_eq!(last["verdict"], "failed");
    assert_eq!(last["clusters"][0]["verdict"], "ready");
    assert_eq!(last["clusters"][1]["cluster"], "sim-2");

    // Text, fail-fast (the default): every line tagged, the combined line last.
    let out = support::cli::fluxops_in(
        dir.path(),
        &[
            "follow",
            "--kubeconfig",
            k,
            "--context",
            "sim-2",
            "--context",
            "sim-1",
            "--revision",
            SHA,
            "--timeout",
            "60s",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .filter(|l| !l.starts_with("    next:") && !l.starts_with("  "))
            .all(|l| l.starts_with("[sim-2] ")
                || l.starts_with("[sim-1] ")
                || l.contains("2 clusters:")),
        "{text}"
    );
    assert!(text.contains("[sim-2] ✗ apps: failed"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("✗ 2 clusters: failed — ✗ sim-2 failed, "),
        "{last}"
    );
    rt.block_on(fleet.shutdown());
}
