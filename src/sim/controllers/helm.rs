//! The simulated helm-controller, first half: prerequisites (`Fulfilling prerequisites`, dependencies), the
//! HelmChart it creates for `chart.spec` releases (`<ns>-<name>`, `status.helmChart`, `HelmChartCreated`),
//! chart source readiness (`HelmChart '<ns>/<name>' is not ready: …`), reset/force handling and the decision
//! install / upgrade / in-sync. The release itself is in `helm_release`.

use super::conditions::{self, CondStatus};
use super::dependency::{self, REQUEUE_DEPENDENCY};
use super::helm_release::{self, Release};
use super::input::{PlanInput, jittered};
use super::plan::{Emit, Plan, Step};
use super::view::{HR_OWNER_NAME, HR_OWNER_NAMESPACE, not_found_text};
use super::{object, revision};
use crate::flux::{FluxKind, ResourceRef};
use serde_json::{Map, Value, json};
use std::time::Duration;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The chart a release installs, once its source is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedChart {
    pub name: String,
    /// Chart version as helm-controller records it (`6.5.3`, OCI `6.5.3+0cc9a8446c95`).
    pub version: String,
    /// OCI artifact digest (`sha256:…`) for `chartRef: OCIRepository`.
    pub oci_digest: Option<String>,
}

/// helm-controller `isReady` for the chart source: `Err` carries the not-ready message.
fn source_ready(kind: FluxKind, nn: &str, src: &Value) -> Result<(), String> {
    if object::generation(src)
        != src
            .pointer("/status/observedGeneration")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    {
        return Err(format!(
            "{kind} '{nn}' is not ready: latest generation of object has not been reconciled"
        ));
    }
    if conditions::is_true(src, "Stalled") {
        return Err(format!(
            "{kind} '{nn}' is not ready: {}",
            conditions::message(src, "Stalled").unwrap_or_default()
        ));
    }
    if !conditions::is_true(src, "Ready") {
        return Err(format!(
            "{kind} '{nn}' is not ready: {}",
            conditions::message(src, "Ready").unwrap_or_default()
        ));
    }
    if src.pointer("/status/artifact").is_none() {
        return Err(format!("{kind} '{nn}' does not have an artifact"));
    }
    Ok(())
}

/// The HelmChart helm-controller generates for a `chart.spec` release.
#[must_use]
pub fn chart_template(obj: &Value, interval: Duration) -> Option<(ResourceRef, Value)> {
    let spec = obj.pointer("/spec/chart/spec")?;
    let (ns, name) = (object::namespace(obj), object::name(obj));
    let source = object::reference(spec.get("sourceRef")?, None, ns)?;
    let chart_ns = source.namespace.clone();
    let chart_name = format!("{ns}-{name}");
    let chart_interval = spec.get("interval").and_then(Value::as_str).map_or_else(
        || crate::flux::duration::format_go_duration(interval),
        str::to_owned,
    );
    let mut chart_spec = json!({
        "chart": spec.get("chart").cloned().unwrap_or(json!("")),
        "version": spec.get("version").cloned().unwrap_or(json!("*")),
        "sourceRef": {"kind": source.kind.as_str(), "name": source.name},
        "interval": chart_interval,
        "reconcileStrategy": spec.get("reconcileStrategy").cloned().unwrap_or(json!("ChartVersion")),
    });
    if let Some(files) = spec.get("valuesFiles") {
        chart_spec["valuesFiles"] = files.clone();
    }
    let manifest = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmChart",
        "metadata": {
            "name": chart_name,
            "namespace": chart_ns,
            "labels": { HR_OWNER_NAME: name, HR_OWNER_NAMESPACE: ns },
        },
        "spec": chart_spec,
    });
    Some((
        ResourceRef::new(FluxKind::HelmChart, chart_ns, chart_name),
        manifest,
    ))
}

/// Outcome of resolving the chart: ready, or a Ready=False (reason, message) and maybe objects to apply.
enum ChartState {
    Ready(ResolvedChart),
    NotReady {
        reason: &'static str,
        message: String,
    },
}

