//! Snapshots on disk: the data directory's `snapshots/` folder (`$FLUXOPS_DATA_DIR/snapshots`, else the
//! platform data directory's, `~/.local/share/fluxops/snapshots` on Linux), one directory per snapshot with
//! `manifest.json` and `objects/<Kind.group>.yaml` (a YAML sequence of objects per kind).
//!
//! - [`write`]: into a hidden sibling first, every file and the directory synced, then renamed into place, so
//!   a snapshot directory is either whole or absent;
//! - [`load`]: the manifest (strict), then every file it lists through `bounded_file`, its SHA-256 and size
//!   compared with the manifest's, its YAML parsed and counted; a file missing, extra, truncated, edited or not
//!   YAML refuses the whole snapshot with the file named ([`LoadError`]);
//! - [`list`]: the snapshots in the data directory, newest first (a broken one listed with why).

use super::manifest::{self, FileEntry, Manifest};
use super::object::ObjectKey;
use crate::actions::params::sha256_hex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest object file read (a kind of a very large fleet).
pub const MAX_FILE: crate::bounded_file::Limit = crate::bounded_file::Limit {
    bytes: 512 << 20,
    what: "snapshot object files",
};
/// The largest manifest read.
pub const MAX_MANIFEST: crate::bounded_file::Limit = crate::bounded_file::Limit {
    bytes: 16 << 20,
    what: "snapshot manifests",
};

/// Why a snapshot could not be read: always names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("snapshot {dir}: no such snapshot (see `fluxops snapshot list`)")]
    Missing { dir: PathBuf },
    #[error("snapshot refused: {file}: {problem}")]
    Refused { file: PathBuf, problem: String },
}

fn refused(file: &Path, problem: impl Into<String>) -> LoadError {
    LoadError::Refused {
        file: file.to_path_buf(),
        problem: problem.into(),
    }
}

/// Why a snapshot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "no data directory for snapshots (set {})",
        crate::audit::log::DATA_DIR_ENV
    )]
    NoDataDir,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} already exists: a snapshot is written to a new directory")]
    Exists { path: PathBuf },
    #[error("objects could not be written as YAML: {0}")]
    Yaml(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A snapshot read and verified.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// Every object by its key.
    pub objects: BTreeMap<ObjectKey, Value>,
}

/// The folder of the data directory's snapshots.
///
/// # Errors
/// No data directory can be determined.
pub fn root() -> Result<PathBuf, WriteError> {
    if let Some(dir) = std::env::var_os(crate::audit::log::DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("snapshots"));
    }
    directories::ProjectDirs::from("io", "fluxops", "fluxops")
        .map(|p| p.data_dir().join("snapshots"))
        .ok_or(WriteError::NoDataDir)
}

/// Where the snapshot `id` is: a path when it names a directory (has a `/` or exists), else `root/id`.
#[must_use]
pub fn resolve(root: &Path, id: &str) -> PathBuf {
    let as_path = Path::new(id);
    if id.contains('/') || (as_path.is_dir() && as_path.join(manifest::FILE_NAME).exists()) {
        as_path.to_path_buf()
    } else {
        root.join(id)
    }
}

/// A new snapshot id: the UTC time and four random hex digits (`20261203-211500-3fa9`).
#[must_use]
pub fn new_id() -> String {
    let now = k8s_openapi::jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    format!("{now}-{:04x}", rand::random::<u16>())
}

/// The object file name of a kind.
#[must_use]
pub fn file_name(group: &str, kind: &str) -> String {
    format!(
        "{}/{}.yaml",
        manifest::OBJECTS_DIR,
        manifest::kind_key(group, kind)
    )
}

