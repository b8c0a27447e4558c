//! Who applies what in a GitOps repository (`fluxops graph --from-dir`): the Kustomization whose `spec.path`
//! holds a file applies the objects defined in it. kustomize-controller records that on every object it
//! applies as the `kustomize.toolkit.fluxcd.io/name|namespace` labels (FLUX.md §2), so the same labels are put
//! on the loaded objects and the graph gets the same ownership edges it would get from the cluster.
//!
//! The rule: the Kustomization with the longest `spec.path` (relative to the repository root, `./` stripped)
//! that is a parent directory of the object's file, other than the object itself. Objects that already carry
//! the labels keep them. Not followed: `resources:` of kustomization files that reach outside the path
//! (`../base/app`); a Kustomization whose source is another repository is matched by its path as if it were
//! this one. Pure: paths are compared, the file system is not read.

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
    // path → (name, namespace) of the Kustomizations (the first by load order for a shared path).
    let mut by_path: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    for obj in &load.objects {
        if obj.flux_kind() != Some(FluxKind::Kustomization) {
            continue;
        }
        let Some(path) = obj.spec.path.as_deref().and_then(normalize) else {
            continue;
        };
        by_path
            .entry(path)
            .or_insert_with(|| (obj.name().to_owned(), obj.namespace().to_owned()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::FluxObject;
    use crate::flux::repo::Origin;

    fn add(load: &mut RepoLoad, kind: &str, name: &str, path: Option<&str>, file: &str) {
        let mut spec = serde_json::json!({});
        if let Some(p) = path {
            spec["path"] = serde_json::json!(p);
        }
        let obj: FluxObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "x", "kind": kind,
            "metadata": {"name": name, "namespace": "flux-system"}, "spec": spec
        }))
        .unwrap();
        load.objects.push(obj);
        load.origins.push(Origin {
            file: PathBuf::from("/repo").join(file),
            line: Some(1),
        });
    }

    fn owner(load: &RepoLoad, i: usize) -> Option<&str> {
        load.objects[i]
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(NAME_LABEL))
            .map(String::as_str)
    }

    #[test]
    fn the_longest_holding_path_owns_a_file_and_a_kustomization_never_owns_itself() {
        let mut load = RepoLoad::default();
        add(
            &mut load,
            "Kustomization",
            "flux-system",
            Some("./clusters/prod"),
            "clusters/prod/flux-system/sync.yaml",
        );
        add(
            &mut load,
            "Kustomization",
            "apps",
            Some("./clusters/prod/apps/"),
            "clusters/prod/apps.yaml",
        );
        add(
            &mut load,
            "HelmRelease",
            "web",
            None,
            "clusters/prod/apps/web/release.yaml",
        );
        add(
            &mut load,
            "GitRepository",
            "flux-system",
            None,
            "clusters/prod/flux-system/sync.yaml",
        );
        add(
            &mut load,
            "HelmRelease",
            "elsewhere",
            None,
            "apps/base/x.yaml",
        );
        add(
            &mut load,
            "Kustomization",
            "escape",
            Some("../outside"),
            "clusters/prod/escape.yaml",
        );
        let labelled = label_repo_owners(&mut load, Path::new("/repo"));
        assert_eq!(owner(&load, 0), None);
        assert_eq!(owner(&load, 1), Some("flux-system"));
        assert_eq!(owner(&load, 2), Some("apps"));
        assert_eq!(owner(&load, 3), Some("flux-system"));
        assert_eq!(owner(&load, 4), None);
        assert_eq!(owner(&load, 5), Some("flux-system"));
        assert_eq!(labelled, 4);
    }
}
