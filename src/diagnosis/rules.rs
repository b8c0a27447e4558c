//! The classification engine over the rule table of [`super::patterns`]: all patterns run in one pass as a
//! [`RegexSet`]; of the rules that match, the lowest [`Tier`] wins, and within a tier the match that starts last
//! (the innermost cause of a wrapped error chain). Where the deciding match is in the message is kept in the
//! [`Verdict`], so the facts come from that part of the message (see `diagnosis::segment`). A few causes name
//! no class by themselves and are resolved from the rest of the message, the condition reason and the kind
//! ([`Resolve`]): a Helm cause without an action word, a Secret the API server did not find, a network error
//! (a source fetch, or the API server).
//!
//! When no message rule matches, a text that reports progress or success stays `Unclassified`; otherwise the
//! condition reason decides (at most `Medium`, `High` for `DependencyNotReady` and `RetriesExceeded`), and failing
//! sources with a generic reason are a `Low` guess at a fetch failure. Anything else is `Unclassified`.

use super::next_step::NextStep;
pub use super::patterns::{RULES, Resolve, Rule, Tier};
use super::{Confidence, FailureClass};
use crate::flux::FluxKind;
use regex::{Regex, RegexSet, RegexSetBuilder};
use std::sync::LazyLock;

use Confidence::{High, Low, Medium};
use FailureClass as C;

/// Texts that report progress or success (apply change sets, "stored artifact", "Reconciliation finished in",
/// "Running health checks", "Helm install succeeded" …). When no failure rule matches they stay unclassified
/// whatever the condition reason says: an event's reason is the Ready reason of the moment, so a prune change
/// set after a failure arrives with reason `ArtifactFailed`.
const NOT_A_FAILURE: &[&str] = &[
    r"^[A-Z][A-Za-z0-9]*/\S+ (?:created|configured|deleted|unchanged|skipped)\b",
    r"(?i)\b(?:succeeded|passed in|finished in|up-to-date with remote|is in-sync|no changes since last)\b",
    r"(?i)^(?:stored artifact for|fetched index of|fetched \d+ files|pulled '[^']+' chart|fetched revision:|applied revision:|created HelmChart/|all dependencies are? (?:area )?ready|update completed|kustomization applied in|helm (?:install|upgrade) has started)",
    r"(?i)^(?:reconciliation in progress|fetching manifests for revision|building manifests for revision|detecting drift for revision|running health checks|fulfilling prerequisites|running '\w+' action|processing object: new generation|retrying after \S+$|release not installed: no release in storage)",
];

/// Condition reasons that name a class by themselves (used when no message rule matches).
const REASONS: &[(&str, FailureClass, Confidence)] = &[
    ("DependencyNotReady", C::DependencyNotReady, High),
    ("RetriesExceeded", C::RetriesExhausted, High),
    ("ArtifactFailed", C::SourceFetchFailed, Medium),
    ("SourceNotReady", C::SourceFetchFailed, Medium),
    ("GitOperationFailed", C::SourceFetchFailed, Medium),
    ("OCIArtifactPullFailed", C::SourceFetchFailed, Medium),
    ("BucketOperationFailed", C::SourceFetchFailed, Medium),
    ("ChartPullError", C::SourceFetchFailed, Medium),
    ("InvalidChartReference", C::SourceFetchFailed, Medium),
    ("AuthenticationFailed", C::PermissionDenied, Medium),
    ("AccessDenied", C::PermissionDenied, Medium),
    ("BuildFailed", C::BuildFailed, Medium),
    ("HealthCheckFailed", C::HealthCheckFailed, Medium),
    ("InstallFailed", C::HelmInstallFailed, Medium),
    ("UpgradeFailed", C::HelmUpgradeFailed, Medium),
    ("URLInvalid", C::SchemaValidation, Medium),
    ("InvalidURL", C::SchemaValidation, Medium),
    ("InvalidCELExpression", C::SchemaValidation, Medium),
    ("PruneFailed", C::Other, Medium),
    ("TestFailed", C::Other, Medium),
    ("RollbackFailed", C::Other, Medium),
    ("UninstallFailed", C::Other, Medium),
    ("MissingRollbackTarget", C::Other, Medium),
    ("DriftDetected", C::Other, Medium),
    ("FeatureGateDisabled", C::Other, Medium),
];