fn resolve_chart(
    input: &PlanInput<'_>,
    status: &mut Map<String, Value>,
    plan: &mut Plan,
    interval: Duration,
) -> ChartState {
    let obj = input.obj;
    let ns = object::namespace(obj);
    if let Some((chart_ref, manifest)) = chart_template(obj, interval) {
        let nn = chart_ref.namespaced_name();
        status.insert("helmChart".to_owned(), json!(nn));
        let existing = input.view.get(&chart_ref);
        if existing.as_ref().map(|e| e.get("spec")) != Some(manifest.get("spec")) {
            plan.creates.push(manifest.clone());
        }
        let Some(hc) = existing else {
            let src = &manifest["spec"]["sourceRef"];
            plan.steps[0].events.push(Emit::normal(
                "HelmChartCreated",
                format!(
                    "Created HelmChart/{nn} with SourceRef '{}/{}/{}'",
                    src["kind"].as_str().unwrap_or_default(),
                    chart_ref.namespace,
                    src["name"].as_str().unwrap_or_default()
                ),
            ));
            return ChartState::NotReady {
                reason: "SourceNotReady",
                message: format!(
                    "HelmChart '{nn}' is not ready: latest generation of object has not been reconciled"
                ),
            };
        };
        if let Err(message) = source_ready(FluxKind::HelmChart, &nn, &hc) {
            return ChartState::NotReady {
                reason: "SourceNotReady",
                message,
            };
        }
        return ChartState::Ready(ResolvedChart {
            name: object::str_at(&hc, "/spec/chart")
                .unwrap_or_default()
                .to_owned(),
            version: object::str_at(&hc, "/status/artifact/revision")
                .unwrap_or_default()
                .to_owned(),
            oci_digest: None,
        });
    }
    let Some(r) = obj
        .pointer("/spec/chartRef")
        .and_then(|r| object::reference(r, None, ns))
    else {
        return ChartState::NotReady {
            reason: "ArtifactFailed",
            message: "could not get Source object: one of chart or chartRef must be set".to_owned(),
        };
    };
    let nn = r.namespaced_name();
    let Some(src) = input.view.get(&r) else {
        return ChartState::NotReady {
            reason: "ArtifactFailed",
            message: format!(
                "could not get Source object: {}",
                not_found_text(r.kind, &r.name)
            ),
        };
    };
    if let Err(message) = source_ready(r.kind, &nn, &src) {
        return ChartState::NotReady {
            reason: "SourceNotReady",
            message,
        };
    }
    let rev = object::str_at(&src, "/status/artifact/revision").unwrap_or_default();
    match r.kind {
        FluxKind::HelmChart => {
            status.insert("helmChart".to_owned(), json!(nn));
            ChartState::Ready(ResolvedChart {
                name: object::str_at(&src, "/spec/chart")
                    .unwrap_or_default()
                    .to_owned(),
                version: rev.to_owned(),
                oci_digest: None,
            })
        }
        _ => {
            let url = object::str_at(&src, "/spec/url").unwrap_or(&r.name);
            ChartState::Ready(ResolvedChart {
                name: url.rsplit('/').next().unwrap_or(&r.name).to_owned(),
                version: revision::oci_chart_version(rev),
                oci_digest: rev.split_once('@').map(|(_, d)| d.to_owned()),
            })
        }
    }
}

/// The Helm release name: `spec.releaseName`, else `[targetNamespace-]name` (max 53 chars).
#[must_use]
pub fn release_name(obj: &Value) -> String {
    if let Some(n) = object::str_at(obj, "/spec/releaseName") {
        return n.to_owned();
    }
    let name = object::name(obj);
    let full = match object::str_at(obj, "/spec/targetNamespace") {
        Some(t) => format!("{t}-{name}"),
        None => name.to_owned(),
    };
    full.chars().take(53).collect()
}

/// Applies finalizeStatus-like rules (lastHandledReconcileAt, Reconciling, observedGeneration).
pub fn finalize(obj: &Value, status: &mut Map<String, Value>, generation: i64) {
    if let Some(v) = object::annotation(obj, object::REQUESTED_AT) {
        status.insert("lastHandledReconcileAt".to_owned(), json!(v));
    }
    let view = json!({ "status": Value::Object(status.clone()) });
    if conditions::is_true(&view, "Stalled") || conditions::is_true(&view, "Ready") {
        conditions::remove(status, "Reconciling");
    } else if let Some(rec) = conditions::get(&view, "Reconciling") {
        let message = rec
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let at = rec
            .get("lastTransitionTime")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        conditions::set(
            status,
            "Reconciling",
            CondStatus::True,
            "ProgressingWithRetry",
            &message,
            generation,
            &at,
        );
    }
    if conditions::is_true(&view, "Ready") {
        status.insert("observedGeneration".to_owned(), json!(generation));
    }
}