/// Writes `objects` (grouped by kind file) and `manifest` (its `files`, `counts` and `objects` filled here) as
/// the snapshot directory `dir`; see the module doc.
///
/// # Errors
/// `dir` exists, or a file cannot be written.
pub fn write(
    dir: &Path,
    mut manifest: Manifest,
    objects: &BTreeMap<ObjectKey, Value>,
) -> Result<Manifest, WriteError> {
    if dir.exists() {
        return Err(WriteError::Exists {
            path: dir.to_path_buf(),
        });
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".to_owned());
    let staging = parent.join(format!(".{name}.partial-{:08x}", rand::random::<u32>()));
    let result = write_staged(&staging, &mut manifest, objects).and_then(|()| {
        std::fs::rename(&staging, dir).map_err(io(dir))?;
        sync(parent);
        Ok(())
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| manifest)
}

fn write_staged(
    staging: &Path,
    manifest: &mut Manifest,
    objects: &BTreeMap<ObjectKey, Value>,
) -> Result<(), WriteError> {
    let objects_dir = staging.join(manifest::OBJECTS_DIR);
    std::fs::create_dir_all(&objects_dir).map_err(io(&objects_dir))?;
    let mut by_file: BTreeMap<String, (String, Vec<&Value>)> = BTreeMap::new();
    for (key, obj) in objects {
        by_file
            .entry(file_name(key.group(), &key.kind))
            .or_insert_with(|| (manifest::kind_key(key.group(), &key.kind), Vec::new()))
            .1
            .push(obj);
    }
    manifest.files.clear();
    manifest.counts.clear();
    for (path, (kind, items)) in &by_file {
        let text = serde_saphyr::to_string(items).map_err(|e| WriteError::Yaml(e.to_string()))?;
        let full = staging.join(path);
        write_synced(&full, text.as_bytes())?;
        let count = u64::try_from(items.len()).unwrap_or(u64::MAX);
        manifest.counts.insert(kind.clone(), count);
        manifest.files.push(FileEntry {
            path: path.clone(),
            sha256: sha256_hex(text.as_bytes()),
            bytes: u64::try_from(text.len()).unwrap_or(u64::MAX),
            objects: count,
        });
    }
    manifest.objects = u64::try_from(objects.len()).unwrap_or(u64::MAX);
    manifest.format = manifest::FORMAT_VERSION;
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| WriteError::Yaml(e.to_string()))?;
    write_synced(&staging.join(manifest::FILE_NAME), text.as_bytes())?;
    sync(&objects_dir);
    sync(staging);
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Syncs a directory's entries (best effort: not every platform can).
fn sync(dir: &Path) {
    if let Ok(d) = std::fs::File::options().read(true).open(dir) {
        let _ = d.sync_all();
    }
}

/// Reads and verifies the snapshot in `dir`; see the module doc.
///
/// # Errors
/// The directory is not a snapshot, or any file is missing, extra, altered or not what the manifest says.
pub fn load(dir: &Path) -> Result<Snapshot, LoadError> {
    let manifest_path = dir.join(manifest::FILE_NAME);
    if !dir.is_dir() {
        return Err(LoadError::Missing {
            dir: dir.to_path_buf(),
        });
    }
    let manifest = read_manifest(&manifest_path)?;
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    let objects_dir = dir.join(manifest::OBJECTS_DIR);
    if let Ok(entries) = std::fs::read_dir(&objects_dir) {
        for entry in entries.flatten() {
            let rel = format!(
                "{}/{}",
                manifest::OBJECTS_DIR,
                entry.file_name().to_string_lossy()
            );
            if !listed.contains(&rel.as_str()) {
                return Err(refused(&entry.path(), "a file the manifest does not list"));
            }
        }
    }
    let mut objects = BTreeMap::new();
    for entry in &manifest.files {
        let path = dir.join(&entry.path);
        for (key, obj) in read_file(&path, entry)? {
            if key.is_secret() {
                return Err(refused(
                    &path,
                    format!("holds {key}: snapshots never hold Secrets"),
                ));
            }
            if objects.insert(key.clone(), obj).is_some() {
                return Err(refused(&path, format!("{key} appears twice")));
            }
        }
    }
    if u64::try_from(objects.len()).ok() != Some(manifest.objects) {
        return Err(refused(
            &manifest_path,
            format!(
                "lists {} objects, the files hold {}",
                manifest.objects,
                objects.len()
            ),
        ));
    }
    Ok(Snapshot {
        dir: dir.to_path_buf(),
        manifest,
        objects,
    })
}

fn read_manifest(path: &Path) -> Result<Manifest, LoadError> {
    let text = crate::bounded_file::read_to_string(path, MAX_MANIFEST)
        .map_err(|e| refused(path, e.problem.to_string()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| refused(path, format!("not a snapshot manifest: {e}")))?;
    if manifest.format != manifest::FORMAT_VERSION {
        return Err(refused(
            path,
            format!(
                "format {} (this fluxops reads format {})",
                manifest.format,
                manifest::FORMAT_VERSION
            ),
        ));
    }
    if let Some(bad) = manifest
        .files
        .iter()
        .find(|f| !manifest::safe_path(&f.path))
    {
        return Err(refused(
            path,
            format!(
                "names the file '{}', which is not objects/<name>.yaml",
                crate::text::sanitize(&bad.path)
            ),
        ));
    }
    Ok(manifest)
}

fn read_file(path: &Path, entry: &FileEntry) -> Result<Vec<(ObjectKey, Value)>, LoadError> {
    let bytes = crate::bounded_file::read(path, MAX_FILE)
        .map_err(|e| refused(path, e.problem.to_string()))?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size != entry.bytes {
        return Err(refused(
            path,
            format!(
                "{size} bytes, the manifest says {} (truncated or altered)",
                entry.bytes
            ),
        ));
    }
    let digest = sha256_hex(&bytes);
    if digest != entry.sha256 {
        return Err(refused(
            path,
            format!(
                "checksum mismatch: SHA-256 {digest}, the manifest says {} (corrupt or altered)",
                crate::text::sanitize(&entry.sha256)
            ),
        ));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|e| refused(path, format!("not UTF-8 text: {e}")))?;
    let items: Vec<Value> = serde_saphyr::from_str(text)
        .map_err(|e| refused(path, crate::text::sanitize(&e.to_string()).into_owned()))?;
    if u64::try_from(items.len()).ok() != Some(entry.objects) {
        return Err(refused(
            path,
            format!(
                "{} objects, the manifest says {}",
                items.len(),
                entry.objects
            ),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, obj)| {
            ObjectKey::of(&obj).map(|k| (k, obj)).ok_or_else(|| {
                refused(
                    path,
                    format!("item {} has no apiVersion, kind or name", i + 1),
                )
            })
        })
        .collect()
}

/// One entry of [`list`].
#[derive(Debug)]
pub struct Listed {
    pub id: String,
    pub dir: PathBuf,
    /// The manifest, or why it cannot be read (the files are verified by [`load`] only).
    pub manifest: Result<Manifest, String>,
}

/// The snapshots under `root`, newest first (by id, which starts with the time); hidden and partial
/// directories are skipped.
#[must_use]
pub fn list(root: &Path) -> Vec<Listed> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<Listed> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let id = e.file_name().to_string_lossy().into_owned();
            (!id.starts_with('.')).then(|| {
                let dir = e.path();
                let manifest =
                    read_manifest(&dir.join(manifest::FILE_NAME)).map_err(|e| e.to_string());
                Listed { id, dir, manifest }
            })
        })
        .collect();
    out.sort_by(|a, b| b.id.cmp(&a.id));
    out
}
