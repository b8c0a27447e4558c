//! The trace of an object, as `flux trace` gives it: the object → the Kustomization or HelmRelease that applied
//! it (from the owner labels kustomize-controller and helm-controller set: `kustomize.toolkit.fluxcd.io/name` +
//! `…/namespace`, `helm.toolkit.fluxcd.io/name` + `…/namespace`) → its source (a Kustomization's `sourceRef`; a
//! HelmRelease's HelmChart from `status.helmChart` or `spec.chartRef`, then the chart's own source) → the
//! revisions: the one the applier last applied and the one the source's artifact holds, each hop with its Ready
//! condition.
//!
//! Pure: [`owner`], [`next_source`] and [`hop`] read JSON objects; the reads are `cluster::trace`'s, which
//! walks the chain with them ([`MAX_HOPS`] at most). Nothing here is sanitised: the CLI and the console do it
//! where the text is written.

use super::{FluxKind, ResourceRef};
use serde::Serialize;
use serde_json::Value;

/// Hops after the object at most (applier, chart, chart source, and one to spare).
pub const MAX_HOPS: usize = 4;

/// What a hop is in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// The object traced.
    Object,
    /// The Kustomization or HelmRelease whose labels it carries.
    AppliedBy,
    /// Where the applier's content comes from.
    Source,
}

/// A hop's Ready condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ready {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    pub message: String,
    /// `lastTransitionTime`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// One object of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub role: Role,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `None`: the object has no Ready condition (or was not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<Ready>,
    /// What `flux trace` prints for the kind, in order (`Path`, `Revision`, `URL`, `Branch` …).
    pub facts: Vec<(String, String)>,
    /// Why the object could not be read (`not found`, `forbidden` …); then `ready` and `facts` are empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// The whole trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Whether the object carries Flux owner labels (a Flux object that nothing applied is not managed).
    pub managed: bool,
    /// The object first, then the applier, then its source(s).
    pub hops: Vec<Hop>,
}

impl Trace {
    /// The revision the applier applied last and the one its source holds, when both hops were read.
    #[must_use]
    pub fn revisions(&self) -> (Option<&str>, Option<&str>) {
        let fact = |role: Role, key: &str| {
            self.hops
                .iter()
                .filter(|h| h.role == role)
                .find_map(|h| h.facts.iter().find(|(k, _)| k == key))
                .map(|(_, v)| v.as_str())
        };
        (
            fact(Role::AppliedBy, "Revision"),
            fact(Role::Source, "Revision"),
        )
    }
}