fn handle_reset_and_force(obj: &Value, status: &mut Map<String, Value>) -> bool {
    let requested = object::annotation(obj, object::REQUESTED_AT);
    let pending = |key: &str, field: &str, status: &Map<String, Value>| {
        object::annotation(obj, key)
            .filter(|v| Some(*v) == requested)
            .filter(|v| status.get(field).and_then(Value::as_str) != Some(*v))
            .map(str::to_owned)
    };
    if let Some(v) = pending(object::RESET_AT, "lastHandledResetAt", status) {
        for field in ["failures", "installFailures", "upgradeFailures"] {
            status.remove(field);
        }
        conditions::remove(status, "Stalled");
        status.insert("lastHandledResetAt".to_owned(), json!(v));
    }
    match pending(object::FORCE_AT, "lastHandledForceAt", status) {
        Some(v) => {
            status.insert("lastHandledForceAt".to_owned(), json!(v));
            true
        }
        None => false,
    }
}

/// Plans one HelmRelease reconcile.
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let obj = input.obj;
    let generation = object::generation(obj);
    let interval = object::interval(obj, DEFAULT_INTERVAL);
    let tl = input.timeline;
    let mut status = object::status_map(obj);
    let force = handle_reset_and_force(obj, &mut status);
    conditions::set(
        &mut status,
        "Reconciling",
        CondStatus::True,
        "Progressing",
        "Fulfilling prerequisites",
        generation,
        &tl.now(),
    );
    let mut plan = Plan {
        steps: vec![Step {
            after: Duration::ZERO,
            status: status.clone(),
            events: Vec::new(),
        }],
        ..Plan::default()
    };
    let not_ready = |mut status: Map<String, Value>,
                     mut plan: Plan,
                     reason: &str,
                     message: String,
                     event: Option<Emit>,
                     requeue| {
        conditions::set(
            &mut status,
            "Ready",
            CondStatus::False,
            reason,
            &message,
            generation,
            &tl.now(),
        );
        finalize(obj, &mut status, generation);
        plan.steps.push(Step {
            after: Duration::ZERO,
            status,
            events: event.into_iter().collect(),
        });
        plan.requeue = Some(requeue);
        plan
    };
    if let Err(msg) = dependency::check_helmrelease(obj, &input.view) {
        let event = Emit::normal("DependencyNotReady", msg.clone());
        return not_ready(
            status,
            plan,
            "DependencyNotReady",
            msg,
            Some(event),
            REQUEUE_DEPENDENCY,
        );
    }
    let chart = match resolve_chart(input, &mut status, &mut plan, interval) {
        ChartState::Ready(chart) => chart,
        ChartState::NotReady { reason, message } => {
            let requeue = jittered(
                interval,
                &format!("{}#{}", object::name(obj), input.attempts),
            );
            return not_ready(status, plan, reason, message, None, requeue);
        }
    };
    let release = Release::new(obj, &chart, generation, force, &status);
    if release.stalled_unchanged() {
        finalize(obj, &mut status, generation);
        plan.steps.push(Step {
            after: Duration::ZERO,
            status,
            events: Vec::new(),
        });
        plan.requeue = None;
        return plan;
    }
    if release.target_changed {
        // helm-controller `mustResetFailures`: a new chart or spec starts the retry count over.
        for field in ["failures", "installFailures", "upgradeFailures"] {
            status.remove(field);
        }
        conditions::remove(&mut status, "Stalled");
    }
    let timeout = object::duration_at(obj, "/spec/timeout").unwrap_or(DEFAULT_TIMEOUT);
    helm_release::act(input, plan, status, &release, interval, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_follow_the_target_namespace() {
        assert_eq!(
            release_name(&json!({"metadata": {"name": "podinfo"}})),
            "podinfo"
        );
        assert_eq!(
            release_name(
                &json!({"metadata": {"name": "podinfo"}, "spec": {"targetNamespace": "apps"}})
            ),
            "apps-podinfo"
        );
        assert_eq!(
            release_name(&json!({"metadata": {"name": "x"}, "spec": {"releaseName": "y"}})),
            "y"
        );
    }

    #[test]
    fn chart_template_is_named_after_the_release() {
        let hr = json!({"metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {"chart": {"spec": {"chart": "podinfo", "version": "6.x",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo", "namespace": "flux-system"}}}}});
        let (r, manifest) = chart_template(&hr, Duration::from_secs(600)).unwrap();
        assert_eq!(
            r,
            ResourceRef::new(FluxKind::HelmChart, "flux-system", "apps-podinfo")
        );
        assert_eq!(manifest["spec"]["interval"], "10m0s");
        assert_eq!(manifest["metadata"]["labels"][HR_OWNER_NAME], "podinfo");
        assert_eq!(
            manifest["spec"]["sourceRef"],
            json!({"kind": "HelmRepository", "name": "podinfo"})
        );
    }
}
