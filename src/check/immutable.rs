//! Immutable-field changes between two builds (base and working tree): the fields the API server refuses to
//! change in place, as a table ([`FIELDS`]), compared per object (API group, kind, namespace, name). Each
//! change names the exact field path that differs, the old and new values and the recovery runbook
//! (`recreate-immutable`, `diagnosis::next_step::RECREATE_IMMUTABLE`), at the line of that field in the file
//! that defines the object ([`Index`]: each document's field lines, `flux::yaml_span`; the field's nearest
//! written parent when the file does not write it, else the object's line). Pure but for [`index`], which
//! reads the repository's files.

use super::{Finding, rules};
use crate::flux::yaml_span::{self, DocumentSpans};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a field's change is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Any difference (a field set or removed counts).
    Any,
    /// Only a new value that differs from the old: removing it from the manifest keeps the live value
    /// (Service `clusterIP`: left out, the API server keeps the allocated one).
    NewValue,
    /// The spec without `resources.requests.storage` (PVC: only the storage request may grow).
    SpecExceptStorage,
    /// Changing `spec.type` to `ExternalName` needs `clusterIP` dropped, which cannot be done in place.
    TypeToExternalName,
    /// Data of a ConfigMap/Secret that says `immutable: true` in the base.
    DataOfImmutable,
}

/// One immutable field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// API group (`""` for the core group).
    pub group: &'static str,
    pub kinds: &'static [&'static str],
    /// Dotted path (`spec.selector`).
    pub path: &'static str,
    pub compare: Compare,
}

const fn field(
    group: &'static str,
    kinds: &'static [&'static str],
    path: &'static str,
    compare: Compare,
) -> Field {
    Field {
        group,
        kinds,
        path,
        compare,
    }
}

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// The immutable fields: what the API server validation refuses on update.
pub const FIELDS: &[Field] = &[
    field("apps", WORKLOADS, "spec.selector", Compare::Any),
    field(
        "apps",
        &["StatefulSet"],
        "spec.volumeClaimTemplates",
        Compare::Any,
    ),
    field("apps", &["StatefulSet"], "spec.serviceName", Compare::Any),
    field(
        "apps",
        &["StatefulSet"],
        "spec.podManagementPolicy",
        Compare::Any,
    ),
    field("batch", &["Job"], "spec.template", Compare::Any),
    field("batch", &["Job"], "spec.selector", Compare::NewValue),
    field("batch", &["Job"], "spec.completionMode", Compare::Any),
    field("", &["Service"], "spec.clusterIP", Compare::NewValue),
    field("", &["Service"], "spec.clusterIPs", Compare::NewValue),
    field("", &["Service"], "spec.ipFamilies", Compare::NewValue),
    field("", &["Service"], "spec.type", Compare::TypeToExternalName),
    field(
        "",
        &["PersistentVolumeClaim"],
        "spec",
        Compare::SpecExceptStorage,
    ),
    field(
        "",
        &["ConfigMap", "Secret"],
        "data",
        Compare::DataOfImmutable,
    ),
    field(
        "",
        &["ConfigMap", "Secret"],
        "binaryData",
        Compare::DataOfImmutable,
    ),
    field("", &["Secret"], "stringData", Compare::DataOfImmutable),
    field(
        "",
        &["ConfigMap", "Secret"],
        "immutable",
        Compare::DataOfImmutable,
    ),
    field("", &["Secret"], "type", Compare::Any),
    field(
        "apiextensions.k8s.io",
        &["CustomResourceDefinition"],
        "spec.scope",
        Compare::Any,
    ),
    field(
        "apiextensions.k8s.io",
        &["CustomResourceDefinition"],
        "spec.names.plural",
        Compare::Any,
    ),
    field(
        "apiextensions.k8s.io",
        &["CustomResourceDefinition"],
        "spec.names.kind",
        Compare::Any,
    ),
    field(
        "apiextensions.k8s.io",
        &["CustomResourceDefinition"],
        "spec.group",
        Compare::Any,
    ),
    field(
        "rbac.authorization.k8s.io",
        &["RoleBinding", "ClusterRoleBinding"],
        "roleRef",
        Compare::Any,
    ),
    field(
        "storage.k8s.io",
        &["StorageClass"],
        "provisioner",
        Compare::Any,
    ),
    field(
        "storage.k8s.io",
        &["StorageClass"],
        "parameters",
        Compare::Any,
    ),
    field(
        "storage.k8s.io",
        &["StorageClass"],
        "reclaimPolicy",
        Compare::Any,
    ),
    field(
        "storage.k8s.io",
        &["StorageClass"],
        "volumeBindingMode",
        Compare::Any,
    ),
];

/// An object's identity across builds: (group, kind, namespace, name).
pub type Key = (String, String, String, String);

/// The key of a built object.
#[must_use]
pub fn key(v: &Value) -> Option<Key> {
    let api = v.get("apiVersion")?.as_str()?;
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = s("/metadata/name");
    if name.is_empty() {
        return None;
    }
    Some((group.to_owned(), s("/kind"), s("/metadata/namespace"), name))
}

