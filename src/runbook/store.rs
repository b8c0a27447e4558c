//! Walks kept in the data directory (`$FLUXOPS_DATA_DIR/runbooks/`, else the platform data directory, as the
//! audit log finds it): one JSON file per target (`<Kind>_<namespace>_<name>.json`), written to a temporary
//! file, fsynced and renamed over the old one (then the directory fsynced) after every step, so a killed
//! process loses nothing and resumes where it was. A walk holds an exclusive lock on `<key>.lock` while it runs
//! (released by the OS when the process dies), so a second walk on the same target is refused while the first
//! runs; an unfinished walk of another runbook on the target is refused too until it is finished or discarded.

use super::walk::Walk;
use crate::actions::TargetRef;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest walk file read.
const MAX_WALK_BYTES: u64 = 16 << 20;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data directory (set FLUXOPS_DATA_DIR)")]
    NoDataDir,
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a walk this version can read: {why}")]
    Corrupt { path: String, why: String },
    #[error(
        "a walk on {target} is already running in another process; wait for it or stop it first"
    )]
    Busy { target: String },
    #[error(
        "an unfinished walk of runbook '{runbook}' on {target} (started {started}) exists: resume it with `fluxops runbook run {runbook} --target {target}`, or discard it with --discard"
    )]
    Other {
        runbook: String,
        target: String,
        started: String,
    },
}

/// Where walks are kept.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// The lock on one target's walk, held until dropped.
#[derive(Debug)]
pub struct Claim {
    _file: File,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    /// The store under the data directory.
    ///
    /// # Errors
    /// No data directory can be determined.
    pub fn default_location() -> Result<Self, StoreError> {
        if let Some(dir) =
            std::env::var_os(crate::audit::log::DATA_DIR_ENV).filter(|d| !d.is_empty())
        {
            return Ok(Self::at(PathBuf::from(dir).join("runbooks")));
        }
        directories::ProjectDirs::from("io", "fluxops", "fluxops")
            .map(|p| Self::at(p.data_dir().join("runbooks")))
            .ok_or(StoreError::NoDataDir)
    }

    #[must_use]
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file name stem of a target's walk.
    #[must_use]
    pub fn key(target: &TargetRef) -> String {
        let raw = format!(
            "{}_{}_{}",
            target.kind.as_str(),
            target.namespace.as_deref().unwrap_or("-"),
            target.name
        );
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    fn path(&self, target: &TargetRef) -> PathBuf {
        self.dir.join(format!("{}.json", Self::key(target)))
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))
    }

    /// Locks `target` for this process.
    ///
    /// # Errors
    /// Another process holds it ([`StoreError::Busy`]), or the lock file cannot be made.
    pub fn claim(&self, target: &TargetRef) -> Result<Claim, StoreError> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{}.lock", Self::key(target)));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(Claim { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Busy {
                target: target.to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }

    /// The saved walk on `target`, if any.
    ///
    /// # Errors
    /// The file cannot be read or is not a walk.
    pub fn load(&self, target: &TargetRef) -> Result<Option<Walk>, StoreError> {
        let path = self.path(target);
        if !path.exists() {
            return Ok(None);
        }
        read(&path).map(Some)
    }

    /// Saves `walk` atomically (temporary file, fsync, rename, directory fsync).
    ///
    /// # Errors
    /// Any write failing.
    pub fn save(&self, walk: &Walk) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let path = self.path(&walk.binding.target);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(walk).map_err(|e| StoreError::Corrupt {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        let mut file = File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(&text).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        // The rename itself made durable: the directory is opened only to fsync it, nothing is read.
        if let Ok(dir) = OpenOptions::new().read(true).open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Moves the walk on `target` aside (`<key>.<started>.json`) so a new one can begin; the record stays.
    ///
    /// # Errors
    /// The rename failing.
    pub fn archive(&self, walk: &Walk) -> Result<(), StoreError> {
        let path = self.path(&walk.binding.target);
        let aside = self.dir.join(format!(
            "{}.{}.json",
            Self::key(&walk.binding.target),
            walk.started
        ));
        if path.exists() {
            std::fs::rename(&path, &aside).map_err(io(&path))?;
        }
        Ok(())
    }

    /// Every current walk (one per target), unreadable files skipped.
    #[must_use]
    pub fn list(&self) -> Vec<Walk> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<Walk> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter(|p| {
                p.file_stem()
                    .is_some_and(|s| !s.to_string_lossy().contains('.'))
            })
            .filter_map(|p| read(&p).ok())
            .collect();
        out.sort_by_key(|w| w.started);
        out
    }
}

fn read(path: &Path) -> Result<Walk, StoreError> {
    let limit = crate::bounded_file::Limit {
        bytes: MAX_WALK_BYTES,
        what: "runbook walk files",
    };
    let text =
        crate::bounded_file::read_to_string(path, limit).map_err(|e| StoreError::Corrupt {
            path: path.display().to_string(),
            why: e.problem.to_string(),
        })?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        path: path.display().to_string(),
        why: e.to_string(),
    })
}
