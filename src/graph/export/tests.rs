//! The export document and its four renderings on a small built graph: selection, tree shape (roots, repeated
//! subtrees, cycles), JSON shape, DOT/Mermaid quoting.

use super::*;
use crate::flux::FluxObject;
use serde_json::{Value, json};

fn obj(v: Value) -> FluxObject {
    serde_json::from_value(v).unwrap()
}

fn ready() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": ""}]})
}

fn failing() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "x"}]})
}

fn blocked() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "DependencyNotReady", "message": "x"}]})
}

fn ks(name: &str, deps: &[&str], status: Value) -> FluxObject {
    let deps: Vec<Value> = deps.iter().map(|d| json!({"name": d})).collect();
    obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "repo"}, "dependsOn": deps},
        "status": status
    }))
}

fn git(name: &str) -> FluxObject {
    obj(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"url": "https://x"}, "status": ready()
    }))
}

/// repo ← infra ← apps (apps also waits on repo directly), a failing infra blocking apps; x ↔ y a cycle.
fn graph() -> Graph {
    Graph::build([
        git("repo"),
        ks("infra", &[], failing()),
        ks("apps", &["infra"], blocked()),
        obj(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "x", "namespace": "team"}, "spec": {"dependsOn": [{"name": "y"}]}
        })),
        obj(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "y", "namespace": "team"}, "spec": {"dependsOn": [{"name": "x"}]}
        })),
    ])
}

fn live(g: &Graph) -> ExportInput<'_> {
    ExportInput {
        graph: g,
        origin: Origin::Cluster {
            context: "test".into(),
            server: "http://127.0.0.1:1".into(),
        },
        live: true,
        files: BTreeMap::new(),
        notes: vec!["Bucket: not served (CRD not installed)".into()],
        unlisted: Vec::new(),
        namespace: None,
    }
}

#[test]
fn export_counts_match_the_graph_and_root_causes_skip_self_only_entries() {
    let g = graph();
    let e = export(live(&g), &Filter::default());
    assert_eq!(e.counts.nodes, g.node_count());
    assert_eq!(e.counts.edges, g.edge_count());
    assert_eq!(e.counts.edges_by_kind.get("dependsOn"), Some(&3));
    assert_eq!(e.counts.edges_by_kind.get("sourceRef"), Some(&2));
    assert!(e.warnings.iter().any(|w| w.kind == "cycle"));
    assert_eq!(
        e.root_causes,
        vec![ExportRootCause {
            object: "Kustomization/flux-system/apps".into(),
            causes: vec!["Kustomization/flux-system/infra".into()],
        }]
    );
}

#[test]
fn kind_namespace_and_focus_filters_select_nodes_and_their_edges() {
    let g = graph();
    let by_ns = export(
        live(&g),
        &Filter {
            namespace: Some("team".into()),
            ..Filter::default()
        },
    );
    assert_eq!(by_ns.counts.nodes, 2);
    assert_eq!(by_ns.counts.edges, 2);
    let by_kind = export(
        live(&g),
        &Filter {
            kinds: vec![FluxKind::GitRepository],
            ..Filter::default()
        },
    );
    assert_eq!(by_kind.counts.nodes, 1);
    assert_eq!(by_kind.counts.edges, 0);
    let focus = |depth| Filter {
        focus: Some("flux-system/infra".into()),
        depth,
        ..Filter::default()
    };
    let one = export(live(&g), &focus(Some(1)));
    let ids: Vec<&str> = one.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "Kustomization/flux-system/apps",
            "Kustomization/flux-system/infra",
            "GitRepository/flux-system/repo"
        ]
    );
    // Unbounded: upstream and downstream closures, not the other consumers of the shared source.
    let mut with_sibling = vec![
        git("repo"),
        ks("infra", &[], failing()),
        ks("apps", &["infra"], blocked()),
    ];
    with_sibling.push(ks("other", &[], ready()));
    let g2 = Graph::build(with_sibling);
    let around_apps = export(
        live(&g2),
        &Filter {
            focus: Some("apps".into()),
            ..Filter::default()
        },
    );
    let ids: Vec<&str> = around_apps.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "Kustomization/flux-system/apps",
            "Kustomization/flux-system/infra",
            "GitRepository/flux-system/repo"
        ]
    );
    let zero = export(live(&g), &focus(Some(0)));
    assert_eq!(zero.counts.nodes, 1);
    assert!(
        export(
            live(&g),
            &Filter {
                focus: Some("nope".into()),
                ..Filter::default()
            }
        )
        .nodes
        .is_empty()
    );
}

