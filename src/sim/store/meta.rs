//! Object metadata the server stamps: uid, timestamps, generated names, generation bumps and
//! (simplified) managedFields.

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value, json};

/// Now, as the API server writes timestamps (`2026-11-24T03:07:25Z`).
#[must_use]
pub fn now_rfc3339() -> String {
    format_time(Timestamp::now())
}

/// Formats a timestamp with second precision in UTC.
#[must_use]
pub fn format_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A random RFC 4122 version-4 UUID.
#[must_use]
pub fn new_uid() -> String {
    let bits: u128 = rand::random();
    let bits = (bits & !(0xf_u128 << 76)) | (0x4_u128 << 76);
    let bits = (bits & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The 5-character suffix `generateName` gets (the apiserver's alphabet, no vowels).
#[must_use]
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether anything besides `metadata` and `status` differs (what bumps `metadata.generation`).
#[must_use]
pub fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Map<String, Value> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    strip(old) != strip(new)
}

/// Equal apart from `resourceVersion` and `managedFields` (a no-op write).
#[must_use]
pub fn same_content(old: &Value, new: &Value) -> bool {
    // Compared in place: every write of the simulated controllers asks this, and copying both objects to
    // strip two fields was most of its cost.
    const IGNORED: [&str; 2] = ["resourceVersion", "managedFields"];
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return old == new;
    };
    let meta_equal = |x: Option<&Value>, y: Option<&Value>| match (
        x.and_then(Value::as_object),
        y.and_then(Value::as_object),
    ) {
        (Some(x), Some(y)) => {
            let kept = |m: &'_ Map<String, Value>| {
                m.iter()
                    .filter(|(k, _)| !IGNORED.contains(&k.as_str()))
                    .count()
            };
            kept(x) == kept(y)
                && x.iter()
                    .filter(|(k, _)| !IGNORED.contains(&k.as_str()))
                    .all(|(k, v)| y.get(k) == Some(v))
        }
        _ => x == y,
    };
    a.len() == b.len()
        && a.iter().all(|(k, v)| {
            if k == "metadata" {
                meta_equal(Some(v), b.get(k))
            } else {
                b.get(k) == Some(v)
            }
        })
}

/// A mutable `metadata` map, created when missing.
pub fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// A string field of `metadata`.
#[must_use]
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// `f:`-prefixed field set of a JSON value, as `fieldsV1` writes it (lists are leaves).
fn fields_of(value: &Map<String, Value>, with_dot: bool) -> Value {
    let mut out = Map::new();
    for (k, v) in value {
        let inner = match v {
            Value::Object(m) if !m.is_empty() => {
                let mut f = fields_of(m, with_dot);
                if with_dot && let Some(fm) = f.as_object_mut() {
                    fm.insert(".".to_owned(), json!({}));
                }
                f
            }
            _ => json!({}),
        };
        out.insert(format!("f:{k}"), inner);
    }
    Value::Object(out)
}

/// Records `manager` as owner of the fields it wrote (replacing its earlier entry for the same
/// operation and subresource). `status` selects the status subresource.
pub fn record_manager(
    obj: &mut Value,
    manager: &str,
    operation: &str,
    status: bool,
    api_version: &str,
    time: &str,
) {
    let fields = {
        let Some(map) = obj.as_object() else { return };
        let mut set = Map::new();
        if status {
            if let Some(Value::Object(s)) = map.get("status") {
                set.insert("f:status".to_owned(), fields_of(s, operation != "Apply"));
            }
        } else {
            let meta_fields: Map<String, Value> = map
                .get("metadata")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(k, v)| {
                            matches!(k.as_str(), "labels" | "annotations")
                                && v.as_object().is_some_and(|o| !o.is_empty())
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if !meta_fields.is_empty() {
                set.insert(
                    "f:metadata".to_owned(),
                    fields_of(&meta_fields, operation != "Apply"),
                );
            }
            for (k, v) in map {
                if matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind") {
                    continue;
                }
                let inner = match v {
                    Value::Object(m) => {
                        let mut f = fields_of(m, operation != "Apply");
                        if operation != "Apply"
                            && let Some(fm) = f.as_object_mut()
                        {
                            fm.insert(".".to_owned(), json!({}));
                        }
                        f
                    }
                    _ => json!({}),
                };
                set.insert(format!("f:{k}"), inner);
            }
        }
        set
    };
    if fields.is_empty() {
        return;
    }
    let mut entry = json!({
        "apiVersion": api_version,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
        "manager": manager,
        "operation": operation,
        "time": time,
    });
    if status && let Some(e) = entry.as_object_mut() {
        e.insert("subresource".to_owned(), json!("status"));
    }
    let Some(meta) = metadata_mut(obj) else {
        return;
    };
    let list = meta
        .entry("managedFields")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(entries) = list {
        let sub = if status { Some("status") } else { None };
        entries.retain(|e| {
            !(e.get("manager").and_then(Value::as_str) == Some(manager)
                && e.get("operation").and_then(Value::as_str) == Some(operation)
                && e.get("subresource").and_then(Value::as_str) == sub)
        });
        entries.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_version_4_and_unique() {
        let a = new_uid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, new_uid());
    }

    #[test]
    fn only_non_metadata_non_status_changes_count_as_spec_changes() {
        let old = json!({"metadata": {"annotations": {}}, "spec": {"a": 1}, "status": {"x": 1}});
        let meta =
            json!({"metadata": {"annotations": {"b": "c"}}, "spec": {"a": 1}, "status": {"x": 2}});
        let spec = json!({"metadata": {}, "spec": {"a": 2}});
        assert!(!spec_changed(&old, &meta));
        assert!(spec_changed(&old, &spec));
    }

    #[test]
    fn update_managed_fields_mark_maps_with_a_dot() {
        let mut obj = json!({"metadata": {"labels": {"team": "a"}}, "spec": {"sourceRef": {"kind": "GitRepository"}, "prune": true}});
        record_manager(
            &mut obj,
            "curl",
            "Update",
            false,
            "kustomize.toolkit.fluxcd.io/v1",
            "t",
        );
        let f = &obj["metadata"]["managedFields"][0]["fieldsV1"];
        assert_eq!(f["f:spec"]["."], json!({}));
        assert_eq!(f["f:spec"]["f:sourceRef"]["f:kind"], json!({}));
        assert_eq!(f["f:metadata"]["f:labels"]["f:team"], json!({}));
    }
}
