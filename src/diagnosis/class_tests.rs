//! Each failure class on real texts: Flux events, logs and conditions from `shared/data/events.tsv`, the
//! controller format strings and API-server texts of FLUX.md §9 (filled in where marked "format"), and the
//! messages of `shared/data/failures.tsv` that are edge cases. The whole of events.tsv is also swept: every
//! observed Warning gets a confident class, every success or progress text stays unclassified (with the row's
//! kind and reason given, as the console gives them).

use super::*;

fn d(message: &str) -> Diagnosis {
    diagnose(&FailureInput {
        kind: None,
        reason: None,
        message,
    })
}

fn d_with(kind: FluxKind, reason: &str, message: &str) -> Diagnosis {
    diagnose(&FailureInput {
        kind: Some(kind),
        reason: Some(reason),
        message,
    })
}

#[test]
fn immutable_selector_names_object_and_field() {
    // FLUX.md §9 (vre-hub/vre#212, current SSA format).
    let x = d(
        r#"DaemonSet/jhub/eosfuse dry-run failed (Invalid): DaemonSet.apps "eosfuse" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"eosfuse"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#,
    );
    assert_eq!(x.class, FailureClass::ImmutableField);
    assert_eq!(x.confidence, Confidence::High);
    assert_eq!(x.facts.object.as_deref(), Some("DaemonSet/jhub/eosfuse"));
    assert_eq!(x.facts.field.as_deref(), Some("spec.selector"));
    assert_eq!(x.next_step.runbook, "recreate-immutable");
    assert_eq!(
        x.headline(),
        "immutable field spec.selector on DaemonSet/jhub/eosfuse"
    );
}

#[test]
fn immutable_job_template_in_the_pre_2023_format_and_force_failure() {
    // FLUX.md §9: older "dry-run failed, reason: Invalid" form with the Job text.
    let x = d(
        r#"Job/default/migrate dry-run failed, reason: Invalid, error: Job.batch "migrate" is invalid: spec.template: Invalid value: core.PodTemplateSpec{}: field is immutable"#,
    );
    assert_eq!(x.class, FailureClass::ImmutableField);
    assert_eq!(x.facts.field.as_deref(), Some("spec.template"));
    let x =
        d("Deployment/podinfo/podinfo immutable field detected, failed to delete object: timeout");
    assert_eq!(x.class, FailureClass::ImmutableField);
    assert_eq!(
        x.facts.object.as_deref(),
        Some("Deployment/podinfo/podinfo")
    );
}

#[test]
fn immutable_field_under_a_helm_upgrade_wins_and_keeps_the_chart() {
    // FLUX.md §9: the Helm error carries the API-server text (format filled in).
    let x = d(
        r#"Helm upgrade failed for release podinfo/podinfo with chart podinfo@6.5.4: cannot patch "podinfo" with kind Deployment: Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: v1.LabelSelector{}: field is immutable"#,
    );
    assert_eq!(x.class, FailureClass::ImmutableField);
    assert_eq!(x.facts.chart.as_deref(), Some("podinfo"));
    assert_eq!(x.facts.version.as_deref(), Some("6.5.4"));
    assert_eq!(x.facts.release.as_deref(), Some("podinfo/podinfo"));
    assert_eq!(x.facts.object.as_deref(), Some("Deployment/podinfo"));
    assert_eq!(x.facts.field.as_deref(), Some("spec.selector"));
}

#[test]
fn statefulset_forbidden_update_is_immutable_not_permission() {
    // failures.tsv, flux2#2328: user line-wrapped, older Kubernetes wording.
    let x = d(
        "StatefulSet/mbr-rabbitmq-ptg/rabbitmq dry-run failed, reason: Invalid,\n error: StatefulSet.apps \"rabbitmq\" is invalid: spec: Forbidden: updates\n to statefulset spec for fields other than 'replicas', 'template', and\n 'updateStrategy' are forbidden",
    );
    assert_eq!(x.class, FailureClass::ImmutableField);
    assert_eq!(x.facts.field.as_deref(), Some("spec"));
}