/// One immutable-field change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `Kind/namespace/name`.
    pub object: String,
    /// The exact path that differs (`spec.selector.matchLabels.app`).
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The first path below `path` where `old` and `new` differ (`path` itself for scalars, lists of another
/// length, or a side that is absent), with the two values there. The values are taken while walking down, never
/// looked up again by splitting the path: a key may hold dots (`app.kubernetes.io/name`).
fn first_difference(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
) -> (String, Option<Value>, Option<Value>) {
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                if a.get(k) != b.get(k) {
                    return first_difference(&format!("{path}.{k}"), a.get(k), b.get(k));
                }
            }
            (path.to_owned(), old.cloned(), new.cloned())
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if x != y {
                    return first_difference(&format!("{path}[{i}]"), Some(x), Some(y));
                }
            }
            (path.to_owned(), old.cloned(), new.cloned())
        }
        _ => (path.to_owned(), old.cloned(), new.cloned()),
    }
}

fn without_storage(spec: Option<&Value>) -> Option<Value> {
    let mut spec = spec?.clone();
    if let Some(requests) = spec
        .pointer_mut("/resources/requests")
        .and_then(Value::as_object_mut)
    {
        requests.remove("storage");
    }
    Some(spec)
}

/// The immutable changes of one object from `old` to `new` (same key).
#[must_use]
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let Some(k) = key(new) else {
        return Vec::new();
    };
    let object = format!("{}/{}/{}", k.1, k.2, k.3);
    let mut out = Vec::new();
    for f in FIELDS
        .iter()
        .filter(|f| f.group == k.0 && f.kinds.contains(&k.1.as_str()))
    {
        let (a, b) = (get(old, f.path), get(new, f.path));
        let changed = match f.compare {
            Compare::Any => a != b,
            Compare::NewValue => b.is_some() && a != b,
            Compare::SpecExceptStorage => without_storage(a) != without_storage(b),
            Compare::TypeToExternalName => {
                b.and_then(Value::as_str) == Some("ExternalName")
                    && a.and_then(Value::as_str) != Some("ExternalName")
            }
            Compare::DataOfImmutable => old.get("immutable") == Some(&Value::Bool(true)) && a != b,
        };
        if !changed {
            continue;
        }
        let (path, old_value, new_value) = match f.compare {
            Compare::SpecExceptStorage => first_difference(
                f.path,
                without_storage(a).as_ref(),
                without_storage(b).as_ref(),
            ),
            _ => first_difference(f.path, a, b),
        };
        out.push(Change {
            object: object.clone(),
            path,
            old: old_value,
            new: new_value,
        });
    }
    out
}

/// Where an object is defined: the file and the field lines of its document there.
#[derive(Debug, Clone)]
pub struct Definition {
    pub file: PathBuf,
    pub spans: DocumentSpans,
}

impl Definition {
    /// The line of the first of `paths` (`yaml_span` spelling: `spec.ports[0].port`) the document writes, else
    /// of the nearest enclosing field of the first that it writes (`spec.selector.matchLabels.tier` set by a
    /// patch: `spec.selector.matchLabels`), else the object's first line.
    #[must_use]
    pub fn field_line<S: AsRef<str>>(&self, paths: &[S]) -> Option<usize> {
        paths
            .iter()
            .find_map(|p| self.spans.line(p.as_ref()))
            .or_else(|| {
                paths
                    .first()
                    .and_then(|p| self.spans.nearest_line(p.as_ref()))
            })
            .or(self.spans.first_line)
    }
}

/// Where objects are defined in a repository's files: (kind, name) → every document that names such an object,
/// by path. A built object is matched to the document in its namespace (else one that names no namespace: a
/// kustomization or `targetNamespace` gives it one), and for one field to the document that writes that field
/// (a base rather than a patch of it that sorts first).
#[derive(Debug, Clone, Default)]
pub struct Index {
    by_name: BTreeMap<(String, String), Vec<Definition>>,
}

impl Index {
    /// The documents that may define the object of `key`, the likeliest first: those below `dir` (the path of
    /// the Kustomization that built it: of two cluster entry points defining the same object, its own), then
    /// those in its namespace, then those naming none, then the others.
    fn candidates(&self, key: &Key, dir: Option<&Path>) -> Vec<&Definition> {
        let Some(defs) = self.by_name.get(&(key.1.clone(), key.3.clone())) else {
            return Vec::new();
        };
        let tier = |d: &Definition| match d.spans.scalar("metadata.namespace") {
            Some(ns) if ns == key.2 => 0,
            None => 1,
            Some(_) => 2,
        };
        let outside = |d: &Definition| dir.is_some_and(|dir| !d.file.starts_with(dir));
        let mut out: Vec<&Definition> = defs.iter().collect();
        out.sort_by_key(|d| (outside(d), tier(d)));
        out
    }

