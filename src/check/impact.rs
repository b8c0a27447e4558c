//! Impact of a change: which Kustomizations and HelmReleases the changed files feed, and everything
//! downstream of them in the dependency graph.
//!
//! A file feeds a Kustomization when its build reads it, the way kustomize-controller builds `spec.path`:
//! the kustomization files on the way, the resources they list (files, and directories built the same way),
//! their `components`, patch files and generator files (`configMapGenerator`/`secretGenerator` `files`,
//! `envs`: a HelmRelease's values file), `spec.components`; a directory without a kustomization file feeds
//! every YAML file below it (subdirectories with one are built as above). A file feeds a HelmRelease when
//! it defines it, when it is a generator file of the kustomization that lists the HelmRelease's file (its
//! values), when it is under the chart path of a HelmRelease whose chart comes from a GitRepository or Bucket,
//! or when it is one of that chart's `valuesFiles`.
//! Downstream: every object that waits on a fed object (`Graph::blast_radius`, present objects only).
//! Pure: the kustomization files are given as [`KustomizeTree`].

use super::load::Repository;
use crate::flux::repo_context::normalize;
use crate::flux::{FluxKind, ResourceRef};
use crate::graph::Graph;
use crate::graph::export::{self, ExportInput, Filter, Origin};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What one kustomization file reads (paths relative to the repository root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KustomizeDir {
    /// The kustomization file itself.
    pub file: PathBuf,
    /// `resources:`/`bases:` entries: files or directories.
    pub resources: Vec<PathBuf>,
    pub components: Vec<PathBuf>,
    pub patches: Vec<PathBuf>,
    /// Generator inputs (`files`, `envs`, `env`).
    pub generated_from: Vec<PathBuf>,
}

/// The kustomization files of a repository by directory, and its YAML files.
#[derive(Debug, Clone, Default)]
pub struct KustomizeTree {
    pub dirs: BTreeMap<PathBuf, KustomizeDir>,
    /// Every `*.yaml`/`*.yml` file (relative), for directories without a kustomization file.
    pub files: BTreeSet<PathBuf>,
}

/// Parses a kustomization file of `dir` (relative) into what it reads; unparsable text reads nothing.
#[must_use]
pub fn parse_dir(text: &str, dir: &Path, file: PathBuf) -> KustomizeDir {
    let value: serde_json::Value =
        serde_saphyr::from_str_with_options(text, crate::flux::repo_context::yaml_options())
            .unwrap_or_default();
    let local = |v: &serde_json::Value| -> Option<PathBuf> {
        let s = v.as_str()?;
        let s = s.split_once('=').map_or(s, |(_, p)| p);
        if s.contains("://") || s.contains('\n') || s.starts_with("github.com/") {
            return None;
        }
        normalize(&dir.join(s))
    };
    let list = |key: &str| -> Vec<PathBuf> {
        value
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(local).collect())
            .unwrap_or_default()
    };
    let mut resources = list("resources");
    resources.extend(list("bases"));
    let mut patches = list("patchesStrategicMerge");
    for key in ["patches", "patchesJson6902"] {
        if let Some(a) = value.get(key).and_then(|v| v.as_array()) {
            patches.extend(a.iter().filter_map(|p| p.get("path")).filter_map(local));
        }
    }
    let mut generated_from = Vec::new();
    for key in ["configMapGenerator", "secretGenerator"] {
        for g in value
            .get(key)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            for field in ["files", "envs"] {
                if let Some(a) = g.get(field).and_then(|v| v.as_array()) {
                    generated_from.extend(a.iter().filter_map(local));
                }
            }
            if let Some(e) = g.get("env") {
                generated_from.extend(local(e));
            }
        }
    }
    KustomizeDir {
        file,
        resources,
        components: list("components"),
        patches,
        generated_from,
    }
}

/// Why a file feeds an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Via {
    /// The file defines the object.
    Defines,
    /// Built from the Kustomization's path.
    Path,
    /// Through a component.
    Component,
    /// A patch file of the build.
    Patch,
    /// A generator input (values file).
    Values,
    /// Under a HelmRelease's chart path.
    Chart,
}

