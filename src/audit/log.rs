//! Appending to the audit log: one JSON line per record, under an exclusive file lock, `fsync`ed before
//! [`AuditLog::append`] returns. The new record's `prev` is read from the last line of the file, so two fluxops
//! processes appending in turn keep one chain.
//!
//! **The rule for callers:** a mutation happens only after its decision record was appended; `append` returns a
//! `Result`, and an error stops the action before anything is sent (an unwritable log means no action).

use super::record::{Body, DIGEST_FIELD, Event, GENESIS, split_digest};
use crate::actions::params::sha256_hex;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The environment variable that moves the data directory (tests, containers).
pub const DATA_DIR_ENV: &str = "FLUXOPS_DATA_DIR";
/// The log's file name in the data directory.
pub const FILE_NAME: &str = "audit.jsonl";
/// How much of the file's end is read to find the last record.
const TAIL_BYTES: u64 = 1024 * 1024;

/// Why a record could not be written or the log read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("no data directory for the audit log (set {DATA_DIR_ENV})")]
    NoDataDir,
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit log {path}: {problem}; run `fluxops audit --verify`")]
    Corrupt { path: PathBuf, problem: String },
    #[error("audit record could not be serialised: {0}")]
    Serialise(String),
    #[error("audit log {0}")]
    Read(#[from] crate::bounded_file::Error),
}

/// The largest audit log `fluxops audit` reads whole (appends are not limited: they read the last record only).
pub const MAX_READ: crate::bounded_file::Limit = crate::bounded_file::Limit {
    bytes: 256 << 20,
    what: "audit logs (rotate the log to verify an older part)",
};

/// Where a record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    pub digest: String,
}

/// The audit log at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// The log at `path`.
    #[must_use]
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The log in the data directory: `$FLUXOPS_DATA_DIR/audit.jsonl`, else the platform data directory's
    /// (`~/.local/share/fluxops/audit.jsonl` on Linux).
    ///
    /// # Errors
    /// No data directory can be determined.
    pub fn default_location() -> Result<Self, AuditError> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::at(PathBuf::from(dir).join(FILE_NAME)));
        }
        directories::ProjectDirs::from("io", "fluxops", "fluxops")
            .map(|p| Self::at(p.data_dir().join(FILE_NAME)))
            .ok_or(AuditError::NoDataDir)
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> AuditError {
        AuditError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `event` at `time` (RFC 3339), chained to the last record, and syncs it to disk.
    ///
    /// # Errors
    /// The directory or file cannot be created, locked, read, written or synced, or the file's last line is not
    /// a complete record (a torn write): nothing is appended then.
    pub fn append(&self, event: &Event, time: &str) -> Result<Appended, AuditError> {
        let created = !self.path.exists();
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(|e| self.io(e))?;
        // Opened read-write, a FIFO or device does not block the open; it is refused here, before any read.
        if !file.metadata().map_err(|e| self.io(e))?.is_file() {
            return Err(AuditError::Corrupt {
                path: self.path.clone(),
                problem: "not a regular file".to_owned(),
            });
        }
        file.lock().map_err(|e| self.io(e))?;
        let result = self.append_locked(&mut file, event, time);
        let _ = file.unlock();
        if created && result.is_ok() {
            sync_dir(&self.path);
        }
        result
    }

    fn append_locked(
        &self,
        file: &mut File,
        event: &Event,
        time: &str,
    ) -> Result<Appended, AuditError> {
        let (seq, prev) = self.last(file)?;
        let body = Body {
            seq: seq + 1,
            time,
            event,
            prev: &prev,
        };
        let body = crate::machine_text::to_json_string(&body)
            .map_err(|e| AuditError::Serialise(e.to_string()))?;
        let digest = sha256_hex(body.as_bytes());
        let Some(open) = body.strip_suffix('}') else {
            return Err(AuditError::Serialise(
                "a record is not a JSON object".to_owned(),
            ));
        };
        let line = format!("{open}{DIGEST_FIELD}{digest}\"}}\n");
        file.write_all(line.as_bytes()).map_err(|e| self.io(e))?;
        file.sync_data().map_err(|e| self.io(e))?;
        Ok(Appended {
            seq: seq + 1,
            digest,
        })
    }

    /// The last record's sequence number and digest (0 and [`GENESIS`] for an empty log).
    fn last(&self, file: &mut File) -> Result<(u64, String), AuditError> {
        let len = file.metadata().map_err(|e| self.io(e))?.len();
        if len == 0 {
            return Ok((0, GENESIS.to_owned()));
        }
        let start = len.saturating_sub(TAIL_BYTES);
        file.seek(SeekFrom::Start(start)).map_err(|e| self.io(e))?;
        let mut tail = Vec::new();
        // bounded-read: at most TAIL_BYTES of the regular file checked in `append`.
        file.take(TAIL_BYTES)
            .read_to_end(&mut tail) // bounded-read: as above
            .map_err(|e| self.io(e))?;
        let corrupt = |problem: &str| AuditError::Corrupt {
            path: self.path.clone(),
            problem: problem.to_owned(),
        };
        if tail.last() != Some(&b'\n') {
            return Err(corrupt("the last record is incomplete (no newline)"));
        }
        let text = String::from_utf8_lossy(&tail[..tail.len() - 1]);
        let line = text.rsplit('\n').next().unwrap_or_default();
        let (_, digest) =
            split_digest(line).ok_or_else(|| corrupt("the last line has no digest"))?;
        let seq = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
            .ok_or_else(|| corrupt("the last line has no sequence number"))?;
        Ok((seq, digest.to_owned()))
    }
}

/// Makes a new file's directory entry durable (best effort: not every platform can sync a directory).
fn sync_dir(path: &Path) {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return;
    };
    let opened = File::open(dir); // bounded-read: a directory opened to sync it, nothing read
    if let Ok(dir) = opened {
        let _ = dir.sync_all();
    }
}
