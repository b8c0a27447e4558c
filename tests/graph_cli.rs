//! `fluxops graph` through the real binary: every shared fleet with `--from-dir` (node and edge counts per edge
//! kind re-derived here from the loaded objects and the raw YAML, warnings, exit status), DOT and Mermaid
//! soundness, bad input, filters. The live cluster is in `graph_cli_live.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::ResourceRef;
use fluxops::flux::repo::{LoadOptions, RepoLoad, load_dir, load_dir_with, sibling_context};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use support::cli::fluxops;
use support::fleets::{data, fleets};
use support::graph::{edges_of_kind, expected_edges, graph_json, id};

/// Raw `spec.dependsOn` entries of every YAML document of a Flux applier under `dir`, read without the loader.
fn raw_depends_on(dir: &Path) -> usize {
    fn walk(dir: &Path, total: &mut usize) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') && name != "archive" {
                    walk(&p, total);
                }
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                let text = std::fs::read_to_string(&p).unwrap();
                let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap_or_default();
                for d in docs {
                    let applier = d["apiVersion"].as_str().is_some_and(|a| {
                        a.starts_with("kustomize.toolkit.fluxcd.io/")
                            || a.starts_with("helm.toolkit.fluxcd.io/")
                    });
                    if applier {
                        *total += d["spec"]["dependsOn"].as_array().map_or(0, Vec::len);
                    }
                }
            }
        }
    }
    let mut total = 0;
    walk(dir, &mut total);
    total
}

fn check_fleet_export(load: &RepoLoad, out: &Output, json: &Value, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit status: success exactly when the loader reported no problem; every problem named with file:line.
    assert_eq!(
        out.status.success(),
        load.problems.is_empty(),
        "{what}: {stderr}"
    );
    for p in &load.problems {
        let at = format!("{}:{}", p.file.display(), p.line.unwrap_or_default());
        assert!(
            stderr.contains(&at) || p.line.is_none(),
            "{what}: {at} not in {stderr}"
        );
    }
    assert_eq!(json["schema"], "fluxops.graph/v1");
    let nodes = json["nodes"].as_array().unwrap();
    let ids: BTreeSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), nodes.len(), "{what}: node ids are unique");
    // Every loaded object is a present node; nothing else is.
    let present: BTreeSet<String> = nodes
        .iter()
        .filter(|n| n["state"] == "present")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let loaded: BTreeSet<String> = load
        .objects
        .iter()
        .map(|o| id(&o.kind, o.namespace(), o.name()))
        .collect();
    assert_eq!(present, loaded, "{what}");
    // Waits-on edges per kind equal what the fields say.
    let expected = expected_edges(&load.objects);
    for kind in [
        "dependsOn",
        "sourceRef",
        "healthCheck",
        "chartRef",
        "chartSource",
        "include",
    ] {
        let want = expected.get(kind).cloned().unwrap_or_default();
        assert_eq!(edges_of_kind(json, kind), want, "{what}: {kind} edges");
        assert_eq!(
            json["counts"]["edgesByKind"][kind].as_u64().unwrap_or(0),
            want.len() as u64,
            "{what}: {kind} count"
        );
    }
    // Every edge joins two nodes; placeholders are exactly the missing targets; one implied chart per HR chart.
    let mut targets = BTreeSet::new();
    for e in json["edges"].as_array().unwrap() {
        assert!(ids.contains(e["from"].as_str().unwrap()), "{what}: {e}");
        assert!(ids.contains(e["to"].as_str().unwrap()), "{what}: {e}");
        targets.insert(e["to"].as_str().unwrap().to_owned());
    }
    let placeholders: BTreeSet<String> = nodes
        .iter()
        .filter(|n| n["state"] != "present")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let missing_targets: BTreeSet<String> = targets.difference(&loaded).cloned().collect();
    assert_eq!(placeholders, missing_targets, "{what}");
    let charts = load
        .objects
        .iter()
        .filter(|o| o.spec.chart.is_some() && o.kind == "HelmRelease")
        .count();
    assert_eq!(
        json["counts"]["nodesByState"]["implied"]
            .as_u64()
            .unwrap_or(0),
        charts as u64,
        "{what}"
    );
    // One dangling warning per dangling node; the bootstrap source and ExternalArtifacts are expected.
    let dangling: Vec<&Value> = nodes.iter().filter(|n| n["state"] == "dangling").collect();
    let warned: Vec<&Value> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "dangling")
        .collect();
    assert_eq!(warned.len(), dangling.len(), "{what}");
    for w in warned {
        let target = w["objects"][0].as_str().unwrap();
        let expected_missing = target.starts_with("ExternalArtifact/")
            || target.ends_with("/flux-system")
                && (target.starts_with("GitRepository/") || target.starts_with("OCIRepository/"));
        assert_eq!(
            w["expected"].as_bool().unwrap_or(false),
            expected_missing,
            "{what}: {w}"
        );
    }
}

