//! `--from-dir PATH`: serve the Flux objects of a GitOps repository (found by `flux::repo::load_dir`) and let
//! the simulated controllers reconcile them with default behaviour: everything goes Ready except what
//! depends on a missing object, which fails the way Flux does (`gitrepositories.source.toolkit.fluxcd.io
//! "flux-system" not found`, `Source artifact not found`, `dependency '…' not found`). Objects at older
//! API versions are stored at the version the cluster serves, as the API server's conversion would.
//! The loader's typed objects keep only the fields fluxops reads; the rest of each `spec` (Helm values,
//! remediation settings …) is taken back from the object's own document so the served YAML is complete.

use crate::flux::repo::{LoadProblem, RepoError, load_dir};
use crate::sim::resource::GroupResource;
use crate::sim::scenario::load::MANAGER;
use crate::sim::store::{Store, StoreError, WriteOptions};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a directory cannot be served.
#[derive(Debug, Error)]
pub enum FromDirError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("no Flux objects found under '{path}'")]
    Empty { path: PathBuf },
    #[error("cannot create the namespaces of '{path}': {source}")]
    Store {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
}

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct FromDirReport {
    /// Flux objects now in the store.
    pub objects: usize,
    /// Files or objects that could not be loaded (the rest was).
    pub problems: Vec<LoadProblem>,
}

/// Loads the Flux objects under `path` into `store`.
///
/// # Errors
/// Unreadable directory, or no Flux object at all.
pub fn load_into(store: &Store, path: &Path) -> Result<FromDirReport, FromDirError> {
    let loaded = load_dir(path)?;
    let mut report = FromDirReport {
        objects: 0,
        problems: loaded.problems.clone(),
    };
    let opts = WriteOptions::manager(MANAGER);
    let mut namespaces = std::collections::BTreeSet::new();
    let mut documents = HashMap::new();
    for (obj, origin) in loaded.objects.iter().zip(&loaded.origins) {
        let Some(kind) = obj.flux_kind() else {
            continue;
        };
        let Ok(mut value) = serde_json::to_value(obj) else {
            continue;
        };
        let file = if origin.file.is_absolute() {
            origin.file.clone()
        } else {
            path.join(&origin.file)
        };
        if let Some(raw) = raw_spec(&mut documents, &file, kind.as_str(), obj.name()) {
            value["spec"] = merge_spec(raw, value["spec"].take());
        }
        if let Some(map) = value.as_object_mut() {
            map.remove("status");
            map.insert(
                "apiVersion".to_owned(),
                json!(format!("{}/{}", kind.group(), kind.preferred_version())),
            );
        }
        let ns = obj.namespace().to_owned();
        if namespaces.insert(ns.clone()) {
            let ns_obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            match store.create(&GroupResource::new("", "namespaces"), "", ns_obj, &opts) {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                Err(source) => {
                    return Err(FromDirError::Store {
                        path: path.to_owned(),
                        source,
                    });
                }
            }
        }
        match store.create(&GroupResource::flux(kind), &ns, strip_empty(value), &opts) {
            Ok(_) => report.objects += 1,
            Err(err) => report.problems.push(LoadProblem {
                file: origin.file.clone(),
                line: origin.line,
                message: format!("{kind} {ns}/{}: {err}", obj.name()),
            }),
        }
    }
    if report.objects == 0 {
        return Err(FromDirError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(report)
}

/// The `spec` of the document of `kind` and `name` in `file` (files are parsed once).
fn raw_spec(
    cache: &mut HashMap<PathBuf, Vec<Value>>,
    file: &Path,
    kind: &str,
    name: &str,
) -> Option<Value> {
    let docs = cache.entry(file.to_owned()).or_insert_with(|| {
        let options = serde_saphyr::options! { strict_booleans: true };
        // The loader read this file already (a problem reading it again was reported there).
        crate::bounded_file::read_to_string(file, crate::bounded_file::DATA)
            .ok()
            .and_then(|text| serde_saphyr::from_multiple_with_options::<Value>(&text, options).ok())
            .unwrap_or_default()
    });
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .and_then(|d| d.get("spec"))
        .filter(|s| s.is_object())
        .cloned()
}

/// The document's spec with the loader's (patched, typed) fields merged on top, recursively.
fn merge_spec(mut raw: Value, typed: Value) -> Value {
    match (raw.as_object_mut(), typed) {
        (Some(raw_map), Value::Object(typed_map)) => {
            for (k, v) in typed_map {
                if v.is_null() {
                    continue;
                }
                let merged = match raw_map.remove(&k) {
                    Some(old) => merge_spec(old, v),
                    None => v,
                };
                raw_map.insert(k, merged);
            }
            raw
        }
        (_, typed) if typed.is_null() => raw,
        (_, typed) => typed,
    }
}

/// Drops the empty `metadata` fields a typed round trip leaves (`"labels": {}` …).
fn strip_empty(mut value: Value) -> Value {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|_, v| !(v.is_null() || v.as_object().is_some_and(serde_json::Map::is_empty)));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_win_and_the_rest_of_the_spec_is_kept() {
        let raw = json!({"interval": "5m", "values": {"replicaCount": 2},
            "chart": {"spec": {"chart": "web", "reconcileStrategy": "Revision"}}});
        let typed = json!({"interval": "10m", "chart": {"spec": {"chart": "web", "version": "1.x"}}, "suspend": null});
        let merged = merge_spec(raw, typed);
        assert_eq!(merged["interval"], "10m");
        assert_eq!(merged["values"]["replicaCount"], 2);
        assert_eq!(merged["chart"]["spec"]["reconcileStrategy"], "Revision");
        assert_eq!(merged["chart"]["spec"]["version"], "1.x");
        assert!(merged.get("suspend").is_none());
    }
}
