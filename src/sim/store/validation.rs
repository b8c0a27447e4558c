//! Schema checks the real server makes before storing: CRD required/typed `spec` fields, object
//! names, and immutable fields of built-in kinds, with the real error wording.

use super::error::{Cause, StoreError};
use crate::sim::resource::{Pattern, ResourceDef};
use serde_json::Value;

/// The JSON-schema type name of a value (`integer` for whole numbers).
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn lookup<'a>(obj: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(obj, |cur, part| cur.get(part))
}

fn invalid(def: &ResourceDef, name: &str, causes: Vec<Cause>) -> StoreError {
    StoreError::Invalid {
        group: def.group.to_owned(),
        kind: def.kind.to_owned(),
        name: name.to_owned(),
        causes,
    }
}

/// Checks `obj` against the kind's schema facts.
///
/// # Errors
/// `Invalid` (422) listing every violation, in the order the real server reports them.
pub fn validate(def: &ResourceDef, obj: &Value) -> Result<(), StoreError> {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut causes = Vec::new();
    if let Some(problem) = name_problem(name) {
        causes.push(Cause {
            reason: "FieldValueInvalid".to_owned(),
            message: format!("Invalid value: \"{name}\": {problem}"),
            field: "metadata.name".to_owned(),
        });
    }
    for field in def.typed_fields {
        if let Some(value) = lookup(obj, field.path) {
            let got = type_name(value);
            let ok = got == field.type_ || (field.type_ == "number" && got == "integer");
            if !ok && !value.is_null() {
                causes.push(Cause {
                    reason: "FieldValueTypeInvalid".to_owned(),
                    message: format!(
                        "Invalid value: \"{got}\": {} in body must be of type {}: \"{got}\"",
                        field.path, field.type_
                    ),
                    field: field.path.to_owned(),
                });
            }
        }
    }
    for field in def.pattern_fields {
        if let Some(Value::String(text)) = lookup(obj, field.path)
            && !matches_pattern(field.pattern, text)
        {
            causes.push(Cause {
                reason: "FieldValueInvalid".to_owned(),
                message: format!(
                    "Invalid value: \"{text}\": {} in body should match '{}'",
                    field.path, field.regex
                ),
                field: field.path.to_owned(),
            });
        }
    }
    for field in def.enum_fields {
        if let Some(Value::String(text)) = lookup(obj, field.path)
            && !field.values.contains(&text.as_str())
        {
            let supported = field
                .values
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ");
            causes.push(Cause {
                reason: "FieldValueNotSupported".to_owned(),
                message: format!("Unsupported value: \"{text}\": supported values: {supported}"),
                field: field.path.to_owned(),
            });
        }
    }
    if let Some(spec) = obj.get("spec").filter(|s| s.is_object()) {
        for req in def.required {
            if spec.get(*req).is_none_or(Value::is_null) {
                causes.push(Cause {
                    reason: "FieldValueRequired".to_owned(),
                    message: "Required value".to_owned(),
                    field: format!("spec.{req}"),
                });
            }
        }
    }
    for (path, keys) in def.nested_required {
        if let Some(inner) = lookup(obj, path).filter(|v| v.is_object()) {
            for key in *keys {
                if inner.get(*key).is_none_or(Value::is_null) {
                    causes.push(Cause {
                        reason: "FieldValueRequired".to_owned(),
                        message: "Required value".to_owned(),
                        field: format!("{path}.{key}"),
                    });
                }
            }
        }
    }
    if causes.is_empty() {
        return Ok(());
    }
    if def.has_cel_rules {
        causes.push(Cause {
            reason: "FieldValueInvalid".to_owned(),
            message: "Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation".to_owned(),
            field: "<nil>".to_owned(),
        });
    }
    Err(invalid(def, name, causes))
}

/// Whether `text` matches one of the schema patterns the Flux CRDs use.
fn matches_pattern(pattern: Pattern, text: &str) -> bool {
    match pattern {
        Pattern::UrlScheme(schemes) => schemes.iter().any(|s| {
            text.strip_prefix(s)
                .is_some_and(|rest| rest.starts_with("://"))
        }),
        Pattern::Duration { with_hours } => {
            // One or more `<digits>[.<digits>]<unit>` groups.
            let mut rest = text;
            if rest.is_empty() {
                return false;
            }
            while !rest.is_empty() {
                let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
                if int_len == 0 {
                    return false;
                }
                rest = &rest[int_len..];
                if let Some(after_dot) = rest.strip_prefix('.') {
                    let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                    if frac_len == 0 {
                        return false;
                    }
                    rest = &after_dot[frac_len..];
                }
                let unit = ["ms", "s", "m", "h"]
                    .into_iter()
                    .filter(|u| with_hours || *u != "h")
                    .find(|u| rest.starts_with(u));
                match unit {
                    Some(u) => rest = &rest[u.len()..],
                    None => return false,
                }
            }
            true
        }
    }
}

