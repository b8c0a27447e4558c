//! The plain kustomize `kustomization.yaml` files of a GitOps repository, read for two facts the loader needs:
//! the `namespace:` they give to the objects below them, and which files they use as patches.
//!
//! Namespace rule (decided here, used by `repo`): an object gets the `namespace:` of the **nearest**
//! kustomization file that sets one, looking in the object's own directory first and then in each parent
//! directory up to the repository root. Like kustomize's namespace transformer, that namespace replaces
//! `metadata.namespace`. We do not follow `resources:` lists: in real fleets the directory layout and the
//! resource lists agree (a parent lists its child directories), and following lists would need a full
//! kustomize build (remote bases, components, overlays listing the same base twice for two clusters).

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
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKustomization {
    #[serde(default)]
    namespace: Option<String>,
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
}

impl KustomizeContext {
    /// Records the kustomization file of `dir` (relative). A directory already known keeps its first file.
    pub fn insert(&mut self, dir: PathBuf, file: KustomizeFile) {
        if self.by_dir.contains_key(&dir) {
            return;
        }
        self.patch_files.extend(file.patch_files.iter().cloned());
        self.by_dir.insert(dir, file);
    }

    /// Whether `dir` (relative) already has a kustomization file.
    #[must_use]
    pub fn has_dir(&self, dir: &Path) -> bool {
        self.by_dir.contains_key(dir)
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

    /// The namespace for a file at `rel_file` (relative to the root), by the nearest-up-the-tree rule.
    #[must_use]
    pub fn namespace_for(&self, rel_file: &Path) -> Option<&str> {
        let mut dir = rel_file.parent();
        while let Some(d) = dir {
            if let Some(ns) = self.by_dir.get(d).and_then(|k| k.namespace.as_deref()) {
                return Some(ns);
            }
            dir = d.parent();
        }
        None
    }

    /// Whether some kustomization file uses `rel_file` as a patch.
    #[must_use]
    pub fn is_patch_file(&self, rel_file: &Path) -> bool {
        self.patch_files.contains(rel_file)
    }
}

/// Parses a kustomization file found in `rel_dir`. Patch paths are resolved against `rel_dir`.
///
/// # Errors
/// Returns the YAML error (with its line) when the file is not valid YAML.
pub fn parse_kustomization(
    text: &str,
    rel_dir: &Path,
) -> Result<KustomizeFile, serde_saphyr::Error> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    let raw: Option<RawKustomization> = serde_saphyr::from_str_with_options(text, options)?;
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
    Ok(KustomizeFile {
        namespace: raw.namespace.filter(|n| !n.is_empty()),
        patch_files,
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
    fn nearest_kustomization_with_a_namespace_wins() {
        let mut ctx = KustomizeContext::default();
        ctx.insert(
            PathBuf::from("apps"),
            KustomizeFile {
                namespace: Some("outer".into()),
                patch_files: vec![],
            },
        );
        ctx.insert(PathBuf::from("apps/a"), KustomizeFile::default());
        ctx.insert(
            PathBuf::from("apps/b"),
            KustomizeFile {
                namespace: Some("inner".into()),
                patch_files: vec![],
            },
        );
        assert_eq!(ctx.namespace_for(Path::new("apps/a/x.yaml")), Some("outer"));
        assert_eq!(
            ctx.namespace_for(Path::new("apps/b/c/x.yaml")),
            Some("inner")
        );
        assert_eq!(ctx.namespace_for(Path::new("other/x.yaml")), None);
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
