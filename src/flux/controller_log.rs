//! The Flux controllers' JSON log lines (controller-runtime zap JSON, `--log-encoding=json`, the default): which
//! controller reconciles a kind, which pods are its (`app=<controller>` in `flux-system`, as `flux install`
//! labels them), whether a line names an object, and the fields the log view shows.
//!
//! A line names an object when it carries the object under its Kind key (`"Kustomization":{"name","namespace"}`,
//! controller-runtime's reconciler logger), or `controllerKind` + `name` + `namespace` (the same logger's flat
//! values) — never by a substring of the text, so `apps` does not match `apps-v2` and a message that merely
//! mentions the name is not taken for the object's own line. Lines that are not JSON objects (the console
//! encoding, a panic) name nothing.
//!
//! Pure; nothing here is sanitised (the view does it: log lines are untrusted).

use super::{FluxKind, ResourceRef};
use serde_json::Value;

/// The namespace the controllers run in (a default install; `flux logs --flux-namespace`).
pub const FLUX_NAMESPACE: &str = "flux-system";
/// The container of every controller pod.
pub const CONTAINER: &str = "manager";

/// The controller that reconciles `kind`.
#[must_use]
pub fn controller_of(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Kustomization => "kustomize-controller",
        FluxKind::HelmRelease => "helm-controller",
        _ => "source-controller",
    }
}

/// The label selector of `kind`'s controller pods.
#[must_use]
pub fn pod_selector(kind: FluxKind) -> String {
    format!("app={}", controller_of(kind))
}

/// One line of a controller's log, the fields the view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `info`, `error`, `debug`, `trace`.
    pub level: String,
    /// `ts` as written (ISO 8601).
    pub ts: String,
    pub msg: String,
    pub error: Option<String>,
    pub revision: Option<String>,
    /// The pod it came from.
    pub pod: String,
}

impl Entry {
    /// Whether the line reports a failure.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.level == "error" || self.error.is_some()
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Whether the JSON line `v` is about `r`.
#[must_use]
pub fn names(v: &Value, r: &ResourceRef) -> bool {
    let kind = r.kind.as_str();
    if let Some(obj) = v.get(kind).filter(|o| o.is_object()) {
        return str_of(obj, "name") == Some(r.name.as_str())
            && str_of(obj, "namespace") == Some(r.namespace.as_str());
    }
    str_of(v, "controllerKind") == Some(kind)
        && str_of(v, "name") == Some(r.name.as_str())
        && str_of(v, "namespace") == Some(r.namespace.as_str())
}

/// The entry of a log line about `r`, if the line is a JSON object that names it. Bounded work: lines longer
/// than [`MAX_LINE`] are not parsed.
#[must_use]
pub fn entry_for(line: &str, r: &ResourceRef, pod: &str) -> Option<Entry> {
    if line.len() > MAX_LINE || !line.trim_start().starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    if !names(&v, r) {
        return None;
    }
    let text = |k: &str| str_of(&v, k).map(str::to_owned);
    Some(Entry {
        level: text("level").unwrap_or_default(),
        ts: text("ts").unwrap_or_default(),
        msg: text("msg").unwrap_or_default(),
        error: text("error"),
        revision: text("revision"),
        pod: pod.to_owned(),
    })
}

/// Longest line parsed (a controller line with a large change set is a few kB).
pub const MAX_LINE: usize = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"level":"error","ts":"2024-11-13T17:02:59.892Z","msg":"Reconciliation failed after 467.22062ms, next try in 1m0s","controller":"kustomization","controllerGroup":"kustomize.toolkit.fluxcd.io","controllerKind":"Kustomization","Kustomization":{"name":"local-manifests","namespace":"flux-system"},"namespace":"flux-system","name":"local-manifests","reconcileID":"df8f8c19-09bb-4307-a8c1-460d6cc5a373","revision":"main@sha1:40e30ea9","error":"kustomization path not found"}"#;

    #[test]
    fn a_line_names_its_object_by_the_kind_key_not_by_substring() {
        let ks = ResourceRef::new(FluxKind::Kustomization, "flux-system", "local-manifests");
        let e = entry_for(LINE, &ks, "kc-1").unwrap();
        assert_eq!(e.level, "error");
        assert_eq!(e.error.as_deref(), Some("kustomization path not found"));
        assert_eq!(e.revision.as_deref(), Some("main@sha1:40e30ea9"));
        assert!(e.is_error());
        let prefix = ResourceRef::new(FluxKind::Kustomization, "flux-system", "local");
        assert!(entry_for(LINE, &prefix, "kc-1").is_none());
        let other_kind =
            ResourceRef::new(FluxKind::GitRepository, "flux-system", "local-manifests");
        assert!(entry_for(LINE, &other_kind, "kc-1").is_none());
        let other_ns = ResourceRef::new(FluxKind::Kustomization, "apps", "local-manifests");
        assert!(entry_for(LINE, &other_ns, "kc-1").is_none());
        assert!(entry_for("local-manifests failed", &ks, "kc-1").is_none());
    }
}
