//! Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and field selectors (`metadata.name=x`,
//! `involvedObject.kind=Kustomization`, …) as the API server parses and applies them.

use super::error::{Result, StoreError};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Field paths every resource supports.
const COMMON_FIELDS: &[&str] = &["metadata.name", "metadata.namespace"];
/// Extra field paths core/v1 Events support.
const EVENT_FIELDS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

/// The field labels a kind supports besides the common ones.
fn kind_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Event" => EVENT_FIELDS,
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Secret" => &["type"],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        "Job" => &["status.successful"],
        "ReplicaSet" => &["status.replicas"],
        _ => &[],
    }
}

/// A parsed label + field selector; the default selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    labels: Vec<LabelReq>,
    /// (path, value, equal?)
    fields: Vec<(String, String, bool)>,
}

impl Selector {
    /// Selects everything.
    #[must_use]
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses `labelSelector` and `fieldSelector` query values. `is_event` widens the allowed field paths.
    ///
    /// # Errors
    /// `BadRequest` with the API server's wording for unparsable selectors or unsupported field labels.
    pub fn parse(label: Option<&str>, field: Option<&str>, is_event: bool) -> Result<Self> {
        Self::parse_for(if is_event { "Event" } else { "" }, label, field)
    }

    /// `parse` for objects of `kind`: besides `metadata.name`/`metadata.namespace`, the field labels the real
    /// server supports for it (`spec.nodeName` and `status.phase` of pods, `type` of Secrets, …).
    ///
    /// # Errors
    /// As `parse`.
    pub fn parse_for(kind: &str, label: Option<&str>, field: Option<&str>) -> Result<Self> {
        let labels = match label {
            Some(text) if !text.trim().is_empty() => parse_labels(text)?,
            _ => Vec::new(),
        };
        let mut fields = Vec::new();
        if let Some(text) = field.filter(|t| !t.trim().is_empty()) {
            for term in text.split(',') {
                let (path, value, eq) = if let Some((p, v)) = term.split_once("!=") {
                    (p, v, false)
                } else if let Some((p, v)) = term.split_once("==") {
                    (p, v, true)
                } else if let Some((p, v)) = term.split_once('=') {
                    (p, v, true)
                } else {
                    return Err(StoreError::BadRequest(format!(
                        "invalid field selector: '{term}'"
                    )));
                };
                let path = path.trim();
                let allowed = COMMON_FIELDS.contains(&path) || kind_fields(kind).contains(&path);
                if !allowed {
                    return Err(StoreError::BadRequest(format!(
                        "field label not supported: {path}"
                    )));
                }
                fields.push((path.to_owned(), value.trim().to_owned(), eq));
            }
        }
        Ok(Self { labels, fields })
    }

    /// Builds a selector from `key=value` label pairs.
    #[must_use]
    pub fn with_labels(pairs: &[(&str, &str)]) -> Self {
        Self {
            labels: pairs
                .iter()
                .map(|(k, v)| LabelReq::Eq((*k).to_owned(), (*v).to_owned()))
                .collect(),
            fields: Vec::new(),
        }
    }

    /// Adds a field requirement `path=value` (no path check; for in-process callers).
    #[must_use]
    pub fn and_field(mut self, path: &str, value: &str) -> Self {
        self.fields.push((path.to_owned(), value.to_owned(), true));
        self
    }

    #[must_use]
    pub fn is_everything(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }

    /// Whether `obj` is selected.
    #[must_use]
    pub fn matches(&self, obj: &Value) -> bool {
        if self.labels.is_empty() && self.fields.is_empty() {
            return true;
        }
        let labels = obj.pointer("/metadata/labels");
        let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        let labels_ok = self.labels.iter().all(|req| match req {
            LabelReq::Eq(k, v) => label(k) == Some(v.as_str()),
            LabelReq::NotEq(k, v) => label(k) != Some(v.as_str()),
            LabelReq::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelReq::NotIn(k, vs) => !label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelReq::Exists(k) => label(k).is_some(),
            LabelReq::NotExists(k) => label(k).is_none(),
        });
        labels_ok
            && self.fields.iter().all(|(path, want, eq)| {
                let got = field_value(obj, path);
                (got == *want) == *eq
            })
    }
}

/// The string value of a dotted field path; missing fields read as "".
fn field_value(obj: &Value, path: &str) -> String {
    let path = if path == "source" {
        "source.component"
    } else {
        path
    };
    let mut cur = obj;
    for part in path.split('.') {
        match cur.get(part) {
            Some(next) => cur = next,
            None => {
                cur = &Value::Null;
                break;
            }
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        // Boolean fields read as `false` when unset, as the server converts them.
        Value::Null if matches!(path, "spec.unschedulable" | "spec.hostNetwork") => {
            "false".to_owned()
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn parse_labels(text: &str) -> Result<Vec<LabelReq>> {
    let bad = || StoreError::BadRequest(format!("unable to parse requirement: {text}"));
    let mut out = Vec::new();
    for term in split_terms(text) {
        let term = term.trim();
        if term.is_empty() {
            return Err(bad());
        }
        if let Some(key) = term.strip_prefix('!') {
            out.push(LabelReq::NotExists(key.trim().to_owned()));
        } else if let Some((k, v)) = term.split_once("!=") {
            out.push(LabelReq::NotEq(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, v)) = term.split_once("==") {
            out.push(LabelReq::Eq(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, v)) = term.split_once('=') {
            out.push(LabelReq::Eq(k.trim().to_owned(), v.trim().to_owned()));
        } else if let Some((k, set)) = set_term(term, " notin ") {
            out.push(LabelReq::NotIn(k, set.ok_or_else(bad)?));
        } else if let Some((k, set)) = set_term(term, " in ") {
            out.push(LabelReq::In(k, set.ok_or_else(bad)?));
        } else if term.contains(char::is_whitespace) {
            return Err(bad());
        } else {
            out.push(LabelReq::Exists(term.to_owned()));
        }
    }
    Ok(out)
}

fn set_term(term: &str, op: &str) -> Option<(String, Option<Vec<String>>)> {
    let (k, rest) = term.split_once(op)?;
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'));
    let set = inner.map(|i| i.split(',').map(|v| v.trim().to_owned()).collect());
    Some((k.trim().to_owned(), set))
}

/// Splits on commas that are not inside parentheses.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj() -> Value {
        json!({"metadata": {"name": "demo", "namespace": "apps", "labels": {"team": "a", "tier": "web"}},
               "involvedObject": {"kind": "Kustomization", "name": "demo"}, "type": "Normal"})
    }

    #[test]
    fn equality_set_and_existence_label_requirements_combine() {
        let sel = Selector::parse(Some("team=a,tier in (web,db),!gone,tier"), None, false).unwrap();
        assert!(sel.matches(&obj()));
        let sel = Selector::parse(Some("team!=a"), None, false).unwrap();
        assert!(!sel.matches(&obj()));
        let sel = Selector::parse(Some("tier notin (web)"), None, false).unwrap();
        assert!(!sel.matches(&obj()));
    }

    #[test]
    fn event_field_selectors_read_involved_object() {
        let sel = Selector::parse(
            None,
            Some("involvedObject.kind=Kustomization,involvedObject.name=demo,type!=Warning"),
            true,
        )
        .unwrap();
        assert!(sel.matches(&obj()));
    }

    #[test]
    fn unsupported_field_label_is_a_bad_request() {
        let err = Selector::parse(None, Some("spec.prune=true"), false).unwrap_err();
        assert_eq!(err.to_string(), "field label not supported: spec.prune");
        assert!(Selector::parse(None, Some("involvedObject.kind=X"), false).is_err());
    }
}
