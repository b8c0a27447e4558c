//! What every file of `../shared/data/status-blocks/` is checked for (see `tests/status_blocks.rs`), read off the
//! files: the deciding condition of a describe block, the narrative of a doc's table, the objects of a CLI
//! fixture, or the reason a file carries no derivable status.

use fluxops::flux::Health;

/// What a file is checked for.
pub enum Expect {
    /// A `kubectl describe` Status block: the health, the reason of the deciding condition, and whether a failed
    /// attempt will be retried.
    Describe {
        health: Health,
        reason: &'static str,
        retrying: bool,
    },
    /// `flux get` / `kubectl get` tables. Rows named here get the health their doc's narrative gives; the others
    /// the health their READY / SUSPENDED columns give.
    Tables(&'static [(&'static str, Health)]),
    /// YAML objects: every object with a status is named here with its health.
    Objects(&'static [(&'static str, Health)]),
    /// The `flux debug … --show-status` golden of a just-created object (the apiserver set generation 1).
    FreshStatus,
    /// A `flux get` / `flux trace` golden, checked against the objects of the named file.
    Golden(&'static str),
    /// No derivable status: the reason.
    NoStatus(&'static str),
}

pub const SC: &str = "docs/fluxcd__source-controller/docs__spec__v1__";
const KC: &str = "docs/fluxcd__kustomize-controller/docs__spec__v1__kustomizations.md__";
const HC: &str = "docs/fluxcd__helm-controller/docs__spec__v2__helmreleases.md__";
const WEB: &str = "docs/fluxcd__website/content__en__flux__";
pub const CLI: &str = "flux2-cli-testdata/";

pub fn blocks() -> Vec<(String, Expect)> {
    use Expect::{Describe, FreshStatus, Golden, NoStatus, Objects, Tables};
    use Health::{Blocked, Failing, InProgress, Ready, Stalled, Unknown};
    const EVENTS: Expect = NoStatus("events only");
    const ARTIFACT: Expect = NoStatus("status.artifact only, no conditions");
    const SNIPPET: Expect = NoStatus("a status field snippet, no conditions");
    let failing_retry = |reason| Describe {
        health: Failing,
        reason,
        retrying: true,
    };
    let ready = |reason| Describe {
        health: Ready,
        reason,
        retrying: false,
    };
    let stalled = |reason| Describe {
        health: Stalled,
        reason,
        retrying: false,
    };
    let list: Vec<(String, Expect)> = vec![
        // helm-controller
        (format!("{HC}L105.txt"), ready("TestSucceeded")),
        (format!("{HC}L1812.txt"), stalled("RetriesExceeded")),
        (format!("{HC}L1885.txt"), EVENTS),
        (format!("{HC}L1989.txt"), NoStatus("status.history only")),
        (format!("{HC}L2048.txt"), NoStatus("status.inventory only")),
        // kustomize-controller
        (format!("{KC}L84.txt"), ready("ReconciliationSucceeded")),
        (format!("{KC}L2187.txt"), failing_retry("ArtifactFailed")),
        (format!("{KC}L2225.txt"), EVENTS),
        (format!("{KC}L2244.txt"), EVENTS),
        (format!("{KC}L2369.txt"), NoStatus("status.history only")),
        (format!("{KC}L2402.txt"), NoStatus("status.inventory only")),
        // source-controller
        (format!("{SC}buckets.md__L82.txt"), ready("Succeeded")),
        (
            format!("{SC}buckets.md__L1189.txt"),
            failing_retry("BucketOperationFailed"),
        ),
        (format!("{SC}buckets.md__L1232.txt"), EVENTS),
        (format!("{SC}buckets.md__L1256.txt"), ARTIFACT),
        (format!("{SC}buckets.md__L1406.txt"), SNIPPET),
        (
            format!("{SC}externalartifacts.md__L16.txt"),
            Objects(&[("my-artifact", Ready)]),
        ),
        (
            format!("{SC}gitrepositories.md__L60.txt"),
            ready("Succeeded"),
        ),
        (
            format!("{SC}gitrepositories.md__L1026.txt"),
            failing_retry("GitOperationFailed"),
        ),
        (format!("{SC}gitrepositories.md__L1068.txt"), EVENTS),
        (format!("{SC}gitrepositories.md__L1092.txt"), ARTIFACT),
        (format!("{SC}gitrepositories.md__L1259.txt"), SNIPPET),
        (format!("{SC}gitrepositories.md__L1280.txt"), SNIPPET),
        (format!("{SC}gitrepositories.md__L1299.txt"), SNIPPET),
        (format!("{SC}gitrepositories.md__L1326.txt"), SNIPPET),
        (
            format!("{SC}helmcharts.md__L68.txt"),
            ready("ChartPullSucceeded"),
        ),
        (
            format!("{SC}helmcharts.md__L522.txt"),
            stalled("InvalidChartReference"),
        ),
        (format!("{SC}helmcharts.md__L568.txt"), EVENTS),
        (format!("{SC}helmcharts.md__L638.txt"), ARTIFACT),
        (format!("{SC}helmcharts.md__L660.txt"), ARTIFACT),
        (format!("{SC}helmcharts.md__L685.txt"), ARTIFACT),
        (
            format!("{SC}helmrepositories.md__L64.txt"),
            ready("Succeeded"),
        ),
        (
            format!("{SC}helmrepositories.md__L642.txt"),
            stalled("Failed"),
        ),
        (format!("{SC}helmrepositories.md__L685.txt"), EVENTS),
        (format!("{SC}helmrepositories.md__L713.txt"), ARTIFACT),
        (
            format!("{SC}ocirepositories.md__L60.txt"),
            ready("Succeeded"),
        ),
        (
            format!("{SC}ocirepositories.md__L906.txt"),
            failing_retry("OCIOperationFailed"),
        ),
        (format!("{SC}ocirepositories.md__L949.txt"), EVENTS),
        (format!("{SC}ocirepositories.md__L983.txt"), ARTIFACT),
        (format!("{SC}ocirepositories.md__L1149.txt"), SNIPPET),
        (format!("{SC}ocirepositories.md__L1170.txt"), SNIPPET),
        // website
        (
            format!("{WEB}cheatsheets__crd-resource-categories.md__L36.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}cheatsheets__crd-resource-categories.md__L67.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}cheatsheets__oci-artifacts.md__L531.txt"),
            Describe {
                health: Failing,
                reason: "VerificationError",
                retrying: false,
            },
        ),
        (
            format!("{WEB}cheatsheets__oci-artifacts.md__L595.txt"),
            ready("Succeeded"),
        ),
        // "the HelmRelease is not ready because its chart is not" (the chart and repository tables follow).
        (
            format!("{WEB}cheatsheets__troubleshooting.md__L173.txt"),
            Tables(&[("podinfo", Blocked)]),
        ),
        (
            format!("{WEB}cheatsheets__troubleshooting.md__L182.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}cheatsheets__troubleshooting.md__L191.txt"),
            Tables(&[]),
        ),
        // helm-controller v2beta1 stops retrying: "install retries exhausted" needs a human.
        (
            format!("{WEB}cheatsheets__troubleshooting.md__L202.txt"),
            Tables(&[("podinfo", Stalled)]),
        ),
        (
            format!("{WEB}cheatsheets__troubleshooting.md__L210.txt"),
            NoStatus("events and Helm logs, no Status section"),
        ),
        (format!("{WEB}get-started.md__L226.txt"), Tables(&[])),
        (
            format!("{WEB}guides__helmreleases.md__L489.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}guides__image-update.md__L250.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}guides__image-update.md__L260.txt"),
            NoStatus("ImageRepository scan result, no conditions"),
        ),
        (
            format!("{WEB}guides__image-update.md__L287.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}migration__flux-v1-automation-migration.md__L329.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}migration__flux-v1-automation-migration.md__L461.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}migration__flux-v1-automation-migration.md__L629.txt"),
            Tables(&[]),
        ),
        (
            format!("{WEB}migration__flux-v1-migration.md__L294.txt"),
            Tables(&[]),
        ),
        (format!("{WEB}monitoring__events.md__L123.txt"), EVENTS),
        (format!("{WEB}monitoring__events.md__L141.txt"), EVENTS),
        (format!("{WEB}monitoring__events.md__L155.txt"), EVENTS),
        // flux CLI test data
        (
            format!("{CLI}cluster_info/gitrepositories.yaml"),
            NoStatus("a CRD"),
        ),
        (
            format!("{CLI}debug_helmrelease/objects.yaml"),
            Objects(&[("test-with-history", Unknown)]),
        ),
        (
            format!("{CLI}debug_helmrelease/status.golden.yaml"),
            FreshStatus,
        ),
        (
            format!("{CLI}debug_helmrelease/history.golden.yaml"),
            NoStatus("history output"),
        ),
        (
            format!("{CLI}debug_helmrelease/history-empty.golden.yaml"),
            NoStatus("history output"),
        ),
        (
            format!("{CLI}debug_helmrelease/values-from.golden.yaml"),
            NoStatus("Helm values"),
        ),
        (
            format!("{CLI}debug_helmrelease/values-inline.golden.yaml"),
            NoStatus("Helm values"),
        ),
        (
            format!("{CLI}debug_kustomization/objects.yaml"),
            Objects(&[("test-with-history", Unknown)]),
        ),
        (
            format!("{CLI}debug_kustomization/status.golden.yaml"),
            FreshStatus,
        ),
        (
            format!("{CLI}debug_kustomization/history.golden.yaml"),
            NoStatus("history output"),
        ),
        (
            format!("{CLI}debug_kustomization/history-empty.golden.yaml"),
            NoStatus("history output"),
        ),
        (
            format!("{CLI}debug_kustomization/vars.golden.env"),
            NoStatus("postBuild variables"),
        ),
        (
            format!("{CLI}debug_kustomization/vars-from.golden.env"),
            NoStatus("postBuild variables"),
        ),
        (
            format!("{CLI}get/objects.yaml"),
            Objects(&[
                ("podinfo", Ready),
                ("podinfo-shard1", Ready),
                ("podinfo-shard2", Ready),
            ]),
        ),
        (format!("{CLI}get/get.golden"), Golden("get/objects.yaml")),
        (
            format!("{CLI}get/get_label_one.golden"),
            Golden("get/objects.yaml"),
        ),
        (
            format!("{CLI}get/get_label_two.golden"),
            Golden("get/objects.yaml"),
        ),
        (
            format!("{CLI}get/status_objects.yaml"),
            Objects(&[
                ("gr-failed", Failing),
                ("gr-ready", Ready),
                ("gr-unknown", InProgress),
            ]),
        ),
        (
            format!("{CLI}get/get_status_ready_true.golden"),
            Golden("get/status_objects.yaml"),
        ),
        (
            format!("{CLI}get/get_status_ready_false.golden"),
            Golden("get/status_objects.yaml"),
        ),
        (
            format!("{CLI}get/get_status_ready_not_true.golden"),
            Golden("get/status_objects.yaml"),
        ),
        (
            format!("{CLI}get/kustomization_only.yaml"),
            Objects(&[("podinfo", Ready)]),
        ),
        (
            format!("{CLI}get/notification_objects.yaml"),
            NoStatus("Provider and Alert without status"),
        ),
        (
            format!("{CLI}logs/all-logs.txt"),
            NoStatus("controller log lines"),
        ),
        (
            format!("{CLI}logs/kind.txt"),
            NoStatus("controller log lines"),
        ),
        (
            format!("{CLI}logs/log-level.txt"),
            NoStatus("controller log lines"),
        ),
        (
            format!("{CLI}logs/multiple-filters.txt"),
            NoStatus("controller log lines"),
        ),
        (
            format!("{CLI}logs/namespace.txt"),
            NoStatus("controller log lines"),
        ),
        (
            format!("{CLI}trace/deployment.yaml"),
            Objects(&[
                ("podinfo", Ready),
                ("podinfo-podinfo", Ready),
                ("infrastructure", Ready),
            ]),
        ),
        (
            format!("{CLI}trace/deployment.golden"),
            Golden("trace/deployment.yaml"),
        ),
        (
            format!("{CLI}trace/deployment-hr-ocirepo.yaml"),
            Objects(&[("podinfo", Ready), ("podinfo-charts", Ready)]),
        ),
        (
            format!("{CLI}trace/deployment-hr-ocirepo.golden"),
            Golden("trace/deployment-hr-ocirepo.yaml"),
        ),
        (
            format!("{CLI}trace/helmrelease.yaml"),
            Objects(&[
                ("podinfo", Ready),
                ("infrastructure", Ready),
                ("flux-system", Ready),
            ]),
        ),
        (
            format!("{CLI}trace/helmrelease.golden"),
            Golden("trace/helmrelease.yaml"),
        ),
        (
            format!("{CLI}trace/helmrelease-oci.yaml"),
            Objects(&[
                ("podinfo", Ready),
                ("infrastructure", Ready),
                ("flux-system", Ready),
            ]),
        ),
        (
            format!("{CLI}trace/helmrelease-oci.golden"),
            Golden("trace/helmrelease-oci.yaml"),
        ),
        (
            format!("{CLI}tree/kustomizations.yaml"),
            Objects(&[
                ("flux-system", Ready),
                ("infrastructure", Ready),
                ("empty", Ready),
            ]),
        ),
        (
            format!("{CLI}tree/tree.golden"),
            NoStatus("inventory tree, no status"),
        ),
        (
            format!("{CLI}tree/tree-compact.golden"),
            NoStatus("inventory tree, no status"),
        ),
        (
            format!("{CLI}tree/tree-empty.golden"),
            NoStatus("inventory tree, no status"),
        ),
    ];
    list
}
