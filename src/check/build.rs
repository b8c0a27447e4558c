//! Build findings: every Kustomization whose `spec.path` is in this repository built as kustomize-controller
//! builds it, and the objects it produces (for `immutable`).
//!
//! The plan (pure): the repository is copied to a workspace (with the context tree's kustomization files
//! where a directory has none); a path without a kustomization file gets the one the controller generates
//! (every Kubernetes manifest below it, a subdirectory with a kustomization file listed as a directory,
//! [`generated_kustomization`]); each Kustomization is built through a wrapper kustomization
//! ([`wrapper`]) that adds what the controller adds on top of the path: `targetNamespace` as `namespace`,
//! `namePrefix`/`nameSuffix`, `spec.patches`, `spec.components`, `spec.images`. After the build, postBuild
//! substitution: `spec.postBuild.substitute` and the ConfigMaps/Secrets of `substituteFrom` found in the
//! repository (its files and every build's output: generated ConfigMaps count); an unresolvable variable is
//! named (rule `unresolved-variable`); a `substituteFrom` not found is said once, and the variables of that
//! Kustomization are then not judged.
//!
//! The builds run `tool` (a process per Kustomization, a few at a time).

use super::load::{self, Repository};
use super::tool::Tool;
use super::{Finding, rules};
use super::{remote, substitute};
use crate::flux::{FluxKind, ResourceRef};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One Kustomization to build.
#[derive(Debug, Clone)]
pub struct Target {
    pub rref: ResourceRef,
    /// Where it is defined (relative).
    pub file: PathBuf,
    pub line: Option<usize>,
    /// `spec.path`, relative to the root.
    pub path: PathBuf,
    /// Its raw `spec`.
    pub spec: Value,
    /// Where its fields are (`flux::yaml_span`), for findings about one field.
    pub fields: Option<crate::flux::yaml_span::DocumentSpans>,
    /// The `clusters/<name>` entry points that apply it (empty: a repository with at most one).
    pub entries: Vec<String>,
}

impl Target {
    /// The line of the field at `path`, else of its nearest written parent, else of the object.
    #[must_use]
    pub fn line_of(&self, path: &str) -> Option<usize> {
        self.fields
            .as_ref()
            .and_then(|f| f.nearest_line(path))
            .or(self.line)
    }
}

/// What one Kustomization built (substituted).
#[derive(Debug, Clone)]
pub struct Built {
    pub target: Target,
    pub objects: Vec<Value>,
}

/// The outcome of building a repository.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub built: Vec<Built>,
    /// How many Kustomizations were built (successfully or not).
    pub attempted: usize,
}

/// The Kustomizations of `repo` whose path exists in it: each definition once (the same file loaded under two
/// cluster entry points is one target naming both), so `apps` of `clusters/staging` and `apps` of
/// `clusters/production` are two targets, each built.
#[must_use]
pub fn targets(repo: &Repository) -> Vec<Target> {
    let mut cache = load::RawCache::default();
    let mut out: Vec<Target> = Vec::new();
    let mut seen: BTreeMap<(ResourceRef, PathBuf), usize> = BTreeMap::new();
    for entry in &repo.entries {
        for (o, origin) in entry.load.objects.iter().zip(&entry.load.origins) {
            if o.flux_kind() != Some(FluxKind::Kustomization) {
                continue;
            }
            let Some(rref) = o.resource_ref() else {
                continue;
            };
            let file = repo.relative(&origin.file);
            if let Some(&i) = seen.get(&(rref.clone(), file.clone())) {
                out[i].entries.extend(entry.cluster.clone());
                continue;
            }
            let Some(path) = o
                .spec
                .path
                .as_deref()
                .and_then(super::graph_rules::local_path)
            else {
                continue;
            };
            if !repo.has_dir(&path) || (path.as_os_str().is_empty() && repo.entries.len() > 1) {
                continue;
            }
            let spec = cache
                .raw(&rref, origin)
                .and_then(|v| v.get("spec").cloned())
                .unwrap_or(Value::Null);
            let fields = repo.spans(&rref, origin).cloned();
            seen.insert((rref.clone(), file.clone()), out.len());
            out.push(Target {
                rref,
                file,
                line: origin.line,
                path,
                spec,
                fields,
                entries: entry.cluster.clone().into_iter().collect(),
            });
        }
    }
    out
}

