//! Where the shared data lives (`../shared/data`) and the shared fleets in it.

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