impl Via {
    fn word(self) -> &'static str {
        match self {
            Via::Defines => "defines it",
            Via::Path => "built from its path",
            Via::Component => "through a component",
            Via::Patch => "a patch of its build",
            Via::Values => "a values/generator file",
            Via::Chart => "its chart",
        }
    }
}

/// Walks what a Kustomization's build reads.
struct Reads<'a> {
    tree: &'a KustomizeTree,
    out: BTreeMap<PathBuf, Via>,
    visited: BTreeSet<PathBuf>,
}

impl Reads<'_> {
    fn add(&mut self, file: PathBuf, via: Via) {
        self.out.entry(file).or_insert(via);
    }

    fn dir(&mut self, dir: &Path, via: Via) {
        if !self.visited.insert(dir.to_path_buf()) {
            return;
        }
        if let Some(k) = self.tree.dirs.get(dir) {
            self.add(k.file.clone(), via);
            for p in &k.patches {
                self.add(p.clone(), Via::Patch);
            }
            for g in &k.generated_from {
                self.add(g.clone(), Via::Values);
            }
            for (entries, v) in [(&k.resources, via), (&k.components, Via::Component)] {
                for e in entries {
                    if self.tree.files.contains(e) {
                        self.add(e.clone(), v);
                    } else {
                        self.dir(e, v);
                    }
                }
            }
            return;
        }
        let below: Vec<PathBuf> = self
            .tree
            .files
            .iter()
            .filter(|f| f.starts_with(dir))
            .cloned()
            .collect();
        let mut subdirs = BTreeSet::new();
        for f in below {
            let rel = f.strip_prefix(dir).unwrap_or(&f).to_path_buf();
            let mut sub = dir.to_path_buf();
            let mut inner = None;
            let parts: Vec<_> = rel.components().collect();
            for part in parts.iter().take(parts.len().saturating_sub(1)) {
                sub.push(part);
                if self.tree.dirs.contains_key(&sub) {
                    inner = Some(sub.clone());
                    break;
                }
            }
            match inner {
                Some(s) => {
                    subdirs.insert(s);
                }
                None => self.add(f, via),
            }
        }
        for s in subdirs {
            self.dir(&s, via);
        }
    }
}

/// The files a Kustomization with `path` and `components` (relative to the root) reads, with why.
#[must_use]
pub fn reads(tree: &KustomizeTree, path: &Path, components: &[PathBuf]) -> BTreeMap<PathBuf, Via> {
    let mut r = Reads {
        tree,
        out: BTreeMap::new(),
        visited: BTreeSet::new(),
    };
    r.dir(path, Via::Path);
    for c in components {
        r.dir(c, Via::Component);
    }
    r.out
}

/// One object a changed file feeds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fed {
    /// `Kind/namespace/name`.
    pub object: String,
    /// The changed file.
    pub file: PathBuf,
    pub via: Via,
}

/// The impact of a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    /// The revision compared with.
    pub base: String,
    /// Changed files (relative to the checked directory).
    pub changed: Vec<PathBuf>,
    /// Kustomizations and HelmReleases (and other objects defined in changed files) the change feeds.
    pub fed: Vec<Fed>,
    /// Everything that waits on a fed object, transitively (`Kind/namespace/name`), fed objects excluded.
    pub downstream: Vec<String>,
    /// The fed and downstream objects as `fluxops graph` tree output.
    #[serde(skip)]
    pub tree: String,
}

