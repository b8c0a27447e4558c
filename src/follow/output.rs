//! Rendering follow's lines and summary: text (one line per change, `✓ ✗ … ↻ ⟳` glyphs readable without
//! colour, optional ANSI colours and timestamps) or JSON (one object per line, then the summary object,
//! written by `crate::machine_text`: control, bidi and format characters escaped as `\uXXXX`).
//! Every untrusted string was sanitized by the tracker; names are sanitized here.

use super::fleet::FleetSummary;
use super::line::{Change, FollowLine, State, Summary, Verdict, relative, short_duration};
use super::revision::display_revision;
use crate::diagnosis::{Diagnosis, FailureClass};
use crate::flux::ResourceRef;
use crate::text::{sanitize_line, sanitize_name};
use crossterm::style::Stylize;
use k8s_openapi::jiff::Timestamp;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// How lines are rendered.
#[derive(Debug, Clone)]
pub struct Renderer {
    pub format: Format,
    pub color: bool,
    pub timestamps: bool,
    /// When follow started (timestamps are `started + elapsed`).
    pub started: Timestamp,
}

#[derive(Clone, Copy)]
enum Tone {
    Good,
    Bad,
    Wait,
    Info,
}

impl Renderer {
    fn paint(&self, glyph: &str, tone: Tone) -> String {
        if !self.color {
            return glyph.to_owned();
        }
        match tone {
            Tone::Good => glyph.green().to_string(),
            Tone::Bad => glyph.red().bold().to_string(),
            Tone::Wait => glyph.yellow().to_string(),
            Tone::Info => glyph.cyan().to_string(),
        }
    }

    fn stamp(&self, elapsed: std::time::Duration) -> String {
        if !self.timestamps {
            return String::new();
        }
        let at = jiff_add(self.started, elapsed);
        format!("{} ", at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    }

    /// The output for one line (text may span two lines: a failure and its next step).
    #[must_use]
    pub fn line(&self, line: &FollowLine) -> String {
        if self.format == Format::Json {
            return crate::machine_text::to_json_string(line).unwrap_or_default();
        }
        let label = sanitize_name(&line.label);
        let t = short_duration(line.elapsed);
        let body = match &line.change {
            Change::WaitingForSource { revision } => format!(
                "{} waiting for a source to pick up revision {}",
                self.paint("…", Tone::Wait),
                shown(revision)
            ),
            Change::SourceAt {
                source,
                revision,
                consumers,
            } => format!(
                "{} {}: at {} ({t}), feeds {consumers}",
                self.paint("↻", Tone::Info),
                name(source),
                shown(revision)
            ),
            Change::SourceMovedOn { source, revision } => format!(
                "{} {}: moved on to {} ({t})",
                self.paint("↻", Tone::Info),
                name(source),
                shown(revision)
            ),
            Change::Reconciling { revision, .. } => format!(
                "{} {label}: reconciling{} ({t})",
                self.paint("⟳", Tone::Info),
                revision
                    .as_ref()
                    .map(|r| format!(" {}", shown(r)))
                    .unwrap_or_default()
            ),
            Change::Blocked { object, waiting_on } => format!(
                "{} {label}: waiting on {}",
                self.paint("…", Tone::Wait),
                waiting_on
                    .iter()
                    .map(|w| relative(object, w))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Change::Ready { .. } => format!("{} {label}: Ready ({t})", self.paint("✓", Tone::Good)),
            Change::Failed {
                message,
                diagnosis,
                object,
                ..
            } => {
                let (what, next) = failure_text(object, message, diagnosis.as_deref());
                format!(
                    "{} {label}: failed — {what}\n    next: {next}",
                    self.paint("✗", Tone::Bad)
                )
            }
            Change::Gone { .. } => format!("{} {label}: deleted", self.paint("-", Tone::Wait)),
            Change::ApiError { error } => {
                format!(
                    "{} API error (retrying): {}",
                    self.paint("!", Tone::Wait),
                    sanitize_line(error)
                )
            }
        };
        format!("{}{body}", self.stamp(line.elapsed))
    }

    /// The output for the summary.
    #[must_use]
    pub fn summary(&self, s: &Summary) -> String {
        if self.format == Format::Json {
            return crate::machine_text::to_json_string(s).unwrap_or_default();
        }
        let t = short_duration(s.elapsed);
        let n = s.objects.len();
        let revision = shown(&s.revision);
        let ready = s.objects.iter().filter(|o| o.state == State::Ready).count();
        let head = match s.verdict {
            Verdict::Ready => format!(
                "{} revision {revision}: {n}/{n} Ready in {t}",
                self.paint("✓", Tone::Good),
            ),
            Verdict::Failed => format!(
                "{} revision {revision}: failed after {t} ({ready}/{n} Ready)",
                self.paint("✗", Tone::Bad),
            ),
            Verdict::TimedOut => format!(
                "{} revision {revision}: timed out after {t} ({ready}/{n} Ready)",
                self.paint("⏱", Tone::Wait),
            ),
            Verdict::ApiUnavailable => format!(
                "{} revision {revision}: gave up after {t}: the API server keeps failing",
                self.paint("!", Tone::Bad),
            ),
            Verdict::Stopped => format!(
                "{} revision {revision}: stopped after {t} ({ready}/{n} Ready): another cluster failed",
                self.paint("■", Tone::Wait),
            ),
        };
        let mut out = format!("{}{head}", self.stamp(s.elapsed));
        for o in s.objects.iter().filter(|o| o.state != State::Ready) {
            out.push_str(&format!(
                "\n  {}: {} — {}",
                sanitize_name(&o.label),
                o.state.label(),
                sanitize_line(&o.why)
            ));
        }
        for note in &s.notes {
            out.push_str(&format!("\n  {}", sanitize_line(note)));
        }
        out
    }
}

/// A line or summary of one cluster among several, as JSON: the object with `"cluster"` added.
#[derive(serde::Serialize)]
struct InCluster<'a, T: serde::Serialize> {
    cluster: &'a str,
    #[serde(flatten)]
    inner: &'a T,
}

impl Renderer {
    /// [`Renderer::line`] for one cluster of several: text starts with `[cluster]`, JSON carries `"cluster"`.
    #[must_use]
    pub fn cluster_line(&self, cluster: &str, line: &FollowLine) -> String {
        if self.format == Format::Json {
            return crate::machine_text::to_json_string(&InCluster {
                cluster,
                inner: line,
            })
            .unwrap_or_default();
        }
        self.prefixed(cluster, &self.line(line))
    }

