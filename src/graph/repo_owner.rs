//! Who applies what in a GitOps repository (`fluxops graph --from-dir`): the Kustomization whose `spec.path`
//! holds a file applies the objects defined in it. kustomize-controller records that on every object it
//! applies as the `kustomize.toolkit.fluxcd.io/name|namespace` labels (FLUX.md §2), so the same labels are put
//! on the loaded objects and the graph gets the same ownership edges it would get from the cluster.
//!
//! The rule: the Kustomization with the longest `spec.path` (relative to the repository root, `./` stripped)
//! that is a parent directory of the object's file, other than the object itself. Objects that already carry
//! the labels keep them. Not followed: `resources:` of kustomization files that reach outside the path
//! (`../base/app`), and paths inside a different source than the repository (an object is attributed only when
//! the Kustomization's path exists in the loaded tree).

use crate::flux::FluxKind;
use crate::flux::repo::RepoLoad;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

const NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
const NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";

/// `./apps/production/` → `apps/production` (no `..`, no root).
fn normalize(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Labels every loaded object with the Kustomization that applies it (see the module doc); `root` is the
/// loaded directory. Returns how many objects were labelled.
pub fn label_repo_owners(load: &mut RepoLoad, root: &Path) -> usize {
    // path → (name, namespace) of the Kustomizations, whose path exists in the tree.
    let mut by_path: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    for obj in &load.objects {
        if obj.flux_kind() != Some(FluxKind::Kustomization) {
            continue;
        }
        let Some(path) = obj.spec.path.as_deref().and_then(normalize) else {
            continue;
        };
        if root.join(&path).is_dir() {
            by_path
                .entry(path)
                .or_insert_with(|| (obj.name().to_owned(), obj.namespace().to_owned()));
        }
    }
    let mut labelled = 0;
    for (obj, origin) in load.objects.iter_mut().zip(&load.origins) {
        let file = origin.file.strip_prefix(root).unwrap_or(&origin.file);
        let Some(dir) = file.parent() else {
            continue;
        };
        let me = (obj.name().to_owned(), obj.namespace().to_owned());
        let is_ks = obj.flux_kind() == Some(FluxKind::Kustomization);
        let owner = dir
            .ancestors()
            .filter_map(|a| by_path.get(a))
            .find(|owner| !(is_ks && **owner == me));
        let Some((name, namespace)) = owner else {
            continue;
        };
        let labels = obj.metadata.labels.get_or_insert_with(BTreeMap::new);
        if labels.contains_key(NAME_LABEL) {
            continue;
        }
        labels.insert(NAME_LABEL.to_owned(), name.clone());
        labels.insert(NAMESPACE_LABEL.to_owned(), namespace.clone());
        labelled += 1;
    }
    labelled
}
