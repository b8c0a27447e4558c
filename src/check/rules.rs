//! The rule catalogue of `fluxops check`, as data: each rule's id (stable: CI configurations and SARIF
//! consumers key on it), default severity, what it means and the one-line fix. docs/CHECK.md lists them.

use super::Severity;

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// What the rule finds (SARIF `shortDescription`).
    pub summary: &'static str,
    /// The default one-line fix.
    pub fix: &'static str,
}

const fn rule(
    id: &'static str,
    severity: Severity,
    summary: &'static str,
    fix: &'static str,
) -> Rule {
    Rule {
        id,
        severity,
        summary,
        fix,
    }
}

pub const LOAD_ERROR: Rule = rule(
    "load-error",
    Severity::Error,
    "a file does not parse, or an object is at an API version no Flux release served",
    "fix the YAML at that line (or the apiVersion) so the controller can read the object",
);
pub const DUPLICATE_OBJECT: Rule = rule(
    "duplicate-object",
    Severity::Error,
    "the same object is defined twice for one cluster",
    "keep one definition; the second overwrites the first when both are applied",
);
pub const CYCLE: Rule = rule(
    "dependency-cycle",
    Severity::Error,
    "objects wait on each other in a cycle: none of them will ever reconcile",
    "remove one dependsOn entry of the cycle",
);
pub const DANGLING: Rule = rule(
    "dangling-reference",
    Severity::Error,
    "a reference names an object that is not in the repository",
    "correct the name/namespace of the reference, or add the object it names",
);
pub const DANGLING_EXPECTED: Rule = rule(
    "external-reference",
    Severity::Note,
    "a reference names an object normally created outside the repository (flux bootstrap, ArtifactGenerator)",
    "nothing to do if the object exists in the cluster",
);
pub const CROSS_KIND_DEPENDS_ON: Rule = rule(
    "cross-kind-depends-on",
    Severity::Error,
    "a dependsOn entry names an object of another kind: dependsOn only matches the dependent's own kind",
    "wait for a HelmRelease from a Kustomization with spec.healthChecks, not dependsOn",
);
pub const INVALID_SOURCE_KIND: Rule = rule(
    "invalid-source-kind",
    Severity::Error,
    "a sourceRef/chartRef names a kind that cannot serve it",
    "point the reference at a kind the field accepts (the message lists them)",
);
pub const SUSPEND_REVERTED: Rule = rule(
    "suspend-reverted",
    Severity::Warning,
    "a child's suspend is undone by the parent Kustomization that applies it",
    "suspend the parent first, or set suspend: true in Git",
);
pub const SUSPENDED_HEALTH_CHECKED: Rule = rule(
    "suspended-health-checked",
    Severity::Warning,
    "a suspended object is health-checked by its parent, which will time out waiting for it",
    "remove it from the parent's healthChecks (or resume it) while it is suspended",
);
pub const PATH_NOT_FOUND: Rule = rule(
    "path-not-found",
    Severity::Error,
    "a Kustomization's spec.path does not exist in its source",
    "correct spec.path (relative to the source root), or add the directory",
);
pub const INVALID_DURATION: Rule = rule(
    "invalid-duration",
    Severity::Error,
    "an interval, timeout or retryInterval is not a Go duration; the API server rejects the object",
    "write durations as Go durations: 30s, 5m, 1h30m",
);
pub const TIMEOUT_EXCEEDS_INTERVAL: Rule = rule(
    "timeout-exceeds-interval",
    Severity::Warning,
    "spec.timeout is longer than spec.interval: a reconcile can still be running when the next is due",
    "make spec.timeout shorter than spec.interval",
);
pub const RETRY_INTERVAL_MISSING: Rule = rule(
    "retry-interval-missing",
    Severity::Warning,
    "an object on a long dependsOn chain has no retryInterval: after one failure, everything behind it waits a full interval",
    "set spec.retryInterval (e.g. 1m) so a failure is retried sooner than the interval",
);
pub const BUILD_FAILED: Rule = rule(
    "build-failed",
    Severity::Error,
    "the Kustomization's path does not build (kustomize-controller reports BuildFailed)",
    "run `kubectl kustomize` on the path and fix what it reports",
);
pub const REMOTE_UNAVAILABLE: Rule = rule(
    "remote-unavailable",
    Severity::Note,
    "the path includes a remote resource (a Git URL or an https:// file) that could not be fetched from here (offline, DNS, refused, timed out): the path was not built",
    "check again with network access to the remote; kustomize-controller fetches it from the cluster",
);
pub const UNRESOLVED_VARIABLE: Rule = rule(
    "unresolved-variable",
    Severity::Warning,
    "a ${VAR} of the built output is set neither by postBuild.substitute nor by substituteFrom: it becomes empty",
    "define it in spec.postBuild.substitute / substituteFrom, or give it a default (${VAR:=default})",
);
pub const SUBSTITUTE_FROM_MISSING: Rule = rule(
    "substitute-from-missing",
    Severity::Warning,
    "a postBuild.substituteFrom ConfigMap/Secret is not in the repository",
    "make sure it exists in the cluster before the Kustomization runs, or mark it optional: true",
);
pub const BUILD_TOOL_MISSING: Rule = rule(
    "build-tool-missing",
    Severity::Note,
    "neither `kustomize` nor `kubectl` is on PATH: nothing was built",
    "install kustomize (or kubectl) to check builds, postBuild variables and immutable fields",
);
pub const IMMUTABLE_FIELD: Rule = rule(
    "immutable-field-changed",
    Severity::Error,
    "a field the API server refuses to change in place was changed (runbook recreate-immutable)",
    "recreate the object (delete it first, or annotate it kustomize.toolkit.fluxcd.io/force: enabled)",
);
pub const BASE_UNAVAILABLE: Rule = rule(
    "base-unavailable",
    Severity::Note,
    "no base revision to compare with: immutable-field changes were not checked",
    "pass --base REV, or set an upstream branch (git branch --set-upstream-to)",
);
pub const CLUSTER_IMMUTABLE: Rule = rule(
    "cluster-immutable",
    Severity::Error,
    "the live cluster refuses the change: a field of the live object cannot change in place (runbook recreate-immutable)",
    "recreate the object (delete it first, or annotate it kustomize.toolkit.fluxcd.io/force: enabled); runbook recreate-immutable",
);
pub const CLUSTER_REJECTED: Rule = rule(
    "cluster-rejected",
    Severity::Error,
    "the live cluster refuses the object's server-side dry-run (an admission webhook, a quota, validation, a missing namespace or CRD)",
    "fix the object, or what the cluster requires, as the server's message says, before pushing",
);
pub const CLUSTER_FORBIDDEN: Rule = rule(
    "cluster-forbidden",
    Severity::Warning,
    "the checking identity may not dry-run the object: it was not checked against the cluster",
    "check with a context allowed to patch it (kubectl auth can-i patch KIND -n NAMESPACE)",
);
pub const CHART_NOT_FOUND: Rule = rule(
    "chart-not-found",
    Severity::Error,
    "the chart is not in its HelmRepository (not in the index, or no such OCI repository): the HelmChart fails (runbook check-chart-version)",
    "fix spec.chart.spec.chart (the chart's name in the repository) or the HelmRepository's URL",
);
pub const CHART_VERSION_NOT_FOUND: Rule = rule(
    "chart-version-not-found",
    Severity::Error,
    "no version of the chart in its repository matches the version asked for: the HelmChart fails with \"no chart version found\" (runbook check-chart-version)",
    "set the version to one the repository has (the message names the latest), or publish the chart first",
);
pub const CHART_VERSION_INVALID: Rule = rule(
    "chart-version-invalid",
    Severity::Error,
    "the chart version is neither a version nor a semver range source-controller can read, or an OCIRepository's semverFilter is not a regular expression (runbook check-chart-version)",
    "write a semver version (6.6.1) or range (6.6.x, >=6.0 <7, ^6.6); a semverFilter is a regular expression (e.g. '.*-rc.*')",
);
pub const OCI_TAG_NOT_FOUND: Rule = rule(
    "oci-tag-not-found",
    Severity::Error,
    "the OCIRepository's tag (or no tag matching its semver range) is not in the registry: the artifact cannot be pulled",
    "push the artifact first (flux push artifact), or point spec.ref at a tag the registry has",
);
pub const REPOSITORY_UNAVAILABLE: Rule = rule(
    "repository-unavailable",
    Severity::Note,
    "a chart repository or OCI registry could not be asked (offline, refused, timed out, or no index at the URL): its versions were not checked",
    "check the repository URL, or pass --offline to skip chart version checks",
);