fn text<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The Kustomization or HelmRelease that applied `obj`, from its owner labels (kustomize-controller's first:
/// a HelmRelease's HelmChart carries helm labels, and a Kustomization applies HelmReleases).
#[must_use]
pub fn owner(obj: &Value) -> Option<ResourceRef> {
    for (group, kind) in [
        ("kustomize.toolkit.fluxcd.io", FluxKind::Kustomization),
        ("helm.toolkit.fluxcd.io", FluxKind::HelmRelease),
    ] {
        if let Some(name) = label(obj, &format!("{group}/name")) {
            // The namespace label is always set with the name; a missing one means the object's namespace.
            let ns = label(obj, &format!("{group}/namespace"))
                .or_else(|| text(obj, "/metadata/namespace"))
                .unwrap_or_default();
            return Some(ResourceRef::new(kind, ns, name));
        }
    }
    None
}

fn reference(v: &Value, default_ns: &str) -> Option<ResourceRef> {
    let kind = FluxKind::from_kind(text(v, "/kind")?)?;
    let name = text(v, "/name")?;
    let ns = text(v, "/namespace").unwrap_or(default_ns);
    Some(ResourceRef::new(kind, ns, name))
}

/// The source `obj` (of `kind`) gets its content from: a Kustomization's `spec.sourceRef`; a HelmRelease's
/// `spec.chartRef`, else its HelmChart (`status.helmChart`, else `<namespace>-<name>` in the chart's
/// `sourceRef` namespace); a HelmChart's `spec.sourceRef` (same namespace). `None` for sources themselves.
#[must_use]
pub fn next_source(kind: FluxKind, obj: &Value) -> Option<ResourceRef> {
    let ns = text(obj, "/metadata/namespace").unwrap_or_default();
    match kind {
        FluxKind::Kustomization => reference(obj.pointer("/spec/sourceRef")?, ns),
        FluxKind::HelmRelease => {
            if let Some(r) = obj.pointer("/spec/chartRef") {
                return reference(r, ns);
            }
            if let Some((chart_ns, chart)) =
                text(obj, "/status/helmChart").and_then(|c| c.split_once('/'))
            {
                return Some(ResourceRef::new(FluxKind::HelmChart, chart_ns, chart));
            }
            let source_ns = text(obj, "/spec/chart/spec/sourceRef/namespace").unwrap_or(ns);
            let name = text(obj, "/metadata/name")?;
            Some(ResourceRef::new(
                FluxKind::HelmChart,
                source_ns,
                format!("{ns}-{name}"),
            ))
        }
        FluxKind::HelmChart => reference(obj.pointer("/spec/sourceRef")?, ns),
        _ => None,
    }
}

/// The Ready condition of `obj`.
#[must_use]
pub fn ready(obj: &Value) -> Option<Ready> {
    let c = obj
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))?;
    let s = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(Ready {
        status: s("status"),
        reason: s("reason"),
        message: s("message"),
        since: c
            .get("lastTransitionTime")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// What `flux trace` prints of an object of `kind` (a Flux kind; other kinds have no facts).
#[must_use]
pub fn facts(kind: Option<FluxKind>, obj: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |key: &str, pointer: &str| {
        if let Some(v) = text(obj, pointer) {
            out.push((key.to_owned(), v.to_owned()));
        }
    };
    match kind {
        Some(FluxKind::Kustomization) => {
            put("Path", "/spec/path");
            put("Revision", "/status/lastAppliedRevision");
            put("Attempted", "/status/lastAttemptedRevision");
        }
        Some(FluxKind::HelmRelease) => {
            put("Chart", "/spec/chart/spec/chart");
            put("Version", "/spec/chart/spec/version");
            put("Revision", "/status/lastAttemptedRevision");
        }
        Some(FluxKind::HelmChart) => {
            put("Chart", "/spec/chart");
            put("Version", "/spec/version");
            put("Revision", "/status/artifact/revision");
        }
        Some(
            FluxKind::GitRepository
            | FluxKind::OCIRepository
            | FluxKind::HelmRepository
            | FluxKind::Bucket
            | FluxKind::ExternalArtifact,
        ) => {
            put("URL", "/spec/url");
            put("Endpoint", "/spec/endpoint");
            put("Bucket", "/spec/bucketName");
            put("Branch", "/spec/ref/branch");
            put("Tag", "/spec/ref/tag");
            put("Semver", "/spec/ref/semver");
            put("Commit", "/spec/ref/commit");
            put("Ref", "/spec/ref/name");
            put("Digest", "/spec/ref/digest");
            put("Revision", "/status/artifact/revision");
        }
        None => {}
    }
    out
}

/// The hop for an object read.
#[must_use]
pub fn hop(role: Role, kind: &str, obj: &Value) -> Hop {
    let flux = FluxKind::from_kind(kind).filter(|_| {
        // A Deployment named like a Flux kind is not one: only Flux API groups count.
        text(obj, "/apiVersion").is_none_or(|v| v.contains("toolkit.fluxcd.io"))
    });
    Hop {
        role,
        kind: kind.to_owned(),
        namespace: text(obj, "/metadata/namespace")
            .unwrap_or_default()
            .to_owned(),
        name: text(obj, "/metadata/name").unwrap_or_default().to_owned(),
        ready: flux.and_then(|_| ready(obj)),
        facts: facts(flux, obj),
        missing: None,
    }
}

/// The hop for an object that could not be read (`why`: not found, forbidden …).
#[must_use]
pub fn missing(role: Role, r: &ResourceRef, why: impl Into<String>) -> Hop {
    Hop {
        role,
        kind: r.kind.as_str().to_owned(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        ready: None,
        facts: Vec::new(),
        missing: Some(why.into()),
    }
}

/// The trace as text, `flux trace` style: one block per hop, `---` between them. `clean` makes each value safe
/// for a terminal (the CLI passes `text::sanitize_line`).
#[must_use]
pub fn render(trace: &Trace, clean: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let field = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("{:<16}{}\n", format!("{key}:"), clean(value)));
    };
    for (i, h) in trace.hops.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        if h.role == Role::Object {
            field(&mut out, "Object", &format!("{}/{}", h.kind, h.name));
        } else {
            field(&mut out, &h.kind, &h.name);
        }
        if !h.namespace.is_empty() {
            field(&mut out, "Namespace", &h.namespace);
        }
        if h.role == Role::Object {
            let status = if trace.managed {
                "Managed by Flux"
            } else {
                "Not managed by Flux (no kustomize.toolkit.fluxcd.io or helm.toolkit.fluxcd.io owner labels)"
            };
            field(&mut out, "Status", status);
            if let Some(r) = &h.ready {
                field(&mut out, "Ready", &ready_text(r));
            }
            continue;
        }
        if let Some(why) = &h.missing {
            field(&mut out, "Status", &format!("cannot be read: {why}"));
            continue;
        }
        for (k, v) in &h.facts {
            field(&mut out, k, v);
        }
        match &h.ready {
            Some(r) => field(&mut out, "Ready", &ready_text(r)),
            None => field(&mut out, "Ready", "no Ready condition yet"),
        }
    }
    out
}

