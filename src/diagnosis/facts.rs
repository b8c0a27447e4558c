//! The facts each class reads from a normalised message: the object and field path (SSA dry-run prefix
//! `Kind/ns/name`, the API server's `Kind.group "name" is invalid: field: …`, kubectl's and Helm's wordings), the
//! blocking dependency, the resources a health check waited on (current `Kind/ns/name status: '…'` and pre-2022
//! `Kind 'ns/name'` lists), the Helm release, chart and version, the source URL, the Secret a build or a fetch
//! needed, and the specific cause. The object, field and cause come from the part of the message the class came
//! from (`diagnosis::segment`): in a message listing several errors, the item with the deciding match.
//!
//! Facts come from untrusted text: each is sanitised to one line without control or escape sequences, bounded
//! to [`MAX_FACT_CHARS`], URLs lose passwords and secret query values, and kustomize-controller's temporary
//! directories (`/tmp/kustomization-123/`) are cut from paths.

use super::segment::{self, Part};
use super::{Facts, FailureClass};
use crate::text::{mask_credentials, sanitize_line};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// Longest fact kept, in characters (longer ones end with `…`).
pub const MAX_FACT_CHARS: usize = 200;
/// Most resources kept from one health-check list.
pub const MAX_WAITED_ON: usize = 50;

/// A pattern compiled once, on first use; word boundaries made ASCII as in `rules` (fast engines on any text).
macro_rules! lazy_regex {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Option<Regex>> =
            LazyLock::new(|| Regex::new(&$pattern.replace(r"\b", r"(?-u:\b)")).ok());
    };
}

lazy_regex!(
    DEPENDENCY,
    r"(?i)\bdependency '([^']+)'|\bunable to get '([^']+)' dependency\b|\bdependencies failed: ([A-Z][A-Za-z0-9]*/[^\s:]+)"
);
lazy_regex!(
    SOURCE_NOT_READY,
    r"\b(GitRepository|OCIRepository|HelmRepository|HelmChart|Bucket|ExternalArtifact) '([^'\s/]+/[^'\s]+)' is not ready"
);
lazy_regex!(
    WAITED_CURRENT,
    r"([A-Z][A-Za-z0-9]*/[^\s/,\[\]]+(?:/[^\s/,\[\]]+)?) status: '"
);
lazy_regex!(
    WAITED_CURRENT_BARE,
    r"[\[,] ?([A-Z][A-Za-z0-9]*/[^\s/,\[\]]+(?:/[^\s/,\[\]:]+)?): '"
);
lazy_regex!(
    WAITED_LEGACY,
    r"([A-Za-z][A-Za-z0-9.]*) '([^'\s/]+/[^'\s]+)'"
);
lazy_regex!(
    CANT_DETERMINE,
    r"\bcan't determine status for ([A-Z][A-Za-z0-9]*/\S+?)[,\]]?(?:\s|$)"
);
lazy_regex!(
    HEALTH_AFTER,
    r"(?i)\bhealth check failed after (\S+?)[,:]? "
);
lazy_regex!(
    HELM_RELEASE,
    r"(?i)\bfor release ([^\s/]+/[^\s]+?)(?:\.v\d+)? with chart ([^@\s]+)@([^\s:]+)"
);
lazy_regex!(
    HELM_ERROR,
    r"(?i)^helm (?:install|upgrade|test) failed(?: for release \S+ with chart \S+?)?: (.+)$"
);
lazy_regex!(
    CHART_VERSION,
    r"(?i)\bno '([^']+)' chart with version matching '([^']+)'"
);
lazy_regex!(URL, r#"\b(?:https?|ssh|oci|git|s3|gs)://[^\s'"<>]+"#);
lazy_regex!(
    REMOTE_REF,
    r#"(?i)\bcouldn't find (remote ref|tag) "?([^"\s]+)"?"#
);
lazy_regex!(
    HTTP_STATUS,
    r"\b([45]\d\d [A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)*)"
);
lazy_regex!(BUCKET, r"'([^']+)' bucket\b|\bbucket '([^']+)'");
lazy_regex!(
    SERVICE_ACCOUNT,
    r"(?i)\berror looking up service account ([^/\s]+)/([^:\s]+)"
);
lazy_regex!(
    RBAC_USER,
    r#"User "([^"]+)" cannot (\w+) resource "([^"]+)""#
);
lazy_regex!(
    AUTH_PHRASE,
    r"(?i)\b(?:unable to authenticate|authentication (?:required|failed)|knownhosts: key (?:mismatch|is unknown)|invalid (?:username or password|credentials)|bad credentials|(?:permission|access) denied|401 Unauthorized|403 Forbidden|Request ARN is invalid)\b|\b(?:DENIED|UNAUTHORIZED|InvalidIdentityToken|ExpiredToken|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied)\b"
);
lazy_regex!(
    DECRYPT_CAUSE,
    r"(?i)\b(wrong secret key used|no master key was able to decrypt the file|failed to get the data key required to decrypt the sops file)\b"
);
lazy_regex!(
    DECRYPT_SECRET,
    r"(?i)\bfailed to decrypt and format '([^'/\s]+)/([^'\s]+)' Secret\b"
);
lazy_regex!(
    UNSET_VARIABLE,
    r#"(?i)\bvariable not set \(strict mode\): "?([A-Za-z_][A-Za-z0-9_]*)"#
);
lazy_regex!(
    PATH_NOT_FOUND,
    r"(?i)\bkustomization path not found: (?:stat )?(\S+?):? "
);
lazy_regex!(TMP_DIR, r"/tmp/kustomization-\d+/");
lazy_regex!(
    DECRYPTION_SECRET,
    r"(?i)\bdecryption Secret '([^'/\s]+)/([^'\s]+)'"
);
lazy_regex!(
    MISSING_SECRET,
    r#"(?i)\b(?:secrets?|Secret) "([^"]+)" not found\b"#
);
lazy_regex!(
    SUBSTITUTE_FROM,
    r"(?i)\bsubstitute from '((?:Secret|ConfigMap)/[^']+)'"
);
lazy_regex!(SECRET_REF, r"(?i)\bfailed to get secret '([^']+)'");
lazy_regex!(
    VALUES_REF,
    r"(?i)\bcould not resolve (Secret|ConfigMap) chart values reference '([^']+)'|\bmissing key '[^']+' in (Secret|ConfigMap) '([^']+)'"
);
lazy_regex!(
    RETRIES,
    r"(?i)\b(?:(install|upgrade) retries exhausted|failed to (install|upgrade) after (\d+) attempt\(s\)|exceeded maximum retries)"
);

fn caps<'m>(re: &LazyLock<Option<Regex>>, message: &'m str) -> Option<Captures<'m>> {
    re.as_ref().and_then(|re| re.captures(message))
}

