//! What each Flux Kustomization of a repository builds, and the namespace each built file gets, the way
//! kustomize-controller does it (fluxcd/pkg `kustomize.Generator`), so `repo` puts objects where the
//! controllers put them.
//!
//! For a Kustomization with `spec.path` P (relative to the repository root):
//! - if P has a kustomization file, kustomize builds what it lists: `resources:` and `bases:` (files, or
//!   directories built the same way, recursively) and `components:`. Each level's `namespace:` replaces the
//!   namespace of everything that level builds, inner levels first, so the outermost level that sets one wins;
//! - if P has none, the controller generates one listing every `*.yaml` / `*.yml` file below P, except that a
//!   subdirectory with a kustomization file is listed as a directory (built as above) and not descended into;
//! - `spec.components` (relative to P) are added, and `spec.targetNamespace` is set as the namespace of that
//!   root kustomization: it replaces the namespace of everything the Kustomization builds.
//!
//! A file built by several Kustomizations gets every namespace they give it (one object per namespace: a base
//! applied into `staging` and `production`). A path with `${…}` substitutions or that is not in the repository
//! (another source's path) builds nothing here. Cycles (a directory that includes itself) are cut.
//!
//! Must not live here: reading files (`repo` walks, `repo_context` parses the kustomization files).

use super::repo_context::{KustomizeContext, normalize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One Flux Kustomization, as far as its build is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRoot {
    /// `spec.path`, relative to the repository root.
    pub path: PathBuf,
    /// `spec.targetNamespace`.
    pub target_namespace: Option<String>,
    /// `spec.components`, relative to the repository root.
    pub components: Vec<PathBuf>,
}

impl BuildRoot {
    /// The build root of a raw Kustomization document; `None` without a `spec.path` (it then builds the root
    /// of its source, which may be another repository: not guessed), with a substitution in it, or climbing
    /// above the root.
    #[must_use]
    pub fn of(document: &serde_json::Value) -> Option<BuildRoot> {
        let spec = document.get("spec")?;
        let raw = spec.get("path").and_then(|p| p.as_str())?;
        if raw.contains("${") {
            return None;
        }
        let path = normalize(Path::new(raw.trim_start_matches('/')))?;
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str())
                .filter(|s| !s.is_empty() && !s.contains("${"))
                .map(str::to_owned)
        };
        let components = spec
            .get("components")
            .and_then(|c| c.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|c| c.as_str())
                    .filter_map(|c| normalize(&path.join(c)))
                    .collect()
            })
            .unwrap_or_default();
        Some(BuildRoot {
            target_namespace: text(spec.get("targetNamespace")),
            path,
            components,
        })
    }
}

/// Files (relative to the root) with the namespaces the Kustomizations building them give them (`None`: a
/// build that sets no namespace; the object keeps its own).
#[derive(Debug, Clone, Default)]
pub struct Builds {
    by_file: BTreeMap<PathBuf, BTreeSet<Option<String>>>,
}

impl Builds {
    /// What `roots` build in a repository whose manifest files are `files` and whose kustomization files are
    /// in `context`.
    #[must_use]
    pub fn compute<'a>(
        roots: impl IntoIterator<Item = &'a BuildRoot>,
        context: &KustomizeContext,
        files: &BTreeSet<PathBuf>,
    ) -> Builds {
        let mut walker = Walker {
            context,
            files,
            memo: BTreeMap::new(),
            visiting: BTreeSet::new(),
        };
        let mut by_file: BTreeMap<PathBuf, BTreeSet<Option<String>>> = BTreeMap::new();
        for root in roots {
            if !walker.exists(&root.path) {
                continue;
            }
            let mut items: Vec<Item> = walker.dir(&root.path).as_ref().clone();
            for c in &root.components {
                items.extend(walker.dir(c).iter().cloned());
            }
            for (file, namespace) in items {
                let namespace = root.target_namespace.clone().or(namespace);
                by_file.entry(file).or_default().insert(namespace);
            }
        }
        Builds { by_file }
    }

    /// The namespaces the builds give `rel_file`; `None` when no Kustomization builds it.
    #[must_use]
    pub fn namespaces_for(&self, rel_file: &Path) -> Option<&BTreeSet<Option<String>>> {
        self.by_file.get(rel_file)
    }

    /// Whether any Kustomization builds `rel_file`.
    #[must_use]
    pub fn builds(&self, rel_file: &Path) -> bool {
        self.by_file.contains_key(rel_file)
    }
}