/// The objects fed by `changed` and what is downstream of them.
#[must_use]
pub fn compute(repo: &Repository, tree: &KustomizeTree, changed: &[PathBuf]) -> Impact {
    let changed_set: BTreeSet<&PathBuf> = changed.iter().collect();
    let objects = repo.objects();
    let mut fed: BTreeSet<(ResourceRef, PathBuf, Via)> = BTreeSet::new();
    // Which directory's kustomization lists each file (for values files → HelmReleases). Every entry point's
    // objects: a change to staging's copy of an object the production entry also defines feeds it.
    for (obj, origin) in repo.all_objects() {
        let Some(r) = obj.resource_ref() else {
            continue;
        };
        let file = repo.relative(&origin.file);
        if changed_set.contains(&file) {
            fed.insert((r.clone(), file.clone(), Via::Defines));
        }
        match r.kind {
            FluxKind::Kustomization => {
                let Some(path) = obj
                    .spec
                    .path
                    .as_deref()
                    .and_then(super::graph_rules::local_path)
                else {
                    continue;
                };
                let comps: Vec<PathBuf> = components_of(obj, origin, &path);
                for (f, via) in reads(tree, &path, &comps) {
                    if changed_set.contains(&f) {
                        fed.insert((r.clone(), f, via));
                    }
                }
            }
            FluxKind::HelmRelease => {
                let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
                if let Some(k) = tree.dirs.get(&dir) {
                    for g in &k.generated_from {
                        if changed_set.contains(g) {
                            fed.insert((r.clone(), g.clone(), Via::Values));
                        }
                    }
                }
                let Some(chart) = &obj.spec.chart else {
                    continue;
                };
                if !matches!(
                    chart.spec.source_ref.kind.as_str(),
                    "GitRepository" | "Bucket"
                ) {
                    continue;
                }
                if let Some(chart_path) = super::graph_rules::local_path(&chart.spec.chart)
                    && !chart_path.as_os_str().is_empty()
                {
                    for f in changed.iter().filter(|f| f.starts_with(&chart_path)) {
                        fed.insert((r.clone(), f.clone(), Via::Chart));
                    }
                }
                // `valuesFiles`: relative to the source's root, anywhere in it.
                for values in &chart.spec.values_files {
                    if let Some(v) = super::graph_rules::local_path(values)
                        && changed_set.contains(&v)
                    {
                        fed.insert((r.clone(), v, Via::Values));
                    }
                }
            }
            _ => {}
        }
    }
    let graph = Graph::build(objects.iter().map(|(o, _)| (*o).clone()));
    let fed_refs: BTreeSet<ResourceRef> = fed.iter().map(|(r, _, _)| r.clone()).collect();
    let downstream: BTreeSet<ResourceRef> = downstream_of(&graph, &fed_refs);
    let mut keep: BTreeSet<String> = fed_refs.iter().map(ToString::to_string).collect();
    keep.extend(downstream.iter().map(ToString::to_string));
    Impact {
        base: String::new(),
        changed: changed.to_vec(),
        fed: fed
            .into_iter()
            .map(|(r, file, via)| Fed {
                object: r.to_string(),
                file,
                via,
            })
            .collect(),
        downstream: downstream.iter().map(ToString::to_string).collect(),
        tree: tree_text(repo, &graph, &keep),
    }
}

/// Every present object waiting on one of `from`, transitively, `from` excluded.
#[must_use]
pub fn downstream_of(graph: &Graph, from: &BTreeSet<ResourceRef>) -> BTreeSet<ResourceRef> {
    from.iter()
        .flat_map(|r| graph.blast_radius(r))
        .filter(|r| !from.contains(*r))
        .filter(|r| {
            graph
                .node(r)
                .is_some_and(|n| n.state == crate::graph::NodeState::Present)
        })
        .cloned()
        .collect()
}

