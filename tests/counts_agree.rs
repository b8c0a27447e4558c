//! Every view counts the same objects (issue 7 item 11): on the simulated demo cluster, the tree's title, the
//! status bar's counts, the timings list, the whole DAG's title and `fluxops graph` (JSON and text, through the
//! real binary) all say how many Flux objects the cluster has. Placeholders (a dangling reference, a HelmChart
//! helm-controller has not created) are drawn, marked, but are not objects.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::app::state::Screen;
use fluxops::app::{Labels, Msg, State, update, view};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::graph::NodeState;
use fluxops::sim::{SimConfig, SimSource, start};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;
use std::process::Output;
use std::time::Duration;
use support::cli::fluxops;
use support::watch::{connect_console, spawn_watch};
use tokio::sync::mpsc;

async fn fluxops_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fluxops(&refs)
    })
    .await
    .unwrap()
}

/// Feeds the console until the watch has been quiet for a moment (at most 3 s: statuses keep changing).
async fn drain(state: &mut State, rx: &mut mpsc::Receiver<ClusterEvent>) {
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Ok(Some(ev))) = tokio::time::timeout_at(
        until,
        tokio::time::timeout(Duration::from_millis(300), rx.recv()),
    )
    .await
    {
        update(state, Msg::Cluster(ev));
    }
    update(state, Msg::Tick(Timestamp::now()));
}

/// The number in the first `(…)` or before ` of ` of a title.
fn number_after(text: &str, open: &str) -> usize {
    let rest = &text[text
        .find(open)
        .unwrap_or_else(|| panic!("{open:?} in {text:?}"))
        + open.len()..];
    rest.chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number after {open:?} in {text:?}"))
}

/// What each view of the console says: tree, status bar, timings, DAG (shown, total).
fn console_counts(state: &mut State) -> [usize; 5] {
    let now = Timestamp::now();
    state.screen = Screen::Tree;
    let v = view::build(state, now);
    let tree = number_after(&v.navigator.title, "(");
    let status = v.status.counts.iter().map(|(_, n)| n).sum::<usize>() + v.status.invalid;
    state.screen = Screen::Timings;
    let timings = view::build(state, now).timings.unwrap().total_rows;
    state.screen = Screen::Dag;
    state.dag.depth = None;
    let title = view::build(state, now).dag.unwrap().title;
    let dag_shown = number_after(&title, "whole graph · ");
    let dag_total = number_after(&title, " of ");
    state.screen = Screen::Tree;
    [tree, status, timings, dag_shown, dag_total]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_status_bar_timings_dag_and_graph_count_the_same_objects() {
    let sim = start(SimConfig::new(SimSource::Scenario("demo".into())))
        .await
        .unwrap();
    let (connection, dir) = connect_console(&sim).await;
    let kubeconfig = dir.path().join("kubeconfig").display().to_string();
    let (mut rx, cancel) = spawn_watch(connection.client, connection.scope);
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "demo".into(),
            namespace: None,
        },
    );
    update(
        &mut state,
        Msg::Resize {
            width: 200,
            height: 60,
        },
    );
    // The warm-up (five minutes at 30x) creates the HelmCharts; then the fleet's objects stay (statuses
    // change, objects do not).
    let warm = tokio::time::Instant::now() + Duration::from_secs(12);
    while tokio::time::Instant::now() < warm {
        drain(&mut state, &mut rx).await;
    }
    let mut agreed = None;
    for _ in 0..5 {
        drain(&mut state, &mut rx).await;
        let before = state.objects.len() + state.invalid.len();
        let json = fluxops_async(
            ["graph", "--kubeconfig", &kubeconfig, "-A", "-o", "json"]
                .map(str::to_owned)
                .to_vec(),
        )
        .await;
        let text = fluxops_async(
            ["graph", "--kubeconfig", &kubeconfig, "-A"]
                .map(str::to_owned)
                .to_vec(),
        )
        .await;
        drain(&mut state, &mut rx).await;
        let objects = state.objects.len() + state.invalid.len();
        if objects != before {
            continue; // something came or went while the graph was listed: again
        }
        assert!(
            json.status.success(),
            "{}",
            String::from_utf8_lossy(&json.stderr)
        );
        let json: Value = serde_json::from_slice(&json.stdout).unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        let summary = text
            .lines()
            .find(|l| l.contains(" objects") && l.contains(" edges"))
            .unwrap_or_else(|| panic!("a count line in {text}"));
        agreed = Some((objects, json, summary.to_owned()));
        break;
    }
    let (objects, json, summary) = agreed.expect("the fleet held still while the graph was listed");
    let placeholders = state
        .graph
        .nodes()
        .filter(|n| n.state != NodeState::Present)
        .count();
    let [tree, status, timings, dag_shown, dag_total] = console_counts(&mut state);
    let graph_json =
        usize::try_from(json["counts"]["objects"].as_u64().expect("counts.objects")).unwrap();
    let graph_text = number_after(&format!(" {summary}"), " ");
    assert_eq!(
        [
            tree, status, timings, dag_shown, dag_total, graph_json, graph_text
        ],
        [objects; 7],
        "tree, status bar, timings, DAG shown, DAG total, graph JSON, graph text ({placeholders} placeholders)"
    );
    let nodes = usize::try_from(json["counts"]["nodes"].as_u64().unwrap()).unwrap();
    assert!(nodes >= objects, "placeholders are nodes, not objects");
    cancel.cancel();
    sim.shutdown().await;
}