/// `True (ReconciliationSucceeded): Applied revision: main@sha1:…`
#[must_use]
pub fn ready_text(r: &Ready) -> String {
    let mut s = r.status.clone();
    if !r.reason.is_empty() {
        s.push_str(&format!(" ({})", r.reason));
    }
    if !r.message.is_empty() {
        s.push_str(": ");
        s.push_str(&r.message);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_owner_comes_from_the_labels_kustomize_first() {
        let d = json!({"metadata": {"namespace": "apps", "name": "podinfo", "labels": {
            "helm.toolkit.fluxcd.io/name": "podinfo", "helm.toolkit.fluxcd.io/namespace": "apps",
            "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}}});
        assert_eq!(
            owner(&d),
            Some(ResourceRef::new(
                FluxKind::Kustomization,
                "flux-system",
                "apps"
            ))
        );
        let h = json!({"metadata": {"namespace": "apps", "labels": {"helm.toolkit.fluxcd.io/name": "podinfo"}}});
        assert_eq!(
            owner(&h),
            Some(ResourceRef::new(FluxKind::HelmRelease, "apps", "podinfo"))
        );
        assert_eq!(owner(&json!({"metadata": {"name": "x"}})), None);
    }

    #[test]
    fn a_helmrelease_leads_to_its_chart_and_the_chart_to_its_repository() {
        let hr = json!({"metadata": {"namespace": "apps", "name": "redis"},
            "spec": {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami", "namespace": "flux-system"}}}}});
        assert_eq!(
            next_source(FluxKind::HelmRelease, &hr),
            Some(ResourceRef::new(
                FluxKind::HelmChart,
                "flux-system",
                "apps-redis"
            ))
        );
        let chart = json!({"metadata": {"namespace": "flux-system", "name": "apps-redis"},
            "spec": {"sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}});
        assert_eq!(
            next_source(FluxKind::HelmChart, &chart),
            Some(ResourceRef::new(
                FluxKind::HelmRepository,
                "flux-system",
                "bitnami"
            ))
        );
        let oci = json!({"metadata": {"namespace": "apps", "name": "x"},
            "spec": {"chartRef": {"kind": "OCIRepository", "name": "podinfo"}}});
        assert_eq!(
            next_source(FluxKind::HelmRelease, &oci),
            Some(ResourceRef::new(FluxKind::OCIRepository, "apps", "podinfo"))
        );
    }
}
