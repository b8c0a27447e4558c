//! Flux-level patches a parent Kustomization applies to the objects under its `spec.path`
//! (`spec.patches[] {patch, target}`), used by the repository loader to complete objects that are written
//! without their source on purpose; and what makes an object a patch rather than a whole object
//! ([`missing_essential`]).
//!
//! Real fleets do this (bjw-s home-ops: `flux-cluster-definitions` adds `sourceRef` to every Kustomization
//! labelled `component.cluster-0/part-of=definitions`). Without it those objects look like patch-only
//! partials and their dependents get false dangling `dependsOn`s.
//!
//! Scope, on purpose: only strategic-merge patches (a YAML mapping) are applied, as an RFC 7386 merge of the
//! patch's `spec` (lists replaced, which is what strategic merge does for the Flux fields that matter:
//! `sourceRef`, `chart`, `url`), and only to objects that would otherwise be dropped as partial. Targets match
//! on kind, exact name, namespace and equality label selectors (`k=v,k2==v2`); other selector forms match
//! nothing. The parent's `spec.path` is taken relative to the loaded directory (the repository root).

use super::api::FluxObject;
use super::kind::FluxKind;
use super::repo_context::{normalize, yaml_options};
use std::path::{Path, PathBuf};

/// One strategic-merge patch of a parent Kustomization.
#[derive(Debug, Clone, PartialEq)]
pub struct FluxPatch {
    /// The directory (relative to the repository root) the parent applies.
    pub dir: PathBuf,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Equality requirements; `None` when the selector uses a form we do not evaluate.
    pub labels: Option<Vec<(String, String)>>,
    /// The patch's `spec`.
    pub spec: serde_json::Value,
}

/// The strategic-merge patches in a parent's raw `spec.patches` value.
#[must_use]
pub fn patches_of(parent: &FluxObject, raw_patches: &serde_json::Value) -> Vec<FluxPatch> {
    let Some(path) = parent.spec.path.as_deref() else {
        return Vec::new();
    };
    let Some(dir) = normalize(Path::new(path.trim_start_matches('/'))) else {
        return Vec::new();
    };
    let Some(entries) = raw_patches.as_array() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let Some(text) = entry.get("patch").and_then(|p| p.as_str()) else {
            continue;
        };
        let parsed: Result<serde_json::Value, _> =
            serde_saphyr::from_str_with_options(text, yaml_options());
        let Some(spec) = parsed.ok().and_then(|v| v.get("spec").cloned()) else {
            continue;
        };
        let target = entry.get("target");
        let field = |k: &str| {
            target
                .and_then(|t| t.get(k))
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        out.push(FluxPatch {
            dir: dir.clone(),
            kind: field("kind"),
            name: field("name"),
            namespace: field("namespace"),
            labels: field("labelSelector").map_or(Some(Vec::new()), |s| parse_selector(&s)),
            spec,
        });
    }
    out
}

/// `k=v,k2==v2` → pairs; `None` for set-based or negative selectors.
fn parse_selector(s: &str) -> Option<Vec<(String, String)>> {
    s.split(',')
        .map(|req| {
            let (k, v) = req.split_once("==").or_else(|| req.split_once('='))?;
            let (k, v) = (k.trim(), v.trim());
            (!k.is_empty() && !k.ends_with('!') && !k.contains(' '))
                .then(|| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

impl FluxPatch {
    /// Whether this patch targets `obj`, found at `rel_file`.
    #[must_use]
    pub fn applies_to(&self, obj: &FluxObject, rel_file: &Path) -> bool {
        let Some(labels) = &self.labels else {
            return false;
        };
        let obj_labels = obj.metadata.labels.as_ref();
        rel_file.starts_with(&self.dir)
            && self.kind.as_deref().is_none_or(|k| k == obj.kind)
            && self.name.as_deref().is_none_or(|n| n == obj.name())
            && self
                .namespace
                .as_deref()
                .is_none_or(|n| n == obj.namespace())
            && labels
                .iter()
                .all(|(k, v)| obj_labels.and_then(|l| l.get(k)) == Some(v))
    }

    /// Merges the patch's spec into a raw object.
    pub fn apply(&self, raw: &mut serde_json::Value) {
        if let Some(obj) = raw.as_object_mut() {
            let spec = obj
                .entry("spec")
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            json_patch::merge(spec, &self.spec);
        }
    }
}

/// The field a whole object of `kind` cannot lack, if `obj` lacks it (it is then a patch).
///
/// Kustomization: `sourceRef`; HelmRelease: `chart.spec.sourceRef` or `chartRef`; Git/OCI/HelmRepository:
/// `url`; HelmChart: `sourceRef`; Bucket: `bucketName`. ExternalArtifact has no required spec field.
#[must_use]
pub fn missing_essential(kind: FluxKind, obj: &FluxObject) -> Option<&'static str> {
    let spec = &obj.spec;
    let has_ref = |r: Option<&super::api::CrossRef>| r.is_some_and(|r| !r.name.is_empty());
    match kind {
        FluxKind::Kustomization => (!has_ref(spec.source_ref.as_ref())).then_some("spec.sourceRef"),
        FluxKind::HelmRelease => {
            let chart = spec
                .chart
                .as_ref()
                .is_some_and(|c| !c.spec.source_ref.name.is_empty());
            (!chart && !has_ref(spec.chart_ref.as_ref()))
                .then_some("spec.chart.spec.sourceRef or spec.chartRef")
        }
        FluxKind::GitRepository | FluxKind::OCIRepository | FluxKind::HelmRepository => spec
            .url
            .as_deref()
            .is_none_or(str::is_empty)
            .then_some("spec.url"),
        FluxKind::HelmChart => (!has_ref(spec.source_ref.as_ref())).then_some("spec.sourceRef"),
        FluxKind::Bucket => spec
            .bucket_name
            .as_deref()
            .is_none_or(str::is_empty)
            .then_some("spec.bucketName"),
        FluxKind::ExternalArtifact => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selected_patch_adds_the_missing_source_ref() {
        let parent: FluxObject = serde_json::from_value(json!({
            "kind": "Kustomization", "metadata": {"name": "defs", "namespace": "flux-system"},
            "spec": {"path": "./clusters/c0/definitions"}
        }))
        .unwrap();
        let patches = patches_of(
            &parent,
            &json!([{"target": {"kind": "Kustomization", "labelSelector": "part-of=definitions"},
                     "patch": "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: not-used\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: home-ops\n"}]),
        );
        assert_eq!(patches.len(), 1);
        let mut raw = json!({"kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "flux-system", "labels": {"part-of": "definitions"}},
            "spec": {"path": "./x"}});
        let child: FluxObject = serde_json::from_value(raw.clone()).unwrap();
        assert!(patches[0].applies_to(&child, Path::new("clusters/c0/definitions/a.yaml")));
        assert!(!patches[0].applies_to(&child, Path::new("clusters/c1/a.yaml")));
        patches[0].apply(&mut raw);
        assert_eq!(raw["spec"]["sourceRef"]["name"], "home-ops");
        assert_eq!(raw["spec"]["path"], "./x");
    }

    #[test]
    fn set_based_selectors_match_nothing() {
        assert_eq!(parse_selector("a in (b)"), None);
        assert_eq!(parse_selector("a!=b"), None);
        assert_eq!(
            parse_selector("a=b,c==d"),
            Some(vec![("a".into(), "b".into()), ("c".into(), "d".into())])
        );
    }
}
