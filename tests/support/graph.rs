//! `fluxops graph` as JSON, and the edges the Flux API fields of objects imply (derived here from FLUX.md §2,
//! independently of the graph code).

use fluxops::flux::{FluxKind, FluxObject};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use super::cli::fluxops;

pub fn graph_json(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["graph", "-o", "json"];
    all.extend_from_slice(args);
    let out = fluxops(&all);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

pub fn id(kind: &str, ns: &str, name: &str) -> String {
    format!("{kind}/{ns}/{name}")
}

pub fn opt_ns<'a>(ns: Option<&'a String>, default: &'a str) -> &'a str {
    ns.map(String::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(default)
}

/// The edges the Flux API fields of the loaded objects imply, per kind, derived here from FLUX.md §2 (not with
/// the graph code): distinct `(from, to)` pairs.
pub fn expected_edges(
    objects: &[FluxObject],
) -> BTreeMap<&'static str, BTreeSet<(String, String)>> {
    let mut out: BTreeMap<&'static str, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut add = |kind, from: String, to: String| {
        out.entry(kind).or_default().insert((from, to));
    };
    for o in objects {
        let (kind, ns, name) = (o.kind.as_str(), o.namespace(), o.name());
        let me = id(kind, ns, name);
        if kind == "Kustomization" || kind == "HelmRelease" {
            for d in o.spec.depends_on.iter().filter(|d| !d.name.is_empty()) {
                add(
                    "dependsOn",
                    me.clone(),
                    id(kind, opt_ns(d.namespace.as_ref(), ns), &d.name),
                );
            }
        }
        if kind == "Kustomization"
            && let Some(s) = &o.spec.source_ref
            && [
                "GitRepository",
                "OCIRepository",
                "Bucket",
                "ExternalArtifact",
            ]
            .contains(&s.kind.as_str())
        {
            add(
                "sourceRef",
                me.clone(),
                id(&s.kind, opt_ns(s.namespace.as_ref(), ns), &s.name),
            );
        }
        if kind == "Kustomization" {
            for h in &o.spec.health_checks {
                if FluxKind::from_kind(&h.kind).is_some() {
                    add(
                        "healthCheck",
                        me.clone(),
                        id(&h.kind, opt_ns(h.namespace.as_ref(), ns), &h.name),
                    );
                }
            }
        }
        if kind == "HelmRelease" {
            if let Some(c) = &o.spec.chart_ref {
                add(
                    "chartRef",
                    me.clone(),
                    id(&c.kind, opt_ns(c.namespace.as_ref(), ns), &c.name),
                );
            }
            if let Some(c) = &o.spec.chart {
                let src = &c.spec.source_ref;
                let chart_ns = opt_ns(src.namespace.as_ref(), ns);
                let chart = id("HelmChart", chart_ns, &format!("{ns}-{name}"));
                add("chartSource", me.clone(), chart.clone());
                add("chartSource", chart, id(&src.kind, chart_ns, &src.name));
            }
        }
        if kind == "GitRepository" {
            for inc in &o.spec.include {
                add(
                    "include",
                    me.clone(),
                    id("GitRepository", ns, &inc.repository.name),
                );
            }
        }
    }
    out
}

pub fn edges_of_kind(json: &Value, kind: &str) -> BTreeSet<(String, String)> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