    /// [`Renderer::summary`] for one cluster of several.
    #[must_use]
    pub fn cluster_summary(&self, cluster: &str, s: &Summary) -> String {
        if self.format == Format::Json {
            return crate::machine_text::to_json_string(&InCluster { cluster, inner: s })
                .unwrap_or_default();
        }
        self.prefixed(cluster, &self.summary(s))
    }

    /// The last line over several clusters: the combined verdict and each cluster's.
    #[must_use]
    pub fn fleet_summary(&self, s: &FleetSummary) -> String {
        if self.format == Format::Json {
            return crate::machine_text::to_json_string(s).unwrap_or_default();
        }
        let (glyph, tone) = verdict_glyph(s.verdict);
        let each: Vec<String> = s
            .clusters
            .iter()
            .map(|c| {
                let (g, t) = verdict_glyph(c.verdict);
                format!(
                    "{} {} {}",
                    self.paint(g, t),
                    sanitize_name(&c.cluster),
                    verdict_word(c.verdict)
                )
            })
            .collect();
        format!(
            "{} {} clusters: {} — {}",
            self.paint(glyph, tone),
            s.clusters.len(),
            verdict_word(s.verdict),
            each.join(", ")
        )
    }

    /// `text` with `[cluster] ` after the timestamp of its first line.
    fn prefixed(&self, cluster: &str, text: &str) -> String {
        let tag = format!("[{}] ", sanitize_name(cluster));
        let stamp_len = if self.timestamps {
            text.find(' ').map_or(0, |i| i + 1)
        } else {
            0
        };
        let (stamp, rest) = text.split_at(stamp_len.min(text.len()));
        format!("{stamp}{tag}{rest}")
    }
}

fn verdict_glyph(v: Verdict) -> (&'static str, Tone) {
    match v {
        Verdict::Ready => ("✓", Tone::Good),
        Verdict::Failed => ("✗", Tone::Bad),
        Verdict::TimedOut => ("⏱", Tone::Wait),
        Verdict::ApiUnavailable => ("!", Tone::Bad),
        Verdict::Stopped => ("■", Tone::Wait),
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "ready",
        Verdict::Failed => "failed",
        Verdict::TimedOut => "timed out",
        Verdict::ApiUnavailable => "could not be followed",
        Verdict::Stopped => "stopped before it settled",
    }
}

fn jiff_add(t: Timestamp, d: std::time::Duration) -> Timestamp {
    k8s_openapi::jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(t)
}

/// A revision as text shows it: the hex shortened to 12 digits (`main@sha1:0123456789ab`, `0123456789ab`);
/// JSON keeps it whole.
fn shown(revision: &str) -> String {
    let clean = sanitize_line(revision);
    if clean.len() > 12 && clean.chars().all(|c| c.is_ascii_hexdigit()) {
        return clean[..12].to_owned();
    }
    display_revision(&clean)
}

fn name(r: &ResourceRef) -> String {
    sanitize_name(&r.to_string()).into_owned()
}

/// What failed and the next step: the diagnosis' headline (`Diagnosis::headline`, as the console shows it) when it
/// classifies the failure, else the condition message.
#[must_use]
pub fn failure_text(
    object: &ResourceRef,
    message: &str,
    diagnosis: Option<&Diagnosis>,
) -> (String, String) {
    let fallback_next = format!(
        "read its conditions and events (kubectl -n {} describe {} {})",
        object.namespace,
        object.kind.as_str().to_ascii_lowercase(),
        object.name
    );
    let message = sanitize_line(message).into_owned();
    let Some(d) = diagnosis else {
        return (message, sanitize_line(&fallback_next).into_owned());
    };
    let next = format!("{} (runbook {})", d.next_step.advice, d.next_step.runbook);
    if d.class == FailureClass::Unclassified {
        return (message, next);
    }
    (sanitize_line(&d.headline()).into_owned(), next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::{Confidence, Facts, NextStep};
    use crate::flux::FluxKind;
    use std::time::Duration;

    fn renderer(format: Format, color: bool, timestamps: bool) -> Renderer {
        Renderer {
            format,
            color,
            timestamps,
            started: "2026-11-24T06:00:00Z".parse().unwrap(),
        }
    }

    fn apps() -> ResourceRef {
        ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps")
    }

    fn failed(diagnosis: Option<Diagnosis>) -> FollowLine {
        FollowLine {
            elapsed: Duration::from_secs(12),
            label: "apps".into(),
            change: Change::Failed {
                object: apps(),
                reason: "ReconciliationFailed".into(),
                message: "Deployment/podinfo/podinfo dry-run failed: field is immutable".into(),
                diagnosis: diagnosis.map(Box::new),
            },
        }
    }

    fn diagnosis(class: FailureClass) -> Diagnosis {
        Diagnosis {
            class,
            confidence: Confidence::High,
            facts: Facts {
                object: Some("Deployment/podinfo/podinfo".into()),
                field: Some("spec.selector".into()),
                ..Facts::default()
            },
            next_step: NextStep {
                runbook: "immutable-field",
                advice: "recreate the object or revert the field",
            },
        }
    }

    #[test]
    fn a_classified_failure_shows_the_diagnosis_and_its_next_step() {
        let text = renderer(Format::Text, false, false)
            .line(&failed(Some(diagnosis(FailureClass::ImmutableField))));
        assert_eq!(
            text,
            "✗ apps: failed — immutable field spec.selector on Deployment/podinfo/podinfo\n    next: recreate the object or revert the field (runbook immutable-field)"
        );
    }

    #[test]
    fn without_a_classification_the_condition_message_is_shown() {
        let r = renderer(Format::Text, false, false);
        let none = r.line(&failed(None));
        assert!(none.starts_with("✗ apps: failed — Deployment/podinfo/podinfo dry-run failed: field is immutable\n    next: read its conditions and events (kubectl -n flux-system describe kustomization apps)"), "{none}");
        let unclassified = r.line(&failed(Some(diagnosis(FailureClass::Unclassified))));
        assert!(
            unclassified.contains("failed — Deployment/podinfo/podinfo dry-run failed"),
            "{unclassified}"
        );
        assert!(
            unclassified.contains("(runbook immutable-field)"),
            "{unclassified}"
        );
    }

    #[test]
    fn colours_and_timestamps_only_when_asked() {
        let ready = FollowLine {
            elapsed: Duration::from_secs(12),
            label: "infra-controllers".into(),
            change: Change::Ready { object: apps() },
        };
        assert_eq!(
            renderer(Format::Text, false, false).line(&ready),
            "✓ infra-controllers: Ready (12s)"
        );
        let coloured = renderer(Format::Text, true, false).line(&ready);
        assert!(coloured.contains('\u{1b}') && coloured.contains("infra-controllers: Ready (12s)"));
        assert_eq!(
            renderer(Format::Text, false, true).line(&ready),
            "2026-11-24T06:00:12Z ✓ infra-controllers: Ready (12s)"
        );
    }

    #[test]
    fn json_lines_carry_the_event_and_the_whole_identity() {
        let ready = FollowLine {
            elapsed: Duration::from_millis(12_345),
            label: "apps".into(),
            change: Change::Ready { object: apps() },
        };
        let v: serde_json::Value =
            serde_json::from_str(&renderer(Format::Json, true, true).line(&ready)).unwrap();
        assert_eq!(v["event"], "ready");
        assert_eq!(v["elapsed"], 12.345);
        assert_eq!(v["object"]["kind"], "Kustomization");
        assert_eq!(v["object"]["namespace"], "flux-system");
        let failed: serde_json::Value = serde_json::from_str(
            &renderer(Format::Json, false, false)
                .line(&failed(Some(diagnosis(FailureClass::ImmutableField)))),
        )
        .unwrap();
        assert_eq!(failed["diagnosis"]["class"], "immutable-field");
        assert_eq!(failed["reason"], "ReconciliationFailed");
    }

    #[test]
    fn json_keeps_the_whole_revision_and_text_shortens_it() {
        let sha = "9e0f3c4a1b2c3d4e5f60718293a4b5c6d7e8f901";
        let line = FollowLine {
            elapsed: Duration::from_secs(3),
            label: "GitRepository/flux-system/flux-system".into(),
            change: Change::SourceAt {
                source: ResourceRef::new(FluxKind::GitRepository, "flux-system", "flux-system"),
                revision: format!("main@sha1:{sha}"),
                consumers: 4,
            },
        };
        let json: serde_json::Value =
            serde_json::from_str(&renderer(Format::Json, false, false).line(&line)).unwrap();
        assert_eq!(json["revision"], format!("main@sha1:{sha}"));
        let text = renderer(Format::Text, false, false).line(&line);
        assert!(text.contains("at main@sha1:9e0f3c4a1b2c (3s)"), "{text}");
        let summary = Summary {
            event: "summary",
            verdict: Verdict::Ready,
            revision: sha.into(),
            elapsed: Duration::from_secs(9),
            sources: Vec::new(),
            objects: Vec::new(),
            notes: Vec::new(),
        };
        let json: serde_json::Value =
            serde_json::from_str(&renderer(Format::Json, false, false).summary(&summary)).unwrap();
        assert_eq!(json["revision"], sha);
        assert!(
            renderer(Format::Text, false, false)
                .summary(&summary)
                .starts_with("✓ revision 9e0f3c4a1b2c: 0/0 Ready in 9s")
        );
    }

    #[test]
    fn names_from_the_cluster_cannot_inject_escape_sequences() {
        let line = FollowLine {
            elapsed: Duration::ZERO,
            label: "evil\u{1b}[2Jname".into(),
            change: Change::Ready { object: apps() },
        };
        assert!(
            !renderer(Format::Text, false, false)
                .line(&line)
                .contains('\u{1b}')
        );
    }

    #[test]
    fn several_clusters_name_the_cluster_on_every_line() {
        let ready = FollowLine {
            elapsed: Duration::from_secs(12),
            label: "apps".into(),
            change: Change::Ready { object: apps() },
        };
        assert_eq!(
            renderer(Format::Text, false, false).cluster_line("prod", &ready),
            "[prod] ✓ apps: Ready (12s)"
        );
        assert_eq!(
            renderer(Format::Text, false, true).cluster_line("prod", &ready),
            "2026-11-24T06:00:12Z [prod] ✓ apps: Ready (12s)"
        );
        // A hostile context name is escaped, never raw.
        let text = renderer(Format::Text, false, false).cluster_line("p\x1b[31mrod", &ready);
        assert!(!text.contains('\x1b'), "{text:?}");
        let json: serde_json::Value = serde_json::from_str(
            &renderer(Format::Json, false, false).cluster_line("prod", &ready),
        )
        .unwrap();
        assert_eq!(json["cluster"], "prod");
        assert_eq!(json["event"], "ready");
        assert_eq!(json["label"], "apps");
    }

    #[test]
    fn the_fleet_summary_gives_the_worst_verdict_and_each_clusters() {
        use crate::follow::fleet::{ClusterVerdict, FleetSummary};
        let s = FleetSummary {
            event: "fleet-summary",
            verdict: Verdict::Failed,
            clusters: vec![
                ClusterVerdict {
                    cluster: "staging".into(),
                    verdict: Verdict::Ready,
                },
                ClusterVerdict {
                    cluster: "prod".into(),
                    verdict: Verdict::Failed,
                },
            ],
        };
        assert_eq!(
            renderer(Format::Text, false, false).fleet_summary(&s),
            "✗ 2 clusters: failed — ✓ staging ready, ✗ prod failed"
        );
        let json: serde_json::Value =
            serde_json::from_str(&renderer(Format::Json, false, false).fleet_summary(&s)).unwrap();
        assert_eq!(json["verdict"], "failed");
        assert_eq!(json["clusters"][1]["cluster"], "prod");
    }
}
