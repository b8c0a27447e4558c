//! The simulated source-controller: GitRepository, OCIRepository, HelmRepository (default and static OCI),
//! HelmChart and Bucket reconciles producing artifacts with real revision formats, the progressive
//! `Reconciling` messages, failure conditions (`FetchFailed`) and the real events (`NewArtifact`,
//! `ArtifactUpToDate`, `ChartPullSucceeded`, `GitOperationFailed` …).

use super::conditions::{self, CondStatus};
use super::input::{PlanInput, jittered};
use super::object;
use super::plan::{Emit, Plan, Step};
use super::revision;
use super::view::not_found_text;
use crate::flux::{FluxKind, ResourceRef};
use serde_json::{Map, Value, json};
use std::time::Duration;

const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const MAX_RETRY: Duration = Duration::from_secs(60);

/// A produced artifact: its revision, storage file name and the success texts.
struct Produced {
    revision: String,
    file: String,
    ready_reason: &'static str,
    ready_message: String,
    event: Emit,
    /// HelmChart: `observedSourceArtifactRevision` and `observedChartName`.
    chart: Option<(String, String)>,
    /// OCI: the Git revision the artifact was built from (`org.opencontainers.image.revision`).
    origin: Option<String>,
}

/// Why a source cannot produce an artifact this time (besides injected failures).
struct Blocked {
    reason: &'static str,
    message: String,
}

fn seed(input: &PlanInput<'_>) -> String {
    format!(
        "{}/{}/{}/{}",
        input.kind,
        object::namespace(input.obj),
        object::name(input.obj),
        object::str_at(input.obj, "/spec/url").unwrap_or_default()
    )
}

/// Go's `units.HumanSize`: 4 significant digits, decimal units (`30.88kB`).
fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB"];
    #[allow(clippy::cast_precision_loss, reason = "display only")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < units.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let decimals = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}{}", units[unit])
}

fn stored(revision: &str) -> String {
    format!("stored artifact for revision '{revision}'")
}

fn produce(input: &PlanInput<'_>) -> Result<Produced, Blocked> {
    let obj = input.obj;
    let seed = seed(input);
    let n = input.revision_number();
    let spec_ref = obj.pointer("/spec/ref");
    let simple = |revision: String, file: String| {
        let message = stored(&revision);
        Produced {
            event: Emit::normal("NewArtifact", message.clone()),
            revision,
            file,
            ready_reason: "Succeeded",
            ready_message: message,
            chart: None,
            origin: None,
        }
    };
    let commit = input.behaviour.commit.as_deref();
    match input.kind {
        FluxKind::GitRepository => {
            let mut rev = revision::git_revision(spec_ref, &seed, n);
            let pinned = spec_ref.and_then(|r| r.get("commit")).is_some();
            if let Some(c) = commit.filter(|_| !pinned)
                && let Some((label, _)) = rev.split_once("@sha1:")
            {
                rev = format!("{label}@sha1:{c}");
            }
            let sha = rev.rsplit(':').next().unwrap_or_default().to_owned();
            Ok(simple(rev, format!("{sha}.tar.gz")))
        }
        FluxKind::OCIRepository => {
            let seed = commit.map_or_else(|| seed.clone(), |c| format!("{seed}#{c}"));
            let rev = revision::oci_revision(
                spec_ref,
                &seed,
                n,
                input.behaviour.chart_version.as_deref(),
            );
            let hex = rev.rsplit(':').next().unwrap_or_default().to_owned();
            let mut produced = simple(rev, format!("{hex}.tar.gz"));
            produced.origin = commit.map(|c| format!("main@sha1:{c}"));
            Ok(produced)
        }
        FluxKind::Bucket => {
            let hex = revision::hex(&format!("{seed}#{n}"), 64);
            Ok(simple(format!("sha256:{hex}"), format!("{hex}.tar.gz")))
        }
        FluxKind::HelmRepository => {
            let hex = revision::hex(&format!("{seed}#{n}"), 64);
            let rev = format!("sha256:{hex}");
            let url = object::str_at(obj, "/spec/url").unwrap_or_default();
            let size = human_size(8_000 + revision::number(&seed, 400_000));
            Ok(Produced {
                event: Emit::normal(
                    "NewArtifact",
                    format!("fetched index of size {size} from '{url}'"),
                ),
                ready_message: format!("stored artifact: revision '{rev}'"),
                ready_reason: "Succeeded",
                revision: rev,
                file: format!("index-{hex}.yaml"),
                chart: None,
                origin: None,
            })
        }
        FluxKind::HelmChart => chart(input, &seed, n),
        FluxKind::ExternalArtifact | FluxKind::Kustomization | FluxKind::HelmRelease => {
            let hex = revision::hex(&format!("{seed}#{n}"), 64);
            Ok(simple(
                format!("latest@sha256:{hex}"),
                format!("{hex}.tar.gz"),
            ))
        }
    }
}

