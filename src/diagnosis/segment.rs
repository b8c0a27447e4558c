//! Where in a message the cause is. Messages often list several errors — Helm's `a && b` and one `cannot patch …`
//! per object, hashicorp's `N errors occurred: * a * b`, numbered attempts `#1: …`, kubectl's one `Error from
//! server` or `The Kind "name" is invalid` per object, kustomize-controller's one `Kind/ns/name dry-run failed` per
//! object (its lines joined), the API server's bracket list of field errors `[spec.a: Required value, spec.b: …]`, a
//! health check's `[Kind/ns/name status: …, …]` — and the facts of a class must come from the item the class
//! came from (the innermost cause), not from the first object or field the message happens to name.
//!
//! [`Part::around`] cuts the normalised message into items at those boundaries and keeps the item that holds the
//! deciding match; [`object`] and [`field`] read the object and the field path of that item, falling back to the
//! error that encloses it (the object a bracket list of field errors belongs to). [`fields`] reads every field a
//! refusal names (`fluxops check --cluster` points its finding at the first one's line).

use super::facts::clean;
use super::patterns::FIELD_ERROR_KINDS;
use regex::Regex;
use std::sync::LazyLock;

/// A pattern compiled once; word boundaries made ASCII as in `rules` (fast engines on any text).
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)")).ok()
}

/// Where a new item of a list of errors starts.
static BOUNDARY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(&format!(
        r#"&& |(?:^| )\* |(?:^| )- |#\d+: |\bcannot patch "|\bfailed to replace object: |\bError from server\b|\bError: |(?:^|[\[,] ?)[A-Z][A-Za-z0-9]*/[^\s/,]+(?:/[^\s/,]+)?:? (?:status:|dry-run failed|')| [A-Z][A-Za-z0-9]*/[^\s/,]+(?:/[^\s/,]+)? dry-run failed\b|\bThe [A-Z][A-Za-z0-9]* "[^"]+" is invalid\b|[\[,] ?[a-z][\w.\[\]/-]*: (?:{FIELD_ERROR_KINDS})\b|\bresource mapping not found\b|\bunable to recognize\b|\bValidationError\("#
    ))
});

/// The objects a message names: the SSA prefix `Kind/ns/name <what happened>` (kustomize-controller, also in a
/// health-check list), the API server's `Kind.group "name" is invalid|forbidden`, kubectl's `The Kind "name" is
/// invalid`, the unquoted form of older controllers (`Service redis is invalid`), Helm's `cannot patch "name"
/// with kind Kind`.
static OBJECTS: LazyLock<[Option<Regex>; 5]> = LazyLock::new(|| {
    [
        compile(
            r"(?:^|[\s\[,:])([A-Z][A-Za-z0-9]*/(?:[^\s/,]+/)?[^\s/,]+?):? (?:dry-run failed|immutable field detected|not found:|namespace not specified|is SOPS encry|status: |'[A-Z]\w+'|\w+, error:)",
        ),
        compile(r#"\b([A-Z][A-Za-z0-9]*)(?:\.[a-z0-9.-]+)? "([^"]+)" is (?:invalid|forbidden)\b"#),
        compile(r#"\bThe ([A-Z][A-Za-z0-9]*) ["']([^"']+)["'] is invalid\b"#),
        compile(r"\b([A-Z][A-Za-z0-9]*) ([a-z0-9][-a-z0-9.]*) is invalid\b"),
        compile(r#"\bcannot patch "([^"]+)" with kind ([A-Z][A-Za-z0-9]*)"#),
    ]
});

/// A field path before one of the API server's field-error reasons: `spec.selector: Invalid value`,
/// `spec.clusterIPs[0]: Invalid value`, `spec: Forbidden`, `roleRef: Invalid value`.
static FIELD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(&format!(
        r"(?:^|[\s\[,#*])([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+|\[[^\]\s]*\])*): (?:{FIELD_ERROR_KINDS})\b"
    ))
});

/// The part of a message a cause is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'m> {
    pub message: &'m str,
    /// Byte range of the item that holds the deciding match.
    pub start: usize,
    pub end: usize,
    /// Where the deciding match starts.
    pub at: usize,
}

