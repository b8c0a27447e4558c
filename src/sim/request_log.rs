//! The request log: one `LoggedRequest` per HTTP request the simulated API server answered, kept
//! in memory so tests can prove what did (or did not) reach the cluster, and optionally appended to a file as
//! JSON lines (`fluxops sim --request-log FILE`: `{"timestamp", "verb", "method", "path", "user", "status",
//! "dryRun"}` per request, flushed per line) so anyone can check what a client sent.

use serde_json::json;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query, as sent.
    pub path_and_query: String,
    /// Request `content-type`, if any.
    pub content_type: Option<String>,
    /// Request `accept`, if any.
    pub accept: Option<String>,
    pub body_bytes: usize,
    /// Response status code.
    pub status: u16,
    /// `dryRun=All` was requested (query or DeleteOptions body).
    pub dry_run: bool,
    /// When the request arrived (RFC 3339, seconds).
    pub timestamp: String,
    /// The authorization verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`; the lowercased method for other paths).
    pub verb: String,
    /// The authenticated user (empty when authentication failed).
    pub user: String,
}

impl LoggedRequest {
    /// A write that changed (or would have changed) cluster state: POST/PUT/PATCH/DELETE that
    /// succeeded and was not a dry run.
    #[must_use]
    pub fn is_mutation(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            && !self.dry_run
            && (200..300).contains(&self.status)
            && !self.path_and_query.contains("/selfsubjectaccessreviews")
    }

    /// Whether this was a write verb at all (successful or not, dry run or not).
    #[must_use]
    pub fn is_write_verb(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }

    /// The entry as one JSON line (no trailing newline).
    #[must_use]
    pub fn to_json_line(&self) -> String {
        json!({
            "timestamp": self.timestamp,
            "verb": self.verb,
            "method": self.method,
            "path": self.path_and_query,
            "user": self.user,
            "status": self.status,
            "dryRun": self.dry_run,
        })
        .to_string()
    }
}

/// Shared, append-only request log (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
    file: Option<Arc<Mutex<File>>>,
}

impl RequestLog {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A log that also appends every entry to `path` as a JSON line (the file is created or truncated).
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn with_file(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            entries: Arc::default(),
            file: Some(Arc::new(Mutex::new(File::create(path)?))),
        })
    }

    pub fn push(&self, entry: LoggedRequest) {
        if let Some(file) = &self.file {
            let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
            let line = entry.to_json_line();
            if let Err(err) = writeln!(file, "{line}").and_then(|()| file.flush()) {
                tracing::warn!(%err, "cannot write the request log");
            }
        }
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    /// A copy of every entry so far, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Entries that changed cluster state (see `LoggedRequest::is_mutation`).
    #[must_use]
    pub fn mutations(&self) -> Vec<LoggedRequest> {
        self.entries()
            .into_iter()
            .filter(LoggedRequest::is_mutation)
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
