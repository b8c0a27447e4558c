//! Where the shared data lives (`../shared/data`) and the shared fleets in it.

use fluxops::flux::FluxObject;
use fluxops::flux::repo::{self, RepoLoad};
use std::path::PathBuf;

pub fn data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}

/// Every shared fleet (not the context tree).
pub fn fleets() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(data().join("fleets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    out.sort();
    assert!(out.len() >= 4, "{out:?}");
    out
}

/// The shared fleet `fleet` loaded with `flux::repo` and its kustomize context.
pub fn load_fleet(fleet: &str) -> RepoLoad {
    let base = data().join("fleets");
    let context = base.join("_kustomize-context").join(fleet);
    repo::load_dir_with_context(&base.join(fleet), Some(&context)).unwrap()
}

/// The objects of the shared fleet `fleet` (see `load_fleet`).
pub fn fleet_objects(fleet: &str) -> Vec<FluxObject> {
    load_fleet(fleet).objects
}