#[test]
fn dependency_not_ready_in_every_controller_wording() {
    for (message, dep) in [
        (
            "dependency 'flux-system/keycloak-operator' is not ready",
            Some("flux-system/keycloak-operator"),
        ),
        (
            "dependency 'apps/db' is not ready according to readyExpr eval",
            Some("apps/db"),
        ),
        (
            "dependency 'apps/db' revision is not up to date",
            Some("apps/db"),
        ),
        (
            "Dependencies do not meet ready condition, retrying in 30s",
            None,
        ),
        (
            "dependencies do not meet ready condition (dependency 'flux-system/cert-manager' is not ready): retrying in 30s",
            Some("flux-system/cert-manager"),
        ),
    ] {
        let x = d(message);
        assert_eq!(x.class, FailureClass::DependencyNotReady, "{message}");
        assert_eq!(x.confidence, Confidence::High);
        assert_eq!(x.facts.dependency.as_deref(), dep, "{message}");
    }
}

#[test]
fn health_check_timeout_lists_what_it_waited_on() {
    // events.tsv (kustomize-controller#374, 2021 wording).
    let x = d(
        "Health check timed out for [Deployment 'default/fails', Deployment 'default/fails2', Job 'default/wrong', Deployment 'default/git']",
    );
    assert_eq!(x.class, FailureClass::HealthCheckTimeout);
    assert_eq!(
        x.facts.waited_on,
        vec![
            "Deployment/default/fails",
            "Deployment/default/fails2",
            "Job/default/wrong",
            "Deployment/default/git"
        ]
    );
    // Current lower-case format (events.tsv format row, filled in).
    let x = d(
        "health check failed after 5m0.031s: timeout waiting for: [Deployment/default/podinfo status: 'InProgress', HelmRelease/default/redis status: 'Failed': install failed]",
    );
    assert_eq!(x.class, FailureClass::HealthCheckTimeout);
    assert_eq!(
        x.facts.waited_on,
        vec!["Deployment/default/podinfo", "HelmRelease/default/redis"]
    );
    assert_eq!(x.facts.detail.as_deref(), Some("after 5m0.031s"));
}

#[test]
fn health_check_on_stalled_resources_is_a_failure_not_a_timeout() {
    // FLUX.md §9: "… failed early due to stalled resources: [...]".
    let x = d(
        "health check failed after 1.2s: failed early due to stalled resources: [Deployment/default/podinfo status: 'Failed': Progress deadline exceeded]",
    );
    assert_eq!(x.class, FailureClass::HealthCheckFailed);
    assert_eq!(x.facts.waited_on, vec!["Deployment/default/podinfo"]);
    assert_eq!(x.next_step.runbook, "inspect-failed-resources");
}

#[test]
fn kustomization_path_not_found_is_a_build_problem_with_the_path() {
    // events.tsv (kustomizations.md): Warning ArtifactFailed.
    let x = d_with(
        FluxKind::Kustomization,
        "ArtifactFailed",
        "kustomization path not found: stat /tmp/kustomization-3011588360/invalid: no such file or directory",
    );
    assert_eq!(x.class, FailureClass::BuildFailed);
    assert_eq!(x.facts.field.as_deref(), Some("spec.path"));
    assert_eq!(x.facts.detail.as_deref(), Some("path not found: ./invalid"));
    assert_eq!(x.next_step.runbook, "check-kustomization-path");
}

#[test]
fn waiting_on_a_source_is_a_source_problem_naming_the_source() {
    // events.tsv (helm-controller#151, #1462) and the ArtifactFailed format strings.
    let x = d("HelmChart 'flux-system/postgresql-jam01' is not ready");
    assert_eq!(x.class, FailureClass::SourceFetchFailed);
    assert_eq!(
        x.facts.dependency.as_deref(),
        Some("HelmChart/flux-system/postgresql-jam01")
    );
    assert_eq!(x.next_step.runbook, "follow-source");
    for m in [
        "Source artifact not found, retrying in 30s",
        "Source not ready: artifact not found. Retrying in 30s",
        "Source is not ready, artifact not found, retrying in 30s",
    ] {
        assert_eq!(d(m).class, FailureClass::SourceFetchFailed, "{m}");
        assert_eq!(d(m).next_step.runbook, "follow-source", "{m}");
    }
}