fn components_of(
    obj: &crate::flux::FluxObject,
    origin: &crate::flux::repo::Origin,
    path: &Path,
) -> Vec<PathBuf> {
    let Some(r) = obj.resource_ref() else {
        return Vec::new();
    };
    let mut cache = super::load::RawCache::default();
    cache
        .raw(&r, origin)
        .and_then(|raw| {
            raw.pointer("/spec/components")
                .and_then(|c| c.as_array())
                .cloned()
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.as_str())
        .filter_map(|c| normalize(&path.join(c)))
        .collect()
}

/// The `fluxops graph` tree of the objects in `keep` (`Kind/ns/name`).
fn tree_text(repo: &Repository, graph: &Graph, keep: &BTreeSet<String>) -> String {
    if keep.is_empty() {
        return String::new();
    }
    let input = ExportInput {
        graph,
        origin: Origin::Directory {
            path: repo.root.display().to_string(),
        },
        live: false,
        files: BTreeMap::new(),
        notes: Vec::new(),
        unlisted: Vec::new(),
        namespace: None,
    };
    let mut doc = export::export(input, &Filter::default());
    doc.nodes.retain(|n| keep.contains(&n.id));
    doc.edges
        .retain(|e| keep.contains(&e.from) && keep.contains(&e.to));
    doc.warnings.clear();
    doc.counts.nodes = doc.nodes.len();
    doc.counts.objects = doc.nodes.len();
    doc.counts.edges = doc.edges.len();
    export::tree::render(&doc)
}

/// The impact as text.
#[must_use]
pub fn text(impact: &Impact) -> String {
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    let mut out = format!(
        "impact of {} changed file(s) since {}:\n",
        impact.changed.len(),
        clean(&impact.base)
    );
    if impact.fed.is_empty() {
        out.push_str("  no Flux object is fed by the changed files\n");
        return out;
    }
    for f in &impact.fed {
        out.push_str(&format!(
            "  {} ← {} ({})\n",
            clean(&f.object),
            clean(&f.file.display().to_string()),
            f.via.word()
        ));
    }
    if !impact.downstream.is_empty() {
        out.push_str(&format!("  downstream ({}):\n", impact.downstream.len()));
        for d in &impact.downstream {
            out.push_str(&format!("    {}\n", clean(d)));
        }
    }
    for line in impact.tree.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_reads_listed_files_components_patches_and_values() {
        let mut tree = KustomizeTree::default();
        tree.dirs.insert(
            PathBuf::from("apps/app"),
            parse_dir(
                "resources:\n  - hr.yaml\n  - ../base\ncomponents:\n  - ../../comp\npatches:\n  - path: p.yaml\nconfigMapGenerator:\n  - name: v\n    files:\n      - values.yaml=vals.yaml\n",
                Path::new("apps/app"),
                PathBuf::from("apps/app/kustomization.yaml"),
            ),
        );
        for f in [
            "apps/app/hr.yaml",
            "apps/base/a.yaml",
            "apps/base/deep/b.yaml",
            "comp/c.yaml",
            "apps/app/unlisted.yaml",
        ] {
            tree.files.insert(PathBuf::from(f));
        }
        let r = reads(&tree, Path::new("apps/app"), &[]);
        assert_eq!(r.get(Path::new("apps/app/hr.yaml")), Some(&Via::Path));
        assert_eq!(r.get(Path::new("apps/base/deep/b.yaml")), Some(&Via::Path));
        assert_eq!(r.get(Path::new("comp/c.yaml")), Some(&Via::Component));
        assert_eq!(r.get(Path::new("apps/app/p.yaml")), Some(&Via::Patch));
        assert_eq!(r.get(Path::new("apps/app/vals.yaml")), Some(&Via::Values));
        assert_eq!(r.get(Path::new("apps/app/unlisted.yaml")), None);
    }

    #[test]
    fn a_chart_from_git_is_fed_by_its_files_and_its_values_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("release.yaml"),
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: ./charts/web\n      valuesFiles:\n        - ./charts/web/values.yaml\n        - ./values/prod.yaml\n      sourceRef:\n        kind: GitRepository\n        name: flux-system\n        namespace: flux-system\n",
        )
        .unwrap();
        let repo = crate::check::load::load(dir.path(), None).unwrap();
        let fed = |changed: &str| -> Vec<(String, Via)> {
            compute(&repo, &repo.tree, &[PathBuf::from(changed)])
                .fed
                .into_iter()
                .map(|f| (f.object, f.via))
                .collect()
        };
        let web = "HelmRelease/apps/web".to_owned();
        assert_eq!(fed("values/prod.yaml"), [(web.clone(), Via::Values)]);
        assert_eq!(fed("charts/web/templates/deploy.yaml"), [(web, Via::Chart)]);
        assert!(fed("values/staging.yaml").is_empty());
    }
}
