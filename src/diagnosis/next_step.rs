//! The runbook catalogue: every next step the classifier can suggest, by id, with its one line of advice. Each
//! class has a default; a rule (or, for Helm actions, the Helm error under them) can name a more specific one.
//! docs/diagnosis.md lists the ids and what each runbook will walk through.

use super::FailureClass;
pub use super::NextStep;
use super::rules::Verdict;
use regex::Regex;
use std::sync::LazyLock;

const fn step(runbook: &'static str, advice: &'static str) -> NextStep {
    NextStep { runbook, advice }
}

pub const RECREATE_IMMUTABLE: NextStep = step(
    "recreate-immutable",
    "the field cannot change in place: delete and recreate the object, or allow Flux to (kustomize.toolkit.fluxcd.io/force: enabled)",
);
pub const FOLLOW_DEPENDENCY: NextStep = step(
    "follow-dependency",
    "fix the dependency first; this object retries by itself once the dependency is Ready",
);
pub const INSPECT_WAITED_RESOURCES: NextStep = step(
    "inspect-waited-resources",
    "look at the resources the health check waited on (their pods and events); raise spec.timeout only if they are just slow",
);
pub const INSPECT_FAILED_RESOURCES: NextStep = step(
    "inspect-failed-resources",
    "look at the resources that failed their health check (status, pods, events) and fix them",
);
pub const REPRODUCE_BUILD: NextStep = step(
    "reproduce-build",
    "run `flux build kustomization` (or `kustomize build`) on the failing revision and fix the manifests",
);
pub const POSTBUILD_VARIABLES: NextStep = step(
    "postbuild-variables",
    "define the variable in spec.postBuild.substitute / substituteFrom, or give it a default (${VAR:=default})",
);
pub const DECRYPT_SECRETS: NextStep = step(
    "decrypt-secrets",
    "check spec.decryption and that its secret holds the key the file was encrypted for",
);
pub const CONFIGURE_DECRYPTION: NextStep = step(
    "configure-decryption",
    "set spec.decryption (provider: sops, secretRef) on the Kustomization that applies this secret",
);
pub const CHECK_KUSTOMIZATION_PATH: NextStep = step(
    "check-kustomization-path",
    "spec.path does not exist in the source artifact: fix the path or the source's ref",
);
pub const CHECK_SOURCE: NextStep = step(
    "check-source",
    "look at the source's status and events; check its URL, ref and that the remote answers",
);
pub const FOLLOW_SOURCE: NextStep = step(
    "follow-source",
    "the source is not ready yet: diagnose the source object this one reads",
);
pub const CHECK_SOURCE_REF: NextStep = step(
    "check-source-ref",
    "the branch, tag or commit in spec.ref does not exist in the remote: fix spec.ref",
);
pub const CHECK_SIGNATURE: NextStep = step(
    "check-signature",
    "the artifact's signature did not verify: check spec.verify (provider, keys or identities) and how it was signed",
);
pub const CHECK_CHART_VERSION: NextStep = step(
    "check-chart-version",
    "no chart version matches: fix the chart name or version constraint, or publish that version",
);
pub const CHECK_CREDENTIALS: NextStep = step(
    "check-credentials",
    "check the credentials in spec.secretRef (or the workload identity) against what the remote expects",
);
pub const CHECK_KNOWN_HOSTS: NextStep = step(
    "check-known-hosts",
    "the SSH host key changed or is unknown: update known_hosts in the source's secret",
);
pub const CHECK_RBAC: NextStep = step(
    "check-rbac",
    "the API server refused: check the service account Flux impersonates (spec.serviceAccountName) and its RBAC",
);
pub const MISSING_SERVICE_ACCOUNT: NextStep = step(
    "missing-service-account",
    "a ServiceAccount the object needs does not exist yet: create it first (same Kustomization or a dependsOn)",
);
pub const INSPECT_HELM_INSTALL: NextStep = step(
    "inspect-helm-install",
    "read the Helm error; look at the release's pods and events; fix values or chart, then reconcile",
);
pub const INSPECT_HELM_UPGRADE: NextStep = step(
    "inspect-helm-upgrade",
    "read the Helm error and `helm history`; fix values or chart, then reconcile",
);
pub const HELM_WAIT_TIMEOUT: NextStep = step(
    "helm-wait-timeout",
    "the release's resources did not become ready in spec.timeout: look at its pods and jobs",
);
pub const HELM_RELEASE_LOCKED: NextStep = step(
    "helm-release-locked",
    "a Helm operation is pending on this release: wait, or roll back the pending release (`helm rollback`)",
);
pub const HELM_TEST_FAILED: NextStep = step(
    "helm-test-failed",
    "look at the failed test pod's logs; fix the release or its tests",
);
pub const HELM_REMEDIATION_FAILED: NextStep = step(
    "helm-remediation-failed",
    "remediation failed: look at `helm history` and the release's resources before retrying",
);
pub const HELM_DRIFT: NextStep = step(
    "helm-drift",
    "something changed the release's objects in the cluster: find who, or let Flux correct drift",
);
pub const RESET_RETRIES: NextStep = step(
    "reset-retries",
    "fix the cause, then `flux reconcile helmrelease --reset` (or suspend and resume) to retry",
);
pub const FIX_MANIFEST_SCHEMA: NextStep = step(
    "fix-manifest-schema",
    "the API server rejected the manifest: fix the field it names",
);
pub const INSTALL_CRD_FIRST: NextStep = step(
    "install-crd-first",
    "the kind or version is not served: install its CRD first (a dependsOn on the Kustomization that does) or fix apiVersion",
);
pub const FIX_SOURCE_URL: NextStep = step(
    "fix-source-url",
    "spec.url is not a URL the controller supports: fix its scheme and form",
);
pub const INSPECT_OBJECT: NextStep =
    step("inspect-object", "read the object's conditions and events");