fn chart(input: &PlanInput<'_>, seed: &str, n: u32) -> Result<Produced, Blocked> {
    let obj = input.obj;
    let ns = object::namespace(obj);
    let chart = object::str_at(obj, "/spec/chart")
        .unwrap_or("chart")
        .to_owned();
    let source = obj
        .pointer("/spec/sourceRef")
        .and_then(|r| object::reference(r, None, ns))
        .ok_or_else(|| Blocked {
            reason: "SourceUnavailable",
            message: "failed to get source: spec.sourceRef is invalid".to_owned(),
        })?;
    let Some(found) = input.view.get(&source) else {
        return Err(Blocked {
            reason: "SourceUnavailable",
            message: format!(
                "failed to get source: {}",
                not_found_text(source.kind, &source.name)
            ),
        });
    };
    let is_oci_repo = source.kind == FluxKind::HelmRepository
        && object::str_at(&found, "/spec/type") == Some("oci");
    let source_revision = object::str_at(&found, "/status/artifact/revision").map(str::to_owned);
    if source_revision.is_none() && !is_oci_repo {
        return Err(Blocked {
            reason: "NoSourceArtifact",
            message: format!(
                "no artifact available for {} source '{}'",
                source.kind, source.name
            ),
        });
    }
    let version = match &input.behaviour.chart_version {
        Some(v) => revision::bump_patch(v, n),
        None => revision::resolve_version(object::str_at(obj, "/spec/version"), seed, n),
    };
    let (reason, verb) = if source.kind == FluxKind::HelmRepository {
        ("ChartPullSucceeded", "pulled")
    } else {
        ("ChartPackageSucceeded", "packaged")
    };
    let message = format!("{verb} '{chart}' chart with version '{version}'");
    Ok(Produced {
        event: Emit::normal(reason, message.clone()),
        ready_reason: reason,
        ready_message: message,
        file: format!("{chart}-{version}.tgz"),
        chart: Some((source_revision.unwrap_or_default(), chart)),
        revision: version,
        origin: None,
    })
}

fn status_url(kind: FluxKind, ns: &str, name: &str) -> Option<String> {
    let file = match kind {
        FluxKind::HelmRepository => "index.yaml",
        FluxKind::OCIRepository | FluxKind::HelmChart | FluxKind::Bucket => "latest.tar.gz",
        _ => return None,
    };
    Some(format!(
        "{}/{}/{ns}/{name}/{file}",
        revision::STORAGE_HOST,
        kind.as_str().to_ascii_lowercase()
    ))
}

/// The values one source reconcile works with.
struct Run<'a> {
    input: &'a PlanInput<'a>,
    generation: i64,
    status: Map<String, Value>,
    /// The Reconciling message while working (`building artifact`, `processing object: new generation …`).
    progressing: String,
    duration: Duration,
}