fn group(re: &LazyLock<Option<Regex>>, message: &str, i: usize) -> Option<String> {
    caps(re, message)
        .and_then(|c| c.get(i))
        .map(|m| clean(m.as_str()))
}

/// A fact made safe: sanitised to one line, temporary directories cut, trimmed, bounded.
#[must_use]
pub fn clean(raw: &str) -> String {
    let line = sanitize_line(raw);
    let line = match TMP_DIR.as_ref() {
        Some(re) => re.replace_all(&line, "./").into_owned(),
        None => line.into_owned(),
    };
    let line = line.trim();
    if line.chars().count() <= MAX_FACT_CHARS {
        return line.to_owned();
    }
    let mut out: String = line.chars().take(MAX_FACT_CHARS - 1).collect();
    out.push('…');
    out
}

/// A URL fact: trailing punctuation dropped, credentials masked (`text::mask_credentials`, the one masker).
#[must_use]
pub fn clean_url(raw: &str) -> String {
    let mut trimmed = raw.trim_end_matches([':', ',', '.', ';', '\'']);
    // A closing bracket ends the URL only when it closes something outside it (`(see https://x)`).
    for (open, close) in [('(', ')'), ('[', ']')] {
        while trimmed.ends_with(close)
            && trimmed.matches(close).count() > trimmed.matches(open).count()
        {
            trimmed = trimmed[..trimmed.len() - 1].trim_end_matches([':', ',', '.', ';', '\'']);
        }
    }
    clean(&mask_credentials(trimmed))
}