/// Whether YAML text is a Kubernetes manifest (its first document has `apiVersion` and `kind`), as the
/// controller's generator requires of the files it lists.
#[must_use]
pub fn is_manifest(text: &[u8]) -> bool {
    load::documents_of(text)
        .first()
        .is_some_and(|(_, v)| v.get("apiVersion").is_some() && v.get("kind").is_some())
}

/// The kustomization the controller generates for `dir` (relative), listing `manifests` (relative files
/// that are Kubernetes manifests) below it and `kustomized` (directories with a kustomization file).
#[must_use]
pub fn generated_kustomization(
    dir: &Path,
    manifests: &BTreeSet<PathBuf>,
    kustomized: &BTreeSet<PathBuf>,
) -> String {
    let mut resources = Vec::new();
    let mut subdirs = BTreeSet::new();
    for f in manifests.iter().filter(|f| f.starts_with(dir)) {
        let rel = f.strip_prefix(dir).unwrap_or(f);
        let parts: Vec<_> = rel.components().collect();
        let mut sub = dir.to_path_buf();
        let mut inner = None;
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            sub.push(part);
            if kustomized.contains(&sub) {
                inner = Some(sub.clone());
                break;
            }
        }
        match inner {
            Some(s) => {
                subdirs.insert(s);
            }
            None => resources.push(rel.display().to_string()),
        }
    }
    for s in subdirs {
        resources.push(s.strip_prefix(dir).unwrap_or(&s).display().to_string());
    }
    let doc = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    serde_json::to_string(&doc).unwrap_or_default()
}

/// The wrapper kustomization of a target, written two levels below the workspace's parent so that
/// `../../ws/<path>` is the path: what the controller adds on top of the path's build.
#[must_use]
pub fn wrapper(target: &Target) -> String {
    let base = Path::new("../../ws").join(&target.path);
    let mut doc = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [base.display().to_string()],
    });
    let spec = &target.spec;
    let text = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(ns) = text("targetNamespace") {
        doc["namespace"] = json!(ns);
    }
    for k in ["namePrefix", "nameSuffix"] {
        if let Some(v) = text(k) {
            doc[k] = json!(v);
        }
    }
    if let Some(components) = spec.get("components").and_then(Value::as_array) {
        let list: Vec<String> = components
            .iter()
            .filter_map(Value::as_str)
            .map(|c| base.join(c).display().to_string())
            .collect();
        doc["components"] = json!(list);
    }
    for k in ["patches", "images"] {
        if let Some(v) = spec
            .get(k)
            .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            doc[k] = v.clone();
        }
    }
    serde_json::to_string(&doc).unwrap_or_default()
}

