//! The merge patches of the direct Flux operations, exactly as `flux` sends them (FLUX.md §7): the reconcile
//! request annotation (with `forceAt`/`resetAt` equal to it for a HelmRelease force or reset), or
//! `spec.suspend`. The same patch is sent as the server-side dry-run and then for real. Pure.

use crate::actions::spec::DirectOperation;
use serde_json::{Value, json};

/// The annotation that asks for a reconcile.
pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
/// HelmRelease: force a one-off upgrade (equal to `requestedAt`).
pub const FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
/// HelmRelease: reset the failure counters (equal to `requestedAt`).
pub const RESET_AT: &str = "reconcile.fluxcd.io/resetAt";
/// The field manager of every fluxops write.
pub const FIELD_MANAGER: &str = "fluxops";

/// A reconcile request token: the time, RFC 3339 with nanoseconds (as `flux` writes it).
#[must_use]
pub fn token() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

/// The reconcile request (plus the annotations in `also`, set to the same token).
#[must_use]
pub fn request(token: &str, also: &[&str]) -> Value {
    let mut annotations = serde_json::Map::new();
    annotations.insert(REQUESTED_AT.to_owned(), json!(token));
    for a in also {
        annotations.insert((*a).to_owned(), json!(token));
    }
    json!({"metadata": {"annotations": annotations}})
}

/// `spec.suspend`.
#[must_use]
pub fn suspend(value: bool) -> Value {
    json!({"spec": {"suspend": value}})
}

/// The patch one step of `op` sends to its object. Chains and with-source send [`request`] to each object.
#[must_use]
pub fn for_operation(op: DirectOperation, token: &str) -> Value {
    match op {
        DirectOperation::Suspend => suspend(true),
        DirectOperation::Resume => suspend(false),
        DirectOperation::Force => request(token, &[FORCE_AT]),
        DirectOperation::Reset => request(token, &[RESET_AT]),
        DirectOperation::Reconcile
        | DirectOperation::ReconcileWithSource
        | DirectOperation::RecoverChain => request(token, &[]),
        // A restore sends server-side applies of snapshot objects (`execution::restore`), never this patch.
        DirectOperation::Restore => json!({}),
    }
}

/// What a patch changes, one line per leaf: `metadata.annotations.reconcile.fluxcd.io/requestedAt: (none) →
/// 2025-…`, read from the object before and the server's answer to the dry-run.
#[must_use]
pub fn diff(patch: &Value, before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    leaves(patch, &mut Vec::new(), &mut |path| {
        let pointer = format!(
            "/{}",
            path.iter()
                .map(|p| p.replace('~', "~0").replace('/', "~1"))
                .collect::<Vec<_>>()
                .join("/")
        );
        let show = |v: Option<&Value>| match v {
            None | Some(Value::Null) => "(none)".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let (old, new) = (before.pointer(&pointer), after.pointer(&pointer));
        let line = format!("{}: {} → {}", path.join("."), show(old), show(new));
        out.push(if old == new {
            format!("{line} (unchanged)")
        } else {
            line
        });
    });
    out
}

fn leaves(value: &Value, path: &mut Vec<String>, visit: &mut dyn FnMut(&[String])) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                leaves(v, path, visit);
                path.pop();
            }
        }
        _ => visit(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_and_reset_equal_the_request_token() {
        let p = for_operation(DirectOperation::Force, "t1");
        assert_eq!(p["metadata"]["annotations"][REQUESTED_AT], "t1");
        assert_eq!(p["metadata"]["annotations"][FORCE_AT], "t1");
        let r = for_operation(DirectOperation::Reset, "t2");
        assert_eq!(r["metadata"]["annotations"][RESET_AT], "t2");
        assert_eq!(for_operation(DirectOperation::Resume, "x"), suspend(false));
        assert!(token().contains('T'));
    }

    #[test]
    fn the_diff_names_each_changed_leaf() {
        let patch = suspend(true);
        let before = json!({"spec": {"suspend": false}});
        let after = json!({"spec": {"suspend": true}});
        assert_eq!(
            diff(&patch, &before, &after),
            ["spec.suspend: false → true"]
        );
        let req = request("t", &[]);
        let lines = diff(
            &req,
            &json!({}),
            &json!({"metadata": {"annotations": {REQUESTED_AT: "t"}}}),
        );
        assert_eq!(
            lines,
            ["metadata.annotations.reconcile.fluxcd.io/requestedAt: (none) → t"]
        );
    }
}
