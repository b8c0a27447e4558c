//! The plain kustomize `kustomization.yaml` files of a GitOps repository, read for the facts the loader needs:
//! the `namespace:` they give to what they list, what they list (`resources:`, `bases:`, `components:`), and
//! which files they use as patches.
//!
//! A kustomization's `namespace:` applies to the resources it lists and to what those include, recursively,
//! and to nothing else: not to other files below its directory (kustomize builds only what is listed). What
//! a Flux Kustomization builds, with its `targetNamespace`, is `repo_build`; this module answers for files no
//! Flux Kustomization of the repository builds ([`KustomizeContext::namespace_for`]): if some kustomization
//! lists the file, take the first such kustomization (path order) and follow who includes it (a kustomization
//! listing its directory, first in path order) up to an entry point. Kustomize applies each level's
//! `namespace:` to everything below it, inner levels first, so the **outermost** level that sets a namespace
//! wins (an overlay's `namespace:` beats its base's). When a base is used by several overlays (one per
//! cluster), the first overlay in path order decides. A file no kustomization lists gets no namespace here.
//!
//! Like kustomize's namespace transformer, that namespace replaces `metadata.namespace`. Remote bases and
//! generators are not followed.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// File names kustomize accepts for a kustomization, in its lookup order.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What one kustomization file says that matters to the loader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KustomizeFile {
    pub namespace: Option<String>,
    /// Files (relative to the repository root) this kustomization applies as patches.
    pub patch_files: Vec<PathBuf>,
    /// Its local `resources:` and `bases:` entries (files or directories), relative to the repository root.
    pub resources: Vec<PathBuf>,
    /// Its local `components:` (directories), relative to the repository root.
    pub components: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKustomization {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    resources: Vec<serde_json::Value>,
    #[serde(default)]
    bases: Vec<serde_json::Value>,
    #[serde(default)]
    components: Vec<serde_json::Value>,
    #[serde(default)]
    patches: Vec<RawPatch>,
    #[serde(default)]
    patches_strategic_merge: Vec<serde_json::Value>,
    #[serde(default)]
    patches_json6902: Vec<RawPatch>,
}

#[derive(Debug, Default, Deserialize)]
struct RawPatch {
    #[serde(default)]
    path: Option<String>,
}

/// Kustomization files by directory (relative to the repository root).
#[derive(Debug, Clone, Default)]
pub struct KustomizeContext {
    by_dir: BTreeMap<PathBuf, KustomizeFile>,
    patch_files: BTreeSet<PathBuf>,
    /// Resource entry (file or directory) → directories of the kustomizations listing it.
    included_by: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

impl KustomizeContext {
    /// Records the kustomization file of `dir` (relative). A directory already known keeps its first file.
    pub fn insert(&mut self, dir: PathBuf, file: KustomizeFile) {
        if self.by_dir.contains_key(&dir) {
            return;
        }
        self.patch_files.extend(file.patch_files.iter().cloned());
        for r in file.resources.iter().chain(&file.components) {
            self.included_by
                .entry(r.clone())
                .or_default()
                .insert(dir.clone());
        }
        self.by_dir.insert(dir, file);
    }

    /// Whether `dir` (relative) already has a kustomization file.
    #[must_use]
    pub fn has_dir(&self, dir: &Path) -> bool {
        self.by_dir.contains_key(dir)
    }

    /// The kustomization file of `dir` (relative), if it has one.
    #[must_use]
    pub fn get(&self, dir: &Path) -> Option<&KustomizeFile> {
        self.by_dir.get(dir)
    }

    /// Number of kustomization files known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_dir.len()
    }

    /// Whether no kustomization file is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_dir.is_empty()
    }

    /// The namespace the kustomizations listing `rel_file` (relative to the root) give it, by the rule in
    /// the module doc; `None` when none lists it or none of them sets one.
    #[must_use]
    pub fn namespace_for(&self, rel_file: &Path) -> Option<&str> {
        self.first_includer(rel_file)
            .and_then(|first| self.outermost_namespace(first))
    }

    fn first_includer(&self, entry: &Path) -> Option<&Path> {
        self.included_by
            .get(entry)
            .and_then(|set| set.iter().next())
            .map(PathBuf::as_path)
    }

    /// Follows includers from the kustomization in `dir` to the entry point; the outermost namespace wins.
    fn outermost_namespace(&self, dir: &Path) -> Option<&str> {
        let mut chain = vec![dir];
        let mut current = dir;
        while let Some(parent) = self.first_includer(current) {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
            .iter()
            .rev()
            .find_map(|d| self.by_dir.get(*d).and_then(|k| k.namespace.as_deref()))
    }

    /// Whether some kustomization file uses `rel_file` as a patch.
    #[must_use]
    pub fn is_patch_file(&self, rel_file: &Path) -> bool {
        self.patch_files.contains(rel_file)
    }
}

/// The YAML options every repository read uses: YAML 1.2 booleans only (`no` stays a string) and one-line
/// error messages (the loader reports file and line itself).
#[must_use]
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true, with_snippet: false }
}