#[test]
fn tree_puts_sources_at_the_top_marks_repeats_and_prints_cycles() {
    let g = graph();
    let text = tree::render(&export(live(&g), &Filter::default()));
    let expected_top = "✓ GitRepository/flux-system/repo\n\
                        ├── ⊘ Kustomization/flux-system/apps (sourceRef)\n\
                        └── ✗ Kustomization/flux-system/infra (sourceRef)\n    \
                        └── ⊘ Kustomization/flux-system/apps (dependsOn)\n";
    assert!(text.starts_with(expected_top), "{text}");
    assert!(text.contains("Kustomization/team/x (in a cycle)"), "{text}");
    assert!(text.contains("Kustomization/team/y (dependsOn)"), "{text}");
    assert!(
        text.contains("Kustomization/team/x (dependsOn) (see above)"),
        "{text}"
    );
    assert!(text.contains("Notes:\n  Bucket: not served"), "{text}");
    assert!(text.contains("Kustomization/flux-system/apps ← Kustomization/flux-system/infra"));
}

#[test]
fn json_shape_is_stable() {
    let g = graph();
    let text = json::render(&export(live(&g), &Filter::default())).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], SCHEMA);
    assert_eq!(v["origin"]["type"], "cluster");
    let apps = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "Kustomization/flux-system/apps")
        .unwrap();
    assert_eq!(
        apps,
        &json!({"id": "Kustomization/flux-system/apps", "kind": "Kustomization",
                "namespace": "flux-system", "name": "apps", "state": "present",
                "status": "Blocked", "suspended": false})
    );
    assert!(
        v["edges"]
            .as_array()
            .unwrap()
            .contains(&json!({"from": "Kustomization/flux-system/apps",
                              "to": "Kustomization/flux-system/infra", "kind": "dependsOn"}))
    );
    assert_eq!(
        v["rootCauses"][0]["object"],
        "Kustomization/flux-system/apps"
    );
    assert_eq!(v["counts"]["edgesByKind"]["dependsOn"], 3);
}

/// An object whose name a user (or an attacker) made hostile to DOT, Mermaid and terminals.
fn hostile() -> Graph {
    Graph::build([obj(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "a\"b\\c<d>#e\u{1b}[31m", "namespace": "n"},
        "spec": {"sourceRef": {"kind": "GitRepository", "name": "r"}}
    }))])
}

#[test]
fn dot_quotes_and_escapes_ids_and_labels() {
    let g = hostile();
    let text = dot::render(&export(live(&g), &Filter::default()));
    assert!(text.starts_with("digraph fluxops {\n") && text.ends_with("}\n"));
    assert!(!text.contains('\u{1b}'));
    // The escape character shows as the text `\u001B` (DOT reads `\\` as one backslash), never raw.
    assert!(
        text.contains(r#""Kustomization/n/a\"b\\c<d>#e\\u001B[31m""#),
        "{text}"
    );
    assert!(
        text.contains(r#"-> "GitRepository/n/r" [label="sourceRef"]"#),
        "{text}"
    );
    assert!(text.contains("style=dashed, color=red"), "{text}");
}

#[test]
fn mermaid_uses_generated_ids_and_entity_codes() {
    let g = hostile();
    let text = mermaid::render(&export(live(&g), &Filter::default()));
    assert!(text.starts_with("flowchart BT\n"));
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.contains(
            "n0[\"Kustomization<br/>n/a#quot;b\\c#lt;d#gt;#35;e\\u001B[31m<br/>Unknown\"]"
        ),
        "{text}"
    );
    assert!(text.contains("n0 -->|sourceRef| n1"), "{text}");
    assert!(text.contains("class n1 missing"), "{text}");
}

#[test]
fn glyphs_match_the_console() {
    for h in Health::ALL {
        assert_eq!(glyph(Some(h)), crate::app::view::glyph(Some(h)));
    }
    assert_eq!(glyph(None), crate::app::view::glyph(None));
}

#[test]
fn live_export_reports_rollouts_and_the_tree_marks_sources_still_rolling_out() {
    let mut repo = git("repo");
    repo.status.artifact = Some(crate::flux::api::Artifact {
        revision: "main@sha1:2222222222222222222222222222222222222222".into(),
        ..Default::default()
    });
    let mut infra = ks("infra", &[], ready());
    infra.status.last_applied_revision = repo.status.artifact.as_ref().map(|a| a.revision.clone());
    let mut apps = ks("apps", &["infra"], failing());
    apps.status.last_applied_revision = Some("main@sha1:1".into());
    let g = Graph::build([repo, infra, apps]);
    let e = export(live(&g), &Filter::default());
    assert_eq!(e.rollouts.len(), 1);
    let r = &e.rollouts[0];
    assert_eq!(
        (r.source.as_str(), r.applied, r.total),
        ("GitRepository/flux-system/repo", 1, 2)
    );
    assert_eq!(r.lagging.len(), 1);
    assert_eq!(r.lagging[0].object, "Kustomization/flux-system/apps");
    assert_eq!(r.lagging[0].lag, "failing");
    let text = tree::render(&e);
    assert!(
        text.starts_with("✓ GitRepository/flux-system/repo [rollout 1/2]\n"),
        "{text}"
    );
    // A repository export has no statuses, so no rollouts.
    let mut dir = live(&g);
    dir.live = false;
    assert!(export(dir, &Filter::default()).rollouts.is_empty());
}