impl Run<'_> {
    fn set(&mut self, type_: &str, status: CondStatus, reason: &str, message: &str, at: Duration) {
        let now = self.input.timeline.at(at);
        conditions::set(
            &mut self.status,
            type_,
            status,
            reason,
            message,
            self.generation,
            &now,
        );
    }

    fn handled(&mut self) {
        if let Some(v) = object::annotation(self.input.obj, object::REQUESTED_AT) {
            self.status
                .insert("lastHandledReconcileAt".to_owned(), json!(v));
        }
    }

    /// The status while the reconcile runs, as fluxcd/pkg `ProgressiveStatus` leaves it: Reconciling=True;
    /// Ready=Unknown when the run builds an artifact (`drift`: none stored yet, or a new revision) or Ready was
    /// not decided, otherwise Ready as it was (a failed source stays Ready=False). The last run's failure
    /// conditions (`FetchFailed`) stay until the run ends.
    fn started(&self, message: &str, drift: bool) -> Step {
        let mut run = Run {
            status: self.status.clone(),
            progressing: String::new(),
            ..*self
        };
        run.set(
            "Reconciling",
            CondStatus::True,
            "Progressing",
            message,
            Duration::ZERO,
        );
        let view = json!({ "status": Value::Object(run.status.clone()) });
        let ready_decided = conditions::get(&view, "Ready")
            .and_then(|c| c.get("status")?.as_str())
            .is_some_and(|s| s != "Unknown");
        if drift || !ready_decided {
            run.set(
                "Ready",
                CondStatus::Unknown,
                "Progressing",
                message,
                Duration::ZERO,
            );
        }
        Step {
            after: Duration::ZERO,
            status: run.status,
            events: Vec::new(),
        }
    }

    /// A failed fetch: Ready=False and FetchFailed=True with the raw error, Reconciling ProgressingWithRetry, a
    /// Warning event; an earlier artifact is kept.
    fn failed(mut self, reason: &str, message: String, retry: Duration) -> Plan {
        // source-controller's reconcileStorage marks a source without an artifact "building artifact"
        // (Ready=Unknown) at the start of every run, before the fetch fails again.
        let drift = !self.status.contains_key("artifact");
        let start = self.started(&self.progressing.clone(), drift);
        let (d, progressing) = (self.duration, self.progressing.clone());
        self.set(
            "Reconciling",
            CondStatus::True,
            "ProgressingWithRetry",
            &progressing,
            d,
        );
        self.set("FetchFailed", CondStatus::True, reason, &message, d);
        self.set("Ready", CondStatus::False, reason, &message, d);
        self.handled();
        let end = Step {
            after: d,
            status: self.status,
            events: vec![Emit::warning(reason, message)],
        };
        Plan {
            steps: vec![start, end],
            creates: Vec::new(),
            applies: Vec::new(),
            requeue: Some(retry),
            attempted: true,
            health_wait: None,
        }
    }

    /// Nothing new upstream: a trace event, status untouched.
    fn up_to_date(mut self, revision: &str, next: Duration) -> Plan {
        self.handled();
        let msg = format!("artifact up-to-date with remote revision: '{revision}'");
        let step = Step {
            after: self.duration / 3,
            status: self.status,
            events: vec![Emit::normal("ArtifactUpToDate", msg)],
        };
        Plan {
            steps: vec![step],
            creates: Vec::new(),
            applies: Vec::new(),
            requeue: Some(next),
            attempted: true,
            health_wait: None,
        }
    }

    /// A new artifact: stored, Ready=True, `NewArtifact` (or the kind's own success event).
    fn stored(mut self, produced: Produced, next: Duration) -> Plan {
        let obj = self.input.obj;
        let observed_generation = self.generation;
        let msg = if self.progressing == "building artifact" {
            format!(
                "building artifact: new upstream revision '{}'",
                produced.revision
            )
        } else {
            self.progressing.clone()
        };
        let start = self.started(&msg, true);
        let d = self.duration;
        let (ns, name) = (object::namespace(obj), object::name(obj));
        let kind = self.input.kind;
        let path = revision::artifact_path(
            &kind.as_str().to_ascii_lowercase(),
            ns,
            name,
            &produced.file,
        );
        let end_at = self.input.timeline.at(d);
        let mut artifact = revision::artifact(&path, &produced.revision, &end_at);
        if let Some(origin) = &produced.origin {
            artifact["metadata"] = json!({ crate::flux::api::OCI_REVISION_ANNOTATION: origin });
        }
        self.status.insert("artifact".to_owned(), artifact);
        self.set(
            "ArtifactInStorage",
            CondStatus::True,
            "Succeeded",
            &stored(&produced.revision),
            d,
        );
        self.set(
            "Ready",
            CondStatus::True,
            produced.ready_reason,
            &produced.ready_message,
            d,
        );
        for gone in ["Reconciling", "FetchFailed", "Stalled"] {
            conditions::remove(&mut self.status, gone);
        }
        self.status
            .insert("observedGeneration".to_owned(), json!(observed_generation));
        if let Some(url) = status_url(kind, ns, name) {
            self.status.insert("url".to_owned(), json!(url));
        }
        if let Some((source_rev, chart)) = &produced.chart {
            self.status.insert(
                "observedSourceArtifactRevision".to_owned(),
                json!(source_rev),
            );
            self.status
                .insert("observedChartName".to_owned(), json!(chart));
        }
        self.handled();
        let event = produced
            .event
            .with("source.toolkit.fluxcd.io/revision", &produced.revision);
        let end = Step {
            after: d,
            status: self.status,
            events: vec![event],
        };
        Plan {
            steps: vec![start, end],
            creates: Vec::new(),
            applies: Vec::new(),
            requeue: Some(next),
            attempted: true,
            health_wait: None,
        }
    }
}