#[test]
fn source_fetch_failures_name_url_bucket_and_ref() {
    let x = d("bucket 'my-new-bucket' does not exist");
    assert_eq!(x.class, FailureClass::SourceFetchFailed);
    assert_eq!(x.facts.object.as_deref(), Some("bucket my-new-bucket"));
    let x = d(
        "failed to checkout and determine revision: unable to clone 'https://github.com/stefanprodan/podinfo': couldn't find remote ref \"refs/heads/invalid\"",
    );
    assert_eq!(x.class, FailureClass::SourceFetchFailed);
    assert_eq!(
        x.facts.url.as_deref(),
        Some("https://github.com/stefanprodan/podinfo")
    );
    assert_eq!(x.next_step.runbook, "check-source-ref");
}

#[test]
fn oci_tag_not_found_and_signature_failures_from_the_source_docs() {
    // status-blocks/docs: source-controller ocirepositories.md (kubectl describe / events).
    let x = d(
        "failed to pull artifact from 'oci://ghcr.io/stefanprodan/manifests/podinfo': couldn't find tag \"0.0.1\"",
    );
    assert_eq!(x.class, FailureClass::SourceFetchFailed);
    assert_eq!(
        x.facts.url.as_deref(),
        Some("oci://ghcr.io/stefanprodan/manifests/podinfo")
    );
    assert_eq!(x.facts.detail.as_deref(), Some("tag not found: 0.0.1"));
    assert_eq!(x.next_step.runbook, "check-source-ref");
    let x = d(
        "failed to verify the signature using provider 'cosign': no matching signatures were found",
    );
    assert_eq!(x.class, FailureClass::SourceFetchFailed);
    assert_eq!(x.confidence, Confidence::Medium);
    assert_eq!(x.next_step.runbook, "check-signature");
}

#[test]
fn credentials_beat_the_fetch_they_broke() {
    // events.tsv (flux2#2098): known_hosts mismatch; failures.tsv: HTML entities.
    let x = d(
        "unable to clone 'ssh://git@github.com/deploy', error: ssh: handshake failed: knownhosts: key mismatch",
    );
    assert_eq!(x.class, FailureClass::PermissionDenied);
    assert_eq!(x.facts.url.as_deref(), Some("ssh://git@github.com/deploy"));
    assert_eq!(x.next_step.runbook, "check-known-hosts");
    let x = d("unable to clone &#39;https://[repoaddress]&#39;, error: authentication required");
    assert_eq!(x.class, FailureClass::PermissionDenied);
    assert_eq!(x.facts.url.as_deref(), Some("https://[repoaddress]"));
}

#[test]
fn rbac_refusal_names_the_user_and_verb() {
    // FLUX.md §9 SSA format with the API server's RBAC text (filled in).
    let x = d(
        r#"HelmRelease/apps/podinfo dry-run failed (Forbidden): helmreleases.helm.toolkit.fluxcd.io "podinfo" is forbidden: User "system:serviceaccount:apps:flux" cannot patch resource "helmreleases" in API group "helm.toolkit.fluxcd.io" in the namespace "apps""#,
    );
    assert_eq!(x.class, FailureClass::PermissionDenied);
    assert_eq!(x.confidence, Confidence::High);
    assert_eq!(x.facts.object.as_deref(), Some("HelmRelease/apps/podinfo"));
    assert_eq!(
        x.facts.detail.as_deref(),
        Some("User \"system:serviceaccount:apps:flux\" cannot patch helmreleases")
    );
    assert_eq!(x.next_step.runbook, "check-rbac");
}