/// The outcome of the rules: class, confidence, the rule that decided (none when the reason or nothing did) and
/// where in the normalised message its match starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub class: FailureClass,
    pub confidence: Confidence,
    /// The name of the message rule that decided.
    pub rule: Option<&'static str>,
    pub next_step: Option<NextStep>,
    /// Byte offset of the deciding match in the normalised message.
    pub at: Option<usize>,
}

impl Verdict {
    const UNCLASSIFIED: Verdict = Verdict {
        class: C::Unclassified,
        confidence: Confidence::Low,
        rule: None,
        next_step: None,
        at: None,
    };
}

/// Word boundaries made ASCII (`(?-u:\b)`): the keywords are ASCII, and a Unicode boundary would make the regex
/// engine leave its fast lazy DFA on any non-ASCII text.
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

/// Cache of the set's lazy DFA. With the default (2 MiB) the set of all rules thrashes its cache on real
/// messages and falls back to a slower engine (about 200x slower in a measurement over the corpus); 16 MiB holds
/// the states the corpus needs.
const SET_DFA_BYTES: usize = 16 << 20;

/// The rules in one set, and each on its own (run only for the rules the set matched, to find where).
static SET: LazyLock<Result<RegexSet, regex::Error>> = LazyLock::new(|| {
    RegexSetBuilder::new(RULES.iter().map(|r| ascii_boundaries(r.pattern)))
        .dfa_size_limit(SET_DFA_BYTES)
        .build()
});

static EACH: LazyLock<Result<Vec<Regex>, regex::Error>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|r| Regex::new(&ascii_boundaries(r.pattern)))
        .collect()
});

static NOT_A_FAILURE_SET: LazyLock<Result<RegexSet, regex::Error>> =
    LazyLock::new(|| RegexSet::new(NOT_A_FAILURE.iter().map(|p| ascii_boundaries(p))));

/// Words that name the Helm action of a message (for causes that do not).
static HELM_ACTION_WORDS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(upgrad|install)").ok());

/// Contexts of a missing Secret.
static DECRYPTION_CONTEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:sops\w*|decrypt\w*|gpg|pgp|agekey)\b").ok());

static VALUES_CONTEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\bvalues\b").ok());

/// Words of a fetch (of a source, an artifact, a chart, an image, a remote base).
static FETCH_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:download\w*|clon\w+|fetch\w*|pull\w*|artifact|repository|repo|index|chart|bucket|registry|git|oci|tarball|archive)\b|\bgit@|://[^\s/]+/[^\s]*\.git\b").ok()
});

/// The API server as the remote: a dry-run or apply, an `/api/` or `/apis/` URL, the cluster.
static APISERVER_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\bdry-?run\b|/apis?/|\bKubernetes cluster unreachable\b|\bkube-?apiserver\b|\bkubernetes\.default\b").ok()
});

/// A Secret that holds a kubeconfig (`spec.kubeConfig.secretRef`): the remote cluster's access, configuration.
static KUBECONFIG_CONTEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\bkube-?config\b").ok());