#[test]
fn every_shared_fleet_exports_the_nodes_and_edges_its_yaml_declares() {
    for fleet in fleets() {
        let what = fleet.display().to_string();
        let load = load_dir(&fleet).unwrap();
        let (out, json) = graph_json(&["--from-dir", &what]);
        check_fleet_export(&load, &out, &json, &what);
        // The loader may drop duplicates and patches, never invent: raw dependsOn entries bound the edges.
        let edges = json["counts"]["edgesByKind"]["dependsOn"]
            .as_u64()
            .unwrap_or(0);
        assert!(edges as usize <= raw_depends_on(&fleet), "{what}");
    }
}

#[test]
fn the_home_lab_fleet_has_the_115_depends_on_edges_its_readme_states() {
    // data/README.md: "100 Kustomizations, 63 HelmReleases, 31 sources, 115 dependsOn edges".
    let fleet = data().join("fleets/bjw-s-labs__home-ops@2022-06");
    let (_, json) = graph_json(&["--from-dir", fleet.to_str().unwrap()]);
    assert_eq!(json["counts"]["edgesByKind"]["dependsOn"], 115);
    let ks = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "Kustomization" && n["state"] == "present")
        .count();
    assert_eq!(ks, 100);
}

#[test]
fn each_cluster_entry_point_of_a_multi_cluster_fleet_loads_without_duplicates() {
    let mut checked = 0;
    for fleet in fleets() {
        let clusters = fleet.join("clusters");
        let Ok(entries) = std::fs::read_dir(&clusters) else {
            continue;
        };
        for entry in entries {
            let cluster = entry.unwrap().file_name().to_string_lossy().into_owned();
            let what = format!("{} --cluster {cluster}", fleet.display());
            let options = LoadOptions {
                context: sibling_context(&fleet),
                cluster: Some(cluster.clone()),
            };
            let load = load_dir_with(&fleet, &options).unwrap();
            let (out, json) =
                graph_json(&["--from-dir", fleet.to_str().unwrap(), "--cluster", &cluster]);
            check_fleet_export(&load, &out, &json, &what);
            assert!(
                load.problems
                    .iter()
                    .all(|p| !p.message.starts_with("duplicate")),
                "{what}: {:?}",
                load.problems
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}

/// Removes `\"` and `\\` escapes, then counts the remaining quotes.
fn unescaped_quotes(line: &str) -> usize {
    line.replace("\\\\", "")
        .replace("\\\"", "")
        .matches('"')
        .count()
}

#[test]
fn dot_and_mermaid_of_every_fleet_are_syntactically_sound() {
    for fleet in fleets() {
        let dir = fleet.to_str().unwrap();
        let (_, json) = graph_json(&["--from-dir", dir]);
        let node_ids: Vec<&str> = json["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        let edge_count = json["edges"].as_array().unwrap().len();

        let dot =
            String::from_utf8(fluxops(&["graph", "--from-dir", dir, "-o", "dot"]).stdout).unwrap();
        assert!(
            dot.starts_with("digraph fluxops {\n") && dot.ends_with("}\n"),
            "{dir}"
        );
        assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{dir}");
        for line in dot.lines() {
            assert_eq!(
                unescaped_quotes(line) % 2,
                0,
                "{dir}: unbalanced quotes in {line}"
            );
            assert_eq!(
                line.matches('[').count(),
                line.matches(']').count(),
                "{dir}: {line}"
            );
        }
        for id in &node_ids {
            assert!(
                dot.contains(&format!("  \"{id}\" [label=")),
                "{dir}: node {id}"
            );
        }
        assert_eq!(
            dot.lines().filter(|l| l.contains("\" -> \"")).count(),
            edge_count,
            "{dir}"
        );

        let mermaid =
            String::from_utf8(fluxops(&["graph", "--from-dir", dir, "-o", "mermaid"]).stdout)
                .unwrap();
        assert!(mermaid.starts_with("flowchart BT\n"), "{dir}");
        let node_lines: Vec<&str> = mermaid.lines().filter(|l| l.contains("[\"")).collect();
        assert_eq!(node_lines.len(), node_ids.len(), "{dir}");
        for line in &node_lines {
            let (id, label) = line.trim().split_once('[').unwrap();
            assert!(
                id.starts_with('n') && id[1..].chars().all(|c| c.is_ascii_digit()),
                "{line}"
            );
            assert!(label.starts_with('"') && label.ends_with("\"]"), "{line}");
            assert_eq!(label.matches('"').count(), 2, "{dir}: {line}");
        }
        let edge_lines = mermaid
            .lines()
            .filter(|l| l.contains(" -->|") || l.contains(" -.->|"))
            .count();
        assert_eq!(edge_lines, edge_count, "{dir}");
    }
}

#[test]
fn default_tree_lists_every_object_of_a_fleet() {
    let fleet = data().join("fleets/flux2-hub-spoke-example");
    let out = fluxops(&["graph", "--from-dir", fleet.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, json) = graph_json(&["--from-dir", fleet.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let load = load_dir(&fleet).unwrap();
    for o in &load.objects {
        let r = ResourceRef::new(o.flux_kind().unwrap(), o.namespace(), o.name());
        assert!(text.contains(&r.to_string()), "{r} missing from\n{text}");
    }
    let warnings = json["warnings"].as_array().unwrap().len();
    assert!(text.contains(&format!("Warnings ({warnings}):")), "{text}");
    // Sources and placeholders start lines (roots); nothing is indented without a parent line above it.
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| !l.starts_with(' ') && !l.starts_with('└'))
    );
}

#[test]
fn missing_directory_unknown_kind_and_broken_yaml_fail_with_the_place() {
    let out = fluxops(&["graph", "--from-dir", "/nonexistent/fleet"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fleet"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ok, namespace: x}\n\
         spec: {interval: 1m, path: ./, sourceRef: {kind: GitRepository, name: repo}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "kind: Kustomization\nspec: [unclosed\n",
    )
    .unwrap();
    let out = fluxops(&["graph", "--from-dir", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    // What did load is still printed.
    assert!(String::from_utf8_lossy(&out.stdout).contains("Kustomization/x/ok"));

    let out = fluxops(&[
        "graph",
        "--from-dir",
        dir.path().to_str().unwrap(),
        "--kind",
        "Deployment",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind 'Deployment'"));
}

#[test]
fn kind_namespace_and_focus_filters_narrow_the_export() {
    let fleet = data().join("fleets/bjw-s-labs__home-ops@2022-06");
    let dir = fleet.to_str().unwrap();
    let (_, all) = graph_json(&["--from-dir", dir]);
    let (_, ks) = graph_json(&["--from-dir", dir, "--kind", "ks"]);
    let ks_nodes = ks["nodes"].as_array().unwrap();
    assert!(ks_nodes.iter().all(|n| n["kind"] == "Kustomization"));
    assert_eq!(
        ks["counts"]["edgesByKind"]["dependsOn"],
        all["counts"]["edgesByKind"]["dependsOn"]
            .as_u64()
            .map(|_| edges_of_kind(&all, "dependsOn")
                .iter()
                .filter(|(f, _)| f.starts_with("Kustomization/"))
                .count())
            .unwrap()
    );
    let (_, ns) = graph_json(&["--from-dir", dir, "-n", "flux-system"]);
    assert!(
        ns["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["namespace"] == "flux-system")
    );
    // Focus with depth 1: the object and its direct neighbours only.
    let focus = all["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "dependsOn")
        .unwrap();
    let target = focus["to"].as_str().unwrap();
    let (_, one) = graph_json(&["--from-dir", dir, "--focus", target, "--depth", "1"]);
    let mut neighbours: BTreeSet<&str> = all["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == target || e["to"] == target)
        .flat_map(|e| [e["from"].as_str().unwrap(), e["to"].as_str().unwrap()])
        .collect();
    neighbours.insert(target);
    let got: BTreeSet<&str> = one["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, neighbours);
}