impl<'m> Part<'m> {
    /// The item of `message` that holds byte offset `at` (the whole message when it lists nothing).
    #[must_use]
    pub fn around(message: &'m str, at: usize) -> Part<'m> {
        let at = at.min(message.len());
        let (mut start, mut end) = (0, message.len());
        if let Some(re) = BOUNDARY.as_ref() {
            for m in re.find_iter(message) {
                if m.start() <= at {
                    start = m.start();
                } else {
                    end = m.start();
                    break;
                }
            }
        }
        Part {
            message,
            start,
            end,
            at,
        }
    }

    /// The whole message as one part (no deciding match known).
    #[must_use]
    pub fn whole(message: &'m str) -> Part<'m> {
        Part {
            message,
            start: 0,
            end: message.len(),
            at: 0,
        }
    }

    /// The text of the item.
    #[must_use]
    pub fn item(&self) -> &'m str {
        self.message
            .get(self.start..self.end)
            .unwrap_or(self.message)
    }
}

/// The object a capture of `OBJECTS[i]` names.
fn object_name(i: usize, c: &regex::Captures<'_>) -> Option<(usize, String)> {
    let whole = c.get(1)?;
    let name = match (i, c.get(2)) {
        (0, _) => whole.as_str().to_owned(),
        (4, Some(kind)) => format!("{}/{}", kind.as_str(), whole.as_str()),
        (_, Some(name)) => format!("{}/{}", whole.as_str(), name.as_str()),
        _ => return None,
    };
    Some((whole.start(), name))
}

/// The first object `text` names (the SSA prefix wins a tie: it is listed first).
fn first_object(text: &str) -> Option<(usize, String)> {
    let mut best: Option<(usize, String)> = None;
    for (i, re) in OBJECTS.iter().enumerate() {
        let Some(found) = re
            .as_ref()
            .and_then(|re| re.captures(text))
            .and_then(|c| object_name(i, &c))
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(at, _)| found.0 < *at) {
            best = Some(found);
        }
    }
    best
}

/// The last object `text` names.
fn last_object(text: &str) -> Option<(usize, String)> {
    let mut best: Option<(usize, String)> = None;
    for (i, re) in OBJECTS.iter().enumerate() {
        let Some(re) = re else { continue };
        let Some(found) = re
            .captures_iter(text)
            .filter_map(|c| object_name(i, &c))
            .last()
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(at, _)| found.0 > *at) {
            best = Some(found);
        }
    }
    best
}

/// The object the part is about: the first one the item names, else the last one named before it (the error
/// that encloses a list), else the first one after it. `Kind/ns/name`, or `Kind/name` when the text does not say
/// the namespace. Only the item is searched when it names one (messages can be 32 KiB).
#[must_use]
pub fn object(part: &Part<'_>) -> Option<String> {
    let message = part.message;
    first_object(part.item())
        .or_else(|| message.get(..part.start).and_then(last_object))
        .or_else(|| message.get(part.end..).and_then(first_object))
        .map(|(_, name)| clean(&name))
}

/// The field path of the part: the last field error that starts in the item before the deciding match (the
/// field an immutability reason belongs to), else the first one at or after it (a schema refusal names its field
/// after `is invalid:`), else the last one before it.
#[must_use]
pub fn field(part: &Part<'_>) -> Option<String> {
    let re = FIELD.as_ref()?;
    let message = part.message;
    let path = |c: &regex::Captures<'_>| c.get(1).map(|m| clean(m.as_str()));
    let in_item_before = message.get(part.start..part.end).and_then(|item| {
        re.captures_iter(item)
            .take_while(|c| c.get(1).is_some_and(|m| part.start + m.start() <= part.at))
            .last()
            .and_then(|c| path(&c))
    });
    in_item_before
        .or_else(|| {
            message
                .get(part.at..)
                .and_then(|rest| re.captures(rest))
                .and_then(|c| path(&c))
        })
        .or_else(|| {
            message
                .get(..part.at)
                .and_then(|head| re.captures_iter(head).last())
                .and_then(|c| path(&c))
        })
}