/// Whether every pattern compiles (a broken pattern would make every message `Unclassified`).
///
/// # Errors
/// The first pattern error.
pub fn check_patterns() -> Result<(), regex::Error> {
    SET.as_ref().map_err(Clone::clone)?;
    EACH.as_ref().map_err(Clone::clone)?;
    NOT_A_FAILURE_SET.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// A rule that matched, and where.
#[derive(Debug, Clone, Copy)]
struct Hit {
    index: usize,
    rule: &'static Rule,
    at: usize,
}

/// The rules that match a message, with the start of each one's first match.
fn hits(message: &str) -> Vec<Hit> {
    let (Ok(set), Ok(each)) = (SET.as_ref(), EACH.as_ref()) else {
        return Vec::new();
    };
    set.matches(message)
        .iter()
        .filter_map(|index| {
            let rule = RULES.get(index)?;
            let at = each.get(index)?.find(message)?.start();
            Some(Hit { index, rule, at })
        })
        .collect()
}

/// The deciding hit: lowest tier, then the latest start (innermost cause), then table order.
fn decide(hits: &[Hit]) -> Option<Hit> {
    hits.iter().copied().min_by(|a, b| {
        a.rule
            .tier
            .cmp(&b.rule.tier)
            .then(b.at.cmp(&a.at))
            .then(a.index.cmp(&b.index))
    })
}

/// The class of a Helm cause that names no action: an explicit install/upgrade failure in the same message,
/// else the action word, else an install (a guess).
fn helm_action(message: &str, hits: &[Hit]) -> (FailureClass, Confidence) {
    let explicit = hits
        .iter()
        .filter(|h| matches!(h.rule.name, "helm-install-failed" | "helm-upgrade-failed"))
        .min_by_key(|h| h.at);
    if let Some(h) = explicit {
        return (h.rule.class, h.rule.confidence);
    }
    // Helm's atomic flag names the action by what it undid.
    if message.contains("has been rolled back due to atomic") {
        return (C::HelmUpgradeFailed, Medium);
    }
    if message.contains("has been uninstalled due to atomic") {
        return (C::HelmInstallFailed, Medium);
    }
    let without_the_operation_list = message.replace("install/upgrade/rollback", "");
    let word = HELM_ACTION_WORDS
        .as_ref()
        .and_then(|re| re.captures(&without_the_operation_list))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_ascii_lowercase());
    match word.as_deref() {
        Some("upgrad") => (C::HelmUpgradeFailed, Medium),
        Some(_) => (C::HelmInstallFailed, Medium),
        None => (C::HelmInstallFailed, Low),
    }
}

/// The class of a Secret the API server did not find: what it was for (the message around it, the condition
/// reason, the kind of the object) decides.
fn missing_secret(
    message: &str,
    reason: Option<&str>,
    kind: Option<FluxKind>,
) -> (FailureClass, Confidence) {
    let decryption = DECRYPTION_CONTEXT
        .as_ref()
        .is_some_and(|re| re.is_match(message));
    let values = VALUES_CONTEXT
        .as_ref()
        .is_some_and(|re| re.is_match(message));
    let kubeconfig = KUBECONFIG_CONTEXT
        .as_ref()
        .is_some_and(|re| re.is_match(message));
    match (reason, kind) {
        (Some("BuildFailed"), _) => (C::BuildFailed, Medium),
        _ if decryption => (C::BuildFailed, Medium),
        _ if values || kubeconfig => (C::Other, Medium),
        (Some("ValuesError" | "InitFailed"), _) | (_, Some(FluxKind::HelmRelease)) => {
            (C::Other, Medium)
        }
        (Some("AuthenticationFailed"), _) => (C::PermissionDenied, Medium),
        (_, Some(k)) if !k.is_applier() => (C::PermissionDenied, Medium),
        _ => (C::PermissionDenied, Low),
    }
}

/// The class of a network or TLS error: a source fetch when something was fetched (the message says so, or
/// the object is a source); the API server unreachable is a cluster condition; otherwise only a guess.
fn network(message: &str, kind: Option<FluxKind>) -> (FailureClass, Confidence) {
    let is = |re: &LazyLock<Option<Regex>>| re.as_ref().is_some_and(|re| re.is_match(message));
    if kind.is_some_and(|k| !k.is_applier()) {
        (C::SourceFetchFailed, Medium)
    } else if is(&APISERVER_CONTEXT) {
        (C::Other, Low)
    } else if is(&FETCH_CONTEXT) {
        (C::SourceFetchFailed, Medium)
    } else {
        (C::SourceFetchFailed, Low)
    }
}

