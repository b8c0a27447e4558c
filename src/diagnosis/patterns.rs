//! The rule table: every pattern the classifier knows, in the wording of the Flux controllers (their format
//! strings, FLUX.md §5, §8, §9, older v0.x and v1beta wordings), of the Kubernetes API server and its admission
//! chain (field errors, RBAC, CEL and webhook refusals), of kubectl and of the libraries under the controllers
//! (Helm, go-git, kustomize, SOPS, registries, cloud identity).
//!
//! Each rule belongs to a [`Tier`]. When several rules match, the lowest tier wins, and within a tier the match
//! that starts last — the innermost cause of a wrapped Go error chain (`a: b: c`) — wins. The tiers encode which
//! cause explains a message that carries several: a terminal "retries exhausted" over everything under it; an
//! immutable field or an RBAC refusal wherever it surfaces (under a Helm upgrade, a health check, a prune); a
//! dependency or source that is not ready; a build stage over the parse errors inside it; the API server's
//! schema refusals over the Helm action or health check that ran into them; credentials over the fetch they
//! broke; and the generic wrappers last.

use super::next_step::{self, NextStep};
use super::{Confidence, FailureClass};

/// Which causes beat which, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Terminal states (retries exhausted): the error under them is history.
    Terminal,
    /// Causes that decide wherever they appear: an immutable field, an RBAC refusal.
    Absolute,
    /// Waiting on another object, or a configuration the object lacks.
    Waiting,
    /// Building manifests: the kustomize, post-build and decryption stages own what happens inside them.
    Build,
    /// The API server (or an admission webhook) rejected the manifest.
    Schema,
    /// Credentials refused by a remote.
    Credentials,
    /// A Helm action failed for a Helm reason.
    Helm,
    /// A health check timed out or failed.
    Health,
    /// Configuration and cluster conditions without a class of their own, generic refusals.
    Config,
    /// Fetching a source.
    Source,
    /// Weak evidence: generic wrappers whose cause is unknown.
    Weak,
}

/// How a rule's class is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// The rule's own class.
    Fixed,
    /// A Helm cause that names no action: install or upgrade, by the words of the message.
    HelmAction,
    /// A Secret the API server did not find: what it was for decides (decryption key, values, credentials).
    MissingSecret,
    /// A network or TLS error: a source fetch when the message or the kind says something was fetched; the
    /// API server itself (a dry-run, an `/apis/` URL) is not a source.
    Network,
}

/// One rule: a pattern over the normalised message, its tier, the class and confidence it gives, and a next
/// step more specific than the class's own when the rule knows one.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// A short name for tests and reports.
    pub name: &'static str,
    pub tier: Tier,
    pub class: FailureClass,
    pub confidence: Confidence,
    pub pattern: &'static str,
    pub next_step: Option<NextStep>,
    pub resolve: Resolve,
}

const fn rule(
    name: &'static str,
    tier: Tier,
    class: FailureClass,
    confidence: Confidence,
    pattern: &'static str,
) -> Rule {
    Rule {
        name,
        tier,
        class,
        confidence,
        pattern,
        next_step: None,
        resolve: Resolve::Fixed,
    }
}

const fn with_step(r: Rule, step: NextStep) -> Rule {
    Rule {
        next_step: Some(step),
        ..r
    }
}

const fn resolved(r: Rule, resolve: Resolve) -> Rule {
    Rule { resolve, ..r }
}

use Confidence::{High, Low, Medium};
use FailureClass as C;
use Tier as T;

/// The reasons of the API server's field errors (`spec.template: Invalid value: …`, `roleRef: Invalid value: …`,
/// `spec: Forbidden: …`), as `diagnosis::facts` reads the field path before them.
pub const FIELD_ERROR_KINDS: &str = "Invalid value|Required value|Unsupported value|Duplicate value|Not found|Too long|Too many|Forbidden";