#[test]
fn forbidden_because_a_service_account_is_missing_points_at_ordering() {
    // failures.tsv (kustomize-controller#531): Forbidden, but the cause is ordering.
    let x = d(
        r#"Pod/monitoring/kube-prometheus-grafana-test dry-run failed, reason: Forbidden, error: pods "kube-prometheus-grafana-test" is forbidden: error looking up service account monitoring/kube-prometheus-grafana-test: serviceaccount "kube-prometheus-grafana-test" not found"#,
    );
    assert_eq!(x.class, FailureClass::PermissionDenied);
    assert_eq!(x.confidence, Confidence::Medium);
    assert_eq!(
        x.facts.dependency.as_deref(),
        Some("ServiceAccount/monitoring/kube-prometheus-grafana-test")
    );
    assert_eq!(x.next_step.runbook, "missing-service-account");
}

#[test]
fn malformed_yaml_missing_credentials_and_values_references() {
    // Wording of kustomize-controller's manifest decoding, source-controller's secretRef lookup and
    // helm-controller's valuesFrom (filled-in format strings).
    let x = d(
        "failed to decode Kubernetes YAML from /tmp/kustomization-1/apps/x.yaml: MalformedYAMLError: yaml: line 3: mapping values are not allowed in this context",
    );
    assert_eq!(x.class, FailureClass::BuildFailed);
    assert_eq!(x.confidence, Confidence::Medium);
    let x = d(r#"failed to get secret 'flux-system/git-creds': secrets "git-creds" not found"#);
    assert_eq!(x.class, FailureClass::PermissionDenied);
    assert_eq!(x.next_step.runbook, "check-credentials");
    let x = d(
        r#"could not resolve Secret chart values reference 'apps/podinfo-values' with key 'values.yaml': secrets "podinfo-values" not found"#,
    );
    assert_eq!(x.class, FailureClass::Other);
}

#[test]
fn helm_install_and_upgrade_failures_carry_release_chart_and_error() {
    // events.tsv format rows (install.go / upgrade.go), filled in.
    let x = d(
        "Helm install failed for release podinfo/podinfo with chart podinfo@6.5.3: timed out waiting for the condition",
    );
    assert_eq!(x.class, FailureClass::HelmInstallFailed);
    assert_eq!(x.facts.release.as_deref(), Some("podinfo/podinfo"));
    assert_eq!(x.facts.chart.as_deref(), Some("podinfo"));
    assert_eq!(x.facts.version.as_deref(), Some("6.5.3"));
    assert_eq!(
        x.facts.detail.as_deref(),
        Some("timed out waiting for the condition")
    );
    assert_eq!(x.next_step.runbook, "helm-wait-timeout");
    let x = d(
        "Helm upgrade failed for release default/podinfo with chart podinfo@6.6.1+0cc9a8446c95: values don't meet the specifications of the schema(s)",
    );
    assert_eq!(x.class, FailureClass::HelmUpgradeFailed);
    assert_eq!(x.facts.version.as_deref(), Some("6.6.1+0cc9a8446c95"));
    assert_eq!(x.next_step.runbook, "inspect-helm-upgrade");
    assert_eq!(
        x.headline(),
        "Helm upgrade failed: podinfo@6.6.1+0cc9a8446c95"
    );
}

#[test]
fn retries_exhausted_in_v2_and_v2beta1_wording() {
    let x = d_with(
        FluxKind::HelmRelease,
        "RetriesExceeded",
        "Failed to install after 3 attempt(s)",
    );
    assert_eq!(x.class, FailureClass::RetriesExhausted);
    assert_eq!(x.facts.detail.as_deref(), Some("install after 3 attempts"));
    assert_eq!(x.next_step.runbook, "reset-retries");
    // events.tsv (helm-controller#1462, flux logs): the log wrapper is removed.
    let x = d(
        "Reconciler error terminal error: exceeded maximum retries: cannot remediate failed release",
    );
    assert_eq!(x.class, FailureClass::RetriesExhausted);
    assert_eq!(
        x.facts.detail.as_deref(),
        Some("cannot remediate failed release")
    );
}

#[test]
fn schema_errors_name_object_field_and_cause() {
    let x = d(
        r#"CustomResourceDefinition/buckets.source.toolkit.fluxcd.io dry-run failed, reason: Invalid, error: CustomResourceDefinition.apiextensions.k8s.io "buckets.source.toolkit.fluxcd.io" is invalid: status.storedVersions[0]: Invalid value: "v1beta2": must appear in spec.versions"#,
    );
    assert_eq!(x.class, FailureClass::SchemaValidation);
    assert_eq!(x.facts.field.as_deref(), Some("status.storedVersions[0]"));
    let x = d(
        r#"ConfigMap/kube-system/flux-test1 dry-run failed, error: no matches for kind "ConfigMap" in version "v1""#,
    );
    assert_eq!(x.class, FailureClass::SchemaValidation);
    assert_eq!(x.next_step.runbook, "install-crd-first");
}

#[test]
fn helm_test_and_drift_are_recognised_as_other() {
    // events.tsv (helmreleases.md): the continuation line is indented to the MESSAGE column.
    let x = d(
        "Helm test failed for release podinfo/podinfo.v1 with chart podinfo@6.5.3: 1 error occurred:\n                                                               * pod podinfo-fault-test-a0tew failed",
    );
    assert_eq!(x.class, FailureClass::Other);
    assert_eq!(x.confidence, Confidence::High);
    assert_eq!(x.facts.release.as_deref(), Some("podinfo/podinfo"));
    assert_eq!(x.next_step.runbook, "helm-test-failed");
    let x = d(
        "Cluster state of release podinfo/podinfo.v2 has drifted from the desired state:\nDeployment/podinfo/podinfo changed",
    );
    assert_eq!(x.class, FailureClass::Other);
    assert_eq!(x.next_step.runbook, "helm-drift");
}

#[test]
fn a_failure_after_the_size_bound_is_not_seen_and_a_huge_message_is_fine() {
    let noise = "x ".repeat(normalize::MAX_MESSAGE_BYTES);
    assert_eq!(
        d(&format!("{noise} field is immutable")).class,
        FailureClass::Unclassified
    );
    let x = d(&format!("dependency 'a/b' is not ready {noise}"));
    assert_eq!(x.class, FailureClass::DependencyNotReady);
}

#[test]
fn escape_sequences_in_a_message_never_reach_the_facts() {
    let x = d("dependency 'a/\x1b]0;pwned\x07b\u{202e}' is not ready");
    assert_eq!(x.class, FailureClass::DependencyNotReady);
    let dep = x.facts.dependency.unwrap_or_default();
    assert!(
        !dep.contains('\x1b') && !dep.contains('\u{202e}'),
        "{dep:?}"
    );
}

const EVENTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/events.tsv"
));