    /// Where the object of `key` is defined; `None` when no file defines it by that name (a generated or
    /// prefixed name).
    #[must_use]
    pub fn definition(&self, key: &Key) -> Option<&Definition> {
        self.candidates(key, None).into_iter().next()
    }

    /// As [`Index::definition`], for the object as the Kustomization of path `dir` builds it.
    #[must_use]
    pub fn definition_in(&self, key: &Key, dir: &Path) -> Option<&Definition> {
        self.candidates(key, Some(dir)).into_iter().next()
    }

    /// Where the object of `key` is defined, preferring the document that writes one of `paths`.
    #[must_use]
    pub fn definition_for<S: AsRef<str>>(&self, key: &Key, paths: &[S]) -> Option<&Definition> {
        self.definition_for_in(key, paths, None)
    }

    fn definition_for_in<S: AsRef<str>>(
        &self,
        key: &Key,
        paths: &[S],
        dir: Option<&Path>,
    ) -> Option<&Definition> {
        let candidates = self.candidates(key, dir);
        candidates
            .iter()
            .find(|d| paths.iter().any(|p| d.spans.line(p.as_ref()).is_some()))
            .or_else(|| candidates.first())
            .copied()
    }

    /// The file and first line of the object of `key`; an empty path when no file defines it by that name.
    #[must_use]
    pub fn locate(&self, key: &Key) -> (PathBuf, Option<usize>) {
        self.definition(key)
            .map(|d| (d.file.clone(), d.spans.first_line))
            .unwrap_or_default()
    }

    /// The file of the object of `key` and the line of the field at `path` there ([`Definition::field_line`]);
    /// an empty path when no file defines it by that name.
    #[must_use]
    pub fn locate_field(&self, key: &Key, path: &str) -> (PathBuf, Option<usize>) {
        self.locate_field_in(key, path, None)
    }

    /// As [`Index::locate_field`], for the object as the Kustomization of path `dir` builds it.
    #[must_use]
    pub fn locate_field_in(
        &self,
        key: &Key,
        path: &str,
        dir: Option<&Path>,
    ) -> (PathBuf, Option<usize>) {
        self.definition_for_in(key, &[path], dir)
            .map(|d| (d.file.clone(), d.field_line(&[path])))
            .unwrap_or_default()
    }
}

/// The [`Index`] of a loaded repository's YAML files (each file mapped once: a file that defines a loaded Flux
/// object already is, in `repo.spans`).
#[must_use]
pub fn index(repo: &super::load::Repository) -> Index {
    let mut by_name = BTreeMap::new();
    for f in &repo.tree.files {
        let path = repo.root.join(f);
        let read;
        let docs = match repo.spans.get(&path) {
            Some(docs) => docs,
            None => {
                let text = crate::bounded_file::read_to_string(&path, crate::bounded_file::DATA)
                    .unwrap_or_default();
                read = yaml_span::spans_of(&text);
                &read
            }
        };
        for spans in docs {
            if let (Some(kind), Some(name)) = (spans.scalar("kind"), spans.scalar("metadata.name"))
            {
                by_name
                    .entry((kind.to_owned(), name.to_owned()))
                    .or_insert_with(Vec::new)
                    .push(Definition {
                        file: f.clone(),
                        spans: spans.clone(),
                    });
            }
        }
    }
    Index { by_name }
}

/// Where the field at a path (`spec.selector.matchLabels.app`) of an object is defined (from the repository's
/// files), for findings: the file and that field's line, else its nearest written parent's, else the object's.
pub type Locate<'a> = dyn Fn(&Key, &str) -> (PathBuf, Option<usize>) + 'a;

/// Findings for every immutable change between the objects of two builds.
#[must_use]
pub fn findings(base: &[Value], head: &[Value], locate: &Locate<'_>) -> Vec<Finding> {
    let old: BTreeMap<Key, &Value> = base.iter().filter_map(|v| Some((key(v)?, v))).collect();
    let mut out = Vec::new();
    for new in head {
        let Some(k) = key(new) else { continue };
        let Some(old) = old.get(&k) else { continue };
        for change in changes(old, new) {
            let (file, line) = locate(&k, &change.path);
            let show = |v: &Option<Value>| match v {
                None => "(unset)".to_owned(),
                Some(v) if k.1 == "Secret" => {
                    let _ = v;
                    "(secret value)".to_owned()
                }
                Some(v) => crate::machine_text::to_json_string(v).unwrap_or_default(),
            };
            out.push(
                Finding::new(
                    &rules::IMMUTABLE_FIELD,
                    file,
                    line,
                    format!(
                        "{}: {} is immutable and changes from {} to {}",
                        change.object,
                        change.path,
                        show(&change.old),
                        show(&change.new)
                    ),
                )
                .with_fix(format!(
                    "runbook {}: delete {} before the apply (or annotate it kustomize.toolkit.fluxcd.io/force: enabled)",
                    crate::diagnosis::next_step::RECREATE_IMMUTABLE.runbook,
                    change.object
                )),
            );
        }
    }
    out
}

#[cfg(test)]
#[path = "immutable/tests.rs"]
mod tests;