/// Copies the repository (and the context tree's kustomization files where the repository has none) to
/// `ws`, and writes the generated kustomization of every target path without one.
fn prepare(repo: &Repository, targets: &[Target], ws: &Path) -> std::io::Result<()> {
    copy_dir(&repo.root, ws)?;
    for (dir, k) in &repo.tree.dirs {
        let dest = ws.join(&k.file);
        if !dest.exists()
            && let Some(ctx) = &repo.context
        {
            std::fs::create_dir_all(ws.join(dir))?;
            std::fs::copy(ctx.join(&k.file), &dest)?;
        }
    }
    let manifests: BTreeSet<PathBuf> = repo
        .tree
        .files
        .iter()
        .filter(|f| {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !crate::flux::repo_context::KUSTOMIZATION_FILE_NAMES.contains(&name)
        })
        .filter(|f| {
            crate::bounded_file::read(&repo.root.join(f), crate::bounded_file::DATA)
                .is_ok_and(|b| is_manifest(&b))
        })
        .cloned()
        .collect();
    let kustomized: BTreeSet<PathBuf> = repo.tree.dirs.keys().cloned().collect();
    for t in targets {
        if !kustomized.contains(&t.path) {
            let text = generated_kustomization(&t.path, &manifests, &kustomized);
            std::fs::write(ws.join(&t.path).join("kustomization.yaml"), text)?;
        }
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Builds every target of `repo` with `tool` (see the module doc).
///
/// # Errors
/// The workspace cannot be written (a temporary directory).
pub fn run(repo: &Repository, tool: &Tool) -> std::io::Result<Outcome> {
    let targets = targets(repo);
    let tmp = tempfile::tempdir()?;
    let ws = tmp.path().join("ws");
    prepare(repo, &targets, &ws)?;
    for (i, t) in targets.iter().enumerate() {
        let dir = tmp.path().join("w").join(i.to_string());
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("kustomization.yaml"), wrapper(t))?;
    }
    let results = build_all(tool, tmp.path(), targets.len());
    let mut outcome = Outcome {
        attempted: targets.len(),
        ..Outcome::default()
    };
    let mut raw_outputs: Vec<(Target, Vec<Value>)> = Vec::new();
    let ws_text = ws.display().to_string();
    let tmp_text = tmp.path().display().to_string();
    for (t, result) in targets.into_iter().zip(results) {
        match result {
            Ok(yaml) => {
                let objects = load::documents_of(yaml.as_bytes())
                    .into_iter()
                    .map(|(_, v)| v)
                    .filter(|v| !v.is_null())
                    .collect();
                raw_outputs.push((t, objects));
            }
            Err(e) => {
                let e = e.replace(&ws_text, ".").replace(&tmp_text, ".");
                let finding = match remote::unreachable(&e) {
                    Some(u) => Finding::new(
                        &rules::REMOTE_UNAVAILABLE,
                        t.file.clone(),
                        t.line_of("spec.path"),
                        format!(
                            "{} was not built: its remote resource {} could not be fetched ({})",
                            t.rref, u.remote, u.reason
                        ),
                    ),
                    None => Finding::new(
                        &rules::BUILD_FAILED,
                        t.file.clone(),
                        t.line_of("spec.path"),
                        format!("{} does not build: {}", t.rref, innermost(&e)),
                    ),
                };
                outcome.findings.push(finding);
            }
        }
    }
    let sources = var_sources(repo, &raw_outputs);
    for (t, mut objects) in raw_outputs {
        substitute_target(&t, &mut objects, &sources, &mut outcome.findings);
        outcome.built.push(Built { target: t, objects });
    }
    Ok(outcome)
}

fn build_all(tool: &Tool, tmp: &Path, count: usize) -> Vec<Result<String, String>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .clamp(1, 4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<Result<String, String>>>> =
        std::sync::Mutex::new(vec![None; count]);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let r = tool.build(&tmp.join("w").join(i.to_string()));
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not built".to_owned())))
        .collect()
}

/// ConfigMaps and Secrets (kind, namespace, name) → their keys and values, from the repository's files and
/// the build outputs. Secret values that are base64 (`data`) are decoded when they are UTF-8.
type VarSources = BTreeMap<(String, String, String), BTreeMap<String, String>>;

fn var_sources(repo: &Repository, outputs: &[(Target, Vec<Value>)]) -> VarSources {
    let mut out = VarSources::new();
    let mut add = |v: &Value, default_ns: &str| {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind != "ConfigMap" && kind != "Secret" {
            return;
        }
        let name = v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ns = v
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(default_ns);
        let mut keys = BTreeMap::new();
        for field in ["data", "stringData"] {
            if let Some(map) = v.get(field).and_then(Value::as_object) {
                for (k, val) in map {
                    let text = val.as_str().unwrap_or_default().to_owned();
                    let text = if kind == "Secret" && field == "data" {
                        decode(&text).unwrap_or(text)
                    } else {
                        text
                    };
                    keys.insert(k.clone(), text);
                }
            }
        }
        out.entry((kind.to_owned(), ns.to_owned(), name.to_owned()))
            .or_default()
            .extend(keys);
    };
    for f in &repo.tree.files {
        for (_, v) in load::documents(&repo.root.join(f)) {
            add(&v, "");
        }
    }
    for (t, objects) in outputs {
        for v in objects {
            add(v, &t.rref.namespace);
        }
    }
    out
}

fn decode(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn substitute_target(
    t: &Target,
    objects: &mut [Value],
    sources: &VarSources,
    findings: &mut Vec<Finding>,
) {
    let Some(post) = t.spec.get("postBuild") else {
        return;
    };
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut judged = true;
    for (index, from) in post
        .get("substituteFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let kind = from
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("ConfigMap");
        let name = from.get("name").and_then(Value::as_str).unwrap_or_default();
        let optional = from.get("optional").and_then(Value::as_bool) == Some(true);
        let key = |ns: &str| (kind.to_owned(), ns.to_owned(), name.to_owned());
        match sources
            .get(&key(&t.rref.namespace))
            .or_else(|| sources.get(&key("")))
        {
            Some(found) => vars.extend(found.clone()),
            None => {
                judged = false;
                if !optional {
                    findings.push(Finding::new(
                        &rules::SUBSTITUTE_FROM_MISSING,
                        t.file.clone(),
                        t.line_of(&format!("spec.postBuild.substituteFrom[{index}]")),
                        format!(
                            "{} substitutes from {kind} {}/{name}, which is not in the repository; its variables were not checked",
                            t.rref, t.rref.namespace
                        ),
                    ));
                }
            }
        }
    }
    // `substitute` wins over `substituteFrom`.
    if let Some(map) = post.get("substitute").and_then(Value::as_object) {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            vars.insert(k.clone(), text);
        }
    }
    let mut unresolved: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for object in objects.iter_mut() {
        if substitute::disabled(object) {
            continue;
        }
        let missing = substitute::substitute_value(object, &vars);
        let id = object_id(object);
        for name in missing {
            unresolved.entry(name).or_default().insert(id.clone());
        }
    }
    if !judged {
        return;
    }
    for (name, objects) in unresolved {
        let list: Vec<&str> = objects.iter().map(String::as_str).take(3).collect();
        findings.push(
            Finding::new(
                &rules::UNRESOLVED_VARIABLE,
                t.file.clone(),
                t.line_of("spec.postBuild.substitute"),
                format!(
                    "{}: ${{{name}}} is not set by postBuild (used in {}{}); it becomes empty",
                    t.rref,
                    list.join(", "),
                    if objects.len() > 3 { ", …" } else { "" }
                ),
            )
            .with_fix(format!(
                "set {name} in spec.postBuild.substitute or a substituteFrom ConfigMap, or write ${{{name}:=default}}"
            )),
        );
    }
}

/// The part of a kustomize error that says what is wrong: klog's prefix dropped, and of nested
/// "accumulating resources" errors the innermost cause (the end), at most 300 characters.
#[must_use]
pub fn innermost(error: &str) -> String {
    let text = error
        .split_once(" err=\"")
        .map_or(error, |(_, rest)| rest)
        .trim_end_matches('"');
    let text = text.rsplit_once("': ").map_or(text, |(_, inner)| inner);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > 300 {
        format!("…{}", chars[chars.len() - 300..].iter().collect::<String>())
    } else {
        text.to_owned()
    }
}

/// `Kind/namespace/name` of a built object (namespace empty when it has none).
#[must_use]
pub fn object_id(v: &Value) -> String {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    format!(
        "{}/{}/{}",
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_kustomization_lists_manifests_and_kustomized_subdirectories() {
        let manifests: BTreeSet<PathBuf> = [
            "app/a.yaml",
            "app/deep/b.yaml",
            "app/sub/c.yaml",
            "other/x.yaml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let kustomized: BTreeSet<PathBuf> = [PathBuf::from("app/sub")].into();
        let text = generated_kustomization(Path::new("app"), &manifests, &kustomized);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["resources"], json!(["a.yaml", "deep/b.yaml", "sub"]));
    }

    #[test]
    fn the_wrapper_adds_what_the_controller_adds() {
        let t = Target {
            rref: ResourceRef::new(FluxKind::Kustomization, "flux-system", "apps"),
            file: PathBuf::from("clusters/x/apps.yaml"),
            line: Some(1),
            path: PathBuf::from("apps/prod"),
            spec: json!({"targetNamespace": "prod", "components": ["../comp"], "namePrefix": "p-",
                "patches": [{"patch": "- op: add", "target": {"kind": "Deployment"}}]}),
            fields: None,
            entries: Vec::new(),
        };
        let v: Value = serde_json::from_str(&wrapper(&t)).unwrap();
        assert_eq!(v["resources"], json!(["../../ws/apps/prod"]));
        assert_eq!(v["namespace"], "prod");
        assert_eq!(v["namePrefix"], "p-");
        assert_eq!(v["components"], json!(["../../ws/apps/prod/../comp"]));
        assert_eq!(v["patches"][0]["target"]["kind"], "Deployment");
    }
}