/// Every field path `message` names before one of the API server's field-error reasons, in order, each once:
/// `spec.selector` of `… is invalid: spec.selector: Invalid value: …`, each item of a bracket list
/// `[spec.a: Required value, spec.b: Invalid value: …]`. As the server spells them (`metadata.labels[app]`).
#[must_use]
pub fn fields(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(re) = FIELD.as_ref() else {
        return out;
    };
    for c in re.captures_iter(message) {
        if let Some(m) = c.get(1)
            && !out.iter().any(|f| f == m.as_str())
        {
            out.push(m.as_str().to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(message: &str, needle: &str) -> usize {
        message.find(needle).unwrap_or_default()
    }

    #[test]
    fn every_pattern_compiles() {
        assert!(BOUNDARY.is_some() && FIELD.is_some());
        assert!(OBJECTS.iter().all(Option::is_some));
    }

    #[test]
    fn facts_come_from_the_item_of_a_helm_list_that_holds_the_cause() {
        let m = r#"Error: UPGRADE FAILED: cannot patch "web" with kind Service: Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535 && cannot patch "api" with kind Deployment: Deployment.apps "api" is invalid: spec.selector: Invalid value: v1.LabelSelector{}: field is immutable"#;
        let part = Part::around(m, at(m, "field is immutable"));
        assert_eq!(object(&part).as_deref(), Some("Deployment/api"));
        assert_eq!(field(&part).as_deref(), Some("spec.selector"));
        let part = Part::around(m, at(m, "must be between"));
        assert_eq!(object(&part).as_deref(), Some("Service/web"));
        assert_eq!(field(&part).as_deref(), Some("spec.ports[0].port"));
    }

    #[test]
    fn a_bracket_list_of_field_errors_keeps_its_enclosing_object() {
        let m = r#"Job.batch "migrate" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`, spec.template: Invalid value: core.PodTemplateSpec{}: field is immutable]"#;
        let part = Part::around(m, at(m, "field is immutable"));
        assert_eq!(object(&part).as_deref(), Some("Job/migrate"));
        assert_eq!(field(&part).as_deref(), Some("spec.template"));
    }

    #[test]
    fn every_field_of_a_refusal_is_named_once_in_order() {
        // The real v1.28 body of a CRD schema refusal (several causes, a value holding `, `, a `<nil>` field).
        let m = r#"Kustomization.kustomize.toolkit.fluxcd.io "bad" is invalid: [spec.prune: Invalid value: "string": spec.prune in body must be of type boolean: "string", spec.interval: Required value, spec.sourceRef: Required value, <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"#;
        assert_eq!(fields(m), ["spec.prune", "spec.interval", "spec.sourceRef"]);
        let m = r#"Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"podinfo", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#;
        assert_eq!(fields(m), ["spec.selector"]);
        let m = r#"Service "web" is invalid: [metadata.labels[app.kubernetes.io/name]: Invalid value: "-x": a valid label, spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, spec.ports[0].port: Duplicate value: 0]"#;
        assert_eq!(
            fields(m),
            [
                "metadata.labels[app.kubernetes.io/name]",
                "spec.ports[0].port"
            ]
        );
        assert!(fields("admission webhook \"x\" denied the request: no latest tag").is_empty());
    }

    #[test]
    fn a_cause_inside_a_health_check_list_names_its_own_object() {
        let m = r#"health check failed after 5m0s: timeout waiting for: [Deployment/apps/web status: 'InProgress', HelmRelease/apps/db status: 'Unknown': helmreleases.helm.toolkit.fluxcd.io "db" is forbidden: User "x" cannot get resource "helmreleases"]"#;
        let part = Part::around(m, at(m, "is forbidden"));
        assert_eq!(object(&part).as_deref(), Some("HelmRelease/apps/db"));
    }

    #[test]
    fn objects_in_every_wording() {
        for (m, want) in [
            (
                "ClusterRole/system:flux dry-run failed (Forbidden): x",
                "ClusterRole/system:flux",
            ),
            (
                r#"The Deployment "gatekeeper" is invalid: spec.selector: x"#,
                "Deployment/gatekeeper",
            ),
            (
                "Service/apps/redis dry-run failed, reason: Invalid, error: Service redis is invalid: spec.type: Unsupported value: Ingress",
                "Service/apps/redis",
            ),
            (
                "Secret/pgadmin/auth internalerror, error: data values must be of type string",
                "Secret/pgadmin/auth",
            ),
            (
                "Kustomization/flux-system/${environment} dry-run failed, reason: Invalid",
                "Kustomization/flux-system/${environment}",
            ),
        ] {
            assert_eq!(object(&Part::whole(m)).as_deref(), Some(want), "{m}");
        }
        assert_eq!(object(&Part::whole("see Deployment/a/b for details")), None);
    }
}
