//! The classification rules: one ordered table of patterns over the normalised message, written in the wording of
//! the Flux controllers (their format strings, FLUX.md §5, §8, §9) and of the Kubernetes API server and the
//! libraries under them (Helm, go-git, kustomize, SOPS, registries, cloud identity). The first rule that
//! matches decides; the order encodes which cause wins when a message carries several (a terminal "retries
//! exhausted" over the Helm error under it, an immutable field over the Helm upgrade that hit it, a
//! `kustomize build failed` prefix over the `json: unknown field` inside it, credentials over the fetch they
//! broke). All patterns run in one pass as a [`RegexSet`].
//!
//! When no message rule matches, a text that reports progress or success stays `Unclassified`; otherwise the
//! condition reason decides (at most `Medium`, `High` for `DependencyNotReady` and `RetriesExceeded`), and failing
//! sources with a generic reason are a `Low` guess at a fetch failure. Anything else is `Unclassified`.

use super::next_step::{self, NextStep};
use super::{Confidence, FailureClass};
use crate::flux::FluxKind;
use regex::RegexSet;
use std::sync::LazyLock;

/// One rule: a pattern over the normalised message, the class and confidence it gives, and a next step more
/// specific than the class's own when the rule knows one.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// A short name for tests and reports.
    pub name: &'static str,
    pub class: FailureClass,
    pub confidence: Confidence,
    pub pattern: &'static str,
    pub next_step: Option<NextStep>,
}

const fn rule(
    name: &'static str,
    class: FailureClass,
    confidence: Confidence,
    pattern: &'static str,
) -> Rule {
    Rule {
        name,
        class,
        confidence,
        pattern,
        next_step: None,
    }
}

const fn with_step(r: Rule, step: NextStep) -> Rule {
    Rule {
        next_step: Some(step),
        ..r
    }
}

use Confidence::{High, Medium};
use FailureClass as C;