#[test]
fn events_tsv_warnings_get_a_class_and_successes_stay_unclassified() {
    const SUCCESS: [&str; 11] = [
        "ReconciliationSucceeded",
        "Progressing",
        "NewArtifact",
        "ArtifactUpToDate",
        "InstallSucceeded",
        "UpgradeSucceeded",
        "TestSucceeded",
        "HelmChartCreated",
        "HelmChartInSync",
        "GitOperationSucceeded",
        "ChartPullSucceeded",
    ];
    let rows = input::parse(EVENTS);
    let mut warnings = 0;
    let mut successes = 0;
    for row in rows {
        let row = row.unwrap();
        if row.column("observed_or_format") != Some("observed") {
            continue;
        }
        let level = row.column("event_type_or_level").unwrap_or_default();
        let reason = row.column("reason").unwrap_or_default();
        let x = diagnose(&FailureInput {
            kind: row.kind.as_deref().and_then(FluxKind::from_kind),
            reason: Some(reason).filter(|r| *r != "-"),
            message: &row.message,
        });
        if level.starts_with("Warning") {
            warnings += 1;
            assert_ne!(x.class, FailureClass::Unclassified, "line {}", row.line);
            assert!(x.confidence.is_confident(), "line {}", row.line);
        } else if SUCCESS.contains(&reason) {
            successes += 1;
            assert_eq!(x.class, FailureClass::Unclassified, "line {}", row.line);
        }
    }
    assert!(warnings >= 4 && successes >= 10, "{warnings} {successes}");
}
