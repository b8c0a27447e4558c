//! Server-side `meta.k8s.io/v1` Table output (what kubectl asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): printer columns, rows with cells and a
//! `PartialObjectMetadata` (or the full object with `includeObject=Object`).

use crate::sim::resource::{Column, NAME_COLUMN, ResourceDef};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

/// Whether the Accept header asks for a Table.
#[must_use]
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
}

/// What each row's `object` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    #[must_use]
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

fn columns(def: &ResourceDef) -> Vec<Column> {
    if !def.custom && !def.columns.is_empty() {
        return def.columns.to_vec();
    }
    let mut cols = vec![NAME_COLUMN];
    if def.columns.is_empty() {
        cols.push(Column {
            name: if def.custom { "Created At" } else { "Age" },
            type_: if def.custom { "date" } else { "string" },
            json_path: if def.custom {
                ".metadata.creationTimestamp"
            } else {
                "#since:.metadata.creationTimestamp"
            },
            description: if def.custom {
                "Custom resource definition column (in JSONPath format): .metadata.creationTimestamp"
            } else {
                "CreationTimestamp is a timestamp representing the server time when this object was created."
            },
        });
    } else {
        cols.extend(def.columns.iter().copied());
    }
    cols
}

fn since(value: &Value, now: Timestamp) -> Value {
    match value.as_str().and_then(|s| s.parse::<Timestamp>().ok()) {
        Some(ts) => json!(human_duration(now.as_second() - ts.as_second())),
        None => json!("<unknown>"),
    }
}

/// Evaluates the simple JSONPaths printer columns use.
fn eval_path(obj: &Value, path: &str) -> Option<Value> {
    const READY_FILTER: &str = ".status.conditions[?(@.type==\"Ready\")].";
    if let Some(field) = path.strip_prefix(READY_FILTER) {
        let cond = obj
            .pointer("/status/conditions")?
            .as_array()?
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))?;
        return cond.get(field).cloned();
    }
    let pointer = path.replace('.', "/");
    obj.pointer(&pointer).cloned()
}

/// kubectl's `HumanDuration` (apimachinery `duration.HumanDuration`).
#[must_use]
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn cell(obj: &Value, col: &Column, now: Timestamp) -> Value {
    if let Some(name) = col.json_path.strip_prefix("#printer:") {
        return super::printers::cell(name, obj, now);
    }
    if let Some(path) = col.json_path.strip_prefix("#since:") {
        return since(&eval_path(obj, path).unwrap_or(Value::Null), now);
    }
    if let Some(path) = col.json_path.strip_prefix("#count:") {
        let n = match eval_path(obj, path) {
            Some(Value::Object(m)) => m.len(),
            Some(Value::Array(a)) => a.len(),
            _ => 0,
        };
        return json!(n);
    }
    if col.json_path == "#involved-object" {
        let field = |f: &str| {
            obj.pointer(&format!("/involvedObject/{f}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return json!(format!(
            "{}/{}",
            field("kind").to_lowercase(),
            field("name")
        ));
    }
    let Some(value) = eval_path(obj, col.json_path) else {
        return Value::Null;
    };
    if col.type_ == "date" {
        let Some(ts) = value.as_str().and_then(|s| s.parse::<Timestamp>().ok()) else {
            return Value::Null;
        };
        return json!(human_duration(now.as_second() - ts.as_second()));
    }
    value
}

fn row_object(obj: &Value, api_version: &str, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => {
            let mut full = obj.clone();
            if let Some(map) = full.as_object_mut() {
                map.insert("apiVersion".to_owned(), json!(api_version));
            }
            full
        }
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
    }
}

/// A Table of `items`.
#[must_use]
pub fn table(
    def: &ResourceDef,
    api_version: &str,
    items: &[Arc<Value>],
    resource_version: &str,
    continue_token: Option<&str>,
    include: IncludeObject,
) -> Value {
    let now = Timestamp::now();
    let cols = columns(def);
    let column_definitions: Vec<Value> = cols
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.type_,
                "format": if c.name == "Name" { "name" } else { "" },
                "description": c.description,
                "priority": 0,
            })
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|obj| {
            let cells: Vec<Value> = cols.iter().map(|c| cell(obj, c, now)).collect();
            json!({ "cells": cells, "object": row_object(obj, api_version, include) })
        })
        .collect();
    let mut metadata = serde_json::Map::new();
    metadata.insert("resourceVersion".to_owned(), json!(resource_version));
    if let Some(token) = continue_token {
        metadata.insert("continue".to_owned(), json!(token));
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": column_definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(50 * 3600), "2d2h");
        assert_eq!(human_duration(400 * 86400), "400d");
    }

    #[test]
    fn ready_columns_read_the_ready_condition() {
        let obj = json!({"status": {"conditions": [
            {"type": "Healthy", "status": "False"},
            {"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:abc"}
        ]}});
        assert_eq!(
            eval_path(&obj, ".status.conditions[?(@.type==\"Ready\")].status"),
            Some(json!("True"))
        );
        assert_eq!(eval_path(&obj, ".spec.url"), None);
    }

    #[test]
    fn table_accept_header_is_recognised() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