/// Parses a kustomization file found in `rel_dir`. Patch paths are resolved against `rel_dir`.
///
/// # Errors
/// Returns the YAML error (with its line) when the file is not valid YAML.
pub fn parse_kustomization(
    text: &str,
    rel_dir: &Path,
) -> Result<KustomizeFile, serde_saphyr::Error> {
    let raw: Option<RawKustomization> = serde_saphyr::from_str_with_options(text, yaml_options())?;
    let raw = raw.unwrap_or_default();
    let mut patch_files = Vec::new();
    let paths = raw
        .patches
        .iter()
        .chain(raw.patches_json6902.iter())
        .filter_map(|p| p.path.clone())
        .chain(
            raw.patches_strategic_merge
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                // Inline patches (a YAML document in the string) are not file names.
                .filter(|s| !s.contains('\n')),
        );
    for p in paths {
        if let Some(resolved) = normalize(&rel_dir.join(p)) {
            patch_files.push(resolved);
        }
    }
    let local = |entries: &[serde_json::Value]| -> Vec<PathBuf> {
        entries
            .iter()
            .filter_map(|v| v.as_str())
            .filter(|r| !r.contains("://") && !r.starts_with("github.com/"))
            .filter_map(|r| normalize(&rel_dir.join(r)))
            .collect()
    };
    let mut resources = local(&raw.resources);
    resources.extend(local(&raw.bases));
    Ok(KustomizeFile {
        namespace: raw.namespace.filter(|n| !n.is_empty()),
        patch_files,
        resources,
        components: local(&raw.components),
    })
}

/// Removes `.` and resolves `..` lexically; `None` when the path climbs above the root.
#[must_use]
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(s) => out.push(s),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_applies_only_to_what_the_kustomization_lists() {
        let mut ctx = KustomizeContext::default();
        let parse = |text: &str, dir: &str| parse_kustomization(text, Path::new(dir)).unwrap();
        ctx.insert(
            PathBuf::from("apps"),
            parse("namespace: outer\nresources:\n  - ./a\n", "apps"),
        );
        ctx.insert(
            PathBuf::from("apps/a"),
            parse("resources:\n  - x.yaml\n", "apps/a"),
        );
        ctx.insert(
            PathBuf::from("apps/b"),
            parse(
                "namespace: inner\nresources:\n  - ./c/x.yaml\ncomponents:\n  - ../../comp\n",
                "apps/b",
            ),
        );
        ctx.insert(
            PathBuf::from("comp"),
            parse("resources:\n  - y.yaml\n", "comp"),
        );
        assert_eq!(ctx.namespace_for(Path::new("apps/a/x.yaml")), Some("outer"));
        assert_eq!(
            ctx.namespace_for(Path::new("apps/b/c/x.yaml")),
            Some("inner")
        );
        // Below a kustomization with a namespace, but listed by none: no namespace from it.
        assert_eq!(ctx.namespace_for(Path::new("apps/a/unlisted.yaml")), None);
        assert_eq!(ctx.namespace_for(Path::new("apps/z.yaml")), None);
        // A component's resources take the namespace of the kustomization using it.
        assert_eq!(ctx.namespace_for(Path::new("comp/y.yaml")), Some("inner"));
        assert_eq!(ctx.namespace_for(Path::new("other/x.yaml")), None);
    }

    #[test]
    fn an_overlay_namespace_wins_over_its_base_and_reaches_files_outside_its_tree() {
        let mut ctx = KustomizeContext::default();
        let parse = |text: &str, dir: &str| parse_kustomization(text, Path::new(dir)).unwrap();
        ctx.insert(
            PathBuf::from("base/app"),
            parse(
                "namespace: base\nresources:\n  - ./release.yaml\n",
                "base/app",
            ),
        );
        ctx.insert(
            PathBuf::from("clusters/prod/app"),
            parse(
                "namespace: prod\nresources:\n  - ../../../base/app\n",
                "clusters/prod/app",
            ),
        );
        ctx.insert(
            PathBuf::from("base/plain"),
            parse("resources:\n  - ./hr.yaml\n", "base/plain"),
        );
        ctx.insert(
            PathBuf::from("clusters/prod/plain"),
            parse(
                "namespace: media\nresources:\n  - ../../../base/plain\n",
                "clusters/prod/plain",
            ),
        );
        assert_eq!(
            ctx.namespace_for(Path::new("base/app/release.yaml")),
            Some("prod")
        );
        assert_eq!(
            ctx.namespace_for(Path::new("base/plain/hr.yaml")),
            Some("media")
        );
    }

    #[test]
    fn patch_paths_are_resolved_against_the_kustomization_directory() {
        let text = "namespace: apps\npatches:\n  - path: dev-team-patch.yaml\n  - patch: |\n      - op: add\npatchesStrategicMerge:\n  - ../base/values.yaml\n";
        let k = parse_kustomization(text, Path::new("tenants/staging"));
        let k = k.ok();
        assert_eq!(
            k.as_ref().map(|k| k.patch_files.clone()),
            Some(vec![
                PathBuf::from("tenants/staging/dev-team-patch.yaml"),
                PathBuf::from("tenants/base/values.yaml"),
            ])
        );
        assert_eq!(k.and_then(|k| k.namespace), Some("apps".to_owned()));
    }

    #[test]
    fn normalize_refuses_to_climb_above_the_root() {
        assert_eq!(
            normalize(Path::new("a/./b/../c")),
            Some(PathBuf::from("a/c"))
        );
        assert_eq!(normalize(Path::new("../x")), None);
    }
}