/// Plans one source reconcile.
#[must_use]
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let obj = input.obj;
    if input.kind == FluxKind::HelmRepository && object::str_at(obj, "/spec/type") == Some("oci") {
        // A static object since Flux 2.2: the controller leaves `status: {}`.
        let step = Step {
            after: Duration::ZERO,
            status: Map::new(),
            events: Vec::new(),
        };
        return Plan {
            steps: vec![step],
            ..Plan::default()
        };
    }
    let generation = object::generation(obj);
    let interval = object::interval(obj, DEFAULT_INTERVAL);
    let me = object::resource_ref(obj).unwrap_or_else(|| ResourceRef::new(input.kind, "", ""));
    let next = input.until_next_revision(jittered(interval, &format!("{me}#{}", input.attempts)));
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let run = Run {
        input,
        generation,
        status: object::status_map(obj),
        progressing: if observed == generation {
            "building artifact".to_owned()
        } else {
            format!("processing object: new generation {observed} -> {generation}")
        },
        duration: input.reconcile_duration(),
    };
    if input.fails() {
        let f = input.behaviour.failure.as_ref();
        let reason = f
            .and_then(|f| f.reason.clone())
            .unwrap_or_else(|| "Failed".to_owned());
        let message = f.map(|f| f.message.clone()).unwrap_or_default();
        return run.failed(&reason, message, interval.min(MAX_RETRY));
    }
    let produced = match produce(input) {
        Ok(p) => p,
        Err(b) => return run.failed(b.reason, b.message, interval.min(MAX_RETRY)),
    };
    let current = object::str_at(obj, "/status/artifact/revision");
    // A HelmChart rebuilds when its source has a new artifact, even if the chart version stays the same.
    let same_source = produced.chart.as_ref().is_none_or(|(source_rev, _)| {
        object::str_at(obj, "/status/observedSourceArtifactRevision") == Some(source_rev.as_str())
    });
    if current == Some(produced.revision.as_str())
        && same_source
        && observed == generation
        && conditions::is_true(obj, "Ready")
    {
        return run.up_to_date(&produced.revision, next);
    }
    run.stored(produced, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_go_units() {
        assert_eq!(human_size(30_880), "30.88kB");
        assert_eq!(human_size(123_456), "123.5kB");
        assert_eq!(human_size(1_200_000), "1.2MB");
        assert_eq!(human_size(512), "512B");
    }
}