/// Every runbook, class defaults first.
pub const CATALOGUE: &[NextStep] = &[
    RECREATE_IMMUTABLE,
    FOLLOW_DEPENDENCY,
    INSPECT_WAITED_RESOURCES,
    INSPECT_FAILED_RESOURCES,
    REPRODUCE_BUILD,
    CHECK_SOURCE,
    CHECK_CREDENTIALS,
    INSPECT_HELM_INSTALL,
    INSPECT_HELM_UPGRADE,
    RESET_RETRIES,
    FIX_MANIFEST_SCHEMA,
    INSPECT_OBJECT,
    POSTBUILD_VARIABLES,
    DECRYPT_SECRETS,
    CONFIGURE_DECRYPTION,
    CHECK_KUSTOMIZATION_PATH,
    FOLLOW_SOURCE,
    CHECK_SOURCE_REF,
    CHECK_CHART_VERSION,
    CHECK_SIGNATURE,
    CHECK_KNOWN_HOSTS,
    CHECK_RBAC,
    MISSING_SERVICE_ACCOUNT,
    HELM_WAIT_TIMEOUT,
    HELM_RELEASE_LOCKED,
    HELM_TEST_FAILED,
    HELM_REMEDIATION_FAILED,
    HELM_DRIFT,
    INSTALL_CRD_FIRST,
    FIX_SOURCE_URL,
];

/// The default next step of a class.
#[must_use]
pub fn for_class(class: FailureClass) -> NextStep {
    match class {
        FailureClass::ImmutableField => RECREATE_IMMUTABLE,
        FailureClass::DependencyNotReady => FOLLOW_DEPENDENCY,
        FailureClass::HealthCheckTimeout => INSPECT_WAITED_RESOURCES,
        FailureClass::HealthCheckFailed => INSPECT_FAILED_RESOURCES,
        FailureClass::BuildFailed => REPRODUCE_BUILD,
        FailureClass::SourceFetchFailed => CHECK_SOURCE,
        FailureClass::PermissionDenied => CHECK_CREDENTIALS,
        FailureClass::HelmInstallFailed => INSPECT_HELM_INSTALL,
        FailureClass::HelmUpgradeFailed => INSPECT_HELM_UPGRADE,
        FailureClass::RetriesExhausted => RESET_RETRIES,
        FailureClass::SchemaValidation => FIX_MANIFEST_SCHEMA,
        FailureClass::Other | FailureClass::Unclassified => INSPECT_OBJECT,
    }
}

/// Helm's own errors under a failed install/upgrade that have a runbook of their own.
static HELM_CAUSES: LazyLock<[(Option<Regex>, NextStep); 2]> = LazyLock::new(|| {
    [
        (
            Regex::new(r"(?i)\banother operation \(install/upgrade/rollback\) is in progress\b")
                .ok(),
            HELM_RELEASE_LOCKED,
        ),
        (
            Regex::new(
                r"(?i)\btimed out waiting for the condition\b|\bcontext deadline exceeded\b",
            )
            .ok(),
            HELM_WAIT_TIMEOUT,
        ),
    ]
});

/// The next step for a verdict: the rule's own, a Helm cause's, or the class default.
#[must_use]
pub fn for_verdict(verdict: &Verdict, message: &str) -> NextStep {
    if let Some(step) = verdict.next_step {
        return step;
    }
    if matches!(
        verdict.class,
        FailureClass::HelmInstallFailed | FailureClass::HelmUpgradeFailed
    ) && let Some((_, step)) = HELM_CAUSES
        .iter()
        .find(|(re, _)| re.as_ref().is_some_and(|re| re.is_match(message)))
    {
        return *step;
    }
    for_class(verdict.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runbook_ids_are_unique_kebab_case_and_every_class_default_is_catalogued() {
        let mut ids: Vec<_> = CATALOGUE.iter().map(|s| s.runbook).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        for class in FailureClass::ALL {
            assert!(CATALOGUE.contains(&for_class(class)), "{class}");
        }
        assert!(HELM_CAUSES.iter().all(|(re, _)| re.is_some()));
    }

    #[test]
    fn every_rule_step_is_catalogued() {
        for rule in super::super::rules::RULES {
            if let Some(step) = rule.next_step {
                assert!(CATALOGUE.contains(&step), "{}", rule.name);
            }
        }
    }
}