/// The URL of the source: the first one the message names (`unable to clone '<url>': Get "<url>/info/refs…"`,
/// `failed to get '<oci url>': … GET <token endpoint>: 403`); later ones are endpoints derived from it.
fn url(message: &str) -> Option<String> {
    URL.as_ref()
        .and_then(|re| re.find(message))
        .map(|m| clean_url(m.as_str()))
}

/// The first capture group that took part in a match.
fn any_group(re: &LazyLock<Option<Regex>>, message: &str) -> Option<String> {
    caps(re, message).and_then(|c| c.iter().skip(1).flatten().next().map(|m| clean(m.as_str())))
}

/// The text after the last `: `, the innermost error of a wrapped Go error chain.
fn innermost(message: &str) -> Option<String> {
    message
        .rsplit_once(": ")
        .map(|(_, tail)| tail)
        .filter(|t| t.len() >= 3)
        .map(clean)
}

/// The resources a health check waited on: current `Kind/ns/name status: '…'` lists (and their `Kind/ns/name:
/// '…'` variant), `can't determine status for Kind/ns/name`, and the pre-2022 `Kind 'ns/name'` lists, also with
/// the resource named as `deployments.apps`.
fn waited_on(message: &str) -> Vec<String> {
    let all = |re: &LazyLock<Option<Regex>>, f: &dyn Fn(&Captures<'_>) -> String| -> Vec<String> {
        re.as_ref()
            .map(|re| {
                re.captures_iter(message)
                    .map(|c| f(&c))
                    .take(MAX_WAITED_ON)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = all(&WAITED_CURRENT, &|c| clean(&c[1]));
    if out.is_empty() {
        out = all(&WAITED_CURRENT_BARE, &|c| clean(&c[1]));
    }
    if out.is_empty() {
        out = all(&CANT_DETERMINE, &|c| clean(&c[1]));
    }
    if out.is_empty() {
        out = all(&WAITED_LEGACY, &|c| clean(&format!("{}/{}", &c[1], &c[2])));
    }
    out
}

fn helm(facts: &mut Facts, message: &str) {
    if let Some(c) = caps(&HELM_RELEASE, message) {
        facts.release = Some(clean(&c[1]));
        facts.chart = Some(clean(&c[2]));
        facts.version = Some(clean(&c[3]));
    }
    facts.detail = group(&HELM_ERROR, message, 1);
}

/// The Secret (or ConfigMap) a stage needed: the decryption Secret, a `substituteFrom` source, a values
/// reference, a source's `secretRef`, or the one the API server did not find.
fn secret(message: &str) -> Option<String> {
    if let Some(c) = caps(&DECRYPTION_SECRET, message) {
        return Some(clean(&format!("Secret/{}/{}", &c[1], &c[2])));
    }
    if let Some(s) = group(&SUBSTITUTE_FROM, message, 1) {
        return Some(s);
    }
    if let Some(c) = caps(&VALUES_REF, message) {
        let kind = c
            .get(1)
            .or_else(|| c.get(3))
            .map_or("Secret", |m| m.as_str());
        let name = c.get(2).or_else(|| c.get(4)).map_or("", |m| m.as_str());
        return Some(clean(&format!("{kind}/{name}")));
    }
    if let Some(s) = group(&SECRET_REF, message, 1) {
        return Some(clean(&format!("Secret/{s}")));
    }
    group(&MISSING_SECRET, message, 1).map(|s| clean(&format!("Secret/{s}")))
}

/// Extracts the facts of `class` from a normalised message; `at` is where the deciding match starts (the object,
/// field and cause are read from the part of the message around it).
#[must_use]
pub fn extract(class: FailureClass, message: &str, at: Option<usize>) -> Facts {
    let part = at.map_or_else(|| Part::whole(message), |at| Part::around(message, at));
    let item = part.item();
    let mut f = Facts::default();
    match class {
        FailureClass::ImmutableField => {
            f.object = segment::object(&part);
            f.field = segment::field(&part);
            helm(&mut f, message);
            f.detail = None;
        }
        FailureClass::DependencyNotReady => f.dependency = any_group(&DEPENDENCY, message),
        FailureClass::HealthCheckTimeout | FailureClass::HealthCheckFailed => {
            f.waited_on = waited_on(message);
            f.detail = group(&HEALTH_AFTER, message, 1).map(|d| format!("after {d}"));
        }
        FailureClass::BuildFailed => build(&mut f, message, &part),
        FailureClass::SourceFetchFailed => source(&mut f, message),
        FailureClass::PermissionDenied => permission(&mut f, message, &part),
        FailureClass::HelmInstallFailed | FailureClass::HelmUpgradeFailed => helm(&mut f, message),
        FailureClass::RetriesExhausted => {
            helm(&mut f, message);
            f.detail = caps(&RETRIES, message).and_then(|c| match (c.get(1), c.get(2), c.get(3)) {
                (Some(action), _, _) => Some(clean(action.as_str())),
                (_, Some(action), Some(n)) => Some(clean(&format!(
                    "{} after {} attempts",
                    action.as_str(),
                    n.as_str()
                ))),
                _ => innermost(message),
            });
        }
        FailureClass::SchemaValidation => {
            f.object = segment::object(&part);
            f.field = segment::field(&part);
            f.detail = innermost(item);
        }
        FailureClass::Other => {
            f.object = segment::object(&part).or_else(|| secret(message));
            helm(&mut f, message);
            if f.detail.is_none() {
                f.detail = innermost(item);
            }
        }
        FailureClass::Unclassified => f.object = segment::object(&part),
    }
    f
}

fn permission(f: &mut Facts, message: &str, part: &Part<'_>) {
    f.url = url(message);
    f.object = segment::object(part);
    f.dependency = caps(&SERVICE_ACCOUNT, message)
        .map(|c| clean(&format!("ServiceAccount/{}/{}", &c[1], &c[2])));
    let item = part.item();
    f.detail = caps(&RBAC_USER, item)
        .or_else(|| caps(&RBAC_USER, message))
        .map(|c| clean(&format!("User \"{}\" cannot {} {}", &c[1], &c[2], &c[3])))
        .or_else(|| {
            AUTH_PHRASE
                .as_ref()
                .and_then(|re| re.find(message))
                .map(|m| clean(m.as_str()))
        });
    if let Some(c) = caps(&BUCKET, message) {
        let name = c.get(1).or_else(|| c.get(2)).map(|m| m.as_str());
        f.object = f
            .object
            .take()
            .or(name.map(|n| clean(&format!("bucket {n}"))));
    }
    if f.object.is_none() {
        f.object = secret(message);
    }
}

fn build(f: &mut Facts, message: &str, part: &Part<'_>) {
    if let Some(c) = caps(&DECRYPT_SECRET, message) {
        f.object = Some(clean(&format!("Secret/{}/{}", &c[1], &c[2])));
        f.detail = group(&DECRYPT_CAUSE, message, 1);
    } else if let Some(var) = group(&UNSET_VARIABLE, message, 1) {
        f.detail = Some(format!("variable not set: {var}"));
    } else if let Some(path) = group(&PATH_NOT_FOUND, message, 1) {
        f.field = Some("spec.path".to_owned());
        f.detail = Some(format!("path not found: {path}"));
    } else if let Some(s) = secret(message) {
        f.object = Some(s);
        f.detail = group(&DECRYPT_CAUSE, message, 1).or_else(|| innermost(message));
    } else {
        f.object = segment::object(part);
        f.detail = group(&DECRYPT_CAUSE, message, 1).or_else(|| innermost(message));
    }
}

fn source(f: &mut Facts, message: &str) {
    f.url = url(message);
    if let Some(c) = caps(&SOURCE_NOT_READY, message) {
        f.dependency = Some(clean(&format!("{}/{}", &c[1], &c[2])));
    }
    if let Some(c) = caps(&CHART_VERSION, message) {
        f.chart = Some(clean(&c[1]));
        f.version = Some(clean(&c[2]));
    }
    if let Some(c) = caps(&BUCKET, message) {
        let name = c.get(1).or_else(|| c.get(2)).map(|m| m.as_str());
        f.object = name.map(|n| clean(&format!("bucket {n}")));
    }
    f.detail = caps(&REMOTE_REF, message)
        .map(|c| clean(&format!("{} not found: {}", &c[1], &c[2])))
        .or_else(|| {
            message
                .contains("MANIFEST_UNKNOWN")
                .then(|| "manifest unknown".to_owned())
        })
        .or_else(|| group(&HTTP_STATUS, message, 1))
        .or_else(|| {
            message
                .split_once("' is not ready: ")
                .map(|(_, why)| clean(why))
        })
        .or_else(|| innermost(message));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_pattern_compiles() {
        let all: [&LazyLock<Option<Regex>>; 28] = [
            &DEPENDENCY,
            &SOURCE_NOT_READY,
            &WAITED_CURRENT,
            &WAITED_CURRENT_BARE,
            &WAITED_LEGACY,
            &CANT_DETERMINE,
            &DECRYPTION_SECRET,
            &MISSING_SECRET,
            &SUBSTITUTE_FROM,
            &SECRET_REF,
            &VALUES_REF,
            &HEALTH_AFTER,
            &HELM_RELEASE,
            &HELM_ERROR,
            &CHART_VERSION,
            &URL,
            &REMOTE_REF,
            &HTTP_STATUS,
            &BUCKET,
            &SERVICE_ACCOUNT,
            &RBAC_USER,
            &AUTH_PHRASE,
            &DECRYPT_CAUSE,
            &DECRYPT_SECRET,
            &UNSET_VARIABLE,
            &PATH_NOT_FOUND,
            &TMP_DIR,
            &RETRIES,
        ];
        assert!(all.iter().all(|re| re.is_some()));
    }

    #[test]
    fn urls_lose_credentials_and_secret_query_values_but_keep_ssh_logins() {
        assert_eq!(
            clean_url("https://bot:ghp_secret@github.com/org/repo':"),
            "https://***@github.com/org/repo"
        );
        assert_eq!(
            clean_url("ssh://git:ghp_secret@github.com/org/repo"),
            "ssh://git:***@github.com/org/repo"
        );
        assert_eq!(
            clean_url("ssh://git@github.com/org/repo"),
            "ssh://git@github.com/org/repo"
        );
        assert_eq!(clean_url("https://[repoaddress]"), "https://[repoaddress]");
        assert_eq!(clean_url("https://x/y)."), "https://x/y");
        assert_eq!(
            clean_url("https://b.s3.amazonaws.com/x?X-Amz-Signature=abc&scope=pull"),
            "https://b.s3.amazonaws.com/x?X-Amz-Signature=***&scope=pull"
        );
    }

    #[test]
    fn facts_are_one_line_without_escapes_and_bounded() {
        let long = format!("a\x1b]0;evil\x07b{}", "x".repeat(500));
        let c = clean(&long);
        assert!(c.starts_with("ab"));
        assert_eq!(c.chars().count(), MAX_FACT_CHARS);
        assert!(c.ends_with('…'));
        assert_eq!(
            clean("read /tmp/kustomization-4230188404/cluster/apps"),
            "read ./cluster/apps"
        );
    }

    #[test]
    fn health_check_lists_in_both_formats_are_read() {
        assert_eq!(
            waited_on(
                "timeout waiting for: [Deployment/a/b status: 'InProgress', HelmRelease/c/d status: 'Failed': x]"
            ),
            vec!["Deployment/a/b", "HelmRelease/c/d"]
        );
        assert_eq!(
            waited_on("Health check timed out for [Job 'default/x', Deployment 'ns/y']"),
            vec!["Job/default/x", "Deployment/ns/y"]
        );
        assert_eq!(
            waited_on("Health check timed out for [deployments.apps 'a/b']"),
            vec!["deployments.apps/a/b"]
        );
        assert_eq!(
            waited_on("timeout waiting for: [Deployment/ns/web: 'NotFound']"),
            vec!["Deployment/ns/web"]
        );
        assert_eq!(
            waited_on(
                "failed early due to stalled resources: [can't determine status for Job/a/b]"
            ),
            vec!["Job/a/b"]
        );
    }

    #[test]
    fn a_huge_health_check_list_is_bounded() {
        let list: Vec<String> = (0..500)
            .map(|i| format!("Deployment/ns/d{i} status: 'InProgress'"))
            .collect();
        let m = format!("timeout waiting for: [{}]", list.join(", "));
        assert_eq!(waited_on(&m).len(), MAX_WAITED_ON);
    }
}