/// Classifies a normalised message.
#[must_use]
pub fn classify(message: &str, reason: Option<&str>, kind: Option<FluxKind>) -> Verdict {
    let hits = hits(message);
    if let Some(hit) = decide(&hits) {
        let r = hit.rule;
        let (class, confidence) = match r.resolve {
            Resolve::Fixed => (r.class, r.confidence),
            Resolve::HelmAction => helm_action(message, &hits),
            Resolve::MissingSecret => missing_secret(message, reason, kind),
            Resolve::Network => network(message, kind),
        };
        // A schema refusal or a credential error met by a Helm action: the cause is clear, the label less so.
        let under_helm = matches!(r.tier, Tier::Schema | Tier::Credentials)
            && hits.iter().any(|h| h.rule.tier == Tier::Helm);
        let confidence = if under_helm && confidence == High {
            Medium
        } else {
            confidence
        };
        return Verdict {
            class,
            confidence,
            rule: Some(r.name),
            next_step: r.next_step,
            at: Some(hit.at),
        };
    }
    if NOT_A_FAILURE_SET
        .as_ref()
        .is_ok_and(|set| set.is_match(message))
    {
        return Verdict::UNCLASSIFIED;
    }
    if let Some(&(_, class, confidence)) =
        reason.and_then(|reason| REASONS.iter().find(|(r, _, _)| *r == reason))
    {
        return Verdict {
            class,
            confidence,
            ..Verdict::UNCLASSIFIED
        };
    }
    if kind.is_some_and(|k| !k.is_applier()) && !message.is_empty() {
        // A failing source whose message no rule knows: most likely a fetch problem, but only a guess.
        return Verdict {
            class: C::SourceFetchFailed,
            confidence: Confidence::Low,
            ..Verdict::UNCLASSIFIED
        };
    }
    Verdict::UNCLASSIFIED
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_pattern_compiles_and_names_are_unique() {
        assert!(check_patterns().is_ok(), "{:?}", check_patterns());
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn reason_decides_only_when_no_rule_matches() {
        let v = classify("something odd", Some("UpgradeFailed"), None);
        assert_eq!(v.class, C::HelmUpgradeFailed);
        assert_eq!(v.confidence, Medium);
        assert_eq!(v.rule, None);
        let v = classify("dependency 'a/b' is not ready", Some("UpgradeFailed"), None);
        assert_eq!(v.class, C::DependencyNotReady);
    }

    #[test]
    fn unknown_message_is_unclassified_but_a_failing_source_is_a_low_guess() {
        let v = classify("the cat sat on the mat", Some("Failed"), None);
        assert_eq!(v.class, C::Unclassified);
        assert_eq!(v.confidence, Confidence::Low);
        let v = classify(
            "the cat sat on the mat",
            Some("Failed"),
            Some(FluxKind::HelmRepository),
        );
        assert_eq!(v.class, C::SourceFetchFailed);
        assert_eq!(v.confidence, Confidence::Low);
        let v = classify(
            "the cat sat on the mat",
            Some("Failed"),
            Some(FluxKind::Kustomization),
        );
        assert_eq!(v.class, C::Unclassified);
    }

    #[test]
    fn progress_and_change_sets_stay_unclassified_whatever_the_reason() {
        // events.tsv: a Normal prune change set with reason ArtifactFailed, a source's success event.
        for (message, reason, kind) in [
            (
                "HorizontalPodAutoscaler/default/podinfo deleted...",
                "ArtifactFailed",
                FluxKind::Kustomization,
            ),
            (
                "artifact up-to-date with remote revision: '2.9.11'",
                "ArtifactUpToDate",
                FluxKind::HelmChart,
            ),
            (
                "processing object: new generation 1 -> 2",
                "ProgressingWithRetry",
                FluxKind::GitRepository,
            ),
            (
                "fetched 16 files with revision from 'my-new-bucket'",
                "NewArtifact",
                FluxKind::Bucket,
            ),
        ] {
            let v = classify(message, Some(reason), Some(kind));
            assert_eq!(v.class, C::Unclassified, "{message}");
        }
    }

    #[test]
    fn success_messages_are_not_failures() {
        for m in [
            "Reconciliation finished in 448.00332ms, next run in 10m0s",
            "Applied revision: main@sha1:abc",
            "Helm install succeeded for release podinfo/podinfo.v1 with chart podinfo@6.5.3",
            "stored artifact for revision 'main@sha1:132f4e71'",
            "Health check passed in 2.5s",
        ] {
            assert_eq!(classify(m, None, None).class, C::Unclassified, "{m}");
        }
    }
}
