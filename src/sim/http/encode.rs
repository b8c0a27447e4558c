//! Writing objects, lists and watch events as JSON the way the real server does: custom
//! resources with sorted keys (unstructured), built-in lists without per-item `kind`/`apiVersion`,
//! `apiVersion` converted to the version the client asked for, pretty output for curl.

use crate::sim::resource::ResourceDef;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// How to present stored objects to one request.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The `apiVersion` the client addressed (objects are converted to it).
    pub api_version: &'a str,
    pub def: &'a ResourceDef,
    pub pretty: bool,
    /// The client asked for `PartialObjectMetadata` (kube's metadata API, `kubectl get --show-kind`…).
    pub metadata_only: bool,
}

/// Whether an Accept header asks for `PartialObjectMetadata` / `PartialObjectMetadataList`.
#[must_use]
pub fn wants_metadata(accept: &str) -> bool {
    accept.split(',').next().is_some_and(|first| {
        first.contains("as=PartialObjectMetadata") && first.contains("g=meta.k8s.io")
    })
}

/// An object as the client sees it.
pub struct ObjectOut<'a> {
    pub obj: &'a Value,
    pub api_version: &'a str,
    /// Built-in list items carry no `kind`/`apiVersion`.
    pub strip_type_meta: bool,
    /// Only `kind: PartialObjectMetadata`, `apiVersion: meta.k8s.io/v1` and `metadata`.
    pub metadata_only: bool,
}

impl Serialize for ObjectOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(map) = self.obj.as_object() else {
            return self.obj.serialize(s);
        };
        if self.metadata_only {
            let mut out = s.serialize_map(Some(3))?;
            out.serialize_entry("kind", "PartialObjectMetadata")?;
            out.serialize_entry("apiVersion", "meta.k8s.io/v1")?;
            out.serialize_entry("metadata", map.get("metadata").unwrap_or(&Value::Null))?;
            return out.end();
        }
        let mut out = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
            match k.as_str() {
                "apiVersion" | "kind" if self.strip_type_meta => {}
                "apiVersion" => out.serialize_entry(k, self.api_version)?,
                _ => out.serialize_entry(k, v)?,
            }
        }
        out.end()
    }
}

/// Serializes `value` compactly or indented (Go's 2-space indent).
#[must_use]
pub fn to_bytes<T: Serialize>(value: &T, pretty: bool) -> Vec<u8> {
    let result = if pretty {
        serde_json::to_vec_pretty(value)
    } else {
        serde_json::to_vec(value)
    };
    // Serializing JSON values to memory cannot fail.
    result.unwrap_or_default()
}

/// A single object response body.
#[must_use]
pub fn object(view: View<'_>, obj: &Value) -> Vec<u8> {
    to_bytes(
        &ObjectOut {
            obj,
            api_version: view.api_version,
            strip_type_meta: false,
            metadata_only: view.metadata_only,
        },
        view.pretty,
    )
}

/// List metadata.
pub struct ListMeta {
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
}

struct Items<'a> {
    items: &'a [std::sync::Arc<Value>],
    api_version: &'a str,
    strip: bool,
    metadata_only: bool,
}

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.items.iter().map(|obj| ObjectOut {
            obj,
            api_version: self.api_version,
            strip_type_meta: self.strip,
            metadata_only: self.metadata_only,
        }))
    }
}

/// A list response body (`<Kind>List`).
#[must_use]
pub fn list(view: View<'_>, items: &[std::sync::Arc<Value>], meta: &ListMeta) -> Vec<u8> {
    let kind = format!("{}List", view.def.kind);
    let items = Items {
        items,
        api_version: view.api_version,
        strip: !view.def.custom,
        metadata_only: view.metadata_only,
    };
    let rv = meta.resource_version.to_string();
    if view.metadata_only {
        return to_bytes(
            &BuiltinList {
                kind: "PartialObjectMetadataList".to_owned(),
                api_version: "meta.k8s.io/v1",
                metadata: BuiltinListMeta {
                    resource_version: rv,
                    continue_token: meta.continue_token.clone(),
                    remaining_item_count: meta.remaining,
                },
                items,
            },
            view.pretty,
        );
    }
    if view.def.custom {
        // Unstructured: keys sorted, `continue` always present.
        let mut metadata = Map::new();
        metadata.insert(
            "continue".to_owned(),
            Value::String(meta.continue_token.clone().unwrap_or_default()),
        );
        if let Some(n) = meta.remaining {
            metadata.insert("remainingItemCount".to_owned(), Value::from(n));
        }
        metadata.insert("resourceVersion".to_owned(), Value::String(rv));
        to_bytes(
            &CustomList {
                api_version: view.api_version,
                items,
                kind,
                metadata,
            },
            view.pretty,
        )
    } else {
        to_bytes(
            &BuiltinList {
                kind,
                api_version: view.api_version,
                metadata: BuiltinListMeta {
                    resource_version: rv,
                    continue_token: meta.continue_token.clone(),
                    remaining_item_count: meta.remaining,
                },
                items,
            },
            view.pretty,
        )
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomList<'a> {
    api_version: &'a str,
    items: Items<'a>,
    kind: String,
    metadata: Map<String, Value>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BuiltinList<'a> {
    kind: String,
    api_version: &'a str,
    metadata: BuiltinListMeta,
    items: Items<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BuiltinListMeta {
    resource_version: String,
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    continue_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining_item_count: Option<u64>,
}

/// One line of a watch stream: `{"type":"…","object":…}\n` (type first, as the real server writes it).
#[must_use]
pub fn watch_line<T: Serialize>(type_: &str, object: &T) -> Vec<u8> {
    let mut line = format!("{{\"type\":\"{type_}\",\"object\":").into_bytes();
    line.extend(to_bytes(object, false));
    line.extend_from_slice(b"}\n");
    line
}

/// The continue token for a page of the snapshot at `resource_version` ending at `(namespace, name)`: opaque
/// (hex of `rv/ns/name`); the next page reads the same snapshot, as a real continue token does.
#[must_use]
pub fn continue_token(resource_version: u64, after: &(String, String)) -> String {
    format!("{resource_version}/{}/{}", after.0, after.1)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Decodes a continue token: the snapshot's resourceVersion and where the page ended.
#[must_use]
pub fn parse_continue(token: &str) -> Option<(u64, (String, String))> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (rv, rest) = text.split_once('/')?;
    let (ns, name) = rest.split_once('/')?;
    Some((rv.parse().ok()?, (ns.to_owned(), name.to_owned())))
}