/// Why `name` is not a valid DNS-1123 subdomain, if it is not.
fn name_problem(name: &str) -> Option<&'static str> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let ok_ends = name
        .chars()
        .next()
        .zip(name.chars().last())
        .is_some_and(|(a, b)| a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric());
    if name.is_empty() {
        None
    } else if name.len() > 253 {
        Some("must be no more than 253 characters")
    } else if !(ok_chars && ok_ends) {
        Some(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        )
    } else {
        None
    }
}

/// The Invalid error for an object with neither `name` nor `generateName`.
#[must_use]
pub fn name_required(def: &ResourceDef) -> StoreError {
    invalid(
        def,
        "",
        vec![Cause {
            reason: "FieldValueRequired".to_owned(),
            message: "Required value: name or generateName is required".to_owned(),
            field: "metadata.name".to_owned(),
        }],
    )
}

/// Go's `%#v` of a `metav1.LabelSelector` with only `matchLabels` (as in the immutable-field message).
fn go_label_selector(sel: &Value) -> String {
    let labels = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("\"{k}\":\"{}\"", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!(
        "v1.LabelSelector{{MatchLabels:map[string]string{{{labels}}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}"
    )
}

/// Checks fields that may not change on update (`spec.selector` of Deployments and Jobs).
///
/// # Errors
/// `Invalid` with the real "field is immutable" cause.
pub fn check_immutable(def: &ResourceDef, old: &Value, new: &Value) -> Result<(), StoreError> {
    if !matches!(def.kind, "Deployment" | "Job") {
        return Ok(());
    }
    let (before, after) = (lookup(old, "spec.selector"), lookup(new, "spec.selector"));
    if before == after || after.is_none() {
        return Ok(());
    }
    let shown = after.map(go_label_selector).unwrap_or_default();
    let name = new
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Err(invalid(
        def,
        name,
        vec![Cause {
            reason: "FieldValueInvalid".to_owned(),
            message: format!("Invalid value: {shown}: field is immutable"),
            field: "spec.selector".to_owned(),
        }],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::FluxKind;
    use crate::sim::resource::{Registry, flux_def};
    use serde_json::json;

    #[test]
    fn kustomization_errors_read_like_the_recorded_422() {
        let def = flux_def(FluxKind::Kustomization, vec!["v1"]);
        let obj = json!({"metadata": {"name": "bad"}, "spec": {"prune": "yes", "path": "./x"}});
        let err = validate(&def, &obj).unwrap_err();
        let recorded: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/data/apiserver-v1.28/ks-invalid-422.body"
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(err.to_string(), recorded["message"].as_str().unwrap());
    }

    #[test]
    fn bad_durations_source_kinds_and_missing_ref_names_are_invalid() {
        let def = flux_def(FluxKind::Kustomization, vec!["v1"]);
        let obj = json!({"metadata": {"name": "bad"}, "spec": {"interval": "1d", "prune": true,
                          "sourceRef": {"kind": "HelmRepository"}}});
        let StoreError::Invalid { causes, .. } = validate(&def, &obj).unwrap_err() else {
            panic!("not Invalid")
        };
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.interval",
                "spec.sourceRef.kind",
                "spec.sourceRef.name",
                "<nil>"
            ]
        );
        assert_eq!(
            causes[0].message,
            "Invalid value: \"1d\": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'"
        );
        let ok = json!({"metadata": {"name": "ok"}, "spec": {"interval": "1h30m", "timeout": "2.5m", "prune": true,
                         "sourceRef": {"kind": "GitRepository", "name": "x"}}});
        assert!(validate(&def, &ok).is_ok());
    }

    #[test]
    fn source_urls_must_use_the_schemes_the_crd_allows() {
        let def = flux_def(FluxKind::OCIRepository, vec!["v1"]);
        let bad = json!({"metadata": {"name": "x"}, "spec": {"interval": "5m", "url": "https://ghcr.io/x"}});
        assert!(validate(&def, &bad).is_err());
        let ok = json!({"metadata": {"name": "x"}, "spec": {"interval": "5m", "url": "oci://ghcr.io/x"}});
        assert!(validate(&def, &ok).is_ok());
    }

    #[test]
    fn deployment_selector_change_is_immutable() {
        let reg = Registry::standard();
        let def = reg.by_kind("apps", "Deployment").unwrap();
        let old = json!({"metadata": {"name": "podinfo"}, "spec": {"selector": {"matchLabels": {"app": "podinfo"}}}});
        let new = json!({"metadata": {"name": "podinfo"}, "spec": {"selector": {"matchLabels": {"app": "podinfo", "tier": "web"}}}});
        let err = check_immutable(def, &old, &new).unwrap_err();
        assert!(err.to_string().ends_with("field is immutable"));
        assert!(
            err.to_string()
                .contains("\"app\":\"podinfo\", \"tier\":\"web\"")
        );
    }
}