/// A built file and the namespace its kustomization levels give it.
type Item = (PathBuf, Option<String>);

struct Walker<'a> {
    context: &'a KustomizeContext,
    files: &'a BTreeSet<PathBuf>,
    /// What a directory builds (a base used by many overlays is walked once).
    memo: BTreeMap<PathBuf, Rc<Vec<Item>>>,
    visiting: BTreeSet<PathBuf>,
}

impl Walker<'_> {
    /// Files directly or indirectly below `dir`, in path order.
    fn below<'b>(&'b self, dir: &'b Path) -> impl Iterator<Item = &'b PathBuf> + 'b {
        self.files
            .range::<Path, _>((std::ops::Bound::Included(dir), std::ops::Bound::Unbounded))
            .take_while(move |f| f.starts_with(dir))
            .filter(move |f| f.as_path() != dir)
    }

    fn exists(&self, dir: &Path) -> bool {
        self.context.has_dir(dir) || self.below(dir).next().is_some()
    }

    /// What the directory `dir` builds.
    fn dir(&mut self, dir: &Path) -> Rc<Vec<Item>> {
        if let Some(done) = self.memo.get(dir) {
            return Rc::clone(done);
        }
        if !self.visiting.insert(dir.to_path_buf()) {
            return Rc::new(Vec::new());
        }
        let items = match self.context.get(dir) {
            Some(k) => {
                let entries: Vec<PathBuf> =
                    k.resources.iter().chain(&k.components).cloned().collect();
                let namespace = k.namespace.clone();
                let mut out = Vec::new();
                for entry in entries {
                    if self.files.contains(&entry) {
                        out.push((entry, None));
                    } else if self.exists(&entry) {
                        out.extend(self.dir(&entry).iter().cloned());
                    }
                }
                if let Some(ns) = namespace {
                    for item in &mut out {
                        item.1 = Some(ns.clone());
                    }
                }
                out
            }
            None => self.generated(dir),
        };
        self.visiting.remove(dir);
        let items = Rc::new(items);
        self.memo.insert(dir.to_path_buf(), Rc::clone(&items));
        items
    }

    /// What the kustomization the controller generates for `dir` builds (see the module doc).
    fn generated(&mut self, dir: &Path) -> Vec<Item> {
        let mut files = Vec::new();
        let mut subdirs: BTreeSet<PathBuf> = BTreeSet::new();
        for file in self.below(dir) {
            let rel = file.strip_prefix(dir).unwrap_or(file);
            // The outermost subdirectory on the way that has a kustomization file is listed instead.
            let mut sub = dir.to_path_buf();
            let mut listed_as_dir = None;
            let parts: Vec<_> = rel.components().collect();
            for part in parts.iter().take(parts.len().saturating_sub(1)) {
                sub.push(part);
                if self.context.has_dir(&sub) {
                    listed_as_dir = Some(sub.clone());
                    break;
                }
            }
            match listed_as_dir {
                Some(sub) => {
                    subdirs.insert(sub);
                }
                None => files.push(file.clone()),
            }
        }
        let mut out: Vec<Item> = files.into_iter().map(|f| (f, None)).collect();
        for sub in subdirs {
            out.extend(self.dir(&sub).iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::repo_context::parse_kustomization;

    fn context(entries: &[(&str, &str)]) -> KustomizeContext {
        let mut ctx = KustomizeContext::default();
        for (dir, text) in entries {
            ctx.insert(
                PathBuf::from(dir),
                parse_kustomization(text, Path::new(dir)).unwrap(),
            );
        }
        ctx
    }

    fn files(list: &[&str]) -> BTreeSet<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    fn root(path: &str, target: Option<&str>) -> BuildRoot {
        BuildRoot {
            path: PathBuf::from(path),
            target_namespace: target.map(str::to_owned),
            components: Vec::new(),
        }
    }

    fn namespaces(builds: &Builds, file: &str) -> Vec<Option<String>> {
        builds
            .namespaces_for(Path::new(file))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn target_namespace_replaces_every_namespace_the_build_gives() {
        let ctx = context(&[
            (
                "apps/echo/app",
                "namespace: ignored\nresources:\n  - ./helmrelease.yaml\n",
            ),
            ("apps/other", "resources:\n  - ./hr.yaml\n"),
        ]);
        let fs = files(&["apps/echo/app/helmrelease.yaml", "apps/other/hr.yaml"]);
        let builds = Builds::compute(
            &[
                root("apps/echo/app", Some("default")),
                root("apps/other", None),
            ],
            &ctx,
            &fs,
        );
        assert_eq!(
            namespaces(&builds, "apps/echo/app/helmrelease.yaml"),
            [Some("default".to_owned())]
        );
        assert_eq!(namespaces(&builds, "apps/other/hr.yaml"), [None]);
    }

    #[test]
    fn a_generated_kustomization_takes_every_file_and_stops_at_kustomization_directories() {
        let ctx = context(&[(
            "cluster/apps",
            "namespace: apps\nresources:\n  - ./listed.yaml\n",
        )]);
        let fs = files(&[
            "cluster/a.yaml",
            "cluster/deep/b.yaml",
            "cluster/apps/listed.yaml",
            "cluster/apps/unlisted.yaml",
        ]);
        let builds = Builds::compute(&[root("cluster", None)], &ctx, &fs);
        assert_eq!(namespaces(&builds, "cluster/a.yaml"), [None]);
        assert_eq!(namespaces(&builds, "cluster/deep/b.yaml"), [None]);
        assert_eq!(
            namespaces(&builds, "cluster/apps/listed.yaml"),
            [Some("apps".to_owned())]
        );
        assert!(!builds.builds(Path::new("cluster/apps/unlisted.yaml")));
    }

    #[test]
    fn overlays_in_two_namespaces_build_a_base_twice_and_the_outermost_namespace_wins() {
        let ctx = context(&[
            ("base/app", "namespace: base\nresources:\n  - hr.yaml\n"),
            (
                "overlays/prod",
                "namespace: prod\nresources:\n  - ../../base/app\n",
            ),
            ("overlays/dev", "resources:\n  - ../../base/app\n"),
        ]);
        let fs = files(&["base/app/hr.yaml"]);
        let builds = Builds::compute(
            &[
                root("overlays/prod", None),
                root("overlays/dev", None),
                root("overlays/dev", Some("dev")),
            ],
            &ctx,
            &fs,
        );
        assert_eq!(
            namespaces(&builds, "base/app/hr.yaml"),
            [
                Some("base".to_owned()),
                Some("dev".to_owned()),
                Some("prod".to_owned())
            ]
        );
    }

    #[test]
    fn components_and_cycles() {
        let ctx = context(&[
            ("app", "resources:\n  - ../app\n  - hr.yaml\n"),
            ("components/common", "resources:\n  - repo.yaml\n"),
        ]);
        let fs = files(&["app/hr.yaml", "components/common/repo.yaml"]);
        let mut r = root("app", Some("x"));
        r.components = vec![PathBuf::from("components/common")];
        let builds = Builds::compute(&[r], &ctx, &fs);
        assert_eq!(namespaces(&builds, "app/hr.yaml"), [Some("x".to_owned())]);
        assert_eq!(
            namespaces(&builds, "components/common/repo.yaml"),
            [Some("x".to_owned())]
        );
    }

    #[test]
    fn build_roots_come_from_the_spec() {
        let doc = serde_json::json!({"spec": {"path": "./kubernetes/apps/echo/app", "targetNamespace": "default",
            "components": ["../../../components/common"]}});
        let r = BuildRoot::of(&doc).unwrap();
        assert_eq!(r.path, PathBuf::from("kubernetes/apps/echo/app"));
        assert_eq!(r.target_namespace.as_deref(), Some("default"));
        assert_eq!(
            r.components,
            [PathBuf::from("kubernetes/components/common")]
        );
        let subst = serde_json::json!({"spec": {"path": "./clusters/${CLUSTER}"}});
        assert_eq!(BuildRoot::of(&subst), None);
        let root_path = serde_json::json!({"spec": {"path": "./"}});
        assert_eq!(BuildRoot::of(&root_path).unwrap().path, PathBuf::new());
        let no_path = serde_json::json!({"spec": {"sourceRef": {"name": "x"}}});
        assert_eq!(BuildRoot::of(&no_path), None);
    }
}
