//! postBuild variable substitution as kustomize-controller does it (drone/envsubst over the built YAML):
//! `${VAR}` takes the variable's value; `${VAR:=default}`, `${VAR:-default}`, `${VAR=default}` and
//! `${VAR-default}` fall back to the default; `$${VAR}` is an escape that leaves `${VAR}`. A `${VAR}` set by
//! neither `spec.postBuild.substitute` nor `substituteFrom` and without a default becomes the empty string
//! (strict substitution off, the controller's default): such variables are returned by name. Applied to the
//! string values of each built object, not to keys. Pure.

use std::collections::{BTreeMap, BTreeSet};

/// `text` with its variables substituted, and the names of the variables that had no value and no default.
#[must_use]
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> (String, BTreeSet<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(escaped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
            continue;
        }
        let Some(body_start) = after.strip_prefix("${") else {
            out.push('$');
            rest = &after[1..];
            continue;
        };
        let Some(end) = body_start.find('}') else {
            out.push_str(after);
            rest = "";
            continue;
        };
        let body = &body_start[..end];
        let name_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        let (name, op) = body.split_at(name_len);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(&after[..end + 3]);
            rest = &body_start[end + 1..];
            continue;
        }
        // Longest operator first: `:=` before `=`.
        let default = op
            .strip_prefix(":=")
            .or_else(|| op.strip_prefix(":-"))
            .or_else(|| op.strip_prefix('='))
            .or_else(|| op.strip_prefix('-'));
        match (vars.get(name), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                unresolved.insert(name.to_owned());
            }
        }
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    (out, unresolved)
}

/// Substitutes every string value of `value` in place; returns the unresolved variable names.
pub fn substitute_value(
    value: &mut serde_json::Value,
    vars: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut unresolved = BTreeSet::new();
    match value {
        serde_json::Value::String(s) if s.contains('$') => {
            let (new, missing) = substitute(s, vars);
            *s = new;
            unresolved.extend(missing);
        }
        serde_json::Value::Array(items) => {
            for v in items {
                unresolved.extend(substitute_value(v, vars));
            }
        }
        serde_json::Value::Object(map) => {
            for v in map.values_mut() {
                unresolved.extend(substitute_value(v, vars));
            }
        }
        _ => {}
    }
    unresolved
}

/// Whether an object opted out (`kustomize.toolkit.fluxcd.io/substitute: disabled` label or annotation).
#[must_use]
pub fn disabled(object: &serde_json::Value) -> bool {
    ["labels", "annotations"].iter().any(|k| {
        object
            .pointer(&format!(
                "/metadata/{k}/kustomize.toolkit.fluxcd.io~1substitute"
            ))
            .and_then(|v| v.as_str())
            == Some("disabled")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([("DOMAIN".to_owned(), "example.com".to_owned())])
    }

    #[test]
    fn values_defaults_escapes_and_unresolved_names() {
        let (s, u) = substitute(
            "a.${DOMAIN} ${MISSING} ${X:=d} ${Y:-e} $${KEEP} $5 ${",
            &vars(),
        );
        assert_eq!(s, "a.example.com  d e ${KEEP} $5 ${");
        assert_eq!(u, BTreeSet::from(["MISSING".to_owned()]));
        let mut v = serde_json::json!({"spec": {"host": "${DOMAIN}", "list": ["${NOPE}"]}});
        let u = substitute_value(&mut v, &vars());
        assert_eq!(v["spec"]["host"], "example.com");
        assert_eq!(u, BTreeSet::from(["NOPE".to_owned()]));
        assert!(disabled(&serde_json::json!({"metadata": {"annotations": {
            "kustomize.toolkit.fluxcd.io/substitute": "disabled"}}})));
    }
}
