//! The snapshot manifest (`manifest.json`): format version, the tool that wrote it, the cluster (API server
//! URL and kubeconfig context), when, what was asked (scope, inventory, Secrets), the resourceVersion the lists
//! were taken at, counts per kind, and every object file with its SHA-256, size and object count. The format is
//! docs/SNAPSHOTS.md; reading is strict (an unknown field is an error, a newer format is refused). Pure.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's file name in a snapshot directory.
pub const FILE_NAME: &str = "manifest.json";
/// The folder of the object files in a snapshot directory.
pub const OBJECTS_DIR: &str = "objects";

/// The manifest of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] when written.
    pub format: u32,
    /// `fluxops <version>`.
    pub tool: String,
    pub id: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// The API server URL.
    pub cluster: String,
    /// The kubeconfig context.
    pub context: String,
    /// `all namespaces` or `namespace <name>`.
    pub scope: String,
    /// Whether the live objects the inventories list were taken too.
    pub with_inventory: bool,
    /// The resourceVersion every Flux list was read at (`None` when the server would not list at one).
    #[serde(default)]
    pub resource_version: Option<String>,
    /// Whether every Flux kind was listed at [`Self::resource_version`].
    pub consistent: bool,
    /// Objects per kind (`Kind.group`, the core group as `Kind`).
    pub counts: BTreeMap<String, u64>,
    /// All objects.
    pub objects: u64,
    /// Secrets an inventory listed, left out (never stored): `Secret/ns/name`.
    #[serde(default)]
    pub excluded: Vec<String>,
    /// Inventory entries that could not be read (not served, forbidden), with why.
    #[serde(default)]
    pub unreadable: Vec<String>,
    pub files: Vec<FileEntry>,
}

/// One object file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the snapshot directory: `objects/<name>.yaml`.
    pub path: String,
    /// `sha256:<lower-case hex>` of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
    pub objects: u64,
}

/// The counts key of a kind: `Kind.group`, or `Kind` for the core group.
#[must_use]
pub fn kind_key(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}

/// Whether `path` is a manifest file path fluxops writes (`objects/<safe name>.yaml`): nothing else is read.
#[must_use]
pub fn safe_path(path: &str) -> bool {
    let Some(name) = path
        .strip_prefix(OBJECTS_DIR)
        .and_then(|p| p.strip_prefix('/'))
    else {
        return false;
    };
    let Some(stem) = name.strip_suffix(".yaml") else {
        return false;
    };
    !stem.is_empty()
        && !stem.starts_with('.')
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_object_file_paths_are_safe() {
        assert!(safe_path(
            "objects/Kustomization.kustomize.toolkit.fluxcd.io.yaml"
        ));
        assert!(safe_path("objects/ConfigMap.yaml"));
        for bad in [
            "objects/../manifest.json",
            "../x.yaml",
            "/etc/passwd",
            "objects/a/b.yaml",
            "objects/.yaml",
            "objects/..yaml",
            "objects/x.json",
            "x.yaml",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
        assert_eq!(kind_key("", "ConfigMap"), "ConfigMap");
        assert_eq!(kind_key("apps", "Deployment"), "Deployment.apps");
    }
}