/// The rules, highest priority first.
pub const RULES: &[Rule] = &[
    // Terminal states first: the Helm error under them is history, the next step is a reset.
    rule(
        "retries-exhausted-v2beta1",
        C::RetriesExhausted,
        High,
        r"(?i)\b(?:install|upgrade) retries exhausted\b",
    ),
    rule(
        "retries-exceeded",
        C::RetriesExhausted,
        High,
        r"(?i)\bfailed to (?:install|upgrade) after \d+ attempt\(s\)",
    ),
    rule(
        "exceeded-maximum-retries",
        C::RetriesExhausted,
        High,
        r"(?i)\bexceeded maximum retries\b",
    ),
    // Waiting on another Flux object.
    rule(
        "dependency-not-ready",
        C::DependencyNotReady,
        High,
        r"(?i)\bdependency '[^']+' (?:is not ready|revision is not up to date|not found)",
    ),
    rule(
        "dependencies-do-not-meet-ready-condition",
        C::DependencyNotReady,
        High,
        r"(?i)\bdependencies do not meet ready condition\b",
    ),
    with_step(
        rule(
            "source-artifact-not-found",
            C::SourceFetchFailed,
            High,
            r"(?i)^source (?:artifact not found|is not ready|not ready: artifact not found)",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    with_step(
        rule(
            "source-object-not-ready",
            C::SourceFetchFailed,
            High,
            r"\b(?:GitRepository|OCIRepository|HelmRepository|HelmChart|Bucket|ExternalArtifact) '[^'\s/]+/[^'\s]+' is not ready\b",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    // Immutable fields, wherever they surface (SSA dry-run, Helm upgrade, force-recreate failure).
    rule(
        "field-is-immutable",
        C::ImmutableField,
        High,
        r"(?i)\bfield is immutable\b|\bis immutable\b|\bimmutable field\b",
    ),
    rule(
        "updates-forbidden-for-other-fields",
        C::ImmutableField,
        High,
        r"(?i)\bForbidden: (?:updates to \w+ spec for fields other than|pod updates may not change fields other than)",
    ),
    // Health checks (kustomize-controller, current and pre-2022 wording).
    rule(
        "health-check-timeout",
        C::HealthCheckTimeout,
        High,
        r"(?i)\bhealth check failed after \S+?[,:]? timeout waiting for\b|^timeout waiting for: \[",
    ),
    rule(
        "health-check-timed-out",
        C::HealthCheckTimeout,
        High,
        r"(?i)\bhealth check timed out for\b",
    ),
    rule(
        "health-check-stalled",
        C::HealthCheckFailed,
        High,
        r"(?i)\bfailed early due to stalled resources\b|\bcan't determine status for\b",
    ),
    rule(
        "health-check-failed",
        C::HealthCheckFailed,
        Medium,
        r"(?i)\bhealth check failed\b",
    ),
    // SOPS-encrypted Secret without decryption configured: not a build error, a missing setting.
    with_step(
        rule(
            "sops-decryption-not-configured",
            C::Other,
            High,
            r"(?i)\bis SOPS encry\w*, configuring decryption is required\b",
        ),
        next_step::CONFIGURE_DECRYPTION,
    ),
    // Building manifests (kustomize-controller stages).
    with_step(
        rule(
            "post-build-substitution",
            C::BuildFailed,
            High,
            r"(?i)\bpost build failed\b|\benvsubst error\b|\bvariable substitution failed\b",
        ),
        next_step::POSTBUILD_VARIABLES,
    ),
    with_step(
        rule(
            "decryption-failed",
            C::BuildFailed,
            High,
            r"(?i)\bdecryption failed for\b|\bfailed to decrypt\b|\bcannot get sops data key\b",
        ),
        next_step::DECRYPT_SECRETS,
    ),
    rule(
        "kustomize-build-failed",
        C::BuildFailed,
        High,
        r"(?i)\bkustomize build failed\b",
    ),
    with_step(
        rule(
            "kustomization-path-not-found",
            C::BuildFailed,
            High,
            r"(?i)\bkustomization path not found\b",
        ),
        next_step::CHECK_KUSTOMIZATION_PATH,
    ),
    rule(
        "malformed-yaml",
        C::BuildFailed,
        Medium,
        r"(?i)\bfailed to decode Kubernetes YAML\b|\bMalformedYAMLError\b|\byaml: line \d+:",
    ),
    rule(
        "kustomize-accumulation",
        C::BuildFailed,
        Medium,
        r"(?i)\baccumulating resources\b|\baccumulation err\b",
    ),
    // Helm actions (helm-controller, v2 and v2beta1 wording).
    rule(
        "helm-install-failed",
        C::HelmInstallFailed,
        High,
        r"(?i)\bhelm install failed\b",
    ),
    rule(
        "helm-upgrade-failed",
        C::HelmUpgradeFailed,
        High,
        r"(?i)\bhelm upgrade failed\b",
    ),
    with_step(
        rule(
            "helm-test-failed",
            C::Other,
            High,
            r"(?i)\bhelm test failed\b",
        ),
        next_step::HELM_TEST_FAILED,
    ),
    with_step(
        rule(
            "helm-rollback-or-uninstall-failed",
            C::Other,
            High,
            r"(?i)\bhelm rollback (?:to previous release .* )?failed\b|\bhelm uninstall failed\b|\bfailed to perform remediation\b",
        ),
        next_step::HELM_REMEDIATION_FAILED,
    ),
    with_step(
        rule(
            "helm-drift",
            C::Other,
            High,
            r"(?i)\bhas drifted from the desired state\b",
        ),
        next_step::HELM_DRIFT,
    ),
    with_step(
        rule(
            "could-not-load-chart",
            C::SourceFetchFailed,
            High,
            r"(?i)\bcould not load chart\b",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    // Credentials and permissions (apiserver RBAC/admission, Git, registries, cloud identity).
    with_step(
        rule(
            "forbidden-service-account-missing",
            C::PermissionDenied,
            Medium,
            r"(?i)\bis forbidden: error looking up service account\b",
        ),
        next_step::MISSING_SERVICE_ACCOUNT,
    ),
    with_step(
        rule(
            "rbac-forbidden",
            C::PermissionDenied,
            High,
            r#"(?i)\bis forbidden: User "[^"]*" cannot\b"#,
        ),
        next_step::CHECK_RBAC,
    ),
    with_step(
        rule(
            "known-hosts-mismatch",
            C::PermissionDenied,
            High,
            r"(?i)\bknownhosts: key (?:mismatch|is unknown)\b|\bhost key mismatch\b",
        ),
        next_step::CHECK_KNOWN_HOSTS,
    ),
    rule(
        "values-reference",
        C::Other,
        Medium,
        r"(?i)\bcould not resolve (?:Secret|ConfigMap) chart values reference\b",
    ),
    rule(
        "credentials-secret-missing",
        C::PermissionDenied,
        Medium,
        r#"(?i)\bfailed to get secret\b|\bsecrets? "[^"]+" not found\b"#,
    ),
    rule(
        "authentication-failed",
        C::PermissionDenied,
        High,
        r"(?i)\bunable to authenticate\b|\bauthentication (?:required|failed)\b|\binvalid (?:username or password|credentials)\b|\bbad credentials\b|\bcould not read username\b",
    ),
    rule(
        "access-denied",
        C::PermissionDenied,
        High,
        r"\b(?:DENIED|UNAUTHORIZED)\b|\b401 Unauthorized\b|\b403 Forbidden\b|(?i:\b(?:permission|access) denied\b)",
    ),
    rule(
        "cloud-identity",
        C::PermissionDenied,
        High,
        r"\bRequest ARN is invalid\b|\b(?:InvalidIdentityToken|ExpiredToken|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|NoCredentialProviders|WebIdentityErr|AuthorizationFailure|AuthorizationPermissionMismatch)\b",
    ),
    with_step(
        rule(
            "apiserver-forbidden",
            C::PermissionDenied,
            Medium,
            r"(?i)\bdry-run failed(?:, reason:| \()\s*Forbidden\b|\bis forbidden:",
        ),
        next_step::CHECK_RBAC,
    ),
    // The API server (or a webhook) rejected the manifest.
    with_step(
        rule(
            "no-matches-for-kind",
            C::SchemaValidation,
            High,
            r"(?i)\bno matches for kind\b|\bcould not find the requested resource\b",
        ),
        next_step::INSTALL_CRD_FIRST,
    ),
    rule(
        "field-error",
        C::SchemaValidation,
        High,
        r"(?i)\bis invalid: \[?[A-Za-z][\w.\[\]/-]*: (?:Invalid value|Required value|Unsupported value|Duplicate value|Not found|Too long|Too many|Forbidden)\b",
    ),
    rule(
        "decoding-error",
        C::SchemaValidation,
        Medium,
        r#"(?i)\bstrict decoding error\b|\bunknown field "|\bjson: cannot unmarshal\b|\bmust be of type \w+|\bvalidation failure list\b|\badmission webhook "[^"]*" denied the request\b"#,
    ),
    with_step(
        rule(
            "invalid-url",
            C::SchemaValidation,
            High,
            r#"(?i)\bscheme "[^"]*" not supported\b|\bunsupported protocol scheme\b|\binvalid url\b"#,
        ),
        next_step::FIX_SOURCE_URL,
    ),
    // Fetching sources (source-controller, kustomize-controller's artifact download).
    with_step(
        rule(
            "remote-ref-not-found",
            C::SourceFetchFailed,
            High,
            r#"(?i)\bcouldn't find (?:remote ref|tag)\b|\breference not found\b"#,
        ),
        next_step::CHECK_SOURCE_REF,
    ),
    with_step(
        rule(
            "chart-version-not-found",
            C::SourceFetchFailed,
            High,
            r"(?i)\bchart with version matching\b|\binvalid chart reference\b|\bfailed to get chart version\b",
        ),
        next_step::CHECK_CHART_VERSION,
    ),
    with_step(
        rule(
            "source-verification-failed",
            C::SourceFetchFailed,
            Medium,
            r"(?i)\bfailed to verify the signature\b|\bno matching signatures\b|\bsignature verification failed\b",
        ),
        next_step::CHECK_SIGNATURE,
    ),
    rule(
        "source-fetch",
        C::SourceFetchFailed,
        High,
        r"(?i)\bfaile?d to download artifact\b|\bfailed to checkout and determine revision\b|\bunable to clone\b|\bfailed to fetch helm repository index\b|\bchart pull error\b|\bcould not load repository index\b|\bfailed to determine artifact digest\b|\bfailed to pull artifact\b|\bMANIFEST_UNKNOWN\b|\bbucket '[^']+' does not exist\b|\bfailed to confirm existence of\b",
    ),
    rule(
        "http-not-found",
        C::SourceFetchFailed,
        Medium,
        r"(?i)\b404 Not Found\b|\bstatus: 404\b",
    ),
];

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

/// The outcome of the rules: class, confidence, and the rule that decided (none when the reason or nothing did).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub class: FailureClass,
    pub confidence: Confidence,
    /// The name of the message rule that matched.
    pub rule: Option<&'static str>,
    pub next_step: Option<NextStep>,
}

impl Verdict {
    const UNCLASSIFIED: Verdict = Verdict {
        class: C::Unclassified,
        confidence: Confidence::Low,
        rule: None,
        next_step: None,
    };
}

/// The rules in one set. Word boundaries are made ASCII (`(?-u:\b)`): the keywords are ASCII, and a Unicode
/// boundary would make the regex engine leave its fast lazy DFA on any non-ASCII text.
static SET: LazyLock<Result<RegexSet, regex::Error>> =
    LazyLock::new(|| RegexSet::new(RULES.iter().map(|r| r.pattern.replace(r"\b", r"(?-u:\b)"))));

static NOT_A_FAILURE_SET: LazyLock<Result<RegexSet, regex::Error>> =
    LazyLock::new(|| RegexSet::new(NOT_A_FAILURE.iter().map(|p| p.replace(r"\b", r"(?-u:\b)"))));

/// Whether every rule pattern compiles (a broken pattern would make every message `Unclassified`).
///
/// # Errors
/// The first pattern error.
pub fn check_patterns() -> Result<(), regex::Error> {
    SET.as_ref().map_err(Clone::clone)?;
    NOT_A_FAILURE_SET.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Classifies a normalised message.
#[must_use]
pub fn classify(message: &str, reason: Option<&str>, kind: Option<FluxKind>) -> Verdict {
    if let Ok(set) = SET.as_ref()
        && let Some(i) = set.matches(message).iter().next()
        && let Some(r) = RULES.get(i)
    {
        return Verdict {
            class: r.class,
            confidence: r.confidence,
            rule: Some(r.name),
            next_step: r.next_step,
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