/// The rules. Within a tier, the order only breaks ties between matches at the same position.
pub const RULES: &[Rule] = &[
    // ── Terminal ────────────────────────────────────────────────────────────────────────────────────────
    rule(
        "retries-exhausted-v2beta1",
        T::Terminal,
        C::RetriesExhausted,
        High,
        r"(?i)\b(?:install|upgrade) retries exhausted\b",
    ),
    rule(
        "retries-exceeded",
        T::Terminal,
        C::RetriesExhausted,
        High,
        r"(?i)\bfailed to (?:install|upgrade) after \d+ attempt\(s\)",
    ),
    rule(
        "exceeded-maximum-retries",
        T::Terminal,
        C::RetriesExhausted,
        High,
        r"(?i)\bexceeded maximum retries\b",
    ),
    // ── Absolute: immutable fields in every wording, RBAC ───────────────────────────────────────────────
    // apimachinery's "field is immutable", CEL/webhook "X is immutable", the PVC/PV "is immutable after
    // creation", kustomize-controller's own "immutable field detected".
    rule(
        "is-immutable",
        T::Absolute,
        C::ImmutableField,
        High,
        r"(?i)\bis immutable\b|\bimmutable field\b|\bfield is immutable\b",
    ),
    // StatefulSet, PodDisruptionBudget (< 1.15), StorageClass: "updates to … are forbidden"; Pod: "pod updates
    // may not change fields other than"; Node: "node updates may not change".
    rule(
        "updates-forbidden",
        T::Absolute,
        C::ImmutableField,
        High,
        r"(?i)\bForbidden: (?:updates to [\w ]+? (?:for fields other than|are forbidden)|\w+ updates may not change\b)",
    ),
    // "may not change once set" (Service clusterIPs), "cannot change roleRef", CEL/webhook messages such as
    // "cannot be changed", "can't be changed after …", "may not be modified", "is not allowed to be updated"
    // (not RBAC's "cannot update resource": no "be").
    rule(
        "field-may-not-change",
        T::Absolute,
        C::ImmutableField,
        High,
        r"(?i)\b(?:may not|must not|cannot|can ?not|can't|can’t) (?:be )?(?:changed|modified|mutated)\b|\b(?:may not|must not|cannot|can ?not|can't|can’t) be updated\b|\bmay not change\b|\bcannot change \w+|\b(?:is|are) not allowed to (?:be )?(?:changed|modified|updated)\b",
    ),
    // A CRD transition rule without a message: `failed rule: self == oldSelf`.
    rule(
        "cel-self-equals-old-self",
        T::Absolute,
        C::ImmutableField,
        High,
        r"\bself\s*==\s*oldSelf\b",
    ),
    with_step(
        rule(
            "rbac-forbidden",
            T::Absolute,
            C::PermissionDenied,
            High,
            r#"(?i)\bis forbidden: User "[^"]*" cannot\b|\bforbidden: attempt to grant extra privileges\b|\bis attempting to grant RBAC permissions not currently held\b"#,
        ),
        next_step::CHECK_RBAC,
    ),
    // ── Waiting on another object, or on configuration ─────────────────────────────────────────────────
    rule(
        "dependency-not-ready",
        T::Waiting,
        C::DependencyNotReady,
        High,
        r"(?i)\bdependency '[^']+' (?:is not ready|revision is not up to date|not found)|\bunable to get '[^']+' dependency\b",
    ),
    rule(
        "dependencies-do-not-meet-ready-condition",
        T::Waiting,
        C::DependencyNotReady,
        High,
        r"(?i)\bdependencies do not meet ready condition\b|\bdependencies failed: \S+: not ready\b",
    ),
    with_step(
        rule(
            "source-artifact-not-found",
            T::Waiting,
            C::SourceFetchFailed,
            High,
            r"(?i)^source (?:artifact not found|is not ready|not ready: artifact not found)|^source '[A-Za-z]+/[^']+' not found|\bunable to get source '[^']+'",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    with_step(
        rule(
            "source-object-not-ready",
            T::Waiting,
            C::SourceFetchFailed,
            High,
            r"\b(?:GitRepository|OCIRepository|HelmRepository|HelmChart|Bucket|ExternalArtifact) '[^'\s/]+/[^'\s]+' is not ready\b",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    with_step(
        rule(
            "sops-decryption-not-configured",
            T::Waiting,
            C::Other,
            High,
            r"(?i)\bis SOPS encry\w*, configuring decryption is required\b",
        ),
        next_step::CONFIGURE_DECRYPTION,
    ),
    with_step(
        rule(
            "forbidden-service-account-missing",
            T::Waiting,
            C::PermissionDenied,
            Medium,
            r"(?i)\bis forbidden: error looking up service account\b",
        ),
        next_step::MISSING_SERVICE_ACCOUNT,
    ),
    // ── Building manifests (kustomize-controller stages, current and v0.x) ─────────────────────────────
    with_step(
        rule(
            "post-build-substitution",
            T::Build,
            C::BuildFailed,
            High,
            r"(?i)\bpost build failed\b|\benvsubst error\b|\bvar(?:iable)? substitution failed\b|\bvariable not set \(strict mode\)|\bsubstitute from '(?:Secret|ConfigMap)/|\bvar name is invalid, must match\b",
        ),
        next_step::POSTBUILD_VARIABLES,
    ),
    with_step(
        rule(
            "decryption-failed",
            T::Build,
            C::BuildFailed,
            High,
            r"(?i)\bdecryption failed for\b|\bfailed to decrypt\b|\bcannot get sops data key\b|\bdecryption secret error\b|\bdecryption Secret '|\berror decrypting (?:env )?sources\b|\bfailed to get the data key required to decrypt\b|\btrouble decrypting file\b|\berror getting data key\b|\bno master key was able to decrypt\b|\bno age identity found\b",
        ),
        next_step::DECRYPT_SECRETS,
    ),
    rule(
        "kustomize-build-failed",
        T::Build,
        C::BuildFailed,
        High,
        r"(?i)\bkustomize (?:build|create) failed\b",
    ),
    // An operating-system permission error on a file of the artifact (not credentials): a guess at a build
    // problem (file modes in the artifact).
    rule(
        "file-permission",
        T::Build,
        C::BuildFailed,
        Low,
        r"(?i)\b(?:open|stat|lstat|mkdir|read|write|remove|rename|chmod) /\S+: permission denied\b",
    ),
    with_step(
        rule(
            "kustomization-path-not-found",
            T::Build,
            C::BuildFailed,
            High,
            r"(?i)\bkustomization path not found\b",
        ),
        next_step::CHECK_KUSTOMIZATION_PATH,
    ),
    // ── The API server (or a webhook, or kubectl's client-side schema) rejected the manifest ────────────
    with_step(
        rule(
            "no-matches-for-kind",
            T::Schema,
            C::SchemaValidation,
            High,
            r"(?i)\bno matches for kind\b|\bcould not find the requested resource\b|\bresource mapping not found\b|\bensure CRDs are installed first\b|\berror looking up API resources for\b",
        ),
        next_step::INSTALL_CRD_FIRST,
    ),
    rule(
        "field-error",
        T::Schema,
        C::SchemaValidation,
        High,
        r"(?i)\b(?:is invalid|was not valid):?[#*\[ ]*[A-Za-z<][\w.\[\]/<>$-]*: (?:Invalid value|Required value|Unsupported value|Duplicate value|Too long|Too many|Not found|Forbidden)\b|\b[a-z][\w.\[\]-]*: (?:Required value|Unsupported value|Duplicate value)\b",
    ),
    // A field error whose value is a whole Go struct is how apimachinery reports an immutable field; when the
    // message is cut before the reason, immutability is the likely cause, but only a guess.
    rule(
        "struct-dump-invalid-value",
        T::Schema,
        C::ImmutableField,
        Low,
        r"\bInvalid value: (?:core|v1|apps|batch)\.\w+\{",
    ),
    rule(
        "client-side-validation",
        T::Schema,
        C::SchemaValidation,
        High,
        r#"(?i)\bValidationError\(|\berror validating data\b|\berror validating "|\b(?:apiVersion|kind) not set\b"#,
    ),
    rule(
        "decoding-error",
        T::Schema,
        C::SchemaValidation,
        Medium,
        r#"(?i)\bstrict decoding error\b|\bunknown field "|\bjson: cannot unmarshal\b|\bmust be of type \w+|\bin body should (?:match|be)\b|\bvalidation failure list\b|\bdenied (?:the )?request\b|\bviolates PodSecurity\b|\bfield not declared in schema\b|\bfailed to create typed patch object\b|\bmanagedFields must be nil\b"#,
    ),
    with_step(
        rule(
            "invalid-url",
            T::Schema,
            C::SchemaValidation,
            High,
            r#"(?i)\bscheme "[^"]*" not supported\b|\bunsupported protocol scheme\b|\binvalid url\b|\bURL validation failed\b|\bURL must be in format\b|\bURL scheme cannot be used\b"#,
        ),
        next_step::FIX_SOURCE_URL,
    ),
    // ── Credentials refused by a remote (Git, registries, Helm repositories, cloud identity) ───────────
    with_step(
        rule(
            "known-hosts-mismatch",
            T::Credentials,
            C::PermissionDenied,
            High,
            r"(?i)\bknown?hosts: key (?:mismatch|is unk\w*)\b|\bhost key mismatch\b",
        ),
        next_step::CHECK_KNOWN_HOSTS,
    ),
    rule(
        "authentication-failed",
        T::Credentials,
        C::PermissionDenied,
        High,
        r"(?i)\bunable to authenticate\b|\bauthentication (?:required|failed)\b|\bthe server has asked for the client to provide credentials\b|\bauthentication is required\b|\binvalid (?:username or password|credentials)\b|\bbad credentials\b|\bcould not read username\b|\bunable to retrieve credentials\b|\bfailed to authorize\b|\binsufficient_scope\b|\bpull access denied\b|\bidentity key is encrypted but no 'password'",
    ),
    rule(
        "access-denied",
        T::Credentials,
        C::PermissionDenied,
        High,
        r"\b(?:DENIED|UNAUTHORIZED)\b|\b40[13] (?:Unauthorized|Forbidden)\b|(?i:\b(?:permission|access) denied\b)",
    ),
    rule(
        "cloud-identity",
        T::Credentials,
        C::PermissionDenied,
        High,
        r"\bRequest ARN is invalid\b|\b(?:InvalidIdentityToken|ExpiredToken|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|NoCredentialProviders|WebIdentityErr|AuthorizationFailure|AuthorizationPermissionMismatch)\b",
    ),
    // git's answer when the key is refused or the repository is not visible to it.
    rule(
        "git-remote-unreadable",
        T::Credentials,
        C::PermissionDenied,
        Medium,
        r"(?i)\bcould not read from remote repository\b",
    ),
    rule(
        "credentials-secret-missing",
        T::Credentials,
        C::PermissionDenied,
        Medium,
        r"(?i)\bfailed to get secret '",
    ),
    // ── Helm actions (helm-controller v2 / v2beta1, the Helm CLI, Helm Operator) ───────────────────────
    rule(
        "helm-install-failed",
        T::Helm,
        C::HelmInstallFailed,
        High,
        r"(?i)\bhelm install failed\b|\bINSTALLATION FAILED\b|\binstallation failed: |\bfailed (?:pre|post)-install\b|\b(?:pre|post)-install hooks? failed\b",
    ),
    rule(
        "helm-upgrade-failed",
        T::Helm,
        C::HelmUpgradeFailed,
        High,
        r#"(?i)\bhelm upgrade failed\b|\bUPGRADE FAILED\b|\bupgrade "[^"]+" failed\b|\bupgrade failed: |\bfailed (?:pre|post)-upgrade\b|\b(?:pre|post)-upgrade hooks? failed\b|\bhas no deployed releases\b"#,
    ),
    resolved(
        rule(
            "helm-cause",
            T::Helm,
            C::HelmInstallFailed,
            Medium,
            r#"(?i)\brendered manifests contain a resource that already exists\b|\bchart requires kubeVersion\b|\bYAML parse error on \S+/templates/|\b(?:execution|parse) error (?:at|in) \(|\btemplate: \S+:\d+:\d+: executing\b|\brendering template failed\b|\berror calling \w+: |\bvalues don't meet the specifications of the schema|\bunable to validate schema\b|\bcannot re-use a name that is still in use\b|\banother operation \(install/upgrade/rollback\) is in progress\b|\bHelm release failed\b|\brelease \S+ failed\b|\bwarning: Hook \S+ \S+ failed\b|\bunable to build kubernetes objects from (?:new |current )?release manifest\b|\bfailed to create resource\b|\bfailed to replace object\b|\bcannot patch "[^"]+" with kind\b"#,
        ),
        Resolve::HelmAction,
    ),
    with_step(
        rule(
            "helm-test-failed",
            T::Helm,
            C::Other,
            High,
            r"(?i)\bhelm test failed\b",
        ),
        next_step::HELM_TEST_FAILED,
    ),
    with_step(
        rule(
            "helm-rollback-or-uninstall-failed",
            T::Helm,
            C::Other,
            High,
            r#"(?i)\bhelm rollback (?:to previous release \S+ )?failed\b|\bhelm uninstall failed\b|\bfailed to perform remediation\b|\bremediation failed\b|\brollback "[^"]+" failed\b|\boriginal rollback error\b|\buninstallation completed with \d+ error|\bcorrupted release record\b"#,
        ),
        next_step::HELM_REMEDIATION_FAILED,
    ),
    with_step(
        rule(
            "helm-drift",
            T::Helm,
            C::Other,
            High,
            r"(?i)\bhas drifted from the desired state\b",
        ),
        next_step::HELM_DRIFT,
    ),
    with_step(
        rule(
            "could-not-load-chart",
            T::Helm,
            C::SourceFetchFailed,
            High,
            r"(?i)\bcould not load chart\b",
        ),
        next_step::FOLLOW_SOURCE,
    ),
    // ── Health checks (kustomize-controller, current and pre-2022 wording) ─────────────────────────────
    rule(
        "health-check-timeout",
        T::Health,
        C::HealthCheckTimeout,
        High,
        r"(?i)\bhealth check failed after \S+?[,:]? timeout waiting for\b|^timeout waiting for: \[",
    ),
    rule(
        "health-check-timed-out",
        T::Health,
        C::HealthCheckTimeout,
        High,
        r"(?i)\bhealth check timed out for\b",
    ),
    rule(
        "health-check-stalled",
        T::Health,
        C::HealthCheckFailed,
        High,
        r"(?i)\bfailed early due to stalled resources\b|\bcan't determine status for\b|\bhealth check failed for \[",
    ),
    rule(
        "health-check-failed",
        T::Health,
        C::HealthCheckFailed,
        Medium,
        r"(?i)\bhealth check failed\b",
    ),
    // ── Configuration without a class of its own; generic refusals ─────────────────────────────────────
    rule(
        "values-reference",
        T::Config,
        C::Other,
        Medium,
        r"(?i)\bcould not resolve (?:Secret|ConfigMap) chart values reference\b|\bmissing key '[^']+' in (?:Secret|ConfigMap)\b|\bfailed to compose values\b",
    ),
    rule(
        "kubeconfig-secret",
        T::Config,
        C::Other,
        Medium,
        r"(?i)\bKubeConfig secret '",
    ),
    rule(
        "webhook-unavailable",
        T::Config,
        C::Other,
        Medium,
        r#"(?i)\bfailed calling webhook\b|\bdoes not support dry[ -]?run\b"#,
    ),
    rule(
        "prune-failed",
        T::Config,
        C::Other,
        Medium,
        r"(?i)\bgarbage collection (?:failed|for deleted resource failed)\b|\bprune failed\b|\berror pruning\b",
    ),
    rule(
        "cluster-condition",
        T::Config,
        C::Other,
        Low,
        r#"(?i)\bexceeded quota\b|\bbecause it is being terminated\b|\bnamespaces "[^"]+" not found\b|\bOperation cannot be fulfilled\b|\bthe object has been modified\b|\bthe server is currently unable to handle the request\b|\bKubernetes cluster unreachable\b"#,
    ),
    with_step(
        rule(
            "apiserver-forbidden",
            T::Config,
            C::PermissionDenied,
            Medium,
            r"(?i)\bdry-run failed(?:, reason:| \()\s*Forbidden\b|\bis forbidden:",
        ),
        next_step::CHECK_RBAC,
    ),
    resolved(
        rule(
            "secret-not-found",
            T::Config,
            C::PermissionDenied,
            Low,
            r#"(?i)\bsecrets? "[^"]+" not found\b"#,
        ),
        Resolve::MissingSecret,
    ),
    // ── Fetching sources (source-controller, kustomize-controller's artifact download, flux bootstrap) ──
    with_step(
        rule(
            "remote-ref-not-found",
            T::Source,
            C::SourceFetchFailed,
            High,
            r"(?i)\bcouldn't find (?:remote ref|tag)\b|\breference not found\b|\bno match found for semver\b",
        ),
        next_step::CHECK_SOURCE_REF,
    ),
    with_step(
        rule(
            "chart-version-not-found",
            T::Source,
            C::SourceFetchFailed,
            High,
            r"(?i)\bchart with version matching\b|\binvalid chart reference\b|\bfailed to get chart version\b|\bno chart version found\b|\bno chart name found\b|\bnot found in \S+ (?:repository|index)\b|\bis not a valid chart repository or cannot be reached\b|\bno cached repo(?:sitory)? (?:found|for)\b|\bfailed to prepare chart\b|\bmissing in charts/ directory\b|\bis out of sync with the dependencies file\b",
        ),
        next_step::CHECK_CHART_VERSION,
    ),
    with_step(
        rule(
            "source-verification-failed",
            T::Source,
            C::SourceFetchFailed,
            Medium,
            r"(?i)\bfailed to verify the signature\b|\bno matching signatures\b|\bsignature verification failed\b|\bcannot verify signature of tag\b",
        ),
        next_step::CHECK_SIGNATURE,
    ),
    rule(
        "source-fetch",
        T::Source,
        C::SourceFetchFailed,
        High,
        r"(?i)\bfaile?d to download (?:artifact|chart|repository index)\b|\bfailed to checkout and determine revision\b|\bunable to clone\b|\bgit clone error\b|\bfailed to clone repository\b|\bfailed to fetch helm repository index\b|\bchart pull error\b|\bcould not load repository index\b|\bfailed to determine artifact digest\b|\bfailed to determine the artifact tag\b|\bfailed to pull artifact\b|\bpulling artifact \S+ failed\b|\bMANIFEST_UNKNOWN\b|\bbucket '[^']+' (?:does not exist|not found)\b|\bfailed to confirm existence of\b|\bremote repository is empty\b|\bgit repository is empty\b|\brepository not found\b|\bempty git-upload-pack given\b|\brunning git command\b",
    ),
    resolved(
        rule(
            "network-or-tls",
            T::Source,
            C::SourceFetchFailed,
            Medium,
            r"(?i)\bx509: certificate\b|\btls: failed to verify certificate\b|\bTLS handshake timeout\b|\bno such host\b|\bdial tcp\b|\bi/o timeout\b|\bconnection refused\b",
        ),
        Resolve::Network,
    ),
    rule(
        "http-not-found",
        T::Source,
        C::SourceFetchFailed,
        Medium,
        r"(?i)\b404 Not Found\b|\bstatus: 404\b",
    ),
    // ── Weak evidence: the wrapper is known, the cause is not ──────────────────────────────────────────
    rule(
        "malformed-yaml",
        T::Weak,
        C::BuildFailed,
        Medium,
        r"(?i)\bfailed to decode Kubernetes YAML\b|\bMalformedYAMLError\b|\byaml: line \d+:",
    ),
    rule(
        "kustomize-accumulation",
        T::Weak,
        C::BuildFailed,
        Medium,
        r"(?i)\baccumulating resources\b|\baccumulation err\b|\bmust build at directory\b",
    ),
    rule(
        "kubectl-era-apply",
        T::Weak,
        C::SchemaValidation,
        Low,
        r"(?i)^(?:validation|apply) failed: |\bdry-run failed\b",
    ),
    rule(
        "json-encoding",
        T::Weak,
        C::BuildFailed,
        Low,
        r"(?i)^json: unsupported type\b",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_kinds_are_the_ones_the_field_rule_names() {
        // Keeps the facts' field pattern and the rule in step.
        for kind in FIELD_ERROR_KINDS.split('|') {
            assert!(
                RULES
                    .iter()
                    .any(|r| r.name == "field-error" && r.pattern.contains(kind)),
                "{kind}"
            );
        }
    }
}