/// Every rule, in the order docs/CHECK.md lists them.
pub const RULES: &[Rule] = &[
    LOAD_ERROR,
    DUPLICATE_OBJECT,
    CYCLE,
    DANGLING,
    DANGLING_EXPECTED,
    CROSS_KIND_DEPENDS_ON,
    INVALID_SOURCE_KIND,
    SUSPEND_REVERTED,
    SUSPENDED_HEALTH_CHECKED,
    PATH_NOT_FOUND,
    INVALID_DURATION,
    TIMEOUT_EXCEEDS_INTERVAL,
    RETRY_INTERVAL_MISSING,
    BUILD_FAILED,
    REMOTE_UNAVAILABLE,
    UNRESOLVED_VARIABLE,
    SUBSTITUTE_FROM_MISSING,
    BUILD_TOOL_MISSING,
    IMMUTABLE_FIELD,
    BASE_UNAVAILABLE,
    CLUSTER_IMMUTABLE,
    CLUSTER_REJECTED,
    CLUSTER_FORBIDDEN,
    CHART_NOT_FOUND,
    CHART_VERSION_NOT_FOUND,
    CHART_VERSION_INVALID,
    OCI_TAG_NOT_FOUND,
    REPOSITORY_UNAVAILABLE,
];

/// The rule with this id.
#[must_use]
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_every_rule_has_a_fix() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate rule id");
        for r in RULES {
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                r.id
            );
            assert!(!r.fix.is_empty() && !r.fix.contains('\n'), "{}", r.id);
            assert_eq!(by_id(r.id), Some(r));
        }
    }
}
